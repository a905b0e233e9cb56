//! The implementation of [`UsersLiteralApi`]: the `/api/v1/users` routes with a literal segment
//! where [`webui_api::UsersApi`] has `{user_id}` (`/all`, `/search`, `/groups`, `/permissions`,
//! `/usage`, the session user's `/user/...` and the admin's `/default/permissions...`).

use dropshot::{HttpResponseOk, Query};
use serde_json::{json, Map, Value};
use webui_api::{
    Detail, FastJson, GroupModel, IncludeInheritedQuery, Shaped, UsageQuery, UserInfoListResponse, UserModel, UserPermissions,
    UserSettings, UserSettingsQuery, UserStatusForm, UserUsageResponse, UserVariablesForm, UserVariablesResponse, UsersListQuery,
    UsersLiteralApi,
};

use super::{auth, groups_of, list_filter, query, Ctx, ServerImpl};
use crate::app::users::{self as app, permissions, settings, usage};
use crate::context::ServerContext;

/// `?days=`: pydantic's `ge=7, le=732` checks, with its error list.
fn check_days(q: &UsageQuery) -> Result<Option<i64>, Detail> {
    let days = query::int("days", &q.days)?;
    match days {
        Some(d) if d < 7 => Err(Detail::validation(vec![json!({
            "type": "greater_than_equal", "loc": ["query", "days"], "msg": "Input should be greater than or equal to 7",
            "input": q.days, "ctx": {"ge": 7},
        })])),
        Some(d) if d > 732 => Err(Detail::validation(vec![json!({
            "type": "less_than_equal", "loc": ["query", "days"], "msg": "Input should be less than or equal to 732",
            "input": q.days, "ctx": {"le": 732},
        })])),
        _ => Ok(days),
    }
}

impl UsersLiteralApi for ServerImpl {
    type Context = std::sync::Arc<ServerContext>;

    /// `get_all_users` (admin): every user, as cards.
    async fn users_get_all(rqctx: Ctx) -> Result<HttpResponseOk<UserInfoListResponse>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::all(rqctx.context()).await?))
    }

    /// `search_users`.
    async fn users_search(rqctx: Ctx, query: Query<UsersListQuery>) -> Result<HttpResponseOk<UserInfoListResponse>, Detail> {
        auth::require_user(&rqctx).await?;
        let f = list_filter(&query.into_inner())?;
        Ok(HttpResponseOk(app::search(rqctx.context(), &f).await?))
    }

    /// `get_user_groups`: the session user's groups.
    async fn users_get_groups(rqctx: Ctx, query: Query<IncludeInheritedQuery>) -> Result<HttpResponseOk<Shaped<Value, Vec<GroupModel>>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let groups = groups_of(&rqctx, &s.user.id, &query.into_inner().include_inherited).await?;
        Ok(HttpResponseOk(Shaped::new(groups)))
    }

    /// `get_user_permissisions` (sic): the session user's permissions.
    async fn users_get_permissisions(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::own_permissions(rqctx.context(), &s).await?))
    }

    /// `get_default_user_permissions` (admin).
    async fn users_get_default_permissions(rqctx: Ctx) -> Result<HttpResponseOk<UserPermissions>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(permissions::defaults_get(rqctx.context())?))
    }

    /// `update_default_user_permissions` (admin): validated as `UserPermissions`.
    async fn users_update_default_permissions(
        rqctx: Ctx,
        body: FastJson<Shaped<UserPermissions, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<UserPermissions>, Detail> {
        auth::require_admin(&rqctx).await?;
        let form = permissions::validate(&body.into_inner()?.into_inner())?;
        Ok(HttpResponseOk(permissions::defaults_update(rqctx.context(), form).await?))
    }

    /// `get_default_user_permissions_defaults` (admin): the environment's, before any change.
    async fn users_get_default_permissions_defaults(rqctx: Ctx) -> Result<HttpResponseOk<UserPermissions>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(permissions::defaults_of_env(rqctx.context())?))
    }

    /// `get_user_settings_by_session_user` (`?raw=true`: as stored).
    async fn users_get_settings_by_session(rqctx: Ctx, query: Query<UserSettingsQuery>) -> Result<HttpResponseOk<Option<UserSettings>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let raw = query.into_inner().raw.unwrap_or(false);
        Ok(HttpResponseOk(settings::own_settings(rqctx.context(), &s, raw)))
    }

    /// `update_user_settings_by_session_user`: `UserSettings` (`ui` a dict or null, any other keys).
    async fn users_update_settings_by_session(
        rqctx: Ctx,
        body: FastJson<Shaped<UserSettings, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<UserSettings>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?.into_inner();
        if let Some(ui) = form.get("ui").filter(|ui| !ui.is_null() && !ui.is_object()) {
            return Err(Detail::validation(vec![json!({
                "type": "dict_type", "loc": ["body", "ui"], "msg": "Input should be a valid dictionary", "input": ui,
            })]));
        }
        Ok(HttpResponseOk(settings::own_settings_update(rqctx.context(), &s, form).await?))
    }

    /// `get_user_status_by_session_user`.
    async fn users_get_status_by_session(rqctx: Ctx) -> Result<HttpResponseOk<Shaped<Value, UserModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(Shaped::new(settings::own_status(rqctx.context(), &s)?)))
    }

    /// `update_user_status_by_session_user`.
    async fn users_update_status_by_session(rqctx: Ctx, body: FastJson<UserStatusForm>) -> Result<HttpResponseOk<Shaped<Value, UserModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(Shaped::new(settings::own_status_update(rqctx.context(), &s, form).await?)))
    }

    /// `get_user_info_by_session_user`: the `info` dict (null when unset).
    async fn users_get_info_by_session(rqctx: Ctx) -> Result<HttpResponseOk<Option<Map<String, Value>>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::own_info(&s)))
    }

    /// `update_user_info_by_session_user`: `{**info, **form}`.
    async fn users_update_info_by_session(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<HttpResponseOk<Option<Map<String, Value>>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::own_info_update(rqctx.context(), &s, form).await?))
    }

    /// `get_user_variables_by_session_user`.
    async fn users_get_variables_by_session(rqctx: Ctx) -> Result<HttpResponseOk<UserVariablesResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(settings::own_variables(&s)))
    }

    /// `update_user_variables_by_session_user`.
    async fn users_update_variables_by_session(rqctx: Ctx, body: FastJson<UserVariablesForm>) -> Result<HttpResponseOk<UserVariablesResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(settings::own_variables_update(rqctx.context(), &s, &form.variables).await?))
    }

    /// `get_user_usage_by_session_user` (`?days=` 7 to 732, or a `start_date`/`end_date` range).
    async fn users_get_usage_by_session(rqctx: Ctx, query: Query<UsageQuery>) -> Result<HttpResponseOk<UserUsageResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = query.into_inner();
        let days = check_days(&q)?;
        let start_date = query::int("start_date", &q.start_date)?;
        let end_date = query::int("end_date", &q.end_date)?;
        Ok(HttpResponseOk(usage::own_usage(rqctx.context(), &s, &usage::UsageQuery { days, start_date, end_date }).await?))
    }
}
