//! `/api/v1/auths`: the admin's auth and OAuth settings, and the caller's API key (logic in
//! [`crate::app::auths::admin_config`], [`crate::app::auths::oauth_config`] and
//! [`crate::app::auths::api_keys`]).

use serde_json::{Map, Value};
use webui_api::*;

use super::{ok, Ctx};
use crate::app::auths::{admin_config, api_keys, oauth_config};
use crate::http::auth;

pub async fn admin_config_get(rqctx: &Ctx) -> Result<OkWithHeaders<Value>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    Ok(ok(Value::Object(admin_config::admin_config_values(rqctx.context())), vec![]))
}

pub async fn admin_config_update(
    rqctx: &Ctx,
    body: FastJson<Shaped<AdminConfig, Map<String, Value>>, AuthForm>,
) -> Result<OkWithHeaders<Value>, Detail> {
    let session = auth::require_admin(rqctx).await?;
    let raw = body.into_inner()?.into_inner();
    Ok(ok(admin_config::admin_config_update(rqctx.context(), &session, raw, &rqctx.log).await?, vec![]))
}

pub async fn oauth_config_get(rqctx: &Ctx) -> Result<OkWithHeaders<OAuthConfigResponse>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    Ok(ok(oauth_config::oauth_config_get(rqctx.context())?, vec![]))
}

/// Saves the sent (non-null) fields: comma lists split into lists, the rest as validated.
pub async fn oauth_config_update(
    rqctx: &Ctx,
    body: FastJson<OAuthConfigForm, AuthForm>,
) -> Result<OkWithHeaders<OAuthConfigResponse>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    let form = body.into_inner()?;
    Ok(ok(oauth_config::oauth_config_update(rqctx.context(), form).await?, vec![]))
}

pub async fn api_key_get(rqctx: &Ctx) -> Result<OkWithHeaders<ApiKeyResponse>, Detail> {
    let s = auth::current_user(rqctx).await?;
    Ok(ok(api_keys::api_key_get(rqctx.context(), &s).await?, vec![]))
}

pub async fn api_key_create(rqctx: &Ctx) -> Result<OkWithHeaders<ApiKeyResponse>, Detail> {
    let s = auth::current_user(rqctx).await?;
    Ok(ok(api_keys::api_key_create(rqctx.context(), &s).await?, vec![]))
}

pub async fn api_key_delete(rqctx: &Ctx) -> Result<OkWithHeaders<bool>, Detail> {
    let s = auth::current_user(rqctx).await?;
    Ok(ok(api_keys::api_key_delete(rqctx.context(), &s).await?, vec![]))
}
