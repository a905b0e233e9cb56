//! `/api/v1/users`: the session user's own settings (`/users/user/settings`), reached through the
//! `{user_id}` routes (dropshot cannot register the literal `user` beside the variable).

use std::sync::Arc;

use dropshot::RequestContext;
use serde_json::{Map, Value};
use webui_api::{Detail, FastJson, UserSettings};

use super::auth::{self, permissions};
use crate::context::ServerContext;
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
    let defaults = ctx.setting("ui.default_interface_settings");
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
    body: FastJson<Shaped<UserSettings, Map<String, Value>>>,
) -> Result<UserSettings, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let mut form = body.into_inner()?.into_inner();
    if let Some(ui) = form.get("ui") {
        if !ui.is_null() && !ui.is_object() {
            return Err(Detail::validation(vec![serde_json::json!({
                "type": "dict_type", "loc": ["body", "ui"], "msg": "Input should be a valid dictionary", "input": ui,
            })]));
        }
    }
    let ctx = rqctx.context();
    let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
    let has = |key: &'static str| {
        let defaults = defaults.clone();
        let id = s.user.id.clone();
        async move { permissions::has_permission(ctx, &id, key, &defaults).await.map_err(db_err) }
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
    let client = ctx.db.get().await.map_err(db_err)?;
    let current = users::user_by_id(&**client, &s.user.id).await.map_err(db_err)?;
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
    users::set_settings(&**client, &s.user.id, &value).await.map_err(db_err)?;
    settings_model(&value).ok_or_else(|| Detail::internal("settings are not an object"))
}

// ---- the rest of /api/v1/users ----

use dropshot::Body;
use http::Response;
use serde_json::json;
use webui_api::{Shaped, UserPermissions, UserStatusForm, UserUpdateForm, UserVariablesForm, UsersQuery};

use super::auth::{now, SessionUser};
use crate::db::groups::{full_groups_by_members, GroupRow};
use crate::db::users::{UserListParams, UserRow};

/// `ERROR_MESSAGES.ACTION_PROHIBITED`.
pub const ACTION_PROHIBITED: &str = "The requested action has been restricted as a security measure.";
/// `ERROR_MESSAGES.EMAIL_TAKEN`.
const EMAIL_TAKEN: &str =
    "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.";
/// `ERROR_MESSAGES.DELETE_USER_ERROR`.
const DELETE_USER_ERROR: &str =
    "Oops! Something went wrong. We encountered an issue while trying to delete the user. Please give it another shot.";
/// `PAGE_ITEM_COUNT`.
const PAGE_ITEM_COUNT: i64 = 30;

fn opt_str(v: &Option<String>) -> Value {
    v.clone().map(Value::String).unwrap_or(Value::Null)
}

fn opt_obj(v: &Option<Value>) -> Value {
    v.clone().filter(Value::is_object).unwrap_or(Value::Null)
}

/// `UserModel.model_dump()` (without `variables`, which the model excludes).
pub fn user_model(u: &UserRow) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(u.id.clone()));
    m.insert("email".into(), Value::String(u.email.clone()));
    m.insert("username".into(), opt_str(&u.username));
    m.insert("role".into(), Value::String(u.role.clone()));
    m.insert("name".into(), Value::String(u.name.clone()));
    m.insert("profile_image_url".into(), Value::String(u.profile_image_url.clone()));
    m.insert("profile_banner_image_url".into(), opt_str(&u.profile_banner_image_url));
    m.insert("bio".into(), opt_str(&u.bio));
    m.insert("gender".into(), opt_str(&u.gender));
    m.insert("date_of_birth".into(), opt_str(&u.date_of_birth));
    m.insert("timezone".into(), opt_str(&u.timezone));
    m.insert("presence_state".into(), opt_str(&u.presence_state));
    m.insert("status_emoji".into(), opt_str(&u.status_emoji));
    m.insert("status_message".into(), opt_str(&u.status_message));
    m.insert("status_expires_at".into(), u.status_expires_at.map(Value::from).unwrap_or(Value::Null));
    m.insert("info".into(), opt_obj(&u.info));
    let settings = u.settings.as_ref().and_then(settings_model).map(|s| {
        let mut o = Map::new();
        o.insert("ui".into(), s.ui.map(Value::Object).unwrap_or(Value::Null));
        o.extend(s.extra);
        Value::Object(o)
    });
    m.insert("settings".into(), settings.unwrap_or(Value::Null));
    m.insert("oauth".into(), opt_obj(&u.oauth));
    m.insert("scim".into(), opt_obj(&u.scim));
    m.insert("last_active_at".into(), Value::from(u.last_active_at));
    m.insert("updated_at".into(), Value::from(u.updated_at));
    m.insert("created_at".into(), Value::from(u.created_at));
    m
}

fn status_fields(u: &UserRow) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("status_emoji".into(), opt_str(&u.status_emoji));
    m.insert("status_message".into(), opt_str(&u.status_message));
    m.insert("status_expires_at".into(), u.status_expires_at.map(Value::from).unwrap_or(Value::Null));
    m
}

/// `UserInfoResponse`.
pub(super) fn user_info(u: &UserRow, groups: Value, is_active: bool) -> Value {
    let mut m = status_fields(u);
    m.insert("id".into(), Value::String(u.id.clone()));
    m.insert("name".into(), Value::String(u.name.clone()));
    m.insert("email".into(), Value::String(u.email.clone()));
    m.insert("role".into(), Value::String(u.role.clone()));
    m.insert("bio".into(), opt_str(&u.bio));
    m.insert("last_active_at".into(), Value::from(u.last_active_at));
    m.insert("timezone".into(), opt_str(&u.timezone));
    m.insert("groups".into(), groups);
    m.insert("is_active".into(), Value::Bool(is_active));
    Value::Object(m)
}

fn is_active_row(u: &UserRow) -> bool {
    u.last_active_at != 0 && u.last_active_at >= now() - 180
}

pub(super) use super::db_err;

/// FastAPI's `int` query parameter.
pub(super) fn query_int(name: &str, v: &Option<String>) -> Result<Option<i64>, Detail> {
    match v {
        None => Ok(None),
        Some(s) => s.trim().parse::<i64>().map(Some).map_err(|_| {
            Detail::validation(vec![json!({
                "type": "int_parsing", "loc": ["query", name],
                "msg": "Input should be a valid integer, unable to parse string as an integer", "input": s,
            })])
        }),
    }
}

