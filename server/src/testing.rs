//! Test support (cargo feature `testing`): real PostgreSQL, cheaply.
//!
//! One cluster per test run: the one named by `OWUI_TEST_PG` (a libpq connection string without
//! `dbname`, set by `tools/test`, which starts and stops it), or else a cluster this module
//! starts itself under `$TMPDIR/owui-test-pg-<uid>` and leaves running for later test
//! processes (nextest runs each test in its own process). A template database is migrated once
//! per migration set; every test gets its own database cloned from it, dropped afterwards.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::OnceCell;
use tokio_postgres::NoTls;

use crate::config::Config;
use crate::db::cluster::{ClusterOptions, PgCluster};
use crate::db;

/// The secret the test servers sign with (tests mint tokens with it too).
pub const TEST_SECRET: &str = "test-secret-key";

static BASE: OnceCell<String> = OnceCell::const_new();

/// The connection string (without dbname) of this run's cluster, starting it when needed.
pub async fn cluster_base() -> &'static str {
    BASE.get_or_init(|| async {
        if let Ok(s) = std::env::var("OWUI_TEST_PG") {
            if !s.trim().is_empty() {
                return s;
            }
        }
        shared_cluster().await
    })
    .await
}

/// Starts (once per machine and user) a detached cluster shared by test processes.
async fn shared_cluster() -> String {
    let dir = std::env::temp_dir().join(format!("owui-test-pg-{}", nix::unistd::getuid()));
    std::fs::create_dir_all(&dir).expect("create the test cluster dir");
    let lock_path = dir.with_extension("lock");
    let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).expect("lock file");
    let lock = tokio::task::spawn_blocking(move || {
        nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive).expect("flock the test cluster")
    })
    .await
    .expect("lock task");
    let opts = ClusterOptions { die_with_parent: false, ..ClusterOptions::unix_only(&dir) };
    let probe = format!("host={} port={} user=postgres", crate::db::cluster::socket_dir_for(&dir, opts.port).display(), opts.port);
    if tokio_postgres::connect(&format!("{probe} dbname=postgres"), NoTls).await.is_err() {
        let cluster = PgCluster::start(opts).await.expect("start the shared test cluster");
        // Leave it running for the next test processes.
        cluster.detach();
    }
    drop(lock);
    probe
}

async fn admin_client() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&format!("{} dbname=postgres", cluster_base().await), NoTls)
        .await
        .expect("connect to the test cluster");
    tokio::spawn(conn);
    client
}

/// Name of the template for the current migration set.
fn template_name() -> String {
    format!("owui_template_{:016x}", db::migrations_fingerprint())
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// Creates and migrates the template database once (across processes: under an advisory lock).
async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            let client = admin_client().await;
            client.execute("SELECT pg_advisory_lock(7071)", &[]).await.expect("lock");
            let exists = client.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).await.expect("query").is_some();
            if !exists {
                let building = format!("{name}_building");
                client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)")).await.expect("drop");
                client.batch_execute(&format!("CREATE DATABASE \"{building}\"")).await.expect("create template");
                {
                    let cfg = db::parse_url(&format!("{} dbname={building}", cluster_base().await)).expect("url");
                    let pool = db::connect(cfg, 1).await.expect("connect template");
                    db::migrate(&pool).await.expect("migrate the template");
                    pool.close();
                }
                client
                    .batch_execute(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""))
                    .await
                    .expect("rename template");
            }
            client.execute("SELECT pg_advisory_unlock(7071)", &[]).await.expect("unlock");
            name
        })
        .await
}

/// A database of its own for one test; dropped when this value is dropped.
pub struct TestDb {
    pub name: String,
    /// libpq connection string.
    pub conninfo: String,
    /// Whether dropping this value drops the database ([`TestDb::share`] makes handles that don't).
    owned: bool,
}

impl TestDb {
    /// A fresh database migrated to the reference schema.
    pub async fn new() -> TestDb {
        let template = template().await;
        Self::create(Some(template)).await
    }

    /// A fresh, empty database (for migration tests).
    pub async fn empty() -> TestDb {
        Self::create(None).await
    }

