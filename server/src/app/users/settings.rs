//! The session user's own settings, status and variables (`/api/v1/users/user/...`).

use serde_json::{Map, Value};
use webui_api::{UserModel, UserSettings, UserStatusForm, UserVariablesResponse};

use super::{user_model, SessionUser};
use crate::context::ServerContext;
use crate::db::users as db;
use crate::error::{Error, Result};
use crate::app::session::{permissions as perms, truthy};
use crate::messages;

/// `UserSettings` as pydantic validates a stored dict: `ui` first (`{}` when absent), then the
/// other keys; `None` for anything but an object.
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

/// `dict(settings)` of the validated model: `ui` first, then the other keys.
fn settings_dict(m: UserSettings) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("ui".into(), m.ui.map(Value::Object).unwrap_or(Value::Null));
    o.extend(m.extra);
    o
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

/// `GET /api/v1/users/user/settings`: the stored settings, their `ui` over the admin's default
/// interface settings unless `raw`.
pub fn own_settings(ctx: &ServerContext, s: &SessionUser, raw: bool) -> Option<UserSettings> {
    let stored = s.user.settings.as_ref().and_then(settings_model);
    if raw {
        return stored;
    }
    let defaults = ctx.setting("ui.default_interface_settings");
    let Some(Value::Object(defaults)) = defaults.filter(|d| d.as_object().is_some_and(|o| !o.is_empty())) else {
        return stored;
    };
    let mut settings = stored.map(settings_dict).unwrap_or_default();
    let ui = match settings.get("ui") {
        Some(Value::Object(u)) => u.clone(),
        _ => Map::new(),
    };
    settings.insert("ui".into(), Value::Object(merge_ui(&defaults, &ui)));
    settings_model(&Value::Object(settings))
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

/// `POST /api/v1/users/user/settings/update`: the form (its `ui` a dict or null, as validated)
/// without what the user's permissions do not allow, saved as `update_user_settings_by_id` does:
/// top-level keys replace, `ui` is patched field by field (null removes a field).
pub async fn own_settings_update(ctx: &ServerContext, s: &SessionUser, mut form: Map<String, Value>) -> Result<UserSettings> {
    let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
    let has = |key: &'static str| {
        let defaults = defaults.clone();
        let id = s.user.id.clone();
        async move { perms::has_permission(ctx, &id, key, &defaults).await }
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
    let webhook_in_ui =
        matches!(form.get("ui").and_then(|u| u.get("notifications")), Some(Value::Object(n)) if n.contains_key("webhook_url"));
    if !admin && (form.contains_key("notifications") || webhook_in_ui) && !has("features.webhooks").await? {
        form.remove("notifications");
        if let Some(Value::Object(n)) = form.get_mut("ui").and_then(|u| u.get_mut("notifications")) {
            n.remove("webhook_url");
        }
    }
    let client = ctx.db.get().await?;
    let Some(current) = db::user_by_id(&**client, &s.user.id).await? else {
        return Err(Error::bad_request(messages::USER_NOT_FOUND));
    };
    let mut settings = current.settings.as_ref().and_then(settings_model).map(settings_dict).unwrap_or_default();
    let ui_patch = form.remove("ui");
    settings.extend(form);
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
    db::set_settings(&**client, &s.user.id, &value).await?;
    settings_model(&value).ok_or_else(|| Error::internal("settings are not an object"))
}

/// `users.enable_status`: the status routes answer 403 without it.
fn status_enabled(ctx: &ServerContext) -> Result<()> {
    if truthy(ctx.setting("users.enable_status").as_ref()) {
        Ok(())
    } else {
        Err(Error::forbidden(messages::ACTION_PROHIBITED))
    }
}

/// `GET /api/v1/users/user/status`: the whole session user.
pub fn own_status(ctx: &ServerContext, s: &SessionUser) -> Result<UserModel> {
    status_enabled(ctx)?;
    Ok(user_model(&s.user))
}

/// `POST /api/v1/users/user/status/update`: sets the non-null fields.
pub async fn own_status_update(ctx: &ServerContext, s: &SessionUser, form: UserStatusForm) -> Result<UserModel> {
    status_enabled(ctx)?;
    let client = ctx.db.get().await?;
    let (emoji, message) = (form.status_emoji.as_deref(), form.status_message.as_deref());
    let u = db::update_status(&**client, &s.user.id, emoji, message, form.status_expires_at).await?;
    let Some(u) = u else { return Err(Error::bad_request(messages::USER_NOT_FOUND)) };
    Ok(user_model(&u))
}

/// `normalize_user_variables`: the string-valued entries.
fn normalize_variables(v: &Option<Value>) -> Map<String, Value> {
    match v {
        Some(Value::Object(m)) => m.iter().filter(|(_, v)| v.is_string()).map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Map::new(),
    }
}

/// `GET /api/v1/users/user/variables`.
pub fn own_variables(s: &SessionUser) -> UserVariablesResponse {
    UserVariablesResponse { variables: normalize_variables(&s.user.variables) }
}

/// Python's `json.dumps(v, ensure_ascii=False)` length (separators `", "` and `": "`).
fn py_json_len(v: &Value) -> usize {
    match v {
        Value::Object(m) => {
            2 + m.iter().map(|(k, v)| Value::String(k.clone()).to_string().chars().count() + 2 + py_json_len(v)).sum::<usize>()
                + m.len().saturating_sub(1) * 2
        }
        Value::Array(a) => 2 + a.iter().map(py_json_len).sum::<usize>() + a.len().saturating_sub(1) * 2,
        other => other.to_string().chars().count(),
    }
}

/// `validate_user_variables`: `Err` is the 400's message.
fn validate_variables(vars: &Map<String, Value>) -> std::result::Result<Map<String, Value>, String> {
    if py_json_len(&Value::Object(vars.clone())) > 100_000 {
        return Err("User variables are too large.".into());
    }
    let mut out = Map::new();
    for (k, v) in vars {
        let mut chars = k.chars();
        let key_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(format!("Invalid user variable key: {k}"));
        }
        let Some(s) = v.as_str() else { return Err(format!("User variable must be a string: {k}")) };
        let s = s.replace("\r\n", "\n");
        if s.chars().count() > 20_000 {
            return Err(format!("User variable is too long: {k}"));
        }
        out.insert(k.clone(), Value::String(s));
    }
    Ok(out)
}

/// `POST /api/v1/users/user/variables/update`.
pub async fn own_variables_update(ctx: &ServerContext, s: &SessionUser, variables: &Map<String, Value>) -> Result<UserVariablesResponse> {
    let vars = validate_variables(variables).map_err(Error::bad_request)?;
    let client = ctx.db.get().await?;
    if db::set_json(&**client, &s.user.id, "variables", &Value::Object(vars.clone())).await?.is_none() {
        return Err(Error::bad_request(messages::USER_NOT_FOUND));
    }
    Ok(UserVariablesResponse { variables: vars })
}
