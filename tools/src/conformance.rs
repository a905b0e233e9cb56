//! Which of the reference's operations we serve, and how our shapes differ from its shapes.
//!
//! Inputs: the reference's OpenAPI 3.1 document (FastAPI) and ours (3.0.3, dropshot). Routes
//! are matched on `(method, normalised path)` ([`crate::oas::norm_path`]: trailing slash and
//! path-variable names do not matter). For every served operation
//! the path parameters (by position), query and header parameters (by name; `authorization`
//! is auth, not compared), the request body and the success response are compared as
//! canonical shapes ([`crate::schema`]). A reference response without a schema (`{}`, FastAPI
//! without `response_model`) accepts any response of ours.
//!
//! Differences are reported, never fatal. Fatal ([`Report::errors`]): an operation we publish
//! that the reference lacks (unless [`crate::serves::extra_allowed`]).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde_json::Value;

use crate::oas::{self, is_var, operations, segments, Op};
use crate::schema::{canon, diff, summary, DiffOptions};
use crate::serves;

/// The result of comparing the two documents.
#[derive(Debug, Default)]
pub struct Report {
    /// Groups in name order.
    pub groups: Vec<GroupReport>,
    /// Served operations (counted methods only: GET, PUT, POST, DELETE, PATCH).
    pub served: usize,
    /// The reference's operation count (counted methods only).
    pub total: usize,
    /// Operations of ours the reference lacks (not allowed).
    pub errors: Vec<String>,
    /// Operations of ours the reference's document lacks, allowed, with the reason.
    pub allowed_extras: Vec<(String, &'static str)>,
    /// Reference operations we do not serve whose requests one of our variable routes would
    /// receive (the literal is missing, so the front door sends it to the variable route, as
    /// Starlette would): `(reference operation, our operation)`.
    pub captured: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct GroupReport {
    pub name: String,
    pub ops: Vec<OpReport>,
}

impl GroupReport {
    pub fn served(&self) -> usize {
        self.ops.iter().filter(|o| o.counted && o.ours.is_some()).count()
    }
    pub fn total(&self) -> usize {
        self.ops.iter().filter(|o| o.counted).count()
    }
    pub fn differing(&self) -> usize {
        self.ops.iter().filter(|o| o.counted && o.ours.is_some() && !o.diffs.is_empty()).count()
    }
}

#[derive(Debug)]
pub struct OpReport {
    /// Upper case.
    pub method: String,
    /// The reference's path, as in its document.
    pub path: String,
    pub reference_operation_id: String,
    /// GET/PUT/POST/DELETE/PATCH (HEAD and OPTIONS are listed but not counted).
    pub counted: bool,
    pub ours: Option<OurOp>,
    pub diffs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct OurOp {
    pub method: String,
    pub path: String,
    pub operation_id: String,
}

/// Compares `ours` (3.0.3) against `reference` (3.1).
pub fn compare(reference: &Value, ours: &Value) -> Report {
    let ref_ops = operations(reference);
    let our_ops = operations(ours);
    let mut report = Report::default();

    let ref_index: HashMap<(String, String), usize> = ref_ops.iter().enumerate().map(|(i, op)| (op.key(), i)).collect();
    let mut matched: Vec<Option<usize>> = vec![None; ref_ops.len()];

    // Direct matches, and extras.
    for (j, op) in our_ops.iter().enumerate() {
        match ref_index.get(&op.key()) {
            Some(&i) => matched[i] = Some(j),
            None => match serves::extra_allowed(&op.method, &op.path) {
                Some(reason) => report.allowed_extras.push((op.display(), reason)),
                None => report.errors.push(format!(
                    "{} (operationId {}) is not in the reference's document; only reference operations may be \
                     served (allow-list: tools/src/serves.rs)",
                    op.display(),
                    op.operation_id()
                )),
            },
        }
    }

    // Not served, but received by a variable route of ours.
    for (i, rop) in ref_ops.iter().enumerate() {
        if matched[i].is_some() {
            continue;
        }
        if let Some(o) = our_ops.iter().find(|o| o.method == rop.method && captures(&o.path, &rop.path)) {
            report.captured.push((rop.display(), o.display()));
        }
    }

    // Per-operation comparison, grouped.
    let mut groups: BTreeMap<String, Vec<OpReport>> = BTreeMap::new();
    for (i, rop) in ref_ops.iter().enumerate() {
        let (ours, diffs) = match matched[i] {
            Some(j) => {
                let oop = &our_ops[j];
                let diffs = compare_op(reference, rop, ours, oop);
                (
                    Some(OurOp {
                        method: oop.method.to_uppercase(),
                        path: oop.path.clone(),
                        operation_id: oop.operation_id().to_owned(),
                    }),
                    diffs,
                )
            }
            None => (None, Vec::new()),
        };
        groups.entry(rop.group()).or_default().push(OpReport {
            method: rop.method.to_uppercase(),
            path: rop.path.clone(),
            reference_operation_id: rop.operation_id().to_owned(),
            counted: rop.counted(),
            ours,
            diffs,
        });
    }
    report.groups = groups.into_iter().map(|(name, ops)| GroupReport { name, ops }).collect();
    report.served = report.groups.iter().map(GroupReport::served).sum();
    report.total = report.groups.iter().map(GroupReport::total).sum();
    report
}

/// Whether our router would send a request for `target` (a reference route template) to our
/// route `ours`: same number of segments, and equal wherever ours is literal. A reference
/// variable segment only goes to a variable segment of ours.
fn captures(ours: &str, target: &str) -> bool {
    let (a, b) = (segments(ours), segments(target));
    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| is_var(x) || (!is_var(y) && x == y))
}

fn path_item<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    doc.get("paths")?.get(path)
}

fn params_in<'a>(doc: &'a Value, op: &Op<'a>, loc: &str) -> Vec<&'a Value> {
    oas::parameters(doc, path_item(doc, &op.path), op.op)
        .into_iter()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some(loc))
        .collect()
}

