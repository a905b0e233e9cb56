//! Table `user` (and `api_key`): the reference's `Users` data access, for what auth needs.

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
}

/// The columns [`UserRow::from_row`] reads, for `SELECT {USER_COLUMNS} FROM "user" u`.
pub const USER_COLUMNS: &str = "u.id, u.email, u.username, u.role, u.name, u.profile_image_url, u.bio, u.gender, \
     u.date_of_birth::text, u.timezone, u.status_emoji, u.status_message, u.status_expires_at, u.info, u.settings, \
     u.oauth, u.last_active_at, u.updated_at, u.created_at";

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
