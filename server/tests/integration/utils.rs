//! `/api/v1/utils` (Gravatar URL, code execution when not runnable here, the SQLite-only database
//! download) and `GET /cache/{path}` (files under the data folder's cache, nothing outside it).

use serde_json::json;

use crate::common::*;
use crate::users::{req, setup, ACCESS_PROHIBITED};

#[tokio::test]
async fn utils_gravatar_code_and_db() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/v1/utils/gravatar?email=%20Someone@Example.COM%20", Some(&a.user), None).await;
    let want = format!(r#""https://www.gravatar.com/avatar/{}?d=mp""#, sha256_hex("someone@example.com"));
    assert_eq!(r.body, want);
    let r = req("GET", &s.url, "/api/v1/utils/gravatar", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"][0]["loc"].clone()), (422, json!(["query", "email"])));
    let r = req("GET", &s.url, "/api/v1/utils/gravatar?email=x", Some(&a.pending), None).await;
    assert_eq!(r.status, 401);

    // Code execution: the default engine runs in the browser (400); off: 403; no code: 422.
    let r = req("POST", &s.url, "/api/v1/utils/code/execute", Some(&a.user), Some(r#"{"code":"print(1)"}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("[ERROR: Code execution engine not supported]")));
    let r = req("POST", &s.url, "/api/v1/utils/code/execute", Some(&a.user), Some("{}")).await;
    assert_eq!(r.status, 422);
    let body = r#"{"ENABLE_CODE_EXECUTION":false,"CODE_EXECUTION_ENGINE":"pyodide","CODE_EXECUTION_JUPYTER_URL":null,"CODE_EXECUTION_JUPYTER_AUTH":null,"CODE_EXECUTION_JUPYTER_AUTH_TOKEN":null,"CODE_EXECUTION_JUPYTER_AUTH_PASSWORD":null,"CODE_EXECUTION_JUPYTER_TIMEOUT":null,"ENABLE_CODE_INTERPRETER":true,"CODE_INTERPRETER_ENGINE":"pyodide","CODE_INTERPRETER_PROMPT_TEMPLATE":null,"CODE_INTERPRETER_JUPYTER_URL":null,"CODE_INTERPRETER_JUPYTER_AUTH":null,"CODE_INTERPRETER_JUPYTER_AUTH_TOKEN":null,"CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD":null,"CODE_INTERPRETER_JUPYTER_TIMEOUT":null}"#;
    let r = req("POST", &s.url, "/api/v1/configs/code_execution", Some(&a.admin), Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = req("POST", &s.url, "/api/v1/utils/code/execute", Some(&a.user), Some(r#"{"code":"print(1)"}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (403, json!("Code execution is disabled")));

    // The database download: admin only, and never SQLite here.
    let r = req("GET", &s.url, "/api/v1/utils/db/download", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
    let r = req("GET", &s.url, "/api/v1/utils/db/download", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("This feature is only available with SQLite databases.")));
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

#[tokio::test]
async fn utils_cache_files_and_traversal() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let cache = s.data_dir.path().join("cache");
    std::fs::create_dir_all(cache.join("img")).unwrap();
    std::fs::write(cache.join("img/a.png"), b"\x89PNG").unwrap();
    std::fs::write(cache.join("page.html"), b"<script>x</script>").unwrap();
    std::fs::write(s.data_dir.path().join("secret.txt"), b"secret").unwrap();
    std::fs::create_dir_all(s.data_dir.path().join("cache_backup")).unwrap();
    std::fs::write(s.data_dir.path().join("cache_backup/b.txt"), b"b").unwrap();

    let r = req("GET", &s.url, "/cache/img/a.png", Some(&a.user), None).await;
    assert_eq!((r.status, r.headers["content-type"].to_str().unwrap()), (200, "image/png"));
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(r.headers.get("content-disposition").is_none());
    // Anything not image, audio or video is an attachment.
    let r = req("GET", &s.url, "/cache/page.html", Some(&a.user), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-disposition"], r#"attachment; filename="page.html""#);
    let r = req("GET", &s.url, "/cache/img/a.png", None, None).await;
    assert_eq!(r.status, 401);
    // Outside the folder (encoded slashes and dots; a sibling sharing its name's start), a
    // folder, a missing file: 404.
    for path in ["/cache/..%2Fsecret.txt", "/cache/..%2F..%2Fetc%2Fpasswd", "/cache/..%2Fcache_backup%2Fb.txt", "/cache/img", "/cache/nope.png", "/cache/%2Fetc%2Fpasswd"] {
        let r = req("GET", &s.url, path, Some(&a.user), None).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (404, json!("File not found")), "{path}: {}", r.body);
    }
    // A `..` segment the client resolves before sending never reaches the route.
    let r = req("GET", &s.url, "/cache/%2E%2E/secret.txt", Some(&a.user), None).await;
    assert!(r.status == 404 && !r.body.contains("secret"), "{}", r.body);
}

#[tokio::test]
async fn utils_admin_analytics_off_unmounts_analytics() {
    let s = TestServer::start_with(&[("ENABLE_ADMIN_ANALYTICS", "false")]).await;
    let a = setup(&s.url).await;
    // As any path no route serves (the reference does not mount the router).
    let unknown = req("GET", &s.url, "/api/v1/no-such-route", Some(&a.admin), None).await;
    let r = req("GET", &s.url, "/api/v1/analytics/summary", Some(&a.admin), None).await;
    assert_eq!((r.status, &r.body), (unknown.status, &unknown.body));
    let r = req("GET", &s.url, "/api/config", Some(&a.admin), None).await;
    assert_eq!(r.json()["features"]["enable_admin_analytics"], json!(false));
    let on = TestServer::start().await;
    let b = setup(&on.url).await;
    let r = req("GET", &on.url, "/api/v1/analytics/summary", Some(&b.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}
