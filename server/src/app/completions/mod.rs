//! Chat completions (`main.py::chat_completion` over `utils/chat.py::generate_chat_completion`
//! and `utils/middleware.py`): the model looked up in the merged model list and checked, the
//! model's and the request's parameters applied, the upstream called ([`upstream`]).
//!
//! An API caller (no `session_id`) gets the upstream's answer as it comes: an SSE stream, JSON,
//! or the upstream's error status. The web UI (`session_id` and a chat) gets `{status, task_ids,
//! chat_id}` at once; the answer runs as a background task ([`webui`]) that emits socket.io
//! `events` to the user's room and saves the assistant message into the chat.
//!
//! Not done (the request is answered as if they were off): tools (the builtin tools the
//! reference adds to web-UI requests, tool servers, MCP), files and knowledge (RAG), web search,
//! image generation, memory, filters and pipelines, arena models, direct connections, several
//! models per request (`message_ids` with more than one entry), continuing a reply (`assistant_message_id`),
//! context compaction. The title, tags and follow-ups are generated after the answer ([`background`]).

pub mod background;
pub mod embeddings;
pub mod history;
pub mod anthropic;
pub mod ollama;
pub mod upstream;
pub mod webui;

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::app::session::{truthy, SessionUser};
use crate::app::{chats, models};
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;
pub use upstream::{Answer, ByteStream, Via};

/// The parameters that configure Open WebUI itself, never sent upstream (`open_webui_params`).
const OWN_PARAMS: [&str; 9] = [
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

/// The fields of the web UI's request that `process_chat_payload` consumes before the payload
/// goes upstream.
const CONSUMED: [&str; 26] = [
    "model_item",
    "background_tasks",
    "metadata",
    "variables",
    "features",
    "tool_ids",
    "terminal_id",
    "files",
    "folder_id",
    "skill_ids",
    "regeneration_prompt",
    "filter_ids",
    "tool_servers",
    "session_id",
    "chat_id",
    "id",
    "parent_id",
    "user_message",
    "parent_message",
    "message_ids",
    "assistant_message_id",
    "regeneration_message_id",
    "automation_id",
    "new_chat",
    "chat_variables",
    "params",
];

/// `is_saved_chat_id`: a chat id that names a stored chat (not `local:…` temporary chats, not
/// channels).
pub fn is_saved_chat_id(id: &str) -> bool {
    !id.is_empty() && !id.starts_with("local:") && !id.starts_with("channel:")
}

/// `merge_model_params`: keys of `over` win; `custom_params` merge.
fn merge_params(base: &Map<String, Value>, over: &Map<String, Value>) -> Map<String, Value> {
    let mut out = base.clone();
    for (k, v) in over {
        out.insert(k.clone(), v.clone());
    }
    if let Some(Value::Object(bc)) = base.get("custom_params") {
        match over.get("custom_params") {
            None | Some(Value::Null) => {
                out.insert("custom_params".into(), Value::Object(bc.clone()));
            }
            Some(Value::Object(oc)) => {
                let mut m = bc.clone();
                for (k, v) in oc {
                    m.insert(k.clone(), v.clone());
                }
                out.insert("custom_params".into(), Value::Object(m));
            }
            _ => {}
        }
    }
    out
}

/// `apply_params_to_form_data`: the request's `params` (Open WebUI's own dropped, custom ones
/// merged in) become payload keys where the payload has none (Ollama models: `options`).
pub(crate) fn apply_params_to_form(form: &mut Map<String, Value>, ollama: bool) {
    let Some(Value::Object(params)) = form.shift_remove("params") else { return };
    let mut params: Map<String, Value> = params.into_iter().filter(|(k, _)| !OWN_PARAMS.contains(&k.as_str())).collect();
    if let Some(Value::Object(custom)) = params.shift_remove("custom_params") {
        for (k, v) in custom {
            let v = match &v {
                Value::String(s) => serde_json::from_str(s).unwrap_or(v),
                _ => v,
            };
            params.insert(k, v);
        }
    }
    if ollama {
        let mut options = params;
        if let Some(Value::Object(o)) = form.get("options") {
            for (k, v) in o {
                options.insert(k.clone(), v.clone());
            }
        }
        form.insert("options".into(), Value::Object(options));
    } else {
        for (k, v) in params {
            if !v.is_null() && !form.contains_key(&k) {
                form.insert(k, v);
            }
        }
    }
}

/// What the entry knows about the request once checked: the model, the chat, the ids.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub user_id: String,
    pub chat_id: String,
    pub message_id: String,
    pub user_message_id: Option<String>,
    pub session_id: Option<String>,
    pub folder_id: Option<String>,
    pub model: Value,
    pub task_id: Option<String>,
    /// `background_tasks`: the generations to run after the answer ([`background`]).
    pub background_tasks: Map<String, Value>,
}