    async fn create(template: Option<&str>) -> TestDb {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let client = admin_client().await;
        let sql = match template {
            Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
            None => format!("CREATE DATABASE \"{name}\""),
        };
        let mut tries = 0;
        loop {
            match client.batch_execute(&sql).await {
                Ok(()) => break,
                // Concurrent clones of one template can collide; try again shortly.
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        let conninfo = format!("{} dbname={name}", cluster_base().await);
        TestDb { name, conninfo, owned: true }
    }

    /// Another handle on the same database, which does not drop it: for a second server on one
    /// database (several instances).
    pub fn share(&self) -> TestDb {
        TestDb { name: self.name.clone(), conninfo: self.conninfo.clone(), owned: false }
    }

    /// A client on this database.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.conninfo, NoTls).await.expect("connect to the test database");
        tokio::spawn(conn);
        client
    }

    /// A URL that psycopg2/SQLAlchemy also accept (for running the Python reference on it).
    pub fn url(&self) -> String {
        let cfg: tokio_postgres::Config = self.conninfo.parse().expect("conninfo");
        let host = match cfg.get_hosts().first() {
            Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            None => "localhost".into(),
        };
        let port = cfg.get_ports().first().copied().unwrap_or(5432);
        if host.starts_with('/') {
            format!("postgresql://postgres@/{}?host={host}&port={port}", self.name)
        } else {
            format!("postgresql://postgres@{host}:{port}/{}", self.name)
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let base = BASE.get().cloned();
        // Drop runs inside or outside a runtime; a thread with its own runtime works in both.
        let _ = std::thread::spawn(move || {
            let Some(base) = base else { return };
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                if let Ok((client, conn)) = tokio_postgres::connect(&format!("{base} dbname=postgres"), NoTls).await {
                    tokio::spawn(conn);
                    let _ = client.batch_execute(&sql).await;
                }
            });
        })
        .join();
    }
}

/// The server, started in-process on 127.0.0.1 (a free port) over its own test database.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    pub db: TestDb,
    pub data_dir: tempfile::TempDir,
    vars: HashMap<String, String>,
    running: Option<crate::Running>,
}

impl TestServer {
    /// A server with the default configuration.
    pub async fn start() -> TestServer {
        Self::start_with(&[]).await
    }

    /// A server with extra environment variables (the reference's names), e.g.
    /// `&[("ENABLE_SIGNUP", "false")]`.
    pub async fn start_with(env: &[(&str, &str)]) -> TestServer {
        let db = TestDb::new().await;
        Self::start_on(db, env).await.expect("start the test server")
    }

    /// A server over a given database (which may be empty, or made by the reference).
    pub async fn start_on(db: TestDb, env: &[(&str, &str)]) -> Result<TestServer, crate::StartError> {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut vars: HashMap<String, String> = HashMap::from([
            ("HOST".into(), "127.0.0.1".into()),
            ("PORT".into(), "0".into()),
            ("DATA_DIR".into(), data_dir.path().display().to_string()),
            ("DATABASE_URL".into(), db.conninfo.clone()),
            ("WEBUI_SECRET_KEY".into(), TEST_SECRET.into()),
            ("DATABASE_POOL_SIZE".into(), "4".into()),
            // No web UI unless a test asks for one (FRONTEND_BUILD_DIR), and never a download.
            ("OWUI_FRONTEND_DIR".into(), data_dir.path().join("webui").display().to_string()),
            ("OFFLINE_MODE".into(), "true".into()),
        ]);
        for (k, v) in env {
            vars.insert((*k).into(), (*v).into());
        }
        let running = Self::run(&vars).await?;
        let url = format!("http://{}", running.local_addr());
        Ok(TestServer { url, db, data_dir, vars, running: Some(running) })
    }

    async fn run(vars: &HashMap<String, String>) -> Result<crate::Running, crate::StartError> {
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test config");
        crate::start(config, &test_logger()).await
    }

    /// Stops the server and starts it again on the same database and data dir (new port).
    pub async fn restart(&mut self) -> Result<(), crate::StartError> {
        self.stop().await;
        let running = Self::run(&self.vars).await?;
        self.url = format!("http://{}", running.local_addr());
        self.running = Some(running);
        Ok(())
    }

    /// The running server's application context (to drive app logic directly, e.g. the
    /// operator's `mfa reset`).
    pub fn context(&self) -> std::sync::Arc<crate::context::ServerContext> {
        self.running.as_ref().expect("server running").context().clone()
    }

    /// Reloads the server's settings snapshot now: for tests that write the `config` table
    /// directly (as another instance, or the reference, would; see `server::settings`).
    pub async fn reload_settings(&self) {
        crate::settings::reload(&self.context()).await.expect("reload the settings");
    }

    /// Stops the server (the database stays until `self` is dropped).
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// A logger that stays quiet unless `OWUI_TEST_LOG` is set.
pub fn test_logger() -> slog::Logger {
    use dropshot::{ConfigLogging, ConfigLoggingLevel};
    let level = if std::env::var("OWUI_TEST_LOG").is_ok() { ConfigLoggingLevel::Debug } else { ConfigLoggingLevel::Critical };
    ConfigLogging::StderrTerminal { level }.to_logger("test").expect("logger")
}

/// Where the repository's files are (for golden files and tools).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// What the server sent to PostgreSQL, counted on the wire by [`WireCounter`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WireCounts {
    /// Statements executed: extended-protocol `Execute` messages plus simple `Query` messages
    /// (a simple query holding several statements counts once; the server sends few such).
    pub statements: u64,
    /// Round trips: `Sync` plus simple `Query` messages (a `query` that still has to prepare
    /// its statement costs two: prepare, then bind and execute).
    pub round_trips: u64,
    /// Connections opened (startup messages).
    pub connections: u64,
}

