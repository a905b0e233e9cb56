//! Wire types of `/api/v1/scim/v2` (SCIM 2.0 provisioning, the reference's "experimental"
//! implementation). Answers are built by the server as ordered JSON, described by the models
//! below (see [`crate::Shaped`]).

use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

use serde_json::Value;

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
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
    #[serde(default)]
    pub name: Option<ScimName>,
    pub displayName: String,
    pub emails: Vec<ScimMultiValue>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
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
    #[serde(default)]
    pub name: Option<ScimName>,
    #[serde(default)]
    pub displayName: Option<String>,
    #[serde(default)]
    pub emails: Option<Vec<ScimMultiValue>>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub photos: Option<Vec<ScimMultiValue>>,
}

/// `SCIMGroupMember`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
    #[serde(default)]
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
    #[serde(default)]
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
#[derive(JsonSchema)]
#[allow(dead_code, non_snake_case)]
pub struct ScimMeta {
    resourceType: String,
    created: String,
    lastModified: String,
    location: Option<String>,
    version: Option<String>,
}

/// `SCIMUser`.
#[derive(JsonSchema)]
#[allow(dead_code, non_snake_case)]
pub struct ScimUser {
    #[serde(default)]
    schemas: Vec<String>,
    id: String,
    externalId: Option<String>,
    userName: String,
    name: Option<ScimName>,
    displayName: String,
    emails: Vec<ScimMultiValue>,
    #[serde(default)]
    active: bool,
    photos: Option<Vec<ScimMultiValue>>,
    groups: Option<Vec<BTreeMap<String, String>>>,
    meta: ScimMeta,
}

/// `SCIMGroup`.
#[derive(JsonSchema)]
#[allow(dead_code, non_snake_case)]
pub struct ScimGroup {
    #[serde(default)]
    schemas: Vec<String>,
    id: String,
    displayName: String,
    members: Option<Vec<ScimMember>>,
    meta: ScimMeta,
}

/// `SCIMListResponse`: a page of `SCIMUser`s or `SCIMGroup`s (documented as any values).
#[derive(JsonSchema)]
#[allow(dead_code, non_snake_case)]
pub struct ScimListResponse {
    #[serde(default)]
    schemas: Vec<String>,
    totalResults: i64,
    itemsPerPage: i64,
    startIndex: i64,
    Resources: Vec<Value>,
}
