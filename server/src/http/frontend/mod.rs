//! The web UI, served as the reference serves it: Starlette `StaticFiles` mounts in
//! `main.py` (`/static` from STATIC_DIR, `/pyodide` with `access-control-allow-origin: *`, and
//! `/` as `SPAStaticFiles`: the build's files, `index.html` for any other path except a
//! missing `*.js`, `cache-control: no-cache` on HTML).
//!
//! Reproduced from Starlette 1.10: path normalisation (`os.path.normpath`, `%2F` is a
//! separator), containment of the resolved path in the served directory (symlinks followed,
//! then checked), content types from Python's `mimetypes` with upstream's additions,
//! `last-modified`, `etag` (md5 of `"{st_mtime}-{st_size}"`), `If-None-Match` and
//! `If-Modified-Since` (304), `Range` (206 single and multipart, 400, 416), HEAD.
//!
//! Dropshot cannot route a catch-all at the root beside `/api`, so the trait has `GET /`, one
//! `/{prefix}/{path:.*}` route per top-level directory and client-side route of the build, and
//! one route per top-level file. Files are streamed, never read whole.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use dropshot::Body;
use http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use hyper::body::Frame;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use webui_api::Detail;

use super::Ctx;
use crate::frontend::State;

mod routes;

/// Which of the reference's mounts a route belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mount {
    /// `app.mount('/', SPAStaticFiles(directory=FRONTEND_BUILD_DIR, html=True))`.
    Spa,
    /// `app.mount('/static', StaticFiles(directory=STATIC_DIR))`.
    Static,
    /// `app.mount('/pyodide', CORSStaticFiles(directory=FRONTEND_BUILD_DIR / 'pyodide'))`.
    Pyodide,
}

fn not_found() -> Detail {
    Detail::not_found("Not Found")
}

/// The path below the SPA mount for a route under `prefix`.
pub fn under(prefix: &str, rest: Vec<String>) -> Vec<String> {
    let mut v = Vec::with_capacity(rest.len() + 1);
    v.push(prefix.to_string());
    v.extend(rest);
    v
}

/// Serves `segments` (the path below the mount, as dropshot decoded it) from `mount`.
pub async fn serve(rqctx: &Ctx, mount: Mount, segments: Vec<String>) -> Result<Response<Body>, Detail> {
    let frontend = &rqctx.context().frontend;
    let build = match frontend.state() {
        State::Ready(b) => b,
        State::Downloading { received, total } => return Ok(downloading(received, total)),
        // The reference without a build: no mount, FastAPI's 404.
        State::Missing => return Err(not_found()),
    };
    let request = &rqctx.request;
    let raw_path = request.uri().path();
    let (mount, segments) = match mount {
        // Starlette's `Mount('/static')` does not match `/static` itself: the SPA mount gets it.
        Mount::Static | Mount::Pyodide if !raw_path.ends_with('/') && segments.is_empty() => {
            (Mount::Spa, vec![raw_path.trim_start_matches('/').to_string()])
        }
        m => (m, segments),
    };
    let norm = normalize(&segments);
    let path = norm.inside.then(|| norm.relative.clone());
    let dirs: Vec<PathBuf> = match mount {
        Mount::Spa => vec![build.root.clone()],
        Mount::Static => build.static_dirs.clone(),
        Mount::Pyodide => vec![build.root.join("pyodide")],
    };
    let head = request.method() == Method::HEAD;
    let headers = request.headers();

    if let Some((full, meta)) = lookup(&dirs, path.as_deref()).await {
        if meta.is_file() {
            return file_response(&full, &meta, headers, head, mount).await;
        }
        if meta.is_dir() && mount == Mount::Spa {
            let index = path.as_deref().map(|p| if p.is_empty() { "index.html".to_string() } else { format!("{p}/index.html") });
            if let Some((full, meta)) = lookup(&dirs, index.as_deref()).await.filter(|(_, m)| m.is_file()) {
                if !raw_path.ends_with('/') {
                    return Ok(redirect_to_slash(rqctx));
                }
                return file_response(&full, &meta, headers, head, mount).await;
            }
        }
    }
    if mount != Mount::Spa {
        return Err(not_found());
    }
    // html=True: a 404.html of the build, if any.
    if let Some((full, meta)) = lookup(&dirs, Some("404.html")).await.filter(|(_, m)| m.is_file()) {
        return stream_file(&full, &meta, StatusCode::NOT_FOUND, headers, head, Vec::new(), false).await;
    }
    // SPAStaticFiles: index.html for everything but a missing script.
    if norm.normpath.ends_with(".js") {
        return Err(not_found());
    }
    match lookup(&dirs, Some("index.html")).await.filter(|(_, m)| m.is_file()) {
        Some((full, meta)) => file_response(&full, &meta, headers, head, mount).await,
        None => Err(not_found()),
    }
}

