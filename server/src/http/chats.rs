//! `/api/v1/chats`: the implementations of [`ChatsApi`] and [`ChatsLiteralApi`]. Thin handlers:
//! authenticate, validate the query or body as FastAPI does (after the session, as the
//! reference resolves its dependencies), call the app layer (`crate::app::chats`), convert.

use std::sync::Arc;

use bytes::Bytes;
use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use serde_json::json;
use webui_api::chats::*;
use webui_api::{Detail, FastJson, Shaped};

use super::{auth, query, ServerImpl};
use crate::app::chats as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// FastAPI's 422 for several query parameters at once (each parser's errors, in order).
pub(super) fn gather(results: Vec<Result<(), Detail>>) -> Result<(), Detail> {
    let errors: Vec<serde_json::Value> = results.into_iter().filter_map(Result::err).flat_map(query::errors_of).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Detail::validation(errors))
    }
}

async fn session_list(rqctx: &Ctx, q: ChatListQuery) -> Result<Vec<ChatTitleIdResponse>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let page = query::int("page", &q.page);
    let pinned = query::boolean("include_pinned", &q.include_pinned);
    let folders = query::boolean("include_folders", &q.include_folders);
    let (page, pinned, folders) = match (page, pinned, folders) {
        (Ok(p), Ok(i), Ok(f)) => (p, i, f),
        (p, i, f) => {
            gather(vec![p.map(|_| ()), i.map(|_| ()), f.map(|_| ())])?;
            unreachable!("an error was gathered")
        }
    };
    let sort_by = q.sort_by.as_deref().unwrap_or("updated_at");
    let sort_dir = q.sort_dir.as_deref().unwrap_or("desc");
    Ok(app::list(rqctx.context(), &s, page, pinned, folders, sort_by, sort_dir).await?)
}

/// `?page=&query=&order_by=&direction=`: the page checked after the session.
fn filter_page(q: &ChatFilterQuery) -> Result<Option<i64>, Detail> {
    query::int("page", &q.page)
}

/// `GET /api/v1/chats/all`: `application/x-ndjson`, one chat a line, read and sent in batches
/// of 100 (the reference's `generate_chat_export_ndjson`), so memory stays one batch whatever
/// the number of chats.
async fn export_ndjson(rqctx: &Ctx) -> Result<Response<Body>, Detail> {
    let s = auth::require_user(rqctx).await?;
    let ctx = rqctx.context().clone();
    let user_id = s.user.id.clone();
    ndjson_batches(None, move |i| {
        let (ctx, user_id) = (ctx.clone(), user_id.clone());
        async move {
            let (bytes, n) = app::export_batch(&ctx, &user_id, i * app::EXPORT_BATCH).await?;
            Ok((bytes, (n as i64) >= app::EXPORT_BATCH))
        }
    })
}

/// An `application/x-ndjson` answer sent as `next(i)` makes its batches (the `i`-th batch's bytes
/// and whether more may follow), through a channel of two, so that memory stays about one batch
/// whatever the number of rows. An error ends the body.
pub(super) fn ndjson_batches<F, Fut>(disposition: Option<String>, mut next: F) -> Result<Response<Body>, Detail>
where
    F: FnMut(i64) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = crate::error::Result<(Vec<u8>, bool)>> + Send,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    tokio::spawn(async move {
        let mut i = 0;
        loop {
            match next(i).await {
                Ok((bytes, more)) => {
                    if !bytes.is_empty() && tx.send(Ok(Bytes::from(bytes))).await.is_err() {
                        return;
                    }
                    if !more {
                        return;
                    }
                    i += 1;
                }
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            }
        }
    });
    let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|o| o.map(|r| r.map(hyper::body::Frame::data))));
    let mut b = Response::builder().status(200).header(http::header::CONTENT_TYPE, "application/x-ndjson");
    if let Some(d) = disposition {
        b = b.header(http::header::CONTENT_DISPOSITION, d);
    }
    b.body(Body::wrap(http_body_util::StreamBody::new(stream))).map_err(Detail::internal)
}

