//! `/api/v1/folders` (the reference's `routers/folders.py`, `models/folders.py`): the API traits and
//! wire types. Forms with pydantic's `extra='forbid'` (`FolderForm`, `FolderUpdateForm`) and the
//! access form (whose `share_mode` may be absent or null, which the reference tells apart) are read
//! as JSON objects and validated by the server.

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Detail, FastJson, Shaped};

/// `{id}` in `/api/v1/folders/{id}...`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FolderIdPath {
    pub id: String,
}

/// `?page=&sort_by=&sort_dir=` of `GET /api/v1/folders/{id}/shared/chats` (`page` parsed by the
/// handler after its auth check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct FolderSharedChatsQuery {
    #[serde(default)]
    #[schemars(schema_with = "page_at_least_one")]
    pub page: Option<String>,
    #[serde(default)]
    pub sort_by: Option<String>,
    #[serde(default)]
    pub sort_dir: Option<String>,
}

/// `page`: an integer of at least 1, or absent (checked by the handler, which answers pydantic's 422).
fn page_at_least_one(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    use schemars::schema::{InstanceType, NumberValidation, SchemaObject};
    SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        format: Some("int64".into()),
        number: Some(Box::new(NumberValidation { minimum: Some(1.0), ..Default::default() })),
        ..Default::default()
    }
    .into()
}

/// `?delete_contents=` of `DELETE /api/v1/folders/{id}` (`Optional[bool] = True`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct FolderDeleteQuery {
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub delete_contents: Option<String>,
}

/// `FolderForm` (`POST /api/v1/folders/`; `extra='forbid'`), read as a JSON object.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct FolderForm {
    name: String,
    data: Option<Map<String, Value>>,
    meta: Option<Map<String, Value>>,
    parent_id: Option<String>,
}

/// `FolderUpdateForm` (`POST /api/v1/folders/{id}/update`; `extra='forbid'`), read as a JSON object.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct FolderUpdateForm {
    name: Option<String>,
    data: Option<Map<String, Value>>,
    meta: Option<Map<String, Value>>,
}

/// `FolderParentIdForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct FolderParentIdForm {
    #[serde(default)]
    pub parent_id: Option<String>,
}

/// `FolderIsExpandedForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct FolderIsExpandedForm {
    pub is_expanded: bool,
}

/// `FolderAccessGrantsForm` (`share_mode`: `'continue'` or null), read as a JSON object.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct FolderAccessGrantsForm {
    access_grants: Vec<Map<String, Value>>,
    share_mode: Option<ShareMode>,
}

/// `ChatShareMode` (`Literal['continue']`), as documented.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum ShareMode {
    Continue,
}

// ---- Answers (fields in the reference's declaration order) ----

/// `FolderModel`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FolderModel {
    pub id: String,
    pub parent_id: Option<String>,
    pub user_id: String,
    pub name: String,
    pub items: Option<Map<String, Value>>,
    pub meta: Option<Map<String, Value>>,
    pub data: Option<Map<String, Value>>,
    #[serde(default)]
    pub is_expanded: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `FolderMetadataResponse`: the folder's `meta` reduced to its icon.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FolderMetadataResponse {
    pub icon: Option<String>,
}

/// `FolderNameIdResponse`: one folder of the sidebar list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FolderNameIdResponse {
    pub id: String,
    pub name: String,
    pub meta: Option<FolderMetadataResponse>,
    pub parent_id: Option<String>,
    #[serde(default)]
    pub is_expanded: bool,
    #[serde(default)]
    pub unread_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `AccessGrantModel`, as `model_dump()` writes it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AccessGrantModel {
    pub id: String,
    pub resource_type: String,
    pub resource_id: String,
    pub principal_type: String,
    pub principal_id: String,
    pub permission: String,
    pub created_at: i64,
}

/// `FolderResponse` (`GET /api/v1/folders/{id}`): the model, its grants and whether the caller
/// may write.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FolderResponse {
    #[serde(flatten)]
    pub folder: FolderModel,
    /// `list[dict]` in the reference's model.
    #[serde(default)]
    #[schemars(with = "Vec<Map<String, Value>>")]
    pub access_grants: Vec<AccessGrantModel>,
    #[serde(default)]
    pub write_access: bool,
}

/// `POST /api/v1/folders/{id}/access/update`: the model and its grants.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FolderAccessResponse {
    #[serde(flatten)]
    pub folder: FolderModel,
    pub access_grants: Vec<AccessGrantModel>,
}

/// One folder of `GET /api/v1/folders/shared`: the model, its owner's name and the caller's
/// permission (`read` or `write`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SharedFolder {
    #[serde(flatten)]
    pub folder: FolderModel,
    pub owner_name: String,
    pub permission: String,
}

/// A participant of a shared folder's chat (`name` null for a user that no longer exists).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatParticipant {
    pub id: String,
    pub name: Option<String>,
}

