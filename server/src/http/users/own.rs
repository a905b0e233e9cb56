//! The session user's own routes, `/api/v1/users/user/...`, reached through the `{user_id}`
//! routes (dropshot cannot register the literal `user` beside the variable).

use serde_json::{Map, Value};
use webui_api::{Detail, FastJson, Shaped, UserSettings, UserStatusForm, UserVariablesForm};

use super::{auth, wire, Ctx};
use crate::app::users::{self as app, settings};

/// The routes under `{user_id}` that only exist for the literal `user`.
pub fn only_session_user(user_id: &str) -> Result<(), Detail> {
    if user_id == "user" {
        Ok(())
    } else {
        Err(Detail::not_found("Not Found"))
    }
}

/// `GET /api/v1/users/user/settings?raw=`.
pub async fn settings_get(rqctx: &Ctx, user_id: &str, raw: bool) -> Result<Option<UserSettings>, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    Ok(settings::own_settings(rqctx.context(), &s, raw))
}

/// `POST /api/v1/users/user/settings/update`: `UserSettings` (`ui` a dict or null, any other keys).
pub async fn settings_update(
    rqctx: &Ctx,
    user_id: &str,
    body: FastJson<Shaped<UserSettings, Map<String, Value>>>,
) -> Result<UserSettings, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let form = body.into_inner()?.into_inner();
    if let Some(ui) = form.get("ui") {
        if !ui.is_null() && !ui.is_object() {
            return Err(Detail::validation(vec![serde_json::json!({
                "type": "dict_type", "loc": ["body", "ui"], "msg": "Input should be a valid dictionary", "input": ui,
            })]));
        }
    }
    Ok(settings::own_settings_update(rqctx.context(), &s, form).await?)
}

/// `POST /api/v1/users/user/info/update`.
pub async fn info_update(rqctx: &Ctx, user_id: &str, body: FastJson<Map<String, Value>>) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    wire(app::own_info_update(rqctx.context(), &s, form).await?)
}

/// `GET /api/v1/users/user/status`.
pub async fn status_get(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    wire(settings::own_status(rqctx.context(), &s)?)
}

/// `POST /api/v1/users/user/status/update`.
pub async fn status_update(rqctx: &Ctx, user_id: &str, body: FastJson<UserStatusForm>) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    wire(settings::own_status_update(rqctx.context(), &s, form).await?)
}

/// `GET /api/v1/users/user/variables`.
pub async fn variables_get(rqctx: &Ctx, user_id: &str) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    wire(settings::own_variables(&s))
}

/// `POST /api/v1/users/user/variables/update`.
pub async fn variables_update(rqctx: &Ctx, user_id: &str, body: FastJson<UserVariablesForm>) -> Result<Value, Detail> {
    only_session_user(user_id)?;
    let s = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    wire(settings::own_variables_update(rqctx.context(), &s, &form.variables).await?)
}
