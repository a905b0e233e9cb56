//! The message catalogue: upstream's `ERROR_MESSAGES` (`open_webui/constants.py`), one constant
//! per member under the member's name, with its text byte for byte; members that take an argument
//! are functions. Messages of our own (where we answer and the reference does not, or answers
//! 500) follow at the end, each saying why.
//!
//! Every error message the server sends comes from here, so the same member is never spelled
//! twice.

// ---- ERROR_MESSAGES (constants.py) ----

pub const DEFAULT_ERROR: &str = "Something went wrong :/";
/// `DEFAULT(e, fallback)` of an exception that is not an `OSError` (and `DEFAULT(fallback)`).
pub fn default_error(fallback: &str) -> String {
    format!("[ERROR: {fallback}]")
}
pub const DELETE_USER_ERROR: &str = "Oops! Something went wrong. We encountered an issue while trying to delete the user. Please give it another shot.";
pub const EMAIL_TAKEN: &str = "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.";
pub const PASSWORD_TOO_LONG: &str = "Uh-oh! The password you entered is too long. Please make sure your password is less than 72 bytes long.";
pub const INVALID_TOKEN: &str = "Your session has expired or the token is invalid. Please sign in again.";
pub const INVALID_CRED: &str = "The email or password provided is incorrect. Please check for typos and try logging in again.";
pub const INVALID_EMAIL_FORMAT: &str = "The email format you entered is invalid. Please double-check and make sure you're using a valid email address (e.g., yourname@example.com).";
pub const INCORRECT_PASSWORD: &str = "The password provided is incorrect. Please check for typos and try again.";
pub const INVALID_TRUSTED_HEADER: &str = "Your provider has not provided a trusted header. Please contact your administrator for assistance.";
pub const EXISTING_USERS: &str = "You can't turn off authentication because there are existing users. If you want to disable WEBUI_AUTH, make sure your web interface doesn't have any existing users and is a fresh installation.";
pub const UNAUTHORIZED: &str = "401 Unauthorized";
pub const ACCESS_PROHIBITED: &str = "You do not have permission to access this resource. Please contact your administrator for assistance.";
pub const ACTION_PROHIBITED: &str = "The requested action has been restricted as a security measure.";
pub const NOT_FOUND: &str = "We could not find what you're looking for :/";
/// `export_single_chat_stats` when a chat's statistics cannot be computed.
pub const CHAT_STATS_FAILED: &str = "Failed to process chat stats";
/// `fork_chat_by_id` / `build_fork_history`.
pub const FORK_NO_MESSAGES: &str = "chat has no messages to fork";
pub const FORK_CYCLE: &str = "message branch contains a cycle";
pub const FORK_MESSAGE_NOT_FOUND: &str = "message not found";
pub const FORK_BUSY: &str = "Wait for the current response to finish before forking.";
/// `compact_chat_by_id`.
pub const COMPACT_BUSY: &str = "Wait for the current response to finish before compacting.";
pub const COMPACT_NO_MODEL: &str = "No model found for context compaction.";
/// Ours: context compaction turned on needs the task model, which this server does not call yet.
pub const COMPACT_UNSUPPORTED: &str = "Context compaction is not supported by this server yet.";
pub const MODEL_ID_TAKEN: &str = "Uh-oh! This model id is already registered. Please choose another model id string.";
pub const MODEL_ID_TOO_LONG: &str = "The model id is too long. Please make sure your model id is less than 256 characters long.";
pub const COMMAND_TAKEN: &str = "Uh-oh! This command is already registered. Please choose another command string.";
pub const SHARE_AUDIENCE_FORBIDDEN: &str = "You do not have permission to share with the requested audience";
pub const SERVER_CONNECTION_ERROR: &str = "Open WebUI: Server Connection Error";
pub const INVALID_URL: &str = "The URL you provided is invalid. Please double-check and try again.";
pub const OLLAMA_API_DISABLED: &str = "The Ollama API is disabled. Please enable it to use this feature.";
pub const USER_NOT_FOUND: &str = "We could not find what you're looking for :/";
pub const API_KEY_NOT_FOUND: &str = "Oops! It looks like there's a hiccup. The API key is missing. Please make sure to provide a valid API key to access this feature.";
pub const API_KEY_NOT_ALLOWED: &str = "Use of API key is not enabled in the environment.";
pub const API_KEY_CREATION_NOT_ALLOWED: &str = "API key creation is not allowed in the environment.";
pub const RATE_LIMIT_EXCEEDED: &str = "API rate limit exceeded";

