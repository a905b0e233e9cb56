//! Declarations the conformance check cannot derive from the two documents.
//!
//! # Routes we serve that the reference does not ([`EXTRA_ALLOWED`])
//!
//! Everything we publish must exist in the reference, except the routes the reference has
//! outside its OpenAPI document: the socket.io mount (`/ws/...`), the static mounts (`/static`,
//! `/pyodide`), and the single-page app (`GET /` and the SPA catch-alls under top-level
//! prefixes that are not API prefixes).

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
