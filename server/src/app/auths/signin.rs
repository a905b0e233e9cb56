//! Sign-up, sign-in (password, trusted header, no-auth mode) and sign-out: the reference's
//! `signup`, `signin` and `signout` (`routers/auths.py`).

use serde_json::Value;
use webui_api::{SigninForm, SigninResult, SignoutResponse, SignupForm};

use super::{
    authenticate, check_new_account, create_account, limit_password_attempts, setting, signin_response, signin_response_for,
    user_of_active_credential, valid_image_url, WithCookie,
};
use crate::app::mfa;
use crate::app::session::{now, signin_limiter, token, truthy};
use crate::context::ServerContext;
use crate::db::users::{self, UserRow};
use crate::db::groups;
use crate::error::{Error, Result};
use crate::messages;

/// The trusted headers a sign-in may carry (`WEBUI_AUTH_TRUSTED_*_HEADER`), each read as
/// Starlette reads headers (Latin-1) when that header is configured and sent.
#[derive(Debug, Clone, Default)]
pub struct TrustedHeaders {
    pub email: Option<String>,
    pub name: Option<String>,
    pub groups: Option<String>,
    pub role: Option<String>,
}

/// `POST /api/v1/auths/signup`. The form's `profile_image_url` is checked by the caller (the
/// form's validator).
pub async fn signup(ctx: &ServerContext, form: &SignupForm) -> Result<WithCookie<SigninResult>> {
    let client = ctx.db.get().await?;
    let has_users = users::has_users(&**client).await?;
    drop(client);
    if ctx.config.webui_auth {
        if has_users {
            if !truthy(Some(&setting(ctx, "ui.enable_signup"))) || !truthy(Some(&setting(ctx, "ui.enable_login_form"))) {
                return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
            }
        } else if !truthy(Some(&setting(ctx, "ui.enable_login_form"))) && !ctx.config.env_bool("ENABLE_INITIAL_ADMIN_SIGNUP", false) {
            return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
        }
    } else if has_users {
        return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
    }
    let email = check_new_account(ctx, &form.email, &form.password).await?;
    let image = form.profile_image_url.clone().unwrap_or_else(|| "/user.png".into());
    let user = create_account(ctx, &email, &form.password, &form.name, &image)
        .await
        .map_err(|e| Error::from(webui_api::Detail::with_cause(500, messages::SIGNUP_ERROR, e)))?;
    signin_response(ctx, &user, "password").await
}

/// `POST /api/v1/auths/signin`: by trusted header when one is configured, as the built-in admin
/// without authentication (`WEBUI_AUTH=False`), else by password.
pub async fn signin(ctx: &ServerContext, form: &SigninForm, trusted: &TrustedHeaders) -> Result<WithCookie<SigninResult>> {
    if !ctx.config.env_bool("ENABLE_PASSWORD_AUTH", true) {
        return Err(Error::forbidden(messages::ACTION_PROHIBITED));
    }
    let mut source = "password";
    let user;
    if ctx.config.trusted_email_header.as_deref().is_some_and(|h| !h.is_empty()) {
        source = "trusted_header";
        let Some(email) = trusted.email.as_deref().map(str::to_lowercase) else {
            return Err(Error::bad_request(messages::INVALID_TRUSTED_HEADER));
        };
        let mut name = email.clone();
        if ctx.config.env_str("WEBUI_AUTH_TRUSTED_NAME_HEADER").is_some_and(|s| !s.is_empty()) {
            if let Some(v) = &trusted.name {
                name = v.clone();
            }
            name = percent_decode(&name);
        }
        let client = ctx.db.get().await?;
        let exists = users::user_by_email(&**client, &email).await?.is_some();
        drop(client);
        if !exists {
            let pw = uuid::Uuid::new_v4().to_string();
            if let Err(e) = create_account(ctx, &email, &pw, &name, "/user.png").await {
                let client = ctx.db.get().await?;
                if users::user_by_email(&**client, &email).await?.is_none() {
                    return Err(e.into());
                }
            }
        }
        user = match user_of_active_credential(ctx, &email).await? {
            Some(u) => Some(trusted_header_sync(ctx, trusted, u).await?),
            None => None,
        };
    } else if !ctx.config.webui_auth {
        source = "system";
        let admin_email = "admin@localhost";
        let client = ctx.db.get().await?;
        let exists = users::user_by_email(&**client, admin_email).await?.is_some();
        let has_users = users::has_users(&**client).await?;
        drop(client);
        if !exists {
            if has_users {
                return Err(Error::bad_request(messages::EXISTING_USERS));
            }
            create_account(ctx, admin_email, "admin", "User", "/user.png").await?;
        }
        user = authenticate(ctx, admin_email, "admin").await?.map(|(u, _, _)| u);
    } else {
        let email = form.email.to_lowercase();
        if signin_limiter().is_limited(&email, now()) {
            return Err(Error::status(429, messages::RATE_LIMIT_EXCEEDED));
        }
        limit_password_attempts(ctx, &email).await?;
        return match authenticate(ctx, &email, &form.password).await? {
            // `authenticate` read the active credential that `get_auth` would read again.
            Some((user, auth, groups)) => signin_response_for(ctx, &user, source, mfa::Auth::from_row(auth)?, Some(&groups)).await,
            None => Err(Error::bad_request(messages::INVALID_CRED)),
        };
    }
    match user {
        Some(u) => signin_response(ctx, &u, source).await,
        None => Err(Error::bad_request(messages::INVALID_CRED)),
    }
}

