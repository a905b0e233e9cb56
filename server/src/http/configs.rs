//! `/api/v1/configs`: the implementation of [`ConfigsApi`]. Thin handlers: authenticate (admin,
//! except the banners and the model defaults, which any verified user reads), call
//! `crate::app::configs`, convert.

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, RequestContext};
use serde_json::{json, Map, Value};
use webui_api::configs::{
    BannerModel, CodeInterpreterConfigForm, ConfigsApi, ConnectionsConfigForm, ImportConfigForm, InterfaceVisibilityForm, ModelsConfigForm,
    ModelsDefaults, NamespacePath, SetBannersForm, SetDefaultSuggestionsForm, SubagentsConfigForm, TerminalServerConnection,
    TerminalServerLifecycleForm, TerminalServerPolicyForm, TerminalServerRefreshForm, TerminalServersConfigForm, ToolServerConnection,
    ToolServersConfig, ToolServersConfigForm,
};
use webui_api::{Detail, FastJson, Shaped};

use super::{auth, ServerImpl};
use crate::app::configs as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// `InterfaceVisibilityForm`: `visibility` a dict of strict booleans.
fn visibility_form(body: &Map<String, Value>) -> Result<Map<String, Value>, Detail> {
    match body.get("visibility") {
        None => Err(Detail::validation(vec![json!({
            "type": "missing", "loc": ["body", "visibility"], "msg": "Field required", "input": body,
        })])),
        Some(Value::Object(m)) => {
            let errors: Vec<Value> = m
                .iter()
                .filter(|(_, v)| !v.is_boolean())
                .map(|(k, v)| json!({"type": "bool_type", "loc": ["body", "visibility", k], "msg": "Input should be a valid boolean", "input": v}))
                .collect();
            if errors.is_empty() {
                Ok(m.clone())
            } else {
                Err(Detail::validation(errors))
            }
        }
        Some(v) => Err(Detail::validation(vec![json!({
            "type": "dict_type", "loc": ["body", "visibility"], "msg": "Input should be a valid dictionary", "input": v,
        })])),
    }
}

/// Pydantic's lax `int`: integers, integral floats, numeric strings, booleans.
fn lax_int(v: &Value) -> Result<i64, (&'static str, &'static str)> {
    match v {
        Value::Bool(b) => Ok(*b as i64),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(i),
            (None, Some(x)) if x.fract() == 0.0 && x.abs() < 9.2e18 => Ok(x as i64),
            (None, Some(x)) if x.is_finite() => Err(("int_from_float", "Input should be a valid integer, got a number with a fractional part")),
            _ => Err(("int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size")),
        },
        Value::String(t) => {
            t.trim().parse::<i64>().map_err(|_| ("int_parsing", "Input should be a valid integer, unable to parse string as an integer"))
        }
        _ => Err(("int_type", "Input should be a valid integer")),
    }
}

