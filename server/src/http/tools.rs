//! `/api/v1/tools`: the implementation of [`ToolsApi`]. Thin handlers: authenticate, call
//! [`crate::app::tools`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use webui_api::tools::{ToolAccessResponse, ToolModel, ToolUserResponse, ToolsApi, ToolsQuery};
use webui_api::workspace::IdPath;
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::tools as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl ToolsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/tools.py::get_tools`.
    async fn tools_get(rqctx: Ctx, q: Query<ToolsQuery>) -> Result<HttpResponseOk<Vec<ToolUserResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::list(rqctx.context(), &s, q.into_inner().query.as_deref()).await?))
    }

    /// `routers/tools.py::get_tool_list`.
    async fn tools_get_list(rqctx: Ctx) -> Result<HttpResponseOk<Vec<ToolAccessResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::list_with_access(rqctx.context(), &s).await?))
    }

    /// `routers/tools.py::export_tools`.
    async fn tools_export(rqctx: Ctx) -> Result<HttpResponseOk<Vec<ToolModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::export(rqctx.context(), &s).await?))
    }

    /// `routers/tools.py::get_tools_by_id`.
    async fn tools_get_by_id(rqctx: Ctx, p: Path<IdPath>) -> Result<HttpResponseOk<ToolAccessResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::get(rqctx.context(), &s, &p.into_inner().id).await?))
    }
}
