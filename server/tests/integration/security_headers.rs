//! The reference's opt-in security headers (`utils/security_headers.py`) on every answer (web UI,
//! API, errors, paths no route serves: the front door, `server::http::router`, adds them), and
//! the one redirect built from the request (`GET /assets/sub`) escaping what it copies.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

/// A small web UI build: `index.html`, a script, and a directory with an index (Starlette's
/// `StaticFiles` redirects `/assets/sub` to `/assets/sub/`).
fn build() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("frontend");
    std::fs::create_dir_all(root.join("_app")).unwrap();
    std::fs::create_dir_all(root.join("assets/sub")).unwrap();
    std::fs::write(root.join("index.html"), "<!doctype html><title>synthetic</title>").unwrap();
    std::fs::write(root.join("_app/app.js"), "console.log(1)").unwrap();
    std::fs::write(root.join("assets/sub/index.html"), "<!doctype html><title>sub</title>").unwrap();
    dir
}

/// `request_line` sent with `host` (any bytes) as written: status and lower-cased header block.
async fn raw(base: &str, request_line: &str, host: &[u8]) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{request_line} HTTP/1.1\r\nHost: ").into_bytes();
    req.extend_from_slice(host);
    req.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    s.write_all(&req).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))).map(str::trim)
}

/// One answer of each kind: the SPA's index (its own `cache-control: no-cache`), a client route,
/// a static file, a redirect, an API answer, an API error, a path no route serves (the SPA), a
/// method no route takes there (405).
const ANSWERS: [(&str, u16); 8] = [
    ("GET /", 200),
    ("GET /c/some-chat", 200),
    ("GET /_app/app.js", 200),
    ("GET /assets/sub", 307),
    ("GET /health", 200),
    ("GET /api/v1/auths/", 401),
    ("GET /api/v1/no-such-route", 200),
    ("POST /api/v1/no-such-route", 405),
];

