//! Environment defaults of the reference's `config` table keys (its `DEFAULT_CONFIG`), for the
//! keys this server reads. The reference seeds these rows at every start; reading a missing row
//! from here gives the same answers without writing to the database.

use serde_json::{json, Map, Value};

use crate::changelog::markdown::py_strip;

/// How a key's default is read from the environment.
pub enum Default_ {
    /// `os.getenv(NAME, default).lower() == 'true'`.
    Bool(bool),
    /// `os.getenv(NAME, default)`.
    Str(&'static str),
    /// `os.getenv(NAME, None)`.
    OptStr,
    /// `int(os.getenv(NAME)) if os.getenv(NAME) else None` (unparsable: None).
    OptInt,
    /// `json.loads(os.getenv(NAME, default))` (invalid: the default).
    Json(&'static str),
    /// As `Json`, but anything other than an object becomes `{}`.
    JsonObject,
    /// A constant.
    Fixed(fn() -> Value),
    /// `int(os.getenv(NAME, default))` (the reference does not start on an unparsable value;
    /// here it reads as the default).
    Int(i64),
    /// `[d.strip() for d in os.getenv(NAME, default).split(',')]`.
    CommaList(&'static str),
    /// `[r.strip() for r in os.getenv(NAME, default).split(SEP) if r]`, with `SEP` from
    /// `OAUTH_ROLES_SEPARATOR` (default `,`) and the default's parts joined by it.
    RoleList(&'static [&'static str]),
    /// `min(HI, max(LO, int(os.getenv(NAME, default))))` (unparsable: the default).
    IntClamped(i64, i64, i64),
    /// `[i.strip() for i in os.getenv(NAME, '').split(',') if i.strip()]`.
    NonEmptyCommaList,
    /// `OAUTH_GROUP_DEFAULT_SHARE`: `'members'`, else whether the value is `true` (default `true`).
    GroupShare,
}

/// `(key, env var, fallback env var, default)`.
pub const SETTINGS: &[(&str, &str, Option<&str>, Default_)] = {
    use Default_::*;
    &[
        ("ui.enable_password_change_form", "ENABLE_PASSWORD_CHANGE_FORM", None, Bool(true)),
        ("direct.enable", "ENABLE_DIRECT_CONNECTIONS", None, Bool(false)),
        ("direct.integrations.enable", "ENABLE_DIRECT_INTEGRATIONS", None, Bool(false)),
        ("terminal_server.connections", "TERMINAL_SERVER_CONNECTIONS", None, Json("[]")),
        ("tool_server.connections", "TOOL_SERVER_CONNECTIONS", None, Json("[]")),
        ("folders.enable", "ENABLE_FOLDERS", None, Bool(true)),
        ("folders.max_file_count", "FOLDER_MAX_FILE_COUNT", None, Str("")),
        ("channels.enable", "ENABLE_CHANNELS", None, Bool(false)),
        ("channels.encryption.enable", "ENABLE_ENCRYPTED_CHANNELS", None, Bool(false)),
        ("channels.model_response_mode", "CHANNEL_MODEL_RESPONSE_MODE", None, Str("thread")),
        ("apps.enable", "ENABLE_APPS", None, Bool(false)),
        ("calendar.enable", "ENABLE_CALENDAR", None, Bool(true)),
        ("automations.enable", "ENABLE_AUTOMATIONS", None, Bool(true)),
        ("automations.max_count", "AUTOMATION_MAX_COUNT", None, Str("")),
        ("automations.min_interval", "AUTOMATION_MIN_INTERVAL", None, Str("")),
        ("notes.enable", "ENABLE_NOTES", None, Bool(true)),
        ("chat.context_compaction.enable", "ENABLE_CONTEXT_COMPACTION", None, Bool(false)),
        ("chat.tool_permissions.enable", "ENABLE_TOOL_PERMISSIONS", None, Bool(false)),
        ("chat.context_compaction.model", "CONTEXT_COMPACTION_MODEL", None, Str("")),
        ("chat.context_compaction.token_threshold", "CONTEXT_COMPACTION_TOKEN_THRESHOLD", None, Int(80000)),
        ("chat.context_compaction.token_cap", "CONTEXT_COMPACTION_TOKEN_CAP", None, OptInt),
        ("chat.context_compaction.retention_percentage", "CONTEXT_COMPACTION_RETENTION_PERCENTAGE", None, IntClamped(40, 10, 50)),
        ("chat.context_compaction.prompt_template", "CONTEXT_COMPACTION_PROMPT_TEMPLATE", None, Str("")),
        ("chat.tool_search.enable", "ENABLE_TOOL_SEARCH", None, Bool(false)),
        ("chat.tool_search.defer_threshold", "TOOL_SEARCH_DEFER_THRESHOLD", None, Int(400)),
        ("chat.tool_search.always_loaded", "TOOL_SEARCH_ALWAYS_LOADED", None, NonEmptyCommaList),
        ("chat.tool_search.defer_builtin_tools", "TOOL_SEARCH_DEFER_BUILTIN_TOOLS", None, Bool(true)),
        ("web.search.enable", "ENABLE_WEB_SEARCH", None, Bool(false)),
        ("ollama.enable", "ENABLE_OLLAMA_API", None, Bool(true)),
        ("ollama.api_configs", "OLLAMA_API_CONFIGS", None, JsonObject),
        ("openai.enable", "ENABLE_OPENAI_API", None, Bool(true)),
        ("openai.api_configs", "OPENAI_API_CONFIGS", None, JsonObject),
        ("models.base_models_cache", "ENABLE_BASE_MODELS_CACHE", None, Bool(false)),
        ("evaluation.arena.enable", "ENABLE_EVALUATION_ARENA_MODELS", None, Bool(false)),
        ("ui.model_order_list", "MODEL_ORDER_LIST", None, Json("[]")),
        ("web.search.confirmation.enable", "ENABLE_WEB_SEARCH_CONFIRMATION", None, Bool(false)),
        (
            "web.search.confirmation.content",
            "WEB_SEARCH_CONFIRMATION_CONTENT",
            None,
            Str("Your query will be sent to the configured web search provider."),
        ),
        ("code_execution.enable", "ENABLE_CODE_EXECUTION", None, Bool(true)),
        ("code_execution.engine", "CODE_EXECUTION_ENGINE", None, Str("pyodide")),
        ("code_interpreter.enable", "ENABLE_CODE_INTERPRETER", None, Bool(true)),
        ("code_interpreter.engine", "CODE_INTERPRETER_ENGINE", None, Str("pyodide")),
        ("image_generation.enable", "ENABLE_IMAGE_GENERATION", None, Bool(false)),
        ("task.autocomplete.enable", "ENABLE_AUTOCOMPLETE_GENERATION", None, Bool(false)),
        ("task.title.enable", "ENABLE_TITLE_GENERATION", None, Bool(true)),
        ("task.follow_up.enable", "ENABLE_FOLLOW_UP_GENERATION", None, Bool(true)),
        ("task.tags.enable", "ENABLE_TAGS_GENERATION", None, Bool(true)),
        ("task.model.default", "TASK_MODEL", None, Str("")),
        ("task.model.external", "TASK_MODEL_EXTERNAL", None, Str("")),
        ("task.model.params", "TASK_MODEL_PARAMS", None, JsonObject),
        ("task.title.prompt_template", "TITLE_GENERATION_PROMPT_TEMPLATE", None, Str("")),
        ("task.tags.prompt_template", "TAGS_GENERATION_PROMPT_TEMPLATE", None, Str("")),
        ("task.image.prompt_template", "IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE", None, Str("")),
        ("task.follow_up.prompt_template", "FOLLOW_UP_GENERATION_PROMPT_TEMPLATE", None, Str("")),
        ("task.query.search.enable", "ENABLE_SEARCH_QUERY_GENERATION", None, Bool(true)),
        ("task.query.retrieval.enable", "ENABLE_RETRIEVAL_QUERY_GENERATION", None, Bool(true)),
        ("task.query.prompt_template", "QUERY_GENERATION_PROMPT_TEMPLATE", None, Str("")),
        ("task.autocomplete.input_max_length", "AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH", None, Int(-1)),
        ("task.autocomplete.prompt_template", "AUTOCOMPLETE_GENERATION_PROMPT_TEMPLATE", None, Str("")),
        ("task.voice.prompt_template", "VOICE_MODE_PROMPT_TEMPLATE", None, Str("")),
        ("task.voice.prompt.enable", "ENABLE_VOICE_MODE_PROMPT", None, Bool(true)),
        ("task.tools.prompt_template", "TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE", None, Str("")),
        ("ui.enable_community_sharing", "ENABLE_COMMUNITY_SHARING", None, Bool(true)),
        ("ui.enable_message_rating", "ENABLE_MESSAGE_RATING", None, Bool(true)),
        ("ui.enable_user_webhooks", "ENABLE_USER_WEBHOOKS", None, Bool(false)),
        ("users.enable_status", "ENABLE_USER_STATUS", None, Bool(true)),
        ("google_drive.enable", "ENABLE_GOOGLE_DRIVE_INTEGRATION", None, Bool(false)),
        ("onedrive.enable", "ENABLE_ONEDRIVE_INTEGRATION", None, Bool(false)),
        ("memories.enable", "ENABLE_MEMORIES", None, Bool(true)),
        ("memories.system_context.enable", "ENABLE_MEMORY_SYSTEM_CONTEXT", None, Bool(true)),
        ("subagents.enable", "ENABLE_SUBAGENTS", None, Bool(false)),
        ("subagents.background_enabled", "SUBAGENTS_BACKGROUND_ENABLED", None, Bool(false)),
        ("subagents.max_concurrent", "SUBAGENTS_MAX_CONCURRENT", None, Int(20)),
        ("subagents.max_async", "SUBAGENTS_MAX_ASYNC", None, Int(20)),
        ("subagents.max_iterations", "SUBAGENTS_MAX_ITERATIONS", None, Int(30)),
        ("subagents.max_output", "SUBAGENTS_MAX_OUTPUT", None, Int(30000)),
        ("subagents.system_prompt", "SUBAGENTS_SYSTEM_PROMPT", None, Str("")),
        ("ui.banners", "WEBUI_BANNERS", None, Json("[]")),
        ("models.base_models_cache", "ENABLE_BASE_MODELS_CACHE", None, Bool(false)),
        ("ui.model_order_list", "MODEL_ORDER_LIST", None, Json("[]")),
        ("models.default_metadata", "DEFAULT_MODEL_METADATA", None, Json("{}")),
        ("models.default_params", "DEFAULT_MODEL_PARAMS", None, Json("{}")),
        ("code_execution.jupyter.url", "CODE_EXECUTION_JUPYTER_URL", None, Str("")),
        ("code_execution.jupyter.auth", "CODE_EXECUTION_JUPYTER_AUTH", None, Str("")),
        ("code_execution.jupyter.auth_token", "CODE_EXECUTION_JUPYTER_AUTH_TOKEN", None, Str("")),
        ("code_execution.jupyter.auth_password", "CODE_EXECUTION_JUPYTER_AUTH_PASSWORD", None, Str("")),
        ("code_execution.jupyter.timeout", "CODE_EXECUTION_JUPYTER_TIMEOUT", None, Int(60)),
        ("code_interpreter.prompt_template", "CODE_INTERPRETER_PROMPT_TEMPLATE", None, Str("")),
        ("code_interpreter.jupyter.url", "CODE_INTERPRETER_JUPYTER_URL", Some("CODE_EXECUTION_JUPYTER_URL"), Str("")),
        ("code_interpreter.jupyter.auth", "CODE_INTERPRETER_JUPYTER_AUTH", Some("CODE_EXECUTION_JUPYTER_AUTH"), Str("")),
        ("code_interpreter.jupyter.auth_token", "CODE_INTERPRETER_JUPYTER_AUTH_TOKEN", Some("CODE_EXECUTION_JUPYTER_AUTH_TOKEN"), Str("")),
        (
            "code_interpreter.jupyter.auth_password",
            "CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD",
            Some("CODE_EXECUTION_JUPYTER_AUTH_PASSWORD"),
            Str(""),
        ),
        ("code_interpreter.jupyter.timeout", "CODE_INTERPRETER_JUPYTER_TIMEOUT", Some("CODE_EXECUTION_JUPYTER_TIMEOUT"), Int(60)),
        ("skills.lazy_loading.enable", "ENABLE_SKILL_LAZY_LOADING", None, Bool(false)),
        ("skills.content_max_chars", "SKILL_CONTENT_MAX_CHARS", None, OptInt),
        ("skills.preview_max_chars", "SKILL_PREVIEW_MAX_CHARS", None, OptInt),
        ("ui.default_models", "DEFAULT_MODELS", None, OptStr),
        ("ui.default_pinned_models", "DEFAULT_PINNED_MODELS", None, OptStr),
        ("ui.default_interface_settings", "DEFAULT_INTERFACE_SETTINGS", None, JsonObject),
        ("ui.visibility", "UI_VISIBILITY", None, JsonObject),
        ("ui.prompt_suggestions", "DEFAULT_PROMPT_SUGGESTIONS", None, Json("null")),
        ("ui.prompt_suggestions_i18n", "", None, Fixed(|| json!({}))),
        ("ldap.server.label", "LDAP_SERVER_LABEL", None, Str("LDAP Server")),
        ("ldap.server.host", "LDAP_SERVER_HOST", None, Str("localhost")),
        ("ldap.server.port", "LDAP_SERVER_PORT", None, Int(389)),
        ("ldap.server.attribute_for_mail", "LDAP_ATTRIBUTE_FOR_MAIL", None, Str("mail")),
        ("ldap.server.default_email_domain", "LDAP_DEFAULT_EMAIL_DOMAIN", None, Str("")),
        ("ldap.server.attribute_for_username", "LDAP_ATTRIBUTE_FOR_USERNAME", None, Str("uid")),
        ("ldap.server.app_dn", "LDAP_APP_DN", None, Str("")),
        ("ldap.server.app_password", "LDAP_APP_PASSWORD", None, Str("")),
        ("ldap.server.users_dn", "LDAP_SEARCH_BASE", None, Str("")),
        // `os.getenv('LDAP_SEARCH_FILTER', os.getenv('LDAP_SEARCH_FILTERS', ''))`.
        ("ldap.server.search_filter", "LDAP_SEARCH_FILTER", Some("LDAP_SEARCH_FILTERS"), Str("")),
        ("ldap.server.use_tls", "LDAP_USE_TLS", None, Bool(true)),
        ("ldap.server.ca_cert_file", "LDAP_CA_CERT_FILE", None, Str("")),
        ("ldap.server.validate_cert", "LDAP_VALIDATE_CERT", None, Bool(true)),
        ("ldap.server.ciphers", "LDAP_CIPHERS", None, Str("ALL")),
        ("ldap.group.enable_management", "ENABLE_LDAP_GROUP_MANAGEMENT", None, Bool(false)),
        ("ldap.group.enable_creation", "ENABLE_LDAP_GROUP_CREATION", None, Bool(false)),
        ("ldap.server.attribute_for_groups", "LDAP_ATTRIBUTE_FOR_GROUPS", None, Str("memberOf")),
        ("audio.realtime.enabled", "AUDIO_REALTIME_ENABLED", None, Bool(false)),
        ("audio.realtime.model", "AUDIO_REALTIME_MODEL", None, Str("gpt-realtime-2.1-mini")),
        ("audio.realtime.voice", "AUDIO_REALTIME_VOICE", None, Str("marin")),
        ("audio.tts.engine", "AUDIO_TTS_ENGINE", None, Str("")),
        ("audio.tts.voice", "AUDIO_TTS_VOICE", None, Str("alloy")),
        ("audio.tts.split_on", "AUDIO_TTS_SPLIT_ON", None, Str("punctuation")),
        ("audio.stt.engine", "AUDIO_STT_ENGINE", None, Str("")),
        ("rag.file.max_size", "RAG_FILE_MAX_SIZE", None, OptInt),
        ("rag.file.max_count", "RAG_FILE_MAX_COUNT", None, OptInt),
        ("file.image_compression_width", "FILE_IMAGE_COMPRESSION_WIDTH", None, OptInt),
        ("file.image_compression_height", "FILE_IMAGE_COMPRESSION_HEIGHT", None, OptInt),
        ("ui.pending_user_overlay_title", "PENDING_USER_OVERLAY_TITLE", None, Str("")),
        ("ui.pending_user_overlay_content", "PENDING_USER_OVERLAY_CONTENT", None, Str("")),
        ("ui.watermark", "RESPONSE_WATERMARK", None, Str("")),
        ("auth.mfa.enable", "ENABLE_MFA", None, Bool(false)),
        ("auth.mfa.allow_oauth_bypass", "MFA_ALLOW_OAUTH_BYPASS", None, Bool(false)),
        ("auth.mfa.allow_trusted_header_bypass", "MFA_ALLOW_TRUSTED_HEADER_BYPASS", None, Bool(false)),
        ("auth.admin.show", "SHOW_ADMIN_DETAILS", None, Bool(true)),
        ("auth.admin.email", "ADMIN_EMAIL", None, OptStr),
        (
            "auth.api_key.endpoint_restrictions",
            "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS",
            Some("ENABLE_API_KEY_ENDPOINT_RESTRICTIONS"),
            Bool(false),
        ),
        ("auth.api_key.allowed_endpoints", "API_KEYS_ALLOWED_ENDPOINTS", Some("API_KEY_ALLOWED_ENDPOINTS"), Str("")),
        ("ui.default_user_role", "DEFAULT_USER_ROLE", None, Str("pending")),
        ("ui.default_group_id", "DEFAULT_GROUP_ID", None, Str("")),
        ("auth.jwt_expiry", "JWT_EXPIRES_IN", None, Str("4w")),
        // `oauth.enable` and `oauth.auto_redirect`: `Config::enable_oauth`, `Config::oauth_auto_redirect`.
        ("oauth.enable_signup", "ENABLE_OAUTH_SIGNUP", None, Bool(false)),
        ("oauth.merge_accounts_by_email", "OAUTH_MERGE_ACCOUNTS_BY_EMAIL", None, Bool(false)),
        ("oauth.allowed_domains", "OAUTH_ALLOWED_DOMAINS", None, CommaList("*")),
        ("oauth.blocked_groups", "OAUTH_BLOCKED_GROUPS", None, Str("[]")),
        ("oauth.enable_role_mapping", "ENABLE_OAUTH_ROLE_MANAGEMENT", None, Bool(false)),
        ("oauth.roles_claim", "OAUTH_ROLES_CLAIM", None, Str("roles")),
        ("oauth.admin_roles", "OAUTH_ADMIN_ROLES", None, RoleList(&["admin"])),
        ("oauth.allowed_roles", "OAUTH_ALLOWED_ROLES", None, RoleList(&["user", "admin"])),
        ("oauth.enable_group_mapping", "ENABLE_OAUTH_GROUP_MANAGEMENT", None, Bool(false)),
        ("oauth.enable_group_creation", "ENABLE_OAUTH_GROUP_CREATION", None, Bool(false)),
        // `os.getenv('OAUTH_GROUPS_CLAIM', os.getenv('OAUTH_GROUP_CLAIM', 'groups'))`.
        ("oauth.group_claim", "OAUTH_GROUPS_CLAIM", Some("OAUTH_GROUP_CLAIM"), Str("groups")),
        ("oauth.group_default_share", "OAUTH_GROUP_DEFAULT_SHARE", None, GroupShare),
        ("oauth.provider_name", "OAUTH_PROVIDER_NAME", None, Str("SSO")),
        ("oauth.provider_url", "OPENID_PROVIDER_URL", None, Str("")),
        ("oauth.client_id", "OAUTH_CLIENT_ID", None, Str("")),
        ("oauth.client_secret", "OAUTH_CLIENT_SECRET", None, Str("")),
        ("oauth.redirect_uri", "OPENID_REDIRECT_URI", None, Str("")),
        ("oauth.scopes", "OAUTH_SCOPES", None, Str("openid email profile")),
        ("oauth.code_challenge_method", "OAUTH_CODE_CHALLENGE_METHOD", None, OptStr),
        ("oauth.token_endpoint_auth_method", "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD", None, OptStr),
        ("oauth.end_session_endpoint", "OPENID_END_SESSION_ENDPOINT", None, Str("")),
        ("oauth.timeout", "OAUTH_TIMEOUT", None, Str("")),
        ("oauth.client.timeout", "OAUTH_CLIENT_TIMEOUT", None, Str("")),
        ("oauth.email_claim", "OAUTH_EMAIL_CLAIM", None, Str("email")),
        ("oauth.username_claim", "OAUTH_USERNAME_CLAIM", None, Str("name")),
        ("oauth.picture_claim", "OAUTH_PICTURE_CLAIM", None, Str("picture")),
        ("oauth.sub_claim", "OAUTH_SUB_CLAIM", None, OptStr),
        ("oauth.audience", "OAUTH_AUDIENCE", None, Str("")),
        ("oauth.update_email_on_login", "OAUTH_UPDATE_EMAIL_ON_LOGIN", None, Bool(false)),
        ("oauth.update_name_on_login", "OAUTH_UPDATE_NAME_ON_LOGIN", None, Bool(false)),
        ("oauth.update_picture_on_login", "OAUTH_UPDATE_PICTURE_ON_LOGIN", None, Bool(false)),
        ("oauth.refresh_token.include_scope", "OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE", None, Bool(false)),
    ]
};

/// `DEFAULT_USER_PERMISSIONS`: `(section, key, env var, default)` in the reference's order.
pub const USER_PERMISSIONS: &[(&str, &str, &str, bool)] = &[
    ("workspace", "models", "USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS", false),
    ("workspace", "knowledge", "USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ACCESS", false),
    ("workspace", "prompts", "USER_PERMISSIONS_WORKSPACE_PROMPTS_ACCESS", false),
    ("workspace", "tools", "USER_PERMISSIONS_WORKSPACE_TOOLS_ACCESS", false),
    ("workspace", "skills", "USER_PERMISSIONS_WORKSPACE_SKILLS_ACCESS", false),
    ("workspace", "models_import", "USER_PERMISSIONS_WORKSPACE_MODELS_IMPORT", false),
    ("workspace", "models_export", "USER_PERMISSIONS_WORKSPACE_MODELS_EXPORT", false),
    ("workspace", "models_hidden", "USER_PERMISSIONS_WORKSPACE_MODELS_HIDDEN", false),
    ("workspace", "prompts_import", "USER_PERMISSIONS_WORKSPACE_PROMPTS_IMPORT", false),
    ("workspace", "prompts_export", "USER_PERMISSIONS_WORKSPACE_PROMPTS_EXPORT", false),
    ("workspace", "tools_import", "USER_PERMISSIONS_WORKSPACE_TOOLS_IMPORT", false),
    ("workspace", "tools_export", "USER_PERMISSIONS_WORKSPACE_TOOLS_EXPORT", false),
    ("workspace", "skills_import", "USER_PERMISSIONS_WORKSPACE_SKILLS_IMPORT", false),
    ("workspace", "skills_export", "USER_PERMISSIONS_WORKSPACE_SKILLS_EXPORT", false),
    ("sharing", "models", "USER_PERMISSIONS_WORKSPACE_MODELS_ALLOW_SHARING", false),
    ("sharing", "public_models", "USER_PERMISSIONS_WORKSPACE_MODELS_ALLOW_PUBLIC_SHARING", false),
    ("sharing", "knowledge", "USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ALLOW_SHARING", false),
    ("sharing", "public_knowledge", "USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ALLOW_PUBLIC_SHARING", false),
    ("sharing", "prompts", "USER_PERMISSIONS_WORKSPACE_PROMPTS_ALLOW_SHARING", false),
    ("sharing", "public_prompts", "USER_PERMISSIONS_WORKSPACE_PROMPTS_ALLOW_PUBLIC_SHARING", false),
    ("sharing", "tools", "USER_PERMISSIONS_WORKSPACE_TOOLS_ALLOW_SHARING", false),
    ("sharing", "public_tools", "USER_PERMISSIONS_WORKSPACE_TOOLS_ALLOW_PUBLIC_SHARING", false),
    ("sharing", "skills", "USER_PERMISSIONS_WORKSPACE_SKILLS_ALLOW_SHARING", false),
    ("sharing", "public_skills", "USER_PERMISSIONS_WORKSPACE_SKILLS_ALLOW_PUBLIC_SHARING", false),
    ("sharing", "notes", "USER_PERMISSIONS_NOTES_ALLOW_SHARING", false),
    ("sharing", "public_notes", "USER_PERMISSIONS_NOTES_ALLOW_PUBLIC_SHARING", false),
    ("sharing", "folders", "USER_PERMISSIONS_FOLDERS_ALLOW_SHARING", false),
    ("sharing", "public_chats", "USER_PERMISSIONS_CHAT_ALLOW_PUBLIC_SHARING", false),
    ("sharing", "open_chats", "USER_PERMISSIONS_CHAT_ALLOW_OPEN_SHARING", false),
    ("sharing", "public_calendars", "USER_PERMISSIONS_CALENDAR_ALLOW_PUBLIC_SHARING", false),
    ("access_grants", "allow_users", "USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_USERS", true),
    ("access_grants", "allow_groups", "USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_GROUPS", true),
    ("chat", "controls", "USER_PERMISSIONS_CHAT_CONTROLS", true),
    ("chat", "valves", "USER_PERMISSIONS_CHAT_VALVES", true),
    ("chat", "system_prompt", "USER_PERMISSIONS_CHAT_SYSTEM_PROMPT", true),
    ("chat", "params", "USER_PERMISSIONS_CHAT_PARAMS", true),
    ("chat", "file_upload", "USER_PERMISSIONS_CHAT_FILE_UPLOAD", true),
    ("chat", "web_upload", "USER_PERMISSIONS_CHAT_WEB_UPLOAD", true),
    ("chat", "delete", "USER_PERMISSIONS_CHAT_DELETE", true),
    ("chat", "delete_message", "USER_PERMISSIONS_CHAT_DELETE_MESSAGE", true),
    ("chat", "continue_response", "USER_PERMISSIONS_CHAT_CONTINUE_RESPONSE", true),
    ("chat", "regenerate_response", "USER_PERMISSIONS_CHAT_REGENERATE_RESPONSE", true),
    ("chat", "rate_response", "USER_PERMISSIONS_CHAT_RATE_RESPONSE", true),
    ("chat", "edit", "USER_PERMISSIONS_CHAT_EDIT", true),
    ("chat", "share", "USER_PERMISSIONS_CHAT_SHARE", true),
    ("chat", "export", "USER_PERMISSIONS_CHAT_EXPORT", true),
    ("chat", "import", "USER_PERMISSIONS_CHAT_IMPORT", true),
    ("chat", "stt", "USER_PERMISSIONS_CHAT_STT", true),
    ("chat", "tts", "USER_PERMISSIONS_CHAT_TTS", true),
    ("chat", "call", "USER_PERMISSIONS_CHAT_CALL", true),
    ("chat", "multiple_models", "USER_PERMISSIONS_CHAT_MULTIPLE_MODELS", true),
    ("chat", "temporary", "USER_PERMISSIONS_CHAT_TEMPORARY", true),
    ("chat", "temporary_enforced", "USER_PERMISSIONS_CHAT_TEMPORARY_ENFORCED", false),
    ("features", "api_keys", "USER_PERMISSIONS_FEATURES_API_KEYS", false),
    ("features", "notes", "USER_PERMISSIONS_FEATURES_NOTES", true),
    ("features", "folders", "USER_PERMISSIONS_FEATURES_FOLDERS", true),
    ("features", "channels", "USER_PERMISSIONS_FEATURES_CHANNELS", true),
    ("features", "encrypted_channels", "USER_PERMISSIONS_FEATURES_ENCRYPTED_CHANNELS", false),
    ("features", "direct_tool_servers", "USER_PERMISSIONS_FEATURES_DIRECT_TOOL_SERVERS", false),
    ("features", "web_search", "USER_PERMISSIONS_FEATURES_WEB_SEARCH", true),
    ("features", "image_generation", "USER_PERMISSIONS_FEATURES_IMAGE_GENERATION", true),
    ("features", "code_interpreter", "USER_PERMISSIONS_FEATURES_CODE_INTERPRETER", true),
    ("features", "memories", "USER_PERMISSIONS_FEATURES_MEMORIES", true),
    ("features", "automations", "USER_PERMISSIONS_FEATURES_AUTOMATIONS", false),
    ("features", "calendar", "USER_PERMISSIONS_FEATURES_CALENDAR", true),
    ("features", "webhooks", "USER_PERMISSIONS_FEATURES_USER_WEBHOOKS", false),
    ("settings", "interface", "USER_PERMISSIONS_SETTINGS_INTERFACE", true),
];

/// Other environment variables the server reads through [`Config::env_bool`] and
/// [`super::Config::env_str`].
pub const OTHER_ENV: &[&str] = &[
    "ENV",
    "K8S_FLAG",
    "USE_OLLAMA_DOCKER",
    "OLLAMA_BASE_URL",
    "OLLAMA_API_BASE_URL",
    "OLLAMA_BASE_URLS",
    "OPENAI_API_KEY",
    "OPENAI_API_KEYS",
    "OPENAI_API_BASE_URL",
    "OPENAI_API_BASE_URLS",
    "DEFAULT_MODEL_METADATA",
    "DEFAULT_MODEL_PARAMS",
    "EVALUATION_ARENA_MODELS",
    "MODELS_CACHE_TTL",
    "AIOHTTP_CLIENT_TIMEOUT",
    "AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST",
    "AIOHTTP_CLIENT_TIMEOUT_OPENAI_MODEL_LIST",
    "AIOHTTP_CLIENT_STREAM_IDLE_TIMEOUT",
    "AIOHTTP_FILE_STREAM_CHUNK_SIZE",
    "ENABLE_OPENAI_API_PASSTHROUGH",
    "BYPASS_MODEL_ACCESS_CONTROL",
    "BYPASS_ADMIN_ACCESS_CONTROL",
    "ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS",
    "ENABLE_KNOWLEDGE_FILE_RETENTION",
    "ENABLE_PYODIDE_FILE_PERSISTENCE",
    "ENABLE_PUBLIC_ACTIVE_USERS_COUNT",
    "ENABLE_EASTER_EGGS",
    "ENABLE_PLUGINS",
    "ENABLE_TOOLS",
    "ENABLE_FUNCTIONS",
    "ENABLE_TOOL_SERVERS",
    "ENABLE_ADMIN_EXPORT",
    "ENABLE_ADMIN_CHAT_ACCESS",
    "ENABLE_ADMIN_ANALYTICS",
    "ENABLE_ONEDRIVE_PERSONAL",
    "ENABLE_ONEDRIVE_BUSINESS",
    "GOOGLE_DRIVE_CLIENT_ID",
    "GOOGLE_DRIVE_API_KEY",
    "ONEDRIVE_CLIENT_ID",
    "ONEDRIVE_CLIENT_ID_PERSONAL",
    "ONEDRIVE_CLIENT_ID_BUSINESS",
    "ONEDRIVE_SHAREPOINT_URL",
    "ONEDRIVE_SHAREPOINT_TENANT_ID",
    "IFRAME_CSP",
    "PASSWORD_HASH_ALGORITHM",
    "ENABLE_PASSWORD_VALIDATION",
    "PASSWORD_VALIDATION_REGEX_PATTERN",
    "PASSWORD_VALIDATION_HINT",
    "WEBUI_SESSION_COOKIE_SAME_SITE",
    "WEBUI_SESSION_COOKIE_SECURE",
    "WEBUI_AUTH_COOKIE_SAME_SITE",
    "WEBUI_AUTH_COOKIE_SECURE",
    "ENABLE_INITIAL_ADMIN_SIGNUP",
    "ENABLE_PASSWORD_AUTH",
    "WEBUI_AUTH_SIGNOUT_REDIRECT_URL",
    "CUSTOM_API_KEY_HEADER",
    "DATABASE_USER_ACTIVE_STATUS_UPDATE_INTERVAL",
    "WEBUI_AUTH_TRUSTED_NAME_HEADER",
    "WEBUI_AUTH_TRUSTED_GROUPS_HEADER",
    "WEBUI_AUTH_TRUSTED_ROLE_HEADER",
    "ENABLE_OAUTH_BACKCHANNEL_LOGOUT",
    "ENABLE_OAUTH_TOKEN_EXCHANGE",
    "ENABLE_PLUGINS",
    "ENABLE_TOOL_SERVERS",
    "STATIC_DIR",
    "ENABLE_PROFILE_IMAGE_URL_FORWARDING",
    "PROFILE_IMAGE_ALLOWED_MIME_TYPES",
    "DEFAULT_GROUP_SHARE_PERMISSION",
    "ENABLE_SCIM",
    "SCIM_ENABLED",
    "SCIM_TOKEN",
    "SCIM_AUTH_PROVIDER",
    "OAUTH_ROLES_SEPARATOR",
    "ENABLE_COMPRESSION_MIDDLEWARE",
    "ENABLE_LOCAL_WEB_FETCH",
    "ENABLE_RAG_LOCAL_WEB_FETCH",
    "ENABLE_PERSISTENT_CONFIG",
    "MFA_ENCRYPTION_KEY",
    "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY",
    "WEBSOCKET_SERVER_PING_INTERVAL",
    "WEBSOCKET_SERVER_PING_TIMEOUT",
    "ENABLE_VERSION_UPDATE_CHECK",
];

/// Every environment variable this module reads.
pub fn env_names() -> impl Iterator<Item = &'static str> {
    SETTINGS
        .iter()
        .chain(super::media_defaults::MEDIA_SETTINGS)
        .flat_map(|(_, a, b, _)| [Some(*a), *b])
        .flatten()
        .filter(|n| !n.is_empty())
        .chain(USER_PERMISSIONS.iter().map(|p| p.2))
        .chain(OTHER_ENV.iter().copied())
}

/// The default of `key` given the environment (`get`), or `None` for keys not in the table.
pub fn default_for(key: &str, get: impl Fn(&str) -> Option<String>) -> Option<Value> {
    if key == "user.permissions" {
        return Some(default_user_permissions(&get));
    }
    if let Some(v) = connection_default(key, &get) {
        return Some(v);
    }
    let (_, name, fallback, default) = SETTINGS.iter().chain(super::media_defaults::MEDIA_SETTINGS).find(|s| s.0 == key)?;
    let raw = get(name).or_else(|| fallback.and_then(&get));
    Some(match default {
        Default_::Bool(d) => json!(raw.map(|v| v.to_lowercase() == "true").unwrap_or(*d)),
        Default_::Str(d) => json!(raw.unwrap_or_else(|| d.to_string())),
        Default_::OptStr => raw.map(Value::String).unwrap_or(Value::Null),
        Default_::OptInt => raw.filter(|v| !v.is_empty()).and_then(|v| v.trim().parse::<i64>().ok()).map(Value::from).unwrap_or(Value::Null),
        Default_::Json(d) => raw
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_else(|| serde_json::from_str(d).expect("valid default")),
        Default_::JsonObject => match raw.and_then(|v| serde_json::from_str::<Value>(&v).ok()) {
            Some(v @ Value::Object(_)) => v,
            _ => json!({}),
        },
        Default_::Fixed(f) => f(),
        Default_::Int(d) => json!(raw.and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(*d)),
        Default_::IntClamped(d, lo, hi) => json!(raw.and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(*d).clamp(*lo, *hi)),
        Default_::NonEmptyCommaList => json!(raw
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(py_strip)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()),
        Default_::CommaList(d) => {
            json!(raw.as_deref().unwrap_or(d).split(',').map(|p| py_strip(p).to_string()).collect::<Vec<_>>())
        }
        Default_::RoleList(d) => {
            let sep = get("OAUTH_ROLES_SEPARATOR").filter(|s| !s.is_empty()).unwrap_or_else(|| ",".into());
            let raw = raw.unwrap_or_else(|| d.join(sep.as_str()));
            json!(raw.split(sep.as_str()).filter(|r| !r.is_empty()).map(|r| py_strip(r).to_string()).collect::<Vec<_>>())
        }
        Default_::GroupShare => {
            let v = py_strip(raw.as_deref().unwrap_or("true")).to_lowercase();
            if v == "members" {
                json!("members")
            } else {
                json!(v == "true")
            }
        }
    })
}

/// `DEFAULT_USER_PERMISSIONS` from the `USER_PERMISSIONS_*` variables.
pub fn default_user_permissions(get: &impl Fn(&str) -> Option<String>) -> Value {
    let mut out = Map::new();
    for (section, key, env, default) in USER_PERMISSIONS {
        let v = get(env).map(|v| v.to_lowercase() == "true").unwrap_or(*default);
        out.entry(section.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("section is an object")
            .insert(key.to_string(), Value::Bool(v));
    }
    Value::Object(out)
}

/// The connection lists of `config.py` (`OLLAMA_BASE_URLS`, `OPENAI_API_BASE_URLS`,
/// `OPENAI_API_KEYS`, and the JSON-or-default `models.*`/`evaluation.arena.models` values), which
/// the reference derives from several variables.
// Not done: the reference probes port 11434, then 12434, when no Ollama URL is given, and picks
// 12434 when only that one answers; here the default stays on 11434.
fn connection_default(key: &str, get: &impl Fn(&str) -> Option<String>) -> Option<Value> {
    let env = |n: &str| get(n).unwrap_or_default();
    let json_or = |n: &str, d: Value| get(n).and_then(|v| serde_json::from_str::<Value>(&v).ok()).unwrap_or(d);
    Some(match key {
        "ollama.base_urls" => {
            let mut url = env("OLLAMA_BASE_URL");
            if url.ends_with('/') {
                url.pop();
            }
            let api = get("OLLAMA_API_BASE_URL").unwrap_or_else(|| "http://localhost:11434/api".into());
            if url.is_empty() && !api.is_empty() {
                url = api.strip_suffix("/api").unwrap_or(&api).to_string();
            }
            if get("ENV").as_deref() == Some("prod") {
                let k8s = env("K8S_FLAG");
                if url == "/ollama" && k8s.is_empty() {
                    url = if env("USE_OLLAMA_DOCKER").to_lowercase() == "true" {
                        "http://localhost:11434".into()
                    } else {
                        "http://host.docker.internal:11434".into()
                    };
                } else if !k8s.is_empty() {
                    url = "http://ollama-service.open-webui.svc.cluster.local:11434".into();
                }
            }
            let urls = Some(env("OLLAMA_BASE_URLS")).filter(|u| !u.is_empty()).unwrap_or(url);
            json!(urls.split(';').map(|u| py_strip(u).to_string()).collect::<Vec<_>>())
        }
        "openai.api_keys" => {
            let keys = Some(env("OPENAI_API_KEYS")).filter(|k| !k.is_empty()).unwrap_or_else(|| env("OPENAI_API_KEY"));
            json!(keys.split(';').map(|k| py_strip(k).to_string()).collect::<Vec<_>>())
        }
        "openai.api_base_urls" => {
            const DEFAULT: &str = "https://api.openai.com/v1";
            let mut url = env("OPENAI_API_BASE_URL");
            if url.is_empty() {
                url = DEFAULT.into();
            } else if url.ends_with('/') {
                url.pop();
            }
            let urls = Some(env("OPENAI_API_BASE_URLS")).filter(|u| !u.is_empty()).unwrap_or(url);
            json!(urls.split(';').map(|u| if u.is_empty() { DEFAULT.to_string() } else { py_strip(u).to_string() }).collect::<Vec<_>>())
        }
        "models.default_metadata" => json_or("DEFAULT_MODEL_METADATA", json!({})),
        "models.default_params" => json_or("DEFAULT_MODEL_PARAMS", json!({})),
        "evaluation.arena.models" => match json_or("EVALUATION_ARENA_MODELS", json!([])) {
            Value::Array(a) if a.iter().all(Value::is_object) => Value::Array(a),
            _ => json!([]),
        },
        _ => return None,
    })
}
