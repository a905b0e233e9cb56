//! The later `/api/v1/chats` operations: [`ChatsMoreLiteralApi`] and [`ChatsMoreApi`]. Thin
//! handlers: authenticate, check the query or body as FastAPI does (after the session), call
//! `crate::app::chats::{stats, more}`, convert.

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use serde_json::{json, Map, Value};
use webui_api::chats::{ChatIdPath, ChatMessagePath, ChatResponse};
use webui_api::chats_more::*;
use webui_api::{Detail, FastJson, Shaped};

use super::chats::{gather, ndjson_batches};
use super::{auth, query, ServerImpl};
use crate::app::chats::{more, resolve, stats};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// An optional body (`Form | None = None`): no body or `null` is `None`; an object is read by
/// `read`; anything else is pydantic's `model_attributes_type`.
fn optional_form<T, R>(body: FastJson<Shaped<T, Value>>, read: impl Fn(&Map<String, Value>) -> Result<R, Detail>) -> Result<Option<R>, Detail> {
    let value = match body.into_inner() {
        Ok(v) => v.into_inner(),
        Err(d) => {
            let missing = d.status() == 422
                && d.raw_detail().and_then(|r| serde_json::from_str::<Value>(r).ok()).is_some_and(|v| {
                    v.as_array().is_some_and(|a| a.len() == 1 && a[0]["type"] == "missing" && a[0]["loc"] == json!(["body"]))
                });
            return if missing { Ok(None) } else { Err(d) };
        }
    };
    match value {
        Value::Null => Ok(None),
        Value::Object(m) => read(&m).map(Some),
        v => Err(Detail::validation(vec![json!({
            "type": "model_attributes_type", "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from", "input": v,
        })])),
    }
}

/// An optional string field of a form (`str | None = None`).
fn optional_string(m: &Map<String, Value>, key: &str) -> Result<Option<String>, Detail> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(Detail::validation(vec![json!({
            "type": "string_type", "loc": ["body", key], "msg": "Input should be a valid string", "input": v,
        })])),
    }
}

/// `ChatAccessGrantsForm`: `access_grants: list[dict]` and `share_mode: Literal['continue'] |
/// None` (`Some(mode)` when the form names it: `model_fields_set`).
fn access_form(body: FastJson<Shaped<ChatAccessGrantsForm, Value>>) -> Result<(Vec<Map<String, Value>>, Option<Option<String>>), Detail> {
    let value = body.into_inner()?.into_inner();
    let Value::Object(m) = &value else {
        return Err(Detail::validation(vec![json!({
            "type": "model_attributes_type", "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from", "input": value,
        })]));
    };
    let mut errors = Vec::new();
    let mut grants = Vec::new();
    match m.get("access_grants") {
        None => errors.push(json!({"type": "missing", "loc": ["body", "access_grants"], "msg": "Field required", "input": value})),
        Some(Value::Array(a)) => {
            for (i, g) in a.iter().enumerate() {
                match g {
                    Value::Object(g) => grants.push(g.clone()),
                    v => errors.push(json!({"type": "dict_type", "loc": ["body", "access_grants", i], "msg": "Input should be a valid dictionary", "input": v})),
                }
            }
        }
        Some(v) => errors.push(json!({"type": "list_type", "loc": ["body", "access_grants"], "msg": "Input should be a valid list", "input": v})),
    }
    let mode = match m.get("share_mode") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) if s == "continue" => Some(Some(s.clone())),
        Some(v) => {
            errors.push(json!({"type": "literal_error", "loc": ["body", "share_mode"], "msg": "Input should be 'continue'",
                "input": v, "ctx": {"expected": "'continue'"}}));
            None
        }
    };
    if !errors.is_empty() {
        return Err(Detail::validation(errors));
    }
    Ok((grants, mode))
}

/// `GET /api/v1/chats/stats/export?stream=true`: `application/x-ndjson`, one export a line, read
/// in batches of 10 (each its own query), so memory stays one batch whatever the number of chats.
fn export_stream(ctx: Arc<ServerContext>, user_id: String, updated_at: Option<i64>) -> Result<Response<Body>, Detail> {
    let disposition = format!("attachment; filename=chat-stats-export-{user_id}.jsonl");
    ndjson_batches(Some(disposition), move |i| {
        let (ctx, user_id) = (ctx.clone(), user_id.clone());
        async move {
            let (bytes, n) = stats::export_batch(&ctx, &user_id, updated_at, i * stats::EXPORT_PAGE).await?;
            Ok((bytes, n > 0))
        }
    })
}

