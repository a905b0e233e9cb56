//! The Open WebUI 0.12.4 HTTP API as a dropshot API trait.
//!
//! This crate holds the trait and the wire types only, so the OpenAPI document
//! (`spec/openapi/webui.json`) builds without compiling the server. The reference's own document
//! (`spec/openapi/reference.json`) is the source of truth; `tools conformance` diffs the two.
//!
//! Naming: one module per upstream resource (`health`, `config`, ...), handler names
//! `<resource>_<verb>`, URL paths exactly as upstream.

use dropshot::{Body, HttpResponseCreated, HttpResponseDeleted, HttpResponseHeaders, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::Deserialize;

mod answer;
#[macro_use]
pub mod dispatch;
pub mod auths;
mod body;
pub mod chats;
pub mod completions;
pub mod configs;
pub mod connections;
mod error;
pub mod folders;
pub mod analytics;
pub mod audio;
pub mod evaluations;
pub mod images;
pub mod knowledge;
pub mod memories;
pub mod pipelines;
pub mod retrieval;
pub mod skills;
pub mod terminals;
pub mod frontend;
pub mod functions;
pub mod groups;
pub mod models;
pub mod ollama;
pub mod openai;
pub mod notes;
pub mod prompts;
pub mod scim;
mod shaped;
pub mod tasks;
pub mod tools;
pub mod types;
pub mod users;
pub mod workspace;

pub use answer::{Answer, Reply};
pub use auths::*;
pub use body::{
    parse_body, validate_body, AuthForm, FastJson, FieldError, FieldErrors, Pydantic, ValidationStyle, AUTH_FORM_INVALID,
};

/// The body limit of the routes anyone can call without a session (sign-up, sign-in, LDAP, MFA
/// challenges, OAuth token exchange and back-channel logout, SCIM writes): 1 MiB. The reference
/// has none; over it: 413 (see `Detail`'s `From<HttpError>`).
pub const PUBLIC_BODY_MAX_BYTES: usize = 1024 * 1024;
pub use error::{Detail, VALIDATION_ERROR_CODE};
pub use frontend::FrontendPath;
pub use groups::*;
pub use scim::*;
pub use shaped::Shaped;
pub use types::*;
pub use users::*;

/// A 200 with extra headers (`Set-Cookie`, `Cache-Control: no-store`) and a typed body.
pub type OkWithHeaders<T> = HttpResponseHeaders<HttpResponseOk<T>>;

/// What `GET /api/version/updates` answers.
#[derive(Debug, Clone, serde::Serialize, JsonSchema)]
pub struct LatestRelease {
    pub current: String,
    pub latest: Option<String>,
}

/// `{user_id}` in `/api/v1/users/{user_id}/...`.
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

/// `?days=&start_date=&end_date=` of `GET /api/v1/users/usage` (strings: validated as FastAPI
/// does, with its error list, by the handler).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct UsageQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>", range(min = 7, max = 732))]
    pub days: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub start_date: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub end_date: Option<String>,
}

/// `{client_id}` of `/oauth/clients/{client_id}/...` (tool servers' OAuth clients).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct OauthClientPath {
    pub client_id: String,
}

/// `GET /api/usage`: `{model_ids, user_count}`.
#[derive(Debug, Clone, serde::Serialize, JsonSchema, PartialEq)]
pub struct CurrentUsage {
    pub model_ids: Vec<String>,
    pub user_count: i64,
}

/// The version of upstream Open WebUI whose API this crate reproduces.
pub const UPSTREAM_VERSION: &str = "0.12.4";

