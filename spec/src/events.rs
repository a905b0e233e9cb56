//! `/api/events`: the catalogue of the events the reference publishes and the webhooks that
//! receive them (`main.py`, `events.py`).

use std::collections::BTreeMap;

use dropshot::{HttpResponseOk, Path, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Detail, FastJson, Shaped};

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

/// `EventWebhookForm` (`POST /api/events/webhooks`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct EventWebhookForm {
    #[serde(default)]
    pub name: Option<String>,
    pub url: String,
    #[serde(default = "enabled_default")]
    pub enabled: bool,
    #[serde(default)]
    pub events: Option<Vec<String>>,
    #[serde(default)]
    pub targets: Option<Vec<BTreeMap<String, String>>>,
}

fn enabled_default() -> bool {
    true
}

/// `EventWebhookUpdateForm`: only the fields sent change (`exclude_unset`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct EventWebhookUpdateForm {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub events: Option<Vec<String>>,
    #[serde(default)]
    pub targets: Option<Vec<BTreeMap<String, String>>>,
}

/// `{webhook_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct WebhookIdPath {
    pub webhook_id: String,
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

    /// Adds a webhook (its URL must be one the server may fetch) and publishes
    /// `config.webhook.updated`.
    #[endpoint { method = POST, path = "/api/events/webhooks" }]
    async fn events_create_webhook(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<EventWebhookForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<EventWebhook>, Detail>;

    /// Changes the fields sent of a webhook.
    #[endpoint { method = PUT, path = "/api/events/webhooks/{webhook_id}" }]
    async fn events_update_webhook(
        rqctx: RequestContext<Self::Context>,
        path: Path<WebhookIdPath>,
        body: FastJson<Shaped<EventWebhookUpdateForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<EventWebhook>, Detail>;

    /// Removes a webhook (`{"status": true}`).
    #[endpoint { method = DELETE, path = "/api/events/webhooks/{webhook_id}" }]
    async fn events_delete_webhook_api(
        rqctx: RequestContext<Self::Context>,
        path: Path<WebhookIdPath>,
    ) -> Result<HttpResponseOk<Value>, Detail>;
}
}
