//! `/api/v1/configs` (the reference's `routers/configs.py`): the settings of the admin panel,
//! stored as `config` rows (one per key). Field names are the reference's (upper case).

#![allow(non_snake_case)]

use dropshot::{HttpResponseOk, Path, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Detail, FastJson, Shaped};

/// `BannerModel` (`config.py`): a notice shown above the chat.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct BannerModel {
    #[serde(default)]
    #[schemars(with = "Option<std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>>")]
    pub i18n: Option<Map<String, Value>>,
    pub id: String,
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub title: Option<String>,
    pub content: String,
    pub dismissible: bool,
    pub timestamp: i64,
}

/// `SetBannersForm`, read as a JSON object and validated by the server (item by item).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SetBannersForm {
    pub banners: Vec<BannerModel>,
}

/// `ConnectionsConfigForm` (`ENABLE_DIRECT_INTEGRATIONS` absent: not changed).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ConnectionsConfigForm {
    pub ENABLE_DIRECT_CONNECTIONS: bool,
    #[serde(default)]
    #[schemars(with = "bool")]
    pub ENABLE_DIRECT_INTEGRATIONS: Option<bool>,
    pub ENABLE_BASE_MODELS_CACHE: bool,
}

/// `CodeInterpreterConfigForm` (every field required; the optional ones may be null).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CodeInterpreterConfigForm {
    pub ENABLE_CODE_EXECUTION: bool,
    pub CODE_EXECUTION_ENGINE: String,
    #[schemars(schema_with = "nullable_string")]
    pub CODE_EXECUTION_JUPYTER_URL: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    pub CODE_EXECUTION_JUPYTER_AUTH: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    pub CODE_EXECUTION_JUPYTER_AUTH_TOKEN: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    pub CODE_EXECUTION_JUPYTER_AUTH_PASSWORD: Option<String>,
    #[schemars(schema_with = "nullable_int")]
    pub CODE_EXECUTION_JUPYTER_TIMEOUT: Option<i64>,
    pub ENABLE_CODE_INTERPRETER: bool,
    pub CODE_INTERPRETER_ENGINE: String,
    #[schemars(schema_with = "nullable_string")]
    pub CODE_INTERPRETER_PROMPT_TEMPLATE: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    pub CODE_INTERPRETER_JUPYTER_URL: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    pub CODE_INTERPRETER_JUPYTER_AUTH: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    pub CODE_INTERPRETER_JUPYTER_AUTH_TOKEN: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    pub CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD: Option<String>,
    #[schemars(schema_with = "nullable_int")]
    pub CODE_INTERPRETER_JUPYTER_TIMEOUT: Option<i64>,
}

/// `ModelsConfigForm`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ModelsConfigForm {
    #[schemars(schema_with = "nullable_string")]
    pub DEFAULT_MODELS: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    pub DEFAULT_PINNED_MODELS: Option<String>,
    #[schemars(schema_with = "nullable_strings")]
    pub MODEL_ORDER_LIST: Option<Vec<String>>,
    #[serde(default)]
    pub DEFAULT_MODEL_METADATA: Option<Map<String, Value>>,
    #[serde(default)]
    pub DEFAULT_MODEL_PARAMS: Option<Map<String, Value>>,
}

/// `GET /api/v1/configs/models/defaults`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ModelsDefaults {
    pub DEFAULT_MODEL_METADATA: Value,
}

/// `SubagentsConfigForm`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SubagentsConfigForm {
    pub ENABLE_SUBAGENTS: bool,
    pub SUBAGENTS_BACKGROUND_ENABLED: bool,
    pub SUBAGENTS_MAX_CONCURRENT: i64,
    pub SUBAGENTS_MAX_ASYNC: i64,
    pub SUBAGENTS_MAX_ITERATIONS: i64,
    pub SUBAGENTS_MAX_OUTPUT: i64,
    pub SUBAGENTS_SYSTEM_PROMPT: String,
}

/// `PromptSuggestion`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PromptSuggestion {
    pub title: Vec<String>,
    pub content: String,
}

/// `SetDefaultSuggestionsForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SetDefaultSuggestionsForm {
    #[schemars(schema_with = "nullable_suggestions")]
    pub suggestions: Option<Vec<PromptSuggestion>>,
    #[serde(default)]
    pub i18n: Option<Map<String, Value>>,
}

