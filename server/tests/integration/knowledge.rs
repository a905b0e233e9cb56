//! `/api/v1/knowledge`: two users on one base (stranger, reader, writer), creation gated by
//! `workspace.knowledge`, the list's pages (31 bases: a full page of 30 and one past), the
//! file lists (rows written as the reference writes them), reset, delete, export and bad input.

use serde_json::{json, Value};

use crate::common::*;
use crate::tools::grant;
use crate::users::{req, setup};

fn ids<'a>(v: &'a Value, at: &str) -> Vec<&'a str> {
    v.pointer(at).unwrap().as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect()
}

const PERMS: [(&str, &str); 2] = [("USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ACCESS", "true"), ("USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ALLOW_SHARING", "true")];

async fn create(base: &str, token: &str, body: Value) -> Value {
    let r = req("POST", base, "/api/v1/knowledge/create", Some(token), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn knowledge_owner_reader_writer() {
    let s = TestServer::start_with(&PERMS).await;
    let a = setup(&s.url).await;
    let k = create(&s.url, &a.user, json!({"name": "Tea", "description": "about tea"})).await;
    let id = k["id"].as_str().unwrap().to_string();
    let keys: Vec<&String> = k.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "user_id", "name", "description", "meta", "access_grants", "created_at", "updated_at", "files"]);
    assert_eq!((&k["meta"], &k["files"], &k["access_grants"]), (&Value::Null, &Value::Null, &json!([])));

    // Carol: 401 on a read, 400 on the writes, nothing in her list.
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}"), Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (401, server::messages::ACCESS_PROHIBITED));
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/files"), Some(&a.other), None).await;
    assert_eq!(r.status, 400);
    let r = req("POST", &s.url, &format!("/api/v1/knowledge/{id}/update"), Some(&a.other), Some(r#"{"name":"x","description":"y"}"#)).await;
    assert_eq!(r.status, 400);
    let r = req("DELETE", &s.url, &format!("/api/v1/knowledge/{id}/delete"), Some(&a.other), None).await;
    assert_eq!(r.status, 400);
    let r = req("POST", &s.url, &format!("/api/v1/knowledge/{id}/reset"), Some(&a.other), None).await;
    assert_eq!(r.status, 400);
    let r = req("GET", &s.url, "/api/v1/knowledge/", Some(&a.other), None).await;
    assert_eq!(r.json(), json!({"items": [], "total": 0}));

    // Shared with Carol for reading: she reads it, cannot write it.
    let grants = json!({"access_grants": [{"principal_type": "user", "principal_id": a.other_id, "permission": "read"}]}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/knowledge/{id}/access/update"), Some(&a.other), Some(&grants)).await;
    assert_eq!(r.status, 400);
    let r = req("POST", &s.url, &format!("/api/v1/knowledge/{id}/access/update"), Some(&a.user), Some(&grants)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["files"].clone(), r.json()["write_access"].clone()), (json!([]), json!(false)));
    assert_eq!(r.json()["access_grants"][0]["principal_id"], a.other_id);
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}"), Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["write_access"].as_bool(), r.json()["files"].clone()), (200, Some(false), Value::Null));
    let r = req("GET", &s.url, "/api/v1/knowledge/", Some(&a.other), None).await;
    assert_eq!((r.json()["total"].as_i64(), r.json()["items"][0]["write_access"].as_bool()), (Some(1), Some(false)));
    let r = req("POST", &s.url, &format!("/api/v1/knowledge/{id}/update"), Some(&a.other), Some(r#"{"name":"x","description":"y"}"#)).await;
    assert_eq!(r.status, 400);

    // A write grant: she renames it (the answer's write_access is false, as the reference's).
    let db = s.db.client().await;
    grant(&db, "knowledge", &id, "user", &a.other_id, "write").await;
    let r = req("POST", &s.url, &format!("/api/v1/knowledge/{id}/update"), Some(&a.other), Some(r#"{"name":"Green tea","description":"y"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["name"].as_str(), r.json()["write_access"].as_bool()), (Some("Green tea"), Some(false)));
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}"), Some(&a.other), None).await;
    assert_eq!(r.json()["write_access"], true);

    // The admin reads everything; unknown ids: 404 on a read, 400 on the writes.
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}"), Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["write_access"].as_bool()), (200, Some(true)));
    let r = req("GET", &s.url, "/api/v1/knowledge/nope", Some(&a.user), None).await;
    assert_eq!(r.status, 404);
    let r = req("POST", &s.url, "/api/v1/knowledge/nope/update", Some(&a.user), Some(r#"{"name":"x","description":"y"}"#)).await;
    assert_eq!(r.status, 400);
    let r = req("POST", &s.url, "/api/v1/knowledge/nope/access/update", Some(&a.user), Some(r#"{"access_grants":[]}"#)).await;
    assert_eq!(r.status, 404);

    // Bad bodies: FastAPI's 422.
    let r = req("POST", &s.url, "/api/v1/knowledge/create", Some(&a.user), Some(r#"{"name":"x"}"#)).await;
    assert_eq!((r.status, r.json()["detail"][0]["loc"].clone()), (422, json!(["body", "description"])));
    let r = req("GET", &s.url, "/api/v1/knowledge/?page=x", Some(&a.user), None).await;
    assert_eq!(r.status, 422);

    // Deleted: gone for everyone, its grants too.
    let r = req("DELETE", &s.url, &format!("/api/v1/knowledge/{id}/delete"), Some(&a.other), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let n: i64 = db.query_one("SELECT count(*) FROM access_grant WHERE resource_id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(n, 0);
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}"), Some(&a.user), None).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn knowledge_create_needs_the_permission() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let r = req("POST", &s.url, "/api/v1/knowledge/create", Some(&a.user), Some(r#"{"name":"x","description":""}"#)).await;
    assert_eq!(r.status, 401);
    // Without sharing permission the grants asked are dropped.
    let k = create(
        &s.url,
        &a.admin,
        json!({"name": "x", "description": "", "access_grants": [{"principal_type": "user", "principal_id": "*", "permission": "read"}]}),
    )
    .await;
    assert_eq!(k["access_grants"][0]["principal_id"], "*");
    let r = req("GET", &s.url, "/api/v1/knowledge/", Some(&a.user), None).await;
    assert_eq!(r.json()["total"], 1);
}

#[tokio::test]
async fn knowledge_list_pages_at_thirty() {
    let s = TestServer::start_with(&PERMS).await;
    let a = setup(&s.url).await;
    let db = s.db.client().await;
    for i in 0..31_i64 {
        db.execute(
            "INSERT INTO knowledge (id, user_id, name, description, created_at, updated_at) VALUES ($1, $2, $3, '', 1, $4)",
            &[&format!("k{i:02}"), &a.user_id, &format!("K{i}"), &(100 + i)],
        )
        .await
        .unwrap();
    }
    let r = req("GET", &s.url, "/api/v1/knowledge/", Some(&a.user), None).await;
    let v = r.json();
    assert_eq!((v["items"].as_array().unwrap().len(), v["total"].as_i64(), v["items"][0]["id"].as_str()), (30, Some(31), Some("k30")));
    let r = req("GET", &s.url, "/api/v1/knowledge/?page=2", Some(&a.user), None).await;
    assert_eq!(ids(&r.json(), "/items"), ["k00"]);
    let r = req("GET", &s.url, "/api/v1/knowledge/?page=0", Some(&a.user), None).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 30);
    let r = req("GET", &s.url, "/api/v1/knowledge/?page=3", Some(&a.user), None).await;
    assert_eq!(r.json()["items"], json!([]));
}

#[tokio::test]
async fn knowledge_files_reset_and_export() {
    let s = TestServer::start_with(&PERMS).await;
    let a = setup(&s.url).await;
    let db = s.db.client().await;
    let k = create(&s.url, &a.user, json!({"name": "Tea/notes", "description": ""})).await;
    let id = k["id"].as_str().unwrap().to_string();
    db.execute(
        "INSERT INTO knowledge_directory (id, knowledge_id, parent_id, name, user_id, created_at, updated_at) VALUES ('d1', $1, NULL, 'docs', $2, 1, 1)",
        &[&id, &a.user_id],
    )
    .await
    .unwrap();
    for (fid, name, at, dir) in [("f1", "green.md", 10_i64, None), ("f2", "black.md", 20, Some("d1"))] {
        db.execute(
            "INSERT INTO file (id, user_id, filename, path, data, meta, created_at, updated_at)
             VALUES ($1, $2, $3, NULL, $4::text::json, '{\"size\": 3, \"name\": \"n\"}', $5, $5)",
            &[&fid, &a.user_id, &name, &format!(r#"{{"content": "{name} text"}}"#), &at],
        )
        .await
        .unwrap();
        db.execute(
            "INSERT INTO knowledge_file (id, user_id, knowledge_id, file_id, directory_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, 1)",
            &[&format!("kf{fid}"), &a.user_id, &id, &fid, &dir],
        )
        .await
        .unwrap();
    }
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/files"), Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!((ids(&v, "/items"), v["total"].as_i64()), (vec!["f2", "f1"], Some(2)));
    assert_eq!(v["items"][0]["directory_path"], "docs");
    assert_eq!(v["items"][0]["meta"], json!({"name": "n", "content_type": null, "size": 3}));
    assert_eq!(v["items"][0]["has_original"], false);
    assert_eq!(ids(&v, "/directories"), ["d1"]);
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/files?directory_id=d1"), Some(&a.user), None).await;
    assert_eq!((ids(&r.json(), "/items"), ids(&r.json(), "/breadcrumbs")), (vec!["f2"], vec!["d1"]));
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/files?directory_id="), Some(&a.user), None).await;
    assert_eq!(ids(&r.json(), "/items"), ["f1"]);
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/files?order_by=name&direction=asc&query=.md"), Some(&a.user), None).await;
    assert_eq!(ids(&r.json(), "/items"), ["f2", "f1"]);
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/files?limit=1"), Some(&a.user), None).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 2, "limit is for admins");
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/files?limit=1&page=2"), Some(&a.admin), None).await;
    assert_eq!(ids(&r.json(), "/items"), ["f1"]);

    // The search of every base: Bob's files with their base; Carol's: none.
    let r = req("GET", &s.url, "/api/v1/knowledge/search/files?query=green", Some(&a.user), None).await;
    let v = r.json();
    assert_eq!((ids(&v, "/items"), v["items"][0]["collection"]["id"].as_str()), (vec!["f1"], Some(id.as_str())));
    let r = req("GET", &s.url, "/api/v1/knowledge/search/files", Some(&a.other), None).await;
    assert_eq!(r.json(), json!({"items": [], "directories": [], "breadcrumbs": [], "total": 0}));
    let r = req("GET", &s.url, "/api/v1/knowledge/search/files?include_content=maybe", Some(&a.user), None).await;
    assert_eq!(r.status, 422);

    // The update lists the files' metadata.
    let r = req("POST", &s.url, &format!("/api/v1/knowledge/{id}/update"), Some(&a.user), Some(r#"{"name":"Tea/notes","description":"d"}"#)).await;
    assert_eq!(r.json()["files"].as_array().unwrap().len(), 2);

    // Export (admin): a zip of the texts, named after the base.
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/export"), Some(&a.user), None).await;
    assert_eq!(r.status, 401);
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/export"), Some(&a.admin), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-disposition"], "attachment; filename*=UTF-8''Tea_notes.zip");
    assert!(r.body.contains("green.md.txt") && r.body.contains("black.md.txt"));

    // Reset: the links, the directories and (not retained) the files go.
    let r = req("POST", &s.url, &format!("/api/v1/knowledge/{id}/reset"), Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["files"], Value::Null);
    let n: i64 = db.query_one("SELECT count(*) FROM file", &[]).await.unwrap().get(0);
    let d: i64 = db.query_one("SELECT count(*) FROM knowledge_directory", &[]).await.unwrap().get(0);
    assert_eq!((n, d), (0, 0));
    let r = req("GET", &s.url, &format!("/api/v1/knowledge/{id}/files"), Some(&a.user), None).await;
    assert_eq!(r.json(), json!({"items": [], "directories": [], "breadcrumbs": [], "total": 0}));

    // An external base is read-only.
    db.execute("UPDATE knowledge SET meta = '{\"source\": \"external\"}' WHERE id = $1", &[&id]).await.unwrap();
    let r = req("POST", &s.url, &format!("/api/v1/knowledge/{id}/reset"), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].as_str()), (400, Some("External knowledge bases are read-only.")));
}
