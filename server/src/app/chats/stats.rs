//! Chat statistics (`routers/chats.py`: `get_session_user_chat_usage_stats`,
//! `_process_chat_for_export`, `export_chat_stats`, `export_single_chat_stats`): counts, models
//! and averages computed from a chat's stored history, never its content.
//!
//! The reference computes them on the JSON as Python values: a chat whose history it cannot
//! walk is left out (its `try`), a history that is not an object fails the whole usage page
//! (400), and the answer's pydantic models refuse what is not of their type. The functions here
//! keep those outcomes: `Skip` for a chat left out, `Fail` for the whole request.

use serde_json::{Map, Value};
use webui_api::chats_more::{
    AggregateChatStats, ChatBody, ChatHistoryStats, ChatStatsExport, ChatStatsExportList, ChatUsageStatsListResponse,
    ChatUsageStatsResponse, MessageStats,
};

use super::{admin_chat_access, default_error, history::t};
use crate::app::session::{truthy, SessionUser};
use crate::context::ServerContext;
use crate::db::chats_more as db;
use crate::db::chats::ChatRow;
use crate::error::{Error, Result};
use crate::messages;

/// `CHAT_EXPORT_PAGE_ITEM_COUNT`: the export's page (and the stream's batch) size.
pub const EXPORT_PAGE: i64 = 10;

/// Why a chat's statistics are missing: left out (`Skip`), or the whole request fails.
enum Miss {
    Skip,
    Fail,
}

type Walk<T> = std::result::Result<T, Miss>;

/// Python's `len()` of a JSON value (`str` counts code points).
fn py_len(v: &Value) -> Walk<i64> {
    match v {
        Value::String(s) => Ok(s.chars().count() as i64),
        Value::Array(a) => Ok(a.len() as i64),
        Value::Object(m) => Ok(m.len() as i64),
        _ => Err(Miss::Skip),
    }
}

/// A number as Python adds it (`int`, `float`, `bool`).
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// Pydantic's lax `int`: integers, floats without a fraction, numeric strings, booleans.
fn lax_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18).map(|f| f as i64)),
        Value::Bool(b) => Some(*b as i64),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `dict.get(key)` with a JSON value as the key: a string finds its entry, another hashable
/// value finds nothing, a list or object raises (`TypeError`).
fn lookup<'a>(map: &'a Map<String, Value>, key: &Value) -> Walk<Option<&'a Value>> {
    match key {
        Value::String(k) => Ok(map.get(k)),
        Value::Array(_) | Value::Object(_) => Err(Miss::Skip),
        _ => Ok(None),
    }
}

/// A model's count in a `{model: count}` dict (the first time a model is seen, its place).
fn count_model(counts: &mut Map<String, Value>, model: &Value) -> Walk<()> {
    let key = match model {
        Value::String(s) => s.clone(),
        Value::Array(_) | Value::Object(_) => return Err(Miss::Skip),
        other => other.to_string(),
    };
    let n = counts.get(&key).and_then(Value::as_i64).unwrap_or(0);
    counts.insert(key, Value::from(n + 1));
    Ok(())
}

/// `get_message_list(messages_map, message_id)`: root to `message_id` along `parentId`.
fn message_list<'a>(map: &'a Map<String, Value>, current: &Value) -> Walk<Vec<&'a Map<String, Value>>> {
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut id = current.clone();
    let mut message = lookup(map, &id)?;
    while let Some(m) = message.filter(|m| t(Some(m))) {
        let key = id.as_str().map(str::to_string).unwrap_or_default();
        if seen.contains(&key) {
            break;
        }
        seen.push(key);
        let m = m.as_object().ok_or(Miss::Skip)?;
        out.push(m);
        id = m.get("parentId").cloned().unwrap_or(Value::Null);
        message = if t(Some(&id)) { lookup(map, &id)? } else { None };
    }
    out.reverse();
    Ok(out)
}

/// `get_message_list` for the other callers (the completions' saved conversation): `None` where
/// the walk meets what the export skips (a message that is not an object).
pub(crate) fn message_chain<'a>(map: &'a Map<String, Value>, message_id: &str) -> Option<Vec<&'a Map<String, Value>>> {
    message_list(map, &Value::String(message_id.to_owned())).ok()
}

