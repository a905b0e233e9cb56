//! `/api/v1/notes`: two users on one note (stranger, reader, writer), pins per user, the
//! search's permission filter and pages (61 notes: a full page of 60, the last, one past), the
//! sidebar list's truncated markdown, rows written as the reference writes them (times in
//! nanoseconds), and bad input.

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup};

async fn create(base: &str, token: &str, body: Value) -> Value {
    let r = req("POST", base, "/api/v1/notes/create", Some(token), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn notes_owner_reader_writer_and_pins() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let long = "x".repeat(1500);
    let n = create(&s.url, &a.user, json!({"title": "Bob's", "data": {"content": {"md": long, "html": "<p/>"}}, "meta": {"m": 1}})).await;
    let id = n["id"].as_str().unwrap().to_string();
    let keys: Vec<&String> = n.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "user_id", "title", "data", "meta", "is_pinned", "access_grants", "created_at", "updated_at"]);
    // Nanoseconds, as the reference writes them.
    assert!(n["created_at"].as_i64().unwrap() > 1_000_000_000_000_000_000);

    // Carol: 403 on the note, nothing in her lists.
    let r = req("GET", &s.url, &format!("/api/v1/notes/{id}"), Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (403, "Something went wrong :/"));
    let r = req("GET", &s.url, "/api/v1/notes/", Some(&a.other), None).await;
    assert_eq!(r.json(), json!([]));
    for (method, path) in [("POST", "pin"), ("DELETE", "delete")] {
        let r = req(method, &s.url, &format!("/api/v1/notes/{id}/{path}"), Some(&a.other), None).await;
        assert_eq!(r.status, 403, "{path}");
    }
    let r = req("POST", &s.url, &format!("/api/v1/notes/{id}/update"), Some(&a.other), Some(r#"{"title":"x"}"#)).await;
    assert_eq!(r.status, 403);

    // Bob's sidebar: the markdown cut to 1000 characters, the owner.
    let r = req("GET", &s.url, "/api/v1/notes/", Some(&a.user), None).await;
    let list = r.json();
    assert_eq!(list[0]["data"], json!({"content": {"md": "x".repeat(1000)}}));
    assert_eq!(list[0]["user"]["name"], "Bob");

    // Shared with Carol for reading: she reads and pins it (her pin, not Bob's), cannot write.
    let grants = json!({"access_grants": [{"principal_type": "user", "principal_id": a.other_id, "permission": "read"}]}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/notes/{id}/access/update"), Some(&a.other), Some(&grants)).await;
    assert_eq!(r.status, 403);
    // Users may not share notes by default: Bob's grant is refused; the admin's is not.
    let r = req("POST", &s.url, &format!("/api/v1/notes/{id}/access/update"), Some(&a.user), Some(&grants)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = req("POST", &s.url, &format!("/api/v1/notes/{id}/access/update"), Some(&a.admin), Some(&grants)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = req("GET", &s.url, &format!("/api/v1/notes/{id}"), Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["write_access"].as_bool()), (200, Some(false)));
    let r = req("POST", &s.url, &format!("/api/v1/notes/{id}/pin"), Some(&a.other), None).await;
    assert_eq!(r.json()["is_pinned"], true);
    let r = req("GET", &s.url, "/api/v1/notes/pinned", Some(&a.other), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = req("GET", &s.url, "/api/v1/notes/pinned", Some(&a.user), None).await;
    assert_eq!(r.json(), json!([]));
    let r = req("POST", &s.url, &format!("/api/v1/notes/{id}/update"), Some(&a.other), Some(r#"{"title":"x"}"#)).await;
    assert_eq!(r.status, 403);
    // Search: Carol's default is the notes she may write (none); `read` finds it; `read_only` too.
    let r = req("GET", &s.url, "/api/v1/notes/search", Some(&a.other), None).await;
    assert_eq!(r.json()["total"], 0);
    let r = req("GET", &s.url, "/api/v1/notes/search?permission=read", Some(&a.other), None).await;
    assert_eq!(r.json()["total"], 1);
    let r = req("GET", &s.url, "/api/v1/notes/search?permission=read_only", Some(&a.other), None).await;
    assert_eq!(r.json()["total"], 1);
    let r = req("GET", &s.url, "/api/v1/notes/search?permission=read_only", Some(&a.user), None).await;
    assert_eq!(r.json()["total"], 0);

    // Bob updates: data merged, meta merged; an update that changes nothing keeps the time.
    let r = req("POST", &s.url, &format!("/api/v1/notes/{id}/update"), Some(&a.user), Some(r#"{"data":{"content":{"md":"short"}},"meta":{"k":2}}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"], json!({"content": {"md": "short"}}));
    assert_eq!(r.json()["meta"], json!({"m": 1, "k": 2}));
    let t = r.json()["updated_at"].clone();
    let r = req("POST", &s.url, &format!("/api/v1/notes/{id}/update"), Some(&a.user), Some(r#"{"meta":{"k":2}}"#)).await;
    assert_eq!(r.json()["updated_at"], t);
    // A malformed markdown object is made text.
    let r = req("POST", &s.url, &format!("/api/v1/notes/{id}/update"), Some(&a.user), Some(r#"{"data":{"content":{"md":{"a":1}}}}"#)).await;
    assert_eq!(r.json()["data"]["content"]["md"], "```json\n{\n  \"a\": 1\n}\n```");

    // Delete: gone with its pins and grants.
    let r = req("DELETE", &s.url, &format!("/api/v1/notes/{id}/delete"), Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("GET", &s.url, &format!("/api/v1/notes/{id}"), Some(&a.user), None).await;
    assert_eq!(r.status, 404);
    let db = s.db.client().await;
    let left: i64 = db
        .query_one("SELECT (SELECT count(*) FROM pinned_note) + (SELECT count(*) FROM access_grant WHERE resource_type = 'note')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}

#[tokio::test]
async fn note_search_pages_and_bad_input() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    for i in 0..61 {
        create(&s.url, &a.user, json!({"title": format!("N{i:02}"), "data": {"content": {"md": format!("to-do {i}")}}})).await;
    }
    let r = req("GET", &s.url, "/api/v1/notes/search?order_by=name&direction=asc", Some(&a.user), None).await;
    assert_eq!((r.json()["items"].as_array().unwrap().len(), r.json()["total"].as_i64()), (60, Some(61)));
    assert_eq!(r.json()["items"][0]["title"], "N00");
    let r = req("GET", &s.url, "/api/v1/notes/search?order_by=name&direction=asc&page=2", Some(&a.user), None).await;
    assert_eq!(r.json()["items"][0]["title"], "N60");
    let r = req("GET", &s.url, "/api/v1/notes/search?page=3", Some(&a.user), None).await;
    assert_eq!((r.json()["items"].as_array().unwrap().len(), r.json()["total"].as_i64()), (0, Some(61)));
    // Every word must match; hyphens are ignored ("todo" finds "to-do").
    let r = req("GET", &s.url, "/api/v1/notes/search?query=todo%2042", Some(&a.user), None).await;
    assert_eq!(r.json()["total"], 1);
    // The sidebar's pages of 60.
    let r = req("GET", &s.url, "/api/v1/notes/?page=2", Some(&a.user), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    for bad in ["/api/v1/notes/?page=0", "/api/v1/notes/search?page=x", "/api/v1/notes/search?page=-1"] {
        let r = req("GET", &s.url, bad, Some(&a.user), None).await;
        assert_eq!(r.status, 422, "{bad}");
    }
    let r = req("POST", &s.url, "/api/v1/notes/create", Some(&a.user), Some(r#"{"data":{}}"#)).await;
    assert_eq!(r.status, 422);
    // Another user sees none of them.
    let r = req("GET", &s.url, "/api/v1/notes/", Some(&a.other), None).await;
    assert_eq!((r.status, r.json()), (200, json!([])));
}
