//! `/ollama`: the implementation of [`OllamaApi`]. Thin handlers: authenticate, read `url_idx`
//! and the body as FastAPI does, call [`crate::app::ollama`], and answer JSON or the backend's
//! stream as it arrives. The body helpers here (pydantic's checks of forms that let extra
//! fields through, their dumps) serve [`super::openai`] too.

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext, StreamingBody};
use futures::StreamExt;
use http::Response;
use serde_json::{json, Map, Value};
use webui_api::ollama::*;
use webui_api::{Detail, FastJson, Shaped};

use super::{auth, ServerImpl};
use crate::app::connections::{pydantic_error_line, pydantic_error_text, Proxied};
use crate::app::ollama as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

// ---- reading requests as FastAPI does ----

/// `{url_idx}` as an `int` (pydantic's 422 otherwise).
pub(super) fn path_idx(raw: &str) -> Result<i64, Detail> {
    parse_int(raw).ok_or_else(|| int_error("path", "url_idx", raw))
}

/// `?url_idx=` as an `int`, when given.
pub(super) fn query_idx(raw: &Option<String>) -> Result<Option<i64>, Detail> {
    match raw {
        None => Ok(None),
        Some(s) => parse_int(s).map(Some).ok_or_else(|| int_error("query", "url_idx", s)),
    }
}

/// pydantic's lax `int` from a string: optional sign, digits, `_` between digits, spaces around.
fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    t.replace('_', "").parse::<i64>().ok()
}

fn int_error(place: &str, name: &str, input: &str) -> Detail {
    Detail::validation(vec![json!({
        "type": "int_parsing", "loc": [place, name],
        "msg": "Input should be a valid integer, unable to parse string as an integer", "input": input,
    })])
}

/// A form field's type, as far as the checks here go.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Ty {
    /// `str`, required.
    Str,
    /// `str | None`.
    OptStr,
    /// `bool | None` (pydantic's lax strings and numbers accepted, dumped as booleans).
    OptBool,
    /// `dict | None`.
    OptDict,
    /// Anything, required.
    Any,
    /// Anything or nothing.
    OptAny,
}

/// A form: its name (for pydantic's messages), its fields in declaration order, whether extra
/// fields go through (`extra='allow'`), and defaults that are not `None`.
pub(super) struct Form {
    pub name: &'static str,
    pub fields: &'static [(&'static str, Ty)],
    pub extra: bool,
    pub defaults: &'static [(&'static str, bool)],
}

fn lax_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f == 0.0 => Some(false),
            Some(f) if f == 1.0 => Some(true),
            _ => None,
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
            "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// One pydantic error of a field: `(type, msg)`.
fn field_error(ty: Ty, v: Option<&Value>) -> Option<(&'static str, &'static str)> {
    match (ty, v) {
        (Ty::Str | Ty::Any, None) => Some(("missing", "Field required")),
        (Ty::Str, Some(Value::String(_))) | (Ty::OptStr, None | Some(Value::Null | Value::String(_))) => None,
        (Ty::Str | Ty::OptStr, Some(_)) => Some(("string_type", "Input should be a valid string")),
        (Ty::OptBool, None | Some(Value::Null)) => None,
        (Ty::OptBool, Some(v)) => match (lax_bool(v), v) {
            (Some(_), _) => None,
            (None, Value::String(_)) => Some(("bool_parsing", "Input should be a valid boolean, unable to interpret input")),
            (None, Value::Number(_)) => Some(("bool_parsing", "Input should be a valid boolean, unable to interpret input")),
            (None, _) => Some(("bool_type", "Input should be a valid boolean")),
        },
        (Ty::OptDict, None | Some(Value::Null | Value::Object(_))) => None,
        (Ty::OptDict, Some(_)) => Some(("dict_type", "Input should be a valid dictionary")),
        (Ty::Any | Ty::OptAny, _) => None,
    }
}

