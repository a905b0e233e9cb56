//! Table `auth` (credentials) with its `user` row: the reference's `Auths` data access.

use deadpool_postgres::Pool;
use serde_json::Value;

use super::users::{UserRow, USER_COLUMNS};
use super::DbError;

/// A lock id for `pg_advisory_xact_lock`: sign-ups that may create the first (admin) user run one
/// at a time, so exactly one of concurrent first sign-ups becomes admin.
const FIRST_USER_LOCK: i64 = 0x6f77_7569_5f61_646d; // "owui_adm"

/// One `auth` row.
#[derive(Debug, Clone)]
pub struct AuthRow {
    pub id: String,
    pub email: Option<String>,
    pub password: Option<String>,
    pub active: bool,
    pub mfa: Option<Value>,
    pub session_stamp: Option<String>,
}

const AUTH_COLUMNS: &str = "a.id, a.email, a.password, a.active, a.mfa, a.session_stamp";

fn auth_from_row(row: &tokio_postgres::Row, at: usize) -> AuthRow {
    AuthRow {
        id: row.get(at),
        email: row.get(at + 1),
        password: row.get(at + 2),
        // `active` is nullable in the schema; the reference's model defaults it to true only
        // when absent from the model, a NULL column reads as inactive there (falsy).
        active: row.get::<_, Option<bool>>(at + 3).unwrap_or(false),
        mfa: row.get::<_, Option<Value>>(at + 4).filter(|v| !v.is_null()),
        session_stamp: row.get(at + 5),
    }
}

pub async fn auth_by_id(pool: &Pool, id: &str) -> Result<Option<AuthRow>, DbError> {
    let db = pool.get().await?;
    let sql = format!("SELECT {AUTH_COLUMNS} FROM auth a WHERE a.id = $1");
    Ok(db.query_opt(&sql, &[&id]).await?.map(|r| auth_from_row(&r, 0)))
}

/// The `permissions` of every group of the user `a.id`, inherited ones included, in
/// [`super::groups::groups_by_member`]'s order, as one JSON array: a scalar subquery, so that
/// loading a session or a sign-in's account also loads what its permissions need.
const GROUP_PERMISSIONS: &str = r#"(WITH RECURSIVE m(group_id) AS (
        SELECT group_id FROM group_member WHERE user_id = a.id
        UNION
        SELECT g.parent_group_id FROM m JOIN "group" g ON g.id = m.group_id WHERE g.parent_group_id IS NOT NULL
    )
    SELECT coalesce(json_agg(g.permissions ORDER BY g.updated_at DESC, g.id), '[]'::json) FROM m JOIN "group" g ON g.id = m.group_id)"#;

#[cfg(test)]
#[test]
fn user_column_count() {
    assert_eq!(USER_COLUMNS.split(',').count(), super::users::USER_COLUMN_COUNT);
}

fn group_permissions(row: &tokio_postgres::Row, at: usize) -> Vec<Value> {
    match row.get::<_, Value>(at) {
        Value::Array(a) => a.into_iter().filter(|p| !p.is_null()).collect(),
        _ => vec![],
    }
}

