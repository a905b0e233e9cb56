//! `/api/v1/groups` (`routers/groups.py`): each handler authenticates, validates its query or
//! body as FastAPI does, calls one function of [`crate::app::groups`] and converts the answer.

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use serde::Serialize;
use serde_json::{json, Map, Value};
use webui_api::{
    Detail, FastJson, GroupExportResponse, GroupForm, GroupIdPath, GroupInfoResponse, GroupMembersQuery, GroupMembersResponse,
    GroupResponse, GroupUpdateForm, GroupsApi, GroupsListQuery, Shaped, UserIdsForm, UserInfoResponse,
};

use super::{auth, query, ServerImpl};
use crate::app::groups::{self as app, GroupInput};
use crate::context::ServerContext;
use crate::db::groups::Membership;

type Ctx = RequestContext<Arc<ServerContext>>;

/// An answer as the JSON value `http::mod` wraps (its key order the model's).
fn wire<T: Serialize>(v: T) -> Result<Value, Detail> {
    serde_json::to_value(v).map_err(Detail::internal)
}

/// `GET /api/v1/groups/?share=`.
pub async fn list(rqctx: &Ctx, share: Option<String>) -> Result<Value, Detail> {
    let s = auth::require_user(rqctx).await?;
    let share = query::opt_boolean("share", &share)?;
    wire(app::list(rqctx.context(), &s, share).await?)
}

/// `GroupForm` (and `GroupUpdateForm`) validated as pydantic does (field order: parent, name,
/// description, permissions, data), then `validate_default_models` on `data`.
fn validate_group_form(body: &Map<String, Value>) -> Result<GroupInput, Detail> {
    let mut errors = Vec::new();
    let whole = Value::Object(body.clone());
    let opt_str = |k: &str, errors: &mut Vec<Value>| -> Option<Option<String>> {
        match body.get(k) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(v) => {
                errors.push(json!({"type": "string_type", "loc": ["body", k], "msg": "Input should be a valid string", "input": v}));
                None
            }
        }
    };
    let parent_group_id = opt_str("parent_group_id", &mut errors);
    let req_str = |k: &str, errors: &mut Vec<Value>| -> String {
        match body.get(k) {
            None => {
                errors.push(json!({"type": "missing", "loc": ["body", k], "msg": "Field required", "input": whole}));
                String::new()
            }
            Some(Value::String(s)) => s.clone(),
            Some(v) => {
                errors.push(json!({"type": "string_type", "loc": ["body", k], "msg": "Input should be a valid string", "input": v}));
                String::new()
            }
        }
    };
    let name = req_str("name", &mut errors);
    let description = req_str("description", &mut errors);
    let opt_dict = |k: &str, errors: &mut Vec<Value>| -> Option<Value> {
        match body.get(k) {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(v) => {
                errors.push(json!({"type": "dict_type", "loc": ["body", k], "msg": "Input should be a valid dictionary", "input": v}));
                None
            }
        }
    };
    let permissions = opt_dict("permissions", &mut errors);
    let mut data = opt_dict("data", &mut errors);
    if let Some(Value::Object(d)) = &data {
        if let Some(config) = d.get("config") {
            let value_error = |msg: &str, input: &Value| {
                json!({"type": "value_error", "loc": ["body", "data"], "msg": format!("Value error, {msg}"), "input": input, "ctx": {"error": {}}})
            };
            match config {
                Value::Object(c) => match c.get("default_models") {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(models)) if models.iter().all(|m| m.as_str().is_some_and(|s| !s.trim().is_empty())) => {
                        let mut seen: Vec<Value> = Vec::new();
                        for m in models {
                            let t = Value::String(m.as_str().unwrap_or("").trim().to_string());
                            if !seen.contains(&t) {
                                seen.push(t);
                            }
                        }
                        let mut c2 = c.clone();
                        c2.insert("default_models".into(), Value::Array(seen));
                        let mut d2 = d.clone();
                        d2.insert("config".into(), Value::Object(c2));
                        data = Some(Value::Object(d2));
                    }
                    Some(_) => errors.push(value_error("Default models must be a list of non-empty model IDs.", &Value::Object(d.clone()))),
                },
                _ => errors.push(value_error("Group config must be an object.", &Value::Object(d.clone()))),
            }
        }
    }
    if !errors.is_empty() {
        return Err(Detail::validation(errors));
    }
    Ok(GroupInput { parent_group_id, name, description, permissions, data })
}

/// `POST /api/v1/groups/create` (admin).
pub async fn create(rqctx: &Ctx, body: FastJson<Shaped<webui_api::GroupForm, Map<String, Value>>>) -> Result<Value, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let form = validate_group_form(&body.into_inner()?.value)?;
    wire(app::create(rqctx.context(), &s, form).await?)
}

/// `GET /api/v1/groups/id/{id}` (admin).
pub async fn get(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    wire(app::get(rqctx.context(), id).await?)
}

/// `GET /api/v1/groups/id/{id}/info`.
pub async fn info(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_user(rqctx).await?;
    wire(app::info(rqctx.context(), id).await?)
}

/// `GET /api/v1/groups/id/{id}/export` (admin).
pub async fn export(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    wire(app::export(rqctx.context(), id).await?)
}

