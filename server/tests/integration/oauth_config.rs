//! `/api/v1/auths/admin/config/oauth`: the admin panel's OAuth settings. Expected bodies are the
//! reference's (open-webui 0.12.4's `get_oauth_config_values` through `OAuthConfigResponse`, run
//! with the same environment).

use serde_json::{json, Value};

use crate::auths::{call, Resp};
use crate::common::*;

const PATH: &str = "/api/v1/auths/admin/config/oauth";
const FLAT_422: &str = r#"{"detail":"Invalid authentication request."}"#;

/// The answer with no OAuth variable set.
const DEFAULTS: &str = r#"{"ENABLE_OAUTH":true,"ENABLE_OAUTH_SIGNUP":false,"OAUTH_MERGE_ACCOUNTS_BY_EMAIL":false,"OAUTH_AUTO_REDIRECT":false,"OAUTH_ALLOWED_DOMAINS":"*","OAUTH_BLOCKED_GROUPS":"[]","ENABLE_OAUTH_ROLE_MANAGEMENT":false,"OAUTH_ROLES_CLAIM":"roles","OAUTH_ADMIN_ROLES":"admin","OAUTH_ALLOWED_ROLES":"user,admin","ENABLE_OAUTH_GROUP_MANAGEMENT":false,"ENABLE_OAUTH_GROUP_CREATION":false,"OAUTH_GROUP_CLAIM":"groups","OAUTH_GROUP_DEFAULT_SHARE":true,"OAUTH_PROVIDER_NAME":"SSO","OPENID_PROVIDER_URL":"","OAUTH_CLIENT_ID":"","OAUTH_CLIENT_SECRET":"","OPENID_REDIRECT_URI":"","OAUTH_SCOPES":"openid email profile","OAUTH_CODE_CHALLENGE_METHOD":null,"OAUTH_TOKEN_ENDPOINT_AUTH_METHOD":null,"OPENID_END_SESSION_ENDPOINT":"","OAUTH_TIMEOUT":"","OAUTH_CLIENT_TIMEOUT":"","OAUTH_EMAIL_CLAIM":"email","OAUTH_USERNAME_CLAIM":"name","OAUTH_PICTURE_CLAIM":"picture","OAUTH_SUB_CLAIM":null,"OAUTH_AUDIENCE":"","OAUTH_UPDATE_EMAIL_ON_LOGIN":false,"OAUTH_UPDATE_NAME_ON_LOGIN":false,"OAUTH_UPDATE_PICTURE_ON_LOGIN":false,"OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE":false,"ENABLE_OAUTH_PERSISTENT_CONFIG":false}"#;

