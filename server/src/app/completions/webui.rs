//! The web UI's completion (`main.py::chat_completion` with a `session_id` and a chat, then
//! `process_chat` in a task and `utils/middleware.py::streaming_chat_response_handler` with an
//! event emitter): `events` to the user's room, in 0.12.4's order and shapes:
//!
//! `chat:list` (a new chat) → `chat:active {active: true}` → per chunk of the upstream's SSE,
//! `response:completion` (`response.output_text.delta` for text, the raw chunk otherwise) or,
//! for a chunk with an empty delta, `chat:completion` with the chunk → `chat:list` →
//! `chat:completion {done: true, output, title}` → the background generations' events
//! (`chat:message:follow_ups`, `chat:title`, `chat:tags`: [`super::background`]) →
//! `chat:active {active: false}`.
//!
//! The assistant message is saved when the answer ends (as the reference without Redis, which
//! keeps the in-progress answer in Redis only): `{done, output, content}`. A failure saves
//! `{error: {content}, done: true}` (and, unlike the reference, the partial output) and emits
//! `chat:message:error`; a stop saves the partial output with its items `incomplete` and emits
//! `chat:tasks:cancel`. Events reach the user's sockets on every instance ([`crate::socket`]).

use std::sync::Arc;

use futures::StreamExt;
use serde_json::{json, Map, Value};
use webui_api::chats::ChatForm;

use super::{generate, is_saved_chat_id, upstream::py_str, Answer, Metadata};
use crate::app::session::{now, truthy, SessionUser};
use crate::app::tasks::{self, Cancel};
use crate::app::chats;
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::socket;

/// `__event_emitter__` for the run: `events` to `user:{id}` with the chat and message ids.
pub(super) async fn emit(ctx: &ServerContext, meta: &Metadata, message_id: Option<&str>, data: Value) {
    let payload = json!({"chat_id": meta.chat_id, "message_id": message_id, "data": data});
    socket::emit_to_user(ctx, &meta.user_id, "events", &payload).await;
}

/// The chat's folder as the events name it (`metadata.folder_id or get_chat_folder_id`).
async fn folder(ctx: &ServerContext, meta: &Metadata) -> Value {
    if let Some(f) = &meta.folder_id {
        return Value::from(f.clone());
    }
    chats::folder_of(ctx, &meta.chat_id, &meta.user_id).await.ok().flatten().map(Value::from).unwrap_or(Value::Null)
}

/// `emit_chat_list_event`: the sidebar refreshes this chat.
pub async fn emit_chat_list(ctx: &ServerContext, meta: &Metadata, message_id: Option<String>) {
    if !is_saved_chat_id(&meta.chat_id) {
        return;
    }
    let folder_id = folder(ctx, meta).await;
    emit(ctx, meta, message_id.as_deref(), json!({"type": "chat:list", "data": {"chat_id": meta.chat_id, "folder_id": folder_id}})).await;
}

/// The new chat of a first message (`Chats.insert_new_chat` in `chat_completion`): the user's
/// message and the empty assistant reply, titled "New Chat"; then `chat:list`.
pub async fn create_chat(
    ctx: &ServerContext,
    user: &SessionUser,
    meta: &Metadata,
    model_id: &str,
    user_message: Option<Map<String, Value>>,
    files: Option<&Value>,
) -> Result<()> {
    if let Some(f) = &meta.folder_id {
        let client = ctx.db.get().await?;
        if !crate::db::chats::folder_writable(&**client, f, &user.user.id).await? {
            return Err(Error::not_found(crate::messages::NOT_FOUND));
        }
    }
    let mut history = Map::new();
    let assistant_ids: Vec<String> = (!meta.message_id.is_empty()).then(|| meta.message_id.clone()).into_iter().collect();
    let user_message = user_message.unwrap_or_default();
    let user_message_id = user_message.get("id").and_then(Value::as_str).map(str::to_owned);
    if let Some(umid) = &user_message_id {
        let mut m = user_message.clone();
        m.insert("childrenIds".into(), json!(assistant_ids));
        m.insert("user_id".into(), json!(user.user.id));
        m.insert("user".into(), json!({"id": user.user.id, "name": user.user.name}));
        history.insert(umid.clone(), Value::Object(m));
    }
    for mid in &assistant_ids {
        history.insert(
            mid.clone(),
            json!({"id": mid, "parentId": user_message_id, "childrenIds": [], "role": "assistant", "content": "",
                   "done": false, "model": model_id, "timestamp": now()}),
        );
    }
    let current = assistant_ids.first().cloned().or(user_message_id.clone());
    let messages = if user_message_id.is_some() {
        json!([{"role": "user", "content": user_message.get("content").cloned().unwrap_or(json!(""))}])
    } else {
        json!([])
    };
    let files = files.filter(|f| truthy(Some(f))).cloned().unwrap_or(json!([]));
    let chat: Map<String, Value> = serde_json::from_value(json!({
        "id": meta.chat_id, "title": "New Chat", "models": [model_id],
        "history": {"currentId": current, "messages": history},
        "messages": messages, "files": files, "tags": [],
        "timestamp": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0),
    }))
    .expect("a map");
    let form = ChatForm { chat, variables: Some(Map::new()), folder_id: meta.folder_id.clone() };
    chats::create_with_id(ctx, user, &meta.chat_id, form, false).await?;
    emit_chat_list(ctx, meta, user_message_id).await;
    Ok(())
}

