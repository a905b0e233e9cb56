//! `/api/events`: the catalogue of the events the reference publishes and the webhooks that
//! receive them (`main.py`, `events.py`).

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::Serialize;

use crate::Detail;

/// One published event (`events.py::get_event_catalog`).
#[derive(Debug, Clone, Serialize, serde::Deserialize, JsonSchema)]
pub struct EventCatalogItem {
    pub event: String,
    pub description: String,
    pub message: String,
}

/// `GET /api/events`: the running version and every event a webhook may ask for.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EventCatalog {
    pub schema: String,
    pub events: Vec<EventCatalogItem>,
}

/// Who a webhook's events are about (`normalize_event_targets`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EventWebhookTarget {
    pub r#type: String,
    pub id: String,
}

/// A configured webhook, as `normalize_event_webhook` returns it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EventWebhook {
    pub id: String,
    pub name: String,
    pub url: String,
    pub enabled: bool,
    pub events: Vec<String>,
    pub targets: Option<Vec<EventWebhookTarget>>,
    pub created_at: i64,
    pub updated_at: i64,
}

api_traits! {
/// The event catalogue and the event webhooks (admin).
pub trait EventsApi in events_api_invokers {
    type Context: Send + Sync + 'static;

    /// The events the server publishes (the admin panel's webhook editor lists them).
    #[endpoint { method = GET, path = "/api/events" }]
    async fn events_get_catalog(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<EventCatalog>, Detail>;

    /// The configured webhooks (the `events.webhooks` config row), invalid entries left out.
    #[endpoint { method = GET, path = "/api/events/webhooks" }]
    async fn events_get_webhooks_api(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<EventWebhook>>, Detail>;
}
}
