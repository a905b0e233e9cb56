//! `/api/v1/retrieval` (`routers/retrieval.py`): the settings of the admin panel's Documents and
//! Web Search pages, read from `config` rows (`RETRIEVAL_CONFIG_KEYS`). Embedding, extraction
//! and search themselves are not served (no vector database here).

#![allow(non_snake_case)]

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Detail;

/// `GET /api/v1/retrieval/config` (`get_rag_config`): the Documents page, `status` first and the web
/// search settings nested under `web`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RagConfig {
    pub status: bool,
    pub RAG_TEMPLATE: Option<String>,
    pub TOP_K: Option<i64>,
    pub BYPASS_EMBEDDING_AND_RETRIEVAL: Option<bool>,
    pub RAG_FULL_CONTEXT: Option<bool>,
    pub ENABLE_RAG_HYBRID_SEARCH: Option<bool>,
    pub ENABLE_RAG_HYBRID_SEARCH_ENRICHED_TEXTS: Option<bool>,
    pub TOP_K_RERANKER: Option<i64>,
    pub RELEVANCE_THRESHOLD: Option<f64>,
    pub HYBRID_BM25_WEIGHT: Option<f64>,
    pub CONTENT_EXTRACTION_ENGINE: Option<String>,
    pub CONTENT_EXTRACTION_SUPPORTED_MEDIA_MIME_TYPES: Option<Vec<String>>,
    pub PDF_EXTRACT_IMAGES: Option<bool>,
    pub PDF_LOADER_MODE: Option<String>,
    pub DATALAB_MARKER_API_KEY: Option<String>,
    pub DATALAB_MARKER_API_BASE_URL: Option<String>,
    pub DATALAB_MARKER_ADDITIONAL_CONFIG: Option<String>,
    pub DATALAB_MARKER_SKIP_CACHE: Option<bool>,
    pub DATALAB_MARKER_FORCE_OCR: Option<bool>,
    pub DATALAB_MARKER_PAGINATE: Option<bool>,
    pub DATALAB_MARKER_STRIP_EXISTING_OCR: Option<bool>,
    pub DATALAB_MARKER_DISABLE_IMAGE_EXTRACTION: Option<bool>,
    pub DATALAB_MARKER_FORMAT_LINES: Option<bool>,
    pub DATALAB_MARKER_USE_LLM: Option<bool>,
    pub DATALAB_MARKER_OUTPUT_FORMAT: Option<String>,
    pub EXTERNAL_DOCUMENT_LOADER_URL: Option<String>,
    pub EXTERNAL_DOCUMENT_LOADER_API_KEY: Option<String>,
    pub EXTERNAL_DOCUMENT_LOADER_HEADERS: Option<Map<String, Value>>,
    pub TIKA_SERVER_URL: Option<String>,
    pub TIKA_SERVER_VERSION: Option<String>,
    pub DOCLING_SERVER_URL: Option<String>,
    pub DOCLING_API_KEY: Option<String>,
    pub DOCLING_PARAMS: Option<Map<String, Value>>,
    pub DOCUMENT_INTELLIGENCE_ENDPOINT: Option<String>,
    pub DOCUMENT_INTELLIGENCE_KEY: Option<String>,
    pub DOCUMENT_INTELLIGENCE_MODEL: Option<String>,
    pub MISTRAL_OCR_API_BASE_URL: Option<String>,
    pub MISTRAL_OCR_API_KEY: Option<String>,
    pub MISTRAL_OCR_USE_BASE64: Option<bool>,
    pub PADDLEOCR_VL_BASE_URL: Option<String>,
    pub PADDLEOCR_VL_TOKEN: Option<String>,
    pub MINERU_API_MODE: Option<String>,
    pub MINERU_API_URL: Option<String>,
    pub MINERU_API_KEY: Option<String>,
    pub MINERU_API_TIMEOUT: Option<String>,
    pub MINERU_PARAMS: Option<Map<String, Value>>,
    pub MINERU_FILE_EXTENSIONS: Option<Vec<String>>,
    pub RAG_RERANKING_MODEL: Option<String>,
    pub RAG_RERANKING_ENGINE: Option<String>,
    pub RAG_RERANKING_BATCH_SIZE: Option<i64>,
    pub RAG_EXTERNAL_RERANKER_URL: Option<String>,
    pub RAG_EXTERNAL_RERANKER_API_KEY: Option<String>,
    pub RAG_EXTERNAL_RERANKER_TIMEOUT: Option<String>,
    pub TEXT_SPLITTER: Option<String>,
    pub RAG_TOKENIZER_MODEL: Option<String>,
    pub ENABLE_MARKDOWN_HEADER_TEXT_SPLITTER: Option<bool>,
    pub CHUNK_SIZE: Option<i64>,
    pub CHUNK_MIN_SIZE_TARGET: Option<i64>,
    pub CHUNK_OVERLAP: Option<i64>,
    /// `int | str | None`.
    pub FILE_MAX_SIZE: Value,
    pub FILE_MAX_COUNT: Value,
    pub FILE_IMAGE_COMPRESSION_WIDTH: Value,
    pub FILE_IMAGE_COMPRESSION_HEIGHT: Value,
    pub ALLOWED_FILE_EXTENSIONS: Option<Vec<String>>,
    pub ENABLE_GOOGLE_DRIVE_INTEGRATION: Option<bool>,
    pub ENABLE_ONEDRIVE_INTEGRATION: Option<bool>,
    pub web: WebConfig,
}

