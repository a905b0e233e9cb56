//! `/api/config`, `/manifest.json` and `/opensearch.xml` (the reference's `main.py`): what the web
//! UI and the browser read before and after sign-in. (The admin panel's settings are
//! [`crate::configs`].)

use dropshot::{Body, HttpResponseOk, RequestContext};
use http::Response;

use crate::Detail;

api_traits! {
/// The front-end configuration, the PWA manifest and the OpenSearch description (`main.py`).
pub trait ConfigApi in config_api_invokers {
    type Context: Send + Sync + 'static;

    /// Front-end configuration: a public subset without a session, more with one.
    #[endpoint { method = GET, path = "/api/config" }]
    async fn config_get_app(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The PWA manifest.
    #[endpoint { method = GET, path = "/manifest.json" }]
    async fn manifest_json_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, Detail>;

    /// The OpenSearch description (browser search-bar integration).
    #[endpoint { method = GET, path = "/opensearch.xml" }]
    async fn opensearch_xml_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;
}
}
