//! Authenticator (TOTP) state and short-lived login challenges, stored on the `auth` row's `mfa`
//! column exactly as the reference stores them (`open_webui.utils.mfa`), so that either backend
//! can finish a flow the other started on a shared database.
//!
//! Secrets are Fernet tokens under a key derived with HKDF-SHA256 from `WEBUI_SECRET_KEY` (or
//! `MFA_ENCRYPTION_KEY`); challenge tokens, recovery codes and reset tickets are stored as
//! SHA-256 hex digests only. Every write is a compare-and-swap on the state's `revision`.

mod secrets;
mod state;

pub use secrets::{cipher, current_code, token_hash};
pub use state::{Challenge, Limit, MfaData, ResetTicket, Slot};

use serde_json::Value;
use webui_api::{
    MfaChallengeResponse, MfaConfirmResult, MfaEnrollmentResponse, MfaRecoveryCodesResponse, MfaSetupResponse, MfaStatusResponse,
    NextStep, SessionUserResponse,
};

use secrets::{decrypt_secret, matching_step, random_base32, recovery_codes, same, setup_details, token_urlsafe};
use state::new_revision;
use crate::app::auths::WithCookie;
use crate::context::ServerContext;
use crate::db::auths::{self as auths_db, AuthRow};
use crate::db::users::{self, UserRow};
use crate::error::{Error, Result};
use crate::messages;

/// How long a login or replacement challenge lives.
pub const CHALLENGE_SECONDS: i64 = 300;
/// The window of the per-account attempt limits (10 per window).
const LIMIT_SECONDS: i64 = 900;
/// How long an operator's reset ticket lives.
const RESET_TICKET_SECONDS: i64 = 1800;

/// A credential row with its parsed MFA state (`None`: never touched).
#[derive(Debug, Clone)]
pub struct Auth {
    pub row: AuthRow,
    pub mfa: Option<MfaData>,
}

impl Auth {
    fn state(&self) -> MfaData {
        self.mfa.clone().unwrap_or_default()
    }
}

/// The MFA policy (`MfaConfigForm`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    pub enable: bool,
    pub allow_oauth_bypass: bool,
    pub allow_trusted_header_bypass: bool,
}

/// Setting keys of the policy (`MFA_CONFIG_KEYS`).
pub const POLICY_KEYS: [&str; 3] = ["auth.mfa.enable", "auth.mfa.allow_oauth_bypass", "auth.mfa.allow_trusted_header_bypass"];

impl Policy {
    /// `is_mfa_required`: whether a login by `auth_method` needs the second factor.
    pub fn required(&self, auth_method: &str) -> bool {
        if !self.enable {
            return false;
        }
        if auth_method == "oauth" && self.allow_oauth_bypass {
            return false;
        }
        !(auth_method == "trusted_header" && self.allow_trusted_header_bypass)
    }
}

/// `get_mfa_config`, from the settings snapshot.
pub fn policy(ctx: &ServerContext) -> Policy {
    ctx.settings().mfa
}

/// 503 `Authentication is temporarily unavailable.`
pub fn unavailable() -> Error {
    Error::status(503, messages::AUTH_UNAVAILABLE)
}

fn expired() -> Error {
    Error::unauthorized(messages::MFA_STEP_EXPIRED)
}

fn too_many(message: &'static str, retry_after: i64) -> Error {
    Error::TooManyRequests { message: message.into(), retry_after: Some(retry_after.max(0) as u64) }
}

use crate::app::session::now;


fn parse_state(value: Option<&Value>) -> Result<Option<MfaData>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|_| unavailable()),
    }
}

/// `get_auth`: the active credential row of `user_id` (401 otherwise, 503 on database errors).
pub async fn get_auth(ctx: &ServerContext, user_id: &str) -> Result<Auth> {
    let row = auths_db::auth_by_id(&ctx.db, user_id).await.map_err(|_| unavailable())?;
    Auth::from_row(row.ok_or_else(|| Error::unauthorized(messages::INVALID_AUTH_REQUEST))?)
}

