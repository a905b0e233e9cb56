//! Folders (`routers/folders.py`): a user's chat folders, their tree, sharing through access
//! grants, their chats and their deletion.
//!
//! Ownership: a folder is reached through its owner, an admin, or an access grant on it or one of
//! its ancestors (`has_folder_access`). One deliberate difference from the reference:
//! [`update_parent`] only moves a folder under one of the caller's own folders (the reference
//! stores any parent id, so a user could hang their folder under another user's folder, where
//! that user's grants then reach it); any other parent answers 404, as for a missing folder.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use webui_api::folders::{
    AccessGrantModel, ChatParticipant, FolderAccessResponse, FolderMetadataResponse, FolderModel, FolderNameIdResponse,
    FolderReadResponse, FolderResponse, SharedFolder, SharedFolderChat, SharedFolderChats,
};

use crate::app::session::{now, permissions as perms, SessionUser};
use crate::context::ServerContext;
use crate::db::folders::{self as db, FolderRow, GrantRow, NewFolder};
use crate::db::groups::groups_by_member;
use crate::error::{Error, Result};
use crate::messages;

/// The page size of a folder's chats when a page is asked for.
const SHARED_CHATS_PAGE: i64 = 10;
/// How many of a folder's chats come without a page.
const SHARED_CHATS_UNPAGED: i64 = 60;
/// `403 'You do not have permission to share with the requested audience'` (`validate_access_grants`).
const SHARE_AUDIENCE_PROHIBITED: &str = "You do not have permission to share with the requested audience";

fn object(v: &Option<Value>) -> Option<Map<String, Value>> {
    v.as_ref().and_then(Value::as_object).cloned()
}

/// `FolderModel` of a row.
pub fn folder_model(f: &FolderRow) -> FolderModel {
    FolderModel {
        id: f.id.clone(),
        parent_id: f.parent_id.clone(),
        user_id: f.user_id.clone(),
        name: f.name.clone(),
        items: object(&f.items),
        meta: object(&f.meta),
        data: object(&f.data),
        is_expanded: f.is_expanded,
        created_at: f.created_at,
        updated_at: f.updated_at,
    }
}

fn grant_model(g: GrantRow) -> AccessGrantModel {
    AccessGrantModel {
        id: g.id,
        resource_type: g.resource_type,
        resource_id: g.resource_id,
        principal_type: g.principal_type,
        principal_id: g.principal_id,
        permission: g.permission,
        created_at: g.created_at,
    }
}

fn not_found() -> Error {
    Error::not_found(messages::NOT_FOUND)
}

fn prohibited() -> Error {
    Error::forbidden(messages::ACCESS_PROHIBITED)
}

/// `check_folders_permission`: folders are enabled (`ENABLE_FOLDERS`) and the caller is an admin
/// or has `features.folders`.
async fn check_permission(ctx: &ServerContext, s: &SessionUser) -> Result<()> {
    if ctx.setting("folders.enable") == Some(Value::Bool(false)) {
        return Err(prohibited());
    }
    let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
    // The groups' permissions came with the session: no statement of its own (issue 9's budget).
    if !s.is_admin() && !perms::session_has_permission(ctx, s, "features.folders", &defaults).await? {
        return Err(prohibited());
    }
    Ok(())
}

/// The caller's group ids, inherited groups included.
async fn group_ids(ctx: &ServerContext, user_id: &str) -> Result<Vec<String>> {
    let client = ctx.db.get().await?;
    Ok(groups_by_member(&**client, user_id, true).await?.into_iter().map(|g| g.id).collect())
}

/// `has_folder_access(user, folder, permission)`.
async fn has_access(ctx: &ServerContext, s: &SessionUser, folder: &FolderRow, permission: &str) -> Result<bool> {
    if folder.user_id == s.user.id {
        return Ok(true);
    }
    let groups = group_ids(ctx, &s.user.id).await?;
    let client = ctx.db.get().await?;
    Ok(db::has_access(&**client, &folder.id, &s.user.id, &groups, permission).await?)
}

