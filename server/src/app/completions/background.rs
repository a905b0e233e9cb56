//! `utils/middleware.py::background_tasks_handler`: after the web UI's answer is saved and
//! announced, the generations the request's `background_tasks` ask for, through the task
//! routes' own logic ([`task_gen::generate`]), in the reference's order:
//!
//! 1. follow-ups: `chat:message:follow_ups {follow_ups}`, saved as the message's `followUps`;
//! 2. the title (saved chats): saved and `chat:title`; without one (title generation off or
//!    failed), a chat's first exchange is titled with its first message. A new chat's title is
//!    generated when the chat is created, beside the answer (`initial_title_generation` in
//!    `main.py`), from the user's message and the empty reply;
//! 3. tags (saved chats): the chat's tags replaced, `chat:tags`.
//!
//! A generation that is off, or that the upstream refuses, is skipped as the reference skips a
//! response that is not a dict. Not done: temporary (`local:`) chats' follow-ups, and
//! `review_memory_after_turn` (memories).

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use super::{upstream::py_str, Answer, Metadata};
use crate::app::chats::history;
use crate::app::session::{truthy, SessionUser};
use crate::app::task_gen::{self, prompts, Kind};
use crate::context::ServerContext;
use crate::db::chats as db;
use crate::error::Result;

/// `TASKS.*` keys of `background_tasks`.
const FOLLOW_UPS: &str = "follow_up_generation";
pub const TITLE: &str = "title_generation";
const TAGS: &str = "tags_generation";

