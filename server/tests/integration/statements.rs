//! Statements per request, counted on the wire (`server::testing::WireCounter`, a protocol proxy
//! between the server and PostgreSQL): the hot paths' budgets from issue 9.

use serde_json::json;

use crate::auths::call;
use crate::common::*;
use server::testing::{WireCounter, WireCounts};

/// Lets fire-and-forget writes (last-active) reach the proxy before the counts are read.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

#[tokio::test]
async fn statements_per_request() {
    let db = TestDb::new().await;
    let counter = WireCounter::start(&db).await;
    let conninfo = counter.conninfo.clone();
    // No periodic settings reload inside the measured windows.
    let env = [("DATABASE_URL", conninfo.as_str()), ("OWUI_SETTINGS_REFRESH_SECONDS", "3600")];
    let server = TestServer::start_on(db, &env).await.expect("start");
    let base = &server.url;
    let body = json!({"name": "Admin", "email": "admin@example.com", "password": "pw-123456"}).to_string();
    assert_eq!(call("POST", &format!("{base}/api/v1/auths/signup"), &[], Some(&body)).await.status, 200);
    settle().await;
    counter.take();

    let mut measure = Vec::new();
    let creds = json!({"email": "admin@example.com", "password": "pw-123456"}).to_string();
    let r = call("POST", &format!("{base}/api/v1/auths/signin"), &[], Some(&creds)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    settle().await;
    let signin = counter.take();
    measure.push(("POST /api/v1/auths/signin", signin));
    let token = r.json()["token"].as_str().unwrap().to_string();
    let auth = format!("Bearer {token}");
    let h = [("authorization", auth.as_str())];

    // The first authenticated request of a user also records its last activity (at most once a
    // minute per user, after the answer); the steady state is measured after it.
    let r = call("GET", &format!("{base}/api/v1/auths/"), &h, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    settle().await;
    measure.push(("GET /api/v1/auths/ (first, with last-active)", counter.take()));
    let mut steady = |label: &'static str, c: WireCounts| measure.push((label, c));
    for (label, path) in [
        ("GET /api/v1/auths/", "/api/v1/auths/"),
        ("GET /api/v1/users/?page=1", "/api/v1/users/?page=1"),
        ("GET /api/config", "/api/config"),
    ] {
        let r = call("GET", &format!("{base}{path}"), &h, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        settle().await;
        steady(label, counter.take());
    }
    for (label, c) in &measure {
        eprintln!("{label}: {} statements, {} round trips, {} new connections", c.statements, c.round_trips, c.connections);
    }
    let get = |label: &str| measure.iter().find(|(l, _)| *l == label).map(|(_, c)| *c).expect("measured");
    assert!(get("GET /api/v1/auths/").statements <= 1, "GET /api/v1/auths/: {:?}", get("GET /api/v1/auths/"));
    assert!(get("GET /api/config").statements <= 1, "GET /api/config: {:?}", get("GET /api/config"));
    // The session, then the page with its total and each user's group ids in one statement.
    assert!(get("GET /api/v1/users/?page=1").statements <= 2, "users: {:?}", get("GET /api/v1/users/?page=1"));
    // The user, its credential and its groups' permissions are read once, together.
    assert_eq!(signin.statements, 1, "sign-in: {signin:?}");
    assert_eq!(signin.connections, 0, "sign-in opened a connection: {signin:?}");
}
