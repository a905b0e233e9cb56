//! Background tasks (`tasks.py`): a chat completion for the web UI runs as a task, listed by
//! `/api/tasks` and `/api/tasks/chat/{chat_id}` and stopped by `/api/tasks/stop/{task_id}`.
//!
//! The reference keeps tasks in its process, or in Redis with several workers. Here every
//! instance runs its own tasks and tells the others through [`crate::bus`] when one starts or
//! ends; a stop for a task another instance runs is sent there. So every instance on the database
//! lists the same tasks and can stop any of them. An instance says every [`ALIVE_EVERY`] which
//! tasks it runs (and, when it starts, asks the others to say theirs): the lists converge after a
//! lost message, and the tasks of an instance not heard from for [`SILENT_AFTER`] (killed) go.
//!
//! A stop is cooperative: the task's future gets a [`Cancel`] and decides what to save before it
//! ends (the partial answer of a stopped completion is kept), as `asyncio`'s `CancelledError`
//! lets the reference's coroutine do. A task that ignores it is aborted after [`STOP_GRACE`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use webui_api::tasks::StopResult;

use crate::bus::Message;
use crate::context::ServerContext;

/// How often an instance says which tasks it runs.
pub const ALIVE_EVERY: Duration = Duration::from_secs(10);
/// How long an instance may stay silent before its tasks are dropped from the list.
pub const SILENT_AFTER: Duration = Duration::from_secs(35);
/// How long a stopped task may take to end before it is aborted.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// News about tasks, between instances.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TaskNews {
    Started { instance: String, task_id: String, item_id: Option<String> },
    Ended { instance: String, task_id: String },
    /// Stop this task, wherever it runs.
    Stop { task_id: String },
    /// Every task `instance` runs now (sent every [`ALIVE_EVERY`]).
    Alive { instance: String, tasks: Vec<(String, Option<String>)> },
    /// A new instance asks the others to say which tasks they run.
    Hello { instance: String },
}

/// A task's side of a stop: resolves when someone asked it to stop.
#[derive(Clone)]
pub struct Cancel(watch::Receiver<bool>);

impl Cancel {
    /// Waits until the task is asked to stop.
    pub async fn cancelled(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }
}

struct Local {
    item_id: Option<String>,
    seq: u64,
    stop: watch::Sender<bool>,
    abort: tokio::task::AbortHandle,
    ended: watch::Receiver<bool>,
}

struct Remote {
    item_id: Option<String>,
    seq: u64,
    instance: String,
}

#[derive(Default)]
struct State {
    seq: u64,
    local: HashMap<String, Local>,
    remote: HashMap<String, Remote>,
    heard: HashMap<String, Instant>,
}

/// The registry (in the server context).
#[derive(Default)]
pub struct Tasks(Mutex<State>);

impl Tasks {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().expect("task registry")
    }
}

/// `create_task`: runs `task` in the background as a task of `item_id` (a chat id), listed and
/// stoppable on every instance. Returns its id.
pub async fn create_task<F, Fut>(ctx: &Arc<ServerContext>, item_id: Option<String>, task: F) -> String
where
    F: FnOnce(Cancel) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    create_task_with_id(ctx, uuid::Uuid::new_v4().to_string(), item_id, task).await
}

/// [`create_task`] with the task's id chosen by the caller (a completion writes it into the
/// message before the task starts, as the reference does).
pub async fn create_task_with_id<F, Fut>(ctx: &Arc<ServerContext>, task_id: String, item_id: Option<String>, task: F) -> String
where
    F: FnOnce(Cancel) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (stop, stop_rx) = watch::channel(false);
    let (ended_tx, ended) = watch::channel(false);
    let fut = task(Cancel(stop_rx));
    let weak = Arc::downgrade(ctx);
    let id = task_id.clone();
    // Told before it can end, so that no instance hears of its end first.
    let news = TaskNews::Started { instance: ctx.bus.instance.clone(), task_id: task_id.clone(), item_id: item_id.clone() };
    ctx.bus.publish(Message::Task(news)).await;
    // Registered before it runs (the lock is held while it is spawned), so that its end always
    // finds it.
    let mut state = ctx.tasks.state();
    let handle = tokio::spawn(async move {
        fut.await;
        let _ = ended_tx.send(true);
        if let Some(ctx) = weak.upgrade() {
            ended_task(&ctx, &id).await;
        }
    });
    state.seq += 1;
    let seq = state.seq;
    state.local.insert(task_id.clone(), Local { item_id, seq, stop, abort: handle.abort_handle(), ended });
    drop(state);
    task_id
}

/// `cleanup_task`: the task ended (done, failed or stopped).
async fn ended_task(ctx: &ServerContext, task_id: &str) {
    if ctx.tasks.state().local.remove(task_id).is_some() {
        let news = TaskNews::Ended { instance: ctx.bus.instance.clone(), task_id: task_id.to_owned() };
        ctx.bus.publish(Message::Task(news)).await;
    }
}

