//! The event catalogue and the event webhooks (`events.py`).
//!
//! Served: the catalogue and the webhook list the admin panel reads. Not served yet: creating,
//! changing and deleting webhooks, publishing events to them, and the start-up move of the legacy
//! `webhook_url` setting into a `default` webhook (`migrate_legacy_webhook_config`).

use std::sync::LazyLock;

use serde_json::Value;
use webui_api::events::{EventCatalog, EventCatalogItem, EventWebhook, EventWebhookTarget};
use webui_api::UPSTREAM_VERSION;

use crate::app::session::truthy;
use crate::context::ServerContext;

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
        Some(Value::Array(items)) => items.iter().filter_map(|w| normalize(w, now())).collect(),
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

/// `normalize_event_webhook(webhook)` for a stored entry; `None` where the reference raises.
fn normalize(w: &Value, now: i64) -> Option<EventWebhook> {
    let w = w.as_object()?;
    let id = if truthy(w.get("id")) { py_str(&w["id"]) } else { uuid::Uuid::new_v4().to_string() };
    let url = if truthy(w.get("url")) { py_str(&w["url"]).trim().to_owned() } else { String::new() };
    let given: Vec<Value> = match w.get("events") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(v) if truthy(Some(v)) => return None,
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
            return None;
        }
        if !CATALOG.iter().any(|e| &e.event == f) {
            return None;
        }
    }
    let targets = match w.get("targets") {
        None | Some(Value::Null) => None,
        Some(Value::Array(ts)) => {
            let mut out: Vec<EventWebhookTarget> = Vec::new();
            for t in ts {
                let t = t.as_object()?;
                let kind = t.get("type").filter(|v| truthy(Some(v))).map(py_str).unwrap_or_default().trim().to_owned();
                let tid = t.get("id").filter(|v| truthy(Some(v))).map(py_str).unwrap_or_default().trim().to_owned();
                if !(kind == "user" || kind == "group") || tid.is_empty() {
                    return None;
                }
                if !out.iter().any(|o| o.r#type == kind && o.id == tid) {
                    out.push(EventWebhookTarget { r#type: kind, id: tid });
                }
            }
            Some(out)
        }
        Some(_) => return None,
    };
    let name = match w.get("name") {
        Some(v) if truthy(Some(v)) => py_str(v),
        _ if id == DEFAULT_WEBHOOK_ID => "Default webhook".into(),
        _ => "Webhook".into(),
    };
    let int = |v: Option<&Value>| -> Option<i64> { v.filter(|v| truthy(Some(v))).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))) };
    let created_at = int(w.get("created_at")).unwrap_or(now);
    let updated_at = match w.get("updated_at") {
        None | Some(Value::Null) => now,
        v => int(v).unwrap_or(now),
    };
    Some(EventWebhook {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_webhooks_are_normalised_as_the_reference_does() {
        let w = normalize(&json!({"id": "default", "url": " https://example.com/h ", "events": ["user.*", "system.startup.started"],
            "targets": [{"type": "user", "id": "u1"}, {"type": "user", "id": "u1"}], "created_at": 5}), 9).unwrap();
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            json!({"id": "default", "name": "Default webhook", "url": "https://example.com/h", "enabled": true,
                   "events": ["user.*", "system.startup.started"], "targets": [{"type": "user", "id": "u1"}],
                   "created_at": 5, "updated_at": 9})
        );
        assert!(normalize(&json!({"id": "x", "events": ["no.such.event"]}), 9).is_none());
        assert!(normalize(&json!({"id": "x", "targets": [{"type": "team", "id": "t"}]}), 9).is_none());
        assert_eq!(normalize(&json!({"id": "x", "events": []}), 9).unwrap().events, ["*"]);
        assert_eq!(catalog().events.len(), 191);
    }
}