/// After a trusted-header sign-in: `WEBUI_AUTH_TRUSTED_GROUPS_HEADER` (comma-separated group
/// names; when it names at least one, the user's memberships become exactly the groups with
/// those names) and `WEBUI_AUTH_TRUSTED_ROLE_HEADER` (`admin`, `user` or `pending`, any case;
/// other values are ignored).
async fn trusted_header_sync(ctx: &ServerContext, trusted: &TrustedHeaders, mut user: UserRow) -> Result<UserRow> {
    if ctx.config.env_str("WEBUI_AUTH_TRUSTED_GROUPS_HEADER").is_some_and(|s| !s.is_empty()) {
        let sent = trusted.groups.as_deref().unwrap_or("");
        let names: Vec<String> = sent.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
        if !names.is_empty() {
            let mut client = ctx.db.get().await?;
            groups::sync_member_groups_by_names(&mut client, &user.id, &names, now()).await?;
        }
    }
    if ctx.config.env_str("WEBUI_AUTH_TRUSTED_ROLE_HEADER").is_some_and(|s| !s.is_empty()) {
        let role = trusted.role.as_deref().unwrap_or("").to_lowercase().trim().to_string();
        if ["admin", "user", "pending"].contains(&role.as_str()) && user.role != role {
            let client = ctx.db.get().await?;
            users::update_role(&**client, &user.id, &role).await?;
            if let Some(u) = users::user_by_id(&**client, &user.id).await? {
                user = u;
            }
        }
    }
    Ok(user)
}

/// `urllib.parse.unquote` of the trusted name header.
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// `POST /api/v1/auths/signout`: ends the session of `token` (the `Authorization` credential,
/// else the cookie) and says where to go next. The cookies to clear are the caller's.
pub async fn signout(ctx: &ServerContext, token: Option<&str>) -> Result<SignoutResponse> {
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        revoke_token(ctx, token).await?;
    }
    let redirect_url = ctx.config.env_str("WEBUI_AUTH_SIGNOUT_REDIRECT_URL").filter(|s| !s.is_empty()).map(str::to_string);
    Ok(SignoutResponse { status: true, redirect_url })
}

/// `invalidate_token`: a validly signed token with a `jti` is refused from now on, on every
/// instance (the reference does this only with Redis, and only for tokens that expire; here
/// through PostgreSQL, tokens without expiry included). A token that does not decode, or has
/// no `jti` (none the reference or this server mints), has nothing to revoke.
async fn revoke_token(ctx: &ServerContext, token: &str) -> Result<()> {
    let t = now();
    let Some(claims) = token::decode_token(&ctx.config.secret_key, token, t) else { return Ok(()) };
    let (Some(jti), Some(user_id)) = (claims.get("jti").and_then(Value::as_str), claims.get("id").and_then(Value::as_str)) else {
        return Ok(());
    };
    let expires_at = claims.get("exp").and_then(Value::as_i64);
    Ok(crate::db::revoked::revoke(&ctx.db, jti, user_id, expires_at, t).await?)
}

/// The form validator's image check, shared by sign-up and add-user (`validate_profile_image_url`).
pub fn image_url_acceptable(url: Option<&str>) -> bool {
    url.is_none_or(valid_image_url)
}
