//! Ollama's shapes: the `/api/chat` form as the reference validates and dumps it
//! (`GenerateChatCompletionForm`), model settings into `options` (`utils/payload.py`), and the
//! conversions the web UI's path makes (`convert_payload_openai_to_ollama`,
//! `utils/response.py::convert_streaming_response_ollama_to_openai`).

use bytes::Bytes;
use futures::StreamExt;
use serde_json::{json, Map, Value};

use super::upstream::ByteStream;
use crate::error::{Error, Result};

/// `GenerateChatCompletionForm(**form_data)`: `model` a string and `messages` a list of
/// messages with a `role` and a `content` or `tool_calls`. The reference answers 400 with
/// pydantic's text; the words here are shorter.
pub fn validate_chat_form(form: &Map<String, Value>) -> Result<()> {
    if !form.get("model").is_some_and(Value::is_string) {
        return Err(Error::bad_request("1 validation error for GenerateChatCompletionForm\nmodel\n  Field required"));
    }
    let Some(Value::Array(messages)) = form.get("messages") else {
        return Err(Error::bad_request("1 validation error for GenerateChatCompletionForm\nmessages\n  Field required"));
    };
    for m in messages {
        let ok = m.get("role").is_some_and(Value::is_string)
            && (m.get("content").is_some_and(|c| !c.is_null()) || m.get("tool_calls").is_some_and(|c| !c.is_null()));
        if !ok {
            return Err(Error::bad_request("1 validation error for GenerateChatCompletionForm\nmessages\n  Invalid message"));
        }
    }
    Ok(())
}

/// `OpenAIChatCompletionForm(**form_data)`: `model` and `messages` with roles.
pub fn validate_openai_form(form: &Map<String, Value>) -> Result<()> {
    let ok = form.get("model").is_some_and(Value::is_string)
        && form.get("messages").and_then(Value::as_array).is_some_and(|m| m.iter().all(|m| m.get("role").is_some_and(Value::is_string)));
    if ok {
        Ok(())
    } else {
        Err(Error::bad_request("1 validation error for OpenAIChatCompletionForm"))
    }
}

/// `model_dump(exclude_none=True)` of the form: the declared fields first (`stream` defaults to
/// true), then the others in their order; each message likewise (`role, content, tool_calls,
/// images`, then its others).
pub fn chat_form_dump(form: Map<String, Value>) -> Map<String, Value> {
    const FIELDS: [&str; 8] = ["model", "messages", "format", "options", "template", "stream", "keep_alive", "tools"];
    let mut out = Map::new();
    for f in FIELDS {
        match form.get(f) {
            Some(Value::Null) => {}
            Some(v) if f == "messages" => {
                let ms = v.as_array().map(|a| a.iter().map(message_dump).collect()).unwrap_or_default();
                out.insert(f.into(), Value::Array(ms));
            }
            Some(v) => {
                out.insert(f.into(), v.clone());
            }
            None if f == "stream" => {
                out.insert(f.into(), Value::Bool(true));
            }
            None => {}
        }
    }
    for (k, v) in form {
        if !FIELDS.contains(&k.as_str()) && !v.is_null() {
            out.insert(k, v);
        }
    }
    out
}

