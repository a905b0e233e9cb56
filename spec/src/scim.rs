//! Wire types of `/api/v1/scim/v2` (SCIM 2.0 provisioning, the reference's "experimental"
//! implementation). Answers are the models below, serialised in their declaration order.
//! Optional sub-objects of the forms (`name`, `emails`, `photos`, `members`) have no
//! `#[serde(default)]`: a missing `Option` is `None` anyway, and with their types serialisable
//! the attribute would document a `default: null` the reference's document does not have.

use dropshot::{Body, HttpResponseCreated, HttpResponseDeleted, HttpResponseHeaders, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::{Detail, FastJson, Reply, Shaped, PUBLIC_BODY_MAX_BYTES};

/// `{user_id}` of `/Users/{user_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ScimUserPath {
    pub user_id: String,
}

/// `{group_id}` of `/Groups/{group_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ScimGroupPath {
    pub group_id: String,
}

/// `?startIndex=&count=&filter=` (kept as text; parsed after the token check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimListQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub startIndex: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub count: Option<String>,
    #[serde(default)]
    pub filter: Option<String>,
}

/// `SCIMName`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimName {
    #[serde(default)]
    pub formatted: Option<String>,
    #[serde(default)]
    pub familyName: Option<String>,
    #[serde(default)]
    pub givenName: Option<String>,
    #[serde(default)]
    pub middleName: Option<String>,
    #[serde(default)]
    pub honorificPrefix: Option<String>,
    #[serde(default)]
    pub honorificSuffix: Option<String>,
}

fn yes() -> bool {
    true
}

/// `SCIMEmail` / `SCIMPhoto`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScimMultiValue {
    pub value: String,
    #[serde(default)]
    pub r#type: Option<String>,
    #[serde(default = "yes")]
    pub primary: bool,
    #[serde(default)]
    pub display: Option<String>,
}

/// `SCIMUserCreateRequest`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimUserCreate {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(default)]
    pub externalId: Option<String>,
    pub userName: String,
    pub name: Option<ScimName>,
    pub displayName: String,
    pub emails: Vec<ScimMultiValue>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub password: Option<String>,
    pub photos: Option<Vec<ScimMultiValue>>,
}

/// `SCIMUserUpdateRequest`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimUserUpdate {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub externalId: Option<String>,
    #[serde(default)]
    pub userName: Option<String>,
    pub name: Option<ScimName>,
    #[serde(default)]
    pub displayName: Option<String>,
    pub emails: Option<Vec<ScimMultiValue>>,
    #[serde(default)]
    pub active: Option<bool>,
    pub photos: Option<Vec<ScimMultiValue>>,
}

/// `SCIMGroupMember`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScimMember {
    pub value: String,
    #[serde(default, rename = "$ref")]
    pub r#ref: Option<String>,
    #[serde(default)]
    pub r#type: Option<String>,
    #[serde(default)]
    pub display: Option<String>,
}

/// `SCIMGroupCreateRequest`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimGroupCreate {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub displayName: String,
    pub members: Option<Vec<ScimMember>>,
}

/// `SCIMGroupUpdateRequest`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimGroupWrite {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(default)]
    pub displayName: Option<String>,
    pub members: Option<Vec<ScimMember>>,
}

/// `SCIMPatchOperation`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ScimPatchOperation {
    pub op: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
}

/// `SCIMPatchRequest`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimPatch {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub Operations: Vec<ScimPatchOperation>,
}

// ---- Answers, as the reference's models ----

/// `SCIMMeta`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimMeta {
    pub resourceType: String,
    pub created: String,
    pub lastModified: String,
    pub location: Option<String>,
    pub version: Option<String>,
}

/// `SCIMUser`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimUser {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub id: String,
    // The stored value as it is (any JSON), documented as the model's type.
    #[schemars(with = "Option<String>")]
    pub externalId: Value,
    pub userName: String,
    pub name: Option<ScimName>,
    pub displayName: String,
    pub emails: Vec<ScimMultiValue>,
    #[serde(default)]
    pub active: bool,
    pub photos: Option<Vec<ScimMultiValue>>,
    // `value`, `display`, `$ref`, `type`, in that order.
    #[schemars(with = "Option<Vec<BTreeMap<String, String>>>")]
    pub groups: Option<Vec<Map<String, Value>>>,
    pub meta: ScimMeta,
}

