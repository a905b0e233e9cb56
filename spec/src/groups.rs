//! Wire types of `/api/v1/groups`. Group forms are taken as JSON objects and validated by the
//! server (pydantic's `GroupForm` tells "`parent_group_id` absent" from "null").

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

/// `{id}` in `/api/v1/groups/id/{id}/...`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GroupIdPath {
    pub id: String,
}

/// `?share=` of `GET /api/v1/groups/` (parsed by the handler after its auth check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct GroupsListQuery {
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub share: Option<String>,
}

/// `?membership=&query=&page=` of `GET /api/v1/groups/id/{id}/members`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct GroupMembersQuery {
    #[serde(default)]
    #[schemars(with = "Option<Membership>")]
    pub membership: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "page_at_least_one")]
    pub page: Option<String>,
}

/// `UserIdsForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UserIdsForm {
    #[serde(default)]
    pub user_ids: Option<Vec<String>>,
}

/// `?membership=` of `GET /api/v1/groups/id/{id}/members`, as documented (the handler reads text).
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum Membership {
    Direct,
    Inherited,
    Effective,
}

/// `page`: an integer of at least 1 (checked by the handler, which answers pydantic's 422).
fn page_at_least_one(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    use schemars::schema::{InstanceType, NumberValidation, SchemaObject};
    SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        format: Some("int64".into()),
        number: Some(Box::new(NumberValidation { minimum: Some(1.0), ..Default::default() })),
        ..Default::default()
    }
    .into()
}

// ---- Answers, as the reference's models (built by the server as ordered JSON, see `Shaped`) ----

/// `GroupForm` (`POST /api/v1/groups/create`), read as a JSON object and validated by the server.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GroupForm {
    parent_group_id: Option<String>,
    name: String,
    description: String,
    permissions: Option<Map<String, Value>>,
    data: Option<Map<String, Value>>,
}

/// `GroupUpdateForm` (`POST /api/v1/groups/id/{id}/update`), read as a JSON object.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GroupUpdateForm {
    parent_group_id: Option<String>,
    name: String,
    description: String,
    permissions: Option<Map<String, Value>>,
    data: Option<Map<String, Value>>,
}

/// `GroupResponse`.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GroupResponse {
    parent_group_id: Option<String>,
    id: String,
    user_id: String,
    name: String,
    description: String,
    data: Option<Map<String, Value>>,
    meta: Option<Map<String, Value>>,
    permissions: Option<Map<String, Value>>,
    created_at: i64,
    updated_at: i64,
    member_count: Option<i64>,
}

/// `GroupInfoResponse`.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GroupInfoResponse {
    parent_group_id: Option<String>,
    id: String,
    user_id: String,
    name: String,
    description: String,
    member_count: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

/// `GroupExportResponse`: a `GroupResponse` with its member ids.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GroupExportResponse {
    parent_group_id: Option<String>,
    id: String,
    user_id: String,
    name: String,
    description: String,
    data: Option<Map<String, Value>>,
    meta: Option<Map<String, Value>>,
    permissions: Option<Map<String, Value>>,
    created_at: i64,
    updated_at: i64,
    member_count: Option<i64>,
    #[serde(default)]
    user_ids: Vec<String>,
}

/// `GroupMemberInfo`: a `UserInfoResponse` with how the user is a member.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GroupMemberInfo {
    status_emoji: Option<String>,
    status_message: Option<String>,
    status_expires_at: Option<i64>,
    id: String,
    name: String,
    email: String,
    role: String,
    bio: Option<String>,
    last_active_at: Option<i64>,
    timezone: Option<String>,
    groups: Option<Vec<Value>>,
    #[serde(default)]
    is_active: bool,
    membership_type: MembershipType,
    #[serde(default)]
    via_group_ids: Vec<String>,
}

/// `GroupMemberInfo.membership_type`.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum MembershipType {
    Direct,
    Inherited,
}

/// `GroupMembersResponse`: a page of members, the total and the counts per membership kind.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GroupMembersResponse {
    items: Vec<GroupMemberInfo>,
    total: i64,
    counts: BTreeMap<String, i64>,
}