/// The `web` object of [`RagConfig`]: the Web Search page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WebConfig {
    pub ENABLE_WEB_SEARCH: Option<bool>,
    pub ENABLE_WEB_SEARCH_CONFIRMATION: Option<bool>,
    pub WEB_SEARCH_CONFIRMATION_CONTENT: Option<String>,
    pub WEB_SEARCH_ENGINE: Option<String>,
    pub WEB_SEARCH_TRUST_ENV: Option<bool>,
    pub WEB_SEARCH_RESULT_COUNT: Option<i64>,
    pub WEB_SEARCH_CONCURRENT_REQUESTS: Option<i64>,
    pub WEB_FETCH_MAX_CONTENT_LENGTH: Option<i64>,
    pub WEB_LOADER_CONCURRENT_REQUESTS: Option<i64>,
    pub WEB_SEARCH_DOMAIN_FILTER_LIST: Option<Vec<String>>,
    pub BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL: Option<bool>,
    pub BYPASS_WEB_SEARCH_WEB_LOADER: Option<bool>,
    pub OLLAMA_CLOUD_WEB_SEARCH_API_KEY: Option<String>,
    pub SEARXNG_QUERY_URL: Option<String>,
    pub SEARXNG_LANGUAGE: Option<String>,
    pub OPENSERP_BASE_URL: Option<String>,
    pub YACY_QUERY_URL: Option<String>,
    pub YACY_USERNAME: Option<String>,
    pub YACY_PASSWORD: Option<String>,
    pub GOOGLE_PSE_API_KEY: Option<String>,
    pub GOOGLE_PSE_ENGINE_ID: Option<String>,
    pub BRAVE_SEARCH_API_KEY: Option<String>,
    pub BRAVE_SEARCH_CONTEXT_TOKENS: Option<i64>,
    pub KAGI_SEARCH_API_KEY: Option<String>,
    pub MOJEEK_SEARCH_API_KEY: Option<String>,
    pub BOCHA_SEARCH_API_KEY: Option<String>,
    pub SERPSTACK_API_KEY: Option<String>,
    pub SERPSTACK_HTTPS: Option<bool>,
    pub SERPER_API_KEY: Option<String>,
    pub SERPHOUSE_API_KEY: Option<String>,
    pub SERPHOUSE_DOMAIN: Option<String>,
    pub SERPLY_API_KEY: Option<String>,
    pub DDGS_BACKEND: Option<String>,
    pub TAVILY_API_KEY: Option<String>,
    pub STAAN_API_KEY: Option<String>,
    pub STAAN_MARKET: Option<String>,
    pub STAAN_MAX_SNIPPETS: Option<i64>,
    pub SEARCHAPI_API_KEY: Option<String>,
    pub SEARCHAPI_ENGINE: Option<String>,
    pub SERPAPI_API_KEY: Option<String>,
    pub SERPAPI_ENGINE: Option<String>,
    pub JINA_API_KEY: Option<String>,
    pub JINA_API_BASE_URL: Option<String>,
    pub BING_SEARCH_V7_ENDPOINT: Option<String>,
    pub BING_SEARCH_V7_SUBSCRIPTION_KEY: Option<String>,
    pub EXA_API_KEY: Option<String>,
    pub EXA_MAX_CONTENT_LENGTH: Option<i64>,
    pub PERPLEXITY_API_KEY: Option<String>,
    pub PERPLEXITY_MODEL: Option<String>,
    pub PERPLEXITY_SEARCH_CONTEXT_USAGE: Option<String>,
    pub PERPLEXITY_SEARCH_API_URL: Option<String>,
    pub MICROSOFT_WEB_IQ_API_BASE_URL: Option<String>,
    pub MICROSOFT_WEB_IQ_API_KEY: Option<String>,
    pub MICROSOFT_WEB_IQ_LANGUAGE: Option<String>,
    pub SOUGOU_API_SID: Option<String>,
    pub SOUGOU_API_SK: Option<String>,
    pub WEB_LOADER_ENGINE: Option<String>,
    pub WEB_LOADER_TIMEOUT: Option<String>,
    pub ENABLE_WEB_LOADER_SSL_VERIFICATION: Option<bool>,
    pub PLAYWRIGHT_WS_URL: Option<String>,
    pub PLAYWRIGHT_TIMEOUT: Option<i64>,
    pub FIRECRAWL_API_KEY: Option<String>,
    pub FIRECRAWL_API_BASE_URL: Option<String>,
    pub FIRECRAWL_TIMEOUT: Option<String>,
    pub TAVILY_EXTRACT_DEPTH: Option<String>,
    pub TAVILY_SEARCH_DEPTH: Option<String>,
    pub EXTERNAL_WEB_SEARCH_URL: Option<String>,
    pub EXTERNAL_WEB_SEARCH_API_KEY: Option<String>,
    pub EXTERNAL_WEB_LOADER_URL: Option<String>,
    pub EXTERNAL_WEB_LOADER_API_KEY: Option<String>,
    pub YOUTUBE_LOADER_LANGUAGE: Option<Vec<String>>,
    pub YOUTUBE_LOADER_PROXY_URL: Option<String>,
    /// `app.state.YOUTUBE_LOADER_TRANSLATION`: never set (always null).
    pub YOUTUBE_LOADER_TRANSLATION: Option<String>,
    pub YANDEX_WEB_SEARCH_URL: Option<String>,
    pub YANDEX_WEB_SEARCH_API_KEY: Option<String>,
    pub YANDEX_WEB_SEARCH_CONFIG: Option<String>,
    pub YOUCOM_API_KEY: Option<String>,
    pub LINKUP_API_KEY: Option<String>,
    pub LINKUP_SEARCH_PARAMS: Option<Map<String, Value>>,
}

