//! A user's memories (`routers/memories.py`): the list of the Personalization settings.

use serde_json::Value;
use webui_api::memories::MemoryModel;

use crate::app::session::{permissions as perms, truthy, SessionUser};
use crate::context::ServerContext;
use crate::db::memories as db;
use crate::error::{Error, Result};
use crate::messages;

/// `check_memories_permission`: 404 when memories are off, 403 for a user without
/// `features.memories`.
async fn check_permission(ctx: &ServerContext, user: &SessionUser) -> Result<()> {
    if !truthy(ctx.setting("memories.enable").as_ref()) {
        return Err(Error::not_found(messages::NOT_FOUND));
    }
    let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
    if !user.is_admin() && !perms::has_permission(ctx, &user.user.id, "features.memories", &defaults).await? {
        return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
    }
    Ok(())
}

/// `GET /api/v1/memories/` (`get_memories`): the caller's memories.
pub async fn list(ctx: &ServerContext, user: &SessionUser) -> Result<Vec<MemoryModel>> {
    check_permission(ctx, user).await?;
    let client = ctx.db.get().await?;
    Ok(db::by_user(&**client, &user.user.id).await?)
}
