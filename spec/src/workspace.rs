//! Wire types shared by the workspace resources (tools, functions, prompts, notes, ...).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::folders::AccessGrantModel;

/// `UserResponse` (`models/users.py`): a resource's owner as the workspace lists show it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserResponse {
    pub id: String,
    pub name: String,
    pub role: String,
    pub email: String,
}

/// `{id}` of the `/id/{id}` routes.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct IdPath {
    pub id: String,
}
