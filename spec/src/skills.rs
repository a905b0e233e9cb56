//! `/api/v1/skills` (`routers/skills.py`): the workspace skills the chat input lists. Only the
//! list is served; creating and editing skills is not.

use dropshot::{HttpResponseOk, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::workspace::{AccessGrantModel, UserResponse};
use crate::Detail;

/// `SkillMeta`: translations and tags (other stored keys are dropped, as pydantic drops them).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SkillMeta {
    pub i18n: Option<Map<String, Value>>,
    pub tags: Option<Vec<String>>,
}

/// `SkillUserResponse`: a skill without its content, with its grants and owner.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SkillUserResponse {
    pub version_id: Option<String>,
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub description: Option<String>,
    pub meta: SkillMeta,
    pub is_active: bool,
    pub access_grants: Vec<AccessGrantModel>,
    pub updated_at: i64,
    pub created_at: i64,
    pub user: Option<UserResponse>,
}

/// `?query=` of `GET /api/v1/skills/`: a case-insensitive filter on the name.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct SkillsQuery {
    #[serde(default)]
    pub query: Option<String>,
}

api_traits! {
/// The workspace skills.
pub trait SkillsApi in skills_api_invokers {
    type Context: Send + Sync + 'static;

    /// The skills the caller may read (every skill for an admin with the admin bypass), newest
    /// change first, optionally filtered by name.
    #[endpoint { method = GET, path = "/api/v1/skills/", tags = ["skills"] }]
    async fn skills_get(
        rqctx: RequestContext<Self::Context>,
        query: Query<SkillsQuery>,
    ) -> Result<HttpResponseOk<Vec<SkillUserResponse>>, Detail>;
}
}
