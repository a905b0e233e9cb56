//! `/api/v1/terminals` (`routers/terminals.py`): the terminal servers of
//! `terminal_server.connections` a user may use. The proxy to them is not served.

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::Detail;

/// `{"chat_uploads": ...}` of a terminal server.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TerminalServerConfig {
    pub chat_uploads: String,
}

/// One terminal server as `list_terminal_servers` shows it (its key and grants left out).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TerminalServer {
    pub id: Value,
    pub url: Value,
    pub name: Value,
    pub contexts: Map<String, Value>,
    pub config: TerminalServerConfig,
}

api_traits! {
/// The terminal servers.
pub trait TerminalsApi in terminals_api_invokers {
    type Context: Send + Sync + 'static;

    /// The enabled terminal servers the caller may use (an admin: every one; a user: those
    /// whose grants reach them).
    #[endpoint { method = GET, path = "/api/v1/terminals/", tags = ["terminals"] }]
    async fn terminals_list_servers(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<TerminalServer>>, Detail>;
}
}
