//! `cargo run -p tools --bin conformance`: compares our documents (`spec/openapi/<ident>.json`
//! of every trait, merged) with the
//! reference's `spec/openapi/reference.json`, prints per group `served/total` and the
//! differences of every served operation, writes `spec/CONFORMANCE.md`, and ends with
//! `served N/607`. Exit 1 only for errors (an operation the reference lacks); shape differences are reported, not fatal.

use std::process::ExitCode;

fn main() -> anyhow::Result<ExitCode> {
    let reference = tools::read_json(tools::REFERENCE_SPEC)?;
    let ours = tools::read_ours()?;
    if let Some(warning) = tools::apis::staleness(&ours) {
        eprintln!("warning: {warning}");
    }
    let report = tools::conformance::compare(&reference, &ours);
    if tools::write_if_changed(tools::CONFORMANCE_MD, report.to_markdown().as_bytes())? {
        eprintln!("wrote {}", tools::CONFORMANCE_MD);
    }
    print!("{}", report.to_text());
    Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
