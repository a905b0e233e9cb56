//! `/api/v1/scim/v2`: SCIM 2.0 provisioning of users and groups (`routers/scim.py`).
//!
//! Mounted only with `ENABLE_SCIM` (otherwise every route answers FastAPI's 404). The three
//! discovery documents need no credentials; everything else needs `Authorization: Bearer
//! <SCIM_TOKEN>`. Errors come in two shapes, as upstream: the SCIM error document for the cases
//! the reference builds one (`scim_error`), FastAPI's `{"detail": ...}` for its
//! `HTTPException`s.

use std::sync::Arc;

use dropshot::{Body, HttpResponse, HttpResponseCreated, HttpResponseDeleted, HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::header::{HeaderValue, CONTENT_TYPE};
use http::Response;
use serde_json::{json, Map, Value};
use schemars::JsonSchema;
use webui_api::{
    Detail, FastJson, Reply, ScimGroup, ScimGroupCreate, ScimGroupWrite, ScimListQuery, ScimListResponse, ScimPatch, ScimUser, ScimUserCreate,
    ScimUserUpdate, Shaped,
};

use super::auth::{now, password};
use super::{db_err, query};
use crate::messages::ACTION_PROHIBITED;
use crate::context::ServerContext;
use crate::db::groups::{self as gdb, GroupRow, GroupUpdate, NewGroup, GROUP_COLUMNS};
use crate::db::users::{self as udb, UserRow, USER_COLUMNS};

type Ctx = RequestContext<Arc<ServerContext>>;
/// A response built here (the discovery documents, the error answers).
type Built = Result<Response<Body>, Detail>;
/// A token-guarded route's answer: its typed success `S`, or a response built here.
type Answer<S> = Result<Reply<S>, Detail>;

/// The typed successes: `SCIMUser`, `SCIMGroup` and `SCIMListResponse` (built as ordered JSON),
/// and FastAPI's answer to a `status_code=204` route returning `None` (no body, but the JSON
/// content type).
pub type UserOk = HttpResponseOk<Shaped<ScimUser>>;
pub type UserCreated = HttpResponseCreated<Shaped<ScimUser>>;
pub type GroupOk = HttpResponseOk<Shaped<ScimGroup>>;
pub type GroupCreated = HttpResponseCreated<Shaped<ScimGroup>>;
pub type ListOk = HttpResponseOk<Shaped<ScimListResponse>>;
pub type NoContent = HttpResponseHeaders<HttpResponseDeleted>;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

fn built(status: u16, body: &Value) -> Built {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .map_err(Detail::internal)
}

/// An error (or other) answer built here, in place of a route's typed success.
fn respond<S: HttpResponse>(status: u16, body: &Value) -> Answer<S> {
    built(status, body).map(Reply::Finished)
}

/// The typed 200 of `value`, described as `T`.
fn ok<T: JsonSchema + 'static>(value: Value) -> Answer<HttpResponseOk<Shaped<T>>> {
    Ok(Reply::Typed(HttpResponseOk(Shaped::new(value))))
}

/// The typed 201 of `value`, described as `T`.
fn created<T: JsonSchema + 'static>(value: Value) -> Answer<HttpResponseCreated<Shaped<T>>> {
    Ok(Reply::Typed(HttpResponseCreated(Shaped::new(value))))
}

fn no_content() -> Answer<NoContent> {
    let mut rsp = HttpResponseHeaders::new_unnamed(HttpResponseDeleted());
    rsp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(Reply::Typed(rsp))
}

/// `scim_error`: the SCIM error document.
fn scim_error<S: HttpResponse>(status: u16, detail: &str, scim_type: Option<&str>) -> Answer<S> {
    let mut m = Map::new();
    m.insert("schemas".into(), json!([ERROR_SCHEMA]));
    m.insert("status".into(), Value::String(status.to_string()));
    m.insert("detail".into(), Value::String(detail.to_string()));
    let t = scim_type.or(match status {
        404 => Some("invalidValue"),
        409 => Some("uniqueness"),
        400 => Some("invalidSyntax"),
        _ => None,
    });
    if let Some(t) = t {
        m.insert("scimType".into(), Value::String(t.into()));
    }
    respond(status, &Value::Object(m))
}

/// FastAPI's `{"detail": ...}` answer.
fn http_error<S: HttpResponse>(status: u16, detail: &str) -> Answer<S> {
    respond(status, &json!({"detail": detail}))
}

/// The router exists only with `ENABLE_SCIM` (or the legacy `SCIM_ENABLED`).
fn mounted(ctx: &ServerContext) -> Result<(), Detail> {
    let on = ctx.config.env_str("ENABLE_SCIM").or_else(|| ctx.config.env_str("SCIM_ENABLED")).unwrap_or("False").to_lowercase() == "true";
    if on {
        Ok(())
    } else {
        Err(Detail::not_found("Not Found"))
    }
}

