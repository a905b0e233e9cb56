//! `/api/v1/users`: the session user's own settings (`/users/user/settings`), reached through the
//! `{user_id}` routes (dropshot cannot register the literal `user` beside the variable).

use std::sync::Arc;

use dropshot::RequestContext;
use serde_json::{Map, Value};
use webui_api::{Detail, FastJson, UserSettings};

use super::auth::{self, permissions};
use crate::context::ServerContext;
use crate::db::config::config_get;
use crate::db::users;

type Ctx = RequestContext<Arc<ServerContext>>;

/// `ERROR_MESSAGES.USER_NOT_FOUND`.
pub const USER_NOT_FOUND: &str = "We could not find what you're looking for :/";

/// The routes under `{user_id}` that only exist for the literal `user`.
pub fn only_session_user(user_id: &str) -> Result<(), Detail> {
    if user_id == "user" {
        Ok(())
    } else {
        Err(Detail::not_found("Not Found"))
    }
}

/// `UserSettings` as pydantic serialises it: `ui` first (`{}` when absent), then the other keys.
pub fn settings_model(v: &Value) -> Option<UserSettings> {
    let obj = v.as_object()?;
    let mut extra = obj.clone();
    let ui = match extra.remove("ui") {
        None => Some(Map::new()),
        Some(Value::Null) => None,
        Some(Value::Object(u)) => Some(u),
        // Not a dict: the reference's model would refuse it; keep the user's data reachable.
        Some(_) => Some(Map::new()),
    };
    Some(UserSettings { ui, extra })
}

/// `merge_user_ui_settings`: the admin's defaults overlaid by the user's non-null values.
fn merge_ui(defaults: &Map<String, Value>, settings: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = defaults.clone();
    for (k, v) in settings {
        if v.is_null() {
            continue;
        }
        let new = match (merged.get(k), v) {
            (Some(Value::Object(d)), Value::Object(s)) => Value::Object(merge_ui(d, s)),
            _ => v.clone(),
        };
        merged.insert(k.clone(), new);
    }
    merged
}

pub async fn settings_get(rqctx: &Ctx, user_id: &str, raw: bool) -> Result<Option<UserSettings>, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let stored = s.user.settings.clone();
    if raw {
        return Ok(stored.as_ref().and_then(settings_model));
    }
    let ctx = rqctx.context();
    let defaults = config_get(&ctx.db, &ctx.config, "ui.default_interface_settings").await.map_err(Detail::internal)?;
    let Some(Value::Object(defaults)) = defaults.filter(|d| d.as_object().is_some_and(|o| !o.is_empty())) else {
        return Ok(stored.as_ref().and_then(settings_model));
    };
    let mut settings = match stored.as_ref().and_then(settings_model) {
        Some(m) => {
            let mut o = Map::new();
            o.insert("ui".into(), m.ui.map(Value::Object).unwrap_or(Value::Null));
            o.extend(m.extra);
            o
        }
        None => Map::new(),
    };
    let ui = match settings.get("ui") {
        Some(Value::Object(u)) => u.clone(),
        _ => Map::new(),
    };
    settings.insert("ui".into(), Value::Object(merge_ui(&defaults, &ui)));
    Ok(settings_model(&Value::Object(settings)))
}

/// `InterfaceSettings` fields: dropped from an update when the user lacks `settings.interface`.
const INTERFACE_FIELDS: &[&str] = &[
    "autoTags", "autoFollowUps", "highContrastMode", "detectArtifacts", "responseAutoCopy", "showUsername",
    "showUpdateToast", "showChangelog", "showEmojiInCall", "voiceInterruption", "displayMultiModelResponsesInTabs",
    "chatFadeStreamingText", "richTextInput", "showFormattingToolbar", "insertPromptAsRichText", "promptAutocomplete",
    "insertSuggestionPrompt", "keepFollowUpPrompts", "insertFollowUpPrompt", "regenerateMenu", "enableMessageQueue",
    "largeTextAsFile", "copyFormatted", "collapseCodeBlocks", "renderMarkdownInUserMessages",
    "renderMarkdownInAssistantMessages", "expandDetails", "chatHoverPreview", "renderMarkdownInPreviews", "chatBubble",
    "widescreenMode", "splitLargeChunks", "scrollOnBranchChange", "scrollOnResponseGeneration",
    "showFilesOnTerminalSelect", "temporaryChatByDefault", "userLocation", "showChatTitleInTab",
    "iframeSandboxAllowScripts", "iframeSandboxAllowSameOrigin", "iframeSandboxAllowForms",
    "iframeSandboxAllowDownloads", "terminalPreviewAllowSameOrigin", "stylizedPdfExport", "hapticFeedback",
    "ctrlEnterToSend", "showFloatingActionButtons", "imageCompression", "imageCompressionInChannels",
    "landingPageMode", "chatDirection", "terminalFileDisplay", "defaultUploadContext", "webSearch", "models",
    "backgroundImageUrl", "fontFamily", "textScale", "title", "imageCompressionSize", "floatingActionButtons",
];

