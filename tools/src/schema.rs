//! Canonical JSON Schema shapes, so that pydantic's OpenAPI 3.1 schemas and schemars' 3.0.3
//! schemas can be compared, and a readable diff between two canonical shapes.
//!
//! [`canon`] resolves `$ref`s (shapes are compared, not names), drops annotations (`title`,
//! `description`, `example(s)`, `default`, `readOnly`, `writeOnly`, `deprecated`,
//! `contentMediaType`, `x-*`), and writes nullability one way (`nullable: true` beside the
//! type, whether it came as 3.1 `anyOf [X, {type: null}]`, `type: [X, "null"]`, or 3.0
//! `nullable` / `allOf [X] + nullable`). Unions (`anyOf`/`oneOf`) are sets, `required` and
//! `enum` are sorted, `const` is a one-value `enum`, integer/number `format`s are dropped, and
//! the 3.0 boolean `exclusiveMinimum/Maximum` becomes the 3.1 numeric form.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::oas::resolve_ref;

/// Keys that carry no shape.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "example",
    "examples",
    "default",
    "readOnly",
    "writeOnly",
    "deprecated",
    "contentMediaType",
    "contentEncoding",
    "$schema",
    "$id",
    "discriminator",
    "externalDocs",
    "xml",
];

/// The canonical shape of `schema`, with `$ref`s resolved against `doc`.
pub fn canon(doc: &Value, schema: &Value) -> Value {
    Canon { doc, stack: Vec::new() }.canon(schema)
}

struct Canon<'a> {
    doc: &'a Value,
    stack: Vec<String>,
}

