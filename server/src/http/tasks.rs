//! `/api/tasks`: the implementation of [`TasksApi`] over [`crate::app::tasks`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, RequestContext};
use webui_api::tasks::{StopResult, TaskIdPath, TaskList, TasksApi};
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
}
