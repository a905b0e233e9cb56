//! The LLM connections (`routers/openai.py`, `routers/ollama.py`): their settings in the `config`
//! table, the `verify` routes, and the providers' model lists as `/api/models` merges them
//! (`get_all_models` of each router, with its per-user cache).
//!
//! Connections are configured by an admin and usually point at the local network (Ollama on
//! `localhost:11434`), so they are fetched with a client that allows local destinations; cloud
//! metadata addresses stay refused (the reference refuses nothing here).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::app::session::{truthy, SessionUser};
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;
use crate::net::outbound::{Outbound, Policy};
use crate::settings;

/// The `config` keys of the OpenAI connections, as `/openai/config` names them.
const OPENAI_CONFIG_KEYS: [(&str, &str); 4] = [
    ("ENABLE_OPENAI_API", "openai.enable"),
    ("OPENAI_API_BASE_URLS", "openai.api_base_urls"),
    ("OPENAI_API_KEYS", "openai.api_keys"),
    ("OPENAI_API_CONFIGS", "openai.api_configs"),
];

/// The `config` keys of the Ollama connections.
const OLLAMA_CONFIG_KEYS: [(&str, &str); 3] =
    [("ENABLE_OLLAMA_API", "ollama.enable"), ("OLLAMA_BASE_URLS", "ollama.base_urls"), ("OLLAMA_API_CONFIGS", "ollama.api_configs")];

/// `_UNSUPPORTED_OPENAI_MODEL_KEYWORDS`: skipped from `api.openai.com`'s list.
const UNSUPPORTED_OPENAI_MODEL_KEYWORDS: [&str; 6] = ["babbage", "dall-e", "davinci", "embedding", "tts", "whisper"];

/// The client for the connections (local destinations allowed, metadata addresses refused).
fn client() -> &'static Outbound {
    static CLIENT: OnceLock<Outbound> = OnceLock::new();
    CLIENT.get_or_init(|| Outbound::new(Policy { allow_local: true }))
}

/// `AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST` (alias `AIOHTTP_CLIENT_TIMEOUT_OPENAI_MODEL_LIST`),
/// default 10 s; empty: no limit.
pub fn model_list_timeout(ctx: &ServerContext) -> Option<Duration> {
    let raw = ctx
        .config
        .env_str("AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST")
        .or_else(|| ctx.config.env_str("AIOHTTP_CLIENT_TIMEOUT_OPENAI_MODEL_LIST"))
        .unwrap_or("10");
    if raw.is_empty() {
        return None;
    }
    Some(Duration::from_secs(raw.trim().parse::<u64>().unwrap_or(10)))
}

/// `MODELS_CACHE_TTL` (default 1 s; empty or 0: entries never expire, as aiocache).
fn models_cache_ttl(ctx: &ServerContext) -> Option<Duration> {
    match ctx.config.env_str("MODELS_CACHE_TTL").unwrap_or("1") {
        "" => None,
        v => match v.trim().parse::<u64>().unwrap_or(1) {
            0 => None,
            n => Some(Duration::from_secs(n)),
        },
    }
}

/// The settings of one kind of connection, as the runtime reads them.
pub(crate) struct Runtime {
    pub enable: bool,
    pub urls: Vec<String>,
    pub keys: Vec<String>,
    pub configs: Map<String, Value>,
}

pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().map(|s| s.as_str().map(str::to_string).unwrap_or_else(|| s.to_string())).collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn openai_runtime(ctx: &ServerContext) -> Runtime {
    let v = ctx.settings_many(&["openai.enable", "openai.api_base_urls", "openai.api_keys", "openai.api_configs"]);
    Runtime {
        enable: truthy(v.get("openai.enable")),
        urls: strings(v.get("openai.api_base_urls")),
        keys: strings(v.get("openai.api_keys")),
        configs: v.get("openai.api_configs").and_then(Value::as_object).cloned().unwrap_or_default(),
    }
}

pub(crate) fn ollama_runtime(ctx: &ServerContext) -> Runtime {
    let v = ctx.settings_many(&["ollama.enable", "ollama.base_urls", "ollama.api_configs"]);
    Runtime {
        enable: truthy(v.get("ollama.enable")),
        urls: strings(v.get("ollama.base_urls")),
        keys: Vec::new(),
        configs: v.get("ollama.api_configs").and_then(Value::as_object).cloned().unwrap_or_default(),
    }
}

/// `api_configs.get(str(idx), api_configs.get(url, {}))`, and whether either was there.
pub(crate) fn api_config<'a>(configs: &'a Map<String, Value>, idx: usize, url: &str) -> Option<&'a Map<String, Value>> {
    configs.get(&idx.to_string()).or_else(|| configs.get(url)).and_then(Value::as_object)
}

