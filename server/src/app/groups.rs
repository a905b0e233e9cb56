//! Groups (`routers/groups.py`): user groups, their members, hierarchy and permissions.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use webui_api::{
    GroupExportResponse, GroupFields, GroupInfoResponse, GroupMemberInfo, GroupMembersResponse, GroupModel, GroupResponse, MembershipType,
    UserInfoResponse,
};

use crate::app::users::{object, user_info_default};
use crate::context::ServerContext;
use crate::db::groups::{self as db, GroupRow, GroupUpdate, HierarchyError, Membership, NewGroup};
use crate::db::users::{existing_ids, Readable};
use crate::error::{Error, Result};
// The session user and the session helpers (one place: they move with the auth layer).
use crate::app::session::{now, permissions as perms, truthy, SessionUser};
use crate::messages;

/// The members page's size (`PAGE_ITEM_COUNT`).
const PAGE_ITEM_COUNT: i64 = 30;

/// The fields every group model starts with ([`GroupFields`]), from the row.
fn group_fields(g: &GroupRow) -> GroupFields {
    GroupFields {
        parent_group_id: g.parent_group_id.clone(),
        id: g.id.clone(),
        user_id: g.user_id.clone(),
        name: g.name.clone(),
        description: g.description.clone(),
        data: object(&g.data),
        meta: object(&g.meta),
        permissions: object(&g.permissions),
        created_at: g.created_at,
        updated_at: g.updated_at,
    }
}

/// `GroupModel` (with `membership_type` where the route marks it).
pub fn group_model(g: &GroupRow, membership_type: Option<MembershipType>) -> GroupModel {
    GroupModel { group: group_fields(g), membership_type }
}

/// `GroupResponse`: the model and its direct member count.
pub fn group_response(g: &GroupRow, count: i64) -> GroupResponse {
    GroupResponse { group: group_fields(g), member_count: Some(count) }
}

fn hierarchy(e: HierarchyError) -> Error {
    Error::status(e.0, e.1)
}

/// `GroupForm` / `GroupUpdateForm` as validated (field order: parent, name, description,
/// permissions, data; `data.config.default_models` normalised).
#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    /// `Some` when the key was sent (`Some(None)`: null).
    pub parent_group_id: Option<Option<String>>,
    pub name: String,
    pub description: String,
    pub permissions: Option<Value>,
    pub data: Option<Value>,
}

/// `GET /api/v1/groups/`: every group for an admin, else the user's (filtered by `share`).
pub async fn list(ctx: &ServerContext, s: &SessionUser, share: Option<bool>) -> Result<Vec<GroupResponse>> {
    let client = ctx.db.get().await?;
    let rows = if s.is_admin() {
        db::list_groups(&**client, None, None).await?
    } else {
        db::list_groups(&**client, Some(&s.user.id), share).await?
    };
    Ok(rows.iter().map(|(g, c)| group_response(g, *c)).collect())
}

/// `DEFAULT_GROUP_SHARE_PERMISSION`: `"members"` or a boolean.
pub fn default_share(ctx: &ServerContext) -> Value {
    let v = ctx.config.env_str("DEFAULT_GROUP_SHARE_PERMISSION").unwrap_or("members").trim().to_lowercase();
    if v == "members" {
        Value::String(v)
    } else {
        Value::Bool(v == "true")
    }
}

/// `POST /api/v1/groups/create` (admin), with `_ensure_default_share_config`.
pub async fn create(ctx: &ServerContext, s: &SessionUser, form: GroupInput) -> Result<Option<GroupResponse>> {
    let mut data = form.data.and_then(|d| d.as_object().cloned()).unwrap_or_default();
    let mut config = match data.remove("config") {
        Some(Value::Object(c)) => c,
        _ => Map::new(),
    };
    if !config.contains_key("share") {
        config.insert("share".into(), default_share(ctx));
    }
    data.insert("config".into(), Value::Object(config));
    let data = Value::Object(data);
    let new = NewGroup {
        parent_group_id: form.parent_group_id.as_ref().and_then(|p| p.as_deref()),
        name: &form.name,
        description: &form.description,
        permissions: form.permissions.as_ref(),
        data: &data,
    };
    let mut client = ctx.db.get().await?;
    let g = db::insert_group(&mut client, &s.user.id, &new, now())
        .await
        .map_err(|_| Error::bad_request(messages::default_error("Error creating group")))?
        .map_err(hierarchy)?;
    let count = db::member_count(&**client, &g.id).await?;
    Ok(Some(group_response(&g, count)))
}

async fn find(ctx: &ServerContext, id: &str) -> Result<(GroupRow, i64)> {
    let client = ctx.db.get().await?;
    let g = db::group_by_id(&**client, id).await?.ok_or_else(|| Error::not_found(messages::NOT_FOUND))?;
    let count = db::member_count(&**client, id).await?;
    Ok((g, count))
}

