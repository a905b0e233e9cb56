//! `/api/v1/chats` (the reference's `routers/chats.py`): the API traits and wire types.
//!
//! Answers are the reference's pydantic models (`models/chats.py`, `models/tags.py`), fields in
//! their declaration order; queries keep numbers and booleans as text so that the handler checks
//! the session first and answers a bad value with FastAPI's 422 afterwards.

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Detail, FastJson, Shaped};

// ---- Paths and queries ----

/// `{id}`: a chat id.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChatIdPath {
    pub id: String,
}

/// `{folder_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChatFolderIdPath {
    pub folder_id: String,
}

/// `{user_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChatUserIdPath {
    pub user_id: String,
}

/// `?page=&include_pinned=&include_folders=&sort_by=&sort_dir=` of `GET /api/v1/chats/`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ChatListQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub include_pinned: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub include_folders: Option<String>,
    #[serde(default)]
    pub sort_by: Option<String>,
    #[serde(default)]
    pub sort_dir: Option<String>,
}

/// `?text=&page=` of `GET /api/v1/chats/search` (`text` required).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ChatSearchQuery {
    #[serde(default)]
    #[schemars(with = "String")]
    pub text: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// `?page=&query=&order_by=&direction=` of the archived list and the admin's list of a user's chats.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ChatFilterQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub order_by: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
}

/// `?page=&sort_by=&sort_dir=` of `GET /api/v1/chats/folder/{folder_id}/list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ChatFolderListQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
    #[serde(default)]
    pub sort_by: Option<String>,
    #[serde(default)]
    pub sort_dir: Option<String>,
}

// ---- Forms ----

/// `ChatForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ChatForm {
    pub chat: Map<String, Value>,
    #[serde(default)]
    pub variables: Option<Map<String, Value>>,
    #[serde(default)]
    pub folder_id: Option<String>,
}

/// `ChatConfigForm` (`routers/chats.py`): the admin's chat settings (context compaction, tool
/// permissions, tool search), form and answer of `/api/v1/chats/config`.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ChatConfigForm {
    #[serde(default = "empty_string")]
    pub CONTEXT_COMPACTION_MODEL: Option<String>,
    pub ENABLE_CONTEXT_COMPACTION: bool,
    #[serde(default)]
    pub CONTEXT_COMPACTION_TOKEN_THRESHOLD: Option<i64>,
    #[serde(default)]
    pub CONTEXT_COMPACTION_TOKEN_CAP: Option<i64>,
    #[serde(default)]
    pub CONTEXT_COMPACTION_RETENTION_PERCENTAGE: Option<i64>,
    pub CONTEXT_COMPACTION_PROMPT_TEMPLATE: String,
    #[serde(default)]
    pub ENABLE_TOOL_PERMISSIONS: bool,
    #[serde(default)]
    pub ENABLE_TOOL_SEARCH: bool,
    #[serde(default = "defer_threshold")]
    pub TOOL_SEARCH_DEFER_THRESHOLD: i64,
    #[serde(default)]
    pub TOOL_SEARCH_ALWAYS_LOADED: Vec<String>,
    #[serde(default = "yes")]
    pub TOOL_SEARCH_DEFER_BUILTIN_TOOLS: bool,
}

fn empty_string() -> Option<String> {
    Some(String::new())
}
fn defer_threshold() -> i64 {
    400
}
fn yes() -> bool {
    true
}

/// `TagForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TagForm {
    pub name: String,
}

/// `TagFilterForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TagFilterForm {
    pub name: String,
    #[serde(default)]
    pub skip: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// `ChatFolderIdForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ChatFolderIdForm {
    #[serde(default)]
    pub folder_id: Option<String>,
}

/// `ShareChatForm` (an optional body: `POST /api/v1/chats/{id}/share`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ShareChatForm {
    #[serde(default)]
    pub share_mode: Option<String>,
}

/// `MessageForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct MessageForm {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub voice: Option<Map<String, Value>>,
}

/// `{id}/messages/{message_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChatMessagePath {
    pub id: String,
    pub message_id: String,
}

/// `ChatImportForm`: a chat as exported, with its flags and times.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ChatImportForm {
    pub chat: Map<String, Value>,
    #[serde(default)]
    pub variables: Option<Map<String, Value>>,
    #[serde(default)]
    pub folder_id: Option<String>,
    #[serde(default = "empty_map")]
    pub meta: Option<Map<String, Value>>,
    #[serde(default = "some_false")]
    pub pinned: Option<bool>,
    #[serde(default = "some_false")]
    pub archived: Option<bool>,
    #[serde(default)]
    pub current_message_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub updated_at: Option<i64>,
}

