//! The Anthropic Messages API's token count (`main.py::count_message_tokens` over
//! `routers/openai.py::count_anthropic_tokens`): the request passed to the model's OpenAI
//! connection at `{url}/messages/count_tokens`, its `input_tokens` answered.
//!
//! Not done: `POST /api/message` and `/api/v1/messages` themselves (`utils/anthropic.py`: the
//! request converted to a chat completion and the answer, streamed or not, back to Anthropic's
//! shape; the passthrough to Anthropic connections), and Anthropic's own URL rules for the
//! count (`x-api-key`, `anthropic-version` when the connection is api.anthropic.com).

use serde_json::{json, Map, Value};

use super::upstream;
use crate::app::session::{truthy, SessionUser};
use crate::app::{connections, models};
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// `count_anthropic_tokens` (through `get_anthropic_request_target`), as the route answers it.
pub async fn count_tokens(ctx: &ServerContext, user: &SessionUser, form: Map<String, Value>) -> Result<Value> {
    if !truthy(form.get("model")) {
        return Err(Error::bad_request("model is required"));
    }
    let requested = upstream::py_str(&form["model"]);
    let mut payload = form;
    let info = models::model_info(ctx, &requested).await?;
    models::check_access(ctx, user, info.as_ref(), models::bypass_model_access(ctx)).await?;
    let mut model_id = requested.clone();
    if let Some(base) = info.as_ref().and_then(|(row, _)| row.base_model_id.clone()).filter(|b| !b.is_empty()) {
        payload.insert("model".into(), json!(base));
        model_id = base;
    }
    let mut model = connections::openai_model(ctx, &model_id);
    if model.is_none() {
        connections::openai_all_models(ctx, user).await;
        model = connections::openai_model(ctx, &model_id);
    }
    let Some(idx) = model.as_ref().and_then(|m| m.get("urlIdx")).and_then(Value::as_u64) else {
        return Err(Error::not_found("Model '' was not found"));
    };
    let (url, key, config) = connections::openai_connection(ctx, idx as usize).ok_or_else(upstream::connection_error)?;
    let prefix = config.get("prefix_id").and_then(Value::as_str);
    let stripped = upstream::strip_prefix(&payload.get("model").map(upstream::py_str).unwrap_or_default(), prefix);
    payload.insert("model".into(), json!(stripped));
    let headers = connections::request_headers(&url, Some(&key), &config, user);
    let body = serde_json::to_vec(&payload).map_err(Error::internal)?;
    let target = format!("{}/messages/count_tokens", url.trim_end_matches('/'));
    let failed = || Error::status(502, messages::SERVER_CONNECTION_ERROR);
    let (resp, deadline) = upstream::send(ctx, &target, headers, body).await.map_err(|_| failed())?;
    let status = resp.status().as_u16();
    let text = upstream::read_text(resp, deadline).await.map_err(|_| failed())?;
    let data = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
    if status >= 400 {
        // `HTTPException(status_code=response.status, detail=response_data)`.
        return Err(webui_api::Detail::new(status, data).into());
    }
    match data.get("input_tokens") {
        Some(n) if n.as_u64().is_some() => Ok(json!({"input_tokens": n})),
        _ => Err(Error::status(502, "Invalid token-count response from upstream provider")),
    }
}