/// Starts the answer as a task of the chat (`create_task(..., id=chat_id)`), its id written
/// into the message first; then `chat:active {active: true}`. Returns the task's id.
pub async fn start(ctx: &Arc<ServerContext>, user: &SessionUser, mut meta: Metadata, form: Map<String, Value>) -> Result<String> {
    let task_id = uuid::Uuid::new_v4().to_string();
    meta.task_id = Some(task_id.clone());
    if is_saved_chat_id(&meta.chat_id) {
        let mut m = Map::new();
        m.insert("meta".into(), json!({"task_id": task_id}));
        chats::upsert_message_by_id(ctx, &meta.chat_id, &meta.message_id, m, false).await?;
    }
    // The task waits for `chat:active {active: true}` to go out first (the reference's first
    // event of the task always follows it: the upstream is slower than the emit).
    let (go, ready) = tokio::sync::oneshot::channel::<()>();
    let (c, u, m) = (ctx.clone(), user.clone(), meta.clone());
    tasks::create_task_with_id(ctx, task_id.clone(), Some(meta.chat_id.clone()), move |cancel| async move {
        let _ = ready.await;
        run(c, u, m, form, cancel).await
    })
    .await;
    let folder_id = folder(ctx, &meta).await;
    emit(ctx, &meta, Some(&meta.message_id), json!({"type": "chat:active", "data": {"active": true, "folder_id": folder_id}})).await;
    let _ = go.send(());
    Ok(task_id)
}

/// How an answer ended, for what is saved and emitted.
enum End {
    Done,
    Failed(Value),
    Cancelled,
}

/// `output_id('msg')`.
fn output_id(prefix: &str) -> String {
    format!("{prefix}_{}", &uuid::Uuid::new_v4().simple().to_string()[..24])
}

/// `get_response_error_detail`: the upstream's error body, followed through `error`, `message`
/// and `detail`.
fn error_detail(status: u16, body: &Value) -> Value {
    let mut d = body.clone();
    loop {
        let next = match &d {
            Value::Object(o) => ["error", "message", "detail"].iter().find_map(|k| o.get(*k)).cloned(),
            _ => break,
        };
        match next {
            Some(n) => d = n,
            None => return Value::from(d.to_string()),
        }
    }
    match d {
        Value::String(s) if s.trim().is_empty() => Value::from(format!("Provider returned HTTP {status}")),
        Value::String(s) => Value::from(s),
        other => Value::from(py_str(&other)),
    }
}

/// The state of one streamed answer.
#[derive(Debug, Default)]
pub struct Answering {
    output: Vec<Value>,
    usage: Option<Value>,
}

impl Answering {
    /// Text appended to the last message item (a new one first when the last item is not one).
    /// The text grows in place: an answer of n chunks costs O(n), not a copy of the text per chunk.
    fn append(&mut self, value: &str) -> Value {
        if self.output.last().and_then(|i| i.get("type")).and_then(Value::as_str) != Some("message") {
            self.output.push(json!({"type": "message", "id": output_id("msg"), "status": "in_progress", "role": "assistant",
                                    "content": [{"type": "output_text", "text": ""}]}));
        }
        let index = self.output.len() - 1;
        let item = &mut self.output[index];
        let parts = item["content"].as_array_mut().expect("content parts");
        if parts.last().and_then(|p| p.get("type")).and_then(Value::as_str) == Some("output_text") {
            let last = parts.last_mut().expect("a part");
            match &mut last["text"] {
                Value::String(text) => text.push_str(value),
                other => *other = Value::from(value),
            }
        } else {
            *parts = vec![json!({"type": "output_text", "text": value})];
        }
        let content_index = parts.len().saturating_sub(1);
        json!({"type": "response.output_text.delta", "item_id": item["id"], "output_index": index,
               "content_index": content_index, "delta": value})
    }

