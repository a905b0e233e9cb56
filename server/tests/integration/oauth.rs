//! `/oauth/*` and the OAuth routes of `/api/v1/auths` with no OAuth provider and no tool-server
//! OAuth client configured: the same status and body as the reference, request by request.

use serde_json::json;

use crate::auths::call;
use crate::common::*;

/// `(method, path, authenticated, content type, body)`.
type Req = (&'static str, &'static str, bool, Option<&'static str>, Option<&'static str>);

const JSON: Option<&str> = Some("application/json");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

/// Header `{"alg":"none"}`, payload `{"iss":"https://idp.example"}` / `{"sub":"1"}`.
const LOGOUT_WITH_ISS: &str = "logout_token=eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0.c2ln";
const LOGOUT_NO_ISS: &str = "logout_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2ln";

const DEFAULT_REQUESTS: &[Req] = &[
    ("GET", "/oauth/google/login", false, None, None),
    ("GET", "/oauth/google/callback", false, None, None),
    ("GET", "/oauth/google/login/callback", false, None, None),
    ("GET", "/oauth/clients/x/authorize", false, None, None),
    ("GET", "/oauth/clients/x/authorize", true, None, None),
    ("GET", "/oauth/clients/x/callback", false, None, None),
    ("GET", "/oauth/clients/login/callback", false, None, None),
    ("POST", "/oauth/backchannel-logout", false, FORM, Some(LOGOUT_WITH_ISS)),
    ("POST", "/oauth/google/login", false, None, None),
    ("DELETE", "/api/v1/auths/oauth/sessions/mcp:x", false, None, None),
    ("DELETE", "/api/v1/auths/oauth/sessions/mcp:x", true, None, None),
    ("DELETE", "/api/v1/auths/oauth/sessions/mcp:seeded", true, None, None),
    ("DELETE", "/api/v1/auths/oauth/sessions/mcp:seeded", true, None, None),
    ("DELETE", "/api/v1/auths/oauth/google/other", true, None, None),
    ("POST", "/api/v1/auths/oauth/google/token/exchange", false, JSON, Some(r#"{"token":"t"}"#)),
    ("POST", "/api/v1/auths/oauth/google/token/exchange", false, JSON, Some(r#"{}"#)),
    ("POST", "/api/v1/auths/oauth/google/token/exchange", false, JSON, Some(r#"{"token":1}"#)),
];

const ENABLED_ENV: &[(&str, &str)] =
    &[("ENABLE_OAUTH_TOKEN_EXCHANGE", "true"), ("ENABLE_OAUTH_BACKCHANNEL_LOGOUT", "true"), ("ENABLE_TOOL_SERVERS", "false")];

const ENABLED_REQUESTS: &[Req] = &[
    ("POST", "/api/v1/auths/oauth/GitHub/token/exchange", false, JSON, Some(r#"{"token":"t"}"#)),
    ("POST", "/oauth/backchannel-logout", false, None, None),
    ("POST", "/oauth/backchannel-logout", false, JSON, Some(r#"{"logout_token":"a.b.c"}"#)),
    ("POST", "/oauth/backchannel-logout", false, FORM, Some("logout_token=")),
    ("POST", "/oauth/backchannel-logout", false, FORM, Some("logout_token=a.b.c")),
    ("POST", "/oauth/backchannel-logout", false, FORM, Some(LOGOUT_NO_ISS)),
    ("POST", "/oauth/backchannel-logout", false, FORM, Some("logout_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.x")),
    ("POST", "/oauth/backchannel-logout", false, FORM, Some(LOGOUT_WITH_ISS)),
    ("GET", "/oauth/clients/x/authorize", true, None, None),
    ("GET", "/oauth/clients/x/callback", false, None, None),
];

/// Signs up the first (admin) account and seeds one OAuth session for it; returns its token.
async fn admin_with_session(base: &str, db: &TestDb) -> String {
    let body = json!({"name": "A", "email": "a@example.com", "password": "pw"}).to_string();
    let r = call("POST", &format!("{base}/api/v1/auths/signup"), &[], Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let (token, id) = (v["token"].as_str().unwrap().to_string(), v["id"].as_str().unwrap().to_string());
    db.client()
        .await
        .execute(
            "INSERT INTO oauth_session (id, user_id, provider, token, expires_at, created_at, updated_at) VALUES ('s1', $1, 'mcp:seeded', 'x', 0, 0, 0)",
            &[&id],
        )
        .await
        .unwrap();
    token
}

/// Every request's `(request, status, cache-control, body)`.
async fn answers(base: &str, token: &str, requests: &[Req]) -> Vec<(String, u16, Option<String>, String)> {
    let client = reqwest::Client::new();
    let mut out = vec![];
    for (method, path, authed, ct, body) in requests {
        let mut rb = client.request(method.parse().unwrap(), format!("{base}{path}"));
        if *authed {
            rb = rb.header("authorization", format!("Bearer {token}"));
        }
        if let Some(ct) = ct {
            rb = rb.header("content-type", *ct);
        }
        if let Some(b) = body {
            rb = rb.body(b.to_string());
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let cc = r.headers().get("cache-control").map(|v| v.to_str().unwrap().to_string());
        out.push((format!("{method} {path} authed={authed}"), status, cc, r.text().await.unwrap()));
    }
    out
}

async fn ours(env: &[(&str, &str)], requests: &[Req]) -> Vec<(String, u16, Option<String>, String)> {
    let s = TestServer::start_with(env).await;
    let token = admin_with_session(&s.url, &s.db).await;
    answers(&s.url, &token, requests).await
}

#[tokio::test]
async fn oauth_routes_without_providers() {
    let a = ours(&[], DEFAULT_REQUESTS).await;
    let find = |r: &str| a.iter().find(|x| x.0 == r).unwrap_or_else(|| panic!("{r}"));
    let nf = r#"{"detail":"Not Found"}"#;
    assert_eq!((find("GET /oauth/google/login authed=false").1, find("GET /oauth/google/login authed=false").3.as_str()), (404, nf));
    assert_eq!(find("GET /oauth/clients/x/authorize authed=false").1, 401);
    assert_eq!(find("GET /oauth/clients/x/authorize authed=true").1, 404);
    assert_eq!(find("POST /oauth/backchannel-logout authed=false").1, 404);
    assert_eq!(find("POST /oauth/google/login authed=false").1, 405);
    assert_eq!(a[11].3, "true");
    assert_eq!(a[12].3, r#"{"detail":"No OAuth session found for this provider"}"#);
    assert_eq!(a[14].3, r#"{"detail":"Token exchange is disabled"}"#);
    assert_eq!(a[15].3, r#"{"detail":"Invalid authentication request."}"#);

    let b = ours(ENABLED_ENV, ENABLED_REQUESTS).await;
    assert_eq!((b[0].1, b[0].3.as_str()), (404, r#"{"detail":"Provider 'github' is not configured"}"#));
    assert_eq!((b[1].1, b[1].3.as_str()), (400, r#"{"error":"invalid_request","error_description":"Missing logout_token parameter"}"#));
    assert_eq!(b[7].3, r#"{"error":"invalid_request","error_description":"No configured provider matches token issuer"}"#);
    assert_eq!((b[8].1, b[8].3.as_str()), (403, r#"{"detail":"Tool servers are disabled"}"#));
}

async fn compare(env: &[(&str, &str)], requests: &[Req]) {
    let ref_db = TestDb::new().await;
    let reference = Reference::start_with(&ref_db.url(), env);
    let token = admin_with_session(&reference.url, &ref_db).await;
    let theirs = answers(&reference.url, &token, requests).await;
    let mine = ours(env, requests).await;
    for (t, o) in theirs.iter().zip(&mine) {
        assert_eq!(t, o, "reference log:\n{}", reference.log());
    }
}

#[tokio::test]
async fn oauth_routes_match_the_reference() {
    if !Reference::available() {
        return;
    }
    compare(&[], DEFAULT_REQUESTS).await;
}

#[tokio::test]
async fn enabled_oauth_switches_match_the_reference() {
    if !Reference::available() {
        return;
    }
    compare(ENABLED_ENV, ENABLED_REQUESTS).await;
}

/// OAuth session tokens are Fernet under the reference's key: a session stored by one backend
/// reads the same on both, and one that does not decrypt is deleted by both.
#[tokio::test]
async fn oauth_session_tokens_decrypt_like_the_reference() {
    let Some((reference, s)) = shared_backends().await else { return };
    let body = json!({"name": "A", "email": "a@example.com", "password": "pw"}).to_string();
    let r = call("POST", &format!("{}/api/v1/auths/signup", reference.url), &[], Some(&body)).await;
    let v = r.json();
    let (token, id) = (v["token"].as_str().unwrap().to_string(), v["id"].as_str().unwrap().to_string());
    let ctx = s.context();
    let secret = json!({"access_token": "at", "token_type": "Bearer", "expires_at": 1999999999, "userinfo": {"sub": "1", "ä": [1, 2]}});
    let stored = server::oauth_sessions::encrypt(&ctx.config, &secret).unwrap();
    let client = s.db.client().await;
    for (sid, tok) in [("s1", stored.as_str()), ("s2", "not-a-fernet-token")] {
        client
            .execute(
                "INSERT INTO oauth_session (id, user_id, provider, token, expires_at, created_at, updated_at) VALUES ($1, $2, 'google', $3, 7, 8, 9)",
                &[&sid, &id, &tok],
            )
            .await
            .unwrap();
    }
    let path = format!("/api/v1/users/{id}/oauth/sessions");
    let auth = format!("Bearer {token}");
    let ours = call("GET", &format!("{}{path}", s.url), &[("authorization", &auth)], None).await;
    assert_eq!(ours.status, 200, "{}", ours.body);
    let expected = json!([{"id": "s1", "user_id": id, "provider": "google", "token": secret, "expires_at": 7, "created_at": 8, "updated_at": 9}]);
    assert_eq!(ours.body, expected.to_string());
    let left: i64 = client.query_one("SELECT count(*) FROM oauth_session", &[]).await.unwrap().get(0);
    assert_eq!(left, 1, "the undecryptable session is deleted");
    let theirs = call("GET", &format!("{}{path}", reference.url), &[("authorization", &auth)], None).await;
    assert_eq!((theirs.status, theirs.body), (ours.status, ours.body), "reference log:\n{}", reference.log());
    reference.stop();
}
