//! [`FastJson`]: a JSON body extractor that fails the way FastAPI does.
//!
//! FastAPI reads and decodes the body *before* it resolves the route's dependencies (so a body that
//! is not JSON answers 422 even without a session), but validates the fields *after* them (so a
//! request with missing fields and no session answers 401). [`FastJson`] does the same: decode
//! errors fail the extraction at once; field errors are kept and come out of
//! [`FastJson::into_inner`], which a handler calls after its auth check.
//!
//! Field validation follows pydantic's lax mode for the field types our forms use (str, bool, int,
//! float, dict, list, optional values), reports every failing field in declaration order, and
//! names them with pydantic's vocabulary (`missing`, `string_type`, `bool_parsing`, ...). The
//! error list's shape depends on the route's [`ValidationStyle`]: [`Pydantic`] answers FastAPI's
//! list, [`AuthForm`] the flat `"Invalid authentication request."` of the reference's `/auths`
//! router (its `MfaRoute` replaces every request-validation error by that message).
//!
//! Cost: a body is read into one buffer (sized from `Content-Length`, bounded by the route's
//! limit) and validated from its text without building a JSON tree (see [`validate`]); bodies
//! past [`BLOCKING_FROM`] bytes are validated on the blocking pool, so that a large body never
//! stalls the async workers that answer other requests.

mod python_json;
mod shape;
mod validate;

use std::marker::PhantomData;

use async_trait::async_trait;
use bytes::BytesMut;
use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtractorMetadata, HttpError, RequestContext,
    ServerContext, StreamingBody, TypedBody,
};
use futures::StreamExt;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::{Detail, VALIDATION_ERROR_CODE};
use shape::{Field, Kind};
use validate::{validate_text, Input, Refusal};
pub use validate::{FieldError, FieldErrors};
pub use validate::{DENSE_BYTES_PER_VALUE, DENSE_FROM};

/// Bodies of this many bytes or more are validated on the blocking pool.
pub const BLOCKING_FROM: usize = 64 * 1024;

/// How a route answers a request-validation error.
pub trait ValidationStyle: Send + Sync + 'static {
    fn reject(errors: FieldErrors) -> Detail;
    /// Whether undecodable JSON reaches the handler (as [`FastJson::decode_error`]) instead of
    /// failing the extraction, so that the route can add its headers to the answer.
    const DEFER_DECODE_ERRORS: bool = false;
    /// Whether the answer shows the errors' `input`s (else they are never rendered).
    const ECHOES_INPUT: bool = true;
}

/// FastAPI's default: `422 {"detail": [pydantic errors]}`.
pub enum Pydantic {}

impl ValidationStyle for Pydantic {
    fn reject(errors: FieldErrors) -> Detail {
        Detail::new_raw(422, errors.to_raw())
    }
}

/// The reference's `/api/v1/auths` router (its `MfaRoute`): any request-validation error answers
/// `422 {"detail": "Invalid authentication request."}`, with the router's headers; so undecodable
/// JSON reaches the handler too (see [`FastJson::decode_error`]).
pub enum AuthForm {}

/// The message the `/auths` router answers any request-validation error with.
pub const AUTH_FORM_INVALID: &str = "Invalid authentication request.";

impl ValidationStyle for AuthForm {
    fn reject(_errors: FieldErrors) -> Detail {
        Detail::new(422, AUTH_FORM_INVALID)
    }
    const DEFER_DECODE_ERRORS: bool = true;
    const ECHOES_INPUT: bool = false;
}

/// A JSON request body of type `T`, decoded and validated as FastAPI would (see the module docs).
pub struct FastJson<T, S: ValidationStyle = Pydantic> {
    inner: Result<T, FieldErrors>,
    /// Undecodable JSON, kept for the handler (styles that defer it only).
    decode_error: bool,
    _style: PhantomData<fn() -> S>,
}

impl<T, S: ValidationStyle> FastJson<T, S> {
    /// The body, or the route's validation error (call it after the auth check).
    pub fn into_inner(self) -> Result<T, Detail> {
        self.inner.map_err(S::reject)
    }