/// `ShareChatForm | None`: no body is `None`; `share_mode` must be `continue` or null.
fn share_form(body: FastJson<Shaped<ShareChatForm, serde_json::Value>>) -> Result<app::ShareForm, Detail> {
    let value = match body.into_inner() {
        Ok(v) => v.into_inner(),
        Err(d) => {
            let missing = d.status() == 422
                && d.raw_detail().and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok()).is_some_and(|v| {
                    v.as_array().is_some_and(|a| a.len() == 1 && a[0]["type"] == "missing" && a[0]["loc"] == json!(["body"]))
                });
            return if missing { Ok(None) } else { Err(d) };
        }
    };
    match value {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Object(m) => match m.get("share_mode") {
            None => Ok(Some(None)),
            Some(serde_json::Value::Null) => Ok(Some(Some(None))),
            Some(serde_json::Value::String(s)) if s == "continue" => Ok(Some(Some(Some(s.clone())))),
            Some(v) => Err(Detail::validation(vec![json!({
                "type": "literal_error", "loc": ["body", "share_mode"], "msg": "Input should be 'continue'",
                "input": v, "ctx": {"expected": "'continue'"},
            })])),
        },
        v => Err(Detail::validation(vec![json!({
            "type": "model_attributes_type", "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from", "input": v,
        })])),
    }
}

/// `ChatsImportForm` validated as pydantic does, element by element (`ChatImportForm`'s fields
/// in declaration order), every error reported.
fn import_form(body: serde_json::Map<String, serde_json::Value>) -> Result<Vec<ChatImportForm>, Detail> {
    use serde_json::Value;
    let whole = Value::Object(body.clone());
    let list = match body.get("chats") {
        None => return Err(Detail::validation(vec![json!({"type": "missing", "loc": ["body", "chats"], "msg": "Field required", "input": whole})])),
        Some(Value::Array(a)) => a,
        Some(v) => return Err(Detail::validation(vec![json!({"type": "list_type", "loc": ["body", "chats"], "msg": "Input should be a valid list", "input": v})])),
    };
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let Value::Object(m) = item else {
            errors.push(json!({"type": "model_attributes_type", "loc": ["body", "chats", i],
                "msg": "Input should be a valid dictionary or object to extract fields from", "input": item}));
            continue;
        };
        let loc = |k: &str| json!(["body", "chats", i, k]);
        let before = errors.len();
        let dict = |k: &str, required: bool, errors: &mut Vec<Value>| -> Option<Option<serde_json::Map<String, Value>>> {
            match m.get(k) {
                None if required => {
                    errors.push(json!({"type": "missing", "loc": loc(k), "msg": "Field required", "input": item}));
                    None
                }
                None => None,
                Some(Value::Null) if !required => Some(None),
                Some(Value::Object(o)) => Some(Some(o.clone())),
                Some(v) => {
                    errors.push(json!({"type": "dict_type", "loc": loc(k), "msg": "Input should be a valid dictionary", "input": v}));
                    None
                }
            }
        };
        let chat = dict("chat", true, &mut errors).flatten();
        let variables = dict("variables", false, &mut errors).flatten();
        let folder_id = m.get("folder_id");
        let meta = dict("meta", false, &mut errors);
        let string = |k: &str, v: Option<&Value>, errors: &mut Vec<Value>| -> Option<String> {
            match v {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(v) => {
                    errors.push(json!({"type": "string_type", "loc": loc(k), "msg": "Input should be a valid string", "input": v}));
                    None
                }
            }
        };
        let folder_id = string("folder_id", folder_id, &mut errors);
        let boolean = |k: &str, errors: &mut Vec<Value>| -> Option<Option<bool>> {
            match m.get(k) {
                None => None,
                Some(Value::Null) => Some(None),
                Some(Value::Bool(b)) => Some(Some(*b)),
                Some(v) => {
                    errors.push(json!({"type": "bool_type", "loc": loc(k), "msg": "Input should be a valid boolean", "input": v}));
                    None
                }
            }
        };
        let pinned = boolean("pinned", &mut errors);
        let archived = boolean("archived", &mut errors);
        let current_message_id = string("current_message_id", m.get("current_message_id"), &mut errors);
        let int = |k: &str, errors: &mut Vec<Value>| -> Option<i64> {
            match m.get(k) {
                None | Some(Value::Null) => None,
                Some(v) if v.as_i64().is_some() => v.as_i64(),
                Some(v) => {
                    errors.push(json!({"type": "int_type", "loc": loc(k), "msg": "Input should be a valid integer", "input": v}));
                    None
                }
            }
        };
        let created_at = int("created_at", &mut errors);
        let updated_at = int("updated_at", &mut errors);
        if errors.len() == before {
            out.push(ChatImportForm {
                chat: chat.unwrap_or_default(),
                variables,
                folder_id,
                meta: meta.unwrap_or(Some(serde_json::Map::new())),
                pinned: pinned.unwrap_or(Some(false)),
                archived: archived.unwrap_or(Some(false)),
                current_message_id,
                created_at,
                updated_at,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Detail::validation(errors))
    }
}

impl ChatsShareApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn chats_get_shared_by_id(rqctx: Ctx, path: Path<ShareIdPath>) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let user = auth::optional_user(&rqctx).await;
        Ok(HttpResponseOk(Some(app::shared_get(rqctx.context(), user.as_ref(), &path.into_inner().share_id).await?)))
    }
}

