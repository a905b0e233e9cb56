//! The stock web UI and `/api/changelog`, as the reference serves them.
//!
//! The build comes from `tools/frontend ensure` (links the reference venv's copy, else fetches
//! the wheel); without it these tests skip with a notice, except in CI where it is required.
//! Traversal tests also run on a small synthetic build with a file outside it.

use std::path::{Path, PathBuf};
use std::process::Command;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

/// `tools/frontend ensure`: the directory holding `frontend/`, `static/`, `CHANGELOG.md`.
fn webui_dir() -> Option<PathBuf> {
    let out = Command::new(repo_root().join("tools/frontend")).arg("ensure").output().expect("run tools/frontend");
    if out.status.success() {
        return Some(PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()));
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(std::env::var("CI").is_err(), "CI must provide the web UI build (tools/frontend ensure): {err}");
    eprintln!("notice: no web UI build (tools/frontend ensure failed: {err}); skipping");
    None
}

async fn server_with_build(dir: &Path) -> TestServer {
    TestServer::start_with(&[("FRONTEND_BUILD_DIR", dir.join("frontend").to_str().unwrap())]).await
}

/// A request sent byte for byte (reqwest would normalise `..` and `%2e%2e` away): status,
/// lower-cased header block, body.
async fn raw_get(base: &str, path: &str) -> (u16, String, Vec<u8>) {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&buf[..split]).to_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, buf[split + 4..].to_vec())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))).map(str::trim)
}