/// `get_folder_unread_counts`: per folder of the user (in list order), its unread chats and its
/// descendants'.
async fn unread_counts(ctx: &ServerContext, user_id: &str, folders: &[FolderRow], parent_by_id: &HashMap<String, Option<String>>) -> Result<Map<String, Value>> {
    let ids: Vec<String> = folders.iter().map(|f| f.id.clone()).collect();
    let client = ctx.db.get().await?;
    let direct = db::unread_by_folder(&**client, user_id, &ids).await?;
    let mut counts: HashMap<&str, i64> = ids.iter().map(|id| (id.as_str(), 0)).collect();
    for (folder_id, n) in &direct {
        let mut current = Some(folder_id.clone());
        let mut seen = HashSet::new();
        while let Some(id) = current {
            if !seen.insert(id.clone()) {
                break;
            }
            if let Some(c) = counts.get_mut(id.as_str()) {
                *c += n;
            }
            current = parent_by_id.get(&id).cloned().flatten();
        }
    }
    Ok(ids.iter().map(|id| (id.clone(), Value::from(counts[id.as_str()]))).collect())
}

/// `GET /api/v1/folders/`: the caller's folders. A folder whose parent is missing or in a parent
/// loop is moved back to the root first (stored), as the reference does.
pub async fn list(ctx: &ServerContext, s: &SessionUser) -> Result<Vec<FolderNameIdResponse>> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    let mut folders = db::folders_by_user(&**client, &s.user.id).await?;
    let mut parent_by_id: HashMap<String, Option<String>> = folders.iter().map(|f| (f.id.clone(), f.parent_id.clone())).collect();
    let in_cycle = |parent_by_id: &HashMap<String, Option<String>>, id: &str| {
        let mut seen = HashSet::from([id.to_string()]);
        let mut current = parent_by_id.get(id).cloned().flatten();
        while let Some(c) = current.clone() {
            if !seen.insert(c.clone()) {
                break;
            }
            current = parent_by_id.get(&c).cloned().flatten();
        }
        current.as_deref() == Some(id)
    };
    for f in folders.iter_mut() {
        if let Some(parent) = &f.parent_id {
            if !parent_by_id.contains_key(parent) || in_cycle(&parent_by_id, &f.id) {
                parent_by_id.insert(f.id.clone(), None);
                if let Some(updated) = db::set_parent(&**client, &f.id, &s.user.id, None, now()).await? {
                    *f = updated;
                }
            }
        }
    }
    drop(client);
    let counts = unread_counts(ctx, &s.user.id, &folders, &parent_by_id).await?;
    Ok(folders
        .iter()
        .map(|f| FolderNameIdResponse {
            id: f.id.clone(),
            name: f.name.clone(),
            meta: f.meta.as_ref().and_then(Value::as_object).map(|m| FolderMetadataResponse {
                icon: m.get("icon").and_then(Value::as_str).map(str::to_string),
            }),
            parent_id: f.parent_id.clone(),
            is_expanded: f.is_expanded,
            unread_count: counts.get(&f.id).and_then(Value::as_i64).unwrap_or(0),
            created_at: f.created_at,
            updated_at: f.updated_at,
        })
        .collect())
}

/// `data.files` of a folder form: `None` when `data` has no `files` key.
fn files_of(data: Option<&Value>) -> Option<&Value> {
    data.and_then(|d| d.get("files"))
}

/// `can_read_all_folder_files(entries, user)`: null reads all; a non-list none; every entry must
/// be a `{type: file|collection|note, id}` the user may read (an admin: any such entry).
async fn can_read_files(ctx: &ServerContext, user_id: &str, is_admin: bool, files: &Value) -> Result<bool> {
    let entries = match files {
        Value::Null => return Ok(true),
        Value::Array(a) => a,
        _ => return Ok(false),
    };
    let mut valid = Vec::with_capacity(entries.len());
    for e in entries {
        let kind = e.get("type").and_then(Value::as_str).filter(|t| matches!(*t, "file" | "collection" | "note"));
        // `entry.get('id')` must be truthy; only a text id can name a row.
        let id = e.get("id").and_then(Value::as_str).filter(|i| !i.is_empty());
        match (kind, id) {
            (Some(k), Some(i)) => valid.push((k.to_string(), i.to_string())),
            _ => return Ok(false),
        }
    }
    if is_admin || valid.is_empty() {
        return Ok(true);
    }
    let groups = group_ids(ctx, user_id).await?;
    let client = ctx.db.get().await?;
    Ok(db::can_read_entries(&**client, user_id, &groups, &valid).await?)
}

/// `FolderForm`, validated.
#[derive(Debug, Clone)]
pub struct FolderInput {
    pub name: String,
    pub data: Option<Value>,
    pub meta: Option<Value>,
    pub parent_id: Option<String>,
}

