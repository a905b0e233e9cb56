//! `/api/v1/users`: role gates of every route (anonymous, pending, user, admin), the session
//! user's own routes, the admin list/update/delete, profile images, default permissions, and
//! bodies compared with the Python reference.

use serde_json::{json, Value};

use crate::auths::{call, Resp};
use crate::common::*;

pub const ACCESS_PROHIBITED: &str =
    "You do not have permission to access this resource. Please contact your administrator for assistance.";
pub const ACTION_PROHIBITED: &str = "The requested action has been restricted as a security measure.";
pub const USER_NOT_FOUND: &str = "We could not find what you're looking for :/";

/// Accounts of one server: the first (admin), a user, a second user and a pending account.
pub struct Accounts {
    pub admin: String,
    pub admin_id: String,
    pub user: String,
    pub user_id: String,
    pub other: String,
    pub other_id: String,
    pub pending: String,
    #[allow(dead_code)]
    pub pending_id: String,
}

/// `call` with an optional bearer token.
pub async fn req(method: &str, base: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Resp {
    let h = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = h.as_deref().map(|v| vec![("authorization", v)]).unwrap_or_default();
    call(method, &format!("{base}{path}"), &headers, body).await
}

pub async fn setup(base: &str) -> Accounts {
    let r = call(
        "POST",
        &format!("{base}/api/v1/auths/signup"),
        &[],
        Some(r#"{"name":"Admin","email":"admin@example.com","password":"admin-pw"}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let admin = r.json()["token"].as_str().unwrap().to_string();
    let admin_id = r.json()["id"].as_str().unwrap().to_string();
    let mut made = Vec::new();
    for (name, email, role) in [("Bob", "bob@example.com", "user"), ("Carol", "carol@example.com", "user"), ("Pat", "pat@example.com", "pending")] {
        let body = json!({"name": name, "email": email, "password": "pw", "role": role}).to_string();
        let r = req("POST", base, "/api/v1/auths/add", Some(&admin), Some(&body)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        made.push((r.json()["token"].as_str().unwrap().to_string(), r.json()["id"].as_str().unwrap().to_string()));
    }
    let mut it = made.into_iter();
    let (user, user_id) = it.next().unwrap();
    let (other, other_id) = it.next().unwrap();
    let (pending, pending_id) = it.next().unwrap();
    Accounts { admin, admin_id, user, user_id, other, other_id, pending, pending_id }
}

fn detail(r: &Resp) -> Value {
    r.json()["detail"].clone()
}

/// Anonymous: 401 "Not authenticated"; pending: 401 ACCESS_PROHIBITED.
async fn assert_gated(base: &str, a: &Accounts, method: &str, path: &str, body: Option<&str>) {
    let r = req(method, base, path, None, body).await;
    assert_eq!((r.status, detail(&r)), (401, json!("Not authenticated")), "{method} {path} anonymous");
    let r = req(method, base, path, Some(&a.pending), body).await;
    assert_eq!((r.status, detail(&r)), (401, json!(ACCESS_PROHIBITED)), "{method} {path} pending");
}

#[tokio::test]
async fn role_gates_of_every_users_route() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let uid = a.user_id.clone();
    // (method, path, body, a verified user may call it)
    let routes: Vec<(&str, String, Option<&str>, bool)> = vec![
        ("GET", "/api/v1/users/".into(), None, false),
        ("GET", "/api/v1/users/all".into(), None, false),
        ("GET", "/api/v1/users/search".into(), None, true),
        ("GET", "/api/v1/users/groups".into(), None, true),
        ("GET", "/api/v1/users/permissions".into(), None, true),
        ("GET", "/api/v1/users/default/permissions".into(), None, false),
        ("GET", "/api/v1/users/default/permissions/defaults".into(), None, false),
        ("GET", "/api/v1/users/user/info".into(), None, true),
        ("POST", "/api/v1/users/user/info/update".into(), Some("{}"), true),
        ("GET", "/api/v1/users/user/status".into(), None, true),
        ("GET", "/api/v1/users/user/variables".into(), None, true),
        ("POST", "/api/v1/users/user/variables/update".into(), Some(r#"{"variables":{}}"#), true),
        ("GET", format!("/api/v1/users/{uid}"), None, false),
        ("GET", format!("/api/v1/users/{uid}/info"), None, true),
        ("GET", format!("/api/v1/users/{uid}/active"), None, true),
        ("GET", format!("/api/v1/users/{uid}/groups"), None, false),
        ("GET", format!("/api/v1/users/{uid}/profile/image"), None, true),
        ("POST", format!("/api/v1/users/{uid}/update"), Some("{}"), false),
        ("GET", format!("/api/v1/users/{uid}/preview"), None, false),
    ];
    for (method, path, body, user_ok) in &routes {
        assert_gated(&s.url, &a, method, path, *body).await;
        let r = req(method, &s.url, path, Some(&a.user), *body).await;
        if *user_ok {
            assert_eq!(r.status, 200, "{method} {path} as user: {}", r.body);
        } else {
            assert_eq!((r.status, detail(&r)), (401, json!(ACCESS_PROHIBITED)), "{method} {path} as user");
        }
    }
    // Admin-only routes a user cannot reach, with side effects.
    for (method, path) in [("DELETE", format!("/api/v1/users/{}", a.other_id)), ("POST", format!("/api/v1/users/{}/sessions/revoke", a.other_id))] {
        assert_gated(&s.url, &a, method, &path, None).await;
        let r = req(method, &s.url, &path, Some(&a.user), None).await;
        assert_eq!((r.status, detail(&r)), (401, json!(ACCESS_PROHIBITED)), "{method} {path} as user");
    }
    let r = req("POST", &s.url, "/api/v1/users/default/permissions", Some(&a.user), Some("{}")).await;
    assert_eq!(r.status, 401);
    // Routes under `{user_id}` that only exist for the literal segment.
    for path in ["/api/v1/users/nobody/status", "/api/v1/users/nobody/variables", "/api/v1/users/x/permissions"] {
        let r = req("GET", &s.url, path, Some(&a.admin), None).await;
        assert_eq!((r.status, detail(&r)), (404, json!("Not Found")), "{path}");
    }
}

#[tokio::test]
async fn admin_list_get_update_delete() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    // "First user" is the oldest `created_at` (seconds). Accounts made in the same second tie,
    // in the reference too; real installs are made seconds apart, so make that so here.
    s.db.client()
        .await
        .execute(r#"UPDATE "user" SET created_at = created_at - 60 WHERE id = $1"#, &[&a.admin_id])
        .await
        .unwrap();
    let r = req("GET", &s.url, "/api/v1/users/?page=1&order_by=name&direction=asc", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["total"], json!(4));
    let names: Vec<&str> = v["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Admin", "Bob", "Carol", "Pat"]);
    let keys: Vec<&String> = v["users"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys.first().map(|k| k.as_str()), Some("id"));
    assert_eq!(keys.last().map(|k| k.as_str()), Some("group_ids"));
    let r = req("GET", &s.url, "/api/v1/users/?query=car", Some(&a.admin), None).await;
    assert_eq!(r.json()["total"], json!(1));
    let r = req("GET", &s.url, "/api/v1/users/?page=abc", Some(&a.admin), None).await;
    assert_eq!(r.status, 422);
    assert_eq!(detail(&r)[0]["type"], json!("int_parsing"));
    let r = req("GET", &s.url, "/api/v1/users/?page=2", Some(&a.admin), None).await;
    assert_eq!(r.json(), json!({"users": [], "total": 4}));

    // `search` and `all`: groups [] and is_active false whatever the user's activity.
    let r = req("GET", &s.url, "/api/v1/users/search?query=bob", Some(&a.user), None).await;
    let v = r.json();
    assert_eq!(v["total"], json!(1));
    assert_eq!(v["users"][0]["is_active"], json!(false));
    assert_eq!(v["users"][0]["groups"], json!([]));
    let r = req("GET", &s.url, "/api/v1/users/all", Some(&a.admin), None).await;
    assert_eq!(r.json()["total"], json!(4));

    // One user.
    let r = req("GET", &s.url, &format!("/api/v1/users/{}", a.user_id), Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let keys: Vec<String> = r.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(&keys[..8], ["status_emoji", "status_message", "status_expires_at", "name", "profile_image_url", "groups", "is_active", "id"]);
    let r = req("GET", &s.url, "/api/v1/users/missing", Some(&a.admin), None).await;
    assert_eq!((r.status, detail(&r)), (400, json!(USER_NOT_FOUND)));
    let r = req("GET", &s.url, "/api/v1/users/missing/info", Some(&a.user), None).await;
    assert_eq!((r.status, detail(&r)), (400, json!(USER_NOT_FOUND)));

    // Update: the first admin is protected from others and from losing the role.
    let r = req("POST", &s.url, &format!("/api/v1/users/{}/update", a.admin_id), Some(&a.admin), Some(r#"{"role":"user"}"#)).await;
    assert_eq!((r.status, detail(&r)), (403, json!(ACTION_PROHIBITED)));
    let r = req("POST", &s.url, &format!("/api/v1/users/{}/update", a.user_id), Some(&a.admin), Some(r#"{"email":"CAROL@example.com"}"#)).await;
    assert_eq!(r.status, 400);
    let r = req(
        "POST",
        &s.url,
        &format!("/api/v1/users/{}/update", a.user_id),
        Some(&a.admin),
        Some(r#"{"name":"Robert","email":"Robert@Example.com","role":"admin"}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!((v["name"].as_str(), v["email"].as_str(), v["role"].as_str()), (Some("Robert"), Some("robert@example.com"), Some("admin")));
    let r = req("POST", &s.url, &format!("/api/v1/users/{}/update", a.user_id), Some(&a.admin), Some(r#"{"profile_image_url":"javascript:alert(1)"}"#)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    // The promoted user (an admin now, not the first) cannot touch the first admin.
    let r = req("POST", &s.url, &format!("/api/v1/users/{}/update", a.admin_id), Some(&a.user), Some(r#"{"name":"x"}"#)).await;
    assert_eq!((r.status, detail(&r)), (403, json!(ACTION_PROHIBITED)));
    let r = req("DELETE", &s.url, &format!("/api/v1/users/{}", a.admin_id), Some(&a.user), None).await;
    assert_eq!((r.status, detail(&r)), (403, json!(ACTION_PROHIBITED)));
    // Admin-set password: the old sessions end, the new password works.
    let r = req("POST", &s.url, &format!("/api/v1/users/{}/update", a.other_id), Some(&a.admin), Some(r#"{"password":"new-pw"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = req("GET", &s.url, "/api/v1/auths/", Some(&a.other), None).await;
    assert_eq!(r.status, 401);
    let r = call("POST", &format!("{}/api/v1/auths/signin", s.url), &[], Some(r#"{"email":"carol@example.com","password":"new-pw"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let carol = r.json()["token"].as_str().unwrap().to_string();
    // Revoking sessions ends them too.
    let r = req("POST", &s.url, &format!("/api/v1/users/{}/sessions/revoke", a.other_id), Some(&a.admin), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("GET", &s.url, "/api/v1/auths/", Some(&carol), None).await;
    assert_eq!(r.status, 401);
    let r = req("POST", &s.url, "/api/v1/users/missing/sessions/revoke", Some(&a.admin), None).await;
    assert_eq!((r.status, detail(&r)), (404, json!("User not found.")));

    // Delete: not oneself, not the first admin; then the user is gone.
    let r = req("DELETE", &s.url, &format!("/api/v1/users/{}", a.admin_id), Some(&a.admin), None).await;
    assert_eq!(r.status, 403);
    let r = req("DELETE", &s.url, &format!("/api/v1/users/{}", a.other_id), Some(&a.admin), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let r = req("GET", &s.url, &format!("/api/v1/users/{}", a.other_id), Some(&a.admin), None).await;
    assert_eq!(r.status, 400);
    let r = call("POST", &format!("{}/api/v1/auths/signin", s.url), &[], Some(r#"{"email":"carol@example.com","password":"new-pw"}"#)).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn session_user_info_status_variables() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/v1/users/user/info", Some(&a.user), None).await;
    assert_eq!(r.body, "null");
    let r = req("POST", &s.url, "/api/v1/users/user/info/update", Some(&a.user), Some(r#"{"b":1,"a":{"x":2}}"#)).await;
    assert_eq!(r.body, r#"{"b":1,"a":{"x":2}}"#);
    let r = req("POST", &s.url, "/api/v1/users/user/info/update", Some(&a.user), Some(r#"{"c":3,"b":null}"#)).await;
    assert_eq!(r.body, r#"{"b":null,"a":{"x":2},"c":3}"#);
    // Another user's info stays theirs.
    let r = req("GET", &s.url, "/api/v1/users/user/info", Some(&a.other), None).await;
    assert_eq!(r.body, "null");
    let r = req("POST", &s.url, "/api/v1/users/user/info/update", Some(&a.user), Some("[1]")).await;
    assert_eq!(r.status, 422);

    let r = req("GET", &s.url, "/api/v1/users/user/variables", Some(&a.user), None).await;
    assert_eq!(r.body, r#"{"variables":{}}"#);
    let r = req("POST", &s.url, "/api/v1/users/user/variables/update", Some(&a.user), Some(r#"{"variables":{"city":"Paris\r\nFR"}}"#)).await;
    assert_eq!(r.body, r#"{"variables":{"city":"Paris\nFR"}}"#);
    let r = req("POST", &s.url, "/api/v1/users/user/variables/update", Some(&a.user), Some(r#"{"variables":{"City":"x"}}"#)).await;
    assert_eq!((r.status, detail(&r)), (400, json!("Invalid user variable key: City")));
    let r = req("POST", &s.url, "/api/v1/users/user/variables/update", Some(&a.user), Some(r#"{"variables":{"n":1}}"#)).await;
    assert_eq!((r.status, detail(&r)), (400, json!("User variable must be a string: n")));
    let r = req("GET", &s.url, "/api/v1/users/user/variables", Some(&a.user), None).await;
    assert_eq!(r.body, r#"{"variables":{"city":"Paris\nFR"}}"#);
    let r = req("GET", &s.url, "/api/v1/users/user/variables", Some(&a.other), None).await;
    assert_eq!(r.body, r#"{"variables":{}}"#);

    let r = req("POST", &s.url, "/api/v1/users/user/status/update", Some(&a.user), Some(r#"{"status_emoji":"🌴","status_message":"away"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status_emoji"], json!("🌴"));
    let r = req("POST", &s.url, "/api/v1/users/user/status/update", Some(&a.user), Some(r#"{"status_message":null,"status_expires_at":5}"#)).await;
    assert_eq!((r.json()["status_message"].clone(), r.json()["status_expires_at"].clone()), (json!("away"), json!(5)));
    let r = req("GET", &s.url, "/api/v1/users/user/status", Some(&a.user), None).await;
    assert_eq!(r.json()["status_message"], json!("away"));
    let r = req("GET", &s.url, &format!("/api/v1/users/{}/info", a.user_id), Some(&a.other), None).await;
    assert_eq!(r.json()["status_emoji"], json!("🌴"));
    let r = req("GET", &s.url, &format!("/api/v1/users/{}/active", a.user_id), Some(&a.other), None).await;
    assert_eq!(r.body, r#"{"active":true}"#);
    let r = req("GET", &s.url, "/api/v1/users/nobody/active", Some(&a.other), None).await;
    assert_eq!(r.body, r#"{"active":false}"#);
    s.db.client()
        .await
        .execute("INSERT INTO config (key, value, updated_at) VALUES ('users.enable_status', 'false'::json, 0)", &[])
        .await
        .unwrap();
    s.reload_settings().await;
    let r = req("GET", &s.url, "/api/v1/users/user/status", Some(&a.user), None).await;
    assert_eq!((r.status, detail(&r)), (403, json!(ACTION_PROHIBITED)));
}

#[tokio::test]
async fn default_permissions_and_groups_of_a_user() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/v1/users/default/permissions", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let defaults = r.json();
    let features: Vec<&String> = defaults["features"].as_object().unwrap().keys().collect();
    assert_eq!(features[..3], ["api_keys", "notes", "channels"]);
    let r = req("GET", &s.url, "/api/v1/users/default/permissions/defaults", Some(&a.admin), None).await;
    assert_eq!(r.json(), defaults);
    let r = req("POST", &s.url, "/api/v1/users/default/permissions", Some(&a.admin), Some(r#"{"workspace":{}}"#)).await;
    assert_eq!(r.status, 422);
    assert_eq!(detail(&r).as_array().unwrap().len(), 5);
    let mut new = defaults.clone();
    new["workspace"]["models"] = json!(true);
    new["chat"].as_object_mut().unwrap().remove("import");
    new["chat"]["unknown"] = json!(true);
    let r = req("POST", &s.url, "/api/v1/users/default/permissions", Some(&a.admin), Some(&new.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let saved = r.json();
    assert_eq!(saved["workspace"]["models"], json!(true));
    assert_eq!(saved["chat"]["import"], json!(true));
    assert!(saved["chat"].get("unknown").is_none());
    let r = req("GET", &s.url, "/api/v1/users/default/permissions", Some(&a.admin), None).await;
    assert_eq!(r.json(), saved);
    let r = req("GET", &s.url, "/api/v1/users/permissions", Some(&a.user), None).await;
    assert_eq!(r.json()["workspace"]["models"], json!(true));

    // Groups of a user (no groups yet), and the query's 422.
    let r = req("GET", &s.url, &format!("/api/v1/users/{}/groups", a.user_id), Some(&a.admin), None).await;
    assert_eq!(r.body, "[]");
    let r = req("GET", &s.url, "/api/v1/users/groups?include_inherited=maybe", Some(&a.user), None).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn profile_images() {
    let static_dir = tempfile::tempdir().unwrap();
    std::fs::write(static_dir.path().join("user.png"), b"PNG stock").unwrap();
    let s = TestServer::start_with(&[("STATIC_DIR", static_dir.path().to_str().unwrap())]).await;
    let a = setup(&s.url).await;
    let path = format!("/api/v1/users/{}/profile/image", a.user_id);
    let r = req("GET", &s.url, &path, Some(&a.other), None).await;
    assert_eq!((r.status, r.header("content-type").as_deref()), (200, Some("image/png")));
    assert_eq!(r.body.as_bytes(), b"PNG stock");
    let r = req("GET", &s.url, "/api/v1/users/missing/profile/image", Some(&a.other), None).await;
    assert_eq!((r.status, detail(&r)), (400, json!(USER_NOT_FOUND)));

    let set = |url: &str| json!({"profile_image_url": url}).to_string();
    let r = req("POST", &s.url, &format!("/api/v1/users/{}/update", a.user_id), Some(&a.admin), Some(&set("data:image/png;base64,aGVsbG8="))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = req("GET", &s.url, &path, Some(&a.other), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "hello");
    assert_eq!(r.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(r.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(r.header("content-disposition").as_deref(), Some("inline"));

    let r = req("POST", &s.url, &format!("/api/v1/users/{}/update", a.user_id), Some(&a.admin), Some(&set("https://img.example/a.png"))).await;
    assert_eq!(r.status, 200);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(format!("{}{path}", s.url)).bearer_auth(&a.other).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert_eq!(r.headers()["location"], "https://img.example/a.png");

    // XSS-API: an SVG (or HTML) data URI stored behind the API's back is never served as such.
    for bad in ["data:image/svg+xml;base64,PHN2Zy8+", "data:image/png;base64,abc", "data:text/html;base64,PGI+"] {
        s.db.client().await.execute(r#"UPDATE "user" SET profile_image_url = $2 WHERE id = $1"#, &[&a.user_id, &bad]).await.unwrap();
        let r = req("GET", &s.url, &path, Some(&a.other), None).await;
        assert_eq!((r.status, r.header("content-type").as_deref()), (200, Some("image/png")), "{bad}");
        assert_eq!(r.body.as_bytes(), b"PNG stock", "{bad}");
    }
    // Python's lax b64decode drops characters outside the alphabet: `%%%` is an empty PNG.
    s.db.client().await.execute(r#"UPDATE "user" SET profile_image_url = 'data:image/png;base64,%%%' WHERE id = $1"#, &[&a.user_id]).await.unwrap();
    let r = req("GET", &s.url, &path, Some(&a.other), None).await;
    assert_eq!((r.status, r.header("content-type").as_deref(), r.body.as_str()), (200, Some("image/png"), ""));
}

/// A JSON body with every `last_active_at` set to 0 (each server touches it on its own clock);
/// other bodies as they are.
pub fn mask_activity(body: &str) -> String {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "last_active_at" {
                        *x = json!(0);
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<Value>(body) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        Err(_) => body.to_string(),
    }
}

/// Same bodies from the reference and from us, for the same accounts on one database.
#[tokio::test]
async fn users_bodies_match_the_reference() {
    let Some((reference, s)) = shared_backends().await else { return };
    let a = setup(&reference.url).await;
    // Writes through the reference, reads through both.
    let r = req("POST", &reference.url, "/api/v1/users/user/info/update", Some(&a.user), Some(r#"{"k":"v"}"#)).await;
    assert_eq!(r.status, 200);
    let r = req("POST", &reference.url, "/api/v1/users/user/status/update", Some(&a.user), Some(r#"{"status_emoji":"x"}"#)).await;
    assert_eq!(r.status, 200);
    let uid = a.user_id.clone();
    // Two chats of messages (no token usage) for the usage report.
    let c = s.db.client().await;
    for (chat, t) in [("c1", 1_790_100_000i64), ("c2", 1_790_300_000)] {
        c.execute("INSERT INTO chat (id, user_id, title, created_at, updated_at, chat) VALUES ($1, $2, 't', $3, $3, '{}')", &[&chat, &uid, &t])
            .await
            .unwrap();
        for (i, (role, model)) in [("user", None), ("assistant", Some("m1")), ("user", None), ("assistant", Some("m2")), ("assistant", Some("m1"))].iter().enumerate() {
            let id = format!("{chat}-{i}");
            let at = t + i as i64 * 60;
            c.execute(
                "INSERT INTO chat_message (id, chat_id, user_id, role, model_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
                &[&id, &chat, &uid, role, model, &at],
            )
            .await
            .unwrap();
        }
    }
    drop(c);
    let cases: Vec<(&str, String, Option<&str>, &str)> = vec![
        ("GET", "/api/v1/users/?order_by=email&direction=asc".into(), None, &a.admin),
        ("GET", "/api/v1/users/all".into(), None, &a.admin),
        ("GET", "/api/v1/users/search?query=o&order_by=name".into(), None, &a.user),
        ("GET", "/api/v1/users/search?page=abc".into(), None, &a.user),
        ("GET", "/api/v1/users/groups".into(), None, &a.user),
        ("GET", "/api/v1/users/groups?include_inherited=maybe".into(), None, &a.user),
        ("GET", "/api/v1/users/permissions".into(), None, &a.user),
        ("GET", "/api/v1/users/default/permissions".into(), None, &a.admin),
        ("GET", "/api/v1/users/default/permissions/defaults".into(), None, &a.admin),
        ("GET", "/api/v1/users/user/info".into(), None, &a.user),
        ("GET", "/api/v1/users/user/status".into(), None, &a.user),
        ("GET", "/api/v1/users/user/variables".into(), None, &a.user),
        ("GET", format!("/api/v1/users/{uid}/info"), None, &a.other),
        ("GET", "/api/v1/users/nope/info".into(), None, &a.other),
        ("GET", format!("/api/v1/users/{uid}/profile/image"), None, &a.other),
        ("GET", "/api/v1/users/nope/profile/image".into(), None, &a.other),
        ("GET", format!("/api/v1/users/{uid}/active"), None, &a.pending),
        ("GET", format!("/api/v1/users/{uid}/groups"), None, &a.admin),
        ("GET", format!("/api/v1/users/{uid}/groups"), None, &a.user),
        ("GET", format!("/api/v1/users/{uid}"), None, &a.pending),
        ("POST", "/api/v1/users/user/variables/update".into(), Some(r#"{"variables":{"Bad":"x"}}"#), &a.user),
        ("POST", "/api/v1/users/default/permissions".into(), Some(r#"{"workspace":{"models":"maybe"}}"#), &a.admin),
        ("POST", format!("/api/v1/users/{}/update", a.admin_id), Some(r#"{"role":"user"}"#), &a.admin),
        ("DELETE", format!("/api/v1/users/{}", a.admin_id), None, &a.admin),
        ("POST", "/api/v1/users/nope/sessions/revoke".into(), None, &a.admin),
        ("GET", format!("/api/v1/users/{uid}/preview"), None, &a.admin),
        ("GET", "/api/v1/users/nope/preview".into(), None, &a.admin),
        ("GET", "/api/v1/users/usage?start_date=1790000000&end_date=1792000000".into(), None, &a.user),
        ("GET", "/api/v1/users/usage?days=3".into(), None, &a.user),
        ("GET", "/api/v1/users/usage?start_date=5&end_date=4".into(), None, &a.user),
        ("GET", "/api/v1/auths/mfa/status".into(), None, &a.user),
        ("GET", "/api/v1/auths/mfa/status".into(), None, &a.pending),
        ("POST", format!("/api/v1/users/{uid}/update"), Some(r#"{"profile_image_url":"data:image/png;base64,aGk="}"#), &a.pending),
    ];
    for (method, path, body, token) in &cases {
        let theirs = req(method, &reference.url, path, Some(token), *body).await;
        let ours = req(method, &s.url, path, Some(token), *body).await;
        assert_eq!((ours.status, mask_activity(&ours.body)), (theirs.status, mask_activity(&theirs.body)), "{method} {path}");
    }
    // Activity times move; compare with them masked.
    for (path, token) in [(format!("/api/v1/users/{uid}"), &a.admin), ("/api/v1/users/user/status".to_string(), &a.user)] {
        let mask = |b: &str| {
            let mut v: Value = serde_json::from_str(b).unwrap();
            v["last_active_at"] = json!(0);
            v.to_string()
        };
        let theirs = req("GET", &reference.url, &path, Some(token), None).await;
        let ours = req("GET", &s.url, &path, Some(token), None).await;
        assert_eq!(mask(&ours.body), mask(&theirs.body), "{path}");
    }
    reference.stop();
}

#[tokio::test]
async fn mfa_status() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/v1/auths/mfa/status", None, None).await;
    assert_eq!((r.status, detail(&r)), (401, json!("Not authenticated")));
    for token in [&a.pending, &a.user, &a.admin] {
        let r = req("GET", &s.url, "/api/v1/auths/mfa/status", Some(token), None).await;
        assert_eq!((r.status, r.body.as_str()), (200, r#"{"enabled":false,"required":false,"recovery_codes_remaining":0}"#));
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    }
    s.db.client()
        .await
        .execute(r#"UPDATE auth SET mfa = '{"secret":"enc","recovery_hashes":["a","b"]}' WHERE id = $1"#, &[&a.user_id])
        .await
        .unwrap();
    let r = req("GET", &s.url, "/api/v1/auths/mfa/status", Some(&a.user), None).await;
    assert_eq!(r.body, r#"{"enabled":true,"required":false,"recovery_codes_remaining":2}"#);
    // Another account's state is not the caller's.
    let r = req("GET", &s.url, "/api/v1/auths/mfa/status", Some(&a.other), None).await;
    assert_eq!(r.json()["enabled"], json!(false));
}

/// The users lists at the page size (30) and one past it: with 30 users page 1 holds all of them
/// and page 2 is empty; with 31, page 1 has 30, page 2 the last one, page 3 is empty. The total
/// is the whole count on every page, the empty ones included. Same for `/users/search`.
#[tokio::test]
async fn users_list_pages_at_the_page_size() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let client = s.db.client().await;
    // `setup` makes 4 accounts; 26 more make 30. Distinct names sort them (`order_by=name`).
    let add = |n: usize| {
        let id = format!("page-user-{n:02}");
        let sql = r#"INSERT INTO "user" (id, name, email, role, profile_image_url, last_active_at, updated_at, created_at)
                     VALUES ($1, $2, $3, 'user', '', 0, 0, 0)"#;
        (sql, id.clone(), format!("Zed {n:02}"), format!("{id}@example.com"))
    };
    for n in 0..26 {
        let (sql, id, name, email) = add(n);
        client.execute(sql, &[&id, &name, &email]).await.unwrap();
    }
    let page = |n: u32| format!("/api/v1/users/?page={n}&order_by=name&direction=asc");
    let names = |v: &Value| -> Vec<String> { v["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap().to_string()).collect() };

    let r = req("GET", &s.url, &page(1), Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((names(&r.json()).len(), r.json()["total"].clone()), (30, json!(30)));
    let r = req("GET", &s.url, &page(2), Some(&a.admin), None).await;
    assert_eq!(r.json(), json!({"users": [], "total": 30}));

    let (sql, id, name, email) = add(26);
    client.execute(sql, &[&id, &name, &email]).await.unwrap();
    let r = req("GET", &s.url, &page(1), Some(&a.admin), None).await;
    let first = names(&r.json());
    assert_eq!((first.len(), r.json()["total"].clone()), (30, json!(31)));
    let r = req("GET", &s.url, &page(2), Some(&a.admin), None).await;
    assert_eq!((names(&r.json()), r.json()["total"].clone()), (vec!["Zed 26".to_string()], json!(31)));
    assert!(!first.contains(&"Zed 26".to_string()));
    let r = req("GET", &s.url, &page(3), Some(&a.admin), None).await;
    assert_eq!(r.json(), json!({"users": [], "total": 31}));

    // `/users/search` pages the same way (any signed-in user).
    let search = |n: u32| format!("/api/v1/users/search?page={n}&order_by=name&direction=asc");
    let r = req("GET", &s.url, &search(1), Some(&a.user), None).await;
    assert_eq!((r.json()["users"].as_array().unwrap().len(), r.json()["total"].clone()), (30, json!(31)));
    let r = req("GET", &s.url, &search(2), Some(&a.user), None).await;
    assert_eq!((names(&r.json()), r.json()["total"].clone()), (vec!["Zed 26".to_string()], json!(31)));
    let r = req("GET", &s.url, &search(3), Some(&a.user), None).await;
    assert_eq!(r.json(), json!({"users": [], "total": 31}));
}
