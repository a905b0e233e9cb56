//! `/api/v1/retrieval` (`routers/retrieval.py`): the settings of the Documents and Web Search
//! pages, read from `config` rows (`RETRIEVAL_CONFIG_KEYS`; defaults in
//! `crate::config::media_defaults`). The answers are built as the reference builds them: one
//! field per key, in its order.

use serde_json::{Map, Value};
use webui_api::retrieval::{EmbeddingConfig, RagConfig};

use crate::app::admin_settings::{fields, typed};
use crate::context::ServerContext;
use crate::error::Result;

/// `get_rag_config`: (field, `config` key), in the answer's order (`web` apart).
const RAG: &[(&str, &str)] = &[
    ("RAG_TEMPLATE", "rag.template"),
    ("TOP_K", "rag.top_k"),
    ("BYPASS_EMBEDDING_AND_RETRIEVAL", "rag.bypass_embedding_and_retrieval"),
    ("RAG_FULL_CONTEXT", "rag.full_context"),
    ("ENABLE_RAG_HYBRID_SEARCH", "rag.enable_hybrid_search"),
    ("ENABLE_RAG_HYBRID_SEARCH_ENRICHED_TEXTS", "rag.enable_hybrid_search_enriched_texts"),
    ("TOP_K_RERANKER", "rag.top_k_reranker"),
    ("RELEVANCE_THRESHOLD", "rag.relevance_threshold"),
    ("HYBRID_BM25_WEIGHT", "rag.hybrid_bm25_weight"),
    ("CONTENT_EXTRACTION_ENGINE", "rag.content_extraction_engine"),
    ("CONTENT_EXTRACTION_SUPPORTED_MEDIA_MIME_TYPES", "rag.content_extraction.supported_media_mime_types"),
    ("PDF_EXTRACT_IMAGES", "rag.pdf_extract_images"),
    ("PDF_LOADER_MODE", "rag.pdf_loader_mode"),
    ("DATALAB_MARKER_API_KEY", "rag.datalab_marker_api_key"),
    ("DATALAB_MARKER_API_BASE_URL", "rag.datalab_marker_api_base_url"),
    ("DATALAB_MARKER_ADDITIONAL_CONFIG", "rag.datalab_marker_additional_config"),
    ("DATALAB_MARKER_SKIP_CACHE", "rag.datalab_marker_skip_cache"),
    ("DATALAB_MARKER_FORCE_OCR", "rag.datalab_marker_force_ocr"),
    ("DATALAB_MARKER_PAGINATE", "rag.datalab_marker_paginate"),
    ("DATALAB_MARKER_STRIP_EXISTING_OCR", "rag.datalab_marker_strip_existing_ocr"),
    ("DATALAB_MARKER_DISABLE_IMAGE_EXTRACTION", "rag.datalab_marker_disable_image_extraction"),
    ("DATALAB_MARKER_FORMAT_LINES", "rag.datalab_marker_format_lines"),
    ("DATALAB_MARKER_USE_LLM", "rag.datalab_marker_use_llm"),
    ("DATALAB_MARKER_OUTPUT_FORMAT", "rag.datalab_marker_output_format"),
    ("EXTERNAL_DOCUMENT_LOADER_URL", "rag.external_document_loader_url"),
    ("EXTERNAL_DOCUMENT_LOADER_API_KEY", "rag.external_document_loader_api_key"),
    ("EXTERNAL_DOCUMENT_LOADER_HEADERS", "rag.external_document_loader_headers"),
    ("TIKA_SERVER_URL", "rag.tika_server_url"),
    ("TIKA_SERVER_VERSION", "rag.tika_server_version"),
    ("DOCLING_SERVER_URL", "rag.docling_server_url"),
    ("DOCLING_API_KEY", "rag.docling_api_key"),
    ("DOCLING_PARAMS", "rag.docling_params"),
    ("DOCUMENT_INTELLIGENCE_ENDPOINT", "rag.document_intelligence_endpoint"),
    ("DOCUMENT_INTELLIGENCE_KEY", "rag.document_intelligence_key"),
    ("DOCUMENT_INTELLIGENCE_MODEL", "rag.document_intelligence_model"),
    ("MISTRAL_OCR_API_BASE_URL", "rag.mistral_ocr_api_base_url"),
    ("MISTRAL_OCR_API_KEY", "rag.mistral_ocr_api_key"),
    ("MISTRAL_OCR_USE_BASE64", "rag.mistral_ocr_use_base64"),
    ("PADDLEOCR_VL_BASE_URL", "rag.paddleocr_vl_base_url"),
    ("PADDLEOCR_VL_TOKEN", "rag.paddleocr_vl_token"),
    ("MINERU_API_MODE", "rag.mineru_api_mode"),
    ("MINERU_API_URL", "rag.mineru_api_url"),
    ("MINERU_API_KEY", "rag.mineru_api_key"),
    ("MINERU_API_TIMEOUT", "rag.mineru_api_timeout"),
    ("MINERU_PARAMS", "rag.mineru_params"),
    ("MINERU_FILE_EXTENSIONS", "rag.mineru_file_extensions"),
    ("RAG_RERANKING_MODEL", "rag.reranking_model"),
    ("RAG_RERANKING_ENGINE", "rag.reranking_engine"),
    ("RAG_RERANKING_BATCH_SIZE", "rag.reranking_batch_size"),
    ("RAG_EXTERNAL_RERANKER_URL", "rag.external_reranker_url"),
    ("RAG_EXTERNAL_RERANKER_API_KEY", "rag.external_reranker_api_key"),
    ("RAG_EXTERNAL_RERANKER_TIMEOUT", "rag.external_reranker_timeout"),
    ("TEXT_SPLITTER", "rag.text_splitter"),
    ("RAG_TOKENIZER_MODEL", "rag.tokenizer_model"),
    ("ENABLE_MARKDOWN_HEADER_TEXT_SPLITTER", "rag.enable_markdown_header_text_splitter"),
    ("CHUNK_SIZE", "rag.chunk_size"),
    ("CHUNK_MIN_SIZE_TARGET", "rag.chunk_min_size_target"),
    ("CHUNK_OVERLAP", "rag.chunk_overlap"),
    ("FILE_MAX_SIZE", "rag.file.max_size"),
    ("FILE_MAX_COUNT", "rag.file.max_count"),
    ("FILE_IMAGE_COMPRESSION_WIDTH", "file.image_compression_width"),
    ("FILE_IMAGE_COMPRESSION_HEIGHT", "file.image_compression_height"),
    ("ALLOWED_FILE_EXTENSIONS", "rag.file.allowed_extensions"),
    ("ENABLE_GOOGLE_DRIVE_INTEGRATION", "google_drive.enable"),
    ("ENABLE_ONEDRIVE_INTEGRATION", "onedrive.enable"),
];

