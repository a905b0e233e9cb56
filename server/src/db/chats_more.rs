//! The SQL of the later chat routes (`app::chats::stats`, `app::chats::more`): a page of a
//! user's chats with the count of the filtered set (`Chats.get_chats_by_user_id` with its
//! filter), a share's body set (`SharedChats.set_share_mode`).

use serde_json::{Map, Value};
use tokio_postgres::GenericClient;

use super::chats::{ChatRow, CHAT_COLUMNS, NOT_INTERNAL};
use super::DbError;

/// `get_chats_by_user_id(user_id, filter, skip, limit)`: the user's chats (not internal), updated
/// after `updated_after` when given, by `updated_at` (ascending or not) then id; and how many
/// there are in all. `skip`/`limit` must not be negative (the caller checks).
pub async fn user_chats_page(
    db: &impl GenericClient,
    user_id: &str,
    updated_after: Option<i64>,
    ascending: bool,
    skip: i64,
    limit: i64,
) -> Result<(Vec<ChatRow>, i64), DbError> {
    let after = updated_after;
    let filter = format!("c.user_id = $1 AND {NOT_INTERNAL} AND ($2::bigint IS NULL OR c.updated_at > $2)");
    let total: i64 = db.query_one(&format!("SELECT count(*) FROM chat c WHERE {filter}"), &[&user_id, &after]).await?.get(0);
    let direction = if ascending { "ASC" } else { "DESC" };
    let sql = format!("SELECT {CHAT_COLUMNS} FROM chat c WHERE {filter} ORDER BY c.updated_at {direction}, c.id OFFSET $3 LIMIT $4");
    let rows = db.query(&sql, &[&user_id, &after, &skip, &limit]).await?;
    Ok((rows.iter().map(ChatRow::from_row).collect(), total))
}

/// `SharedChats.set_share_mode`'s write: the share's title and body (its `updated_at` kept).
pub async fn shared_set_body(db: &impl GenericClient, share_id: &str, title: &str, chat: &Value) -> Result<(), DbError> {
    db.execute("UPDATE shared_chat SET title = $2, chat = $3 WHERE id = $1", &[&share_id, &title, chat]).await?;
    Ok(())
}

/// `ChatMessages.get_messages_map_by_chat_id`: the chat's `chat_message` rows as history
/// messages (`id`, then the model's columns in its order under their JSON names, nulls left
/// out, `content` at least `''`, `info.usage` mirrored, `childrenIds` rebuilt from `parentId`);
/// `None` without rows.
pub async fn messages_map(db: &impl GenericClient, chat_id: &str) -> Result<Option<Map<String, Value>>, DbError> {
    let rows = db
        .query(
            "SELECT id, user_id, role, parent_id, content, output, model_id, files, sources, embeds, meta, done, \
             status_history, error, usage, context_summary, created_at FROM chat_message WHERE chat_id = $1 ORDER BY created_at, id",
            &[&chat_id],
        )
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let prefix = format!("{chat_id}-");
    let mut map = Map::new();
    for r in &rows {
        let full: String = r.get(0);
        let id = full.strip_prefix(&prefix).unwrap_or(&full).to_string();
        let mut m = Map::new();
        m.insert("id".into(), Value::String(id.clone()));
        let text = |i: usize| r.get::<_, Option<String>>(i).map(Value::String);
        let json = |i: usize| r.get::<_, Option<Value>>(i);
        let fields: [(&str, Option<Value>); 16] = [
            ("user_id", text(1)),
            ("role", text(2)),
            ("parentId", text(3)),
            ("content", json(4)),
            ("output", json(5)),
            ("model", text(6)),
            ("files", json(7)),
            ("sources", json(8)),
            ("embeds", json(9)),
            ("meta", json(10)),
            ("done", r.get::<_, Option<bool>>(11).map(Value::Bool)),
            ("statusHistory", json(12)),
            ("error", json(13)),
            ("usage", json(14)),
            ("contextSummary", text(15)),
            ("timestamp", r.get::<_, Option<i64>>(16).map(Value::from)),
        ];
        for (k, v) in fields {
            // A JSON `null` stored in a json column reads as SQL NULL for SQLAlchemy too.
            if let Some(v) = v.filter(|v| !v.is_null()) {
                m.insert(k.into(), v);
            }
        }
        if !m.contains_key("content") {
            m.insert("content".into(), Value::String(String::new()));
        }
        if let Some(u) = m.get("usage").cloned() {
            let mut info = Map::new();
            info.insert("usage".into(), u);
            m.insert("info".into(), Value::Object(info));
        }
        map.insert(id, Value::Object(m));
    }
    let links: Vec<(String, String)> = map
        .iter()
        .filter_map(|(id, m)| m.get("parentId").and_then(Value::as_str).filter(|p| !p.is_empty()).map(|p| (id.clone(), p.to_string())))
        .collect();
    for (id, parent) in links {
        if let Some(Value::Object(p)) = map.get_mut(&parent) {
            match p.get_mut("childrenIds") {
                Some(Value::Array(c)) => {
                    if !c.iter().any(|v| v.as_str() == Some(id.as_str())) {
                        c.push(Value::String(id));
                    }
                }
                _ => {
                    p.insert("childrenIds".into(), Value::Array(vec![Value::String(id)]));
                }
            }
        }
    }
    for m in map.values_mut().filter_map(Value::as_object_mut) {
        if !m.contains_key("childrenIds") {
            m.insert("childrenIds".into(), Value::Array(Vec::new()));
        }
    }
    Ok(Some(map))
}
