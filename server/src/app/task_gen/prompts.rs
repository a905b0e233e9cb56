//! The task prompts (`utils/task.py`): a template's `{{prompt}}`, `{{MESSAGES}}` and user/date
//! variables replaced as the reference replaces them, in the same order, with Python's slicing
//! (indices count characters; a `-0` slice is the whole list), so that the same chat gives the
//! upstream the same prompt from either backend.

use std::sync::OnceLock;

use regex::{Captures, Regex};
use serde_json::{Map, Value};

use crate::app::chats::history::output_text;
use crate::app::completions::upstream::py_str;
use crate::app::session::SessionUser;

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

/// `s[:n]` of a Python string.
fn head(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// `s[-n:]` of a Python string (`-0` is `0`: the whole string).
fn tail(s: &str, n: usize) -> String {
    let c = chars(s);
    if n == 0 {
        return s.to_owned();
    }
    c[c.len().saturating_sub(n)..].iter().collect()
}

/// `list[-n:]` (`-0`: the whole list).
fn tail_items<T: Clone>(v: &[T], n: usize) -> Vec<T> {
    if n == 0 {
        return v.to_vec();
    }
    v[v.len().saturating_sub(n)..].to_vec()
}

/// `get_content_from_message`: a list's first text part, else the content, else the answer's
/// output text; `None` where the reference has `None`.
pub fn content_from_message(message: &Value) -> Option<String> {
    let content = message.get("content");
    if let Some(Value::Array(items)) = content {
        if let Some(item) = items.iter().find(|i| i.get("type").and_then(Value::as_str) == Some("text")) {
            return item.get("text").filter(|t| !t.is_null()).map(py_str);
        }
    } else if crate::app::session::truthy(content) {
        return content.map(py_str);
    }
    let text = output_text(message.get("output"));
    if !text.is_empty() {
        return Some(text);
    }
    match content {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// `get_last_user_message`.
pub fn last_user_message(messages: &[Value]) -> Option<String> {
    messages.iter().rev().find(|m| m.get("role").and_then(Value::as_str) == Some("user")).and_then(content_from_message)
}

/// `get_messages_content`: `ROLE: content` lines.
fn messages_content(messages: &[Value]) -> String {
    messages
        .iter()
        .map(|m| {
            let role = m.get("role").map(py_str).unwrap_or_default().to_uppercase();
            format!("{role}: {}", content_from_message(m).unwrap_or_else(|| "None".into()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `truncate_content`.
fn truncate_content(content: &str, max_chars: i64, mode: &str) -> String {
    if max_chars <= 0 {
        return String::new();
    }
    let max = max_chars as usize;
    if content.chars().count() <= max {
        return content.to_owned();
    }
    match mode {
        "start" => head(content, max),
        "end" => tail(content, max),
        _ => {
            let half = max / 2;
            format!("{}...{}", head(content, half), tail(content, max - half))
        }
    }
}

/// `apply_content_filter` (`middletruncate:500`, `start:200`, `end:200`).
fn apply_content_filter(messages: Vec<Value>, filter: &str) -> Vec<Value> {
    let Some((mode, n)) = filter.split_once(':') else { return messages };
    let mode = mode.to_lowercase();
    let Ok(max) = n.parse::<i64>() else { return messages };
    if !matches!(mode.as_str(), "middletruncate" | "start" | "end") {
        return messages;
    }
    messages
        .into_iter()
        .map(|mut m| {
            match m.get_mut("content") {
                Some(Value::String(s)) => *s = truncate_content(s, max, &mode),
                Some(Value::Array(items)) => {
                    for item in items.iter_mut().filter(|i| i.get("type").and_then(Value::as_str) == Some("text")) {
                        let text = item.get("text").and_then(Value::as_str).unwrap_or("").to_owned();
                        item["text"] = Value::String(truncate_content(&text, max, &mode));
                    }
                }
                _ => {}
            }
            m
        })
        .collect()
}

/// `replace_prompt_variable`: `{{prompt}}` (any case), `{{prompt:start:N}}`, `{{prompt:end:N}}`,
/// `{{prompt:middletruncate:N}}`. A missing prompt reads as empty (the reference fails there).
pub fn replace_prompt_variable(template: &str, prompt: &str, case_insensitive: bool) -> String {
    static INSENSITIVE: OnceLock<Regex> = OnceLock::new();
    static SENSITIVE: OnceLock<Regex> = OnceLock::new();
    const PATTERN: &str = r"\{\{prompt\}\}|\{\{prompt:start:(\d+)\}\}|\{\{prompt:end:(\d+)\}\}|\{\{prompt:middletruncate:(\d+)\}\}";
    let re = if case_insensitive {
        INSENSITIVE.get_or_init(|| Regex::new(&format!("(?i){PATTERN}")).expect("pattern"))
    } else {
        SENSITIVE.get_or_init(|| Regex::new(PATTERN).expect("pattern"))
    };
    let num = |c: &Captures, i: usize| c.get(i).and_then(|m| m.as_str().parse::<usize>().ok());
    re.replace_all(template, |c: &Captures| {
        if c[0].to_lowercase() == "{{prompt}}" && (case_insensitive || &c[0] == "{{prompt}}") {
            prompt.to_owned()
        } else if let Some(n) = num(c, 1) {
            head(prompt, n)
        } else if let Some(n) = num(c, 2) {
            tail(prompt, n)
        } else if let Some(n) = num(c, 3) {
            if prompt.chars().count() <= n {
                prompt.to_owned()
            } else {
                format!("{}...{}", head(prompt, n.div_ceil(2)), tail(prompt, n / 2))
            }
        } else {
            String::new()
        }
    })
    .into_owned()
}

/// `replace_messages_variable`: `{{MESSAGES}}`, `{{MESSAGES:START:N}}`, `{{MESSAGES:END:N}}`,
/// `{{MESSAGES:MIDDLETRUNCATE:N}}`, each with an optional `|mode:N` content filter.
pub fn replace_messages_variable(template: &str, messages: Option<&[Value]>) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?:\{\{MESSAGES(?:\|(\w+:\d+))?\}\}|\{\{MESSAGES:START:(\d+)(?:\|(\w+:\d+))?\}\}|\{\{MESSAGES:END:(\d+)(?:\|(\w+:\d+))?\}\}|\{\{MESSAGES:MIDDLETRUNCATE:(\d+)(?:\|(\w+:\d+))?\}\})",
        )
        .expect("pattern")
    });
    re.replace_all(template, |c: &Captures| {
        let Some(messages) = messages else { return String::new() };
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<usize>().ok());
        let filter = |i: usize| c.get(i).map(|m| m.as_str().to_owned());
        let (selected, content_filter) = if let Some(n) = num(2) {
            (messages[..n.min(messages.len())].to_vec(), filter(3))
        } else if let Some(n) = num(4) {
            (tail_items(messages, n), filter(5))
        } else if let Some(mid) = num(6) {
            let selected = if messages.len() <= mid {
                messages.to_vec()
            } else {
                let half = mid / 2;
                let mut s = messages[..half].to_vec();
                s.extend(tail_items(messages, if mid % 2 == 0 { half } else { half + 1 }));
                s
            };
            (selected, filter(7))
        } else {
            (messages.to_vec(), filter(1))
        };
        let selected = match content_filter {
            Some(f) => apply_content_filter(selected, &f),
            None => selected,
        };
        messages_content(&selected)
    })
    .into_owned()
}

/// `prompt_template`: the date and user variables. `{{USER_GROUPS}}` reads as empty (not done:
/// the user's group names).
pub fn prompt_template(template: &str, user: &SessionUser) -> String {
    let now = chrono::Local::now();
    let date = now.format("%Y-%m-%d").to_string();
    let time = now.format("%I:%M:%S %p").to_string();
    let u = &user.user;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "None".into());
    let location = u.info.as_ref().and_then(Value::as_object).and_then(|i| i.get("location")).map_or("None".into(), py_value_str);
    let birth = u.date_of_birth.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let age = birth.map_or("None".into(), |b| {
        use chrono::Datelike;
        let today = now.date_naive();
        let before = (today.month(), today.day()) < (b.month(), b.day());
        (today.year() - b.year() - i32::from(before)).to_string()
    });
    let replacements = [
        ("{{CURRENT_DATE}}", date.clone()),
        ("{{CURRENT_TIME}}", time.clone()),
        ("{{CURRENT_DATETIME}}", format!("{date} {time}")),
        ("{{CURRENT_WEEKDAY}}", now.format("%A").to_string()),
        ("{{USER_NAME}}", u.name.clone()),
        ("{{USER_EMAIL}}", u.email.clone()),
        ("{{USER_BIO}}", opt(&u.bio)),
        ("{{USER_GENDER}}", opt(&u.gender)),
        ("{{USER_BIRTH_DATE}}", opt(&u.date_of_birth)),
        ("{{USER_AGE}}", age),
        ("{{USER_LOCATION}}", location),
        ("{{USER_GROUPS}}", String::new()),
    ];
    let mut out = template.to_owned();
    for (k, v) in replacements {
        out = out.replace(k, &v);
    }
    out
}

/// Python's `str()` of a JSON value (`None`, `True`, text as is).
fn py_value_str(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => py_str(other),
    }
}

