//! Chat completions against a fake OpenAI upstream: API callers get the upstream's SSE stream
//! (byte for byte, 1,000 chunks whole and in order) or JSON; the web UI's completion emits the
//! socket.io events the reference emits (compared with `golden/webui-completion-events.json`,
//! recorded from 0.12.4 with the same client) and saves the answer; faults (refused, failing
//! mid-stream, stalled and stopped) end the task with the reference's events and keep what was
//! answered; two instances on one database: the socket on A gets the events of a completion B
//! runs, and a stop sent to A stops it on B.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;
use crate::socket::Client;
use crate::users::{req, setup};

/// What the fake answers to the next `POST /v1/chat/completions`.
#[derive(Clone, Debug)]
pub(crate) enum Reply {
    /// The text, streamed word by word (or whole when not streamed).
    Text(String),
    /// This status with an OpenAI error body.
    Status(u16),
    /// `n` words, then the connection drops mid-stream.
    FailAfter(usize),
    /// `n` words, then nothing (the connection stays open).
    StallAfter(usize),
    /// `n` numbered chunks.
    Many(usize),
    /// The connection closes before any answer.
    Hangup,
}

/// A fake OpenAI upstream writing the compat harness's fake's bytes (`compat-tests/src/fake_llm.rs`).
pub(crate) struct Fake {
    pub(crate) url: String,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    pub(crate) bodies: Arc<Mutex<Vec<Value>>>,
}

impl Fake {
    pub(crate) async fn start() -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let replies: Arc<Mutex<VecDeque<Reply>>> = Arc::default();
        let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
        let counter = Arc::new(Mutex::new(0u64));
        let (r, b) = (replies.clone(), bodies.clone());
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else { return };
                let (r, b, c) = (r.clone(), b.clone(), counter.clone());
                tokio::spawn(async move { serve(sock, r, b, c).await });
            }
        });
        Fake { url, replies, bodies }
    }

    pub(crate) fn next(&self, reply: Reply) {
        self.replies.lock().unwrap().push_back(reply);
    }
}