/// FastAPI's `bool` query parameter (pydantic's lax string forms).
pub(super) fn query_bool(name: &str, v: &Option<String>) -> Result<bool, Detail> {
    match v.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(false),
        Some("1" | "on" | "t" | "true" | "y" | "yes") => Ok(true),
        Some("0" | "off" | "f" | "false" | "n" | "no") => Ok(false),
        Some(_) => Err(Detail::validation(vec![json!({
            "type": "bool_parsing", "loc": ["query", name],
            "msg": "Input should be a valid boolean, unable to interpret input", "input": v,
        })])),
    }
}

async fn list_page(ctx: &ServerContext, q: &UsersQuery, paged: bool, group_ids: bool) -> Result<users::UserPage, Detail> {
    let (skip, limit) = if paged {
        let page = query_int("page", &q.page)?.unwrap_or(1).max(1);
        // The reference's offset `(page - 1) * 30` is a Python int, and past PostgreSQL's bigint
        // its query fails (an unhandled 500). Ours stops at the largest offset, so such a page is
        // empty like any page past the end: a client's value makes no server error (as for NUL
        // characters, `Detail::internal`).
        let skip = (page - 1).saturating_mul(PAGE_ITEM_COUNT);
        (Some(skip), Some(PAGE_ITEM_COUNT))
    } else {
        (None, None)
    };
    let params = UserListParams {
        query: if paged { q.query.as_deref() } else { None },
        order_by: if paged { q.order_by.as_deref() } else { None },
        direction: if paged { q.direction.as_deref() } else { None },
        skip,
        limit,
        group_ids,
    };
    let client = ctx.db.get().await.map_err(db_err)?;
    users::list_users(&**client, &params).await.map_err(db_err)
}

/// `GET /api/v1/users/`: `UserGroupIdsListResponse`.
pub async fn list(rqctx: &Ctx, q: UsersQuery) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let page = list_page(ctx, &q, true, true).await?;
    let users: Vec<Value> = page
        .rows
        .iter()
        .zip(page.group_ids)
        .map(|(u, gids)| {
            let mut m = user_model(u);
            m.insert("group_ids".into(), Value::Array(gids.into_iter().map(Value::String).collect()));
            Value::Object(m)
        })
        .collect();
    Ok(json!({"users": users, "total": page.total}))
}

/// `UserInfoListResponse` of `/all` and `/search`: the model's defaults stand for `groups` and
/// `is_active` (the reference validates `UserModel` dumps into it, so they are always `[]` and
/// `false`).
fn info_list(rows: &[UserRow], total: i64) -> Value {
    let users: Vec<Value> = rows.iter().map(|u| user_info(u, json!([]), false)).collect();
    json!({"users": users, "total": total})
}

async fn groups_response(ctx: &ServerContext, user_id: &str, include_inherited: bool) -> Result<Value, Detail> {
    let client = ctx.db.get().await.map_err(db_err)?;
    let ids = vec![user_id.to_string()];
    let direct = full_groups_by_members(&**client, &ids, false).await.map_err(db_err)?;
    if !include_inherited {
        return Ok(Value::Array(direct.into_iter().map(|(_, g)| Value::Object(g.json())).collect()));
    }
    let all = full_groups_by_members(&**client, &ids, true).await.map_err(db_err)?;
    let direct_ids: Vec<&str> = direct.iter().map(|(_, g)| g.id.as_str()).collect();
    Ok(Value::Array(
        all.iter()
            .map(|(_, g)| {
                let mut m = g.json();
                let t = if direct_ids.contains(&g.id.as_str()) { "direct" } else { "inherited" };
                m.insert("membership_type".into(), Value::String(t.into()));
                Value::Object(m)
            })
            .collect(),
    ))
}

fn id_names(groups: &[(String, GroupRow)]) -> Value {
    Value::Array(groups.iter().map(|(_, g)| json!({"id": g.id, "name": g.name})).collect())
}

/// `GET /api/v1/users/{user_id}` and the literal routes at that position.
pub async fn get(rqctx: &Ctx, user_id: &str, q: UsersQuery) -> Result<Value, Detail> {
    let ctx = rqctx.context();
    match user_id {
        "all" => {
            auth::require_admin(rqctx).await?;
            let users::UserPage { rows, total, .. } = list_page(ctx, &q, false, false).await?;
            Ok(info_list(&rows, total))
        }
        "search" => {
            auth::require_user(rqctx).await?;
            let users::UserPage { rows, total, .. } = list_page(ctx, &q, true, false).await?;
            Ok(info_list(&rows, total))
        }
        "groups" => {
            let s = auth::require_user(rqctx).await?;
            let inh = query_bool("include_inherited", &q.include_inherited)?;
            groups_response(ctx, &s.user.id, inh).await
        }
        "permissions" => {
            let s = auth::require_user(rqctx).await?;
            let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
            permissions::get_permissions(ctx, &s.user.id, &defaults).await.map_err(db_err)
        }
        "usage" => {
            let s = auth::require_user(rqctx).await?;
            usage(ctx, &s, &q).await
        }
        _ => {
            auth::require_admin(rqctx).await?;
            let client = ctx.db.get().await.map_err(db_err)?;
            let u = users::user_by_id(&**client, user_id).await.map_err(db_err)?;
            let Some(u) = u else { return Err(Detail::bad_request(USER_NOT_FOUND)) };
            let groups = full_groups_by_members(&**client, std::slice::from_ref(&u.id), false).await.map_err(db_err)?;
            let active = users::is_active(&**client, &u.id, now()).await.map_err(db_err)?;
            // `UserActiveResponse` (extra="allow"): its own fields, then the rest of the dump.
            let mut m = status_fields(&u);
            m.insert("name".into(), Value::String(u.name.clone()));
            m.insert("profile_image_url".into(), Value::String(u.profile_image_url.clone()));
            m.insert("groups".into(), id_names(&groups));
            m.insert("is_active".into(), Value::Bool(active));
            for (k, v) in user_model(&u) {
                if !m.contains_key(&k) {
                    m.insert(k, v);
                }
            }
            Ok(Value::Object(m))
        }
    }
}

/// `_normalize_timestamp`: milliseconds to seconds; `None` or outside 2020..now+1d means now.
fn normalize_ts(ts: Option<i64>) -> i64 {
    let now = now();
    let Some(ts) = ts else { return now };
    let ts = if ts > 10_000_000_000 { ts / 1000 } else { ts };
    if !(1_577_836_800..=now + 86_400).contains(&ts) {
        now
    } else {
        ts
    }
}

