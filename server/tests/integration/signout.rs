//! Sign-out ends the session (issue 10): the token is refused afterwards, on every instance
//! sharing the database, through PostgreSQL (the reference needs Redis for this), for our
//! tokens and for tokens the reference mints.

use serde_json::{json, Map, Value};

use crate::auths::{bearer, call, me, signin, signup};
use crate::common::*;
use server::http::auth::token;

async fn signout(base: &str, token: &str) -> u16 {
    call("POST", &format!("{base}/api/v1/auths/signout"), &[("authorization", &bearer(token))], None).await.status
}

/// What both backends answer for a token that is no longer valid (`is_valid_token` false).
fn assert_refused(r: &crate::auths::Resp) {
    assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Invalid token"}"#));
}

/// [`assert_refused`] on another instance than the one that signed out: its session cache
/// (`OWUI_SESSION_CACHE_MS`) may still hold the token's rows until the news arrives through
/// PostgreSQL (milliseconds), so a few tries.
async fn assert_refused_soon(base: &str, headers: &[(&str, &str)]) {
    let start = std::time::Instant::now();
    loop {
        let r = me(base, headers).await;
        if r.status == 401 || start.elapsed() > std::time::Duration::from_secs(2) {
            return assert_refused(&r);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn signout_ends_the_token_on_every_instance() {
    let a = TestServer::start().await;
    // A second instance on the same database.
    let b = TestServer::start_with(&[("DATABASE_URL", &a.db.conninfo)]).await;
    assert_eq!(signup(&a.url, "Admin", "admin@example.com", "pw-123456").await.status, 200);
    let t1 = signin(&a.url, "admin@example.com", "pw-123456").await.json()["token"].as_str().unwrap().to_string();
    let t2 = signin(&a.url, "admin@example.com", "pw-123456").await.json()["token"].as_str().unwrap().to_string();
    for base in [&a.url, &b.url] {
        assert_eq!(me(base, &[("authorization", &bearer(&t1))]).await.status, 200);
    }

    assert_eq!(signout(&a.url, &t1).await, 200);
    // Refused at once where it was signed out (its cache emptied before the answer), and on B as
    // soon as B hears of it.
    assert_refused(&me(&a.url, &[("authorization", &bearer(&t1))]).await);
    assert_refused_soon(&b.url, &[("authorization", &bearer(&t1))]).await;
    for base in [&a.url, &b.url] {
        assert_refused(&me(base, &[("authorization", &bearer(&t1))]).await);
        // Through the cookie too, and on the routes that only read an optional user.
        assert_refused(&me(base, &[("cookie", &format!("token={t1}"))]).await);
        // Another session of the same account goes on.
        assert_eq!(me(base, &[("authorization", &bearer(&t2))]).await.status, 200);
    }
    // Signing out again (or with a token that does not decode) still answers as the reference.
    assert_eq!(signout(&b.url, &t1).await, 200);
    assert_eq!(signout(&b.url, "not-a-token").await, 200);

    // Signed out on B, refused on A.
    assert_eq!(signout(&b.url, &t2).await, 200);
    assert_refused_soon(&a.url, &[("authorization", &bearer(&t2))]).await;
}

/// With the session cache kept for ten minutes on both instances, a sign-out on A still ends the
/// token on B, which had it cached: the change travels through PostgreSQL, not the lifetime.
#[tokio::test]
async fn a_sign_out_empties_the_session_cache_of_every_instance() {
    let db = TestDb::new().await;
    let shared = db.share();
    let env = [("OWUI_SESSION_CACHE_MS", "600000")];
    let a = TestServer::start_on(db, &env).await.expect("instance A");
    let b = TestServer::start_on(shared, &env).await.expect("instance B");
    assert_eq!(signup(&a.url, "Admin", "admin@example.com", "pw-123456").await.status, 200);
    let t = signin(&a.url, "admin@example.com", "pw-123456").await.json()["token"].as_str().unwrap().to_string();
    for _ in 0..2 {
        assert_eq!(me(&b.url, &[("authorization", &bearer(&t))]).await.status, 200);
    }
    assert_eq!(signout(&a.url, &t).await, 200);
    assert_refused_soon(&b.url, &[("authorization", &bearer(&t))]).await;
}

/// A token minted as the reference mints it (`create_token`: the claims in its order, then
/// `exp`, `jti`, `iat`) is refused after its sign-out; expired rows are pruned on later writes.
#[tokio::test]
async fn signout_ends_a_reference_minted_token() {
    let s = TestServer::start().await;
    assert_eq!(signup(&s.url, "Admin", "admin@example.com", "pw-123456").await.status, 200);
    let pg = s.db.client().await;
    let row = pg.query_one("SELECT id, session_stamp FROM auth", &[]).await.unwrap();
    let (id, stamp): (String, Option<String>) = (row.get(0), row.get(1));
    let now = chrono::Utc::now().timestamp();
    let mint = |exp: i64| {
        let mut claims = Map::new();
        claims.insert("id".into(), json!(id));
        claims.insert("typ".into(), json!("session"));
        claims.insert("auth_method".into(), json!("password"));
        claims.insert("auth_time".into(), json!(now));
        claims.insert("session_stamp".into(), json!(stamp));
        claims.insert("mfa_verified".into(), json!(false));
        token::create_token(TEST_SECRET, claims, Some(exp), now)
    };
    let t = mint(3600);
    let keys: Vec<String> = token::decode_token(TEST_SECRET, &t, now).unwrap().keys().cloned().collect();
    assert_eq!(keys, ["id", "typ", "auth_method", "auth_time", "session_stamp", "mfa_verified", "exp", "jti", "iat"]);
    assert_eq!(me(&s.url, &[("authorization", &bearer(&t))]).await.status, 200);
    assert_eq!(signout(&s.url, &t).await, 200);
    assert_refused(&me(&s.url, &[("authorization", &bearer(&t))]).await);

    // A revocation past its token's expiry is pruned by the next one.
    pg.execute("UPDATE owui_rs.revoked_token SET expires_at = $1", &[&(now - 1)]).await.unwrap();
    let other = mint(7200);
    assert_eq!(signout(&s.url, &other).await, 200);
    let left: Vec<String> = pg.query("SELECT jti FROM owui_rs.revoked_token", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    let other_jti = token::decode_token(TEST_SECRET, &other, now).unwrap()["jti"].as_str().unwrap().to_string();
    assert_eq!(left, [other_jti]);
}

/// On a database shared with the Python reference: a token the reference issued, signed out
/// here, is refused here; and the reference's own answer for that token stays its own (it has
/// no Redis, so it still accepts it: the documented difference).
#[tokio::test]
async fn signout_ends_a_token_the_reference_issued() {
    // Our session cache on, at its default lifetime.
    let Some((reference, s)) = shared_backends_with(&[]).await else { return };
    let r = signup(&reference.url, "Ref Admin", "ref@example.com", "ref-secret").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ref_token = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(me(&s.url, &[("authorization", &bearer(&ref_token))]).await.status, 200);
    assert_eq!(signout(&s.url, &ref_token).await, 200);
    assert_refused(&me(&s.url, &[("authorization", &bearer(&ref_token))]).await);
    let theirs = me(&reference.url, &[("authorization", &bearer(&ref_token))]).await;
    assert_eq!(theirs.status, 200, "the reference without Redis keeps signed-out tokens: {}", theirs.body);

    // "Sign out everywhere" through the session stamp, which both backends check: the admin
    // revocation route of the reference ends every token of the account on both.
    let t = signin(&s.url, "ref@example.com", "ref-secret").await.json()["token"].as_str().unwrap().to_string();
    let id: Value = me(&s.url, &[("authorization", &bearer(&t))]).await.json()["id"].clone();
    let r = call("POST", &format!("{}/api/v1/users/{}/sessions/revoke", reference.url, id.as_str().unwrap()), &[("authorization", &bearer(&t))], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(me(&reference.url, &[("authorization", &bearer(&t))]).await.status, 401);
    // Ours sees a change the reference made (it does not notify) once its session cache's rows
    // for the token are older than `OWUI_SESSION_CACHE_MS` (1 s by default).
    let start = std::time::Instant::now();
    loop {
        let status = me(&s.url, &[("authorization", &bearer(&t))]).await.status;
        if status == 401 {
            break;
        }
        assert!(start.elapsed() < std::time::Duration::from_millis(2500), "still {status} after the cache's lifetime");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
