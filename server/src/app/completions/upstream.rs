//! The call to the model's connection (`routers/openai.py::generate_chat_completion`,
//! `routers/ollama.py::generate_chat_completion` / `generate_openai_chat_completion`): the
//! model's workspace settings applied, the access check, the request, and the answer passed on
//! as it arrives: a stream is relayed chunk by chunk, never buffered whole.
//!
//! Timeouts as the reference's: `AIOHTTP_CLIENT_TIMEOUT` (seconds, whole request; unset: none)
//! and `AIOHTTP_CLIENT_STREAM_IDLE_TIMEOUT` (seconds between two chunks of a stream; unset: none).

use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::app::session::{truthy, SessionUser};
use crate::app::{connections, models};
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;
use crate::net::outbound::{Outbound, Policy};

/// A body that arrives in pieces; an error ends it early.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send>>;

/// What a completion route answers.
pub enum Answer {
    /// A JSON body (the upstream's, or ours) with its status.
    Json { status: u16, body: Value },
    /// A plain-text body (an upstream error that is not JSON).
    Text { status: u16, body: String },
    /// A stream: its status, its headers (the upstream's, cleaned), its pieces.
    Stream { status: u16, headers: Vec<(String, String)>, body: ByteStream },
}

impl Answer {
    pub fn json(body: Value) -> Answer {
        Answer::Json { status: 200, body }
    }
}

/// The client for chat requests: local destinations allowed (connections usually are), no
/// overall limit (the reference's default; [`timeouts`] bound each request).
fn client() -> &'static Outbound {
    static CLIENT: OnceLock<Outbound> = OnceLock::new();
    CLIENT.get_or_init(|| Outbound::with_timeout(Policy { allow_local: true }, None))
}

/// `AIOHTTP_CLIENT_TIMEOUT` (whole request) and `AIOHTTP_CLIENT_STREAM_IDLE_TIMEOUT` (between
/// chunks), in seconds; unset or empty: none. A non-number total is 300 s, as the reference.
pub fn timeouts(ctx: &ServerContext) -> (Option<Duration>, Option<Duration>) {
    let total = match ctx.config.env_str("AIOHTTP_CLIENT_TIMEOUT").map(str::trim) {
        None | Some("") => None,
        Some(v) => Some(v.parse::<u64>().unwrap_or(300)),
    };
    let idle = ctx
        .config
        .env_str("AIOHTTP_CLIENT_STREAM_IDLE_TIMEOUT")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| *v > 0);
    (total.map(Duration::from_secs), idle.map(|s| Duration::from_secs(s as u64)))
}

/// `_STRIP_PROXY_HEADERS`: stale once the body is re-sent, or set by our own server.
const STRIP_HEADERS: [&str; 5] = ["content-encoding", "content-length", "transfer-encoding", "server", "date"];

pub(super) fn clean_headers(h: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .filter(|(k, _)| !STRIP_HEADERS.contains(&k.as_str()))
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

/// The upstream's body as a stream, bounded by the idle timeout between pieces and the overall
/// deadline; a timeout or a broken connection ends it with an error.
pub(super) fn relay(resp: reqwest::Response, deadline: Option<tokio::time::Instant>, idle: Option<Duration>) -> ByteStream {
    let inner = resp.bytes_stream().boxed();
    let stream = futures::stream::unfold(Some(inner), move |state| async move {
        let mut inner = state?;
        let wait = match (idle, deadline) {
            (Some(i), Some(d)) => Some(d.min(tokio::time::Instant::now() + i)),
            (Some(i), None) => Some(tokio::time::Instant::now() + i),
            (None, Some(d)) => Some(d),
            (None, None) => None,
        };
        let piece = match wait {
            Some(at) => match tokio::time::timeout_at(at, inner.next()).await {
                Ok(p) => p,
                Err(_) => return Some((Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "upstream stalled")), None)),
            },
            None => inner.next().await,
        };
        match piece {
            None => None,
            Some(Ok(b)) => Some((Ok(b), Some(inner))),
            Some(Err(e)) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    });
    Box::pin(stream)
}

