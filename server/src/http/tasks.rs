//! `/api/tasks`: the implementation of [`TasksApi`] over [`crate::app::tasks`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, RequestContext};
use webui_api::tasks::{ChatTaskIds, StopResult, TaskChatIdPath, TaskIdPath, TaskList, TasksApi};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::tasks;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl TasksApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `list_tasks_endpoint` (admin).
    async fn tasks_list_endpoint(rqctx: Ctx) -> Result<HttpResponseOk<TaskList>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(TaskList { tasks: tasks::list(rqctx.context()) }))
    }

    /// `stop_task_endpoint` (admin): `{"status": false, ...}` with 200 for a task no instance runs,
    /// as the reference answers without Redis.
    async fn tasks_stop_endpoint(rqctx: Ctx, path: Path<TaskIdPath>) -> Result<HttpResponseOk<StopResult>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(tasks::stop(rqctx.context(), &path.into_inner().task_id).await))
    }

    /// `list_tasks_by_chat_id_endpoint`: `{"task_ids": []}` for a chat the user may not write to.
    async fn tasks_list_by_chat_id_endpoint(rqctx: Ctx, path: Path<TaskChatIdPath>) -> Result<HttpResponseOk<ChatTaskIds>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let task_ids = tasks::list_for_chat(rqctx.context(), &user, &path.into_inner().chat_id).await?;
        Ok(HttpResponseOk(ChatTaskIds { task_ids }))
    }

    /// `stop_tasks_by_chat_id_endpoint`.
    async fn tasks_stop_by_chat_id_endpoint(rqctx: Ctx, path: Path<TaskChatIdPath>) -> Result<HttpResponseOk<StopResult>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(tasks::stop_chat(rqctx.context(), &user, &path.into_inner().chat_id).await?))
    }
}