#[tokio::test]
async fn index_html_is_the_builds() {
    let Some(dir) = webui_dir() else { return };
    let index = std::fs::read(dir.join("frontend/index.html")).unwrap();
    let s = server_with_build(&dir).await;
    for path in ["/", "/index.html"] {
        let resp = reqwest::get(format!("{}{path}", s.url)).await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let h = resp.headers().clone();
        assert_eq!(h["content-type"], "text/html; charset=utf-8", "{path}");
        assert_eq!(h["cache-control"], "no-cache", "{path}");
        assert_eq!(h["accept-ranges"], "bytes", "{path}");
        assert_eq!(h["content-length"], index.len().to_string().as_str(), "{path}");
        assert!(h.contains_key("etag") && h.contains_key("last-modified"), "{path}");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), index.as_slice(), "{path}");
    }
    // HEAD / (health checkers, the reference's StaticFiles answers it).
    let resp = reqwest::Client::new().head(format!("{}/", s.url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-length"], index.len().to_string().as_str());
}

#[tokio::test]
async fn assets_have_the_reference_content_types() {
    let Some(dir) = webui_dir() else { return };
    let entry = std::fs::read_dir(dir.join("frontend/_app/immutable/entry"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.ends_with(".js"))
        .expect("a SvelteKit entry script");
    let s = server_with_build(&dir).await;
    let cases = [
        (format!("/_app/immutable/entry/{entry}"), format!("frontend/_app/immutable/entry/{entry}"), "text/javascript; charset=utf-8"),
        ("/_app/version.json".into(), "frontend/_app/version.json".into(), "application/json"),
        ("/wasm/ort-wasm-simd-threaded.jsep.mjs".into(), "frontend/wasm/ort-wasm-simd-threaded.jsep.mjs".into(), "text/javascript; charset=utf-8"),
        // 21 MB, streamed.
        ("/wasm/ort-wasm-simd-threaded.jsep.wasm".into(), "frontend/wasm/ort-wasm-simd-threaded.jsep.wasm".into(), "application/wasm"),
        ("/favicon.png".into(), "frontend/favicon.png".into(), "image/png"),
        ("/robots.txt".into(), "frontend/robots.txt".into(), "text/plain; charset=utf-8"),
        ("/audio/notification.mp3".into(), "frontend/audio/notification.mp3".into(), "audio/mpeg"),
        // /static: the build's static/ first (what the reference copies into STATIC_DIR) ...
        ("/static/favicon.png".into(), "frontend/static/favicon.png".into(), "image/png"),
        // ... then the wheel's static/ (swagger-ui).
        ("/static/swagger-ui/swagger-ui.css".into(), "static/swagger-ui/swagger-ui.css".into(), "text/css; charset=utf-8"),
    ];
    for (url, file, ctype) in cases {
        let want = std::fs::read(dir.join(&file)).unwrap();
        let resp = reqwest::get(format!("{}{url}", s.url)).await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        assert_eq!(resp.headers()["content-type"], ctype, "{url}");
        assert!(!resp.headers().contains_key("cache-control"), "{url}: only HTML is no-cache");
        let body = resp.bytes().await.unwrap();
        assert!(body.as_ref() == want.as_slice(), "{url}: body differs from {file}");
    }
    // The pyodide mount adds CORS.
    let resp = reqwest::get(format!("{}/pyodide/pyodide.js", s.url)).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    assert_eq!(resp.headers()["content-type"], "text/javascript; charset=utf-8");
}

#[tokio::test]
async fn client_side_routes_get_index_html() {
    let Some(dir) = webui_dir() else { return };
    let index = std::fs::read(dir.join("frontend/index.html")).unwrap();
    let s = server_with_build(&dir).await;
    for path in [
        "/c/3b1f6c2e-0000-4000-8000-000000000000",
        "/auth",
        "/auth?redirect=%2Fnotes",
        "/admin/settings/general",
        "/admin/users",
        "/workspace/models/create",
        "/s/share-id",
        "/notes",
        "/notes/new",
        "/channels/abc",
        "/playground/completions",
        "/home",
        "/calendar",
        "/folders/f1",
        "/automations/a1",
        "/watch",
        "/error",
        // Not a file of the build: the SPA answers (only a missing *.js is a 404).
        "/_app/missing.css",
        "/_app/",
        "/assets/fonts",
        "/static",
        "/pyodide",
    ] {
        let (status, ct, body) = get(&format!("{}{path}", s.url)).await;
        assert_eq!((status, ct.as_str()), (200, "text/html; charset=utf-8"), "{path}");
        assert!(body == index, "{path}: not index.html");
    }
    for path in ["/_app/missing.js", "/static/missing.png", "/static/", "/pyodide/missing.txt"] {
        let (status, ct, body) = get(&format!("{}{path}", s.url)).await;
        assert_eq!((status, ct.as_str(), body.as_slice()), (404, "application/json", &br#"{"detail":"Not Found"}"#[..]), "{path}");
    }
}

#[tokio::test]
async fn conditional_and_range_requests() {
    let Some(dir) = webui_dir() else { return };
    let s = server_with_build(&dir).await;
    let client = reqwest::Client::new();
    let url = format!("{}/_app/version.json", s.url);
    let first = client.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let modified = first.headers()["last-modified"].to_str().unwrap().to_string();
    let full = first.bytes().await.unwrap();

    let resp = client.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(resp.status(), 304);
    assert_eq!(resp.headers()["etag"], etag.as_str());
    let resp = client.get(&url).header("if-modified-since", &modified).send().await.unwrap();
    assert_eq!(resp.status(), 304);
    let resp = client.get(format!("{}/", s.url)).header("if-none-match", "*").send().await.unwrap();
    assert_eq!(resp.status(), 304);
    assert_eq!(resp.headers()["cache-control"], "no-cache");

    let resp = client.get(&url).header("range", "bytes=2-9").send().await.unwrap();
    assert_eq!(resp.status(), 206);
    assert_eq!(resp.headers()["content-range"], format!("bytes 2-9/{}", full.len()).as_str());
    assert_eq!(resp.bytes().await.unwrap(), full.slice(2..10));
    let resp = client.get(&url).header("range", "bytes=99999-").send().await.unwrap();
    assert_eq!(resp.status(), 416);
    assert_eq!(resp.headers()["content-range"], format!("bytes */{}", full.len()).as_str());
}

/// A build in a temporary directory, with a secret beside it and a symlink pointing at it.
struct Synthetic {
    dir: tempfile::TempDir,
}

impl Synthetic {
    fn new() -> Synthetic {
        let dir = tempfile::tempdir().unwrap();
        let build = dir.path().join("frontend");
        std::fs::create_dir_all(build.join("_app")).unwrap();
        std::fs::create_dir_all(build.join("static")).unwrap();
        std::fs::write(build.join("index.html"), "<!doctype html><title>synthetic</title>").unwrap();
        std::fs::write(build.join("_app/app.js"), "console.log(1)").unwrap();
        std::fs::write(build.join("static/s.txt"), "static file").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "TOP SECRET").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), build.join("_app/evil.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path(), build.join("static/up")).unwrap();
        Synthetic { dir }
    }
}

#[tokio::test]
async fn traversal_never_escapes() {
    let syn = Synthetic::new();
    let s = server_with_build(syn.dir.path()).await;
    let index = b"<!doctype html><title>synthetic</title>".to_vec();
    // (path, expected status, expected body when 200)
    let cases: &[(&str, u16)] = &[
        // Dot segments as such: dropshot's router refuses them (the reference answers index.html).
        ("/_app/../../secret.txt", 400),
        ("/_app/../../../../../../etc/passwd", 400),
        // Encoded: normalised like os.path.normpath, outside the build means "not found", so
        // the SPA answers index.html (as the reference does).
        ("/_app/%2e%2e/%2e%2e/secret.txt", 200),
        ("/_app/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd", 200),
        ("/_app/..%2f..%2fsecret.txt", 200),
        ("/_app/%2e%2e%2f%2e%2e%2fsecret.txt", 200),
        ("/c/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", 200),
        // A symlink inside the build that leads out of it.
        ("/_app/evil.txt", 200),
        // The static mount has no SPA fallback: 404.
        ("/static/%2e%2e/%2e%2e/secret.txt", 404),
        ("/static/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", 404),
        ("/static/up/secret.txt", 404),
        ("/static/%2e%2e/index.html", 404),
        // A missing script under an escape: 404, like the reference.
        ("/_app/%2e%2e/%2e%2e/secret.js", 404),
    ];
    for (path, want) in cases {
        let (status, head, body) = raw_get(&s.url, path).await;
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("TOP SECRET") && !text.contains("root:"), "{path} escaped: {text}");
        assert_eq!(status, *want, "{path}: {head}");
        if status == 200 {
            assert_eq!(body, index, "{path}");
            assert_eq!(header(&head, "content-type"), Some("text/html; charset=utf-8"), "{path}");
        }
    }
    // Inside the build, `..` that stays inside is fine.
    let (status, _, body) = raw_get(&s.url, "/_app/%2e%2e/_app/app.js").await;
    assert_eq!((status, body.as_slice()), (200, &b"console.log(1)"[..]));
    let (status, _, body) = raw_get(&s.url, "/static/s.txt").await;
    assert_eq!((status, body.as_slice()), (200, &b"static file"[..]));
}

#[tokio::test]
async fn without_a_build_the_api_still_answers() {
    // The test servers are offline with an empty cache directory: no UI, no download.
    let s = TestServer::start().await;
    let (status, _, body) = get(&format!("{}/", s.url)).await;
    assert_eq!((status, body.as_slice()), (404, &br#"{"detail":"Not Found"}"#[..]));
    let (status, _, body) = get(&format!("{}/api/changelog", s.url)).await;
    assert_eq!((status, body.as_slice()), (200, &b"{}"[..]));
    let (status, _, _) = get(&format!("{}/health", s.url)).await;
    assert_eq!(status, 200);
}

/// `server/tests/golden/changelog.json` is `GET /api/changelog` of the reference (0.12.4),
/// captured with `curl -s $REF/api/changelog` from a running `tools/reference start`.
#[tokio::test]
async fn changelog_is_the_references() {
    let Some(dir) = webui_dir() else { return };
    let golden = std::fs::read(repo_root().join("server/tests/golden/changelog.json")).unwrap();
    let s = server_with_build(&dir).await;
    let (status, ct, body) = get(&format!("{}/api/changelog", s.url)).await;
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    assert!(body == golden, "GET /api/changelog differs from the reference's (server/tests/golden/changelog.json)");
}

/// Every version, not only the five served: our port of python-markdown + BeautifulSoup
/// against the real libraries, run on the same file with the reference venv's Python.
#[tokio::test]
async fn changelog_parse_matches_python_for_every_version() {
    let Some(dir) = webui_dir() else { return };
    if !Reference::available() {
        return;
    }
    let venv = std::env::var("OWUI_REFERENCE_VENV").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/owui-rs/reference-venv-0.12.4")
    });
    // The same steps as open_webui/env.py (markdown -> BeautifulSoup -> h2/h3/ul/li walk).
    const SCRIPT: &str = r#"
import json, sys, markdown
from bs4 import BeautifulSoup
def section(s):
    out = []
    for li in s.find_all('li'):
        text = li.get_text(separator=' ', strip=True)
        parts = text.split(': ', 1)
        out.append({'title': parts[0].strip() if len(parts) > 1 else '',
                    'content': parts[1].strip() if len(parts) > 1 else text, 'raw': str(li)})
    return out
soup = BeautifulSoup(markdown.markdown(open(sys.argv[1], encoding='utf8').read()), 'html.parser')
result = {}
for v in soup.find_all('h2'):
    t = v.get_text().strip()
    data = {'date': t.split(' - ')[1]}
    cur = v.find_next_sibling()
    while cur and cur.name != 'h2':
        if cur.name == 'h3':
            data[cur.get_text().lower()] = section(cur.find_next_sibling('ul'))
        cur = cur.find_next_sibling()
    result[t.split(' - ')[0][1:-1]] = data
sys.stdout.write(json.dumps(result, ensure_ascii=False, separators=(',', ':')))
"#;
    let changelog = dir.join("CHANGELOG.md");
    let out = Command::new(venv.join("bin/python")).arg("-c").arg(SCRIPT).arg(&changelog).output().expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&changelog).unwrap();
    let ours = serde_json::to_string(&server::changelog::parse(&text)).unwrap();
    let python = String::from_utf8(out.stdout).unwrap();
    if ours != python {
        let a: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&ours).unwrap();
        let b: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&python).unwrap();
        let first = b.iter().find(|(k, v)| a.get(*k) != Some(v)).map(|(k, _)| k.clone());
        panic!("the parse differs from python-markdown + BeautifulSoup; first version that differs: {first:?}");
    }
    assert!(!server::changelog::markdown::has_html_blocks(&text), "the changelog needs the raw HTML block pre-processor");
}