/// `POST /api/v1/folders/`. Under another user's folder only with write access to it (or as an
/// admin); the folder is then that user's, as the reference keeps the tree one owner's.
pub async fn create(ctx: &ServerContext, s: &SessionUser, form: FolderInput) -> Result<FolderModel> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    if db::sibling_by_name(&**client, form.parent_id.as_deref(), &s.user.id, &form.name).await?.is_some() {
        return Err(Error::bad_request(messages::default_error("Folder already exists")));
    }
    let files = files_of(form.data.as_ref());
    if let Some(files) = files {
        if !can_read_files(ctx, &s.user.id, s.is_admin(), files).await? {
            return Err(prohibited());
        }
    }
    let mut owner_id = s.user.id.clone();
    if let Some(parent_id) = &form.parent_id {
        if let Some(parent) = db::folder_by_id(&**client, parent_id).await? {
            if parent.user_id != s.user.id {
                if !s.is_admin() && !has_access(ctx, s, &parent, "write").await? {
                    return Err(prohibited());
                }
                if let Some(files) = files {
                    let role = db::user_role(&**client, &parent.user_id).await?.ok_or_else(not_found)?;
                    if !can_read_files(ctx, &parent.user_id, role == "admin", files).await? {
                        return Err(prohibited());
                    }
                }
                owner_id = parent.user_id.clone();
            }
        }
    }
    let new = NewFolder {
        user_id: &owner_id,
        parent_id: form.parent_id.as_deref(),
        name: &form.name,
        meta: form.meta.as_ref(),
        data: form.data.as_ref(),
    };
    let f = db::insert(&**client, &new, now())
        .await
        .map_err(|_| Error::bad_request(messages::default_error("Error creating folder")))?;
    Ok(folder_model(&f))
}

/// `GET /api/v1/folders/shared`: the folders with grants that reach the caller (or that the
/// caller shared), then their subfolders (each subtree depth first, newest change first).
pub async fn shared(ctx: &ServerContext, s: &SessionUser) -> Result<Vec<SharedFolder>> {
    check_permission(ctx, s).await?;
    let groups = group_ids(ctx, &s.user.id).await?;
    let client = ctx.db.get().await?;
    let folder_perms = db::shared_folder_permissions(&**client, &s.user.id, &groups).await?;
    let ids: Vec<String> = folder_perms.keys().cloned().collect();
    let shared = db::folders_by_ids(&**client, &ids).await?;
    let owner_ids: Vec<String> = shared.iter().map(|f| f.user_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let owner_names = db::user_names(&**client, &owner_ids).await?;
    let owner_name = |id: &str| owner_names.get(id).cloned().unwrap_or_else(|| "Unknown".into());
    let mut results: Vec<SharedFolder> = shared
        .iter()
        .map(|f| SharedFolder {
            folder: folder_model(f),
            owner_name: owner_name(&f.user_id),
            permission: if f.user_id == s.user.id { "write".into() } else { folder_perms[&f.id].clone() },
        })
        .collect();
    let mut index: HashMap<String, usize> = results.iter().enumerate().map(|(i, r)| (r.folder.id.clone(), i)).collect();
    let mut by_owner: HashMap<String, Vec<FolderRow>> = HashMap::new();
    for f in &shared {
        if !by_owner.contains_key(&f.user_id) {
            by_owner.insert(f.user_id.clone(), db::folders_by_user(&**client, &f.user_id).await?);
        }
        for child in children_depth_first(&by_owner[&f.user_id], &f.id) {
            let permission = if f.user_id == s.user.id || child.user_id == s.user.id { "write".to_string() } else { folder_perms[&f.id].clone() };
            match index.get(&child.id) {
                Some(&i) => {
                    // A weaker direct grant must not hide inherited write access.
                    if permission == "write" {
                        results[i].permission = permission;
                    }
                }
                None => {
                    index.insert(child.id.clone(), results.len());
                    results.push(SharedFolder { folder: folder_model(child), owner_name: owner_name(&child.user_id), permission });
                }
            }
        }
    }
    Ok(results)
}

/// `get_children_folders_by_id_and_user_id`: the descendants of `id` among one owner's folders,
/// each child's subtree before the child (children newest change first), cycles skipped.
fn children_depth_first<'a>(folders: &'a [FolderRow], id: &str) -> Vec<&'a FolderRow> {
    let mut children: HashMap<&str, Vec<&FolderRow>> = HashMap::new();
    for f in folders {
        if let Some(p) = &f.parent_id {
            children.entry(p.as_str()).or_default().push(f);
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then_with(|| a.id.cmp(&b.id)));
    }
    let mut out = Vec::new();
    let mut seen: HashSet<&str> = HashSet::from([id]);
    // An explicit stack (a deep tree must not overflow ours): (the folder, its id, next child).
    let mut stack: Vec<(Option<&FolderRow>, &str, usize)> = vec![(None, id, 0)];
    while let Some((row, current, next)) = stack.pop() {
        let kids = children.get(current).map(Vec::as_slice).unwrap_or_default();
        if let Some(child) = kids.get(next) {
            stack.push((row, current, next + 1));
            if seen.insert(child.id.as_str()) {
                stack.push((Some(child), child.id.as_str(), 0));
            }
        } else if let Some(done) = row {
            out.push(done);
        }
    }
    out
}

