//! Embeddings (`utils/embeddings.py::generate_embeddings`, behind `POST /api/embeddings` and
//! `/api/v1/embeddings`): the model looked up in `app.state.MODELS`, a regular user's access
//! checked as for a chat completion, then the model's connection: Ollama's `/api/embed` (the
//! answer converted to OpenAI's shape), else the OpenAI connection's `/embeddings`
//! (`routers/openai.py::embeddings`), whose answer is passed on as it is.
//!
//! Where the reference raises a bare `Exception('Model not found')` (an unknown model, or a
//! model the user may not use) and so answers 500, this answers 400 `Model not found`, as
//! [`super::chat_completion`] does. Not done: Azure connections (deployment URLs, `api-key`).

use serde_json::{json, Map, Value};

use super::upstream::{self, Answer};
use crate::app::session::SessionUser;
use crate::app::{connections, models, ollama};
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// `generate_embeddings(request, form_data, user)`.
pub async fn generate(ctx: &ServerContext, user: &SessionUser, form: Map<String, Value>) -> Result<Answer> {
    let model_id = form.get("model").and_then(Value::as_str).unwrap_or("").to_owned();
    let model = match form.get("model") {
        Some(Value::String(_)) => models::registered(ctx, user, &model_id).await?,
        // A non-string id is no key of the registry; the list is still fetched when empty.
        _ => models::listed(ctx, user).await.map(|_| None)?,
    };
    let Some(model) = model else {
        return Err(Error::bad_request("Model not found"));
    };
    let (bypass_model, _) = models::access_bypasses(ctx);
    if !bypass_model && user.user.role == "user" && !models::readable(ctx, user, Some(&model), &model_id).await? {
        return Err(Error::bad_request("Model not found"));
    }
    if model.get("owned_by").and_then(Value::as_str) == Some("ollama") {
        let payload = ollama_payload(&form)?;
        let answer = ollama::embed(ctx, user, payload, None).await?;
        return Ok(Answer::json(ollama_to_openai(answer)));
    }
    openai(ctx, user, form).await
}

/// `convert_embed_payload_openai_to_ollama`, then `GenerateEmbedForm(**payload)` dumped without
/// its nulls (`model`, `input`, `truncate`, `options`, `keep_alive`).
fn ollama_payload(form: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    out.insert("model".into(), form.get("model").cloned().unwrap_or(Value::Null));
    match form.get("input") {
        Some(Value::String(_)) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
        // pydantic's ValidationError, uncaught in the reference (500).
        _ => return Err(Error::bad_request("input: a string or a list of strings is required")),
    }
    out.insert("input".into(), form["input"].clone());
    for key in ["truncate", "options", "keep_alive"] {
        if let Some(v) = form.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), v.clone());
        }
    }
    Ok(out)
}

/// `convert_embedding_response_ollama_to_openai`.
fn ollama_to_openai(response: Value) -> Value {
    let Value::Object(r) = &response else { return response };
    if let Some(embeddings) = r.get("embeddings") {
        let data: Vec<Value> = match embeddings {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, e)| match e {
                    Value::Array(_) => Some(json!({"object": "embedding", "embedding": e, "index": i})),
                    Value::Object(o) => Some(json!({"object": "embedding", "embedding": o.get("embedding").cloned().unwrap_or(Value::Null),
                        "index": o.get("index").cloned().unwrap_or(json!(i))})),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        return json!({"object": "list", "data": data, "model": r.get("model").cloned().unwrap_or(Value::Null)});
    }
    if let Some(e) = r.get("embedding") {
        return json!({"object": "list", "data": [{"object": "embedding", "embedding": e, "index": 0}],
            "model": r.get("model").cloned().unwrap_or(Value::Null)});
    }
    response
}

/// `routers/openai.py::embeddings`: the connection serving the model (the first when none
/// lists it), the model id without the connection's prefix, the payload sent as it came.
async fn openai(ctx: &ServerContext, user: &SessionUser, mut form: Map<String, Value>) -> Result<Answer> {
    let model_id = form.get("model").map(upstream::py_str).unwrap_or_default();
    let mut model = connections::openai_model(ctx, &model_id);
    if model.is_none() {
        connections::openai_all_models(ctx, user).await;
        model = connections::openai_model(ctx, &model_id);
    }
    let idx = model.as_ref().and_then(|m| m.get("urlIdx")).and_then(Value::as_u64).unwrap_or(0) as usize;
    let (url, key, config) = connections::openai_connection(ctx, idx).ok_or_else(upstream::connection_error)?;
    let prefix = config.get("prefix_id").and_then(Value::as_str);
    form.insert("model".into(), Value::from(upstream::strip_prefix(&model_id, prefix)));
    let headers = connections::request_headers(&url, Some(&key), &config, user);
    let body = serde_json::to_vec(&form).map_err(Error::internal)?;
    let (resp, deadline) = upstream::send(ctx, &format!("{url}/embeddings"), headers, body).await.map_err(|_| upstream::connection_error())?;
    let status = resp.status().as_u16();
    let content_type = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if content_type.contains("text/event-stream") {
        let headers = upstream::clean_headers(resp.headers());
        let (_, idle) = upstream::timeouts(ctx);
        return Ok(Answer::Stream { status, headers, body: upstream::relay(resp, deadline, idle) });
    }
    let text = upstream::read_text(resp, deadline).await.map_err(|_| Error::status(status, messages::SERVER_CONNECTION_ERROR))?;
    let parsed = serde_json::from_str::<Value>(&text);
    if status >= 400 {
        return Ok(match parsed {
            Ok(v) if v.is_object() || v.is_array() => Answer::Json { status, body: v },
            _ => Answer::Text { status, body: text },
        });
    }
    Ok(Answer::json(parsed.unwrap_or(Value::String(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ollama_answers_become_openai_lists() {
        assert_eq!(
            ollama_to_openai(json!({"model": "m", "embeddings": [[0.5], [1.0]]})),
            json!({"object": "list", "data": [{"object": "embedding", "embedding": [0.5], "index": 0},
                {"object": "embedding", "embedding": [1.0], "index": 1}], "model": "m"})
        );
        assert_eq!(ollama_to_openai(json!({"embedding": [2]}))["data"][0]["index"], json!(0));
        let p = ollama_payload(&Map::from_iter([("input".into(), json!("x")), ("model".into(), json!("m")), ("keep_alive".into(), Value::Null)])).unwrap();
        assert_eq!(Value::Object(p), json!({"model": "m", "input": "x"}));
    }
}
