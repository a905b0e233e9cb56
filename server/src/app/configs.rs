//! `/api/v1/configs` (`routers/configs.py`): admin settings read and written as `config` rows,
//! one per key, through [`crate::settings`] (`Config.get_many` / `Config.upsert`): a key never
//! stored reads as its environment default (`crate::config::defaults`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use webui_api::configs::{
    BannerModel, CodeInterpreterConfigForm, ConnectionsConfigForm, ModelsConfigForm, ModelsDefaults, PromptSuggestion,
    SubagentsConfigForm, ToolServersConfig,
};

use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::settings;
use crate::app::session::SessionUser;
use crate::messages;

/// `CONNECTIONS_CONFIG_KEYS`: (form field, `config` key).
const CONNECTIONS: &[(&str, &str)] = &[
    ("ENABLE_DIRECT_CONNECTIONS", "direct.enable"),
    ("ENABLE_DIRECT_INTEGRATIONS", "direct.integrations.enable"),
    ("ENABLE_BASE_MODELS_CACHE", "models.base_models_cache"),
];

/// `CODE_EXECUTION_CONFIG_KEYS`.
const CODE_EXECUTION: &[(&str, &str)] = &[
    ("ENABLE_CODE_EXECUTION", "code_execution.enable"),
    ("CODE_EXECUTION_ENGINE", "code_execution.engine"),
    ("CODE_EXECUTION_JUPYTER_URL", "code_execution.jupyter.url"),
    ("CODE_EXECUTION_JUPYTER_AUTH", "code_execution.jupyter.auth"),
    ("CODE_EXECUTION_JUPYTER_AUTH_TOKEN", "code_execution.jupyter.auth_token"),
    ("CODE_EXECUTION_JUPYTER_AUTH_PASSWORD", "code_execution.jupyter.auth_password"),
    ("CODE_EXECUTION_JUPYTER_TIMEOUT", "code_execution.jupyter.timeout"),
    ("ENABLE_CODE_INTERPRETER", "code_interpreter.enable"),
    ("CODE_INTERPRETER_ENGINE", "code_interpreter.engine"),
    ("CODE_INTERPRETER_PROMPT_TEMPLATE", "code_interpreter.prompt_template"),
    ("CODE_INTERPRETER_JUPYTER_URL", "code_interpreter.jupyter.url"),
    ("CODE_INTERPRETER_JUPYTER_AUTH", "code_interpreter.jupyter.auth"),
    ("CODE_INTERPRETER_JUPYTER_AUTH_TOKEN", "code_interpreter.jupyter.auth_token"),
    ("CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD", "code_interpreter.jupyter.auth_password"),
    ("CODE_INTERPRETER_JUPYTER_TIMEOUT", "code_interpreter.jupyter.timeout"),
];

/// `MODELS_CONFIG_KEYS`.
const MODELS: &[(&str, &str)] = &[
    ("DEFAULT_MODELS", "ui.default_models"),
    ("DEFAULT_PINNED_MODELS", "ui.default_pinned_models"),
    ("MODEL_ORDER_LIST", "ui.model_order_list"),
    ("DEFAULT_MODEL_METADATA", "models.default_metadata"),
    ("DEFAULT_MODEL_PARAMS", "models.default_params"),
];

/// `SUBAGENTS_CONFIG_KEYS`.
const SUBAGENTS: &[(&str, &str)] = &[
    ("ENABLE_SUBAGENTS", "subagents.enable"),
    ("SUBAGENTS_BACKGROUND_ENABLED", "subagents.background_enabled"),
    ("SUBAGENTS_MAX_CONCURRENT", "subagents.max_concurrent"),
    ("SUBAGENTS_MAX_ASYNC", "subagents.max_async"),
    ("SUBAGENTS_MAX_ITERATIONS", "subagents.max_iterations"),
    ("SUBAGENTS_MAX_OUTPUT", "subagents.max_output"),
    ("SUBAGENTS_SYSTEM_PROMPT", "subagents.system_prompt"),
];

