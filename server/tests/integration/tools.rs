//! `/api/v1/tools` and `/api/v1/functions`: the reads of rows the reference writes (inserted
//! here as it writes them): access filtering per user (owner, a user grant, a group grant, a
//! public grant, none), `write_access`, the source hidden from readers, the admin's view, and
//! the admin-only function routes.

use serde_json::Value;

use crate::common::*;
use crate::users::{req, setup, ACCESS_PROHIBITED};

const NOT_FOUND: &str = "We could not find what you're looking for :/";

async fn insert_tool(db: &tokio_postgres::Client, id: &str, owner: &str, updated_at: i64) {
    db.execute(
        "INSERT INTO tool (id, user_id, name, content, specs, meta, valves, updated_at, created_at, version_id)
         VALUES ($1, $2, $3, 'class Tools: pass', '[{\"name\": \"f\", \"parameters\": {}}]',
                 '{\"description\": \"d\", \"manifest\": {}, \"has_user_valves\": true, \"extra\": 1}', NULL, $4, 1, NULL)",
        &[&id, &owner, &format!("Tool {id}"), &updated_at],
    )
    .await
    .unwrap();
}

pub async fn grant(db: &tokio_postgres::Client, rtype: &str, rid: &str, ptype: &str, pid: &str, perm: &str) {
    db.execute(
        "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1)",
        &[&uuid::Uuid::new_v4().to_string(), &rtype, &rid, &ptype, &pid, &perm],
    )
    .await
    .unwrap();
}

fn ids(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn tools_are_filtered_by_access_grants() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let r = req("POST", &s.url, "/api/v1/groups/create", Some(&a.admin), Some(r#"{"name":"G","description":"d"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let gid = r.json()["id"].as_str().unwrap().to_string();
    let body = serde_json::json!({"user_ids": [a.user_id]}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/groups/id/{gid}/users/add"), Some(&a.admin), Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let db = s.db.client().await;
    // Carol's own, one shared with Bob for writing, one with Bob's group, one public, one private.
    insert_tool(&db, "carol_own", &a.other_id, 50).await;
    insert_tool(&db, "bob_write", &a.other_id, 40).await;
    insert_tool(&db, "group_read", &a.other_id, 30).await;
    insert_tool(&db, "public_read", &a.admin_id, 20).await;
    insert_tool(&db, "private", &a.admin_id, 10).await;
    grant(&db, "tool", "bob_write", "user", &a.user_id, "write").await;
    grant(&db, "tool", "bob_write", "user", &a.user_id, "read").await;
    grant(&db, "tool", "group_read", "group", &gid, "read").await;
    grant(&db, "tool", "public_read", "user", "*", "read").await;
    // A grant on a model of the same id is not a grant on the tool.
    grant(&db, "model", "private", "user", "*", "read").await;

    // Bob: the grants (newest change first); Carol: hers and the public one; the admin: all.
    let bob = req("GET", &s.url, "/api/v1/tools/", Some(&a.user), None).await;
    assert_eq!(bob.status, 200, "{}", bob.body);
    let bob = bob.json();
    assert_eq!(ids(&bob), ["bob_write", "group_read", "public_read"]);
    let t = &bob[0];
    assert_eq!(t["user"]["name"], "Carol");
    assert_eq!(t["content"], Value::Null);
    assert_eq!(t["has_user_valves"], true);
    assert_eq!(t["meta"]["extra"], 1);
    assert_eq!(t["access_grants"].as_array().unwrap().len(), 2);
    let keys: Vec<&String> = t.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["version_id", "id", "user_id", "name", "meta", "access_grants", "updated_at", "created_at", "user", "content", "specs", "has_user_valves"]
    );
    let carol = req("GET", &s.url, "/api/v1/tools/", Some(&a.other), None).await;
    assert_eq!(ids(&carol.json()), ["carol_own", "bob_write", "group_read", "public_read"]);
    let admin = req("GET", &s.url, "/api/v1/tools/", Some(&a.admin), None).await;
    assert_eq!(ids(&admin.json()), ["carol_own", "bob_write", "group_read", "public_read", "private"]);
    // The name filter (case-insensitive).
    let q = req("GET", &s.url, "/api/v1/tools/?query=TOOL%20GROUP", Some(&a.admin), None).await;
    assert_eq!(ids(&q.json()), ["group_read"]);

    // `/list`: write access for Bob on his write grant only.
    let list = req("GET", &s.url, "/api/v1/tools/list", Some(&a.user), None).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let w: Vec<bool> = list.json().as_array().unwrap().iter().map(|t| t["write_access"].as_bool().unwrap()).collect();
    assert_eq!(w, [true, false, false]);

    // By id: a reader gets no source, a writer does; no read access: 401; unknown: 404.
    let r = req("GET", &s.url, "/api/v1/tools/id/group_read", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json().get("content").is_none());
    assert_eq!(r.json()["write_access"], false);
    let r = req("GET", &s.url, "/api/v1/tools/id/bob_write", Some(&a.user), None).await;
    assert_eq!(r.json()["content"], "class Tools: pass");
    assert_eq!(r.json()["write_access"], true);
    let r = req("GET", &s.url, "/api/v1/tools/id/private", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (401, ACCESS_PROHIBITED));
    let r = req("GET", &s.url, "/api/v1/tools/id/carol_own", Some(&a.user), None).await;
    assert_eq!(r.status, 401);
    let r = req("GET", &s.url, "/api/v1/tools/id/nope", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (404, NOT_FOUND));
    let r = req("GET", &s.url, "/api/v1/tools/id/carol_own", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["write_access"].as_bool()), (200, Some(true)));

    // Export: the admin gets every tool with its source; a user without the permission: 401.
    let r = req("GET", &s.url, "/api/v1/tools/export", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json().as_array().unwrap().len(), 5);
    assert_eq!(r.json()[0]["content"], "class Tools: pass");
    let r = req("GET", &s.url, "/api/v1/tools/export", Some(&a.user), None).await;
    assert_eq!(r.status, 401, "{}", r.body);
}

#[tokio::test]
async fn admin_without_the_bypass_sees_only_granted_tools() {
    let s = TestServer::start_with(&[("BYPASS_ADMIN_ACCESS_CONTROL", "false")]).await;
    let a = setup(&s.url).await;
    let db = s.db.client().await;
    insert_tool(&db, "carols", &a.other_id, 2).await;
    insert_tool(&db, "admins", &a.admin_id, 1).await;
    let r = req("GET", &s.url, "/api/v1/tools/", Some(&a.admin), None).await;
    assert_eq!(ids(&r.json()), ["admins"]);
    // Reading one by id stays open to an admin, without write access.
    let r = req("GET", &s.url, "/api/v1/tools/id/carols", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["write_access"].as_bool()), (200, Some(false)));
    assert!(r.json().get("content").is_none());
}

