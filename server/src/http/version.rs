//! `/api/version`, `/api/changelog`.

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use serde_json::{json, Value};
use webui_api::version::VersionApi;
use webui_api::{Detail, LatestRelease, UPSTREAM_VERSION};

use super::{auth, ServerImpl};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// The upstream version we are compatible with (the web UI compares it with its own build) and
/// `DEPLOYMENT_ID`; both stay stable across restarts, or the UI reloads the page.
pub fn version(ctx: &ServerContext) -> Value {
    json!({ "version": UPSTREAM_VERSION, "deployment_id": ctx.config.deployment_id })
}

/// The first five versions of upstream's CHANGELOG.md, as the reference parses it (see
/// [`crate::changelog`]); parsed once, ahead of the first request when possible.
pub async fn changelog(ctx: &ServerContext) -> Value {
    ctx.frontend.changelog().await
}

impl VersionApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn version_get_app(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(version(rqctx.context())))
    }

    /// `main.py::get_app_latest_release_version`.
    async fn version_get_app_latest_release(rqctx: Ctx) -> Result<HttpResponseOk<LatestRelease>, Detail> {
        auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(crate::app::version::latest_release(rqctx.context()).await))
    }

    async fn changelog_get_app(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(changelog(rqctx.context()).await))
    }
}
