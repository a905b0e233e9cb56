//! CORS as the reference configures Starlette's `CORSMiddleware` (`main.py`):
//! `allow_origins=CORS_ALLOW_ORIGIN` (`;`-separated, default `*`), `allow_credentials=True`,
//! `allow_methods=['*']`, `allow_headers=['*']`.
//!
//! With credentials allowed, a simple answer echoes the request's `Origin` (allowed or not when
//! the list is `*`), and a preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) is answered before routing: 200 `OK` (`text/plain`), or 400
//! `Disallowed CORS origin` for an origin not in the list. The middleware sits outside the one
//! that adds the security headers, so a preflight answer has none.

use dropshot::Body;
use http::header::{HeaderValue, VARY};
use http::{HeaderMap, Method, Response, StatusCode};

use crate::context::ServerContext;

/// Starlette's `ALL_METHODS` (`allow_methods=['*']`).
const ALL_METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY";
const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network";

/// A request that carries an `Origin`, and the configuration it meets.
pub struct Cors<'a> {
    origin: HeaderValue,
    allow: &'a [String],
}

impl<'a> Cors<'a> {
    /// `Some` when the request has an `Origin` header (the middleware does nothing otherwise).
    pub fn of(ctx: &'a ServerContext, headers: &HeaderMap) -> Option<Self> {
        let origin = headers.get(http::header::ORIGIN)?.clone();
        Some(Cors { origin, allow: &ctx.config.cors_allow_origin })
    }

    fn allow_all(&self) -> bool {
        self.allow.iter().any(|o| o == "*")
    }

    fn is_allowed(&self) -> bool {
        self.allow_all() || self.origin.to_str().is_ok_and(|o| self.allow.iter().any(|a| a == o))
    }

    /// The preflight answer, when this is one.
    pub fn preflight(&self, method: &Method, headers: &HeaderMap) -> Option<Response<Body>> {
        if method != Method::OPTIONS {
            return None;
        }
        let requested_method = headers.get("access-control-request-method")?;
        let mut failures = Vec::new();
        let mut rsp = Response::new(Body::empty());
        let h = rsp.headers_mut();
        h.insert(VARY, HeaderValue::from_static(PREFLIGHT_VARY));
        h.insert("access-control-allow-methods", HeaderValue::from_static(ALL_METHODS));
        h.insert("access-control-max-age", HeaderValue::from_static("600"));
        h.insert("access-control-allow-credentials", HeaderValue::from_static("true"));
        // `preflight_explicit_allow_origin` (credentials allowed): the origin, when allowed.
        if self.is_allowed() {
            h.insert("access-control-allow-origin", self.origin.clone());
        } else {
            failures.push("origin");
        }
        let requested = requested_method.to_str().unwrap_or("");
        if !ALL_METHODS.split(", ").any(|m| m == requested) {
            failures.push("method");
        }
        // allow_all_headers: the requested headers are mirrored back.
        if let Some(req_headers) = headers.get("access-control-request-headers") {
            h.insert("access-control-allow-headers", req_headers.clone());
        }
        if headers.contains_key("access-control-request-private-network") {
            failures.push("private-network");
        }
        let (status, text) = if failures.is_empty() {
            (StatusCode::OK, "OK".to_string())
        } else {
            (StatusCode::BAD_REQUEST, format!("Disallowed CORS {}", failures.join(", ")))
        };
        h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        h.insert(http::header::CONTENT_LENGTH, HeaderValue::from(text.len()));
        *rsp.status_mut() = status;
        *rsp.body_mut() = Body::from(text);
        Some(rsp)
    }

    /// The headers of a simple (non-preflight) answer.
    pub fn simple_response(&self, rsp: &mut Response<Body>) {
        let allow_all = self.allow_all();
        let h = rsp.headers_mut();
        if allow_all {
            h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        }
        h.insert("access-control-allow-credentials", HeaderValue::from_static("true"));
        if allow_all || self.is_allowed() {
            // Credentials allowed: the specific origin instead of `*`.
            h.insert("access-control-allow-origin", self.origin.clone());
        }
        let vary: Vec<String> =
            h.get_all(VARY).iter().filter_map(|v| v.to_str().ok().map(str::to_string)).chain(["Origin".to_string()]).collect();
        if let Ok(v) = HeaderValue::from_str(&vary.join(", ")) {
            h.insert(VARY, v);
        }
    }
}