/// `SCIMGroup`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimGroup {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub id: String,
    pub displayName: String,
    pub members: Option<Vec<ScimMember>>,
    pub meta: ScimMeta,
}

/// `SCIMListResponse`: a page of `SCIMUser`s or `SCIMGroup`s (documented as any values).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct ScimListResponse {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub totalResults: i64,
    pub itemsPerPage: i64,
    pub startIndex: i64,
    pub Resources: Vec<Value>,
}

api_traits! {
/// `/api/v1/scim/v2` (`routers/scim.py`; only with `ENABLE_SCIM`, `SCIM_TOKEN` bearer auth).
pub trait ScimApi in scim_api_invokers {
    type Context: Send + Sync + 'static;

    /// SCIM service provider configuration (no token needed).
    #[endpoint { method = GET, path = "/api/v1/scim/v2/ServiceProviderConfig", tags = ["scim"] }]
    async fn scim_get_service_provider_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// SCIM resource types (no token needed).
    #[endpoint { method = GET, path = "/api/v1/scim/v2/ResourceTypes", tags = ["scim"] }]
    async fn scim_get_resource_types(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// SCIM schemas (no token needed).
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Schemas", tags = ["scim"] }]
    async fn scim_get_schemas(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// Provisioned users (those with OAuth or SCIM data).
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Users", tags = ["scim"] }]
    async fn scim_get_users(
        rqctx: RequestContext<Self::Context>,
        query: Query<ScimListQuery>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimListResponse>>>, Detail>;

    /// Provisions a user.
    #[endpoint { method = POST, path = "/api/v1/scim/v2/Users", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_create_user(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ScimUserCreate>,
    ) -> Result<Reply<HttpResponseCreated<Shaped<ScimUser>>>, Detail>;

    /// One provisioned user.
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Users/{user_id}", tags = ["scim"] }]
    async fn scim_get_user(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimUserPath>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimUser>>>, Detail>;

    /// Replaces a provisioned user's attributes.
    #[endpoint { method = PUT, path = "/api/v1/scim/v2/Users/{user_id}", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_update_user(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimUserPath>,
        body: FastJson<ScimUserUpdate>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimUser>>>, Detail>;

    /// Patches a provisioned user.
    #[endpoint { method = PATCH, path = "/api/v1/scim/v2/Users/{user_id}", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_patch_user(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimUserPath>,
        body: FastJson<ScimPatch>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimUser>>>, Detail>;

    /// Deletes a provisioned user (never an admin).
    #[endpoint { method = DELETE, path = "/api/v1/scim/v2/Users/{user_id}", tags = ["scim"] }]
    async fn scim_delete_user(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimUserPath>,
    ) -> Result<Reply<HttpResponseHeaders<HttpResponseDeleted>>, Detail>;

    /// Groups.
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Groups", tags = ["scim"] }]
    async fn scim_get_groups(
        rqctx: RequestContext<Self::Context>,
        query: Query<ScimListQuery>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimListResponse>>>, Detail>;

    /// Creates a group with direct user members.
    #[endpoint { method = POST, path = "/api/v1/scim/v2/Groups", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_create_group(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ScimGroupCreate>,
    ) -> Result<Reply<HttpResponseCreated<Shaped<ScimGroup>>>, Detail>;

    /// One group.
    #[endpoint { method = GET, path = "/api/v1/scim/v2/Groups/{group_id}", tags = ["scim"] }]
    async fn scim_get_group(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimGroupPath>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimGroup>>>, Detail>;

    /// Replaces a group's name and members.
    #[endpoint { method = PUT, path = "/api/v1/scim/v2/Groups/{group_id}", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_update_group(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimGroupPath>,
        body: FastJson<ScimGroupWrite>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimGroup>>>, Detail>;

    /// Patches a group's name and members.
    #[endpoint { method = PATCH, path = "/api/v1/scim/v2/Groups/{group_id}", tags = ["scim"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn scim_patch_group(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimGroupPath>,
        body: FastJson<ScimPatch>,
    ) -> Result<Reply<HttpResponseOk<Shaped<ScimGroup>>>, Detail>;

    /// Deletes a group.
    #[endpoint { method = DELETE, path = "/api/v1/scim/v2/Groups/{group_id}", tags = ["scim"] }]
    async fn scim_delete_group(
        rqctx: RequestContext<Self::Context>,
        path: Path<ScimGroupPath>,
    ) -> Result<Reply<HttpResponseHeaders<HttpResponseDeleted>>, Detail>;
}
}