fn param_name(p: &Value) -> String {
    p.get("name").and_then(Value::as_str).unwrap_or("").to_owned()
}

fn param_schema(doc: &Value, p: &Value) -> Value {
    p.get("schema").map(|s| canon(doc, s)).unwrap_or_else(|| Value::Object(Default::default()))
}

fn is_required(p: &Value) -> bool {
    p.get("required") == Some(&Value::Bool(true))
}

fn compare_op(rdoc: &Value, rop: &Op, odoc: &Value, oop: &Op) -> Vec<String> {
    let mut out = Vec::new();
    let top = DiffOptions { ignore_top_nullable: true };

    // Path parameters, by position (names do not matter).
    {
        let by_name = |doc: &Value, op: &Op| -> Vec<(String, Option<Value>)> {
            let params = params_in(doc, op, "path");
            segments(&op.path)
                .into_iter()
                .filter(|s| is_var(s))
                .map(|s| {
                    let name = oas::var_name(s).to_owned();
                    // FastAPI leaves out variables the handler does not take: nothing to compare.
                    let schema = params.iter().find(|p| param_name(p) == name).map(|p| param_schema(doc, p));
                    (name, schema)
                })
                .collect()
        };
        let (rp, op) = (by_name(rdoc, rop), by_name(odoc, oop));
        for (n, ((rn, rs), (on, os))) in rp.iter().zip(&op).enumerate() {
            let loc = if rn == on { format!("path {rn}") } else { format!("path #{} ({rn} / ours {on})", n + 1) };
            if let (Some(rs), Some(os)) = (rs, os) {
                out.extend(diff(rs, os, &loc, top));
            }
        }
    }

    // Query and header parameters, by name.
    for loc in ["query", "header"] {
        let norm = |n: String| if loc == "header" { n.to_ascii_lowercase() } else { n };
        let rparams: Vec<(String, &Value)> = params_in(rdoc, rop, loc)
            .into_iter()
            .map(|p| (norm(param_name(p)), p))
            .filter(|(n, _)| n != "authorization")
            .collect();
        let oparams: Vec<(String, &Value)> = params_in(odoc, oop, loc)
            .into_iter()
            .map(|p| (norm(param_name(p)), p))
            .filter(|(n, _)| n != "authorization")
            .collect();
        for (name, rp) in &rparams {
            match oparams.iter().find(|(n, _)| n == name) {
                None => out.push(format!(
                    "{loc} {name}: missing in ours ({}{})",
                    summary(&param_schema(rdoc, rp)),
                    if is_required(rp) { ", required" } else { "" }
                )),
                Some((_, op)) => {
                    match (is_required(rp), is_required(op)) {
                        (true, false) => out.push(format!("{loc} {name}: required in reference, optional in ours")),
                        (false, true) => out.push(format!("{loc} {name}: optional in reference, required in ours")),
                        _ => {}
                    }
                    out.extend(diff(&param_schema(rdoc, rp), &param_schema(odoc, op), &format!("{loc} {name}"), top));
                }
            }
        }
        {
            for (name, op) in &oparams {
                if !rparams.iter().any(|(n, _)| n == name) {
                    out.push(format!("{loc} {name}: extra in ours ({})", summary(&param_schema(odoc, op))));
                }
            }
        }
    }

    // Request body.
    let body = |doc: &Value, op: &Op| -> Option<(bool, Content)> {
        let b = oas::deref(doc, op.op.get("requestBody")?);
        let content = b.get("content")?.as_object()?;
        Some((
            b.get("required") == Some(&Value::Bool(true)),
            content.iter().map(|(ct, m)| (ct.clone(), m.get("schema").map(|s| canon(doc, s)))).collect(),
        ))
    };
    match (body(rdoc, rop), body(odoc, oop)) {
        (None, None) => {}
        (Some((_, rc)), None) => out.push(format!("body: reference takes {}, ours takes none", content_summary(&rc))),
        (None, Some((_, oc))) => out.push(format!("body: ours takes {}, the reference none", content_summary(&oc))),
        (Some((rreq, rc)), Some((oreq, oc))) => {
            let rct: Vec<&String> = rc.iter().map(|(c, _)| c).collect();
            let oct: Vec<&String> = oc.iter().map(|(c, _)| c).collect();
            if rct != oct {
                out.push(format!("body: content type reference {}, ours {}", join(&rct), join(&oct)));
            }
            if rreq != oreq {
                out.push(format!("body: required in reference {rreq}, ours {oreq}"));
            }
            for (ct, rs) in &rc {
                if ct.starts_with("multipart/") {
                    continue; // dropshot documents multipart bodies as binary only
                }
                if let (Some(rs), Some((_, Some(os)))) = (rs, oc.iter().find(|(c, _)| c == ct)) {
                    out.extend(diff(rs, os, "body", DiffOptions::default()));
                }
            }
        }
    }

    // Success response.
    let resp = |doc: &Value, op: &Op| -> Option<(String, Content)> {
        let (code, r) = oas::success_response(doc, op.op)?;
        let content = r
            .get("content")
            .and_then(Value::as_object)
            .map(|c| c.iter().map(|(ct, m)| (ct.clone(), m.get("schema").map(|s| canon(doc, s)))).collect())
            .unwrap_or_default();
        Some((code, content))
    };
    match (resp(rdoc, rop), resp(odoc, oop)) {
        (Some((rcode, rc)), Some((ocode, oc))) => {
            let rjson = rc.iter().find(|(c, _)| c == "application/json").and_then(|(_, s)| s.clone());
            let ojson = oc.iter().find(|(c, _)| c == "application/json").and_then(|(_, s)| s.clone());
            if ocode == "default"
                && oc
                    .iter()
                    .all(|(c, s)| c == "*/*" && s.as_ref().is_none_or(|s| s == &Value::Object(Default::default())))
            {
                // `Response<Body>`: dropshot documents nothing.
                if rjson.as_ref().is_some_and(|s| s != &Value::Object(Default::default())) {
                    out.push(format!(
                        "response: untyped in ours (Response<Body>), reference {}",
                        summary(rjson.as_ref().unwrap())
                    ));
                }
            } else {
                if rcode != ocode {
                    out.push(format!("response: status reference {rcode}, ours {ocode}"));
                }
                match (rjson, ojson) {
                    (Some(r), _) if r == Value::Object(Default::default()) => {}
                    (Some(r), Some(o)) => {
                        out.extend(diff(&r, &o, "response", DiffOptions::default()));
                    }
                    (Some(r), None) => out.push(format!(
                        "response: reference application/json {}, ours {}",
                        summary(&r),
                        content_summary(&oc)
                    )),
                    (None, Some(o)) => out.push(format!(
                        "response: reference {}, ours application/json {}",
                        content_summary(&rc),
                        summary(&o)
                    )),
                    (None, None) => {}
                }
            }
        }
        (Some((rcode, _)), None) => out.push(format!("response: reference {rcode}, ours has no success response")),
        _ => {}
    }
    out
}

