//! `/api/v1/tasks` (the reference's `routers/tasks.py`): the task settings (task model, prompt
//! templates, which generations are on) and the generations themselves (title, follow-ups,
//! tags, image prompt, search queries, autocompletion, emoji, mixture of agents), each one
//! completion of the task model on a prompt built from its template.
//!
//! The generation bodies are the reference's free dict (`form_data: dict`: `model`,
//! `messages`, `prompt`, ...); the answer is the task model's completion as the upstream gave it
//! (or its error), or the reference's `{"detail": ...}`.

use dropshot::{Body, HttpResponseOk, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::configs::nullable_string;
use crate::{Detail, FastJson};

/// `TaskConfigForm` (fields in the reference's order; `model_dump` writes them all).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TaskConfigForm {
    #[schemars(schema_with = "nullable_string")]
    pub TASK_MODEL: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    pub TASK_MODEL_EXTERNAL: Option<String>,
    #[serde(default)]
    pub TASK_MODEL_PARAMS: Option<Map<String, Value>>,
    pub ENABLE_TITLE_GENERATION: bool,
    pub TITLE_GENERATION_PROMPT_TEMPLATE: String,
    pub IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE: String,
    pub ENABLE_AUTOCOMPLETE_GENERATION: bool,
    #[serde(default)]
    pub AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH: Option<i64>,
    pub AUTOCOMPLETE_GENERATION_PROMPT_TEMPLATE: String,
    pub TAGS_GENERATION_PROMPT_TEMPLATE: String,
    pub FOLLOW_UP_GENERATION_PROMPT_TEMPLATE: String,
    pub ENABLE_FOLLOW_UP_GENERATION: bool,
    pub ENABLE_TAGS_GENERATION: bool,
    pub ENABLE_SEARCH_QUERY_GENERATION: bool,
    pub ENABLE_RETRIEVAL_QUERY_GENERATION: bool,
    pub QUERY_GENERATION_PROMPT_TEMPLATE: String,
    pub TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE: String,
    pub ENABLE_VOICE_MODE_PROMPT: bool,
    #[schemars(schema_with = "nullable_string")]
    pub VOICE_MODE_PROMPT_TEMPLATE: Option<String>,
}

api_traits! {
/// The `/api/v1/tasks` operations.
pub trait TaskGenApi in task_gen_api_invokers {
    type Context: Send + Sync + 'static;

    /// The task settings, as stored (any verified user: the web UI's Settings > Interface reads it).
    #[endpoint { method = GET, path = "/api/v1/tasks/config", tags = ["tasks"] }]
    async fn tasks_get_config(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: sets the task settings; answers them as stored.
    #[endpoint { method = POST, path = "/api/v1/tasks/config/update", tags = ["tasks"] }]
    async fn tasks_update_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<TaskConfigForm>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// A chat title from the task model (`{"detail": ...}` with 200 when title generation is off).
    #[endpoint { method = POST, path = "/api/v1/tasks/title/completions", tags = ["tasks"] }]
    async fn tasks_generate_title(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// Suggested follow-up messages from the task model.
    #[endpoint { method = POST, path = "/api/v1/tasks/follow_up/completions", tags = ["tasks"] }]
    async fn tasks_generate_follow_ups(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// Chat tags from the task model.
    #[endpoint { method = POST, path = "/api/v1/tasks/tags/completions", tags = ["tasks"] }]
    async fn tasks_generate_chat_tags(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// An image-generation prompt from the task model.
    #[endpoint { method = POST, path = "/api/v1/tasks/image_prompt/completions", tags = ["tasks"] }]
    async fn tasks_generate_image_prompt(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// Web-search or retrieval queries from the task model.
    #[endpoint { method = POST, path = "/api/v1/tasks/queries/completions", tags = ["tasks"] }]
    async fn tasks_generate_queries(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// The continuation of the text being typed, from the task model.
    #[endpoint { method = POST, path = "/api/v1/tasks/auto/completions", tags = ["tasks"] }]
    async fn tasks_generate_autocompletion(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// An emoji for a message, from the task model.
    #[endpoint { method = POST, path = "/api/v1/tasks/emoji/completions", tags = ["tasks"] }]
    async fn tasks_generate_emoji(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;

    /// One answer synthesised from several models' answers (the chat's model, streamed on request).
    #[endpoint { method = POST, path = "/api/v1/tasks/moa/completions", tags = ["tasks"] }]
    async fn tasks_generate_moa_response(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Map<String, Value>>,
    ) -> Result<Response<Body>, Detail>;
}
}