/// `GET /api/v1/groups/id/{id}` (admin).
pub async fn get(ctx: &ServerContext, id: &str) -> Result<Option<GroupResponse>> {
    let (g, c) = find(ctx, id).await?;
    Ok(Some(group_response(&g, c)))
}

/// `GET /api/v1/groups/id/{id}/info`: `GroupInfoResponse`.
pub async fn info(ctx: &ServerContext, id: &str) -> Result<Option<GroupInfoResponse>> {
    let (g, c) = find(ctx, id).await?;
    Ok(Some(GroupInfoResponse {
        parent_group_id: g.parent_group_id,
        id: g.id,
        user_id: g.user_id,
        name: g.name,
        description: g.description,
        member_count: Some(c),
        created_at: g.created_at,
        updated_at: g.updated_at,
    }))
}

/// `GET /api/v1/groups/id/{id}/export` (admin): the group with its members' ids.
pub async fn export(ctx: &ServerContext, id: &str) -> Result<Option<GroupExportResponse>> {
    let (g, c) = find(ctx, id).await?;
    let client = ctx.db.get().await?;
    let user_ids = db::member_ids(&**client, id).await?;
    Ok(Some(GroupExportResponse { group: group_fields(&g), member_count: Some(c), user_ids }))
}

/// `POST /api/v1/groups/id/{id}/users` (admin): `UserInfoResponse` of each member (`groups`
/// and `is_active` at their defaults, as the reference validates model dumps).
pub async fn users(ctx: &ServerContext, id: &str) -> Result<Vec<UserInfoResponse>> {
    let client = ctx.db.get().await?;
    Ok(db::members(&**client, id).await?.iter().map(user_info_default).collect())
}

/// `POST /api/v1/groups/id/{id}/update` (admin): `data` merged as `{**old, **new, 'config':
/// {**old.config, **new.config}}`.
pub async fn update(ctx: &ServerContext, id: &str, form: GroupInput) -> Result<Option<GroupResponse>> {
    let u = GroupUpdate {
        name: &form.name,
        description: &form.description,
        permissions: form.permissions.as_ref(),
        data: form.data.clone(),
        parent_group_id: form.parent_group_id.as_ref().map(|p| p.as_deref()),
    };
    let merge = |old: Option<&Value>, new: &Value| {
        let old = old.and_then(Value::as_object).cloned().unwrap_or_default();
        let new = new.as_object().cloned().unwrap_or_default();
        let mut config = old.get("config").and_then(Value::as_object).cloned().unwrap_or_default();
        if let Some(Value::Object(c)) = new.get("config") {
            config.extend(c.clone());
        }
        let mut out = old;
        out.extend(new);
        out.insert("config".into(), Value::Object(config));
        Value::Object(out)
    };
    let mut client = ctx.db.get().await?;
    let g = db::update_group(&mut client, id, &u, merge, now())
        .await
        .map_err(|_| Error::bad_request(messages::default_error("Error updating group")))?
        .map_err(hierarchy)?;
    let count = db::member_count(&**client, &g.id).await?;
    Ok(Some(group_response(&g, count)))
}

/// `POST /api/v1/groups/id/{id}/users/add` and `/users/remove` (admin). Only existing users are
/// added.
pub async fn change_members(ctx: &ServerContext, id: &str, mut user_ids: Vec<String>, add: bool) -> Result<Option<GroupResponse>> {
    let mut client = ctx.db.get().await?;
    if add && !user_ids.is_empty() {
        let valid = existing_ids(&**client, &user_ids).await?;
        user_ids.retain(|i| valid.contains(i));
    }
    let what = if add { "Error adding users to group" } else { "Error removing users from group" };
    let g = db::change_members(&mut client, id, &user_ids, add, now())
        .await
        .map_err(|_| Error::bad_request(messages::default_error(what)))?
        .ok_or_else(|| Error::not_found("Group not found."))?;
    let count = db::member_count(&**client, &g.id).await?;
    Ok(Some(group_response(&g, count)))
}

/// `DELETE /api/v1/groups/id/{id}/delete` (admin).
pub async fn delete(ctx: &ServerContext, id: &str) -> Result<bool> {
    let mut client = ctx.db.get().await?;
    let ok = db::delete_group(&mut client, id, now())
        .await
        .map_err(|_| Error::bad_request(messages::default_error("Error deleting group")))?;
    if !ok {
        return Err(Error::not_found("Group not found."));
    }
    Ok(true)
}

/// `group_default_models`.
fn default_models_of(g: &GroupRow) -> Option<Value> {
    let m = g.data.as_ref()?.get("config")?.get("default_models")?;
    truthy(Some(m)).then(|| m.clone())
}

