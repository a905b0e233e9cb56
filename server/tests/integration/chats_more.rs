//! The later `/api/v1/chats` routes: usage and export statistics, fork, clone of a share, a
//! share's grants, message events, compaction; another user reaches none of a user's chats
//! through them.

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup, ACCESS_PROHIBITED};

const NOT_FOUND: &str = "We could not find what you're looking for :/";

fn two_messages() -> Value {
    json!({
        "title": "Greetings",
        "models": ["m"],
        "history": {
            "currentId": "m2",
            "messages": {
                "m1": {"id": "m1", "parentId": null, "childrenIds": ["m2"], "role": "user", "content": "Hello there", "timestamp": 1700000000},
                "m2": {"id": "m2", "parentId": "m1", "childrenIds": [], "role": "assistant", "content": "General Kenobi", "model": "m",
                       "timestamp": 1700000003, "annotation": {"rating": 1}}
            }
        }
    })
}

async fn new_chat(base: &str, token: &str) -> String {
    let r = req("POST", base, "/api/v1/chats/new", Some(token), Some(&json!({ "chat": two_messages() }).to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn usage_and_export_statistics_are_the_owners() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let id = new_chat(&s.url, &a.user).await;

    let r = req("GET", &s.url, "/api/v1/chats/stats/usage", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let item = &r.json()["items"][0];
    assert_eq!(r.json()["total"], 1);
    assert_eq!(item["id"], json!(id));
    assert_eq!((item["message_count"].clone(), item["models"].clone(), item["history_models"].clone()), (json!(2), json!({"m": 1}), json!({"m": 1})));
    assert_eq!(item["average_response_time"], json!(3.0));
    assert_eq!(item["average_user_message_content_length"], json!(11.0));
    assert_eq!(item["last_message_at"], json!(1700000003));
    // Page sizes as asked; a page before the first is the reference's failing query.
    let r = req("GET", &s.url, "/api/v1/chats/stats/usage?items_per_page=0", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["items"].clone(), r.json()["total"].clone()), (200, json!([]), json!(1)));
    let r = req("GET", &s.url, "/api/v1/chats/stats/usage?page=0", Some(&a.user), None).await;
    assert_eq!(r.status, 400);
    let r = req("GET", &s.url, "/api/v1/chats/stats/usage?page=x", Some(&a.user), None).await;
    assert_eq!(r.status, 422);
    // Another user has none.
    let r = req("GET", &s.url, "/api/v1/chats/stats/usage", Some(&a.other), None).await;
    assert_eq!(r.json(), json!({"items": [], "total": 0}));

    let r = req("GET", &s.url, "/api/v1/chats/stats/export", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let e = r.json();
    assert_eq!((e["type"].clone(), e["total"].clone(), e["page"].clone()), (json!("chats"), json!(1), json!(1)));
    let m2 = &e["items"][0]["chat"]["history"]["messages"]["m2"];
    assert_eq!(*m2, json!({"id": "m2", "role": "assistant", "model": "m", "content_length": 14, "token_count": null,
        "timestamp": 1700000003, "rating": 1, "tags": null}));
    assert!(!r.body.contains("General Kenobi"), "no content in an export");
    // `updated_at` keeps the chats updated after it.
    let r = req("GET", &s.url, "/api/v1/chats/stats/export?updated_at=99999999999", Some(&a.user), None).await;
    assert_eq!((r.json()["items"].clone(), r.json()["total"].clone()), (json!([]), json!(0)));

    // The stream: one line a chat, as an attachment.
    let r = req("GET", &s.url, "/api/v1/chats/stats/export?stream=true", Some(&a.user), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type").as_deref(), Some("application/x-ndjson"));
    assert_eq!(r.header("content-disposition"), Some(format!("attachment; filename=chat-stats-export-{}.jsonl", a.user_id)));
    let lines: Vec<Value> = r.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0], e["items"][0]);
    let r = req("GET", &s.url, "/api/v1/chats/stats/export?stream=true", Some(&a.other), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, ""));

    // One chat: the owner's; another user is refused, an unknown id is 404.
    let r = req("GET", &s.url, &format!("/api/v1/chats/stats/export/{id}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()), (200, e["items"][0].clone()));
    let r = req("GET", &s.url, &format!("/api/v1/chats/stats/export/{id}"), Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
    let r = req("GET", &s.url, "/api/v1/chats/stats/export/nope", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!(NOT_FOUND)));
}

#[tokio::test]
async fn fork_copies_a_branch_of_a_readable_chat_only() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let id = new_chat(&s.url, &a.user).await;
    let path = format!("/api/v1/chats/{id}/fork");

    let r = req("POST", &s.url, &path, Some(&a.user), Some(r#"{"message_id":"m1"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let f = r.json();
    assert_ne!(f["id"], json!(id));
    assert_eq!(f["title"], "Greetings (fork)");
    assert_eq!(f["meta"], json!({"forked_from": id, "forked_from_message_id": "m1"}));
    assert_eq!(f["current_message_id"], "m1");
    let history = &f["chat"]["history"];
    assert_eq!(history["currentId"], "m1");
    assert_eq!(history["messages"].as_object().unwrap().keys().collect::<Vec<_>>(), vec!["m1"]);
    assert_eq!(history["messages"]["m1"]["childrenIds"], json!([]));
    assert_eq!(f["chat"]["messages"][0]["id"], "m1");
    assert_eq!(f["chat"]["originalChatId"], json!(id));
    // Without a body: the current message.
    let r = req("POST", &s.url, &path, Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["chat"]["history"]["currentId"].clone()), (200, json!("m2")));
    let r = req("POST", &s.url, &path, Some(&a.user), Some(r#"{"message_id":"zz"}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!("message not found")));

    // Another user can neither fork it nor learn of it.
    let r = req("POST", &s.url, &path, Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(NOT_FOUND)));
    let r = req("GET", &s.url, "/api/v1/chats/", Some(&a.other), None).await;
    assert_eq!(r.json(), json!([]));
}

#[tokio::test]
async fn a_share_is_cloned_by_its_grantees_only() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let id = new_chat(&s.url, &a.user).await;
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}/share"), Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let share_id = r.json()["share_id"].as_str().unwrap().to_string();
    let clone = format!("/api/v1/chats/{share_id}/clone/shared");

    // Not granted: refused; the grants belong to the owner.
    let r = req("POST", &s.url, &clone, Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
    let grant = json!({"access_grants": [{"principal_type": "user", "principal_id": a.other_id, "permission": "read"}]}).to_string();
    let update = format!("/api/v1/chats/shared/{id}/access/update");
    let r = req("POST", &s.url, &update, Some(&a.other), Some(&grant)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!(NOT_FOUND)));
    let r = req("POST", &s.url, &update, Some(&a.user), Some(r#"{"access_grants":[],"share_mode":"x"}"#)).await;
    assert_eq!(r.status, 422);
    let r = req("POST", &s.url, &update, Some(&a.user), Some(&grant)).await;
    assert_eq!((r.status, r.json()["id"].clone()), (200, json!(id)));
    let r = req("GET", &s.url, &format!("/api/v1/chats/shared/{id}/access"), Some(&a.user), None).await;
    assert_eq!(r.json()[0]["principal_id"], json!(a.other_id));

    // Granted: the copy is the grantee's, the owner's messages theirs.
    let r = req("POST", &s.url, &clone, Some(&a.other), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = r.json();
    assert_eq!((c["user_id"].clone(), c["title"].clone()), (json!(a.other_id), json!("Clone of Greetings")));
    assert_eq!(c["chat"]["history"]["messages"]["m1"]["user"], json!({"id": a.other_id, "name": "Carol"}));
    assert_eq!(c["variables"], json!({}));
    // An unknown share id.
    let r = req("POST", &s.url, "/api/v1/chats/nope/clone/shared", Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(NOT_FOUND)));

    // Share mode: `continue` is recorded in the snapshot.
    let r = req("POST", &s.url, &update, Some(&a.user), Some(&json!({"access_grants": [], "share_mode": "continue"}).to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let client = s.db.client().await;
    let mode: Value = client.query_one("SELECT chat->'share_mode' FROM shared_chat WHERE id = $1", &[&share_id]).await.unwrap().get(0);
    assert_eq!(mode, json!("continue"));
    let r = req("POST", &s.url, &clone, Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
}

#[tokio::test]
async fn message_events_reach_the_owners_chat_only() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let id = new_chat(&s.url, &a.user).await;
    let path = format!("/api/v1/chats/{id}/messages/m2/event");

    let r = req("POST", &s.url, &path, Some(&a.user), Some(r#"{"type":"status","data":{"description":"searching","done":false}}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("POST", &s.url, &path, Some(&a.user), Some(r#"{"type":"message","data":{"content":", you are a bold one"}}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("GET", &s.url, &format!("/api/v1/chats/{id}"), Some(&a.user), None).await;
    let m2 = &r.json()["chat"]["history"]["messages"]["m2"];
    assert_eq!(m2["statusHistory"], json!([{"description": "searching", "done": false}]));
    assert_eq!(m2["content"], "General Kenobi, you are a bold one");
    let r = req("POST", &s.url, &path, Some(&a.user), Some(r#"{"type":"status"}"#)).await;
    assert_eq!(r.status, 422);

    let r = req("POST", &s.url, &path, Some(&a.other), Some(r#"{"type":"replace","data":{"content":"pwned"}}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
    let r = req("GET", &s.url, &format!("/api/v1/chats/{id}"), Some(&a.user), None).await;
    assert_eq!(r.json()["chat"]["history"]["messages"]["m2"]["content"], "General Kenobi, you are a bold one");
}

#[tokio::test]
async fn compaction_is_off_by_default_and_the_owners() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let id = new_chat(&s.url, &a.user).await;
    let path = format!("/api/v1/chats/{id}/compact");
    let r = req("POST", &s.url, &path, Some(&a.user), None).await;
    assert_eq!((r.status, r.json()), (200, json!({"ok": true, "compacted": false, "reason": "disabled", "context_usage": null})));
    let r = req("POST", &s.url, &path, Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(NOT_FOUND)));
    let r = req("POST", &s.url, &path, Some(&a.admin), None).await;
    assert_eq!(r.status, 401);
    // A chat without a model.
    let r = req("POST", &s.url, "/api/v1/chats/new", Some(&a.user), Some(r#"{"chat":{"title":"t"}}"#)).await;
    let bare = r.json()["id"].as_str().unwrap().to_string();
    let r = req("POST", &s.url, &format!("/api/v1/chats/{bare}/compact"), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("No model found for context compaction.")));
}
