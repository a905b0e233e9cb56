//! `/api/models` and the connections' settings: the merged list filtered per user by access
//! grants (two users, a group, a public grant, an owner), `refresh` parsing, an upstream that is
//! down, and the admin-only `/openai/config` and `/ollama/config` routes.

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::*;
use crate::users::{req, setup, ACCESS_PROHIBITED};

/// A one-route-per-path fake provider: `GET /v1/models` lists `ids`, `/api/tags` and `/api/ps`
/// list nothing, `/api/version` answers a version. Answers every connection once and closes it.
async fn fake_upstream(ids: &'static [&'static str]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&got);
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                let body = match path.as_str() {
                    "/v1/models" => json!({"object": "list", "data": ids.iter().map(|id| json!({"id": id, "object": "model", "created": 1, "owned_by": "fake"})).collect::<Vec<_>>()}),
                    "/api/tags" | "/api/ps" => json!({"models": []}),
                    "/api/version" => json!({"version": "0.9.0"}),
                    _ => json!({"error": "not found"}),
                };
                let body = body.to_string();
                let rsp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(rsp.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

/// A GET that does not follow redirects: (status, location, content type).
async fn get_no_redirect(url: &str, token: &str) -> (u16, Option<String>, Option<String>) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(url).bearer_auth(token).send().await.unwrap();
    let h = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    (r.status().as_u16(), h("location"), h("content-type"))
}

/// A port nothing listens on.
async fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

