//! `/api/v1/utils` (the reference's `routers/utils.py`) and `GET /cache/{path}` (`main.py`'s
//! `serve_cache_file`).

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::{Detail, FastJson};

/// `GET /api/v1/utils/gravatar?email=` (required: its absence is the route's 422).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GravatarQuery {
    #[serde(default)]
    pub email: Option<String>,
}

/// `CodeForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CodeForm {
    pub code: String,
}

/// The path under the cache folder, one entry per segment, percent-decoded.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CachePath {
    pub path: Vec<String>,
}

api_traits! {
/// The `/api/v1/utils` operations.
pub trait UtilsApi in utils_api_invokers {
    type Context: Send + Sync + 'static;

    /// Any verified user: the Gravatar URL of an email address.
    #[endpoint { method = GET, path = "/api/v1/utils/gravatar", tags = ["utils"] }]
    async fn utils_get_gravatar(
        rqctx: RequestContext<Self::Context>,
        query: Query<GravatarQuery>,
    ) -> Result<HttpResponseOk<String>, Detail>;

    /// Any verified user: runs code on the configured engine (Jupyter), when code execution is on.
    #[endpoint { method = POST, path = "/api/v1/utils/code/execute", tags = ["utils"] }]
    async fn utils_execute_code(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<CodeForm>,
    ) -> Result<HttpResponseOk<Value>, Detail>;

    /// Admin: the SQLite database file (this server runs on PostgreSQL: the reference's 400).
    #[endpoint { method = GET, path = "/api/v1/utils/db/download", tags = ["utils"] }]
    async fn utils_download_db(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Value>, Detail>;
}
}

api_traits! {
/// `GET /cache/{path}` (unpublished: dropshot publishes no catch-all path).
pub trait CacheApi in cache_api_invokers {
    type Context: Send + Sync + 'static;

    /// Any verified user: a file under the data folder's `cache` (never outside it).
    #[endpoint { method = GET, path = "/cache/{path:.*}", unpublished = true }]
    async fn cache_serve_file(
        rqctx: RequestContext<Self::Context>,
        path: Path<CachePath>,
    ) -> Result<Response<Body>, Detail>;
}
}