/// `InterfaceVisibilityForm` (`visibility: dict[str, StrictBool]`), read as a JSON object and
/// validated by the server (strict booleans).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InterfaceVisibilityForm {
    #[schemars(with = "std::collections::BTreeMap<String, bool>")]
    pub visibility: Map<String, Value>,
}

/// `ToolServerConnection` (`extra='allow'`: other keys are kept, after these).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct ToolServerConnection {
    url: String,
    path: String,
    #[serde(default)]
    r#type: Option<String>,
    #[schemars(schema_with = "nullable_string")]
    auth_type: Option<String>,
    #[serde(default)]
    forward_cookies: bool,
    #[serde(default)]
    #[schemars(schema_with = "dict_or_string")]
    headers: Option<Value>,
    #[schemars(schema_with = "nullable_string")]
    key: Option<String>,
    #[schemars(schema_with = "nullable_object")]
    config: Option<Map<String, Value>>,
    #[serde(default)]
    info: Option<Map<String, Value>>,
}

/// `ToolServersConfigForm`, read as a JSON object and validated by the server.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct ToolServersConfigForm {
    TOOL_SERVER_CONNECTIONS: Vec<ToolServerConnection>,
}

/// `ToolServersConfigForm` as answered: each connection dumped (its fields, then its other keys).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolServersConfig {
    #[schemars(with = "Vec<ToolServerConnection>")]
    pub TOOL_SERVER_CONNECTIONS: Vec<Map<String, Value>>,
}

/// `TerminalServerConnection` (`extra='allow'`).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct TerminalServerConnection {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
    url: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    auth_type: Option<String>,
    #[serde(default)]
    forward_cookies: bool,
    #[serde(default)]
    config: Option<Map<String, Value>>,
    #[serde(default)]
    server_type: Option<String>,
    #[serde(default)]
    policy_id: Option<String>,
}

/// `TerminalServersConfigForm`, read as a JSON object and validated by the server.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct TerminalServersConfigForm {
    TERMINAL_SERVER_CONNECTIONS: Vec<TerminalServerConnection>,
}

/// `ImportConfigForm`: every `config` row to write (`key` → value).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ImportConfigForm {
    pub config: Map<String, Value>,
}

/// `GET /api/v1/configs/namespace/{namespace}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NamespacePath {
    pub namespace: String,
}

fn bearer() -> Option<String> {
    Some("bearer".into())
}

fn empty_key() -> Option<String> {
    Some(String::new())
}

fn yes() -> bool {
    true
}

/// `TerminalServerPolicyForm`: `policy_data` absent or null reads the policy, else writes it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TerminalServerPolicyForm {
    pub url: String,
    #[serde(default = "empty_key")]
    pub key: Option<String>,
    #[serde(default = "bearer")]
    pub auth_type: Option<String>,
    pub policy_id: String,
    #[serde(default)]
    pub policy_data: Option<Map<String, Value>>,
}

/// `TerminalServerLifecycleForm`: `lifecycle_data` absent or null reads the lifecycle, else writes it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TerminalServerLifecycleForm {
    pub url: String,
    #[serde(default = "empty_key")]
    pub key: Option<String>,
    #[serde(default = "bearer")]
    pub auth_type: Option<String>,
    pub policy_id: String,
    #[serde(default)]
    pub lifecycle_data: Option<Map<String, Value>>,
}

/// `TerminalServerRefreshForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TerminalServerRefreshForm {
    pub url: String,
    #[serde(default = "empty_key")]
    pub key: Option<String>,
    #[serde(default = "bearer")]
    pub auth_type: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub policy_id: Option<String>,
    #[serde(default = "yes")]
    pub only_idle: bool,
    #[serde(default)]
    pub reset: bool,
}

/// `dict | str | None`.
fn dict_or_string(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    use schemars::schema::{InstanceType, SchemaObject, SubschemaValidation};
    let any_of = [InstanceType::Object, InstanceType::String]
        .into_iter()
        .map(|t| SchemaObject { instance_type: Some(t.into()), ..Default::default() }.into())
        .collect();
    let mut s = SchemaObject { subschemas: Some(Box::new(SubschemaValidation { any_of: Some(any_of), ..Default::default() })), ..Default::default() };
    s.extensions.insert("nullable".into(), Value::Bool(true));
    s.into()
}