impl Auth {
    /// `get_auth` on a row already read: an active credential with its parsed MFA state.
    pub fn from_row(row: AuthRow) -> Result<Auth> {
        if !row.active {
            return Err(Error::unauthorized(messages::INVALID_AUTH_REQUEST));
        }
        let mfa = parse_state(row.mfa.as_ref())?;
        Ok(Auth { row, mfa })
    }
}

/// `save_mfa`: writes `mfa` over the state `auth` was read with (409 when it changed since);
/// `revoke` also replaces the session stamp, ending every session of the account.
pub async fn save(ctx: &ServerContext, auth: &Auth, mfa: MfaData, revoke: bool) -> Result<Auth> {
    let expected = auth.mfa.as_ref().map(|m| m.revision.clone());
    let mfa = MfaData { revision: new_revision(), ..mfa };
    let stamp = if revoke { Some(uuid::Uuid::new_v4().to_string()) } else { auth.row.session_stamp.clone() };
    let json = serde_json::to_string(&mfa).map_err(|_| unavailable())?;
    let saved = auths_db::update_mfa(&ctx.db, &auth.row, expected.as_deref(), &json, stamp.as_deref())
        .await
        .map_err(|_| unavailable())?;
    if !saved {
        return Err(Error::status(409, messages::AUTH_CHANGED_IN_ANOTHER_REQUEST));
    }
    let mut row = auth.row.clone();
    row.session_stamp = stamp;
    row.mfa = serde_json::to_value(&mfa).ok();
    Ok(Auth { row, mfa: Some(mfa) })
}

/// Counts one attempt of `kind` in the window (`limits`), 429 after ten.
fn count_attempt(mfa: &mut MfaData, kind: &str) -> Result<()> {
    let t = now();
    let limit = mfa.limits.entry(kind.to_string()).or_insert(Limit { count: 0, expires_at: t + LIMIT_SECONDS });
    if limit.expires_at <= t {
        *limit = Limit { count: 0, expires_at: t + LIMIT_SECONDS };
    }
    if limit.count >= 10 {
        return Err(too_many(messages::TOO_MANY_ATTEMPTS, limit.expires_at - t));
    }
    limit.count += 1;
    Ok(())
}

/// `limit_account`: one attempt of `kind` (`password`, `factor`) on the account, stored. With
/// `expected_stamp`, the account's session stamp must still be that one.
pub async fn limit_account(
    ctx: &ServerContext,
    user_id: &str,
    kind: &str,
    expected_stamp: Option<Option<&str>>,
) -> Result<Auth> {
    for _ in 0..5 {
        let auth = get_auth(ctx, user_id).await?;
        if let Some(expected) = expected_stamp {
            if auth.row.session_stamp.as_deref() != expected {
                return Err(Error::unauthorized(messages::MFA_SESSION_EXPIRED));
            }
        }
        let mut mfa = auth.state();
        count_attempt(&mut mfa, kind)?;
        match save(ctx, &auth, mfa, false).await {
            Err(e) if e.http_status() == 409 => continue,
            other => return other,
        }
    }
    Err(Error::status(409, messages::AUTH_BUSY))
}

/// `GET /mfa/status`: the MFA state of a human session's account.
pub async fn status(ctx: &ServerContext, session: &crate::app::session::SessionUser) -> Result<MfaStatusResponse> {
    let a = get_auth(ctx, &session.user.id).await?;
    let method = session.claims.get("auth_method").and_then(Value::as_str).unwrap_or("");
    Ok(MfaStatusResponse {
        enabled: a.mfa.as_ref().is_some_and(|m| m.secret.as_deref().is_some_and(|s| !s.is_empty())),
        required: policy(ctx).required(method),
        recovery_codes_remaining: a.mfa.as_ref().map_or(0, |m| m.recovery_hashes.len() as i64),
    })
}

