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

/// `GET /api/events` (admin): the reference's catalogue, and `GET /api/events/webhooks`: the stored
/// webhooks normalised, the invalid ones left out.
#[tokio::test]
async fn events_catalogue_and_webhooks() {
    let s = TestServer::start_with(&[]).await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/events", Some(&a.user), None).await;
    assert_eq!(r.status, 401, "{}", r.body);
    let r = req("GET", &s.url, "/api/events", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["schema"], webui_api::UPSTREAM_VERSION);
    assert_eq!(v["events"].as_array().unwrap().len(), 191);
    assert_eq!(v["events"][0], json!({"event": "system.startup.started", "description": "Application startup began.", "message": "Startup started"}));
    let r = req("GET", &s.url, "/api/events/webhooks", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()), (200, json!([])));
}
