//! What every handler can reach: configuration, the database pool, start-up facts.

use std::sync::atomic::{AtomicBool, Ordering};

use deadpool_postgres::Pool;

use crate::config::Config;

pub struct ServerContext {
    pub config: Config,
    pub db: Pool,
    /// Set once start-up (migrations) has finished; `/ready` answers 503 before.
    pub ready: AtomicBool,
}

impl ServerContext {
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}
