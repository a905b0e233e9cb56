//! `/api/v1/chats`: create, read, update with the history merge and the `chat_message` rows,
//! sidebar pages at their boundaries, tags, search filters, archive, the NDJSON export, another
//! user's chat unreachable through every route, a 10 MB chat, NUL characters.

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup, Accounts, ACCESS_PROHIBITED};

const NOT_FOUND: &str = "We could not find what you're looking for :/";
const DEFAULT_ERROR: &str = "Something went wrong :/";

async fn new_chat(base: &str, token: &str, chat: Value) -> Value {
    let r = req("POST", base, "/api/v1/chats/new", Some(token), Some(&json!({ "chat": chat }).to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

fn two_messages() -> Value {
    json!({
        "title": "Greetings",
        "models": ["m"],
        "history": {
            "currentId": "m2",
            "messages": {
                "m1": {"id": "m1", "parentId": null, "childrenIds": ["m2"], "role": "user", "content": "Hello there", "timestamp": 1700000000},
                "m2": {"id": "m2", "parentId": "m1", "childrenIds": [], "role": "assistant", "content": "General Kenobi", "model": "m",
                       "timestamp": 1700000001, "usage": {"prompt_tokens": 3, "completion_tokens": 4}}
            }
        }
    })
}

async fn message_rows(s: &TestServer, chat_id: &str) -> Vec<(String, String, Option<String>, Option<String>, Value, Option<Value>)> {
    let client = s.db.client().await;
    client
        .query(
            "SELECT id, role, parent_id, model_id, content, usage FROM chat_message WHERE chat_id = $1 ORDER BY id",
            &[&chat_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

#[tokio::test]
async fn create_read_update_and_message_rows() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let c = new_chat(&s.url, &a.user, two_messages()).await;
    let id = c["id"].as_str().unwrap();
    assert_eq!(c["title"], "Greetings");
    assert_eq!(c["user_id"], json!(a.user_id));
    assert_eq!(c["current_message_id"], "m2");
    assert_eq!(c["pinned"], false);
    assert_eq!(c["context_usage"], Value::Null);
    // The messages are attributed to the session user.
    assert_eq!(c["chat"]["history"]["messages"]["m1"]["user"], json!({"id": a.user_id, "name": "Bob"}));
    assert_eq!(c["chat"]["history"]["messages"]["m2"]["user_id"], json!(a.user_id));
    let rows = message_rows(&s, id).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, format!("{id}-m1"));
    assert_eq!((rows[0].1.as_str(), rows[0].2.as_deref()), ("user", None));
    assert_eq!((rows[1].1.as_str(), rows[1].2.as_deref(), rows[1].3.as_deref()), ("assistant", Some("m1"), Some("m")));
    assert_eq!(rows[1].4, json!("General Kenobi"));
    assert_eq!(
        rows[1].5,
        Some(json!({"prompt_tokens": 3, "completion_tokens": 4, "input_tokens": 3, "output_tokens": 4, "total_tokens": 7}))
    );

    // GET adds share_mode (the owner may continue it).
    let r = req("GET", &s.url, &format!("/api/v1/chats/{id}"), Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["chat"]["share_mode"], "continue");

    // Update: a new message merges into the stored history; its row follows.
    let patch = json!({"chat": {"history": {"currentId": "m3", "messages": {
        "m3": {"id": "m3", "parentId": "m2", "role": "user", "content": "Another", "timestamp": 1700000002}}}}});
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}"), Some(&a.user), Some(&patch.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let h = &r.json()["chat"]["history"];
    assert_eq!(h["currentId"], "m3");
    assert_eq!(h["messages"]["m2"]["childrenIds"], json!(["m3"]));
    assert_eq!(h["messages"]["m1"]["content"], "Hello there");
    assert_eq!(r.json()["current_message_id"], "m3");
    assert_eq!(message_rows(&s, id).await.len(), 3);

    // Title only: no history touched; variables saved.
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}"), Some(&a.user), Some(r#"{"chat":{"title":"Renamed"},"variables":{"x":1}}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["title"].clone(), r.json()["variables"].clone()), (json!("Renamed"), json!({"x": 1})));
    assert_eq!(r.json()["chat"]["history"]["currentId"], "m3");

    // Bad bodies: FastAPI's 422, nothing stored.
    let r = req("POST", &s.url, "/api/v1/chats/new", Some(&a.user), Some(r#"{"chat":"x"}"#)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["detail"][0]["type"], "dict_type");
    let r = req("POST", &s.url, "/api/v1/chats/new", Some(&a.user), Some(r#"{"chat":{"title":5}}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!(DEFAULT_ERROR)));
    let r = req("GET", &s.url, "/api/v1/chats/?page=1", Some(&a.user), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn nul_characters_are_removed() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let c = new_chat(&s.url, &a.user, json!({"title": "a\u{0}b", "history": {"messages": {"m\u{0}": {"role": "user", "content": "x\u{0}y"}}}})).await;
    assert_eq!(c["title"], "ab");
    assert_eq!(c["chat"]["history"]["messages"]["m"]["content"], "xy");
    let r = req("GET", &s.url, &format!("/api/v1/chats/{}", c["id"].as_str().unwrap()), Some(&a.user), None).await;
    assert_eq!(r.json()["title"], "ab");
}

#[tokio::test]
async fn sidebar_pages_at_their_boundaries() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let mut ids = Vec::new();
    for i in 0..61 {
        ids.push(new_chat(&s.url, &a.user, json!({"title": format!("chat {i}")})).await["id"].as_str().unwrap().to_string());
    }
    // Another user's chats never appear.
    new_chat(&s.url, &a.other, json!({"title": "theirs"})).await;
    let page = |p: &str| {
        let url = s.url.clone();
        let token = a.user.clone();
        let p = p.to_string();
        async move { req("GET", &url, &format!("/api/v1/chats/{p}"), Some(&token), None).await }
    };
    let p1 = page("?page=1").await.json();
    let p2 = page("?page=2").await.json();
    let p3 = page("?page=3").await.json();
    assert_eq!((p1.as_array().unwrap().len(), p2.as_array().unwrap().len(), p3.as_array().unwrap().len()), (60, 1, 0));
    let all = page("").await.json();
    assert_eq!(all.as_array().unwrap().len(), 61);
    let mut seen: Vec<String> = p1.as_array().unwrap().iter().chain(p2.as_array().unwrap()).map(|c| c["id"].as_str().unwrap().to_string()).collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);
    // Entries are the sidebar's model, never the body.
    let first = &p1[0];
    assert_eq!(first.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "title", "updated_at", "created_at", "last_read_at", "snippet", "active", "archived"]);
    // A page before the first, and a page that is not a number.
    let r = page("?page=0").await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!(DEFAULT_ERROR)));
    let r = page("?page=x").await;
    assert_eq!((r.status, r.json()["detail"][0]["type"].clone()), (422, json!("int_parsing")));
    // Pinned chats leave the list unless asked for.
    let r = req("POST", &s.url, &format!("/api/v1/chats/{}/pin", ids[0]), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["pinned"].clone()), (200, json!(true)));
    assert_eq!(page("").await.json().as_array().unwrap().len(), 60);
    assert_eq!(page("?include_pinned=true").await.json().as_array().unwrap().len(), 61);
    let r = req("GET", &s.url, "/api/v1/chats/pinned", Some(&a.user), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = req("GET", &s.url, &format!("/api/v1/chats/{}/pinned", ids[0]), Some(&a.user), None).await;
    assert_eq!(r.body, "true");
    // Archived: out of the list, counted, listed.
    let r = req("POST", &s.url, &format!("/api/v1/chats/{}/archive", ids[1]), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["archived"].clone()), (200, json!(true)));
    let r = req("GET", &s.url, "/api/v1/chats/archived/count", Some(&a.user), None).await;
    assert_eq!(r.body, "1");
    let r = req("GET", &s.url, "/api/v1/chats/archived", Some(&a.user), None).await;
    assert_eq!(r.json()[0]["id"], json!(ids[1]));
    assert_eq!(r.json()[0]["last_read_at"], Value::Null);
    let r = req("GET", &s.url, "/api/v1/chats/archived?order_by=nope&direction=asc", Some(&a.user), None).await;
    assert_eq!(r.status, 400);
    // The export streams every chat, one a line.
    let r = req("GET", &s.url, "/api/v1/chats/all", Some(&a.user), None).await;
    assert_eq!(r.status, 200);
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(lines.len(), 61);
    assert!(r.body.ends_with('\n'));
    let v: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["user_id"], json!(a.user_id));
}

