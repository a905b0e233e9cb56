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
}

impl ServerContext {
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}
