//! The Notes page (`routers/notes.py`, `models/notes.py`): notes, their pins and their
//! sharing, written as the reference writes them (times in nanoseconds).
// Not done: the note's chats (`/{id}/chat`, `/{id}/chats`: hidden chats beside the note), the
// `events:note` socket emit on update and the rooms left when grants are revoked (collaborative
// editing), and the read check on files newly attached through `data.files` (answered 403
// here unless the caller is an admin or attaches no new file).

use std::collections::HashSet;

use serde_json::{json, Map, Value};
use webui_api::notes::{NoteItemResponse, NoteListResponse, NoteModel, NoteResponse, NoteUserResponse};
use webui_api::workspace::AccessGrantModel;

use crate::app::session::{permissions as perms, truthy, SessionUser};
use crate::app::workspace::{admin_bypass, allowed_grants, group_ids, owner, validated_grants};
use crate::context::ServerContext;
use crate::db::access_grants::{self as grants, grants_allow};
use crate::db::notes::{self as db, NoteRow};
use crate::error::{Error, Result};
use crate::messages;

const RESOURCE: &str = "note";
const SHARING: &str = "sharing.notes";
const PUBLIC: Option<&str> = Some("sharing.public_notes");
/// The page size of the lists.
const PAGE: i64 = 60;

fn now_ns() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

/// `check_notes_access`: notes on (`notes.enable`, else 403) and, for a user,
/// `features.notes` (else 401).
async fn check_access(ctx: &ServerContext, user: &SessionUser) -> Result<()> {
    if !truthy(ctx.settings_many(&["notes.enable"]).get("notes.enable")) {
        return Err(Error::forbidden("Notes is disabled"));
    }
    if !user.is_admin() {
        let p = perms::of_session(ctx, user).await?;
        if !truthy(p.get("features").and_then(|f| f.get("notes"))) {
            return Err(Error::unauthorized(messages::UNAUTHORIZED));
        }
    }
    Ok(())
}

/// `sanitize_note_data`: `content.md` made text (an object or list becomes a fenced JSON block).
pub fn sanitize(data: &Value) -> Value {
    match data {
        Value::Null => Value::Null,
        Value::Object(d) => {
            let Some(Value::Object(content)) = d.get("content") else { return data.clone() };
            let md = match content.get("md") {
                None | Some(Value::String(_)) => return data.clone(),
                Some(Value::Null) => String::new(),
                Some(v @ (Value::Object(_) | Value::Array(_))) => {
                    format!("```json\n{}\n```", serde_json::to_string_pretty(v).unwrap_or_default())
                }
                Some(Value::Bool(b)) => if *b { "True" } else { "False" }.to_string(),
                Some(v) => v.to_string(),
            };
            let mut content = content.clone();
            content.insert("md".into(), Value::String(md));
            let mut d = d.clone();
            d.insert("content".into(), Value::Object(content));
            Value::Object(d)
        }
        Value::String(s) => json!({"content": {"md": s}}),
        other => json!({"content": {"md": other.to_string()}}),
    }
}

/// `NoteModel` of a row (`data or {}`).
fn model(r: &NoteRow, access_grants: Vec<AccessGrantModel>, is_pinned: bool) -> NoteModel {
    NoteModel {
        id: r.id.clone(),
        user_id: r.user_id.clone().unwrap_or_default(),
        title: r.title.clone().unwrap_or_default(),
        data: Some(sanitize(&r.data).as_object().cloned().unwrap_or_default()),
        meta: r.meta.as_object().cloned(),
        is_pinned: Some(is_pinned),
        access_grants,
        created_at: r.created_at.unwrap_or(0),
        updated_at: r.updated_at.unwrap_or(0),
    }
}

/// `_truncate_note_data`: only the markdown, cut to 1000 characters (an empty `data` as is).
fn truncated(data: &Option<Map<String, Value>>) -> Option<Map<String, Value>> {
    let d = data.as_ref()?;
    if d.is_empty() {
        return Some(d.clone());
    }
    let md = d.get("content").and_then(|c| c.get("md")).and_then(Value::as_str).unwrap_or("");
    let cut: String = md.chars().take(1000).collect();
    json!({"content": {"md": cut}}).as_object().cloned()
}

fn item(r: &NoteRow, pinned: &HashSet<String>) -> Option<NoteItemResponse> {
    let user = owner(&r.owner)?;
    let m = model(r, Vec::new(), pinned.contains(&r.id));
    Some(NoteItemResponse {
        id: m.id,
        title: m.title,
        data: truncated(&m.data),
        is_pinned: m.is_pinned,
        updated_at: m.updated_at,
        created_at: m.created_at,
        user: Some(user),
    })
}

/// A page number of the lists (from 1; the handler refuses smaller ones): `(skip, limit)`.
fn window(page: i64) -> (i64, i64) {
    ((page.max(1) - 1).saturating_mul(PAGE), PAGE)
}

