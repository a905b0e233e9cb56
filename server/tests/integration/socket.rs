//! socket.io at `/ws/socket.io`: authentication on connect and on `user-join` as the reference
//! does it, the `user:{id}` rooms, and events emitted on one instance reaching a socket connected
//! to another instance on the same database (no Redis). The client is python-socketio from the
//! reference venv (`server/tests/socketio/client.py`), a real third-party client.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use server::socket::emit_to_user;

use crate::common::*;
use crate::users::{req, setup};

/// The client script, run by the reference venv's Python (also used by `completions`).
pub struct Client {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Client {
    /// `None` where the reference venv (and so python-socketio) is not installed, outside CI.
    pub async fn connect(url: &str, args: &[&str]) -> Option<Client> {
        if !Reference::available() {
            return None;
        }
        let venv = std::env::var("OWUI_REFERENCE_VENV").map(PathBuf::from).unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/owui-rs/reference-venv-0.12.4")
        });
        let mut child = Command::new(venv.join("bin/python"))
            .arg(repo_root().join("server/tests/socketio/client.py"))
            .arg(url)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("run the socket.io client");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Some(Client { child, lines })
    }

    /// The next line the client printed (it ends with `done` after its count or timeout).
    pub async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.lines.next_line())
            .await
            .expect("the client answers within 30 s")
            .expect("read the client")
            .expect("the client ended early");
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"))
    }

    /// Skips lines until one of `kind`.
    pub async fn until(&mut self, kind: &str) -> Value {
        loop {
            let v = self.next().await;
            if v["kind"] == kind {
                return v;
            }
        }
    }

    async fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
    }
}