/// The chat's messages from the root to the answer, their details blocks and images cut out
/// (`get_message_list` and the cleaning loop), with the answer as stored.
fn message_list(messages_map: &Map<String, Value>, message_id: &str) -> (Vec<Value>, Option<Value>) {
    static CUT: OnceLock<fancy_regex::Regex> = OnceLock::new();
    let cut = CUT.get_or_init(|| {
        fancy_regex::Regex::new(r"(?si)<details\b[^<>]*>(?:(?!<details\b).)*?</details>|!\[[^\[\]]*\]\([^()]*\)").expect("pattern")
    });
    let mut chain = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut id = Some(message_id.to_owned());
    while let Some(i) = id.filter(|i| seen.insert(i.clone())) {
        let Some(m) = messages_map.get(&i) else { break };
        chain.push(m.clone());
        id = m.get("parentId").and_then(Value::as_str).filter(|p| !p.is_empty()).map(str::to_owned);
    }
    chain.reverse();
    let last = chain.last().cloned().or_else(|| messages_map.get(message_id).cloned());
    let messages = chain
        .into_iter()
        .map(|m| {
            let content = match m.get("content") {
                Some(Value::Array(items)) => Value::String(
                    items
                        .iter()
                        .filter(|i| i.get("type").and_then(Value::as_str) == Some("text"))
                        .filter_map(|i| i.get("text").and_then(Value::as_str))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                Some(c) => c.clone(),
                None => Value::String(String::new()),
            };
            let content = match content {
                Value::String(s) => Value::String(cut.replace_all(&s, "").trim().to_owned()),
                other => other,
            };
            let mut o = m.as_object().cloned().unwrap_or_default();
            let role = o.get("role").cloned().unwrap_or(json!("assistant"));
            o.insert("role".into(), role);
            o.insert("content".into(), content);
            Value::Object(o)
        })
        .collect();
    (messages, last)
}

/// The route's answer when it is a dict (`None` when the generation is off or the upstream
/// failed): `Some(message)` of its one choice, `Some(None)` for any other number of choices.
async fn generated(ctx: &ServerContext, user: &SessionUser, kind: Kind, enable_key: &str, form: Value) -> Option<Option<Value>> {
    if !truthy(ctx.setting(enable_key).as_ref()) {
        return None;
    }
    let Value::Object(form) = form else { return None };
    let body = match task_gen::generate(ctx, user, kind, form).await {
        Ok(Answer::Json { status, body }) if status < 400 && body.is_object() => body,
        _ => return None,
    };
    let choices = body.get("choices").and_then(Value::as_array).cloned().unwrap_or_default();
    Some((choices.len() == 1).then(|| choices[0].get("message").cloned().unwrap_or(json!({}))))
}

/// `response_message.get('content') or response_message.get('reasoning_content')`.
fn message_text(message: &Value) -> Option<String> {
    [message.get("content"), message.get("reasoning_content")].into_iter().flatten().find(|v| truthy(Some(v))).map(py_str)
}

/// `s[s.find('{') : s.rfind('}') + 1]`, Python's `-1` for "not found" included.
fn braces(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let len = c.len() as i64;
    let start = c.iter().position(|x| *x == '{').map_or(-1, |i| i as i64);
    let end = c.iter().rposition(|x| *x == '}').map_or(0, |i| i as i64 + 1);
    let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let (a, b) = (norm(start), norm(end));
    if a >= b {
        String::new()
    } else {
        c[a as usize..b as usize].iter().collect()
    }
}

/// `replace_skill_mentions_with_labels`: `<$id|label>` and `</id|label>` read as their label.
fn skill_labels(text: &str) -> String {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    const ID: &str = r"(?:[a-z0-9_-]+|terminal:[^|>\s]+)";
    let re = RE.get_or_init(|| regex::Regex::new(&format!(r"<(?:\$({ID})(?:\|([^>]*))?|/({ID})\|([^>]*))>")).expect("pattern"));
    re.replace_all(text, |c: &regex::Captures| {
        c.get(2).or_else(|| c.get(4)).filter(|m| !m.as_str().is_empty()).map_or(c[0].to_owned(), |m| m.as_str().to_owned())
    })
    .into_owned()
}

/// `parse_follow_ups`: at most five distinct non-empty suggestions of at most 400 characters.
fn parse_follow_ups(content: &str) -> Vec<String> {
    let Ok(Value::Object(data)) = serde_json::from_str::<Value>(&braces(content)) else { return Vec::new() };
    let Some(Value::Array(items)) = data.get("follow_ups") else { return Vec::new() };
    if items.iter().any(|i| !i.is_string()) {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().filter_map(Value::as_str).map(str::trim) {
        if !item.is_empty() && item.chars().count() <= 400 && !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    out.truncate(5);
    out
}

/// `Chats.update_chat_title_by_id`: the title column and the body's `title` (not `updated_at`).
async fn set_title(ctx: &ServerContext, chat_id: &str, title: &str) -> Result<()> {
    let title = history::clean_text(title);
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = db::get_for_update(&*tx, chat_id).await? else { return Ok(()) };
    let mut chat = row.chat;
    chat.insert("title".into(), Value::String(title.clone()));
    db::update_body(&*tx, chat_id, &title, &Value::Object(chat), None, None).await?;
    tx.commit().await?;
    Ok(())
}

/// `Chats.update_chat_tags_by_id`: the chat's tags replaced (`none` dropped), the user's tag rows
/// created, the tags no chat carries any more deleted.
async fn set_tags(ctx: &ServerContext, chat_id: &str, tags: &[String], user_id: &str) -> Result<()> {
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let Some(mut meta) = db::meta_for_update(&*tx, chat_id).await? else { return Ok(()) };
    let old = db::tag_ids_of(&meta);
    let new: Vec<String> = tags.iter().filter(|t| db::tag_id(t) != "none").cloned().collect();
    let new_ids: Vec<String> = new.iter().map(|t| db::tag_id(t)).collect();
    meta.insert("tags".into(), json!(new_ids));
    db::set_meta(&*tx, chat_id, &Value::Object(meta)).await?;
    db::ensure_tags(&*tx, &new, user_id).await?;
    let removed: Vec<String> = old.into_iter().filter(|t| !new_ids.contains(t)).collect();
    if !removed.is_empty() {
        db::delete_orphan_tags(&*tx, &removed, user_id, 0).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The handler, for a saved chat whose answer is stored.
pub async fn run(ctx: &ServerContext, user: &SessionUser, meta: &Metadata, tasks: &Map<String, Value>) -> Result<()> {
    if tasks.is_empty() || !super::is_saved_chat_id(&meta.chat_id) {
        return Ok(());
    }
    let Some(chat) = ({
        let client = ctx.db.get().await?;
        db::get(&**client, &meta.chat_id).await?
    }) else {
        return Ok(());
    };
    let messages_map = chat.chat.get("history").and_then(|h| h.get("messages")).and_then(Value::as_object).cloned().unwrap_or_default();
    if messages_map.is_empty() {
        return Ok(());
    }
    let (messages, message) = message_list(&messages_map, &meta.message_id);
    let Some(message) = message.filter(|m| m.get("model").is_some()) else { return Ok(()) };
    if messages.is_empty() {
        return Ok(());
    }
    let model = message["model"].clone();
    let mid = Some(meta.message_id.as_str());

    if truthy(tasks.get(FOLLOW_UPS)) {
        let form = json!({"model": model, "messages": messages, "message_id": meta.message_id, "chat_id": meta.chat_id});
        if let Some(reply) = generated(ctx, user, Kind::FollowUp, "task.follow_up.enable", form).await {
            let follow_ups = parse_follow_ups(&reply.as_ref().and_then(message_text).unwrap_or_default());
            super::webui::emit(ctx, meta, mid, json!({"type": "chat:message:follow_ups", "data": {"follow_ups": follow_ups}})).await;
            let mut m = Map::new();
            m.insert("followUps".into(), json!(follow_ups));
            crate::app::chats::upsert_message_by_id(ctx, &meta.chat_id, &meta.message_id, m, false).await?;
        }
    }

    if tasks.contains_key(TITLE) {
        let user_message = prompts::last_user_message(&messages).map(|m| {
            if m.chars().count() > 100 {
                format!("{}...", m.chars().take(100).collect::<String>())
            } else {
                m
            }
        });
        let first_content = || messages[0].get("content").map(py_str).or_else(|| user_message.clone()).unwrap_or_default();
        let mut title: Option<String> = None;
        if truthy(tasks.get(TITLE)) {
            let form = json!({"model": model, "messages": messages, "chat_id": meta.chat_id});
            if let Some(reply) = generated(ctx, user, Kind::Title, "task.title.enable", form).await {
                let text = match reply {
                    Some(m) => message_text(&m)
                        .or_else(|| message.get("content").map(py_str))
                        .or_else(|| user_message.clone())
                        .unwrap_or_default(),
                    None => String::new(),
                };
                let parsed = match serde_json::from_str::<Value>(&braces(&text)) {
                    Ok(Value::Object(o)) => o.get("title").map(py_str).or_else(|| user_message.clone()).unwrap_or_default(),
                    _ => String::new(),
                };
                let t = if parsed.is_empty() { skill_labels(&first_content()) } else { parsed };
                set_title(ctx, &meta.chat_id, &t).await?;
                super::webui::emit(ctx, meta, mid, json!({"type": "chat:title", "data": t})).await;
                title = Some(t);
            }
        }
        if title.is_none() && messages.len() == 2 && messages_map.len() <= 2 {
            let t = skill_labels(&first_content());
            set_title(ctx, &meta.chat_id, &t).await?;
            super::webui::emit(ctx, meta, mid, json!({"type": "chat:title", "data": t})).await;
        }
    }

    if truthy(tasks.get(TAGS)) {
        let form = json!({"model": model, "messages": messages, "chat_id": meta.chat_id});
        if let Some(reply) = generated(ctx, user, Kind::Tags, "task.tags.enable", form).await {
            let text = reply.as_ref().and_then(message_text).unwrap_or_default();
            if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&braces(&text)) {
                let tags = o.get("tags").cloned().unwrap_or(json!([]));
                if let Some(names) = tags.as_array().and_then(|a| a.iter().map(|t| t.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>()) {
                    set_tags(ctx, &meta.chat_id, &names, &user.user.id).await?;
                    super::webui::emit(ctx, meta, mid, json!({"type": "chat:tags", "data": tags})).await;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_slice_as_python() {
        assert_eq!(braces(r#"x {"title": "A"} y"#), r#"{"title": "A"}"#);
        assert_eq!(braces("no braces"), "");
        assert_eq!(braces("ends with }"), "}");
    }

    #[test]
    fn follow_ups_are_parsed_as_the_reference_parses_them() {
        assert_eq!(parse_follow_ups(r#"{"follow_ups": [" a ", "a", "", "b"]}"#), vec!["a", "b"]);
        assert!(parse_follow_ups(r#"{"follow_ups": ["a", 1]}"#).is_empty());
    }

    #[test]
    fn skill_mentions_read_as_labels() {
        assert_eq!(skill_labels("use <$web-search|Web Search> now"), "use Web Search now");
        assert_eq!(skill_labels("<$plain>"), "<$plain>");
    }
}
