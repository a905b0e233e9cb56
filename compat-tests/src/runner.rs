//! Runs scenarios against a pair of backends: sends each step, captures values per side,
//! compares, and records a [`StepResult`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::compare::{self, router_answer, Verdict};
use crate::coverage::Coverage;
use crate::masks::{Literals, MaskState, Masks};
use crate::scenario::{Mode, Scenario, Step, Target};
use crate::wire::{self, RawResponse, Request};

/// One backend of a pair, as the runner reaches it.
#[derive(Debug, Clone, Serialize)]
pub struct Backend {
    /// `reference` or `server`.
    pub role: &'static str,
    pub url: String,
    /// Its fake LLM upstream.
    pub upstream: String,
}

impl Backend {
    fn literals(&self) -> Literals {
        Literals::new(&[(&self.url, "self"), (&self.upstream, "upstream")])
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    pub mode: Mode,
    pub reference: Backend,
    pub server: Backend,
}

/// What a run shares between scenarios.
pub struct RunCtx {
    pub masks: Arc<Masks>,
    pub coverage: Option<Arc<Coverage>>,
    pub client: reqwest::Client,
    /// Self-test: ignore `expected_difference` and `pending` (every difference must show).
    pub ignore_marks: bool,
    /// No progress line per scenario on stderr.
    pub quiet: bool,
}

/// A response as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub status: u16,
    pub content_type: String,
    pub bytes: usize,
    pub millis: u64,
    /// The masked body, when the step did not come out identical (at most 4 KiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked_body: Option<String>,
    #[serde(skip)]
    pub raw: RawResponse,
}