/// `INVALID_PASSWORD(err)`: the hint when one is configured, else the default text.
pub fn invalid_password(err: &str) -> String {
    if err.is_empty() { "The password does not meet the required validation criteria.".into() } else { err.into() }
}

/// `REQUIRED_FIELD_EMPTY(name)`.
pub fn required_field_empty(name: &str) -> String {
    format!("Required field {name} is empty")
}

/// `OAUTH_NOT_CONFIGURED(name)`.
pub fn oauth_not_configured(name: &str) -> String {
    format!("Provider '{name}' is not configured")
}

// ---- Texts the reference writes inline (not `ERROR_MESSAGES` members), by source file ----

// utils/auth.py
pub const NOT_AUTHENTICATED: &str = "Not authenticated";
/// `is_valid_token` said no (`get_current_user`).
pub const TOKEN_REFUSED: &str = "Invalid token";
pub const USER_MISMATCH: &str = "User mismatch. Please sign in again.";
pub const HUMAN_SESSION_REQUIRED: &str = "A human session is required.";
pub const AUTHENTICATION_CHANGED: &str = "Authentication changed. Please sign in again.";
pub const MFA_VERIFICATION_REQUIRED: &str = "Authenticator verification is required.";

// utils/mfa.py (and routers/mfa.py, which repeats some)
pub const INVALID_AUTH_REQUEST: &str = "Invalid authentication request.";
pub const AUTH_UNAVAILABLE: &str = "Authentication is temporarily unavailable.";
pub const MFA_CONFIG_UNAVAILABLE: &str = "Authenticator configuration is unavailable. Contact the operator.";
pub const AUTH_CHANGED_IN_ANOTHER_REQUEST: &str = "Authentication changed in another request. Please start again.";
pub const TOO_MANY_ATTEMPTS: &str = "Too many attempts. Please try again later.";
pub const AUTH_BUSY: &str = "Authentication is busy. Please try again.";
pub const MFA_SESSION_EXPIRED: &str = "Session expired. Please sign in again.";
pub const MFA_STEP_EXPIRED: &str = "This authentication step expired. Please start again.";
pub const ACCOUNT_AWAITING_APPROVAL: &str = "Account is awaiting approval.";
pub const MFA_DISABLED_SIGN_IN_AGAIN: &str = "MFA is disabled. Please sign in again.";
pub const MFA_DISABLED: &str = "MFA is disabled.";
pub const TOO_MANY_CODES: &str = "Too many codes. Please sign in again.";
pub const INVALID_OR_USED_CODE: &str = "Invalid or already used code.";
pub const INVALID_ENROLLMENT_CODE: &str = "Invalid code. Check your authenticator and try again.";
pub const REAUTHENTICATION_REQUIRED: &str = "reauthentication_required";
pub const INVALID_RESET_TOKEN: &str = "Invalid or expired operator recovery token.";
pub const MFA_ADMIN_SESSION_REQUIRED: &str = "A human administrator session is required to change MFA settings.";
pub const MFA_POLICY_REFUSED: &str = "Unable to update MFA policy. Check configuration and retry.";
pub const INVALID_REQUEST_ORIGIN: &str = "Invalid request origin.";

// routers/auths.py
pub const SIGNUP_ERROR: &str = "An internal error occurred during signup.";
pub const ADD_USER_ERROR: &str = "An internal error occurred while adding the user.";
pub const LDAP_NOT_ENABLED: &str = "LDAP authentication is not enabled";
pub const LDAP_FAILED: &str = "LDAP authentication failed.";
pub const LDAP_APP_BIND_FAILED: &str = "Application account bind failed";
pub const LDAP_USER_NOT_FOUND: &str = "User not found in the LDAP server";
pub const LDAP_NO_EMAIL: &str = "User does not have a valid email address.";
pub const LDAP_USER_MISMATCH: &str = "User record mismatch.";
pub const LDAP_BIND_FAILED: &str = "Authentication failed.";
pub const LDAP_CREATE_USER_ERROR: &str = "Internal error occurred during LDAP user creation.";
pub const NO_OAUTH_SESSION: &str = "No OAuth session found for this provider";
pub const TOKEN_EXCHANGE_DISABLED: &str = "Token exchange is disabled";