/// Python's `os.path.normpath` for a relative POSIX path.
fn normpath(path: &str) -> String {
    let mut comps: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." if comps.last().is_some_and(|l| *l != "..") => {
                comps.pop();
            }
            _ => comps.push(c),
        }
    }
    if comps.is_empty() {
        ".".into()
    } else {
        comps.join("/")
    }
}

/// `zoneinfo.TZPATH` of the reference's Python.
const TZPATH: [&str; 4] = ["/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo", "/etc/zoneinfo"];

/// `_timezone(user.timezone)`: `ZoneInfo(tz or 'UTC')`, UTC when there is no such zone. The keys
/// `ZoneInfo` refuses with a `ValueError` (absolute, not normalised, outside the tz directory, a
/// file that is not TZif), which the reference does not catch, fail here too. A zone with leap
/// seconds (`right/UTC`, which `ZoneInfo` reads and PostgreSQL refuses) carries what
/// `udb::local_dates` needs to give the reference's dates (it was a 500).
fn usage_zone(tz: Option<&str>) -> Result<crate::db::usage::Zone, Detail> {
    let key = tz.filter(|t| !t.is_empty()).unwrap_or("UTC");
    let refused = |why: &str| Err(Detail::internal(format!("ZoneInfo({key:?}): {why}")));
    if key.starts_with('/') {
        return refused("keys may not be absolute paths");
    }
    let norm = normpath(key);
    if norm.len() != key.len() {
        return refused("keys must be normalized relative paths");
    }
    if norm == "." || norm == ".." || norm.starts_with("../") {
        return refused("keys must refer to subdirectories of TZPATH");
    }
    for dir in TZPATH {
        let path = std::path::Path::new(dir).join(key);
        if path.is_file() {
            let data = std::fs::read(&path).unwrap_or_default();
            if !data.starts_with(b"TZif") {
                return refused("Invalid TZif file: magic not found");
            }
            let (leaps, last_transition, fixed_after) = tzif_leaps(&data);
            return Ok(crate::db::usage::Zone { key: key.to_string(), leaps, last_transition, fixed_after });
        }
    }
    Ok(crate::db::usage::Zone { key: "UTC".into(), ..Default::default() })
}

/// What a TZif file (RFC 8536) says of leap seconds, as `zoneinfo` reads it (the version 2+ block
/// when there is one): its leap-second records (occurrence, correction), its last transition
/// time, and the fixed offset `zoneinfo` keeps after that transition when the file has no POSIX
/// rule in its footer (`ZoneInfo._tz_after = self._ttinfos[-1]`: the `right/` files end at their
/// leap table's expiry with no rule, so `right/America/Los_Angeles` stays on summer time after
/// June 2026). A truncated file gives what could be read.
fn tzif_leaps(data: &[u8]) -> (Vec<(i64, i64)>, Option<i64>, Option<i64>) {
    // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    let counts = |at: usize| -> Option<[usize; 6]> {
        let c = |i: usize| data.get(at + 20 + 4 * i..at + 24 + 4 * i).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
        Some([c(0)?, c(1)?, c(2)?, c(3)?, c(4)?, c(5)?])
    };
    let Some(v1) = counts(0) else { return (Vec::new(), None, None) };
    let (header, size) = if data.get(4).is_some_and(|v| *v >= b'2') {
        let [isut, isstd, leap, time, typ, chars] = v1;
        (44 + time * 5 + typ * 6 + chars + leap * 8 + isstd + isut, 8)
    } else {
        (0, 4)
    };
    let Some([isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt]) = counts(header) else { return (Vec::new(), None, None) };
    let body = header + 44;
    let int = |at: usize| -> Option<i64> {
        let b = data.get(at..at + size)?;
        Some(if size == 8 { i64::from_be_bytes(b.try_into().ok()?) } else { i32::from_be_bytes(b.try_into().ok()?) as i64 })
    };
    let last_transition = timecnt.checked_sub(1).and_then(|i| int(body + i * size));
    let leaps_at = body + timecnt * (size + 1) + typecnt * 6 + charcnt;
    let leaps = (0..leapcnt)
        .map_while(|i| {
            let at = leaps_at + i * (size + 4);
            let correction = data.get(at + size..at + size + 4)?;
            Some((int(at)?, i32::from_be_bytes([correction[0], correction[1], correction[2], correction[3]]) as i64))
        })
        .collect();
    // The footer (version 2+): "\n<POSIX TZ rule>\n"; none or an empty rule: the offset of the
    // last transition's type (or of the last type, without transitions) holds for ever after.
    let footer_at = leaps_at + leapcnt * (size + 4) + isstdcnt + isutcnt;
    let rule = match data.get(footer_at) {
        Some(b'\n') if size == 8 => data[footer_at + 1..].split(|b| *b == b'\n').next().unwrap_or_default(),
        _ => &[],
    };
    let fixed_after = if rule.is_empty() {
        let ty = match timecnt.checked_sub(1) {
            Some(i) => data.get(body + timecnt * size + i).map(|t| *t as usize),
            None => typecnt.checked_sub(1),
        };
        ty.and_then(|ty| data.get(body + timecnt * (size + 1) + ty * 6..body + timecnt * (size + 1) + ty * 6 + 4))
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as i64)
    } else {
        None
    };
    (leaps, last_transition, fixed_after)
}

/// Python's truthiness of a JSON value.
fn py_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Whether `str(item.get('type') or '')` names a tool: contains "tool", or is `function_call`
/// or `function_call_output`. A list or object is `str()`-ed as its Python repr, where a tab
/// becomes `\t` (so "\tool" reads "tool").
fn looks_like_tool(t: &Value) -> bool {
    fn repr_has_tool(v: &Value) -> bool {
        match v {
            Value::String(s) => s.replace('\t', "\\t").contains("tool"),
            Value::Array(a) => a.iter().any(repr_has_tool),
            Value::Object(o) => o.iter().any(|(k, v)| k.replace('\t', "\\t").contains("tool") || repr_has_tool(v)),
            _ => false,
        }
    }
    match t {
        Value::String(s) => s.contains("tool") || s == "function_call" || s == "function_call_output",
        Value::Array(_) | Value::Object(_) => repr_has_tool(t),
        _ => false,
    }
}

