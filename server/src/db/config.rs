//! The reference's per-key settings store: table `config` (`key` text PK, `value` json), read
//! whole into [`crate::settings`]' snapshot, and the `LISTEN` connection that says when to
//! read it again.

use std::collections::HashMap;

use futures::StreamExt;
use serde_json::Value;
use tokio_postgres::{AsyncMessage, GenericClient, NoTls};

use super::DbError;

/// Every row of `config`.
pub async fn config_all(db: &impl GenericClient) -> Result<HashMap<String, Value>, DbError> {
    let rows = db.query("SELECT key, value FROM config", &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Every row of `config` in the table's own order (no `ORDER BY`, as the reference's
/// `Config.get_all`).
pub async fn config_rows(db: &impl GenericClient) -> Result<Vec<(String, Value)>, DbError> {
    let rows = db.query("SELECT key, value FROM config", &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The rows whose key is `LIKE '{namespace}.%'` (the namespace's own `%` and `_` are patterns, as
/// in the reference's `Config.get_namespace`).
pub async fn config_namespace(db: &impl GenericClient, namespace: &str) -> Result<Vec<(String, Value)>, DbError> {
    let rows = db.query("SELECT key, value FROM config WHERE key LIKE $1", &[&format!("{namespace}.%")]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// `Config.upsert` of `updates`, stamping `updated_at`, and a `NOTIFY` on `channel`
/// ([`crate::settings::CHANNEL`]) delivered to the listening instances when the transaction commits.
pub async fn config_upsert(db: &mut deadpool_postgres::Object, updates: &[(&str, Value)], now: i64) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    for (key, value) in updates {
        tx.execute(
            "INSERT INTO config (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
            &[key, value, &now],
        )
        .await?;
    }
    tx.execute("SELECT pg_notify($1, '')", &[&crate::settings::CHANNEL]).await?;
    tx.commit().await?;
    Ok(())
}

/// A dedicated connection (not from the pool) listening on one channel.
pub struct Listener {
    /// Dropping the client ends the connection (and the task reading it).
    _client: tokio_postgres::Client,
    notifications: tokio::sync::mpsc::Receiver<()>,
}

impl Listener {
    /// Waits for the next notification; `None` once the connection has ended.
    pub async fn recv(&mut self) -> Option<()> {
        self.notifications.recv().await
    }
}

/// Opens a [`Listener`] on `channel` (an identifier).
pub async fn listen(pg: &tokio_postgres::Config, channel: &str) -> Result<Listener, DbError> {
    let (client, mut connection) = pg.connect(NoTls).await.map_err(|e| DbError::Connect(e.to_string()))?;
    let (tx, notifications) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notification(_) = message {
                // A full queue already holds a pending reload.
                let _ = tx.try_send(());
            }
        }
    });
    client.batch_execute(&format!("LISTEN \"{channel}\"")).await?;
    Ok(Listener { _client: client, notifications })
}

/// `SELECT 1` on a pooled connection: whether the database answers (`/health/db`, `/ready`).
pub async fn ping(pool: &deadpool_postgres::Pool) -> Result<(), DbError> {
    let client = pool.get().await?;
    client.simple_query("SELECT 1").await?;
    Ok(())
}
