//! `/api/v1/chats/config` (`routers/chats.py::get_chat_config`, `set_chat_config`): the admin's chat
//! settings, one `config` row per field (`CHAT_CONFIG_KEYS`), through [`crate::settings`].

use serde_json::{json, Map, Value};
use webui_api::chats::ChatConfigForm;

use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::settings;

/// `CHAT_CONFIG_KEYS`: (form field, `config` key), in the form's order.
const KEYS: &[(&str, &str)] = &[
    ("CONTEXT_COMPACTION_MODEL", "chat.context_compaction.model"),
    ("ENABLE_CONTEXT_COMPACTION", "chat.context_compaction.enable"),
    ("CONTEXT_COMPACTION_TOKEN_THRESHOLD", "chat.context_compaction.token_threshold"),
    ("CONTEXT_COMPACTION_TOKEN_CAP", "chat.context_compaction.token_cap"),
    ("CONTEXT_COMPACTION_RETENTION_PERCENTAGE", "chat.context_compaction.retention_percentage"),
    ("CONTEXT_COMPACTION_PROMPT_TEMPLATE", "chat.context_compaction.prompt_template"),
    ("ENABLE_TOOL_PERMISSIONS", "chat.tool_permissions.enable"),
    ("ENABLE_TOOL_SEARCH", "chat.tool_search.enable"),
    ("TOOL_SEARCH_DEFER_THRESHOLD", "chat.tool_search.defer_threshold"),
    ("TOOL_SEARCH_ALWAYS_LOADED", "chat.tool_search.always_loaded"),
    ("TOOL_SEARCH_DEFER_BUILTIN_TOOLS", "chat.tool_search.defer_builtin_tools"),
];

/// `get_chat_config_values`: the stored values (else the environment's), with the reference's
/// fill-ins for an empty model, cap and retention. A stored value the form cannot hold is the
/// reference's response-validation 500.
pub fn get(ctx: &ServerContext) -> Result<ChatConfigForm> {
    let keys: Vec<&str> = KEYS.iter().map(|(_, k)| *k).collect();
    let stored = ctx.settings_many(&keys);
    let mut config: Map<String, Value> =
        KEYS.iter().filter_map(|(field, key)| stored.get(*key).map(|v| (field.to_string(), v.clone()))).collect();
    let unset = |c: &Map<String, Value>, k: &str| c.get(k).is_none_or(Value::is_null);
    if unset(&config, "CONTEXT_COMPACTION_MODEL") {
        config.insert("CONTEXT_COMPACTION_MODEL".into(), json!(""));
    }
    if unset(&config, "CONTEXT_COMPACTION_TOKEN_CAP") {
        let threshold = config.get("CONTEXT_COMPACTION_TOKEN_THRESHOLD").cloned().unwrap_or(json!(80000));
        config.insert("CONTEXT_COMPACTION_TOKEN_CAP".into(), threshold);
    }
    if unset(&config, "CONTEXT_COMPACTION_RETENTION_PERCENTAGE") {
        config.insert("CONTEXT_COMPACTION_RETENTION_PERCENTAGE".into(), json!(40));
    }
    serde_json::from_value(Value::Object(config)).map_err(Error::internal)
}

/// `set_chat_config`: the threshold and cap at least 1 (an empty threshold is the environment's),
/// the retention within 10–50 %, the defer threshold at least 0, blank always-loaded names dropped;
/// every field stored, then read back as [`get`] does.
pub async fn set(ctx: &ServerContext, form: ChatConfigForm) -> Result<ChatConfigForm> {
    let env = |key: &str| ctx.config.setting_default(key).and_then(|v| v.as_i64());
    let threshold = form
        .CONTEXT_COMPACTION_TOKEN_THRESHOLD
        .or_else(|| env("chat.context_compaction.token_threshold"))
        .unwrap_or(80000)
        .max(1);
    // `form.CONTEXT_COMPACTION_TOKEN_CAP or threshold`: 0 counts as unset.
    let cap = form.CONTEXT_COMPACTION_TOKEN_CAP.filter(|c| *c != 0).unwrap_or(threshold).max(1);
    let retention = form
        .CONTEXT_COMPACTION_RETENTION_PERCENTAGE
        .or_else(|| env("chat.context_compaction.retention_percentage"))
        .unwrap_or(40)
        .clamp(10, 50);
    let mut stored = form.clone();
    // `form.CONTEXT_COMPACTION_MODEL or ''`.
    stored.CONTEXT_COMPACTION_MODEL = Some(form.CONTEXT_COMPACTION_MODEL.unwrap_or_default());
    stored.CONTEXT_COMPACTION_TOKEN_THRESHOLD = Some(threshold);
    stored.CONTEXT_COMPACTION_TOKEN_CAP = Some(cap);
    stored.CONTEXT_COMPACTION_RETENTION_PERCENTAGE = Some(retention);
    stored.TOOL_SEARCH_DEFER_THRESHOLD = form.TOOL_SEARCH_DEFER_THRESHOLD.max(0);
    stored.TOOL_SEARCH_ALWAYS_LOADED = form
        .TOOL_SEARCH_ALWAYS_LOADED
        .iter()
        .map(|i| crate::changelog::markdown::py_strip(i))
        .filter(|i| !i.is_empty())
        .map(str::to_string)
        .collect();
    let dumped = serde_json::to_value(&stored).map_err(Error::internal)?;
    let rows: Vec<(&str, Value)> = KEYS.iter().filter_map(|(field, key)| dumped.get(*field).map(|v| (*key, v.clone()))).collect();
    settings::write(ctx, &rows).await?;
    get(ctx)
}