/// `_extract_tool_names`: tool names in message `output` / `meta` items.
fn tool_names(value: &Value, names: &mut Vec<String>) {
    fn add(name: Option<&Value>, names: &mut Vec<String>) {
        if let Some(Value::String(s)) = name {
            // `str.strip()`: Unicode whitespace and the separators \x1c-\x1f.
            let cleaned = s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c));
            if !cleaned.is_empty() && cleaned.chars().count() <= 128 {
                names.push(cleaned.to_string());
            }
        }
    }
    match value {
        Value::Array(items) => items.iter().for_each(|i| tool_names(i, names)),
        Value::Object(item) => {
            if item.get("type").is_some_and(|t| py_truthy(t) && looks_like_tool(t)) {
                let name = item.get("name").filter(|n| py_truthy(n)).or_else(|| item.get("tool_name"));
                add(name, names);
                if let Some(Value::Object(f)) = item.get("function") {
                    add(f.get("name"), names);
                }
            }
            for key in ["tool_calls", "tools", "output", "meta"] {
                if let Some(v) = item.get(key) {
                    tool_names(v, names);
                }
            }
        }
        _ => {}
    }
}

/// Python's `round(x, 1)` (correctly rounded, ties to even on the exact binary value).
fn round1(x: f64) -> f64 {
    format!("{x:.1}").parse().unwrap_or(x)
}

/// Adds `n` to `key` in a first-seen-ordered counter (Python's `Counter`).
fn count_in(counter: &mut Vec<(String, i64)>, key: &str, n: i64) {
    match counter.iter_mut().find(|(k, _)| k == key) {
        Some(e) => e.1 += n,
        None => counter.push((key.to_string(), n)),
    }
}

fn models_obj(v: &[(String, i64)]) -> Value {
    Value::Object(v.iter().map(|(k, n)| (k.clone(), json!(n))).collect())
}

/// One day (or week) of the heatmap: messages, chats, tokens, per-model counts (first-seen order).
#[derive(Default)]
struct Bucket {
    messages: i64,
    chats: i64,
    chat_ids: std::collections::HashSet<String>,
    tokens: i64,
    models: Vec<(String, i64)>,
}

impl Bucket {
    fn json(&self, date: &str) -> Value {
        json!({"date": date, "messages": self.messages, "chats": self.chats, "tokens": self.tokens, "models": models_obj(&self.models)})
    }
}

