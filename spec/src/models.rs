//! The model list (`/api/models`, `main.py`) and the workspace models (`/api/v1/models`,
//! `routers/models.py`): the API trait and wire types.

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{Detail, FastJson};

/// `?refresh=` of `GET /api/models` (read as text, parsed as FastAPI's bool after the auth check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ModelsRefreshQuery {
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub refresh: Option<String>,
}

/// `ModelUnloadForm`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ModelUnloadForm {
    pub model: String,
}

/// `?id=` of the `/api/v1/models/model...` routes (required; checked after the auth check, as
/// FastAPI resolves the session first).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ModelIdQuery {
    #[serde(default)]
    #[schemars(with = "String")]
    pub id: Option<String>,
}

/// `?id=&page=` of `GET /api/v1/models/model/history`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ModelHistoryQuery {
    #[serde(default)]
    #[schemars(with = "String")]
    pub id: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// The query of `GET /api/v1/models/list` (`page` read as text, parsed after the auth check).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ModelListQuery {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub view_option: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub order_by: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// `{history_id}` of the history entry routes.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct HistoryIdPath {
    pub history_id: String,
}

/// `?tag=` of `GET /api/v1/models/base`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ModelTagQuery {
    #[serde(default)]
    pub tag: Option<String>,
}

/// `ModelForm` (`POST /api/v1/models/create`): `meta` and `params` are free objects
/// (`ModelMeta`/`ModelParams` allow extra keys).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ModelForm {
    #[serde(default)]
    pub commit_message: Option<String>,
    pub id: String,
    #[serde(default)]
    pub base_model_id: Option<String>,
    pub name: String,
    pub meta: Map<String, Value>,
    pub params: Map<String, Value>,
    #[serde(default)]
    pub access_grants: Option<Vec<Map<String, Value>>>,
    #[serde(default = "yes")]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

/// `ModelIdForm` (`POST /api/v1/models/model/delete`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ModelIdForm {
    pub id: String,
}

/// `ModelAccessGrantsForm` (`POST /api/v1/models/model/access/update`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ModelAccessGrantsForm {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub access_grants: Vec<Map<String, Value>>,
}

/// `ModelsImportForm` (`POST /api/v1/models/import`): the items as exported.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ModelsImportForm {
    pub models: Vec<Map<String, Value>>,
}

/// `AccessGrantModel`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AccessGrantModel {
    pub id: String,
    pub resource_type: String,
    pub resource_id: String,
    pub principal_type: String,
    pub principal_id: String,
    pub permission: String,
    pub created_at: i64,
}

/// `ModelModel`: a stored model as `GET /api/v1/models/all` lists it.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ModelModel {
    #[serde(default)]
    pub version_id: Option<String>,
    pub id: String,
    pub user_id: String,
    #[serde(default)]
    pub base_model_id: Option<String>,
    pub name: String,
    pub params: Map<String, Value>,
    pub meta: Map<String, Value>,
    #[serde(default)]
    pub access_grants: Vec<AccessGrantModel>,
    pub is_active: bool,
    pub updated_at: i64,
    pub created_at: i64,
}

/// `SyncModelsForm` (`POST /api/v1/models/sync`): each item a [`ModelModel`], validated one by one
/// by the handler (FastAPI's errors name the item: `["body", "models", i, field]`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SyncModelsForm {
    #[serde(default)]
    pub models: Vec<Map<String, Value>>,
}

/// `ModelVersionForm` (`POST /api/v1/models/model/update/version`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ModelVersionForm {
    pub version_id: String,
}

