//! Users (`routers/users.py`): the admin's list and edits, each user's profile, groups, info,
//! status, variables, settings ([`settings`]), default permissions ([`permissions`]), usage
//! ([`usage`]) and avatar ([`profile`]).

pub mod permissions;
pub mod profile;
pub mod settings;
pub mod usage;

use serde_json::{json, Map, Value};
use webui_api::{
    GroupModel, MembershipType, OauthSession, UserActiveResponse, UserGroupIdsListResponse, UserGroupIdsModel, UserInfoListResponse,
    UserInfoResponse, UserModel, UserUpdateForm,
};

use crate::app::groups::group_model;
use crate::context::ServerContext;
use crate::db::groups::{self as gdb, GroupRow};
use crate::db::users::{self as db, UserListParams, UserRow};
use crate::error::{Error, Result};
// The session user and the session helpers (one place: they move with the auth layer).
use crate::app::session::{now, password, permissions as perms, SessionUser};
use crate::messages;

/// `PAGE_ITEM_COUNT`: the users lists' page size.
pub const PAGE_ITEM_COUNT: i64 = 30;

/// `users.py`'s own message when the first user cannot be read.
const PRIMARY_ADMIN_UNKNOWN: &str = "Could not verify primary admin status.";

/// `UserModel.model_dump()` (`variables` is excluded by the model).
pub fn user_model(u: &UserRow) -> UserModel {
    UserModel {
        id: u.id.clone(),
        email: u.email.clone(),
        username: u.username.clone(),
        role: u.role.clone(),
        name: u.name.clone(),
        profile_image_url: Some(u.profile_image_url.clone()),
        profile_banner_image_url: u.profile_banner_image_url.clone(),
        bio: u.bio.clone(),
        gender: u.gender.clone(),
        date_of_birth: u.date_of_birth.clone(),
        timezone: u.timezone.clone(),
        presence_state: u.presence_state.clone(),
        status_emoji: u.status_emoji.clone(),
        status_message: u.status_message.clone(),
        status_expires_at: u.status_expires_at,
        info: object(&u.info),
        settings: u.settings.as_ref().and_then(settings::settings_model),
        oauth: object(&u.oauth),
        scim: object(&u.scim),
        last_active_at: u.last_active_at,
        updated_at: u.updated_at,
        created_at: u.created_at,
    }
}

/// A `dict | None` column: its object, `None` for anything else.
pub fn object(v: &Option<Value>) -> Option<Map<String, Value>> {
    v.as_ref().and_then(Value::as_object).cloned()
}

/// `UserInfoResponse` of a user, with its `groups` and `is_active`.
pub fn user_info(u: &UserRow, groups: Vec<Value>, is_active: bool) -> UserInfoResponse {
    UserInfoResponse {
        status_emoji: u.status_emoji.clone(),
        status_message: u.status_message.clone(),
        status_expires_at: u.status_expires_at,
        id: u.id.clone(),
        name: u.name.clone(),
        email: u.email.clone(),
        role: u.role.clone(),
        bio: u.bio.clone(),
        last_active_at: Some(u.last_active_at),
        timezone: u.timezone.clone(),
        groups: Some(groups),
        is_active,
    }
}

/// `UserInfoResponse` validated from a `UserModel` dump, as the lists do: `groups` and
/// `is_active` keep their defaults (`[]`, `false`).
pub fn user_info_default(u: &UserRow) -> UserInfoResponse {
    user_info(u, Vec::new(), false)
}

/// `Users.is_user_active` of a row already read: seen in the last three minutes.
fn is_active_row(u: &UserRow) -> bool {
    u.last_active_at != 0 && u.last_active_at >= now() - 180
}

/// `{"id", "name"}` of each group.
fn id_names(groups: &[(String, GroupRow)]) -> Vec<Value> {
    groups.iter().map(|(_, g)| json!({"id": g.id, "name": g.name})).collect()
}

/// The filter and page of the paged lists (`GET /users/`, `/users/search`); the page is at least 1.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub query: Option<String>,
    pub order_by: Option<String>,
    pub direction: Option<String>,
    pub page: i64,
}

