//! Down-conversion of the reference's OpenAPI 3.1 document (FastAPI, pydantic v2) to the
//! OpenAPI 3.0.3 that progenitor accepts (`client/openapi/reference-3.0.json`).
//!
//! Schemas (components, parameters, bodies, responses; walked as schemas, so a property that
//! happens to be called `const` or `examples` is left alone):
//!
//! - `anyOf`/`oneOf` with a `{type: null}` member: the member goes and `nullable: true` comes;
//!   a single remaining `$ref` becomes `allOf: [$ref]` + `nullable` (3.0 ignores siblings of
//!   `$ref`), a single remaining inline schema is merged into its parent; `type: [X, "null"]`
//!   likewise; `{type: null}` on its own becomes `{nullable: true}` (progenitor panics on
//!   `type: null`);
//! - `const: v` becomes `enum: [v]`; `examples: [a, ..]` becomes `example: a`;
//! - numeric `exclusiveMinimum: n` becomes `minimum: n, exclusiveMinimum: true` (same for max);
//! - a `default` beside an `enum` is dropped (typify 0.8 rejects it);
//! - `contentMediaType` becomes `format: binary` on strings (uploads); `contentEncoding` and
//!   `propertyNames` are dropped; a single
//!   `patternProperties` entry becomes `additionalProperties`; boolean schemas become `{}` /
//!   `{not: {}}`; a `$ref` with siblings becomes `allOf: [$ref]` + the siblings.
//!
//! Operations:
//!
//! - path variables FastAPI does not declare as parameters are added (string, marked
//!   `x-undeclared`); progenitor panics otherwise;
//! - parameter schemas lose `nullable` (a parameter is absent, never null; progenitor would
//!   generate `Option<Option<T>>`);
//! - every operation gets a readable, unique, deterministic `operationId` ([`readable_ids`]);
//!   FastAPI's is kept in `x-fastapi-operation-id`;
//! - operations progenitor cannot take are removed and listed in the document's `x-set-aside`
//!   (`multipart/form-data` bodies, cookie parameters, several request media types, OPTIONS and
//!   TRACE, which `reqwest::Client` has no method for); the
//!   `openwebui-client` crate hand-writes the ones that matter.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use crate::oas::{self, Op};

/// Converts the reference's 3.1 document.
pub fn downconvert(reference: &Value) -> Value {
    let mut doc = reference.clone();
    doc["openapi"] = Value::String("3.0.3".into());

    // Readable operation ids, computed on the full document (so set-aside operations keep the
    // name they would have).
    let ids = readable_ids(reference);

    // Operations: rename, set aside.
    let mut set_aside: Vec<Value> = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            let methods: Vec<String> =
                item.keys().filter(|k| oas::ALL_METHODS.contains(&k.as_str())).cloned().collect();
            for method in methods {
                let op = item.get_mut(&method).unwrap();
                let fastapi_id = op.get("operationId").and_then(Value::as_str).unwrap_or("").to_owned();
                let id = ids[&(method.clone(), path.clone())].clone();
                if let Some(o) = op.as_object_mut() {
                    let mut renamed = Map::new();
                    for (k, v) in std::mem::take(o) {
                        if k == "operationId" {
                            renamed.insert(k, Value::String(id.clone()));
                            renamed.insert("x-fastapi-operation-id".into(), Value::String(fastapi_id.clone()));
                        } else {
                            renamed.insert(k, v);
                        }
                    }
                    *o = renamed;
                }
                add_undeclared_path_params(op, path);
                if let Some(reason) = unsupported(&method, op) {
                    set_aside.push(json!({
                        "operationId": id,
                        "method": method.to_uppercase(),
                        "path": path,
                        "reason": reason,
                        "operation": op.clone(),
                    }));
                    item.remove(&method);
                }
            }
        }
        paths.retain(|_, item| {
            item.as_object().is_some_and(|i| i.keys().any(|k| oas::ALL_METHODS.contains(&k.as_str())))
        });
    }

    // Schemas, wherever they are.
    walk_operation_schemas(&mut doc);
    for entry in &mut set_aside {
        if let Some(op) = entry.get_mut("operation") {
            convert_operation_schemas(op);
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for s in schemas.values_mut() {
            *s = convert_schema(s);
        }
    }
    if let Some(o) = doc.as_object_mut() {
        o.insert("x-set-aside".into(), Value::Array(set_aside));
    }
    doc
}

