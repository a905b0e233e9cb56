//! `/api/version`, `/api/changelog`.

use serde_json::{json, Value};
use webui_api::UPSTREAM_VERSION;

use crate::context::ServerContext;

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