impl Seen {
    fn new(raw: RawResponse) -> Seen {
        Seen { status: raw.status, content_type: raw.content_type().to_string(), bytes: raw.body.len(), millis: raw.millis, masked_body: None, raw }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub index: usize,
    pub name: String,
    pub on: Target,
    pub method: String,
    /// The path as the scenario writes it.
    pub path: String,
    /// The path sent to the reference (or to the single backend), after substitution.
    pub sent_path: String,
    pub verdict: Verdict,
    /// The written reason of an expected difference or a pending step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `expected_difference` or `pending`: which mark the reason comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<&'static str>,
    /// The compact diff (empty when identical).
    pub diff: Vec<String>,
    /// Remarks: failed captures, stale marks, expectation mismatches.
    pub notes: Vec<String>,
    /// The reference operation the request reached (`GET /api/config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<Seen>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<Seen>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub mode: Mode,
    pub description: String,
    pub steps: Vec<StepResult>,
}

impl ScenarioResult {
    pub fn count(&self, v: Verdict) -> usize {
        self.steps.iter().filter(|s| s.verdict == v).count()
    }
}

/// Per side: variables and the masking numbering.
struct SideState {
    vars: BTreeMap<String, String>,
    mask: MaskState,
    lits: Literals,
}

fn truncate(s: String) -> String {
    if s.len() <= 4096 {
        return s;
    }
    let mut end = 4096;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Variables whose name starts with `run_`, captured by a scenario and seen by every later one,
/// per side (`reference`, `server`; the harness's self-test replays under the same roles): the admin's session, signed in once for the run (both backends limit
/// sign-ins to 15 an account per 3 minutes, fewer than the scenarios that need the admin).
static RUN_VARS: std::sync::Mutex<BTreeMap<String, BTreeMap<String, String>>> = std::sync::Mutex::new(BTreeMap::new());

pub async fn run_scenario(ctx: &RunCtx, pair: &Pair, sc: &Scenario) -> ScenarioResult {
    let mk = |b: &Backend| {
        let mut vars = sc.vars.clone();
        // The self-test's mirror pairs (both sides on one upstream) replay the reference on both sides.
        let role = if pair.server.upstream == pair.reference.upstream { "reference" } else { b.role };
        if let Some(run) = RUN_VARS.lock().expect("run vars").get(role) {
            vars.extend(run.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        vars.insert("upstream".into(), b.upstream.clone());
        SideState { vars, mask: MaskState::default(), lits: b.literals() }
    };
    let mut rs = mk(&pair.reference);
    let mut ss = mk(&pair.server);
    // Variables a capture was meant to set, and where.
    let mut captured_at: BTreeMap<String, usize> = BTreeMap::new();
    let mut steps = Vec::new();
    for (i, st) in sc.steps.iter().enumerate() {
        let r = run_step(ctx, pair, sc, i, st, &mut rs, &mut ss, &captured_at).await;
        for var in st.capture.keys() {
            captured_at.entry(var.clone()).or_insert(i + 1);
        }
        steps.push(r);
    }
    for (b, side) in [(&pair.reference, &rs), (&pair.server, &ss)] {
        if pair.server.upstream == pair.reference.upstream {
            break;
        }
        let mut run = RUN_VARS.lock().expect("run vars");
        let keep = run.entry(b.role.to_string()).or_default();
        keep.extend(side.vars.iter().filter(|(k, _)| k.starts_with("run_")).map(|(k, v)| (k.clone(), v.clone())));
    }
    ScenarioResult { name: sc.name.clone(), mode: sc.mode, description: sc.description.clone(), steps }
}

fn base_result(i: usize, st: &Step) -> StepResult {
    StepResult {
        index: i + 1,
        name: st.name.clone(),
        on: st.on,
        method: st.method.clone(),
        path: st.path.clone(),
        sent_path: String::new(),
        verdict: Verdict::Error,
        reason: None,
        mark: None,
        diff: vec![],
        notes: vec![],
        operation: None,
        reference: None,
        server: None,
    }
}

fn do_captures(st: &Step, resp: &RawResponse, into: &mut [&mut SideState], side: &str, notes: &mut Vec<String>) {
    for (var, src) in &st.capture {
        let src = src.as_str().unwrap_or("");
        match wire::capture(resp, src) {
            Some(v) => {
                for s in into.iter_mut() {
                    s.vars.insert(var.clone(), v.clone());
                }
            }
            None => {
                for s in into.iter_mut() {
                    s.vars.remove(var);
                }
                notes.push(format!("capture {var} = {src:?}: nothing there on the {side}"));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_step(
    ctx: &RunCtx,
    pair: &Pair,
    sc: &Scenario,
    i: usize,
    st: &Step,
    rs: &mut SideState,
    ss: &mut SideState,
    captured_at: &BTreeMap<String, usize>,
) -> StepResult {
    if st.pause_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(st.pause_ms)).await;
    }
    let mut res = base_result(i, st);
    let marks_reason = if ctx.ignore_marks { None } else { st.expected_difference.clone().or(st.pending.clone()) };
    res.reason = marks_reason.clone();
    if res.reason.is_some() {
        res.mark = Some(if st.expected_difference.is_some() { "expected_difference" } else { "pending" });
    }
    let unresolved_note = |var: &str, side: &str| match captured_at.get(var) {
        Some(at) => format!("{{{{{var}}}}} has no value on the {side}: its capture at step {at} failed there"),
        None => format!("{{{{{var}}}}} is not defined (no vars entry and no earlier capture in scenario {})", sc.name),
    };
    match st.on {
        Target::Both | Target::Upstream => {
            let (rb, sb) = if st.on == Target::Upstream {
                (pair.reference.upstream.as_str(), pair.server.upstream.as_str())
            } else {
                (pair.reference.url.as_str(), pair.server.url.as_str())
            };
            let rreq = match wire::build(st, &rs.vars) {
                Ok(r) => r,
                Err(u) => {
                    res.notes.push(unresolved_note(&u.0, "reference"));
                    res.verdict = if captured_at.contains_key(&u.0) { Verdict::Blocked } else { Verdict::Error };
                    return res;
                }
            };
            res.sent_path = rreq.path.clone();
            if st.on == Target::Both {
                res.operation = operation(ctx, &rreq);
            }
            let sreq = wire::build(st, &ss.vars);
            let rresp = match wire::send(&ctx.client, rb, &rreq).await {
                Ok(r) => r,
                Err(e) => {
                    res.notes.push(format!("reference: {e:#}"));
                    return res;
                }
            };
            do_captures(st, &rresp, &mut [rs], "reference", &mut res.notes);
            if let Some(want) = st.expect_status {
                if rresp.status != want {
                    res.notes.push(format!("the scenario expects {want}, the reference answered {}: fix the scenario", rresp.status));
                }
            }
            let sreq = match sreq {
                Ok(r) => r,
                Err(u) => {
                    res.notes.push(unresolved_note(&u.0, "server"));
                    res.verdict = Verdict::Blocked;
                    let ma = compare::mask(&ctx.masks, &mut rs.mask, &rs.lits, &rresp, &st.compare_headers);
                    let mut seen = Seen::new(rresp);
                    seen.masked_body = Some(truncate(ma.body_text()));
                    res.reference = Some(seen);
                    return res;
                }
            };
            let sresp = match wire::send(&ctx.client, sb, &sreq).await {
                Ok(r) => r,
                Err(e) => {
                    res.notes.push(format!("server: {e:#}"));
                    res.reference = Some(Seen::new(rresp));
                    return res;
                }
            };
            do_captures(st, &sresp, &mut [ss], "server", &mut res.notes);
            let kind = compare::stream_kind(st.stream, rresp.content_type());
            let mut ma = compare::mask(&ctx.masks, &mut rs.mask, &rs.lits, &rresp, &st.compare_headers);
            let mut mb = compare::mask(&ctx.masks, &mut ss.mask, &ss.lits, &sresp, &st.compare_headers);
            compare::sort_unordered(&mut ma, &st.unordered);
            compare::sort_unordered(&mut mb, &st.unordered);
            res.diff = compare::diff(&ma, &mb, kind);
            let mut step = st.clone();
            if ctx.ignore_marks {
                step.expected_difference = None;
                step.pending = None;
            }
            res.verdict = compare::classify(&step, &res.diff, &sresp);
            let wrong_expectation = res.notes.iter().any(|n| n.contains("fix the scenario"));
            if wrong_expectation && !ctx.ignore_marks {
                res.verdict = Verdict::Error;
            }
            if res.verdict == Verdict::Identical && marks_reason.is_some() {
                res.notes.push("identical now: remove the expected_difference/pending mark".into());
            }
            if matches!(res.verdict, Verdict::Pending | Verdict::Expected) {
                if let Some(r) = router_answer(&sresp) {
                    res.notes.push(format!("not served: {r}"));
                }
            }
            let mut rseen = Seen::new(rresp);
            let mut sseen = Seen::new(sresp);
            if res.verdict != Verdict::Identical {
                rseen.masked_body = Some(truncate(ma.body_text()));
                sseen.masked_body = Some(truncate(mb.body_text()));
            }
            res.reference = Some(rseen);
            res.server = Some(sseen);
        }
        Target::Reference | Target::Server => {
            let (backend, side) = if st.on == Target::Reference { (&pair.reference, "reference") } else { (&pair.server, "server") };
            let vars = if st.on == Target::Reference { &rs.vars } else { &ss.vars };
            let req = match wire::build(st, vars) {
                Ok(r) => r,
                Err(u) => {
                    res.notes.push(unresolved_note(&u.0, side));
                    res.verdict = if captured_at.contains_key(&u.0) { Verdict::Blocked } else { Verdict::Error };
                    return res;
                }
            };
            res.sent_path = req.path.clone();
            if st.on == Target::Reference {
                res.operation = operation(ctx, &req);
            }
            let resp = match wire::send(&ctx.client, &backend.url, &req).await {
                Ok(r) => r,
                Err(e) => {
                    res.notes.push(format!("{side}: {e:#}"));
                    return res;
                }
            };
            // One database: what one side captured is what both use.
            do_captures(st, &resp, &mut [rs, ss], side, &mut res.notes);
            // Mask through both numberings, so that ids first seen here get the same number on both sides.
            let ma = compare::mask(&ctx.masks, &mut rs.mask, &backend.literals(), &resp, &st.compare_headers);
            let _ = compare::mask(&ctx.masks, &mut ss.mask, &backend.literals(), &resp, &st.compare_headers);
            let not_served = if st.on == Target::Server { router_answer(&resp) } else { None };
            let status_ok = st.expect_status.is_none_or(|w| w == resp.status);
            res.verdict = if let Some(r) = &not_served {
                res.notes.push(format!("not served: {r}"));
                if st.pending.is_some() && !ctx.ignore_marks {
                    Verdict::Pending
                } else {
                    Verdict::Missing
                }
            } else if status_ok {
                Verdict::OneSided
            } else if st.pending.is_some() && !ctx.ignore_marks {
                Verdict::Pending
            } else {
                res.diff.push(format!("status: expected {}, the {side} answered {}", st.expect_status.unwrap(), resp.status));
                if st.on == Target::Reference {
                    Verdict::Error
                } else {
                    Verdict::Different
                }
            };
            if res.verdict == Verdict::OneSided && st.pending.is_some() && !ctx.ignore_marks {
                res.notes.push("served as expected now: remove the pending mark".into());
            }
            let mut seen = Seen::new(resp);
            if res.verdict != Verdict::OneSided {
                seen.masked_body = Some(truncate(ma.body_text()));
            }
            if st.on == Target::Reference {
                res.reference = Some(seen);
            } else {
                res.server = Some(seen);
            }
        }
    }
    res
}

fn operation(ctx: &RunCtx, req: &Request) -> Option<String> {
    let cov = ctx.coverage.as_ref()?;
    cov.find(&req.method, &req.path).map(|i| cov.ops[i].key())
}

/// Runs `scenarios` in order on `pair`.
pub async fn run_all(ctx: &RunCtx, pair: &Pair, scenarios: &[Scenario]) -> Vec<ScenarioResult> {
    let mut out = Vec::new();
    for sc in scenarios {
        let r = run_scenario(ctx, pair, sc).await;
        let line: Vec<String> = Verdict::ALL.iter().filter_map(|v| {
            let n = r.count(*v);
            (n > 0).then(|| format!("{n} {}", v.as_str()))
        }).collect();
        if !ctx.quiet {
            eprintln!("compat: {:<28} {:<8} {}", sc.name, sc.mode.as_str(), line.join(", "));
            // A failing step's first lines of diff, so that a CI log (where the report is not kept)
            // says which step it was and how it differed.
            for s in r.steps.iter().filter(|s| s.verdict.fails()) {
                eprintln!("compat:   #{} {} ({} {}): {}", s.index, s.name, s.method, s.sent_path, s.verdict.as_str());
                for l in s.diff.iter().chain(&s.notes).take(6) {
                    eprintln!("compat:     {}", compare::show(l.as_bytes(), 400));
                }
            }
        }
        out.push(r);
    }
    out
}
