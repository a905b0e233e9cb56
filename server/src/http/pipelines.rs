//! `/api/v1/pipelines`: the implementation of [`PipelinesApi`] over [`crate::app::pipelines`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use webui_api::pipelines::{PipelinesApi, PipelinesList};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::pipelines as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl PipelinesApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_pipelines_list` (admin).
    async fn pipelines_get_list(rqctx: Ctx) -> Result<HttpResponseOk<PipelinesList>, Detail> {
        let user = auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::list(rqctx.context(), &user).await))
    }
}
