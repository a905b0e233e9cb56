//! The one outbound HTTP client for user-supplied URLs (web fetch, image URLs, OAuth pictures,
//! tool servers, ...), with the SSRF guard the reference grew over a dozen advisories:
//!
//! - **At connect time**: names are resolved by [`GuardedResolver`], which refuses the whole name
//!   when any of its addresses is forbidden; the connection then goes to exactly the addresses
//!   checked, so DNS rebinding between a check and the connect cannot happen (h6x2).
//! - **IP literals** (which never reach a resolver) are checked from the URL; the URL parser has
//!   already normalised decimal, octal, hex and short IPv4 forms (`http://2130706433/`,
//!   `http://0x7f.1/`, `http://0177.0.0.1/`) to plain addresses (5x7x).
//! - **Embedded IPv4**: IPv4-mapped and -compatible IPv6, NAT64 `64:ff9b::/96` and 6to4
//!   `2002::/16` are judged by the IPv4 address inside (4v7r, 8x5v).
//! - **Redirects** are not followed by reqwest: [`Outbound::send`] follows at most
//!   [`MAX_REDIRECTS`] of them itself, checking every hop like the first URL (rh5x, jrfp, 226f).
//! - No proxy from the environment.
//!
//! Private, loopback, link-local, CGNAT and unique-local destinations are allowed only with the
//! reference's `ENABLE_LOCAL_WEB_FETCH=true` (an admin setting, default false); cloud metadata
//! addresses and names, multicast, reserved and translation-only ranges (the reference's default
//! `WEB_FETCH_FILTER_LIST`) are refused even then.
//!

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, AUTHORIZATION, COOKIE, LOCATION};
use reqwest::{Method, StatusCode, Url};

use crate::config::Config;

/// Redirects followed per request (each one re-checked).
pub const MAX_REDIRECTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("invalid URL: {0}")]
    BadUrl(String),
    #[error("URL scheme not allowed: {0}")]
    Scheme(String),
    #[error("destination not allowed: {0}")]
    Blocked(String),
    #[error("too many redirects (more than {0})")]
    TooManyRedirects(usize),
    #[error("request failed: {0}")]
    Request(String),
}

/// How a destination address is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// A public address.
    Public,
    /// Private, loopback, link-local, CGNAT, unique-local, documentation: allowed only with
    /// `ENABLE_LOCAL_WEB_FETCH`.
    Local,
    /// Metadata services, multicast, reserved and never-routed ranges: always refused.
    Never,
}

/// Host names refused whatever the setting (the reference's default filter list).
const BLOCKED_HOSTS: &[&str] = &["metadata.google.internal", "metadata.azure.com"];

fn in_v4(ip: u32, net: [u8; 4], bits: u32) -> bool {
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    ip & mask == u32::from_be_bytes(net) & mask
}

fn in_v6(ip: u128, net: u128, bits: u32) -> bool {
    let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
    ip & mask == net & mask
}

/// Where an IPv4 address leads.
pub fn reach_v4(ip: Ipv4Addr) -> Reach {
    let n = u32::from(ip);
    const NEVER: &[([u8; 4], u32)] = &[
        ([169, 254, 169, 254], 32), // cloud metadata
        ([100, 100, 100, 200], 32), // Alibaba metadata
        ([168, 63, 129, 16], 32),   // Azure platform channel
        ([192, 88, 99, 0], 24),     // 6to4 relay anycast
        ([224, 0, 0, 0], 4),        // multicast
        ([240, 0, 0, 0], 4),        // reserved, broadcast
    ];
    const LOCAL: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),
        ([10, 0, 0, 0], 8),
        ([100, 64, 0, 0], 10),
        ([127, 0, 0, 0], 8),
        ([169, 254, 0, 0], 16),
        ([172, 16, 0, 0], 12),
        ([192, 0, 0, 0], 24),
        ([192, 0, 2, 0], 24),
        ([192, 168, 0, 0], 16),
        ([198, 18, 0, 0], 15),
        ([198, 51, 100, 0], 24),
        ([203, 0, 113, 0], 24),
    ];
    if NEVER.iter().any(|(net, bits)| in_v4(n, *net, *bits)) {
        Reach::Never
    } else if LOCAL.iter().any(|(net, bits)| in_v4(n, *net, *bits)) {
        Reach::Local
    } else {
        Reach::Public
    }
}

