//! `GET /api/v1/models/export`: the workspace models an admin (all) or a permitted user (those
//! they may write) exports; `ids` exactly or 403; users without the permission refused.

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup};

async fn create(base: &str, token: &str, id: &str) -> Value {
    let body = json!({"id": id, "base_model_id": "base", "name": id, "meta": {"description": "d"}, "params": {"temperature": 0.5}});
    let r = req("POST", base, "/api/v1/models/create", Some(token), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn export_answers_the_writable_models_with_their_exact_ids() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let first = create(&s.url, &a.admin, "exp-a").await;
    create(&s.url, &a.admin, "exp-b").await;

    let r = req("GET", &s.url, "/api/v1/models/export", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let all = r.json();
    assert_eq!(all.as_array().unwrap().iter().map(|m| m["id"].clone()).collect::<Vec<_>>(), vec![json!("exp-a"), json!("exp-b")]);
    let mut expected = first.clone();
    expected.as_object_mut().unwrap().insert("background_image_data".into(), Value::Null);
    assert_eq!(all[0], expected);

    let r = req("GET", &s.url, "/api/v1/models/export?ids=exp-b", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json().as_array().map(Vec::len)), (200, Some(1)));
    assert_eq!(r.json()[0]["id"], "exp-b");
    let r = req("GET", &s.url, "/api/v1/models/export?ids=exp-b&ids=nope", Some(&a.admin), None).await;
    assert_eq!(r.status, 403);

    // A user without `workspace.models_export`: the route's own 401.
    let r = req("GET", &s.url, "/api/v1/models/export", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!("401 Unauthorized")));
}
