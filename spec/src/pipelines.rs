//! `/api/v1/pipelines` (`routers/pipelines.py`): the OpenAI connections that are Pipelines
//! servers, for the admin panel's Pipelines page. Managing the pipelines themselves (upload,
//! valves) is not served.

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::Serialize;

use crate::Detail;

/// One Pipelines server: its URL and the index of its OpenAI connection.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PipelinesServer {
    pub url: String,
    pub idx: i64,
}

/// `GET /api/v1/pipelines/list`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PipelinesList {
    pub data: Vec<PipelinesServer>,
}

api_traits! {
/// The Pipelines servers among the OpenAI connections.
pub trait PipelinesApi in pipelines_api_invokers {
    type Context: Send + Sync + 'static;

    /// The OpenAI connections whose `/models` answer says `pipelines` (admin).
    #[endpoint { method = GET, path = "/api/v1/pipelines/list", tags = ["pipelines"] }]
    async fn pipelines_get_list(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<PipelinesList>, Detail>;
}
}
