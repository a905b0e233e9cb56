-- Ours, not the reference's: a schema of its own (`owui_rs`), so that the reference's schema
-- (`public`, compared with reference-schema.sql) stays exactly as it is.
--
-- Session tokens ended by sign-out, by their `jti` claim, on every instance: the reference
-- keeps them in Redis (`{prefix}:auth:token:{jti}:revoked`, until the token expires). Rows
-- past `expires_at` are pruned as new ones are written; `expires_at` NULL is a token that
-- never expires (JWT_EXPIRES_IN=-1), kept until its account's session stamp changes.
--
-- Idempotent: the server also runs it on a database the reference created (no refinery).
CREATE SCHEMA IF NOT EXISTS owui_rs;

CREATE TABLE IF NOT EXISTS owui_rs.revoked_token (
    jti text PRIMARY KEY,
    user_id text NOT NULL,
    expires_at bigint
);

CREATE INDEX IF NOT EXISTS revoked_token_expires_at ON owui_rs.revoked_token (expires_at);
