//! `/api/version`, `/api/version/updates` and `/api/changelog` (the reference's `main.py`).

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;

use crate::Detail;

/// What `GET /api/version/updates` answers.
#[derive(Debug, Clone, serde::Serialize, JsonSchema)]
pub struct LatestRelease {
    pub current: String,
    pub latest: Option<String>,
}

api_traits! {
/// The running version, the latest release and the changelog (`main.py`).
pub trait VersionApi in version_api_invokers {
    type Context: Send + Sync + 'static;

    /// The upstream version this server is compatible with, and a deployment id that stays
    /// stable across restarts (the web UI reloads the page when either changes).
    #[endpoint { method = GET, path = "/api/version" }]
    async fn version_get_app(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The running version and the latest upstream release (null when GitHub cannot be reached;
    /// the running one when the check is off or `OFFLINE_MODE` is on).
    #[endpoint { method = GET, path = "/api/version/updates" }]
    async fn version_get_app_latest_release(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<LatestRelease>, Detail>;

    /// Upstream's changelog, as the "what's new" dialog shows it.
    #[endpoint { method = GET, path = "/api/changelog" }]
    async fn changelog_get_app(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;
}
}
