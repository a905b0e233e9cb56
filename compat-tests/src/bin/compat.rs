//! `compat`: the compatibility harness (see compat-tests/README.md).
//!
//!     compat run [--scenario NAME]... [--shared-db | --separate] [--self-test | --no-self-test]
//!                [--reference-url URL --server-url URL] [--report-dir DIR]
//!     compat self-test
//!     compat serve [--shared-db]
//!     compat fake-llm [--port P]
//!     compat list

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use compat_tests::coverage::Coverage;
use compat_tests::fake_llm::{FakeConfig, FakeLlm};
use compat_tests::masks::Masks;
use compat_tests::report::{self, RunReport};
use compat_tests::runner::{self, Backend, Pair, RunCtx};
use compat_tests::scenario::{self, Mode, Scenario};
use compat_tests::selftest;
use compat_tests::stack::{self, Stack, StackOptions};
use compat_tests::wire;

#[derive(Parser)]
#[command(name = "compat", about = "Replays scenarios against the reference (open-webui 0.12.4) and our server, and diffs the wire bytes.")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start both backends (or use running ones), replay the scenarios, compare, write the report.
    /// Exits 1 when a step differs, is missing or errs without a written reason.
    Run(RunArgs),
    /// The harness's own test, live against the reference (see src/selftest.rs).
    SelfTest(StackArgs),
    /// Start the backends and fake upstreams as a run would, print their URLs, wait for Ctrl-C
    /// (then `compat run --reference-url … --server-url …` against them).
    Serve(ServeArgs),
    /// Run the fake LLM upstream alone.
    FakeLlm {
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Default: compat-tests/fake-llm.toml.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List the scenarios.
    List,
}

#[derive(Args, Clone)]
struct StackArgs {
    /// Our server's binary. Default: `server` next to this executable, built first with
    /// `cargo build -p server` unless --no-build.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    #[arg(long)]
    no_build: bool,
    /// Where report.md, report.json and logs/ go. Default: target/compat under the repository.
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// Keep the work directory (databases, data dirs) instead of removing it.
    #[arg(long)]
    keep_work: bool,
}

#[derive(Args, Clone)]
struct ServeArgs {
    #[command(flatten)]
    stack: StackArgs,
    /// One pair on one shared database instead of one separate pair.
    #[arg(long)]
    shared_db: bool,
}

#[derive(Args)]
struct RunArgs {
    /// Run only this scenario (and what it needs); repeatable.
    #[arg(long = "scenario", short = 's')]
    scenarios: Vec<String>,
    /// Only the shared-database scenarios (both backends on one database).
    #[arg(long, conflicts_with = "separate")]
    shared_db: bool,
    /// Only the separate-database scenarios.
    #[arg(long)]
    separate: bool,
    /// Use a running reference instead of starting one (with --server-url).
    #[arg(long, requires = "server_url")]
    reference_url: Option<String>,
    /// Use a running server of ours (with --reference-url).
    #[arg(long, requires = "reference_url")]
    server_url: Option<String>,
    /// The fake upstream the running reference talks to (default: a fresh one, unused by it).
    #[arg(long)]
    reference_upstream: Option<String>,
    /// The fake upstream the running server talks to.
    #[arg(long)]
    server_upstream: Option<String>,
    /// Run the harness self-test on the same reference and server (the default for a full run:
    /// all scenarios, backends started here).
    #[arg(long, conflicts_with = "no_self_test")]
    self_test: bool,
    /// Skip the self-test in a full run.
    #[arg(long)]
    no_self_test: bool,
    #[command(flatten)]
    stack: StackArgs,
}

fn report_dir(a: &StackArgs) -> PathBuf {
    a.report_dir.clone().unwrap_or_else(|| compat_tests::repo_root().join("target/compat"))
}

async fn server_bin(a: &StackArgs) -> Result<PathBuf> {
    match &a.server_bin {
        Some(b) => Ok(b.clone()),
        None => {
            let b = stack::default_server_bin();
            if !a.no_build {
                stack::build_server(&b).await?;
            }
            Ok(b)
        }
    }
}

fn work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("owui-compat-{}", std::process::id()))
}

async fn start_stack(a: &StackArgs, modes: Vec<Mode>) -> Result<Stack> {
    let bin = server_bin(a).await?;
    let r = Stack::start(StackOptions { modes, server_bin: bin, work_dir: work_dir(), log_dir: report_dir(a).join("logs"), fake: FakeConfig::default_file()? }).await;
    if r.is_err() {
        cleanup_work(a);
    }
    r
}

fn cleanup_work(a: &StackArgs) {
    if !a.keep_work {
        let _ = std::fs::remove_dir_all(work_dir());
    } else {
        eprintln!("compat: work directory kept: {}", work_dir().display());
    }
}

