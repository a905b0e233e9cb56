//! `/api/v1/images`: the implementation of [`ImagesApi`] over [`crate::app::images`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use webui_api::images::{ImagesApi, ImagesConfig};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::images as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl ImagesApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_config` (admin).
    async fn images_get_config(rqctx: Ctx) -> Result<HttpResponseOk<ImagesConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::config(rqctx.context())?))
    }
}
