//! Wire types of `/api/v1/groups`. Group forms are taken as JSON objects and validated by the
//! server (pydantic's `GroupForm` tells "`parent_group_id` absent" from "null").

use std::collections::BTreeMap;

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Detail, FastJson, Shaped, UserInfoResponse};

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

// ---- Answers, as the reference's models (fields in declaration order: serde writes the reference's bytes) ----

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

/// `GroupModel`'s fields, in its order: described once, flattened into [`GroupModel`],
/// [`GroupResponse`] and [`GroupExportResponse`] (which the reference derives from it); their
/// fields read through `Deref`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupFields {
    pub parent_group_id: Option<String>,
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub description: String,
    pub data: Option<Map<String, Value>>,
    pub meta: Option<Map<String, Value>>,
    pub permissions: Option<Map<String, Value>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `GroupModel`: a user's groups (`GET /api/v1/users/groups`, `/users/{user_id}/groups`), marked
/// `direct` or `inherited` when the route lists inherited groups too.
#[derive(Debug, Clone, Serialize)]
pub struct GroupModel {
    #[serde(flatten)]
    pub group: GroupFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership_type: Option<MembershipType>,
}

/// `GroupResponse`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupResponse {
    #[serde(flatten)]
    pub group: GroupFields,
    pub member_count: Option<i64>,
}

impl std::ops::Deref for GroupModel {
    type Target = GroupFields;
    fn deref(&self) -> &GroupFields {
        &self.group
    }
}

impl std::ops::Deref for GroupResponse {
    type Target = GroupFields;
    fn deref(&self) -> &GroupFields {
        &self.group
    }
}

/// `GroupInfoResponse`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupInfoResponse {
    pub parent_group_id: Option<String>,
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub description: String,
    pub member_count: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `GroupExportResponse`: a `GroupResponse` with its member ids.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupExportResponse {
    #[serde(flatten)]
    pub group: GroupFields,
    pub member_count: Option<i64>,
    #[serde(default)]
    pub user_ids: Vec<String>,
}

/// `GroupMemberInfo`: a `UserInfoResponse` with how the user is a member.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupMemberInfo {
    pub status_emoji: Option<String>,
    pub status_message: Option<String>,
    pub status_expires_at: Option<i64>,
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub bio: Option<String>,
    pub last_active_at: Option<i64>,
    pub timezone: Option<String>,
    pub groups: Option<Vec<Value>>,
    #[serde(default)]
    pub is_active: bool,
    pub membership_type: MembershipType,
    #[serde(default)]
    pub via_group_ids: Vec<String>,
}

/// `GroupMemberInfo.membership_type`.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MembershipType {
    Direct,
    Inherited,
}

/// `GroupMembersResponse`: a page of members, the total and the counts per membership kind.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupMembersResponse {
    pub items: Vec<GroupMemberInfo>,
    pub total: i64,
    pub counts: BTreeMap<String, i64>,
}

api_traits! {
/// `/api/v1/groups` (`routers/groups.py`): user groups, their members and what they may reach.
pub trait GroupsApi in groups_api_invokers {
    type Context: Send + Sync + 'static;

    /// Groups: all of them for an admin; a user's own (or, with `share`, those they may share to).
    #[endpoint { method = GET, path = "/api/v1/groups/", tags = ["groups"] }]
    async fn groups_get(
        rqctx: RequestContext<Self::Context>,
        query: Query<GroupsListQuery>,
    ) -> Result<HttpResponseOk<Shaped<Vec<GroupResponse>>>, Detail>;

    /// Admin: creates a group (optionally under a parent).
    #[endpoint { method = POST, path = "/api/v1/groups/create", tags = ["groups"] }]
    async fn groups_create_new(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<GroupForm, serde_json::Map<String, serde_json::Value>>>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// Admin: one group with its member count.
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}", tags = ["groups"] }]
    async fn groups_get_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// A group's name, description and member count (any verified user).
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}/info", tags = ["groups"] }]
    async fn groups_get_info_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupInfoResponse>>>, Detail>;

    /// Admin: a group with its member ids.
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}/export", tags = ["groups"] }]
    async fn groups_export_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupExportResponse>>>, Detail>;

    /// Admin: the members of a group.
    #[endpoint { method = POST, path = "/api/v1/groups/id/{id}/users", tags = ["groups"] }]
    async fn groups_get_users_in(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<Shaped<Vec<UserInfoResponse>>>, Detail>;

    /// Admin: updates a group (`data` is merged, the parent re-checked).
    #[endpoint { method = POST, path = "/api/v1/groups/id/{id}/update", tags = ["groups"] }]
    async fn groups_update_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
        body: FastJson<Shaped<GroupUpdateForm, serde_json::Map<String, serde_json::Value>>>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// Admin: adds existing users to a group.
    #[endpoint { method = POST, path = "/api/v1/groups/id/{id}/users/add", tags = ["groups"] }]
    async fn groups_add_user_to(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
        body: FastJson<UserIdsForm>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// Admin: removes users from a group.
    #[endpoint { method = POST, path = "/api/v1/groups/id/{id}/users/remove", tags = ["groups"] }]
    async fn groups_remove_users_from(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
        body: FastJson<UserIdsForm>,
    ) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail>;

    /// Admin: deletes a group; its children move up to its parent.
    #[endpoint { method = DELETE, path = "/api/v1/groups/id/{id}/delete", tags = ["groups"] }]
    async fn groups_delete_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Admin: what a group can reach (resources, default models, permissions).
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}/preview", tags = ["groups"] }]
    async fn groups_preview_access(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Admin: a page of a group's direct and inherited members.
    #[endpoint { method = GET, path = "/api/v1/groups/id/{id}/members", tags = ["groups"] }]
    async fn groups_inspect_members(
        rqctx: RequestContext<Self::Context>,
        path: Path<GroupIdPath>,
        query: Query<GroupMembersQuery>,
    ) -> Result<HttpResponseOk<Shaped<GroupMembersResponse>>, Detail>;
}
}
