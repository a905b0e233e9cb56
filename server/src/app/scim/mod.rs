//! SCIM 2.0 provisioning of users and groups (`routers/scim.py`).
//!
//! The operations fail in two shapes, as upstream: the SCIM error document where the reference
//! builds one (`scim_error`: [`ScimError::Document`]), FastAPI's `{"detail": ...}` for its
//! `HTTPException`s and everything else ([`ScimError::Plain`]). Whatever the operation needs of
//! the request comes as a plain argument: `base` is the request's base URL (`http://<host>/`),
//! which the answers' links start with.

use serde_json::{Map, Value};
use webui_api::{ScimGroup, ScimListResponse, ScimMember, ScimMeta, ScimMultiValue, ScimName, ScimUser};

use crate::app::groups::default_share;
use crate::context::ServerContext;
use crate::db::groups::{self as gdb, GroupRow, GroupUpdate, NewGroup};
use crate::db::users::{self as udb, UserRow};
use crate::db::DbError;
use crate::error::Error;
// The session helpers (one place: they move with the auth layer).
use crate::app::session::{now, password};

mod groups;
mod users;

pub use groups::*;
pub use users::*;

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
