//! `/api/v1/functions`: the implementation of [`FunctionsApi`]. Thin handlers: authenticate,
//! call [`crate::app::functions`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use webui_api::functions::{FunctionModel, FunctionResponse, FunctionUserResponse, FunctionsApi, FunctionsExportQuery};
use webui_api::workspace::IdPath;
use webui_api::Detail;

use super::{auth, query, ServerImpl};
use crate::app::functions as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl FunctionsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/functions.py::get_functions` (`/`).
    async fn functions_get(rqctx: Ctx) -> Result<HttpResponseOk<Vec<FunctionResponse>>, Detail> {
        auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::list(rqctx.context()).await?))
    }

    /// `routers/functions.py::get_function_list`.
    async fn functions_get_list(rqctx: Ctx) -> Result<HttpResponseOk<Vec<FunctionUserResponse>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::list_with_owners(rqctx.context()).await?))
    }

    /// `routers/functions.py::get_functions` (`/export`).
    async fn functions_get_export(rqctx: Ctx, q: Query<FunctionsExportQuery>) -> Result<HttpResponseOk<Vec<FunctionModel>>, Detail> {
        auth::require_admin(&rqctx).await?;
        let include_valves = query::boolean("include_valves", &q.into_inner().include_valves)?;
        Ok(HttpResponseOk(app::export(rqctx.context(), include_valves).await?))
    }

    /// `routers/functions.py::get_function_by_id`.
    async fn functions_get_by_id(rqctx: Ctx, p: Path<IdPath>) -> Result<HttpResponseOk<FunctionModel>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::get(rqctx.context(), &s, &p.into_inner().id).await?))
    }
}