async fn with_grants(ctx: &ServerContext, f: &FolderRow) -> Result<Vec<AccessGrantModel>> {
    let client = ctx.db.get().await?;
    Ok(db::grants(&**client, &f.id).await?.into_iter().map(grant_model).collect())
}

/// `GET /api/v1/folders/{id}`: the caller's folder, or one they may read (an admin: any).
pub async fn get(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<FolderResponse> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    if let Some(f) = db::folder_of_user(&**client, id, &s.user.id).await? {
        let access_grants = with_grants(ctx, &f).await?;
        return Ok(FolderResponse { folder: folder_model(&f), access_grants, write_access: true });
    }
    if let Some(f) = db::folder_by_id(&**client, id).await? {
        if s.is_admin() || has_access(ctx, s, &f, "read").await? {
            let access_grants = with_grants(ctx, &f).await?;
            let write_access = s.is_admin() || has_access(ctx, s, &f, "write").await?;
            return Ok(FolderResponse { folder: folder_model(&f), access_grants, write_access });
        }
    }
    Err(not_found())
}

/// `FolderUpdateForm`, validated; `Some(None)`: the key was sent as null.
#[derive(Debug, Clone, Default)]
pub struct FolderChanges {
    pub name: Option<Option<String>>,
    pub data: Option<Option<Map<String, Value>>>,
    pub meta: Option<Option<Map<String, Value>>>,
}

/// `POST /api/v1/folders/{id}/update`: a new name (unique among its siblings, case
/// insensitively), `data` and `meta` merged into the stored ones. Another user's folder needs
/// write access, and only its owner (or an admin) changes its `share_mode`.
pub async fn update(ctx: &ServerContext, s: &SessionUser, id: &str, form: FolderChanges) -> Result<FolderModel> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    let folder = match db::folder_of_user(&**client, id, &s.user.id).await? {
        Some(f) => f,
        None => match db::folder_by_id(&**client, id).await? {
            Some(f) if s.is_admin() || has_access(ctx, s, &f, "write").await? => f,
            _ => return Err(not_found()),
        },
    };
    let new_data = form.data.clone().flatten();
    if let Some(data) = &new_data {
        if !s.is_admin() && s.user.id != folder.user_id {
            if let Some(mode) = data.get("share_mode") {
                if Some(mode) != folder.data.as_ref().and_then(|d| d.get("share_mode")) {
                    return Err(prohibited());
                }
            }
        }
    }
    if let Some(Some(name)) = &form.name {
        if let Some(existing) = db::sibling_by_name(&**client, folder.parent_id.as_deref(), &folder.user_id, name).await? {
            if existing.id != id {
                return Err(Error::bad_request(messages::default_error("Folder already exists")));
            }
        }
    }
    if let Some(files) = new_data.as_ref().and_then(|d| d.get("files")) {
        let owner_is_admin = if folder.user_id == s.user.id {
            s.is_admin()
        } else {
            db::user_role(&**client, &folder.user_id).await?.ok_or_else(not_found)? == "admin"
        };
        if !can_read_files(ctx, &folder.user_id, owner_is_admin, files).await? {
            return Err(prohibited());
        }
        // Editors send back the owner's existing entries, so only new ones are checked against the editor.
        let existing = folder.data.as_ref().and_then(|d| d.get("files")).and_then(Value::as_array).cloned().unwrap_or_default();
        let added: Vec<Value> = match files {
            Value::Array(a) => a.iter().filter(|e| !existing.contains(e)).cloned().collect(),
            _ => Vec::new(),
        };
        if !can_read_files(ctx, &s.user.id, s.is_admin(), &Value::Array(added)).await? {
            return Err(prohibited());
        }
    }
    // An explicit null for a field fails the reference's update (a NOT NULL name, a merge with
    // None), which answers this.
    let error = || Error::bad_request(messages::default_error("Error updating folder"));
    let name = match form.name {
        Some(None) => return Err(error()),
        Some(Some(n)) => n,
        None => folder.name.clone(),
    };
    let merge = |stored: &Option<Value>, change: Option<Option<Map<String, Value>>>| -> std::result::Result<Option<Value>, ()> {
        match change {
            None => Ok(stored.clone()),
            Some(None) => Err(()),
            Some(Some(new)) => {
                let mut m = object(stored).unwrap_or_default();
                m.extend(new);
                Ok(Some(Value::Object(m)))
            }
        }
    };
    let data = merge(&folder.data, form.data).map_err(|_| error())?;
    let meta = merge(&folder.meta, form.meta).map_err(|_| error())?;
    let f = db::update(&**client, id, &folder.user_id, &name, data.as_ref(), meta.as_ref(), now())
        .await
        .map_err(|_| error())?
        .ok_or_else(error)?;
    drop(client);
    crate::socket::refresh_chat_access(ctx, None).await;
    Ok(folder_model(&f))
}

