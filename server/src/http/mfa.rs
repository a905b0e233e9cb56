//! `/api/v1/auths/mfa`: authenticator (TOTP) enrolment, login verification and management.
//!
//! The router's headers, validation answer and address limit are `auths::guarded`'s. Challenge
//! tokens never authorize ordinary requests; the flows live in [`crate::app::mfa`].

use std::sync::Arc;

use dropshot::RequestContext;
use http::header::{HOST, ORIGIN};
use webui_api::*;

use super::auth;
use super::auths::{deleted_cookie_at, ok, ok_with};
use crate::app::mfa as flows;
use crate::context::ServerContext;
use crate::error::Error;
use crate::messages;

type Ctx = RequestContext<Arc<ServerContext>>;

/// The login-step cookie (set by OAuth logins) and the path it lives on.
const CHALLENGE_COOKIE: &str = "mfa_challenge";
const CHALLENGE_PATH: &str = "/api/v1/auths/mfa";

/// The `SecretStr` length bounds of the forms (`Field(min_length=..., max_length=...)`).
fn check_len(value: &str, min: usize, max: usize) -> Result<(), Detail> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(Detail::new(422, AUTH_FORM_INVALID));
    }
    Ok(())
}

/// `GET /mfa/status`: a human session's MFA state.
pub async fn status(rqctx: &Ctx) -> Result<OkWithHeaders<MfaStatusResponse>, Detail> {
    let s = auth::require_human(rqctx).await?;
    Ok(ok(flows::status(rqctx.context(), &s).await?, vec![]))
}

/// `POST /mfa/challenge`: the login step held in the `mfa_challenge` cookie, for the browser
/// that holds it (the `Origin` must be this server's, or `WEBUI_URL`'s).
pub async fn challenge(rqctx: &Ctx) -> Result<OkWithHeaders<MfaChallengeResponse>, Detail> {
    let ctx = rqctx.context();
    let headers = rqctx.request.headers();
    let configured = ctx
        .setting("webui.url")
        .and_then(|v| v.as_str().map(str::to_string))
        .filter(|s| !s.is_empty());
    let expected = match configured {
        Some(url) => url::Url::parse(&url).map(|u| u.origin().ascii_serialization()).unwrap_or_default(),
        None => {
            let host = headers.get(HOST).and_then(|h| h.to_str().ok()).map(str::to_string);
            format!("http://{}", host.unwrap_or_else(|| rqctx.server.local_addr.to_string()))
        }
    };
    if headers.get(ORIGIN).and_then(|o| o.to_str().ok()) != Some(expected.as_str()) {
        return Err(Error::forbidden(messages::INVALID_REQUEST_ORIGIN).into());
    }
    let token = auth::cookies(headers).remove(CHALLENGE_COOKIE).unwrap_or_default();
    let cleared = deleted_cookie_at(CHALLENGE_COOKIE, CHALLENGE_PATH);
    match flows::pending_challenge(ctx, token).await {
        Ok(c) => Ok(ok(c, vec![cleared])),
        Err(_) => Err(Detail::unauthorized(messages::MFA_STEP_EXPIRED).with_header(http::header::SET_COOKIE, cleared)),
    }
}

/// `POST /mfa/enroll/start`: the authenticator secret of an enrol or replace step.
pub async fn enroll_start(rqctx: &Ctx, body: FastJson<MfaChallengeForm, AuthForm>) -> Result<OkWithHeaders<MfaSetupResponse>, Detail> {
    let form = body.into_inner()?;
    check_len(&form.challenge_token, 20, 160)?;
    Ok(ok(flows::start_enrollment(rqctx.context(), &form.challenge_token).await?, vec![]))
}

/// `POST /mfa/enroll/confirm`: the first code of the new authenticator. A login enrolment
/// signs in (with the recovery codes) and clears the challenge cookie; a replacement answers
/// the new codes only.
pub async fn enroll_confirm(rqctx: &Ctx, body: FastJson<MfaVerifyForm, AuthForm>) -> Result<OkWithHeaders<MfaConfirmResult>, Detail> {
    let form = body.into_inner()?;
    check_len(&form.challenge_token, 20, 160)?;
    check_len(&form.code, 1, 128)?;
    let ctx = rqctx.context();
    let w = flows::enroll_confirm(ctx, &form.challenge_token, &form.code).await?;
    let cleared = match &w.answer {
        MfaConfirmResult::Enrolled(_) => vec![deleted_cookie_at(CHALLENGE_COOKIE, CHALLENGE_PATH)],
        MfaConfirmResult::Replaced(_) => vec![],
    };
    Ok(ok_with(ctx, w, cleared))
}

/// `POST /mfa/verify`: a login's TOTP or recovery code; the session.
pub async fn verify(rqctx: &Ctx, body: FastJson<MfaVerifyForm, AuthForm>) -> Result<OkWithHeaders<SessionUserResponse>, Detail> {
    let form = body.into_inner()?;
    check_len(&form.challenge_token, 20, 160)?;
    check_len(&form.code, 1, 128)?;
    let ctx = rqctx.context();
    let w = flows::verify_login(ctx, &form.challenge_token, &form.code, form.recovery).await?;
    Ok(ok_with(ctx, w, vec![deleted_cookie_at(CHALLENGE_COOKIE, CHALLENGE_PATH)]))
}

/// `POST /mfa/replace`: from a recent human session, a code starts replacing the authenticator.
pub async fn replace(rqctx: &Ctx, body: FastJson<MfaFactorForm, AuthForm>) -> Result<OkWithHeaders<MfaChallengeResponse>, Detail> {
    let s = auth::require_human(rqctx).await?;
    let form = body.into_inner()?;
    check_len(&form.code, 1, 128)?;
    let c = flows::start_replace(rqctx.context(), &s.user.id, &s.claims, &form.code, form.recovery).await?;
    Ok(ok(c, vec![]))
}

/// `POST /mfa/recovery/codes`: from a recent human session, a code renews the recovery codes.
pub async fn recovery_codes(rqctx: &Ctx, body: FastJson<MfaFactorForm, AuthForm>) -> Result<OkWithHeaders<MfaRecoveryCodesResponse>, Detail> {
    let s = auth::require_human(rqctx).await?;
    let form = body.into_inner()?;
    check_len(&form.code, 1, 128)?;
    let recovery_codes = flows::renew_codes(rqctx.context(), &s.user.id, &s.claims, &form.code, form.recovery).await?;
    Ok(ok(MfaRecoveryCodesResponse { recovery_codes }, vec![]))
}

/// `POST /mfa/recover`: an operator's reset token for a `recover` step; the new enrol step.
pub async fn recover(rqctx: &Ctx, body: FastJson<MfaRecoveryForm, AuthForm>) -> Result<OkWithHeaders<MfaChallengeResponse>, Detail> {
    let form = body.into_inner()?;
    check_len(&form.challenge_token, 20, 160)?;
    check_len(&form.reset_token, 20, 160)?;
    Ok(ok(flows::redeem_reset(rqctx.context(), &form.challenge_token, &form.reset_token).await?, vec![]))
}
