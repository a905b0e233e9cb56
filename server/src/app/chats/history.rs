//! The chat body's message history, handled as the reference handles the `chat` JSON
//! (`models/chats.py`: `merge_history`, `_repair_chat_current_id`, `get_current_message_id`,
//! `_clean_null_bytes`; `routers/chats.py`: `set_message_authors`, `chat_search_snippet`;
//! `models/chat_messages.py`: the `chat_message` row of a message).
//!
//! Objects keep their key order (serde_json's `preserve_order`), and an insert of a present key
//! keeps its place, as Python's dicts do, so the bodies come out in the reference's order.

use serde_json::{Map, Value};

use crate::app::session::truthy;

/// Python's truthiness of an optional JSON value.
pub fn t(v: Option<&Value>) -> bool {
    truthy(v)
}

/// `sanitize_data_for_db`: NUL characters removed from every string and key.
pub fn clean(v: &mut Value) {
    match v {
        Value::String(s) => {
            if s.contains('\0') {
                *s = s.replace('\0', "");
            }
        }
        Value::Array(a) => a.iter_mut().for_each(clean),
        Value::Object(m) => {
            if m.keys().any(|k| k.contains('\0')) {
                let old = std::mem::take(m);
                for (k, mut v) in old {
                    clean(&mut v);
                    m.insert(k.replace('\0', ""), v);
                }
            } else {
                m.values_mut().for_each(clean);
            }
        }
        _ => {}
    }
}

/// `sanitize_text_for_db`.
pub fn clean_text(s: &str) -> String {
    s.replace('\0', "")
}

/// The messages of a chat the reference walks: `history.messages`'s values, then the legacy
/// `messages` list. `None` when one of them is not an object (the reference fails there).
fn message_slots(chat: &mut Map<String, Value>) -> Option<Vec<&mut Map<String, Value>>> {
    let mut out = Vec::new();
    let mut bad = false;
    let (history, legacy): (Option<&mut Value>, Option<&mut Value>) = {
        let mut h = None;
        let mut l = None;
        for (k, v) in chat.iter_mut() {
            if k == "history" {
                h = Some(v);
            } else if k == "messages" {
                l = Some(v);
            }
        }
        (h, l)
    };
    match history {
        None => {}
        Some(Value::Object(h)) => match h.get_mut("messages") {
            None | Some(Value::Null) => {}
            Some(Value::Object(ms)) => {
                for m in ms.values_mut() {
                    match m {
                        Value::Object(m) => out.push(m),
                        _ => bad = true,
                    }
                }
            }
            Some(v) if !truthy(Some(v)) => {}
            Some(_) => bad = true,
        },
        Some(_) => bad = true,
    }
    match legacy {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for m in a.iter_mut() {
                match m {
                    Value::Object(m) => out.push(m),
                    _ => bad = true,
                }
            }
        }
        Some(v) if !truthy(Some(v)) => {}
        Some(_) => bad = true,
    }
    (!bad).then_some(out)
}

/// `set_message_authors`: every message the client sent is the session user's. `Err` where the
/// reference fails (a message that is not an object, a history that is not one).
pub fn set_message_authors(chat: &mut Map<String, Value>, user_id: &str, user_name: &str) -> Result<(), ()> {
    let slots = message_slots(chat).ok_or(())?;
    for m in slots {
        m.insert("user_id".into(), Value::String(user_id.into()));
        if m.get("role").and_then(Value::as_str) == Some("user") {
            let mut u = Map::new();
            u.insert("id".into(), Value::String(user_id.into()));
            u.insert("name".into(), Value::String(user_name.into()));
            m.insert("user".into(), Value::Object(u));
        }
    }
    Ok(())
}

/// `get_current_message_id`. `Err` for a current id that is not a string (the reference's
/// `ChatModel` refuses it).
pub fn current_message_id(chat: &Map<String, Value>) -> Result<Option<String>, ()> {
    let history = chat.get("history").and_then(Value::as_object);
    let pick = [history.and_then(|h| h.get("currentId")), chat.get("currentId"), chat.get("branchPointMessageId")]
        .into_iter()
        .find(|v| truthy(*v))
        .flatten();
    if let Some(v) = pick {
        return v.as_str().map(|s| Some(s.to_string())).ok_or(());
    }
    if let Some(Value::Array(ms)) = chat.get("messages") {
        for m in ms.iter().rev() {
            if let Some(id) = m.as_object().and_then(|m| m.get("id")).filter(|v| truthy(Some(v))) {
                return id.as_str().map(|s| Some(s.to_string())).ok_or(());
            }
        }
    }
    Ok(None)
}

