//! `/api/v1/evaluations`: the implementation of [`EvaluationsApi`] over
//! [`crate::app::evaluations`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use webui_api::evaluations::{EvaluationsApi, EvaluationsConfig, EvaluationsConfigForm};
use webui_api::{Detail, FastJson};

use super::{auth, ServerImpl};
use crate::app::evaluations as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl EvaluationsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_config` (admin).
    async fn evaluations_get_config(rqctx: Ctx) -> Result<HttpResponseOk<EvaluationsConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::config(rqctx.context())?))
    }

    /// `update_config` (admin).
    async fn evaluations_update_config(rqctx: Ctx, body: FastJson<EvaluationsConfigForm>) -> Result<HttpResponseOk<EvaluationsConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::update_config(rqctx.context(), body.into_inner()?).await?))
    }
}
