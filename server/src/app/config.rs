//! The front end's configuration: `/api/config` (`get_app_config` in the reference's `main.py`),
//! the PWA manifest and the OpenSearch description.

use serde_json::{json, Map, Value};
use webui_api::UPSTREAM_VERSION;

use crate::app::session;
use crate::context::ServerContext;
use crate::db::users;
use crate::error::Result;

/// Settings `/api/config` reads, as the reference's `Config.get_many` call lists them.
const CONFIG_KEYS: &[&str] = &[
    "oauth.enable",
    "oauth.auto_redirect",
    "ldap.enable",
    "ui.enable_signup",
    "ui.enable_login_form",
    "auth.enable_api_keys",
    "ui.enable_password_change_form",
    "direct.enable",
    "direct.integrations.enable",
    "terminal_server.connections",
    "folders.enable",
    "folders.max_file_count",
    "channels.enable",
    "channels.encryption.enable",
    "apps.enable",
    "calendar.enable",
    "automations.enable",
    "notes.enable",
    "chat.context_compaction.enable",
    "chat.tool_permissions.enable",
    "web.search.enable",
    "web.search.confirmation.enable",
    "web.search.confirmation.content",
    "code_execution.enable",
    "code_interpreter.enable",
    "image_generation.enable",
    "task.autocomplete.enable",
    "task.title.enable",
    "task.follow_up.enable",
    "task.tags.enable",
    "ui.enable_community_sharing",
    "ui.enable_message_rating",
    "ui.enable_user_webhooks",
    "users.enable_status",
    "google_drive.enable",
    "onedrive.enable",
    "memories.enable",
    "subagents.enable",
    "ui.default_models",
    "ui.default_pinned_models",
    "ui.default_interface_settings",
    "ui.visibility",
    "ui.i18n",
    "ui.prompt_suggestions",
    "ui.prompt_suggestions_i18n",
    "code_execution.engine",
    "code_interpreter.engine",
    "audio.realtime.enabled",
    "audio.realtime.model",
    "audio.realtime.voice",
    "audio.tts.engine",
    "audio.tts.voice",
    "audio.tts.split_on",
    "audio.stt.engine",
    "rag.file.max_size",
    "rag.file.max_count",
    "file.image_compression_width",
    "file.image_compression_height",
    "user.permissions",
    "ui.pending_user_overlay_title",
    "ui.pending_user_overlay_content",
    "ui.watermark",
];