    /// The answer to undecodable JSON, which FastAPI gives before any dependency (the auth check)
    /// runs; only styles with `DEFER_DECODE_ERRORS` get here with one.
    pub fn decode_error(&self) -> Option<Detail> {
        match &self.inner {
            Err(e) if self.decode_error => Some(S::reject(e.clone())),
            _ => None,
        }
    }

    /// A body built in code (tests, internal calls).
    pub fn from_value(value: T) -> Self {
        FastJson {
            inner: Ok(value),
            decode_error: false,
            _style: PhantomData,
        }
    }
}

#[async_trait]
impl<T, S> ExclusiveExtractor for FastJson<T, S>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
    S: ValidationStyle,
{
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
        request: http::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        let headers = request.headers();
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let announced = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let cap = rqctx.request_body_max_bytes();
        let mut buf = BytesMut::with_capacity(announced.min(cap));
        let stream = StreamingBody::from_request(rqctx, request)
            .await?
            .into_stream();
        let mut stream = std::pin::pin!(stream);
        while let Some(chunk) = stream.next().await {
            buf.extend_from_slice(&chunk?);
        }
        let bytes = buf.freeze();
        let outcome = if bytes.len() >= BLOCKING_FROM {
            tokio::task::spawn_blocking(move || {
                decode_and_validate::<T>(content_type.as_deref(), &bytes, S::ECHOES_INPUT)
            })
            .await
            .map_err(|e| HttpError::for_internal_error(format!("body validation task: {e}")))?
        } else {
            decode_and_validate::<T>(content_type.as_deref(), &bytes, S::ECHOES_INPUT)
        };
        let inner = match outcome {
            Outcome::Checked(r) => r,
            Outcome::Invalid(entry) if S::DEFER_DECODE_ERRORS => {
                return Ok(FastJson {
                    inner: Err(FieldErrors::one(entry)),
                    decode_error: true,
                    _style: PhantomData,
                })
            }
            Outcome::Invalid(entry) => return Err(reject_now::<S>(FieldErrors::one(entry))),
            Outcome::TooDense(values) => {
                return Err(HttpError::for_client_error(
                    None,
                    dropshot::ClientErrorStatusCode::PAYLOAD_TOO_LARGE,
                    too_dense(values),
                ))
            }
            Outcome::Unreadable => {
                return Err(HttpError::for_client_error(
                    None,
                    dropshot::ClientErrorStatusCode::BAD_REQUEST,
                    "There was an error parsing the body".into(),
                ))
            }
        };
        Ok(FastJson {
            inner,
            decode_error: false,
            _style: PhantomData,
        })
    }

    fn metadata(content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        TypedBody::<T>::metadata(content_type)
    }
}

/// What [`FastJson`] makes of a request body, without a request (fuzzing, tests): `Err` with the
/// answer-now failure (undecodable JSON: the validation list; a body that is not UTF-8 JSON: an
/// empty list, answered 400), else the field validation's outcome.
pub fn parse_body<T: JsonSchema + DeserializeOwned + 'static>(
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<Result<T, Vec<Value>>, Vec<Value>> {
    match decode_and_validate::<T>(content_type, bytes, true) {
        Outcome::Checked(r) => Ok(r.map_err(|e| e.to_values())),
        Outcome::Invalid(entry) => Err(FieldErrors::one(entry).to_values()),
        Outcome::TooDense(_) | Outcome::Unreadable => Err(vec![]),
    }
}

/// An extraction failure that must answer now (before the handler's auth check): carried through
/// dropshot's `HttpError` as the rendered `detail` and turned back into a [`Detail`] by
/// `From<HttpError> for Detail`.
fn reject_now<S: ValidationStyle>(errors: FieldErrors) -> HttpError {
    let detail = S::reject(errors);
    let payload = match detail.raw_detail() {
        Some(raw) => raw.to_string(),
        None => detail.detail.to_string(),
    };
    HttpError {
        status_code: dropshot::ErrorStatusCode::from_u16(422).expect("422 is an error status"),
        error_code: Some(VALIDATION_ERROR_CODE.to_string()),
        external_message: payload,
        internal_message: "request body failed validation".to_string(),
        headers: None,
    }
}