/// `new_challenge`: a token `<user id>.<random>` and the challenge that stores its digest.
fn new_challenge(auth: &Auth, kind: &str, auth_method: &str, auth_time: i64, oauth: (Option<String>, Option<String>)) -> (String, Challenge) {
    let token = format!("{}.{}", auth.row.id, token_urlsafe(32));
    let challenge = Challenge {
        token_hash: token_hash(&token),
        kind: kind.into(),
        expires_at: now() + CHALLENGE_SECONDS,
        attempts: 0,
        auth_method: auth_method.into(),
        auth_time,
        session_stamp: auth.row.session_stamp.clone(),
        secret: None,
        oauth_session_id: oauth.0,
        provider: oauth.1,
    };
    (token, challenge)
}

/// `challenge_response`.
pub fn challenge_response(token: String, c: &Challenge) -> MfaChallengeResponse {
    MfaChallengeResponse {
        next_step: match c.kind.as_str() {
            "verify" => NextStep::Verify,
            "recover" => NextStep::Recover,
            _ => NextStep::Enroll,
        },
        challenge_token: token,
        expires_in: (c.expires_at - now()).max(0),
    }
}

/// `start_mfa_login`: the login's next step (recover, verify or enroll) and its token.
pub async fn start_login(ctx: &ServerContext, auth: &Auth, auth_method: &str) -> Result<MfaChallengeResponse> {
    let mut mfa = auth.state();
    let kind = if mfa.reset_required {
        "recover"
    } else if mfa.secret.is_some() {
        "verify"
    } else {
        "enroll"
    };
    let (token, challenge) = new_challenge(auth, kind, auth_method, now(), (None, None));
    mfa.login_challenge = Some(challenge.clone());
    save(ctx, auth, mfa, false).await?;
    Ok(challenge_response(token, &challenge))
}

/// A challenge found by its token, with its account.
pub struct Loaded {
    pub user: UserRow,
    pub auth: Auth,
    pub mfa: MfaData,
    pub challenge: Challenge,
    pub slot: Slot,
}

/// `load_challenge`: the live challenge of one of `kinds` that `token` opens. With `attempt`,
/// one code attempt is counted first (5 per challenge, 10 per window per account).
pub async fn load_challenge(ctx: &ServerContext, token: &str, kinds: &[&str], attempt: bool) -> Result<Loaded> {
    let Some((user_id, _)) = token.split_once('.') else { return Err(expired()) };
    // (A NUL cannot be in an id, and PostgreSQL refuses it in a query: no 5xx for it.)
    if user_id.chars().count() > 64 || user_id.contains('\0') {
        return Err(expired());
    }
    let digest = token_hash(token);
    let mut auth = get_auth(ctx, user_id).await?;
    for _ in 0..5 {
        let mut mfa = auth.state();
        let mut slot = if kinds == ["replace"] { Slot::Manage } else { Slot::Login };
        if kinds.contains(&"replace") && mfa.manage_challenge.as_ref().is_some_and(|c| same(&c.token_hash, &digest)) {
            slot = Slot::Manage;
        }
        let t = now();
        let challenge = match mfa.slot_mut(slot).clone() {
            Some(c)
                if kinds.contains(&c.kind.as_str())
                    && c.expires_at > t
                    && c.session_stamp == auth.row.session_stamp
                    && same(&c.token_hash, &digest) =>
            {
                c
            }
            _ => return Err(expired()),
        };
        let client = ctx.db.get().await.map_err(|_| unavailable())?;
        let user = users::user_by_id(&**client, user_id).await.map_err(|_| unavailable())?;
        drop(client);
        let user = match user {
            Some(u) if u.role == "admin" || u.role == "user" => u,
            _ => return Err(Error::forbidden(messages::ACCOUNT_AWAITING_APPROVAL)),
        };
        if !policy(ctx).enable {
            return Err(Error::forbidden(messages::MFA_DISABLED_SIGN_IN_AGAIN));
        }
        if !attempt {
            return Ok(Loaded { user, auth, mfa, challenge, slot });
        }
        if challenge.attempts >= 5 {
            return Err(too_many(messages::TOO_MANY_CODES, (challenge.expires_at - t).max(1)));
        }
        count_attempt(&mut mfa, "factor")?;
        let mut challenge = challenge;
        challenge.attempts += 1;
        *mfa.slot_mut(slot) = Some(challenge.clone());
        match save(ctx, &auth, mfa, false).await {
            Ok(updated) => {
                let mfa = updated.state();
                return Ok(Loaded { user, auth: updated, mfa, challenge, slot });
            }
            Err(e) if e.http_status() == 409 => auth = get_auth(ctx, user_id).await?,
            Err(e) => return Err(e),
        }
    }
    Err(Error::status(409, messages::AUTH_BUSY))
}


