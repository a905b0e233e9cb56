//! Accounts and sessions: the logic of the reference's `routers/auths.py` (sign-up, sign-in,
//! sign-out, the session user, profile and password, the admin's auth settings and API keys),
//! and what the LDAP and MFA flows share with it (issuing a session, creating an account).
//!
//! Cookies are described, not written: a function that signs in answers a [`TokenCookie`] with
//! its model, which the HTTP layer sets (`response.set_cookie('token', ...)` in the reference).

pub mod account;
pub mod admin_config;
pub mod api_keys;
pub mod oauth_config;
pub mod signin;

use serde_json::{json, Map, Value};
use webui_api::{MfaChallengeResponse, Pending, PendingUserResponse, SessionUserResponse, SigninResult};

use crate::app::mfa;
use crate::app::session::password::{self, HashAlgorithm};
use crate::app::session::{now, permissions, token};
use crate::context::ServerContext;
use crate::db::auths::{self as auths_db, NewAccount};
use crate::db::users::{self, UserRow};
use crate::db::groups;
use crate::error::{Error, Result};
use crate::messages;

/// A session token the answer sets as the `token` cookie: its lifetime (`Max-Age`) and, when
/// the reference sets one, its `expires` time (Unix seconds).
#[derive(Debug, Clone)]
pub struct TokenCookie {
    pub token: String,
    pub max_age: Option<i64>,
    pub expires: Option<i64>,
}

/// An answer and the session cookie it sets, if any.
#[derive(Debug, Clone)]
pub struct WithCookie<T> {
    pub answer: T,
    pub cookie: Option<TokenCookie>,
}

impl<T> WithCookie<T> {
    pub fn plain(answer: T) -> Self {
        WithCookie { answer, cookie: None }
    }
}

/// `PASSWORD_HASH_ALGORITHM`.
pub fn hash_algorithm(ctx: &ServerContext) -> HashAlgorithm {
    match ctx.config.env_str("PASSWORD_HASH_ALGORITHM").map(str::to_lowercase).as_deref() {
        Some("argon2") => HashAlgorithm::Argon2,
        _ => HashAlgorithm::Bcrypt,
    }
}

/// The reference's default pattern, used when `PASSWORD_VALIDATION_REGEX_PATTERN` is unset or
/// does not compile.
const DEFAULT_PASSWORD_PATTERN: &str = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^\w\s]).{8,}$";

/// The checks sign-up and admin add-user share, in the reference's order: email format, email
/// not taken, password rules. Returns the lowercased email.
async fn check_new_account(ctx: &ServerContext, email: &str, password: &str) -> Result<String> {
    let email = email.to_lowercase();
    if !valid_email(&email) {
        return Err(Error::bad_request(messages::INVALID_EMAIL_FORMAT));
    }
    if auths_db::is_email_taken(&ctx.db, &email).await? {
        return Err(Error::bad_request(messages::EMAIL_TAKEN));
    }
    check_new_password(ctx, password)?;
    Ok(email)
}

/// `validate_password` with the configured rules; the error is the 400 detail.
pub fn check_new_password(ctx: &ServerContext, pw: &str) -> Result<()> {
    let pattern = if ctx.config.env_bool("ENABLE_PASSWORD_VALIDATION", false) {
        let src = ctx.config.env_str("PASSWORD_VALIDATION_REGEX_PATTERN").unwrap_or(DEFAULT_PASSWORD_PATTERN);
        Some(fancy_regex::Regex::new(src).unwrap_or_else(|_| fancy_regex::Regex::new(DEFAULT_PASSWORD_PATTERN).expect("default pattern")))
    } else {
        None
    };
    let hint = ctx.config.env_str("PASSWORD_VALIDATION_HINT").unwrap_or("");
    password::validate_password(hash_algorithm(ctx), pw, pattern.as_ref(), hint).map_err(Error::bad_request)
}

/// `validate_email_format`: `@localhost`, or `re.match(r'[^@]+@[^@]+\.[^@]+')` (from the start,
/// not anchored at the end).
pub fn valid_email(email: &str) -> bool {
    if email.ends_with("@localhost") {
        return true;
    }
    let Some((local, rest)) = email.split_once('@') else { return false };
    let domain = rest.split('@').next().unwrap_or("");
    !local.is_empty() && domain.char_indices().any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len())
}

/// `validate_image_url` (profile images): empty, a few static paths, the profile-image route,
/// http(s) with a host, or a `data:image/{png,jpeg,gif,webp};base64,` URI.
pub fn valid_image_url(url: &str) -> bool {
    if url.is_empty() || ["/user.png", "/favicon.png", "/static/favicon.png"].contains(&url) {
        return true;
    }
    if let Some(rest) = url.strip_prefix("/api/v1/users/") {
        if let Some(id) = rest.strip_suffix("/profile/image") {
            if !id.is_empty() && !id.contains(['/', '?', '#']) {
                return true;
            }
        }
    }
    let lower = url.to_ascii_lowercase();
    for scheme in ["http://", "https://"] {
        if lower.starts_with(scheme) {
            let authority = url[scheme.len()..].split(['/', '?', '#']).next().unwrap_or("");
            let hostport = authority.rsplit('@').next().unwrap_or("");
            let host = if hostport.starts_with('[') {
                hostport.split(']').next().unwrap_or("").trim_start_matches('[')
            } else {
                hostport.split(':').next().unwrap_or("")
            };
            return !host.is_empty();
        }
    }
    for mime in ["gif", "jpeg", "png", "webp"] {
        if lower.starts_with(&format!("data:image/{mime};base64,")) {
            return true;
        }
    }
    false
}