/// A required `dict | None`.
fn nullable_object(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    nullable(schemars::schema::InstanceType::Object, None)
}

/// A required `str | None`.
pub(crate) fn nullable_string(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    nullable(schemars::schema::InstanceType::String, None)
}

/// A required `int | None`.
fn nullable_int(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    nullable(schemars::schema::InstanceType::Integer, None)
}

/// A required `list[str] | None`.
fn nullable_strings(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    nullable(schemars::schema::InstanceType::Array, Some(schemars::schema::InstanceType::String))
}

/// A required `list[PromptSuggestion] | None`.
fn nullable_suggestions(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    let mut s = gen.subschema_for::<Vec<PromptSuggestion>>().into_object();
    s.extensions.insert("nullable".into(), Value::Bool(true));
    s.into()
}

fn nullable(t: schemars::schema::InstanceType, items: Option<schemars::schema::InstanceType>) -> schemars::schema::Schema {
    use schemars::schema::{ArrayValidation, SchemaObject, SingleOrVec};
    let mut s = SchemaObject { instance_type: Some(t.into()), ..Default::default() };
    if let Some(i) = items {
        let item = SchemaObject { instance_type: Some(i.into()), ..Default::default() };
        s.array = Some(Box::new(ArrayValidation { items: Some(SingleOrVec::Single(Box::new(item.into()))), ..Default::default() }));
    }
    s.extensions.insert("nullable".into(), Value::Bool(true));
    s.into()
}