/// Where an IPv6 address leads; embedded IPv4 forms are judged by their IPv4 address.
pub fn reach_v6(ip: Ipv6Addr) -> Reach {
    let n = u128::from(ip);
    let v4_at = |shift: u32| Ipv4Addr::from((n >> shift) as u32);
    const NEVER: &[(u128, u32)] = &[
        (0xfd00_0ec2_0000_0000_0000_0000_0000_0254, 128), // AWS metadata (IPv6)
        (0x0000_0000_0000_0000_ffff_0000_0000_0000, 96),  // IPv4-translated (SIIT)
        (0x0064_ff9b_0001_0000_0000_0000_0000_0000, 48),  // NAT64 local-use
        (0x0100_0000_0000_0001_0000_0000_0000_0000, 64),  // dummy prefix
        (0x2001_0001_0000_0000_0000_0000_0000_0001, 128), // PCP anycast
        (0x2001_0001_0000_0000_0000_0000_0000_0002, 128), // TURN anycast
        (0x2001_0020_0000_0000_0000_0000_0000_0000, 28),  // ORCHIDv2
        (0x2001_0030_0000_0000_0000_0000_0000_0000, 28),  // DRIP
        (0x5f00_0000_0000_0000_0000_0000_0000_0000, 16),  // SRv6 SIDs
        (0xfec0_0000_0000_0000_0000_0000_0000_0000, 10),  // site-local
        (0xff00_0000_0000_0000_0000_0000_0000_0000, 8),   // multicast
    ];
    if NEVER.iter().any(|(net, bits)| in_v6(n, *net, *bits)) {
        return Reach::Never;
    }
    if n == 0 || n == 1 {
        return Reach::Local; // unspecified, loopback
    }
    // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d).
    if in_v6(n, 0xffff_0000_0000, 96) || in_v6(n, 0, 96) {
        return reach_v4(v4_at(0));
    }
    // NAT64 well-known prefix.
    if in_v6(n, 0x0064_ff9b_0000_0000_0000_0000_0000_0000, 96) {
        return reach_v4(v4_at(0));
    }
    // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
    if in_v6(n, 0x2002_0000_0000_0000_0000_0000_0000_0000, 16) {
        return reach_v4(v4_at(80));
    }
    const LOCAL: &[(u128, u32)] = &[
        (0xfc00_0000_0000_0000_0000_0000_0000_0000, 7),  // unique local
        (0xfe80_0000_0000_0000_0000_0000_0000_0000, 10), // link-local
        (0x0100_0000_0000_0000_0000_0000_0000_0000, 64), // discard
        (0x2001_0db8_0000_0000_0000_0000_0000_0000, 32), // documentation
        (0x2001_0000_0000_0000_0000_0000_0000_0000, 32), // Teredo (embeds a client address)
        (0x2001_0002_0000_0000_0000_0000_0000_0000, 48), // benchmarking
    ];
    if LOCAL.iter().any(|(net, bits)| in_v6(n, *net, *bits)) {
        Reach::Local
    } else {
        Reach::Public
    }
}

pub fn reach(ip: IpAddr) -> Reach {
    match ip {
        IpAddr::V4(v4) => reach_v4(v4),
        IpAddr::V6(v6) => reach_v6(v6),
    }
}

/// What may be fetched.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `ENABLE_LOCAL_WEB_FETCH`: private and loopback destinations allowed.
    pub allow_local: bool,
}

impl Policy {
    /// Public destinations only.
    pub fn strict() -> Policy {
        Policy { allow_local: false }
    }

    /// The reference's `ENABLE_LOCAL_WEB_FETCH` (alias `ENABLE_RAG_LOCAL_WEB_FETCH`), default false.
    pub fn from_config(config: &Config) -> Policy {
        let legacy = config.env_bool("ENABLE_RAG_LOCAL_WEB_FETCH", false);
        Policy { allow_local: config.env_bool("ENABLE_LOCAL_WEB_FETCH", legacy) }
    }