fn config_values(ctx: &ServerContext, keys: &[(&str, &str)]) -> Value {
    let stored = ctx.settings_many(&keys.iter().map(|k| k.1).collect::<Vec<_>>());
    let mut out = Map::new();
    for (field, key) in keys {
        if let Some(v) = stored.get(*key) {
            out.insert(field.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// `GET /openai/config`.
pub fn openai_config(ctx: &ServerContext) -> Value {
    config_values(ctx, &OPENAI_CONFIG_KEYS)
}

/// `GET /ollama/config`.
pub fn ollama_config(ctx: &ServerContext) -> Value {
    config_values(ctx, &OLLAMA_CONFIG_KEYS)
}

/// Keys padded with `""` or cut to the number of URLs.
pub(crate) fn fit_keys(mut keys: Vec<String>, n: usize) -> Vec<String> {
    keys.resize(n, String::new());
    keys
}

/// Only the configs of existing indexes (`"0"` .. `"n-1"`).
fn configs_for(configs: Map<String, Value>, n: usize) -> Map<String, Value> {
    configs.into_iter().filter(|(k, _)| (0..n).any(|i| i.to_string() == *k)).collect()
}

/// `POST /openai/config/update`: stores the connections, drops the cached model lists.
pub async fn openai_update(
    ctx: &ServerContext,
    enable: Option<bool>,
    urls: Vec<String>,
    keys: Vec<String>,
    configs: Map<String, Value>,
) -> Result<Value> {
    let keys = fit_keys(keys, urls.len());
    let configs = configs_for(configs, urls.len());
    settings::write(
        ctx,
        &[
            ("openai.enable", json!(enable)),
            ("openai.api_base_urls", json!(urls)),
            ("openai.api_keys", json!(keys)),
            ("openai.api_configs", Value::Object(configs.clone())),
        ],
    )
    .await?;
    clear_models_cache(ctx);
    Ok(json!({
        "ENABLE_OPENAI_API": enable,
        "OPENAI_API_BASE_URLS": urls,
        "OPENAI_API_KEYS": keys,
        "OPENAI_API_CONFIGS": configs,
    }))
}

/// `POST /ollama/config/update`.
pub async fn ollama_update(ctx: &ServerContext, enable: Option<bool>, urls: Vec<String>, configs: Map<String, Value>) -> Result<Value> {
    let configs = configs_for(configs, urls.len());
    settings::write(
        ctx,
        &[
            ("ollama.enable", json!(enable)),
            ("ollama.base_urls", json!(urls)),
            ("ollama.api_configs", Value::Object(configs.clone())),
        ],
    )
    .await?;
    clear_models_cache(ctx);
    Ok(json!({
        "ENABLE_OLLAMA_API": enable,
        "OLLAMA_BASE_URLS": urls,
        "OLLAMA_API_CONFIGS": configs,
    }))
}

/// `get_headers_and_cookies`: JSON content type, OpenRouter's attribution headers, the key as a
/// bearer token (per `auth_type`), then the connection's own headers with the user placeholders
/// filled in.
// Not done: `session`, `system_oauth` and Entra ID auth types send no token; cookies are not
// forwarded; `ENABLE_FORWARD_USER_INFO_HEADERS`.
pub(crate) fn headers_for(url: &str, key: Option<&str>, config: Option<&Map<String, Value>>, user: Option<&SessionUser>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if url.contains("openrouter.ai") {
        h.insert("http-referer", HeaderValue::from_static("https://openwebui.com/"));
        h.insert("x-title", HeaderValue::from_static("Open WebUI"));
    }
    let auth_type = config.and_then(|c| c.get("auth_type")).and_then(Value::as_str);
    let token = match auth_type {
        None | Some("bearer") => key.filter(|k| !k.is_empty()),
        _ => None,
    };
    if let Some(t) = token {
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer {t}")) {
            h.insert(reqwest::header::AUTHORIZATION, v);
        }
    }
    if let Some(Value::Object(custom)) = config.and_then(|c| c.get("headers")) {
        for (k, v) in custom {
            let mut s = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let Some(u) = user {
                for (tok, val) in [
                    ("{{USER_ID}}", u.user.id.as_str()),
                    ("{{USER_NAME}}", u.user.name.trim()),
                    ("{{USER_EMAIL}}", u.user.email.trim()),
                    ("{{USER_ROLE}}", u.user.role.as_str()),
                ] {
                    s = s.replace(tok, val);
                }
            }
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(&s)) {
                h.insert(n, v);
            }
        }
    }
    h
}

/// How an upstream call ended.
enum Fetched {
    /// The status and the body (its JSON when it is JSON).
    Answer(u16, Result<Value, String>),
    /// Connection refused, reset, bad URL, refused destination.
    Failed,
    /// The model-list timeout ran out.
    TimedOut,
}

async fn get(url: &str, headers: HeaderMap, timeout: Option<Duration>) -> Fetched {
    let call = async {
        match client().send(Method::GET, url, headers, None).await {
            Err(_) => Fetched::Failed,
            Ok(r) => {
                let status = r.status().as_u16();
                let json_type = r
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
                match r.text().await {
                    Err(_) => Fetched::Failed,
                    Ok(text) => Fetched::Answer(
                        status,
                        match serde_json::from_str::<Value>(&text) {
                            Ok(v) if json_type => Ok(v),
                            _ => Err(text),
                        },
                    ),
                }
            }
        }
    };
    match timeout {
        Some(t) => tokio::time::timeout(t, call).await.unwrap_or(Fetched::TimedOut),
        None => call.await,
    }
}

/// `send_get_request`: the JSON answer whatever its status, `None` on any failure.
pub(crate) async fn get_json(url: &str, headers: HeaderMap, timeout: Option<Duration>) -> Option<Value> {
    match get(url, headers, timeout).await {
        Fetched::Answer(_, Ok(v)) => Some(v),
        _ => None,
    }
}

/// A verify request's URL must be an absolute `http(s)` URL with a host. The reference tries
/// whatever it is given and answers 500 "Server Connection Error" when aiohttp cannot use it; a URL
/// that cannot name a server is the caller's mistake, so it answers 400 with the same words here.
/// (An unreachable server stays the reference's 500.)
fn usable_url(url: &str) -> Result<()> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        _ => Err(Error::status(400, messages::SERVER_CONNECTION_ERROR)),
    }
}

/// `POST /openai/verify`: the provider's `{url}/models`.
// Not done: Azure and Anthropic URLs; a non-200 answer is passed on as its status with the
// provider's body as `detail` (the reference passes the body itself).
pub async fn openai_verify(ctx: &ServerContext, user: &SessionUser, url: &str, key: &str, config: Option<Map<String, Value>>) -> Result<Value> {
    usable_url(url)?;
    let config = config.unwrap_or_default();
    let headers = headers_for(url, Some(key), Some(&config), Some(user));
    match get(&format!("{url}/models"), headers, model_list_timeout(ctx)).await {
        Fetched::Answer(200, Ok(v)) => Ok(v),
        Fetched::Answer(200, Err(text)) => Ok(Value::String(text)),
        Fetched::Answer(status, body) => Err(Error::Answer(Box::new(webui_api::Detail::new(
            status,
            body.unwrap_or_else(Value::String),
        )))),
        Fetched::Failed | Fetched::TimedOut => Err(Error::status(500, messages::SERVER_CONNECTION_ERROR)),
    }
}