impl Canon<'_> {
    fn canon(&mut self, s: &Value) -> Value {
        let obj = match s {
            Value::Bool(true) => return Value::Object(Map::new()),
            Value::Bool(false) => return serde_json::json!({"not": {}}),
            Value::Object(o) => o,
            other => return other.clone(),
        };
        let mut out = Map::new();
        // A `$ref` (3.1 allows siblings; merge them in).
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            if self.stack.iter().any(|x| x == r) {
                out.insert("$recursive".into(), Value::Bool(true));
            } else {
                self.stack.push(r.to_owned());
                let target = resolve_ref(self.doc, r).cloned().unwrap_or(Value::Null);
                let resolved =
                    if target.is_null() { serde_json::json!({"$unresolved": r}) } else { self.canon(&target) };
                self.stack.pop();
                if let Value::Object(m) = resolved {
                    out = m;
                }
            }
        }
        let mut nullable = out.remove("nullable").map(|v| v == Value::Bool(true)).unwrap_or(false);
        let mut unions: Vec<Vec<Value>> = Vec::new();
        let mut all_of: Vec<Value> = Vec::new();
        for (k, v) in obj {
            let k = k.as_str();
            if k == "$ref" || ANNOTATIONS.contains(&k) || k.starts_with("x-") {
                continue;
            }
            match k {
                "nullable" => nullable |= v == &Value::Bool(true),
                "const" => {
                    out.insert("enum".into(), Value::Array(vec![v.clone()]));
                }
                "type" => match v {
                    Value::Array(types) => {
                        let mut rest: Vec<Value> = Vec::new();
                        for t in types {
                            if t == "null" {
                                nullable = true;
                            } else {
                                rest.push(t.clone());
                            }
                        }
                        match rest.len() {
                            0 => {
                                out.insert("type".into(), Value::String("null".into()));
                            }
                            1 => {
                                out.insert("type".into(), rest.pop().unwrap());
                            }
                            _ => unions.push(rest.into_iter().map(|t| serde_json::json!({"type": t})).collect()),
                        }
                    }
                    _ => {
                        out.insert("type".into(), v.clone());
                    }
                },
                "patternProperties"
                    if v.as_object().is_some_and(|m| m.len() == 1) && !obj.contains_key("additionalProperties") =>
                {
                    // One pattern: the same shape as additionalProperties (all 3.0 can say).
                    let only = v.as_object().unwrap().values().next().unwrap();
                    let c = self.canon(only);
                    if !is_any(&c) {
                        out.insert("additionalProperties".into(), c);
                    }
                }
                "propertyNames" => {} // key constraints: 3.0 cannot say them
                "properties" | "patternProperties" => {
                    let Some(m) = v.as_object() else { continue };
                    if m.is_empty() {
                        continue;
                    }
                    let mut props: Vec<(String, Value)> = m.iter().map(|(n, p)| (n.clone(), self.canon(p))).collect();
                    props.sort_by(|a, b| a.0.cmp(&b.0));
                    out.insert(k.into(), Value::Object(props.into_iter().collect()));
                }
                "items" | "not" | "contains" => {
                    out.insert(k.into(), self.canon(v));
                }
                "additionalProperties" => match v {
                    Value::Bool(true) => {}
                    Value::Object(m) if m.is_empty() => {}
                    _ => {
                        out.insert(k.into(), self.canon(v));
                    }
                },
                "prefixItems" => {
                    let items: Vec<Value> = v.as_array().into_iter().flatten().map(|x| self.canon(x)).collect();
                    out.insert(k.into(), Value::Array(items));
                }
                "anyOf" | "oneOf" => {
                    unions.push(v.as_array().into_iter().flatten().map(|x| self.canon(x)).collect());
                }
                "allOf" => all_of.extend(v.as_array().into_iter().flatten().map(|x| self.canon(x))),
                "required" => {
                    let set: BTreeSet<String> =
                        v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_owned)).collect();
                    if !set.is_empty() {
                        out.insert(k.into(), set.into_iter().map(Value::String).collect());
                    }
                }
                "enum" => {
                    let mut vals: Vec<Value> = v.as_array().cloned().unwrap_or_default();
                    if vals.iter().any(Value::is_null) {
                        nullable = true;
                        vals.retain(|x| !x.is_null());
                    }
                    vals.sort_by_key(|x| x.to_string());
                    vals.dedup();
                    out.insert(k.into(), Value::Array(vals));
                }
                "uniqueItems" if v == &Value::Bool(false) => {}
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
                    out.insert(k.into(), number(v));
                }
                _ => {
                    out.insert(k.into(), v.clone());
                }
            }
        }
        // 3.0 boolean exclusive bounds become the 3.1 numeric form.
        for (ex, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
            match out.get(ex) {
                Some(Value::Bool(true)) => {
                    if let Some(b) = out.remove(bound) {
                        out.insert(ex.into(), b);
                    }
                }
                Some(Value::Bool(false)) => {
                    out.remove(ex);
                }
                _ => {}
            }
        }
        // Integer and number formats (int64, uint32, double, ...) are Rust detail; so is the
        // `minimum: 0` that schemars adds for unsigned integers.
        if matches!(out.get("type").and_then(Value::as_str), Some("integer" | "number")) {
            if let Some(f) = out.remove("format") {
                if f.as_str().is_some_and(|f| f.starts_with("uint")) && out.get("minimum") == Some(&number(&0.into())) {
                    out.remove("minimum");
                }
            }
        }
        if out.get("format").and_then(Value::as_str) == Some("password") {
            out.remove("format");
        }
        // allOf: merge the members' shapes into this one.
        for member in all_of {
            if let Value::Object(mut m) = member {
                if m.remove("nullable").is_some() {
                    nullable = true;
                }
                merge_into(&mut out, m);
            }
        }
        // Unions: flatten, pull out null, dedupe, collapse singletons.
        for members in unions {
            let mut flat: Vec<Value> = Vec::new();
            for m in members {
                flatten_union(m, &mut flat, &mut nullable);
            }
            let mut seen = BTreeSet::new();
            flat.retain(|m| seen.insert(m.to_string()));
            flat.sort_by_key(|m| m.to_string());
            match flat.len() {
                0 => {}
                1 => {
                    if let Value::Object(mut m) = flat.pop().unwrap() {
                        if m.remove("nullable").is_some() {
                            nullable = true;
                        }
                        merge_into(&mut out, m);
                    }
                }
                _ => {
                    out.insert("anyOf".into(), Value::Array(flat));
                }
            }
        }
        if nullable {
            if out.get("type").and_then(Value::as_str) == Some("null") {
                // `{type: null}` alone stays as it is.
            } else {
                out.insert("nullable".into(), Value::Bool(true));
            }
        }
        // Canonical key order.
        let mut keys: Vec<(String, Value)> = out.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Object(keys.into_iter().collect())
    }
}