/// `GET /api/v1/users/usage` (`get_user_usage_by_session_user`): the session user's activity over
/// a period, from `chat_message` and `chat`, days in the user's time zone.
async fn usage(ctx: &ServerContext, s: &SessionUser, q: &UsersQuery) -> Result<Value, Detail> {
    use crate::db::usage as udb;
    let days = query_int("days", &q.days)?;
    if let Some(d) = days {
        if d < 7 {
            return Err(Detail::validation(vec![json!({
                "type": "greater_than_equal", "loc": ["query", "days"], "msg": "Input should be greater than or equal to 7",
                "input": q.days, "ctx": {"ge": 7},
            })]));
        }
        if d > 732 {
            return Err(Detail::validation(vec![json!({
                "type": "less_than_equal", "loc": ["query", "days"], "msg": "Input should be less than or equal to 732",
                "input": q.days, "ctx": {"le": 732},
            })]));
        }
    }
    let start = query_int("start_date", &q.start_date)?;
    let end = query_int("end_date", &q.end_date)?;
    let period_end = end.filter(|e| *e != 0).unwrap_or_else(now);
    let period_start = match start {
        Some(s) => s,
        None => period_end - (days.filter(|d| *d != 0).unwrap_or(730) - 1) * 86400,
    };
    if period_start > period_end {
        return Err(Detail::bad_request("start_date must be before end_date"));
    }
    let period_days = (((period_end - period_start) as f64 / 86400.0) as i64 + 1).max(1);
    let uid = s.user.id.as_str();
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let db = &**client;

    let lifetime = udb::summary(db, uid, None, None).await.map_err(db_err)?;
    let period = udb::summary(db, uid, Some(period_start), Some(period_end)).await.map_err(db_err)?;
    let zone = usage_zone(s.user.timezone.as_deref())?;
    let times = udb::message_times(db, uid, Some(period_start), Some(period_end)).await.map_err(db_err)?;
    let (total_chats, longest_chat_seconds) = udb::chat_stats(db, uid).await.map_err(db_err)?;
    let rows = udb::daily_rows(db, uid, period_start, period_end).await.map_err(db_err)?;
    let top_models = udb::top_models(db, uid, period_start, period_end, 5).await.map_err(db_err)?;
    let tool_rows = udb::tool_rows(db, uid, period_start, period_end).await.map_err(db_err)?;

    // Every calendar date needed, in one round trip: the period's bounds, then the heatmap's
    // messages, then the active days'.
    let mut stamps = vec![normalize_ts(Some(period_start)), normalize_ts(Some(period_end))];
    stamps.extend(rows.iter().map(|r| normalize_ts(Some(r.created_at))));
    stamps.extend(times.iter().map(|t| normalize_ts(*t)));
    let dates = udb::local_dates(&mut client, &zone, &stamps).await.map_err(db_err)?;
    drop(client);
    let (bounds, rest) = dates.split_at(2);
    let (row_dates, time_dates) = rest.split_at(rows.len());
    let active_days = time_dates.iter().collect::<std::collections::HashSet<_>>().len() as i64;

    // `get_user_daily_usage`.
    let mut daily: std::collections::BTreeMap<String, Bucket> = Default::default();
    for (r, date) in rows.iter().zip(row_dates) {
        let e = daily.entry(date.clone()).or_default();
        e.messages += 1;
        e.chat_ids.insert(r.chat_id.clone());
        if let (true, Some(m)) = (r.role == "assistant", r.model_id.as_deref().filter(|m| !m.is_empty())) {
            count_in(&mut e.models, m, 1);
        }
        if r.usage.as_ref().is_some_and(py_truthy) {
            e.tokens += r.input_tokens.unwrap_or(0) as i64 + r.output_tokens.unwrap_or(0) as i64;
        }
    }
    if let (Ok(mut day), Ok(last)) =
        (chrono::NaiveDate::parse_from_str(&bounds[0], "%Y-%m-%d"), chrono::NaiveDate::parse_from_str(&bounds[1], "%Y-%m-%d"))
    {
        while day <= last {
            daily.entry(day.format("%Y-%m-%d").to_string()).or_default();
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
    }
    for b in daily.values_mut() {
        b.chats = b.chat_ids.len() as i64;
    }
    let heatmap: Vec<Value> = daily.iter().map(|(d, b)| b.json(d)).collect();

    // `_build_weekly_heatmap` (weeks from Monday) and `_build_cumulative_heatmap`.
    use chrono::Datelike;
    let mut weeks: std::collections::BTreeMap<String, Bucket> = Default::default();
    let mut total = Bucket::default();
    let mut cumulative = Vec::new();
    for (d, b) in &daily {
        let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap_or_default();
        let wk = date - chrono::Duration::days(date.weekday().num_days_from_monday() as i64);
        for acc in [weeks.entry(wk.format("%Y-%m-%d").to_string()).or_default(), &mut total] {
            acc.messages += b.messages;
            acc.chats += b.chats;
            acc.tokens += b.tokens;
            for (m, n) in &b.models {
                count_in(&mut acc.models, m, *n);
            }
        }
        cumulative.push(total.json(d));
    }
    let weekly: Vec<Value> = weeks.iter().map(|(d, b)| b.json(d)).collect();

    // `_calculate_streaks` over the heatmap.
    let (mut longest_streak, mut run) = (0i64, 0i64);
    for b in daily.values() {
        if b.messages > 0 {
            run += 1;
            longest_streak = longest_streak.max(run);
        } else {
            run = 0;
        }
    }
    let current_streak = daily.values().rev().take_while(|b| b.messages > 0).count() as i64;
    let peak_daily_tokens = daily.values().map(|b| b.tokens).max().unwrap_or(0);

    // `get_user_top_tools`: `Counter.most_common(5)` (ties in first-seen order).
    let mut tools: Vec<(String, i64)> = Vec::new();
    for (output, meta) in &tool_rows {
        for v in [output, meta].into_iter().flatten() {
            let mut names = Vec::new();
            tool_names(v, &mut names);
            for n in names {
                count_in(&mut tools, &n, 1);
            }
        }
    }
    tools.sort_by_key(|t| std::cmp::Reverse(t.1));
    let top_tools: Vec<Value> = tools.iter().take(5).map(|(name, count)| json!({"name": name, "count": count})).collect();

    let lifetime_tokens = lifetime.input_tokens + lifetime.output_tokens;
    let (messages, user_messages, assistant_messages) = (period.messages, period.user_messages, period.assistant_messages);
    let ratio = |n: i64, d: i64| if d != 0 { round1(n as f64 / d as f64) } else { 0.0 };
    let share = |n: i64| if messages != 0 { round1(n as f64 / messages as f64 * 100.0) } else { 0.0 };
    Ok(json!({
        "totals": {
            "lifetime_tokens": lifetime_tokens, "input_tokens": lifetime.input_tokens, "output_tokens": lifetime.output_tokens,
            "peak_daily_tokens": peak_daily_tokens, "longest_chat_seconds": longest_chat_seconds,
            "current_streak": current_streak, "longest_streak": longest_streak, "total_chats": total_chats,
            "active_days": active_days, "models_used": lifetime.models_used, "messages": messages,
            "user_messages": user_messages, "assistant_messages": assistant_messages,
        },
        "heatmap": heatmap, "weekly_heatmap": weekly, "cumulative_heatmap": cumulative,
        "insights": {
            "most_used_model": top_models.first().map(|m| json!(m.model_id)).unwrap_or(Value::Null),
            "average_tokens_per_chat": ratio(lifetime_tokens, total_chats),
            "average_messages_per_active_day": ratio(messages, active_days),
            "user_message_share": share(user_messages), "assistant_message_share": share(assistant_messages),
        },
        "top_models": top_models.iter().map(|m| json!({
            "model_id": m.model_id, "messages": m.messages, "input_tokens": m.input_tokens, "output_tokens": m.output_tokens,
            "total_tokens": m.input_tokens + m.output_tokens,
        })).collect::<Vec<_>>(),
        "top_tools": top_tools,
        "period": {"start_date": period_start, "end_date": period_end, "days": period_days},
    }))
}

async fn first_user_id(ctx: &ServerContext) -> Result<Option<String>, Detail> {
    let client = ctx.db.get().await.map_err(|e| Detail::new(500, format!("Could not verify primary admin status. {e}")))?;
    Ok(users::first_user(&**client).await.map_err(|_| Detail::new(500, "Could not verify primary admin status."))?.map(|u| u.id))
}

/// `DELETE /api/v1/users/{user_id}`.
pub async fn delete(rqctx: &Ctx, user_id: &str) -> Result<bool, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    if first_user_id(ctx).await?.as_deref() == Some(user_id) {
        return Err(Detail::forbidden(ACTION_PROHIBITED));
    }
    if s.user.id == user_id {
        return Err(Detail::forbidden(ACTION_PROHIBITED));
    }
    let mut client = ctx.db.get().await.map_err(db_err)?;
    match users::delete_user(&mut client, user_id, now()).await {
        Ok(true) => Ok(true),
        _ => Err(Detail::new(500, DELETE_USER_ERROR)),
    }
}

/// `GET /api/v1/users/{user_id}/info`; `user/info` is the session user's `info`.
pub async fn info_get(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    let s = auth::require_user(rqctx).await?;
    if user_id == "user" {
        return Ok(opt_obj(&s.user.info));
    }
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let u = users::user_by_id(&**client, user_id).await.map_err(db_err)?;
    let Some(u) = u else { return Err(Detail::bad_request(USER_NOT_FOUND)) };
    let groups = full_groups_by_members(&**client, std::slice::from_ref(&u.id), false).await.map_err(db_err)?;
    Ok(user_info(&u, id_names(&groups), is_active_row(&u)))
}

/// `POST /api/v1/users/user/info/update`: `{**user.info, **form}`.
pub async fn info_update(rqctx: &Ctx, user_id: &str, body: FastJson<Map<String, Value>>) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    let mut info = s.user.info.clone().and_then(|v| v.as_object().cloned()).unwrap_or_default();
    info.extend(form);
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let u = users::set_json(&**client, &s.user.id, "info", &Value::Object(info)).await.map_err(db_err)?;
    let Some(u) = u else { return Err(Detail::bad_request(USER_NOT_FOUND)) };
    Ok(opt_obj(&u.info))
}

