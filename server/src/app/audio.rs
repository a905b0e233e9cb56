//! `/api/v1/audio` (`routers/audio/__init__.py`): the Audio page's settings, read from `config`
//! rows (defaults in `crate::config::media_defaults`).

use serde_json::{Map, Value};
use webui_api::audio::AudioConfig;

use crate::app::admin_settings::{fields, typed};
use crate::context::ServerContext;
use crate::error::Result;

/// `REALTIME_CONFIG_KEYS`.
const REALTIME: &[(&str, &str)] = &[
    ("ENABLED", "audio.realtime.enabled"),
    ("PROVIDER", "audio.realtime.provider"),
    ("AUTH_TYPE", "audio.realtime.auth_type"),
    ("OPENAI_API_BASE_URL", "audio.realtime.openai.api_base_url"),
    ("OPENAI_API_KEY", "audio.realtime.openai.api_key"),
    ("MODEL", "audio.realtime.model"),
    ("VOICE", "audio.realtime.voice"),
    ("TRANSCRIPTION_MODEL", "audio.realtime.transcription_model"),
    ("INPUT_PARAMS", "audio.realtime.input_params"),
    ("REALTIME_CALL_PROMPT_TEMPLATE", "audio.realtime.prompt_template"),
];

/// `TTS_CONFIG_KEYS`.
const TTS: &[(&str, &str)] = &[
    ("OPENAI_API_BASE_URL", "audio.tts.openai.api_base_url"),
    ("OPENAI_API_KEY", "audio.tts.openai.api_key"),
    ("OPENAI_PARAMS", "audio.tts.openai.params"),
    ("API_KEY", "audio.tts.api_key"),
    ("ENGINE", "audio.tts.engine"),
    ("MODEL", "audio.tts.model"),
    ("VOICE", "audio.tts.voice"),
    ("REALTIME_TTS_PROMPT_TEMPLATE", "audio.tts.realtime.prompt_template"),
    ("SPLIT_ON", "audio.tts.split_on"),
    ("AZURE_SPEECH_REGION", "audio.tts.azure.speech_region"),
    ("AZURE_SPEECH_BASE_URL", "audio.tts.azure.speech_base_url"),
    ("AZURE_SPEECH_OUTPUT_FORMAT", "audio.tts.azure.speech_output_format"),
    ("MISTRAL_API_KEY", "audio.tts.mistral.api_key"),
    ("MISTRAL_API_BASE_URL", "audio.tts.mistral.api_base_url"),
];

/// `STT_CONFIG_KEYS`.
const STT: &[(&str, &str)] = &[
    ("OPENAI_API_BASE_URL", "audio.stt.openai.api_base_url"),
    ("OPENAI_API_KEY", "audio.stt.openai.api_key"),
    ("OPENAI_API_REQUEST_FORMAT", "audio.stt.openai.api_request_format"),
    ("ENGINE", "audio.stt.engine"),
    ("MODEL", "audio.stt.model"),
    ("SUPPORTED_CONTENT_TYPES", "audio.stt.supported_content_types"),
    ("ALLOWED_EXTENSIONS", "audio.stt.allowed_extensions"),
    ("WHISPER_MODEL", "audio.stt.whisper_model"),
    ("DEEPGRAM_API_KEY", "audio.stt.deepgram.api_key"),
    ("AZURE_API_KEY", "audio.stt.azure.api_key"),
    ("AZURE_REGION", "audio.stt.azure.region"),
    ("AZURE_LOCALES", "audio.stt.azure.locales"),
    ("AZURE_BASE_URL", "audio.stt.azure.base_url"),
    ("AZURE_MAX_SPEAKERS", "audio.stt.azure.max_speakers"),
    ("MISTRAL_API_KEY", "audio.stt.mistral.api_key"),
    ("MISTRAL_API_BASE_URL", "audio.stt.mistral.api_base_url"),
    ("MISTRAL_USE_CHAT_COMPLETIONS", "audio.stt.mistral.use_chat_completions"),
];

/// `GET /api/v1/audio/config` (`get_audio_config`).
pub fn config(ctx: &ServerContext) -> Result<AudioConfig> {
    let mut out = Map::new();
    out.insert("realtime".into(), Value::Object(fields(ctx, REALTIME)));
    out.insert("tts".into(), Value::Object(fields(ctx, TTS)));
    out.insert("stt".into(), Value::Object(fields(ctx, STT)));
    typed(out)
}
