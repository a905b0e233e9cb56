//! Chats (`routers/chats.py`, `models/chats.py`): a user's conversations, their `chat_message`
//! rows, tags, pins, archive and folders.
//!
//! Ownership: every route finds the chat by id *and* the session user (or, where the reference
//! lets admins read others' chats, by `ENABLE_ADMIN_CHAT_ACCESS`); another user's chat answers
//! exactly as a missing one. Folder ids in bodies are checked against the session user
//! ([`db::folder_writable`]).

pub mod config;
pub mod history;
pub mod more;
pub mod resolve;
pub mod stats;

use serde_json::{Map, Value};
use webui_api::chats::{ChatForm, ChatResponse, ChatTitleIdResponse, ChatUnreadResponse, ChatsReadResponse, TagModel};

use crate::app::session::{now, permissions as perms, SessionUser};
use crate::app::events::publish;
use crate::context::ServerContext;
use crate::db::chats::{self as db, ChatRow, ListOrder, NewChat, NewMessage, Search, TagRow, TitleRow, WholeFilter};
use crate::error::{Error, Result};
use crate::messages;
use crate::socket;
use history::t;

/// The sidebar's page size (`get_session_user_chat_list`, `search_user_chats`, the archived list).
pub const PAGE_SIZE: i64 = 60;
/// A folder's page size (`get_chat_list_by_folder_id`).
pub const FOLDER_PAGE_SIZE: i64 = 10;

fn default_error() -> Error {
    Error::bad_request(messages::DEFAULT_ERROR)
}

/// `ChatResponse` of a row (`context_usage` null: context compaction is off unless configured).
pub fn chat_response(c: ChatRow) -> ChatResponse {
    ChatResponse {
        id: c.id,
        user_id: c.user_id,
        title: c.title,
        chat: c.chat,
        updated_at: c.updated_at,
        created_at: c.created_at,
        share_id: c.share_id,
        archived: c.archived,
        pinned: c.pinned,
        meta: c.meta,
        variables: c.variables,
        folder_id: c.folder_id,
        tasks: c.tasks,
        summary: c.summary,
        current_message_id: c.current_message_id,
        context_usage: None,
    }
}

fn title_response(r: TitleRow) -> ChatTitleIdResponse {
    ChatTitleIdResponse {
        id: r.id,
        title: r.title,
        updated_at: r.updated_at,
        created_at: r.created_at,
        last_read_at: r.last_read_at,
        snippet: None,
        active: false,
        archived: false,
    }
}

fn tag_model(t: TagRow) -> TagModel {
    TagModel { id: t.id, name: t.name, user_id: t.user_id, meta: t.meta }
}

/// `(page - 1) * size` as the reference computes it; `None` where PostgreSQL would refuse the
/// offset (negative, or past a bigint): the reference answers that with an error.
fn skip_of(page: i64, size: i64) -> Option<i64> {
    page.checked_sub(1).and_then(|p| p.checked_mul(size)).filter(|s| *s >= 0)
}

fn admin_chat_access(ctx: &ServerContext) -> bool {
    ctx.config.env_bool("ENABLE_ADMIN_CHAT_ACCESS", true)
}

// ---- lists ----

/// `GET /api/v1/chats/` and `/list` (`get_session_user_chat_list`): without `page` every chat,
/// with it pages of [`PAGE_SIZE`]. A page before the first answers 400, as the reference's
/// failing query does.
pub async fn list(
    ctx: &ServerContext,
    s: &SessionUser,
    page: Option<i64>,
    include_pinned: bool,
    include_folders: bool,
    sort_by: &str,
    sort_dir: &str,
) -> Result<Vec<ChatTitleIdResponse>> {
    let (skip, limit) = match page {
        Some(p) => (skip_of(p, PAGE_SIZE).ok_or_else(default_error)?, Some(PAGE_SIZE)),
        None => (0, None),
    };
    let client = ctx.db.get().await?;
    let rows = db::title_list(&**client, &s.user.id, include_folders, include_pinned, ListOrder::parse(sort_by, sort_dir), skip, limit).await?;
    Ok(rows.into_iter().map(title_response).collect())
}

/// `GET /api/v1/chats/pinned`.
pub async fn pinned(ctx: &ServerContext, s: &SessionUser) -> Result<Vec<ChatTitleIdResponse>> {
    let client = ctx.db.get().await?;
    Ok(db::pinned_list(&**client, &s.user.id).await?.into_iter().map(title_response).collect())
}

/// The `order_by`/`direction` of the archived list and the admin's list (`filter`): `Ok(None)`
/// when not both are given; an unknown column or direction is refused (the reference: 500).
fn filter_order<'a>(order_by: Option<&'a str>, direction: Option<&str>) -> Result<Option<(&'a str, bool)>> {
    match (order_by.filter(|o| !o.is_empty()), direction.filter(|d| !d.is_empty())) {
        (Some(o), Some(d)) => {
            let column = db::ORDERABLE.iter().find(|c| **c == o).ok_or_else(default_error)?;
            match d.to_lowercase().as_str() {
                "asc" => Ok(Some((column, true))),
                "desc" => Ok(Some((column, false))),
                _ => Err(default_error()),
            }
        }
        _ => Ok(None),
    }
}

/// How the reference orders a filtered list: its own order when `order_by` and `direction`
/// are both given, none at all when another filter is, `updated_at` when there is no filter.
fn filtered_order<'a>(query: Option<&str>, order_by: Option<&'a str>, direction: Option<&str>) -> Result<FilteredOrder<'a>> {
    let given = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
    let any = given(query) || given(order_by) || given(direction);
    Ok(match filter_order(order_by, direction)? {
        Some(o) => FilteredOrder::By(o),
        None if any => FilteredOrder::Unordered,
        None => FilteredOrder::Newest,
    })
}

