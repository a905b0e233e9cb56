//! `/api/v1/retrieval`: the implementation of [`RetrievalApi`] over [`crate::app::retrieval`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use webui_api::retrieval::{EmbeddingConfig, RagConfig, RetrievalApi};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::retrieval as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl RetrievalApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_embedding_config` (admin).
    async fn retrieval_get_embedding_config(rqctx: Ctx) -> Result<HttpResponseOk<EmbeddingConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::embedding_config(rqctx.context())?))
    }

    /// `get_rag_config` (admin).
    async fn retrieval_get_rag_config(rqctx: Ctx) -> Result<HttpResponseOk<RagConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::rag_config(rqctx.context())?))
    }
}
