//! `/oauth` (the reference's `main.py` OAuth routes and `utils/oauth.py`): sign-in with an OAuth
//! provider, back-channel logout, and tool servers' OAuth clients. Path types are in
//! [`crate::auths`] (shared with `/api/v1/auths/oauth/...`).

use dropshot::{Body, Path, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::{Detail, OauthProviderPath, PUBLIC_BODY_MAX_BYTES};

/// `{client_id}` of `/oauth/clients/{client_id}/...` (tool servers' OAuth clients).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct OauthClientPath {
    pub client_id: String,
}

api_traits! {
/// Sign-in with an OAuth provider: its login redirect and callbacks.
pub trait OauthApi in oauth_api_invokers {
    type Context: Send + Sync + 'static;

    /// Redirects to the provider's sign-in page (404 while no provider is configured).
    #[endpoint { method = GET, path = "/oauth/{provider}/login", tags = ["oauth"] }]
    async fn oauth_login(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The legacy provider callback.
    #[endpoint { method = GET, path = "/oauth/{provider}/callback", tags = ["oauth"] }]
    async fn oauth_login_callback_by_provider(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The provider's redirect back after sign-in.
    #[endpoint { method = GET, path = "/oauth/{provider}/login/callback", tags = ["oauth"] }]
    async fn oauth_login_callback_by_provider_login(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthProviderPath>,
    ) -> Result<Response<Body>, Detail>;
}
}

api_traits! {
/// The `/oauth` operations with a literal segment where [`OauthApi`] has `{provider}`
/// (`/oauth/backchannel-logout`, `/oauth/clients/...`); tried first, as the reference declares them.
pub trait OauthLiteralApi in oauth_literal_api_invokers {
    type Context: Send + Sync + 'static;

    /// OpenID back-channel logout (off unless `ENABLE_OAUTH_BACKCHANNEL_LOGOUT`): ends the
    /// sessions a provider's logout token names.
    #[endpoint { method = POST, path = "/oauth/backchannel-logout", tags = ["oauth"], request_body_max_bytes = PUBLIC_BODY_MAX_BYTES }]
    // The body is read by the handler (at most `PUBLIC_BODY_MAX_BYTES`): the reference reads
    // `request.form()` without declaring a body, so none is documented.
    async fn oauth_backchannel_logout(
        rqctx: RequestContext<Self::Context>,
        request: dropshot::RawRequest,
    ) -> Result<Response<Body>, Detail>;

    /// A tool server's OAuth client: starts its authorization (verified users).
    #[endpoint { method = GET, path = "/oauth/clients/{client_id}/authorize", tags = ["oauth"] }]
    async fn oauth_client_authorize(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthClientPath>,
    ) -> Result<Response<Body>, Detail>;

    /// A tool server's OAuth client: the provider's redirect back.
    #[endpoint { method = GET, path = "/oauth/clients/{client_id}/callback", tags = ["oauth"] }]
    async fn oauth_client_callback(
        rqctx: RequestContext<Self::Context>,
        path: Path<OauthClientPath>,
    ) -> Result<Response<Body>, Detail>;
}
}
