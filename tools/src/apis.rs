//! The integration point for dropshot-api-manager (`cargo openapi generate|check`).
//!
//! Two lockstep documents, one per API trait (`stub_api_description`, so the server is not
//! compiled): `spec/openapi/webui.json` from `WebuiApi`, and `webui-literal.json` from
//! `WebuiLiteralApi`, the operations whose literal path segments clash with another's variable
//! (dropshot's description is a router, so they cannot share one). The server serves both
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

/// A description function of a trait (`stub_api_description`).
type Describe = fn() -> Result<dropshot::ApiDescription<dropshot::StubContext>, dropshot::ApiDescriptionBuildErrors>;

/// The title of each managed document (also what [`generated`] renders).
const MAIN_TITLE: &str = "Open WebUI";
const LITERAL_TITLE: &str = "Open WebUI (literal routes)";

/// One lockstep document at the upstream version.
fn lockstep(ident: &'static str, title: &'static str, description: &'static str, api_description: Describe) -> anyhow::Result<ManagedApiConfig> {
    Ok(ManagedApiConfig {
        ident,
        versions: Versions::Lockstep { version: webui_api::UPSTREAM_VERSION.parse().context("UPSTREAM_VERSION is semver")? },
        title,
        metadata: ManagedApiMetadata { description: Some(description), ..Default::default() },
        api_description,
    })
}

pub fn all_apis() -> anyhow::Result<ManagedApis> {
    let webui = lockstep(
        "webui",
        MAIN_TITLE,
        "The Open WebUI HTTP API, served by the Rust backend (drop-in for the Python backend).",
        webui_api::webui_api_mod::stub_api_description,
    )?;
    let literal = lockstep(
        "webui-literal",
        LITERAL_TITLE,
        "The operations of the Open WebUI HTTP API with a literal path segment where another has a variable \
         (served beside webui.json; dropshot documents them apart).",
        webui_api::webui_literal_api_mod::stub_api_description,
    )?;
    Ok(ManagedApis::new(vec![webui, literal])
        .context("creating ManagedApis")?
        // The reference's FastAPI document lives beside ours; it is not managed here.
        .with_unknown_apis(["reference"])
        .with_validation(validate))
}

/// The document a trait's stub description generates, as JSON.
fn generated(describe: Describe, title: &str) -> Result<serde_json::Value, String> {
    let api = describe().map_err(|e| e.to_string())?;
    let version: semver::Version = webui_api::UPSTREAM_VERSION.parse().map_err(|e| format!("{e}"))?;
    api.openapi(title, version).json().map_err(|e| e.to_string())
}

/// What both traits generate, merged ([`crate::merge_documents`]).
pub fn generated_ours() -> Result<serde_json::Value, String> {
    Ok(crate::merge_documents(
        &generated(webui_api::webui_api_mod::stub_api_description, MAIN_TITLE)?,
        &generated(webui_api::webui_literal_api_mod::stub_api_description, LITERAL_TITLE)?,
    ))
}

/// Whether `ours` (the checked-in documents, merged) still describes the traits' operations and
/// schemas; a message saying what to run when it does not.
pub fn staleness(ours: &serde_json::Value) -> Option<String> {
    match generated_ours() {
        Err(e) => Some(format!("cannot build the API descriptions from the traits: {e}")),
        Ok(g) if g.get("paths") != ours.get("paths") || g.get("components") != ours.get("components") => Some(format!(
            "{} or {} is stale relative to the API traits: run `cargo openapi generate`",
            crate::WEBUI_SPEC,
            crate::WEBUI_LITERAL_SPEC
        )),
        Ok(_) => None,
    }
}

/// Runs the conformance comparison on the generated documents: for `webui`, both traits'
/// documents merged (what the server serves), recorded as `spec/CONFORMANCE.md`; for
/// `webui-literal`, only its errors (an operation the reference lacks).
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
    let main = cx.ident().to_string() == "webui";
    let ours = if main {
        match generated(webui_api::webui_literal_api_mod::stub_api_description, LITERAL_TITLE) {
            Ok(literal) => crate::merge_documents(&this, &literal),
            Err(e) => return cx.report_error(anyhow::anyhow!("the literal routes' document: {e}")),
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

    /// Fails when `spec/openapi/webui.json` (or `spec/CONFORMANCE.md`) is not what the trait
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
