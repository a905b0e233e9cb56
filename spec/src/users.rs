//! Wire types of `/api/v1/users` (besides the session-user settings in [`crate::auths`]).
//! The forms and queries, and the answers: the reference's models, serialised in their
//! declaration order.

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auths::optional_date;
use crate::{Detail, FastJson, GroupModel, Shaped, UserSettings};

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

/// `?query=&order_by=&direction=&page=` of `GET /api/v1/users/`. Kept as text and parsed by the
/// handler after its auth check, as FastAPI does (so a bad value answers 422, not 400); documented
/// with the reference's types.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct UsersListQuery {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub order_by: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}


/// `?include_inherited=` of `GET /api/v1/users/{user_id}/groups`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct IncludeInheritedQuery {
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub include_inherited: Option<String>,
}

/// `UserUpdateForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UserUpdateForm {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub profile_image_url: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

/// `UserStatus`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UserStatusForm {
    #[serde(default)]
    pub status_emoji: Option<String>,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub status_expires_at: Option<i64>,
}

/// `UserVariablesForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UserVariablesForm {
    #[serde(default)]
    pub variables: Map<String, Value>,
}

// ---- Answer models ----
//
// The reference's pydantic models (`components.schemas` of `reference.json`), fields in their
// declaration order, so that serde writes the reference's bytes and the document describes them:
// a field with a default is optional, `Optional[...]` is nullable.

/// `UserModel`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserModel {
    pub id: String,
    pub email: String,
    pub username: Option<String>,
    #[serde(default)]
    pub role: String,
    pub name: String,
    pub profile_image_url: Option<String>,
    pub profile_banner_image_url: Option<String>,
    pub bio: Option<String>,
    pub gender: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "optional_date")]
    pub date_of_birth: Option<String>,
    pub timezone: Option<String>,
    pub presence_state: Option<String>,
    pub status_emoji: Option<String>,
    pub status_message: Option<String>,
    pub status_expires_at: Option<i64>,
    pub info: Option<Map<String, Value>>,
    pub settings: Option<UserSettings>,
    pub oauth: Option<Map<String, Value>>,
    pub scim: Option<Map<String, Value>>,
    pub last_active_at: i64,
    pub updated_at: i64,
    pub created_at: i64,
}

/// `UserGroupIdsModel`: `UserModel` with the user's group ids.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserGroupIdsModel {
    #[serde(flatten)]
    pub user: UserModel,
    #[serde(default)]
    pub group_ids: Vec<String>,
}

/// `UserGroupIdsListResponse`: `GET /api/v1/users/`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserGroupIdsListResponse {
    pub users: Vec<UserGroupIdsModel>,
    pub total: i64,
}

/// `UserInfoResponse`: `GET /api/v1/users/{user_id}/info`, the items of `UserInfoListResponse`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserInfoResponse {
    pub status_emoji: Option<String>,
    pub status_message: Option<String>,
    pub status_expires_at: Option<i64>,
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub bio: Option<String>,
    pub last_active_at: Option<i64>,
    pub timezone: Option<String>,
    pub groups: Option<Vec<Value>>,
    #[serde(default)]
    pub is_active: bool,
}

/// `UserInfoListResponse`: `GET /api/v1/users/all` and `/search`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserInfoListResponse {
    pub users: Vec<UserInfoResponse>,
    pub total: i64,
}

/// `UserActiveResponse` (`extra='allow'`: the rest of the user's dump follows its fields).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserActiveResponse {
    pub status_emoji: Option<String>,
    pub status_message: Option<String>,
    pub status_expires_at: Option<i64>,
    pub name: String,
    pub profile_image_url: Option<String>,
    pub groups: Option<Vec<Value>>,
    pub is_active: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `UserVariablesResponse`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserVariablesResponse {
    // The string-valued entries, in the stored order.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub variables: Map<String, Value>,
}

/// `WorkspacePermissions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WorkspacePermissions {
    pub models: bool,
    pub knowledge: bool,
    pub prompts: bool,
    pub tools: bool,
    pub skills: bool,
    pub models_import: bool,
    pub models_export: bool,
    pub models_hidden: bool,
    pub prompts_import: bool,
    pub prompts_export: bool,
    pub tools_import: bool,
    pub tools_export: bool,
    pub skills_import: bool,
    pub skills_export: bool,
}

/// `SharingPermissions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SharingPermissions {
    pub models: bool,
    pub public_models: bool,
    pub knowledge: bool,
    pub public_knowledge: bool,
    pub prompts: bool,
    pub public_prompts: bool,
    pub tools: bool,
    pub public_tools: bool,
    pub skills: bool,
    pub public_skills: bool,
    pub notes: bool,
    pub public_notes: bool,
    pub folders: bool,
    pub public_chats: bool,
    pub open_chats: bool,
    pub public_calendars: bool,
}

