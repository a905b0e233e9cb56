//! The reference's opt-in security headers (`utils/security_headers.py`, `set_security_headers`):
//! one environment variable per header, none set by default. A value that fails the header's
//! pattern is not dropped but replaced by that header's safe default, exactly as the reference's
//! setters do (`HSTS=yes` sends `max-age=31536000;includeSubDomains`); an empty value is unset.
//!
//! Read once at start (the reference computes them once in `AppHTTPMiddleware.__init__`). The
//! reference sets them on every answer; here only the web UI's answers carry them
//! (`http::frontend::serve`), since dropshot has no hook that sees every response.

use http::{HeaderName, HeaderValue};
use regex::Regex;

use super::ConfigError;

/// How one variable becomes its header's value.
enum Rule {
    /// `re.match(pattern, value, re.IGNORECASE)`, else the default.
    Pattern(&'static str, &'static str),
    /// Any value gives this one (`set_xcontent_type`, `set_xdownload_options`).
    Fixed(&'static str),
    /// The value as given (`set_content_security_policy`, `set_reporting_endpoints`).
    Free,
}

/// `header_setters`, in the reference's order: variable, header, rule.
const SETTERS: [(&str, &str, Rule); 14] = [
    (
        "CACHE_CONTROL",
        "cache-control",
        Rule::Pattern(
            r"^(public|private|no-cache|no-store|must-revalidate|proxy-revalidate|max-age=\d+|s-maxage=\d+|no-transform|immutable)(,\s*(public|private|no-cache|no-store|must-revalidate|proxy-revalidate|max-age=\d+|s-maxage=\d+|no-transform|immutable))*$",
            "no-store, max-age=0",
        ),
    ),
    ("HSTS", "strict-transport-security", Rule::Pattern(r"^max-age=(\d+)(;includeSubDomains)?(;preload)?$", "max-age=31536000;includeSubDomains")),
    (
        "PERMISSIONS_POLICY",
        "permissions-policy",
        Rule::Pattern(
            r"^(?:(accelerometer|autoplay|camera|clipboard-read|clipboard-write|fullscreen|geolocation|gyroscope|magnetometer|microphone|midi|payment|picture-in-picture|sync-xhr|usb|xr-spatial-tracking)=\((self)?\),?)*$",
            "none",
        ),
    ),
    (
        "REFERRER_POLICY",
        "referrer-policy",
        Rule::Pattern(
            r"^(no-referrer|no-referrer-when-downgrade|origin|origin-when-cross-origin|same-origin|strict-origin|strict-origin-when-cross-origin|unsafe-url)$",
            "no-referrer",
        ),
    ),
    ("XCONTENT_TYPE", "x-content-type-options", Rule::Fixed("nosniff")),
    ("XDOWNLOAD_OPTIONS", "x-download-options", Rule::Fixed("noopen")),
    ("XFRAME_OPTIONS", "x-frame-options", Rule::Pattern(r"^(DENY|SAMEORIGIN)$", "DENY")),
    (
        "XPERMITTED_CROSS_DOMAIN_POLICIES",
        "x-permitted-cross-domain-policies",
        Rule::Pattern(r"^(none|master-only|by-content-type|by-ftp-filename)$", "none"),
    ),
    ("CONTENT_SECURITY_POLICY", "content-security-policy", Rule::Free),
    ("CONTENT_SECURITY_POLICY_REPORT_ONLY", "content-security-policy-report-only", Rule::Free),
    ("CROSS_ORIGIN_EMBEDDER_POLICY", "cross-origin-embedder-policy", Rule::Pattern(r"^(unsafe-none|require-corp|credentialless)$", "require-corp")),
    ("CROSS_ORIGIN_OPENER_POLICY", "cross-origin-opener-policy", Rule::Pattern(r"^(unsafe-none|same-origin-allow-popups|same-origin)$", "same-origin")),
    ("CROSS_ORIGIN_RESOURCE_POLICY", "cross-origin-resource-policy", Rule::Pattern(r"^(same-site|same-origin|cross-origin)$", "same-origin")),
    ("REPORTING_ENDPOINTS", "reporting-endpoints", Rule::Free),
];

/// The variables read (for `config::defaults::env_names`).
pub fn env_names() -> impl Iterator<Item = &'static str> {
    SETTERS.iter().map(|s| s.0)
}

