//! SCIM 2.0 provisioning of users and groups (`routers/scim.py`).
//!
//! The operations fail in two shapes, as upstream: the SCIM error document where the reference
//! builds one (`scim_error`: [`ScimError::Document`]), FastAPI's `{"detail": ...}` for its
//! `HTTPException`s and everything else ([`ScimError::Plain`]). Whatever the operation needs of
//! the request comes as a plain argument: `base` is the request's base URL (`http://<host>/`),
//! which the answers' links start with.

use serde_json::{json, Map, Value};
use webui_api::{
    ScimGroup, ScimGroupCreate, ScimGroupWrite, ScimListResponse, ScimMember, ScimMeta, ScimMultiValue, ScimName,
    ScimPatch, ScimUser, ScimUserCreate, ScimUserUpdate,
};

use crate::app::groups::default_share;
use crate::context::ServerContext;
use crate::db::groups::{self as gdb, GroupRow, GroupUpdate, NewGroup};
use crate::db::users::{self as udb, UserRow};
use crate::db::DbError;
use crate::error::Error;
// The session helpers (one place: they move with the auth layer).
use crate::http::auth::{now, password};
use crate::messages;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A SCIM operation's failure.
#[derive(Debug)]
pub enum ScimError {
    /// `scim_error(status, detail, scim_type)`: the SCIM error document.
    Document { status: u16, detail: String, scim_type: Option<&'static str> },
    /// An `HTTPException` or any other failure: FastAPI's `{"detail": ...}`.
    Plain(Error),
}

impl From<Error> for ScimError {
    fn from(e: Error) -> Self {
        ScimError::Plain(e)
    }
}

impl From<DbError> for ScimError {
    fn from(e: DbError) -> Self {
        ScimError::Plain(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for ScimError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        ScimError::Plain(e.into())
    }
}

pub type Result<T, E = ScimError> = std::result::Result<T, E>;

fn document<T>(status: u16, detail: impl Into<String>, scim_type: Option<&'static str>) -> Result<T> {
    Err(ScimError::Document { status, detail: detail.into(), scim_type })
}

fn plain<T>(status: u16, detail: impl Into<String>) -> Result<T> {
    Err(ScimError::Plain(Error::status(status, detail.into())))
}

/// `get_scim_provider`: the key of the users' `scim` data. Without `SCIM_AUTH_PROVIDER` the
/// reference answers 500 (an `HTTPException` it raises itself; `env.py` only warns at start that
/// externalId storage needs it), even after `POST /Users` has created the account. Ours answers
/// 501 (RFC 7644: the service provider does not support the operation, here as configured; the
/// client did nothing wrong, and an IdP retries a 5xx once the operator has set it), with the
/// reference's message, and before any write. A deliberate difference.
fn provider(ctx: &ServerContext) -> Result<String> {
    match ctx.config.env_str("SCIM_AUTH_PROVIDER").filter(|p| !p.is_empty()) {
        Some(p) => Ok(p.to_string()),
        None => plain(501, "SCIM_AUTH_PROVIDER environment variable is required when SCIM is enabled"),
    }
}

/// A change of `userName` (the email) to one another account has: SQLSTATE 23505 on
/// `uq_user_email_lower` (the reference's unhandled `IntegrityError`, its plain-text 500).
/// Ours is 409, worded and shaped as the create route's answer for a taken email. A deliberate
/// difference (compat `scim`).
fn email_taken(e: DbError, email: Option<&str>) -> ScimError {
    match e.unique_violation() {
        Some(crate::db::USER_EMAIL_UNIQUE) => {
            ScimError::Plain(Error::status(409, format!("User with email {} already exists", email.unwrap_or_default())))
        }
        _ => e.into(),
    }
}

/// `filter.split('"')[1]`; `None` when there is no quote, where the reference raises an
/// `IndexError` (its plain-text 500): see [`unquoted_filter`].
pub fn quoted(filter: &str) -> Option<String> {
    filter.split('"').nth(1).map(str::to_string)
}

/// A filter whose value is not quoted (`userName eq alice`): the reference's unhandled
/// `IndexError` (500); ours is the client's 400, as a SCIM error document with RFC 7644's
/// `invalidFilter`. A deliberate difference (compat `scim`).
fn unquoted_filter<T>(attribute: &str) -> Result<T> {
    document(400, format!("Invalid filter: the {attribute} value must be quoted"), Some("invalidFilter"))
}

/// `datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()`.
fn iso(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0).map(|d| d.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()).unwrap_or_default()
}

fn external_id(u: &UserRow) -> Value {
    if let Some(Value::Object(scim)) = &u.scim {
        for v in scim.values() {
            if let Some(e) = v.as_object().and_then(|o| o.get("external_id")) {
                return e.clone();
            }
        }
    }
    Value::Null
}

/// `user_to_scim`.
async fn user_to_scim(ctx: &ServerContext, u: &UserRow, base: &str) -> Result<ScimUser> {
    let client = ctx.db.get().await?;
    let groups = gdb::full_groups_by_members(&**client, std::slice::from_ref(&u.id), false).await?;
    let (given, family) = match u.name.split_once(' ') {
        Some((g, f)) => (g.to_string(), f.to_string()),
        None => (u.name.clone(), String::new()),
    };
    let groups: Vec<Map<String, Value>> = groups
        .iter()
        .map(|(_, g)| {
            let mut m = Map::new();
            m.insert("value".into(), Value::String(g.id.clone()));
            m.insert("display".into(), Value::String(g.name.clone()));
            m.insert("$ref".into(), Value::String(format!("{base}api/v1/scim/v2/Groups/{}", g.id)));
            m.insert("type".into(), Value::String("direct".into()));
            m
        })
        .collect();
    let multi = |value: &str, kind: &str| ScimMultiValue { value: value.to_string(), r#type: Some(kind.into()), primary: true, display: None };
    Ok(ScimUser {
        schemas: vec![USER_SCHEMA.into()],
        id: u.id.clone(),
        externalId: external_id(u),
        userName: u.email.clone(),
        name: Some(ScimName {
            formatted: Some(u.name.clone()),
            familyName: Some(family),
            givenName: Some(given),
            middleName: None,
            honorificPrefix: None,
            honorificSuffix: None,
        }),
        displayName: u.name.clone(),
        emails: vec![multi(&u.email, "work")],
        active: u.role != "pending",
        photos: (!u.profile_image_url.is_empty()).then(|| vec![multi(&u.profile_image_url, "photo")]),
        groups: (!groups.is_empty()).then_some(groups),
        meta: ScimMeta {
            resourceType: "User".into(),
            created: iso(u.created_at),
            lastModified: iso(u.updated_at),
            location: Some(format!("{base}api/v1/scim/v2/Users/{}", u.id)),
            version: None,
        },
    })
}

/// `group_to_scim`.
async fn group_to_scim(ctx: &ServerContext, g: &GroupRow, base: &str) -> Result<ScimGroup> {
    let client = ctx.db.get().await?;
    let ids = gdb::member_ids(&**client, &g.id).await?;
    let users = udb::users_by_ids(&**client, &ids).await?;
    let members = users
        .iter()
        .map(|u| ScimMember {
            value: u.id.clone(),
            r#ref: Some(format!("{base}api/v1/scim/v2/Users/{}", u.id)),
            r#type: Some("User".into()),
            display: Some(u.name.clone()),
        })
        .collect();
    Ok(ScimGroup {
        schemas: vec![GROUP_SCHEMA.into()],
        id: g.id.clone(),
        displayName: g.name.clone(),
        members: Some(members),
        meta: ScimMeta {
            resourceType: "Group".into(),
            created: iso(g.created_at),
            lastModified: iso(g.updated_at),
            location: Some(format!("{base}api/v1/scim/v2/Groups/{}", g.id)),
            version: None,
        },
    })
}

fn list_response(total: usize, start: i64, resources: Vec<Value>) -> ScimListResponse {
    ScimListResponse {
        schemas: vec![LIST_SCHEMA.into()],
        totalResults: total as i64,
        itemsPerPage: resources.len() as i64,
        startIndex: start,
        Resources: resources,
    }
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| ScimError::Plain(Error::internal(e)))
}

/// `GET /Users`: `start` from 1, `count` at most 100; the filters `userName eq "..."` and
/// `externalId eq "..."`.
pub async fn users_list(ctx: &ServerContext, base: &str, start: i64, count: i64, filter: Option<&str>) -> Result<ScimListResponse> {
    let client = ctx.db.get().await?;
    let (users, total): (Vec<UserRow>, usize) = match filter.filter(|f| !f.is_empty()) {
        Some(f) if f.contains("userName eq") => {
            let Some(email) = quoted(f) else { return unquoted_filter("userName") };
            let rows = udb::scim_users_by_email(&**client, &email).await?;
            let total = rows.len();
            (rows.into_iter().take(1).collect(), total)
        }
        Some(f) if f.contains("externalId eq") => {
            let Some(ext) = quoted(f) else { return unquoted_filter("externalId") };
            let p = provider(ctx)?;
            let u = udb::user_by_external_id(&**client, &p, &ext).await?;
            let n = u.is_some() as usize;
            (u.into_iter().collect(), n)
        }
        _ => {
            let (rows, total) = udb::scim_users_page(&**client, start - 1, count).await?;
            (rows, total as usize)
        }
    };
    drop(client);
    let mut resources = Vec::new();
    for u in &users {
        resources.push(to_value(user_to_scim(ctx, u, base).await?)?);
    }
    Ok(list_response(total, start, resources))
}

/// `GET /Users/{id}`.
pub async fn users_get(ctx: &ServerContext, base: &str, id: &str) -> Result<ScimUser> {
    let client = ctx.db.get().await?;
    let u = udb::scim_user(&**client, id).await?;
    drop(client);
    match u {
        Some(u) => user_to_scim(ctx, &u, base).await,
        None => document(404, format!("User {id} not found"), None),
    }
}

async fn scim_user_or_404(ctx: &ServerContext, id: &str) -> Result<UserRow> {
    let client = ctx.db.get().await?;
    match udb::scim_user(&**client, id).await? {
        Some(u) => Ok(u),
        None => plain(404, format!("User {id} not found")),
    }
}

/// `Users.update_user_scim_by_id`: `scim[provider] = {"external_id": ...}`, stamping
/// `updated_at` when it changed.
async fn set_scim(ctx: &ServerContext, id: &str, provider: &str, ext: Option<&str>) -> Result<Option<UserRow>> {
    let client = ctx.db.get().await?;
    let Some(u) = udb::user_by_id(&**client, id).await? else { return Ok(None) };
    let mut scim = u.scim.as_ref().and_then(Value::as_object).cloned().unwrap_or_default();
    scim.insert(provider.to_string(), json!({"external_id": ext}));
    let scim = Value::Object(scim);
    if Some(&scim) != u.scim.as_ref() {
        udb::set_scim(&**client, id, Some(&scim), now()).await?;
    }
    Ok(udb::user_by_id(&**client, id).await?)
}

/// The name of a SCIM `name`: `formatted`, else `givenName familyName`.
fn name_of(n: &ScimName) -> Option<String> {
    if let Some(f) = n.formatted.as_deref().filter(|f| !f.is_empty()) {
        return Some(f.to_string());
    }
    if n.givenName.as_deref().is_some_and(|s| !s.is_empty()) || n.familyName.as_deref().is_some_and(|s| !s.is_empty()) {
        return Some(format!("{} {}", n.givenName.as_deref().unwrap_or(""), n.familyName.as_deref().unwrap_or("")).trim().to_string());
    }
    None
}

/// `POST /Users`: a new account (a random password), stamped with the provider's external id.
pub async fn users_create(ctx: &ServerContext, base: &str, form: ScimUserCreate) -> Result<ScimUser> {
    // Needed to stamp the new account; asked first, so that nothing is written without it.
    let p = provider(ctx)?;
    let mut client = ctx.db.get().await?;
    if let Some(ext) = form.externalId.as_deref().filter(|e| !e.is_empty()) {
        if udb::user_by_external_id(&**client, &p, ext).await?.is_some() {
            return plain(409, format!("User with externalId {ext} already exists"));
        }
    }
    let email = form.emails.iter().find(|e| e.primary).map(|e| e.value.clone()).unwrap_or_else(|| form.userName.clone()).to_lowercase();
    if udb::user_by_email(&**client, &email).await?.is_some() {
        return plain(409, format!("User with email {email} already exists"));
    }
    let name = form.name.as_ref().and_then(name_of).unwrap_or_else(|| form.displayName.clone());
    let mut image = form.photos.as_ref().and_then(|p| p.first()).map(|p| p.value.clone()).unwrap_or_else(|| "/user.png".into());
    if !crate::http::auths::valid_image_url(&image) {
        image = "/user.png".into();
    }
    let algorithm = crate::http::auths::hash_algorithm(ctx);
    let hash = password::hash_password(algorithm, uuid::Uuid::new_v4().to_string()).await.map_err(Error::internal)?;
    let new = crate::db::auths::NewAccount {
        email: &email,
        password_hash: &hash,
        name: &name,
        profile_image_url: &image,
        role: if form.active { "user" } else { "pending" },
    };
    let user = crate::db::auths::insert_account(&mut client, &new, false, now()).await?;
    drop(client);
    let Some(user) = set_scim(ctx, &user.id, &p, form.externalId.as_deref()).await? else {
        return plain(500, "Failed to stamp SCIM user");
    };
    user_to_scim(ctx, &user, base).await
}

/// `PUT /Users/{id}`.
pub async fn users_put(ctx: &ServerContext, base: &str, id: &str, form: ScimUserUpdate) -> Result<ScimUser> {
    let user = scim_user_or_404(ctx, id).await?;
    let mut email = form.userName.clone().filter(|s| !s.is_empty());
    let name = match form.displayName.clone().filter(|s| !s.is_empty()) {
        Some(d) => Some(d),
        None => form.name.as_ref().and_then(name_of),
    };
    if let Some(first) = form.emails.as_ref().and_then(|e| e.first()) {
        email = Some(first.value.clone());
    }
    let role = match form.active {
        Some(a) if user.role != "admin" => Some(if a { "user" } else { "pending" }),
        _ => None,
    };
    let image = form.photos.as_ref().and_then(|p| p.first()).map(|p| p.value.clone());
    let ext = form.externalId.as_deref().filter(|e| !e.is_empty());
    let p = if ext.is_some() { Some(provider(ctx)?) } else { None };
    let mut client = ctx.db.get().await?;
    let updated = udb::update_fields(&mut client, id, role, name.as_deref(), email.as_deref(), image.as_deref())
        .await
        .map_err(|e| email_taken(e, email.as_deref()))?;
    drop(client);
    let Some(mut updated) = updated else { return plain(500, "Failed to update user") };
    if let (Some(ext), Some(p)) = (ext, p) {
        if let Some(u) = set_scim(ctx, id, &p, Some(ext)).await? {
            updated = u;
        }
    }
    user_to_scim(ctx, &updated, base).await
}

/// `PATCH /Users/{id}`: `add`/`replace`/`remove` of `active`, `userName`, `displayName`,
/// `emails[primary eq true].value`, `name.formatted`, `externalId` (remove: `externalId` only).
pub async fn users_patch(ctx: &ServerContext, base: &str, id: &str, form: ScimPatch) -> Result<ScimUser> {
    let user = scim_user_or_404(ctx, id).await?;
    let mut email: Option<String> = None;
    let mut name: Option<String> = None;
    let mut role: Option<&str> = None;
    let mut scim: Option<Value> = None;
    // Insertion order of the reference's `update_data` is not visible; only the values matter.
    for op in &form.Operations {
        let kind = op.op.to_lowercase();
        if !["add", "replace", "remove"].contains(&kind.as_str()) {
            return document(400, format!("Unsupported PATCH operation: {}", op.op), None);
        }
        let values: Vec<(String, Value)> = if kind == "remove" {
            let Some(path) = op.path.as_deref().filter(|p| !p.is_empty()) else {
                return document(400, "Remove requires a path", Some("noTarget"));
            };
            if path != "externalId" {
                return document(400, format!("Removing {path} is not supported"), Some("mutability"));
            }
            vec![(path.to_string(), Value::Null)]
        } else if op.path.is_none() {
            match &op.value {
                Some(Value::Object(m)) if !m.is_empty() => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                _ => return document(400, "A pathless operation requires an attribute object", Some("invalidValue")),
            }
        } else {
            vec![(op.path.clone().unwrap_or_default(), op.value.clone().unwrap_or(Value::Null))]
        };
        for (path, value) in values {
            match path.as_str() {
                "active" => {
                    let Some(b) = value.as_bool() else { return document(400, "active must be a boolean", Some("invalidValue")) };
                    if user.role != "admin" {
                        role = Some(if b { "user" } else { "pending" });
                    }
                }
                "userName" | "displayName" | "emails[primary eq true].value" | "name.formatted" => {
                    let Some(s) = value.as_str() else {
                        return document(400, format!("{path} must be a string"), Some("invalidValue"));
                    };
                    if matches!(path.as_str(), "userName" | "emails[primary eq true].value") {
                        email = Some(s.to_string());
                    } else {
                        name = Some(s.to_string());
                    }
                }
                "externalId" => {
                    if !value.is_null() && !value.is_string() {
                        return document(400, "externalId must be a string or null", Some("invalidValue"));
                    }
                    let p = provider(ctx)?;
                    let mut s = scim.clone().or_else(|| user.scim.clone()).and_then(|v| v.as_object().cloned()).unwrap_or_default();
                    s.insert(p, json!({"external_id": value}));
                    scim = Some(Value::Object(s));
                }
                _ => return document(400, format!("Unsupported PATCH path: {path}"), Some("invalidPath")),
            }
        }
    }
    // Identical values are not written.
    let email = email.filter(|e| *e != user.email);
    let name = name.filter(|n| *n != user.name);
    let role = role.filter(|r| *r != user.role);
    let scim = scim.filter(|s| Some(s) != user.scim.as_ref());
    let updated = if email.is_some() || name.is_some() || role.is_some() || scim.is_some() {
        let mut client = ctx.db.get().await?;
        let u = udb::update_fields(&mut client, id, role, name.as_deref(), email.as_deref(), None)
            .await
            .map_err(|e| email_taken(e, email.as_deref()))?;
        udb::set_scim(&**client, id, scim.as_ref(), now()).await?;
        if u.is_none() {
            return plain(500, "Failed to update user");
        }
        udb::user_by_id(&**client, id).await?.unwrap_or(user)
    } else {
        user
    };
    user_to_scim(ctx, &updated, base).await
}

/// `DELETE /Users/{id}`: never an admin.
pub async fn users_delete(ctx: &ServerContext, id: &str) -> Result<()> {
    let user = scim_user_or_404(ctx, id).await?;
    if user.role == "admin" {
        return plain(403, messages::ACTION_PROHIBITED);
    }
    let mut client = ctx.db.get().await?;
    if !udb::delete_user(&mut client, id, now()).await.unwrap_or(false) {
        return plain(500, "Failed to delete user");
    }
    Ok(())
}

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
