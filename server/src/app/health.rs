//! Liveness and readiness: the reference's `/health/db` and `/ready` (`main.py`).

use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// `/health/db`: the database answers.
pub async fn db_ping(ctx: &ServerContext) -> Result<()> {
    Ok(crate::db::config::ping(&ctx.db).await?)
}

/// `/ready`: start-up is done and the database answers, else 503 with the reference's message.
pub async fn ready(ctx: &ServerContext) -> Result<()> {
    if !ctx.is_ready() {
        return Err(Error::status(503, messages::STARTUP_NOT_COMPLETE));
    }
    if db_ping(ctx).await.is_err() {
        return Err(Error::status(503, messages::DATABASE_NOT_READY));
    }
    Ok(())
}
