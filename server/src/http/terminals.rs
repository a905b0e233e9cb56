//! `/api/v1/terminals`: the implementation of [`TerminalsApi`] over [`crate::app::terminals`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use webui_api::terminals::{TerminalServer, TerminalsApi};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::terminals as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl TerminalsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `list_terminal_servers` (verified user).
    async fn terminals_list_servers(rqctx: Ctx) -> Result<HttpResponseOk<Vec<TerminalServer>>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::list(rqctx.context(), &user).await?))
    }
}
