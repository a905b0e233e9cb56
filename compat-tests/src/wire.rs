//! From a step to bytes on the wire, and back: requests are built identically for both sides
//! (only captured values differ), responses are kept raw (status, every header, body bytes).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::scenario::Step;

/// The fixed multipart boundary (a random one would make the two sides' requests differ).
pub const BOUNDARY: &str = "----compat-tests-boundary-7MA4YWxkTrZu0gW";

#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub method: String,
    /// Path and query, after substitution.
    pub path: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RawResponse {
    pub status: u16,
    /// Lower-case names, in wire order.
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Vec<u8>,
    pub millis: u64,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }
}

/// A `{{name}}` with no value on this side.
#[derive(Debug, Clone)]
pub struct Unresolved(pub String);

/// Replaces every `{{name}}` in `t`.
pub fn substitute(t: &str, vars: &BTreeMap<String, String>) -> Result<String, Unresolved> {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push_str(&rest[i..]);
            return Ok(out);
        };
        let name = after[..j].trim();
        match name.strip_prefix("totp:") {
            // `{{totp:VAR}}`: the current TOTP code of the base32 secret VAR holds, as an
            // authenticator app shows it (SHA-1, 6 digits, 30 s).
            Some(var) => match vars.get(var.trim()) {
                Some(secret) => out.push_str(&totp_now(secret)),
                None => return Err(Unresolved(var.trim().to_string())),
            },
            None => match vars.get(name) {
                Some(v) => out.push_str(v),
                None => return Err(Unresolved(name.to_string())),
            },
        }
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The TOTP code of a base32 `secret` now (an unreadable secret gives a code no backend accepts).
fn totp_now(secret: &str) -> String {
    let Ok(key) = totp_rs::Secret::Encoded(secret.to_uppercase()).to_bytes() else { return "------".into() };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 0, 30, key).generate(now)
}

/// The variables a step uses.
pub fn uses(step: &Step) -> Vec<String> {
    let mut text = step.path.clone();
    for (k, v) in &step.headers {
        text.push_str(k);
        text.push_str(&v.to_string());
    }
    if let Some(j) = &step.json {
        text.push_str(&j.to_string());
    }
    for s in [&step.body, &step.content_type].into_iter().flatten() {
        text.push_str(s);
    }
    if let Some(f) = &step.form {
        text.push_str(&f.to_string());
    }
    for p in step.multipart.iter().flatten() {
        text.push_str(&p.data);
        text.push_str(p.filename.as_deref().unwrap_or(""));
    }
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else { break };
        let name = after[..j].trim();
        out.push(name.strip_prefix("totp:").unwrap_or(name).trim().to_string());
        rest = &after[j + 2..];
    }
    out.sort();
    out.dedup();
    out
}

fn subst_json(v: serde_json::Value, vars: &BTreeMap<String, String>) -> Result<serde_json::Value, Unresolved> {
    use serde_json::Value;
    Ok(match v {
        Value::String(s) => Value::String(substitute(&s, vars)?),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| subst_json(x, vars)).collect::<Result<_, _>>()?),
        Value::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, x) in o {
                m.insert(substitute(&k, vars)?, subst_json(x, vars)?);
            }
            Value::Object(m)
        }
        other => other,
    })
}

/// The request a step sends with this side's variables.
pub fn build(step: &Step, vars: &BTreeMap<String, String>) -> Result<Request, Unresolved> {
    let path = substitute(&step.path, vars)?;
    let mut headers = Vec::new();
    for (k, v) in &step.headers {
        let v = match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        headers.push((k.clone(), substitute(&v, vars)?));
    }
    let has_ct = |h: &Vec<(String, String)>| h.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let mut body = None;
    let mut ct: Option<String> = step.content_type.as_ref().map(|c| substitute(c, vars)).transpose()?;
    if let Some(j) = &step.json {
        let v = serde_json::to_value(j).expect("a TOML value is JSON");
        let v = subst_json(v, vars)?;
        body = Some(serde_json::to_vec(&v).expect("JSON serialises"));
        ct.get_or_insert_with(|| "application/json".into());
    } else if let Some(b) = &step.body {
        body = Some(substitute(b, vars)?.into_bytes());
        ct.get_or_insert_with(|| "application/json".into());
    } else if let Some(f) = &step.form {
        let mut pairs = Vec::new();
        for (k, v) in f {
            let v = match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            pairs.push((k.clone(), substitute(&v, vars)?));
        }
        body = Some(serde_urlencoded_pairs(&pairs).into_bytes());
        ct.get_or_insert_with(|| "application/x-www-form-urlencoded".into());
    } else if let Some(parts) = &step.multipart {
        let mut b = Vec::new();
        for p in parts {
            b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            let mut disp = format!("Content-Disposition: form-data; name=\"{}\"", p.name);
            if let Some(f) = &p.filename {
                disp.push_str(&format!("; filename=\"{}\"", substitute(f, vars)?));
            }
            b.extend_from_slice(disp.as_bytes());
            b.extend_from_slice(b"\r\n");
            if let Some(c) = &p.content_type {
                b.extend_from_slice(format!("Content-Type: {c}\r\n").as_bytes());
            }
            b.extend_from_slice(b"\r\n");
            b.extend_from_slice(substitute(&p.data, vars)?.as_bytes());
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        body = Some(b);
        ct.get_or_insert_with(|| format!("multipart/form-data; boundary={BOUNDARY}"));
    }
    if let Some(c) = ct {
        if !has_ct(&headers) {
            headers.push(("Content-Type".into(), c));
        }
    }
    Ok(Request { method: step.method.clone(), path, headers, body })
}

fn serde_urlencoded_pairs(pairs: &[(String, String)]) -> String {
    fn enc(s: &str) -> String {
        let mut o = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => o.push(b as char),
                b' ' => o.push('+'),
                _ => o.push_str(&format!("%{b:02X}")),
            }
        }
        o
    }
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// A client that never follows redirects (their `location` is compared) and keeps no cookies.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(4)
        .build()
        .expect("a reqwest client")
}