/// `utils/chat.py::generate_chat_completion` for the payload as `process_chat_payload` leaves
/// it: to the model's connection (Ollama converted both ways).
pub async fn generate(ctx: &ServerContext, user: &SessionUser, mut form: Map<String, Value>, model: &Value) -> Result<Answer> {
    let via = Via { bypass_filter: false, bypass_system_prompt: false };
    if model.get("owned_by").and_then(Value::as_str) == Some("ollama") {
        let model_id = form.get("model").map(upstream::py_str).unwrap_or_default();
        if let Some(row) = models::workspace_entry(ctx, &model_id).await? {
            if let Some(Value::String(system)) = row.params.get("system") {
                upstream::apply_system_prompt(Some(system), &mut form);
            }
        }
        let streamed = truthy(form.get("stream"));
        let payload = ollama::payload_from_openai(&form);
        let answer = upstream::ollama_chat(ctx, user, payload, Via { bypass_filter: false, bypass_system_prompt: true }, None).await?;
        return Ok(match answer {
            Answer::Stream { status, mut headers, body } if streamed => {
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
                headers.push(("content-type".into(), "text/event-stream".into()));
                Answer::Stream { status, headers, body: ollama::stream_to_openai(body) }
            }
            Answer::Json { status: 200, body } => Answer::json(ollama::response_to_openai(&body)),
            other => other,
        });
    }
    upstream::openai_chat(ctx, user, form, via).await
}

