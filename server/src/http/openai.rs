//! `/openai`: the implementation of [`OpenaiApi`] and [`OpenaiPassthroughApi`]. Thin handlers:
//! authenticate, read the path and body as FastAPI does, call [`crate::app::openai`].

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext, UntypedBody};
use http::Response;
use reqwest::Method;
use serde_json::{json, Map, Value};
use webui_api::ollama::{UrlIdxPath, UrlIdxQuery};
use webui_api::openai::*;
use webui_api::{Detail, FastJson, Shaped};

use super::ollama::{path_idx, query_idx, respond, Form, Ty};
use super::{auth, ServerImpl};
use crate::app::connections::Proxied;
use crate::app::openai::{self as app, Operation};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

const PROVIDER_MODEL_OPERATION_FORM: Form =
    Form { name: "ProviderModelOperationForm", fields: &[("model", Ty::Str)], extra: true, defaults: &[] };

const RESPONSES_FORM: Form = Form {
    name: "ResponsesForm",
    fields: &[
        ("model", Ty::Str),
        ("input", Ty::OptAny),
        ("instructions", Ty::OptStr),
        ("stream", Ty::OptBool),
        ("temperature", Ty::OptAny),
        ("max_output_tokens", Ty::OptAny),
        ("top_p", Ty::OptAny),
        ("tools", Ty::OptAny),
        ("tool_choice", Ty::OptAny),
        ("text", Ty::OptDict),
        ("truncation", Ty::OptStr),
        ("metadata", Ty::OptDict),
        ("store", Ty::OptBool),
        ("reasoning", Ty::OptDict),
        ("previous_response_id", Ty::OptStr),
    ],
    extra: true,
    defaults: &[],
};

/// A proxied answer that is JSON (the management routes answer nothing else but the SSE one).
fn json_of(p: Proxied) -> Value {
    match p {
        Proxied::Json(v) => v,
        _ => Value::Null,
    }
}

/// The download, load and unload forms: the connection checked, the model without its prefix.
async fn model_operation(
    rqctx: &Ctx,
    path: Path<UrlIdxPath>,
    body: FastJson<Shaped<ProviderModelOperationForm, Map<String, Value>>>,
    op: Operation,
) -> Result<HttpResponseOk<Value>, Detail> {
    let raw = path.into_inner().url_idx;
    let s = auth::require_admin(rqctx).await?;
    let idx = path_idx(&raw)?;
    let mut f = PROVIDER_MODEL_OPERATION_FORM.check(body.into_inner()?.into_inner())?;
    let model = f.get("model").and_then(Value::as_str).unwrap_or("").to_string();
    f.insert("model".into(), json!(app::management_model(rqctx.context(), idx, &model)?));
    Ok(HttpResponseOk(json_of(app::manage(rqctx.context(), &s, idx, op, Method::POST, Some(f), None, None).await?)))
}

/// The passthrough's path: the segments under `/openai/`, without `.` or `..` (which would
/// leave the connection's base path once joined to its URL; the reference passes them on).
fn proxy_path(segments: Vec<String>) -> Result<String, Detail> {
    if segments.iter().any(|s| s == "." || s == ".." || s.contains('/')) {
        return Err(Detail::bad_request("Invalid path"));
    }
    Ok(segments.join("/"))
}

async fn passthrough(rqctx: Ctx, method: Method, path: Vec<String>, body: Option<UntypedBody>) -> Result<Response<Body>, Detail> {
    let s = auth::require_user(&rqctx).await?;
    let path = proxy_path(path)?;
    let query = rqctx.request.uri().query().map(str::to_string);
    let body = body.map(|b| b.as_bytes().to_vec()).unwrap_or_default();
    respond(app::proxy(rqctx.context(), &s, method, &path, query.as_deref(), body).await?)
}

