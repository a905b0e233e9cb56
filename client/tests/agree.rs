//! One client, two servers: the Rust server (started in-process by `server::testing`) and the
//! Python reference. The same calls must give the same typed answers.
//!
//! The reference: `OWUI_REFERENCE_URL` if set (a running, fresh reference); otherwise this test
//! starts one with `tools/reference start` (and stops it at the end). Without the reference's
//! venv (`$OWUI_REFERENCE_VENV`, default `~/.cache/owui-rs/reference-venv-0.12.4`) the reference
//! half is skipped with a notice, unless `CI` is set: in CI it must run (`tools/reference start`
//! then installs the venv).

use std::path::PathBuf;
use std::process::Command;

use openwebui_client::types;
use openwebui_client::upload::FilePart;
use openwebui_client::Client;
use serde_json::Value;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// A reference server for this test; stopped on drop when this test started it.
struct Reference {
    url: String,
    /// Set when this test started the reference (then it stops it).
    data_dir: Option<tempfile::TempDir>,
}

impl Drop for Reference {
    fn drop(&mut self) {
        if let Some(dir) = &self.data_dir {
            let status =
                Command::new(repo_root().join("tools/reference")).args(["stop", "--data-dir"]).arg(dir.path()).status();
            if !matches!(status, Ok(s) if s.success()) {
                eprintln!("warning: `tools/reference stop --data-dir {}` failed: {status:?}", dir.path().display());
            }
        }
    }
}

fn reference_venv() -> PathBuf {
    match std::env::var_os("OWUI_REFERENCE_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/owui-rs/reference-venv-0.12.4"),
    }
}

/// The reference to test against, or `None` (with a notice) when it cannot run here.
fn reference() -> Option<Reference> {
    if let Ok(url) = std::env::var("OWUI_REFERENCE_URL") {
        if !url.trim().is_empty() {
            return Some(Reference { url: url.trim().trim_end_matches('/').to_owned(), data_dir: None });
        }
    }
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    if !reference_venv().join("bin/open-webui").exists() && !in_ci {
        eprintln!(
            "NOTICE: skipping the reference half: no reference venv at {} (run `tools/reference ensure`, \
             or set OWUI_REFERENCE_URL); in CI (CI set) this half always runs",
            reference_venv().display()
        );
        return None;
    }
    let data_dir = tempfile::Builder::new().prefix("owui-client-ref-").tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let out = Command::new(repo_root().join("tools/reference"))
        .args(["start", "--port", &port.to_string(), "--data-dir"])
        .arg(data_dir.path())
        .output()
        .expect("run tools/reference start");
    // Whatever happens next, the guard stops the reference.
    let mut guard = Reference { url: String::new(), data_dir: Some(data_dir) };
    assert!(
        out.status.success(),
        "tools/reference start failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    guard.url = stdout.lines().last().expect("tools/reference prints the URL").trim().to_owned();
    Some(guard)
}

/// What the public routes answer, through the typed client.
#[derive(Debug)]
struct Public {
    health: Value,
    version: Value,
    config: Value,
}

async fn public(client: &Client) -> Public {
    Public {
        health: client.health_healthcheck().await.expect("GET /health").into_inner(),
        version: client.version_get_app().await.expect("GET /api/version").into_inner(),
        config: client.config_get_app().await.expect("GET /api/config").into_inner(),
    }
}

/// The same keys (recursively) with the same JSON types.
fn same_shape(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().filter(|k| !y.contains_key(*k)) {
                out.push(format!("{at}.{k}: only in ours"));
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{at}.{k}: only in the reference"));
            }
            for (k, v) in x {
                if let Some(w) = y.get(k) {
                    same_shape(v, w, &format!("{at}.{k}"), out);
                }
            }
        }
        (Value::Array(_), Value::Array(_)) => {}
        (x, y) if std::mem::discriminant(x) == std::mem::discriminant(y) => {}
        (x, y) => out.push(format!("{at}: ours {x}, the reference {y}")),
    }
}