/// `get_scim_auth`: `Some` is the answer to send.
fn check_token(rqctx: &Ctx) -> Option<Built> {
    let ctx = rqctx.context();
    let header = rqctx.request.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if header.is_empty() {
        return Some(
            Response::builder()
                .status(401)
                .header("content-type", "application/json")
                .header("www-authenticate", "Bearer")
                .body(Body::from(json!({"detail": "Authorization header required"}).to_string()))
                .map_err(Detail::internal),
        );
    }
    let parts: Vec<&str> = header.split_whitespace().collect();
    if parts.len() != 2 {
        return Some(built(401, &json!({"detail": "Invalid authorization format. Expected: Bearer <token>"})));
    }
    if parts[0].to_lowercase() != "bearer" {
        return Some(built(401, &json!({"detail": "Invalid authentication scheme"})));
    }
    let expected = ctx.config.env_str("SCIM_TOKEN").unwrap_or("");
    let given = parts[1].as_bytes();
    let same = given.len() == expected.len() && given.iter().zip(expected.as_bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if expected.is_empty() || !same {
        return Some(built(401, &json!({"detail": "Invalid SCIM token"})));
    }
    None
}

macro_rules! guard {
    ($rqctx:expr) => {{
        mounted($rqctx.context())?;
        if let Some(answer) = check_token($rqctx) {
            return answer.map(Reply::Finished);
        }
    }};
}

/// `get_scim_provider`: the key of the users' `scim` data. Without `SCIM_AUTH_PROVIDER` the
/// reference answers 500 (an `HTTPException` it raises itself; `env.py` only warns at start that
/// externalId storage needs it), even after `POST /Users` has created the account. Ours answers
/// 501 (RFC 7644: the service provider does not support the operation, here as configured; the
/// client did nothing wrong, and an IdP retries a 5xx once the operator has set it), with the
/// reference's message, and before any write. A deliberate difference.
fn provider(ctx: &ServerContext) -> Result<String, Detail> {
    match ctx.config.env_str("SCIM_AUTH_PROVIDER").filter(|p| !p.is_empty()) {
        Some(p) => Ok(p.to_string()),
        None => Err(Detail::new(501, "SCIM_AUTH_PROVIDER environment variable is required when SCIM is enabled")),
    }
}

/// A change of `userName` (the email) to one another account has: SQLSTATE 23505 on
/// `uq_user_email_lower` (the reference's unhandled `IntegrityError`, its plain-text 500).
/// Ours is 409, worded and shaped as the create route's answer for a taken email. A deliberate
/// difference (compat `scim`).
fn email_taken<S: HttpResponse>(e: crate::db::DbError, email: Option<&str>) -> Answer<S> {
    match e.unique_violation() {
        Some(crate::db::USER_EMAIL_UNIQUE) => http_error(409, &format!("User with email {} already exists", email.unwrap_or_default())),
        _ => Err(db_err(e)),
    }
}

/// `request.base_url`: `http://<host>/`.
fn base_url(rqctx: &Ctx) -> String {
    let host = rqctx.request.headers().get("host").and_then(|v| v.to_str().ok()).map(str::to_string);
    let host = host.unwrap_or_else(|| rqctx.server.local_addr.to_string());
    format!("http://{host}/")
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
async fn user_to_scim(ctx: &ServerContext, u: &UserRow, base: &str) -> Result<Value, Detail> {
    let client = ctx.db.get().await.map_err(db_err)?;
    let groups = gdb::full_groups_by_members(&**client, std::slice::from_ref(&u.id), false).await.map_err(db_err)?;
    let (given, family) = match u.name.split_once(' ') {
        Some((g, f)) => (g.to_string(), f.to_string()),
        None => (u.name.clone(), String::new()),
    };
    let groups: Vec<Value> = groups
        .iter()
        .map(|(_, g)| json!({"value": g.id, "display": g.name, "$ref": format!("{base}api/v1/scim/v2/Groups/{}", g.id), "type": "direct"}))
        .collect();
    Ok(json!({
        "schemas": [USER_SCHEMA],
        "id": u.id,
        "externalId": external_id(u),
        "userName": u.email,
        "name": {"formatted": u.name, "familyName": family, "givenName": given, "middleName": null, "honorificPrefix": null, "honorificSuffix": null},
        "displayName": u.name,
        "emails": [{"value": u.email, "type": "work", "primary": true, "display": null}],
        "active": u.role != "pending",
        "photos": if u.profile_image_url.is_empty() { Value::Null } else { json!([{"value": u.profile_image_url, "type": "photo", "primary": true, "display": null}]) },
        "groups": if groups.is_empty() { Value::Null } else { Value::Array(groups) },
        "meta": {
            "resourceType": "User", "created": iso(u.created_at), "lastModified": iso(u.updated_at),
            "location": format!("{base}api/v1/scim/v2/Users/{}", u.id), "version": null,
        },
    }))
}

/// `group_to_scim`.
async fn group_to_scim(ctx: &ServerContext, g: &GroupRow, base: &str) -> Result<Value, Detail> {
    let client = ctx.db.get().await.map_err(db_err)?;
    let ids = gdb::member_ids(&**client, &g.id).await.map_err(db_err)?;
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE u.id = ANY($1)"#);
    let users: Vec<UserRow> = client.query(&sql, &[&ids]).await.map_err(db_err)?.iter().map(|r| UserRow::from_row(r, 0)).collect();
    let members: Vec<Value> = users
        .iter()
        .map(|u| json!({"value": u.id, "$ref": format!("{base}api/v1/scim/v2/Users/{}", u.id), "type": "User", "display": u.name}))
        .collect();
    Ok(json!({
        "schemas": [GROUP_SCHEMA],
        "id": g.id,
        "displayName": g.name,
        "members": members,
        "meta": {
            "resourceType": "Group", "created": iso(g.created_at), "lastModified": iso(g.updated_at),
            "location": format!("{base}api/v1/scim/v2/Groups/{}", g.id), "version": null,
        },
    }))
}

pub async fn service_provider_config(rqctx: &Ctx) -> Built {
    mounted(rqctx.context())?;
    built(
        200,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 1000, "maxPayloadSize": 1048576},
            "filter": {"supported": true, "maxResults": 200},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{
                "type": "oauthbearertoken", "name": "OAuth Bearer Token",
                "description": "Authentication using OAuth 2.0 Bearer Token",
            }],
        }),
    )
}

