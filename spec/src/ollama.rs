//! `/ollama`: the Ollama proxy (the reference's `routers/ollama.py`): the API trait and its
//! forms. The connections' settings (`/ollama/config`, `/ollama/verify`) are in
//! [`crate::connections`]; `/ollama/api/chat` and `/ollama/v1/chat/completions` in the chat
//! pipeline's trait.
//!
//! Most forms let extra fields through to the backend (`extra='allow'`), so bodies are read as
//! ordered JSON objects documented as their model ([`Shaped`]) and validated by the handler.

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext, StreamingBody};
use http::Response;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{Detail, FastJson, Shaped};

/// `{url_idx}`: an `int` in the reference (checked by the handler, FastAPI's 422 otherwise).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UrlIdxPath {
    #[schemars(with = "i64")]
    pub url_idx: String,
}

/// `?url_idx=`: the routes without `{url_idx}` take it from the query (an `int`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UrlIdxQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub url_idx: Option<String>,
}

/// `int | str` (documentation only: bodies are read as JSON objects and checked by the handler).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum IntOrStr {
    Int(i64),
    Str(String),
}

/// `dict | str` (documentation only).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum DictOrStr {
    Dict(Map<String, Value>),
    Str(String),
}

/// `list[str] | str` (documentation only).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StrsOrStr {
    Strs(Vec<String>),
    Str(String),
}

/// `ModelNameForm` (extra fields allowed).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ModelNameForm {
    pub model: Option<String>,
}

/// `PushModelForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PushModelForm {
    pub model: String,
    pub insecure: Option<bool>,
    pub stream: Option<bool>,
}

/// `CreateModelForm` (extra fields allowed).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateModelForm {
    pub model: Option<String>,
    pub stream: Option<bool>,
    pub path: Option<String>,
}

/// `CopyModelForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CopyModelForm {
    pub source: String,
    pub destination: String,
}

/// `GenerateEmbedForm` (extra fields allowed).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GenerateEmbedForm {
    pub model: String,
    pub input: StrsOrStr,
    pub truncate: Option<bool>,
    pub options: Option<Map<String, Value>>,
    pub keep_alive: Option<IntOrStr>,
}

/// `GenerateEmbeddingsForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GenerateEmbeddingsForm {
    pub model: String,
    pub prompt: String,
    pub options: Option<Map<String, Value>>,
    pub keep_alive: Option<IntOrStr>,
}

/// `GenerateCompletionForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GenerateCompletionForm {
    pub model: String,
    pub prompt: Option<String>,
    pub suffix: Option<String>,
    pub images: Option<Vec<String>>,
    pub format: Option<DictOrStr>,
    pub options: Option<Map<String, Value>>,
    pub system: Option<String>,
    pub template: Option<String>,
    pub context: Option<Vec<i64>>,
    /// Default `true`.
    pub stream: Option<bool>,
    pub raw: Option<bool>,
    pub keep_alive: Option<IntOrStr>,
}

/// `ResponsesForm` of `routers/ollama.py` (extra fields allowed).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OllamaResponsesForm {
    pub model: String,
}

/// `UrlForm` (`POST /ollama/models/download`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UrlForm {
    pub url: String,
}

/// The largest model file an upload may carry (the reference has no limit; 256 GiB here).
pub const MODEL_UPLOAD_MAX_BYTES: usize = 256 << 30;

/// A free `dict` body (`form_data: dict`).
pub type DictBody = FastJson<Map<String, Value>>;