/// Python's `re.match(pattern, value, re.IGNORECASE)`: anchored at the start, and a final `$`
/// also matches before one trailing newline.
fn py_match(pattern: &str, value: &str) -> bool {
    let body = pattern.strip_suffix('$').expect("each pattern ends with $");
    Regex::new(&format!(r"(?i){body}\n?\z")).expect("the reference's pattern compiles").is_match(value)
}

/// `set_security_headers()` over the variables `lookup` gives. A value that cannot be sent as a
/// header (a control character, or a character outside Latin-1, which Starlette's
/// `MutableHeaders` cannot encode, so the reference fails every answer) refuses the start
/// instead of quietly sending no header.
pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Vec<(HeaderName, HeaderValue)>, ConfigError> {
    let mut headers = Vec::new();
    for (var, header, rule) in &SETTERS {
        let Some(value) = lookup(var).filter(|v| !v.is_empty()) else { continue };
        let value = match rule {
            Rule::Pattern(pattern, default) => {
                if py_match(pattern, &value) {
                    value
                } else {
                    default.to_string()
                }
            }
            Rule::Fixed(v) => v.to_string(),
            Rule::Free => value,
        };
        let latin1: Option<Vec<u8>> = value.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
        let Some(v) = latin1.and_then(|b| HeaderValue::from_bytes(&b).ok()) else {
            return Err(ConfigError::Invalid { name: var, what: "header value", value });
        };
        headers.push((HeaderName::from_static(header), v));
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(var: &str, value: &str) -> Option<String> {
        let h = from_lookup(|n| (n == var).then(|| value.to_string())).expect("valid");
        h.first().map(|(_, v)| v.to_str().expect("ascii").to_string())
    }

    #[test]
    fn patterns_as_the_reference() {
        assert_eq!(one("HSTS", "max-age=5;preload").as_deref(), Some("max-age=5;preload"));
        assert_eq!(one("HSTS", "MAX-AGE=5").as_deref(), Some("MAX-AGE=5"));
        assert_eq!(one("HSTS", "max-age=5; preload").as_deref(), Some("max-age=31536000;includeSubDomains"));
        assert_eq!(one("XFRAME_OPTIONS", "sameorigin").as_deref(), Some("sameorigin"));
        assert_eq!(one("XFRAME_OPTIONS", "ALLOW-FROM x").as_deref(), Some("DENY"));
        assert_eq!(one("XCONTENT_TYPE", "whatever").as_deref(), Some("nosniff"));
        assert_eq!(one("PERMISSIONS_POLICY", "camera=(),fullscreen=(self)").as_deref(), Some("camera=(),fullscreen=(self)"));
        assert_eq!(one("PERMISSIONS_POLICY", "camera=*").as_deref(), Some("none"));
        assert_eq!(one("CACHE_CONTROL", "no-store, max-age=0").as_deref(), Some("no-store, max-age=0"));
        assert_eq!(one("CACHE_CONTROL", "bogus").as_deref(), Some("no-store, max-age=0"));
        assert_eq!(one("CONTENT_SECURITY_POLICY", "default-src 'self'").as_deref(), Some("default-src 'self'"));
        assert_eq!(one("REFERRER_POLICY", "").as_deref(), None);
        // `$` before a trailing newline matches in Python, but such a value cannot be sent.
        assert!(py_match(r"^(DENY|SAMEORIGIN)$", "DENY\n"));
        assert!(from_lookup(|n| (n == "XFRAME_OPTIONS").then(|| "DENY\n".to_string())).is_err());
        assert!(from_lookup(|n| (n == "CONTENT_SECURITY_POLICY").then(|| "default-src 'self' ☃".to_string())).is_err());
    }
}
