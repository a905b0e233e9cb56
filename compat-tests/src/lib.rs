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

/// The `compat-tests/` directory (scenarios, masks, fake upstream script): `$COMPAT_TESTS_DIR`, else
/// the one of the checkout the current directory is in, else the one this binary was built from
/// (a target directory shared between checkouts may hold another checkout's binary).
pub fn crate_dir() -> PathBuf {
    if let Ok(d) = std::env::var("COMPAT_TESTS_DIR") {
        return PathBuf::from(d);
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            for cand in [dir.to_path_buf(), dir.join("compat-tests")] {
                if cand.join("masks.toml").is_file() && cand.join("scenarios").is_dir() && cand.join("Cargo.toml").is_file() {
                    return cand;
                }
            }
        }
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    crate_dir().parent().expect("compat-tests sits in the repository").to_path_buf()
}
