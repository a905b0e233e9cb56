//! Authentication: sign-up, sign-in, sessions, role gates, 422 shapes, the sign-in rate limit,
//! and tokens and accounts shared with the Python reference.

use serde_json::{json, Value};

use crate::common::*;

/// A response: status, headers, body text.
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_string())
    }
    pub fn cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
    }
}

/// Sends a request; `headers` are `(name, value)` pairs, `body` raw bytes sent as JSON.
pub async fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
    let client = reqwest::Client::new();
    let mut rb = client.request(method.parse().unwrap(), url);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    if let Some(b) = body {
        rb = rb.header("content-type", "application/json").body(b.to_string());
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    Resp { status, headers, body: r.text().await.unwrap() }
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub async fn signup(base: &str, name: &str, email: &str, password: &str) -> Resp {
    let body = json!({"name": name, "email": email, "password": password}).to_string();
    call("POST", &format!("{base}/api/v1/auths/signup"), &[], Some(&body)).await
}

pub async fn signin(base: &str, email: &str, password: &str) -> Resp {
    let body = json!({"email": email, "password": password}).to_string();
    call("POST", &format!("{base}/api/v1/auths/signin"), &[], Some(&body)).await
}

pub async fn me(base: &str, headers: &[(&str, &str)]) -> Resp {
    call("GET", &format!("{base}/api/v1/auths/"), headers, None).await
}

async fn set_config(s: &TestServer, key: &str, value: Value) {
    s.db.client()
        .await
        .execute(
            "INSERT INTO config (key, value, updated_at) VALUES ($1, $2, 0) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )
        .await
        .unwrap();
    s.reload_settings().await;
}

/// `DEFAULT_USER_PERMISSIONS` as the reference serialises it.
const DEFAULT_PERMISSIONS: &str = r#"{"workspace":{"models":false,"knowledge":false,"prompts":false,"tools":false,"skills":false,"models_import":false,"models_export":false,"models_hidden":false,"prompts_import":false,"prompts_export":false,"tools_import":false,"tools_export":false,"skills_import":false,"skills_export":false},"sharing":{"models":false,"public_models":false,"knowledge":false,"public_knowledge":false,"prompts":false,"public_prompts":false,"tools":false,"public_tools":false,"skills":false,"public_skills":false,"notes":false,"public_notes":false,"folders":false,"public_chats":false,"open_chats":false,"public_calendars":false},"access_grants":{"allow_users":true,"allow_groups":true},"chat":{"controls":true,"valves":true,"system_prompt":true,"params":true,"file_upload":true,"web_upload":true,"delete":true,"delete_message":true,"continue_response":true,"regenerate_response":true,"rate_response":true,"edit":true,"share":true,"export":true,"import":true,"stt":true,"tts":true,"call":true,"multiple_models":true,"temporary":true,"temporary_enforced":false},"features":{"api_keys":false,"notes":true,"folders":true,"channels":true,"encrypted_channels":false,"direct_tool_servers":false,"web_search":true,"image_generation":true,"code_interpreter":true,"memories":true,"automations":false,"calendar":true,"webhooks":false},"settings":{"interface":true}}"#;

/// Replaces the value of `"key":"..."` (a string) in a JSON text by `*`.
fn mask(body: &str, keys: &[&str]) -> String {
    let mut v: Value = serde_json::from_str(body).unwrap();
    fn walk(v: &mut Value, keys: &[&str]) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if keys.contains(&k.as_str()) && !x.is_null() {
                        *x = json!("*");
                    } else {
                        walk(x, keys);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, keys)),
            _ => {}
        }
    }
    walk(&mut v, keys);
    v.to_string()
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

