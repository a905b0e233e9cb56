//! The report: `report.md` for people, `report.json` for tools.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::compare::Verdict;
use crate::coverage::Coverage;
use crate::masks::MasksFile;
use crate::runner::{Pair, ScenarioResult, StepResult};
use crate::scenario::Target;
use crate::selftest::SelfTestReport;

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    /// Steps that went to both sides (every step but the one-sided ones): the M of `identical N/M`.
    pub compared: usize,
    pub identical: usize,
    pub by_verdict: BTreeMap<String, usize>,
    /// Different, missing and error steps: each fails the run.
    pub failing: usize,
    pub scenarios: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    pub scenario: String,
    pub step: usize,
    pub name: String,
    pub request: String,
    pub reason: String,
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpCoverage {
    pub operation: String,
    pub operation_id: String,
    pub tag: String,
    pub steps: usize,
    pub identical: usize,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct CoverageReport {
    /// Reference operations (GET/POST/PUT/PATCH/DELETE).
    pub total: usize,
    pub exercised: usize,
    /// Exercised, and every step that reached it on both backends came out identical.
    pub identical: usize,
    /// HEAD and OPTIONS operations of the document.
    pub other_total: usize,
    pub other_exercised: usize,
    pub by_tag: Vec<(String, usize, usize, usize)>,
    pub operations: Vec<OpCoverage>,
    pub not_exercised: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub generated_at: String,
    pub wall_seconds: f64,
    pub startup_seconds: Option<f64>,
    pub pairs: Vec<Pair>,
    pub ok: bool,
    pub totals: Totals,
    pub expected_differences: Vec<Mark>,
    pub pending: Vec<Mark>,
    pub coverage: Option<CoverageReport>,
    pub scenarios: Vec<ScenarioResult>,
    pub masks: MasksFile,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selftest: Option<SelfTestReport>,
}

fn request(st: &StepResult) -> String {
    let p = if st.sent_path.is_empty() { &st.path } else { &st.sent_path };
    let to = match st.on {
        Target::Both => "",
        Target::Reference => " → reference only",
        Target::Server => " → server only",
        Target::Upstream => " → fake upstreams",
    };
    format!("{} {p}{to}", st.method)
}

pub fn totals(scenarios: &[ScenarioResult]) -> Totals {
    let mut by = BTreeMap::new();
    let mut compared = 0;
    for s in scenarios {
        for st in &s.steps {
            *by.entry(st.verdict.as_str().to_string()).or_insert(0) += 1;
            if st.on == Target::Both || st.on == Target::Upstream {
                compared += 1;
            }
        }
    }
    let get = |v: Verdict| by.get(v.as_str()).copied().unwrap_or(0);
    Totals {
        compared,
        identical: get(Verdict::Identical),
        failing: get(Verdict::Different) + get(Verdict::Missing) + get(Verdict::Error),
        by_verdict: by,
        scenarios: scenarios.len(),
    }
}

pub fn marks(scenarios: &[ScenarioResult]) -> (Vec<Mark>, Vec<Mark>) {
    let mut expected = Vec::new();
    let mut pending = Vec::new();
    for s in scenarios {
        for st in &s.steps {
            let Some(reason) = &st.reason else { continue };
            let m = Mark { scenario: s.name.clone(), step: st.index, name: st.name.clone(), request: request(st), reason: reason.clone(), verdict: st.verdict.as_str().into() };
            if st.mark == Some("expected_difference") {
                expected.push(m);
            } else {
                pending.push(m);
            }
        }
    }
    (expected, pending)
}

pub fn coverage(cov: &Coverage, scenarios: &[ScenarioResult]) -> CoverageReport {
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for s in scenarios {
        for st in &s.steps {
            if let Some(op) = &st.operation {
                // Exercised either way; compared only when the step went to both backends.
                let e = per.entry(op.clone()).or_default();
                if st.verdict != Verdict::OneSided {
                    e.0 += 1;
                }
                if st.verdict == Verdict::Identical {
                    e.1 += 1;
                }
            }
        }
    }
    let mut r = CoverageReport::default();
    let mut tags: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for op in &cov.ops {
        let key = op.key();
        let hit = per.get(&key);
        if !op.primary() {
            r.other_total += 1;
            if hit.is_some() {
                r.other_exercised += 1;
            }
            continue;
        }
        r.total += 1;
        let t = tags.entry(op.tag.clone()).or_default();
        t.0 += 1;
        match hit {
            Some((n, ident)) => {
                r.exercised += 1;
                t.1 += 1;
                if *n > 0 && n == ident {
                    r.identical += 1;
                    t.2 += 1;
                }
                r.operations.push(OpCoverage { operation: key, operation_id: op.operation_id.clone(), tag: op.tag.clone(), steps: *n, identical: *ident });
            }
            None => r.not_exercised.push(key),
        }
    }
    r.by_tag = tags.into_iter().map(|(k, (a, b, c))| (k, a, b, c)).collect();
    r
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(r: &RunReport) -> String {
    let mut o = String::new();
    let t = &r.totals;
    let n = |v: Verdict| t.by_verdict.get(v.as_str()).copied().unwrap_or(0);
    let _ = writeln!(o, "# Compatibility report: reference open-webui 0.12.4 against our server\n");
    let _ = writeln!(
        o,
        "Generated {} by `compat run`; wall time {:.0} s{}. Modes: {}.\n",
        r.generated_at,
        r.wall_seconds,
        r.startup_seconds.map(|s| format!(" (backends healthy after {s:.0} s)")).unwrap_or_default(),
        r.pairs.iter().map(|p| p.mode.as_str()).collect::<Vec<_>>().join(", ")
    );
    let selftest_failed = r.selftest.as_ref().is_some_and(|s| !s.ok);
    let _ = writeln!(
        o,
        "**identical {}/{} steps** in {} scenarios. **Result: {}** ({} failing step{}{}).\n",
        t.identical,
        t.compared,
        t.scenarios,
        if r.ok { "PASS" } else { "FAIL" },
        t.failing,
        if t.failing == 1 { "" } else { "s" },
        if selftest_failed { ", and the harness self-test failed" } else { "" }
    );
    let _ = writeln!(o, "| identical | expected | pending | blocked | one-sided | different | missing | error |");
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|");
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
        n(Verdict::Identical),
        n(Verdict::Expected),
        n(Verdict::Pending),
        n(Verdict::Blocked),
        n(Verdict::OneSided),
        n(Verdict::Different),
        n(Verdict::Missing),
        n(Verdict::Error)
    );
    let _ = writeln!(
        o,
        "*expected*: differs, for a written reason that cannot be fixed on our side; *pending*: our server does not serve it (or not fully) yet, \
         written reason; *blocked*: not sent to one side because a value it needs was not captured there; *one-sided*: a shared-database step \
         sent to one backend only; *missing*: dropshot's router answered (no handler); *different*, *missing*, *error* fail the run.\n"
    );
    if let Some(c) = &r.coverage {
        let _ = writeln!(
            o,
            "**Operation coverage: {}/{}** reference operations exercised, {} of them identical on every step (HEAD/OPTIONS operations: {}/{}).\n",
            c.exercised, c.total, c.identical, c.other_exercised, c.other_total
        );
    }
    if let Some(s) = &r.selftest {
        let _ = writeln!(o, "**Harness self-test: {}** (see the end).\n", if s.ok { "PASS" } else { "FAIL" });
    }

    let failing: Vec<(&ScenarioResult, &StepResult)> = r.scenarios.iter().flat_map(|s| s.steps.iter().map(move |st| (s, st))).filter(|(_, st)| st.verdict.fails()).collect();
    if !failing.is_empty() {
        let _ = writeln!(o, "## Failures ({})\n", failing.len());
        for (s, st) in failing {
            step_detail(&mut o, s, st);
        }
    }
    let _ = writeln!(o, "## Expected differences ({})\n", r.expected_differences.len());
    marks_table(&mut o, &r.expected_differences);
    let _ = writeln!(o, "## Pending ({})\n", r.pending.len());
    marks_table(&mut o, &r.pending);

    let _ = writeln!(o, "## Scenarios\n");
    let _ = writeln!(o, "| Scenario | Mode | Steps | Identical | Other |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for s in &r.scenarios {
        let other: Vec<String> = Verdict::ALL[1..].iter().filter(|v| s.count(**v) > 0).map(|v| format!("{} {}", s.count(*v), v.as_str())).collect();
        let _ = writeln!(o, "| [{}](#{}) | {} | {} | {} | {} |", s.name, anchor(&s.name), s.mode.as_str(), s.steps.len(), s.count(Verdict::Identical), other.join(", "));
    }
    let _ = writeln!(o);
    for s in &r.scenarios {
        let _ = writeln!(o, "### {}\n", s.name);
        let _ = writeln!(o, "{} ({} mode)\n", s.description.trim(), s.mode.as_str());
        let _ = writeln!(o, "| # | Step | Request | Verdict | Status (reference / server) |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        for st in &s.steps {
            let status = format!(
                "{} / {}",
                st.reference.as_ref().map(|x| x.status.to_string()).unwrap_or_else(|| "–".into()),
                st.server.as_ref().map(|x| x.status.to_string()).unwrap_or_else(|| "–".into())
            );
            let _ = writeln!(o, "| {} | {} | `{}` | {} | {} |", st.index, md_escape(&st.name), md_escape(&request(st)), verdict_cell(st), status);
        }
        let _ = writeln!(o);
        for st in &s.steps {
            if st.verdict != Verdict::Identical && !st.verdict.fails() && !row_says_it_all(st) && (!st.diff.is_empty() || !st.notes.is_empty()) {
                step_detail(&mut o, s, st);
            } else if st.verdict == Verdict::Identical && !st.notes.is_empty() {
                let _ = writeln!(o, "- step {}: {}\n", st.index, st.notes.join("; "));
            }
        }
    }

    if let Some(c) = &r.coverage {
        let _ = writeln!(o, "## Coverage\n");
        let _ = writeln!(o, "{}/{} operations exercised, {} identical on every step.\n", c.exercised, c.total, c.identical);
        let _ = writeln!(o, "| Tag | Operations | Exercised | Identical |");
        let _ = writeln!(o, "|---|---|---|---|");
        for (tag, a, b, cc) in &c.by_tag {
            if *b > 0 {
                let _ = writeln!(o, "| {tag} | {a} | {b} | {cc} |");
            }
        }
        let rest: usize = c.by_tag.iter().filter(|x| x.2 == 0).map(|x| x.1).sum();
        let rest_tags = c.by_tag.iter().filter(|x| x.2 == 0).count();
        let _ = writeln!(o, "| *{rest_tags} other tags* | {rest} | 0 | 0 |\n");
        let _ = writeln!(o, "Exercised operations:\n");
        for op in &c.operations {
            let _ = writeln!(o, "- `{}`: {}/{} compared steps identical", op.operation, op.identical, op.steps);
        }
        let _ = writeln!(o, "\nThe operations not exercised are listed in report.json (`coverage.not_exercised`).\n");
    }

    let _ = writeln!(o, "## Masks\n");
    let _ = writeln!(o, "Compared headers: {}. {}\n", r.masks.headers.compared.join(", "), r.masks.headers.reason.trim());
    for p in &r.masks.patterns {
        let _ = writeln!(o, "- pattern **{}**{}: {}", p.name, if p.numbered { " (numbered)" } else { "" }, p.reason.trim());
    }
    for f in &r.masks.fields {
        let _ = writeln!(o, "- field **{}**: {}", f.name, f.reason.trim());
    }
    let _ = writeln!(o, "- each side's own base URL and fake-upstream URL: `<self>`, `<upstream>` (they differ by construction)\n");

    if let Some(s) = &r.selftest {
        let _ = writeln!(o, "## Harness self-test: {}\n", if s.ok { "PASS" } else { "FAIL" });
        for p in &s.passes {
            let _ = writeln!(
                o,
                "- {}: {} steps, {} identical{}; {}",
                p.name,
                p.steps,
                p.identical,
                if p.tampered > 0 { format!(", {} altered, {} of them reported", p.tampered, p.tampered_detected) } else { String::new() },
                if p.failures.is_empty() { "ok".to_string() } else { format!("FAILED: {}", p.failures.join("; ")) }
            );
        }
        let f = &s.flips;
        let hidden: usize = f.hidden_by_mask.values().sum();
        let _ = writeln!(
            o,
            "- exhaustive single-byte changes: {} responses ({} body bytes), {} positions changed, {} reported, {} hidden inside masks ({}); status and compared headers: {}/{} reported; {}",
            f.responses,
            f.body_bytes,
            f.positions_checked,
            f.detected,
            hidden,
            f.hidden_by_mask.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", "),
            f.header_and_status_detected,
            f.header_and_status_changes,
            if f.failures.is_empty() { "ok".to_string() } else { format!("FAILED: {}", f.failures.join("; ")) }
        );
        let m = &s.missing;
        let _ = writeln!(
            o,
            "- unserved step `{}`: reference {}, our server {} → **{}** (fails the run: {}); marked pending → {}; {}\n",
            m.request,
            m.reference_status,
            m.server_answer,
            m.verdict_unmarked,
            m.fails_a_run,
            m.verdict_pending,
            if m.failures.is_empty() { "ok".to_string() } else { format!("FAILED: {}", m.failures.join("; ")) }
        );
        if let Some(n) = &m.note {
            let _ = writeln!(o, "  ({n})\n");
        }
    }
    o
}