/// A request path below a mount, as Starlette sees it.
struct Normalized {
    /// `os.path.normpath(os.path.join(*segments))`: `"."` for the directory itself.
    normpath: String,
    /// The same without `"."`, to look up.
    relative: String,
    /// False when it leaves the directory (`..` past the top) or holds a NUL (which Python's
    /// `os.stat` refuses): nothing to find, as in the reference.
    inside: bool,
}

fn normalize(segments: &[String]) -> Normalized {
    let mut parts: Vec<&str> = Vec::new();
    let mut escapes = 0usize;
    let mut nul = false;
    for seg in segments {
        // Dropshot decoded `%2F` inside a segment; uvicorn decodes it before routing, so it
        // separates path components there too.
        for part in seg.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        escapes += 1;
                    }
                }
                p => {
                    nul |= p.contains('\0');
                    parts.push(p);
                }
            }
        }
    }
    let relative = parts.join("/");
    let mut all: Vec<&str> = std::iter::repeat_n("..", escapes).collect();
    all.extend(parts.iter().copied());
    let normpath = if all.is_empty() { ".".to_string() } else { all.join("/") };
    Normalized { normpath, relative, inside: escapes == 0 && !nul }
}

/// `StaticFiles.lookup_path`: the first directory in which `rel` exists, resolved (symlinks
/// followed) and still inside that directory.
async fn lookup(dirs: &[PathBuf], rel: Option<&str>) -> Option<(PathBuf, std::fs::Metadata)> {
    let rel = rel?;
    for dir in dirs {
        let mut candidate = dir.clone();
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            candidate.push(part);
        }
        let Ok(full) = tokio::fs::canonicalize(&candidate).await else { continue };
        let Ok(base) = tokio::fs::canonicalize(dir).await else { continue };
        if !full.starts_with(&base) {
            continue;
        }
        if let Ok(meta) = tokio::fs::metadata(&full).await {
            return Some((full, meta));
        }
    }
    None
}

/// 503 while the build is being downloaded (first start).
fn downloading(received: u64, total: u64) -> Response<Body> {
    let progress = if total > 0 { format!(" ({} of {} MB)", received / 1_000_000, total / 1_000_000) } else { String::new() };
    let text = format!(
        "Open WebUI: the web UI is being downloaded{progress}; this page works once that is done. \
         The API is up.\n"
    );
    let mut resp = Response::new(Body::from(text));
    *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    resp
}