pub async fn resource_types(rqctx: &Ctx) -> Built {
    mounted(rqctx.context())?;
    let base = base_url(rqctx);
    let rt = |id: &str, endpoint: &str, schema: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": id, "name": id, "endpoint": endpoint, "schema": schema,
            "meta": {"location": format!("{base}api/v1/scim/v2/ResourceTypes/{id}"), "resourceType": "ResourceType"},
        })
    };
    built(200, &json!([rt("User", "/Users", USER_SCHEMA), rt("Group", "/Groups", GROUP_SCHEMA)]))
}

pub async fn schemas(rqctx: &Ctx) -> Built {
    mounted(rqctx.context())?;
    built(
        200,
        &json!([
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
                "id": USER_SCHEMA, "name": "User", "description": "User Account",
                "attributes": [
                    {"name": "userName", "type": "string", "required": true, "uniqueness": "server"},
                    {"name": "displayName", "type": "string", "required": true},
                    {"name": "emails", "type": "complex", "multiValued": true, "required": true},
                    {"name": "active", "type": "boolean", "required": false},
                ],
            },
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
                "id": GROUP_SCHEMA, "name": "Group", "description": "Group",
                "attributes": [
                    {"name": "displayName", "type": "string", "required": true},
                    {"name": "members", "type": "complex", "multiValued": true, "required": false},
                ],
            },
        ]),
    )
}

/// `startIndex` (at least 1) and `count` (0..=100), FastAPI's 422 on non-integers.
fn paging(q: &ScimListQuery) -> Result<(i64, i64), Detail> {
    let mut errors = Vec::new();
    let start = query::int("startIndex", &q.startIndex).unwrap_or_else(|e| {
        errors.extend(query::errors_of(e));
        None
    });
    let count = query::int("count", &q.count).unwrap_or_else(|e| {
        errors.extend(query::errors_of(e));
        None
    });
    if !errors.is_empty() {
        return Err(Detail::validation(errors));
    }
    Ok((start.unwrap_or(1).max(1), count.unwrap_or(20).clamp(0, 100)))
}

/// `filter.split('"')[1]`; `None` when there is no quote, where the reference raises an
/// `IndexError` (its plain-text 500): see [`unquoted_filter`].
fn quoted(filter: &str) -> Option<String> {
    filter.split('"').nth(1).map(str::to_string)
}

/// A filter whose value is not quoted (`userName eq alice`): the reference's unhandled
/// `IndexError` (500); ours is the client's 400, as a SCIM error document with RFC 7644's
/// `invalidFilter`. A deliberate difference (compat `scim`).
fn unquoted_filter<S: HttpResponse>(attribute: &str) -> Answer<S> {
    scim_error(400, &format!("Invalid filter: the {attribute} value must be quoted"), Some("invalidFilter"))
}