fn check_public_agree(ours: &Public, reference: &Public) {
    assert_eq!(ours.health, reference.health, "GET /health");
    assert_eq!(ours.health, serde_json::json!({"status": true}));

    let mut problems = Vec::new();
    same_shape(&ours.version, &reference.version, "version", &mut problems);
    same_shape(&ours.config, &reference.config, "config", &mut problems);
    assert!(problems.is_empty(), "shapes differ:\n{}", problems.join("\n"));
    assert_eq!(ours.version["version"], reference.version["version"], "GET /api/version .version");

    // A fresh install without users: the whole public configuration is the same (nothing in it
    // depends on the deployment).
    assert_eq!(ours.config, reference.config, "GET /api/config (no session, fresh install)");
}

#[tokio::test]
async fn same_client_same_answers() {
    // Our server, in-process, on its own test database.
    let server = server::testing::TestServer::start().await;
    let ours_client = Client::anonymous(&server.url).expect("client");
    let ours = public(&ours_client).await;
    assert_eq!(ours.version["version"], "0.12.4");

    let Some(reference) = reference() else { return };
    let ref_client = Client::anonymous(&reference.url).expect("client");
    let theirs = public(&ref_client).await;
    eprintln!("ours: {ours:?}\nreference: {theirs:?}");
    check_public_agree(&ours, &theirs);

    // A typed flow: the first sign-up becomes the admin; sign-in gives a session token that
    // the session route accepts.
    let mut users = Vec::new();
    for url in [&server.url, &reference.url] {
        let anon = Client::anonymous(url).expect("client");
        let form = types::SignupForm {
            email: "admin@example.com".into(),
            name: "Admin".into(),
            password: "correct horse battery staple".into(),
            profile_image_url: None,
        };
        let signed_up =
            anon.auths_signup(&form).await.unwrap_or_else(|e| panic!("{url}: POST /api/v1/auths/signup: {e}"));
        let types::ResponseSignupApiV1AuthsSignupPost::SessionUserResponse(first) = signed_up.into_inner() else {
            panic!("{url}: signup did not answer with a session");
        };
        let (client, me) =
            Client::signin(url, &form.email, &form.password).await.unwrap_or_else(|e| panic!("{url}: sign-in: {e}"));
        let session =
            client.auths_get_session_user().await.unwrap_or_else(|e| panic!("{url}: GET /api/v1/auths/: {e}"));
        users.push((first, me, session.into_inner(), client));
    }
    let (ours_first, ours_me, ours_session, _) = &users[0];
    let (ref_first, ref_me, ref_session, ref_client) = &users[1];
    for (what, a, b) in [
        ("signup role", &ours_first.role, &ref_first.role),
        ("signup email", &ours_first.email, &ref_first.email),
        ("signup name", &ours_first.name, &ref_first.name),
        ("signup token_type", &ours_first.token_type, &ref_first.token_type),
        ("signin role", &ours_me.role, &ref_me.role),
        ("session role", &ours_session.role, &ref_session.role),
        ("session email", &ours_session.email, &ref_session.email),
    ] {
        assert_eq!(a, b, "{what}: ours vs the reference");
    }
    assert_eq!(ours_first.role, "admin");

    // The hand-written multipart upload, against the reference (ours has no files routes yet).
    let file = FilePart::new("hello.txt", b"hello from the Rust client\n".to_vec()).content_type("text/plain");
    let uploaded = ref_client
        .files_upload(file, Some(&serde_json::json!({"source": "client-test"})), Some(false), None)
        .await
        .expect("POST /api/v1/files/ (multipart) on the reference")
        .into_inner();
    assert_eq!(uploaded.filename, "hello.txt");
    assert_eq!(uploaded.user_id, ref_session.id);
    let listed = ref_client.files_get_by_id(&uploaded.id).await.expect("GET /api/v1/files/{id}").into_inner();
    assert_eq!(listed.map(|f| f.id), Some(uploaded.id.clone()));
}
