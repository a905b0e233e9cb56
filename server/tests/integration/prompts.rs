//! `/api/v1/prompts`: two users and an admin on one prompt (reader, writer, stranger), the
//! rows as the reference writes them (the first version, its snapshot with the grants), the
//! workspace page's pages (31 prompts: a full page, the last one, one past it), versions and
//! their diff, and bad input.

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup, ACCESS_PROHIBITED};

const NOT_FOUND: &str = "We could not find what you're looking for :/";

async fn create(base: &str, token: &str, body: Value) -> Value {
    let r = req("POST", base, "/api/v1/prompts/create", Some(token), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn prompts_owner_reader_writer_and_versions() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    // Users may not create prompts by default.
    let r = req("POST", &s.url, "/api/v1/prompts/create", Some(&a.user), Some(r#"{"command":"c","name":"n","content":"x"}"#)).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (401, "401 Unauthorized"));

    let p = create(
        &s.url,
        &a.admin,
        json!({"command": "sum", "name": "Sum", "content": "a\nb\nc", "tags": ["T"],
               "access_grants": [{"principal_type": "user", "principal_id": a.user_id, "permission": "read"},
                                 {"principal_type": "anyone", "principal_id": "*", "permission": "read"}]}),
    )
    .await;
    let id = p["id"].as_str().unwrap().to_string();
    let v1 = p["version_id"].as_str().unwrap().to_string();
    let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["id", "command", "user_id", "name", "content", "data", "meta", "tags", "is_active", "version_id", "created_at", "updated_at", "access_grants"]
    );
    // The `anyone` grant is dropped; the snapshot of the first version holds the grant written.
    assert_eq!(p["access_grants"].as_array().unwrap().len(), 1);
    let db = s.db.client().await;
    let row = db.query_one("SELECT snapshot, commit_message, parent_id FROM prompt_history WHERE id = $1", &[&v1]).await.unwrap();
    let snapshot: Value = row.get(0);
    let skeys: Vec<&String> = snapshot.as_object().unwrap().keys().collect();
    assert_eq!(skeys, ["name", "content", "command", "data", "meta", "tags", "access_grants"]);
    assert_eq!(snapshot["access_grants"][0]["principal_id"], a.user_id.as_str());
    assert_eq!((row.get::<_, Option<String>>(1).as_deref(), row.get::<_, Option<String>>(2)), (Some("Initial version"), None));

    // The same command: 400.
    let r = req("POST", &s.url, "/api/v1/prompts/create", Some(&a.admin), Some(r#"{"command":"sum","name":"n","content":"x"}"#)).await;
    assert_eq!(r.status, 400);

    // Bob reads it (no write access), Carol gets 404 as for an unknown id.
    let r = req("GET", &s.url, &format!("/api/v1/prompts/id/{id}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["write_access"].as_bool()), (200, Some(false)));
    assert_eq!(r.json()["user"], Value::Null);
    let r = req("GET", &s.url, &format!("/api/v1/prompts/id/{id}"), Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (404, NOT_FOUND));
    let r = req("GET", &s.url, "/api/v1/prompts/", Some(&a.other), None).await;
    assert_eq!(r.json(), json!([]));
    let r = req("GET", &s.url, "/api/v1/prompts/tags", Some(&a.user), None).await;
    assert_eq!(r.json(), json!(["T"]));

    // A reader may not write; Carol may not read the history.
    let body = json!({"command": "sum", "name": "Sum", "content": "a\nB\nc"}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/prompts/id/{id}/update"), Some(&a.user), Some(&body)).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (401, ACCESS_PROHIBITED));
    let r = req("GET", &s.url, &format!("/api/v1/prompts/id/{id}/history"), Some(&a.other), None).await;
    assert_eq!(r.status, 401);
    for path in ["toggle", "delete"] {
        let method = if path == "delete" { "DELETE" } else { "POST" };
        let r = req(method, &s.url, &format!("/api/v1/prompts/id/{id}/{path}"), Some(&a.other), None).await;
        assert_eq!(r.status, 401, "{path}");
    }

    // Sharing with Bob for writing; a grant to everyone is refused on update (403).
    let grants = json!({"access_grants": [
        {"principal_type": "user", "principal_id": a.user_id, "permission": "read"},
        {"principal_type": "user", "principal_id": a.user_id, "permission": "write"},
    ]})
    .to_string();
    let r = req("POST", &s.url, &format!("/api/v1/prompts/id/{id}/access/update"), Some(&a.admin), Some(&grants)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let anyone = r#"{"access_grants":[{"principal_type":"anyone","principal_id":"*","permission":"read"}]}"#;
    let r = req("POST", &s.url, &format!("/api/v1/prompts/id/{id}/access/update"), Some(&a.admin), Some(anyone)).await;
    assert_eq!(r.status, 403);
    // Bob (a writer now) cannot share: users lack sharing.prompts, so the grant is refused.
    let r = req("POST", &s.url, &format!("/api/v1/prompts/id/{id}/access/update"), Some(&a.user), Some(&grants)).await;
    assert_eq!(r.status, 403, "{}", r.body);

    // Bob updates: a new version, parented on the first; the diff between them. History is ordered by
    // `created_at` in seconds, as the reference orders it: the pause keeps the two versions apart.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = req("POST", &s.url, &format!("/api/v1/prompts/id/{id}/update"), Some(&a.user), Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v2 = r.json()["version_id"].as_str().unwrap().to_string();
    assert_ne!(v1, v2);
    let parent: Option<String> =
        db.query_one("SELECT parent_id FROM prompt_history WHERE id = $1", &[&v2]).await.unwrap().get(0);
    assert_eq!(parent.as_deref(), Some(v1.as_str()));
    let r = req("GET", &s.url, &format!("/api/v1/prompts/id/{id}/history/diff?from_id={v1}&to_id={v2}"), Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let expected: Vec<String> = vec![
        format!("--- v{}", &v1[..8]),
        format!("+++ v{}", &v2[..8]),
        "@@ -1,3 +1,3 @@".into(),
        " a".into(),
        "-b".into(),
        "+B".into(),
        " c".into(),
    ];
    assert_eq!(r.json()["content_diff"], json!(expected));
    assert_eq!((r.json()["line_endings_only"].as_bool(), r.json()["name_changed"].as_bool()), (Some(false), Some(false)));
    let r = req("GET", &s.url, &format!("/api/v1/prompts/id/{id}/history/diff?from_id={v1}"), Some(&a.user), None).await;
    assert_eq!(r.status, 422);
    // The history, newest first, with its authors; a negative page: 422.
    let r = req("GET", &s.url, &format!("/api/v1/prompts/id/{id}/history"), Some(&a.user), None).await;
    let history = r.json();
    let authors: Vec<&str> = history.as_array().unwrap().iter().map(|h| h["user"]["name"].as_str().unwrap()).collect();
    assert_eq!(authors, ["Bob", "Admin"]);
    let r = req("GET", &s.url, &format!("/api/v1/prompts/id/{id}/history?page=-1"), Some(&a.user), None).await;
    assert_eq!(r.status, 422);
    // The current version cannot be deleted; restoring the first brings its content back.
    let r = req("DELETE", &s.url, &format!("/api/v1/prompts/id/{id}/history/{v2}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (400, "Cannot delete the active production version"));
    let r = req("POST", &s.url, &format!("/api/v1/prompts/id/{id}/update/version"), Some(&a.user), Some(&json!({"version_id": v1}).to_string())).await;
    assert_eq!((r.status, r.json()["content"].as_str()), (200, Some("a\nb\nc")));
    let r = req("DELETE", &s.url, &format!("/api/v1/prompts/id/{id}/history/{v2}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));

    // Toggle off: gone from the chat input's list; delete: rows, history and grants gone.
    let r = req("POST", &s.url, &format!("/api/v1/prompts/id/{id}/toggle"), Some(&a.user), None).await;
    assert_eq!(r.json()["is_active"], false);
    let r = req("GET", &s.url, "/api/v1/prompts/", Some(&a.user), None).await;
    assert_eq!(r.json(), json!([]));
    let r = req("DELETE", &s.url, &format!("/api/v1/prompts/id/{id}/delete"), Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let n: i64 = db
        .query_one(
            "SELECT (SELECT count(*) FROM prompt_history WHERE prompt_id = $1) + (SELECT count(*) FROM access_grant WHERE resource_id = $1)",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn prompt_list_pages() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    // 31 prompts: a full page of 30, then one.
    for i in 0..31 {
        create(&s.url, &a.admin, json!({"command": format!("c{i:02}"), "name": format!("P{i:02}"), "content": "x"})).await;
    }
    let page = |n: &str| format!("/api/v1/prompts/list?order_by=name&direction=asc{n}");
    let r = req("GET", &s.url, &page(""), Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["items"].as_array().unwrap().len(), r.json()["total"].as_i64()), (30, Some(31)));
    assert_eq!(r.json()["items"][0]["name"], "P00");
    assert_eq!(r.json()["items"][0]["user"]["name"], "Admin");
    let r = req("GET", &s.url, &page("&page=2"), Some(&a.admin), None).await;
    let items = r.json();
    assert_eq!(items["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect::<Vec<_>>(), ["P30"]);
    let r = req("GET", &s.url, &page("&page=3"), Some(&a.admin), None).await;
    assert_eq!((r.json()["items"].as_array().unwrap().len(), r.json()["total"].as_i64()), (0, Some(31)));
    // Page 0 is page 1; a page that is not a number: 422.
    let r = req("GET", &s.url, &page("&page=0"), Some(&a.admin), None).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 30);
    let r = req("GET", &s.url, &page("&page=x"), Some(&a.admin), None).await;
    assert_eq!(r.status, 422);
    // Another user sees none of them; a search narrows the admin's.
    let r = req("GET", &s.url, "/api/v1/prompts/list", Some(&a.user), None).await;
    assert_eq!(r.json(), json!({"items": [], "total": 0}));
    let r = req("GET", &s.url, "/api/v1/prompts/list?query=p3", Some(&a.admin), None).await;
    assert_eq!(r.json()["total"], 1);
}