/// `GET /api/v1/notes/` (`get_notes`): the notes the caller may read (an admin too: their own
/// and those shared with them), newest change first; the owner's notes only when it exists.
pub async fn list(ctx: &ServerContext, user: &SessionUser, page: Option<i64>) -> Result<Vec<NoteItemResponse>> {
    check_access(ctx, user).await?;
    let page = page.map(window);
    let groups = group_ids(ctx, &user.user.id).await?;
    let client = ctx.db.get().await?;
    let rows = db::readable(&**client, &user.user.id, &groups, page).await?;
    let pinned: HashSet<String> = db::pinned_ids(&**client, &user.user.id).await?.into_iter().collect();
    Ok(rows.iter().filter_map(|r| item(r, &pinned)).collect())
}

/// `GET /api/v1/notes/pinned` (`get_pinned_notes`).
pub async fn pinned(ctx: &ServerContext, user: &SessionUser) -> Result<Vec<NoteItemResponse>> {
    check_access(ctx, user).await?;
    let groups = group_ids(ctx, &user.user.id).await?;
    let client = ctx.db.get().await?;
    let rows = db::pinned(&**client, &user.user.id, &groups).await?;
    let all: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
    Ok(rows.iter().filter_map(|r| item(r, &all)).collect())
}

/// The query of `GET /api/v1/notes/search`.
pub struct SearchQuery {
    pub query: Option<String>,
    pub view_option: Option<String>,
    pub permission: Option<String>,
    pub order_by: Option<String>,
    pub direction: Option<String>,
    pub page: i64,
}

/// `GET /api/v1/notes/search` (`search_notes`): the notes the caller may write (or
/// `permission`), 60 a page.
pub async fn search(ctx: &ServerContext, user: &SessionUser, q: &SearchQuery) -> Result<NoteListResponse> {
    check_access(ctx, user).await?;
    let (skip, limit) = window(q.page);
    fn some(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.is_empty())
    }
    let bypass = admin_bypass(ctx, user);
    let groups = group_ids(ctx, &user.user.id).await?;
    let words: Vec<String> =
        some(&q.query).map(|s| s.split_whitespace().map(|w| w.replace('-', "")).filter(|w| !w.is_empty()).collect()).unwrap_or_default();
    let permission = some(&q.permission).unwrap_or("write");
    let search = db::Search {
        words,
        view_option: some(&q.view_option),
        access: (!bypass).then_some((user.user.id.as_str(), groups.as_slice(), permission)),
        order_by: some(&q.order_by),
        direction: some(&q.direction),
    };
    let client = ctx.db.get().await?;
    let (rows, total) = db::search(&**client, &user.user.id, &search, skip, limit).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let all = grants::of_resources(&**client, RESOURCE, &ids).await?;
    let pinned: HashSet<String> = db::pinned_ids(&**client, &user.user.id).await?.into_iter().collect();
    let items = rows
        .iter()
        .map(|r| {
            let g = all.iter().filter(|g| g.resource_id == r.id).cloned().collect();
            let mut note = model(r, g, pinned.contains(&r.id));
            note.data = truncated(&note.data);
            NoteUserResponse { note, user: owner(&r.owner) }
        })
        .collect();
    Ok(NoteListResponse { items, total })
}

/// `POST /api/v1/notes/create` (`create_new_note`).
pub async fn create(
    ctx: &ServerContext,
    user: &SessionUser,
    title: &str,
    data: Option<Map<String, Value>>,
    meta: Option<Map<String, Value>>,
    access_grants: Option<&[Map<String, Value>]>,
) -> Result<NoteModel> {
    check_access(ctx, user).await?;
    let new_grants = allowed_grants(ctx, user, access_grants, SHARING, PUBLIC).await?.unwrap_or_default();
    let t = now_ns();
    let row = NoteRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: Some(user.user.id.clone()),
        title: Some(title.to_string()),
        data: sanitize(&data.map(Value::Object).unwrap_or(Value::Null)),
        meta: meta.map(Value::Object).unwrap_or(Value::Null),
        created_at: Some(t),
        updated_at: Some(t),
        owner: None,
    };
    let mut client = ctx.db.get().await?;
    db::insert(&mut client, &row, &new_grants, t / 1_000_000_000).await?;
    let g = grants::of_resource(&**client, RESOURCE, &row.id).await?;
    Ok(model(&row, g, false))
}