/// `POST /api/chat/completions`.
pub async fn chat_completion(ctx: &Arc<ServerContext>, user: &SessionUser, mut form: Map<String, Value>) -> Result<Answer> {
    let model_id = form.get("model").map(upstream::py_str);
    let model_item = form.shift_remove("model_item");
    let background_tasks = match form.shift_remove("background_tasks") {
        Some(Value::Object(t)) => t,
        _ => Map::new(),
    };
    if model_item.as_ref().is_some_and(|m| truthy(m.get("direct"))) {
        // Direct connections run in the browser through the socket; not served here.
        return Err(Error::bad_request("Direct connections are not supported"));
    }
    let model_id = model_id.unwrap_or_default();
    let Some(model) = models::registered(ctx, user, &model_id).await? else {
        return Err(Error::bad_request("Model not found"));
    };
    let (bypass_model, bypass_admin) = models::access_bypasses(ctx);
    if !bypass_model && (user.user.role != "admin" || !bypass_admin) && !models::readable(ctx, user, Some(&model), &model_id).await? {
        return Err(Error::bad_request("Model not found"));
    }
    // Parameters: the global defaults, the model's, the request's.
    let defaults = ctx.setting("models.default_params").and_then(|v| v.as_object().cloned()).unwrap_or_default();
    let entry = models::workspace_entry(ctx, &model_id).await?;
    let entry_params = entry.as_ref().and_then(|r| r.params.as_object().cloned()).unwrap_or_default();
    let mut model_params = merge_params(&defaults, &entry_params);
    model_params.shift_remove("model_controls");
    let mut request_params: Map<String, Value> = match form.get("params") {
        Some(Value::Object(p)) => p.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Map::new(),
    };
    match request_params.shift_remove("model_controls") {
        None | Some(Value::Object(_)) => {}
        Some(_) => return Err(Error::bad_request("Model control options must be keyed by model.")),
    }
    if !model_params.is_empty() || !request_params.is_empty() {
        form.insert("params".into(), Value::Object(merge_params(&model_params, &request_params)));
    }
    if let Some(s) = model_params.get("stream_response").filter(|v| !v.is_null()) {
        form.insert("stream".into(), s.clone());
    }
    let caps = model.get("info").and_then(|i| i.get("meta")).and_then(|m| m.get("capabilities"));
    if truthy(form.get("stream")) && caps.is_some_and(|c| truthy(c.get("usage"))) {
        let mut so = form.get("stream_options").and_then(Value::as_object).cloned().unwrap_or_default();
        so.insert("include_usage".into(), Value::Bool(true));
        form.insert("stream_options".into(), Value::Object(so));
    }

    // The chat: `parent_id` null without a chat id starts a new one.
    let is_new_chat = form.get("parent_id").is_some_and(Value::is_null) && !truthy(form.get("chat_id"));
    // `message_ids` (0.12.4's web UI sends it for one model too: `[{model_id, message_id}]`, or
    // the legacy `{model_id: message_id}`) names the answer's message instead of `id`.
    let message_id = match form.get("message_ids") {
        None | Some(Value::Null) => form.get("id").and_then(Value::as_str).map(str::to_owned),
        Some(Value::Array(entries)) if entries.len() == 1 => entries[0].get("message_id").and_then(Value::as_str).map(str::to_owned),
        Some(Value::Object(entries)) if entries.len() == 1 => entries.values().next().and_then(Value::as_str).map(str::to_owned),
        Some(_) => return Err(Error::bad_request("Several models per request are not supported")),
    };
    if truthy(form.get("assistant_message_id")) {
        return Err(Error::bad_request("Continuing a response is not supported"));
    }
    let user_message = match form.get("user_message").filter(|v| truthy(Some(v))).or_else(|| form.get("parent_message")) {
        Some(Value::Object(m)) => Some(m.clone()),
        _ => None,
    };
    let mut chat_id = form.get("chat_id").and_then(Value::as_str).unwrap_or("").to_owned();
    let session_id = form.get("session_id").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let folder_id = form.get("folder_id").and_then(Value::as_str).map(str::to_owned);
    if is_new_chat {
        chat_id = uuid::Uuid::new_v4().to_string();
    }
    let user_message_id = user_message.as_ref().and_then(|m| m.get("id")).and_then(Value::as_str).map(str::to_owned);
    let mut meta = Metadata {
        user_id: user.user.id.clone(),
        chat_id: chat_id.clone(),
        message_id: message_id.clone().unwrap_or_default(),
        user_message_id: user_message_id.clone(),
        session_id: session_id.clone(),
        folder_id: folder_id.clone(),
        model: model.clone(),
        task_id: None,
        background_tasks,
    };

    if !chat_id.is_empty() && is_saved_chat_id(&chat_id) {
        if is_new_chat {
            webui::create_chat(ctx, user, &meta, &model_id, user_message.clone(), form.get("files")).await?;
            // A new chat's title is generated at once, beside the answer (`initial_title_generation`).
            if let Some(v) = meta.background_tasks.shift_remove(background::TITLE) {
                if !meta.message_id.is_empty() {
                    let (c, u, mut m) = (ctx.clone(), user.clone(), meta.clone());
                    m.background_tasks = Map::from_iter([(background::TITLE.to_owned(), v)]);
                    tokio::spawn(async move {
                        let tasks = m.background_tasks.clone();
                        let _ = background::run(&c, &u, &m, &tasks).await;
                    });
                }
            }
        } else {
            if chats::writable(ctx, user, &chat_id).await?.is_none() {
                return Err(Error::not_found(messages::NOT_FOUND));
            }
            let replies: Vec<(String, String)> = message_id.iter().map(|m| (m.clone(), model_id.clone())).collect();
            chats::insert_turn(ctx, user, &chat_id, user_message.as_ref(), &replies).await?;
            webui::emit_chat_list(ctx, &meta, user_message_id.clone()).await;
        }
        // The web UI sends only the system prompt for a saved chat: the conversation is the stored one.
        if let Some(umid) = user_message_id.as_deref().filter(|m| !m.is_empty()) {
            history::replace_with_saved(ctx, user, &chat_id, umid, &mut form).await?;
        }
    }

    for k in CONSUMED {
        form.shift_remove(k);
    }
    // `process_chat_payload`'s own parameter step happens on the payload that goes out.
    let ollama = model.get("owned_by").and_then(Value::as_str) == Some("ollama");
    let params = meta_params(&model_params, &request_params);
    if let Some(p) = params {
        form.insert("params".into(), Value::Object(p));
    }
    apply_params_to_form(&mut form, ollama);

    if session_id.is_some() && !chat_id.is_empty() {
        let Some(message_id) = message_id.filter(|m| !m.is_empty()) else {
            return Ok(Answer::json(json!({"status": true, "task_ids": [], "chat_id": chat_id})));
        };
        meta.message_id = message_id;
        let task_id = webui::start(ctx, user, meta, form).await?;
        return Ok(Answer::json(json!({"status": true, "task_ids": [task_id], "chat_id": chat_id})));
    }
    generate(ctx, user, form, &model).await.map(api_stream)
}

