//! `/api/events` (admin): the event catalogue and the webhooks (`main.py`).

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, RequestContext};
use serde_json::{Map, Value};
use webui_api::events::{EventCatalog, EventWebhook, EventWebhookForm, EventWebhookUpdateForm, EventsApi, WebhookIdPath};
use webui_api::{Detail, FastJson, Shaped};

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

    /// `main.py::create_event_webhook`.
    async fn events_create_webhook(
        rqctx: Ctx,
        body: FastJson<Shaped<EventWebhookForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<EventWebhook>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?.into_inner();
        webui_api::validate_body::<EventWebhookForm>(Value::Object(form.clone())).map_err(Detail::validation)?;
        Ok(HttpResponseOk(app::create(rqctx.context(), &s, &form).await?))
    }

    /// `main.py::update_event_webhook`.
    async fn events_update_webhook(
        rqctx: Ctx,
        path: Path<WebhookIdPath>,
        body: FastJson<Shaped<EventWebhookUpdateForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<EventWebhook>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?.into_inner();
        webui_api::validate_body::<EventWebhookUpdateForm>(Value::Object(form.clone())).map_err(Detail::validation)?;
        Ok(HttpResponseOk(app::update(rqctx.context(), &s, &path.into_inner().webhook_id, &form).await?))
    }

    /// `main.py::delete_event_webhook_api`.
    async fn events_delete_webhook_api(rqctx: Ctx, path: Path<WebhookIdPath>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::delete(rqctx.context(), &s, &path.into_inner().webhook_id).await?))
    }
}