/// The `web` object of `get_rag_config`.
const WEB: &[(&str, &str)] = &[
    ("ENABLE_WEB_SEARCH", "web.search.enable"),
    ("ENABLE_WEB_SEARCH_CONFIRMATION", "web.search.confirmation.enable"),
    ("WEB_SEARCH_CONFIRMATION_CONTENT", "web.search.confirmation.content"),
    ("WEB_SEARCH_ENGINE", "web.search.engine"),
    ("WEB_SEARCH_TRUST_ENV", "web.search.trust_env"),
    ("WEB_SEARCH_RESULT_COUNT", "web.search.result_count"),
    ("WEB_SEARCH_CONCURRENT_REQUESTS", "web.search.concurrent_requests"),
    ("WEB_FETCH_MAX_CONTENT_LENGTH", "web.fetch.max_content_length"),
    ("WEB_LOADER_CONCURRENT_REQUESTS", "web.loader.concurrent_requests"),
    ("WEB_SEARCH_DOMAIN_FILTER_LIST", "web.search.domain.filter_list"),
    ("BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL", "web.search.bypass_embedding_and_retrieval"),
    ("BYPASS_WEB_SEARCH_WEB_LOADER", "web.search.bypass_web_loader"),
    ("OLLAMA_CLOUD_WEB_SEARCH_API_KEY", "web.search.ollama_cloud_api_key"),
    ("SEARXNG_QUERY_URL", "web.search.searxng_query_url"),
    ("SEARXNG_LANGUAGE", "web.search.searxng_language"),
    ("OPENSERP_BASE_URL", "web.search.openserp_base_url"),
    ("YACY_QUERY_URL", "web.search.yacy_query_url"),
    ("YACY_USERNAME", "web.search.yacy_username"),
    ("YACY_PASSWORD", "web.search.yacy_password"),
    ("GOOGLE_PSE_API_KEY", "web.search.google_pse_api_key"),
    ("GOOGLE_PSE_ENGINE_ID", "web.search.google_pse_engine_id"),
    ("BRAVE_SEARCH_API_KEY", "web.search.brave_search_api_key"),
    ("BRAVE_SEARCH_CONTEXT_TOKENS", "web.search.brave_search_context_tokens"),
    ("KAGI_SEARCH_API_KEY", "web.search.kagi_search_api_key"),
    ("MOJEEK_SEARCH_API_KEY", "web.search.mojeek_search_api_key"),
    ("BOCHA_SEARCH_API_KEY", "web.search.bocha_search_api_key"),
    ("SERPSTACK_API_KEY", "web.search.serpstack_api_key"),
    ("SERPSTACK_HTTPS", "web.search.serpstack_https"),
    ("SERPER_API_KEY", "web.search.serper_api_key"),
    ("SERPHOUSE_API_KEY", "web.search.serphouse_api_key"),
    ("SERPHOUSE_DOMAIN", "web.search.serphouse_domain"),
    ("SERPLY_API_KEY", "web.search.serply_api_key"),
    ("DDGS_BACKEND", "web.search.ddgs_backend"),
    ("TAVILY_API_KEY", "web.search.tavily_api_key"),
    ("STAAN_API_KEY", "web.search.staan_api_key"),
    ("STAAN_MARKET", "web.search.staan_market"),
    ("STAAN_MAX_SNIPPETS", "web.search.staan_max_snippets"),
    ("SEARCHAPI_API_KEY", "web.search.searchapi_api_key"),
    ("SEARCHAPI_ENGINE", "web.search.searchapi_engine"),
    ("SERPAPI_API_KEY", "web.search.serpapi_api_key"),
    ("SERPAPI_ENGINE", "web.search.serpapi_engine"),
    ("JINA_API_KEY", "web.search.jina_api_key"),
    ("JINA_API_BASE_URL", "web.search.jina_api_base_url"),
    ("BING_SEARCH_V7_ENDPOINT", "web.search.bing_search_v7_endpoint"),
    ("BING_SEARCH_V7_SUBSCRIPTION_KEY", "web.search.bing_search_v7_subscription_key"),
    ("EXA_API_KEY", "web.search.exa_api_key"),
    ("EXA_MAX_CONTENT_LENGTH", "web.search.exa_max_content_length"),
    ("PERPLEXITY_API_KEY", "web.search.perplexity_api_key"),
    ("PERPLEXITY_MODEL", "web.search.perplexity_model"),
    ("PERPLEXITY_SEARCH_CONTEXT_USAGE", "web.search.perplexity_search_context_usage"),
    ("PERPLEXITY_SEARCH_API_URL", "web.search.perplexity_search_api_url"),
    ("MICROSOFT_WEB_IQ_API_BASE_URL", "web.search.microsoft_web_iq_api_base_url"),
    ("MICROSOFT_WEB_IQ_API_KEY", "web.search.microsoft_web_iq_api_key"),
    ("MICROSOFT_WEB_IQ_LANGUAGE", "web.search.microsoft_web_iq_language"),
    ("SOUGOU_API_SID", "web.search.sougou_api_sid"),
    ("SOUGOU_API_SK", "web.search.sougou_api_sk"),
    ("WEB_LOADER_ENGINE", "web.loader.engine"),
    ("WEB_LOADER_TIMEOUT", "web.loader.timeout"),
    ("ENABLE_WEB_LOADER_SSL_VERIFICATION", "web.loader.ssl_verification"),
    ("PLAYWRIGHT_WS_URL", "web.loader.playwright_ws_url"),
    ("PLAYWRIGHT_TIMEOUT", "web.loader.playwright_timeout"),
    ("FIRECRAWL_API_KEY", "web.loader.firecrawl_api_key"),
    ("FIRECRAWL_API_BASE_URL", "web.loader.firecrawl_api_url"),
    ("FIRECRAWL_TIMEOUT", "web.loader.firecrawl_timeout"),
    ("TAVILY_EXTRACT_DEPTH", "web.search.tavily_extract_depth"),
    ("TAVILY_SEARCH_DEPTH", "web.search.tavily_search_depth"),
    ("EXTERNAL_WEB_SEARCH_URL", "web.search.external_web_search_url"),
    ("EXTERNAL_WEB_SEARCH_API_KEY", "web.search.external_web_search_api_key"),
    ("EXTERNAL_WEB_LOADER_URL", "web.loader.external_web_loader_url"),
    ("EXTERNAL_WEB_LOADER_API_KEY", "web.loader.external_web_loader_api_key"),
    ("YOUTUBE_LOADER_LANGUAGE", "rag.youtube_loader_language"),
    ("YOUTUBE_LOADER_PROXY_URL", "rag.youtube_loader_proxy_url"),
    ("YANDEX_WEB_SEARCH_URL", "web.search.yandex_web_search_url"),
    ("YANDEX_WEB_SEARCH_API_KEY", "web.search.yandex_web_search_api_key"),
    ("YANDEX_WEB_SEARCH_CONFIG", "web.search.yandex_web_search_config"),
    ("YOUCOM_API_KEY", "web.search.youcom_api_key"),
    ("LINKUP_API_KEY", "web.search.linkup_api_key"),
    ("LINKUP_SEARCH_PARAMS", "web.search.linkup_search_params"),
];

