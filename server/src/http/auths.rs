//! `/api/v1/auths`: sign-up, sign-in, sign-out, the session user, profile and password, the
//! admin's auth settings and API keys (the reference's `routers/auths.py`).
//!
//! Every success answer of this router carries `Cache-Control: no-store`, as the reference's
//! `MfaRoute` adds it.

use std::sync::Arc;

use dropshot::{HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::header::{CACHE_CONTROL, SET_COOKIE};
use http::HeaderValue;
use serde_json::{json, Map, Value};
use webui_api::*;

use super::auth::password::{self, HashAlgorithm};
use super::auth::{self, now, permissions, token, SessionUser};
use crate::changelog::markdown::py_strip;
use crate::context::ServerContext;
use crate::mfa;
use crate::db::auths::{self as auths_db, NewAccount};
use crate::db::users::{self, UserRow};
use crate::db::{groups, DbError};

type Ctx = RequestContext<Arc<ServerContext>>;

pub const INVALID_CRED: &str = "The email or password provided is incorrect. Please check for typos and try logging in again.";
pub const EMAIL_TAKEN: &str =
    "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.";
pub const INVALID_EMAIL_FORMAT: &str = "The email format you entered is invalid. Please double-check and make sure you're using a valid email address (e.g., yourname@example.com).";
pub const ACTION_PROHIBITED: &str = "The requested action has been restricted as a security measure.";
pub const INCORRECT_PASSWORD: &str = "The password provided is incorrect. Please check for typos and try again.";
pub const RATE_LIMIT_EXCEEDED: &str = "API rate limit exceeded";
pub const INVALID_TRUSTED_HEADER: &str =
    "Your provider has not provided a trusted header. Please contact your administrator for assistance.";
pub const EXISTING_USERS: &str = "You can't turn off authentication because there are existing users. If you want to disable WEBUI_AUTH, make sure your web interface doesn't have any existing users and is a fresh installation.";
pub const API_KEY_CREATION_NOT_ALLOWED: &str = "API key creation is not allowed in the environment.";
pub const API_KEY_NOT_FOUND: &str = "Oops! It looks like there's a hiccup. The API key is missing. Please make sure to provide a valid API key to access this feature.";
pub const DEFAULT_ERROR: &str = "Something went wrong :/";

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

pub(super) use super::db_err;

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
            static LIMITER: std::sync::OnceLock<auth::RateLimiter> = std::sync::OnceLock::new();
            let ip = rqctx.request.remote_addr().ip().to_string();
            let key = format!("mfa:ip:{}", mfa::token_hash(&ip));
            if LIMITER.get_or_init(|| auth::RateLimiter::new(100, 900)).is_limited(&key, now()) {
                return Err(Detail::new(429, "Too many attempts. Please try again later.").with_header(http::header::RETRY_AFTER, "900"));
            }
        }
        if let Some(e) = early {
            return Err(e);
        }
        handler.await
    }
    .await;
    Ok(Answer::from_result(result, &[(CACHE_CONTROL, "no-store")]))
}

