//! `/api/v1/analytics` (`routers/analytics.py`): the admin panel's Analytics page, counted from
//! the `chat_message` rows of assistant answers: totals, per model, per user, tokens, and a time
//! series per model.

use dropshot::{HttpResponseOk, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Detail;

/// The period and group every analytics route is filtered by.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct AnalyticsQuery {
    /// Start timestamp (epoch seconds; 0 or absent: no bound).
    #[serde(default)]
    pub start_date: Option<i64>,
    /// End timestamp (epoch seconds, inclusive; 0 or absent: no bound).
    #[serde(default)]
    pub end_date: Option<i64>,
    /// Only the messages of this group's members (its subgroups' included).
    #[serde(default)]
    pub group_id: Option<String>,
}

/// `messages` (default) or `tokens`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    #[default]
    Messages,
    Tokens,
}

/// The query of `GET /api/v1/analytics/users`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct UserAnalyticsQuery {
    #[serde(default)]
    pub start_date: Option<i64>,
    #[serde(default)]
    pub end_date: Option<i64>,
    #[serde(default)]
    pub group_id: Option<String>,
    /// Max users to return (default 50).
    #[serde(default)]
    pub limit: Option<i64>,
    /// What the users are ranked by.
    #[serde(default)]
    pub metric: Metric,
}

/// The buckets of the time series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, JsonSchema)]
pub enum Granularity {
    #[serde(rename = "10m")]
    TenMinutes,
    #[serde(rename = "hourly")]
    Hourly,
    #[serde(rename = "3h")]
    ThreeHours,
    #[serde(rename = "6h")]
    SixHours,
    #[default]
    #[serde(rename = "daily")]
    Daily,
}

/// The query of `GET /api/v1/analytics/daily`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct DailyStatsQuery {
    #[serde(default)]
    pub start_date: Option<i64>,
    #[serde(default)]
    pub end_date: Option<i64>,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub granularity: Granularity,
    #[serde(default)]
    pub metric: Metric,
    /// Also the same counts over the period just before (a bounded period only).
    #[serde(default)]
    pub compare: Option<bool>,
}

/// `SummaryResponse`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SummaryResponse {
    pub total_messages: i64,
    pub total_chats: i64,
    pub total_models: i64,
    pub total_users: i64,
}

/// `ModelAnalyticsEntry`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ModelAnalyticsEntry {
    pub model_id: String,
    pub count: i64,
    pub unique_users: i64,
    pub unique_chats: i64,
}

/// `ModelAnalyticsResponse`: the models, most answers first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ModelAnalyticsResponse {
    pub models: Vec<ModelAnalyticsEntry>,
}

/// `UserAnalyticsEntry`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserAnalyticsEntry {
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub count: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
}

/// `UserAnalyticsResponse`: the top users by the chosen metric.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserAnalyticsResponse {
    pub users: Vec<UserAnalyticsEntry>,
}

/// `TokenUsageEntry`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TokenUsageEntry {
    pub model_id: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub message_count: i64,
}

/// `TokenUsageResponse`: per model (most tokens first) and the totals.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TokenUsageResponse {
    pub models: Vec<TokenUsageEntry>,
    pub total_input_tokens: i64,
    pub total_output_tokens: i64,
    pub total_tokens: i64,
}

/// `ComparisonStatsEntry`: the same bucket in the previous period.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ComparisonStatsEntry {
    pub models: Map<String, Value>,
    pub start: String,
    pub end: String,
}

/// `DailyStatsEntry`: one bucket (`YYYY-MM-DD`, or `YYYY-MM-DD HH:MM` below a day) and its
/// count per model.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DailyStatsEntry {
    pub date: String,
    pub models: Map<String, Value>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub previous: Option<ComparisonStatsEntry>,
}

/// `DailyStatsResponse`: the buckets in order.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DailyStatsResponse {
    pub data: Vec<DailyStatsEntry>,
}

api_traits! {
/// The admin panel's Analytics page.
pub trait AnalyticsApi in analytics_api_invokers {
    type Context: Send + Sync + 'static;

    /// Answers, chats, models and users in the period (admin).
    #[endpoint { method = GET, path = "/api/v1/analytics/summary", tags = ["analytics"] }]
    async fn analytics_get_summary(
        rqctx: RequestContext<Self::Context>,
        query: Query<AnalyticsQuery>,
    ) -> Result<HttpResponseOk<SummaryResponse>, Detail>;

    /// Answers, users and chats per model (admin).
    #[endpoint { method = GET, path = "/api/v1/analytics/models", tags = ["analytics"] }]
    async fn analytics_get_model(
        rqctx: RequestContext<Self::Context>,
        query: Query<AnalyticsQuery>,
    ) -> Result<HttpResponseOk<ModelAnalyticsResponse>, Detail>;

    /// Answers and tokens per user, the top `limit` (admin).
    #[endpoint { method = GET, path = "/api/v1/analytics/users", tags = ["analytics"] }]
    async fn analytics_get_user(
        rqctx: RequestContext<Self::Context>,
        query: Query<UserAnalyticsQuery>,
    ) -> Result<HttpResponseOk<UserAnalyticsResponse>, Detail>;

    /// Tokens per model and in all (admin).
    #[endpoint { method = GET, path = "/api/v1/analytics/tokens", tags = ["analytics"] }]
    async fn analytics_get_token_usage(
        rqctx: RequestContext<Self::Context>,
        query: Query<AnalyticsQuery>,
    ) -> Result<HttpResponseOk<TokenUsageResponse>, Detail>;

    /// Answers or tokens per model and time bucket (admin).
    #[endpoint { method = GET, path = "/api/v1/analytics/daily", tags = ["analytics"] }]
    async fn analytics_get_daily_stats(
        rqctx: RequestContext<Self::Context>,
        query: Query<DailyStatsQuery>,
    ) -> Result<HttpResponseOk<DailyStatsResponse>, Detail>;
}
}
