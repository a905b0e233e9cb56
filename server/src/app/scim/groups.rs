//! SCIM `/Groups`: list, read, create, replace, patch, delete.

use serde_json::{json, Value};
use webui_api::{ScimGroup, ScimGroupCreate, ScimGroupWrite, ScimListResponse, ScimMember, ScimPatch};

use super::*;

/// `GET /Groups`: `start` from 1, `count` at most 100; the filter `displayName eq "..."`.
pub async fn groups_list(ctx: &ServerContext, base: &str, start: i64, count: i64, filter: Option<&str>) -> Result<ScimListResponse> {
    let client = ctx.db.get().await?;
    let groups: Vec<GroupRow> = match filter.filter(|f| !f.is_empty()) {
        Some(f) if f.contains("displayName eq") => {
            let Some(name) = quoted(f) else { return unquoted_filter("displayName") };
            gdb::group_by_name(&**client, &name).await?.into_iter().collect()
        }
        _ => gdb::all_groups(&**client).await?,
    };
    drop(client);
    let mut resources = Vec::new();
    for g in groups.iter().skip((start - 1) as usize).take(count as usize) {
        resources.push(to_value(group_to_scim(ctx, g, base).await?)?);
    }
    Ok(list_response(groups.len(), start, resources))
}

async fn group_or_404(ctx: &ServerContext, id: &str) -> Result<GroupRow> {
    let client = ctx.db.get().await?;
    match gdb::group_by_id(&**client, id).await? {
        Some(g) => Ok(g),
        None => plain(404, format!("Group {id} not found")),
    }
}

/// `GET /Groups/{id}`.
pub async fn groups_get(ctx: &ServerContext, base: &str, id: &str) -> Result<ScimGroup> {
    let g = group_or_404(ctx, id).await?;
    group_to_scim(ctx, &g, base).await
}

/// `validate_user_members` on raw member objects: direct `User` members that exist.
async fn validate_members(ctx: &ServerContext, members: &[Value]) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for m in members {
        let t = m.get("type").cloned().unwrap_or(Value::Null);
        let r = m.get("$ref").and_then(Value::as_str).unwrap_or("");
        if !(t.is_null() || t == json!("User")) || r.contains("/Groups/") {
            return document(400, "Only direct User members are supported by SCIM.", Some("invalidValue"));
        }
        match m.get("value") {
            Some(Value::String(s)) if !s.is_empty() => ids.push(s.clone()),
            _ => return document(400, "A member user ID is required.", Some("invalidValue")),
        }
    }
    let client = ctx.db.get().await?;
    let valid: std::collections::HashSet<String> = udb::existing_ids(&**client, &ids).await?.into_iter().collect();
    if valid != ids.iter().cloned().collect() {
        return document(400, "One or more member users were not found.", Some("invalidValue"));
    }
    Ok(ids)
}

