//! `/api/v1/chats` (the reference's `routers/chats.py`), the operations served after the first
//! 43: usage and export statistics, fork, clone of a share, a share's grants, message events,
//! context compaction. Wire types in the reference's field order (`models/chats.py`).

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::chats::{ChatIdPath, ChatMessagePath, ChatResponse};
use crate::{Detail, FastJson, Shaped};

/// `?items_per_page=&page=` of `GET /api/v1/chats/stats/usage` (text: checked after the session).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ChatUsageStatsQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub items_per_page: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// `?updated_at=&page=&stream=` of `GET /api/v1/chats/stats/export`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ChatStatsExportQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub updated_at: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub stream: Option<String>,
}

/// `{chat_id}` of `GET /api/v1/chats/stats/export/{chat_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChatStatsIdPath {
    pub chat_id: String,
}

/// `ChatUsageStatsResponse`: one chat's message counts, models and averages.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatUsageStatsResponse {
    pub id: String,
    #[serde(default)]
    pub models: Map<String, Value>,
    pub message_count: i64,
    #[serde(default)]
    pub history_models: Map<String, Value>,
    pub history_message_count: i64,
    pub history_user_message_count: i64,
    pub history_assistant_message_count: i64,
    pub average_response_time: f64,
    pub average_user_message_content_length: f64,
    pub average_assistant_message_content_length: f64,
    #[serde(default)]
    pub tags: Vec<String>,
    pub last_message_at: i64,
    pub updated_at: i64,
    pub created_at: i64,
}

/// `ChatUsageStatsListResponse`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatUsageStatsListResponse {
    pub items: Vec<ChatUsageStatsResponse>,
    pub total: i64,
}

/// `MessageStats`: one message of an export, without its content.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MessageStats {
    pub id: String,
    pub role: String,
    pub model: Option<String>,
    pub content_length: i64,
    pub token_count: Option<i64>,
    pub timestamp: Option<i64>,
    pub rating: Option<i64>,
    pub tags: Option<Vec<String>>,
}

/// `ChatHistoryStats`.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatHistoryStats {
    /// `dict[str, MessageStats]`, in the history's order.
    pub messages: Map<String, Value>,
    pub currentId: Option<String>,
}

/// `ChatBody`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatBody {
    pub history: ChatHistoryStats,
}

/// `AggregateChatStats`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AggregateChatStats {
    pub average_response_time: f64,
    pub average_user_message_content_length: f64,
    pub average_assistant_message_content_length: f64,
    pub models: Map<String, Value>,
    pub message_count: i64,
    pub history_models: Map<String, Value>,
    pub history_message_count: i64,
    pub history_user_message_count: i64,
    pub history_assistant_message_count: i64,
}

/// `ChatStatsExport`: a chat's statistics for export.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatStatsExport {
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub tags: Vec<String>,
    pub stats: AggregateChatStats,
    pub chat: ChatBody,
}

/// `ChatStatsExportList`: a page (10) of exports.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChatStatsExportList {
    #[serde(rename = "type")]
    pub kind: String,
    pub items: Vec<ChatStatsExport>,
    pub total: i64,
    pub page: i64,
}

/// `ChatAccessGrantsForm`: the share's grants, and optionally its mode (`continue` or null).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ChatAccessGrantsForm {
    pub access_grants: Vec<Map<String, Value>>,
    #[serde(default)]
    pub share_mode: Option<String>,
}

/// `EventForm`: a socket.io event for the chat's message.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct EventForm {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: Map<String, Value>,
}

/// `ForkForm` (an optional body): the message to fork at.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ForkForm {
    #[serde(default)]
    pub message_id: Option<String>,
}

/// `CompactChatForm` (an optional body): the model to compact with.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CompactChatForm {
    #[serde(default)]
    pub model: Option<String>,
}

/// `ResolveToolCallForm` (`utils/tool_approval.py`).
#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
pub struct ResolveToolCallForm {
    call_id: String,
    action: ResolveAction,
    #[serde(default)]
    answers: Option<Value>,
    #[serde(default)]
    timed_out: bool,
}

/// `Literal['approve', 'reject', 'answer']`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum ResolveAction {
    Approve,
    Reject,
    Answer,
}

api_traits! {
/// The later `/api/v1/chats` operations with a literal segment where a `ChatsApi` path has a
/// variable (`/api/v1/chats/stats/usage` beside `/api/v1/chats/{id}/...`).
pub trait ChatsMoreLiteralApi in chats_more_literal_api_invokers {
    type Context: Send + Sync + 'static;

    /// A page of the session user's chats with their message counts, models and averages.
    #[endpoint { method = GET, path = "/api/v1/chats/stats/usage", tags = ["chats"] }]
    async fn chats_get_session_user_usage_stats(
        rqctx: RequestContext<Self::Context>,
        query: Query<ChatUsageStatsQuery>,
    ) -> Result<HttpResponseOk<ChatUsageStatsListResponse>, Detail>;

    /// The session user's chat statistics (community sharing on, or an admin): a page of 10,
    /// or every chat as NDJSON with `stream=true`; only chats updated after `updated_at`.
    #[endpoint { method = GET, path = "/api/v1/chats/stats/export", tags = ["chats"] }]
    async fn chats_export_stats(
        rqctx: RequestContext<Self::Context>,
        query: Query<ChatStatsExportQuery>,
    ) -> Result<Response<Body>, Detail>;

    /// One chat's statistics (the owner's; an admin's where allowed).
    #[endpoint { method = GET, path = "/api/v1/chats/stats/export/{chat_id}", tags = ["chats"] }]
    async fn chats_export_single_stats(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatStatsIdPath>,
    ) -> Result<HttpResponseOk<Option<ChatStatsExport>>, Detail>;

    /// Replaces the grants on the chat's share (and sets its mode); the owner's chat.
    #[endpoint { method = POST, path = "/api/v1/chats/shared/{id}/access/update", tags = ["chats"] }]
    async fn chats_update_shared_access_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<ChatAccessGrantsForm, Value>>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;
}

/// The later `/api/v1/chats/{id}/...` operations.
pub trait ChatsMoreApi in chats_more_api_invokers {
    type Context: Send + Sync + 'static;

    /// Copies a chat shared with the user (by its share id) into their chats.
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/clone/shared", tags = ["chats"] }]
    async fn chats_clone_shared_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Sends a socket.io event for the chat's message to its owner (and records status,
    /// content and sources events in the message).
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/messages/{message_id}/event", tags = ["chats"] }]
    async fn chats_send_message_event_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatMessagePath>,
        body: FastJson<EventForm>,
    ) -> Result<HttpResponseOk<Option<bool>>, Detail>;

    /// The user's answer to a tool call waiting in a message's `output` (approve, reject, or
    /// answer an `ask_user` question).
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/messages/{message_id}/resolve", tags = ["chats"] }]
    async fn chats_resolve_message_tool_call(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatMessagePath>,
        body: FastJson<Shaped<ResolveToolCallForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// A new chat with the branch up to a message (the current one by default).
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/fork", tags = ["chats"] }]
    async fn chats_fork_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<ForkForm, Value>>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail>;

    /// Summarises the older messages of the chat's branch with a model (context compaction).
    #[endpoint { method = POST, path = "/api/v1/chats/{id}/compact", tags = ["chats"] }]
    async fn chats_compact_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<CompactChatForm, Value>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;
}
}
