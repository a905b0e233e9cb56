//! `cargo run -p tools --bin downconvert [-- --check]`: converts the reference's OpenAPI 3.1
//! document (`spec/openapi/reference.json`) into the OpenAPI 3.0.3 document the
//! `openwebui-client` crate is generated from (`client/openapi/reference-3.0.json`). See
//! `tools::downconvert` for what changes. `--check` only reports whether the file is current
//! (exit 1 if stale).

use std::process::ExitCode;

fn main() -> anyhow::Result<ExitCode> {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let reference = tools::read_json(tools::REFERENCE_SPEC)?;
    let converted = tools::downconvert::downconvert(&reference);
    let text = tools::to_pretty_json(&converted);
    let set_aside = converted["x-set-aside"].as_array().map(Vec::len).unwrap_or(0);
    let ops = tools::oas::operations(&converted).len();
    if check {
        let current = std::fs::read(tools::workspace_root().join(tools::CLIENT_SPEC)).unwrap_or_default();
        if current != text.as_bytes() {
            eprintln!("{} is stale: run `cargo run -p tools --bin downconvert`", tools::CLIENT_SPEC);
            return Ok(ExitCode::FAILURE);
        }
        eprintln!("{} is up to date", tools::CLIENT_SPEC);
        return Ok(ExitCode::SUCCESS);
    }
    let changed = tools::write_if_changed(tools::CLIENT_SPEC, text.as_bytes())?;
    eprintln!(
        "{} {}: {ops} operations, {set_aside} set aside (x-set-aside)",
        if changed { "wrote" } else { "unchanged" },
        tools::CLIENT_SPEC
    );
    for entry in converted["x-set-aside"].as_array().into_iter().flatten() {
        eprintln!(
            "  set aside: {} {} ({}): {}",
            entry["method"].as_str().unwrap_or(""),
            entry["path"].as_str().unwrap_or(""),
            entry["operationId"].as_str().unwrap_or(""),
            entry["reason"].as_str().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}
