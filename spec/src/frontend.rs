//! Wire types of the web UI routes (static files of the stock frontend build).

use schemars::JsonSchema;
use serde::Deserialize;

/// The rest of the path under a web UI prefix (`/_app/{path:.*}`), one entry per segment,
/// percent-decoded.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FrontendPath {
    pub path: Vec<String>,
}
