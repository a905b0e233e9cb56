//! `/api/tasks` (the reference's `main.py` task routes over `tasks.py`): the background tasks
//! (chat completions for the web UI) of every instance, listed and stopped.

use dropshot::{HttpResponseOk, Path, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Detail;

/// `GET /api/tasks`: `{"tasks": [task ids]}`.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct TaskList {
    pub tasks: Vec<String>,
}

/// `stop_task`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct StopResult {
    pub status: bool,
    pub message: String,
}

/// `GET /api/tasks/chat/{chat_id}`: `{"task_ids": [...]}`.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct ChatTaskIds {
    pub task_ids: Vec<String>,
}

/// `{chat_id}` of `/api/tasks/chat/{chat_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TaskChatIdPath {
    pub chat_id: String,
}

/// `{task_id}` of `/api/tasks/stop/{task_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TaskIdPath {
    pub task_id: String,
}

api_traits! {
/// The `/api/tasks` operations.
pub trait TasksApi in tasks_api_invokers {
    type Context: Send + Sync + 'static;

    /// Every running task's id, on every instance sharing the database (admin).
    #[endpoint { method = GET, path = "/api/tasks" }]
    async fn tasks_list_endpoint(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<TaskList>, Detail>;

    /// Stops a task, wherever it runs (admin).
    #[endpoint { method = POST, path = "/api/tasks/stop/{task_id}" }]
    async fn tasks_stop_endpoint(
        rqctx: RequestContext<Self::Context>,
        path: Path<TaskIdPath>,
    ) -> Result<HttpResponseOk<StopResult>, Detail>;

    /// The running tasks of a chat the caller may write to (none for another's chat).
    #[endpoint { method = GET, path = "/api/tasks/chat/{chat_id}" }]
    async fn tasks_list_by_chat_id_endpoint(
        rqctx: RequestContext<Self::Context>,
        path: Path<TaskChatIdPath>,
    ) -> Result<HttpResponseOk<ChatTaskIds>, Detail>;

    /// Stops a chat's running tasks (the answer streamed so far is kept); 404 for a chat the
    /// caller may not write to.
    #[endpoint { method = POST, path = "/api/tasks/chat/{chat_id}/stop" }]
    async fn tasks_stop_by_chat_id_endpoint(
        rqctx: RequestContext<Self::Context>,
        path: Path<TaskChatIdPath>,
    ) -> Result<HttpResponseOk<StopResult>, Detail>;
}
}
