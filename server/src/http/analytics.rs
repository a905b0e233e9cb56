//! `/api/v1/analytics`: the implementation of [`AnalyticsApi`] over [`crate::app::analytics`]
//! (admin only; the reference mounts the router only with `ENABLE_ADMIN_ANALYTICS`, default on).

use std::sync::Arc;

use dropshot::{HttpResponseOk, Query, RequestContext};
use webui_api::analytics::{
    AnalyticsApi, AnalyticsQuery, DailyStatsQuery, DailyStatsResponse, ModelAnalyticsResponse, SummaryResponse, TokenUsageResponse,
    UserAnalyticsQuery, UserAnalyticsResponse,
};
use webui_api::Detail;

use super::{auth, ServerImpl};
use crate::app::analytics as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl AnalyticsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_summary` (admin).
    async fn analytics_get_summary(rqctx: Ctx, query: Query<AnalyticsQuery>) -> Result<HttpResponseOk<SummaryResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::summary(rqctx.context(), &query.into_inner()).await?))
    }

    /// `get_model_analytics` (admin).
    async fn analytics_get_model(rqctx: Ctx, query: Query<AnalyticsQuery>) -> Result<HttpResponseOk<ModelAnalyticsResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::models(rqctx.context(), &query.into_inner()).await?))
    }

    /// `get_user_analytics` (admin).
    async fn analytics_get_user(rqctx: Ctx, query: Query<UserAnalyticsQuery>) -> Result<HttpResponseOk<UserAnalyticsResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::users(rqctx.context(), &query.into_inner()).await?))
    }

    /// `get_token_usage` (admin).
    async fn analytics_get_token_usage(rqctx: Ctx, query: Query<AnalyticsQuery>) -> Result<HttpResponseOk<TokenUsageResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::tokens(rqctx.context(), &query.into_inner()).await?))
    }

    /// `get_daily_stats` (admin).
    async fn analytics_get_daily_stats(rqctx: Ctx, query: Query<DailyStatsQuery>) -> Result<HttpResponseOk<DailyStatsResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::daily(rqctx.context(), &query.into_inner()).await?))
    }
}