impl ChatsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn chats_share_by_id(
        rqctx: Ctx,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<ShareChatForm, serde_json::Value>>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = share_form(body)?;
        Ok(HttpResponseOk(Some(app::share(rqctx.context(), &s, &path.into_inner().id, form).await?)))
    }

    async fn chats_delete_shared_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<Option<bool>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(Some(app::unshare(rqctx.context(), &s, &path.into_inner().id).await?)))
    }

    async fn chats_update_message_by_id(
        rqctx: Ctx,
        path: Path<ChatMessagePath>,
        body: FastJson<MessageForm>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        let p = path.into_inner();
        Ok(HttpResponseOk(Some(app::update_message(rqctx.context(), &s, &p.id, &p.message_id, form.content, form.voice).await?)))
    }

    async fn chats_delete_message_by_id(rqctx: Ctx, path: Path<ChatMessagePath>) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let p = path.into_inner();
        Ok(HttpResponseOk(Some(app::delete_message(rqctx.context(), &s, &p.id, &p.message_id).await?)))
    }

    async fn chats_clone_by_id(rqctx: Ctx, path: Path<ChatIdPath>, body: FastJson<CloneForm>) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(Some(app::clone(rqctx.context(), &s, &path.into_inner().id, form.title).await?)))
    }

    async fn chats_update_params(
        rqctx: Ctx,
        path: Path<ChatIdPath>,
        body: FastJson<Shaped<serde_json::Map<String, serde_json::Value>, serde_json::Value>>,
    ) -> Result<HttpResponseOk<serde_json::Map<String, serde_json::Value>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let params = match body.into_inner()?.into_inner() {
            serde_json::Value::Object(m) => m,
            v => {
                return Err(Detail::validation(vec![json!({
                    "type": "dict_type", "loc": ["body"], "msg": "Input should be a valid dictionary", "input": v,
                })]))
            }
        };
        Ok(HttpResponseOk(app::update_params(rqctx.context(), &s, &path.into_inner().id, params).await?))
    }

    async fn chats_get_session_user_list(rqctx: Ctx, q: Query<ChatListQuery>) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail> {
        session_list(&rqctx, q.into_inner()).await.map(HttpResponseOk)
    }

    async fn chats_delete_all_user(rqctx: Ctx) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::delete_all(rqctx.context(), &s).await?))
    }

    async fn chats_get_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(Some(app::get(rqctx.context(), &s, &path.into_inner().id).await?)))
    }

    async fn chats_update_by_id(
        rqctx: Ctx,
        path: Path<ChatIdPath>,
        body: FastJson<ChatForm>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(Some(app::update(rqctx.context(), &s, &path.into_inner().id, form).await?)))
    }

    async fn chats_delete_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::delete(rqctx.context(), &s, &path.into_inner().id).await?))
    }

    async fn chats_get_pinned_status_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<Option<bool>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::pinned_status(rqctx.context(), &s, &path.into_inner().id).await?))
    }

    async fn chats_pin_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(Some(app::pin(rqctx.context(), &s, &path.into_inner().id).await?)))
    }

    async fn chats_archive_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(Some(app::archive(rqctx.context(), &s, &path.into_inner().id).await?)))
    }

    async fn chats_mark_unread_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<ChatUnreadResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::mark_unread(rqctx.context(), &s, &path.into_inner().id).await?))
    }

    async fn chats_update_folder_id_by_id(
        rqctx: Ctx,
        path: Path<ChatIdPath>,
        body: FastJson<ChatFolderIdForm>,
    ) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(Some(app::move_to_folder(rqctx.context(), &s, &path.into_inner().id, form.folder_id).await?)))
    }

    async fn chats_get_tags_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<Vec<TagModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::tags_of(rqctx.context(), &s, &path.into_inner().id).await?))
    }

    async fn chats_add_tag_by_id_and_tag_name(
        rqctx: Ctx,
        path: Path<ChatIdPath>,
        body: FastJson<TagForm>,
    ) -> Result<HttpResponseOk<Vec<TagModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::add_tag(rqctx.context(), &s, &path.into_inner().id, &form.name).await?))
    }

    async fn chats_delete_tag_by_id_and_tag_name(
        rqctx: Ctx,
        path: Path<ChatIdPath>,
        body: FastJson<TagForm>,
    ) -> Result<HttpResponseOk<Vec<TagModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::remove_tag(rqctx.context(), &s, &path.into_inner().id, &form.name).await?))
    }
}

