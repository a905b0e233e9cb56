//! The OpenAI-compatible proxy (`routers/openai.py`): the connections' model lists, the
//! model management of llama.cpp and LM Studio connections, text to speech through
//! `api.openai.com`, the Responses API, and the deprecated `/openai/{path}` passthrough (off unless `ENABLE_OPENAI_API_PASSTHROUGH`). The connections' settings, the cached lists and the
//! upstream calls live in [`crate::app::connections`]; `/openai/chat/completions` belongs to the
//! chat pipeline.

use reqwest::Method;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::app::connections::{self as conn, headers_for, openai_runtime, py_text, strip_prefix, upstream_json, upstream_stream, Proxied, Sent};
use crate::app::models;
use crate::app::ollama::py_index;
use crate::app::session::{permissions as perms, truthy, SessionUser};
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// One OpenAI connection.
pub struct Connection {
    pub idx: usize,
    pub url: String,
    pub key: String,
    pub config: Map<String, Value>,
}

/// `get_openai_connection(idx)` (Python indexing; past the end 404 `Connection not found`,
/// where the reference fails with an `IndexError`).
pub fn connection(ctx: &ServerContext, idx: i64) -> Result<Connection> {
    let rt = openai_runtime(ctx);
    let pos = py_index(rt.urls.len(), idx).ok_or_else(|| Error::not_found(messages::CONNECTION_NOT_FOUND))?;
    let key = py_index(rt.keys.len(), idx).map(|k| rt.keys[k].clone()).ok_or_else(|| Error::not_found(messages::CONNECTION_NOT_FOUND))?;
    let url = rt.urls[pos].clone();
    let config = rt.configs.get(&idx.to_string()).or_else(|| rt.configs.get(&url)).and_then(Value::as_object).cloned().unwrap_or_default();
    Ok(Connection { idx: pos, url, key, config })
}

fn enabled(ctx: &ServerContext) -> bool {
    truthy(ctx.setting("openai.enable").as_ref())
}

fn is_azure(c: &Map<String, Value>) -> bool {
    truthy(c.get("azure")) || c.get("provider").and_then(Value::as_str) == Some("azure")
}

/// `_UNSUPPORTED_OPENAI_MODEL_KEYWORDS`.
const UNSUPPORTED: [&str; 6] = ["babbage", "dall-e", "davinci", "embedding", "tts", "whisper"];