/// The tasks of every instance, `(task id, item id)`, oldest first as this instance learnt them.
fn all(ctx: &ServerContext) -> Vec<(String, Option<String>)> {
    let state = ctx.tasks.state();
    let mut v: Vec<(u64, &String, &Option<String>)> = state.local.iter().map(|(id, t)| (t.seq, id, &t.item_id)).collect();
    v.extend(state.remote.iter().map(|(id, t)| (t.seq, id, &t.item_id)));
    v.sort();
    v.into_iter().map(|(_, id, item)| (id.clone(), item.clone())).collect()
}

/// `list_tasks`: every running task's id.
pub fn list(ctx: &ServerContext) -> Vec<String> {
    all(ctx).into_iter().map(|(id, _)| id).collect()
}

/// `list_task_ids_by_item_id`: the running tasks of one item (chat).
pub fn list_by_item(ctx: &ServerContext, item_id: &str) -> Vec<String> {
    all(ctx).into_iter().filter(|(_, item)| item.as_deref() == Some(item_id)).map(|(id, _)| id).collect()
}

/// `stop_task`: asks the task to stop and waits for it to end, here or on the instance running it.
/// The reference's words without Redis (one process).
pub async fn stop(ctx: &ServerContext, task_id: &str) -> StopResult {
    let local = {
        let state = ctx.tasks.state();
        match state.local.get(task_id) {
            Some(t) => Some((t.stop.clone(), t.abort.clone(), t.ended.clone())),
            None if state.remote.contains_key(task_id) => None,
            None => {
                return StopResult { status: false, message: format!("Task with ID {task_id} not found.") };
            }
        }
    };
    match local {
        Some((stop, abort, mut ended)) => {
            let _ = stop.send(true);
            if tokio::time::timeout(STOP_GRACE, ended.wait_for(|e| *e)).await.is_err() {
                abort.abort();
                ended_task(ctx, task_id).await;
            }
        }
        None => {
            ctx.bus.publish(Message::Task(TaskNews::Stop { task_id: task_id.to_owned() })).await;
            // Until the instance running it says it ended (or a little longer than it may take).
            let deadline = Instant::now() + STOP_GRACE + Duration::from_secs(1);
            while ctx.tasks.state().remote.contains_key(task_id) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    StopResult { status: true, message: format!("Task {task_id} successfully stopped.") }
}

/// What another instance said.
pub fn hear(ctx: &Arc<ServerContext>, news: TaskNews) {
    let mut state = ctx.tasks.state();
    match news {
        TaskNews::Started { instance, task_id, item_id } => {
            state.heard.insert(instance.clone(), Instant::now());
            state.seq += 1;
            let seq = state.seq;
            state.remote.insert(task_id, Remote { item_id, seq, instance });
        }
        TaskNews::Ended { instance, task_id } => {
            state.heard.insert(instance, Instant::now());
            state.remote.remove(&task_id);
        }
        TaskNews::Stop { task_id } => {
            if state.local.contains_key(&task_id) {
                drop(state);
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    stop(&ctx, &task_id).await;
                });
            }
        }
        TaskNews::Alive { instance, tasks } => {
            state.heard.insert(instance.clone(), Instant::now());
            let listed: std::collections::HashSet<&String> = tasks.iter().map(|(id, _)| id).collect();
            state.remote.retain(|id, t| t.instance != instance || listed.contains(id));
            for (task_id, item_id) in tasks {
                if !state.remote.contains_key(&task_id) {
                    state.seq += 1;
                    let seq = state.seq;
                    state.remote.insert(task_id, Remote { item_id, seq, instance: instance.clone() });
                }
            }
        }
        TaskNews::Hello { .. } => {
            drop(state);
            let ctx = ctx.clone();
            tokio::spawn(async move { say_alive(&ctx).await });
        }
    }
}

async fn say_alive(ctx: &ServerContext) {
    let tasks: Vec<(String, Option<String>)> = {
        let state = ctx.tasks.state();
        let mut v: Vec<_> = state.local.iter().map(|(id, t)| (t.seq, id.clone(), t.item_id.clone())).collect();
        v.sort();
        v.into_iter().map(|(_, id, item)| (id, item)).collect()
    };
    ctx.bus.publish(Message::Task(TaskNews::Alive { instance: ctx.bus.instance.clone(), tasks })).await;
}