/// `auth.jwt_expiry` in seconds (`None`: no expiry). An unparsable value is the reference's
/// `ValueError`, a 500.
fn jwt_expiry(ctx: &ServerContext) -> Result<Option<i64>> {
    ctx.settings().jwt_expiry.clone().map_err(Error::internal)
}

async fn user_permissions(ctx: &ServerContext, user_id: &str) -> Result<Map<String, Value>> {
    let defaults = Value::Object(ctx.settings().default_permissions.clone());
    match permissions::get_permissions(ctx, user_id, &defaults).await? {
        Value::Object(m) => Ok(m),
        _ => Ok(Map::new()),
    }
}

/// `create_signin_response`: a login's answer. With MFA on, a pending account answers
/// `{"next_step": "pending"}` and a login that needs the second factor its first step
/// (`mfa::start_login`); otherwise the session.
pub async fn signin_response(ctx: &ServerContext, user: &UserRow, source: &str) -> Result<WithCookie<SigninResult>> {
    let current = mfa::get_auth(ctx, &user.id).await?;
    signin_response_for(ctx, user, source, current, None).await
}

/// [`signin_response`] on the credential `current` just read with the user (and, when read
/// with them, the user's groups' permissions): no row is read again.
async fn signin_response_for(
    ctx: &ServerContext,
    user: &UserRow,
    source: &str,
    current: mfa::Auth,
    group_permissions: Option<&[Value]>,
) -> Result<WithCookie<SigninResult>> {
    let policy = mfa::policy(ctx);
    if policy.enable && user.role != "admin" && user.role != "user" {
        return Ok(WithCookie::plain(SigninResult::Pending(PendingUserResponse { next_step: Pending::Pending })));
    }
    if policy.required(source) {
        let step: MfaChallengeResponse = mfa::start_login(ctx, &current, source).await?;
        return Ok(WithCookie::plain(SigninResult::Challenge(step)));
    }
    let permissions = match group_permissions {
        Some(groups) => permissions::from_groups(ctx, groups),
        None => user_permissions(ctx, &user.id).await?,
    };
    // `current` was read in this request, with the user: `get_auth` would read it again.
    let s = session(ctx, user, source, &current.row, false, None, Some(permissions)).await?;
    Ok(WithCookie { answer: SigninResult::Session(s.answer), cookie: s.cookie })
}

/// `create_session_response`: a session token for `user` (issued on the credential snapshot
/// `auth` that authorized it; 409 when the account changed since) and its `token` cookie.
/// `preloaded`: the user's permissions, when `auth` was read in this same request with them
/// (a sign-in); the credential is then not read again. The token carries the credential's
/// session stamp either way: a change since (a new password, a revocation) replaces the stamp,
/// and the token is refused from then on.
pub async fn session(
    ctx: &ServerContext,
    user: &UserRow,
    source: &str,
    auth: &auths_db::AuthRow,
    mfa_verified: bool,
    auth_time: Option<i64>,
    preloaded: Option<Map<String, Value>>,
) -> Result<WithCookie<SessionUserResponse>> {
    let permissions = match preloaded {
        Some(p) => p,
        None => {
            let current = mfa::get_auth(ctx, &user.id).await?;
            if current.row.session_stamp != auth.session_stamp {
                return Err(Error::status(409, messages::AUTHENTICATION_CHANGED));
            }
            user_permissions(ctx, &user.id).await?
        }
    };
    if mfa::policy(ctx).required(source) && !mfa_verified {
        return Err(Error::unauthorized(messages::MFA_VERIFICATION_REQUIRED));
    }
    let expiry = jwt_expiry(ctx)?;
    let t = now();
    let mut claims = Map::new();
    claims.insert("id".into(), json!(user.id));
    claims.insert("typ".into(), json!("session"));
    claims.insert("auth_method".into(), json!(source));
    claims.insert("auth_time".into(), json!(auth_time.unwrap_or(t)));
    claims.insert("session_stamp".into(), json!(auth.session_stamp));
    claims.insert("mfa_verified".into(), json!(mfa_verified));
    let token = token::create_token(&ctx.config.secret_key, claims, expiry, t);
    let cookie = TokenCookie { token: token.clone(), max_age: expiry, expires: None };
    let answer = SessionUserResponse {
        id: user.id.clone(),
        name: user.name.clone(),
        role: user.role.clone(),
        email: user.email.clone(),
        profile_image_url: format!("/api/v1/users/{}/profile/image", user.id),
        token,
        token_type: "Bearer".into(),
        expires_at: expiry.map(|s| t + s),
        permissions: Some(permissions),
    };
    Ok(WithCookie { answer, cookie: Some(cookie) })
}

