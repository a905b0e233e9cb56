//! The signed-in account: the session user, profile, timezone and password, and the admin's
//! add-user and admin-details routes (`routers/auths.py`).

use serde_json::{json, Map, Value};
use webui_api::{
    AddUserForm, AddUserResponse, AdminDetails, SessionUserInfoResponse, StatusResponse, UpdatePasswordForm, UpdateProfileForm,
    UserProfileImageResponse,
};

use super::{check_new_account, check_new_password, hash_algorithm, jwt_expiry, valid_image_url, TokenCookie, WithCookie};
use crate::app::mfa;
use crate::app::session::{now, password, permissions, token, truthy, SessionUser};
use crate::context::ServerContext;
use crate::db::auths::{self as auths_db, NewAccount};
use crate::db::{groups, users};
use crate::error::{Error, Result};
use crate::messages;

/// `GET /api/v1/auths/`: the session user with the token it came with (`token`: as this route
/// reads it, `Authorization` of any scheme, the cookie or the API-key header), refreshed as the
/// `token` cookie until the token's expiry.
pub async fn session_user(ctx: &ServerContext, session: SessionUser, token: &str) -> Result<WithCookie<SessionUserInfoResponse>> {
    let t = now();
    let data = if token.is_empty() { None } else { token::decode_token(&ctx.config.secret_key, token, t) };
    let mut expires_at = None;
    let mut cookie = None;
    if let Some(data) = &data {
        expires_at = data.get("exp").and_then(Value::as_i64);
        if let Some(exp) = expires_at {
            if t > exp {
                return Err(Error::unauthorized(messages::INVALID_TOKEN));
            }
        }
        // `int(expires_at - time.time())`: against the fractional clock, truncated.
        let now_f = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let max_age = expires_at.map(|e| (e as f64 - now_f).trunc() as i64);
        cookie = Some(TokenCookie { token: token.to_string(), max_age, expires: expires_at });
    }
    let permissions = permissions::of_session(ctx, &session).await?;
    let u = session.user;
    let answer = SessionUserInfoResponse {
        status_emoji: u.status_emoji,
        status_message: u.status_message,
        status_expires_at: u.status_expires_at,
        id: u.id,
        name: u.name,
        role: u.role,
        email: u.email,
        profile_image_url: u.profile_image_url,
        token: token.to_string(),
        token_type: "Bearer".into(),
        expires_at,
        permissions: Some(permissions),
        bio: u.bio,
        gender: u.gender,
        date_of_birth: u.date_of_birth,
    };
    Ok(WithCookie { answer, cookie })
}

/// `POST /api/v1/auths/update/profile` (the form validated by the caller).
pub async fn update_profile(ctx: &ServerContext, session: &SessionUser, form: &UpdateProfileForm) -> Result<UserProfileImageResponse> {
    let client = ctx.db.get().await?;
    let update = users::ProfileUpdate {
        profile_image_url: &form.profile_image_url,
        name: &form.name,
        bio: form.bio.as_deref(),
        gender: form.gender.as_deref(),
        date_of_birth: form.date_of_birth.as_deref(),
    };
    let u = users::update_profile(&**client, &session.user.id, &update)
        .await?
        .ok_or_else(|| Error::bad_request(messages::DEFAULT_ERROR))?;
    Ok(UserProfileImageResponse { id: u.id, name: u.name, role: u.role, email: u.email, profile_image_url: u.profile_image_url })
}

/// `POST /api/v1/auths/update/timezone`.
pub async fn update_timezone(ctx: &ServerContext, session: &SessionUser, timezone: &str) -> Result<StatusResponse> {
    let client = ctx.db.get().await?;
    users::update_timezone(&**client, &session.user.id, timezone).await?;
    Ok(StatusResponse { status: true })
}

