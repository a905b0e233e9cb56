//! `/api/config`, `/manifest.json`, `/opensearch.xml` (the logic is [`crate::app::config`]).

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, RequestContext};
use http::Response;
use serde_json::Value;
use webui_api::config::ConfigApi;
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::config;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// `/api/config`: the token as the reference's `get_app_config` reads it, `Authorization` (any
/// scheme) first, else the `token` cookie.
pub async fn app_config(rqctx: &RequestContext<Arc<ServerContext>>) -> Result<Value, Detail> {
    let headers = rqctx.request.headers();
    let mut token = auth::authorization_cred(headers).filter(|t| !t.is_empty());
    if token.is_none() {
        token = auth::cookies(headers).get("token").cloned().filter(|t| !t.is_empty());
    }
    Ok(config::app_config(rqctx.context(), token.as_deref()).await?)
}

/// The PWA manifest.
pub fn manifest(ctx: &ServerContext) -> Value {
    config::manifest(ctx)
}

/// The OpenSearch description, as `application/xml`.
pub async fn opensearch(ctx: &ServerContext) -> Result<Response<Body>, Detail> {
    Ok(Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/xml")
        .body(Body::from(config::opensearch(ctx)))
        .expect("a valid response"))
}

impl ConfigApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn config_get_app(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        app_config(&rqctx).await.map(HttpResponseOk)
    }

    async fn manifest_json_get(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(manifest(rqctx.context())))
    }

    async fn opensearch_xml_get(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        opensearch(rqctx.context()).await
    }
}
