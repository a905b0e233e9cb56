//! The Ollama proxy (`routers/ollama.py`): the backends' model lists, versions and loaded
//! models, completions and embeddings passed through to the backend that serves the model
//! (streams chunk by chunk as they arrive), and the admin's model management (pull, push,
//! create, copy, delete, unload). The connections' settings, the per-user model-list cache and
//! the upstream calls live in [`crate::app::connections`]; `/ollama/api/chat` and
//! `/ollama/v1/chat/completions` belong to the chat pipeline.

use rand::seq::SliceRandom;
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::app::connections::{
    self as conn, headers_for, ollama_runtime, py_repr, py_text, strip_prefix, upstream_json, upstream_stream, Proxied, Sent,
};
use crate::app::models;
use crate::app::session::{truthy, SessionUser};
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// One Ollama connection: its URL, its settings and its key.
pub struct Connection {
    pub idx: usize,
    pub url: String,
    pub config: Map<String, Value>,
    pub key: Option<String>,
}

/// `base_urls[idx]` with Python's indexing (`-1` is the last); past the end the reference fails
/// with an `IndexError` (500), here 404 `Connection not found`.
pub(crate) fn py_index(len: usize, idx: i64) -> Option<usize> {
    let pos = if idx < 0 { idx + len as i64 } else { idx };
    (pos >= 0 && pos < len as i64).then_some(pos as usize)
}

/// `scheme://netloc` of a URL (`get_api_key`'s legacy key for a connection's settings).
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("");
            match u.port() {
                Some(p) => format!("{}://{host}:{p}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            }
        }
        Err(_) => String::from("://"),
    }
}

