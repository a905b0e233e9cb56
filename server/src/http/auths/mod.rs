//! `/api/v1/auths`: the HTTP side of sign-up, sign-in, sign-out, the session user, profile and
//! password, the admin's auth settings and API keys (the reference's `routers/auths.py`; the
//! logic is [`crate::app::auths`]).
//!
//! Every success answer of this router carries `Cache-Control: no-store`, as the reference's
//! `MfaRoute` adds it.

mod admin;
mod routes;

pub use admin::*;

use std::sync::Arc;

use dropshot::{HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::header::{CACHE_CONTROL, SET_COOKIE};
use http::HeaderValue;
use webui_api::*;

use super::auth;
use crate::app::auths::signin::{image_url_acceptable, TrustedHeaders};
use crate::app::auths::{self as app, TokenCookie, WithCookie};
pub use crate::app::auths::valid_image_url;
use crate::app::mfa;
use crate::app::session::{now, RateLimiter};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// A 200 with `Cache-Control: no-store` and the given `Set-Cookie` values.
pub(super) fn ok<T: schemars::JsonSchema + serde::Serialize + Send + Sync + 'static>(body: T, cookies: Vec<String>) -> OkWithHeaders<T> {
    let mut r = HttpResponseHeaders::new_unnamed(HttpResponseOk(body));
    let h = r.headers_mut();
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(SET_COOKIE, v);
        }
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// [`ok`] of an app answer, with its session cookie (if any) and `more` cookies.
pub(super) fn ok_with<T: schemars::JsonSchema + serde::Serialize + Send + Sync + 'static>(
    ctx: &ServerContext,
    w: WithCookie<T>,
    more: Vec<String>,
) -> OkWithHeaders<T> {
    let mut cookies: Vec<String> = w.cookie.iter().map(|c| token_cookie(ctx, c)).collect();
    cookies.extend(more);
    ok(w.answer, cookies)
}

/// The reference's `/api/v1/auths` router class (`MfaRoute`), around every handler of the
/// router: with MFA on, POSTs are limited to 100 per 15 minutes per client address (429,
/// `Retry-After: 900`); undecodable JSON (`early`, before any dependency such as the auth check)
/// answers the router's 422; every answer, errors too, carries `Cache-Control: no-store`.
pub(super) async fn guarded<T, F>(rqctx: &Ctx, early: Option<Detail>, handler: F) -> Result<Answer<T>, Detail>
where
    T: schemars::JsonSchema + serde::Serialize + Send + Sync + 'static,
    F: std::future::Future<Output = Result<OkWithHeaders<T>, Detail>>,
{
    let result = async {
        if rqctx.request.method() == http::Method::POST && mfa::policy(rqctx.context()).enable {
            static LIMITER: std::sync::OnceLock<RateLimiter> = std::sync::OnceLock::new();
            let ip = rqctx.request.remote_addr().ip().to_string();
            let key = format!("mfa:ip:{}", mfa::token_hash(&ip));
            if LIMITER.get_or_init(|| RateLimiter::new(100, 900)).is_limited(&key, now()) {
                let e = crate::error::Error::TooManyRequests { message: crate::messages::TOO_MANY_ATTEMPTS.into(), retry_after: Some(900) };
                return Err(e.into());
            }
        }
        if let Some(e) = early {
            return Err(e);
        }
        handler.await
    }
    .await;
    // The answer carries the error, so dropshot does not log it: a server error's cause goes to
    // the log here.
    if let Err(e) = &result {
        if e.status() >= 500 {
            slog::error!(rqctx.log, "request failed"; "error" => %e);
        }
    }
    Ok(Answer::from_result(result, &[(CACHE_CONTROL, "no-store")]))
}

/// The `token` cookie as Starlette writes `set_cookie('token', ...)`.
fn token_cookie(ctx: &ServerContext, c: &TokenCookie) -> String {
    let mut s = format!("token={}", c.token);
    if let Some(exp) = c.expires {
        s.push_str(&format!("; expires={}", http_date(exp)));
    }
    s.push_str("; HttpOnly");
    if let Some(m) = c.max_age {
        s.push_str(&format!("; Max-Age={m}"));
    }
    s.push_str("; Path=/");
    s.push_str(&format!("; SameSite={}", cookie_same_site(ctx)));
    if cookie_secure(ctx) {
        s.push_str("; Secure");
    }
    s
}

fn cookie_same_site(ctx: &ServerContext) -> String {
    let session = ctx.config.env_str("WEBUI_SESSION_COOKIE_SAME_SITE").unwrap_or("lax");
    ctx.config.env_str("WEBUI_AUTH_COOKIE_SAME_SITE").unwrap_or(session).to_string()
}

fn cookie_secure(ctx: &ServerContext) -> bool {
    let session = ctx.config.env_str("WEBUI_SESSION_COOKIE_SECURE").unwrap_or("false");
    ctx.config.env_str("WEBUI_AUTH_COOKIE_SECURE").unwrap_or(session).to_lowercase() == "true"
}

/// Starlette's `delete_cookie(name)`.
fn deleted_cookie(name: &str) -> String {
    deleted_cookie_at(name, "/")
}

/// Starlette's `delete_cookie(name, path=path)`.
pub(super) fn deleted_cookie_at(name: &str, path: &str) -> String {
    format!("{name}=\"\"; expires={}; Max-Age=0; Path={path}; SameSite=lax", http_date(now()))
}