#[tokio::test]
async fn tags_and_search() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let c = new_chat(&s.url, &a.user, two_messages()).await;
    let id = c["id"].as_str().unwrap();
    let other = new_chat(&s.url, &a.user, json!({"title": "Shopping list"})).await;
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}/tags"), Some(&a.user), Some(r#"{"name":"Star Wars"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!([{"id": "star_wars", "name": "Star Wars", "user_id": a.user_id, "meta": null}]));
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}/tags"), Some(&a.user), Some(r#"{"name":"None"}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("[ERROR: Tag name cannot be 'None']")));
    let r = req("GET", &s.url, "/api/v1/chats/all/tags", Some(&a.user), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = req("POST", &s.url, "/api/v1/chats/tags", Some(&a.user), Some(r#"{"name":"star wars"}"#)).await;
    assert_eq!(r.json()[0]["id"], json!(id));

    let search = |q: &str| {
        let url = s.url.clone();
        let token = a.user.clone();
        let q = q.to_string();
        async move { req("GET", &url, &format!("/api/v1/chats/search?text={q}"), Some(&token), None).await.json() }
    };
    let r = search("kenobi").await;
    assert_eq!(r.as_array().unwrap().len(), 1);
    assert_eq!(r[0]["snippet"], "General Kenobi");
    assert_eq!(search("shopping").await[0]["id"], other["id"]);
    assert_eq!(search("tag:star_wars").await.as_array().unwrap().len(), 1);
    assert_eq!(search("tag:star_wars%20shopping").await.as_array().unwrap().len(), 0);
    assert_eq!(search("pinned:true").await.as_array().unwrap().len(), 0);
    assert_eq!(search("archived:false").await.as_array().unwrap().len(), 2);
    // Another user finds nothing of these.
    let r = req("GET", &s.url, "/api/v1/chats/search?text=kenobi", Some(&a.other), None).await;
    assert_eq!(r.json(), json!([]));
    let r = req("GET", &s.url, "/api/v1/chats/search", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"][0]["loc"].clone()), (422, json!(["query", "text"])));

    // Removing the last use of a tag removes the tag.
    let r = req("DELETE", &s.url, &format!("/api/v1/chats/{id}/tags"), Some(&a.user), Some(r#"{"name":"Star Wars"}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "[]"));
    let r = req("GET", &s.url, "/api/v1/chats/all/tags", Some(&a.user), None).await;
    assert_eq!(r.body, "[]");
}

/// Every route that names a chat, called by another user: the reference's status and message
/// for a missing chat, and the chat unchanged.
#[tokio::test]
async fn another_users_chat_is_unreachable() {
    let s = TestServer::start().await;
    let a: Accounts = setup(&s.url).await;
    let c = new_chat(&s.url, &a.user, two_messages()).await;
    let id = c["id"].as_str().unwrap();
    let title = r#"{"chat":{"title":"mine now"}}"#;
    let tag = r#"{"name":"x"}"#;
    let cases: Vec<(&str, String, Option<&str>, u16, &str)> = vec![
        ("GET", format!("/api/v1/chats/{id}"), None, 401, NOT_FOUND),
        ("POST", format!("/api/v1/chats/{id}"), Some(title), 401, ACCESS_PROHIBITED),
        ("DELETE", format!("/api/v1/chats/{id}"), None, 404, NOT_FOUND),
        ("GET", format!("/api/v1/chats/{id}/pinned"), None, 401, DEFAULT_ERROR),
        ("POST", format!("/api/v1/chats/{id}/pin"), None, 401, DEFAULT_ERROR),
        ("POST", format!("/api/v1/chats/{id}/archive"), None, 401, DEFAULT_ERROR),
        ("POST", format!("/api/v1/chats/{id}/unread"), None, 404, NOT_FOUND),
        ("POST", format!("/api/v1/chats/{id}/folder"), Some(r#"{"folder_id":null}"#), 401, DEFAULT_ERROR),
        ("GET", format!("/api/v1/chats/{id}/tags"), None, 401, NOT_FOUND),
        ("POST", format!("/api/v1/chats/{id}/tags"), Some(tag), 401, DEFAULT_ERROR),
        ("DELETE", format!("/api/v1/chats/{id}/tags"), Some(tag), 401, NOT_FOUND),
    ];
    for (method, path, body, status, detail) in &cases {
        let r = req(method, &s.url, path, Some(&a.other), *body).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (*status, json!(detail)), "{method} {path}");
        // A chat that does not exist answers the same.
        let missing = path.replace(id, "00000000-0000-4000-8000-000000000000");
        let r = req(method, &s.url, &missing, Some(&a.user), *body).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (*status, json!(detail)), "{method} {missing}");
    }
    // A folder id of another user in a body: as a missing folder.
    let r = req("POST", &s.url, "/api/v1/chats/new", Some(&a.other), Some(&json!({"chat": {}, "folder_id": "nope"}).to_string())).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!(NOT_FOUND)));
    // Unchanged for the owner.
    let r = req("GET", &s.url, &format!("/api/v1/chats/{id}"), Some(&a.user), None).await;
    assert_eq!((r.json()["title"].clone(), r.json()["pinned"].clone(), r.json()["archived"].clone()), (json!("Greetings"), json!(false), json!(false)));
    let r = req("GET", &s.url, &format!("/api/v1/chats/{id}/tags"), Some(&a.user), None).await;
    assert_eq!(r.body, "[]");
    // The admin reads it (ENABLE_ADMIN_CHAT_ACCESS defaults to true) but may not continue it.
    let r = req("GET", &s.url, &format!("/api/v1/chats/{id}"), Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()["chat"]["share_mode"].clone()), (200, Value::Null));
    // The owner deletes it.
    let r = req("DELETE", &s.url, &format!("/api/v1/chats/{id}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    assert!(message_rows(&s, id).await.is_empty());
}

#[tokio::test]
async fn a_ten_megabyte_chat_saves_and_loads() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let content = "lorem ipsum ".repeat(10 * 1024 * 1024 / 12);
    let c = new_chat(&s.url, &a.user, json!({"title": "big", "history": {"currentId": "m1", "messages": {"m1": {"id": "m1", "role": "user", "content": content}}}})).await;
    let r = req("GET", &s.url, &format!("/api/v1/chats/{}", c["id"].as_str().unwrap()), Some(&a.user), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["chat"]["history"]["messages"]["m1"]["content"].as_str().unwrap().len(), content.len());
    // The sidebar does not read it.
    let r = req("GET", &s.url, "/api/v1/chats/?page=1", Some(&a.user), None).await;
    assert!(r.body.len() < 1000);
}

#[tokio::test]
async fn share_clone_and_params() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let c = new_chat(&s.url, &a.user, two_messages()).await;
    let id = c["id"].as_str().unwrap();
    // Another user can neither share nor unshare it.
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}/share"), Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}/share"), Some(&a.user), Some(r#"{"share_mode":"x"}"#)).await;
    assert_eq!((r.status, r.json()["detail"][0]["type"].clone()), (422, json!("literal_error")));
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}/share"), Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let share_id = r.json()["share_id"].as_str().unwrap().to_string();
    // The owner reads the snapshot; anyone else without a grant may not.
    let r = req("GET", &s.url, &format!("/api/v1/chats/share/{share_id}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["id"].clone(), r.json()["chat"]["share_mode"].clone()), (200, json!(share_id), Value::Null));
    let r = req("GET", &s.url, &format!("/api/v1/chats/share/{share_id}"), Some(&a.other), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
    let r = req("GET", &s.url, &format!("/api/v1/chats/share/{share_id}"), None, None).await;
    assert_eq!(r.status, 401);
    let r = req("GET", &s.url, "/api/v1/chats/shared", Some(&a.user), None).await;
    assert_eq!((r.json()[0]["id"].clone(), r.json()[0]["share_id"].clone()), (json!(id), json!(share_id)));
    let r = req("GET", &s.url, &format!("/api/v1/chats/shared/{id}/access"), Some(&a.other), None).await;
    assert_eq!(r.status, 404);
    let r = req("DELETE", &s.url, &format!("/api/v1/chats/{id}/share"), Some(&a.other), None).await;
    assert_eq!(r.status, 401);
    let r = req("DELETE", &s.url, &format!("/api/v1/chats/{id}/share"), Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("GET", &s.url, &format!("/api/v1/chats/share/{share_id}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(NOT_FOUND)));

    // Clone: a copy branching at the current message, with its message rows.
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}/clone"), Some(&a.user), Some("{}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["title"], "Clone of Greetings");
    assert_eq!(r.json()["chat"]["branchPointMessageId"], "m2");
    assert_eq!(message_rows(&s, r.json()["id"].as_str().unwrap()).await.len(), 2);
    let r = req("POST", &s.url, &format!("/api/v1/chats/{id}/clone"), Some(&a.other), Some("{}")).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(DEFAULT_ERROR)));

    // Params merge.
    let r = req("PATCH", &s.url, &format!("/api/v1/chats/{id}/params"), Some(&a.user), Some(r#"{"temperature":0.5}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (200, r#"{"temperature":0.5}"#));
    let r = req("PATCH", &s.url, &format!("/api/v1/chats/{id}/params"), Some(&a.user), Some(r#"{"seed":1}"#)).await;
    assert_eq!(r.body, r#"{"temperature":0.5,"seed":1}"#);
    let r = req("PATCH", &s.url, &format!("/api/v1/chats/{id}/params"), Some(&a.other), Some(r#"{"seed":2}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
}

/// The sidebar's first page for a user with 10,000 chats (and others with theirs) is read from
/// the `(user_id, updated_at DESC, id)` index, never by scanning the table or sorting every chat
/// of the user; the plan is printed (`--no-capture`) for the record.
#[tokio::test]
async fn first_sidebar_page_at_ten_thousand_chats_is_an_index_scan() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let client = s.db.client().await;
    for (user, n) in [(a.user_id.as_str(), 10_000), (a.other_id.as_str(), 2_000)] {
        client
            .execute(
                "INSERT INTO chat (id, user_id, title, chat, created_at, updated_at, archived, pinned, meta, last_read_at) \
                 SELECT gen_random_uuid()::text, $1, 'chat ' || i, json_build_object('title', 'chat ' || i, 'history', \
                 json_build_object('messages', json_build_object())), 1700000000 + i, 1700000000 + i, i % 50 = 0, i % 97 = 0, '{}', NULL \
                 FROM generate_series(1, $2::int) i",
                &[&user, &n],
            )
            .await
            .unwrap();
    }
    client.execute("ANALYZE chat", &[]).await.unwrap();
    let sql = server::db::chats::title_list_sql(false, false, server::db::chats::ListOrder::parse("updated_at", "desc"), 0, Some(60));
    let plan: Vec<String> = client
        .query(&format!("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}"), &[&a.user_id])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    eprintln!("first sidebar page, 10,000 chats:\n  {}", plan.join("\n  "));
    let text = plan.join("\n");
    // An index walk that stops after about a page: the planner may pick the (user_id, updated_at, id) index or
    // walk (updated_at, user_id) backwards with an incremental sort on ties, depending on the statistics;
    // either reads ~61 rows of 12,000. A sequential or bitmap scan, or a full sort, would read them all.
    assert!(text.contains("Index Scan"), "{text}");
    assert!(!text.contains("Seq Scan") && !text.contains("Bitmap") && !text.contains("Sort Method: external"), "{text}");
    assert!(!text.contains("Sort") || text.contains("Incremental Sort"), "{text}");
    let scanned: u64 = plan
        .iter()
        .filter(|l| l.contains("Index Scan"))
        .filter_map(|l| l.split("actual rows=").nth(1)?.split(' ').next()?.parse::<u64>().ok())
        .sum();
    assert!(scanned <= 200, "the page read {scanned} rows: {text}");
    // And the route answers the page.
    let r = req("GET", &s.url, "/api/v1/chats/?page=1", Some(&a.user), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 60);
    assert_eq!(r.json()[0]["title"], "chat 9999");
}

/// `/api/v1/chats/config` (`get_chat_config`, `set_chat_config`): admin only (it used to reach
/// `/chats/{id}` and answer 401 "not found", which the admin panel's Interface tab showed as an
/// error), the environment's defaults with the reference's fill-ins, the clamps on write, every
/// field stored as its `config` row.
#[tokio::test]
async fn chat_config_defaults_clamps_and_rows() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/v1/chats/config", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
    let r = req("GET", &s.url, "/api/v1/chats/config", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body,
        r#"{"CONTEXT_COMPACTION_MODEL":"","ENABLE_CONTEXT_COMPACTION":false,"CONTEXT_COMPACTION_TOKEN_THRESHOLD":80000,"CONTEXT_COMPACTION_TOKEN_CAP":80000,"CONTEXT_COMPACTION_RETENTION_PERCENTAGE":40,"CONTEXT_COMPACTION_PROMPT_TEMPLATE":"","ENABLE_TOOL_PERMISSIONS":false,"ENABLE_TOOL_SEARCH":false,"TOOL_SEARCH_DEFER_THRESHOLD":400,"TOOL_SEARCH_ALWAYS_LOADED":[],"TOOL_SEARCH_DEFER_BUILTIN_TOOLS":true}"#
    );

    // Out of range values are clamped, blank names dropped, a zero cap is the threshold.
    let body = r#"{"CONTEXT_COMPACTION_MODEL":null,"ENABLE_CONTEXT_COMPACTION":true,"CONTEXT_COMPACTION_TOKEN_THRESHOLD":-5,"CONTEXT_COMPACTION_TOKEN_CAP":0,"CONTEXT_COMPACTION_RETENTION_PERCENTAGE":90,"CONTEXT_COMPACTION_PROMPT_TEMPLATE":"t","TOOL_SEARCH_DEFER_THRESHOLD":-1,"TOOL_SEARCH_ALWAYS_LOADED":[" a ","  ","b"]}"#;
    let r = req("POST", &s.url, "/api/v1/chats/config", Some(&a.user), Some(body)).await;
    assert_eq!(r.status, 401);
    let r = req("POST", &s.url, "/api/v1/chats/config", Some(&a.admin), Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body,
        r#"{"CONTEXT_COMPACTION_MODEL":"","ENABLE_CONTEXT_COMPACTION":true,"CONTEXT_COMPACTION_TOKEN_THRESHOLD":1,"CONTEXT_COMPACTION_TOKEN_CAP":1,"CONTEXT_COMPACTION_RETENTION_PERCENTAGE":50,"CONTEXT_COMPACTION_PROMPT_TEMPLATE":"t","ENABLE_TOOL_PERMISSIONS":false,"ENABLE_TOOL_SEARCH":false,"TOOL_SEARCH_DEFER_THRESHOLD":0,"TOOL_SEARCH_ALWAYS_LOADED":["a","b"],"TOOL_SEARCH_DEFER_BUILTIN_TOOLS":true}"#
    );
    let c = s.db.client().await;
    let row = |k: &'static str| {
        let c = &c;
        async move { c.query_one("SELECT value FROM config WHERE key = $1", &[&k]).await.unwrap().get::<_, Value>(0) }
    };
    assert_eq!(row("chat.context_compaction.retention_percentage").await, json!(50));
    assert_eq!(row("chat.tool_search.always_loaded").await, json!(["a", "b"]));
    assert_eq!(row("chat.tool_search.defer_builtin_tools").await, json!(true));
    let r = req("GET", &s.url, "/api/v1/chats/config", Some(&a.admin), None).await;
    assert!(r.body.contains(r#""CONTEXT_COMPACTION_RETENTION_PERCENTAGE":50"#), "{}", r.body);

    // The form's required fields, as pydantic names them.
    let r = req("POST", &s.url, "/api/v1/chats/config", Some(&a.admin), Some("{}")).await;
    assert_eq!(r.status, 422);
    let locs: Vec<Value> = r.json()["detail"].as_array().unwrap().iter().map(|e| e["loc"].clone()).collect();
    assert_eq!(locs, [json!(["body", "ENABLE_CONTEXT_COMPACTION"]), json!(["body", "CONTEXT_COMPACTION_PROMPT_TEMPLATE"])]);
}