impl Form {
    /// FastAPI's 422 for the body, or the body dumped as `model_dump(exclude_none=True)`
    /// (declared fields in order, then the extra ones when allowed).
    pub(super) fn check(&self, body: Map<String, Value>) -> Result<Map<String, Value>, Detail> {
        let errors: Vec<Value> = self
            .fields
            .iter()
            .filter_map(|(name, ty)| {
                let v = body.get(*name);
                field_error(*ty, v).map(|(t, msg)| {
                    let input = if t == "missing" { Value::Object(body.clone()) } else { v.cloned().unwrap_or(Value::Null) };
                    json!({"type": t, "loc": ["body", name], "msg": msg, "input": input})
                })
            })
            .collect();
        if !errors.is_empty() {
            return Err(Detail::validation(errors));
        }
        Ok(self.dump(body))
    }

    fn dump(&self, mut body: Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, ty) in self.fields {
            let v = match body.shift_remove(*name) {
                Some(v) => Some(v),
                None => self.defaults.iter().find(|(n, _)| n == name).map(|(_, d)| Value::Bool(*d)),
            };
            let v = match (ty, v) {
                (Ty::OptBool, Some(v)) if !v.is_null() => lax_bool(&v).map(Value::Bool),
                (_, v) => v,
            };
            if let Some(v) = v.filter(|v| !v.is_null()) {
                out.insert(name.to_string(), v);
            }
        }
        if self.extra {
            out.extend(body.into_iter().filter(|(_, v)| !v.is_null()));
        }
        out
    }

    /// `str(ValidationError)` of the form built from a `dict` body by the handler itself (the
    /// reference answers it as a 400's detail), or `None` when the body is valid.
    pub(super) fn pydantic_text(&self, body: &Map<String, Value>) -> Option<String> {
        let mut lines = Vec::new();
        for (name, ty) in self.fields {
            let v = body.get(*name);
            let Some((t, msg)) = field_error(*ty, v) else { continue };
            let input = if t == "missing" { Value::Object(body.clone()) } else { v.cloned().unwrap_or(Value::Null) };
            lines.push(pydantic_error_line(name, t, msg, &input));
        }
        if lines.is_empty() {
            return None;
        }
        Some(pydantic_error_text(self.name, &lines))
    }
}

const MODEL_NAME_FORM: Form = Form { name: "ModelNameForm", fields: &[("model", Ty::OptStr)], extra: true, defaults: &[] };
const PUSH_MODEL_FORM: Form =
    Form { name: "PushModelForm", fields: &[("model", Ty::Str), ("insecure", Ty::OptBool), ("stream", Ty::OptBool)], extra: false, defaults: &[] };
const CREATE_MODEL_FORM: Form = Form {
    name: "CreateModelForm",
    fields: &[("model", Ty::OptStr), ("stream", Ty::OptBool), ("path", Ty::OptStr)],
    extra: true,
    defaults: &[],
};
const COPY_MODEL_FORM: Form = Form { name: "CopyModelForm", fields: &[("source", Ty::Str), ("destination", Ty::Str)], extra: false, defaults: &[] };
const GENERATE_EMBED_FORM: Form = Form {
    name: "GenerateEmbedForm",
    fields: &[("model", Ty::Str), ("input", Ty::Any), ("truncate", Ty::OptBool), ("options", Ty::OptDict), ("keep_alive", Ty::OptAny)],
    extra: true,
    defaults: &[],
};
const GENERATE_EMBEDDINGS_FORM: Form = Form {
    name: "GenerateEmbeddingsForm",
    fields: &[("model", Ty::Str), ("prompt", Ty::Str), ("options", Ty::OptDict), ("keep_alive", Ty::OptAny)],
    extra: false,
    defaults: &[],
};
const GENERATE_COMPLETION_FORM: Form = Form {
    name: "GenerateCompletionForm",
    fields: &[
        ("model", Ty::Str),
        ("prompt", Ty::OptStr),
        ("suffix", Ty::OptStr),
        ("images", Ty::OptAny),
        ("format", Ty::OptAny),
        ("options", Ty::OptDict),
        ("system", Ty::OptStr),
        ("template", Ty::OptStr),
        ("context", Ty::OptAny),
        ("stream", Ty::OptBool),
        ("raw", Ty::OptBool),
        ("keep_alive", Ty::OptAny),
    ],
    extra: false,
    defaults: &[("stream", true)],
};
const OPENAI_COMPLETION_FORM: Form =
    Form { name: "OpenAICompletionForm", fields: &[("model", Ty::Str), ("prompt", Ty::Str)], extra: true, defaults: &[] };
