//! The database: a deadpool of tokio-postgres connections on exactly the reference's schema.
//!
//! `migrations/` holds refinery migrations whose result is the schema the Python reference's
//! own Alembic migrations create at revision [`ALEMBIC_HEAD`], stamp included, so both backends
//! can open the same database.

pub mod access_grants;
pub mod auths;
pub mod chats;
pub mod chats_more;
pub mod cluster;
pub mod revoked;
pub mod tools;
pub mod analytics;
pub mod knowledge;
pub mod memories;
pub mod skills;
pub mod config;
pub mod folders;
pub mod functions;
pub mod groups;
pub mod notify;
pub mod prompts;
pub mod models;
pub mod notes;
pub mod feedbacks;
pub mod usage;
pub mod users;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// The Alembic revision of open-webui 0.12.4: the only schema this server reads and writes.
pub const ALEMBIC_HEAD: &str = "0bd252b206fb";

/// Our own schema `owui_rs` (beside the reference's, never inside it): the one migration that
/// is not the reference's, run as well on a database the reference created (it is idempotent).
const OWN_SCHEMA: &str = include_str!("../../../migrations/V2__owui_rs_revoked_tokens.sql");

/// A lock id for `pg_advisory_lock`, so that servers starting together migrate one at a time.
const MIGRATION_LOCK: i64 = 0x6f77_7569_5f6d_6967; // "owui_mig"

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    BadUrl(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("the database is at Alembic revision {found}, but this server needs {ALEMBIC_HEAD} (open-webui 0.12.4); migrate it with the matching open-webui release first. Nothing was changed")]
    StampMismatch { found: String },
    #[error("the database has tables but no Alembic stamp; refusing to touch it. Point DATABASE_URL at an empty database or one created by open-webui 0.12.4")]
    Foreign,
    #[error("migrating the database failed: {0}")]
    Migrate(String),
    #[error("database error: {}", describe_pg_error(.0))]
    Query(#[from] tokio_postgres::Error),
    #[error("database pool error: {0}")]
    Pool(String),
}

/// The unique index on `lower("user".email)`: an email another account has.
pub const USER_EMAIL_UNIQUE: &str = "uq_user_email_lower";

/// What a database error means for the answer, by SQLSTATE (never by message text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbErrorKind {
    /// 23505 `unique_violation`: the constraint is in [`DbError::unique_violation`].
    UniqueViolation,
    /// 23503 `foreign_key_violation`.
    ForeignKeyViolation,
    /// 22021 `character_not_in_repertoire`: a NUL character in a text value (the client's).
    NulInText,
    /// 22P02 `invalid_text_representation`, 22003 `numeric_value_out_of_range`: a value the
    /// column's type refuses.
    InvalidValue,
    /// Anything else: ours (500).
    Other,
}

impl DbError {
    /// The SQLSTATE of a server-side error.
    pub fn sqlstate(&self) -> Option<&tokio_postgres::error::SqlState> {
        match self {
            DbError::Query(e) => e.code(),
            _ => None,
        }
    }

    /// The error's class (see [`DbErrorKind`]).
    pub fn kind(&self) -> DbErrorKind {
        use tokio_postgres::error::SqlState;
        match self.sqlstate() {
            Some(c) if *c == SqlState::UNIQUE_VIOLATION => DbErrorKind::UniqueViolation,
            Some(c) if *c == SqlState::FOREIGN_KEY_VIOLATION => DbErrorKind::ForeignKeyViolation,
            Some(c) if *c == SqlState::CHARACTER_NOT_IN_REPERTOIRE => DbErrorKind::NulInText,
            Some(c) if *c == SqlState::INVALID_TEXT_REPRESENTATION || *c == SqlState::NUMERIC_VALUE_OUT_OF_RANGE => {
                DbErrorKind::InvalidValue
            }
            _ => DbErrorKind::Other,
        }
    }

    /// The constraint (or unique index) a write broke: `Some` only for SQLSTATE 23505
    /// (`unique_violation`).
    pub fn unique_violation(&self) -> Option<&str> {
        match self {
            DbError::Query(e) if self.kind() == DbErrorKind::UniqueViolation => e.as_db_error().and_then(|d| d.constraint()),
            _ => None,
        }
    }
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        DbError::Pool(e.to_string())
    }
}