/// Sends the request within the overall timeout. `Err(None)`: no answer at all (refused,
/// timed out); the reference then answers 500.
pub(super) async fn send(
    ctx: &ServerContext,
    url: &str,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
) -> std::result::Result<(reqwest::Response, Option<tokio::time::Instant>), ()> {
    let (total, _) = timeouts(ctx);
    let deadline = total.map(|t| tokio::time::Instant::now() + t);
    let call = client().send(Method::POST, url, headers, Some(body));
    let resp = match deadline {
        Some(d) => tokio::time::timeout_at(d, call).await.map_err(|_| ())?,
        None => call.await,
    };
    resp.map(|r| (r, deadline)).map_err(|_| ())
}

/// Reads a whole (non-streamed) answer within the deadline.
pub(super) async fn read_text(resp: reqwest::Response, deadline: Option<tokio::time::Instant>) -> std::result::Result<String, ()> {
    let read = resp.text();
    match deadline {
        Some(d) => tokio::time::timeout_at(d, read).await.map_err(|_| ())?.map_err(|_| ()),
        None => read.await.map_err(|_| ()),
    }
}

pub(super) fn connection_error() -> Error {
    Error::status(500, messages::SERVER_CONNECTION_ERROR)
}

// ---- the model's workspace settings (`utils/payload.py`) ----

/// The model params that are Open WebUI's own and never sent upstream (`remove_open_webui_params`).
pub(super) const OWN_PARAMS: [&str; 9] = [
    "stream_response",
    "stream_delta_chunk_size",
    "function_calling",
    "reasoning_tags",
    "compact_token_threshold",
    "system",
    "note_id",
    "tool_approval_mode",
    "model_controls",
];

