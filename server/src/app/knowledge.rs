//! The knowledge bases (`routers/knowledge.py`, `models/knowledge.py`): their lists and search,
//! creation, sharing, deletion, reset, file lists and export, and the external knowledge
//! connections (`external_knowledge.connections`).
// Not done (the vector database, uploads or embeddings): adding, updating and removing files,
// reindexing, directories' writes, the sync routes and the external sources. The base's
// metadata embedding the reference makes on create/update (and drops on delete) is left out (its
// failure is only logged there), as are the `knowledge.*` webhook events, the removal of a
// deleted base from the models' `meta.knowledge`, and the external connection dropped with the
// last external base using it.

use std::collections::HashMap;
use std::io::Write;

use serde_json::{Map, Value};
use webui_api::knowledge::{
    ExternalKnowledgeConnectionListResponse, FileMetadataResponse, FileUserResponse, KnowledgeAccessListResponse, KnowledgeAccessResponse,
    KnowledgeDirectoryModel, KnowledgeFileListResponse, KnowledgeFilesResponse, KnowledgeModel, KnowledgeResponse, KnowledgeSearchQuery,
};
use webui_api::workspace::AccessGrantModel;

use crate::app::session::{now, permissions as perms, truthy, SessionUser};
use crate::app::workspace::{admin_bypass, allowed_grants, group_ids, owner, validated_grants};
use crate::context::ServerContext;
use crate::db::access_grants::{self as grants, grants_allow};
use crate::db::knowledge::{self as db, BaseRow, DirectoryRow, FileFilter, FileRow, Search};
use crate::error::{Error, Result};
use crate::messages;

const RESOURCE: &str = "knowledge";
const SHARING: &str = "sharing.knowledge";
const PUBLIC: Option<&str> = Some("sharing.public_knowledge");

/// `PAGE_ITEM_COUNT`.
const PAGE: i64 = 30;

/// `KNOWLEDGE_SORTABLE_FIELDS`.
const SORTABLE: [&str; 3] = ["name", "created_at", "updated_at"];

/// `GET /api/v1/knowledge/` (`get_knowledge_bases`): the search without filters.
pub async fn list(ctx: &ServerContext, user: &SessionUser, page: i64) -> Result<KnowledgeAccessListResponse> {
    search(ctx, user, &KnowledgeSearchQuery { page: Some(page), ..Default::default() }).await
}

/// `GET /api/v1/knowledge/search` (`search_knowledge_bases`): a page of 30 of the knowledge
/// bases the caller may read, with whether they may write each.
pub async fn search(ctx: &ServerContext, user: &SessionUser, q: &KnowledgeSearchQuery) -> Result<KnowledgeAccessListResponse> {
    let page = q.page.unwrap_or(1).max(1);
    let bypass = admin_bypass(ctx, user);
    let groups = group_ids(ctx, &user.user.id).await?;
    let column = q.order_by.as_deref().filter(|c| SORTABLE.contains(c)).unwrap_or("updated_at");
    let asc = q.order_by.as_deref().is_some_and(|c| SORTABLE.contains(&c)) && q.direction.as_deref() == Some("asc");
    let search = Search {
        access: (!bypass).then_some(groups.as_slice()),
        caller: &user.user.id,
        query: q.query.as_deref().filter(|s| !s.is_empty()),
        view_option: q.view_option.as_deref(),
        source: q.source.as_deref().filter(|s| matches!(*s, "local" | "external")),
        order: (column, asc),
        // Past int64 the reference's driver refuses the OFFSET (its 500); here a page past the end,
        // as in the users and group-member lists.
        skip: (page - 1).saturating_mul(PAGE),
        limit: PAGE,
    };
    let client = ctx.db.get().await?;
    let (rows, total) = db::search(&**client, &search).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let all = grants::of_resources(&**client, "knowledge", &ids).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let access_grants: Vec<_> = all.iter().filter(|g| g.resource_id == r.id).cloned().collect();
            let write_access = r.user_id == user.user.id || bypass || grants_allow(&access_grants, &user.user.id, &groups, "write");
            KnowledgeAccessResponse {
                user: owner(&r.owner),
                meta: r.meta.as_object().cloned(),
                id: r.id,
                user_id: r.user_id,
                name: r.name,
                description: r.description.unwrap_or_default(),
                access_grants,
                created_at: r.created_at,
                updated_at: r.updated_at.unwrap_or(0),
                file_count: Some(r.file_count),
                write_access: Some(write_access),
            }
        })
        .collect();
    Ok(KnowledgeAccessListResponse { items, total })
}

