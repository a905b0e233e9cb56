//! `GET /api/v1/models/export`: [`ModelsTransferApi`]. Authenticate, read `ids` (a repeated
//! key) from the raw query, call `crate::app::models_transfer`.

use std::sync::Arc;

use dropshot::{HttpResponseOk, Query, RequestContext};
use serde_json::Value;
use webui_api::models_transfer::*;
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::models_transfer as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl ModelsTransferApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn models_export(rqctx: Ctx, _query: Query<ModelExportQuery>) -> Result<HttpResponseOk<Vec<Value>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let ids = app::query_ids(rqctx.request.uri().query());
        Ok(HttpResponseOk(app::export(rqctx.context(), &s, ids).await?))
    }
}