/// `SetBannersForm` (`banners: list[BannerModel]`), validated as pydantic does, item by item
/// (the generic body validator does not look into lists of models).
fn banners_form(body: &Map<String, Value>) -> Result<Vec<BannerModel>, Detail> {
    let mut errors = Vec::new();
    let items = match body.get("banners") {
        None => return Err(Detail::validation(vec![json!({"type": "missing", "loc": ["body", "banners"], "msg": "Field required", "input": body})])),
        Some(Value::Array(a)) => a,
        Some(v) => {
            return Err(Detail::validation(vec![json!({"type": "list_type", "loc": ["body", "banners"], "msg": "Input should be a valid list", "input": v})]))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(b) = item.as_object() else {
            errors.push(json!({
                "type": "model_attributes_type", "loc": ["body", "banners", i],
                "msg": "Input should be a valid dictionary or object to extract fields from", "input": item,
            }));
            continue;
        };
        let before = errors.len();
        let err = |errors: &mut Vec<Value>, loc: Vec<Value>, kind: &str, msg: &str, input: &Value| {
            let mut l = vec![json!("body"), json!("banners"), json!(i)];
            l.extend(loc);
            errors.push(json!({"type": kind, "loc": l, "msg": msg, "input": input}));
        };
        let i18n = match b.get("i18n") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => {
                for (lang, texts) in m {
                    match texts {
                        Value::Object(t) => {
                            for (k, v) in t {
                                if !v.is_string() {
                                    err(&mut errors, vec![json!("i18n"), json!(lang), json!(k)], "string_type", "Input should be a valid string", v);
                                }
                            }
                        }
                        v => err(&mut errors, vec![json!("i18n"), json!(lang)], "dict_type", "Input should be a valid dictionary", v),
                    }
                }
                Some(m.clone())
            }
            Some(v) => {
                err(&mut errors, vec![json!("i18n")], "dict_type", "Input should be a valid dictionary", v);
                None
            }
        };
        let text = |errors: &mut Vec<Value>, key: &str, required: bool| -> Option<String> {
            match b.get(key) {
                Some(Value::String(t)) => Some(t.clone()),
                None if required => {
                    err(errors, vec![json!(key)], "missing", "Field required", item);
                    None
                }
                None | Some(Value::Null) if !required => None,
                Some(v) => {
                    err(errors, vec![json!(key)], "string_type", "Input should be a valid string", v);
                    None
                }
                None => None,
            }
        };
        let id = text(&mut errors, "id", true);
        let type_ = text(&mut errors, "type", true);
        let title = text(&mut errors, "title", false);
        let content = text(&mut errors, "content", true);
        let dismissible = match b.get("dismissible") {
            None => {
                err(&mut errors, vec![json!("dismissible")], "missing", "Field required", item);
                None
            }
            Some(v) => app::lax_bool(v).map_err(|(k, m)| err(&mut errors, vec![json!("dismissible")], k, m, v)).ok(),
        };
        let timestamp = match b.get("timestamp") {
            None => {
                err(&mut errors, vec![json!("timestamp")], "missing", "Field required", item);
                None
            }
            Some(v) => lax_int(v).map_err(|(k, m)| err(&mut errors, vec![json!("timestamp")], k, m, v)).ok(),
        };
        if errors.len() == before {
            out.push(BannerModel {
                i18n,
                id: id.unwrap_or_default(),
                type_: type_.unwrap_or_default(),
                title,
                content: content.unwrap_or_default(),
                dismissible: dismissible.unwrap_or_default(),
                timestamp: timestamp.unwrap_or_default(),
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Detail::validation(errors))
    }
}

/// A form holding one list of connection models (`key`: the list's field), validated item by item.
fn connections_form(body: &Map<String, Value>, key: &str, fields: &[app::Field]) -> Result<Vec<Map<String, Value>>, Detail> {
    let items = match body.get(key) {
        None => return Err(Detail::validation(vec![json!({"type": "missing", "loc": ["body", key], "msg": "Field required", "input": body})])),
        Some(Value::Array(a)) => a,
        Some(v) => return Err(Detail::validation(vec![json!({"type": "list_type", "loc": ["body", key], "msg": "Input should be a valid list", "input": v})])),
    };
    let mut errors = Vec::new();
    let out: Vec<Map<String, Value>> =
        items.iter().enumerate().filter_map(|(i, item)| app::dump_model(item, fields, &[json!("body"), json!(key), json!(i)], &mut errors)).collect();
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Detail::validation(errors))
    }
}