/// Starlette's `RedirectResponse(url + "/")` (307) for a directory with an index.html.
fn redirect_to_slash(rqctx: &Ctx) -> Response<Body> {
    let uri = rqctx.request.uri();
    let host = rqctx.request.headers().get(header::HOST).map(|h| h.as_bytes());
    let location = slash_location(host, rqctx.server.local_addr, uri.path(), uri.query());
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    resp.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// The `Location` of [`redirect_to_slash`], built as Starlette 1.10 builds it, so that nothing
/// copied from the request reaches the header unescaped. `URL(scope=scope)`: the `Host` header
/// (decoded as Latin-1) only if it is a valid authority (`parse_host_header`: a reg-name or
/// bracketed IP literal, a port of at most 65535), else the listening address (bracketed if
/// IPv6, without the default port); the percent-decoded path with `?`, `#` and `\` escaped; the
/// query as sent. Then `.replace(path=url.path + "/")` (a `urlsplit` round trip: a `#` in the
/// query starts a fragment) and `RedirectResponse`'s `quote(url, safe=":/%#?=@[]!$&'()*+,;")`.
///
/// One difference: uvicorn's fallback address is the connection's local address, ours the
/// listening one (`0.0.0.0` when bound to every interface).
fn slash_location(host: Option<&[u8]>, local: std::net::SocketAddr, raw_path: &str, query: Option<&str>) -> String {
    let host: Option<String> = host.map(|h| h.iter().map(|&b| char::from(b)).collect());
    let netloc = match host.as_deref().filter(|h| valid_host_header(h)) {
        Some(h) => h.to_string(),
        None => {
            let ip = match local.ip() {
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                ip => ip.to_string(),
            };
            if local.port() == 80 { ip } else { format!("{ip}:{}", local.port()) }
        }
    };
    let path = percent_decode_lossy(raw_path).replace('?', "%3F").replace('#', "%23").replace('\\', "%5C");
    let (query, fragment) = query.unwrap_or("").split_once('#').unwrap_or((query.unwrap_or(""), ""));
    let mut url = format!("http://{netloc}{path}/");
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    starlette_quote(&url)
}

/// Starlette's `parse_host_header(...)` is not `None` and `is_valid_port`.
fn valid_host_header(host: &str) -> bool {
    static HOST_RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)^(?P<host>[a-z0-9._~%!$&'()*+,;=-]+|\[(?:(?P<ipv6>[a-f0-9]*:[a-f0-9.:]+)|(?-i:v)[a-f0-9]+\.[a-z0-9._~!$&'()*+,;=:-]+)\])(?::(?P<port>[0-9]+))?\z",
        )
        .expect("Starlette's _HOST_RE compiles")
    });
    let Some(m) = HOST_RE.captures(host) else { return false };
    if m.name("ipv6").is_some_and(|ip| ip.as_str().parse::<std::net::Ipv6Addr>().is_err()) {
        return false;
    }
    match m.name("port") {
        None => true,
        Some(p) => {
            let digits = p.as_str().trim_start_matches('0');
            digits.len() <= 5 && digits.parse::<u32>().unwrap_or(0) <= 65535
        }
    }
}

