//! Wire types of `/api/v1/auths` and the session-user parts of `/api/v1/users`. Field order is
//! the reference's pydantic order (bases in reverse MRO order, then the class's own fields).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `SigninForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SigninForm {
    pub email: String,
    pub password: String,
}

fn default_profile_image_url() -> Option<String> {
    Some("/user.png".into())
}

/// `SignupForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SignupForm {
    pub name: String,
    pub email: String,
    pub password: String,
    #[serde(default = "default_profile_image_url")]
    pub profile_image_url: Option<String>,
}

fn default_role() -> Option<String> {
    Some("pending".into())
}

/// `AddUserForm` (`SignupForm` plus a role).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct AddUserForm {
    pub name: String,
    pub email: String,
    pub password: String,
    #[serde(default = "default_profile_image_url")]
    pub profile_image_url: Option<String>,
    #[serde(default = "default_role")]
    pub role: Option<String>,
}

/// `UpdatePasswordForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UpdatePasswordForm {
    pub password: String,
    pub new_password: String,
}

/// `UpdateTimezoneForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UpdateTimezoneForm {
    pub timezone: String,
}

/// `UpdateProfileForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UpdateProfileForm {
    pub profile_image_url: String,
    pub name: String,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub gender: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[schemars(schema_with = "optional_date")]
    pub date_of_birth: Option<String>,
}

/// `datetime.date | None`: a nullable string of format `date`.
pub(crate) fn optional_date(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    use schemars::schema::{InstanceType, SchemaObject};
    let mut s = SchemaObject { instance_type: Some(InstanceType::String.into()), format: Some("date".into()), ..Default::default() };
    // OpenAPI 3.0 has no type arrays: nullability is an extension there.
    s.extensions.insert("nullable".into(), serde_json::Value::Bool(true));
    s.into()
}

/// `SessionUserResponse`: what sign-up and sign-in answer.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SessionUserResponse {
    pub id: String,
    pub name: String,
    pub role: String,
    pub email: String,
    pub profile_image_url: String,
    pub token: String,
    pub token_type: String,
    pub expires_at: Option<i64>,
    pub permissions: Option<serde_json::Map<String, Value>>,
}

/// `SessionUserInfoResponse`: `GET /api/v1/auths/`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SessionUserInfoResponse {
    pub status_emoji: Option<String>,
    pub status_message: Option<String>,
    pub status_expires_at: Option<i64>,
    pub id: String,
    pub name: String,
    pub role: String,
    pub email: String,
    pub profile_image_url: String,
    pub token: String,
    pub token_type: String,
    pub expires_at: Option<i64>,
    pub permissions: Option<serde_json::Map<String, Value>>,
    pub bio: Option<String>,
    pub gender: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "optional_date")]
    pub date_of_birth: Option<String>,
}

/// `UserProfileImageResponse`: `POST /api/v1/auths/update/profile`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UserProfileImageResponse {
    pub id: String,
    pub name: String,
    pub role: String,
    pub email: String,
    pub profile_image_url: String,
}

/// `AddUserResponse` (`response_model_exclude_none`: the token fields vanish when unset).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AddUserResponse {
    pub id: String,
    pub name: String,
    pub role: String,
    pub email: String,
    pub profile_image_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

/// `POST /api/v1/auths/signout`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SignoutResponse {
    pub status: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

/// `GET /api/v1/auths/admin/details`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AdminDetails {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// `ApiKey`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ApiKeyResponse {
    pub api_key: Option<String>,
}

/// `UserSettings` (`extra='allow'`: any keys besides `ui`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UserSettings {
    #[serde(default = "empty_object")]
    pub ui: Option<serde_json::Map<String, Value>>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

fn empty_object() -> Option<serde_json::Map<String, Value>> {
    Some(Default::default())
}

/// `TokenExchangeForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TokenExchangeForm {
    pub token: String,
}

/// `/api/v1/auths/oauth/{provider}/{name}`: `DELETE .../oauth/sessions/{provider}` arrives with
/// `provider == "sessions"` and the session's provider in `name` (stock dropshot cannot hold the
/// literal `sessions` beside the token exchange's `{provider}`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct OauthProviderNamePath {
    pub provider: String,
    pub name: String,
}

/// `/oauth/{provider}`: `POST /oauth/backchannel-logout` arrives here.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct OauthProviderPath {
    pub provider: String,
}

/// `/oauth/{provider}/{action}`: `login` and the legacy `callback`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct OauthActionPath {
    pub provider: String,
    pub action: String,
}

