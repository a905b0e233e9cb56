//! Table `owui_rs.revoked_token` (ours, in our own schema; `migrations/V2__owui_rs_revoked_tokens.sql`):
//! the `jti` of every session token ended by sign-out, until it expires. Checked inside the
//! statement that loads a session ([`super::auths::session_by_id`]), so it costs no statement.

use deadpool_postgres::Pool;

use super::DbError;

/// `invalidate_token`'s Redis `SET …:revoked EX ttl`: records `jti` as revoked until
/// `expires_at` (`None`: for good), pruning rows already expired, in one statement.
pub async fn revoke(pool: &Pool, jti: &str, user_id: &str, expires_at: Option<i64>, now: i64) -> Result<(), DbError> {
    pool.get().await?.execute(
        "WITH pruned AS (DELETE FROM owui_rs.revoked_token WHERE expires_at <= $4)
         INSERT INTO owui_rs.revoked_token (jti, user_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING",
        &[&jti, &user_id, &expires_at, &now],
    )
    .await?;
    Ok(())
}
