//! The admin's auth settings: `GET/POST /api/v1/auths/admin/config` (`get_admin_config`,
//! `update_admin_config` and the `AdminConfig` model's validators, `routers/auths.py`).

use serde_json::{json, Map, Value};
use webui_api::{validate_body, AdminConfig, Detail, AUTH_FORM_INVALID};

use crate::app::mfa;
use crate::app::session::SessionUser;
use crate::context::ServerContext;
use crate::db::auths as auths_db;
use crate::db::users;
use crate::error::{Error, Result};
use crate::messages;

/// `ADMIN_CONFIG_KEYS`: form field → setting key, in the reference's order.
const ADMIN_CONFIG_KEYS: &[(&str, &str)] = &[
    ("ENABLE_MFA", "auth.mfa.enable"),
    ("MFA_ALLOW_OAUTH_BYPASS", "auth.mfa.allow_oauth_bypass"),
    ("MFA_ALLOW_TRUSTED_HEADER_BYPASS", "auth.mfa.allow_trusted_header_bypass"),
    ("SHOW_ADMIN_DETAILS", "auth.admin.show"),
    ("ADMIN_EMAIL", "auth.admin.email"),
    ("WEBUI_URL", "webui.url"),
    ("ENABLE_LOGIN_FORM", "ui.enable_login_form"),
    ("ENABLE_SIGNUP", "ui.enable_signup"),
    ("ENABLE_API_KEYS", "auth.enable_api_keys"),
    ("ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS", "auth.api_key.endpoint_restrictions"),
    ("API_KEYS_ALLOWED_ENDPOINTS", "auth.api_key.allowed_endpoints"),
    ("DEFAULT_USER_ROLE", "ui.default_user_role"),
    ("DEFAULT_GROUP_ID", "ui.default_group_id"),
    ("DEFAULT_INTERFACE_SETTINGS", "ui.default_interface_settings"),
    ("I18N", "ui.i18n"),
    ("JWT_EXPIRES_IN", "auth.jwt_expiry"),
    ("ENABLE_COMMUNITY_SHARING", "ui.enable_community_sharing"),
    ("ENABLE_MESSAGE_RATING", "ui.enable_message_rating"),
    ("ENABLE_FOLDERS", "folders.enable"),
    ("FOLDER_MAX_FILE_COUNT", "folders.max_file_count"),
    ("AUTOMATION_MAX_COUNT", "automations.max_count"),
    ("AUTOMATION_MIN_INTERVAL", "automations.min_interval"),
    ("ENABLE_AUTOMATIONS", "automations.enable"),
    ("ENABLE_CHANNELS", "channels.enable"),
    ("ENABLE_ENCRYPTED_CHANNELS", "channels.encryption.enable"),
    ("ENABLE_APPS", "apps.enable"),
    ("CHANNEL_MODEL_RESPONSE_MODE", "channels.model_response_mode"),
    ("ENABLE_CALENDAR", "calendar.enable"),
    ("ENABLE_MEMORIES", "memories.enable"),
    ("ENABLE_MEMORY_SYSTEM_CONTEXT", "memories.system_context.enable"),
    ("ENABLE_SKILL_LAZY_LOADING", "skills.lazy_loading.enable"),
    ("SKILL_CONTENT_MAX_CHARS", "skills.content_max_chars"),
    ("SKILL_PREVIEW_MAX_CHARS", "skills.preview_max_chars"),
    ("ENABLE_NOTES", "notes.enable"),
    ("ENABLE_USER_WEBHOOKS", "ui.enable_user_webhooks"),
    ("ENABLE_USER_STATUS", "users.enable_status"),
    ("PENDING_USER_OVERLAY_TITLE", "ui.pending_user_overlay_title"),
    ("PENDING_USER_OVERLAY_CONTENT", "ui.pending_user_overlay_content"),
    ("RESPONSE_WATERMARK", "ui.watermark"),
];

/// `get_admin_config`'s values, under the form's field names.
pub fn admin_config_values(ctx: &ServerContext) -> Map<String, Value> {
    let keys: Vec<&str> = ADMIN_CONFIG_KEYS.iter().map(|(_, k)| *k).collect();
    let values = ctx.settings_many(&keys);
    let mut out = Map::new();
    for (field, key) in ADMIN_CONFIG_KEYS {
        if let Some(v) = values.get(*key) {
            out.insert(field.to_string(), v.clone());
        }
    }
    out
}

