//! socket.io at `/ws/socket.io` (the reference's `socket/main.py`): the web UI's channel for
//! streamed answers and live events. socketioxide serves Engine.IO 4 / Socket.IO 5 behind the
//! front door (`http::router` hands it every request under `/ws/socket.io`), on the same
//! listener as the API.
//!
//! As the reference (`always_connect=True`), every connection is accepted; a valid session token
//! in the connect payload (`auth.token`) or a later `user-join` puts the socket in the room
//! `user:{id}`, where [`emit_to_user`] reaches it. Emits reach the sockets of other instances
//! sharing the database through [`crate::bus`].

pub mod gate;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use engineioxide::service::NotFoundService;
use socketioxide::service::SocketIoService;
use socketioxide::{SocketIo, TransportType};

use crate::app::session;
use crate::context::ServerContext;
use crate::db::users::UserRow;

/// The path the web UI connects to (`socketio_path='/ws/socket.io'`).
pub const PATH: &str = "/ws/socket.io";

/// `SOCKETIO_MAX_HTTP_BUFFER_SIZE`: 16 MiB ("large notes outgrow the 1 MB default").
const MAX_PAYLOAD: u64 = 16 * 1024 * 1024;

/// The Engine.IO service the front door hands `/ws/socket.io` requests to.
pub type Service = SocketIoService<NotFoundService>;

/// What a socket knows about its user once authenticated (the reference's session `user` and
/// `token`, re-checked on each event as `get_socket_session_user` does).
#[derive(Debug, Clone)]
pub struct SocketUser {
    pub id: String,
    pub name: String,
    pub role: String,
    pub token: String,
}

/// The server's socket.io side: the service the front door calls and the handle that emits.
/// Empty until [`start`].
#[derive(Default)]
pub struct Sockets {
    io: OnceLock<(Service, SocketIo)>,
    usage: UsagePool,
}

/// `USAGE_POOL`: which sockets said they use which model, and when (a socket counts for
/// [`USAGE_TIMEOUT`] seconds after its last `usage` event, or until it disconnects). Per
/// instance, as the reference's without Redis.
#[derive(Default)]
struct UsagePool(Mutex<HashMap<String, HashMap<String, i64>>>);

/// `TIMEOUT_DURATION`: how long a `usage` event counts.
const USAGE_TIMEOUT: i64 = 3;

impl UsagePool {
    fn record(&self, model: &str, sid: &str, now: i64) {
        let mut pool = self.0.lock().expect("usage pool");
        pool.entry(model.to_owned()).or_default().insert(sid.to_owned(), now);
    }

    fn forget(&self, sid: &str) {
        let mut pool = self.0.lock().expect("usage pool");
        pool.retain(|_, sids| {
            sids.remove(sid);
            !sids.is_empty()
        });
    }

    /// The models in use now, expired entries dropped.
    fn models(&self, now: i64) -> Vec<String> {
        let mut pool = self.0.lock().expect("usage pool");
        pool.retain(|_, sids| {
            sids.retain(|_, at| now - *at <= USAGE_TIMEOUT);
            !sids.is_empty()
        });
        pool.keys().cloned().collect()
    }
}

impl Sockets {
    /// The Engine.IO service for a request under [`PATH`]; `None` before [`start`].
    pub fn service(&self) -> Option<&Service> {
        self.io.get().map(|(svc, _)| svc)
    }

    /// Emits to this instance's sockets in `room` only.
    pub async fn emit_local(&self, room: &str, event: &str, data: &Value) {
        if let Some((_, io)) = self.io.get() {
            let _ = io.to(room.to_owned()).emit(event, data).await;
        }
    }

    /// `get_models_in_use`: the models some socket of this instance uses now.
    pub fn models_in_use(&self) -> Vec<String> {
        self.usage.models(session::now())
    }

}

/// Emits `event` with `data` to the sockets in `room`, here and on every instance sharing the
/// database (`sio.emit(event, data, room=room)`).
pub async fn emit(ctx: &ServerContext, room: &str, event: &str, data: &Value) {
    ctx.sockets.emit_local(room, event, data).await;
    let e = crate::bus::Emit { room: room.to_owned(), event: event.to_owned(), data: data.clone() };
    ctx.bus.publish(crate::bus::Message::Emit(e)).await;
}

/// `emit_to_users` for one user: every socket of `user_id`, on every instance.
pub async fn emit_to_user(ctx: &ServerContext, user_id: &str, event: &str, data: &Value) {
    emit(ctx, &format!("user:{user_id}"), event, data).await;
}

