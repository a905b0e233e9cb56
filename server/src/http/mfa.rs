//! `/api/v1/auths/mfa`: multi-factor (TOTP) state. Only the status route so far.

use std::sync::Arc;

use dropshot::{HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::header::CACHE_CONTROL;
use http::HeaderValue;
use serde_json::{json, Value};
use webui_api::{Detail, OkWithHeaders};

use super::auth;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// `GET /api/v1/auths/mfa/status`: a human session's MFA state (`MfaStatusResponse`).
pub async fn status(rqctx: &Ctx) -> Result<OkWithHeaders<Value>, Detail> {
    let s = auth::require_human(rqctx).await?;
    let ctx = rqctx.context();
    let unavailable = |_| Detail::new(503, "Authentication is temporarily unavailable.");
    let client = ctx.db.get().await.map_err(|e| unavailable(e.to_string()))?;
    let a = crate::db::auths::auth_by_id(&**client, &s.user.id).await.map_err(|e| unavailable(e.to_string()))?;
    let Some(a) = a.filter(|a| a.active) else { return Err(Detail::unauthorized("Invalid authentication request.")) };
    let state = a.mfa.filter(Value::is_object);
    let enabled = state.as_ref().and_then(|m| m.get("secret")).is_some_and(|v| auth::truthy(Some(v)));
    let remaining = state.as_ref().and_then(|m| m.get("recovery_hashes")).and_then(Value::as_array).map_or(0, Vec::len);
    let method = s.claims.get("auth_method").and_then(Value::as_str).unwrap_or("");
    let required = auth::mfa_required(ctx, method).await.map_err(|e| unavailable(e.to_string()))?;
    let mut r = HttpResponseHeaders::new_unnamed(HttpResponseOk(json!({
        "enabled": enabled, "required": required, "recovery_codes_remaining": remaining,
    })));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
