//! What every handler can reach: configuration, the database pool, start-up facts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use deadpool_postgres::Pool;

use crate::config::Config;
use crate::frontend::Frontend;

pub struct ServerContext {
    pub config: Config,
    pub db: Pool,
    /// Set once start-up (migrations) has finished; `/ready` answers 503 before.
    pub ready: AtomicBool,
    /// The stock web UI build and upstream's changelog (found, or being downloaded).
    pub frontend: Arc<Frontend>,
    /// The one client for fetching user-supplied URLs (SSRF guard: `net::outbound`).
    pub outbound: crate::net::outbound::Outbound,
    /// The settings snapshot (`config` rows over the environment), kept current by
    /// [`crate::settings::listen`].
    pub settings: crate::settings::Store,
    /// socket.io (`/ws/socket.io`): the service and the local emitter.
    pub sockets: crate::socket::Sockets,
    /// What this instance tells the others on the same database, and hears from them.
    pub bus: crate::bus::Bus,
    /// Background tasks (chat completions), listed and stopped across instances.
    pub tasks: crate::app::tasks::Tasks,
    /// The merged model list by id (`request.app.state.MODELS`), as last listed.
    pub models: crate::app::models::Registry,
    /// Session rows recently read, by token ([`crate::app::session::cache`]).
    pub sessions: crate::app::session::cache::SessionCache,
}

impl ServerContext {
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The current settings snapshot.
    pub fn settings(&self) -> Arc<crate::settings::Snapshot> {
        self.settings.current()
    }

    /// `Config.get(key)` (see [`crate::settings::Snapshot::get`]).
    pub fn setting(&self, key: &str) -> Option<serde_json::Value> {
        self.settings().get(&self.config, key)
    }

    /// `Config.get_many(keys)` (see [`crate::settings::Snapshot::get_many`]).
    pub fn settings_many(&self, keys: &[&str]) -> serde_json::Map<String, serde_json::Value> {
        self.settings().get_many(&self.config, keys)
    }
}
