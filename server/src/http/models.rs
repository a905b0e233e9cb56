//! `/api/models` and `/api/v1/models`: the implementation of [`ModelsApi`]. Thin handlers:
//! authenticate, read the query as FastAPI does, call [`crate::app::models`].

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use serde_json::Value;
use serde_json::json;
use webui_api::models::{ModelsImportForm, ModelVersionForm, SyncModelsForm, ModelListQuery, HistoryIdPath, ModelHistoryQuery, ModelAccessGrantsForm, ModelForm, ModelIdForm, ModelIdQuery, ModelTagQuery, ModelUnloadForm, ModelsApi, ModelsRefreshQuery};
use webui_api::{Detail, FastJson};

use super::{auth, query, ServerImpl};
use crate::app::models as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// `main.py::get_models` (both paths).
async fn list(rqctx: &Ctx, q: ModelsRefreshQuery) -> Result<HttpResponseOk<Value>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let refresh = query::boolean("refresh", &q.refresh)?;
    Ok(HttpResponseOk(app::list(rqctx.context(), &s, refresh).await?))
}

/// A required `?id=`: FastAPI's 422 when absent (after the auth check).
fn required_id(q: ModelIdQuery) -> Result<String, Detail> {
    q.id.ok_or_else(|| Detail::validation(vec![json!({"type": "missing", "loc": ["query", "id"], "msg": "Field required", "input": null})]))
}

/// `Field(pattern=r'^\S+$')` on a form's `id`.
fn id_pattern(id: &str) -> Result<(), Detail> {
    if !id.is_empty() && !id.chars().any(char::is_whitespace) {
        return Ok(());
    }
    Err(Detail::validation(vec![json!({
        "type": "string_pattern_mismatch", "loc": ["body", "id"], "msg": "String should match pattern '^\\S+$'",
        "input": id, "ctx": {"pattern": "^\\S+$"},
    })]))
}