async fn serve(mut sock: TcpStream, replies: Arc<Mutex<VecDeque<Reply>>>, bodies: Arc<Mutex<Vec<Value>>>, counter: Arc<Mutex<u64>>) {
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
    let whole = |status: &str, body: String| {
        format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len())
    };
    if path != "/v1/chat/completions" {
        let body = match path.as_str() {
            "/v1/models" => json!({"object": "list", "data": [{"id": "fake-gpt", "object": "model", "created": 1, "owned_by": "fake"}]}),
            _ => json!({"models": []}),
        };
        let _ = sock.write_all(whole("200 OK", body.to_string()).as_bytes()).await;
        return;
    }
    let body: Value = serde_json::from_slice(&got[head_end..head_end + len]).unwrap_or(Value::Null);
    let streamed = body["stream"] == json!(true);
    let prompt = body["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str()).unwrap_or("").to_string();
    bodies.lock().unwrap().push(body);
    let n = {
        let mut c = counter.lock().unwrap();
        *c += 1;
        *c
    };
    // The task prompts (title, follow-ups, tags) answer by their template's words, so that a
    // title generated beside the answer does not take the answer's queued reply.
    let by_prompt = [
        ("Generate a concise title", r#"Sure: {"title": "Greeting Chat"}"#),
        ("Predict 3-5 useful messages", r#"{"follow_ups": ["Tell me more", "Tell me more", " Why? "]}"#),
        ("Generate 1-3 broad tags", r#"{"tags": ["General", "Small Talk"]}"#),
    ]
    .iter()
    .find(|(k, _)| prompt.starts_with("### Task:") && prompt.contains(k))
    .map(|(_, r)| Reply::Text(r.to_string()));
    let reply = by_prompt
        .unwrap_or_else(|| replies.lock().unwrap().pop_front().unwrap_or(Reply::Text("Hello! How can I help you today?".into())));
    let id = format!("chatcmpl-fake-{n}");
    let chunk = |delta: Value, finish: Value| {
        format!(
            "data: {}\n\n",
            json!({"id": id, "object": "chat.completion.chunk", "created": 1700000000, "model": "fake-gpt",
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        )
    };
    let words = |text: &str| -> Vec<String> {
        let parts: Vec<&str> = text.split(' ').collect();
        parts.iter().enumerate().map(|(i, w)| if i + 1 < parts.len() { format!("{w} ") } else { w.to_string() }).collect()
    };
    let (pieces, end): (Vec<String>, &str) = match &reply {
        Reply::Hangup => return,
        Reply::Status(s) => {
            let body = json!({"error": {"message": "scripted failure", "type": "fake", "code": s}}).to_string();
            let _ = sock.write_all(whole(&format!("{s} Error"), body).as_bytes()).await;
            return;
        }
        Reply::Text(t) if !streamed => {
            let body = json!({"id": id, "object": "chat.completion", "created": 1700000000, "model": "fake-gpt",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 7, "total_tokens": 8}});
            let _ = sock.write_all(whole("200 OK", body.to_string()).as_bytes()).await;
            return;
        }
        Reply::Text(t) => (words(t), "finish"),
        Reply::FailAfter(k) => (words("one two three four five six seven eight nine ten").into_iter().take(*k).collect(), "drop"),
        Reply::StallAfter(k) => (words("one two three four five six seven eight nine ten").into_iter().take(*k).collect(), "stall"),
        Reply::Many(k) => ((0..*k).map(|i| format!("{i} ")).collect(), "finish"),
    };
    let mut events = vec![chunk(json!({"role": "assistant", "content": ""}), Value::Null)];
    events.extend(pieces.iter().map(|p| chunk(json!({"content": p}), Value::Null)));
    if end == "finish" {
        events.push(chunk(json!({}), json!("stop")));
        events.push("data: [DONE]\n\n".into());
    }
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
    if sock.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    for e in events {
        if sock.write_all(format!("{:x}\r\n{e}\r\n", e.len()).as_bytes()).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    match end {
        "finish" => {
            let _ = sock.write_all(b"0\r\n\r\n").await;
        }
        "stall" => {
            // Until the server goes away.
            let _ = sock.read(&mut buf).await;
        }
        _ => {} // dropped mid-stream: no terminating chunk
    }
}

/// A server whose only connection is the fake.
pub(crate) async fn server_with(fake: &Fake) -> TestServer {
    TestServer::start_with(&[
        ("OPENAI_API_BASE_URL", &format!("{}/v1", fake.url)),
        ("OPENAI_API_KEY", "fake-key"),
        ("ENABLE_OLLAMA_API", "false"),
    ])
    .await
}

/// Masks ids (uuid4s, `msg_` ids) by first appearance, as the golden file was masked.
fn mask(v: &Value, seen: &mut Vec<(String, String)>) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), mask(v, seen))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(|v| mask(v, seen)).collect()),
        Value::String(s) => {
            let uuid = s.len() == 36 && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() });
            let msg = s.len() == 28 && s.starts_with("msg_") && s[4..].chars().all(|c| c.is_ascii_hexdigit());
            let kind = if uuid { "id" } else if msg { "msg" } else { return v.clone() };
            if let Some((_, m)) = seen.iter().find(|(k, _)| k == s) {
                return Value::from(m.clone());
            }
            let n = seen.iter().filter(|(_, m)| m.starts_with(&format!("<{kind}-"))).count() + 1;
            let m = format!("<{kind}-{n}>");
            seen.push((s.clone(), m.clone()));
            Value::from(m)
        }
        other => other.clone(),
    }
}

