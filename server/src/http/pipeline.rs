//! Embeddings and the Anthropic token count: the implementation of [`PipelineApi`] over
//! [`crate::app::completions::embeddings`] and [`crate::app::completions::anthropic`].

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, RequestContext};
use http::Response;
use serde_json::{Map, Value};
use webui_api::pipeline::PipelineApi;
use webui_api::{Detail, FastJson};

use super::completions::respond;
use super::{auth, ServerImpl};
use crate::app::completions::{anthropic, embeddings as app};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

async fn embeddings(rqctx: &Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
    let user = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    respond(app::generate(rqctx.context(), &user, form).await?)
}

async fn count_tokens(rqctx: &Ctx, body: FastJson<Map<String, Value>>) -> Result<HttpResponseOk<Value>, Detail> {
    let user = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    Ok(HttpResponseOk(anthropic::count_tokens(rqctx.context(), &user, form).await?))
}

impl PipelineApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `main.py::embeddings`.
    async fn embeddings(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        embeddings(&rqctx, body).await
    }

    /// `main.py::embeddings` at `/api/v1/embeddings`.
    async fn embeddings_v1(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        embeddings(&rqctx, body).await
    }

    /// `main.py::count_message_tokens`.
    async fn message_count_tokens(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<HttpResponseOk<Value>, Detail> {
        count_tokens(&rqctx, body).await
    }

    /// `main.py::count_message_tokens` at `/api/v1/messages/count_tokens`.
    async fn messages_count_tokens(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<HttpResponseOk<Value>, Detail> {
        count_tokens(&rqctx, body).await
    }
}