/// `get_ollama_connection(idx)`: the URL, `resolve_api_config` and `get_api_key`.
pub fn connection(ctx: &ServerContext, idx: i64) -> Result<Connection> {
    let rt = ollama_runtime(ctx);
    let pos = py_index(rt.urls.len(), idx).ok_or_else(|| Error::not_found(messages::CONNECTION_NOT_FOUND))?;
    let url = rt.urls[pos].clone();
    let key_s = idx.to_string();
    let config = rt.configs.get(&key_s).or_else(|| rt.configs.get(&url)).and_then(Value::as_object).cloned().unwrap_or_default();
    let key = rt
        .configs
        .get(&key_s)
        .or_else(|| rt.configs.get(&origin(&url)))
        .and_then(|c| c.get("key"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Connection { idx: pos, url, config, key })
}

fn enabled(ctx: &ServerContext) -> bool {
    truthy(ctx.setting("ollama.enable").as_ref())
}

/// 503 `OLLAMA_API_DISABLED` when the Ollama API is off.
pub fn require_enabled(ctx: &ServerContext) -> Result<()> {
    if enabled(ctx) {
        Ok(())
    } else {
        Err(Error::status(503, messages::OLLAMA_API_DISABLED))
    }
}

fn prohibited_unless_admin(user: &SessionUser, url_idx: Option<i64>) -> Result<()> {
    if url_idx.is_some() && user.user.role != "admin" {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    Ok(())
}

/// How [`send_request`] treats the answer.
#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    /// Read whole, answered as JSON (`null` when it is not JSON).
    Json,
    /// Passed through as it arrives, with the provider's status and headers (the content type
    /// replaced when given).
    Stream(Option<&'static str>),
}

/// `send_request`: one call to an Ollama backend. A refused answer becomes the reference's
/// error: the provider's `error` with its status when it sends one, else `Server Connection
/// Error` with its status (and its `Retry-After`); no answer at all is 500 `Ollama: <aiohttp's
/// words>`, a timeout 500 `Server Connection Error`.
pub async fn send_request(
    ctx: &ServerContext,
    user: &SessionUser,
    method: Method,
    url: &str,
    payload: Option<Vec<u8>>,
    c: &Connection,
    mode: Mode,
) -> Result<Proxied> {
    let headers = headers_for(url, c.key.as_deref(), Some(&c.config), Some(user));
    let r = match conn::send_upstream(ctx, method, url, headers, payload).await {
        Sent::Answer(r) => r,
        Sent::Failed(text) => return Err(Error::status(500, format!("Ollama: {text}"))),
        Sent::TimedOut => return Err(Error::status(500, messages::SERVER_CONNECTION_ERROR)),
    };
    let status = r.status().as_u16();
    if !r.status().is_success() {
        let retry = conn::retry_headers(&r);
        let detail = match upstream_json(ctx, r).await {
            Ok(Value::Object(mut o)) if o.contains_key("error") => o.shift_remove("error").unwrap_or(Value::Null),
            _ => json!(messages::SERVER_CONNECTION_ERROR),
        };
        let mut d = webui_api::Detail::new(status, detail);
        for (k, v) in retry {
            d = d.with_header(k, v.to_str().unwrap_or_default());
        }
        return Err(Error::Answer(Box::new(d)));
    }
    match mode {
        Mode::Stream(ct) => Ok(Proxied::Stream(upstream_stream(ctx, r, ct))),
        Mode::Json => Ok(Proxied::Json(upstream_json(ctx, r).await.unwrap_or(Value::Null))),
    }
}

/// [`send_request`] for an answer read whole.
async fn send_json(ctx: &ServerContext, user: &SessionUser, method: Method, url: &str, payload: Option<Vec<u8>>, c: &Connection) -> Result<Value> {
    match send_request(ctx, user, method, url, payload, c, Mode::Json).await? {
        Proxied::Json(v) => Ok(v),
        _ => Ok(Value::Null),
    }
}

/// The backends of `model` from the registry, refreshing it (the cached lists) when it lacks
/// the model: 400 `MODEL_NOT_FOUND` when it still does.
async fn urls_of(ctx: &ServerContext, user: &SessionUser, model: &str, always_refresh: bool) -> Result<Vec<usize>> {
    if always_refresh || conn::ollama_registry_empty(ctx) || conn::ollama_model_urls(ctx, model).is_none() {
        conn::ollama_all_models(ctx, user).await;
    }
    conn::ollama_model_urls(ctx, model).ok_or_else(|| Error::bad_request(messages::model_not_found(model)))
}

/// `random.choice(urls)`.
fn choose(urls: &[usize]) -> usize {
    urls.choose(&mut rand::thread_rng()).copied().unwrap_or(0)
}

/// `validate_ollama_backend_idx`: a non-admin's `url_idx` must be one of the backends that
/// serve the model (403 otherwise).
async fn validate_idx(ctx: &ServerContext, user: &SessionUser, model: &str, url_idx: Option<i64>) -> Result<()> {
    let Some(idx) = url_idx else { return Ok(()) };
    if user.user.role == "admin" {
        return Ok(());
    }
    if conn::ollama_registry_empty(ctx) || conn::ollama_model_urls(ctx, model).is_none() {
        conn::ollama_all_models(ctx, user).await;
    }
    let urls = conn::ollama_model_urls(ctx, model).unwrap_or_default();
    if idx < 0 || !urls.contains(&(idx as usize)) {
        return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
    }
    Ok(())
}

/// `get_ollama_url`: the backend for `model` (a given `url_idx`, checked; else one of those
/// that serve it, the whole cache dropped and refetched when the registry lacks it).
async fn backend_for(ctx: &ServerContext, user: &SessionUser, model: &str, url_idx: Option<i64>) -> Result<Connection> {
    validate_idx(ctx, user, model, url_idx).await?;
    let idx = match url_idx {
        Some(i) => i,
        None => {
            if conn::ollama_registry_empty(ctx) || conn::ollama_model_urls(ctx, model).is_none() {
                conn::clear_ollama_cache(ctx);
                conn::ollama_all_models(ctx, user).await;
            }
            let urls = conn::ollama_model_urls(ctx, model).ok_or_else(|| Error::bad_request(messages::model_not_found(model)))?;
            choose(&urls) as i64
        }
    };
    connection(ctx, idx)
}

/// The proxies' `get_filtered_models`: a `user` (not an admin) keeps the models with a
/// workspace entry they own or may read, unless `BYPASS_MODEL_ACCESS_CONTROL`.
async fn filter_for_user(ctx: &ServerContext, user: &SessionUser, list: Vec<Value>, id_key: &str) -> Result<Vec<Value>> {
    if user.user.role != "user" || models::bypass_model_access(ctx) {
        return Ok(list);
    }
    let ids: Vec<String> = list.iter().filter_map(|m| m.get(id_key)).map(conn::py_str).collect();
    let readable = models::readable_ids(ctx, user, &ids).await?;
    Ok(list.into_iter().filter(|m| m.get(id_key).map(conn::py_str).is_some_and(|id| readable.contains(&id))).collect())
}

/// `GET /ollama/api/tags[/{url_idx}]`: the merged tags of every backend (cached per user), or
/// one backend's (admin).
pub async fn tags(ctx: &ServerContext, user: &SessionUser, url_idx: Option<i64>) -> Result<Value> {
    prohibited_unless_admin(user, url_idx)?;
    require_enabled(ctx)?;
    let mut result = match url_idx {
        None => conn::ollama_all_models(ctx, user).await,
        Some(idx) => {
            let c = connection(ctx, idx)?;
            send_json(ctx, user, Method::GET, &format!("{}/api/tags", c.url), None, &c).await?
        }
    };
    if user.user.role == "user" && !models::bypass_model_access(ctx) {
        let list = match result.get_mut("models").map(Value::take) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        let kept = filter_for_user(ctx, user, list, "model").await?;
        match result.as_object_mut() {
            Some(o) => {
                o.insert("models".into(), Value::Array(kept));
            }
            None => return Err(Error::status(500, messages::SERVER_CONNECTION_ERROR)),
        }
    }
    Ok(result)
}

/// `GET /ollama/api/ps` (admin).
pub async fn ps(ctx: &ServerContext, user: &SessionUser) -> Result<Value> {
    Ok(conn::ollama_ps(ctx, user).await)
}

/// `(major, minor, patch)` of a version string as the reference compares them
/// (`re.sub(r'^v|-.*', '', v).split('.')`); `None` when a part is not a number.
fn version_key(v: &str) -> Option<Vec<i64>> {
    let v = v.strip_prefix('v').unwrap_or(v);
    let v = v.split('-').next().unwrap_or("");
    v.split('.').map(|p| p.parse::<i64>().ok()).collect()
}

/// `GET /ollama/api/version[/{url_idx}]`: the lowest version of the enabled backends, or one
/// backend's answer (admin); `{"version": false}` when the Ollama API is off.
pub async fn version(ctx: &ServerContext, user: &SessionUser, url_idx: Option<i64>) -> Result<Value> {
    prohibited_unless_admin(user, url_idx)?;
    if !enabled(ctx) {
        return Ok(json!({"version": false}));
    }
    if let Some(idx) = url_idx {
        let c = connection(ctx, idx)?;
        return send_json(ctx, user, Method::GET, &format!("{}/api/version", c.url), None, &c).await;
    }
    let rt = ollama_runtime(ctx);
    let timeout = conn::model_list_timeout(ctx);
    let calls = rt.urls.iter().enumerate().filter_map(|(idx, url)| {
        let cfg = rt.configs.get(&idx.to_string()).or_else(|| rt.configs.get(url)).and_then(Value::as_object).cloned().unwrap_or_default();
        if !cfg.get("enable").map(|e| truthy(Some(e))).unwrap_or(true) {
            return None;
        }
        Some(async move {
            let key = cfg.get("key").and_then(Value::as_str);
            conn::get_json(&format!("{url}/api/version"), headers_for(url, key, Some(&cfg), Some(user)), timeout).await
        })
    });
    let valid: Vec<Value> = futures::future::join_all(calls).await.into_iter().flatten().collect();
    if valid.is_empty() {
        return Err(Error::status(500, messages::OLLAMA_NOT_FOUND));
    }
    let mut lowest: Option<(Vec<i64>, Value)> = None;
    for v in valid {
        let text = v.get("version").map(conn::py_str).unwrap_or_default();
        let key = version_key(&text).ok_or_else(|| Error::status(500, "Internal Server Error"))?;
        if lowest.as_ref().is_none_or(|(k, _)| key < *k) {
            lowest = Some((key, v.get("version").cloned().unwrap_or(Value::Null)));
        }
    }
    Ok(json!({"version": lowest.map(|(_, v)| v).unwrap_or(Value::Null)}))
}

/// `ModelNameForm.model_dump(exclude_none=True)` with `model` set to `model` or `name`.
fn model_name_payload(mut form: Map<String, Value>) -> (Map<String, Value>, Value) {
    form.retain(|_, v| !v.is_null());
    let model = form.get("model").or_else(|| form.get("name")).cloned().unwrap_or(Value::Null);
    form.insert("model".into(), model.clone());
    (form, model)
}

/// `POST /ollama/api/unload` (admin): `keep_alive: 0` to every backend that has the model.
pub async fn unload(ctx: &ServerContext, user: &SessionUser, mut form: Map<String, Value>) -> Result<Value> {
    form.retain(|_, v| !v.is_null());
    let model = form.get("model").or_else(|| form.get("name")).cloned().unwrap_or(Value::Null);
    if !truthy(Some(&model)) {
        return Err(Error::bad_request("Missing name of the model to unload."));
    }
    let mut model = conn::py_str(&model);
    conn::ollama_all_models(ctx, user).await;
    let urls = conn::ollama_model_urls(ctx, &model).ok_or_else(|| Error::bad_request(messages::model_not_found(&model)))?;
    let mut errors = Vec::new();
    for idx in urls {
        let c = connection(ctx, idx as i64)?;
        if let Some(p) = c.config.get("prefix_id").and_then(Value::as_str).filter(|p| !p.is_empty()) {
            // As the reference: the prefix is stripped from the name kept for the next backends too.
            model = strip_prefix(&model, Some(p));
        }
        let body = serde_json::to_vec(&json!({"model": model, "keep_alive": 0, "prompt": ""})).unwrap_or_default();
        if let Err(e) = send_json(ctx, user, Method::POST, &format!("{}/api/generate", c.url), Some(body), &c).await {
            let d = webui_api::Detail::from(e);
            let text = format!("{}: {}", d.status(), detail_text(&d));
            errors.push(format!("{{'url_idx': {idx}, 'success': False, 'error': {}}}", py_repr(&text)));
        }
    }
    conn::clear_ollama_models(ctx);
    if !errors.is_empty() {
        return Err(Error::status(500, format!("Failed to unload model on {} nodes: [{}]", errors.len(), errors.join(", "))));
    }
    Ok(json!({"status": true}))
}

/// `str(detail)` of an error's `detail`.
fn detail_text(d: &webui_api::Detail) -> String {
    let v = serde_json::to_value(d).ok().and_then(|mut v| v.get_mut("detail").map(Value::take)).unwrap_or(Value::Null);
    py_text(&v)
}

/// `POST /ollama/api/pull[/{url_idx}]` (admin): streamed from the backend (`insecure: true`).
pub async fn pull(ctx: &ServerContext, user: &SessionUser, form: Map<String, Value>, url_idx: i64) -> Result<Proxied> {
    require_enabled(ctx)?;
    let (mut payload, _) = model_name_payload(form);
    let c = connection(ctx, url_idx)?;
    payload.insert("insecure".into(), json!(true));
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    send_request(ctx, user, Method::POST, &format!("{}/api/pull", c.url), Some(body), &c, Mode::Stream(None)).await
}

/// The backend of a model named in an admin's form: `url_idx`, else the first that serves it.
async fn admin_backend(ctx: &ServerContext, user: &SessionUser, model: &str, url_idx: Option<i64>) -> Result<Connection> {
    let idx = match url_idx {
        Some(i) => i,
        None => {
            conn::ollama_all_models(ctx, user).await;
            let urls = conn::ollama_model_urls(ctx, model).ok_or_else(|| Error::bad_request(messages::model_not_found(model)))?;
            urls.first().copied().unwrap_or(0) as i64
        }
    };
    connection(ctx, idx)
}

/// `DELETE /ollama/api/push[/{url_idx}]` (admin): a `POST` to the backend, streamed.
pub async fn push(ctx: &ServerContext, user: &SessionUser, model: &str, payload: Vec<u8>, url_idx: Option<i64>) -> Result<Proxied> {
    require_enabled(ctx)?;
    let c = admin_backend(ctx, user, model, url_idx).await?;
    send_request(ctx, user, Method::POST, &format!("{}/api/push", c.url), Some(payload), &c, Mode::Stream(None)).await
}

/// `POST /ollama/api/create[/{url_idx}]` (admin): streamed.
pub async fn create(ctx: &ServerContext, user: &SessionUser, payload: Vec<u8>, url_idx: i64) -> Result<Proxied> {
    require_enabled(ctx)?;
    let c = connection(ctx, url_idx)?;
    send_request(ctx, user, Method::POST, &format!("{}/api/create", c.url), Some(payload), &c, Mode::Stream(None)).await
}

/// `POST /ollama/api/copy[/{url_idx}]` (admin): `true`.
pub async fn copy(ctx: &ServerContext, user: &SessionUser, source: &str, payload: Vec<u8>, url_idx: Option<i64>) -> Result<bool> {
    require_enabled(ctx)?;
    let c = admin_backend(ctx, user, source, url_idx).await?;
    send_json(ctx, user, Method::POST, &format!("{}/api/copy", c.url), Some(payload), &c).await?;
    Ok(true)
}

/// `DELETE /ollama/api/delete[/{url_idx}]` (admin): `true`.
pub async fn delete(ctx: &ServerContext, user: &SessionUser, form: Map<String, Value>, url_idx: Option<i64>) -> Result<bool> {
    require_enabled(ctx)?;
    let (payload, model) = model_name_payload(form);
    let c = admin_backend(ctx, user, &conn::py_str(&model), url_idx).await?;
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    send_json(ctx, user, Method::DELETE, &format!("{}/api/delete", c.url), Some(body), &c).await?;
    Ok(true)
}

/// `POST /ollama/api/show`: the model's details from one of its backends (model access
/// checked first).
pub async fn show(ctx: &ServerContext, user: &SessionUser, form: Map<String, Value>) -> Result<Value> {
    require_enabled(ctx)?;
    let (payload, model) = model_name_payload(form);
    let model = match model {
        Value::Null => None,
        m => Some(conn::py_str(&m)),
    };
    let info = match &model {
        Some(m) => models::model_info(ctx, m).await?,
        None => None,
    };
    models::check_access(ctx, user, info.as_ref(), models::bypass_model_access(ctx)).await?;
    let model = model.unwrap_or_else(|| "None".into());
    let urls = urls_of(ctx, user, &model, true).await?;
    let c = connection(ctx, choose(&urls) as i64)?;
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    send_json(ctx, user, Method::POST, &format!("{}/api/show", c.url), Some(body), &c).await
}

/// The common head of the embed, embeddings and generate routes: the Ollama API on, model
/// access (`BYPASS_MODEL_ACCESS_CONTROL` honoured), a given `url_idx` checked, the backend
/// chosen, and the model id without the backend's prefix.
async fn model_route(ctx: &ServerContext, user: &SessionUser, model: &str, url_idx: Option<i64>, always_refresh: bool) -> Result<(Connection, String)> {
    require_enabled(ctx)?;
    let info = models::model_info(ctx, model).await?;
    models::check_access(ctx, user, info.as_ref(), models::bypass_model_access(ctx)).await?;
    validate_idx(ctx, user, model, url_idx).await?;
    let idx = match url_idx {
        Some(i) => i,
        None => choose(&urls_of(ctx, user, model, always_refresh).await?) as i64,
    };
    let c = connection(ctx, idx)?;
    let stripped = strip_prefix(model, c.config.get("prefix_id").and_then(Value::as_str));
    Ok((c, stripped))
}

/// `POST /ollama/api/embed[/{url_idx}]`; `form` is `GenerateEmbedForm`'s dump, `model` first.
pub async fn embed(ctx: &ServerContext, user: &SessionUser, mut form: Map<String, Value>, url_idx: Option<i64>) -> Result<Value> {
    let model = form.get("model").map(conn::py_str).unwrap_or_default();
    let (c, stripped) = model_route(ctx, user, &model, url_idx, false).await?;
    form.insert("model".into(), json!(stripped));
    let body = serde_json::to_vec(&form).unwrap_or_default();
    send_json(ctx, user, Method::POST, &format!("{}/api/embed", c.url), Some(body), &c).await
}

/// `POST /ollama/api/embeddings[/{url_idx}]`.
pub async fn embeddings(ctx: &ServerContext, user: &SessionUser, mut form: Map<String, Value>, url_idx: Option<i64>) -> Result<Value> {
    let model = form.get("model").map(conn::py_str).unwrap_or_default();
    let (c, stripped) = model_route(ctx, user, &model, url_idx, false).await?;
    form.insert("model".into(), json!(stripped));
    let body = serde_json::to_vec(&form).unwrap_or_default();
    send_json(ctx, user, Method::POST, &format!("{}/api/embeddings", c.url), Some(body), &c).await
}

/// `POST /ollama/api/generate[/{url_idx}]`: the backend's answer passed through as it arrives
/// (NDJSON when streamed), whatever `stream` says.
pub async fn generate(ctx: &ServerContext, user: &SessionUser, mut form: Map<String, Value>, url_idx: Option<i64>) -> Result<Proxied> {
    let model = form.get("model").map(conn::py_str).unwrap_or_default();
    let (c, stripped) = model_route(ctx, user, &model, url_idx, true).await?;
    form.insert("model".into(), json!(stripped));
    let body = serde_json::to_vec(&form).unwrap_or_default();
    send_request(ctx, user, Method::POST, &format!("{}/api/generate", c.url), Some(body), &c, Mode::Stream(None)).await
}

/// The head of the OpenAI-compatible routes: a workspace preset's base model replaces the
/// model (`payload.model`), model access is checked (no bypass here, as the reference), and the
/// backend is chosen; the model id loses the backend's prefix.
async fn openai_route(ctx: &ServerContext, user: &SessionUser, payload: &mut Map<String, Value>, url_idx: Option<i64>) -> Result<Connection> {
    let model_id = payload.get("model").map(conn::py_str).unwrap_or_default();
    let info = models::model_info(ctx, &model_id).await?;
    if let Some(base) = info.as_ref().and_then(|(r, _)| r.base_model_id.clone()).filter(|b| !b.is_empty()) {
        payload.insert("model".into(), json!(base));
    }
    models::check_access(ctx, user, info.as_ref(), false).await?;
    let model = payload.get("model").map(conn::py_str).unwrap_or_default();
    let c = backend_for(ctx, user, &model, url_idx).await?;
    payload.insert("model".into(), json!(strip_prefix(&model, c.config.get("prefix_id").and_then(Value::as_str))));
    Ok(c)
}

/// `POST /ollama/v1/completions[/{url_idx}]`: `payload` is the validated form without its
/// `metadata`. Streamed through when `stream` is set.
// Not done: a preset's `params` (`apply_model_params_to_body_openai`) are not applied.
pub async fn v1_completions(ctx: &ServerContext, user: &SessionUser, mut payload: Map<String, Value>, url_idx: Option<i64>) -> Result<Proxied> {
    let c = openai_route(ctx, user, &mut payload, url_idx).await?;
    let stream = truthy(payload.get("stream"));
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    let mode = if stream { Mode::Stream(None) } else { Mode::Json };
    send_request(ctx, user, Method::POST, &format!("{}/v1/completions", c.url), Some(body), &c, mode).await
}

/// `POST /ollama/v1/embeddings[/{url_idx}]`.
pub async fn v1_embeddings(ctx: &ServerContext, user: &SessionUser, mut payload: Map<String, Value>, url_idx: Option<i64>) -> Result<Value> {
    require_enabled(ctx)?;
    let c = openai_route(ctx, user, &mut payload, url_idx).await?;
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    send_json(ctx, user, Method::POST, &format!("{}/v1/embeddings", c.url), Some(body), &c).await
}

/// `POST /ollama/v1/messages[/{url_idx}]` (Anthropic-compatible) and `/ollama/v1/responses`:
/// passed through, as server-sent events when `stream` is set.
pub async fn v1_passthrough(
    ctx: &ServerContext,
    user: &SessionUser,
    path: &str,
    mut payload: Map<String, Value>,
    url_idx: Option<i64>,
) -> Result<Proxied> {
    require_enabled(ctx)?;
    let model_id = payload.get("model").map(conn::py_str).unwrap_or_default();
    let info = models::model_info(ctx, &model_id).await?;
    if let Some(base) = info.as_ref().and_then(|(r, _)| r.base_model_id.clone()).filter(|b| !b.is_empty()) {
        payload.insert("model".into(), json!(base));
    }
    models::check_access(ctx, user, info.as_ref(), false).await?;
    let model = payload.get("model").map(conn::py_str).unwrap_or_default();
    let c = backend_for(ctx, user, &model, url_idx).await?;
    payload.insert("model".into(), json!(strip_prefix(&model, c.config.get("prefix_id").and_then(Value::as_str))));
    let stream = truthy(payload.get("stream"));
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    let mode = if stream { Mode::Stream(Some("text/event-stream")) } else { Mode::Json };
    send_request(ctx, user, Method::POST, &format!("{}{path}", c.url), Some(body), &c, mode).await
}

/// `GET /ollama/v1/models[/{url_idx}]`: the models in OpenAI's list format (`created` is now).
pub async fn v1_models(ctx: &ServerContext, user: &SessionUser, url_idx: Option<i64>) -> Result<Value> {
    prohibited_unless_admin(user, url_idx)?;
    let raw = match url_idx {
        None => conn::ollama_all_models(ctx, user).await,
        Some(idx) => {
            let c = connection(ctx, idx)?;
            send_json(ctx, user, Method::GET, &format!("{}/api/tags", c.url), None, &c).await?
        }
    };
    let now = chrono::Utc::now().timestamp();
    let list: Vec<Value> = raw
        .get("models")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| json!({"id": m.get("model").cloned().unwrap_or(Value::Null), "object": "model", "created": now, "owned_by": "openai"}))
        .collect();
    let list = filter_for_user(ctx, user, list, "id").await?;
    Ok(json!({"data": list, "object": "list"}))
}

// ---- model files (`/ollama/models/download`, `/ollama/models/upload`) ----

/// A progress stream of `data: ...` events (the reference's `StreamingResponse`); an `Err` piece
/// breaks the answer off as the reference's failing generator does.
pub type FileEvents = futures::stream::BoxStream<'static, std::result::Result<bytes::Bytes, std::io::Error>>;

/// `AIOHTTP_FILE_STREAM_CHUNK_SIZE` (1 MiB; a value that is not a positive number is 1 MiB too).
pub fn file_chunk_size(ctx: &ServerContext) -> usize {
    ctx.config.env_str("AIOHTTP_FILE_STREAM_CHUNK_SIZE").and_then(|s| s.trim().parse::<i64>().ok()).filter(|n| *n > 0).map_or(1 << 20, |n| n as usize)
}

/// `UPLOAD_DIR`: `DATA_DIR/uploads`.
pub fn upload_dir(ctx: &ServerContext) -> std::path::PathBuf {
    ctx.config.data_dir.join("uploads")
}

/// Python's `repr` of a float (`100.0`, `33.33`).
fn py_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// `round(part / whole * 100, 2)`.
fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    ((part as f64 / whole as f64) * 100.0 * 100.0).round() / 100.0
}