async fn list_page(ctx: &ServerContext, f: Option<&ListFilter>, group_ids: bool) -> Result<db::UserPage> {
    // The reference's offset `(page - 1) * 30` is a Python int, and past PostgreSQL's bigint its
    // query fails (an unhandled 500). Ours stops at the largest offset, so such a page is empty
    // like any page past the end: a client's value makes no server error.
    let params = UserListParams {
        query: f.and_then(|f| f.query.as_deref()),
        order_by: f.and_then(|f| f.order_by.as_deref()),
        direction: f.and_then(|f| f.direction.as_deref()),
        skip: f.map(|f| (f.page.max(1) - 1).saturating_mul(PAGE_ITEM_COUNT)),
        limit: f.map(|_| PAGE_ITEM_COUNT),
        group_ids,
    };
    let client = ctx.db.get().await?;
    Ok(db::list_users(&**client, &params).await?)
}

/// `GET /api/v1/users/` (admin): a page of users with their group ids.
pub async fn list(ctx: &ServerContext, f: &ListFilter) -> Result<UserGroupIdsListResponse> {
    let page = list_page(ctx, Some(f), true).await?;
    let users = page
        .rows
        .iter()
        .zip(page.group_ids)
        .map(|(u, group_ids)| UserGroupIdsModel { user: user_model(u), group_ids })
        .collect();
    Ok(UserGroupIdsListResponse { users, total: page.total })
}

/// `GET /api/v1/users/all` (admin): every user.
pub async fn all(ctx: &ServerContext) -> Result<UserInfoListResponse> {
    let page = list_page(ctx, None, false).await?;
    Ok(UserInfoListResponse { users: page.rows.iter().map(user_info_default).collect(), total: page.total })
}

/// `GET /api/v1/users/search`: a page of users (any signed-in user).
pub async fn search(ctx: &ServerContext, f: &ListFilter) -> Result<UserInfoListResponse> {
    let page = list_page(ctx, Some(f), false).await?;
    Ok(UserInfoListResponse { users: page.rows.iter().map(user_info_default).collect(), total: page.total })
}

/// `GET /api/v1/users/groups` and `/users/{user_id}/groups`: a user's groups (`GroupModel`
/// dumps); with `include_inherited`, their ancestors too, each marked `direct` or `inherited`.
pub async fn groups(ctx: &ServerContext, user_id: &str, include_inherited: bool) -> Result<Vec<GroupModel>> {
    let client = ctx.db.get().await?;
    let ids = vec![user_id.to_string()];
    let direct = gdb::full_groups_by_members(&**client, &ids, false).await?;
    if !include_inherited {
        return Ok(direct.iter().map(|(_, g)| group_model(g, None)).collect());
    }
    let all = gdb::full_groups_by_members(&**client, &ids, true).await?;
    let direct_ids: Vec<&str> = direct.iter().map(|(_, g)| g.id.as_str()).collect();
    Ok(all
        .iter()
        .map(|(_, g)| {
            let t = if direct_ids.contains(&g.id.as_str()) { MembershipType::Direct } else { MembershipType::Inherited };
            group_model(g, Some(t))
        })
        .collect())
}

/// `GET /api/v1/users/permissions`: the session user's permissions (a free-form dict upstream).
pub async fn own_permissions(ctx: &ServerContext, s: &SessionUser) -> Result<Value> {
    let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
    Ok(perms::get_permissions(ctx, &s.user.id, &defaults).await?)
}

/// `GET /api/v1/users/{user_id}` (admin): `UserActiveResponse` (`extra='allow'`: its own fields,
/// then the rest of the user's dump).
pub async fn by_id(ctx: &ServerContext, user_id: &str) -> Result<UserActiveResponse> {
    let client = ctx.db.get().await?;
    let Some(u) = db::user_by_id(&**client, user_id).await? else { return Err(Error::bad_request(messages::USER_NOT_FOUND)) };
    let groups = gdb::full_groups_by_members(&**client, std::slice::from_ref(&u.id), false).await?;
    let is_active = db::is_active(&**client, &u.id, now()).await?;
    let own = ["status_emoji", "status_message", "status_expires_at", "name", "profile_image_url", "groups", "is_active"];
    let mut extra = match serde_json::to_value(user_model(&u)) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    extra.retain(|k, _| !own.contains(&k.as_str()));
    Ok(UserActiveResponse {
        status_emoji: u.status_emoji.clone(),
        status_message: u.status_message.clone(),
        status_expires_at: u.status_expires_at,
        name: u.name.clone(),
        profile_image_url: Some(u.profile_image_url.clone()),
        groups: Some(id_names(&groups)),
        is_active,
        extra,
    })
}