/// `get_embedding_config`: the top-level fields.
const EMBEDDING: &[(&str, &str)] = &[
    ("RAG_EMBEDDING_ENGINE", "rag.embedding_engine"),
    ("RAG_EMBEDDING_MODEL", "rag.embedding_model"),
    ("RAG_EMBEDDING_BATCH_SIZE", "rag.embedding_batch_size"),
    ("ENABLE_ASYNC_EMBEDDING", "rag.enable_async_embedding"),
    ("RAG_EMBEDDING_CONCURRENT_REQUESTS", "rag.embedding_concurrent_requests"),
];

/// `openai_config` of `get_embedding_config`.
const OPENAI_CONFIG: &[(&str, &str)] = &[
    ("url", "rag.openai.api_base_url"),
    ("key", "rag.openai.api_key"),
];

/// `ollama_config` of `get_embedding_config`.
const OLLAMA_CONFIG: &[(&str, &str)] = &[
    ("url", "rag.ollama.base_url"),
    ("key", "rag.ollama.api_key"),
];

/// `azure_openai_config` of `get_embedding_config`.
const AZURE_OPENAI_CONFIG: &[(&str, &str)] = &[
    ("url", "rag.azure_openai.base_url"),
    ("key", "rag.azure_openai.api_key"),
    ("version", "rag.azure_openai.api_version"),
];

