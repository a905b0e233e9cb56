//! The side-by-side load run: our server and the Python reference, each on its own database of
//! one PostgreSQL cluster, seeded with the same data through the API, then measured in one run,
//! alternating, with Debian's `wrk`: start to healthy, memory at idle and after the load,
//! requests/s and p50/p99 per route at fixed concurrency, and our throughput with 1, 2 and 3
//! instances on one database, 1,000 concurrent streamed completions through each backend against the
//! fake upstream (the compat harness's, shared by both), and the first sidebar page of a user with 10
//! chats beside one with 10,000. Prints one markdown table (ours, the reference's, the ratio) and
//! writes it to `--out`.
//!
//!     benches/load.sh [--duration 10] [--connections 16] [--users 50] [--chats 200] [--out FILE]
//!
//! A route one backend does not serve (404/405, or a seed step that fails) is reported as such,
//! never measured as an error rate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use compat_tests::fake_llm::{FakeConfig, FakeLlm};
use clap::Parser;
use futures::StreamExt;
use serde_json::{json, Value};

#[derive(Parser, Debug, Clone)]
struct Args {
    /// Seconds per wrk run.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// wrk connections (threads: 2).
    #[arg(long, default_value_t = 16)]
    connections: u32,
    /// Users to seed (besides the admin).
    #[arg(long, default_value_t = 50)]
    users: usize,
    /// Chats per user.
    #[arg(long, default_value_t = 200)]
    chats: usize,
    /// Groups to seed.
    #[arg(long, default_value_t = 50)]
    groups: usize,
    /// Custom models to seed.
    #[arg(long, default_value_t = 200)]
    models: usize,
    /// Concurrent streamed completions (0: skip that row).
    #[arg(long, default_value_t = 1000)]
    streams: usize,
    /// Events in each streamed answer (words of the fake upstream's reply).
    #[arg(long, default_value_t = 50)]
    stream_chunks: usize,
    /// The fake upstream's pause between two events of a stream (ms).
    #[arg(long, default_value_t = 20)]
    chunk_delay_ms: u64,
    /// Chats of the one user whose first sidebar page is compared with a 10-chat user's (0: skip).
    #[arg(long, default_value_t = 10_000)]
    big_chats: usize,
    /// Our release binary.
    #[arg(long, env = "OWUI_SERVER_BIN")]
    server_bin: Option<PathBuf>,
    /// Write the table here too.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the reference (ours only; the ratio column stays empty).
    #[arg(long)]
    no_reference: bool,
}

mod streams;

const SECRET: &str = "load-run-secret";
const PASSWORD: &str = "Load-Passw0rd!";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn progress(msg: impl AsRef<str>) {
    eprintln!("load: {}", msg.as_ref());
}