/// `GET /api/v1/users/{user_id}/info`: another user's `UserInfoResponse`.
pub async fn info(ctx: &ServerContext, user_id: &str) -> Result<UserInfoResponse> {
    let client = ctx.db.get().await?;
    let Some(u) = db::user_by_id(&**client, user_id).await? else { return Err(Error::bad_request(messages::USER_NOT_FOUND)) };
    let groups = gdb::full_groups_by_members(&**client, std::slice::from_ref(&u.id), false).await?;
    Ok(user_info(&u, id_names(&groups), is_active_row(&u)))
}

/// `GET /api/v1/users/user/info`: the session user's `info` dict.
pub fn own_info(s: &SessionUser) -> Option<Map<String, Value>> {
    object(&s.user.info)
}

/// `POST /api/v1/users/user/info/update`: `{**user.info, **form}`.
pub async fn own_info_update(ctx: &ServerContext, s: &SessionUser, form: Map<String, Value>) -> Result<Option<Map<String, Value>>> {
    let mut info = object(&s.user.info).unwrap_or_default();
    info.extend(form);
    let client = ctx.db.get().await?;
    let Some(u) = db::set_json(&**client, &s.user.id, "info", &Value::Object(info)).await? else {
        return Err(Error::bad_request(messages::USER_NOT_FOUND));
    };
    Ok(object(&u.info))
}

/// `GET /api/v1/users/{user_id}/active`: `{"active": ...}`.
pub async fn active(ctx: &ServerContext, user_id: &str) -> Result<bool> {
    let client = ctx.db.get().await?;
    Ok(db::is_active(&**client, user_id, now()).await?)
}

/// `GET /api/v1/users/{user_id}/oauth/sessions` (admin): the user's OAuth sessions with their
/// tokens decrypted. A session whose token does not decrypt is deleted, as the reference does.
pub async fn oauth_sessions(ctx: &ServerContext, log: &slog::Logger, user_id: &str) -> Result<Vec<OauthSession>> {
    let client = ctx.db.get().await?;
    let mut sessions = vec![];
    for r in db::oauth_sessions(&**client, user_id).await? {
        let Some(token) = crate::oauth_sessions::decrypt(&ctx.config, &r.token) else {
            slog::warn!(log, "deleting an OAuth session whose token does not decrypt"; "id" => &r.id);
            db::delete_oauth_session(&**client, &r.id).await?;
            continue;
        };
        sessions.push(OauthSession {
            id: r.id,
            user_id: r.user_id,
            provider: r.provider,
            token,
            expires_at: r.expires_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        });
    }
    if sessions.is_empty() {
        return Err(Error::bad_request(messages::USER_NOT_FOUND));
    }
    Ok(sessions)
}

/// The first user's id (the primary admin), with `users.py`'s 500 when it cannot be read.
async fn first_user_id(ctx: &ServerContext) -> Result<Option<String>> {
    let client = ctx.db.get().await.map_err(|e| Error::status(500, format!("{PRIMARY_ADMIN_UNKNOWN} {e}")))?;
    Ok(db::first_user(&**client).await.map_err(|_| Error::status(500, PRIMARY_ADMIN_UNKNOWN))?.map(|u| u.id))
}

/// `POST /api/v1/users/{user_id}/sessions/revoke` (admin); only the primary admin may revoke
/// their own sessions.
pub async fn sessions_revoke(ctx: &ServerContext, s: &SessionUser, user_id: &str) -> Result<bool> {
    let client = ctx.db.get().await?;
    if db::user_by_id(&**client, user_id).await?.is_none() {
        return Err(Error::not_found("User not found."));
    }
    drop(client);
    if first_user_id(ctx).await?.as_deref() == Some(user_id) && s.user.id != user_id {
        return Err(Error::forbidden(messages::ACTION_PROHIBITED));
    }
    let client = ctx.db.get().await?;
    db::revoke_sessions(&**client, user_id).await?;
    Ok(true)
}