/// `POST /ollama/verify`: the backend's `{url}/api/version`.
pub async fn ollama_verify(
    ctx: &ServerContext,
    user: &SessionUser,
    url: &str,
    key: Option<&str>,
    config: Option<Map<String, Value>>,
) -> Result<Value> {
    usable_url(url)?;
    let headers = headers_for(url, key, config.as_ref(), Some(user));
    match get(&format!("{url}/api/version"), headers, model_list_timeout(ctx)).await {
        Fetched::Answer(200, Ok(v)) => Ok(v),
        Fetched::Answer(200, Err(_)) => Err(Error::status(500, "Unexpected error: 200, message='Attempt to decode JSON with unexpected mimetype: ', url=''")),
        Fetched::Answer(status, Ok(v)) => {
            let detail = match v.get("error") {
                Some(e) => format!("External Error: {}", py_str(e)),
                None => format!("HTTP Error: {status}"),
            };
            Err(Error::status(500, format!("Unexpected error: {detail}")))
        }
        Fetched::Answer(_, Err(_)) | Fetched::Failed => Err(Error::status(500, messages::SERVER_CONNECTION_ERROR)),
        // asyncio's TimeoutError is no aiohttp.ClientError, and its text is empty.
        Fetched::TimedOut => Err(Error::status(500, "Unexpected error: ")),
    }
}

/// `str(value)` for the JSON values an upstream error carries.
pub(crate) fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---- the providers' model lists, cached per user as the reference's `@cached` ----

/// The process's model-list state (the reference's `app.state` and aiocache entries), per
/// server context.
#[derive(Default)]
struct State {
    /// `openai_all_models_{user}` / `ollama_all_models_{user}` → (stored at, value).
    cache: HashMap<String, (Instant, Value)>,
    /// `app.state.BASE_MODELS`: the last non-empty base list.
    base_models: Vec<Value>,
    /// `app.state.OPENAI_MODELS` and `OLLAMA_MODELS` (model id → model).
    openai_models: Map<String, Value>,
    ollama_models: Map<String, Value>,
    /// Whether `app.state.MODELS` is non-empty.
    models_set: bool,
}

fn with_state<R>(ctx: &ServerContext, f: impl FnOnce(&mut State) -> R) -> R {
    static STATES: OnceLock<Mutex<HashMap<usize, State>>> = OnceLock::new();
    let mut all = STATES.get_or_init(Default::default).lock().expect("models state");
    f(all.entry(ctx as *const ServerContext as usize).or_default())
}

/// `clear_models_cache`: both providers' cached lists, the base models and the registry.
pub fn clear_models_cache(ctx: &ServerContext) {
    with_state(ctx, |s| {
        s.cache.clear();
        s.base_models.clear();
        s.openai_models.clear();
        s.ollama_models.clear();
        s.models_set = false;
    });
}

/// `refresh`: drops the providers' cached lists and the base models.
pub fn clear_for_refresh(ctx: &ServerContext) {
    with_state(ctx, |s| {
        s.cache.clear();
        s.base_models.clear();
    });
}

pub fn base_models_state(ctx: &ServerContext) -> (Vec<Value>, bool) {
    with_state(ctx, |s| (s.base_models.clone(), s.models_set))
}

pub fn set_base_models(ctx: &ServerContext, models: &[Value]) {
    with_state(ctx, |s| s.base_models = models.to_vec());
}

pub fn set_models_registry(ctx: &ServerContext, nonempty: bool) {
    with_state(ctx, |s| s.models_set = nonempty);
}

async fn cached(ctx: &ServerContext, key: String, fetch: impl std::future::Future<Output = Value>) -> Value {
    let ttl = models_cache_ttl(ctx);
    let hit = with_state(ctx, |s| {
        s.cache.get(&key).filter(|(at, _)| ttl.is_none_or(|t| at.elapsed() < t)).map(|(_, v)| v.clone())
    });
    if let Some(v) = hit {
        return v;
    }
    let v = fetch.await;
    with_state(ctx, |s| s.cache.insert(key, (Instant::now(), v.clone())));
    v
}

/// `openai.get_all_models` (cached per user): `{"data": [merged models]}`.
pub async fn openai_all_models(ctx: &ServerContext, user: &SessionUser) -> Value {
    cached(ctx, format!("openai_all_models_{}", user.user.id), openai_fetch_all(ctx, user)).await
}