/// An account as one statement reads it: the credential (`a`), the user (`u`), either of which
/// may be missing, and the user's groups' permissions. Callers add `FROM … a … u … WHERE`
/// (after more columns, if any).
fn account_sql(from_where: &str) -> String {
    format!(r#"SELECT {AUTH_COLUMNS}, a.id IS NOT NULL, u.id IS NOT NULL, {USER_COLUMNS}, {GROUP_PERMISSIONS} {from_where}"#)
}

/// What [`account_sql`] selected: credential, user, groups' permissions.
fn account_from_row(r: &tokio_postgres::Row) -> (Option<AuthRow>, Option<UserRow>, Vec<Value>) {
    let (has_auth, has_user): (bool, bool) = (r.get(6), r.get(7));
    (has_auth.then(|| auth_from_row(r, 0)), has_user.then(|| UserRow::from_row(r, 8)), group_permissions(r, 8 + super::users::USER_COLUMN_COUNT))
}

/// What one statement loads for a session token: the credential, its user (which may be gone),
/// the user's groups' permissions, and whether the token was signed out.
#[derive(Debug, Clone)]
pub struct SessionRows {
    pub auth: AuthRow,
    pub user: Option<UserRow>,
    pub group_permissions: Vec<Value>,
    /// The token's `jti` is in `owui_rs.revoked_token` ([`super::revoked`]).
    pub revoked: bool,
}

/// [`SessionRows`] of the account `id` for the token `jti`, in one statement (the revocation
/// check is a subquery of it). Every authenticated request runs it, so it is prepared once per
/// connection (the pool's statement cache): one round trip instead of three (parse, execute, close).
pub async fn session_by_id(pool: &Pool, id: &str, jti: Option<&str>) -> Result<Option<SessionRows>, DbError> {
    let db = pool.get().await?;
    let sql = account_sql(
        r#", EXISTS (SELECT 1 FROM owui_rs.revoked_token r WHERE r.jti = $2)
           FROM auth a LEFT JOIN "user" u ON u.id = a.id WHERE a.id = $1"#,
    );
    let statement = db.prepare_cached(&sql).await?;
    Ok(db.query_opt(&statement, &[&id, &jti]).await?.and_then(|r| {
        let (auth, user, group_permissions) = account_from_row(&r);
        let revoked = r.get(9 + super::users::USER_COLUMN_COUNT);
        Some(SessionRows { auth: auth?, user, group_permissions, revoked })
    }))
}

/// What one statement loads for a sign-in by email: the user, its credential (if any) and its
/// groups' permissions.
#[derive(Debug, Clone)]
pub struct SigninRows {
    pub user: UserRow,
    pub auth: Option<AuthRow>,
    pub group_permissions: Vec<Value>,
}

/// [`SigninRows`] of the user with that email (case-insensitive, as `Users.get_user_by_email`),
/// in one statement.
pub async fn signin_by_email(pool: &Pool, email: &str) -> Result<Option<SigninRows>, DbError> {
    let db = pool.get().await?;
    let sql = account_sql(r#"FROM "user" u LEFT JOIN auth a ON a.id = u.id WHERE lower(u.email) = lower($1) LIMIT 1"#);
    Ok(db.query_opt(&sql, &[&email]).await?.and_then(|r| {
        let (auth, user, group_permissions) = account_from_row(&r);
        Some(SigninRows { user: user?, auth, group_permissions })
    }))
}

/// What a new account gets.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub name: &'a str,
    pub profile_image_url: &'a str,
    pub role: &'a str,
}

/// Inserts the `auth` and `user` rows of a new account in one transaction. With
/// `first_user_becomes_admin`, the insert runs under a transaction-scoped advisory lock and, when
/// the new user is then the only one, promotes it to admin and stores `ui.enable_signup = false`
/// (the reference's "insert first, then count" order, made race-free).
pub async fn insert_account(
    db: &mut deadpool_postgres::Object,
    new: &NewAccount<'_>,
    first_user_becomes_admin: bool,
    now: i64,
) -> Result<UserRow, DbError> {
    insert_account_with(db, new, first_user_becomes_admin, first_user_becomes_admin, now).await
}

/// [`insert_account`], choosing separately whether a first user closes sign-up (the reference's
/// LDAP sign-in promotes the first user without touching `ui.enable_signup`).
pub async fn insert_account_with(
    db: &mut deadpool_postgres::Object,
    new: &NewAccount<'_>,
    first_user_becomes_admin: bool,
    first_user_closes_signup: bool,
    now: i64,
) -> Result<UserRow, DbError> {
    let tx = db.transaction().await?;
    if first_user_becomes_admin {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&FIRST_USER_LOCK]).await?;
    }
    let id = uuid::Uuid::new_v4().to_string();
    let stamp = uuid::Uuid::new_v4().to_string();
    tx.execute(
        "INSERT INTO auth (id, email, password, active, session_stamp) VALUES ($1, $2, $3, true, $4)",
        &[&id, &new.email, &new.password_hash, &stamp],
    )
    .await?;
    tx.execute(
        r#"INSERT INTO "user" (id, email, name, role, profile_image_url, last_active_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6, $6)"#,
        &[&id, &new.email, &new.name, &new.role, &new.profile_image_url, &now],
    )
    .await?;
    if first_user_becomes_admin {
        let count: i64 = tx.query_one(r#"SELECT count(*) FROM "user""#, &[]).await?.get(0);
        if count == 1 {
            tx.execute(r#"UPDATE "user" SET role = 'admin' WHERE id = $1"#, &[&id]).await?;
        }
        if count == 1 && first_user_closes_signup {
            tx.execute(
                "INSERT INTO config (key, value, updated_at) VALUES ('ui.enable_signup', 'false'::json, $1)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
                &[&now],
            )
            .await?;
            // The other instances reload their settings (`crate::settings`).
            tx.execute("SELECT pg_notify($1, '')", &[&crate::settings::CHANNEL]).await?;
        }
    }
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u WHERE u.id = $1"#);
    let user = UserRow::from_row(&tx.query_one(&sql, &[&id]).await?, 0);
    tx.commit().await?;
    Ok(user)
}

/// Sets a new password hash and a new session stamp (which ends every existing session), if the
/// credential is still the one the caller verified (same hash and stamp). `false` when it changed.
pub async fn update_password(
    pool: &Pool,
    current: &AuthRow,
    new_hash: &str,
) -> Result<bool, DbError> {
    let db = pool.get().await?;
    let stamp = uuid::Uuid::new_v4().to_string();
    let n = db
        .execute(
            "UPDATE auth SET password = $2, session_stamp = $3
             WHERE id = $1 AND active IS TRUE AND password IS NOT DISTINCT FROM $4 AND session_stamp IS NOT DISTINCT FROM $5",
            &[&current.id, &new_hash, &stamp, &current.password, &current.session_stamp],
        )
        .await?;
    Ok(n == 1)
}

/// Whether an account uses `email` (case-insensitively).
pub async fn is_email_taken(pool: &Pool, email: &str) -> Result<bool, DbError> {
    let db = pool.get().await?;
    Ok(db.query_one(r#"SELECT EXISTS (SELECT 1 FROM "user" WHERE lower(email) = lower($1))"#, &[&email]).await?.get(0))
}

/// `Auths.update_mfa_by_id`: compare-and-swap of the whole MFA state. The row must still be
/// active with the same password, session stamp and MFA revision (`None`: no revision yet);
/// `new_stamp` replaces the session stamp. False when another request changed the row first.
pub async fn update_mfa(
    pool: &Pool,
    seen: &AuthRow,
    expected_revision: Option<&str>,
    mfa_json: &str,
    new_stamp: Option<&str>,
) -> Result<bool, DbError> {
    let db = pool.get().await?;
    let n = db
        .execute(
            "UPDATE auth SET mfa = $2::text::json, session_stamp = $3
             WHERE id = $1 AND active IS TRUE AND password = $4 AND session_stamp = $5
               AND CASE WHEN $6::text IS NULL THEN (mfa->>'revision') IS NULL ELSE (mfa->>'revision') = $6 END",
            &[&seen.id, &mfa_json, &new_stamp, &seen.password, &seen.session_stamp, &expected_revision],
        )
        .await?;
    Ok(n == 1)
}

/// Every credential id.
pub async fn all_ids(pool: &Pool) -> Result<Vec<String>, DbError> {
    let db = pool.get().await?;
    Ok(db.query("SELECT id FROM auth", &[]).await?.iter().map(|r| r.get(0)).collect())
}

/// Every stored MFA state (`auth.mfa`, as text), for the start-up check that the key opens
/// every stored secret.
pub async fn mfa_states(pool: &Pool) -> Result<Vec<String>, DbError> {
    let db = pool.get().await?;
    Ok(db.query("SELECT mfa::text FROM auth WHERE mfa IS NOT NULL", &[]).await?.iter().map(|r| r.get(0)).collect())
}

/// Table `oauth_session`: deletes the user's sessions with `provider`; how many there were.
pub async fn oauth_sessions_delete(pool: &Pool, user_id: &str, provider: &str) -> Result<u64, DbError> {
    let db = pool.get().await?;
    Ok(db.execute("DELETE FROM oauth_session WHERE user_id = $1 AND provider = $2", &[&user_id, &provider]).await?)
}