/// `os.path.splitext(name)[0]`.
fn stem(name: &str) -> String {
    let lead = name.len() - name.trim_start_matches('.').len();
    match name[lead..].rfind('.') {
        Some(i) => name[..lead + i].to_string(),
        None => name.to_string(),
    }
}

/// One `data: ...` event.
fn event(text: String) -> std::result::Result<bytes::Bytes, std::io::Error> {
    Ok(bytes::Bytes::from(format!("data: {text}\n\n")))
}

/// Events sent by a task into a small channel (memory: a few chunks' events, never the file).
fn channel_events() -> (tokio::sync::mpsc::Sender<std::result::Result<bytes::Bytes, std::io::Error>>, FileEvents) {
    use futures::StreamExt;
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    (tx, futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed())
}

/// The file at `path` pushed to the backend's `/api/blobs/sha256:<hash>` chunk by chunk, deleted,
/// then the model `<stem of name>` created from it (`/api/create`, not streamed): the last event.
async fn push_blob_and_create(
    user: SessionUser,
    c: &Connection,
    path: &std::path::Path,
    name: &str,
    hash: &str,
    size: u64,
    chunk: usize,
    blob_timeout: std::time::Duration,
) -> std::result::Result<String, String> {
    use futures::StreamExt;
    use tokio::io::AsyncReadExt;
    let blob_url = format!("{}/api/blobs/sha256:{hash}", c.url);
    let mut headers = headers_for(&blob_url, c.key.as_deref(), Some(&c.config), Some(&user));
    headers.insert(reqwest::header::CONTENT_TYPE, reqwest::header::HeaderValue::from_static("application/octet-stream"));
    headers.insert(reqwest::header::CONTENT_LENGTH, reqwest::header::HeaderValue::from(size));
    let file = tokio::fs::File::open(path).await.map_err(|e| e.to_string())?;
    let pieces = futures::stream::unfold(Some(file), move |f| async move {
        let mut f = f?;
        let mut buf = vec![0u8; chunk];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), Some(f)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
    .boxed();
    let client = conn::proxy_client();
    let sent = tokio::time::timeout(blob_timeout, client.send_streamed(Method::POST, &blob_url, headers, reqwest::Body::wrap_stream(pieces))).await;
    match sent {
        Ok(Ok(r)) if r.status().is_success() => {}
        Ok(Ok(_)) => return Err("Ollama: Could not create blob, Please try again.".into()),
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => return Err("Ollama: Could not create blob, Please try again.".into()),
    }
    let _ = tokio::fs::remove_file(path).await;
    let model = stem(name);
    let create_url = format!("{}/api/create", c.url);
    let headers = headers_for(&create_url, c.key.as_deref(), Some(&c.config), Some(&user));
    let mut files = Map::new();
    files.insert(name.to_string(), json!(format!("sha256:{hash}")));
    let payload = json!({"model": model, "files": files, "stream": false});
    let r = client.send(Method::POST, &create_url, headers, Some(payload.to_string().into_bytes())).await.map_err(|e| e.to_string())?;
    let ok = r.status().is_success();
    let text = r.text().await.unwrap_or_default();
    if !ok {
        return Err(format!("Failed to create model in Ollama. {text}"));
    }
    Ok(json!({"done": true, "blob": format!("sha256:{hash}"), "name": name, "model_created": model}).to_string())
}

/// `routers/ollama.py::download_model` (admin): a GGUF from Hugging Face or GitHub saved under
/// `UPLOAD_DIR` (resumed with `Range` when part of it is there), its progress streamed, then
/// pushed to the backend as a blob and made a model. `None` (the reference's `null`) when the
/// URL names no file.
pub async fn download(ctx: &ServerContext, user: &SessionUser, file_url: &str, url_idx: Option<i64>) -> Result<Option<FileEvents>> {
    const ALLOWED: [&str; 2] = ["https://huggingface.co/", "https://github.com/"];
    if !ALLOWED.iter().any(|h| file_url.starts_with(h)) {
        return Err(Error::bad_request("Invalid file_url. Only URLs from allowed hosts are permitted."));
    }
    let c = connection(ctx, url_idx.unwrap_or(0))?;
    let name = url::Url::parse(file_url).ok().and_then(|u| u.path().rsplit('/').next().map(str::to_string)).unwrap_or_default();
    if name.is_empty() {
        return Ok(None);
    }
    let dir = upload_dir(ctx);
    let chunk = file_chunk_size(ctx);
    let blob_timeout = std::time::Duration::from_secs(30);
    let (tx, events) = channel_events();
    let (user, file_url) = (user.clone(), file_url.to_string());
    tokio::spawn(async move {
        use futures::StreamExt;
        use sha2::Digest;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let fail = |e: String| Err(std::io::Error::other(e));
        let path = dir.join(&name);
        let _ = tokio::fs::create_dir_all(&dir).await;
        let mut current = tokio::fs::metadata(&path).await.map(|m| m.len()).unwrap_or(0);
        let mut headers = reqwest::header::HeaderMap::new();
        if current > 0 {
            if let Ok(v) = reqwest::header::HeaderValue::from_str(&format!("bytes={current}-")) {
                headers.insert(reqwest::header::RANGE, v);
            }
        }
        let got = tokio::time::timeout(std::time::Duration::from_secs(600), conn::proxy_client().send(Method::GET, &file_url, headers, None)).await;
        let r = match got {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return drop(tx.send(fail(e.to_string())).await),
            Err(_) => return drop(tx.send(fail("timed out".into())).await),
        };
        let total = r.content_length().unwrap_or(0) + current;
        let Ok(mut file) = tokio::fs::OpenOptions::new().create(true).append(true).open(&path).await else {
            return drop(tx.send(fail("could not open the download file".into())).await);
        };
        let mut pieces = r.bytes_stream();
        while let Some(piece) = pieces.next().await {
            let Ok(piece) = piece else { return drop(tx.send(fail("the download broke off".into())).await) };
            current += piece.len() as u64;
            if file.write_all(&piece).await.is_err() {
                return drop(tx.send(fail("could not write the download file".into())).await);
            }
            let progress = percent(current, if total > 0 { total } else { current });
            let e = format!("{{\"progress\": {}, \"completed\": {current}, \"total\": {total}}}", py_float(progress));
            if tx.send(event(e)).await.is_err() {
                return;
            }
        }
        let _ = file.flush().await;
        drop(file);
        // The whole file's hash (a resumed download includes what was there before).
        let mut hasher = sha2::Sha256::new();
        let mut size = 0u64;
        if let Ok(mut f) = tokio::fs::File::open(&path).await {
            let mut buf = vec![0u8; chunk];
            while let Ok(n) = f.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                size += n as u64;
                hasher.update(&buf[..n]);
            }
        }
        let hash = hex::encode(hasher.finalize());
        match push_blob_and_create(user, &c, &path, &name, &hash, size, chunk, blob_timeout).await {
            Ok(last) => drop(tx.send(event(last)).await),
            Err(e) => drop(tx.send(fail(e)).await),
        }
    });
    Ok(Some(events))
}

