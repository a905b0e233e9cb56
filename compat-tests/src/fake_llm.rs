//! A small deterministic LLM upstream speaking OpenAI and Ollama, the one stand-in the harness
//! allows. Each backend gets its own instance, so that what a backend sent upstream can be read
//! back and compared (`GET /__fake/requests`).
//!
//! OpenAI: `GET /v1/models`, `POST /v1/chat/completions` and `POST /v1/completions` (streamed
//! as SSE or not), `POST /v1/embeddings`, `POST /v1/messages/count_tokens` (Anthropic's token
//! count). Ollama: `GET /api/tags`, `GET /api/version`, `GET /api/ps`, `POST /api/show`,
//! `POST /api/chat` and `POST /api/generate` (NDJSON unless `"stream": false`), `POST /api/embed`,
//! `POST /api/embeddings`, and model management: `POST /api/pull`, `/api/push`, `/api/create`
//! (NDJSON progress), `POST /api/copy`, `DELETE /api/delete`, `POST /api/blobs/sha256:<hash>` (201).
//!
//! Replies come from, in order: the script queue (`POST /__fake/script` with
//! `{"content": "...", "chunks": ["..."], "delay_ms": 20, "status": 500, "error": {...}}`), the
//! first rule of `fake-llm.toml` whose `contains` is in the last user message, the default reply
//! (`Fake reply to: <last user message>`). Streamed replies are split on spaces (or the given
//! chunks), with `chunk_delay_ms` between chunks. Ids count per instance and every timestamp is
//! fixed, so two instances fed the same requests answer the same bytes.
//! The embeddings routes (`/v1/embeddings`, `/api/embed`) take a queued script only when it
//! scripts a failure (`status` 400 or more).
//!
//! Control: `POST /__fake/script`, `GET /__fake/requests` (the requests received, oldest first;
//! `?sort=1` in a fixed order instead, for backends that send some of them concurrently;
//! `?method=POST` only those with that method),
//! `DELETE /__fake/requests`, `POST /__fake/reset`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};

const CREATED: i64 = 1_700_000_000;
const CREATED_AT: &str = "2023-11-14T22:13:20Z";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub contains: String,
    pub reply: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeConfig {
    #[serde(default)]
    pub chunk_delay_ms: u64,
    pub openai_models: Vec<String>,
    pub ollama_models: Vec<String>,
    #[serde(default = "default_dim")]
    pub embedding_dim: usize,
    #[serde(default = "default_reply")]
    pub default_reply: String,
    #[serde(rename = "rule", default)]
    pub rules: Vec<Rule>,
}

fn default_dim() -> usize {
    8
}
fn default_reply() -> String {
    "Fake reply to: {last}".into()
}

impl FakeConfig {
    pub fn load(path: &Path) -> Result<FakeConfig> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{}", path.display()))
    }

    /// `compat-tests/fake-llm.toml`.
    pub fn default_file() -> Result<FakeConfig> {
        FakeConfig::load(&crate::crate_dir().join("fake-llm.toml"))
    }
}

/// One scripted reply, consumed by the next completion request.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Script {
    #[serde(default)]
    pub content: String,
    pub chunks: Option<Vec<String>>,
    pub delay_ms: Option<u64>,
    pub status: Option<u16>,
    pub error: Option<Value>,
}

struct State {
    config: FakeConfig,
    counter: u64,
    queue: VecDeque<Script>,
    log: Vec<Value>,
}

/// A running instance; stops when dropped.
pub struct FakeLlm {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Body = BoxBody<Bytes, Infallible>;

fn full(status: u16, ct: &str, b: impl Into<Bytes>) -> Response<Body> {
    Response::builder().status(status).header("content-type", ct).body(Full::new(b.into()).boxed()).unwrap()
}

fn json_resp(status: u16, v: &Value) -> Response<Body> {
    full(status, "application/json", serde_json::to_vec(v).unwrap())
}

/// A body sent in pieces, `delay` apart.
fn streamed(ct: &str, pieces: Vec<Bytes>, delay: Duration) -> Response<Body> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, Infallible>>(4);
    tokio::spawn(async move {
        for (i, p) in pieces.into_iter().enumerate() {
            if i > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if tx.send(Ok(Frame::data(p))).await.is_err() {
                return;
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) });
    Response::builder()
        .status(200)
        .header("content-type", ct)
        .header("cache-control", "no-cache")
        .body(StreamBody::new(stream).boxed())
        .unwrap()
}

impl FakeLlm {
    /// Starts on 127.0.0.1 at `port` (0: any free port).
    pub async fn start(config: FakeConfig, port: u16) -> Result<FakeLlm> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await.context("binding the fake upstream")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State { config, counter: 0, queue: VecDeque::new(), log: Vec::new() }));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let state = state.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(handle(state, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(stream), svc).await;
                });
            }
        });
        Ok(FakeLlm { url: format!("http://{addr}"), task })
    }
}

fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| p.get("text").and_then(|t| t.as_str())).collect::<Vec<_>>().join(" "),
        _ => String::new(),
    }
}

/// The last user message and the word count of every message (the prompt "tokens").
fn prompt(body: &Value) -> (String, usize) {
    if let Some(msgs) = body.get("messages").and_then(|m| m.as_array()) {
        let n = msgs.iter().map(|m| words(&text_of(m.get("content").unwrap_or(&Value::Null)))).sum();
        let last = msgs
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(|r| r.as_str()) == Some("user"))
            .map(|m| text_of(m.get("content").unwrap_or(&Value::Null)))
            .unwrap_or_default();
        return (last, n);
    }
    let p = body.get("prompt").and_then(|p| p.as_str()).unwrap_or("").to_string();
    let n = words(&p);
    (p, n)
}

struct Reply {
    content: String,
    chunks: Vec<String>,
    delay: Duration,
    error: Option<(u16, Value)>,
    id: u64,
}

fn next_reply(state: &Mutex<State>, last: &str) -> Reply {
    let mut st = state.lock().unwrap();
    st.counter += 1;
    let id = st.counter;
    let delay = Duration::from_millis(st.config.chunk_delay_ms);
    if let Some(s) = st.queue.pop_front() {
        let chunks = s.chunks.clone().unwrap_or_else(|| split(&s.content));
        let content = if s.content.is_empty() { chunks.concat() } else { s.content.clone() };
        let error = s.status.filter(|c| *c >= 400).map(|c| (c, s.error.clone().unwrap_or_else(|| json!({"error": {"message": "scripted failure", "type": "fake", "code": c}}))));
        return Reply { content, chunks, delay: s.delay_ms.map(Duration::from_millis).unwrap_or(delay), error, id };
    }
    let content = match st.config.rules.iter().find(|r| last.contains(&r.contains)) {
        Some(r) => r.reply.clone(),
        None => st.config.default_reply.replace("{last}", last),
    };
    Reply { chunks: split(&content), content, delay, error: None, id }
}

/// A queued script's failure, for the routes that answer no text (embeddings): the script is
/// used only when it scripts a failure.
fn scripted_failure(state: &Mutex<State>) -> Option<(u16, Value)> {
    let mut st = state.lock().unwrap();
    let code = st.queue.front()?.status.filter(|c| *c >= 400)?;
    let s = st.queue.pop_front()?;
    Some((code, s.error.unwrap_or_else(|| json!({"error": {"message": "scripted failure", "type": "fake", "code": code}}))))
}

/// Splits on spaces, keeping each space with the word before it.
fn split(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        cur.push(c);
        if c == ' ' {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A deterministic vector for `text` (FNV-1a bytes scaled to [-1, 1], four decimals).
fn embedding(text: &str, dim: usize) -> Vec<f64> {
    (0..dim)
        .map(|i| {
            let mut h: u64 = 0xcbf29ce484222325 ^ (i as u64);
            for b in text.bytes() {
                h = (h ^ b as u64).wrapping_mul(0x100000001b3);
            }
            let x = (h % 20001) as f64 / 10000.0 - 1.0;
            (x * 10000.0).round() / 10000.0
        })
        .collect()
}

fn inputs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().map(|x| x.as_str().map(|s| s.to_string()).unwrap_or_else(|| x.to_string())).collect(),
        _ => vec![],
    }
}

