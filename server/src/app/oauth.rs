//! OAuth: what the reference's `/oauth/*` routes (`main.py`) and the OAuth routes of
//! `routers/auths.py` do, with no OAuth provider and no tool-server OAuth client configurable
//! here yet: provider steps 404, client steps 403/404, token exchange 403 (or 404 "not
//! configured" when enabled), back-channel logout 404 (or its 400s when enabled). Disconnecting
//! an OAuth session works on the `oauth_session` table.

use base64::Engine;
use serde_json::Value;
use webui_api::SigninResult;

use crate::app::session::{truthy, SessionUser};
use crate::context::ServerContext;
use crate::db::auths as auths_db;
use crate::error::{Error, Result};
use crate::messages;

/// `ENABLE_TOOL_SERVERS` (only with `ENABLE_PLUGINS`).
pub fn tool_servers_enabled(ctx: &ServerContext) -> bool {
    ctx.config.env_bool("ENABLE_PLUGINS", true) && ctx.config.env_bool("ENABLE_TOOL_SERVERS", true)
}

/// `oauth_manager.handle_login` / `handle_callback`: `ENABLE_OAUTH` off or the provider not in
/// `OAUTH_PROVIDERS` (none can be) → 404.
pub fn provider_step(_ctx: &ServerContext, _provider: &str) -> Result<()> {
    Err(Error::not_found(messages::ROUTE_NOT_FOUND))
}

/// `/oauth/clients/{client_id}/authorize` and `.../callback`: 403 with tool servers off, else
/// `oauth_client_manager.get_client(client_id)` finds no client (404).
pub fn client_step(ctx: &ServerContext, _client_id: &str) -> Result<()> {
    if !tool_servers_enabled(ctx) {
        return Err(Error::forbidden(messages::TOOL_SERVERS_DISABLED));
    }
    Err(Error::not_found(messages::ROUTE_NOT_FOUND))
}

/// Why an OIDC back-channel logout is refused: its `error_description` (400
/// `{"error": "invalid_request", ...}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidLogout(pub &'static str);

/// `POST /oauth/backchannel-logout` with the form's `logout_token` (404 when the feature is off).
pub fn backchannel_logout(ctx: &ServerContext, logout_token: Option<&str>) -> Result<InvalidLogout> {
    if !ctx.config.env_bool("ENABLE_OAUTH_BACKCHANNEL_LOGOUT", false) {
        return Err(Error::not_found(messages::ROUTE_NOT_FOUND));
    }
    let Some(token) = logout_token.filter(|t| !t.is_empty()) else {
        return Ok(InvalidLogout("Missing logout_token parameter"));
    };
    let Some(claims) = unverified_jwt_claims(token) else {
        return Ok(InvalidLogout("Malformed logout_token"));
    };
    if !truthy(claims.get("iss")) {
        return Ok(InvalidLogout("logout_token missing iss claim"));
    }
    // No configured provider can match the issuer.
    Ok(InvalidLogout("No configured provider matches token issuer"))
}

/// `DELETE /api/v1/auths/oauth/sessions/{provider}`: the caller's sessions with that provider.
pub async fn session_delete(ctx: &ServerContext, user: &SessionUser, provider: &str) -> Result<bool> {
    if auths_db::oauth_sessions_delete(&ctx.db, &user.user.id, provider).await? == 0 {
        return Err(Error::not_found(messages::NO_OAUTH_SESSION));
    }
    Ok(true)
}

/// `POST /api/v1/auths/oauth/{provider}/token/exchange`.
pub fn token_exchange(ctx: &ServerContext, provider: &str) -> Result<SigninResult> {
    if !ctx.config.env_bool("ENABLE_OAUTH_TOKEN_EXCHANGE", false) {
        return Err(Error::forbidden(messages::TOKEN_EXCHANGE_DISABLED));
    }
    // `provider.lower() not in OAUTH_PROVIDERS`: none is configured.
    Err(Error::not_found(messages::oauth_not_configured(&provider.to_lowercase())))
}

/// PyJWT's `decode(token, options={'verify_signature': False})`: three dot-separated base64url
/// parts, a JSON object header and a JSON object payload; the payload, or `None`.
fn unverified_jwt_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return None;
    }
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok();
    b64(parts[2])?;
    let header: Value = serde_json::from_slice(&b64(parts[0])?).ok()?;
    header.as_object()?;
    match serde_json::from_slice::<Value>(&b64(parts[1])?).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unverified_claims() {
        let e = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let t = format!("{}.{}.c2ln", e(r#"{"alg":"RS256"}"#), e(r#"{"iss":"https://idp"}"#));
        assert_eq!(unverified_jwt_claims(&t).unwrap()["iss"], json!("https://idp"));
        assert!(unverified_jwt_claims("a.b").is_none());
        assert!(unverified_jwt_claims(&format!("{}.{}.c2ln", e("[]"), e("{}"))).is_none());
        // The signature part must be base64url too.
        assert!(unverified_jwt_claims(&format!("{}.{}.x", e("{}"), e("{}"))).is_none());
    }
}