/// The users SCIM sees: those with OAuth or SCIM data.
const SCIM_VISIBLE: &str = "(u.oauth::text <> 'null' OR u.scim::text <> 'null')";

/// `find_user_by_external_id`: by SCIM external id, else by OAuth `sub`.
async fn find_by_external_id(ctx: &ServerContext, provider: &str, ext: &str) -> Result<Option<UserRow>, Detail> {
    let client = ctx.db.get().await.map_err(db_err)?;
    for col in ["scim -> $1 ->> 'external_id'", "oauth -> $1 ->> 'sub'"] {
        let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE u.{col} = $2 LIMIT 1"#);
        if let Some(r) = client.query_opt(&sql, &[&provider, &ext]).await.map_err(db_err)? {
            return Ok(Some(UserRow::from_row(&r, 0)));
        }
    }
    Ok(None)
}

pub async fn users_list(rqctx: &Ctx, q: ScimListQuery) -> Answer<ListOk> {
    guard!(rqctx);
    let ctx = rqctx.context();
    let (start, count) = paging(&q)?;
    let client = ctx.db.get().await.map_err(db_err)?;
    let filter = q.filter.clone().filter(|f| !f.is_empty());
    let (users, total): (Vec<UserRow>, i64) = match filter {
        Some(f) if f.contains("userName eq") => {
            let Some(email) = quoted(&f) else { return unquoted_filter("userName") };
            let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE {SCIM_VISIBLE} AND lower(u.email) = lower($1)"#);
            let rows = client.query(&sql, &[&email]).await.map_err(db_err)?;
            let total = rows.len() as i64;
            (rows.iter().take(1).map(|r| UserRow::from_row(r, 0)).collect(), total)
        }
        Some(f) if f.contains("externalId eq") => {
            let Some(ext) = quoted(&f) else { return unquoted_filter("externalId") };
            let p = provider(ctx)?;
            let u = find_by_external_id(ctx, &p, &ext).await?;
            let n = u.is_some() as i64;
            (u.into_iter().collect(), n)
        }
        _ => {
            let total: i64 =
                client.query_one(&format!(r#"SELECT count(*) FROM "user" u WHERE {SCIM_VISIBLE}"#), &[]).await.map_err(db_err)?.get(0);
            let sql = format!(
                r#"SELECT {USER_COLUMNS} FROM "user" u WHERE {SCIM_VISIBLE} ORDER BY u.created_at DESC OFFSET {} LIMIT {count}"#,
                start - 1
            );
            (client.query(&sql, &[]).await.map_err(db_err)?.iter().map(|r| UserRow::from_row(r, 0)).collect(), total)
        }
    };
    drop(client);
    let base = base_url(rqctx);
    let mut resources = Vec::new();
    for u in &users {
        resources.push(user_to_scim(ctx, u, &base).await?);
    }
    ok(
        json!({"schemas": [LIST_SCHEMA], "totalResults": total, "itemsPerPage": resources.len(), "startIndex": start, "Resources": resources}),
    )
}

async fn scim_user(ctx: &ServerContext, id: &str) -> Result<Option<UserRow>, Detail> {
    let client = ctx.db.get().await.map_err(db_err)?;
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE u.id = $1 AND {SCIM_VISIBLE}"#);
    Ok(client.query_opt(&sql, &[&id]).await.map_err(db_err)?.map(|r| UserRow::from_row(&r, 0)))
}

pub async fn users_get(rqctx: &Ctx, id: &str) -> Answer<UserOk> {
    guard!(rqctx);
    let ctx = rqctx.context();
    match scim_user(ctx, id).await? {
        Some(u) => ok(user_to_scim(ctx, &u, &base_url(rqctx)).await?),
        None => scim_error(404, &format!("User {id} not found"), None),
    }
}

/// `Users.update_user_scim_by_id`: `scim[provider] = {"external_id": ...}`, stamping
/// `updated_at` when it changed.
async fn set_scim(ctx: &ServerContext, id: &str, provider: &str, ext: Option<&str>) -> Result<Option<UserRow>, Detail> {
    let client = ctx.db.get().await.map_err(db_err)?;
    let Some(u) = udb::user_by_id(&**client, id).await.map_err(db_err)? else { return Ok(None) };
    let mut scim = u.scim.as_ref().and_then(Value::as_object).cloned().unwrap_or_default();
    scim.insert(provider.to_string(), json!({"external_id": ext}));
    let scim = Value::Object(scim);
    if Some(&scim) != u.scim.as_ref() {
        client.execute(r#"UPDATE "user" SET scim = $2, updated_at = $3 WHERE id = $1"#, &[&id, &scim, &now()]).await.map_err(db_err)?;
    }
    udb::user_by_id(&**client, id).await.map_err(db_err)
}

pub async fn users_create(rqctx: &Ctx, body: FastJson<ScimUserCreate>) -> Answer<UserCreated> {
    guard!(rqctx);
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    // Needed to stamp the new account; asked first, so that nothing is written without it.
    let p = provider(ctx)?;
    if let Some(ext) = form.externalId.as_deref().filter(|e| !e.is_empty()) {
        if find_by_external_id(ctx, &p, ext).await?.is_some() {
            return http_error(409, &format!("User with externalId {ext} already exists"));
        }
    }
    let email = form.emails.iter().find(|e| e.primary).map(|e| e.value.clone()).unwrap_or_else(|| form.userName.clone()).to_lowercase();
    let mut client = ctx.db.get().await.map_err(db_err)?;
    if udb::user_by_email(&**client, &email).await.map_err(db_err)?.is_some() {
        return http_error(409, &format!("User with email {email} already exists"));
    }
    let mut name = form.displayName.clone();
    if let Some(n) = &form.name {
        if let Some(f) = n.formatted.as_deref().filter(|f| !f.is_empty()) {
            name = f.to_string();
        } else if n.givenName.as_deref().is_some_and(|s| !s.is_empty()) || n.familyName.as_deref().is_some_and(|s| !s.is_empty()) {
            name = format!("{} {}", n.givenName.as_deref().unwrap_or(""), n.familyName.as_deref().unwrap_or("")).trim().to_string();
        }
    }
    let mut image = form.photos.as_ref().and_then(|p| p.first()).map(|p| p.value.clone()).unwrap_or_else(|| "/user.png".into());
    if !super::auths::valid_image_url(&image) {
        image = "/user.png".into();
    }
    let hash = password::hash_password(super::auths::hash_algorithm(ctx), uuid::Uuid::new_v4().to_string()).await.map_err(Detail::internal)?;
    let new = crate::db::auths::NewAccount {
        email: &email,
        password_hash: &hash,
        name: &name,
        profile_image_url: &image,
        role: if form.active { "user" } else { "pending" },
    };
    let user = crate::db::auths::insert_account(&mut client, &new, false, now()).await.map_err(db_err)?;
    drop(client);
    let Some(user) = set_scim(ctx, &user.id, &p, form.externalId.as_deref()).await? else {
        return http_error(500, "Failed to stamp SCIM user");
    };
    created(user_to_scim(ctx, &user, &base_url(rqctx)).await?)
}

pub async fn users_put(rqctx: &Ctx, id: &str, body: FastJson<ScimUserUpdate>) -> Answer<UserOk> {
    guard!(rqctx);
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    let Some(user) = scim_user(ctx, id).await? else { return http_error(404, &format!("User {id} not found")) };
    let mut email = form.userName.clone().filter(|s| !s.is_empty());
    let mut name = None;
    if let Some(d) = form.displayName.clone().filter(|s| !s.is_empty()) {
        name = Some(d);
    } else if let Some(n) = &form.name {
        if let Some(f) = n.formatted.clone().filter(|f| !f.is_empty()) {
            name = Some(f);
        } else if n.givenName.as_deref().is_some_and(|s| !s.is_empty()) || n.familyName.as_deref().is_some_and(|s| !s.is_empty()) {
            name = Some(format!("{} {}", n.givenName.as_deref().unwrap_or(""), n.familyName.as_deref().unwrap_or("")).trim().to_string());
        }
    }
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
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let updated = match udb::update_fields(&mut client, id, role, name.as_deref(), email.as_deref(), image.as_deref()).await {
        Ok(u) => u,
        Err(e) => return email_taken(e, email.as_deref()),
    };
    drop(client);
    let Some(mut updated) = updated else { return http_error(500, "Failed to update user") };
    if let (Some(ext), Some(p)) = (ext, p) {
        if let Some(u) = set_scim(ctx, id, &p, Some(ext)).await? {
            updated = u;
        }
    }
    ok(user_to_scim(ctx, &updated, &base_url(rqctx)).await?)
}

pub async fn users_patch(rqctx: &Ctx, id: &str, body: FastJson<ScimPatch>) -> Answer<UserOk> {
    guard!(rqctx);
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    let Some(user) = scim_user(ctx, id).await? else { return http_error(404, &format!("User {id} not found")) };
    let mut email: Option<String> = None;
    let mut name: Option<String> = None;
    let mut role: Option<&str> = None;
    let mut scim: Option<Value> = None;
    // Insertion order of the reference's `update_data` is not visible; only the values matter.
    for op in &form.Operations {
        let kind = op.op.to_lowercase();
        if !["add", "replace", "remove"].contains(&kind.as_str()) {
            return scim_error(400, &format!("Unsupported PATCH operation: {}", op.op), None);
        }
        let values: Vec<(String, Value)> = if kind == "remove" {
            let Some(path) = op.path.as_deref().filter(|p| !p.is_empty()) else {
                return scim_error(400, "Remove requires a path", Some("noTarget"));
            };
            if path != "externalId" {
                return scim_error(400, &format!("Removing {path} is not supported"), Some("mutability"));
            }
            vec![(path.to_string(), Value::Null)]
        } else if op.path.is_none() {
            match &op.value {
                Some(Value::Object(m)) if !m.is_empty() => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                _ => return scim_error(400, "A pathless operation requires an attribute object", Some("invalidValue")),
            }
        } else {
            vec![(op.path.clone().unwrap_or_default(), op.value.clone().unwrap_or(Value::Null))]
        };
        for (path, value) in values {
            match path.as_str() {
                "active" => {
                    let Some(b) = value.as_bool() else { return scim_error(400, "active must be a boolean", Some("invalidValue")) };
                    if user.role != "admin" {
                        role = Some(if b { "user" } else { "pending" });
                    }
                }
                "userName" | "displayName" | "emails[primary eq true].value" | "name.formatted" => {
                    let Some(s) = value.as_str() else {
                        return scim_error(400, &format!("{path} must be a string"), Some("invalidValue"));
                    };
                    if matches!(path.as_str(), "userName" | "emails[primary eq true].value") {
                        email = Some(s.to_string());
                    } else {
                        name = Some(s.to_string());
                    }
                }
                "externalId" => {
                    if !value.is_null() && !value.is_string() {
                        return scim_error(400, "externalId must be a string or null", Some("invalidValue"));
                    }
                    let p = provider(ctx)?;
                    let mut s = scim.clone().or_else(|| user.scim.clone()).and_then(|v| v.as_object().cloned()).unwrap_or_default();
                    s.insert(p, json!({"external_id": value}));
                    scim = Some(Value::Object(s));
                }
                _ => return scim_error(400, &format!("Unsupported PATCH path: {path}"), Some("invalidPath")),
            }
        }
    }
    // Identical values are not written.
    let email = email.filter(|e| *e != user.email);
    let name = name.filter(|n| *n != user.name);
    let role = role.filter(|r| *r != user.role);
    let scim = scim.filter(|s| Some(s) != user.scim.as_ref());
    let updated = if email.is_some() || name.is_some() || role.is_some() || scim.is_some() {
        let mut client = ctx.db.get().await.map_err(db_err)?;
        let u = match udb::update_fields(&mut client, id, role, name.as_deref(), email.as_deref(), None).await {
            Ok(u) => u,
            Err(e) => return email_taken(e, email.as_deref()),
        };
        client
            .execute(r#"UPDATE "user" SET scim = COALESCE($2, scim), updated_at = $3 WHERE id = $1"#, &[&id, &scim, &now()])
            .await
            .map_err(db_err)?;
        if u.is_none() {
            return http_error(500, "Failed to update user");
        }
        udb::user_by_id(&**client, id).await.map_err(db_err)?.unwrap_or(user)
    } else {
        user
    };
    ok(user_to_scim(ctx, &updated, &base_url(rqctx)).await?)
}

pub async fn users_delete(rqctx: &Ctx, id: &str) -> Answer<NoContent> {
    guard!(rqctx);
    let ctx = rqctx.context();
    let Some(user) = scim_user(ctx, id).await? else { return http_error(404, &format!("User {id} not found")) };
    if user.role == "admin" {
        return http_error(403, ACTION_PROHIBITED);
    }
    let mut client = ctx.db.get().await.map_err(db_err)?;
    if !udb::delete_user(&mut client, id, now()).await.unwrap_or(false) {
        return http_error(500, "Failed to delete user");
    }
    no_content()
}

pub async fn groups_list(rqctx: &Ctx, q: ScimListQuery) -> Answer<ListOk> {
    guard!(rqctx);
    let ctx = rqctx.context();
    let (start, count) = paging(&q)?;
    let client = ctx.db.get().await.map_err(db_err)?;
    let groups: Vec<GroupRow> = match q.filter.clone().filter(|f| !f.is_empty()) {
        Some(f) if f.contains("displayName eq") => {
            let Some(name) = quoted(&f) else { return unquoted_filter("displayName") };
            let sql = format!(r#"SELECT {GROUP_COLUMNS} FROM "group" g WHERE g.name = $1 LIMIT 1"#);
            client.query(&sql, &[&name]).await.map_err(db_err)?.iter().map(|r| GroupRow::from_row(r, 0)).collect()
        }
        _ => {
            let sql = format!(r#"SELECT {GROUP_COLUMNS} FROM "group" g ORDER BY g.updated_at DESC"#);
            client.query(&sql, &[]).await.map_err(db_err)?.iter().map(|r| GroupRow::from_row(r, 0)).collect()
        }
    };
    drop(client);
    let total = groups.len();
    let base = base_url(rqctx);
    let mut resources = Vec::new();
    for g in groups.iter().skip((start - 1) as usize).take(count as usize) {
        resources.push(group_to_scim(ctx, g, &base).await?);
    }
    ok(
        json!({"schemas": [LIST_SCHEMA], "totalResults": total, "itemsPerPage": resources.len(), "startIndex": start, "Resources": resources}),
    )
}

pub async fn groups_get(rqctx: &Ctx, id: &str) -> Answer<GroupOk> {
    guard!(rqctx);
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let g = gdb::group_by_id(&**client, id).await.map_err(db_err)?;
    drop(client);
    match g {
        Some(g) => ok(group_to_scim(ctx, &g, &base_url(rqctx)).await?),
        None => http_error(404, &format!("Group {id} not found")),
    }
}

/// `validate_user_members` on raw member objects: `Err` is the SCIM error to answer.
async fn validate_members(ctx: &ServerContext, members: &[Value]) -> Result<Result<Vec<String>, &'static str>, Detail> {
    let mut ids = Vec::new();
    for m in members {
        let t = m.get("type").cloned().unwrap_or(Value::Null);
        let r = m.get("$ref").and_then(Value::as_str).unwrap_or("");
        if !(t.is_null() || t == json!("User")) || r.contains("/Groups/") {
            return Ok(Err("Only direct User members are supported by SCIM."));
        }
        match m.get("value") {
            Some(Value::String(s)) if !s.is_empty() => ids.push(s.clone()),
            _ => return Ok(Err("A member user ID is required.")),
        }
    }
    let client = ctx.db.get().await.map_err(db_err)?;
    let rows = client.query(r#"SELECT id FROM "user" WHERE id = ANY($1)"#, &[&ids]).await.map_err(db_err)?;
    let valid: std::collections::HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
    if valid != ids.iter().cloned().collect() {
        return Ok(Err("One or more member users were not found."));
    }
    Ok(Ok(ids))
}

fn members_json(members: &Option<Vec<webui_api::ScimMember>>) -> Vec<Value> {
    members
        .iter()
        .flatten()
        .map(|m| json!({"value": m.value, "$ref": m.r#ref, "type": m.r#type.clone().unwrap_or_else(|| "User".into()), "display": m.display}))
        .collect()
}

/// `set_group_user_ids_by_id`: exactly these members.
async fn set_members(ctx: &ServerContext, id: &str, ids: &[String]) -> Result<(), Detail> {
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let current = gdb::member_ids(&**client, id).await.map_err(db_err)?;
    let remove: Vec<String> = current.iter().filter(|c| !ids.contains(c)).cloned().collect();
    let add: Vec<String> = ids.iter().filter(|i| !current.contains(i)).cloned().collect();
    let t = now();
    gdb::change_members(&mut client, id, &remove, false, t).await.map_err(db_err)?;
    gdb::change_members(&mut client, id, &add, true, t).await.map_err(db_err)?;
    Ok(())
}

async fn rename(ctx: &ServerContext, g: &GroupRow, name: &str) -> Result<Option<GroupRow>, Detail> {
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let u = GroupUpdate { name, description: &g.description, permissions: None, data: None, parent_group_id: None };
    Ok(gdb::update_group(&mut client, &g.id, &u, |_, d| d.clone(), now()).await.map_err(db_err)?.ok())
}

pub async fn groups_create(rqctx: &Ctx, body: FastJson<ScimGroupCreate>) -> Answer<GroupCreated> {
    guard!(rqctx);
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    let ids = match validate_members(ctx, &members_json(&form.members)).await? {
        Ok(ids) => ids,
        Err(msg) => return scim_error(400, msg, Some("invalidValue")),
    };
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let admin: Option<String> =
        client.query_opt(r#"SELECT id FROM "user" WHERE role = 'admin' LIMIT 1"#, &[]).await.map_err(db_err)?.map(|r| r.get(0));
    let Some(admin) = admin else { return http_error(500, "No admin user found") };
    let share = ctx.config.env_str("DEFAULT_GROUP_SHARE_PERMISSION").unwrap_or("members").trim().to_lowercase();
    let share = if share == "members" { json!("members") } else { json!(share == "true") };
    let data = json!({"config": {"share": share}});
    let new = NewGroup { parent_group_id: None, name: &form.displayName, description: "", permissions: None, data: &data };
    let Ok(Ok(mut g)) = gdb::insert_group(&mut client, &admin, &new, now()).await else {
        return http_error(500, "Failed to create group");
    };
    drop(client);
    if !ids.is_empty() {
        rename(ctx, &g, &g.name.clone()).await?;
        set_members(ctx, &g.id, &ids).await?;
        let client = ctx.db.get().await.map_err(db_err)?;
        g = gdb::group_by_id(&**client, &g.id).await.map_err(db_err)?.unwrap_or(g);
    }
    created(group_to_scim(ctx, &g, &base_url(rqctx)).await?)
}

pub async fn groups_put(rqctx: &Ctx, id: &str, body: FastJson<ScimGroupWrite>) -> Answer<GroupOk> {
    guard!(rqctx);
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    let ids = match validate_members(ctx, &members_json(&form.members)).await? {
        Ok(ids) => ids,
        Err(msg) => return scim_error(400, msg, Some("invalidValue")),
    };
    let client = ctx.db.get().await.map_err(db_err)?;
    let g = gdb::group_by_id(&**client, id).await.map_err(db_err)?;
    drop(client);
    let Some(g) = g else { return http_error(404, &format!("Group {id} not found")) };
    if form.members.is_some() {
        set_members(ctx, id, &ids).await?;
    }
    let name = form.displayName.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| g.name.clone());
    let Some(updated) = rename(ctx, &g, &name).await? else { return http_error(500, "Failed to update group") };
    ok(group_to_scim(ctx, &updated, &base_url(rqctx)).await?)
}

pub async fn groups_patch(rqctx: &Ctx, id: &str, body: FastJson<ScimPatch>) -> Answer<GroupOk> {
    guard!(rqctx);
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let g = gdb::group_by_id(&**client, id).await.map_err(db_err)?;
    drop(client);
    let Some(g) = g else { return http_error(404, &format!("Group {id} not found")) };
    for op in &form.Operations {
        // Checked before any operation is applied (the reference fails half way, with its 500).
        if let Some(p) = op.path.as_deref().filter(|p| op.op.to_lowercase() == "remove" && p.starts_with("members[value eq")) {
            if quoted(p).is_none() {
                return scim_error(400, "Invalid path: the members[value eq ...] value must be quoted", Some("invalidPath"));
            }
        }
        if op.path.as_deref() == Some("members") && matches!(op.op.to_lowercase().as_str(), "add" | "replace") {
            let Some(Value::Array(list)) = &op.value else {
                return scim_error(400, "Members must be a list of users.", Some("invalidValue"));
            };
            if let Err(msg) = validate_members(ctx, list).await? {
                return scim_error(400, msg, Some("invalidValue"));
            }
        }
    }
    let mut name = g.name.clone();
    for op in &form.Operations {
        let value = op.value.clone().unwrap_or(Value::Null);
        match (op.op.to_lowercase().as_str(), op.path.as_deref()) {
            ("replace", Some("displayName")) => name = value.as_str().unwrap_or("").to_string(),
            ("replace", Some("members")) => {
                let ids: Vec<String> = value.as_array().into_iter().flatten().filter_map(|m| m["value"].as_str().map(str::to_string)).collect();
                set_members(ctx, id, &ids).await?;
            }
            ("add", Some("members")) => {
                let ids: Vec<String> = value.as_array().into_iter().flatten().filter_map(|m| m["value"].as_str().map(str::to_string)).collect();
                let mut client = ctx.db.get().await.map_err(db_err)?;
                gdb::change_members(&mut client, id, &ids, true, now()).await.map_err(db_err)?;
            }
            ("remove", Some(p)) if p.starts_with("members[value eq") => {
                let member = quoted(p).unwrap_or_default();
                let mut client = ctx.db.get().await.map_err(db_err)?;
                gdb::change_members(&mut client, id, &[member], false, now()).await.map_err(db_err)?;
            }
            _ => {}
        }
    }
    let Some(updated) = rename(ctx, &g, &name).await? else { return http_error(500, "Failed to update group") };
    ok(group_to_scim(ctx, &updated, &base_url(rqctx)).await?)
}

pub async fn groups_delete(rqctx: &Ctx, id: &str) -> Answer<NoContent> {
    guard!(rqctx);
    let ctx = rqctx.context();
    let mut client = ctx.db.get().await.map_err(db_err)?;
    if gdb::group_by_id(&**client, id).await.map_err(db_err)?.is_none() {
        return http_error(404, &format!("Group {id} not found"));
    }
    if !gdb::delete_group(&mut client, id, now()).await.map_err(db_err)? {
        return http_error(500, "Failed to delete group");
    }
    no_content()
}