/// `POST /api/v1/folders/{id}/update/parent`: the caller's folder under another of their folders
/// (or the root). A parent that is not one of the caller's folders answers 404 (the reference
/// stores any id here; see the module docs).
pub async fn update_parent(ctx: &ServerContext, s: &SessionUser, id: &str, parent_id: Option<String>) -> Result<FolderModel> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    let folder = db::folder_of_user(&**client, id, &s.user.id).await?.ok_or_else(not_found)?;
    if let Some(p) = &parent_id {
        if db::folder_of_user(&**client, p, &s.user.id).await?.is_none() {
            return Err(not_found());
        }
    }
    if let Some(existing) = db::sibling_by_name(&**client, parent_id.as_deref(), &s.user.id, &folder.name).await? {
        if existing.id != id {
            return Err(Error::bad_request(messages::default_error("Folder already exists")));
        }
    }
    if let Some(p) = &parent_id {
        if db::subtree_ids(&**client, id, &s.user.id).await?.contains(p) {
            return Err(Error::bad_request(messages::default_error("Cannot move a folder into itself or one of its subfolders")));
        }
    }
    let f = db::set_parent(&**client, id, &s.user.id, parent_id.as_deref(), now())
        .await
        .map_err(|_| Error::bad_request(messages::default_error("Error updating folder")))?
        .ok_or_else(not_found)?;
    drop(client);
    crate::socket::refresh_chat_access(ctx, None).await;
    Ok(folder_model(&f))
}

/// `POST /api/v1/folders/{id}/update/expanded`: the caller's own folder; a folder shared with
/// them comes back unchanged. Another user's folder they cannot read answers `null` and changes
/// nothing (the reference falls through to an update of the caller's row, which does not exist).
pub async fn update_expanded(ctx: &ServerContext, s: &SessionUser, id: &str, expanded: bool) -> Result<Option<FolderModel>> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    if db::folder_of_user(&**client, id, &s.user.id).await?.is_none() {
        return match db::folder_by_id(&**client, id).await? {
            Some(f) if s.is_admin() || has_access(ctx, s, &f, "read").await? => Ok(Some(folder_model(&f))),
            Some(_) => Ok(None),
            None => Err(not_found()),
        };
    }
    let f = db::set_expanded(&**client, id, &s.user.id, expanded, now())
        .await
        .map_err(|_| Error::bad_request(messages::default_error("Error updating folder")))?;
    Ok(f.as_ref().map(folder_model))
}