async fn status_enabled(ctx: &ServerContext) -> Result<(), Detail> {
    let v = ctx.setting("users.enable_status");
    if auth::truthy(v.as_ref()) {
        Ok(())
    } else {
        Err(Detail::forbidden(ACTION_PROHIBITED))
    }
}

/// `GET /api/v1/users/user/status`: the whole session user.
pub async fn status_get(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    status_enabled(rqctx.context()).await?;
    Ok(Value::Object(user_model(&s.user)))
}

/// `POST /api/v1/users/user/status/update`: sets the non-null fields.
pub async fn status_update(rqctx: &Ctx, user_id: &str, body: FastJson<UserStatusForm>) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    status_enabled(ctx).await?;
    let client = ctx.db.get().await.map_err(db_err)?;
    let u = users::update_status(&**client, &s.user.id, form.status_emoji.as_deref(), form.status_message.as_deref(), form.status_expires_at)
        .await
        .map_err(db_err)?;
    let Some(u) = u else { return Err(Detail::bad_request(USER_NOT_FOUND)) };
    Ok(Value::Object(user_model(&u)))
}

/// `normalize_user_variables`: the string-valued entries.
fn normalize_variables(v: &Option<Value>) -> Map<String, Value> {
    match v {
        Some(Value::Object(m)) => m.iter().filter(|(_, v)| v.is_string()).map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Map::new(),
    }
}

/// `GET /api/v1/users/user/variables`.
pub async fn variables_get(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    Ok(json!({"variables": normalize_variables(&s.user.variables)}))
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

/// `validate_user_variables`.
fn validate_variables(vars: &Map<String, Value>) -> Result<Map<String, Value>, String> {
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
pub async fn variables_update(rqctx: &Ctx, user_id: &str, body: FastJson<UserVariablesForm>) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    let vars = validate_variables(&form.variables).map_err(Detail::bad_request)?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let u = users::set_json(&**client, &s.user.id, "variables", &Value::Object(vars.clone())).await.map_err(db_err)?;
    if u.is_none() {
        return Err(Detail::bad_request(USER_NOT_FOUND));
    }
    Ok(json!({"variables": vars}))
}

/// The `UserPermissions` section models: field names (by alias) and defaults, in order.
const PERMISSION_MODELS: &[(&str, &[(&str, bool)])] = &[
    (
        "workspace",
        &[
            ("models", false), ("knowledge", false), ("prompts", false), ("tools", false), ("skills", false),
            ("models_import", false), ("models_export", false), ("models_hidden", false), ("prompts_import", false),
            ("prompts_export", false), ("tools_import", false), ("tools_export", false), ("skills_import", false),
            ("skills_export", false),
        ],
    ),
    (
        "sharing",
        &[
            ("models", false), ("public_models", false), ("knowledge", false), ("public_knowledge", false),
            ("prompts", false), ("public_prompts", false), ("tools", false), ("public_tools", false), ("skills", false),
            ("public_skills", false), ("notes", false), ("public_notes", false), ("folders", false),
            ("public_chats", false), ("open_chats", false), ("public_calendars", false),
        ],
    ),
    ("access_grants", &[("allow_users", true), ("allow_groups", true)]),
    (
        "chat",
        &[
            ("controls", true), ("valves", true), ("system_prompt", true), ("params", true), ("file_upload", true),
            ("web_upload", true), ("delete", true), ("delete_message", true), ("continue_response", true),
            ("regenerate_response", true), ("rate_response", true), ("edit", true), ("share", true), ("export", true),
            ("import", true), ("stt", true), ("tts", true), ("call", true), ("multiple_models", true),
            ("temporary", true), ("temporary_enforced", false),
        ],
    ),
    (
        "features",
        &[
            ("api_keys", false), ("notes", true), ("channels", true), ("encrypted_channels", false), ("folders", true),
            ("direct_tool_servers", false), ("web_search", true), ("image_generation", true),
            ("code_interpreter", true), ("memories", true), ("automations", false), ("calendar", true),
            ("webhooks", false),
        ],
    ),
    ("settings", &[("interface", true)]),
];

/// Pydantic's lax `bool`: `Ok(None)` when the value cannot be one (with the error type).
fn lax_bool(v: &Value) -> Result<bool, &'static str> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_i64() == Some(0) || n.as_f64() == Some(0.0) => Ok(false),
        Value::Number(n) if n.as_i64() == Some(1) || n.as_f64() == Some(1.0) => Ok(true),
        Value::Number(_) => Err("bool_parsing"),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "1" | "on" | "t" | "true" | "y" | "yes" => Ok(true),
            "0" | "off" | "f" | "false" | "n" | "no" => Ok(false),
            _ => Err("bool_parsing"),
        },
        _ => Err("bool_type"),
    }
}

/// Builds `UserPermissions` from section dicts: known flags (stored values, else the model's
/// default) in model order; errors as pydantic's.
fn permissions_model(src: &Map<String, Value>, loc_prefix: &[&str]) -> Result<Value, Vec<Value>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for (section, fields) in PERMISSION_MODELS {
        let given = src.get(*section).and_then(Value::as_object).cloned().unwrap_or_default();
        let mut m = Map::new();
        for (name, default) in *fields {
            let v = match given.get(*name) {
                None => *default,
                Some(v) => match lax_bool(v) {
                    Ok(b) => b,
                    Err(t) => {
                        let mut loc: Vec<Value> = loc_prefix.iter().map(|s| Value::String(s.to_string())).collect();
                        loc.push(Value::String(section.to_string()));
                        loc.push(Value::String(name.to_string()));
                        let msg = if t == "bool_type" {
                            "Input should be a valid boolean"
                        } else {
                            "Input should be a valid boolean, unable to interpret input"
                        };
                        errors.push(json!({"type": t, "loc": loc, "msg": msg, "input": v}));
                        *default
                    }
                },
            };
            m.insert(name.to_string(), Value::Bool(v));
        }
        out.insert(section.to_string(), Value::Object(m));
    }
    if errors.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(errors)
    }
}

fn only_default(user_id: &str) -> Result<(), Detail> {
    if user_id == "default" {
        Ok(())
    } else {
        Err(Detail::not_found("Not Found"))
    }
}

/// `GET /api/v1/users/default/permissions`.
pub async fn default_permissions_get(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    only_default(user_id)?;
    auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let stored = ctx.setting("user.permissions").unwrap_or(Value::Null);
    let filled = permissions::filled_defaults(ctx, &stored);
    permissions_model(&filled, &[]).map_err(|_| Detail::internal("stored permissions are not valid"))
}

