//! Walking OpenAPI documents as plain JSON (3.0.3 and 3.1 alike).

use serde_json::Value;

/// The methods whose operations count towards the reference's 607.
pub const COUNTED_METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];
/// Every method key a path item may have.
pub const ALL_METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// One operation of a document.
#[derive(Clone, Debug)]
pub struct Op<'a> {
    /// Lower case, as in the document.
    pub method: String,
    /// The path template exactly as in the document.
    pub path: String,
    pub op: &'a Value,
}

impl Op<'_> {
    /// `(method, normalised path)`: the identity of a route (see [`norm_path`]).
    pub fn key(&self) -> (String, String) {
        (self.method.clone(), norm_path(&self.path))
    }

    pub fn operation_id(&self) -> &str {
        self.op.get("operationId").and_then(Value::as_str).unwrap_or("")
    }

    /// `GET /api/v1/chats/`
    pub fn display(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// The first tag, if any.
    pub fn tag(&self) -> Option<&str> {
        self.op.get("tags")?.as_array()?.first()?.as_str()
    }

    /// The reference's tag where it has one, else the group derived from the path.
    pub fn group(&self) -> String {
        self.tag().map(str::to_owned).unwrap_or_else(|| path_group(&self.path))
    }

    /// Whether the operation counts towards the 607 (not HEAD/OPTIONS).
    pub fn counted(&self) -> bool {
        COUNTED_METHODS.contains(&self.method.as_str())
    }
}

/// All operations of `doc`, in document order.
pub fn operations(doc: &Value) -> Vec<Op<'_>> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else { continue };
            for (method, op) in item {
                if ALL_METHODS.contains(&method.as_str()) {
                    out.push(Op { method: method.clone(), path: path.clone(), op });
                }
            }
        }
    }
    out
}

/// Normalises a path template so that routes FastAPI and dropshot treat alike compare equal:
/// the trailing slash goes (`/api/v1/chats/` = `/api/v1/chats`), and every variable segment
/// becomes `{}` whatever its name (`{id}` = `{chat_id}`, `{path:path}` = `{path}`).
pub fn norm_path(path: &str) -> String {
    let segs: Vec<&str> = segments(path).into_iter().map(|s| if is_var(s) { "{}" } else { s }).collect();
    format!("/{}", segs.join("/"))
}

/// The non-empty segments of a path.
pub fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Whether a path segment is a variable (`{id}`, `{path:path}`).
pub fn is_var(seg: &str) -> bool {
    seg.starts_with('{') && seg.ends_with('}')
}

/// The name of a variable segment (`{path:path}` gives `path`).
pub fn var_name(seg: &str) -> &str {
    let inner = &seg[1..seg.len() - 1];
    inner.split(':').next().unwrap_or(inner)
}

/// The group of an operation without tags: the first segment after `/api/v1/`, after `/api/`,
/// or the top segment (`/api/v1/models` gives `models`, `/api/version` `version`, `/health`
/// `health`, `/` `root`).
pub fn path_group(path: &str) -> String {
    let segs = segments(path);
    let rest: &[&str] = match segs.as_slice() {
        ["api", "v1", rest @ ..] if !rest.is_empty() => rest,
        ["api", rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    match rest.first() {
        Some(s) if is_var(s) => var_name(s).to_owned(),
        Some(s) => s.to_string(),
        None => "root".to_owned(),
    }
}

/// Resolves a local `$ref` (`#/components/schemas/X`) against `doc`.
pub fn resolve_ref<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// Follows `$ref`s on a non-schema object (parameter, request body, response) until a concrete
/// object is reached.
pub fn deref<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match resolve_ref(doc, r) {
                Some(t) => v = t,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

/// The parameters of an operation (path-item level parameters included), dereferenced.
pub fn parameters<'a>(doc: &'a Value, path_item: Option<&'a Value>, op: &'a Value) -> Vec<&'a Value> {
    let mut out: Vec<&Value> = Vec::new();
    let op_params = op.get("parameters").and_then(Value::as_array).into_iter().flatten().map(|p| deref(doc, p));
    out.extend(op_params);
    if let Some(item_params) = path_item.and_then(|i| i.get("parameters")).and_then(Value::as_array) {
        for p in item_params.iter().map(|p| deref(doc, p)) {
            let name = p.get("name");
            let loc = p.get("in");
            if !out.iter().any(|q| q.get("name") == name && q.get("in") == loc) {
                out.push(p);
            }
        }
    }
    out
}

/// The success response of an operation: the lowest 2xx code, else `default`.
pub fn success_response<'a>(doc: &'a Value, op: &'a Value) -> Option<(String, &'a Value)> {
    let responses = op.get("responses")?.as_object()?;
    let mut codes: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    codes.sort();
    let code = codes.first().copied().or_else(|| responses.keys().find(|c| c.as_str() == "default"))?;
    Some((code.clone(), deref(doc, &responses[code])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_path_rules() {
        assert_eq!(norm_path("/api/v1/chats/"), "/api/v1/chats");
        assert_eq!(norm_path("/api/v1/chats/{id}"), "/api/v1/chats/{}");
        assert_eq!(norm_path("/api/v1/chats/{chat_id}"), "/api/v1/chats/{}");
        assert_eq!(norm_path("/openai/{path:path}"), "/openai/{}");
        assert_eq!(norm_path("/"), "/");
    }

    #[test]
    fn path_groups() {
        assert_eq!(path_group("/api/v1/models"), "models");
        assert_eq!(path_group("/api/v1/chats/{id}"), "chats");
        assert_eq!(path_group("/api/version"), "version");
        assert_eq!(path_group("/api/chat/completions"), "chat");
        assert_eq!(path_group("/health/db"), "health");
        assert_eq!(path_group("/oauth/{provider}/login"), "oauth");
        assert_eq!(path_group("/"), "root");
    }
}
