//! `/api/config`, `/manifest.json`, `/opensearch.xml`.

use std::sync::Arc;

use dropshot::{Body, RequestContext};
use http::Response;
use serde_json::{json, Map, Value};
use webui_api::{Detail, UPSTREAM_VERSION};

use crate::context::ServerContext;
use crate::db::config::{config_get, config_get_many};

/// Settings the public part of `/api/config` reads.
const PUBLIC_KEYS: &[&str] = &[
    "oauth.enable",
    "oauth.auto_redirect",
    "ldap.enable",
    "ui.enable_signup",
    "ui.enable_login_form",
    "ui.i18n",
];

/// The front-end configuration. Without a session: the public subset the sign-in page needs,
/// with `onboarding: true` while no user exists.
// TODO(auth): the authenticated variant (features, permissions, default models, ...).
pub async fn app_config(rqctx: &RequestContext<Arc<ServerContext>>) -> Result<Value, Detail> {
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(Detail::internal)?;
    let has_users: bool = client
        .query_one(r#"SELECT EXISTS (SELECT 1 FROM "user")"#, &[])
        .await
        .map_err(Detail::internal)?
        .get(0);
    drop(client);
    let settings = config_get_many(&ctx.db, &ctx.config, PUBLIC_KEYS).await.map_err(Detail::internal)?;
    let get = |k: &str| settings.get(k).cloned().unwrap_or(Value::Null);
    let cfg = &ctx.config;

    let mut out = Map::new();
    if !has_users {
        out.insert("onboarding".into(), json!(true));
    }
    out.insert("status".into(), json!(true));
    out.insert("name".into(), json!(cfg.webui_name));
    out.insert("version".into(), json!(UPSTREAM_VERSION));
    out.insert("default_locale".into(), json!(cfg.default_locale));
    out.insert("i18n".into(), match get("ui.i18n") {
        Value::Null => json!({}),
        v if v.as_object().is_some_and(|o| o.is_empty()) || v == json!(false) || v == json!("") => json!({}),
        v => v,
    });
    // No OAuth provider is configured in this server yet: the map is always empty.
    out.insert("oauth".into(), json!({ "providers": {}, "auto_redirect": get("oauth.auto_redirect") }));
    let mut features = Map::new();
    features.insert("slim".into(), json!(cfg.use_slim));
    features.insert("auth".into(), json!(cfg.webui_auth));
    features.insert("auth_trusted_header".into(), json!(cfg.trusted_email_header.as_deref().is_some_and(|h| !h.is_empty())));
    features.insert("enable_signup_password_confirmation".into(), json!(cfg.enable_signup_password_confirmation));
    features.insert("enable_ldap".into(), get("ldap.enable"));
    features.insert("enable_signup".into(), get("ui.enable_signup"));
    features.insert("enable_login_form".into(), get("ui.enable_login_form"));
    features.insert("enable_websocket".into(), json!(cfg.enable_websocket));
    if let Some(i) = cfg.websocket_heartbeat_interval {
        features.insert("websocket_heartbeat_interval".into(), json!(i));
    }
    out.insert("features".into(), Value::Object(features));
    Ok(Value::Object(out))
}

/// The PWA manifest, as the reference generates it.
pub fn manifest(ctx: &ServerContext) -> Value {
    let name = &ctx.config.webui_name;
    json!({
        "name": name,
        "short_name": name,
        "description": format!("{name} is an open, extensible, user-friendly interface for AI that adapts to your workflow."),
        "start_url": "/",
        "display": "standalone",
        "background_color": "#343541",
        "icons": [
            {"src": "/static/logo.png", "type": "image/png", "sizes": "500x500", "purpose": "any"},
            {"src": "/static/logo.png", "type": "image/png", "sizes": "500x500", "purpose": "maskable"},
        ],
        "share_target": {"action": "/", "method": "GET", "params": {"text": "shared"}},
    })
}

/// The OpenSearch description; the text, indentation included, is the reference's.
pub async fn opensearch(ctx: &ServerContext) -> Result<Response<Body>, Detail> {
    let url = match config_get(&ctx.db, &ctx.config, "webui.url").await.map_err(Detail::internal)? {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => "None".to_string(),
        Some(v) => v.to_string(),
    };
    let name = &ctx.config.webui_name;
    let xml = format!(
        r#"
    <OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" xmlns:moz="http://www.mozilla.org/2006/browser/search/">
    <ShortName>{name}</ShortName>
    <Description>Search {name}</Description>
    <InputEncoding>UTF-8</InputEncoding>
    <Image width="16" height="16" type="image/x-icon">{url}/static/favicon.png</Image>
    <Url type="text/html" method="get" template="{url}/?q={{searchTerms}}"/>
    <moz:SearchForm>{url}</moz:SearchForm>
    </OpenSearchDescription>
    "#
    );
    Ok(Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/xml")
        .body(Body::from(xml))
        .expect("a valid response"))
}