const OPENAI_EMBEDDINGS_FORM: Form =
    Form { name: "OpenAIEmbeddingsForm", fields: &[("model", Ty::Str), ("input", Ty::Any)], extra: true, defaults: &[] };

/// A form read from a shaped body after the auth check.
fn form<T>(body: FastJson<Shaped<T, Map<String, Value>>>, f: &Form) -> Result<Map<String, Value>, Detail> {
    f.check(body.into_inner()?.into_inner())
}

/// A `dict` body the handler validates itself: `metadata` popped, then the form's check as a
/// 400 with pydantic's text, then `model_dump(exclude_none=True)` (`metadata` never sent on).
fn dict_form(body: FastJson<Map<String, Value>>, f: &Form) -> Result<Map<String, Value>, Detail> {
    let mut body = body.into_inner()?;
    body.shift_remove("metadata");
    if let Some(text) = f.pydantic_text(&body) {
        return Err(Detail::new(400, text));
    }
    let mut out = f.dump(body);
    out.shift_remove("metadata");
    Ok(out)
}

// ---- answering ----

/// A proxied answer as the response: JSON, or the provider's stream passed through chunk by
/// chunk with its status and headers.
pub(super) fn respond(p: Proxied) -> Result<Response<Body>, Detail> {
    match p {
        Proxied::Json(v) => json_response(200, &v, Vec::new()),
        Proxied::Passed { status, body: Ok(v), headers } => json_response(status, &v, headers),
        Proxied::Passed { status, body: Err(text), headers } => {
            let mut b = Response::builder().status(status).header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8");
            for (k, v) in headers {
                b = b.header(k, v);
            }
            b.body(Body::from(text)).map_err(Detail::internal)
        }
        Proxied::Stream(s) => {
            // Never gzipped: dropshot's encoder holds small chunks back until it has enough to
            // compress, which would turn a stream into one late answer.
            let mut b = Response::builder().status(s.status).extension(dropshot::NoCompression);
            for (k, v) in s.headers {
                b = b.header(k, v);
            }
            // A task forwards the chunks one at a time (dropshot's body must be `Sync`); when the
            // client goes away the task ends and drops the provider's answer.
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(1);
            let mut chunks = s.body;
            tokio::spawn(async move {
                while let Some(c) = chunks.next().await {
                    let end = c.is_err();
                    if tx.send(c).await.is_err() || end {
                        return;
                    }
                }
            });
            let frames = futures::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|o| o.map(|r| r.map(hyper::body::Frame::data))));
            b.body(Body::wrap(http_body_util::StreamBody::new(frames))).map_err(Detail::internal)
        }
    }
}

fn json_response(status: u16, v: &Value, headers: Vec<(http::HeaderName, http::HeaderValue)>) -> Result<Response<Body>, Detail> {
    let mut b = Response::builder().status(status).header(http::header::CONTENT_TYPE, "application/json");
    for (k, v) in headers {
        b = b.header(k, v);
    }
    b.body(Body::from(serde_json::to_vec(v).unwrap_or_default())).map_err(Detail::internal)
}

/// An answer the app layer builds as an object (the routes the reference declares as `dict`).
fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

/// `model_dump_json(exclude_none=True)` of a checked form.
fn bytes(form: &Map<String, Value>) -> Vec<u8> {
    serde_json::to_vec(form).unwrap_or_default()
}

async fn pull(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let idx = idx?;
    let f = form(body, &MODEL_NAME_FORM)?;
    respond(app::pull(rqctx.context(), &s, f, idx.unwrap_or(0)).await?)
}

