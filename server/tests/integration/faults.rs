//! Faults: PostgreSQL restarted under a running server, and the server killed (`kill -9`) during
//! concurrent writes. All traffic stays on 127.0.0.1 and the unix sockets of private clusters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::db::cluster::{ClusterOptions, PgCluster};

use crate::common::*;

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

async fn signup(base: &str, name: &str) -> Result<Value, String> {
    let body = json!({"name": name, "email": format!("{name}@example.com"), "password": "fault-password"});
    let r = client().post(format!("{base}/api/v1/auths/signup")).json(&body).send().await.map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    if status == 200 {
        Ok(v)
    } else {
        Err(format!("{status} {v}"))
    }
}

/// One request: status, body and how long it took.
async fn timed(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (Option<u16>, Value, Duration) {
    let t = Instant::now();
    let mut rb = client().request(method.parse().unwrap(), url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    match rb.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let v = r.json::<Value>().await.unwrap_or(Value::Null);
            (Some(status), v, t.elapsed())
        }
        Err(_) => (None, Value::Null, t.elapsed()),
    }
}

/// PostgreSQL stops while the server runs: requests that need it fail quickly with a 5xx
/// `{"detail": ...}`, the rest keep working, and once PostgreSQL is back the same server process
/// serves database requests again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_under_a_running_server() {
    let dir = tempfile::Builder::new().prefix("owui-fault-pg.").tempdir_in("/tmp").unwrap();
    let opts = ClusterOptions::unix_only(dir.path().join("pg"));
    let cluster = PgCluster::start(opts.clone()).await.expect("start the private cluster");
    let conninfo = cluster.connection_string("postgres");

    let data_dir = tempfile::tempdir().unwrap();
    let vars: HashMap<String, String> = HashMap::from([
        ("HOST".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        ("DATA_DIR".into(), data_dir.path().display().to_string()),
        ("DATABASE_URL".into(), conninfo.clone()),
        ("WEBUI_SECRET_KEY".into(), TEST_SECRET.into()),
        ("DATABASE_POOL_SIZE".into(), "4".into()),
        ("OWUI_FRONTEND_DIR".into(), data_dir.path().join("webui").display().to_string()),
        ("OFFLINE_MODE".into(), "true".into()),
    ]);
    let config = server::config::Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let running = server::start(config, &server::testing::test_logger()).await.expect("start the server");
    let base = format!("http://{}", running.local_addr());

    let admin = signup(&base, "admin").await.expect("sign-up before the outage");
    let token = admin["token"].as_str().unwrap().to_string();
    assert_eq!(timed("GET", &format!("{base}/api/v1/auths/"), Some(&token), None).await.0, Some(200));

    // Outage. (A token whose session was read less than `OWUI_SESSION_CACHE_MS` ago still
    // answers what needs nothing else, `GET /api/v1/auths/`: wait that out first.)
    cluster.stop().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for (method, path, auth, body) in [
        ("GET", "/health/db", false, None),
        ("GET", "/ready", false, None),
        ("GET", "/api/v1/auths/", true, None),
        ("GET", "/api/v1/users/user/settings", true, None),
        ("POST", "/api/v1/users/user/settings/update", true, Some(json!({"ui": {"a": 1}}))),
        ("POST", "/api/v1/auths/signin", false, Some(json!({"email": "admin@example.com", "password": "fault-password"}))),
        ("GET", "/api/config", true, None),
    ] {
        let (status, v, took) = timed(method, &format!("{base}{path}"), auth.then_some(token.as_str()), body).await;
        let status = status.unwrap_or_else(|| panic!("{method} {path}: no answer during the outage"));
        assert!((500..600).contains(&status), "{method} {path} during the outage: {status} {v}");
        assert!(v.get("detail").is_some(), "{method} {path} during the outage: {v}");
        assert!(took < Duration::from_secs(5), "{method} {path} took {took:?} during the outage");
    }
    // What needs no database still answers.
    assert_eq!(timed("GET", &format!("{base}/health"), None, None).await.0, Some(200));
    assert_eq!(timed("GET", &format!("{base}/api/version"), None, None).await.0, Some(200));

    // PostgreSQL back, same directory and socket; the same server process recovers.
    let cluster = PgCluster::start(opts).await.expect("restart the private cluster");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, v, _) = timed("GET", &format!("{base}/api/v1/auths/"), Some(&token), None).await;
        if status == Some(200) {
            assert_eq!(v["email"], "admin@example.com");
            break;
        }
        assert!(Instant::now() < deadline, "no recovery after the restart: {status:?} {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(timed("GET", &format!("{base}/health/db"), None, None).await.0, Some(200));
    let (status, v, _) = timed(
        "POST",
        &format!("{base}/api/v1/users/user/settings/update"),
        Some(&token),
        Some(json!({"ui": {"after": "restart"}})),
    )
    .await;
    assert_eq!(status, Some(200), "{v}");
    let (status, _, _) = timed(
        "POST",
        &format!("{base}/api/v1/auths/signin"),
        None,
        Some(json!({"email": "admin@example.com", "password": "fault-password"})),
    )
    .await;
    assert_eq!(status, Some(200));

    running.stop().await;
    cluster.stop().await;
}

/// A `server` process on its own test database.
struct Proc {
    child: tokio::process::Child,
    base: String,
}

async fn spawn_server(db: &TestDb, data_dir: &std::path::Path) -> Proc {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATA_DIR", data_dir)
        .env("DATABASE_URL", &db.conninfo)
        .env("WEBUI_SECRET_KEY", TEST_SECRET)
        .env("DEFAULT_USER_ROLE", "user")
        .env("DATABASE_POOL_SIZE", "8")
        .env("GLOBAL_LOG_LEVEL", "ERROR")
        .env("OWUI_FRONTEND_DIR", data_dir.join("webui"))
        .env("OFFLINE_MODE", "true")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the server binary");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while timed("GET", &format!("{base}/health"), None, None).await.0 != Some(200) {
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Proc { child, base }
}

