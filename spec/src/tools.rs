//! `/api/v1/tools` (`routers/tools.py`): the reads of the workspace tools. A tool is Python code
//! the reference executes; we serve the rows (which a shared database may hold, written by the
//! reference), not the routes that need to run the code.

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::workspace::{AccessGrantModel, IdPath, UserResponse};
use crate::Detail;

/// `ToolMeta` (`extra='allow'`): the declared fields, then the stored extra keys in their order.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolMeta {
    pub i18n: Option<Value>,
    pub description: Option<String>,
    pub manifest: Option<Map<String, Value>>,
    pub has_user_valves: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One tool of `GET /api/v1/tools/`: `ToolUserResponse` with the extra keys the reference's
/// handler passes through (`content`, always null here: the listing skips the source; `specs`;
/// `has_user_valves`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolUserResponse {
    pub version_id: Option<String>,
    pub id: String,
    pub user_id: Option<String>,
    pub name: String,
    pub meta: ToolMeta,
    pub access_grants: Vec<AccessGrantModel>,
    pub updated_at: i64,
    pub created_at: i64,
    pub user: Option<UserResponse>,
    pub content: Option<String>,
    pub specs: Vec<Map<String, Value>>,
    pub has_user_valves: bool,
}

/// `ToolAccessResponse`: a tool with the caller's `write_access`; `content` (the source) only
/// for writers of `GET /id/{id}`, null in `/list`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolAccessResponse {
    pub version_id: Option<String>,
    pub id: String,
    pub user_id: Option<String>,
    pub name: String,
    pub meta: ToolMeta,
    pub access_grants: Vec<AccessGrantModel>,
    pub updated_at: i64,
    pub created_at: i64,
    pub user: Option<UserResponse>,
    pub write_access: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Option<String>>,
    pub specs: Vec<Map<String, Value>>,
}

/// `ToolModel` (`GET /api/v1/tools/export`): a tool with its source.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolModel {
    pub version_id: Option<String>,
    pub id: String,
    pub user_id: Option<String>,
    pub name: String,
    pub content: Option<String>,
    pub specs: Vec<Map<String, Value>>,
    pub meta: ToolMeta,
    pub access_grants: Vec<AccessGrantModel>,
    pub updated_at: i64,
    pub created_at: i64,
}

/// `?query=` of `GET /api/v1/tools/`: a case-insensitive filter on the name.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ToolsQuery {
    #[serde(default)]
    pub query: Option<String>,
}

api_traits! {
/// The workspace tools the chat input's tool menu and the Workspace > Tools page read.
pub trait ToolsApi in tools_api_invokers {
    type Context: Send + Sync + 'static;

    /// The tools the caller may read (every tool for an admin with the admin bypass), newest
    /// change first, optionally filtered by name.
    #[endpoint { method = GET, path = "/api/v1/tools/", tags = ["tools"] }]
    async fn tools_get(
        rqctx: RequestContext<Self::Context>,
        query: Query<ToolsQuery>,
    ) -> Result<HttpResponseOk<Vec<ToolUserResponse>>, Detail>;

    /// The same tools with the caller's `write_access` (the Workspace > Tools page).
    #[endpoint { method = GET, path = "/api/v1/tools/list", tags = ["tools"] }]
    async fn tools_get_list(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<ToolAccessResponse>>, Detail>;

    /// The tools the caller may write, with their source (an admin, or a user with the
    /// `workspace.tools_export` permission).
    #[endpoint { method = GET, path = "/api/v1/tools/export", tags = ["tools"] }]
    async fn tools_export(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<ToolModel>>, Detail>;

    /// One tool (an admin, its owner or a reader; the source for writers only).
    #[endpoint { method = GET, path = "/api/v1/tools/id/{id}", tags = ["tools"] }]
    async fn tools_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<HttpResponseOk<ToolAccessResponse>, Detail>;
}
}