/// `{model: count}` of the assistant messages of the current branch, last first.
fn branch_models(list: &[&Map<String, Value>], typed: bool) -> Walk<Map<String, Value>> {
    let mut models = Map::new();
    for m in list.iter().rev() {
        if m.get("role").and_then(Value::as_str) == Some("assistant") {
            if let Some(model) = m.get("model").filter(|v| t(Some(v))) {
                // `dict[str, int]` of the export refuses a key that is not a string.
                if typed && !model.is_string() {
                    return Err(Miss::Skip);
                }
                count_model(&mut models, model)?;
            }
        }
    }
    Ok(models)
}

fn average(total: f64, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        total / n as f64
    }
}

/// `chat.chat.get('history', {})`: the history object; a history that is not one raises.
fn history_of(chat: &ChatRow) -> Walk<Map<String, Value>> {
    match chat.chat.get("history") {
        None => Ok(Map::new()),
        Some(Value::Object(h)) => Ok(h.clone()),
        Some(_) => Err(Miss::Fail),
    }
}

/// `meta.tags` as `list[str]`.
fn tags_of(chat: &ChatRow) -> Option<Vec<String>> {
    match chat.meta.get("tags") {
        None => Some(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(|v| v.as_str().map(str::to_string)).collect(),
        Some(_) => None,
    }
}

/// One chat of `GET /api/v1/chats/stats/usage`.
fn usage_of(chat: &ChatRow) -> Walk<Option<ChatUsageStatsResponse>> {
    let history = history_of(chat)?;
    let map_value = history.get("messages").cloned().unwrap_or(Value::Object(Map::new()));
    let current = history.get("currentId").cloned().unwrap_or(Value::Null);
    if !(t(Some(&map_value)) && t(Some(&current))) {
        return Ok(None);
    }
    let item = (|| -> Walk<(ChatUsageStatsResponse, Value)> {
        let map = map_value.as_object().ok_or(Miss::Skip)?;
        let mut history_models = Map::new();
        let (mut users, mut assistants) = (Vec::new(), Vec::new());
        for m in map.values() {
            let m = m.as_object().ok_or(Miss::Skip)?;
            match m.get("role").and_then(Value::as_str) {
                Some("user") => users.push(m),
                Some("assistant") => {
                    assistants.push(m);
                    if let Some(model) = m.get("model").filter(|v| t(Some(v))) {
                        count_model(&mut history_models, model)?;
                    }
                }
                _ => {}
            }
        }
        let content_len = |ms: &[&Map<String, Value>]| -> Walk<f64> {
            let mut sum = 0i64;
            for m in ms {
                sum += match m.get("content") {
                    None => 0,
                    Some(c) => py_len(c)?,
                };
            }
            Ok(average(sum as f64, ms.len()))
        };
        let average_user = content_len(&users)?;
        let average_assistant = content_len(&assistants)?;
        let mut times = Vec::new();
        for m in &assistants {
            let parent = m.get("parentId").cloned().unwrap_or(Value::Null);
            if t(Some(&parent)) {
                if let Some(u) = lookup(map, &parent)? {
                    let u = u.as_object().ok_or(Miss::Skip)?;
                    let zero = Value::from(0);
                    let a = number(m.get("timestamp").unwrap_or(&zero)).ok_or(Miss::Skip)?;
                    let b = number(u.get("timestamp").unwrap_or(&zero)).ok_or(Miss::Skip)?;
                    times.push(a - b);
                }
            }
        }
        let list = message_list(map, &current)?;
        let models = branch_models(&list, false)?;
        let last = list.last().ok_or(Miss::Skip)?;
        let r = ChatUsageStatsResponse {
            id: chat.id.clone(),
            models,
            message_count: list.len() as i64,
            history_models,
            history_message_count: map.len() as i64,
            history_user_message_count: users.len() as i64,
            history_assistant_message_count: assistants.len() as i64,
            average_response_time: average(times.iter().sum(), times.len()),
            average_user_message_content_length: average_user,
            average_assistant_message_content_length: average_assistant,
            tags: Vec::new(),
            last_message_at: 0,
            updated_at: chat.updated_at,
            created_at: chat.created_at,
        };
        Ok((r, last.get("timestamp").cloned().unwrap_or(Value::Null)))
    })();
    match item {
        Ok((mut r, last)) => {
            // `ChatUsageStatsListResponse(items=...)` validates every item at the end.
            r.tags = tags_of(chat).ok_or(Miss::Fail)?;
            r.last_message_at = lax_int(&last).ok_or(Miss::Fail)?;
            Ok(Some(r))
        }
        Err(Miss::Skip) => Ok(None),
        Err(Miss::Fail) => Err(Miss::Fail),
    }
}

/// `get_message_content_length`: a string's length, the text parts' of a list, else 0.
fn content_length(m: &Map<String, Value>) -> Walk<i64> {
    match m.get("content") {
        Some(Value::String(s)) => Ok(s.chars().count() as i64),
        Some(Value::Array(items)) => {
            let mut n = 0;
            for item in items {
                let item = item.as_object().ok_or(Miss::Skip)?;
                if item.get("type").and_then(Value::as_str) == Some("text") {
                    n += match item.get("text") {
                        None => 0,
                        Some(v) => py_len(v)?,
                    };
                }
            }
            Ok(n)
        }
        _ => Ok(0),
    }
}

/// `Optional[...]` of a pydantic field: null or absent is `None`, else `f` or a refusal.
fn optional<T>(v: Option<&Value>, f: impl Fn(&Value) -> Option<T>) -> Walk<Option<T>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => f(v).map(Some).ok_or(Miss::Skip),
    }
}