/// `get_config_values(key_map)` read into the route's response model (a stored value the model
/// refuses is the reference's response-validation 500).
fn values<T: DeserializeOwned>(ctx: &ServerContext, map: &[(&str, &str)]) -> Result<T> {
    let keys: Vec<&str> = map.iter().map(|(_, k)| *k).collect();
    let stored = ctx.settings_many(&keys);
    let fields: Map<String, Value> =
        map.iter().filter_map(|(field, key)| stored.get(*key).map(|v| (field.to_string(), v.clone()))).collect();
    serde_json::from_value(Value::Object(fields)).map_err(Error::internal)
}

/// `config_updates(form.model_dump(), key_map)`: the form's fields as `config` rows.
fn updates(form: &impl Serialize, map: &[(&'static str, &'static str)]) -> Result<Vec<(&'static str, Value)>> {
    let dumped = serde_json::to_value(form).map_err(Error::internal)?;
    Ok(map.iter().filter_map(|(field, key)| dumped.get(*field).map(|v| (*key, v.clone()))).collect())
}

async fn write(ctx: &ServerContext, rows: &[(&str, Value)]) -> Result<()> {
    settings::write(ctx, rows).await?;
    Ok(())
}

/// `GET /api/v1/configs/banners`.
pub fn banners(ctx: &ServerContext) -> Result<Vec<BannerModel>> {
    serde_json::from_value(ctx.setting("ui.banners").unwrap_or(Value::Null)).map_err(Error::internal)
}

/// `POST /api/v1/configs/banners`: stores the banners as dumped by the model (every field).
pub async fn set_banners(ctx: &ServerContext, banners_: Vec<BannerModel>) -> Result<Vec<BannerModel>> {
    let value = serde_json::to_value(&banners_).map_err(Error::internal)?;
    write(ctx, &[("ui.banners", value)]).await?;
    banners(ctx)
}

/// `GET /api/v1/configs/models/defaults`.
pub fn models_defaults(ctx: &ServerContext) -> ModelsDefaults {
    ModelsDefaults { DEFAULT_MODEL_METADATA: ctx.setting("models.default_metadata").unwrap_or(Value::Null) }
}

/// `GET /api/v1/configs/models`.
pub fn models(ctx: &ServerContext) -> Result<ModelsConfigForm> {
    values(ctx, MODELS)
}

/// `POST /api/v1/configs/models`: every field (nulls included).
pub async fn set_models(ctx: &ServerContext, form: ModelsConfigForm) -> Result<ModelsConfigForm> {
    write(ctx, &updates(&form, MODELS)?).await?;
    models(ctx)
}

/// `GET /api/v1/configs/connections`.
pub fn connections(ctx: &ServerContext) -> Result<ConnectionsConfigForm> {
    values(ctx, CONNECTIONS)
}

/// `POST /api/v1/configs/connections`: the fields sent (`exclude_unset`).
pub async fn set_connections(ctx: &ServerContext, form: ConnectionsConfigForm) -> Result<ConnectionsConfigForm> {
    let mut rows = updates(&form, CONNECTIONS)?;
    if form.ENABLE_DIRECT_INTEGRATIONS.is_none() {
        rows.retain(|(k, _)| *k != "direct.integrations.enable");
    }
    write(ctx, &rows).await?;
    connections(ctx)
}

/// `POST /api/v1/configs/suggestions`: the suggestions (null allowed) and their translations
/// (absent or null: `{}`).
pub async fn set_suggestions(ctx: &ServerContext, suggestions: Option<Vec<PromptSuggestion>>, i18n: Option<Map<String, Value>>) -> Result<Map<String, Value>> {
    let s = serde_json::to_value(&suggestions).map_err(Error::internal)?;
    let i = Value::Object(i18n.filter(|m| !m.is_empty()).unwrap_or_default());
    write(ctx, &[("ui.prompt_suggestions", s), ("ui.prompt_suggestions_i18n", i)]).await?;
    let mut out = Map::new();
    out.insert("suggestions".into(), ctx.setting("ui.prompt_suggestions").unwrap_or(Value::Null));
    out.insert("i18n".into(), ctx.setting("ui.prompt_suggestions_i18n").unwrap_or(Value::Null));
    Ok(out)
}

/// `GET /api/v1/configs/code_execution`.
pub fn code_execution(ctx: &ServerContext) -> Result<CodeInterpreterConfigForm> {
    values(ctx, CODE_EXECUTION)
}