async fn openai_fetch_all(ctx: &ServerContext, user: &SessionUser) -> Value {
    let rt = openai_runtime(ctx);
    if !rt.enable {
        with_state(ctx, |s| s.openai_models.clear());
        return json!({"data": []});
    }
    let mut keys = rt.keys.clone();
    if keys.len() != rt.urls.len() {
        // `normalize_openai_api_keys` stores the fitted list (as the reference does on a read).
        keys = fit_keys(keys, rt.urls.len());
        let _ = settings::write(ctx, &[("openai.api_keys", json!(keys))]).await;
    }
    let timeout = model_list_timeout(ctx);
    let tasks = rt.urls.iter().enumerate().map(|(idx, url)| {
        let cfg = api_config(&rt.configs, idx, url);
        let key = keys[idx].clone();
        async move {
            match cfg {
                None => get_json(&format!("{url}/models"), bearer_only(&key), timeout).await,
                Some(cfg) if cfg.get("enable").map(|e| truthy(Some(e))).unwrap_or(true) => {
                    let ids = strings(cfg.get("model_ids"));
                    if ids.is_empty() {
                        get_json(&format!("{url}/models"), headers_for(url, Some(&key), Some(cfg), Some(user)), timeout).await
                    } else {
                        Some(json!({"object": "list", "data": ids.iter().map(|id| json!({
                            "id": id, "name": id, "owned_by": "openai", "openai": {"id": id}, "urlIdx": idx,
                        })).collect::<Vec<_>>()}))
                    }
                }
                Some(_) => None,
            }
        }
    });
    let mut responses = futures::future::join_all(tasks).await;
    for (idx, response) in responses.iter_mut().enumerate() {
        let Some(response) = response.as_mut().filter(|r| truthy(Some(r))) else { continue };
        let cfg = api_config(&rt.configs, idx, &rt.urls[idx]);
        let get = |k: &str| cfg.and_then(|c| c.get(k));
        let connection_type = get("connection_type").cloned().unwrap_or(json!("external"));
        let prefix_id = get("prefix_id").filter(|p| truthy(Some(p))).map(py_str);
        let tags = get("tags").filter(|t| truthy(Some(t))).cloned();
        let provider = get("provider").filter(|p| truthy(Some(p))).cloned();
        let list = match response {
            Value::Array(a) => Some(a),
            Value::Object(o) => o.get_mut("data").and_then(Value::as_array_mut),
            _ => None,
        };
        for model in list.into_iter().flatten() {
            let Some(model) = model.as_object_mut() else { continue };
            if model.get("name").is_some_and(Value::is_null) {
                model.shift_remove("name");
            }
            if let Some(p) = &prefix_id {
                let id = model.get("id").or_else(|| model.get("name")).map(py_str).unwrap_or_default();
                model.insert("id".into(), json!(format!("{p}.{id}")));
                if let Some(n) = model.get("name").filter(|n| truthy(Some(n))).map(py_str) {
                    model.insert("name".into(), json!(format!("{p}.{n}")));
                }
            }
            if let Some(t) = &tags {
                model.insert("tags".into(), t.clone());
            }
            if truthy(Some(&connection_type)) {
                model.insert("connection_type".into(), connection_type.clone());
            }
            if let Some(p) = &provider {
                model.insert("provider".into(), p.clone());
            }
        }
    }
    // get_merged_models
    let mut models = Map::new();
    for (idx, response) in responses.iter().enumerate() {
        let list = match response {
            Some(Value::Object(o)) => o.get("data").and_then(Value::as_array),
            Some(Value::Array(a)) => Some(a),
            _ => None,
        };
        let Some(list) = list else { continue };
        let base_url = &rt.urls[idx];
        let openai_host = reqwest::Url::parse(base_url).ok().and_then(|u| u.host_str().map(|h| h == "api.openai.com")).unwrap_or(false);
        for model in list {
            let Some(m) = model.as_object() else { continue };
            let id = m.get("id").filter(|v| truthy(Some(v))).or_else(|| m.get("name")).cloned();
            let Some(id) = id.filter(|v| truthy(Some(v))) else { continue };
            let id_s = py_str(&id);
            if openai_host && UNSUPPORTED_OPENAI_MODEL_KEYWORDS.iter().any(|k| id_s.contains(k)) {
                continue;
            }
            if models.contains_key(&id_s) {
                continue;
            }
            let mut merged = m.clone();
            merged.insert("name".into(), m.get("name").cloned().unwrap_or(id.clone()));
            merged.insert("owned_by".into(), json!("openai"));
            merged.insert("openai".into(), model.clone());
            merged.insert("connection_type".into(), m.get("connection_type").cloned().unwrap_or(json!("external")));
            merged.insert("provider".into(), m.get("provider").cloned().unwrap_or(json!("")));
            merged.insert("urlIdx".into(), json!(idx));
            let provider = m.get("provider").and_then(Value::as_str).unwrap_or("");
            let manual = api_config(&rt.configs, idx, base_url).and_then(|c| c.get("model_ids")).is_some_and(|ids| truthy(Some(ids)));
            if let Some(loaded) = provider_loaded_state(m, provider, manual) {
                merged.insert("loaded".into(), json!(loaded));
            }
            models.insert(id_s, Value::Object(merged));
        }
    }
    with_state(ctx, |s| s.openai_models = models.clone());
    json!({"data": models.into_iter().map(|(_, v)| v).collect::<Vec<_>>()})
}

/// `get_provider_model_loaded_state`: whether a llama.cpp or LM Studio server has the model
/// loaded, as its list says (`None`: unknown, and for other providers).
fn provider_loaded_state(model: &Map<String, Value>, provider: &str, manual_model_ids: bool) -> Option<bool> {
    if provider == "lmstudio" {
        if model.get("loaded_instances").is_some_and(|v| truthy(Some(v))) {
            return Some(true);
        }
        return match model.get("state").and_then(Value::as_str) {
            Some("loaded") => Some(true),
            Some("not-loaded") => Some(false),
            _ => None,
        };
    }
    if provider != "llama.cpp" {
        return None;
    }
    if let Some(Value::Object(status)) = model.get("status") {
        match status.get("value").and_then(Value::as_str) {
            Some("loaded" | "sleeping") => return Some(true),
            Some("loading" | "unloaded") => return Some(false),
            _ => {}
        }
    }
    if !manual_model_ids && !model.contains_key("status") {
        return Some(true);
    }
    None
}

/// The headers of `send_get_request` without a connection config: only the key.
fn bearer_only(key: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    if !key.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer {key}")) {
            h.insert(reqwest::header::AUTHORIZATION, v);
        }
    }
    h
}

/// `ollama.get_all_models` (cached per user): `{"models": [merged models]}`.
pub async fn ollama_all_models(ctx: &ServerContext, user: &SessionUser) -> Value {
    cached(ctx, format!("ollama_all_models_{}", user.user.id), ollama_fetch_all(ctx, user)).await
}

/// One GET per enabled Ollama backend (`path` under each URL); `None` for a disabled or skipped one.
async fn ollama_each(ctx: &ServerContext, rt: &Runtime, user: &SessionUser, path: &str, skip: &[usize]) -> Vec<Option<Value>> {
    let timeout = model_list_timeout(ctx);
    let tasks = rt.urls.iter().enumerate().map(|(idx, url)| {
        let cfg = api_config(&rt.configs, idx, url).filter(|c| !c.is_empty());
        let skipped = skip.contains(&idx);
        async move {
            if skipped {
                return None;
            }
            match cfg {
                None => get_json(&format!("{url}{path}"), headers_for(url, None, None, Some(user)), timeout).await,
                Some(cfg) if cfg.get("enable").map(|e| truthy(Some(e))).unwrap_or(true) => {
                    let key = cfg.get("key").and_then(Value::as_str);
                    get_json(&format!("{url}{path}"), headers_for(url, key, Some(cfg), Some(user)), timeout).await
                }
                Some(_) => None,
            }
        }
    });
    futures::future::join_all(tasks).await
}