/// Media types and their canonical schemas.
type Content = Vec<(String, Option<Value>)>;

fn join(v: &[&String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    }
}

fn content_summary(c: &[(String, Option<Value>)]) -> String {
    if c.is_empty() {
        return "no content".into();
    }
    c.iter()
        .map(|(ct, s)| match s {
            Some(s) => format!("{ct} {}", summary(s)),
            None => ct.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Report {
    /// The text printed on stdout: per group `served/total`, the differences of every served
    /// operation, errors; the last line is `served N/TOTAL`.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for g in &self.groups {
            let _ = writeln!(s, "{:<16} {:>3}/{:<3}", g.name, g.served(), g.total());
            for op in &g.ops {
                if op.ours.is_none() {
                    continue;
                }
                if op.diffs.is_empty() {
                    let _ = writeln!(s, "    {} {}: same", op.method, op.path);
                } else {
                    let _ = writeln!(s, "    {} {}: {} difference(s)", op.method, op.path, op.diffs.len());
                    for d in &op.diffs {
                        let _ = writeln!(s, "        {d}");
                    }
                }
            }
        }
        for (r, o) in &self.captured {
            let _ = writeln!(s, "note: {r} is not served; its requests reach our {o}");
        }
        for (op, why) in &self.allowed_extras {
            let _ = writeln!(s, "allowed extra: {op}: {why}");
        }
        for e in &self.errors {
            let _ = writeln!(s, "error: {e}");
        }
        let served_groups: Vec<String> = self
            .groups
            .iter()
            .filter(|g| g.served() > 0)
            .map(|g| format!("{} {}/{}", g.name, g.served(), g.total()))
            .collect();
        let _ = writeln!(
            s,
            "groups served: {}",
            if served_groups.is_empty() { "none".into() } else { served_groups.join(", ") }
        );
        let _ = writeln!(s, "served {}/{}", self.served, self.total);
        s
    }

    /// `spec/CONFORMANCE.md`.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# Conformance with the Open WebUI {} API\n", webui_api::UPSTREAM_VERSION);
        s.push_str(
            "<!-- Generated by `cargo run -p tools --bin conformance` (and by `cargo openapi generate`); do not edit. -->\n\n\
             Which operations of the reference's OpenAPI document (`spec/openapi/reference.json`, FastAPI, OpenAPI 3.1)\n\
             our API traits serve (`spec/openapi/<trait>.json`, dropshot, OpenAPI 3.0.3), and how the shapes differ.\n\n\
             How the documents are compared (details in `tools/src/conformance.rs`, `tools/src/schema.rs`):\n\n\
             - A route is its method and path; a trailing slash and path-variable names do not matter\n  \
               (`/api/v1/chats/` = `/api/v1/chats`, `{id}` = `{chat_id}`).\n\
             - Our operations are those of all our documents, one per API trait (a resource's literal routes beside a\n  \
               variable one, such as `/chats/all` beside `/chats/{id}`, are a trait of their own: dropshot documents them apart).\n\
             - Shapes are compared after resolving `$ref`s and dropping annotations (title, description, examples,\n  \
               defaults); `anyOf [X, null]` (3.1) = `nullable` (3.0); unions are sets; integer formats are ignored.\n  \
               Query parameters are compared by name, path parameters by position, the request body and the success\n  \
               response by shape. A reference response without a schema accepts anything.\n\
             - HEAD and OPTIONS operations are listed but not counted.\n\n",
        );
        let _ = writeln!(s, "**Served: {}/{}**\n", self.served, self.total);
        s.push_str("| Group | Served | Total | Served with differences |\n|---|---:|---:|---:|\n");
        for g in &self.groups {
            let _ = writeln!(
                s,
                "| [{}](#{}) | {} | {} | {} |",
                g.name,
                anchor(&g.name),
                g.served(),
                g.total(),
                g.differing()
            );
        }
        let _ = writeln!(
            s,
            "| **all** | **{}** | **{}** | **{}** |",
            self.served,
            self.total,
            self.groups.iter().map(GroupReport::differing).sum::<usize>()
        );
        if !self.errors.is_empty() {
            s.push_str("\n## Errors\n\n");
            for e in &self.errors {
                let _ = writeln!(s, "- {}", md(e));
            }
        }
        if !self.captured.is_empty() {
            s.push_str("\n## Captured by a variable route, not declared\n\n");
            s.push_str("These reference routes reach one of our variable routes (which then sees the literal as its\nvariable). Declare them in `tools/src/serves.rs` once the handler dispatches them.\n\n");
            for (r, o) in &self.captured {
                let _ = writeln!(s, "- `{r}` reaches `{o}`");
            }
        }
        if !self.allowed_extras.is_empty() {
            s.push_str("\n## Served outside the reference's document (allowed)\n\n");
            for (op, why) in &self.allowed_extras {
                let _ = writeln!(s, "- `{op}`: {why}");
            }
        }
        for g in &self.groups {
            let _ = writeln!(s, "\n## {}\n\n{}/{} served\n", g.name, g.served(), g.total());
            s.push_str("| Method | Reference path | Ours | Differences |\n|---|---|---|---|\n");
            for op in &g.ops {
                let method = if op.counted { op.method.clone() } else { format!("{} (not counted)", op.method) };
                let (ours, diffs) = match &op.ours {
                    None => (String::new(), String::new()),
                    Some(o) => {
                        let name = format!("`{}`", o.operation_id);
                        let d = if op.diffs.is_empty() {
                            "none".to_owned()
                        } else {
                            op.diffs.iter().map(|d| md(d)).collect::<Vec<_>>().join("<br>")
                        };
                        (name, d)
                    }
                };
                let _ = writeln!(s, "| {method} | `{}` | {ours} | {diffs} |", op.path);
            }
        }
        s
    }
}