fn number(v: &Value) -> Value {
    v.as_f64().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or_else(|| v.clone())
}

fn flatten_union(m: Value, flat: &mut Vec<Value>, nullable: &mut bool) {
    match m {
        Value::Object(mut o) => {
            if o.get("type").and_then(Value::as_str) == Some("null") && o.len() == 1 {
                *nullable = true;
                return;
            }
            if o.len() == 1 || (o.len() == 2 && o.contains_key("nullable")) {
                if let Some(Value::Array(inner)) = o.get("anyOf").cloned() {
                    if o.remove("nullable").is_some() {
                        *nullable = true;
                    }
                    for i in inner {
                        flatten_union(i, flat, nullable);
                    }
                    return;
                }
            }
            if o.get("nullable") == Some(&Value::Bool(true)) {
                *nullable = true;
                o.remove("nullable");
            }
            flat.push(Value::Object(o));
        }
        other => flat.push(other),
    }
}

fn merge_into(out: &mut Map<String, Value>, m: Map<String, Value>) {
    for (k, v) in m {
        out.insert(k, v);
    }
}

/// A short, readable description of a canonical shape: `string`, `integer?`, `array<Chat>`,
/// `object{id, title, …}`, `"a" | "b"`, `any`.
pub fn summary(s: &Value) -> String {
    let Some(o) = s.as_object() else { return s.to_string() };
    let q = if o.get("nullable") == Some(&Value::Bool(true)) { "?" } else { "" };
    if o.contains_key("$recursive") {
        return format!("(recursive){q}");
    }
    if let Some(Value::Array(e)) = o.get("enum") {
        let vals: Vec<String> = e.iter().take(6).map(|v| v.to_string()).collect();
        let more = if e.len() > 6 { " | …" } else { "" };
        return format!("({}{more}){q}", vals.join(" | "));
    }
    if let Some(Value::Array(u)) = o.get("anyOf") {
        let vals: Vec<String> = u.iter().map(summary).collect();
        return format!("({}){q}", vals.join(" | "));
    }
    let ty = o.get("type").and_then(Value::as_str);
    match ty {
        Some("array") => format!("array<{}>{q}", o.get("items").map(summary).unwrap_or_else(|| "any".into())),
        Some("object") | None if o.contains_key("properties") => {
            let props = o["properties"].as_object().unwrap();
            let names: Vec<&str> = props.keys().take(5).map(String::as_str).collect();
            let more = if props.len() > 5 { ", …" } else { "" };
            format!("object{{{}{more}}}{q}", names.join(", "))
        }
        Some("object") => match o.get("additionalProperties") {
            Some(ap) => format!("map<{}>{q}", summary(ap)),
            None => format!("object{q}"),
        },
        Some(t) => match o.get("format").and_then(Value::as_str) {
            Some(f) => format!("{t}({f}){q}"),
            None => format!("{t}{q}"),
        },
        None if o.len() == (q.len()) => format!("any{q}"),
        None => format!("{}{q}", truncate(&Value::Object(o.clone()).to_string(), 60)),
    }
}

/// Options for [`diff`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DiffOptions {
    /// Nullability at the top level is not compared (query parameters cannot carry null).
    pub ignore_top_nullable: bool,
}

/// The differences between the reference's canonical shape `r` and ours `o`, one readable line
/// each, located by `loc` (`response`, `body`, `query page`, ...).
pub fn diff(r: &Value, o: &Value, loc: &str, opts: DiffOptions) -> Vec<String> {
    let mut out = Vec::new();
    let (mut r, mut o) = (r.clone(), o.clone());
    if opts.ignore_top_nullable {
        for v in [&mut r, &mut o] {
            if let Some(m) = v.as_object_mut() {
                m.remove("nullable");
            }
        }
    }
    diff_into(&r, &o, loc, &mut out);
    out
}