pub async fn settings_update(
    rqctx: &Ctx,
    user_id: &str,
    body: FastJson<Map<String, Value>>,
) -> Result<UserSettings, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let mut form = body.into_inner()?;
    if let Some(ui) = form.get("ui") {
        if !ui.is_null() && !ui.is_object() {
            return Err(Detail::validation(vec![serde_json::json!({
                "type": "dict_type", "loc": ["body", "ui"], "msg": "Input should be a valid dictionary", "input": ui,
            })]));
        }
    }
    let ctx = rqctx.context();
    let defaults = config_get(&ctx.db, &ctx.config, "user.permissions").await.map_err(Detail::internal)?.unwrap_or(Value::Null);
    let has = |key: &'static str| {
        let defaults = defaults.clone();
        let id = s.user.id.clone();
        async move { permissions::has_permission(ctx, &id, key, &defaults).await.map_err(Detail::internal) }
    };
    let admin = s.is_admin();
    if let Some(Value::Object(ui)) = form.get_mut("ui") {
        if !admin && !has("settings.interface").await? {
            for f in INTERFACE_FIELDS {
                ui.remove(*f);
            }
        }
        if !admin && ui.contains_key("system") && (!has("chat.controls").await? || !has("chat.system_prompt").await?) {
            ui.remove("system");
        }
        if !admin && ui.contains_key("toolServers") && !has("features.direct_tool_servers").await? {
            ui.remove("toolServers");
        }
    }
    let webhook_in_ui = matches!(form.get("ui").and_then(|u| u.get("notifications")), Some(Value::Object(n)) if n.contains_key("webhook_url"));
    if !admin && (form.contains_key("notifications") || webhook_in_ui) && !has("features.webhooks").await? {
        form.remove("notifications");
        if let Some(Value::Object(n)) = form.get_mut("ui").and_then(|u| u.get_mut("notifications")) {
            n.remove("webhook_url");
        }
    }
    // `update_user_settings_by_id`: top-level keys replace, `ui` is patched field by field
    // (null removes a field).
    let client = ctx.db.get().await.map_err(Detail::internal)?;
    let current = users::user_by_id(&**client, &s.user.id).await.map_err(Detail::internal)?;
    let Some(current) = current else { return Err(Detail::bad_request(USER_NOT_FOUND)) };
    // `dict(user.settings or {})` of the validated model: `ui` first, then the other keys.
    let mut settings = Map::new();
    if let Some(m) = current.settings.as_ref().and_then(settings_model) {
        settings.insert("ui".into(), m.ui.map(Value::Object).unwrap_or(Value::Null));
        settings.extend(m.extra);
    }
    let ui_patch = form.remove("ui");
    for (k, v) in form {
        settings.insert(k, v);
    }
    if let Some(Value::Object(patch)) = ui_patch {
        let mut ui = match settings.get("ui") {
            Some(Value::Object(u)) => u.clone(),
            _ => Map::new(),
        };
        for (k, v) in patch {
            if v.is_null() {
                ui.remove(&k);
            } else {
                ui.insert(k, v);
            }
        }
        settings.insert("ui".into(), Value::Object(ui));
    }
    let value = Value::Object(settings);
    users::set_settings(&**client, &s.user.id, &value).await.map_err(Detail::internal)?;
    settings_model(&value).ok_or_else(|| Detail::internal("settings are not an object"))
}