/// The front-end configuration. Without a session: the public subset the sign-in page needs,
/// with `onboarding: true` while no user exists; with one, the features, defaults and
/// permissions the app needs (a `pending` user gets only the overlay texts).
// Not done: group default models (they need the model list to filter hidden models), and the
// license metadata / user count (no license support).
///
/// `token`: from `Authorization` (any scheme) or the `token` cookie; the user is the token's
/// when its claims pass `is_valid_token`. A token for a credential that is gone or inactive is
/// the reference's 401; any other bad token just means "no user".
pub async fn app_config(ctx: &ServerContext, token: Option<&str>) -> Result<Value> {
    let user = match token.filter(|t| !t.is_empty()) {
        Some(t) => session::token_user(ctx, t).await?,
        None => None,
    };
    let onboarding = match &user {
        Some(_) => false,
        None => {
            let client = ctx.db.get().await?;
            !users::has_users(&**client).await?
        }
    };
    let settings = ctx.settings_many(CONFIG_KEYS);
    let get = |k: &str| settings.get(k).cloned().unwrap_or(Value::Null);
    let truthy = |k: &str| session::truthy(settings.get(k));
    let cfg = &ctx.config;
    let env_bool = |n: &str, d: bool| cfg.env_bool(n, d);
    let env_str = |n: &str| cfg.env_str(n).unwrap_or("").to_string();

    let mut out = Map::new();
    if onboarding {
        out.insert("onboarding".into(), json!(true));
    }
    out.insert("status".into(), json!(true));
    out.insert("name".into(), json!(cfg.webui_name));
    out.insert("version".into(), json!(UPSTREAM_VERSION));
    out.insert("default_locale".into(), json!(cfg.default_locale));
    out.insert("i18n".into(), if truthy("ui.i18n") { get("ui.i18n") } else { json!({}) });
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
    let plugins = env_bool("ENABLE_PLUGINS", true);
    let tool_servers = plugins && env_bool("ENABLE_TOOL_SERVERS", true);
    if user.is_some() {
        let terminal = tool_servers
            && get("terminal_server.connections")
                .as_array()
                .is_some_and(|a| a.iter().any(|c| c.get("enabled").map(|e| session::truthy(Some(e))).unwrap_or(true)));
        let direct_integrations = if tool_servers { settings.get("direct.integrations.enable").cloned().unwrap_or(json!(false)) } else { json!(false) };
        for (k, v) in [
            ("enable_api_keys", get("auth.enable_api_keys")),
            ("enable_password_change_form", get("ui.enable_password_change_form")),
            ("enable_version_update_check", json!(cfg.enable_version_update_check)),
            ("enable_pyodide_file_persistence", json!(env_bool("ENABLE_PYODIDE_FILE_PERSISTENCE", false))),
            ("enable_public_active_users_count", json!(env_bool("ENABLE_PUBLIC_ACTIVE_USERS_COUNT", true))),
            ("enable_easter_eggs", json!(env_bool("ENABLE_EASTER_EGGS", true))),
            ("enable_direct_connections", get("direct.enable")),
            ("enable_direct_integrations", direct_integrations),
            ("enable_plugins", json!(plugins)),
            ("enable_tools", json!(plugins && env_bool("ENABLE_TOOLS", true))),
            ("enable_functions", json!(plugins && env_bool("ENABLE_FUNCTIONS", true))),
            ("enable_tool_servers", json!(tool_servers)),
            ("enable_terminal_servers", json!(terminal)),
            ("enable_folders", get("folders.enable")),
            ("folder_max_file_count", get("folders.max_file_count")),
            ("enable_channels", get("channels.enable")),
            ("enable_encrypted_channels", get("channels.encryption.enable")),
            ("enable_apps", get("apps.enable")),
            ("enable_calendar", get("calendar.enable")),
            ("enable_automations", get("automations.enable")),
            ("enable_notes", get("notes.enable")),
            ("enable_context_compaction", get("chat.context_compaction.enable")),
            ("enable_tool_permissions", get("chat.tool_permissions.enable")),
            ("enable_web_search", get("web.search.enable")),
            ("enable_web_search_confirmation", get("web.search.confirmation.enable")),
            ("web_search_confirmation_content", get("web.search.confirmation.content")),
            ("enable_code_execution", get("code_execution.enable")),
            ("enable_code_interpreter", get("code_interpreter.enable")),
            ("enable_image_generation", get("image_generation.enable")),
            ("enable_autocomplete_generation", get("task.autocomplete.enable")),
            ("enable_title_generation", get("task.title.enable")),
            ("enable_follow_up_generation", get("task.follow_up.enable")),
            ("enable_tags_generation", get("task.tags.enable")),
            ("enable_community_sharing", get("ui.enable_community_sharing")),
            ("enable_message_rating", get("ui.enable_message_rating")),
            ("enable_user_webhooks", get("ui.enable_user_webhooks")),
            ("enable_user_status", get("users.enable_status")),
            ("enable_admin_export", json!(env_bool("ENABLE_ADMIN_EXPORT", true))),
            ("enable_admin_chat_access", json!(env_bool("ENABLE_ADMIN_CHAT_ACCESS", true))),
            ("enable_admin_analytics", json!(env_bool("ENABLE_ADMIN_ANALYTICS", true))),
            ("enable_google_drive_integration", get("google_drive.enable")),
            ("enable_onedrive_integration", get("onedrive.enable")),
            ("enable_memories", get("memories.enable")),
            ("enable_subagents", get("subagents.enable")),
        ] {
            features.insert(k.into(), v);
        }
        if truthy("onedrive.enable") {
            let onedrive = env_str("ONEDRIVE_CLIENT_ID");
            let personal = cfg.env_str("ONEDRIVE_CLIENT_ID_PERSONAL").map(str::to_string).unwrap_or_else(|| onedrive.clone());
            let business = cfg.env_str("ONEDRIVE_CLIENT_ID_BUSINESS").map(str::to_string).unwrap_or_else(|| onedrive.clone());
            features.insert("enable_onedrive_personal".into(), json!(env_bool("ENABLE_ONEDRIVE_PERSONAL", true) && !personal.is_empty()));
            features.insert("enable_onedrive_business".into(), json!(env_bool("ENABLE_ONEDRIVE_BUSINESS", true) && !business.is_empty()));
        }
    }
    out.insert("features".into(), Value::Object(features));
    match &user {
        Some(u) if u.role == "admin" || u.role == "user" => {
            let onedrive = env_str("ONEDRIVE_CLIENT_ID");
            out.insert("default_models".into(), get("ui.default_models"));
            out.insert("default_pinned_models".into(), get("ui.default_pinned_models"));
            out.insert("default_prompt_suggestions".into(), get("ui.prompt_suggestions"));
            out.insert("default_prompt_suggestions_i18n".into(), get("ui.prompt_suggestions_i18n"));
            out.insert("code".into(), json!({"engine": get("code_execution.engine"), "interpreter_engine": get("code_interpreter.engine")}));
            out.insert(
                "audio".into(),
                json!({
                    "realtime": {"enabled": get("audio.realtime.enabled"), "model": get("audio.realtime.model"), "voice": get("audio.realtime.voice")},
                    "tts": {"engine": get("audio.tts.engine"), "voice": get("audio.tts.voice"), "split_on": get("audio.tts.split_on")},
                    "stt": {"engine": get("audio.stt.engine")},
                }),
            );
            out.insert(
                "file".into(),
                json!({
                    "max_size": get("rag.file.max_size"),
                    "max_count": get("rag.file.max_count"),
                    "image_compression": {"width": get("file.image_compression_width"), "height": get("file.image_compression_height")},
                }),
            );
            out.insert("permissions".into(), match get("user.permissions") {
                Value::Object(o) => Value::Object(o),
                _ => json!({}),
            });
            out.insert("google_drive".into(), json!({"client_id": env_str("GOOGLE_DRIVE_CLIENT_ID"), "api_key": env_str("GOOGLE_DRIVE_API_KEY")}));
            out.insert(
                "onedrive".into(),
                json!({
                    "client_id_personal": cfg.env_str("ONEDRIVE_CLIENT_ID_PERSONAL").map(str::to_string).unwrap_or_else(|| onedrive.clone()),
                    "client_id_business": cfg.env_str("ONEDRIVE_CLIENT_ID_BUSINESS").map(str::to_string).unwrap_or_else(|| onedrive.clone()),
                    "sharepoint_url": env_str("ONEDRIVE_SHAREPOINT_URL"),
                    "sharepoint_tenant_id": env_str("ONEDRIVE_SHAREPOINT_TENANT_ID"),
                }),
            );
            out.insert(
                "ui".into(),
                json!({
                    "default_interface_settings": get("ui.default_interface_settings"),
                    "visibility": get("ui.visibility"),
                    "pending_user_overlay_title": get("ui.pending_user_overlay_title"),
                    "pending_user_overlay_content": get("ui.pending_user_overlay_content"),
                    "response_watermark": get("ui.watermark"),
                    "iframe_csp": env_str("IFRAME_CSP"),
                }),
            );
            out.insert("license_metadata".into(), Value::Null);
        }
        Some(u) if u.role == "pending" => {
            out.insert(
                "ui".into(),
                json!({
                    "pending_user_overlay_title": get("ui.pending_user_overlay_title"),
                    "pending_user_overlay_content": get("ui.pending_user_overlay_content"),
                }),
            );
        }
        _ => {}
    }
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
pub fn opensearch(ctx: &ServerContext) -> String {
    let url = match ctx.setting("webui.url") {
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
    xml
}