/// `GET /api/v1/knowledge/external/connections` (`get_external_knowledge_connections`): each
/// connection without `auth_config`, with `auth_configured` (whether it had one) last.
pub fn external_connections(ctx: &ServerContext) -> ExternalKnowledgeConnectionListResponse {
    let connections = match ctx.setting("external_knowledge.connections") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let items: Vec<Map<String, Value>> = connections
        .into_iter()
        .filter_map(|c| match c {
            Value::Object(mut o) => {
                let auth = o.shift_remove("auth_config");
                o.insert("auth_configured".into(), Value::Bool(truthy(auth.as_ref())));
                Some(o)
            }
            _ => None,
        })
        .collect();
    ExternalKnowledgeConnectionListResponse { total: items.len() as i64, items }
}

fn model(r: &BaseRow, access_grants: Vec<AccessGrantModel>) -> KnowledgeModel {
    KnowledgeModel {
        id: r.id.clone(),
        user_id: r.user_id.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        meta: r.meta.as_object().cloned(),
        access_grants,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// A knowledge base and its grants; `missing` when unknown (the routes differ: 400 or 404).
async fn load(ctx: &ServerContext, id: &str, missing: fn(&'static str) -> Error) -> Result<(BaseRow, Vec<AccessGrantModel>)> {
    let client = ctx.db.get().await?;
    let Some(row) = db::by_id(&**client, id).await? else { return Err(missing(messages::NOT_FOUND)) };
    let g = grants::of_resource(&**client, RESOURCE, id).await?;
    Ok((row, g))
}

fn bad_request(m: &'static str) -> Error {
    Error::bad_request(m)
}

fn not_found(m: &'static str) -> Error {
    Error::not_found(m)
}

/// `AccessGrants.has_access` for the caller on grants already read.
async fn granted(ctx: &ServerContext, user: &SessionUser, g: &[AccessGrantModel], permission: &str) -> Result<bool> {
    let groups = group_ids(ctx, &user.user.id).await?;
    Ok(grants_allow(g, &user.user.id, &groups, permission))
}

/// The write check of the routes that change a base: its owner, a writer or an admin; else
/// 400 `ACCESS_PROHIBITED`.
async fn require_write(ctx: &ServerContext, user: &SessionUser, r: &BaseRow, g: &[AccessGrantModel]) -> Result<()> {
    if r.user_id == user.user.id || user.is_admin() || granted(ctx, user, g, "write").await? {
        return Ok(());
    }
    Err(Error::bad_request(messages::ACCESS_PROHIBITED))
}

fn is_external(r: &BaseRow) -> bool {
    r.meta.get("source").and_then(Value::as_str) == Some("external")
}

/// `external_knowledge_error`.
fn external_error() -> Error {
    Error::bad_request(messages::EXTERNAL_KNOWLEDGE_READ_ONLY)
}

async fn file_metadatas(ctx: &ServerContext, id: &str) -> Result<Vec<FileMetadataResponse>> {
    let client = ctx.db.get().await?;
    Ok(db::file_metadatas(&**client, id)
        .await?
        .into_iter()
        .map(|(id, hash, meta, created_at, updated_at)| FileMetadataResponse { id, hash, meta: meta.as_object().cloned(), created_at, updated_at })
        .collect())
}

/// `POST /api/v1/knowledge/create` (`create_new_knowledge`): an admin, or a user with
/// `workspace.knowledge` (else 401).
pub async fn create(
    ctx: &ServerContext,
    user: &SessionUser,
    name: &str,
    description: &str,
    access_grants: Option<&[Map<String, Value>]>,
) -> Result<KnowledgeResponse> {
    if !user.is_admin() {
        let p = perms::of_session(ctx, user).await?;
        if !truthy(p.get("workspace").and_then(|w| w.get("knowledge"))) {
            return Err(Error::unauthorized(messages::UNAUTHORIZED));
        }
    }
    let new_grants = allowed_grants(ctx, user, access_grants, SHARING, PUBLIC).await?.unwrap_or_default();
    let t = now();
    let row = BaseRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.user.id.clone(),
        name: name.to_string(),
        description: description.to_string(),
        meta: Value::Null,
        created_at: t,
        updated_at: t,
    };
    let mut client = ctx.db.get().await?;
    db::insert(&mut client, &row, &new_grants).await?;
    let g = grants::of_resource(&**client, RESOURCE, &row.id).await?;
    Ok(KnowledgeResponse { knowledge: model(&row, g), files: None })
}

/// `GET /api/v1/knowledge/{id}` (`get_knowledge_by_id`): an admin, the owner or a reader (else
/// 401); unknown: 404.
pub async fn get(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<KnowledgeFilesResponse> {
    let (row, g) = load(ctx, id, not_found).await?;
    if !(user.is_admin() || row.user_id == user.user.id || granted(ctx, user, &g, "read").await?) {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    let write = row.user_id == user.user.id || admin_bypass(ctx, user) || granted(ctx, user, &g, "write").await?;
    Ok(KnowledgeFilesResponse { knowledge: model(&row, g), files: None, write_access: Some(write) })
}

/// `POST /api/v1/knowledge/{id}/update` (`update_knowledge_by_id`): the new name and
/// description; the answer lists the files (and `write_access` false, as the reference's).
pub async fn update(ctx: &ServerContext, user: &SessionUser, id: &str, name: &str, description: &str) -> Result<KnowledgeFilesResponse> {
    let (mut row, g) = load(ctx, id, bad_request).await?;
    require_write(ctx, user, &row, &g).await?;
    row.updated_at = now();
    {
        let client = ctx.db.get().await?;
        db::update(&**client, id, name, description, row.updated_at).await?;
    }
    row.name = name.to_string();
    row.description = description.to_string();
    let files = file_metadatas(ctx, id).await?;
    Ok(KnowledgeFilesResponse { knowledge: model(&row, g), files: Some(files), write_access: Some(false) })
}

/// `POST /api/v1/knowledge/{id}/access/update` (`update_knowledge_access_by_id`): unknown 404,
/// no write 400, grants the caller may not give 403.
pub async fn update_access(ctx: &ServerContext, user: &SessionUser, id: &str, new: &[Map<String, Value>]) -> Result<KnowledgeFilesResponse> {
    let (row, g) = load(ctx, id, not_found).await?;
    require_write(ctx, user, &row, &g).await?;
    let new_grants = validated_grants(ctx, user, new, SHARING, PUBLIC).await?;
    {
        let mut client = ctx.db.get().await?;
        db::set_grants(&mut client, id, &new_grants, now()).await?;
    }
    let g = {
        let client = ctx.db.get().await?;
        grants::of_resource(&**client, RESOURCE, id).await?
    };
    let files = file_metadatas(ctx, id).await?;
    Ok(KnowledgeFilesResponse { knowledge: model(&row, g), files: Some(files), write_access: Some(false) })
}

/// `DELETE /api/v1/knowledge/{id}/delete` (`delete_knowledge_by_id`).
pub async fn delete(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<bool> {
    let (row, g) = load(ctx, id, bad_request).await?;
    require_write(ctx, user, &row, &g).await?;
    let mut client = ctx.db.get().await?;
    db::delete(&mut client, id).await?;
    Ok(true)
}

/// `POST /api/v1/knowledge/{id}/reset` (`reset_knowledge_by_id`): the base emptied (unless
/// `ENABLE_KNOWLEDGE_FILE_RETENTION`, the files the caller owns, or all for an admin, are
/// deleted too).
pub async fn reset(ctx: &ServerContext, user: &SessionUser, id: &str, include_directories: bool) -> Result<KnowledgeResponse> {
    let (row, g) = load(ctx, id, bad_request).await?;
    if is_external(&row) {
        return Err(external_error());
    }
    require_write(ctx, user, &row, &g).await?;
    let retain = ctx.config.env_bool("ENABLE_KNOWLEDGE_FILE_RETENTION", false);
    let t = now();
    {
        let mut client = ctx.db.get().await?;
        if !retain {
            db::delete_files(&**client, id, (!user.is_admin()).then_some(user.user.id.as_str())).await?;
        }
        db::reset(&mut client, id, include_directories, t).await?;
    }
    let (row, g) = load(ctx, id, bad_request).await?;
    Ok(KnowledgeResponse { knowledge: model(&row, g), files: None })
}

/// `GET /api/v1/knowledge/{id}/export` (`export_knowledge_by_id`, admin): a zip of one `.txt`
/// per file with extracted text, and the file name (`name.zip`, unsafe characters as `_`).
pub async fn export(ctx: &ServerContext, id: &str) -> Result<(Vec<u8>, String)> {
    let (row, _) = load(ctx, id, not_found).await?;
    if is_external(&row) {
        return Err(external_error());
    }
    let files = {
        let client = ctx.db.get().await?;
        db::file_contents(&**client, id).await?
    };
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (filename, content) in files {
            let Some(content) = content.filter(|c| !c.is_empty()) else { continue };
            let name = if filename.ends_with(".txt") { filename } else { format!("{filename}.txt") };
            zip.start_file(name, options).map_err(Error::internal)?;
            zip.write_all(content.as_bytes()).map_err(Error::internal)?;
        }
        zip.finish().map_err(Error::internal)?;
    }
    let safe: String = row.name.chars().map(|c| if c.is_alphanumeric() || " -_".contains(c) { c } else { '_' }).collect();
    Ok((buf.into_inner(), format!("{safe}.zip")))
}

/// `FileMeta`: `name`, `content_type` (text or null) and `size` first, the rest after.
fn file_meta(meta: &Value) -> Option<Map<String, Value>> {
    let m = meta.as_object()?;
    let mut out = Map::new();
    out.insert("name".into(), m.get("name").cloned().unwrap_or(Value::Null));
    let ct = match m.get("content_type") {
        Some(Value::Array(a)) => a.iter().find(|v| v.is_string()).cloned().unwrap_or(Value::Null),
        Some(v @ Value::String(_)) => v.clone(),
        _ => Value::Null,
    };
    out.insert("content_type".into(), ct);
    out.insert("size".into(), m.get("size").cloned().unwrap_or(Value::Null));
    for (k, v) in m {
        if !out.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    Some(out)
}

fn directory(d: &DirectoryRow) -> KnowledgeDirectoryModel {
    KnowledgeDirectoryModel {
        id: d.id.clone(),
        knowledge_id: d.knowledge_id.clone(),
        parent_id: d.parent_id.clone(),
        name: d.name.clone(),
        user_id: d.user_id.clone(),
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

fn file_item(f: FileRow, directory_path: String, collection: Option<KnowledgeModel>) -> FileUserResponse {
    FileUserResponse {
        user: owner(&f.uploader),
        meta: file_meta(&f.meta),
        id: f.id,
        user_id: f.user_id,
        hash: f.hash,
        filename: f.filename,
        data: None,
        created_at: f.created_at,
        updated_at: f.updated_at,
        directory_id: f.directory_id,
        directory_path,
        has_original: f.has_path,
        collection,
    }
}

/// The query of `GET /api/v1/knowledge/{id}/files`, parsed.
pub struct FilesQuery {
    pub query: Option<String>,
    pub include_content: bool,
    pub view_option: Option<String>,
    pub order_by: Option<String>,
    pub direction: Option<String>,
    pub directory_id: Option<String>,
    pub page: i64,
    pub limit: Option<i64>,
}

/// `GET /api/v1/knowledge/{id}/files` (`get_knowledge_files_by_id`): unknown or unreadable 400;
/// 30 a page (an admin may ask another `limit`).
pub async fn files(ctx: &ServerContext, user: &SessionUser, id: &str, q: &FilesQuery) -> Result<KnowledgeFileListResponse> {
    let (row, g) = load(ctx, id, bad_request).await?;
    if !(user.is_admin() || row.user_id == user.user.id || granted(ctx, user, &g, "read").await?) {
        return Err(Error::bad_request(messages::ACCESS_PROHIBITED));
    }
    let page = q.page.max(1);
    let limit = match q.limit {
        Some(l) if user.is_admin() => l.max(1),
        _ => PAGE,
    };
    let asc = q.direction.as_deref() == Some("asc");
    let order = match (q.order_by.as_deref().filter(|s| !s.is_empty()), asc) {
        (Some("name"), true) => "f.filename ASC",
        (Some("name"), false) => "f.filename DESC",
        (Some("created_at"), true) => "f.created_at ASC",
        (Some("created_at"), false) => "f.created_at DESC",
        (Some("updated_at"), true) => "f.updated_at ASC",
        _ => "f.updated_at DESC",
    };
    let dir = q.directory_id.as_deref().map(|d| Some(d).filter(|d| !d.is_empty()));
    let filter = FileFilter {
        query: q.query.as_deref().filter(|s| !s.is_empty()),
        include_content: q.include_content,
        view_option: q.view_option.as_deref().filter(|s| !s.is_empty()),
        directory: dir,
        order,
    };
    let client = ctx.db.get().await?;
    let (rows, total) = db::files_page(&**client, id, &user.user.id, &filter, (page - 1).saturating_mul(limit), limit).await?;
    let all = db::directories(&**client, id).await?;
    let by_id: HashMap<&str, &DirectoryRow> = all.iter().map(|d| (d.id.as_str(), d)).collect();
    let path = |start: &Option<String>| -> String {
        let mut names = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut current = start.as_deref();
        while let Some(c) = current {
            let Some(d) = by_id.get(c) else { break };
            if !seen.insert(c) {
                break;
            }
            names.push(d.name.as_str());
            current = d.parent_id.as_deref();
        }
        names.reverse();
        names.join("/")
    };
    let items = rows
        .into_iter()
        .map(|f| {
            let p = path(&f.directory_id);
            file_item(f, p, None)
        })
        .collect();
    let parent = dir.flatten();
    let directories = all.iter().filter(|d| d.parent_id.as_deref() == parent).map(directory).collect();
    let mut breadcrumbs = Vec::new();
    let mut current = parent;
    let mut seen = std::collections::HashSet::new();
    while let Some(c) = current {
        if !seen.insert(c) {
            break;
        }
        let Some(d) = by_id.get(c) else { break };
        breadcrumbs.push(directory(d));
        current = d.parent_id.as_deref();
    }
    breadcrumbs.reverse();
    Ok(KnowledgeFileListResponse { items, directories, breadcrumbs, total })
}

/// `GET /api/v1/knowledge/search/files` (`search_knowledge_files`): a page of 30 of the files
/// in the bases the caller may read (an admin too), each with its base.
pub async fn search_files(
    ctx: &ServerContext,
    user: &SessionUser,
    query: Option<&str>,
    include_content: bool,
    page: i64,
) -> Result<KnowledgeFileListResponse> {
    let page = page.max(1);
    let groups = group_ids(ctx, &user.user.id).await?;
    let client = ctx.db.get().await?;
    let query = query.filter(|s| !s.is_empty());
    let (rows, total) =
        db::search_files(&**client, &user.user.id, &groups, query, include_content, (page - 1).saturating_mul(PAGE), PAGE).await?;
    let mut items = Vec::with_capacity(rows.len());
    for mut f in rows {
        let base = f.base.take();
        // Not set by the reference's search: the model's defaults.
        f.directory_id = None;
        f.has_path = true;
        let collection = match base {
            Some(b) => {
                let g = grants::of_resource(&**client, RESOURCE, &b.id).await?;
                Some(model(&b, g))
            }
            None => None,
        };
        items.push(file_item(f, String::new(), collection));
    }
    Ok(KnowledgeFileListResponse { items, directories: Vec::new(), breadcrumbs: Vec::new(), total })
}