fn anchor(s: &str) -> String {
    s.to_ascii_lowercase().chars().filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_').collect()
}

fn marks_table(o: &mut String, marks: &[Mark]) {
    if marks.is_empty() {
        let _ = writeln!(o, "None.\n");
        return;
    }
    let _ = writeln!(o, "| Scenario | # | Request | Now | Reason |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for m in marks {
        let _ = writeln!(o, "| {} | {} | `{}` | {} | {} |", m.scenario, m.step, md_escape(&m.request), m.verdict, md_escape(m.reason.trim()));
    }
    let _ = writeln!(o);
}

/// The verdict, with why in a few words when the table says enough.
fn verdict_cell(st: &StepResult) -> String {
    let v = st.verdict.as_str();
    if st.verdict == Verdict::Blocked {
        if let Some(n) = st.notes.first() {
            // "{{token}} has no value on the server: its capture at step 2 failed there"
            let var = n.split(' ').next().unwrap_or("");
            let at = n.rsplit("step ").next().and_then(|x| x.split(' ').next()).unwrap_or("?");
            return format!("blocked: no {} (step {at})", md_escape(var));
        }
    }
    if let Some(ns) = st.notes.iter().find(|n| n.starts_with("not served: ")) {
        let code = ns.trim_start_matches("not served: ").split(' ').next().unwrap_or("");
        return format!("{v}: not served ({code})");
    }
    v.to_string()
}

