//! `/api/events` (admin): the event catalogue and the webhooks (`main.py`).

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use webui_api::events::{EventCatalog, EventWebhook, EventsApi};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::events as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl EventsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `main.py::get_event_catalog`.
    async fn events_get_catalog(rqctx: Ctx) -> Result<HttpResponseOk<EventCatalog>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::catalog()))
    }

    /// `main.py::get_event_webhooks_api`.
    async fn events_get_webhooks_api(rqctx: Ctx) -> Result<HttpResponseOk<Vec<EventWebhook>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::webhooks(rqctx.context())))
    }
}