/// `normalize_access_grants`: valid grants only (`user`/`group`/`anyone`, `read`/`write`, a
/// non-empty text id; `anyone` only as `*` read), one per (type, id, permission), in first-seen
/// order.
fn normalize_grants(grants: &[Value]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for g in grants {
        let (Some(ptype), Some(pid), Some(perm)) = (
            g.get("principal_type").and_then(Value::as_str),
            g.get("principal_id").and_then(Value::as_str),
            g.get("permission").and_then(Value::as_str),
        ) else {
            continue;
        };
        if !matches!(ptype, "user" | "group" | "anyone") || !matches!(perm, "read" | "write") || pid.is_empty() {
            continue;
        }
        if ptype == "anyone" && (pid != "*" || perm != "read") {
            continue;
        }
        let key = (ptype.to_string(), pid.to_string(), perm.to_string());
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// `POST /api/v1/folders/{id}/access/update` (the owner or an admin): replaces the folder's
/// grants (`validate_access_grants` for `folder`: no `anyone` or public grant for anyone; a user
/// needs `sharing.folders`, and `access_grants.allow_users` / `allow_groups` per audience), and
/// its `data.share_mode` when sent.
pub async fn update_access(
    ctx: &ServerContext,
    s: &SessionUser,
    id: &str,
    grants: Vec<Value>,
    share_mode: Option<Option<String>>,
) -> Result<FolderAccessResponse> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    let folder = db::folder_by_id(&**client, id).await?.ok_or_else(not_found)?;
    if !s.is_admin() && s.user.id != folder.user_id {
        return Err(prohibited());
    }
    let normalized = normalize_grants(&grants);
    // Folders have no `anyone` or public (`user:*`) audience, even for admins.
    let mut allowed: Vec<(String, String, String)> =
        normalized.iter().filter(|(t, i, _)| t != "anyone" && !(t == "user" && i == "*")).cloned().collect();
    if !s.is_admin() && !allowed.is_empty() {
        let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
        let p = perms::get_permissions(ctx, &s.user.id, &defaults).await?;
        let has = |section: &str, name: &str| crate::app::session::truthy(p.get(section).and_then(|v| v.get(name)));
        if !has("sharing", "folders") {
            allowed.clear();
        } else {
            let (users, groups) = (has("access_grants", "allow_users"), has("access_grants", "allow_groups"));
            allowed.retain(|(t, _, _)| (t == "user" && users) || (t == "group" && groups));
        }
    }
    if allowed.len() != normalized.len() {
        return Err(Error::forbidden(SHARE_AUDIENCE_PROHIBITED));
    }
    let data = share_mode.map(|mode| {
        let mut d = object(&folder.data).unwrap_or_default();
        d.insert("share_mode".into(), mode.map(Value::String).unwrap_or(Value::Null));
        Value::Object(d)
    });
    drop(client);
    let mut client = ctx.db.get().await?;
    let updated = db::replace_grants(&mut client, &folder, &allowed, data.as_ref(), now()).await?;
    let folder = updated.unwrap_or(folder);
    let access_grants = db::grants(&**client, id).await?.into_iter().map(grant_model).collect();
    drop(client);
    crate::socket::refresh_chat_access(ctx, None).await;
    Ok(FolderAccessResponse { folder: folder_model(&folder), access_grants })
}

/// `GET /api/v1/folders/{id}/shared/chats`: the chats in a folder the caller may read (every
/// user's; another user's read only), 60 of them, or a page of 10 with `total` and `has_more`.
pub async fn shared_chats(
    ctx: &ServerContext,
    s: &SessionUser,
    id: &str,
    page: Option<i64>,
    sort_by: &str,
    sort_dir: &str,
) -> Result<SharedFolderChats> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    let folder = db::folder_by_id(&**client, id).await?.ok_or_else(not_found)?;
    let has_write = folder.user_id == s.user.id || s.is_admin() || has_access(ctx, s, &folder, "write").await?;
    let has_read = has_write || has_access(ctx, s, &folder, "read").await?;
    if !has_read {
        return Err(prohibited());
    }
    let skip = page.map(|p| (p - 1).saturating_mul(SHARED_CHATS_PAGE)).unwrap_or(0);
    let limit = if page.is_some() { SHARED_CHATS_PAGE } else { SHARED_CHATS_UNPAGED };
    let chats = db::chats_in_folder(&**client, id, &s.user.id, sort_by, sort_dir, skip, limit).await?;
    let total = match page {
        Some(_) => db::count_chats_in_folder(&**client, id).await?,
        None => chats.len() as i64,
    };
    let chat_ids: Vec<String> = chats.iter().map(|c| c.id.clone()).collect();
    let participants = db::participant_ids(&**client, &chat_ids).await?;
    let mut user_ids: HashSet<String> = chats.iter().filter_map(|c| c.user_id.clone()).collect();
    user_ids.extend(participants.values().flatten().cloned());
    let names = db::user_names(&**client, &user_ids.into_iter().collect::<Vec<_>>()).await?;
    let out = chats
        .into_iter()
        .map(|c| {
            let owner = c.user_id.clone().unwrap_or_default();
            let mut people: Vec<ChatParticipant> = participants[&c.id]
                .iter()
                .map(|pid| ChatParticipant { id: pid.clone(), name: names.get(pid).cloned() })
                .collect();
            people.sort_by_cached_key(|p| {
                (p.id != owner, p.name.as_deref().unwrap_or_default().is_empty(), casefold(p.name.as_deref().unwrap_or_default()), p.id.clone())
            });
            let mine = c.user_id.as_deref() == Some(s.user.id.as_str());
            SharedFolderChat {
                owner_name: names.get(&owner).cloned().unwrap_or_else(|| "Unknown".into()),
                participants: people,
                active: false,
                readonly: !mine,
                last_read_at: if mine { c.last_read_at } else { c.updated_at },
                id: c.id,
                title: c.title,
                user_id: c.user_id,
                updated_at: c.updated_at,
                created_at: c.created_at,
            }
        })
        .collect();
    let (total, has_more) = match page {
        Some(_) => (Some(total), Some(skip + SHARED_CHATS_PAGE < total)),
        None => (None, None),
    };
    Ok(SharedFolderChats { chats: out, folder_permission: if has_write { "write" } else { "read" }.into(), total, has_more })
}

