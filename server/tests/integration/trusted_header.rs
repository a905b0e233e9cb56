//! Trusted-header sign-in (`WEBUI_AUTH_TRUSTED_EMAIL_HEADER` and its name, groups and role
//! headers): accounts created on first sight, the first one admin (atomically), group and role
//! sync, and the same answers as the reference for the same sequence.

use serde_json::{json, Value};

use crate::auths::{call, Resp};
use crate::common::*;

const ENV: &[(&str, &str)] = &[
    ("WEBUI_AUTH_TRUSTED_EMAIL_HEADER", "X-User-Email"),
    ("WEBUI_AUTH_TRUSTED_NAME_HEADER", "X-User-Name"),
    ("WEBUI_AUTH_TRUSTED_GROUPS_HEADER", "X-User-Groups"),
    ("WEBUI_AUTH_TRUSTED_ROLE_HEADER", "X-User-Role"),
];

const EMPTY_FORM: &str = r#"{"email":"","password":""}"#;

async fn signin_as(base: &str, headers: &[(&str, &str)]) -> Resp {
    call("POST", &format!("{base}/api/v1/auths/signin"), headers, Some(EMPTY_FORM)).await
}

/// Ids, tokens, picture paths and expiry masked.
fn masked(body: &str) -> Value {
    let mut v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    if let Value::Object(m) = &mut v {
        for k in ["id", "token", "expires_at", "profile_image_url"] {
            if m.contains_key(k) {
                m.insert(k.into(), json!("*"));
            }
        }
    }
    v
}

async fn seed_groups(db: &TestDb) {
    let c = db.client().await;
    for (id, name) in [("g-eng", "eng"), ("g-ops", "ops"), ("g-x", "Eng")] {
        c.execute(
            r#"INSERT INTO "group" (id, user_id, name, description, data, meta, permissions, created_at, updated_at)
               VALUES ($1, 'seed', $2, '', null, null, '{}'::json, 1, 1)"#,
            &[&id, &name],
        )
        .await
        .unwrap();
    }
}