/// Whether the table row says all there is (a marked step our server does not serve, a blocked one).
fn row_says_it_all(st: &StepResult) -> bool {
    let extra_notes = st.notes.iter().any(|n| !n.starts_with("not served: ") && !n.starts_with("capture "));
    st.verdict == Verdict::Blocked
        || (matches!(st.verdict, Verdict::Pending | Verdict::Expected) && st.notes.iter().any(|n| n.starts_with("not served: ")) && !extra_notes)
}

fn step_detail(o: &mut String, s: &ScenarioResult, st: &StepResult) {
    let _ = writeln!(o, "**{} #{} {}** `{}`: {}{}\n", s.name, st.index, st.name, request(st), st.verdict.as_str(), st.reason.as_ref().map(|r| format!(" ({})", r.trim())).unwrap_or_default());
    if !st.diff.is_empty() || !st.notes.is_empty() {
        let _ = writeln!(o, "```");
        for d in &st.diff {
            let _ = writeln!(o, "{d}");
        }
        for n in &st.notes {
            let _ = writeln!(o, "note: {n}");
        }
        let _ = writeln!(o, "```\n");
    }
}

pub fn write(dir: &Path, r: &RunReport) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join("report.md"), markdown(r))?;
    std::fs::write(dir.join("report.json"), serde_json::to_vec_pretty(r)?)?;
    Ok(())
}