impl ChatsLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn chats_get_config(rqctx: Ctx) -> Result<HttpResponseOk<ChatConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::config::get(rqctx.context())?))
    }

    async fn chats_set_config(rqctx: Ctx, body: FastJson<ChatConfigForm>) -> Result<HttpResponseOk<ChatConfigForm>, Detail> {
        auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::config::set(rqctx.context(), form).await?))
    }

    async fn chats_create_new(rqctx: Ctx, body: FastJson<ChatForm>) -> Result<HttpResponseOk<Option<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(Some(app::create(rqctx.context(), &s, form).await?)))
    }

    async fn chats_get_session_user_list_list(rqctx: Ctx, q: Query<ChatListQuery>) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail> {
        session_list(&rqctx, q.into_inner()).await.map(HttpResponseOk)
    }

    async fn chats_mark_read_by_user_id(rqctx: Ctx) -> Result<HttpResponseOk<ChatsReadResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::mark_all_read(rqctx.context(), &s).await?))
    }

    async fn chats_get_user_pinned(rqctx: Ctx) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::pinned(rqctx.context(), &s).await?))
    }

    async fn chats_get_user(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        export_ndjson(&rqctx).await
    }

    async fn chats_get_user_archived(rqctx: Ctx) -> Result<HttpResponseOk<Vec<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::all_archived(rqctx.context(), &s).await?))
    }

    async fn chats_get_all_user_tags(rqctx: Ctx) -> Result<HttpResponseOk<Vec<TagModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::all_tags(rqctx.context(), &s).await?))
    }

    async fn chats_get_all_user_in_db(rqctx: Ctx) -> Result<HttpResponseOk<Vec<ChatResponse>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::all_in_db(rqctx.context()).await?))
    }

    async fn chats_get_archived_session_user_list(rqctx: Ctx, q: Query<ChatFilterQuery>) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let page = filter_page(&q)?;
        let r = app::archived(rqctx.context(), &s, page, q.query.as_deref(), q.order_by.as_deref(), q.direction.as_deref()).await?;
        Ok(HttpResponseOk(r))
    }

    async fn chats_get_archived_session_user_count(rqctx: Ctx) -> Result<HttpResponseOk<i64>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::archived_count(rqctx.context(), &s).await?))
    }

    async fn chats_archive_all(rqctx: Ctx) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::archive_all(rqctx.context(), &s).await?))
    }

    async fn chats_unarchive_all(rqctx: Ctx) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::unarchive_all(rqctx.context(), &s).await?))
    }

    async fn chats_get_user_list_by_user_id(
        rqctx: Ctx,
        path: Path<ChatUserIdPath>,
        q: Query<ChatFilterQuery>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail> {
        auth::require_admin(&rqctx).await?;
        let q = q.into_inner();
        let page = filter_page(&q)?;
        let user_id = path.into_inner().user_id;
        let r = app::list_of_user(rqctx.context(), &user_id, page, q.query.as_deref(), q.order_by.as_deref(), q.direction.as_deref()).await?;
        Ok(HttpResponseOk(r))
    }

    async fn chats_search_user(rqctx: Ctx, q: Query<ChatSearchQuery>) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let text = match &q.text {
            Some(t) => Ok(t.clone()),
            None => Err(Detail::validation(vec![json!({
                "type": "missing", "loc": ["query", "text"], "msg": "Field required", "input": null,
            })])),
        };
        let page = query::int("page", &q.page);
        let (text, page) = match (text, page) {
            (Ok(t), Ok(p)) => (t, p),
            (t, p) => {
                gather(vec![t.map(|_| ()), p.map(|_| ())])?;
                unreachable!("an error was gathered")
            }
        };
        Ok(HttpResponseOk(app::search(rqctx.context(), &s, &text, page).await?))
    }

    async fn chats_get_user_list_by_tag_name(rqctx: Ctx, body: FastJson<TagFilterForm>) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::list_by_tag(rqctx.context(), &s, &form.name, form.skip, form.limit).await?))
    }

    async fn chats_get_by_folder_id(rqctx: Ctx, path: Path<ChatFolderIdPath>) -> Result<HttpResponseOk<Vec<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::in_folder(rqctx.context(), &s, &path.into_inner().folder_id).await?))
    }

    async fn chats_import(
        rqctx: Ctx,
        body: FastJson<Shaped<ChatsImportForm, serde_json::Map<String, serde_json::Value>>>,
    ) -> Result<HttpResponseOk<Vec<ChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let chats = import_form(body.into_inner()?.into_inner())?;
        Ok(HttpResponseOk(app::import(rqctx.context(), &s, chats).await?))
    }

    async fn chats_get_shared_session_user_list(rqctx: Ctx, q: Query<ChatFilterQuery>) -> Result<HttpResponseOk<Vec<SharedChatResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let page = filter_page(&q)?;
        let r = app::shared_list(rqctx.context(), &s, page, q.query.as_deref(), q.order_by.as_deref(), q.direction.as_deref()).await?;
        Ok(HttpResponseOk(r))
    }

    async fn chats_unshare_all(rqctx: Ctx) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::unshare_all(rqctx.context(), &s).await?))
    }

    async fn chats_get_shared_access_by_id(rqctx: Ctx, path: Path<ChatIdPath>) -> Result<HttpResponseOk<Vec<SharedChatGrant>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::shared_access(rqctx.context(), &s, &path.into_inner().id).await?))
    }

    async fn chats_get_list_by_folder_id(
        rqctx: Ctx,
        path: Path<ChatFolderIdPath>,
        q: Query<ChatFolderListQuery>,
    ) -> Result<HttpResponseOk<Vec<ChatTitleIdResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let page = match &q.page {
            None => Some(1),
            some => query::int("page", some)?,
        };
        let sort_by = q.sort_by.as_deref().unwrap_or("unread_updated_at");
        let sort_dir = q.sort_dir.as_deref().unwrap_or("desc");
        let r = app::folder_list(rqctx.context(), &s, &path.into_inner().folder_id, page, sort_by, sort_dir).await?;
        Ok(HttpResponseOk(r))
    }
}
