//! The workspace tools (`routers/tools.py`): the reads. Creating, updating and the valves need
//! the reference's Python runtime (a tool is code it loads) and are not served.

use serde_json::{Map, Value};
use webui_api::tools::{ToolAccessResponse, ToolMeta, ToolModel, ToolUserResponse};
use webui_api::workspace::AccessGrantModel;

use crate::app::session::{permissions as perms, truthy, SessionUser};
use crate::app::workspace::{admin_bypass, group_ids, owner, plugins_enabled};
use crate::context::ServerContext;
use crate::db::access_grants::{self as grants, grants_allow};
use crate::db::tools::{self as db, ToolRow};
use crate::error::{Error, Result};
use crate::messages;

const RESOURCE: &str = "tool";

/// `ToolMeta` of a stored `meta`: the declared fields, then the other keys in their order.
fn meta(v: &Value) -> ToolMeta {
    let empty = Map::new();
    let m = v.as_object().unwrap_or(&empty);
    let manifest = match m.get("manifest") {
        None => Some(Map::new()),
        Some(Value::Object(o)) => Some(o.clone()),
        Some(_) => None,
    };
    let extra = m
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "i18n" | "description" | "manifest" | "has_user_valves"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    ToolMeta {
        i18n: m.get("i18n").filter(|v| !v.is_null()).cloned(),
        description: m.get("description").and_then(Value::as_str).map(str::to_string),
        manifest,
        has_user_valves: m.get("has_user_valves").and_then(Value::as_bool).unwrap_or(false),
        extra,
    }
}

/// `specs: list[dict]` of a stored row (anything else read as no specs).
fn specs(v: &Value) -> Vec<Map<String, Value>> {
    v.as_array().into_iter().flatten().filter_map(|s| s.as_object().cloned()).collect()
}

fn grants_of(all: &[AccessGrantModel], id: &str) -> Vec<AccessGrantModel> {
    all.iter().filter(|g| g.resource_id == id).cloned().collect()
}

/// The caller's view of the tools: `(rows, their grants, the caller's groups, bypass)`.
async fn readable(ctx: &ServerContext, user: &SessionUser, permission: &str, with_content: bool) -> Result<(Vec<ToolRow>, Vec<AccessGrantModel>, Vec<String>, bool)> {
    let bypass = admin_bypass(ctx, user);
    let groups = if bypass { Vec::new() } else { group_ids(ctx, &user.user.id).await? };
    let client = ctx.db.get().await?;
    let access = (!bypass).then_some((user.user.id.as_str(), groups.as_slice()));
    let rows = db::list(&**client, access, permission, with_content).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let all = grants::of_resources(&**client, RESOURCE, &ids).await?;
    Ok((rows, all, groups, bypass))
}

/// `GET /api/v1/tools/` (`get_tools`): the local tools the caller may read, optionally those
/// whose name contains `query` (case-insensitively).
// Not done: the tool servers of `tool_server.connections` (OpenAPI servers need their specs
// fetched; MCP servers their OAuth sessions): the list has the local tools only.
pub async fn list(ctx: &ServerContext, user: &SessionUser, query: Option<&str>) -> Result<Vec<ToolUserResponse>> {
    if !plugins_enabled(ctx, "ENABLE_TOOLS") {
        return Ok(Vec::new());
    }
    let (rows, all, _, _) = readable(ctx, user, "read", false).await?;
    let q = query.filter(|q| !q.is_empty()).map(str::to_lowercase);
    Ok(rows
        .iter()
        .filter(|r| q.as_ref().is_none_or(|q| r.name.as_deref().unwrap_or("").to_lowercase().contains(q.as_str())))
        .map(|r| {
            let meta = meta(&r.meta);
            let has_user_valves = meta.has_user_valves;
            ToolUserResponse {
                version_id: r.version_id.clone(),
                id: r.id.clone(),
                user_id: r.user_id.clone(),
                name: r.name.clone().unwrap_or_default(),
                meta,
                access_grants: grants_of(&all, &r.id),
                updated_at: r.updated_at,
                created_at: r.created_at,
                user: owner(&r.owner),
                content: None,
                specs: specs(&r.specs),
                has_user_valves,
            }
        })
        .collect())
}

fn access_response(r: &ToolRow, grants: Vec<AccessGrantModel>, write_access: bool, content: Option<Option<String>>) -> ToolAccessResponse {
    ToolAccessResponse {
        version_id: r.version_id.clone(),
        id: r.id.clone(),
        user_id: r.user_id.clone(),
        name: r.name.clone().unwrap_or_default(),
        meta: meta(&r.meta),
        access_grants: grants,
        updated_at: r.updated_at,
        created_at: r.created_at,
        user: owner(&r.owner),
        write_access,
        content,
        specs: specs(&r.specs),
    }
}

/// `GET /api/v1/tools/list` (`get_tool_list`): the same tools with the caller's `write_access`.
pub async fn list_with_access(ctx: &ServerContext, user: &SessionUser) -> Result<Vec<ToolAccessResponse>> {
    if !plugins_enabled(ctx, "ENABLE_TOOLS") {
        return Ok(Vec::new());
    }
    let (rows, all, groups, bypass) = readable(ctx, user, "read", false).await?;
    let uid = user.user.id.as_str();
    Ok(rows
        .iter()
        .map(|r| {
            let g = grants_of(&all, &r.id);
            let write = bypass || r.user_id.as_deref() == Some(uid) || grants_allow(&g, uid, &groups, "write");
            access_response(r, g, write, Some(None))
        })
        .collect())
}

/// `GET /api/v1/tools/export` (`export_tools`): the tools the caller may write, with their
/// source; an admin or a user with `workspace.tools_export`.
pub async fn export(ctx: &ServerContext, user: &SessionUser) -> Result<Vec<ToolModel>> {
    if !user.is_admin() {
        let p = perms::of_session(ctx, user).await?;
        if !truthy(p.get("workspace").and_then(|w| w.get("tools_export"))) {
            return Err(Error::unauthorized(messages::UNAUTHORIZED));
        }
    }
    let (rows, all, _, _) = readable(ctx, user, "write", true).await?;
    Ok(rows
        .iter()
        .map(|r| ToolModel {
            version_id: r.version_id.clone(),
            id: r.id.clone(),
            user_id: r.user_id.clone(),
            name: r.name.clone().unwrap_or_default(),
            content: r.content.clone(),
            specs: specs(&r.specs),
            meta: meta(&r.meta),
            access_grants: grants_of(&all, &r.id),
            updated_at: r.updated_at,
            created_at: r.created_at,
        })
        .collect())
}

/// `GET /api/v1/tools/id/{id}` (`get_tools_by_id`): an admin (whatever the bypass), the owner or
/// a reader; the source only for writers. Unknown: 404; not readable: 401.
pub async fn get(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<ToolAccessResponse> {
    let (row, g) = {
        let client = ctx.db.get().await?;
        let Some(row) = db::by_id(&**client, id).await? else { return Err(Error::not_found(messages::NOT_FOUND)) };
        let g = grants::of_resource(&**client, RESOURCE, id).await?;
        (row, g)
    };
    let uid = user.user.id.as_str();
    let owns = row.user_id.as_deref() == Some(uid);
    let groups = if user.is_admin() && owns { Vec::new() } else { group_ids(ctx, uid).await? };
    if !(user.is_admin() || owns || grants_allow(&g, uid, &groups, "read")) {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    let write = admin_bypass(ctx, user) || owns || grants_allow(&g, uid, &groups, "write");
    let content = write.then(|| row.content.clone());
    Ok(access_response(&row, g, write, content))
}
