//! `/api/v1/groups`: user groups, their members, hierarchy and permissions (`routers/groups.py`).

use std::sync::Arc;

use dropshot::RequestContext;
use serde_json::{json, Map, Value};
use webui_api::{Detail, FastJson, GroupMembersQuery, GroupUpdateForm, Shaped, UserIdsForm};

use super::auth::{self, now, permissions};
use super::users::{db_err, query_int, user_info, USER_NOT_FOUND};
use crate::context::ServerContext;
use crate::db::groups::{self as db, GroupRow, GroupUpdate, HierarchyError, NewGroup, DESCENDANTS};
use crate::db::users::{UserRow, USER_COLUMNS};

type Ctx = RequestContext<Arc<ServerContext>>;

/// `ERROR_MESSAGES.NOT_FOUND`.
const NOT_FOUND: &str = USER_NOT_FOUND;

/// `GroupResponse`: the model and its direct member count.
fn group_response(g: &GroupRow, count: i64) -> Value {
    let mut m = g.json();
    m.insert("member_count".into(), Value::from(count));
    Value::Object(m)
}

fn hierarchy(e: HierarchyError) -> Detail {
    Detail::new(e.0, e.1)
}

/// An optional `bool` query parameter.
fn query_opt_bool(name: &str, v: &Option<String>) -> Result<Option<bool>, Detail> {
    match v {
        None => Ok(None),
        some => super::users::query_bool(name, some).map(Some),
    }
}

/// `GET /api/v1/groups/`.
pub async fn list(rqctx: &Ctx, share: Option<String>) -> Result<Value, Detail> {
    let s = auth::require_user(rqctx).await?;
    let share = query_opt_bool("share", &share)?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let rows = if s.is_admin() {
        db::list_groups(&**client, None, None).await
    } else {
        db::list_groups(&**client, Some(&s.user.id), share).await
    }
    .map_err(db_err)?;
    Ok(Value::Array(rows.iter().map(|(g, c)| group_response(g, *c)).collect()))
}

/// `GroupForm`, validated as pydantic does (field order: parent, name, description,
/// permissions, data), then `validate_default_models` on `data`.
struct GroupForm {
    /// `Some` when the key was sent (`Some(None)`: null).
    parent_group_id: Option<Option<String>>,
    name: String,
    description: String,
    permissions: Option<Value>,
    data: Option<Value>,
}

fn validate_group_form(body: &Map<String, Value>) -> Result<GroupForm, Detail> {
    let mut errors = Vec::new();
    let whole = Value::Object(body.clone());
    let opt_str = |k: &str, errors: &mut Vec<Value>| -> Option<Option<String>> {
        match body.get(k) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(v) => {
                errors.push(json!({"type": "string_type", "loc": ["body", k], "msg": "Input should be a valid string", "input": v}));
                None
            }
        }
    };
    let parent_group_id = opt_str("parent_group_id", &mut errors);
    let req_str = |k: &str, errors: &mut Vec<Value>| -> String {
        match body.get(k) {
            None => {
                errors.push(json!({"type": "missing", "loc": ["body", k], "msg": "Field required", "input": whole}));
                String::new()
            }
            Some(Value::String(s)) => s.clone(),
            Some(v) => {
                errors.push(json!({"type": "string_type", "loc": ["body", k], "msg": "Input should be a valid string", "input": v}));
                String::new()
            }
        }
    };
    let name = req_str("name", &mut errors);
    let description = req_str("description", &mut errors);
    let opt_dict = |k: &str, errors: &mut Vec<Value>| -> Option<Value> {
        match body.get(k) {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(v) => {
                errors.push(json!({"type": "dict_type", "loc": ["body", k], "msg": "Input should be a valid dictionary", "input": v}));
                None
            }
        }
    };
    let permissions = opt_dict("permissions", &mut errors);
    let mut data = opt_dict("data", &mut errors);
    if let Some(Value::Object(d)) = &data {
        if let Some(config) = d.get("config") {
            let value_error = |msg: &str, input: &Value| {
                json!({"type": "value_error", "loc": ["body", "data"], "msg": format!("Value error, {msg}"), "input": input, "ctx": {"error": {}}})
            };
            match config {
                Value::Object(c) => match c.get("default_models") {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(models)) if models.iter().all(|m| m.as_str().is_some_and(|s| !s.trim().is_empty())) => {
                        let mut seen: Vec<Value> = Vec::new();
                        for m in models {
                            let t = Value::String(m.as_str().unwrap_or("").trim().to_string());
                            if !seen.contains(&t) {
                                seen.push(t);
                            }
                        }
                        let mut c2 = c.clone();
                        c2.insert("default_models".into(), Value::Array(seen));
                        let mut d2 = d.clone();
                        d2.insert("config".into(), Value::Object(c2));
                        data = Some(Value::Object(d2));
                    }
                    Some(_) => errors.push(value_error("Default models must be a list of non-empty model IDs.", &Value::Object(d.clone()))),
                },
                _ => errors.push(value_error("Group config must be an object.", &Value::Object(d.clone()))),
            }
        }
    }
    if !errors.is_empty() {
        return Err(Detail::validation(errors));
    }
    Ok(GroupForm { parent_group_id, name, description, permissions, data })
}

