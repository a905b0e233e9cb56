//! The session: who is calling, from the credentials a request (or a socket.io connection)
//! carries. The reference's `get_current_user` (`utils/auth.py`) and its role gates
//! (`get_verified_user`, `get_admin_user`, `get_human_user`), on plain strings, so that the
//! HTTP layer (`crate::http::auth`, which only reads them from the request) and socket.io's
//! connect handler authenticate the same way.
//!
//! A token starting with `sk-` is an API key; anything else must be a JWT signed with
//! `WEBUI_SECRET_KEY` whose session stamp matches the account's.

pub mod cache;
pub mod password;
pub mod token;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value};

use crate::context::ServerContext;
use crate::db::auths::session_by_id;
use crate::db::users::{self, UserRow};
use crate::error::{Error, Result};
use crate::messages;

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    Jwt,
    ApiKey,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: UserRow,
    pub auth_type: AuthType,
    /// The JWT's claims (empty for API keys).
    pub claims: Map<String, Value>,
    /// The `permissions` of the user's groups, when loaded with the session (JWTs).
    pub group_permissions: Option<Vec<Value>>,
}

impl SessionUser {
    pub fn is_admin(&self) -> bool {
        self.user.role == "admin"
    }

    /// The token's `typ` (`session` when absent).
    pub fn token_type(&self) -> &str {
        self.claims.get("typ").and_then(Value::as_str).unwrap_or("session")
    }

    /// A JWT session token (not an API key, automation or sub-agent token): `get_human_user`'s test.
    pub fn is_human(&self) -> bool {
        self.auth_type == AuthType::Jwt && self.token_type() == "session"
    }
}

/// What a caller presents, already read from wherever it travels.
#[derive(Debug, Clone, Copy, Default)]
pub struct Credentials<'a> {
    /// The token, in `get_current_user`'s lookup order (`None`: nothing was sent).
    pub token: Option<&'a str>,
    /// The value of the `WEBUI_AUTH_TRUSTED_EMAIL_HEADER` header, when that header is configured
    /// and sent.
    pub trusted_email: Option<&'a str>,
    /// The request path (API keys may be restricted to some endpoints).
    pub path: &'a str,
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `get_current_user`: any authenticated account, whatever its role.
pub async fn authenticate(ctx: &ServerContext, creds: Credentials<'_>) -> Result<SessionUser> {
    let Some(token) = creds.token else {
        return Err(Error::unauthorized(messages::NOT_AUTHENTICATED));
    };
    if token.starts_with("sk-") {
        let user = user_by_api_key(ctx, token, creds.path).await?;
        return Ok(SessionUser { user, auth_type: AuthType::ApiKey, claims: Map::new(), group_permissions: None });
    }
    let Some(claims) = token::decode_token(&ctx.config.secret_key, token, now()).filter(|c| c.contains_key("id")) else {
        return Err(Error::unauthorized(messages::UNAUTHORIZED));
    };
    let (user, group_permissions) = match check_claims(ctx, &claims).await? {
        ClaimCheck::Valid(Some(user)) => (user.user, user.group_permissions),
        ClaimCheck::Valid(None) => return Err(Error::unauthorized(messages::INVALID_TOKEN)),
        ClaimCheck::Invalid => return Err(Error::unauthorized(messages::TOKEN_REFUSED)),
    };
    if ctx.config.trusted_email_header.as_deref().is_some_and(|h| !h.is_empty()) {
        let trusted = creds.trusted_email.unwrap_or("").to_lowercase();
        if !trusted.is_empty() && user.email != trusted {
            return Err(Error::unauthorized(messages::USER_MISMATCH));
        }
    }
    touch_last_active(ctx, &user.id);
    Ok(SessionUser { user, auth_type: AuthType::Jwt, claims, group_permissions: Some(group_permissions) })
}

