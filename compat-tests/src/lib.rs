//! The compatibility harness: replays readable scenarios against the reference (Python
//! open-webui 0.12.4) and our server, compares the raw wire bytes after masking, and writes a
//! report. See `compat-tests/README.md`.
//!
//! Layout, in the order a run uses it:
//! - [`scenario`]: the scenario files (`compat-tests/scenarios/*.toml`).
//! - [`masks`]: the masking file (`compat-tests/masks.toml`) and the masking engine.
//! - [`wire`]: building a request from a step, reading a raw response.
//! - [`compare`]: one step's two responses → a [`compare::Verdict`].
//! - [`runner`]: a scenario against a pair of backends, with captures.
//! - [`stack`]: the processes of a run (PostgreSQL, the reference, our server, fake upstreams).
//! - [`fake_llm`]: the deterministic OpenAI/Ollama upstream.
//! - [`coverage`]: which reference operations a run exercised.
//! - [`report`]: markdown and JSON.
//! - [`selftest`]: proves the comparison hides nothing real and reports unserved steps.

pub mod compare;
pub mod coverage;
pub mod fake_llm;
pub mod masks;
/// The server crate's PostgreSQL child-process cluster, compiled in from its source file so that
/// the harness builds (and its self-test runs) even while the server crate does not compile.
#[path = "../../server/src/db/cluster.rs"]
#[allow(dead_code)]
pub mod pg;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod selftest;
pub mod stack;
pub mod wire;

use std::path::PathBuf;

/// The `compat-tests/` directory (scenarios, masks, fake upstream script).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    crate_dir().parent().expect("compat-tests sits in the repository").to_path_buf()
}
