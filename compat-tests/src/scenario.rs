//! Scenario files: one TOML file per resource or flow under `compat-tests/scenarios/`.
//!
//! ```toml
//! description = "What this scenario covers."
//! mode = "separate"        # or "shared": both backends on one database (run with --shared-db)
//! needs = ["auth"]         # scenarios that must run first (their state is reused)
//!
//! [[step]]
//! name = "sign in"
//! method = "POST"                                   # default GET
//! path = "/api/v1/auths/signin"                     # {{var}} templates anywhere in strings;
//!                                                   # {{totp:var}}: the TOTP code of the secret in var
//! headers = { Authorization = "Bearer {{token}}" }
//! json = { email = "admin@example.com", password = "x" }   # or body/form/multipart
//! on = "both"              # both (default) | reference | server | upstream
//! capture = { token = "/token", cookie = "cookie:token", where = "header:location" }
//! expect_status = 200      # checked on every side that answers
//! expected_difference = "why the two may differ here (listed in the report)"
//! pending = "why our server does not serve this yet (listed in the report)"
//! pause_ms = 1500          # wait before sending (e.g. to outlive the reference's 1 s models cache)
//! unordered = ["/members"] # JSON arrays whose order the reference leaves to the database (no ORDER BY):
//!                          # compared as sets (sorted after masking, on both sides)
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// Where a scenario runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Each backend on its own fresh database; every step goes to both and is compared.
    #[default]
    Separate,
    /// Both backends on one database; each step says which backend answers.
    Shared,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Separate => "separate",
            Mode::Shared => "shared",
        }
    }
}

/// Who a step is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The reference first, then our server; the two answers are compared.
    #[default]
    Both,
    /// The reference alone (a state change the other backend must then see, in shared mode).
    Reference,
    /// Our server alone.
    Server,
    /// Each side's own fake LLM upstream (to script replies or read what the backend sent it).
    Upstream,
}

/// How a body is split before comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    /// Compared as one byte string.
    Whole,
    /// One JSON document a line.
    Ndjson,
    /// Server-sent events, separated by a blank line.
    Sse,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    #[serde(default)]
    pub data: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: String,
    #[serde(default = "default_method")]
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: toml::Table,
    /// A TOML value sent as compact JSON (`application/json`), keys in file order.
    pub json: Option<toml::Value>,
    /// A raw body, sent byte for byte (`content_type` defaults to `application/json`).
    pub body: Option<String>,
    pub content_type: Option<String>,
    /// `application/x-www-form-urlencoded` fields, in file order.
    pub form: Option<toml::Table>,
    /// `multipart/form-data` parts (fixed boundary, so both sides receive the same bytes).
    pub multipart: Option<Vec<Part>>,
    #[serde(default)]
    pub on: Target,
    /// Variable name → source: `/json/pointer` into the body, `header:NAME` or `cookie:NAME`.
    #[serde(default)]
    pub capture: toml::Table,
    pub expect_status: Option<u16>,
    pub expected_difference: Option<String>,
    pub pending: Option<String>,
    pub stream: Option<StreamKind>,
    /// Response headers compared besides the standard ones (see masks.toml).
    #[serde(default)]
    pub compare_headers: Vec<String>,
    /// Wait this long before sending (to outlive a cache with a time to live, for instance).
    #[serde(default)]
    pub pause_ms: u64,
    /// JSON pointers to arrays whose order the reference leaves undefined (a query without ORDER BY
    /// returns rows in the heap's physical order, which updates and vacuum change): both sides' elements
    /// are sorted after masking before the bodies are compared. Only for such arrays, each with its reason
    /// in a comment beside the step.
    #[serde(default)]
    pub unordered: Vec<String>,
}

fn default_method() -> String {
    "GET".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    description: String,
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default)]
    vars: toml::Table,
    #[serde(rename = "step", default)]
    steps: Vec<Step>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file stem.
    pub name: String,
    pub path: PathBuf,
    pub description: String,
    pub mode: Mode,
    pub needs: Vec<String>,
    /// Constants, available as `{{name}}` on both sides.
    pub vars: BTreeMap<String, String>,
    pub steps: Vec<Step>,
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

impl Scenario {
    pub fn parse(name: &str, path: &Path, text: &str) -> Result<Scenario> {
        let f: ScenarioFile = toml::from_str(text).with_context(|| format!("{}", path.display()))?;
        let mut vars = BTreeMap::new();
        for (k, v) in f.vars {
            match v {
                toml::Value::String(s) => vars.insert(k, s),
                other => vars.insert(k, other.to_string()),
            };
        }
        let s = Scenario { name: name.into(), path: path.into(), description: f.description, mode: f.mode, needs: f.needs, vars, steps: f.steps };
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<()> {
        if self.steps.is_empty() {
            bail!("{}: no [[step]]", self.path.display());
        }
        for (i, st) in self.steps.iter().enumerate() {
            let at = format!("{} step {} ({:?})", self.path.display(), i + 1, st.name);
            if !METHODS.contains(&st.method.as_str()) {
                bail!("{at}: method {:?} is not one of {METHODS:?}", st.method);
            }
            if !st.path.starts_with('/') {
                bail!("{at}: path must start with '/'");
            }
            let bodies = [st.json.is_some(), st.body.is_some(), st.form.is_some(), st.multipart.is_some()];
            if bodies.iter().filter(|b| **b).count() > 1 {
                bail!("{at}: give at most one of json, body, form, multipart");
            }
            if st.expected_difference.is_some() && st.pending.is_some() {
                bail!("{at}: a step is either an expected difference or pending, not both");
            }
            for reason in [&st.expected_difference, &st.pending].into_iter().flatten() {
                if reason.trim().len() < 10 {
                    bail!("{at}: the reason must say why (got {reason:?})");
                }
            }
            if st.on != Target::Both && (st.expected_difference.is_some()) {
                bail!("{at}: expected_difference only applies to steps sent to both backends");
            }
            for (var, src) in &st.capture {
                let Some(src) = src.as_str() else { bail!("{at}: capture {var} must be a string") };
                if !(src.starts_with('/') || src.is_empty() || src.starts_with("header:") || src.starts_with("cookie:")) {
                    bail!("{at}: capture {var} = {src:?}: use a JSON pointer (/a/0/b), header:NAME or cookie:NAME");
                }
            }
        }
        Ok(())
    }
}

/// Loads every `*.toml` in `dir`, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        out.push(Scenario::parse(&name, &p, &text)?);
    }
    Ok(out)
}