/// tokio-postgres shows a server error as just "db error": add the server's message and SQLSTATE
/// for the log (the answer depends on [`DbError::kind`], not on this text).
fn describe_pg_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Parses a `DATABASE_URL` as the reference accepts it (`postgres://`, `postgresql://`, and
/// SQLAlchemy's `postgresql+psycopg2://` forms) or a libpq key/value string.
pub fn parse_url(url: &str) -> Result<tokio_postgres::Config, DbError> {
    let mut u = url.trim().to_string();
    if let Some(rest) = u.strip_prefix("postgresql+") {
        if let Some(i) = rest.find("://") {
            u = format!("postgresql{}", &rest[i..]);
        }
    }
    if u.starts_with("sqlite") {
        return Err(DbError::BadUrl("SQLite is not supported; use PostgreSQL (or leave DATABASE_URL unset for the embedded one)".into()));
    }
    u.parse::<tokio_postgres::Config>().map_err(|e| DbError::BadUrl(e.to_string()))
}

/// Builds the pool and proves the database answers (within 10 s).
pub async fn connect(config: tokio_postgres::Config, size: usize) -> Result<Pool, DbError> {
    let mut config = config;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let mgr = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    let pool = Pool::builder(mgr)
        .max_size(size)
        .wait_timeout(Some(Duration::from_secs(30)))
        .create_timeout(Some(Duration::from_secs(10)))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))?;
    let client = pool.get().await.map_err(|e| DbError::Connect(e.to_string()))?;
    client.simple_query("SELECT 1").await.map_err(|e| DbError::Connect(e.to_string()))?;
    Ok(pool)
}

/// A fingerprint of the embedded migrations (names and checksums): test templates are keyed by it.
pub fn migrations_fingerprint() -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for m in embedded::migrations::runner().get_migrations() {
        for b in format!("{}:{}:{};", m.version(), m.name(), m.checksum()).bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// What [`migrate`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrateOutcome {
    /// An empty database: the reference schema was created.
    Created,
    /// A database the server created earlier: pending refinery migrations (if any) were applied.
    UpToDate,
    /// A database created by the Python reference at the right revision: left as it is.
    Adopted,
}

/// Brings the database to the reference schema, or refuses without changing anything.
pub async fn migrate(pool: &Pool) -> Result<MigrateOutcome, DbError> {
    let mut obj = pool.get().await?;
    let client: &mut tokio_postgres::Client = &mut obj;
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await?;
    let result = migrate_locked(client).await;
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await;
    result
}

async fn table_exists(client: &tokio_postgres::Client, name: &str) -> Result<bool, DbError> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1)",
            &[&name],
        )
        .await?;
    Ok(row.get(0))
}

async fn migrate_locked(client: &mut tokio_postgres::Client) -> Result<MigrateOutcome, DbError> {
    let refinery_history = table_exists(client, "refinery_schema_history").await?;
    if table_exists(client, "alembic_version").await? {
        let rows = client.query("SELECT version_num FROM alembic_version", &[]).await?;
        let found: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        if found.len() != 1 || found[0] != ALEMBIC_HEAD {
            return Err(DbError::StampMismatch { found: if found.is_empty() { "(none)".into() } else { found.join(",") } });
        }
        if !refinery_history {
            client.batch_execute(OWN_SCHEMA).await?;
            return Ok(MigrateOutcome::Adopted);
        }
        embedded::migrations::runner().run_async(client).await.map_err(|e| DbError::Migrate(e.to_string()))?;
        return Ok(MigrateOutcome::UpToDate);
    }
    let other: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'refinery_schema_history'",
            &[],
        )
        .await?
        .get(0);
    if other > 0 {
        return Err(DbError::Foreign);
    }
    embedded::migrations::runner().run_async(client).await.map_err(|e| DbError::Migrate(e.to_string()))?;
    Ok(MigrateOutcome::Created)
}