/// The masks, every scenario, and the reference's operations (when its document is there).
type Loaded = (Arc<Masks>, Vec<Scenario>, Option<Arc<Coverage>>);

fn load() -> Result<Loaded> {
    let dir = compat_tests::crate_dir();
    let masks = Arc::new(Masks::load(&dir.join("masks.toml"))?);
    let all = scenario::load_dir(&dir.join("scenarios"))?;
    let spec = compat_tests::repo_root().join("spec/openapi/reference.json");
    let cov = if spec.is_file() {
        Some(Arc::new(Coverage::load(&spec)?))
    } else {
        eprintln!("compat: {} is missing: no operation coverage", spec.display());
        None
    };
    Ok((masks, all, cov))
}

async fn cmd_run(a: RunArgs) -> Result<bool> {
    let t0 = Instant::now();
    let (masks, all, cov) = load()?;
    let plan = scenario::plan(&all, &a.scenarios)?;
    let external = a.reference_url.is_some();
    let self_test = a.self_test || (!a.no_self_test && !external && a.scenarios.is_empty() && !a.shared_db && !a.separate);
    let wanted: Vec<Mode> = if a.shared_db {
        vec![Mode::Shared]
    } else if a.separate || external {
        vec![Mode::Separate]
    } else {
        let mut m = vec![];
        for mode in [Mode::Separate, Mode::Shared] {
            if plan.iter().any(|s| s.mode == mode) {
                m.push(mode);
            }
        }
        m
    };
    let plan: Vec<Scenario> = plan.into_iter().filter(|s| wanted.contains(&s.mode)).collect();
    if plan.is_empty() {
        bail!("no scenario to run in mode(s) {:?}", wanted.iter().map(|m| m.as_str()).collect::<Vec<_>>());
    }
    let mut modes: Vec<Mode> = wanted.into_iter().filter(|m| plan.iter().any(|s| s.mode == *m)).collect();
    if self_test && !modes.contains(&Mode::Separate) {
        modes.insert(0, Mode::Separate);
    }
    let mut fakes = Vec::new();
    let (stack, pairs) = if external {
        let mode = if a.shared_db { Mode::Shared } else { Mode::Separate };
        let mut upstream = vec![];
        for g in [&a.reference_upstream, &a.server_upstream] {
            match g.clone() {
                Some(u) => upstream.push(u),
                None => {
                    let f = FakeLlm::start(FakeConfig::default_file()?, 0).await?;
                    upstream.push(f.url.clone());
                    fakes.push(f);
                }
            }
        }
        let pair = Pair {
            mode,
            reference: Backend { role: "reference", url: a.reference_url.clone().unwrap(), upstream: upstream[0].clone() },
            server: Backend { role: "server", url: a.server_url.clone().unwrap(), upstream: upstream[1].clone() },
        };
        for b in [&pair.reference, &pair.server] {
            stack::wait_healthy(&b.url, std::time::Duration::from_secs(10), None).await.with_context(|| format!("the {} at {}", b.role, b.url))?;
        }
        (None, vec![pair])
    } else {
        let s = start_stack(&a.stack, modes.clone()).await?;
        let p = s.pairs.clone();
        (Some(s), p)
    };
    let startup = stack.as_ref().map(|s| s.started_in.as_secs_f64());
    let ctx = RunCtx { masks: masks.clone(), coverage: cov.clone(), client: wire::client(), ignore_marks: false, quiet: false };
    let mut results = Vec::new();
    for pair in &pairs {
        let these: Vec<Scenario> = plan.iter().filter(|s| s.mode == pair.mode).cloned().collect();
        results.extend(runner::run_all(&ctx, pair, &these).await);
    }
    eprintln!("compat: scenarios done after {:.1} s", t0.elapsed().as_secs_f64());
    for p in &pairs {
        for b in [&p.reference, &p.server] {
            if stack::wait_healthy(&b.url, std::time::Duration::from_secs(2), None).await.is_err() {
                eprintln!("compat: warning: the {} ({}) at {} stopped answering during the run; see its log", b.role, p.mode.as_str(), b.url);
            }
        }
    }
    let selftest = if self_test {
        let pair = pairs.iter().find(|p| p.mode == Mode::Separate).context("the self-test needs a separate pair")?;
        let r = selftest::run(&ctx, &pair.reference, &pair.server, &scenario::plan(&all, &[])?).await?;
        Some(r)
    } else {
        None
    };
    if self_test {
        eprintln!("compat: self-test done after {:.1} s", t0.elapsed().as_secs_f64());
    }
    // Close our keep-alive connections first: the reference's graceful shutdown waits for them.
    drop(ctx);
    if let Some(s) = stack {
        s.stop().await;
        cleanup_work(&a.stack);
        eprintln!("compat: backends stopped after {:.1} s", t0.elapsed().as_secs_f64());
    }
    drop(fakes);
    let totals = report::totals(&results);
    let (expected, pending) = report::marks(&results);
    let ok = totals.failing == 0 && selftest.as_ref().is_none_or(|s| s.ok);
    let rep = RunReport {
        generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        wall_seconds: t0.elapsed().as_secs_f64(),
        startup_seconds: startup,
        pairs,
        ok,
        coverage: cov.as_ref().map(|c| report::coverage(c, &results)),
        totals,
        expected_differences: expected,
        pending,
        scenarios: results,
        masks: masks.file.clone(),
        selftest,
    };
    let dir = report_dir(&a.stack);
    report::write(&dir, &rep)?;
    let c = rep.coverage.as_ref().map(|c| format!(", coverage {}/{} operations", c.exercised, c.total)).unwrap_or_default();
    eprintln!(
        "compat: identical {}/{} steps ({}), {} failing{c}{}; {:.0} s; report {}",
        rep.totals.identical,
        rep.totals.compared,
        rep.totals.by_verdict.iter().filter(|(k, _)| k.as_str() != "identical").map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", "),
        rep.totals.failing,
        rep.selftest.as_ref().map(|s| format!(", self-test {}", if s.ok { "passed" } else { "FAILED" })).unwrap_or_default(),
        rep.wall_seconds,
        dir.join("report.md").display()
    );
    Ok(ok)
}