/// `/oauth/{provider}/{action}/{step}`: `/oauth/{provider}/login/callback` and
/// `/oauth/clients/{client_id}/{authorize,callback}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct OauthStepPath {
    pub provider: String,
    pub action: String,
    pub step: String,
}

/// `LdapForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct LdapForm {
    pub user: String,
    pub password: String,
}

/// `LdapConfigForm`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct LdapConfigForm {
    #[serde(default)]
    pub enable_ldap: Option<bool>,
}

fn ldap_mail() -> String {
    "mail".into()
}
fn ldap_uid() -> String {
    "uid".into()
}
fn ldap_true() -> bool {
    true
}
fn ldap_ciphers() -> Option<String> {
    Some("ALL".into())
}
fn ldap_member_of() -> String {
    "memberOf".into()
}

/// `LdapServerConfig` (request and response of `/api/v1/auths/admin/config/ldap/server`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct LdapServerConfig {
    pub label: String,
    pub host: String,
    #[serde(default)]
    pub port: Option<i64>,
    #[serde(default = "ldap_mail")]
    pub attribute_for_mail: String,
    #[serde(default)]
    pub default_email_domain: String,
    #[serde(default = "ldap_uid")]
    pub attribute_for_username: String,
    pub app_dn: String,
    pub app_dn_password: String,
    pub search_base: String,
    #[serde(default)]
    pub search_filters: String,
    #[serde(default = "ldap_true")]
    pub use_tls: bool,
    #[serde(default)]
    pub certificate_path: Option<String>,
    #[serde(default = "ldap_true")]
    pub validate_cert: bool,
    #[serde(default = "ldap_ciphers")]
    pub ciphers: Option<String>,
    #[serde(default)]
    pub enable_group_management: bool,
    #[serde(default)]
    pub enable_group_creation: bool,
    #[serde(default = "ldap_member_of")]
    pub attribute_for_groups: String,
}

/// `SigninResult`: what sign-in, sign-up and LDAP sign-in answer. With MFA on, a human login
/// answers the next step (enrol, verify, recover) or `pending` instead of a session.
// One per answer: not worth boxing the session.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SigninResult {
    Session(SessionUserResponse),
    Challenge(MfaChallengeResponse),
    Pending(PendingUserResponse),
}

/// The next step of a login: enrol an authenticator, verify a code, or recover with an
/// operator's reset token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NextStep {
    Enroll,
    Verify,
    Recover,
}

/// `MfaChallengeResponse`: a login (or replacement) step and its one-time token.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MfaChallengeResponse {
    pub next_step: NextStep,
    pub challenge_token: String,
    pub expires_in: i64,
}

/// `PendingUserResponse`: `{"next_step": "pending"}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PendingUserResponse {
    #[serde(default)]
    pub next_step: Pending,
}

/// The one value of `PendingUserResponse.next_step`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Pending {
    #[default]
    Pending,
}

/// `MfaStatusResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MfaStatusResponse {
    pub enabled: bool,
    pub required: bool,
    pub recovery_codes_remaining: i64,
}

/// `MfaSetupResponse`: the new authenticator secret, as text and as a QR code (SVG data URL).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MfaSetupResponse {
    pub manual_key: String,
    pub qr_code: String,
}

/// `MfaRecoveryCodesResponse`: ten one-time recovery codes, shown once.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MfaRecoveryCodesResponse {
    pub recovery_codes: Vec<String>,
}

/// `MfaEnrollmentResponse`: the session of a completed enrolment, with its recovery codes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MfaEnrollmentResponse {
    #[serde(flatten)]
    pub session: SessionUserResponse,
    pub recovery_codes: Vec<String>,
}

/// `MfaEnrollmentResponse | MfaRecoveryCodesResponse`: a login enrolment signs in, a
/// replacement only answers the new codes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum MfaConfirmResult {
    Enrolled(MfaEnrollmentResponse),
    Replaced(MfaRecoveryCodesResponse),
}

/// `MfaChallengeForm` (`extra='forbid'`; the token 20–160 characters).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaChallengeForm {
    #[schemars(length(min = 20, max = 160))]
    pub challenge_token: String,
}

/// `MfaVerifyForm`: a challenge token and a TOTP or recovery code (1–128 characters).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaVerifyForm {
    #[schemars(length(min = 20, max = 160))]
    pub challenge_token: String,
    #[schemars(length(min = 1, max = 128))]
    pub code: String,
    #[serde(default)]
    pub recovery: bool,
}

/// `MfaFactorForm`: a TOTP or recovery code from a signed-in session.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaFactorForm {
    #[schemars(length(min = 1, max = 128))]
    pub code: String,
    #[serde(default)]
    pub recovery: bool,
}