/// HEAD on an API route is not an API call on the reference: it reaches the SPA mount and gets
/// index.html's headers.
#[tokio::test]
async fn head_on_an_api_path_gets_the_spa() {
    let Some(dir) = webui_dir() else { return };
    let index = std::fs::read(dir.join("frontend/index.html")).unwrap();
    let s = server_with_build(&dir).await;
    let client = reqwest::Client::new();
    for path in ["/health", "/api/config", "/api/v1/auths/"] {
        let r = client.head(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8", "{path}");
        assert_eq!(r.headers()["content-length"], index.len().to_string().as_str(), "{path}");
    }
}

/// HEAD on the web UI's mounts answers as GET does, a missing file's 404 included (it used to
/// fall through to the SPA's index.html: 200 for a file that does not exist). Seen on the
/// reference: `/static/nope.png`, `/static/`, `/pyodide/` answer 404 to HEAD as to GET.
#[tokio::test]
async fn head_on_the_mounts_answers_as_get() {
    let Some(dir) = webui_dir() else { return };
    let s = server_with_build(&dir).await;
    let client = reqwest::Client::new();
    for (path, status, ctype) in [
        ("/static/favicon.png", 200, "image/png"),
        ("/static/nope.png", 404, "application/json"),
        ("/static/swagger-ui/nope.css", 404, "application/json"),
        ("/static/", 404, "application/json"),
        ("/pyodide/", 404, "application/json"),
        ("/_app/nope.js", 404, "application/json"),
        ("/c/3b1f6c2e-0000-4000-8000-000000000000", 200, "text/html; charset=utf-8"),
    ] {
        let get = client.get(format!("{}{path}", s.url)).send().await.unwrap();
        let head = client.head(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(get.status(), status, "GET {path}");
        assert_eq!(head.status(), status, "HEAD {path}");
        assert_eq!(head.headers()["content-type"], ctype, "HEAD {path}");
        assert_eq!(head.headers().get("content-length"), get.headers().get("content-length"), "HEAD {path}");
    }
}

/// Under `/ws/`, what is not socket.io's gets the reference's socket.io mount's 404 (python-engineio's
/// `not_found`: `text/plain`, `Not Found`) for every method, not the SPA; `/ws` itself is the SPA's.
#[tokio::test]
async fn paths_under_ws_that_are_not_socket_io_answer_404() {
    let Some(dir) = webui_dir() else { return };
    let s = server_with_build(&dir).await;
    let client = reqwest::Client::new();
    for path in ["/ws/", "/ws/x", "/ws/socket.iox", "/ws/socket.io.js"] {
        for method in [reqwest::Method::GET, reqwest::Method::HEAD, reqwest::Method::POST, reqwest::Method::DELETE] {
            let r = client.request(method.clone(), format!("{}{path}", s.url)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{method} {path}");
            assert_eq!(r.headers()["content-type"], "text/plain", "{method} {path}");
            if method != reqwest::Method::HEAD {
                assert_eq!(r.text().await.unwrap(), "Not Found", "{method} {path}");
            }
        }
    }
    let r = client.get(format!("{}/ws", s.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
}
