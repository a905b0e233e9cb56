//! The model list (`main.py::get_models` over `utils/models.py::get_all_models` and
//! `get_filtered_models`): the connections' models merged with the workspace's custom models
//! (table `model`), filtered by access grants, in the configured order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::app::auths::valid_image_url;
use crate::app::connections;
use crate::app::session::{permissions as perms, truthy, SessionUser};
use crate::context::ServerContext;
use crate::db::groups::groups_by_member;
use crate::db::models::{self as db, all_models_with_grants, GrantRow, ModelRow, NewGrant};
use crate::error::{Error, Result};
use crate::messages;

/// `DEFAULT_ARENA_MODEL`.
fn default_arena_model() -> Value {
    json!({
        "id": "arena-model",
        "name": "Arena Model",
        "info": {"meta": {
            "profile_image_url": "/favicon.png",
            "description": "Submit your questions to anonymous AI chatbots and vote on the best response.",
            "model_ids": null,
        }},
        "object": "model",
        "created": 0,
        "owned_by": "arena",
        "arena": true,
    })
}

/// `normalize_model_tags`: `[{"name": stripped}]` for each non-blank name or `{"name": ...}`.
pub fn normalize_tags(tags: Option<&Value>) -> Vec<Value> {
    let Some(Value::Array(tags)) = tags else { return Vec::new() };
    tags.iter()
        .filter_map(|t| {
            let name = match t {
                Value::Object(o) => o.get("name"),
                other => Some(other),
            }?;
            let name = name.as_str()?.trim();
            (!name.is_empty()).then(|| json!({"name": name}))
        })
        .collect()
}

/// `strip_extracted_content_from_model_knowledge`.
fn strip_knowledge(v: &Value) -> Value {
    let Value::Array(items) = v else { return v.clone() };
    Value::Array(
        items
            .iter()
            .map(|item| {
                let mut item = item.clone();
                if let Some(Value::Object(d)) = item.get_mut("data") {
                    d.shift_remove("content");
                }
                if let Some(Value::Object(d)) = item.get_mut("file").and_then(|f| f.get_mut("data")) {
                    d.shift_remove("content");
                }
                item
            })
            .collect(),
    )
}

/// `ModelMeta.model_dump()`: the declared fields first (validated), then the others in their
/// stored order. `None` when the reference's validation fails (the row is skipped).
fn meta_dump(meta: &Value) -> Option<Value> {
    let empty = Map::new();
    let m = meta.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    let profile = match m.get("profile_image_url") {
        Some(Value::String(s)) if valid_image_url(s) => json!(s),
        _ => Value::Null,
    };
    out.insert("profile_image_url".into(), profile);
    let background = match m.get("background_image_url") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) if is_file_content_url(s) => json!(s),
        Some(_) => return None,
    };
    out.insert("background_image_url".into(), background);
    for k in ["description", "i18n", "capabilities"] {
        out.insert(k.into(), m.get(k).cloned().unwrap_or(Value::Null));
    }
    out.insert("knowledge".into(), m.get("knowledge").map(strip_knowledge).unwrap_or(Value::Null));
    let voice = match m.get("voice") {
        Some(Value::Object(v)) => json!({"voice": v.get("voice").cloned().unwrap_or(Value::Null)}),
        _ => Value::Null,
    };
    out.insert("voice".into(), voice);
    out.insert("voice_avatar".into(), m.get("voice_avatar").cloned().unwrap_or(Value::Null));
    const DECLARED: [&str; 8] =
        ["profile_image_url", "background_image_url", "description", "i18n", "capabilities", "knowledge", "voice", "voice_avatar"];
    for (k, v) in m {
        if DECLARED.contains(&k.as_str()) {
            continue;
        }
        let v = if k == "tags" { Value::Array(normalize_tags(Some(v))) } else { v.clone() };
        out.insert(k.clone(), v);
    }
    Some(Value::Object(out))
}

