//! [`Answer`]: a typed 200, or an error answer that carries headers of its own.
//!
//! Dropshot renders a handler's error type without extra headers. Routes whose reference sets
//! headers on errors too (the MFA router: `Cache-Control: no-store` on every answer,
//! `Retry-After` on a 429, a cleared challenge cookie on a 401) return `Answer<T>` and turn
//! their [`Detail`] into a finished response with [`Answer::from_result`].

use dropshot::{ApiEndpointResponse, Body, HttpCodedResponse, HttpError, HttpResponse, HttpResponseOk};
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{Response, StatusCode};
use schemars::JsonSchema;
use serde::Serialize;

use crate::{Detail, OkWithHeaders};

/// A 200 with a typed body (documented as such), or a finished error response.
pub enum Answer<T: JsonSchema + Serialize + Send + Sync + 'static> {
    Ok(OkWithHeaders<T>),
    Error(Response<Body>),
}

impl<T: JsonSchema + Serialize + Send + Sync + 'static> Answer<T> {
    /// The handler's outcome with `headers` added to the answer, success or error (error
    /// headers of the [`Detail`] itself, such as `Retry-After`, come first).
    pub fn from_result(result: Result<OkWithHeaders<T>, Detail>, headers: &[(HeaderName, &'static str)]) -> Self {
        match result {
            Ok(mut ok) => {
                for (name, value) in headers {
                    ok.headers_mut().insert(name.clone(), HeaderValue::from_static(value));
                }
                Answer::Ok(ok)
            }
            Err(detail) => {
                let mut rsp = detail.into_response();
                for (name, value) in headers {
                    rsp.headers_mut().insert(name.clone(), HeaderValue::from_static(value));
                }
                Answer::Error(rsp)
            }
        }
    }
}

impl<T: JsonSchema + Serialize + Send + Sync + 'static> HttpResponse for Answer<T> {
    fn to_result(self) -> Result<Response<Body>, HttpError> {
        match self {
            Answer::Ok(ok) => ok.to_result(),
            Answer::Error(rsp) => Ok(rsp),
        }
    }
    fn response_metadata() -> ApiEndpointResponse {
        OkWithHeaders::<T>::response_metadata()
    }
    fn status_code(&self) -> StatusCode {
        match self {
            Answer::Ok(_) => HttpResponseOk::<T>::STATUS_CODE,
            Answer::Error(rsp) => rsp.status(),
        }
    }
}

impl Detail {
    /// The error as a finished response: FastAPI's compact `{"detail": ...}` body, the status
    /// and the error's own headers.
    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::to_string(&self).unwrap_or_else(|_| r#"{"detail":"Internal Server Error"}"#.into());
        let mut rsp = Response::new(Body::from(body));
        *rsp.status_mut() = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        rsp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(headers) = self.headers {
            for (name, value) in headers.iter() {
                rsp.headers_mut().append(name.clone(), value.clone());
            }
        }
        rsp
    }
}

/// A typed success `S` (documented as such), or a response the handler finished itself: the
/// error answers of routes whose errors come in more than one shape, with their own headers or
/// content type (the SCIM router's error documents, its `WWW-Authenticate` 401, Starlette's
/// plain-text 500).
pub enum Reply<S: HttpResponse> {
    Typed(S),
    Finished(Response<Body>),
}

impl<S: HttpResponse> HttpResponse for Reply<S> {
    fn to_result(self) -> Result<Response<Body>, HttpError> {
        match self {
            Reply::Typed(s) => s.to_result(),
            Reply::Finished(rsp) => Ok(rsp),
        }
    }
    fn response_metadata() -> ApiEndpointResponse {
        S::response_metadata()
    }
    fn status_code(&self) -> StatusCode {
        match self {
            Reply::Typed(s) => s.status_code(),
            Reply::Finished(rsp) => rsp.status(),
        }
    }
}