impl OpenaiApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/openai.py::speech`: the audio file (`FileResponse`).
    async fn openai_speech(rqctx: Ctx, body: UntypedBody) -> Result<Response<Body>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let audio = app::speech(rqctx.context(), &s, body.as_bytes()).await?;
        Response::builder()
            .status(200)
            .header(http::header::CONTENT_TYPE, "audio/mpeg")
            .body(Body::from(audio))
            .map_err(Detail::internal)
    }

    /// `routers/openai.py::responses`.
    async fn openai_responses(rqctx: Ctx, body: FastJson<Shaped<ResponsesForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = RESPONSES_FORM.check(body.into_inner()?.into_inner())?;
        respond(app::responses(rqctx.context(), &s, f).await?)
    }

    /// `routers/openai.py::get_models` (one connection).
    async fn openai_get_models_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Value>, Detail> {
        let raw = path.into_inner().url_idx;
        let s = auth::require_user(&rqctx).await?;
        let idx = path_idx(&raw)?;
        Ok(HttpResponseOk(app::models(rqctx.context(), &s, Some(idx)).await?))
    }

    /// `routers/openai.py::delete_provider_model`.
    async fn openai_delete_provider_model(rqctx: Ctx, path: Path<UrlIdxPath>, query: Query<ModelQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let raw = path.into_inner().url_idx;
        let model = query.into_inner().model;
        let s = auth::require_admin(&rqctx).await?;
        let idx = path_idx(&raw);
        let model = model.ok_or(()).map_err(|_| json!({"type": "missing", "loc": ["query", "model"], "msg": "Field required", "input": null}));
        match (idx, model) {
            (Ok(idx), Ok(model)) => {
                let actual = app::management_model(rqctx.context(), idx, &model)?;
                let q = ("model", actual.as_str());
                Ok(HttpResponseOk(json_of(app::manage(rqctx.context(), &s, idx, Operation::Delete, Method::DELETE, None, Some(q), None).await?)))
            }
            (idx, model) => {
                let mut errors = Vec::new();
                if let Err(d) = idx {
                    errors.extend(super::query::errors_of(d));
                }
                if let Err(e) = model {
                    errors.push(e);
                }
                Err(Detail::validation(errors))
            }
        }
    }

    /// `routers/openai.py::get_models`.
    async fn openai_get_models(rqctx: Ctx, query: Query<UrlIdxQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let raw = query.into_inner().url_idx;
        let s = auth::require_user(&rqctx).await?;
        let idx = query_idx(&raw)?;
        Ok(HttpResponseOk(app::models(rqctx.context(), &s, idx).await?))
    }

    /// `routers/openai.py::get_provider_model_catalog`.
    async fn openai_get_provider_model_catalog(rqctx: Ctx, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Value>, Detail> {
        let raw = path.into_inner().url_idx;
        let s = auth::require_admin(&rqctx).await?;
        let idx = path_idx(&raw)?;
        Ok(HttpResponseOk(json_of(app::manage(rqctx.context(), &s, idx, Operation::List, Method::GET, None, None, None).await?)))
    }

    /// `routers/openai.py::download_provider_model`.
    async fn openai_download_provider_model(
        rqctx: Ctx,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<ProviderModelOperationForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        model_operation(&rqctx, path, body, Operation::Download).await
    }

    /// `routers/openai.py::get_provider_model_download_status`.
    async fn openai_get_provider_model_download_status(rqctx: Ctx, path: Path<DownloadStatusPath>) -> Result<HttpResponseOk<Value>, Detail> {
        let p = path.into_inner();
        let s = auth::require_admin(&rqctx).await?;
        let idx = path_idx(&p.url_idx)?;
        let job = Some(p.job_id.as_str());
        Ok(HttpResponseOk(json_of(app::manage(rqctx.context(), &s, idx, Operation::DownloadStatus, Method::GET, None, None, job).await?)))
    }

    /// `routers/openai.py::load_provider_model`.
    async fn openai_load_provider_model(
        rqctx: Ctx,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<ProviderModelOperationForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        model_operation(&rqctx, path, body, Operation::Load).await
    }

    /// `routers/openai.py::unload_provider_model`.
    async fn openai_unload_provider_model(
        rqctx: Ctx,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<ProviderModelOperationForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        model_operation(&rqctx, path, body, Operation::Unload).await
    }

    /// `routers/openai.py::stream_provider_model_events`.
    async fn openai_stream_provider_model_events(rqctx: Ctx, path: Path<UrlIdxPath>) -> Result<Response<Body>, Detail> {
        let raw = path.into_inner().url_idx;
        let s = auth::require_admin(&rqctx).await?;
        let idx = path_idx(&raw)?;
        respond(app::manage(rqctx.context(), &s, idx, Operation::Sse, Method::GET, None, None, None).await?)
    }
}

impl OpenaiPassthroughApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/openai.py::proxy`.
    async fn openai_proxy_by_path_get(rqctx: Ctx, path: Path<ProxyPath>) -> Result<Response<Body>, Detail> {
        passthrough(rqctx, Method::GET, vec![path.into_inner().path], None).await
    }

    async fn openai_proxy_by_path_delete(rqctx: Ctx, path: Path<ProxyPath>, body: UntypedBody) -> Result<Response<Body>, Detail> {
        passthrough(rqctx, Method::DELETE, vec![path.into_inner().path], Some(body)).await
    }

    async fn openai_proxy_by_path_post(rqctx: Ctx, path: Path<ProxyPath>, body: UntypedBody) -> Result<Response<Body>, Detail> {
        passthrough(rqctx, Method::POST, vec![path.into_inner().path], Some(body)).await
    }

    async fn openai_proxy_by_path_put(rqctx: Ctx, path: Path<ProxyPath>, body: UntypedBody) -> Result<Response<Body>, Detail> {
        passthrough(rqctx, Method::PUT, vec![path.into_inner().path], Some(body)).await
    }
}

impl OpenaiPassthroughRestApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/openai.py::proxy` (paths of several segments).
    async fn openai_proxy_rest_get(rqctx: Ctx, path: Path<ProxyRestPath>) -> Result<Response<Body>, Detail> {
        passthrough(rqctx, Method::GET, path.into_inner().path, None).await
    }

    async fn openai_proxy_rest_delete(rqctx: Ctx, path: Path<ProxyRestPath>, body: UntypedBody) -> Result<Response<Body>, Detail> {
        passthrough(rqctx, Method::DELETE, path.into_inner().path, Some(body)).await
    }

    async fn openai_proxy_rest_post(rqctx: Ctx, path: Path<ProxyRestPath>, body: UntypedBody) -> Result<Response<Body>, Detail> {
        passthrough(rqctx, Method::POST, path.into_inner().path, Some(body)).await
    }

    async fn openai_proxy_rest_put(rqctx: Ctx, path: Path<ProxyRestPath>, body: UntypedBody) -> Result<Response<Body>, Detail> {
        passthrough(rqctx, Method::PUT, path.into_inner().path, Some(body)).await
    }
}
