//! The event catalogue and the event webhooks (`events.py`).
//!
//! Served: the catalogue, the webhooks (listed, created, changed, deleted; kept in the
//! `events.webhooks` config row as the reference keeps them) and publishing events to them
//! ([`publish`]). Not done: the start-up move of the legacy `webhook_url` setting into a
//! `default` webhook (`migrate_legacy_webhook_config`).

pub mod publish;

use std::sync::LazyLock;

use serde_json::{json, Map, Value};
use webui_api::events::{EventCatalog, EventCatalogItem, EventWebhook, EventWebhookTarget};
use webui_api::UPSTREAM_VERSION;

use crate::app::session::{truthy, SessionUser};
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// `EVENT_DEFINITIONS` of the reference, as its `get_event_catalog()` lists them (191 events,
/// dumped from open-webui 0.12.4 with its own function).
static CATALOG: LazyLock<Vec<EventCatalogItem>> =
    LazyLock::new(|| serde_json::from_str(include_str!("catalog.json")).expect("the event catalogue"));

/// The config row holding the webhooks (`EVENT_WEBHOOKS_CONFIG_KEY`).
const WEBHOOKS_KEY: &str = "events.webhooks";
const DEFAULT_WEBHOOK_ID: &str = "default";

/// `GET /api/events`.
pub fn catalog() -> EventCatalog {
    EventCatalog { schema: UPSTREAM_VERSION.to_owned(), events: CATALOG.clone() }
}

/// `get_event_webhooks`: the stored list, each entry normalised, the invalid ones left out (the
/// reference logs and skips them).
pub fn webhooks(ctx: &ServerContext) -> Vec<EventWebhook> {
    match ctx.setting(WEBHOOKS_KEY) {
        Some(Value::Array(items)) => items.iter().filter_map(|w| normalize(w, now(), false).ok()).collect(),
        _ => Vec::new(),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Python's `str(x)` for the JSON values a webhook's fields hold.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

/// `normalize_event_webhook(webhook, create=create)`; `Err` with the reference's `ValueError`
/// text where it raises (an entry that is no object: `Invalid webhook`, skipped by the caller).
fn normalize(w: &Value, now: i64, create: bool) -> std::result::Result<EventWebhook, String> {
    let w = w.as_object().ok_or("Invalid webhook")?;
    let id = if truthy(w.get("id")) { py_str(&w["id"]) } else { uuid::Uuid::new_v4().to_string() };
    let url = if truthy(w.get("url")) { py_str(&w["url"]).trim().to_owned() } else { String::new() };
    let given: Vec<Value> = match w.get("events") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(v) if truthy(Some(v)) => return Err("Invalid events".into()),
        _ => vec![Value::String("*".into())],
    };
    let mut events: Vec<String> = given.iter().map(|e| py_str(e).trim().to_owned()).filter(|e| !e.is_empty()).collect();
    if events.is_empty() {
        events.push("*".into());
    }
    for f in &events {
        if f == "*" {
            continue;
        }
        if let Some(prefix) = f.strip_suffix(".*") {
            if !prefix.is_empty() && CATALOG.iter().any(|e| e.event.starts_with(&format!("{prefix}."))) {
                continue;
            }
            return Err(format!("Invalid event pattern: {f}"));
        }
        if !CATALOG.iter().any(|e| &e.event == f) {
            return Err(format!("Invalid event: {f}"));
        }
    }
    let targets = match w.get("targets") {
        None | Some(Value::Null) => None,
        Some(Value::Array(ts)) => {
            let mut out: Vec<EventWebhookTarget> = Vec::new();
            for t in ts {
                let t = t.as_object().ok_or("Invalid target")?;
                let kind = t.get("type").filter(|v| truthy(Some(v))).map(py_str).unwrap_or_default().trim().to_owned();
                let tid = t.get("id").filter(|v| truthy(Some(v))).map(py_str).unwrap_or_default().trim().to_owned();
                if !(kind == "user" || kind == "group") || tid.is_empty() {
                    return Err("Invalid target".into());
                }
                if !out.iter().any(|o| o.r#type == kind && o.id == tid) {
                    out.push(EventWebhookTarget { r#type: kind, id: tid });
                }
            }
            Some(out)
        }
        Some(_) => return Err("Invalid targets".into()),
    };
    let name = match w.get("name") {
        Some(v) if truthy(Some(v)) => py_str(v),
        _ if id == DEFAULT_WEBHOOK_ID => "Default webhook".into(),
        _ => "Webhook".into(),
    };
    let int = |v: Option<&Value>| -> Option<i64> { v.filter(|v| truthy(Some(v))).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))) };
    let created_at = int(w.get("created_at")).unwrap_or(now);
    let updated_at = match w.get("updated_at") {
        _ if create => now,
        None | Some(Value::Null) => now,
        v => int(v).unwrap_or(now),
    };
    Ok(EventWebhook {
        id,
        name,
        url,
        enabled: w.get("enabled").map_or(true, |v| truthy(Some(v))),
        events,
        targets,
        created_at,
        updated_at,
    })
}

