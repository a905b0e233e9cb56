//! Two raw responses → identical or a compact diff; a step's diff and marks → a [`Verdict`].
//!
//! Compared: the status; the headers named in masks.toml (`content-type`, `set-cookie` as a
//! cookie and its attribute set, `content-disposition`, `location`) plus a step's own
//! `compare_headers`; the body bytes after masking. Bodies are compared whole (so JSON key
//! order and formatting count); NDJSON and SSE bodies are also split into events so that the
//! diff names the first differing event.

use serde::Serialize;

use crate::masks::{Literals, MaskState, Masks};
use crate::scenario::{Step, StreamKind};
use crate::wire::RawResponse;

/// The outcome of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Same bytes after masking.
    Identical,
    /// Differs, and the scenario says why that is expected.
    Expected,
    /// Differs or is not served, and the scenario says our server does not serve it yet.
    Pending,
    /// Not sent to one side: a value it needs was not captured there (see the earlier step).
    Blocked,
    /// Sent to one backend only (shared-database flows), with the expected status.
    OneSided,
    /// Differs without a written reason.
    Different,
    /// Our server's router answered (dropshot's own 404/405): the operation is not served.
    Missing,
    /// The step could not run (connection failure, unknown variable, wrong expectation).
    Error,
}

impl Verdict {
    pub fn fails(self) -> bool {
        matches!(self, Verdict::Different | Verdict::Missing | Verdict::Error)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Identical => "identical",
            Verdict::Expected => "expected",
            Verdict::Pending => "pending",
            Verdict::Blocked => "blocked",
            Verdict::OneSided => "one-sided",
            Verdict::Different => "different",
            Verdict::Missing => "missing",
            Verdict::Error => "error",
        }
    }

    pub const ALL: [Verdict; 8] = [
        Verdict::Identical,
        Verdict::Expected,
        Verdict::Pending,
        Verdict::Blocked,
        Verdict::OneSided,
        Verdict::Different,
        Verdict::Missing,
        Verdict::Error,
    ];
}

/// When `resp` is dropshot's router answering for a path or method no handler serves, its message.
/// Its signature: 404 or 405, a JSON object with exactly `request_id` and `message`.
pub fn router_answer(resp: &RawResponse) -> Option<String> {
    if resp.status != 404 && resp.status != 405 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    let o = v.as_object()?;
    if o.len() != 2 || !o.contains_key("request_id") {
        return None;
    }
    let msg = o.get("message")?.as_str()?;
    matches!(msg, "Not Found" | "Method Not Allowed").then(|| format!("{} {msg} (dropshot's router)", resp.status))
}

/// A response after masking, in the form that is compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Masked {
    pub status: u16,
    /// Compared headers present on the response (name, masked values in order).
    pub headers: Vec<(String, Vec<String>)>,
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl Masked {
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

/// Sorted, lower-cased attributes, so that only the cookie and its attribute set are compared.
fn normalise_cookie(v: &str) -> String {
    let mut parts = v.split(';').map(|s| s.trim()).filter(|s| !s.is_empty());
    let first = parts.next().unwrap_or("").to_string();
    let mut attrs: Vec<String> = parts
        .map(|a| match a.split_once('=') {
            Some((k, v)) => format!("{}={}", k.trim().to_ascii_lowercase(), v.trim()),
            None => a.to_ascii_lowercase(),
        })
        .collect();
    attrs.sort();
    std::iter::once(first).chain(attrs).collect::<Vec<_>>().join("; ")
}

/// Masks a response with one side's state.
pub fn mask(masks: &Masks, state: &mut MaskState, lits: &Literals, resp: &RawResponse, extra_headers: &[String]) -> Masked {
    let mut names: Vec<String> = masks.compared_headers().to_vec();
    for h in extra_headers {
        let h = h.to_ascii_lowercase();
        if !names.contains(&h) {
            names.push(h);
        }
    }
    let mut headers = Vec::new();
    for n in names {
        let vals = resp.header_all(&n);
        if vals.is_empty() {
            continue;
        }
        let vals = vals
            .into_iter()
            .map(|v| {
                let m = String::from_utf8_lossy(&masks.mask(state, lits, v.as_bytes())).to_string();
                if n == "set-cookie" {
                    normalise_cookie(&m)
                } else {
                    m
                }
            })
            .collect();
        headers.push((n, vals));
    }
    let body = masks.mask(state, lits, &resp.body);
    Masked { status: resp.status, headers, body }
}

/// Sorts the arrays at `pointers` of a masked JSON body by their elements' compact text (a step's
/// `unordered`). The body is rewritten only when serde_json reproduces it byte for byte before sorting,
/// so that no other difference (spacing, number formats, key order) can be hidden by the rewrite.
pub fn sort_unordered(m: &mut Masked, pointers: &[String]) {
    if pointers.is_empty() {
        return;
    }
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&m.body) else { return };
    if serde_json::to_vec(&v).ok().as_deref() != Some(&m.body[..]) {
        return;
    }
    for p in pointers {
        if let Some(serde_json::Value::Array(items)) = v.pointer_mut(p) {
            items.sort_by_cached_key(|i| i.to_string());
        }
    }
    if let Ok(b) = serde_json::to_vec(&v) {
        m.body = b;
    }
}

