//! `/api/v1/evaluations`: the implementation of [`EvaluationsApi`] over
//! [`crate::app::evaluations`] (settings) and [`crate::app::feedbacks`].

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use serde_json::Value;
use webui_api::evaluations::{
    EvaluationsApi, EvaluationsConfig, EvaluationsConfigForm, FeedbackExportQuery, FeedbackForm, FeedbackIdResponse, FeedbackListQuery,
    FeedbackListResponse, FeedbackModel, FeedbackPageQuery,
};
use webui_api::workspace::IdPath;
use webui_api::{Detail, FastJson, Shaped};

use super::{auth, query, ServerImpl};
use crate::app::evaluations as app;
use crate::app::feedbacks;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl EvaluationsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_config` (admin).
    async fn evaluations_get_config(rqctx: Ctx) -> Result<HttpResponseOk<EvaluationsConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::config(rqctx.context())?))
    }

    /// `update_config` (admin).
    async fn evaluations_update_config(rqctx: Ctx, body: FastJson<EvaluationsConfigForm>) -> Result<HttpResponseOk<EvaluationsConfig>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::update_config(rqctx.context(), body.into_inner()?).await?))
    }

    /// `get_feedback_model_ids` (admin).
    async fn evaluations_get_feedback_model_ids(rqctx: Ctx) -> Result<HttpResponseOk<Vec<String>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(feedbacks::model_ids(rqctx.context()).await?))
    }

    /// `get_all_feedback_ids` (admin).
    async fn evaluations_get_all_feedback_ids(rqctx: Ctx) -> Result<HttpResponseOk<Vec<FeedbackIdResponse>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(feedbacks::ids(rqctx.context()).await?))
    }

    /// `delete_all_feedbacks` (admin).
    async fn evaluations_delete_all_feedbacks(rqctx: Ctx) -> Result<HttpResponseOk<bool>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(feedbacks::delete_many(rqctx.context(), None).await?))
    }

    /// `export_all_feedbacks` (admin).
    async fn evaluations_export_all_feedbacks(rqctx: Ctx, q: Query<FeedbackExportQuery>) -> Result<HttpResponseOk<Vec<FeedbackModel>>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(feedbacks::export(rqctx.context(), q.into_inner().model_id.as_deref()).await?))
    }

    /// `get_user_feedbacks`.
    async fn evaluations_get_user_feedbacks(rqctx: Ctx, q: Query<FeedbackPageQuery>) -> Result<HttpResponseOk<FeedbackListResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let page = query::int("page", &q.into_inner().page)?;
        Ok(HttpResponseOk(feedbacks::user_list(rqctx.context(), &s, page).await?))
    }

    /// `delete_feedbacks` (the caller's).
    async fn evaluations_delete_feedbacks(rqctx: Ctx) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(feedbacks::delete_many(rqctx.context(), Some(&s.user.id)).await?))
    }

    /// `get_feedbacks` (admin).
    async fn evaluations_get_feedbacks(rqctx: Ctx, q: Query<FeedbackListQuery>) -> Result<HttpResponseOk<FeedbackListResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        let q = q.into_inner();
        let page = query::int("page", &q.page)?;
        let lq = feedbacks::ListQuery { order_by: q.order_by, direction: q.direction, page, model_id: q.model_id };
        Ok(HttpResponseOk(feedbacks::admin_list(rqctx.context(), lq).await?))
    }

    /// `create_feedback`.
    async fn evaluations_create_feedback(rqctx: Ctx, body: FastJson<Shaped<FeedbackForm, Value>>) -> Result<HttpResponseOk<FeedbackModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = feedbacks::feedback_form(&body.into_inner()?.into_inner())?;
        Ok(HttpResponseOk(feedbacks::create(rqctx.context(), &s, form).await?))
    }

    /// `get_feedback_by_id` (its author or an admin).
    async fn evaluations_get_feedback_by_id(rqctx: Ctx, path: Path<IdPath>) -> Result<HttpResponseOk<FeedbackModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(feedbacks::get(rqctx.context(), &s, &path.into_inner().id).await?))
    }

    /// `update_feedback_by_id` (its author or an admin).
    async fn evaluations_update_feedback_by_id(
        rqctx: Ctx,
        path: Path<IdPath>,
        body: FastJson<Shaped<FeedbackForm, Value>>,
    ) -> Result<HttpResponseOk<FeedbackModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = feedbacks::feedback_form(&body.into_inner()?.into_inner())?;
        Ok(HttpResponseOk(feedbacks::update(rqctx.context(), &s, &path.into_inner().id, form).await?))
    }

    /// `delete_feedback_by_id` (its author or an admin).
    async fn evaluations_delete_feedback_by_id(rqctx: Ctx, path: Path<IdPath>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(feedbacks::delete(rqctx.context(), &s, &path.into_inner().id).await?))
    }
}