/// `title_generation_template`, `tags_generation_template`, `image_prompt_generation_template`,
/// `query_generation_template`: the same three steps.
pub fn chat_template(template: &str, messages: &[Value], user: &SessionUser) -> String {
    let prompt = last_user_message(messages).unwrap_or_default();
    let t = replace_prompt_variable(template, &prompt, true);
    let t = replace_messages_variable(&t, Some(messages));
    prompt_template(&t, user)
}

/// `follow_up_generation_template`: with the default template, the first user message and the
/// last four, each cut to 1000 characters; contents flattened to text.
pub fn follow_up_template(template: &str, messages: &[Value], user: &SessionUser, use_default: bool) -> String {
    let mut selected: Vec<Value> = messages.to_vec();
    if use_default {
        let start = messages.len().saturating_sub(4);
        let first_user = messages.iter().position(|m| m.get("role").and_then(Value::as_str) == Some("user"));
        selected = first_user.filter(|i| *i < start).map(|i| messages[i].clone()).into_iter().collect();
        selected.extend_from_slice(&messages[start..]);
    }
    let normalized: Vec<Value> = selected
        .into_iter()
        .map(|m| {
            let mut content = match m.get("content") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter(|i| i.get("type").and_then(Value::as_str) == Some("text"))
                    .filter_map(|i| i.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => content_from_message(&m).unwrap_or_default(),
            };
            if use_default && content.chars().count() > 1000 {
                content = truncate_content(&content, 997, "middletruncate");
            }
            let mut obj: Map<String, Value> = m.as_object().cloned().unwrap_or_default();
            obj.insert("content".into(), Value::String(content));
            Value::Object(obj)
        })
        .collect();
    chat_template(template, &normalized, user)
}

