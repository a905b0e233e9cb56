//! MFA (TOTP): turning the policy on, enrolment at sign-in, verification with TOTP and recovery
//! codes, renewal, replacement, the operator's reset, the limits, and flows that cross between
//! this server and the Python reference on one database.

use serde_json::{json, Value};

use crate::auths::{call, Resp};
use crate::common::*;

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> Resp {
    let auth = token.map(bearer);
    let headers: Vec<(&str, &str)> = auth.as_deref().map(|a| vec![("authorization", a)]).unwrap_or_default();
    call("POST", &format!("{base}{path}"), &headers, Some(&body.to_string())).await
}

async fn signin(base: &str, email: &str, password: &str) -> Resp {
    post(base, "/api/v1/auths/signin", None, json!({"email": email, "password": password})).await
}

/// Turns the MFA policy on through the admin config (as the admin UI does); the admin's
/// session ends with it.
async fn enable_mfa(base: &str, admin_token: &str) -> Resp {
    let r = call("GET", &format!("{base}/api/v1/auths/admin/config"), &[("authorization", &bearer(admin_token))], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut cfg = r.json();
    cfg["ENABLE_MFA"] = json!(true);
    post(base, "/api/v1/auths/admin/config", Some(admin_token), cfg).await
}

/// A TOTP code of `secret` that is wrong now (each digit moved by one).
fn wrong_code(secret: &str) -> String {
    let good = server::app::mfa::current_code(secret).unwrap();
    good.chars().map(|c| char::from(b'0' + (c as u8 - b'0' + 1) % 10)).collect()
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

/// The `recovery_codes` of an answer.
fn recovery_codes(body: &Value) -> Vec<String> {
    body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
}

/// Enrols the authenticator of a login's `enroll` step; the session and the recovery codes.
async fn enrol(base: &str, challenge: &str) -> (String, Vec<String>, String) {
    let r = post(base, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": challenge})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let key = r.json()["manual_key"].as_str().unwrap().to_string();
    let code = server::app::mfa::current_code(&key).unwrap();
    let r = post(base, "/api/v1/auths/mfa/enroll/confirm", None, json!({"challenge_token": challenge, "code": code})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    let codes = recovery_codes(&body);
    (body["token"].as_str().unwrap().to_string(), codes, key)
}

#[tokio::test]
async fn totp_enrolment_verification_renewal_replacement_and_reset() {
    let s = TestServer::start().await;
    let base = s.url.as_str();
    let r = post(base, "/api/v1/auths/signup", None, json!({"name": "Ada", "email": "ada@example.com", "password": "pw-ada"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t0 = r.json()["token"].as_str().unwrap().to_string();

    // Turning MFA on ends every session.
    let r = enable_mfa(base, &t0).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ENABLE_MFA"], json!(true));
    assert_eq!(r.json()["sessions_revoked"], json!(true));
    let r = call("GET", &format!("{base}/api/v1/auths/"), &[("authorization", &bearer(&t0))], None).await;
    assert_eq!(r.status, 401, "{}", r.body);

    // Sign-in answers the enrol step, no session.
    let r = signin(base, "ada@example.com", "pw-ada").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let step = r.json();
    assert_eq!(step["next_step"], json!("enroll"));
    assert_eq!(step["expires_in"], json!(300));
    assert!(r.cookies().is_empty(), "{:?}", r.cookies());
    let challenge = step["challenge_token"].as_str().unwrap().to_string();

    // The secret is made once per step; every answer is no-store, errors too.
    let r = post(base, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": challenge})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let setup = r.json();
    let key = setup["manual_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 32);
    assert!(setup["qr_code"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
    let r = post(base, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": challenge})).await;
    assert_eq!(r.json()["manual_key"], json!(key));
    let r = post(base, "/api/v1/auths/mfa/enroll/confirm", None, json!({"challenge_token": challenge, "code": wrong_code(&key)})).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Invalid code. Check your authenticator and try again."}"#));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let r = post(base, "/api/v1/auths/mfa/enroll/confirm", None, json!({"challenge_token": challenge, "code": 123456})).await;
    assert_eq!((r.status, r.body.as_str()), (422, r#"{"detail":"Invalid authentication request."}"#));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let r = call("POST", &format!("{base}/api/v1/auths/mfa/enroll/confirm"), &[], Some("{not json")).await;
    assert_eq!((r.status, r.body.as_str()), (422, r#"{"detail":"Invalid authentication request."}"#));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));

    // The right code signs in, verified, with ten recovery codes; the challenge cookie is cleared.
    let code = server::app::mfa::current_code(&key).unwrap();
    let r = post(base, "/api/v1/auths/mfa/enroll/confirm", None, json!({"challenge_token": challenge, "code": code})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["id", "name", "role", "email", "profile_image_url", "token", "token_type", "expires_at", "permissions", "recovery_codes"]
    );
    let codes = recovery_codes(&body);
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.len() == 32 && c.bytes().all(|b| b.is_ascii_hexdigit())));
    let cookies = r.cookies();
    assert!(cookies[0].starts_with("token="), "{cookies:?}");
    assert!(cookies[1].starts_with("mfa_challenge=\"\"; expires=") && cookies[1].ends_with("; Max-Age=0; Path=/api/v1/auths/mfa; SameSite=lax"), "{cookies:?}");
    let t1 = body["token"].as_str().unwrap().to_string();
    assert_eq!(claims(&t1)["mfa_verified"], json!(true));
    assert_eq!(claims(&t1)["auth_method"], json!("password"));
    let r = call("GET", &format!("{base}/api/v1/auths/"), &[("authorization", &bearer(&t1))], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // A used step is gone.
    let r = post(base, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": challenge})).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"This authentication step expired. Please start again."}"#));

    let r = call("GET", &format!("{base}/api/v1/auths/mfa/status"), &[("authorization", &bearer(&t1))], None).await;
    assert_eq!(r.body, r#"{"enabled":true,"required":true,"recovery_codes_remaining":10}"#);

    // The next sign-in verifies; the TOTP of the enrolment is not accepted twice.
    let r = signin(base, "ada@example.com", "pw-ada").await;
    assert_eq!(r.json()["next_step"], json!("verify"));
    let challenge = r.json()["challenge_token"].as_str().unwrap().to_string();
    let r = post(base, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": code})).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Invalid or already used code."}"#));
    let r = post(base, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": codes[0].to_uppercase(), "recovery": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t2 = r.json()["token"].as_str().unwrap().to_string();
    let r = post(base, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": codes[1], "recovery": true})).await;
    assert_eq!(r.status, 401, "a verified step is used up: {}", r.body);

    // Renewing the recovery codes needs a code, and ends the sessions.
    let r = post(base, "/api/v1/auths/mfa/recovery/codes", None, json!({"code": codes[1], "recovery": true})).await;
    assert_eq!(r.status, 401, "{}", r.body);
    let r = post(base, "/api/v1/auths/mfa/recovery/codes", Some(&t2), json!({"code": codes[0], "recovery": true})).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Invalid or already used code."}"#));
    let r = post(base, "/api/v1/auths/mfa/recovery/codes", Some(&t2), json!({"code": codes[1], "recovery": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let codes = recovery_codes(&r.json());
    assert_eq!(codes.len(), 10);
    let r = call("GET", &format!("{base}/api/v1/auths/"), &[("authorization", &bearer(&t2))], None).await;
    assert_eq!(r.status, 401, "renewal ends the sessions: {}", r.body);

    // Replacing the authenticator from a fresh session: a new secret, then codes only.
    let r = signin(base, "ada@example.com", "pw-ada").await;
    let challenge = r.json()["challenge_token"].as_str().unwrap().to_string();
    let r = post(base, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": codes[0], "recovery": true})).await;
    let t3 = r.json()["token"].as_str().unwrap().to_string();
    let r = post(base, "/api/v1/auths/mfa/replace", Some(&t3), json!({"code": codes[1], "recovery": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["next_step"], json!("enroll"));
    let replace = r.json()["challenge_token"].as_str().unwrap().to_string();
    let r = post(base, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": replace})).await;
    let new_key = r.json()["manual_key"].as_str().unwrap().to_string();
    assert_ne!(new_key, key);
    let r = post(
        base,
        "/api/v1/auths/mfa/enroll/confirm",
        None,
        json!({"challenge_token": replace, "code": server::app::mfa::current_code(&new_key).unwrap()}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert_eq!(body.as_object().unwrap().keys().collect::<Vec<_>>(), ["recovery_codes"]);
    assert_eq!(body["recovery_codes"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn operator_reset_then_recover() {
    let s = TestServer::start().await;
    let base = s.url.as_str();
    let r = post(base, "/api/v1/auths/signup", None, json!({"name": "Ada", "email": "ada@example.com", "password": "pw-ada"})).await;
    let t0 = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(enable_mfa(base, &t0).await.status, 200);
    let r = signin(base, "ada@example.com", "pw-ada").await;
    let (_, codes, _) = enrol(base, r.json()["challenge_token"].as_str().unwrap()).await;

    // The operator's reset: the next sign-in is a recover step that the ticket turns into an enrolment.
    let ticket = server::app::mfa::reset(&s.context(), "ADA@example.com ", "lost phone").await.unwrap();
    assert!(server::app::mfa::reset(&s.context(), "nobody@example.com", "x").await.is_err());
    assert!(server::app::mfa::reset(&s.context(), "ada@example.com", " ").await.is_err());
    let r = signin(base, "ada@example.com", "pw-ada").await;
    assert_eq!(r.json()["next_step"], json!("recover"));
    let challenge = r.json()["challenge_token"].as_str().unwrap().to_string();
    let r = post(base, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": codes[0], "recovery": true})).await;
    assert_eq!(r.status, 401, "old codes are gone with the reset: {}", r.body);
    let r = post(base, "/api/v1/auths/mfa/recover", None, json!({"challenge_token": challenge, "reset_token": "x".repeat(43)})).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Invalid or expired operator recovery token."}"#));
    let r = post(base, "/api/v1/auths/mfa/recover", None, json!({"challenge_token": challenge, "reset_token": ticket})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["next_step"], json!("enroll"));
    let enrol_token = r.json()["challenge_token"].as_str().unwrap().to_string();
    let (t4, _, _) = enrol(base, &enrol_token).await;
    let r = call("GET", &format!("{base}/api/v1/auths/"), &[("authorization", &bearer(&t4))], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn mfa_gates_and_limits() {
    let s = TestServer::start().await;
    let base = s.url.as_str();
    let r = post(base, "/api/v1/auths/signup", None, json!({"name": "Bo", "email": "bo@example.com", "password": "pw-bo"})).await;
    let t0 = r.json()["token"].as_str().unwrap().to_string();

    // The whole auths router answers no-store, errors and undecodable JSON included.
    let r = signin(base, "bo@example.com", "wrong").await;
    assert_eq!((r.status, r.header("cache-control").as_deref()), (400, Some("no-store")), "{}", r.body);
    let r = call("POST", &format!("{base}/api/v1/auths/update/timezone"), &[], Some("{")).await;
    assert_eq!((r.status, r.body.as_str()), (422, r#"{"detail":"Invalid authentication request."}"#), "JSON is decoded before the auth check");
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));

    // With MFA off: a session as before, the management routes refuse.
    let r = post(base, "/api/v1/auths/mfa/replace", Some(&t0), json!({"code": "123456"})).await;
    assert_eq!((r.status, r.body.as_str()), (403, r#"{"detail":"MFA is disabled."}"#));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let r = post(base, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": "short"})).await;
    assert_eq!((r.status, r.body.as_str()), (422, r#"{"detail":"Invalid authentication request."}"#));
    let r = post(base, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": "a".repeat(30), "extra": 1})).await;
    assert_eq!((r.status, r.body.as_str()), (422, r#"{"detail":"Invalid authentication request."}"#));
    let r = post(base, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": "no-dot-in-this-token-at-all"})).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"This authentication step expired. Please start again."}"#));

    // The challenge route wants this server's origin and clears the cookie when it fails.
    let r = call("POST", &format!("{base}/api/v1/auths/mfa/challenge"), &[], None).await;
    assert_eq!((r.status, r.body.as_str()), (403, r#"{"detail":"Invalid request origin."}"#));
    let r = call("POST", &format!("{base}/api/v1/auths/mfa/challenge"), &[("origin", base)], None).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"This authentication step expired. Please start again."}"#));
    assert!(r.cookies()[0].starts_with("mfa_challenge=\"\";"), "{:?}", r.cookies());
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));

    assert_eq!(enable_mfa(base, &t0).await.status, 200);

    // The challenge cookie of a pending step is answered to the same origin.
    let r = signin(base, "bo@example.com", "pw-bo").await;
    let challenge = r.json()["challenge_token"].as_str().unwrap().to_string();
    let cookie = format!("mfa_challenge={challenge}");
    let r = call("POST", &format!("{base}/api/v1/auths/mfa/challenge"), &[("origin", base), ("cookie", &cookie)], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["challenge_token"], json!(challenge));
    assert_eq!(r.json()["next_step"], json!("enroll"));

    // The session from before the policy change is over.
    let r = call("GET", &format!("{base}/api/v1/auths/mfa/status"), &[("authorization", &bearer(&t0))], None).await;
    assert_eq!(r.status, 401, "{}", r.body);

    // A pending account answers `pending` at sign-in instead of a step.
    let (t1, _, key) = enrol(base, &challenge).await;
    let r = post(base, "/api/v1/auths/add", Some(&t1), json!({"name": "P", "email": "p@example.com", "password": "pw-p", "role": "pending"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json().get("token").is_none(), "no token for an added user with MFA on: {}", r.body);
    let r = signin(base, "p@example.com", "pw-p").await;
    assert_eq!(r.body, r#"{"next_step":"pending"}"#);

    // Five codes per step, then 429 with Retry-After.
    let r = signin(base, "bo@example.com", "pw-bo").await;
    let challenge = r.json()["challenge_token"].as_str().unwrap().to_string();
    for _ in 0..5 {
        let r = post(base, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": wrong_code(&key)})).await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
    let r = post(base, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": wrong_code(&key)})).await;
    assert_eq!((r.status, r.body.as_str()), (429, r#"{"detail":"Too many codes. Please sign in again."}"#));
    let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry), "{retry}");

    // Ten password attempts per account per window while MFA is on (two sign-ins above; the
    // one before MFA was on does not count).
    for _ in 0..8 {
        let r = signin(base, "bo@example.com", "wrong").await;
        assert_eq!(r.status, 400, "{}", r.body);
    }
    let r = signin(base, "bo@example.com", "wrong").await;
    assert_eq!((r.status, r.body.as_str()), (429, r#"{"detail":"Too many attempts. Please try again later."}"#));
    let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
}

/// The stored state is the reference's: a step started by one backend finishes on the other.
#[tokio::test]
async fn enrolment_and_verification_cross_between_backends() {
    let Some((reference, s)) = shared_backends().await else { return };
    let r = post(&reference.url, "/api/v1/auths/signup", None, json!({"name": "Cy", "email": "cy@example.com", "password": "pw-cy"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t0 = r.json()["token"].as_str().unwrap().to_string();
    let r = enable_mfa(&reference.url, &t0).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The reference's settings write does not notify: seen here within the refresh interval.
    s.reload_settings().await;

    // The reference starts the enrolment (and encrypts the secret); we finish it.
    let r = signin(&reference.url, "cy@example.com", "pw-cy").await;
    assert_eq!(r.json()["next_step"], json!("enroll"), "{}", r.body);
    let challenge = r.json()["challenge_token"].as_str().unwrap().to_string();
    let r = post(&reference.url, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": challenge})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let key = r.json()["manual_key"].as_str().unwrap().to_string();
    let r = post(&s.url, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": challenge})).await;
    assert_eq!(r.json()["manual_key"], json!(key), "we decrypt the reference's secret: {}", r.body);
    let code = server::app::mfa::current_code(&key).unwrap();
    let r = post(&s.url, "/api/v1/auths/mfa/enroll/confirm", None, json!({"challenge_token": challenge, "code": code})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let codes = recovery_codes(&r.json());
    let ours = r.json()["token"].as_str().unwrap().to_string();
    let r = call("GET", &format!("{}/api/v1/auths/mfa/status", reference.url), &[("authorization", &bearer(&ours))], None).await;
    assert_eq!(r.body, r#"{"enabled":true,"required":true,"recovery_codes_remaining":10}"#);

    // We start a login; the reference verifies it with a code we issued, and the reverse.
    let r = signin(&s.url, "cy@example.com", "pw-cy").await;
    let challenge = r.json()["challenge_token"].as_str().unwrap().to_string();
    let r = post(&reference.url, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": codes[0], "recovery": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = signin(&reference.url, "cy@example.com", "pw-cy").await;
    let challenge = r.json()["challenge_token"].as_str().unwrap().to_string();
    let r = post(&s.url, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": codes[0], "recovery": true})).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Invalid or already used code."}"#));
    let r = post(&s.url, "/api/v1/auths/mfa/verify", None, json!({"challenge_token": challenge, "code": codes[1], "recovery": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ours = r.json()["token"].as_str().unwrap().to_string();
    let r = call("GET", &format!("{}/api/v1/auths/mfa/status", reference.url), &[("authorization", &bearer(&ours))], None).await;
    assert_eq!(r.body, r#"{"enabled":true,"required":true,"recovery_codes_remaining":8}"#);
    reference.stop();
}

/// `server mfa reset EMAIL --reason R`: the operator's command, on the server's database.
#[tokio::test]
async fn mfa_reset_command() {
    let s = TestServer::start().await;
    let r = post(&s.url, "/api/v1/auths/signup", None, json!({"name": "Di", "email": "di@example.com", "password": "pw-di"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env_clear()
            .env("DATABASE_URL", s.db.url())
            .env("WEBUI_SECRET_KEY", TEST_SECRET)
            .env("DATA_DIR", s.data_dir.path())
            .env("OFFLINE_MODE", "true")
            .output()
            .expect("run the server binary")
    };
    let out = run(&["mfa", "reset", "di@example.com", "--reason", "lost phone"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let ticket = stdout.lines().nth(1).unwrap().trim().to_string();
    assert_eq!(ticket.len(), 43, "{stdout}");
    let stored: Value = s.db.client().await.query_one("SELECT mfa FROM auth", &[]).await.unwrap().get(0);
    assert_eq!(stored["reset_required"], json!(true));
    assert_eq!(stored["reset_ticket"]["token_hash"], json!(server::app::mfa::token_hash(&ticket)));

    let out = run(&["mfa", "reset", "nobody@example.com", "--reason", "x"]);
    assert!(!out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim_end().lines().last(), Some("Reset failed: User not found."));
    let out = run(&["mfa", "reset", "di@example.com"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: server mfa reset EMAIL --reason REASON"));
}

/// `MFA_ENCRYPTION_KEY` replaces the derived key; a key Fernet cannot use keeps MFA off (409).
#[tokio::test]
async fn mfa_encryption_key() {
    let key = "ZmVybmV0LWtleS1mb3ItdGVzdHMtMzItYnl0ZXMhIT0="; // 32 bytes, base64url
    let s = TestServer::start_with(&[("MFA_ENCRYPTION_KEY", key)]).await;
    let r = post(&s.url, "/api/v1/auths/signup", None, json!({"name": "Ek", "email": "ek@example.com", "password": "pw"})).await;
    let t0 = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(enable_mfa(&s.url, &t0).await.status, 200);
    let r = signin(&s.url, "ek@example.com", "pw").await;
    let challenge = r.json()["challenge_token"].as_str().unwrap().to_string();
    let r = post(&s.url, "/api/v1/auths/mfa/enroll/start", None, json!({"challenge_token": challenge})).await;
    let secret = r.json()["manual_key"].as_str().unwrap().to_string();
    let stored: Value = s.db.client().await.query_one("SELECT mfa FROM auth", &[]).await.unwrap().get(0);
    let sealed = stored["login_challenge"]["secret"].as_str().unwrap();
    let clear = fernet::Fernet::new(key).unwrap().decrypt(sealed).expect("sealed with MFA_ENCRYPTION_KEY");
    assert_eq!(String::from_utf8(clear).unwrap(), secret);

    let s = TestServer::start_with(&[("MFA_ENCRYPTION_KEY", "not-a-fernet-key")]).await;
    let r = post(&s.url, "/api/v1/auths/signup", None, json!({"name": "Ek", "email": "ek@example.com", "password": "pw"})).await;
    let t0 = r.json()["token"].as_str().unwrap().to_string();
    let r = enable_mfa(&s.url, &t0).await;
    assert_eq!((r.status, r.body.as_str()), (409, r#"{"detail":"Unable to update MFA policy. Check configuration and retry."}"#));
}
