//! `/api/v1/evaluations` (`routers/evaluations.py`): the arena settings of the admin panel's
//! Evaluations page (`EVALUATION_CONFIG_KEYS`). Feedback and the leaderboard are not served.

#![allow(non_snake_case)]

use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Detail, FastJson};

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
}
}
