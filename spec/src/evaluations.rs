//! `/api/v1/evaluations` (`routers/evaluations.py`, `models/feedbacks.py`): the arena settings of
//! the admin panel's Evaluations page (`EVALUATION_CONFIG_KEYS`) and the answers' ratings
//! (feedback). The leaderboard is not served.

#![allow(non_snake_case)]

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::workspace::IdPath;
use crate::{Detail, FastJson, Shaped};

/// `GET /api/v1/evaluations/config` (`get_config_values(EVALUATION_CONFIG_KEYS)`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct EvaluationsConfig {
    pub ENABLE_EVALUATION_ARENA_MODELS: Option<bool>,
    pub EVALUATION_ARENA_MODELS: Option<Vec<Map<String, Value>>>,
}

/// `UpdateConfigForm`: a field left out or null is not changed.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct EvaluationsConfigForm {
    #[serde(default)]
    pub ENABLE_EVALUATION_ARENA_MODELS: Option<bool>,
    #[serde(default)]
    pub EVALUATION_ARENA_MODELS: Option<Vec<Map<String, Value>>>,
}

/// `FeedbackModel`: a feedback with its snapshot.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FeedbackModel {
    pub id: String,
    pub user_id: String,
    pub version: i64,
    #[serde(rename = "type")]
    pub type_: String,
    pub data: Option<Map<String, Value>>,
    pub meta: Option<Map<String, Value>>,
    pub snapshot: Option<Map<String, Value>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `UserResponse` of `models/feedbacks.py`: the author of a feedback in the lists.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FeedbackUser {
    pub id: String,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub role: String,
    pub last_active_at: i64,
    pub updated_at: i64,
    pub created_at: i64,
}

/// `FeedbackUserResponse`: a feedback without its snapshot, with its author.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FeedbackUserResponse {
    pub id: String,
    pub user_id: String,
    pub version: i64,
    #[serde(rename = "type")]
    pub type_: String,
    pub data: Option<Map<String, Value>>,
    pub meta: Option<Map<String, Value>>,
    pub created_at: i64,
    pub updated_at: i64,
    pub user: Option<FeedbackUser>,
}

/// `FeedbackListResponse`: a page (30 items) and the total.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FeedbackListResponse {
    pub items: Vec<FeedbackUserResponse>,
    pub total: i64,
}

/// `FeedbackIdResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FeedbackIdResponse {
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `rating: Optional[str | int]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Rating {
    Text(String),
    Number(i64),
}

/// `RatingData`: the rating of an answer (other keys are kept).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct RatingData {
    pub rating: Option<Rating>,
    pub model_id: Option<String>,
    pub sibling_model_ids: Option<Vec<String>>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

/// `SnapshotData`: the rated chat (other keys are kept).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SnapshotData {
    pub chat: Option<Map<String, Value>>,
}

/// `FeedbackForm` (read by the handler as pydantic does: see `server::http::evaluations`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct FeedbackForm {
    #[serde(rename = "type")]
    pub type_: String,
    pub data: Option<RatingData>,
    pub meta: Option<Map<String, Value>>,
    pub snapshot: Option<SnapshotData>,
}

/// `?page=` of `GET feedbacks/user` (below 1 is 1).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct FeedbackPageQuery {
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
}

/// The query of `GET feedbacks/list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct FeedbackListQuery {
    #[serde(default)]
    pub order_by: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub page: Option<String>,
    #[serde(default)]
    pub model_id: Option<String>,
}

/// `?model_id=` of `GET feedbacks/all/export`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct FeedbackExportQuery {
    #[serde(default)]
    pub model_id: Option<String>,
}

