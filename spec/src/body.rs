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

use std::any::TypeId;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtractorMetadata, HttpError, RequestContext, ServerContext,
    TypedBody, UntypedBody,
};
use schemars::schema::{InstanceType, Schema, SchemaObject, SingleOrVec};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::{Detail, VALIDATION_ERROR_CODE};

/// How a route answers a request-validation error.
pub trait ValidationStyle: Send + Sync + 'static {
    fn reject(errors: Vec<Value>) -> Detail;
    /// Whether undecodable JSON reaches the handler (as [`FastJson::decode_error`]) instead of
    /// failing the extraction, so that the route can add its headers to the answer.
    const DEFER_DECODE_ERRORS: bool = false;
}

/// FastAPI's default: `422 {"detail": [pydantic errors]}`.
pub enum Pydantic {}

impl ValidationStyle for Pydantic {
    fn reject(errors: Vec<Value>) -> Detail {
        Detail::validation(errors)
    }
}

/// The reference's `/api/v1/auths` router (its `MfaRoute`): any request-validation error answers
/// `422 {"detail": "Invalid authentication request."}`, with the router's headers; so undecodable
/// JSON reaches the handler too (see [`FastJson::decode_error`]).
pub enum AuthForm {}

/// The message the `/auths` router answers any request-validation error with.
pub const AUTH_FORM_INVALID: &str = "Invalid authentication request.";

impl ValidationStyle for AuthForm {
    fn reject(_errors: Vec<Value>) -> Detail {
        Detail::new(422, AUTH_FORM_INVALID)
    }
    const DEFER_DECODE_ERRORS: bool = true;
}

/// A JSON request body of type `T`, decoded and validated as FastAPI would (see the module docs).
pub struct FastJson<T, S: ValidationStyle = Pydantic> {
    inner: Result<T, Vec<Value>>,
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
        FastJson { inner: Ok(value), decode_error: false, _style: PhantomData }
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
        let content_type =
            request.headers().get(http::header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = UntypedBody::from_request(rqctx, request).await?;
        let inner = match decode(content_type.as_deref(), body.as_bytes()) {
            Decoded::Value(v) => validate::<T>(v),
            Decoded::Empty => Err(vec![json!({"type": "missing", "loc": ["body"], "msg": "Field required", "input": null})]),
            Decoded::Invalid(entry) if S::DEFER_DECODE_ERRORS => {
                return Ok(FastJson { inner: Err(vec![entry]), decode_error: true, _style: PhantomData })
            }
            Decoded::Invalid(entry) => return Err(reject_now::<S>(vec![entry])),
            Decoded::Unreadable => {
                return Err(HttpError::for_client_error(
                    None,
                    dropshot::ClientErrorStatusCode::BAD_REQUEST,
                    "There was an error parsing the body".into(),
                ))
            }
        };
        Ok(FastJson { inner, decode_error: false, _style: PhantomData })
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
    match decode(content_type, bytes) {
        Decoded::Value(v) => Ok(validate::<T>(v)),
        Decoded::Empty => Ok(Err(vec![json!({"type": "missing", "loc": ["body"], "msg": "Field required", "input": null})])),
        Decoded::Invalid(entry) => Err(vec![entry]),
        Decoded::Unreadable => Err(vec![]),
    }
}

/// An extraction failure that must answer now (before the handler's auth check): carried through
/// dropshot's `HttpError` and rebuilt by `From<HttpError> for Detail`.
fn reject_now<S: ValidationStyle>(errors: Vec<Value>) -> HttpError {
    let payload = S::reject(errors).detail;
    HttpError {
        status_code: dropshot::ErrorStatusCode::from_u16(422).expect("422 is an error status"),
        error_code: Some(VALIDATION_ERROR_CODE.to_string()),
        external_message: payload.to_string(),
        internal_message: "request body failed validation".to_string(),
        headers: None,
    }
}

enum Decoded {
    Value(Value),
    Empty,
    Invalid(Value),
    /// FastAPI's `HTTPException(400, "There was an error parsing the body")`.
    Unreadable,
}

/// FastAPI's body decoding: JSON when the content type is absent, `application/json` or
/// `application/*+json`; the raw text otherwise (which then fails model validation).
fn decode(content_type: Option<&str>, bytes: &[u8]) -> Decoded {
    if bytes.is_empty() {
        return Decoded::Empty;
    }
    let is_json = match content_type {
        None => true,
        Some(ct) => {
            let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            match essence.split_once('/') {
                Some(("application", sub)) => sub == "json" || sub.ends_with("+json"),
                _ => false,
            }
        }
    };
    if !is_json {
        return Decoded::Value(Value::String(String::from_utf8_lossy(bytes).into_owned()));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => return Decoded::Unreadable,
    };
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Decoded::Value(v),
        Err(e) => Decoded::Invalid(json_invalid(text, &e)),
    }
}