fn empty_map() -> Option<Map<String, Value>> {
    Some(Map::new())
}

fn some_false() -> Option<bool> {
    Some(false)
}

/// `ChatsImportForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ChatsImportForm {
    pub chats: Vec<ChatImportForm>,
}

/// `CloneForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CloneForm {
    #[serde(default)]
    pub title: Option<String>,
}

/// `{share_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ShareIdPath {
    pub share_id: String,
}

// ---- Answers ----

/// `SharedChatResponse` (`models/shared_chats.py`): `id` is the chat's, `share_id` the link's.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SharedChatResponse {
    pub id: String,
    pub chat_id: String,
    pub title: String,
    pub share_id: Option<String>,
    pub updated_at: i64,
    pub created_at: i64,
}

/// One grant of `GET /api/v1/chats/shared/{id}/access`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SharedChatGrant {
    pub id: String,
    pub principal_type: String,
    pub principal_id: String,
    pub permission: String,
}

/// `ChatResponse`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatResponse {
    pub id: String,
    pub user_id: String,
    pub title: String,
    pub chat: Map<String, Value>,
    pub updated_at: i64,
    pub created_at: i64,
    pub share_id: Option<String>,
    pub archived: bool,
    pub pinned: Option<bool>,
    #[serde(default)]
    pub meta: Map<String, Value>,
    #[serde(default)]
    pub variables: Map<String, Value>,
    pub folder_id: Option<String>,
    pub tasks: Option<Vec<Value>>,
    pub summary: Option<String>,
    pub current_message_id: Option<String>,
    pub context_usage: Option<Map<String, Value>>,
}

/// `ChatTitleIdResponse`: a sidebar entry (never the chat's body).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatTitleIdResponse {
    pub id: String,
    pub title: String,
    pub updated_at: i64,
    pub created_at: i64,
    pub last_read_at: Option<i64>,
    pub snippet: Option<String>,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub archived: bool,
}

/// `TagModel`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TagModel {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub meta: Option<Map<String, Value>>,
}

/// The answer of `POST /api/v1/chats/read`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatsReadResponse {
    pub updated_count: i64,
    pub folder_unread_counts: Map<String, Value>,
}

/// The answer of `POST /api/v1/chats/{id}/unread`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatUnreadResponse {
    pub chat_id: String,
    pub last_read_at: Option<i64>,
    pub folder_id: Option<String>,
    pub folder_unread_counts: Map<String, Value>,
}

