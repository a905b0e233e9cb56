//! Table `memory` (`models/memories.py`): a user's memories.

use serde_json::Value;
use tokio_postgres::GenericClient;
use webui_api::memories::MemoryModel;

use super::DbError;

/// `Memories.get_memories_by_user_id`: in the table's order, as the reference reads them (no
/// `ORDER BY`).
pub async fn by_user(db: &impl GenericClient, user_id: &str) -> Result<Vec<MemoryModel>, DbError> {
    let rows = db
        .query(
            "SELECT id, user_id, type, path, content, meta, updated_at, created_at FROM memory WHERE user_id = $1",
            &[&user_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| MemoryModel {
            id: r.get(0),
            user_id: r.get::<_, Option<String>>(1).unwrap_or_default(),
            type_: r.get(2),
            path: r.get(3),
            content: r.get::<_, Option<String>>(4).unwrap_or_default(),
            meta: r.get::<_, Option<Value>>(5).and_then(|v| v.as_object().cloned()),
            updated_at: r.get::<_, Option<i64>>(6).unwrap_or(0),
            created_at: r.get::<_, Option<i64>>(7).unwrap_or(0),
        })
        .collect())
}