/// Sends `req` to `base` and reads the whole response.
pub async fn send(client: &reqwest::Client, base: &str, req: &Request) -> Result<RawResponse> {
    let url = format!("{}{}", base.trim_end_matches('/'), req.path);
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).context("method")?;
    let build = || {
        let mut rb = client.request(method.clone(), &url);
        for (k, v) in &req.headers {
            rb = rb.header(k, v);
        }
        if let Some(b) = &req.body {
            rb = rb.body(b.clone());
        }
        rb
    };
    let t0 = Instant::now();
    let resp = match build().send().await {
        // A pooled keep-alive connection the backend closed meanwhile (uvicorn closes the connection
        // after an unhandled exception's 500): the request never reached a handler; send it once more
        // on a fresh connection.
        Err(e) if e.is_request() && !e.is_timeout() => build().send().await,
        other => other,
    }
    .with_context(|| format!("{} {url}", req.method))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).to_string()))
        .collect();
    let body = resp.bytes().await.with_context(|| format!("reading the body of {} {url}", req.method))?.to_vec();
    Ok(RawResponse { status, headers, body, millis: t0.elapsed().as_millis() as u64 })
}

/// The value a capture source designates in a response, as a string.
pub fn capture(resp: &RawResponse, source: &str) -> Option<String> {
    if let Some(h) = source.strip_prefix("header:") {
        return resp.header(&h.to_ascii_lowercase()).map(|s| s.to_string());
    }
    if let Some(name) = source.strip_prefix("cookie:") {
        for sc in resp.header_all("set-cookie") {
            let first = sc.split(';').next().unwrap_or("");
            if let Some((n, v)) = first.split_once('=') {
                if n.trim() == name {
                    return Some(v.trim().trim_matches('"').to_string());
                }
            }
        }
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    match v.pointer(source)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn totp_templates_give_the_authenticator_code() {
        let vars = BTreeMap::from([("k".to_string(), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".to_string())]);
        let code = substitute("{{totp:k}}", &vars).unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let key = totp_rs::Secret::Encoded("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()).to_bytes().unwrap();
        let expected = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 0, 30, key);
        assert!(code == expected.generate(now) || code == expected.generate(now - 30), "{code}");
        assert!(matches!(substitute("{{totp:missing}}", &vars), Err(Unresolved(n)) if n == "missing"));
    }

    #[test]
    fn substitution_and_bodies() {
        let s = Scenario::parse(
            "x",
            std::path::Path::new("x"),
            r#"description = "d"
[[step]]
name = "s"
method = "POST"
path = "/a/{{id}}?q={{ q }}"
headers = { Authorization = "Bearer {{token}}" }
json = { id = "{{id}}", n = 1 }
[[step]]
name = "f"
method = "POST"
path = "/f"
form = { username = "a b", password = "p&q" }
[[step]]
name = "m"
method = "POST"
path = "/m"
multipart = [{ name = "file", filename = "a.txt", content_type = "text/plain", data = "hi" }]
"#,
        )
        .unwrap();
        let vars: BTreeMap<String, String> = [("id", "7"), ("q", "x"), ("token", "t")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let r = build(&s.steps[0], &vars).unwrap();
        assert_eq!(r.path, "/a/7?q=x");
        assert_eq!(r.headers, vec![("Authorization".into(), "Bearer t".into()), ("Content-Type".into(), "application/json".into())]);
        assert_eq!(r.body.unwrap(), br#"{"id":"7","n":1}"#);
        assert_eq!(uses(&s.steps[0]), ["id", "q", "token"]);
        assert!(build(&s.steps[0], &BTreeMap::new()).is_err());
        let f = build(&s.steps[1], &vars).unwrap();
        assert_eq!(f.body.unwrap(), b"username=a+b&password=p%26q");
        let m = build(&s.steps[2], &vars).unwrap();
        let body = String::from_utf8(m.body.unwrap()).unwrap();
        assert!(body.contains("filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n"), "{body}");
    }

    #[test]
    fn captures() {
        let r = RawResponse {
            status: 200,
            headers: vec![("set-cookie".into(), "token=abc; Path=/".into()), ("location".into(), "/x".into())],
            body: br#"{"token":"t1","user":{"id":5,"tags":["a"]}}"#.to_vec(),
            millis: 0,
        };
        assert_eq!(capture(&r, "/token").as_deref(), Some("t1"));
        assert_eq!(capture(&r, "/user/id").as_deref(), Some("5"));
        assert_eq!(capture(&r, "/user/tags/0").as_deref(), Some("a"));
        assert_eq!(capture(&r, "cookie:token").as_deref(), Some("abc"));
        assert_eq!(capture(&r, "header:Location").as_deref(), Some("/x"));
        assert_eq!(capture(&r, "/nope"), None);
    }
}
