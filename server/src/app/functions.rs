//! The functions (`routers/functions.py`): the reads. Creating, updating, toggling (which runs
//! the function's lifecycle hooks) and the valves' specs need the reference's Python runtime
//! and are not served.

use base64::Engine;
use serde_json::{Map, Value};
use sha2::Digest;
use webui_api::functions::{FunctionMeta, FunctionModel, FunctionResponse, FunctionUserResponse};

use crate::app::session::SessionUser;
use crate::app::workspace::{owner, plugins_enabled};
use crate::context::ServerContext;
use crate::db::functions::{self as db, FunctionRow, Listing};
use crate::error::{Error, Result};
use crate::messages;

/// `FunctionMeta` of a stored `meta`: the declared fields, then the other keys in their order.
fn meta(v: &Value) -> FunctionMeta {
    let empty = Map::new();
    let m = v.as_object().unwrap_or(&empty);
    let manifest = match m.get("manifest") {
        None => Some(Map::new()),
        Some(Value::Object(o)) => Some(o.clone()),
        Some(_) => None,
    };
    let extra = m.iter().filter(|(k, _)| !matches!(k.as_str(), "description" | "manifest")).map(|(k, v)| (k.clone(), v.clone())).collect();
    FunctionMeta { description: m.get("description").and_then(Value::as_str).map(str::to_string), manifest, extra }
}

fn response(r: &FunctionRow) -> FunctionResponse {
    FunctionResponse {
        version_id: r.version_id.clone(),
        id: r.id.clone(),
        user_id: r.user_id.clone(),
        kind: r.kind.clone().unwrap_or_default(),
        name: r.name.clone().unwrap_or_default(),
        meta: meta(&r.meta),
        is_active: r.is_active,
        is_global: r.is_global,
        updated_at: r.updated_at,
        created_at: r.created_at,
    }
}

fn model(r: &FunctionRow, valves: Option<Map<String, Value>>) -> FunctionModel {
    FunctionModel {
        version_id: r.version_id.clone(),
        id: r.id.clone(),
        user_id: r.user_id.clone(),
        name: r.name.clone().unwrap_or_default(),
        kind: r.kind.clone().unwrap_or_default(),
        content: r.content.clone().unwrap_or_default(),
        meta: meta(&r.meta),
        valves,
        is_active: r.is_active,
        is_global: r.is_global,
        updated_at: r.updated_at,
        created_at: r.created_at,
    }
}

/// `utils/valves.py::decrypt_valves`: a stored object as is; a string is Fernet under the
/// secret key (a key that is not 44 characters long is hashed with SHA-256 into one); anything
/// else, or what does not decrypt to an object, is `{}`.
fn decrypt_valves(ctx: &ServerContext, stored: &Value) -> Map<String, Value> {
    match stored {
        Value::Object(o) => o.clone(),
        Value::String(s) if !s.is_empty() => {
            let key = &ctx.config.secret_key;
            let cipher = if key.chars().count() == 44 {
                fernet::Fernet::new(key)
            } else {
                fernet::Fernet::new(&base64::engine::general_purpose::URL_SAFE.encode(sha2::Sha256::digest(key.as_bytes())))
            };
            cipher
                .and_then(|c| c.decrypt(s).ok())
                .and_then(|clear| serde_json::from_slice::<Value>(&clear).ok())
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default()
        }
        _ => Map::new(),
    }
}

/// `GET /api/v1/functions/` (`get_functions`): every function, without its source.
pub async fn list(ctx: &ServerContext) -> Result<Vec<FunctionResponse>> {
    if !plugins_enabled(ctx, "ENABLE_FUNCTIONS") {
        return Ok(Vec::new());
    }
    let client = ctx.db.get().await?;
    Ok(db::list(&**client, Listing::Plain).await?.iter().map(response).collect())
}

/// `GET /api/v1/functions/list` (`get_function_list`): with their owners, newest change first.
pub async fn list_with_owners(ctx: &ServerContext) -> Result<Vec<FunctionUserResponse>> {
    if !plugins_enabled(ctx, "ENABLE_FUNCTIONS") {
        return Ok(Vec::new());
    }
    let client = ctx.db.get().await?;
    let rows = db::list(&**client, Listing::WithOwners).await?;
    Ok(rows.iter().map(|r| FunctionUserResponse { function: response(r), user: owner(&r.owner) }).collect())
}

/// `GET /api/v1/functions/export`: every function with its source, and its decrypted valves
/// when `include_valves`.
pub async fn export(ctx: &ServerContext, include_valves: bool) -> Result<Vec<FunctionModel>> {
    if !plugins_enabled(ctx, "ENABLE_FUNCTIONS") {
        return Ok(Vec::new());
    }
    let client = ctx.db.get().await?;
    let rows = db::list(&**client, Listing::Export).await?;
    Ok(rows.iter().map(|r| model(r, include_valves.then(|| decrypt_valves(ctx, &r.valves)))).collect())
}

/// `GET /api/v1/functions/id/{id}` (`get_function_by_id`): unknown answers 401 `NOT_FOUND`, as
/// the reference does.
pub async fn get(ctx: &ServerContext, _user: &SessionUser, id: &str) -> Result<FunctionModel> {
    let client = ctx.db.get().await?;
    match db::by_id(&**client, id).await? {
        Some(r) => Ok(model(&r, None)),
        None => Err(Error::unauthorized(messages::NOT_FOUND)),
    }
}