api_traits! {
/// The `/api/v1/configs` operations.
pub trait ConfigsApi in configs_api_invokers {
    type Context: Send + Sync + 'static;

    /// The banners shown above the chat (any verified user; the web UI reads them on every load).
    #[endpoint { method = GET, path = "/api/v1/configs/banners", tags = ["configs"] }]
    async fn configs_get_banners(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<BannerModel>>, Detail>;

    /// Admin: replaces the banners.
    #[endpoint { method = POST, path = "/api/v1/configs/banners", tags = ["configs"] }]
    async fn configs_set_banners(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<SetBannersForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Vec<BannerModel>>, Detail>;

    /// The default model metadata (any verified user).
    #[endpoint { method = GET, path = "/api/v1/configs/models/defaults", tags = ["configs"] }]
    async fn configs_get_models_defaults(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<ModelsDefaults>, Detail>;

    /// Admin: default, pinned and ordered models, default model metadata and parameters.
    #[endpoint { method = GET, path = "/api/v1/configs/models", tags = ["configs"] }]
    async fn configs_get_models(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<ModelsConfigForm>, Detail>;

    /// Admin: sets the models configuration.
    #[endpoint { method = POST, path = "/api/v1/configs/models", tags = ["configs"] }]
    async fn configs_set_models(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ModelsConfigForm>,
    ) -> Result<HttpResponseOk<ModelsConfigForm>, Detail>;

    /// Admin: direct connections, direct integrations, the base models cache.
    #[endpoint { method = GET, path = "/api/v1/configs/connections", tags = ["configs"] }]
    async fn configs_get_connections(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<ConnectionsConfigForm>, Detail>;

    /// Admin: sets the connections configuration (fields sent only).
    #[endpoint { method = POST, path = "/api/v1/configs/connections", tags = ["configs"] }]
    async fn configs_set_connections(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ConnectionsConfigForm>,
    ) -> Result<HttpResponseOk<ConnectionsConfigForm>, Detail>;

    /// Admin: sets the prompt suggestions of new chats; answers `{suggestions, i18n}` as stored.
    #[endpoint { method = POST, path = "/api/v1/configs/suggestions", tags = ["configs"] }]
    async fn configs_set_default_suggestions(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<SetDefaultSuggestionsForm>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: code execution and the code interpreter.
    #[endpoint { method = GET, path = "/api/v1/configs/code_execution", tags = ["configs"] }]
    async fn configs_get_code_execution(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<CodeInterpreterConfigForm>, Detail>;

    /// Admin: sets code execution and the code interpreter.
    #[endpoint { method = POST, path = "/api/v1/configs/code_execution", tags = ["configs"] }]
    async fn configs_set_code_execution(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<CodeInterpreterConfigForm>,
    ) -> Result<HttpResponseOk<CodeInterpreterConfigForm>, Detail>;

    /// Admin: sub-agents.
    #[endpoint { method = GET, path = "/api/v1/configs/subagents", tags = ["configs"] }]
    async fn configs_get_subagents(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<SubagentsConfigForm>, Detail>;

    /// Admin: sets sub-agents.
    #[endpoint { method = POST, path = "/api/v1/configs/subagents", tags = ["configs"] }]
    async fn configs_set_subagents(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<SubagentsConfigForm>,
    ) -> Result<HttpResponseOk<SubagentsConfigForm>, Detail>;

    /// Admin: the tool servers (OpenAPI and MCP) connections.
    #[endpoint { method = GET, path = "/api/v1/configs/tool_servers", tags = ["configs"] }]
    async fn configs_get_tool_servers(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<ToolServersConfig>, Detail>;

    /// Admin: replaces the tool servers connections.
    #[endpoint { method = POST, path = "/api/v1/configs/tool_servers", tags = ["configs"] }]
    async fn configs_set_tool_servers(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<ToolServersConfigForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<ToolServersConfig>, Detail>;

    /// Admin: checks a tool server connection (an OpenAPI server's specification).
    #[endpoint { method = POST, path = "/api/v1/configs/tool_servers/verify", tags = ["configs"] }]
    async fn configs_verify_tool_servers(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<ToolServerConnection, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: the terminal servers connections, as stored.
    #[endpoint { method = GET, path = "/api/v1/configs/terminal_servers", tags = ["configs"] }]
    async fn configs_get_terminal_servers(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: replaces the terminal servers connections.
    #[endpoint { method = POST, path = "/api/v1/configs/terminal_servers", tags = ["configs"] }]
    async fn configs_set_terminal_servers(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<TerminalServersConfigForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: which parts of the interface are shown.
    #[endpoint { method = POST, path = "/api/v1/configs/interface/visibility", tags = ["configs"] }]
    async fn configs_set_interface_visibility(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<InterfaceVisibilityForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<InterfaceVisibilityForm>, Detail>;
    /// Admin: writes every `config` row given (MFA policy keys as the auth config does), then
    /// answers every stored row.
    #[endpoint { method = POST, path = "/api/v1/configs/import", tags = ["configs"] }]
    async fn configs_import(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ImportConfigForm>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: every stored `config` row (`key` → value).
    #[endpoint { method = GET, path = "/api/v1/configs/export", tags = ["configs"] }]
    async fn configs_export(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: the stored `config` rows under a dotted namespace.
    #[endpoint { method = GET, path = "/api/v1/configs/namespace/{namespace}", tags = ["configs"] }]
    async fn configs_get_namespace(
        rqctx: RequestContext<Self::Context>,
        path: Path<NamespacePath>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail>;

    /// Admin: detects a terminal server's type (orchestrator or plain terminal).
    #[endpoint { method = POST, path = "/api/v1/configs/terminal_servers/verify", tags = ["configs"] }]
    async fn configs_verify_terminal_server_connection(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<TerminalServerConnection, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: reads or writes a policy on an orchestrator terminal server.
    #[endpoint { method = POST, path = "/api/v1/configs/terminal_servers/policy", tags = ["configs"] }]
    async fn configs_put_terminal_server_policy(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<TerminalServerPolicyForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: reads or writes a policy's lifecycle on an orchestrator terminal server.
    #[endpoint { method = POST, path = "/api/v1/configs/terminal_servers/lifecycle", tags = ["configs"] }]
    async fn configs_put_terminal_server_lifecycle(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<TerminalServerLifecycleForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: asks an orchestrator terminal server to refresh its terminals.
    #[endpoint { method = POST, path = "/api/v1/configs/terminal_servers/refresh", tags = ["configs"] }]
    async fn configs_refresh_terminal_server_terminals(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<TerminalServerRefreshForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;
}
}