/// `refresh_chat_access(chat_id)` (`socket/main.py`), after a chat's or a folder's access changed
/// (shared, unshared, moved, archived, deleted; a folder renamed, moved, re-granted or deleted):
/// on every instance, a socket in the room `chat:{id}` whose user may no longer read that chat
/// leaves the room (so it hears none of the chat's events), and every socket checked hears
/// `chat:access` (the web UI reads the chat again). With no `chat_id`, every chat a socket is in is
/// checked, its owner's sockets skipped, as the reference does.
pub async fn refresh_chat_access(ctx: &ServerContext, chat_id: Option<&str>) {
    refresh_chat_access_here(ctx, chat_id).await;
    ctx.bus.publish(crate::bus::Message::ChatAccess { chat_id: chat_id.map(str::to_owned) }).await;
}

/// [`refresh_chat_access`] for this instance's sockets. A failed check counts as no access (the
/// socket leaves the room; it may join again).
pub async fn refresh_chat_access_here(ctx: &ServerContext, chat_id: Option<&str>) {
    let Some((_, io)) = ctx.sockets.io.get() else { return };
    let mut access: HashMap<(String, String), Option<(String, bool)>> = HashMap::new();
    for s in io.sockets() {
        let Some(user) = s.extensions.get::<SocketUser>() else { continue };
        let chats: Vec<String> = s.rooms().iter().filter_map(|r| r.strip_prefix("chat:").map(str::to_owned)).collect();
        for cid in chats {
            if chat_id.is_some_and(|c| c != cid) {
                continue;
            }
            let key = (cid.clone(), user.id.clone());
            if !access.contains_key(&key) {
                let found = crate::app::chats::socket_access(ctx, &user.id, user.role == "admin", &cid).await.unwrap_or(None);
                access.insert(key.clone(), found);
            }
            let found = &access[&key];
            if chat_id.is_none() && found.as_ref().is_some_and(|(owner, _)| *owner == user.id) {
                continue;
            }
            if !found.as_ref().is_some_and(|(_, readable)| *readable) {
                s.leave(format!("chat:{cid}"));
            }
            let _ = s.emit("events", &json!({"chat_id": cid, "shared": true, "data": {"type": "chat:access", "data": {}}}));
        }
    }
}

/// Builds the socket.io server with the reference's settings and handlers. Call once, after the
/// context is built.
pub fn start(ctx: &Arc<ServerContext>) {
    let cfg = &ctx.config;
    let websocket = cfg.enable_websocket;
    let secs = |key: &str, default: u64| cfg.env_str(key).and_then(|v| v.trim().parse().ok()).unwrap_or(default);
    let builder = SocketIo::builder()
        .req_path(PATH)
        .ping_interval(Duration::from_secs(secs("WEBSOCKET_SERVER_PING_INTERVAL", 25)))
        .ping_timeout(Duration::from_secs(secs("WEBSOCKET_SERVER_PING_TIMEOUT", 20)))
        .max_payload(MAX_PAYLOAD)
        .with_state(Arc::downgrade(ctx));
    // `transports=['websocket'] if ENABLE_WEBSOCKET_SUPPORT else ['polling']`.
    let builder = if websocket {
        builder.transports([TransportType::Websocket])
    } else {
        builder.transports([TransportType::Polling])
    };
    let (svc, io) = builder.build_svc();
    io.ns("/", on_connect);
    let _ = ctx.sockets.io.set((svc, io));
}

type Ctx = State<Weak<ServerContext>>;