/// The scenarios to run, in order: the selected ones (all when `selected` is empty) plus,
/// transitively, what they need; a scenario always after its needs, otherwise by name.
pub fn plan(all: &[Scenario], selected: &[String]) -> Result<Vec<Scenario>> {
    let by_name: BTreeMap<&str, &Scenario> = all.iter().map(|s| (s.name.as_str(), s)).collect();
    for s in all {
        for n in &s.needs {
            let Some(dep) = by_name.get(n.as_str()) else { bail!("scenario {} needs {n:?}, which does not exist", s.name) };
            if dep.mode != s.mode {
                bail!("scenario {} ({}) needs {n} ({}): a scenario can only need one of its own mode", s.name, s.mode.as_str(), dep.mode.as_str());
            }
        }
    }
    let roots: Vec<&str> = if selected.is_empty() {
        all.iter().map(|s| s.name.as_str()).collect()
    } else {
        for n in selected {
            if !by_name.contains_key(n.as_str()) {
                bail!("no scenario named {n:?} (have: {})", by_name.keys().cloned().collect::<Vec<_>>().join(", "));
            }
        }
        selected.iter().map(|s| s.as_str()).collect()
    };
    let mut wanted = BTreeSet::new();
    let mut stack: Vec<&str> = roots.clone();
    while let Some(n) = stack.pop() {
        if wanted.insert(n) {
            stack.extend(by_name[n].needs.iter().map(|s| s.as_str()));
        }
    }
    let mut out = Vec::new();
    let mut done = BTreeSet::new();
    fn visit<'a>(
        n: &'a str,
        by_name: &BTreeMap<&'a str, &'a Scenario>,
        done: &mut BTreeSet<&'a str>,
        onpath: &mut Vec<&'a str>,
        out: &mut Vec<Scenario>,
    ) -> Result<()> {
        if done.contains(n) {
            return Ok(());
        }
        if onpath.contains(&n) {
            bail!("scenario dependency cycle: {} -> {n}", onpath.join(" -> "));
        }
        onpath.push(n);
        let s = by_name[n];
        let mut needs: Vec<&str> = s.needs.iter().map(|x| x.as_str()).collect();
        needs.sort();
        for d in needs {
            visit(d, by_name, done, onpath, out)?;
        }
        onpath.pop();
        done.insert(n);
        out.push(s.clone());
        Ok(())
    }
    for n in wanted.iter() {
        visit(n, &by_name, &mut done, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(name: &str, needs: &[&str]) -> Scenario {
        let needs = needs.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(",");
        Scenario::parse(name, Path::new(name), &format!("description = \"d\"\nneeds = [{needs}]\n[[step]]\nname = \"s\"\npath = \"/health\"\n")).unwrap()
    }

    #[test]
    fn plan_orders_needs_first_and_pulls_them_in() {
        let all = vec![sc("a-config", &["b-auth"]), sc("b-auth", &["c-onboarding"]), sc("c-onboarding", &[]), sc("d-other", &[])];
        let names = |v: Vec<Scenario>| v.into_iter().map(|s| s.name).collect::<Vec<_>>();
        assert_eq!(names(plan(&all, &[]).unwrap()), ["c-onboarding", "b-auth", "a-config", "d-other"]);
        assert_eq!(names(plan(&all, &["a-config".into()]).unwrap()), ["c-onboarding", "b-auth", "a-config"]);
        assert!(plan(&all, &["nope".into()]).is_err());
    }

    #[test]
    fn json_bodies_keep_file_order() {
        let s = Scenario::parse(
            "x",
            Path::new("x"),
            "description = \"d\"\n[[step]]\nname = \"s\"\nmethod = \"POST\"\npath = \"/x\"\njson = { zeta = 1, alpha = { b = 2, a = [1, \"x\"] } }\n",
        )
        .unwrap();
        let v = serde_json::to_string(s.steps[0].json.as_ref().unwrap()).unwrap();
        assert_eq!(v, r#"{"zeta":1,"alpha":{"b":2,"a":[1,"x"]}}"#);
    }

    #[test]
    fn rejects_reasonless_marks_and_two_bodies() {
        let bad = "description = \"d\"\n[[step]]\nname = \"s\"\npath = \"/x\"\npending = \"todo\"\n";
        assert!(Scenario::parse("x", Path::new("x"), bad).is_err());
        let bad = "description = \"d\"\n[[step]]\nname = \"s\"\npath = \"/x\"\njson = {}\nbody = \"{}\"\n";
        assert!(Scenario::parse("x", Path::new("x"), bad).is_err());
        let bad = "description = \"d\"\n[[step]]\nname = \"s\"\npath = \"/x\"\nbogus = 1\n";
        assert!(Scenario::parse("x", Path::new("x"), bad).is_err());
    }

    #[test]
    fn the_checked_in_scenarios_parse_and_plan() {
        let all = load_dir(&crate::crate_dir().join("scenarios")).unwrap();
        assert!(!all.is_empty());
        plan(&all, &[]).unwrap();
    }
}
