//! `/api/v1/memories`: the implementation of [`MemoriesApi`] over [`crate::app::memories`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use webui_api::memories::{MemoriesApi, MemoryModel};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::memories as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl MemoriesApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_memories` (verified user).
    async fn memories_get(rqctx: Ctx) -> Result<HttpResponseOk<Vec<MemoryModel>>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::list(rqctx.context(), &user).await?))
    }
}