/// `PASSWORD_HASH_ALGORITHM`.
pub(crate) fn hash_algorithm(ctx: &ServerContext) -> HashAlgorithm {
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
async fn check_new_account(ctx: &ServerContext, email: &str, password: &str) -> Result<String, Detail> {
    let email = email.to_lowercase();
    if !valid_email(&email) {
        return Err(Detail::bad_request(INVALID_EMAIL_FORMAT));
    }
    let client = ctx.db.get().await.map_err(db_err)?;
    if auths_db::is_email_taken(&**client, &email).await.map_err(db_err)? {
        return Err(Detail::bad_request(EMAIL_TAKEN));
    }
    drop(client);
    check_new_password(ctx, password)?;
    Ok(email)
}

/// `validate_password` with the configured rules; the error is the 400 detail.
pub(crate) fn check_new_password(ctx: &ServerContext, pw: &str) -> Result<(), Detail> {
    let pattern = if ctx.config.env_bool("ENABLE_PASSWORD_VALIDATION", false) {
        let src = ctx.config.env_str("PASSWORD_VALIDATION_REGEX_PATTERN").unwrap_or(DEFAULT_PASSWORD_PATTERN);
        Some(fancy_regex::Regex::new(src).unwrap_or_else(|_| fancy_regex::Regex::new(DEFAULT_PASSWORD_PATTERN).expect("default pattern")))
    } else {
        None
    };
    let hint = ctx.config.env_str("PASSWORD_VALIDATION_HINT").unwrap_or("");
    password::validate_password(hash_algorithm(ctx), pw, pattern.as_ref(), hint).map_err(Detail::bad_request)
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

/// Sets the cookie attributes Starlette writes for `set_cookie('token', ...)`.
fn token_cookie(ctx: &ServerContext, value: &str, max_age: Option<i64>, expires: Option<i64>) -> String {
    let mut c = format!("token={value}");
    if let Some(exp) = expires {
        c.push_str(&format!("; expires={}", http_date(exp)));
    }
    c.push_str("; HttpOnly");
    if let Some(m) = max_age {
        c.push_str(&format!("; Max-Age={m}"));
    }
    c.push_str("; Path=/");
    c.push_str(&format!("; SameSite={}", cookie_same_site(ctx)));
    if cookie_secure(ctx) {
        c.push_str("; Secure");
    }
    c
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

/// `auth.jwt_expiry` in seconds (`None`: no expiry). An unparsable value is the reference's
/// `ValueError`, a 500.
fn jwt_expiry(ctx: &ServerContext) -> Result<Option<i64>, Detail> {
    ctx.settings().jwt_expiry.clone().map_err(Detail::internal)
}

async fn user_permissions(ctx: &ServerContext, user_id: &str) -> Result<Map<String, Value>, Detail> {
    let defaults = Value::Object(ctx.settings().default_permissions.clone());
    match permissions::get_permissions(ctx, user_id, &defaults).await.map_err(db_err)? {
        Value::Object(m) => Ok(m),
        _ => Ok(Map::new()),
    }
}

/// `create_signin_response`: a login's answer. With MFA on, a pending account answers
/// `{"next_step": "pending"}` and a login that needs the second factor its first step
/// (`mfa::start_login`); otherwise the session.
pub(super) async fn signin_response(
    ctx: &ServerContext,
    user: &UserRow,
    source: &str,
) -> Result<OkWithHeaders<SigninResult>, Detail> {
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
) -> Result<OkWithHeaders<SigninResult>, Detail> {
    let policy = mfa::policy(ctx);
    if policy.enable && user.role != "admin" && user.role != "user" {
        return Ok(ok(SigninResult::Pending(PendingUserResponse { next_step: Pending::Pending }), vec![]));
    }
    if policy.required(source) {
        return Ok(ok(SigninResult::Challenge(mfa::start_login(ctx, &current, source).await?), vec![]));
    }
    let permissions = match group_permissions {
        Some(groups) => permissions::from_groups(ctx, groups),
        None => user_permissions(ctx, &user.id).await?,
    };
    // `current` was read in this request, with the user: `get_auth` would read it again.
    let (body, cookie) = session(ctx, user, source, &current.row, false, None, Some(permissions)).await?;
    Ok(ok(SigninResult::Session(body), vec![cookie]))
}

/// `create_session_response`: a session token for `user` (issued on the credential snapshot
/// `auth` that authorized it; 409 when the account changed since) and its `token` cookie.
/// `preloaded`: the user's permissions, when `auth` was read in this same request with them
/// (a sign-in); the credential is then not read again. The token carries the credential's
/// session stamp either way: a change since (a new password, a revocation) replaces the stamp,
/// and the token is refused from then on.
pub(super) async fn session(
    ctx: &ServerContext,
    user: &UserRow,
    source: &str,
    auth: &auths_db::AuthRow,
    mfa_verified: bool,
    auth_time: Option<i64>,
    preloaded: Option<Map<String, Value>>,
) -> Result<(SessionUserResponse, String), Detail> {
    let permissions = match preloaded {
        Some(p) => p,
        None => {
            let current = mfa::get_auth(ctx, &user.id).await?;
            if current.row.session_stamp != auth.session_stamp {
                return Err(Detail::new(409, "Authentication changed. Please sign in again."));
            }
            user_permissions(ctx, &user.id).await?
        }
    };
    if mfa::policy(ctx).required(source) && !mfa_verified {
        return Err(Detail::unauthorized("Authenticator verification is required."));
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
    let cookie = token_cookie(ctx, &token, expiry, None);
    let body = SessionUserResponse {
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
    Ok((body, cookie))
}

/// `Auths.authenticate_user`: the account when the password matches an active credential, read
/// in one statement with its groups' permissions. Unknown emails and inactive accounts verify a
/// placeholder hash, so every answer costs one bcrypt.
async fn authenticate(ctx: &ServerContext, email: &str, pw: &str) -> Result<Option<(UserRow, auths_db::AuthRow, Vec<Value>)>, Detail> {
    let client = ctx.db.get().await.map_err(db_err)?;
    let rows = auths_db::signin_by_email(&**client, email).await.map_err(db_err)?;
    drop(client);
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
pub(super) async fn user_of_active_credential(ctx: &ServerContext, email: &str) -> Result<Option<UserRow>, Detail> {
    let client = ctx.db.get().await.map_err(db_err)?;
    let user = users::user_by_email(&**client, email).await.map_err(db_err)?;
    let Some(user) = user else { return Ok(None) };
    let auth = auths_db::auth_by_id(&**client, &user.id).await.map_err(db_err)?;
    Ok(auth.filter(|a| a.active && a.email.as_deref() == Some(email)).map(|_| user))
}

/// `signup_handler`: creates the account with the default role; the first account becomes admin
/// and turns sign-up off.
async fn create_account(
    ctx: &ServerContext,
    email: &str,
    pw: &str,
    name: &str,
    profile_image_url: &str,
) -> Result<UserRow, DbOrDetail> {
    let hash = password::hash_password(hash_algorithm(ctx), pw.to_string()).await.map_err(DbOrDetail::Other)?;
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

enum DbOrDetail {
    Db(DbError),
    Other(String),
}

impl From<DbError> for DbOrDetail {
    fn from(e: DbError) -> Self {
        DbOrDetail::Db(e)
    }
}

impl From<deadpool_postgres::PoolError> for DbOrDetail {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        DbOrDetail::Db(e.into())
    }
}

pub(super) async fn setting(ctx: &ServerContext, key: &str) -> Result<Value, Detail> {
    Ok(ctx.setting(key).unwrap_or(Value::Null))
}

pub async fn signup(rqctx: &Ctx, form: SignupForm) -> Result<OkWithHeaders<SigninResult>, Detail> {
    let ctx = rqctx.context();
    if form.profile_image_url.as_deref().is_some_and(|u| !valid_image_url(u)) {
        return Err(Detail::new(422, AUTH_FORM_INVALID));
    }
    let client = ctx.db.get().await.map_err(db_err)?;
    let has_users = users::has_users(&**client).await.map_err(db_err)?;
    drop(client);
    if ctx.config.webui_auth {
        if has_users {
            if !auth::truthy(Some(&setting(ctx, "ui.enable_signup").await?))
                || !auth::truthy(Some(&setting(ctx, "ui.enable_login_form").await?))
            {
                return Err(Detail::forbidden(auth::ACCESS_PROHIBITED));
            }
        } else if !auth::truthy(Some(&setting(ctx, "ui.enable_login_form").await?))
            && !ctx.config.env_bool("ENABLE_INITIAL_ADMIN_SIGNUP", false)
        {
            return Err(Detail::forbidden(auth::ACCESS_PROHIBITED));
        }
    } else if has_users {
        return Err(Detail::forbidden(auth::ACCESS_PROHIBITED));
    }
    let email = check_new_account(ctx, &form.email, &form.password).await?;
    let image = form.profile_image_url.clone().unwrap_or_else(|| "/user.png".into());
    let internal = |e: String| {
        slog::error!(rqctx.log, "signup failed"; "error" => e);
        Detail::new(500, "An internal error occurred during signup.")
    };
    let user = match create_account(ctx, &email, &form.password, &form.name, &image).await {
        Ok(u) => u,
        Err(DbOrDetail::Db(e)) => return Err(internal(e.to_string())),
        Err(DbOrDetail::Other(e)) => return Err(internal(e)),
    };
    signin_response(ctx, &user, "password").await
}

pub async fn signin(rqctx: &Ctx, form: SigninForm) -> Result<OkWithHeaders<SigninResult>, Detail> {
    let ctx = rqctx.context();
    if !ctx.config.env_bool("ENABLE_PASSWORD_AUTH", true) {
        return Err(Detail::forbidden(ACTION_PROHIBITED));
    }
    let mut source = "password";
    let user;
    if let Some(h) = ctx.config.trusted_email_header.clone().filter(|h| !h.is_empty()) {
        source = "trusted_header";
        let headers = rqctx.request.headers();
        let Some(email) = headers.get(h.as_str()).map(|v| latin1(v.as_bytes()).to_lowercase()) else {
            return Err(Detail::bad_request(INVALID_TRUSTED_HEADER));
        };
        let mut name = email.clone();
        if let Some(nh) = ctx.config.env_str("WEBUI_AUTH_TRUSTED_NAME_HEADER").filter(|s| !s.is_empty()) {
            if let Some(v) = headers.get(nh) {
                name = latin1(v.as_bytes());
            }
            name = percent_decode(&name);
        }
        let client = ctx.db.get().await.map_err(db_err)?;
        let exists = users::user_by_email(&**client, &email).await.map_err(db_err)?.is_some();
        drop(client);
        if !exists {
            let pw = uuid::Uuid::new_v4().to_string();
            if let Err(e) = create_account(ctx, &email, &pw, &name, "/user.png").await {
                let client = ctx.db.get().await.map_err(db_err)?;
                if users::user_by_email(&**client, &email).await.map_err(db_err)?.is_none() {
                    return Err(match e {
                        DbOrDetail::Db(e) => db_err(e),
                        DbOrDetail::Other(e) => Detail::internal(e),
                    });
                }
            }
        }
        user = match user_of_active_credential(ctx, &email).await? {
            Some(u) => Some(trusted_header_sync(ctx, headers, u).await?),
            None => None,
        };
    } else if !ctx.config.webui_auth {
        source = "system";
        let admin_email = "admin@localhost";
        let client = ctx.db.get().await.map_err(db_err)?;
        let exists = users::user_by_email(&**client, admin_email).await.map_err(db_err)?.is_some();
        let has_users = users::has_users(&**client).await.map_err(db_err)?;
        drop(client);
        if !exists {
            if has_users {
                return Err(Detail::bad_request(EXISTING_USERS));
            }
            if let Err(e) = create_account(ctx, admin_email, "admin", "User", "/user.png").await {
                return Err(match e {
                    DbOrDetail::Db(e) => db_err(e),
                    DbOrDetail::Other(e) => Detail::internal(e),
                });
            }
        }
        user = authenticate(ctx, admin_email, "admin").await?.map(|(u, _, _)| u);
    } else {
        let email = form.email.to_lowercase();
        if auth::signin_limiter().is_limited(&email, now()) {
            return Err(Detail::new(429, RATE_LIMIT_EXCEEDED));
        }
        limit_password_attempts(ctx, &email).await?;
        return match authenticate(ctx, &email, &form.password).await? {
            // `authenticate` read the active credential that `get_auth` would read again.
            Some((user, auth, groups)) => signin_response_for(ctx, &user, source, mfa::Auth::from_row(auth)?, Some(&groups)).await,
            None => Err(Detail::bad_request(INVALID_CRED)),
        };
    }
    match user {
        Some(u) => signin_response(ctx, &u, source).await,
        None => Err(Detail::bad_request(INVALID_CRED)),
    }
}

/// With MFA on, password attempts on an existing account count against its per-account limit
/// (10 per 15 minutes, stored on the account; `limit_account(id, 'password')`).
pub(super) async fn limit_password_attempts(ctx: &ServerContext, email: &str) -> Result<(), Detail> {
    if !mfa::policy(ctx).enable {
        return Ok(());
    }
    let client = ctx.db.get().await.map_err(db_err)?;
    let existing = users::user_by_email(&**client, email).await.map_err(db_err)?;
    drop(client);
    if let Some(u) = existing {
        mfa::limit_account(ctx, &u.id, "password", None).await?;
    }
    Ok(())
}

/// Starlette's header decoding: every byte is one Latin-1 character.
pub(super) fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// After a trusted-header sign-in: `WEBUI_AUTH_TRUSTED_GROUPS_HEADER` (comma-separated group
/// names; when it names at least one, the user's memberships become exactly the groups with
/// those names) and `WEBUI_AUTH_TRUSTED_ROLE_HEADER` (`admin`, `user` or `pending`, any case;
/// other values are ignored).
async fn trusted_header_sync(ctx: &ServerContext, headers: &http::HeaderMap, mut user: UserRow) -> Result<UserRow, Detail> {
    let header = |name: &str| headers.get(name).map(|v| latin1(v.as_bytes())).unwrap_or_default();
    if let Some(gh) = ctx.config.env_str("WEBUI_AUTH_TRUSTED_GROUPS_HEADER").filter(|s| !s.is_empty()) {
        let names: Vec<String> = header(gh).split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
        if !names.is_empty() {
            let mut client = ctx.db.get().await.map_err(db_err)?;
            groups::sync_member_groups_by_names(&mut client, &user.id, &names, now()).await.map_err(db_err)?;
        }
    }
    if let Some(rh) = ctx.config.env_str("WEBUI_AUTH_TRUSTED_ROLE_HEADER").filter(|s| !s.is_empty()) {
        let role = header(rh).to_lowercase().trim().to_string();
        if ["admin", "user", "pending"].contains(&role.as_str()) && user.role != role {
            let client = ctx.db.get().await.map_err(db_err)?;
            users::update_role(&**client, &user.id, &role).await.map_err(db_err)?;
            if let Some(u) = users::user_by_id(&**client, &user.id).await.map_err(db_err)? {
                user = u;
            }
        }
    }
    Ok(user)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn signout(rqctx: &Ctx) -> Result<OkWithHeaders<SignoutResponse>, Detail> {
    let ctx = rqctx.context();
    let headers = rqctx.request.headers();
    let jar = auth::cookies(headers);
    // The token as `signout` reads it: `Authorization` (any scheme), else the cookie.
    let token = auth::authorization_cred(headers).or_else(|| jar.get("token").cloned()).filter(|t| !t.is_empty());
    if let Some(token) = token {
        revoke_token(ctx, &token).await?;
    }
    let mut cookies = vec![deleted_cookie("token"), deleted_cookie("owui-session"), deleted_cookie("oui-session"), deleted_cookie("oauth_id_token")];
    if jar.contains_key("oauth_session_id") {
        cookies.push(deleted_cookie("oauth_session_id"));
    }
    let redirect_url = ctx.config.env_str("WEBUI_AUTH_SIGNOUT_REDIRECT_URL").filter(|s| !s.is_empty()).map(str::to_string);
    Ok(ok(SignoutResponse { status: true, redirect_url }, cookies))
}

/// `invalidate_token`: a validly signed token with a `jti` is refused from now on, on every
/// instance (the reference does this only with Redis, and only for tokens that expire; here
/// through PostgreSQL, tokens without expiry included). A token that does not decode, or has
/// no `jti` (none the reference or this server mints), has nothing to revoke.
async fn revoke_token(ctx: &ServerContext, token: &str) -> Result<(), Detail> {
    let t = now();
    let Some(claims) = token::decode_token(&ctx.config.secret_key, token, t) else { return Ok(()) };
    let (Some(jti), Some(user_id)) = (claims.get("jti").and_then(Value::as_str), claims.get("id").and_then(Value::as_str)) else {
        return Ok(());
    };
    let expires_at = claims.get("exp").and_then(Value::as_i64);
    let client = ctx.db.get().await.map_err(db_err)?;
    crate::db::revoked::revoke(&**client, jti, user_id, expires_at, t).await.map_err(db_err)
}

/// `GET /api/v1/auths/`.
pub async fn session_user(rqctx: &Ctx) -> Result<OkWithHeaders<SessionUserInfoResponse>, Detail> {
    let session = auth::require_human(rqctx).await?;
    let ctx = rqctx.context();
    let headers = rqctx.request.headers();
    // The token as this route reads it: Authorization (any scheme), the cookie, the API-key header.
    let token = auth::request_token(headers, &ctx.config.api_key_header).unwrap_or_default();
    let t = now();
    let data = if token.is_empty() { None } else { token::decode_token(&ctx.config.secret_key, &token, t) };
    let mut expires_at = None;
    let mut cookies = vec![];
    if let Some(data) = &data {
        expires_at = data.get("exp").and_then(Value::as_i64);
        if let Some(exp) = expires_at {
            if t > exp {
                return Err(Detail::unauthorized(auth::INVALID_TOKEN));
            }
        }
        // `int(expires_at - time.time())`: against the fractional clock, truncated.
        let now_f = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let max_age = expires_at.map(|e| (e as f64 - now_f).trunc() as i64);
        cookies.push(token_cookie(ctx, &token, max_age, expires_at));
    }
    let permissions = permissions::of_session(ctx, &session).await.map_err(db_err)?;
    let u = session.user;
    Ok(ok(
        SessionUserInfoResponse {
            status_emoji: u.status_emoji,
            status_message: u.status_message,
            status_expires_at: u.status_expires_at,
            id: u.id,
            name: u.name,
            role: u.role,
            email: u.email,
            profile_image_url: u.profile_image_url,
            token,
            token_type: "Bearer".into(),
            expires_at,
            permissions: Some(permissions),
            bio: u.bio,
            gender: u.gender,
            date_of_birth: u.date_of_birth,
        },
        cookies,
    ))
}

pub async fn update_profile(rqctx: &Ctx, body: FastJson<UpdateProfileForm, AuthForm>) -> Result<OkWithHeaders<UserProfileImageResponse>, Detail> {
    let session = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    if !valid_image_url(&form.profile_image_url) {
        return Err(Detail::new(422, AUTH_FORM_INVALID));
    }
    if let Some(d) = &form.date_of_birth {
        if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
            return Err(Detail::new(422, AUTH_FORM_INVALID));
        }
    }
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let update = users::ProfileUpdate {
        profile_image_url: &form.profile_image_url,
        name: &form.name,
        bio: form.bio.as_deref(),
        gender: form.gender.as_deref(),
        date_of_birth: form.date_of_birth.as_deref(),
    };
    let u = users::update_profile(&**client, &session.user.id, &update)
        .await
        .map_err(db_err)?
        .ok_or_else(|| Detail::bad_request(DEFAULT_ERROR))?;
    Ok(ok(UserProfileImageResponse { id: u.id, name: u.name, role: u.role, email: u.email, profile_image_url: u.profile_image_url }, vec![]))
}

pub async fn update_timezone(rqctx: &Ctx, body: FastJson<UpdateTimezoneForm, AuthForm>) -> Result<OkWithHeaders<StatusResponse>, Detail> {
    let session = auth::current_user(rqctx).await?;
    let form = body.into_inner()?;
    let client = rqctx.context().db.get().await.map_err(db_err)?;
    users::update_timezone(&**client, &session.user.id, &form.timezone).await.map_err(db_err)?;
    Ok(ok(StatusResponse { status: true }, vec![]))
}

pub async fn update_password(rqctx: &Ctx, body: FastJson<UpdatePasswordForm, AuthForm>) -> Result<OkWithHeaders<bool>, Detail> {
    let session = auth::current_user(rqctx).await?;
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    if ctx.config.trusted_email_header.as_deref().is_some_and(|h| !h.is_empty()) {
        return Err(Detail::bad_request(ACTION_PROHIBITED));
    }
    let client = ctx.db.get().await.map_err(db_err)?;
    let user = users::user_by_email(&**client, &session.user.email).await.map_err(db_err)?;
    let auth_row = match &user {
        Some(u) => auths_db::auth_by_id(&**client, &u.id).await.map_err(db_err)?,
        None => None,
    };
    drop(client);
    let verified = match &auth_row {
        Some(a) if a.active => password::verify_password(form.password.clone(), a.password.clone().unwrap_or_default()).await,
        _ => {
            password::verify_password(form.password.clone(), password::PLACEHOLDER_HASH.into()).await;
            false
        }
    };
    let (Some(_), Some(auth_row), true) = (user, auth_row, verified) else {
        return Err(Detail::bad_request(INCORRECT_PASSWORD));
    };
    check_new_password(ctx, &form.new_password)?;
    let hash = password::hash_password(hash_algorithm(ctx), form.new_password.clone()).await.map_err(Detail::internal)?;
    let client = ctx.db.get().await.map_err(db_err)?;
    if !auths_db::update_password(&**client, &auth_row, &hash).await.map_err(db_err)? {
        return Err(Detail::new(409, "Authentication changed. Please sign in again."));
    }
    Ok(ok(true, vec![]))
}

pub async fn add_user(rqctx: &Ctx, body: FastJson<AddUserForm, AuthForm>) -> Result<OkWithHeaders<AddUserResponse>, Detail> {
    let _admin = auth::require_admin(rqctx).await?;
    let form = body.into_inner()?;
    super::limits::add_user(&form)?;
    if form.profile_image_url.as_deref().is_some_and(|u| !valid_image_url(u)) {
        return Err(Detail::new(422, AUTH_FORM_INVALID));
    }
    let ctx = rqctx.context();
    let email = check_new_account(ctx, &form.email, &form.password).await?;
    let internal = |e: String| {
        slog::error!(rqctx.log, "add user failed"; "error" => e);
        Detail::new(500, "An internal error occurred while adding the user.")
    };
    let hash = password::hash_password(hash_algorithm(ctx), form.password.clone()).await.map_err(internal)?;
    let image = form.profile_image_url.clone().unwrap_or_else(|| "/user.png".into());
    let image = if valid_image_url(&image) { image } else { "/user.png".into() };
    let role = form.role.clone().unwrap_or_else(|| "pending".into());
    let mut client = ctx.db.get().await.map_err(|e| internal(e.to_string()))?;
    let user = auths_db::insert_account(
        &mut client,
        &NewAccount { email: &email, password_hash: &hash, name: &form.name, profile_image_url: &image, role: &role },
        false,
        now(),
    )
    .await
    .map_err(|e| internal(e.to_string()))?;
    if let Some(Value::String(g)) = ctx.setting("ui.default_group_id") {
        if !g.is_empty() {
            let _ = groups::add_member(&**client, &g, &user.id, now()).await;
        }
    }
    let auth_row = auths_db::auth_by_id(&**client, &user.id).await.map_err(|e| internal(e.to_string()))?;
    drop(client);
    let profile_image_url = format!("/api/v1/users/{}/profile/image", user.id);
    if mfa::policy(ctx).enable {
        // `user.model_dump()` through `AddUserResponse`: no token, the stored picture.
        return Ok(ok(
            AddUserResponse { id: user.id, name: user.name, role: user.role, email: user.email, profile_image_url: user.profile_image_url, token: None, token_type: None },
            vec![],
        ));
    }
    let expiry = jwt_expiry(ctx)?;
    let mut claims = Map::new();
    claims.insert("id".into(), json!(user.id));
    claims.insert("typ".into(), json!("session"));
    claims.insert("session_stamp".into(), json!(auth_row.and_then(|a| a.session_stamp)));
    let token = token::create_token(&ctx.config.secret_key, claims, expiry, now());
    Ok(ok(
        AddUserResponse {
            id: user.id,
            name: user.name,
            role: user.role,
            email: user.email,
            profile_image_url,
            token: Some(token),
            token_type: Some("Bearer".into()),
        },
        vec![],
    ))
}

pub async fn admin_details(rqctx: &Ctx) -> Result<OkWithHeaders<AdminDetails>, Detail> {
    let _ = auth::current_user(rqctx).await?;
    let ctx = rqctx.context();
    let cfg = ctx.settings_many(&["auth.admin.show", "auth.admin.email"]);
    if !auth::truthy(cfg.get("auth.admin.show")) {
        return Err(Detail::bad_request(ACTION_PROHIBITED));
    }
    let client = ctx.db.get().await.map_err(db_err)?;
    let email = cfg.get("auth.admin.email").cloned().unwrap_or(Value::Null);
    let (name, email) = if auth::truthy(Some(&email)) {
        let e = email.as_str().map(str::to_string).unwrap_or_else(|| email.to_string());
        let admin = users::user_by_email(&**client, &e).await.map_err(db_err)?;
        (admin.map(|a| a.name), Some(e))
    } else {
        match users::first_user(&**client).await.map_err(db_err)? {
            Some(a) => (Some(a.name), Some(a.email)),
            None => (None, email.as_str().map(str::to_string)),
        }
    };
    Ok(ok(AdminDetails { name, email }, vec![]))
}

/// `ADMIN_CONFIG_KEYS`: form field → setting key, in the reference's order.
const ADMIN_CONFIG_KEYS: &[(&str, &str)] = &[
    ("ENABLE_MFA", "auth.mfa.enable"),
    ("MFA_ALLOW_OAUTH_BYPASS", "auth.mfa.allow_oauth_bypass"),
    ("MFA_ALLOW_TRUSTED_HEADER_BYPASS", "auth.mfa.allow_trusted_header_bypass"),
    ("SHOW_ADMIN_DETAILS", "auth.admin.show"),
    ("ADMIN_EMAIL", "auth.admin.email"),
    ("WEBUI_URL", "webui.url"),
    ("ENABLE_LOGIN_FORM", "ui.enable_login_form"),
    ("ENABLE_SIGNUP", "ui.enable_signup"),
    ("ENABLE_API_KEYS", "auth.enable_api_keys"),
    ("ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS", "auth.api_key.endpoint_restrictions"),
    ("API_KEYS_ALLOWED_ENDPOINTS", "auth.api_key.allowed_endpoints"),
    ("DEFAULT_USER_ROLE", "ui.default_user_role"),
    ("DEFAULT_GROUP_ID", "ui.default_group_id"),
    ("DEFAULT_INTERFACE_SETTINGS", "ui.default_interface_settings"),
    ("I18N", "ui.i18n"),
    ("JWT_EXPIRES_IN", "auth.jwt_expiry"),
    ("ENABLE_COMMUNITY_SHARING", "ui.enable_community_sharing"),
    ("ENABLE_MESSAGE_RATING", "ui.enable_message_rating"),
    ("ENABLE_FOLDERS", "folders.enable"),
    ("FOLDER_MAX_FILE_COUNT", "folders.max_file_count"),
    ("AUTOMATION_MAX_COUNT", "automations.max_count"),
    ("AUTOMATION_MIN_INTERVAL", "automations.min_interval"),
    ("ENABLE_AUTOMATIONS", "automations.enable"),
    ("ENABLE_CHANNELS", "channels.enable"),
    ("ENABLE_ENCRYPTED_CHANNELS", "channels.encryption.enable"),
    ("ENABLE_APPS", "apps.enable"),
    ("CHANNEL_MODEL_RESPONSE_MODE", "channels.model_response_mode"),
    ("ENABLE_CALENDAR", "calendar.enable"),
    ("ENABLE_MEMORIES", "memories.enable"),
    ("ENABLE_MEMORY_SYSTEM_CONTEXT", "memories.system_context.enable"),
    ("ENABLE_SKILL_LAZY_LOADING", "skills.lazy_loading.enable"),
    ("SKILL_CONTENT_MAX_CHARS", "skills.content_max_chars"),
    ("SKILL_PREVIEW_MAX_CHARS", "skills.preview_max_chars"),
    ("ENABLE_NOTES", "notes.enable"),
    ("ENABLE_USER_WEBHOOKS", "ui.enable_user_webhooks"),
    ("ENABLE_USER_STATUS", "users.enable_status"),
    ("PENDING_USER_OVERLAY_TITLE", "ui.pending_user_overlay_title"),
    ("PENDING_USER_OVERLAY_CONTENT", "ui.pending_user_overlay_content"),
    ("RESPONSE_WATERMARK", "ui.watermark"),
];

async fn admin_config_values(ctx: &ServerContext) -> Result<Map<String, Value>, Detail> {
    let keys: Vec<&str> = ADMIN_CONFIG_KEYS.iter().map(|(_, k)| *k).collect();
    let values = ctx.settings_many(&keys);
    let mut out = Map::new();
    for (field, key) in ADMIN_CONFIG_KEYS {
        if let Some(v) = values.get(*key) {
            out.insert(field.to_string(), v.clone());
        }
    }
    Ok(out)
}

pub async fn admin_config_get(rqctx: &Ctx) -> Result<OkWithHeaders<Value>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    Ok(ok(Value::Object(admin_config_values(rqctx.context()).await?), vec![]))
}

/// The `I18N` validator: `{locale: {key: text}}`, no prototype keys, matching placeholders;
/// empty texts and empty locales are dropped.
fn clean_i18n(v: &Value) -> Option<Value> {
    let re = regex::Regex::new(r"\{\{\s*-?\s*([^},]+)(?:,[^}]+)?\s*\}\}").expect("placeholder pattern");
    let placeholders = |s: &str| -> std::collections::BTreeSet<String> { re.captures_iter(s).map(|c| c[1].trim().to_string()).collect() };
    let unsafe_keys = ["__proto__", "prototype", "constructor"];
    let mut cleaned = Map::new();
    for (locale, entries) in v.as_object()? {
        if locale.trim().is_empty() || unsafe_keys.contains(&locale.as_str()) {
            return None;
        }
        let mut t = Map::new();
        for (key, text) in entries.as_object()? {
            let text = text.as_str()?;
            if key.trim().is_empty() || unsafe_keys.contains(&key.as_str()) {
                return None;
            }
            if !text.trim().is_empty() {
                if placeholders(key) != placeholders(text) {
                    return None;
                }
                t.insert(key.clone(), json!(text));
            }
        }
        if !t.is_empty() {
            cleaned.insert(locale.clone(), Value::Object(t));
        }
    }
    Some(Value::Object(cleaned))
}

pub async fn admin_config_update(
    rqctx: &Ctx,
    body: FastJson<Shaped<AdminConfig, Map<String, Value>>, AuthForm>,
) -> Result<OkWithHeaders<Value>, Detail> {
    let session = auth::require_admin(rqctx).await?;
    let raw = body.into_inner()?.into_inner();
    let invalid = || Detail::new(422, AUTH_FORM_INVALID);
    let form: AdminConfig = validate_body(Value::Object(raw.clone())).map_err(|_| invalid())?;
    // StrictBool for the MFA fields, strict positive ints for the skill limits.
    for f in ["ENABLE_MFA", "MFA_ALLOW_OAUTH_BYPASS", "MFA_ALLOW_TRUSTED_HEADER_BYPASS"] {
        if raw.get(f).is_some_and(|v| !v.is_boolean()) {
            return Err(invalid());
        }
    }
    for f in ["SKILL_CONTENT_MAX_CHARS", "SKILL_PREVIEW_MAX_CHARS"] {
        if let Some(v) = raw.get(f) {
            if !(v.is_null() || v.as_i64().is_some_and(|i| i > 0)) {
                return Err(invalid());
            }
        }
    }
    let i18n = match raw.get("I18N") {
        None => None,
        Some(v) => Some(clean_i18n(v).ok_or_else(invalid)?),
    };
    let ctx = rqctx.context();
    // The model's dump: every field, defaults for the unsent ones.
    let dumped: Map<String, Value> = {
        let mut m = Map::new();
        let v = |name: &str, default: Value| raw.get(name).cloned().unwrap_or(default);
        for (field, _) in ADMIN_CONFIG_KEYS {
            let default = match *field {
                "ENABLE_MFA" | "MFA_ALLOW_OAUTH_BYPASS" | "MFA_ALLOW_TRUSTED_HEADER_BYPASS" | "ENABLE_ENCRYPTED_CHANNELS" | "ENABLE_APPS"
                | "ENABLE_SKILL_LAZY_LOADING" => json!(false),
                "ENABLE_LOGIN_FORM" => json!(true),
                "CHANNEL_MODEL_RESPONSE_MODE" => json!("thread"),
                _ => Value::Null,
            };
            m.insert(field.to_string(), v(field, default));
        }
        // Coerced values (lax bools and strings) from the validated form.
        let coerced = |b: bool| json!(b);
        for (f, b) in [
            ("SHOW_ADMIN_DETAILS", form.SHOW_ADMIN_DETAILS),
            ("ENABLE_LOGIN_FORM", form.ENABLE_LOGIN_FORM),
            ("ENABLE_SIGNUP", form.ENABLE_SIGNUP),
            ("ENABLE_API_KEYS", form.ENABLE_API_KEYS),
            ("ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS", form.ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS),
            ("ENABLE_COMMUNITY_SHARING", form.ENABLE_COMMUNITY_SHARING),
            ("ENABLE_MESSAGE_RATING", form.ENABLE_MESSAGE_RATING),
            ("ENABLE_FOLDERS", form.ENABLE_FOLDERS),
            ("ENABLE_AUTOMATIONS", form.ENABLE_AUTOMATIONS),
            ("ENABLE_CHANNELS", form.ENABLE_CHANNELS),
            ("ENABLE_ENCRYPTED_CHANNELS", form.ENABLE_ENCRYPTED_CHANNELS),
            ("ENABLE_APPS", form.ENABLE_APPS),
            ("ENABLE_CALENDAR", form.ENABLE_CALENDAR),
            ("ENABLE_MEMORIES", form.ENABLE_MEMORIES),
            ("ENABLE_MEMORY_SYSTEM_CONTEXT", form.ENABLE_MEMORY_SYSTEM_CONTEXT),
            ("ENABLE_SKILL_LAZY_LOADING", form.ENABLE_SKILL_LAZY_LOADING),
            ("ENABLE_NOTES", form.ENABLE_NOTES),
            ("ENABLE_USER_WEBHOOKS", form.ENABLE_USER_WEBHOOKS),
            ("ENABLE_USER_STATUS", form.ENABLE_USER_STATUS),
        ] {
            m.insert(f.to_string(), coerced(b));
        }
        if let Some(i) = &i18n {
            m.insert("I18N".into(), i.clone());
        }
        m
    };
    let mut updates: Vec<(&str, Value)> = vec![];
    let optional_only_when_sent = [
        "ENABLE_MFA",
        "MFA_ALLOW_OAUTH_BYPASS",
        "MFA_ALLOW_TRUSTED_HEADER_BYPASS",
        "ENABLE_LOGIN_FORM",
        "ENABLE_ENCRYPTED_CHANNELS",
        "ENABLE_APPS",
        "I18N",
        "ENABLE_SKILL_LAZY_LOADING",
        "SKILL_CONTENT_MAX_CHARS",
        "SKILL_PREVIEW_MAX_CHARS",
    ];
    // `int | str | None`, then `int(value)` (0 and "" clear the limit). What is neither an int
    // nor a str is pydantic's 422 there; a str that is no integer its `ValueError` (a 500): we
    // answer the router's 422 for both (a client's value is no server error).
    let int_or_empty = |v: &Option<Value>| -> Result<Value, Detail> {
        let n = match v {
            None | Some(Value::Null) => return Ok(json!("")),
            Some(Value::String(s)) if s.is_empty() => return Ok(json!("")),
            Some(Value::Bool(b)) => Some(i64::from(*b)),
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18).map(|f| f as i64)),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        match n {
            Some(0) => Ok(json!("")),
            Some(n) => Ok(Value::from(n)),
            None => Err(invalid()),
        }
    };
    let expiry_pattern = regex::Regex::new(r"^(-1|0|(-?\d+(\.\d+)?)(ms|s|m|h|d|w))$").expect("pattern");
    for (field, key) in ADMIN_CONFIG_KEYS {
        if optional_only_when_sent.contains(field) && !raw.contains_key(*field) {
            continue;
        }
        let value = match *field {
            "DEFAULT_INTERFACE_SETTINGS" => match &form.DEFAULT_INTERFACE_SETTINGS {
                Some(m) if !m.is_empty() => Value::Object(m.clone()),
                _ => json!({}),
            },
            "FOLDER_MAX_FILE_COUNT" => int_or_empty(&form.FOLDER_MAX_FILE_COUNT)?,
            "AUTOMATION_MAX_COUNT" => int_or_empty(&form.AUTOMATION_MAX_COUNT)?,
            "AUTOMATION_MIN_INTERVAL" => int_or_empty(&form.AUTOMATION_MIN_INTERVAL)?,
            "DEFAULT_USER_ROLE" if !["pending", "user", "admin"].contains(&form.DEFAULT_USER_ROLE.as_str()) => continue,
            "CHANNEL_MODEL_RESPONSE_MODE" if !["thread", "channel"].contains(&form.CHANNEL_MODEL_RESPONSE_MODE.as_str()) => continue,
            "JWT_EXPIRES_IN" => {
                if !expiry_pattern.is_match(&form.JWT_EXPIRES_IN) {
                    continue;
                }
                json!(form.JWT_EXPIRES_IN)
            }
            _ => dumped.get(*field).cloned().unwrap_or(Value::Null),
        };
        updates.push((key, value));
    }
    // MFA policy changes need a human admin session and end every session when they change.
    let relevant: Vec<&(&str, Value)> = updates.iter().filter(|(k, _)| mfa::POLICY_KEYS.contains(k)).collect();
    let mut changed = false;
    if !relevant.is_empty() {
        let typ = session.claims.get("typ").and_then(Value::as_str).unwrap_or("session");
        if session.auth_type != auth::AuthType::Jwt || typ != "session" {
            return Err(Detail::forbidden("A human administrator session is required to change MFA settings."));
        }
        let current = mfa::policy(ctx);
        let mut desired = current;
        for (k, v) in &relevant {
            let on = v == &json!(true);
            match *k {
                "auth.mfa.enable" => desired.enable = on,
                "auth.mfa.allow_oauth_bypass" => desired.allow_oauth_bypass = on,
                _ => desired.allow_trusted_header_bypass = on,
            }
        }
        if let Err(e) = mfa::validate(ctx, desired).await {
            slog::warn!(rqctx.log, "MFA policy refused"; "reason" => e);
            return Err(Detail::new(409, "Unable to update MFA policy. Check configuration and retry."));
        }
        changed = desired != current;
    }
    crate::settings::write(ctx, &updates).await.map_err(db_err)?;
    if changed {
        // `Auths.revoke_all_sessions`: a new stamp (and no pending challenge) for every account.
        let client = ctx.db.get().await.map_err(db_err)?;
        for id in auths_db::all_ids(&**client).await.map_err(db_err)? {
            users::revoke_sessions(&**client, &id).await.map_err(db_err)?;
        }
    }
    let mut out = admin_config_values(ctx).await?;
    out.insert("sessions_revoked".into(), json!(changed));
    Ok(ok(Value::Object(out), vec![]))
}

/// `OAUTH_CONFIG_KEYS`: form field → setting key, in the reference's order.
const OAUTH_CONFIG_KEYS: &[(&str, &str)] = &[
    ("ENABLE_OAUTH", "oauth.enable"),
    ("ENABLE_OAUTH_SIGNUP", "oauth.enable_signup"),
    ("OAUTH_MERGE_ACCOUNTS_BY_EMAIL", "oauth.merge_accounts_by_email"),
    ("OAUTH_AUTO_REDIRECT", "oauth.auto_redirect"),
    ("OAUTH_ALLOWED_DOMAINS", "oauth.allowed_domains"),
    ("OAUTH_BLOCKED_GROUPS", "oauth.blocked_groups"),
    ("ENABLE_OAUTH_ROLE_MANAGEMENT", "oauth.enable_role_mapping"),
    ("OAUTH_ROLES_CLAIM", "oauth.roles_claim"),
    ("OAUTH_ADMIN_ROLES", "oauth.admin_roles"),
    ("OAUTH_ALLOWED_ROLES", "oauth.allowed_roles"),
    ("ENABLE_OAUTH_GROUP_MANAGEMENT", "oauth.enable_group_mapping"),
    ("ENABLE_OAUTH_GROUP_CREATION", "oauth.enable_group_creation"),
    ("OAUTH_GROUP_CLAIM", "oauth.group_claim"),
    ("OAUTH_GROUP_DEFAULT_SHARE", "oauth.group_default_share"),
    ("OAUTH_PROVIDER_NAME", "oauth.provider_name"),
    ("OPENID_PROVIDER_URL", "oauth.provider_url"),
    ("OAUTH_CLIENT_ID", "oauth.client_id"),
    ("OAUTH_CLIENT_SECRET", "oauth.client_secret"),
    ("OPENID_REDIRECT_URI", "oauth.redirect_uri"),
    ("OAUTH_SCOPES", "oauth.scopes"),
    ("OAUTH_CODE_CHALLENGE_METHOD", "oauth.code_challenge_method"),
    ("OAUTH_TOKEN_ENDPOINT_AUTH_METHOD", "oauth.token_endpoint_auth_method"),
    ("OPENID_END_SESSION_ENDPOINT", "oauth.end_session_endpoint"),
    ("OAUTH_TIMEOUT", "oauth.timeout"),
    ("OAUTH_CLIENT_TIMEOUT", "oauth.client.timeout"),
    ("OAUTH_EMAIL_CLAIM", "oauth.email_claim"),
    ("OAUTH_USERNAME_CLAIM", "oauth.username_claim"),
    ("OAUTH_PICTURE_CLAIM", "oauth.picture_claim"),
    ("OAUTH_SUB_CLAIM", "oauth.sub_claim"),
    ("OAUTH_AUDIENCE", "oauth.audience"),
    ("OAUTH_UPDATE_EMAIL_ON_LOGIN", "oauth.update_email_on_login"),
    ("OAUTH_UPDATE_NAME_ON_LOGIN", "oauth.update_name_on_login"),
    ("OAUTH_UPDATE_PICTURE_ON_LOGIN", "oauth.update_picture_on_login"),
    ("OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE", "oauth.refresh_token.include_scope"),
];

/// Fields stored as lists and shown comma-joined (`OAUTH_COMMA_LIST_FIELDS`).
const OAUTH_COMMA_LIST_FIELDS: &[&str] = &["OAUTH_ALLOWED_DOMAINS", "OAUTH_ADMIN_ROLES", "OAUTH_ALLOWED_ROLES"];

/// pydantic's lax `bool` (the strings and numbers it reads as booleans).
fn lax_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
            "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// pydantic's smart union `bool | str`: a string stays one, a boolean (or 0/1) is a boolean.
fn bool_or_str(v: &Value) -> Option<Value> {
    match v {
        Value::String(_) | Value::Bool(_) => Some(v.clone()),
        Value::Number(_) => lax_bool(v).map(Value::Bool),
        _ => None,
    }
}

/// pydantic's smart union `int | str`: a string stays one; an integral float (within i64) and a
/// boolean become integers.
fn int_or_str(v: &Value) -> Option<Value> {
    match v {
        Value::String(_) => Some(v.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(v.clone()),
        Value::Number(n) => {
            let x = n.as_f64()?;
            (x.is_finite() && x.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&x)).then(|| json!(x as i64))
        }
        Value::Bool(b) => Some(json!(*b as i64)),
        _ => None,
    }
}

/// Python's `str()` of a list item (`','.join(str(item) for item in value)`).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if !(n.is_i64() || n.is_u64()) && x.fract() == 0.0 && x.abs() < 1e16 => format!("{x:.1}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// `_format_oauth_form_value`: lists as the admin panel edits them.
fn format_oauth_form_value(field: &str, value: &Value) -> Value {
    match value {
        Value::Array(_) if field == "OAUTH_BLOCKED_GROUPS" => {
            // `JSONCodec.dumps` (orjson): compact JSON, with the three line separators escaped.
            let s = serde_json::to_string(value).unwrap_or_default();
            Value::String(s.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029").replace('\u{85}', "\\u0085"))
        }
        Value::Array(items) if OAUTH_COMMA_LIST_FIELDS.contains(&field) => {
            Value::String(items.iter().map(py_str).collect::<Vec<_>>().join(","))
        }
        _ => value.clone(),
    }
}

/// The `OAuthConfigResponse` model's (lax) validation of the read values; a stored value it
/// cannot take fails the answer, as FastAPI's response validation does.
fn oauth_response_form(values: &Map<String, Value>) -> Result<OAuthConfigForm, Detail> {
    let mut out = Map::new();
    for (field, _) in OAUTH_CONFIG_KEYS {
        let v = match values.get(*field) {
            None | Some(Value::Null) => Value::Null,
            Some(v) => {
                let coerced = match *field {
                    "OAUTH_GROUP_DEFAULT_SHARE" => bool_or_str(v),
                    "OAUTH_TIMEOUT" | "OAUTH_CLIENT_TIMEOUT" => int_or_str(v),
                    f if oauth_bool_field(f) => lax_bool(v).map(Value::Bool),
                    _ => v.is_string().then(|| v.clone()),
                };
                coerced.ok_or_else(|| Detail::internal(format!("{field}: stored value {v} does not fit OAuthConfigResponse")))?
            }
        };
        out.insert(field.to_string(), v);
    }
    serde_json::from_value(Value::Object(out)).map_err(Detail::internal)
}

fn oauth_bool_field(field: &str) -> bool {
    field.starts_with("ENABLE_") || field.ends_with("_ON_LOGIN") || matches!(field, "OAUTH_MERGE_ACCOUNTS_BY_EMAIL" | "OAUTH_AUTO_REDIRECT" | "OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE")
}

/// `get_oauth_config_values`.
async fn oauth_config_values(ctx: &ServerContext) -> Result<OAuthConfigResponse, Detail> {
    let keys: Vec<&str> = OAUTH_CONFIG_KEYS.iter().map(|(_, k)| *k).collect();
    let values = ctx.settings_many(&keys);
    let mut form = Map::new();
    for (field, key) in OAUTH_CONFIG_KEYS {
        if let Some(v) = values.get(*key) {
            form.insert(field.to_string(), format_oauth_form_value(field, v));
        }
    }
    Ok(OAuthConfigResponse {
        form: oauth_response_form(&form)?,
        ENABLE_OAUTH_PERSISTENT_CONFIG: ctx.config.enable_oauth_persistent_config,
    })
}

pub async fn oauth_config_get(rqctx: &Ctx) -> Result<OkWithHeaders<OAuthConfigResponse>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    Ok(ok(oauth_config_values(rqctx.context()).await?, vec![]))
}

/// Saves the sent (non-null) fields: comma lists split into lists, the rest as validated.
pub async fn oauth_config_update(
    rqctx: &Ctx,
    body: FastJson<OAuthConfigForm, AuthForm>,
) -> Result<OkWithHeaders<OAuthConfigResponse>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    let mut form = body.into_inner()?;
    // The unions the body extractor leaves to us.
    let invalid = || Detail::new(422, AUTH_FORM_INVALID);
    if let Some(v) = &form.OAUTH_GROUP_DEFAULT_SHARE {
        form.OAUTH_GROUP_DEFAULT_SHARE = Some(bool_or_str(v).ok_or_else(invalid)?);
    }
    for t in [&mut form.OAUTH_TIMEOUT, &mut form.OAUTH_CLIENT_TIMEOUT] {
        if let Some(v) = t.as_ref() {
            *t = Some(int_or_str(v).ok_or_else(invalid)?);
        }
    }
    // `model_dump(exclude_none=True)`, then `_parse_oauth_update_value`.
    let Value::Object(dumped) = serde_json::to_value(&form).map_err(Detail::internal)? else {
        return Err(Detail::internal("OAuthConfigForm is not an object"));
    };
    let mut updates: Vec<(&str, Value)> = vec![];
    for (field, key) in OAUTH_CONFIG_KEYS {
        let value = match dumped.get(*field) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if OAUTH_COMMA_LIST_FIELDS.contains(field) => {
                json!(s.split(',').map(py_strip).filter(|p| !p.is_empty()).collect::<Vec<_>>())
            }
            Some(v) => v.clone(),
        };
        updates.push((key, value));
    }
    let ctx = rqctx.context();
    crate::settings::write(ctx, &updates).await.map_err(db_err)?;
    Ok(ok(oauth_config_values(ctx).await?, vec![]))
}

async fn check_api_key_permission(ctx: &ServerContext, s: &SessionUser) -> Result<(), Detail> {
    let cfg = ctx.settings_many(&["auth.enable_api_keys", "user.permissions"]);
    let allowed = auth::truthy(cfg.get("auth.enable_api_keys"))
        && (s.is_admin()
            || permissions::has_permission(ctx, &s.user.id, "features.api_keys", cfg.get("user.permissions").unwrap_or(&Value::Null))
                .await
                .map_err(db_err)?);
    if !allowed {
        return Err(Detail::forbidden(API_KEY_CREATION_NOT_ALLOWED));
    }
    Ok(())
}

pub async fn api_key_get(rqctx: &Ctx) -> Result<OkWithHeaders<ApiKeyResponse>, Detail> {
    let s = auth::current_user(rqctx).await?;
    let ctx = rqctx.context();
    check_api_key_permission(ctx, &s).await?;
    let client = ctx.db.get().await.map_err(db_err)?;
    match users::api_key_by_user(&**client, &s.user.id).await.map_err(db_err)? {
        Some(k) if !k.is_empty() => Ok(ok(ApiKeyResponse { api_key: Some(k) }, vec![])),
        _ => Err(Detail::not_found(API_KEY_NOT_FOUND)),
    }
}

pub async fn api_key_create(rqctx: &Ctx) -> Result<OkWithHeaders<ApiKeyResponse>, Detail> {
    let s = auth::current_user(rqctx).await?;
    let ctx = rqctx.context();
    check_api_key_permission(ctx, &s).await?;
    let key = format!("sk-{}", uuid::Uuid::new_v4().simple());
    let mut client = ctx.db.get().await.map_err(db_err)?;
    users::api_key_set(&mut client, &s.user.id, &key, now()).await.map_err(db_err)?;
    Ok(ok(ApiKeyResponse { api_key: Some(key) }, vec![]))
}

pub async fn api_key_delete(rqctx: &Ctx) -> Result<OkWithHeaders<bool>, Detail> {
    let s = auth::current_user(rqctx).await?;
    let ctx = rqctx.context();
    check_api_key_permission(ctx, &s).await?;
    let client = ctx.db.get().await.map_err(db_err)?;
    users::api_key_delete(&**client, &s.user.id).await.map_err(db_err)?;
    Ok(ok(true, vec![]))
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
