//! `/api/v1/skills`: the implementation of [`SkillsApi`] over [`crate::app::skills`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Query, RequestContext};
use webui_api::skills::{SkillUserResponse, SkillsApi, SkillsQuery};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::skills as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl SkillsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_skills` (verified user).
    async fn skills_get(rqctx: Ctx, query: Query<SkillsQuery>) -> Result<HttpResponseOk<Vec<SkillUserResponse>>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::list(rqctx.context(), &user, query.into_inner().query.as_deref()).await?))
    }
}
