//! The terminal servers (`routers/terminals.py`, `utils/terminals.py`): those of
//! `terminal_server.connections` a user may use.

use serde_json::{json, Map, Value};
use webui_api::terminals::{TerminalServer, TerminalServerConfig};

use crate::app::session::{truthy, SessionUser};
use crate::app::workspace::{admin_bypass, group_ids, plugins_enabled};
use crate::context::ServerContext;
use crate::error::Result;

/// `TERMINAL_CONTEXT_ID_SOURCES`: the contexts a terminal can be exposed in, and the id each
/// keys its runtime on.
const CONTEXT_ID_SOURCES: &[(&str, &str)] = &[("chat", "chat_id"), ("automation", "automation_id")];

fn config_of(c: &Map<String, Value>) -> Option<&Map<String, Value>> {
    c.get("config").and_then(Value::as_object)
}

/// `terminal_contexts`: an orchestrator's (`server_type` `orchestrator`, or a `policy_id`)
/// known contexts, each `false`, `{"context_id": ...}` for a known id source, or `{}`.
fn contexts(c: &Map<String, Value>) -> Map<String, Value> {
    let orchestrator = c.get("server_type").and_then(Value::as_str) == Some("orchestrator") || truthy(c.get("policy_id"));
    let mut out = Map::new();
    let Some(contexts) = config_of(c).and_then(|k| k.get("contexts")).and_then(Value::as_object).filter(|_| orchestrator) else { return out };
    for (name, value) in contexts {
        let Some((_, source)) = CONTEXT_ID_SOURCES.iter().find(|(n, _)| n == name) else { continue };
        match value {
            Value::Bool(false) => {
                out.insert(name.clone(), Value::Bool(false));
            }
            Value::Object(o) => {
                let id = o.get("context_id").and_then(Value::as_str).filter(|s| *s == "default" || s == source);
                out.insert(name.clone(), id.map_or(json!({}), |s| json!({"context_id": s})));
            }
            _ => {}
        }
    }
    out
}

/// `terminal_chat_uploads`: `filesystem`, else `default`.
fn chat_uploads(c: &Map<String, Value>) -> String {
    match config_of(c).and_then(|k| k.get("chat_uploads")).and_then(Value::as_str) {
        Some("filesystem") => "filesystem".into(),
        _ => "default".into(),
    }
}

/// `has_connection_access`: an admin with the admin bypass, else by `config.access_grants`
/// (none: admins only; a `read` grant to the user, to everyone, or to one of their groups).
fn has_access(c: &Map<String, Value>, user: &SessionUser, bypass: bool, groups: &[String]) -> bool {
    if bypass {
        return true;
    }
    let grants = config_of(c).and_then(|k| k.get("access_grants")).and_then(Value::as_array).filter(|g| !g.is_empty());
    let Some(grants) = grants else { return user.is_admin() };
    grants.iter().filter_map(Value::as_object).filter(|g| g.get("permission").and_then(Value::as_str) == Some("read")).any(|g| {
        let id = g.get("principal_id").and_then(Value::as_str).unwrap_or("");
        match g.get("principal_type").and_then(Value::as_str) {
            Some("user") => id == "*" || id == user.user.id,
            Some("group") => groups.iter().any(|x| x == id),
            _ => false,
        }
    })
}

/// `GET /api/v1/terminals/` (`list_terminal_servers`): the enabled terminal servers the caller
/// may use (none when tool servers are off).
pub async fn list(ctx: &ServerContext, user: &SessionUser) -> Result<Vec<TerminalServer>> {
    if !plugins_enabled(ctx, "ENABLE_TOOL_SERVERS") {
        return Ok(Vec::new());
    }
    let connections = match ctx.setting("terminal_server.connections") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let bypass = admin_bypass(ctx, user);
    let groups = group_ids(ctx, &user.user.id).await?;
    let field = |c: &Map<String, Value>, k: &str| c.get(k).cloned().unwrap_or(json!(""));
    Ok(connections
        .iter()
        .filter_map(Value::as_object)
        .filter(|c| c.get("enabled").is_none_or(|e| truthy(Some(e))) && has_access(c, user, bypass, &groups))
        .map(|c| TerminalServer {
            id: field(c, "id"),
            url: field(c, "url"),
            name: field(c, "name"),
            contexts: contexts(c),
            config: TerminalServerConfig { chat_uploads: chat_uploads(c) },
        })
        .collect())
}
