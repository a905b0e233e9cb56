//! Operation coverage: which operations of the reference's OpenAPI document
//! (`spec/openapi/reference.json`) the scenarios exercised.
//!
//! A request matches a path template segment by segment (`{x}` is one segment; a trailing
//! `{path}`, FastAPI's `{path:path}`, takes the rest); among matches the template with the most
//! literal segments wins, as the reference registers literal routes before their variable siblings.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

/// The methods counted as the reference's operations (607 in 0.12.4 with SCIM); HEAD and
/// OPTIONS operations (5) are tracked apart.
pub const PRIMARY_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub operation_id: String,
    pub tag: String,
}

impl Operation {
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
    pub fn primary(&self) -> bool {
        PRIMARY_METHODS.contains(&self.method.as_str())
    }
}

#[derive(Debug, Clone)]
enum Seg {
    Lit(String),
    Var,
    Rest,
}

pub struct Coverage {
    pub ops: Vec<Operation>,
    segs: Vec<Vec<Seg>>,
}

impl Coverage {
    pub fn load(path: &Path) -> Result<Coverage> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let doc: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        Coverage::from_doc(&doc)
    }

    pub fn from_doc(doc: &serde_json::Value) -> Result<Coverage> {
        let paths = doc.get("paths").and_then(|p| p.as_object()).context("the document has no paths")?;
        let mut ops = Vec::new();
        let mut segs = Vec::new();
        for (path, item) in paths {
            let Some(item) = item.as_object() else { continue };
            for (method, op) in item {
                let m = method.to_ascii_uppercase();
                if !matches!(m.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") {
                    continue;
                }
                let tag = op.get("tags").and_then(|t| t.get(0)).and_then(|t| t.as_str()).unwrap_or("(untagged)").to_string();
                let operation_id = op.get("operationId").and_then(|t| t.as_str()).unwrap_or("").to_string();
                ops.push(Operation { method: m, path: path.clone(), operation_id, tag });
                segs.push(parse_template(path));
            }
        }
        Ok(Coverage { ops, segs })
    }

    /// The operation a request reaches on the reference, if any.
    pub fn find(&self, method: &str, path: &str) -> Option<usize> {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let req: Vec<&str> = path.split('/').skip(1).collect();
        let mut best: Option<(usize, usize)> = None;
        for (i, (op, segs)) in self.ops.iter().zip(self.segs.iter()).enumerate() {
            if op.method != method {
                continue;
            }
            if let Some(lits) = matches(segs, &req) {
                if best.is_none_or(|(_, l)| lits > l) {
                    best = Some((i, lits));
                }
            }
        }
        best.map(|(i, _)| i)
    }

    pub fn primary_total(&self) -> usize {
        self.ops.iter().filter(|o| o.primary()).count()
    }
}

fn parse_template(path: &str) -> Vec<Seg> {
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            if p.starts_with('{') && p.ends_with('}') {
                if i + 1 == n && (p == "{path}" || p.ends_with(":path}")) {
                    Seg::Rest
                } else {
                    Seg::Var
                }
            } else {
                Seg::Lit(p.to_string())
            }
        })
        .collect()
}

/// Number of literal segments when `segs` matches `req`.
fn matches(segs: &[Seg], req: &[&str]) -> Option<usize> {
    let mut lits = 0;
    for (i, s) in segs.iter().enumerate() {
        match s {
            Seg::Rest => return (req.len() > i).then_some(lits),
            Seg::Var => {
                if req.get(i).is_none_or(|r| r.is_empty()) {
                    return None;
                }
            }
            Seg::Lit(l) => {
                if req.get(i) != Some(&l.as_str()) {
                    return None;
                }
                lits += 1;
            }
        }
    }
    (segs.len() == req.len()).then_some(lits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_prefers_literals_and_respects_slashes() {
        let doc = serde_json::json!({"paths": {
            "/api/v1/chats/{id}": {"get": {"tags": ["chats"]}, "delete": {}},
            "/api/v1/chats/all": {"get": {"tags": ["chats"]}},
            "/api/v1/chats/": {"get": {"tags": ["chats"]}},
            "/openai/{path}": {"post": {}},
            "/health": {"get": {}},
        }});
        let c = Coverage::from_doc(&doc).unwrap();
        let k = |m: &str, p: &str| c.find(m, p).map(|i| c.ops[i].key());
        assert_eq!(k("GET", "/api/v1/chats/all").as_deref(), Some("GET /api/v1/chats/all"));
        assert_eq!(k("GET", "/api/v1/chats/abc").as_deref(), Some("GET /api/v1/chats/{id}"));
        assert_eq!(k("DELETE", "/api/v1/chats/all").as_deref(), Some("DELETE /api/v1/chats/{id}"));
        assert_eq!(k("GET", "/api/v1/chats/").as_deref(), Some("GET /api/v1/chats/"));
        assert_eq!(k("GET", "/api/v1/chats"), None);
        assert_eq!(k("POST", "/openai/chat/completions").as_deref(), Some("POST /openai/{path}"));
        assert_eq!(k("GET", "/health?x=1").as_deref(), Some("GET /health"));
        assert_eq!(k("GET", "/health/"), None);
        assert_eq!(k("POST", "/health"), None);
    }

    #[test]
    fn the_reference_document_has_607_operations() {
        let p = crate::repo_root().join("spec/openapi/reference.json");
        if !p.exists() {
            return;
        }
        let c = Coverage::load(&p).unwrap();
        assert_eq!(c.primary_total(), 607);
    }
}