/// The connect payload (`io(..., {auth: {token}})`) and `user-join`'s `{auth: {token}}`.
#[derive(Debug, Default, Deserialize)]
struct Auth {
    #[serde(default)]
    token: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
struct Join {
    #[serde(default)]
    auth: Option<Auth>,
}

/// `get_verified_user_by_token`: a session token (not an API key) that decodes, is not revoked,
/// and names a `user` or `admin`.
async fn verified_user(ctx: &ServerContext, token: &str) -> Option<UserRow> {
    let user = session::token_user(ctx, token).await.ok().flatten()?;
    matches!(user.role.as_str(), "user" | "admin").then_some(user)
}

/// Puts the socket in its user's room and remembers who it is (`SESSION_POOL[sid]`).
async fn authenticate(s: &SocketRef, ctx: &ServerContext, token: &str) -> Option<UserRow> {
    let user = verified_user(ctx, token).await?;
    s.extensions.insert(SocketUser { id: user.id.clone(), name: user.name.clone(), role: user.role.clone(), token: token.to_owned() });
    s.join(format!("user:{}", user.id));
    Some(user)
}

/// `get_socket_session_user`: the socket's user while its token stays valid; a socket whose token
/// no longer is gets disconnected.
async fn session_user(s: &SocketRef, ctx: &ServerContext) -> Option<SocketUser> {
    let user = s.extensions.get::<SocketUser>()?;
    if verified_user(ctx, &user.token).await.is_some() {
        return Some(user);
    }
    s.extensions.remove::<SocketUser>();
    let _ = s.clone().disconnect();
    None
}

/// `connect`: always accepted; authenticated when `auth.token` is a valid session token.
async fn on_connect(s: SocketRef, State(ctx): Ctx, TryData(auth): TryData<Auth>) {
    // Handlers first: a client may emit (`user-join`) as soon as it is connected, before the
    // token below is checked.
    s.on("user-join", on_user_join);
    s.on("heartbeat", on_heartbeat);
    s.on("usage", on_usage);
    s.on("join-channels", on_join_channels);
    s.on("events:chat", on_chat_events);
    s.on_disconnect(on_disconnect);
    if let (Some(ctx), Ok(Auth { token: Some(Value::String(token)) })) = (ctx.upgrade(), auth) {
        authenticate(&s, &ctx, &token).await;
    }
}

/// `join-channels {auth: {token}}`: with a valid token, the socket joins the rooms of the user's
/// channels. Channels are not served yet, so there are none to join; the token is still checked.
async fn on_join_channels(s: SocketRef, State(ctx): Ctx, TryData(data): TryData<Join>) {
    let Some(ctx) = ctx.upgrade() else { return };
    let Ok(Join { auth: Some(Auth { token: Some(Value::String(token)) }) }) = data else { return };
    if verified_user(&ctx, &token).await.is_none() {
        return;
    }
    let _ = s;
}

/// `events:chat {chat_id, data: {type}}`: `join`/`leave` put the socket in (or out of) the room
/// `chat:{chat_id}` of a chat its user may read; `last_read_at` marks the chat read and tells the
/// user's sockets (`chat:list`). Acknowledged with `true`/`false` as the reference answers.
// Not done: `typing`, the chat's presence list.
async fn on_chat_events(s: SocketRef, State(ctx): Ctx, TryData(data): TryData<Value>, ack: AckSender) {
    let Some(ctx) = ctx.upgrade() else { return };
    let Some(user) = session_user(&s, &ctx).await else { return };
    let Ok(data) = data else { return };
    let kind = data.get("data").and_then(|d| d.get("type")).and_then(Value::as_str).unwrap_or("");
    let chat_id = data.get("chat_id").and_then(Value::as_str).unwrap_or("").to_owned();
    let saved = !chat_id.is_empty() && !chat_id.starts_with("local:") && !chat_id.starts_with("channel:");
    let answer = match kind {
        "join" | "leave" if saved => {
            if kind == "leave" {
                s.leave(format!("chat:{chat_id}"));
                Some(true)
            } else {
                match crate::app::chats::readable_by(&ctx, &user.id, user.role == "admin", &chat_id).await {
                    Ok(true) => {
                        s.join(format!("chat:{chat_id}"));
                        Some(true)
                    }
                    _ => Some(false),
                }
            }
        }
        "join" | "leave" => Some(false),
        "last_read_at" => {
            if let Ok(Some(last_read_at)) = crate::app::chats::mark_read(&ctx, &user.id, &chat_id).await {
                let payload = json!({"chat_id": chat_id, "data": {"type": "chat:list", "data": {"chat_id": chat_id, "last_read_at": last_read_at}}});
                emit_to_user(&ctx, &user.id, "events", &payload).await;
            }
            None
        }
        _ => None,
    };
    if let Some(a) = answer {
        let _ = ack.send(&a);
    }
}

/// `disconnect`: the socket's usage entries go (rooms are left by socketioxide).
async fn on_disconnect(s: SocketRef, State(ctx): Ctx) {
    if let Some(ctx) = ctx.upgrade() {
        ctx.sockets.usage.forget(&s.id.to_string());
    }
}

/// `user-join {auth: {token}}`: authenticates (again) and acknowledges with `{id, name}`.
async fn on_user_join(s: SocketRef, State(ctx): Ctx, TryData(data): TryData<Join>, ack: AckSender) {
    let Some(ctx) = ctx.upgrade() else { return };
    let token = match data {
        Ok(Join { auth: Some(Auth { token: Some(Value::String(t)) }) }) => t,
        _ => return,
    };
    if let Some(user) = authenticate(&s, &ctx, &token).await {
        let _ = ack.send(&json!({"id": user.id, "name": user.name}));
    }
}

/// `heartbeat`: the user is active (`Users.update_last_active_by_id`).
async fn on_heartbeat(s: SocketRef, State(ctx): Ctx) {
    let Some(ctx) = ctx.upgrade() else { return };
    if let Some(user) = session_user(&s, &ctx).await {
        let _ = crate::db::users::update_last_active(&ctx.db, &user.id, session::now()).await;
    }
}

/// `usage {model}`: the model is in use by this socket (`USAGE_POOL`, read by `/api/usage`).
async fn on_usage(s: SocketRef, State(ctx): Ctx, TryData(data): TryData<Value>) {
    let Some(ctx) = ctx.upgrade() else { return };
    if session_user(&s, &ctx).await.is_none() {
        return;
    }
    if let Ok(Value::Object(d)) = data {
        if let Some(Value::String(model)) = d.get("model") {
            ctx.sockets.usage.record(model, &s.id.to_string(), session::now());
        }
    }
}
