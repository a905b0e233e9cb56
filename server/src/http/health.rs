//! `/health`, `/health/db`, `/ready` (the checks are [`crate::app::health`]).

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use webui_api::health::HealthApi;
use webui_api::{CurrentUsage, Detail, StatusResponse};

use super::{auth, ServerImpl};
use crate::app::health;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// `SELECT 1` on a pooled connection.
pub async fn db_ping(ctx: &ServerContext) -> Result<(), Detail> {
    Ok(health::db_ping(ctx).await?)
}

/// 200 `{"status":true}` once start-up is done and the database answers, else 503 with the
/// reference's message.
pub async fn ready(ctx: &ServerContext) -> Result<(), Detail> {
    Ok(health::ready(ctx).await?)
}

impl HealthApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn health_healthcheck(_rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn health_check_db(rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        db_ping(rqctx.context()).await?;
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn ready_readiness_check(rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        ready(rqctx.context()).await?;
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn usage_get_current(rqctx: Ctx) -> Result<HttpResponseOk<CurrentUsage>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(crate::app::health::current_usage(rqctx.context(), &s).await?))
    }
}