impl ModelsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn models_get(rqctx: Ctx, q: Query<ModelsRefreshQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        list(&rqctx, q.into_inner()).await
    }

    async fn models_get_v1(rqctx: Ctx, q: Query<ModelsRefreshQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        list(&rqctx, q.into_inner()).await
    }

    /// `main.py::get_base_models`.
    async fn models_get_base(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::base(rqctx.context(), &s).await?))
    }

    /// `routers/models.py::get_all_model_records`.
    async fn models_get_all_records(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::all_records(rqctx.context()).await?))
    }

    /// `routers/models.py::get_base_models`.
    async fn models_get_base_v1(rqctx: Ctx, q: Query<ModelTagQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::base_records(rqctx.context(), q.into_inner().tag.as_deref()).await?))
    }

    /// `routers/models.py::get_base_model_tags`.
    async fn models_get_base_tags(rqctx: Ctx) -> Result<HttpResponseOk<Vec<String>>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::tags(rqctx.context(), &s, true).await?))
    }

    /// `routers/models.py::get_model_tags`.
    async fn models_get_tags(rqctx: Ctx) -> Result<HttpResponseOk<Vec<String>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::tags(rqctx.context(), &s, false).await?))
    }

    /// `routers/models.py::create_new_model`.
    async fn models_create_new(rqctx: Ctx, body: FastJson<ModelForm>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        id_pattern(&f.id)?;
        let form = app::NewModel {
            commit_message: f.commit_message,
            id: f.id,
            base_model_id: f.base_model_id,
            name: f.name,
            meta: f.meta,
            params: f.params,
            access_grants: f.access_grants,
            is_active: f.is_active,
        };
        Ok(HttpResponseOk(app::create(rqctx.context(), &s, form).await?))
    }

    /// `routers/models.py::get_model_by_id`.
    async fn models_get_by_id(rqctx: Ctx, q: Query<ModelIdQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let id = required_id(q.into_inner())?;
        Ok(HttpResponseOk(app::get(rqctx.context(), &s, &id).await?))
    }

    /// `routers/models.py::toggle_model_by_id`.
    async fn models_toggle_by_id(rqctx: Ctx, q: Query<ModelIdQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let id = required_id(q.into_inner())?;
        Ok(HttpResponseOk(app::toggle(rqctx.context(), &s, &id).await?))
    }

    /// `routers/models.py::update_model_access_by_id`.
    async fn models_update_access_by_id(rqctx: Ctx, body: FastJson<ModelAccessGrantsForm>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        id_pattern(&f.id)?;
        Ok(HttpResponseOk(app::update_access(rqctx.context(), &s, &f.id, f.name.as_deref(), &f.access_grants).await?))
    }

    /// `routers/models.py::delete_model_by_id`.
    async fn models_delete_by_id(rqctx: Ctx, body: FastJson<ModelIdForm>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::delete(rqctx.context(), &s, &f.id).await?))
    }

    /// `routers/models.py::delete_all_models`.
    async fn models_delete_all(rqctx: Ctx) -> Result<HttpResponseOk<bool>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::delete_all(rqctx.context()).await?))
    }

    /// `routers/models.py::get_model_profile_image`.
    async fn models_get_profile_image(rqctx: Ctx, q: Query<ModelIdQuery>) -> Result<Response<Body>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let id = required_id(q.into_inner())?;
        let rsp = match app::profile_image(rqctx.context(), &s, &id).await? {
            app::ModelImage::Redirect(url) => {
                Response::builder().status(302).header("location", url).header("content-length", "0").body(Body::empty())
            }
            app::ModelImage::Inline { media, bytes, etag } => {
                let mut b = Response::builder()
                    .status(200)
                    .header("content-type", media)
                    .header("content-disposition", "inline")
                    .header("x-content-type-options", "nosniff");
                if let Some(t) = etag {
                    b = b.header("etag", format!("\"{t}\""));
                }
                b.body(Body::from(bytes))
            }
        };
        rsp.map_err(Detail::internal)
    }

    /// `routers/models.py::update_model_by_id`.
    async fn models_update_by_id(
        rqctx: Ctx,
        body: FastJson<webui_api::Shaped<ModelForm, serde_json::Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?.into_inner();
        // Validated as `ModelForm`; the map itself is kept (which fields were sent matters).
        webui_api::validate_body::<ModelForm>(Value::Object(f.clone())).map_err(Detail::validation)?;
        id_pattern(f.get("id").and_then(Value::as_str).unwrap_or(""))?;
        Ok(HttpResponseOk(app::update(rqctx.context(), &s, &f).await?))
    }

    /// `main.py::unload_model`.
    async fn models_unload(rqctx: Ctx, body: FastJson<ModelUnloadForm>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(crate::app::connections::unload(rqctx.context(), &s, &f.model).await?))
    }

    /// `routers/models.py::get_model_history`.
    async fn models_get_history(rqctx: Ctx, q: Query<ModelHistoryQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let id = q.id.ok_or_else(|| Detail::validation(vec![json!({"type": "missing", "loc": ["query", "id"], "msg": "Field required", "input": null})]));
        let page = query::int("page", &q.page);
        let (id, page) = match (id, page) {
            (Ok(id), Ok(page)) => (id, page.unwrap_or(1)),
            (id, page) => {
                let mut errors = Vec::new();
                for d in [id.err(), page.err()].into_iter().flatten() {
                    errors.extend(query::errors_of(d));
                }
                return Err(Detail::validation(errors));
            }
        };
        Ok(HttpResponseOk(app::history(rqctx.context(), &s, &id, page).await?))
    }

    /// `routers/models.py::get_model_history_entry`.
    async fn models_get_history_entry(rqctx: Ctx, p: Path<HistoryIdPath>, q: Query<ModelIdQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let id = required_id(q.into_inner())?;
        Ok(HttpResponseOk(app::history_entry(rqctx.context(), &s, &id, &p.into_inner().history_id).await?))
    }

    /// `routers/models.py::delete_model_history_entry`.
    async fn models_delete_history_entry(rqctx: Ctx, p: Path<HistoryIdPath>, q: Query<ModelIdQuery>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let id = required_id(q.into_inner())?;
        Ok(HttpResponseOk(app::delete_history_entry(rqctx.context(), &s, &id, &p.into_inner().history_id).await?))
    }

    /// `routers/models.py::import_models`.
    async fn models_import(rqctx: Ctx, body: FastJson<ModelsImportForm>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::import(rqctx.context(), &s, f.models).await?))
    }

    /// `routers/models.py::sync_models`.
    async fn models_sync(rqctx: Ctx, body: FastJson<SyncModelsForm>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        let f = body.into_inner()?;
        let mut errors = Vec::new();
        let mut items = Vec::new();
        for (i, item) in f.models.into_iter().enumerate() {
            match webui_api::validate_body::<webui_api::models::ModelModel>(Value::Object(item)) {
                Ok(m) => items.push(m),
                Err(errs) => errors.extend(errs.into_iter().map(|mut e| {
                    if let Some(loc) = e.get_mut("loc").and_then(Value::as_array_mut) {
                        loc.splice(1..1, [json!("models"), json!(i)]);
                    }
                    e
                })),
            }
        }
        if !errors.is_empty() {
            return Err(Detail::validation(errors));
        }
        let models = items
            .into_iter()
            .map(|m| app::SyncModel {
                id: m.id,
                base_model_id: m.base_model_id,
                name: m.name,
                params: m.params,
                meta: m.meta,
                access_grants: m
                    .access_grants
                    .into_iter()
                    .map(|g| {
                        let mut o = serde_json::Map::new();
                        o.insert("principal_type".into(), Value::String(g.principal_type));
                        o.insert("principal_id".into(), Value::String(g.principal_id));
                        o.insert("permission".into(), Value::String(g.permission));
                        o
                    })
                    .collect(),
                is_active: m.is_active,
            })
            .collect();
        Ok(HttpResponseOk(app::sync(rqctx.context(), &s, models).await?))
    }

    /// `routers/models.py::set_model_version`.
    async fn models_set_version(rqctx: Ctx, q: Query<ModelIdQuery>, body: FastJson<ModelVersionForm>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let id = required_id(q.into_inner());
        let form = body.into_inner();
        let (id, form) = match (id, form) {
            (Ok(id), Ok(form)) => (id, form),
            (id, form) => {
                let mut errors = Vec::new();
                for d in [id.err(), form.err()].into_iter().flatten() {
                    // A body's errors come rendered as JSON text.
                    match d.raw_detail().and_then(|r| serde_json::from_str::<Vec<Value>>(r).ok()) {
                        Some(errs) => errors.extend(errs),
                        None => errors.extend(query::errors_of(d)),
                    }
                }
                return Err(Detail::validation(errors));
            }
        };
        Ok(HttpResponseOk(app::set_version(rqctx.context(), &s, &id, &form.version_id).await?))
    }

    /// `routers/models.py::get_models` (`/list`).
    async fn models_get_v1_list(rqctx: Ctx, q: Query<ModelListQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let page = query::int("page", &q.page)?.unwrap_or(1);
        let lq = app::ListQuery { query: q.query, view_option: q.view_option, tag: q.tag, order_by: q.order_by, direction: q.direction, page };
        Ok(HttpResponseOk(app::list_page(rqctx.context(), &s, &lq).await?))
    }
}
