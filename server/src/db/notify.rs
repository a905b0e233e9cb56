//! `LISTEN`/`NOTIFY` with payloads: how instances sharing one database tell each other what to
//! send to their sockets (`crate::socket::bus`). Nothing is stored: a notification reaches the
//! instances listening at the time, in the order the one sending connection committed them.

use futures::StreamExt;
use tokio_postgres::{AsyncMessage, NoTls};

use super::DbError;

/// The largest payload PostgreSQL takes (`NOTIFY` refuses 8000 bytes and more).
pub const MAX_PAYLOAD: usize = 7999;

/// A dedicated connection listening on one channel, with each notification's payload.
pub struct PayloadListener {
    /// Dropping the client ends the connection (and the task reading it).
    _client: tokio_postgres::Client,
    payloads: tokio::sync::mpsc::Receiver<String>,
}

impl PayloadListener {
    /// The next payload; `None` once the connection has ended.
    pub async fn recv(&mut self) -> Option<String> {
        self.payloads.recv().await
    }
}

/// Opens a [`PayloadListener`] on `channel` (an identifier). Payloads queue up to `depth`; past
/// that the connection's reader waits (PostgreSQL keeps them meanwhile).
pub async fn listen(pg: &tokio_postgres::Config, channel: &str, depth: usize) -> Result<PayloadListener, DbError> {
    let (client, mut connection) = pg.connect(NoTls).await.map_err(|e| DbError::Connect(e.to_string()))?;
    let (tx, payloads) = tokio::sync::mpsc::channel(depth.max(1));
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notification(n) = message {
                if tx.send(n.payload().to_owned()).await.is_err() {
                    return;
                }
            }
        }
    });
    client.batch_execute(&format!("LISTEN \"{channel}\"")).await?;
    Ok(PayloadListener { _client: client, payloads })
}

/// A dedicated connection that sends notifications, one after another, so that listeners get
/// them in the order they were sent (notifications from different connections have no order).
pub struct Notifier {
    client: tokio_postgres::Client,
}

impl Notifier {
    pub async fn connect(pg: &tokio_postgres::Config) -> Result<Notifier, DbError> {
        let (client, connection) = pg.connect(NoTls).await.map_err(|e| DbError::Connect(e.to_string()))?;
        tokio::spawn(connection);
        Ok(Notifier { client })
    }

    /// Sends `payloads` on `channel` in one transaction (delivered together, in order, when it
    /// commits). Each payload must be at most [`MAX_PAYLOAD`] bytes.
    pub async fn send(&mut self, channel: &str, payloads: &[String]) -> Result<(), DbError> {
        let tx = self.client.transaction().await?;
        for p in payloads {
            tx.execute("SELECT pg_notify($1, $2)", &[&channel, p]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}
