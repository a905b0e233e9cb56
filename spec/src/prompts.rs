//! `/api/v1/prompts` (`routers/prompts.py`): the workspace prompts (slash commands), their
//! versions and their sharing: the API traits and wire types.

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::workspace::{AccessGrantModel, UserResponse};
use crate::{Detail, FastJson};

/// `PromptModel`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PromptModel {
    pub id: Option<String>,
    pub command: String,
    pub user_id: String,
    pub name: String,
    pub content: String,
    pub data: Option<Map<String, Value>>,
    pub meta: Option<Map<String, Value>>,
    pub tags: Option<Vec<String>>,
    pub is_active: Option<bool>,
    pub version_id: Option<String>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub access_grants: Vec<AccessGrantModel>,
}

/// `PromptAccessResponse`: a prompt with its owner (null when read by id) and the caller's
/// `write_access`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PromptAccessResponse {
    #[serde(flatten)]
    pub prompt: PromptModel,
    pub user: Option<UserResponse>,
    pub write_access: bool,
}

/// `PromptAccessListResponse`: a page of prompts and the total.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PromptAccessListResponse {
    pub items: Vec<PromptAccessResponse>,
    pub total: i64,
}

/// `PromptHistoryModel`: one version of a prompt.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PromptHistoryModel {
    pub id: String,
    pub prompt_id: String,
    pub parent_id: Option<String>,
    pub snapshot: Map<String, Value>,
    pub user_id: String,
    pub commit_message: Option<String>,
    pub created_at: i64,
}

/// `PromptHistoryResponse`: a version with its author.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PromptHistoryResponse {
    #[serde(flatten)]
    pub entry: PromptHistoryModel,
    pub user: Option<UserResponse>,
}

/// What `GET .../history/diff` answers (`PromptHistories.compute_diff`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PromptDiff {
    pub from_id: String,
    pub to_id: String,
    pub from_snapshot: Map<String, Value>,
    pub to_snapshot: Map<String, Value>,
    /// `difflib.unified_diff` of the two contents' lines.
    pub content_diff: Vec<String>,
    pub line_endings_only: bool,
    pub name_changed: bool,
}

/// `PromptForm` (create and update).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PromptForm {
    pub command: String,
    pub name: String,
    pub content: String,
    #[serde(default)]
    pub data: Option<Map<String, Value>>,
    #[serde(default)]
    pub meta: Option<Map<String, Value>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub access_grants: Option<Vec<Map<String, Value>>>,
    #[serde(default)]
    pub version_id: Option<String>,
    #[serde(default)]
    pub commit_message: Option<String>,
    #[serde(default = "yes")]
    pub is_production: Option<bool>,
}

fn yes() -> Option<bool> {
    Some(true)
}

/// `PromptMetadataForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PromptMetadataForm {
    pub name: String,
    pub command: String,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// `PromptVersionUpdateForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PromptVersionUpdateForm {
    pub version_id: String,
}

/// `PromptAccessGrantsForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PromptAccessGrantsForm {
    pub access_grants: Vec<Map<String, Value>>,
}

/// `{prompt_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PromptIdPath {
    pub prompt_id: String,
}

/// `{prompt_id}/history/{history_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PromptHistoryPath {
    pub prompt_id: String,
    pub history_id: String,
}

/// The query of `GET /api/v1/prompts/list` (`page` read as text, parsed after the auth check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PromptListQuery {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub view_option: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub order_by: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// `?page=` of the history (0-based; read as text, parsed after the auth check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PromptHistoryQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// `?from_id=&to_id=` of the diff (required; checked after the auth check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PromptDiffQuery {
    #[serde(default)]
    #[schemars(with = "String")]
    pub from_id: Option<String>,
    #[serde(default)]
    #[schemars(with = "String")]
    pub to_id: Option<String>,
}