/// `POST /api/v1/users/default/permissions`: validated as `UserPermissions` (six required
/// sections of lax booleans), saved and answered as `model_dump(by_alias=True)`.
pub async fn default_permissions_update(
    rqctx: &Ctx,
    user_id: &str,
    body: FastJson<Shaped<UserPermissions, Map<String, Value>>>,
) -> Result<Value, Detail> {
    only_default(user_id)?;
    auth::require_admin(rqctx).await?;
    let form = body.into_inner()?.into_inner();
    let mut errors = Vec::new();
    for (section, _) in PERMISSION_MODELS.iter() {
        match form.get(*section) {
            None => errors.push(json!({"type": "missing", "loc": ["body", section], "msg": "Field required", "input": form})),
            Some(Value::Object(_)) => {
                let mut one = Map::new();
                one.insert(section.to_string(), form[*section].clone());
                if let Err(e) = permissions_model(&one, &["body"]) {
                    errors.extend(e);
                }
            }
            // What the reference answers (seen in compat): pydantic's attribute-model wording.
            Some(v) => errors.push(json!({
                "type": "model_attributes_type", "loc": ["body", section],
                "msg": "Input should be a valid dictionary or object to extract fields from", "input": v,
            })),
        }
    }
    if !errors.is_empty() {
        return Err(Detail::validation(errors));
    }
    let value = permissions_model(&form, &["body"]).map_err(Detail::validation)?;
    let ctx = rqctx.context();
    crate::settings::write(ctx, &[("user.permissions", value.clone())]).await.map_err(db_err)?;
    Ok(value)
}

/// `GET /api/v1/users/default/permissions/defaults`.
pub async fn default_permissions_defaults(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    only_default(user_id)?;
    auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let base = crate::config::defaults::default_user_permissions(&|n: &str| ctx.config.env_str(n).map(str::to_string));
    permissions_model(base.as_object().expect("object"), &[]).map_err(|_| Detail::internal("defaults are not valid"))
}

/// `GET /api/v1/users/{user_id}/groups` (admin).
pub async fn groups_by_id(rqctx: &Ctx, user_id: &str, include_inherited: &Option<String>) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let inh = query_bool("include_inherited", include_inherited)?;
    groups_response(rqctx.context(), user_id, inh).await
}

/// The stock avatar: `STATIC_DIR/user.png`, else the frontend build's `static/user.png`.
fn stock_avatar(ctx: &ServerContext) -> Option<Vec<u8>> {
    let mut candidates = Vec::new();
    if let Some(d) = ctx.config.env_str("STATIC_DIR") {
        candidates.push(std::path::PathBuf::from(d).join("user.png"));
    }
    if let Some(build) = ctx.frontend.build() {
        candidates.extend(build.static_dirs.iter().map(|d| d.join("user.png")));
    }
    if let Some(d) = &ctx.config.frontend_build_dir {
        candidates.push(d.join("static/user.png"));
    }
    candidates.into_iter().find_map(|p| std::fs::read(p).ok()).or_else(|| Some(STOCK_AVATAR.to_vec()))
}

/// Upstream's `static/user.png`, for when neither directory has it.
const STOCK_AVATAR: &[u8] = include_bytes!("../../assets/user.png");

fn file_response(bytes: Vec<u8>) -> Result<Response<Body>, Detail> {
    Response::builder()
        .status(200)
        .header("content-type", "image/png")
        .header("content-length", bytes.len().to_string())
        .body(Body::from(bytes))
        .map_err(Detail::internal)
}

fn stock_response(ctx: &ServerContext) -> Result<Response<Body>, Detail> {
    match stock_avatar(ctx) {
        Some(b) => file_response(b),
        None => Err(Detail::new(500, "Internal Server Error")),
    }
}

/// `GET /api/v1/users/{user_id}/profile/image`.
pub async fn profile_image(rqctx: &Ctx, user_id: &str) -> Result<Response<Body>, Detail> {
    auth::require_user(rqctx).await?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let u = users::user_by_id(&**client, user_id).await.map_err(db_err)?;
    drop(client);
    let Some(u) = u else { return Err(Detail::bad_request(USER_NOT_FOUND)) };
    let url = u.profile_image_url.as_str();
    if url.starts_with("http") {
        if ctx.config.env_str("ENABLE_PROFILE_IMAGE_URL_FORWARDING").map(|v| v.to_lowercase() == "true").unwrap_or(true) {
            return Response::builder()
                .status(302)
                .header("location", url)
                .header("content-length", "0")
                .body(Body::empty())
                .map_err(Detail::internal);
        }
    } else if url.starts_with("data:image") {
        if let Some((header, data)) = url.split_once(',') {
            if let Some(bytes) = python_b64decode(data) {
                // `header.split(';')[0].lstrip('data:')` strips any of the characters d, a, t, ':'.
                let media = header.split(';').next().unwrap_or("").trim_start_matches(['d', 'a', 't', ':']).to_lowercase();
                let allowed = ctx
                    .config
                    .env_str("PROFILE_IMAGE_ALLOWED_MIME_TYPES")
                    .unwrap_or("image/png,image/jpeg,image/gif,image/webp")
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .any(|t| t == media);
                if !allowed {
                    return stock_response(ctx);
                }
                return Response::builder()
                    .status(200)
                    .header("content-type", media)
                    .header("content-disposition", "inline")
                    .header("x-content-type-options", "nosniff")
                    .body(Body::from(bytes))
                    .map_err(Detail::internal);
            }
        }
    }
    stock_response(ctx)
}

/// Python's `base64.b64decode(s)` (non-validating: characters outside the alphabet are
/// discarded; then the padding must be right).
fn python_b64decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let clean: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')).collect();
    // Data after the first complete padded quantum is ignored by binascii only in strict mode;
    // the lax decoder stops at the first '=' run that completes a quantum.
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    );
    engine.decode(clean.as_bytes()).ok()
}

/// `GET /api/v1/users/{user_id}/active`.
pub async fn active(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    auth::require_user(rqctx).await?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let a = users::is_active(&**client, user_id, now()).await.map_err(db_err)?;
    Ok(json!({"active": a}))
}