/// `GET /api/v1/retrieval/embedding` (`get_embedding_config`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct EmbeddingConfig {
    pub status: bool,
    pub RAG_EMBEDDING_ENGINE: Option<String>,
    pub RAG_EMBEDDING_MODEL: Option<String>,
    pub RAG_EMBEDDING_BATCH_SIZE: Option<i64>,
    pub ENABLE_ASYNC_EMBEDDING: Option<bool>,
    pub RAG_EMBEDDING_CONCURRENT_REQUESTS: Option<i64>,
    pub openai_config: UrlKeyConfig,
    pub ollama_config: UrlKeyConfig,
    pub azure_openai_config: AzureOpenAIConfig,
}

/// `{url, key}` of an embedding connection (`openai_config`, `ollama_config`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UrlKeyConfig {
    pub url: Option<String>,
    pub key: Option<String>,
}

/// `azure_openai_config` of [`EmbeddingConfig`].
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AzureOpenAIConfig {
    pub url: Option<String>,
    pub key: Option<String>,
    pub version: Option<String>,
}

api_traits! {
/// The admin panel's Documents and Web Search settings.
pub trait RetrievalApi in retrieval_api_invokers {
    type Context: Send + Sync + 'static;

    /// The embedding engine and model and each embedding connection (admin).
    #[endpoint { method = GET, path = "/api/v1/retrieval/embedding", tags = ["retrieval"] }]
    async fn retrieval_get_embedding_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<EmbeddingConfig>, Detail>;

    /// Every retrieval setting: chunking, extraction, reranking, file limits and, under `web`,
    /// web search and loading (admin).
    #[endpoint { method = GET, path = "/api/v1/retrieval/config", tags = ["retrieval"] }]
    async fn retrieval_get_rag_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<RagConfig>, Detail>;
}
}