/// `merge_history(existing, incoming)`: the messages of both (the incoming win), their
/// `childrenIds` rebuilt from the `parentId`s, the incoming current id if it is one of them
/// (else the existing one, else null).
pub fn merge_history(existing: Option<&Map<String, Value>>, incoming: Option<&Map<String, Value>>) -> Map<String, Value> {
    let msgs = |h: Option<&Map<String, Value>>| -> Map<String, Value> {
        match h.and_then(|h| h.get("messages")) {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        }
    };
    let mut all = msgs(existing);
    for (k, v) in msgs(incoming) {
        all.insert(k, v);
    }
    let mut merged: Map<String, Value> = Map::new();
    for (k, v) in all {
        if let Value::Object(mut m) = v {
            m.insert("childrenIds".into(), Value::Array(Vec::new()));
            merged.insert(k, Value::Object(m));
        }
    }
    let links: Vec<(String, String)> = merged
        .iter()
        .filter_map(|(id, m)| m.get("parentId").and_then(Value::as_str).map(|p| (id.clone(), p.to_string())))
        .collect();
    for (id, parent) in links {
        if let Some(Value::Object(p)) = merged.get_mut(&parent) {
            if let Some(Value::Array(c)) = p.get_mut("childrenIds") {
                c.push(Value::String(id));
            }
        }
    }
    let in_merged = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| merged.contains_key(s));
    let mut current = incoming.and_then(|h| h.get("currentId")).cloned();
    if !in_merged(current.as_ref()) {
        current = existing.and_then(|h| h.get("currentId")).cloned();
        if !in_merged(current.as_ref()) {
            current = None;
        }
    }
    let mut out = existing.cloned().unwrap_or_default();
    if let Some(i) = incoming {
        for (k, v) in i {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert("messages".into(), Value::Object(merged));
    out.insert("currentId".into(), current.unwrap_or(Value::Null));
    out
}

fn add_child_to_parent(messages: &mut Map<String, Value>, parent_id: Option<&str>, child_id: &str) -> bool {
    let Some(Value::Object(parent)) = parent_id.filter(|p| !p.is_empty()).and_then(|p| messages.get_mut(p)) else {
        return false;
    };
    if !matches!(parent.get("childrenIds"), Some(Value::Array(_))) {
        parent.insert("childrenIds".into(), Value::Array(Vec::new()));
    }
    let Some(Value::Array(children)) = parent.get_mut("childrenIds") else { return false };
    if children.iter().any(|c| c.as_str() == Some(child_id)) {
        return false;
    }
    children.push(Value::String(child_id.into()));
    true
}

fn last_descendant(messages: &Map<String, Value>, start: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut id = start.to_string();
    while messages.contains_key(&id) && !seen.contains(&id) {
        seen.push(id.clone());
        let children: Vec<Value> = match messages.get(&id).and_then(Value::as_object).and_then(|m| m.get("childrenIds")) {
            Some(Value::Array(c)) => c.clone(),
            _ => Vec::new(),
        };
        let next = children.iter().rev().filter_map(Value::as_str).find(|c| {
            !seen.iter().any(|s| s == c)
                && messages.get(*c).and_then(Value::as_object).is_some_and(|child| {
                    child.get("id").and_then(Value::as_str) == Some(*c)
                        && truthy(child.get("role"))
                        && child.get("parentId").and_then(Value::as_str) == Some(id.as_str())
                })
        });
        match next {
            Some(n) => id = n.to_string(),
            None => break,
        }
    }
    id
}

/// `_repair_chat_current_id`: parents list their children, and `currentId` points at the end
/// of its branch (or at the newest leaf when it points nowhere useful). Applied when a chat is
/// read, never saved.
pub fn repair_current_id(chat: &mut Map<String, Value>) {
    let Some(Value::Object(history)) = chat.get_mut("history") else { return };
    let current_id = history.get("currentId").cloned();
    let Some(Value::Object(messages)) = history.get_mut("messages") else { return };
    let links: Vec<(String, Option<String>)> = messages
        .iter()
        .filter_map(|(id, m)| m.as_object().map(|m| (id.clone(), m.get("parentId").and_then(Value::as_str).map(str::to_string))))
        .collect();
    for (id, parent) in links {
        add_child_to_parent(messages, parent.as_deref(), &id);
    }
    let current_key = current_id.as_ref().and_then(Value::as_str);
    let current = current_key.and_then(|k| messages.get(k)).and_then(Value::as_object);
    let mut new_current: Option<String> = None;
    let mut decided = false;
    if let Some(cur) = current {
        let output_role = match cur.get("output") {
            Some(Value::Array(o)) => o.iter().filter_map(Value::as_object).find_map(|i| i.get("role").filter(|r| truthy(Some(r))).cloned()),
            _ => None,
        };
        let bad_leaf = output_role.as_ref().and_then(Value::as_str) == Some("assistant")
            && cur.get("parentId").map_or(true, Value::is_null)
            && !truthy(cur.get("timestamp"))
            && messages.len() > 1;
        if truthy(cur.get("id")) && truthy(cur.get("role")) && !bad_leaf {
            let key = current_key.unwrap_or_default();
            let last = last_descendant(messages, key);
            if last != key {
                new_current = Some(last);
            }
            decided = true;
        }
    }
    if !decided {
        let mut latest: Option<(String, f64)> = None;
        for (id, m) in messages.iter() {
            let Some(m) = m.as_object() else { continue };
            if !truthy(m.get("role")) {
                continue;
            }
            let childless = match m.get("childrenIds") {
                Some(Value::Array(c)) => c.is_empty(),
                _ => true,
            };
            let ts = m.get("timestamp").filter(|v| truthy(Some(v))).and_then(Value::as_f64).unwrap_or(0.0);
            if childless && ts > latest.as_ref().map_or(-1.0, |l| l.1) {
                latest = Some((id.clone(), ts));
            }
        }
        if let Some((id, _)) = latest {
            if Some(id.as_str()) != current_key {
                new_current = Some(id);
            }
        }
    }
    if let Some(id) = new_current {
        history.insert("currentId".into(), Value::String(id));
    }
}

/// `chat_search_terms`: the distinct runs of `[a-z0-9]` in the lower-cased text.
pub fn search_terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for ch in text.to_lowercase().chars() {
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            cur.push(ch);
        } else if !cur.is_empty() {
            let w = std::mem::take(&mut cur);
            if !out.contains(&w) {
                out.push(w);
            }
        }
    }
    if !cur.is_empty() && !out.contains(&cur) {
        out.push(cur);
    }
    out
}

