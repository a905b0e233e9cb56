//! A private PostgreSQL cluster run as a child process: the embedded default database when
//! `DATABASE_URL` is unset, and the per-run cluster of the test suites.
//!
//! The system's `initdb`/`postgres` are used (found through `pg_config --bindir` or
//! `/usr/lib/postgresql/*/bin`). They refuse to run as root, so when we are root the cluster
//! directory is handed to the `postgres` system user and the children drop to it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("PostgreSQL server binaries (initdb, postgres) not found: install the `postgresql` package (Debian: apt-get install postgresql), or set DATABASE_URL")]
    NoBinaries,
    #[error("running as root and there is no `postgres` system user to run PostgreSQL as: install the `postgresql` package, or set DATABASE_URL")]
    NoPostgresUser,
    #[error("cannot prepare {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("initdb failed for {path}: {output}")]
    Initdb { path: PathBuf, output: String },
    #[error("PostgreSQL did not start in {dir}: {log}")]
    Start { dir: PathBuf, log: String },
}

/// Where the cluster lives and how it is reached.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Holds `data/` (PGDATA), `run/` (the unix socket) and `postgres.log`.
    pub dir: PathBuf,
    /// Also listen on 127.0.0.1 at this port (tests that drive the Python reference need TCP).
    pub tcp_port: Option<u16>,
    /// The port number in the socket's name (`.s.PGSQL.<port>`).
    pub port: u16,
    /// Have the kernel stop PostgreSQL (fast shutdown) if this process dies, even by SIGKILL.
    pub die_with_parent: bool,
}

impl ClusterOptions {
    pub fn unix_only(dir: impl Into<PathBuf>) -> Self {
        ClusterOptions { dir: dir.into(), tcp_port: None, port: 5432, die_with_parent: true }
    }
}

/// A running cluster owned by this process.
pub struct PgCluster {
    opts: ClusterOptions,
    socket_dir: PathBuf,
    child: Option<Child>,
}

/// Finds the directory holding `initdb` and `postgres`.
pub fn find_bindir() -> Result<PathBuf, ClusterError> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    // An explicit `PG_BINDIR` is the only place looked at.
    if let Ok(dir) = std::env::var("PG_BINDIR") {
        let d = PathBuf::from(dir);
        return if has(&d) { Ok(d) } else { Err(ClusterError::NoBinaries) };
    }
    if let Ok(out) = std::process::Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if has(&d) {
                return Ok(d);
            }
        }
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    // Newest major version first.
    candidates.sort_by_key(|p| {
        std::cmp::Reverse(
            p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()),
        )
    });
    candidates.into_iter().find(|d| has(d)).ok_or(ClusterError::NoBinaries)
}

/// The user the cluster runs as: ourselves, or `postgres` when we are root.
fn run_as() -> Result<Option<nix::unistd::User>, ClusterError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name("postgres") {
        Ok(Some(u)) => Ok(Some(u)),
        _ => Err(ClusterError::NoPostgresUser),
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ClusterError + '_ {
    move |source| ClusterError::Io { path: path.to_path_buf(), source }
}

fn command(bin: PathBuf, user: &Option<nix::unistd::User>) -> Command {
    let mut cmd = Command::new(bin);
    if let Some(u) = user {
        cmd.uid(u.uid.as_raw()).gid(u.gid.as_raw());
        cmd.env("HOME", &u.dir);
    }
    cmd.env_remove("PGDATA").env("LC_ALL", "C.UTF-8");
    cmd
}

fn chown_to(path: &Path, user: &Option<nix::unistd::User>) -> Result<(), ClusterError> {
    if let Some(u) = user {
        nix::unistd::chown(path, Some(u.uid), Some(u.gid))
            .map_err(|e| ClusterError::Io { path: path.to_path_buf(), source: e.into() })?;
    }
    Ok(())
}

/// The socket directory: inside the cluster dir when the path is short enough for a unix socket
/// (108 bytes on Linux), else a private directory under /tmp named after the cluster dir.
pub fn socket_dir_for(dir: &Path, port: u16) -> PathBuf {
    let inside = dir.join("run");
    if inside.as_os_str().len() + format!("/.s.PGSQL.{port}").len() < 100 {
        return inside;
    }
    let mut h: u64 = 0xcbf29ce484222325;
    for b in dir.as_os_str().as_encoded_bytes() {
        h = (h ^ *b as u64).wrapping_mul(0x100000001b3);
    }
    PathBuf::from(format!("/tmp/owui-pg-{h:016x}"))
}