#[derive(Default)]
struct Counters {
    statements: std::sync::atomic::AtomicU64,
    round_trips: std::sync::atomic::AtomicU64,
    connections: std::sync::atomic::AtomicU64,
}

/// A PostgreSQL protocol proxy in front of a test database that counts the frontend messages
/// passing through it: point the server's `DATABASE_URL` at [`WireCounter::conninfo`] to count
/// every statement it runs, whichever code path or connection runs it. Nothing is changed in
/// the server to be counted, so the figures are what PostgreSQL receives.
pub struct WireCounter {
    /// libpq connection string of the proxy (same database and user as the target).
    pub conninfo: String,
    counters: std::sync::Arc<Counters>,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl WireCounter {
    /// Starts the proxy in front of `db`.
    pub async fn start(db: &TestDb) -> WireCounter {
        use tokio_postgres::config::Host;
        let target: tokio_postgres::Config = db.conninfo.parse().expect("conninfo");
        let port = target.get_ports().first().copied().unwrap_or(5432);
        let host = target.get_hosts().first().cloned().expect("a host");
        let dir = tempfile::tempdir().expect("proxy dir");
        let listener = tokio::net::UnixListener::bind(dir.path().join(format!(".s.PGSQL.{port}"))).expect("bind the proxy");
        let counters = std::sync::Arc::new(Counters::default());
        let c = counters.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let host = host.clone();
                let c = c.clone();
                tokio::spawn(async move {
                    let (up_r, up_w): (Box<dyn tokio::io::AsyncRead + Send + Unpin>, Box<dyn tokio::io::AsyncWrite + Send + Unpin>) =
                        match &host {
                            Host::Unix(p) => {
                                let Ok(s) = tokio::net::UnixStream::connect(p.join(format!(".s.PGSQL.{port}"))).await else { return };
                                let (r, w) = s.into_split();
                                (Box::new(r), Box::new(w))
                            }
                            Host::Tcp(h) => {
                                let Ok(s) = tokio::net::TcpStream::connect((h.as_str(), port)).await else { return };
                                let (r, w) = s.into_split();
                                (Box::new(r), Box::new(w))
                            }
                        };
                    let (cl_r, cl_w) = client.into_split();
                    let down = tokio::spawn(async move {
                        let (mut r, mut w) = (up_r, cl_w);
                        let _ = tokio::io::copy(&mut r, &mut w).await;
                    });
                    let _ = Self::forward_counting(cl_r, up_w, &c).await;
                    down.abort();
                });
            }
        });
        let user = target.get_user().unwrap_or("postgres");
        let dbname = target.get_dbname().unwrap_or(&db.name);
        let conninfo = format!("host={} port={port} user={user} dbname={dbname}", dir.path().display());
        WireCounter { conninfo, counters, _dir: dir, task }
    }

    /// Copies frontend messages upstream, counting them (startup and SSL/GSS requests have no
    /// type byte; every later message is a type byte and a length that includes itself).
    async fn forward_counting(
        mut from: impl tokio::io::AsyncRead + Unpin,
        mut to: impl tokio::io::AsyncWrite + Unpin,
        c: &Counters,
    ) -> std::io::Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        let mut started = false;
        loop {
            let n = from.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            to.write_all(&chunk[..n]).await?;
            buf.extend_from_slice(&chunk[..n]);
            loop {
                let (head, typ) = if started { (5, buf.first().copied()) } else { (4, None) };
                if buf.len() < head {
                    break;
                }
                let len = u32::from_be_bytes(buf[head - 4..head].try_into().expect("4 bytes")) as usize;
                let total = head - 4 + len;
                if buf.len() < total {
                    break;
                }
                match typ {
                    None => {
                        let code = buf.get(4..8).map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes"))).unwrap_or(0);
                        // SSLRequest / GSSENCRequest come before the real startup message.
                        if code != 80877103 && code != 80877104 {
                            started = true;
                            c.connections.fetch_add(1, Relaxed);
                        }
                    }
                    Some(b'Q') => {
                        c.statements.fetch_add(1, Relaxed);
                        c.round_trips.fetch_add(1, Relaxed);
                    }
                    Some(b'E') => {
                        c.statements.fetch_add(1, Relaxed);
                    }
                    Some(b'S') => {
                        c.round_trips.fetch_add(1, Relaxed);
                    }
                    Some(_) => {}
                }
                buf.drain(..total);
            }
        }
    }

    /// The counts since the last call (or the start), zeroing them.
    pub fn take(&self) -> WireCounts {
        use std::sync::atomic::Ordering::Relaxed;
        WireCounts {
            statements: self.counters.statements.swap(0, Relaxed),
            round_trips: self.counters.round_trips.swap(0, Relaxed),
            connections: self.counters.connections.swap(0, Relaxed),
        }
    }
}

impl Drop for WireCounter {
    fn drop(&mut self) {
        self.task.abort();
    }
}