/// Starts the registry's heartbeat: says hello, then which tasks this instance runs every
/// [`ALIVE_EVERY`], and forgets the tasks of instances silent for [`SILENT_AFTER`].
pub fn start(ctx: &Arc<ServerContext>) {
    let weak = Arc::downgrade(ctx);
    tokio::spawn(async move {
        if let Some(ctx) = weak.upgrade() {
            ctx.bus.publish(Message::Task(TaskNews::Hello { instance: ctx.bus.instance.clone() })).await;
        }
        let mut tick = tokio::time::interval(ALIVE_EVERY);
        loop {
            tick.tick().await;
            let Some(ctx) = weak.upgrade() else { return };
            say_alive(&ctx).await;
            let mut state = ctx.tasks.state();
            let silent: Vec<String> =
                state.heard.iter().filter(|(_, at)| at.elapsed() > SILENT_AFTER).map(|(i, _)| i.clone()).collect();
            for instance in silent {
                state.heard.remove(&instance);
                state.remote.retain(|_, t| t.instance != instance);
            }
        }
    });
}

// ---- a chat's tasks (`main.py::list_tasks_by_chat_id_endpoint`, `stop_tasks_by_chat_id_endpoint`) ----

/// `Chats.filter_task_ids_by_user_id`: the tasks whose message is the user's (a task no message
/// names is the chat owner's).
fn tasks_of_user(chat: &crate::db::chats::ChatRow, user_id: &str, task_ids: Vec<String>) -> Vec<String> {
    let messages = chat.chat.get("history").and_then(|h| h.get("messages")).and_then(serde_json::Value::as_object);
    let actor = |task_id: &str| -> String {
        messages
            .into_iter()
            .flatten()
            .rev()
            .find(|(_, m)| m.get("meta").and_then(|x| x.get("task_id")).and_then(serde_json::Value::as_str) == Some(task_id))
            .and_then(|(_, m)| m.get("user_id").and_then(serde_json::Value::as_str).filter(|u| !u.is_empty()).map(str::to_owned))
            .unwrap_or_else(|| chat.user_id.clone())
    };
    task_ids.into_iter().filter(|t| actor(t) == user_id).collect()
}

/// `GET /api/tasks/chat/{chat_id}`: the running tasks of a chat the user may write to, theirs
/// only; none for any other chat.
pub async fn list_for_chat(ctx: &ServerContext, user: &crate::app::session::SessionUser, chat_id: &str) -> crate::error::Result<Vec<String>> {
    let Some(chat) = crate::app::chats::writable(ctx, user, chat_id).await? else { return Ok(Vec::new()) };
    Ok(tasks_of_user(&chat, &user.user.id, list_by_item(ctx, chat_id)))
}

/// `POST /api/tasks/chat/{chat_id}/stop`: stops the user's tasks of a chat they may write to
/// (404 otherwise); with none running, the user's unfinished answers in the chat are marked done
/// and announced (`chat:completion {done, output}`, `chat:tasks:cancel`).
pub async fn stop_chat(ctx: &ServerContext, user: &crate::app::session::SessionUser, chat_id: &str) -> crate::error::Result<StopResult> {
    use serde_json::{json, Value};
    let Some(chat) = crate::app::chats::writable(ctx, user, chat_id).await? else {
        return Err(crate::error::Error::not_found(crate::messages::NOT_FOUND));
    };
    let task_ids = tasks_of_user(&chat, &user.user.id, list_by_item(ctx, chat_id));
    let mut result = StopResult { status: true, message: "No tasks found.".into() };
    for t in &task_ids {
        result = stop(ctx, t).await;
    }
    if !task_ids.is_empty() {
        return Ok(result);
    }
    let messages = chat.chat.get("history").and_then(|h| h.get("messages")).and_then(Value::as_object).cloned().unwrap_or_default();
    for (message_id, m) in messages {
        let author = m.get("user_id").and_then(Value::as_str).filter(|u| !u.is_empty()).unwrap_or(&chat.user_id);
        if author != user.user.id || m.get("role").and_then(Value::as_str) != Some("assistant") || m.get("done") != Some(&Value::Bool(false)) {
            continue;
        }
        let mut output = m.get("output").cloned();
        if let Some(Value::Array(items)) = output.as_mut() {
            for item in items.iter_mut() {
                let pending = matches!(item.get("status").and_then(Value::as_str), Some("pending" | "queued" | "requires_approval"));
                if item.get("type").and_then(Value::as_str) == Some("function_call") && pending {
                    item["status"] = json!("rejected");
                    if let Some(o) = item.as_object_mut() {
                        o.shift_remove("approved");
                    }
                }
            }
        }
        let mut update = serde_json::Map::new();
        update.insert("done".into(), json!(true));
        if let Some(o @ Value::Array(_)) = &output {
            update.insert("output".into(), o.clone());
        }
        crate::app::chats::upsert_message_by_id(ctx, chat_id, &message_id, update, false).await?;
        result = StopResult { status: true, message: "Finalized pending approval message.".into() };
        let events = [
            json!({"type": "chat:completion", "data": {"done": true, "output": output.filter(Value::is_array)}}),
            json!({"type": "chat:tasks:cancel"}),
        ];
        for e in events {
            let payload = json!({"chat_id": chat_id, "message_id": message_id, "data": e});
            crate::socket::emit_to_user(ctx, &user.user.id, "events", &payload).await;
        }
    }
    Ok(result)
}