/// `POST /api/v1/configs/code_execution`.
pub async fn set_code_execution(ctx: &ServerContext, form: CodeInterpreterConfigForm) -> Result<CodeInterpreterConfigForm> {
    write(ctx, &updates(&form, CODE_EXECUTION)?).await?;
    code_execution(ctx)
}

/// `GET /api/v1/configs/subagents`.
pub fn subagents(ctx: &ServerContext) -> Result<SubagentsConfigForm> {
    values(ctx, SUBAGENTS)
}

/// `POST /api/v1/configs/subagents`.
pub async fn set_subagents(ctx: &ServerContext, form: SubagentsConfigForm) -> Result<SubagentsConfigForm> {
    write(ctx, &updates(&form, SUBAGENTS)?).await?;
    subagents(ctx)
}

/// `POST /api/v1/configs/interface/visibility`: stores `ui.visibility` whole.
pub async fn set_interface_visibility(ctx: &ServerContext, visibility: Map<String, Value>) -> Result<Map<String, Value>> {
    write(ctx, &[("ui.visibility", Value::Object(visibility.clone()))]).await?;
    Ok(visibility)
}

/// The kind of a connection field (pydantic's lax checks of it).
#[derive(Clone, Copy)]
pub enum Kind {
    Str,
    Bool,
    Dict,
    /// `dict | str`.
    DictOrStr,
}

/// A field of a connection model: its name, kind, whether null is allowed, and its default
/// (`None`: required).
pub struct Field(pub &'static str, pub Kind, pub bool, pub Option<fn() -> Value>);

/// `ToolServerConnection`'s fields, in declaration order.
pub const TOOL_SERVER_FIELDS: &[Field] = &[
    Field("url", Kind::Str, false, None),
    Field("path", Kind::Str, false, None),
    Field("type", Kind::Str, true, Some(|| Value::from("openapi"))),
    Field("auth_type", Kind::Str, true, None),
    Field("forward_cookies", Kind::Bool, false, Some(|| Value::Bool(false))),
    Field("headers", Kind::DictOrStr, true, Some(|| Value::Null)),
    Field("key", Kind::Str, true, None),
    Field("config", Kind::Dict, true, None),
    Field("info", Kind::Dict, true, Some(|| Value::Null)),
];

/// `TerminalServerConnection`'s fields, in declaration order.
pub const TERMINAL_SERVER_FIELDS: &[Field] = &[
    Field("id", Kind::Str, true, Some(|| Value::from(""))),
    Field("name", Kind::Str, true, Some(|| Value::from(""))),
    Field("enabled", Kind::Bool, true, Some(|| Value::Bool(true))),
    Field("url", Kind::Str, false, None),
    Field("path", Kind::Str, true, Some(|| Value::from("/openapi.json"))),
    Field("key", Kind::Str, true, Some(|| Value::from(""))),
    Field("auth_type", Kind::Str, true, Some(|| Value::from("bearer"))),
    Field("forward_cookies", Kind::Bool, false, Some(|| Value::Bool(false))),
    Field("config", Kind::Dict, true, Some(|| Value::Null)),
    Field("server_type", Kind::Str, true, Some(|| Value::Null)),
    Field("policy_id", Kind::Str, true, Some(|| Value::Null)),
];

/// Pydantic's lax `bool`: JSON booleans, 0/1, and its words for true and false; else the error
/// (type, message).
pub fn lax_bool(v: &Value) -> std::result::Result<bool, (&'static str, &'static str)> {
    const PARSING: (&str, &str) = ("bool_parsing", "Input should be a valid boolean, unable to interpret input");
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x == 0.0 => Ok(false),
            Some(x) if x == 1.0 => Ok(true),
            _ => Err(PARSING),
        },
        Value::String(t) => match t.to_ascii_lowercase().as_str() {
            "1" | "on" | "t" | "true" | "y" | "yes" => Ok(true),
            "0" | "off" | "f" | "false" | "n" | "no" => Ok(false),
            _ => Err(PARSING),
        },
        _ => Err(("bool_type", "Input should be a valid boolean")),
    }
}

