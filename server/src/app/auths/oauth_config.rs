//! The admin's OAuth settings: `GET/POST /api/v1/auths/admin/config/oauth` (`routers/auths.py`:
//! `get_oauth_config_values`, `update_oauth_config` and the `OAuthConfigForm` unions).

use serde_json::{json, Map, Value};
use webui_api::{Detail, OAuthConfigForm, OAuthConfigResponse, AUTH_FORM_INVALID};

use crate::changelog::markdown::py_strip;
use crate::context::ServerContext;
use crate::error::{Error, Result};

/// `OAUTH_CONFIG_KEYS`: form field → setting key, in the reference's order.
const OAUTH_CONFIG_KEYS: &[(&str, &str)] = &[
    ("ENABLE_OAUTH", "oauth.enable"),
    ("ENABLE_OAUTH_SIGNUP", "oauth.enable_signup"),
    ("OAUTH_MERGE_ACCOUNTS_BY_EMAIL", "oauth.merge_accounts_by_email"),
    ("OAUTH_AUTO_REDIRECT", "oauth.auto_redirect"),
    ("OAUTH_ALLOWED_DOMAINS", "oauth.allowed_domains"),
    ("OAUTH_BLOCKED_GROUPS", "oauth.blocked_groups"),
    ("ENABLE_OAUTH_ROLE_MANAGEMENT", "oauth.enable_role_mapping"),
    ("OAUTH_ROLES_CLAIM", "oauth.roles_claim"),
    ("OAUTH_ADMIN_ROLES", "oauth.admin_roles"),
    ("OAUTH_ALLOWED_ROLES", "oauth.allowed_roles"),
    ("ENABLE_OAUTH_GROUP_MANAGEMENT", "oauth.enable_group_mapping"),
    ("ENABLE_OAUTH_GROUP_CREATION", "oauth.enable_group_creation"),
    ("OAUTH_GROUP_CLAIM", "oauth.group_claim"),
    ("OAUTH_GROUP_DEFAULT_SHARE", "oauth.group_default_share"),
    ("OAUTH_PROVIDER_NAME", "oauth.provider_name"),
    ("OPENID_PROVIDER_URL", "oauth.provider_url"),
    ("OAUTH_CLIENT_ID", "oauth.client_id"),
    ("OAUTH_CLIENT_SECRET", "oauth.client_secret"),
    ("OPENID_REDIRECT_URI", "oauth.redirect_uri"),
    ("OAUTH_SCOPES", "oauth.scopes"),
    ("OAUTH_CODE_CHALLENGE_METHOD", "oauth.code_challenge_method"),
    ("OAUTH_TOKEN_ENDPOINT_AUTH_METHOD", "oauth.token_endpoint_auth_method"),
    ("OPENID_END_SESSION_ENDPOINT", "oauth.end_session_endpoint"),
    ("OAUTH_TIMEOUT", "oauth.timeout"),
    ("OAUTH_CLIENT_TIMEOUT", "oauth.client.timeout"),
    ("OAUTH_EMAIL_CLAIM", "oauth.email_claim"),
    ("OAUTH_USERNAME_CLAIM", "oauth.username_claim"),
    ("OAUTH_PICTURE_CLAIM", "oauth.picture_claim"),
    ("OAUTH_SUB_CLAIM", "oauth.sub_claim"),
    ("OAUTH_AUDIENCE", "oauth.audience"),
    ("OAUTH_UPDATE_EMAIL_ON_LOGIN", "oauth.update_email_on_login"),
    ("OAUTH_UPDATE_NAME_ON_LOGIN", "oauth.update_name_on_login"),
    ("OAUTH_UPDATE_PICTURE_ON_LOGIN", "oauth.update_picture_on_login"),
    ("OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE", "oauth.refresh_token.include_scope"),
];

/// Fields stored as lists and shown comma-joined (`OAUTH_COMMA_LIST_FIELDS`).
const OAUTH_COMMA_LIST_FIELDS: &[&str] = &["OAUTH_ALLOWED_DOMAINS", "OAUTH_ADMIN_ROLES", "OAUTH_ALLOWED_ROLES"];

/// pydantic's lax `bool` (the strings and numbers it reads as booleans).
fn lax_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
            "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// pydantic's smart union `bool | str`: a string stays one, a boolean (or 0/1) is a boolean.
fn bool_or_str(v: &Value) -> Option<Value> {
    match v {
        Value::String(_) | Value::Bool(_) => Some(v.clone()),
        Value::Number(_) => lax_bool(v).map(Value::Bool),
        _ => None,
    }
}

/// pydantic's smart union `int | str`: a string stays one; an integral float (within i64) and a
/// boolean become integers.
fn int_or_str(v: &Value) -> Option<Value> {
    match v {
        Value::String(_) => Some(v.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(v.clone()),
        Value::Number(n) => {
            let x = n.as_f64()?;
            (x.is_finite() && x.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&x)).then(|| json!(x as i64))
        }
        Value::Bool(b) => Some(json!(*b as i64)),
        _ => None,
    }
}

