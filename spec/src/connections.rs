//! The LLM connections' settings: `/openai/config`, `/ollama/config` and their `verify` routes
//! (the reference's `routers/openai.py` and `routers/ollama.py`): the API trait and wire types.

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{Detail, FastJson};

/// `OpenAIConfigForm` (`POST /openai/config/update`).
#[derive(Debug, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct OpenAIConfigForm {
    #[serde(default)]
    pub ENABLE_OPENAI_API: Option<bool>,
    pub OPENAI_API_BASE_URLS: Vec<String>,
    pub OPENAI_API_KEYS: Vec<String>,
    pub OPENAI_API_CONFIGS: Map<String, Value>,
}

/// `OllamaConfigForm` (`POST /ollama/config/update`).
#[derive(Debug, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct OllamaConfigForm {
    #[serde(default)]
    pub ENABLE_OLLAMA_API: Option<bool>,
    pub OLLAMA_BASE_URLS: Vec<String>,
    pub OLLAMA_API_CONFIGS: Map<String, Value>,
}

/// `ConnectionVerificationForm` of `routers/openai.py` (`key` required).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OpenAIVerifyForm {
    pub url: String,
    pub key: String,
    #[serde(default)]
    pub config: Option<Map<String, Value>>,
}

/// `ConnectionVerificationForm` of `routers/ollama.py` (`key` optional).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OllamaVerifyForm {
    pub url: String,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub config: Option<Map<String, Value>>,
}

api_traits! {
/// The connections' settings (admin only): the URLs, keys and per-connection options of the
/// OpenAI-compatible and Ollama providers, kept in the `config` table.
pub trait ConnectionsApi in connections_api_invokers {
    type Context: Send + Sync + 'static;

    /// Admin: `ENABLE_OPENAI_API`, `OPENAI_API_BASE_URLS`, `OPENAI_API_KEYS`, `OPENAI_API_CONFIGS`.
    #[endpoint { method = GET, path = "/openai/config", tags = ["openai"] }]
    async fn openai_get_config(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: replaces the OpenAI connections (keys padded or cut to the URLs, configs kept only
    /// for existing indexes); the cached model lists are dropped.
    #[endpoint { method = POST, path = "/openai/config/update", tags = ["openai"] }]
    async fn openai_update_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<OpenAIConfigForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: fetches `{url}/models` with the given key and answers the provider's list.
    #[endpoint { method = POST, path = "/openai/verify", tags = ["openai"] }]
    async fn openai_verify_connection(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<OpenAIVerifyForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: `ENABLE_OLLAMA_API`, `OLLAMA_BASE_URLS`, `OLLAMA_API_CONFIGS` (the reference declares
    /// these two answers as `dict`).
    #[endpoint { method = GET, path = "/ollama/config", tags = ["ollama"] }]
    async fn ollama_get_config(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: replaces the Ollama connections; the cached model lists are dropped.
    #[endpoint { method = POST, path = "/ollama/config/update", tags = ["ollama"] }]
    async fn ollama_update_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<OllamaConfigForm>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: fetches `{url}/api/version` and answers it.
    #[endpoint { method = POST, path = "/ollama/verify", tags = ["ollama"] }]
    async fn ollama_verify_connection(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<OllamaVerifyForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;
}
}
