//! Declarations the conformance check cannot derive from the two documents.
//!
//! # Literal routes served by a variable route ([`DISPATCHED`])
//!
//! Stock dropshot cannot register `GET /api/v1/chats/all` beside `GET /api/v1/chats/{id}`
//! (the project notes, `shared/notes/dropshot.md` §1), so our `{id}` handler matches on the segment
//! itself (`"all"`, `"pinned"`, ...) and answers as the reference's literal route would. The
//! router sends the literal path to the variable route whatever the handler does, so the
//! documents alone cannot tell whether the literal route is implemented: the handler's author
//! declares it here, in the same change that adds the dispatch. Each row is
//! `(method, our variable route as in webui.json, reference literal routes it answers)`.
//!
//! The conformance tool checks every row: our route exists, each reference route exists with
//! that method, and our route really captures it (same segment count; equal segments where ours
//! is literal). A declared reference route then counts as served; its parameters and schemas
//! are compared against our route's (our path variable is the dispatch key and is not compared;
//! when our response or body is a union, the reference shape must be one of its members).
//!
//! Reference routes that our variable routes capture but that are not declared are listed by
//! the tool as "captured, not declared" (they reach the handler, which probably answers 404).
//!
//! # Routes we serve that the reference does not ([`EXTRA_ALLOWED`])
//!
//! Everything we publish must exist in the reference, except the routes the reference has
//! outside its OpenAPI document: the socket.io mount (`/ws/...`), the static mounts (`/static`,
//! `/pyodide`), and the single-page app (`GET /` and the SPA catch-alls under top-level
//! prefixes that are not API prefixes).

/// `(method, our route, reference literal routes it also serves)`. Methods upper case, paths as
/// written in the documents (trailing slashes do not matter).
pub const DISPATCHED: &[(&str, &str, &[&str])] = &[
    // Example (uncomment with the handler that does it):
    // ("GET", "/api/v1/chats/{id}", &["/api/v1/chats/all", "/api/v1/chats/pinned"]),
    ("GET", "/api/v1/users/{user_id}/settings", &["/api/v1/users/user/settings"]),
    ("POST", "/api/v1/users/{user_id}/settings/update", &["/api/v1/users/user/settings/update"]),
    (
        "GET",
        "/api/v1/users/{user_id}",
        &["/api/v1/users/all", "/api/v1/users/search", "/api/v1/users/groups", "/api/v1/users/permissions", "/api/v1/users/usage"],
    ),
    ("GET", "/api/v1/users/{user_id}/info", &["/api/v1/users/user/info"]),
    ("POST", "/api/v1/users/{user_id}/info/update", &["/api/v1/users/user/info/update"]),
    ("GET", "/api/v1/users/{user_id}/status", &["/api/v1/users/user/status"]),
    ("POST", "/api/v1/users/{user_id}/status/update", &["/api/v1/users/user/status/update"]),
    ("GET", "/api/v1/users/{user_id}/variables", &["/api/v1/users/user/variables"]),
    ("POST", "/api/v1/users/{user_id}/variables/update", &["/api/v1/users/user/variables/update"]),
    ("GET", "/api/v1/users/{user_id}/permissions", &["/api/v1/users/default/permissions"]),
    ("POST", "/api/v1/users/{user_id}/permissions", &["/api/v1/users/default/permissions"]),
    ("GET", "/api/v1/users/{user_id}/permissions/defaults", &["/api/v1/users/default/permissions/defaults"]),
    ("DELETE", "/api/v1/auths/oauth/{provider}/{name}", &["/api/v1/auths/oauth/sessions/{provider}"]),
    ("POST", "/api/v1/auths/oauth/{provider}/{name}/exchange", &["/api/v1/auths/oauth/{provider}/token/exchange"]),
    ("POST", "/oauth/{provider}", &["/oauth/backchannel-logout"]),
    ("GET", "/oauth/{provider}/{action}", &["/oauth/{provider}/login", "/oauth/{provider}/callback"]),
    (
        "GET",
        "/oauth/{provider}/{action}/{step}",
        &["/oauth/{provider}/login/callback", "/oauth/clients/{client_id}/authorize", "/oauth/clients/{client_id}/callback"],
    ),
];

/// Why a route of ours that the reference's document lacks is allowed, or `None`.
pub fn extra_allowed(method: &str, path: &str) -> Option<&'static str> {
    let method = method.to_ascii_lowercase();
    let segs = crate::oas::segments(path);
    let first = segs.first().copied().unwrap_or("");
    EXTRA_ALLOWED
        .iter()
        .find(|rule| {
            (rule.methods.is_empty() || rule.methods.contains(&method.as_str())) && (rule.matches)(first, segs.len())
        })
        .map(|rule| rule.reason)
}

/// One allow-list rule.
pub struct ExtraRule {
    /// Lower-case methods; empty means any.
    pub methods: &'static [&'static str],
    /// Given the first path segment and the number of segments.
    pub matches: fn(&str, usize) -> bool,
    pub reason: &'static str,
}

/// Top-level path segments that belong to the API (in the reference's document). An SPA route
/// must not sit under one of these.
pub const API_PREFIXES: &[&str] = &[
    "api",
    "ollama",
    "openai",
    "oauth",
    "health",
    "ready",
    "cache",
    "manifest.json",
    "opensearch.xml",
    "ws",
    "static",
    "pyodide",
];

/// The allow-list.
pub const EXTRA_ALLOWED: &[ExtraRule] = &[
    ExtraRule {
        methods: &[],
        matches: |first, _| first == "ws",
        reason: "socket.io (the reference mounts python-socketio at /ws)",
    },
    ExtraRule {
        methods: &["get", "head"],
        matches: |first, _| first == "static" || first == "pyodide",
        reason: "static files (the reference mounts StaticFiles at /static and /pyodide)",
    },
    ExtraRule {
        methods: &["get", "head"],
        matches: |_, n| n == 0,
        reason: "SPA index (the reference mounts the frontend at /)",
    },
    ExtraRule {
        methods: &["get", "head"],
        matches: |first, _| !API_PREFIXES.contains(&first),
        reason: "SPA route (the reference's frontend mount answers every other GET)",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        assert!(extra_allowed("GET", "/ws/socket.io/{path}").is_some());
        assert!(extra_allowed("POST", "/ws/socket.io/{path}").is_some());
        assert!(extra_allowed("GET", "/").is_some());
        assert!(extra_allowed("GET", "/_app/{path}").is_some());
        assert!(extra_allowed("GET", "/static/{path}").is_some());
        assert!(extra_allowed("POST", "/_app/{path}").is_none());
        assert!(extra_allowed("GET", "/api/v1/nope").is_none());
        assert!(extra_allowed("GET", "/health/nope").is_none());
    }
}