api_traits! {
/// The Ollama proxy: the backends' models, versions and loaded models, completions and
/// embeddings passed to the backend serving the model, and the admin's model management.
pub trait OllamaApi in ollama_api_invokers {
    type Context: Send + Sync + 'static;

    /// Anyone: `{"status": true}` (the reference declares its answers here as `dict`).
    #[endpoint { method = GET, path = "/ollama/", tags = ["ollama"] }]
    async fn ollama_get_status_get(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Anyone: `{"status": true}` (no body).
    #[endpoint { method = HEAD, path = "/ollama/", tags = ["ollama"] }]
    async fn ollama_get_status_head(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: one backend's `/api/tags`.
    #[endpoint { method = GET, path = "/ollama/api/tags/{url_idx}", tags = ["ollama"] }]
    async fn ollama_get_tags_by_url_idx(rqctx: RequestContext<Self::Context>, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Value>, Detail>;

    /// Every backend's models merged (cached per user); a user sees the models they may read.
    #[endpoint { method = GET, path = "/ollama/api/tags", tags = ["ollama"] }]
    async fn ollama_get_tags(rqctx: RequestContext<Self::Context>, query: Query<UrlIdxQuery>) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: the models loaded on every backend.
    #[endpoint { method = GET, path = "/ollama/api/ps", tags = ["ollama"] }]
    async fn ollama_get_loaded_models(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: one backend's version.
    #[endpoint { method = GET, path = "/ollama/api/version/{url_idx}", tags = ["ollama"] }]
    async fn ollama_get_versions_by_url_idx(rqctx: RequestContext<Self::Context>, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Value>, Detail>;

    /// The lowest version among the enabled backends.
    #[endpoint { method = GET, path = "/ollama/api/version", tags = ["ollama"] }]
    async fn ollama_get_versions(rqctx: RequestContext<Self::Context>, query: Query<UrlIdxQuery>) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: unloads a model from every backend that has it.
    #[endpoint { method = POST, path = "/ollama/api/unload", tags = ["ollama"] }]
    async fn ollama_unload_model(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: pulls a model on a backend (its progress streamed).
    #[endpoint { method = POST, path = "/ollama/api/pull/{url_idx}", tags = ["ollama"] }]
    async fn ollama_pull_model_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// Admin: pulls a model on the first backend (or `?url_idx=`).
    #[endpoint { method = POST, path = "/ollama/api/pull", tags = ["ollama"] }]
    async fn ollama_pull_model(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// Admin: pushes a model to its registry (streamed).
    #[endpoint { method = DELETE, path = "/ollama/api/push/{url_idx}", tags = ["ollama"] }]
    async fn ollama_push_model_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<PushModelForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// Admin: pushes a model from the first backend that has it.
    #[endpoint { method = DELETE, path = "/ollama/api/push", tags = ["ollama"] }]
    async fn ollama_push_model(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Shaped<PushModelForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// Admin: creates a model on a backend (streamed).
    #[endpoint { method = POST, path = "/ollama/api/create/{url_idx}", tags = ["ollama"] }]
    async fn ollama_create_model_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<CreateModelForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// Admin: creates a model on the first backend.
    #[endpoint { method = POST, path = "/ollama/api/create", tags = ["ollama"] }]
    async fn ollama_create_model(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Shaped<CreateModelForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// Admin: copies a model on a backend.
    #[endpoint { method = POST, path = "/ollama/api/copy/{url_idx}", tags = ["ollama"] }]
    async fn ollama_copy_model_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<CopyModelForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Admin: copies a model on the first backend that has it.
    #[endpoint { method = POST, path = "/ollama/api/copy", tags = ["ollama"] }]
    async fn ollama_copy_model(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Shaped<CopyModelForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Admin: deletes a model on a backend.
    #[endpoint { method = DELETE, path = "/ollama/api/delete/{url_idx}", tags = ["ollama"] }]
    async fn ollama_delete_model_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Admin: deletes a model on the first backend that has it.
    #[endpoint { method = DELETE, path = "/ollama/api/delete", tags = ["ollama"] }]
    async fn ollama_delete_model(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// A model's details from one of its backends (model access checked).
    #[endpoint { method = POST, path = "/ollama/api/show", tags = ["ollama"] }]
    async fn ollama_show_model_info(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Embeddings (`/api/embed`) from a given backend.
    #[endpoint { method = POST, path = "/ollama/api/embed/{url_idx}", tags = ["ollama"] }]
    async fn ollama_embed_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<GenerateEmbedForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Embeddings (`/api/embed`) from a backend serving the model.
    #[endpoint { method = POST, path = "/ollama/api/embed", tags = ["ollama"] }]
    async fn ollama_embed(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Shaped<GenerateEmbedForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Embeddings (legacy `/api/embeddings`) from a given backend.
    #[endpoint { method = POST, path = "/ollama/api/embeddings/{url_idx}", tags = ["ollama"] }]
    async fn ollama_embeddings_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<GenerateEmbeddingsForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Embeddings (legacy `/api/embeddings`) from a backend serving the model.
    #[endpoint { method = POST, path = "/ollama/api/embeddings", tags = ["ollama"] }]
    async fn ollama_embeddings(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Shaped<GenerateEmbeddingsForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// A completion from a given backend, streamed through as it arrives.
    #[endpoint { method = POST, path = "/ollama/api/generate/{url_idx}", tags = ["ollama"] }]
    async fn ollama_generate_completion_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<GenerateCompletionForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// A completion from a backend serving the model, streamed through as it arrives.
    #[endpoint { method = POST, path = "/ollama/api/generate", tags = ["ollama"] }]
    async fn ollama_generate_completion(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Shaped<GenerateCompletionForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// OpenAI-compatible completion from a given backend.
    #[endpoint { method = POST, path = "/ollama/v1/completions/{url_idx}", tags = ["ollama"] }]
    async fn ollama_generate_openai_completion_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: DictBody,
    ) -> Result<Response<Body>, Detail>;

    /// OpenAI-compatible completion from a backend serving the model.
    #[endpoint { method = POST, path = "/ollama/v1/completions", tags = ["ollama"] }]
    async fn ollama_generate_openai_completion(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: DictBody,
    ) -> Result<Response<Body>, Detail>;

    /// OpenAI-compatible embeddings from a given backend.
    #[endpoint { method = POST, path = "/ollama/v1/embeddings/{url_idx}", tags = ["ollama"] }]
    async fn ollama_generate_openai_embeddings_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: DictBody,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// OpenAI-compatible embeddings from a backend serving the model.
    #[endpoint { method = POST, path = "/ollama/v1/embeddings", tags = ["ollama"] }]
    async fn ollama_generate_openai_embeddings(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: DictBody,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Anthropic-compatible messages from a given backend.
    #[endpoint { method = POST, path = "/ollama/v1/messages/{url_idx}", tags = ["ollama"] }]
    async fn ollama_generate_anthropic_messages_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: DictBody,
    ) -> Result<Response<Body>, Detail>;

    /// Anthropic-compatible messages from a backend serving the model.
    #[endpoint { method = POST, path = "/ollama/v1/messages", tags = ["ollama"] }]
    async fn ollama_generate_anthropic_messages(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: DictBody,
    ) -> Result<Response<Body>, Detail>;

    /// OpenAI Responses API from a given backend.
    #[endpoint { method = POST, path = "/ollama/v1/responses/{url_idx}", tags = ["ollama"] }]
    async fn ollama_generate_responses_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<OllamaResponsesForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// OpenAI Responses API from a backend serving the model.
    #[endpoint { method = POST, path = "/ollama/v1/responses", tags = ["ollama"] }]
    async fn ollama_generate_responses(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<Shaped<OllamaResponsesForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail>;

    /// Admin: one backend's models in OpenAI's list format.
    #[endpoint { method = GET, path = "/ollama/v1/models/{url_idx}", tags = ["ollama"] }]
    async fn ollama_get_openai_models_by_url_idx(rqctx: RequestContext<Self::Context>, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: a GGUF file from Hugging Face or GitHub made a model on the first backend (or
    /// `?url_idx=`): its download progress, then the blob and the model created, as `data:` events.
    #[endpoint { method = POST, path = "/ollama/models/download", tags = ["ollama"] }]
    async fn ollama_download_model(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: FastJson<UrlForm>,
    ) -> Result<Response<Body>, Detail>;

    /// [`OllamaApi::ollama_download_model`] on the backend at `url_idx`.
    #[endpoint { method = POST, path = "/ollama/models/download/{url_idx}", tags = ["ollama"] }]
    async fn ollama_download_model_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: FastJson<UrlForm>,
    ) -> Result<Response<Body>, Detail>;

    /// Admin: an uploaded model file (multipart field `file`) made a model on the first backend
    /// (or `?url_idx=`): progress, the blob pushed, the model created, as `data:` events.
    #[endpoint {
        method = POST, path = "/ollama/models/upload", tags = ["ollama"],
        content_type = "multipart/form-data", request_body_max_bytes = MODEL_UPLOAD_MAX_BYTES,
    }]
    async fn ollama_upload_model(
        rqctx: RequestContext<Self::Context>,
        query: Query<UrlIdxQuery>,
        body: StreamingBody,
    ) -> Result<Response<Body>, Detail>;

    /// [`OllamaApi::ollama_upload_model`] on the backend at `url_idx`.
    #[endpoint {
        method = POST, path = "/ollama/models/upload/{url_idx}", tags = ["ollama"],
        content_type = "multipart/form-data", request_body_max_bytes = MODEL_UPLOAD_MAX_BYTES,
    }]
    async fn ollama_upload_model_by_url_idx(
        rqctx: RequestContext<Self::Context>,
        path: Path<UrlIdxPath>,
        body: StreamingBody,
    ) -> Result<Response<Body>, Detail>;

    /// Every backend's models in OpenAI's list format; a user sees the models they may read.
    #[endpoint { method = GET, path = "/ollama/v1/models", tags = ["ollama"] }]
    async fn ollama_get_openai_models(rqctx: RequestContext<Self::Context>, query: Query<UrlIdxQuery>) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;
}
}