/// `get_verified_user`'s gate: a `user` or `admin` (pending accounts get 401).
pub fn verified(s: SessionUser) -> Result<SessionUser> {
    if s.user.role != "user" && s.user.role != "admin" {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    Ok(s)
}

/// `get_admin_user`'s gate.
pub fn admin(s: SessionUser) -> Result<SessionUser> {
    if s.user.role != "admin" {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    Ok(s)
}

/// `get_human_user`'s gate: a JWT session token (not an API key, automation or sub-agent token).
pub fn human(s: SessionUser) -> Result<SessionUser> {
    if !s.is_human() {
        return Err(Error::forbidden(messages::HUMAN_SESSION_REQUIRED));
    }
    Ok(s)
}

/// A valid token's user and its groups' permissions.
pub struct ClaimUser {
    pub user: UserRow,
    pub group_permissions: Vec<Value>,
}

/// What [`check_claims`] found.
pub enum ClaimCheck {
    /// `is_valid_token` passed; the user, if it still exists.
    Valid(Option<Box<ClaimUser>>),
    /// `is_valid_token` said no (stamp, type or MFA).
    Invalid,
}

/// `is_valid_token(decoded)` then `Users.get_user_by_id`. A missing or inactive credential is the
/// reference's `get_auth` error (401 `Invalid authentication request.`), raised even where the
/// caller would otherwise just ignore the token (`/api/config`). One statement
/// ([`session_by_id`]), or none when the same token's rows were read a moment ago ([`cache`]);
/// the MFA policy comes from the settings snapshot.
pub async fn check_claims(ctx: &ServerContext, claims: &Map<String, Value>) -> Result<ClaimCheck> {
    fn unavailable(_: impl std::fmt::Display) -> Error {
        Error::status(503, messages::AUTH_UNAVAILABLE)
    }
    let id = match claims.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let jti = claims.get("jti").and_then(Value::as_str);
    let rows = match ctx.sessions.get(&id, jti) {
        Ok(rows) => rows,
        Err(generation) => {
            let rows = session_by_id(&ctx.db, &id, jti)
                .await
                .map_err(unavailable)?
                .ok_or_else(|| Error::unauthorized(messages::INVALID_AUTH_REQUEST))?;
            ctx.sessions.keep(&id, jti, generation, &rows);
            rows
        }
    };
    let auth = rows.auth;
    if !auth.active {
        return Err(Error::unauthorized(messages::INVALID_AUTH_REQUEST));
    }
    // Signed out (ours: the reference checks the same `jti` in Redis, when it has Redis).
    if rows.revoked {
        return Ok(ClaimCheck::Invalid);
    }
    let stamp = claims.get("session_stamp").cloned().unwrap_or(Value::Null);
    if stamp != auth.session_stamp.clone().map(Value::String).unwrap_or(Value::Null) {
        return Ok(ClaimCheck::Invalid);
    }
    let typ = claims.get("typ").cloned().unwrap_or_else(|| Value::String("session".into()));
    if !matches!(typ.as_str(), Some("session" | "automation" | "subagent")) {
        return Ok(ClaimCheck::Invalid);
    }
    if typ == "session" {
        let method = claims.get("auth_method").and_then(Value::as_str).unwrap_or("");
        if crate::app::mfa::policy(ctx).required(method) {
            let mfa = auth.mfa.as_ref();
            let has_secret = mfa.and_then(|m| m.get("secret")).is_some_and(|s| s.as_str().is_some_and(|s| !s.is_empty()));
            let reset = mfa.and_then(|m| m.get("reset_required")).and_then(Value::as_bool).unwrap_or(false);
            if claims.get("mfa_verified") != Some(&Value::Bool(true)) || !has_secret || reset {
                return Ok(ClaimCheck::Invalid);
            }
        }
    }
    Ok(ClaimCheck::Valid(rows.user.map(|user| Box::new(ClaimUser { user, group_permissions: rows.group_permissions }))))
}

/// The user a token names when it passes `is_valid_token` (what `/api/config` and sign-out
/// look at): `None` for a token that does not decode or is refused; a credential that is gone
/// or inactive is [`check_claims`]' 401.
pub async fn token_user(ctx: &ServerContext, token: &str) -> Result<Option<UserRow>> {
    let Some(claims) = token::decode_token(&ctx.config.secret_key, token, now()).filter(|c| c.contains_key("id")) else {
        return Ok(None);
    };
    match check_claims(ctx, &claims).await? {
        ClaimCheck::Valid(user) => Ok(user.map(|u| u.user)),
        ClaimCheck::Invalid => Ok(None),
    }
}

/// `get_current_user_by_api_key`, for a request to `path`.
async fn user_by_api_key(ctx: &ServerContext, key: &str, path: &str) -> Result<UserRow> {
    let client = ctx.db.get().await?;
    let user = users::user_by_api_key(&**client, key).await?;
    drop(client);
    let user = user.ok_or_else(|| Error::unauthorized(messages::INVALID_TOKEN))?;
    let keys = ["auth.enable_api_keys", "user.permissions", "auth.api_key.endpoint_restrictions", "auth.api_key.allowed_endpoints"];
    let cfg = ctx.settings_many(&keys);
    if !truthy(cfg.get("auth.enable_api_keys")) {
        return Err(Error::forbidden(messages::API_KEY_NOT_ALLOWED));
    }
    if user.role != "admin" {
        let defaults = cfg.get("user.permissions").cloned().unwrap_or(Value::Null);
        if !permissions::has_permission(ctx, &user.id, "features.api_keys", &defaults).await? {
            return Err(Error::forbidden(messages::API_KEY_NOT_ALLOWED));
        }
    }
    if truthy(cfg.get("auth.api_key.endpoint_restrictions")) {
        let allowed = match cfg.get("auth.api_key.allowed_endpoints") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(v) => v.to_string(),
        };
        let ok = allowed
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .any(|a| path == a || path.starts_with(&format!("{a}/")));
        if !ok {
            return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
        }
    }
    touch_last_active(ctx, &user.id);
    Ok(user)
}

/// Python truthiness of a JSON value.
pub fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

/// `Users.update_last_active_by_id`, fire-and-forget and at most once per
/// `DATABASE_USER_ACTIVE_STATUS_UPDATE_INTERVAL` seconds (default 60) per user.
pub fn touch_last_active(ctx: &ServerContext, user_id: &str) {
    static LAST: OnceLock<Mutex<HashMap<String, std::time::Instant>>> = OnceLock::new();
    let interval = ctx.config.last_active_interval;
    let now_i = std::time::Instant::now();
    {
        let mut last = LAST.get_or_init(Default::default).lock().expect("last-active map");
        if let Some(t) = last.get(user_id) {
            if now_i.duration_since(*t).as_secs_f64() < interval {
                return;
            }
        }
        if last.len() > 100_000 {
            last.clear();
        }
        last.insert(user_id.to_string(), now_i);
    }
    let pool = ctx.db.clone();
    let id = user_id.to_string();
    tokio::spawn(async move {
        let _ = users::update_last_active(&pool, &id, now()).await;
    });
}

/// The sign-in rate limit: `limit` attempts per `window` seconds and key, in 60-second buckets
/// (the reference's in-memory `RateLimiter`; without Redis it is per process there too).
pub struct RateLimiter {
    limit: u64,
    window: i64,
    buckets: Mutex<HashMap<i64, HashMap<String, u64>>>,
}

impl RateLimiter {
    pub const BUCKET: i64 = 60;

    pub fn new(limit: u64, window: i64) -> Self {
        RateLimiter { limit, window, buckets: Mutex::new(HashMap::new()) }
    }

    /// Counts one attempt for `key` and says whether the key is now over the limit.
    pub fn is_limited(&self, key: &str, now: i64) -> bool {
        let bucket = now / Self::BUCKET;
        let min = bucket - self.window / Self::BUCKET;
        let mut b = self.buckets.lock().expect("rate limiter");
        b.retain(|k, _| *k >= min);
        *b.entry(bucket).or_default().entry(key.to_string()).or_insert(0) += 1;
        let total: u64 = b.values().map(|m| m.get(key).copied().unwrap_or(0)).sum();
        total > self.limit
    }
}

/// The process-wide sign-in limiter (15 attempts per 3 minutes per email).
pub fn signin_limiter() -> &'static RateLimiter {
    static L: OnceLock<RateLimiter> = OnceLock::new();
    L.get_or_init(|| RateLimiter::new(15, 180))
}