/// FastAPI leaves out path variables the handler does not take (`/files/{id}/content/{file_name}`
/// declares only `id`); progenitor needs every one, so the missing ones are added as strings.
fn add_undeclared_path_params(op: &mut Value, path: &str) {
    let declared: Vec<String> = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let missing: Vec<&str> = oas::segments(path)
        .into_iter()
        .filter(|s| oas::is_var(s))
        .map(oas::var_name)
        .filter(|n| !declared.iter().any(|d| d == n))
        .collect();
    if missing.is_empty() {
        return;
    }
    let Some(o) = op.as_object_mut() else { return };
    let params = o.entry("parameters").or_insert_with(|| Value::Array(Vec::new()));
    if let Some(params) = params.as_array_mut() {
        for name in missing {
            params.push(json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": {"type": "string"},
                "x-undeclared": true,
            }));
        }
    }
}

/// Why progenitor cannot take this operation, if it cannot.
fn unsupported(method: &str, op: &Value) -> Option<String> {
    if method == "options" || method == "trace" {
        return Some(format!("{} (reqwest::Client has no such method)", method.to_uppercase()));
    }
    if let Some(content) = op.pointer("/requestBody/content").and_then(Value::as_object) {
        if content.len() > 1 {
            return Some(format!(
                "several request media types ({})",
                content.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        if let Some(ct) = content.keys().find(|ct| ct.starts_with("multipart/")) {
            return Some(format!("{ct} request body"));
        }
    }
    let cookies: Vec<&str> = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("cookie"))
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect();
    if !cookies.is_empty() {
        return Some(format!("cookie parameter(s) {}", cookies.join(", ")));
    }
    None
}

fn walk_operation_schemas(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (k, v) in item.iter_mut() {
            if oas::ALL_METHODS.contains(&k.as_str()) {
                convert_operation_schemas(v);
            } else if k == "parameters" {
                convert_parameters(v);
            }
        }
    }
}

fn convert_parameters(params: &mut Value) {
    for p in params.as_array_mut().into_iter().flatten() {
        if let Some(s) = p.get_mut("schema") {
            *s = convert_schema(s);
            // A parameter cannot carry null (an optional one is simply absent); a nullable
            // schema would give progenitor `Option<Option<T>>` arguments that do not compile.
            if let Some(o) = s.as_object_mut() {
                o.remove("nullable");
                if o.get("default") == Some(&Value::Null) {
                    o.remove("default");
                }
            }
        }
    }
}

fn convert_operation_schemas(op: &mut Value) {
    if let Some(params) = op.get_mut("parameters") {
        convert_parameters(params);
    }
    if let Some(content) = op.pointer_mut("/requestBody/content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            if let Some(s) = media.get_mut("schema") {
                *s = convert_schema(s);
            }
        }
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for r in responses.values_mut() {
            if let Some(content) = r.get_mut("content").and_then(Value::as_object_mut) {
                for media in content.values_mut() {
                    if let Some(s) = media.get_mut("schema") {
                        *s = convert_schema(s);
                    }
                }
            }
        }
    }
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
        && v.as_object().is_some_and(|o| o.keys().all(|k| k == "type" || k == "title" || k == "description"))
}

