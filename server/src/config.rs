//! Configuration from the reference's environment variable names and defaults.
//!
//! Only variables the server uses are read; each keeps the reference's name, default and
//! parsing (booleans are `"true"` case-insensitively, as `os.environ.get(..).lower() == "true"`).

pub mod defaults;
pub mod media_defaults;
pub mod security_headers;

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine;

#[derive(Debug, Clone)]
pub struct Config {
    /// `HOST` (default `0.0.0.0`).
    pub host: String,
    /// `PORT` (default 8080).
    pub port: u16,
    /// `DATA_DIR` (default `./data`): uploads, the embedded database, the generated secret key.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`; unset means the embedded cluster under `DATA_DIR/postgres`.
    pub database_url: Option<String>,
    /// `DATABASE_POOL_SIZE` (the reference's name); default 10.
    pub database_pool_size: usize,
    /// `WEBUI_SECRET_KEY` (or its legacy alias `WEBUI_JWT_SECRET_KEY`), else `.webui_secret_key`.
    pub secret_key: String,
    /// `WEBUI_NAME` (default `Open WebUI`; the reference appends ` (Open WebUI)` to any other).
    pub webui_name: String,
    /// `WEBUI_URL` (default empty).
    pub webui_url: String,
    /// `ENABLE_SIGNUP` (default true).
    pub enable_signup: bool,
    /// `ENABLE_LOGIN_FORM` (default true).
    pub enable_login_form: bool,
    /// `WEBUI_AUTH` (default true).
    pub webui_auth: bool,
    /// `DEFAULT_USER_ROLE` (default `pending`).
    pub default_user_role: String,
    /// `JWT_EXPIRES_IN` (default `4w`).
    pub jwt_expires_in: String,
    /// `CORS_ALLOW_ORIGIN` (default `*`), split on `;`.
    pub cors_allow_origin: Vec<String>,
    /// `DEFAULT_LOCALE` (default empty).
    pub default_locale: String,
    /// `ENABLE_LDAP` (default false).
    pub enable_ldap: bool,
    /// `ENABLE_WEBSOCKET_SUPPORT` (default true).
    pub enable_websocket: bool,
    /// `ENABLE_API_KEYS` (default false).
    pub enable_api_keys: bool,
    /// `ENABLE_VERSION_UPDATE_CHECK` (default true).
    pub enable_version_update_check: bool,
    /// `FRONTEND_BUILD_DIR`: the stock web UI build (index.html, `_app/`, `static/`).
    pub frontend_build_dir: Option<PathBuf>,
    /// `OWUI_FRONTEND_DIR` (ours; default `$HOME/.cache/owui-rs/webui-0.12.4`): where
    /// `tools/frontend ensure` puts, and the server looks for or downloads, the wheel's
    /// `frontend/`, `static/` and `CHANGELOG.md` when `FRONTEND_BUILD_DIR` is unset.
    pub frontend_cache_dir: PathBuf,
    /// `OFFLINE_MODE` (default false): no downloads (here: the web UI wheel from PyPI).
    pub offline_mode: bool,
    /// `GLOBAL_LOG_LEVEL` (default `INFO`).
    pub log_level: String,
    /// `DEPLOYMENT_ID` (default empty): reported by `/api/version`.
    pub deployment_id: String,
    /// `ENABLE_OAUTH` (default true): seeds the `oauth.enable` setting.
    pub enable_oauth: bool,
    /// `OAUTH_AUTO_REDIRECT` (default false).
    pub oauth_auto_redirect: bool,
    /// `USE_SLIM_DOCKER` (default false): reported as `features.slim`.
    pub use_slim: bool,
    /// `ENABLE_SIGNUP_PASSWORD_CONFIRMATION` (default false).
    pub enable_signup_password_confirmation: bool,
    /// `WEBUI_AUTH_TRUSTED_EMAIL_HEADER` (default unset).
    pub trusted_email_header: Option<String>,
    /// `WEBSOCKET_HEARTBEAT_INTERVAL` in seconds, clamped to 5..=90 (unset: none; invalid: 30).
    pub websocket_heartbeat_interval: Option<u32>,
    /// `ENABLE_PERSISTENT_CONFIG` (default true): settings stored in the `config` table win
    /// over the environment.
    pub enable_persistent_config: bool,
    /// `ENABLE_OAUTH_PERSISTENT_CONFIG` (default false): the same for `oauth.*` settings.
    pub enable_oauth_persistent_config: bool,
    /// The reference's opt-in security headers (`HSTS`, `XFRAME_OPTIONS`, `CONTENT_SECURITY_POLICY`,
    /// ...; [`security_headers`]), set on every answer by the front door (`http::router`), as the
    /// reference's middleware sets them. None by default.
    pub security_headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// `CUSTOM_API_KEY_HEADER` (default `x-api-key`), lowercased: the API-key header.
    pub api_key_header: String,
    /// `DATABASE_USER_ACTIVE_STATUS_UPDATE_INTERVAL` in seconds (default 60): how often at most a
    /// user's `last_active_at` is written.
    pub last_active_interval: f64,
    /// `DEFAULT_USER_PERMISSIONS` from the `USER_PERMISSIONS_*` variables.
    pub default_user_permissions: serde_json::Value,
    /// `OWUI_SETTINGS_REFRESH_SECONDS` (ours, default 10, at least 1): how often the settings
    /// snapshot is read again, for changes the Python reference makes on a shared database
    /// (which do not notify; see [`crate::settings`]).
    pub settings_refresh: std::time::Duration,
    /// `OWUI_SESSION_CACHE_MS` (ours, default 1000; 0 turns it off): how long an instance reuses a
    /// token's session rows ([`crate::app::session::cache`]) before reading them again.
    pub session_cache: std::time::Duration,
    /// The other variables the server reads ([`defaults::env_names`]), as set at start.
    pub env: BTreeMap<String, String>,
    /// Settings saved while they are not persistent (`oauth.*` without
    /// `ENABLE_OAUTH_PERSISTENT_CONFIG`, every key without `ENABLE_PERSISTENT_CONFIG`): the
    /// reference writes them over its in-memory defaults (`Config.DEFAULTS[key] = value`), so
    /// they win over the environment until the process ends. Shared by the clones of a `Config`.
    pub runtime_settings: RuntimeSettings,
}

