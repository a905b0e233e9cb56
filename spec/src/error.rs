//! The one error type of the API: FastAPI's `{"detail": ...}` body.
//!
//! Handlers return `Result<_, Detail>`. Dropshot's own extractor failures arrive through
//! `From<HttpError>` and are reshaped here, so that a bad body answers FastAPI's 422 list and
//! not dropshot's `{"request_id", "message"}`.

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use schemars::JsonSchema;
use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// `error_code` that marks an `HttpError` whose `external_message` already holds a FastAPI
/// validation list as JSON (set by [`crate::FastJson`]).
pub const VALIDATION_ERROR_CODE: &str = "FastApiValidation";

/// How dropshot's "request body exceeded maximum size of N bytes" starts.
const BODY_TOO_LARGE_PREFIX: &str = "request body exceeded maximum size";

/// The 413 message for an over-limit body: `Request body too large (limit: N bytes).`
fn body_too_large_message(dropshot_message: &str) -> String {
    let limit: String = dropshot_message.chars().filter(|c| c.is_ascii_digit()).collect();
    if limit.is_empty() {
        "Request body too large.".to_string()
    } else {
        format!("Request body too large (limit: {limit} bytes).")
    }
}

/// An error answer: `{"detail": <string or list>}` with its status.
#[derive(Debug, JsonSchema)]
pub struct Detail {
    /// A message, or FastAPI's list of validation errors for a 422.
    pub detail: Value,
    /// The same, already rendered as JSON text (a request body's validation errors, which echo
    /// the body: kept as text so that they cost their size, not a `Value` tree's); sent instead
    /// of `detail` when set. Boxed twice: a thin pointer keeps `Detail` as small as it was
    /// (it is the error of every handler's `Result`).
    #[serde(skip)]
    #[allow(clippy::box_collection, clippy::redundant_allocation)]
    raw: Option<Box<Box<RawValue>>>,
    #[serde(skip)]
    status: ErrorStatusCode,
    /// What the log says; never sent to the client.
    #[serde(skip)]
    internal: Option<String>,
    /// Headers of the answer (`Retry-After`), sent where the route answers through
    /// [`crate::Answer`]; dropshot's own error path cannot send them.
    #[serde(skip)]
    pub(crate) headers: Option<Box<http::HeaderMap>>,
}

impl Detail {
    pub fn new(status: u16, detail: impl Into<Value>) -> Self {
        let status = ErrorStatusCode::from_u16(status).unwrap_or(ErrorStatusCode::INTERNAL_SERVER_ERROR);
        Detail { detail: detail.into(), status, internal: None, headers: None, raw: None }
    }
    /// An answer whose `detail` is JSON text already (see the `raw` field).
    pub fn new_raw(status: u16, detail: Box<RawValue>) -> Self {
        let mut d = Self::new(status, Value::Null);
        d.raw = Some(Box::new(detail));
        d
    }
    /// The `detail` as rendered JSON text, if the answer carries it so.
    pub fn raw_detail(&self) -> Option<&str> {
        self.raw.as_deref().map(|r| r.get())
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
        Self::with_cause(500, "Internal Server Error", cause)
    }
    /// An answer with a cause for the log that the client does not see.
    pub fn with_cause(status: u16, detail: impl Into<Value>, cause: impl std::fmt::Display) -> Self {
        let mut d = Self::new(status, detail);
        d.internal = Some(cause.to_string());
        d
    }
    /// A FastAPI 422 with one pydantic-style entry.
    pub fn validation(entries: Vec<Value>) -> Self {
        Self::new(422, Value::Array(entries))
    }
    /// Adds a header to the answer (see [`crate::Answer`]).
    pub fn with_header(mut self, name: http::HeaderName, value: impl AsRef<str>) -> Self {
        if let Ok(v) = http::HeaderValue::from_str(value.as_ref()) {
            self.headers.get_or_insert_with(Default::default).append(name, v);
        }
        self
    }
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }
}

impl Serialize for Detail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Detail", 1)?;
        match &self.raw {
            Some(raw) => m.serialize_field("detail", raw)?,
            None => m.serialize_field("detail", &self.detail)?,
        }
        m.end()
    }
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.raw {
            Some(raw) => f.write_str(raw.get())?,
            None => write!(f, "{}", self.detail)?,
        }
        match &self.internal {
            Some(i) => write!(f, " ({i})"),
            None => Ok(()),
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
            // `/auths` router's flat message), as JSON text: kept as text, not parsed again.
            if let Ok(raw) = RawValue::from_string(e.external_message) {
                return Detail::new_raw(422, raw);
            }
            return Detail::internal("a validation answer that is not JSON");
        }
        let code = e.status_code.as_u16();
        // Dropshot answers an over-limit body with a 400; the reference has no limit (so no
        // shape of its own): answer an honest 413 in the `{"detail": ...}` shape.
        if code == 400 && e.external_message.starts_with(BODY_TOO_LARGE_PREFIX) {
            return Detail::new(413, body_too_large_message(&e.external_message));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversize_bodies_answer_413() {
        let e = HttpError::for_bad_request(None, "request body exceeded maximum size of 1024 bytes".into());
        let d = Detail::from(e);
        assert_eq!(d.status(), 413);
        assert_eq!(d.detail, json!("Request body too large (limit: 1024 bytes)."));
        let d = Detail::from(HttpError::for_bad_request(None, "unable to parse JSON body".into()));
        assert_eq!(d.status(), 422);
    }
}