/// One backend under test.
struct Backend {
    name: &'static str,
    url: String,
    /// The processes whose memory counts (the server, or the reference and its workers).
    pid: u32,
    child: Option<Child>,
    data_dir: tempfile::TempDir,
    start_ms: u128,
    admin: String,
    /// (token, a chat id of that user)
    users: Vec<(String, Option<String>)>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_healthy(url: &str, limit: Duration) -> Result<()> {
    let c = reqwest::Client::new();
    let t = Instant::now();
    while t.elapsed() < limit {
        if let Ok(r) = c.get(format!("{url}/health")).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bail!("{url} not healthy after {limit:?}")
}

fn spawn_ours(bin: &Path, db_url: &str, data_dir: &Path, fake: &str) -> Result<(Child, String)> {
    let port = free_port();
    let child = Command::new(bin)
        .envs(upstream_env(fake))
        .env("DATABASE_URL", db_url)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATA_DIR", data_dir)
        .env("WEBUI_SECRET_KEY", SECRET)
        .env("OFFLINE_MODE", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("start our server")?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}

/// Both backends' one LLM connection: the fake upstream's OpenAI side (Ollama off, so neither waits
/// on a connection that is not there).
fn upstream_env(fake: &str) -> Vec<(String, String)> {
    vec![
        ("OPENAI_API_BASE_URL".into(), format!("{fake}/v1")),
        ("OPENAI_API_KEY".into(), "load-upstream-key".into()),
        ("ENABLE_OPENAI_API".into(), "true".into()),
        ("ENABLE_OLLAMA_API".into(), "false".into()),
    ]
}

/// Resident and proportional memory (kB) of `pid` and its descendants.
fn memory(pid: u32) -> (u64, u64) {
    let mut pids = vec![pid];
    let mut i = 0;
    while i < pids.len() {
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{}/task/{}/children", pids[i], pids[i])) {
            pids.extend(children.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
        }
        i += 1;
    }
    let field = |path: String, key: &str| -> u64 {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
            .unwrap_or(0)
    };
    pids.iter().fold((0, 0), |(rss, pss), p| {
        (rss + field(format!("/proc/{p}/status"), "VmRSS:"), pss + field(format!("/proc/{p}/smaps_rollup"), "Pss:"))
    })
}

struct Resp {
    status: u16,
    body: Value,
}

async fn call(c: &reqwest::Client, method: &str, url: String, token: Option<&str>, body: Option<Value>) -> Result<Resp> {
    let mut rb = c.request(method.parse()?, url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await?;
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    Ok(Resp { status, body })
}

/// Seeds one backend through its API: the admin, users, groups, models, chats.
async fn seed(b: &mut Backend, a: &Args, notes: &mut BTreeMap<String, String>) -> Result<()> {
    let c = reqwest::Client::new();
    let r = call(&c, "POST", format!("{}/api/v1/auths/signup", b.url), None, Some(json!({"name": "Admin", "email": "admin@load.test", "password": PASSWORD}))).await?;
    if r.status != 200 {
        bail!("{}: sign-up answered {}", b.name, r.status);
    }
    b.admin = r.body["token"].as_str().unwrap_or_default().to_owned();
    let mut user_ids = Vec::new();
    for i in 0..a.users {
        let body = json!({"name": format!("User {i}"), "email": format!("user{i}@load.test"), "password": PASSWORD, "role": "user"});
        let r = call(&c, "POST", format!("{}/api/v1/auths/add", b.url), Some(&b.admin), Some(body)).await?;
        if r.status != 200 {
            bail!("{}: adding a user answered {}", b.name, r.status);
        }
        b.users.push((r.body["token"].as_str().unwrap_or_default().to_owned(), None));
        user_ids.push(r.body["id"].as_str().unwrap_or_default().to_owned());
    }
    progress(format!("{}: {} users", b.name, a.users));
    let mut group_ids = Vec::new();
    for g in 0..a.groups {
        let body = json!({"name": format!("Group {g}"), "description": "load"});
        let r = call(&c, "POST", format!("{}/api/v1/groups/create", b.url), Some(&b.admin), Some(body)).await?;
        if r.status != 200 {
            notes.insert(format!("groups ({})", b.name), format!("not seeded: create answered {}", r.status));
            break;
        }
        let gid = r.body["id"].as_str().unwrap_or_default().to_owned();
        group_ids.push(gid.clone());
        let members: Vec<&String> = user_ids.iter().skip(g % 5).step_by(5).collect();
        call(&c, "POST", format!("{}/api/v1/groups/id/{gid}/users/add", b.url), Some(&b.admin), Some(json!({"user_ids": members}))).await?;
    }
    progress(format!("{}: {} groups", b.name, a.groups));
    // Presets on the fake upstream's model (a preset without a base model would only rename an upstream
    // model of the same id, and none exists), each readable by one group (or everyone without groups),
    // so a regular user's list walks the grants.
    for m in 0..a.models {
        let grantee = if group_ids.is_empty() { "*".to_owned() } else { group_ids[m % group_ids.len()].clone() };
        let body = json!({"id": format!("load-model-{m}"), "name": format!("Load model {m}"), "base_model_id": "fake-gpt",
            "meta": {"description": "load"}, "params": {}, "access_grants": [{"principal_type": "group", "principal_id": grantee, "permission": "read"}]});
        let r = call(&c, "POST", format!("{}/api/v1/models/create", b.url), Some(&b.admin), Some(body)).await?;
        if r.status != 200 {
            notes.insert(format!("models ({})", b.name), format!("not seeded: create answered {}", r.status));
            break;
        }
    }
    progress(format!("{}: models", b.name));
    // Chats, 8 requests at a time.
    let url = b.url.clone();
    let mut failed = None;
    for (ui, user) in b.users.iter_mut().enumerate() {
        let token = user.0.clone();
        let results: Vec<Result<Resp>> = futures::future::join_all((0..a.chats).map(|i| {
            let (c, url, token) = (c.clone(), url.clone(), token.clone());
            async move {
                let chat = json!({"chat": {"title": format!("Chat {i}"), "models": ["fake-gpt"], "messages": [], "history": {"messages": {}, "currentId": null}, "tags": [], "timestamp": 1_700_000_000_000i64 + i as i64}});
                call(&c, "POST", format!("{url}/api/v1/chats/new"), Some(&token), Some(chat)).await
            }
        }))
        .await;
        for r in results {
            match r {
                Ok(r) if r.status == 200 => user.1 = user.1.take().or(r.body["id"].as_str().map(str::to_owned)),
                Ok(r) => failed = Some(r.status),
                Err(_) => failed = Some(0),
            }
        }
        if failed.is_some() {
            break;
        }
        if ui % 10 == 9 {
            progress(format!("{}: chats of {} users", b.name, ui + 1));
        }
    }
    if let Some(s) = failed {
        notes.insert(format!("chats ({})", b.name), format!("not seeded: /api/v1/chats/new answered {s}"));
    }
    Ok(())
}

/// A new user (added by the admin) with `n` chats created through the API, 16 at a time; its token.
async fn user_with_chats(b: &Backend, email: &str, n: usize) -> Result<String> {
    let c = reqwest::Client::new();
    let body = json!({"name": email, "email": email, "password": PASSWORD, "role": "user"});
    let r = call(&c, "POST", format!("{}/api/v1/auths/add", b.url), Some(&b.admin), Some(body)).await?;
    if r.status != 200 {
        bail!("{}: adding {email} answered {}", b.name, r.status);
    }
    let token = r.body["token"].as_str().unwrap_or_default().to_owned();
    let statuses: Vec<u16> = futures::stream::iter(0..n)
        .map(|i| {
            let (c, url, token) = (c.clone(), b.url.clone(), token.clone());
            async move {
                let chat = json!({"chat": {"title": format!("Chat {i}"), "models": ["fake-gpt"], "messages": [],
                    "history": {"messages": {}, "currentId": null}, "tags": [], "timestamp": 1_700_000_000_000i64 + i as i64}});
                call(&c, "POST", format!("{url}/api/v1/chats/new"), Some(&token), Some(chat)).await.map(|r| r.status).unwrap_or(0)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    if let Some(s) = statuses.iter().find(|s| **s != 200) {
        bail!("{}: a chat of {email} answered {s}", b.name);
    }
    Ok(token)
}

/// One wrk run's figures.
#[derive(Debug, Clone, Default)]
struct Figures {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
    requests: u64,
}

fn parse_ms(s: &str) -> f64 {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_alphabetic()).unwrap_or(s.len()));
    let v: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => v / 1000.0,
        "ms" => v,
        "s" => v * 1000.0,
        "m" => v * 60_000.0,
        _ => f64::NAN,
    }
}

fn wrk(url: &str, method: &str, token: &str, body: Option<&str>, a: &Args) -> Result<Figures> {
    let script = tempfile::NamedTempFile::new()?;
    let lua = format!(
        "wrk.method = \"{method}\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n{}",
        body.map(|b| format!("wrk.body = [==[{b}]==]\n")).unwrap_or_default()
    );
    std::fs::write(script.path(), lua)?;
    let out = Command::new("wrk")
        .args(["-t2", &format!("-c{}", a.connections), &format!("-d{}s", a.duration), "--latency", "-s"])
        .arg(script.path())
        .arg(url)
        .output()
        .context("run wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut f = Figures::default();
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        match t.as_slice() {
            ["Requests/sec:", v] => f.rps = v.parse().unwrap_or(0.0),
            ["50%", v] => f.p50_ms = parse_ms(v),
            ["99%", v] => f.p99_ms = parse_ms(v),
            ["Non-2xx", "or", "3xx", "responses:", n] => f.non_2xx = n.parse().unwrap_or(0),
            [n, "requests", "in", ..] => f.requests = n.parse().unwrap_or(0),
            _ => {}
        }
    }
    Ok(f)
}

/// A route to load: method, path (with `{chat}` for a chat of the user), body, whose token.
struct Route {
    label: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    as_user: bool,
}

const ROUTES: &[Route] = &[
    Route { label: "GET /health", method: "GET", path: "/health", body: None, as_user: true },
    Route { label: "GET /api/v1/auths/ (user)", method: "GET", path: "/api/v1/auths/", body: None, as_user: true },
    Route { label: "GET /api/v1/chats/?page=1 (user)", method: "GET", path: "/api/v1/chats/?page=1", body: None, as_user: true },
    Route { label: "GET /api/v1/chats/{id} (user)", method: "GET", path: "/api/v1/chats/{chat}", body: None, as_user: true },
    Route { label: "GET /api/models (user)", method: "GET", path: "/api/models", body: None, as_user: true },
    Route {
        label: "POST /api/v1/chats/new (user)",
        method: "POST",
        path: "/api/v1/chats/new",
        body: Some(r#"{"chat":{"title":"Load","models":["fake-gpt"],"messages":[],"history":{"messages":{},"currentId":null}}}"#),
        as_user: true,
    },
    Route {
        label: "POST /api/v1/auths/signin (both limit 15 a user per 3 min: then 429)",
        method: "POST",
        path: "/api/v1/auths/signin",
        body: Some(r#"{"email":"user0@load.test","password":"Load-Passw0rd!"}"#),
        as_user: false,
    },
    Route { label: "GET /api/v1/users/?page=1 (admin)", method: "GET", path: "/api/v1/users/?page=1", body: None, as_user: false },
];

/// Whether the backend serves `route` for this token (one request first).
async fn probe(b: &Backend, r: &Route, path: &str, token: &str) -> Result<u16> {
    let c = reqwest::Client::new();
    let body = r.body.map(|s| serde_json::from_str(s)).transpose()?;
    Ok(call(&c, r.method, format!("{}{path}", b.url), Some(token), body).await?.status)
}

fn fmt_ratio(ours: f64, theirs: f64, higher_better: bool) -> String {
    if !(ours > 0.0 && theirs > 0.0) {
        return "–".into();
    }
    let r = if higher_better { ours / theirs } else { theirs / ours };
    format!("{r:.1}×")
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = Args::parse();
    let root = root();
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root.join("target"));
    let bin = a.server_bin.clone().unwrap_or_else(|| target.join("release/server"));
    if !bin.exists() {
        bail!("{} not found: build it first (cargo build --release -p server, or benches/load.sh)", bin.display());
    }
    // One PostgreSQL cluster, a database per backend.
    let pgdir = tempfile::Builder::new().prefix("owui-load-pg.").tempdir_in("/tmp")?;
    let out = Command::new(root.join("tools/pgcluster")).arg("start").arg(pgdir.path()).output()?;
    if !out.status.success() {
        bail!("tools/pgcluster start: {}", String::from_utf8_lossy(&out.stderr));
    }
    let pg = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let pg_guard = PgGuard(root.join("tools/pgcluster"), pgdir.path().to_owned());
    for db in ["load_rust", "load_reference"] {
        let st = Command::new("psql").args(["-q", &format!("{pg}/postgres"), "-c", &format!("CREATE DATABASE {db}")]).status()?;
        if !st.success() {
            bail!("create database {db}");
        }
    }
    let mut notes: BTreeMap<String, String> = BTreeMap::new();
    let mut rows: Vec<(String, String, String, String)> = Vec::new();

    // The one LLM provider both backends talk to (the compat harness's deterministic fake): a reply of
    // `stream_chunks` words, one event each, `chunk_delay_ms` apart.
    let words: Vec<String> = (0..a.stream_chunks.max(1)).map(|i| format!("w{i}")).collect();
    let fake_config = FakeConfig {
        chunk_delay_ms: a.chunk_delay_ms,
        openai_models: vec!["fake-gpt".into()],
        ollama_models: vec![],
        embedding_dim: 8,
        default_reply: words.join(" "),
        rules: vec![],
    };
    let fake = FakeLlm::start(fake_config, 0).await?;

    // Start: ours on a migrated database (a first start migrates; not measured).
    progress("starting our server (first start migrates; the second is measured)");
    let ours_dir = tempfile::tempdir()?;
    let db_rust = format!("{pg}/load_rust");
    let (mut first, url) = spawn_ours(&bin, &db_rust, ours_dir.path(), &fake.url)?;
    wait_healthy(&url, Duration::from_secs(60)).await?;
    let _ = Command::new("kill").arg("-TERM").arg(first.id().to_string()).status();
    let _ = first.wait();
    let t = Instant::now();
    let (child, url) = spawn_ours(&bin, &db_rust, ours_dir.path(), &fake.url)?;
    wait_healthy(&url, Duration::from_secs(60)).await?;
    let ours_start = t.elapsed().as_millis();
    let mut ours = Backend {
        name: "ours",
        url,
        pid: child.id(),
        child: Some(child),
        data_dir: ours_dir,
        start_ms: ours_start,
        admin: String::new(),
        users: vec![],
    };

    let mut reference = None;
    if !a.no_reference {
        progress("starting the reference (first start migrates; the second is measured)");
        let dir = tempfile::tempdir()?;
        let db = format!("{pg}/load_reference");
        let tool = root.join("tools/reference");
        let start = |dir: &Path| -> Result<String> {
            let mut cmd = Command::new(&tool);
            cmd.args(["start", "--data-dir"]).arg(dir).args(["--database-url", &db, "--secret", SECRET]);
            for (k, v) in upstream_env(&fake.url) {
                cmd.arg("--env").arg(format!("{k}={v}"));
            }
            let out = cmd.output()?;
            if !out.status.success() {
                bail!("tools/reference start: {}", String::from_utf8_lossy(&out.stderr));
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        start(dir.path())?;
        Command::new(&tool).args(["stop", "--data-dir"]).arg(dir.path()).status()?;
        let t = Instant::now();
        let url = start(dir.path())?;
        let ms = t.elapsed().as_millis();
        let pid: u32 = std::fs::read_to_string(dir.path().join("reference.pid"))?.trim().parse()?;
        reference = Some(Backend {
            name: "reference",
            url,
            pid,
            child: None,
            data_dir: dir,
            start_ms: ms,
            admin: String::new(),
            users: vec![],
        });
    }
    rows.push((
        "start to healthy /health, migrated database (ms)".into(),
        ours.start_ms.to_string(),
        reference.as_ref().map(|r| r.start_ms.to_string()).unwrap_or_default(),
        reference.as_ref().map(|r| fmt_ratio(ours.start_ms as f64, r.start_ms as f64, false)).unwrap_or_default(),
    ));
    let idle = |b: &Backend| memory(b.pid);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (o_rss, o_pss) = idle(&ours);
    let r_mem = reference.as_ref().map(idle);
    rows.push((
        "memory at idle, empty database: RSS / PSS (MB)".into(),
        format!("{:.1} / {:.1}", o_rss as f64 / 1024.0, o_pss as f64 / 1024.0),
        r_mem.map(|(r, p)| format!("{:.1} / {:.1}", r as f64 / 1024.0, p as f64 / 1024.0)).unwrap_or_default(),
        r_mem.map(|(_, p)| fmt_ratio(o_pss as f64, p as f64, false)).unwrap_or_default(),
    ));

    progress(format!("seeding: {} users × {} chats, {} groups, {} models", a.users, a.chats, a.groups, a.models));
    seed(&mut ours, &a, &mut notes).await?;
    if let Some(r) = reference.as_mut() {
        seed(r, &a, &mut notes).await?;
    }

    for route in ROUTES {
        let mut figs: Vec<Option<Figures>> = Vec::new();
        for b in std::iter::once(&ours).chain(reference.iter()) {
            let token = if route.as_user { b.users.first().map(|u| u.0.clone()).unwrap_or_default() } else { b.admin.clone() };
            let chat = b.users.first().and_then(|u| u.1.clone()).unwrap_or_default();
            let path = route.path.replace("{chat}", &chat);
            let status = probe(b, route, &path, &token).await?;
            if status != 200 {
                notes.insert(format!("{} ({})", route.label, b.name), format!("not measured: answers {status}"));
                figs.push(None);
                continue;
            }
            progress(format!("{} on {}", route.label, b.name));
            figs.push(Some(wrk(&format!("{}{path}", b.url), route.method, &token, route.body, &a)?));
        }
        let show = |f: &Option<Figures>| {
            f.as_ref()
                .map(|f| {
                    let errors = if f.non_2xx > 0 { format!(", {} non-2xx", f.non_2xx) } else { String::new() };
                    format!("{:.0} req/s, p50 {:.2} / p99 {:.2} ms{errors}", f.rps, f.p50_ms, f.p99_ms)
                })
                .unwrap_or_else(|| "not served".into())
        };
        let ratio = match (figs.first().cloned().flatten(), figs.get(1).cloned().flatten()) {
            (Some(o), Some(r)) => fmt_ratio(o.rps, r.rps, true),
            _ => String::new(),
        };
        rows.push((route.label.to_string(), show(&figs[0]), figs.get(1).map(show).unwrap_or_default(), ratio));
    }

    // The first sidebar page of a user with 10 chats beside one with `big_chats` (issue 11: an index plan,
    // so the page costs the same).
    if a.big_chats > 0 {
        let mut tokens: Vec<[String; 2]> = Vec::new();
        for b in std::iter::once(&ours).chain(reference.iter()) {
            progress(format!("{}: a user with 10 chats and one with {}", b.name, a.big_chats));
            let small = user_with_chats(b, "small@load.test", 10).await?;
            let big = user_with_chats(b, "big@load.test", a.big_chats).await?;
            tokens.push([small, big]);
        }
        for (i, n) in [10, a.big_chats].into_iter().enumerate() {
            let mut figs = Vec::new();
            for (b, t) in std::iter::once(&ours).chain(reference.iter()).zip(&tokens) {
                progress(format!("GET /api/v1/chats/?page=1 of the {n}-chat user on {}", b.name));
                figs.push(wrk(&format!("{}/api/v1/chats/?page=1", b.url), "GET", &t[i], None, &a)?);
            }
            let show = |f: &Figures| format!("{:.0} req/s, p50 {:.2} / p99 {:.2} ms", f.rps, f.p50_ms, f.p99_ms);
            rows.push((
                format!("GET /api/v1/chats/?page=1, a user with {n} chats"),
                show(&figs[0]),
                figs.get(1).map(show).unwrap_or_default(),
                figs.get(1).map(|r| fmt_ratio(figs[0].rps, r.rps, true)).unwrap_or_default(),
            ));
        }
    }

    let (o_rss, o_pss) = idle(&ours);
    let r_mem = reference.as_ref().map(idle);
    rows.push((
        "memory after the load: RSS / PSS (MB)".into(),
        format!("{:.1} / {:.1}", o_rss as f64 / 1024.0, o_pss as f64 / 1024.0),
        r_mem.map(|(r, p)| format!("{:.1} / {:.1}", r as f64 / 1024.0, p as f64 / 1024.0)).unwrap_or_default(),
        r_mem.map(|(_, p)| fmt_ratio(o_pss as f64, p as f64, false)).unwrap_or_default(),
    ));

    // Scale-out: 1, 2, 3 instances of ours on the one database, one wrk per instance at once.
    let scale_route = ROUTES.iter().find(|r| r.path.starts_with("/api/v1/chats/?page")).unwrap();
    let token = ours.users.first().map(|u| u.0.clone()).unwrap_or_default();
    let scale_path = if probe(&ours, scale_route, scale_route.path, &token).await? == 200 { scale_route.path } else { "/api/v1/auths/" };
    let mut extra = Vec::new();
    for n in 1..=3usize {
        while extra.len() + 1 < n {
            let dir = tempfile::tempdir()?;
            let (child, url) = spawn_ours(&bin, &db_rust, dir.path(), &fake.url)?;
            wait_healthy(&url, Duration::from_secs(60)).await?;
            extra.push((child, url, dir));
        }
        progress(format!("scale-out: {n} instance(s), GET {scale_path}"));
        let urls: Vec<String> = std::iter::once(ours.url.clone()).chain(extra.iter().map(|e| e.1.clone())).collect();
        let per: Vec<Figures> = std::thread::scope(|s| {
            let (token, a) = (&token, &a);
            let handles: Vec<_> =
                urls.iter().map(|u| s.spawn(move || wrk(&format!("{u}{scale_path}"), "GET", token, None, a))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect::<Result<Vec<_>>>()
        })?;
        let total: f64 = per.iter().map(|f| f.rps).sum();
        rows.push((format!("GET {scale_path} (user), {n} instance(s) of ours, one PostgreSQL"), format!("{total:.0} req/s"), String::new(), String::new()));
    }
    for (mut c, _, _) in extra {
        let _ = Command::new("kill").arg("-TERM").arg(c.id().to_string()).status();
        let _ = c.wait();
    }

    // Concurrent streamed completions: the fake upstream directly (the floor), then through each backend
    // as an API caller (SSE relay), the backend's memory sampled while they run.
    if a.streams > 0 {
        let limit = Duration::from_secs(300);
        progress(format!("{} concurrent streams on the fake upstream directly", a.streams));
        let direct = streams::run(&format!("{}/v1/chat/completions", fake.url), None, "fake-gpt", a.streams, limit, None).await;
        let mut figs = Vec::new();
        for b in std::iter::once(&ours).chain(reference.iter()) {
            progress(format!("{} concurrent streams through {}", a.streams, b.name));
            let pid = b.pid;
            let sample: Box<dyn Fn() -> u64 + Send + Sync> = Box::new(move || memory(pid).0);
            let f = streams::run(&format!("{}/api/chat/completions", b.url), Some(&b.admin), "fake-gpt", a.streams, limit, Some(sample)).await;
            if let Some(e) = &f.first_error {
                notes.insert(format!("streams ({})", b.name), format!("first error: {e}"));
            }
            figs.push(f);
        }
        let label = format!("{} concurrent streamed completions ({} events, {} ms apart upstream)", a.streams, direct.events, a.chunk_delay_ms);
        let cell = |f: &streams::StreamFigures, g: fn(&streams::StreamFigures) -> String| g(f);
        let mut row = |what: &str, g: fn(&streams::StreamFigures) -> String, lower_better: Option<fn(&streams::StreamFigures) -> f64>| {
            let o = cell(&figs[0], g);
            let r = figs.get(1).map(|f| cell(f, g)).unwrap_or_default();
            let x = match (lower_better, figs.get(1)) {
                (Some(v), Some(rf)) => fmt_ratio(v(&figs[0]), v(rf), false),
                _ => String::new(),
            };
            rows.push((format!("{label}: {what}"), o, r, x));
        };
        row("complete / failed", |f| format!("{} / {}", f.ok, f.errors), None);
        row("all done in (s)", |f| format!("{:.1}", f.wall_s), Some(|f| f.wall_s));
        row("median time to first event (ms)", |f| format!("{:.1}", f.first_event_ms), Some(|f| f.first_event_ms));
        row("peak memory of the backend, RSS (MB)", |f| format!("{:.1}", f.peak_kb as f64 / 1024.0), Some(|f| f.peak_kb as f64));
        let added = |f: &streams::StreamFigures, d: &streams::StreamFigures| f.per_event_ms - d.per_event_ms;
        rows.push((
            format!("{label}: added per event, relayed less direct (median gap {:.2} ms direct)", direct.per_event_ms),
            format!("{:+.2} ms", added(&figs[0], &direct)),
            figs.get(1).map(|f| format!("{:+.2} ms", added(f, &direct))).unwrap_or_default(),
            String::new(),
        ));
        if direct.errors > 0 {
            notes.insert("streams (fake upstream directly)".into(), format!("{} failed: {:?}", direct.errors, direct.first_error));
        }
    }

    // The table.
    let now = Command::new("date").arg("-u").arg("+%Y-%m-%d %H:%M UTC").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem_gb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    let mut md = format!(
        "Load run of {now}, {cores} cores, {mem_gb:.0} GB; wrk -t2 -c{} -d{}s per row, ours then the reference's; \
         seeded with {} users × {} chats, {} groups, {} models; both backends on databases of one PostgreSQL 15 cluster \
         (its memory not counted). `benches/load.sh --duration {} --connections {} --users {} --chats {}`\n\n\
         | Measure | Ours | Reference | Ratio |\n|---|---|---|---|\n",
        a.connections, a.duration, a.users, a.chats, a.groups, a.models, a.duration, a.connections, a.users, a.chats
    );
    for (m, o, r, x) in &rows {
        md.push_str(&format!("| {m} | {o} | {r} | {x} |\n"));
    }
    if !notes.is_empty() {
        md.push_str("\nNot measured or not seeded:\n\n");
        for (k, v) in &notes {
            md.push_str(&format!("- {k}: {v}\n"));
        }
    }
    println!("{md}");
    if let Some(p) = &a.out {
        std::fs::write(p, &md)?;
    }

    if let Some(mut c) = ours.child.take() {
        let _ = Command::new("kill").arg("-TERM").arg(c.id().to_string()).status();
        let _ = c.wait();
    }
    if let Some(r) = &reference {
        let _ = Command::new(root.join("tools/reference")).args(["stop", "--data-dir"]).arg(r.data_dir.path()).status();
    }
    drop(pg_guard);
    drop(ours.data_dir);
    Ok(())
}

/// Stops the cluster when dropped.
struct PgGuard(PathBuf, PathBuf);

impl Drop for PgGuard {
    fn drop(&mut self) {
        let _ = Command::new(&self.0).arg("stop").arg(&self.1).stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}
