//! The later chat routes of `routers/chats.py`: a clone of a share
//! (`clone_shared_chat_by_id`), a share's grants (`update_shared_chat_access_by_id`) and a
//! message's events (`send_chat_message_event_by_id` through `get_event_emitter`).
//!
//! Ownership as in the rest of the chat routes: another user's chat answers as a missing one
//! (or `ACCESS_PROHIBITED` where the reference says so), a share is cloned only by those it is
//! granted to.

use serde_json::{json, Map, Value};
use webui_api::chats::{ChatImportForm, ChatResponse};

use super::{
    admin_chat_access, chat_response, default_error, history, import_chats, initial_messages, message_chat, read_chat,
    require_creation_permission, require_import_permission, save_body, shared_snapshot_view, shared_view, upsert_message_by_id,
    upsert_messages,
};
use crate::app::session::{now, permissions as perms, truthy, SessionUser};
use crate::context::ServerContext;
use crate::db::chats as db;
use crate::db::chats::ChatRow;
use crate::error::{Error, Result};
use crate::messages;

/// `can_read_shared_chat`: admins where allowed, the owner, users granted a read.
async fn can_read_shared(ctx: &ServerContext, s: &SessionUser, shared: &db::SharedRow) -> Result<bool> {
    if s.user.role == "pending" {
        return Ok(false);
    }
    if (s.is_admin() && admin_chat_access(ctx)) || shared.user_id == s.user.id {
        return Ok(true);
    }
    let client = ctx.db.get().await?;
    Ok(db::shared_granted(&**client, &shared.chat_id, &s.user.id).await?)
}

