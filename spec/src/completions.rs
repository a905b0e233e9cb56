//! Chat completions (the reference's `main.py::chat_completion`, `routers/openai.py` and
//! `routers/ollama.py` chat routes): a message goes in, the model's answer comes back, streamed
//! as the upstream streams it (OpenAI SSE, Ollama NDJSON) or whole.
//!
//! The body is the reference's free dict (`form_data: dict`): OpenAI's chat request plus the web
//! UI's fields (`session_id`, `chat_id`, `id`, `user_message`, `background_tasks`, ...). The
//! answer is whatever the upstream answers (a stream, a JSON body, its error status), or, for
//! the web UI, `{status, task_ids, chat_id}` at once while the answer streams over socket.io.

use dropshot::{Body, Path, Query, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{Detail, FastJson};

/// `?url_idx=`: which of the Ollama servers to use (kept as text: checked after the session).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct UrlIdxQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub url_idx: Option<String>,
}

api_traits! {
/// The chat completion routes.
pub trait CompletionsApi in completions_api_invokers {
    type Context: Send + Sync + 'static;

    /// A chat completion through the model's connection: the upstream's SSE stream or JSON for
    /// API callers; `{status, task_ids, chat_id}` for the web UI (`session_id` and a chat),
    /// whose answer arrives as socket.io `events` and is saved into the chat.
    #[endpoint { method = POST, path = "/api/chat/completions" }]
    async fn chat_completion(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// `/api/chat/completions` under `/api/v1` (OpenAI-compatible path).
    #[endpoint { method = POST, path = "/api/v1/chat/completions" }]
    async fn chat_completion_v1(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// Deprecated in the reference (outlet filters run inline): the message list, after the
    /// outlet filters (none here).
    #[endpoint { method = POST, path = "/api/chat/completed" }]
    async fn chat_completed(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// The OpenAI connections' chat completion, the payload passed on with the model's settings.
    #[endpoint { method = POST, path = "/openai/chat/completions", tags = ["openai"] }]
    async fn openai_generate_chat_completion(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// Ollama's `/api/chat` on the model's server (NDJSON when streamed).
    #[endpoint { method = POST, path = "/ollama/api/chat", tags = ["ollama"] }]
    async fn ollama_generate_chat_completion(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// `/ollama/api/chat` pinned to the Ollama server at `url_idx` (the reference's 404 for an
    /// index that is not configured).
    #[endpoint { method = POST, path = "/ollama/api/chat/{url_idx}", tags = ["ollama"] }]
    async fn ollama_generate_chat_completion_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<crate::ollama::UrlIdxPath>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// Ollama's OpenAI-compatible `/v1/chat/completions` on the model's server, passed through.
    #[endpoint { method = POST, path = "/ollama/v1/chat/completions", tags = ["ollama"] }]
    async fn ollama_generate_openai_chat_completion(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// `/ollama/v1/chat/completions` pinned to the Ollama server at `url_idx`.
    #[endpoint { method = POST, path = "/ollama/v1/chat/completions/{url_idx}", tags = ["ollama"] }]
    async fn ollama_generate_openai_chat_completion_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<crate::ollama::UrlIdxPath>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;
}
}
