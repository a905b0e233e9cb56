//! Pydantic's validation of a JSON body, straight from its text: memory and time proportional
//! to the body, whatever its shape.
//!
//! A body is never turned into a generic JSON tree (`Value`, about 16 to 32 times the text of a
//! body of small numbers) and never copied per error. The text is checked once (serde_json's
//! `RawValue`: no allocation), the top-level object is scanned once for the form's declared
//! fields (undeclared ones are skipped unread), declared scalars are coerced as pydantic's lax
//! mode does, and the form is deserialised from the text itself (or from a copy of it with the
//! coerced values put in, when there are any). Errors that echo the body (`missing` fields echo
//! the whole object) hold it rendered once as compact JSON text, shared by every entry.

use std::borrow::Cow;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::{self, DeserializeOwned, Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::shape::{shape_of, Field, Kind};

/// One of pydantic's error entries: `{"type", "loc", "msg", "input"[, "ctx"]}`, in that order.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub(super) ty: &'static str,
    pub(super) loc: Vec<Value>,
    pub(super) msg: Cow<'static, str>,
    pub(super) input: Input,
    pub(super) ctx: Option<Value>,
}

/// What an error entry echoes as its `input`.
#[derive(Debug, Clone)]
pub(super) enum Input {
    Value(Value),
    /// JSON text rendered once (the body, or one of its values), shared by the entries that echo it.
    Text(Arc<RawValue>),
}

impl FieldError {
    pub(super) fn new(
        ty: &'static str,
        loc: Vec<Value>,
        msg: impl Into<Cow<'static, str>>,
        input: Input,
    ) -> Self {
        FieldError {
            ty,
            loc,
            msg: msg.into(),
            input,
            ctx: None,
        }
    }
}

impl Serialize for FieldError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(if self.ctx.is_some() { 5 } else { 4 }))?;
        m.serialize_entry("type", self.ty)?;
        m.serialize_entry("loc", &self.loc)?;
        m.serialize_entry("msg", &self.msg)?;
        match &self.input {
            Input::Value(v) => m.serialize_entry("input", v)?,
            Input::Text(t) => m.serialize_entry("input", &**t)?,
        }
        if let Some(ctx) = &self.ctx {
            m.serialize_entry("ctx", ctx)?;
        }
        m.end()
    }
}

/// A body's validation errors, in pydantic's order.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub(super) Vec<FieldError>);