fn golden() -> Value {
    let text = std::fs::read_to_string(repo_root().join("server/tests/golden/webui-completion-events.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The web UI's request for a new chat's first message (`Chat.svelte`, trimmed to what matters).
pub(crate) fn webui_body(sid: &str, user_message_id: &str, assistant_id: &str) -> String {
    json!({"stream": true, "model": "fake-gpt", "messages": [{"role": "user", "content": "hello"}],
           "params": {}, "tool_ids": [], "features": {}, "variables": {}, "session_id": sid, "id": assistant_id,
           "parent_id": null, "background_tasks": {},
           "user_message": {"id": user_message_id, "parentId": null, "childrenIds": [assistant_id], "role": "user",
                            "content": "hello", "timestamp": 1700000000, "models": ["fake-gpt"]}})
    .to_string()
}

/// Connects the python-socketio client as the user (`None` without the reference venv).
pub(crate) async fn socket(url: &str, token: &str) -> Option<(Client, String)> {
    let mut c = Client::connect(url, &["--token", token, "--join", token, "--count", "100000", "--timeout", "60"]).await?;
    let sid = c.until("connected").await["sid"].as_str().unwrap().to_string();
    c.until("ack").await;
    Some((c, sid))
}

/// The `events` payloads until the run's `chat:active {active: false}`.
pub(crate) async fn events_until_inactive(c: &mut Client) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let v = c.next().await;
        if v["kind"] != "event" || v["event"] != "events" {
            continue;
        }
        let d = v["data"].clone();
        let end = d["data"]["type"] == "chat:active" && d["data"]["data"]["active"] == json!(false);
        out.push(d);
        if end {
            return out;
        }
    }
}

pub(crate) async fn assistant_message(s: &TestServer, token: &str, chat_id: &str, message_id: &str) -> Value {
    let r = req("GET", &s.url, &format!("/api/v1/chats/{chat_id}"), Some(token), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["chat"]["history"]["messages"][message_id].clone()
}

pub(crate) fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn api_callers_get_the_upstreams_stream_and_json() {
    let fake = Fake::start().await;
    let s = server_with(&fake).await;
    let acc = setup(&s.url).await;
    let client = reqwest::Client::new();
    let post = |token: String, body: Value| {
        let client = client.clone();
        let url = format!("{}/api/chat/completions", s.url);
        async move { client.post(url).bearer_auth(token).json(&body).send().await.unwrap() }
    };

    // Streamed: the upstream's events, byte for byte, with its content type.
    let r = post(acc.admin.clone(), json!({"model": "fake-gpt", "stream": true, "messages": [{"role": "user", "content": "hello"}]})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream; charset=utf-8");
    let text = r.text().await.unwrap();
    assert!(text.starts_with("data: {\"id\":\"chatcmpl-fake-1\",\"object\":\"chat.completion.chunk\""), "{text}");
    assert!(text.contains("\"delta\":{\"content\":\"today?\"}"), "{text}");
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    // What went upstream: the caller's payload, in its order.
    assert_eq!(fake.bodies.lock().unwrap()[0], json!({"model": "fake-gpt", "stream": true, "messages": [{"role": "user", "content": "hello"}]}));

    // Whole.
    let r = post(acc.admin.clone(), json!({"model": "fake-gpt", "stream": false, "messages": [{"role": "user", "content": "hello"}]})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "Hello! How can I help you today?");

    // 1,000 chunks arrive whole and in order.
    fake.next(Reply::Many(1000));
    let r = post(acc.admin.clone(), json!({"model": "fake-gpt", "stream": true, "messages": [{"role": "user", "content": "count"}]})).await;
    let text = r.text().await.unwrap();
    let got: Vec<String> = text
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| v["choices"][0]["delta"]["content"].as_str().map(str::to_string))
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(got, (0..1000).map(|i| format!("{i} ")).collect::<Vec<_>>());

    // The upstream's failure comes back as it is.
    fake.next(Reply::Status(503));
    let r = post(acc.admin.clone(), json!({"model": "fake-gpt", "stream": true, "messages": [{"role": "user", "content": "hello"}]})).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"error": {"message": "scripted failure", "type": "fake", "code": 503}}));

    // Failing mid-stream: what came, then the reference's error event and [DONE].
    fake.next(Reply::FailAfter(2));
    let r = post(acc.admin.clone(), json!({"model": "fake-gpt", "stream": true, "messages": [{"role": "user", "content": "hello"}]})).await;
    let text = r.text().await.unwrap();
    assert!(text.contains("\"delta\":{\"content\":\"two \"}"), "{text}");
    assert!(text.ends_with("\n\ndata: {\"error\":{\"message\":\"Chat completion stream failed\"}}\n\ndata: [DONE]\n\n"), "{text}");

    // Unknown model; a model the user may not use (no workspace entry); bad input.
    let r = post(acc.admin.clone(), json!({"model": "nope", "messages": []})).await;
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (400, r#"{"detail":"Model not found"}"#.into()));
    let r = post(acc.user.clone(), json!({"model": "fake-gpt", "messages": [{"role": "user", "content": "hello"}]})).await;
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (400, r#"{"detail":"Model not found"}"#.into()));
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.admin), Some("[1]")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = req("POST", &s.url, "/openai/chat/completions", Some(&acc.user), Some(r#"{"model":"fake-gpt","messages":[]}"#)).await;
    assert_eq!((r.status, r.json()), (403, json!({"detail": "Model not found"})));

    // The upstream hangs up without answering: the reference's 500.
    fake.next(Reply::Hangup);
    let r = req("POST", &s.url, "/openai/chat/completions", Some(&acc.admin), Some(r#"{"model":"fake-gpt","messages":[]}"#)).await;
    assert_eq!((r.status, r.json()), (500, json!({"detail": "Open WebUI: Server Connection Error"})));
}

#[tokio::test]
async fn the_web_ui_gets_the_references_events_and_the_answer_is_saved() {
    let fake = Fake::start().await;
    let s = server_with(&fake).await;
    let acc = setup(&s.url).await;
    let Some((mut c, sid)) = socket(&s.url, &acc.admin).await else { return };
    let golden = golden();

    // A new chat's first message: the reference's events, in order, ids masked alike.
    let (um, am) = (uuid(), uuid());
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.admin), Some(&webui_body(&sid, &um, &am))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let answer = r.json();
    assert_eq!(answer["status"], json!(true));
    let chat_id = answer["chat_id"].as_str().unwrap().to_string();
    let events = events_until_inactive(&mut c).await;
    let mut seen = Vec::new();
    assert_eq!(mask(&Value::Array(events), &mut seen), golden["completion"]);
    let m = assistant_message(&s, &acc.admin, &chat_id, &am).await;
    assert_eq!(m["content"], "Hello! How can I help you today?");
    assert_eq!(m["done"], json!(true));
    assert_eq!(m["meta"]["task_id"], answer["task_ids"][0]);
    assert_eq!(m["output"][0]["status"], "completed");
    let r = req("GET", &s.url, &format!("/api/tasks/chat/{chat_id}"), Some(&acc.admin), None).await;
    assert_eq!(r.json(), json!({"task_ids": []}));

    // The upstream answers 503: the reference's error event, the error saved.
    fake.next(Reply::Status(503));
    let (um, am) = (uuid(), uuid());
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.admin), Some(&webui_body(&sid, &um, &am))).await;
    let chat_id = r.json()["chat_id"].as_str().unwrap().to_string();
    let events = events_until_inactive(&mut c).await;
    let mut seen = Vec::new();
    assert_eq!(mask(&Value::Array(events), &mut seen), golden["upstream_error"]);
    let m = assistant_message(&s, &acc.admin, &chat_id, &am).await;
    assert_eq!((m["error"].clone(), m["done"].clone()), (json!({"content": "scripted failure"}), json!(true)));

    // Another user cannot see or stop the chat's tasks.
    let r = req("GET", &s.url, &format!("/api/tasks/chat/{chat_id}"), Some(&acc.user), None).await;
    assert_eq!(r.json(), json!({"task_ids": []}));
    let r = req("POST", &s.url, &format!("/api/tasks/chat/{chat_id}/stop"), Some(&acc.user), None).await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[tokio::test]
async fn faults_end_the_task_with_the_references_events_and_keep_the_partial_answer() {
    let fake = Fake::start().await;
    let s = server_with(&fake).await;
    let acc = setup(&s.url).await;
    let Some((mut c, sid)) = socket(&s.url, &acc.admin).await else { return };
    let types = |events: &[Value]| events.iter().map(|e| e["data"]["type"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>();

    // The upstream hangs up: the reference's error event and saved error.
    fake.next(Reply::Hangup);
    let (um, am) = (uuid(), uuid());
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.admin), Some(&webui_body(&sid, &um, &am))).await;
    let chat_id = r.json()["chat_id"].as_str().unwrap().to_string();
    let events = events_until_inactive(&mut c).await;
    let error = events.iter().find(|e| e["data"]["type"] == "chat:message:error").expect("an error event");
    assert_eq!(error["data"]["data"], json!({"error": {"content": "Open WebUI: Server Connection Error"}, "done": true}));
    let m = assistant_message(&s, &acc.admin, &chat_id, &am).await;
    assert_eq!(m["error"], json!({"content": "Open WebUI: Server Connection Error"}));

    // Failing mid-stream: the error event; the error and what was answered saved.
    fake.next(Reply::FailAfter(2));
    let (um, am) = (uuid(), uuid());
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.admin), Some(&webui_body(&sid, &um, &am))).await;
    let chat_id = r.json()["chat_id"].as_str().unwrap().to_string();
    let events = events_until_inactive(&mut c).await;
    let t = types(&events);
    assert_eq!(t[t.len() - 2..], ["chat:message:error".to_string(), "chat:active".to_string()], "{t:?}");
    let m = assistant_message(&s, &acc.admin, &chat_id, &am).await;
    assert_eq!(m["done"], json!(true));
    assert!(m["error"]["content"].as_str().unwrap().starts_with("Chat completion stream failed"), "{m}");
    assert_eq!(m["content"], "one two ");

    // Stalled, then stopped through the chat: cancelled as the reference cancels, partial kept.
    fake.next(Reply::StallAfter(3));
    let (um, am) = (uuid(), uuid());
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.admin), Some(&webui_body(&sid, &um, &am))).await;
    let answer = r.json();
    let chat_id = answer["chat_id"].as_str().unwrap().to_string();
    let mut before = Vec::new();
    while before.iter().filter(|e: &&Value| e["data"]["type"] == "response:completion").count() < 4 {
        let v = c.next().await;
        if v["event"] == "events" {
            before.push(v["data"].clone());
        }
    }
    let r = req("GET", &s.url, &format!("/api/tasks/chat/{chat_id}"), Some(&acc.admin), None).await;
    assert_eq!(r.json(), json!({"task_ids": answer["task_ids"]}));
    let r = req("POST", &s.url, &format!("/api/tasks/chat/{chat_id}/stop"), Some(&acc.admin), None).await;
    let task_id = answer["task_ids"][0].as_str().unwrap();
    assert_eq!(r.json(), json!({"status": true, "message": format!("Task {task_id} successfully stopped.")}));
    before.extend(events_until_inactive(&mut c).await);
    let golden = golden();
    let expected: Vec<String> = golden["stopped_event_types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
    let mut got = types(&before);
    got.dedup();
    let mut exp = expected.clone();
    exp.dedup();
    assert_eq!(got, exp, "the reference's sequence, deltas counted once");
    let m = assistant_message(&s, &acc.admin, &chat_id, &am).await;
    assert_eq!((m["content"].clone(), m["done"].clone(), m["output"][0]["status"].clone()), (json!("one two three "), json!(true), json!("incomplete")));

    // Nothing left running.
    let r = req("GET", &s.url, "/api/tasks", Some(&acc.admin), None).await;
    assert_eq!(r.json(), json!({"tasks": []}));
}

