//! Developer tools for the Open WebUI Rust backend.
//!
//! Three binaries share this library:
//!
//! - `openapi-manager` (`cargo openapi generate|check`): dropshot-api-manager in lockstep mode
//!   over the API traits (`webui_api::API_DOCUMENTS`); writes `spec/openapi/<ident>.json` and,
//!   through the manager's validation hook, `spec/CONFORMANCE.md`. See [`apis`].
//! - `conformance`: diffs our documents (merged, [`read_ours`]) against the reference's
//!   `spec/openapi/reference.json` and writes `spec/CONFORMANCE.md`. See [`conformance`].
//! - `downconvert`: turns the reference's OpenAPI 3.1 document into the 3.0.3 document the
//!   `openwebui-client` crate is generated from (`client/openapi/reference-3.0.json`). See
//!   [`downconvert`].

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;

pub mod apis;
pub mod conformance;
pub mod downconvert;
pub mod oas;
pub mod schema;
pub mod serves;

/// The reference's OpenAPI 3.1 document, relative to the workspace root.
pub const REFERENCE_SPEC: &str = "spec/openapi/reference.json";
/// Where our documents live (one per API trait, `<ident>.json`), relative to the workspace root.
pub const OPENAPI_DIR: &str = apis::OPENAPI_DIR;
/// The conformance report, relative to the workspace root.
pub const CONFORMANCE_MD: &str = "spec/CONFORMANCE.md";
/// The down-converted reference document the client is generated from.
pub const CLIENT_SPEC: &str = "client/openapi/reference-3.0.json";

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tools/ has a parent").to_path_buf()
}

/// Reads a JSON document; `path` is relative to the workspace root unless absolute.
pub fn read_json(path: impl AsRef<Path>) -> anyhow::Result<Value> {
    let path = workspace_root().join(path);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}

/// Our two documents as one: the paths (and each path's methods) and the component schemas of
/// both. A schema both define keeps the first document's (they come from the same Rust type).
pub fn merge_documents(main: &Value, literal: &Value) -> Value {
    let mut out = main.clone();
    for section in [&["paths"][..], &["components", "schemas"][..]] {
        let Some(src) = section.iter().try_fold(literal, |v, k| v.get(*k)).and_then(Value::as_object) else { continue };
        let mut dst = &mut out;
        for k in section {
            if dst.get(*k).is_none() {
                dst[*k] = Value::Object(Default::default());
            }
            dst = &mut dst[*k];
        }
        let dst = dst.as_object_mut().expect("an object");
        for (key, value) in src {
            match (dst.get_mut(key), value) {
                (Some(Value::Object(have)), Value::Object(add)) if section[0] == "paths" => {
                    for (m, op) in add {
                        have.entry(m.clone()).or_insert_with(|| op.clone());
                    }
                }
                (Some(_), _) => {}
                (None, v) => {
                    dst.insert(key.clone(), v.clone());
                }
            }
        }
    }
    out
}

/// Our served document: every trait's document (`webui_api::API_DOCUMENTS`) merged.
pub fn read_ours() -> anyhow::Result<Value> {
    let mut out: Option<Value> = None;
    for doc in webui_api::API_DOCUMENTS {
        let one = read_json(format!("{OPENAPI_DIR}/{}.json", doc.ident))?;
        out = Some(match out {
            None => one,
            Some(acc) => merge_documents(&acc, &one),
        });
    }
    out.context("no API documents")
}

/// Serialises like the checked-in documents: two-space indent, key order kept, trailing newline.
pub fn to_pretty_json(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("a Value always serialises");
    s.push('\n');
    s
}

/// Writes `contents` to `path` (relative to the workspace root) unless it already holds exactly
/// that; returns whether the file changed.
pub fn write_if_changed(path: impl AsRef<Path>, contents: &[u8]) -> anyhow::Result<bool> {
    let path = workspace_root().join(path);
    if std::fs::read(&path).ok().as_deref() == Some(contents) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(true)
}
