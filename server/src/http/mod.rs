//! The HTTP layer: [`ServerImpl`] implements the API trait; each resource's handlers live in
//! their own module and stay thin (authenticate, call one function, map the result).

pub mod auth;
pub(crate) mod auths;
mod analytics;
mod audio;
mod chats;
mod evaluations;
mod images;
mod knowledge;
mod memories;
mod skills;
mod terminals;
mod pipelines;
mod retrieval;
mod completions;
mod configs;
mod config;
mod connections;
mod cors;
mod folders;
mod functions;
mod groups;
pub mod frontend;
mod health;
mod ldap;
mod mfa;
mod models;
mod notes;
mod oauth;
mod ollama;
mod openai;
mod prompts;
mod query;
mod scim;
mod tasks;
mod tools;
pub mod limits;
pub mod router;
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

/// What the server registers with dropshot: the front door ([`router`]), which routes every
/// request to the API traits' operations.
pub fn api() -> ApiDescription<Arc<ServerContext>> {
    router::api()
}

type Ctx = RequestContext<Arc<ServerContext>>;

impl WebuiLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn auths_delete_oauth_session_by_provider(rqctx: Ctx, path: Path<OauthProviderPath>) -> Result<Answer<bool>, Detail> {
        let p = OauthProviderNamePath { provider: "sessions".into(), name: path.into_inner().provider };
        auths::guarded(&rqctx, None, async { oauth::session_delete(&rqctx, p).await }).await
    }

    async fn oauth_backchannel_logout(rqctx: Ctx, request: dropshot::RawRequest) -> Result<Response<Body>, Detail> {
        let body = limits::read_body(request, PUBLIC_BODY_MAX_BYTES).await?;
        oauth::backchannel_logout(&rqctx, OauthProviderPath { provider: "backchannel-logout".into() }, &body).await
    }

    async fn oauth_client_authorize(rqctx: Ctx, path: Path<OauthClientPath>) -> Result<Response<Body>, Detail> {
        let action = path.into_inner().client_id;
        oauth::callback(&rqctx, OauthStepPath { provider: "clients".into(), action, step: "authorize".into() }).await
    }

    async fn oauth_client_callback(rqctx: Ctx, path: Path<OauthClientPath>) -> Result<Response<Body>, Detail> {
        let action = path.into_inner().client_id;
        oauth::callback(&rqctx, OauthStepPath { provider: "clients".into(), action, step: "callback".into() }).await
    }

    async fn users_get_all(rqctx: Ctx) -> Result<HttpResponseOk<UserInfoListResponse>, Detail> {
        users::all(&rqctx).await.map(HttpResponseOk)
    }

    async fn users_search(rqctx: Ctx, query: Query<UsersListQuery>) -> Result<HttpResponseOk<UserInfoListResponse>, Detail> {
        users::search(&rqctx, &query.into_inner()).await.map(HttpResponseOk)
    }

    async fn users_get_groups(rqctx: Ctx, query: Query<IncludeInheritedQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let groups = users::own_groups(&rqctx, &query.into_inner().include_inherited).await?;
        serde_json::to_value(groups).map(HttpResponseOk).map_err(Detail::internal)
    }

    async fn users_get_permissisions(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        users::own_permissions(&rqctx).await.map(HttpResponseOk)
    }

    async fn users_get_default_permissions(rqctx: Ctx) -> Result<HttpResponseOk<Shaped<UserPermissions>>, Detail> {
        users::default_permissions_get(&rqctx, "default").await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_update_default_permissions(
        rqctx: Ctx,
        body: FastJson<Shaped<UserPermissions, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Shaped<UserPermissions>>, Detail> {
        users::default_permissions_update(&rqctx, "default", body).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_get_default_permissions_defaults(rqctx: Ctx) -> Result<HttpResponseOk<Shaped<UserPermissions>>, Detail> {
        users::default_permissions_defaults(&rqctx, "default").await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_get_settings_by_session(rqctx: Ctx, query: Query<UserSettingsQuery>) -> Result<HttpResponseOk<Option<UserSettings>>, Detail> {
        let raw = query.into_inner().raw.unwrap_or(false);
        users::settings_get(&rqctx, "user", raw).await.map(HttpResponseOk)
    }

    async fn users_update_settings_by_session(
        rqctx: Ctx,
        body: FastJson<Shaped<UserSettings, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<UserSettings>, Detail> {
        users::settings_update(&rqctx, "user", body).await.map(HttpResponseOk)
    }

    async fn users_get_status_by_session(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        users::status_get(&rqctx, "user").await.map(HttpResponseOk)
    }

    async fn users_update_status_by_session(rqctx: Ctx, body: FastJson<UserStatusForm>) -> Result<HttpResponseOk<Value>, Detail> {
        users::status_update(&rqctx, "user", body).await.map(HttpResponseOk)
    }

    async fn users_get_info_by_session(rqctx: Ctx) -> Result<HttpResponseOk<Shaped<Option<Map<String, Value>>>>, Detail> {
        users::info_get(&rqctx, "user").await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_update_info_by_session(
        rqctx: Ctx,
        body: FastJson<Map<String, Value>>,
    ) -> Result<HttpResponseOk<Shaped<Option<Map<String, Value>>>>, Detail> {
        users::info_update(&rqctx, "user", body).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_get_variables_by_session(rqctx: Ctx) -> Result<HttpResponseOk<Shaped<UserVariablesResponse>>, Detail> {
        users::variables_get(&rqctx, "user").await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_update_variables_by_session(
        rqctx: Ctx,
        body: FastJson<UserVariablesForm>,
    ) -> Result<HttpResponseOk<Shaped<UserVariablesResponse>>, Detail> {
        users::variables_update(&rqctx, "user", body).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_get_usage_by_session(rqctx: Ctx, query: Query<UsageQuery>) -> Result<HttpResponseOk<UserUsageResponse>, Detail> {
        users::own_usage(&rqctx, &query.into_inner()).await.map(HttpResponseOk)
    }
}

impl WebuiApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn health_healthcheck(_rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn health_check_db(rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        health::db_ping(rqctx.context()).await?;
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn ready_readiness_check(rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        health::ready(rqctx.context()).await?;
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn version_get_app(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(version::version(rqctx.context())))
    }

    /// `main.py::get_app_latest_release_version`.
    async fn version_get_app_latest_release(rqctx: Ctx) -> Result<HttpResponseOk<webui_api::LatestRelease>, Detail> {
        auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(crate::app::version::latest_release(rqctx.context()).await))
    }

    async fn usage_get_current(rqctx: Ctx) -> Result<HttpResponseOk<CurrentUsage>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(crate::app::health::current_usage(rqctx.context(), &s).await?))
    }

    async fn config_get_app(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        config::app_config(&rqctx).await.map(HttpResponseOk)
    }

    async fn changelog_get_app(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(version::changelog(rqctx.context()).await))
    }

    async fn manifest_json_get(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(config::manifest(rqctx.context())))
    }

    async fn opensearch_xml_get(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        config::opensearch(rqctx.context()).await
    }

    async fn frontend_root(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, Vec::new()).await
    }

    async fn frontend_root_head(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, Vec::new()).await
    }

    async fn frontend_prefix_app(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("_app", path.into_inner().path)).await
    }

    async fn frontend_prefix_assets(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("assets", path.into_inner().path)).await
    }

    async fn frontend_prefix_audio(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("audio", path.into_inner().path)).await
    }

    async fn frontend_prefix_licenses(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("licenses", path.into_inner().path)).await
    }

    async fn frontend_prefix_pyodide(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Pyodide, path.into_inner().path).await
    }

    async fn frontend_prefix_sqljs(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("sql.js", path.into_inner().path)).await
    }

    async fn frontend_prefix_static(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Static, path.into_inner().path).await
    }

    async fn frontend_prefix_wasm(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("wasm", path.into_inner().path)).await
    }

    async fn frontend_prefix_admin(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("admin", path.into_inner().path)).await
    }

    async fn frontend_prefix_auth(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("auth", path.into_inner().path)).await
    }

    async fn frontend_prefix_automations(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("automations", path.into_inner().path)).await
    }

    async fn frontend_prefix_c(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("c", path.into_inner().path)).await
    }

    async fn frontend_prefix_calendar(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("calendar", path.into_inner().path)).await
    }

    async fn frontend_prefix_channels(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("channels", path.into_inner().path)).await
    }

    async fn frontend_prefix_error(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("error", path.into_inner().path)).await
    }

    async fn frontend_prefix_folders(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("folders", path.into_inner().path)).await
    }

    async fn frontend_prefix_home(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("home", path.into_inner().path)).await
    }

    async fn frontend_prefix_notes(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("notes", path.into_inner().path)).await
    }

    async fn frontend_prefix_playground(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("playground", path.into_inner().path)).await
    }

    async fn frontend_prefix_s(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("s", path.into_inner().path)).await
    }

    async fn frontend_prefix_watch(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("watch", path.into_inner().path)).await
    }

    async fn frontend_prefix_workspace(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, frontend::under("workspace", path.into_inner().path)).await
    }

    async fn frontend_file_branding_md(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["BRANDING.md".into()]).await
    }

    async fn frontend_file_readme_md(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["README.md".into()]).await
    }

    async fn frontend_file_favicon_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["favicon.png".into()]).await
    }

    async fn frontend_file_image_placeholder_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["image-placeholder.png".into()]).await
    }

    async fn frontend_file_index_html(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["index.html".into()]).await
    }

    async fn frontend_file_marker_icon_2x_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["marker-icon-2x.png".into()]).await
    }

    async fn frontend_file_marker_icon_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["marker-icon.png".into()]).await
    }

    async fn frontend_file_marker_shadow_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["marker-shadow.png".into()]).await
    }

    async fn frontend_file_robots_txt(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["robots.txt".into()]).await
    }

    async fn frontend_file_user_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        frontend::serve(&rqctx, frontend::Mount::Spa, vec!["user.png".into()]).await
    }

    async fn auths_get_session_user(rqctx: Ctx) -> Result<Answer<SessionUserInfoResponse>, Detail> {
        auths::guarded(&rqctx, None, async {
            auths::session_user(&rqctx).await
        })
        .await
    }

    async fn auths_signup(rqctx: Ctx, body: FastJson<SignupForm, AuthForm>) -> Result<Answer<SigninResult>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            let form = body.into_inner()?;
            limits::signup(&form)?;
            auths::signup(&rqctx, form).await
        })
        .await
    }

    async fn auths_signin(rqctx: Ctx, body: FastJson<SigninForm, AuthForm>) -> Result<Answer<SigninResult>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            let form = body.into_inner()?;
            limits::signin(&form)?;
            auths::signin(&rqctx, form).await
        })
        .await
    }

    async fn auths_signout(rqctx: Ctx) -> Result<Answer<SignoutResponse>, Detail> {
        auths::guarded(&rqctx, None, async {
            auths::signout(&rqctx).await
        })
        .await
    }

    async fn auths_update_profile(
        rqctx: Ctx,
        body: FastJson<UpdateProfileForm, AuthForm>,
    ) -> Result<Answer<UserProfileImageResponse>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            auths::update_profile(&rqctx, body).await
        })
        .await
    }

    async fn auths_update_timezone(rqctx: Ctx, body: FastJson<UpdateTimezoneForm, AuthForm>) -> Result<Answer<StatusResponse>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            auths::update_timezone(&rqctx, body).await
        })
        .await
    }

    async fn auths_update_password(rqctx: Ctx, body: FastJson<UpdatePasswordForm, AuthForm>) -> Result<Answer<bool>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            auths::update_password(&rqctx, body).await
        })
        .await
    }

    async fn auths_add_user(rqctx: Ctx, body: FastJson<AddUserForm, AuthForm>) -> Result<Answer<AddUserResponse>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            auths::add_user(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_admin_details(rqctx: Ctx) -> Result<Answer<AdminDetails>, Detail> {
        auths::guarded(&rqctx, None, async {
            auths::admin_details(&rqctx).await
        })
        .await
    }

    async fn auths_get_admin_config(rqctx: Ctx) -> Result<Answer<Value>, Detail> {
        auths::guarded(&rqctx, None, async {
            auths::admin_config_get(&rqctx).await
        })
        .await
    }

    async fn auths_update_admin_config(
        rqctx: Ctx,
        body: FastJson<Shaped<AdminConfig, Map<String, Value>>, AuthForm>,
    ) -> Result<Answer<Value>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            auths::admin_config_update(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_api_key(rqctx: Ctx) -> Result<Answer<ApiKeyResponse>, Detail> {
        auths::guarded(&rqctx, None, async {
            auths::api_key_get(&rqctx).await
        })
        .await
    }

    async fn auths_generate_api_key(rqctx: Ctx) -> Result<Answer<ApiKeyResponse>, Detail> {
        auths::guarded(&rqctx, None, async {
            auths::api_key_create(&rqctx).await
        })
        .await
    }

    async fn auths_delete_api_key(rqctx: Ctx) -> Result<Answer<bool>, Detail> {
        auths::guarded(&rqctx, None, async {
            auths::api_key_delete(&rqctx).await
        })
        .await
    }

    async fn auths_get_mfa_status(rqctx: Ctx) -> Result<Answer<MfaStatusResponse>, Detail> {
        auths::guarded(&rqctx, None, async {
            mfa::status(&rqctx).await
        })
        .await
    }

    async fn auths_get_mfa_challenge(rqctx: Ctx) -> Result<Answer<MfaChallengeResponse>, Detail> {
        auths::guarded(&rqctx, None, async {
            mfa::challenge(&rqctx).await
        })
        .await
    }

    async fn auths_start_mfa_enrollment(rqctx: Ctx, body: FastJson<MfaChallengeForm, AuthForm>) -> Result<Answer<MfaSetupResponse>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            mfa::enroll_start(&rqctx, body).await
        })
        .await
    }

    async fn auths_confirm_mfa_enrollment(rqctx: Ctx, body: FastJson<MfaVerifyForm, AuthForm>) -> Result<Answer<MfaConfirmResult>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            mfa::enroll_confirm(&rqctx, body).await
        })
        .await
    }

    async fn auths_verify_mfa_challenge(rqctx: Ctx, body: FastJson<MfaVerifyForm, AuthForm>) -> Result<Answer<SessionUserResponse>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            mfa::verify(&rqctx, body).await
        })
        .await
    }

    async fn auths_start_mfa_replacement(rqctx: Ctx, body: FastJson<MfaFactorForm, AuthForm>) -> Result<Answer<MfaChallengeResponse>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            mfa::replace(&rqctx, body).await
        })
        .await
    }

    async fn auths_regenerate_mfa_recovery_codes(rqctx: Ctx, body: FastJson<MfaFactorForm, AuthForm>) -> Result<Answer<MfaRecoveryCodesResponse>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            mfa::recovery_codes(&rqctx, body).await
        })
        .await
    }

    async fn auths_redeem_mfa_reset_token(rqctx: Ctx, body: FastJson<MfaRecoveryForm, AuthForm>) -> Result<Answer<MfaChallengeResponse>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            mfa::recover(&rqctx, body).await
        })
        .await
    }

    async fn auths_ldap(rqctx: Ctx, body: FastJson<LdapForm, AuthForm>) -> Result<Answer<SigninResult>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            ldap::signin(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_ldap_config(rqctx: Ctx) -> Result<Answer<Value>, Detail> {
        auths::guarded(&rqctx, None, async {
            ldap::config_get(&rqctx).await
        })
        .await
    }

    async fn auths_update_ldap_config(rqctx: Ctx, body: FastJson<LdapConfigForm, AuthForm>) -> Result<Answer<Value>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            ldap::config_update(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_ldap_server(rqctx: Ctx) -> Result<Answer<LdapServerConfig>, Detail> {
        auths::guarded(&rqctx, None, async {
            ldap::server_get(&rqctx).await
        })
        .await
    }

    async fn auths_update_ldap_server(rqctx: Ctx, body: FastJson<LdapServerConfig, AuthForm>) -> Result<Answer<Value>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            ldap::server_update(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_oauth_config(rqctx: Ctx) -> Result<Answer<OAuthConfigResponse>, Detail> {
        auths::guarded(&rqctx, None, async {
            auths::oauth_config_get(&rqctx).await
        })
        .await
    }

    async fn auths_update_oauth_config(
        rqctx: Ctx,
        body: FastJson<OAuthConfigForm, AuthForm>,
    ) -> Result<Answer<OAuthConfigResponse>, Detail> {
        auths::guarded(&rqctx, body.decode_error(), async {
            auths::oauth_config_update(&rqctx, body).await
        })
        .await
    }
    async fn auths_token_exchange(
        rqctx: Ctx,
        path: Path<OauthProviderPath>,
        body: FastJson<TokenExchangeForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail> {
        let p = OauthProviderNamePath { provider: path.into_inner().provider, name: "token".into() };
        auths::guarded(&rqctx, body.decode_error(), async { oauth::token_exchange(&rqctx, p, body).await }).await
    }

    async fn oauth_login(rqctx: Ctx, path: Path<OauthProviderPath>) -> Result<Response<Body>, Detail> {
        let provider = path.into_inner().provider;
        oauth::login(&rqctx, OauthActionPath { provider, action: "login".into() }).await
    }

    async fn oauth_login_callback_by_provider(rqctx: Ctx, path: Path<OauthProviderPath>) -> Result<Response<Body>, Detail> {
        let provider = path.into_inner().provider;
        oauth::login(&rqctx, OauthActionPath { provider, action: "callback".into() }).await
    }

    async fn oauth_login_callback_by_provider_login(rqctx: Ctx, path: Path<OauthProviderPath>) -> Result<Response<Body>, Detail> {
        let provider = path.into_inner().provider;
        oauth::callback(&rqctx, OauthStepPath { provider, action: "login".into(), step: "callback".into() }).await
    }

    async fn users_get(rqctx: Ctx, query: Query<UsersListQuery>) -> Result<HttpResponseOk<Shaped<UserGroupIdsListResponse>>, Detail> {
        users::list(&rqctx, query.into_inner()).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_get_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<UserActiveResponse>, Detail> {
        users::by_id(&rqctx, &path.into_inner().user_id).await.map(HttpResponseOk)
    }

    async fn users_delete_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        users::delete(&rqctx, &path.into_inner().user_id).await.map(HttpResponseOk)
    }

    async fn users_get_info_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<Shaped<UserInfoResponse>>, Detail> {
        users::info_get(&rqctx, &path.into_inner().user_id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_get_groups_by_id(
        rqctx: Ctx,
        path: Path<UserIdPath>,
        query: Query<IncludeInheritedQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        users::groups_by_id(&rqctx, &path.into_inner().user_id, &query.into_inner().include_inherited).await.map(HttpResponseOk)
    }

    async fn users_get_profile_image_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<Response<Body>, Detail> {
        users::profile_image(&rqctx, &path.into_inner().user_id).await
    }

    async fn users_get_active_status_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<Shaped<Map<String, Value>>>, Detail> {
        users::active(&rqctx, &path.into_inner().user_id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_get_oauth_sessions_by_id(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<Value>, Detail> {
        users::oauth_sessions(&rqctx, &path.into_inner().user_id).await.map(HttpResponseOk)
    }

    async fn users_revoke_sessions(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        users::sessions_revoke(&rqctx, &path.into_inner().user_id).await.map(HttpResponseOk)
    }

    async fn users_update_by_id(rqctx: Ctx, path: Path<UserIdPath>, body: FastJson<UserUpdateForm>) -> Result<HttpResponseOk<Shaped<Option<UserModel>>>, Detail> {
        users::update(&rqctx, &path.into_inner().user_id, body).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn users_get_preview(rqctx: Ctx, path: Path<UserIdPath>) -> Result<HttpResponseOk<Value>, Detail> {
        users::preview(&rqctx, &path.into_inner().user_id).await.map(HttpResponseOk)
    }

    async fn groups_get(rqctx: Ctx, query: Query<GroupsListQuery>) -> Result<HttpResponseOk<Shaped<Vec<GroupResponse>>>, Detail> {
        groups::list(&rqctx, query.into_inner().share).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_create_new(rqctx: Ctx, body: FastJson<Shaped<GroupForm, Map<String, Value>>>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        groups::create(&rqctx, body).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_get_by_id(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        groups::get(&rqctx, &path.into_inner().id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_get_info_by_id(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Shaped<Option<GroupInfoResponse>>>, Detail> {
        groups::info(&rqctx, &path.into_inner().id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_export_by_id(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Shaped<Option<GroupExportResponse>>>, Detail> {
        groups::export(&rqctx, &path.into_inner().id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_get_users_in(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Shaped<Vec<UserInfoResponse>>>, Detail> {
        groups::users(&rqctx, &path.into_inner().id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_update_by_id(rqctx: Ctx, path: Path<GroupIdPath>, body: FastJson<Shaped<GroupUpdateForm, Map<String, Value>>>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        groups::update(&rqctx, &path.into_inner().id, body).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_add_user_to(rqctx: Ctx, path: Path<GroupIdPath>, body: FastJson<UserIdsForm>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        groups::change_members(&rqctx, &path.into_inner().id, body, true).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_remove_users_from(rqctx: Ctx, path: Path<GroupIdPath>, body: FastJson<UserIdsForm>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        groups::change_members(&rqctx, &path.into_inner().id, body, false).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_delete_by_id(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        groups::delete(&rqctx, &path.into_inner().id).await.map(HttpResponseOk)
    }

    async fn groups_preview_access(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Value>, Detail> {
        groups::preview(&rqctx, &path.into_inner().id).await.map(HttpResponseOk)
    }

    async fn groups_inspect_members(rqctx: Ctx, path: Path<GroupIdPath>, query: Query<GroupMembersQuery>) -> Result<HttpResponseOk<Shaped<GroupMembersResponse>>, Detail> {
        groups::members(&rqctx, &path.into_inner().id, query.into_inner()).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn scim_get_service_provider_config(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        scim::service_provider_config(&rqctx).await
    }

    async fn scim_get_resource_types(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        scim::resource_types(&rqctx).await
    }

    async fn scim_get_schemas(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        scim::schemas(&rqctx).await
    }

    async fn scim_get_users(rqctx: Ctx, query: Query<ScimListQuery>) -> Result<Reply<scim::ListOk>, Detail> {
        scim::users_list(&rqctx, query.into_inner()).await
    }

    async fn scim_create_user(rqctx: Ctx, body: FastJson<ScimUserCreate>) -> Result<Reply<scim::UserCreated>, Detail> {
        scim::users_create(&rqctx, body).await
    }

    async fn scim_get_user(rqctx: Ctx, path: Path<ScimUserPath>) -> Result<Reply<scim::UserOk>, Detail> {
        scim::users_get(&rqctx, &path.into_inner().user_id).await
    }

    async fn scim_update_user(rqctx: Ctx, path: Path<ScimUserPath>, body: FastJson<ScimUserUpdate>) -> Result<Reply<scim::UserOk>, Detail> {
        scim::users_put(&rqctx, &path.into_inner().user_id, body).await
    }

    async fn scim_patch_user(rqctx: Ctx, path: Path<ScimUserPath>, body: FastJson<ScimPatch>) -> Result<Reply<scim::UserOk>, Detail> {
        scim::users_patch(&rqctx, &path.into_inner().user_id, body).await
    }

    async fn scim_delete_user(rqctx: Ctx, path: Path<ScimUserPath>) -> Result<Reply<scim::NoContent>, Detail> {
        scim::users_delete(&rqctx, &path.into_inner().user_id).await
    }

    async fn scim_get_groups(rqctx: Ctx, query: Query<ScimListQuery>) -> Result<Reply<scim::ListOk>, Detail> {
        scim::groups_list(&rqctx, query.into_inner()).await
    }

    async fn scim_create_group(rqctx: Ctx, body: FastJson<ScimGroupCreate>) -> Result<Reply<scim::GroupCreated>, Detail> {
        scim::groups_create(&rqctx, body).await
    }

    async fn scim_get_group(rqctx: Ctx, path: Path<ScimGroupPath>) -> Result<Reply<scim::GroupOk>, Detail> {
        scim::groups_get(&rqctx, &path.into_inner().group_id).await
    }

    async fn scim_update_group(rqctx: Ctx, path: Path<ScimGroupPath>, body: FastJson<ScimGroupWrite>) -> Result<Reply<scim::GroupOk>, Detail> {
        scim::groups_put(&rqctx, &path.into_inner().group_id, body).await
    }

    async fn scim_patch_group(rqctx: Ctx, path: Path<ScimGroupPath>, body: FastJson<ScimPatch>) -> Result<Reply<scim::GroupOk>, Detail> {
        scim::groups_patch(&rqctx, &path.into_inner().group_id, body).await
    }

    async fn scim_delete_group(rqctx: Ctx, path: Path<ScimGroupPath>) -> Result<Reply<scim::NoContent>, Detail> {
        scim::groups_delete(&rqctx, &path.into_inner().group_id).await
    }
}
