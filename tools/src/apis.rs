//! The integration point for dropshot-api-manager (`cargo openapi generate|check`).
//!
//! One lockstep document per API trait (`stub_api_description`, so the server is not compiled),
//! as `webui_api::API_DOCUMENTS` lists them: `spec/openapi/<ident>.json`. A resource's operations
//! whose literal path segments clash with another's variable have a trait (and document) of their
//! own, since dropshot's description is a router. The server serves them all
//! (`server::http::router`). The same directory holds the reference's document
//! (`reference.json`, written by `tools/spec-dump`), which the manager is told to skip.
//!
//! The validation hook compares the generated documents (merged) against the reference
//! ([`crate::conformance`]): an operation the reference lacks is an error, and the report is
//! recorded as the extra file `spec/CONFORMANCE.md`, so `generate` rewrites it and `check` (and
//! [`tests::test_apis_up_to_date`]) fail when it is stale.

use anyhow::Context;
use dropshot_api_manager::{Environment, ManagedApiConfig, ManagedApis};
use dropshot_api_manager_types::{ManagedApiMetadata, ValidationContext, Versions};
use openapiv3::OpenAPI;

/// The command that runs the manager, shown in its advice.
pub const COMMAND: &str = "cargo openapi";

/// Where the managed documents live, relative to the workspace root.
pub const OPENAPI_DIR: &str = "spec/openapi";

pub fn environment() -> anyhow::Result<Environment> {
    let root = crate::workspace_root();
    let root = root.to_str().context("workspace path is not UTF-8")?.to_owned();
    // Lockstep APIs ignore the "blessed" documents, but the manager still resolves a merge
    // base with the blessed branch; `HEAD` always exists (no remote needed, shallow clones work).
    Ok(Environment::new(COMMAND, root, OPENAPI_DIR)?.with_default_git_branch("HEAD"))
}

/// One lockstep document at the upstream version.
fn lockstep(doc: &webui_api::ApiDocument) -> anyhow::Result<ManagedApiConfig> {
    Ok(ManagedApiConfig {
        ident: doc.ident,
        versions: Versions::Lockstep { version: webui_api::UPSTREAM_VERSION.parse().context("UPSTREAM_VERSION is semver")? },
        title: doc.title,
        metadata: ManagedApiMetadata { description: Some(doc.description), ..Default::default() },
        api_description: doc.describe,
    })
}

pub fn all_apis() -> anyhow::Result<ManagedApis> {
    let configs = webui_api::API_DOCUMENTS.iter().map(lockstep).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(ManagedApis::new(configs)
        .context("creating ManagedApis")?
        // The reference's FastAPI document lives beside ours; it is not managed here.
        .with_unknown_apis(["reference"])
        .with_validation(validate))
}

/// The document a trait's stub description generates, as JSON.
fn generated(doc: &webui_api::ApiDocument) -> Result<serde_json::Value, String> {
    let api = (doc.describe)().map_err(|e| format!("{}: {e}", doc.ident))?;
    let version: semver::Version = webui_api::UPSTREAM_VERSION.parse().map_err(|e| format!("{e}"))?;
    api.openapi(doc.title, version).json().map_err(|e| e.to_string())
}

/// What every trait generates, merged ([`crate::merge_documents`]); `this` stands in for the
/// document of the trait named `ident` when given (the manager's view of it).
fn generated_merged(this: Option<(&str, &serde_json::Value)>) -> Result<serde_json::Value, String> {
    let mut out: Option<serde_json::Value> = None;
    for doc in webui_api::API_DOCUMENTS {
        let one = match this {
            Some((ident, v)) if ident == doc.ident => v.clone(),
            _ => generated(doc)?,
        };
        out = Some(match out {
            None => one,
            Some(acc) => crate::merge_documents(&acc, &one),
        });
    }
    out.ok_or_else(|| "no API documents".to_string())
}

/// What all traits generate, merged.
pub fn generated_ours() -> Result<serde_json::Value, String> {
    generated_merged(None)
}

/// Whether `ours` (the checked-in documents, merged) still describes the traits' operations and
/// schemas; a message saying what to run when it does not.
pub fn staleness(ours: &serde_json::Value) -> Option<String> {
    match generated_ours() {
        Err(e) => Some(format!("cannot build the API descriptions from the traits: {e}")),
        Ok(g) if g.get("paths") != ours.get("paths") || g.get("components") != ours.get("components") => Some(format!(
            "the documents under {OPENAPI_DIR} are stale relative to the API traits: run `cargo openapi generate`"
        )),
        Ok(_) => None,
    }
}

/// Runs the conformance comparison on the generated documents: for the first document of
/// `API_DOCUMENTS`, every trait's documents merged (what the server serves), recorded as
/// `spec/CONFORMANCE.md`; for the others, only their errors (an operation the reference lacks).
fn validate(openapi: &OpenAPI, mut cx: ValidationContext<'_>) {
    let this = match serde_json::to_value(openapi) {
        Ok(v) => v,
        Err(e) => return cx.report_error(anyhow::anyhow!("serialising the generated document: {e}")),
    };
    let reference = match crate::read_json(crate::REFERENCE_SPEC) {
        Ok(v) => v,
        Err(e) => {
            return cx.report_error(
                e.context("the reference's document is needed for the conformance check (tools/spec-dump writes it)"),
            )
        }
    };
    // Every document's errors are its own; the report covers all of them merged (what the
    // server serves) and is recorded once, by the first document.
    let ident = cx.ident().to_string();
    let main = webui_api::API_DOCUMENTS.first().is_some_and(|d| d.ident == ident);
    let ours = if main {
        match generated_merged(Some((&ident, &this))) {
            Ok(v) => v,
            Err(e) => return cx.report_error(anyhow::anyhow!("the other traits' documents: {e}")),
        }
    } else {
        this
    };
    let report = crate::conformance::compare(&reference, &ours);
    for e in &report.errors {
        cx.report_error(anyhow::anyhow!("{e}"));
    }
    if main {
        cx.record_file_contents(crate::CONFORMANCE_MD, report.to_markdown().into_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dropshot_api_manager::test_util::check_apis_up_to_date;
    use dropshot_api_manager::test_util::CheckResult;

    /// Fails when a `spec/openapi/<ident>.json` (or `spec/CONFORMANCE.md`) is not what its trait
    /// generates; `cargo openapi generate` fixes it.
    #[test]
    fn test_apis_up_to_date() -> anyhow::Result<()> {
        let env = environment()?;
        let apis = all_apis()?;
        let result = check_apis_up_to_date(&env, &apis)?;
        assert_eq!(result, CheckResult::Success, "OpenAPI documents are stale: run `cargo openapi generate`");
        Ok(())
    }
}
