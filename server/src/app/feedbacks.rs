//! `/api/v1/evaluations` feedback (`routers/evaluations.py`, `models/feedbacks.py`): the ratings
//! of answers. The reference publishes an event on each change; events are not published here
//! (see `app::events`).

use serde_json::{json, Map, Value};
use webui_api::evaluations::{FeedbackIdResponse, FeedbackListResponse, FeedbackModel, FeedbackUser, FeedbackUserResponse};
use webui_api::Detail;

use crate::app::session::SessionUser;
use crate::context::ServerContext;
use crate::db::feedbacks::{self as db, FeedbackRow, ListFilter};
use crate::error::{Error, Result};
use crate::messages;

/// `PAGE_ITEM_COUNT`.
const PAGE: i64 = 30;

fn now_s() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A `FeedbackForm` as pydantic leaves it (`model_dump()` of `data` and `snapshot`).
#[derive(Debug, Clone)]
pub struct FeedbackForm {
    pub type_: String,
    pub data: Option<Value>,
    pub meta: Option<Map<String, Value>>,
    pub snapshot: Option<Value>,
}

fn err(ty: &str, loc: Value, msg: &str, input: &Value) -> Value {
    json!({"type": ty, "loc": loc, "msg": msg, "input": input})
}

/// `Optional[str]` of a model: `None` for absent or null.
fn opt_str(m: &Map<String, Value>, key: &str, loc: Value, errors: &mut Vec<Value>) -> Value {
    match m.get(key) {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => Value::String(s.clone()),
        Some(v) => {
            errors.push(err("string_type", loc, "Input should be a valid string", v));
            Value::Null
        }
    }
}

/// `rating: Optional[str | int]` (pydantic's smart union: a string stays one; a bool or a float
/// without a fraction becomes an integer).
fn rating(v: Option<&Value>, errors: &mut Vec<Value>) -> Value {
    let loc = |branch: &str| json!(["body", "data", "rating", branch]);
    let v = match v {
        None | Some(Value::Null) => return Value::Null,
        Some(v) => v,
    };
    let int_err = match v {
        Value::String(_) => return v.clone(),
        Value::Bool(b) => return json!(*b as i64),
        Value::Number(n) if n.is_i64() || n.is_u64() => return v.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.is_finite() && f.abs() < 9.2e18 => return json!(f as i64),
            Some(f) if f.is_finite() => ("int_from_float", "Input should be a valid integer, got a number with a fractional part"),
            _ => ("finite_number", "Input should be a finite number"),
        },
        _ => ("int_type", "Input should be a valid integer"),
    };
    errors.push(err("string_type", loc("str"), "Input should be a valid string", v));
    errors.push(err(int_err.0, loc("int"), int_err.1, v));
    Value::Null
}

