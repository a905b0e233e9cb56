//! `/api/v1/users` (`routers/users.py`): each handler authenticates, parses its query as FastAPI
//! does, calls one function of [`crate::app::users`] and converts the answer.
//!
//! Dropshot cannot register a literal segment beside a variable one, so `GET /users/{user_id}`
//! ([`get`]) dispatches `all`, `search`, `groups`, `permissions` and `usage`, and the
//! `{user_id}` routes the literals `user` ([`own`]) and `default` ([`defaults`]), each to the
//! operation's own function here.

mod defaults;
mod own;

use std::sync::Arc;

use dropshot::{Body, RequestContext};
use http::Response;
use serde::Serialize;
use serde_json::{json, Value};
use webui_api::{
    Detail, FastJson, GroupModel, UserActiveResponse, UserGroupIdsListResponse, UserInfoListResponse, UserModel,
    UserUpdateForm, UsersListQuery,
};

pub use defaults::*;
pub use own::*;

use super::auth;
use super::query;
use crate::app::users::{self as app, profile::ProfileImage, usage, ListFilter};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// An answer as the JSON value `http::mod` wraps (its key order the model's).
fn wire<T: Serialize>(v: T) -> Result<Value, Detail> {
    serde_json::to_value(v).map_err(Detail::internal)
}

/// `?query=&order_by=&direction=&page=` of the paged lists.
fn list_filter(q: &UsersListQuery) -> Result<ListFilter, Detail> {
    let page = query::int("page", &q.page)?.unwrap_or(1).max(1);
    Ok(ListFilter { query: q.query.clone(), order_by: q.order_by.clone(), direction: q.direction.clone(), page })
}

/// `GET /api/v1/users/` (admin): `UserGroupIdsListResponse`.
pub async fn list(rqctx: &Ctx, q: UsersListQuery) -> Result<Value, Detail> {
    wire(list_users(rqctx, q).await?)
}

async fn list_users(rqctx: &Ctx, q: UsersListQuery) -> Result<UserGroupIdsListResponse, Detail> {
    auth::require_admin(rqctx).await?;
    let f = list_filter(&q)?;
    Ok(app::list(rqctx.context(), &f).await?)
}

/// `GET /api/v1/users/all` (admin).
pub async fn all(rqctx: &Ctx) -> Result<UserInfoListResponse, Detail> {
    auth::require_admin(rqctx).await?;
    Ok(app::all(rqctx.context()).await?)
}

/// `GET /api/v1/users/search`.
pub async fn search(rqctx: &Ctx, q: &UsersListQuery) -> Result<UserInfoListResponse, Detail> {
    auth::require_user(rqctx).await?;
    let f = list_filter(q)?;
    Ok(app::search(rqctx.context(), &f).await?)
}

/// `GET /api/v1/users/groups`: the session user's groups.
pub async fn own_groups(rqctx: &Ctx, include_inherited: &Option<String>) -> Result<Vec<GroupModel>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let inh = query::boolean("include_inherited", include_inherited)?;
    Ok(app::groups(rqctx.context(), &s.user.id, inh).await?)
}

/// `GET /api/v1/users/permissions`: the session user's permissions.
pub async fn own_permissions(rqctx: &Ctx) -> Result<Value, Detail> {
    let s = auth::require_user(rqctx).await?;
    Ok(app::own_permissions(rqctx.context(), &s).await?)
}

/// `GET /api/v1/users/usage?days=&start_date=&end_date=`.
pub async fn own_usage(rqctx: &Ctx, q: &webui_api::UsageQuery) -> Result<webui_api::UserUsageResponse, Detail> {
    let s = auth::require_user(rqctx).await?;
    let days = query::int("days", &q.days)?;
    if let Some(d) = days {
        if d < 7 {
            return Err(Detail::validation(vec![json!({
                "type": "greater_than_equal", "loc": ["query", "days"], "msg": "Input should be greater than or equal to 7",
                "input": q.days, "ctx": {"ge": 7},
            })]));
        }
        if d > 732 {
            return Err(Detail::validation(vec![json!({
                "type": "less_than_equal", "loc": ["query", "days"], "msg": "Input should be less than or equal to 732",
                "input": q.days, "ctx": {"le": 732},
            })]));
        }
    }
    let start_date = query::int("start_date", &q.start_date)?;
    let end_date = query::int("end_date", &q.end_date)?;
    Ok(app::usage::own_usage(rqctx.context(), &s, &usage::UsageQuery { days, start_date, end_date }).await?)
}

