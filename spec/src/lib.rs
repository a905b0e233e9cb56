//! The Open WebUI 0.12.4 HTTP API as a dropshot API trait.
//!
//! This crate holds the trait and the wire types only, so the OpenAPI document
//! (`spec/openapi/webui.json`) builds without compiling the server. The reference's own document
//! (`spec/openapi/reference.json`) is the source of truth; `tools conformance` diffs the two.
//!
//! Naming: one module per upstream resource (`health`, `config`, ...), handler names
//! `<resource>_<verb>`, URL paths exactly as upstream.

use dropshot::{Body, HttpResponseHeaders, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::Deserialize;

pub mod auths;
mod body;
mod error;
pub mod types;

pub use auths::*;
pub use body::{validate_body, AuthForm, FastJson, Pydantic, ValidationStyle, AUTH_FORM_INVALID};
pub use error::{Detail, VALIDATION_ERROR_CODE};
pub use types::*;

/// A 200 with extra headers (`Set-Cookie`, `Cache-Control: no-store`) and a typed body.
pub type OkWithHeaders<T> = HttpResponseHeaders<HttpResponseOk<T>>;

/// `{user_id}` in `/api/v1/users/{user_id}/...`; the literal `user` selects the session user's
/// own routes (`/api/v1/users/user/settings`), which dropshot cannot register beside the variable.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UserIdPath {
    pub user_id: String,
}

/// `?raw=` of `GET /api/v1/users/user/settings`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UserSettingsQuery {
    #[serde(default)]
    pub raw: Option<bool>,
}

/// The version of upstream Open WebUI whose API this crate reproduces.
pub const UPSTREAM_VERSION: &str = "0.12.4";

#[dropshot::api_description]
pub trait WebuiApi {
    type Context: Send + Sync + 'static;