// main.py
pub const TOOL_SERVERS_DISABLED: &str = "Tool servers are disabled";

// routers/configs.py (terminal servers)
pub const TERMINAL_SERVER_URL_REQUIRED: &str = "Terminal server URL is required";
pub const TERMINAL_SERVER_UNREACHABLE: &str = "Failed to connect to the terminal server";
pub const TERMINAL_POLICY_FAILED: &str = "Failed to access policy on terminal server";
pub const TERMINAL_LIFECYCLE_FAILED: &str = "Failed to access lifecycle on terminal server";
pub const TERMINAL_REFRESH_FAILED: &str = "Failed to refresh terminals";

// routers/utils.py, main.py's /cache
pub const DB_NOT_SQLITE: &str = "This feature is only available with SQLite databases.";
/// `ERROR_MESSAGES.DEFAULT('Code execution engine not supported')`.
pub const CODE_ENGINE_NOT_SUPPORTED: &str = "[ERROR: Code execution engine not supported]";
pub const FILE_NOT_FOUND: &str = "File not found";
pub const STARTUP_NOT_COMPLETE: &str = "Startup not complete";
/// `get_current_usage` with ENABLE_PUBLIC_ACTIVE_USERS_COUNT=false, for a non-admin.
pub const USAGE_ADMIN_ONLY: &str = "Access denied. Only administrators can view usage statistics.";
pub const DATABASE_NOT_READY: &str = "Database not ready";
/// Starlette's router answers (`Not Found`, `Method Not Allowed`).
pub const ROUTE_NOT_FOUND: &str = "Not Found";
pub const METHOD_NOT_ALLOWED: &str = "Method Not Allowed";

// ---- Our own ----

/// PostgreSQL refuses a NUL character in text (SQLSTATE 22021); the reference answers 500 there,
/// we answer 400 with this (see `crate::error`).
pub const NUL_IN_TEXT: &str = "Invalid input: text cannot contain NUL (0x00) characters.";


// ---- the LLM proxies (`routers/ollama.py`, `routers/openai.py`) ----

/// `MODEL_NOT_FOUND(name)`.
pub fn model_not_found(name: &str) -> String {
    format!("Model '{name}' was not found")
}
pub const OLLAMA_NOT_FOUND: &str = "WebUI could not connect to Ollama";
pub const OPENAI_NOT_FOUND: &str = "OpenAI API was not found";
/// `routers/openai.py`'s own words when `ENABLE_OPENAI_API` is off.
pub const OPENAI_API_DISABLED: &str = "OpenAI API is disabled";
pub const OPENAI_PASSTHROUGH_DISABLED: &str = "Direct API passthrough is disabled. Set ENABLE_OPENAI_API_PASSTHROUGH=True to enable.";
/// Ours: a `url_idx` past the configured connections (the reference fails with an `IndexError`, 500).
pub const CONNECTION_NOT_FOUND: &str = "Connection not found";

// ---- the task generations (`routers/tasks.py`) ----

/// `FEATURE_DISABLED(name)`.
pub fn feature_disabled(name: &str) -> String {
    format!("{name} is disabled")
}
/// `INPUT_TOO_LONG(size)`.
pub fn input_too_long(size: i64) -> String {
    format!("Input prompt exceeds maximum length of {size}")
}
/// The task routes' answer when the completion call fails.
pub const TASK_INTERNAL_ERROR: &str = "An internal error has occurred.";
/// `generate_title` with an empty model.
pub const TITLE_NO_MODEL: &str = "No model specified for title generation. Please ensure a model is selected for this chat.";
/// Ours: a field the route reads is missing from the body (the reference's `KeyError`, a 500):
/// Python's text of that `KeyError`.
pub fn missing_key(key: &str) -> String {
    format!("'{key}'")
}

// ---- the knowledge bases (`routers/knowledge.py`) ----

/// `external_knowledge_error`.
pub const EXTERNAL_KNOWLEDGE_READ_ONLY: &str = "External knowledge bases are read-only.";
