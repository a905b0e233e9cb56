//! The processes of a run: one PostgreSQL cluster (the server crate's [`PgCluster`]), a fake LLM
//! upstream per backend, the reference (through `tools/reference`) and our server binary, each
//! pair on fresh databases. Separate pairs start in parallel; in a shared pair the reference
//! starts first (it migrates the database our server then adopts).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use crate::pg::{ClusterOptions, PgCluster};
use tokio::process::{Child, Command};

use crate::fake_llm::{FakeConfig, FakeLlm};
use crate::runner::{Backend, Pair};
use crate::scenario::Mode;

/// The same secret on both backends, so that either can verify the other's tokens.
pub const SECRET: &str = "owui-rs-compat-secret";

/// The upstream API key both backends are configured with.
pub const UPSTREAM_KEY: &str = "fake-upstream-key";

pub struct StackOptions {
    pub modes: Vec<Mode>,
    pub server_bin: PathBuf,
    /// Holds the cluster and the data directories (removed afterwards).
    pub work_dir: PathBuf,
    /// Backend logs (kept).
    pub log_dir: PathBuf,
    pub fake: FakeConfig,
}

/// A reference started with `tools/reference start`; stopped on drop.
struct ReferenceProc {
    data_dir: PathBuf,
}

impl Drop for ReferenceProc {
    fn drop(&mut self) {
        let _ = std::process::Command::new(reference_tool())
            .args(["stop", "--data-dir"])
            .arg(&self.data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Our server; SIGTERM then SIGKILL on drop.
struct ServerProc {
    child: Child,
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let pid = nix::unistd::Pid::from_raw(pid as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            for _ in 0..100 {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
}

pub struct Stack {
    pub pairs: Vec<Pair>,
    // Drop order: backends, then fakes, then the cluster.
    servers: Vec<ServerProc>,
    references: Vec<ReferenceProc>,
    _fakes: Vec<FakeLlm>,
    cluster: Option<PgCluster>,
    pub started_in: Duration,
}

pub fn reference_tool() -> PathBuf {
    crate::repo_root().join("tools/reference")
}

pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Where `cargo build -p server` puts the binary: next to this executable.
pub fn default_server_bin() -> PathBuf {
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            // target/debug/compat or target/debug/deps/compat_tests-… (tests)
            let dir = if dir.ends_with("deps") { dir.parent().unwrap_or(dir) } else { dir };
            return dir.join("server");
        }
    }
    crate::repo_root().join("target/debug/server")
}

/// `cargo build -p server` into the target directory `bin` lives in.
pub async fn build_server(bin: &Path) -> Result<()> {
    let target_dir = bin.parent().and_then(|p| p.parent()).context("server binary path")?;
    eprintln!("compat: cargo build -p server (target dir {})", target_dir.display());
    let st = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "-q", "-p", "server", "--bin", "server"])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(crate::repo_root())
        .status()
        .await
        .context("running cargo")?;
    if !st.success() {
        bail!("cargo build -p server failed");
    }
    Ok(())
}

/// The environment `tools/reference start` sets besides the data dir, database and secret.
async fn reference_env() -> Result<Vec<(String, String)>> {
    let out = Command::new(reference_tool()).arg("env").output().await.context("tools/reference env")?;
    if !out.status.success() {
        bail!("tools/reference env failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect())
}

/// The environment pointing a backend at its fake upstream.
fn upstream_env(fake: &str) -> Vec<(String, String)> {
    vec![
        ("OPENAI_API_BASE_URL".into(), format!("{fake}/v1")),
        ("OPENAI_API_KEY".into(), UPSTREAM_KEY.into()),
        ("OLLAMA_BASE_URL".into(), fake.to_string()),
        ("ENABLE_OPENAI_API".into(), "true".into()),
        ("ENABLE_OLLAMA_API".into(), "true".into()),
    ]
}

/// The wheel's frontend build, given to our server as well (FRONTEND_BUILD_DIR).
fn frontend_dir() -> Option<PathBuf> {
    let venv = std::env::var("OWUI_REFERENCE_VENV").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/owui-rs/reference-venv-0.12.4")
    });
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    for e in lib.flatten() {
        let d = e.path().join("site-packages/open_webui/frontend");
        if d.join("index.html").is_file() {
            return Some(d);
        }
    }
    None
}

async fn start_reference(name: &str, port: u16, data: &Path, db_url: &str, log: &Path, fake: &str) -> Result<ReferenceProc> {
    std::fs::create_dir_all(data)?;
    let mut cmd = Command::new(reference_tool());
    cmd.arg("start")
        .args(["--port", &port.to_string()])
        .arg("--data-dir")
        .arg(data)
        .args(["--database-url", db_url, "--secret", SECRET])
        .arg("--log")
        .arg(log);
    for (k, v) in upstream_env(fake) {
        cmd.args(["--env", &format!("{k}={v}")]);
    }
    let t0 = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().await.context("running tools/reference start")?;
    let proc = ReferenceProc { data_dir: data.to_path_buf() };
    if !out.status.success() {
        bail!("{name}: tools/reference start failed (log {}):\n{}", log.display(), String::from_utf8_lossy(&out.stderr));
    }
    eprintln!("compat: {name} healthy at http://127.0.0.1:{port} after {:.1} s", t0.elapsed().as_secs_f64());
    Ok(proc)
}

#[allow(clippy::too_many_arguments)]
async fn start_server(
    name: &str,
    bin: &Path,
    port: u16,
    data: &Path,
    db_url: &str,
    log: &Path,
    fake: &str,
    env: &[(String, String)],
) -> Result<ServerProc> {
    std::fs::create_dir_all(data)?;
    let logf = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    // Run it under a name of its own (a symlink), so that nobody's `pkill server` reaches it.
    let exe = data.join("owui-compat-server");
    let _ = std::fs::remove_file(&exe);
    std::os::unix::fs::symlink(bin, &exe).with_context(|| format!("linking {}", exe.display()))?;
    let mut cmd = Command::new(&exe);
    for (k, v) in env {
        cmd.env(k, v);
    }
    for (k, v) in upstream_env(fake) {
        cmd.env(k, v);
    }
    if let Some(f) = frontend_dir() {
        cmd.env("FRONTEND_BUILD_DIR", f);
    }
    cmd.env("PORT", port.to_string())
        .env("HOST", "127.0.0.1")
        .env("DATA_DIR", data)
        .env("DATABASE_URL", db_url)
        .env("WEBUI_SECRET_KEY", SECRET)
        // Settings the reference writes on a shared database reach ours by this periodic reload
        // (it does not notify): 1 s here, so shared scenarios wait briefly (`pause_ms`).
        .env("OWUI_SETTINGS_REFRESH_SECONDS", "1")
        .current_dir(data)
        .stdin(Stdio::null())
        .stdout(logf.try_clone()?)
        .stderr(logf)
        .process_group(0)
        .kill_on_drop(true);
    let t0 = Instant::now();
    let child = cmd.spawn().with_context(|| format!("starting {}", exe.display()))?;
    let mut proc = ServerProc { child };
    let url = format!("http://127.0.0.1:{port}");
    wait_healthy(&url, Duration::from_secs(60), Some(&mut proc.child)).await.with_context(|| format!("{name} (log {})", log.display()))?;
    eprintln!("compat: {name} healthy at {url} after {:.1} s", t0.elapsed().as_secs_f64());
    Ok(proc)
}

/// Polls `GET /health` until it answers `{"status":true}`.
pub async fn wait_healthy(url: &str, timeout: Duration, mut child: Option<&mut Child>) -> Result<()> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    let t0 = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{url}/health")).send().await {
            if r.status().is_success() {
                if let Ok(b) = r.bytes().await {
                    let compact: Vec<u8> = b.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
                    if compact == br#"{"status":true}"# {
                        return Ok(());
                    }
                }
            }
        }
        if let Some(c) = child.as_mut() {
            if let Ok(Some(st)) = c.try_wait() {
                bail!("exited ({st}) before answering {url}/health");
            }
        }
        if t0.elapsed() > timeout {
            bail!("{url}/health not healthy after {} s", timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn create_db(cluster: &PgCluster, name: &str) -> Result<()> {
    let (client, conn) = tokio_postgres::connect(&cluster.connection_string("postgres"), tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
    client.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await?;
    Ok(())
}

impl Stack {
    pub async fn start(opts: StackOptions) -> Result<Stack> {
        let t0 = Instant::now();
        if !reference_tool().is_file() {
            bail!("{} is missing", reference_tool().display());
        }
        if !opts.server_bin.is_file() {
            bail!("our server binary {} is missing (cargo build -p server)", opts.server_bin.display());
        }
        let _ = std::fs::remove_dir_all(&opts.work_dir);
        std::fs::create_dir_all(&opts.work_dir)?;
        std::fs::create_dir_all(&opts.log_dir)?;
        let pg_port = free_port()?;
        let cluster = PgCluster::start(ClusterOptions { dir: opts.work_dir.join("pg"), tcp_port: Some(pg_port), port: pg_port, die_with_parent: true })
            .await
            .context("starting PostgreSQL")?;
        eprintln!("compat: PostgreSQL on 127.0.0.1:{pg_port} ({:.1} s)", t0.elapsed().as_secs_f64());
        let env = reference_env().await?;

        let mut fakes = Vec::new();
        let mut plans = Vec::new();
        for mode in &opts.modes {
            let m = mode.as_str();
            let fr = FakeLlm::start(opts.fake.clone(), 0).await?;
            let fs = FakeLlm::start(opts.fake.clone(), 0).await?;
            let (rdb, sdb) = match mode {
                Mode::Separate => ("compat_reference".to_string(), "compat_server".to_string()),
                Mode::Shared => ("compat_shared".to_string(), "compat_shared".to_string()),
            };
            create_db(&cluster, &rdb).await?;
            if sdb != rdb {
                create_db(&cluster, &sdb).await?;
            }
            let pair = Pair {
                mode: *mode,
                reference: Backend { role: "reference", url: format!("http://127.0.0.1:{}", free_port()?), upstream: fr.url.clone() },
                server: Backend { role: "server", url: format!("http://127.0.0.1:{}", free_port()?), upstream: fs.url.clone() },
            };
            plans.push((m, pair, cluster.url(&rdb), cluster.url(&sdb)));
            fakes.push(fr);
            fakes.push(fs);
        }

        let port_of = |u: &str| u.rsplit(':').next().unwrap().parse::<u16>().unwrap();
        let work = &opts.work_dir;
        let logs = &opts.log_dir;
        let bin = &opts.server_bin;
        let env = &env;
        let starts = plans.iter().map(|(m, pair, rdb, sdb)| async move {
            let rname = format!("reference ({m})");
            let sname = format!("server ({m})");
            let (rdata, rlog) = (work.join(format!("reference-{m}")), logs.join(format!("reference-{m}.log")));
            let (sdata, slog) = (work.join(format!("server-{m}")), logs.join(format!("server-{m}.log")));
            let rfut = start_reference(&rname, port_of(&pair.reference.url), &rdata, rdb, &rlog, &pair.reference.upstream);
            let sfut = start_server(&sname, bin, port_of(&pair.server.url), &sdata, sdb, &slog, &pair.server.upstream, env);
            if pair.mode == Mode::Shared {
                // The reference migrates the shared database first; ours then adopts it.
                let r = rfut.await?;
                let s = sfut.await?;
                Ok::<_, anyhow::Error>((r, s))
            } else {
                let (r, s) = tokio::join!(rfut, sfut);
                Ok((r?, s?))
            }
        });
        let results = futures::future::join_all(starts).await;
        let mut references = Vec::new();
        let mut servers = Vec::new();
        let mut err = None;
        for r in results {
            match r {
                Ok((rp, sp)) => {
                    references.push(rp);
                    servers.push(sp);
                }
                Err(e) => err = Some(e),
            }
        }
        let stack = Stack { pairs: plans.into_iter().map(|p| p.1).collect(), servers, references, _fakes: fakes, cluster: Some(cluster), started_in: t0.elapsed() };
        if let Some(e) = err {
            stack.stop().await;
            return Err(e);
        }
        Ok(stack)
    }

    /// Stops the backends, then PostgreSQL.
    pub async fn stop(mut self) {
        self.servers.clear();
        // All references at once (each takes a few seconds to shut down).
        let refs = std::mem::take(&mut self.references);
        let stops = refs.iter().map(|r| {
            Command::new(reference_tool()).args(["stop", "--data-dir"]).arg(&r.data_dir).stdout(Stdio::null()).stderr(Stdio::null()).status()
        });
        futures::future::join_all(stops).await;
        drop(refs);
        if let Some(c) = self.cluster.take() {
            // Immediate shutdown (no checkpoint): the databases are thrown away.
            if let Some(pid) = c.pid() {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGQUIT);
            }
            c.stop().await;
        }
    }
}
