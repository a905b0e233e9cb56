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
    // The unauthenticated account forms take 2 MiB at most.
    let mut big = br#"{"email":"a@example.com","password":""#.to_vec();
    big.resize(2 * 1024 * 1024 + 1, b'x');
    let (status, v) = post(&format!("{}/api/v1/auths/signin", s.url), big).await;
    assert_eq!((status, v), (413, json!({"detail": "Request body too large (limit: 2097152 bytes)."})));
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