/// `validate_url(url)` (`retrieval/web/utils.py`): an http(s) URL without parser-confusing
/// characters whose host resolves only to addresses the fetch policy allows (private and
/// loopback ones only with `ENABLE_LOCAL_WEB_FETCH`); a name that does not resolve is refused
/// unless local fetches are on. Every refusal is the reference's `INVALID_URL`.
pub async fn validate_url(ctx: &ServerContext, url: &str) -> Result<()> {
    let invalid = || Error::bad_request(messages::INVALID_URL);
    if url.contains(['\\', '\t', '\n', '\r']) {
        return Err(invalid());
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| invalid())?;
    let policy = crate::net::outbound::Policy::from_config(&ctx.config);
    policy.check_url(&parsed).map_err(|_| invalid())?;
    if let Some(url::Host::Domain(d)) = parsed.host() {
        match tokio::net::lookup_host((d, 0)).await {
            Ok(addrs) => {
                for a in addrs {
                    policy.check_ip(a.ip()).map_err(|_| invalid())?;
                }
            }
            Err(_) if policy.allow_local => {}
            Err(_) => return Err(invalid()),
        }
    }
    Ok(())
}

/// `upsert_event_webhook`: the URL checked, the entry normalised (`updated_at` now), put in
/// place of the entry with its id (keeping its `created_at`) or added last; the list saved.
async fn upsert(ctx: &ServerContext, webhook: &Map<String, Value>) -> Result<EventWebhook> {
    let list = webhooks(ctx);
    let url = webhook.get("url").filter(|v| truthy(Some(v))).map(py_str).unwrap_or_default();
    let url = url.trim();
    if !url.is_empty() {
        validate_url(ctx, url).await?;
    }
    let now = now();
    let mut normalized = normalize(&Value::Object(webhook.clone()), now, true).map_err(Error::bad_request)?;
    let mut next = Vec::with_capacity(list.len() + 1);
    let mut replaced = false;
    for existing in list {
        if existing.id == normalized.id {
            if existing.created_at != 0 {
                normalized.created_at = existing.created_at;
            }
            next.push(normalized.clone());
            replaced = true;
        } else {
            next.push(existing);
        }
    }
    if !replaced {
        next.push(normalized.clone());
    }
    save(ctx, &next, false).await?;
    Ok(normalized)
}

async fn save(ctx: &ServerContext, list: &[EventWebhook], clear_legacy: bool) -> Result<()> {
    let value = serde_json::to_value(list).map_err(Error::internal)?;
    let mut updates = vec![(WEBHOOKS_KEY, value)];
    if clear_legacy {
        updates.push(("webhook_url", json!("")));
    }
    crate::settings::write(ctx, &updates).await?;
    Ok(())
}

/// The `config.webhook.updated` event the webhook routes publish.
fn announce(ctx: &ServerContext, user: &SessionUser, id: &str, data: Value) {
    publish::publish(ctx, publish::Event::new("config.webhook.updated").actor(user).subject("config", id).data(data));
}

