//! `/openai/config`, `/ollama/config` and their `verify` routes: the implementation of
//! [`ConnectionsApi`]. Thin handlers: authenticate (admin), call [`crate::app::connections`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, RequestContext};
use serde_json::{Map, Value};
use webui_api::connections::{ConnectionsApi, OllamaConfigForm, OllamaVerifyForm, OpenAIConfigForm, OpenAIVerifyForm};
use webui_api::{Detail, FastJson};

use super::{auth, ServerImpl};
use crate::app::connections as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// An answer the app layer builds as an object.
fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

impl ConnectionsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/openai.py::get_config`.
    async fn openai_get_config(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::openai_config(rqctx.context())))
    }

    /// `routers/openai.py::update_config`.
    async fn openai_update_config(rqctx: Ctx, body: FastJson<OpenAIConfigForm>) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        let f = body.into_inner()?;
        let v = app::openai_update(rqctx.context(), f.ENABLE_OPENAI_API, f.OPENAI_API_BASE_URLS, f.OPENAI_API_KEYS, f.OPENAI_API_CONFIGS).await?;
        Ok(HttpResponseOk(v))
    }

    /// `routers/openai.py::verify_connection`.
    async fn openai_verify_connection(rqctx: Ctx, body: FastJson<OpenAIVerifyForm>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::openai_verify(rqctx.context(), &s, &f.url, &f.key, f.config).await?))
    }

    /// `routers/ollama.py::get_config`.
    async fn ollama_get_config(rqctx: Ctx) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(object(app::ollama_config(rqctx.context()))))
    }

    /// `routers/ollama.py::update_config`.
    async fn ollama_update_config(rqctx: Ctx, body: FastJson<OllamaConfigForm>) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        auth::require_admin(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(object(app::ollama_update(rqctx.context(), f.ENABLE_OLLAMA_API, f.OLLAMA_BASE_URLS, f.OLLAMA_API_CONFIGS).await?)))
    }

    /// `routers/ollama.py::verify_connection`.
    async fn ollama_verify_connection(rqctx: Ctx, body: FastJson<OllamaVerifyForm>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::ollama_verify(rqctx.context(), &s, &f.url, f.key.as_deref(), f.config).await?))
    }
}