/// `GET /openai/models[/{url_idx}]`: the merged list of every connection (cached per user), or
/// one connection's `/models` (admin). A `user` sees the models they may read.
// Not done: Anthropic connections (`api.anthropic.com`) are asked `/models` like the others.
pub async fn models(ctx: &ServerContext, user: &SessionUser, url_idx: Option<i64>) -> Result<Value> {
    if url_idx.is_some() && user.user.role != "admin" {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    if !enabled(ctx) {
        return Err(Error::status(503, messages::OPENAI_API_DISABLED));
    }
    let mut result = match url_idx {
        None => conn::openai_all_models(ctx, user).await,
        Some(idx) => one_connection_models(ctx, user, idx).await?,
    };
    if user.user.role == "user" && !models::bypass_model_access(ctx) {
        let list = match result.get_mut("data").map(Value::take) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        let ids: Vec<String> = list.iter().filter_map(|m| m.get("id")).map(conn::py_str).collect();
        let readable = models::readable_ids(ctx, user, &ids).await?;
        let kept: Vec<Value> = list.into_iter().filter(|m| m.get("id").map(conn::py_str).is_some_and(|id| readable.contains(&id))).collect();
        if let Some(o) = result.as_object_mut() {
            o.insert("data".into(), Value::Array(kept));
        }
    }
    Ok(result)
}

async fn one_connection_models(ctx: &ServerContext, user: &SessionUser, idx: i64) -> Result<Value> {
    let c = connection(ctx, idx)?;
    if is_azure(&c.config) {
        let ids = c.config.get("model_ids").filter(|v| truthy(Some(v))).cloned().unwrap_or(json!([]));
        return Ok(json!({"data": ids, "object": "list"}));
    }
    let headers = headers_for(&c.url, Some(&c.key), Some(&c.config), Some(user));
    let call = async {
        let r = match conn::send_upstream(ctx, Method::GET, &format!("{}/models", c.url), headers, None).await {
            Sent::Answer(r) => r,
            Sent::Failed(_) => return Err(Error::status(500, messages::SERVER_CONNECTION_ERROR)),
            Sent::TimedOut => return Err(Error::status(500, "Unexpected error: ")),
        };
        let status = r.status().as_u16();
        let json_type = conn::is_json(&r);
        let body = conn::read_upstream(ctx, r).await.ok_or_else(|| Error::status(500, messages::SERVER_CONNECTION_ERROR))?;
        let parsed = serde_json::from_slice::<Value>(&body).ok().filter(|_| json_type);
        if status != 200 {
            let detail = match parsed.as_ref().and_then(|v| v.get("error")) {
                Some(e) => format!("External Error: {}", py_text(e)),
                None => format!("HTTP Error: {status}"),
            };
            return Err(Error::status(500, format!("Unexpected error: {detail}")));
        }
        // A 200 that is not JSON makes aiohttp raise a `ClientError`.
        let mut data = parsed.ok_or_else(|| Error::status(500, messages::SERVER_CONNECTION_ERROR))?;
        if c.url.contains("api.openai.com") {
            if let Some(list) = data.get_mut("data").and_then(Value::as_array_mut) {
                list.retain(|m| !m.get("id").and_then(Value::as_str).is_some_and(|id| UNSUPPORTED.iter().any(|k| id.contains(k))));
            }
        }
        Ok(data)
    };
    match conn::model_list_timeout(ctx) {
        Some(t) => tokio::time::timeout(t, call).await.unwrap_or_else(|_| Err(Error::status(500, "Unexpected error: "))),
        None => call.await,
    }
}

// ---- model management (llama.cpp, LM Studio) ----

/// A model-management operation of `MODEL_MANAGEMENT_ENDPOINTS`.
#[derive(Clone, Copy, PartialEq)]
pub enum Operation {
    List,
    Download,
    DownloadStatus,
    Delete,
    Load,
    Unload,
    Sse,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::List => "list",
            Operation::Download => "download",
            Operation::DownloadStatus => "download_status",
            Operation::Delete => "delete",
            Operation::Load => "load",
            Operation::Unload => "unload",
            Operation::Sse => "sse",
        }
    }

    fn path(self, provider: &str) -> Option<&'static str> {
        match (provider, self) {
            ("llama.cpp", Operation::List | Operation::Download | Operation::Delete) => Some("/models"),
            ("llama.cpp", Operation::Load) => Some("/models/load"),
            ("llama.cpp", Operation::Unload) => Some("/models/unload"),
            ("llama.cpp", Operation::Sse) => Some("/models/sse"),
            ("lmstudio", Operation::List) => Some("/api/v1/models"),
            ("lmstudio", Operation::Download) => Some("/api/v1/models/download"),
            ("lmstudio", Operation::DownloadStatus) => Some("/api/v1/models/download/status/{job_id}"),
            ("lmstudio", Operation::Load) => Some("/api/v1/models/load"),
            ("lmstudio", Operation::Unload) => Some("/api/v1/models/unload"),
            _ => None,
        }
    }
}