/// The merged parameters that go to `apply_params_to_form_data` (`form_data['params']`).
fn meta_params(model_params: &Map<String, Value>, request_params: &Map<String, Value>) -> Option<Map<String, Value>> {
    (!model_params.is_empty() || !request_params.is_empty()).then(|| merge_params(model_params, request_params))
}

/// The API caller's stream (`streaming_chat_response_handler` without an emitter): the
/// upstream's pieces as they come; a failure mid-stream ends it with the reference's error
/// event and `[DONE]`.
fn api_stream(answer: Answer) -> Answer {
    match answer {
        Answer::Stream { status, headers, body } => {
            use futures::StreamExt;
            let body = body
                .map(|piece| match piece {
                    Ok(b) => Ok(b),
                    Err(_) => {
                        Ok(bytes::Bytes::from_static(
                            b"\n\ndata: {\"error\":{\"message\":\"Chat completion stream failed\"}}\n\ndata: [DONE]\n\n",
                        ))
                    }
                })
                .boxed();
            Answer::Stream { status, headers, body }
        }
        other => other,
    }
}

/// `POST /api/chat/completed` (deprecated in the reference; no outlet filters here): the chat's
/// owner gets the form's data back, after the reference's checks.
pub async fn chat_completed(ctx: &ServerContext, user: &SessionUser, mut form: Map<String, Value>) -> Result<Value> {
    let chat_id = form.get("chat_id").and_then(Value::as_str).unwrap_or("").to_owned();
    verify_chat_ownership(ctx, user, &chat_id).await?;
    form.shift_remove("model_item");
    if !truthy(form.get("id")) {
        return Err(Error::bad_request("Missing message id"));
    }
    let model_id = form.get("model").map(upstream::py_str).unwrap_or_default();
    if models::registered(ctx, user, &model_id).await?.is_none() {
        return Err(Error::bad_request("Model not found"));
    }
    // `metadata = {'chat_id': data['chat_id'], ..., 'session_id': data['session_id']}`: the
    // reference's KeyError text.
    for key in ["chat_id", "session_id"] {
        if !form.contains_key(key) {
            return Err(Error::bad_request(format!("'{key}'")));
        }
    }
    Ok(Value::Object(form))
}

/// `verify_chat_ownership`: a saved chat the user owns (an admin any, with
/// `ENABLE_ADMIN_CHAT_ACCESS`); temporary chats pass; channel chats are refused.
async fn verify_chat_ownership(ctx: &ServerContext, user: &SessionUser, chat_id: &str) -> Result<()> {
    if chat_id.is_empty() || chat_id.starts_with("local:") {
        return Ok(());
    }
    if chat_id.starts_with("channel:") {
        return Err(Error::bad_request("Channel chats are not supported on this endpoint"));
    }
    let admin_access = user.is_admin() && ctx.config.env_bool("ENABLE_ADMIN_CHAT_ACCESS", true);
    if admin_access {
        return Ok(());
    }
    let owned = {
        let client = ctx.db.get().await?;
        crate::db::chats::is_owner(&**client, chat_id, &user.user.id).await?
    };
    if owned {
        Ok(())
    } else {
        Err(Error::not_found(messages::DEFAULT_ERROR))
    }
}