/// `POST /api/v1/auths/update/password`: the current password, then the new one's rules; the
/// new hash replaces the one that was checked (409 when the credential changed meanwhile).
pub async fn update_password(ctx: &ServerContext, session: &SessionUser, form: &UpdatePasswordForm) -> Result<bool> {
    if ctx.config.trusted_email_header.as_deref().is_some_and(|h| !h.is_empty()) {
        return Err(Error::bad_request(messages::ACTION_PROHIBITED));
    }
    let client = ctx.db.get().await?;
    let user = users::user_by_email(&**client, &session.user.email).await?;
    drop(client);
    let auth_row = match &user {
        Some(u) => auths_db::auth_by_id(&ctx.db, &u.id).await?,
        None => None,
    };
    let verified = match &auth_row {
        Some(a) if a.active => password::verify_password(form.password.clone(), a.password.clone().unwrap_or_default()).await,
        _ => {
            password::verify_password(form.password.clone(), password::PLACEHOLDER_HASH.into()).await;
            false
        }
    };
    let (Some(_), Some(auth_row), true) = (user, auth_row, verified) else {
        return Err(Error::bad_request(messages::INCORRECT_PASSWORD));
    };
    check_new_password(ctx, &form.new_password)?;
    let hash = password::hash_password(hash_algorithm(ctx), form.new_password.clone()).await.map_err(Error::internal)?;
    if !auths_db::update_password(&ctx.db, &auth_row, &hash).await? {
        return Err(Error::status(409, messages::AUTHENTICATION_CHANGED));
    }
    Ok(true)
}

/// `POST /api/v1/auths/add` (admin; the form validated by the caller): the account, and a
/// session token for it unless MFA is on.
pub async fn add_user(ctx: &ServerContext, form: &AddUserForm) -> Result<AddUserResponse> {
    let email = check_new_account(ctx, &form.email, &form.password).await?;
    let internal = |e: String| Error::from(webui_api::Detail::with_cause(500, messages::ADD_USER_ERROR, e));
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
    drop(client);
    let auth_row = auths_db::auth_by_id(&ctx.db, &user.id).await.map_err(|e| internal(e.to_string()))?;
    let profile_image_url = format!("/api/v1/users/{}/profile/image", user.id);
    if mfa::policy(ctx).enable {
        // `user.model_dump()` through `AddUserResponse`: no token, the stored picture.
        return Ok(AddUserResponse {
            id: user.id,
            name: user.name,
            role: user.role,
            email: user.email,
            profile_image_url: user.profile_image_url,
            token: None,
            token_type: None,
        });
    }
    let expiry = jwt_expiry(ctx)?;
    let mut claims = Map::new();
    claims.insert("id".into(), json!(user.id));
    claims.insert("typ".into(), json!("session"));
    claims.insert("session_stamp".into(), json!(auth_row.and_then(|a| a.session_stamp)));
    let token = token::create_token(&ctx.config.secret_key, claims, expiry, now());
    Ok(AddUserResponse {
        id: user.id,
        name: user.name,
        role: user.role,
        email: user.email,
        profile_image_url,
        token: Some(token),
        token_type: Some("Bearer".into()),
    })
}

/// `GET /api/v1/auths/admin/details`: the admin contact shown to users, when shown.
pub async fn admin_details(ctx: &ServerContext) -> Result<AdminDetails> {
    let cfg = ctx.settings_many(&["auth.admin.show", "auth.admin.email"]);
    if !truthy(cfg.get("auth.admin.show")) {
        return Err(Error::bad_request(messages::ACTION_PROHIBITED));
    }
    let client = ctx.db.get().await?;
    let email = cfg.get("auth.admin.email").cloned().unwrap_or(Value::Null);
    let (name, email) = if truthy(Some(&email)) {
        let e = email.as_str().map(str::to_string).unwrap_or_else(|| email.to_string());
        let admin = users::user_by_email(&**client, &e).await?;
        (admin.map(|a| a.name), Some(e))
    } else {
        match users::first_user(&**client).await? {
            Some(a) => (Some(a.name), Some(a.email)),
            None => (None, email.as_str().map(str::to_string)),
        }
    };
    Ok(AdminDetails { name, email })
}