api_traits! {
/// The operations whose paths clash with no other's (most of them). Operations with a literal
/// segment where another has a variable (`/api/v1/users/all` beside `/api/v1/users/{user_id}`)
/// are in [`WebuiLiteralApi`]; the server tries that trait's routes first (`crate::dispatch`).
pub trait WebuiApi in webui_api_invokers {
    type Context: Send + Sync + 'static;

    /// Liveness: answers as soon as the process serves HTTP.
    #[endpoint { method = GET, path = "/health" }]
    async fn health_healthcheck(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// Database liveness: runs one query.
    #[endpoint { method = GET, path = "/health/db" }]
    async fn health_check_db(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// Readiness: the database answers and start-up has finished.
    #[endpoint { method = GET, path = "/ready" }]
    async fn ready_readiness_check(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// The upstream version this server is compatible with, and a deployment id that stays
    /// stable across restarts (the web UI reloads the page when either changes).
    #[endpoint { method = GET, path = "/api/version" }]
    async fn version_get_app(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The running version and the latest upstream release (null when GitHub cannot be reached;
    /// the running one when the check is off or `OFFLINE_MODE` is on).
    #[endpoint { method = GET, path = "/api/version/updates" }]
    async fn version_get_app_latest_release(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<LatestRelease>, Detail>;

    /// What is in use now: the models some socket said it uses, and the users seen in the last
    /// three minutes (`get_current_usage`; admins only with ENABLE_PUBLIC_ACTIVE_USERS_COUNT=false).
    #[endpoint { method = GET, path = "/api/usage" }]
    async fn usage_get_current(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<CurrentUsage>, Detail>;

    /// Front-end configuration: a public subset without a session, more with one.
    #[endpoint { method = GET, path = "/api/config" }]
    async fn config_get_app(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Upstream's changelog, as the "what's new" dialog shows it.
    #[endpoint { method = GET, path = "/api/changelog" }]
    async fn changelog_get_app(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The PWA manifest.
    #[endpoint { method = GET, path = "/manifest.json" }]
    async fn manifest_json_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The OpenSearch description (browser search-bar integration).
    #[endpoint { method = GET, path = "/opensearch.xml" }]
    async fn opensearch_xml_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    // ---- The web UI (stock frontend build; unpublished: not in the reference's OpenAPI) ----
    // GET / and HEAD /, one catch-all per top-level directory and client-side route of the
    // build, one route per top-level file (dropshot cannot catch all at the root beside /api).

    /// The web UI's `index.html`.
    #[endpoint { method = GET, path = "/", unpublished = true }]
    async fn frontend_root(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// `HEAD /`.
    #[endpoint { method = HEAD, path = "/", unpublished = true }]
    async fn frontend_root_head(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `_app/` (SvelteKit bundles, `version.json`).
    #[endpoint { method = GET, path = "/_app/{path:.*}", unpublished = true }]
    async fn frontend_prefix_app(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `assets/` (fonts, emojis, videos).
    #[endpoint { method = GET, path = "/assets/{path:.*}", unpublished = true }]
    async fn frontend_prefix_assets(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `audio/`.
    #[endpoint { method = GET, path = "/audio/{path:.*}", unpublished = true }]
    async fn frontend_prefix_audio(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `licenses/`.
    #[endpoint { method = GET, path = "/licenses/{path:.*}", unpublished = true }]
    async fn frontend_prefix_licenses(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `pyodide/` (the reference's CORS mount).
    #[endpoint { method = GET, path = "/pyodide/{path:.*}", unpublished = true }]
    async fn frontend_prefix_pyodide(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `sql.js/`.
    #[endpoint { method = GET, path = "/sql.js/{path:.*}", unpublished = true }]
    async fn frontend_prefix_sqljs(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: `/static` (the reference's STATIC_DIR: the build's `static/`, then the wheel's).
    #[endpoint { method = GET, path = "/static/{path:.*}", unpublished = true }]
    async fn frontend_prefix_static(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `wasm/`.
    #[endpoint { method = GET, path = "/wasm/{path:.*}", unpublished = true }]
    async fn frontend_prefix_wasm(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/admin/...`.
    #[endpoint { method = GET, path = "/admin/{path:.*}", unpublished = true }]
    async fn frontend_prefix_admin(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/auth`.
    #[endpoint { method = GET, path = "/auth/{path:.*}", unpublished = true }]
    async fn frontend_prefix_auth(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/automations/...`.
    #[endpoint { method = GET, path = "/automations/{path:.*}", unpublished = true }]
    async fn frontend_prefix_automations(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/c/{id}`.
    #[endpoint { method = GET, path = "/c/{path:.*}", unpublished = true }]
    async fn frontend_prefix_c(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/calendar`.
    #[endpoint { method = GET, path = "/calendar/{path:.*}", unpublished = true }]
    async fn frontend_prefix_calendar(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/channels/{id}`.
    #[endpoint { method = GET, path = "/channels/{path:.*}", unpublished = true }]
    async fn frontend_prefix_channels(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/error`.
    #[endpoint { method = GET, path = "/error/{path:.*}", unpublished = true }]
    async fn frontend_prefix_error(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/folders/{id}`.
    #[endpoint { method = GET, path = "/folders/{path:.*}", unpublished = true }]
    async fn frontend_prefix_folders(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/home`.
    #[endpoint { method = GET, path = "/home/{path:.*}", unpublished = true }]
    async fn frontend_prefix_home(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/notes/...`.
    #[endpoint { method = GET, path = "/notes/{path:.*}", unpublished = true }]
    async fn frontend_prefix_notes(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/playground/...`.
    #[endpoint { method = GET, path = "/playground/{path:.*}", unpublished = true }]
    async fn frontend_prefix_playground(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/s/{id}` (shared chats).
    #[endpoint { method = GET, path = "/s/{path:.*}", unpublished = true }]
    async fn frontend_prefix_s(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/watch`.
    #[endpoint { method = GET, path = "/watch/{path:.*}", unpublished = true }]
    async fn frontend_prefix_watch(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/workspace/...`.
    #[endpoint { method = GET, path = "/workspace/{path:.*}", unpublished = true }]
    async fn frontend_prefix_workspace(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `BRANDING.md`.
    #[endpoint { method = GET, path = "/BRANDING.md", unpublished = true }]
    async fn frontend_file_branding_md(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `README.md`.
    #[endpoint { method = GET, path = "/README.md", unpublished = true }]
    async fn frontend_file_readme_md(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `favicon.png`.
    #[endpoint { method = GET, path = "/favicon.png", unpublished = true }]
    async fn frontend_file_favicon_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `image-placeholder.png`.
    #[endpoint { method = GET, path = "/image-placeholder.png", unpublished = true }]
    async fn frontend_file_image_placeholder_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `index.html`.
    #[endpoint { method = GET, path = "/index.html", unpublished = true }]
    async fn frontend_file_index_html(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `marker-icon-2x.png`.
    #[endpoint { method = GET, path = "/marker-icon-2x.png", unpublished = true }]
    async fn frontend_file_marker_icon_2x_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `marker-icon.png`.
    #[endpoint { method = GET, path = "/marker-icon.png", unpublished = true }]
    async fn frontend_file_marker_icon_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `marker-shadow.png`.
    #[endpoint { method = GET, path = "/marker-shadow.png", unpublished = true }]
    async fn frontend_file_marker_shadow_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `robots.txt`.
    #[endpoint { method = GET, path = "/robots.txt", unpublished = true }]
    async fn frontend_file_robots_txt(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `user.png`.
    #[endpoint { method = GET, path = "/user.png", unpublished = true }]
    async fn frontend_file_user_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    // ---- /api/v1/auths ----

    /// The session user, with a fresh `token` cookie and their permissions.
    #[endpoint { method = GET, path = "/api/v1/auths/", tags = ["auths"] }]
    async fn auths_get_session_user(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<SessionUserInfoResponse>, Detail>;

    /// Creates an account (the first one becomes admin and closes sign-up) and signs it in.
    // Unauthenticated: a body far smaller than the global limit (`PUBLIC_BODY_MAX_BYTES`; a
    // sign-up carries at most a small inline avatar). Over it: 413 (see `server::http::limits`).
    #[endpoint { method = POST, path = "/api/v1/auths/signup", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_signup(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<SignupForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail>;

    /// Email and password sign-in: a session token, also set as the `token` cookie.
    // Unauthenticated: a body far smaller than the global limit (`PUBLIC_BODY_MAX_BYTES`; a
    // sign-up carries at most a small inline avatar). Over it: 413 (see `server::http::limits`).
    #[endpoint { method = POST, path = "/api/v1/auths/signin", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_signin(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<SigninForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail>;

    /// Clears the session cookies (without Redis the token itself stays valid, as upstream).
    #[endpoint { method = POST, path = "/api/v1/auths/signout", tags = ["auths"] }]
    async fn auths_signout(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<SignoutResponse>, Detail>;

    /// Updates the session user's name, picture and profile fields.
    #[endpoint { method = POST, path = "/api/v1/auths/update/profile", tags = ["auths"] }]
    async fn auths_update_profile(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UpdateProfileForm, AuthForm>,
    ) -> Result<Answer<UserProfileImageResponse>, Detail>;

    /// Stores the browser's time zone for the session user (any role).
    #[endpoint { method = POST, path = "/api/v1/auths/update/timezone", tags = ["auths"] }]
    async fn auths_update_timezone(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UpdateTimezoneForm, AuthForm>,
    ) -> Result<Answer<StatusResponse>, Detail>;

    /// Changes the session user's password; every existing session of theirs ends.
    #[endpoint { method = POST, path = "/api/v1/auths/update/password", tags = ["auths"] }]
    async fn auths_update_password(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UpdatePasswordForm, AuthForm>,
    ) -> Result<Answer<bool>, Detail>;

    /// Admin creates an account.
    #[endpoint { method = POST, path = "/api/v1/auths/add", tags = ["auths"] }]
    async fn auths_add_user(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<AddUserForm, AuthForm>,
    ) -> Result<Answer<AddUserResponse>, Detail>;

    /// The admin contact shown to users (when `SHOW_ADMIN_DETAILS`).
    #[endpoint { method = GET, path = "/api/v1/auths/admin/details", tags = ["auths"] }]
    async fn auths_get_admin_details(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<AdminDetails>, Detail>;

    /// The admin panel's general authentication settings.
    #[endpoint { method = GET, path = "/api/v1/auths/admin/config", tags = ["auths"] }]
    async fn auths_get_admin_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// Saves the admin panel's general authentication settings.
    #[endpoint { method = POST, path = "/api/v1/auths/admin/config", tags = ["auths"] }]
    async fn auths_update_admin_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<AdminConfig, serde_json::Map<String, serde_json::Value>>, AuthForm>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// The session user's API key.
    #[endpoint { method = GET, path = "/api/v1/auths/api_key", tags = ["auths"] }]
    async fn auths_get_api_key(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<ApiKeyResponse>, Detail>;

    /// Creates (or replaces) the session user's API key.
    #[endpoint { method = POST, path = "/api/v1/auths/api_key", tags = ["auths"] }]
    async fn auths_generate_api_key(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<ApiKeyResponse>, Detail>;

    /// Deletes the session user's API key.
    #[endpoint { method = DELETE, path = "/api/v1/auths/api_key", tags = ["auths"] }]
    async fn auths_delete_api_key(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<bool>, Detail>;

    /// The session's MFA state: enrolled, required, recovery codes left (human sessions only).
    #[endpoint { method = GET, path = "/api/v1/auths/mfa/status", tags = ["auths"] }]
    async fn auths_get_mfa_status(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<MfaStatusResponse>, Detail>;

    /// The pending login step of the browser's `mfa_challenge` cookie (same-origin only).
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/challenge", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_get_mfa_challenge(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<MfaChallengeResponse>, Detail>;

    /// Starts enrolling an authenticator for an `enroll` (or replacement) step: its secret and QR code.
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/enroll/start", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_start_mfa_enrollment(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaChallengeForm, AuthForm>,
    ) -> Result<Answer<MfaSetupResponse>, Detail>;

    /// Confirms the new authenticator with its first code: recovery codes, and a session when
    /// this was a login.
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/enroll/confirm", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_confirm_mfa_enrollment(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaVerifyForm, AuthForm>,
    ) -> Result<Answer<MfaConfirmResult>, Detail>;

    /// Finishes a login with a TOTP or recovery code: the session.
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/verify", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_verify_mfa_challenge(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaVerifyForm, AuthForm>,
    ) -> Result<Answer<SessionUserResponse>, Detail>;

    /// From a recent session, a code starts replacing the authenticator (an `enroll` step).
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/replace", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_start_mfa_replacement(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaFactorForm, AuthForm>,
    ) -> Result<Answer<MfaChallengeResponse>, Detail>;

    /// From a recent session, a code renews the recovery codes (other sessions end).
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/recovery/codes", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_regenerate_mfa_recovery_codes(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaFactorForm, AuthForm>,
    ) -> Result<Answer<MfaRecoveryCodesResponse>, Detail>;

    /// An operator's reset token turns a `recover` step into a new enrolment.
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/recover", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_redeem_mfa_reset_token(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaRecoveryForm, AuthForm>,
    ) -> Result<Answer<MfaChallengeResponse>, Detail>;

    /// Exchanges a provider's access token for a session (off unless `ENABLE_OAUTH_TOKEN_EXCHANGE`).
    #[endpoint { method = POST, path = "/api/v1/auths/oauth/{provider}/token/exchange", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_token_exchange(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
        body: FastJson<TokenExchangeForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail>;

    /// Sign-in against the configured LDAP directory (the account is created on first sight; the
    /// very first account becomes admin).
    #[endpoint { method = POST, path = "/api/v1/auths/ldap", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_ldap(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<LdapForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail>;

    /// Whether LDAP sign-in is on.
    #[endpoint { method = GET, path = "/api/v1/auths/admin/config/ldap", tags = ["auths"] }]
    async fn auths_get_ldap_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// Turns LDAP sign-in on or off.
    #[endpoint { method = POST, path = "/api/v1/auths/admin/config/ldap", tags = ["auths"] }]
    async fn auths_update_ldap_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<LdapConfigForm, AuthForm>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// The LDAP server settings.
    #[endpoint { method = GET, path = "/api/v1/auths/admin/config/ldap/server", tags = ["auths"] }]
    async fn auths_get_ldap_server(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<LdapServerConfig>, Detail>;

    /// Saves the LDAP server settings.
    #[endpoint { method = POST, path = "/api/v1/auths/admin/config/ldap/server", tags = ["auths"] }]
    async fn auths_update_ldap_server(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<LdapServerConfig, AuthForm>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// The OAuth/OIDC settings of the admin panel.
    #[endpoint { method = GET, path = "/api/v1/auths/admin/config/oauth", tags = ["auths"] }]
    async fn auths_get_oauth_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<OAuthConfigResponse>, Detail>;

    /// Saves the OAuth/OIDC settings sent (absent or null fields are left as they are).
    #[endpoint { method = POST, path = "/api/v1/auths/admin/config/oauth", tags = ["auths"] }]
    async fn auths_update_oauth_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<OAuthConfigForm, AuthForm>,
    ) -> Result<Answer<OAuthConfigResponse>, Detail>;

    // ---- /oauth (sign-in with an OAuth provider; tool-server OAuth clients) ----

    /// Redirects to the provider's sign-in page (404 while no provider is configured).
    #[endpoint { method = GET, path = "/oauth/{provider}/login", tags = ["oauth"] }]
    async fn oauth_login(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The legacy provider callback.
    #[endpoint { method = GET, path = "/oauth/{provider}/callback", tags = ["oauth"] }]
    async fn oauth_login_callback_by_provider(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The provider's redirect back after sign-in.
    #[endpoint { method = GET, path = "/oauth/{provider}/login/callback", tags = ["oauth"] }]
    async fn oauth_login_callback_by_provider_login(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
    ) -> Result<Response<Body>, Detail>;

    // ---- /api/v1/users ----

    /// Admin: one page (30) of users with their group ids, filtered by `query` (name or email).
    #[endpoint { method = GET, path = "/api/v1/users/", tags = ["users"] }]
    async fn users_get(
        rqctx: RequestContext<Self::Context>,
        query: Query<UsersListQuery>,
    ) -> Result<HttpResponseOk<Shaped<UserGroupIdsListResponse>>, Detail>;

    /// Admin: one user with their groups and activity.
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}", tags = ["users"] }]
    async fn users_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<HttpResponseOk<UserActiveResponse>, Detail>;

    /// Admin: deletes a user (not the first admin, not oneself).
    #[endpoint { method = DELETE, path = "/api/v1/users/{user_id}", tags = ["users"] }]
    async fn users_delete_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// A user's public card (any verified user).
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/info", tags = ["users"] }]
    async fn users_get_info_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<HttpResponseOk<Shaped<UserInfoResponse>>, Detail>;

    /// Admin: the groups a user belongs to (`include_inherited` adds ancestor groups).
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/groups", tags = ["users"] }]
    async fn users_get_groups_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
        query: Query<IncludeInheritedQuery>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// A user's avatar: a redirect to an external URL, the decoded `data:` image, or the stock
    /// `user.png`.
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/profile/image", tags = ["users"] }]
    async fn users_get_profile_image_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<Response<Body>, Detail>;

    /// Whether a user was active in the last three minutes.
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/active", tags = ["users"] }]
    async fn users_get_active_status_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<HttpResponseOk<Shaped<serde_json::Map<String, serde_json::Value>>>, Detail>;

    /// Admin: a user's OAuth sessions.
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/oauth/sessions", tags = ["users"] }]
    async fn users_get_oauth_sessions_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Admin: ends every session of a user.
    #[endpoint { method = POST, path = "/api/v1/users/{user_id}/sessions/revoke", tags = ["users"] }]
    async fn users_revoke_sessions(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Admin: updates a user's role, name, email, picture or password.
    #[endpoint { method = POST, path = "/api/v1/users/{user_id}/update", tags = ["users"] }]
    async fn users_update_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
        body: FastJson<UserUpdateForm>,
    ) -> Result<HttpResponseOk<Shaped<Option<UserModel>>>, Detail>;

    /// Admin: what a user can reach through ownership and grants (models, knowledge, tools).
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/preview", tags = ["users"] }]
    async fn users_get_preview(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    // ---- /api/v1/groups ----

    /// Groups: all of them for an admin; a user's own (or, with `share`, those they may share to).
    #[endpoint { method = GET, path = "/api/v1/groups/", tags = ["groups"] }]
    async fn groups_get(
        rqctx: RequestContext<Self::Context>,
        query: Query<GroupsListQuery>,
    ) -> Result<HttpResponseOk<Shaped<Vec<GroupResponse>>>, Detail>;

    /// Admin: creates a group (optionally under a parent).
    #[endpoint { method = POST, path = "/api/v1/groups/create", tags = ["groups"] }]
    async fn groups_create_new(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<GroupForm, serde_json::Map<String, serde_json::Value>>>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// Admin: one group with its member count.
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}", tags = ["groups"] }]
    async fn groups_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// A group's name, description and member count (any verified user).
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}/info", tags = ["groups"] }]
    async fn groups_get_info_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupInfoResponse>>>, Detail>;

    /// Admin: a group with its member ids.
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}/export", tags = ["groups"] }]
    async fn groups_export_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupExportResponse>>>, Detail>;

    /// Admin: the members of a group.
    #[endpoint { method = POST, path = "/api/v1/groups/id/{id}/users", tags = ["groups"] }]
    async fn groups_get_users_in(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<Shaped<Vec<UserInfoResponse>>>, Detail>;

    /// Admin: updates a group (`data` is merged, the parent re-checked).
    #[endpoint { method = POST, path = "/api/v1/groups/id/{id}/update", tags = ["groups"] }]
    async fn groups_update_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
        body: FastJson<Shaped<GroupUpdateForm, serde_json::Map<String, serde_json::Value>>>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// Admin: adds existing users to a group.
    #[endpoint { method = POST, path = "/api/v1/groups/id/{id}/users/add", tags = ["groups"] }]
    async fn groups_add_user_to(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
        body: FastJson<UserIdsForm>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// Admin: removes users from a group.
    #[endpoint { method = POST, path = "/api/v1/groups/id/{id}/users/remove", tags = ["groups"] }]
    async fn groups_remove_users_from(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
        body: FastJson<UserIdsForm>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// Admin: deletes a group; its children move up to its parent.
    #[endpoint { method = DELETE, path = "/api/v1/groups/id/{id}/delete", tags = ["groups"] }]
    async fn groups_delete_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Admin: what a group can reach (resources, default models, permissions).
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}/preview", tags = ["groups"] }]
    async fn groups_preview_access(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Admin: a page of a group's direct and inherited members.
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}/members", tags = ["groups"] }]
    async fn groups_inspect_members(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
        query: Query<GroupMembersQuery>,
    ) -> Result<HttpResponseOk<Shaped<GroupMembersResponse>>, Detail>;

    // ---- /api/v1/scim/v2 (only with ENABLE_SCIM; SCIM_TOKEN bearer auth) ----

    /// SCIM service provider configuration (no token needed).
    #[endpoint { method = GET, path = "/api/v1/scim/v2/ServiceProviderConfig", tags = ["scim"] }]
    async fn scim_get_service_provider_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// SCIM resource types (no token needed).
    #[endpoint { method = GET, path = "/api/v1/scim/v2/ResourceTypes", tags = ["scim"] }]
    async fn scim_get_resource_types(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// SCIM schemas (no token needed).
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Schemas", tags = ["scim"] }]
    async fn scim_get_schemas(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// Provisioned users (those with OAuth or SCIM data).
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Users", tags = ["scim"] }]
    async fn scim_get_users(
        rqctx: RequestContext<Self::Context>,
        query: Query<ScimListQuery>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimListResponse>>>, Detail>;

    /// Provisions a user.
    #[endpoint { method = POST, path = "/api/v1/scim/v2/Users", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_create_user(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ScimUserCreate>,
    ) -> Result<Reply<HttpResponseCreated<Shaped<ScimUser>>>, Detail>;

    /// One provisioned user.
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Users/{user_id}", tags = ["scim"] }]
    async fn scim_get_user(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimUserPath>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimUser>>>, Detail>;

    /// Replaces a provisioned user's attributes.
    #[endpoint { method = PUT, path = "/api/v1/scim/v2/Users/{user_id}", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_update_user(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimUserPath>,
        body: FastJson<ScimUserUpdate>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimUser>>>, Detail>;

    /// Patches a provisioned user.
    #[endpoint { method = PATCH, path = "/api/v1/scim/v2/Users/{user_id}", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_patch_user(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimUserPath>,
        body: FastJson<ScimPatch>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimUser>>>, Detail>;

    /// Deletes a provisioned user (never an admin).
    #[endpoint { method = DELETE, path = "/api/v1/scim/v2/Users/{user_id}", tags = ["scim"] }]
    async fn scim_delete_user(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimUserPath>,
    ) -> Result<Reply<HttpResponseHeaders<HttpResponseDeleted>>, Detail>;

    /// Groups.
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Groups", tags = ["scim"] }]
    async fn scim_get_groups(
        rqctx: RequestContext<Self::Context>,
        query: Query<ScimListQuery>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimListResponse>>>, Detail>;

    /// Creates a group with direct user members.
    #[endpoint { method = POST, path = "/api/v1/scim/v2/Groups", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_create_group(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ScimGroupCreate>,
    ) -> Result<Reply<HttpResponseCreated<Shaped<ScimGroup>>>, Detail>;

    /// One group.
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Groups/{group_id}", tags = ["scim"] }]
    async fn scim_get_group(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimGroupPath>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimGroup>>>, Detail>;

    /// Replaces a group's name and members.
    #[endpoint { method = PUT, path = "/api/v1/scim/v2/Groups/{group_id}", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_update_group(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimGroupPath>,
        body: FastJson<ScimGroupWrite>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimGroup>>>, Detail>;

    /// Patches a group's name and members.
    #[endpoint { method = PATCH, path = "/api/v1/scim/v2/Groups/{group_id}", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_patch_group(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimGroupPath>,
        body: FastJson<ScimPatch>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimGroup>>>, Detail>;

    /// Deletes a group.
    #[endpoint { method = DELETE, path = "/api/v1/scim/v2/Groups/{group_id}", tags = ["scim"] }]
    async fn scim_delete_group(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimGroupPath>,
    ) -> Result<Reply<HttpResponseHeaders<HttpResponseDeleted>>, Detail>;
}

/// The operations with a literal path segment where an operation of [`WebuiApi`] has a variable
/// (`GET /api/v1/users/all` beside `GET /api/v1/users/{user_id}`): dropshot cannot route both in
/// one router, so the server keeps these in a router of their own and tries it first, as the
/// reference declares such literal routes before the variable one.
pub trait WebuiLiteralApi in webui_literal_api_invokers {
    type Context: Send + Sync + 'static;

    // ---- /api/v1/auths/oauth ----

    /// Deletes the session user's OAuth session with a provider.
    #[endpoint { method = DELETE, path = "/api/v1/auths/oauth/sessions/{provider}", tags = ["auths"] }]
    async fn auths_delete_oauth_session_by_provider(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
    ) -> Result<Answer<bool>, Detail>;

    // ---- /oauth ----

    /// OpenID back-channel logout (off unless `ENABLE_OAUTH_BACKCHANNEL_LOGOUT`): ends the
    /// sessions a provider's logout token names.
    #[endpoint { method = POST, path = "/oauth/backchannel-logout", tags = ["oauth"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    // The body is read by the handler (at most `PUBLIC_BODY_MAX_BYTES`): the reference reads
    // `request.form()` without declaring a body, so none is documented.
    async fn oauth_backchannel_logout(
        rqctx: RequestContext<Self::Context>,
        request: dropshot::RawRequest,
    ) -> Result<Response<Body>, Detail>;

    /// A tool server's OAuth client: starts its authorization (verified users).
    #[endpoint { method = GET, path = "/oauth/clients/{client_id}/authorize", tags = ["oauth"] }]
    async fn oauth_client_authorize(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthClientPath>,
    ) -> Result<Response<Body>, Detail>;

    /// A tool server's OAuth client: the provider's redirect back.
    #[endpoint { method = GET, path = "/oauth/clients/{client_id}/callback", tags = ["oauth"] }]
    async fn oauth_client_callback(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthClientPath>,
    ) -> Result<Response<Body>, Detail>;

    // ---- /api/v1/users ----

    /// Admin: every user, as cards.
    #[endpoint { method = GET, path = "/api/v1/users/all", tags = ["users"] }]
    async fn users_get_all(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<UserInfoListResponse>, Detail>;

    /// Verified users: a page of user cards matching a search.
    #[endpoint { method = GET, path = "/api/v1/users/search", tags = ["users"] }]
    async fn users_search(
        rqctx: RequestContext<Self::Context>,
        query: Query<UsersListQuery>,
    ) -> Result<HttpResponseOk<UserInfoListResponse>, Detail>;

    /// The session user's groups.
    #[endpoint { method = GET, path = "/api/v1/users/groups", tags = ["users"] }]
    async fn users_get_groups(
        rqctx: RequestContext<Self::Context>,
        query: Query<IncludeInheritedQuery>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The session user's effective permissions.
    #[endpoint { method = GET, path = "/api/v1/users/permissions", tags = ["users"] }]
    async fn users_get_permissisions(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Admin: the default permissions of every user.
    #[endpoint { method = GET, path = "/api/v1/users/default/permissions", tags = ["users"] }]
    async fn users_get_default_permissions(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Shaped<UserPermissions>>, Detail>;

    /// Admin: sets the default permissions.
    #[endpoint { method = POST, path = "/api/v1/users/default/permissions", tags = ["users"] }]
    async fn users_update_default_permissions(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<UserPermissions, serde_json::Map<String, serde_json::Value>>>,
    ) -> Result<HttpResponseOk<Shaped<UserPermissions>>, Detail>;

    /// Admin: the built-in default permissions (before any change).
    #[endpoint { method = GET, path = "/api/v1/users/default/permissions/defaults", tags = ["users"] }]
    async fn users_get_default_permissions_defaults(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Shaped<UserPermissions>>, Detail>;

    /// The session user's settings (`?raw=true`: as stored).
    #[endpoint { method = GET, path = "/api/v1/users/user/settings", tags = ["users"] }]
    async fn users_get_settings_by_session(
        rqctx: RequestContext<Self::Context>,
        query: Query<UserSettingsQuery>,
    ) -> Result<HttpResponseOk<Option<UserSettings>>, Detail>;

    /// Replaces the session user's settings.
    #[endpoint { method = POST, path = "/api/v1/users/user/settings/update", tags = ["users"] }]
    async fn users_update_settings_by_session(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<UserSettings, serde_json::Map<String, serde_json::Value>>>,
    ) -> Result<HttpResponseOk<UserSettings>, Detail>;

    /// The session user's status (emoji, message, expiry).
    #[endpoint { method = GET, path = "/api/v1/users/user/status", tags = ["users"] }]
    async fn users_get_status_by_session(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Sets the session user's status.
    #[endpoint { method = POST, path = "/api/v1/users/user/status/update", tags = ["users"] }]
    async fn users_update_status_by_session(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UserStatusForm>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The session user's `info` dict (null when unset).
    #[endpoint { method = GET, path = "/api/v1/users/user/info", tags = ["users"] }]
    async fn users_get_info_by_session(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Shaped<Option<serde_json::Map<String, serde_json::Value>>>>, Detail>;

    /// Merges a dict into the session user's `info`.
    #[endpoint { method = POST, path = "/api/v1/users/user/info/update", tags = ["users"] }]
    async fn users_update_info_by_session(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<serde_json::Map<String, serde_json::Value>>,
    ) -> Result<HttpResponseOk<Shaped<Option<serde_json::Map<String, serde_json::Value>>>>, Detail>;

    /// The session user's prompt variables.
    #[endpoint { method = GET, path = "/api/v1/users/user/variables", tags = ["users"] }]
    async fn users_get_variables_by_session(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Shaped<UserVariablesResponse>>, Detail>;

    /// Replaces the session user's prompt variables.
    #[endpoint { method = POST, path = "/api/v1/users/user/variables/update", tags = ["users"] }]
    async fn users_update_variables_by_session(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UserVariablesForm>,
    ) -> Result<HttpResponseOk<Shaped<UserVariablesResponse>>, Detail>;

    /// The session user's usage statistics (messages, tokens, models, tools) over a period.
    #[endpoint { method = GET, path = "/api/v1/users/usage", tags = ["users"] }]
    async fn users_get_usage_by_session(
        rqctx: RequestContext<Self::Context>,
        query: Query<UsageQuery>,
    ) -> Result<HttpResponseOk<UserUsageResponse>, Detail>;
}
}

/// A trait's description as the stub its document is generated from (no server needed).
pub type Describe = fn() -> Result<dropshot::ApiDescription<dropshot::StubContext>, dropshot::ApiDescriptionBuildErrors>;

/// One API trait's OpenAPI document, managed by `cargo openapi` as `spec/openapi/<ident>.json`.
pub struct ApiDocument {
    pub ident: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub describe: Describe,
}

/// Every API trait, one document each. A resource has a trait of its own (its operations, its
/// document) and, where one of its paths has a literal segment where another of its paths has a
/// variable (`/api/v1/chats/all` beside `/api/v1/chats/{id}`), a second "literal" trait for those:
/// dropshot's description is a router and cannot hold both. The server serves them all
/// (`server::http::router`, literal traits first); the tools merge them (`tools::read_ours`).
/// Adding a trait: declare it with [`api_traits!`], list it here and in the server's router.
pub const API_DOCUMENTS: &[ApiDocument] = &[
    ApiDocument {
        ident: "webui",
        title: "Open WebUI",
        description: "The Open WebUI HTTP API, served by the Rust backend (drop-in for the Python backend): \
                      health, configuration, auths, users, groups, SCIM.",
        describe: webui_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "webui-literal",
        title: "Open WebUI (literal routes)",
        description: "The operations of webui.json's resources with a literal path segment where another has a \
                      variable (served beside webui.json; dropshot documents them apart).",
        describe: webui_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "chats",
        title: "Open WebUI: chats",
        description: "/api/v1/chats: a user's chats, their messages, tags, pins, archive and sharing.",
        describe: chats::chats_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "chats-literal",
        title: "Open WebUI: chats (literal routes)",
        description: "The /api/v1/chats operations with a literal path segment where another has a variable \
                      (`/api/v1/chats/all` beside `/api/v1/chats/{id}`).",
        describe: chats::chats_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "completions",
        title: "Open WebUI: chat completions",
        description: "/api/chat/completions and the connections' chat routes: streamed answers for API callers, \
                      background tasks with socket.io events for the web UI.",
        describe: completions::completions_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "tasks",
        title: "Open WebUI: tasks",
        description: "/api/tasks: background tasks (chat completions for the web UI), listed and stopped on every instance.",
        describe: tasks::tasks_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "chats-share",
        title: "Open WebUI: chats (shared links)",
        description: "GET /api/v1/chats/share/{share_id}: beside DELETE /api/v1/chats/share/all, so in a trait of its own.",
        describe: chats::chats_share_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "folders",
        title: "Open WebUI: folders",
        description: "/api/v1/folders: a user's chat folders.",
        describe: folders::folders_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "folders-literal",
        title: "Open WebUI: folders (literal routes)",
        description: "The /api/v1/folders operations with a literal path segment where another has a variable \
                      (`/api/v1/folders/shared` beside `/api/v1/folders/{id}`).",
        describe: folders::folders_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "configs",
        title: "Open WebUI: configs",
        description: "/api/v1/configs: the admin panel's settings (banners, models, connections, code execution, ...).",
        describe: configs::configs_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "connections",
        title: "Open WebUI: connections",
        description: "/openai/config, /ollama/config and their verify routes: the LLM providers' connections.",
        describe: connections::connections_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "models",
        title: "Open WebUI: models",
        description: "/api/models (the merged model list) and /api/v1/models (the workspace models).",
        describe: models::models_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "ollama",
        title: "Open WebUI: ollama",
        description: "/ollama: the Ollama proxy (models, versions, completions, embeddings, model management).",
        describe: ollama::ollama_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "openai",
        title: "Open WebUI: openai",
        description: "/openai: the OpenAI-compatible connections' models, model management and text to speech.",
        describe: openai::openai_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "openai-passthrough",
        title: "Open WebUI: openai (passthrough)",
        description: "/openai/{path}: the deprecated passthrough, beside the literal /openai routes, so in a trait of its own.",
        describe: openai::openai_passthrough_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "openai-passthrough-rest",
        title: "Open WebUI: openai (passthrough, longer paths)",
        description: "/openai/{path:.*}: the passthrough for paths of several segments (unpublished: dropshot documents no wildcard).",
        describe: openai::openai_passthrough_rest_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "tools",
        title: "Open WebUI: tools",
        description: "/api/v1/tools: the workspace tools (reads; the routes that run a tool's code are not served).",
        describe: tools::tools_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "functions",
        title: "Open WebUI: functions",
        description: "/api/v1/functions: pipes, filters and actions (reads; the routes that run a function's code are not served).",
        describe: functions::functions_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "prompts",
        title: "Open WebUI: prompts",
        description: "/api/v1/prompts: the workspace prompts (slash commands), their versions and their sharing.",
        describe: prompts::prompts_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "prompts-literal",
        title: "Open WebUI: prompts (literal routes)",
        description: "The /api/v1/prompts operations with a literal path segment where another has a variable \
                      (`/history/diff` beside `/history/{history_id}`).",
        describe: prompts::prompts_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "notes",
        title: "Open WebUI: notes",
        description: "/api/v1/notes: the Notes page: a user's notes, their pins and their sharing.",
        describe: notes::notes_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "notes-literal",
        title: "Open WebUI: notes (literal routes)",
        description: "The /api/v1/notes operations with a literal path segment where another has a variable \
                      (`/api/v1/notes/pinned`, `/search`, `/create` beside `/api/v1/notes/{id}`).",
        describe: notes::notes_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "retrieval",
        title: "Open WebUI: retrieval settings",
        description: "/api/v1/retrieval: the admin panel's Documents and Web Search settings.",
        describe: retrieval::retrieval_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "images",
        title: "Open WebUI: images settings",
        description: "/api/v1/images: the admin panel's Images settings.",
        describe: images::images_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "audio",
        title: "Open WebUI: audio settings",
        description: "/api/v1/audio: the admin panel's Audio settings.",
        describe: audio::audio_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "evaluations",
        title: "Open WebUI: evaluations settings",
        description: "/api/v1/evaluations: the admin panel's arena settings.",
        describe: evaluations::evaluations_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "pipelines",
        title: "Open WebUI: pipelines",
        description: "/api/v1/pipelines: the Pipelines servers among the OpenAI connections.",
        describe: pipelines::pipelines_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "skills",
        title: "Open WebUI: skills",
        description: "/api/v1/skills: the workspace skills the chat input lists.",
        describe: skills::skills_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "memories",
        title: "Open WebUI: memories",
        description: "/api/v1/memories: what the assistant remembers about a user.",
        describe: memories::memories_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "terminals",
        title: "Open WebUI: terminals",
        description: "/api/v1/terminals: the terminal servers a user may use.",
        describe: terminals::terminals_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "knowledge",
        title: "Open WebUI: knowledge",
        description: "/api/v1/knowledge: the search of the knowledge bases and the external knowledge connections.",
        describe: knowledge::knowledge_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "analytics",
        title: "Open WebUI: analytics",
        description: "/api/v1/analytics: the admin panel's Analytics page, counted from the saved assistant answers.",
        describe: analytics::analytics_api_mod::stub_api_description,
    },
];