/// `GET /api/v1/groups/id/{id}/preview` (admin): what the group's members may read through it,
/// its default models and its permissions (own, inherited from its ancestors, effective).
pub async fn preview(ctx: &ServerContext, id: &str) -> Result<Value> {
    let client = ctx.db.get().await?;
    let g = db::group_by_id(&**client, id).await?.ok_or_else(|| Error::not_found(messages::NOT_FOUND))?;
    let group_ids = db::ancestor_ids(&**client, id).await?;
    let models = db::resources_granted(&**client, Readable::Model, &group_ids).await?;
    let knowledge = db::resources_granted(&**client, Readable::Knowledge, &group_ids).await?;
    let tools = db::resources_granted(&**client, Readable::Tool, &group_ids).await?;
    let active: Vec<_> = models.iter().filter(|m| m.active).collect();
    let items = |v: Vec<&db::GrantedResource>| -> Value {
        Value::Array(v.into_iter().filter(|r| r.granted).map(|r| json!({"id": r.id, "name": r.name})).collect())
    };
    // Permissions: the defaults, then every ancestor's, then the group's own.
    let ancestors = db::groups_by_ids_except(&**client, &group_ids, id).await?;
    let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
    let mut inherited = perms::filled_defaults(ctx, &defaults);
    for a in &ancestors {
        if let Some(Value::Object(p)) = &a.permissions {
            perms::combine(&mut inherited, p);
        }
    }
    let mut effective = inherited.clone();
    if let Some(Value::Object(p)) = &g.permissions {
        perms::combine(&mut effective, p);
    }
    // `resolve_group_default_models`: the deepest configured group, then the oldest, then by id.
    let mut chain: Vec<&GroupRow> = vec![&g];
    chain.extend(ancestors.iter());
    let depth = |grp: &GroupRow| {
        let mut d = 0;
        let mut cur = grp.parent_group_id.clone();
        let mut seen = vec![grp.id.clone()];
        while let Some(p) = cur {
            if seen.contains(&p) {
                break;
            }
            match chain.iter().find(|c| c.id == p) {
                Some(c) => {
                    d += 1;
                    seen.push(p);
                    cur = c.parent_group_id.clone();
                }
                None => break,
            }
        }
        d
    };
    let winner = chain
        .iter()
        .filter(|c| default_models_of(c).is_some())
        .min_by(|a, b| (-depth(a), a.created_at, &a.id).cmp(&(-depth(b), b.created_at, &b.id)));
    let (effective_models, source) = match winner {
        Some(w) => (default_models_of(w).unwrap_or(Value::Null), Value::String(w.id.clone())),
        None => {
            let dm = ctx.setting("ui.default_models");
            let s = dm.as_ref().and_then(Value::as_str).unwrap_or("");
            let list: Vec<Value> = s.split(',').map(str::trim).filter(|m| !m.is_empty()).map(|m| Value::String(m.into())).collect();
            (Value::Array(list), Value::Null)
        }
    };
    Ok(json!({
        "group": {"id": g.id, "name": g.name},
        "default_models": {"local": default_models_of(&g), "effective": effective_models, "source_group_id": source},
        "models": {"items": items(active.clone()), "total": active.len()},
        "knowledge": {"items": items(knowledge.iter().collect()), "total": knowledge.len()},
        "tools": {"items": items(tools.iter().collect()), "total": tools.len()},
        "permissions": g.permissions.clone().unwrap_or_else(|| json!({})),
        "inherited_permissions": inherited,
        "effective_permissions": effective,
    }))
}

/// `GET /api/v1/groups/id/{id}/members` (admin): a page (from 1) of the members of the group and
/// its descendants.
pub async fn members(ctx: &ServerContext, id: &str, membership: Membership, query: &str, page: i64) -> Result<GroupMembersResponse> {
    let client = ctx.db.get().await?;
    if db::group_by_id(&**client, id).await?.is_none() {
        return Err(Error::not_found("Group not found."));
    }
    // `(page - 1) * 30` beyond int64: the reference's driver refuses the OFFSET (a plain-text 500);
    // here it is a page past the end, as in the users lists (a client's value is no server error).
    let offset = (page - 1).saturating_mul(PAGE_ITEM_COUNT);
    let p = db::member_page(&**client, id, membership, query, offset, PAGE_ITEM_COUNT).await?;
    let items = p
        .rows
        .into_iter()
        .map(|r| GroupMemberInfo {
            status_emoji: None,
            status_message: None,
            status_expires_at: None,
            id: r.id,
            name: r.name,
            email: r.email,
            role: r.role,
            bio: None,
            last_active_at: None,
            timezone: None,
            groups: Some(Vec::new()),
            is_active: false,
            membership_type: if r.direct { MembershipType::Direct } else { MembershipType::Inherited },
            via_group_ids: r.via_group_ids,
        })
        .collect();
    let counts = BTreeMap::from([
        ("direct".to_string(), p.direct_count),
        ("effective".to_string(), p.effective_count),
        ("inherited".to_string(), p.effective_count - p.direct_count),
    ]);
    Ok(GroupMembersResponse { items, total: p.total, counts })
}
