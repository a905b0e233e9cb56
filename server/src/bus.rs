//! What instances sharing one database tell each other, with no Redis: socket.io emits (an emit
//! goes to the local sockets at once and, through here, to every other instance's sockets in the
//! room; the reference needs `WEBSOCKET_MANAGER=redis` for this) and the task registry's news
//! (`crate::app::tasks`: started, ended, stop; the reference keeps tasks in Redis).
//!
//! One dedicated connection publishes, one listens (`crate::db::notify`); PostgreSQL delivers one
//! connection's notifications in the order they were committed, so the tokens of a streamed answer
//! arrive in order everywhere. A notification holds at most 7,999 bytes: a larger message travels
//! in frames (`<instance> <message> <index> <count> <chunk>`), reassembled by the listener.
//! Nothing is stored: an instance that is down, or not yet listening, misses what is sent
//! meanwhile, as a socket.io server misses a Redis message it was not subscribed for.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::db::notify::{self, Notifier, MAX_PAYLOAD};

/// The channel messages travel on.
pub const CHANNEL: &str = "owui_bus";

/// How many messages may wait for the publishing connection before `publish` waits too.
const QUEUE: usize = 10_000;

/// One emit: `event` with `data` to every socket in `room`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Emit {
    pub room: String,
    pub event: String,
    pub data: Value,
}

/// What travels between instances.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    Emit(Emit),
    Task(crate::app::tasks::TaskNews),
    /// `refresh_chat_access(chat_id)` on every instance ([`crate::socket::refresh_chat_access`]).
    ChatAccess { chat_id: Option<String> },
    /// Session rows changed: empty the session cache ([`crate::app::session::cache`]).
    SessionsChanged,
}

/// This instance's end of the bus (in the server context); empty until [`Bus::start`], and
/// dropping it ends both connections' tasks.
pub struct Bus {
    /// This instance's id, unique per start.
    pub instance: String,
    running: std::sync::OnceLock<(mpsc::Sender<Message>, watch::Sender<()>)>,
}

impl Default for Bus {
    fn default() -> Bus {
        Bus { instance: uuid::Uuid::new_v4().simple().to_string(), running: Default::default() }
    }
}

impl Bus {
    /// Starts the publisher and the listener; `deliver` handles each message from another
    /// instance (never this one's own).
    pub fn start<F>(&self, pg: tokio_postgres::Config, log: slog::Logger, deliver: F)
    where
        F: Fn(Message) + Send + Sync + 'static,
    {
        let (queue, rx) = mpsc::channel(QUEUE);
        let (alive, alive_rx) = watch::channel(());
        if self.running.set((queue, alive)).is_ok() {
            tokio::spawn(publish_loop(self.instance.clone(), pg.clone(), log.clone(), rx));
            tokio::spawn(listen_loop(self.instance.clone(), pg, log, alive_rx, deliver));
        }
    }

    /// Queues `message` for the other instances (nothing before [`Bus::start`]).
    pub async fn publish(&self, message: Message) {
        if let Some((queue, _)) = self.running.get() {
            let _ = queue.send(message).await;
        }
    }
}

/// Starts `ctx`'s bus: other instances' emits go to this instance's sockets, their task news to
/// the task registry. Holds the context weakly (the context owns the bus). Emits and access
/// refreshes are handled one after the other, in the order they arrive, by one task: a socket that
/// lost access to a chat has left its room before the chat's next event is delivered, and the
/// tokens of an answer reach the sockets in order.
pub fn start(ctx: &std::sync::Arc<crate::context::ServerContext>, pg: tokio_postgres::Config, log: slog::Logger) {
    let weak = std::sync::Arc::downgrade(ctx);
    let (ordered, mut queue) = mpsc::unbounded_channel::<Message>();
    let sockets = weak.clone();
    tokio::spawn(async move {
        while let Some(m) = queue.recv().await {
            let Some(ctx) = sockets.upgrade() else { return };
            match m {
                Message::Emit(e) => ctx.sockets.emit_local(&e.room, &e.event, &e.data).await,
                Message::ChatAccess { chat_id } => crate::socket::refresh_chat_access_here(&ctx, chat_id.as_deref()).await,
                Message::Task(_) | Message::SessionsChanged => {}
            }
        }
    });
    ctx.bus.start(pg, log, move |m: Message| {
        let Some(ctx) = weak.upgrade() else { return };
        match m {
            Message::Task(news) => crate::app::tasks::hear(&ctx, news),
            Message::SessionsChanged => ctx.sessions.clear(),
            other => {
                let _ = ordered.send(other);
            }
        }
    });
}

/// Sends queued messages, as many as are waiting in one transaction, on one connection
/// (reconnecting after a second when it drops; what was being sent then is lost).
async fn publish_loop(instance: String, pg: tokio_postgres::Config, log: slog::Logger, mut rx: mpsc::Receiver<Message>) {
    let mut seq: u64 = 0;
    let mut notifier: Option<Notifier> = None;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        let mut payloads = Vec::with_capacity(batch.len());
        for e in &batch {
            seq += 1;
            match serde_json::to_string(e) {
                Ok(json) => payloads.extend(frames(&instance, seq, &json)),
                Err(e) => slog::warn!(log, "bus: message not serialisable"; "error" => %e),
            }
        }
        for attempt in 0..2 {
            if notifier.as_ref().is_none_or(Notifier::is_closed) {
                notifier = match Notifier::connect(&pg).await {
                    Ok(n) => Some(n),
                    Err(e) => {
                        slog::warn!(log, "bus: cannot connect to publish"; "error" => %e);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        None
                    }
                };
            }
            let Some(n) = notifier.as_mut() else { continue };
            match n.send(CHANNEL, &payloads).await {
                Ok(()) => break,
                Err(e) => {
                    slog::warn!(log, "bus: publish failed"; "error" => %e, "attempt" => attempt);
                    notifier = None;
                }
            }
        }
    }
}