async fn push(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: FastJson<Shaped<PushModelForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let idx = idx?;
    let f = form(body, &PUSH_MODEL_FORM)?;
    let model = f.get("model").and_then(Value::as_str).unwrap_or("").to_string();
    respond(app::push(rqctx.context(), &s, &model, bytes(&f), idx).await?)
}

async fn create(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: FastJson<Shaped<CreateModelForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let idx = idx?;
    let f = form(body, &CREATE_MODEL_FORM)?;
    respond(app::create(rqctx.context(), &s, bytes(&f), idx.unwrap_or(0)).await?)
}

async fn copy(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: FastJson<Shaped<CopyModelForm, Map<String, Value>>>) -> Result<HttpResponseOk<bool>, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let idx = idx?;
    let f = form(body, &COPY_MODEL_FORM)?;
    let source = f.get("source").and_then(Value::as_str).unwrap_or("").to_string();
    Ok(HttpResponseOk(app::copy(rqctx.context(), &s, &source, bytes(&f), idx).await?))
}

async fn delete(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>) -> Result<HttpResponseOk<bool>, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let idx = idx?;
    let f = form(body, &MODEL_NAME_FORM)?;
    Ok(HttpResponseOk(app::delete(rqctx.context(), &s, f, idx).await?))
}

async fn embed(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: FastJson<Shaped<GenerateEmbedForm, Map<String, Value>>>) -> Result<HttpResponseOk<Value>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let idx = idx?;
    let f = form(body, &GENERATE_EMBED_FORM)?;
    Ok(HttpResponseOk(app::embed(rqctx.context(), &s, f, idx).await?))
}

async fn embeddings(
    rqctx: &Ctx,
    idx: Result<Option<i64>, Detail>,
    body: FastJson<Shaped<GenerateEmbeddingsForm, Map<String, Value>>>,
) -> Result<HttpResponseOk<Value>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let idx = idx?;
    let f = form(body, &GENERATE_EMBEDDINGS_FORM)?;
    Ok(HttpResponseOk(app::embeddings(rqctx.context(), &s, f, idx).await?))
}

async fn generate(
    rqctx: &Ctx,
    idx: Result<Option<i64>, Detail>,
    body: FastJson<Shaped<GenerateCompletionForm, Map<String, Value>>>,
) -> Result<Response<Body>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let idx = idx?;
    let f = form(body, &GENERATE_COMPLETION_FORM)?;
    respond(app::generate(rqctx.context(), &s, f, idx).await?)
}

async fn v1_completions(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: DictBody) -> Result<Response<Body>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let idx = idx?;
    let f = dict_form(body, &OPENAI_COMPLETION_FORM)?;
    respond(app::v1_completions(rqctx.context(), &s, f, idx).await?)
}

async fn v1_embeddings(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: DictBody) -> Result<HttpResponseOk<Value>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let idx = idx?;
    app::require_enabled(rqctx.context())?;
    let f = dict_form(body, &OPENAI_EMBEDDINGS_FORM)?;
    Ok(HttpResponseOk(app::v1_embeddings(rqctx.context(), &s, f, idx).await?))
}

async fn v1_messages(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: DictBody) -> Result<Response<Body>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let idx = idx?;
    let f = body.into_inner()?;
    respond(app::v1_passthrough(rqctx.context(), &s, "/v1/messages", f, idx).await?)
}

async fn v1_responses(
    rqctx: &Ctx,
    idx: Result<Option<i64>, Detail>,
    body: FastJson<Shaped<OllamaResponsesForm, Map<String, Value>>>,
) -> Result<Response<Body>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let idx = idx?;
    let body = body.into_inner()?.into_inner();
    if let Some(e) = field_error(Ty::Str, body.get("model")) {
        let input = if e.0 == "missing" { Value::Object(body.clone()) } else { body.get("model").cloned().unwrap_or(Value::Null) };
        return Err(Detail::validation(vec![json!({"type": e.0, "loc": ["body", "model"], "msg": e.1, "input": input})]));
    }
    // `model_dump()` without `exclude_none`: every field as sent.
    respond(app::v1_passthrough(rqctx.context(), &s, "/v1/responses", body, idx).await?)
}