/// Python's `str.casefold`, closely enough for names (full Unicode lower case, `ß` as `ss`).
fn casefold(s: &str) -> String {
    s.to_lowercase().replace('ß', "ss")
}

/// `POST /api/v1/folders/{id}/read`: marks the caller's chats read in the folder (its owner or an
/// admin: the whole subtree); answers the caller's unread counts afterwards.
pub async fn mark_read(ctx: &ServerContext, s: &SessionUser, id: &str) -> Result<FolderReadResponse> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    let folder = db::folder_by_id(&**client, id).await?.ok_or_else(not_found)?;
    let is_owner = folder.user_id == s.user.id;
    if !(is_owner || s.is_admin() || has_access(ctx, s, &folder, "read").await?) {
        return Err(prohibited());
    }
    let folder_ids = if is_owner || s.is_admin() { db::subtree_ids(&**client, id, &folder.user_id).await? } else { vec![id.to_string()] };
    let updated_count = db::mark_read(&**client, &s.user.id, &folder_ids).await? as i64;
    let folders = db::folders_by_user(&**client, &s.user.id).await?;
    drop(client);
    let parent_by_id = folders.iter().map(|f| (f.id.clone(), f.parent_id.clone())).collect();
    let folder_unread_counts = unread_counts(ctx, &s.user.id, &folders, &parent_by_id).await?;
    Ok(FolderReadResponse { folder_id: id.to_string(), folder_ids, updated_count, folder_unread_counts })
}

/// `DELETE /api/v1/folders/{id}` (its owner, or an admin): the folder and its subfolders, with
/// their owner's chats when `delete_contents` (which needs `chat.delete` when there are any);
/// other users' chats in them move to no folder.
pub async fn delete(ctx: &ServerContext, s: &SessionUser, id: &str, delete_contents: bool) -> Result<bool> {
    check_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    let folder = match db::folder_of_user(&**client, id, &s.user.id).await? {
        Some(f) => f,
        None => {
            // Deletion cascades into the owner's data, so only the owner or an admin may delete.
            let f = db::folder_by_id(&**client, id).await?.ok_or_else(not_found)?;
            if !s.is_admin() {
                return Err(prohibited());
            }
            f
        }
    };
    let owner = folder.user_id.clone();
    let folder_ids = db::subtree_ids(&**client, &folder.id, &owner).await?;
    if delete_contents && db::count_chats_of_owner(&**client, &folder_ids, &owner).await? > 0 {
        let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
        if !s.is_admin() && !perms::has_permission(ctx, &s.user.id, "chat.delete", &defaults).await? {
            return Err(prohibited());
        }
    }
    drop(client);
    let mut client = ctx.db.get().await?;
    let now_ns = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0);
    db::delete_subtree(&mut client, &owner, &folder_ids, delete_contents, now_ns)
        .await
        .map_err(|_| Error::bad_request(messages::default_error("Error deleting folder")))?;
    drop(client);
    crate::socket::refresh_chat_access(ctx, None).await;
    Ok(true)
}
