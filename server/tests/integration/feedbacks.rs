//! `/api/v1/evaluations` feedback: the form as pydantic reads it (coercions, kept keys, 422s),
//! two users on one feedback (the other gets 404 everywhere, the admin reaches it), the lists'
//! pages (31 feedbacks: a full page of 30 and one past), the admin's filters, export and deletes.

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup};

async fn create(base: &str, token: &str, body: Value) -> Value {
    let r = req("POST", base, "/api/v1/evaluations/feedback", Some(token), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn feedback_two_users() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let body = json!({"type": "rating", "id": "mine", "user_id": "x", "version": 7,
        "data": {"zz": 1, "rating": true, "model_id": "m1", "details": {"rating": 5}}, "meta": {"chat_id": "c"}, "snapshot": {"x": 1}});
    let f = create(&s.url, &a.user, body).await;
    let id = f["id"].as_str().unwrap().to_string();
    assert_ne!(id, "mine");
    let keys: Vec<&String> = f.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "user_id", "version", "type", "data", "meta", "snapshot", "created_at", "updated_at"]);
    assert_eq!((f["user_id"].as_str(), f["version"].as_i64()), (Some(a.user_id.as_str()), Some(0)));
    let data = json!({"rating": 1, "model_id": "m1", "sibling_model_ids": null, "reason": null, "comment": null, "zz": 1, "details": {"rating": 5}});
    assert_eq!(f["data"].to_string(), data.to_string());
    assert_eq!(f["snapshot"].to_string(), r#"{"chat":null,"x":1}"#);
    let r = req("GET", &s.url, &format!("/api/v1/evaluations/feedback/{id}"), Some(&a.user), None).await;
    assert_eq!(r.body, f.to_string());

    // Another user: 404 on each of the one-feedback routes; nothing of it in their list.
    let not_found = json!({"detail": server::messages::NOT_FOUND});
    let upd = r#"{"type":"rating","data":{"rating":-1}}"#;
    for (m, b) in [("GET", None), ("POST", Some(upd)), ("DELETE", None)] {
        let r = req(m, &s.url, &format!("/api/v1/evaluations/feedback/{id}"), Some(&a.other), b).await;
        assert_eq!((r.status, r.json()), (404, not_found.clone()), "{m}");
    }
    let r = req("GET", &s.url, "/api/v1/evaluations/feedbacks/user", Some(&a.other), None).await;
    assert_eq!(r.json(), json!({"items": [], "total": 0}));
    let r = req("DELETE", &s.url, "/api/v1/evaluations/feedbacks", Some(&a.other), None).await;
    assert_eq!(r.body, "false");

    // The owner updates: data replaced, an empty meta leaves meta alone, the snapshot stays.
    let r = req("POST", &s.url, &format!("/api/v1/evaluations/feedback/{id}"), Some(&a.user), Some(r#"{"type":"x","data":{"rating":"-1"},"meta":{}}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let u = r.json();
    assert_eq!((u["type"].as_str(), u["data"]["rating"].as_str(), u["meta"].clone()), (Some("rating"), Some("-1"), json!({"chat_id": "c"})));
    assert_eq!(u["snapshot"], json!({"chat": null, "x": 1}));

    // The admin reaches it; the owner's list has it with the author.
    let r = req("GET", &s.url, &format!("/api/v1/evaluations/feedback/{id}"), Some(&a.admin), None).await;
    assert_eq!(r.status, 200);
    let r = req("GET", &s.url, "/api/v1/evaluations/feedbacks/user", Some(&a.user), None).await;
    let l = r.json();
    assert_eq!(l["total"], 1);
    let keys: Vec<&String> = l["items"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "user_id", "version", "type", "data", "meta", "created_at", "updated_at", "user"]);
    let ukeys: Vec<&String> = l["items"][0]["user"].as_object().unwrap().keys().collect();
    assert_eq!(ukeys, ["id", "name", "email", "role", "last_active_at", "updated_at", "created_at"]);

    // Unknown ids: 404; the owner deletes it, then it is gone.
    for (m, b) in [("GET", None), ("POST", Some(upd)), ("DELETE", None)] {
        let r = req(m, &s.url, "/api/v1/evaluations/feedback/nope", Some(&a.admin), b).await;
        assert_eq!(r.status, 404, "{m}");
    }
    let r = req("DELETE", &s.url, &format!("/api/v1/evaluations/feedback/{id}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("GET", &s.url, &format!("/api/v1/evaluations/feedback/{id}"), Some(&a.user), None).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn feedback_bad_bodies() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let cases = [
        (json!({}), json!([{"type": "missing", "loc": ["body", "type"], "msg": "Field required", "input": {}}])),
        (json!([]), json!([{"type": "model_attributes_type", "loc": ["body"], "msg": "Input should be a valid dictionary or object to extract fields from", "input": []}])),
        (
            json!({"type": "r", "data": {"rating": 1.5, "sibling_model_ids": ["a", 1]}}),
            json!([
                {"type": "string_type", "loc": ["body", "data", "rating", "str"], "msg": "Input should be a valid string", "input": 1.5},
                {"type": "int_from_float", "loc": ["body", "data", "rating", "int"], "msg": "Input should be a valid integer, got a number with a fractional part", "input": 1.5},
                {"type": "string_type", "loc": ["body", "data", "sibling_model_ids", 1], "msg": "Input should be a valid string", "input": 1},
            ]),
        ),
        (
            json!({"type": 1, "data": [], "meta": "x", "snapshot": {"chat": 3}}),
            json!([
                {"type": "string_type", "loc": ["body", "type"], "msg": "Input should be a valid string", "input": 1},
                {"type": "model_attributes_type", "loc": ["body", "data"], "msg": "Input should be a valid dictionary or object to extract fields from", "input": []},
                {"type": "dict_type", "loc": ["body", "meta"], "msg": "Input should be a valid dictionary", "input": "x"},
                {"type": "dict_type", "loc": ["body", "snapshot", "chat"], "msg": "Input should be a valid dictionary", "input": 3},
            ]),
        ),
    ];
    for (body, detail) in cases {
        let r = req("POST", &s.url, "/api/v1/evaluations/feedback", Some(&a.user), Some(&body.to_string())).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (422, detail), "{body}");
    }
    // A float without a fraction is an integer.
    let f = create(&s.url, &a.user, json!({"type": "r", "data": {"rating": 2.0}})).await;
    assert_eq!(f["data"]["rating"].to_string(), "2");
    let r = req("GET", &s.url, "/api/v1/evaluations/feedbacks/user?page=abc", Some(&a.user), None).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn feedback_admin_lists() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    for n in 0..31 {
        let (who, model) = if n % 2 == 0 { (&a.user, "beta") } else { (&a.other, "alpha") };
        create(&s.url, who, json!({"type": "rating", "data": {"rating": 1, "model_id": model}})).await;
    }
    create(&s.url, &a.admin, json!({"type": "rating", "data": {"rating": 1, "model_id": ""}})).await;
    for path in ["feedbacks/list", "feedbacks/all/ids", "feedbacks/all/export", "feedbacks/models"] {
        let r = req("GET", &s.url, &format!("/api/v1/evaluations/{path}"), Some(&a.user), None).await;
        assert_eq!(r.status, 401, "{path}");
    }
    let r = req("DELETE", &s.url, "/api/v1/evaluations/feedbacks/all", Some(&a.user), None).await;
    assert_eq!(r.status, 401);

    let get = |p: &str| {
        let path = format!("/api/v1/evaluations/{p}");
        let (url, admin) = (s.url.clone(), a.admin.clone());
        async move { req("GET", &url, &path, Some(&admin), None).await }
    };
    let l = get("feedbacks/list").await.json();
    assert_eq!((l["items"].as_array().unwrap().len(), l["total"].as_i64()), (30, Some(32)));
    let l = get("feedbacks/list?page=2").await.json();
    assert_eq!(l["items"].as_array().unwrap().len(), 2);
    let l = get("feedbacks/list?page=0").await.json();
    assert_eq!(l["items"].as_array().unwrap().len(), 30);
    let l = get("feedbacks/list?model_id=alpha&order_by=username&direction=asc").await.json();
    assert_eq!((l["items"].as_array().unwrap().len(), l["total"].as_i64()), (15, Some(15)));
    let l = get("feedbacks/list?order_by=model_id&direction=asc&page=2").await.json();
    assert_eq!(l["items"][1]["data"]["model_id"], "beta");
    assert_eq!(get("feedbacks/list?page=x").await.status, 422);
    let u = req("GET", &s.url, "/api/v1/evaluations/feedbacks/user?page=2", Some(&a.user), None).await.json();
    assert_eq!((u["items"].as_array().unwrap().len(), u["total"].as_i64()), (0, Some(16)));

    assert_eq!(get("feedbacks/models").await.json(), json!(["alpha", "beta"]));
    assert_eq!(get("feedbacks/all/ids").await.json().as_array().unwrap().len(), 32);
    assert_eq!(get("feedbacks/all/export").await.json().as_array().unwrap().len(), 32);
    assert_eq!(get("feedbacks/all/export?model_id=alpha").await.json().as_array().unwrap().len(), 15);

    let r = req("DELETE", &s.url, "/api/v1/evaluations/feedbacks", Some(&a.other), None).await;
    assert_eq!(r.body, "true");
    assert_eq!(get("feedbacks/models").await.json(), json!(["beta"]));
    let r = req("DELETE", &s.url, "/api/v1/evaluations/feedbacks/all", Some(&a.admin), None).await;
    assert_eq!(r.body, "true");
    let r = req("DELETE", &s.url, "/api/v1/evaluations/feedbacks/all", Some(&a.admin), None).await;
    assert_eq!(r.body, "false");
    assert_eq!(get("feedbacks/list").await.json(), json!({"items": [], "total": 0}));
}
