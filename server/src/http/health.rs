//! `/health`, `/health/db`, `/ready`.

use webui_api::Detail;

use crate::context::ServerContext;

/// `SELECT 1` on a pooled connection.
pub async fn db_ping(ctx: &ServerContext) -> Result<(), Detail> {
    let client = ctx.db.get().await.map_err(super::db_err)?;
    client.simple_query("SELECT 1").await.map_err(super::db_err)?;
    Ok(())
}

/// 200 `{"status":true}` once start-up is done and the database answers, else 503 with the
/// reference's message.
pub async fn ready(ctx: &ServerContext) -> Result<(), Detail> {
    if !ctx.is_ready() {
        return Err(Detail::new(503, "Startup not complete"));
    }
    if db_ping(ctx).await.is_err() {
        return Err(Detail::new(503, "Database not ready"));
    }
    Ok(())
}
