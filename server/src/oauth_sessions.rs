//! OAuth session tokens at rest (`oauth_session.token`): Fernet, under the reference's key
//! (`OAuthSessionTable`), so that either backend reads the other's sessions.

use base64::Engine;
use fernet::Fernet;
use serde_json::Value;
use sha2::Digest;

use crate::config::Config;

/// `OAUTH_SESSION_TOKEN_ENCRYPTION_KEY`, by default the secret key; a value that is not a
/// 44-character Fernet key is hashed (SHA-256) into one. `None` without any key.
pub fn cipher(config: &Config) -> Option<Fernet> {
    let key = config.env_str("OAUTH_SESSION_TOKEN_ENCRYPTION_KEY").unwrap_or(&config.secret_key);
    if key.is_empty() {
        return None;
    }
    if key.chars().count() == 44 {
        Fernet::new(key)
    } else {
        Fernet::new(&base64::engine::general_purpose::URL_SAFE.encode(sha2::Sha256::digest(key.as_bytes())))
    }
}

/// A stored token as its JSON object; `None` when it does not decrypt to one.
pub fn decrypt(config: &Config, stored: &str) -> Option<Value> {
    let clear = cipher(config)?.decrypt(stored).ok()?;
    serde_json::from_slice::<Value>(&clear).ok().filter(Value::is_object)
}

/// A token as stored (`_encrypt_token`: JSON, then Fernet).
pub fn encrypt(config: &Config, token: &Value) -> Option<String> {
    Some(cipher(config)?.encrypt(serde_json::to_string(token).ok()?.as_bytes()))
}