/// The search prefixes (`CHAT_SEARCH_FILTER_PREFIXES`).
pub const FILTER_PREFIXES: [&str; 5] = ["tag:", "folder:", "pinned:", "archived:", "shared:"];

/// `chat_search_content_query`: the lower-cased words that are not filters.
pub fn search_content_query(text: &str) -> String {
    let lowered = clean_text(text).to_lowercase();
    lowered
        .split_whitespace()
        .filter(|w| !FILTER_PREFIXES.iter().any(|p| w.starts_with(p)))
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

/// `chat_search_snippet`: up to 200 characters of the first message containing the text (or one
/// of its terms), whitespace collapsed, `...` where cut.
pub fn search_snippet(chat: &Map<String, Value>, search_text: &str) -> Option<String> {
    const MAX: usize = 200;
    if search_text.is_empty() {
        return None;
    }
    let history_messages = chat.get("history").and_then(Value::as_object).and_then(|h| h.get("messages"));
    let source = if truthy(history_messages) { history_messages } else { chat.get("messages") };
    let messages: Vec<&Value> = match source {
        Some(Value::Object(m)) => m.values().collect(),
        Some(Value::Array(a)) => a.iter().collect(),
        _ => Vec::new(),
    };
    let mut needles = vec![search_text.to_string()];
    for t in search_terms(search_text) {
        if !needles.contains(&t) {
            needles.push(t);
        }
    }
    for needle in &needles {
        let needle: Vec<char> = needle.chars().collect();
        for m in &messages {
            let Some(content) = m.as_object().and_then(|m| m.get("content")).and_then(Value::as_str) else { continue };
            let chars: Vec<char> = content.chars().collect();
            let lowered: Vec<char> = content.to_lowercase().chars().collect();
            let Some(index) = find(&lowered, &needle) else { continue };
            let len = chars.len();
            let mut start = index.saturating_sub(MAX / 2);
            let mut end = (start + MAX).min(len);
            if index + needle.len() > end {
                end = (index + needle.len()).min(len);
                start = end.saturating_sub(MAX);
            }
            let piece: String = chars[start.min(len)..end.max(start.min(len))].iter().collect();
            let snippet = piece.split_whitespace().collect::<Vec<_>>().join(" ");
            return Some(format!("{}{}{}", if start > 0 { "..." } else { "" }, snippet, if end < len { "..." } else { "" }));
        }
    }
    None
}

fn find(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()] == *needle)
}