/// How a body is split for the diff: the step's choice, else from the content type.
pub fn stream_kind(step_kind: Option<StreamKind>, content_type: &str) -> StreamKind {
    if let Some(k) = step_kind {
        return k;
    }
    let ct = content_type.to_ascii_lowercase();
    if ct.starts_with("application/x-ndjson") {
        StreamKind::Ndjson
    } else if ct.starts_with("text/event-stream") {
        StreamKind::Sse
    } else {
        StreamKind::Whole
    }
}

fn events(body: &[u8], kind: StreamKind) -> Vec<&[u8]> {
    let sep: &[u8] = match kind {
        StreamKind::Whole => return vec![body],
        StreamKind::Ndjson => b"\n",
        StreamKind::Sse => {
            if body.windows(4).any(|w| w == b"\r\n\r\n") {
                b"\r\n\r\n"
            } else {
                b"\n\n"
            }
        }
    };
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        out.push(&rest[..i]);
        rest = &rest[i + sep.len()..];
    }
    out.push(rest);
    out
}

/// Printable, escaped, at most `max` characters of `b`.
pub fn show(b: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(b);
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A window of `b` around byte `at`.
fn window(b: &[u8], at: usize) -> String {
    let start = at.saturating_sub(60);
    let mut start = start;
    while start > 0 && start < b.len() && (b[start] & 0xC0) == 0x80 {
        start -= 1;
    }
    let end = (at + 100).min(b.len());
    let pre = if start > 0 { "…" } else { "" };
    format!("{pre}{}{}", show(&b[start..end], 200), if end < b.len() { "…" } else { "" })
}

/// The difference between two bodies, in a few lines.
fn body_diff(a: &[u8], b: &[u8], kind: StreamKind, out: &mut Vec<String>) {
    let ea = events(a, kind);
    let eb = events(b, kind);
    let (ia, ib, prefix) = if kind != StreamKind::Whole {
        let differing = ea.iter().zip(eb.iter()).filter(|(x, y)| x != y).count() + ea.len().abs_diff(eb.len());
        let first = (0..ea.len().max(eb.len())).find(|i| ea.get(*i) != eb.get(*i)).unwrap_or(0);
        out.push(format!(
            "body ({}): {} vs {} events, {differing} differ, first at event {first}",
            if kind == StreamKind::Ndjson { "ndjson" } else { "sse" },
            ea.len(),
            eb.len()
        ));
        (ea.get(first).copied().unwrap_or(b"(none)"), eb.get(first).copied().unwrap_or(b"(none)"), "  ")
    } else {
        (a, b, "")
    };
    let at = ia.iter().zip(ib.iter()).position(|(x, y)| x != y).unwrap_or(ia.len().min(ib.len()));
    if kind == StreamKind::Whole {
        let mut line = format!("body: {} vs {} bytes, first difference at byte {at}", a.len(), b.len());
        if let (Ok(ja), Ok(jb)) = (serde_json::from_slice::<serde_json::Value>(a), serde_json::from_slice::<serde_json::Value>(b)) {
            if ja == jb {
                line.push_str(" (the same JSON value: key order or formatting differ)");
            }
        }
        out.push(line);
    }
    if ia.len() <= 240 && ib.len() <= 240 {
        out.push(format!("{prefix}reference: {}", show(ia, 240)));
        out.push(format!("{prefix}server:    {}", show(ib, 240)));
    } else {
        out.push(format!("{prefix}reference: {}", window(ia, at)));
        out.push(format!("{prefix}server:    {}", window(ib, at)));
    }
}

/// Compares two masked responses; an empty list means identical.
pub fn diff(a: &Masked, b: &Masked, kind: StreamKind) -> Vec<String> {
    let mut out = Vec::new();
    if a.status != b.status {
        out.push(format!("status: {} ≠ {}", a.status, b.status));
    }
    let mut names: Vec<&String> = a.headers.iter().chain(b.headers.iter()).map(|(n, _)| n).collect();
    names.dedup();
    let mut seen = Vec::new();
    for n in names {
        if seen.contains(&n) {
            continue;
        }
        seen.push(n);
        let va = a.headers.iter().find(|(x, _)| x == n).map(|(_, v)| v.clone()).unwrap_or_default();
        let vb = b.headers.iter().find(|(x, _)| x == n).map(|(_, v)| v.clone()).unwrap_or_default();
        if va != vb {
            let f = |v: &Vec<String>| if v.is_empty() { "(absent)".to_string() } else { v.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ") };
            out.push(format!("{n}: {} ≠ {}", f(&va), f(&vb)));
        }
    }
    if a.body != b.body {
        body_diff(&a.body, &b.body, kind, &mut out);
    }
    out
}

/// The verdict for a step sent to both sides, from the diff and the step's marks.
pub fn classify(step: &Step, differences: &[String], server: &RawResponse) -> Verdict {
    if differences.is_empty() {
        Verdict::Identical
    } else if step.expected_difference.is_some() {
        Verdict::Expected
    } else if step.pending.is_some() {
        Verdict::Pending
    } else if router_answer(server).is_some() {
        Verdict::Missing
    } else {
        Verdict::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, ct: &str, body: &str) -> RawResponse {
        RawResponse { status, headers: vec![("content-type".into(), ct.into())], body: body.as_bytes().to_vec(), millis: 0 }
    }

    fn masks() -> Masks {
        Masks::load(&crate::crate_dir().join("masks.toml")).unwrap()
    }

    fn d(a: &RawResponse, b: &RawResponse) -> Vec<String> {
        let m = masks();
        let l = Literals::default();
        let ma = mask(&m, &mut MaskState::default(), &l, a, &[]);
        let mb = mask(&m, &mut MaskState::default(), &l, b, &[]);
        diff(&ma, &mb, stream_kind(None, a.content_type()))
    }

    #[test]
    fn identical_after_masking_and_different_otherwise() {
        let a = resp(200, "application/json", r#"{"id":"3f2b8c1e-1111-4a1b-9c1d-0123456789ab","created_at":1764140000}"#);
        let b = resp(200, "application/json", r#"{"id":"99998c1e-1111-4a1b-9c1d-0123456789ab","created_at":1764149999}"#);
        assert!(d(&a, &b).is_empty());
        let c = resp(200, "application/json", r#"{"id":"99998c1e-1111-4a1b-9c1d-0123456789ab","created_at":null}"#);
        assert!(!d(&a, &c).is_empty());
    }

    #[test]
    fn unordered_arrays_compare_as_sets_and_nothing_else_is_hidden() {
        let m = masks();
        let l = Literals::default();
        let masked = |body: &str| {
            let mut x = mask(&m, &mut MaskState::default(), &l, &resp(200, "application/json", body), &[]);
            sort_unordered(&mut x, &["/members".to_string()]);
            x
        };
        let a = masked(r#"{"name":"g","members":[{"v":"bob"},{"v":"alice"}]}"#);
        let b = masked(r#"{"name":"g","members":[{"v":"alice"},{"v":"bob"}]}"#);
        assert!(diff(&a, &b, StreamKind::Whole).is_empty());
        // A different set still differs; so does an array the step did not name.
        let c = masked(r#"{"name":"g","members":[{"v":"alice"},{"v":"carol"}]}"#);
        assert!(!diff(&a, &c, StreamKind::Whole).is_empty());
        let e = masked(r#"{"name":"g","members":[],"other":[2,1]}"#);
        let f = masked(r#"{"name":"g","members":[],"other":[1,2]}"#);
        assert!(!diff(&e, &f, StreamKind::Whole).is_empty());
        // A body serde_json would not reproduce byte for byte is left as it is.
        let g = masked(r#"{"name": "g", "members": [{"v":"bob"},{"v":"alice"}]}"#);
        assert!(String::from_utf8_lossy(&g.body).contains(r#"[{"v":"bob"},{"v":"alice"}]"#));
    }

    #[test]
    fn key_order_counts_and_is_explained() {
        let a = resp(200, "application/json", r#"{"a":1,"b":2}"#);
        let b = resp(200, "application/json", r#"{"b":2,"a":1}"#);
        let out = d(&a, &b);
        assert!(out[0].contains("same JSON value"), "{out:?}");
        let pretty = resp(200, "application/json", "{\n  \"a\": 1,\n  \"b\": 2\n}");
        assert!(!d(&a, &pretty).is_empty());
    }

    #[test]
    fn status_and_headers() {
        let a = resp(200, "application/json", "{}");
        let b = resp(201, "application/json; charset=utf-8", "{}");
        let out = d(&a, &b);
        assert_eq!(out.len(), 2, "{out:?}");
        let mut c1 = resp(200, "text/plain", "");
        c1.headers.push(("set-cookie".into(), "token=abc; Path=/; SameSite=lax; HttpOnly; Max-Age=2419200".into()));
        let mut c2 = resp(200, "text/plain", "");
        c2.headers.push(("set-cookie".into(), "token=abc; HttpOnly; Max-Age=2419200; Path=/; SameSite=lax".into()));
        assert!(d(&c1, &c2).is_empty(), "attribute order does not count");
        let mut c3 = resp(200, "text/plain", "");
        c3.headers.push(("set-cookie".into(), "token=abc; HttpOnly; Max-Age=2419200; Path=/; SameSite=strict".into()));
        assert!(!d(&c1, &c3).is_empty());
        // Ignored headers.
        let mut e = resp(200, "text/plain", "");
        e.headers.push(("x-request-id".into(), "1".into()));
        e.headers.push(("date".into(), "now".into()));
        assert!(d(&resp(200, "text/plain", ""), &e).is_empty());
    }

    #[test]
    fn ndjson_and_sse_are_diffed_by_event() {
        let a = resp(200, "application/x-ndjson", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
        let b = resp(200, "application/x-ndjson", "{\"a\":1}\n{\"a\":9}\n{\"a\":3}\n");
        let out = d(&a, &b);
        assert!(out[0].contains("4 vs 4 events, 1 differ, first at event 1"), "{out:?}");
        let a = resp(200, "text/event-stream", "data: {\"x\":1}\n\ndata: [DONE]\n\n");
        let b = resp(200, "text/event-stream", "data: {\"x\":1}\n\n");
        let out = d(&a, &b);
        assert!(out[0].contains("3 vs 2 events"), "{out:?}");
    }

    #[test]
    fn router_answers_are_recognised() {
        let r = resp(404, "application/json", "{\n  \"request_id\": \"3f2b8c1e-1111-4a1b-9c1d-0123456789ab\",\n  \"message\": \"Not Found\"\n}");
        assert!(router_answer(&r).is_some());
        assert!(router_answer(&resp(404, "application/json", r#"{"detail":"Not Found"}"#)).is_none());
        assert!(router_answer(&resp(200, "application/json", r#"{"request_id":"x","message":"Not Found"}"#)).is_none());
    }
}