/// One chat of `GET /api/v1/folders/{id}/shared/chats`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SharedFolderChat {
    pub id: String,
    pub title: Option<String>,
    pub user_id: Option<String>,
    pub updated_at: Option<i64>,
    pub created_at: Option<i64>,
    pub last_read_at: Option<i64>,
    pub owner_name: String,
    pub participants: Vec<ChatParticipant>,
    pub active: bool,
    pub readonly: bool,
}

/// `GET /api/v1/folders/{id}/shared/chats`: the page, with `total` and `has_more` when a page
/// was asked for.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SharedFolderChats {
    pub chats: Vec<SharedFolderChat>,
    pub folder_permission: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
}

/// `POST /api/v1/folders/{id}/read`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FolderReadResponse {
    pub folder_id: String,
    pub folder_ids: Vec<String>,
    pub updated_count: i64,
    /// Every folder of the caller with its unread chats (descendants' included).
    pub folder_unread_counts: Map<String, Value>,
}

api_traits! {
/// The `/api/v1/folders` operations whose paths clash with no other's.
pub trait FoldersApi in folders_api_invokers {
    type Context: Send + Sync + 'static;

    /// The caller's folders (the sidebar tree), with their unread chat counts.
    #[endpoint { method = GET, path = "/api/v1/folders/", tags = ["folders"] }]
    async fn folders_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<FolderNameIdResponse>>, Detail>;

    /// Creates a folder (at the root or under a parent).
    #[endpoint { method = POST, path = "/api/v1/folders/", tags = ["folders"] }]
    async fn folders_create(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<FolderForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<FolderModel>, Detail>;

    /// One folder with its access grants.
    #[endpoint { method = GET, path = "/api/v1/folders/{id}", tags = ["folders"] }]
    async fn folders_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<FolderIdPath>,
    ) -> Result<HttpResponseOk<FolderResponse>, Detail>;

    /// Deletes a folder, its subfolders and (unless `delete_contents=false`) their chats.
    #[endpoint { method = DELETE, path = "/api/v1/folders/{id}", tags = ["folders"] }]
    async fn folders_delete_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<FolderIdPath>,
        query: Query<FolderDeleteQuery>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Renames a folder, or merges into its `data` / `meta`.
    #[endpoint { method = POST, path = "/api/v1/folders/{id}/update", tags = ["folders"] }]
    async fn folders_update_name_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<FolderIdPath>,
        body: FastJson<Shaped<FolderUpdateForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<FolderModel>, Detail>;

    /// Moves a folder under another of the caller's folders (or to the root).
    #[endpoint { method = POST, path = "/api/v1/folders/{id}/update/parent", tags = ["folders"] }]
    async fn folders_update_parent_id_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<FolderIdPath>,
        body: FastJson<FolderParentIdForm>,
    ) -> Result<HttpResponseOk<FolderModel>, Detail>;

    /// Opens or closes a folder in the sidebar (another user's folder: `null`, nothing changed).
    #[endpoint { method = POST, path = "/api/v1/folders/{id}/update/expanded", tags = ["folders"] }]
    async fn folders_update_is_expanded_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<FolderIdPath>,
        body: FastJson<FolderIsExpandedForm>,
    ) -> Result<HttpResponseOk<Option<FolderModel>>, Detail>;

    /// Replaces who a folder is shared with (the owner or an admin).
    #[endpoint { method = POST, path = "/api/v1/folders/{id}/access/update", tags = ["folders"] }]
    async fn folders_update_access_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<FolderIdPath>,
        body: FastJson<Shaped<FolderAccessGrantsForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<FolderAccessResponse>, Detail>;

    /// The chats of a folder the caller may read (every user's), unread first.
    #[endpoint { method = GET, path = "/api/v1/folders/{id}/shared/chats", tags = ["folders"] }]
    async fn folders_get_shared_chats(
        rqctx: RequestContext<Self::Context>,
        path: Path<FolderIdPath>,
        query: Query<FolderSharedChatsQuery>,
    ) -> Result<HttpResponseOk<SharedFolderChats>, Detail>;

    /// Marks the caller's chats in a folder (and, for its owner, its subfolders) read.
    #[endpoint { method = POST, path = "/api/v1/folders/{id}/read", tags = ["folders"] }]
    async fn folders_mark_chats_read_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<FolderIdPath>,
    ) -> Result<HttpResponseOk<FolderReadResponse>, Detail>;
}

/// The `/api/v1/folders` operations with a literal segment where a [`FoldersApi`] path has a
/// variable (`GET /api/v1/folders/shared` beside `GET /api/v1/folders/{id}`); tried first.
pub trait FoldersLiteralApi in folders_literal_api_invokers {
    type Context: Send + Sync + 'static;

    /// Folders shared with or by the caller (and their subfolders), with the caller's permission.
    #[endpoint { method = GET, path = "/api/v1/folders/shared", tags = ["folders"] }]
    async fn folders_get_shared(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<SharedFolder>>, Detail>;
}
}