/// Python's `json.loads` error, as FastAPI reports it (`loc` holds the character offset).
fn json_invalid(text: &str, e: &serde_json::Error) -> Value {
    if e.is_eof() {
        let (offset, python) = eof_error(text);
        return json!({"type": "json_invalid", "loc": ["body", offset], "msg": "JSON decode error", "input": {}, "ctx": {"error": python}});
    }
    // serde reports 1-based line and column (in bytes) of the offending character.
    let mut offset = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        if i + 1 == e.line() {
            let col = e.column().saturating_sub(1).min(line.len());
            let col = (0..=col).rev().find(|c| line.is_char_boundary(*c)).unwrap_or(0);
            offset += line[..col].chars().count();
            break;
        }
        offset += line.chars().count() + 1;
    }
    let msg = e.to_string();
    let python = if msg.contains("trailing characters") {
        "Extra data"
    } else if msg.contains("key must be a string") {
        "Expecting property name enclosed in double quotes"
    } else if msg.contains("expected `:`") {
        "Expecting ':' delimiter"
    } else if msg.contains("expected `,` or `}`") || msg.contains("expected `,` or `]`") {
        "Expecting ',' delimiter"
    } else if msg.contains("control character") {
        "Invalid control character at"
    } else if msg.contains("EOF while parsing a string") {
        "Unterminated string starting at"
    } else {
        "Expecting value"
    };
    json!({"type": "json_invalid", "loc": ["body", offset], "msg": "JSON decode error", "input": {}, "ctx": {"error": python}})
}

/// Where and why Python's `json.loads` stops on a text that ends too early: serde only says
/// "EOF"; Python names what it expected next (at the end of the text), or points at the start
/// of an unterminated string.
fn eof_error(text: &str) -> (usize, &'static str) {
    #[derive(Clone, Copy)]
    enum Expect {
        Value,
        Key,
        Colon,
        Comma,
    }
    let chars: Vec<char> = text.chars().collect();
    let mut stack: Vec<char> = Vec::new();
    let mut expect = Expect::Value;
    let after_value = |stack: &Vec<char>| match stack.last() {
        Some(_) => Expect::Comma,
        None => Expect::Value,
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => {}
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    return (start, "Unterminated string starting at");
                }
                expect = match expect {
                    Expect::Key => Expect::Colon,
                    _ => after_value(&stack),
                };
            }
            '{' => {
                stack.push('{');
                expect = Expect::Key;
            }
            '[' => {
                stack.push('[');
                expect = Expect::Value;
            }
            '}' | ']' => {
                stack.pop();
                expect = after_value(&stack);
            }
            ':' => expect = Expect::Value,
            ',' => expect = if stack.last() == Some(&'{') { Expect::Key } else { Expect::Value },
            _ => {
                while i + 1 < chars.len() && !matches!(chars[i + 1], ',' | ':' | ']' | '}') && !chars[i + 1].is_whitespace() {
                    i += 1;
                }
                expect = after_value(&stack);
            }
        }
        i += 1;
    }
    let msg = match expect {
        Expect::Value => "Expecting value",
        Expect::Key => "Expecting property name enclosed in double quotes",
        Expect::Colon => "Expecting ':' delimiter",
        Expect::Comma => "Expecting ',' delimiter",
    };
    (chars.len(), msg)
}

/// What a field accepts, from the form's JSON schema.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    String,
    Bool,
    Int,
    Number,
    Object,
    Array,
    Any,
}

#[derive(Debug)]
struct Field {
    name: &'static str,
    required: bool,
    nullable: bool,
    kind: Kind,
}

#[derive(Debug)]
struct Shape {
    /// `None` for types that are not plain structs: validated by serde alone.
    fields: Option<Vec<Field>>,
}

fn shape_of<T: JsonSchema + DeserializeOwned + 'static>() -> Arc<Shape> {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, Arc<Shape>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(s) = cache.lock().expect("shape cache").get(&TypeId::of::<T>()) {
        return s.clone();
    }
    let shape = Arc::new(build_shape::<T>());
    cache.lock().expect("shape cache").insert(TypeId::of::<T>(), shape.clone());
    shape
}

fn build_shape<T: JsonSchema + DeserializeOwned>() -> Shape {
    let Some(names) = introspect::struct_fields::<T>() else { return Shape { fields: None } };
    let root = schemars::gen::SchemaGenerator::default().into_root_schema_for::<T>();
    let Some(object) = root.schema.object.as_ref() else { return Shape { fields: None } };
    let fields = names
        .iter()
        .map(|name| {
            let (kind, nullable) = match object.properties.get(*name) {
                Some(schema) => kind_of(schema, &root.definitions),
                None => (Kind::Any, true),
            };
            Field { name, required: object.required.contains(*name), nullable, kind }
        })
        .collect();
    Shape { fields: Some(fields) }
}