#[tokio::test]
async fn first_signup_is_admin_then_signup_closes() {
    let s = TestServer::start().await;
    let r = signup(&s.url, "Admin", "Admin@Example.com", "secret123").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let body = r.json();
    let id = body["id"].as_str().unwrap().to_string();
    // Byte-for-byte the reference's shape (ids and token masked).
    assert_eq!(
        mask(&r.body, &["id", "token", "expires_at"]).replace(&id, "ID"),
        format!(
            r#"{{"id":"*","name":"Admin","role":"admin","email":"admin@example.com","profile_image_url":"/api/v1/users/ID/profile/image","token":"*","token_type":"Bearer","expires_at":"*","permissions":{DEFAULT_PERMISSIONS}}}"#
        )
    );
    let token = body["token"].as_str().unwrap();
    let c = claims(token);
    let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "typ", "auth_method", "auth_time", "session_stamp", "mfa_verified", "exp", "jti", "iat"]);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 2419200);
    assert_eq!(body["expires_at"], c["exp"]);
    assert_eq!(r.cookies(), vec![format!("token={token}; HttpOnly; Max-Age=2419200; Path=/; SameSite=lax")]);

    // Sign-up is now off: stored in the config table, reported by /api/config, enforced.
    let row: Value = s.db.client().await.query_one("SELECT value FROM config WHERE key = 'ui.enable_signup'", &[]).await.unwrap().get(0);
    assert_eq!(row, json!(false));
    let (_, _, cfg) = get(&format!("{}/api/config", s.url)).await;
    assert!(String::from_utf8(cfg).unwrap().contains(r#""enable_signup":false"#));
    let r = signup(&s.url, "B", "b@example.com", "pw").await;
    assert_eq!((r.status, r.body.as_str()), (403, r#"{"detail":"You do not have permission to access this resource. Please contact your administrator for assistance."}"#));

    // The stored password is a bcrypt hash (cost 12) that the reference can verify.
    let hash: String = s.db.client().await.query_one("SELECT password FROM auth WHERE id = $1", &[&id]).await.unwrap().get(0);
    assert!(hash.starts_with("$2b$12$"), "{hash}");
}

#[tokio::test]
async fn twenty_concurrent_first_signups_make_exactly_one_admin() {
    let s = TestServer::start().await;
    let mut tasks = vec![];
    for i in 0..20 {
        let url = s.url.clone();
        tasks.push(tokio::spawn(async move { signup(&url, &format!("U{i}"), &format!("u{i}@example.com"), "pw").await }));
    }
    let mut roles = vec![];
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            200 => roles.push(r.json()["role"].as_str().unwrap().to_string()),
            // Those that start after the admin exists find sign-up closed.
            403 => {}
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    assert_eq!(roles.iter().filter(|r| *r == "admin").count(), 1, "{roles:?}");
    assert!(roles.iter().all(|r| r == "admin" || r == "pending"), "{roles:?}");
    let admins: i64 = s.db.client().await.query_one(r#"SELECT count(*) FROM "user" WHERE role = 'admin'"#, &[]).await.unwrap().get(0);
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn signin_signout_and_session_lookup() {
    let s = TestServer::start().await;
    assert_eq!(signup(&s.url, "Admin", "admin@example.com", "secret123").await.status, 200);

    let r = signin(&s.url, "ADMIN@example.com", "secret123").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_string();

    for (email, pw) in [("admin@example.com", "wrong"), ("nobody@example.com", "secret123")] {
        let r = signin(&s.url, email, pw).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (400, r#"{"detail":"The email or password provided is incorrect. Please check for typos and try logging in again."}"#)
        );
    }

    // The token works as a Bearer header, the `token` cookie, the x-api-key header, and an
    // Authorization header of another scheme (the reference's middleware takes any scheme).
    let b = bearer(&token);
    let cookie = format!("token={token}");
    let basic = format!("Basic {token}");
    for h in [("authorization", b.as_str()), ("cookie", cookie.as_str()), ("x-api-key", token.as_str()), ("authorization", basic.as_str())] {
        let r = me(&s.url, &[h]).await;
        assert_eq!(r.status, 200, "{h:?}: {}", r.body);
        let body = r.json();
        assert_eq!(body["token"], json!(token));
        let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "status_emoji", "status_message", "status_expires_at", "id", "name", "role", "email", "profile_image_url", "token",
                "token_type", "expires_at", "permissions", "bio", "gender", "date_of_birth"
            ]
        );
        assert_eq!(body["profile_image_url"], json!("/user.png"));
        let c = r.cookies();
        assert_eq!(c.len(), 1);
        assert!(c[0].starts_with(&format!("token={token}; expires=")), "{c:?}");
        assert!(c[0].ends_with("GMT; HttpOnly; Max-Age=") || c[0].contains("; HttpOnly; Max-Age="), "{c:?}");
        assert!(c[0].ends_with("; Path=/; SameSite=lax"), "{c:?}");
    }

    let r = call("POST", &format!("{}/api/v1/auths/signout", s.url), &[("authorization", &b)], None).await;
    assert_eq!((r.status, r.body.as_str()), (200, r#"{"status":true}"#));
    let names: Vec<String> = r.cookies().iter().map(|c| c.split('=').next().unwrap().to_string()).collect();
    assert_eq!(names, ["token", "owui-session", "oui-session", "oauth_id_token"]);
    assert!(r.cookies()[0].starts_with("token=\"\"; expires=") && r.cookies()[0].ends_with("; Max-Age=0; Path=/; SameSite=lax"));
    // The token is refused from now on (the reference, without Redis, still accepts it: see
    // `signout.rs`).
    assert_eq!(me(&s.url, &[("authorization", &b)]).await.status, 401);
}

#[tokio::test]
async fn bad_tokens_answer_like_the_reference() {
    let s = TestServer::start().await;
    let r = signup(&s.url, "Admin", "admin@example.com", "secret123").await;
    let body = r.json();
    let id = body["id"].as_str().unwrap().to_string();
    let stamp = claims(body["token"].as_str().unwrap())["session_stamp"].as_str().unwrap().to_string();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let mint = |claims: Value, exp: Option<i64>| {
        let mut m = claims.as_object().unwrap().clone();
        m.insert("typ".into(), json!("session"));
        server::http::auth::token::create_token(TEST_SECRET, m, exp, now)
    };

    type Case<'a> = (Vec<(&'a str, String)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (vec![], 401, "Not authenticated"),
        (vec![("authorization", "Bearer garbage".into())], 401, "401 Unauthorized"),
        (vec![("cookie", "token=".into())], 401, "401 Unauthorized"),
        // Signed with another key.
        (
            vec![("authorization", bearer(&server::http::auth::token::create_token("other", json!({"id": id}).as_object().unwrap().clone(), None, now)))],
            401,
            "401 Unauthorized",
        ),
        // Expired.
        (vec![("authorization", bearer(&mint(json!({"id": id, "session_stamp": stamp}), Some(-10))))], 401, "401 Unauthorized"),
        // An older session stamp (the password changed since).
        (vec![("authorization", bearer(&mint(json!({"id": id, "session_stamp": "old"}), Some(60))))], 401, "Invalid token"),
        // No such account.
        (vec![("authorization", bearer(&mint(json!({"id": "nobody", "session_stamp": stamp}), Some(60))))], 401, "Invalid authentication request."),
        // Unknown API key.
        (vec![("authorization", "Bearer sk-0000".into())], 401, "Your session has expired or the token is invalid. Please sign in again."),
    ];
    for (headers, status, detail) in cases {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = me(&s.url, &h).await;
        assert_eq!((r.status, r.json()), (status, json!({ "detail": detail })), "{headers:?}");
    }
    // A well-formed token of ours works.
    let good = mint(json!({"id": id, "session_stamp": stamp}), Some(60));
    assert_eq!(me(&s.url, &[("authorization", &bearer(&good))]).await.status, 200);
}

#[tokio::test]
async fn pending_users_are_held_at_the_gate() {
    let s = TestServer::start().await;
    let admin = signup(&s.url, "Admin", "admin@example.com", "secret123").await.json();
    set_config(&s, "ui.enable_signup", json!(true)).await;
    let r = signup(&s.url, "Pen", "pen@example.com", "pw").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["role"], json!("pending"));
    let pen = bearer(r.json()["token"].as_str().unwrap());

    // The session route and the admin contact answer; user and admin routes do not.
    assert_eq!(me(&s.url, &[("authorization", &pen)]).await.status, 200);
    let r = call("GET", &format!("{}/api/v1/auths/admin/details", s.url), &[("authorization", &pen)], None).await;
    assert_eq!((r.status, r.body.as_str()), (200, r#"{"name":"Admin","email":"admin@example.com"}"#));
    let prohibited = r#"{"detail":"You do not have permission to access this resource. Please contact your administrator for assistance."}"#;
    for path in ["/api/v1/users/user/settings", "/api/v1/auths/admin/config"] {
        let r = call("GET", &format!("{}{path}", s.url), &[("authorization", &pen)], None).await;
        assert_eq!((r.status, r.body.as_str()), (401, prohibited), "{path}");
    }
    // /api/config: the public part plus the pending overlay texts.
    let r = call("GET", &format!("{}/api/config", s.url), &[("authorization", &pen)], None).await;
    assert_eq!(
        r.body,
        r#"{"status":true,"name":"Open WebUI","version":"0.12.4","default_locale":"","i18n":{},"oauth":{"providers":{},"auto_redirect":false},"features":{"slim":false,"auth":true,"auth_trusted_header":false,"enable_signup_password_confirmation":false,"enable_ldap":false,"enable_signup":true,"enable_login_form":true,"enable_websocket":true,"enable_api_keys":false,"enable_password_change_form":true,"enable_version_update_check":false,"enable_pyodide_file_persistence":false,"enable_public_active_users_count":true,"enable_easter_eggs":true,"enable_direct_connections":false,"enable_direct_integrations":false,"enable_plugins":true,"enable_tools":true,"enable_functions":true,"enable_tool_servers":true,"enable_terminal_servers":false,"enable_folders":true,"folder_max_file_count":"","enable_channels":false,"enable_encrypted_channels":false,"enable_apps":false,"enable_calendar":true,"enable_automations":true,"enable_notes":true,"enable_context_compaction":false,"enable_tool_permissions":false,"enable_web_search":false,"enable_web_search_confirmation":false,"web_search_confirmation_content":"Your query will be sent to the configured web search provider.","enable_code_execution":true,"enable_code_interpreter":true,"enable_image_generation":false,"enable_autocomplete_generation":false,"enable_title_generation":true,"enable_follow_up_generation":true,"enable_tags_generation":true,"enable_community_sharing":true,"enable_message_rating":true,"enable_user_webhooks":false,"enable_user_status":true,"enable_admin_export":true,"enable_admin_chat_access":true,"enable_admin_analytics":true,"enable_google_drive_integration":false,"enable_onedrive_integration":false,"enable_memories":true,"enable_subagents":false},"ui":{"pending_user_overlay_title":"","pending_user_overlay_content":""}}"#
            .replace(r#""enable_version_update_check":false"#, r#""enable_version_update_check":true"#)
    );
    let _ = admin;
}

#[tokio::test]
async fn config_for_an_admin_matches_the_reference() {
    let s = TestServer::start_with(&[("ENABLE_VERSION_UPDATE_CHECK", "false")]).await;
    let admin = signup(&s.url, "Admin", "admin@example.com", "secret123").await.json();
    let auth = bearer(admin["token"].as_str().unwrap());
    let r = call("GET", &format!("{}/api/config", s.url), &[("authorization", &auth)], None).await;
    // Captured from open-webui 0.12.4 (ENABLE_VERSION_UPDATE_CHECK=false) right after the first sign-up.
    let expected = format!(
        r#"{{"status":true,"name":"Open WebUI","version":"0.12.4","default_locale":"","i18n":{{}},"oauth":{{"providers":{{}},"auto_redirect":false}},"features":{{"slim":false,"auth":true,"auth_trusted_header":false,"enable_signup_password_confirmation":false,"enable_ldap":false,"enable_signup":false,"enable_login_form":true,"enable_websocket":true,"enable_api_keys":false,"enable_password_change_form":true,"enable_version_update_check":false,"enable_pyodide_file_persistence":false,"enable_public_active_users_count":true,"enable_easter_eggs":true,"enable_direct_connections":false,"enable_direct_integrations":false,"enable_plugins":true,"enable_tools":true,"enable_functions":true,"enable_tool_servers":true,"enable_terminal_servers":false,"enable_folders":true,"folder_max_file_count":"","enable_channels":false,"enable_encrypted_channels":false,"enable_apps":false,"enable_calendar":true,"enable_automations":true,"enable_notes":true,"enable_context_compaction":false,"enable_tool_permissions":false,"enable_web_search":false,"enable_web_search_confirmation":false,"web_search_confirmation_content":"Your query will be sent to the configured web search provider.","enable_code_execution":true,"enable_code_interpreter":true,"enable_image_generation":false,"enable_autocomplete_generation":false,"enable_title_generation":true,"enable_follow_up_generation":true,"enable_tags_generation":true,"enable_community_sharing":true,"enable_message_rating":true,"enable_user_webhooks":false,"enable_user_status":true,"enable_admin_export":true,"enable_admin_chat_access":true,"enable_admin_analytics":true,"enable_google_drive_integration":false,"enable_onedrive_integration":false,"enable_memories":true,"enable_subagents":false}},"default_models":null,"default_pinned_models":null,"default_prompt_suggestions":null,"default_prompt_suggestions_i18n":{{}},"code":{{"engine":"pyodide","interpreter_engine":"pyodide"}},"audio":{{"realtime":{{"enabled":false,"model":"gpt-realtime-2.1-mini","voice":"marin"}},"tts":{{"engine":"","voice":"alloy","split_on":"punctuation"}},"stt":{{"engine":""}}}},"file":{{"max_size":null,"max_count":null,"image_compression":{{"width":null,"height":null}}}},"permissions":{DEFAULT_PERMISSIONS},"google_drive":{{"client_id":"","api_key":""}},"onedrive":{{"client_id_personal":"","client_id_business":"","sharepoint_url":"","sharepoint_tenant_id":""}},"ui":{{"default_interface_settings":{{}},"visibility":{{}},"pending_user_overlay_title":"","pending_user_overlay_content":"","response_watermark":"","iframe_csp":""}},"license_metadata":null}}"#
    );
    assert_eq!(r.body, expected);

    // The admin panel's auth settings, as the reference answers them.
    let r = call("GET", &format!("{}/api/v1/auths/admin/config", s.url), &[("authorization", &auth)], None).await;
    assert_eq!(
        r.body,
        r#"{"ENABLE_MFA":false,"MFA_ALLOW_OAUTH_BYPASS":false,"MFA_ALLOW_TRUSTED_HEADER_BYPASS":false,"SHOW_ADMIN_DETAILS":true,"ADMIN_EMAIL":null,"WEBUI_URL":"","ENABLE_LOGIN_FORM":true,"ENABLE_SIGNUP":false,"ENABLE_API_KEYS":false,"ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS":false,"API_KEYS_ALLOWED_ENDPOINTS":"","DEFAULT_USER_ROLE":"pending","DEFAULT_GROUP_ID":"","DEFAULT_INTERFACE_SETTINGS":{},"I18N":{},"JWT_EXPIRES_IN":"4w","ENABLE_COMMUNITY_SHARING":true,"ENABLE_MESSAGE_RATING":true,"ENABLE_FOLDERS":true,"FOLDER_MAX_FILE_COUNT":"","AUTOMATION_MAX_COUNT":"","AUTOMATION_MIN_INTERVAL":"","ENABLE_AUTOMATIONS":true,"ENABLE_CHANNELS":false,"ENABLE_ENCRYPTED_CHANNELS":false,"ENABLE_APPS":false,"CHANNEL_MODEL_RESPONSE_MODE":"thread","ENABLE_CALENDAR":true,"ENABLE_MEMORIES":true,"ENABLE_MEMORY_SYSTEM_CONTEXT":true,"ENABLE_SKILL_LAZY_LOADING":false,"SKILL_CONTENT_MAX_CHARS":null,"SKILL_PREVIEW_MAX_CHARS":null,"ENABLE_NOTES":true,"ENABLE_USER_WEBHOOKS":false,"ENABLE_USER_STATUS":true,"PENDING_USER_OVERLAY_TITLE":"","PENDING_USER_OVERLAY_CONTENT":"","RESPONSE_WATERMARK":""}"#
    );

    // Saving it back (as the admin panel does) with sign-up on and a new expiry.
    let mut form: Value = serde_json::from_str(&r.body).unwrap();
    form["ENABLE_SIGNUP"] = json!(true);
    form["JWT_EXPIRES_IN"] = json!("1h");
    let r = call("POST", &format!("{}/api/v1/auths/admin/config", s.url), &[("authorization", &auth)], Some(&form.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let saved = r.json();
    assert_eq!((saved["ENABLE_SIGNUP"].clone(), saved["JWT_EXPIRES_IN"].clone(), saved["sessions_revoked"].clone()), (json!(true), json!("1h"), json!(false)));
    let r = signin(&s.url, "admin@example.com", "secret123").await;
    let c = claims(r.json()["token"].as_str().unwrap());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 3600);
    // A form missing required fields: the /auths router's flat 422.
    let r = call("POST", &format!("{}/api/v1/auths/admin/config", s.url), &[("authorization", &auth)], Some(r#"{"ENABLE_SIGNUP":true}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (422, r#"{"detail":"Invalid authentication request."}"#));
}

#[tokio::test]
async fn validation_errors_have_fastapi_shapes() {
    let s = TestServer::start().await;
    let flat = r#"{"detail":"Invalid authentication request."}"#;
    for body in [r#"{"email":"a@b.c"}"#, "{bad", r#"[1]"#, r#"{"email":1,"password":"x"}"#, ""] {
        let r = call("POST", &format!("{}/api/v1/auths/signin", s.url), &[], Some(body)).await;
        assert_eq!((r.status, r.body.as_str()), (422, flat), "{body:?}");
    }
    let r = call(
        "POST",
        &format!("{}/api/v1/auths/signup", s.url),
        &[],
        Some(r#"{"name":"A","email":"a@b.c","password":"x","profile_image_url":"javascript:alert(1)"}"#),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (422, flat));

    // Authenticated routes check the session before the fields.
    let r = call("POST", &format!("{}/api/v1/auths/update/password", s.url), &[], Some("{}")).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Not authenticated"}"#));

    // Outside /auths: pydantic's list, in the order type, loc, msg, input.
    let admin = signup(&s.url, "Admin", "admin@example.com", "secret123").await.json();
    let auth = bearer(admin["token"].as_str().unwrap());
    let r = call("POST", &format!("{}/api/v1/users/user/settings/update", s.url), &[("authorization", &auth)], Some(r#"{"ui":5}"#)).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"detail":[{"type":"dict_type","loc":["body","ui"],"msg":"Input should be a valid dictionary","input":5}]}"#)
    );
    // A body that is not JSON fails before the session check, as FastAPI reads the body first.
    for h in [vec![("authorization", auth.as_str())], vec![]] {
        let r = call("POST", &format!("{}/api/v1/users/user/settings/update", s.url), &h, Some("{bad")).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (422, r#"{"detail":[{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}]}"#)
        );
    }
}

#[tokio::test]
async fn signin_is_rate_limited_per_email() {
    let s = TestServer::start().await;
    for i in 0..15 {
        let r = signin(&s.url, "Victim@example.com", "wrong").await;
        assert_eq!(r.status, 400, "attempt {i}: {}", r.body);
    }
    let r = signin(&s.url, "victim@example.com", "wrong").await;
    assert_eq!((r.status, r.body.as_str()), (429, r#"{"detail":"API rate limit exceeded"}"#));
    // Another email is not affected.
    assert_eq!(signin(&s.url, "other@example.com", "wrong").await.status, 400);
}

#[tokio::test]
async fn profile_password_settings_and_api_keys() {
    let s = TestServer::start().await;
    let admin = signup(&s.url, "Admin", "admin@example.com", "secret123").await.json();
    let auth = bearer(admin["token"].as_str().unwrap());
    let h = [("authorization", auth.as_str())];

    // Profile.
    let r = call(
        "POST",
        &format!("{}/api/v1/auths/update/profile", s.url),
        &h,
        Some(r#"{"name":"Boss","profile_image_url":"","bio":"hi","date_of_birth":"1990-02-03"}"#),
    )
    .await;
    let id = admin["id"].as_str().unwrap();
    assert_eq!(
        (r.status, r.body.clone()),
        (200, format!(r#"{{"id":"{id}","name":"Boss","role":"admin","email":"admin@example.com","profile_image_url":"/api/v1/users/{id}/profile/image"}}"#))
    );
    let info = me(&s.url, &h).await.json();
    assert_eq!((info["bio"].clone(), info["date_of_birth"].clone()), (json!("hi"), json!("1990-02-03")));

    // Time zone (any role may set it).
    let r = call("POST", &format!("{}/api/v1/auths/update/timezone", s.url), &h, Some(r#"{"timezone":"Europe/Paris"}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (200, r#"{"status":true}"#));
    let tz: Option<String> = s.db.client().await.query_one(r#"SELECT timezone FROM "user" WHERE id = $1"#, &[&id]).await.unwrap().get(0);
    assert_eq!(tz.as_deref(), Some("Europe/Paris"));

    // Settings: null until saved, `ui` first, fields patched one by one.
    let url = format!("{}/api/v1/users/user/settings", s.url);
    assert_eq!(call("GET", &url, &h, None).await.body, "null");
    let r = call("POST", &format!("{url}/update"), &h, Some(r#"{"x":1,"ui":{"a":1,"b":2}}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (200, r#"{"ui":{"a":1,"b":2},"x":1}"#));
    let r = call("POST", &format!("{url}/update"), &h, Some(r#"{"ui":{"a":null,"c":3}}"#)).await;
    assert_eq!(r.body, r#"{"ui":{"b":2,"c":3},"x":1}"#);
    assert_eq!(call("GET", &url, &h, None).await.body, r#"{"ui":{"b":2,"c":3},"x":1}"#);
    assert_eq!(call("GET", &format!("{}/api/v1/users/someone/settings", s.url), &h, None).await.status, 404);

    // API keys: off by default, then on.
    let key_url = format!("{}/api/v1/auths/api_key", s.url);
    let r = call("POST", &key_url, &h, None).await;
    assert_eq!((r.status, r.body.as_str()), (403, r#"{"detail":"API key creation is not allowed in the environment."}"#));
    set_config(&s, "auth.enable_api_keys", json!(true)).await;
    let r = call("GET", &key_url, &h, None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let key = call("POST", &key_url, &h, None).await.json()["api_key"].as_str().unwrap().to_string();
    assert!(key.starts_with("sk-") && key.len() == 35, "{key}");
    assert_eq!(call("GET", &key_url, &h, None).await.json()["api_key"], json!(key));
    let sk = bearer(&key);
    assert_eq!(call("GET", &url, &[("authorization", &sk)], None).await.status, 200);
    assert_eq!(call("GET", &url, &[("x-api-key", &key)], None).await.status, 200);
    // GET /auths/ wants a human session.
    let r = me(&s.url, &[("authorization", &sk)]).await;
    assert_eq!((r.status, r.body.as_str()), (403, r#"{"detail":"A human session is required."}"#));
    set_config(&s, "auth.enable_api_keys", json!(false)).await;
    let r = call("GET", &url, &[("authorization", &sk)], None).await;
    assert_eq!((r.status, r.body.as_str()), (403, r#"{"detail":"Use of API key is not enabled in the environment."}"#));
    set_config(&s, "auth.enable_api_keys", json!(true)).await;
    assert_eq!(call("DELETE", &key_url, &h, None).await.body, "true");
    assert_eq!(call("GET", &url, &[("authorization", &sk)], None).await.status, 401);

    // Password: the wrong current one is refused; a change ends every existing session.
    let pw_url = format!("{}/api/v1/auths/update/password", s.url);
    let r = call("POST", &pw_url, &h, Some(r#"{"password":"nope","new_password":"x"}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (400, r#"{"detail":"The password provided is incorrect. Please check for typos and try again."}"#));
    let long = "x".repeat(73);
    let r = call("POST", &pw_url, &h, Some(&json!({"password": "secret123", "new_password": long}).to_string())).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("less than 72 bytes"), "{}", r.body);
    let r = call("POST", &pw_url, &h, Some(r#"{"password":"secret123","new_password":"new-secret"}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    assert_eq!(me(&s.url, &h).await.json(), json!({"detail": "Invalid token"}));
    assert_eq!(signin(&s.url, "admin@example.com", "secret123").await.status, 400);
    assert_eq!(signin(&s.url, "admin@example.com", "new-secret").await.status, 200);
}

#[tokio::test]
async fn admin_adds_users() {
    let s = TestServer::start().await;
    let admin = signup(&s.url, "Admin", "admin@example.com", "secret123").await.json();
    let auth = bearer(admin["token"].as_str().unwrap());
    let add = format!("{}/api/v1/auths/add", s.url);
    let r = call("POST", &add, &[("authorization", &auth)], Some(r#"{"name":"Ann","email":"Ann@Example.com","password":"pw","role":"user"}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "name", "role", "email", "profile_image_url", "token", "token_type"]);
    assert_eq!((body["role"].clone(), body["email"].clone()), (json!("user"), json!("ann@example.com")));
    let c = claims(body["token"].as_str().unwrap());
    let ck: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(ck, ["id", "typ", "session_stamp", "exp", "jti", "iat"]);
    // The new user signs in and is a verified user.
    let t = signin(&s.url, "ann@example.com", "pw").await.json()["token"].as_str().unwrap().to_string();
    assert_eq!(call("GET", &format!("{}/api/v1/users/user/settings", s.url), &[("authorization", &bearer(&t))], None).await.status, 200);
    // Duplicates and non-admins are refused.
    let r = call("POST", &add, &[("authorization", &auth)], Some(r#"{"name":"Ann","email":"ANN@example.com","password":"pw"}"#)).await;
    assert_eq!(r.status, 400);
    let r = call("POST", &add, &[("authorization", &bearer(&t))], Some(r#"{"name":"X","email":"x@example.com","password":"pw"}"#)).await;
    assert_eq!(r.status, 401);
}

/// Tokens and accounts cross between the reference and this server on one database: a user the
/// reference created signs in here, one created here signs in there, and each accepts the
/// other's tokens (same `WEBUI_SECRET_KEY`).
#[tokio::test]
async fn tokens_and_accounts_are_shared_with_the_reference() {
    let Some((reference, s)) = shared_backends().await else { return };
    let r = signup(&reference.url, "Ref Admin", "ref@example.com", "ref-secret").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ref_token = r.json()["token"].as_str().unwrap().to_string();

    // The reference's token and account work here.
    let r = me(&s.url, &[("authorization", &bearer(&ref_token))]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["role"], json!("admin"));
    let r = signin(&s.url, "ref@example.com", "ref-secret").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let our_token = r.json()["token"].as_str().unwrap().to_string();

    // Ours work there, including an account created here.
    let r = me(&reference.url, &[("authorization", &bearer(&our_token))]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(
        "POST",
        &format!("{}/api/v1/auths/add", s.url),
        &[("authorization", &bearer(&our_token))],
        Some(r#"{"name":"Made Here","email":"here@example.com","password":"here-pw","role":"user"}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = signin(&reference.url, "here@example.com", "here-pw").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let theirs = r.json();
    let r = me(&s.url, &[("authorization", &bearer(theirs["token"].as_str().unwrap()))]).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The reference's first sign-up closed sign-up without notifying us: we would see it within
    // OWUI_SETTINGS_REFRESH_SECONDS (`server::settings`); the test does not wait.
    s.reload_settings().await;
    // Same answers from both for the same session (ids, tokens and times masked).
    let a = me(&reference.url, &[("authorization", &bearer(&our_token))]).await;
    let b = me(&s.url, &[("authorization", &bearer(&our_token))]).await;
    assert_eq!(a.body, b.body);
    let a = call("GET", &format!("{}/api/config", reference.url), &[("authorization", &bearer(&our_token))], None).await;
    let b = call("GET", &format!("{}/api/config", s.url), &[("authorization", &bearer(&our_token))], None).await;
    assert_eq!(
        a.body.replace(r#""enable_version_update_check":false"#, r#""enable_version_update_check":true"#),
        b.body
    );
    reference.stop();
}

/// The admin config's `int | str` limits: integers (or integral floats, or numeric text) are
/// kept, 0 and "" clear the limit, anything else answers the router's 422 (found by
/// schemathesis: an object was a 500).
#[tokio::test]
async fn admin_config_integer_limits() {
    let s = TestServer::start().await;
    let r = signup(&s.url, "A", "a@example.com", "pw").await;
    let token = r.json()["token"].as_str().unwrap().to_string();
    let auth = [("authorization", bearer(&token))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let url = format!("{}/api/v1/auths/admin/config", s.url);
    let mut cfg = call("GET", &url, &auth, None).await.json();
    for (sent, kept) in [(json!(5), json!(5)), (json!(2.0), json!(2)), (json!(" 7 "), json!(7)), (json!(0), json!("")), (json!(""), json!(""))] {
        cfg["FOLDER_MAX_FILE_COUNT"] = sent.clone();
        let r = call("POST", &url, &auth, Some(&cfg.to_string())).await;
        assert_eq!(r.status, 200, "{sent}: {}", r.body);
        assert_eq!(r.json()["FOLDER_MAX_FILE_COUNT"], kept, "{sent}");
    }
    for sent in [json!({}), json!([1]), json!("many"), json!(1.5)] {
        cfg["FOLDER_MAX_FILE_COUNT"] = sent.clone();
        let r = call("POST", &url, &auth, Some(&cfg.to_string())).await;
        assert_eq!((r.status, r.body.as_str()), (422, r#"{"detail":"Invalid authentication request."}"#), "{sent}");
    }
}

/// The session from plain credentials, without a request (what socket.io's connect handler
/// does with the `auth.token` it receives): the same answers as over HTTP.
#[tokio::test]
async fn sessions_authenticate_from_plain_credentials() {
    use server::app::session::{self, Credentials};
    use server::error::Error;

    let s = TestServer::start().await;
    let r = signup(&s.url, "Admin", "admin@example.com", "secret123").await;
    let token = r.json()["token"].as_str().unwrap().to_string();
    let ctx = s.context();
    fn creds(token: Option<&str>) -> Credentials<'_> {
        Credentials { token, trusted_email: None, path: "/ws/socket.io" }
    }

    let user = session::authenticate(&ctx, creds(Some(&token))).await.unwrap();
    assert_eq!((user.user.email.as_str(), user.is_admin(), user.is_human()), ("admin@example.com", true, true));
    assert!(session::admin(user).is_ok());

    let refused = |e: Error| (e.http_status(), e.to_string());
    let e = session::authenticate(&ctx, creds(None)).await.unwrap_err();
    assert_eq!(refused(e), (401, "Not authenticated".to_string()));
    let e = session::authenticate(&ctx, creds(Some("not-a-token"))).await.unwrap_err();
    assert_eq!(refused(e), (401, "401 Unauthorized".to_string()));
    // An unknown API key.
    let e = session::authenticate(&ctx, creds(Some("sk-0123"))).await.unwrap_err();
    assert_eq!(e.http_status(), 401);

    // Signed out, the token is refused here too.
    let r = call("POST", &format!("{}/api/v1/auths/signout", s.url), &[("authorization", &bearer(&token))], None).await;
    assert_eq!(r.status, 200);
    let e = session::authenticate(&ctx, creds(Some(&token))).await.unwrap_err();
    assert_eq!(refused(e), (401, "Invalid token".to_string()));
}