/// A connection model (`extra='allow'`) validated and dumped as pydantic does: its fields in
/// declaration order (defaults filled in), then its other keys in the order sent. Errors (with
/// `loc` under `at`) are added to `errors`.
pub fn dump_model(item: &Value, fields: &[Field], at: &[Value], errors: &mut Vec<Value>) -> Option<Map<String, Value>> {
    let loc = |extra: &[Value]| -> Value { Value::Array(at.iter().chain(extra).cloned().collect()) };
    let Some(m) = item.as_object() else {
        errors.push(serde_json::json!({
            "type": "model_attributes_type", "loc": loc(&[]),
            "msg": "Input should be a valid dictionary or object to extract fields from", "input": item,
        }));
        return None;
    };
    let before = errors.len();
    let mut out = Map::new();
    for Field(name, kind, nullable, default) in fields {
        let here = [Value::from(*name)];
        let v = match (m.get(*name), default) {
            (Some(v), _) => v.clone(),
            (None, Some(d)) => {
                out.insert(name.to_string(), d());
                continue;
            }
            (None, None) => {
                errors.push(serde_json::json!({"type": "missing", "loc": loc(&here), "msg": "Field required", "input": item}));
                continue;
            }
        };
        if v.is_null() && *nullable {
            out.insert(name.to_string(), v);
            continue;
        }
        let checked = match kind {
            Kind::Str if v.is_string() => Ok(v.clone()),
            Kind::Str => Err(vec![("string_type", "Input should be a valid string", None)]),
            Kind::Bool => lax_bool(&v).map(Value::Bool).map_err(|(t, msg)| vec![(t, msg, None)]),
            Kind::Dict if v.is_object() => Ok(v.clone()),
            Kind::Dict => Err(vec![("dict_type", "Input should be a valid dictionary", None)]),
            Kind::DictOrStr if v.is_object() || v.is_string() => Ok(v.clone()),
            Kind::DictOrStr => Err(vec![
                ("dict_type", "Input should be a valid dictionary", Some("dict[any,any]")),
                ("string_type", "Input should be a valid string", Some("str")),
            ]),
        };
        match checked {
            Ok(v) => {
                out.insert(name.to_string(), v);
            }
            Err(list) => {
                for (t, msg, member) in list {
                    let mut l = here.to_vec();
                    if let Some(member) = member {
                        l.push(Value::from(member));
                    }
                    errors.push(serde_json::json!({"type": t, "loc": loc(&l), "msg": msg, "input": v}));
                }
            }
        }
    }
    for (k, v) in m {
        if !fields.iter().any(|f| f.0 == k) {
            out.insert(k.clone(), v.clone());
        }
    }
    (errors.len() == before).then_some(out)
}

/// A stored list of connections dumped through their model (a stored value the model refuses is
/// the reference's response-validation 500).
fn dump_stored(value: Value, fields: &[Field]) -> Result<Vec<Map<String, Value>>> {
    let Value::Array(items) = value else { return Err(Error::internal("stored connections are not a list")) };
    let mut errors = Vec::new();
    let out: Vec<Map<String, Value>> = items.iter().filter_map(|i| dump_model(i, fields, &[], &mut errors)).collect();
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::internal(Value::Array(errors)))
    }
}

/// `GET /api/v1/configs/tool_servers`.
pub fn tool_servers(ctx: &ServerContext) -> Result<ToolServersConfig> {
    let stored = ctx.setting("tool_server.connections").unwrap_or(Value::Null);
    Ok(ToolServersConfig { TOOL_SERVER_CONNECTIONS: dump_stored(stored, TOOL_SERVER_FIELDS)? })
}

/// `POST /api/v1/configs/tool_servers`: stores the dumped connections. The reference then loads
/// each server's specification (and registers MCP OAuth clients) for its tools runtime, which
/// this server does not have yet; the answer does not depend on it.
pub async fn set_tool_servers(ctx: &ServerContext, connections: Vec<Map<String, Value>>) -> Result<ToolServersConfig> {
    let value = Value::Array(connections.iter().cloned().map(Value::Object).collect());
    write(ctx, &[("tool_server.connections", value)]).await?;
    Ok(ToolServersConfig { TOOL_SERVER_CONNECTIONS: connections })
}