/// See [`Config::runtime_settings`].
pub type RuntimeSettings = std::sync::Arc<std::sync::RwLock<BTreeMap<String, serde_json::Value>>>;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not a valid {what}: {value:?}")]
    Invalid { name: &'static str, what: &'static str, value: String },
    #[error("cannot create DATA_DIR {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("cannot read or write the secret key file {path}: {source}")]
    SecretFile { path: PathBuf, source: std::io::Error },
}

impl Config {
    /// Reads the environment. Creates `DATA_DIR` and, when no secret is configured, the
    /// `.webui_secret_key` file (24 random bytes, base64), reused on later starts.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`Config::from_env`], with variables from `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| lookup(name);
        let bool_var = |name: &str, default: bool| match lookup(name) {
            Some(v) => v.to_lowercase() == "true",
            None => default,
        };
        let port = match var("PORT") {
            Some(p) => p.trim().parse().map_err(|_| ConfigError::Invalid { name: "PORT", what: "port number", value: p })?,
            None => 8080,
        };
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));
        std::fs::create_dir_all(&data_dir).map_err(|source| ConfigError::DataDir { path: data_dir.clone(), source })?;
        // Prove the directory is writable now rather than at the first upload.
        let probe = data_dir.join(".write-test");
        std::fs::write(&probe, b"").map_err(|source| ConfigError::DataDir { path: data_dir.clone(), source })?;
        let _ = std::fs::remove_file(&probe);

        let secret_key = match var("WEBUI_SECRET_KEY").or_else(|| var("WEBUI_JWT_SECRET_KEY")).filter(|s| !s.is_empty()) {
            Some(k) => k,
            None => load_or_create_secret(&data_dir.join(".webui_secret_key"))?,
        };
        let name = var("WEBUI_NAME").unwrap_or_else(|| "Open WebUI".into());
        let webui_name = if name == "Open WebUI" { name } else { format!("{name} (Open WebUI)") };
        let database_pool_size = match var("DATABASE_POOL_SIZE").filter(|s| !s.is_empty()) {
            Some(v) => v.trim().parse::<usize>().ok().filter(|n| *n > 0).unwrap_or(10),
            None => 10,
        };
        let webui_auth = bool_var("WEBUI_AUTH", true);
        // The user's cache (the process's own HOME, never a path relative to the working
        // directory); without a HOME, inside DATA_DIR.
        let frontend_cache_dir = var("OWUI_FRONTEND_DIR").filter(|s| !s.is_empty()).map(PathBuf::from).unwrap_or_else(|| {
            let name = format!("webui-{}", webui_api::UPSTREAM_VERSION);
            match std::env::var_os("HOME").filter(|h| !h.is_empty() && std::path::Path::new(h).is_absolute()) {
                Some(home) => PathBuf::from(home).join(".cache/owui-rs").join(name),
                None => data_dir.join(name),
            }
        });
        Ok(Config {
            host: var("HOST").unwrap_or_else(|| "0.0.0.0".into()),
            port,
            data_dir,
            database_url: var("DATABASE_URL").filter(|s| !s.is_empty()),
            database_pool_size,
            secret_key,
            webui_name,
            webui_url: var("WEBUI_URL").unwrap_or_default(),
            enable_signup: webui_auth && bool_var("ENABLE_SIGNUP", true),
            enable_login_form: bool_var("ENABLE_LOGIN_FORM", true),
            webui_auth,
            default_user_role: var("DEFAULT_USER_ROLE").unwrap_or_else(|| "pending".into()),
            jwt_expires_in: var("JWT_EXPIRES_IN").unwrap_or_else(|| "4w".into()),
            cors_allow_origin: var("CORS_ALLOW_ORIGIN")
                .unwrap_or_else(|| "*".into())
                .split(';')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            default_locale: var("DEFAULT_LOCALE").unwrap_or_default(),
            enable_ldap: bool_var("ENABLE_LDAP", false),
            enable_websocket: bool_var("ENABLE_WEBSOCKET_SUPPORT", true),
            enable_api_keys: bool_var("ENABLE_API_KEYS", false),
            enable_version_update_check: bool_var("ENABLE_VERSION_UPDATE_CHECK", true),
            frontend_build_dir: var("FRONTEND_BUILD_DIR").filter(|s| !s.is_empty()).map(PathBuf::from),
            frontend_cache_dir,
            offline_mode: bool_var("OFFLINE_MODE", false),
            log_level: var("GLOBAL_LOG_LEVEL").unwrap_or_else(|| "INFO".into()),
            deployment_id: var("DEPLOYMENT_ID").unwrap_or_default(),
            enable_oauth: bool_var("ENABLE_OAUTH", true),
            oauth_auto_redirect: bool_var("OAUTH_AUTO_REDIRECT", false),
            use_slim: bool_var("USE_SLIM_DOCKER", false),
            enable_signup_password_confirmation: bool_var("ENABLE_SIGNUP_PASSWORD_CONFIRMATION", false),
            trusted_email_header: var("WEBUI_AUTH_TRUSTED_EMAIL_HEADER"),
            websocket_heartbeat_interval: match var("WEBSOCKET_HEARTBEAT_INTERVAL").as_deref() {
                None | Some("") => None,
                Some(v) => Some(v.trim().parse::<i64>().map(|n| n.clamp(5, 90) as u32).unwrap_or(30)),
            },
            enable_persistent_config: bool_var("ENABLE_PERSISTENT_CONFIG", true),
            enable_oauth_persistent_config: bool_var("ENABLE_OAUTH_PERSISTENT_CONFIG", false),
            security_headers: security_headers::from_lookup(&lookup)?,
            api_key_header: var("CUSTOM_API_KEY_HEADER").unwrap_or_else(|| "x-api-key".into()).to_lowercase(),
            last_active_interval: var("DATABASE_USER_ACTIVE_STATUS_UPDATE_INTERVAL")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(60.0),
            default_user_permissions: defaults::default_user_permissions(&|n: &str| lookup(n)),
            settings_refresh: std::time::Duration::from_secs(
                var("OWUI_SETTINGS_REFRESH_SECONDS").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(10).max(1),
            ),
            session_cache: std::time::Duration::from_millis(
                var("OWUI_SESSION_CACHE_MS").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(1000),
            ),
            env: defaults::env_names().filter_map(|n| lookup(n).map(|v| (n.to_string(), v))).collect(),
            runtime_settings: RuntimeSettings::default(),
        })
    }
}

