//! Publishing events (`events.py::publish_event`, its webhook sink): the event built as
//! `build_event` builds it (actor reduced to its safe fields, secrets left out, long strings
//! cut), then posted to every enabled webhook whose filter and targets match
//! (`dispatch_webhook_event`, `utils/webhook.py::post_webhook`), in the background: the route
//! that published does not wait. Slack and Google Chat get `{"text"}`, Discord `{"content"}`,
//! Teams a MessageCard, any other URL the event itself. Deliveries go through the guarded
//! outbound client, so a webhook at a private or loopback address is skipped unless
//! `ENABLE_LOCAL_WEB_FETCH` is on, as the reference's `validate_url` skips it.
//!
//! Not done: the reference's other sinks (socket.io session events, event functions,
//! notifications); the body is compact JSON where aiohttp's `json.dumps` puts a space after
//! `,` and `:` and escapes non-ASCII.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde_json::{json, Map, Value};
use webui_api::events::EventWebhook;
use webui_api::UPSTREAM_VERSION;

use super::{now, CATALOG};
use crate::app::session::SessionUser;
use crate::context::ServerContext;
use crate::net::outbound::Outbound;

/// `MAX_STRING_LENGTH`.
const MAX_STRING_LENGTH: usize = 1000;
const SENSITIVE_KEYS: [&str; 12] = [
    "password",
    "hashed_password",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "secret",
    "key",
    "authorization",
    "cookie",
    "webhook_token",
];
const SAFE_ACTOR_FIELDS: [&str; 6] = ["id", "name", "email", "role", "created_at", "updated_at"];
const FAVICON_URL: &str = "https://openwebui.com/favicon.png";

/// `INSTANCE_ID`: the environment's, else one per process.
static INSTANCE_ID: LazyLock<String> =
    LazyLock::new(|| std::env::var("INSTANCE_ID").unwrap_or_else(|_| uuid::Uuid::new_v4().to_string()));

/// What a caller publishes; [`publish`] builds the event from it.
pub struct Event {
    name: &'static str,
    actor: Option<Value>,
    subject: Option<(Option<String>, Value)>,
    data: Value,
    message: Option<String>,
}

impl Event {
    /// An event of the catalogue (`EVENTS.<NAME>.name`).
    pub fn new(name: &'static str) -> Event {
        Event { name, actor: None, subject: None, data: json!({}), message: None }
    }

    /// `actor=user`.
    pub fn actor(mut self, user: &SessionUser) -> Event {
        let u = &user.user;
        self.actor = Some(json!({"id": u.id, "name": u.name, "email": u.email, "role": u.role,
            "created_at": u.created_at, "updated_at": u.updated_at}));
        self
    }

    /// `subject_type=kind, subject_id=id` (`kind` empty: the event's resource).
    pub fn subject(mut self, kind: &str, id: &str) -> Event {
        self.subject = Some(((!kind.is_empty()).then(|| kind.to_owned()), json!(id)));
        self
    }

    pub fn data(mut self, data: Value) -> Event {
        self.data = data;
        self
    }

    pub fn message(mut self, message: impl Into<String>) -> Event {
        self.message = Some(message.into());
        self
    }
}

fn sensitive(key: &str) -> bool {
    let k = key.to_lowercase().replace('-', "_");
    SENSITIVE_KEYS.contains(&k.as_str()) || k.ends_with("_token") || k.ends_with("_secret") || k.ends_with("_api_key") || k.ends_with("_key")
}

