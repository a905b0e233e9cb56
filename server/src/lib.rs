//! The Open WebUI backend in Rust: a dropshot server implementing the API traits of [`webui_api`] on
//! the reference's PostgreSQL schema.
//!
//! [`start`] is what `main` runs and what the integration tests run in-process.

pub mod app;
pub mod bus;
pub mod changelog;
pub mod config;
pub mod context;
pub mod db;
pub mod error;
pub mod frontend;
pub mod http;
pub mod messages;
pub mod net;
pub mod oauth_sessions;
pub mod settings;
pub mod socket;
#[cfg(feature = "testing")]
pub mod testing;

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use dropshot::{CompressionConfig, ConfigDropshot, HandlerTaskMode, HttpServer, ServerBuilder};
use slog::{info, Logger};

use config::Config;
use context::ServerContext;
use db::cluster::{ClusterOptions, PgCluster};

/// Name of the database the embedded cluster holds.
pub const EMBEDDED_DB_NAME: &str = "openwebui";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Cluster(#[from] db::cluster::ClusterError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
    /// MFA is on but cannot work (the reference refuses to start too).
    #[error("MFA: {0}")]
    Mfa(String),
}

/// A running server, and the embedded database cluster it started (if any).
pub struct Running {
    pub server: HttpServer<Arc<ServerContext>>,
    pub cluster: Option<PgCluster>,
    pub migrate: db::MigrateOutcome,
}

impl Running {
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    pub fn context(&self) -> &Arc<ServerContext> {
        self.server.app_private()
    }

    /// Stops serving, then stops the embedded cluster cleanly.
    pub async fn stop(self) {
        let _ = self.server.close().await;
        if let Some(c) = self.cluster {
            c.stop().await;
        }
    }
}

/// The application over its database, not serving yet.
pub struct Opened {
    pub ctx: Arc<ServerContext>,
    /// Where the database is (for connections outside the pool, such as the settings listener).
    pub pg_config: tokio_postgres::Config,
    pub cluster: Option<PgCluster>,
    pub migrate: db::MigrateOutcome,
}

/// Opens the database (starting the embedded cluster when `DATABASE_URL` is unset) and
/// migrates it: what serving and the operator commands (`server mfa reset`) share.
pub async fn open(config: Config, log: &Logger) -> Result<Opened, StartError> {
    let (pg_config, cluster) = match &config.database_url {
        Some(url) => (db::parse_url(url)?, None),
        None => {
            let dir = config.data_dir.join("postgres");
            info!(log, "starting the embedded PostgreSQL cluster"; "dir" => %dir.display());
            let cluster = PgCluster::start(ClusterOptions::unix_only(&dir)).await?;
            ensure_database(&cluster, EMBEDDED_DB_NAME).await?;
            let cfg = db::parse_url(&cluster.connection_string(EMBEDDED_DB_NAME))?;
            (cfg, Some(cluster))
        }
    };
    let pool = db::connect(pg_config.clone(), config.database_pool_size).await?;
    let migrate = db::migrate(&pool).await?;
    info!(log, "database ready"; "schema" => ?migrate);
    // Finding the web UI is a few stats; fetching it (first start only) runs in the background.
    let frontend = frontend::Frontend::locate(&config, log.new(slog::o!("component" => "frontend")));
    let outbound = net::outbound::Outbound::from_config(&config);
    let sessions = app::session::cache::SessionCache::new(config.session_cache);
    let ctx = Arc::new(ServerContext {
        config,
        db: pool,
        ready: AtomicBool::new(false),
        frontend,
        outbound,
        settings: settings::Store::default(),
        sockets: Default::default(),
        bus: Default::default(),
        tasks: Default::default(),
        models: Default::default(),
        sessions,
    });
    settings::reload(&ctx).await?;
    // `validate_mfa_configuration` at start: with MFA on, a missing key or stored secrets the key
    // cannot open would lock every account out, so refuse to start instead.
    let policy = app::mfa::policy(&ctx);
    app::mfa::validate(&ctx, policy).await.map_err(StartError::Mfa)?;
    Ok(Opened { ctx, pg_config, cluster, migrate })
}

/// Opens the database (see [`open`]) and starts serving.
pub async fn start(config: Config, log: &Logger) -> Result<Running, StartError> {
    let bind = format!("{}:{}", config.host, config.port);
    let bind_address: SocketAddr = tokio::net::lookup_host(&bind)
        .await
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| StartError::Listen { addr: bind.clone(), reason: "not a valid address".into() })?;
    let Opened { ctx, pg_config, cluster, migrate } = open(config, log).await?;
    settings::listen(&ctx, pg_config.clone(), ctx.config.settings_refresh, log.new(slog::o!("component" => "settings")));
    socket::start(&ctx);
    bus::start(&ctx, pg_config, log.new(slog::o!("component" => "bus")));
    app::tasks::start(&ctx);
    let server = ServerBuilder::new(http::api(), ctx.clone(), log.new(slog::o!("component" => "http")))
        .config(ConfigDropshot {
            bind_address,
            // The reference has no body limit; ours is generous but finite (see security notes).
            default_request_body_max_bytes: http::limits::DEFAULT_BODY_MAX_BYTES,
            default_handler_task_mode: HandlerTaskMode::Detached,
            // The reference compresses answers too (`ENABLE_COMPRESSION_MIDDLEWARE`, default on).
            compression: if ctx.config.env_bool("ENABLE_COMPRESSION_MIDDLEWARE", true) {
                CompressionConfig::Gzip
            } else {
                CompressionConfig::None
            },
            log_headers: vec![],
        })
        .start()
        .map_err(|e| StartError::Listen { addr: bind, reason: e.to_string() })?;
    ctx.ready.store(true, std::sync::atomic::Ordering::Release);
    ctx.frontend.start_background(&ctx.config);
    Ok(Running { server, cluster, migrate })
}

/// Creates `name` on the cluster unless it exists.
async fn ensure_database(cluster: &PgCluster, name: &str) -> Result<(), db::DbError> {
    let (client, conn) = tokio_postgres::connect(&cluster.connection_string("postgres"), tokio_postgres::NoTls)
        .await
        .map_err(|e| db::DbError::Connect(e.to_string()))?;
    tokio::spawn(conn);
    let exists = client.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).await?.is_some();
    if !exists {
        client.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await?;
    }
    Ok(())
}