#[tokio::test]
async fn functions_reads() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let db = s.db.client().await;
    for (id, kind, updated) in [("f_pipe", "pipe", 1i64), ("f_filter", "filter", 2)] {
        db.execute(
            "INSERT INTO function (id, user_id, name, type, content, meta, valves, is_active, is_global, updated_at, created_at)
             VALUES ($1, $2, $3, $4, 'class Pipe: pass', '{\"description\": \"d\", \"manifest\": {\"title\": \"T\"}}', '{\"k\": 1}', true, false, $5, 1)",
            &[&id, &a.admin_id, &format!("Fn {id}"), &kind, &updated],
        )
        .await
        .unwrap();
    }
    let r = req("GET", &s.url, "/api/v1/functions/", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let first = r.json();
    let keys: Vec<&String> = first[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["version_id", "id", "user_id", "type", "name", "meta", "is_active", "is_global", "updated_at", "created_at"]);
    let r = req("GET", &s.url, "/api/v1/functions/list", Some(&a.admin), None).await;
    assert_eq!(ids(&r.json()), ["f_filter", "f_pipe"]);
    assert_eq!(r.json()[0]["user"]["email"], "admin@example.com");
    let r = req("GET", &s.url, "/api/v1/functions/list", Some(&a.user), None).await;
    assert_eq!(r.status, 401);
    let r = req("GET", &s.url, "/api/v1/functions/export?include_valves=true", Some(&a.admin), None).await;
    assert_eq!(r.json()[0]["valves"]["k"], 1);
    let r = req("GET", &s.url, "/api/v1/functions/export", Some(&a.admin), None).await;
    assert!(r.json()[0].get("valves").is_none());
    let r = req("GET", &s.url, "/api/v1/functions/export?include_valves=maybe", Some(&a.admin), None).await;
    assert_eq!(r.status, 422);
    let r = req("GET", &s.url, "/api/v1/functions/id/f_pipe", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["content"].as_str()), (200, Some("class Pipe: pass")));
    let r = req("GET", &s.url, "/api/v1/functions/id/nope", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (401, NOT_FOUND));
    let r = req("GET", &s.url, "/api/v1/functions/id/f_pipe", Some(&a.user), None).await;
    assert_eq!(r.status, 401);
}
