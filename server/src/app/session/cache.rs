//! The session statement's rows, reused for a moment (ours; the reference reads the user on every
//! request). Every authenticated request needs its token's account, credential, groups'
//! permissions and revocation ([`crate::db::auths::session_by_id`]); a client sending several
//! requests a second (the web UI on load, an API client in a loop) reads the same rows each time.
//! This instance keeps them for `OWUI_SESSION_CACHE_MS` (default 1000, 0 off), so an authenticated
//! read runs its own query only.
//!
//! What keeps it right:
//! - Every request that can change those rows (any write under `/api/v1/auths` but a password
//!   sign-in or a sign-up, under `/api/v1/users`, `/api/v1/groups`, `/api/v1/scim`, sign-out,
//!   anything under `/oauth`: [`changes_sessions`])
//!   empties the cache when it ends, before its answer leaves, and tells the other instances
//!   through [`crate::bus`], which empty theirs.
//! - Rows read while such a write ran are not kept (a generation counter: a write between the read
//!   and the insert discards it), so no older rows outlive a change.
//! - A change made by something that does not tell us (the Python reference on a shared database,
//!   `psql`) is seen within the lifetime, as the settings snapshot's reload is
//!   (`OWUI_SETTINGS_REFRESH_SECONDS`).
//! API keys are not cached (their check reads other rows).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::Method;

use crate::context::ServerContext;
use crate::db::auths::SessionRows;

/// At most this many tokens are kept; past it the cache starts again empty.
const MAX_ENTRIES: usize = 10_000;

type Key = (String, Option<String>);

#[derive(Default)]
struct State {
    generation: u64,
    entries: HashMap<Key, (Instant, SessionRows)>,
}

/// This instance's cache (in the server context).
pub struct SessionCache {
    lifetime: Duration,
    state: Mutex<State>,
}

impl SessionCache {
    pub fn new(lifetime: Duration) -> SessionCache {
        SessionCache { lifetime, state: Mutex::default() }
    }

    /// The rows of account `id` for token `jti`, if read less than the lifetime ago; else the
    /// generation to hand [`SessionCache::keep`] with the rows read now.
    pub fn get(&self, id: &str, jti: Option<&str>) -> Result<SessionRows, u64> {
        let state = self.state.lock().expect("session cache");
        if self.lifetime.is_zero() {
            return Err(state.generation);
        }
        match state.entries.get(&(id.to_owned(), jti.map(str::to_owned))) {
            Some((at, rows)) if at.elapsed() < self.lifetime => Ok(rows.clone()),
            _ => Err(state.generation),
        }
    }

    /// Keeps rows read at `generation`, unless a change came since.
    pub fn keep(&self, id: &str, jti: Option<&str>, generation: u64, rows: &SessionRows) {
        if self.lifetime.is_zero() {
            return;
        }
        let mut state = self.state.lock().expect("session cache");
        if state.generation != generation {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            state.entries.clear();
        }
        state.entries.insert((id.to_owned(), jti.map(str::to_owned)), (Instant::now(), rows.clone()));
    }

    /// Forgets everything (a change here, or news of one from another instance).
    pub fn clear(&self) {
        let mut state = self.state.lock().expect("session cache");
        state.generation += 1;
        state.entries.clear();
    }
}

/// Whether a request may change session rows (see the module's notes).
pub fn changes_sessions(method: &Method, path: &str) -> bool {
    // A password sign-in or a sign-up only reads an account or makes a new one (which nothing has
    // cached): not a change, so signing in costs no notification.
    if matches!(path, "/api/v1/auths/signin" | "/api/v1/auths/signup") {
        return false;
    }
    let write = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    under("/oauth")
        || under("/api/v1/auths/signout")
        || (write && ["/api/v1/auths", "/api/v1/users", "/api/v1/groups", "/api/v1/scim"].into_iter().any(under))
}

/// After such a request: this instance's cache emptied at once, the others' through the bus.
pub async fn changed(ctx: &ServerContext) {
    ctx.sessions.clear();
    ctx.bus.publish(crate::bus::Message::SessionsChanged).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::auths::AuthRow;

    fn rows() -> SessionRows {
        let auth = AuthRow { id: "u".into(), email: None, password: None, active: true, mfa: None, session_stamp: None };
        SessionRows { auth, user: None, group_permissions: vec![], revoked: false }
    }

    #[test]
    fn rows_are_kept_for_their_lifetime_unless_a_change_came() {
        let c = SessionCache::new(Duration::from_secs(60));
        let g = c.get("u", Some("j")).expect_err("empty");
        c.keep("u", Some("j"), g, &rows());
        assert!(c.get("u", Some("j")).is_ok());
        assert!(c.get("u", Some("other")).is_err(), "per token");
        // A change between the read and the keep: not kept.
        let g = c.get("v", None).expect_err("empty");
        c.clear();
        c.keep("v", None, g, &rows());
        assert!(c.get("v", None).is_err());
        assert!(c.get("u", Some("j")).is_err(), "a change empties the cache");
        // Off.
        let off = SessionCache::new(Duration::ZERO);
        let g = off.get("u", None).expect_err("off");
        off.keep("u", None, g, &rows());
        assert!(off.get("u", None).is_err());
    }

    #[test]
    fn the_requests_that_change_sessions() {
        let post = Method::POST;
        for p in ["/api/v1/auths/update/password", "/api/v1/users/u1/update", "/api/v1/groups/id/g/users/add", "/api/v1/scim/v2/Users", "/api/v1/auths"] {
            assert!(changes_sessions(&post, p), "{p}");
        }
        assert!(changes_sessions(&Method::DELETE, "/api/v1/users/u1"));
        assert!(changes_sessions(&Method::GET, "/api/v1/auths/signout"));
        assert!(changes_sessions(&Method::GET, "/oauth/oidc/callback"));
        for p in ["/api/v1/auths/", "/api/v1/users/", "/api/v1/groups/"] {
            assert!(!changes_sessions(&Method::GET, p), "{p}");
        }
        assert!(!changes_sessions(&post, "/api/v1/chats/new"));
        assert!(!changes_sessions(&post, "/api/v1/auths/signin"));
        assert!(!changes_sessions(&post, "/api/v1/auths/signup"));
        assert!(changes_sessions(&post, "/api/v1/auths/ldap"));
        assert!(!changes_sessions(&post, "/api/v1/usersx"));
    }
}
