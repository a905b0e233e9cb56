//! `/api/v1/knowledge` (`routers/knowledge.py`): the knowledge bases the web UI lists (the
//! search of the Workspace and the admin panel's Integrations page), their creation, sharing,
//! deletion and file lists, and the external knowledge connections. Adding files, reindexing
//! and the external sources need the reference's vector database and are not served.

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::workspace::{AccessGrantModel, IdPath, UserResponse};
use crate::{Detail, FastJson};

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

/// `KnowledgeModel`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KnowledgeModel {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub description: String,
    pub meta: Option<Map<String, Value>>,
    pub access_grants: Vec<AccessGrantModel>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `FileMetadataResponse`: a file of a knowledge base without its content.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FileMetadataResponse {
    pub id: String,
    pub hash: Option<String>,
    pub meta: Option<Map<String, Value>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `KnowledgeResponse`: a knowledge base and (when listed) its files.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KnowledgeResponse {
    #[serde(flatten)]
    pub knowledge: KnowledgeModel,
    pub files: Option<Vec<FileMetadataResponse>>,
}

/// `KnowledgeFilesResponse`: a knowledge base, its files and whether the caller may write it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KnowledgeFilesResponse {
    #[serde(flatten)]
    pub knowledge: KnowledgeModel,
    pub files: Option<Vec<FileMetadataResponse>>,
    pub write_access: Option<bool>,
}

/// `KnowledgeForm` (`create`, `update`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct KnowledgeForm {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub access_grants: Option<Vec<Map<String, Value>>>,
}

/// `KnowledgeAccessGrantsForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct KnowledgeAccessGrantsForm {
    pub access_grants: Vec<Map<String, Value>>,
}

/// `KnowledgeDirectoryModel`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KnowledgeDirectoryModel {
    pub id: String,
    pub knowledge_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub user_id: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `FileUserResponse`: a file of a knowledge base with its uploader (and, in the search of
/// every base, the base it is in as `collection`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FileUserResponse {
    pub id: String,
    pub user_id: String,
    pub hash: Option<String>,
    pub filename: String,
    pub data: Option<Map<String, Value>>,
    pub meta: Option<Map<String, Value>>,
    pub created_at: i64,
    pub updated_at: Option<i64>,
    pub directory_id: Option<String>,
    pub directory_path: String,
    pub has_original: bool,
    pub user: Option<UserResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection: Option<KnowledgeModel>,
}

/// `KnowledgeFileListResponse`: a page of files, the directories at that level and the path
/// to it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KnowledgeFileListResponse {
    pub items: Vec<FileUserResponse>,
    pub directories: Vec<KnowledgeDirectoryModel>,
    pub breadcrumbs: Vec<KnowledgeDirectoryModel>,
    pub total: i64,
}

/// `?page=` of `GET /api/v1/knowledge/` (30 a page).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct KnowledgePageQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// The query of `GET /api/v1/knowledge/search/files`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct KnowledgeFileSearchQuery {
    /// Matched (case-insensitively) in the file names.
    #[serde(default)]
    pub query: Option<String>,
    /// Also match the files' extracted content.
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub include_content: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// The query of `GET /api/v1/knowledge/{id}/files`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct KnowledgeFilesQuery {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub include_content: Option<String>,
    /// `created` (uploaded by the caller) or `shared`.
    #[serde(default)]
    pub view_option: Option<String>,
    /// `name`, `created_at` or `updated_at` (default).
    #[serde(default)]
    pub order_by: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    /// A directory of the base; empty: its root.
    #[serde(default)]
    pub directory_id: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
    /// The page size (admins only; 30 for the others).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub limit: Option<String>,
}

/// The query of `POST /api/v1/knowledge/{id}/reset`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct KnowledgeResetQuery {
    /// Also delete the base's directories (default true).
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub include_directories: Option<String>,
}

