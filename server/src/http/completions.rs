//! Chat completions: the implementation of [`CompletionsApi`] over [`crate::app::completions`].
//! Thin handlers: authenticate, call the app, turn its [`Answer`] into the response (a stream
//! is passed on piece by piece as it arrives).

use std::sync::Arc;

use dropshot::{Body, Path, Query, RequestContext};
use http::Response;
use serde_json::{Map, Value};
use webui_api::completions::{CompletionsApi, UrlIdxQuery};
use webui_api::ollama::UrlIdxPath;
use webui_api::{Detail, FastJson};

use super::{auth, ServerImpl};
use crate::app::completions::{self as app, Answer, Via};
use crate::app::completions::upstream;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// An [`Answer`] as the response the reference sends (FastAPI's JSON, or the upstream's stream
/// with its headers).
pub(super) fn respond(answer: Answer) -> Result<Response<Body>, Detail> {
    match answer {
        Answer::Json { status, body } => Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&body).map_err(Detail::internal)?))
            .map_err(Detail::internal),
        Answer::Text { status, body } => Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Body::from(body))
            .map_err(Detail::internal),
        Answer::Stream { status, headers, body } => {
            let mut b = Response::builder().status(status);
            for (k, v) in headers {
                b = b.header(k, v);
            }
            // Pumped through a small channel (dropshot's body must be `Sync`); a client that
            // goes away drops the receiver, which ends the pump and the upstream request.
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
            tokio::spawn(async move {
                let mut body = body;
                while let Some(piece) = futures::StreamExt::next(&mut body).await {
                    if tx.send(piece).await.is_err() {
                        return;
                    }
                }
            });
            let frames = futures::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|o| o.map(|r| r.map(hyper::body::Frame::data))));
            b.body(Body::wrap(http_body_util::StreamBody::new(frames))).map_err(Detail::internal)
        }
    }
}

async fn completion(rqctx: &Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
    let user = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    respond(app::chat_completion(rqctx.context(), &user, form).await?)
}

impl CompletionsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `main.py::chat_completion`.
    async fn chat_completion(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        completion(&rqctx, body).await
    }

    /// `main.py::chat_completion` at `/api/v1/chat/completions`.
    async fn chat_completion_v1(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        completion(&rqctx, body).await
    }

    /// `main.py::chat_completed`.
    async fn chat_completed(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        respond(Answer::json(app::chat_completed(rqctx.context(), &user, form).await?))
    }

    /// `routers/openai.py::generate_chat_completion`.
    async fn openai_generate_chat_completion(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        respond(upstream::openai_chat(rqctx.context(), &user, form, Via::default()).await?)
    }

    /// `routers/ollama.py::generate_chat_completion`.
    async fn ollama_generate_chat_completion(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let url_idx = super::query::int("url_idx", &query.into_inner().url_idx)?;
        let form = body.into_inner()?;
        respond(upstream::ollama_chat(rqctx.context(), &user, form, Via::default(), url_idx).await?)
    }

    /// `routers/ollama.py::generate_openai_chat_completion`.
    async fn ollama_generate_openai_chat_completion(rqctx: Ctx, query: Query<UrlIdxQuery>, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let url_idx = super::query::int("url_idx", &query.into_inner().url_idx)?;
        let form = body.into_inner()?;
        respond(upstream::ollama_openai_chat(rqctx.context(), &user, form, url_idx).await?)
    }

    /// `routers/ollama.py::generate_chat_completion` (`/api/chat/{url_idx}`).
    async fn ollama_generate_chat_completion_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let url_idx = super::ollama::path_idx(&path.into_inner().url_idx)?;
        let form = body.into_inner()?;
        respond(upstream::ollama_chat(rqctx.context(), &user, form, Via::default(), Some(url_idx)).await?)
    }

    /// `routers/ollama.py::generate_openai_chat_completion` (`/v1/chat/completions/{url_idx}`).
    async fn ollama_generate_openai_chat_completion_by_url_idx(rqctx: Ctx, path: Path<UrlIdxPath>, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let url_idx = super::ollama::path_idx(&path.into_inner().url_idx)?;
        let form = body.into_inner()?;
        respond(upstream::ollama_openai_chat(rqctx.context(), &user, form, Some(url_idx)).await?)
    }
}
