//! `/api/version`, `/api/changelog`.

use serde_json::{json, Value};
use webui_api::UPSTREAM_VERSION;

use crate::context::ServerContext;

/// The upstream version we are compatible with (the web UI compares it with its own build) and
/// `DEPLOYMENT_ID`; both stay stable across restarts, or the UI reloads the page.
pub fn version(ctx: &ServerContext) -> Value {
    json!({ "version": UPSTREAM_VERSION, "deployment_id": ctx.config.deployment_id })
}

/// The first five entries of upstream's changelog. TODO(changelog): parsed from the wheel's
/// CHANGELOG.md; empty until that lands.
pub fn changelog() -> Value {
    json!({})
}