/// `get_model_management_connection`: the connection's root URL (without `/v1`, `/api/v1`,
/// `/api/v0`), key, settings and provider; 503 when the OpenAI API is off, 404 for an unknown
/// index, 400 for a provider without model management.
fn management_connection(ctx: &ServerContext, url_idx: i64) -> Result<(String, Connection, String)> {
    if !enabled(ctx) {
        return Err(Error::status(503, messages::OPENAI_API_DISABLED));
    }
    let c = connection(ctx, url_idx)?;
    let provider = c.config.get("provider").and_then(Value::as_str).unwrap_or("").to_string();
    if provider != "llama.cpp" && provider != "lmstudio" {
        let name = if provider.is_empty() { "default" } else { &provider };
        return Err(Error::bad_request(format!("Provider \"{name}\" does not support model management")));
    }
    let mut root = c.url.trim_end_matches('/').to_string();
    for suffix in ["/api/v1", "/api/v0", "/v1"] {
        if let Some(r) = root.strip_suffix(suffix) {
            root = r.to_string();
            break;
        }
    }
    Ok((root, c, provider))
}

/// The model id of a management form without the connection's prefix (checks the connection
/// first, as the reference does).
pub fn management_model(ctx: &ServerContext, url_idx: i64, model: &str) -> Result<String> {
    let (_, c, _) = management_connection(ctx, url_idx)?;
    Ok(strip_prefix(model, c.config.get("prefix_id").and_then(Value::as_str)))
}

/// `send_model_management_request`: the provider's answer as JSON (`{"success": true}` when it
/// is not JSON), its refusal with its status and body, or its event stream passed through.
pub async fn manage(
    ctx: &ServerContext,
    user: &SessionUser,
    url_idx: i64,
    op: Operation,
    method: Method,
    payload: Option<Map<String, Value>>,
    query: Option<(&str, &str)>,
    job_id: Option<&str>,
) -> Result<Proxied> {
    let (root, c, provider) = management_connection(ctx, url_idx)?;
    let path = op
        .path(&provider)
        .ok_or_else(|| Error::bad_request(format!("Provider \"{provider}\" does not support {}", op.name())))?
        .replace("{job_id}", job_id.unwrap_or(""));
    let payload = match (provider.as_str(), op, payload) {
        ("lmstudio", Operation::Unload, Some(p)) if !p.is_empty() => {
            let id = p.get("instance_id").filter(|v| truthy(Some(v))).or_else(|| p.get("model")).cloned().unwrap_or(Value::Null);
            Some(Map::from_iter([("instance_id".to_string(), id)]))
        }
        (_, _, p) => p,
    };
    let mut url = reqwest::Url::parse(&format!("{root}{path}")).map_err(|e| Error::status(500, e.to_string()))?;
    if let Some((k, v)) = query {
        url.query_pairs_mut().append_pair(k, v);
    }
    let headers = headers_for(&root, Some(&c.key), Some(&c.config), Some(user));
    // aiohttp's `json=None` sends no body.
    let body = payload.map(|p| serde_json::to_vec(&p).unwrap_or_default());
    let r = match conn::send_upstream(ctx, method, url.as_str(), headers, body).await {
        Sent::Answer(r) => r,
        Sent::Failed(text) => return Err(Error::status(500, text)),
        Sent::TimedOut => return Err(Error::status(500, "")),
    };
    let status = r.status().as_u16();
    if !r.status().is_success() {
        let detail = match upstream_json(ctx, r).await {
            Ok(v) => v,
            Err(text) => Value::String(text),
        };
        return Err(Error::Answer(Box::new(webui_api::Detail::new(status, detail))));
    }
    if op == Operation::Sse {
        return Ok(Proxied::Stream(upstream_stream(ctx, r, None)));
    }
    let out = upstream_json(ctx, r).await.unwrap_or_else(|_| json!({"success": true}));
    if matches!(op, Operation::Download | Operation::Load | Operation::Unload | Operation::Delete) {
        conn::clear_openai_models(ctx);
    }
    Ok(Proxied::Json(out))
}

// ---- text to speech ----