#[tokio::test]
async fn a_socket_on_one_instance_follows_and_stops_a_completion_on_another() {
    let fake = Fake::start().await;
    let env = [("OPENAI_API_BASE_URL", format!("{}/v1", fake.url)), ("OPENAI_API_KEY", "k".into()), ("ENABLE_OLLAMA_API", "false".into())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let db = TestDb::new().await;
    let shared = db.share();
    let a = TestServer::start_on(db, &env).await.expect("instance A");
    let b = TestServer::start_on(shared, &env).await.expect("instance B");
    let acc = setup(&a.url).await;
    let Some((mut c, sid)) = socket(&a.url, &acc.admin).await else { return };
    // Until A hears B (its listener may still be starting).
    let ctx_b = b.context();
    loop {
        server::socket::emit_to_user(&ctx_b, &acc.admin_id, "ping", &json!({})).await;
        let v = tokio::time::timeout(Duration::from_millis(300), c.next()).await;
        if matches!(v, Ok(v) if v["event"] == "ping") {
            break;
        }
    }

    fake.next(Reply::StallAfter(2));
    let (um, am) = (uuid(), uuid());
    let r = req("POST", &b.url, "/api/chat/completions", Some(&acc.admin), Some(&webui_body(&sid, &um, &am))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let chat_id = r.json()["chat_id"].as_str().unwrap().to_string();
    let mut deltas = 0;
    while deltas < 3 {
        let v = c.next().await;
        if v["event"] == "events" && v["data"]["data"]["type"] == "response:completion" {
            deltas += 1;
        }
    }
    // A lists B's task, and a stop sent to A ends it on B.
    let mut listed = json!([]);
    for _ in 0..100 {
        listed = req("GET", &a.url, &format!("/api/tasks/chat/{chat_id}"), Some(&acc.admin), None).await.json()["task_ids"].clone();
        if listed != json!([]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let r = req("POST", &a.url, &format!("/api/tasks/chat/{chat_id}/stop"), Some(&acc.admin), None).await;
    assert_eq!(r.json()["status"], json!(true), "{}", r.body);
    let events = events_until_inactive(&mut c).await;
    assert!(events.iter().any(|e| e["data"]["type"] == "chat:tasks:cancel"), "{events:?}");
    let m = assistant_message(&a, &acc.admin, &chat_id, &am).await;
    assert_eq!((m["content"].clone(), m["done"].clone()), (json!("one two "), json!(true)));
}

/// The completion route's model check follows the base-model chain, as the proxies' does
/// (`check_model_access` with `has_base_model_access`): Bob's own preset over a base model he
/// may not read is refused until he is granted that base.
#[tokio::test]
async fn a_preset_over_an_unreadable_base_model_is_refused() {
    let fake = Fake::start().await;
    let s = server_with(&fake).await;
    let acc = setup(&s.url).await;
    let db = s.db.client().await;
    for (id, owner, base) in [("fake-gpt", &acc.admin_id, None), ("bob-preset", &acc.user_id, Some("fake-gpt"))] {
        db.execute(
            "INSERT INTO model (id, user_id, base_model_id, name, params, meta, is_active, updated_at, created_at)
             VALUES ($1, $2, $3, $1, '{}', '{}', true, 1, 1)",
            &[&id, owner, &base],
        )
        .await
        .unwrap();
    }
    let body = json!({"model": "bob-preset", "stream": false, "messages": [{"role": "user", "content": "hello"}]}).to_string();
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.user), Some(&body)).await;
    assert_eq!((r.status, r.json()), (400, json!({"detail": "Model not found"})));
    assert!(fake.bodies.lock().unwrap().is_empty(), "nothing went upstream");

    db.execute(
        "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at)
         VALUES ('g1', 'model', 'fake-gpt', 'user', $1, 'read', 1)",
        &[&acc.user_id],
    )
    .await
    .unwrap();
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.user), Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(fake.bodies.lock().unwrap()[0]["model"], json!("fake-gpt"));
}

/// 0.12.4's web UI sends only the system prompt for a chat that is saved: the conversation that
/// reaches the provider is the stored one up to the user's message (`load_messages_from_db`),
/// the form's system message first, without the keys the provider must not see.
#[tokio::test]
async fn a_saved_chats_conversation_is_read_from_its_history() {
    let fake = Fake::start().await;
    let s = server_with(&fake).await;
    let acc = setup(&s.url).await;
    let Some((mut c, sid)) = socket(&s.url, &acc.admin).await else { return };
    let (um, am) = (uuid(), uuid());
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.admin), Some(&webui_body(&sid, &um, &am))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let chat_id = r.json()["chat_id"].as_str().unwrap().to_string();
    events_until_inactive(&mut c).await;

    let (um2, am2) = (uuid(), uuid());
    let body = json!({"stream": true, "model": "fake-gpt", "messages": [{"role": "system", "content": "Be brief."}],
        "params": {}, "tool_ids": [], "features": {}, "variables": {}, "session_id": sid, "chat_id": chat_id, "id": am2,
        "parent_id": am, "background_tasks": {},
        "user_message": {"id": um2, "parentId": am, "childrenIds": [am2], "role": "user", "content": "and then?",
                         "timestamp": 1700000001, "models": ["fake-gpt"]}});
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.admin), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    events_until_inactive(&mut c).await;
    let sent = fake.bodies.lock().unwrap().last().cloned().expect("a request upstream");
    assert_eq!(
        sent["messages"],
        json!([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"},
               {"role": "assistant", "content": "Hello! How can I help you today?"}, {"role": "user", "content": "and then?"}])
    );
    let m = assistant_message(&s, &acc.admin, &chat_id, &am2).await;
    assert_eq!(m["done"], json!(true));

    // Another user's chat id is refused before anything is read or sent.
    let n = fake.bodies.lock().unwrap().len();
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.user), Some(&body.to_string())).await;
    assert_ne!(r.status, 200, "{}", r.body);
    assert_eq!(fake.bodies.lock().unwrap().len(), n);
}