enum Outcome<T> {
    /// Well-formed: the form, or its field errors.
    Checked(Result<T, FieldErrors>),
    /// Undecodable JSON (`json_invalid`).
    Invalid(FieldError),
    /// FastAPI's `HTTPException(400, "There was an error parsing the body")`.
    Unreadable,
    /// Free-form JSON too dense to read as a tree (see [`validate::Refusal::TooDense`]): 413.
    TooDense(usize),
}

/// The 413 message for a body refused as too dense.
fn too_dense(values: usize) -> String {
    format!(
        "Request body too large: {values} JSON values in free-form fields (limit past {DENSE_FROM} bytes: one value per {DENSE_BYTES_PER_VALUE} bytes of body)."
    )
}

fn checked<T>(r: Result<T, Refusal>) -> Outcome<T> {
    match r {
        Ok(v) => Outcome::Checked(Ok(v)),
        Err(Refusal::Invalid(e)) => Outcome::Checked(Err(e)),
        Err(Refusal::TooDense(n)) => Outcome::TooDense(n),
    }
}

/// FastAPI's body decoding, then validation: JSON when the content type is absent,
/// `application/json` or `application/*+json`; the raw text otherwise (which then fails model
/// validation as a string).
fn decode_and_validate<T: JsonSchema + DeserializeOwned + 'static>(
    content_type: Option<&str>,
    bytes: &[u8],
    echo: bool,
) -> Outcome<T> {
    if bytes.is_empty() {
        let input = Input::Value(Value::Null);
        return Outcome::Checked(Err(FieldErrors::one(FieldError::new(
            "missing",
            vec![json!("body")],
            "Field required",
            input,
        ))));
    }
    let is_json = match content_type {
        None => true,
        Some(ct) => {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            match essence.split_once('/') {
                Some(("application", sub)) => sub == "json" || sub.ends_with("+json"),
                _ => false,
            }
        }
    };
    if !is_json {
        let quoted =
            serde_json::to_string(&String::from_utf8_lossy(bytes)).expect("a string serialises");
        return checked(validate_text::<T>(&quoted, echo));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Outcome::Unreadable;
    };
    // Well-formedness first, building nothing.
    if let Err(e) = serde_json::from_str::<WellFormed>(text) {
        let entry = python_json::json_invalid(text, &e);
        return Outcome::Invalid(FieldError {
            ty: "json_invalid",
            loc: entry["loc"].as_array().cloned().unwrap_or_default(),
            msg: "JSON decode error".into(),
            input: Input::Value(json!({})),
            ctx: entry.get("ctx").cloned(),
        });
    }
    checked(validate_text::<T>(text, echo))
}

/// A JSON text read exactly as serde_json reads it into a tree (strings unescaped, so a lone
/// surrogate is refused; numbers in range; nesting within its recursion limit), keeping nothing.
struct WellFormed;

impl<'de> serde::Deserialize<'de> for WellFormed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = WellFormed;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<WellFormed, E> {
                Ok(WellFormed)
            }
            fn visit_i64<E>(self, _: i64) -> Result<WellFormed, E> {
                Ok(WellFormed)
            }
            fn visit_u64<E>(self, _: u64) -> Result<WellFormed, E> {
                Ok(WellFormed)
            }
            fn visit_f64<E>(self, _: f64) -> Result<WellFormed, E> {
                Ok(WellFormed)
            }
            fn visit_str<E>(self, _: &str) -> Result<WellFormed, E> {
                Ok(WellFormed)
            }
            fn visit_unit<E>(self) -> Result<WellFormed, E> {
                Ok(WellFormed)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<WellFormed, A::Error> {
                while seq.next_element::<WellFormed>()?.is_some() {}
                Ok(WellFormed)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<WellFormed, A::Error> {
                while map.next_entry::<WellFormed, WellFormed>()?.is_some() {}
                Ok(WellFormed)
            }
        }
        d.deserialize_any(V)
    }
}

