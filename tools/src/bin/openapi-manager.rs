//! `cargo openapi generate|check|list|debug`: keeps `spec/openapi/<ident>.json` (and
//! `spec/CONFORMANCE.md`) in step with the API traits (`webui_api::API_DOCUMENTS`). See `tools::apis`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> anyhow::Result<ExitCode> {
    let app = dropshot_api_manager::App::parse();
    let env = tools::apis::environment()?;
    let apis = tools::apis::all_apis()?;
    Ok(app.exec(&env, &apis))
}