    /// The output with in-progress items marked `status`.
    fn finished(&self, status: &str) -> Vec<Value> {
        self.output
            .iter()
            .cloned()
            .map(|mut i| {
                if i.get("status").and_then(Value::as_str) == Some("in_progress") {
                    i["status"] = Value::from(status);
                }
                i
            })
            .collect()
    }
}

/// What one upstream line asks of the task, in order.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// An update of the assistant message.
    Save(Value),
    /// An `events` payload (`{type, data}`) for the user's sockets.
    Emit(Value),
}

/// One SSE line of the upstream (`stream_body_handler` for Chat Completions chunks), without its
/// effects: the saves and events it makes, in order. Pure, so the relay of one chunk can be
/// measured alone (`benches/benches/hot_paths.rs`) and tested without a database.
pub fn relay_line(st: &mut Answering, line: &str) -> Vec<Step> {
    let line = line.trim();
    if line.is_empty() {
        return vec![];
    }
    let Some(data) = line.strip_prefix("data:") else {
        // A plain JSON error line.
        if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(line) {
            if let Some(e) = o.get("error").filter(|e| truthy(Some(e))) {
                return vec![
                    Step::Save(json!({"error": {"content": e}})),
                    Step::Emit(json!({"type": "chat:completion", "data": {"error": e}})),
                ];
            }
        }
        return vec![];
    };
    let Ok(Value::Object(data)) = serde_json::from_str::<Value>(data.trim()) else { return vec![] };
    if data.contains_key("selected_model_id") {
        return vec![Step::Emit(json!({"type": "chat:completion", "data": data}))];
    }
    let mut steps = Vec::new();
    let mut raw_usage = data.get("usage").and_then(Value::as_object).cloned().unwrap_or_default();
    if let Some(Value::Object(t)) = data.get("timings") {
        for (k, v) in t {
            raw_usage.insert(k.clone(), v.clone());
        }
    }
    if !raw_usage.is_empty() {
        st.usage = Some(Value::Object(raw_usage));
        steps.push(Step::Emit(json!({"type": "chat:completion", "data": {"usage": st.usage}})));
    }
    let Some(first) = data.get("choices").and_then(Value::as_array).and_then(|c| c.first()) else {
        if let Some(e) = data.get("error").filter(|e| truthy(Some(e))) {
            steps.push(Step::Save(json!({"error": {"content": e}})));
            steps.push(Step::Emit(json!({"type": "chat:completion", "data": {"error": e}})));
        }
        return steps;
    };
    let delta = first.get("delta").and_then(Value::as_object);
    let has_delta = delta.is_some_and(|d| !d.is_empty());
    let value = delta.and_then(|d| d.get("content")).and_then(Value::as_str).unwrap_or("").to_owned();
    let event = if value.is_empty() { Value::Object(data) } else { st.append(&value) };
    let kind = if has_delta { "response:completion" } else { "chat:completion" };
    steps.push(Step::Emit(json!({"type": kind, "data": event})));
    steps
}

/// Saves a message update, ignoring failures as the reference does.
async fn save(ctx: &ServerContext, meta: &Metadata, message: Value) {
    if !is_saved_chat_id(&meta.chat_id) {
        return;
    }
    if let Value::Object(m) = message {
        let _ = chats::upsert_message_by_id(ctx, &meta.chat_id, &meta.message_id, m, true).await;
    }
}

/// One SSE line of the upstream: [`relay_line`]'s saves and events, done in order.
async fn on_line(ctx: &ServerContext, meta: &Metadata, st: &mut Answering, line: &str) {
    for step in relay_line(st, line) {
        match step {
            Step::Save(m) => save(ctx, meta, m).await,
            Step::Emit(e) => emit(ctx, meta, Some(meta.message_id.as_str()), e).await,
        }
    }
}

