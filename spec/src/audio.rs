//! `/api/v1/audio` (`routers/audio/__init__.py`): the admin panel's Audio settings, read from
//! `config` rows (`REALTIME_CONFIG_KEYS`, `TTS_CONFIG_KEYS`, `STT_CONFIG_KEYS`). Speech
//! synthesis and transcription are not served.

#![allow(non_snake_case)]

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Detail;

/// `GET /api/v1/audio/config`: the three groups of settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AudioConfig {
    pub realtime: RealtimeConfig,
    pub tts: TtsConfig,
    pub stt: SttConfig,
}

/// The `realtime` object of `GET /api/v1/audio/config` (`REALTIME_CONFIG_KEYS`, in order).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RealtimeConfig {
    pub ENABLED: Option<bool>,
    pub PROVIDER: Option<String>,
    pub AUTH_TYPE: Option<String>,
    pub OPENAI_API_BASE_URL: Option<String>,
    pub OPENAI_API_KEY: Option<String>,
    pub MODEL: Option<String>,
    pub VOICE: Option<String>,
    pub TRANSCRIPTION_MODEL: Option<String>,
    pub INPUT_PARAMS: Option<Map<String, Value>>,
    pub REALTIME_CALL_PROMPT_TEMPLATE: Option<String>,
}

/// The `tts` object of `GET /api/v1/audio/config` (`TTS_CONFIG_KEYS`, in order).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TtsConfig {
    pub OPENAI_API_BASE_URL: Option<String>,
    pub OPENAI_API_KEY: Option<String>,
    pub OPENAI_PARAMS: Option<Map<String, Value>>,
    pub API_KEY: Option<String>,
    pub ENGINE: Option<String>,
    pub MODEL: Option<String>,
    pub VOICE: Option<String>,
    pub REALTIME_TTS_PROMPT_TEMPLATE: Option<String>,
    pub SPLIT_ON: Option<String>,
    pub AZURE_SPEECH_REGION: Option<String>,
    pub AZURE_SPEECH_BASE_URL: Option<String>,
    pub AZURE_SPEECH_OUTPUT_FORMAT: Option<String>,
    pub MISTRAL_API_KEY: Option<String>,
    pub MISTRAL_API_BASE_URL: Option<String>,
}

/// The `stt` object of `GET /api/v1/audio/config` (`STT_CONFIG_KEYS`, in order).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SttConfig {
    pub OPENAI_API_BASE_URL: Option<String>,
    pub OPENAI_API_KEY: Option<String>,
    pub OPENAI_API_REQUEST_FORMAT: Option<String>,
    pub ENGINE: Option<String>,
    pub MODEL: Option<String>,
    pub SUPPORTED_CONTENT_TYPES: Option<Vec<String>>,
    pub ALLOWED_EXTENSIONS: Option<Vec<String>>,
    pub WHISPER_MODEL: Option<String>,
    pub DEEPGRAM_API_KEY: Option<String>,
    pub AZURE_API_KEY: Option<String>,
    pub AZURE_REGION: Option<String>,
    pub AZURE_LOCALES: Option<String>,
    pub AZURE_BASE_URL: Option<String>,
    pub AZURE_MAX_SPEAKERS: Option<String>,
    pub MISTRAL_API_KEY: Option<String>,
    pub MISTRAL_API_BASE_URL: Option<String>,
    pub MISTRAL_USE_CHAT_COMPLETIONS: Option<bool>,
}

api_traits! {
/// The admin panel's Audio settings.
pub trait AudioApi in audio_api_invokers {
    type Context: Send + Sync + 'static;

    /// The realtime voice, text-to-speech and speech-to-text settings (admin).
    #[endpoint { method = GET, path = "/api/v1/audio/config", tags = ["audio"] }]
    async fn audio_get_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<AudioConfig>, Detail>;
}
}