impl ChatsMoreLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn chats_get_session_user_usage_stats(rqctx: Ctx, q: Query<ChatUsageStatsQuery>) -> Result<HttpResponseOk<ChatUsageStatsListResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let (per_page, page) = match (query::int("items_per_page", &q.items_per_page), query::int("page", &q.page)) {
            (Ok(i), Ok(p)) => (i.unwrap_or(50), p.unwrap_or(1)),
            (i, p) => {
                gather(vec![i.map(|_| ()), p.map(|_| ())])?;
                unreachable!("an error was gathered")
            }
        };
        Ok(HttpResponseOk(stats::usage(rqctx.context(), &s, per_page, page).await?))
    }

    async fn chats_export_stats(rqctx: Ctx, q: Query<ChatStatsExportQuery>) -> Result<Response<Body>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let (updated_at, page, stream) =
            match (query::int("updated_at", &q.updated_at), query::int("page", &q.page), query::boolean("stream", &q.stream)) {
                (Ok(u), Ok(p), Ok(st)) => (u, p.unwrap_or(1), st),
                (u, p, st) => {
                    gather(vec![u.map(|_| ()), p.map(|_| ()), st.map(|_| ())])?;
                    unreachable!("an error was gathered")
                }
            };
        let ctx = rqctx.context();
        if stream {
            stats::require_export(ctx, &s)?;
            return export_stream(ctx.clone(), s.user.id.clone(), updated_at);
        }
        let list = stats::export_page(ctx, &s, updated_at, page).await?;
        let body = serde_json::to_vec(&list).map_err(Detail::internal)?;
        Response::builder()
            .status(200)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .map_err(Detail::internal)
    }

    async fn chats_export_single_stats(rqctx: Ctx, path: Path<ChatStatsIdPath>) -> Result<HttpResponseOk<Option<ChatStatsExport>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(Some(stats::export_one(rqctx.context(), &s, &path.into_inner().chat_id).await?)))
    }

    async fn chats_update_shared_access_by_id(
        rqctx: Ctx,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<ChatAccessGrantsForm, Value>>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let (grants, mode) = access_form(body)?;
        Ok(HttpResponseOk(Some(more::update_shared_access(rqctx.context(), &s, &path.into_inner().id, &grants, mode).await?)))
    }
}

impl ChatsMoreApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn chats_clone_shared_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(Some(more::clone_shared(rqctx.context(), &s, &path.into_inner().id).await?)))
    }

    async fn chats_send_message_event_by_id(
        rqctx: Ctx,
        path: Path<ChatMessagePath>,
        body: FastJson<EventForm>,
    ) -> Result<HttpResponseOk<Option<bool>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        let p = path.into_inner();
        Ok(HttpResponseOk(Some(more::message_event(rqctx.context(), &s, &p.id, &p.message_id, &form.kind, form.data).await?)))
    }

    /// `main.py::resolve_chat_message_tool_call`.
    async fn chats_resolve_message_tool_call(
        rqctx: Ctx,
        path: Path<ChatMessagePath>,
        body: FastJson<Shaped<ResolveToolCallForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?.into_inner();
        // `Literal['approve', 'reject', 'answer']`, with pydantic's words.
        if let Some(a) = form.get("action").filter(|a| !matches!(a.as_str(), Some("approve" | "reject" | "answer"))) {
            let expected = "'approve', 'reject' or 'answer'";
            return Err(Detail::validation(vec![json!({"type": "literal_error", "loc": ["body", "action"],
                "msg": format!("Input should be {expected}"), "input": a, "ctx": {"expected": expected}})]));
        }
        webui_api::validate_body::<ResolveToolCallForm>(Value::Object(form.clone())).map_err(Detail::validation)?;
        let p = path.into_inner();
        Ok(HttpResponseOk(resolve::resolve(rqctx.context(), &s, &p.id, &p.message_id, &form).await?))
    }

    async fn chats_fork_by_id(
        rqctx: Ctx,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<ForkForm, Value>>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = optional_form(body, |m| optional_string(m, "message_id"))?.flatten();
        Ok(HttpResponseOk(Some(more::fork(rqctx.context(), &s, &path.into_inner().id, form).await?)))
    }

    async fn chats_compact_by_id(
        rqctx: Ctx,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<CompactChatForm, Value>>,
    ) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let model = optional_form(body, |m| optional_string(m, "model"))?.flatten();
        Ok(HttpResponseOk(more::compact(rqctx.context(), &s, &path.into_inner().id, model).await?))
    }
}
