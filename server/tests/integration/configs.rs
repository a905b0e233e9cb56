//! `/api/v1/configs`: role gates, each setting written as its `config` row (as the reference
//! stores it) and read back, the connections form's unsent field left alone, strict booleans of
//! the visibility form, and banner validation item by item.

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup, ACCESS_PROHIBITED};

async fn stored(s: &TestServer, key: &str) -> Option<Value> {
    let c = s.db.client().await;
    c.query_opt("SELECT value FROM config WHERE key = $1", &[&key]).await.unwrap().map(|r| r.get(0))
}

#[tokio::test]
async fn configs_role_gates_rows_and_validation() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;

    // Banners: every verified user reads them, only an admin writes them.
    let r = req("GET", &s.url, "/api/v1/configs/banners", Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "[]"));
    let r = req("GET", &s.url, "/api/v1/configs/banners", Some(&a.pending), None).await;
    assert_eq!(r.status, 401);
    let banner = r#"{"banners":[{"id":"b1","type":"info","content":"hi","dismissible":"yes","timestamp":"5"}]}"#;
    let r = req("POST", &s.url, "/api/v1/configs/banners", Some(&a.user), Some(banner)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
    let r = req("POST", &s.url, "/api/v1/configs/banners", Some(&a.admin), Some(banner)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let want = r#"[{"i18n":null,"id":"b1","type":"info","title":null,"content":"hi","dismissible":true,"timestamp":5}]"#;
    assert_eq!(r.body, want);
    assert_eq!(stored(&s, "ui.banners").await.unwrap().to_string(), want);
    let r = req("GET", &s.url, "/api/v1/configs/banners", Some(&a.user), None).await;
    assert_eq!(r.body, want);
    let r = req("POST", &s.url, "/api/v1/configs/banners", Some(&a.admin), Some(r#"{"banners":[{"id":1,"timestamp":1.5},7]}"#)).await;
    assert_eq!(r.status, 422);
    let errors: Vec<(Value, Value)> = r.json()["detail"].as_array().unwrap().iter().map(|e| (e["type"].clone(), e["loc"].clone())).collect();
    assert_eq!(
        errors,
        [
            (json!("string_type"), json!(["body", "banners", 0, "id"])),
            (json!("missing"), json!(["body", "banners", 0, "type"])),
            (json!("missing"), json!(["body", "banners", 0, "content"])),
            (json!("missing"), json!(["body", "banners", 0, "dismissible"])),
            (json!("int_from_float"), json!(["body", "banners", 0, "timestamp"])),
            (json!("model_attributes_type"), json!(["body", "banners", 1])),
        ]
    );

    // Admin-only reads.
    for path in ["models", "connections", "code_execution", "subagents"] {
        let r = req("GET", &s.url, &format!("/api/v1/configs/{path}"), Some(&a.user), None).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)), "{path}");
        let r = req("GET", &s.url, &format!("/api/v1/configs/{path}"), Some(&a.admin), None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    }

    // Models: every field stored, nulls included; the defaults route for any user.
    let body = r#"{"DEFAULT_MODELS":"m1","DEFAULT_PINNED_MODELS":null,"MODEL_ORDER_LIST":["m1"],"DEFAULT_MODEL_METADATA":{"a":1}}"#;
    let r = req("POST", &s.url, "/api/v1/configs/models", Some(&a.admin), Some(body)).await;
    assert_eq!(
        r.body,
        r#"{"DEFAULT_MODELS":"m1","DEFAULT_PINNED_MODELS":null,"MODEL_ORDER_LIST":["m1"],"DEFAULT_MODEL_METADATA":{"a":1},"DEFAULT_MODEL_PARAMS":null}"#
    );
    assert_eq!(stored(&s, "models.default_params").await, Some(Value::Null));
    assert_eq!(stored(&s, "ui.default_models").await, Some(json!("m1")));
    let r = req("GET", &s.url, "/api/v1/configs/models/defaults", Some(&a.user), None).await;
    assert_eq!(r.body, r#"{"DEFAULT_MODEL_METADATA":{"a":1}}"#);
    let r = req("POST", &s.url, "/api/v1/configs/models", Some(&a.admin), Some(r#"{"DEFAULT_MODELS":"m1"}"#)).await;
    assert_eq!(r.status, 422);

    // Connections: a field not sent is not changed.
    let r = req("POST", &s.url, "/api/v1/configs/connections", Some(&a.admin), Some(r#"{"ENABLE_DIRECT_CONNECTIONS":true,"ENABLE_DIRECT_INTEGRATIONS":true,"ENABLE_BASE_MODELS_CACHE":false}"#)).await;
    assert_eq!(r.body, r#"{"ENABLE_DIRECT_CONNECTIONS":true,"ENABLE_DIRECT_INTEGRATIONS":true,"ENABLE_BASE_MODELS_CACHE":false}"#);
    let r = req("POST", &s.url, "/api/v1/configs/connections", Some(&a.admin), Some(r#"{"ENABLE_DIRECT_CONNECTIONS":false,"ENABLE_BASE_MODELS_CACHE":true}"#)).await;
    assert_eq!(r.body, r#"{"ENABLE_DIRECT_CONNECTIONS":false,"ENABLE_DIRECT_INTEGRATIONS":true,"ENABLE_BASE_MODELS_CACHE":true}"#);
    assert_eq!(stored(&s, "direct.enable").await, Some(json!(false)));

    // Suggestions: null and no translations store null and {}.
    let r = req("POST", &s.url, "/api/v1/configs/suggestions", Some(&a.admin), Some(r#"{"suggestions":null}"#)).await;
    assert_eq!(r.body, r#"{"suggestions":null,"i18n":{}}"#);
    let r = req("POST", &s.url, "/api/v1/configs/suggestions", Some(&a.admin), Some(r#"{"suggestions":[{"title":["a"],"content":"b"}]}"#)).await;
    assert_eq!(r.body, r#"{"suggestions":[{"title":["a"],"content":"b"}],"i18n":{}}"#);

    // Sub-agents.
    let body = r#"{"ENABLE_SUBAGENTS":true,"SUBAGENTS_BACKGROUND_ENABLED":false,"SUBAGENTS_MAX_CONCURRENT":"5","SUBAGENTS_MAX_ASYNC":4,"SUBAGENTS_MAX_ITERATIONS":3,"SUBAGENTS_MAX_OUTPUT":10,"SUBAGENTS_SYSTEM_PROMPT":"x"}"#;
    let r = req("POST", &s.url, "/api/v1/configs/subagents", Some(&a.admin), Some(body)).await;
    assert_eq!(r.json()["SUBAGENTS_MAX_CONCURRENT"], json!(5));
    assert_eq!(stored(&s, "subagents.max_concurrent").await, Some(json!(5)));

    // Visibility: strict booleans, stored whole.
    let r = req("POST", &s.url, "/api/v1/configs/interface/visibility", Some(&a.admin), Some(r#"{"visibility":{"a":"true","b":1}}"#)).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"].as_array().unwrap().len(), 2);
    let r = req("POST", &s.url, "/api/v1/configs/interface/visibility", Some(&a.admin), Some(r#"{"visibility":{"b":false,"a":true}}"#)).await;
    assert_eq!(r.body, r#"{"visibility":{"b":false,"a":true}}"#);
    assert_eq!(stored(&s, "ui.visibility").await.unwrap().to_string(), r#"{"b":false,"a":true}"#);

    // Tool servers: each connection dumped (defaults filled in, other keys after), stored as
    // answered; nothing is fetched from the (unreachable) server.
    let body = r#"{"TOOL_SERVER_CONNECTIONS":[{"x":1,"url":"http://127.0.0.1:9","path":"p","auth_type":null,"key":null,"config":null}]}"#;
    let r = req("POST", &s.url, "/api/v1/configs/tool_servers", Some(&a.admin), Some(body)).await;
    let want = r#"[{"url":"http://127.0.0.1:9","path":"p","type":"openapi","auth_type":null,"forward_cookies":false,"headers":null,"key":null,"config":null,"info":null,"x":1}]"#;
    assert_eq!(r.body, format!(r#"{{"TOOL_SERVER_CONNECTIONS":{want}}}"#));
    assert_eq!(stored(&s, "tool_server.connections").await.unwrap().to_string(), want);
    let r = req("POST", &s.url, "/api/v1/configs/tool_servers", Some(&a.admin), Some(r#"{"TOOL_SERVER_CONNECTIONS":[{"url":"u"}]}"#)).await;
    let missing: Vec<Value> = r.json()["detail"].as_array().unwrap().iter().map(|e| e["loc"][3].clone()).collect();
    assert_eq!(missing, [json!("path"), json!("auth_type"), json!("key"), json!("config")]);

    // Terminal servers: `policy` and `lifecycle` are not stored.
    let r = req("POST", &s.url, "/api/v1/configs/terminal_servers", Some(&a.admin), Some(r#"{"TERMINAL_SERVER_CONNECTIONS":[{"url":"u","policy":{}}]}"#)).await;
    assert_eq!(r.json()["TERMINAL_SERVER_CONNECTIONS"][0].get("policy"), None);
    assert_eq!(r.json()["TERMINAL_SERVER_CONNECTIONS"][0]["enabled"], json!(true));
}
