//! `/api/v1/knowledge`: the implementation of [`KnowledgeApi`] over [`crate::app::knowledge`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Query, RequestContext};
use webui_api::knowledge::{ExternalKnowledgeConnectionListResponse, KnowledgeAccessListResponse, KnowledgeApi, KnowledgeSearchQuery};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::knowledge as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl KnowledgeApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `search_knowledge_bases` (verified user).
    async fn knowledge_search_bases(rqctx: Ctx, query: Query<KnowledgeSearchQuery>) -> Result<HttpResponseOk<KnowledgeAccessListResponse>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::search(rqctx.context(), &user, &query.into_inner()).await?))
    }

    /// `get_external_knowledge_connections` (admin).
    async fn knowledge_get_external_connections(rqctx: Ctx) -> Result<HttpResponseOk<ExternalKnowledgeConnectionListResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::external_connections(rqctx.context())))
    }
}