/// `AccessGrantsPermissions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AccessGrantsPermissions {
    pub allow_users: bool,
    pub allow_groups: bool,
}

/// `ChatPermissions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ChatPermissions {
    pub controls: bool,
    pub valves: bool,
    pub system_prompt: bool,
    pub params: bool,
    pub file_upload: bool,
    pub web_upload: bool,
    pub delete: bool,
    pub delete_message: bool,
    pub continue_response: bool,
    pub regenerate_response: bool,
    pub rate_response: bool,
    pub edit: bool,
    pub share: bool,
    pub export: bool,
    #[serde(rename = "import")]
    pub import_: bool,
    pub stt: bool,
    pub tts: bool,
    pub call: bool,
    pub multiple_models: bool,
    pub temporary: bool,
    pub temporary_enforced: bool,
}

/// `FeaturesPermissions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FeaturesPermissions {
    pub api_keys: bool,
    pub notes: bool,
    pub channels: bool,
    pub encrypted_channels: bool,
    pub folders: bool,
    pub direct_tool_servers: bool,
    pub web_search: bool,
    pub image_generation: bool,
    pub code_interpreter: bool,
    pub memories: bool,
    pub automations: bool,
    pub calendar: bool,
    pub webhooks: bool,
}

/// `SettingsPermissions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SettingsPermissions {
    pub interface: bool,
}

/// `UserPermissions`: the default permissions (`/api/v1/users/default/permissions`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UserPermissions {
    pub workspace: WorkspacePermissions,
    pub sharing: SharingPermissions,
    pub access_grants: AccessGrantsPermissions,
    pub chat: ChatPermissions,
    pub features: FeaturesPermissions,
    pub settings: SettingsPermissions,
}

/// `UserUsageTotals`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct UserUsageTotals {
    pub lifetime_tokens: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub peak_daily_tokens: i64,
    pub longest_chat_seconds: i64,
    pub current_streak: i64,
    pub longest_streak: i64,
    pub total_chats: i64,
    pub active_days: i64,
    pub models_used: i64,
    pub messages: i64,
    pub user_messages: i64,
    pub assistant_messages: i64,
}

/// `UserUsageHeatmapEntry`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserUsageHeatmapEntry {
    pub date: String,
    #[serde(default)]
    pub messages: i64,
    #[serde(default)]
    pub chats: i64,
    #[serde(default)]
    pub tokens: i64,
    // Per model, in the order the period first used them (Python's `Counter`).
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, i64>")]
    pub models: Map<String, Value>,
}

/// `UserUsageInsights`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserUsageInsights {
    pub most_used_model: Option<String>,
    #[serde(default)]
    pub average_tokens_per_chat: f64,
    #[serde(default)]
    pub average_messages_per_active_day: f64,
    #[serde(default)]
    pub user_message_share: f64,
    #[serde(default)]
    pub assistant_message_share: f64,
}

/// `UserUsageModelEntry`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserUsageModelEntry {
    pub model_id: String,
    #[serde(default)]
    pub messages: i64,
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
    #[serde(default)]
    pub total_tokens: i64,
}

/// `UserUsageToolEntry`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserUsageToolEntry {
    pub name: String,
    pub count: i64,
}

/// `UserUsagePeriod`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserUsagePeriod {
    pub start_date: i64,
    pub end_date: i64,
    pub days: i64,
}

/// `UserUsageResponse`: `GET /api/v1/users/usage`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserUsageResponse {
    pub totals: UserUsageTotals,
    pub heatmap: Vec<UserUsageHeatmapEntry>,
    pub weekly_heatmap: Vec<UserUsageHeatmapEntry>,
    pub cumulative_heatmap: Vec<UserUsageHeatmapEntry>,
    pub insights: UserUsageInsights,
    pub top_models: Vec<UserUsageModelEntry>,
    #[serde(default)]
    pub top_tools: Vec<UserUsageToolEntry>,
    pub period: UserUsagePeriod,
}