/// `normalize_usage`: the usage with `input_tokens`, `output_tokens` and `total_tokens` added.
/// `None` when the counts are not numbers (the reference fails there and stores no row).
pub fn normalize_usage(usage: &Map<String, Value>) -> Option<Map<String, Value>> {
    if usage.is_empty() {
        return Some(Map::new());
    }
    let num = |v: Option<&Value>| -> Option<Option<f64>> {
        match v {
            None | Some(Value::Null) => Some(None),
            Some(Value::Number(n)) => Some(n.as_f64()),
            Some(Value::Bool(b)) => Some(Some(if *b { 1.0 } else { 0.0 })),
            Some(_) => None,
        }
    };
    // `a or b or c`: the first truthy value, else the last.
    let first = |keys: &[&str]| -> Option<Option<f64>> {
        let mut last = Some(None);
        for k in keys {
            let v = num(usage.get(*k))?;
            if v.is_some_and(|f| f != 0.0) {
                return Some(v);
            }
            last = Some(v);
        }
        last
    };
    let input = match first(&["input_tokens", "prompt_tokens", "prompt_eval_count"])? {
        Some(v) => v,
        None => num(usage.get("prompt_n"))?.unwrap_or(0.0).trunc() + num(usage.get("cache_n"))?.unwrap_or(0.0).trunc(),
    };
    let output = first(&["output_tokens", "completion_tokens", "eval_count", "predicted_n"])?.unwrap_or(0.0);
    let total = match num(usage.get("total_tokens"))? {
        Some(t) if t != 0.0 => t,
        _ => input + output,
    };
    let mut out = usage.clone();
    out.insert("input_tokens".into(), Value::from(input.trunc() as i64));
    out.insert("output_tokens".into(), Value::from(output.trunc() as i64));
    out.insert("total_tokens".into(), Value::from(total.trunc() as i64));
    Some(out)
}

/// `get_usage(data)`: the message's usage (or its `info.usage`), normalised; `None` when absent.
pub fn message_usage(m: &Map<String, Value>) -> Option<Map<String, Value>> {
    let usage = if truthy(m.get("usage")) {
        m.get("usage")
    } else {
        m.get("info").and_then(Value::as_object).and_then(|i| i.get("usage"))
    };
    if !truthy(usage) {
        return None;
    }
    usage.and_then(Value::as_object).and_then(normalize_usage).filter(|u| !u.is_empty())
}