/// `DEFAULT_GROUP_SHARE_PERMISSION`: `"members"` or a boolean.
fn default_share(ctx: &ServerContext) -> Value {
    let v = ctx.config.env_str("DEFAULT_GROUP_SHARE_PERMISSION").unwrap_or("members").trim().to_lowercase();
    if v == "members" {
        Value::String(v)
    } else {
        Value::Bool(v == "true")
    }
}

/// `POST /api/v1/groups/create`.
pub async fn create(rqctx: &Ctx, body: FastJson<Shaped<webui_api::GroupForm, Map<String, Value>>>) -> Result<Value, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let form = validate_group_form(&body.into_inner()?.value)?;
    let ctx = rqctx.context();
    // `_ensure_default_share_config`.
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
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let g = db::insert_group(&mut client, &s.user.id, &new, now())
        .await
        .map_err(|_| Detail::bad_request("[ERROR: Error creating group]"))?
        .map_err(hierarchy)?;
    let count = db::member_count(&**client, &g.id).await.map_err(db_err)?;
    Ok(group_response(&g, count))
}

async fn find(ctx: &ServerContext, id: &str) -> Result<(GroupRow, i64), Detail> {
    let client = ctx.db.get().await.map_err(db_err)?;
    let g = db::group_by_id(&**client, id).await.map_err(db_err)?.ok_or_else(|| Detail::not_found(NOT_FOUND))?;
    let count = db::member_count(&**client, id).await.map_err(db_err)?;
    Ok((g, count))
}

/// `GET /api/v1/groups/id/{id}` (admin).
pub async fn get(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let (g, c) = find(rqctx.context(), id).await?;
    Ok(group_response(&g, c))
}

/// `GET /api/v1/groups/id/{id}/info`: `GroupInfoResponse`.
pub async fn info(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_user(rqctx).await?;
    let (g, c) = find(rqctx.context(), id).await?;
    Ok(json!({
        "parent_group_id": g.parent_group_id, "id": g.id, "user_id": g.user_id, "name": g.name,
        "description": g.description, "member_count": c, "created_at": g.created_at, "updated_at": g.updated_at,
    }))
}

/// `GET /api/v1/groups/id/{id}/export` (admin).
pub async fn export(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let (g, c) = find(ctx, id).await?;
    let client = ctx.db.get().await.map_err(db_err)?;
    let ids = db::member_ids(&**client, id).await.map_err(db_err)?;
    let mut v = group_response(&g, c);
    v["user_ids"] = json!(ids);
    Ok(v)
}

/// `POST /api/v1/groups/id/{id}/users` (admin): `UserInfoResponse` of each member (`groups`
/// and `is_active` at their defaults, as the reference validates model dumps).
pub async fn users(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u JOIN group_member m ON m.user_id = u.id WHERE m.group_id = $1"#);
    let rows = client.query(&sql, &[&id]).await.map_err(db_err)?;
    Ok(Value::Array(rows.iter().map(|r| user_info(&UserRow::from_row(r, 0), json!([]), false)).collect()))
}

/// `POST /api/v1/groups/id/{id}/update` (admin).
pub async fn update(rqctx: &Ctx, id: &str, body: FastJson<Shaped<GroupUpdateForm, Map<String, Value>>>) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let form = validate_group_form(&body.into_inner()?.value)?;
    let ctx = rqctx.context();
    let u = GroupUpdate {
        name: &form.name,
        description: &form.description,
        permissions: form.permissions.as_ref(),
        data: form.data.clone(),
        parent_group_id: form.parent_group_id.as_ref().map(|p| p.as_deref()),
    };
    // `{**old, **new, 'config': {**old.config, **new.config}}`.
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
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let g = db::update_group(&mut client, id, &u, merge, now())
        .await
        .map_err(|_| Detail::bad_request("[ERROR: Error updating group]"))?
        .map_err(hierarchy)?;
    let count = db::member_count(&**client, &g.id).await.map_err(db_err)?;
    Ok(group_response(&g, count))
}

