//! `/api/v1/notes`: the implementations of [`NotesApi`] and [`NotesLiteralApi`]. Thin
//! handlers: authenticate, read the query and body as FastAPI does, call
//! [`crate::app::notes`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use serde_json::{json, Map, Value};
use webui_api::notes::{
    NoteAccessGrantsForm, NoteForm, NoteItemResponse, NoteListResponse, NoteModel, NoteResponse, NoteSearchQuery, NoteUpdateForm,
    NotesApi, NotesLiteralApi, NotesPageQuery,
};
use webui_api::workspace::IdPath;
use webui_api::{Detail, FastJson, Shaped};

use super::{auth, query, ServerImpl};
use crate::app::notes as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// A `page` of the lists: an integer from 1. The reference sends a smaller one to the
/// database as a negative OFFSET and answers 500; here it is a 422.
fn page(raw: &Option<String>) -> Result<Option<i64>, Detail> {
    let p = query::int("page", raw)?;
    if let Some(n) = p.filter(|n| *n < 1) {
        return Err(Detail::validation(vec![json!({
            "type": "greater_than_equal", "loc": ["query", "page"], "msg": "Input should be greater than or equal to 1",
            "input": n.to_string(), "ctx": {"ge": 1},
        })]));
    }
    Ok(p)
}

impl NotesApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/notes.py::get_notes`.
    async fn notes_get(rqctx: Ctx, q: Query<NotesPageQuery>) -> Result<HttpResponseOk<Vec<NoteItemResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let p = page(&q.into_inner().page)?;
        Ok(HttpResponseOk(app::list(rqctx.context(), &s, p).await?))
    }

    /// `routers/notes.py::get_note_by_id`.
    async fn notes_get_by_id(rqctx: Ctx, p: Path<IdPath>) -> Result<HttpResponseOk<NoteResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::get(rqctx.context(), &s, &p.into_inner().id).await?))
    }

    /// `routers/notes.py::update_note_by_id`.
    async fn notes_update_by_id(
        rqctx: Ctx,
        p: Path<IdPath>,
        body: FastJson<Shaped<NoteUpdateForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<NoteModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?.into_inner();
        Ok(HttpResponseOk(app::update(rqctx.context(), &s, &p.into_inner().id, &f).await?))
    }

    /// `routers/notes.py::update_note_access_by_id`.
    async fn notes_update_access_by_id(rqctx: Ctx, p: Path<IdPath>, body: FastJson<NoteAccessGrantsForm>) -> Result<HttpResponseOk<NoteModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::update_access(rqctx.context(), &s, &p.into_inner().id, &f.access_grants).await?))
    }

    /// `routers/notes.py::pin_note_by_id`.
    async fn notes_pin_by_id(rqctx: Ctx, p: Path<IdPath>) -> Result<HttpResponseOk<NoteModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::toggle_pin(rqctx.context(), &s, &p.into_inner().id).await?))
    }

    /// `routers/notes.py::delete_note_by_id`.
    async fn notes_delete_by_id(rqctx: Ctx, p: Path<IdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::delete(rqctx.context(), &s, &p.into_inner().id).await?))
    }
}

impl NotesLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/notes.py::get_pinned_notes`.
    async fn notes_get_pinned(rqctx: Ctx) -> Result<HttpResponseOk<Vec<NoteItemResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::pinned(rqctx.context(), &s).await?))
    }

    /// `routers/notes.py::search_notes`.
    async fn notes_search(rqctx: Ctx, q: Query<NoteSearchQuery>) -> Result<HttpResponseOk<NoteListResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let p = page(&q.page)?.unwrap_or(1);
        let sq = app::SearchQuery { query: q.query, view_option: q.view_option, permission: q.permission, order_by: q.order_by, direction: q.direction, page: p };
        Ok(HttpResponseOk(app::search(rqctx.context(), &s, &sq).await?))
    }

    /// `routers/notes.py::create_new_note`.
    async fn notes_create_new(rqctx: Ctx, body: FastJson<NoteForm>) -> Result<HttpResponseOk<NoteModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::create(rqctx.context(), &s, &f.title, f.data, f.meta, f.access_grants.as_deref()).await?))
    }
}
