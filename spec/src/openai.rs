//! `/openai`: the OpenAI-compatible proxy (the reference's `routers/openai.py`): the API traits
//! and forms. The connections' settings (`/openai/config`, `/openai/verify`) are in
//! [`crate::connections`]; `/openai/chat/completions` in the chat pipeline's trait.
//!
//! The reference's `/openai/{path:path}` catch-all sits beside the literal routes (`models`,
//! `audio`, ...), which dropshot cannot hold in one description: it has a trait of its own,
//! [`OpenaiPassthroughApi`], matched after every other (the reference declares it last).

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext, UntypedBody};
use http::Response;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ollama::{UrlIdxPath, UrlIdxQuery};
use crate::{Detail, FastJson, Shaped};

/// `ProviderModelOperationForm` (extra fields allowed).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProviderModelOperationForm {
    pub model: String,
}

/// `list | str` (documentation only: the body is read as a JSON object and checked by the handler).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ListOrStr {
    List(Vec<Value>),
    Str(String),
}

/// `ResponsesForm` of `routers/openai.py` (extra fields allowed).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResponsesForm {
    pub model: String,
    pub input: Option<ListOrStr>,
    pub instructions: Option<String>,
    pub stream: Option<bool>,
    pub temperature: Option<f64>,
    pub max_output_tokens: Option<i64>,
    pub top_p: Option<f64>,
    pub tools: Option<Vec<Value>>,
    pub tool_choice: Option<crate::ollama::DictOrStr>,
    pub text: Option<Map<String, Value>>,
    pub truncation: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub store: Option<bool>,
    pub reasoning: Option<Map<String, Value>>,
    pub previous_response_id: Option<String>,
}

/// `/models/{url_idx}/download/status/{job_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DownloadStatusPath {
    #[schemars(with = "i64")]
    pub url_idx: String,
    pub job_id: String,
}

/// `DELETE /openai/models/{url_idx}?model=` (required).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ModelQuery {
    #[serde(default)]
    #[schemars(with = "String")]
    pub model: Option<String>,
}

/// `/openai/{path}` (one segment).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProxyPath {
    pub path: String,
}

/// `/openai/{path:.*}`: the segments under `/openai/`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProxyRestPath {
    pub path: Vec<String>,
}

