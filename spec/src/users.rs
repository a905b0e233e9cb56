//! Wire types of `/api/v1/users` (besides the session-user settings in [`crate::auths`]).
//! Responses are built as ordered JSON objects (pydantic field order) by the server; the forms
//! and queries are typed here.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

/// `?query=&order_by=&direction=&page=` of the user lists, plus the parameters of the other
/// literal routes dispatched through `GET /api/v1/users/{user_id}` (`groups?include_inherited=`,
/// `usage?days=&start_date=&end_date=`). Kept as text and parsed by the handler after its auth
/// check, as FastAPI does (so a bad value answers 422, not 400).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct UsersQuery {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub order_by: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub include_inherited: Option<String>,
    #[serde(default)]
    pub days: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
}

/// `?include_inherited=` of `GET /api/v1/users/{user_id}/groups`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct IncludeInheritedQuery {
    #[serde(default)]
    pub include_inherited: Option<String>,
}

/// `UserUpdateForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UserUpdateForm {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub profile_image_url: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

/// `UserStatus`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UserStatusForm {
    #[serde(default)]
    pub status_emoji: Option<String>,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub status_expires_at: Option<i64>,
}

/// `UserVariablesForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UserVariablesForm {
    #[serde(default)]
    pub variables: Map<String, Value>,
}