/// Validates `value` against `T` as pydantic would, coercing lax inputs (`"1"` for an int, ...);
/// the errors are pydantic's list (`loc` starting with `"body"`). For handlers that take a raw map
/// because they need to know which fields were sent.
pub fn validate_body<T: JsonSchema + DeserializeOwned + 'static>(
    value: Value,
) -> Result<T, Vec<Value>> {
    match validate_text::<T>(&value.to_string(), true) {
        Ok(v) => Ok(v),
        Err(Refusal::Invalid(e)) => Err(e.to_values()),
        Err(Refusal::TooDense(n)) => Err(vec![
            json!({"type": "value_error", "loc": ["body"], "msg": too_dense(n), "input": null}),
        ]),
    }
}

type CoerceError = (&'static str, &'static str);

fn coerce(f: &Field, v: &Value) -> Result<Value, CoerceError> {
    if v.is_null() {
        return if f.nullable || f.kind == Kind::Any {
            Ok(Value::Null)
        } else {
            Err(type_error(f.kind))
        };
    }
    match f.kind {
        Kind::Any => Ok(v.clone()),
        Kind::String => match v {
            Value::String(_) => Ok(v.clone()),
            _ => Err(type_error(Kind::String)),
        },
        Kind::Bool => match v {
            Value::Bool(_) => Ok(v.clone()),
            Value::Number(n) => match n.as_f64() {
                Some(0.0) => Ok(json!(false)),
                Some(1.0) => Ok(json!(true)),
                _ => Err((
                    "bool_parsing",
                    "Input should be a valid boolean, unable to interpret input",
                )),
            },
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "0" | "off" | "f" | "false" | "n" | "no" => Ok(json!(false)),
                "1" | "on" | "t" | "true" | "y" | "yes" => Ok(json!(true)),
                _ => Err((
                    "bool_parsing",
                    "Input should be a valid boolean, unable to interpret input",
                )),
            },
            _ => Err(type_error(Kind::Bool)),
        },
        Kind::Int => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(v.clone()),
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                if x.fract() == 0.0 && x.is_finite() {
                    Ok(json!(x as i64))
                } else {
                    Err((
                        "int_from_float",
                        "Input should be a valid integer, got a number with a fractional part",
                    ))
                }
            }
            Value::Bool(b) => Ok(json!(*b as i64)),
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(i) => Ok(json!(i)),
                Err(_) => Err((
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                )),
            },
            _ => Err(type_error(Kind::Int)),
        },
        Kind::Number => match v {
            Value::Number(_) => Ok(v.clone()),
            Value::Bool(b) => Ok(json!(*b as i64)),
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(x) => Ok(json!(x)),
                Err(_) => Err((
                    "float_parsing",
                    "Input should be a valid number, unable to parse string as a number",
                )),
            },
            _ => Err(type_error(Kind::Number)),
        },
        Kind::Object => match v {
            Value::Object(_) => Ok(v.clone()),
            _ => Err(type_error(Kind::Object)),
        },
        Kind::Array => match v {
            Value::Array(_) => Ok(v.clone()),
            _ => Err(type_error(Kind::Array)),
        },
    }
}