/// `merge_models_lists`: one entry per `model`, with the indexes of the backends that have it.
fn merge_ollama(responses: &[Option<Value>]) -> Vec<Value> {
    let mut merged: Map<String, Value> = Map::new();
    for (idx, r) in responses.iter().enumerate() {
        let Some(list) = r.as_ref().and_then(|r| r.get("models")).and_then(Value::as_array) else { continue };
        for entry in list {
            let Some(id) = entry.get("model").filter(|m| !m.is_null()).map(py_str) else { continue };
            match merged.get_mut(&id).and_then(|m| m.get_mut("urls")).and_then(Value::as_array_mut) {
                Some(urls) => urls.push(json!(idx)),
                None => {
                    let mut e = entry.clone();
                    if let Some(o) = e.as_object_mut() {
                        o.insert("urls".into(), json!([idx]));
                    }
                    merged.insert(id, e);
                }
            }
        }
    }
    merged.into_iter().map(|(_, v)| v).collect()
}

async fn ollama_fetch_all(ctx: &ServerContext, user: &SessionUser) -> Value {
    let rt = ollama_runtime(ctx);
    if !rt.enable {
        with_state(ctx, |s| s.ollama_models.clear());
        return json!({"models": []});
    }
    let mut responses = ollama_each(ctx, &rt, user, "/api/tags", &[]).await;
    let mut failed = Vec::new();
    for (idx, response) in responses.iter_mut().enumerate() {
        let Some(response) = response.as_mut().filter(|r| truthy(Some(r))) else {
            failed.push(idx);
            continue;
        };
        let cfg = api_config(&rt.configs, idx, &rt.urls[idx]);
        let get = |k: &str| cfg.and_then(|c| c.get(k));
        let connection_type = get("connection_type").cloned().unwrap_or(json!("local"));
        let prefix_id = get("prefix_id").filter(|p| truthy(Some(p))).map(py_str);
        let tags = get("tags").filter(|t| truthy(Some(t))).cloned();
        let allowed = strings(get("model_ids"));
        let Some(list) = response.get_mut("models").and_then(Value::as_array_mut) else { continue };
        if !allowed.is_empty() {
            list.retain(|m| m.get("model").is_some_and(|id| allowed.contains(&py_str(id))));
        }
        for m in list.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(p) = &prefix_id {
                let id = m.get("model").map(py_str).unwrap_or_default();
                m.insert("model".into(), json!(format!("{p}.{id}")));
                if let Some(n) = m.get("name").filter(|n| truthy(Some(n))).map(py_str) {
                    m.insert("name".into(), json!(format!("{p}.{n}")));
                }
            }
            if let Some(t) = &tags {
                m.insert("tags".into(), t.clone());
            }
            if truthy(Some(&connection_type)) {
                m.insert("connection_type".into(), connection_type.clone());
            }
        }
    }
    let mut models = merge_ollama(&responses);
    // Loaded models (`/api/ps`) give `expires_at`, as epoch seconds.
    let expires: HashMap<String, i64> = ollama_loaded(ctx, &rt, user, &failed)
        .await
        .iter()
        .filter_map(|m| {
            let at = m.get("expires_at")?.as_str()?;
            let t = chrono::DateTime::parse_from_rfc3339(at).ok()?;
            Some((py_str(m.get("model")?), t.timestamp()))
        })
        .collect();
    for m in models.iter_mut().filter_map(Value::as_object_mut) {
        if let Some(at) = m.get("model").map(py_str).and_then(|id| expires.get(&id)) {
            m.insert("expires_at".into(), json!(at));
        }
    }
    let registry: Map<String, Value> = models.iter().filter_map(|m| Some((py_str(m.get("model")?), m.clone()))).collect();
    with_state(ctx, |s| s.ollama_models = registry);
    json!({"models": models})
}

/// `get_ollama_loaded_models`: every enabled backend's `/api/ps` (but those in `skip`), model
/// ids prefixed with their connection's `prefix_id`, merged as the tags are.
async fn ollama_loaded(ctx: &ServerContext, rt: &Runtime, user: &SessionUser, skip: &[usize]) -> Vec<Value> {
    let mut ps = ollama_each(ctx, rt, user, "/api/ps", skip).await;
    for (idx, r) in ps.iter_mut().enumerate() {
        let Some(p) = api_config(&rt.configs, idx, &rt.urls[idx]).and_then(|c| c.get("prefix_id")).filter(|p| truthy(Some(p))).map(py_str) else {
            continue;
        };
        for m in r.as_mut().and_then(|r| r.get_mut("models")).and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(o) = m.as_object_mut() {
                let id = o.get("model").map(py_str).unwrap_or_default();
                o.insert("model".into(), json!(format!("{p}.{id}")));
            }
        }
    }
    merge_ollama(&ps)
}

/// `GET /ollama/api/ps` (`routers/ollama.py::get_ollama_loaded_models`): `{"models": [...]}`,
/// empty when the Ollama API is off.
pub async fn ollama_ps(ctx: &ServerContext, user: &SessionUser) -> Value {
    let rt = ollama_runtime(ctx);
    if !rt.enable {
        return json!({"models": []});
    }
    json!({"models": ollama_loaded(ctx, &rt, user, &[]).await})
}

/// The Ollama backends that serve `model` (`app.state.OLLAMA_MODELS[model]['urls']`), `None`
/// when the registry does not list it.
pub fn ollama_model_urls(ctx: &ServerContext, model: &str) -> Option<Vec<usize>> {
    with_state(ctx, |s| {
        s.ollama_models
            .get(model)
            .map(|m| m.get("urls").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_u64).map(|u| u as usize).collect())
    })
}

/// Whether `app.state.OLLAMA_MODELS` is empty.
pub fn ollama_registry_empty(ctx: &ServerContext) -> bool {
    with_state(ctx, |s| s.ollama_models.is_empty())
}

/// The connection index of an OpenAI model (`app.state.OPENAI_MODELS[model]['urlIdx']`), and
/// whether the registry is empty.
pub fn openai_model_idx(ctx: &ServerContext, model: &str) -> (Option<usize>, bool) {
    with_state(ctx, |s| {
        (s.openai_models.get(model).and_then(|m| m.get("urlIdx")).and_then(Value::as_u64).map(|u| u as usize), s.openai_models.is_empty())
    })
}

/// `ollama.get_all_models.cache.clear()`: every user's cached Ollama list.
pub fn clear_ollama_cache(ctx: &ServerContext) {
    with_state(ctx, |s| s.cache.retain(|k, _| !k.starts_with("ollama_all_models")));
}

