//! `/api/v1/groups`: role gates, create/update/delete with the hierarchy, members, sharing
//! filters, permissions through groups, and bodies compared with the Python reference.

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{mask_activity, req, setup, Accounts, ACCESS_PROHIBITED};

const NOT_FOUND: &str = "We could not find what you're looking for :/";

async fn create(base: &str, a: &Accounts, body: Value) -> Value {
    let r = req("POST", base, "/api/v1/groups/create", Some(&a.admin), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn role_gates_of_every_groups_route() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let g = create(&s.url, &a, json!({"name": "G", "description": "d"})).await;
    let id = g["id"].as_str().unwrap();
    let body = r#"{"name":"G","description":"d"}"#;
    let ids = r#"{"user_ids":[]}"#;
    let routes: Vec<(&str, String, Option<&str>, bool)> = vec![
        ("GET", "/api/v1/groups/".into(), None, true),
        ("POST", "/api/v1/groups/create".into(), Some(body), false),
        ("GET", format!("/api/v1/groups/id/{id}"), None, false),
        ("GET", format!("/api/v1/groups/id/{id}/info"), None, true),
        ("GET", format!("/api/v1/groups/id/{id}/export"), None, false),
        ("POST", format!("/api/v1/groups/id/{id}/users"), None, false),
        ("POST", format!("/api/v1/groups/id/{id}/update"), Some(body), false),
        ("POST", format!("/api/v1/groups/id/{id}/users/add"), Some(ids), false),
        ("POST", format!("/api/v1/groups/id/{id}/users/remove"), Some(ids), false),
        ("GET", format!("/api/v1/groups/id/{id}/preview"), None, false),
        ("GET", format!("/api/v1/groups/id/{id}/members"), None, false),
        ("DELETE", format!("/api/v1/groups/id/{id}/delete"), None, false),
    ];
    for (method, path, body, user_ok) in &routes {
        let r = req(method, &s.url, path, None, *body).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (401, json!("Not authenticated")), "{method} {path} anonymous");
        let r = req(method, &s.url, path, Some(&a.pending), *body).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)), "{method} {path} pending");
        let r = req(method, &s.url, path, Some(&a.user), *body).await;
        if *user_ok {
            assert_eq!(r.status, 200, "{method} {path} as user: {}", r.body);
        } else {
            assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)), "{method} {path} as user");
        }
    }
    // The group still exists (the user's delete was refused); the admin's works.
    let r = req("DELETE", &s.url, &format!("/api/v1/groups/id/{id}/delete"), Some(&a.admin), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
}

