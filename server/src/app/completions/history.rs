//! The conversation sent upstream for a saved chat, rebuilt from the stored history
//! (`utils/middleware.py::load_messages_from_db` and the replacement in `process_chat_payload`).
//!
//! 0.12.4's web UI sends only the system prompt in `messages` for a saved chat: the reference
//! walks the chat's stored messages from the user's message up its `parentId` chain and sends
//! those, then `process_messages_with_output` drops the keys the provider must not see. Without
//! this the model saw no question at all.
//!
//! Not reproduced: an assistant message's `output` items are not turned into tool-call messages
//! (`convert_output_to_messages`); its `content` is sent instead, which is what the conversion
//! gives for a plain answer. Saved skill expansions and image files as `image_url` parts are not
//! applied either (skills and files are not served yet).

use serde_json::{Map, Value};

use crate::app::chats;
use crate::app::session::{truthy, SessionUser};
use crate::context::ServerContext;
use crate::error::Result;

/// `MESSAGE_REPLAY_KEYS`: what a stored message keeps for the request.
const MESSAGE_REPLAY_KEYS: &[&str] = &["id", "role", "content", "output", "files", "contextSummary", "usage", "model", "meta"];
/// What `process_messages_with_output` removes before the provider sees a message.
const PROVIDER_HIDDEN_KEYS: &[&str] = &["id", "output", "model", "contextSummary", "context_summary", "usage", "meta"];

/// `load_messages_from_db` then `process_messages_with_output`, for the messages of a stored
/// history up to `user_message_id`; `None` when the chat or the message is not there (the
/// form's messages are then sent as they came, as the reference does).
pub fn replay(history_messages: &Map<String, Value>, user_message_id: &str) -> Option<Vec<Value>> {
    let chain = chats::stats::message_chain(history_messages, user_message_id).filter(|c| !c.is_empty())?;
    let out = chain
        .into_iter()
        .cloned()
        .filter(|m| !(m.get("role").and_then(Value::as_str) == Some("assistant") && !truthy(m.get("content")) && !truthy(m.get("output"))))
        .map(|m| {
            let kept: Map<String, Value> = m.into_iter().filter(|(k, _)| MESSAGE_REPLAY_KEYS.contains(&k.as_str())).collect();
            Value::Object(kept.into_iter().filter(|(k, _)| !PROVIDER_HIDDEN_KEYS.contains(&k.as_str())).collect())
        })
        .collect();
    Some(out)
}

/// Replaces `form["messages"]` with the saved conversation up to `user_message_id`, the form's
/// system message (`get_system_message`: the first with role `system`) first.
pub async fn replace_with_saved(
    ctx: &ServerContext,
    user: &SessionUser,
    chat_id: &str,
    user_message_id: &str,
    form: &mut Map<String, Value>,
) -> Result<()> {
    let Some(chat) = chats::writable(ctx, user, chat_id).await? else { return Ok(()) };
    let Some(stored) = chat.chat.get("history").and_then(|h| h.get("messages")).and_then(Value::as_object) else {
        return Ok(());
    };
    let Some(mut messages) = replay(stored, user_message_id) else { return Ok(()) };
    let system = form
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|ms| ms.iter().find(|m| m.get("role").and_then(Value::as_str) == Some("system")))
        .cloned();
    if let Some(s) = system {
        messages.insert(0, s);
    }
    form.insert("messages".into(), Value::Array(messages));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_chain_up_to_the_message_without_the_providers_hidden_keys() {
        let history = json!({
            "u1": {"id": "u1", "parentId": null, "childrenIds": ["a1"], "role": "user", "content": "hi", "timestamp": 1, "models": ["m"]},
            "a1": {"id": "a1", "parentId": "u1", "childrenIds": ["u2"], "role": "assistant", "content": "hello", "model": "m", "output": [], "usage": {}, "done": true},
            "u2": {"id": "u2", "parentId": "a1", "childrenIds": ["a2", "x"], "role": "user", "content": "and?", "files": []},
            "a2": {"id": "a2", "parentId": "u2", "childrenIds": [], "role": "assistant", "content": "", "model": "m"},
            "x": {"id": "x", "parentId": "u2", "role": "user", "content": "another branch"}
        });
        let got = replay(history.as_object().unwrap(), "u2").unwrap();
        assert_eq!(
            Value::Array(got),
            json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}, {"role": "user", "content": "and?", "files": []}])
        );
        assert!(replay(history.as_object().unwrap(), "missing").is_none());
    }

    #[test]
    fn a_parent_cycle_ends_the_walk() {
        let history = json!({
            "a": {"id": "a", "parentId": "b", "role": "user", "content": "1"},
            "b": {"id": "b", "parentId": "a", "role": "user", "content": "2"}
        });
        assert_eq!(replay(history.as_object().unwrap(), "a").unwrap().len(), 2);
    }
}