fn change(action: &str, w: &EventWebhook) -> Value {
    json!({"action": action, "enabled": w.enabled, "events": w.events, "targets": w.targets})
}

/// `POST /api/events/webhooks`: `form` is the validated `EventWebhookForm` as sent.
pub async fn create(ctx: &ServerContext, user: &SessionUser, form: &Map<String, Value>) -> Result<EventWebhook> {
    let mut w = Map::new();
    w.insert("name".into(), form.get("name").cloned().unwrap_or(Value::Null));
    w.insert("url".into(), form.get("url").cloned().unwrap_or(Value::Null));
    w.insert("enabled".into(), form.get("enabled").cloned().unwrap_or(Value::Bool(true)));
    w.insert("events".into(), form.get("events").cloned().unwrap_or(Value::Null));
    w.insert("targets".into(), form.get("targets").cloned().unwrap_or(Value::Null));
    let webhook = upsert(ctx, &w).await?;
    announce(ctx, user, &webhook.id, change("created", &webhook));
    Ok(webhook)
}

/// `PUT /api/events/webhooks/{webhook_id}`: the fields sent (`exclude_unset`) over the
/// existing entry.
pub async fn update(ctx: &ServerContext, user: &SessionUser, id: &str, form: &Map<String, Value>) -> Result<EventWebhook> {
    let Some(existing) = webhooks(ctx).into_iter().find(|w| w.id == id) else {
        return Err(Error::not_found("Webhook not found"));
    };
    let Value::Object(mut w) = serde_json::to_value(&existing).map_err(Error::internal)? else {
        return Err(Error::internal("a webhook is an object"));
    };
    for (k, v) in form {
        w.insert(k.clone(), v.clone());
    }
    w.insert("id".into(), json!(id));
    let webhook = upsert(ctx, &w).await?;
    announce(ctx, user, id, change("updated", &webhook));
    Ok(webhook)
}

/// `DELETE /api/events/webhooks/{webhook_id}` (the `default` one also clears the legacy
/// `webhook_url`).
pub async fn delete(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<Value> {
    let list = webhooks(ctx);
    let next: Vec<EventWebhook> = list.iter().filter(|w| w.id != id).cloned().collect();
    if next.len() == list.len() {
        return Err(Error::not_found("Webhook not found"));
    }
    save(ctx, &next, id == DEFAULT_WEBHOOK_ID).await?;
    announce(ctx, user, id, json!({"action": "deleted"}));
    Ok(json!({"status": true}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_webhooks_are_normalised_as_the_reference_does() {
        let w = normalize(&json!({"id": "default", "url": " https://example.com/h ", "events": ["user.*", "system.startup.started"],
            "targets": [{"type": "user", "id": "u1"}, {"type": "user", "id": "u1"}], "created_at": 5}), 9, false).unwrap();
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            json!({"id": "default", "name": "Default webhook", "url": "https://example.com/h", "enabled": true,
                   "events": ["user.*", "system.startup.started"], "targets": [{"type": "user", "id": "u1"}],
                   "created_at": 5, "updated_at": 9})
        );
        assert_eq!(normalize(&json!({"id": "x", "events": ["no.such.event"]}), 9, false).unwrap_err(), "Invalid event: no.such.event");
        assert_eq!(normalize(&json!({"id": "x", "events": ["nope.*"]}), 9, false).unwrap_err(), "Invalid event pattern: nope.*");
        assert_eq!(normalize(&json!({"id": "x", "targets": [{"type": "team", "id": "t"}]}), 9, false).unwrap_err(), "Invalid target");
        assert_eq!(normalize(&json!({"id": "x", "events": []}), 9, false).unwrap().events, ["*"]);
        assert_eq!(normalize(&json!({"id": "x", "updated_at": 3}), 9, true).unwrap().updated_at, 9);
        assert_eq!(catalog().events.len(), 191);
    }
}