/// `Thu, 24 Dec 2026 07:09:44 GMT`.
fn http_date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0).unwrap_or_default().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Starlette's header decoding: every byte is one Latin-1 character.
pub(super) fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// The 422 of the auth forms' validators.
fn form_invalid() -> Detail {
    Detail::new(422, AUTH_FORM_INVALID)
}

pub async fn signup(rqctx: &Ctx, form: SignupForm) -> Result<OkWithHeaders<SigninResult>, Detail> {
    if !image_url_acceptable(form.profile_image_url.as_deref()) {
        return Err(form_invalid());
    }
    let ctx = rqctx.context();
    Ok(ok_with(ctx, app::signin::signup(ctx, &form).await?, vec![]))
}

/// The configured trusted headers of a request.
fn trusted_headers(rqctx: &Ctx) -> TrustedHeaders {
    let ctx = rqctx.context();
    let headers = rqctx.request.headers();
    let read = |name: Option<&str>| name.filter(|h| !h.is_empty()).and_then(|h| headers.get(h)).map(|v| latin1(v.as_bytes()));
    TrustedHeaders {
        email: read(ctx.config.trusted_email_header.as_deref()),
        name: read(ctx.config.env_str("WEBUI_AUTH_TRUSTED_NAME_HEADER")),
        groups: read(ctx.config.env_str("WEBUI_AUTH_TRUSTED_GROUPS_HEADER")),
        role: read(ctx.config.env_str("WEBUI_AUTH_TRUSTED_ROLE_HEADER")),
    }
}

pub async fn signin(rqctx: &Ctx, form: SigninForm) -> Result<OkWithHeaders<SigninResult>, Detail> {
    let ctx = rqctx.context();
    Ok(ok_with(ctx, app::signin::signin(ctx, &form, &trusted_headers(rqctx)).await?, vec![]))
}

pub async fn signout(rqctx: &Ctx) -> Result<OkWithHeaders<SignoutResponse>, Detail> {
    let ctx = rqctx.context();
    let headers = rqctx.request.headers();
    let jar = auth::cookies(headers);
    // The token as `signout` reads it: `Authorization` (any scheme), else the cookie.
    let token = auth::authorization_cred(headers).or_else(|| jar.get("token").cloned());
    let answer = app::signin::signout(ctx, token.as_deref()).await?;
    let mut cookies = vec![deleted_cookie("token"), deleted_cookie("owui-session"), deleted_cookie("oui-session"), deleted_cookie("oauth_id_token")];
    if jar.contains_key("oauth_session_id") {
        cookies.push(deleted_cookie("oauth_session_id"));
    }
    Ok(ok(answer, cookies))
}

/// `GET /api/v1/auths/`.
pub async fn session_user(rqctx: &Ctx) -> Result<OkWithHeaders<SessionUserInfoResponse>, Detail> {
    let session = auth::require_human(rqctx).await?;
    let ctx = rqctx.context();
    // The token as this route reads it: Authorization (any scheme), the cookie, the API-key header.
    let token = auth::request_token(rqctx.request.headers(), &ctx.config.api_key_header).unwrap_or_default();
    Ok(ok_with(ctx, app::account::session_user(ctx, session, &token).await?, vec![]))
}

pub async fn update_profile(rqctx: &Ctx, body: FastJson<UpdateProfileForm, AuthForm>) -> Result<OkWithHeaders<UserProfileImageResponse>, Detail> {
    let session = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    if !valid_image_url(&form.profile_image_url) {
        return Err(form_invalid());
    }
    if let Some(d) = &form.date_of_birth {
        if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
            return Err(form_invalid());
        }
    }
    Ok(ok(app::account::update_profile(rqctx.context(), &session, &form).await?, vec![]))
}

pub async fn update_timezone(rqctx: &Ctx, body: FastJson<UpdateTimezoneForm, AuthForm>) -> Result<OkWithHeaders<StatusResponse>, Detail> {
    let session = auth::current_user(rqctx).await?;
    let form = body.into_inner()?;
    Ok(ok(app::account::update_timezone(rqctx.context(), &session, &form.timezone).await?, vec![]))
}

pub async fn update_password(rqctx: &Ctx, body: FastJson<UpdatePasswordForm, AuthForm>) -> Result<OkWithHeaders<bool>, Detail> {
    let session = auth::current_user(rqctx).await?;
    let form = body.into_inner()?;
    Ok(ok(app::account::update_password(rqctx.context(), &session, &form).await?, vec![]))
}

pub async fn add_user(rqctx: &Ctx, body: FastJson<AddUserForm, AuthForm>) -> Result<OkWithHeaders<AddUserResponse>, Detail> {
    let _admin = auth::require_admin(rqctx).await?;
    let form = body.into_inner()?;
    super::limits::add_user(&form)?;
    if !image_url_acceptable(form.profile_image_url.as_deref()) {
        return Err(form_invalid());
    }
    Ok(ok(app::account::add_user(rqctx.context(), &form).await?, vec![]))
}

pub async fn admin_details(rqctx: &Ctx) -> Result<OkWithHeaders<AdminDetails>, Detail> {
    let _ = auth::current_user(rqctx).await?;
    Ok(ok(app::account::admin_details(rqctx.context()).await?, vec![]))
}