impl PgCluster {
    /// Creates the cluster on first use (initdb), then starts it and waits until it accepts
    /// connections. A second call on the same directory reuses the cluster.
    pub async fn start(opts: ClusterOptions) -> Result<PgCluster, ClusterError> {
        let bindir = find_bindir()?;
        let user = run_as()?;
        let dir = opts.dir.clone();
        let data = dir.join("data");
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        if user.is_some() {
            // The postgres user must be able to traverse down to the cluster directory.
            let mut p = dir.as_path();
            while let Some(parent) = p.parent() {
                if let Ok(meta) = std::fs::metadata(parent) {
                    let mode = meta.permissions().mode();
                    if mode & 0o001 == 0 && parent != Path::new("/") {
                        let _ = std::fs::set_permissions(parent, std::fs::Permissions::from_mode(mode | 0o011));
                    }
                }
                p = parent;
            }
            chown_to(&dir, &user)?;
        }
        let socket_dir = socket_dir_for(&dir, opts.port);
        std::fs::create_dir_all(&socket_dir).map_err(io_err(&socket_dir))?;
        chown_to(&socket_dir, &user)?;

        if !data.join("PG_VERSION").is_file() {
            let out = command(bindir.join("initdb"), &user)
                .arg("-D")
                .arg(&data)
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-instructions"])
                .stdin(Stdio::null())
                .output()
                .await
                .map_err(io_err(&data))?;
            if !out.status.success() {
                let mut output = String::from_utf8_lossy(&out.stderr).trim().to_string();
                if output.is_empty() {
                    output = String::from_utf8_lossy(&out.stdout).trim().to_string();
                }
                return Err(ClusterError::Initdb { path: data, output });
            }
        }

        let log_path = dir.join("postgres.log");
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).map_err(io_err(&log_path))?;
        chown_to(&log_path, &user)?;
        let listen = match opts.tcp_port {
            Some(_) => "127.0.0.1".to_string(),
            None => String::new(),
        };
        let port = opts.tcp_port.unwrap_or(opts.port);
        let mut cmd = command(bindir.join("postgres"), &user);
        cmd.arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&socket_dir)
            .arg("-p")
            .arg(port.to_string())
            .arg("-c")
            .arg(format!("listen_addresses={listen}"))
            .args(["-c", "fsync=on", "-c", "max_connections=200"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(io_err(&log_path))?)
            .stderr(log)
            // Own process group: a Ctrl-C at the terminal reaches us, and we stop postgres cleanly.
            .process_group(0)
            .kill_on_drop(false);
        if opts.die_with_parent {
            // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                cmd.pre_exec(|| {
                    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGINT).map_err(std::io::Error::from)
                });
            }
        }
        let child = cmd.spawn().map_err(io_err(&data))?;
        let mut cluster = PgCluster {
            opts: ClusterOptions { port, ..opts },
            socket_dir,
            child: Some(child),
        };
        cluster.wait_ready(&log_path).await?;
        Ok(cluster)
    }

    async fn wait_ready(&mut self, log_path: &Path) -> Result<(), ClusterError> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(_status)) = child.try_wait() {
                    return Err(self.start_error(log_path));
                }
            }
            let (client, conn) = match tokio_postgres::connect(&self.connection_string("postgres"), tokio_postgres::NoTls).await {
                Ok(c) => c,
                Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(_) => return Err(self.start_error(log_path)),
            };
            tokio::spawn(conn);
            if client.simple_query("SELECT 1").await.is_ok() {
                return Ok(());
            }
        }
    }

    fn start_error(&self, log_path: &Path) -> ClusterError {
        let log = std::fs::read_to_string(log_path).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(5).collect();
        ClusterError::Start {
            dir: self.opts.dir.clone(),
            log: tail.into_iter().rev().collect::<Vec<_>>().join(" | "),
        }
    }

    /// A libpq-style connection string for `dbname`, through the unix socket.
    pub fn connection_string(&self, dbname: &str) -> String {
        format!("host={} port={} user=postgres dbname={}", self.socket_dir.display(), self.opts.port, dbname)
    }

    /// A URL for `dbname` that SQLAlchemy/psycopg2 also accept (TCP when the cluster listens on it).
    pub fn url(&self, dbname: &str) -> String {
        match self.opts.tcp_port {
            Some(p) => format!("postgresql://postgres@127.0.0.1:{p}/{dbname}"),
            None => format!("postgresql://postgres@/{dbname}?host={}&port={}", self.socket_dir.display(), self.opts.port),
        }
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    pub fn port(&self) -> u16 {
        self.opts.port
    }

    /// Fast shutdown (SIGINT: abort open transactions, checkpoint, exit), waiting for the exit.
    pub async fn stop(mut self) {
        self.stop_inner().await;
    }

    async fn stop_inner(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGINT);
            }
            if tokio::time::timeout(Duration::from_secs(30), child.wait()).await.is_err() {
                let _ = child.kill().await;
            }
        }
    }

    /// Lets the cluster outlive this value (and this process): no shutdown on drop.
    pub fn detach(mut self) {
        self.child = None;
    }

    /// The postmaster's pid (fault tests signal it directly).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Never leave a postmaster behind: a fast shutdown, synchronously.
        if let Some(child) = self.child.as_mut() {
            if let Some(pid) = child.id() {
                let pid = nix::unistd::Pid::from_raw(pid as i32);
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
                for _ in 0..300 {
                    if let Ok(Some(_)) = child.try_wait() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            }
        }
    }
}