/// `GET /api/v1/configs/terminal_servers`: as stored.
pub fn terminal_servers(ctx: &ServerContext) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("TERMINAL_SERVER_CONNECTIONS".into(), ctx.setting("terminal_server.connections").unwrap_or(Value::Null));
    out
}

/// `POST /api/v1/configs/terminal_servers`: stores the dumped connections (without `policy` and
/// `lifecycle`, which have their own routes).
pub async fn set_terminal_servers(ctx: &ServerContext, mut connections: Vec<Map<String, Value>>) -> Result<Map<String, Value>> {
    for c in &mut connections {
        c.shift_remove("policy");
        c.shift_remove("lifecycle");
    }
    let value = Value::Array(connections.into_iter().map(Value::Object).collect());
    write(ctx, &[("terminal_server.connections", value.clone())]).await?;
    let mut out = Map::new();
    out.insert("TERMINAL_SERVER_CONNECTIONS".into(), value);
    Ok(out)
}

/// `400 'Failed to connect to the tool server'`.
const TOOL_SERVER_UNREACHABLE: &str = "Failed to connect to the tool server";
/// `400 'Failed to create MCP client'`.
const MCP_CLIENT_FAILED: &str = "Failed to create MCP client";
/// `AIOHTTP_CLIENT_TIMEOUT_TOOL_SERVER_DATA`'s default.
const TOOL_SERVER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// The largest specification read from a tool server.
const TOOL_SERVER_SPEC_MAX: usize = 16 * 1024 * 1024;

/// `get_tool_server_url(url, path)`: `path` when it is a full URL, else joined to `url`.
fn tool_server_url(url: &str, path: &str) -> String {
    if path.contains("://") {
        return path.to_string();
    }
    let base = url.trim_end_matches('/');
    if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

/// `POST /api/v1/configs/tool_servers/verify`: an OpenAPI server's specification (JSON), fetched
/// through the SSRF-guarded client (`net::outbound`: a server on a private address needs
/// `ENABLE_LOCAL_WEB_FETCH`), with the connection's bearer key or the caller's session token and
/// its literal custom headers. Any failure is the reference's 400. MCP servers: this server has
/// no MCP client yet, so their check always fails as the reference's does for an unreachable
/// one.
pub async fn verify_tool_server(ctx: &ServerContext, conn: &Map<String, Value>, session_token: Option<&str>) -> Result<Value> {
    let text = |k: &str| conn.get(k).and_then(Value::as_str);
    if text("type") == Some("mcp") {
        return Err(Error::bad_request(MCP_CLIENT_FAILED));
    }
    let unreachable = || Error::bad_request(TOOL_SERVER_UNREACHABLE);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ACCEPT, reqwest::header::HeaderValue::from_static("application/json"));
    headers.insert(reqwest::header::CONTENT_TYPE, reqwest::header::HeaderValue::from_static("application/json"));
    let token = match text("auth_type") {
        Some("bearer") => text("key"),
        Some("session") => session_token,
        _ => None,
    };
    if let Some(t) = token.filter(|t| !t.is_empty()) {
        let v = reqwest::header::HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| unreachable())?;
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    if let Some(Value::Object(custom)) = conn.get("headers") {
        for (k, v) in custom {
            if let (Ok(name), Some(Ok(value))) = (
                reqwest::header::HeaderName::from_bytes(k.as_bytes()),
                v.as_str().map(reqwest::header::HeaderValue::from_str),
            ) {
                headers.insert(name, value);
            }
        }
    }
    let url = tool_server_url(text("url").unwrap_or_default(), text("path").unwrap_or_default());
    let fetch = async {
        let resp = ctx.outbound.send(reqwest::Method::GET, &url, headers, None).await.map_err(|_| unreachable())?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(unreachable());
        }
        let mut body = Vec::new();
        let mut resp = resp;
        while let Some(chunk) = resp.chunk().await.map_err(|_| unreachable())? {
            if body.len() + chunk.len() > TOOL_SERVER_SPEC_MAX {
                return Err(unreachable());
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice::<Value>(&body).map_err(|_| unreachable())
    };
    tokio::time::timeout(TOOL_SERVER_TIMEOUT, fetch).await.map_err(|_| unreachable())?
}

/// Every setting key the environment gives a default (`Config.DEFAULTS`' keys), in table order.
fn default_keys() -> impl Iterator<Item = &'static str> {
    crate::config::defaults::SETTINGS.iter().chain(crate::config::media_defaults::MEDIA_SETTINGS).map(|s| s.0)
}

