//! `/api/v1/knowledge`: the implementations of [`KnowledgeApi`] and [`KnowledgeItemApi`] over
//! [`crate::app::knowledge`].

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::Response;
use webui_api::knowledge::{
    ExternalKnowledgeConnectionListResponse, KnowledgeAccessGrantsForm, KnowledgeAccessListResponse, KnowledgeApi, KnowledgeFileListResponse,
    KnowledgeFileSearchQuery, KnowledgeFilesQuery, KnowledgeFilesResponse, KnowledgeForm, KnowledgeItemApi, KnowledgePageQuery,
    KnowledgeResetQuery, KnowledgeResponse, KnowledgeSearchQuery,
};
use webui_api::workspace::IdPath;
use webui_api::{Detail, FastJson};

use super::chats::gather;
use super::{auth, query, ServerImpl};
use crate::app::knowledge as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl KnowledgeApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_knowledge_bases` (verified user).
    async fn knowledge_get_bases(rqctx: Ctx, q: Query<KnowledgePageQuery>) -> Result<HttpResponseOk<KnowledgeAccessListResponse>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let page = query::int("page", &q.into_inner().page)?.unwrap_or(1);
        Ok(HttpResponseOk(app::list(rqctx.context(), &user, page).await?))
    }

    /// `search_knowledge_bases` (verified user).
    async fn knowledge_search_bases(rqctx: Ctx, query: Query<KnowledgeSearchQuery>) -> Result<HttpResponseOk<KnowledgeAccessListResponse>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::search(rqctx.context(), &user, &query.into_inner()).await?))
    }

    /// `create_new_knowledge` (verified user).
    async fn knowledge_create_new(rqctx: Ctx, body: FastJson<KnowledgeForm>) -> Result<HttpResponseOk<Option<KnowledgeResponse>>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(Some(app::create(rqctx.context(), &user, &f.name, &f.description, f.access_grants.as_deref()).await?)))
    }

    /// `search_knowledge_files` (verified user).
    async fn knowledge_search_files(rqctx: Ctx, q: Query<KnowledgeFileSearchQuery>) -> Result<HttpResponseOk<KnowledgeFileListResponse>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let (include, page) = match (query::boolean("include_content", &q.include_content), query::int("page", &q.page)) {
            (Ok(i), Ok(p)) => (i, p.unwrap_or(1)),
            (i, p) => {
                gather(vec![i.map(|_| ()), p.map(|_| ())])?;
                unreachable!("an error was gathered")
            }
        };
        Ok(HttpResponseOk(app::search_files(rqctx.context(), &user, q.query.as_deref(), include, page).await?))
    }

    /// `get_external_knowledge_connections` (admin).
    async fn knowledge_get_external_connections(rqctx: Ctx) -> Result<HttpResponseOk<ExternalKnowledgeConnectionListResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::external_connections(rqctx.context())))
    }
}

impl KnowledgeItemApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_knowledge_by_id` (verified user).
    async fn knowledge_get_by_id(rqctx: Ctx, p: Path<IdPath>) -> Result<HttpResponseOk<Option<KnowledgeFilesResponse>>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(Some(app::get(rqctx.context(), &user, &p.into_inner().id).await?)))
    }

    /// `update_knowledge_by_id` (verified user).
    async fn knowledge_update_by_id(
        rqctx: Ctx,
        p: Path<IdPath>,
        body: FastJson<KnowledgeForm>,
    ) -> Result<HttpResponseOk<Option<KnowledgeFilesResponse>>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(Some(app::update(rqctx.context(), &user, &p.into_inner().id, &f.name, &f.description).await?)))
    }

    /// `update_knowledge_access_by_id` (verified user).
    async fn knowledge_update_access_by_id(
        rqctx: Ctx,
        p: Path<IdPath>,
        body: FastJson<KnowledgeAccessGrantsForm>,
    ) -> Result<HttpResponseOk<Option<KnowledgeFilesResponse>>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let f = body.into_inner()?;
        Ok(HttpResponseOk(Some(app::update_access(rqctx.context(), &user, &p.into_inner().id, &f.access_grants).await?)))
    }

    /// `get_knowledge_files_by_id` (verified user).
    async fn knowledge_get_files_by_id(
        rqctx: Ctx,
        p: Path<IdPath>,
        q: Query<KnowledgeFilesQuery>,
    ) -> Result<HttpResponseOk<KnowledgeFileListResponse>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let (include, page, limit) =
            match (query::boolean("include_content", &q.include_content), query::int("page", &q.page), query::int("limit", &q.limit)) {
                (Ok(i), Ok(p), Ok(l)) => (i, p.unwrap_or(1), l),
                (i, p, l) => {
                    gather(vec![i.map(|_| ()), p.map(|_| ()), l.map(|_| ())])?;
                    unreachable!("an error was gathered")
                }
            };
        let fq = app::FilesQuery {
            query: q.query,
            include_content: include,
            view_option: q.view_option,
            order_by: q.order_by,
            direction: q.direction,
            directory_id: q.directory_id,
            page,
            limit,
        };
        Ok(HttpResponseOk(app::files(rqctx.context(), &user, &p.into_inner().id, &fq).await?))
    }

    /// `delete_knowledge_by_id` (verified user).
    async fn knowledge_delete_by_id(rqctx: Ctx, p: Path<IdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::delete(rqctx.context(), &user, &p.into_inner().id).await?))
    }

    /// `reset_knowledge_by_id` (verified user).
    async fn knowledge_reset_by_id(rqctx: Ctx, p: Path<IdPath>, q: Query<KnowledgeResetQuery>) -> Result<HttpResponseOk<Option<KnowledgeResponse>>, Detail> {
        let user = auth::require_user(&rqctx).await?;
        let include = query::opt_boolean("include_directories", &q.into_inner().include_directories)?.unwrap_or(true);
        Ok(HttpResponseOk(Some(app::reset(rqctx.context(), &user, &p.into_inner().id, include).await?)))
    }

    /// `export_knowledge_by_id` (admin).
    async fn knowledge_export_by_id(rqctx: Ctx, p: Path<IdPath>) -> Result<Response<Body>, Detail> {
        auth::require_admin(&rqctx).await?;
        let (zip, name) = app::export(rqctx.context(), &p.into_inner().id).await?;
        // Python's `quote(name, safe='')`: all but the unreserved characters escaped.
        const QUOTE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'_').remove(b'.').remove(b'-').remove(b'~');
        let encoded = percent_encoding::utf8_percent_encode(&name, QUOTE).to_string();
        Response::builder()
            .status(200)
            .header(http::header::CONTENT_TYPE, "application/zip")
            .header(http::header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{encoded}"))
            .body(Body::from(zip))
            .map_err(Detail::internal)
    }
}