/// Python's `str()` of a list item (`','.join(str(item) for item in value)`).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if !(n.is_i64() || n.is_u64()) && x.fract() == 0.0 && x.abs() < 1e16 => format!("{x:.1}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// `_format_oauth_form_value`: lists as the admin panel edits them.
fn format_oauth_form_value(field: &str, value: &Value) -> Value {
    match value {
        Value::Array(_) if field == "OAUTH_BLOCKED_GROUPS" => {
            // `JSONCodec.dumps` (orjson): compact JSON, with the three line separators escaped.
            let s = serde_json::to_string(value).unwrap_or_default();
            Value::String(s.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029").replace('\u{85}', "\\u0085"))
        }
        Value::Array(items) if OAUTH_COMMA_LIST_FIELDS.contains(&field) => {
            Value::String(items.iter().map(py_str).collect::<Vec<_>>().join(","))
        }
        _ => value.clone(),
    }
}

/// The `OAuthConfigResponse` model's (lax) validation of the read values; a stored value it
/// cannot take fails the answer, as FastAPI's response validation does.
fn oauth_response_form(values: &Map<String, Value>) -> Result<OAuthConfigForm> {
    let mut out = Map::new();
    for (field, _) in OAUTH_CONFIG_KEYS {
        let v = match values.get(*field) {
            None | Some(Value::Null) => Value::Null,
            Some(v) => {
                let coerced = match *field {
                    "OAUTH_GROUP_DEFAULT_SHARE" => bool_or_str(v),
                    "OAUTH_TIMEOUT" | "OAUTH_CLIENT_TIMEOUT" => int_or_str(v),
                    f if oauth_bool_field(f) => lax_bool(v).map(Value::Bool),
                    _ => v.is_string().then(|| v.clone()),
                };
                coerced.ok_or_else(|| Error::internal(format!("{field}: stored value {v} does not fit OAuthConfigResponse")))?
            }
        };
        out.insert(field.to_string(), v);
    }
    serde_json::from_value(Value::Object(out)).map_err(Error::internal)
}

fn oauth_bool_field(field: &str) -> bool {
    field.starts_with("ENABLE_") || field.ends_with("_ON_LOGIN") || matches!(field, "OAUTH_MERGE_ACCOUNTS_BY_EMAIL" | "OAUTH_AUTO_REDIRECT" | "OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE")
}

/// `GET /api/v1/auths/admin/config/oauth` (`get_oauth_config_values`).
pub fn oauth_config_get(ctx: &ServerContext) -> Result<OAuthConfigResponse> {
    let keys: Vec<&str> = OAUTH_CONFIG_KEYS.iter().map(|(_, k)| *k).collect();
    let values = ctx.settings_many(&keys);
    let mut form = Map::new();
    for (field, key) in OAUTH_CONFIG_KEYS {
        if let Some(v) = values.get(*key) {
            form.insert(field.to_string(), format_oauth_form_value(field, v));
        }
    }
    Ok(OAuthConfigResponse {
        form: oauth_response_form(&form)?,
        ENABLE_OAUTH_PERSISTENT_CONFIG: ctx.config.enable_oauth_persistent_config,
    })
}

/// Saves the sent (non-null) fields: comma lists split into lists, the rest as validated.
pub async fn oauth_config_update(ctx: &ServerContext, mut form: OAuthConfigForm) -> Result<OAuthConfigResponse> {
    // The unions the body extractor leaves to us.
    let invalid = || Error::from(Detail::new(422, AUTH_FORM_INVALID));
    if let Some(v) = &form.OAUTH_GROUP_DEFAULT_SHARE {
        form.OAUTH_GROUP_DEFAULT_SHARE = Some(bool_or_str(v).ok_or_else(invalid)?);
    }
    for t in [&mut form.OAUTH_TIMEOUT, &mut form.OAUTH_CLIENT_TIMEOUT] {
        if let Some(v) = t.as_ref() {
            *t = Some(int_or_str(v).ok_or_else(invalid)?);
        }
    }
    // `model_dump(exclude_none=True)`, then `_parse_oauth_update_value`.
    let Value::Object(dumped) = serde_json::to_value(&form).map_err(Error::internal)? else {
        return Err(Error::internal("OAuthConfigForm is not an object"));
    };
    let mut updates: Vec<(&str, Value)> = vec![];
    for (field, key) in OAUTH_CONFIG_KEYS {
        let value = match dumped.get(*field) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if OAUTH_COMMA_LIST_FIELDS.contains(field) => {
                json!(s.split(',').map(py_strip).filter(|p| !p.is_empty()).collect::<Vec<_>>())
            }
            Some(v) => v.clone(),
        };
        updates.push((key, value));
    }
    crate::settings::write(ctx, &updates).await?;
    oauth_config_get(ctx)
}