/// `ollama.clear_models_cache`: the cached Ollama lists, the base models and both registries
/// the reference empties there (`OLLAMA_MODELS`, `MODELS`).
pub fn clear_ollama_models(ctx: &ServerContext) {
    with_state(ctx, |s| {
        s.cache.retain(|k, _| !k.starts_with("ollama_all_models"));
        s.base_models.clear();
        s.ollama_models.clear();
        s.models_set = false;
    });
}

/// `openai.clear_models_cache`.
pub fn clear_openai_models(ctx: &ServerContext) {
    with_state(ctx, |s| {
        s.cache.retain(|k, _| !k.starts_with("openai_all_models"));
        s.base_models.clear();
        s.openai_models.clear();
        s.models_set = false;
    });
}

/// `get_all_base_models`: the function models (none here), then OpenAI's, then Ollama's.
pub async fn all_base_models(ctx: &ServerContext, user: &SessionUser) -> Vec<Value> {
    let v = ctx.settings_many(&["openai.enable", "ollama.enable"]);
    let openai = async {
        if truthy(v.get("openai.enable")) {
            match openai_all_models(ctx, user).await {
                Value::Object(mut o) => match o.shift_remove("data") {
                    Some(Value::Array(a)) => a,
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            }
        } else {
            Vec::new()
        }
    };
    let ollama = async {
        if truthy(v.get("ollama.enable")) {
            let all = ollama_all_models(ctx, user).await;
            all.get("models")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|m| {
                    json!({
                        "id": m.get("model").cloned().unwrap_or(Value::Null),
                        "name": m.get("name").cloned().unwrap_or(Value::Null),
                        "object": "model",
                        "created": 0,
                        "owned_by": "ollama",
                        "ollama": m,
                        "loaded": m.get("expires_at").is_some(),
                        "connection_type": m.get("connection_type").cloned().unwrap_or(json!("local")),
                        "tags": m.get("tags").cloned().unwrap_or(json!([])),
                    })
                })
                .collect()
        } else {
            Vec::new()
        }
    };
    let (mut openai, ollama) = futures::join!(openai, ollama);
    openai.extend(ollama);
    openai
}

/// Python's `repr` of a string (quotes chosen as Python chooses them).
pub(crate) fn py_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::from(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// `strip_provider_model_prefix`.
pub(crate) fn strip_prefix(model_id: &str, prefix: Option<&str>) -> String {
    match prefix.filter(|p| !p.is_empty()) {
        Some(p) => model_id.strip_prefix(&format!("{p}.")).unwrap_or(model_id).to_string(),
        None => model_id.to_string(),
    }
}

/// `main.py::unload_model` (admin): the provider that serves `model` (following presets'
/// `base_model_id`) unloads it: Ollama with `keep_alive: 0` on every backend that has it,
/// llama.cpp with its `/models/unload`; other providers cannot.
pub async fn unload(ctx: &ServerContext, user: &SessionUser, model: &str) -> Result<Value> {
    let (ollama_models, openai_models) = with_state(ctx, |s| (s.ollama_models.clone(), s.openai_models.clone()));
    let mut model_id = model.to_string();
    let mut seen = std::collections::HashSet::new();
    while !ollama_models.contains_key(&model_id) && !openai_models.contains_key(&model_id) && seen.insert(model_id.clone()) {
        let client = ctx.db.get().await?;
        let row = crate::db::models::model_by_id(&**client, &model_id).await?;
        match row.and_then(|(r, _)| r.base_model_id) {
            Some(base) => model_id = base,
            None => break,
        }
    }
    if let Some(m) = ollama_models.get(&model_id) {
        let rt = ollama_runtime(ctx);
        let mut errors = Vec::new();
        for idx in m.get("urls").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_u64) {
            let idx = idx as usize;
            let Some(url) = rt.urls.get(idx) else { continue };
            let cfg = api_config(&rt.configs, idx, url);
            let key = cfg.and_then(|c| c.get("key")).and_then(Value::as_str);
            let actual = strip_prefix(&model_id, cfg.and_then(|c| c.get("prefix_id")).and_then(Value::as_str));
            let body = serde_json::to_vec(&json!({"model": actual, "keep_alive": 0, "prompt": ""})).unwrap_or_default();
            let headers = headers_for(url, key, cfg, Some(user));
            let target = format!("{url}/api/generate");
            let call = client().send(Method::POST, &target, headers, Some(body));
            let outcome = match tokio::time::timeout(Duration::from_secs(30), call).await {
                Ok(Ok(r)) if r.status().is_success() => None,
                Ok(Ok(r)) => Some(r.text().await.unwrap_or_default()),
                Ok(Err(e)) => Some(e.to_string()),
                Err(_) => Some(String::new()),
            };
            if let Some(e) = outcome {
                errors.push(format!("{{'url_idx': {idx}, 'error': {}}}", py_repr(&e)));
            }
        }
        clear_models_cache(ctx);
        if !errors.is_empty() {
            return Err(Error::status(500, format!("Failed to unload model on {} node(s): [{}]", errors.len(), errors.join(", "))));
        }
        return Ok(json!({"status": true}));
    }
    if let Some(m) = openai_models.get(&model_id) {
        let rt = openai_runtime(ctx);
        let idx = m.get("urlIdx").and_then(Value::as_u64).unwrap_or(0) as usize;
        let empty = Map::new();
        let cfg = rt.configs.get(&idx.to_string()).and_then(Value::as_object).unwrap_or(&empty);
        let provider = cfg.get("provider").and_then(Value::as_str).unwrap_or("");
        if provider != "llama.cpp" {
            let name = if provider.is_empty() { "default" } else { provider };
            return Err(Error::bad_request(format!("Provider \"{name}\" does not support model unloading")));
        }
        let base_url = rt.urls.get(idx).cloned().unwrap_or_default();
        let key = rt.keys.get(idx).cloned().unwrap_or_default();
        let root = base_url.trim_end_matches('/');
        let root = root.strip_suffix("/v1").unwrap_or(root);
        let actual = strip_prefix(&model_id, cfg.get("prefix_id").and_then(Value::as_str));
        let body = serde_json::to_vec(&json!({"model": actual})).unwrap_or_default();
        let headers = headers_for(&base_url, Some(&key), Some(cfg), Some(user));
        let target = format!("{root}/models/unload");
        let call = client().send(Method::POST, &target, headers, Some(body));
        let result = match tokio::time::timeout(Duration::from_secs(30), call).await {
            Ok(Ok(r)) if r.status().is_success() => r.json::<Value>().await.map_err(|e| Error::status(500, e.to_string()))?,
            Ok(Ok(r)) => {
                let status = r.status().as_u16();
                return Err(Error::status(status, r.text().await.unwrap_or_default()));
            }
            Ok(Err(e)) => return Err(Error::status(500, e.to_string())),
            Err(_) => return Err(Error::status(500, "")),
        };
        clear_models_cache(ctx);
        return Ok(result);
    }
    Err(Error::not_found(format!("Model \"{model_id}\" not found")))
}

