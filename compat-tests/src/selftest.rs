//! The harness tests itself, live, against the reference:
//!
//! 1. **Mirror.** Both sides of a pair are the reference: side A is a recording proxy in front of
//!    it, side B replays, byte for byte, what A received for the same request. Every scenario runs
//!    with its marks ignored; every step must come out identical (no false differences).
//! 2. **Tamper.** The same, but B alters each response it replays (a visible body byte, the
//!    status, the content type, a cookie attribute, one more body byte, in turn); every altered
//!    step must be reported as different, with its marks ignored.
//! 3. **Exhaustive flips.** For every response the reference gave in (1), each body byte (all of
//!    them for bodies up to 4 KiB, a spread of 1024 beyond) is changed in turn; every change
//!    outside what a mask claims (uuid, jwt, ... spans) must show in the comparison, and so must a
//!    change to the status or any compared header. The report gives the share of masked bytes.
//! 4. **Missing.** A step our server does not serve (dropshot's router answers) is classified
//!    missing, which fails a run, and never identical.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use serde::Serialize;

use crate::compare::{self, router_answer, Verdict};
use crate::masks::{Literals, MaskState, Masks};
use crate::runner::{self, Backend, Pair, RunCtx, ScenarioResult};
use crate::scenario::{Mode, Scenario, Step, Target};
use crate::wire::{self, RawResponse};

/// The header the replaying side adds to a response it altered.
pub const TAMPER_HEADER: &str = "x-compat-tamper";

#[derive(Default)]
struct MirrorState {
    latest: HashMap<Vec<u8>, RawResponse>,
    tamper: bool,
    replayed: usize,
    forwarded: usize,
}

