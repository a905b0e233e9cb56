//! The Open WebUI 0.12.4 HTTP API as a dropshot API trait.
//!
//! This crate holds the trait and the wire types only, so the OpenAPI document
//! (`spec/openapi/webui.json`) builds without compiling the server. The reference's own document
//! (`spec/openapi/reference.json`) is the source of truth; `tools conformance` diffs the two.
//!
//! Naming: one module per upstream resource (`health`, `config`, ...), handler names
//! `<resource>_<verb>`, URL paths exactly as upstream.

use dropshot::{Body, HttpResponseOk, RequestContext};
use http::Response;

mod error;
pub mod types;

pub use error::{Detail, VALIDATION_ERROR_CODE};
pub use types::*;

/// The version of upstream Open WebUI whose API this crate reproduces.
pub const UPSTREAM_VERSION: &str = "0.12.4";

#[dropshot::api_description]
pub trait WebuiApi {
    type Context: Send + Sync + 'static;

    /// Liveness: answers as soon as the process serves HTTP.
    #[endpoint { method = GET, path = "/health" }]
    async fn health_check(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// Database liveness: runs one query.
    #[endpoint { method = GET, path = "/health/db" }]
    async fn health_check_db(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// Readiness: the database answers and start-up has finished.
    #[endpoint { method = GET, path = "/ready" }]
    async fn ready_check(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<StatusResponse>, Detail>;

    /// The upstream version this server is compatible with, and a deployment id that stays
    /// stable across restarts (the web UI reloads the page when either changes).
    #[endpoint { method = GET, path = "/api/version" }]
    async fn version_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Front-end configuration: a public subset without a session, more with one.
    #[endpoint { method = GET, path = "/api/config" }]
    async fn config_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// Upstream's changelog, as the "what's new" dialog shows it.
    #[endpoint { method = GET, path = "/api/changelog" }]
    async fn changelog_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The PWA manifest.
    #[endpoint { method = GET, path = "/manifest.json" }]
    async fn manifest_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The OpenSearch description (browser search-bar integration).
    #[endpoint { method = GET, path = "/opensearch.xml" }]
    async fn opensearch_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;
}
