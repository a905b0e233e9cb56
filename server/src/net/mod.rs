//! Outbound network access. Every fetch of a URL a user (or an admin setting) supplied goes
//! through [`outbound::Outbound`], which refuses private, loopback, link-local and metadata
//! destinations at connect time and on every redirect (security notes, class SSRF).

pub mod outbound;
