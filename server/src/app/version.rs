//! The update check (`main.py::get_app_latest_release_version`).

use std::time::Duration;

use serde_json::Value;
use webui_api::{LatestRelease, UPSTREAM_VERSION};

use crate::context::ServerContext;

const LATEST: &str = "https://api.github.com/repos/open-webui/open-webui/releases/latest";

/// The running version and GitHub's latest release tag without its `v` (one second at most,
/// as the reference waits): the running version when `ENABLE_VERSION_UPDATE_CHECK` is off or
/// `OFFLINE_MODE` is on, `latest: null` when the release cannot be read.
pub async fn latest_release(ctx: &ServerContext) -> LatestRelease {
    let current = UPSTREAM_VERSION.to_string();
    let enabled = ctx.config.env_bool("ENABLE_VERSION_UPDATE_CHECK", true) && !ctx.config.offline_mode;
    if !enabled {
        return LatestRelease { latest: Some(current.clone()), current };
    }
    let fetched = async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(1)).user_agent("open-webui").build().ok()?;
        let rsp = client.get(LATEST).send().await.ok()?.error_for_status().ok()?;
        let body: Value = rsp.json().await.ok()?;
        let tag = body.get("tag_name")?.as_str()?;
        // `latest_version[1:]`: the tag without its first character.
        Some(tag.chars().skip(1).collect::<String>())
    };
    LatestRelease { current, latest: fetched.await }
}
