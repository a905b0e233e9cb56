//! `/api/v1/scim/v2`: SCIM 2.0 provisioning of users and groups (`routers/scim.py`).
//!
//! Mounted only with `ENABLE_SCIM` (otherwise every route answers FastAPI's 404). The three
//! discovery documents need no credentials; everything else needs `Authorization: Bearer
//! <SCIM_TOKEN>`. Errors come in two shapes, as upstream: the SCIM error document for the cases
//! the reference builds one (`scim_error`), FastAPI's `{"detail": ...}` for its
//! `HTTPException`s.

use std::sync::Arc;

use dropshot::{Body, HttpResponse, HttpResponseCreated, HttpResponseDeleted, HttpResponseHeaders, HttpResponseOk, Path, Query, RequestContext};
use http::header::{HeaderValue, CONTENT_TYPE};
use http::Response;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Map, Value};
use webui_api::{
    Detail, FastJson, Reply, ScimApi, ScimGroup, ScimGroupCreate, ScimGroupPath, ScimGroupWrite, ScimListQuery, ScimListResponse, ScimPatch,
    ScimUser, ScimUserCreate, ScimUserPath, ScimUserUpdate, Shaped,
};

use super::{query, ServerImpl};
use crate::app::scim::{self as app, ScimError, GROUP_SCHEMA, USER_SCHEMA};
use crate::context::ServerContext;

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

/// `request.base_url`: `http://<host>/`.
fn base_url(rqctx: &Ctx) -> String {
    let host = rqctx.request.headers().get("host").and_then(|v| v.to_str().ok()).map(str::to_string);
    let host = host.unwrap_or_else(|| rqctx.server.local_addr.to_string());
    format!("http://{host}/")
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

/// The answer to a failed operation: the SCIM error document, or FastAPI's `{"detail": ...}`.
fn failed<S: HttpResponse>(e: ScimError) -> Answer<S> {
    match e {
        ScimError::Document { status, detail, scim_type } => scim_error(status, &detail, scim_type),
        ScimError::Plain(e) => Err(e.into()),
    }
}

/// The typed 200 of an operation's answer.
fn ok<T: JsonSchema + Serialize + 'static>(r: app::Result<T>) -> Answer<HttpResponseOk<Shaped<T>>> {
    match r {
        Ok(v) => Ok(Reply::Typed(HttpResponseOk(Shaped::new(serde_json::to_value(v).map_err(Detail::internal)?)))),
        Err(e) => failed(e),
    }
}

/// The typed 201 of an operation's answer.
fn created<T: JsonSchema + Serialize + 'static>(r: app::Result<T>) -> Answer<HttpResponseCreated<Shaped<T>>> {
    match r {
        Ok(v) => Ok(Reply::Typed(HttpResponseCreated(Shaped::new(serde_json::to_value(v).map_err(Detail::internal)?)))),
        Err(e) => failed(e),
    }
}

/// FastAPI's answer to a `status_code=204` route returning `None`: no body, the JSON content type.
fn no_content(r: app::Result<()>) -> Answer<NoContent> {
    if let Err(e) = r {
        return failed(e);
    }
    let mut rsp = HttpResponseHeaders::new_unnamed(HttpResponseDeleted());
    rsp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(Reply::Typed(rsp))
}

pub async fn users_list(rqctx: &Ctx, q: ScimListQuery) -> Answer<ListOk> {
    guard!(rqctx);
    let (start, count) = paging(&q)?;
    ok(app::users_list(rqctx.context(), &base_url(rqctx), start, count, q.filter.as_deref()).await)
}

pub async fn users_get(rqctx: &Ctx, id: &str) -> Answer<UserOk> {
    guard!(rqctx);
    ok(app::users_get(rqctx.context(), &base_url(rqctx), id).await)
}

pub async fn users_create(rqctx: &Ctx, body: FastJson<ScimUserCreate>) -> Answer<UserCreated> {
    guard!(rqctx);
    let form = body.into_inner()?;
    created(app::users_create(rqctx.context(), &base_url(rqctx), form).await)
}

pub async fn users_put(rqctx: &Ctx, id: &str, body: FastJson<ScimUserUpdate>) -> Answer<UserOk> {
    guard!(rqctx);
    let form = body.into_inner()?;
    ok(app::users_put(rqctx.context(), &base_url(rqctx), id, form).await)
}

pub async fn users_patch(rqctx: &Ctx, id: &str, body: FastJson<ScimPatch>) -> Answer<UserOk> {
    guard!(rqctx);
    let form = body.into_inner()?;
    ok(app::users_patch(rqctx.context(), &base_url(rqctx), id, form).await)
}