/// `autocomplete_generation_template`.
pub fn autocomplete_template(template: &str, prompt: &str, messages: Option<&[Value]>, kind: &str, user: &SessionUser) -> String {
    let t = template.replace("{{TYPE}}", kind);
    let t = replace_prompt_variable(&t, prompt, true);
    let t = replace_messages_variable(&t, messages);
    prompt_template(&t, user)
}

/// `emoji_generation_template`.
pub fn emoji_template(template: &str, prompt: &str, user: &SessionUser) -> String {
    prompt_template(&replace_prompt_variable(template, prompt, true), user)
}

/// `moa_response_generation_template`: the prompt (case-sensitive `{{prompt}}`), then the
/// responses, each in triple quotes, a blank line apart.
pub fn moa_template(template: &str, prompt: &str, responses: &[Value]) -> String {
    let t = replace_prompt_variable(template, prompt, false);
    let responses = responses.iter().map(|r| format!("\"\"\"{}\"\"\"", py_value_str(r))).collect::<Vec<_>>().join("\n\n");
    t.replace("{{responses}}", &responses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_end_slices_as_python() {
        let msgs = vec![json!({"role": "user", "content": "a"}), json!({"role": "assistant", "content": "b"})];
        assert_eq!(replace_messages_variable("{{MESSAGES:END:1}}", Some(&msgs)), "ASSISTANT: b");
        // `messages[-0:]` is every message.
        assert_eq!(replace_messages_variable("{{MESSAGES:END:0}}", Some(&msgs)), "USER: a\nASSISTANT: b");
        assert_eq!(replace_messages_variable("{{MESSAGES|start:0}}", Some(&msgs)), "USER: \nASSISTANT: ");
    }

    #[test]
    fn prompt_variants() {
        assert_eq!(replace_prompt_variable("<{{PROMPT}}>", "hello", true), "<hello>");
        assert_eq!(replace_prompt_variable("{{prompt:start:2}}|{{prompt:end:2}}", "hello", true), "he|lo");
        assert_eq!(replace_prompt_variable("{{prompt:middletruncate:3}}", "hello", true), "he...o");
        assert_eq!(replace_prompt_variable("{{PROMPT}}", "hello", false), "{{PROMPT}}");
    }
}
