//! `POST /api/v1/chats/{id}/messages/{message_id}/resolve` (`main.py::resolve_chat_message_tool_call`
//! over `utils/tool_approval.py::resolve_tool_call_output`): the user's answer to a tool call
//! the model made that waits for them (an approval, or an `ask_user` question), recorded in the
//! message's `output`.
//!
//! Served: every check and error of the reference, in its order, and the resolutions that
//! leave other calls still waiting or running (the answer `{status, chat_id, message_id,
//! task_ids: []}`, the output saved and sent to the owner's sockets as `chat:completion`).
//! Not served: a resolution after which the reference starts work again, running the approved
//! tool (`resume = 'tools'`) or the model after the last call (`resume = 'model'`) through
//! `chat_completion`: this server runs no tools and cannot continue a response, so it answers
//! 400 and saves nothing. The message is read from the chat's history (its `chat_message` row
//! is written, not merged in when read).

use serde_json::{json, Map, Value};

use super::{upsert_message_by_id, writable};
use crate::app::session::SessionUser;
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// `pending_tool_calls(output)`: the indexes of the calls without a result that still wait or run.
fn pending(output: &[Value]) -> Vec<usize> {
    let results: Vec<&Value> = output
        .iter()
        .filter(|i| i.get("type").and_then(Value::as_str) == Some("function_call_output"))
        .map(|i| i.get("call_id").unwrap_or(&Value::Null))
        .collect();
    output
        .iter()
        .enumerate()
        .filter(|(_, i)| i.get("type").and_then(Value::as_str) == Some("function_call"))
        .filter(|(_, i)| {
            let id = call_id(i);
            !results.contains(&&id)
        })
        .filter(|(_, i)| matches!(i.get("status").and_then(Value::as_str), Some("pending" | "queued" | "requires_approval" | "in_progress")))
        .map(|(n, _)| n)
        .collect()
}

/// `item.get('call_id') or item.get('id')`.
fn call_id(item: &Value) -> Value {
    match item.get("call_id") {
        Some(v) if crate::app::session::truthy(Some(v)) => v.clone(),
        _ => item.get("id").cloned().unwrap_or(Value::Null),
    }
}

/// `resolve_tool_call_output` and the route's answer.
pub async fn resolve(ctx: &ServerContext, s: &SessionUser, id: &str, message_id: &str, form: &Map<String, Value>) -> Result<Value> {
    let forbidden = || Error::unauthorized(messages::ACCESS_PROHIBITED);
    let chat = writable(ctx, s, id).await?.ok_or_else(forbidden)?;
    let stored = chat.chat.get("history").and_then(|h| h.get("messages")).and_then(|m| m.get(message_id));
    let mut message = match stored {
        Some(Value::Object(m)) if !m.is_empty() => m.clone(),
        _ => return Err(Error::not_found(messages::NOT_FOUND)),
    };
    let author = message.get("user_id").filter(|v| crate::app::session::truthy(Some(v))).and_then(Value::as_str).unwrap_or(&chat.user_id);
    if author != s.user.id {
        return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
    }
    let mut output = match message.get("output") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) if !crate::app::session::truthy(Some(v)) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(Error::bad_request("Message has no resolvable output.")),
    };
    let wanted = Value::String(form.get("call_id").and_then(Value::as_str).unwrap_or("").to_owned());
    let action = form.get("action").and_then(Value::as_str).unwrap_or("");
    let timed_out = form.get("timed_out").and_then(Value::as_bool).unwrap_or(false);
    let answers = form.get("answers").cloned().unwrap_or(Value::Null);
    let Some(at) = output.iter().position(|i| i.get("type").and_then(Value::as_str) == Some("function_call") && call_id(i) == wanted) else {
        return Err(Error::not_found("Tool call not found."));
    };
    if let Some(call) = output[at].as_object_mut() {
        call.entry("call_id").or_insert(wanted.clone());
    }
    let tool = output[at].get("name").and_then(Value::as_str).map(str::to_owned);
    let answered = output.iter().any(|i| i.get("type").and_then(Value::as_str) == Some("function_call_output") && i.get("call_id") == Some(&wanted));
    let status = output[at].get("status").and_then(Value::as_str);
    if answered || !matches!(status, Some("pending" | "queued" | "requires_approval")) || output[at].get("approved") == Some(&Value::Bool(true)) {
        return Err(Error::status(409, "Tool call has already been resolved."));
    }
    let active = pending(&output)
        .into_iter()
        .any(|n| output[n].get("approved") == Some(&Value::Bool(true)) || output[n].get("status").and_then(Value::as_str) == Some("in_progress"));
    let result_id = format!("fco_{}", wanted.as_str().unwrap_or(""));
    match action {
        "approve" => {
            if tool.as_deref() == Some("ask_user") {
                return Err(Error::bad_request("ask_user requires an answer or deny."));
            }
            output[at]["status"] = json!("queued");
            output[at]["approved"] = json!(true);
        }
        "reject" => {
            output[at]["status"] = json!("rejected");
            output.push(json!({"type": "function_call_output", "id": result_id, "call_id": wanted,
                "output": [{"type": "input_text", "text": "Error: tool call rejected by user."}], "status": "rejected"}));
        }
        _ => {
            if tool.as_deref() != Some("ask_user") {
                return Err(Error::bad_request("Tool call does not accept answers."));
            }
            if answers.is_null() && !timed_out {
                return Err(Error::bad_request("Answers are required for ask_user."));
            }
            output[at]["status"] = json!("completed");
            let payload = if timed_out {
                json!({"status": "cancelled", "answers": {}, "timed_out": true})
            } else {
                let a = if crate::app::session::truthy(Some(&answers)) { answers.clone() } else { json!({}) };
                json!({"status": "answered", "answers": a})
            };
            output.push(json!({"type": "function_call_output", "id": result_id, "call_id": wanted,
                "output": [{"type": "input_text", "text": payload.to_string()}], "status": "completed"}));
        }
    }
    let waiting = pending(&output);
    if !active {
        if action == "approve" {
            return Err(Error::bad_request("Running an approved tool call is not supported by this server."));
        }
        if waiting.is_empty() {
            return Err(Error::bad_request("Continuing the response after a tool call is not supported by this server."));
        }
        output[waiting[0]]["status"] = json!("pending");
    }
    message.insert("done".into(), json!(false));
    message.insert("output".into(), Value::Array(output.clone()));
    upsert_message_by_id(ctx, id, message_id, message, true).await?;
    let event = json!({"chat_id": id, "message_id": message_id, "data": {"type": "chat:completion", "data": {"output": output}}});
    crate::socket::emit_to_user(ctx, &s.user.id, "events", &event).await;
    Ok(json!({"status": true, "chat_id": id, "message_id": message_id, "task_ids": []}))
}