/// `start_mfa_enrollment`: the secret of an enrol (or replace) challenge, made on first call.
pub async fn start_enrollment(ctx: &ServerContext, token: &str) -> Result<MfaSetupResponse> {
    let Loaded { user, auth, mut mfa, mut challenge, slot } = load_challenge(ctx, token, &["enroll", "replace"], false).await?;
    let secret = match &challenge.secret {
        Some(s) => decrypt_secret(ctx, s)?,
        None => {
            let secret = random_base32();
            let f = cipher(ctx).map_err(|_| Error::status(503, messages::MFA_CONFIG_UNAVAILABLE))?;
            challenge.secret = Some(f.encrypt(secret.as_bytes()));
            *mfa.slot_mut(slot) = Some(challenge);
            save(ctx, &auth, mfa, false).await?;
            secret
        }
    };
    let email = user.email.clone();
    tokio::task::spawn_blocking(move || setup_details(&secret, &email)).await.map_err(|_| unavailable())
}

/// `consume_factor`: a recovery code (used up) or a TOTP code newer than the last one used.
fn consume_factor(ctx: &ServerContext, mfa: &mut MfaData, code: &str, recovery: bool) -> Result<()> {
    if recovery {
        let digest = token_hash(&code.trim().to_lowercase());
        if let Some(i) = mfa.recovery_hashes.iter().position(|h| *h == digest) {
            mfa.recovery_hashes.remove(i);
            return Ok(());
        }
    } else if let Some(secret) = mfa.secret.clone() {
        if let Some(step) = matching_step(&decrypt_secret(ctx, &secret)?, code.trim(), mfa.last_step) {
            mfa.last_step = step;
            return Ok(());
        }
    }
    Err(Error::unauthorized(messages::INVALID_OR_USED_CODE))
}

/// What confirming an enrolment yields.
pub struct Enrolled {
    pub user: UserRow,
    pub auth: Auth,
    pub challenge: Challenge,
    pub codes: Vec<String>,
}

/// `confirm_mfa_enrollment`: the first code proves the new secret; it becomes the account's,
/// with fresh recovery codes, and every other session ends.
pub async fn confirm_enrollment(ctx: &ServerContext, token: &str, code: &str) -> Result<Enrolled> {
    let Loaded { user, auth, mut mfa, challenge, .. } = load_challenge(ctx, token, &["enroll", "replace"], true).await?;
    let step = match &challenge.secret {
        Some(s) => matching_step(&decrypt_secret(ctx, s)?, code.trim(), -1),
        None => None,
    };
    let Some(step) = step else {
        return Err(Error::unauthorized(messages::INVALID_ENROLLMENT_CODE));
    };
    let (codes, hashes) = recovery_codes();
    mfa.secret = challenge.secret.clone();
    mfa.last_step = step;
    mfa.recovery_hashes = hashes;
    mfa.login_challenge = None;
    mfa.manage_challenge = None;
    mfa.reset_ticket = None;
    mfa.reset_required = false;
    let auth = save(ctx, &auth, mfa, true).await?;
    Ok(Enrolled { user, auth, challenge, codes })
}

/// `verify_mfa_challenge`: a login's second factor; the challenge is used up.
pub async fn verify(ctx: &ServerContext, token: &str, code: &str, recovery: bool) -> Result<(UserRow, Auth, Challenge)> {
    let Loaded { user, auth, mut mfa, challenge, .. } = load_challenge(ctx, token, &["verify"], true).await?;
    consume_factor(ctx, &mut mfa, code, recovery)?;
    mfa.login_challenge = None;
    let auth = save(ctx, &auth, mfa, false).await?;
    Ok((user, auth, challenge))
}

