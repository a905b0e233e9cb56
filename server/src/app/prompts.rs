//! The workspace prompts (`routers/prompts.py`, `models/prompts.py`,
//! `models/prompt_history.py`): slash-command templates with versions (`prompt_history`) and
//! access grants, written as the reference writes them.

use serde_json::{json, Map, Value};
use webui_api::prompts::{
    PromptAccessListResponse, PromptAccessResponse, PromptDiff, PromptForm, PromptHistoryModel, PromptHistoryResponse, PromptModel,
};
use webui_api::workspace::AccessGrantModel;

use crate::app::difflib;
use crate::app::session::{now, permissions as perms, truthy, SessionUser};
use crate::app::workspace::{admin_bypass, allowed_grants, group_ids, owner, validated_grants};
use crate::context::ServerContext;
use crate::db::access_grants::{self as grants, grants_allow};
use crate::db::prompts::{self as db, HistoryEntry, HistoryRow, PromptRow};
use crate::error::{Error, Result};
use crate::messages;

const RESOURCE: &str = "prompt";
const SHARING: &str = "sharing.prompts";
const PUBLIC: Option<&str> = Some("sharing.public_prompts");
/// `PAGE_ITEM_COUNT` of `/list`.
const PAGE: i64 = 30;
/// The history's page size.
const HISTORY_PAGE: i64 = 20;

fn object(v: &Value) -> Option<Map<String, Value>> {
    v.as_object().cloned()
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
}

/// `PromptModel` of a row and its grants.
fn model(r: &PromptRow, access_grants: Vec<AccessGrantModel>) -> PromptModel {
    PromptModel {
        id: Some(r.id.clone()),
        command: r.command.clone().unwrap_or_default(),
        user_id: r.user_id.clone(),
        name: r.name.clone(),
        content: r.content.clone(),
        data: object(&r.data),
        meta: object(&r.meta),
        tags: string_list(&r.tags),
        is_active: r.is_active,
        version_id: r.version_id.clone(),
        created_at: r.created_at,
        updated_at: r.updated_at,
        access_grants,
    }
}

fn grants_of(all: &[AccessGrantModel], id: &str) -> Vec<AccessGrantModel> {
    all.iter().filter(|g| g.resource_id == id).cloned().collect()
}

/// A prompt and its grants, or 404.
async fn load(ctx: &ServerContext, id: &str) -> Result<(PromptRow, Vec<AccessGrantModel>)> {
    let client = ctx.db.get().await?;
    let Some(row) = db::by_id(&**client, id).await? else { return Err(Error::not_found(messages::NOT_FOUND)) };
    let g = grants::of_resource(&**client, RESOURCE, id).await?;
    Ok((row, g))
}

/// `AccessGrants.has_access(user, 'prompt', id, permission)` over the prompt's grants.
async fn granted(ctx: &ServerContext, user: &SessionUser, g: &[AccessGrantModel], permission: &str) -> Result<bool> {
    if g.is_empty() {
        return Ok(false);
    }
    let groups = group_ids(ctx, &user.user.id).await?;
    Ok(grants_allow(g, &user.user.id, &groups, permission))
}

/// The owner, an admin or a writer; else 401 `ACCESS_PROHIBITED`.
async fn require_write(ctx: &ServerContext, user: &SessionUser, row: &PromptRow, g: &[AccessGrantModel]) -> Result<()> {
    if row.user_id == user.user.id || user.is_admin() || granted(ctx, user, g, "write").await? {
        return Ok(());
    }
    Err(Error::unauthorized(messages::ACCESS_PROHIBITED))
}

/// An admin, the owner or a reader; else 401 `ACCESS_PROHIBITED`.
async fn require_read(ctx: &ServerContext, user: &SessionUser, row: &PromptRow, g: &[AccessGrantModel]) -> Result<()> {
    if user.is_admin() || row.user_id == user.user.id || granted(ctx, user, g, "read").await? {
        return Ok(());
    }
    Err(Error::unauthorized(messages::ACCESS_PROHIBITED))
}

/// The caller's access filter: `None` for an admin with the admin bypass.
async fn access(ctx: &ServerContext, user: &SessionUser) -> Result<Option<Vec<String>>> {
    if admin_bypass(ctx, user) {
        return Ok(None);
    }
    Ok(Some(group_ids(ctx, &user.user.id).await?))
}