    /// Whether a connection to `ip` is allowed.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        match reach(ip) {
            Reach::Public => Ok(()),
            Reach::Local if self.allow_local => Ok(()),
            Reach::Local => Err(format!("{ip} is a private or local address")),
            Reach::Never => Err(format!("{ip} is a reserved or metadata address")),
        }
    }

    /// Checks what can be checked before connecting: the scheme, IP-literal hosts (which no
    /// resolver sees) and refused host names.
    pub fn check_url(&self, url: &Url) -> Result<(), OutboundError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OutboundError::Scheme(url.scheme().to_string()));
        }
        match url.host() {
            None => Err(OutboundError::BadUrl(format!("{url} has no host"))),
            Some(url::Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)).map_err(OutboundError::Blocked),
            Some(url::Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)).map_err(OutboundError::Blocked),
            Some(url::Host::Domain(d)) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                if BLOCKED_HOSTS.contains(&d.as_str()) {
                    return Err(OutboundError::Blocked(format!("{d} is a metadata host")));
                }
                if !self.allow_local && (d == "localhost" || d.ends_with(".localhost")) {
                    return Err(OutboundError::Blocked(format!("{d} is a local name")));
                }
                Ok(())
            }
        }
    }
}

/// The resolver's refusal (found again in reqwest's error chain).
#[derive(Debug)]
struct BlockedAddr(String);

impl std::fmt::Display for BlockedAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BlockedAddr {}

/// Resolves with the system resolver, then refuses the name if any address is forbidden.
struct GuardedResolver {
    policy: Arc<Policy>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            for a in &addrs {
                if let Err(why) = policy.check_ip(a.ip()) {
                    return Err(Box::new(BlockedAddr(format!("{host} resolves to {why}"))) as Box<dyn std::error::Error + Send + Sync>);
                }
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The guarded client. Cheap to clone.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    policy: Arc<Policy>,
}

impl Outbound {
    pub fn new(policy: Policy) -> Outbound {
        Self::with_timeout(policy, Some(Duration::from_secs(60)))
    }

    /// A client whose requests have no overall time limit of their own (`None`): for answers
    /// streamed for as long as the other side writes (the LLM proxies), whose callers bound
    /// each call themselves.
    pub fn with_timeout(policy: Policy, total: Option<Duration>) -> Outbound {
        let policy = Arc::new(policy);
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(GuardedResolver { policy: policy.clone() })
            .connect_timeout(Duration::from_secs(10));
        if let Some(t) = total {
            builder = builder.timeout(t);
        }
        let client = builder.build().expect("the outbound HTTP client builds");
        Outbound { client, policy }
    }

    pub fn from_config(config: &Config) -> Outbound {
        Self::new(Policy::from_config(config))
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// `GET url`, following checked redirects.
    pub async fn get(&self, url: &str) -> Result<reqwest::Response, OutboundError> {
        self.send(Method::GET, url, HeaderMap::new(), None).await
    }

    /// Sends a request whose body is streamed (a file pushed chunk by chunk), its URL checked as
    /// [`Outbound::send`] checks it; a redirect is answered as it is (a streamed body cannot be
    /// sent twice).
    pub async fn send_streamed(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: reqwest::Body,
    ) -> Result<reqwest::Response, OutboundError> {
        let url = Url::parse(url).map_err(|e| OutboundError::BadUrl(e.to_string()))?;
        self.policy.check_url(&url)?;
        self.client.request(method, url).headers(headers).body(body).send().await.map_err(|e| classify(&e))
    }

    /// Sends a request, following up to [`MAX_REDIRECTS`] redirects, each target checked like
    /// the first URL. 303 (and 301/302 after a POST) turn into a body-less GET; credentials
    /// headers are dropped when a redirect leaves the origin.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::Response, OutboundError> {
        let mut url = Url::parse(url).map_err(|e| OutboundError::BadUrl(e.to_string()))?;
        let (mut method, mut headers, mut body) = (method, headers, body);
        for hop in 0..=MAX_REDIRECTS {
            self.policy.check_url(&url)?;
            let mut rb = self.client.request(method.clone(), url.clone()).headers(headers.clone());
            if let Some(b) = &body {
                rb = rb.body(b.clone());
            }
            let resp = rb.send().await.map_err(|e| classify(&e))?;
            let status = resp.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                return Ok(resp);
            }
            let Some(location) = resp.headers().get(LOCATION).and_then(|l| l.to_str().ok()) else {
                return Ok(resp);
            };
            if hop == MAX_REDIRECTS {
                return Err(OutboundError::TooManyRedirects(MAX_REDIRECTS));
            }
            let next = url.join(location).map_err(|e| OutboundError::BadUrl(format!("redirect to {location:?}: {e}")))?;
            if status == StatusCode::SEE_OTHER
                || ((status == StatusCode::MOVED_PERMANENTLY || status == StatusCode::FOUND) && method == Method::POST)
            {
                method = Method::GET;
                body = None;
                headers.remove(reqwest::header::CONTENT_TYPE);
                headers.remove(reqwest::header::CONTENT_LENGTH);
            }
            if next.origin() != url.origin() {
                headers.remove(AUTHORIZATION);
                headers.remove(COOKIE);
            }
            url = next;
        }
        Err(OutboundError::TooManyRedirects(MAX_REDIRECTS))
    }
}