fn anchor(name: &str) -> String {
    name.to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Escapes text for a markdown table cell.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('*', "\\*")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reference() -> Value {
        json!({"openapi": "3.1.0", "paths": {
            "/api/v1/chats/": {"get": {"tags": ["chats"], "operationId": "list", "parameters": [
                {"name": "page", "in": "query", "required": false, "schema": {"anyOf": [{"type": "integer"}, {"type": "null"}]}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}}}}},
            "/api/v1/chats/all": {"get": {"tags": ["chats"], "operationId": "all",
                "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}},
            "/api/v1/chats/{id}": {"get": {"tags": ["chats"], "operationId": "one", "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}},
            "/health": {"get": {"operationId": "health", "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}}
        }})
    }

    #[test]
    fn matching_normalises_slashes_and_names() {
        let ours = json!({"openapi": "3.0.3", "paths": {
            "/api/v1/chats": {"get": {"operationId": "chat_list", "parameters": [
                {"name": "page", "in": "query", "schema": {"type": "integer", "format": "int64"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}}}}},
            "/api/v1/chats/{chat_id}": {"get": {"operationId": "chat_view", "parameters": [
                {"name": "chat_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}},
            "/api/v1/nope": {"get": {"operationId": "nope", "responses": {}}},
            "/ws/socket.io/{path}": {"get": {"operationId": "sio", "responses": {}}}
        }});
        let r = compare(&reference(), &ours);
        assert_eq!((r.served, r.total), (2, 4));
        let chats = r.groups.iter().find(|g| g.name == "chats").unwrap();
        assert!(chats.ops.iter().all(|o| o.diffs.is_empty()), "{chats:?}");
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert!(r.errors[0].contains("/api/v1/nope"));
        assert_eq!(r.allowed_extras.len(), 1);
        assert_eq!(r.captured, vec![("GET /api/v1/chats/all".to_owned(), "GET /api/v1/chats/{chat_id}".to_owned())]);
        assert!(r.to_text().ends_with("served 2/4\n"));

        // Served apart (our literal document): `/chats/all` is its own operation.
        let mut both = ours.clone();
        both["paths"]["/api/v1/chats/all"] = json!({"get": {"operationId": "chat_all",
            "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}});
        let r = compare(&reference(), &both);
        assert_eq!((r.served, r.total), (3, 4));
        assert!(r.captured.is_empty());
    }
}

#[cfg(test)]
mod self_check {
    /// The down-converted reference (3.0.3) compared with the reference (3.1) must show no
    /// differences at all: this exercises the 3.1-vs-3.0 normalisation on all 607 operations.
    #[test]
    fn downconverted_reference_conforms() {
        let reference = crate::read_json(crate::REFERENCE_SPEC).expect("reference document");
        let converted = crate::downconvert::downconvert(&reference);
        let report = super::compare(&reference, &converted);
        let set_aside = converted["x-set-aside"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| crate::oas::COUNTED_METHODS.contains(&e["method"].as_str().unwrap().to_lowercase().as_str()))
            .count();
        let diffs: Vec<String> = report
            .groups
            .iter()
            .flat_map(|g| g.ops.iter())
            .flat_map(|o| o.diffs.iter().map(move |d| format!("{} {}: {d}", o.method, o.path)))
            .collect();
        assert!(diffs.is_empty(), "{}", diffs.join("\n"));
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.served + set_aside, report.total);
    }
}