api_traits! {
/// The `/api/v1/chats` operations whose paths clash with no other's.
pub trait ChatsApi in chats_api_invokers {
    type Context: Send + Sync + 'static;

    /// The session user's chats for the sidebar: pages of 60 (all without `page`), newest first,
    /// without chats in folders or pinned ones unless asked.
    #[endpoint { method = GET, path = "/api/v1/chats/", tags = ["chats"] }]
    async fn chats_get_session_user_list(
        rqctx: RequestContext<Self::Context>,
        query: Query<ChatListQuery>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail>;

    /// Deletes every chat of the session user (with the `chat.delete` permission).
    #[endpoint { method = DELETE, path = "/api/v1/chats/", tags = ["chats"] }]
    async fn chats_delete_all_user(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<bool>, Detail>;

    /// One chat: the owner's, or one an admin may read.
    #[endpoint { method = GET, path = "/api/v1/chats/{id}", tags = ["chats"] }]
    async fn chats_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Updates a chat: top-level keys replace, the history's messages merge.
    #[endpoint { method = POST, path = "/api/v1/chats/{id}", tags = ["chats"] }]
    async fn chats_update_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<ChatForm>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Deletes a chat (with the `chat.delete` permission; admins any chat where allowed).
    #[endpoint { method = DELETE, path = "/api/v1/chats/{id}", tags = ["chats"] }]
    async fn chats_delete_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Whether the chat is pinned.
    #[endpoint { method = GET, path = "/api/v1/chats/{id}/pinned", tags = ["chats"] }]
    async fn chats_get_pinned_status_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<Option<bool>>, Detail>;

    /// Pins or unpins the chat.
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/pin", tags = ["chats"] }]
    async fn chats_pin_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Archives or unarchives the chat (archiving takes it out of its folder).
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/archive", tags = ["chats"] }]
    async fn chats_archive_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Marks the chat unread.
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/unread", tags = ["chats"] }]
    async fn chats_mark_unread_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<ChatUnreadResponse>, Detail>;

    /// Moves the chat into a folder the user may write to (or out of any with `null`).
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/folder", tags = ["chats"] }]
    async fn chats_update_folder_id_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<ChatFolderIdForm>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Shares the chat (a snapshot behind a link; `continue` mode shares the live chat), or
    /// refreshes its snapshot.
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/share", tags = ["chats"] }]
    async fn chats_share_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<ShareChatForm, Value>>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Stops sharing the chat (the snapshot and its grants go).
    #[endpoint { method = DELETE, path = "/api/v1/chats/{id}/share", tags = ["chats"] }]
    async fn chats_delete_shared_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<Option<bool>>, Detail>;

    /// Copies the chat (with the `chat.import` permission): `Clone of ...` unless titled.
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/clone", tags = ["chats"] }]
    async fn chats_clone_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<CloneForm>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Merges the keys sent into the chat's `params`; answers the params.
    #[endpoint { method = PATCH, path = "/api/v1/chats/{id}/params", tags = ["chats"] }]
    async fn chats_update_params(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<Map<String, Value>, Value>>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Sets a message's content or voice metadata.
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/messages/{message_id}", tags = ["chats"] }]
    async fn chats_update_message_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatMessagePath>,
        body: FastJson<MessageForm>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Deletes a message and its children (their children move up).
    #[endpoint { method = DELETE, path = "/api/v1/chats/{id}/messages/{message_id}", tags = ["chats"] }]
    async fn chats_delete_message_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatMessagePath>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// The chat's tags.
    #[endpoint { method = GET, path = "/api/v1/chats/{id}/tags", tags = ["chats"] }]
    async fn chats_get_tags_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<Vec<TagModel>>, Detail>;

    /// Adds a tag to the chat (creating the user's tag).
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/tags", tags = ["chats"] }]
    async fn chats_add_tag_by_id_and_tag_name(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<TagForm>,
    ) -> Result<HttpResponseOk<Vec<TagModel>>, Detail>;

    /// Removes a tag from the chat (the user's tag goes when no chat has it).
    #[endpoint { method = DELETE, path = "/api/v1/chats/{id}/tags", tags = ["chats"] }]
    async fn chats_delete_tag_by_id_and_tag_name(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<TagForm>,
    ) -> Result<HttpResponseOk<Vec<TagModel>>, Detail>;
}

/// The `/api/v1/chats` operations with a literal segment where a [`ChatsApi`] path has a variable
/// (`GET /api/v1/chats/all` beside `GET /api/v1/chats/{id}`); the server tries these first.
pub trait ChatsLiteralApi in chats_literal_api_invokers {
    type Context: Send + Sync + 'static;

    /// Creates a chat for the session user (in a folder they may write to).
    #[endpoint { method = POST, path = "/api/v1/chats/new", tags = ["chats"] }]
    async fn chats_create_new(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ChatForm>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Admin: the chat settings (context compaction, tool permissions, tool search).
    #[endpoint { method = GET, path = "/api/v1/chats/config", tags = ["chats"] }]
    async fn chats_get_config(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<ChatConfigForm>, Detail>;

    /// Admin: sets the chat settings; answers them as stored.
    #[endpoint { method = POST, path = "/api/v1/chats/config", tags = ["chats"] }]
    async fn chats_set_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ChatConfigForm>,
    ) -> Result<HttpResponseOk<ChatConfigForm>, Detail>;

    /// `GET /api/v1/chats/` under its second path.
    #[endpoint { method = GET, path = "/api/v1/chats/list", tags = ["chats"] }]
    async fn chats_get_session_user_list_list(
        rqctx: RequestContext<Self::Context>,
        query: Query<ChatListQuery>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail>;

    /// Marks every chat read; the unread counts per folder.
    #[endpoint { method = POST, path = "/api/v1/chats/read", tags = ["chats"] }]
    async fn chats_mark_read_by_user_id(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<ChatsReadResponse>, Detail>;

    /// The pinned chats (not archived), newest first.
    #[endpoint { method = GET, path = "/api/v1/chats/pinned", tags = ["chats"] }]
    async fn chats_get_user_pinned(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail>;

    /// Every chat of the session user as NDJSON (one `ChatResponse` a line), streamed in batches.
    #[endpoint { method = GET, path = "/api/v1/chats/all", tags = ["chats"] }]
    async fn chats_get_user(rqctx: RequestContext<Self::Context>) -> Result<Response<Body>, Detail>;

    /// The archived chats, whole.
    #[endpoint { method = GET, path = "/api/v1/chats/all/archived", tags = ["chats"] }]
    async fn chats_get_user_archived(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<ChatResponse>>, Detail>;

    /// The session user's tags.
    #[endpoint { method = GET, path = "/api/v1/chats/all/tags", tags = ["chats"] }]
    async fn chats_get_all_user_tags(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Vec<TagModel>>, Detail>;

    /// Admin: the first 50 chats of the database (with `ENABLE_ADMIN_EXPORT`).
    #[endpoint { method = GET, path = "/api/v1/chats/all/db", tags = ["chats"] }]
    async fn chats_get_all_user_in_db(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<ChatResponse>>, Detail>;

    /// A page (60) of archived chats, filtered by title and ordered as asked.
    #[endpoint { method = GET, path = "/api/v1/chats/archived", tags = ["chats"] }]
    async fn chats_get_archived_session_user_list(
        rqctx: RequestContext<Self::Context>,
        query: Query<ChatFilterQuery>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail>;

    /// How many chats are archived.
    #[endpoint { method = GET, path = "/api/v1/chats/archived/count", tags = ["chats"] }]
    async fn chats_get_archived_session_user_count(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<i64>, Detail>;

    /// Archives every chat (taking them out of their folders).
    #[endpoint { method = POST, path = "/api/v1/chats/archive/all", tags = ["chats"] }]
    async fn chats_archive_all(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<bool>, Detail>;

    /// Unarchives every chat.
    #[endpoint { method = POST, path = "/api/v1/chats/unarchive/all", tags = ["chats"] }]
    async fn chats_unarchive_all(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<bool>, Detail>;

    /// Admin: a page (60) of another user's chats (with `ENABLE_ADMIN_CHAT_ACCESS`).
    #[endpoint { method = GET, path = "/api/v1/chats/list/user/{user_id}", tags = ["chats"] }]
    async fn chats_get_user_list_by_user_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatUserIdPath>,
        query: Query<ChatFilterQuery>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail>;

    /// Search: words in titles and messages, with `tag:`, `folder:`, `pinned:`, `archived:` and
    /// `shared:` filters; pages of 60.
    #[endpoint { method = GET, path = "/api/v1/chats/search", tags = ["chats"] }]
    async fn chats_search_user(
        rqctx: RequestContext<Self::Context>,
        query: Query<ChatSearchQuery>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail>;

    /// The chats with a tag (`skip`/`limit`); the tag is deleted when none has it.
    #[endpoint { method = POST, path = "/api/v1/chats/tags", tags = ["chats"] }]
    async fn chats_get_user_list_by_tag_name(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<TagFilterForm>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail>;

    /// The session user's chats in a folder and its subfolders, whole.
    #[endpoint { method = GET, path = "/api/v1/chats/folder/{folder_id}", tags = ["chats"] }]
    async fn chats_get_by_folder_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatFolderIdPath>,
    ) -> Result<HttpResponseOk<Vec<ChatResponse>>, Detail>;

    /// Imports chats (with the `chat.import` permission); folder ids the user may not write to
    /// are dropped.
    #[endpoint { method = POST, path = "/api/v1/chats/import", tags = ["chats"] }]
    async fn chats_import(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<ChatsImportForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Vec<ChatResponse>>, Detail>;

    /// A page (60) of the session user's shared chats.
    #[endpoint { method = GET, path = "/api/v1/chats/shared", tags = ["chats"] }]
    async fn chats_get_shared_session_user_list(
        rqctx: RequestContext<Self::Context>,
        query: Query<ChatFilterQuery>,
    ) -> Result<HttpResponseOk<Vec<SharedChatResponse>>, Detail>;

    /// Stops sharing every chat of the session user.
    #[endpoint { method = DELETE, path = "/api/v1/chats/share/all", tags = ["chats"] }]
    async fn chats_unshare_all(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<bool>, Detail>;

    /// The grants on a chat's share (the owner's; any chat for an admin where allowed).
    #[endpoint { method = GET, path = "/api/v1/chats/shared/{id}/access", tags = ["chats"] }]
    async fn chats_get_shared_access_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<Vec<SharedChatGrant>>, Detail>;

    /// A page (10) of the chats in a folder.
    #[endpoint { method = GET, path = "/api/v1/chats/folder/{folder_id}/list", tags = ["chats"] }]
    async fn chats_get_list_by_folder_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatFolderIdPath>,
        query: Query<ChatFolderListQuery>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail>;
}

/// `GET /api/v1/chats/share/{share_id}`: beside `DELETE /api/v1/chats/share/all` (a literal where
/// this has a variable) and under the literal `share` (where [`ChatsApi`] has `{id}`); served
/// after [`ChatsLiteralApi`] and before [`ChatsApi`].
pub trait ChatsShareApi in chats_share_api_invokers {
    type Context: Send + Sync + 'static;

    /// A shared chat by its link: open to anyone with a public grant, else to signed-in users
    /// the share is granted to (the owner, admins where allowed).
    #[endpoint { method = GET, path = "/api/v1/chats/share/{share_id}", tags = ["chats"] }]
    async fn chats_get_shared_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ShareIdPath>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;
}
}
