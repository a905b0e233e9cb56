//! OAuth: the `/oauth/*` routes of the reference's `main.py` (provider sign-in, tool-server OAuth
//! clients, OIDC back-channel logout) and the OAuth routes of `/api/v1/auths`; the logic is
//! [`crate::app::oauth`].
//!
//! Stock dropshot cannot hold the reference's literal segments (`clients`, `sessions`,
//! `backchannel-logout`) beside its `{provider}` variables, so the variable routes dispatch on
//! them (declared in `tools/src/serves.rs`). Paths the reference does not route fall through to
//! what it answers for them: the SPA's `index.html` for GET, 405 otherwise.

use std::sync::Arc;

use dropshot::{Body, HttpResponseHeaders, HttpResponseOk, Path, RequestContext};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Response};
use serde_json::json;
use webui_api::oauth::{OauthApi, OauthLiteralApi};
use webui_api::*;

use super::frontend::{self, Mount};
use super::{auth, limits, ServerImpl};
use crate::app::oauth;
use crate::context::ServerContext;
use crate::messages;

type Ctx = RequestContext<Arc<ServerContext>>;

/// Starlette's router answer for a method a path has no route for (outside the auths router's
/// headers).
pub(super) fn method_not_allowed() -> Detail {
    Detail::new(405, messages::METHOD_NOT_ALLOWED)
}

/// What the reference answers for a path none of its routes takes: the SPA mount (GET), or 405.
async fn unrouted(rqctx: &Ctx, segments: &[&str]) -> Result<Response<Body>, Detail> {
    if rqctx.request.method() == http::Method::GET {
        frontend::serve(rqctx, Mount::Spa, segments.iter().map(|s| s.to_string()).collect()).await
    } else {
        Err(method_not_allowed())
    }
}

/// An OAuth step that has no success yet (no provider or client can be configured): its error.
fn refused(step: crate::error::Result<()>) -> Result<Response<Body>, Detail> {
    step?;
    Err(Detail::not_found(messages::ROUTE_NOT_FOUND))
}

/// `GET /oauth/{provider}/login` and `GET /oauth/{provider}/callback`.
pub async fn login(rqctx: &Ctx, p: OauthActionPath) -> Result<Response<Body>, Detail> {
    match p.action.as_str() {
        "login" | "callback" => refused(oauth::provider_step(rqctx.context(), &p.provider)),
        _ => unrouted(rqctx, &["oauth", &p.provider, &p.action]).await,
    }
}

/// `GET /oauth/clients/{client_id}/authorize`, `GET /oauth/clients/{client_id}/callback` and
/// `GET /oauth/{provider}/login/callback`, in the reference's route order.
pub async fn callback(rqctx: &Ctx, p: OauthStepPath) -> Result<Response<Body>, Detail> {
    let ctx = rqctx.context();
    match (p.provider.as_str(), p.action.as_str(), p.step.as_str()) {
        ("clients", client_id, "authorize") => {
            let _user = auth::require_user(rqctx).await?;
            refused(oauth::client_step(ctx, client_id))
        }
        ("clients", client_id, "callback") => refused(oauth::client_step(ctx, client_id)),
        (provider, "login", "callback") => refused(oauth::provider_step(ctx, provider)),
        _ => unrouted(rqctx, &["oauth", &p.provider, &p.action, &p.step]).await,
    }
}

/// `POST /oauth/backchannel-logout`.
pub async fn backchannel_logout(rqctx: &Ctx, p: OauthProviderPath, body: &[u8]) -> Result<Response<Body>, Detail> {
    if p.provider != "backchannel-logout" {
        return Err(method_not_allowed());
    }
    // `await request.form()`: only an urlencoded body carries fields we can read (a multipart
    // body is not parsed here; a JSON body is an empty form there too).
    let ct = rqctx.request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let logout_token = if ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        form_urlencoded_get(body, "logout_token")
    } else {
        None
    };
    let oauth::InvalidLogout(description) = oauth::backchannel_logout(rqctx.context(), logout_token.as_deref())?;
    let body = json!({"error": "invalid_request", "error_description": description});
    Ok(Response::builder()
        .status(400)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("response"))
}

/// The first value of `name` in an urlencoded body (Starlette's `FormData.get`).
fn form_urlencoded_get(body: &[u8], name: &str) -> Option<String> {
    let decode = |s: &str| -> String {
        percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
    };
    let text = String::from_utf8_lossy(body);
    text.split('&').filter(|p| !p.is_empty()).find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k) == name).then(|| decode(v))
    })
}

fn no_store<T: schemars::JsonSchema + serde::Serialize + Send + Sync + 'static>(body: T) -> OkWithHeaders<T> {
    let mut r = HttpResponseHeaders::new_unnamed(HttpResponseOk(body));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `DELETE /api/v1/auths/oauth/sessions/{provider}`.
pub async fn session_delete(rqctx: &Ctx, p: OauthProviderNamePath) -> Result<OkWithHeaders<bool>, Detail> {
    let user = auth::require_user(rqctx).await?;
    Ok(no_store(oauth::session_delete(rqctx.context(), &user, &p.name).await?))
}

/// `POST /api/v1/auths/oauth/{provider}/token/exchange`.
pub async fn token_exchange(
    rqctx: &Ctx,
    p: OauthProviderNamePath,
    body: FastJson<TokenExchangeForm, AuthForm>,
) -> Result<OkWithHeaders<SigninResult>, Detail> {
    let _form = body.into_inner()?;
    Ok(no_store(oauth::token_exchange(rqctx.context(), &p.provider)?))
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
}

impl OauthApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn oauth_login(rqctx: Ctx, path: Path<OauthProviderPath>) -> Result<Response<Body>, Detail> {
        let provider = path.into_inner().provider;
        login(&rqctx, OauthActionPath { provider, action: "login".into() }).await
    }

    async fn oauth_login_callback_by_provider(rqctx: Ctx, path: Path<OauthProviderPath>) -> Result<Response<Body>, Detail> {
        let provider = path.into_inner().provider;
        login(&rqctx, OauthActionPath { provider, action: "callback".into() }).await
    }

    async fn oauth_login_callback_by_provider_login(rqctx: Ctx, path: Path<OauthProviderPath>) -> Result<Response<Body>, Detail> {
        let provider = path.into_inner().provider;
        callback(&rqctx, OauthStepPath { provider, action: "login".into(), step: "callback".into() }).await
    }
}

impl OauthLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn oauth_backchannel_logout(rqctx: Ctx, request: dropshot::RawRequest) -> Result<Response<Body>, Detail> {
        let body = limits::read_body(request, PUBLIC_BODY_MAX_BYTES).await?;
        backchannel_logout(&rqctx, OauthProviderPath { provider: "backchannel-logout".into() }, &body).await
    }

    async fn oauth_client_authorize(rqctx: Ctx, path: Path<OauthClientPath>) -> Result<Response<Body>, Detail> {
        let action = path.into_inner().client_id;
        callback(&rqctx, OauthStepPath { provider: "clients".into(), action, step: "authorize".into() }).await
    }

    async fn oauth_client_callback(rqctx: Ctx, path: Path<OauthClientPath>) -> Result<Response<Body>, Detail> {
        let action = path.into_inner().client_id;
        callback(&rqctx, OauthStepPath { provider: "clients".into(), action, step: "callback".into() }).await
    }
}