/// `remove_open_webui_params` then `custom_params` merged in (JSON strings parsed).
fn plain_params(params: &Map<String, Value>) -> Map<String, Value> {
    let mut out: Map<String, Value> = params.iter().filter(|(k, _)| !OWN_PARAMS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(Value::Object(custom)) = out.shift_remove("custom_params") {
        for (k, v) in custom {
            let v = match &v {
                Value::String(s) => serde_json::from_str(s).unwrap_or(v),
                _ => v,
            };
            deep_update(&mut out, k, v);
        }
    }
    out
}

/// `deep_update` for one key: objects merge, anything else replaces.
fn deep_update(target: &mut Map<String, Value>, key: String, value: Value) {
    match (target.get_mut(&key), value) {
        (Some(Value::Object(t)), Value::Object(v)) => {
            for (k, v) in v {
                deep_update(t, k, v);
            }
        }
        (_, v) => {
            target.insert(key, v);
        }
    }
}

/// `apply_model_params_to_body_openai`: each setting not already in the payload, cast as the
/// reference casts it (numbers to float or int, `stop` escapes decoded).
pub fn apply_params_openai(params: &Map<String, Value>, payload: &mut Map<String, Value>) {
    for (key, value) in plain_params(params) {
        if value.is_null() || payload.contains_key(&key) {
            continue;
        }
        let cast = match key.as_str() {
            "temperature" | "top_p" | "min_p" | "frequency_penalty" | "presence_penalty" => value.as_f64().map(Value::from),
            "max_tokens" => value.as_f64().map(|f| Value::from(f as i64)),
            "reasoning_effort" => Some(value.as_str().map(Value::from).unwrap_or_else(|| Value::from(value.to_string()))),
            "stop" => Some(match &value {
                Value::Array(a) => Value::Array(a.iter().map(|s| s.as_str().map(|s| Value::from(unescape(s))).unwrap_or(s.clone())).collect()),
                other => other.clone(),
            }),
            _ => Some(value.clone()),
        };
        if let Some(v) = cast {
            payload.insert(key, v);
        }
    }
}

/// `bytes(s, 'utf-8').decode('unicode_escape')` for the common escapes.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `apply_system_prompt_to_body` (`add_or_update_system_message`): the model's system prompt
/// before the messages, or prepended to a leading system message.
// Not done: `{{USER_NAME}}`-style variables and chat variables in the prompt are left as written.
pub fn apply_system_prompt(system: Option<&str>, payload: &mut Map<String, Value>) {
    let Some(system) = system.filter(|s| !s.is_empty()) else { return };
    let messages = match payload.get_mut("messages") {
        Some(Value::Array(m)) => m,
        _ => {
            payload.insert("messages".into(), json!([]));
            payload.get_mut("messages").and_then(Value::as_array_mut).expect("an array")
        }
    };
    let first_is_system = messages.first().and_then(|m| m.get("role")).and_then(Value::as_str) == Some("system");
    if first_is_system {
        let m = &mut messages[0];
        match m.get_mut("content") {
            Some(Value::Array(parts)) => {
                for p in parts.iter_mut().filter(|p| p.get("type").and_then(Value::as_str) == Some("text")) {
                    let t = p.get("text").and_then(Value::as_str).unwrap_or("").to_owned();
                    p["text"] = Value::from(format!("{system}\n{t}"));
                }
            }
            Some(c) => {
                let t = c.as_str().map(str::to_owned).unwrap_or_else(|| c.to_string());
                *c = Value::from(format!("{system}\n{t}"));
            }
            None => {}
        }
    } else {
        messages.insert(0, json!({"role": "system", "content": system}));
    }
}

/// `is_openai_new_model`: o-series and gpt-5 and later (a Bedrock `openai.` prefix ignored).
fn is_openai_new_model(model: &str) -> bool {
    let lower = model.to_lowercase();
    let rest = match lower.split_once("openai.") {
        Some((p, r)) if p.is_empty() || (p.ends_with('.') && p[..p.len() - 1].chars().all(|c| c.is_ascii_lowercase() || c == '-')) => r,
        _ => lower.as_str(),
    };
    let digits_after = |prefix: &str| rest.strip_prefix(prefix).map(|r| r.chars().take_while(char::is_ascii_digit).collect::<String>());
    if digits_after("o").is_some_and(|d| !d.is_empty()) {
        return true;
    }
    digits_after("gpt-").and_then(|d| d.parse::<u64>().ok()).is_some_and(|n| n >= 5)
}

/// `strip_provider_model_prefix`: `prefix.model` becomes `model`.
pub(super) fn strip_prefix(model: &str, prefix: Option<&str>) -> String {
    match prefix.filter(|p| !p.is_empty()) {
        Some(p) => model.strip_prefix(&format!("{p}.")).unwrap_or(model).to_owned(),
        None => model.to_owned(),
    }
}

/// Whether the access check of the connection routes lets the user use the model
/// (`utils/access_control::check_model_access`): an admin always; another user needs a
/// workspace entry they may read.
async fn check_access(ctx: &ServerContext, user: &SessionUser, model_id: &str, has_entry: bool, bypass: bool) -> Result<()> {
    if bypass || user.user.role == "admin" {
        return Ok(());
    }
    if !has_entry || !models::readable(ctx, user, None, model_id).await? {
        return Err(Error::forbidden("Model not found"));
    }
    Ok(())
}

/// How a completion is reached: from `/api/chat/completions` (the entry already checked access
/// and applied the system prompt) or straight from a connection route.
#[derive(Debug, Clone, Copy, Default)]
pub struct Via {
    pub bypass_filter: bool,
    pub bypass_system_prompt: bool,
}

/// `routers/openai.py::generate_chat_completion`.
// Not done: Azure, the Responses API (`api_type: responses`), llama.cpp continuation flags,
// pipelines' `user` field, `logit_bias` text parsing.
pub async fn openai_chat(ctx: &ServerContext, user: &SessionUser, mut payload: Map<String, Value>, via: Via) -> Result<Answer> {
    if !connections::enabled(ctx).0 {
        return Err(Error::status(503, "OpenAI API is disabled"));
    }
    let (bypass_model, _) = models::access_bypasses(ctx);
    let bypass = via.bypass_filter || bypass_model;
    payload.shift_remove("metadata");
    let mut model_id = payload.get("model").map(py_str).unwrap_or_default();
    let entry = models::workspace_entry(ctx, &model_id).await?;
    if let Some(row) = &entry {
        if let Some(base) = &row.base_model_id {
            payload.insert("model".into(), Value::from(base.clone()));
            model_id = base.clone();
        }
        if let Value::Object(params) = &row.params {
            if !params.is_empty() {
                apply_params_openai(params, &mut payload);
                if !via.bypass_system_prompt {
                    apply_system_prompt(params.get("system").and_then(Value::as_str), &mut payload);
                }
            }
        }
    }
    let entry_id = entry.as_ref().map(|r| r.id.clone()).unwrap_or_default();
    check_access(ctx, user, &entry_id, entry.is_some(), bypass).await?;
    let mut model = connections::openai_model(ctx, &model_id);
    if model.is_none() {
        connections::openai_all_models(ctx, user).await;
        model = connections::openai_model(ctx, &model_id);
    }
    let Some(model) = model else {
        return Err(Error::not_found("Model '' was not found"));
    };
    let idx = model.get("urlIdx").and_then(Value::as_u64).unwrap_or(0) as usize;
    let (url, key, config) = connections::openai_connection(ctx, idx).ok_or_else(connection_error)?;
    let prefix = config.get("prefix_id").and_then(Value::as_str);
    let upstream_model = strip_prefix(&payload.get("model").map(py_str).unwrap_or_default(), prefix);
    payload.insert("model".into(), Value::from(upstream_model.clone()));
    if is_openai_new_model(&upstream_model) {
        if let Some(v) = payload.shift_remove("max_tokens") {
            payload.insert("max_completion_tokens".into(), v);
        }
        let legacy = upstream_model.to_lowercase();
        if let Some(Value::Array(messages)) = payload.get_mut("messages") {
            if let Some(first) = messages.first_mut().filter(|m| m.get("role").and_then(Value::as_str) == Some("system")) {
                let role = if legacy.starts_with("o1-mini") || legacy.starts_with("o1-preview") { "user" } else { "developer" };
                first["role"] = Value::from(role);
            }
        }
    } else if !url.contains("api.openai.com") {
        if let Some(v) = payload.shift_remove("max_completion_tokens") {
            payload.insert("max_tokens".into(), v);
        }
    }
    if payload.contains_key("max_tokens") && payload.contains_key("max_completion_tokens") {
        payload.shift_remove("max_tokens");
    }
    // Chat Completions takes no images in tool results.
    if let Some(Value::Array(messages)) = payload.get_mut("messages") {
        for m in messages.iter_mut() {
            if m.get("role").and_then(Value::as_str) == Some("tool") {
                if let Some(Value::Array(parts)) = m.get("content") {
                    let text: String = parts
                        .iter()
                        .filter(|p| matches!(p.get("type").and_then(Value::as_str), Some("input_text" | "text")))
                        .filter_map(|p| p.get("text").and_then(Value::as_str))
                        .collect();
                    m["content"] = Value::from(text);
                }
            }
        }
    }
    let streamed = truthy(payload.get("stream"));
    if !streamed {
        payload.shift_remove("stream_options");
    }
    let headers = connections::request_headers(&url, Some(&key), &config, user);
    let body = serde_json::to_vec(&payload).map_err(Error::internal)?;
    let (resp, deadline) = send(ctx, &format!("{url}/chat/completions"), headers, body).await.map_err(|_| connection_error())?;
    let status = resp.status().as_u16();
    let content_type = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if content_type.contains("text/event-stream") {
        if status >= 400 {
            let text = read_text(resp, deadline).await.map_err(|_| Error::status(status, messages::SERVER_CONNECTION_ERROR))?;
            return Ok(match serde_json::from_str::<Value>(&text) {
                Ok(v) => Answer::Json { status, body: v },
                Err(_) => Answer::Json { status, body: json!({"error": {"message": text, "code": status}}) },
            });
        }
        let headers = clean_headers(resp.headers());
        let (_, idle) = timeouts(ctx);
        return Ok(Answer::Stream { status, headers, body: relay(resp, deadline, idle) });
    }
    let text = read_text(resp, deadline).await.map_err(|_| Error::status(status, messages::SERVER_CONNECTION_ERROR))?;
    let parsed = serde_json::from_str::<Value>(&text);
    if status >= 400 {
        return Ok(match parsed {
            Ok(v) if v.is_object() || v.is_array() => Answer::Json { status, body: v },
            _ => Answer::Text { status, body: text },
        });
    }
    Ok(Answer::json(parsed.unwrap_or(Value::String(text))))
}

/// `str(value)` for an id.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `get_ollama_url`: a server the model is on (the first; the reference picks one at random),
/// the model lists fetched again when the model is not in them.
async fn ollama_url(ctx: &ServerContext, user: &SessionUser, model: &str, url_idx: Option<i64>) -> Result<usize> {
    if let Some(idx) = url_idx {
        // `validate_ollama_backend_idx`: a user may only name a server the model is on.
        if user.user.role != "admin" {
            let mut entry = connections::ollama_model(ctx, model);
            if entry.is_none() {
                connections::ollama_all_models(ctx, user).await;
                entry = connections::ollama_model(ctx, model);
            }
            let on = entry.and_then(|e| e.get("urls").cloned()).and_then(|u| u.as_array().cloned()).unwrap_or_default();
            if !on.iter().any(|u| u.as_i64() == Some(idx)) {
                return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
            }
        }
        // An index past the list (or negative): the reference fails with a 500 (IndexError);
        // a caller's mistake, so 400 here.
        return usize::try_from(idx)
            .ok()
            .filter(|i| connections::ollama_connection(ctx, *i).is_some())
            .ok_or_else(|| Error::bad_request("No Ollama server at this url_idx"));
    }
    let mut entry = connections::ollama_model(ctx, model);
    if entry.is_none() {
        connections::clear_models_cache(ctx);
        connections::ollama_all_models(ctx, user).await;
        entry = connections::ollama_model(ctx, model);
    }
    let Some(entry) = entry else {
        return Err(Error::bad_request(format!("Model '{model}' was not found")));
    };
    Ok(entry.get("urls").and_then(Value::as_array).and_then(|u| u.first()).and_then(Value::as_u64).unwrap_or(0) as usize)
}

/// `send_request` of the Ollama router: an error status answers with the upstream's `error`
/// (or the connection error); a stream is relayed with `content_type` when given.
async fn ollama_send(
    ctx: &ServerContext,
    user: &SessionUser,
    idx: usize,
    path: &str,
    payload: &Map<String, Value>,
    streamed: bool,
    content_type: Option<&str>,
) -> Result<Answer> {
    let (url, key, config) = connections::ollama_connection(ctx, idx).ok_or_else(connection_error)?;
    let headers = connections::request_headers(&url, key.as_deref(), &config, user);
    let body = serde_json::to_vec(payload).map_err(Error::internal)?;
    let (resp, deadline) = send(ctx, &format!("{url}{path}"), headers, body).await.map_err(|_| connection_error())?;
    let status = resp.status().as_u16();
    if status >= 400 {
        let text = read_text(resp, deadline).await.unwrap_or_default();
        if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&text) {
            if let Some(e) = o.get("error") {
                return Err(Error::from(webui_api::Detail::new(status, e.clone())));
            }
        }
        return Err(Error::status(status, messages::SERVER_CONNECTION_ERROR));
    }
    if streamed {
        let mut headers = clean_headers(resp.headers());
        if let Some(ct) = content_type {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            headers.push(("Content-Type".into(), ct.into()));
        }
        let (_, idle) = timeouts(ctx);
        return Ok(Answer::Stream { status, headers, body: relay(resp, deadline, idle) });
    }
    let text = read_text(resp, deadline).await.map_err(|_| Error::status(status, messages::SERVER_CONNECTION_ERROR))?;
    Ok(Answer::json(serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// The model's workspace entry applied to an Ollama payload (`/api/chat`): base model, params
/// into `options` (and the root-level ones), system prompt; then the access check.
async fn ollama_prepare(
    ctx: &ServerContext,
    user: &SessionUser,
    payload: &mut Map<String, Value>,
    via: Via,
    native: bool,
) -> Result<()> {
    let (bypass_model, _) = models::access_bypasses(ctx);
    let model_id = payload.get("model").map(py_str).unwrap_or_default();
    let entry = models::workspace_entry(ctx, &model_id).await?;
    if let Some(row) = &entry {
        if let Some(base) = &row.base_model_id {
            payload.insert("model".into(), Value::from(base.clone()));
        }
        if let Value::Object(params) = &row.params {
            if !params.is_empty() {
                if native {
                    super::ollama::apply_params_ollama(params, payload);
                } else {
                    apply_params_openai(params, payload);
                }
                if !via.bypass_system_prompt {
                    apply_system_prompt(params.get("system").and_then(Value::as_str), payload);
                }
            }
        }
    }
    check_access(ctx, user, &model_id, entry.is_some(), via.bypass_filter || bypass_model).await
}

/// `routers/ollama.py::generate_chat_completion` (`POST /ollama/api/chat`): NDJSON when
/// streamed (the default), the upstream's JSON otherwise.
// Not done: the `/ollama/api/chat/{url_idx}` path form (the `?url_idx=` query is served).
pub async fn ollama_chat(ctx: &ServerContext, user: &SessionUser, mut payload: Map<String, Value>, via: Via, url_idx: Option<i64>) -> Result<Answer> {
    if !connections::enabled(ctx).1 {
        return Err(Error::status(503, messages::OLLAMA_API_DISABLED));
    }
    payload.shift_remove("metadata");
    super::ollama::validate_chat_form(&payload)?;
    let mut payload = super::ollama::chat_form_dump(payload);
    ollama_prepare(ctx, user, &mut payload, via, true).await?;
    let model = payload.get("model").map(py_str).unwrap_or_default();
    let idx = ollama_url(ctx, user, &model, url_idx).await?;
    let prefix = connections::ollama_connection(ctx, idx).and_then(|(_, _, c)| c.get("prefix_id").and_then(Value::as_str).map(str::to_owned));
    payload.insert("model".into(), Value::from(strip_prefix(&model, prefix.as_deref())));
    let streamed = payload.get("stream").is_none_or(|s| s.as_bool().unwrap_or(true));
    ollama_send(ctx, user, idx, "/api/chat", &payload, streamed, Some("application/x-ndjson")).await
}

/// `routers/ollama.py::generate_openai_chat_completion` (`POST /ollama/v1/chat/completions`):
/// the server's OpenAI-compatible answer passed through.
pub async fn ollama_openai_chat(ctx: &ServerContext, user: &SessionUser, mut payload: Map<String, Value>, url_idx: Option<i64>) -> Result<Answer> {
    payload.shift_remove("metadata");
    super::ollama::validate_openai_form(&payload)?;
    // `OpenAIChatCompletionForm.model_dump(exclude_none=True)`: `model`, `messages`, then the rest.
    let mut dumped = Map::new();
    for key in ["model", "messages"] {
        if let Some(v) = payload.shift_remove(key) {
            dumped.insert(key.into(), v);
        }
    }
    dumped.extend(payload.into_iter().filter(|(_, v)| !v.is_null()));
    let mut payload = dumped;
    ollama_prepare(ctx, user, &mut payload, Via::default(), false).await?;
    let model = payload.get("model").map(py_str).unwrap_or_default();
    let idx = ollama_url(ctx, user, &model, url_idx).await?;
    let prefix = connections::ollama_connection(ctx, idx).and_then(|(_, _, c)| c.get("prefix_id").and_then(Value::as_str).map(str::to_owned));
    payload.insert("model".into(), Value::from(strip_prefix(&model, prefix.as_deref())));
    let streamed = truthy(payload.get("stream"));
    ollama_send(ctx, user, idx, "/v1/chat/completions", &payload, streamed, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_openai_models() {
        assert!(is_openai_new_model("o1-mini"));
        assert!(is_openai_new_model("gpt-5.2"));
        assert!(is_openai_new_model("us.openai.gpt-6-sol"));
        assert!(!is_openai_new_model("gpt-4o"));
        assert!(!is_openai_new_model("fake-gpt"));
    }

    #[test]
    fn params_and_system_prompt() {
        let params = json!({"temperature": 1, "system": "Be brief.", "custom_params": {"seed": "42"}, "stop": ["a\\nb"]});
        let mut payload = json!({"model": "m", "temperature": 0.5, "messages": [{"role": "user", "content": "hi"}]});
        let p = payload.as_object_mut().unwrap();
        apply_params_openai(params.as_object().unwrap(), p);
        apply_system_prompt(Some("Be brief."), p);
        assert_eq!(p["temperature"], json!(0.5));
        assert_eq!(p["seed"], json!(42));
        assert_eq!(p["stop"], json!(["a\nb"]));
        assert_eq!(p["messages"][0], json!({"role": "system", "content": "Be brief."}));
    }
}
