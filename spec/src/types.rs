//! Wire types shared by the server and its OpenAPI document. Field order is the reference's:
//! JSON bodies are compared byte for byte.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `{"status": true}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StatusResponse {
    pub status: bool,
}