/// `MessageStats` of one message; `Skip` when the reference's `try` drops the message.
fn message_stats(m: &Value) -> Walk<(MessageStats, &Map<String, Value>)> {
    let m = m.as_object().ok_or(Miss::Skip)?;
    let content_length = content_length(m)?;
    let annotation = match m.get("annotation") {
        None => None,
        Some(Value::Object(a)) => Some(a),
        Some(_) => return Err(Miss::Skip),
    };
    let string = |v: &Value| v.as_str().map(str::to_string);
    let strings = |v: &Value| v.as_array().and_then(|a| a.iter().map(|s| s.as_str().map(str::to_string)).collect::<Option<Vec<_>>>());
    let stats = MessageStats {
        id: m.get("id").and_then(string).ok_or(Miss::Skip)?,
        role: m.get("role").and_then(string).ok_or(Miss::Skip)?,
        model: optional(m.get("model"), string)?,
        content_length,
        token_count: None,
        timestamp: optional(m.get("timestamp"), lax_int)?,
        rating: optional(annotation.and_then(|a| a.get("rating")), lax_int)?,
        tags: optional(annotation.and_then(|a| a.get("tags")), strings)?,
    };
    Ok((stats, m))
}

/// `_process_chat_for_export`: `None` where the reference logs an error and leaves it out.
pub fn export_of(chat: &ChatRow) -> Option<ChatStatsExport> {
    let history = history_of(chat).ok()?;
    let map_value = history.get("messages").cloned().unwrap_or(Value::Object(Map::new()));
    let current = history.get("currentId").cloned().unwrap_or(Value::Null);
    let map = map_value.as_object()?;
    let mut messages = Map::new();
    let mut history_models = Map::new();
    let (mut users, mut assistants) = (Vec::new(), Vec::new());
    for (key, m) in map {
        let Ok((stats, m)) = message_stats(m) else { continue };
        messages.insert(key.clone(), serde_json::to_value(&stats).ok()?);
        match stats.role.as_str() {
            "user" => users.push(m),
            "assistant" => {
                assistants.push(m);
                if let Some(model) = stats.model.filter(|s| !s.is_empty()) {
                    count_model(&mut history_models, &Value::String(model)).ok()?;
                }
            }
            _ => {}
        }
    }
    let lengths = |ms: &[&Map<String, Value>]| -> f64 {
        average(ms.iter().map(|m| content_length(m).unwrap_or(0)).sum::<i64>() as f64, ms.len())
    };
    let mut times = Vec::new();
    for m in &assistants {
        let parent = m.get("parentId").cloned().unwrap_or(Value::Null);
        if !t(Some(&parent)) {
            continue;
        }
        if let Some(u) = lookup(map, &parent).ok()? {
            let (t1, t0) = (m.get("timestamp"), u.as_object()?.get("timestamp"));
            if t(t1) && t(t0) {
                times.push(number(t1?)? - number(t0?)?);
            }
        }
    }
    let list = message_list(map, &current).ok()?;
    let models = branch_models(&list, true).ok()?;
    let current_id = match &current {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        _ => return None,
    };
    Some(ChatStatsExport {
        id: chat.id.clone(),
        user_id: chat.user_id.clone(),
        created_at: chat.created_at,
        updated_at: chat.updated_at,
        tags: tags_of(chat)?,
        stats: AggregateChatStats {
            average_response_time: average(times.iter().sum(), times.len()),
            average_user_message_content_length: lengths(&users),
            average_assistant_message_content_length: lengths(&assistants),
            models,
            message_count: list.len() as i64,
            history_models,
            history_message_count: map.len() as i64,
            history_user_message_count: users.len() as i64,
            history_assistant_message_count: assistants.len() as i64,
        },
        chat: ChatBody { history: ChatHistoryStats { messages, currentId: current_id } },
    })
}