pub mod permissions {
    //! `get_permissions` / `has_permission`: the defaults (`user.permissions`, completed from
    //! `DEFAULT_USER_PERMISSIONS`) combined with every group the user belongs to (most permissive
    //! value wins).

    use serde_json::{Map, Value};

    use crate::context::ServerContext;
    use crate::db::groups::groups_by_member;
    use crate::db::DbError;

    pub(crate) fn fill_missing(permissions: &mut Map<String, Value>, defaults: &Map<String, Value>) {
        for (k, v) in defaults {
            match (permissions.get_mut(k), v) {
                (None, _) => {
                    permissions.insert(k.clone(), v.clone());
                }
                (Some(Value::Object(p)), Value::Object(d)) => fill_missing(p, d),
                _ => {}
            }
        }
    }

    pub fn combine(permissions: &mut Map<String, Value>, group: &Map<String, Value>) {
        for (k, v) in group {
            if let Value::Object(g) = v {
                let entry = permissions.entry(k.clone()).or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                combine(entry.as_object_mut().expect("object"), g);
            } else {
                match permissions.get(k) {
                    None => {
                        permissions.insert(k.clone(), v.clone());
                    }
                    // `permissions[key] or value`: keep a truthy current value, else take the group's.
                    Some(cur) if super::truthy(Some(cur)) => {}
                    Some(_) => {
                        permissions.insert(k.clone(), v.clone());
                    }
                }
            }
        }
    }