/// `POST /openai/audio/speech`: through the `https://api.openai.com/v1` connection only (401
/// `OPENAI_NOT_FOUND` without one); a non-admin needs the `chat.tts` permission (403). The audio
/// is kept in `DATA_DIR/cache/audio/speech/<sha256 of the body>.mp3` (with the body beside it,
/// as `.json`) and answered from there when asked again.
pub async fn speech(ctx: &ServerContext, user: &SessionUser, body: &[u8]) -> Result<Vec<u8>> {
    if user.user.role != "admin" {
        let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
        if !perms::has_permission(ctx, &user.user.id, "chat.tts", &defaults).await? {
            return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
        }
    }
    let rt = openai_runtime(ctx);
    let Some(idx) = rt.urls.iter().position(|u| u == "https://api.openai.com/v1") else {
        return Err(Error::unauthorized(messages::OPENAI_NOT_FOUND));
    };
    let name = hex::encode(Sha256::digest(body));
    let dir = ctx.config.data_dir.join("cache").join("audio").join("speech");
    let file = dir.join(format!("{name}.mp3"));
    if let Ok(audio) = tokio::fs::read(&file).await {
        return Ok(audio);
    }
    let c = connection(ctx, idx as i64)?;
    let headers = headers_for(&c.url, Some(&c.key), Some(&c.config), Some(user));
    let r = match conn::send_upstream(ctx, Method::POST, &format!("{}/audio/speech", c.url), headers, Some(body.to_vec())).await {
        Sent::Answer(r) => r,
        Sent::Failed(_) | Sent::TimedOut => return Err(Error::status(500, messages::SERVER_CONNECTION_ERROR)),
    };
    let status = r.status().as_u16();
    if !r.status().is_success() {
        let detail = match upstream_json(ctx, r).await {
            Ok(Value::Object(o)) if o.contains_key("error") => format!("External: {}", py_text(&o["error"])),
            _ => messages::SERVER_CONNECTION_ERROR.to_string(),
        };
        return Err(Error::status(status, detail));
    }
    let audio = conn::read_upstream(ctx, r).await.ok_or_else(|| Error::status(status, messages::SERVER_CONNECTION_ERROR))?;
    tokio::fs::create_dir_all(&dir).await.map_err(Error::internal)?;
    tokio::fs::write(&file, &audio).await.map_err(Error::internal)?;
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        let _ = tokio::fs::write(dir.join(format!("{name}.json")), v.to_string()).await;
    }
    Ok(audio.to_vec())
}

// ---- the deprecated passthrough ----