fn message_dump(m: &Value) -> Value {
    const FIELDS: [&str; 4] = ["role", "content", "tool_calls", "images"];
    let Some(m) = m.as_object() else { return m.clone() };
    let mut out = Map::new();
    for f in FIELDS {
        if let Some(v) = m.get(f).filter(|v| !v.is_null()) {
            out.insert(f.into(), v.clone());
        }
    }
    for (k, v) in m {
        if !FIELDS.contains(&k.as_str()) && !v.is_null() {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// `apply_model_params_to_body_ollama`: `max_tokens` becomes `num_predict`; `format`,
/// `keep_alive` and `think` go to the root; the rest into `options` where not already set.
pub fn apply_params_ollama(params: &Map<String, Value>, payload: &mut Map<String, Value>) {
    let mut params: Map<String, Value> = params.iter().filter(|(k, _)| !super::upstream::OWN_PARAMS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(Value::Object(custom)) = params.shift_remove("custom_params") {
        for (k, v) in custom {
            let v = match &v {
                Value::String(s) => serde_json::from_str(s).unwrap_or(v),
                _ => v,
            };
            params.insert(k, v);
        }
    }
    if let Some(v) = params.shift_remove("max_tokens").filter(|v| !v.is_null()) {
        params.insert("num_predict".into(), v);
    }
    for key in ["format", "keep_alive", "think"] {
        if let Some(v) = params.shift_remove(key).filter(|v| !v.is_null()) {
            let v = match (&v, key) {
                (Value::String(s), "format" | "keep_alive") => serde_json::from_str(s).unwrap_or(v),
                _ => v,
            };
            payload.insert(key.into(), v);
        }
    }
    let mut options = payload.get("options").and_then(Value::as_object).cloned().unwrap_or_default();
    for (k, v) in params {
        if !v.is_null() && !options.contains_key(&k) {
            options.insert(k, v);
        }
    }
    payload.insert("options".into(), Value::Object(options));
}

/// `convert_payload_openai_to_ollama`: model, messages (text and images), stream, tools;
/// `options` with its root-level keys lifted; `stop` and `max_tokens` into `options`.
pub fn payload_from_openai(p: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("model".into(), p.get("model").cloned().unwrap_or(Value::Null));
    let messages = p.get("messages").and_then(Value::as_array).map(|a| a.iter().map(message_to_ollama).collect()).unwrap_or_default();
    out.insert("messages".into(), Value::Array(messages));
    out.insert("stream".into(), p.get("stream").cloned().unwrap_or(Value::Bool(false)));
    if let Some(t) = p.get("tools") {
        out.insert("tools".into(), t.clone());
    }
    if let Some(Value::Object(opts)) = p.get("options").filter(|o| o.as_object().is_some_and(|o| !o.is_empty())) {
        let mut opts = opts.clone();
        for key in ["format", "keep_alive", "think"] {
            if let Some(v) = opts.shift_remove(key).filter(|v| !v.is_null()) {
                out.insert(key.into(), v);
            }
        }
        if let Some(v) = opts.shift_remove("max_tokens") {
            opts.insert("num_predict".into(), v);
        }
        if let Some(v) = opts.shift_remove("system") {
            out.insert("system".into(), v);
        }
        out.insert("options".into(), Value::Object(opts));
    }
    for (from, to) in [("stop", "stop"), ("max_tokens", "num_predict")] {
        if let Some(v) = p.get(from) {
            let mut opts = out.get("options").and_then(Value::as_object).cloned().unwrap_or_default();
            opts.insert(to.into(), v.clone());
            out.insert("options".into(), Value::Object(opts));
        }
    }
    out
}

fn message_to_ollama(m: &Value) -> Value {
    let mut out = Map::new();
    out.insert("role".into(), m.get("role").cloned().unwrap_or(Value::Null));
    if let Some(t) = m.get("thinking").or_else(|| m.get("reasoning_content").filter(|v| !v.is_null())) {
        out.insert("thinking".into(), t.clone());
    }
    match (m.get("content"), m.get("tool_calls").filter(|t| !t.is_null())) {
        (Some(Value::String(s)), None) => {
            out.insert("content".into(), Value::from(s.clone()));
            if let Some(id) = m.get("tool_call_id").filter(|v| !v.is_null()) {
                out.insert("tool_call_id".into(), id.clone());
            }
        }
        (_, Some(calls)) => {
            let calls: Vec<Value> = calls
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let args = c.get("function").and_then(|f| f.get("arguments")).cloned().unwrap_or(json!({}));
                    let args = match &args {
                        Value::String(s) => serde_json::from_str(s).unwrap_or(args),
                        _ => args,
                    };
                    json!({"index": c.get("index").cloned().unwrap_or(json!(0)), "id": c.get("id").cloned().unwrap_or(Value::Null),
                           "function": {"name": c.get("function").and_then(|f| f.get("name")).cloned().unwrap_or(json!("")), "arguments": args}})
                })
                .collect();
            out.insert("tool_calls".into(), Value::Array(calls));
            out.insert("content".into(), Value::from(""));
        }
        (Some(Value::Array(parts)), None) => {
            let mut text = String::new();
            let mut images = Vec::new();
            for part in parts {
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => text.push_str(part.get("text").and_then(Value::as_str).unwrap_or("")),
                    Some("image_url") => {
                        let url = part.get("image_url").and_then(|u| u.get("url")).and_then(Value::as_str).unwrap_or("");
                        if !url.is_empty() {
                            let url = if url.starts_with("data:") { url.rsplit(',').next().unwrap_or("") } else { url };
                            images.push(Value::from(url));
                        }
                    }
                    _ => {}
                }
            }
            if !text.is_empty() {
                out.insert("content".into(), Value::from(text.trim()));
            }
            if !images.is_empty() {
                out.insert("images".into(), Value::Array(images));
            }
        }
        _ => {}
    }
    Value::Object(out)
}

/// `convert_ollama_usage_to_openai`.
fn usage(d: &Value) -> Value {
    let n = |k: &str| d.get(k).and_then(Value::as_i64).unwrap_or(0);
    let rate = |count: i64, dur: i64| if dur > 0 { json!(((count as f64 / (dur as f64 / 10_000_000.0)) * 100.0 * 100.0).round() / 100.0) } else { json!("N/A") };
    let total_s = n("total_duration") / 1_000_000_000;
    json!({
        "input_tokens": n("prompt_eval_count"), "output_tokens": n("eval_count"),
        "total_tokens": n("prompt_eval_count") + n("eval_count"),
        "prompt_tokens": n("prompt_eval_count"), "completion_tokens": n("eval_count"),
        "response_token/s": rate(n("eval_count"), n("eval_duration")),
        "prompt_token/s": rate(n("prompt_eval_count"), n("prompt_eval_duration")),
        "total_duration": n("total_duration"), "load_duration": n("load_duration"),
        "prompt_eval_count": n("prompt_eval_count"), "prompt_eval_duration": n("prompt_eval_duration"),
        "eval_count": n("eval_count"), "eval_duration": n("eval_duration"),
        "approximate_total": format!("{}h{}m{}s", total_s / 3600, (total_s % 3600) / 60, total_s % 60),
        "completion_tokens_details": {"reasoning_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    })
}

/// One Ollama line as an OpenAI chunk (`openai_chat_chunk_message_template`).
fn chunk(line: &Value, id: &str, first: bool, has_tools: &mut bool) -> Value {
    let model = line.get("model").cloned().unwrap_or(json!("ollama"));
    let message = line.get("message").cloned().unwrap_or(json!({}));
    let content = message.get("content").and_then(Value::as_str).filter(|c| !c.is_empty());
    let thinking = message.get("thinking").and_then(Value::as_str).filter(|c| !c.is_empty());
    let tools = message.get("tool_calls").and_then(Value::as_array).filter(|t| !t.is_empty()).map(|t| {
        *has_tools = true;
        t.iter()
            .map(|c| {
                let f = c.get("function").cloned().unwrap_or(json!({}));
                json!({"index": c.get("index").or_else(|| f.get("index")).cloned().unwrap_or(json!(0)),
                       "id": c.get("id").cloned().unwrap_or_else(|| json!(format!("call_{}", uuid::Uuid::new_v4()))),
                       "type": "function",
                       "function": {"name": f.get("name").cloned().unwrap_or(json!("")),
                                    "arguments": serde_json::to_string(f.get("arguments").unwrap_or(&json!({}))).unwrap_or_default()}})
            })
            .collect::<Vec<_>>()
    });
    let done = line.get("done").and_then(Value::as_bool).unwrap_or(false);
    let mut delta = Map::new();
    if let Some(c) = content {
        delta.insert("content".into(), json!(c));
    }
    if let Some(t) = thinking {
        delta.insert("reasoning_content".into(), json!(t));
    }
    if let Some(t) = &tools {
        delta.insert("tool_calls".into(), json!(t));
    }
    let empty = delta.is_empty();
    if first {
        delta.insert("role".into(), json!("assistant"));
    }
    let mut finish = if empty { json!("stop") } else { Value::Null };
    if done && *has_tools {
        finish = json!("tool_calls");
    } else if let Some(r) = line.get("done_reason").filter(|r| !r.is_null()) {
        finish = r.clone();
    }
    let mut out = json!({"id": id, "created": crate::app::session::now(), "model": model,
        "choices": [{"index": 0, "logprobs": null, "finish_reason": finish, "delta": delta}], "object": "chat.completion.chunk"});
    if done {
        out["usage"] = usage(line);
    }
    out
}

/// `convert_streaming_response_ollama_to_openai`: each NDJSON line as an SSE chunk, then
/// `data: [DONE]`. Lines are cut on newlines across pieces.
pub fn stream_to_openai(body: ByteStream) -> ByteStream {
    let id = format!("chatcmpl-{}", uuid::Uuid::new_v4());
    struct St {
        body: ByteStream,
        buf: Vec<u8>,
        first: bool,
        tools: bool,
        done: bool,
        sent_done: bool,
    }
    let st = St { body, buf: Vec::new(), first: true, tools: false, done: false, sent_done: false };
    Box::pin(futures::stream::unfold(st, move |mut st| {
        let id = id.clone();
        async move {
            loop {
                if let Some(nl) = st.buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = st.buf.drain(..=nl).collect();
                    let Ok(v) = serde_json::from_slice::<Value>(&line) else { continue };
                    let c = chunk(&v, &id, st.first, &mut st.tools);
                    st.first = false;
                    return Some((Ok(Bytes::from(format!("data: {c}\n\n"))), st));
                }
                if st.done {
                    if !st.buf.is_empty() {
                        st.buf.push(b'\n');
                        continue;
                    }
                    if st.sent_done {
                        return None;
                    }
                    st.sent_done = true;
                    return Some((Ok(Bytes::from_static(b"data: [DONE]\n\n")), st));
                }
                match st.body.next().await {
                    Some(Ok(b)) => st.buf.extend_from_slice(&b),
                    Some(Err(e)) => {
                        st.done = true;
                        st.sent_done = true;
                        st.buf.clear();
                        return Some((Err(e), st));
                    }
                    None => st.done = true,
                }
            }
        }
    }))
}

/// `convert_response_ollama_to_openai`.
pub fn response_to_openai(r: &Value) -> Value {
    let model = r.get("model").cloned().unwrap_or(json!("ollama"));
    let message = r.get("message").cloned().unwrap_or(json!({}));
    let mut m = json!({"role": "assistant", "content": message.get("content").cloned().unwrap_or(json!(""))});
    if let Some(t) = message.get("thinking").filter(|t| t.as_str().is_some_and(|s| !s.is_empty())) {
        m["reasoning_content"] = t.clone();
    }
    let finish = r.get("done_reason").filter(|d| !d.is_null()).cloned().unwrap_or(json!("stop"));
    json!({"id": format!("{}-{}", model.as_str().unwrap_or("ollama"), uuid::Uuid::new_v4()), "created": crate::app::session::now(),
           "model": model, "choices": [{"index": 0, "logprobs": null, "finish_reason": finish, "message": m}],
           "object": "chat.completion", "usage": usage(r)})
}
