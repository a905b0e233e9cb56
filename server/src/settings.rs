//! The settings every request reads, held in memory: the reference's persistent `config` rows
//! (`Config.get`/`Config.get_many` in `config.py`) over the environment's defaults, with the
//! reference's precedence (a stored row wins only for a persistent key:
//! `ENABLE_PERSISTENT_CONFIG`, and `ENABLE_OAUTH_PERSISTENT_CONFIG` for `oauth.*`).
//!
//! The reference reads the `config` table on every `Config.get`; here a [`Snapshot`] of the
//! whole table is loaded at start and replaced when a setting changes:
//! - the instance that writes reloads its own snapshot at once and sends `NOTIFY` on
//!   [`CHANNEL`] in the writing transaction;
//! - every instance keeps one dedicated `LISTEN` connection ([`listen`]) and reloads on each
//!   notification, and after every (re)connection, since notifications sent while it was away
//!   are lost;
//! - the Python reference, sharing the database, writes without notifying: every instance also
//!   reloads every `OWUI_SETTINGS_REFRESH_SECONDS` (ours, default 10), so such a change is seen
//!   within that delay.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::config::Config;
use crate::context::ServerContext;
use crate::db::{self, DbError};
use crate::app::mfa::{Policy, POLICY_KEYS};

/// The `NOTIFY` channel of setting changes (payload unused).
pub const CHANNEL: &str = "owui_rs_config";

/// One consistent view of the settings.
#[derive(Debug)]
pub struct Snapshot {
    /// Every `config` row (`key` → `value`), whether or not the key is persistent here.
    stored: HashMap<String, Value>,
    /// `get_mfa_config`.
    pub mfa: Policy,
    /// `auth.jwt_expiry` in seconds (`Ok(None)`: no expiry); `Err` for a value the reference
    /// cannot parse either (its `ValueError`, a 500 where a token is minted).
    pub jwt_expiry: Result<Option<i64>, String>,
    /// `user.permissions` completed from `DEFAULT_USER_PERMISSIONS`: the base every user's
    /// permissions are combined onto.
    pub default_permissions: Map<String, Value>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot { stored: HashMap::new(), mfa: Policy::default(), jwt_expiry: Ok(None), default_permissions: Map::new() }
    }
}

impl Snapshot {
    fn build(config: &Config, stored: HashMap<String, Value>) -> Snapshot {
        let mut s = Snapshot { stored, ..Default::default() };
        let on = |k: &str| s.get(config, k) == Some(Value::Bool(true));
        s.mfa = Policy { enable: on(POLICY_KEYS[0]), allow_oauth_bypass: on(POLICY_KEYS[1]), allow_trusted_header_bypass: on(POLICY_KEYS[2]) };
        let expiry = match s.get(config, "auth.jwt_expiry") {
            Some(Value::String(v)) => v,
            Some(Value::Null) | None => "None".into(),
            Some(other) => other.to_string(),
        };
        s.jwt_expiry = crate::app::session::token::parse_duration(&expiry).map(crate::app::session::token::expiry_seconds);
        let mut p = s.get(config, "user.permissions").and_then(|v| v.as_object().cloned()).unwrap_or_default();
        crate::app::session::permissions::fill_missing(&mut p, config.default_user_permissions.as_object().expect("object"));
        s.default_permissions = p;
        s
    }

    /// `Config.get(key)`: the stored row of a persistent key, else the environment's default;
    /// `None` for a key neither stored nor known.
    pub fn get(&self, config: &Config, key: &str) -> Option<Value> {
        match self.stored.get(key) {
            Some(v) if config.setting_persistent(key) => Some(v.clone()),
            _ => config.setting_default(key),
        }
    }

    /// `Config.get_many(keys)`: keys neither stored nor with a default are left out.
    pub fn get_many(&self, config: &Config, keys: &[&str]) -> Map<String, Value> {
        keys.iter().filter_map(|k| self.get(config, k).map(|v| (k.to_string(), v))).collect()
    }
}

/// The current [`Snapshot`], replaced whole (readers keep the one they took).
#[derive(Default)]
pub struct Store {
    current: RwLock<Arc<Snapshot>>,
}

impl Store {
    pub fn current(&self) -> Arc<Snapshot> {
        self.current.read().expect("settings").clone()
    }

    fn replace(&self, s: Snapshot) {
        *self.current.write().expect("settings") = Arc::new(s);
    }
}

/// Reads the whole `config` table into a new snapshot (one statement).
pub async fn reload(ctx: &ServerContext) -> Result<(), DbError> {
    let client = ctx.db.get().await?;
    let stored = db::config::config_all(&**client).await?;
    drop(client);
    ctx.settings.replace(Snapshot::build(&ctx.config, stored));
    Ok(())
}

/// `Config.upsert`: writes each persistent key (and notifies the other instances), keeps the
/// others in memory for the life of the process (the reference overwrites its in-memory
/// default), then reloads this instance's snapshot.
pub async fn write(ctx: &ServerContext, updates: &[(&str, Value)]) -> Result<(), DbError> {
    let mut persistent = Vec::new();
    for (key, value) in updates {
        if ctx.config.setting_persistent(key) {
            persistent.push((*key, value.clone()));
        } else {
            ctx.config.set_runtime_setting(key, value.clone());
        }
    }
    if !persistent.is_empty() {
        let mut client = ctx.db.get().await?;
        db::config::config_upsert(&mut client, &persistent, crate::http::auth::now()).await?;
    }
    reload(ctx).await
}

/// Keeps `ctx`'s snapshot current for as long as the context lives: one dedicated connection
/// that `LISTEN`s on [`CHANNEL`] (reconnecting after a second when it drops), a reload on each
/// notification and after each connection, and one every `refresh` (writes by the reference).
pub fn listen(ctx: &Arc<ServerContext>, pg: tokio_postgres::Config, refresh: Duration, log: slog::Logger) {
    let weak: Weak<ServerContext> = Arc::downgrade(ctx);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(refresh);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            let Some(ctx) = weak.upgrade() else { return };
            drop(ctx);
            let mut listener = match db::config::listen(&pg, CHANNEL).await {
                Ok(n) => n,
                Err(e) => {
                    slog::warn!(log, "settings: cannot listen for changes; retrying"; "error" => %e);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            // First whatever changed while no connection was listening, then on each
            // notification or tick.
            loop {
                let Some(ctx) = weak.upgrade() else { return };
                if let Err(e) = reload(&ctx).await {
                    slog::warn!(log, "settings: reload failed"; "error" => %e);
                }
                drop(ctx);
                tokio::select! {
                    n = listener.recv() => if n.is_none() { break },
                    _ = tick.tick() => {}
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}