    /// The defaults completed from `DEFAULT_USER_PERMISSIONS`.
    pub fn filled_defaults(ctx: &ServerContext, defaults: &Value) -> Map<String, Value> {
        let mut p = defaults.as_object().cloned().unwrap_or_default();
        fill_missing(&mut p, ctx.config.default_user_permissions.as_object().expect("object"));
        p
    }

    /// `get_permissions` of a session: the snapshot's defaults combined with the groups'
    /// permissions loaded with it (no statement), else read now.
    pub async fn of_session(ctx: &ServerContext, session: &super::SessionUser) -> Result<Map<String, Value>, DbError> {
        match &session.group_permissions {
            Some(groups) => Ok(from_groups(ctx, groups)),
            None => {
                let defaults = Value::Object(ctx.settings().default_permissions.clone());
                Ok(get_permissions(ctx, &session.user.id, &defaults).await?.as_object().cloned().unwrap_or_default())
            }
        }
    }

    /// The snapshot's defaults combined with `groups` (each group's `permissions`, in
    /// `get_groups_by_member_id` order).
    pub fn from_groups(ctx: &ServerContext, groups: &[Value]) -> Map<String, Value> {
        let mut p = ctx.settings().default_permissions.clone();
        for g in groups {
            if let Value::Object(gp) = g {
                combine(&mut p, gp);
            }
        }
        p
    }

    pub async fn get_permissions(ctx: &ServerContext, user_id: &str, defaults: &Value) -> Result<Value, DbError> {
        let client = ctx.db.get().await?;
        let groups = groups_by_member(&**client, user_id, true).await?;
        let mut p = filled_defaults(ctx, defaults);
        for g in groups {
            if let Some(Value::Object(gp)) = g.permissions {
                combine(&mut p, &gp);
            }
        }
        Ok(Value::Object(p))
    }

    fn lookup(permissions: &Value, keys: &[&str]) -> bool {
        let mut cur = permissions;
        for k in keys {
            match cur.get(k) {
                Some(v) => cur = v,
                None => return false,
            }
        }
        super::truthy(Some(cur))
    }

    /// [`has_permission`] for a session: with the groups' permissions loaded with it (every JWT
    /// session: the same groups, inherited ones included), no statement; else read now.
    pub async fn session_has_permission(
        ctx: &ServerContext,
        session: &super::SessionUser,
        key: &str,
        defaults: &Value,
    ) -> Result<bool, DbError> {
        let Some(groups) = &session.group_permissions else {
            return has_permission(ctx, &session.user.id, key, defaults).await;
        };
        let keys: Vec<&str> = key.split('.').collect();
        if groups.iter().any(|p| lookup(p, &keys)) {
            return Ok(true);
        }
        Ok(lookup(&Value::Object(filled_defaults(ctx, defaults)), &keys))
    }

    pub async fn has_permission(ctx: &ServerContext, user_id: &str, key: &str, defaults: &Value) -> Result<bool, DbError> {
        let keys: Vec<&str> = key.split('.').collect();
        let client = ctx.db.get().await?;
        let groups = groups_by_member(&**client, user_id, true).await?;
        if groups.iter().any(|g| g.permissions.as_ref().is_some_and(|p| lookup(p, &keys))) {
            return Ok(true);
        }
        Ok(lookup(&Value::Object(filled_defaults(ctx, defaults)), &keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_buckets() {
        let l = RateLimiter::new(15, 180);
        for i in 0..15 {
            assert!(!l.is_limited("a@x", 1000 + i), "attempt {i}");
        }
        assert!(l.is_limited("a@x", 1030));
        assert!(!l.is_limited("b@x", 1030));
        // Four minutes later the old buckets are gone.
        assert!(!l.is_limited("a@x", 1000 + 240));
    }
}