enum FilteredOrder<'a> {
    By((&'a str, bool)),
    Unordered,
    Newest,
}

async fn filtered(
    ctx: &ServerContext,
    user_id: &str,
    archived_only: bool,
    page: Option<i64>,
    query: Option<&str>,
    order_by: Option<&str>,
    direction: Option<&str>,
) -> Result<Vec<TitleRow>> {
    let skip = skip_of(page.unwrap_or(1), PAGE_SIZE).ok_or_else(default_error)?;
    let order = filtered_order(query, order_by, direction)?;
    let query = query.filter(|q| !q.is_empty());
    let client = ctx.db.get().await?;
    let (order, unordered) = match order {
        FilteredOrder::By(o) => (Some(o), false),
        FilteredOrder::Unordered => (None, true),
        FilteredOrder::Newest => (None, false),
    };
    Ok(db::filtered_list(&**client, user_id, archived_only, !archived_only, query, order, unordered, skip, PAGE_SIZE).await?)
}

/// `GET /api/v1/chats/archived`: entries without `last_read_at`, as the reference builds them.
pub async fn archived(
    ctx: &ServerContext,
    s: &SessionUser,
    page: Option<i64>,
    query: Option<&str>,
    order_by: Option<&str>,
    direction: Option<&str>,
) -> Result<Vec<ChatTitleIdResponse>> {
    let rows = filtered(ctx, &s.user.id, true, page, query, order_by, direction).await?;
    Ok(rows
        .into_iter()
        .map(|r| ChatTitleIdResponse { last_read_at: None, ..title_response(r) })
        .collect())
}

/// `GET /api/v1/chats/list/user/{user_id}` (admin, with `ENABLE_ADMIN_CHAT_ACCESS`).
pub async fn list_of_user(
    ctx: &ServerContext,
    user_id: &str,
    page: Option<i64>,
    query: Option<&str>,
    order_by: Option<&str>,
    direction: Option<&str>,
) -> Result<Vec<ChatTitleIdResponse>> {
    if !admin_chat_access(ctx) {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    let rows = filtered(ctx, user_id, false, page, query, order_by, direction).await?;
    Ok(rows.into_iter().map(title_response).collect())
}

/// `GET /api/v1/chats/archived/count`.
pub async fn archived_count(ctx: &ServerContext, s: &SessionUser) -> Result<i64> {
    let client = ctx.db.get().await?;
    Ok(db::count_archived(&**client, &s.user.id).await?)
}

/// `GET /api/v1/chats/all/archived`.
pub async fn all_archived(ctx: &ServerContext, s: &SessionUser) -> Result<Vec<ChatResponse>> {
    let client = ctx.db.get().await?;
    Ok(db::whole_list(&**client, &s.user.id, WholeFilter::Archived).await?.into_iter().map(chat_response).collect())
}

/// `GET /api/v1/chats/all/db` (admin, with `ENABLE_ADMIN_EXPORT`): every chat of the database.
pub async fn all_in_db(ctx: &ServerContext) -> Result<Vec<ChatResponse>> {
    if !ctx.config.env_bool("ENABLE_ADMIN_EXPORT", true) {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    let client = ctx.db.get().await?;
    Ok(db::all_chats(&**client).await?.into_iter().map(chat_response).collect())
}

/// `generate_chat_export_ndjson`'s batch size.
pub const EXPORT_BATCH: i64 = 100;

/// One batch of `GET /api/v1/chats/all` as NDJSON lines (empty: the end).
pub async fn export_batch(ctx: &ServerContext, user_id: &str, skip: i64) -> Result<(Vec<u8>, usize)> {
    let client = ctx.db.get().await?;
    let rows = db::user_chats_batch(&**client, user_id, skip, EXPORT_BATCH).await?;
    let n = rows.len();
    let mut out = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut out, &chat_response(r)).map_err(Error::internal)?;
        out.push(b'\n');
    }
    Ok((out, n))
}

/// `GET /api/v1/chats/folder/{folder_id}`: the user's chats in the folder and, when the folder
/// is the user's, in every folder below it.
pub async fn in_folder(ctx: &ServerContext, s: &SessionUser, folder_id: &str) -> Result<Vec<ChatResponse>> {
    let client = ctx.db.get().await?;
    let mut ids = vec![folder_id.to_string()];
    for id in db::folder_subtree(&**client, folder_id, &s.user.id).await? {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(db::whole_list(&**client, &s.user.id, WholeFilter::Folders(&ids)).await?.into_iter().map(chat_response).collect())
}

/// `GET /api/v1/chats/folder/{folder_id}/list`: pages of [`FOLDER_PAGE_SIZE`].
pub async fn folder_list(
    ctx: &ServerContext,
    s: &SessionUser,
    folder_id: &str,
    page: Option<i64>,
    sort_by: &str,
    sort_dir: &str,
) -> Result<Vec<ChatTitleIdResponse>> {
    // `page: int | None = 1`: an explicit null fails `(None - 1)` inside the reference's try.
    let skip = page.and_then(|p| skip_of(p, FOLDER_PAGE_SIZE)).ok_or_else(default_error)?;
    let client = ctx.db.get().await?;
    let rows = db::folder_title_list(&**client, folder_id, &s.user.id, ListOrder::parse(sort_by, sort_dir), skip, FOLDER_PAGE_SIZE).await?;
    Ok(rows.into_iter().map(title_response).collect())
}

// ---- one chat ----

/// The reference's `get_accessible_chat_by_id`: the owner's chat; an admin's read where
/// `ENABLE_ADMIN_CHAT_ACCESS` allows it (or the chat is internal); a chat shared to the user in
/// `continue` mode; a chat in a folder the user may read. `write` asks for the right to continue.
async fn accessible(ctx: &ServerContext, s: &SessionUser, chat: &ChatRow, write: bool) -> Result<bool> {
    accessible_to(ctx, &s.user.id, s.is_admin(), chat, write).await
}

async fn accessible_to(ctx: &ServerContext, user_id: &str, is_admin: bool, chat: &ChatRow, write: bool) -> Result<bool> {
    if chat.user_id == user_id {
        return Ok(true);
    }
    let internal = chat.meta.get("internal") == Some(&Value::Bool(true));
    if is_admin && !write && (admin_chat_access(ctx) || internal) {
        return Ok(true);
    }
    let client = ctx.db.get().await?;
    if db::shared_continue_readable(&**client, &chat.id, user_id).await? {
        return Ok(true);
    }
    if let Some(folder_id) = &chat.folder_id {
        return Ok(db::folder_chat_readable(&**client, folder_id, user_id, write).await?);
    }
    Ok(false)
}

/// `get_accessible_chat_by_id(chat_id, reader)` for a socket's user (its id and role).
pub async fn readable_by(ctx: &ServerContext, user_id: &str, is_admin: bool, id: &str) -> Result<bool> {
    let Some(chat) = read_chat(ctx, id).await? else { return Ok(false) };
    accessible_to(ctx, user_id, is_admin, &chat, false).await
}

/// What `refresh_chat_access` asks of a chat for a socket's user: its owner, and whether the user
/// may still read it (`get_accessible_chat_by_id`); `None` for a chat that is gone.
pub async fn socket_access(ctx: &ServerContext, user_id: &str, is_admin: bool, id: &str) -> Result<Option<(String, bool)>> {
    let Some(chat) = read_chat(ctx, id).await? else { return Ok(None) };
    let readable = accessible_to(ctx, user_id, is_admin, &chat, false).await?;
    Ok(Some((chat.user_id, readable)))
}

/// `update_chat_last_read_at_by_id`: the user's chat read now; its new `last_read_at`.
pub async fn mark_read(ctx: &ServerContext, user_id: &str, id: &str) -> Result<Option<i64>> {
    let client = ctx.db.get().await?;
    Ok(db::mark_read(&**client, id, user_id, now()).await?)
}

/// `get_chat_by_id`: the row with NUL characters removed and its current message repaired.
async fn read_chat(ctx: &ServerContext, id: &str) -> Result<Option<ChatRow>> {
    let client = ctx.db.get().await?;
    Ok(db::get(&**client, id).await?.map(|mut c| {
        let mut body = Value::Object(std::mem::take(&mut c.chat));
        history::clean(&mut body);
        if let Value::Object(mut m) = body {
            history::repair_current_id(&mut m);
            c.chat = m;
        }
        c
    }))
}

/// `shared_chat_response`: the chat as `user` may see it: another's chat loses its private keys
/// (`params`, `tool_ids`, ..., `variables`) and the message metadata of other authors; user
/// messages name their author.
async fn shared_view(ctx: &ServerContext, chat: ChatRow, viewer: &str) -> Result<ChatResponse> {
    let owner = chat.user_id.clone();
    let foreign = owner != viewer;
    let mut r = chat_response(chat);
    if foreign {
        r.variables = Map::new();
        for k in ["params", "tool_servers", "tool_ids", "filter_ids", "variables"] {
            r.chat.shift_remove(k);
        }
    }
    let mut authors: Vec<(String, String)> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    // Pass 1: authors from the messages themselves.
    for m in history_messages_mut(&mut r.chat) {
        if m.get("role").and_then(Value::as_str) == Some("user") {
            let author = m.get("user").and_then(Value::as_object).cloned().unwrap_or_default();
            let author_id = [m.get("user_id"), author.get("id")]
                .into_iter()
                .find(|v| t(*v))
                .flatten()
                .cloned()
                .unwrap_or_else(|| Value::String(owner.clone()));
            m.insert("user_id".into(), author_id.clone());
            if let Some(aid) = author_id.as_str() {
                if author.get("id") == Some(&author_id) && t(author.get("name")) {
                    if let Some(name) = author.get("name").and_then(Value::as_str) {
                        // A later message's name wins, as in the reference's dict.
                        authors.retain(|(i, _)| i != aid);
                        authors.push((aid.to_string(), name.to_string()));
                    }
                }
            }
        }
        let author_of = m.get("user_id").filter(|v| t(Some(v))).and_then(Value::as_str).unwrap_or(&owner).to_string();
        if author_of != viewer {
            m.shift_remove("meta");
        }
    }
    for m in history_messages_mut(&mut r.chat) {
        if m.get("role").and_then(Value::as_str) == Some("user") {
            if let Some(id) = m.get("user_id").and_then(Value::as_str) {
                if !authors.iter().any(|(i, _)| i == id) && !missing.iter().any(|i| i == id) {
                    missing.push(id.to_string());
                }
            }
        }
    }
    if !missing.is_empty() {
        let client = ctx.db.get().await?;
        for (id, name) in db::user_names(&**client, &missing).await? {
            authors.push((id, name));
        }
    }
    for m in history_messages_mut(&mut r.chat) {
        if m.get("role").and_then(Value::as_str) == Some("user") {
            let id = m.get("user_id").cloned().unwrap_or(Value::Null);
            let name = id.as_str().and_then(|i| authors.iter().find(|(a, _)| a == i)).map(|(_, n)| n.clone()).unwrap_or_default();
            let mut u = Map::new();
            u.insert("id".into(), id);
            u.insert("name".into(), Value::String(name));
            m.insert("user".into(), Value::Object(u));
        }
    }
    Ok(r)
}

/// The message objects of a chat body (history values, then the legacy list), for reading and
/// changing in place; other values are skipped.
fn history_messages_mut(chat: &mut Map<String, Value>) -> Vec<&mut Map<String, Value>> {
    let mut history = Vec::new();
    let mut legacy = Vec::new();
    for (k, v) in chat.iter_mut() {
        if k == "history" {
            if let Some(Value::Object(ms)) = v.as_object_mut().and_then(|h| h.get_mut("messages")) {
                history.extend(ms.values_mut().filter_map(Value::as_object_mut));
            }
        } else if k == "messages" {
            if let Value::Array(a) = v {
                legacy.extend(a.iter_mut().filter_map(Value::as_object_mut));
            }
        }
    }
    // The reference walks the history's messages before the legacy list.
    history.extend(legacy);
    history
}

/// `GET /api/v1/chats/{id}`: the chat as the user may see it, with `share_mode` `continue` when
/// they may write to it. Another user's chat answers as a missing one: 401 `NOT_FOUND`.
pub async fn get(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<ChatResponse> {
    let not_found = || Error::unauthorized(messages::NOT_FOUND);
    let chat = read_chat(ctx, id).await?.ok_or_else(not_found)?;
    if !accessible(ctx, s, &chat, false).await? {
        return Err(not_found());
    }
    let write = accessible(ctx, s, &chat, true).await?;
    let mut r = shared_view(ctx, chat, &s.user.id).await?;
    r.chat.insert("share_mode".into(), if write { Value::String("continue".into()) } else { Value::Null });
    Ok(r)
}

/// Writes the `chat_message` rows of `messages` (`ChatMessages.upsert_message`): a new row as
/// `_build_message` makes it, an existing one updated with the fields the message carries.
async fn upsert_messages(tx: &impl tokio_postgres::GenericClient, chat_id: &str, owner: &str, messages: &[(String, Map<String, Value>)]) -> Result<()> {
    let now = now();
    for (mid, m) in messages {
        let composite = format!("{chat_id}-{mid}");
        let user_id = [m.get("user_id"), m.get("user").and_then(Value::as_object).and_then(|u| u.get("id"))]
            .into_iter()
            .find(|v| t(*v))
            .flatten()
            .and_then(Value::as_str)
            .unwrap_or(owner)
            .to_string();
        let text = |keys: &[&str]| -> Option<String> {
            let v = keys.iter().map(|k| m.get(*k)).find(|v| t(*v)).flatten();
            v.map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let json = |k: &str| m.get(k).cloned().unwrap_or(Value::Null);
        let usage = history::message_usage(m).map(Value::Object);
        match db::message_usage(tx, &composite).await? {
            None => {
                let role = match m.get("role") {
                    None => "user".to_string(),
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                };
                let created_at = match m.get("timestamp").filter(|v| t(Some(v))) {
                    Some(Value::Number(n)) => n.as_i64().unwrap_or_else(|| n.as_f64().map(|f| f.round() as i64).unwrap_or(now)),
                    Some(Value::String(s)) => s.trim().parse().unwrap_or(now),
                    _ => now,
                };
                let done = match m.get("done") {
                    None => Some(true),
                    Some(Value::Bool(b)) => Some(*b),
                    Some(_) => None,
                };
                db::insert_message(
                    tx,
                    &NewMessage {
                        id: &composite,
                        chat_id,
                        user_id: &user_id,
                        role: &role,
                        parent_id: text(&["parent_id", "parentId"]).as_deref(),
                        content: &json("content"),
                        output: &json("output"),
                        model_id: text(&["model_id", "model"]).as_deref(),
                        files: &json("files"),
                        sources: &json("sources"),
                        embeds: &json("embeds"),
                        meta: &json("meta"),
                        done,
                        status_history: &[m.get("status_history"), m.get("statusHistory")]
                            .into_iter()
                            .find(|v| t(*v))
                            .flatten()
                            .cloned()
                            .unwrap_or_else(|| m.get("statusHistory").cloned().unwrap_or(Value::Null)),
                        error: &json("error"),
                        usage: &usage.clone().unwrap_or(Value::Null),
                        context_summary: text(&["context_summary", "contextSummary"]).as_deref(),
                        created_at,
                        updated_at: now,
                    },
                )
                .await?;
            }
            Some(existing_usage) => {
                use db::MessageSet::*;
                let mut sets = Vec::new();
                let has = |k: &str| m.contains_key(k);
                if has("role") {
                    sets.push(Text("role", m.get("role").map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))));
                }
                if has("parent_id") || has("parentId") {
                    sets.push(Text("parent_id", text(&["parent_id", "parentId"])));
                }
                for k in ["content", "output", "files", "sources", "embeds", "meta", "error"] {
                    if has(k) {
                        sets.push(Json(k, json(k)));
                    }
                }
                if has("model_id") || has("model") {
                    sets.push(Text("model_id", text(&["model_id", "model"])));
                }
                if has("done") {
                    sets.push(Bool("done", m.get("done").and_then(Value::as_bool)));
                }
                if has("status_history") || has("statusHistory") {
                    let v = [m.get("status_history"), m.get("statusHistory")].into_iter().find(|v| t(*v)).flatten().cloned();
                    sets.push(Json("status_history", v.unwrap_or_else(|| json("statusHistory"))));
                }
                if has("context_summary") || has("contextSummary") {
                    sets.push(Text("context_summary", text(&["context_summary", "contextSummary"])));
                }
                if let Some(u) = usage {
                    let existing = existing_usage.as_ref().and_then(Value::as_object).and_then(history::normalize_usage).map(Value::Object);
                    if existing.as_ref() != Some(&u) {
                        sets.push(Json("usage", u));
                    }
                }
                db::update_message(tx, &composite, sets, now).await?;
            }
        }
    }
    Ok(())
}

/// The messages `insert_new_chat` writes to `chat_message`: the history's (or, without any,
/// the legacy list's, by id) that have a role.
fn initial_messages(chat: &Map<String, Value>) -> Vec<(String, Map<String, Value>)> {
    let mut messages: Vec<(String, Map<String, Value>)> = match chat.get("history").and_then(Value::as_object).and_then(|h| h.get("messages")) {
        Some(Value::Object(m)) => m.iter().filter_map(|(k, v)| v.as_object().map(|o| (k.clone(), o.clone()))).collect(),
        _ => Vec::new(),
    };
    let history_empty = !matches!(
        chat.get("history").and_then(Value::as_object).and_then(|h| h.get("messages")),
        Some(Value::Object(m)) if !m.is_empty()
    );
    if history_empty {
        if let Some(Value::Array(list)) = chat.get("messages") {
            messages.clear();
            for m in list.iter().filter_map(Value::as_object) {
                if let Some(id) = m.get("id").filter(|v| t(Some(v))) {
                    let id = id.as_str().map(str::to_string).unwrap_or_else(|| id.to_string());
                    match messages.iter_mut().find(|(k, _)| *k == id) {
                        Some(e) => e.1 = m.clone(),
                        None => messages.push((id, m.clone())),
                    }
                }
            }
        }
    }
    messages.retain(|(_, m)| t(m.get("role")));
    messages
}

/// `POST /api/v1/chats/new` (`create_new_chat` + `insert_new_chat`): the chat and its
/// `chat_message` rows in one transaction; `chat.created` published.
pub async fn create(ctx: &ServerContext, s: &SessionUser, form: ChatForm) -> Result<ChatResponse> {
    let chat = create_with_id(ctx, s, &uuid::Uuid::new_v4().to_string(), form, true).await?;
    let data = serde_json::json!({"title": chat.title, "folder_id": chat.folder_id});
    publish::publish(ctx, publish::Event::new("chat.created").actor(s).subject("", &chat.id).data(data));
    Ok(chat)
}

/// `insert_new_chat` with the id given; `authors`: the route's `set_message_authors` first (a
/// chat a web-UI completion creates names its authors itself, `chat_completion`).
pub async fn create_with_id(ctx: &ServerContext, s: &SessionUser, id: &str, form: ChatForm, authors: bool) -> Result<ChatResponse> {
    let ChatForm { mut chat, variables, folder_id } = form;
    let mut client = ctx.db.get().await?;
    if let Some(f) = &folder_id {
        if !db::folder_writable(&**client, f, &s.user.id).await? {
            return Err(Error::not_found(messages::NOT_FOUND));
        }
    }
    if authors {
        history::set_message_authors(&mut chat, &s.user.id, &s.user.name).map_err(|_| default_error())?;
    }
    require_creation_permission(ctx, s).await?;
    let title = match chat.get("title") {
        None => "New Chat".to_string(),
        Some(Value::String(t)) => history::clean_text(t),
        Some(_) => return Err(default_error()),
    };
    let current = history::current_message_id(&chat).map_err(|_| default_error())?;
    let mut body = Value::Object(chat);
    history::clean(&mut body);
    let variables = Value::Object(variables.unwrap_or_default());
    let messages = initial_messages(body.as_object().expect("an object"));
    let now = now();
    let tx = client.transaction().await?;
    let row = db::insert(
        &*tx,
        &NewChat {
            id,
            user_id: &s.user.id,
            title: &title,
            chat: &body,
            folder_id: folder_id.as_deref(),
            meta: &Value::Object(Map::new()),
            variables: &variables,
            current_message_id: current.as_deref(),
            pinned: Some(false),
            archived: false,
            created_at: now,
            updated_at: now,
            last_read_at: now,
        },
    )
    .await?;
    upsert_messages(&*tx, &row.id, &s.user.id, &messages).await?;
    tx.commit().await?;
    Ok(chat_response(row))
}

/// `require_chat_creation_permission`: a user whose temporary chats are enforced may not save one.
async fn require_creation_permission(ctx: &ServerContext, s: &SessionUser) -> Result<()> {
    if s.is_admin() {
        return Ok(());
    }
    // The session's own permissions (loaded with it: no statement of its own).
    let p = perms::of_session(ctx, s).await?;
    let chat = p.get("chat");
    if t(chat.and_then(|c| c.get("temporary"))) && t(chat.and_then(|c| c.get("temporary_enforced"))) {
        return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
    }
    Ok(())
}

/// `update_chat_by_id` of the model: keys replace, the history merges (messages of other
/// authors and unfinished answers stay as stored), NUL characters go; `chat_message` rows of
/// the changed messages follow. `None` when the chat is gone.
async fn update_body(ctx: &ServerContext, id: &str, patch: &Map<String, Value>, touch: bool, variables: Option<&Map<String, Value>>) -> Result<Option<ChatRow>> {
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let Some(stored_row) = db::get_for_update(&*tx, id).await? else { return Ok(None) };
    let owner = stored_row.user_id.clone();
    let stored = stored_row.chat;
    let mut updated = stored.clone();
    for (k, v) in patch {
        updated.insert(k.clone(), v.clone());
    }
    let stored_history = stored.get("history").and_then(Value::as_object);
    let stored_messages: Map<String, Value> = stored_history.and_then(|h| h.get("messages")).and_then(Value::as_object).cloned().unwrap_or_default();
    if let Some(incoming) = patch.get("history") {
        let incoming = match incoming {
            Value::Object(h) => Some(h),
            Value::Null => None,
            _ => return Err(default_error()),
        };
        let mut merged = history::merge_history(stored_history, incoming);
        if let Some(Value::Object(ms)) = merged.get_mut("messages") {
            for (mid, message) in &stored_messages {
                let Some(m) = message.as_object() else { continue };
                let author = m.get("user_id").filter(|v| t(Some(v))).and_then(Value::as_str).unwrap_or(&owner);
                let unfinished = m.get("role").and_then(Value::as_str) == Some("assistant")
                    && (m.get("done") == Some(&Value::Bool(false))
                        || ms.get(mid).and_then(|u| u.get("done")) == Some(&Value::Bool(false)));
                if author != owner || unfinished {
                    ms.insert(mid.clone(), message.clone());
                }
            }
        }
        let merged = history::merge_history(Some(&merged), None);
        updated.insert("history".into(), Value::Object(merged));
    }
    let mut body = Value::Object(updated);
    history::clean(&mut body);
    let Value::Object(updated) = body else { unreachable!() };
    let title = match updated.get("title") {
        None => "New Chat".to_string(),
        Some(Value::String(t)) => t.clone(),
        Some(_) => return Err(default_error()),
    };
    let current = if ["history", "messages", "currentId", "branchPointMessageId"].iter().any(|k| patch.contains_key(*k)) {
        Some(history::current_message_id(&updated).map_err(|_| default_error())?)
    } else {
        None
    };
    let mut changed: Vec<(String, Map<String, Value>)> = Vec::new();
    if let Some(Value::Object(incoming)) = patch.get("history").and_then(|h| h.get("messages")) {
        let merged = updated.get("history").and_then(|h| h.get("messages")).and_then(Value::as_object);
        for mid in incoming.keys() {
            if let Some(m) = merged.and_then(|ms| ms.get(mid)).and_then(Value::as_object) {
                if t(m.get("role")) && stored_messages.get(mid) != Some(&Value::Object(m.clone())) {
                    changed.push((mid.clone(), m.clone()));
                }
            }
        }
    }
    let body = Value::Object(updated);
    let mut row = db::update_body(
        &*tx,
        id,
        &title,
        &body,
        current.as_ref().map(|c| c.as_deref()),
        touch.then(now),
    )
    .await?;
    upsert_messages(&*tx, id, &owner, &changed).await?;
    if let Some(v) = variables {
        if let Some(r) = db::update_variables(&*tx, id, &Value::Object(v.clone())).await? {
            row = r;
        }
    }
    tx.commit().await?;
    Ok(Some(row))
}

/// `POST /api/v1/chats/{id}` (`update_chat_by_id`). The owner updates anything; the owner of
/// the folder another user's chat sits in may only rename it. Another user's chat otherwise
/// answers 401 `ACCESS_PROHIBITED`, as a missing one.
pub async fn update(ctx: &ServerContext, s: &SessionUser, id: &str, form: ChatForm) -> Result<ChatResponse> {
    let ChatForm { mut chat, variables, folder_id } = form;
    let prohibited = || Error::unauthorized(messages::ACCESS_PROHIBITED);
    let current = {
        let client = ctx.db.get().await?;
        db::get(&**client, id).await?
    };
    let Some(current) = current else { return Err(prohibited()) };
    if current.user_id != s.user.id {
        let client = ctx.db.get().await?;
        let folder_owned = match &current.folder_id {
            Some(f) => db::folder_owned(&**client, f, &s.user.id).await?,
            None => false,
        };
        if !folder_owned || chat.len() != 1 || !chat.contains_key("title") || variables.is_some() || folder_id.is_some() {
            return Err(prohibited());
        }
        match chat.get("title") {
            Some(Value::String(t)) if !t.trim().is_empty() => {
                let trimmed = t.trim().to_string();
                chat.insert("title".into(), Value::String(trimmed));
            }
            _ => return Err(Error::bad_request(messages::default_error("Invalid title"))),
        }
    }
    history::set_message_authors(&mut chat, &s.user.id, &s.user.name).map_err(|_| default_error())?;
    let touch = chat.contains_key("history") || chat.contains_key("messages");
    let row = update_body(ctx, id, &chat, touch, variables.as_ref()).await?.ok_or_else(prohibited)?;
    if row.user_id != s.user.id {
        return shared_view(ctx, row, &s.user.id).await;
    }
    Ok(chat_response(row))
}

/// `DELETE /api/v1/chats/{id}`: a user needs the `chat.delete` permission (else 401); an admin
/// deletes any chat where `ENABLE_ADMIN_CHAT_ACCESS` allows. Tags left on no chat go, and the
/// internal chats spawned from it.
pub async fn delete(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<bool> {
    let client = ctx.db.get().await?;
    let chat = if s.is_admin() {
        db::get(&**client, id).await?.filter(|c| c.user_id == s.user.id || admin_chat_access(ctx))
    } else {
        let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
        if !perms::has_permission(ctx, &s.user.id, "chat.delete", &defaults).await? {
            return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
        }
        db::get_owned(&**client, id, &s.user.id).await?
    };
    let chat = chat.ok_or_else(|| Error::not_found(messages::NOT_FOUND))?;
    drop(client);
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    db::delete_orphan_tags(&*tx, &chat.tag_ids(), &chat.user_id, 1).await?;
    for child in db::internal_children(&*tx, id, &chat.user_id).await? {
        db::delete(&*tx, &child, Some(&chat.user_id)).await?;
    }
    db::delete(&*tx, id, (!s.is_admin()).then_some(s.user.id.as_str())).await?;
    tx.commit().await?;
    socket::refresh_chat_access(ctx, Some(id)).await;
    Ok(true)
}

/// `DELETE /api/v1/chats/` (`delete_all_user_chats`): a `user` needs `chat.delete`.
pub async fn delete_all(ctx: &ServerContext, s: &SessionUser) -> Result<bool> {
    if s.user.role == "user" {
        let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
        if !perms::has_permission(ctx, &s.user.id, "chat.delete", &defaults).await? {
            return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
        }
    }
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let tags: Vec<String> = db::tags_of_user(&*tx, &s.user.id).await?.into_iter().map(|t| t.id).collect();
    db::delete_all(&*tx, &s.user.id).await?;
    db::delete_orphan_tags(&*tx, &tags, &s.user.id, 0).await?;
    tx.commit().await?;
    socket::refresh_chat_access(ctx, None).await;
    Ok(true)
}

/// The session user's chat, or 401 with `message` (the reference's answer for a missing or
/// foreign chat on the owner-only routes).
async fn owned(ctx: &ServerContext, s: &SessionUser, id: &str, message: &'static str) -> Result<ChatRow> {
    let client = ctx.db.get().await?;
    db::get_owned(&**client, id, &s.user.id).await?.ok_or_else(|| Error::unauthorized(message))
}

/// `GET /api/v1/chats/{id}/pinned`.
pub async fn pinned_status(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<Option<bool>> {
    Ok(owned(ctx, s, id, messages::DEFAULT_ERROR).await?.pinned)
}

/// `POST /api/v1/chats/{id}/pin`.
pub async fn pin(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<ChatResponse> {
    owned(ctx, s, id, messages::DEFAULT_ERROR).await?;
    let client = ctx.db.get().await?;
    let row = db::toggle_pinned(&**client, id, now()).await?.ok_or_else(default_error)?;
    Ok(chat_response(row))
}

/// `POST /api/v1/chats/{id}/archive`: archived chats leave their folder; unarchived ones get
/// their tags back.
pub async fn archive(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<ChatResponse> {
    owned(ctx, s, id, messages::DEFAULT_ERROR).await?;
    let client = ctx.db.get().await?;
    let row = db::toggle_archived(&**client, id, now()).await?.ok_or_else(default_error)?;
    if !row.archived {
        db::ensure_tags(&**client, &row.tag_ids(), &s.user.id).await?;
    } else {
        drop(client);
        socket::refresh_chat_access(ctx, Some(id)).await;
    }
    Ok(chat_response(row))
}

/// `POST /api/v1/chats/archive/all`.
pub async fn archive_all(ctx: &ServerContext, s: &SessionUser) -> Result<bool> {
    let client = ctx.db.get().await?;
    db::set_all_archived(&**client, &s.user.id, true).await?;
    drop(client);
    socket::refresh_chat_access(ctx, None).await;
    Ok(true)
}

/// `POST /api/v1/chats/unarchive/all`: the archived chats' tags exist again.
pub async fn unarchive_all(ctx: &ServerContext, s: &SessionUser) -> Result<bool> {
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let tags = db::archived_tag_ids(&*tx, &s.user.id).await?;
    db::set_all_archived(&*tx, &s.user.id, false).await?;
    db::ensure_tags(&*tx, &tags, &s.user.id).await?;
    tx.commit().await?;
    Ok(true)
}

/// `POST /api/v1/chats/read`.
pub async fn mark_all_read(ctx: &ServerContext, s: &SessionUser) -> Result<ChatsReadResponse> {
    let client = ctx.db.get().await?;
    let n = db::mark_all_read(&**client, &s.user.id).await?;
    Ok(ChatsReadResponse { updated_count: n as i64, folder_unread_counts: db::folder_unread_counts(&**client, &s.user.id).await? })
}

/// `POST /api/v1/chats/{id}/unread`: 404 for a missing or foreign chat.
pub async fn mark_unread(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<ChatUnreadResponse> {
    let client = ctx.db.get().await?;
    let row = db::mark_unread(&**client, id, &s.user.id).await?.ok_or_else(|| Error::not_found(messages::NOT_FOUND))?;
    Ok(ChatUnreadResponse {
        chat_id: id.to_string(),
        last_read_at: row.last_read_at,
        folder_id: db::folder_of(&**client, id, &s.user.id).await?,
        folder_unread_counts: db::folder_unread_counts(&**client, &s.user.id).await?,
    })
}

/// `POST /api/v1/chats/{id}/folder`: into a folder the user may write to (404 otherwise), or
/// out of any (`null`). Another user's chat moves only within a folder tree the session user
/// owns (`has_chat_move_access`); else 401.
pub async fn move_to_folder(ctx: &ServerContext, s: &SessionUser, id: &str, folder_id: Option<String>) -> Result<ChatResponse> {
    let client = ctx.db.get().await?;
    let chat = db::get(&**client, id).await?.ok_or_else(|| Error::unauthorized(messages::DEFAULT_ERROR))?;
    if chat.user_id != s.user.id {
        let source = db::owned_folder_root(&**client, chat.folder_id.as_deref(), &s.user.id).await?;
        let target = db::owned_folder_root(&**client, folder_id.as_deref(), &s.user.id).await?;
        if source.is_none() || source != target {
            return Err(Error::unauthorized(messages::DEFAULT_ERROR));
        }
    }
    if let Some(f) = &folder_id {
        if !db::folder_writable(&**client, f, &s.user.id).await? {
            return Err(Error::not_found(messages::NOT_FOUND));
        }
    }
    let row = db::set_folder(&**client, id, &s.user.id, folder_id.as_deref(), now()).await?.ok_or_else(default_error)?;
    drop(client);
    socket::refresh_chat_access(ctx, Some(id)).await;
    if row.user_id != s.user.id {
        return shared_view(ctx, row, &s.user.id).await;
    }
    Ok(chat_response(row))
}

// ---- tags ----

/// `GET /api/v1/chats/all/tags`.
pub async fn all_tags(ctx: &ServerContext, s: &SessionUser) -> Result<Vec<TagModel>> {
    let client = ctx.db.get().await?;
    Ok(db::tags_of_user(&**client, &s.user.id).await?.into_iter().map(tag_model).collect())
}

/// `GET /api/v1/chats/{id}/tags`: the tags of a chat the user may read (401 `NOT_FOUND` else).
pub async fn tags_of(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<Vec<TagModel>> {
    let not_found = || Error::unauthorized(messages::NOT_FOUND);
    let chat = read_chat(ctx, id).await?.ok_or_else(not_found)?;
    if !accessible(ctx, s, &chat, false).await? {
        return Err(not_found());
    }
    let client = ctx.db.get().await?;
    Ok(db::tags_by_ids(&**client, &chat.tag_ids(), &chat.user_id).await?.into_iter().map(tag_model).collect())
}

/// `POST /api/v1/chats/{id}/tags`: adds the tag (its row created for the user); the chat's tags.
pub async fn add_tag(ctx: &ServerContext, s: &SessionUser, id: &str, name: &str) -> Result<Vec<TagModel>> {
    let chat = owned(ctx, s, id, messages::DEFAULT_ERROR).await?;
    let tag_id = db::tag_id(name);
    if tag_id == "none" {
        return Err(Error::bad_request(messages::default_error("Tag name cannot be 'None'")));
    }
    let mut client = ctx.db.get().await?;
    if !chat.tag_ids().contains(&tag_id) {
        let tx = client.transaction().await?;
        db::ensure_tags(&*tx, &[name.to_string()], &s.user.id).await?;
        if let Some(mut meta) = db::meta_for_update(&*tx, id).await? {
            let mut tags = db::tag_ids_of(&meta);
            if !tags.contains(&tag_id) {
                let mut all: Vec<Value> = match meta.get("tags") {
                    Some(Value::Array(a)) => a.clone(),
                    _ => Vec::new(),
                };
                tags.push(tag_id.clone());
                all.push(Value::String(tag_id.clone()));
                let mut uniq: Vec<Value> = Vec::new();
                for v in all {
                    if !uniq.contains(&v) {
                        uniq.push(v);
                    }
                }
                meta.insert("tags".into(), Value::Array(uniq));
                db::set_meta(&*tx, id, &Value::Object(meta)).await?;
            }
        }
        tx.commit().await?;
    }
    chat_tags(&**client, id, &s.user.id).await
}

async fn chat_tags(client: &impl tokio_postgres::GenericClient, id: &str, user_id: &str) -> Result<Vec<TagModel>> {
    let chat = db::get_owned(client, id, user_id).await?.ok_or_else(default_error)?;
    Ok(db::tags_by_ids(client, &chat.tag_ids(), user_id).await?.into_iter().map(tag_model).collect())
}

/// `DELETE /api/v1/chats/{id}/tags`: removes the tag; the user's tag row goes when no chat has it.
pub async fn remove_tag(ctx: &ServerContext, s: &SessionUser, id: &str, name: &str) -> Result<Vec<TagModel>> {
    owned(ctx, s, id, messages::NOT_FOUND).await?;
    let tag_id = db::tag_id(name);
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    if let Some(mut meta) = db::meta_for_update(&*tx, id).await? {
        let mut uniq: Vec<Value> = Vec::new();
        if let Some(Value::Array(a)) = meta.get("tags") {
            for v in a {
                if v.as_str() != Some(tag_id.as_str()) && !uniq.contains(v) {
                    uniq.push(v.clone());
                }
            }
        }
        meta.insert("tags".into(), Value::Array(uniq));
        db::set_meta(&*tx, id, &Value::Object(meta)).await?;
    }
    if db::count_by_tag(&*tx, &tag_id, &s.user.id).await? == 0 {
        db::delete_tag(&*tx, name, &s.user.id).await?;
    }
    tx.commit().await?;
    chat_tags(&**client, id, &s.user.id).await
}

/// `POST /api/v1/chats/tags`: the chats with a tag; the tag goes when none has it.
pub async fn list_by_tag(ctx: &ServerContext, s: &SessionUser, name: &str, skip: Option<i64>, limit: Option<i64>) -> Result<Vec<ChatTitleIdResponse>> {
    let skip = skip.unwrap_or(0);
    let limit = limit.unwrap_or(0);
    if skip < 0 || limit < 0 {
        return Err(default_error());
    }
    let client = ctx.db.get().await?;
    let rows = db::tag_title_list(&**client, &s.user.id, &db::tag_id(name), skip, limit).await?;
    if rows.is_empty() {
        db::delete_tag(&**client, name, &s.user.id).await?;
    }
    Ok(rows.into_iter().map(title_response).collect())
}

// ---- search ----

/// `GET /api/v1/chats/search`: pages of [`PAGE_SIZE`]; each entry with a snippet of the
/// message that matched. A lone `tag:x` that finds nothing deletes the unused tag, as upstream.
pub async fn search(ctx: &ServerContext, s: &SessionUser, text: &str, page: Option<i64>) -> Result<Vec<ChatTitleIdResponse>> {
    let page = page.unwrap_or(1);
    let skip = skip_of(page, PAGE_SIZE).ok_or_else(default_error)?;
    let search_text = history::search_content_query(text);
    let lowered = history::clean_text(text).to_lowercase();
    let lowered = lowered.trim();
    let client = ctx.db.get().await?;
    let mut out = Vec::new();
    if lowered.is_empty() {
        // The reference fails here (500) when the user has any chat; the plain list instead.
        let rows = db::filtered_list(&**client, &s.user.id, false, false, None, None, false, skip, PAGE_SIZE).await?;
        out.extend(rows.into_iter().map(title_response));
    } else {
        let words: Vec<&str> = lowered.split_whitespace().collect();
        let folder_names: Vec<String> =
            words.iter().filter(|w| w.starts_with("folder:")).map(|w| w.replace("folder:", "")).collect();
        let flag = |name: &str| {
            if words.contains(&format!("{name}:true").as_str()) {
                Some(true)
            } else if words.contains(&format!("{name}:false").as_str()) {
                Some(false)
            } else {
                None
            }
        };
        let phrase = words
            .iter()
            .filter(|w| !history::FILTER_PREFIXES.iter().any(|p| w.starts_with(p)))
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
            .trim()
            .to_string();
        let terms = history::search_terms(&phrase).into_iter().filter(|t| *t != phrase).collect();
        let folder_ids = if folder_names.is_empty() { None } else { Some(db::folders_by_names(&**client, &s.user.id, &folder_names).await?) };
        let filters = Search {
            tag_ids: words.iter().filter(|w| w.starts_with("tag:")).map(|w| w.replace("tag:", "").replace(' ', "_").to_lowercase()).collect(),
            folder_ids,
            pinned: flag("pinned"),
            archived: flag("archived"),
            shared: flag("shared"),
            phrase,
            terms,
        };
        for c in db::search(&**client, &s.user.id, &filters, skip, PAGE_SIZE).await? {
            let snippet = history::search_snippet(&c.chat, &search_text);
            out.push(ChatTitleIdResponse {
                id: c.id,
                title: c.title,
                updated_at: c.updated_at,
                created_at: c.created_at,
                last_read_at: c.last_read_at,
                snippet,
                active: false,
                archived: c.archived,
            });
        }
    }
    let words: Vec<&str> = text.trim().split(' ').collect();
    if page == 1 && words.len() == 1 && words[0].starts_with("tag:") && out.is_empty() {
        let tag = words[0].replace("tag:", "");
        if db::count_by_tag(&**client, &db::tag_id(&tag), &s.user.id).await? == 0 {
            db::delete_tag(&**client, &tag, &s.user.id).await?;
        }
    }
    Ok(out)
}

// ---- sharing ----

/// The share form as sent: `None` without a body; `Some(None)` with a body that leaves
/// `share_mode` unset; `Some(Some(mode))` with it set (`null` or `continue`).
pub type ShareForm = Option<Option<Option<String>>>;

fn shared_snapshot_view(s: db::SharedRow) -> ChatRow {
    ChatRow {
        id: s.id.clone(),
        user_id: s.user_id,
        title: s.title,
        chat: s.chat,
        created_at: s.created_at,
        updated_at: s.updated_at,
        share_id: Some(s.id),
        archived: false,
        pinned: Some(false),
        meta: Map::new(),
        variables: Map::new(),
        folder_id: None,
        tasks: None,
        summary: None,
        current_message_id: None,
        last_read_at: None,
    }
}

/// `POST /api/v1/chats/{id}/share`: with the `chat.share` permission (admins always), the
/// owner's chat gets a snapshot behind a new link, or its snapshot refreshed.
pub async fn share(ctx: &ServerContext, s: &SessionUser, id: &str, form: ShareForm) -> Result<ChatResponse> {
    let prohibited = || Error::unauthorized(messages::ACCESS_PROHIBITED);
    if !s.is_admin() {
        let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
        if !perms::has_permission(ctx, &s.user.id, "chat.share", &defaults).await? {
            return Err(prohibited());
        }
    }
    let mut client = ctx.db.get().await?;
    let chat = db::get_owned(&**client, id, &s.user.id).await?.ok_or_else(prohibited)?;
    let now = now();
    if let Some(share_id) = &chat.share_id {
        if let Some(shared) = db::shared_by_id(&**client, share_id).await? {
            let mut snapshot = chat.chat.clone();
            snapshot.insert("share_mode".into(), shared.chat.get("share_mode").cloned().unwrap_or(Value::Null));
            if let Some(Some(mode)) = &form {
                snapshot.insert("share_mode".into(), mode.clone().map(Value::String).unwrap_or(Value::Null));
            }
            db::shared_update(&**client, share_id, &chat.title, &Value::Object(snapshot), now).await?;
            drop(client);
            socket::refresh_chat_access(ctx, Some(id)).await;
            let row = read_chat(ctx, id).await?.ok_or_else(default_error)?;
            return Ok(chat_response(row));
        }
    }
    let mode = form.flatten().flatten();
    let mut snapshot = chat.chat.clone();
    snapshot.insert("share_mode".into(), mode.map(Value::String).unwrap_or(Value::Null));
    let shared = db::SharedRow {
        id: uuid::Uuid::new_v4().to_string(),
        chat_id: id.to_string(),
        user_id: s.user.id.clone(),
        title: chat.title.clone(),
        chat: snapshot,
        created_at: now,
        updated_at: now,
    };
    let tx = client.transaction().await?;
    db::shared_insert(&*tx, &shared).await?;
    let row = db::set_share_id(&*tx, id, Some(&shared.id)).await?.ok_or_else(default_error)?;
    tx.commit().await?;
    drop(client);
    socket::refresh_chat_access(ctx, Some(id)).await;
    Ok(chat_response(row))
}

/// `DELETE /api/v1/chats/{id}/share`: the snapshot, the link and the grants go.
pub async fn unshare(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<bool> {
    let mut client = ctx.db.get().await?;
    let chat = db::get_owned(&**client, id, &s.user.id).await?.ok_or_else(|| Error::unauthorized(messages::ACCESS_PROHIBITED))?;
    let tx = client.transaction().await?;
    db::shared_delete_by_chat(&*tx, id).await?;
    if chat.share_id.is_some() {
        db::set_share_id(&*tx, id, None).await?;
    }
    db::grants_clear(&*tx, "shared_chat", id).await?;
    tx.commit().await?;
    drop(client);
    socket::refresh_chat_access(ctx, Some(id)).await;
    Ok(true)
}

/// `DELETE /api/v1/chats/share/all`: every share of the user goes; the links and grants of (as
/// upstream, the first 50 of) their chats are cleared.
pub async fn unshare_all(ctx: &ServerContext, s: &SessionUser) -> Result<bool> {
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let chat_ids: Vec<String> = db::shared_list(&*tx, &s.user.id, None, None, false, 0, 50).await?.into_iter().map(|r| r.chat_id).collect();
    db::shared_delete_all(&*tx, &s.user.id).await?;
    for chat_id in chat_ids {
        db::set_share_id(&*tx, &chat_id, None).await?;
        db::grants_clear(&*tx, "shared_chat", &chat_id).await?;
    }
    tx.commit().await?;
    drop(client);
    socket::refresh_chat_access(ctx, None).await;
    Ok(true)
}

/// `GET /api/v1/chats/shared`.
pub async fn shared_list(
    ctx: &ServerContext,
    s: &SessionUser,
    page: Option<i64>,
    query: Option<&str>,
    order_by: Option<&str>,
    direction: Option<&str>,
) -> Result<Vec<webui_api::chats::SharedChatResponse>> {
    let skip = skip_of(page.unwrap_or(1), PAGE_SIZE).ok_or_else(default_error)?;
    let given = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
    let any = given(query) || given(order_by) || given(direction);
    let order = match (order_by.filter(|o| !o.is_empty()), direction.filter(|d| !d.is_empty())) {
        (Some(o), Some(d)) => {
            let column = db::SHARED_ORDERABLE.iter().find(|c| **c == o).ok_or_else(default_error)?;
            match d.to_lowercase().as_str() {
                "asc" => Some((*column, true)),
                "desc" => Some((*column, false)),
                _ => return Err(default_error()),
            }
        }
        _ => None,
    };
    let client = ctx.db.get().await?;
    let rows = db::shared_list(&**client, &s.user.id, query.filter(|q| !q.is_empty()), order, any && order.is_none(), skip, PAGE_SIZE).await?;
    Ok(rows
        .into_iter()
        .map(|r| webui_api::chats::SharedChatResponse {
            id: r.chat_id.clone(),
            chat_id: r.chat_id,
            title: r.title,
            share_id: Some(r.id),
            updated_at: r.updated_at,
            created_at: r.created_at,
        })
        .collect())
}

/// `GET /api/v1/chats/share/{share_id}` (`get_shared_chat_by_id`), for a signed-in user or
/// nobody: the snapshot (or, in `continue` mode for a user who may write to it, the live chat),
/// as that user may see it. Without a share of that id an admin may read a chat by its id.
pub async fn shared_get(ctx: &ServerContext, user: Option<&SessionUser>, share_id: &str) -> Result<ChatResponse> {
    let client = ctx.db.get().await?;
    let viewer = user.map(|u| u.user.id.as_str()).unwrap_or("");
    if let Some(shared) = db::shared_by_id(&**client, share_id).await? {
        let readable = db::shared_open(&**client, &shared.chat_id).await?
            || match user {
                None => false,
                Some(u) => {
                    (u.is_admin() && admin_chat_access(ctx))
                        || shared.user_id == u.user.id
                        || db::shared_granted(&**client, &shared.chat_id, &u.user.id).await?
                }
            };
        if readable {
            let mut live = false;
            if shared.chat.get("share_mode").and_then(Value::as_str) == Some("continue") {
                if let (Some(u), Some(c)) = (user, db::get(&**client, &shared.chat_id).await?) {
                    live = accessible(ctx, u, &c, true).await?;
                }
            }
            let chat = if live { read_chat(ctx, &shared.chat_id).await? } else { Some(shared_snapshot_view(shared)) };
            if let Some(chat) = chat {
                let mut r = shared_view(ctx, chat, viewer).await?;
                r.chat.insert("share_mode".into(), if live { Value::String("continue".into()) } else { Value::Null });
                return Ok(r);
            }
        }
        return Err(Error::unauthorized(if user.is_some() { messages::ACCESS_PROHIBITED } else { messages::INVALID_TOKEN }));
    }
    if let Some(u) = user.filter(|u| u.is_admin() && admin_chat_access(ctx)) {
        if let Some(chat) = read_chat(ctx, share_id).await? {
            let write = accessible(ctx, u, &chat, true).await?;
            let mut r = shared_view(ctx, chat, viewer).await?;
            r.chat.insert("share_mode".into(), if write { Value::String("continue".into()) } else { Value::Null });
            return Ok(r);
        }
    }
    Err(Error::unauthorized(messages::NOT_FOUND))
}

/// `GET /api/v1/chats/shared/{id}/access`: the grants on the chat's share (404 for a chat that
/// is not the user's, any chat for an admin where allowed).
pub async fn shared_access(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<Vec<webui_api::chats::SharedChatGrant>> {
    let client = ctx.db.get().await?;
    let found = if s.is_admin() && admin_chat_access(ctx) {
        db::get(&**client, id).await?.is_some()
    } else {
        db::is_owner(&**client, id, &s.user.id).await?
    };
    if !found {
        return Err(Error::not_found(messages::NOT_FOUND));
    }
    Ok(db::grants_of(&**client, "shared_chat", id)
        .await?
        .into_iter()
        .map(|(id, principal_type, principal_id, permission)| webui_api::chats::SharedChatGrant { id, principal_type, principal_id, permission })
        .collect())
}

/// `require_chat_import_permission`: a user needs `chat.import` (403 otherwise).
async fn require_import_permission(ctx: &ServerContext, s: &SessionUser) -> Result<()> {
    if s.is_admin() {
        return Ok(());
    }
    let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
    if !perms::has_permission(ctx, &s.user.id, "chat.import", &defaults).await? {
        return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
    }
    Ok(())
}

/// `POST /api/v1/chats/{id}/clone`: a copy of the owner's chat (its tags, pin and folder kept)
/// branching at its current message; its `chat_message` rows written.
pub async fn clone(ctx: &ServerContext, s: &SessionUser, id: &str, title: Option<String>) -> Result<ChatResponse> {
    require_import_permission(ctx, s).await?;
    let chat = {
        let client = ctx.db.get().await?;
        db::get_owned(&**client, id, &s.user.id).await?
    };
    let Some(mut chat) = chat else { return Err(Error::unauthorized(messages::DEFAULT_ERROR)) };
    let mut body = Value::Object(std::mem::take(&mut chat.chat));
    history::clean(&mut body);
    let Value::Object(mut body) = body else { unreachable!() };
    history::repair_current_id(&mut body);
    // `chat.chat['history']['currentId']`: the reference fails (500) without a history.
    let branch = body.get("history").and_then(Value::as_object).and_then(|h| h.get("currentId")).cloned().ok_or_else(default_error)?;
    body.insert("originalChatId".into(), Value::String(chat.id.clone()));
    body.insert("branchPointMessageId".into(), branch);
    let title = match title.filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => format!("Clone of {}", chat.title),
    };
    body.insert("title".into(), Value::String(title));
    require_creation_permission(ctx, s).await?;
    let title = history::clean_text(body.get("title").and_then(Value::as_str).unwrap_or(""));
    let current = history::current_message_id(&body).map_err(|_| default_error())?;
    let mut client = ctx.db.get().await?;
    let folder_id = match &chat.folder_id {
        Some(f) if db::folder_writable(&**client, f, &s.user.id).await? => Some(f.clone()),
        _ => None,
    };
    for m in history_messages_mut(&mut body) {
        let author = [m.get("user_id"), m.get("user").and_then(Value::as_object).and_then(|u| u.get("id"))]
            .into_iter()
            .find(|v| t(*v))
            .flatten()
            .cloned()
            .unwrap_or_else(|| Value::String(s.user.id.clone()));
        m.insert("user_id".into(), author);
    }
    let messages = initial_messages(&body);
    let body = Value::Object(body);
    let now = now();
    let tx = client.transaction().await?;
    let row = db::insert(
        &*tx,
        &NewChat {
            id: &uuid::Uuid::new_v4().to_string(),
            user_id: &s.user.id,
            title: &title,
            chat: &body,
            folder_id: folder_id.as_deref(),
            meta: &Value::Object(chat.meta.clone()),
            variables: &Value::Object(chat.variables.clone()),
            current_message_id: current.as_deref(),
            pinned: chat.pinned,
            archived: false,
            created_at: now,
            updated_at: now,
            last_read_at: now,
        },
    )
    .await?;
    upsert_messages(&*tx, &row.id, &s.user.id, &messages).await?;
    tx.commit().await?;
    Ok(chat_response(row))
}

/// `PATCH /api/v1/chats/{id}/params`: the owner's chat's `params` merged with `params`.
pub async fn update_params(ctx: &ServerContext, s: &SessionUser, id: &str, mut params: Map<String, Value>) -> Result<Map<String, Value>> {
    let mut client = ctx.db.get().await?;
    if !db::is_owner(&**client, id, &s.user.id).await? {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    let tx = client.transaction().await?;
    let row = db::get_for_update(&*tx, id).await?.ok_or_else(|| Error::not_found(messages::NOT_FOUND))?;
    let mut chat = row.chat;
    let mut merged = match chat.get("params") {
        Some(Value::Object(p)) => p.clone(),
        _ => Map::new(),
    };
    for (k, v) in std::mem::take(&mut params) {
        merged.insert(k, v);
    }
    let mut merged = Value::Object(merged);
    history::clean(&mut merged);
    chat.insert("params".into(), merged.clone());
    db::update_params(&*tx, id, &Value::Object(chat)).await?;
    tx.commit().await?;
    let Value::Object(m) = merged else { unreachable!() };
    Ok(m)
}

// ---- one message ----

/// The chat of the message routes: the owner's, or any for an admin where
/// `ENABLE_ADMIN_CHAT_ACCESS` allows; else 401 `ACCESS_PROHIBITED`, as a missing one.
async fn message_chat(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<ChatRow> {
    let client = ctx.db.get().await?;
    let chat = db::get(&**client, id).await?.ok_or_else(|| Error::unauthorized(messages::ACCESS_PROHIBITED))?;
    if chat.user_id != s.user.id && !(s.is_admin() && admin_chat_access(ctx)) {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    Ok(chat)
}

/// Writes a chat body after a message change (`title`, `current_message_id`, and `updated_at`
/// when `touch`).
async fn save_body(tx: &impl tokio_postgres::GenericClient, id: &str, mut chat: Map<String, Value>, touch: bool) -> Result<ChatRow> {
    let title = match chat.get("title") {
        None => "New Chat".to_string(),
        Some(Value::String(t)) => history::clean_text(t),
        Some(_) => return Err(default_error()),
    };
    let current = history::current_message_id(&chat).map_err(|_| default_error())?;
    let mut body = Value::Object(std::mem::take(&mut chat));
    history::clean(&mut body);
    Ok(db::update_body(tx, id, &title, &body, Some(current.as_deref()), touch.then(now)).await?)
}

/// `POST /api/v1/chats/{id}/messages/{message_id}` (`MessageForm`): sets a message's content
/// and/or its voice metadata (the message must exist for voice), in the history and its
/// `chat_message` row.
pub async fn update_message(
    ctx: &ServerContext,
    s: &SessionUser,
    id: &str,
    message_id: &str,
    content: Option<String>,
    voice: Option<Map<String, Value>>,
) -> Result<ChatResponse> {
    message_chat(ctx, s, id).await?;
    let mut updates = Map::new();
    if let Some(c) = content {
        updates.insert("content".into(), Value::String(c));
    }
    if let Some(v) = voice {
        let v = Value::Object(v);
        if v.to_string().len() > 100_000 {
            return Err(Error::bad_request("Voice metadata is too large"));
        }
        let client = ctx.db.get().await?;
        let in_history = db::get(&**client, id)
            .await?
            .and_then(|c| c.chat.get("history").and_then(|h| h.get("messages")).map(|m| m.get(message_id).is_some()))
            .unwrap_or(false);
        if !in_history && !db::message_exists(&**client, id, message_id).await? {
            return Err(Error::not_found(messages::NOT_FOUND));
        }
        let mut meta = Map::new();
        meta.insert("voice".into(), v);
        updates.insert("meta".into(), Value::Object(meta));
    }
    if updates.is_empty() {
        return Err(Error::bad_request("No message changes supplied"));
    }
    let mut message = Value::Object(updates);
    history::clean(&mut message);
    let Value::Object(message) = message else { unreachable!() };
    let message_id = history::clean_text(message_id);
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let row = db::get_for_update(&*tx, id).await?.ok_or_else(default_error)?;
    let mut chat = row.chat;
    history::repair_current_id(&mut chat);
    let mut h = match chat.get("history") {
        Some(Value::Object(h)) => h.clone(),
        _ => Map::new(),
    };
    let saved = history::upsert_into_history(&mut h, &message_id, message, now());
    chat.insert("history".into(), Value::Object(h));
    upsert_messages(&*tx, id, &row.user_id, &[(message_id.clone(), saved)]).await?;
    let row = save_body(&*tx, id, chat, true).await?;
    tx.commit().await?;
    Ok(chat_response(row))
}

/// `Chats.upsert_message_to_chat_by_id_and_message_id`: the message merged into the chat's
/// history (content taken from its `output` when it has none) and its `chat_message` row, in
/// one transaction. `None` when the chat is gone (the reference swallows every failure there).
pub async fn upsert_message_by_id(
    ctx: &ServerContext,
    id: &str,
    message_id: &str,
    message: Map<String, Value>,
    touch: bool,
) -> Result<Option<ChatRow>> {
    let mut message = Value::Object(message);
    if !t(message.get("content")) {
        let text = history::output_text(message.get("output"));
        if !text.is_empty() {
            message["content"] = Value::String(text);
        }
    }
    history::clean(&mut message);
    let Value::Object(message) = message else { unreachable!() };
    let message_id = history::clean_text(message_id);
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = db::get_for_update(&*tx, id).await? else { return Ok(None) };
    let mut chat = row.chat;
    history::repair_current_id(&mut chat);
    let mut h = match chat.get("history") {
        Some(Value::Object(h)) => h.clone(),
        _ => Map::new(),
    };
    let saved = history::upsert_into_history(&mut h, &message_id, message, now());
    chat.insert("history".into(), Value::Object(h));
    upsert_messages(&*tx, id, &row.user_id, &[(message_id.clone(), saved)]).await?;
    let row = save_body(&*tx, id, chat, touch).await?;
    tx.commit().await?;
    Ok(Some(row))
}

/// `Chats.get_accessible_chat_by_id(id, user, permission='write')`.
pub async fn writable(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<Option<ChatRow>> {
    let Some(chat) = read_chat(ctx, id).await? else { return Ok(None) };
    Ok(accessible(ctx, s, &chat, true).await?.then_some(chat))
}

/// `get_chat_title_by_id`.
pub async fn title_of(ctx: &ServerContext, id: &str) -> Result<Option<String>> {
    Ok(read_chat(ctx, id).await?.map(|c| c.title))
}

/// `get_chat_folder_id` of the user's chat.
pub async fn folder_of(ctx: &ServerContext, id: &str, user_id: &str) -> Result<Option<String>> {
    let client = ctx.db.get().await?;
    Ok(db::folder_of(&**client, id, user_id).await?)
}

/// `Chats.insert_chat_turn`: the user's message (when given) and an empty assistant reply per
/// `(message id, model id)` under it, added to a chat the user may write to, in one
/// transaction. Returns the messages added, by id.
pub async fn insert_turn(
    ctx: &ServerContext,
    s: &SessionUser,
    id: &str,
    user_message: Option<&Map<String, Value>>,
    replies: &[(String, String)],
) -> Result<Map<String, Value>> {
    if writable(ctx, s, id).await?.is_none() {
        return Err(Error::forbidden("Chat continuation is not allowed."));
    }
    let conflict = || Error::status(409, "Message already exists or has an invalid ID.");
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = db::get_for_update(&*tx, id).await? else { return Err(Error::not_found("Chat not found.")) };
    let owner = row.user_id.clone();
    let mut chat = row.chat;
    let mut h = match chat.get("history") {
        Some(Value::Object(h)) => h.clone(),
        _ => serde_json::from_value(serde_json::json!({"messages": {}, "currentId": null})).expect("a map"),
    };
    let messages = h.get("messages").and_then(Value::as_object).cloned().unwrap_or_default();
    let user_message_id = user_message.map(|m| m.get("id").and_then(Value::as_str).unwrap_or("").to_owned());
    let mut ids: Vec<&str> = user_message_id.iter().map(String::as_str).collect();
    ids.extend(replies.iter().map(|(m, _)| m.as_str()));
    let unique: std::collections::HashSet<&str> = ids.iter().copied().collect();
    if ids.iter().any(|i| i.is_empty()) || unique.len() != ids.len() {
        return Err(conflict());
    }
    for (mid, _) in replies {
        if let Some(r) = messages.get(mid) {
            let author = r.get("user_id").and_then(Value::as_str).filter(|a| !a.is_empty()).unwrap_or(&owner);
            if r.get("role").and_then(Value::as_str) != Some("assistant")
                || t(r.get("done"))
                || t(r.get("content"))
                || t(r.get("output"))
                || author != s.user.id
                || (user_message.is_some() && r.get("parentId").and_then(Value::as_str) != user_message_id.as_deref())
            {
                return Err(conflict());
            }
        }
    }
    let now = now();
    let mut turn = Map::new();
    if let (Some(um), Some(umid)) = (user_message, &user_message_id) {
        let existing = messages.get(umid).and_then(Value::as_object).cloned();
        if existing.as_ref().is_some_and(|e| e.get("role").and_then(Value::as_str) != Some("user")) {
            return Err(Error::forbidden("You can only regenerate replies to user messages."));
        }
        let parent = match &existing {
            Some(e) => e.get("parentId").cloned().unwrap_or(Value::Null),
            None => um.get("parentId").cloned().unwrap_or(Value::Null),
        };
        if let Some(p) = parent.as_str() {
            if !messages.contains_key(p) {
                return Err(Error::status(409, "Parent message no longer exists."));
            }
        }
        let message = match existing {
            Some(e) => {
                let mut e = e;
                if um.contains_key("models") && e.get("user_id").and_then(Value::as_str).unwrap_or(&owner) == s.user.id {
                    e.insert("models".into(), um.get("models").cloned().unwrap_or(Value::Null));
                }
                e
            }
            None => {
                let mut m: Map<String, Value> = if owner == s.user.id {
                    um.clone()
                } else {
                    um.iter().filter(|(k, _)| ["content", "files", "models"].contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
                };
                m.insert("id".into(), Value::from(umid.clone()));
                m.insert("parentId".into(), parent);
                m.insert("role".into(), Value::from("user"));
                m.insert("childrenIds".into(), Value::Array(Vec::new()));
                m.insert("timestamp".into(), Value::from(now));
                m.insert("user_id".into(), Value::from(s.user.id.clone()));
                m.insert("user".into(), serde_json::json!({"id": s.user.id, "name": s.user.name}));
                m
            }
        };
        let mut v = Value::Object(message);
        history::clean(&mut v);
        let Value::Object(message) = v else { unreachable!() };
        let saved = history::upsert_into_history(&mut h, umid, message, now);
        turn.insert(umid.clone(), Value::Object(saved));
    }
    for (mid, model) in replies {
        let message: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "id": mid, "parentId": user_message_id, "childrenIds": [], "role": "assistant", "content": "",
            "done": false, "model": model, "modelIdx": null, "timestamp": now, "user_id": s.user.id,
        }))
        .expect("a map");
        let saved = history::upsert_into_history(&mut h, mid, message, now);
        turn.insert(mid.clone(), Value::Object(saved));
    }
    chat.insert("history".into(), Value::Object(h));
    let rows: Vec<(String, Map<String, Value>)> =
        turn.iter().filter_map(|(k, v)| Some((k.clone(), v.as_object()?.clone()))).collect();
    upsert_messages(&*tx, id, &owner, &rows).await?;
    save_body(&*tx, id, chat, true).await?;
    tx.commit().await?;
    Ok(turn)
}

/// `DELETE /api/v1/chats/{id}/messages/{message_id}`: the message and its children leave the
/// history and `chat_message`; the rows of the messages now under its parent are rewritten.
pub async fn delete_message(ctx: &ServerContext, s: &SessionUser, id: &str, message_id: &str) -> Result<ChatResponse> {
    message_chat(ctx, s, id).await?;
    let mut client = ctx.db.get().await?;
    let tx = client.transaction().await?;
    let row = db::get_for_update(&*tx, id).await?.ok_or_else(|| Error::unauthorized(messages::ACCESS_PROHIBITED))?;
    let owner = row.user_id.clone();
    let mut chat = row.chat;
    history::repair_current_id(&mut chat);
    let mut h = match chat.get("history") {
        Some(Value::Object(h)) => h.clone(),
        _ => Map::new(),
    };
    let parent_id = h
        .get("messages")
        .and_then(|m| m.get(message_id))
        .and_then(|m| m.get("parentId"))
        .cloned()
        .unwrap_or(Value::Null);
    let deleted = history::delete_from_history(&mut h, message_id);
    db::delete_messages(&*tx, id, &deleted).await?;
    if deleted.is_empty() {
        let row = save_body(&*tx, id, chat, false).await?;
        tx.commit().await?;
        return Ok(chat_response(row));
    }
    let siblings: Vec<(String, Map<String, Value>)> = match h.get("messages") {
        Some(Value::Object(ms)) => ms
            .iter()
            .filter_map(|(k, m)| m.as_object().filter(|m| m.get("parentId").cloned().unwrap_or(Value::Null) == parent_id).map(|m| (k.clone(), m.clone())))
            .collect(),
        _ => Vec::new(),
    };
    upsert_messages(&*tx, id, &owner, &siblings).await?;
    chat.insert("history".into(), Value::Object(h));
    let row = save_body(&*tx, id, chat, true).await?;
    tx.commit().await?;
    Ok(chat_response(row))
}

// ---- import ----

/// `POST /api/v1/chats/import` (`import_chats`): each chat attributed to the session user, as
/// new rows with new ids (a folder id the user may not write to is dropped), their
/// `chat_message` rows and their tags, in one transaction.
pub async fn import(ctx: &ServerContext, s: &SessionUser, forms: Vec<webui_api::chats::ChatImportForm>) -> Result<Vec<ChatResponse>> {
    require_import_permission(ctx, s).await?;
    import_chats(ctx, s, forms, true).await
}

/// `Chats.import_chats`; `route`: with the import route's own steps (`set_message_authors`,
/// `Tags.ensure_tags_exist`), which a clone of a share skips.
async fn import_chats(ctx: &ServerContext, s: &SessionUser, forms: Vec<webui_api::chats::ChatImportForm>, route: bool) -> Result<Vec<ChatResponse>> {
    require_creation_permission(ctx, s).await?;
    let mut client = ctx.db.get().await?;
    let mut writable: Vec<String> = Vec::new();
    for f in forms.iter().filter_map(|f| f.folder_id.as_ref()) {
        if !writable.contains(f) && db::folder_writable(&**client, f, &s.user.id).await? {
            writable.push(f.clone());
        }
    }
    let now = now();
    let tx = client.transaction().await?;
    let mut out = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    for form in forms {
        let mut chat = form.chat;
        if route {
            history::set_message_authors(&mut chat, &s.user.id, &s.user.name).map_err(|_| default_error())?;
        }
        let title = match chat.get("title") {
            None => "New Chat".to_string(),
            Some(Value::String(t)) => history::clean_text(t),
            Some(_) => return Err(default_error()),
        };
        // `ChatModel` refuses a null `meta` or `archived`.
        let meta = form.meta.ok_or_else(default_error)?;
        let archived = form.archived.ok_or_else(default_error)?;
        let current = match form.current_message_id.filter(|c| !c.is_empty()) {
            Some(c) => Some(c),
            None => history::current_message_id(&chat).map_err(|_| default_error())?,
        };
        let folder_id = form.folder_id.filter(|f| writable.contains(f));
        let mut body = Value::Object(chat);
        history::clean(&mut body);
        let messages = initial_messages(body.as_object().expect("an object"));
        let row = db::insert(
            &*tx,
            &NewChat {
                id: &uuid::Uuid::new_v4().to_string(),
                user_id: &s.user.id,
                title: &title,
                chat: &body,
                folder_id: folder_id.as_deref(),
                meta: &Value::Object(meta),
                variables: &Value::Object(form.variables.unwrap_or_default()),
                current_message_id: current.as_deref(),
                pinned: form.pinned,
                archived,
                created_at: form.created_at.filter(|t| *t != 0).unwrap_or(now),
                updated_at: form.updated_at.filter(|t| *t != 0).unwrap_or(now),
                last_read_at: now,
            },
        )
        .await?;
        upsert_messages(&*tx, &row.id, &s.user.id, &messages).await?;
        for t in row.tag_ids() {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        out.push(chat_response(row));
    }
    if route {
        db::ensure_tags(&*tx, &tags, &s.user.id).await?;
    }
    tx.commit().await?;
    Ok(out)
}
