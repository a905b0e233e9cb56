//! `/api/v1/auths` (`routers/auths.py`): sign-up, sign-in, the session, API keys, MFA, LDAP and
//! the admin panel's authentication settings. Every route answers [`Answer`]: the router's
//! errors carry headers (`Cache-Control: no-store`, `Retry-After`).

use dropshot::{Path, RequestContext};

use crate::{AuthForm, Answer, Detail, FastJson, Shaped, StatusResponse, PUBLIC_BODY_MAX_BYTES};

mod types;

pub use types::*;

api_traits! {
/// `/api/v1/auths`.
pub trait AuthsApi in auths_api_invokers {
    type Context: Send + Sync + 'static;

    /// The session user, with a fresh `token` cookie and their permissions.
    #[endpoint { method = GET, path = "/api/v1/auths/", tags = ["auths"] }]
    async fn auths_get_session_user(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<SessionUserInfoResponse>, Detail>;

    /// Creates an account (the first one becomes admin and closes sign-up) and signs it in.
    // Unauthenticated: a body far smaller than the global limit (`PUBLIC_BODY_MAX_BYTES`; a
    // sign-up carries at most a small inline avatar). Over it: 413 (see `server::http::limits`).
    #[endpoint { method = POST, path = "/api/v1/auths/signup", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_signup(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<SignupForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail>;

    /// Email and password sign-in: a session token, also set as the `token` cookie.
    // Unauthenticated: a body far smaller than the global limit (`PUBLIC_BODY_MAX_BYTES`; a
    // sign-up carries at most a small inline avatar). Over it: 413 (see `server::http::limits`).
    #[endpoint { method = POST, path = "/api/v1/auths/signin", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_signin(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<SigninForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail>;

    /// Clears the session cookies (without Redis the token itself stays valid, as upstream).
    #[endpoint { method = POST, path = "/api/v1/auths/signout", tags = ["auths"] }]
    async fn auths_signout(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<SignoutResponse>, Detail>;

    /// Updates the session user's name, picture and profile fields.
    #[endpoint { method = POST, path = "/api/v1/auths/update/profile", tags = ["auths"] }]
    async fn auths_update_profile(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UpdateProfileForm, AuthForm>,
    ) -> Result<Answer<UserProfileImageResponse>, Detail>;

    /// Stores the browser's time zone for the session user (any role).
    #[endpoint { method = POST, path = "/api/v1/auths/update/timezone", tags = ["auths"] }]
    async fn auths_update_timezone(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UpdateTimezoneForm, AuthForm>,
    ) -> Result<Answer<StatusResponse>, Detail>;

    /// Changes the session user's password; every existing session of theirs ends.
    #[endpoint { method = POST, path = "/api/v1/auths/update/password", tags = ["auths"] }]
    async fn auths_update_password(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<UpdatePasswordForm, AuthForm>,
    ) -> Result<Answer<bool>, Detail>;

    /// Admin creates an account.
    #[endpoint { method = POST, path = "/api/v1/auths/add", tags = ["auths"] }]
    async fn auths_add_user(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<AddUserForm, AuthForm>,
    ) -> Result<Answer<AddUserResponse>, Detail>;

    /// The admin contact shown to users (when `SHOW_ADMIN_DETAILS`).
    #[endpoint { method = GET, path = "/api/v1/auths/admin/details", tags = ["auths"] }]
    async fn auths_get_admin_details(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<AdminDetails>, Detail>;

    /// The admin panel's general authentication settings.
    #[endpoint { method = GET, path = "/api/v1/auths/admin/config", tags = ["auths"] }]
    async fn auths_get_admin_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// Saves the admin panel's general authentication settings.
    #[endpoint { method = POST, path = "/api/v1/auths/admin/config", tags = ["auths"] }]
    async fn auths_update_admin_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<Shaped<AdminConfig, serde_json::Map<String, serde_json::Value>>, AuthForm>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// The session user's API key.
    #[endpoint { method = GET, path = "/api/v1/auths/api_key", tags = ["auths"] }]
    async fn auths_get_api_key(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<ApiKeyResponse>, Detail>;

    /// Creates (or replaces) the session user's API key.
    #[endpoint { method = POST, path = "/api/v1/auths/api_key", tags = ["auths"] }]
    async fn auths_generate_api_key(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<ApiKeyResponse>, Detail>;

    /// Deletes the session user's API key.
    #[endpoint { method = DELETE, path = "/api/v1/auths/api_key", tags = ["auths"] }]
    async fn auths_delete_api_key(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<bool>, Detail>;

    /// The session's MFA state: enrolled, required, recovery codes left (human sessions only).
    #[endpoint { method = GET, path = "/api/v1/auths/mfa/status", tags = ["auths"] }]
    async fn auths_get_mfa_status(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<MfaStatusResponse>, Detail>;

    /// The pending login step of the browser's `mfa_challenge` cookie (same-origin only).
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/challenge", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_get_mfa_challenge(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<MfaChallengeResponse>, Detail>;

    /// Starts enrolling an authenticator for an `enroll` (or replacement) step: its secret and QR code.
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/enroll/start", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_start_mfa_enrollment(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaChallengeForm, AuthForm>,
    ) -> Result<Answer<MfaSetupResponse>, Detail>;

    /// Confirms the new authenticator with its first code: recovery codes, and a session when
    /// this was a login.
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/enroll/confirm", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_confirm_mfa_enrollment(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaVerifyForm, AuthForm>,
    ) -> Result<Answer<MfaConfirmResult>, Detail>;

    /// Finishes a login with a TOTP or recovery code: the session.
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/verify", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_verify_mfa_challenge(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaVerifyForm, AuthForm>,
    ) -> Result<Answer<SessionUserResponse>, Detail>;

    /// From a recent session, a code starts replacing the authenticator (an `enroll` step).
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/replace", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_start_mfa_replacement(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaFactorForm, AuthForm>,
    ) -> Result<Answer<MfaChallengeResponse>, Detail>;

    /// From a recent session, a code renews the recovery codes (other sessions end).
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/recovery/codes", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_regenerate_mfa_recovery_codes(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaFactorForm, AuthForm>,
    ) -> Result<Answer<MfaRecoveryCodesResponse>, Detail>;

    /// An operator's reset token turns a `recover` step into a new enrolment.
    #[endpoint { method = POST, path = "/api/v1/auths/mfa/recover", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_redeem_mfa_reset_token(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<MfaRecoveryForm, AuthForm>,
    ) -> Result<Answer<MfaChallengeResponse>, Detail>;

    /// Exchanges a provider's access token for a session (off unless `ENABLE_OAUTH_TOKEN_EXCHANGE`).
    #[endpoint { method = POST, path = "/api/v1/auths/oauth/{provider}/token/exchange", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_token_exchange(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
        body: FastJson<TokenExchangeForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail>;

    /// Sign-in against the configured LDAP directory (the account is created on first sight; the
    /// very first account becomes admin).
    #[endpoint { method = POST, path = "/api/v1/auths/ldap", tags = ["auths"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    async fn auths_ldap(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<LdapForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail>;

    /// Whether LDAP sign-in is on.
    #[endpoint { method = GET, path = "/api/v1/auths/admin/config/ldap", tags = ["auths"] }]
    async fn auths_get_ldap_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// Turns LDAP sign-in on or off.
    #[endpoint { method = POST, path = "/api/v1/auths/admin/config/ldap", tags = ["auths"] }]
    async fn auths_update_ldap_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<LdapConfigForm, AuthForm>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// The LDAP server settings.
    #[endpoint { method = GET, path = "/api/v1/auths/admin/config/ldap/server", tags = ["auths"] }]
    async fn auths_get_ldap_server(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<LdapServerConfig>, Detail>;

    /// Saves the LDAP server settings.
    #[endpoint { method = POST, path = "/api/v1/auths/admin/config/ldap/server", tags = ["auths"] }]
    async fn auths_update_ldap_server(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<LdapServerConfig, AuthForm>,
    ) -> Result<Answer<serde_json::Value>, Detail>;

    /// The OAuth/OIDC settings of the admin panel.
    #[endpoint { method = GET, path = "/api/v1/auths/admin/config/oauth", tags = ["auths"] }]
    async fn auths_get_oauth_config(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Answer<OAuthConfigResponse>, Detail>;

    /// Saves the OAuth/OIDC settings sent (absent or null fields are left as they are).
    #[endpoint { method = POST, path = "/api/v1/auths/admin/config/oauth", tags = ["auths"] }]
    async fn auths_update_oauth_config(
        rqctx: RequestContext<Self::Context>,
        body: FastJson<OAuthConfigForm, AuthForm>,
    ) -> Result<Answer<OAuthConfigResponse>, Detail>;
}
}

api_traits! {
/// The `/api/v1/auths` operation with a literal segment where [`AuthsApi`] has `{provider}`
/// (`DELETE /oauth/sessions/{provider}` beside `/oauth/{provider}/token/exchange`).
pub trait AuthsLiteralApi in auths_literal_api_invokers {
    type Context: Send + Sync + 'static;

    /// Deletes the session user's OAuth session with a provider.
    #[endpoint { method = DELETE, path = "/api/v1/auths/oauth/sessions/{provider}", tags = ["auths"] }]
    async fn auths_delete_oauth_session_by_provider(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
    ) -> Result<Answer<bool>, Detail>;
}
}
