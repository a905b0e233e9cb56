//! `GET /api/version/updates`: a session is needed; with the check off (or `OFFLINE_MODE`)
//! the running version is the latest, as on the reference.

use serde_json::json;

use crate::common::*;
use crate::users::{req, setup};

#[tokio::test]
async fn update_check_off_answers_the_running_version() {
    let s = TestServer::start_with(&[("ENABLE_VERSION_UPDATE_CHECK", "false")]).await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/version/updates", None, None).await;
    assert_eq!(r.status, 401);
    let r = req("GET", &s.url, "/api/version/updates", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"current": webui_api::UPSTREAM_VERSION, "latest": webui_api::UPSTREAM_VERSION}));
}