api_traits! {
/// The knowledge bases' operations on one base (`/api/v1/knowledge/{id}...`).
pub trait KnowledgeItemApi in knowledge_item_api_invokers {
    type Context: Send + Sync + 'static;

    /// One knowledge base (an admin, its owner or a reader) with the caller's `write_access`.
    #[endpoint { method = GET, path = "/api/v1/knowledge/{id}", tags = ["knowledge"] }]
    async fn knowledge_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<HttpResponseOk<Option<KnowledgeFilesResponse>>, Detail>;

    /// Renames and describes a knowledge base (an admin, its owner or a writer).
    #[endpoint { method = POST, path = "/api/v1/knowledge/{id}/update", tags = ["knowledge"] }]
    async fn knowledge_update_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
        body: FastJson<KnowledgeForm>,
    ) -> Result<HttpResponseOk<Option<KnowledgeFilesResponse>>, Detail>;

    /// Replaces who a knowledge base is shared with.
    #[endpoint { method = POST, path = "/api/v1/knowledge/{id}/access/update", tags = ["knowledge"] }]
    async fn knowledge_update_access_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
        body: FastJson<KnowledgeAccessGrantsForm>,
    ) -> Result<HttpResponseOk<Option<KnowledgeFilesResponse>>, Detail>;

    /// A page of a knowledge base's files, with the directories at that level.
    #[endpoint { method = GET, path = "/api/v1/knowledge/{id}/files", tags = ["knowledge"] }]
    async fn knowledge_get_files_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
        query: Query<KnowledgeFilesQuery>,
    ) -> Result<HttpResponseOk<KnowledgeFileListResponse>, Detail>;

    /// Deletes a knowledge base and its grants, and takes it out of the models that use it.
    #[endpoint { method = DELETE, path = "/api/v1/knowledge/{id}/delete", tags = ["knowledge"] }]
    async fn knowledge_delete_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Empties a knowledge base (its files' links and, by default, its directories).
    #[endpoint { method = POST, path = "/api/v1/knowledge/{id}/reset", tags = ["knowledge"] }]
    async fn knowledge_reset_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
        query: Query<KnowledgeResetQuery>,
    ) -> Result<HttpResponseOk<Option<KnowledgeResponse>>, Detail>;

    /// A zip of the base's files' extracted text, one `.txt` each (admin).
    #[endpoint { method = GET, path = "/api/v1/knowledge/{id}/export", tags = ["knowledge"] }]
    async fn knowledge_export_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<http::Response<Body>, Detail>;
}

/// The knowledge bases' lists and creation: the literal routes beside [`KnowledgeItemApi`]'s
/// `/{id}`; tried first.
pub trait KnowledgeApi in knowledge_api_invokers {
    type Context: Send + Sync + 'static;

    /// A page of 30 of the knowledge bases the caller may read, last changed first.
    #[endpoint { method = GET, path = "/api/v1/knowledge/", tags = ["knowledge"] }]
    async fn knowledge_get_bases(
        rqctx: RequestContext<Self::Context>,
        query: Query<KnowledgePageQuery>,
    ) -> Result<HttpResponseOk<KnowledgeAccessListResponse>, Detail>;

    /// Creates a knowledge base with the grants the caller may give (an admin, or a user with
    /// `workspace.knowledge`).
    #[endpoint { method = POST, path = "/api/v1/knowledge/create", tags = ["knowledge"] }]
    async fn knowledge_create_new(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<KnowledgeForm>,
    ) -> Result<HttpResponseOk<Option<KnowledgeResponse>>, Detail>;

    /// A page of 30 of the files in every knowledge base the caller may read.
    #[endpoint { method = GET, path = "/api/v1/knowledge/search/files", tags = ["knowledge"] }]
    async fn knowledge_search_files(
        rqctx: RequestContext<Self::Context>,
        query: Query<KnowledgeFileSearchQuery>,
    ) -> Result<HttpResponseOk<KnowledgeFileListResponse>, Detail>;

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