/// `_sanitize`.
fn sanitize(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.iter().filter(|(k, _)| !sensitive(k)).map(|(k, v)| (k.clone(), sanitize(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(sanitize).collect()),
        Value::String(s) if s.chars().count() > MAX_STRING_LENGTH => {
            Value::String(format!("{}...", s.chars().take(MAX_STRING_LENGTH).collect::<String>()))
        }
        other => other.clone(),
    }
}

/// `_actor`: the safe fields that are set, and `type` (`user` unless given).
fn actor(a: &Value) -> Value {
    let a = sanitize(a);
    let Some(o) = a.as_object() else { return Value::Null };
    let mut out: Map<String, Value> =
        SAFE_ACTOR_FIELDS.iter().filter_map(|f| o.get(*f).filter(|v| !v.is_null()).map(|v| ((*f).to_owned(), v.clone()))).collect();
    if out.is_empty() {
        return Value::Null;
    }
    let kind = o.get("type").filter(|v| crate::app::session::truthy(Some(v))).cloned().unwrap_or(json!("user"));
    out.insert("type".into(), kind);
    Value::Object(out)
}

/// `build_event`: the event as webhooks receive it (`Event.model_dump(by_alias=True)`).
pub fn build(e: &Event) -> Value {
    let parts: Vec<&str> = e.name.split('.').collect();
    let resource = parts[..parts.len() - 1].join(".");
    let subject = match &e.subject {
        Some((kind, id)) => sanitize(&json!({"type": kind.clone().unwrap_or_else(|| resource.clone()), "id": id})),
        None => Value::Null,
    };
    json!({
        "schema": UPSTREAM_VERSION,
        "id": uuid::Uuid::new_v4().to_string(),
        "event": e.name,
        "resource": resource,
        "operation": parts[parts.len() - 1],
        "created_at": now(),
        "instance_id": *INSTANCE_ID,
        "version": UPSTREAM_VERSION,
        "source": "api",
        "actor": e.actor.as_ref().map_or(Value::Null, actor),
        "subject": subject,
        "data": sanitize(&e.data),
        "message": e.message,
    })
}

/// `event_filter_matches`.
fn filter_matches(w: &EventWebhook, event: &str) -> bool {
    w.enabled
        && w.events.iter().any(|f| {
            f == "*" || f.strip_suffix(".*").is_some_and(|p| event.starts_with(&format!("{p}."))) || f == event
        })
}

/// `event_user_ids`: the actor, a user subject, `data.user_id` and `data.user_ids`.
fn user_ids(event: &Value) -> HashSet<String> {
    let s = |v: &Value| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
    let t = |v: Option<&Value>| crate::app::session::truthy(v);
    let mut ids = HashSet::new();
    if t(event.pointer("/actor/id")) {
        ids.insert(s(&event["actor"]["id"]));
    }
    if event.pointer("/subject/type").and_then(Value::as_str) == Some("user") && t(event.pointer("/subject/id")) {
        ids.insert(s(&event["subject"]["id"]));
    }
    if t(event.pointer("/data/user_id")) {
        ids.insert(s(&event["data"]["user_id"]));
    }
    if let Some(Value::Array(more)) = event.pointer("/data/user_ids") {
        ids.extend(more.iter().filter(|v| t(Some(v))).map(s));
    }
    ids
}

/// `event_target_matches`: no targets: every event; an empty list: events about no one; else
/// a targeted user, or a member (inherited memberships included) of a targeted group.
async fn targets_match(db: &deadpool_postgres::Pool, w: &EventWebhook, users: &HashSet<String>) -> bool {
    let Some(targets) = &w.targets else { return true };
    if targets.is_empty() {
        return users.is_empty();
    }
    if users.is_empty() {
        return false;
    }
    if targets.iter().any(|t| t.r#type == "user" && users.contains(&t.id)) {
        return true;
    }
    let groups: HashSet<&str> = targets.iter().filter(|t| t.r#type == "group").map(|t| t.id.as_str()).collect();
    if groups.is_empty() {
        return false;
    }
    let Ok(client) = db.get().await else { return false };
    for u in users {
        if let Ok(member_of) = crate::db::groups::groups_by_member(&**client, u, true).await {
            if member_of.iter().any(|g| groups.contains(g.id.as_str())) {
                return true;
            }
        }
    }
    false
}

/// `_event_text`.
fn event_text(message: &str, description: Option<&str>, event: &Value) -> String {
    let mut lines = vec![message.to_owned()];
    if let Some(d) = description.filter(|d| *d != message) {
        lines.push(d.to_owned());
    }
    if let Some(name) = event.get("event").and_then(Value::as_str).filter(|n| !n.is_empty()) {
        lines.push(format!("Event: {name}"));
    }
    lines.join("\n")
}

/// `post_webhook`'s payload for `url`.
fn payload(name: &str, url: &str, message: &str, event: &Value, description: Option<&str>) -> Value {
    if url.contains("https://hooks.slack.com") || url.contains("https://chat.googleapis.com") {
        return json!({"text": event_text(message, description, event)});
    }
    if url.contains("https://discord.com/api/webhooks") {
        let content = event_text(message, description, event);
        let content = if content.chars().count() < 2000 {
            content
        } else {
            format!("{}... (truncated)", content.chars().take(2000 - 20).collect::<String>())
        };
        return json!({"content": content});
    }
    if url.contains("webhook.office.com") {
        let action = event.get("action").cloned().unwrap_or(json!("undefined"));
        let action = action.as_str().map(str::to_owned).unwrap_or_else(|| action.to_string());
        let who = event.get("user").filter(|v| crate::app::session::truthy(Some(v))).or_else(|| event.get("actor"));
        let mut facts: Vec<Value> = match who {
            Some(Value::Object(o)) => o.iter().map(|(k, v)| json!({"name": k, "value": v})).collect(),
            _ => Vec::new(),
        };
        if let Some(ev) = event.get("event").filter(|v| crate::app::session::truthy(Some(v))) {
            facts.insert(0, json!({"name": "event", "value": ev}));
        }
        if let Some(d) = description {
            facts.insert(0, json!({"name": "description", "value": d}));
        }
        return json!({
            "@type": "MessageCard",
            "@context": "http://schema.org/extensions",
            "themeColor": "0076D7",
            "summary": message,
            "sections": [{
                "activityTitle": message,
                "activitySubtitle": format!("{name} ({UPSTREAM_VERSION}) - {action}"),
                "activityImage": FAVICON_URL,
                "text": description,
                "facts": facts,
                "markdown": true,
            }],
        });
    }
    event.clone()
}

/// What a delivery needs once the route has answered: the pool (group targets), the guarded
/// client (the fetch policy, `ENABLE_LOCAL_WEB_FETCH`), the webhooks as they were.
pub struct Delivery {
    db: deadpool_postgres::Pool,
    outbound: Outbound,
    webhooks: Vec<EventWebhook>,
    webui_name: String,
}

impl Delivery {
    pub fn new(ctx: &ServerContext) -> Delivery {
        Delivery { db: ctx.db.clone(), outbound: ctx.outbound.clone(), webhooks: super::webhooks(ctx), webui_name: ctx.config.webui_name.clone() }
    }
}

/// `dispatch_webhook_event`: every webhook with a URL whose filter and targets match gets the
/// event; a failure is skipped (the reference logs it) and the next one tried. Answers how
/// many webhooks took it (a 2xx).
pub async fn dispatch(d: &Delivery, event: &Value) -> usize {
    let name = event["event"].as_str().unwrap_or("");
    let definition = CATALOG.iter().find(|c| c.event == name);
    let mut message = event
        .get("message")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| definition.map_or(name.to_owned(), |c| c.message.clone()));
    if let Some(id) = event.pointer("/subject/id").filter(|v| crate::app::session::truthy(Some(v))) {
        message = format!("{message} ({})", id.as_str().map(str::to_owned).unwrap_or_else(|| id.to_string()));
    }
    let users = user_ids(event);
    let mut delivered = 0;
    for w in &d.webhooks {
        if w.url.is_empty() || !filter_matches(w, name) || !targets_match(&d.db, w, &users).await {
            continue;
        }
        let body = payload(&d.webui_name, &w.url, &message, event, definition.map(|c| c.description.as_str()));
        let headers = reqwest::header::HeaderMap::from_iter([(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/json"),
        )]);
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        if let Ok(r) = d.outbound.send(reqwest::Method::POST, &w.url, headers, Some(bytes)).await {
            if r.status().is_success() {
                delivered += 1;
            }
        }
    }
    delivered
}

/// `publish_event`: the event built now and delivered in the background
/// (`schedule_webhook_dispatch`); nothing is spawned when no webhook wants it.
pub fn publish(ctx: &ServerContext, e: Event) {
    let d = Delivery::new(ctx);
    if d.webhooks.iter().all(|w| w.url.is_empty() || !filter_matches(w, e.name)) {
        return;
    }
    let event = build(&e);
    tokio::spawn(async move {
        dispatch(&d, &event).await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_built_and_shaped_as_the_reference_does() {
        let e = Event::new("chat.created").subject("", "c1").data(json!({"title": "x".repeat(1001), "api_key": "s", "folder_id": null}));
        let v = build(&e);
        assert_eq!((v["resource"].as_str(), v["operation"].as_str()), (Some("chat"), Some("created")));
        assert_eq!(v["subject"], json!({"type": "chat", "id": "c1"}));
        assert_eq!(v["data"], json!({"title": format!("{}...", "x".repeat(1000)), "folder_id": null}));
        assert_eq!(v["actor"], Value::Null);
        assert_eq!(actor(&json!({"id": "u", "name": "N", "password": "p", "created_at": 1})), json!({"id": "u", "name": "N", "created_at": 1, "type": "user"}));
        assert!(sensitive("OpenAI-API-Key") && sensitive("x_secret") && !sensitive("keys"));
        let slack = payload("Open WebUI", "https://hooks.slack.com/x", "Chat created (c1)", &v, Some("A chat was created."));
        assert_eq!(slack, json!({"text": "Chat created (c1)\nA chat was created.\nEvent: chat.created"}));
        assert_eq!(payload("Open WebUI", "https://example.com/h", "m", &v, None), v);
    }
}