/// Listens for other instances' emits until the [`Bus`] is dropped, reconnecting after a second
/// when the connection drops.
async fn listen_loop<F>(instance: String, pg: tokio_postgres::Config, log: slog::Logger, mut alive: watch::Receiver<()>, deliver: F)
where
    F: Fn(Message) + Send + Sync + 'static,
{
    loop {
        let mut listener = tokio::select! {
            l = notify::listen(&pg, CHANNEL, 1024) => match l {
                Ok(l) => l,
                Err(e) => {
                    slog::warn!(log, "bus: cannot listen; retrying"; "error" => %e);
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        _ = alive.changed() => return,
                    }
                }
            },
            _ = alive.changed() => return,
        };
        let mut frames = Reassembly::default();
        loop {
            tokio::select! {
                p = listener.recv() => {
                    let Some(p) = p else { break };
                    if let Some((from, json)) = frames.push(&p) {
                        if from == instance {
                            continue;
                        }
                        match serde_json::from_str::<Message>(&json) {
                            Ok(m) => deliver(m),
                            Err(e) => slog::warn!(log, "bus: unreadable message"; "error" => %e),
                        }
                    }
                }
                _ = alive.changed() => return,
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The frames of one message: each `<instance> <message> <index> <count> <chunk>`, at most
/// [`MAX_PAYLOAD`] bytes, chunks cut on character boundaries.
pub fn frames(instance: &str, message: u64, json: &str) -> Vec<String> {
    // Room for the header: the instance, the message number and two indexes below 10^7.
    let budget = MAX_PAYLOAD - instance.len() - 20 - 2 * 7 - 4;
    let mut chunks = Vec::new();
    let mut rest = json;
    while !rest.is_empty() || chunks.is_empty() {
        let mut cut = rest.len().min(budget);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        chunks.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    let n = chunks.len();
    chunks.iter().enumerate().map(|(i, c)| format!("{instance} {message} {i} {n} {c}")).collect()
}

/// Puts frames back together, per sending instance (whose frames arrive in order).
#[derive(Default)]
pub struct Reassembly {
    partial: HashMap<String, (String, usize, String)>,
}

impl Reassembly {
    /// Takes one frame; the sender and the whole message once its last frame is in.
    pub fn push(&mut self, payload: &str) -> Option<(String, String)> {
        let mut parts = payload.splitn(5, ' ');
        let (from, message, index, count, chunk) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let (index, count): (usize, usize) = (index.parse().ok()?, count.parse().ok()?);
        if count == 1 {
            return Some((from.to_owned(), chunk.to_owned()));
        }
        if index == 0 {
            self.partial.insert(from.to_owned(), (message.to_owned(), 1, chunk.to_owned()));
            return None;
        }
        let entry = self.partial.get_mut(from)?;
        if entry.0 != message || entry.1 != index {
            // A frame was missed (the sender reconnected): drop the message.
            self.partial.remove(from);
            return None;
        }
        entry.1 += 1;
        entry.2.push_str(chunk);
        if entry.1 == count {
            let (_, _, json) = self.partial.remove(from)?;
            return Some((from.to_owned(), json));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_message_travels_in_frames_and_comes_back_whole() {
        let text: String = "é🙂 quick brown fox ".repeat(2_000);
        let json = serde_json::to_string(&Emit { room: "user:1".into(), event: "events".into(), data: text.clone().into() }).unwrap();
        let f = frames("inst", 7, &json);
        assert!(f.len() > 5);
        assert!(f.iter().all(|p| p.len() <= MAX_PAYLOAD));
        let mut r = Reassembly::default();
        let mut out = None;
        for p in &f {
            out = r.push(p).or(out);
        }
        let (from, back) = out.unwrap();
        assert_eq!(from, "inst");
        assert_eq!(back, json);
    }

    #[test]
    fn a_small_message_is_one_frame_and_a_missed_frame_drops_the_message() {
        assert_eq!(frames("a", 1, "{}"), vec!["a 1 0 1 {}".to_string()]);
        assert_eq!(frames("a", 1, ""), vec!["a 1 0 1 ".to_string()]);
        let big = "x".repeat(MAX_PAYLOAD * 2);
        let f = frames("a", 2, &big);
        assert_eq!(f.len(), 3);
        let mut r = Reassembly::default();
        assert_eq!(r.push(&f[0]), None);
        assert_eq!(r.push(&f[2]), None, "frame 1 was missed");
        assert_eq!(r.push(&f[1]), None);
        // The next message is whole again.
        let g = frames("a", 3, &big);
        let mut out = None;
        for p in &g {
            out = r.push(p).or(out);
        }
        assert_eq!(out.unwrap().1, big);
    }
}