/// The task: the upstream called, its answer relayed as events and saved, then
/// `chat:active {active: false}` when no other task of the chat runs.
async fn run(ctx: Arc<ServerContext>, user: SessionUser, meta: Metadata, form: Map<String, Value>, mut cancel: Cancel) {
    let mut st = Answering::default();
    let mid = Some(meta.message_id.as_str());
    let end = tokio::select! {
        end = answer(&ctx, &user, &meta, form, &mut st) => end,
        _ = cancel.cancelled() => End::Cancelled,
    };
    match end {
        End::Done => {
            // `background_tasks_handler` (title, tags, follow-ups), still stoppable.
            let tasks = meta.background_tasks.clone();
            tokio::select! {
                _ = super::background::run(&ctx, &user, &meta, &tasks) => {}
                _ = cancel.cancelled() => {}
            }
        }
        End::Cancelled => {
            let output = st.finished("incomplete");
            emit(&ctx, &meta, mid, json!({"type": "chat:tasks:cancel", "data": {"output": output}})).await;
            save(&ctx, &meta, json!({"done": true, "output": output})).await;
            emit(&ctx, &meta, mid, json!({"type": "chat:tasks:cancel"})).await;
        }
        End::Failed(detail) => {
            let mut m = json!({"parentId": meta.user_message_id, "error": {"content": detail}, "done": true});
            if !st.output.is_empty() {
                m["output"] = Value::Array(st.finished("incomplete"));
            }
            save(&ctx, &meta, m).await;
            emit(&ctx, &meta, mid, json!({"type": "chat:message:error", "data": {"error": {"content": detail}, "done": true}})).await;
        }
    }
    let own = meta.task_id.as_deref().unwrap_or("");
    if tasks::list_by_item(&ctx, &meta.chat_id).iter().all(|t| t == own) {
        let folder_id = folder(&ctx, &meta).await;
        emit(&ctx, &meta, mid, json!({"type": "chat:active", "data": {"active": false, "folder_id": folder_id}})).await;
    }
}

/// The answer itself (`process_chat` → `process_chat_response`).
async fn answer(ctx: &ServerContext, user: &SessionUser, meta: &Metadata, form: Map<String, Value>, st: &mut Answering) -> End {
    let mid = Some(meta.message_id.as_str());
    let answer = match generate(ctx, user, form, &meta.model).await {
        Ok(a) => a,
        Err(e) => return End::Failed(error_value(e)),
    };
    match answer {
        Answer::Json { status, body } if status >= 400 => End::Failed(error_detail(status, &body)),
        Answer::Text { status, body } => End::Failed(if body.trim().is_empty() {
            Value::from(format!("Provider returned HTTP {status}"))
        } else {
            Value::from(body.trim())
        }),
        Answer::Json { body, .. } => {
            // `non_streaming_chat_response_handler`.
            if let Some(e) = body.get("error") {
                let e = match e {
                    Value::Object(o) => o.get("detail").cloned().unwrap_or(e.clone()),
                    other => Value::from(py_str(other)),
                };
                save(ctx, meta, json!({"error": {"content": e}, "done": true})).await;
                emit(ctx, meta, mid, json!({"type": "chat:message:error", "data": {"error": {"content": e}, "done": true}})).await;
                return End::Done;
            }
            let choices = body.get("choices").and_then(Value::as_array).cloned().unwrap_or_default();
            let content = choices.first().and_then(|c| c.get("message")).and_then(|m| m.get("content")).and_then(Value::as_str).unwrap_or("");
            if choices.is_empty() || content.is_empty() {
                return End::Done;
            }
            emit(ctx, meta, mid, json!({"type": "chat:completion", "data": body})).await;
            let title = chats::title_of(ctx, &meta.chat_id).await.ok().flatten().unwrap_or_default();
            let output = json!([{"type": "message", "id": output_id("msg"), "status": "completed", "role": "assistant",
                                 "content": [{"type": "output_text", "text": content}]}]);
            emit(ctx, meta, mid, json!({"type": "chat:completion", "data": {"done": true, "output": output, "title": title}})).await;
            let mut m = json!({"done": true, "role": "assistant", "output": output});
            if let Some(u) = body.get("usage").and_then(Value::as_object).and_then(crate::app::chats::history::normalize_usage) {
                m["usage"] = Value::Object(u);
            }
            save(ctx, meta, m).await;
            emit_chat_list(ctx, meta, Some(meta.message_id.clone())).await;
            End::Done
        }
        Answer::Stream { body, .. } => stream(ctx, meta, st, body).await,
    }
}

