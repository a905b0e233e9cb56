//! The fuzz targets' bodies: plain functions over bytes, shared by the cargo-fuzz binaries
//! (`server/fuzz/fuzz_targets/*.rs`, nightly + libFuzzer) and by the stable test that runs them
//! over the corpus and random inputs (`server/tests/integration/fuzz_inputs.rs`). Each one must
//! never panic, and checks the properties noted on it. A new parser of user input adds a
//! function here, a two-line binary in `fuzz_targets/`, a `[[bin]]` in `Cargo.toml`, a corpus
//! directory and a line in the stable test.

#![allow(dead_code)]

use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

/// The request-body parser of every JSON route (`webui_api::FastJson`): content type chosen by
/// the first byte, form type by the second, the rest is the body. Field errors are pydantic
/// lists whose entries all carry `type`, `loc`, `msg`.
pub fn json_body(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let ct = match data[0] % 5 {
        0 => None,
        1 => Some("application/json"),
        2 => Some("application/vnd.api+json; charset=utf-8"),
        3 => Some("text/plain"),
        _ => Some("application/x-www-form-urlencoded"),
    };
    let body = &data[2..];
    fn check<T: schemars::JsonSchema + serde::de::DeserializeOwned + 'static>(ct: Option<&str>, body: &[u8]) {
        let errors = match webui_api::parse_body::<T>(ct, body) {
            Ok(Ok(_)) => return,
            Ok(Err(errors)) => errors,
            Err(errors) => errors,
        };
        for e in &errors {
            assert!(e.get("type").is_some() && e.get("loc").is_some() && e.get("msg").is_some(), "malformed error entry {e}");
        }
        // The answer must serialise (it goes on the wire).
        serde_json::to_vec(&errors).expect("errors serialise");
    }
    match data[1] % 8 {
        0 => check::<webui_api::SigninForm>(ct, body),
        1 => check::<webui_api::SignupForm>(ct, body),
        2 => check::<webui_api::AddUserForm>(ct, body),
        3 => check::<webui_api::UpdatePasswordForm>(ct, body),
        4 => check::<webui_api::UpdateTimezoneForm>(ct, body),
        5 => check::<webui_api::UpdateProfileForm>(ct, body),
        6 => check::<webui_api::UserSettings>(ct, body),
        _ => check::<Map<String, Value>>(ct, body),
    }
}

fn header(map: &mut HeaderMap, name: &'static str, value: &[u8]) {
    if let Ok(v) = HeaderValue::from_bytes(value) {
        map.append(HeaderName::from_static(name), v);
    }
}

/// Token lookup (`Authorization`, `token` cookie, `x-api-key`), cookie parsing and JWT decoding.
/// Lines of the input: authorization, cookie, api key, then a token for `decode_token`. A token
/// signed with another key, or with `alg: none`, never decodes.
pub fn token(data: &[u8]) {
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let (auth, cookie, key, raw) = (parts.next(), parts.next(), parts.next(), parts.next());
    let mut headers = HeaderMap::new();
    if let Some(a) = auth {
        header(&mut headers, "authorization", a);
    }
    if let Some(c) = cookie {
        header(&mut headers, "cookie", c);
    }
    if let Some(k) = key {
        header(&mut headers, "x-api-key", k);
    }
    let _ = server::http::auth::cookies(&headers);
    let _ = server::http::auth::authorization_cred(&headers);
    let found = server::http::auth::request_token(&headers, "x-api-key");
    let now = 1_795_676_990;
    if let Some(t) = &found {
        assert!(server::http::auth::token::decode_token("fuzz-secret", t, now).is_none(), "a token nobody signed decoded: {t:?}");
    }
    if let Some(raw) = raw {
        let t = String::from_utf8_lossy(raw);
        let _ = server::http::auth::token::decode_token("fuzz-secret", &t, now);
        // Claims from the input, signed with the key: they decode to themselves plus exp/jti/iat.
        if let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(raw) {
            let reserved = ["exp", "jti", "iat", "nbf", "sub"];
            if claims.keys().all(|k| !reserved.contains(&k.as_str())) {
                let signed = server::http::auth::token::create_token("fuzz-secret", claims.clone(), Some(3600), now);
                let back = server::http::auth::token::decode_token("fuzz-secret", &signed, now).expect("own token decodes");
                for (k, v) in &claims {
                    assert_eq!(back.get(k), Some(v), "claim {k} changed");
                }
                assert!(server::http::auth::token::decode_token("other-secret", &signed, now).is_none());
            }
        }
    }
}

/// `JWT_EXPIRES_IN` parsing, then minting a token with the result (huge durations saturate).
pub fn jwt_expires_in(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    if let Ok(d) = server::http::auth::token::parse_duration(&s) {
        let secs = server::http::auth::token::expiry_seconds(d);
        let _ = server::http::auth::token::create_token("k", Map::new(), secs, 1_795_676_990);
    }
}

/// `DATABASE_URL` parsing (URL and key/value forms, SQLAlchemy driver suffixes).
pub fn database_url(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = server::db::parse_url(&s);
}
