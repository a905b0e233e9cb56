//! OAuth: the `/oauth/*` routes of the reference's `main.py` (provider sign-in, tool-server OAuth
//! clients, OIDC back-channel logout) and the OAuth routes of `/api/v1/auths`.
//!
//! No OAuth provider and no tool-server OAuth client can be configured here yet, so these answer
//! as the reference does without any: provider routes 404, client routes 401/403/404, token
//! exchange 403 (or 404 "not configured" when enabled), back-channel logout 404 (or its 400s when
//! enabled). Disconnecting an OAuth session works on the `oauth_session` table.
//!
//! Stock dropshot cannot hold the reference's literal segments (`clients`, `sessions`,
//! `backchannel-logout`) beside its `{provider}` variables, so the variable routes dispatch on
//! them (declared in `tools/src/serves.rs`). Paths the reference does not route fall through to
//! what it answers for them: the SPA's `index.html` for GET, 405 otherwise.

use std::sync::Arc;

use base64::Engine;
use dropshot::{Body, HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Response};
use serde_json::{json, Value};
use webui_api::*;

use super::auth;
use super::frontend::{self, Mount};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

fn not_found() -> Detail {
    Detail::not_found("Not Found")
}

/// Starlette's router answer for a method a path has no route for (outside the auths router's
/// headers).
pub(super) fn method_not_allowed() -> Detail {
    Detail::new(405, "Method Not Allowed")
}

/// What the reference answers for a path none of its routes takes: the SPA mount (GET), or 405.
async fn unrouted(rqctx: &Ctx, segments: &[&str]) -> Result<Response<Body>, Detail> {
    if rqctx.request.method() == http::Method::GET {
        frontend::serve(rqctx, Mount::Spa, segments.iter().map(|s| s.to_string()).collect()).await
    } else {
        Err(method_not_allowed())
    }
}

/// `ENABLE_TOOL_SERVERS` (only with `ENABLE_PLUGINS`).
fn tool_servers_enabled(ctx: &ServerContext) -> bool {
    ctx.config.env_bool("ENABLE_PLUGINS", true) && ctx.config.env_bool("ENABLE_TOOL_SERVERS", true)
}

/// `GET /oauth/{provider}/login` and `GET /oauth/{provider}/callback`: no provider is configured.
pub async fn login(rqctx: &Ctx, p: OauthActionPath) -> Result<Response<Body>, Detail> {
    match p.action.as_str() {
        // `oauth_manager.handle_login` / `handle_callback`: `ENABLE_OAUTH` off or the provider
        // not in `OAUTH_PROVIDERS` → 404.
        "login" | "callback" => Err(not_found()),
        _ => unrouted(rqctx, &["oauth", &p.provider, &p.action]).await,
    }
}

/// `GET /oauth/clients/{client_id}/authorize`, `GET /oauth/clients/{client_id}/callback` and
/// `GET /oauth/{provider}/login/callback`, in the reference's route order.
pub async fn callback(rqctx: &Ctx, p: OauthStepPath) -> Result<Response<Body>, Detail> {
    let ctx = rqctx.context();
    match (p.provider.as_str(), p.action.as_str(), p.step.as_str()) {
        ("clients", _, "authorize") => {
            let _user = auth::require_user(rqctx).await?;
            if !tool_servers_enabled(ctx) {
                return Err(Detail::forbidden("Tool servers are disabled"));
            }
            // `oauth_client_manager.get_client(client_id)`: no client is registered.
            Err(not_found())
        }
        ("clients", _, "callback") => {
            if !tool_servers_enabled(ctx) {
                return Err(Detail::forbidden("Tool servers are disabled"));
            }
            Err(not_found())
        }
        (_, "login", "callback") => Err(not_found()),
        _ => unrouted(rqctx, &["oauth", &p.provider, &p.action, &p.step]).await,
    }
}

fn json_response(status: u16, body: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("response")
}

fn backchannel_error(description: &str) -> Response<Body> {
    json_response(400, json!({"error": "invalid_request", "error_description": description}))
}