/// `Error` as the detail the reference's `except` records (`e.detail` or `str(e)`).
fn error_value(e: Error) -> Value {
    let d: webui_api::Detail = e.into();
    match d.raw_detail().and_then(|r| serde_json::from_str::<Value>(r).ok()) {
        Some(v) => v,
        None => serde_json::to_value(&d).ok().and_then(|v| v.get("detail").cloned()).unwrap_or(Value::from("Internal Server Error")),
    }
}

/// Relays the upstream's SSE stream line by line, then saves and announces the answer.
async fn stream(ctx: &ServerContext, meta: &Metadata, st: &mut Answering, mut body: super::ByteStream) -> End {
    let mid = Some(meta.message_id.as_str());
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match body.next().await {
            Some(Ok(piece)) => {
                buf.extend_from_slice(&piece);
                while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=nl).collect();
                    on_line(ctx, meta, st, &String::from_utf8_lossy(&line)).await;
                }
            }
            Some(Err(e)) => return End::Failed(Value::from(format!("Chat completion stream failed: {e}"))),
            None => break,
        }
    }
    if !buf.is_empty() {
        let rest = String::from_utf8_lossy(&buf).into_owned();
        on_line(ctx, meta, st, &rest).await;
    }
    let output = st.finished("completed");
    let title = chats::title_of(ctx, &meta.chat_id).await.ok().flatten().unwrap_or_default();
    let mut data = json!({"done": true, "output": output, "title": title});
    let mut saved = json!({"done": true, "output": output});
    if let Some(u) = &st.usage {
        data["usage"] = u.clone();
        saved["usage"] = u.clone();
    }
    save(ctx, meta, saved).await;
    emit_chat_list(ctx, meta, Some(meta.message_id.clone())).await;
    emit(ctx, meta, mid, json!({"type": "chat:completion", "data": data})).await;
    End::Done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_line_turns_chunks_into_the_references_events() {
        let mut st = Answering::default();
        // The role chunk: an empty content, a delta that is not empty → the raw chunk as `response:completion`.
        let role = r#"data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#;
        match relay_line(&mut st, role).as_slice() {
            [Step::Emit(e)] => {
                assert_eq!(e["type"], "response:completion");
                assert_eq!(e["data"]["choices"][0]["delta"]["role"], "assistant");
            }
            other => panic!("{other:?}"),
        }
        for (i, word) in ["Hello", " world"].iter().enumerate() {
            let line = format!(r#"data: {{"choices":[{{"index":0,"delta":{{"content":"{word}"}}}}]}}"#);
            match relay_line(&mut st, &line).as_slice() {
                [Step::Emit(e)] => {
                    assert_eq!(e["type"], "response:completion");
                    assert_eq!(e["data"]["type"], "response.output_text.delta");
                    assert_eq!(e["data"]["delta"], *word);
                    assert_eq!(e["data"]["output_index"], 0, "chunk {i} goes to the one message item");
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(st.finished("completed")[0]["content"][0]["text"], "Hello world");
        assert_eq!(st.finished("completed")[0]["status"], "completed");
        // The stop chunk: an empty delta → `chat:completion` with the chunk.
        let stop = r#"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;
        match relay_line(&mut st, stop).as_slice() {
            [Step::Emit(e)] => assert_eq!(e["type"], "chat:completion"),
            other => panic!("{other:?}"),
        }
        // Usage alone: remembered and announced.
        let usage = r#"data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}"#;
        assert_eq!(relay_line(&mut st, usage), vec![Step::Emit(json!({"type": "chat:completion", "data": {"usage": {"prompt_tokens": 3, "completion_tokens": 2}}}))]);
        assert_eq!(st.usage, Some(json!({"prompt_tokens": 3, "completion_tokens": 2})));
        // An error line (no `data:`): saved, then announced; blank lines, [DONE] and garbage do nothing.
        let steps = relay_line(&mut st, r#"{"error": {"message": "boom"}}"#);
        assert_eq!(steps[0], Step::Save(json!({"error": {"content": {"message": "boom"}}})));
        assert_eq!(steps.len(), 2);
        assert!(relay_line(&mut st, "  ").is_empty());
        assert!(relay_line(&mut st, "data: [DONE]").is_empty());
        assert!(relay_line(&mut st, "data: {not json").is_empty());
    }
}