/// `manage_mfa`'s common part: from a recent human session (5 minutes) with MFA on, one counted
/// code (TOTP or recovery) of the account; the state with that code used.
async fn authorize_manage(
    ctx: &ServerContext,
    user_id: &str,
    claims: &serde_json::Map<String, Value>,
    code: &str,
    recovery: bool,
) -> Result<(Auth, MfaData)> {
    let auth_time = claims.get("auth_time").and_then(Value::as_i64).unwrap_or(0);
    if now() - auth_time > CHALLENGE_SECONDS {
        return Err(Error::forbidden(messages::REAUTHENTICATION_REQUIRED));
    }
    if !policy(ctx).enable {
        return Err(Error::forbidden(messages::MFA_DISABLED));
    }
    let stamp = claims.get("session_stamp").and_then(Value::as_str);
    let auth = limit_account(ctx, user_id, "factor", Some(stamp)).await?;
    let mut mfa = auth.state();
    consume_factor(ctx, &mut mfa, code, recovery)?;
    Ok((auth, mfa))
}

/// `manage_mfa(replace=True)`: a code starts replacing the authenticator (a `replace` step,
/// answered as `enroll`).
pub async fn start_replace(
    ctx: &ServerContext,
    user_id: &str,
    claims: &serde_json::Map<String, Value>,
    code: &str,
    recovery: bool,
) -> Result<MfaChallengeResponse> {
    let (auth, mut mfa) = authorize_manage(ctx, user_id, claims, code, recovery).await?;
    let method = claims.get("auth_method").and_then(Value::as_str).unwrap_or("");
    let auth_time = claims.get("auth_time").and_then(Value::as_i64).unwrap_or(0);
    let (token, challenge) = new_challenge(&auth, "replace", method, auth_time, (None, None));
    mfa.manage_challenge = Some(challenge.clone());
    save(ctx, &auth, mfa, false).await?;
    Ok(challenge_response(token, &challenge))
}

/// `manage_mfa(replace=False)`: a code renews the recovery codes; every session ends.
pub async fn renew_codes(
    ctx: &ServerContext,
    user_id: &str,
    claims: &serde_json::Map<String, Value>,
    code: &str,
    recovery: bool,
) -> Result<Vec<String>> {
    let (auth, mut mfa) = authorize_manage(ctx, user_id, claims, code, recovery).await?;
    let (codes, hashes) = recovery_codes();
    mfa.recovery_hashes = hashes;
    mfa.login_challenge = None;
    mfa.manage_challenge = None;
    mfa.reset_ticket = None;
    save(ctx, &auth, mfa, true).await?;
    Ok(codes)
}

/// `redeem_mfa_reset_token`: an operator's reset ticket turns a `recover` step into a new
/// enrolment.
pub async fn redeem_reset(ctx: &ServerContext, token: &str, reset_token: &str) -> Result<MfaChallengeResponse> {
    let Loaded { auth, mut mfa, challenge, .. } = load_challenge(ctx, token, &["recover"], true).await?;
    let valid = mfa.reset_required
        && mfa.reset_ticket.as_ref().is_some_and(|t| t.expires_at > now() && same(&t.token_hash, &token_hash(reset_token)));
    if !valid {
        return Err(Error::unauthorized(messages::INVALID_RESET_TOKEN));
    }
    let (new_token, enroll) = new_challenge(
        &auth,
        "enroll",
        &challenge.auth_method,
        challenge.auth_time,
        (challenge.oauth_session_id.clone(), challenge.provider.clone()),
    );
    mfa.reset_ticket = None;
    mfa.login_challenge = Some(enroll.clone());
    save(ctx, &auth, mfa, false).await?;
    Ok(challenge_response(new_token, &enroll))
}