/// The recording and the replaying proxy in front of one reference.
pub struct Mirror {
    pub recorder: String,
    pub replayer: String,
    state: Arc<Mutex<MirrorState>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Mirror {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

type Body = BoxBody<Bytes, Infallible>;

fn key(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut k = format!("{method} {path}\n").into_bytes();
    for (n, v) in headers {
        if matches!(n.as_str(), "authorization" | "cookie" | "content-type") {
            k.extend_from_slice(format!("{n}: {v}\n").as_bytes());
        }
    }
    k.extend_from_slice(body);
    k
}

fn to_hyper(r: &RawResponse) -> hyper::Response<Body> {
    let mut b = hyper::Response::builder().status(r.status);
    for (n, v) in &r.headers {
        if matches!(n.as_str(), "content-length" | "transfer-encoding" | "connection" | "keep-alive") {
            continue;
        }
        b = b.header(n, v);
    }
    b.body(Full::new(Bytes::from(r.body.clone())).boxed()).unwrap()
}

async fn forward(client: &reqwest::Client, target: &str, method: &str, path: &str, headers: &[(String, String)], body: Vec<u8>) -> RawResponse {
    let req = wire::Request {
        method: method.to_string(),
        path: path.to_string(),
        headers: headers
            .iter()
            .filter(|(n, _)| !matches!(n.as_str(), "host" | "content-length" | "connection" | "transfer-encoding"))
            .cloned()
            .collect(),
        body: if body.is_empty() { None } else { Some(body) },
    };
    match wire::send(client, target, &req).await {
        Ok(r) => r,
        Err(e) => RawResponse { status: 502, headers: vec![("content-type".into(), "text/plain".into())], body: format!("mirror: {e:#}").into_bytes(), millis: 0 },
    }
}

/// Alteration number `n` of `r`: returns the altered response and what was done.
/// A HEAD response's body never reaches the client, nor does one of a status that has none
/// (1xx, 204, 304: hyper drops it), so only their status and headers are altered.
pub fn tamper(masks: &Masks, r: &RawResponse, n: usize, head: bool) -> (RawResponse, String) {
    let head = head || matches!(r.status, 100..=199 | 204 | 304);
    let mut t = r.clone();
    let visible = |b: &[u8]| -> Option<usize> {
        let spans = masks.spans(&Literals::default(), b);
        let mid = b.len() / 2;
        (mid..b.len()).chain(0..mid).find(|p| !spans.iter().any(|(s, _)| s.contains(p)))
    };
    let has_cookie = r.header("set-cookie").is_some();
    for kind in 0..5 {
        match (n + kind) % 5 {
            0 if !head => {
                if let Some(p) = visible(&t.body) {
                    let old = t.body[p];
                    t.body[p] = flip(old);
                    let what = format!("body byte {p}: {:?} → {:?}", old as char, t.body[p] as char);
                    return (t, what);
                }
            }
            1 => {
                t.status = if r.status == 200 { 201 } else { r.status + 1 };
                let what = format!("status {} → {}", r.status, t.status);
                return (t, what);
            }
            2 => {
                let ct = r.content_type().to_string();
                t.headers.retain(|(n, _)| n != "content-type");
                let new = if ct.is_empty() { "text/x-tamper".to_string() } else { format!("{ct}x") };
                t.headers.push(("content-type".into(), new.clone()));
                return (t, format!("content-type {ct:?} → {new:?}"));
            }
            3 if has_cookie => {
                for (name, v) in t.headers.iter_mut() {
                    if name == "set-cookie" {
                        v.push_str("; Secure");
                        return (t, "set-cookie: added Secure".into());
                    }
                }
            }
            4 if !head => {
                t.body.push(b' ');
                return (t, "body: one more byte".into());
            }
            _ => {}
        }
    }
    unreachable!("the status alteration always applies")
}

/// A different byte of the same class (digit, lower, upper), or '#'/'%' for anything else.
pub fn flip(b: u8) -> u8 {
    match b {
        b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => b + 1,
        b'9' => b'0',
        b'z' => b'a',
        b'Z' => b'A',
        b'#' => b'%',
        _ => b'#',
    }
}

impl Mirror {
    pub async fn start(target: String, masks: Arc<Masks>) -> Result<Mirror> {
        let state = Arc::new(Mutex::new(MirrorState::default()));
        let client = wire::client();
        let mut tasks = Vec::new();
        let mut urls = Vec::new();
        for replaying in [false, true] {
            let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            urls.push(format!("http://{}", listener.local_addr()?));
            let (state, client, target, masks) = (state.clone(), client.clone(), target.clone(), masks.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else { continue };
                    let (state, client, target, masks) = (state.clone(), client.clone(), target.clone(), masks.clone());
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                            let (state, client, target, masks) = (state.clone(), client.clone(), target.clone(), masks.clone());
                            async move {
                                let method = req.method().as_str().to_string();
                                let path = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
                                let headers: Vec<(String, String)> = req
                                    .headers()
                                    .iter()
                                    .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).to_string()))
                                    .collect();
                                let body = req.into_body().collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
                                let k = key(&method, &path, &headers, &body);
                                if replaying {
                                    let found = {
                                        let mut st = state.lock().unwrap();
                                        let f = st.latest.remove(&k);
                                        if f.is_some() {
                                            st.replayed += 1;
                                        } else {
                                            st.forwarded += 1;
                                        }
                                        f.map(|r| (r, st.tamper, st.replayed))
                                    };
                                    let resp = match found {
                                        Some((r, false, _)) => r,
                                        Some((r, true, n)) => {
                                            let (mut t, what) = tamper(&masks, &r, n, method == "HEAD");
                                            t.headers.push((TAMPER_HEADER.into(), what));
                                            t
                                        }
                                        None => forward(&client, &target, &method, &path, &headers, body).await,
                                    };
                                    Ok::<_, Infallible>(to_hyper(&resp))
                                } else {
                                    let r = forward(&client, &target, &method, &path, &headers, body).await;
                                    state.lock().unwrap().latest.insert(k, r.clone());
                                    Ok(to_hyper(&r))
                                }
                            }
                        });
                        let _ = hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(stream), svc).await;
                    });
                }
            }));
        }
        Ok(Mirror { recorder: urls[0].clone(), replayer: urls[1].clone(), state, tasks })
    }

    pub fn set_tamper(&self, on: bool) {
        let mut st = self.state.lock().unwrap();
        st.tamper = on;
        st.latest.clear();
    }
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct PassSummary {
    pub name: String,
    pub steps: usize,
    /// Blocked steps (not sent to either side).
    pub skipped: usize,
    pub identical: usize,
    pub tampered: usize,
    pub tampered_detected: usize,
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct FlipSummary {
    pub responses: usize,
    pub body_bytes: usize,
    pub positions_checked: usize,
    pub detected: usize,
    /// Changes hidden because they fell inside a mask's span, per mask.
    pub hidden_by_mask: BTreeMap<String, usize>,
    pub header_and_status_changes: usize,
    pub header_and_status_detected: usize,
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct MissingSummary {
    pub request: String,
    pub reference_status: u16,
    pub server_answer: String,
    pub verdict_unmarked: String,
    pub verdict_pending: String,
    pub fails_a_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct SelfTestReport {
    pub passes: Vec<PassSummary>,
    pub flips: FlipSummary,
    pub missing: MissingSummary,
    pub ok: bool,
}

fn check_pass(name: &str, results: &[ScenarioResult], tampering: bool) -> PassSummary {
    let mut p = PassSummary { name: name.into(), ..Default::default() };
    for sc in results {
        for st in &sc.steps {
            if st.on != Target::Both {
                continue;
            }
            if st.verdict == Verdict::Blocked {
                // Not sent: a value it needs was not captured (the same on both sides here).
                p.skipped += 1;
                continue;
            }
            p.steps += 1;
            let Some(srv) = &st.server else {
                p.failures.push(format!("{} #{} {}: no second response ({:?})", sc.name, st.index, st.name, st.notes));
                continue;
            };
            if st.verdict == Verdict::Identical {
                p.identical += 1;
            }
            let tampered = srv.raw.header(TAMPER_HEADER).map(|s| s.to_string());
            match (tampering, tampered) {
                (false, _) => {
                    if st.verdict != Verdict::Identical {
                        p.failures.push(format!("{} #{} {}: the same bytes came out {} ({:?})", sc.name, st.index, st.name, st.verdict.as_str(), st.diff));
                    }
                }
                (true, Some(what)) => {
                    p.tampered += 1;
                    if st.verdict == Verdict::Identical {
                        p.failures.push(format!("{} #{} {}: altered ({what}) but reported identical", sc.name, st.index, st.name));
                    } else {
                        p.tampered_detected += 1;
                    }
                }
                (true, None) => {}
            }
        }
    }
    p
}

/// The bytes `[a, b)` around `p` that can be masked on their own with the same result as within
/// the whole body: at least `radius` either side, widened to a byte no mask pattern contains
/// (`"{}[]<>` or a newline) and over any mask span that crosses an edge.
pub fn window(body: &[u8], p: usize, radius: usize, spans: &[(std::ops::Range<usize>, String)]) -> (usize, usize) {
    let sep = |c: u8| matches!(c, b'"' | b'{' | b'}' | b'[' | b']' | b'<' | b'>' | b'\n');
    let mut a = p.saturating_sub(radius);
    while a > 0 && !sep(body[a - 1]) {
        a -= 1;
    }
    let mut b = (p + radius + 1).min(body.len());
    while b < body.len() && !sep(body[b]) {
        b += 1;
    }
    loop {
        let mut changed = false;
        for (r, _) in spans {
            if r.start < a && r.end > a {
                a = r.start;
                changed = true;
            }
            if r.start < b && r.end > b {
                b = r.end;
                changed = true;
            }
        }
        if !changed {
            return (a, b);
        }
    }
}

/// Single-byte changes on one response: every body byte up to 64 KiB, 4096 spread positions
/// beyond; each compared on a window around it (see [`window`]; a test checks that it agrees
/// with masking the whole body).
fn flips(masks: &Masks, r: &RawResponse, out: &mut FlipSummary, label: &str) {
    let lits = Literals::default();
    let kind = compare::stream_kind(None, r.content_type());
    let spans = masks.spans(&lits, &r.body);
    let n = r.body.len();
    let positions: Vec<usize> = if n <= 65536 { (0..n).collect() } else { (0..4096).map(|i| i * n / 4096).collect() };
    out.responses += 1;
    out.body_bytes += n;
    for p in positions {
        out.positions_checked += 1;
        let (a, b) = window(&r.body, p, 256, &spans);
        let orig = &r.body[a..b];
        let mut changed = orig.to_vec();
        changed[p - a] = flip(changed[p - a]);
        let ma = masks.mask(&mut MaskState::default(), &lits, orig);
        let mb = masks.mask(&mut MaskState::default(), &lits, &changed);
        if ma != mb {
            out.detected += 1;
        } else if let Some((_, name)) = spans.iter().find(|(s, _)| s.contains(&p)) {
            *out.hidden_by_mask.entry(name.clone()).or_default() += 1;
        } else if out.failures.len() < 20 {
            out.failures.push(format!("{label}: a change at body byte {p} ({:?}) outside every mask was not reported", compare::show(&r.body[p.saturating_sub(20)..(p + 20).min(n)], 60)));
        }
    }
    let base = compare::mask(masks, &mut MaskState::default(), &lits, r, &[]);
    let mut alts: Vec<(String, RawResponse)> = Vec::new();
    let mut s = r.clone();
    s.status = if r.status == 200 { 201 } else { 200 };
    alts.push(("status".into(), s));
    for h in masks.compared_headers() {
        let mut t = r.clone();
        let mut found = false;
        for (name, v) in t.headers.iter_mut() {
            if name == h {
                v.push('x');
                found = true;
                break;
            }
        }
        if !found {
            t.headers.push((h.clone(), "x".into()));
        }
        alts.push((format!("header {h}"), t));
    }
    for (what, t) in alts {
        out.header_and_status_changes += 1;
        let m = compare::mask(masks, &mut MaskState::default(), &lits, &t, &[]);
        if compare::diff(&base, &m, kind).is_empty() {
            out.failures.push(format!("{label}: a change to the {what} was not reported"));
        } else {
            out.header_and_status_detected += 1;
        }
    }
}

/// Runs the self-test. `reference` is a live reference; `server` our live server (for the
/// missing check). Uses the separate-mode scenarios, without their upstream steps.
pub async fn run(ctx: &RunCtx, reference: &Backend, server: &Backend, scenarios: &[Scenario]) -> Result<SelfTestReport> {
    let ctx = RunCtx { masks: ctx.masks.clone(), coverage: None, client: ctx.client.clone(), ignore_marks: true, quiet: true };
    let mirror = Mirror::start(reference.url.clone(), ctx.masks.clone()).await?;
    let scenarios: Vec<Scenario> = scenarios
        .iter()
        .filter(|s| s.mode == Mode::Separate)
        .map(|s| {
            let mut s = s.clone();
            s.steps.retain(|st| st.on != Target::Upstream);
            s
        })
        .filter(|s| !s.steps.is_empty())
        .collect();
    let pair = Pair {
        mode: Mode::Separate,
        reference: Backend { role: "reference", url: mirror.recorder.clone(), upstream: reference.upstream.clone() },
        server: Backend { role: "server", url: mirror.replayer.clone(), upstream: reference.upstream.clone() },
    };
    let mut report = SelfTestReport::default();

    eprintln!("compat: self-test 1/4: the reference against a byte-for-byte replay of itself");
    mirror.set_tamper(false);
    let pass1 = runner::run_all(&ctx, &pair, &scenarios).await;
    report.passes.push(check_pass("mirror: the same bytes on both sides must be identical", &pass1, false));

    eprintln!("compat: self-test 2/4: the same, one alteration in every replayed response");
    mirror.set_tamper(true);
    let pass2 = runner::run_all(&ctx, &pair, &scenarios).await;
    let mut p2 = check_pass("tamper: every altered response must be reported", &pass2, true);
    if p2.tampered == 0 {
        p2.failures.push("no response was altered".into());
    }
    report.passes.push(p2);

    eprintln!("compat: self-test 3/4: every single-byte change outside the masks must show");
    for sc in &pass1 {
        for st in &sc.steps {
            if let Some(r) = &st.reference {
                flips(&ctx.masks, &r.raw, &mut report.flips, &format!("{} #{}", sc.name, st.index));
            }
        }
    }
    if report.flips.responses == 0 {
        report.flips.failures.push("no response to check".into());
    }

    eprintln!("compat: self-test 4/4: a step our server does not serve is reported missing");
    report.missing = missing_check(&ctx, reference, server).await;

    report.ok = report.passes.iter().all(|p| p.failures.is_empty()) && report.flips.failures.is_empty() && report.missing.failures.is_empty();
    Ok(report)
}

async fn missing_check(ctx: &RunCtx, reference: &Backend, server: &Backend) -> MissingSummary {
    let path = "/api/v1/compat-selftest/not-served-anywhere";
    let text = format!("description = \"d\"\n[[step]]\nname = \"unserved\"\npath = \"{path}\"\n");
    let sc = Scenario::parse("selftest", std::path::Path::new("selftest"), &text).expect("a valid scenario");
    let mut out = MissingSummary { request: format!("GET {path}"), ..Default::default() };
    let st: &Step = &sc.steps[0];
    let req = wire::build(st, &BTreeMap::new()).expect("no variables");
    let (r, s) = match (wire::send(&ctx.client, &reference.url, &req).await, wire::send(&ctx.client, &server.url, &req).await) {
        (Ok(r), Ok(s)) => (r, s),
        (a, b) => {
            out.failures.push(format!("could not send the request: {:?} {:?}", a.err(), b.err()));
            return out;
        }
    };
    out.reference_status = r.status;
    out.server_answer = router_answer(&s).unwrap_or_else(|| format!("{} {}", s.status, compare::show(&s.body, 80)));
    let lits = Literals::default();
    let ma = compare::mask(&ctx.masks, &mut MaskState::default(), &lits, &r, &[]);
    let mb = compare::mask(&ctx.masks, &mut MaskState::default(), &lits, &s, &[]);
    let d = compare::diff(&ma, &mb, compare::stream_kind(None, r.content_type()));
    let v = compare::classify(st, &d, &s);
    out.verdict_unmarked = v.as_str().into();
    out.fails_a_run = v.fails();
    let mut marked = st.clone();
    marked.pending = Some("the self-test marks it pending".into());
    let vp = compare::classify(&marked, &d, &s);
    out.verdict_pending = vp.as_str().into();
    if router_answer(&s).is_none() {
        // Our server handles even this path (a router fallback): nothing unserved to probe live;
        // tests/router.rs still checks the classification against a real dropshot router.
        out.note = Some(format!("our server answered {path} itself ({}); the missing classification is checked offline only", out.server_answer));
        if v == Verdict::Identical && !d.is_empty() {
            out.failures.push("a difference came out identical".into());
        }
        return out;
    }
    if v != Verdict::Missing {
        out.failures.push(format!("an unserved step came out {} instead of missing", v.as_str()));
    }
    if !v.fails() {
        out.failures.push("a missing step does not fail the run".into());
    }
    if vp != Verdict::Pending {
        out.failures.push(format!("a pending-marked unserved step came out {}", vp.as_str()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masks() -> Masks {
        Masks::load(&crate::crate_dir().join("masks.toml")).unwrap()
    }

    #[test]
    fn flips_outside_masks_always_show() {
        let m = masks();
        let body = br#"{"id":"3f2b8c1e-1111-4a1b-9c1d-0123456789ab","token":"eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IngifQ.c2ln","created_at":1764140000,"name":"Open WebUI","n":[1,2.5,null,true]}"#;
        let r = RawResponse { status: 200, headers: vec![("content-type".into(), "application/json".into())], body: body.to_vec(), millis: 0 };
        let mut s = FlipSummary::default();
        flips(&m, &r, &mut s, "t");
        assert!(s.failures.is_empty(), "{:?}", s.failures);
        assert_eq!(s.positions_checked, body.len());
        assert!(s.hidden_by_mask.contains_key("pattern uuid"));
        assert!(s.hidden_by_mask.contains_key("pattern jwt"));
        assert!(s.hidden_by_mask.contains_key("pattern ts"));
        assert_eq!(s.header_and_status_detected, s.header_and_status_changes);
    }

    #[test]
    fn windows_agree_with_whole_bodies() {
        let m = masks();
        let body = br#"{"a":[{"id":"3f2b8c1e-1111-4a1b-9c1d-0123456789ab","t":1764140000.25,"d":"2025-11-26 07:02:00","s":"x y, z"}],"jwt":"eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IngifQ.c2ln","cookie":"expires=Wed, 24 Dec 2025 07:02:00 GMT; 1499999999 15999999999"}"#;
        let lits = Literals::default();
        let spans = m.spans(&lits, body);
        let whole = m.mask(&mut MaskState::default(), &lits, body);
        for radius in [0, 1, 5, 40] {
            for p in 0..body.len() {
                let (a, b) = window(body, p, radius, &spans);
                let mut changed = body.to_vec();
                changed[p] = flip(changed[p]);
                let full_differs = whole != m.mask(&mut MaskState::default(), &lits, &changed);
                let win_differs = m.mask(&mut MaskState::default(), &lits, &body[a..b]) != m.mask(&mut MaskState::default(), &lits, &changed[a..b]);
                assert_eq!(full_differs, win_differs, "radius {radius}, byte {p} in window {a}..{b}");
            }
        }
    }

    #[test]
    fn every_tamper_is_detected() {
        let m = masks();
        let mut r = RawResponse { status: 200, headers: vec![("content-type".into(), "application/json".into())], body: br#"{"status":true}"#.to_vec(), millis: 0 };
        r.headers.push(("set-cookie".into(), "token=x; Path=/".into()));
        for n in 0..10 {
            let (t, what) = tamper(&m, &r, n, n % 2 == 1);
            let l = Literals::default();
            let a = compare::mask(&m, &mut MaskState::default(), &l, &r, &[]);
            let b = compare::mask(&m, &mut MaskState::default(), &l, &t, &[]);
            assert!(!compare::diff(&a, &b, crate::scenario::StreamKind::Whole).is_empty(), "{what}");
        }
    }

    #[test]
    fn a_bodiless_status_gets_no_body_alteration() {
        let m = masks();
        let r = RawResponse { status: 204, headers: vec![("content-type".into(), "application/json".into())], body: vec![], millis: 0 };
        for n in 0..10 {
            let (t, what) = tamper(&m, &r, n, false);
            assert!(t.body.is_empty(), "{what}");
            assert!(t.status != r.status || t.headers != r.headers, "{what}");
        }
    }
}