/// `{"status": true, ...}`: the answer's leading field.
fn with_status(rest: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("status".into(), Value::Bool(true));
    out.extend(rest);
    out
}

/// `GET /api/v1/retrieval/config` (`get_rag_config`). `web.YOUTUBE_LOADER_TRANSLATION` is the
/// reference's `app.state` value, which nothing sets: null.
pub fn rag_config(ctx: &ServerContext) -> Result<RagConfig> {
    let mut web = fields(ctx, WEB);
    web.insert("YOUTUBE_LOADER_TRANSLATION".into(), Value::Null);
    let mut out = with_status(fields(ctx, RAG));
    out.insert("web".into(), Value::Object(web));
    typed(out)
}

/// `GET /api/v1/retrieval/embedding` (`get_embedding_config`).
pub fn embedding_config(ctx: &ServerContext) -> Result<EmbeddingConfig> {
    let mut out = with_status(fields(ctx, EMBEDDING));
    out.insert("openai_config".into(), Value::Object(fields(ctx, OPENAI_CONFIG)));
    out.insert("ollama_config".into(), Value::Object(fields(ctx, OLLAMA_CONFIG)));
    out.insert("azure_openai_config".into(), Value::Object(fields(ctx, AZURE_OPENAI_CONFIG)));
    typed(out)
}
