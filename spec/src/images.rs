//! `/api/v1/images` (`routers/images.py`): the admin panel's Images settings, read from `config`
//! rows (`IMAGE_CONFIG_KEYS`). Generating and editing images is not served.

#![allow(non_snake_case)]

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Detail;

/// `ImagesConfig`, the response model of `GET /api/v1/images/config` (fields in its order).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ImagesConfig {
    pub ENABLE_IMAGE_GENERATION: bool,
    pub ENABLE_IMAGE_PROMPT_GENERATION: bool,
    pub IMAGE_GENERATION_ENGINE: String,
    pub IMAGE_GENERATION_MODEL: String,
    pub IMAGE_SIZE: Option<String>,
    pub IMAGE_STEPS: Option<i64>,
    pub IMAGES_OPENAI_API_BASE_URL: String,
    pub IMAGES_OPENAI_API_KEY: String,
    pub IMAGES_OPENAI_API_VERSION: String,
    /// `dict | str | None`.
    pub IMAGES_OPENAI_API_PARAMS: Value,
    pub AUTOMATIC1111_BASE_URL: String,
    /// `dict | str | None`.
    pub AUTOMATIC1111_API_AUTH: Value,
    /// `dict | str | None`.
    pub AUTOMATIC1111_PARAMS: Value,
    pub COMFYUI_BASE_URL: String,
    pub COMFYUI_API_KEY: String,
    pub COMFYUI_WORKFLOW: String,
    pub COMFYUI_WORKFLOW_NODES: Vec<Map<String, Value>>,
    pub IMAGES_GEMINI_API_BASE_URL: String,
    pub IMAGES_GEMINI_API_KEY: String,
    pub IMAGES_GEMINI_ENDPOINT_METHOD: String,
    pub ENABLE_IMAGE_EDIT: bool,
    pub IMAGE_EDIT_ENGINE: String,
    pub IMAGE_EDIT_MODEL: String,
    pub IMAGE_EDIT_SIZE: Option<String>,
    pub IMAGES_EDIT_OPENAI_API_BASE_URL: String,
    pub IMAGES_EDIT_OPENAI_API_KEY: String,
    pub IMAGES_EDIT_OPENAI_API_VERSION: String,
    pub IMAGES_EDIT_GEMINI_API_BASE_URL: String,
    pub IMAGES_EDIT_GEMINI_API_KEY: String,
    pub IMAGES_EDIT_COMFYUI_BASE_URL: String,
    pub IMAGES_EDIT_COMFYUI_API_KEY: String,
    pub IMAGES_EDIT_COMFYUI_WORKFLOW: String,
    pub IMAGES_EDIT_COMFYUI_WORKFLOW_NODES: Vec<Map<String, Value>>,
}

api_traits! {
/// The admin panel's Images settings.
pub trait ImagesApi in images_api_invokers {
    type Context: Send + Sync + 'static;

    /// The image generation and editing engines and their connections (admin).
    #[endpoint { method = GET, path = "/api/v1/images/config", tags = ["images"] }]
    async fn images_get_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<ImagesConfig>, Detail>;
}
}