/// `urllib.parse.quote(url, safe=":/%#?=@[]!$&'()*+,;")` as `RedirectResponse` applies it: every
/// UTF-8 byte outside the unreserved and safe characters becomes `%XX`.
fn starlette_quote(url: &str) -> String {
    const SAFE: &[u8] = b":/%#?=@[]!$&'()*+,;_.-~";
    let mut out = String::with_capacity(url.len());
    for &b in url.as_bytes() {
        if b.is_ascii_alphanumeric() || SAFE.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `urllib.parse.unquote` (what uvicorn puts in `scope["path"]`): `%XX` decoded, other `%` kept,
/// then UTF-8 with replacement characters.
fn percent_decode_lossy(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `StaticFiles.file_response` (and the SPA's `no-cache` on HTML, the pyodide mount's CORS
/// header): 304 when the client's copy is current, else the file.
async fn file_response(
    full: &Path,
    meta: &std::fs::Metadata,
    headers: &HeaderMap,
    head: bool,
    mount: Mount,
) -> Result<Response<Body>, Detail> {
    let mut extra: Vec<(header::HeaderName, HeaderValue)> = Vec::new();
    if mount == Mount::Spa && full.to_string_lossy().ends_with(".html") {
        extra.push((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));
    }
    if mount == Mount::Pyodide {
        extra.push((header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")));
    }
    let (last_modified, etag) = stat_headers(meta);
    if is_not_modified(headers, &etag, &last_modified) {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        let h = resp.headers_mut();
        h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
        for (k, v) in extra {
            h.insert(k, v);
        }
        return Ok(resp);
    }
    stream_file(full, meta, StatusCode::OK, headers, head, extra, true).await
}

/// `last-modified` and `etag` as Starlette's `FileResponse.set_stat_headers` computes them.
fn stat_headers(meta: &std::fs::Metadata) -> (String, String) {
    use std::os::unix::fs::MetadataExt;
    // Python's st_mtime: `sec + nsec * 1e-9` as a double, and `str()` of it.
    let mtime = meta.mtime() as f64 + meta.mtime_nsec() as f64 * 1e-9;
    let mut repr = format!("{mtime}");
    if !repr.contains(['.', 'e', 'E']) {
        repr.push_str(".0");
    }
    let etag = format!("\"{}\"", hex::encode(md5::Md5::digest(format!("{repr}-{}", meta.size()).as_bytes())));
    // `formatdate(st_mtime, usegmt=True)` (seconds, floored).
    let secs = meta.mtime();
    let when = if secs >= 0 {
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64)
    } else {
        std::time::UNIX_EPOCH - std::time::Duration::from_secs(secs.unsigned_abs())
    };
    (httpdate::fmt_http_date(when), etag)
}

use md5::Digest as _;

/// `StaticFiles.is_not_modified`.
fn is_not_modified(headers: &HeaderMap, etag: &str, last_modified: &str) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        if inm.trim() == "*" {
            return true;
        }
        return inm.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag);
    }
    let Some(ims) = headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) else { return false };
    match (httpdate::parse_http_date(ims), httpdate::parse_http_date(last_modified)) {
        (Ok(since), Ok(modified)) => since >= modified,
        _ => false,
    }
}

/// Python's `mimetypes.guess_type(path)[0]` with the types `main.py` adds (`.js`/`.mjs`
/// `text/javascript`, `.wasm`, `.webp`), as it answers on Debian (with /etc/mime.types).
pub fn content_type(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext_of = |n: &str| n.rfind('.').filter(|i| *i > 0).map(|i| n[i + 1..].to_string());
    let mut stem = name.to_string();
    let mut ext = ext_of(&stem);
    // suffix_map, then an encoding suffix (`.gz`, ...) names the encoding, not the type.
    if let Some(e) = ext.clone() {
        let mapped = match e.as_str() {
            "svgz" => Some("svg.gz"),
            "tgz" => Some("tar.gz"),
            "taz" | "tz" => Some("tar.gz"),
            "tbz2" => Some("tar.bz2"),
            "txz" => Some("tar.xz"),
            _ => None,
        };
        if let Some(m) = mapped {
            stem = format!("{}.{m}", &stem[..stem.len() - e.len() - 1]);
            ext = ext_of(&stem);
        }
    }
    if let Some(e) = ext.clone() {
        if matches!(e.as_str(), "gz" | "Z" | "bz2" | "xz" | "br") {
            stem.truncate(stem.len() - e.len() - 1);
            ext = ext_of(&stem);
        }
    }
    let t = match ext.map(|e| e.to_lowercase()).as_deref() {
        Some("js" | "mjs") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("webp") => "image/webp",
        Some("html" | "htm" | "shtml") => "text/html",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("map") => "application/octet-stream",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg" | "jpe") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("ico") => "image/vnd.microsoft.icon",
        Some("avif") => "image/avif",
        Some("bmp") => "image/bmp",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        Some("md" | "markdown") => "text/markdown",
        Some("txt" | "text" | "conf" | "log") => "text/plain",
        Some("csv") => "text/csv",
        Some("xml" | "xsd") => "application/xml",
        Some("webmanifest") => "application/manifest+json",
        Some("ts") => "text/vnd.trolltech.linguist",
        Some("mp3" | "mpga" | "mp2") => "audio/mpeg",
        Some("wav") => "audio/x-wav",
        Some("ogg" | "oga" | "opus" | "spx") => "audio/ogg",
        Some("mp4" | "mpg4" | "m4v") => "video/mp4",
        Some("webm") => "video/webm",
        Some("zip") => "application/zip",
        Some("tar") => "application/x-tar",
        Some("pdf") => "application/pdf",
        Some("py") => "text/x-python",
        Some("sh") => "application/x-sh",
        Some("yaml" | "yml") => "application/yaml",
        Some("toml") => "application/toml",
        _ => "application/octet-stream",
    };
    if t.starts_with("text/") {
        format!("{t}; charset=utf-8")
    } else {
        t.to_string()
    }
}

/// What a body is made of: literal bytes or a byte range of the file.
enum Piece {
    Bytes(Bytes),
    Range(u64, u64),
}

/// `FileResponse.__call__`: the whole file, one range (206) or several (206 multipart),
/// streamed from disk.
pub(crate) async fn stream_file(
    full: &Path,
    meta: &std::fs::Metadata,
    status: StatusCode,
    req_headers: &HeaderMap,
    head: bool,
    extra: Vec<(header::HeaderName, HeaderValue)>,
    ranges_allowed: bool,
) -> Result<Response<Body>, Detail> {
    let size = meta.len();
    let ctype = content_type(full);
    let (last_modified, etag) = stat_headers(meta);
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(&ctype).expect("ascii"));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(header::LAST_MODIFIED, HeaderValue::from_str(&last_modified).expect("ascii"));
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"));
    for (k, v) in extra {
        headers.insert(k, v);
    }
    let mut status = status;
    let mut pieces = vec![Piece::Range(0, size)];
    let range = req_headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let if_range = req_headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok());
    let use_range = |ir: &str| !ir.starts_with("W/") && (ir == last_modified || ir == etag);
    if let Some(range) = range.filter(|_| ranges_allowed && status == StatusCode::OK && if_range.is_none_or(use_range)) {
        match parse_range(range, size) {
            Err(RangeError::Malformed(msg)) => return Ok(plain(StatusCode::BAD_REQUEST, msg, None)),
            Err(RangeError::NotSatisfiable) => {
                return Ok(plain(StatusCode::RANGE_NOT_SATISFIABLE, String::new(), Some(format!("bytes */{size}"))))
            }
            Ok(ranges) if ranges.is_empty() => {}
            Ok(ranges) if ranges.len() == 1 => {
                let (start, end) = ranges[0];
                status = StatusCode::PARTIAL_CONTENT;
                headers.insert(header::CONTENT_RANGE, HeaderValue::from_str(&format!("bytes {start}-{}/{size}", end - 1)).expect("ascii"));
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
                pieces = vec![Piece::Range(start, end)];
            }
            Ok(ranges) => {
                status = StatusCode::PARTIAL_CONTENT;
                let boundary = hex::encode(rand::random::<[u8; 13]>());
                pieces = Vec::new();
                let mut length = 0u64;
                for (start, end) in ranges {
                    let part = format!(
                        "--{boundary}\r\nContent-Type: {ctype}\r\nContent-Range: bytes {start}-{}/{size}\r\n\r\n",
                        end - 1
                    );
                    length += part.len() as u64 + (end - start) + 2;
                    pieces.push(Piece::Bytes(Bytes::from(part)));
                    pieces.push(Piece::Range(start, end));
                    pieces.push(Piece::Bytes(Bytes::from_static(b"\r\n")));
                }
                let closing = format!("--{boundary}--");
                length += closing.len() as u64;
                pieces.push(Piece::Bytes(Bytes::from(closing)));
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_str(&format!("multipart/byteranges; boundary={boundary}")).expect("ascii"),
                );
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
            }
        }
    }
    let body = if head {
        Body::empty()
    } else {
        let file = tokio::fs::File::open(full).await.map_err(|e| Detail::internal(format!("{}: {e}", full.display())))?;
        Body::wrap(file_body(file, pieces))
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    // Already-compressed or binary assets are sent as they are.
    resp.extensions_mut().insert(dropshot::NoCompression);
    Ok(resp)
}

