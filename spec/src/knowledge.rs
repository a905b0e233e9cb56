//! `/api/v1/knowledge` (`routers/knowledge.py`): the knowledge bases the web UI lists (the
//! search of the Workspace and the admin panel's Integrations page) and the external knowledge
//! connections. Creating knowledge bases and adding files needs the reference's vector
//! database and is not served.

use dropshot::{HttpResponseOk, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::workspace::{AccessGrantModel, UserResponse};
use crate::Detail;

/// `KnowledgeAccessResponse`: a knowledge base with its grants, owner, file count and whether
/// the caller may write it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KnowledgeAccessResponse {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub description: String,
    pub meta: Option<Map<String, Value>>,
    pub access_grants: Vec<AccessGrantModel>,
    pub created_at: i64,
    pub updated_at: i64,
    pub user: Option<UserResponse>,
    pub file_count: Option<i64>,
    pub write_access: Option<bool>,
}

/// `KnowledgeAccessListResponse`: a page of knowledge bases and how many match in all.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KnowledgeAccessListResponse {
    pub items: Vec<KnowledgeAccessResponse>,
    pub total: i64,
}

/// The query of `GET /api/v1/knowledge/search`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct KnowledgeSearchQuery {
    /// Matched (case-insensitively) in the name, the description, and the owner's name, email
    /// and username.
    #[serde(default)]
    pub query: Option<String>,
    /// `created` (the caller's own) or `shared` (the others').
    #[serde(default)]
    pub view_option: Option<String>,
    /// `local` or `external` (anything else: both).
    #[serde(default)]
    pub source: Option<String>,
    /// 1-based, 30 a page.
    #[serde(default)]
    pub page: Option<i64>,
    /// `name`, `created_at` or `updated_at` (default: `updated_at`).
    #[serde(default)]
    pub order_by: Option<String>,
    /// `asc` or `desc` (default).
    #[serde(default)]
    pub direction: Option<String>,
}

/// `ExternalKnowledgeConnectionListResponse`: the connections without their credentials.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExternalKnowledgeConnectionListResponse {
    pub items: Vec<Map<String, Value>>,
    pub total: i64,
}

api_traits! {
/// The knowledge bases' lists.
pub trait KnowledgeApi in knowledge_api_invokers {
    type Context: Send + Sync + 'static;

    /// A page of the knowledge bases the caller may read (all of them for an admin with the
    /// admin bypass), filtered and ordered as asked.
    #[endpoint { method = GET, path = "/api/v1/knowledge/search", tags = ["knowledge"] }]
    async fn knowledge_search_bases(
        rqctx: RequestContext<Self::Context>,
        query: Query<KnowledgeSearchQuery>,
    ) -> Result<HttpResponseOk<KnowledgeAccessListResponse>, Detail>;

    /// The external knowledge connections (Qdrant, Milvus, pgvector), their credentials
    /// replaced by `auth_configured` (admin).
    #[endpoint { method = GET, path = "/api/v1/knowledge/external/connections", tags = ["knowledge"] }]
    async fn knowledge_get_external_connections(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<ExternalKnowledgeConnectionListResponse>, Detail>;
}
}
