//! SCIM `/Users`: list, read, create, replace, patch, delete.

use serde_json::{json, Value};
use webui_api::{ScimListResponse, ScimName, ScimPatch, ScimUser, ScimUserCreate, ScimUserUpdate};

use super::*;
use crate::messages;

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
    if !crate::app::auths::valid_image_url(&image) {
        image = "/user.png".into();
    }
    let algorithm = crate::app::auths::hash_algorithm(ctx);
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