/// `POST /api/v1/users/{user_id}/update` (admin), the form already validated. The primary admin
/// is changed by themselves only, and stays an admin.
pub async fn update(ctx: &ServerContext, s: &SessionUser, user_id: &str, form: UserUpdateForm) -> Result<Option<UserModel>> {
    if let Some(first) = first_user_id(ctx).await? {
        if first == user_id && (s.user.id != user_id || form.role.as_deref().is_some_and(|r| r != "admin")) {
            return Err(Error::forbidden(messages::ACTION_PROHIBITED));
        }
    }
    let mut client = ctx.db.get().await?;
    let Some(user) = db::user_by_id(&**client, user_id).await? else { return Err(Error::bad_request(messages::USER_NOT_FOUND)) };
    let email = form.email.as_ref().map(|e| e.to_lowercase());
    if let Some(e) = &email {
        if *e != user.email && db::user_by_email(&**client, e).await?.is_some() {
            return Err(Error::bad_request(messages::EMAIL_TAKEN));
        }
    }
    if let Some(pw) = form.password.as_deref().filter(|p| !p.is_empty()) {
        crate::app::auths::check_new_password(ctx, pw)?;
        let hash = password::hash_password(crate::app::auths::hash_algorithm(ctx), pw.to_string()).await.map_err(Error::internal)?;
        db::set_password(&**client, user_id, &hash).await?;
    }
    let changed = form.role.is_some() || form.name.is_some() || email.is_some() || form.profile_image_url.is_some();
    let updated = if changed {
        let (role, name, image) = (form.role.as_deref(), form.name.as_deref(), form.profile_image_url.as_deref());
        db::update_fields(&mut client, user_id, role, name, email.as_deref(), image).await?
    } else {
        Some(user)
    };
    match updated {
        Some(u) => Ok(Some(user_model(&u))),
        None => Err(Error::bad_request(messages::DEFAULT_ERROR)),
    }
}

/// `DELETE /api/v1/users/{user_id}` (admin): never the primary admin, never oneself.
pub async fn delete(ctx: &ServerContext, s: &SessionUser, user_id: &str) -> Result<bool> {
    if first_user_id(ctx).await?.as_deref() == Some(user_id) || s.user.id == user_id {
        return Err(Error::forbidden(messages::ACTION_PROHIBITED));
    }
    let mut client = ctx.db.get().await?;
    match db::delete_user(&mut client, user_id, now()).await {
        Ok(true) => Ok(true),
        _ => Err(Error::status(500, messages::DELETE_USER_ERROR)),
    }
}

/// `GET /api/v1/users/{user_id}/preview` (admin): the resources a user owns or is granted
/// `read` on (directly, to everyone, or through any of their groups, inherited ones included).
pub async fn preview(ctx: &ServerContext, user_id: &str) -> Result<Value> {
    let client = ctx.db.get().await?;
    let Some(target) = db::user_by_id(&**client, user_id).await? else { return Err(Error::not_found(messages::USER_NOT_FOUND)) };
    let groups = gdb::full_groups_by_members(&**client, &[user_id.to_string()], true).await?;
    let group_ids: Vec<String> = groups.iter().map(|(_, g)| g.id.clone()).collect();
    let mut out = Map::new();
    out.insert("user".into(), json!({"id": target.id, "name": target.name}));
    out.insert("groups".into(), Value::Array(id_names(&groups)));
    for kind in [db::Readable::Model, db::Readable::Knowledge, db::Readable::Tool] {
        let (items, total) = db::readable_by(&**client, kind, user_id, &group_ids).await?;
        let items: Vec<Value> = items.into_iter().map(|(id, name)| json!({"id": id, "name": name})).collect();
        out.insert(kind.key().into(), json!({"items": items, "total": total}));
    }
    Ok(Value::Object(out))
}