/// `MfaRecoveryForm`: a `recover` challenge and the operator's reset token.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaRecoveryForm {
    #[schemars(length(min = 20, max = 160))]
    pub challenge_token: String,
    #[schemars(length(min = 20, max = 160))]
    pub reset_token: String,
}

/// `bool | str | None`: checked by the handler (pydantic's smart union).
fn bool_or_string(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    union_of(&[schemars::schema::InstanceType::Boolean, schemars::schema::InstanceType::String])
}

/// `int | str | None`: checked by the handler (pydantic's smart union).
fn int_or_string(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    union_of(&[schemars::schema::InstanceType::Integer, schemars::schema::InstanceType::String])
}

/// `PositiveInt | None` (`> 0`, checked by the handler).
fn positive_int(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    let mut s = schemars::schema::SchemaObject { instance_type: Some(schemars::schema::InstanceType::Integer.into()), ..Default::default() };
    s.number().exclusive_minimum = Some(0.0);
    s.extensions.insert("nullable".into(), Value::Bool(true));
    s.into()
}

fn union_of(types: &[schemars::schema::InstanceType]) -> schemars::schema::Schema {
    use schemars::schema::{SchemaObject, SubschemaValidation};
    let any_of = types.iter().map(|t| SchemaObject { instance_type: Some((*t).into()), ..Default::default() }.into()).collect();
    let mut s = SchemaObject { subschemas: Some(Box::new(SubschemaValidation { any_of: Some(any_of), ..Default::default() })), ..Default::default() };
    s.extensions.insert("nullable".into(), Value::Bool(true));
    s.into()
}

/// `OAuthConfigForm`: the admin panel's OAuth/OIDC settings; every field optional, an absent or
/// null one is left as it is.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct OAuthConfigForm {
    #[serde(default)]
    pub ENABLE_OAUTH: Option<bool>,
    #[serde(default)]
    pub ENABLE_OAUTH_SIGNUP: Option<bool>,
    #[serde(default)]
    pub OAUTH_MERGE_ACCOUNTS_BY_EMAIL: Option<bool>,
    #[serde(default)]
    pub OAUTH_AUTO_REDIRECT: Option<bool>,
    #[serde(default)]
    pub OAUTH_ALLOWED_DOMAINS: Option<String>,
    #[serde(default)]
    pub OAUTH_BLOCKED_GROUPS: Option<String>,
    #[serde(default)]
    pub ENABLE_OAUTH_ROLE_MANAGEMENT: Option<bool>,
    #[serde(default)]
    pub OAUTH_ROLES_CLAIM: Option<String>,
    #[serde(default)]
    pub OAUTH_ADMIN_ROLES: Option<String>,
    #[serde(default)]
    pub OAUTH_ALLOWED_ROLES: Option<String>,
    #[serde(default)]
    pub ENABLE_OAUTH_GROUP_MANAGEMENT: Option<bool>,
    #[serde(default)]
    pub ENABLE_OAUTH_GROUP_CREATION: Option<bool>,
    #[serde(default)]
    pub OAUTH_GROUP_CLAIM: Option<String>,
    /// `bool | str`.
    #[serde(default)]
    #[schemars(schema_with = "bool_or_string")]
    pub OAUTH_GROUP_DEFAULT_SHARE: Option<Value>,
    #[serde(default)]
    pub OAUTH_PROVIDER_NAME: Option<String>,
    #[serde(default)]
    pub OPENID_PROVIDER_URL: Option<String>,
    #[serde(default)]
    pub OAUTH_CLIENT_ID: Option<String>,
    #[serde(default)]
    pub OAUTH_CLIENT_SECRET: Option<String>,
    #[serde(default)]
    pub OPENID_REDIRECT_URI: Option<String>,
    #[serde(default)]
    pub OAUTH_SCOPES: Option<String>,
    #[serde(default)]
    pub OAUTH_CODE_CHALLENGE_METHOD: Option<String>,
    #[serde(default)]
    pub OAUTH_TOKEN_ENDPOINT_AUTH_METHOD: Option<String>,
    #[serde(default)]
    pub OPENID_END_SESSION_ENDPOINT: Option<String>,
    /// `int | str`.
    #[serde(default)]
    #[schemars(schema_with = "int_or_string")]
    pub OAUTH_TIMEOUT: Option<Value>,
    /// `int | str`.
    #[serde(default)]
    #[schemars(schema_with = "int_or_string")]
    pub OAUTH_CLIENT_TIMEOUT: Option<Value>,
    #[serde(default)]
    pub OAUTH_EMAIL_CLAIM: Option<String>,
    #[serde(default)]
    pub OAUTH_USERNAME_CLAIM: Option<String>,
    #[serde(default)]
    pub OAUTH_PICTURE_CLAIM: Option<String>,
    #[serde(default)]
    pub OAUTH_SUB_CLAIM: Option<String>,
    #[serde(default)]
    pub OAUTH_AUDIENCE: Option<String>,
    #[serde(default)]
    pub OAUTH_UPDATE_EMAIL_ON_LOGIN: Option<bool>,
    #[serde(default)]
    pub OAUTH_UPDATE_NAME_ON_LOGIN: Option<bool>,
    #[serde(default)]
    pub OAUTH_UPDATE_PICTURE_ON_LOGIN: Option<bool>,
    #[serde(default)]
    pub OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE: Option<bool>,
}

