//! The pipeline's other routes against a small recording fake upstream: embeddings through an
//! OpenAI and an Ollama connection (access, unknown models, the upstream failing or hanging
//! up, bad bodies), and the event webhooks (created, changed, deleted, validated) with the
//! events they receive: a chat created by one user reaches a webhook filtered on `chat.*`, and
//! a webhook targeted at another user only gets that user's events.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;
use crate::users::{req, setup};

/// One request the fake received.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    head: String,
    body: Value,
}

/// What the fake answers next to an embeddings request.
#[derive(Clone, Copy, Debug)]
enum Next {
    Status(u16),
    Hangup,
}

#[derive(Clone)]
struct Fake {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    next: Arc<Mutex<VecDeque<Next>>>,
}

impl Fake {
    async fn start() -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fake = Fake { url: format!("http://{}", listener.local_addr().unwrap()), seen: Arc::default(), next: Arc::default() };
        let f = fake.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else { return };
                let f = f.clone();
                tokio::spawn(async move { f.serve(sock).await });
            }
        });
        fake
    }

    fn seen(&self, path: &str) -> Vec<Seen> {
        self.seen.lock().unwrap().iter().filter(|s| s.path == path).cloned().collect()
    }

    /// Waits up to 5 s for `n` requests to `path`.
    async fn wait_for(&self, path: &str, n: usize) -> Vec<Seen> {
        for _ in 0..100 {
            let got = self.seen(path);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.seen(path)
    }

    async fn serve(&self, mut sock: TcpStream) {
        let mut got = Vec::new();
        let mut buf = vec![0u8; 65536];
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
        let len: usize = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
            .unwrap_or(0);
        while got.len() < head_end + len {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
        let body: Value = serde_json::from_slice(&got[head_end..head_end + len]).unwrap_or(Value::Null);
        self.seen.lock().unwrap().push(Seen { path: path.clone(), head: head.to_ascii_lowercase(), body: body.clone() });
        let model = body["model"].clone();
        let (status, answer) = match path.as_str() {
            "/v1/models" => (200, json!({"object": "list", "data": [{"id": "fake-embed", "object": "model", "created": 1, "owned_by": "fake"}]})),
            "/api/tags" => (200, json!({"models": [{"name": "fake-llama:latest", "model": "fake-llama:latest"}]})),
            "/api/version" => (200, json!({"version": "0.9.0"})),
            "/v1/embeddings" | "/api/embed" => match self.next.lock().unwrap().pop_front() {
                Some(Next::Hangup) => return,
                Some(Next::Status(s)) => (s, json!({"error": {"message": "scripted failure", "code": s}})),
                None if path == "/api/embed" => (200, json!({"model": model, "embeddings": [[0.25, 0.5]]})),
                None => (200, json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}], "model": model})),
            },
            _ => (200, json!({"ok": true})),
        };
        let text = answer.to_string();
        let reply = format!("HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}", text.len());
        let _ = sock.write_all(reply.as_bytes()).await;
    }
}

async fn server(fake: &Fake, local_fetch: bool) -> TestServer {
    TestServer::start_with(&[
        ("OPENAI_API_BASE_URL", &format!("{}/v1", fake.url)),
        ("OPENAI_API_KEY", "fake-key"),
        ("ENABLE_OLLAMA_API", "true"),
        ("OLLAMA_BASE_URL", &fake.url),
        ("ENABLE_LOCAL_WEB_FETCH", if local_fetch { "true" } else { "false" }),
    ])
    .await
}