fn load_or_create_secret(path: &std::path::Path) -> Result<String, ConfigError> {
    let err = |source| ConfigError::SecretFile { path: path.to_path_buf(), source };
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    let bytes: [u8; 24] = rand::random();
    let key = base64::engine::general_purpose::STANDARD.encode(bytes);
    std::fs::write(path, &key).map_err(err)?;
    Ok(key)
}

impl Config {
    /// Whether `key` is read from the `config` table (else from the environment only).
    pub fn setting_persistent(&self, key: &str) -> bool {
        self.enable_persistent_config && (!key.starts_with("oauth.") || self.enable_oauth_persistent_config)
    }

    /// The environment's value for a setting key, as the reference's `DEFAULT_CONFIG`.
    /// Keys this server does not know yet answer `None` (left out of responses).
    pub fn setting_default(&self, key: &str) -> Option<serde_json::Value> {
        use serde_json::json;
        if let Some(v) = self.runtime_settings.read().expect("runtime settings").get(key) {
            return Some(v.clone());
        }
        Some(match key {
            "webui.url" => json!(self.webui_url),
            "ui.enable_signup" => json!(self.enable_signup),
            "ui.enable_login_form" => json!(self.enable_login_form),
            "ui.default_locale" => json!(self.default_locale),
            "ui.i18n" => json!({}),
            "oauth.enable" => json!(self.enable_oauth),
            "oauth.auto_redirect" => json!(self.oauth_auto_redirect),
            "ldap.enable" => json!(self.enable_ldap),
            "auth.enable_api_keys" => json!(self.enable_api_keys),
            _ => return defaults::default_for(key, |n| self.env.get(n).cloned()),
        })
    }

    /// Saves a setting that is not persistent (see [`Config::runtime_settings`]).
    pub fn set_runtime_setting(&self, key: &str, value: serde_json::Value) {
        self.runtime_settings.write().expect("runtime settings").insert(key.to_string(), value);
    }

    /// A variable read at start (see [`defaults::env_names`]), `None` when unset.
    pub fn env_str(&self, name: &str) -> Option<&str> {
        // A name missing from the list is never read: it would be ignored without a word.
        debug_assert!(defaults::env_names().any(|n| n == name), "{name} is not in config::defaults::env_names()");
        self.env.get(name).map(String::as_str)
    }

    /// `os.getenv(name, default).lower() == 'true'`.
    pub fn env_bool(&self, name: &str, default: bool) -> bool {
        self.env_str(name).map(|v| v.to_lowercase() == "true").unwrap_or(default)
    }
}