async fn member_groups(db: &TestDb, email: &str) -> Vec<String> {
    let c = db.client().await;
    c.query(
        r#"SELECT g.name FROM group_member m JOIN "group" g ON g.id = m.group_id JOIN "user" u ON u.id = m.user_id
           WHERE u.email = $1 ORDER BY g.name"#,
        &[&email],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// The request sequence both backends get; returns every (status, masked body).
async fn sequence(base: &str) -> Vec<(u16, Value)> {
    let mut out = vec![];
    let mut push = |r: Resp| out.push((r.status, masked(&r.body)));
    // No header: 400.
    push(signin_as(base, &[]).await);
    // First sight: account created, first one admin; name percent-decoded; email lowercased.
    push(signin_as(base, &[("x-user-email", "Alice@Example.COM"), ("x-user-name", "Al%C3%AFce%20A"), ("x-user-groups", "eng, ops,nope")]).await);
    // Second account: the default role; no name header means the email is the name.
    push(signin_as(base, &[("x-user-email", "bob@example.com")]).await);
    // Role header, any case and padded; groups replaced.
    push(signin_as(base, &[("x-user-email", "bob@example.com"), ("x-user-role", " USER "), ("x-user-groups", "Eng")]).await);
    // An invalid role is ignored, an empty groups header keeps the memberships.
    push(signin_as(base, &[("x-user-email", "bob@example.com"), ("x-user-role", "root"), ("x-user-groups", " , ")]).await);
    // Demotion of the admin by the header.
    push(signin_as(base, &[("x-user-email", "alice@example.com"), ("x-user-role", "pending")]).await);
    push(signin_as(base, &[("x-user-email", "alice@example.com"), ("x-user-role", "admin")]).await);
    out
}

#[tokio::test]
async fn trusted_header_signin_creates_syncs_and_checks() {
    let s = TestServer::start_with(ENV).await;
    seed_groups(&s.db).await;
    let answers = sequence(&s.url).await;
    assert_eq!(answers[0], (400, json!({"detail": "Your provider has not provided a trusted header. Please contact your administrator for assistance."})));
    assert_eq!(answers[1].0, 200, "{:?}", answers[1]);
    assert_eq!(answers[1].1["role"], json!("admin"));
    assert_eq!(answers[1].1["email"], json!("alice@example.com"));
    assert_eq!(answers[1].1["name"], json!("Alïce A"));
    assert_eq!(answers[2].1["role"], json!("pending"));
    assert_eq!(answers[2].1["name"], json!("bob@example.com"));
    assert_eq!(answers[3].1["role"], json!("user"));
    assert_eq!(answers[4].1["role"], json!("user"));
    assert_eq!(answers[5].1["role"], json!("pending"));
    assert_eq!(answers[6].1["role"], json!("admin"));
    assert_eq!(member_groups(&s.db, "alice@example.com").await, vec!["eng", "ops"]);
    assert_eq!(member_groups(&s.db, "bob@example.com").await, vec!["Eng"]);

    // Sign-up is closed after the first account, as for a password sign-up.
    let c = s.db.client().await;
    let v: Value = c.query_one("SELECT value FROM config WHERE key = 'ui.enable_signup'", &[]).await.unwrap().get(0);
    assert_eq!(v, json!(false));

    // The session is bound to the header: another email in it ends the session.
    let r = signin_as(&s.url, &[("x-user-email", "bob@example.com")]).await;
    let token = r.json()["token"].as_str().unwrap().to_string();
    let auth = format!("Bearer {token}");
    let r = call("GET", &format!("{}/api/v1/auths/", s.url), &[("authorization", &auth), ("x-user-email", "bob@example.com")], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call("GET", &format!("{}/api/v1/auths/", s.url), &[("authorization", &auth), ("x-user-email", "alice@example.com")], None).await;
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"User mismatch. Please sign in again."}"#));
    // Passwords cannot be changed under trusted-header auth.
    let r = call(
        "POST",
        &format!("{}/api/v1/auths/update/password", s.url),
        &[("authorization", &auth)],
        Some(r#"{"password":"a","new_password":"b"}"#),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (400, r#"{"detail":"The requested action has been restricted as a security measure."}"#));
}

#[tokio::test]
async fn concurrent_first_trusted_header_signins_make_exactly_one_admin() {
    let s = TestServer::start_with(ENV).await;
    let mut tasks = vec![];
    for i in 0..12 {
        let url = s.url.clone();
        tasks.push(tokio::spawn(async move {
            let email = format!("user{i}@example.com");
            signin_as(&url, &[("x-user-email", &email)]).await
        }));
    }
    let mut admins = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        if r.json()["role"] == json!("admin") {
            admins += 1;
        }
    }
    assert_eq!(admins, 1);
    // The same new email from many requests at once: one account.
    let mut tasks = vec![];
    for _ in 0..8 {
        let url = s.url.clone();
        tasks.push(tokio::spawn(async move { signin_as(&url, &[("x-user-email", "same@example.com")]).await }));
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let c = s.db.client().await;
    let n: i64 = c.query_one(r#"SELECT count(*) FROM "user" WHERE email = 'same@example.com'"#, &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}

#[tokio::test]
async fn trusted_header_answers_match_the_reference() {
    if !Reference::available() {
        return;
    }
    let ref_db = TestDb::new().await;
    seed_groups(&ref_db).await;
    let reference = Reference::start_with(&ref_db.url(), ENV);
    let s = TestServer::start_with(ENV).await;
    seed_groups(&s.db).await;
    let theirs = sequence(&reference.url).await;
    let ours = sequence(&s.url).await;
    assert_eq!(theirs, ours, "reference log:\n{}", reference.log());
    for email in ["alice@example.com", "bob@example.com"] {
        assert_eq!(member_groups(&ref_db, email).await, member_groups(&s.db, email).await, "{email}");
    }
}
