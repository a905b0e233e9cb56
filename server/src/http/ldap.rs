//! LDAP: `POST /api/v1/auths/ldap` and the admin's LDAP settings
//! (`/api/v1/auths/admin/config/ldap`, `.../ldap/server`); the logic is [`crate::app::ldap`].

use std::sync::Arc;

use dropshot::{HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::header::CACHE_CONTROL;
use http::HeaderValue;
use serde_json::Value;
use webui_api::*;

use super::auth;
use super::auths::ok_with;
use crate::app::ldap;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

fn no_store<T: schemars::JsonSchema + serde::Serialize + Send + Sync + 'static>(body: T) -> OkWithHeaders<T> {
    let mut r = HttpResponseHeaders::new_unnamed(HttpResponseOk(body));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub async fn config_get(rqctx: &Ctx) -> Result<OkWithHeaders<Value>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    Ok(no_store(ldap::config_get(rqctx.context())))
}

pub async fn config_update(rqctx: &Ctx, body: FastJson<LdapConfigForm, AuthForm>) -> Result<OkWithHeaders<Value>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    let form = body.into_inner()?;
    Ok(no_store(ldap::config_update(rqctx.context(), &form).await?))
}

pub async fn server_get(rqctx: &Ctx) -> Result<OkWithHeaders<LdapServerConfig>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    Ok(no_store(ldap::server_get(rqctx.context())?))
}

pub async fn server_update(rqctx: &Ctx, body: FastJson<LdapServerConfig, AuthForm>) -> Result<OkWithHeaders<Value>, Detail> {
    let _ = auth::require_admin(rqctx).await?;
    let form = body.into_inner()?;
    Ok(no_store(ldap::server_update(rqctx.context(), &form).await?))
}

pub async fn signin(rqctx: &Ctx, body: FastJson<LdapForm, AuthForm>) -> Result<OkWithHeaders<SigninResult>, Detail> {
    let form = body.into_inner()?;
    let ctx = rqctx.context();
    Ok(ok_with(ctx, ldap::signin(ctx, &form, &rqctx.log).await?, vec![]))
}
