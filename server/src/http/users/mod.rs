//! `/api/v1/users` (`routers/users.py`): the implementations of [`UsersApi`] (the list and the
//! `{user_id}` routes) and, in [`literal`], `UsersLiteralApi` (the literal routes the reference
//! declares before `/{user_id}`). Each handler authenticates, parses its query as FastAPI does,
//! calls one function of [`crate::app::users`] and answers its typed model.

mod literal;

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use serde_json::{json, Map, Value};
use webui_api::{
    Detail, FastJson, GroupModel, IncludeInheritedQuery, OauthSession, Shaped, UserActiveResponse, UserGroupIdsListResponse,
    UserIdPath, UserInfoResponse, UserModel, UserUpdateForm, UsersApi, UsersListQuery,
};

use super::{auth, query, ServerImpl};
use crate::app::users::{self as app, profile::ProfileImage, ListFilter};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// `?query=&order_by=&direction=&page=` of the paged lists.
fn list_filter(q: &UsersListQuery) -> Result<ListFilter, Detail> {
    let page = query::int("page", &q.page)?.unwrap_or(1).max(1);
    Ok(ListFilter { query: q.query.clone(), order_by: q.order_by.clone(), direction: q.direction.clone(), page })
}

/// A user's groups (`include_inherited` adds their ancestors).
async fn groups_of(rqctx: &Ctx, user_id: &str, include_inherited: &Option<String>) -> Result<Vec<GroupModel>, Detail> {
    let inh = query::boolean("include_inherited", include_inherited)?;
    Ok(app::groups(rqctx.context(), user_id, inh).await?)
}

/// `UserUpdateForm`'s `profile_image_url`, checked by the model's validator.
fn check_profile_image_url(form: &UserUpdateForm) -> Result<(), Detail> {
    match &form.profile_image_url {
        Some(url) if !super::auths::valid_image_url(url) => Err(Detail::validation(vec![json!({
            "type": "value_error", "loc": ["body", "profile_image_url"], "msg": "Value error, Invalid profile image URL.",
            "input": url, "ctx": {"error": "Invalid profile image URL."},
        })])),
        _ => Ok(()),
    }
}

/// The avatar as the reference answers it: a redirect, the decoded `data:` image, or `user.png`.
fn profile_image_response(image: ProfileImage) -> Result<Response<Body>, Detail> {
    let rsp = match image {
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

impl UsersApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_users` (admin): a page of users with their group ids.
    async fn users_get(rqctx: Ctx, query: Query<UsersListQuery>) -> Result<HttpResponseOk<UserGroupIdsListResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        let f = list_filter(&query.into_inner())?;
        Ok(HttpResponseOk(app::list(rqctx.context(), &f).await?))
    }

    /// `get_user_by_id` (admin).
    async fn users_get_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<UserActiveResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::by_id(rqctx.context(), &path.into_inner().user_id).await?))
    }

    /// `delete_user_by_id` (admin).
    async fn users_delete_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::delete(rqctx.context(), &s, &path.into_inner().user_id).await?))
    }

    /// `get_user_info_by_id`: another user's card (any verified user).
    async fn users_get_info_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<UserInfoResponse>, Detail> {
        auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::info(rqctx.context(), &path.into_inner().user_id).await?))
    }

    /// `get_user_groups_by_id` (admin).
    async fn users_get_groups_by_id(
        rqctx: Ctx,
        path: Path<UserIdPath>,
        query: Query<IncludeInheritedQuery>,
    ) -> Result<HttpResponseOk<Shaped<Value, Vec<GroupModel>>>, Detail> {
        auth::require_admin(&rqctx).await?;
        let groups = groups_of(&rqctx, &path.into_inner().user_id, &query.into_inner().include_inherited).await?;
        Ok(HttpResponseOk(Shaped::new(groups)))
    }

    /// `get_user_profile_image_by_id`.
    async fn users_get_profile_image_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<Response<Body>, Detail> {
        auth::require_user(&rqctx).await?;
        profile_image_response(app::profile::profile_image(rqctx.context(), &path.into_inner().user_id).await?)
    }

    /// `get_user_active_status_by_id`: `{"active": bool}`.
    async fn users_get_active_status_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<Shaped<Map<String, Value>>>, Detail> {
        auth::require_user(&rqctx).await?;
        let a = app::active(rqctx.context(), &path.into_inner().user_id).await?;
        Ok(HttpResponseOk(Shaped::new(json!({"active": a}))))
    }

    /// `get_user_oauth_sessions_by_id` (admin).
    async fn users_get_oauth_sessions_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<Shaped<Value, Vec<OauthSession>>>, Detail> {
        auth::require_admin(&rqctx).await?;
        let sessions = app::oauth_sessions(rqctx.context(), &rqctx.log, &path.into_inner().user_id).await?;
        Ok(HttpResponseOk(Shaped::new(sessions)))
    }

    /// `revoke_user_sessions_by_id` (admin).
    async fn users_revoke_sessions(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::sessions_revoke(rqctx.context(), &s, &path.into_inner().user_id).await?))
    }

    /// `update_user_by_id` (admin).
    async fn users_update_by_id(rqctx: Ctx, path: Path<UserIdPath>, body: FastJson<UserUpdateForm>) -> Result<HttpResponseOk<Option<UserModel>>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?;
        check_profile_image_url(&form)?;
        Ok(HttpResponseOk(app::update(rqctx.context(), &s, &path.into_inner().user_id, form).await?))
    }

    /// `get_user_preview` (admin).
    async fn users_get_preview(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::preview(rqctx.context(), &path.into_inner().user_id).await?))
    }
}
