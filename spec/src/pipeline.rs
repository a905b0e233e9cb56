//! The rest of the chat pipeline in `main.py`: embeddings through the model's connection
//! (`utils/embeddings.py::generate_embeddings`) and the Anthropic Messages API's token count.
//!
//! Bodies are the reference's free dicts (`form_data: dict`); answers are the upstream's,
//! converted to OpenAI's shape where the model is an Ollama one.

use dropshot::{Body, HttpResponseOk, RequestContext};
use http::Response;
use serde_json::{Map, Value};

use crate::{Detail, FastJson};

api_traits! {
/// Embeddings for any model the user may use.
pub trait PipelineApi in pipeline_api_invokers {
    type Context: Send + Sync + 'static;

    /// OpenAI-compatible embeddings (`{"model", "input"}`) from the model's connection: an
    /// OpenAI one answers as it answers, an Ollama one through `/api/embed`, converted to
    /// OpenAI's `{"object": "list", "data": [...], "model"}`.
    #[endpoint { method = POST, path = "/api/embeddings" }]
    async fn embeddings(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// `/api/embeddings` under `/api/v1` (OpenAI-compatible path).
    #[endpoint { method = POST, path = "/api/v1/embeddings" }]
    async fn embeddings_v1(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// Anthropic's token count (`{"model", "messages", ...}`) from the model's OpenAI-compatible
    /// connection (`{url}/messages/count_tokens`): `{"input_tokens": n}`.
    #[endpoint { method = POST, path = "/api/message/count_tokens" }]
    async fn message_count_tokens(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// `/api/message/count_tokens` at Anthropic's path.
    #[endpoint { method = POST, path = "/api/v1/messages/count_tokens" }]
    async fn messages_count_tokens(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;
}
}