/// `GET /api/v1/users/{user_id}` (admin).
pub async fn by_id(rqctx: &Ctx, user_id: &str) -> Result<UserActiveResponse, Detail> {
    auth::require_admin(rqctx).await?;
    Ok(app::by_id(rqctx.context(), user_id).await?)
}

/// `DELETE /api/v1/users/{user_id}` (admin).
pub async fn delete(rqctx: &Ctx, user_id: &str) -> Result<bool, Detail> {
    let s = auth::require_admin(rqctx).await?;
    Ok(app::delete(rqctx.context(), &s, user_id).await?)
}

/// `GET /api/v1/users/{user_id}/info`; `user/info` is the session user's `info`.
pub async fn info_get(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    let s = auth::require_user(rqctx).await?;
    if user_id == "user" {
        return wire(app::own_info(&s));
    }
    wire(app::info(rqctx.context(), user_id).await?)
}

/// `GET /api/v1/users/{user_id}/groups` (admin).
pub async fn groups_by_id(rqctx: &Ctx, user_id: &str, include_inherited: &Option<String>) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let inh = query::boolean("include_inherited", include_inherited)?;
    wire(app::groups(rqctx.context(), user_id, inh).await?)
}

/// `GET /api/v1/users/{user_id}/profile/image`.
pub async fn profile_image(rqctx: &Ctx, user_id: &str) -> Result<Response<Body>, Detail> {
    auth::require_user(rqctx).await?;
    let rsp = match app::profile::profile_image(rqctx.context(), user_id).await? {
        ProfileImage::Redirect(url) => Response::builder().status(302).header("location", url).header("content-length", "0").body(Body::empty()),
        ProfileImage::Inline { media, bytes } => Response::builder()
            .status(200)
            .header("content-type", media)
            .header("content-disposition", "inline")
            .header("x-content-type-options", "nosniff")
            .body(Body::from(bytes)),
        ProfileImage::Stock(bytes) => Response::builder()
            .status(200)
            .header("content-type", "image/png")
            .header("content-length", bytes.len().to_string())
            .body(Body::from(bytes)),
    };
    rsp.map_err(Detail::internal)
}

/// `GET /api/v1/users/{user_id}/active`.
pub async fn active(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    auth::require_user(rqctx).await?;
    let a = app::active(rqctx.context(), user_id).await?;
    Ok(json!({"active": a}))
}

/// `GET /api/v1/users/{user_id}/oauth/sessions` (admin).
pub async fn oauth_sessions(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    wire(app::oauth_sessions(rqctx.context(), &rqctx.log, user_id).await?)
}

/// `POST /api/v1/users/{user_id}/sessions/revoke` (admin).
pub async fn sessions_revoke(rqctx: &Ctx, user_id: &str) -> Result<bool, Detail> {
    let s = auth::require_admin(rqctx).await?;
    Ok(app::sessions_revoke(rqctx.context(), &s, user_id).await?)
}

/// `POST /api/v1/users/{user_id}/update` (admin): `UserUpdateForm`, its `profile_image_url`
/// checked by the model's validator.
pub async fn update(rqctx: &Ctx, user_id: &str, body: FastJson<UserUpdateForm>) -> Result<Value, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let form = body.into_inner()?;
    if let Some(url) = &form.profile_image_url {
        if !super::auths::valid_image_url(url) {
            return Err(Detail::validation(vec![json!({
                "type": "value_error", "loc": ["body", "profile_image_url"], "msg": "Value error, Invalid profile image URL.",
                "input": url, "ctx": {"error": "Invalid profile image URL."},
            })]));
        }
    }
    let updated: Option<UserModel> = app::update(rqctx.context(), &s, user_id, form).await?;
    wire(updated)
}

/// `GET /api/v1/users/{user_id}/preview` (admin).
pub async fn preview(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    Ok(app::preview(rqctx.context(), user_id).await?)
}
