//! `/health`, `/health/db`, `/ready` and `/api/usage` (the reference's `main.py`): liveness,
//! readiness and what is in use now.

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;

use crate::{Detail, StatusResponse};

/// `GET /api/usage`: `{model_ids, user_count}`.
#[derive(Debug, Clone, serde::Serialize, JsonSchema, PartialEq)]
pub struct CurrentUsage {
    pub model_ids: Vec<String>,
    pub user_count: i64,
}

api_traits! {
/// Liveness, readiness and current usage (`main.py`).
pub trait HealthApi in health_api_invokers {
    type Context: Send + Sync + 'static;

    /// Liveness: answers as soon as the process serves HTTP.
    #[endpoint { method = GET, path = "/health" }]
    async fn health_healthcheck(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// Database liveness: runs one query.
    #[endpoint { method = GET, path = "/health/db" }]
    async fn health_check_db(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// Readiness: the database answers and start-up has finished.
    #[endpoint { method = GET, path = "/ready" }]
    async fn ready_readiness_check(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// What is in use now: the models some socket said it uses, and the users seen in the last
    /// three minutes (`get_current_usage`; admins only with ENABLE_PUBLIC_ACTIVE_USERS_COUNT=false).
    #[endpoint { method = GET, path = "/api/usage" }]
    async fn usage_get_current(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<CurrentUsage>, Detail>;
}
}