api_traits! {
/// The OpenAI-compatible connections' models and their model management (llama.cpp, LM Studio).
pub trait OpenaiApi in openai_api_invokers {
    type Context: Send + Sync + 'static;

    /// Text to speech through the `https://api.openai.com/v1` connection (the audio cached by
    /// request body); a non-admin needs the `chat.tts` permission.
    #[endpoint { method = POST, path = "/openai/audio/speech", tags = ["openai"] }]
    async fn openai_speech(rqctx: RequestContext<Self::Context>, body: UntypedBody) -> Result<Response<Body>, Detail>;

    /// The Responses API of the connection serving the model (streamed through as events).
    #[endpoint { method = POST, path = "/openai/responses", tags = ["openai"] }]
    async fn openai_responses(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<ResponsesForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// Admin: one connection's `/models`.
    #[endpoint { method = GET, path = "/openai/models/{url_idx}", tags = ["openai"] }]
    async fn openai_get_models_by_url_idx(rqctx: RequestContext<Self::Context>, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: deletes a model on a llama.cpp connection.
    #[endpoint { method = DELETE, path = "/openai/models/{url_idx}", tags = ["openai"] }]
    async fn openai_delete_provider_model(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        query: Query<ModelQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Every connection's models merged (cached per user); a user sees the models they may read.
    #[endpoint { method = GET, path = "/openai/models", tags = ["openai"] }]
    async fn openai_get_models(rqctx: RequestContext<Self::Context>, query: Query<UrlIdxQuery>) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: the provider's model catalog.
    #[endpoint { method = GET, path = "/openai/models/{url_idx}/catalog", tags = ["openai"] }]
    async fn openai_get_provider_model_catalog(rqctx: RequestContext<Self::Context>, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: downloads a model on the provider.
    #[endpoint { method = POST, path = "/openai/models/{url_idx}/download", tags = ["openai"] }]
    async fn openai_download_provider_model(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<ProviderModelOperationForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: a download's progress (LM Studio).
    #[endpoint { method = GET, path = "/openai/models/{url_idx}/download/status/{job_id}", tags = ["openai"] }]
    async fn openai_get_provider_model_download_status(
        rqctx: RequestContext<Self::Context>,
        path: Path<DownloadStatusPath>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: loads a model on the provider.
    #[endpoint { method = POST, path = "/openai/models/{url_idx}/load", tags = ["openai"] }]
    async fn openai_load_provider_model(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<ProviderModelOperationForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: unloads a model on the provider.
    #[endpoint { method = POST, path = "/openai/models/{url_idx}/unload", tags = ["openai"] }]
    async fn openai_unload_provider_model(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<ProviderModelOperationForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: the provider's model events (llama.cpp), streamed through.
    #[endpoint { method = GET, path = "/openai/models/{url_idx}/sse", tags = ["openai"] }]
    async fn openai_stream_provider_model_events(rqctx: RequestContext<Self::Context>, path: Path<UrlIdxPath>) -> Result<Response<Body>, Detail>;
}
}

api_traits! {
/// The deprecated `/openai/{path}` passthrough (off unless `ENABLE_OPENAI_API_PASSTHROUGH`), for
/// a path of one segment; [`OpenaiPassthroughRestApi`] takes the longer ones.
pub trait OpenaiPassthroughApi in openai_passthrough_api_invokers {
    type Context: Send + Sync + 'static;

    /// Passes a `GET` to the connection.
    #[endpoint { method = GET, path = "/openai/{path}", tags = ["openai"] }]
    async fn openai_proxy_by_path_get(rqctx: RequestContext<Self::Context>, path: Path<ProxyPath>) -> Result<Response<Body>, Detail>;

    /// Passes a `DELETE` to the connection.
    #[endpoint { method = DELETE, path = "/openai/{path}", tags = ["openai"] }]
    async fn openai_proxy_by_path_delete(rqctx: RequestContext<Self::Context>, path: Path<ProxyPath>, body: UntypedBody) -> Result<Response<Body>, Detail>;

    /// Passes a `POST` to the connection (routed by the body's `model`).
    #[endpoint { method = POST, path = "/openai/{path}", tags = ["openai"] }]
    async fn openai_proxy_by_path_post(rqctx: RequestContext<Self::Context>, path: Path<ProxyPath>, body: UntypedBody) -> Result<Response<Body>, Detail>;

    /// Passes a `PUT` to the connection.
    #[endpoint { method = PUT, path = "/openai/{path}", tags = ["openai"] }]
    async fn openai_proxy_by_path_put(rqctx: RequestContext<Self::Context>, path: Path<ProxyPath>, body: UntypedBody) -> Result<Response<Body>, Detail>;
}
}

api_traits! {
/// The passthrough for paths of more than one segment (`{path:path}` in the reference): the
/// same operations as [`OpenaiPassthroughApi`]; dropshot documents no wildcard, so these are
/// unpublished.
pub trait OpenaiPassthroughRestApi in openai_passthrough_rest_api_invokers {
    type Context: Send + Sync + 'static;

    #[endpoint { method = GET, path = "/openai/{path:.*}", tags = ["openai"], unpublished = true }]
    async fn openai_proxy_rest_get(rqctx: RequestContext<Self::Context>, path: Path<ProxyRestPath>) -> Result<Response<Body>, Detail>;

    #[endpoint { method = DELETE, path = "/openai/{path:.*}", tags = ["openai"], unpublished = true }]
    async fn openai_proxy_rest_delete(rqctx: RequestContext<Self::Context>, path: Path<ProxyRestPath>, body: UntypedBody) -> Result<Response<Body>, Detail>;

    #[endpoint { method = POST, path = "/openai/{path:.*}", tags = ["openai"], unpublished = true }]
    async fn openai_proxy_rest_post(rqctx: RequestContext<Self::Context>, path: Path<ProxyRestPath>, body: UntypedBody) -> Result<Response<Body>, Detail>;

    #[endpoint { method = PUT, path = "/openai/{path:.*}", tags = ["openai"], unpublished = true }]
    async fn openai_proxy_rest_put(rqctx: RequestContext<Self::Context>, path: Path<ProxyRestPath>, body: UntypedBody) -> Result<Response<Body>, Detail>;
}
}