/// `skip`/`limit` as PostgreSQL takes them; a negative one fails the reference's query (400).
fn page_bounds(page: i64, limit: i64) -> Result<i64> {
    page.checked_sub(1).and_then(|p| p.checked_mul(limit)).filter(|s| *s >= 0 && limit >= 0).ok_or_else(default_error)
}

/// `GET /api/v1/chats/stats/usage`: a page of the session user's chats (newest first) with
/// their statistics; chats without a current message are left out, `total` counts them all.
pub async fn usage(ctx: &ServerContext, s: &SessionUser, items_per_page: i64, page: i64) -> Result<ChatUsageStatsListResponse> {
    let skip = page_bounds(page, items_per_page)?;
    let client = ctx.db.get().await?;
    let (rows, total) = db::user_chats_page(&**client, &s.user.id, None, false, skip, items_per_page).await?;
    let mut items = Vec::new();
    for chat in &rows {
        match usage_of(chat) {
            Ok(Some(item)) => items.push(item),
            Ok(None) => {}
            Err(_) => return Err(default_error()),
        }
    }
    Ok(ChatUsageStatsListResponse { items, total })
}

/// The export's permission: admins, or everyone while community sharing is on (401 otherwise).
pub fn require_export(ctx: &ServerContext, s: &SessionUser) -> Result<()> {
    if !s.is_admin() && !truthy(ctx.setting("ui.enable_community_sharing").as_ref()) {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    Ok(())
}

/// `GET /api/v1/chats/stats/export` without `stream`: a page of [`EXPORT_PAGE`] chats, oldest
/// update first, updated after `updated_at` when given (and not 0).
pub async fn export_page(ctx: &ServerContext, s: &SessionUser, updated_at: Option<i64>, page: i64) -> Result<ChatStatsExportList> {
    require_export(ctx, s)?;
    let skip = page_bounds(page, EXPORT_PAGE)?;
    let client = ctx.db.get().await?;
    let after = updated_at.filter(|u| *u != 0);
    let (rows, total) = db::user_chats_page(&**client, &s.user.id, after, true, skip, EXPORT_PAGE).await?;
    Ok(ChatStatsExportList { kind: "chats".into(), items: rows.iter().filter_map(export_of).collect(), total, page })
}

/// One batch of the streamed export (`generate_chat_stats_jsonl_generator`): its NDJSON lines
/// and how many chats it read (0: the end).
pub async fn export_batch(ctx: &ServerContext, user_id: &str, updated_at: Option<i64>, skip: i64) -> Result<(Vec<u8>, usize)> {
    let client = ctx.db.get().await?;
    let (rows, _) = db::user_chats_page(&**client, user_id, updated_at.filter(|u| *u != 0), true, skip, EXPORT_PAGE).await?;
    let mut out = Vec::new();
    for r in rows.iter().filter_map(export_of) {
        serde_json::to_writer(&mut out, &r).map_err(Error::internal)?;
        out.push(b'\n');
    }
    Ok((out, rows.len()))
}

/// `GET /api/v1/chats/stats/export/{chat_id}`: 404 for no chat, 401 for another user's (an
/// admin's read where `ENABLE_ADMIN_CHAT_ACCESS` allows it).
pub async fn export_one(ctx: &ServerContext, s: &SessionUser, chat_id: &str) -> Result<ChatStatsExport> {
    require_export(ctx, s)?;
    let chat = {
        let client = ctx.db.get().await?;
        crate::db::chats::get(&**client, chat_id).await?
    };
    let chat = chat.ok_or_else(|| Error::not_found(messages::NOT_FOUND))?;
    if chat.user_id != s.user.id && !(s.is_admin() && admin_chat_access(ctx)) {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    export_of(&chat).ok_or_else(|| Error::bad_request(messages::CHAT_STATS_FAILED))
}