/// `GET /api/v1/prompts/` (`get_prompts`): the active prompts the caller may read.
pub async fn list(ctx: &ServerContext, user: &SessionUser) -> Result<Vec<PromptModel>> {
    let groups = access(ctx, user).await?;
    let client = ctx.db.get().await?;
    let rows = db::active(&**client, groups.as_deref().map(|g| (user.user.id.as_str(), g)), "read").await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let all = grants::of_resources(&**client, RESOURCE, &ids).await?;
    Ok(rows.iter().map(|r| model(r, grants_of(&all, &r.id))).collect())
}

/// `GET /api/v1/prompts/tags` (`get_prompt_tags`): the tags of the active prompts the caller
/// may read, each once, sorted.
pub async fn tags(ctx: &ServerContext, user: &SessionUser) -> Result<Vec<String>> {
    let groups = access(ctx, user).await?;
    let client = ctx.db.get().await?;
    let lists = db::tags(&**client, groups.as_deref().map(|g| (user.user.id.as_str(), g))).await?;
    let mut out: Vec<String> =
        lists.iter().flat_map(|l| l.as_array().into_iter().flatten()).filter_map(Value::as_str).filter(|t| !t.is_empty()).map(str::to_string).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// The query of `GET /api/v1/prompts/list`.
pub struct ListQuery {
    pub query: Option<String>,
    pub view_option: Option<String>,
    pub tag: Option<String>,
    pub order_by: Option<String>,
    pub direction: Option<String>,
    pub page: i64,
}

/// `GET /api/v1/prompts/list` (`get_prompt_list`): 30 a page.
pub async fn list_page(ctx: &ServerContext, user: &SessionUser, q: &ListQuery) -> Result<PromptAccessListResponse> {
    let page = q.page.max(1);
    let skip = (page - 1).saturating_mul(PAGE);
    let groups = group_ids(ctx, &user.user.id).await?;
    let bypass = admin_bypass(ctx, user);
    let uid = user.user.id.as_str();
    fn some(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.is_empty())
    }
    let search = db::Search {
        query: some(&q.query),
        view_option: some(&q.view_option),
        tag: some(&q.tag),
        order_by: some(&q.order_by),
        direction: some(&q.direction),
        access: (!bypass).then_some((uid, groups.as_slice())),
    };
    let client = ctx.db.get().await?;
    let (rows, total) = db::search(&**client, uid, &search, skip, PAGE).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let all = grants::of_resources(&**client, RESOURCE, &ids).await?;
    let writable = db::granted_ids(&**client, &ids, uid, &groups, "write").await?;
    let items = rows
        .iter()
        .map(|r| PromptAccessResponse {
            prompt: model(r, grants_of(&all, &r.id)),
            user: owner(&r.owner),
            write_access: bypass || r.user_id == uid || writable.contains(&r.id),
        })
        .collect();
    Ok(PromptAccessListResponse { items, total })
}

/// `Value` of an optional form map (`form.data or {}`).
fn map_or_empty(m: &Option<Map<String, Value>>) -> Value {
    Value::Object(m.clone().unwrap_or_default())
}

/// `POST /api/v1/prompts/create` (`create_new_prompt`): an admin, or a user with
/// `workspace.prompts` or `workspace.prompts_import`; a command taken answers 400.
pub async fn create(ctx: &ServerContext, user: &SessionUser, form: &PromptForm) -> Result<PromptModel> {
    if !user.is_admin() {
        let p = perms::of_session(ctx, user).await?;
        let has = |k: &str| truthy(p.get("workspace").and_then(|w| w.get(k)));
        if !(has("prompts") || has("prompts_import")) {
            return Err(Error::unauthorized(messages::UNAUTHORIZED));
        }
    }
    let new_grants = allowed_grants(ctx, user, form.access_grants.as_deref(), SHARING, PUBLIC).await?.unwrap_or_default();
    let t = now();
    let id = uuid::Uuid::new_v4().to_string();
    let version = uuid::Uuid::new_v4().to_string();
    let tags = Value::Array(form.tags.clone().unwrap_or_default().into_iter().map(Value::String).collect());
    let row = PromptRow {
        id: id.clone(),
        command: Some(form.command.clone()),
        user_id: user.user.id.clone(),
        name: form.name.clone(),
        content: form.content.clone(),
        data: map_or_empty(&form.data),
        meta: map_or_empty(&form.meta),
        tags: tags.clone(),
        is_active: Some(true),
        version_id: Some(version.clone()),
        created_at: Some(t),
        updated_at: Some(t),
        owner: None,
    };
    let mut snapshot = json!({
        "name": form.name,
        "content": form.content,
        "command": form.command,
        "data": row.data,
        "meta": row.meta,
        "tags": tags,
    });
    let message = form.commit_message.as_deref().filter(|m| !m.is_empty()).unwrap_or("Initial version");
    let history = HistoryEntry { id: &version, parent_id: None, snapshot: &Value::Null, user_id: &user.user.id, commit_message: Some(message), created_at: t };
    let mut client = ctx.db.get().await?;
    if !db::insert(&mut client, &row, &new_grants, &mut snapshot, &history).await? {
        return Err(Error::bad_request(messages::COMMAND_TAKEN));
    }
    let g = grants::of_resource(&**client, RESOURCE, &id).await?;
    Ok(model(&row, g))
}