#[tokio::test]
async fn groups_hierarchy_members_and_permissions() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let parent = create(&s.url, &a, json!({"name": "Parent", "description": "p", "permissions": {"workspace": {"models": true}}})).await;
    assert_eq!(parent["data"], json!({"config": {"share": "members"}}));
    assert_eq!(parent["member_count"], json!(0));
    let pid = parent["id"].as_str().unwrap().to_string();
    let child = create(
        &s.url,
        &a,
        json!({"name": "Child", "description": "c", "parent_group_id": pid, "data": {"config": {"default_models": [" m ", "m", "n"]}}}),
    )
    .await;
    assert_eq!(child["data"], json!({"config": {"default_models": ["m", "n"], "share": "members"}}));
    let cid = child["id"].as_str().unwrap().to_string();

    // Validation and hierarchy errors.
    let r = req("POST", &s.url, "/api/v1/groups/create", Some(&a.admin), Some(r#"{"name":"x"}"#)).await;
    assert_eq!((r.status, r.json()["detail"][0]["loc"].clone()), (422, json!(["body", "description"])));
    let r = req("POST", &s.url, "/api/v1/groups/create", Some(&a.admin), Some(r#"{"name":"x","description":"y","parent_group_id":"nope"}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!("Parent group not found.")));
    let r = req("POST", &s.url, "/api/v1/groups/create", Some(&a.admin), Some(r#"{"name":"x","description":"y","parent_group_id":""}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("Parent group must be a group ID or null.")));
    let cycle = json!({"name": "Parent", "description": "p", "parent_group_id": cid}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/groups/id/{pid}/update"), Some(&a.admin), Some(&cycle)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("A group cannot be its own parent or a descendant of itself.")));
    let r = req("POST", &s.url, "/api/v1/groups/id/nope/update", Some(&a.admin), Some(r#"{"name":"x","description":"y"}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!("Group not found.")));
    let r = req("GET", &s.url, "/api/v1/groups/id/nope", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!(NOT_FOUND)));

    // Members: only existing users are added; the child's member inherits the parent.
    let body = json!({"user_ids": [a.user_id, "ghost"]}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/groups/id/{cid}/users/add"), Some(&a.admin), Some(&body)).await;
    assert_eq!((r.status, r.json()["member_count"].clone()), (200, json!(1)), "{}", r.body);
    let body = json!({"user_ids": [a.other_id]}).to_string();
    req("POST", &s.url, &format!("/api/v1/groups/id/{pid}/users/add"), Some(&a.admin), Some(&body)).await;
    let r = req("GET", &s.url, &format!("/api/v1/groups/id/{pid}/members"), Some(&a.admin), None).await;
    let v = r.json();
    assert_eq!(v["counts"], json!({"direct": 1, "effective": 2, "inherited": 1}), "{v}");
    assert_eq!(v["items"][0]["name"], json!("Bob"));
    assert_eq!(v["items"][0]["membership_type"], json!("inherited"));
    assert_eq!(v["items"][0]["via_group_ids"], json!([cid]));
    let r = req("GET", &s.url, &format!("/api/v1/groups/id/{pid}/members?membership=direct&query=car"), Some(&a.admin), None).await;
    assert_eq!(r.json()["total"], json!(1));
    let r = req("GET", &s.url, &format!("/api/v1/groups/id/{pid}/members?membership=x&page=0"), Some(&a.admin), None).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"].as_array().unwrap().len(), 2);
    let r = req("GET", &s.url, "/api/v1/groups/id/nope/members", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!("Group not found.")));
    // A page whose OFFSET leaves int64 (the reference's driver refuses it: a 500): an empty page.
    let r = req("GET", &s.url, &format!("/api/v1/groups/id/{pid}/members?page=9223372036854775807"), Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["items"].clone()), (200, json!([])));
    let r = req("GET", &s.url, &format!("/api/v1/groups/id/{pid}/members?page=307445734561825861"), Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["items"].clone()), (200, json!([])));

    // The user sees the groups they are in (inherited too), not the others'.
    let r = req("GET", &s.url, "/api/v1/groups/", Some(&a.user), None).await;
    let names: Vec<String> = r.json().as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let r = req("GET", &s.url, "/api/v1/groups/", Some(&a.other), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = req("GET", &s.url, "/api/v1/groups/?share=false", Some(&a.user), None).await;
    assert_eq!(r.body, "[]");
    let r = req("GET", &s.url, "/api/v1/groups/?share=maybe", Some(&a.user), None).await;
    assert_eq!(r.status, 422);
    // And gets the parent's permission through the child.
    let r = req("GET", &s.url, "/api/v1/users/permissions", Some(&a.user), None).await;
    assert_eq!(r.json()["workspace"]["models"], json!(true));
    let r = req("GET", &s.url, &format!("/api/v1/users/{}/groups?include_inherited=true", a.user_id), Some(&a.admin), None).await;
    let types: Vec<Value> = r.json().as_array().unwrap().iter().map(|g| g["membership_type"].clone()).collect();
    assert_eq!(types.len(), 2);
    assert!(types.contains(&json!("inherited")) && types.contains(&json!("direct")));

    // Export and the member list.
    let r = req("GET", &s.url, &format!("/api/v1/groups/id/{cid}/export"), Some(&a.admin), None).await;
    assert_eq!(r.json()["user_ids"], json!([a.user_id]));
    let r = req("POST", &s.url, &format!("/api/v1/groups/id/{cid}/users"), Some(&a.admin), None).await;
    assert_eq!(r.json()[0]["id"], json!(a.user_id));

    // Update merges `data`; preview shows the inherited permissions and default models.
    let r = req(
        "POST",
        &s.url,
        &format!("/api/v1/groups/id/{cid}/update"),
        Some(&a.admin),
        Some(r#"{"name":"Child2","description":"c","data":{"x":1,"config":{"share":false}}}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"], json!({"config": {"default_models": ["m", "n"], "share": false}, "x": 1}));
    assert_eq!(r.json()["parent_group_id"], json!(pid));
    let r = req("GET", &s.url, &format!("/api/v1/groups/id/{cid}/preview"), Some(&a.admin), None).await;
    let v = r.json();
    assert_eq!(v["inherited_permissions"]["workspace"]["models"], json!(true));
    assert_eq!(v["default_models"], json!({"local": ["m", "n"], "effective": ["m", "n"], "source_group_id": cid}));

    // Remove, then delete the parent: the child moves up.
    let body = json!({"user_ids": [a.user_id]}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/groups/id/{cid}/users/remove"), Some(&a.admin), Some(&body)).await;
    assert_eq!(r.json()["member_count"], json!(0));
    let r = req("DELETE", &s.url, &format!("/api/v1/groups/id/{pid}/delete"), Some(&a.admin), None).await;
    assert_eq!(r.body, "true");
    let r = req("GET", &s.url, &format!("/api/v1/groups/id/{cid}/info"), Some(&a.user), None).await;
    assert_eq!(r.json()["parent_group_id"], Value::Null);
    let r = req("DELETE", &s.url, &format!("/api/v1/groups/id/{pid}/delete"), Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!("Group not found.")));
}

/// Same bodies from both servers on one database (groups made through the reference).
#[tokio::test]
async fn groups_bodies_match_the_reference() {
    let Some((reference, s)) = shared_backends().await else { return };
    let a = setup(&reference.url).await;
    let p = create(&reference.url, &a, json!({"name": "P", "description": "p", "permissions": {"chat": {"edit": false}}})).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let c = create(&reference.url, &a, json!({"name": "C", "description": "c", "parent_group_id": pid, "data": {"config": {"default_models": ["a"]}}})).await;
    let cid = c["id"].as_str().unwrap().to_string();
    let body = json!({"user_ids": [a.user_id]}).to_string();
    let r = req("POST", &reference.url, &format!("/api/v1/groups/id/{cid}/users/add"), Some(&a.admin), Some(&body)).await;
    assert_eq!(r.status, 200);
    // Resources for the previews: owned, granted to the parent group, to everyone, inactive.
    let c = s.db.client().await;
    for (id, owner, active) in [("m1", &a.admin_id, true), ("m2", &a.user_id, true), ("m3", &a.admin_id, false), ("m4", &a.admin_id, true)] {
        c.execute(
            "INSERT INTO model (id, user_id, base_model_id, name, params, meta, updated_at, created_at, is_active)
             VALUES ($1, $2, 'base', $1, '{}', '{}', 1, 1, $3)",
            &[&id, owner, &active],
        )
        .await
        .unwrap();
    }
    c.execute(
        "INSERT INTO knowledge (id, user_id, name, description, meta, created_at, updated_at, data) VALUES ('k1', $1, 'K', '', '{}', 1, 1, '{}')",
        &[&a.admin_id],
    )
    .await
    .unwrap();
    c.execute(
        "INSERT INTO tool (id, user_id, name, content, specs, meta, valves, updated_at, created_at) VALUES ('t1', $1, 'T', '', '[]', '{}', '{}', 1, 1)",
        &[&a.admin_id],
    )
    .await
    .unwrap();
    for (rt, rid, pt, pid) in [("model", "m1", "group", pid.as_str()), ("model", "m3", "group", pid.as_str()), ("knowledge", "k1", "user", "*")] {
        c.execute(
            "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at) VALUES ($1, $2, $3, $4, $5, 'read', 1)",
            &[&format!("{rt}-{rid}"), &rt, &rid, &pt, &pid],
        )
        .await
        .unwrap();
    }
    drop(c);
    let cases: Vec<(&str, String, Option<String>, &str)> = vec![
        ("GET", format!("/api/v1/users/{}/preview", a.user_id), None, &a.admin),
        ("GET", format!("/api/v1/groups/id/{pid}/preview"), None, &a.admin),
        ("GET", "/api/v1/groups/".into(), None, &a.admin),
        ("GET", "/api/v1/groups/".into(), None, &a.user),
        ("GET", "/api/v1/groups/?share=true".into(), None, &a.other),
        ("GET", format!("/api/v1/groups/id/{pid}"), None, &a.admin),
        ("GET", format!("/api/v1/groups/id/{cid}/info"), None, &a.user),
        ("GET", format!("/api/v1/groups/id/{cid}/export"), None, &a.admin),
        ("POST", format!("/api/v1/groups/id/{cid}/users"), None, &a.admin),
        ("GET", format!("/api/v1/groups/id/{pid}/members"), None, &a.admin),
        ("GET", format!("/api/v1/groups/id/{pid}/members?membership=x&page=0"), None, &a.admin),
        ("GET", format!("/api/v1/groups/id/{cid}/preview"), None, &a.admin),
        ("GET", "/api/v1/groups/id/nope".into(), None, &a.admin),
        ("GET", "/api/v1/groups/id/nope/members".into(), None, &a.admin),
        ("POST", "/api/v1/groups/create".into(), Some(r#"{"name":1}"#.into()), &a.admin),
        ("POST", "/api/v1/groups/create".into(), Some(r#"{"name":"x","description":"y","data":{"config":{"default_models":[1]}}}"#.into()), &a.admin),
        ("POST", "/api/v1/groups/create".into(), Some(r#"{"name":"x","description":"y","parent_group_id":"nope"}"#.into()), &a.admin),
        ("POST", format!("/api/v1/groups/id/{pid}/update"), Some(json!({"name": "P", "description": "p", "parent_group_id": cid}).to_string()), &a.admin),
        ("POST", "/api/v1/groups/id/nope/users/add".into(), Some("{}".into()), &a.admin),
        ("DELETE", "/api/v1/groups/id/nope/delete".into(), None, &a.admin),
        ("GET", format!("/api/v1/users/{}/groups?include_inherited=true", a.user_id), None, &a.admin),
        ("GET", "/api/v1/users/permissions".into(), None, &a.user),
    ];
    for (method, path, body, token) in &cases {
        let theirs = req(method, &reference.url, path, Some(token), body.as_deref()).await;
        let ours = req(method, &s.url, path, Some(token), body.as_deref()).await;
        assert_eq!((ours.status, mask_activity(&ours.body)), (theirs.status, mask_activity(&theirs.body)), "{method} {path}");
    }
    reference.stop();
}