/// A reqwest failure: the resolver's refusal if it is one.
fn classify(e: &reqwest::Error) -> OutboundError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(b) = s.downcast_ref::<BlockedAddr>() {
            return OutboundError::Blocked(b.0.clone());
        }
        source = s.source();
    }
    OutboundError::Request(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn address_classes() {
        for (a, want) in [
            ("8.8.8.8", Reach::Public),
            ("1.1.1.1", Reach::Public),
            ("127.0.0.1", Reach::Local),
            ("127.255.0.9", Reach::Local),
            ("0.0.0.0", Reach::Local),
            ("10.1.2.3", Reach::Local),
            ("172.16.0.1", Reach::Local),
            ("172.32.0.1", Reach::Public),
            ("192.168.1.1", Reach::Local),
            ("100.64.0.1", Reach::Local),
            ("169.254.1.1", Reach::Local),
            ("169.254.169.254", Reach::Never),
            ("100.100.100.200", Reach::Never),
            ("224.0.0.1", Reach::Never),
            ("255.255.255.255", Reach::Never),
            ("::", Reach::Local),
            ("::1", Reach::Local),
            ("::ffff:127.0.0.1", Reach::Local),
            ("::ffff:7f00:1", Reach::Local),
            ("::ffff:169.254.169.254", Reach::Never),
            ("::ffff:8.8.8.8", Reach::Public),
            ("::127.0.0.1", Reach::Local),
            ("::ffff:0:7f00:1", Reach::Never),
            ("64:ff9b::a9fe:a9fe", Reach::Never),
            ("64:ff9b::7f00:1", Reach::Local),
            ("64:ff9b::808:808", Reach::Public),
            ("64:ff9b:1::1", Reach::Never),
            ("2002:7f00:1::1", Reach::Local),
            ("2002:a9fe:a9fe::", Reach::Never),
            ("2002:808:808::1", Reach::Public),
            ("fe80::1", Reach::Local),
            ("fc00::1", Reach::Local),
            ("fd12:3456::1", Reach::Local),
            ("fd00:ec2::254", Reach::Never),
            ("fec0::1", Reach::Never),
            ("ff02::1", Reach::Never),
            ("2001:db8::1", Reach::Local),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Reach::Local),
            ("2606:4700:4700::1111", Reach::Public),
        ] {
            assert_eq!(reach(ip(a)), want, "{a}");
        }
    }

    #[test]
    fn ip_literal_variants_are_refused_before_any_connection() {
        let strict = Policy::strict();
        for u in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://017700000001/",
            "http://127.1/",
            "http://0/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
            "http://[2002:a9fe:a9fe::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/",
            "http://[fe80::1%25eth0]/",
            "http://localhost/",
            "http://LOCALHOST./",
            "http://a.localhost/",
            "http://metadata.google.internal/computeMetadata/v1/",
        ] {
            let parsed = match Url::parse(u) {
                Ok(p) => p,
                Err(_) => continue, // unparseable is refused too
            };
            assert!(matches!(strict.check_url(&parsed), Err(OutboundError::Blocked(_))), "{u} -> {:?}", parsed.host());
        }
        for u in ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://example.com/"] {
            assert!(matches!(strict.check_url(&Url::parse(u).unwrap()), Err(OutboundError::Scheme(_))), "{u}");
        }
        assert!(strict.check_url(&Url::parse("https://example.com/x").unwrap()).is_ok());
        assert!(strict.check_url(&Url::parse("http://8.8.8.8/").unwrap()).is_ok());
        // With local fetch allowed, loopback passes but metadata never does.
        let open = Policy { allow_local: true };
        assert!(open.check_url(&Url::parse("http://127.0.0.1:8080/").unwrap()).is_ok());
        assert!(open.check_url(&Url::parse("http://localhost/").unwrap()).is_ok());
        assert!(open.check_url(&Url::parse("http://169.254.169.254/").unwrap()).is_err());
        assert!(open.check_url(&Url::parse("http://[64:ff9b::a9fe:a9fe]/").unwrap()).is_err());
        assert!(open.check_url(&Url::parse("http://metadata.azure.com/").unwrap()).is_err());
    }

    /// A local HTTP server: `/hop/N` redirects to `/hop/N-1`, `/hop/0` answers 200 `final`,
    /// `/to?u=URL` redirects to URL, `/loop` to itself. Counts connections.
    async fn redirector() -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { return };
                h.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).to_string();
                    let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let resp = if let Some(n) = path.strip_prefix("/hop/") {
                        let n: usize = n.parse().unwrap_or(0);
                        if n == 0 {
                            "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nfinal".to_string()
                        } else {
                            format!("HTTP/1.1 302 Found\r\nlocation: /hop/{}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n", n - 1)
                        }
                    } else if let Some(u) = path.strip_prefix("/to?u=") {
                        format!("HTTP/1.1 307 Temporary Redirect\r\nlocation: {u}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    } else {
                        "HTTP/1.1 302 Found\r\nlocation: /loop\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string()
                    };
                    let _ = sock.write_all(resp.as_bytes()).await;
                });
            }
        });
        (base, hits)
    }

    #[tokio::test]
    async fn loopback_is_refused_before_connecting_unless_allowed() {
        let (base, hits) = redirector().await;
        let strict = Outbound::new(Policy::strict());
        let e = strict.get(&format!("{base}/hop/0")).await.unwrap_err();
        assert!(matches!(e, OutboundError::Blocked(_)), "{e}");
        // A name that resolves to loopback is refused by the resolver, at connect time (the
        // client itself, without the URL pre-check that already refuses `localhost`).
        let port = base.rsplit(':').next().unwrap();
        let e = strict.client.get(format!("http://localhost:{port}/hop/0")).send().await.unwrap_err();
        assert!(matches!(classify(&e), OutboundError::Blocked(_)), "{e:?}");
        let e = strict.get(&format!("http://localhost:{port}/hop/0")).await.unwrap_err();
        assert!(matches!(e, OutboundError::Blocked(_)), "{e}");
        assert_eq!(hits.load(Ordering::SeqCst), 0, "no connection was made");

        let open = Outbound::new(Policy { allow_local: true });
        let r = open.get(&format!("{base}/hop/3")).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "final");
    }

    #[tokio::test]
    async fn every_redirect_is_checked_and_capped() {
        let (base, _hits) = redirector().await;
        let open = Outbound::new(Policy { allow_local: true });
        // Five hops are followed, a sixth is not.
        assert_eq!(open.get(&format!("{base}/hop/5")).await.unwrap().status(), 200);
        assert!(matches!(open.get(&format!("{base}/hop/6")).await, Err(OutboundError::TooManyRedirects(5))));
        assert!(matches!(open.get(&format!("{base}/loop")).await, Err(OutboundError::TooManyRedirects(5))));
        // A redirect to the metadata address (in any spelling) is refused, even with local allowed.
        for target in [
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://metadata.google.internal/",
            "file:///etc/passwd",
        ] {
            let e = open.get(&format!("{base}/to?u={target}")).await.unwrap_err();
            assert!(matches!(e, OutboundError::Blocked(_) | OutboundError::Scheme(_)), "{target}: {e}");
        }
    }
}
