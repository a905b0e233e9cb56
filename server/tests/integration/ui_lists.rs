//! The lists the web UI reads on its pages: skills, terminal servers, memories, the knowledge
//! search and external connections, and the admin panel's Analytics page, over rows inserted as
//! the reference writes them (two users, a group, grants).

use serde_json::{json, Value};

use crate::common::*;
use crate::tools::grant;
use crate::users::{req, setup, Accounts};

fn ids<'a>(v: &'a Value, at: &str) -> Vec<&'a str> {
    v.pointer(at).unwrap().as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect()
}

/// A group holding Bob (`a.user`); its id.
async fn bobs_group(s: &TestServer, a: &Accounts) -> String {
    let r = req("POST", &s.url, "/api/v1/groups/create", Some(&a.admin), Some(r#"{"name":"G","description":"d"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let gid = r.json()["id"].as_str().unwrap().to_string();
    let body = json!({"user_ids": [a.user_id]}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/groups/id/{gid}/users/add"), Some(&a.admin), Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    gid
}

#[tokio::test]
async fn skills_are_filtered_by_access_grants_and_name() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let gid = bobs_group(&s, &a).await;
    let db = s.db.client().await;
    for (id, owner, at) in [("bob_own", &a.user_id, 50), ("group_read", &a.other_id, 40), ("public_read", &a.other_id, 30), ("private", &a.other_id, 20)] {
        db.execute(
            "INSERT INTO skill (id, user_id, name, description, content, meta, is_active, updated_at, created_at)
             VALUES ($1, $2, $3, 'd', 'body', '{\"tags\": [\"t\"], \"other\": 1}', true, $4, 1)",
            &[&id, owner, &format!("Skill {id}"), &(at as i64)],
        )
        .await
        .unwrap();
    }
    grant(&db, "skill", "group_read", "group", &gid, "read").await;
    grant(&db, "skill", "public_read", "user", "*", "read").await;

    let r = req("GET", &s.url, "/api/v1/skills/", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(&r.json(), ""), ["bob_own", "group_read", "public_read"]);
    let first = &r.json()[0];
    assert_eq!(first["meta"], json!({"i18n": null, "tags": ["t"]}));
    assert_eq!(first["user"]["email"], "bob@example.com");
    assert!(first.get("content").is_none());
    assert_eq!(r.json()[1]["access_grants"][0]["principal_id"], gid.as_str());

    let r = req("GET", &s.url, "/api/v1/skills/?query=PUBLIC", Some(&a.user), None).await;
    assert_eq!(ids(&r.json(), ""), ["public_read"]);
    let r = req("GET", &s.url, "/api/v1/skills/", Some(&a.admin), None).await;
    assert_eq!(ids(&r.json(), "").len(), 4);
    let r = req("GET", &s.url, "/api/v1/skills/", None, None).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn terminals_are_listed_to_whom_their_grants_reach() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let body = json!({"TERMINAL_SERVER_CONNECTIONS": [
        {"id": "admins", "name": "Admins only", "url": "http://t1", "key": "secret", "config": {}},
        {"id": "everyone", "name": "Everyone", "url": "http://t2", "config": {"access_grants": [{"principal_type": "user", "principal_id": "*", "permission": "read"}], "chat_uploads": "filesystem"},
         "server_type": "orchestrator"},
        {"id": "off", "name": "Off", "url": "http://t3", "enabled": false, "config": {"access_grants": [{"principal_type": "user", "principal_id": "*", "permission": "read"}]}},
    ]})
    .to_string();
    let r = req("POST", &s.url, "/api/v1/configs/terminal_servers", Some(&a.admin), Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let r = req("GET", &s.url, "/api/v1/terminals/", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(&r.json(), ""), ["admins", "everyone"]);
    let r = req("GET", &s.url, "/api/v1/terminals/", Some(&a.user), None).await;
    assert_eq!(
        r.json(),
        json!([{"id": "everyone", "url": "http://t2", "name": "Everyone", "contexts": {}, "config": {"chat_uploads": "filesystem"}}])
    );
}

#[tokio::test]
async fn memories_are_the_callers_own() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let db = s.db.client().await;
    for (id, owner) in [("m1", &a.user_id), ("m2", &a.other_id)] {
        db.execute(
            "INSERT INTO memory (id, user_id, content, updated_at, created_at, type, path, meta) VALUES ($1, $2, 'likes tea', 2, 1, 'user', NULL, NULL)",
            &[&id, owner],
        )
        .await
        .unwrap();
    }
    let r = req("GET", &s.url, "/api/v1/memories/", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!([{"id": "m1", "user_id": a.user_id, "type": "user", "path": null, "content": "likes tea", "meta": null, "updated_at": 2, "created_at": 1}])
    );
    let r = req("GET", &s.url, "/api/v1/memories/", Some(&a.admin), None).await;
    assert_eq!(r.json(), json!([]));
}

#[tokio::test]
async fn memories_turned_off_answer_404() {
    let s = TestServer::start_with(&[("ENABLE_MEMORIES", "false")]).await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/v1/memories/", Some(&a.user), None).await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[tokio::test]
async fn knowledge_search_pages_the_readable_bases() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let db = s.db.client().await;
    for (id, owner, at, meta) in [
        ("bob_kb", &a.user_id, 50_i64, None),
        ("shared_kb", &a.other_id, 40, None),
        ("external_kb", &a.other_id, 30, Some(r#"{"source": "external"}"#)),
        ("private_kb", &a.other_id, 20, None),
    ] {
        db.execute(
            "INSERT INTO knowledge (id, user_id, name, description, meta, created_at, updated_at, data) VALUES ($1, $2, $3, 'about tea', $4::text::json, 1, $5, NULL)",
            &[&id, owner, &format!("KB {id}"), &meta, &at],
        )
        .await
        .unwrap();
    }
    db.execute("INSERT INTO file (id, user_id, filename, created_at, updated_at) VALUES ('f', $1, 'tea.md', 1, 1)", &[&a.user_id]).await.unwrap();
    db.execute(
        "INSERT INTO knowledge_file (id, user_id, knowledge_id, file_id, created_at, updated_at) VALUES ('kf', $1, 'bob_kb', 'f', 1, 1)",
        &[&a.user_id],
    )
    .await
    .unwrap();
    grant(&db, "knowledge", "shared_kb", "user", &a.user_id, "write").await;
    grant(&db, "knowledge", "shared_kb", "user", &a.user_id, "read").await;
    grant(&db, "knowledge", "external_kb", "user", "*", "read").await;

    let r = req("GET", &s.url, "/api/v1/knowledge/search", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!((ids(&v, "/items"), v["total"].as_i64()), (vec!["bob_kb", "shared_kb", "external_kb"], Some(3)));
    assert_eq!(v["items"][0]["file_count"], 1);
    let writable: Vec<bool> = v["items"].as_array().unwrap().iter().map(|k| k["write_access"].as_bool().unwrap()).collect();
    assert_eq!(writable, [true, true, false]);

    let r = req("GET", &s.url, "/api/v1/knowledge/search?source=external&page=1", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(&r.json(), "/items"), ["external_kb"]);
    let r = req("GET", &s.url, "/api/v1/knowledge/search?source=local&view_option=shared", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(&r.json(), "/items"), ["shared_kb"]);
    let r = req("GET", &s.url, "/api/v1/knowledge/search?order_by=name&direction=asc", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(&r.json(), "/items"), ["bob_kb", "external_kb", "private_kb", "shared_kb"]);
    let r = req("GET", &s.url, "/api/v1/knowledge/search?page=2", Some(&a.admin), None).await;
    assert_eq!((r.json()["items"].as_array().unwrap().len(), r.json()["total"].as_i64()), (0, Some(4)));

    let r = req("GET", &s.url, "/api/v1/knowledge/external/connections", Some(&a.admin), None).await;
    assert_eq!(r.json(), json!({"items": [], "total": 0}));
    let r = req("GET", &s.url, "/api/v1/knowledge/external/connections", Some(&a.user), None).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn analytics_count_the_assistant_answers() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let db = s.db.client().await;
    // 2026-01-10 and 2026-01-11, 10:00 UTC.
    const D1: i64 = 1_768_039_200;
    const D2: i64 = D1 + 86_400;
    let rows: [(&str, &str, &str, &str, Option<&str>, i64, Option<&str>); 5] = [
        ("c1-0", "c1", &a.user_id, "user", None, D1, None),
        ("c1-1", "c1", &a.user_id, "assistant", Some("m-a"), D1 + 5, Some(r#"{"input_tokens": 10, "output_tokens": 5}"#)),
        ("c1-2", "c1", &a.user_id, "assistant", Some("m-a"), D2, Some(r#"{"prompt_tokens": 1, "completion_tokens": 2}"#)),
        ("c2-1", "c2", &a.other_id, "assistant", Some("m-b"), D2 + 700, None),
        ("c2-2", "c2", &a.other_id, "assistant", Some("m-a"), D2 + 800, None),
    ];
    for (chat, uid) in [("c1", &a.user_id), ("c2", &a.other_id)] {
        db.execute("INSERT INTO chat (id, user_id, title, created_at, updated_at, chat) VALUES ($1, $2, 't', 1, 1, '{}')", &[&chat, uid]).await.unwrap();
    }
    for (id, chat, uid, role, model, at, usage) in rows {
        db.execute(
            "INSERT INTO chat_message (id, chat_id, user_id, role, model_id, created_at, updated_at, usage) VALUES ($1, $2, $3, $4, $5, $6, $6, $7::text::json)",
            &[&id, &chat, &uid, &role, &model, &at, &usage],
        )
        .await
        .unwrap();
    }
    let get = |path: String| {
        let (url, admin) = (s.url.clone(), a.admin.clone());
        async move {
            let r = req("GET", &url, &path, Some(&admin), None).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            r.json()
        }
    };
    assert_eq!(get("/api/v1/analytics/summary".into()).await, json!({"total_messages": 4, "total_chats": 2, "total_models": 2, "total_users": 2}));
    let models = get("/api/v1/analytics/models".into()).await;
    assert_eq!(models["models"][0], json!({"model_id": "m-a", "count": 3, "unique_users": 2, "unique_chats": 2}));
    let tokens = get("/api/v1/analytics/tokens".into()).await;
    assert_eq!(tokens["models"], json!([{"model_id": "m-a", "input_tokens": 11, "output_tokens": 7, "total_tokens": 18, "message_count": 2}]));
    assert_eq!(tokens["total_tokens"], 18);
    let users = get("/api/v1/analytics/users?metric=tokens&limit=1".into()).await;
    assert_eq!(
        users["users"],
        json!([{"user_id": a.user_id, "name": "Bob", "email": "bob@example.com", "count": 2, "input_tokens": 11, "output_tokens": 7, "total_tokens": 18}])
    );
    let daily = get(format!("/api/v1/analytics/daily?start_date={}&end_date={}", D1 - 86_400, D2 + 3_600)).await;
    assert_eq!(
        daily["data"],
        json!([
            {"date": "2026-01-09", "models": {}, "start": null, "end": null, "previous": null},
            {"date": "2026-01-10", "models": {"m-a": 1}, "start": null, "end": null, "previous": null},
            {"date": "2026-01-11", "models": {"m-a": 2, "m-b": 1}, "start": null, "end": null, "previous": null},
        ])
    );
    let hourly = get(format!("/api/v1/analytics/daily?start_date={D2}&end_date={}&granularity=hourly&metric=tokens", D2 + 3599)).await;
    assert_eq!(hourly["data"], json!([{"date": "2026-01-11 10:00", "models": {"m-a": 3, "m-b": 0}, "start": null, "end": null, "previous": null}]));
    let compared = get(format!("/api/v1/analytics/daily?start_date={D2}&end_date={}&compare=true", D2 + 86_399)).await;
    assert_eq!(compared["data"][0]["previous"]["models"], json!({"m-a": 1}));
    assert_eq!(compared["data"][0]["start"], "2026-01-11T10:00:00");
    let r = req("GET", &s.url, "/api/v1/analytics/daily?compare=true", Some(&a.admin), None).await;
    assert_eq!(r.status, 400);
    let r = req("GET", &s.url, "/api/v1/analytics/summary", Some(&a.user), None).await;
    assert_eq!(r.status, 401);
}