#[tokio::test]
async fn events_emitted_on_one_instance_reach_a_socket_on_another_in_order() {
    let db = TestDb::new().await;
    let shared = db.share();
    let a = TestServer::start_on(db, &[]).await.expect("instance A");
    let b = TestServer::start_on(shared, &[]).await.expect("instance B");
    let acc = setup(&a.url).await;
    let Some(mut c) = Client::connect(&a.url, &["--token", &acc.user, "--count", "1000", "--timeout", "60"]).await else { return };
    assert_eq!(c.until("connected").await["kind"], "connected");

    // Until B's emits are seen (A's listener is up): probes.
    let from_b = b.context();
    let probe = async {
        loop {
            emit_to_user(&from_b, &acc.user_id, "probe", &json!({})).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::select! {
        _ = probe => unreachable!(),
        v = c.until("event") => assert_eq!(v["event"], "probe"),
    }

    // 300 tokens in order, another user's event (never delivered here), then one event far over
    // PostgreSQL's 8000-byte notification limit, which travels in frames.
    for i in 0..300 {
        let data = json!({"chat_id": "c1", "message_id": "m1", "data": {"type": "response:completion", "data": {"delta": format!("t{i} ")}}});
        emit_to_user(&from_b, &acc.user_id, "events", &data).await;
    }
    emit_to_user(&from_b, &acc.other_id, "events", &json!({"for": "other"})).await;
    let big = "é🙂 quick brown fox ".repeat(3_000);
    emit_to_user(&from_b, &acc.user_id, "events", &json!({"content": big})).await;

    let mut seen = Vec::new();
    loop {
        let v = c.until("event").await;
        if v["event"] == "probe" {
            continue;
        }
        assert_eq!(v["event"], "events");
        if v["data"].get("content").is_some() {
            assert_eq!(v["data"]["content"], big.as_str());
            break;
        }
        assert!(v["data"].get("for").is_none(), "another user's event reached this socket");
        seen.push(v["data"]["data"]["data"]["delta"].as_str().unwrap().to_string());
    }
    let expected: Vec<String> = (0..300).map(|i| format!("t{i} ")).collect();
    assert_eq!(seen, expected, "every token, in order");

    // The same emit from A itself reaches the socket once (not again through the bus).
    emit_to_user(&a.context(), &acc.user_id, "events", &json!({"n": "local"})).await;
    emit_to_user(&b.context(), &acc.user_id, "events", &json!({"n": "after"})).await;
    let mut tail = Vec::new();
    while tail.last().map(|v: &Value| v["n"] != "after").unwrap_or(true) {
        let v = c.until("event").await;
        if v["event"] == "events" {
            tail.push(v["data"].clone());
        }
    }
    assert_eq!(tail, vec![json!({"n": "local"}), json!({"n": "after"})]);
    c.send("quit").await;
}

#[tokio::test]
async fn sockets_authenticate_as_the_reference_does() {
    let s = TestServer::start().await;
    let acc = setup(&s.url).await;
    let ctx = s.context();

    // A bad token is still connected (`always_connect`) but joins no room; `user-join` with a
    // valid token then authenticates it and acknowledges with the user's id and name.
    let Some(mut c) = Client::connect(&s.url, &["--token", "not-a-token", "--join", &acc.user, "--count", "1"]).await else { return };
    c.until("connected").await;
    assert_eq!(c.until("ack").await["data"], json!({"id": acc.user_id, "name": "Bob"}));
    emit_to_user(&ctx, &acc.user_id, "events", &json!({"hello": 1})).await;
    assert_eq!(c.until("event").await["data"], json!({"hello": 1}));

    // A pending account is not verified: no room, and `user-join` is not acknowledged.
    let Some(mut p) = Client::connect(&s.url, &["--token", &acc.pending, "--join", &acc.pending, "--count", "1", "--timeout", "2"]).await
    else {
        return;
    };
    p.until("connected").await;
    assert_eq!(p.until("no-ack").await["kind"], "no-ack");
    emit_to_user(&ctx, &acc.pending_id, "events", &json!({"hello": 2})).await;
    assert_eq!(p.until("done").await["events"], 0, "a pending account's socket got an event");

    // A revoked session (signed out) is dropped at its next event (`get_socket_session_user`).
    let Some(mut d) = Client::connect(&s.url, &["--token", &acc.other, "--count", "5", "--timeout", "10"]).await else { return };
    d.until("connected").await;
    let r = req("POST", &s.url, "/api/v1/auths/signout", Some(&acc.other), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    d.send("emit heartbeat {}").await;
    loop {
        let v = d.next().await;
        assert_ne!(v["kind"], "done", "the signed-out socket was not disconnected");
        if v["kind"] == "disconnected" {
            break;
        }
    }
}

#[tokio::test]
async fn websocket_only_by_default_and_polling_when_websockets_are_off() {
    let s = TestServer::start().await;
    let acc = setup(&s.url).await;
    // ENABLE_WEBSOCKET_SUPPORT (default on): transports=['websocket'], so a polling handshake is refused.
    let r = req("GET", &s.url, "/ws/socket.io/?EIO=4&transport=polling", None, None).await;
    assert_eq!(r.status, 400, "{}", r.body);

    let p = TestServer::start_with(&[("ENABLE_WEBSOCKET_SUPPORT", "false")]).await;
    let r = req("GET", &p.url, "/ws/socket.io/?EIO=4&transport=polling", None, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.starts_with("0{\"sid\":"), "{}", r.body);
    let acc_p = setup(&p.url).await;
    let Some(mut c) = Client::connect(&p.url, &["--token", &acc_p.user, "--transports", "polling", "--count", "1", "--timeout", "60"]).await
    else {
        return;
    };
    c.until("connected").await;
    // The connect handler joins the room after the connection is accepted (`always_connect`, as
    // the reference): emit until the socket is in it.
    let ctx = p.context();
    let emits = async {
        loop {
            emit_to_user(&ctx, &acc_p.user_id, "events", &json!({"over": "polling"})).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    tokio::select! {
        _ = emits => unreachable!(),
        v = c.until("event") => assert_eq!(v["data"], json!({"over": "polling"})),
    }
    let _ = acc;
}

/// The task registry across instances: a task running on B is listed on A and B, a stop sent to A
/// stops it on B (the task sees the stop and ends on its own terms), and both lists empty again.
#[tokio::test]
async fn tasks_are_listed_and_stopped_across_instances() {
    use server::app::tasks;
    let db = TestDb::new().await;
    let shared = db.share();
    let a = TestServer::start_on(db, &[]).await.expect("instance A");
    let b = TestServer::start_on(shared, &[]).await.expect("instance B");
    let acc = setup(&a.url).await;
    let list = |url: String, token: String| async move {
        let r = req("GET", &url, "/api/tasks", Some(&token), None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["tasks"].clone()
    };
    assert_eq!(list(a.url.clone(), acc.admin.clone()).await, json!([]));
    let r = req("GET", &a.url, "/api/tasks", Some(&acc.user), None).await;
    assert_eq!(r.status, 401, "a user lists no tasks: {}", r.body);

    // A's bus listener may still be starting: until it hears B, B's tasks stay unseen on A.
    let (saw_stop_tx, saw_stop) = tokio::sync::oneshot::channel::<bool>();
    let ctx_b = b.context();
    let id = tasks::create_task(&ctx_b, Some("chat-1".into()), |mut cancel| async move {
        cancel.cancelled().await;
        let _ = saw_stop_tx.send(true);
    })
    .await;
    let mut seen = json!([]);
    for _ in 0..100 {
        seen = list(a.url.clone(), acc.admin.clone()).await;
        if seen != json!([]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, json!([id]), "A lists B's task");
    assert_eq!(list(b.url.clone(), acc.admin.clone()).await, json!([id]));
    assert_eq!(tasks::list_by_item(&a.context(), "chat-1"), vec![id.clone()]);
    assert!(tasks::list_by_item(&a.context(), "chat-2").is_empty());

    let r = req("POST", &a.url, &format!("/api/tasks/stop/{id}"), Some(&acc.admin), None).await;
    assert_eq!((r.status, r.json()), (200, json!({"status": true, "message": format!("Task {id} successfully stopped.")})));
    assert!(saw_stop.await.unwrap(), "the task on B saw the stop");
    assert_eq!(list(a.url.clone(), acc.admin.clone()).await, json!([]));
    for _ in 0..100 {
        if list(b.url.clone(), acc.admin.clone()).await == json!([]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(list(b.url.clone(), acc.admin.clone()).await, json!([]));

    let r = req("POST", &b.url, "/api/tasks/stop/nope", Some(&acc.admin), None).await;
    assert_eq!((r.status, r.json()), (200, json!({"status": false, "message": "Task with ID nope not found."})));
}

/// `usage {model}` from a socket puts the model in `/api/usage` (for 3 s, as the reference's pool);
/// the active-user count is read from the database.
#[tokio::test]
async fn usage_lists_the_models_sockets_use() {
    let s = TestServer::start().await;
    let acc = setup(&s.url).await;
    let Some(mut c) = Client::connect(&s.url, &["--token", &acc.user, "--timeout", "10"]).await else { return };
    c.until("connected").await;
    c.send(r#"emit usage {"model": "fake-gpt"}"#).await;
    c.until("emitted").await;
    let mut body = Value::Null;
    for _ in 0..50 {
        let r = req("GET", &s.url, "/api/usage", Some(&acc.user), None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        body = r.json();
        if body["model_ids"] == json!(["fake-gpt"]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(body["model_ids"], json!(["fake-gpt"]));
    assert!(body["user_count"].as_i64().unwrap() >= 1, "{body}");
    c.send("quit").await;

    let p = TestServer::start_with(&[("ENABLE_PUBLIC_ACTIVE_USERS_COUNT", "false")]).await;
    let acc = setup(&p.url).await;
    let r = req("GET", &p.url, "/api/usage", Some(&acc.user), None).await;
    assert_eq!((r.status, r.json()), (403, json!({"detail": "Access denied. Only administrators can view usage statistics."})));
    let r = req("GET", &p.url, "/api/usage", Some(&acc.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// `refresh_chat_access`: a grantee's socket, on another instance, in a shared chat's room hears the
/// chat's events; once the owner takes the grant back it hears `chat:access`, leaves the room, and
/// hears none of the chat's later events.
#[tokio::test]
async fn a_socket_that_loses_access_to_a_chat_leaves_its_room_on_every_instance() {
    let db = TestDb::new().await;
    let shared = db.share();
    let a = TestServer::start_on(db, &[]).await.expect("instance A");
    let b = TestServer::start_on(shared, &[]).await.expect("instance B");
    let acc = setup(&a.url).await;
    let chat = json!({"chat": {"title": "Shared", "models": ["m"], "history": {"currentId": "m1", "messages": {
        "m1": {"id": "m1", "parentId": null, "childrenIds": [], "role": "user", "content": "Hello", "timestamp": 1700000000}}}}});
    let r = req("POST", &a.url, "/api/v1/chats/new", Some(&acc.user), Some(&chat.to_string())).await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = req("POST", &a.url, &format!("/api/v1/chats/{id}/share"), Some(&acc.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let update = format!("/api/v1/chats/shared/{id}/access/update");
    let grant = json!({"access_grants": [{"principal_type": "user", "principal_id": acc.other_id, "permission": "read"}], "share_mode": "continue"});
    let r = req("POST", &a.url, &update, Some(&acc.user), Some(&grant.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The grantee's socket is on B; A's emits reach it once B listens.
    let Some(mut c) = Client::connect(&b.url, &["--token", &acc.other, "--count", "1000", "--timeout", "60"]).await else { return };
    assert_eq!(c.until("connected").await["kind"], "connected");
    let from_a = a.context();
    let probe = async {
        loop {
            emit_to_user(&from_a, &acc.other_id, "probe", &json!({})).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::select! {
        _ = probe => unreachable!(),
        v = c.until("event") => assert_eq!(v["event"], "probe"),
    }
    c.send(&format!("call events:chat {}", json!({"chat_id": id, "data": {"type": "join"}}))).await;
    assert_eq!(c.until("ack").await["data"], json!(true), "a grantee may join the chat's room");

    let event = format!("/api/v1/chats/{id}/messages/m1/event");
    let status = |d: &str| json!({"type": "status", "data": {"description": d, "done": false}}).to_string();
    let r = req("POST", &a.url, &event, Some(&acc.user), Some(&status("first"))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let heard = |v: &Value| v["event"] == "events" && v["data"]["chat_id"] == json!(id);
    let mut v = c.until("event").await;
    while !(heard(&v) && v["data"]["data"]["type"] == "status") {
        v = c.until("event").await;
    }
    assert_eq!(v["data"]["data"]["data"]["description"], "first", "the grantee hears the chat's events");

    // The grant taken back on A: the socket on B hears `chat:access` and is out of the room.
    let r = req("POST", &a.url, &update, Some(&acc.user), Some(r#"{"access_grants": []}"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut v = c.until("event").await;
    while !heard(&v) {
        v = c.until("event").await;
    }
    assert_eq!(v["data"], json!({"chat_id": id, "shared": true, "data": {"type": "chat:access", "data": {}}}));
    let r = req("POST", &a.url, &event, Some(&acc.user), Some(&status("second"))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    emit_to_user(&from_a, &acc.other_id, "events", &json!({"n": "after"})).await;
    loop {
        let v = c.until("event").await;
        if v["event"] == "probe" {
            continue;
        }
        assert!(!heard(&v), "an event of the chat reached a socket without access: {v}");
        if v["data"] == json!({"n": "after"}) {
            break;
        }
    }
    // Joining again is refused.
    c.send(&format!("call events:chat {}", json!({"chat_id": id, "data": {"type": "join"}}))).await;
    assert_eq!(c.until("ack").await["data"], json!(false));
    c.send("quit").await;
}
