//! `/api/v1/functions` (`routers/functions.py`): the reads of the functions (pipes, filters,
//! actions). A function is Python code the reference executes; we serve the rows (which a
//! shared database may hold, written by the reference), not the routes that need to run it.

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::workspace::{IdPath, UserResponse};
use crate::Detail;

/// `FunctionMeta` (`extra='allow'`): the declared fields, then the stored extra keys in order.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FunctionMeta {
    pub description: Option<String>,
    pub manifest: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `FunctionResponse` (`GET /api/v1/functions/`): a function without its source.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FunctionResponse {
    pub version_id: Option<String>,
    pub id: String,
    pub user_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub meta: FunctionMeta,
    pub is_active: bool,
    pub is_global: bool,
    pub updated_at: i64,
    pub created_at: i64,
}

/// `FunctionUserResponse` (`GET /api/v1/functions/list`): with its owner.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FunctionUserResponse {
    #[serde(flatten)]
    pub function: FunctionResponse,
    pub user: Option<UserResponse>,
}

/// `FunctionModel` / `FunctionWithValvesModel`: a function with its source (and, exported with
/// `include_valves=true`, its decrypted valves).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FunctionModel {
    pub version_id: Option<String>,
    pub id: String,
    pub user_id: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub content: String,
    pub meta: FunctionMeta,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valves: Option<Map<String, Value>>,
    pub is_active: bool,
    pub is_global: bool,
    pub updated_at: i64,
    pub created_at: i64,
}

/// `?include_valves=` of `GET /api/v1/functions/export` (read as text, parsed as FastAPI's
/// bool after the auth check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct FunctionsExportQuery {
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub include_valves: Option<String>,
}

api_traits! {
/// The functions the admin panel's Functions page and the chat (actions, filters) read.
pub trait FunctionsApi in functions_api_invokers {
    type Context: Send + Sync + 'static;

    /// Every function, without its source (any verified user: the chat needs the actions).
    #[endpoint { method = GET, path = "/api/v1/functions/", tags = ["functions"] }]
    async fn functions_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<FunctionResponse>>, Detail>;

    /// Admin: every function with its owner, newest change first.
    #[endpoint { method = GET, path = "/api/v1/functions/list", tags = ["functions"] }]
    async fn functions_get_list(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<FunctionUserResponse>>, Detail>;

    /// Admin: every function with its source (and its valves when asked).
    #[endpoint { method = GET, path = "/api/v1/functions/export", tags = ["functions"] }]
    async fn functions_get_export(
        rqctx: RequestContext<Self::Context>,
        query: Query<FunctionsExportQuery>,
    ) -> Result<HttpResponseOk<Vec<FunctionModel>>, Detail>;

    /// Admin: one function with its source (unknown: 401, as the reference answers).
    #[endpoint { method = GET, path = "/api/v1/functions/id/{id}", tags = ["functions"] }]
    async fn functions_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<HttpResponseOk<FunctionModel>, Detail>;
}
}