/// One error of pydantic's `str(ValidationError)`: its location, message and type, the input's
/// `repr` cut to 25 + 24 characters past 50, and the input's Python type name.
pub(crate) fn pydantic_error_line(loc: &str, t: &str, msg: &str, input: &Value) -> String {
    let mut repr = py_repr_value(input);
    if repr.chars().count() > 50 {
        let head: String = repr.chars().take(25).collect();
        let tail: String = repr.chars().rev().take(24).collect::<Vec<_>>().into_iter().rev().collect();
        repr = format!("{head}...{tail}");
    }
    let input_type = match input {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    };
    format!("{loc}\n  {msg} [type={t}, input_value={repr}, input_type={input_type}]\n    For further information visit https://errors.pydantic.dev/2.13/v/{t}")
}

/// `str(ValidationError)` of the model `title` from its errors' [`pydantic_error_line`]s.
pub(crate) fn pydantic_error_text(title: &str, lines: &[String]) -> String {
    let n = lines.len();
    let plural = if n == 1 { "error" } else { "errors" };
    format!("{n} validation {plural} for {title}\n{}", lines.join("\n"))
}

/// Python's `repr` of a JSON value as `json.loads` gives it (`{'a': 1, 'b': [True, None]}`):
/// what the reference's f-strings show of an upstream's error object.
pub(crate) fn py_repr_value(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
            _ => n.to_string(),
        },
        Value::String(s) => py_repr(s),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr_value).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => {
            format!("{{{}}}", o.iter().map(|(k, v)| format!("{}: {}", py_repr(k), py_repr_value(v))).collect::<Vec<_>>().join(", "))
        }
    }
}

/// Python's `str` of a JSON value: strings as they are, the rest as `repr`.
pub(crate) fn py_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr_value(other),
    }
}

// ---- the proxies' upstream calls (`send_request` of routers/ollama.py, the request parts of
// routers/openai.py), shared by `app::ollama` and `app::openai` ----

/// The client for proxied calls: no overall limit of its own, since a streamed answer lasts as
/// long as the provider writes; each call is bounded by [`client_timeout`] and, while
/// streaming, [`stream_idle_timeout`].
pub(crate) fn proxy_client() -> &'static Outbound {
    static CLIENT: OnceLock<Outbound> = OnceLock::new();
    CLIENT.get_or_init(|| Outbound::with_timeout(Policy { allow_local: true }, None))
}

/// `AIOHTTP_CLIENT_TIMEOUT` in seconds (the reference: unset or empty means no limit, an
/// unreadable value 300). Unset here means 300 s too, so that a provider that stalls cannot
/// hold a request open forever (the reference would wait).
pub fn client_timeout(ctx: &ServerContext) -> Duration {
    let secs = ctx.config.env_str("AIOHTTP_CLIENT_TIMEOUT").map(str::trim).filter(|v| !v.is_empty()).map(|v| v.parse::<u64>().unwrap_or(300));
    Duration::from_secs(secs.unwrap_or(300).max(1))
}

/// `AIOHTTP_CLIENT_STREAM_IDLE_TIMEOUT`: the longest pause between two chunks of a streamed
/// answer (the reference: none unless set). Unset here: [`client_timeout`].
pub fn stream_idle_timeout(ctx: &ServerContext) -> Duration {
    match ctx.config.env_str("AIOHTTP_CLIENT_STREAM_IDLE_TIMEOUT").map(str::trim).and_then(|v| v.parse::<i64>().ok()) {
        Some(n) if n > 0 => Duration::from_secs(n as u64),
        _ => client_timeout(ctx),
    }
}

/// How sending a proxied request ended.
pub enum Sent {
    /// The provider answered (any status); its body is still to be read.
    Answer(reqwest::Response),
    /// No answer: aiohttp's words for it (`Cannot connect to host ...`).
    Failed(String),
    /// [`client_timeout`] ran out before the answer's head (asyncio's `TimeoutError`, whose
    /// text is empty).
    TimedOut,
}

/// Sends one proxied request (`method url`, the headers, the body) and waits for the answer's
/// head, at most [`client_timeout`].
pub async fn send_upstream(ctx: &ServerContext, method: Method, url: &str, headers: HeaderMap, body: Option<Vec<u8>>) -> Sent {
    match tokio::time::timeout(client_timeout(ctx), proxy_client().send(method, url, headers, body)).await {
        Err(_) => Sent::TimedOut,
        Ok(Ok(r)) => Sent::Answer(r),
        Ok(Err(e)) => Sent::Failed(connect_error_text(url, &e)),
    }
}

/// aiohttp's `ClientConnectorError` text for a request that got no answer: `Cannot connect to
/// host 127.0.0.1:9 ssl:default [Connect call failed ('127.0.0.1', 9)]` (the bracket names the
/// refused address as Python does for an IPv4 host; other causes are named in our words).
fn connect_error_text(url: &str, e: &crate::net::outbound::OutboundError) -> String {
    let Ok(u) = reqwest::Url::parse(url) else { return e.to_string() };
    let host = u.host_str().unwrap_or("").to_string();
    let port = u.port_or_known_default().unwrap_or(0);
    let cause = match u.host() {
        Some(url::Host::Ipv4(ip)) => format!("Connect call failed ('{ip}', {port})"),
        _ => e.to_string(),
    };
    format!("Cannot connect to host {host}:{port} ssl:default [{cause}]")
}

