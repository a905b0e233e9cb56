//! The default permissions (`/api/v1/users/default/permissions`): `UserPermissions`, six
//! sections of flags, validated as pydantic does (lax booleans, the model's defaults).

use serde_json::{json, Map, Value};
use webui_api::{Detail, UserPermissions};

use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::app::session::permissions as perms;

/// The `UserPermissions` section models: field names (by alias) and defaults, in order.
const PERMISSION_MODELS: &[(&str, &[(&str, bool)])] = &[
    (
        "workspace",
        &[
            ("models", false), ("knowledge", false), ("prompts", false), ("tools", false), ("skills", false),
            ("models_import", false), ("models_export", false), ("models_hidden", false), ("prompts_import", false),
            ("prompts_export", false), ("tools_import", false), ("tools_export", false), ("skills_import", false),
            ("skills_export", false),
        ],
    ),
    (
        "sharing",
        &[
            ("models", false), ("public_models", false), ("knowledge", false), ("public_knowledge", false),
            ("prompts", false), ("public_prompts", false), ("tools", false), ("public_tools", false), ("skills", false),
            ("public_skills", false), ("notes", false), ("public_notes", false), ("folders", false),
            ("public_chats", false), ("open_chats", false), ("public_calendars", false),
        ],
    ),
    ("access_grants", &[("allow_users", true), ("allow_groups", true)]),
    (
        "chat",
        &[
            ("controls", true), ("valves", true), ("system_prompt", true), ("params", true), ("file_upload", true),
            ("web_upload", true), ("delete", true), ("delete_message", true), ("continue_response", true),
            ("regenerate_response", true), ("rate_response", true), ("edit", true), ("share", true), ("export", true),
            ("import", true), ("stt", true), ("tts", true), ("call", true), ("multiple_models", true),
            ("temporary", true), ("temporary_enforced", false),
        ],
    ),
    (
        "features",
        &[
            ("api_keys", false), ("notes", true), ("channels", true), ("encrypted_channels", false), ("folders", true),
            ("direct_tool_servers", false), ("web_search", true), ("image_generation", true),
            ("code_interpreter", true), ("memories", true), ("automations", false), ("calendar", true),
            ("webhooks", false),
        ],
    ),
    ("settings", &[("interface", true)]),
];

/// Pydantic's lax `bool`: `Ok(None)` when the value cannot be one (with the error type).
fn lax_bool(v: &Value) -> Result<bool, &'static str> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_i64() == Some(0) || n.as_f64() == Some(0.0) => Ok(false),
        Value::Number(n) if n.as_i64() == Some(1) || n.as_f64() == Some(1.0) => Ok(true),
        Value::Number(_) => Err("bool_parsing"),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "1" | "on" | "t" | "true" | "y" | "yes" => Ok(true),
            "0" | "off" | "f" | "false" | "n" | "no" => Ok(false),
            _ => Err("bool_parsing"),
        },
        _ => Err("bool_type"),
    }
}

/// Builds `UserPermissions` from section dicts: known flags (stored values, else the model's
/// default) in model order; errors as pydantic's.
fn permissions_model(src: &Map<String, Value>, loc_prefix: &[&str]) -> Result<Value, Vec<Value>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for (section, fields) in PERMISSION_MODELS {
        let given = src.get(*section).and_then(Value::as_object).cloned().unwrap_or_default();
        let mut m = Map::new();
        for (name, default) in *fields {
            let v = match given.get(*name) {
                None => *default,
                Some(v) => match lax_bool(v) {
                    Ok(b) => b,
                    Err(t) => {
                        let mut loc: Vec<Value> = loc_prefix.iter().map(|s| Value::String(s.to_string())).collect();
                        loc.push(Value::String(section.to_string()));
                        loc.push(Value::String(name.to_string()));
                        let msg = if t == "bool_type" {
                            "Input should be a valid boolean"
                        } else {
                            "Input should be a valid boolean, unable to interpret input"
                        };
                        errors.push(json!({"type": t, "loc": loc, "msg": msg, "input": v}));
                        *default
                    }
                },
            };
            m.insert(name.to_string(), Value::Bool(v));
        }
        out.insert(section.to_string(), Value::Object(m));
    }
    if errors.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(errors)
    }
}

/// A permissions dict as `UserPermissions`: known flags in model order, the model's defaults for
/// the others; `Err` lists pydantic's errors (their `loc` after `loc_prefix`).
fn model(src: &Map<String, Value>, loc_prefix: &[&str]) -> std::result::Result<UserPermissions, Vec<Value>> {
    let value = permissions_model(src, loc_prefix)?;
    serde_json::from_value(value).map_err(|e| vec![json!({"type": "internal", "msg": e.to_string()})])
}

/// The body of `POST /api/v1/users/default/permissions` validated as `UserPermissions` (six
/// required sections of lax booleans): FastAPI's 422 otherwise.
pub fn validate(form: &Map<String, Value>) -> std::result::Result<UserPermissions, Detail> {
    let mut errors = Vec::new();
    for (section, _) in PERMISSION_MODELS.iter() {
        match form.get(*section) {
            None => errors.push(json!({"type": "missing", "loc": ["body", section], "msg": "Field required", "input": form})),
            Some(Value::Object(_)) => {
                let mut one = Map::new();
                one.insert(section.to_string(), form[*section].clone());
                if let Err(e) = permissions_model(&one, &["body"]) {
                    errors.extend(e);
                }
            }
            // What the reference answers (seen in compat): pydantic's attribute-model wording.
            Some(v) => errors.push(json!({
                "type": "model_attributes_type", "loc": ["body", section],
                "msg": "Input should be a valid dictionary or object to extract fields from", "input": v,
            })),
        }
    }
    if !errors.is_empty() {
        return Err(Detail::validation(errors));
    }
    model(form, &["body"]).map_err(Detail::validation)
}

/// `GET /api/v1/users/default/permissions` (admin): the stored defaults completed from
/// `DEFAULT_USER_PERMISSIONS`.
pub fn defaults_get(ctx: &ServerContext) -> Result<UserPermissions> {
    let stored = ctx.setting("user.permissions").unwrap_or(Value::Null);
    let filled = perms::filled_defaults(ctx, &stored);
    model(&filled, &[]).map_err(|_| Error::internal("stored permissions are not valid"))
}

/// `POST /api/v1/users/default/permissions` (admin): saved, and answered as
/// `model_dump(by_alias=True)`.
pub async fn defaults_update(ctx: &ServerContext, form: UserPermissions) -> Result<UserPermissions> {
    let value = serde_json::to_value(&form).map_err(Error::internal)?;
    crate::settings::write(ctx, &[("user.permissions", value)]).await?;
    Ok(form)
}

/// `GET /api/v1/users/default/permissions/defaults` (admin): `DEFAULT_USER_PERMISSIONS` as the
/// environment sets it.
pub fn defaults_of_env(ctx: &ServerContext) -> Result<UserPermissions> {
    let base = crate::config::defaults::default_user_permissions(&|n: &str| ctx.config.env_str(n).map(str::to_string));
    let base = base.as_object().cloned().unwrap_or_default();
    model(&base, &[]).map_err(|_| Error::internal("defaults are not valid"))
}