fn ollama_details() -> Value {
    json!({"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"], "parameter_size": "1B", "quantization_level": "Q4_0"})
}

async fn handle(state: Arc<Mutex<State>>, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(|q| q.to_string());
    let auth = req.headers().get("authorization").map(|v| String::from_utf8_lossy(v.as_bytes()).to_string());
    let ct = req.headers().get("content-type").map(|v| String::from_utf8_lossy(v.as_bytes()).to_string());
    let raw = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);

    if !path.starts_with("/__fake/") {
        let mut entry = serde_json::Map::new();
        entry.insert("method".into(), json!(method));
        entry.insert("path".into(), json!(path));
        if let Some(q) = &query {
            entry.insert("query".into(), json!(q));
        }
        entry.insert("authorization".into(), json!(auth));
        entry.insert("content_type".into(), json!(ct));
        entry.insert("body".into(), if body.is_null() && !raw.is_empty() { json!(String::from_utf8_lossy(&raw)) } else { body.clone() });
        state.lock().unwrap().log.push(Value::Object(entry));
    }

    let (dim, openai_models, ollama_models) = {
        let st = state.lock().unwrap();
        (st.config.embedding_dim, st.config.openai_models.clone(), st.config.ollama_models.clone())
    };
    let model = body.get("model").and_then(|m| m.as_str()).unwrap_or("").to_string();

    match (method.as_str(), path.as_str()) {
        ("POST", "/__fake/script") => match serde_json::from_slice::<Script>(&raw) {
            Ok(s) => {
                let mut st = state.lock().unwrap();
                st.queue.push_back(s);
                json_resp(200, &json!({"queued": st.queue.len()}))
            }
            Err(e) => json_resp(400, &json!({"error": e.to_string()})),
        },
        ("GET", "/__fake/requests") => {
            let mut log = state.lock().unwrap().log.clone();
            // ?sort=1: in a fixed order (a backend may send requests concurrently, e.g. the
            // reference fetches every connection's model list at once, so arrival order is racy).
            if query.as_deref().is_some_and(|q| q.split('&').any(|kv| kv == "sort=1" || kv == "sort=true")) {
                log.sort_by_cached_key(|e| e.to_string());
            }
            // ?method=POST: only requests with that method (the model-list GETs a backend sends when its
            // cache expires depend on how long the steps took, so a scenario comparing the completions
            // leaves them out).
            if let Some(m) = query.as_deref().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("method="))) {
                log.retain(|e| e.get("method").and_then(Value::as_str) == Some(m));
            }
            json_resp(200, &Value::Array(log))
        }
        ("DELETE", "/__fake/requests") => {
            state.lock().unwrap().log.clear();
            json_resp(200, &json!({"cleared": true}))
        }
        ("POST", "/__fake/reset") => {
            let mut st = state.lock().unwrap();
            st.log.clear();
            st.queue.clear();
            st.counter = 0;
            json_resp(200, &json!({"reset": true}))
        }

        // OpenAI
        ("GET", "/v1/models") => json_resp(
            200,
            &json!({"object": "list", "data": openai_models.iter().map(|m| json!({"id": m, "object": "model", "created": CREATED, "owned_by": "fake"})).collect::<Vec<_>>()}),
        ),
        ("POST", "/v1/chat/completions") => {
            let (last, p) = prompt(&body);
            let r = next_reply(&state, &last);
            if let Some((code, err)) = r.error {
                return json_resp(code, &err);
            }
            let id = format!("chatcmpl-fake-{}", r.id);
            let k = words(&r.content);
            let usage = json!({"prompt_tokens": p, "completion_tokens": k, "total_tokens": p + k});
            if body.get("stream").and_then(|s| s.as_bool()).unwrap_or(false) {
                let chunk = |delta: Value, finish: Value| {
                    json!({"id": id, "object": "chat.completion.chunk", "created": CREATED, "model": model,
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
                };
                let mut events = vec![chunk(json!({"role": "assistant", "content": ""}), Value::Null)];
                events.extend(r.chunks.iter().map(|c| chunk(json!({"content": c}), Value::Null)));
                events.push(chunk(json!({}), json!("stop")));
                if body.pointer("/stream_options/include_usage").and_then(|v| v.as_bool()).unwrap_or(false) {
                    events.push(json!({"id": id, "object": "chat.completion.chunk", "created": CREATED, "model": model, "choices": [], "usage": usage}));
                }
                let mut pieces: Vec<Bytes> = events.iter().map(|e| Bytes::from(format!("data: {}\n\n", serde_json::to_string(e).unwrap()))).collect();
                pieces.push(Bytes::from_static(b"data: [DONE]\n\n"));
                streamed("text/event-stream; charset=utf-8", pieces, r.delay)
            } else {
                json_resp(
                    200,
                    &json!({"id": id, "object": "chat.completion", "created": CREATED, "model": model,
                            "choices": [{"index": 0, "message": {"role": "assistant", "content": r.content}, "finish_reason": "stop"}],
                            "usage": usage}),
                )
            }
        }
        ("POST", "/v1/completions") => {
            let (last, p) = prompt(&body);
            let r = next_reply(&state, &last);
            if let Some((code, err)) = r.error {
                return json_resp(code, &err);
            }
            let id = format!("cmpl-fake-{}", r.id);
            let k = words(&r.content);
            if body.get("stream").and_then(|s| s.as_bool()).unwrap_or(false) {
                let chunk = |text: &str, finish: Value| {
                    json!({"id": id, "object": "text_completion", "created": CREATED, "model": model,
                           "choices": [{"text": text, "index": 0, "finish_reason": finish}]})
                };
                let mut events: Vec<Value> = r.chunks.iter().map(|c| chunk(c, Value::Null)).collect();
                events.push(chunk("", json!("stop")));
                let mut pieces: Vec<Bytes> = events.iter().map(|e| Bytes::from(format!("data: {}\n\n", serde_json::to_string(e).unwrap()))).collect();
                pieces.push(Bytes::from_static(b"data: [DONE]\n\n"));
                streamed("text/event-stream", pieces, r.delay)
            } else {
                json_resp(
                    200,
                    &json!({"id": id, "object": "text_completion", "created": CREATED, "model": model,
                            "choices": [{"text": r.content, "index": 0, "finish_reason": "stop"}],
                            "usage": {"prompt_tokens": p, "completion_tokens": k, "total_tokens": p + k}}),
                )
            }
        }
        ("POST", "/v1/embeddings") => {
            if let Some((code, err)) = scripted_failure(&state) {
                return json_resp(code, &err);
            }
            let ins = inputs(body.get("input"));
            let n: usize = ins.iter().map(|s| words(s)).sum();
            json_resp(
                200,
                &json!({"object": "list",
                        "data": ins.iter().enumerate().map(|(i, s)| json!({"object": "embedding", "index": i, "embedding": embedding(s, dim)})).collect::<Vec<_>>(),
                        "model": model, "usage": {"prompt_tokens": n, "total_tokens": n}}),
            )
        }

        ("POST", "/v1/messages/count_tokens") => {
            // Anthropic's token count, as an OpenAI-compatible connection may offer it: the
            // words of the system prompt and of every message.
            let mut n = body.get("system").map(|s| words(&text_of(s))).unwrap_or(0);
            for m in body.get("messages").and_then(Value::as_array).into_iter().flatten() {
                n += words(&text_of(m.get("content").unwrap_or(&Value::Null)));
            }
            json_resp(200, &json!({"input_tokens": n}))
        }

        // Ollama
        ("GET", "/api/version") => json_resp(200, &json!({"version": "0.9.0"})),
        ("GET", "/api/tags") => json_resp(
            200,
            &json!({"models": ollama_models.iter().enumerate().map(|(i, m)| json!({
                "name": m, "model": m, "modified_at": CREATED_AT, "size": 1_000_000 + i,
                "digest": format!("{:064x}", i + 1), "details": ollama_details()})).collect::<Vec<_>>()}),
        ),
        ("GET", "/api/ps") => json_resp(200, &json!({"models": []})),
        ("POST", "/api/show") => {
            let name = body.get("model").or_else(|| body.get("name")).and_then(|m| m.as_str()).unwrap_or("");
            if !ollama_models.iter().any(|m| m == name) {
                return json_resp(404, &json!({"error": format!("model '{name}' not found")}));
            }
            json_resp(
                200,
                &json!({"modelfile": format!("FROM {name}\n"), "parameters": "", "template": "{{ .Prompt }}",
                        "details": ollama_details(), "model_info": {"general.architecture": "llama"},
                        "capabilities": ["completion"], "modified_at": CREATED_AT}),
            )
        }
        ("POST", "/api/chat") | ("POST", "/api/generate") => {
            let chat = path == "/api/chat";
            let (last, p) = prompt(&body);
            let r = next_reply(&state, &last);
            if let Some((code, err)) = r.error {
                return json_resp(code, &err);
            }
            let k = words(&r.content);
            let piece = |text: &str, done: bool| -> Value {
                let mut o = serde_json::Map::new();
                o.insert("model".into(), json!(model));
                o.insert("created_at".into(), json!(CREATED_AT));
                if chat {
                    o.insert("message".into(), json!({"role": "assistant", "content": text}));
                } else {
                    o.insert("response".into(), json!(text));
                }
                if done {
                    o.insert("done_reason".into(), json!("stop"));
                }
                o.insert("done".into(), json!(done));
                if done {
                    for (k2, v) in [("total_duration", 1_000_000), ("load_duration", 1000), ("prompt_eval_count", p as i64), ("prompt_eval_duration", 1000), ("eval_count", k as i64), ("eval_duration", 1000)] {
                        o.insert(k2.into(), json!(v));
                    }
                }
                Value::Object(o)
            };
            if body.get("stream").and_then(|s| s.as_bool()).unwrap_or(true) {
                let mut pieces: Vec<Bytes> = r.chunks.iter().map(|c| Bytes::from(format!("{}\n", piece(c, false)))).collect();
                pieces.push(Bytes::from(format!("{}\n", piece("", true))));
                streamed("application/x-ndjson", pieces, r.delay)
            } else {
                json_resp(200, &piece(&r.content, true))
            }
        }
        // Model management: progress as NDJSON (`"stream": false`: the last line alone), copy
        // and delete answer an empty 200, unknown models 404 with Ollama's error.
        ("POST", "/api/pull") | ("POST", "/api/push") | ("POST", "/api/create") => {
            let name = body.get("model").or_else(|| body.get("name")).and_then(|m| m.as_str()).unwrap_or("").to_string();
            if path == "/api/push" && !ollama_models.iter().any(|m| *m == name) {
                return json_resp(404, &json!({"error": format!("model '{name}' not found")}));
            }
            let what = &path[5..];
            let lines = [json!({"status": format!("{what} {name}")}), json!({"status": "writing manifest"}), json!({"status": "success"})];
            if body.get("stream").and_then(|s| s.as_bool()).unwrap_or(true) {
                let delay = Duration::from_millis(state.lock().unwrap().config.chunk_delay_ms);
                streamed("application/x-ndjson", lines.iter().map(|l| Bytes::from(format!("{l}\n"))).collect(), delay)
            } else {
                json_resp(200, &lines[2])
            }
        }
        // A blob pushed by a model upload or download: 201 (recorded as every request is).
        ("POST", p) if p.starts_with("/api/blobs/sha256:") => full(201, "text/plain; charset=utf-8", Bytes::new()),
        ("POST", "/api/copy") | ("DELETE", "/api/delete") => {
            let name = body.get("source").or_else(|| body.get("model")).and_then(|m| m.as_str()).unwrap_or("");
            if !ollama_models.iter().any(|m| m == name) {
                return json_resp(404, &json!({"error": format!("model '{name}' not found")}));
            }
            full(200, "text/plain; charset=utf-8", Bytes::new())
        }
        ("POST", "/api/embed") => {
            if let Some((code, err)) = scripted_failure(&state) {
                return json_resp(code, &err);
            }
            let ins = inputs(body.get("input"));
            let n: usize = ins.iter().map(|s| words(s)).sum();
            json_resp(
                200,
                &json!({"model": model, "embeddings": ins.iter().map(|s| embedding(s, dim)).collect::<Vec<_>>(),
                        "total_duration": 1_000_000, "load_duration": 1000, "prompt_eval_count": n}),
            )
        }
        ("POST", "/api/embeddings") => {
            let p = body.get("prompt").and_then(|p| p.as_str()).unwrap_or("");
            json_resp(200, &json!({"embedding": embedding(p, dim)}))
        }
        _ => json_resp(404, &json!({"error": format!("the fake upstream has no {method} {path}")})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> FakeConfig {
        FakeConfig::default_file().unwrap()
    }

    #[tokio::test]
    async fn two_instances_answer_the_same_bytes() {
        let a = FakeLlm::start(config(), 0).await.unwrap();
        let b = FakeLlm::start(config(), 0).await.unwrap();
        let c = reqwest::Client::new();
        let reqs: Vec<(&str, &str, Value)> = vec![
            ("GET", "/v1/models", Value::Null),
            ("POST", "/v1/chat/completions", json!({"model": "fake-gpt", "messages": [{"role": "user", "content": "hello there"}]})),
            ("POST", "/v1/chat/completions", json!({"model": "fake-gpt", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "say something"}]})),
            ("POST", "/v1/embeddings", json!({"model": "fake-embed", "input": ["a", "b c"]})),
            ("GET", "/api/tags", Value::Null),
            ("GET", "/api/version", Value::Null),
            ("GET", "/api/ps", Value::Null),
            ("POST", "/api/show", json!({"model": "fake-llama:latest"})),
            ("POST", "/api/chat", json!({"model": "fake-llama:latest", "messages": [{"role": "user", "content": "hi"}]})),
            ("POST", "/api/generate", json!({"model": "fake-llama:latest", "prompt": "why", "stream": false})),
            ("POST", "/api/embed", json!({"model": "fake-llama:latest", "input": "x"})),
            ("POST", "/api/embeddings", json!({"model": "fake-llama:latest", "prompt": "x"})),
            ("GET", "/__fake/requests", Value::Null),
        ];
        for (m, p, body) in reqs {
            let mut out = vec![];
            for inst in [&a, &b] {
                let mut r = c.request(m.parse().unwrap(), format!("{}{p}", inst.url));
                if !body.is_null() {
                    r = r.header("content-type", "application/json").body(body.to_string());
                }
                let resp = r.send().await.unwrap();
                let status = resp.status().as_u16();
                let ct = resp.headers().get("content-type").unwrap().to_str().unwrap().to_string();
                out.push((status, ct, resp.bytes().await.unwrap()));
            }
            assert_eq!(out[0], out[1], "{m} {p}");
            assert_eq!(out[0].0, 200, "{m} {p}: {:?}", out[0].2);
            if p == "/v1/chat/completions" && body.get("stream").is_some() {
                let text = String::from_utf8(out[0].2.to_vec()).unwrap();
                assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
                assert!(text.contains("\"usage\""), "{text}");
            }
            if p == "/api/chat" {
                let text = String::from_utf8(out[0].2.to_vec()).unwrap();
                assert!(text.lines().last().unwrap().contains("\"done\":true"), "{text}");
            }
        }
    }

    #[tokio::test]
    async fn scripts_rules_and_chunk_timing() {
        let mut cfg = config();
        cfg.chunk_delay_ms = 0;
        let f = FakeLlm::start(cfg, 0).await.unwrap();
        let c = reqwest::Client::new();
        c.post(format!("{}/__fake/script", f.url)).body(r#"{"chunks": ["one ", "two"], "delay_ms": 150}"#).send().await.unwrap();
        let t0 = std::time::Instant::now();
        let text = c
            .post(format!("{}/api/chat", f.url))
            .body(r#"{"model":"fake-llama:latest","messages":[{"role":"user","content":"x"}]}"#)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(t0.elapsed() >= Duration::from_millis(300), "two delays of 150 ms");
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.contains("\"content\":\"one \""));
        c.post(format!("{}/__fake/script", f.url)).body(r#"{"status": 503}"#).send().await.unwrap();
        let r = c.post(format!("{}/v1/chat/completions", f.url)).body(r#"{"model":"m","messages":[]}"#).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 503);
        let log: Value = c.get(format!("{}/__fake/requests", f.url)).send().await.unwrap().json().await.unwrap();
        assert_eq!(log.as_array().unwrap().len(), 2);
    }
}