fn type_error(kind: Kind) -> CoerceError {
    match kind {
        Kind::String | Kind::Any => ("string_type", "Input should be a valid string"),
        Kind::Bool => ("bool_type", "Input should be a valid boolean"),
        Kind::Int => ("int_type", "Input should be a valid integer"),
        Kind::Number => ("float_type", "Input should be a valid number"),
        Kind::Object => ("dict_type", "Input should be a valid dictionary"),
        Kind::Array => ("list_type", "Input should be a valid list"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn validate<T: JsonSchema + DeserializeOwned + 'static>(v: Value) -> Result<T, Vec<Value>> {
        validate_body(v)
    }

    #[derive(Debug, Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Form {
        name: String,
        email: String,
        count: Option<i64>,
        flag: bool,
        #[serde(default)]
        image: Option<String>,
    }

    #[test]
    fn errors_in_declaration_order_with_pydantic_vocabulary() {
        let errs =
            validate::<Form>(json!({"email": 3, "count": "x", "flag": "maybe"})).unwrap_err();
        let got: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            got,
            vec![
                r#"{"type":"missing","loc":["body","name"],"msg":"Field required","input":{"email":3,"count":"x","flag":"maybe"}}"#,
                r#"{"type":"string_type","loc":["body","email"],"msg":"Input should be a valid string","input":3}"#,
                r#"{"type":"int_parsing","loc":["body","count"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"}"#,
                r#"{"type":"bool_parsing","loc":["body","flag"],"msg":"Input should be a valid boolean, unable to interpret input","input":"maybe"}"#,
            ]
        );
    }

    #[test]
    fn lax_inputs_are_coerced() {
        let f = validate::<Form>(json!({"name": "a", "email": "b", "count": "12", "flag": "yes"}))
            .unwrap();
        assert_eq!((f.count, f.flag, f.image), (Some(12), true, None));
    }

    #[test]
    fn non_object_and_bad_json() {
        let errs = validate::<Form>(json!([1])).unwrap_err();
        assert_eq!(errs[0]["type"], "model_attributes_type");
        match parse_body::<Form>(Some("application/json"), b"{bad") {
            Err(v) => assert_eq!(
                v[0].to_string(),
                r#"{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}"#
            ),
            _ => panic!("expected a decode error"),
        }
    }

    #[test]
    fn misspelt_literals_point_at_their_start_as_python() {
        // (text, offset) as Python 3.11's json.loads reports them ("Expecting value").
        for (text, offset) in [("nope", 0), ("[nope]", 1), ("{\"a\": trux}", 6), ("nulx", 0), ("tru e", 0), ("[1, fals]", 4)] {
            let err = serde_json::from_str::<Value>(text).unwrap_err();
            let v = python_json::json_invalid(text, &err);
            assert_eq!((v["loc"][1].as_u64().unwrap() as usize, v["ctx"]["error"].as_str().unwrap()), (offset, "Expecting value"), "{text:?}");
        }
    }

    #[test]
    fn eof_errors_match_python() {
        // (text, offset, message) as Python 3.11's json.loads reports them.
        let cases = [
            ("{", 1, "Expecting property name enclosed in double quotes"),
            (
                "{\"a\":1,",
                7,
                "Expecting property name enclosed in double quotes",
            ),
            ("{\"a\"", 4, "Expecting ':' delimiter"),
            ("{\"a\":", 5, "Expecting value"),
            ("{\"a\":1", 6, "Expecting ',' delimiter"),
            ("[", 1, "Expecting value"),
            ("[1", 2, "Expecting ',' delimiter"),
            ("[1,", 3, "Expecting value"),
            ("{\"a", 1, "Unterminated string starting at"),
            ("  ", 2, "Expecting value"),
            ("{\"ui\": ", 7, "Expecting value"),
            (
                "{\"name\": \"x\",",
                13,
                "Expecting property name enclosed in double quotes",
            ),
            (
                "{\"a\":[1,{\"b\":\"c",
                13,
                "Unterminated string starting at",
            ),
            ("{\"a\":\"x\"  ", 10, "Expecting ',' delimiter"),
        ];
        for (text, offset, msg) in cases {
            let err = serde_json::from_str::<Value>(text).unwrap_err();
            assert!(err.is_eof(), "{text:?}");
            let v = python_json::json_invalid(text, &err);
            assert_eq!(
                (
                    v["loc"][1].as_u64().unwrap() as usize,
                    v["ctx"]["error"].as_str().unwrap()
                ),
                (offset, msg),
                "{text:?}"
            );
        }
    }
}