/// `POST /api/v1/groups/id/{id}/users/add` and `/users/remove` (admin). Only existing users are
/// added.
pub async fn change_members(rqctx: &Ctx, id: &str, body: FastJson<UserIdsForm>, add: bool) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let mut ids = form.user_ids.unwrap_or_default();
    if add && !ids.is_empty() {
        let rows = client.query(r#"SELECT id FROM "user" WHERE id = ANY($1)"#, &[&ids]).await.map_err(db_err)?;
        let valid: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        ids.retain(|i| valid.contains(i));
    }
    let what = if add { "adding users to" } else { "removing users from" };
    let g = db::change_members(&mut client, id, &ids, add, now())
        .await
        .map_err(|_| Detail::bad_request(format!("[ERROR: Error {what} group]")))?
        .ok_or_else(|| Detail::not_found("Group not found."))?;
    let count = db::member_count(&**client, &g.id).await.map_err(db_err)?;
    Ok(group_response(&g, count))
}

/// `DELETE /api/v1/groups/id/{id}/delete` (admin).
pub async fn delete(rqctx: &Ctx, id: &str) -> Result<bool, Detail> {
    auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let ok = db::delete_group(&mut client, id, now()).await.map_err(|_| Detail::bad_request("[ERROR: Error deleting group]"))?;
    if !ok {
        return Err(Detail::not_found("Group not found."));
    }
    Ok(true)
}

/// `group_default_models`.
fn default_models_of(g: &GroupRow) -> Option<Value> {
    let m = g.data.as_ref()?.get("config")?.get("default_models")?;
    auth::truthy(Some(m)).then(|| m.clone())
}