/// `Config.get_all`: every stored row (in the table's order), the `oauth.*` defaults over them when
/// those are not persistent; every default when nothing is.
pub async fn export(ctx: &ServerContext) -> Result<Map<String, Value>> {
    let defaults = |only: &dyn Fn(&str) -> bool| -> Vec<(String, Value)> {
        default_keys().filter(|k| only(k)).filter_map(|k| ctx.config.setting_default(k).map(|v| (k.to_string(), v))).collect()
    };
    if !ctx.config.enable_persistent_config {
        return Ok(defaults(&|_| true).into_iter().collect());
    }
    let client = ctx.db.get().await?;
    let mut out: Map<String, Value> = crate::db::config::config_rows(&**client).await?.into_iter().collect();
    if !ctx.config.enable_oauth_persistent_config {
        out.extend(defaults(&|k| k.starts_with("oauth.")));
    }
    Ok(out)
}

/// `Config.get_namespace`: the stored rows under `namespace.`, with the defaults of its keys that
/// are not persistent over them.
pub async fn namespace(ctx: &ServerContext, namespace: &str) -> Result<Map<String, Value>> {
    let prefix = format!("{namespace}.");
    let mut out = Map::new();
    if ctx.config.enable_persistent_config {
        let client = ctx.db.get().await?;
        out.extend(crate::db::config::config_namespace(&**client, namespace).await?);
    }
    for k in default_keys().filter(|k| k.starts_with(&prefix) && !ctx.config.setting_persistent(k)) {
        if let Some(v) = ctx.config.setting_default(k) {
            out.insert(k.to_string(), v);
        }
    }
    Ok(out)
}

/// `POST /api/v1/configs/import`: `update_mfa_config` (every key written; the MFA policy keys
/// as the auth config writes them), then [`export`].
pub async fn import(ctx: &ServerContext, session: &SessionUser, config: Map<String, Value>, log: &slog::Logger) -> Result<Map<String, Value>> {
    let updates: Vec<(&str, Value)> = config.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    crate::app::auths::admin_config::write_with_mfa(ctx, session, &updates, log).await?;
    export(ctx).await
}

/// A terminal server's address and credentials, as its forms give them.
pub struct TerminalTarget<'a> {
    pub url: &'a str,
    pub key: Option<&'a str>,
    pub auth_type: Option<&'a str>,
}

impl TerminalTarget<'_> {
    /// `ENABLE_TOOL_SERVERS` (403), the URL without trailing slashes (400 when empty), and the
    /// bearer header when `auth_type` is `bearer` with a key.
    fn prepare(&self, ctx: &ServerContext, json: bool) -> Result<(String, reqwest::header::HeaderMap)> {
        use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
        if !crate::app::oauth::tool_servers_enabled(ctx) {
            return Err(Error::forbidden(messages::TOOL_SERVERS_DISABLED));
        }
        let base = self.url.trim_end_matches('/');
        if base.is_empty() {
            return Err(Error::bad_request(messages::TERMINAL_SERVER_URL_REQUIRED));
        }
        let mut headers = HeaderMap::new();
        if json {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let (Some("bearer"), Some(key)) = (self.auth_type, self.key.filter(|k| !k.is_empty())) {
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer {key}")) {
                headers.insert(AUTHORIZATION, v);
            }
        }
        Ok((base.to_string(), headers))
    }
}