#[tokio::test]
async fn pipeline_embeddings_through_openai_and_ollama_connections() {
    let fake = Fake::start().await;
    let s = server(&fake, false).await;
    let acc = setup(&s.url).await;
    let post = |path: &'static str, token: String, body: Value| {
        let url = s.url.clone();
        async move { req("POST", &url, path, Some(&token), Some(&body.to_string())).await }
    };

    // An OpenAI model: the upstream's answer; what went upstream is the caller's payload.
    let r = post("/api/embeddings", acc.admin.clone(), json!({"model": "fake-embed", "input": ["a", "b"], "dimensions": 2})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}], "model": "fake-embed"}));
    let sent = fake.seen("/v1/embeddings");
    assert_eq!(sent[0].body, json!({"model": "fake-embed", "input": ["a", "b"], "dimensions": 2}));
    assert!(sent[0].head.contains("authorization: bearer fake-key"), "{}", sent[0].head);

    // An Ollama model: /api/embed with the known fields only, answered in OpenAI's shape.
    let r = post("/api/v1/embeddings", acc.admin.clone(), json!({"model": "fake-llama:latest", "input": "x", "keep_alive": null, "user": "u"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"object": "list", "data": [{"object": "embedding", "embedding": [0.25, 0.5], "index": 0}], "model": "fake-llama:latest"}));
    assert_eq!(fake.seen("/api/embed")[0].body, json!({"model": "fake-llama:latest", "input": "x"}));

    // The upstream's failure, with its status and body; an upstream that hangs up: 500.
    fake.next.lock().unwrap().push_back(Next::Status(429));
    let r = post("/api/embeddings", acc.admin.clone(), json!({"model": "fake-embed", "input": "x"})).await;
    assert_eq!((r.status, r.json()), (429, json!({"error": {"message": "scripted failure", "code": 429}})));
    fake.next.lock().unwrap().push_back(Next::Hangup);
    let r = post("/api/embeddings", acc.admin.clone(), json!({"model": "fake-embed", "input": "x"})).await;
    assert_eq!((r.status, r.json()), (500, json!({"detail": "Open WebUI: Server Connection Error"})));
    fake.next.lock().unwrap().push_back(Next::Status(500));
    let r = post("/api/embeddings", acc.admin.clone(), json!({"model": "fake-llama:latest", "input": "x"})).await;
    assert_eq!(r.status, 500, "{}", r.body);

    // Unknown models, a user without access, a pending account, bad bodies.
    for body in [json!({"model": "nope", "input": "x"}), json!({"input": "x"}), json!({"model": 5})] {
        let r = post("/api/embeddings", acc.admin.clone(), body).await;
        assert_eq!((r.status, r.body.as_str()), (400, r#"{"detail":"Model not found"}"#));
    }
    let r = post("/api/embeddings", acc.user.clone(), json!({"model": "fake-embed", "input": "x"})).await;
    assert_eq!((r.status, r.body.as_str()), (400, r#"{"detail":"Model not found"}"#));
    let r = post("/api/embeddings", acc.pending.clone(), json!({"model": "fake-embed", "input": "x"})).await;
    assert_eq!(r.status, 401);
    let r = req("POST", &s.url, "/api/embeddings", Some(&acc.admin), Some("[1]")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = post("/api/embeddings", acc.admin.clone(), json!({"model": "fake-llama:latest", "input": 3})).await;
    assert_eq!(r.status, 400, "{}", r.body);

    // A public workspace entry lets the user use the model; the other user too.
    let r = post(
        "/api/v1/models/create",
        acc.admin.clone(),
        json!({"id": "fake-embed", "name": "Embed", "meta": {}, "params": {},
               "access_grants": [{"principal_type": "user", "principal_id": "*", "permission": "read"}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for token in [&acc.user, &acc.other] {
        let r = post("/api/v1/embeddings", token.clone(), json!({"model": "fake-embed", "input": "mine"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    // Without ENABLE_LOCAL_WEB_FETCH a webhook at a loopback address is refused.
    let r = post("/api/events/webhooks", acc.admin.clone(), json!({"url": format!("{}/hook", fake.url)})).await;
    assert_eq!((r.status, r.json()), (400, json!({"detail": "The URL you provided is invalid. Please double-check and try again."})));
}

#[tokio::test]
async fn pipeline_webhooks_are_kept_and_receive_the_events_they_ask_for() {
    let fake = Fake::start().await;
    let s = server(&fake, true).await;
    let acc = setup(&s.url).await;
    let call = |method: &'static str, path: String, token: String, body: Option<Value>| {
        let url = s.url.clone();
        async move { req(method, &url, &path, Some(&token), body.map(|b| b.to_string()).as_deref()).await }
    };
    let hook = format!("{}/hook", fake.url);

    // Admin only; validation as the reference's (`ValueError`: 400; pydantic: 422).
    let r = call("POST", "/api/events/webhooks".into(), acc.user.clone(), Some(json!({"url": hook}))).await;
    assert_eq!(r.status, 401);
    let r = call("POST", "/api/events/webhooks".into(), acc.admin.clone(), Some(json!({"name": "x"}))).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = call("POST", "/api/events/webhooks".into(), acc.admin.clone(), Some(json!({"url": hook, "events": ["chat.nope"]}))).await;
    assert_eq!((r.status, r.json()), (400, json!({"detail": "Invalid event: chat.nope"})));
    let r = call("POST", "/api/events/webhooks".into(), acc.admin.clone(), Some(json!({"url": hook, "targets": [{"type": "team", "id": "t"}]}))).await;
    assert_eq!((r.status, r.json()), (400, json!({"detail": "Invalid target"})));
    let r = call("POST", "/api/events/webhooks".into(), acc.admin.clone(), Some(json!({"url": "ftp://example.com/x"}))).await;
    assert_eq!(r.status, 400, "{}", r.body);

    // One webhook for chat events, one for the other user's events only.
    let r = call("POST", "/api/events/webhooks".into(), acc.admin.clone(), Some(json!({"name": "Chats", "url": hook, "events": ["chat.*"]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let chats = r.json();
    assert_eq!((chats["name"].clone(), chats["enabled"].clone(), chats["events"].clone(), chats["targets"].clone()), (json!("Chats"), json!(true), json!(["chat.*"]), Value::Null));
    let id = chats["id"].as_str().unwrap().to_string();
    let r = call(
        "POST",
        "/api/events/webhooks".into(),
        acc.admin.clone(),
        Some(json!({"url": format!("{}/hook2", fake.url), "events": ["chat.created"], "targets": [{"type": "user", "id": acc.other_id}]})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["name"], "Webhook");
    let r = call("GET", "/api/events/webhooks".into(), acc.admin.clone(), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 2);

    // A chat the user creates reaches the chat webhook, not the one targeted at the other user.
    let r = call("POST", "/api/v1/chats/new".into(), acc.user.clone(), Some(json!({"chat": {"title": "Hello hooks"}}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let chat_id = r.json()["id"].as_str().unwrap().to_string();
    let got = fake.wait_for("/hook", 1).await;
    assert_eq!(got.len(), 1);
    let e = &got[0].body;
    assert_eq!((e["event"].clone(), e["resource"].clone(), e["operation"].clone(), e["source"].clone()), (json!("chat.created"), json!("chat"), json!("created"), json!("api")));
    assert_eq!(e["subject"], json!({"type": "chat", "id": chat_id}));
    assert_eq!(e["data"], json!({"title": "Hello hooks", "folder_id": null}));
    assert_eq!(e["actor"]["id"], json!(acc.user_id));
    assert_eq!(e["actor"]["type"], "user");
    assert!(e["actor"].get("password").is_none() && e["message"].is_null() && e["schema"] == e["version"]);
    assert!(got[0].head.contains("content-type: application/json"));
    // The other user's chat reaches both.
    let r = call("POST", "/api/v1/chats/new".into(), acc.other.clone(), Some(json!({"chat": {}}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(fake.wait_for("/hook", 2).await.len(), 2);
    let got2 = fake.wait_for("/hook2", 1).await;
    assert_eq!(got2.len(), 1);
    assert_eq!(got2[0].body["actor"]["id"], json!(acc.other_id));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fake.seen("/hook2").len(), 1);

    // Changes: only the fields sent; the id kept; config events reach a webhook asking for them.
    let r = call("PUT", format!("/api/events/webhooks/{id}"), acc.admin.clone(), Some(json!({"name": "Renamed", "events": ["chat.*", "config.*"]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let changed = r.json();
    assert_eq!((changed["id"].as_str(), changed["name"].as_str(), changed["url"].as_str()), (Some(id.as_str()), Some("Renamed"), Some(hook.as_str())));
    assert_eq!(changed["created_at"], chats["created_at"]);
    let r = call("PUT", format!("/api/events/webhooks/{id}"), acc.admin.clone(), Some(json!({"enabled": false}))).await;
    assert_eq!((r.status, r.json()["enabled"].clone(), r.json()["name"].clone()), (200, json!(false), json!("Renamed")));
    let r = call("PUT", format!("/api/events/webhooks/{id}"), acc.admin.clone(), Some(json!({"enabled": true}))).await;
    assert_eq!(r.status, 200);
    let got = fake.wait_for("/hook", 3).await;
    let last = &got.last().unwrap().body;
    assert_eq!((last["event"].as_str(), last["subject"].clone()), (Some("config.webhook.updated"), json!({"type": "config", "id": id})));
    assert_eq!(last["data"], json!({"action": "updated", "enabled": true, "events": ["chat.*", "config.*"], "targets": null}));
    let r = call("PUT", "/api/events/webhooks/nope".into(), acc.admin.clone(), Some(json!({"name": "x"}))).await;
    assert_eq!((r.status, r.json()), (404, json!({"detail": "Webhook not found"})));
    let r = call("PUT", format!("/api/events/webhooks/{id}"), acc.user.clone(), Some(json!({"name": "x"}))).await;
    assert_eq!(r.status, 401);

    // Deletion.
    let r = call("DELETE", format!("/api/events/webhooks/{id}"), acc.admin.clone(), None).await;
    assert_eq!((r.status, r.json()), (200, json!({"status": true})));
    let r = call("DELETE", format!("/api/events/webhooks/{id}"), acc.admin.clone(), None).await;
    assert_eq!((r.status, r.json()), (404, json!({"detail": "Webhook not found"})));
    let r = call("GET", "/api/events/webhooks".into(), acc.admin.clone(), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn pipeline_resolve_records_answers_to_waiting_tool_calls() {
    let s = TestServer::start_with(&[]).await;
    let acc = setup(&s.url).await;
    let call = |path: String, token: String, body: Value| {
        let url = s.url.clone();
        async move { req("POST", &url, &path, Some(&token), Some(&body.to_string())).await }
    };
    let fc = |id: &str, name: &str, status: &str| json!({"type": "function_call", "call_id": id, "name": name, "arguments": "{}", "status": status});
    let chat = json!({"chat": {"title": "Tools", "history": {"currentId": "a2", "messages": {
        "u1": {"id": "u1", "parentId": null, "childrenIds": ["a1"], "role": "user", "content": "go"},
        "a1": {"id": "a1", "parentId": "u1", "childrenIds": [], "role": "assistant", "content": "", "done": true,
               "output": [fc("c1", "search", "requires_approval"), fc("c2", "ask_user", "queued"), fc("c3", "search", "completed")]},
        "a2": {"id": "a2", "parentId": "u1", "childrenIds": [], "role": "assistant", "content": "",
               "output": [fc("c4", "search", "requires_approval")]}}}}});
    let r = call("/api/v1/chats/new".into(), acc.user.clone(), chat).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let path = |m: &str| format!("/api/v1/chats/{id}/messages/{m}/resolve");

    // Refusals, in the reference's order.
    let r = call(path("a1"), acc.other.clone(), json!({"call_id": "c1", "action": "reject"})).await;
    assert_eq!((r.status, r.json()["detail"].as_str()), (401, Some(server::messages::ACCESS_PROHIBITED)));
    let r = call(path("a1"), acc.user.clone(), json!({"call_id": "c1", "action": "maybe"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = call(path("zz"), acc.user.clone(), json!({"call_id": "c1", "action": "reject"})).await;
    assert_eq!(r.status, 404);
    let r = call(path("a1"), acc.user.clone(), json!({"call_id": "c9", "action": "reject"})).await;
    assert_eq!((r.status, r.json()), (404, json!({"detail": "Tool call not found."})));
    let r = call(path("a1"), acc.user.clone(), json!({"call_id": "c3", "action": "reject"})).await;
    assert_eq!((r.status, r.json()), (409, json!({"detail": "Tool call has already been resolved."})));
    let r = call(path("a1"), acc.user.clone(), json!({"call_id": "c2", "action": "approve"})).await;
    assert_eq!((r.status, r.json()), (400, json!({"detail": "ask_user requires an answer or deny."})));
    let r = call(path("a1"), acc.user.clone(), json!({"call_id": "c2", "action": "answer"})).await;
    assert_eq!((r.status, r.json()), (400, json!({"detail": "Answers are required for ask_user."})));

    // Rejecting one call while the question waits: recorded, the question now pending.
    let r = call(path("a1"), acc.user.clone(), json!({"call_id": "c1", "action": "reject"})).await;
    assert_eq!((r.status, r.json()), (200, json!({"status": true, "chat_id": id, "message_id": "a1", "task_ids": []})));
    let r = req("GET", &s.url, &format!("/api/v1/chats/{id}"), Some(&acc.user), None).await;
    let m = r.json()["chat"]["history"]["messages"]["a1"].clone();
    assert_eq!(m["done"], json!(false));
    let out = m["output"].as_array().unwrap();
    assert_eq!((out[0]["status"].as_str(), out[1]["status"].as_str(), out.len()), (Some("rejected"), Some("pending"), 4));
    assert_eq!(out[3], json!({"type": "function_call_output", "id": "fco_c1", "call_id": "c1",
        "output": [{"type": "input_text", "text": "Error: tool call rejected by user."}], "status": "rejected"}));

    // What would run the model or a tool again is not served, and nothing is saved.
    let r = call(path("a1"), acc.user.clone(), json!({"call_id": "c2", "action": "answer", "answers": {"q": "a"}})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = call(path("a2"), acc.user.clone(), json!({"call_id": "c4", "action": "approve"})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = req("GET", &s.url, &format!("/api/v1/chats/{id}"), Some(&acc.user), None).await;
    assert_eq!(r.json()["chat"]["history"]["messages"]["a2"]["output"][0]["status"], "requires_approval");
}