fn p(path: Path<UrlIdxPath>) -> Result<Option<i64>, Detail> {
    path_idx(&path.into_inner().url_idx).map(Some)
}

fn q(query: Query<UrlIdxQuery>) -> Result<Option<i64>, Detail> {
    query_idx(&query.into_inner().url_idx)
}

impl OllamaApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/ollama.py::get_status`.
    async fn ollama_get_status_get(_rqctx: Ctx) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        Ok(HttpResponseOk(object(json!({"status": true}))))
    }

    async fn ollama_get_status_head(_rqctx: Ctx) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        Ok(HttpResponseOk(object(json!({"status": true}))))
    }

    /// `routers/ollama.py::get_ollama_tags`.
    async fn ollama_get_tags_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Value>, Detail> {
        let idx = path.into_inner().url_idx;
        let s = auth::require_user(&rqctx).await?;
        let idx = path_idx(&idx)?;
        Ok(HttpResponseOk(app::tags(rqctx.context(), &s, Some(idx)).await?))
    }

    async fn ollama_get_tags(rqctx: Ctx, query: Query<UrlIdxQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let raw = query.into_inner().url_idx;
        let s = auth::require_user(&rqctx).await?;
        let idx = query_idx(&raw)?;
        Ok(HttpResponseOk(app::tags(rqctx.context(), &s, idx).await?))
    }

    /// `routers/ollama.py::get_ollama_loaded_models`.
    async fn ollama_get_loaded_models(rqctx: Ctx) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(object(app::ps(rqctx.context(), &s).await?)))
    }

    /// `routers/ollama.py::get_ollama_versions`.
    async fn ollama_get_versions_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Value>, Detail> {
        let raw = path.into_inner().url_idx;
        let s = auth::require_user(&rqctx).await?;
        let idx = path_idx(&raw)?;
        Ok(HttpResponseOk(app::version(rqctx.context(), &s, Some(idx)).await?))
    }

    async fn ollama_get_versions(rqctx: Ctx, query: Query<UrlIdxQuery>) -> Result<HttpResponseOk<Value>, Detail> {
        let raw = query.into_inner().url_idx;
        let s = auth::require_user(&rqctx).await?;
        let idx = query_idx(&raw)?;
        Ok(HttpResponseOk(app::version(rqctx.context(), &s, idx).await?))
    }

    /// `routers/ollama.py::unload_model`.
    async fn ollama_unload_model(rqctx: Ctx, body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_admin(&rqctx).await?;
        let f = form(body, &MODEL_NAME_FORM)?;
        Ok(HttpResponseOk(app::unload(rqctx.context(), &s, f).await?))
    }

    /// `routers/ollama.py::pull_model`.
    async fn ollama_pull_model_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
        pull(&rqctx, p(path), body).await
    }

    async fn ollama_pull_model(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
        pull(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::push_model`.
    async fn ollama_push_model_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: FastJson<Shaped<PushModelForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
        push(&rqctx, p(path), body).await
    }

    async fn ollama_push_model(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Shaped<PushModelForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
        push(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::create_model`.
    async fn ollama_create_model_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: FastJson<Shaped<CreateModelForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
        create(&rqctx, p(path), body).await
    }

    async fn ollama_create_model(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Shaped<CreateModelForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
        create(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::copy_model`.
    async fn ollama_copy_model_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: FastJson<Shaped<CopyModelForm, Map<String, Value>>>) -> Result<HttpResponseOk<bool>, Detail> {
        copy(&rqctx, p(path), body).await
    }

    async fn ollama_copy_model(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Shaped<CopyModelForm, Map<String, Value>>>) -> Result<HttpResponseOk<bool>, Detail> {
        copy(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::delete_model`.
    async fn ollama_delete_model_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>) -> Result<HttpResponseOk<bool>, Detail> {
        delete(&rqctx, p(path), body).await
    }

    async fn ollama_delete_model(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>) -> Result<HttpResponseOk<bool>, Detail> {
        delete(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::show_model_info`.
    async fn ollama_show_model_info(rqctx: Ctx, body: FastJson<Shaped<ModelNameForm, Map<String, Value>>>) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = form(body, &MODEL_NAME_FORM)?;
        Ok(HttpResponseOk(app::show(rqctx.context(), &s, f).await?))
    }

    /// `routers/ollama.py::embed`.
    async fn ollama_embed_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: FastJson<Shaped<GenerateEmbedForm, Map<String, Value>>>) -> Result<HttpResponseOk<Value>, Detail> {
        embed(&rqctx, p(path), body).await
    }

    async fn ollama_embed(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Shaped<GenerateEmbedForm, Map<String, Value>>>) -> Result<HttpResponseOk<Value>, Detail> {
        embed(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::embeddings`.
    async fn ollama_embeddings_by_url_idx(
        rqctx: Ctx,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<GenerateEmbeddingsForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        embeddings(&rqctx, p(path), body).await
    }

    async fn ollama_embeddings(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Shaped<GenerateEmbeddingsForm, Map<String, Value>>>) -> Result<HttpResponseOk<Value>, Detail> {
        embeddings(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::generate_completion`.
    async fn ollama_generate_completion_by_url_idx(
        rqctx: Ctx,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<GenerateCompletionForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail> {
        generate(&rqctx, p(path), body).await
    }

    async fn ollama_generate_completion(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Shaped<GenerateCompletionForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
        generate(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::generate_openai_completion`.
    async fn ollama_generate_openai_completion_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: DictBody) -> Result<Response<Body>, Detail> {
        v1_completions(&rqctx, p(path), body).await
    }

    async fn ollama_generate_openai_completion(rqctx: Ctx, query: Query<UrlIdxQuery>, body: DictBody) -> Result<Response<Body>, Detail> {
        v1_completions(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::generate_openai_embeddings`.
    async fn ollama_generate_openai_embeddings_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: DictBody) -> Result<HttpResponseOk<Value>, Detail> {
        v1_embeddings(&rqctx, p(path), body).await
    }

    async fn ollama_generate_openai_embeddings(rqctx: Ctx, query: Query<UrlIdxQuery>, body: DictBody) -> Result<HttpResponseOk<Value>, Detail> {
        v1_embeddings(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::generate_anthropic_messages`.
    async fn ollama_generate_anthropic_messages_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: DictBody) -> Result<Response<Body>, Detail> {
        v1_messages(&rqctx, p(path), body).await
    }

    async fn ollama_generate_anthropic_messages(rqctx: Ctx, query: Query<UrlIdxQuery>, body: DictBody) -> Result<Response<Body>, Detail> {
        v1_messages(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::generate_responses`.
    async fn ollama_generate_responses_by_url_idx(
        rqctx: Ctx,
        path: Path<UrlIdxPath>,
        body: FastJson<Shaped<OllamaResponsesForm, Map<String, Value>>>,
    ) -> Result<Response<Body>, Detail> {
        v1_responses(&rqctx, p(path), body).await
    }

    async fn ollama_generate_responses(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Shaped<OllamaResponsesForm, Map<String, Value>>>) -> Result<Response<Body>, Detail> {
        v1_responses(&rqctx, q(query), body).await
    }

    /// `routers/ollama.py::get_openai_models`.
    async fn ollama_get_openai_models_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        let raw = path.into_inner().url_idx;
        let s = auth::require_user(&rqctx).await?;
        let idx = path_idx(&raw)?;
        Ok(HttpResponseOk(object(app::v1_models(rqctx.context(), &s, Some(idx)).await?)))
    }

    async fn ollama_get_openai_models(rqctx: Ctx, query: Query<UrlIdxQuery>) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        let raw = query.into_inner().url_idx;
        let s = auth::require_user(&rqctx).await?;
        let idx = query_idx(&raw)?;
        Ok(HttpResponseOk(object(app::v1_models(rqctx.context(), &s, idx).await?)))
    }

    /// `routers/ollama.py::download_model`.
    async fn ollama_download_model(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<UrlForm>) -> Result<Response<Body>, Detail> {
        download(&rqctx, q(query), body).await
    }

    async fn ollama_download_model_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: FastJson<UrlForm>) -> Result<Response<Body>, Detail> {
        download(&rqctx, p(path), body).await
    }

    /// `routers/ollama.py::upload_model`.
    async fn ollama_upload_model(rqctx: Ctx, query: Query<UrlIdxQuery>, body: StreamingBody) -> Result<Response<Body>, Detail> {
        upload(&rqctx, q(query), body).await
    }

    async fn ollama_upload_model_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: StreamingBody) -> Result<Response<Body>, Detail> {
        upload(&rqctx, p(path), body).await
    }
}

/// A progress stream as the reference sends it (`text/event-stream`).
fn file_events(events: app::FileEvents) -> Result<Response<Body>, Detail> {
    let ct = (http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/event-stream; charset=utf-8"));
    respond(Proxied::Stream(crate::app::connections::UpstreamStream { status: 200, headers: vec![ct], body: events }))
}

async fn download(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: FastJson<UrlForm>) -> Result<Response<Body>, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let idx = idx?;
    let f = body.into_inner()?;
    match app::download(rqctx.context(), &s, &f.url, idx).await? {
        Some(events) => file_events(events),
        None => json_response(200, &Value::Null, Vec::new()),
    }
}

/// FastAPI's 422 for a form without its `file`.
fn missing_file() -> Detail {
    Detail::validation(vec![json!({"type": "missing", "loc": ["body", "file"], "msg": "Field required", "input": null})])
}

/// Reads the multipart body as it arrives: the `file` part written to `UPLOAD_DIR/<its base
/// name>` chunk by chunk (hashed on the way), the other parts skipped; memory stays one chunk.
async fn save_upload(ctx: &ServerContext, rqctx: &Ctx, body: StreamingBody) -> Result<app::SavedUpload, Detail> {
    use sha2::Digest;
    use tokio::io::AsyncWriteExt;
    let ct = rqctx.request.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let Ok(boundary) = multer::parse_boundary(ct) else { return Err(missing_file()) };
    let stream = body.into_stream().map(|r| r.map_err(|e| std::io::Error::other(e.to_string())));
    let mut parts = multer::Multipart::new(stream, boundary);
    let bad = |e: multer::Error| Detail::new(400, json!(format!("There was an error parsing the body: {e}")));
    while let Some(mut field) = parts.next_field().await.map_err(bad)? {
        if field.name() != Some("file") || field.file_name().is_none() {
            continue;
        }
        let raw = field.file_name().unwrap_or("").to_string();
        let name = raw.rsplit('/').next().unwrap_or("").to_string();
        if name.is_empty() || name == "." || name == ".." {
            return Err(Detail::new(400, json!("Invalid file name.")));
        }
        let dir = app::upload_dir(ctx);
        tokio::fs::create_dir_all(&dir).await.map_err(Detail::internal)?;
        let path = dir.join(&name);
        let mut file = tokio::fs::File::create(&path).await.map_err(Detail::internal)?;
        let mut hasher = sha2::Sha256::new();
        let mut size = 0u64;
        while let Some(piece) = field.chunk().await.map_err(bad)? {
            hasher.update(&piece);
            size += piece.len() as u64;
            file.write_all(&piece).await.map_err(Detail::internal)?;
        }
        file.flush().await.map_err(Detail::internal)?;
        return Ok(app::SavedUpload { path, name, size, hash: hex::encode(hasher.finalize()) });
    }
    Err(missing_file())
}

async fn upload(rqctx: &Ctx, idx: Result<Option<i64>, Detail>, body: StreamingBody) -> Result<Response<Body>, Detail> {
    let s = auth::require_admin(rqctx).await?;
    let idx = idx?;
    let ctx = rqctx.context();
    let c = app::connection(ctx, idx.unwrap_or(0))?;
    let saved = save_upload(ctx, rqctx, body).await?;
    file_events(app::upload_events(ctx, &s, c, saved))
}