/// Signs up the first account (the admin); returns its `Authorization` header value.
async fn admin(s: &TestServer) -> String {
    let body = json!({"name": "Admin", "email": "admin@example.com", "password": "secret123"}).to_string();
    let r = call("POST", &format!("{}/api/v1/auths/signup", s.url), &[], Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    format!("Bearer {}", r.json()["token"].as_str().unwrap())
}

async fn get(s: &TestServer, auth: &str) -> Resp {
    call("GET", &format!("{}{PATH}", s.url), &[("authorization", auth)], None).await
}

async fn post(s: &TestServer, auth: &str, body: &str) -> Resp {
    call("POST", &format!("{}{PATH}", s.url), &[("authorization", auth)], Some(body)).await
}

#[tokio::test]
async fn defaults_come_from_the_environment() {
    let s = TestServer::start().await;
    let auth = admin(&s).await;
    let r = get(&s, &auth).await;
    assert_eq!((r.status, r.body.as_str()), (200, DEFAULTS));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));

    let s = TestServer::start_with(&[
        ("ENABLE_OAUTH", "false"),
        ("OAUTH_AUTO_REDIRECT", "true"),
        ("ENABLE_OAUTH_SIGNUP", "TRUE"),
        ("OAUTH_ALLOWED_DOMAINS", "a.com, b.com"),
        ("OAUTH_BLOCKED_GROUPS", r#"["g1"]"#),
        ("OAUTH_ROLES_SEPARATOR", ";"),
        ("OAUTH_ALLOWED_ROLES", "x; y;;z"),
        ("OAUTH_GROUP_CLAIM", "grp"),
        ("OAUTH_GROUP_DEFAULT_SHARE", " Members "),
        ("OAUTH_TIMEOUT", "10"),
        ("OAUTH_SUB_CLAIM", "oid"),
    ])
    .await;
    let auth = admin(&s).await;
    let r = get(&s, &auth).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            200,
            r#"{"ENABLE_OAUTH":false,"ENABLE_OAUTH_SIGNUP":true,"OAUTH_MERGE_ACCOUNTS_BY_EMAIL":false,"OAUTH_AUTO_REDIRECT":true,"OAUTH_ALLOWED_DOMAINS":"a.com,b.com","OAUTH_BLOCKED_GROUPS":"[\"g1\"]","ENABLE_OAUTH_ROLE_MANAGEMENT":false,"OAUTH_ROLES_CLAIM":"roles","OAUTH_ADMIN_ROLES":"admin","OAUTH_ALLOWED_ROLES":"x,y,z","ENABLE_OAUTH_GROUP_MANAGEMENT":false,"ENABLE_OAUTH_GROUP_CREATION":false,"OAUTH_GROUP_CLAIM":"grp","OAUTH_GROUP_DEFAULT_SHARE":"members","OAUTH_PROVIDER_NAME":"SSO","OPENID_PROVIDER_URL":"","OAUTH_CLIENT_ID":"","OAUTH_CLIENT_SECRET":"","OPENID_REDIRECT_URI":"","OAUTH_SCOPES":"openid email profile","OAUTH_CODE_CHALLENGE_METHOD":null,"OAUTH_TOKEN_ENDPOINT_AUTH_METHOD":null,"OPENID_END_SESSION_ENDPOINT":"","OAUTH_TIMEOUT":"10","OAUTH_CLIENT_TIMEOUT":"","OAUTH_EMAIL_CLAIM":"email","OAUTH_USERNAME_CLAIM":"name","OAUTH_PICTURE_CLAIM":"picture","OAUTH_SUB_CLAIM":"oid","OAUTH_AUDIENCE":"","OAUTH_UPDATE_EMAIL_ON_LOGIN":false,"OAUTH_UPDATE_NAME_ON_LOGIN":false,"OAUTH_UPDATE_PICTURE_ON_LOGIN":false,"OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE":false,"ENABLE_OAUTH_PERSISTENT_CONFIG":false}"#
        )
    );
    // The public config reads the same setting.
    let r = call("GET", &format!("{}/api/config", s.url), &[], None).await;
    assert_eq!(r.json()["oauth"]["auto_redirect"], json!(true), "{}", r.body);
}

/// A full save: comma lists are split (blank items dropped) and shown joined again; the rest as sent.
fn full_form() -> Value {
    json!({
        "ENABLE_OAUTH": false, "ENABLE_OAUTH_SIGNUP": true, "OAUTH_MERGE_ACCOUNTS_BY_EMAIL": true,
        "OAUTH_AUTO_REDIRECT": true, "OAUTH_ALLOWED_DOMAINS": " example.com, ,example.org ,",
        "OAUTH_BLOCKED_GROUPS": "[\"blocked\", \"^tmp-.*\"]", "ENABLE_OAUTH_ROLE_MANAGEMENT": true,
        "OAUTH_ROLES_CLAIM": "realm_roles", "OAUTH_ADMIN_ROLES": "admin, superuser",
        "OAUTH_ALLOWED_ROLES": "user,admin,,guest", "ENABLE_OAUTH_GROUP_MANAGEMENT": true,
        "ENABLE_OAUTH_GROUP_CREATION": true, "OAUTH_GROUP_CLAIM": "memberOf", "OAUTH_GROUP_DEFAULT_SHARE": "members",
        "OAUTH_PROVIDER_NAME": "Keycloak", "OPENID_PROVIDER_URL": "https://sso.example.com/.well-known/openid-configuration",
        "OAUTH_CLIENT_ID": "webui", "OAUTH_CLIENT_SECRET": "s3cret", "OPENID_REDIRECT_URI": "https://webui.example.com/cb",
        "OAUTH_SCOPES": "openid email", "OAUTH_CODE_CHALLENGE_METHOD": "S256",
        "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD": "client_secret_post", "OPENID_END_SESSION_ENDPOINT": "https://sso.example.com/logout",
        "OAUTH_TIMEOUT": "30", "OAUTH_CLIENT_TIMEOUT": 15, "OAUTH_EMAIL_CLAIM": "mail",
        "OAUTH_USERNAME_CLAIM": "preferred_username", "OAUTH_PICTURE_CLAIM": "avatar", "OAUTH_SUB_CLAIM": "sub",
        "OAUTH_AUDIENCE": "webui-api", "OAUTH_UPDATE_EMAIL_ON_LOGIN": true, "OAUTH_UPDATE_NAME_ON_LOGIN": true,
        "OAUTH_UPDATE_PICTURE_ON_LOGIN": true, "OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE": true,
    })
}

