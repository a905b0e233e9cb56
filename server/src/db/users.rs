//! Table `user` (and `api_key`, `oauth_session`): the reference's `Users` data access.

use deadpool_postgres::Pool;
use tokio_postgres::GenericClient;
use serde_json::Value;
use tokio_postgres::Row;

use super::DbError;

/// One `user` row, as the reference's `UserModel` reads it (`profile_image_url` already filled in
/// with the generated-avatar route when empty, as its model validator does).
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub username: Option<String>,
    pub role: String,
    pub name: String,
    pub profile_image_url: String,
    pub bio: Option<String>,
    pub gender: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub timezone: Option<String>,
    pub status_emoji: Option<String>,
    pub status_message: Option<String>,
    pub status_expires_at: Option<i64>,
    pub info: Option<Value>,
    pub settings: Option<Value>,
    pub oauth: Option<Value>,
    pub last_active_at: i64,
    pub updated_at: i64,
    pub created_at: i64,
    pub profile_banner_image_url: Option<String>,
    pub presence_state: Option<String>,
    pub variables: Option<Value>,
    pub scim: Option<Value>,
}

/// How many columns [`USER_COLUMNS`] selects.
pub const USER_COLUMN_COUNT: usize = 23;

/// The columns [`UserRow::from_row`] reads, for `SELECT {USER_COLUMNS} FROM "user" u`.
pub const USER_COLUMNS: &str = "u.id, u.email, u.username, u.role, u.name, u.profile_image_url, u.bio, u.gender, \
     u.date_of_birth::text, u.timezone, u.status_emoji, u.status_message, u.status_expires_at, u.info, u.settings, \
     u.oauth, u.last_active_at, u.updated_at, u.created_at, u.profile_banner_image_url, u.presence_state, u.variables, \
     u.scim";

impl UserRow {
    /// Reads [`USER_COLUMNS`] starting at column `at`.
    pub fn from_row(row: &Row, at: usize) -> UserRow {
        let id: String = row.get(at);
        let image: Option<String> = row.get(at + 5);
        let profile_image_url = match image {
            Some(s) if !s.is_empty() => s,
            _ => format!("/api/v1/users/{id}/profile/image"),
        };
        UserRow {
            email: row.get::<_, Option<String>>(at + 1).unwrap_or_default(),
            username: row.get(at + 2),
            role: row.get::<_, Option<String>>(at + 3).unwrap_or_else(|| "pending".into()),
            name: row.get::<_, Option<String>>(at + 4).unwrap_or_default(),
            profile_image_url,
            bio: row.get(at + 6),
            gender: row.get(at + 7),
            date_of_birth: row.get(at + 8),
            timezone: row.get(at + 9),
            status_emoji: row.get(at + 10),
            status_message: row.get(at + 11),
            status_expires_at: row.get(at + 12),
            info: row.get::<_, Option<Value>>(at + 13).filter(|v| !v.is_null()),
            settings: row.get::<_, Option<Value>>(at + 14).filter(|v| !v.is_null()),
            oauth: row.get::<_, Option<Value>>(at + 15).filter(|v| !v.is_null()),
            last_active_at: row.get::<_, Option<i64>>(at + 16).unwrap_or(0),
            updated_at: row.get::<_, Option<i64>>(at + 17).unwrap_or(0),
            created_at: row.get::<_, Option<i64>>(at + 18).unwrap_or(0),
            profile_banner_image_url: row.get(at + 19),
            presence_state: row.get(at + 20),
            variables: row.get::<_, Option<Value>>(at + 21).filter(|v| !v.is_null()),
            scim: row.get::<_, Option<Value>>(at + 22).filter(|v| !v.is_null()),
            id,
        }
    }
}

pub async fn user_by_id(db: &impl GenericClient, id: &str) -> Result<Option<UserRow>, DbError> {
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE u.id = $1"#);
    Ok(db.query_opt(&sql, &[&id]).await?.map(|r| UserRow::from_row(&r, 0)))
}

