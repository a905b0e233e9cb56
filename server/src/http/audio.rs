//! `/api/v1/audio`: the implementation of [`AudioApi`] over [`crate::app::audio`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use webui_api::audio::{AudioApi, AudioConfig};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::audio as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl AudioApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_audio_config` (admin).
    async fn audio_get_config(rqctx: Ctx) -> Result<HttpResponseOk<AudioConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::config(rqctx.context())?))
    }
}