impl FieldErrors {
    pub(super) fn one(e: FieldError) -> Self {
        FieldErrors(vec![e])
    }
    /// The list as JSON text, FastAPI's `detail`.
    pub fn to_raw(&self) -> Box<RawValue> {
        serde_json::value::to_raw_value(&self.0).expect("validation errors serialise")
    }
    /// The list as values (tests, fuzzing, handlers that merge error lists).
    pub fn to_values(&self) -> Vec<Value> {
        self.0
            .iter()
            .map(|e| serde_json::to_value(e).expect("validation errors serialise"))
            .collect()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Renders JSON text as Python's `json.dumps(..., separators=(",", ":"), ensure_ascii=False)`
/// would render the parsed value (what FastAPI echoes), streaming: no tree is built. Text nested
/// deeper than serde_json's limit is echoed as sent.
pub(super) fn render(text: &str) -> Arc<RawValue> {
    let mut out = Vec::with_capacity(text.len());
    let mut de = serde_json::Deserializer::from_str(text);
    let mut ser = serde_json::Serializer::new(&mut out);
    let rendered = match serde_transcode::transcode(&mut de, &mut ser) {
        Ok(()) => String::from_utf8(out).ok(),
        Err(_) => None,
    };
    let boxed = match rendered.and_then(|s| RawValue::from_string(s).ok()) {
        Some(r) => r,
        None => RawValue::from_string(text.trim().to_string())
            .unwrap_or_else(|_| RawValue::from_string("null".into()).expect("null")),
    };
    Arc::from(boxed)
}

/// Why a body is refused.
#[derive(Debug)]
pub(super) enum Refusal {
    /// pydantic's errors.
    Invalid(FieldErrors),
    /// Free-form JSON (read as a tree: `dict`, `list` or `Any` fields, or a body that is a free
    /// dict) of more than one value per [`DENSE_BYTES_PER_VALUE`] bytes past [`DENSE_FROM`]:
    /// as a tree it would cost 16 to 80 times its text (a 16 MiB `[0,0,…]` took 1.2 GB).
    /// The reference takes it; we answer 413. Holds the count of values.
    TooDense(usize),
}

impl From<FieldErrors> for Refusal {
    fn from(e: FieldErrors) -> Self {
        Refusal::Invalid(e)
    }
}

/// Free-form JSON up to this size is read as a tree whatever its density.
pub const DENSE_FROM: usize = 1024 * 1024;
/// Past [`DENSE_FROM`], free-form JSON must average at least this many bytes per value.
pub const DENSE_BYTES_PER_VALUE: usize = 4;

/// About how many values a JSON text holds (one, plus its commas and openings outside strings):
/// a linear scan, no allocation.
fn json_values(text: &str) -> usize {
    let (mut n, mut in_str, mut esc) = (1usize, false, false);
    for b in text.bytes() {
        if in_str {
            match b {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_str = true,
                b',' | b'[' | b'{' => n += 1,
                _ => {}
            }
        }
    }
    n
}

/// Refuses a body past [`DENSE_FROM`] whose free-form values (counted by `free_form`, only for
/// such a body) average under [`DENSE_BYTES_PER_VALUE`] bytes each.
fn check_density(body_len: usize, free_form: impl FnOnce() -> usize) -> Result<(), Refusal> {
    if body_len <= DENSE_FROM {
        return Ok(());
    }
    let values = free_form();
    if values.saturating_mul(DENSE_BYTES_PER_VALUE) > body_len {
        return Err(Refusal::TooDense(values));
    }
    Ok(())
}

/// An error's `input`: the text rendered, when the route's answer shows inputs.
fn echoed(echo: bool, text: &str) -> Input {
    if echo {
        Input::Text(render(text))
    } else {
        Input::Value(Value::Null)
    }
}

/// A body the top-level scan could not read (it is well-formed JSON, so this is not expected).
fn unreadable(e: serde_json::Error, text: &str, echo: bool) -> Refusal {
    FieldErrors::one(FieldError::new("value_error", vec![json!("body")], format!("Value error, {e}"), echoed(echo, text))).into()
}

/// Validates a JSON text (already known to be well-formed) against `T` as pydantic would.
/// `echo`: whether the errors must carry their inputs (styles that answer a flat message
/// do not need them, so they are not rendered).
pub(super) fn validate_text<T: JsonSchema + DeserializeOwned + 'static>(
    text: &str,
    echo: bool,
) -> Result<T, Refusal> {
    let shape = shape_of::<T>();
    let Some(fields) = &shape.fields else {
        check_density(text.len(), || json_values(text))?;
        return Ok(deserialize::<T>(text, echo)?);
    };
    if first_byte(text) != Some(b'{') {
        return Err(Refusal::Invalid(FieldErrors::one(FieldError::new(
            "model_attributes_type",
            vec![json!("body")],
            "Input should be a valid dictionary or object to extract fields from",
            echoed(echo, text),
        ))));
    }
    let mut scan = Scan {
        fields,
        found: vec![None; fields.len()],
        last: vec![0; fields.len()],
        entries: 0,
        repeated: false,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(&mut scan).map_err(|e| unreadable(e, text, echo))?;
    check_density(text.len(), || {
        fields
            .iter()
            .zip(&scan.found)
            .filter(|(f, _)| matches!(f.kind, Kind::Any | Kind::Object | Kind::Array))
            .filter_map(|(_, raw)| raw.map(|r| json_values(r.get())))
            .sum()
    })?;

    let mut errors = Vec::new();
    let mut body: Option<Arc<RawValue>> = None;
    let mut replaced: Vec<Option<String>> = vec![None; fields.len()];
    for (i, f) in fields.iter().enumerate() {
        let loc = || vec![json!("body"), json!(f.name)];
        match scan.found[i] {
            None if f.required => {
                let whole = if echo {
                    Input::Text(body.get_or_insert_with(|| render(text)).clone())
                } else {
                    Input::Value(Value::Null)
                };
                errors.push(FieldError::new("missing", loc(), "Field required", whole));
            }
            None => {}
            Some(raw) => match coerce_raw(f, raw.get()) {
                Ok(None) => {}
                Ok(Some(v)) => replaced[i] = Some(v.to_string()),
                Err((ty, msg)) => errors.push(FieldError::new(ty, loc(), msg, echoed(echo, raw.get()))),
            },
        }
    }
    if !errors.is_empty() {
        return Err(FieldErrors(errors).into());
    }
    if !scan.repeated && replaced.iter().all(Option::is_none) {
        return Ok(deserialize::<T>(text, echo)?);
    }
    // Coerced values, or a declared key sent twice (pydantic keeps the last, serde would refuse
    // it): the form is read from a copy of the body with the values pydantic would see.
    let mut rebuild = Rebuild {
        fields,
        last: &scan.last,
        replaced: &replaced,
        entries: 0,
        out: String::with_capacity(text.len()),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(&mut rebuild).map_err(|e| unreadable(e, text, echo))?;
    Ok(deserialize::<T>(&rebuild.out, echo)?)
}

fn first_byte(text: &str) -> Option<u8> {
    text.bytes().find(|b| !b.is_ascii_whitespace())
}

/// `T` from the text by serde, errors as pydantic's `value_error` (or `dict_type` when the body
/// is not an object where one is expected) with the path that failed.
fn deserialize<T: DeserializeOwned>(text: &str, echo: bool) -> Result<T, FieldErrors> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let mut loc = vec![json!("body")];
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => loc.push(json!(index)),
                serde_path_to_error::Segment::Map { key }
                | serde_path_to_error::Segment::Enum { variant: key } => loc.push(json!(key)),
                serde_path_to_error::Segment::Unknown => {}
            }
        }
        let inner = e.into_inner();
        // serde_json's message without its " at line L column C" (the reference has no such part).
        let mut msg = inner.to_string();
        let suffix = format!(" at line {} column {}", inner.line(), inner.column());
        if inner.line() != 0 && msg.ends_with(&suffix) {
            msg.truncate(msg.len() - suffix.len());
        }
        let input = echoed(echo, text);
        if loc.len() == 1 && first_byte(text) != Some(b'{') && msg.ends_with("expected a map") {
            return FieldErrors::one(FieldError::new(
                "dict_type",
                loc,
                "Input should be a valid dictionary",
                input,
            ));
        }
        FieldErrors::one(FieldError::new(
            "value_error",
            loc,
            format!("Value error, {msg}"),
            input,
        ))
    })
}