/// `GET /api/v1/users/{user_id}/oauth/sessions` (admin): the user's OAuth sessions with their
/// tokens decrypted. A session whose token does not decrypt is deleted, as the reference does.
pub async fn oauth_sessions(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let rows = client
        .query(
            "SELECT id, user_id, provider, token, expires_at, created_at, updated_at FROM oauth_session WHERE user_id = $1",
            &[&user_id],
        )
        .await
        .map_err(db_err)?;
    let mut sessions = vec![];
    for r in &rows {
        let id: String = r.get(0);
        let Some(token) = crate::oauth_sessions::decrypt(&ctx.config, r.get::<_, &str>(3)) else {
            slog::warn!(rqctx.log, "deleting an OAuth session whose token does not decrypt"; "id" => &id);
            client.execute("DELETE FROM oauth_session WHERE id = $1", &[&id]).await.map_err(db_err)?;
            continue;
        };
        sessions.push(json!({
            "id": id, "user_id": r.get::<_, String>(1), "provider": r.get::<_, String>(2), "token": token,
            "expires_at": r.get::<_, Option<i64>>(4), "created_at": r.get::<_, Option<i64>>(5),
            "updated_at": r.get::<_, Option<i64>>(6),
        }));
    }
    if sessions.is_empty() {
        return Err(Detail::bad_request(USER_NOT_FOUND));
    }
    Ok(Value::Array(sessions))
}

/// `POST /api/v1/users/{user_id}/sessions/revoke` (admin).
pub async fn sessions_revoke(rqctx: &Ctx, user_id: &str) -> Result<bool, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    if users::user_by_id(&**client, user_id).await.map_err(db_err)?.is_none() {
        return Err(Detail::not_found("User not found."));
    }
    drop(client);
    if first_user_id(ctx).await?.as_deref() == Some(user_id) && s.user.id != user_id {
        return Err(Detail::forbidden(ACTION_PROHIBITED));
    }
    let client = ctx.db.get().await.map_err(db_err)?;
    users::revoke_sessions(&**client, user_id).await.map_err(db_err)?;
    Ok(true)
}

/// `POST /api/v1/users/{user_id}/update` (admin).
pub async fn update(rqctx: &Ctx, user_id: &str, body: FastJson<UserUpdateForm>) -> Result<Value, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let form = body.into_inner()?;
    if let Some(url) = &form.profile_image_url {
        if !super::auths::valid_image_url(url) {
            return Err(Detail::validation(vec![json!({
                "type": "value_error", "loc": ["body", "profile_image_url"], "msg": "Value error, Invalid profile image URL.",
                "input": url, "ctx": {"error": "Invalid profile image URL."},
            })]));
        }
    }
    let ctx = rqctx.context();
    if let Some(first) = first_user_id(ctx).await? {
        if first == user_id {
            if s.user.id != user_id {
                return Err(Detail::forbidden(ACTION_PROHIBITED));
            }
            if form.role.as_deref().is_some_and(|r| r != "admin") {
                return Err(Detail::forbidden(ACTION_PROHIBITED));
            }
        }
    }
    let mut client = ctx.db.get().await.map_err(db_err)?;
    let Some(user) = users::user_by_id(&**client, user_id).await.map_err(db_err)? else {
        return Err(Detail::bad_request(USER_NOT_FOUND));
    };
    let email = form.email.as_ref().map(|e| e.to_lowercase());
    if let Some(e) = &email {
        if *e != user.email && users::user_by_email(&**client, e).await.map_err(db_err)?.is_some() {
            return Err(Detail::bad_request(EMAIL_TAKEN));
        }
    }
    if let Some(pw) = form.password.as_deref().filter(|p| !p.is_empty()) {
        super::auths::check_new_password(ctx, pw)?;
        let hash = super::auth::password::hash_password(super::auths::hash_algorithm(ctx), pw.to_string()).await.map_err(Detail::internal)?;
        users::set_password(&**client, user_id, &hash).await.map_err(db_err)?;
    }
    let changed = form.role.is_some() || form.name.is_some() || email.is_some() || form.profile_image_url.is_some();
    let updated = if changed {
        users::update_fields(
            &mut client,
            user_id,
            form.role.as_deref(),
            form.name.as_deref(),
            email.as_deref(),
            form.profile_image_url.as_deref(),
        )
        .await
        .map_err(db_err)?
    } else {
        Some(user)
    };
    match updated {
        Some(u) => Ok(Value::Object(user_model(&u))),
        None => Err(Detail::bad_request(super::auths::DEFAULT_ERROR)),
    }
}

/// `GET /api/v1/users/{user_id}/preview` (admin): the resources a user owns or is granted
/// `read` on (directly, to everyone, or through any of their groups, inherited ones included).
pub async fn preview(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let ctx = rqctx.context();
    let client = ctx.db.get().await.map_err(db_err)?;
    let Some(target) = users::user_by_id(&**client, user_id).await.map_err(db_err)? else {
        return Err(Detail::not_found(USER_NOT_FOUND));
    };
    let groups = full_groups_by_members(&**client, &[user_id.to_string()], true).await.map_err(db_err)?;
    let group_ids: Vec<String> = groups.iter().map(|(_, g)| g.id.clone()).collect();
    let mut out = Map::new();
    out.insert("user".into(), json!({"id": target.id, "name": target.name}));
    out.insert("groups".into(), id_names(&groups));
    for (key, table, kind, active_only, order) in [
        ("models", "model", "model", true, ""),
        ("knowledge", "knowledge", "knowledge", false, " ORDER BY r.updated_at DESC"),
        ("tools", "tool", "tool", false, " ORDER BY r.updated_at DESC"),
    ] {
        let active = if active_only { "r.is_active" } else { "true" };
        let sql = format!(
            "SELECT r.id, r.name, r.user_id = $1, EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = '{kind}'
               AND a.resource_id = r.id AND a.permission = 'read' AND ((a.principal_type = 'user' AND a.principal_id IN ('*', $1))
               OR (a.principal_type = 'group' AND a.principal_id = ANY($2)))) FROM {table} r WHERE {active}{order}"
        );
        let rows = client.query(&sql, &[&user_id, &group_ids]).await.map_err(db_err)?;
        let items: Vec<Value> = rows
            .iter()
            .filter(|r| r.get::<_, Option<bool>>(2).unwrap_or(false) || r.get::<_, bool>(3))
            .map(|r| json!({"id": r.get::<_, String>(0), "name": r.get::<_, Option<String>>(1)}))
            .collect();
        out.insert(key.into(), json!({"items": items, "total": rows.len()}));
    }
    Ok(Value::Object(out))
}
