//! The HTTP layer: [`ServerImpl`] implements the API trait; each resource's handlers live in
//! their own module and stay thin (authenticate, call one function, map the result).

mod config;
mod health;
mod version;

use std::sync::Arc;

use dropshot::{ApiDescription, Body, HttpResponseOk, RequestContext};
use http::Response;
use serde_json::Value;
use webui_api::{Detail, StatusResponse, WebuiApi};

use crate::context::ServerContext;

/// The implementation of [`WebuiApi`]; never instantiated.
pub enum ServerImpl {}

/// The API description with every endpoint of the trait registered.
pub fn api() -> ApiDescription<Arc<ServerContext>> {
    webui_api::webui_api_mod::api_description::<ServerImpl>().expect("the API trait's endpoints register")
}

type Ctx = RequestContext<Arc<ServerContext>>;

impl WebuiApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn health_check(_rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn health_check_db(rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        health::db_ping(rqctx.context()).await?;
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn ready_check(rqctx: Ctx) -> Result<HttpResponseOk<StatusResponse>, Detail> {
        health::ready(rqctx.context()).await?;
        Ok(HttpResponseOk(StatusResponse { status: true }))
    }

    async fn version_get(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(version::version(rqctx.context())))
    }

    async fn config_get(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        config::app_config(&rqctx).await.map(HttpResponseOk)
    }

    async fn changelog_get(_rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(version::changelog()))
    }

    async fn manifest_get(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        Ok(HttpResponseOk(config::manifest(rqctx.context())))
    }

    async fn opensearch_get(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        config::opensearch(rqctx.context()).await
    }
}
