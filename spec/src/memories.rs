//! `/api/v1/memories` (`routers/memories.py`): what the assistant remembers about a user (the
//! Personalization settings). Only the list is served: adding, querying and reindexing need the
//! reference's vector database.

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::Detail;

/// `MemoryModel`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MemoryModel {
    pub id: String,
    pub user_id: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub path: Option<String>,
    pub content: String,
    pub meta: Option<Map<String, Value>>,
    pub updated_at: i64,
    pub created_at: i64,
}

api_traits! {
/// A user's memories.
pub trait MemoriesApi in memories_api_invokers {
    type Context: Send + Sync + 'static;

    /// The caller's memories (404 when memories are off; 403 without `features.memories`).
    #[endpoint { method = GET, path = "/api/v1/memories/", tags = ["memories"] }]
    async fn memories_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<MemoryModel>>, Detail>;
}
}