async fn cmd_self_test(a: StackArgs) -> Result<bool> {
    let (masks, all, _) = load()?;
    let stack = start_stack(&a, vec![Mode::Separate]).await?;
    let pair = stack.pairs[0].clone();
    let ctx = RunCtx { masks, coverage: None, client: wire::client(), ignore_marks: false, quiet: false };
    let r = selftest::run(&ctx, &pair.reference, &pair.server, &scenario::plan(&all, &[])?).await;
    drop(ctx);
    stack.stop().await;
    cleanup_work(&a);
    let r = r?;
    let dir = report_dir(&a);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("selftest.json"), serde_json::to_vec_pretty(&r)?)?;
    println!("{}", serde_json::to_string_pretty(&r)?);
    eprintln!("compat: self-test {}", if r.ok { "passed" } else { "FAILED" });
    Ok(r.ok)
}

async fn cmd_serve(a: ServeArgs) -> Result<bool> {
    let stack = start_stack(&a.stack, vec![if a.shared_db { Mode::Shared } else { Mode::Separate }]).await?;
    for p in &stack.pairs {
        println!("reference {}  (fake upstream {})", p.reference.url, p.reference.upstream);
        println!("server    {}  (fake upstream {})", p.server.url, p.server.upstream);
        println!(
            "compat run --no-build {} --reference-url {} --server-url {} --reference-upstream {} --server-upstream {}",
            if a.shared_db { "--shared-db" } else { "--separate" },
            p.reference.url,
            p.server.url,
            p.reference.upstream,
            p.server.upstream
        );
    }
    eprintln!("compat: serving until Ctrl-C");
    let _ = tokio::signal::ctrl_c().await;
    stack.stop().await;
    cleanup_work(&a.stack);
    Ok(true)
}

async fn main_inner(cli: Cli) -> Result<bool> {
    match cli.cmd {
        Cmd::Run(a) => cmd_run(a).await,
        Cmd::SelfTest(a) => cmd_self_test(a).await,
        Cmd::Serve(a) => cmd_serve(a).await,
        Cmd::FakeLlm { port, config } => {
            let cfg = match config {
                Some(p) => FakeConfig::load(&p)?,
                None => FakeConfig::default_file()?,
            };
            let f = FakeLlm::start(cfg, port).await?;
            println!("{}", f.url);
            let _ = tokio::signal::ctrl_c().await;
            Ok(true)
        }
        Cmd::List => {
            let (_, all, _) = load()?;
            for s in &all {
                println!("{:<28} {:<8} {:>3} steps  {}{}", s.name, s.mode.as_str(), s.steps.len(), s.description.trim().lines().next().unwrap_or(""), if s.needs.is_empty() { String::new() } else { format!(" (needs {})", s.needs.join(", ")) });
            }
            Ok(true)
        }
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let code = tokio::select! {
        r = main_inner(cli) => match r {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(e) => {
                eprintln!("compat: error: {e:#}");
                2
            }
        },
        _ = tokio::signal::ctrl_c() => {
            eprintln!("compat: interrupted; stopping the backends");
            130
        }
    };
    // After an error or an interrupt the backends are stopped (dropped) by now; their directory goes too.
    if code >= 2 && work_dir().exists() {
        let _ = std::fs::remove_dir_all(work_dir());
    }
    std::process::exit(code);
}