/// `GET /api/v1/prompts/id/{id}` (`get_prompt_by_id`): an admin, the owner or a reader; any
/// other caller gets the same 404 as for an unknown id.
pub async fn get(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<PromptAccessResponse> {
    let (row, g) = load(ctx, id).await?;
    let owns = row.user_id == user.user.id;
    let groups = if owns { Vec::new() } else { group_ids(ctx, &user.user.id).await? };
    if !(user.is_admin() || owns || grants_allow(&g, &user.user.id, &groups, "read")) {
        return Err(Error::not_found(messages::NOT_FOUND));
    }
    let write = admin_bypass(ctx, user) || owns || grants_allow(&g, &user.user.id, &groups, "write");
    Ok(PromptAccessResponse { prompt: model(&row, g), user: None, write_access: write })
}

/// 400 `COMMAND_TAKEN` when another prompt has `command`.
async fn command_free(ctx: &ServerContext, row: &PromptRow, command: &str) -> Result<()> {
    if row.command.as_deref() == Some(command) {
        return Ok(());
    }
    let client = ctx.db.get().await?;
    match db::id_by_command(&**client, command).await? {
        Some(other) if other != row.id => Err(Error::bad_request(messages::COMMAND_TAKEN)),
        _ => Ok(()),
    }
}

/// The prompt as stored after a write.
async fn reloaded(ctx: &ServerContext, id: &str) -> Result<PromptModel> {
    let (row, g) = load(ctx, id).await?;
    Ok(model(&row, g))
}

/// `Value` of a list of tags.
fn tag_values(tags: &[String]) -> Value {
    Value::Array(tags.iter().cloned().map(Value::String).collect())
}

/// `POST /api/v1/prompts/id/{id}/update` (`update_prompt_by_id`): a new version when the
/// name, command, content or (given) tags changed; with `is_production` (the default) the
/// prompt takes the form's values and the new version becomes the current one.
pub async fn update(ctx: &ServerContext, user: &SessionUser, id: &str, form: &PromptForm) -> Result<PromptModel> {
    let (mut row, g) = load(ctx, id).await?;
    require_write(ctx, user, &row, &g).await?;
    command_free(ctx, &row, &form.command).await?;
    let tags = form.tags.as_deref().map(tag_values);
    let changed = row.name != form.name
        || row.command.as_deref() != Some(form.command.as_str())
        || row.content != form.content
        || tags.as_ref().is_some_and(|t| *t != row.tags);
    let production = form.is_production == Some(true);
    row.command = Some(form.command.clone());
    if production {
        row.name = form.name.clone();
        row.content = form.content.clone();
        // `form.data or prompt.data`: an empty or absent map keeps the stored one.
        if let Some(d) = form.data.as_ref().filter(|d| !d.is_empty()) {
            row.data = Value::Object(d.clone());
        }
        if let Some(m) = form.meta.as_ref().filter(|m| !m.is_empty()) {
            row.meta = Value::Object(m.clone());
        }
        if let Some(t) = &tags {
            row.tags = t.clone();
        }
    }
    let t = now();
    row.updated_at = Some(t);
    let mut client = ctx.db.get().await?;
    if changed {
        let parent = db::latest_history_id(&**client, id).await?;
        let version = uuid::Uuid::new_v4().to_string();
        let stored_tags = if row.tags.is_null() { json!([]) } else { row.tags.clone() };
        let mut snapshot = json!({
            "name": form.name,
            "content": form.content,
            "command": form.command,
            "data": map_or_empty(&form.data),
            "meta": map_or_empty(&form.meta),
            "tags": tags.clone().unwrap_or(stored_tags),
        });
        if production {
            row.version_id = Some(version.clone());
        }
        let h = HistoryEntry {
            id: &version,
            parent_id: parent.as_deref(),
            snapshot: &Value::Null,
            user_id: &user.user.id,
            commit_message: form.commit_message.as_deref(),
            created_at: t,
        };
        db::update(&mut client, &row, Some((&mut snapshot, h))).await?;
    } else {
        db::update(&mut client, &row, None).await?;
    }
    drop(client);
    reloaded(ctx, id).await
}

/// `POST /api/v1/prompts/id/{id}/update/meta` (`update_prompt_metadata`): name, command and
/// (given) tags; no new version.
pub async fn update_meta(ctx: &ServerContext, user: &SessionUser, id: &str, name: &str, command: &str, tags: Option<&[String]>) -> Result<PromptModel> {
    let (mut row, g) = load(ctx, id).await?;
    require_write(ctx, user, &row, &g).await?;
    command_free(ctx, &row, command).await?;
    row.name = name.to_string();
    row.command = Some(command.to_string());
    if let Some(t) = tags {
        row.tags = tag_values(t);
    }
    row.updated_at = Some(now());
    let mut client = ctx.db.get().await?;
    db::update(&mut client, &row, None).await?;
    drop(client);
    reloaded(ctx, id).await
}

/// `POST /api/v1/prompts/id/{id}/update/version` (`set_prompt_version`): the version's
/// snapshot restored (name, content, data, meta, tags; not the command nor the grants). A
/// version of another prompt, or none: 400.
pub async fn set_version(ctx: &ServerContext, user: &SessionUser, id: &str, version_id: &str) -> Result<PromptModel> {
    let (mut row, g) = load(ctx, id).await?;
    require_write(ctx, user, &row, &g).await?;
    let entry = {
        let client = ctx.db.get().await?;
        db::history_entry(&**client, id, version_id).await?
    };
    let Some(entry) = entry else { return Err(Error::bad_request(messages::DEFAULT_ERROR)) };
    if let Some(s) = entry.snapshot.as_object().filter(|s| !s.is_empty()) {
        if let Some(v) = s.get("name") {
            row.name = v.as_str().map(str::to_string).ok_or_else(|| Error::bad_request(messages::DEFAULT_ERROR))?;
        }
        if let Some(v) = s.get("content") {
            row.content = v.as_str().map(str::to_string).ok_or_else(|| Error::bad_request(messages::DEFAULT_ERROR))?;
        }
        for (key, slot) in [("data", &mut row.data), ("meta", &mut row.meta), ("tags", &mut row.tags)] {
            if let Some(v) = s.get(key) {
                *slot = v.clone();
            }
        }
    }
    row.version_id = Some(version_id.to_string());
    row.updated_at = Some(now());
    let mut client = ctx.db.get().await?;
    db::update(&mut client, &row, None).await?;
    drop(client);
    reloaded(ctx, id).await
}

/// `POST /api/v1/prompts/id/{id}/access/update` (`update_prompt_access_by_id`): the grants
/// replaced when the caller may give every one of them (else 403).
pub async fn update_access(ctx: &ServerContext, user: &SessionUser, id: &str, new: &[Map<String, Value>]) -> Result<Option<PromptModel>> {
    let (row, g) = load(ctx, id).await?;
    require_write(ctx, user, &row, &g).await?;
    let new_grants = validated_grants(ctx, user, new, SHARING, PUBLIC).await?;
    let mut client = ctx.db.get().await?;
    db::set_grants(&mut client, id, &new_grants, now()).await?;
    drop(client);
    Ok(Some(reloaded(ctx, id).await?))
}

/// `POST /api/v1/prompts/id/{id}/toggle` (`toggle_prompt_active`).
pub async fn toggle(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<PromptModel> {
    let (mut row, g) = load(ctx, id).await?;
    require_write(ctx, user, &row, &g).await?;
    row.is_active = Some(!row.is_active.unwrap_or(false));
    row.updated_at = Some(now());
    let mut client = ctx.db.get().await?;
    db::update(&mut client, &row, None).await?;
    drop(client);
    reloaded(ctx, id).await
}

/// `DELETE /api/v1/prompts/id/{id}/delete` (`delete_prompt_by_id`).
pub async fn delete(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<bool> {
    let (row, g) = load(ctx, id).await?;
    require_write(ctx, user, &row, &g).await?;
    let mut client = ctx.db.get().await?;
    Ok(db::delete(&mut client, id).await?)
}

fn history_model(h: &HistoryRow) -> PromptHistoryModel {
    PromptHistoryModel {
        id: h.id.clone(),
        prompt_id: h.prompt_id.clone(),
        parent_id: h.parent_id.clone(),
        snapshot: h.snapshot.as_object().cloned().unwrap_or_default(),
        user_id: h.user_id.clone(),
        commit_message: h.commit_message.clone(),
        created_at: h.created_at,
    }
}

/// `GET /api/v1/prompts/id/{id}/history` (`get_prompt_history`): 20 a page from `page` 0.
pub async fn history(ctx: &ServerContext, user: &SessionUser, id: &str, page: i64) -> Result<Vec<PromptHistoryResponse>> {
    let (row, g) = load(ctx, id).await?;
    require_read(ctx, user, &row, &g).await?;
    let client = ctx.db.get().await?;
    let rows = db::history(&**client, id, page.saturating_mul(HISTORY_PAGE), HISTORY_PAGE).await?;
    Ok(rows.iter().map(|h| PromptHistoryResponse { entry: history_model(h), user: owner(&h.author) }).collect())
}

/// `GET /api/v1/prompts/id/{id}/history/{history_id}` (`get_prompt_history_entry`).
pub async fn history_entry(ctx: &ServerContext, user: &SessionUser, id: &str, history_id: &str) -> Result<PromptHistoryModel> {
    let (row, g) = load(ctx, id).await?;
    require_read(ctx, user, &row, &g).await?;
    let client = ctx.db.get().await?;
    match db::history_entry(&**client, id, history_id).await? {
        Some(h) => Ok(history_model(&h)),
        None => Err(Error::not_found(messages::NOT_FOUND)),
    }
}

/// `DELETE /api/v1/prompts/id/{id}/history/{history_id}` (`delete_prompt_history_entry`): not
/// the current version (400).
pub async fn delete_history_entry(ctx: &ServerContext, user: &SessionUser, id: &str, history_id: &str) -> Result<bool> {
    let (row, g) = load(ctx, id).await?;
    require_write(ctx, user, &row, &g).await?;
    if row.version_id.as_deref() == Some(history_id) {
        return Err(Error::bad_request("Cannot delete the active production version"));
    }
    let mut client = ctx.db.get().await?;
    if !db::delete_history_entry(&mut client, id, history_id).await? {
        return Err(Error::not_found(messages::NOT_FOUND));
    }
    Ok(true)
}

/// The first `n` characters (Python's `s[:n]`).
fn prefix(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map(|(i, _)| &s[..i]).unwrap_or(s)
}

/// `GET /api/v1/prompts/id/{id}/history/diff` (`get_prompt_diff`): both versions must be the
/// prompt's (else 404).
pub async fn diff(ctx: &ServerContext, user: &SessionUser, id: &str, from_id: &str, to_id: &str) -> Result<PromptDiff> {
    let (row, g) = load(ctx, id).await?;
    require_read(ctx, user, &row, &g).await?;
    let (from, to) = {
        let client = ctx.db.get().await?;
        (db::history_entry(&**client, id, from_id).await?, db::history_entry(&**client, id, to_id).await?)
    };
    let (Some(from), Some(to)) = (from, to) else { return Err(Error::not_found(messages::NOT_FOUND)) };
    let content = |s: &Value| s.get("content").and_then(Value::as_str).unwrap_or("").to_string();
    let (a, b) = (content(&from.snapshot), content(&to.snapshot));
    let lines = difflib::unified_diff(
        &difflib::splitlines(&a),
        &difflib::splitlines(&b),
        &format!("v{}", prefix(from_id, 8)),
        &format!("v{}", prefix(to_id, 8)),
    );
    let line_endings_only = lines.is_empty() && a != b;
    Ok(PromptDiff {
        from_id: from_id.to_string(),
        to_id: to_id.to_string(),
        name_changed: from.snapshot.get("name") != to.snapshot.get("name"),
        from_snapshot: from.snapshot.as_object().cloned().unwrap_or_default(),
        to_snapshot: to.snapshot.as_object().cloned().unwrap_or_default(),
        content_diff: lines,
        line_endings_only,
    })
}