/// A note, its grants, and whether the caller pinned it; 404 when unknown.
async fn load(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<(NoteRow, Vec<AccessGrantModel>, bool)> {
    let client = ctx.db.get().await?;
    let Some(row) = db::by_id(&**client, id).await? else { return Err(Error::not_found(messages::NOT_FOUND)) };
    let g = grants::of_resource(&**client, RESOURCE, id).await?;
    let pinned = db::pinned_ids(&**client, &user.user.id).await?.contains(&row.id);
    Ok((row, g, pinned))
}

/// An admin, the owner, or a holder of `permission`; else 403 `DEFAULT()`.
async fn require(ctx: &ServerContext, user: &SessionUser, row: &NoteRow, g: &[AccessGrantModel], permission: &str) -> Result<()> {
    if user.is_admin() || row.user_id.as_deref() == Some(user.user.id.as_str()) {
        return Ok(());
    }
    let groups = group_ids(ctx, &user.user.id).await?;
    if grants_allow(g, &user.user.id, &groups, permission) {
        return Ok(());
    }
    Err(Error::forbidden(messages::DEFAULT_ERROR))
}

/// `GET /api/v1/notes/{id}` (`get_note_by_id`).
pub async fn get(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<NoteResponse> {
    check_access(ctx, user).await?;
    let (row, g, pinned) = load(ctx, user, id).await?;
    require(ctx, user, &row, &g, "read").await?;
    let write = user.is_admin() || row.user_id.as_deref() == Some(user.user.id.as_str()) || {
        let groups = group_ids(ctx, &user.user.id).await?;
        grants_allow(&g, &user.user.id, &groups, "write")
    };
    Ok(NoteResponse { note: model(&row, g, pinned), write_access: write })
}

/// `POST /api/v1/notes/{id}/update` (`update_note_by_id`): the sent fields only; `data` and
/// `meta` merged into the stored ones; unchanged: not written (its time kept).
pub async fn update(ctx: &ServerContext, user: &SessionUser, id: &str, form: &Map<String, Value>) -> Result<NoteModel> {
    check_access(ctx, user).await?;
    let (mut row, g, pinned) = load(ctx, user, id).await?;
    require(ctx, user, &row, &g, "write").await?;
    let data = form.get("data").map(sanitize);
    if let Some(files) = data.as_ref().and_then(|d| d.get("files")) {
        if !files.is_null() && !files.is_array() {
            return Err(Error::forbidden(messages::DEFAULT_ERROR));
        }
        let ids = |v: Option<&Value>| -> HashSet<String> {
            v.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|f| f.get("type").and_then(Value::as_str) == Some("file"))
                .filter_map(|f| f.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        };
        let added: Vec<String> = ids(Some(files)).difference(&ids(row.data.get("files"))).cloned().collect();
        if !added.is_empty() && !user.is_admin() {
            return Err(Error::forbidden(messages::DEFAULT_ERROR));
        }
    }
    let before = (row.title.clone(), row.data.clone(), row.meta.clone());
    let stored = sanitize(&row.data);
    row.data = if stored.as_object().is_some_and(|d| !d.is_empty()) { stored } else { json!({}) };
    if let Some(t) = form.get("title") {
        row.title = t.as_str().map(str::to_string);
    }
    if let Some(d) = data {
        let mut merged = row.data.as_object().cloned().unwrap_or_default();
        for (k, v) in d.as_object().into_iter().flatten() {
            merged.insert(k.clone(), v.clone());
        }
        row.data = Value::Object(merged);
    }
    if let Some(m) = form.get("meta") {
        let mut merged = row.meta.as_object().cloned().unwrap_or_default();
        for (k, v) in m.as_object().into_iter().flatten() {
            merged.insert(k.clone(), v.clone());
        }
        row.meta = Value::Object(merged);
    }
    if (row.title.clone(), row.data.clone(), row.meta.clone()) != before {
        row.updated_at = Some(now_ns());
        let client = ctx.db.get().await?;
        db::update(&**client, &row).await?;
    }
    Ok(model(&row, g, pinned))
}

/// `POST /api/v1/notes/{id}/access/update` (`update_note_access_by_id`).
pub async fn update_access(ctx: &ServerContext, user: &SessionUser, id: &str, new: &[Map<String, Value>]) -> Result<NoteModel> {
    check_access(ctx, user).await?;
    let (row, g, pinned) = load(ctx, user, id).await?;
    require(ctx, user, &row, &g, "write").await?;
    let new_grants = validated_grants(ctx, user, new, SHARING, PUBLIC).await?;
    let mut client = ctx.db.get().await?;
    db::set_grants(&mut client, id, &new_grants, crate::app::session::now()).await?;
    let g = grants::of_resource(&**client, RESOURCE, id).await?;
    Ok(model(&row, g, pinned))
}

/// `POST /api/v1/notes/{id}/pin` (`pin_note_by_id`): readers may pin.
pub async fn toggle_pin(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<NoteModel> {
    check_access(ctx, user).await?;
    let (row, g, pinned) = load(ctx, user, id).await?;
    require(ctx, user, &row, &g, "read").await?;
    let client = ctx.db.get().await?;
    db::toggle_pin(&**client, id, &user.user.id, now_ns()).await?;
    Ok(model(&row, g, !pinned))
}

/// `DELETE /api/v1/notes/{id}/delete` (`delete_note_by_id`).
pub async fn delete(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<bool> {
    check_access(ctx, user).await?;
    let (row, g, _) = load(ctx, user, id).await?;
    require(ctx, user, &row, &g, "write").await?;
    let mut client = ctx.db.get().await?;
    db::delete(&mut client, id).await?;
    Ok(true)
}