/// The `I18N` validator: `{locale: {key: text}}`, no prototype keys, matching placeholders;
/// empty texts and empty locales are dropped.
fn clean_i18n(v: &Value) -> Option<Value> {
    let re = regex::Regex::new(r"\{\{\s*-?\s*([^},]+)(?:,[^}]+)?\s*\}\}").expect("placeholder pattern");
    let placeholders = |s: &str| -> std::collections::BTreeSet<String> { re.captures_iter(s).map(|c| c[1].trim().to_string()).collect() };
    let unsafe_keys = ["__proto__", "prototype", "constructor"];
    let mut cleaned = Map::new();
    for (locale, entries) in v.as_object()? {
        if locale.trim().is_empty() || unsafe_keys.contains(&locale.as_str()) {
            return None;
        }
        let mut t = Map::new();
        for (key, text) in entries.as_object()? {
            let text = text.as_str()?;
            if key.trim().is_empty() || unsafe_keys.contains(&key.as_str()) {
                return None;
            }
            if !text.trim().is_empty() {
                if placeholders(key) != placeholders(text) {
                    return None;
                }
                t.insert(key.clone(), json!(text));
            }
        }
        if !t.is_empty() {
            cleaned.insert(locale.clone(), Value::Object(t));
        }
    }
    Some(Value::Object(cleaned))
}

/// `POST /api/v1/auths/admin/config` (`update_admin_config`): the sent body `raw` as the
/// `AdminConfig` model validates it, saved; the settings as `get_admin_config` shows them, with
/// `sessions_revoked` when an MFA policy change ended every session.
pub async fn admin_config_update(ctx: &ServerContext, session: &SessionUser, raw: Map<String, Value>, log: &slog::Logger) -> Result<Value> {
    let invalid = || Error::from(Detail::new(422, AUTH_FORM_INVALID));
    let form: AdminConfig = validate_body(Value::Object(raw.clone())).map_err(|_| invalid())?;
    // StrictBool for the MFA fields, strict positive ints for the skill limits.
    for f in ["ENABLE_MFA", "MFA_ALLOW_OAUTH_BYPASS", "MFA_ALLOW_TRUSTED_HEADER_BYPASS"] {
        if raw.get(f).is_some_and(|v| !v.is_boolean()) {
            return Err(invalid());
        }
    }
    for f in ["SKILL_CONTENT_MAX_CHARS", "SKILL_PREVIEW_MAX_CHARS"] {
        if let Some(v) = raw.get(f) {
            if !(v.is_null() || v.as_i64().is_some_and(|i| i > 0)) {
                return Err(invalid());
            }
        }
    }
    let i18n = match raw.get("I18N") {
        None => None,
        Some(v) => Some(clean_i18n(v).ok_or_else(invalid)?),
    };
    // The model's dump: every field, defaults for the unsent ones.
    let dumped: Map<String, Value> = {
        let mut m = Map::new();
        let v = |name: &str, default: Value| raw.get(name).cloned().unwrap_or(default);
        for (field, _) in ADMIN_CONFIG_KEYS {
            let default = match *field {
                "ENABLE_MFA" | "MFA_ALLOW_OAUTH_BYPASS" | "MFA_ALLOW_TRUSTED_HEADER_BYPASS" | "ENABLE_ENCRYPTED_CHANNELS" | "ENABLE_APPS"
                | "ENABLE_SKILL_LAZY_LOADING" => json!(false),
                "ENABLE_LOGIN_FORM" => json!(true),
                "CHANNEL_MODEL_RESPONSE_MODE" => json!("thread"),
                _ => Value::Null,
            };
            m.insert(field.to_string(), v(field, default));
        }
        // Coerced values (lax bools and strings) from the validated form.
        let coerced = |b: bool| json!(b);
        for (f, b) in [
            ("SHOW_ADMIN_DETAILS", form.SHOW_ADMIN_DETAILS),
            ("ENABLE_LOGIN_FORM", form.ENABLE_LOGIN_FORM),
            ("ENABLE_SIGNUP", form.ENABLE_SIGNUP),
            ("ENABLE_API_KEYS", form.ENABLE_API_KEYS),
            ("ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS", form.ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS),
            ("ENABLE_COMMUNITY_SHARING", form.ENABLE_COMMUNITY_SHARING),
            ("ENABLE_MESSAGE_RATING", form.ENABLE_MESSAGE_RATING),
            ("ENABLE_FOLDERS", form.ENABLE_FOLDERS),
            ("ENABLE_AUTOMATIONS", form.ENABLE_AUTOMATIONS),
            ("ENABLE_CHANNELS", form.ENABLE_CHANNELS),
            ("ENABLE_ENCRYPTED_CHANNELS", form.ENABLE_ENCRYPTED_CHANNELS),
            ("ENABLE_APPS", form.ENABLE_APPS),
            ("ENABLE_CALENDAR", form.ENABLE_CALENDAR),
            ("ENABLE_MEMORIES", form.ENABLE_MEMORIES),
            ("ENABLE_MEMORY_SYSTEM_CONTEXT", form.ENABLE_MEMORY_SYSTEM_CONTEXT),
            ("ENABLE_SKILL_LAZY_LOADING", form.ENABLE_SKILL_LAZY_LOADING),
            ("ENABLE_NOTES", form.ENABLE_NOTES),
            ("ENABLE_USER_WEBHOOKS", form.ENABLE_USER_WEBHOOKS),
            ("ENABLE_USER_STATUS", form.ENABLE_USER_STATUS),
        ] {
            m.insert(f.to_string(), coerced(b));
        }
        if let Some(i) = &i18n {
            m.insert("I18N".into(), i.clone());
        }
        m
    };
    let mut updates: Vec<(&str, Value)> = vec![];
    let optional_only_when_sent = [
        "ENABLE_MFA",
        "MFA_ALLOW_OAUTH_BYPASS",
        "MFA_ALLOW_TRUSTED_HEADER_BYPASS",
        "ENABLE_LOGIN_FORM",
        "ENABLE_ENCRYPTED_CHANNELS",
        "ENABLE_APPS",
        "I18N",
        "ENABLE_SKILL_LAZY_LOADING",
        "SKILL_CONTENT_MAX_CHARS",
        "SKILL_PREVIEW_MAX_CHARS",
    ];
    // `int | str | None`, then `int(value)` (0 and "" clear the limit). What is neither an int
    // nor a str is pydantic's 422 there; a str that is no integer its `ValueError` (a 500): we
    // answer the router's 422 for both (a client's value is no server error).
    let int_or_empty = |v: &Option<Value>| -> Result<Value> {
        let n = match v {
            None | Some(Value::Null) => return Ok(json!("")),
            Some(Value::String(s)) if s.is_empty() => return Ok(json!("")),
            Some(Value::Bool(b)) => Some(i64::from(*b)),
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18).map(|f| f as i64)),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        match n {
            Some(0) => Ok(json!("")),
            Some(n) => Ok(Value::from(n)),
            None => Err(invalid()),
        }
    };
    let expiry_pattern = regex::Regex::new(r"^(-1|0|(-?\d+(\.\d+)?)(ms|s|m|h|d|w))$").expect("pattern");
    for (field, key) in ADMIN_CONFIG_KEYS {
        if optional_only_when_sent.contains(field) && !raw.contains_key(*field) {
            continue;
        }
        let value = match *field {
            "DEFAULT_INTERFACE_SETTINGS" => match &form.DEFAULT_INTERFACE_SETTINGS {
                Some(m) if !m.is_empty() => Value::Object(m.clone()),
                _ => json!({}),
            },
            "FOLDER_MAX_FILE_COUNT" => int_or_empty(&form.FOLDER_MAX_FILE_COUNT)?,
            "AUTOMATION_MAX_COUNT" => int_or_empty(&form.AUTOMATION_MAX_COUNT)?,
            "AUTOMATION_MIN_INTERVAL" => int_or_empty(&form.AUTOMATION_MIN_INTERVAL)?,
            "DEFAULT_USER_ROLE" if !["pending", "user", "admin"].contains(&form.DEFAULT_USER_ROLE.as_str()) => continue,
            "CHANNEL_MODEL_RESPONSE_MODE" if !["thread", "channel"].contains(&form.CHANNEL_MODEL_RESPONSE_MODE.as_str()) => continue,
            "JWT_EXPIRES_IN" => {
                if !expiry_pattern.is_match(&form.JWT_EXPIRES_IN) {
                    continue;
                }
                json!(form.JWT_EXPIRES_IN)
            }
            _ => dumped.get(*field).cloned().unwrap_or(Value::Null),
        };
        updates.push((key, value));
    }
    let changed = write_with_mfa(ctx, session, &updates, log).await?;
    let mut out = admin_config_values(ctx);
    out.insert("sessions_revoked".into(), json!(changed));
    Ok(Value::Object(out))
}