fn kind_of(schema: &Schema, defs: &schemars::Map<String, Schema>) -> (Kind, bool) {
    let obj: &SchemaObject = match schema {
        Schema::Bool(_) => return (Kind::Any, true),
        Schema::Object(o) => o,
    };
    if let Some(r) = &obj.reference {
        let name = r.rsplit('/').next().unwrap_or("");
        return match defs.get(name) {
            Some(s) => kind_of(s, defs),
            None => (Kind::Any, true),
        };
    }
    if let Some(types) = &obj.instance_type {
        let list: Vec<InstanceType> = match types {
            SingleOrVec::Single(t) => vec![**t],
            SingleOrVec::Vec(v) => v.clone(),
        };
        let nullable = list.contains(&InstanceType::Null) || obj.extensions.get("nullable") == Some(&Value::Bool(true));
        let kind = list
            .iter()
            .find(|t| **t != InstanceType::Null)
            .map(|t| match t {
                InstanceType::String => Kind::String,
                InstanceType::Boolean => Kind::Bool,
                InstanceType::Integer => Kind::Int,
                InstanceType::Number => Kind::Number,
                InstanceType::Object => Kind::Object,
                InstanceType::Array => Kind::Array,
                InstanceType::Null => Kind::Any,
            })
            .unwrap_or(Kind::Any);
        return (kind, nullable || list.len() > 2);
    }
    if let Some(sub) = &obj.subschemas {
        let parts: Vec<&Schema> = sub.any_of.iter().chain(sub.one_of.iter()).chain(sub.all_of.iter()).flatten().collect();
        let mut nullable = false;
        let mut kinds = vec![];
        for p in parts {
            if let Schema::Object(o) = p {
                if o.instance_type == Some(SingleOrVec::Single(Box::new(InstanceType::Null))) {
                    nullable = true;
                    continue;
                }
            }
            let (k, n) = kind_of(p, defs);
            nullable |= n;
            kinds.push(k);
        }
        let kind = if kinds.len() == 1 { kinds[0] } else { Kind::Any };
        return (kind, nullable);
    }
    (Kind::Any, true)
}

/// Validates `value` against `T` as pydantic would, coercing lax inputs (`"1"` for an int, ...);
/// the errors are pydantic's list (`loc` starting with `"body"`). For handlers that take a raw map
/// because they need to know which fields were sent.
pub fn validate_body<T: JsonSchema + DeserializeOwned + 'static>(value: Value) -> Result<T, Vec<Value>> {
    validate::<T>(value)
}

fn validate<T: JsonSchema + DeserializeOwned + 'static>(value: Value) -> Result<T, Vec<Value>> {
    let shape = shape_of::<T>();
    let value = match &shape.fields {
        None => value,
        Some(fields) => {
            let Value::Object(map) = value else {
                return Err(vec![json!({
                    "type": "model_attributes_type",
                    "loc": ["body"],
                    "msg": "Input should be a valid dictionary or object to extract fields from",
                    "input": value,
                })]);
            };
            let mut errors = vec![];
            let mut out = map.clone();
            for f in fields {
                match map.get(f.name) {
                    None => {
                        if f.required {
                            errors.push(json!({"type": "missing", "loc": ["body", f.name], "msg": "Field required", "input": Value::Object(map.clone())}));
                        }
                    }
                    Some(v) => match coerce(f, v) {
                        Ok(c) => {
                            out.insert(f.name.to_string(), c);
                        }
                        Err((ty, msg)) => errors.push(json!({"type": ty, "loc": ["body", f.name], "msg": msg, "input": v})),
                    },
                }
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            Value::Object(out)
        }
    };
    serde_path_to_error::deserialize::<_, T>(value.clone()).map_err(|e| {
        let mut loc = vec![json!("body")];
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => loc.push(json!(index)),
                serde_path_to_error::Segment::Map { key } | serde_path_to_error::Segment::Enum { variant: key } => loc.push(json!(key)),
                serde_path_to_error::Segment::Unknown => {}
            }
        }
        // A body of the wrong JSON type where an object is expected: pydantic's `dict_type`.
        if loc.len() == 1 && !value.is_object() && e.inner().to_string().ends_with("expected a map") {
            return vec![json!({"type": "dict_type", "loc": loc, "msg": "Input should be a valid dictionary", "input": value})];
        }
        vec![json!({"type": "value_error", "loc": loc, "msg": format!("Value error, {}", e.inner()), "input": value})]
    })
}

type FieldError = (&'static str, &'static str);

