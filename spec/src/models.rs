//! The model list (`/api/models`, `main.py`) and the workspace models (`/api/v1/models`,
//! `routers/models.py`): the API trait and wire types.

use dropshot::{HttpResponseOk, Query, RequestContext};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::Detail;

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
}
}