/// `POST /api/v1/chats/{id}/clone/shared`: a copy, in the caller's chats, of the share `id`
/// (its snapshot; the live chat in `continue` mode for those who may read the share; an
/// admin's any chat by its id where allowed). Messages of the chat's owner become the
/// caller's; the copy keeps no variables and no folder.
pub async fn clone_shared(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<ChatResponse> {
    require_import_permission(ctx, s).await?;
    let admin = s.is_admin() && admin_chat_access(ctx);
    let shared = {
        let client = ctx.db.get().await?;
        let shared = db::shared_by_id(&**client, id).await?;
        if let Some(sh) = &shared {
            if !admin && sh.user_id != s.user.id {
                let granted =
                    db::shared_open(&**client, &sh.chat_id).await? || db::shared_granted(&**client, &sh.chat_id, &s.user.id).await?;
                if !granted {
                    return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
                }
            }
        }
        shared
    };
    let mut chat: Option<ChatRow> = None;
    if let Some(sh) = shared {
        let live = sh.chat.get("share_mode").and_then(Value::as_str) == Some("continue") && can_read_shared(ctx, s, &sh).await?;
        let chat_id = sh.chat_id.clone();
        chat = if live { read_chat(ctx, &chat_id).await? } else { Some(shared_snapshot_view(sh)) };
    }
    if chat.is_none() && admin {
        chat = read_chat(ctx, id).await?;
    }
    let chat = chat.ok_or_else(|| Error::unauthorized(messages::NOT_FOUND))?;
    // `chat.chat['history']['currentId']`: the reference fails (500) without one.
    let branch = chat.chat.get("history").and_then(Value::as_object).and_then(|h| h.get("currentId")).cloned().ok_or_else(default_error)?;
    let (owner, original, title, meta, pinned) = (chat.user_id.clone(), chat.id.clone(), chat.title.clone(), chat.meta.clone(), chat.pinned);
    let mut body = shared_view(ctx, chat, &s.user.id).await?.chat;
    body.insert("originalChatId".into(), Value::String(original));
    body.insert("branchPointMessageId".into(), branch);
    body.insert("title".into(), Value::String(format!("Clone of {title}")));
    for m in super::history_messages_mut(&mut body) {
        let author = m.get("user_id").filter(|v| truthy(Some(v))).and_then(Value::as_str).unwrap_or(&owner).to_string();
        if author == owner {
            m.insert("user_id".into(), Value::String(s.user.id.clone()));
            if m.get("role").and_then(Value::as_str) == Some("user") {
                m.insert("user".into(), json!({"id": s.user.id, "name": s.user.name}));
            }
        }
    }
    let form = ChatImportForm {
        chat: body,
        variables: Some(Map::new()),
        folder_id: None,
        meta: Some(meta),
        pinned,
        archived: Some(false),
        current_message_id: None,
        created_at: None,
        updated_at: None,
    };
    import_chats(ctx, s, vec![form], false).await?.pop().ok_or_else(|| Error::status(500, messages::DEFAULT_ERROR))
}

/// `filter_allowed_access_grants(..., 'shared_chat')`: no sharing permission needed; a public
/// (`user:*`) grant needs `sharing.public_chats`, an `anyone` one `sharing.open_chats`, others
/// the `access_grants` permissions; admins may give any. `validate_access_grants`: 403 unless
/// every grant is allowed.
async fn validated_grants(ctx: &ServerContext, s: &SessionUser, grants: &[Map<String, Value>]) -> Result<Vec<crate::db::access_grants::NewGrant>> {
    let grants = crate::app::workspace::normalize_grants(grants);
    if s.is_admin() || grants.is_empty() {
        return Ok(grants);
    }
    let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
    let p = perms::get_permissions(ctx, &s.user.id, &defaults).await?;
    let allowed = |key: &str| {
        let (section, name) = key.split_once('.').expect("a section.name key");
        truthy(p.get(section).and_then(|v| v.get(name)))
    };
    let n = grants.len();
    let kept: Vec<_> = grants
        .into_iter()
        .filter(|(t, id, _)| match (t.as_str(), id.as_str()) {
            ("user", "*") => allowed("sharing.public_chats"),
            ("user", _) => allowed("access_grants.allow_users"),
            ("group", _) => allowed("access_grants.allow_groups"),
            ("anyone", _) => allowed("sharing.open_chats"),
            _ => false,
        })
        .collect();
    if kept.len() != n {
        return Err(Error::forbidden(messages::SHARE_AUDIENCE_FORBIDDEN));
    }
    Ok(kept)
}

/// `POST /api/v1/chats/shared/{id}/access/update`: the grants on the chat's share replaced (the
/// owner's chat; any chat for an admin where allowed; 404 otherwise) and, when the form names
/// `share_mode` and the chat is shared, the share's mode set (leaving `continue` takes a fresh
/// snapshot). Answers the chat.
pub async fn update_shared_access(
    ctx: &ServerContext,
    s: &SessionUser,
    id: &str,
    grants: &[Map<String, Value>],
    share_mode: Option<Option<String>>,
) -> Result<ChatResponse> {
    let chat = {
        let client = ctx.db.get().await?;
        if s.is_admin() && admin_chat_access(ctx) {
            db::get(&**client, id).await?
        } else {
            db::get_owned(&**client, id, &s.user.id).await?
        }
    };
    let chat = chat.ok_or_else(|| Error::not_found(messages::NOT_FOUND))?;
    let grants = validated_grants(ctx, s, grants).await?;
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    crate::db::access_grants::replace(&tx, "shared_chat", id, &grants, now()).await?;
    tx.commit().await?;
    if let (Some(mode), Some(share_id)) = (share_mode, chat.share_id.as_deref()) {
        let tx = client.transaction().await?;
        if let Some(mut shared) = db::shared_by_id(&*tx, share_id).await? {
            if mode.is_none() && shared.chat.get("share_mode").and_then(Value::as_str) == Some("continue") {
                if let Some(live) = db::get(&*tx, &shared.chat_id).await? {
                    shared.chat = live.chat;
                    shared.title = live.title;
                }
            }
            shared.chat.insert("share_mode".into(), mode.map(Value::String).unwrap_or(Value::Null));
            crate::db::chats_more::shared_set_body(&*tx, share_id, &shared.title, &Value::Object(shared.chat)).await?;
        }
        tx.commit().await?;
    }
    drop(client);
    crate::socket::refresh_chat_access(ctx, Some(id)).await;
    Ok(chat_response(chat))
}

/// The event types `get_event_emitter` also sends to the chat's room (others reading the chat).
const SHARED_EVENTS: [&str; 10] = [
    "chat:messages",
    "chat:active",
    "status",
    "source",
    "citation",
    "files",
    "embeds",
    "chat:message:error",
    "chat:tasks:cancel",
    "chat:message:follow_ups",
];

/// `POST /api/v1/chats/{id}/messages/{message_id}/event` (`get_event_emitter` with the chat's
/// owner): the event to the owner's sockets (`events`), the shared ones to the chat's room, and
/// the events that change a message recorded in it (`status`, `message`, `replace`, `embeds`,
/// `files`, `source`/`citation`). `false` when recording fails, as the reference's `except`.
pub async fn message_event(ctx: &ServerContext, s: &SessionUser, id: &str, message_id: &str, kind: &str, data: Map<String, Value>) -> Result<bool> {
    let chat = message_chat(ctx, s, id).await?;
    let event = json!({"type": kind, "data": data});
    if kind != "chat:messages" {
        let payload = json!({"chat_id": id, "message_id": message_id, "data": event});
        crate::socket::emit_to_user(ctx, &chat.user_id, "events", &payload).await;
    }
    let shared = if SHARED_EVENTS.contains(&kind) {
        Some(event.clone())
    } else if kind == "chat:completion" || kind == "response:completion" {
        let mut payload: Map<String, Value> = data
            .iter()
            .filter(|(k, _)| ["done", "error", "usage", "finish_reason", "content", "selected_model_id", "sources"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(Value::Array(output)) = data.get("output") {
            payload.insert("output".into(), Value::Array(output.clone()));
        }
        Some(json!({"type": "chat:completion", "data": payload}))
    } else {
        None
    };
    if let Some(shared) = shared {
        let payload = json!({"chat_id": id, "message_id": message_id, "user_id": chat.user_id, "shared": true, "data": shared});
        crate::socket::emit(ctx, &format!("chat:{id}"), "events", &payload).await;
    }
    Ok(record_event(ctx, &chat, message_id, kind, &data).await.is_ok())
}

/// The message fields an event changes (`__event_emitter__`'s `update_db` branch).
async fn record_event(ctx: &ServerContext, chat: &ChatRow, message_id: &str, kind: &str, data: &Map<String, Value>) -> Result<()> {
    let stored = |key: &str| -> Option<Value> {
        chat.chat.get("history").and_then(|h| h.get("messages")).and_then(|m| m.get(message_id)).and_then(|m| m.get(key)).cloned()
    };
    let set = |k: &str, v: Value| -> Map<String, Value> { [(k.to_string(), v)].into_iter().collect() };
    match kind {
        "status" => add_status(ctx, &chat.id, message_id, Value::Object(data.clone())).await,
        "message" => {
            let exists = chat.chat.get("history").and_then(|h| h.get("messages")).and_then(|m| m.get(message_id)).is_some();
            if !exists {
                return Ok(());
            }
            // `content += data.get('content', '')`: both strings, else the reference's `except`.
            let old = match stored("content") {
                None => String::new(),
                Some(Value::String(c)) => c,
                Some(_) => return Err(default_error()),
            };
            let add = match data.get("content") {
                None => "",
                Some(Value::String(c)) => c.as_str(),
                Some(_) => return Err(default_error()),
            };
            upsert_message_by_id(ctx, &chat.id, message_id, set("content", Value::String(old + add)), true).await.map(|_| ())
        }
        "replace" => {
            let content = data.get("content").cloned().unwrap_or(Value::String(String::new()));
            upsert_message_by_id(ctx, &chat.id, message_id, set("content", content), true).await.map(|_| ())
        }
        "embeds" | "files" => {
            let mut list = match data.get(kind) {
                None => Vec::new(),
                Some(Value::Array(a)) => a.clone(),
                Some(_) => return Err(default_error()),
            };
            if kind == "files" || !truthy(data.get("replace")) {
                if let Some(Value::Array(old)) = stored(kind) {
                    list.extend(old);
                }
            }
            upsert_message_by_id(ctx, &chat.id, message_id, set(kind, Value::Array(list)), false).await.map(|_| ())
        }
        "source" | "citation" if data.get("type").is_none_or(Value::is_null) => {
            let mut sources = match stored("sources") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
            sources.push(Value::Object(data.clone()));
            upsert_message_by_id(ctx, &chat.id, message_id, set("sources", Value::Array(sources)), false).await.map(|_| ())
        }
        _ => Ok(()),
    }
}

/// `add_message_status_to_chat_by_id_and_message_id`: the status appended to the message's
/// `statusHistory` when the message is in the history (the chat's `updated_at` kept).
async fn add_status(ctx: &ServerContext, id: &str, message_id: &str, mut status: Value) -> Result<()> {
    history::clean(&mut status);
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = db::get_for_update(&*tx, id).await? else { return Ok(()) };
    let mut chat = row.chat;
    history::repair_current_id(&mut chat);
    let message = chat.get_mut("history").and_then(|h| h.get_mut("messages")).and_then(|m| m.get_mut(message_id)).and_then(Value::as_object_mut);
    let Some(message) = message else { return Ok(()) };
    let mut statuses = match message.get("statusHistory") {
        Some(Value::Array(a)) => a.clone(),
        None => Vec::new(),
        Some(_) => return Err(default_error()),
    };
    statuses.push(status);
    message.insert("statusHistory".into(), Value::Array(statuses));
    let saved = message.clone();
    upsert_messages(&*tx, id, &row.user_id, &[(message_id.to_string(), saved)]).await?;
    save_body(&*tx, id, chat, false).await?;
    tx.commit().await?;
    Ok(())
}

/// `Chats.get_messages_map_by_chat_id`: the `chat_message` rows' messages, with the parents
/// they name but lack taken from the stored history; the history's messages without rows.
async fn messages_map(ctx: &ServerContext, chat_id: &str, history: &Map<String, Value>) -> Result<Option<Map<String, Value>>> {
    let client = ctx.db.get().await?;
    let Some(mut map) = crate::db::chats_more::messages_map(&**client, chat_id).await? else {
        return Ok(history.get("messages").and_then(Value::as_object).cloned());
    };
    let unresolved: Vec<String> = map
        .values()
        .filter_map(|m| m.get("parentId").and_then(Value::as_str).filter(|p| !p.is_empty() && !map.contains_key(*p)).map(str::to_string))
        .collect();
    if let Some(Value::Object(stored)) = history.get("messages") {
        for id in unresolved {
            if let Some(m) = stored.get(&id) {
                map.insert(id, m.clone());
            }
        }
    }
    Ok(Some(map))
}

/// The fork's messages error: `message not found` is 404, the others 400.
fn fork_error(detail: &'static str) -> Error {
    if detail == messages::FORK_MESSAGE_NOT_FOUND {
        Error::not_found(detail)
    } else {
        Error::bad_request(detail)
    }
}

/// `build_fork_history`: the branch from the root to `source`, each message's children the next
/// one only. Errors as the reference's `ValueError`s.
fn fork_history(map: &Map<String, Value>, source: &str) -> Result<Map<String, Value>> {
    if map.is_empty() {
        return Err(fork_error(messages::FORK_NO_MESSAGES));
    }
    let mut branch: Vec<(String, Map<String, Value>)> = Vec::new();
    let mut id = Some(source.to_string());
    while let Some(mid) = id.filter(|i| !i.is_empty()) {
        if branch.iter().any(|(i, _)| *i == mid) {
            return Err(fork_error(messages::FORK_CYCLE));
        }
        let m = map.get(&mid).and_then(Value::as_object).ok_or_else(|| fork_error(messages::FORK_MESSAGE_NOT_FOUND))?;
        id = match m.get("parentId") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) => Some(p.clone()),
            Some(v) if !truthy(Some(v)) => None,
            Some(_) => return Err(fork_error(messages::FORK_MESSAGE_NOT_FOUND)),
        };
        branch.push((mid, m.clone()));
    }
    let mut out = Map::new();
    let mut parent: Option<String> = None;
    for (mid, mut m) in branch.into_iter().rev() {
        m.insert("id".into(), Value::String(mid.clone()));
        m.insert("parentId".into(), parent.clone().map(Value::String).unwrap_or(Value::Null));
        m.insert("childrenIds".into(), Value::Array(Vec::new()));
        if let Some(Value::Object(p)) = parent.as_ref().and_then(|p| out.get_mut(p)) {
            p.insert("childrenIds".into(), json!([mid]));
        }
        out.insert(mid.clone(), Value::Object(m));
        parent = Some(mid);
    }
    Ok(out)
}

/// An unfinished answer awaiting a tool's approval (a function call pending, queued or
/// waiting for approval) stays unfinished in a fork.
fn awaits_approval(m: &Map<String, Value>) -> bool {
    matches!(m.get("output"), Some(Value::Array(items)) if items.iter().any(|i| {
        i.get("type").and_then(Value::as_str) == Some("function_call")
            && matches!(i.get("status").and_then(Value::as_str), Some("pending" | "queued" | "requires_approval"))
    }))
}

/// `POST /api/v1/chats/{id}/fork` (`fork_chat_by_id`, with `chat.import`): a new chat holding the
/// branch up to `message_id` (else the current message) of a chat the user may read, or of a
/// share by its id (its snapshot only). Another's chat loses its private keys, its owner's
/// messages become the user's; the owner's fork keeps the meta, variables, pin and (writable)
/// folder. 409 while an answer is being written.
pub async fn fork(ctx: &ServerContext, s: &SessionUser, id: &str, message_id: Option<String>) -> Result<ChatResponse> {
    require_import_permission(ctx, s).await?;
    let own = match read_chat(ctx, id).await? {
        Some(c) if super::accessible(ctx, s, &c, false).await? => Some(super::chat_response(c)),
        _ => None,
    };
    let chat = match own {
        Some(c) => c,
        None => super::shared_get(ctx, Some(s), id).await?,
    };
    let is_snapshot = chat.share_id.as_deref() == Some(chat.id.as_str());
    let is_owner = chat.user_id == s.user.id;
    if !is_snapshot && !crate::app::tasks::list_by_item(ctx, &chat.id).is_empty() {
        return Err(Error::status(409, messages::FORK_BUSY));
    }
    let history = chat.chat.get("history").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut map = history.get("messages").and_then(Value::as_object).cloned().unwrap_or_default();
    if !is_snapshot {
        if let Some(rows) = messages_map(ctx, &chat.id, &history).await?.filter(|m| !m.is_empty()) {
            map = rows;
        }
    }
    let text = |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let source = message_id
        .filter(|m| !m.is_empty())
        .or_else(|| chat.current_message_id.clone().filter(|c| !c.is_empty()))
        .or_else(|| text(history.get("currentId")))
        .ok_or_else(|| Error::bad_request(messages::FORK_NO_MESSAGES))?;
    let mut fork = fork_history(&map, &source)?;
    let stored = history.get("messages").and_then(Value::as_object);
    for m in fork.values_mut().filter_map(Value::as_object_mut) {
        let mid = m.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        if let Some(Value::Object(author)) = stored.and_then(|st| st.get(&mid)).and_then(|o| o.get("user")) {
            if author.get("id").is_some_and(|a| Some(a) == m.get("user_id")) {
                m.insert("user".into(), Value::Object(author.clone()));
            }
        }
        if m.get("role").and_then(Value::as_str) != Some("assistant") || m.get("done") != Some(&Value::Bool(false)) || awaits_approval(m) {
            continue;
        }
        m.insert("done".into(), Value::Bool(true));
    }
    let mut body = chat.chat.clone();
    body.shift_remove("currentId");
    body.shift_remove("share_mode");
    body.insert("originalChatId".into(), Value::String(chat.id.clone()));
    body.insert("branchPointMessageId".into(), Value::String(source.clone()));
    body.insert("title".into(), Value::String(format!("{} (fork)", chat.title)));
    body.insert("history".into(), json!({"messages": fork, "currentId": source}));
    body.insert("messages".into(), Value::Array(Vec::new()));
    if !is_owner {
        let mut row = shared_snapshot_view(db::SharedRow {
            id: chat.id.clone(),
            chat_id: chat.id.clone(),
            user_id: chat.user_id.clone(),
            title: chat.title.clone(),
            chat: body,
            created_at: chat.created_at,
            updated_at: chat.updated_at,
        });
        row.share_id = chat.share_id.clone();
        body = shared_view(ctx, row, &s.user.id).await?.chat;
        for m in super::history_messages_mut(&mut body) {
            let author = m.get("user_id").filter(|v| truthy(Some(v))).and_then(Value::as_str).unwrap_or(&chat.user_id).to_string();
            if author == chat.user_id {
                m.insert("user_id".into(), Value::String(s.user.id.clone()));
                if m.get("role").and_then(Value::as_str) == Some("user") {
                    m.insert("user".into(), json!({"id": s.user.id, "name": s.user.name}));
                }
            }
        }
    }
    // The legacy list holds the same messages as the history, in branch order.
    let list: Vec<Value> = body.get("history").and_then(|h| h.get("messages")).and_then(Value::as_object).map(|m| m.values().cloned().collect()).unwrap_or_default();
    body.insert("messages".into(), Value::Array(list));
    let mut meta = if is_owner { chat.meta.clone() } else { Map::new() };
    meta.insert("forked_from".into(), Value::String(chat.id.clone()));
    meta.insert("forked_from_message_id".into(), Value::String(source));
    let mut folder_id = if is_owner { chat.folder_id.clone() } else { None };
    if let Some(f) = &folder_id {
        let client = ctx.db.get().await?;
        if !db::folder_writable(&**client, f, &s.user.id).await? {
            folder_id = None;
        }
    }
    let variables = if is_owner { chat.variables.clone() } else { Map::new() };
    let pinned = is_owner && chat.pinned == Some(true);
    insert_chat(ctx, s, body, folder_id, meta, variables, pinned).await
}

/// `POST /api/v1/chats/{id}/compact` (`compact_chat_by_id`): the owner's chat (401 otherwise),
/// not while an answer is being written (409), with a model (the form's, the branch's last,
/// the chat's first; 400 without one). With context compaction off (the default) nothing is
/// compacted and no usage is measured, as the reference answers.
pub async fn compact(ctx: &ServerContext, s: &SessionUser, id: &str, model: Option<String>) -> Result<Value> {
    let chat = {
        let client = ctx.db.get().await?;
        db::get_owned(&**client, id, &s.user.id).await?
    };
    let mut chat = chat.ok_or_else(|| Error::unauthorized(messages::NOT_FOUND))?;
    history::repair_current_id(&mut chat.chat);
    if !crate::app::tasks::list_by_item(ctx, id).is_empty() {
        return Err(Error::status(409, messages::COMPACT_BUSY));
    }
    let history = chat.chat.get("history").and_then(Value::as_object).cloned().unwrap_or_default();
    let map = messages_map(ctx, id, &history).await?.filter(|m| !m.is_empty()).unwrap_or_default();
    let current = chat.current_message_id.clone().filter(|c| !c.is_empty()).or_else(|| history.get("currentId").and_then(Value::as_str).map(str::to_string));
    let mut model = model.filter(|m| !m.is_empty());
    if model.is_none() {
        if let Some(current) = current {
            let mut seen = Vec::new();
            let mut at = Some(current);
            let mut branch = Vec::new();
            while let Some(mid) = at.filter(|m| !seen.contains(m)) {
                let Some(m) = map.get(&mid).and_then(Value::as_object) else { break };
                seen.push(mid);
                branch.push(m);
                at = m.get("parentId").and_then(Value::as_str).filter(|p| !p.is_empty()).map(str::to_string);
            }
            model = branch.iter().find_map(|m| m.get("model").filter(|v| truthy(Some(v))).and_then(Value::as_str).map(str::to_string));
        }
    }
    if model.is_none() {
        model = chat.chat.get("models").and_then(Value::as_array).and_then(|a| a.first()).filter(|v| truthy(Some(v))).and_then(Value::as_str).map(str::to_string);
    }
    if model.is_none() {
        return Err(Error::bad_request(messages::COMPACT_NO_MODEL));
    }
    if truthy(ctx.setting("chat.context_compaction.enable").as_ref()) {
        return Err(Error::status(501, messages::COMPACT_UNSUPPORTED));
    }
    Ok(json!({"ok": true, "compacted": false, "reason": "disabled", "context_usage": null}))
}

/// `Chats.insert_new_chat` with its `internal_meta`, then the owner's variables and pin: the
/// chat and its `chat_message` rows in one transaction.
async fn insert_chat(
    ctx: &ServerContext,
    s: &SessionUser,
    chat: Map<String, Value>,
    folder_id: Option<String>,
    meta: Map<String, Value>,
    variables: Map<String, Value>,
    pinned: bool,
) -> Result<ChatResponse> {
    require_creation_permission(ctx, s).await?;
    let title = match chat.get("title") {
        None => "New Chat".to_string(),
        Some(Value::String(t)) => history::clean_text(t),
        Some(_) => return Err(default_error()),
    };
    let current = history::current_message_id(&chat).map_err(|_| default_error())?;
    let mut body = Value::Object(chat);
    history::clean(&mut body);
    let rows = initial_messages(body.as_object().expect("an object"));
    let now = now();
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let row = db::insert(
        &*tx,
        &db::NewChat {
            id: &uuid::Uuid::new_v4().to_string(),
            user_id: &s.user.id,
            title: &title,
            chat: &body,
            folder_id: folder_id.as_deref(),
            meta: &Value::Object(meta),
            variables: &Value::Object(variables),
            current_message_id: current.as_deref(),
            pinned: Some(pinned),
            archived: false,
            created_at: now,
            updated_at: now,
            last_read_at: now,
        },
    )
    .await?;
    upsert_messages(&*tx, &row.id, &s.user.id, &rows).await?;
    tx.commit().await?;
    Ok(chat_response(row))
}