/// `reset_mfa` (the operator's `mfa reset EMAIL --reason R`): clears the authenticator and
/// returns a one-time ticket (30 minutes) with which the user enrols again.
pub async fn reset(ctx: &ServerContext, email: &str, reason: &str) -> Result<String, String> {
    let client = ctx.db.get().await.map_err(|e| e.to_string())?;
    let user = users::user_by_email(&**client, &email.trim().to_lowercase()).await.map_err(|e| e.to_string())?;
    drop(client);
    let user = user.ok_or("User not found.")?;
    if reason.trim().is_empty() {
        return Err("A nonempty reason is required.".into());
    }
    let auth = get_auth(ctx, &user.id).await.map_err(|e| e.to_string())?;
    let mut mfa = auth.state();
    let ticket = token_urlsafe(32);
    mfa.secret = None;
    mfa.last_step = -1;
    mfa.recovery_hashes = vec![];
    mfa.login_challenge = None;
    mfa.manage_challenge = None;
    mfa.reset_required = true;
    mfa.reset_ticket = Some(ResetTicket { token_hash: token_hash(&ticket), expires_at: now() + RESET_TICKET_SECONDS });
    save(ctx, &auth, mfa, true).await.map_err(|e| e.to_string())?;
    Ok(ticket)
}

/// `validate_mfa_configuration` for a policy about to apply: MFA needs authentication, persistent
/// settings, a usable key, and every stored secret must open with it.
pub async fn validate(ctx: &ServerContext, policy: Policy) -> Result<(), String> {
    if !policy.enable {
        return Ok(());
    }
    if !ctx.config.webui_auth || !ctx.config.enable_persistent_config {
        return Err("MFA requires authentication and persistent configuration.".into());
    }
    let f = cipher(ctx)?;
    for text in auths_db::mfa_states(&ctx.db).await.map_err(|e| e.to_string())? {
        let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        if let Some(state) = parse_state(Some(&value)).map_err(|e| e.to_string())? {
            if let Some(secret) = state.secret {
                if f.decrypt(&secret).is_err() {
                    return Err("Stored MFA secrets cannot be decrypted. Restore the WEBUI_SECRET_KEY or MFA_ENCRYPTION_KEY they were encrypted with.".into());
                }
            }
        }
    }
    Ok(())
}

/// `POST /mfa/challenge`: the login step a challenge token (the `mfa_challenge` cookie) holds.
pub async fn pending_challenge(ctx: &ServerContext, token: String) -> Result<MfaChallengeResponse> {
    let l = load_challenge(ctx, &token, &["enroll", "verify", "recover"], false).await?;
    Ok(challenge_response(token, &l.challenge))
}

/// `POST /mfa/enroll/confirm`: the first code of the new authenticator. A login enrolment
/// signs in (with the recovery codes); a replacement answers the new codes only.
pub async fn enroll_confirm(ctx: &ServerContext, token: &str, code: &str) -> Result<WithCookie<MfaConfirmResult>> {
    let e = confirm_enrollment(ctx, token, code).await?;
    if e.challenge.kind == "replace" {
        return Ok(WithCookie::plain(MfaConfirmResult::Replaced(MfaRecoveryCodesResponse { recovery_codes: e.codes })));
    }
    let s = finish_login(ctx, &e.user, &e.auth, &e.challenge).await?;
    let answer = MfaConfirmResult::Enrolled(MfaEnrollmentResponse { session: s.answer, recovery_codes: e.codes });
    Ok(WithCookie { answer, cookie: s.cookie })
}

/// `POST /mfa/verify`: a login's TOTP or recovery code; the session.
pub async fn verify_login(ctx: &ServerContext, token: &str, code: &str, recovery: bool) -> Result<WithCookie<SessionUserResponse>> {
    let (user, auth, challenge) = verify(ctx, token, code, recovery).await?;
    finish_login(ctx, &user, &auth, &challenge).await
}

/// `finish_login`: the MFA-verified session of a completed login step.
async fn finish_login(ctx: &ServerContext, user: &UserRow, auth: &Auth, challenge: &Challenge) -> Result<WithCookie<SessionUserResponse>> {
    crate::app::auths::session(ctx, user, &challenge.auth_method, &auth.row, true, Some(challenge.auth_time), None).await
}