/// pydantic's lax coercion of one declared field from its JSON text: `Ok(None)` keeps the text,
/// `Ok(Some(v))` puts `v` in its place. Containers are judged by their first byte, never parsed.
fn coerce_raw(f: &Field, text: &str) -> Result<Option<Value>, (&'static str, &'static str)> {
    let first = first_byte(text).unwrap_or(b'n');
    match (first, f.kind) {
        (_, Kind::Any) => Ok(None),
        (b'{', Kind::Object) | (b'[', Kind::Array) | (b'"', Kind::String) => Ok(None),
        (b'{' | b'[', kind) => Err(super::type_error(kind)),
        (b'"', Kind::Object | Kind::Array) => Err(super::type_error(f.kind)),
        _ => {
            // A scalar (a string only for the number and boolean kinds): small, or as long as
            // the string itself.
            let v: Value = serde_json::from_str(text).map_err(|_| super::type_error(f.kind))?;
            let c = super::coerce(f, &v)?;
            Ok(if c == v { None } else { Some(c) })
        }
    }
}

/// A key of the top-level object, borrowed from the text unless it holds escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// First pass over the top-level object: each declared field's last value (as pydantic reads a
/// dict built from it), skipping everything else unread.
struct Scan<'a, 'de> {
    fields: &'a [Field],
    found: Vec<Option<&'de RawValue>>,
    /// Ordinal of the entry that gave each declared field its value.
    last: Vec<usize>,
    entries: usize,
    repeated: bool,
}

impl<'de> Visitor<'de> for &mut Scan<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match self.fields.iter().position(|f| f.name == key.0) {
                Some(i) => {
                    let raw: &'de RawValue = map.next_value()?;
                    self.repeated |= self.found[i].is_some();
                    self.found[i] = Some(raw);
                    self.last[i] = self.entries;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            self.entries += 1;
        }
        Ok(())
    }
}

/// Second pass, only when needed: the body again with coerced values in place and each declared
/// field once (its last value); other entries copied as sent.
struct Rebuild<'a> {
    fields: &'a [Field],
    last: &'a [usize],
    replaced: &'a [Option<String>],
    entries: usize,
    out: String,
}

impl<'de> Visitor<'de> for &mut Rebuild<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.out.push('{');
        let mut first = true;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let raw: &'de RawValue = map.next_value()?;
            let entry = self.entries;
            self.entries += 1;
            let value = match self.fields.iter().position(|f| f.name == key.0) {
                Some(i) if self.last[i] != entry => continue,
                Some(i) => self.replaced[i].as_deref().unwrap_or(raw.get()),
                None => raw.get(),
            };
            if !first {
                self.out.push(',');
            }
            first = false;
            self.out
                .push_str(&serde_json::to_string(&*key.0).map_err(de::Error::custom)?);
            self.out.push(':');
            self.out.push_str(value);
        }
        self.out.push('}');
        Ok(())
    }
}
