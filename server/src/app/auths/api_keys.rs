//! The caller's API key: `GET/POST/DELETE /api/v1/auths/api_key` (`routers/auths.py`), allowed
//! when API keys are on and the caller is an admin or holds `features.api_keys`.

use serde_json::Value;
use webui_api::ApiKeyResponse;

use crate::app::session::{now, permissions, truthy, SessionUser};
use crate::context::ServerContext;
use crate::db::users;
use crate::error::{Error, Result};
use crate::messages;

async fn check_api_key_permission(ctx: &ServerContext, s: &SessionUser) -> Result<()> {
    let cfg = ctx.settings_many(&["auth.enable_api_keys", "user.permissions"]);
    let allowed = truthy(cfg.get("auth.enable_api_keys"))
        && (s.is_admin()
            || permissions::has_permission(ctx, &s.user.id, "features.api_keys", cfg.get("user.permissions").unwrap_or(&Value::Null))
                .await?);
    if !allowed {
        return Err(Error::forbidden(messages::API_KEY_CREATION_NOT_ALLOWED));
    }
    Ok(())
}

/// `get_api_key`.
pub async fn api_key_get(ctx: &ServerContext, s: &SessionUser) -> Result<ApiKeyResponse> {
    check_api_key_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    match users::api_key_by_user(&**client, &s.user.id).await? {
        Some(k) if !k.is_empty() => Ok(ApiKeyResponse { api_key: Some(k) }),
        _ => Err(Error::not_found(messages::API_KEY_NOT_FOUND)),
    }
}

/// `generate_api_key`: a new `sk-…` key replaces the caller's.
pub async fn api_key_create(ctx: &ServerContext, s: &SessionUser) -> Result<ApiKeyResponse> {
    check_api_key_permission(ctx, s).await?;
    let key = format!("sk-{}", uuid::Uuid::new_v4().simple());
    let mut client = ctx.db.get().await?;
    users::api_key_set(&mut client, &s.user.id, &key, now()).await?;
    Ok(ApiKeyResponse { api_key: Some(key) })
}

/// `delete_api_key`.
pub async fn api_key_delete(ctx: &ServerContext, s: &SessionUser) -> Result<bool> {
    check_api_key_permission(ctx, s).await?;
    let client = ctx.db.get().await?;
    users::api_key_delete(&**client, &s.user.id).await?;
    Ok(true)
}