api_traits! {
/// The admin panel's Evaluations settings.
pub trait EvaluationsApi in evaluations_api_invokers {
    type Context: Send + Sync + 'static;

    /// Whether arena models are offered, and which (admin).
    #[endpoint { method = GET, path = "/api/v1/evaluations/config", tags = ["evaluations"] }]
    async fn evaluations_get_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<EvaluationsConfig>, Detail>;

    /// Sets the fields given (admin).
    #[endpoint { method = POST, path = "/api/v1/evaluations/config", tags = ["evaluations"] }]
    async fn evaluations_update_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<EvaluationsConfigForm>,
    ) -> Result<HttpResponseOk<EvaluationsConfig>, Detail>;

    /// The model ids rated, sorted (admin).
    #[endpoint { method = GET, path = "/api/v1/evaluations/feedbacks/models", tags = ["evaluations"] }]
    async fn evaluations_get_feedback_model_ids(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<String>>, Detail>;

    /// Every feedback's id, author and times, newest change first (admin).
    #[endpoint { method = GET, path = "/api/v1/evaluations/feedbacks/all/ids", tags = ["evaluations"] }]
    async fn evaluations_get_all_feedback_ids(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<Vec<FeedbackIdResponse>>, Detail>;

    /// Deletes every feedback; whether there was one (admin).
    #[endpoint { method = DELETE, path = "/api/v1/evaluations/feedbacks/all", tags = ["evaluations"] }]
    async fn evaluations_delete_all_feedbacks(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Every feedback, newest change first, of one model with `model_id` (admin).
    #[endpoint { method = GET, path = "/api/v1/evaluations/feedbacks/all/export", tags = ["evaluations"] }]
    async fn evaluations_export_all_feedbacks(
        rqctx: RequestContext<Self::Context>,
        query: Query<FeedbackExportQuery>,
    ) -> Result<HttpResponseOk<Vec<FeedbackModel>>, Detail>;

    /// The caller's feedback, newest change first, 30 a page.
    #[endpoint { method = GET, path = "/api/v1/evaluations/feedbacks/user", tags = ["evaluations"] }]
    async fn evaluations_get_user_feedbacks(
        rqctx: RequestContext<Self::Context>,
        query: Query<FeedbackPageQuery>,
    ) -> Result<HttpResponseOk<FeedbackListResponse>, Detail>;

    /// Deletes the caller's feedback; whether there was one.
    #[endpoint { method = DELETE, path = "/api/v1/evaluations/feedbacks", tags = ["evaluations"] }]
    async fn evaluations_delete_feedbacks(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<bool>, Detail>;

    /// Every feedback with its author, 30 a page, sorted and filtered by model (admin).
    #[endpoint { method = GET, path = "/api/v1/evaluations/feedbacks/list", tags = ["evaluations"] }]
    async fn evaluations_get_feedbacks(
        rqctx: RequestContext<Self::Context>,
        query: Query<FeedbackListQuery>,
    ) -> Result<HttpResponseOk<FeedbackListResponse>, Detail>;

    /// Rates an answer.
    #[endpoint { method = POST, path = "/api/v1/evaluations/feedback", tags = ["evaluations"] }]
    async fn evaluations_create_feedback(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<FeedbackForm, Value>>,
    ) -> Result<HttpResponseOk<FeedbackModel>, Detail>;

    /// One feedback (its author or an admin).
    #[endpoint { method = GET, path = "/api/v1/evaluations/feedback/{id}", tags = ["evaluations"] }]
    async fn evaluations_get_feedback_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<HttpResponseOk<FeedbackModel>, Detail>;

    /// Replaces a feedback's data, meta (when not empty) and snapshot (its author or an admin).
    #[endpoint { method = POST, path = "/api/v1/evaluations/feedback/{id}", tags = ["evaluations"] }]
    async fn evaluations_update_feedback_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
        body: FastJson<Shaped<FeedbackForm, Value>>,
    ) -> Result<HttpResponseOk<FeedbackModel>, Detail>;

    /// Deletes a feedback (its author or an admin).
    #[endpoint { method = DELETE, path = "/api/v1/evaluations/feedback/{id}", tags = ["evaluations"] }]
    async fn evaluations_delete_feedback_by_id(
        rqctx: RequestContext<Self::Context>,
        path: Path<IdPath>,
    ) -> Result<HttpResponseOk<bool>, Detail>;
}
}