/// `/api/v1/files/{uuid}/content` (lower-case hex), the only background image a model may have.
fn is_file_content_url(s: &str) -> bool {
    let Some(id) = s.strip_prefix("/api/v1/files/").and_then(|r| r.strip_suffix("/content")) else { return false };
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// `ModelParams.model_dump()`: `model_controls` first when not empty, then the other keys.
fn params_dump(params: &Value) -> Value {
    let empty = Map::new();
    let p = params.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    if let Some(c) = p.get("model_controls").filter(|c| truthy(Some(c))) {
        out.insert("model_controls".into(), c.clone());
    }
    for (k, v) in p {
        if k != "model_controls" {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// `public_model_params`: the controls' labels and options' labels, and the compaction threshold.
fn public_params(params: &Value) -> Value {
    let mut out = Map::new();
    if let Some(Value::Object(controls)) = params.get("model_controls").filter(|c| truthy(Some(c))) {
        let mut pub_controls = Map::new();
        for (key, control) in controls {
            let mut c = Map::new();
            for f in ["label", "description", "default", "display"] {
                if let Some(v) = control.get(f) {
                    c.insert(f.into(), v.clone());
                }
            }
            let options: Map<String, Value> = control
                .get("options")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, o)| (k.clone(), json!({"label": o.get("label").cloned().unwrap_or(Value::Null)})))
                .collect();
            c.insert("options".into(), Value::Object(options));
            pub_controls.insert(key.clone(), Value::Object(c));
        }
        out.insert("model_controls".into(), Value::Object(pub_controls));
    }
    if let Some(t) = params.get("compact_token_threshold") {
        out.insert("compact_token_threshold".into(), t.clone());
    }
    Value::Object(out)
}

/// `AccessGrantModel.model_dump()`.
fn grant_dump(g: &GrantRow) -> Value {
    json!({
        "id": g.id,
        "resource_type": g.resource_type,
        "resource_id": g.resource_id,
        "principal_type": g.principal_type,
        "principal_id": g.principal_id,
        "permission": g.permission,
        "created_at": g.created_at,
    })
}

/// `ModelModel.model_dump()`; `None` for a row the reference skips (invalid meta).
pub fn model_dump(row: &ModelRow, grants: &[&GrantRow]) -> Option<Value> {
    let mut meta = meta_dump(&row.meta)?;
    if let Some(m) = meta.as_object_mut() {
        m.shift_remove("chat_variables_schema");
    }
    Some(json!({
        "version_id": row.version_id,
        "id": row.id,
        "user_id": row.user_id,
        "base_model_id": row.base_model_id,
        "name": row.name,
        "params": params_dump(&row.params),
        "meta": meta,
        "access_grants": grants.iter().map(|g| grant_dump(g)).collect::<Vec<_>>(),
        "is_active": row.is_active,
        "updated_at": row.updated_at,
        "created_at": row.created_at,
    }))
}

fn obj(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut().expect("an object")
}

/// `utils/models.py::get_all_models`: base models (cached as the reference caches them), arena
/// models, custom models over and beside them, global defaults.
// Not done: function models (pipes), actions and filters (functions are not served yet: every
// model gets empty `actions` and `filters`), and the chat-variables schema of a system prompt.
async fn all_models(ctx: &ServerContext, user: &SessionUser, refresh: bool) -> Result<Vec<Value>> {
    let config = ctx.settings_many(&[
        "models.base_models_cache",
        "evaluation.arena.enable",
        "evaluation.arena.models",
        "models.default_metadata",
        "models.default_params",
    ]);
    if refresh {
        connections::clear_for_refresh(ctx);
    }
    let use_cache = truthy(config.get("models.base_models_cache")) && !refresh;
    let (state_base, models_set) = connections::base_models_state(ctx);
    let base = if use_cache && models_set && !state_base.is_empty() {
        state_base
    } else {
        let fetched = connections::all_base_models(ctx, user).await;
        if !fetched.is_empty() {
            connections::set_base_models(ctx, &fetched);
            fetched
        } else {
            connections::base_models_state(ctx).0
        }
    };
    if base.is_empty() {
        return Ok(Vec::new());
    }
    let mut models: Vec<Value> = base;

    if truthy(config.get("evaluation.arena.enable")) {
        let arena = config.get("evaluation.arena.models").and_then(Value::as_array).filter(|a| !a.is_empty());
        match arena {
            Some(list) => models.extend(list.iter().map(|m| {
                json!({
                    "id": m.get("id").cloned().unwrap_or(Value::Null),
                    "name": m.get("name").cloned().unwrap_or(Value::Null),
                    "info": {"meta": m.get("meta").cloned().unwrap_or(Value::Null)},
                    "object": "model",
                    "created": 0,
                    "owned_by": "arena",
                    "arena": true,
                })
            })),
            None => models.push(default_arena_model()),
        }
    }

    let (rows, grants) = {
        let client = ctx.db.get().await?;
        all_models_with_grants(&**client).await?
    };
    let mut grants_by_model: HashMap<&str, Vec<&GrantRow>> = HashMap::new();
    for g in &grants {
        grants_by_model.entry(g.resource_id.as_str()).or_default().push(g);
    }

    // Ollama base names first, then exact ids (exact wins).
    let mut lookup: HashMap<String, usize> = HashMap::new();
    for (i, m) in models.iter().enumerate() {
        let id = m.get("id").and_then(Value::as_str).unwrap_or("").to_string();
        if m.get("owned_by").and_then(Value::as_str) == Some("ollama") {
            lookup.entry(id.split(':').next().unwrap_or("").to_string()).or_insert(i);
        }
        lookup.insert(id, i);
    }
    let existing: HashSet<String> = models.iter().filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_string)).collect();
    let mut removed = vec![false; models.len()];

    for row in &rows {
        let no_grants = Vec::new();
        let g = grants_by_model.get(row.id.as_str()).unwrap_or(&no_grants);
        let Some(mut info) = model_dump(row, g) else { continue };
        match &row.base_model_id {
            None => {
                let Some(&i) = lookup.get(&row.id) else { continue };
                if !row.is_active {
                    removed[i] = true;
                    continue;
                }
                let model = obj(&mut models[i]);
                let arena_meta = if model.get("arena").is_some_and(|a| truthy(Some(a))) {
                    model.get("info").and_then(|i| i.get("meta")).cloned()
                } else {
                    None
                };
                model.insert("name".into(), json!(row.name));
                if let Some(Value::Object(am)) = arena_meta {
                    let meta = obj(obj(&mut info).entry("meta").or_insert(json!({})));
                    for k in ["access_grants", "model_ids", "filter_mode"] {
                        if let Some(v) = am.get(k) {
                            meta.insert(k.into(), v.clone());
                        }
                    }
                }
                let params = public_params(info.get("params").unwrap_or(&Value::Null));
                obj(&mut info).insert("params".into(), params);
                model.insert("info".into(), info);
                model.insert("action_ids".into(), json!([]));
                model.insert("filter_ids".into(), json!([]));
            }
            Some(base_id) if row.is_active => {
                if existing.contains(&row.id) {
                    continue;
                }
                let base = lookup.get(base_id).or_else(|| lookup.get(base_id.split(':').next().unwrap_or(""))).map(|&i| &models[i]);
                let (mut owned_by, mut connection_type, mut pipe) = (json!("openai"), Value::Null, None);
                let (mut provider, mut loaded) = (None, None);
                if let Some(b) = base {
                    owned_by = b.get("owned_by").cloned().unwrap_or(json!("unknown"));
                    pipe = b.get("pipe").cloned();
                    connection_type = b.get("connection_type").cloned().unwrap_or(Value::Null);
                    provider = b.get("provider").filter(|p| truthy(Some(p))).cloned();
                    loaded = b.get("loaded").filter(|l| !l.is_null()).cloned();
                }
                let mut model = Map::new();
                model.insert("id".into(), json!(row.id));
                model.insert("name".into(), json!(row.name));
                model.insert("object".into(), json!("model"));
                model.insert("created".into(), json!(row.created_at));
                model.insert("owned_by".into(), owned_by);
                model.insert("connection_type".into(), connection_type);
                model.insert("preset".into(), json!(true));
                if let Some(p) = pipe {
                    model.insert("pipe".into(), p);
                }
                if let Some(p) = provider {
                    model.insert("provider".into(), p);
                }
                if let Some(l) = loaded {
                    model.insert("loaded".into(), l);
                }
                let params = public_params(info.get("params").unwrap_or(&Value::Null));
                obj(&mut info).insert("params".into(), params);
                model.insert("info".into(), info);
                model.insert("action_ids".into(), json!([]));
                model.insert("filter_ids".into(), json!([]));
                models.push(Value::Object(model));
                removed.push(false);
            }
            Some(_) => {}
        }
    }
    let mut models: Vec<Value> = models.into_iter().zip(removed).filter(|(_, r)| !r).map(|(m, _)| m).collect();

    if let Some(Value::Object(defaults)) = config.get("models.default_metadata").filter(|d| truthy(Some(d))) {
        for model in models.iter_mut() {
            let model = obj(model);
            match model.get_mut("info") {
                None => {
                    model.insert("info".into(), json!({"meta": defaults}));
                }
                Some(info) => {
                    let meta = obj(obj(info).entry("meta").or_insert(json!({})));
                    for (k, v) in defaults {
                        if k == "capabilities" {
                            let mut caps = v.as_object().cloned().unwrap_or_default();
                            if let Some(Value::Object(existing)) = meta.get("capabilities") {
                                for (ck, cv) in existing {
                                    caps.insert(ck.clone(), cv.clone());
                                }
                            }
                            meta.insert("capabilities".into(), Value::Object(caps));
                        } else if meta.get(k).is_none_or(Value::is_null) {
                            meta.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
        }
    }
    let threshold = config.get("models.default_params").and_then(|p| p.get("compact_token_threshold")).filter(|t| !t.is_null()).cloned();
    for model in models.iter_mut() {
        let model = obj(model);
        if let Some(t) = &threshold {
            let mut info = model.get("info").and_then(Value::as_object).cloned().unwrap_or_default();
            let mut params = Map::new();
            params.insert("compact_token_threshold".into(), t.clone());
            if let Some(Value::Object(p)) = info.get("params") {
                for (k, v) in p {
                    params.insert(k.clone(), v.clone());
                }
            }
            info.insert("params".into(), Value::Object(params));
            model.insert("info".into(), Value::Object(info));
        }
        model.shift_remove("action_ids");
        model.shift_remove("filter_ids");
        model.insert("actions".into(), json!([]));
        model.insert("filters".into(), json!([]));
    }
    connections::set_models_registry(ctx, !models.is_empty());
    remember(ctx, &models);
    Ok(models)
}

/// `BYPASS_MODEL_ACCESS_CONTROL` (default false) and `BYPASS_ADMIN_ACCESS_CONTROL` (alias
/// `ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS`, default true).
fn bypasses(ctx: &ServerContext) -> (bool, bool) {
    let model = ctx.config.env_bool("BYPASS_MODEL_ACCESS_CONTROL", false);
    let legacy = ctx.config.env_bool("ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS", true);
    (model, ctx.config.env_bool("BYPASS_ADMIN_ACCESS_CONTROL", legacy))
}

/// Whether one of `grants` gives `read` to the user (`has_access` over a list of grants).
fn granted(grants: &Value, user_id: &str, groups: &HashSet<String>) -> bool {
    grants.as_array().into_iter().flatten().any(|g| {
        let field = |k: &str| g.get(k).and_then(Value::as_str).unwrap_or("");
        field("permission") == "read"
            && match field("principal_type") {
                "user" => field("principal_id") == "*" || field("principal_id") == user_id,
                "group" => groups.contains(field("principal_id")),
                _ => false,
            }
    })
}

/// `utils/models.py::get_filtered_models`: a user (and an admin without the admin bypass) sees
/// the models with a workspace entry they own or have a `read` grant on (directly, through a
/// group or its ancestors, or public); an admin also sees the models without an entry.
async fn filtered(ctx: &ServerContext, user: &SessionUser, models: Vec<Value>) -> Result<Vec<Value>> {
    let (bypass_model, bypass_admin) = bypasses(ctx);
    let role = user.user.role.as_str();
    if !((role == "user" || (role == "admin" && !bypass_admin)) && !bypass_model) {
        return Ok(models);
    }
    let client = ctx.db.get().await?;
    let groups: HashSet<String> = groups_by_member(&**client, &user.user.id, true).await?.into_iter().map(|g| g.id).collect();
    drop(client);
    let uid = user.user.id.as_str();
    Ok(models
        .into_iter()
        .filter(|m| {
            let info = m.get("info").filter(|i| truthy(Some(i)));
            if m.get("arena").is_some_and(|a| truthy(Some(a))) {
                let grants = m.get("info").and_then(|i| i.get("meta")).and_then(|x| x.get("access_grants")).cloned().unwrap_or(json!([]));
                let none = grants.as_array().is_none_or(Vec::is_empty);
                return (none && role == "admin") || granted(&grants, uid, &groups);
            }
            match info {
                Some(info) => {
                    info.get("user_id").and_then(Value::as_str) == Some(uid)
                        || granted(info.get("access_grants").unwrap_or(&Value::Null), uid, &groups)
                }
                None => role == "admin",
            }
        })
        .collect())
}

/// `GET /api/models` (and `/api/v1/models`): `{"data": [models]}`.
pub async fn list(ctx: &ServerContext, user: &SessionUser, refresh: bool) -> Result<Value> {
    let all = all_models(ctx, user, refresh).await?;
    // Filter pipelines out, then one model per id (the last one, at the first one's place).
    let mut by_id: Map<String, Value> = Map::new();
    for m in all {
        if m.get("pipeline").and_then(|p| p.get("type")).and_then(Value::as_str) == Some("filter") {
            continue;
        }
        let id = m.get("id").map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).unwrap_or_default();
        by_id.insert(id, m);
    }
    let mut models = filtered(ctx, user, by_id.into_iter().map(|(_, v)| v).collect()).await?;
    for model in models.iter_mut() {
        let model = obj(model);
        let mut tags = Vec::new();
        if let Some(Value::Object(info)) = model.get_mut("info") {
            if let Some(Value::Object(meta)) = info.get_mut("meta") {
                meta.shift_remove("profile_image_url");
                if meta.contains_key("tags") {
                    let t = normalize_tags(meta.get("tags"));
                    meta.insert("tags".into(), Value::Array(t));
                }
                tags = normalize_tags(meta.get("tags"));
            }
        }
        tags.extend(normalize_tags(model.get("tags")));
        let mut by_name: Map<String, Value> = Map::new();
        for t in tags {
            let name = t["name"].as_str().unwrap_or("").to_string();
            by_name.insert(name, t);
        }
        model.insert("tags".into(), Value::Array(by_name.into_iter().map(|(_, v)| v).collect()));
    }
    if let Some(Value::Array(order)) = ctx.setting("ui.model_order_list").filter(|o| truthy(Some(o))) {
        let mut rank: HashMap<String, usize> = HashMap::new();
        for (i, id) in order.iter().enumerate() {
            // A later duplicate wins, as in the reference's dict.
            rank.insert(id.as_str().map(str::to_string).unwrap_or_else(|| id.to_string()), i);
        }
        let key = |m: &Value| {
            let r = m.get("id").and_then(Value::as_str).and_then(|id| rank.get(id)).copied();
            let name = m.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            (r.is_none(), r.unwrap_or(0), name)
        };
        models.sort_by_cached_key(key);
    }
    Ok(json!({"data": models}))
}

/// `GET /api/models/base` (admin): `{"data": [the connections' models]}`.
pub async fn base(ctx: &ServerContext, user: &SessionUser) -> Result<Value> {
    Ok(json!({"data": connections::all_base_models(ctx, user).await}))
}

// ---- /api/v1/models: the workspace models (routers/models.py) ----

/// The user's groups, inherited ones included (`get_groups_by_member_id(..., include_inherited=True)`).
async fn group_ids(ctx: &ServerContext, user_id: &str) -> Result<HashSet<String>> {
    let client = ctx.db.get().await?;
    Ok(groups_by_member(&**client, user_id, true).await?.into_iter().map(|g| g.id).collect())
}

/// `AccessGrants.has_access` over a model's grants.
fn has_grant(grants: &[GrantRow], user_id: &str, groups: &HashSet<String>, permission: &str) -> bool {
    grants.iter().any(|g| {
        g.permission == permission
            && match g.principal_type.as_str() {
                "user" => g.principal_id == "*" || g.principal_id == user_id,
                "group" => groups.contains(&g.principal_id),
                _ => false,
            }
    })
}

/// `normalize_access_grants`: valid grants only, one per (type, id, permission).
fn normalize_grants(grants: &[Map<String, Value>]) -> Vec<NewGrant> {
    let mut out: Vec<NewGrant> = Vec::new();
    for g in grants {
        let s = |k: &str| g.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let (ptype, pid, perm) = (s("principal_type"), s("principal_id"), s("permission"));
        if !matches!(ptype.as_str(), "user" | "group" | "anyone") || !matches!(perm.as_str(), "read" | "write") || pid.is_empty() {
            continue;
        }
        if ptype == "anyone" && (pid != "*" || perm != "read") {
            continue;
        }
        let key = (ptype, pid, perm);
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// `filter_allowed_access_grants(..., resource_type='model')`: no `anyone` grants; a user needs
/// `sharing.models`, and `sharing.public_models` / `access_grants.allow_users` /
/// `access_grants.allow_groups` for each audience.
async fn allowed_grants(ctx: &ServerContext, user: &SessionUser, grants: Vec<NewGrant>) -> Result<Vec<NewGrant>> {
    let grants: Vec<NewGrant> = grants.into_iter().filter(|g| g.0 != "anyone").collect();
    if user.is_admin() || grants.is_empty() {
        return Ok(grants);
    }
    let p = perms::of_session(ctx, user).await?;
    let allowed = |section: &str, name: &str| truthy(p.get(section).and_then(|s| s.get(name)));
    if !allowed("sharing", "models") {
        return Ok(Vec::new());
    }
    Ok(grants
        .into_iter()
        .filter(|(t, id, _)| match (t.as_str(), id.as_str()) {
            ("user", "*") => allowed("sharing", "public_models"),
            ("user", _) => allowed("access_grants", "allow_users"),
            ("group", _) => allowed("access_grants", "allow_groups"),
            _ => false,
        })
        .collect())
}

fn dump(row: &ModelRow, grants: &[GrantRow]) -> Value {
    let refs: Vec<&GrantRow> = grants.iter().collect();
    model_dump(row, &refs).unwrap_or(Value::Null)
}

async fn load(ctx: &ServerContext, id: &str) -> Result<Option<(ModelRow, Vec<GrantRow>)>> {
    let client = ctx.db.get().await?;
    Ok(db::model_by_id(&**client, id).await?)
}

/// `is_valid_model_id`: 1 to 256 characters, no white space.
fn valid_model_id(id: &str) -> bool {
    !id.is_empty() && id.chars().count() <= 256 && !id.chars().any(char::is_whitespace)
}

/// What a create needs besides the form's own fields.
pub struct NewModel {
    pub commit_message: Option<String>,
    pub id: String,
    pub base_model_id: Option<String>,
    pub name: String,
    pub meta: Map<String, Value>,
    pub params: Map<String, Value>,
    pub access_grants: Option<Vec<Map<String, Value>>>,
    pub is_active: bool,
}

/// `routers/models.py::create_new_model`.
// Not done: the knowledge-file, background-image and voice-avatar ownership checks (files are not
// served yet) and the model-controls provider check.
pub async fn create(ctx: &ServerContext, user: &SessionUser, form: NewModel) -> Result<Value> {
    if !user.is_admin() {
        let p = perms::of_session(ctx, user).await?;
        if !truthy(p.get("workspace").and_then(|w| w.get("models"))) {
            return Err(Error::unauthorized(messages::UNAUTHORIZED));
        }
    }
    insert_new(ctx, user, form).await
}

/// [`create`] past its permission check (the import's new models).
async fn insert_new(ctx: &ServerContext, user: &SessionUser, mut form: NewModel) -> Result<Value> {
    if !valid_model_id(&form.id) {
        return Err(Error::bad_request(messages::MODEL_ID_TOO_LONG));
    }
    if form.base_model_id.as_deref() == Some(form.id.as_str()) {
        form.base_model_id = None;
    }
    if load(ctx, &form.id).await?.is_some() {
        return Err(Error::unauthorized(messages::MODEL_ID_TAKEN));
    }
    if !user.is_admin() {
        if form.base_model_id.as_deref().is_none_or(str::is_empty) {
            return Err(Error::unauthorized(messages::UNAUTHORIZED));
        }
        // The id may not shadow a provider's model (nor an Ollama model's base name).
        for m in all_models(ctx, user, false).await? {
            let Some(id) = m.get("id").and_then(Value::as_str).filter(|i| !i.is_empty()) else { continue };
            if m.get("preset").is_some_and(|p| truthy(Some(p))) {
                continue;
            }
            let ollama = m.get("owned_by").and_then(Value::as_str) == Some("ollama");
            if form.id == id || (ollama && form.id == id.split(':').next().unwrap_or("")) {
                return Err(Error::unauthorized(messages::MODEL_ID_TAKEN));
            }
        }
    }
    let grants = match &form.access_grants {
        Some(g) if !g.is_empty() => allowed_grants(ctx, user, normalize_grants(g)).await?,
        _ => Vec::new(),
    };
    let Some(mut meta) = meta_dump(&Value::Object(form.meta.clone())) else {
        return Err(Error::bad_request("Invalid background image URL: must reference an internal file."));
    };
    obj(&mut meta).shift_remove("chat_variables_schema");
    let params = params_dump(&Value::Object(form.params.clone()));
    let mut snapshot_meta = meta.clone();
    obj(&mut snapshot_meta).shift_remove("hidden");
    let snapshot = json!({"name": form.name, "base_model_id": form.base_model_id, "params": params, "meta": snapshot_meta});
    let now = crate::app::session::now();
    let row = ModelRow {
        id: form.id.clone(),
        user_id: user.user.id.clone(),
        base_model_id: form.base_model_id.clone(),
        name: form.name.clone(),
        params,
        meta,
        version_id: Some(uuid::Uuid::new_v4().to_string()),
        is_active: form.is_active,
        updated_at: now,
        created_at: now,
    };
    let inserted = {
        let mut client = ctx.db.get().await?;
        db::insert_model(&mut client, &row, &snapshot, form.commit_message.as_deref(), &grants).await?
    };
    if !inserted {
        return Err(Error::unauthorized(messages::MODEL_ID_TAKEN));
    }
    let (row, grants) = load(ctx, &form.id).await?.ok_or_else(|| Error::internal("a created model is gone"))?;
    Ok(dump(&row, &grants))
}

/// `routers/models.py::get_model_by_id`: `ModelAccessResponse` (`user` null, `write_access`);
/// a reader gets empty `params`.
pub async fn get(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<Value> {
    let Some((row, grants)) = load(ctx, id).await? else { return Err(Error::not_found(messages::NOT_FOUND)) };
    let groups = group_ids(ctx, &user.user.id).await?;
    let (_, bypass_admin) = bypasses(ctx);
    let uid = user.user.id.as_str();
    let write = (user.is_admin() && bypass_admin) || row.user_id == uid || has_grant(&grants, uid, &groups, "write");
    if !write && !has_grant(&grants, uid, &groups, "read") {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    let mut v = dump(&row, &grants);
    let o = obj(&mut v);
    if !write {
        o.insert("params".into(), json!({}));
    }
    o.insert("user".into(), Value::Null);
    o.insert("write_access".into(), json!(write));
    Ok(v)
}

/// Whether the user may change a model: admin, owner or a `write` grant.
async fn may_write(ctx: &ServerContext, user: &SessionUser, row: &ModelRow, grants: &[GrantRow]) -> Result<bool> {
    if user.is_admin() || row.user_id == user.user.id {
        return Ok(true);
    }
    let groups = group_ids(ctx, &user.user.id).await?;
    Ok(has_grant(grants, &user.user.id, &groups, "write"))
}

/// `routers/models.py::toggle_model_by_id`.
pub async fn toggle(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<Value> {
    let Some((row, grants)) = load(ctx, id).await? else { return Err(Error::unauthorized(messages::NOT_FOUND)) };
    if !may_write(ctx, user, &row, &grants).await? {
        return Err(Error::unauthorized(messages::UNAUTHORIZED));
    }
    {
        let client = ctx.db.get().await?;
        db::toggle(&**client, id, crate::app::session::now()).await?;
    }
    let (row, grants) = load(ctx, id).await?.ok_or_else(|| Error::bad_request("Error updating function"))?;
    Ok(dump(&row, &grants))
}

/// `routers/models.py::update_model_access_by_id`.
pub async fn update_access(
    ctx: &ServerContext,
    user: &SessionUser,
    id: &str,
    name: Option<&str>,
    grants: &[Map<String, Value>],
) -> Result<Value> {
    let (row, current) = match load(ctx, id).await? {
        Some(found) => found,
        None => {
            if !user.is_admin() {
                return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
            }
            let form = NewModel {
                commit_message: None,
                id: id.to_string(),
                base_model_id: None,
                name: name.filter(|n| !n.is_empty()).unwrap_or(id).to_string(),
                meta: Map::new(),
                params: Map::new(),
                access_grants: None,
                is_active: true,
            };
            create(ctx, user, form).await?;
            load(ctx, id).await?.ok_or_else(|| Error::internal("a created model is gone"))?
        }
    };
    if !may_write(ctx, user, &row, &current).await? {
        return Err(Error::bad_request(messages::ACCESS_PROHIBITED));
    }
    let normalized = normalize_grants(grants);
    let allowed = allowed_grants(ctx, user, normalized.clone()).await?;
    if allowed.len() != normalized.len() {
        return Err(Error::forbidden(messages::SHARE_AUDIENCE_FORBIDDEN));
    }
    {
        let mut client = ctx.db.get().await?;
        db::set_grants(&mut client, id, &allowed, crate::app::session::now()).await?;
    }
    let (row, grants) = load(ctx, id).await?.ok_or_else(|| Error::not_found(messages::NOT_FOUND))?;
    Ok(dump(&row, &grants))
}

/// `routers/models.py::delete_model_by_id`.
pub async fn delete(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<bool> {
    let Some((row, grants)) = load(ctx, id).await? else { return Err(Error::unauthorized(messages::NOT_FOUND)) };
    if !may_write(ctx, user, &row, &grants).await? {
        return Err(Error::unauthorized(messages::UNAUTHORIZED));
    }
    let mut client = ctx.db.get().await?;
    db::delete_models(&mut client, Some(&[id.to_string()])).await?;
    Ok(true)
}

/// `routers/models.py::delete_all_models` (admin).
pub async fn delete_all(ctx: &ServerContext) -> Result<bool> {
    let mut client = ctx.db.get().await?;
    db::delete_models(&mut client, None).await?;
    Ok(true)
}

/// The workspace rows with their grants, optionally only base-model entries or presets.
async fn rows(ctx: &ServerContext) -> Result<(Vec<ModelRow>, HashMap<String, Vec<GrantRow>>)> {
    let (rows, grants) = {
        let client = ctx.db.get().await?;
        all_models_with_grants(&**client).await?
    };
    let mut by_model: HashMap<String, Vec<GrantRow>> = HashMap::new();
    for g in grants {
        by_model.entry(g.resource_id.clone()).or_default().push(g);
    }
    Ok((rows, by_model))
}

/// `GET /api/v1/models/all` (admin): every row (a row the reference cannot read is skipped).
pub async fn all_records(ctx: &ServerContext) -> Result<Value> {
    let (rows, grants) = rows(ctx).await?;
    let none = Vec::new();
    Ok(Value::Array(rows.iter().filter_map(|r| model_dump(r, &grants.get(&r.id).unwrap_or(&none).iter().collect::<Vec<_>>())).collect()))
}

/// Whether a model's `meta.tags` names `tag` (`_meta_has_tag`).
fn has_tag(meta: &Value, tag: &str) -> bool {
    meta.get("tags").and_then(Value::as_array).into_iter().flatten().any(|t| tag_name(t).as_deref() == Some(tag))
}

/// A stored tag's name: `tag.get('name')` for an object, else `str(tag)`.
fn tag_name(t: &Value) -> Option<String> {
    match t {
        Value::Object(o) => o.get("name").and_then(|n| n.as_str().map(str::to_string).or_else(|| (!n.is_null()).then(|| n.to_string()))),
        Value::String(s) => Some(s.clone()),
        Value::Null => Some("None".into()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
        other => Some(other.to_string()),
    }
}

/// `GET /api/v1/models/base` (admin): the entries without a base model, by tag.
pub async fn base_records(ctx: &ServerContext, tag: Option<&str>) -> Result<Value> {
    let (rows, grants) = rows(ctx).await?;
    let none = Vec::new();
    Ok(Value::Array(
        rows.iter()
            .filter(|r| r.base_model_id.is_none())
            .filter(|r| tag.filter(|t| !t.is_empty()).is_none_or(|t| has_tag(&r.meta, t)))
            .filter_map(|r| model_dump(r, &grants.get(&r.id).unwrap_or(&none).iter().collect::<Vec<_>>()))
            .collect(),
    ))
}

/// `Models.get_all_tags`, sorted: the tags of base-model entries (admin) or of the presets the
/// user may read (everything for an admin with the admin bypass).
pub async fn tags(ctx: &ServerContext, user: &SessionUser, base: bool) -> Result<Vec<String>> {
    let (rows, grants) = rows(ctx).await?;
    let (_, bypass_admin) = bypasses(ctx);
    let every = base || (user.is_admin() && bypass_admin);
    let groups = if every { HashSet::new() } else { group_ids(ctx, &user.user.id).await? };
    let none = Vec::new();
    let mut out: Vec<String> = rows
        .iter()
        .filter(|r| r.base_model_id.is_none() == base)
        .filter(|r| every || r.user_id == user.user.id || has_grant(grants.get(&r.id).unwrap_or(&none), &user.user.id, &groups, "read"))
        .flat_map(|r| r.meta.get("tags").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|t| tag_name(&t))
        .filter(|n| !n.is_empty())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    out.sort();
    Ok(out)
}

/// What `GET /api/v1/models/model/profile/image` answers.
#[derive(Debug)]
pub enum ModelImage {
    /// 302 to this location.
    Redirect(String),
    /// A `data:` URL's image, inline, with the model's `updated_at` as its ETag.
    Inline { media: String, bytes: Vec<u8>, etag: Option<i64> },
}

/// `_safe_static_redirect_path`: a `/static/...` path (decoded at most twice, normalised), else `None`.
fn safe_static_path(url: &str) -> Option<String> {
    let decode = |p: &str| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned();
    let mut path = url.split('?').next().unwrap_or("").split('#').next().unwrap_or("").trim().to_string();
    for _ in 0..2 {
        let d = decode(&path);
        if d == path {
            break;
        }
        path = d;
    }
    if decode(&path) != path || path.contains('\0') || path.contains('\\') || !path.starts_with('/') {
        return None;
    }
    // posixpath.normpath: two leading slashes are kept, three or more become one.
    let lead = if path.starts_with("//") && !path.starts_with("///") { "//" } else { "/" };
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let normalized = format!("{lead}{}", parts.join("/"));
    if normalized == "/" || !(normalized == "/static" || normalized.starts_with("/static/")) {
        return None;
    }
    Some(if normalized == "/static" { "/static/".into() } else { normalized })
}

/// Python's lax `base64.b64decode`: characters outside the alphabet are dropped first.
fn b64decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let clean: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')).collect();
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}

/// `routers/models.py::get_model_profile_image`.
// Not done: arena models' images from `evaluation.arena.models`.
pub async fn profile_image(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<ModelImage> {
    const FALLBACK: &str = "/static/favicon.png";
    let (bypass_model, bypass_admin) = bypasses(ctx);
    let bypass = bypass_model || (user.is_admin() && bypass_admin);
    let mut url = None;
    let mut updated_at = None;
    if let Some((row, grants)) = load(ctx, id).await? {
        let readable = bypass || row.user_id == user.user.id || {
            let groups = group_ids(ctx, &user.user.id).await?;
            has_grant(&grants, &user.user.id, &groups, "read")
        };
        if readable {
            url = row.meta.get("profile_image_url").and_then(Value::as_str).filter(|u| !u.is_empty()).map(str::to_string);
            updated_at = Some(row.updated_at).filter(|t| *t != 0);
        }
    }
    let Some(url) = url else { return Ok(ModelImage::Redirect(FALLBACK.into())) };
    if url.starts_with("http") {
        if ctx.config.env_bool("ENABLE_PROFILE_IMAGE_URL_FORWARDING", true) {
            return Ok(ModelImage::Redirect(url));
        }
    } else if url.starts_with("data:image") {
        if let Some((header, data)) = url.split_once(',') {
            if let Some(bytes) = b64decode(data) {
                let media = header.split(';').next().unwrap_or("").trim_start_matches(['d', 'a', 't', ':']).to_lowercase();
                let allowed = ctx
                    .config
                    .env_str("PROFILE_IMAGE_ALLOWED_MIME_TYPES")
                    .unwrap_or("image/png,image/jpeg,image/gif,image/webp")
                    .split(',')
                    .map(str::trim)
                    .any(|t| !t.is_empty() && t == media);
                if !allowed {
                    return Ok(ModelImage::Redirect(FALLBACK.into()));
                }
                return Ok(ModelImage::Inline { media, bytes, etag: updated_at });
            }
        }
    } else if let Some(p) = safe_static_path(&url) {
        return Ok(ModelImage::Redirect(p));
    }
    Ok(ModelImage::Redirect(FALLBACK.into()))
}

/// `model_snapshot`: name, base model, params and meta (without `hidden` and the chat-variables
/// schema), compared as dicts.
fn snapshot(name: &str, base_model_id: Option<&str>, params: &Value, meta: &Value) -> Value {
    let mut meta = meta.clone();
    obj(&mut meta).shift_remove("hidden");
    obj(&mut meta).shift_remove("chat_variables_schema");
    json!({"name": name, "base_model_id": base_model_id, "params": params, "meta": meta})
}

/// `routers/models.py::update_model_by_id`, with the form as sent (which fields were given
/// matters): a new history version when the configuration changed; grants are not touched.
// Not done: the knowledge-file, background-image and voice-avatar ownership checks.
pub async fn update(ctx: &ServerContext, user: &SessionUser, form: &Map<String, Value>) -> Result<Value> {
    let id = form.get("id").and_then(Value::as_str).unwrap_or("").to_string();
    let Some((current, grants)) = load(ctx, &id).await? else { return Err(Error::unauthorized(messages::NOT_FOUND)) };
    if !may_write(ctx, user, &current, &grants).await? {
        return Err(Error::bad_request(messages::ACCESS_PROHIBITED));
    }
    let mut base_model_id = match form.get("base_model_id") {
        None => current.base_model_id.clone(),
        Some(v) => v.as_str().map(str::to_string),
    };
    if base_model_id.as_deref() == Some(id.as_str()) {
        base_model_id = None;
    }
    if !user.is_admin() && current.base_model_id.is_some() && base_model_id.as_deref().is_none_or(str::is_empty) {
        return Err(Error::unauthorized(messages::UNAUTHORIZED));
    }
    let mut meta_in = form.get("meta").and_then(Value::as_object).cloned().unwrap_or_default();
    let current_meta = meta_dump(&current.meta).unwrap_or(json!({}));
    for k in ["profile_image_url", "voice_avatar", "background_image_url"] {
        if !meta_in.contains_key(k) {
            meta_in.insert(k.into(), current_meta.get(k).cloned().unwrap_or(Value::Null));
        }
    }
    let Some(mut meta) = meta_dump(&Value::Object(meta_in)) else {
        return Err(Error::bad_request("Invalid background image URL: must reference an internal file."));
    };
    obj(&mut meta).shift_remove("chat_variables_schema");
    let mut params_in = form.get("params").and_then(Value::as_object).cloned().unwrap_or_default();
    if !params_in.contains_key("model_controls") {
        if let Some(old) = current.params.get("model_controls").filter(|c| truthy(Some(c))) {
            params_in.insert("model_controls".into(), old.clone());
        }
    }
    let params = params_dump(&Value::Object(params_in));
    let name = form.get("name").and_then(Value::as_str).unwrap_or("").to_string();
    let new_snapshot = snapshot(&name, base_model_id.as_deref(), &params, &meta);
    let previous = snapshot(&current.name, current.base_model_id.as_deref(), &params_dump(&current.params), &current_meta);
    let now = crate::app::session::now();
    let history_id = uuid::Uuid::new_v4().to_string();
    let changed = new_snapshot != previous;
    let row = ModelRow {
        id: id.clone(),
        user_id: current.user_id.clone(),
        base_model_id,
        name,
        params,
        meta,
        version_id: if changed { Some(history_id.clone()) } else { current.version_id.clone() },
        is_active: match form.get("is_active") {
            Some(Value::Bool(b)) => *b,
            _ => current.is_active,
        },
        updated_at: now,
        created_at: current.created_at,
    };
    let commit_message = form.get("commit_message").and_then(Value::as_str);
    let history = changed.then(|| db::HistoryEntry {
        id: &history_id,
        parent_id: current.version_id.as_deref(),
        snapshot: &new_snapshot,
        user_id: &user.user.id,
        commit_message,
        created_at: now,
    });
    let written = {
        let mut client = ctx.db.get().await?;
        db::update_model(&mut client, &row, current.version_id.as_deref(), history).await?
    };
    if !written {
        return Err(Error::Answer(Box::new(webui_api::Detail::new(409, json!({"code": "version_conflict"})))));
    }
    let (row, grants) = load(ctx, &id).await?.ok_or_else(|| Error::unauthorized(messages::NOT_FOUND))?;
    Ok(dump(&row, &grants))
}

/// `authorized_model_history`: the owner, an admin (with the admin bypass) or a writer.
async fn history_allowed(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<()> {
    let Some((row, grants)) = load(ctx, id).await? else { return Err(Error::not_found(messages::NOT_FOUND)) };
    let (_, bypass_admin) = bypasses(ctx);
    if row.user_id == user.user.id || (user.is_admin() && bypass_admin) {
        return Ok(());
    }
    let groups = group_ids(ctx, &user.user.id).await?;
    if has_grant(&grants, &user.user.id, &groups, "write") {
        return Ok(());
    }
    Err(Error::forbidden(messages::ACCESS_PROHIBITED))
}

fn history_json(h: &db::HistoryRow, with_snapshot: bool) -> Value {
    let mut v = json!({
        "id": h.id,
        "model_id": h.model_id,
        "parent_id": h.parent_id,
        "user_id": h.user_id,
        "commit_message": h.commit_message,
        "created_at": h.created_at,
        "user": h.author.as_ref().filter(|n| !n.is_empty()).map(|n| json!({"name": n})),
    });
    if with_snapshot {
        obj(&mut v).insert("snapshot".into(), h.snapshot.clone());
    }
    v
}

/// `GET /api/v1/models/model/history?id=&page=`.
pub async fn history(ctx: &ServerContext, user: &SessionUser, id: &str, page: i64) -> Result<Value> {
    history_allowed(ctx, user, id).await?;
    let client = ctx.db.get().await?;
    let rows = db::history_page(&**client, id, page).await?;
    Ok(Value::Array(rows.iter().map(|h| history_json(h, false)).collect()))
}

/// `GET /api/v1/models/model/history/{history_id}?id=`.
pub async fn history_entry(ctx: &ServerContext, user: &SessionUser, id: &str, history_id: &str) -> Result<Value> {
    history_allowed(ctx, user, id).await?;
    let client = ctx.db.get().await?;
    match db::history_entry(&**client, id, history_id).await? {
        Some(h) => Ok(history_json(&h, true)),
        None => Err(Error::not_found("Model version not found")),
    }
}

/// `DELETE /api/v1/models/model/history/{history_id}?id=`.
pub async fn delete_history_entry(ctx: &ServerContext, user: &SessionUser, id: &str, history_id: &str) -> Result<bool> {
    history_allowed(ctx, user, id).await?;
    let mut client = ctx.db.get().await?;
    match db::delete_history_entry(&mut client, id, history_id).await? {
        db::HistoryDelete::Deleted => Ok(true),
        db::HistoryDelete::Current => Err(Error::bad_request("Cannot delete the current version")),
        db::HistoryDelete::Missing => Err(Error::not_found("Model version not found")),
    }
}

/// The query of `GET /api/v1/models/list`.
pub struct ListQuery {
    pub query: Option<String>,
    pub view_option: Option<String>,
    pub tag: Option<String>,
    pub order_by: Option<String>,
    pub direction: Option<String>,
    pub page: i64,
}

/// `routers/models.py::get_models` (`/list`): 30 presets a page that the caller may read (all
/// of them for an admin with the admin bypass), with their owner and the caller's
/// `write_access`; readers get empty `params`; no `profile_image_url`.
pub async fn list_page(ctx: &ServerContext, user: &SessionUser, q: &ListQuery) -> Result<Value> {
    const LIMIT: i64 = 30;
    let page = q.page.max(1);
    let skip = (page - 1).saturating_mul(LIMIT);
    let client = ctx.db.get().await?;
    let groups: Vec<String> = groups_by_member(&**client, &user.user.id, true).await?.into_iter().map(|g| g.id).collect();
    let (_, bypass_admin) = bypasses(ctx);
    let restricted = !user.is_admin() || !bypass_admin;
    fn some(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.is_empty())
    }
    let search = db::Search {
        query: some(&q.query),
        view_option: some(&q.view_option),
        tag: some(&q.tag),
        order_by: some(&q.order_by),
        direction: some(&q.direction),
        access: restricted.then(|| (user.user.id.as_str(), groups.clone())),
        any: restricted || [&q.query, &q.view_option, &q.tag, &q.order_by, &q.direction].iter().any(|v| some(v).is_some()),
    };
    let (rows, total) = db::search(&**client, &user.user.id, &search, skip, LIMIT).await?;
    let ids: Vec<String> = rows.iter().map(|(r, _)| r.id.clone()).collect();
    let grants = db::grants_of(&**client, &ids).await?;
    drop(client);
    let group_set: HashSet<String> = groups.into_iter().collect();
    let items: Vec<Value> = rows
        .iter()
        .filter_map(|(row, owner)| {
            let g: Vec<&GrantRow> = grants.iter().filter(|g| g.resource_id == row.id).collect();
            let mut v = model_dump(row, &g)?;
            let owned: Vec<GrantRow> = g.iter().map(|x| (*x).clone()).collect();
            let write = (user.is_admin() && bypass_admin)
                || row.user_id == user.user.id
                || has_grant(&owned, &user.user.id, &group_set, "write");
            let o = obj(&mut v);
            if let Some(Value::Object(meta)) = o.get_mut("meta") {
                meta.shift_remove("profile_image_url");
            }
            if !write {
                o.insert("params".into(), json!({}));
            }
            o.insert(
                "user".into(),
                owner.as_ref().map(|(id, name, role, email)| json!({"id": id, "name": name, "role": role, "email": email})).unwrap_or(Value::Null),
            );
            o.insert("write_access".into(), json!(write));
            Some(v)
        })
        .collect();
    Ok(json!({"items": items, "total": total}))
}

// ---- model access for the LLM proxies (`/ollama`, `/openai`) ----

/// `BYPASS_MODEL_ACCESS_CONTROL`.
pub fn bypass_model_access(ctx: &ServerContext) -> bool {
    bypasses(ctx).0
}

/// `Models.get_model_by_id`: the workspace entry of a model, with its grants.
pub async fn model_info(ctx: &ServerContext, id: &str) -> Result<Option<(ModelRow, Vec<GrantRow>)>> {
    let client = ctx.db.get().await?;
    Ok(db::model_by_id(&**client, id).await?)
}

/// The proxies' `get_filtered_models`: of `ids`, those with a workspace entry the user owns or
/// may read (directly, through a group or its ancestors, or publicly). Two statements whatever
/// the number of models.
pub async fn readable_ids(ctx: &ServerContext, user: &SessionUser, ids: &[String]) -> Result<HashSet<String>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let client = ctx.db.get().await?;
    let rows = db::owners_and_read_grants(&**client, ids).await?;
    let groups: HashSet<String> = groups_by_member(&**client, &user.user.id, true).await?.into_iter().map(|g| g.id).collect();
    let uid = user.user.id.as_str();
    Ok(rows
        .into_iter()
        .filter(|(_, owner, grants)| {
            owner == uid
                || grants.iter().any(|(ptype, pid)| match ptype.as_str() {
                    "user" => pid == "*" || pid == uid,
                    "group" => groups.contains(pid),
                    _ => false,
                })
        })
        .map(|(id, _, _)| id)
        .collect())
}

/// `utils/access_control::check_model_access`: unless `bypass`, a non-admin may use a model
/// only through a workspace entry they own or may read, and every base model it chains to
/// likewise (`has_base_model_access`; a base without an entry is admin-only); an unregistered
/// model is admin-only. Refusals answer 403 `Model not found`.
pub async fn check_access(ctx: &ServerContext, user: &SessionUser, info: Option<&(ModelRow, Vec<GrantRow>)>, bypass: bool) -> Result<()> {
    if bypass || user.user.role == "admin" {
        return Ok(());
    }
    match info {
        Some((row, grants)) if entry_readable(ctx, user, row, grants).await? => Ok(()),
        _ => Err(Error::forbidden("Model not found")),
    }
}

/// The read check of `check_model_access` on a workspace entry: the user owns it or has a
/// `read` grant on it (directly, through a group, or public), and likewise on every base model
/// it chains to (`has_base_model_access`: a base without an entry is admin-only).
async fn entry_readable(ctx: &ServerContext, user: &SessionUser, row: &ModelRow, grants: &[GrantRow]) -> Result<bool> {
    let groups = group_ids(ctx, &user.user.id).await?;
    let uid = user.user.id.as_str();
    if !(row.user_id == uid || has_grant(grants, uid, &groups, "read")) {
        return Ok(false);
    }
    let mut seen = HashSet::from([row.id.clone()]);
    let mut base = row.base_model_id.clone();
    while let Some(id) = base.filter(|b| !b.is_empty() && seen.insert(b.clone())) {
        let Some((b, bgrants)) = model_info(ctx, &id).await? else { return Ok(user.is_admin()) };
        if !(b.user_id == uid || has_grant(&bgrants, uid, &groups, "read")) {
            return Ok(false);
        }
        base = b.base_model_id;
    }
    Ok(true)
}

// ---- `app.state.MODELS`, for chat completions (`crate::app::completions`) ----

/// The last merged list by id (the reference's `request.app.state.MODELS`), held by the server
/// context ([`ServerContext::models`]) and replaced whole at each listing.
#[derive(Default)]
pub struct Registry(std::sync::RwLock<Arc<Map<String, Value>>>);

impl Registry {
    fn current(&self) -> Arc<Map<String, Value>> {
        self.0.read().expect("models registry").clone()
    }
}

fn remember(ctx: &ServerContext, models: &[Value]) {
    let by_id: Map<String, Value> = models
        .iter()
        .filter_map(|m| Some((m.get("id").map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string()))?, m.clone())))
        .collect();
    *ctx.models.0.write().expect("models registry") = Arc::new(by_id);
}

/// `request.app.state.MODELS[model_id]`, the list fetched first when it is empty (`if not
/// request.app.state.MODELS: await get_all_models(...)`).
pub async fn registered(ctx: &ServerContext, user: &SessionUser, model_id: &str) -> Result<Option<Value>> {
    Ok(listed(ctx, user).await?.get(model_id).cloned())
}

/// `request.app.state.MODELS` whole (the task routes choose the task model from it), fetched
/// first when it is empty.
pub async fn listed(ctx: &ServerContext, user: &SessionUser) -> Result<Arc<Map<String, Value>>> {
    if ctx.models.current().is_empty() {
        all_models(ctx, user, false).await?;
    }
    Ok(ctx.models.current())
}

/// `Models.get_model_by_id` as the completion routes read it: the row's params and base model.
pub async fn workspace_entry(ctx: &ServerContext, model_id: &str) -> Result<Option<ModelRow>> {
    Ok(load(ctx, model_id).await?.map(|(row, _)| row))
}

/// The model-read check of the completion routes (`check_model_access`): the model has a
/// workspace entry the user may read, base-model chain included (the check [`check_access`]
/// makes for the proxies, [`entry_readable`]), or, for an arena model, its `access_grants` let
/// the user read it (an admin reads one without grants). The admin and model bypasses are the
/// caller's to apply.
pub async fn readable(ctx: &ServerContext, user: &SessionUser, model: Option<&Value>, model_id: &str) -> Result<bool> {
    if let Some(m) = model.filter(|m| m.get("arena").is_some_and(|a| truthy(Some(a)))) {
        let grants = m.get("info").and_then(|i| i.get("meta")).and_then(|x| x.get("access_grants")).cloned().unwrap_or(json!([]));
        if grants.as_array().is_none_or(Vec::is_empty) && user.user.role == "admin" {
            return Ok(true);
        }
        let groups = group_ids(ctx, &user.user.id).await?;
        return Ok(granted(&grants, &user.user.id, &groups));
    }
    let Some((row, grants)) = load(ctx, model_id).await? else { return Ok(false) };
    entry_readable(ctx, user, &row, &grants).await
}

/// `BYPASS_MODEL_ACCESS_CONTROL`, `BYPASS_ADMIN_ACCESS_CONTROL`.
pub fn access_bypasses(ctx: &ServerContext) -> (bool, bool) {
    bypasses(ctx)
}


// ---- import, sync and versions ----

/// `str(ValidationError)` for pydantic errors given as FastAPI's entries (`loc` starting with
/// `body`): what the reference answers as a 400's detail when a handler builds a form itself.
pub fn pydantic_text(title: &str, errors: &[Value]) -> String {
    let mut lines = Vec::new();
    for e in errors {
        let t = e.get("type").and_then(Value::as_str).unwrap_or("value_error");
        let msg = e.get("msg").and_then(Value::as_str).unwrap_or("");
        let loc: Vec<String> = e
            .get("loc")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .skip(1)
            .map(|p| p.as_str().map(str::to_string).unwrap_or_else(|| p.to_string()))
            .collect();
        let input = e.get("input").cloned().unwrap_or(Value::Null);
        lines.push(connections::pydantic_error_line(&loc.join("."), t, msg, &input));
    }
    connections::pydantic_error_text(title, &lines)
}

/// `routers/models.py::set_model_version`: the model's configuration becomes the snapshot of
/// one of its versions (no new version; `is_active` and `meta.hidden` stay the live model's).
// Not done: the knowledge, skill, tool, function and terminal checks of
// `_verify_version_dependencies` (the base model's is done) and the model-controls provider check.
pub async fn set_version(ctx: &ServerContext, user: &SessionUser, id: &str, version_id: &str) -> Result<Value> {
    history_allowed(ctx, user, id).await?;
    let Some((current, _)) = load(ctx, id).await? else { return Err(Error::not_found(messages::NOT_FOUND)) };
    let entry = {
        let client = ctx.db.get().await?;
        db::history_entry(&**client, id, version_id).await?
    };
    let Some(entry) = entry else { return Err(Error::not_found("Model version not found")) };
    let snap = entry.snapshot.as_object().cloned().unwrap_or_default();
    let name = snap.get("name").and_then(Value::as_str).ok_or_else(|| Error::internal("a model version without a name"))?.to_string();
    let base_model_id = snap.get("base_model_id").and_then(Value::as_str).map(str::to_string);
    if !user.is_admin() && current.base_model_id.is_some() && base_model_id.as_deref().is_none_or(str::is_empty) {
        return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
    }
    if let Some(base) = base_model_id.as_deref().filter(|b| !b.is_empty()) {
        if !all_models(ctx, user, false).await?.iter().any(|m| m.get("id").and_then(Value::as_str) == Some(base)) {
            return Err(Error::bad_request("The base model is unavailable."));
        }
    }
    let Some(mut meta) = meta_dump(snap.get("meta").unwrap_or(&json!({}))) else {
        return Err(Error::bad_request("Invalid background image URL: must reference an internal file."));
    };
    let m = obj(&mut meta);
    m.shift_remove("chat_variables_schema");
    m.shift_remove("hidden");
    if let Some(hidden) = current.meta.get("hidden") {
        m.insert("hidden".into(), hidden.clone());
    }
    let row = ModelRow {
        id: id.to_string(),
        user_id: current.user_id.clone(),
        base_model_id,
        name,
        params: params_dump(snap.get("params").unwrap_or(&json!({}))),
        meta,
        version_id: Some(entry.id.clone()),
        is_active: current.is_active,
        updated_at: crate::app::session::now(),
        created_at: current.created_at,
    };
    let written = {
        let mut client = ctx.db.get().await?;
        db::update_model(&mut client, &row, current.version_id.as_deref(), None).await?
    };
    if !written {
        return Err(Error::Answer(Box::new(webui_api::Detail::new(409, json!({"code": "version_conflict"})))));
    }
    let (row, grants) = load(ctx, id).await?.ok_or_else(|| Error::not_found(messages::NOT_FOUND))?;
    Ok(dump(&row, &grants))
}

/// A `ModelModel` of `POST /api/v1/models/sync` (its `user_id`, `version_id` and timestamps are
/// not kept: the syncing admin owns new rows, versions are local).
pub struct SyncModel {
    pub id: String,
    pub base_model_id: Option<String>,
    pub name: String,
    pub params: Map<String, Value>,
    pub meta: Map<String, Value>,
    pub access_grants: Vec<Map<String, Value>>,
    pub is_active: bool,
}

/// `routers/models.py::sync_models` (admin): the workspace becomes exactly `models`: each one
/// created (owned by the caller, with its grants) or updated (a new version when its
/// configuration changed; owner and grants kept), every other model deleted; in one transaction.
// Not done: the voice-avatar and background-image file checks (files are not served yet).
pub async fn sync(ctx: &ServerContext, user: &SessionUser, models: Vec<SyncModel>) -> Result<Value> {
    let existing: HashMap<String, ModelRow> = rows(ctx).await?.0.into_iter().map(|r| (r.id.clone(), r)).collect();
    let now = crate::app::session::now();
    struct Version {
        id: String,
        parent: Option<String>,
        snapshot: Value,
    }
    let mut planned: Vec<(ModelRow, Option<Value>, Vec<NewGrant>, Option<Version>, Option<String>)> = Vec::new();
    for m in models {
        let previous = existing.get(&m.id);
        let mut meta_in = m.meta;
        let mut params_in = m.params;
        if let Some(prev) = previous {
            let prev_meta = meta_dump(&prev.meta).unwrap_or(json!({}));
            for k in ["voice_avatar", "background_image_url"] {
                if !meta_in.contains_key(k) {
                    meta_in.insert(k.into(), prev_meta.get(k).cloned().unwrap_or(Value::Null));
                }
            }
            if !params_in.contains_key("model_controls") {
                if let Some(old) = prev.params.get("model_controls").filter(|c| truthy(Some(c))) {
                    params_in.insert("model_controls".into(), old.clone());
                }
            }
        }
        let Some(mut meta) = meta_dump(&Value::Object(meta_in)) else {
            return Err(Error::bad_request("Invalid background image URL: must reference an internal file."));
        };
        obj(&mut meta).shift_remove("chat_variables_schema");
        let params = params_dump(&Value::Object(params_in));
        let snap = snapshot(&m.name, m.base_model_id.as_deref(), &params, &meta);
        match previous {
            None => {
                let version = uuid::Uuid::new_v4().to_string();
                let row = ModelRow {
                    id: m.id,
                    user_id: user.user.id.clone(),
                    base_model_id: m.base_model_id,
                    name: m.name,
                    params,
                    meta,
                    version_id: Some(version),
                    is_active: m.is_active,
                    updated_at: now,
                    created_at: now,
                };
                planned.push((row, Some(snap), normalize_grants(&m.access_grants), None, None));
            }
            Some(prev) => {
                let before = snapshot(&prev.name, prev.base_model_id.as_deref(), &params_dump(&prev.params), &meta_dump(&prev.meta).unwrap_or(json!({})));
                let version = (snap != before).then(|| Version { id: uuid::Uuid::new_v4().to_string(), parent: prev.version_id.clone(), snapshot: snap });
                let row = ModelRow {
                    id: m.id,
                    user_id: prev.user_id.clone(),
                    base_model_id: m.base_model_id,
                    name: m.name,
                    params,
                    meta,
                    version_id: version.as_ref().map(|v| v.id.clone()).or_else(|| prev.version_id.clone()),
                    is_active: m.is_active,
                    updated_at: now,
                    created_at: prev.created_at,
                };
                planned.push((row, None, Vec::new(), version, prev.version_id.clone()));
            }
        }
    }
    let keep: Vec<String> = planned.iter().map(|p| p.0.id.clone()).collect();
    let writes: Vec<db::SyncWrite<'_>> = planned
        .iter()
        .map(|(row, snap, grants, version, read)| match snap {
            Some(snapshot) => db::SyncWrite::Insert { row: row.clone(), snapshot: snapshot.clone(), grants: grants.clone() },
            None => db::SyncWrite::Update {
                row: row.clone(),
                read_version: read.clone(),
                history: version.as_ref().map(|v| db::HistoryEntry {
                    id: &v.id,
                    parent_id: v.parent.as_deref(),
                    snapshot: &v.snapshot,
                    user_id: &user.user.id,
                    commit_message: None,
                    created_at: now,
                }),
            },
        })
        .collect();
    let written = {
        let mut client = ctx.db.get().await?;
        db::sync_models(&mut client, writes, &keep).await?
    };
    if !written {
        return Err(Error::Answer(Box::new(webui_api::Detail::new(409, json!({"code": "version_conflict"})))));
    }
    let mut out = Vec::new();
    for id in &keep {
        if let Some((row, grants)) = load(ctx, id).await? {
            out.push(dump(&row, &grants));
        }
    }
    Ok(Value::Array(out))
}

/// `routers/models.py::import_models`: each valid item created, or merged into the model of its
/// id (its meta over the stored meta, its params in place of the stored ones); an item a user
/// may not import is skipped, one over another's model answers 401. Admins, or users with
/// `workspace.models_import`.
// Not done: items with `background_image_data` (uploads are not served yet: 400), and the
// knowledge-file, background-image and voice-avatar file checks.
pub async fn import(ctx: &ServerContext, user: &SessionUser, models: Vec<Map<String, Value>>) -> Result<bool> {
    if !user.is_admin() {
        let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
        if !perms::has_permission(ctx, &user.user.id, "workspace.models_import", &defaults).await? {
            return Err(Error::unauthorized(messages::UNAUTHORIZED));
        }
    }
    let groups = if user.is_admin() { HashSet::new() } else { group_ids(ctx, &user.user.id).await? };
    let mut base_ids: Option<HashSet<String>> = None;
    for mut data in models {
        let Some(id) = data.get("id").and_then(Value::as_str).filter(|i| valid_model_id(i)).map(str::to_string) else { continue };
        if data.get("base_model_id").and_then(Value::as_str) == Some(id.as_str()) {
            data.insert("base_model_id".into(), Value::Null);
        }
        let existing = load(ctx, &id).await?;
        let background = data.shift_remove("background_image_data").is_some_and(|b| !b.is_null());
        let no_background = || Error::bad_request(format!("Could not import background for model {id}."));
        match existing {
            Some((row, grants)) => {
                let uid = user.user.id.as_str();
                if !user.is_admin() && row.user_id != uid && !has_grant(&grants, uid, &groups, "write") {
                    return Err(Error::unauthorized(messages::MODEL_ID_TAKEN));
                }
                let base_kept = match data.get("base_model_id") {
                    None => row.base_model_id.is_some(),
                    Some(v) => truthy(Some(v)),
                };
                if !user.is_admin() && row.base_model_id.is_some() && !base_kept {
                    continue;
                }
                let mut meta = meta_dump(&row.meta).and_then(|m| m.as_object().cloned()).unwrap_or_default();
                if let Some(Value::Object(given)) = data.get("meta") {
                    for (k, v) in given {
                        meta.insert(k.clone(), v.clone());
                    }
                }
                data.insert("meta".into(), Value::Object(meta));
                if !data.contains_key("params") {
                    data.insert("params".into(), json!({}));
                }
                let mut form = match dump(&row, &grants) {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                for (k, v) in data {
                    form.insert(k, v);
                }
                if let Err(errors) = webui_api::validate_body::<webui_api::models::ModelForm>(Value::Object(form.clone())) {
                    return Err(Error::bad_request(pydantic_text("ModelForm", &errors)));
                }
                if background {
                    return Err(no_background());
                }
                form.insert("id".into(), json!(id));
                update(ctx, user, &form).await?;
            }
            None => {
                if !data.contains_key("meta") {
                    data.insert("meta".into(), json!({}));
                }
                if !data.contains_key("params") {
                    data.insert("params".into(), json!({}));
                }
                let f = match webui_api::validate_body::<webui_api::models::ModelForm>(Value::Object(data.clone())) {
                    Ok(f) => f,
                    Err(errors) => return Err(Error::bad_request(pydantic_text("ModelForm", &errors))),
                };
                if !user.is_admin() {
                    if f.base_model_id.as_deref().is_none_or(str::is_empty) {
                        continue;
                    }
                    if base_ids.is_none() {
                        let mut ids = HashSet::new();
                        for m in all_models(ctx, user, false).await? {
                            let Some(mid) = m.get("id").and_then(Value::as_str).filter(|i| !i.is_empty()) else { continue };
                            if m.get("preset").is_some_and(|p| truthy(Some(p))) {
                                continue;
                            }
                            ids.insert(mid.to_string());
                            if m.get("owned_by").and_then(Value::as_str) == Some("ollama") {
                                ids.insert(mid.split(':').next().unwrap_or("").to_string());
                            }
                        }
                        base_ids = Some(ids);
                    }
                    if base_ids.as_ref().is_some_and(|ids| ids.contains(&id)) {
                        return Err(Error::unauthorized(messages::MODEL_ID_TAKEN));
                    }
                }
                if background {
                    return Err(no_background());
                }
                let form = NewModel {
                    commit_message: f.commit_message,
                    id: id.clone(),
                    base_model_id: f.base_model_id,
                    name: f.name,
                    meta: f.meta,
                    params: f.params,
                    access_grants: f.access_grants,
                    is_active: f.is_active,
                };
                insert_new(ctx, user, form).await?;
            }
        }
    }
    Ok(true)
}
