//! Wire types of `/api/v1/groups`. Group forms are taken as JSON objects and validated by the
//! server (pydantic's `GroupForm` tells "`parent_group_id` absent" from "null").

use schemars::JsonSchema;
use serde::Deserialize;

/// `{id}` in `/api/v1/groups/id/{id}/...`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GroupIdPath {
    pub id: String,
}

/// `?share=` of `GET /api/v1/groups/` (parsed by the handler after its auth check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct GroupsListQuery {
    #[serde(default)]
    pub share: Option<String>,
}

/// `?membership=&query=&page=` of `GET /api/v1/groups/id/{id}/members`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct GroupMembersQuery {
    #[serde(default)]
    pub membership: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
}

/// `UserIdsForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UserIdsForm {
    #[serde(default)]
    pub user_ids: Option<Vec<String>>,
}
