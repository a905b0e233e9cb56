//! The OpenAI proxy: the merged list filtered per user, one connection's list (admin), the
//! deprecated passthrough (off: 403; on: the path and body sent to the connection serving the
//! body's model, an event stream passed through, a refusal passed on with its status), and the
//! model management of a connection whose provider has none.

use serde_json::{json, Value};

use crate::common::*;
use crate::ollama::{fake, Reply};
use crate::users::{req, setup, ACCESS_PROHIBITED};

fn models(ids: &[&str]) -> Value {
    json!({"object": "list", "data": ids.iter().map(|id| json!({"id": id, "object": "model", "owned_by": "x"})).collect::<Vec<_>>()})
}

async fn insert_model(s: &TestServer, id: &str, owner: &str, public: bool) {
    let db = s.db.client().await;
    db.execute(
        "INSERT INTO model (id, user_id, name, params, meta, is_active, updated_at, created_at) VALUES ($1, $2, $1, '{}', '{}', true, 1, 1)",
        &[&id, &owner],
    )
    .await
    .unwrap();
    if public {
        db.execute(
            "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at)
             VALUES ($1, 'model', $2, 'user', '*', 'read', 1)",
            &[&format!("{id}-g"), &id],
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn models_are_filtered_and_the_passthrough_is_off_by_default() {
    let (up, _) = fake(|_, path, _| match path {
        "/v1/models" => Reply::Json(200, models(&["pub", "priv"])),
        _ => Reply::Json(404, json!({"error": "no"})),
    })
    .await;
    let s = TestServer::start_with(&[("OPENAI_API_BASE_URL", &format!("{up}/v1")), ("OLLAMA_BASE_URL", "http://127.0.0.1:9"), ("MODELS_CACHE_TTL", "0")]).await;
    let a = setup(&s.url).await;
    insert_model(&s, "pub", &a.admin_id, true).await;
    insert_model(&s, "priv", &a.admin_id, false).await;
    let ids = |v: Value| v["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(req("GET", &s.url, "/openai/models", Some(&a.admin), None).await.json()), ["pub", "priv"]);
    assert_eq!(ids(req("GET", &s.url, "/openai/models", Some(&a.user), None).await.json()), ["pub"]);
    assert_eq!(ids(req("GET", &s.url, "/openai/models/0", Some(&a.admin), None).await.json()), ["pub", "priv"]);
    let r = req("GET", &s.url, "/openai/models/0", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));

    let r = req("POST", &s.url, "/openai/embeddings", Some(&a.admin), Some(r#"{"model":"pub"}"#)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    // Other methods of the literal routes reach the passthrough, as on the reference.
    assert_eq!(req("POST", &s.url, "/openai/models", Some(&a.admin), Some("{}")).await.status, 403);
    assert_eq!(req("GET", &s.url, "/openai/a/b/c", Some(&a.user), None).await.status, 403);

    let r = req("GET", &s.url, "/openai/models/0/catalog", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("Provider \"default\" does not support model management")));
    let r = req("GET", &s.url, "/openai/models/4/catalog", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!("Connection not found")));
}

#[tokio::test]
async fn the_passthrough_routes_by_model_and_streams_events() {
    let (one, seen_one) = fake(|_, path, _| match path {
        "/v1/models" => Reply::Json(200, models(&["a"])),
        _ => Reply::Json(429, json!({"error": {"message": "slow down"}})),
    })
    .await;
    let (two, seen_two) = fake(|_, path, _| match path {
        "/v1/models" => Reply::Json(200, models(&["b"])),
        "/v1/files/f1" => Reply::Json(200, json!({"id": "f1"})),
        _ => Reply::Events(vec![json!({"x": 1}), json!({"x": 2})]),
    })
    .await;
    let s = TestServer::start_with(&[
        ("OPENAI_API_BASE_URLS", &format!("{one}/v1;{two}/v1")),
        ("OPENAI_API_KEYS", "k1;k2"),
        ("OLLAMA_BASE_URL", "http://127.0.0.1:9"),
        ("ENABLE_OPENAI_API_PASSTHROUGH", "true"),
    ])
    .await;
    let a = setup(&s.url).await;
    // `b` is served by the second connection: the request goes there, path and body as sent.
    let r = req("POST", &s.url, "/openai/things/do", Some(&a.user), Some(r#"{"model":"b","n":1}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "data: {\"x\":1}\n\ndata: {\"x\":2}\n\n");
    let sent = seen_two.lock().unwrap().iter().find(|(_, p, _)| p == "/v1/things/do").cloned().expect("sent to the second");
    assert_eq!((sent.0.as_str(), sent.2.clone()), ("POST", json!({"model": "b", "n": 1})));
    // No model: the first connection; its refusal passed on with its status.
    let r = req("DELETE", &s.url, "/openai/files/f1", Some(&a.user), None).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json(), json!({"error": {"message": "slow down"}}));
    assert!(seen_one.lock().unwrap().iter().any(|(m, p, _)| m == "DELETE" && p == "/v1/files/f1"));
    // An encoded separator cannot walk out of the connection's base path.
    assert_eq!(req("GET", &s.url, "/openai/x/..%2F..%2Fsecret", Some(&a.user), None).await.status, 400);
}
