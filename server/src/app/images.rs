//! `/api/v1/images` (`routers/images.py`): the Images page's settings, read from `config` rows
//! (`IMAGE_CONFIG_KEYS`; defaults in `crate::config::media_defaults`).

use webui_api::images::ImagesConfig;

use crate::app::admin_settings::{fields, typed};
use crate::context::ServerContext;
use crate::error::Result;

/// `IMAGE_CONFIG_KEYS` (`USER_PERMISSIONS` left out: `ImagesConfig` drops it).
const IMAGES: &[(&str, &str)] = &[
    ("ENABLE_IMAGE_GENERATION", "image_generation.enable"),
    ("ENABLE_IMAGE_PROMPT_GENERATION", "image_generation.prompt.enable"),
    ("IMAGE_GENERATION_ENGINE", "image_generation.engine"),
    ("IMAGE_GENERATION_MODEL", "image_generation.model"),
    ("IMAGE_SIZE", "image_generation.size"),
    ("IMAGE_STEPS", "image_generation.steps"),
    ("IMAGES_OPENAI_API_BASE_URL", "image_generation.openai.api_base_url"),
    ("IMAGES_OPENAI_API_KEY", "image_generation.openai.api_key"),
    ("IMAGES_OPENAI_API_VERSION", "image_generation.openai.api_version"),
    ("IMAGES_OPENAI_API_PARAMS", "image_generation.openai.params"),
    ("AUTOMATIC1111_BASE_URL", "image_generation.automatic1111.base_url"),
    ("AUTOMATIC1111_API_AUTH", "image_generation.automatic1111.api_auth"),
    ("AUTOMATIC1111_PARAMS", "image_generation.automatic1111.api_params"),
    ("COMFYUI_BASE_URL", "image_generation.comfyui.base_url"),
    ("COMFYUI_API_KEY", "image_generation.comfyui.api_key"),
    ("COMFYUI_WORKFLOW", "image_generation.comfyui.workflow"),
    ("COMFYUI_WORKFLOW_NODES", "image_generation.comfyui.nodes"),
    ("IMAGES_GEMINI_API_BASE_URL", "image_generation.gemini.api_base_url"),
    ("IMAGES_GEMINI_API_KEY", "image_generation.gemini.api_key"),
    ("IMAGES_GEMINI_ENDPOINT_METHOD", "image_generation.gemini.endpoint_method"),
    ("ENABLE_IMAGE_EDIT", "images.edit.enable"),
    ("IMAGE_EDIT_ENGINE", "images.edit.engine"),
    ("IMAGE_EDIT_MODEL", "images.edit.model"),
    ("IMAGE_EDIT_SIZE", "images.edit.size"),
    ("IMAGES_EDIT_OPENAI_API_BASE_URL", "images.edit.openai.api_base_url"),
    ("IMAGES_EDIT_OPENAI_API_KEY", "images.edit.openai.api_key"),
    ("IMAGES_EDIT_OPENAI_API_VERSION", "images.edit.openai.api_version"),
    ("IMAGES_EDIT_GEMINI_API_BASE_URL", "images.edit.gemini.api_base_url"),
    ("IMAGES_EDIT_GEMINI_API_KEY", "images.edit.gemini.api_key"),
    ("IMAGES_EDIT_COMFYUI_BASE_URL", "images.edit.comfyui.base_url"),
    ("IMAGES_EDIT_COMFYUI_API_KEY", "images.edit.comfyui.api_key"),
    ("IMAGES_EDIT_COMFYUI_WORKFLOW", "images.edit.comfyui.workflow"),
    ("IMAGES_EDIT_COMFYUI_WORKFLOW_NODES", "images.edit.comfyui.nodes"),
];

/// `GET /api/v1/images/config` (`get_config`, response model `ImagesConfig`).
pub fn config(ctx: &ServerContext) -> Result<ImagesConfig> {
    typed(fields(ctx, IMAGES))
}
