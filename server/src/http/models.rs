//! `/api/models` and `/api/v1/models`: the implementation of [`ModelsApi`]. Thin handlers:
//! authenticate, read the query as FastAPI does, call [`crate::app::models`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Query, RequestContext};
use serde_json::Value;
use webui_api::models::{ModelsApi, ModelsRefreshQuery};
use webui_api::Detail;

use super::{auth, query, ServerImpl};
use crate::app::models as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// `main.py::get_models` (both paths).
async fn list(rqctx: &Ctx, q: ModelsRefreshQuery) -> Result<HttpResponseOk<Value>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let refresh = query::boolean("refresh", &q.refresh)?;
    Ok(HttpResponseOk(app::list(rqctx.context(), &s, refresh).await?))
}

impl ModelsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn models_get(rqctx: Ctx, q: Query<ModelsRefreshQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        list(&rqctx, q.into_inner()).await
    }

    async fn models_get_v1(rqctx: Ctx, q: Query<ModelsRefreshQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        list(&rqctx, q.into_inner()).await
    }

    /// `main.py::get_base_models`.
    async fn models_get_base(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::base(rqctx.context(), &s).await?))
    }
}