/// `update_mfa_config`: writes `updates` as `Config.upsert`; when they touch the MFA policy, only
/// for a human admin session, once the policy is valid, ending every session when it changed.
/// Whether it changed.
pub async fn write_with_mfa(ctx: &ServerContext, session: &SessionUser, updates: &[(&str, Value)], log: &slog::Logger) -> Result<bool> {
    let relevant: Vec<&(&str, Value)> = updates.iter().filter(|(k, _)| mfa::POLICY_KEYS.contains(k)).collect();
    let mut changed = false;
    if !relevant.is_empty() {
        if !session.is_human() {
            return Err(Error::forbidden(messages::MFA_ADMIN_SESSION_REQUIRED));
        }
        let current = mfa::policy(ctx);
        let mut desired = current;
        for (k, v) in &relevant {
            let on = v == &json!(true);
            match *k {
                "auth.mfa.enable" => desired.enable = on,
                "auth.mfa.allow_oauth_bypass" => desired.allow_oauth_bypass = on,
                _ => desired.allow_trusted_header_bypass = on,
            }
        }
        if let Err(e) = mfa::validate(ctx, desired).await {
            slog::warn!(log, "MFA policy refused"; "reason" => e);
            return Err(Error::status(409, messages::MFA_POLICY_REFUSED));
        }
        changed = desired != current;
    }
    crate::settings::write(ctx, updates).await?;
    if changed {
        // `Auths.revoke_all_sessions`: a new stamp (and no pending challenge) for every account.
        let client = ctx.db.get().await?;
        for id in auths_db::all_ids(&ctx.db).await? {
            users::revoke_sessions(&**client, &id).await?;
        }
    }
    Ok(changed)
}
