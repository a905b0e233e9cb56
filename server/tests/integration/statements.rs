//! Statements per request, counted on the wire (`server::testing::WireCounter`, a protocol proxy
//! between the server and PostgreSQL): the hot paths' budgets from issue 9.

use serde_json::json;

use crate::auths::call;
use crate::common::*;
use server::testing::WireCounter;

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
    // No LLM provider: the model list is the workspace models alone (no upstream to wait for).
    // The session cache kept for the whole test, so that what is measured does not depend on the
    // machine's speed: a read is measured cold (its token's first) or warm (read again at once).
    let env = [
        ("DATABASE_URL", conninfo.as_str()),
        ("OWUI_SETTINGS_REFRESH_SECONDS", "3600"),
        ("OWUI_SESSION_CACHE_MS", "600000"),
        ("ENABLE_OLLAMA_API", "false"),
        ("ENABLE_OPENAI_API", "false"),
    ];
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
    for (label, path) in [
        ("GET /api/v1/auths/", "/api/v1/auths/"),
        ("GET /api/v1/users/?page=1", "/api/v1/users/?page=1"),
        ("GET /api/config", "/api/config"),
    ] {
        let r = call("GET", &format!("{base}{path}"), &h, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        settle().await;
        measure.push((label, counter.take()));
    }

    // The newer resources' hot reads, as a regular user with a few chats, a folder and a
    // workspace model (created unmeasured, then the user's first request records last-active).
    let add = json!({"name": "U", "email": "u@example.com", "password": "pw-123456", "role": "user"}).to_string();
    let r = call("POST", &format!("{base}/api/v1/auths/add"), &h, Some(&add)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let user = format!("Bearer {}", r.json()["token"].as_str().unwrap());
    let u = [("authorization", user.as_str())];
    let model = json!({"id": "m1", "name": "M1", "base_model_id": null, "meta": {}, "params": {}}).to_string();
    let r = call("POST", &format!("{base}/api/v1/models/create"), &h, Some(&model)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut chat_id = String::new();
    for i in 0..3 {
        let chat = json!({"chat": {"title": format!("c{i}"), "messages": []}}).to_string();
        let r = call("POST", &format!("{base}/api/v1/chats/new"), &u, Some(&chat)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        chat_id = r.json()["id"].as_str().unwrap().to_string();
    }
    let r = call("POST", &format!("{base}/api/v1/folders/"), &u, Some(&json!({"name": "F"}).to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    settle().await;
    counter.take();
    let chat_path = format!("/api/v1/chats/{chat_id}");
    for (label, path) in [
        ("GET /api/v1/chats/?page=1", "/api/v1/chats/?page=1"),
        ("GET /api/v1/chats/{id}", chat_path.as_str()),
        ("GET /api/v1/folders/", "/api/v1/folders/"),
        ("GET /api/models (user)", "/api/models"),
        ("GET /api/v1/models (user)", "/api/v1/models"),
    ] {
        let r = call("GET", &format!("{base}{path}"), &u, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        settle().await;
        measure.push((label, counter.take()));
    }
    let chat = json!({"chat": {"title": "new", "messages": []}}).to_string();
    let r = call("POST", &format!("{base}/api/v1/chats/new"), &u, Some(&chat)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    settle().await;
    measure.push(("POST /api/v1/chats/new", counter.take()));

    for (label, c) in &measure {
        eprintln!("{label}: {} statements, {} round trips, {} new connections", c.statements, c.round_trips, c.connections);
    }
    let get = |label: &str| measure.iter().find(|(l, _)| *l == label).map(|(_, c)| *c).expect("measured");
    // A token's first request reads its session (user, credential, revocation, groups' permissions)
    // in one statement, plus the last-active write it makes once a minute.
    assert!(get("GET /api/v1/auths/ (first, with last-active)").statements <= 2, "{:?}", get("GET /api/v1/auths/ (first, with last-active)"));
    // Then the session rows come from the session cache (`OWUI_SESSION_CACHE_MS`): an
    // authenticated read runs its route's own statement only.
    assert_eq!(get("GET /api/v1/auths/").statements, 0, "GET /api/v1/auths/: {:?}", get("GET /api/v1/auths/"));
    assert_eq!(get("GET /api/config").statements, 0, "GET /api/config: {:?}", get("GET /api/config"));
    // The page with its total and each user's group ids in one statement.
    assert!(get("GET /api/v1/users/?page=1").statements <= 1, "users: {:?}", get("GET /api/v1/users/?page=1"));
    // The user, its credential and its groups' permissions are read once, together (and a sign-in
    // is no change to anyone's session: no notification).
    assert_eq!(signin.statements, 1, "sign-in: {signin:?}");
    assert_eq!(signin.connections, 0, "sign-in opened a connection: {signin:?}");
    // The newer resources' hot reads (issue 9), the session cached.
    let budget = |label: &str, max: u64, why: &str| {
        let c = get(label);
        assert!(c.statements <= max, "{label}: {c:?} (budget {max}: {why})");
    };
    budget("GET /api/v1/chats/?page=1", 1, "the page with its pins and folders in one statement");
    budget("GET /api/v1/chats/{id}", 1, "the chat with its access check in one statement");
    // Was 4: the folders permission re-read the groups the session had already loaded.
    budget("GET /api/v1/folders/", 2, "the folders, then their unread counts");
    budget("GET /api/models (user)", 1, "the workspace models with their grants (no provider)");
    budget("GET /api/v1/models (user)", 1, "the same list as /api/models");
    // Was 5: the temporary-chat permission re-read the groups the session had already loaded.
    budget("POST /api/v1/chats/new", 3, "the insert in a transaction (BEGIN, INSERT, COMMIT)");
}