/// `RatingData.model_dump()`: the declared fields first, then the others as sent.
fn rating_data(m: &Map<String, Value>, errors: &mut Vec<Value>) -> Value {
    let at = |k: &str| json!(["body", "data", k]);
    let mut out = Map::new();
    out.insert("rating".into(), rating(m.get("rating"), errors));
    out.insert("model_id".into(), opt_str(m, "model_id", at("model_id"), errors));
    let siblings = match m.get("sibling_model_ids") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Array(a)) => {
            for (i, item) in a.iter().enumerate() {
                if !item.is_string() {
                    errors.push(err("string_type", json!(["body", "data", "sibling_model_ids", i]), "Input should be a valid string", item));
                }
            }
            Value::Array(a.clone())
        }
        Some(v) => {
            errors.push(err("list_type", at("sibling_model_ids"), "Input should be a valid list", v));
            Value::Null
        }
    };
    out.insert("sibling_model_ids".into(), siblings);
    out.insert("reason".into(), opt_str(m, "reason", at("reason"), errors));
    out.insert("comment".into(), opt_str(m, "comment", at("comment"), errors));
    for (k, v) in m {
        if !out.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// A nested model given something else than an object (FastAPI validates with
/// `from_attributes`, hence not pydantic's `model_type`).
fn not_a_model(loc: &str, v: &Value) -> Value {
    err("model_attributes_type", json!(["body", loc]), "Input should be a valid dictionary or object to extract fields from", v)
}

/// Reads a `FeedbackForm` body as FastAPI does (every error at once, 422).
pub fn feedback_form(body: &Value) -> Result<FeedbackForm> {
    let Value::Object(m) = body else {
        return Err(Detail::validation(vec![err(
            "model_attributes_type",
            json!(["body"]),
            "Input should be a valid dictionary or object to extract fields from",
            body,
        )])
        .into());
    };
    let mut errors = Vec::new();
    let type_ = match m.get("type") {
        Some(Value::String(s)) => s.clone(),
        None => {
            errors.push(err("missing", json!(["body", "type"]), "Field required", body));
            String::new()
        }
        Some(v) => {
            errors.push(err("string_type", json!(["body", "type"]), "Input should be a valid string", v));
            String::new()
        }
    };
    let data = match m.get("data") {
        None | Some(Value::Null) => None,
        Some(Value::Object(d)) => Some(rating_data(d, &mut errors)),
        Some(v) => {
            errors.push(not_a_model("data", v));
            None
        }
    };
    let meta = match m.get("meta") {
        None | Some(Value::Null) => None,
        Some(Value::Object(d)) => Some(d.clone()),
        Some(v) => {
            errors.push(err("dict_type", json!(["body", "meta"]), "Input should be a valid dictionary", v));
            None
        }
    };
    let snapshot = match m.get("snapshot") {
        None | Some(Value::Null) => None,
        Some(Value::Object(s)) => {
            let mut out = Map::new();
            let chat = match s.get("chat") {
                None | Some(Value::Null) => Value::Null,
                Some(c @ Value::Object(_)) => c.clone(),
                Some(v) => {
                    errors.push(err("dict_type", json!(["body", "snapshot", "chat"]), "Input should be a valid dictionary", v));
                    Value::Null
                }
            };
            out.insert("chat".into(), chat);
            for (k, v) in s {
                if k != "chat" {
                    out.insert(k.clone(), v.clone());
                }
            }
            Some(Value::Object(out))
        }
        Some(v) => {
            errors.push(not_a_model("snapshot", v));
            None
        }
    };
    if !errors.is_empty() {
        return Err(Detail::validation(errors).into());
    }
    Ok(FeedbackForm { type_, data, meta, snapshot })
}

fn object(v: Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn model(r: FeedbackRow) -> FeedbackModel {
    FeedbackModel {
        id: r.id,
        user_id: r.user_id.unwrap_or_default(),
        version: r.version.unwrap_or_default(),
        type_: r.type_.unwrap_or_default(),
        data: object(r.data),
        meta: object(r.meta),
        snapshot: object(r.snapshot),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

fn user_response(r: FeedbackRow) -> FeedbackUserResponse {
    let user = r.author.clone().map(|a| FeedbackUser {
        id: a.id,
        name: a.name,
        email: a.email,
        role: a.role,
        last_active_at: a.last_active_at,
        updated_at: a.updated_at,
        created_at: a.created_at,
    });
    let m = model(r);
    FeedbackUserResponse {
        id: m.id,
        user_id: m.user_id,
        version: m.version,
        type_: m.type_,
        data: m.data,
        meta: m.meta,
        created_at: m.created_at,
        updated_at: m.updated_at,
        user,
    }
}

/// The user filter of the one-feedback routes: an admin reaches any, a user their own.
fn owner(user: &SessionUser) -> Option<&str> {
    (!user.is_admin()).then_some(user.user.id.as_str())
}

/// `create_feedback`.
pub async fn create(ctx: &ServerContext, user: &SessionUser, form: FeedbackForm) -> Result<FeedbackModel> {
    let now = now_s();
    let row = FeedbackRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: Some(user.user.id.clone()),
        version: Some(0),
        type_: Some(form.type_),
        data: form.data.unwrap_or(Value::Null),
        meta: form.meta.map(Value::Object).unwrap_or(Value::Null),
        snapshot: form.snapshot.unwrap_or(Value::Null),
        created_at: now,
        updated_at: now,
        author: None,
    };
    let client = ctx.db.get().await?;
    db::insert(&**client, &row).await?;
    Ok(model(row))
}

/// `get_feedback_by_id`.
pub async fn get(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<FeedbackModel> {
    let client = ctx.db.get().await?;
    db::by_id(&**client, id, owner(user)).await?.map(model).ok_or_else(|| Error::not_found(messages::NOT_FOUND))
}

/// `update_feedback_by_id`: data and snapshot when given, meta when not empty.
pub async fn update(ctx: &ServerContext, user: &SessionUser, id: &str, form: FeedbackForm) -> Result<FeedbackModel> {
    let meta = form.meta.filter(|m| !m.is_empty()).map(Value::Object);
    let client = ctx.db.get().await?;
    db::update(&**client, id, owner(user), form.data.as_ref(), meta.as_ref(), form.snapshot.as_ref(), now_s())
        .await?
        .map(model)
        .ok_or_else(|| Error::not_found(messages::NOT_FOUND))
}

/// `delete_feedback_by_id`.
pub async fn delete(ctx: &ServerContext, user: &SessionUser, id: &str) -> Result<bool> {
    let client = ctx.db.get().await?;
    if db::delete(&**client, id, owner(user)).await? {
        Ok(true)
    } else {
        Err(Error::not_found(messages::NOT_FOUND))
    }
}

/// `delete_feedbacks` (the caller's; `None`: `delete_all_feedbacks`).
pub async fn delete_many(ctx: &ServerContext, user_id: Option<&str>) -> Result<bool> {
    let client = ctx.db.get().await?;
    Ok(db::delete_many(&**client, user_id).await?)
}

/// `(page - 1) * 30` with the page at least 1.
fn skip(page: Option<i64>) -> i64 {
    (page.unwrap_or(1).max(1) - 1).saturating_mul(PAGE)
}

/// `get_user_feedbacks`.
pub async fn user_list(ctx: &ServerContext, user: &SessionUser, page: Option<i64>) -> Result<FeedbackListResponse> {
    let filter = ListFilter { user_id: Some(&user.user.id), model_id: None, order: Some("f.updated_at DESC") };
    list(ctx, &filter, page).await
}

async fn list(ctx: &ServerContext, filter: &ListFilter<'_>, page: Option<i64>) -> Result<FeedbackListResponse> {
    let client = ctx.db.get().await?;
    let (rows, total) = db::list(&**client, filter, skip(page), PAGE).await?;
    Ok(FeedbackListResponse { items: rows.into_iter().map(user_response).collect(), total })
}

/// The query of `get_feedbacks`.
pub struct ListQuery {
    pub order_by: Option<String>,
    pub direction: Option<String>,
    pub page: Option<i64>,
    pub model_id: Option<String>,
}

/// `get_feedbacks` (`get_feedback_items`): a filter (any non-empty parameter but `page`) orders
/// only by a known `order_by`; without one, newest first.
pub async fn admin_list(ctx: &ServerContext, q: ListQuery) -> Result<FeedbackListResponse> {
    let nonempty = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let (order_by, direction, model_id) = (nonempty(&q.order_by), nonempty(&q.direction), nonempty(&q.model_id));
    let order = if order_by.is_none() && direction.is_none() && model_id.is_none() {
        Some("f.created_at DESC")
    } else {
        let asc = direction.as_deref() == Some("asc");
        match order_by.as_deref() {
            Some("username") => Some(if asc { "u.name ASC" } else { "u.name DESC" }),
            Some("model_id") => Some(if asc { "f.data ->> 'model_id' ASC" } else { "f.data ->> 'model_id' DESC" }),
            Some("rating") => Some(if asc { "f.data ->> 'rating' ASC" } else { "f.data ->> 'rating' DESC" }),
            Some("updated_at") => Some(if asc { "f.updated_at ASC" } else { "f.updated_at DESC" }),
            _ => None,
        }
    };
    list(ctx, &ListFilter { user_id: None, model_id: model_id.as_deref(), order }, q.page).await
}

/// `export_all_feedbacks`: newest change first; with a `model_id`, those whose
/// `data.model_id` is it.
pub async fn export(ctx: &ServerContext, model_id: Option<&str>) -> Result<Vec<FeedbackModel>> {
    let client = ctx.db.get().await?;
    let rows = db::all(&**client).await?;
    let wanted = model_id.filter(|m| !m.is_empty());
    Ok(rows
        .into_iter()
        .filter(|r| wanted.is_none_or(|m| r.data.get("model_id").and_then(Value::as_str) == Some(m)))
        .map(model)
        .collect())
}

/// `get_all_feedback_ids`.
pub async fn ids(ctx: &ServerContext) -> Result<Vec<FeedbackIdResponse>> {
    let client = ctx.db.get().await?;
    Ok(db::ids(&**client)
        .await?
        .into_iter()
        .map(|(id, user_id, created_at, updated_at)| FeedbackIdResponse {
            id: id.unwrap_or_default(),
            user_id: user_id.unwrap_or_default(),
            created_at,
            updated_at,
        })
        .collect())
}

/// `get_feedback_model_ids`: sorted by code point, empty ones left out.
pub async fn model_ids(ctx: &ServerContext) -> Result<Vec<String>> {
    let client = ctx.db.get().await?;
    let mut ids: Vec<String> = db::model_ids(&**client).await?.into_iter().filter(|s| !s.is_empty()).collect();
    ids.sort();
    Ok(ids)
}