/// One request to a terminal server bounded by `AIOHTTP_CLIENT_TIMEOUT`: its JSON answer when
/// it succeeds, its status and text as the error when it answers an error, `failed` (400) for
/// anything else (unreachable, refused address, not JSON).
async fn terminal_call(
    ctx: &ServerContext,
    method: reqwest::Method,
    url: &str,
    headers: reqwest::header::HeaderMap,
    body: Option<&Value>,
    failed: &'static str,
) -> Result<Value> {
    let call = async {
        let body = body.map(|b| b.to_string().into_bytes());
        let resp = ctx.outbound.send(method, url, headers, body).await.map_err(|_| Error::bad_request(failed))?;
        let status = resp.status();
        let json_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
            .is_some_and(|m| m.starts_with("application/") && m.ends_with("json"));
        let bytes = resp.bytes().await.map_err(|_| Error::bad_request(failed))?;
        if status.as_u16() >= 400 {
            return Err(Error::status(status.as_u16(), String::from_utf8_lossy(&bytes).into_owned()));
        }
        if !json_type {
            return Err(Error::bad_request(failed));
        }
        serde_json::from_slice::<Value>(&bytes).map_err(|_| Error::bad_request(failed))
    };
    match crate::app::completions::upstream::timeouts(ctx).0 {
        Some(t) => tokio::time::timeout(t, call).await.map_err(|_| Error::bad_request(failed))?,
        None => call.await,
    }
}

/// `POST /api/v1/configs/terminal_servers/verify`: `GET {url}/api/v1/policies` answering 2xx is an
/// orchestrator, else `GET {url}/api/config` answering 2xx a plain terminal, else 400.
pub async fn verify_terminal_server(ctx: &ServerContext, target: TerminalTarget<'_>) -> Result<Value> {
    let (base, headers) = target.prepare(ctx, false)?;
    let timeout = crate::app::completions::upstream::timeouts(ctx).0;
    for (path, kind) in [("/api/v1/policies", "orchestrator"), ("/api/config", "terminal")] {
        let url = format!("{base}{path}");
        let call = ctx.outbound.send(reqwest::Method::GET, &url, headers.clone(), None);
        let resp = match timeout {
            Some(t) => tokio::time::timeout(t, call).await.ok(),
            None => Some(call.await),
        };
        if let Some(Ok(resp)) = resp {
            if resp.status().as_u16() < 400 {
                return Ok(serde_json::json!({"status": true, "type": kind}));
            }
        }
    }
    Err(Error::bad_request(messages::TERMINAL_SERVER_UNREACHABLE))
}

/// `POST /api/v1/configs/terminal_servers/policy` (`lifecycle`: `.../lifecycle`): `GET` the
/// policy (or its lifecycle) without data, `PUT` it with.
pub async fn terminal_policy(
    ctx: &ServerContext,
    target: TerminalTarget<'_>,
    policy_id: &str,
    data: Option<Map<String, Value>>,
    lifecycle: bool,
) -> Result<Value> {
    let (base, headers) = target.prepare(ctx, true)?;
    let (suffix, failed) =
        if lifecycle { ("/lifecycle", messages::TERMINAL_LIFECYCLE_FAILED) } else { ("", messages::TERMINAL_POLICY_FAILED) };
    let url = format!("{base}/api/v1/policies/{policy_id}{suffix}");
    let method = if data.is_some() { reqwest::Method::PUT } else { reqwest::Method::GET };
    terminal_call(ctx, method, &url, headers, data.map(Value::Object).as_ref(), failed).await
}

/// `POST /api/v1/configs/terminal_servers/refresh`: `POST {url}/api/v1/terminals/refresh` with
/// `{only_idle, reset}` and the user and policy when given.
pub async fn refresh_terminals(
    ctx: &ServerContext,
    target: TerminalTarget<'_>,
    user_id: Option<&str>,
    policy_id: Option<&str>,
    only_idle: bool,
    reset: bool,
) -> Result<Value> {
    let (base, headers) = target.prepare(ctx, true)?;
    let mut body = Map::new();
    body.insert("only_idle".into(), Value::Bool(only_idle));
    body.insert("reset".into(), Value::Bool(reset));
    if let Some(u) = user_id.filter(|u| !u.is_empty()) {
        body.insert("user_id".into(), Value::from(u));
    }
    if let Some(p) = policy_id.filter(|p| !p.is_empty()) {
        body.insert("policy_id".into(), Value::from(p));
    }
    let url = format!("{base}/api/v1/terminals/refresh");
    terminal_call(ctx, reqwest::Method::POST, &url, headers, Some(&Value::Object(body)), messages::TERMINAL_REFRESH_FAILED).await
}
