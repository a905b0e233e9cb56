//! `/api/v1/configs`: import, export and namespaces (rows written as the reference writes them,
//! read back, seen by a second instance on the same database), and the terminal server proxies
//! (a fake terminal server; an unreachable one; bad bodies).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup, ACCESS_PROHIBITED};

#[tokio::test]
async fn configs_import_export_namespace() {
    let a_srv = TestServer::start_with(&[("OWUI_SETTINGS_REFRESH_SECONDS", "3600")]).await;
    let b_srv = TestServer::start_with(&[("DATABASE_URL", &a_srv.db.conninfo), ("OWUI_SETTINGS_REFRESH_SECONDS", "3600")]).await;
    let a = setup(&a_srv.url).await;
    let s = &a_srv;

    for (method, path, body) in [
        ("POST", "/api/v1/configs/import", Some(r#"{"config":{}}"#)),
        ("GET", "/api/v1/configs/export", None),
        ("GET", "/api/v1/configs/namespace/ui", None),
    ] {
        let r = req(method, &s.url, path, Some(&a.user), body).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)), "{path}");
    }

    // Bad bodies: FastAPI's 422.
    let r = req("POST", &s.url, "/api/v1/configs/import", Some(&a.admin), Some("{}")).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"][0]["loc"], json!(["body", "config"]));
    let r = req("POST", &s.url, "/api/v1/configs/import", Some(&a.admin), Some(r#"{"config":[1]}"#)).await;
    assert_eq!((r.status, r.json()["detail"][0]["type"].clone()), (422, json!("dict_type")));

    // Import: every row written as given, the whole table answered.
    let body = r#"{"config":{"ui.default_models":"m9","custom.a":{"x":[1,2]},"custom.b":null,"customer.c":1}}"#;
    let r = req("POST", &s.url, "/api/v1/configs/import", Some(&a.admin), Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let all = r.json();
    assert_eq!(all["custom.a"], json!({"x": [1, 2]}));
    assert_eq!(all["ui.default_models"], json!("m9"));
    assert!(all.as_object().unwrap().contains_key("custom.b"));
    let c = s.db.client().await;
    let stored: Value = c.query_one("SELECT value FROM config WHERE key = 'custom.a'", &[]).await.unwrap().get(0);
    assert_eq!(stored, json!({"x": [1, 2]}));

    // Read back: export, a namespace (its dot: `customer.c` is not under `custom`), the typed route.
    let r = req("GET", &s.url, "/api/v1/configs/export", Some(&a.admin), None).await;
    assert_eq!(r.json(), all);
    let r = req("GET", &s.url, "/api/v1/configs/namespace/custom", Some(&a.admin), None).await;
    assert_eq!(r.json(), json!({"custom.a": {"x": [1, 2]}, "custom.b": null}));
    let r = req("GET", &s.url, "/api/v1/configs/namespace/nothing", Some(&a.admin), None).await;
    assert_eq!(r.body, "{}");
    let r = req("GET", &s.url, "/api/v1/configs/models", Some(&a.admin), None).await;
    assert_eq!(r.json()["DEFAULT_MODELS"], json!("m9"));

    // The other instance on the same database sees the import (NOTIFY; no periodic reload here).
    let b_admin = a.admin.clone();
    let start = Instant::now();
    loop {
        let r = req("GET", &b_srv.url, "/api/v1/configs/models", Some(&b_admin), None).await;
        if r.json()["DEFAULT_MODELS"] == json!("m9") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "the other instance never saw the import: {}", r.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // MFA policy keys go through the auth config's policy check (a human admin session here:
    // accepted, written with the rest).
    let r = req("POST", &s.url, "/api/v1/configs/import", Some(&a.admin), Some(r#"{"config":{"auth.mfa.enable":false,"custom.z":1}}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["auth.mfa.enable"].clone(), r.json()["custom.z"].clone()), (json!(false), json!(1)));
    // `oauth.*` is not persistent by default: the export shows the environment's values.
    assert_eq!(r.json()["oauth.scopes"], json!("openid email profile"));
}

/// A terminal server: `/api/v1/policies` is 404 (a plain terminal) unless `orchestrator`; every
/// request line and authorization header is recorded.
async fn fake_terminal(orchestrator: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let log = log.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = vec![0u8; 16384];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).to_string();
                let line = text.lines().next().unwrap_or_default().to_string();
                let auth = text.lines().find(|l| l.to_ascii_lowercase().starts_with("authorization:")).unwrap_or("").to_string();
                let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
                log.lock().unwrap().push(format!("{line} | {auth} | {body}"));
                let (status, ctype, out) = if line.starts_with("GET /api/v1/policies ") {
                    if orchestrator { ("200 OK", "application/json", "[]".to_string()) } else { ("404 Not Found", "text/plain", "no".into()) }
                } else if line.starts_with("GET /api/config ") {
                    ("200 OK", "application/json", "{}".into())
                } else if line.starts_with("GET /api/v1/policies/p1 ") {
                    ("200 OK", "application/json", r#"{"id":"p1","cpu":1}"#.into())
                } else if line.starts_with("PUT /api/v1/policies/p1/lifecycle ") {
                    ("200 OK", "application/json", body.clone())
                } else if line.starts_with("GET /api/v1/policies/p2 ") {
                    ("200 OK", "text/html", "<p>not json</p>".into())
                } else {
                    ("409 Conflict", "text/plain", "busy".into())
                };
                let answer = format!("HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{out}", out.len());
                let _ = sock.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn configs_terminal_server_proxies() {
    let s = TestServer::start_with(&[("ENABLE_LOCAL_WEB_FETCH", "true"), ("AIOHTTP_CLIENT_TIMEOUT", "5")]).await;
    let a = setup(&s.url).await;
    let (plain, seen) = fake_terminal(false).await;
    let (orch, _) = fake_terminal(true).await;
    let post = |path: &'static str, body: String| {
        let (url, token) = (s.url.clone(), a.admin.clone());
        async move { req("POST", &url, path, Some(&token), Some(&body)).await }
    };

    let r = req("POST", &s.url, "/api/v1/configs/terminal_servers/verify", Some(&a.user), Some(r#"{"url":"x"}"#)).await;
    assert_eq!(r.status, 401);

    // Verify: the type detected; the bearer key sent.
    let r = post("/api/v1/configs/terminal_servers/verify", json!({"url": format!("{plain}/"), "key": "k1"}).to_string()).await;
    assert_eq!(r.body, r#"{"status":true,"type":"terminal"}"#);
    assert!(seen.lock().unwrap().iter().all(|l| l.contains("Bearer k1")), "{:?}", seen.lock().unwrap());
    let r = post("/api/v1/configs/terminal_servers/verify", json!({"url": orch}).to_string()).await;
    assert_eq!(r.body, r#"{"status":true,"type":"orchestrator"}"#);
    let r = post("/api/v1/configs/terminal_servers/verify", json!({"url": "http://127.0.0.1:9"}).to_string()).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("Failed to connect to the terminal server")));
    let r = post("/api/v1/configs/terminal_servers/verify", json!({"url": "///"}).to_string()).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("Terminal server URL is required")));
    let r = post("/api/v1/configs/terminal_servers/verify", "{}".into()).await;
    assert_eq!((r.status, r.json()["detail"][0]["loc"].clone()), (422, json!(["body", "url"])));

    // Policy: read without data; a non-JSON answer is the route's 400; an error passed through.
    seen.lock().unwrap().clear();
    let r = post("/api/v1/configs/terminal_servers/policy", json!({"url": plain, "policy_id": "p1", "auth_type": "none", "key": "k"}).to_string()).await;
    assert_eq!(r.body, r#"{"id":"p1","cpu":1}"#);
    assert!(seen.lock().unwrap()[0].contains(" |  | "), "no bearer for auth_type none: {:?}", seen.lock().unwrap());
    let r = post("/api/v1/configs/terminal_servers/policy", json!({"url": plain, "policy_id": "p2"}).to_string()).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("Failed to access policy on terminal server")));
    let r = post("/api/v1/configs/terminal_servers/policy", json!({"url": plain, "policy_id": "p3", "policy_data": {"a": 1}}).to_string()).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (409, json!("busy")));
    let r = post("/api/v1/configs/terminal_servers/policy", json!({"url": plain}).to_string()).await;
    assert_eq!((r.status, r.json()["detail"][0]["loc"].clone()), (422, json!(["body", "policy_id"])));

    // Lifecycle: written with data (PUT, the data as the body).
    let r = post("/api/v1/configs/terminal_servers/lifecycle", json!({"url": plain, "policy_id": "p1", "lifecycle_data": {"idle": 5}}).to_string()).await;
    assert_eq!((r.status, r.body.as_str()), (200, r#"{"idle":5}"#));
    let r = post("/api/v1/configs/terminal_servers/lifecycle", json!({"url": "http://127.0.0.1:9", "policy_id": "p1"}).to_string()).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("Failed to access lifecycle on terminal server")));

    // Refresh: the body built from the form; the server's error passed through.
    seen.lock().unwrap().clear();
    let r = post("/api/v1/configs/terminal_servers/refresh", json!({"url": plain, "user_id": "u1", "key": "k2"}).to_string()).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (409, json!("busy")));
    let line = seen.lock().unwrap()[0].clone();
    assert!(line.starts_with("POST /api/v1/terminals/refresh ") && line.contains("Bearer k2"), "{line}");
    assert!(line.ends_with(r#"{"only_idle":true,"reset":false,"user_id":"u1"}"#), "{line}");
    let r = post("/api/v1/configs/terminal_servers/refresh", json!({"url": "http://127.0.0.1:9"}).to_string()).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("Failed to refresh terminals")));
}