api_traits! {
/// The `/api/v1/prompts` operations whose paths clash with no other's.
pub trait PromptsApi in prompts_api_invokers {
    type Context: Send + Sync + 'static;

    /// The active prompts the caller may read (every one for an admin with the admin bypass),
    /// newest change first: the chat input's `/` menu.
    #[endpoint { method = GET, path = "/api/v1/prompts/", tags = ["prompts"] }]
    async fn prompts_get(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Vec<PromptModel>>, Detail>;

    /// The tags of the active prompts the caller may read, sorted.
    #[endpoint { method = GET, path = "/api/v1/prompts/tags", tags = ["prompts"] }]
    async fn prompts_get_tags(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Vec<String>>, Detail>;

    /// The prompts the caller may read, 30 a page, searchable, with their owner and the
    /// caller's `write_access` (the Workspace > Prompts page).
    #[endpoint { method = GET, path = "/api/v1/prompts/list", tags = ["prompts"] }]
    async fn prompts_get_list(
        rqctx: RequestContext<Self::Context>,
        query: Query<PromptListQuery>,
    ) -> Result<HttpResponseOk<PromptAccessListResponse>, Detail>;

    /// Creates a prompt (its first version) with the grants the caller may give.
    #[endpoint { method = POST, path = "/api/v1/prompts/create", tags = ["prompts"] }]
    async fn prompts_create_new(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<PromptForm>,
    ) -> Result<HttpResponseOk<PromptModel>, Detail>;

    /// One prompt with the caller's `write_access` (an admin, its owner or a reader).
    #[endpoint { method = GET, path = "/api/v1/prompts/id/{prompt_id}", tags = ["prompts"] }]
    async fn prompts_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptIdPath>,
    ) -> Result<HttpResponseOk<PromptAccessResponse>, Detail>;

    /// Updates a prompt (a new version when its name, command, content or tags changed).
    #[endpoint { method = POST, path = "/api/v1/prompts/id/{prompt_id}/update", tags = ["prompts"] }]
    async fn prompts_update_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptIdPath>,
        body: FastJson<PromptForm>,
    ) -> Result<HttpResponseOk<PromptModel>, Detail>;

    /// Renames a prompt or changes its command or tags (no new version).
    #[endpoint { method = POST, path = "/api/v1/prompts/id/{prompt_id}/update/meta", tags = ["prompts"] }]
    async fn prompts_update_metadata(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptIdPath>,
        body: FastJson<PromptMetadataForm>,
    ) -> Result<HttpResponseOk<PromptModel>, Detail>;

    /// Makes one of the prompt's versions the current one (its snapshot restored).
    #[endpoint { method = POST, path = "/api/v1/prompts/id/{prompt_id}/update/version", tags = ["prompts"] }]
    async fn prompts_set_version(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptIdPath>,
        body: FastJson<PromptVersionUpdateForm>,
    ) -> Result<HttpResponseOk<PromptModel>, Detail>;

    /// Replaces who a prompt is shared with.
    #[endpoint { method = POST, path = "/api/v1/prompts/id/{prompt_id}/access/update", tags = ["prompts"] }]
    async fn prompts_update_access_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptIdPath>,
        body: FastJson<PromptAccessGrantsForm>,
    ) -> Result<HttpResponseOk<Option<PromptModel>>, Detail>;

    /// Turns a prompt on or off.
    #[endpoint { method = POST, path = "/api/v1/prompts/id/{prompt_id}/toggle", tags = ["prompts"] }]
    async fn prompts_toggle_active(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptIdPath>,
    ) -> Result<HttpResponseOk<PromptModel>, Detail>;

    /// Deletes a prompt, its versions and its grants.
    #[endpoint { method = DELETE, path = "/api/v1/prompts/id/{prompt_id}/delete", tags = ["prompts"] }]
    async fn prompts_delete_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptIdPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// A prompt's versions, newest first, 20 a page (`page` from 0).
    #[endpoint { method = GET, path = "/api/v1/prompts/id/{prompt_id}/history", tags = ["prompts"] }]
    async fn prompts_get_history(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptIdPath>,
        query: Query<PromptHistoryQuery>,
    ) -> Result<HttpResponseOk<Vec<PromptHistoryResponse>>, Detail>;

    /// One version with its snapshot.
    #[endpoint { method = GET, path = "/api/v1/prompts/id/{prompt_id}/history/{history_id}", tags = ["prompts"] }]
    async fn prompts_get_history_entry(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptHistoryPath>,
    ) -> Result<HttpResponseOk<PromptHistoryModel>, Detail>;

    /// Deletes a version that is not the current one (its children are relinked to its parent).
    #[endpoint { method = DELETE, path = "/api/v1/prompts/id/{prompt_id}/history/{history_id}", tags = ["prompts"] }]
    async fn prompts_delete_history_entry(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptHistoryPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;
}

/// The `/api/v1/prompts` operations with a literal segment where a [`PromptsApi`] path has a
/// variable (`/history/diff` beside `/history/{history_id}`); tried first.
pub trait PromptsLiteralApi in prompts_literal_api_invokers {
    type Context: Send + Sync + 'static;

    /// The unified diff of two versions' contents, with both snapshots.
    #[endpoint { method = GET, path = "/api/v1/prompts/id/{prompt_id}/history/diff", tags = ["prompts"] }]
    async fn prompts_get_diff(
        rqctx: RequestContext<Self::Context>,
        path: Path<PromptIdPath>,
        query: Query<PromptDiffQuery>,
    ) -> Result<HttpResponseOk<PromptDiff>, Detail>;
}
}
