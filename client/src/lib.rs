//! A typed Rust client for the Open WebUI HTTP API (upstream version 0.12.4).
//!
//! It talks to any Open WebUI server: the Python reference or this repository's Rust server
//! (which serves the same API). The client is generated at compile time by
//! [progenitor](https://docs.rs/progenitor) from `openapi/reference-3.0.json`, the reference's
//! own OpenAPI document converted to OpenAPI 3.0.3 (`cargo run -p tools --bin downconvert`;
//! the conversion is described in `tools/src/downconvert.rs`). Calls progenitor cannot generate
//! (multipart uploads) are written by hand in [`upload`].
//!
//! # Connecting
//!
//! Open WebUI authenticates with a bearer token: the JWT that sign-in returns, or an API key
//! (`sk-…`, from Settings → Account when API keys are enabled).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use openwebui_client::Client;
//!
//! // With a token or API key you already have:
//! let client = Client::with_token("http://localhost:8080", "sk-...")?;
//!
//! // Or sign in with a password (returns a client carrying the session token):
//! let (client, me) = Client::signin("http://localhost:8080", "admin@example.com", "secret").await?;
//! println!("signed in as {} ({})", me.name, me.role);
//!
//! // Every operation of the API is a method named `{group}_{function}`:
//! let version = client.version_get_app().await?.into_inner();
//! let chats = client.chats_get_session_user_list(None, None, Some(1), None, None).await?;
//! for chat in chats.iter() {
//!     println!("{} {}", chat.id, chat.title);
//! }
//!
//! // Uploads are hand-written (multipart):
//! let file = openwebui_client::upload::FilePart::new("notes.txt", b"hello".to_vec()).content_type("text/plain");
//! let uploaded = client.files_upload(file, None, Some(false), None).await?.into_inner();
//! println!("file id {}", uploaded.id);
//! # Ok(()) }
//! ```
//!
//! # Method names and types
//!
//! Method names are the document's `operationId`s: the FastAPI tag (or the path's first segment
//! for untagged routes) and the Python function name without the words that repeat the tag
//! (`GET /api/v1/chats/{id}` is `chats_get_by_id`). FastAPI's own id is kept in the document as
//! `x-fastapi-operation-id`. Arguments are positional: path parameters, then query parameters
//! (optional ones as `Option`), then the body. Wire types live in [`types`]; routes without a
//! response model return [`serde_json::Value`].
//!
//! # Errors
//!
//! Every method returns `Result<ResponseValue<T>, Error<E>>`. The reference documents only its
//! 422 validation error (`Error::ErrorResponse` with [`types::HttpValidationError`]); any other
//! non-success status (401, 403, 404, …) arrives as `Error::UnexpectedResponse` holding the raw
//! response. [`Error::status`] gives the status either way; [`detail`] reads FastAPI's
//! `{"detail": …}` body.

#![allow(clippy::all)]

progenitor::generate_api!(spec = "openapi/reference-3.0.json", interface = Positional);

pub mod upload;

use std::time::Duration;

/// Connect timeout of the clients built here. There is no overall timeout: chat completions
/// stream for as long as the model talks.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Building a client failed.
#[derive(Debug)]
pub enum BuildError {
    /// The token cannot be sent in an HTTP header.
    InvalidToken,
    /// reqwest could not build its client (TLS backend, ...).
    Reqwest(reqwest::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::InvalidToken => f.write_str("the token contains characters not allowed in an HTTP header"),
            BuildError::Reqwest(e) => write!(f, "building the HTTP client: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::InvalidToken => None,
            BuildError::Reqwest(e) => Some(e),
        }
    }
}

/// Signing in failed.
#[derive(Debug)]
pub enum SigninError {
    /// The request failed, or the server refused the credentials (400/401/403).
    Request(Error<types::HttpValidationError>),
    /// The account requires a second factor (`POST /api/v1/auths/mfa/verify` completes it).
    MfaRequired(types::MfaChallengeResponse),
    /// The account waits for an administrator's approval.
    Pending,
    Build(BuildError),
}

impl std::fmt::Display for SigninError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SigninError::Request(e) => write!(f, "sign-in failed: {}", e),
            SigninError::MfaRequired(_) => f.write_str("sign-in needs a second factor"),
            SigninError::Pending => f.write_str("the account is pending approval"),
            SigninError::Build(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SigninError {}

impl Client {
    /// A `reqwest` builder with this crate's defaults (connect timeout, no overall timeout),
    /// for callers who want to add their own settings before [`Client::new_with_client`].
    pub fn reqwest_builder() -> reqwest::ClientBuilder {
        reqwest::ClientBuilder::new().connect_timeout(CONNECT_TIMEOUT)
    }

    /// A client that sends `Authorization: Bearer {token}` with every request. `baseurl` is the
    /// server's root (`http://localhost:8080`), without a trailing slash.
    pub fn with_token(baseurl: &str, token: &str) -> Result<Self, BuildError> {
        let mut value =
            reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| BuildError::InvalidToken)?;
        value.set_sensitive(true);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, value);
        let client = Self::reqwest_builder().default_headers(headers).build().map_err(BuildError::Reqwest)?;
        Ok(Self::new_with_client(baseurl.trim_end_matches('/'), client))
    }

    /// A client without credentials (public routes: `/health`, `/api/config`, sign-in, ...).
    pub fn anonymous(baseurl: &str) -> Result<Self, BuildError> {
        let client = Self::reqwest_builder().build().map_err(BuildError::Reqwest)?;
        Ok(Self::new_with_client(baseurl.trim_end_matches('/'), client))
    }

    /// Signs in with email and password (`POST /api/v1/auths/signin`) and returns a client
    /// carrying the session token, with the signed-in user.
    pub async fn signin(
        baseurl: &str,
        email: &str,
        password: &str,
    ) -> Result<(Self, types::SessionUserResponse), SigninError> {
        let anon = Self::anonymous(baseurl).map_err(SigninError::Build)?;
        let form = types::SigninForm { email: email.to_owned(), password: password.to_owned() };
        let answer = anon.auths_signin(&form).await.map_err(SigninError::Request)?.into_inner();
        match answer {
            types::ResponseSigninApiV1AuthsSigninPost::SessionUserResponse(user) => {
                let client = Self::with_token(baseurl, &user.token).map_err(SigninError::Build)?;
                Ok((client, user))
            }
            types::ResponseSigninApiV1AuthsSigninPost::MfaChallengeResponse(c) => Err(SigninError::MfaRequired(c)),
            types::ResponseSigninApiV1AuthsSigninPost::PendingUserResponse(_) => Err(SigninError::Pending),
        }
    }
}

/// FastAPI's `detail` of an error answer (`{"detail": "Not found"}` gives `"Not found"`), when
/// the error carries a readable body. Consumes the response of `Error::UnexpectedResponse`.
pub async fn detail<E>(error: Error<E>) -> Option<serde_json::Value> {
    match error {
        Error::UnexpectedResponse(response) => {
            let body: serde_json::Value = response.json().await.ok()?;
            body.get("detail").cloned()
        }
        Error::InvalidResponsePayload(bytes, _) => {
            let body: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            body.get("detail").cloned()
        }
        _ => None,
    }
}
