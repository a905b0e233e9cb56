//! `/api/v1/notes` (`routers/notes.py`, `models/notes.py`): the Notes page: a user's notes,
//! their pins and their sharing. The API traits and wire types.

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::workspace::{AccessGrantModel, IdPath, UserResponse};
use crate::{Detail, FastJson, Shaped};

/// `NoteModel` (`data` is never null in answers: `{}` for a note without).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteModel {
    pub id: String,
    pub user_id: String,
    pub title: String,
    pub data: Option<Map<String, Value>>,
    pub meta: Option<Map<String, Value>>,
    pub is_pinned: Option<bool>,
    pub access_grants: Vec<AccessGrantModel>,
    /// Nanoseconds since the epoch, as the reference writes them.
    pub created_at: i64,
    pub updated_at: i64,
}

/// `NoteResponse`: a note with the caller's `write_access`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteResponse {
    #[serde(flatten)]
    pub note: NoteModel,
    pub write_access: bool,
}

/// `NoteUserResponse`: a note with its owner.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteUserResponse {
    #[serde(flatten)]
    pub note: NoteModel,
    pub user: Option<UserResponse>,
}

/// `NoteListResponse`: a page of `/search` and the total.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteListResponse {
    pub items: Vec<NoteUserResponse>,
    pub total: i64,
}

/// `NoteItemResponse`: one note of the sidebar lists (its markdown cut to 1000 characters).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteItemResponse {
    pub id: String,
    pub title: String,
    pub data: Option<Map<String, Value>>,
    pub is_pinned: Option<bool>,
    pub updated_at: i64,
    pub created_at: i64,
    pub user: Option<UserResponse>,
}

/// `NoteForm` (`POST /api/v1/notes/create`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NoteForm {
    pub title: String,
    #[serde(default)]
    pub data: Option<Map<String, Value>>,
    #[serde(default)]
    pub meta: Option<Map<String, Value>>,
    #[serde(default)]
    pub access_grants: Option<Vec<Map<String, Value>>>,
}

/// `NoteUpdateForm`: only the fields sent are changed (`exclude_unset`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NoteUpdateForm {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub data: Option<Map<String, Value>>,
    #[serde(default)]
    pub meta: Option<Map<String, Value>>,
}

/// `NoteAccessGrantsForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NoteAccessGrantsForm {
    pub access_grants: Vec<Map<String, Value>>,
}

/// `?page=` of `GET /api/v1/notes/` (60 a page; absent: every note).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct NotesPageQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// The query of `GET /api/v1/notes/search`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct NoteSearchQuery {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub view_option: Option<String>,
    #[serde(default)]
    pub permission: Option<String>,
    #[serde(default)]
    pub order_by: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

api_traits! {
/// The `/api/v1/notes` operations whose paths clash with no other's.
pub trait NotesApi in notes_api_invokers {
    type Context: Send + Sync + 'static;

    /// The notes the caller may read, newest change first (60 a page with `page`).
    #[endpoint { method = GET, path = "/api/v1/notes/", tags = ["notes"] }]
    async fn notes_get(
        rqctx: RequestContext<Self::Context>,
        query: Query<NotesPageQuery>,
    ) -> Result<HttpResponseOk<Vec<NoteItemResponse>>, Detail>;

    /// One note with the caller's `write_access` (an admin, its owner or a reader).
    #[endpoint { method = GET, path = "/api/v1/notes/{id}", tags = ["notes"] }]
    async fn notes_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<HttpResponseOk<NoteResponse>, Detail>;

    /// Changes a note's title, or merges into its `data` / `meta` (an admin, its owner or a writer).
    #[endpoint { method = POST, path = "/api/v1/notes/{id}/update", tags = ["notes"] }]
    async fn notes_update_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
        body: FastJson<Shaped<NoteUpdateForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<NoteModel>, Detail>;

    /// Replaces who a note is shared with.
    #[endpoint { method = POST, path = "/api/v1/notes/{id}/access/update", tags = ["notes"] }]
    async fn notes_update_access_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
        body: FastJson<NoteAccessGrantsForm>,
    ) -> Result<HttpResponseOk<NoteModel>, Detail>;

    /// Pins or unpins a note for the caller.
    #[endpoint { method = POST, path = "/api/v1/notes/{id}/pin", tags = ["notes"] }]
    async fn notes_pin_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<HttpResponseOk<NoteModel>, Detail>;

    /// Deletes a note, its grants and its pins.
    #[endpoint { method = DELETE, path = "/api/v1/notes/{id}/delete", tags = ["notes"] }]
    async fn notes_delete_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;
}

/// The `/api/v1/notes` operations with a literal segment where a [`NotesApi`] path has a
/// variable (`/pinned`, `/search`, `/create` beside `/{id}`); tried first.
pub trait NotesLiteralApi in notes_literal_api_invokers {
    type Context: Send + Sync + 'static;

    /// The caller's pinned notes they may still read, last pinned first.
    #[endpoint { method = GET, path = "/api/v1/notes/pinned", tags = ["notes"] }]
    async fn notes_get_pinned(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Vec<NoteItemResponse>>, Detail>;

    /// The Notes page: searchable (every word), by who made them and by permission, 60 a page.
    #[endpoint { method = GET, path = "/api/v1/notes/search", tags = ["notes"] }]
    async fn notes_search(
        rqctx: RequestContext<Self::Context>,
        query: Query<NoteSearchQuery>,
    ) -> Result<HttpResponseOk<NoteListResponse>, Detail>;

    /// Creates a note with the grants the caller may give.
    #[endpoint { method = POST, path = "/api/v1/notes/create", tags = ["notes"] }]
    async fn notes_create_new(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<NoteForm>,
    ) -> Result<HttpResponseOk<NoteModel>, Detail>;
}
}