/// Case-insensitive, like the reference (`lower(email) = lower(:email)`).
pub async fn user_by_email(db: &impl GenericClient, email: &str) -> Result<Option<UserRow>, DbError> {
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE lower(u.email) = lower($1) LIMIT 1"#);
    Ok(db.query_opt(&sql, &[&email]).await?.map(|r| UserRow::from_row(&r, 0)))
}

pub async fn user_by_api_key(db: &impl GenericClient, key: &str) -> Result<Option<UserRow>, DbError> {
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u JOIN api_key k ON k.user_id = u.id WHERE k.key = $1 LIMIT 1"#);
    Ok(db.query_opt(&sql, &[&key]).await?.map(|r| UserRow::from_row(&r, 0)))
}

pub async fn has_users(db: &impl GenericClient) -> Result<bool, DbError> {
    Ok(db.query_one(r#"SELECT EXISTS (SELECT 1 FROM "user")"#, &[]).await?.get(0))
}

pub async fn count_users(db: &impl GenericClient) -> Result<i64, DbError> {
    Ok(db.query_one(r#"SELECT count(*) FROM "user""#, &[]).await?.get(0))
}

/// The earliest user (admins win ties), as `Users.get_first_user`.
pub async fn first_user(db: &impl GenericClient) -> Result<Option<UserRow>, DbError> {
    let sql = format!(
        r#"SELECT {USER_COLUMNS} FROM "user" u ORDER BY u.created_at, CASE WHEN u.role = 'admin' THEN 0 ELSE 1 END, u.id LIMIT 1"#
    );
    Ok(db.query_opt(&sql, &[]).await?.map(|r| UserRow::from_row(&r, 0)))
}

pub async fn update_role(db: &impl GenericClient, id: &str, role: &str) -> Result<(), DbError> {
    db.execute(r#"UPDATE "user" SET role = $2 WHERE id = $1"#, &[&id, &role]).await?;
    Ok(())
}

pub async fn update_last_active(pool: &Pool, id: &str, now: i64) -> Result<(), DbError> {
    let client = pool.get().await?;
    client.execute(r#"UPDATE "user" SET last_active_at = $2 WHERE id = $1"#, &[&id, &now]).await?;
    Ok(())
}

/// `UpdateProfileForm` fields (the reference sets exactly these, `updated_at` untouched).
pub struct ProfileUpdate<'a> {
    pub profile_image_url: &'a str,
    pub name: &'a str,
    pub bio: Option<&'a str>,
    pub gender: Option<&'a str>,
    pub date_of_birth: Option<&'a str>,
}

pub async fn update_profile(db: &impl GenericClient, id: &str, p: &ProfileUpdate<'_>) -> Result<Option<UserRow>, DbError> {
    let sql = format!(
        r#"UPDATE "user" u SET profile_image_url = $2, name = $3, bio = $4, gender = $5, date_of_birth = $6::text::date
           WHERE u.id = $1 RETURNING {USER_COLUMNS}"#
    );
    Ok(db
        .query_opt(&sql, &[&id, &p.profile_image_url, &p.name, &p.bio, &p.gender, &p.date_of_birth])
        .await?
        .map(|r| UserRow::from_row(&r, 0)))
}

pub async fn update_timezone(db: &impl GenericClient, id: &str, timezone: &str) -> Result<(), DbError> {
    db.execute(r#"UPDATE "user" SET timezone = $2 WHERE id = $1"#, &[&id, &timezone]).await?;
    Ok(())
}

/// Replaces the whole `settings` value.
pub async fn set_settings(db: &impl GenericClient, id: &str, settings: &Value) -> Result<(), DbError> {
    db.execute(r#"UPDATE "user" SET settings = $2 WHERE id = $1"#, &[&id, settings]).await?;
    Ok(())
}

pub async fn api_key_by_user(db: &impl GenericClient, user_id: &str) -> Result<Option<String>, DbError> {
    Ok(db.query_opt("SELECT key FROM api_key WHERE user_id = $1 LIMIT 1", &[&user_id]).await?.map(|r| r.get(0)))
}

/// Replaces the user's key (`id` is `key_{user_id}`, as the reference names it).
pub async fn api_key_set(db: &mut deadpool_postgres::Object, user_id: &str, key: &str, now: i64) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    tx.execute("DELETE FROM api_key WHERE user_id = $1", &[&user_id]).await?;
    tx.execute(
        "INSERT INTO api_key (id, user_id, key, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        &[&format!("key_{user_id}"), &user_id, &key, &now],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn api_key_delete(db: &impl GenericClient, user_id: &str) -> Result<(), DbError> {
    db.execute("DELETE FROM api_key WHERE user_id = $1", &[&user_id]).await?;
    Ok(())
}

/// `Users.get_users` sort: `order_by` (`name`, `email`, `created_at`, `last_active_at`,
/// `updated_at`, `role`, `group_id:<id>`) and `direction` (`asc`, else descending).
pub struct UserListParams<'a> {
    pub query: Option<&'a str>,
    pub order_by: Option<&'a str>,
    pub direction: Option<&'a str>,
    pub skip: Option<i64>,
    pub limit: Option<i64>,
    /// Whether to read each user's group ids too (`GET /api/v1/users/`).
    pub group_ids: bool,
}

/// A page of users: the rows, the ids of each one's groups (when asked for), and how many users
/// the filter matches in all.
pub struct UserPage {
    pub rows: Vec<UserRow>,
    /// Per row, the groups it is a direct member of, newest first (as `full_groups_by_members`);
    /// empty lists unless `UserListParams::group_ids`.
    pub group_ids: Vec<Vec<String>>,
    pub total: i64,
}

/// `Users.get_users`: one statement. The total is a window over the filtered rows (computed before
/// OFFSET and LIMIT), the group ids an array per row; only a page past the end, which has no row to
/// carry the total, costs a second statement (the count).
/// Escapes nothing: SQLAlchemy's `ilike(f'%{q}%')` passes `%` and `_` through as wildcards.
pub async fn list_users(db: &impl GenericClient, p: &UserListParams<'_>) -> Result<UserPage, DbError> {
    let mut params: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = Vec::new();
    let filtered = p.query.is_some_and(|q| !q.is_empty());
    let mut filter = String::new();
    if let Some(q) = p.query.filter(|q| !q.is_empty()) {
        params.push(Box::new(format!("%{q}%")));
        filter.push_str(" WHERE (u.name ILIKE $1 OR u.email ILIKE $1)");
    }
    let filter_params = params.len();
    let asc = p.direction == Some("asc");
    let dir = if asc { "ASC" } else { "DESC" };
    let mut order = String::new();
    match p.order_by {
        Some(o) if o.starts_with("group_id:") => {
            params.push(Box::new(o["group_id:".len()..].to_string()));
            let n = params.len();
            order.push_str(&format!(
                " ORDER BY CASE WHEN EXISTS (SELECT 1 FROM group_member gm WHERE gm.user_id = u.id AND gm.group_id = ${n}) THEN 1 ELSE 0 END {dir}, u.name ASC"
            ));
        }
        Some(col @ ("name" | "email" | "created_at" | "last_active_at" | "updated_at" | "role")) => {
            order.push_str(&format!(" ORDER BY u.{col} {dir}"));
        }
        _ if !filtered => order.push_str(" ORDER BY u.created_at DESC"),
        _ => {}
    }
    let groups = if p.group_ids {
        r#", ARRAY(SELECT g.id FROM group_member m JOIN "group" g ON g.id = m.group_id WHERE m.user_id = u.id ORDER BY g.updated_at DESC, g.id)"#
    } else {
        ", '{}'::text[]"
    };
    let mut sql = format!(r#"SELECT {USER_COLUMNS}{groups}, count(*) OVER () FROM "user" u{filter}{order}"#);
    if let Some(skip) = p.skip {
        sql.push_str(&format!(" OFFSET {skip}"));
    }
    if let Some(limit) = p.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params.iter().map(|b| b.as_ref() as _).collect();
    let rows = db.query(&sql, &refs).await?;
    let total = match rows.first() {
        Some(r) => r.get::<_, i64>(r.len() - 1),
        None if p.skip.unwrap_or(0) == 0 => 0,
        None => db.query_one(&format!(r#"SELECT count(*) FROM "user" u{filter}"#), &refs[..filter_params]).await?.get(0),
    };
    let group_ids = rows.iter().map(|r| r.get::<_, Vec<String>>(r.len() - 2)).collect();
    Ok(UserPage { rows: rows.iter().map(|r| UserRow::from_row(r, 0)).collect(), group_ids, total })
}

/// `UPDATE "user" SET <column> = value` for the admin update (`role`, `name`, `email`,
/// `profile_image_url`); the email also goes to `auth`.
pub async fn update_fields(
    db: &mut deadpool_postgres::Object,
    id: &str,
    role: Option<&str>,
    name: Option<&str>,
    email: Option<&str>,
    profile_image_url: Option<&str>,
) -> Result<Option<UserRow>, DbError> {
    let tx = db.transaction().await?;
    if let Some(e) = email {
        tx.execute("UPDATE auth SET email = $2 WHERE id = $1", &[&id, &e]).await?;
    }
    let sql = format!(
        r#"UPDATE "user" u SET role = COALESCE($2, u.role), name = COALESCE($3, u.name), email = COALESCE($4, u.email),
           profile_image_url = COALESCE($5, u.profile_image_url) WHERE u.id = $1 RETURNING {USER_COLUMNS}"#
    );
    let row = tx.query_opt(&sql, &[&id, &role, &name, &email, &profile_image_url]).await?;
    tx.commit().await?;
    Ok(row.map(|r| UserRow::from_row(&r, 0)))
}

/// `Users.update_user_status_by_id`: only the non-null fields.
pub async fn update_status(
    db: &impl GenericClient,
    id: &str,
    emoji: Option<&str>,
    message: Option<&str>,
    expires_at: Option<i64>,
) -> Result<Option<UserRow>, DbError> {
    let sql = format!(
        r#"UPDATE "user" u SET status_emoji = COALESCE($2, u.status_emoji), status_message = COALESCE($3, u.status_message),
           status_expires_at = COALESCE($4, u.status_expires_at) WHERE u.id = $1 RETURNING {USER_COLUMNS}"#
    );
    Ok(db.query_opt(&sql, &[&id, &emoji, &message, &expires_at]).await?.map(|r| UserRow::from_row(&r, 0)))
}

/// Sets one JSON column (`info` or `variables`).
pub async fn set_json(db: &impl GenericClient, id: &str, column: &str, value: &Value) -> Result<Option<UserRow>, DbError> {
    assert!(matches!(column, "info" | "variables"));
    let sql = format!(r#"UPDATE "user" u SET {column} = $2 WHERE u.id = $1 RETURNING {USER_COLUMNS}"#);
    Ok(db.query_opt(&sql, &[&id, value]).await?.map(|r| UserRow::from_row(&r, 0)))
}

/// `Auths.delete_auth_by_id`: leaves every group, loses its chats (and their messages and
/// shares), then the `user` and `auth` rows go.
pub async fn delete_user(db: &mut deadpool_postgres::Object, id: &str, now: i64) -> Result<bool, DbError> {
    let tx = db.transaction().await?;
    tx.execute(
        r#"UPDATE "group" SET updated_at = $2 WHERE id IN (SELECT group_id FROM group_member WHERE user_id = $1)"#,
        &[&id, &now],
    )
    .await?;
    tx.execute("DELETE FROM group_member WHERE user_id = $1", &[&id]).await?;
    tx.execute("DELETE FROM shared_chat WHERE user_id = $1", &[&id]).await?;
    tx.execute("UPDATE automation_run SET chat_id = NULL WHERE chat_id IN (SELECT id FROM chat WHERE user_id = $1)", &[&id])
        .await?;
    tx.execute("DELETE FROM chat_message WHERE chat_id IN (SELECT id FROM chat WHERE user_id = $1)", &[&id]).await?;
    tx.execute("DELETE FROM chat WHERE user_id = $1", &[&id]).await?;
    tx.execute(r#"DELETE FROM "user" WHERE id = $1"#, &[&id]).await?;
    tx.execute("DELETE FROM auth WHERE id = $1", &[&id]).await?;
    tx.commit().await?;
    Ok(true)
}

/// `Auths.revoke_sessions_by_user_id`: a new session stamp, MFA challenges cleared.
pub async fn revoke_sessions(db: &impl GenericClient, id: &str) -> Result<bool, DbError> {
    let stamp = uuid::Uuid::new_v4().to_string();
    let rev = uuid::Uuid::new_v4().to_string();
    let n = db
        .execute(
            "UPDATE auth SET session_stamp = $2, mfa = CASE WHEN mfa IS NULL OR mfa::text = 'null' THEN mfa ELSE
               (mfa::jsonb || jsonb_build_object('login_challenge', NULL, 'manage_challenge', NULL, 'reset_ticket', NULL, 'revision', $3::text))::json END
             WHERE id = $1",
            &[&id, &stamp, &rev],
        )
        .await?;
    Ok(n == 1)
}

/// An admin-set password: new hash and new session stamp.
pub async fn set_password(db: &impl GenericClient, id: &str, hash: &str) -> Result<bool, DbError> {
    let stamp = uuid::Uuid::new_v4().to_string();
    Ok(db.execute("UPDATE auth SET password = $2, session_stamp = $3 WHERE id = $1", &[&id, &hash, &stamp]).await? == 1)
}

/// `Users.is_user_active`: seen in the last three minutes.
pub async fn is_active(db: &impl GenericClient, id: &str, now: i64) -> Result<bool, DbError> {
    let r = db.query_opt(r#"SELECT last_active_at FROM "user" WHERE id = $1"#, &[&id]).await?;
    let last: Option<i64> = r.and_then(|r| r.get(0));
    Ok(matches!(last, Some(t) if t != 0 && t >= now - 180))
}

/// `Users.get_active_user_count`: users seen in the last three minutes.
pub async fn active_user_count(db: &impl GenericClient, now: i64) -> Result<i64, DbError> {
    let r = db.query_one(r#"SELECT count(*) FROM "user" WHERE last_active_at >= $1"#, &[&(now - 180)]).await?;
    Ok(r.get(0))
}

/// One `oauth_session` row, its token still encrypted.
pub struct OauthSessionRow {
    pub id: String,
    pub user_id: String,
    pub provider: String,
    pub token: String,
    pub expires_at: Option<i64>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

/// `OAuthSessions.get_sessions_by_user_id`.
pub async fn oauth_sessions(db: &impl GenericClient, user_id: &str) -> Result<Vec<OauthSessionRow>, DbError> {
    let rows = db
        .query(
            "SELECT id, user_id, provider, token, expires_at, created_at, updated_at FROM oauth_session WHERE user_id = $1",
            &[&user_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| OauthSessionRow {
            id: r.get(0),
            user_id: r.get(1),
            provider: r.get(2),
            token: r.get(3),
            expires_at: r.get(4),
            created_at: r.get(5),
            updated_at: r.get(6),
        })
        .collect())
}

pub async fn delete_oauth_session(db: &impl GenericClient, id: &str) -> Result<(), DbError> {
    db.execute("DELETE FROM oauth_session WHERE id = $1", &[&id]).await?;
    Ok(())
}

/// The resources a user's preview lists (`GET /api/v1/users/{user_id}/preview`).
#[derive(Debug, Clone, Copy)]
pub enum Readable {
    Model,
    Knowledge,
    Tool,
}

impl Readable {
    /// The preview's key.
    pub fn key(self) -> &'static str {
        match self {
            Readable::Model => "models",
            Readable::Knowledge => "knowledge",
            Readable::Tool => "tools",
        }
    }
}

/// Of the resources of a kind (active models only; knowledge and tools newest first), the
/// `(id, name)` of those `user_id` owns or may read (granted to them, to everyone, or to one of
/// `group_ids`), and how many the kind has in all.
pub async fn readable_by(
    db: &impl GenericClient,
    kind: Readable,
    user_id: &str,
    group_ids: &[String],
) -> Result<(Vec<(String, Option<String>)>, usize), DbError> {
    let (table, active, order) = match kind {
        Readable::Model => ("model", "r.is_active", ""),
        Readable::Knowledge => ("knowledge", "true", " ORDER BY r.updated_at DESC"),
        Readable::Tool => ("tool", "true", " ORDER BY r.updated_at DESC"),
    };
    let sql = format!(
        "SELECT r.id, r.name, r.user_id = $1, EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = '{table}'
           AND a.resource_id = r.id AND a.permission = 'read' AND ((a.principal_type = 'user' AND a.principal_id IN ('*', $1))
           OR (a.principal_type = 'group' AND a.principal_id = ANY($2)))) FROM {table} r WHERE {active}{order}"
    );
    let rows = db.query(&sql, &[&user_id, &group_ids]).await?;
    let items = rows
        .iter()
        .filter(|r| r.get::<_, Option<bool>>(2).unwrap_or(false) || r.get::<_, bool>(3))
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    Ok((items, rows.len()))
}

/// Of `ids`, those of existing users (in no particular order).
pub async fn existing_ids(db: &impl GenericClient, ids: &[String]) -> Result<Vec<String>, DbError> {
    let rows = db.query(r#"SELECT id FROM "user" WHERE id = ANY($1)"#, &[&ids]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

// ---- SCIM (`routers/scim.py`) ----

/// The users SCIM sees: those with OAuth or SCIM data.
const SCIM_VISIBLE: &str = "(u.oauth::text <> 'null' OR u.scim::text <> 'null')";

/// The users of `ids` (in no particular order).
pub async fn users_by_ids(db: &impl GenericClient, ids: &[String]) -> Result<Vec<UserRow>, DbError> {
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE u.id = ANY($1)"#);
    Ok(db.query(&sql, &[&ids]).await?.iter().map(|r| UserRow::from_row(r, 0)).collect())
}

/// A SCIM-visible user by id.
pub async fn scim_user(db: &impl GenericClient, id: &str) -> Result<Option<UserRow>, DbError> {
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE u.id = $1 AND {SCIM_VISIBLE}"#);
    Ok(db.query_opt(&sql, &[&id]).await?.map(|r| UserRow::from_row(&r, 0)))
}

/// The SCIM-visible users with this email (any case).
pub async fn scim_users_by_email(db: &impl GenericClient, email: &str) -> Result<Vec<UserRow>, DbError> {
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE {SCIM_VISIBLE} AND lower(u.email) = lower($1)"#);
    Ok(db.query(&sql, &[&email]).await?.iter().map(|r| UserRow::from_row(r, 0)).collect())
}

/// A page of the SCIM-visible users, newest first, and how many there are.
pub async fn scim_users_page(db: &impl GenericClient, offset: i64, limit: i64) -> Result<(Vec<UserRow>, i64), DbError> {
    let total: i64 = db.query_one(&format!(r#"SELECT count(*) FROM "user" u WHERE {SCIM_VISIBLE}"#), &[]).await?.get(0);
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE {SCIM_VISIBLE} ORDER BY u.created_at DESC OFFSET {offset} LIMIT {limit}"#);
    Ok((db.query(&sql, &[]).await?.iter().map(|r| UserRow::from_row(r, 0)).collect(), total))
}

/// `find_user_by_external_id`: by the provider's SCIM external id, else by its OAuth `sub`.
pub async fn user_by_external_id(db: &impl GenericClient, provider: &str, ext: &str) -> Result<Option<UserRow>, DbError> {
    for col in ["scim -> $1 ->> 'external_id'", "oauth -> $1 ->> 'sub'"] {
        let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE u.{col} = $2 LIMIT 1"#);
        if let Some(r) = db.query_opt(&sql, &[&provider, &ext]).await? {
            return Ok(Some(UserRow::from_row(&r, 0)));
        }
    }
    Ok(None)
}

/// Sets the `scim` column (`None`: kept) and stamps `updated_at`.
pub async fn set_scim(db: &impl GenericClient, id: &str, scim: Option<&Value>, now: i64) -> Result<(), DbError> {
    db.execute(r#"UPDATE "user" SET scim = COALESCE($2, scim), updated_at = $3 WHERE id = $1"#, &[&id, &scim, &now]).await?;
    Ok(())
}

/// Some admin's id (the owner SCIM gives the groups it creates).
pub async fn an_admin_id(db: &impl GenericClient) -> Result<Option<String>, DbError> {
    Ok(db.query_opt(r#"SELECT id FROM "user" WHERE role = 'admin' LIMIT 1"#, &[]).await?.map(|r| r.get(0)))
}