pub async fn users_delete(rqctx: &Ctx, id: &str) -> Answer<NoContent> {
    guard!(rqctx);
    no_content(app::users_delete(rqctx.context(), id).await)
}

pub async fn groups_list(rqctx: &Ctx, q: ScimListQuery) -> Answer<ListOk> {
    guard!(rqctx);
    let (start, count) = paging(&q)?;
    ok(app::groups_list(rqctx.context(), &base_url(rqctx), start, count, q.filter.as_deref()).await)
}

pub async fn groups_get(rqctx: &Ctx, id: &str) -> Answer<GroupOk> {
    guard!(rqctx);
    ok(app::groups_get(rqctx.context(), &base_url(rqctx), id).await)
}

pub async fn groups_create(rqctx: &Ctx, body: FastJson<ScimGroupCreate>) -> Answer<GroupCreated> {
    guard!(rqctx);
    let form = body.into_inner()?;
    created(app::groups_create(rqctx.context(), &base_url(rqctx), form).await)
}

pub async fn groups_put(rqctx: &Ctx, id: &str, body: FastJson<ScimGroupWrite>) -> Answer<GroupOk> {
    guard!(rqctx);
    let form = body.into_inner()?;
    ok(app::groups_put(rqctx.context(), &base_url(rqctx), id, form).await)
}

pub async fn groups_patch(rqctx: &Ctx, id: &str, body: FastJson<ScimPatch>) -> Answer<GroupOk> {
    guard!(rqctx);
    let form = body.into_inner()?;
    ok(app::groups_patch(rqctx.context(), &base_url(rqctx), id, form).await)
}

pub async fn groups_delete(rqctx: &Ctx, id: &str) -> Answer<NoContent> {
    guard!(rqctx);
    no_content(app::groups_delete(rqctx.context(), id).await)
}

impl ScimApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn scim_get_service_provider_config(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        service_provider_config(&rqctx).await
    }

    async fn scim_get_resource_types(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        resource_types(&rqctx).await
    }

    async fn scim_get_schemas(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        schemas(&rqctx).await
    }

    async fn scim_get_users(rqctx: Ctx, query: Query<ScimListQuery>) -> Result<Reply<ListOk>, Detail> {
        users_list(&rqctx, query.into_inner()).await
    }

    async fn scim_create_user(rqctx: Ctx, body: FastJson<ScimUserCreate>) -> Result<Reply<UserCreated>, Detail> {
        users_create(&rqctx, body).await
    }

    async fn scim_get_user(rqctx: Ctx, path: Path<ScimUserPath>) -> Result<Reply<UserOk>, Detail> {
        users_get(&rqctx, &path.into_inner().user_id).await
    }

    async fn scim_update_user(rqctx: Ctx, path: Path<ScimUserPath>, body: FastJson<ScimUserUpdate>) -> Result<Reply<UserOk>, Detail> {
        users_put(&rqctx, &path.into_inner().user_id, body).await
    }

    async fn scim_patch_user(rqctx: Ctx, path: Path<ScimUserPath>, body: FastJson<ScimPatch>) -> Result<Reply<UserOk>, Detail> {
        users_patch(&rqctx, &path.into_inner().user_id, body).await
    }

    async fn scim_delete_user(rqctx: Ctx, path: Path<ScimUserPath>) -> Result<Reply<NoContent>, Detail> {
        users_delete(&rqctx, &path.into_inner().user_id).await
    }

    async fn scim_get_groups(rqctx: Ctx, query: Query<ScimListQuery>) -> Result<Reply<ListOk>, Detail> {
        groups_list(&rqctx, query.into_inner()).await
    }

    async fn scim_create_group(rqctx: Ctx, body: FastJson<ScimGroupCreate>) -> Result<Reply<GroupCreated>, Detail> {
        groups_create(&rqctx, body).await
    }

    async fn scim_get_group(rqctx: Ctx, path: Path<ScimGroupPath>) -> Result<Reply<GroupOk>, Detail> {
        groups_get(&rqctx, &path.into_inner().group_id).await
    }

    async fn scim_update_group(rqctx: Ctx, path: Path<ScimGroupPath>, body: FastJson<ScimGroupWrite>) -> Result<Reply<GroupOk>, Detail> {
        groups_put(&rqctx, &path.into_inner().group_id, body).await
    }

    async fn scim_patch_group(rqctx: Ctx, path: Path<ScimGroupPath>, body: FastJson<ScimPatch>) -> Result<Reply<GroupOk>, Detail> {
        groups_patch(&rqctx, &path.into_inner().group_id, body).await
    }

    async fn scim_delete_group(rqctx: Ctx, path: Path<ScimGroupPath>) -> Result<Reply<NoContent>, Detail> {
        groups_delete(&rqctx, &path.into_inner().group_id).await
    }
}
