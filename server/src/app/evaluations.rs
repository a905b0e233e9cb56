//! `/api/v1/evaluations` (`routers/evaluations.py`): the arena settings (`EVALUATION_CONFIG_KEYS`).

use serde_json::json;
use webui_api::evaluations::{EvaluationsConfig, EvaluationsConfigForm};

use crate::app::admin_settings::{fields, typed};
use crate::context::ServerContext;
use crate::error::Result;
use crate::settings;

/// `EVALUATION_CONFIG_KEYS`.
const EVALUATION: &[(&str, &str)] =
    &[("ENABLE_EVALUATION_ARENA_MODELS", "evaluation.arena.enable"), ("EVALUATION_ARENA_MODELS", "evaluation.arena.models")];

/// `GET /api/v1/evaluations/config` (`get_config`).
pub fn config(ctx: &ServerContext) -> Result<EvaluationsConfig> {
    typed(fields(ctx, EVALUATION))
}

/// `POST /api/v1/evaluations/config` (`update_config`): the fields given and not null.
pub async fn update_config(ctx: &ServerContext, form: EvaluationsConfigForm) -> Result<EvaluationsConfig> {
    let mut rows = Vec::new();
    if let Some(enable) = form.ENABLE_EVALUATION_ARENA_MODELS {
        rows.push(("evaluation.arena.enable", json!(enable)));
    }
    if let Some(models) = form.EVALUATION_ARENA_MODELS {
        rows.push(("evaluation.arena.models", json!(models)));
    }
    if !rows.is_empty() {
        settings::write(ctx, &rows).await?;
    }
    config(ctx)
}