fn expected_after_full_save(persistent: bool) -> Value {
    let mut want = full_form();
    want["OAUTH_ALLOWED_DOMAINS"] = json!("example.com,example.org");
    want["OAUTH_ADMIN_ROLES"] = json!("admin,superuser");
    want["OAUTH_ALLOWED_ROLES"] = json!("user,admin,guest");
    want["ENABLE_OAUTH_PERSISTENT_CONFIG"] = json!(persistent);
    want
}

#[tokio::test]
async fn a_save_reads_back_and_lives_in_memory_unless_persistent() {
    let mut s = TestServer::start().await;
    let auth = admin(&s).await;
    let r = post(&s, &auth, &full_form().to_string()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let want = expected_after_full_save(false).to_string();
    assert_eq!(r.body, want);
    assert_eq!(get(&s, &auth).await.body, want);

    // Lax values and unions; null and unknown fields leave things alone.
    let r = post(
        &s,
        &auth,
        r#"{"ENABLE_OAUTH_SIGNUP":"no","OAUTH_MERGE_ACCOUNTS_BY_EMAIL":0,"OAUTH_GROUP_DEFAULT_SHARE":1,"OAUTH_TIMEOUT":30.0,"OAUTH_CLIENT_TIMEOUT":"","OAUTH_SCOPES":null,"OAUTH_ALLOWED_DOMAINS":"","UNKNOWN":[1]}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        [&v["ENABLE_OAUTH_SIGNUP"], &v["OAUTH_MERGE_ACCOUNTS_BY_EMAIL"], &v["OAUTH_GROUP_DEFAULT_SHARE"], &v["OAUTH_TIMEOUT"]],
        [&json!(false), &json!(false), &json!(true), &json!(30)]
    );
    assert_eq!([&v["OAUTH_CLIENT_TIMEOUT"], &v["OAUTH_SCOPES"], &v["OAUTH_ALLOWED_DOMAINS"]], [&json!(""), &json!("openid email"), &json!("")]);
    assert!(v.get("UNKNOWN").is_none());
    let r = post(&s, &auth, r#"{"OAUTH_GROUP_DEFAULT_SHARE":false,"OAUTH_TIMEOUT":true,"OAUTH_CLIENT_TIMEOUT":"abc"}"#).await;
    let v = r.json();
    assert_eq!([&v["OAUTH_GROUP_DEFAULT_SHARE"], &v["OAUTH_TIMEOUT"], &v["OAUTH_CLIENT_TIMEOUT"]], [&json!(false), &json!(1), &json!("abc")]);

    // Not persistent (the default): nothing in the database, gone after a restart.
    let rows: i64 = s.db.client().await.query_one("SELECT count(*) FROM config WHERE key LIKE 'oauth.%'", &[]).await.unwrap().get(0);
    assert_eq!(rows, 0);
    s.restart().await.unwrap();
    assert_eq!(get(&s, &auth).await.body, DEFAULTS);

    // ENABLE_OAUTH_PERSISTENT_CONFIG: stored rows (lists as lists), kept across a restart.
    let mut s = TestServer::start_with(&[("ENABLE_OAUTH_PERSISTENT_CONFIG", "true")]).await;
    let auth = admin(&s).await;
    let r = get(&s, &auth).await;
    assert_eq!(r.body, DEFAULTS.replace(r#""ENABLE_OAUTH_PERSISTENT_CONFIG":false"#, r#""ENABLE_OAUTH_PERSISTENT_CONFIG":true"#));
    let r = post(&s, &auth, &full_form().to_string()).await;
    let want = expected_after_full_save(true).to_string();
    assert_eq!((r.status, r.body.as_str()), (200, want.as_str()));
    let stored: Value =
        s.db.client().await.query_one("SELECT value FROM config WHERE key = 'oauth.allowed_domains'", &[]).await.unwrap().get(0);
    assert_eq!(stored, json!(["example.com", "example.org"]));
    s.restart().await.unwrap();
    assert_eq!(get(&s, &auth).await.body, want);
    // A list stored by something else is shown as the admin panel edits it.
    s.db.client()
        .await
        .execute("UPDATE config SET value = $1 WHERE key = 'oauth.blocked_groups'", &[&json!(["a,b", "^x$"])])
        .await
        .unwrap();
    s.reload_settings().await;
    assert_eq!(get(&s, &auth).await.json()["OAUTH_BLOCKED_GROUPS"], json!(r#"["a,b","^x$"]"#));
}

#[tokio::test]
async fn bad_values_and_callers_are_refused() {
    let s = TestServer::start().await;
    let auth = admin(&s).await;
    let body = json!({"name": "U", "email": "u@example.com", "password": "secret123", "role": "user"}).to_string();
    let r = call("POST", &format!("{}/api/v1/auths/add", s.url), &[("authorization", &auth)], Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = json!({"email": "u@example.com", "password": "secret123"}).to_string();
    let r = call("POST", &format!("{}/api/v1/auths/signin", s.url), &[], Some(&body)).await;
    let user = format!("Bearer {}", r.json()["token"].as_str().unwrap());

    let prohibited = r#"{"detail":"You do not have permission to access this resource. Please contact your administrator for assistance."}"#;
    assert_eq!(get(&s, &user).await.body, prohibited);
    let r = post(&s, &user, r#"{"ENABLE_OAUTH":"maybe"}"#).await;
    assert_eq!((r.status, r.body.as_str()), (401, prohibited));
    let r = call("GET", &format!("{}{PATH}", s.url), &[], None).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Not authenticated"}"#));
    let r = call("POST", &format!("{}{PATH}", s.url), &[], Some("{}")).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Not authenticated"}"#));

    for body in [
        r#"{"ENABLE_OAUTH_SIGNUP":"maybe"}"#,
        r#"{"ENABLE_OAUTH":2}"#,
        r#"{"ENABLE_OAUTH":[]}"#,
        r#"{"OAUTH_CLIENT_ID":5}"#,
        r#"{"OAUTH_CLIENT_ID":true}"#,
        r#"{"OAUTH_ALLOWED_DOMAINS":["example.com"]}"#,
        r#"{"OAUTH_GROUP_DEFAULT_SHARE":2}"#,
        r#"{"OAUTH_GROUP_DEFAULT_SHARE":0.5}"#,
        r#"{"OAUTH_GROUP_DEFAULT_SHARE":{}}"#,
        r#"{"OAUTH_TIMEOUT":1.5}"#,
        r#"{"OAUTH_TIMEOUT":1e20}"#,
        r#"{"OAUTH_CLIENT_TIMEOUT":{"s":5}}"#,
        r#"{"OAUTH_PROVIDER_NAME":"Never Saved","OAUTH_TIMEOUT":[]}"#,
        "[1]",
        "null",
        r#"{"ENABLE_OAUTH": tru"#,
        "",
    ] {
        let r = post(&s, &auth, body).await;
        assert_eq!((r.status, r.body.as_str()), (422, FLAT_422), "{body:?}");
    }
    assert_eq!(get(&s, &auth).await.body, DEFAULTS);
}