/// Converts one 3.1 schema (recursively) to 3.0.3.
pub fn convert_schema(s: &Value) -> Value {
    let obj = match s {
        Value::Bool(true) => return json!({}),
        Value::Bool(false) => return json!({"not": {}}),
        Value::Object(o) => o,
        other => return other.clone(),
    };
    let mut out = Map::new();
    let mut nullable = false;
    for (k, v) in obj {
        match k.as_str() {
            "properties" => {
                let props: Map<String, Value> =
                    v.as_object().into_iter().flatten().map(|(n, p)| (n.clone(), convert_schema(p))).collect();
                out.insert(k.clone(), Value::Object(props));
            }
            "items" | "not" => {
                out.insert(k.clone(), convert_schema(v));
            }
            "additionalProperties" => {
                let v = if v.is_boolean() { v.clone() } else { convert_schema(v) };
                out.insert(k.clone(), v);
            }
            "patternProperties" => {
                // 3.0 has no patternProperties; one pattern becomes additionalProperties.
                if let Some(m) = v.as_object() {
                    if m.len() == 1 && !obj.contains_key("additionalProperties") {
                        out.insert("additionalProperties".into(), convert_schema(m.values().next().unwrap()));
                    }
                }
            }
            "contentMediaType" => {
                // pydantic's UploadFile: 3.0 says `format: binary`.
                if obj.get("type").and_then(Value::as_str) == Some("string") && !obj.contains_key("format") {
                    out.insert("format".into(), Value::String("binary".into()));
                }
            }
            "propertyNames" | "contentEncoding" | "$schema" | "$id" => {}
            "allOf" => {
                let members: Vec<Value> = v.as_array().into_iter().flatten().map(convert_schema).collect();
                out.insert(k.clone(), Value::Array(members));
            }
            "anyOf" | "oneOf" => {
                let all: &[Value] = v.as_array().map(Vec::as_slice).unwrap_or(&[]);
                let rest: Vec<Value> = all.iter().filter(|m| !is_null_schema(m)).map(convert_schema).collect();
                if rest.len() < all.len() {
                    nullable = true;
                }
                match rest.len() {
                    0 => {}
                    1 => {
                        let only = rest.into_iter().next().unwrap();
                        if only.get("$ref").is_some() {
                            out.insert("allOf".into(), Value::Array(vec![only]));
                        } else if let Value::Object(m) = only {
                            if m.get("nullable") == Some(&Value::Bool(true)) {
                                nullable = true;
                            }
                            for (mk, mv) in m {
                                if mk != "nullable" {
                                    out.entry(mk).or_insert(mv);
                                }
                            }
                        }
                    }
                    _ => {
                        out.insert(k.clone(), Value::Array(rest));
                    }
                }
            }
            "type" => match v {
                Value::Array(types) => {
                    let rest: Vec<&Value> = types.iter().filter(|t| t.as_str() != Some("null")).collect();
                    if rest.len() < types.len() {
                        nullable = true;
                    }
                    match rest.as_slice() {
                        [] => {}
                        [t] => {
                            out.insert("type".into(), (*t).clone());
                        }
                        many => {
                            let members: Vec<Value> = many.iter().map(|t| json!({"type": t})).collect();
                            out.insert("anyOf".into(), Value::Array(members));
                        }
                    }
                }
                Value::String(t) if t == "null" => nullable = true,
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            },
            "const" => {
                out.insert("enum".into(), Value::Array(vec![v.clone()]));
                if !obj.contains_key("type") {
                    let t = match v {
                        Value::String(_) => Some("string"),
                        Value::Bool(_) => Some("boolean"),
                        Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
                        Value::Number(_) => Some("number"),
                        _ => None,
                    };
                    if let Some(t) = t {
                        out.insert("type".into(), Value::String(t.into()));
                    }
                }
            }
            "examples" => {
                if let Some(first) = v.as_array().and_then(|a| a.first()) {
                    out.insert("example".into(), first.clone());
                }
            }
            "exclusiveMinimum" | "exclusiveMaximum" if v.is_number() => {
                let bound = if k == "exclusiveMinimum" { "minimum" } else { "maximum" };
                out.insert(bound.into(), v.clone());
                out.insert(k.clone(), Value::Bool(true));
            }
            "nullable" => nullable |= v == &Value::Bool(true),
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    // A `$ref` with siblings: 3.0 ignores the siblings, so wrap it.
    if out.contains_key("$ref") && out.len() > 1 {
        let r = out.remove("$ref").unwrap();
        let mut wrapped = Map::new();
        wrapped.insert("allOf".into(), json!([{ "$ref": r }]));
        for (k, v) in out {
            if k == "allOf" {
                if let Value::Array(more) = v {
                    wrapped["allOf"].as_array_mut().unwrap().extend(more);
                }
            } else {
                wrapped.insert(k, v);
            }
        }
        out = wrapped;
    }
    // typify 0.8 rejects a default on an inline enum ("value does not conform to the given
    // schema"); the field then becomes an `Option` instead.
    if out.contains_key("enum") {
        out.remove("default");
    }
    if nullable {
        out.insert("nullable".into(), Value::Bool(true));
    }
    Value::Object(out)
}

/// FastAPI's default `operationId` is `{function}{path with non-word characters as _}_{method}`;
/// this recovers `{function}`. Routes registered for several methods share the id of their
/// first method, so every method is tried.
pub fn fastapi_function_name(operation_id: &str, path: &str, method: &str) -> String {
    let path_part: String = path.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    let mut methods = vec![method.to_owned()];
    methods.extend(oas::ALL_METHODS.iter().map(|m| m.to_string()));
    for m in methods {
        if let Some(f) = operation_id.strip_suffix(&format!("{path_part}_{m}")) {
            if !f.is_empty() {
                return f.to_owned();
            }
        }
    }
    operation_id.to_owned()
}

fn ident(s: &str) -> String {
    let mut out: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    out.trim_matches('_').to_owned()
}

fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

/// Readable `operationId`s for every operation of `doc`, keyed by `(method, path)`.
///
/// The name is `{group}_{function}` where group is the first tag (or, without tags, the
/// group derived from the path, [`oas::path_group`]) and function is FastAPI's function name
/// without the words that repeat the group (`chats` + `get_chat_by_id` gives
/// `chats_get_by_id`). Names that collide fall back, for every member of the collision, to
/// longer forms, in this order: with the path variables (`ollama_get_tags_by_url_idx` beside
/// `ollama_get_tags`); with the literal path words that tell the colliding routes apart
/// (`retrieval_process_web_youtube`, `models_get_models_v1` beside `models_get_models`); with
/// the unreduced function name; with the method (`ollama_get_status_head`); with the
/// operation's index. Deterministic (a function of the document alone).
pub fn readable_ids(doc: &Value) -> HashMap<(String, String), String> {
    struct Parts {
        reduced: String,
        full: String,
        by: String,
        words: Vec<String>,
    }
    let ops: Vec<Op> = oas::operations(doc);
    let parts: Vec<Parts> = ops
        .iter()
        .map(|op| {
            let group = ident(&op.group());
            let function = ident(&fastapi_function_name(op.operation_id(), &op.path, &op.method));
            let group_words: Vec<&str> = group.split('_').collect();
            let is_group_word = |w: &str| group_words.iter().any(|g| *g == w || singular(g) == w);
            let words: Vec<&str> = function.split('_').filter(|w| !w.is_empty()).collect();
            let reduced: Vec<&str> = words.iter().copied().filter(|w| !is_group_word(w)).collect();
            let full: Vec<&str> =
                if words.first().is_some_and(|w| is_group_word(w)) { words[1..].to_vec() } else { words.clone() };
            let join = |ws: &[&str]| if ws.is_empty() { group.clone() } else { format!("{group}_{}", ws.join("_")) };
            let vars: Vec<String> = oas::segments(&op.path)
                .into_iter()
                .filter(|s| oas::is_var(s))
                .map(|s| ident(oas::var_name(s)))
                .collect();
            let literal: Vec<String> = oas::segments(&op.path)
                .into_iter()
                .filter(|s| !oas::is_var(s))
                .map(ident)
                .flat_map(|s| s.split('_').map(str::to_owned).collect::<Vec<_>>())
                .filter(|s| !s.is_empty() && !is_group_word(s))
                .collect();
            Parts {
                reduced: join(&reduced),
                full: join(&full),
                by: if vars.is_empty() { String::new() } else { format!("_by_{}", vars.join("_and_")) },
                words: literal,
            }
        })
        .collect();
    // The literal words that set an operation apart from the others with the same short name.
    let mut families: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in parts.iter().enumerate() {
        families.entry(format!("{}{}", p.reduced, p.by)).or_default().push(i);
    }
    let mut distinct: Vec<String> = vec![String::new(); ops.len()];
    for members in families.values() {
        let common: Vec<&String> =
            parts[members[0]].words.iter().filter(|w| members.iter().all(|&j| parts[j].words.contains(w))).collect();
        for &i in members {
            let own: Vec<&str> = parts[i].words.iter().filter(|w| !common.contains(w)).map(String::as_str).collect();
            if !own.is_empty() {
                distinct[i] = format!("_{}", own.join("_"));
            }
        }
    }
    let candidates: Vec<[String; 6]> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let l0 = p.reduced.clone();
            let l1 = format!("{}{}", p.reduced, p.by);
            let l2 = format!("{l1}{}", distinct[i]);
            let l3 = format!("{}{}{}", p.full, p.by, distinct[i]);
            let l4 = format!("{l3}_{}", ops[i].method);
            let l5 = format!("{l4}_{i}");
            [l0, l1, l2, l3, l4, l5]
        })
        .collect();
    let last = 5;
    let mut level = vec![0usize; ops.len()];
    loop {
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, c) in candidates.iter().enumerate() {
            by_name.entry(c[level[i]].as_str()).or_default().push(i);
        }
        let mut bumped = false;
        for members in by_name.values().filter(|m| m.len() > 1) {
            for &i in members {
                if level[i] < last {
                    level[i] += 1;
                    bumped = true;
                }
            }
        }
        if !bumped {
            break;
        }
    }
    ops.iter()
        .enumerate()
        .map(|(i, op)| ((op.method.clone(), op.path.clone()), candidates[i][level[i]].clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names() {
        assert_eq!(
            fastapi_function_name("get_chat_by_id_api_v1_chats__id__get", "/api/v1/chats/{id}", "get"),
            "get_chat_by_id"
        );
        assert_eq!(fastapi_function_name("proxy_openai__path__get", "/openai/{path}", "post"), "proxy");
        assert_eq!(fastapi_function_name("healthcheck_health_get", "/health", "get"), "healthcheck");
    }

    #[test]
    fn schemas() {
        let s = json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}], "title": "T"});
        assert_eq!(
            convert_schema(&s),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "title": "T", "nullable": true})
        );
        let s = json!({"anyOf": [{"type": "integer", "exclusiveMinimum": 0.0}, {"type": "null"}], "default": null});
        assert_eq!(
            convert_schema(&s),
            json!({"type": "integer", "minimum": 0.0, "exclusiveMinimum": true, "default": null, "nullable": true})
        );
        let s = json!({"properties": {"const": {"const": "x", "type": "string"}, "examples": {"type": "string", "examples": ["e"]}}});
        assert_eq!(
            convert_schema(&s),
            json!({"properties": {"const": {"enum": ["x"], "type": "string"}, "examples": {"type": "string", "example": "e"}}})
        );
    }

    #[test]
    fn ids_are_readable_and_unique() {
        let doc = json!({"paths": {
            "/api/v1/chats/{id}": {"get": {"tags": ["chats"], "operationId": "get_chat_by_id_api_v1_chats__id__get"}},
            "/api/models": {"get": {"operationId": "get_models_api_models_get"}},
            "/api/v1/models": {"get": {"operationId": "get_models_api_v1_models_get"}}
        }});
        let ids = readable_ids(&doc);
        assert_eq!(ids[&("get".to_owned(), "/api/v1/chats/{id}".to_owned())], "chats_get_by_id");
        assert_ne!(
            ids[&("get".to_owned(), "/api/models".to_owned())],
            ids[&("get".to_owned(), "/api/v1/models".to_owned())]
        );
    }
}

#[cfg(test)]
mod fresh {
    /// Fails when `client/openapi/reference-3.0.json` is not the down-conversion of
    /// `spec/openapi/reference.json`; `cargo run -p tools --bin downconvert` fixes it.
    #[test]
    fn client_spec_is_fresh() {
        let reference = crate::read_json(crate::REFERENCE_SPEC).expect("reference document");
        let expected = crate::to_pretty_json(&super::downconvert(&reference));
        let current = std::fs::read_to_string(crate::workspace_root().join(crate::CLIENT_SPEC)).unwrap_or_default();
        assert!(
            current == expected,
            "{} is stale relative to {}: run `cargo run -p tools --bin downconvert`",
            crate::CLIENT_SPEC,
            crate::REFERENCE_SPEC
        );
    }
}
