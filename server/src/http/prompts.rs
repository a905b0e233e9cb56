//! `/api/v1/prompts`: the implementations of [`PromptsApi`] and [`PromptsLiteralApi`]. Thin
//! handlers: authenticate, read the query and body as FastAPI does, call
//! [`crate::app::prompts`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use serde_json::json;
use webui_api::prompts::{
    PromptAccessGrantsForm, PromptAccessListResponse, PromptAccessResponse, PromptDiff, PromptDiffQuery, PromptForm,
    PromptHistoryModel, PromptHistoryPath, PromptHistoryQuery, PromptHistoryResponse, PromptIdPath, PromptListQuery,
    PromptMetadataForm, PromptModel, PromptVersionUpdateForm, PromptsApi, PromptsLiteralApi,
};
use webui_api::{Detail, FastJson};

use super::{auth, query, ServerImpl};
use crate::app::prompts as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl PromptsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/prompts.py::get_prompts`.
    async fn prompts_get(rqctx: Ctx) -> Result<HttpResponseOk<Vec<PromptModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::list(rqctx.context(), &s).await?))
    }

    /// `routers/prompts.py::get_prompt_tags`.
    async fn prompts_get_tags(rqctx: Ctx) -> Result<HttpResponseOk<Vec<String>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::tags(rqctx.context(), &s).await?))
    }

    /// `routers/prompts.py::get_prompt_list`.
    async fn prompts_get_list(rqctx: Ctx, q: Query<PromptListQuery>) -> Result<HttpResponseOk<PromptAccessListResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let page = query::int("page", &q.page)?.unwrap_or(1);
        let lq = app::ListQuery { query: q.query, view_option: q.view_option, tag: q.tag, order_by: q.order_by, direction: q.direction, page };
        Ok(HttpResponseOk(app::list_page(rqctx.context(), &s, &lq).await?))
    }

    /// `routers/prompts.py::create_new_prompt`.
    async fn prompts_create_new(rqctx: Ctx, body: FastJson<PromptForm>) -> Result<HttpResponseOk<PromptModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::create(rqctx.context(), &s, &f).await?))
    }

    /// `routers/prompts.py::get_prompt_by_id`.
    async fn prompts_get_by_id(rqctx: Ctx, p: Path<PromptIdPath>) -> Result<HttpResponseOk<PromptAccessResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::get(rqctx.context(), &s, &p.into_inner().prompt_id).await?))
    }

    /// `routers/prompts.py::update_prompt_by_id`.
    async fn prompts_update_by_id(rqctx: Ctx, p: Path<PromptIdPath>, body: FastJson<PromptForm>) -> Result<HttpResponseOk<PromptModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::update(rqctx.context(), &s, &p.into_inner().prompt_id, &f).await?))
    }

    /// `routers/prompts.py::update_prompt_metadata`.
    async fn prompts_update_metadata(
        rqctx: Ctx,
        p: Path<PromptIdPath>,
        body: FastJson<PromptMetadataForm>,
    ) -> Result<HttpResponseOk<PromptModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        let id = p.into_inner().prompt_id;
        Ok(HttpResponseOk(app::update_meta(rqctx.context(), &s, &id, &f.name, &f.command, f.tags.as_deref()).await?))
    }

    /// `routers/prompts.py::set_prompt_version`.
    async fn prompts_set_version(
        rqctx: Ctx,
        p: Path<PromptIdPath>,
        body: FastJson<PromptVersionUpdateForm>,
    ) -> Result<HttpResponseOk<PromptModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::set_version(rqctx.context(), &s, &p.into_inner().prompt_id, &f.version_id).await?))
    }

    /// `routers/prompts.py::update_prompt_access_by_id`.
    async fn prompts_update_access_by_id(
        rqctx: Ctx,
        p: Path<PromptIdPath>,
        body: FastJson<PromptAccessGrantsForm>,
    ) -> Result<HttpResponseOk<Option<PromptModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(app::update_access(rqctx.context(), &s, &p.into_inner().prompt_id, &f.access_grants).await?))
    }

    /// `routers/prompts.py::toggle_prompt_active`.
    async fn prompts_toggle_active(rqctx: Ctx, p: Path<PromptIdPath>) -> Result<HttpResponseOk<PromptModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::toggle(rqctx.context(), &s, &p.into_inner().prompt_id).await?))
    }

    /// `routers/prompts.py::delete_prompt_by_id`.
    async fn prompts_delete_by_id(rqctx: Ctx, p: Path<PromptIdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::delete(rqctx.context(), &s, &p.into_inner().prompt_id).await?))
    }

    /// `routers/prompts.py::get_prompt_history`. A negative `page` answers 422 (the reference
    /// sends a negative OFFSET to the database and answers 500).
    async fn prompts_get_history(
        rqctx: Ctx,
        p: Path<PromptIdPath>,
        q: Query<PromptHistoryQuery>,
    ) -> Result<HttpResponseOk<Vec<PromptHistoryResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let raw = q.into_inner().page;
        let page = query::int("page", &raw)?.unwrap_or(0);
        if page < 0 {
            return Err(Detail::validation(vec![json!({
                "type": "greater_than_equal", "loc": ["query", "page"], "msg": "Input should be greater than or equal to 0",
                "input": raw, "ctx": {"ge": 0},
            })]));
        }
        Ok(HttpResponseOk(app::history(rqctx.context(), &s, &p.into_inner().prompt_id, page).await?))
    }

    /// `routers/prompts.py::get_prompt_history_entry`.
    async fn prompts_get_history_entry(rqctx: Ctx, p: Path<PromptHistoryPath>) -> Result<HttpResponseOk<PromptHistoryModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let p = p.into_inner();
        Ok(HttpResponseOk(app::history_entry(rqctx.context(), &s, &p.prompt_id, &p.history_id).await?))
    }

    /// `routers/prompts.py::delete_prompt_history_entry`.
    async fn prompts_delete_history_entry(rqctx: Ctx, p: Path<PromptHistoryPath>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let p = p.into_inner();
        Ok(HttpResponseOk(app::delete_history_entry(rqctx.context(), &s, &p.prompt_id, &p.history_id).await?))
    }
}

impl PromptsLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `routers/prompts.py::get_prompt_diff`: both ids required (422 after the auth check).
    async fn prompts_get_diff(rqctx: Ctx, p: Path<PromptIdPath>, q: Query<PromptDiffQuery>) -> Result<HttpResponseOk<PromptDiff>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let missing = |name: &str| json!({"type": "missing", "loc": ["query", name], "msg": "Field required", "input": null});
        let (from_id, to_id) = match (q.from_id, q.to_id) {
            (Some(f), Some(t)) => (f, t),
            (f, t) => {
                let mut errors = Vec::new();
                if f.is_none() {
                    errors.push(missing("from_id"));
                }
                if t.is_none() {
                    errors.push(missing("to_id"));
                }
                return Err(Detail::validation(errors));
            }
        };
        Ok(HttpResponseOk(app::diff(rqctx.context(), &s, &p.into_inner().prompt_id, &from_id, &to_id).await?))
    }
}