api_traits! {
/// The model list every page of the web UI loads, and the workspace models.
pub trait ModelsApi in models_api_invokers {
    type Context: Send + Sync + 'static;

    /// The models the caller may use: every enabled connection's models merged with the
    /// workspace's custom models, filtered by access grants, in the configured order.
    #[endpoint { method = GET, path = "/api/models", tags = ["models"] }]
    async fn models_get(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelsRefreshQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// The same list at the OpenAI-compatible path (`main.py` declares both on one handler).
    #[endpoint { method = GET, path = "/api/v1/models", tags = ["models"] }]
    async fn models_get_v1(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelsRefreshQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: the connections' models as the providers list them, without custom models.
    #[endpoint { method = GET, path = "/api/models/base", tags = ["models"] }]
    async fn models_get_base(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: every workspace model (`ModelResponse` list).
    #[endpoint { method = GET, path = "/api/v1/models/all", tags = ["models"] }]
    async fn models_get_all_records(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: the workspace entries over base models (no `base_model_id`), optionally by tag.
    #[endpoint { method = GET, path = "/api/v1/models/base", tags = ["models"] }]
    async fn models_get_base_v1(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelTagQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: the tags of the base-model entries, sorted.
    #[endpoint { method = GET, path = "/api/v1/models/base/tags", tags = ["models"] }]
    async fn models_get_base_tags(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Vec<String>>, Detail>;

    /// The tags of the presets the caller may read, sorted.
    #[endpoint { method = GET, path = "/api/v1/models/tags", tags = ["models"] }]
    async fn models_get_tags(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Vec<String>>, Detail>;

    /// Creates a workspace model (a preset over a base model, or an admin's override of one).
    #[endpoint { method = POST, path = "/api/v1/models/create", tags = ["models"] }]
    async fn models_create_new(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ModelForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// One workspace model with the caller's `write_access` (params hidden from readers).
    #[endpoint { method = GET, path = "/api/v1/models/model", tags = ["models"] }]
    async fn models_get_by_id(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelIdQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Turns a workspace model on or off.
    #[endpoint { method = POST, path = "/api/v1/models/model/toggle", tags = ["models"] }]
    async fn models_toggle_by_id(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelIdQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Replaces a model's access grants (an admin may grant on a base model without an entry:
    /// one is created).
    #[endpoint { method = POST, path = "/api/v1/models/model/access/update", tags = ["models"] }]
    async fn models_update_access_by_id(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ModelAccessGrantsForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Deletes a workspace model, its history and its grants.
    #[endpoint { method = POST, path = "/api/v1/models/model/delete", tags = ["models"] }]
    async fn models_delete_by_id(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ModelIdForm>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Admin: deletes every workspace model.
    #[endpoint { method = DELETE, path = "/api/v1/models/delete/all", tags = ["models"] }]
    async fn models_delete_all(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<bool>, Detail>;

    /// A model's avatar: a redirect (an external URL when forwarding is on, a `/static` path, else
    /// the stock favicon), or the decoded `data:` image; callers without read access get the
    /// favicon too (ids stay unprobeable).
    #[endpoint { method = GET, path = "/api/v1/models/model/profile/image", tags = ["models"] }]
    async fn models_get_profile_image(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelIdQuery>,
    ) -> Result<Response<Body>, Detail>;

    /// Updates a workspace model's configuration (a new history version when it changed).
    #[endpoint { method = POST, path = "/api/v1/models/model/update", tags = ["models"] }]
    async fn models_update_by_id(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<crate::Shaped<ModelForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: asks the provider that serves a model to unload it from memory.
    #[endpoint { method = POST, path = "/api/models/unload", tags = ["models"] }]
    async fn models_unload(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ModelUnloadForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// A model's versions, newest first, 20 a page (owner, admin or writer).
    #[endpoint { method = GET, path = "/api/v1/models/model/history", tags = ["models"] }]
    async fn models_get_history(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelHistoryQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// One version with its snapshot.
    #[endpoint { method = GET, path = "/api/v1/models/model/history/{history_id}", tags = ["models"] }]
    async fn models_get_history_entry(
        rqctx: RequestContext<Self::Context>,
        path: Path<HistoryIdPath>,
        query: Query<ModelIdQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Deletes a version that is not the current one (its children are relinked to its parent).
    #[endpoint { method = DELETE, path = "/api/v1/models/model/history/{history_id}", tags = ["models"] }]
    async fn models_delete_history_entry(
        rqctx: RequestContext<Self::Context>,
        path: Path<HistoryIdPath>,
        query: Query<ModelIdQuery>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Imports exported models: each created, or merged into the model of its id (admin, or
    /// `workspace.models_import`).
    #[endpoint { method = POST, path = "/api/v1/models/import", tags = ["models"] }]
    async fn models_import(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<ModelsImportForm>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Admin: the workspace becomes exactly these models (created, updated, the others deleted).
    #[endpoint { method = POST, path = "/api/v1/models/sync", tags = ["models"] }]
    async fn models_sync(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<SyncModelsForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Makes one of a model's versions its live configuration (owner, admin or writer).
    #[endpoint { method = POST, path = "/api/v1/models/model/update/version", tags = ["models"] }]
    async fn models_set_version(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelIdQuery>,
        body: FastJson<ModelVersionForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// The presets the caller may read, 30 a page, searchable, with their owner and the
    /// caller's `write_access`.
    #[endpoint { method = GET, path = "/api/v1/models/list", tags = ["models"] }]
    async fn models_get_v1_list(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelListQuery>,
    ) -> Result<HttpResponseOk<Value>, Detail>;
}
}