impl ConfigsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn configs_get_banners(rqctx: Ctx) -> Result<HttpResponseOk<Vec<BannerModel>>, Detail> {
        auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::banners(rqctx.context())?))
    }

    async fn configs_set_banners(
        rqctx: Ctx,
        body: FastJson<Shaped<SetBannersForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Vec<BannerModel>>, Detail> {
        auth::require_admin(&rqctx).await?;
        let banners = banners_form(&body.into_inner()?.value)?;
        Ok(HttpResponseOk(app::set_banners(rqctx.context(), banners).await?))
    }

    async fn configs_get_models_defaults(rqctx: Ctx) -> Result<HttpResponseOk<ModelsDefaults>, Detail> {
        auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::models_defaults(rqctx.context())))
    }

    async fn configs_get_models(rqctx: Ctx) -> Result<HttpResponseOk<ModelsConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::models(rqctx.context())?))
    }

    async fn configs_set_models(rqctx: Ctx, body: FastJson<ModelsConfigForm>) -> Result<HttpResponseOk<ModelsConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::set_models(rqctx.context(), form).await?))
    }

    async fn configs_get_connections(rqctx: Ctx) -> Result<HttpResponseOk<ConnectionsConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::connections(rqctx.context())?))
    }

    async fn configs_set_connections(rqctx: Ctx, body: FastJson<ConnectionsConfigForm>) -> Result<HttpResponseOk<ConnectionsConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::set_connections(rqctx.context(), form).await?))
    }

    async fn configs_set_default_suggestions(rqctx: Ctx, body: FastJson<SetDefaultSuggestionsForm>) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::set_suggestions(rqctx.context(), form.suggestions, form.i18n).await?))
    }

    async fn configs_get_code_execution(rqctx: Ctx) -> Result<HttpResponseOk<CodeInterpreterConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::code_execution(rqctx.context())?))
    }

    async fn configs_set_code_execution(
        rqctx: Ctx,
        body: FastJson<CodeInterpreterConfigForm>,
    ) -> Result<HttpResponseOk<CodeInterpreterConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::set_code_execution(rqctx.context(), form).await?))
    }

    async fn configs_get_subagents(rqctx: Ctx) -> Result<HttpResponseOk<SubagentsConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::subagents(rqctx.context())?))
    }

    async fn configs_set_subagents(rqctx: Ctx, body: FastJson<SubagentsConfigForm>) -> Result<HttpResponseOk<SubagentsConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::set_subagents(rqctx.context(), form).await?))
    }

    async fn configs_get_tool_servers(rqctx: Ctx) -> Result<HttpResponseOk<ToolServersConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::tool_servers(rqctx.context())?))
    }

    async fn configs_set_tool_servers(
        rqctx: Ctx,
        body: FastJson<Shaped<ToolServersConfigForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<ToolServersConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        let connections = connections_form(&body.into_inner()?.value, "TOOL_SERVER_CONNECTIONS", app::TOOL_SERVER_FIELDS)?;
        Ok(HttpResponseOk(app::set_tool_servers(rqctx.context(), connections).await?))
    }

    async fn configs_verify_tool_servers(
        rqctx: Ctx,
        body: FastJson<Shaped<ToolServerConnection, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        let mut errors = Vec::new();
        let conn = app::dump_model(&Value::Object(body.into_inner()?.value), app::TOOL_SERVER_FIELDS, &[json!("body")], &mut errors);
        let conn = conn.ok_or_else(|| Detail::validation(errors))?;
        let headers = rqctx.request.headers();
        let token = auth::authorization_cred(headers).or_else(|| auth::cookies(headers).remove("token"));
        Ok(HttpResponseOk(app::verify_tool_server(rqctx.context(), &conn, token.as_deref()).await?))
    }

    async fn configs_get_terminal_servers(rqctx: Ctx) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::terminal_servers(rqctx.context())))
    }

    async fn configs_set_terminal_servers(
        rqctx: Ctx,
        body: FastJson<Shaped<TerminalServersConfigForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        auth::require_admin(&rqctx).await?;
        let connections = connections_form(&body.into_inner()?.value, "TERMINAL_SERVER_CONNECTIONS", app::TERMINAL_SERVER_FIELDS)?;
        Ok(HttpResponseOk(app::set_terminal_servers(rqctx.context(), connections).await?))
    }

    async fn configs_set_interface_visibility(
        rqctx: Ctx,
        body: FastJson<Shaped<InterfaceVisibilityForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<InterfaceVisibilityForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        let visibility = visibility_form(&body.into_inner()?.value)?;
        Ok(HttpResponseOk(InterfaceVisibilityForm { visibility: app::set_interface_visibility(rqctx.context(), visibility).await? }))
    }

    async fn configs_import(rqctx: Ctx, body: FastJson<ImportConfigForm>) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        let session = auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::import(rqctx.context(), &session, form.config, &rqctx.log).await?))
    }

    async fn configs_export(rqctx: Ctx) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::export(rqctx.context()).await?))
    }

    async fn configs_get_namespace(rqctx: Ctx, path: Path<NamespacePath>) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::namespace(rqctx.context(), &path.into_inner().namespace).await?))
    }

    async fn configs_verify_terminal_server_connection(
        rqctx: Ctx,
        body: FastJson<Shaped<TerminalServerConnection, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        let mut errors = Vec::new();
        let conn = app::dump_model(&Value::Object(body.into_inner()?.value), app::TERMINAL_SERVER_FIELDS, &[json!("body")], &mut errors);
        let conn = conn.ok_or_else(|| Detail::validation(errors))?;
        let text = |k: &str| conn.get(k).and_then(Value::as_str);
        let target = app::TerminalTarget { url: text("url").unwrap_or_default(), key: text("key"), auth_type: text("auth_type") };
        Ok(HttpResponseOk(app::verify_terminal_server(rqctx.context(), target).await?))
    }

    async fn configs_put_terminal_server_policy(rqctx: Ctx, body: FastJson<TerminalServerPolicyForm>) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        let f = body.into_inner()?;
        let target = app::TerminalTarget { url: &f.url, key: f.key.as_deref(), auth_type: f.auth_type.as_deref() };
        Ok(HttpResponseOk(app::terminal_policy(rqctx.context(), target, &f.policy_id, f.policy_data.clone(), false).await?))
    }

    async fn configs_put_terminal_server_lifecycle(rqctx: Ctx, body: FastJson<TerminalServerLifecycleForm>) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        let f = body.into_inner()?;
        let target = app::TerminalTarget { url: &f.url, key: f.key.as_deref(), auth_type: f.auth_type.as_deref() };
        Ok(HttpResponseOk(app::terminal_policy(rqctx.context(), target, &f.policy_id, f.lifecycle_data.clone(), true).await?))
    }

    async fn configs_refresh_terminal_server_terminals(rqctx: Ctx, body: FastJson<TerminalServerRefreshForm>) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        let f = body.into_inner()?;
        let target = app::TerminalTarget { url: &f.url, key: f.key.as_deref(), auth_type: f.auth_type.as_deref() };
        let refreshed = app::refresh_terminals(rqctx.context(), target, f.user_id.as_deref(), f.policy_id.as_deref(), f.only_idle, f.reset);
        Ok(HttpResponseOk(refreshed.await?))
    }
}