/// `kill -9` of the server during concurrent sign-ups, settings updates and group creations:
/// after a restart, every write that was answered 200 is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_concurrent_writes_loses_no_acknowledged_write() {
    let db = TestDb::new().await;
    let data_dir = tempfile::tempdir().unwrap();
    let mut p = spawn_server(&db, data_dir.path()).await;
    let base = p.base.clone();

    // The first account, then sign-up reopened (the first sign-up closes it).
    let admin = signup(&base, "admin").await.unwrap();
    let pg = db.client().await;
    pg.execute("UPDATE config SET value = 'true'::json WHERE key = 'ui.enable_signup'", &[]).await.unwrap();
    // As another instance would: tell the server (a separate process) to reload its settings.
    pg.execute("SELECT pg_notify($1, '')", &[&server::settings::CHANNEL]).await.unwrap();
    let reopened = format!("{base}/api/config");
    for _ in 0..100 {
        if reqwest::get(&reopened).await.unwrap().text().await.unwrap().contains(r#""enable_signup":true"#) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut writers = vec![admin["token"].as_str().unwrap().to_string()];
    for i in 0..3 {
        writers.push(signup(&base, &format!("writer{i}")).await.unwrap()["token"].as_str().unwrap().to_string());
    }

    let acked_signups: Arc<Mutex<Vec<String>>> = Arc::default();
    // Per writer: the highest counter acknowledged.
    let acked_settings: Arc<Mutex<HashMap<usize, i64>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = vec![];
    for w in 0..2 {
        let (base, acked, stop) = (base.clone(), acked_signups.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let name = format!("load{w}x{i}");
                match signup(&base, &name).await {
                    Ok(_) => acked.lock().unwrap().push(format!("{name}@example.com")),
                    Err(e) if i == 0 => eprintln!("sign-up {name}: {e}"),
                    Err(_) => {}
                }
                i += 1;
            }
        }));
    }
    // Groups, created by the admin.
    let acked_groups: Arc<Mutex<Vec<String>>> = Arc::default();
    {
        let (base, acked, stop, token) = (base.clone(), acked_groups.clone(), stop.clone(), writers[0].clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let name = format!("fault-group-{i}");
                let body = json!({"name": name, "description": "kill -9"});
                let (status, _, _) = timed("POST", &format!("{base}/api/v1/groups/create"), Some(&token), Some(body)).await;
                if status == Some(200) {
                    acked.lock().unwrap().push(name);
                }
                i += 1;
            }
        }));
    }
    for (w, token) in writers.iter().enumerate() {
        let (base, acked, stop, token) = (base.clone(), acked_settings.clone(), stop.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut i: i64 = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let url = format!("{base}/api/v1/users/user/settings/update");
                let (status, _, _) = timed("POST", &url, Some(&token), Some(json!({"ui": {"faultCounter": i}}))).await;
                if status == Some(200) {
                    acked.lock().unwrap().insert(w, i);
                }
                i += 1;
            }
        }));
    }

    // Let the writes run (until some of each kind are acknowledged, however loaded the machine
    // is), then kill -9 the server in the middle of them.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let enough = acked_signups.lock().unwrap().len() >= 3
            && acked_groups.lock().unwrap().len() >= 3
            && acked_settings.lock().unwrap().values().filter(|v| **v >= 3).count() >= 2;
        if enough || Instant::now() > deadline {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    p.child.start_kill().expect("SIGKILL the server");
    let _ = p.child.wait().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(40), t).await;
    }
    let signups = acked_signups.lock().unwrap().clone();
    let settings = acked_settings.lock().unwrap().clone();
    let groups = acked_groups.lock().unwrap().clone();
    assert!(!groups.is_empty(), "no group creation was acknowledged before the kill");
    assert!(!signups.is_empty(), "no sign-up was acknowledged before the kill");
    assert!(settings.values().any(|v| *v > 0), "no settings update was acknowledged before the kill");

    // Restart on the same database: every acknowledged write is there.
    let p2 = spawn_server(&db, data_dir.path()).await;
    for email in &signups {
        let row = pg.query_opt(r#"SELECT id FROM "user" WHERE email = $1"#, &[email]).await.unwrap();
        assert!(row.is_some(), "acknowledged sign-up {email} is missing after the restart");
        let auth = pg.query_opt("SELECT id FROM auth WHERE email = $1", &[email]).await.unwrap();
        assert!(auth.is_some(), "acknowledged sign-up {email} has no credentials after the restart");
    }
    for name in &groups {
        let row = pg.query_opt(r#"SELECT id FROM "group" WHERE name = $1"#, &[name]).await.unwrap();
        assert!(row.is_some(), "acknowledged group {name} is missing after the restart");
    }
    for (w, last) in &settings {
        let url = format!("{}/api/v1/users/user/settings?raw=true", p2.base);
        let (status, v, _) = timed("GET", &url, Some(&writers[*w]), None).await;
        assert_eq!(status, Some(200), "{v}");
        let got = v["ui"]["faultCounter"].as_i64().unwrap_or(-1);
        // The write after the last acknowledged one may have committed without its answer.
        assert!(got >= *last, "writer {w}: acknowledged {last}, stored {got}");
    }
    eprintln!(
        "kill -9: {} acknowledged sign-ups, {} groups and settings counters {:?} survived",
        signups.len(),
        groups.len(),
        settings
    );
}