/// `POST /api/v1/groups/id/{id}/users` (admin).
pub async fn users(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    wire(app::users(rqctx.context(), id).await?)
}

/// `POST /api/v1/groups/id/{id}/update` (admin).
pub async fn update(rqctx: &Ctx, id: &str, body: FastJson<Shaped<GroupUpdateForm, Map<String, Value>>>) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let form = validate_group_form(&body.into_inner()?.value)?;
    wire(app::update(rqctx.context(), id, form).await?)
}

/// `POST /api/v1/groups/id/{id}/users/add` and `/users/remove` (admin).
pub async fn change_members(rqctx: &Ctx, id: &str, body: FastJson<UserIdsForm>, add: bool) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let form = body.into_inner()?;
    wire(app::change_members(rqctx.context(), id, form.user_ids.unwrap_or_default(), add).await?)
}

/// `DELETE /api/v1/groups/id/{id}/delete` (admin).
pub async fn delete(rqctx: &Ctx, id: &str) -> Result<bool, Detail> {
    auth::require_admin(rqctx).await?;
    Ok(app::delete(rqctx.context(), id).await?)
}

/// `GET /api/v1/groups/id/{id}/preview` (admin).
pub async fn preview(rqctx: &Ctx, id: &str) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    Ok(app::preview(rqctx.context(), id).await?)
}

/// `GET /api/v1/groups/id/{id}/members?membership=&query=&page=` (admin).
pub async fn members(rqctx: &Ctx, id: &str, q: GroupMembersQuery) -> Result<Value, Detail> {
    auth::require_admin(rqctx).await?;
    let mut errors = Vec::new();
    let membership = q.membership.clone().unwrap_or_else(|| "effective".into());
    let kind = match membership.as_str() {
        "direct" => Membership::Direct,
        "inherited" => Membership::Inherited,
        "effective" => Membership::Effective,
        _ => {
            errors.push(json!({
                "type": "literal_error", "loc": ["query", "membership"], "msg": "Input should be 'direct', 'inherited' or 'effective'",
                "input": membership, "ctx": {"expected": "'direct', 'inherited' or 'effective'"},
            }));
            Membership::Effective
        }
    };
    let page = match query::int("page", &q.page) {
        Ok(p) => p.unwrap_or(1),
        Err(e) => {
            errors.extend(query::errors_of(e));
            1
        }
    };
    if q.page.is_some() && page < 1 && errors.iter().all(|e| e["loc"][1] != "page") {
        errors.push(json!({
            "type": "greater_than_equal", "loc": ["query", "page"], "msg": "Input should be greater than or equal to 1",
            "input": q.page, "ctx": {"ge": 1},
        }));
    }
    if !errors.is_empty() {
        return Err(Detail::validation(errors));
    }
    wire(app::members(rqctx.context(), id, kind, q.query.as_deref().unwrap_or_default(), page).await?)
}

impl GroupsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn groups_get(rqctx: Ctx, query: Query<GroupsListQuery>) -> Result<HttpResponseOk<Shaped<Vec<GroupResponse>>>, Detail> {
        list(&rqctx, query.into_inner().share).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_create_new(rqctx: Ctx, body: FastJson<Shaped<GroupForm, Map<String, Value>>>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        create(&rqctx, body).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_get_by_id(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        get(&rqctx, &path.into_inner().id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_get_info_by_id(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Shaped<Option<GroupInfoResponse>>>, Detail> {
        info(&rqctx, &path.into_inner().id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_export_by_id(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Shaped<Option<GroupExportResponse>>>, Detail> {
        export(&rqctx, &path.into_inner().id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_get_users_in(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Shaped<Vec<UserInfoResponse>>>, Detail> {
        users(&rqctx, &path.into_inner().id).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_update_by_id(rqctx: Ctx, path: Path<GroupIdPath>, body: FastJson<Shaped<GroupUpdateForm, Map<String, Value>>>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        update(&rqctx, &path.into_inner().id, body).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_add_user_to(rqctx: Ctx, path: Path<GroupIdPath>, body: FastJson<UserIdsForm>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        change_members(&rqctx, &path.into_inner().id, body, true).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_remove_users_from(rqctx: Ctx, path: Path<GroupIdPath>, body: FastJson<UserIdsForm>) -> Result<HttpResponseOk<Shaped<Option<GroupResponse>>>, Detail> {
        change_members(&rqctx, &path.into_inner().id, body, false).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }

    async fn groups_delete_by_id(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        delete(&rqctx, &path.into_inner().id).await.map(HttpResponseOk)
    }

    async fn groups_preview_access(rqctx: Ctx, path: Path<GroupIdPath>) -> Result<HttpResponseOk<Value>, Detail> {
        preview(&rqctx, &path.into_inner().id).await.map(HttpResponseOk)
    }

    async fn groups_inspect_members(rqctx: Ctx, path: Path<GroupIdPath>, query: Query<GroupMembersQuery>) -> Result<HttpResponseOk<Shaped<GroupMembersResponse>>, Detail> {
        members(&rqctx, &path.into_inner().id, query.into_inner()).await.map(|v| HttpResponseOk(Shaped::new(v)))
    }
}