fn is_any(s: &Value) -> bool {
    s.as_object().is_some_and(|o| o.is_empty())
}

fn diff_into(r: &Value, o: &Value, loc: &str, out: &mut Vec<String>) {
    if r == o {
        return;
    }
    let (Some(rm), Some(om)) = (r.as_object(), o.as_object()) else {
        out.push(format!("{loc}: reference {}, ours {}", summary(r), summary(o)));
        return;
    };
    if rm.contains_key("$recursive") || om.contains_key("$recursive") {
        return;
    }
    if is_any(r) || is_any(o) {
        out.push(format!("{loc}: reference {}, ours {}", summary(r), summary(o)));
        return;
    }
    // Unions: compare as sets of member shapes.
    if rm.contains_key("anyOf") || om.contains_key("anyOf") {
        let members = |m: &Map<String, Value>| -> Vec<Value> {
            match m.get("anyOf") {
                Some(Value::Array(a)) => a.clone(),
                _ => {
                    let mut m = m.clone();
                    m.remove("nullable");
                    vec![Value::Object(m)]
                }
            }
        };
        let (ra, oa) = (members(rm), members(om));
        let only_r: Vec<&Value> = ra.iter().filter(|x| !oa.contains(x)).collect();
        let only_o: Vec<&Value> = oa.iter().filter(|x| !ra.contains(x)).collect();
        if only_r.len() == 1 && only_o.len() == 1 {
            diff_into(only_r[0], only_o[0], loc, out);
        } else if !only_r.is_empty() || !only_o.is_empty() {
            let f = |v: Vec<&Value>| v.into_iter().map(summary).collect::<Vec<_>>().join(" | ");
            out.push(format!(
                "{loc}: union differs: reference has {}, ours has {}",
                if only_r.is_empty() { "nothing else".to_owned() } else { f(only_r) },
                if only_o.is_empty() { "nothing else".to_owned() } else { f(only_o) },
            ));
        }
        nullable_diff(rm, om, loc, out);
        return;
    }
    let rt = rm.get("type").and_then(Value::as_str);
    let ot = om.get("type").and_then(Value::as_str);
    if rt != ot
        && !(rt.is_none() && rm.contains_key("properties") && ot == Some("object"))
        && !(ot.is_none() && om.contains_key("properties") && rt == Some("object"))
    {
        out.push(format!("{loc}: reference {}, ours {}", summary(r), summary(o)));
        return;
    }
    nullable_diff(rm, om, loc, out);
    // Objects.
    let empty = Map::new();
    let rp = rm.get("properties").and_then(Value::as_object);
    let op = om.get("properties").and_then(Value::as_object);
    match (rp, op) {
        (Some(_), None) | (None, Some(_)) => {
            out.push(format!("{loc}: reference {}, ours {}", summary(r), summary(o)));
        }
        (Some(rp), Some(op)) => {
            let req = |m: &Map<String, Value>| -> BTreeSet<String> {
                m.get("required")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default()
            };
            let (rr, or) = (req(rm), req(om));
            let missing: Vec<&str> = rp.keys().filter(|k| !op.contains_key(*k)).map(String::as_str).collect();
            let extra: Vec<&str> = op.keys().filter(|k| !rp.contains_key(*k)).map(String::as_str).collect();
            if !missing.is_empty() {
                out.push(format!("{loc}: missing in ours: {}", missing.join(", ")));
            }
            if !extra.is_empty() {
                out.push(format!("{loc}: extra in ours: {}", extra.join(", ")));
            }
            for (name, rs) in rp {
                let Some(os) = op.get(name) else { continue };
                let sub = format!("{loc}.{name}");
                match (rr.contains(name), or.contains(name)) {
                    (true, false) => out.push(format!("{sub}: required in reference, optional in ours")),
                    (false, true) => out.push(format!("{sub}: optional in reference, required in ours")),
                    _ => {}
                }
                diff_into(rs, os, &sub, out);
            }
        }
        (None, None) => {}
    }
    let _ = &empty;
    for key in ["items", "additionalProperties", "patternProperties"] {
        let sub = match key {
            "items" => format!("{loc}[]"),
            _ => format!("{loc}{{*}}"),
        };
        match (rm.get(key), om.get(key)) {
            (Some(a), Some(b)) if key == "patternProperties" => {
                if a != b {
                    out.push(format!("{loc}: patternProperties differ"));
                }
            }
            (Some(a), Some(b)) => diff_into(a, b, &sub, out),
            (Some(a), None) => out.push(format!("{sub}: reference {}, ours any", summary(a))),
            (None, Some(b)) => out.push(format!("{sub}: reference any, ours {}", summary(b))),
            (None, None) => {}
        }
    }
    if let (Some(Value::Array(a)), Some(Value::Array(b))) = (rm.get("enum"), om.get("enum")) {
        let missing: Vec<String> = a.iter().filter(|x| !b.contains(x)).map(Value::to_string).collect();
        let extra: Vec<String> = b.iter().filter(|x| !a.contains(x)).map(Value::to_string).collect();
        if !missing.is_empty() {
            out.push(format!("{loc}: enum values missing in ours: {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            out.push(format!("{loc}: enum values extra in ours: {}", extra.join(", ")));
        }
    }
    // Everything else (format, pattern, bounds, enum presence, ...).
    let handled = ["type", "nullable", "properties", "required", "items", "additionalProperties", "patternProperties"];
    let keys: BTreeSet<&String> = rm.keys().chain(om.keys()).collect();
    for k in keys {
        if handled.contains(&k.as_str()) || (k == "enum" && rm.contains_key("enum") && om.contains_key("enum")) {
            continue;
        }
        let (a, b) = (rm.get(k), om.get(k));
        if a != b {
            let show = |v: Option<&Value>| v.map(|v| truncate(&v.to_string(), 60)).unwrap_or_else(|| "absent".into());
            out.push(format!("{loc}: {k}: reference {}, ours {}", show(a), show(b)));
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn nullable_diff(rm: &Map<String, Value>, om: &Map<String, Value>, loc: &str, out: &mut Vec<String>) {
    let rn = rm.get("nullable") == Some(&Value::Bool(true));
    let on = om.get("nullable") == Some(&Value::Bool(true));
    match (rn, on) {
        (true, false) => out.push(format!("{loc}: nullable in reference, not in ours")),
        (false, true) => out.push(format!("{loc}: nullable in ours, not in reference")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullability_forms_agree() {
        let doc31 = json!({"components": {"schemas": {"A": {"type": "object", "title": "A",
            "properties": {"x": {"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "X"}}}}}});
        let doc30 = json!({"components": {"schemas": {"B": {"type": "object",
            "properties": {"x": {"type": "integer", "format": "int64", "nullable": true}}}}}});
        let a = canon(&doc31, &json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]}));
        let b = canon(&doc30, &json!({"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true}));
        assert_eq!(a, b);
        assert!(diff(&a, &b, "x", DiffOptions::default()).is_empty());
    }

    #[test]
    fn differences_are_reported() {
        let d = json!({});
        let a = canon(
            &d,
            &json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "n": {"type": "integer"}}}),
        );
        let b =
            canon(&d, &json!({"type": "object", "properties": {"id": {"type": "string"}, "m": {"type": "string"}}}));
        let lines = diff(&a, &b, "response", DiffOptions::default());
        assert_eq!(
            lines,
            vec![
                "response: missing in ours: n".to_owned(),
                "response: extra in ours: m".to_owned(),
                "response.id: required in reference, optional in ours".to_owned(),
            ]
        );
    }

    #[test]
    fn const_and_exclusive_bounds() {
        let d = json!({});
        assert_eq!(canon(&d, &json!({"const": "a"})), canon(&d, &json!({"enum": ["a"]})));
        assert_eq!(
            canon(&d, &json!({"type": "number", "exclusiveMinimum": 0.0})),
            canon(&d, &json!({"type": "number", "format": "double", "minimum": 0, "exclusiveMinimum": true}))
        );
    }
}