/// `upsert_message_to_history`: the message merged into its stored version (voice metadata kept
/// beside the approval state), or added under its parent (found by `childrenIds` when it names
/// none) with a role, an id, children and a timestamp, and made current. Returns the message.
pub fn upsert_into_history(history: &mut Map<String, Value>, message_id: &str, mut message: Map<String, Value>, now: i64) -> Map<String, Value> {
    if !matches!(history.get("messages"), Some(Value::Object(_))) {
        history.insert("messages".into(), Value::Object(Map::new()));
    }
    let Some(Value::Object(messages)) = history.get_mut("messages") else { unreachable!() };
    let mut made_current = false;
    if let Some(Value::Object(existing)) = messages.get(message_id).cloned().as_ref() {
        let existing_meta = existing.get("meta").and_then(Value::as_object).cloned().unwrap_or_default();
        if let Some(Value::Object(incoming)) = message.get("meta").cloned() {
            let mut meta = Map::new();
            if incoming.keys().all(|k| k == "voice" || k == "task_id") {
                meta = existing_meta.clone();
                for (k, v) in incoming {
                    meta.insert(k, v);
                }
            } else {
                for k in ["voice", "task_id"] {
                    if let Some(v) = existing_meta.get(k) {
                        meta.insert(k.into(), v.clone());
                    }
                }
                for (k, v) in incoming {
                    meta.insert(k, v);
                }
            }
            message.insert("meta".into(), Value::Object(meta));
        }
        let mut merged = existing.clone();
        for (k, v) in message {
            merged.insert(k, v);
        }
        messages.insert(message_id.into(), Value::Object(merged));
    } else {
        let own_parent = message.get("parentId").cloned().filter(|v| !v.is_null());
        let parent_id = match &own_parent {
            Some(p) => Some(p.clone()),
            None => messages
                .iter()
                .find(|(_, m)| match m.get("childrenIds") {
                    Some(Value::Array(c)) => c.iter().any(|c| c.as_str() == Some(message_id)),
                    _ => false,
                })
                .map(|(id, _)| Value::String(id.clone())),
        };
        let parent_role = parent_id
            .as_ref()
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .and_then(|p| messages.get(p))
            .and_then(|p| p.get("role"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let output_role = match message.get("output") {
            Some(Value::Array(o)) => o.iter().filter_map(Value::as_object).find_map(|i| i.get("role").filter(|r| truthy(Some(r))).cloned()),
            _ => None,
        };
        let role = if truthy(message.get("role")) {
            message.get("role").cloned().unwrap_or(Value::Null)
        } else if let Some(r) = output_role {
            r
        } else {
            Value::String(match parent_role.as_deref() {
                Some("user") => "assistant".into(),
                Some("assistant") => "user".into(),
                _ => "assistant".into(),
            })
        };
        let id = if truthy(message.get("id")) { message.get("id").cloned().unwrap_or(Value::Null) } else { Value::String(message_id.into()) };
        let children = match message.get("childrenIds") {
            Some(Value::Array(c)) => Value::Array(c.clone()),
            _ => Value::Array(Vec::new()),
        };
        let timestamp = if truthy(message.get("timestamp")) { message.get("timestamp").cloned().unwrap_or(Value::Null) } else { Value::from(now) };
        let mut m = message;
        m.insert("id".into(), id);
        m.insert("parentId".into(), own_parent.or(parent_id).unwrap_or(Value::Null));
        m.insert("childrenIds".into(), children);
        m.insert("role".into(), role);
        m.insert("timestamp".into(), timestamp);
        messages.insert(message_id.into(), Value::Object(m));
        made_current = true;
    }
    let parent = messages.get(message_id).and_then(|m| m.get("parentId")).and_then(Value::as_str).map(str::to_string);
    add_child_to_parent(messages, parent.as_deref(), message_id);
    let saved = messages.get(message_id).and_then(Value::as_object).cloned().unwrap_or_default();
    if made_current {
        history.insert("currentId".into(), Value::String(message_id.into()));
    }
    saved
}

/// `delete_message_from_history`: the message and its children go; its grandchildren move up
/// to its parent; the current message becomes the end of the parent's last branch. Returns the
/// ids deleted (none when the message is not there).
pub fn delete_from_history(history: &mut Map<String, Value>, message_id: &str) -> Vec<String> {
    let Some(Value::Object(messages)) = history.get_mut("messages") else { return Vec::new() };
    let Some(Value::Object(message)) = messages.get(message_id).cloned() else { return Vec::new() };
    let ids_of = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    };
    let parent_id = message.get("parentId").and_then(Value::as_str).map(str::to_string);
    let child_ids: Vec<String> = ids_of(message.get("childrenIds")).into_iter().filter(|c| messages.contains_key(c)).collect();
    let grandchild_ids: Vec<String> = child_ids
        .iter()
        .flat_map(|c| ids_of(messages.get(c).and_then(|m| m.get("childrenIds"))))
        .filter(|g| messages.contains_key(g))
        .collect();
    if let Some(p) = parent_id.as_deref() {
        if let Some(Value::Object(parent)) = messages.get_mut(p) {
            let mut kept: Vec<Value> = ids_of(parent.get("childrenIds")).into_iter().filter(|c| c != message_id).map(Value::String).collect();
            kept.extend(grandchild_ids.iter().cloned().map(Value::String));
            parent.insert("childrenIds".into(), Value::Array(kept));
        }
    }
    for g in &grandchild_ids {
        if let Some(Value::Object(m)) = messages.get_mut(g) {
            m.insert("parentId".into(), parent_id.clone().map(Value::String).unwrap_or(Value::Null));
        }
    }
    let mut deleted = vec![message_id.to_string()];
    for c in &child_ids {
        if !deleted.contains(c) {
            deleted.push(c.clone());
        }
    }
    for d in &deleted {
        messages.shift_remove(d);
    }
    let mut current = parent_id.clone();
    let mut children: Vec<String> = match &current {
        None => messages.iter().filter(|(_, m)| m.get("parentId").map_or(true, Value::is_null)).map(|(k, _)| k.clone()).collect(),
        Some(c) => ids_of(messages.get(c).and_then(|m| m.get("childrenIds"))),
    };
    let mut visited: Vec<String> = Vec::new();
    while let Some(last) = children.last().cloned() {
        if visited.contains(&last) {
            break;
        }
        current = Some(last.clone());
        visited.push(last.clone());
        children = ids_of(messages.get(&last).and_then(|m| m.get("childrenIds")));
    }
    let current = current.filter(|c| messages.contains_key(c));
    history.insert("currentId".into(), current.map(Value::String).unwrap_or(Value::Null));
    deleted
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn merge_keeps_both_sides_and_rebuilds_children() {
        let existing = obj(json!({"messages": {"a": {"id": "a", "parentId": null, "childrenIds": ["x"]}}, "currentId": "a"}));
        let incoming = obj(json!({"messages": {"b": {"id": "b", "parentId": "a"}}, "currentId": "b"}));
        let m = merge_history(Some(&existing), Some(&incoming));
        assert_eq!(
            Value::Object(m),
            json!({"messages": {"a": {"id": "a", "parentId": null, "childrenIds": ["b"]}, "b": {"id": "b", "parentId": "a", "childrenIds": []}}, "currentId": "b"})
        );
    }

    #[test]
    fn repair_points_current_at_branch_end() {
        let mut c = obj(json!({"history": {"currentId": "a", "messages": {
            "a": {"id": "a", "role": "user", "parentId": null},
            "b": {"id": "b", "role": "assistant", "parentId": "a"}}}}));
        repair_current_id(&mut c);
        assert_eq!(c["history"]["currentId"], json!("b"));
        assert_eq!(c["history"]["messages"]["a"]["childrenIds"], json!(["b"]));
    }

    #[test]
    fn snippet_as_the_reference() {
        let c = obj(json!({"history": {"messages": {"a": {"content": "Hello   brave\nnew world"}}}}));
        assert_eq!(search_snippet(&c, "brave").as_deref(), Some("Hello brave new world"));
        let long = format!("{}needle{}", "x".repeat(300), "y".repeat(300));
        let c = obj(json!({"messages": [{"content": long}]}));
        let s = search_snippet(&c, "needle").unwrap();
        assert!(s.starts_with("...") && s.ends_with("..."), "{s}");
        assert_eq!(s.len(), 206);
    }

    #[test]
    fn usage_normalised() {
        let u = normalize_usage(&obj(json!({"prompt_tokens": 3, "completion_tokens": 4}))).unwrap();
        assert_eq!(Value::Object(u), json!({"prompt_tokens": 3, "completion_tokens": 4, "input_tokens": 3, "output_tokens": 4, "total_tokens": 7}));
    }
}

/// `get_output_text`: the text of an answer's `message` items, one item a line (blank ones
/// skipped).
pub fn output_text(output: Option<&Value>) -> String {
    let Some(Value::Array(items)) = output else { return String::new() };
    let mut texts = Vec::new();
    for item in items {
        if item.get("type").and_then(Value::as_str) != Some("message") {
            continue;
        }
        let Some(Value::Array(parts)) = item.get("content") else { continue };
        let text: String = parts
            .iter()
            .filter_map(|p| p.get("text").filter(|t| !t.is_null()))
            .map(|t| t.as_str().map(str::to_string).unwrap_or_else(|| t.to_string()))
            .collect();
        if !text.is_empty() && !text.chars().all(char::is_whitespace) {
            texts.push(text);
        }
    }
    texts.join("\n")
}