fn ids(v: &Value) -> Vec<String> {
    v["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn model_list_is_filtered_by_access_grants_per_user() {
    let up = fake_upstream(&["m-public", "m-group", "m-private", "m-unlisted"]).await;
    let s = TestServer::start_with(&[
        ("OPENAI_API_BASE_URL", &format!("{up}/v1")),
        ("OPENAI_API_KEY", "k"),
        ("OLLAMA_BASE_URL", &up),
        ("MODELS_CACHE_TTL", "0"),
    ])
    .await;
    let a = setup(&s.url).await;
    // A group with Bob in it.
    let r = req("POST", &s.url, "/api/v1/groups/create", Some(&a.admin), Some(r#"{"name":"G","description":"d"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let gid = r.json()["id"].as_str().unwrap().to_string();
    let body = json!({"user_ids": [a.user_id]}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/groups/id/{gid}/users/add"), Some(&a.admin), Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Workspace entries over three base models, and one preset owned by Carol (`other`).
    let db = s.db.client().await;
    for (id, owner, base) in [
        ("m-public", &a.admin_id, None),
        ("m-group", &a.admin_id, None),
        ("m-private", &a.admin_id, None),
        ("carol-preset", &a.other_id, Some("m-private")),
    ] {
        db.execute(
            "INSERT INTO model (id, user_id, base_model_id, name, params, meta, is_active, updated_at, created_at)
             VALUES ($1, $2, $3, $4, '{}', '{\"description\": \"d\", \"tags\": [\"x\", {\"name\": \" y \"}]}', true, 1, 1)",
            &[&id, owner, &base, &format!("Name {id}")],
        )
        .await
        .unwrap();
    }
    for (gid_, rid, ptype, pid, perm) in [
        ("g1", "m-public", "user", "*", "read"),
        ("g2", "m-group", "group", gid.as_str(), "read"),
        ("g3", "m-private", "user", a.user_id.as_str(), "write"),
    ] {
        db.execute(
            "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at)
             VALUES ($1, 'model', $2, $3, $4, $5, 1)",
            &[&gid_, &rid, &ptype, &pid, &perm],
        )
        .await
        .unwrap();
    }

    let admin = req("GET", &s.url, "/api/models", Some(&a.admin), None).await;
    assert_eq!(admin.status, 200, "{}", admin.body);
    assert_eq!(ids(&admin.json()), ["m-public", "m-group", "m-private", "m-unlisted", "carol-preset"]);
    let m = &admin.json()["data"][0];
    assert_eq!(m["name"], "Name m-public");
    assert_eq!(m["owned_by"], "openai");
    assert_eq!(m["urlIdx"], 0);
    assert_eq!(m["tags"], json!([{"name": "x"}, {"name": "y"}]));
    assert_eq!(m["info"]["access_grants"][0]["principal_id"], "*");
    assert!(m["info"]["meta"].get("profile_image_url").is_none());
    let preset = &admin.json()["data"][4];
    assert_eq!(preset["preset"], true);
    assert_eq!(preset["owned_by"], "openai");
    assert_eq!(preset["connection_type"], "external");

    // Bob: public and his group's; a write grant is no read grant.
    let bob = req("GET", &s.url, "/api/models", Some(&a.user), None).await;
    assert_eq!(ids(&bob.json()), ["m-public", "m-group"]);
    // Carol: public and her own preset.
    let carol = req("GET", &s.url, "/api/models", Some(&a.other), None).await;
    assert_eq!(ids(&carol.json()), ["m-public", "carol-preset"]);
    // The OpenAI-compatible path answers the same list.
    let v1 = req("GET", &s.url, "/api/v1/models", Some(&a.other), None).await;
    assert_eq!(ids(&v1.json()), ["m-public", "carol-preset"]);

    // A deactivated override hides its base model.
    db.execute("UPDATE model SET is_active = false WHERE id = 'm-public'", &[]).await.unwrap();
    let carol = req("GET", &s.url, "/api/models?refresh=true", Some(&a.other), None).await;
    assert_eq!(ids(&carol.json()), ["carol-preset"]);

    // Base models: admin only, without workspace entries.
    let base = req("GET", &s.url, "/api/models/base", Some(&a.admin), None).await;
    assert_eq!(ids(&base.json()), ["m-public", "m-group", "m-private", "m-unlisted"]);
    let r = req("GET", &s.url, "/api/models/base", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (401, ACCESS_PROHIBITED));
}

#[tokio::test]
async fn model_list_bad_input_and_sessions() {
    let down = closed_port().await;
    let s = TestServer::start_with(&[("OPENAI_API_BASE_URL", &down), ("OLLAMA_BASE_URL", &down)]).await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/models", None, None).await;
    assert_eq!(r.status, 401);
    let r = req("GET", &s.url, "/api/models", Some(&a.pending), None).await;
    assert_eq!(r.status, 401);
    let r = req("GET", &s.url, "/api/models?refresh=maybe", Some(&a.user), None).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["detail"][0]["loc"], json!(["query", "refresh"]));
    // Both upstreams refuse connections: an empty list, at once.
    let r = req("GET", &s.url, "/api/models?refresh=1", Some(&a.admin), None).await;
    assert_eq!((r.status, r.json()), (200, json!({"data": []})));
}

#[tokio::test]
async fn connection_settings_round_trip_and_are_admin_only() {
    let up = fake_upstream(&["fake-gpt"]).await;
    let s = TestServer::start_with(&[
        ("OPENAI_API_BASE_URLS", "http://a.invalid/v1; http://b.invalid/v1"),
        ("OPENAI_API_KEY", "k1"),
        ("OLLAMA_BASE_URL", "http://ollama.invalid:11434/"),
    ])
    .await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/openai/config", Some(&a.admin), None).await;
    assert_eq!(
        r.json(),
        json!({"ENABLE_OPENAI_API": true, "OPENAI_API_BASE_URLS": ["http://a.invalid/v1", "http://b.invalid/v1"],
               "OPENAI_API_KEYS": ["k1"], "OPENAI_API_CONFIGS": {}})
    );
    let r = req("GET", &s.url, "/ollama/config", Some(&a.admin), None).await;
    assert_eq!(r.json(), json!({"ENABLE_OLLAMA_API": true, "OLLAMA_BASE_URLS": ["http://ollama.invalid:11434"], "OLLAMA_API_CONFIGS": {}}));
    for (m, p) in [("GET", "/openai/config"), ("GET", "/ollama/config"), ("POST", "/openai/config/update"), ("POST", "/ollama/config/update")] {
        let r = req(m, &s.url, p, Some(&a.user), Some("{}")).await;
        assert_eq!(r.status, 401, "{m} {p}");
        let r = req(m, &s.url, p, None, Some("{}")).await;
        assert_eq!(r.status, 401, "{m} {p}");
    }
    // Keys padded to the URLs, configs of missing indexes dropped; stored in `config`.
    let body = json!({"OPENAI_API_BASE_URLS": [format!("{up}/v1"), "http://x.invalid"], "OPENAI_API_KEYS": ["k"],
                      "OPENAI_API_CONFIGS": {"0": {"prefix_id": "p"}, "5": {}}, "ENABLE_OPENAI_API": true});
    let r = req("POST", &s.url, "/openai/config/update", Some(&a.admin), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["OPENAI_API_KEYS"], json!(["k", ""]));
    assert_eq!(r.json()["OPENAI_API_CONFIGS"], json!({"0": {"prefix_id": "p"}}));
    let db = s.db.client().await;
    let row = db.query_one("SELECT value FROM config WHERE key = 'openai.api_keys'", &[]).await.unwrap();
    assert_eq!(row.get::<_, Value>(0), json!(["k", ""]));
    // The prefix shows in the list at once (the cache was dropped).
    let r = req("GET", &s.url, "/api/models", Some(&a.admin), None).await;
    assert_eq!(ids(&r.json()), ["p.fake-gpt"]);
    // Missing fields: pydantic's 422.
    let r = req("POST", &s.url, "/ollama/config/update", Some(&a.admin), Some(r#"{"OLLAMA_BASE_URLS": "x"}"#)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    // verify: the provider's answer, or the reference's connection error.
    let body = json!({"url": format!("{up}/v1"), "key": "k"}).to_string();
    let r = req("POST", &s.url, "/openai/verify", Some(&a.admin), Some(&body)).await;
    assert_eq!(r.json()["data"][0]["id"], "fake-gpt");
    let body = json!({"url": up}).to_string();
    let r = req("POST", &s.url, "/ollama/verify", Some(&a.admin), Some(&body)).await;
    assert_eq!(r.json(), json!({"version": "0.9.0"}));
    let body = json!({"url": closed_port().await, "key": ""}).to_string();
    let r = req("POST", &s.url, "/openai/verify", Some(&a.admin), Some(&body)).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (500, "Open WebUI: Server Connection Error"));
    // A URL that names no server is the caller's mistake: 400 with the same words (the reference: 500).
    for (path, body) in [("/openai/verify", json!({"url": "", "key": ""})), ("/ollama/verify", json!({"url": "not a url"}))] {
        let r = req("POST", &s.url, path, Some(&a.admin), Some(&body.to_string())).await;
        assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (400, "Open WebUI: Server Connection Error"), "{path}");
    }
}

#[tokio::test]
async fn workspace_models_owners_readers_and_strangers() {
    let up = fake_upstream(&["m1"]).await;
    let s = TestServer::start_with(&[
        ("OPENAI_API_BASE_URL", &format!("{up}/v1")),
        ("OLLAMA_BASE_URL", &up),
        ("USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS", "true"),
    ])
    .await;
    let a = setup(&s.url).await;
    let preset = |id: &str, base: &str| {
        json!({"id": id, "base_model_id": base, "name": format!("N {id}"), "meta": {"description": "d", "tags": ["t1"]},
               "params": {"system": "secret"}})
        .to_string()
    };
    // Bob creates a preset over m1; the id of a provider model is taken.
    let r = req("POST", &s.url, "/api/v1/models/create", Some(&a.user), Some(&preset("bob-preset", "m1"))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let created = r.json();
    assert_eq!((created["user_id"].as_str(), created["is_active"].as_bool()), (Some(a.user_id.as_str()), Some(true)));
    assert_eq!(created["meta"]["tags"], json!([{"name": "t1"}]));
    assert!(created["version_id"].is_string());
    let r = req("POST", &s.url, "/api/v1/models/create", Some(&a.user), Some(&preset("m1", "m1"))).await;
    assert_eq!(r.status, 401, "{}", r.body);
    let r = req("POST", &s.url, "/api/v1/models/create", Some(&a.user), Some(&preset("bob-preset", "m1"))).await;
    assert_eq!((r.status, r.json()["detail"].as_str().unwrap()), (401, "Uh-oh! This model id is already registered. Please choose another model id string."));
    // Bad ids.
    let r = req("POST", &s.url, "/api/v1/models/create", Some(&a.user), Some(&preset("a b", "m1"))).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = req("POST", &s.url, "/api/v1/models/create", Some(&a.user), Some(&preset(&"x".repeat(257), "m1"))).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = req("POST", &s.url, "/api/v1/models/create", Some(&a.user), Some(r#"{"id":"x"}"#)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = req("GET", &s.url, "/api/v1/models/model", Some(&a.user), None).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // The owner reads it with its params; Carol may not; Carol may not change or delete it.
    let r = req("GET", &s.url, "/api/v1/models/model?id=bob-preset", Some(&a.user), None).await;
    assert_eq!((r.json()["write_access"].as_bool(), r.json()["params"]["system"].as_str()), (Some(true), Some("secret")));
    let r = req("GET", &s.url, "/api/v1/models/model?id=bob-preset", Some(&a.other), None).await;
    assert_eq!(r.status, 401);
    let r = req("POST", &s.url, "/api/v1/models/model/toggle?id=bob-preset", Some(&a.other), None).await;
    assert_eq!(r.status, 401);
    let r = req("POST", &s.url, "/api/v1/models/model/delete", Some(&a.other), Some(r#"{"id":"bob-preset"}"#)).await;
    assert_eq!(r.status, 401);
    let grants = json!({"id": "bob-preset", "access_grants": [{"principal_type": "user", "principal_id": a.other_id, "permission": "write"}]});
    let r = req("POST", &s.url, "/api/v1/models/model/access/update", Some(&a.other), Some(&grants.to_string())).await;
    assert_eq!(r.status, 400, "{}", r.body);
    // Bob may not share (no sharing.models permission by default): 403, nothing stored.
    let read = json!({"id": "bob-preset", "access_grants": [{"principal_type": "user", "principal_id": a.other_id, "permission": "read"}]});
    let r = req("POST", &s.url, "/api/v1/models/model/access/update", Some(&a.user), Some(&read.to_string())).await;
    assert_eq!(r.status, 403, "{}", r.body);
    // The admin grants Carol read: she reads it without params, and sees it in /api/models.
    let r = req("POST", &s.url, "/api/v1/models/model/access/update", Some(&a.admin), Some(&read.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["access_grants"][0]["principal_id"], a.other_id.as_str());
    let r = req("GET", &s.url, "/api/v1/models/model?id=bob-preset", Some(&a.other), None).await;
    assert_eq!((r.json()["write_access"].as_bool(), r.json()["params"].clone()), (Some(false), json!({})));
    let r = req("GET", &s.url, "/api/models", Some(&a.other), None).await;
    assert_eq!(ids(&r.json()), ["bob-preset"]);
    assert_eq!(r.json()["data"][0]["info"]["params"], json!({}));
    let r = req("GET", &s.url, "/api/v1/models/tags", Some(&a.other), None).await;
    assert_eq!(r.json(), json!(["t1"]));
    // The workspace list: the reader sees it without params; the owner with them.
    let r = req("GET", &s.url, "/api/v1/models/list", Some(&a.other), None).await;
    assert_eq!(r.json()["total"], 1, "{}", r.body);
    assert_eq!((r.json()["items"][0]["write_access"].as_bool(), r.json()["items"][0]["params"].clone()), (Some(false), json!({})));
    assert_eq!(r.json()["items"][0]["user"]["id"], a.user_id.as_str());
    let r = req("GET", &s.url, "/api/v1/models/list?view_option=created", Some(&a.other), None).await;
    assert_eq!(r.json()["total"], 0);
    let r = req("GET", &s.url, "/api/v1/models/list?tag=T1&query=N%20bob", Some(&a.user), None).await;
    assert_eq!((r.json()["total"].as_i64(), r.json()["items"][0]["write_access"].as_bool()), (Some(1), Some(true)));
    let r = req("GET", &s.url, "/api/v1/models/list?page=2", Some(&a.user), None).await;
    assert_eq!((r.json()["total"].as_i64(), r.json()["items"].as_array().map(Vec::len)), (Some(1), Some(0)));
    // The owner turns it off: gone from the list.
    let r = req("POST", &s.url, "/api/v1/models/model/toggle?id=bob-preset", Some(&a.user), None).await;
    assert_eq!(r.json()["is_active"], false);
    let r = req("GET", &s.url, "/api/models", Some(&a.other), None).await;
    assert_eq!(ids(&r.json()), Vec::<String>::new());
    // An admin's grant on a provider model without an entry creates the entry.
    let public = json!({"id": "m1", "access_grants": [{"principal_type": "user", "principal_id": "*", "permission": "read"}]});
    let r = req("POST", &s.url, "/api/v1/models/model/access/update", Some(&a.admin), Some(&public.to_string())).await;
    assert_eq!((r.status, r.json()["name"].as_str()), (200, Some("m1")));
    let r = req("GET", &s.url, "/api/v1/models/base", Some(&a.admin), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = req("GET", &s.url, "/api/v1/models/all", Some(&a.user), None).await;
    assert_eq!(r.status, 401);
    // Delete: the owner may; then it is gone.
    let r = req("POST", &s.url, "/api/v1/models/model/delete", Some(&a.user), Some(r#"{"id":"bob-preset"}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("GET", &s.url, "/api/v1/models/model?id=bob-preset", Some(&a.user), None).await;
    assert_eq!(r.status, 404);
    let db = s.db.client().await;
    let n: i64 = db.query_one("SELECT count(*) FROM model_history WHERE model_id = 'bob-preset'", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
    let r = req("DELETE", &s.url, "/api/v1/models/delete/all", Some(&a.admin), None).await;
    assert_eq!(r.body, "true");
    let r = req("GET", &s.url, "/api/v1/models/all", Some(&a.admin), None).await;
    assert_eq!(r.json(), json!([]));
}

/// A benchmark, not a test (ignored by default): `/api/models` for a regular user who belongs to
/// 50 groups, over 200 provider models that each have a workspace entry granted to one group.
/// Run: `cargo nextest run -p server -E 'test(model_list_benchmark)' --run-ignored only --no-capture`.
#[tokio::test]
#[ignore]
async fn model_list_benchmark_200_models_50_groups() {
    static IDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let ids: &'static [&'static str] =
        IDS.get_or_init(|| (0..200).map(|i| &*Box::leak(format!("bench-model-{i:03}").into_boxed_str())).collect());
    let up = fake_upstream(ids).await;
    let s = TestServer::start_with(&[("OPENAI_API_BASE_URL", &format!("{up}/v1")), ("OLLAMA_BASE_URL", &up)]).await;
    let a = setup(&s.url).await;
    let mut groups = Vec::new();
    for g in 0..50 {
        let r = req("POST", &s.url, "/api/v1/groups/create", Some(&a.admin), Some(&json!({"name": format!("G{g}"), "description": "d"}).to_string())).await;
        let gid = r.json()["id"].as_str().unwrap().to_string();
        let body = json!({"user_ids": [a.user_id]}).to_string();
        req("POST", &s.url, &format!("/api/v1/groups/id/{gid}/users/add"), Some(&a.admin), Some(&body)).await;
        groups.push(gid);
    }
    let db = s.db.client().await;
    for (i, id) in ids.iter().enumerate() {
        db.execute(
            "INSERT INTO model (id, user_id, base_model_id, name, params, meta, is_active, updated_at, created_at)
             VALUES ($1, $2, NULL, $1, '{\"system\": \"s\"}', '{\"description\": \"d\", \"tags\": [\"t\"]}', true, 1, 1)",
            &[id, &a.admin_id],
        )
        .await
        .unwrap();
        db.execute(
            "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at)
             VALUES ($1, 'model', $2, 'group', $3, 'read', 1)",
            &[&format!("grant-{i}"), id, &groups[i % 50]],
        )
        .await
        .unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..30 {
        let t = std::time::Instant::now();
        let r = req("GET", &s.url, "/api/models", Some(&a.user), None).await;
        times.push(t.elapsed());
        assert_eq!(r.json()["data"].as_array().unwrap().len(), 200);
    }
    let t = std::time::Instant::now();
    let r = req("GET", &s.url, "/api/models?refresh=true", Some(&a.user), None).await;
    let refresh = t.elapsed();
    assert_eq!(r.status, 200);
    times.sort();
    println!(
        "GET /api/models, user in 50 groups, 200 models: median {:?}, min {:?}, max {:?} (30 requests); with refresh=true {:?}; {} bytes",
        times[15], times[0], times[29], refresh, r.body.len()
    );
}

#[tokio::test]
async fn model_update_versions_and_profile_images() {
    let up = fake_upstream(&["m1"]).await;
    let s = TestServer::start_with(&[("OPENAI_API_BASE_URL", &format!("{up}/v1")), ("OLLAMA_BASE_URL", &up)]).await;
    let a = setup(&s.url).await;
    let body = json!({"id": "p", "base_model_id": "m1", "name": "P", "meta": {"profile_image_url": "/static/favicon.png"}, "params": {}});
    let r = req("POST", &s.url, "/api/v1/models/create", Some(&a.admin), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v1 = r.json()["version_id"].as_str().unwrap().to_string();
    // A static image: a redirect to its normalised path; a stranger gets the favicon.
    let image = format!("{}/api/v1/models/model/profile/image?id=p", s.url);
    let db = s.db.client().await;
    db.execute(r#"UPDATE model SET meta = '{"profile_image_url": "/static/x/%2e%2e/logo.png"}' WHERE id = 'p'"#, &[]).await.unwrap();
    let r = get_no_redirect(&image, &a.admin).await;
    assert_eq!((r.0, r.1.as_deref()), (302, Some("/static/logo.png")));
    db.execute(r#"UPDATE model SET meta = '{"profile_image_url": "/static/favicon.png"}' WHERE id = 'p'"#, &[]).await.unwrap();
    let r = get_no_redirect(&image, &a.user).await;
    assert_eq!((r.0, r.1.as_deref()), (302, Some("/static/favicon.png")));
    // An update that changes nothing keeps the version; one that changes the name makes one.
    let same = json!({"id": "p", "name": "P", "meta": {}, "params": {}});
    let r = req("POST", &s.url, "/api/v1/models/model/update", Some(&a.admin), Some(&same.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["version_id"].as_str(), Some(v1.as_str()));
    assert_eq!(r.json()["base_model_id"], "m1");
    assert_eq!(r.json()["meta"]["profile_image_url"], "/static/favicon.png");
    let renamed = json!({"id": "p", "name": "P2", "meta": {"profile_image_url": "data:image/png;base64,iVBORw0KGgo="}, "params": {}});
    let r = req("POST", &s.url, "/api/v1/models/model/update", Some(&a.admin), Some(&renamed.to_string())).await;
    assert_ne!(r.json()["version_id"].as_str(), Some(v1.as_str()));
    let n: i64 = db.query_one("SELECT count(*) FROM model_history WHERE model_id = 'p'", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
    let r = get_no_redirect(&image, &a.admin).await;
    assert_eq!((r.0, r.2.as_deref()), (200, Some("image/png")));
    // Two versions; the current one cannot be deleted, the first can; strangers may not look.
    let r = req("GET", &s.url, "/api/v1/models/model/history?id=p", Some(&a.admin), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 2, "{}", r.body);
    assert_eq!(r.json()[1]["user"], json!({"name": "Admin"}));
    // The current version by id, not by place: both may share a created_at second.
    let v2 = r.json().as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).find(|id| *id != v1).unwrap();
    let r = req("GET", &s.url, &format!("/api/v1/models/model/history/{v1}?id=p"), Some(&a.admin), None).await;
    assert_eq!(r.json()["snapshot"]["name"], "P");
    let r = req("GET", &s.url, "/api/v1/models/model/history?id=p", Some(&a.user), None).await;
    assert_eq!(r.status, 403);
    let r = req("GET", &s.url, "/api/v1/models/model/history?id=p&page=x", Some(&a.admin), None).await;
    assert_eq!(r.status, 422);
    let r = req("DELETE", &s.url, &format!("/api/v1/models/model/history/{v2}?id=p"), Some(&a.admin), None).await;
    assert_eq!(r.status, 400);
    let r = req("DELETE", &s.url, &format!("/api/v1/models/model/history/{v1}?id=p"), Some(&a.admin), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("DELETE", &s.url, &format!("/api/v1/models/model/history/{v1}?id=p"), Some(&a.admin), None).await;
    assert_eq!(r.status, 404);
    let parent: Option<String> = db.query_one("SELECT parent_id FROM model_history WHERE id = $1", &[&v2]).await.unwrap().get(0);
    assert_eq!(parent, None);
    // Bad input and strangers.
    let r = req("POST", &s.url, "/api/v1/models/model/update", Some(&a.admin), Some(r#"{"id":"p","name":"x"}"#)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = req("POST", &s.url, "/api/v1/models/model/update", Some(&a.user), Some(&same.to_string())).await;
    assert_eq!(r.status, 400, "{}", r.body);
}

#[tokio::test]
async fn models_import_merges_and_checks_permissions() {
    let up = fake_upstream(&["m1"]).await;
    let s = TestServer::start_with(&[("OPENAI_API_BASE_URL", &format!("{up}/v1")), ("OLLAMA_BASE_URL", &up)]).await;
    let a = setup(&s.url).await;
    let items = json!({"models": [
        {"id": "i1", "base_model_id": "m1", "name": "I1", "meta": {"description": "d", "tags": ["x"]}, "params": {"temperature": 0.5}},
        {"id": "bad id", "name": "skipped"},
        {"name": "no id"},
        {"id": "i2", "base_model_id": "i2", "name": "I2", "meta": {}, "params": {}, "is_active": false},
    ]});
    let r = req("POST", &s.url, "/api/v1/models/import", Some(&a.admin), Some(&items.to_string())).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("GET", &s.url, "/api/v1/models/model?id=i1", Some(&a.admin), None).await;
    assert_eq!(r.json()["meta"]["description"], "d", "{}", r.body);
    // `base_model_id` equal to the id is healed to none.
    let r = req("GET", &s.url, "/api/v1/models/model?id=i2", Some(&a.admin), None).await;
    assert_eq!((r.json()["base_model_id"].clone(), r.json()["is_active"].clone()), (Value::Null, json!(false)));
    let db = s.db.client().await;
    let n: i64 = db.query_one("SELECT count(*) FROM model", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
    // Over an existing model: its meta merged, params replaced, a new version.
    let again = json!({"models": [{"id": "i1", "name": "I1b", "meta": {"tags": ["y"]}}]});
    let r = req("POST", &s.url, "/api/v1/models/import", Some(&a.admin), Some(&again.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = req("GET", &s.url, "/api/v1/models/model?id=i1", Some(&a.admin), None).await;
    let m = r.json();
    assert_eq!((m["name"].clone(), m["meta"]["description"].clone(), m["params"].clone()), (json!("I1b"), json!("d"), json!({})));
    assert_eq!(m["base_model_id"], "m1");
    let n: i64 = db.query_one("SELECT count(*) FROM model_history WHERE model_id = 'i1'", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
    // An item pydantic refuses: its words in a 400.
    let r = req("POST", &s.url, "/api/v1/models/import", Some(&a.admin), Some(r#"{"models":[{"id":"i3"}]}"#)).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["detail"].as_str().unwrap().starts_with("1 validation error for ModelForm\nname\n  Field required"), "{}", r.body);
    let r = req("POST", &s.url, "/api/v1/models/import", Some(&a.admin), Some(r#"{"models":{}}"#)).await;
    assert_eq!(r.status, 422);
    // A user needs the import permission; with it, another's model is refused (401), a preset
    // without a base model skipped, one named like a provider model refused.
    let one = json!({"models": [{"id": "u1", "base_model_id": "m1", "name": "U1", "meta": {}, "params": {}}]});
    let r = req("POST", &s.url, "/api/v1/models/import", Some(&a.user), Some(&one.to_string())).await;
    assert_eq!(r.status, 401);
    let perms = json!({"workspace": {"models_import": true}});
    let r = req("GET", &s.url, "/api/v1/users/default/permissions", Some(&a.admin), None).await;
    let mut all = r.json();
    all["workspace"]["models_import"] = json!(true);
    let _ = perms;
    let r = req("POST", &s.url, "/api/v1/users/default/permissions", Some(&a.admin), Some(&all.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = req("POST", &s.url, "/api/v1/models/import", Some(&a.user), Some(&one.to_string())).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("GET", &s.url, "/api/v1/models/model?id=u1", Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let theirs = json!({"models": [{"id": "i1", "name": "mine now", "meta": {}, "params": {}}]});
    let r = req("POST", &s.url, "/api/v1/models/import", Some(&a.user), Some(&theirs.to_string())).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["detail"], "Uh-oh! This model id is already registered. Please choose another model id string.");
    let no_base = json!({"models": [{"id": "u2", "name": "U2", "meta": {}, "params": {}}]});
    let r = req("POST", &s.url, "/api/v1/models/import", Some(&a.user), Some(&no_base.to_string())).await;
    assert_eq!(r.status, 200);
    let r = req("GET", &s.url, "/api/v1/models/model?id=u2", Some(&a.admin), None).await;
    assert_eq!(r.status, 404);
    let shadow = json!({"models": [{"id": "m1", "base_model_id": "m1x", "name": "M", "meta": {}, "params": {}}]});
    let r = req("POST", &s.url, "/api/v1/models/import", Some(&a.user), Some(&shadow.to_string())).await;
    assert_eq!(r.status, 401, "{}", r.body);
}

#[tokio::test]
async fn models_sync_replaces_the_workspace() {
    let up = fake_upstream(&["m1"]).await;
    let s = TestServer::start_with(&[("OPENAI_API_BASE_URL", &format!("{up}/v1")), ("OLLAMA_BASE_URL", &up)]).await;
    let a = setup(&s.url).await;
    for id in ["keep", "drop"] {
        let body = json!({"id": id, "base_model_id": "m1", "name": id, "meta": {}, "params": {}});
        let r = req("POST", &s.url, "/api/v1/models/create", Some(&a.admin), Some(&body.to_string())).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = req("GET", &s.url, "/api/v1/models/model?id=keep", Some(&a.admin), None).await;
    let keep_version = r.json()["version_id"].as_str().unwrap().to_string();
    let model = |id: &str, name: &str| {
        json!({"id": id, "user_id": "someone", "base_model_id": "m1", "name": name, "meta": {}, "params": {},
               "is_active": true, "updated_at": 1, "created_at": 1, "version_id": "foreign",
               "access_grants": [{"id": "g", "resource_type": "model", "resource_id": id, "principal_type": "user",
                                  "principal_id": "*", "permission": "read", "created_at": 1}]})
    };
    let body = json!({"models": [model("keep", "keep"), model("new", "New")]});
    let r = req("POST", &s.url, "/api/v1/models/sync", Some(&a.admin), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let out = r.json();
    let ids: Vec<&str> = out.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["keep", "new"]);
    // Unchanged: the same version, no grant added; new: owned by the admin, a local version, its grant.
    assert_eq!(out[0]["version_id"].as_str(), Some(keep_version.as_str()));
    assert_eq!(out[0]["access_grants"], json!([]));
    assert_ne!(out[1]["user_id"], "someone");
    assert_ne!(out[1]["version_id"], "foreign");
    assert_eq!(out[1]["access_grants"][0]["principal_id"], "*");
    let r = req("GET", &s.url, "/api/v1/models/model?id=drop", Some(&a.admin), None).await;
    assert_eq!(r.status, 404);
    let db = s.db.client().await;
    let n: i64 = db.query_one("SELECT count(*) FROM model_history WHERE model_id = 'drop'", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
    // A renamed model gets a version.
    let body = json!({"models": [model("keep", "Kept")]});
    let r = req("POST", &s.url, "/api/v1/models/sync", Some(&a.admin), Some(&body.to_string())).await;
    assert_ne!(r.json()[0]["version_id"].as_str(), Some(keep_version.as_str()));
    let n: i64 = db.query_one("SELECT count(*) FROM model", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
    // Admins only; bad bodies 422.
    let r = req("POST", &s.url, "/api/v1/models/sync", Some(&a.user), Some(r#"{"models":[]}"#)).await;
    assert_eq!(r.status, 401);
    let r = req("POST", &s.url, "/api/v1/models/sync", Some(&a.admin), Some(r#"{"models":[{"id":"x"}]}"#)).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn model_version_switch() {
    let up = fake_upstream(&["m1"]).await;
    let s = TestServer::start_with(&[("OPENAI_API_BASE_URL", &format!("{up}/v1")), ("OLLAMA_BASE_URL", &up)]).await;
    let a = setup(&s.url).await;
    let body = json!({"id": "v", "base_model_id": "m1", "name": "V1", "meta": {}, "params": {}});
    let r = req("POST", &s.url, "/api/v1/models/create", Some(&a.admin), Some(&body.to_string())).await;
    let v1 = r.json()["version_id"].as_str().unwrap().to_string();
    let body = json!({"id": "v", "name": "V2", "meta": {"hidden": true}, "params": {}, "is_active": false});
    let r = req("POST", &s.url, "/api/v1/models/model/update", Some(&a.admin), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let switch = json!({"version_id": v1}).to_string();
    let r = req("POST", &s.url, "/api/v1/models/model/update/version?id=v", Some(&a.admin), Some(&switch)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = r.json();
    // The old configuration, the live model's visibility and state, no new version.
    assert_eq!((m["name"].clone(), m["version_id"].clone(), m["is_active"].clone()), (json!("V1"), json!(v1), json!(false)));
    assert_eq!(m["meta"]["hidden"], true);
    let db = s.db.client().await;
    let n: i64 = db.query_one("SELECT count(*) FROM model_history WHERE model_id = 'v'", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
    // Unknown version or model 404; another user 403; no id 422.
    let r = req("POST", &s.url, "/api/v1/models/model/update/version?id=v", Some(&a.admin), Some(r#"{"version_id":"x"}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!("Model version not found")));
    let r = req("POST", &s.url, "/api/v1/models/model/update/version?id=nope", Some(&a.admin), Some(&switch)).await;
    assert_eq!(r.status, 404);
    let r = req("POST", &s.url, "/api/v1/models/model/update/version?id=v", Some(&a.user), Some(&switch)).await;
    assert_eq!(r.status, 403);
    let r = req("POST", &s.url, "/api/v1/models/model/update/version", Some(&a.admin), Some("{}")).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"].as_array().unwrap().len(), 2, "{}", r.body);
    // A base model the providers no longer list: 400.
    db.execute(r#"UPDATE model_history SET snapshot = jsonb_set(snapshot::jsonb, '{base_model_id}', '"gone"')::json WHERE id = $1"#, &[&v1]).await.unwrap();
    let r = req("POST", &s.url, "/api/v1/models/model/update/version?id=v", Some(&a.admin), Some(&switch)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("The base model is unavailable.")), "{}", r.body);
}