/// A text/plain answer as Starlette's `PlainTextResponse`.
fn plain(status: StatusCode, text: String, content_range: Option<String>) -> Response<Body> {
    let mut resp = Response::new(Body::from(text.clone()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    if let Some(cr) = content_range {
        h.insert(header::CONTENT_RANGE, HeaderValue::from_str(&cr).expect("ascii"));
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}

enum RangeError {
    Malformed(String),
    NotSatisfiable,
}

/// `FileResponse._parse_range_header`: `(start, end)` pairs, end exclusive.
fn parse_range(header: &str, size: u64) -> Result<Vec<(u64, u64)>, RangeError> {
    let malformed = || RangeError::Malformed("Malformed range header.".into());
    let (units, spec) = header.split_once('=').ok_or_else(malformed)?;
    if units.trim().to_lowercase() != "bytes" {
        return Err(RangeError::Malformed("Only support bytes range".into()));
    }
    if spec.matches(',').count() + 1 > 100 {
        return Ok(Vec::new());
    }
    let mut ranges: Vec<(i128, i128)> = Vec::new();
    for part in spec.split(',') {
        let part = part.trim();
        if part.is_empty() || part == "-" || !part.contains('-') {
            continue;
        }
        let (s, e) = part.split_once('-').unwrap();
        let (s, e) = (s.trim(), e.trim());
        let parse = |x: &str| x.parse::<i128>().ok();
        let size = size as i128;
        let range = if s.is_empty() {
            parse(e).map(|n| ((size - n).max(0), size))
        } else {
            match (parse(s), if e.is_empty() { Some(None) } else { parse(e).map(Some) }) {
                (Some(start), Some(end)) => {
                    let end = match end {
                        Some(end) if end < size => end + 1,
                        _ => size,
                    };
                    Some((start, end))
                }
                _ => None,
            }
        };
        if let Some(r) = range {
            ranges.push(r);
        }
    }
    if ranges.is_empty() {
        return Err(RangeError::Malformed("Range header: range must be requested".into()));
    }
    if ranges.iter().any(|(s, _)| !(0 <= *s && *s < size as i128)) {
        return Err(RangeError::NotSatisfiable);
    }
    if ranges.iter().any(|(s, e)| s >= e) {
        return Err(RangeError::Malformed("Range header: start must be less than end".into()));
    }
    let mut ranges: Vec<(u64, u64)> = ranges.into_iter().map(|(s, e)| (s as u64, e as u64)).collect();
    if ranges.len() == 1 {
        return Ok(ranges);
    }
    ranges.sort();
    let mut merged: Vec<(u64, u64)> = vec![ranges[0]];
    for (s, e) in ranges.into_iter().skip(1) {
        let last = merged.last_mut().unwrap();
        if s <= last.1 {
            last.1 = last.1.max(e);
        } else {
            merged.push((s, e));
        }
    }
    Ok(merged)
}

/// A streamed body: a task reads the file in 64 KiB chunks into a small channel, so a large
/// file (the 21 MB wasm) is never held in memory, and a client that goes away stops the read.
fn file_body(mut file: tokio::fs::File, pieces: Vec<Piece>) -> ChannelBody {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    let remaining: u64 = pieces.iter().map(|p| match p {
        Piece::Bytes(b) => b.len() as u64,
        Piece::Range(s, e) => e - s,
    }).sum();
    tokio::spawn(async move {
        for piece in pieces {
            match piece {
                Piece::Bytes(b) => {
                    if tx.send(Ok(b)).await.is_err() {
                        return;
                    }
                }
                Piece::Range(start, end) => {
                    if let Err(e) = file.seek(SeekFrom::Start(start)).await {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                    let mut left = end - start;
                    while left > 0 {
                        let mut buf = vec![0u8; left.min(64 * 1024) as usize];
                        match file.read(&mut buf).await {
                            Ok(0) => {
                                let _ = tx.send(Err(std::io::ErrorKind::UnexpectedEof.into())).await;
                                return;
                            }
                            Ok(n) => {
                                buf.truncate(n);
                                left -= n as u64;
                                if tx.send(Ok(Bytes::from(buf))).await.is_err() {
                                    return;
                                }
                            }
                            Err(e) => {
                                let _ = tx.send(Err(e)).await;
                                return;
                            }
                        }
                    }
                }
            }
        }
    });
    ChannelBody { rx, remaining }
}

struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
    remaining: u64,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(b))) => {
                self.remaining = self.remaining.saturating_sub(b.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(b))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values from Starlette 1.10 (the reference venv): `URL(scope=...)`, `.replace(path=
    /// url.path + "/")`, `RedirectResponse(url).headers["location"]`.
    #[test]
    fn slash_redirect_location_as_starlette() {
        let local: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let loc = |host: Option<&[u8]>, path: &str, query: Option<&str>| slash_location(host, local, path, query);
        // (Host header, raw path, query, Location)
        type Case<'a> = (Option<&'a [u8]>, &'a str, Option<&'a str>, &'a str);
        let cases: &[Case] = &[
            (Some(br#"evil.example"><script>alert(1)</script>"#), "/assets/sub", None, "http://127.0.0.1:8080/assets/sub/"),
            (Some(b"example.com:8080"), "/assets/sub", Some(r#"x="<1>"#), "http://example.com:8080/assets/sub/?x=%22%3C1%3E"),
            (Some(b"Example.COM"), "/assets/a%20b", Some("x=%41"), "http://Example.COM/assets/a%20b/?x=%41"),
            (Some(b"[::1]:99999"), "/assets/sub", None, "http://127.0.0.1:8080/assets/sub/"),
            (Some(b"[::1]:0065535"), "/assets/sub", None, "http://[::1]:0065535/assets/sub/"),
            (Some(b"[fe80::zz]"), "/assets/sub", None, "http://127.0.0.1:8080/assets/sub/"),
            (Some(b"[v1.x]"), "/assets/sub", None, "http://[v1.x]/assets/sub/"),
            (Some(b"h\xe9st"), "/assets/%3F%23%5C%25", None, "http://127.0.0.1:8080/assets/%3F%23%5C%/"),
            (Some(b"ok"), "/assets/sub", Some("a=1#frag"), "http://ok/assets/sub/?a=1#frag"),
            (None, "/assets/sub", None, "http://127.0.0.1:8080/assets/sub/"),
        ];
        for (host, path, query, want) in cases {
            assert_eq!(loc(*host, path, *query), *want, "{host:?} {path} {query:?}");
        }
        assert_eq!(slash_location(None, "[::1]:80".parse().unwrap(), "/assets/sub", None), "http://[::1]/assets/sub/");
    }

    #[test]
    fn normalize_like_normpath() {
        let n = |s: &[&str]| {
            let r = normalize(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
            (r.normpath, r.inside.then_some(r.relative))
        };
        assert_eq!(n(&[]), (".".into(), Some("".into())));
        assert_eq!(n(&["_app", "x.js"]), ("_app/x.js".into(), Some("_app/x.js".into())));
        assert_eq!(n(&["_app", "..", "index.html"]), ("index.html".into(), Some("index.html".into())));
        assert_eq!(n(&["_app", "..", "..", "etc", "passwd"]), ("../etc/passwd".into(), None));
        assert_eq!(n(&["_app", "../../etc/passwd.js"]), ("../etc/passwd.js".into(), None));
        assert_eq!(n(&["a/./b//c"]), ("a/b/c".into(), Some("a/b/c".into())));
        assert_eq!(n(&["a\0b"]).1, None);
    }

    #[test]
    fn content_types_as_python() {
        let t = |n: &str| content_type(Path::new(n));
        assert_eq!(t("a.js"), "text/javascript; charset=utf-8");
        assert_eq!(t("a.mjs"), "text/javascript; charset=utf-8");
        assert_eq!(t("a.wasm"), "application/wasm");
        assert_eq!(t("index.html"), "text/html; charset=utf-8");
        assert_eq!(t("a.js.map"), "application/octet-stream");
        assert_eq!(t("a.js.gz"), "text/javascript; charset=utf-8");
        assert_eq!(t("x.whl"), "application/octet-stream");
        assert_eq!(t("Makefile"), "application/octet-stream");
        assert_eq!(t(".png"), "application/octet-stream");
        assert_eq!(t("a.PNG"), "image/png");
    }

    #[test]
    fn ranges_as_starlette() {
        let ok = |h: &str| match parse_range(h, 100) {
            Ok(r) => r,
            Err(_) => panic!("{h}"),
        };
        assert_eq!(ok("bytes=0-9"), vec![(0, 10)]);
        assert_eq!(ok("bytes=90-"), vec![(90, 100)]);
        assert_eq!(ok("bytes=-10"), vec![(90, 100)]);
        assert_eq!(ok("bytes=0-500"), vec![(0, 100)]);
        assert_eq!(ok("bytes=0-9, 5-19, 50-59"), vec![(0, 20), (50, 60)]);
        assert!(matches!(parse_range("bytes=100-", 100), Err(RangeError::NotSatisfiable)));
        assert!(matches!(parse_range("items=0-1", 100), Err(RangeError::Malformed(_))));
        assert!(matches!(parse_range("bytes=x", 100), Err(RangeError::Malformed(_))));
        assert!(matches!(parse_range("bytes=5-1", 100), Err(RangeError::Malformed(_))));
    }
}