fn coerce(f: &Field, v: &Value) -> Result<Value, FieldError> {
    if v.is_null() {
        return if f.nullable || f.kind == Kind::Any { Ok(Value::Null) } else { Err(type_error(f.kind)) };
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
                _ => Err(("bool_parsing", "Input should be a valid boolean, unable to interpret input")),
            },
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "0" | "off" | "f" | "false" | "n" | "no" => Ok(json!(false)),
                "1" | "on" | "t" | "true" | "y" | "yes" => Ok(json!(true)),
                _ => Err(("bool_parsing", "Input should be a valid boolean, unable to interpret input")),
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
                    Err(("int_from_float", "Input should be a valid integer, got a number with a fractional part"))
                }
            }
            Value::Bool(b) => Ok(json!(*b as i64)),
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(i) => Ok(json!(i)),
                Err(_) => Err(("int_parsing", "Input should be a valid integer, unable to parse string as an integer")),
            },
            _ => Err(type_error(Kind::Int)),
        },
        Kind::Number => match v {
            Value::Number(_) => Ok(v.clone()),
            Value::Bool(b) => Ok(json!(*b as i64)),
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(x) => Ok(json!(x)),
                Err(_) => Err(("float_parsing", "Input should be a valid number, unable to parse string as a number")),
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

fn type_error(kind: Kind) -> FieldError {
    match kind {
        Kind::String | Kind::Any => ("string_type", "Input should be a valid string"),
        Kind::Bool => ("bool_type", "Input should be a valid boolean"),
        Kind::Int => ("int_type", "Input should be a valid integer"),
        Kind::Number => ("float_type", "Input should be a valid number"),
        Kind::Object => ("dict_type", "Input should be a valid dictionary"),
        Kind::Array => ("list_type", "Input should be a valid list"),
    }
}

/// The declared field names of a derived `Deserialize` struct, in declaration order, read by
/// handing it a deserializer that records what `deserialize_struct` is asked for.
mod introspect {
    use serde::de::{self, Deserialize, Deserializer, Visitor};

    pub fn struct_fields<'de, T: Deserialize<'de>>() -> Option<&'static [&'static str]> {
        let mut fields = None;
        let _ = T::deserialize(Recorder { fields: &mut fields });
        fields
    }

    struct Recorder<'a> {
        fields: &'a mut Option<&'static [&'static str]>,
    }

    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("introspection")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<T: std::fmt::Display>(_msg: T) -> Self {
            Stop
        }
    }

    impl<'de> Deserializer<'de> for Recorder<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _v: V,
        ) -> Result<V::Value, Stop> {
            *self.fields = Some(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

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
        let errs = validate::<Form>(json!({"email": 3, "count": "x", "flag": "maybe"})).unwrap_err();
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
        let f = validate::<Form>(json!({"name": "a", "email": "b", "count": "12", "flag": "yes"})).unwrap();
        assert_eq!((f.count, f.flag, f.image), (Some(12), true, None));
    }

    #[test]
    fn non_object_and_bad_json() {
        let errs = validate::<Form>(json!([1])).unwrap_err();
        assert_eq!(errs[0]["type"], "model_attributes_type");
        match decode(Some("application/json"), b"{bad") {
            Decoded::Invalid(v) => assert_eq!(
                v.to_string(),
                r#"{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}"#
            ),
            _ => panic!("expected a decode error"),
        }
    }

    #[test]
    fn eof_errors_match_python() {
        // (text, offset, message) as Python 3.11's json.loads reports them.
        let cases = [
            ("{", 1, "Expecting property name enclosed in double quotes"),
            ("{\"a\":1,", 7, "Expecting property name enclosed in double quotes"),
            ("{\"a\"", 4, "Expecting ':' delimiter"),
            ("{\"a\":", 5, "Expecting value"),
            ("{\"a\":1", 6, "Expecting ',' delimiter"),
            ("[", 1, "Expecting value"),
            ("[1", 2, "Expecting ',' delimiter"),
            ("[1,", 3, "Expecting value"),
            ("{\"a", 1, "Unterminated string starting at"),
            ("  ", 2, "Expecting value"),
            ("{\"ui\": ", 7, "Expecting value"),
            ("{\"name\": \"x\",", 13, "Expecting property name enclosed in double quotes"),
            ("{\"a\":[1,{\"b\":\"c", 13, "Unterminated string starting at"),
            ("{\"a\":\"x\"  ", 10, "Expecting ',' delimiter"),
        ];
        for (text, offset, msg) in cases {
            let err = serde_json::from_str::<Value>(text).unwrap_err();
            assert!(err.is_eof(), "{text:?}");
            let v = json_invalid(text, &err);
            assert_eq!((v["loc"][1].as_u64().unwrap() as usize, v["ctx"]["error"].as_str().unwrap()), (offset, msg), "{text:?}");
        }
    }
}