/// `ENABLE_OPENAI_API_PASSTHROUGH` (default false).
fn passthrough_enabled(ctx: &ServerContext) -> bool {
    ctx.config.env_str("ENABLE_OPENAI_API_PASSTHROUGH").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `/openai/{path}` (`GET`, `POST`, `PUT`, `DELETE`): 403 unless `ENABLE_OPENAI_API_PASSTHROUGH`;
/// then the request goes to the connection serving the body's `model` (the first otherwise),
/// streamed back when the provider answers server-sent events, its refusals passed on with
/// their status.
pub async fn proxy(ctx: &ServerContext, user: &SessionUser, method: Method, path: &str, query: Option<&str>, body: Vec<u8>) -> Result<Proxied> {
    if !passthrough_enabled(ctx) {
        return Err(Error::forbidden(messages::OPENAI_PASSTHROUGH_DISABLED));
    }
    let payload: Option<Value> = if body.is_empty() { None } else { serde_json::from_slice(&body).ok() };
    let model = payload.as_ref().and_then(|p| p.get("model")).filter(|m| truthy(Some(m))).map(conn::py_str);
    let idx = connection_of(ctx, user, model.as_deref()).await;
    let c = connection(ctx, idx as i64).map_err(|_| Error::status(500, "Internal Server Error"))?;
    let target = match azure_v1(&c) {
        Some(base) => format!("{base}/{path}{}", query.map(|q| format!("?{q}")).unwrap_or_default()),
        None => format!("{}/{path}", c.url),
    };
    pass_on(ctx, user, &c, method, &target, body).await
}

/// The connection serving `model` (`app.state.OPENAI_MODELS[model]['urlIdx']`, the lists
/// fetched again when the registry lacks it), else the first.
async fn connection_of(ctx: &ServerContext, user: &SessionUser, model: Option<&str>) -> usize {
    let Some(model) = model else { return 0 };
    let (mut found, empty) = conn::openai_model_idx(ctx, model);
    if empty || found.is_none() {
        conn::openai_all_models(ctx, user).await;
        found = conn::openai_model_idx(ctx, model).0;
    }
    found.unwrap_or(0)
}

/// An Azure connection in the v1 form (`.../openai/v1`): its URL without a trailing slash.
/// Not done: Azure's older deployment URLs (`/openai/deployments/{model}/...?api-version=`).
fn azure_v1(c: &Connection) -> Option<String> {
    (is_azure(&c.config) && c.url.contains("/openai/v1")).then(|| c.url.trim_end_matches('/').to_string())
}

/// Sends a request to a connection and answers as the reference's proxy and Responses routes
/// do: an event stream passed through as it arrives, a refusal passed on with its status (JSON
/// or text, with its `Retry-After`), else the answer's JSON (or text, as a JSON string); no
/// answer at all is 500 `Server Connection Error`.
async fn pass_on(ctx: &ServerContext, user: &SessionUser, c: &Connection, method: Method, target: &str, body: Vec<u8>) -> Result<Proxied> {
    let mut headers = headers_for(&c.url, Some(&c.key), Some(&c.config), Some(user));
    if is_azure(&c.config) {
        let auth_type = c.config.get("auth_type").and_then(Value::as_str).unwrap_or("bearer");
        if !matches!(auth_type, "azure_ad" | "microsoft_entra_id") {
            if let Ok(v) = reqwest::header::HeaderValue::from_str(&c.key) {
                headers.insert("api-key", v);
            }
        }
    }
    let r = match conn::send_upstream(ctx, method, target, headers, Some(body)).await {
        Sent::Answer(r) => r,
        Sent::Failed(_) | Sent::TimedOut => return Err(Error::status(500, messages::SERVER_CONNECTION_ERROR)),
    };
    let status = r.status().as_u16();
    let sse = r.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/event-stream"));
    if sse {
        return Ok(Proxied::Stream(upstream_stream(ctx, r, None)));
    }
    let retry = conn::retry_headers(&r);
    let data = upstream_json(ctx, r).await;
    if status >= 400 {
        return Ok(Proxied::Passed { status, body: data, headers: retry });
    }
    Ok(Proxied::Json(data.unwrap_or_else(Value::String)))
}

/// `POST /openai/responses`: the Responses API of the connection serving `model` (the first
/// otherwise), model access checked (`BYPASS_MODEL_ACCESS_CONTROL` honoured); `payload` is the
/// checked form's dump.
pub async fn responses(ctx: &ServerContext, user: &SessionUser, mut payload: Map<String, Value>) -> Result<Proxied> {
    let model = payload.get("model").map(conn::py_str).unwrap_or_default();
    let info = models::model_info(ctx, &model).await?;
    models::check_access(ctx, user, info.as_ref(), models::bypass_model_access(ctx)).await?;
    let idx = connection_of(ctx, user, Some(&model).filter(|m| !m.is_empty()).map(String::as_str)).await;
    let c = connection(ctx, idx as i64)?;
    payload.insert("model".into(), json!(strip_prefix(&model, c.config.get("prefix_id").and_then(Value::as_str))));
    let target = match azure_v1(&c) {
        Some(base) => format!("{base}/responses"),
        None => format!("{}/responses", c.url),
    };
    pass_on(ctx, user, &c, Method::POST, &target, serde_json::to_vec(&payload).unwrap_or_default()).await
}