/// `POST /oauth/backchannel-logout`.
pub async fn backchannel_logout(rqctx: &Ctx, p: OauthProviderPath, body: &[u8]) -> Result<Response<Body>, Detail> {
    if p.provider != "backchannel-logout" {
        return Err(method_not_allowed());
    }
    let ctx = rqctx.context();
    if !ctx.config.env_bool("ENABLE_OAUTH_BACKCHANNEL_LOGOUT", false) {
        return Err(not_found());
    }
    // `await request.form()`: only an urlencoded body carries fields we can read (a multipart
    // body is not parsed here; a JSON body is an empty form there too).
    let ct = rqctx.request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let logout_token = if ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        form_urlencoded_get(body, "logout_token")
    } else {
        None
    };
    let Some(token) = logout_token.filter(|t| !t.is_empty()) else {
        return Ok(backchannel_error("Missing logout_token parameter"));
    };
    let Some(claims) = unverified_jwt_claims(&token) else {
        return Ok(backchannel_error("Malformed logout_token"));
    };
    if !auth::truthy(claims.get("iss")) {
        return Ok(backchannel_error("logout_token missing iss claim"));
    }
    // No configured provider can match the issuer.
    Ok(backchannel_error("No configured provider matches token issuer"))
}

/// The first value of `name` in an urlencoded body (Starlette's `FormData.get`).
fn form_urlencoded_get(body: &[u8], name: &str) -> Option<String> {
    let decode = |s: &str| -> String {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                if let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    let text = String::from_utf8_lossy(body);
    text.split('&').filter(|p| !p.is_empty()).find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k) == name).then(|| decode(v))
    })
}

/// PyJWT's `decode(token, options={'verify_signature': False})`: three dot-separated base64url
/// parts, a JSON object header and a JSON object payload; the payload, or `None`.
fn unverified_jwt_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return None;
    }
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok();
    b64(parts[2])?;
    let header: Value = serde_json::from_slice(&b64(parts[0])?).ok()?;
    header.as_object()?;
    match serde_json::from_slice::<Value>(&b64(parts[1])?).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn no_store<T: schemars::JsonSchema + serde::Serialize + Send + Sync + 'static>(body: T) -> OkWithHeaders<T> {
    let mut r = HttpResponseHeaders::new_unnamed(HttpResponseOk(body));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub async fn session_delete(rqctx: &Ctx, p: OauthProviderNamePath) -> Result<OkWithHeaders<bool>, Detail> {
    let user = auth::require_user(rqctx).await?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(super::db_err)?;
    let n = client
        .execute("DELETE FROM oauth_session WHERE user_id = $1 AND provider = $2", &[&user.user.id, &p.name])
        .await
        .map_err(super::db_err)?;
    if n == 0 {
        return Err(Detail::not_found("No OAuth session found for this provider"));
    }
    Ok(no_store(true))
}

/// `POST /api/v1/auths/oauth/{provider}/token/exchange`.
pub async fn token_exchange(
    rqctx: &Ctx,
    p: OauthProviderNamePath,
    body: FastJson<TokenExchangeForm, AuthForm>,
) -> Result<OkWithHeaders<SigninResult>, Detail> {
    let _form = body.into_inner()?;
    let ctx = rqctx.context();
    if !ctx.config.env_bool("ENABLE_OAUTH_TOKEN_EXCHANGE", false) {
        return Err(Detail::forbidden("Token exchange is disabled"));
    }
    // `provider.lower() not in OAUTH_PROVIDERS`: none is configured.
    Err(Detail::not_found(format!("Provider '{}' is not configured", p.provider.to_lowercase())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_fields() {
        assert_eq!(form_urlencoded_get(b"a=1&logout_token=x%2By+z", "logout_token").as_deref(), Some("x+y z"));
        assert_eq!(form_urlencoded_get(b"logout_token", "logout_token").as_deref(), Some(""));
        assert_eq!(form_urlencoded_get(b"a=1", "logout_token"), None);
    }

    #[test]
    fn unverified_claims() {
        let e = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let t = format!("{}.{}.c2ln", e(r#"{"alg":"RS256"}"#), e(r#"{"iss":"https://idp"}"#));
        assert_eq!(unverified_jwt_claims(&t).unwrap()["iss"], json!("https://idp"));
        assert!(unverified_jwt_claims("a.b").is_none());
        assert!(unverified_jwt_claims(&format!("{}.{}.c2ln", e("[]"), e("{}"))).is_none());
        // The signature part must be base64url too.
        assert!(unverified_jwt_claims(&format!("{}.{}.x", e("{}"), e("{}"))).is_none());
    }
}
