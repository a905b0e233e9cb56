//! `/health`, `/health/db`, `/ready` (the checks are [`crate::app::health`]).

use webui_api::Detail;

use crate::app::health;
use crate::context::ServerContext;

/// `SELECT 1` on a pooled connection.
pub async fn db_ping(ctx: &ServerContext) -> Result<(), Detail> {
    Ok(health::db_ping(ctx).await?)
}

/// 200 `{"status":true}` once start-up is done and the database answers, else 503 with the
/// reference's message.
pub async fn ready(ctx: &ServerContext) -> Result<(), Detail> {
    Ok(health::ready(ctx).await?)
}