/// `Auths.authenticate_user`: the account when the password matches an active credential, read
/// in one statement with its groups' permissions. Unknown emails and inactive accounts verify a
/// placeholder hash, so every answer costs one bcrypt.
async fn authenticate(ctx: &ServerContext, email: &str, pw: &str) -> Result<Option<(UserRow, auths_db::AuthRow, Vec<Value>)>> {
    let rows = auths_db::signin_by_email(&ctx.db, email).await?;
    match rows {
        Some(auths_db::SigninRows { user, auth: Some(auth), group_permissions }) if auth.active => {
            let hash = auth.password.clone().unwrap_or_default();
            Ok(password::verify_password(pw.to_string(), hash).await.then_some((user, auth, group_permissions)))
        }
        _ => {
            password::verify_password(pw.to_string(), password::PLACEHOLDER_HASH.into()).await;
            Ok(None)
        }
    }
}

/// `Auths.authenticate_user_by_email`: the user of an active credential with that email.
pub async fn user_of_active_credential(ctx: &ServerContext, email: &str) -> Result<Option<UserRow>> {
    let client = ctx.db.get().await?;
    let user = users::user_by_email(&**client, email).await?;
    drop(client);
    let Some(user) = user else { return Ok(None) };
    let auth = auths_db::auth_by_id(&ctx.db, &user.id).await?;
    Ok(auth.filter(|a| a.active && a.email.as_deref() == Some(email)).map(|_| user))
}

/// Why creating an account failed: the database, or hashing the password.
enum CreateError {
    Db(crate::db::DbError),
    Hash(String),
}

impl From<crate::db::DbError> for CreateError {
    fn from(e: crate::db::DbError) -> Self {
        CreateError::Db(e)
    }
}

impl From<deadpool_postgres::PoolError> for CreateError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        CreateError::Db(e.into())
    }
}

impl From<CreateError> for Error {
    fn from(e: CreateError) -> Self {
        match e {
            CreateError::Db(e) => Error::Db(e),
            CreateError::Hash(e) => Error::internal(e),
        }
    }
}

impl std::fmt::Display for CreateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CreateError::Db(e) => e.fmt(f),
            CreateError::Hash(e) => f.write_str(e),
        }
    }
}

/// `signup_handler`: creates the account with the default role; the first account becomes admin
/// and turns sign-up off.
async fn create_account(
    ctx: &ServerContext,
    email: &str,
    pw: &str,
    name: &str,
    profile_image_url: &str,
) -> std::result::Result<UserRow, CreateError> {
    let hash = password::hash_password(hash_algorithm(ctx), pw.to_string()).await.map_err(CreateError::Hash)?;
    let settings = ctx.settings_many(&["ui.default_user_role", "ui.default_group_id"]);
    let role = match settings.get("ui.default_user_role") {
        Some(Value::String(s)) => s.clone(),
        _ => "pending".into(),
    };
    let image = if valid_image_url(profile_image_url) { profile_image_url } else { "/user.png" };
    let mut client = ctx.db.get().await?;
    let user = auths_db::insert_account(
        &mut client,
        &NewAccount { email: &email.to_lowercase(), password_hash: &hash, name, profile_image_url: image, role: &role },
        true,
        now(),
    )
    .await?;
    if let Some(Value::String(g)) = settings.get("ui.default_group_id") {
        if !g.is_empty() {
            let _ = groups::add_member(&**client, g, &user.id, now()).await;
        }
    }
    drop(client);
    if user.role == "admin" {
        // The first account closed sign-up (`ui.enable_signup`): this instance sees it at once.
        crate::settings::reload(ctx).await?;
    }
    Ok(user)
}

/// With MFA on, password attempts on an existing account count against its per-account limit
/// (10 per 15 minutes, stored on the account; `limit_account(id, 'password')`).
pub async fn limit_password_attempts(ctx: &ServerContext, email: &str) -> Result<()> {
    if !mfa::policy(ctx).enable {
        return Ok(());
    }
    let client = ctx.db.get().await?;
    let existing = users::user_by_email(&**client, email).await?;
    drop(client);
    if let Some(u) = existing {
        mfa::limit_account(ctx, &u.id, "password", None).await?;
    }
    Ok(())
}

/// A setting's value (`null` when unset).
pub fn setting(ctx: &ServerContext, key: &str) -> Value {
    ctx.setting(key).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_format() {
        for ok in ["a@b.c", "Admin@Example.com", "x@localhost", "a@b.c.d", "a b@c.d"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.c", "a@.c", "a@b."] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn image_urls() {
        for ok in ["", "/user.png", "/api/v1/users/abc/profile/image", "https://x.org/a.png", "HTTP://h", "data:image/png;base64,AAA"] {
            assert!(valid_image_url(ok), "{ok}");
        }
        for bad in ["javascript:alert(1)", "/etc/passwd", "http://", "data:image/svg+xml;base64,AA", "//host/x"] {
            assert!(!valid_image_url(bad), "{bad}");
        }
    }
}
