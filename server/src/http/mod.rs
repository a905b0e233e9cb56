//! The HTTP layer: [`ServerImpl`] implements the API trait; each resource's handlers live in
//! their own module and stay thin (authenticate, call one function, map the result).

pub mod auth;
mod auths;
mod config;
mod health;
mod users;
mod version;

use std::sync::Arc;

use dropshot::{ApiDescription, Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use serde_json::{Map, Value};
use webui_api::*;

use crate::context::ServerContext;

/// The implementation of [`WebuiApi`]; never instantiated.
pub enum ServerImpl {}

/// The API description with every endpoint of the trait registered.
pub fn api() -> ApiDescription<Arc<ServerContext>> {
    webui_api::webui_api_mod::api_description::<ServerImpl>().expect("the API trait's endpoints register")
}

type Ctx = RequestContext<Arc<ServerContext>>;

impl WebuiApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn health_check(_rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn health_check_db(rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        health::db_ping(rqctx.context()).await?;
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn ready_check(rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        health::ready(rqctx.context()).await?;
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn version_get(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(version::version(rqctx.context())))
    }

    async fn config_get(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        config::app_config(&rqctx).await.map(HttpResponseOk)
    }

    async fn changelog_get(_rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(version::changelog()))
    }

    async fn manifest_get(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(config::manifest(rqctx.context())))
    }

    async fn opensearch_get(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        config::opensearch(rqctx.context()).await
    }

    async fn auths_session_user(rqctx: Ctx) -> Result<OkWithHeaders<SessionUserInfoResponse>, Detail> {
        auths::session_user(&rqctx).await
    }

    async fn auths_signup(rqctx: Ctx, body: FastJson<SignupForm, AuthForm>) -> Result<OkWithHeaders<SessionUserResponse>, Detail> {
        let form = body.into_inner()?;
        auths::signup(&rqctx, form).await
    }

    async fn auths_signin(rqctx: Ctx, body: FastJson<SigninForm, AuthForm>) -> Result<OkWithHeaders<SessionUserResponse>, Detail> {
        let form = body.into_inner()?;
        auths::signin(&rqctx, form).await
    }

    async fn auths_signout(rqctx: Ctx) -> Result<OkWithHeaders<SignoutResponse>, Detail> {
        auths::signout(&rqctx).await
    }

    async fn auths_update_profile(
        rqctx: Ctx,
        body: FastJson<UpdateProfileForm, AuthForm>,
    ) -> Result<OkWithHeaders<UserProfileImageResponse>, Detail> {
        auths::update_profile(&rqctx, body).await
    }

    async fn auths_update_timezone(rqctx: Ctx, body: FastJson<UpdateTimezoneForm, AuthForm>) -> Result<OkWithHeaders<StatusResponse>, Detail> {
        auths::update_timezone(&rqctx, body).await
    }

    async fn auths_update_password(rqctx: Ctx, body: FastJson<UpdatePasswordForm, AuthForm>) -> Result<OkWithHeaders<bool>, Detail> {
        auths::update_password(&rqctx, body).await
    }

    async fn auths_add_user(rqctx: Ctx, body: FastJson<AddUserForm, AuthForm>) -> Result<OkWithHeaders<AddUserResponse>, Detail> {
        auths::add_user(&rqctx, body).await
    }

    async fn auths_admin_details(rqctx: Ctx) -> Result<OkWithHeaders<AdminDetails>, Detail> {
        auths::admin_details(&rqctx).await
    }

    async fn auths_admin_config_get(rqctx: Ctx) -> Result<OkWithHeaders<Value>, Detail> {
        auths::admin_config_get(&rqctx).await
    }

    async fn auths_admin_config_update(
        rqctx: Ctx,
        body: FastJson<Map<String, Value>, AuthForm>,
    ) -> Result<OkWithHeaders<Value>, Detail> {
        auths::admin_config_update(&rqctx, body).await
    }

    async fn auths_api_key_get(rqctx: Ctx) -> Result<OkWithHeaders<ApiKeyResponse>, Detail> {
        auths::api_key_get(&rqctx).await
    }

    async fn auths_api_key_create(rqctx: Ctx) -> Result<OkWithHeaders<ApiKeyResponse>, Detail> {
        auths::api_key_create(&rqctx).await
    }

    async fn auths_api_key_delete(rqctx: Ctx) -> Result<OkWithHeaders<bool>, Detail> {
        auths::api_key_delete(&rqctx).await
    }

    async fn users_settings_get(
        rqctx: Ctx,
        path: Path<UserIdPath>,
        query: Query<UserSettingsQuery>,
    ) -> Result<HttpResponseOk<Option<UserSettings>>, Detail> {
        let raw = query.into_inner().raw.unwrap_or(false);
        users::settings_get(&rqctx, &path.into_inner().user_id, raw).await.map(HttpResponseOk)
    }

    async fn users_settings_update(
        rqctx: Ctx,
        path: Path<UserIdPath>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<HttpResponseOk<UserSettings>, Detail> {
        users::settings_update(&rqctx, &path.into_inner().user_id, body).await.map(HttpResponseOk)
    }
}
