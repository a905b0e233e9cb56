//! The one error type of the API: FastAPI's `{"detail": ...}` body.
//!
//! Handlers return `Result<_, Detail>`. Dropshot's own extractor failures arrive through
//! `From<HttpError>` and are reshaped here, so that a bad body answers FastAPI's 422 list and
//! not dropshot's `{"request_id", "message"}`.

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

/// `error_code` that marks an `HttpError` whose `external_message` already holds a FastAPI
/// validation list as JSON (set by [`crate::FastJson`]).
pub const VALIDATION_ERROR_CODE: &str = "FastApiValidation";

/// An error answer: `{"detail": <string or list>}` with its status.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Detail {
    /// A message, or FastAPI's list of validation errors for a 422.
    pub detail: Value,
    #[serde(skip)]
    status: ErrorStatusCode,
    /// What the log says; never sent to the client.
    #[serde(skip)]
    internal: Option<String>,
}

impl Detail {
    pub fn new(status: u16, detail: impl Into<Value>) -> Self {
        let status = ErrorStatusCode::from_u16(status).unwrap_or(ErrorStatusCode::INTERNAL_SERVER_ERROR);
        Detail { detail: detail.into(), status, internal: None }
    }
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::new(400, msg.into())
    }
    pub fn unauthorized(msg: impl Into<String>) -> Self {
        Self::new(401, msg.into())
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        Self::new(403, msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::new(404, msg.into())
    }
    /// A 500 whose cause goes to the log only; the client sees FastAPI's plain message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut d = Self::new(500, "Internal Server Error");
        d.internal = Some(cause.to_string());
        d
    }
    /// A FastAPI 422 with one pydantic-style entry.
    pub fn validation(entries: Vec<Value>) -> Self {
        Self::new(422, Value::Array(entries))
    }
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.internal {
            Some(i) => write!(f, "{} ({})", self.detail, i),
            None => write!(f, "{}", self.detail),
        }
    }
}

impl HttpResponseError for Detail {
    fn status_code(&self) -> ErrorStatusCode {
        self.status
    }
}

impl From<HttpError> for Detail {
    fn from(e: HttpError) -> Self {
        if e.error_code.as_deref() == Some(VALIDATION_ERROR_CODE) {
            // Set by `FastJson`: the `detail` value, already in the route's style (a list, or the
            // `/auths` router's flat message).
            if let Ok(v) = serde_json::from_str::<Value>(&e.external_message) {
                return Detail::new(422, v);
            }
        }
        let code = e.status_code.as_u16();
        match code {
            // Dropshot's body, path and query extractors answer 400; FastAPI answers 422.
            400 => Detail::validation(vec![json!({
                "type": "value_error",
                "loc": ["body"],
                "msg": e.external_message,
                "input": Value::Null,
            })]),
            404 => Detail::new(404, "Not Found"),
            405 => Detail::new(405, "Method Not Allowed"),
            c if c >= 500 => Detail::internal(e.internal_message),
            c => Detail::new(c, e.external_message),
        }
    }
}