fn members_json(members: &Option<Vec<ScimMember>>) -> Vec<Value> {
    members
        .iter()
        .flatten()
        .map(|m| json!({"value": m.value, "$ref": m.r#ref, "type": m.r#type.clone().unwrap_or_else(|| "User".into()), "display": m.display}))
        .collect()
}

/// `set_group_user_ids_by_id`: exactly these members.
async fn set_members(ctx: &ServerContext, id: &str, ids: &[String]) -> Result<()> {
    let mut client = ctx.db.get().await?;
    let current = gdb::member_ids(&**client, id).await?;
    let remove: Vec<String> = current.iter().filter(|c| !ids.contains(c)).cloned().collect();
    let add: Vec<String> = ids.iter().filter(|i| !current.contains(i)).cloned().collect();
    let t = now();
    gdb::change_members(&mut client, id, &remove, false, t).await?;
    gdb::change_members(&mut client, id, &add, true, t).await?;
    Ok(())
}

async fn rename(ctx: &ServerContext, g: &GroupRow, name: &str) -> Result<Option<GroupRow>> {
    let mut client = ctx.db.get().await?;
    let u = GroupUpdate { name, description: &g.description, permissions: None, data: None, parent_group_id: None };
    Ok(gdb::update_group(&mut client, &g.id, &u, |_, d| d.clone(), now()).await?.ok())
}

/// `POST /Groups`: owned by an admin, shared as `DEFAULT_GROUP_SHARE_PERMISSION` says.
pub async fn groups_create(ctx: &ServerContext, base: &str, form: ScimGroupCreate) -> Result<ScimGroup> {
    let ids = validate_members(ctx, &members_json(&form.members)).await?;
    let mut client = ctx.db.get().await?;
    let Some(admin) = udb::an_admin_id(&**client).await? else { return plain(500, "No admin user found") };
    let data = json!({"config": {"share": default_share(ctx)}});
    let new = NewGroup { parent_group_id: None, name: &form.displayName, description: "", permissions: None, data: &data };
    let Ok(Ok(mut g)) = gdb::insert_group(&mut client, &admin, &new, now()).await else {
        return plain(500, "Failed to create group");
    };
    drop(client);
    if !ids.is_empty() {
        rename(ctx, &g, &g.name.clone()).await?;
        set_members(ctx, &g.id, &ids).await?;
        let client = ctx.db.get().await?;
        g = gdb::group_by_id(&**client, &g.id).await?.unwrap_or(g);
    }
    group_to_scim(ctx, &g, base).await
}

/// `PUT /Groups/{id}`.
pub async fn groups_put(ctx: &ServerContext, base: &str, id: &str, form: ScimGroupWrite) -> Result<ScimGroup> {
    let ids = validate_members(ctx, &members_json(&form.members)).await?;
    let g = group_or_404(ctx, id).await?;
    if form.members.is_some() {
        set_members(ctx, id, &ids).await?;
    }
    let name = form.displayName.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| g.name.clone());
    let Some(updated) = rename(ctx, &g, &name).await? else { return plain(500, "Failed to update group") };
    group_to_scim(ctx, &updated, base).await
}

/// `PATCH /Groups/{id}`: `replace` of `displayName` and `members`, `add` of `members`, `remove`
/// of `members[value eq "..."]`; every operation is checked before any is applied.
pub async fn groups_patch(ctx: &ServerContext, base: &str, id: &str, form: ScimPatch) -> Result<ScimGroup> {
    let g = group_or_404(ctx, id).await?;
    for op in &form.Operations {
        // Checked before any operation is applied (the reference fails half way, with its 500).
        if let Some(p) = op.path.as_deref().filter(|p| op.op.to_lowercase() == "remove" && p.starts_with("members[value eq")) {
            if quoted(p).is_none() {
                return document(400, "Invalid path: the members[value eq ...] value must be quoted", Some("invalidPath"));
            }
        }
        if op.path.as_deref() == Some("members") && matches!(op.op.to_lowercase().as_str(), "add" | "replace") {
            let Some(Value::Array(list)) = &op.value else {
                return document(400, "Members must be a list of users.", Some("invalidValue"));
            };
            validate_members(ctx, list).await?;
        }
    }
    let mut name = g.name.clone();
    let member_ids = |value: &Value| -> Vec<String> {
        value.as_array().into_iter().flatten().filter_map(|m| m["value"].as_str().map(str::to_string)).collect()
    };
    for op in &form.Operations {
        let value = op.value.clone().unwrap_or(Value::Null);
        match (op.op.to_lowercase().as_str(), op.path.as_deref()) {
            ("replace", Some("displayName")) => name = value.as_str().unwrap_or("").to_string(),
            ("replace", Some("members")) => set_members(ctx, id, &member_ids(&value)).await?,
            ("add", Some("members")) => {
                let mut client = ctx.db.get().await?;
                gdb::change_members(&mut client, id, &member_ids(&value), true, now()).await?;
            }
            ("remove", Some(p)) if p.starts_with("members[value eq") => {
                let member = quoted(p).unwrap_or_default();
                let mut client = ctx.db.get().await?;
                gdb::change_members(&mut client, id, &[member], false, now()).await?;
            }
            _ => {}
        }
    }
    let Some(updated) = rename(ctx, &g, &name).await? else { return plain(500, "Failed to update group") };
    group_to_scim(ctx, &updated, base).await
}

/// `DELETE /Groups/{id}`.
pub async fn groups_delete(ctx: &ServerContext, id: &str) -> Result<()> {
    group_or_404(ctx, id).await?;
    let mut client = ctx.db.get().await?;
    if !gdb::delete_group(&mut client, id, now()).await? {
        return plain(500, "Failed to delete group");
    }
    Ok(())
}
