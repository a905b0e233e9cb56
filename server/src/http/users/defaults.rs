//! The default permissions, `/api/v1/users/default/permissions[/defaults]`, reached through the
//! `{user_id}` routes (dropshot cannot register the literal `default` beside the variable).

use serde_json::{Map, Value};
use webui_api::{Detail, FastJson, Shaped, UserPermissions};

use super::{auth, wire, Ctx};
use crate::app::users::permissions;

fn only_default(user_id: &str) -> Result<(), Detail> {
    if user_id == "default" {
        Ok(())
    } else {
        Err(Detail::not_found("Not Found"))
    }
}

/// `GET /api/v1/users/default/permissions` (admin).
pub async fn default_permissions_get(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    only_default(user_id)?;
    auth::require_admin(rqctx).await?;
    wire(permissions::defaults_get(rqctx.context())?)
}

/// `POST /api/v1/users/default/permissions` (admin): validated as `UserPermissions`.
pub async fn default_permissions_update(
    rqctx: &Ctx,
    user_id: &str,
    body: FastJson<Shaped<UserPermissions, Map<String, Value>>>,
) -> Result<Value, Detail> {
    only_default(user_id)?;
    auth::require_admin(rqctx).await?;
    let form = permissions::validate(&body.into_inner()?.into_inner())?;
    wire(permissions::defaults_update(rqctx.context(), form).await?)
}

/// `GET /api/v1/users/default/permissions/defaults` (admin).
pub async fn default_permissions_defaults(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    only_default(user_id)?;
    auth::require_admin(rqctx).await?;
    wire(permissions::defaults_of_env(rqctx.context())?)
}
