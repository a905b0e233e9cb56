//! The Ollama proxy: a completion passed through line by line as the backend writes it (the
//! backend holds its second line until the client has the first), the backend's prefix
//! stripped, model access per user (grants, a preset over a base the user may not read, a
//! backend index a user names), and the upstream faults: refused, an error answer, a stall
//! bounded by `AIOHTTP_CLIENT_TIMEOUT`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::common::*;
use crate::users::{req, setup, ACCESS_PROHIBITED};

/// What the fake backend answers a request.
pub enum Reply {
    Json(u16, Value),
    /// NDJSON lines, chunked; after the first line, waits for the gate (when given).
    Lines(Vec<Value>, Option<Arc<Notify>>),
    /// Server-sent events (`data: ...`), chunked.
    Events(Vec<Value>),
    /// Never answers.
    Stall,
}

/// A request the fake backend received: method, path, JSON body.
pub type Seen = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A fake provider on 127.0.0.1; `answer` picks the reply per method and path.
pub async fn fake(answer: impl Fn(&str, &str, &Value) -> Reply + Send + Sync + 'static) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let answer = Arc::new(answer);
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let (answer, log) = (answer.clone(), log.clone());
            tokio::spawn(async move {
                let mut got = Vec::new();
                let mut buf = vec![0u8; 8192];
                let head_end = loop {
                    if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&got[..head_end]).to_string();
                let len = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                    .unwrap_or(0);
                while got.len() < head_end + len {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let mut parts = head.split_whitespace();
                let (method, path) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
                let body: Value = serde_json::from_slice(&got[head_end..head_end + len]).unwrap_or(Value::Null);
                log.lock().unwrap().push((method.clone(), path.clone(), body.clone()));
                match answer(&method, &path, &body) {
                    Reply::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
                    Reply::Json(status, v) => {
                        let b = v.to_string();
                        let rsp = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{b}",
                            b.len()
                        );
                        let _ = sock.write_all(rsp.as_bytes()).await;
                    }
                    stream => {
                        let (ct, lines, gate) = match stream {
                            Reply::Lines(l, g) => ("application/x-ndjson", l.iter().map(|v| format!("{v}\n")).collect::<Vec<_>>(), g),
                            Reply::Events(l) => ("text/event-stream", l.iter().map(|v| format!("data: {v}\n\n")).collect(), None),
                            _ => return,
                        };
                        let head = format!("HTTP/1.1 200 OK\r\ncontent-type: {ct}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n");
                        let _ = sock.write_all(head.as_bytes()).await;
                        for (i, data) in lines.iter().enumerate() {
                            if i == 1 {
                                if let Some(g) = &gate {
                                    g.notified().await;
                                }
                            }
                            let _ = sock.write_all(format!("{:x}\r\n{data}\r\n", data.len()).as_bytes()).await;
                            let _ = sock.flush().await;
                        }
                        let _ = sock.write_all(b"0\r\n\r\n").await;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}

fn tags(models: &[&str]) -> Value {
    json!({"models": models.iter().map(|m| json!({"name": m, "model": m, "size": 1})).collect::<Vec<_>>()})
}

async fn grant(s: &TestServer, model: &str, owner: &str, base: Option<&str>, grants: &[(&str, &str)]) {
    let db = s.db.client().await;
    db.execute(
        "INSERT INTO model (id, user_id, base_model_id, name, params, meta, is_active, updated_at, created_at)
         VALUES ($1, $2, $3, $1, '{}', '{}', true, 1, 1)",
        &[&model, &owner, &base],
    )
    .await
    .unwrap();
    for (i, (ptype, pid)) in grants.iter().enumerate() {
        let id = format!("{model}-g{i}");
        db.execute(
            "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at)
             VALUES ($1, 'model', $2, $3, $4, 'read', 1)",
            &[&id, &model, ptype, pid],
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn generate_is_passed_through_line_by_line_with_the_prefix_stripped() {
    let gate = Arc::new(Notify::new());
    let g = gate.clone();
    let (up, seen) = fake(move |_, path, _| match path {
        "/api/tags" => Reply::Json(200, tags(&["llama:1b"])),
        "/api/ps" => Reply::Json(200, json!({"models": []})),
        "/api/generate" => Reply::Lines(
            vec![json!({"response": "one ", "done": false}), json!({"response": "two", "done": true})],
            Some(g.clone()),
        ),
        _ => Reply::Json(404, json!({"error": "no"})),
    })
    .await;
    let s = TestServer::start_with(&[("OLLAMA_BASE_URL", &up), ("OPENAI_API_BASE_URL", "http://127.0.0.1:9"), ("MODELS_CACHE_TTL", "0")]).await;
    let a = setup(&s.url).await;
    let cfg = json!({"ENABLE_OLLAMA_API": true, "OLLAMA_BASE_URLS": [up], "OLLAMA_API_CONFIGS": {"0": {"prefix_id": "p"}}}).to_string();
    let r = req("POST", &s.url, "/ollama/config/update", Some(&a.admin), Some(&cfg)).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let tags = req("GET", &s.url, "/ollama/api/tags", Some(&a.admin), None).await;
    assert_eq!(tags.json()["models"][0]["model"], "p.llama:1b", "{}", tags.body);

    let mut resp = reqwest::Client::new()
        .post(format!("{}/ollama/api/generate", s.url))
        .bearer_auth(&a.admin)
        // A browser accepts gzip: the stream must still come through as it is written.
        .header("accept-encoding", "gzip")
        .json(&json!({"model": "p.llama:1b", "prompt": "hi", "unknown": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    assert!(resp.headers().get("content-encoding").is_none());
    // The first line arrives while the backend still holds the second (a buffered answer would
    // never complete: the gate opens only after the first line is read).
    let first = tokio::time::timeout(Duration::from_secs(30), resp.chunk()).await.expect("first line before the end").unwrap().unwrap();
    assert_eq!(String::from_utf8_lossy(&first), "{\"response\":\"one \",\"done\":false}\n");
    gate.notify_one();
    let mut rest = Vec::new();
    while let Some(c) = resp.chunk().await.unwrap() {
        rest.extend_from_slice(&c);
    }
    assert_eq!(String::from_utf8_lossy(&rest), "{\"response\":\"two\",\"done\":true}\n");

    // Sent upstream: the model without the prefix, the form's fields in order, `stream` defaulted
    // and the unknown field dropped (`GenerateCompletionForm` has no extras).
    let sent = seen.lock().unwrap().iter().find(|(_, p, _)| p == "/api/generate").cloned().unwrap();
    assert_eq!(sent.2, json!({"model": "llama:1b", "prompt": "hi", "stream": true}));
    assert_eq!(serde_json::to_string(&sent.2).unwrap(), r#"{"model":"llama:1b","prompt":"hi","stream":true}"#);
}

#[tokio::test]
async fn model_access_follows_grants_and_base_models() {
    let (up, _) = fake(|_, path, body| match path {
        "/api/tags" => Reply::Json(200, tags(&["m", "secret"])),
        "/api/ps" => Reply::Json(200, json!({"models": []})),
        "/api/show" => Reply::Json(200, json!({"modelfile": format!("FROM {}", body["model"])})),
        "/api/embed" => Reply::Json(200, json!({"embeddings": [[0.5]]})),
        _ => Reply::Json(404, json!({"error": "no"})),
    })
    .await;
    let s = TestServer::start_with(&[("OLLAMA_BASE_URL", &up), ("OPENAI_API_BASE_URL", "http://127.0.0.1:9"), ("MODELS_CACHE_TTL", "0")]).await;
    let a = setup(&s.url).await;
    // Bob may read `m`; Carol owns a preset over `secret`, which only the admin owns.
    grant(&s, "m", &a.admin_id, None, &[("user", a.user_id.as_str())]).await;
    grant(&s, "secret", &a.admin_id, None, &[]).await;
    grant(&s, "carol-preset", &a.other_id, Some("secret"), &[]).await;

    let list = |token: String| {
        let url = s.url.clone();
        async move {
            let r = req("GET", &url, "/ollama/api/tags", Some(&token), None).await;
            r.json()["models"].as_array().unwrap().iter().map(|m| m["model"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(list(a.admin.clone()).await, ["m", "secret"]);
    assert_eq!(list(a.user.clone()).await, ["m"]);
    assert!(list(a.other.clone()).await.is_empty());
    let v1 = req("GET", &s.url, "/ollama/v1/models", Some(&a.user), None).await;
    assert_eq!(v1.json()["data"].as_array().unwrap().len(), 1, "{}", v1.body);

    let show = |token: String, model: &'static str| {
        let url = s.url.clone();
        async move { req("POST", &url, "/ollama/api/show", Some(&token), Some(&json!({"model": model}).to_string())).await }
    };
    assert_eq!(show(a.user.clone(), "m").await.status, 200);
    let r = show(a.other.clone(), "m").await;
    assert_eq!((r.status, r.json()["detail"].clone()), (403, json!("Model not found")));
    // Carol owns the preset, but not the base it names.
    assert_eq!(show(a.other.clone(), "carol-preset").await.status, 403);
    assert_eq!(show(a.user.clone(), "secret").await.status, 403);
    // Unregistered models are the admin's.
    assert_eq!(show(a.user.clone(), "unregistered").await.status, 403);
    assert_eq!(show(a.admin.clone(), "secret").await.status, 200);

    // A user may name a backend only among those serving the model.
    let body = json!({"model": "m", "input": "x"}).to_string();
    assert_eq!(req("POST", &s.url, "/ollama/api/embed/0", Some(&a.user), Some(&body)).await.status, 200);
    let r = req("POST", &s.url, "/ollama/api/embed/1", Some(&a.user), Some(&body)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (403, json!(ACCESS_PROHIBITED)));
    // And never a backend's own list.
    let r = req("GET", &s.url, "/ollama/api/tags/0", Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (401, json!(ACCESS_PROHIBITED)));
    let r = req("GET", &s.url, "/ollama/api/tags/zero", Some(&a.admin), None).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"][0]["type"], "int_parsing");
    // Past the list: a 404 here (the reference's IndexError is a 500).
    let r = req("GET", &s.url, "/ollama/api/tags/3", Some(&a.admin), None).await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[tokio::test]
async fn upstream_faults_answer_as_the_reference() {
    let (up, _) = fake(|_, path, _| match path {
        "/api/tags" => Reply::Json(200, tags(&["m"])),
        "/api/ps" => Reply::Json(200, json!({"models": []})),
        "/api/generate" => Reply::Json(500, json!({"error": "out of memory"})),
        "/api/embed" => Reply::Json(503, json!({"message": "busy"})),
        "/api/embeddings" => Reply::Stall,
        _ => Reply::Json(404, json!({"error": "no"})),
    })
    .await;
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let s = TestServer::start_with(&[
        ("OLLAMA_BASE_URLS", &format!("{up};http://127.0.0.1:{closed}")),
        ("OPENAI_API_BASE_URL", "http://127.0.0.1:9"),
        ("AIOHTTP_CLIENT_TIMEOUT", "1"),
    ])
    .await;
    let a = setup(&s.url).await;
    let post = |path: &'static str, body: Value| {
        let (url, token) = (s.url.clone(), a.admin.clone());
        async move { req("POST", &url, path, Some(&token), Some(&body.to_string())).await }
    };
    // The backend's error, with its status.
    let r = post("/ollama/api/generate", json!({"model": "m", "prompt": "x"})).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (500, json!("out of memory")));
    // A refusal without `error`: the connection error, with the backend's status.
    let r = post("/ollama/api/embed", json!({"model": "m", "input": "x"})).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (503, json!("Open WebUI: Server Connection Error")));
    // A backend that refuses connections: aiohttp's words.
    let r = req("GET", &s.url, "/ollama/api/version/1", Some(&a.admin), None).await;
    let want = format!("Ollama: Cannot connect to host 127.0.0.1:{closed} ssl:default [Connect call failed ('127.0.0.1', {closed})]");
    assert_eq!((r.status, r.json()["detail"].clone()), (500, json!(want)));
    // A backend that never answers: bounded by AIOHTTP_CLIENT_TIMEOUT.
    let r = post("/ollama/api/embeddings", json!({"model": "m", "prompt": "x"})).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (500, json!("Open WebUI: Server Connection Error")));
    // A backend that answers its version without one: the reference fails reading it (500).
    let r = req("GET", &s.url, "/ollama/api/version", Some(&a.user), None).await;
    assert_eq!(r.status, 500, "{}", r.body);
}

/// A `multipart/form-data` body with one file part.
fn multipart(field: &str, filename: &str, data: &str) -> (String, String) {
    let b = "XbOuNdArYx";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n{data}\r\n--{b}--\r\n"
    );
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn post_raw(url: &str, token: &str, ct: &str, body: String) -> (u16, Option<String>, String) {
    let r = reqwest::Client::new().post(url).bearer_auth(token).header("content-type", ct).body(body).send().await.unwrap();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string);
    (r.status().as_u16(), ct, r.text().await.unwrap())
}

#[tokio::test]
async fn chat_pinned_to_a_backend_and_model_files() {
    let (up0, seen0) = fake(|_, path, body| match path {
        "/api/tags" => Reply::Json(200, tags(&["m:latest"])),
        "/api/chat" => Reply::Json(200, json!({"model": body["model"], "message": {"role": "assistant", "content": "zero"}, "done": true})),
        p if p.starts_with("/api/blobs/") => Reply::Json(201, json!({})),
        "/api/create" => Reply::Json(200, json!({"status": "success"})),
        _ => Reply::Json(404, json!({"error": "no"})),
    })
    .await;
    let (up1, seen1) = fake(|_, path, body| match path {
        "/api/tags" => Reply::Json(200, tags(&["m:latest"])),
        "/api/chat" => Reply::Json(200, json!({"model": body["model"], "message": {"role": "assistant", "content": "one"}, "done": true})),
        "/v1/chat/completions" => Reply::Json(200, json!({"choices": [{"message": {"content": "one"}}]})),
        p if p.starts_with("/api/blobs/") => Reply::Json(500, json!({"error": "disk full"})),
        _ => Reply::Json(404, json!({"error": "no"})),
    })
    .await;
    let s = TestServer::start_with(&[
        ("OLLAMA_BASE_URLS", &format!("{up0};{up1}")),
        ("OPENAI_API_BASE_URL", "http://127.0.0.1:9"),
        ("MODELS_CACHE_TTL", "0"),
        ("AIOHTTP_FILE_STREAM_CHUNK_SIZE", "4"),
    ])
    .await;
    let a = setup(&s.url).await;
    let chat = json!({"model": "m:latest", "messages": [{"role": "user", "content": "hi"}], "stream": false}).to_string();
    // Pinned to backend 1: only it is asked.
    let r = req("POST", &s.url, "/ollama/api/chat/1", Some(&a.admin), Some(&chat)).await;
    assert_eq!((r.status, r.json()["message"]["content"].clone()), (200, json!("one")), "{}", r.body);
    assert!(!seen0.lock().unwrap().iter().any(|(_, p, _)| p == "/api/chat"));
    let r = req("POST", &s.url, "/ollama/v1/chat/completions/1", Some(&a.admin), Some(&chat)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(seen1.lock().unwrap().iter().any(|(_, p, _)| p == "/v1/chat/completions"));
    // A user may not name a backend; an index past the list, or not a number.
    let r = req("POST", &s.url, "/ollama/api/chat/0", Some(&a.user), Some(&chat)).await;
    assert!(matches!(r.status, 401 | 403), "{}", r.body);
    let r = req("POST", &s.url, "/ollama/api/chat/7", Some(&a.admin), Some(&chat)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("No Ollama server at this url_idx")));
    let r = req("POST", &s.url, "/ollama/v1/chat/completions/x", Some(&a.admin), Some(&chat)).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Download: only Hugging Face and GitHub; admins only; a URL without a file is null.
    let dl = |url: &str| json!({"url": url}).to_string();
    let r = req("POST", &s.url, "/ollama/models/download", Some(&a.admin), Some(&dl("https://example.com/x.gguf"))).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("Invalid file_url. Only URLs from allowed hosts are permitted.")));
    let r = req("POST", &s.url, "/ollama/models/download/0", Some(&a.admin), Some(&dl("https://huggingface.co/"))).await;
    assert_eq!((r.status, r.body.as_str()), (200, "null"));
    let r = req("POST", &s.url, "/ollama/models/download", Some(&a.user), Some(&dl("https://huggingface.co/a.gguf"))).await;
    assert_eq!(r.status, 401);
    let r = req("POST", &s.url, "/ollama/models/download/9", Some(&a.admin), Some(&dl("https://huggingface.co/a.gguf"))).await;
    assert_eq!(r.status, 404);
    let r = req("POST", &s.url, "/ollama/models/download", Some(&a.admin), Some("{}")).await;
    assert_eq!(r.status, 422);

    // Upload: progress per 4-byte chunk, the blob under its SHA-256, the model created.
    let (ct, body) = multipart("file", "dir/tiny.gguf", "0123456789");
    let (status, rct, text) = post_raw(&format!("{}/ollama/models/upload", s.url), &a.admin, &ct, body).await;
    assert_eq!((status, rct.as_deref()), (200, Some("text/event-stream; charset=utf-8")), "{text}");
    let hash = "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882";
    let want = [
        r#"data: {"progress":40.0,"total":10,"completed":4}"#.to_string(),
        r#"data: {"progress":80.0,"total":10,"completed":8}"#.to_string(),
        r#"data: {"progress":100.0,"total":10,"completed":10}"#.to_string(),
        format!(r#"data: {{"done":true,"blob":"sha256:{hash}","name":"tiny.gguf","model_created":"tiny"}}"#),
    ];
    let got: Vec<&str> = text.split("\n\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(got, want, "{text}");
    let log = seen0.lock().unwrap().clone();
    assert!(log.iter().any(|(m, p, _)| m == "POST" && *p == format!("/api/blobs/sha256:{hash}")), "{log:?}");
    let create = log.iter().find(|(_, p, _)| p == "/api/create").unwrap();
    assert_eq!(create.2, json!({"model": "tiny", "files": {"tiny.gguf": format!("sha256:{hash}")}, "stream": false}));
    // The file is gone once pushed.
    assert!(!s.data_dir.path().join("uploads/tiny.gguf").exists());
    // A backend that refuses the blob: the error as the last event.
    let (ct, body) = multipart("file", "b.bin", "xy");
    let (status, _, text) = post_raw(&format!("{}/ollama/models/upload/1", s.url), &a.admin, &ct, body).await;
    assert_eq!(status, 200);
    assert!(text.ends_with("data: {\"error\":\"Ollama: Could not create blob, Please try again.\"}\n\n"), "{text}");
    // No file: 422; a user: 401; an index past the list: 404.
    let (ct, body) = multipart("other", "a.bin", "x");
    let (status, _, text) = post_raw(&format!("{}/ollama/models/upload", s.url), &a.admin, &ct, body.clone()).await;
    assert_eq!(status, 422, "{text}");
    let (status, _, _) = post_raw(&format!("{}/ollama/models/upload", s.url), &a.user, &ct, body.clone()).await;
    assert_eq!(status, 401);
    let (status, _, _) = post_raw(&format!("{}/ollama/models/upload/5", s.url), &a.admin, &ct, body).await;
    assert_eq!(status, 404);
}