/// `OAuthConfigResponse`: the form's fields (null when unset) and whether `oauth.*` settings
/// are stored in the database.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct OAuthConfigResponse {
    #[serde(flatten)]
    pub form: OAuthConfigForm,
    pub ENABLE_OAUTH_PERSISTENT_CONFIG: bool,
}

/// `AdminConfig`: the admin panel's general settings (`POST /api/v1/auths/admin/config`). The
/// handler validates the raw body with it (which fields were sent matters too).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[allow(non_snake_case)]
pub struct AdminConfig {
    #[serde(default)]
    pub ENABLE_MFA: bool,
    #[serde(default)]
    pub MFA_ALLOW_OAUTH_BYPASS: bool,
    #[serde(default)]
    pub MFA_ALLOW_TRUSTED_HEADER_BYPASS: bool,
    pub SHOW_ADMIN_DETAILS: bool,
    #[serde(default)]
    pub ADMIN_EMAIL: Option<String>,
    pub WEBUI_URL: String,
    #[serde(default = "yes")]
    pub ENABLE_LOGIN_FORM: bool,
    pub ENABLE_SIGNUP: bool,
    pub ENABLE_API_KEYS: bool,
    pub ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS: bool,
    pub API_KEYS_ALLOWED_ENDPOINTS: String,
    pub DEFAULT_USER_ROLE: String,
    pub DEFAULT_GROUP_ID: String,
    #[serde(default)]
    pub DEFAULT_INTERFACE_SETTINGS: Option<serde_json::Map<String, Value>>,
    /// `{locale: {key: text}}` (checked by the handler's `I18N` validator).
    #[serde(default)]
    #[schemars(with = "Option<std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>>")]
    pub I18N: Option<serde_json::Map<String, Value>>,
    pub JWT_EXPIRES_IN: String,
    pub ENABLE_COMMUNITY_SHARING: bool,
    pub ENABLE_MESSAGE_RATING: bool,
    pub ENABLE_FOLDERS: bool,
    #[serde(default)]
    #[schemars(schema_with = "int_or_string")]
    pub FOLDER_MAX_FILE_COUNT: Option<Value>,
    #[serde(default)]
    #[schemars(schema_with = "int_or_string")]
    pub AUTOMATION_MAX_COUNT: Option<Value>,
    #[serde(default)]
    #[schemars(schema_with = "int_or_string")]
    pub AUTOMATION_MIN_INTERVAL: Option<Value>,
    pub ENABLE_AUTOMATIONS: bool,
    pub ENABLE_CHANNELS: bool,
    #[serde(default)]
    pub ENABLE_ENCRYPTED_CHANNELS: bool,
    #[serde(default)]
    pub ENABLE_APPS: bool,
    #[serde(default = "thread")]
    pub CHANNEL_MODEL_RESPONSE_MODE: String,
    pub ENABLE_CALENDAR: bool,
    pub ENABLE_MEMORIES: bool,
    pub ENABLE_MEMORY_SYSTEM_CONTEXT: bool,
    #[serde(default)]
    pub ENABLE_SKILL_LAZY_LOADING: bool,
    #[serde(default)]
    #[schemars(schema_with = "positive_int")]
    pub SKILL_CONTENT_MAX_CHARS: Option<i64>,
    #[serde(default)]
    #[schemars(schema_with = "positive_int")]
    pub SKILL_PREVIEW_MAX_CHARS: Option<i64>,
    pub ENABLE_NOTES: bool,
    pub ENABLE_USER_WEBHOOKS: bool,
    pub ENABLE_USER_STATUS: bool,
    #[serde(default)]
    pub PENDING_USER_OVERLAY_TITLE: Option<String>,
    #[serde(default)]
    pub PENDING_USER_OVERLAY_CONTENT: Option<String>,
    #[serde(default)]
    pub RESPONSE_WATERMARK: Option<String>,
}

fn yes() -> bool {
    true
}
fn thread() -> String {
    "thread".into()
}

