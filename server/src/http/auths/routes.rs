//! The implementations of [`AuthsApi`] and [`AuthsLiteralApi`]: each operation runs its handler
//! in [`super::guarded`], which answers the router's errors with their headers (`Cache-Control:
//! no-store`, `Retry-After`) as the reference's `MfaRoute` does.

use std::sync::Arc;

use dropshot::Path;
use serde_json::{Map, Value};
use webui_api::*;

use super::super::{ldap, limits, mfa, oauth, ServerImpl};
use super::Ctx;
use crate::context::ServerContext;

impl AuthsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn auths_get_session_user(rqctx: Ctx) -> Result<Answer<SessionUserInfoResponse>, Detail> {
        super::guarded(&rqctx, None, async {
            super::session_user(&rqctx).await
        })
        .await
    }

    async fn auths_signup(rqctx: Ctx, body: FastJson<SignupForm, AuthForm>) -> Result<Answer<SigninResult>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            let form = body.into_inner()?;
            limits::signup(&form)?;
            super::signup(&rqctx, form).await
        })
        .await
    }

    async fn auths_signin(rqctx: Ctx, body: FastJson<SigninForm, AuthForm>) -> Result<Answer<SigninResult>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            let form = body.into_inner()?;
            limits::signin(&form)?;
            super::signin(&rqctx, form).await
        })
        .await
    }

    async fn auths_signout(rqctx: Ctx) -> Result<Answer<SignoutResponse>, Detail> {
        super::guarded(&rqctx, None, async {
            super::signout(&rqctx).await
        })
        .await
    }

    async fn auths_update_profile(
        rqctx: Ctx,
        body: FastJson<UpdateProfileForm, AuthForm>,
    ) -> Result<Answer<UserProfileImageResponse>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            super::update_profile(&rqctx, body).await
        })
        .await
    }

    async fn auths_update_timezone(rqctx: Ctx, body: FastJson<UpdateTimezoneForm, AuthForm>) -> Result<Answer<StatusResponse>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            super::update_timezone(&rqctx, body).await
        })
        .await
    }

    async fn auths_update_password(rqctx: Ctx, body: FastJson<UpdatePasswordForm, AuthForm>) -> Result<Answer<bool>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            super::update_password(&rqctx, body).await
        })
        .await
    }

    async fn auths_add_user(rqctx: Ctx, body: FastJson<AddUserForm, AuthForm>) -> Result<Answer<AddUserResponse>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            super::add_user(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_admin_details(rqctx: Ctx) -> Result<Answer<AdminDetails>, Detail> {
        super::guarded(&rqctx, None, async {
            super::admin_details(&rqctx).await
        })
        .await
    }

    async fn auths_get_admin_config(rqctx: Ctx) -> Result<Answer<Value>, Detail> {
        super::guarded(&rqctx, None, async {
            super::admin_config_get(&rqctx).await
        })
        .await
    }

    async fn auths_update_admin_config(
        rqctx: Ctx,
        body: FastJson<Shaped<AdminConfig, Map<String, Value>>, AuthForm>,
    ) -> Result<Answer<Value>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            super::admin_config_update(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_api_key(rqctx: Ctx) -> Result<Answer<ApiKeyResponse>, Detail> {
        super::guarded(&rqctx, None, async {
            super::api_key_get(&rqctx).await
        })
        .await
    }

    async fn auths_generate_api_key(rqctx: Ctx) -> Result<Answer<ApiKeyResponse>, Detail> {
        super::guarded(&rqctx, None, async {
            super::api_key_create(&rqctx).await
        })
        .await
    }

    async fn auths_delete_api_key(rqctx: Ctx) -> Result<Answer<bool>, Detail> {
        super::guarded(&rqctx, None, async {
            super::api_key_delete(&rqctx).await
        })
        .await
    }

    async fn auths_get_mfa_status(rqctx: Ctx) -> Result<Answer<MfaStatusResponse>, Detail> {
        super::guarded(&rqctx, None, async {
            mfa::status(&rqctx).await
        })
        .await
    }

    async fn auths_get_mfa_challenge(rqctx: Ctx) -> Result<Answer<MfaChallengeResponse>, Detail> {
        super::guarded(&rqctx, None, async {
            mfa::challenge(&rqctx).await
        })
        .await
    }

    async fn auths_start_mfa_enrollment(rqctx: Ctx, body: FastJson<MfaChallengeForm, AuthForm>) -> Result<Answer<MfaSetupResponse>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            mfa::enroll_start(&rqctx, body).await
        })
        .await
    }

    async fn auths_confirm_mfa_enrollment(rqctx: Ctx, body: FastJson<MfaVerifyForm, AuthForm>) -> Result<Answer<MfaConfirmResult>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            mfa::enroll_confirm(&rqctx, body).await
        })
        .await
    }

    async fn auths_verify_mfa_challenge(rqctx: Ctx, body: FastJson<MfaVerifyForm, AuthForm>) -> Result<Answer<SessionUserResponse>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            mfa::verify(&rqctx, body).await
        })
        .await
    }

    async fn auths_start_mfa_replacement(rqctx: Ctx, body: FastJson<MfaFactorForm, AuthForm>) -> Result<Answer<MfaChallengeResponse>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            mfa::replace(&rqctx, body).await
        })
        .await
    }

    async fn auths_regenerate_mfa_recovery_codes(rqctx: Ctx, body: FastJson<MfaFactorForm, AuthForm>) -> Result<Answer<MfaRecoveryCodesResponse>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            mfa::recovery_codes(&rqctx, body).await
        })
        .await
    }

    async fn auths_redeem_mfa_reset_token(rqctx: Ctx, body: FastJson<MfaRecoveryForm, AuthForm>) -> Result<Answer<MfaChallengeResponse>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            mfa::recover(&rqctx, body).await
        })
        .await
    }

    async fn auths_token_exchange(
        rqctx: Ctx,
        path: Path<OauthProviderPath>,
        body: FastJson<TokenExchangeForm, AuthForm>,
    ) -> Result<Answer<SigninResult>, Detail> {
        let p = OauthProviderNamePath { provider: path.into_inner().provider, name: "token".into() };
        super::guarded(&rqctx, body.decode_error(), async { oauth::token_exchange(&rqctx, p, body).await }).await
    }

    async fn auths_ldap(rqctx: Ctx, body: FastJson<LdapForm, AuthForm>) -> Result<Answer<SigninResult>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            ldap::signin(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_ldap_config(rqctx: Ctx) -> Result<Answer<Value>, Detail> {
        super::guarded(&rqctx, None, async {
            ldap::config_get(&rqctx).await
        })
        .await
    }

    async fn auths_update_ldap_config(rqctx: Ctx, body: FastJson<LdapConfigForm, AuthForm>) -> Result<Answer<Value>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            ldap::config_update(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_ldap_server(rqctx: Ctx) -> Result<Answer<LdapServerConfig>, Detail> {
        super::guarded(&rqctx, None, async {
            ldap::server_get(&rqctx).await
        })
        .await
    }

    async fn auths_update_ldap_server(rqctx: Ctx, body: FastJson<LdapServerConfig, AuthForm>) -> Result<Answer<Value>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            ldap::server_update(&rqctx, body).await
        })
        .await
    }

    async fn auths_get_oauth_config(rqctx: Ctx) -> Result<Answer<OAuthConfigResponse>, Detail> {
        super::guarded(&rqctx, None, async {
            super::oauth_config_get(&rqctx).await
        })
        .await
    }

    async fn auths_update_oauth_config(
        rqctx: Ctx,
        body: FastJson<OAuthConfigForm, AuthForm>,
    ) -> Result<Answer<OAuthConfigResponse>, Detail> {
        super::guarded(&rqctx, body.decode_error(), async {
            super::oauth_config_update(&rqctx, body).await
        })
        .await
    }
}

impl AuthsLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn auths_delete_oauth_session_by_provider(rqctx: Ctx, path: Path<OauthProviderPath>) -> Result<Answer<bool>, Detail> {
        let p = OauthProviderNamePath { provider: "sessions".into(), name: path.into_inner().provider };
        super::guarded(&rqctx, None, async { oauth::session_delete(&rqctx, p).await }).await
    }
}
