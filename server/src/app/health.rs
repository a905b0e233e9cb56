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

/// `/api/usage` (`get_current_usage`): the models in use on this instance's sockets (the
/// reference's `USAGE_POOL` is per process without Redis too) and the users active in the last
/// three minutes; for admins only when ENABLE_PUBLIC_ACTIVE_USERS_COUNT is false.
pub async fn current_usage(ctx: &ServerContext, s: &crate::app::session::SessionUser) -> Result<webui_api::CurrentUsage> {
    if !ctx.config.env_bool("ENABLE_PUBLIC_ACTIVE_USERS_COUNT", true) && !s.is_admin() {
        return Err(Error::status(403, messages::USAGE_ADMIN_ONLY));
    }
    let client = ctx.db.get().await?;
    let user_count = crate::db::users::active_user_count(&**client, crate::app::session::now()).await?;
    Ok(webui_api::CurrentUsage { model_ids: ctx.sockets.models_in_use(), user_count })
}