/// Whether an answer is JSON as aiohttp's `response.json()` requires (`application/json` or
/// `application/...+json`); other answers make it raise.
pub fn is_json(r: &reqwest::Response) -> bool {
    let ct = r.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime.strip_prefix("application/").is_some_and(|sub| sub == "json" || sub.ends_with("+json"))
}

/// The body of an answer, read within [`client_timeout`]; `None` when it could not be read.
pub async fn read_upstream(ctx: &ServerContext, r: reqwest::Response) -> Option<bytes::Bytes> {
    tokio::time::timeout(client_timeout(ctx), r.bytes()).await.ok().and_then(|b| b.ok())
}

/// `await r.json()`: the body as JSON when the answer says JSON and parses; else the text
/// (`Err`), as the reference's fallbacks to `r.text()` read it.
pub async fn upstream_json(ctx: &ServerContext, r: reqwest::Response) -> std::result::Result<Value, String> {
    let json = is_json(&r);
    let body = read_upstream(ctx, r).await.unwrap_or_default();
    match serde_json::from_slice::<Value>(&body) {
        Ok(v) if json => Ok(v),
        _ => Err(String::from_utf8_lossy(&body).into_owned()),
    }
}

/// The `Retry-After` and `Retry-After-Ms` headers of an answer, which the reference passes on
/// with an error.
pub fn retry_headers(r: &reqwest::Response) -> Vec<(HeaderName, HeaderValue)> {
    r.headers()
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "retry-after" | "retry-after-ms"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// An answer passed through while it arrives: the provider's status, its headers (but those
/// that no longer hold once the body is re-framed: `_clean_proxy_headers`), and the body's
/// chunks as the provider sends them.
pub struct UpstreamStream {
    pub status: u16,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: futures::stream::BoxStream<'static, std::result::Result<bytes::Bytes, std::io::Error>>,
}

/// Headers the reference drops from a proxied answer (`_STRIP_PROXY_HEADERS`), and the
/// connection's own hop-by-hop headers.
const STRIPPED: [&str; 7] = ["content-encoding", "content-length", "transfer-encoding", "server", "date", "connection", "keep-alive"];

/// `StreamingResponse(stream_wrapper(r), status_code=r.status, headers=_clean_proxy_headers(r.headers))`,
/// with `content_type` replacing the provider's when given. A pause longer than
/// [`stream_idle_timeout`] between two chunks ends the stream (as a broken one).
pub fn upstream_stream(ctx: &ServerContext, r: reqwest::Response, content_type: Option<&str>) -> UpstreamStream {
    use futures::StreamExt;
    let status = r.status().as_u16();
    let mut headers: Vec<(HeaderName, HeaderValue)> =
        r.headers().iter().filter(|(k, _)| !STRIPPED.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.retain(|(k, _)| k != reqwest::header::CONTENT_TYPE);
        headers.push((reqwest::header::CONTENT_TYPE, ct));
    }
    let idle = stream_idle_timeout(ctx);
    let chunks = r.bytes_stream();
    let body = futures::stream::unfold(Some(chunks), move |state| async move {
        let mut chunks = state?;
        match tokio::time::timeout(idle, chunks.next()).await {
            Err(_) => Some((Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the provider stopped sending")), None)),
            Ok(None) => None,
            Ok(Some(Ok(b))) => Some((Ok(b), Some(chunks))),
            Ok(Some(Err(e))) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    })
    .boxed();
    UpstreamStream { status, headers, body }
}

/// What a proxy route answers: a JSON value (200), a streamed answer, or the provider's own
/// error passed on with its status (`JSONResponse`/`PlainTextResponse` of the OpenAI proxy).
pub enum Proxied {
    Json(Value),
    Stream(UpstreamStream),
    Passed { status: u16, body: std::result::Result<Value, String>, headers: Vec<(HeaderName, HeaderValue)> },
}

// ---- what chat completions need (`crate::app::completions`) ----

/// `app.state.OPENAI_MODELS[model_id]` as the last model-list fetch left it.
pub fn openai_model(ctx: &ServerContext, model_id: &str) -> Option<Value> {
    with_state(ctx, |s| s.openai_models.get(model_id).cloned())
}

/// `app.state.OLLAMA_MODELS[model_id]` (with its `urls`).
pub fn ollama_model(ctx: &ServerContext, model_id: &str) -> Option<Value> {
    with_state(ctx, |s| s.ollama_models.get(model_id).cloned())
}

/// `openai.enable` / `ollama.enable`.
pub fn enabled(ctx: &ServerContext) -> (bool, bool) {
    (openai_runtime(ctx).enable, ollama_runtime(ctx).enable)
}

/// `get_openai_connection(idx)`: the URL, the key and the connection's config.
pub fn openai_connection(ctx: &ServerContext, idx: usize) -> Option<(String, String, Map<String, Value>)> {
    let rt = openai_runtime(ctx);
    let url = rt.urls.get(idx)?.clone();
    let key = rt.keys.get(idx).cloned().unwrap_or_default();
    let config = api_config(&rt.configs, idx, &url).cloned().unwrap_or_default();
    Some((url, key, config))
}

/// An Ollama server: its URL, its key (`get_api_key`: the config's `key`, by index or by the
/// URL's origin) and its config (`resolve_api_config`).
pub fn ollama_connection(ctx: &ServerContext, idx: usize) -> Option<(String, Option<String>, Map<String, Value>)> {
    let rt = ollama_runtime(ctx);
    let url = rt.urls.get(idx)?.clone();
    let config = api_config(&rt.configs, idx, &url).cloned().unwrap_or_default();
    let origin = reqwest::Url::parse(&url).ok().map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let key = rt
        .configs
        .get(&idx.to_string())
        .or_else(|| rt.configs.get(&origin))
        .and_then(|c| c.get("key"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Some((url, key, config))
}

/// `get_headers_and_cookies` for a chat request to a connection.
pub fn request_headers(url: &str, key: Option<&str>, config: &Map<String, Value>, user: &SessionUser) -> HeaderMap {
    headers_for(url, key, Some(config), Some(user))
}