/// `GET /api/v1/groups/id/{id}/preview` (admin).
pub async fn preview(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let g = db::group_by_id(&**client, id).await.map_err(db_err)?.ok_or_else(|| Detail::not_found(NOT_FOUND))?;
    let group_ids = db::ancestor_ids(&**client, id).await.map_err(db_err)?;
    let resources = |table: &'static str, kind: &'static str, active_only: bool, order: &'static str| {
        let group_ids = group_ids.clone();
        let client = &client;
        async move {
            let active = if active_only { "is_active" } else { "true" };
            let sql = format!(
                "SELECT r.id, r.name, {active}, EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = '{kind}' AND a.resource_id = r.id
                   AND a.permission = 'read' AND ((a.principal_type = 'user' AND a.principal_id IN ('*', ''))
                   OR (a.principal_type = 'group' AND a.principal_id = ANY($1)))) FROM {table} r{order}"
            );
            let rows = client.query(&sql, &[&group_ids]).await.map_err(db_err)?;
            Ok::<_, Detail>(
                rows.iter()
                    .map(|r| (r.get::<_, String>(0), r.get::<_, Option<String>>(1).unwrap_or_default(), r.get::<_, Option<bool>>(2).unwrap_or(false), r.get::<_, bool>(3)))
                    .collect::<Vec<_>>(),
            )
        }
    };
    let models = resources("model", "model", true, "").await?;
    let knowledge = resources("knowledge", "knowledge", false, " ORDER BY r.updated_at DESC").await?;
    let tools = resources("tool", "tool", false, "").await?;
    let active: Vec<_> = models.iter().filter(|m| m.2).collect();
    let items = |v: Vec<&(String, String, bool, bool)>| -> Value {
        Value::Array(v.into_iter().filter(|r| r.3).map(|r| json!({"id": r.0, "name": r.1})).collect())
    };
    // Permissions: the defaults, then every ancestor's, then the group's own.
    let sql = format!(r#"SELECT {} FROM "group" g WHERE g.id = ANY($1) AND g.id <> $2"#, db::GROUP_COLUMNS);
    let ancestors: Vec<GroupRow> =
        client.query(&sql, &[&group_ids, &id]).await.map_err(db_err)?.iter().map(|r| GroupRow::from_row(r, 0)).collect();
    let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
    let mut inherited = permissions::filled_defaults(ctx, &defaults);
    for a in &ancestors {
        if let Some(Value::Object(p)) = &a.permissions {
            permissions::combine(&mut inherited, p);
        }
    }
    let mut effective = inherited.clone();
    if let Some(Value::Object(p)) = &g.permissions {
        permissions::combine(&mut effective, p);
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

/// `GET /api/v1/groups/id/{id}/members` (admin).
pub async fn members(rqctx: &Ctx, id: &str, q: GroupMembersQuery) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let mut errors = Vec::new();
    let membership = q.membership.clone().unwrap_or_else(|| "effective".into());
    if !["direct", "inherited", "effective"].contains(&membership.as_str()) {
        errors.push(json!({
            "type": "literal_error", "loc": ["query", "membership"], "msg": "Input should be 'direct', 'inherited' or 'effective'",
            "input": membership, "ctx": {"expected": "'direct', 'inherited' or 'effective'"},
        }));
    }
    let page = match query_int("page", &q.page) {
        Ok(p) => p.unwrap_or(1),
        Err(e) => {
            errors.extend(e.detail.as_array().cloned().unwrap_or_default());
            1
        }
    };
    if q.page.is_some() && page < 1 && errors.iter().all(|e| e["loc"][1] != "page") {
        errors.push(json!({
            "type": "greater_than_equal", "loc": ["query", "page"], "msg": "Input should be greater than or equal to 1",
            "input": q.page, "ctx": {"ge": 1},
        }));
    }
    if !errors.is_empty() {
        return Err(Detail::validation(errors));
    }
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    if db::group_by_id(&**client, id).await.map_err(db_err)?.is_none() {
        return Err(Detail::not_found("Group not found."));
    }
    // `(page - 1) * 30` beyond int64: the reference's driver refuses the OFFSET (a plain-text 500);
    // here it is a page past the end, as in the users lists (a client's value is no server error).
    let offset = (page - 1).saturating_mul(30);
    let effective = format!("(SELECT DISTINCT m.user_id FROM group_member m WHERE m.group_id IN {DESCENDANTS})");
    let direct = "(SELECT user_id FROM group_member WHERE group_id = $1)";
    let direct_count: i64 = client.query_one(&format!("SELECT count(*) FROM {direct} d"), &[&id]).await.map_err(db_err)?.get(0);
    let effective_count: i64 = client.query_one(&format!("SELECT count(*) FROM {effective} e"), &[&id]).await.map_err(db_err)?.get(0);
    let mut filter = format!("u.id IN {effective}");
    match membership.as_str() {
        "direct" => filter.push_str(&format!(" AND u.id IN {direct}")),
        "inherited" => filter.push_str(&format!(" AND u.id NOT IN {direct}")),
        _ => {}
    }
    let query = q.query.clone().unwrap_or_default();
    let pattern = format!("%{query}%");
    let (total, rows) = if query.is_empty() {
        let total: i64 = client.query_one(&format!(r#"SELECT count(*) FROM "user" u WHERE {filter}"#), &[&id]).await.map_err(db_err)?.get(0);
        let sql = format!(r#"SELECT u.id, u.name, u.email, u.role FROM "user" u WHERE {filter} ORDER BY u.name, u.id OFFSET {offset} LIMIT 30"#);
        (total, client.query(&sql, &[&id]).await.map_err(db_err)?)
    } else {
        let f = format!("{filter} AND (u.name ILIKE $2 OR u.email ILIKE $2)");
        let total: i64 =
            client.query_one(&format!(r#"SELECT count(*) FROM "user" u WHERE {f}"#), &[&id, &pattern]).await.map_err(db_err)?.get(0);
        let sql = format!(r#"SELECT u.id, u.name, u.email, u.role FROM "user" u WHERE {f} ORDER BY u.name, u.id OFFSET {offset} LIMIT 30"#);
        (total, client.query(&sql, &[&id, &pattern]).await.map_err(db_err)?)
    };
    let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let sources = client
        .query(&format!("SELECT user_id, group_id FROM group_member WHERE user_id = ANY($2) AND group_id IN {DESCENDANTS}"), &[&id, &ids])
        .await
        .map_err(db_err)?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let uid: String = r.get(0);
            let mut via: Vec<String> = sources.iter().filter(|s| s.get::<_, String>(0) == uid).map(|s| s.get::<_, String>(1)).collect();
            let is_direct = via.iter().any(|g| g == id);
            via.retain(|g| g != id);
            via.sort();
            json!({
                "status_emoji": null, "status_message": null, "status_expires_at": null,
                "id": uid, "name": r.get::<_, Option<String>>(1).unwrap_or_default(), "email": r.get::<_, Option<String>>(2).unwrap_or_default(),
                "role": r.get::<_, Option<String>>(3).unwrap_or_default(), "bio": null, "last_active_at": null, "timezone": null,
                "groups": [], "is_active": false, "membership_type": if is_direct { "direct" } else { "inherited" }, "via_group_ids": via,
            })
        })
        .collect();
    Ok(json!({
        "items": items, "total": total,
        "counts": {"direct": direct_count, "effective": effective_count, "inherited": effective_count - direct_count},
    }))
}