const CONFIGURED: [(&str, &str, &str); 10] = [
    ("HSTS", "strict-transport-security", "max-age=63072000;includeSubDomains;preload"),
    ("XFRAME_OPTIONS", "x-frame-options", "SAMEORIGIN"),
    ("XCONTENT_TYPE", "x-content-type-options", "nosniff"),
    ("REFERRER_POLICY", "referrer-policy", "strict-origin-when-cross-origin"),
    ("PERMISSIONS_POLICY", "permissions-policy", "camera=(),microphone=(self)"),
    ("CACHE_CONTROL", "cache-control", "no-store"),
    ("CONTENT_SECURITY_POLICY", "content-security-policy", "default-src 'self'; frame-ancestors 'none'"),
    ("XPERMITTED_CROSS_DOMAIN_POLICIES", "x-permitted-cross-domain-policies", "none"),
    ("CROSS_ORIGIN_OPENER_POLICY", "cross-origin-opener-policy", "same-origin"),
    ("REPORTING_ENDPOINTS", "reporting-endpoints", r#"csp="https://report.example/csp""#),
];

#[tokio::test]
async fn security_headers_on_every_answer() {
    let ui = build();
    let dir = ui.path().join("frontend");
    let mut env: Vec<(&str, &str)> = CONFIGURED.iter().map(|(var, _, value)| (*var, *value)).collect();
    env.push(("FRONTEND_BUILD_DIR", dir.to_str().unwrap()));
    let s = TestServer::start_with(&env).await;
    for (request, status) in ANSWERS {
        let (got, head) = raw(&s.url, request, b"localhost").await;
        assert_eq!(got, status, "{request}: {head}");
        for (_, name, value) in CONFIGURED {
            // Set, not added: the SPA's own `cache-control: no-cache` is replaced, as upstream.
            assert_eq!(head.matches(&format!("\n{name}: ")).count(), 1, "{request}: one {name}: {head}");
            assert_eq!(header(&head, name), Some(value.to_lowercase().as_str()), "{request}: {head}");
        }
    }
}

#[tokio::test]
async fn no_security_headers_unless_configured() {
    let ui = build();
    let dir = ui.path().join("frontend");
    let s = TestServer::start_with(&[("FRONTEND_BUILD_DIR", dir.to_str().unwrap())]).await;
    for (request, status) in ANSWERS {
        let (got, head) = raw(&s.url, request, b"localhost").await;
        assert_eq!(got, status, "{request}: {head}");
        for (_, name, _) in CONFIGURED.iter().filter(|c| c.1 != "cache-control") {
            assert_eq!(header(&head, name), None, "{request}: {head}");
        }
    }
    let (_, head) = raw(&s.url, "GET /", b"localhost").await;
    assert_eq!(header(&head, "cache-control"), Some("no-cache"));
}

/// The reference's setters replace a value their pattern refuses with a safe default (they do not
/// drop it); an empty variable is unset; a value that cannot be sent refuses the start.
#[tokio::test]
async fn invalid_security_header_values_as_the_reference() {
    let ui = build();
    let dir = ui.path().join("frontend");
    let s = TestServer::start_with(&[
        ("FRONTEND_BUILD_DIR", dir.to_str().unwrap()),
        ("HSTS", "yes"),
        ("XFRAME_OPTIONS", "ALLOW-FROM https://evil.example"),
        ("REFERRER_POLICY", "always"),
        ("CROSS_ORIGIN_RESOURCE_POLICY", "everyone"),
        ("XDOWNLOAD_OPTIONS", "open"),
        ("PERMISSIONS_POLICY", "camera=*"),
        ("CONTENT_SECURITY_POLICY", ""),
    ])
    .await;
    let (status, head) = raw(&s.url, "GET /", b"localhost").await;
    assert_eq!(status, 200);
    assert_eq!(header(&head, "strict-transport-security"), Some("max-age=31536000;includesubdomains"));
    assert_eq!(header(&head, "x-frame-options"), Some("deny"));
    assert_eq!(header(&head, "referrer-policy"), Some("no-referrer"));
    assert_eq!(header(&head, "cross-origin-resource-policy"), Some("same-origin"));
    assert_eq!(header(&head, "x-download-options"), Some("noopen"));
    assert_eq!(header(&head, "permissions-policy"), Some("none"));
    assert_eq!(header(&head, "content-security-policy"), None);

    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().display().to_string();
    let config = server::config::Config::from_lookup(|k| match k {
        "DATA_DIR" => Some(data_dir.clone()),
        "CONTENT_SECURITY_POLICY" => Some("default-src 'self'\r\nSet-Cookie: token=x".into()),
        _ => None,
    });
    let err = config.expect_err("a header value with a line break");
    assert!(err.to_string().contains("CONTENT_SECURITY_POLICY"), "{err}");
}

/// Starlette's `StaticFiles` redirect (`/assets/sub` to `/assets/sub/`) takes the host from the
/// `Host` header only when it is a valid authority, and percent-encodes the URL.
#[tokio::test]
async fn redirect_location_escapes_the_request() {
    let ui = build();
    let dir = ui.path().join("frontend");
    let s = TestServer::start_with(&[("FRONTEND_BUILD_DIR", dir.to_str().unwrap())]).await;
    let own = s.url.trim_start_matches("http://");
    let cases: [(&[u8], &str, String); 4] = [
        (br#"evil.example"><script>alert(1)</script>"#, "GET /assets/sub", format!("http://{own}/assets/sub/")),
        (b"evil.example/path?", "GET /assets/sub", format!("http://{own}/assets/sub/")),
        (b"example.com:8443", "GET /assets/sub?q=%22x%22&r=%3Cb%3E", "http://example.com:8443/assets/sub/?q=%22x%22&r=%3Cb%3E".into()),
        (b"[::1]:8080", "GET /assets/sub", "http://[::1]:8080/assets/sub/".into()),
    ];
    for (host, request, want) in cases {
        let (status, head) = raw(&s.url, request, host).await;
        assert_eq!(status, 307, "{request}: {head}");
        assert_eq!(header(&head, "location"), Some(want.to_lowercase().as_str()), "{request} with {host:?}");
    }
}