    /// Liveness: answers as soon as the process serves HTTP.
    #[endpoint { method = GET, path = "/health" }]
    async fn health_check(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// Database liveness: runs one query.
    #[endpoint { method = GET, path = "/health/db" }]
    async fn health_check_db(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// Readiness: the database answers and start-up has finished.
    #[endpoint { method = GET, path = "/ready" }]
    async fn ready_check(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// The upstream version this server is compatible with, and a deployment id that stays
    /// stable across restarts (the web UI reloads the page when either changes).
    #[endpoint { method = GET, path = "/api/version" }]
    async fn version_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Front-end configuration: a public subset without a session, more with one.
    #[endpoint { method = GET, path = "/api/config" }]
    async fn config_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Upstream's changelog, as the "what's new" dialog shows it.
    #[endpoint { method = GET, path = "/api/changelog" }]
    async fn changelog_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The PWA manifest.
    #[endpoint { method = GET, path = "/manifest.json" }]
    async fn manifest_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The OpenSearch description (browser search-bar integration).
    #[endpoint { method = GET, path = "/opensearch.xml" }]
    async fn opensearch_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    // ---- /api/v1/auths ----

    /// The session user, with a fresh `token` cookie and their permissions.
    #[endpoint { method = GET, path = "/api/v1/auths/", tags = ["auths"] }]
    async fn auths_session_user(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<OkWithHeaders<SessionUserInfoResponse>, Detail>;

    /// Creates an account (the first one becomes admin and closes sign-up) and signs it in.
    #[endpoint { method = POST, path = "/api/v1/auths/signup", tags = ["auths"] }]
    async fn auths_signup(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<SignupForm, AuthForm>,
    ) -> Result<OkWithHeaders<SessionUserResponse>, Detail>;

    /// Email and password sign-in: a session token, also set as the `token` cookie.
    #[endpoint { method = POST, path = "/api/v1/auths/signin", tags = ["auths"] }]
    async fn auths_signin(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<SigninForm, AuthForm>,
    ) -> Result<OkWithHeaders<SessionUserResponse>, Detail>;

    /// Clears the session cookies (without Redis the token itself stays valid, as upstream).
    #[endpoint { method = POST, path = "/api/v1/auths/signout", tags = ["auths"] }]
    async fn auths_signout(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<OkWithHeaders<SignoutResponse>, Detail>;

    /// Updates the session user's name, picture and profile fields.
    #[endpoint { method = POST, path = "/api/v1/auths/update/profile", tags = ["auths"] }]
    async fn auths_update_profile(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UpdateProfileForm, AuthForm>,
    ) -> Result<OkWithHeaders<UserProfileImageResponse>, Detail>;

    /// Stores the browser's time zone for the session user (any role).
    #[endpoint { method = POST, path = "/api/v1/auths/update/timezone", tags = ["auths"] }]
    async fn auths_update_timezone(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UpdateTimezoneForm, AuthForm>,
    ) -> Result<OkWithHeaders<StatusResponse>, Detail>;

    /// Changes the session user's password; every existing session of theirs ends.
    #[endpoint { method = POST, path = "/api/v1/auths/update/password", tags = ["auths"] }]
    async fn auths_update_password(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UpdatePasswordForm, AuthForm>,
    ) -> Result<OkWithHeaders<bool>, Detail>;

    /// Admin creates an account.
    #[endpoint { method = POST, path = "/api/v1/auths/add", tags = ["auths"] }]
    async fn auths_add_user(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<AddUserForm, AuthForm>,
    ) -> Result<OkWithHeaders<AddUserResponse>, Detail>;

    /// The admin contact shown to users (when `SHOW_ADMIN_DETAILS`).
    #[endpoint { method = GET, path = "/api/v1/auths/admin/details", tags = ["auths"] }]
    async fn auths_admin_details(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<OkWithHeaders<AdminDetails>, Detail>;

    /// The admin panel's general authentication settings.
    #[endpoint { method = GET, path = "/api/v1/auths/admin/config", tags = ["auths"] }]
    async fn auths_admin_config_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<OkWithHeaders<serde_json::Value>, Detail>;

    /// Saves the admin panel's general authentication settings.
    #[endpoint { method = POST, path = "/api/v1/auths/admin/config", tags = ["auths"] }]
    async fn auths_admin_config_update(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<serde_json::Map<String, serde_json::Value>, AuthForm>,
    ) -> Result<OkWithHeaders<serde_json::Value>, Detail>;

    /// The session user's API key.
    #[endpoint { method = GET, path = "/api/v1/auths/api_key", tags = ["auths"] }]
    async fn auths_api_key_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<OkWithHeaders<ApiKeyResponse>, Detail>;

    /// Creates (or replaces) the session user's API key.
    #[endpoint { method = POST, path = "/api/v1/auths/api_key", tags = ["auths"] }]
    async fn auths_api_key_create(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<OkWithHeaders<ApiKeyResponse>, Detail>;

    /// Deletes the session user's API key.
    #[endpoint { method = DELETE, path = "/api/v1/auths/api_key", tags = ["auths"] }]
    async fn auths_api_key_delete(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<OkWithHeaders<bool>, Detail>;

    // ---- /api/v1/users ----

    /// `GET /api/v1/users/user/settings` (dispatched on `user_id == "user"`): the session user's
    /// settings, with the admin's default interface settings merged in unless `raw`.
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/settings", tags = ["users"] }]
    async fn users_settings_get(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
        query: Query<UserSettingsQuery>,
    ) -> Result<HttpResponseOk<Option<UserSettings>>, Detail>;

    /// `POST /api/v1/users/user/settings/update` (dispatched on `user_id == "user"`).
    #[endpoint { method = POST, path = "/api/v1/users/{user_id}/settings/update", tags = ["users"] }]
    async fn users_settings_update(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
        body: FastJson<serde_json::Map<String, serde_json::Value>>,
    ) -> Result<HttpResponseOk<UserSettings>, Detail>;
}