/// An uploaded model file saved under `UPLOAD_DIR`: where, its name, size and SHA-256.
pub struct SavedUpload {
    pub path: std::path::PathBuf,
    pub name: String,
    pub size: u64,
    pub hash: String,
}

/// `routers/ollama.py::upload_model` (admin), after the file is saved: its progress (read back
/// chunk by chunk), the blob pushed to the backend chunk by chunk, the model created; a failure
/// is the last event (`{"error": ...}`).
pub fn upload_events(ctx: &ServerContext, user: &SessionUser, c: Connection, saved: SavedUpload) -> FileEvents {
    let chunk = file_chunk_size(ctx);
    let blob_timeout = conn::client_timeout(ctx);
    let (tx, events) = channel_events();
    let user = user.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let SavedUpload { path, name, size, hash } = saved;
        let result: std::result::Result<String, String> = async {
            let mut f = tokio::fs::File::open(&path).await.map_err(|e| e.to_string())?;
            let mut buf = vec![0u8; chunk];
            let mut read = 0u64;
            loop {
                let n = f.read(&mut buf).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    break;
                }
                read += n as u64;
                let e = json!({"progress": percent(read, size), "total": size, "completed": read});
                if tx.send(event(e.to_string())).await.is_err() {
                    return Err(String::new());
                }
            }
            push_blob_and_create(user, &c, &path, &name, &hash, size, chunk, blob_timeout).await
        }
        .await;
        match result {
            Ok(last) => drop(tx.send(event(last)).await),
            Err(e) if e.is_empty() => {}
            Err(e) => drop(tx.send(event(json!({"error": e}).to_string())).await),
        }
    });
    events
}
