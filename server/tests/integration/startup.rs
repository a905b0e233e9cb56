//! Bad start-up conditions: one clear line and a non-zero exit, never a panic; a database at
//! another Alembic revision is refused and left unchanged.

use std::process::{Command, Output};

use crate::common::*;

/// Runs the server binary with `env` (nothing inherited that could configure it) and waits.
fn run_server(env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("HOME", std::env::var("HOME").unwrap_or_default());
    // No web UI download from a test.
    cmd.env("OFFLINE_MODE", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    // Every case here must fail fast; a hang is a failure too.
    wait_timeout(child, 60)
}

fn wait_timeout(mut child: std::process::Child, secs: u64) -> Output {
    for _ in 0..secs * 10 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    panic!("server did not exit within {secs} s: {:?}", child.wait_with_output().unwrap());
}

fn assert_one_clear_line(out: &Output, needle: &str) {
    assert!(!out.status.success(), "expected a failure exit");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic trace: {stderr}");
    let line = stderr.lines().rev().find(|l| l.starts_with("error: ")).unwrap_or_else(|| panic!("no error line: {stderr}"));
    assert!(line.contains(needle), "{line:?} lacks {needle:?}");
}

#[test]
fn unreachable_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_server(&[
        ("DATA_DIR", dir.path().to_str().unwrap()),
        ("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nothing"),
        ("WEBUI_SECRET_KEY", "k"),
    ]);
    assert_one_clear_line(&out, "cannot connect to the database");
}

#[test]
fn invalid_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_server(&[("DATA_DIR", dir.path().to_str().unwrap()), ("DATABASE_URL", "postgresql://[::1"), ("WEBUI_SECRET_KEY", "k")]);
    assert_one_clear_line(&out, "DATABASE_URL");
}

#[test]
fn missing_postgres_binaries_name_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_server(&[("DATA_DIR", dir.path().to_str().unwrap()), ("PG_BINDIR", "/nonexistent"), ("WEBUI_SECRET_KEY", "k")]);
    assert_one_clear_line(&out, "install the `postgresql` package");
}

#[test]
fn data_dir_not_writable() {
    let dir = tempfile::tempdir().unwrap();
    // Root may write anywhere: a path below a regular file is unwritable for everyone.
    let file = dir.path().join("file");
    std::fs::write(&file, b"").unwrap();
    let out = run_server(&[("DATA_DIR", file.join("data").to_str().unwrap()), ("WEBUI_SECRET_KEY", "k")]);
    assert_one_clear_line(&out, "DATA_DIR");
}

#[tokio::test]
async fn port_in_use() {
    let db = TestDb::new().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let conninfo = db.conninfo.clone();
    let out = tokio::task::spawn_blocking(move || {
        run_server(&[
            ("DATA_DIR", dir.path().to_str().unwrap()),
            ("DATABASE_URL", &conninfo),
            ("HOST", "127.0.0.1"),
            ("PORT", &port),
            ("WEBUI_SECRET_KEY", "k"),
        ])
    })
    .await
    .unwrap();
    assert_one_clear_line(&out, "cannot listen on 127.0.0.1:");
}

#[tokio::test]
async fn other_alembic_revision_is_refused_and_unchanged() {
    let db = TestDb::new().await;
    let client = db.client().await;
    client.batch_execute("DROP TABLE refinery_schema_history; UPDATE alembic_version SET version_num = 'a1b2c3d4e5f6'").await.unwrap();
    let err = TestServer::start_on(db, &[]).await.err().expect("must refuse");
    let msg = err.to_string();
    assert!(msg.contains("Alembic revision a1b2c3d4e5f6") && msg.contains("0bd252b206fb"), "{msg}");
}

#[tokio::test]
async fn refused_database_is_left_byte_identical() {
    let db = TestDb::new().await;
    db.client().await.batch_execute("UPDATE alembic_version SET version_num = 'ffffffffffff'").await.unwrap();
    let before = full_dump(&db);
    let conninfo = db.conninfo.clone();
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking(move || {
        run_server(&[("DATA_DIR", dir.path().to_str().unwrap()), ("DATABASE_URL", &conninfo), ("PORT", "0"), ("WEBUI_SECRET_KEY", "k")])
    })
    .await
    .unwrap();
    assert_one_clear_line(&out, "Alembic revision ffffffffffff");
    assert_eq!(before, full_dump(&db), "a refused database must not change");
}

#[tokio::test]
async fn embedded_cluster_is_created_then_reused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    for round in 0..2 {
        let data = data.clone();
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env_remove("DATABASE_URL")
            .env("DATA_DIR", &data)
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("GLOBAL_LOG_LEVEL", "INFO")
            .env("OFFLINE_MODE", "true")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The log line "listening" carries the bound address.
        let stderr = child.stderr.take().unwrap();
        let addr = tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let line = line.unwrap();
                if let Some(i) = line.find("address: ") {
                    return line[i + 9..].split(',').next().unwrap().trim().to_string();
                }
            }
            panic!("no listening line");
        })
        .await
        .unwrap();
        let (status, _, body) = get(&format!("http://{addr}/api/config")).await;
        assert_eq!(status, 200);
        // Round 0 creates the cluster; round 1 finds it (and its data) again.
        assert!(String::from_utf8(body).unwrap().contains("onboarding"), "round {round}");
        assert!(data.join("postgres/data/PG_VERSION").exists());
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
        assert!(status.success(), "clean exit on SIGTERM");
        // PostgreSQL stopped with the server: no postmaster.pid left behind.
        assert!(!data.join("postgres/data/postmaster.pid").exists(), "postgres still running after round {round}");
    }
}

/// With MFA on, stored authenticator secrets the key cannot open refuse the start (the
/// reference's `validate_mfa_configuration`), instead of locking every account out.
#[tokio::test]
async fn mfa_secrets_under_another_key_refuse_the_start() {
    let db = TestDb::new().await;
    let client = db.client().await;
    client
        .batch_execute(
            r#"INSERT INTO config (key, value, updated_at) VALUES ('auth.mfa.enable', 'true', 0);
               INSERT INTO auth (id, email, password, active, mfa, session_stamp)
               VALUES ('u1', 'a@example.com', 'x', true, '{"revision": "r", "secret": "gAAAAA-not-ours"}', 's');"#,
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let conninfo = db.conninfo.clone();
    let out = tokio::task::spawn_blocking(move || {
        run_server(&[
            ("DATA_DIR", dir.path().to_str().unwrap()),
            ("DATABASE_URL", &conninfo),
            ("HOST", "127.0.0.1"),
            ("PORT", "0"),
            ("WEBUI_SECRET_KEY", "k"),
        ])
    })
    .await
    .unwrap();
    assert_one_clear_line(&out, "MFA: Stored MFA secrets cannot be decrypted.");
}