/// One of `GET /api/v1/users/{user_id}/oauth/sessions`' items (`OAuthSessionModel`, its token
/// decrypted). Documented as the reference documents the list (no model).
#[derive(Debug, Serialize)]
pub struct OauthSession {
    pub id: String,
    pub user_id: String,
    pub provider: String,
    pub token: Value,
    pub expires_at: Option<i64>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

api_traits! {
/// `/api/v1/users` (`routers/users.py`): the list and the `{user_id}` routes.
pub trait UsersApi in users_api_invokers {
    type Context: Send + Sync + 'static;

    /// Admin: one page (30) of users with their group ids, filtered by `query` (name or email).
    #[endpoint { method = GET, path = "/api/v1/users/", tags = ["users"] }]
    async fn users_get(
        rqctx: RequestContext<Self::Context>,
        query: Query<UsersListQuery>,
    ) -> Result<HttpResponseOk<UserGroupIdsListResponse>, Detail>;

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
    ) -> Result<HttpResponseOk<UserInfoResponse>, Detail>;

    /// Admin: the groups a user belongs to (`include_inherited` adds ancestor groups).
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/groups", tags = ["users"] }]
    async fn users_get_groups_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
        query: Query<IncludeInheritedQuery>,
    ) -> Result<HttpResponseOk<Shaped<Value, Vec<GroupModel>>>, Detail>;

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
    ) -> Result<HttpResponseOk<Shaped<Map<String, Value>>>, Detail>;

    /// Admin: a user's OAuth sessions.
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/oauth/sessions", tags = ["users"] }]
    async fn users_get_oauth_sessions_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<HttpResponseOk<Shaped<Value, Vec<OauthSession>>>, Detail>;

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
    ) -> Result<HttpResponseOk<Option<UserModel>>, Detail>;

    /// Admin: what a user can reach through ownership and grants (models, knowledge, tools).
    #[endpoint { method = GET, path = "/api/v1/users/{user_id}/preview", tags = ["users"] }]
    async fn users_get_preview(
        rqctx: RequestContext<Self::Context>,
        path: Path<UserIdPath>,
    ) -> Result<HttpResponseOk<Value>, Detail>;
}
}

api_traits! {
/// The `/api/v1/users` operations with a literal segment where [`UsersApi`] has `{user_id}`
/// (`/users/all`, `/users/user/settings`, `/users/default/permissions`, ...); tried first, as the
/// reference declares them before `/{user_id}`.
pub trait UsersLiteralApi in users_literal_api_invokers {
    type Context: Send + Sync + 'static;

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
    ) -> Result<HttpResponseOk<Shaped<Value, Vec<GroupModel>>>, Detail>;

    /// The session user's effective permissions.
    #[endpoint { method = GET, path = "/api/v1/users/permissions", tags = ["users"] }]
    async fn users_get_permissisions(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: the default permissions of every user.
    #[endpoint { method = GET, path = "/api/v1/users/default/permissions", tags = ["users"] }]
    async fn users_get_default_permissions(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<UserPermissions>, Detail>;

    /// Admin: sets the default permissions.
    #[endpoint { method = POST, path = "/api/v1/users/default/permissions", tags = ["users"] }]
    async fn users_update_default_permissions(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<UserPermissions, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<UserPermissions>, Detail>;

    /// Admin: the built-in default permissions (before any change).
    #[endpoint { method = GET, path = "/api/v1/users/default/permissions/defaults", tags = ["users"] }]
    async fn users_get_default_permissions_defaults(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<UserPermissions>, Detail>;

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
        body: FastJson<Shaped<UserSettings, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<UserSettings>, Detail>;

    /// The session user's status (emoji, message, expiry).
    #[endpoint { method = GET, path = "/api/v1/users/user/status", tags = ["users"] }]
    async fn users_get_status_by_session(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Shaped<Value, UserModel>>, Detail>;

    /// Sets the session user's status.
    #[endpoint { method = POST, path = "/api/v1/users/user/status/update", tags = ["users"] }]
    async fn users_update_status_by_session(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UserStatusForm>,
    ) -> Result<HttpResponseOk<Shaped<Value, UserModel>>, Detail>;

    /// The session user's `info` dict (null when unset).
    #[endpoint { method = GET, path = "/api/v1/users/user/info", tags = ["users"] }]
    async fn users_get_info_by_session(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Option<Map<String, Value>>>, Detail>;

    /// Merges a dict into the session user's `info`.
    #[endpoint { method = POST, path = "/api/v1/users/user/info/update", tags = ["users"] }]
    async fn users_update_info_by_session(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<HttpResponseOk<Option<Map<String, Value>>>, Detail>;

    /// The session user's prompt variables.
    #[endpoint { method = GET, path = "/api/v1/users/user/variables", tags = ["users"] }]
    async fn users_get_variables_by_session(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<UserVariablesResponse>, Detail>;

    /// Replaces the session user's prompt variables.
    #[endpoint { method = POST, path = "/api/v1/users/user/variables/update", tags = ["users"] }]
    async fn users_update_variables_by_session(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UserVariablesForm>,
    ) -> Result<HttpResponseOk<UserVariablesResponse>, Detail>;

    /// The session user's usage statistics (messages, tokens, models, tools) over a period.
    #[endpoint { method = GET, path = "/api/v1/users/usage", tags = ["users"] }]
    async fn users_get_usage_by_session(
        rqctx: RequestContext<Self::Context>,
        query: Query<UsageQuery>,
    ) -> Result<HttpResponseOk<UserUsageResponse>, Detail>;
}
}
