//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;

pub use server::testing::{repo_root, TestDb, TestServer, TEST_SECRET};

/// GET `url`, returning status, content-type and body bytes.
pub async fn get(url: &str) -> (u16, String, Vec<u8>) {
    let resp = reqwest::get(url).await.expect("request");
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, ct, resp.bytes().await.expect("body").to_vec())
}

/// The system's PostgreSQL tools directory (pg_dump).
pub fn pg_bindir() -> PathBuf {
    server::db::cluster::find_bindir().expect("PostgreSQL binaries")
}

/// `pg_dump --schema-only` of `db`, normalised by `tools/normalize-schema`, without what the
/// reference does not have: refinery's history table and our own schema `owui_rs`.
pub fn schema_dump(db: &TestDb) -> String {
    let out = Command::new(pg_bindir().join("pg_dump"))
        .args(["--schema-only", "--no-owner", "--no-privileges", "--exclude-table=refinery_schema_history", "--exclude-schema=owui_rs"])
        .arg(format!("--dbname={}", db.conninfo))
        .output()
        .expect("run pg_dump");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    normalize(&out.stdout)
}

/// `pg_dump` of schema and data (for "left intact" checks), without our own schema `owui_rs`
/// (which the server adds beside the reference's).
pub fn full_dump(db: &TestDb) -> String {
    let out = Command::new(pg_bindir().join("pg_dump"))
        .args(["--no-owner", "--no-privileges", "--exclude-schema=owui_rs"])
        .arg(format!("--dbname={}", db.conninfo))
        .output()
        .expect("run pg_dump");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    normalize(&out.stdout)
}

fn normalize(dump: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new(repo_root().join("tools/normalize-schema"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run tools/normalize-schema");
    child.stdin.take().unwrap().write_all(dump).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The Python reference, run by `tools/reference` on a given database.
pub struct Reference {
    pub url: String,
    pub dir: tempfile::TempDir,
}

/// The reference and this server on one fresh database, for tests that compare the two or cross
/// between them; `None` where the reference is not installed (outside CI; see [`Reference::available`]).
///
/// These tests write on the reference and read on ours at once; ours sees the reference's writes to
/// session rows (a user's settings, role, stamp) within `OWUI_SESSION_CACHE_MS`, so its session
/// cache is off here ([`shared_backends_with`] keeps it: `signout.rs` tests that lifetime).
pub async fn shared_backends() -> Option<(Reference, TestServer)> {
    shared_backends_with(&[("OWUI_SESSION_CACHE_MS", "0")]).await
}

/// [`shared_backends`] with our server's environment.
pub async fn shared_backends_with(env: &[(&str, &str)]) -> Option<(Reference, TestServer)> {
    if !Reference::available() {
        return None;
    }
    let db = TestDb::new().await;
    let reference = Reference::start(&db.url());
    let server = TestServer::start_on(db, env).await.expect("start on the shared database");
    Some((reference, server))
}

impl Reference {
    /// `None` (with a notice) when the reference venv is not installed and we are not in CI;
    /// in CI a missing reference is a failure.
    pub fn available() -> bool {
        let venv = std::env::var("OWUI_REFERENCE_VENV").map(PathBuf::from).unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/owui-rs/reference-venv-0.12.4")
        });
        let ok = venv.join("bin/open-webui").exists();
        if !ok {
            assert!(std::env::var("CI").is_err(), "CI must run the reference: run `tools/reference ensure`");
            eprintln!("notice: the reference venv is not installed (tools/reference ensure); skipping");
        }
        ok
    }

    pub fn start(database_url: &str) -> Reference {
        Self::start_with(database_url, &[])
    }

    /// `start` with extra environment variables (`--env K=V`).
    pub fn start_with(database_url: &str, env: &[(&str, &str)]) -> Reference {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(repo_root().join("tools/reference"));
        cmd.args(["start", "--data-dir"]).arg(dir.path()).args(["--database-url", database_url, "--secret", TEST_SECRET]);
        for (k, v) in env {
            cmd.arg("--env").arg(format!("{k}={v}"));
        }
        let out = cmd.output().expect("run tools/reference");
        assert!(
            out.status.success(),
            "reference did not start: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            log_tail(dir.path())
        );
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Reference { url, dir }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("reference.log")).unwrap_or_default()
    }

    pub fn stop(&self) {
        let _ = Command::new(repo_root().join("tools/reference")).args(["stop", "--data-dir"]).arg(self.dir.path()).status();
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        self.stop();
    }
}

fn log_tail(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.join("reference.log")).unwrap_or_default();
    log.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
}
