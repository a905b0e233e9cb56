//! Size limits the reference lacks (security notes, DOS): over-limit bodies answer 413
//! `{"detail": ...}`, over-long account-form fields the `/auths` router's 422.

use serde_json::{json, Value};

use crate::common::*;

async fn post(url: &str, body: Vec<u8>) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn oversize_bodies_answer_413() {
    let s = TestServer::start().await;
    // The unauthenticated account forms take 1 MiB at most.
    let mut big = br#"{"email":"a@example.com","password":""#.to_vec();
    big.resize(webui_api::PUBLIC_BODY_MAX_BYTES + 1, b'x');
    let (status, v) = post(&format!("{}/api/v1/auths/signin", s.url), big).await;
    assert_eq!((status, v), (413, json!({"detail": "Request body too large (limit: 1048576 bytes)."})));
    // Every other route: the global limit.
    let limit = server::http::limits::DEFAULT_BODY_MAX_BYTES;
    let (status, v) = post(&format!("{}/api/v1/users/user/settings/update", s.url), vec![b' '; limit + 1]).await;
    assert_eq!((status, v), (413, json!({"detail": format!("Request body too large (limit: {limit} bytes).")})));
    // Under the limit the route answers as usual (401: no session).
    let (status, _) = post(&format!("{}/api/v1/users/user/settings/update", s.url), b"{}".to_vec()).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn long_account_fields_are_refused() {
    let s = TestServer::start().await;
    let signup = |name: String, email: String, password: String| {
        let url = format!("{}/api/v1/auths/signup", s.url);
        async move { post(&url, json!({"name": name, "email": email, "password": password}).to_string().into_bytes()).await }
    };
    let invalid = json!({"detail": "Invalid authentication request."});
    assert_eq!(signup("n".repeat(256), "a@example.com".into(), "pw".into()).await, (422, invalid.clone()));
    assert_eq!(signup("n".into(), format!("{}@example.com", "a".repeat(320)), "pw".into()).await, (422, invalid.clone()));
    assert_eq!(signup("n".into(), "a@example.com".into(), "p".repeat(4097)).await, (422, invalid.clone()));
    let signin = post(
        &format!("{}/api/v1/auths/signin", s.url),
        json!({"email": "e".repeat(100_000), "password": "x"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(signin, (422, invalid));
    // At the limits the account is created.
    let (status, v) = signup("ñ".repeat(255), "a@example.com".into(), "pw".into()).await;
    assert_eq!(status, 200, "{v}");
}

/// A NUL character reaching a text column (from a body, path or query string) is the client's
/// error, not a 500 (schemathesis found `POST /api/v1/auths/update/timezone` answering 500).
#[tokio::test]
async fn nul_characters_answer_400_not_500() {
    let s = TestServer::start().await;
    let (status, v) = post(
        &format!("{}/api/v1/auths/signup", s.url),
        json!({"name": "a", "email": "a@example.com", "password": "pw"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let nul = json!({"detail": "Invalid input: text cannot contain NUL (0x00) characters."});
    let r = client
        .post(format!("{}/api/v1/auths/update/timezone", s.url))
        .bearer_auth(&token)
        .json(&json!({"timezone": "Europe/Par\u{0}is"}))
        .send()
        .await
        .unwrap();
    assert_eq!((r.status().as_u16(), r.json::<Value>().await.unwrap()), (400, nul.clone()));
    let r = client.get(format!("{}/api/v1/users/a%00b", s.url)).bearer_auth(&token).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.json::<Value>().await.unwrap()), (400, nul.clone()));
    // In an array parameter too (schemathesis found `POST /api/v1/groups/id/{id}/users/add`).
    let r = client
        .post(format!("{}/api/v1/groups/id/x/users/add", s.url))
        .bearer_auth(&token)
        .json(&json!({"user_ids": ["a\u{0}b"]}))
        .send()
        .await
        .unwrap();
    assert_eq!((r.status().as_u16(), r.json::<Value>().await.unwrap()), (400, nul));
}

/// This process's resident memory: `(current, peak since the last reset)` in bytes (Linux).
fn rss() -> (usize, usize) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
            .expect("a VmRSS/VmHWM line")
            * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Forgets the peak (`VmHWM`) so that the next reading covers what happens after this call.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak resident memory");
}

/// A JSON body of `size` bytes: `{"zz":[0,0,...]}` under a key no form declares, the body that
/// cost about 180 times its size when every body became a JSON tree first (issue 10).
fn small_numbers(size: usize) -> bytes::Bytes {
    let mut b = Vec::with_capacity(size + 8);
    b.extend_from_slice(br#"{"zz":["#);
    while b.len() < size - 2 {
        b.extend_from_slice(b"0,");
    }
    b.extend_from_slice(b"0]}");
    bytes::Bytes::from(b)
}

/// Memory per request stays a small multiple of the body: the server (in this process) is
/// measured around each request, with the body already built by the test.
#[tokio::test]
async fn a_body_costs_a_small_multiple_of_its_size() {
    let s = TestServer::start().await;
    let (status, v) = post(
        &format!("{}/api/v1/auths/signup", s.url),
        json!({"name": "a", "email": "a@example.com", "password": "pw"})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (token, id) = (
        v["token"].as_str().unwrap().to_string(),
        v["id"].as_str().unwrap().to_string(),
    );
    let client = reqwest::Client::new();
    let size = 16 << 20;
    let body = small_numbers(size);
    let public = small_numbers(webui_api::PUBLIC_BODY_MAX_BYTES - 16);
    // A free-form dict of the same size that is mostly text (an inline background image).
    let mut text = br#"{"ui":{"backgroundImageUrl":"data:image/png;base64,"#.to_vec();
    text.resize(size, b'A');
    text.extend_from_slice(br#""}}"#);
    let text = bytes::Bytes::from(text);
    // (what, url, session, body, status, the most it may cost in multiples of the body)
    type Case<'a> = (&'a str, String, Option<&'a str>, &'a bytes::Bytes, u16, usize);
    let cases: Vec<Case> = vec![
        // No session: the body is read and decoded before the auth check, as FastAPI does.
        (
            "no session",
            format!("{}/api/v1/users/{id}/update", s.url),
            None,
            &body,
            401,
            3,
        ),
        // A form whose fields are all optional: the unknown key is skipped unread.
        (
            "admin, form",
            format!("{}/api/v1/users/user/status/update", s.url),
            Some(&token),
            &body,
            200,
            3,
        ),
        // A free dict (read as a tree) of small numbers: refused (413) before it is built.
        (
            "admin, dense free dict",
            format!("{}/api/v1/users/user/settings/update", s.url),
            Some(&token),
            &body,
            413,
            3,
        ),
        // A free dict that is mostly one string: taken, stored and echoed back.
        (
            "admin, free dict of text",
            format!("{}/api/v1/users/user/settings/update", s.url),
            Some(&token),
            &text,
            200,
            8,
        ),
        // The /auths router's flat 422 (required fields missing): no error list is rendered.
        (
            "auths form",
            format!("{}/api/v1/auths/update/profile", s.url),
            Some(&token),
            &body,
            422,
            3,
        ),
        // Public routes take 1 MiB at most.
        (
            "public",
            format!("{}/api/v1/auths/ldap", s.url),
            None,
            &public,
            422,
            3,
        ),
        (
            "public, over",
            format!("{}/api/v1/auths/mfa/verify", s.url),
            None,
            &body,
            413,
            3,
        ),
    ];
    for (what, url, token, body, expect, most) in cases {
        reset_peak();
        let (before, _) = rss();
        let mut req = client
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        let (_, peak) = rss();
        assert_eq!(status, expect, "{what}: {}", &text[..text.len().min(300)]);
        let grew = peak.saturating_sub(before);
        eprintln!(
            "{what}: {} byte body, peak resident memory +{grew} bytes",
            body.len()
        );
        assert!(
            grew < most * body.len() + (8 << 20),
            "{what}: a {} byte body took {grew} bytes",
            body.len()
        );
    }
}
