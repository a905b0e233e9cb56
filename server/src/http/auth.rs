//! Who is calling, read from the request: every handler that needs a session starts with
//! [`require_user`], [`require_admin`], [`require_human`] or [`current_user`], which read the
//! credentials here and authenticate them with [`crate::app::session`].
//!
//! Token lookup order (as `utils/auth.py` and the ASGI middleware do it): an `Authorization:
//! Bearer` header, then the `token` cookie, then the `Authorization` header of any scheme, then
//! the API-key header (`CUSTOM_API_KEY_HEADER`, default `x-api-key`).

use std::collections::HashMap;
use std::sync::Arc;

use dropshot::RequestContext;
use http::HeaderMap;
use webui_api::Detail;

use crate::app::session::{self, Credentials};
use crate::context::ServerContext;

// The session's types and helpers, under the names the resources' handlers use.
pub use crate::app::session::{now, password, permissions, token, truthy, AuthType, SessionUser};

type Ctx = RequestContext<Arc<ServerContext>>;

/// Cookies as Starlette parses them (the last of a repeated name wins, quotes removed).
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for value in headers.get_all(http::header::COOKIE) {
        let Ok(s) = value.to_str() else { continue };
        for part in s.split(';') {
            let (k, v) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), v.trim()),
                None => ("", part.trim()),
            };
            if k.is_empty() && v.is_empty() {
                continue;
            }
            let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// FastAPI's `HTTPBearer(auto_error=False)`: the credentials of a `Bearer` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = header_str(headers, "authorization")?;
    let (scheme, param) = value.split_once(' ').unwrap_or((value, ""));
    let param = param.trim();
    if value.is_empty() || scheme.is_empty() || param.is_empty() || !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    Some(param.to_string())
}

/// `get_http_authorization_cred`: `scheme credentials`, split on exactly one space.
pub fn authorization_cred(headers: &HeaderMap) -> Option<String> {
    let value = header_str(headers, "authorization")?;
    if value.is_empty() {
        return None;
    }
    let mut parts = value.split(' ');
    let (_scheme, cred) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(cred.to_string())
}

/// The token `get_current_user` would use, or `None` ("Not authenticated").
pub fn request_token(headers: &HeaderMap, api_key_header: &str) -> Option<String> {
    if let Some(t) = bearer(headers) {
        return Some(t);
    }
    let jar = cookies(headers);
    if let Some(t) = jar.get("token") {
        return Some(t.clone());
    }
    // The middleware's `request.state.token`.
    if let Some(t) = authorization_cred(headers) {
        return Some(t);
    }
    header_str(headers, api_key_header).filter(|k| !k.is_empty()).map(str::to_string)
}

/// The credentials of a request, as [`session::authenticate`] takes them.
pub fn credentials<'a>(rqctx: &'a Ctx, token: Option<&'a str>) -> Credentials<'a> {
    let headers = rqctx.request.headers();
    let trusted_header = rqctx.context().config.trusted_email_header.as_deref().filter(|h| !h.is_empty());
    let trusted_email = trusted_header.and_then(|h| header_str(headers, h));
    Credentials { token, trusted_email, path: rqctx.request.uri().path() }
}

/// `get_current_user`: any authenticated account, whatever its role.
pub async fn current_user(rqctx: &Ctx) -> Result<SessionUser, Detail> {
    let ctx = rqctx.context();
    let token = request_token(rqctx.request.headers(), &ctx.config.api_key_header);
    Ok(session::authenticate(ctx, credentials(rqctx, token.as_deref())).await?)
}

/// `get_verified_user`: a `user` or `admin` (pending accounts get 401).
pub async fn require_user(rqctx: &Ctx) -> Result<SessionUser, Detail> {
    Ok(session::verified(current_user(rqctx).await?)?)
}

/// `get_admin_user`.
pub async fn require_admin(rqctx: &Ctx) -> Result<SessionUser, Detail> {
    Ok(session::admin(current_user(rqctx).await?)?)
}

/// `get_human_user`: a JWT session token (not an API key, automation or sub-agent token).
pub async fn require_human(rqctx: &Ctx) -> Result<SessionUser, Detail> {
    Ok(session::human(current_user(rqctx).await?)?)
}

/// `get_optional_verified_user_from_request`: a verified user, or `None` for anything else.
pub async fn optional_user(rqctx: &Ctx) -> Option<SessionUser> {
    require_user(rqctx).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        m
    }

    #[test]
    fn token_lookup_order() {
        assert_eq!(request_token(&h(&[]), "x-api-key"), None);
        assert_eq!(request_token(&h(&[("authorization", "Bearer a"), ("cookie", "token=b")]), "x-api-key").as_deref(), Some("a"));
        assert_eq!(request_token(&h(&[("authorization", "bearer   a ")]), "x-api-key").as_deref(), Some("a"));
        assert_eq!(request_token(&h(&[("authorization", "Basic a"), ("cookie", "token=b")]), "x-api-key").as_deref(), Some("b"));
        assert_eq!(request_token(&h(&[("authorization", "Basic a")]), "x-api-key").as_deref(), Some("a"));
        assert_eq!(request_token(&h(&[("cookie", "x=1; token=")]), "x-api-key").as_deref(), Some(""));
        assert_eq!(request_token(&h(&[("x-api-key", "sk-1")]), "x-api-key").as_deref(), Some("sk-1"));
        assert_eq!(request_token(&h(&[("authorization", "Bearer a b"), ("x-api-key", "k")]), "x-api-key").as_deref(), Some("a b"));
    }
}
