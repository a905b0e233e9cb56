//! Table `feedback` (`models/feedbacks.py`): the answers' ratings.

use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::GenericClient;

use super::DbError;

/// A row of `feedback`, with its author's `(id, name, email, role, last_active_at, updated_at,
/// created_at)` when read with it.
#[derive(Debug, Clone)]
pub struct FeedbackRow {
    pub id: String,
    pub user_id: Option<String>,
    pub version: Option<i64>,
    pub type_: Option<String>,
    pub data: Value,
    pub meta: Value,
    pub snapshot: Value,
    pub created_at: i64,
    pub updated_at: i64,
    pub author: Option<Author>,
}

/// The author columns of the lists (`UserResponse`).
#[derive(Debug, Clone)]
pub struct Author {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub last_active_at: i64,
    pub updated_at: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "f.id, f.user_id, f.version, f.type, f.data, f.meta, f.snapshot, f.created_at, f.updated_at";
const NO_AUTHOR: &str = "NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::bigint, NULL::bigint";
const AUTHOR: &str = "u.id, u.name, u.email, u.role, u.last_active_at, u.updated_at, u.created_at";

fn row(r: &tokio_postgres::Row) -> FeedbackRow {
    FeedbackRow {
        id: r.get(0),
        user_id: r.get(1),
        version: r.get(2),
        type_: r.get(3),
        data: r.get::<_, Option<Value>>(4).unwrap_or(Value::Null),
        meta: r.get::<_, Option<Value>>(5).unwrap_or(Value::Null),
        snapshot: r.get::<_, Option<Value>>(6).unwrap_or(Value::Null),
        created_at: r.get(7),
        updated_at: r.get(8),
        author: r.get::<_, Option<String>>(9).map(|id| Author {
            id,
            name: r.get::<_, Option<String>>(10).unwrap_or_default(),
            email: r.get::<_, Option<String>>(11).unwrap_or_default(),
            role: r.get::<_, Option<String>>(12).unwrap_or_default(),
            last_active_at: r.get::<_, Option<i64>>(13).unwrap_or_default(),
            updated_at: r.get::<_, Option<i64>>(14).unwrap_or_default(),
            created_at: r.get::<_, Option<i64>>(15).unwrap_or_default(),
        }),
    }
}

/// `Feedbacks.insert_new_feedback`.
pub async fn insert(db: &impl GenericClient, f: &FeedbackRow) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO feedback (id, user_id, version, type, data, meta, snapshot, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[&f.id, &f.user_id, &f.version, &f.type_, &f.data, &f.meta, &f.snapshot, &f.created_at, &f.updated_at],
    )
    .await?;
    Ok(())
}

/// `Feedbacks.get_feedback_by_id` (`user_id`: `get_feedback_by_id_and_user_id`).
pub async fn by_id(db: &impl GenericClient, id: &str, user_id: Option<&str>) -> Result<Option<FeedbackRow>, DbError> {
    let r = db
        .query_opt(&format!("SELECT {COLUMNS}, {NO_AUTHOR} FROM feedback f WHERE f.id = $1 AND ($2::text IS NULL OR f.user_id = $2) LIMIT 1"), &[&id, &user_id])
        .await?;
    Ok(r.as_ref().map(row))
}

/// `update_feedback_by_id(_and_user_id)`: the fields given and the time; the row after.
pub async fn update(
    db: &impl GenericClient,
    id: &str,
    user_id: Option<&str>,
    data: Option<&Value>,
    meta: Option<&Value>,
    snapshot: Option<&Value>,
    now_s: i64,
) -> Result<Option<FeedbackRow>, DbError> {
    let r = db
        .query_opt(
            &format!(
                "UPDATE feedback f SET data = CASE WHEN $3 THEN $4::json ELSE f.data END, meta = CASE WHEN $5 THEN $6::json ELSE f.meta END,
                   snapshot = CASE WHEN $7 THEN $8::json ELSE f.snapshot END, updated_at = $9
                 WHERE f.id = $1 AND ($2::text IS NULL OR f.user_id = $2) RETURNING {COLUMNS}, {NO_AUTHOR}"
            ),
            &[&id, &user_id, &data.is_some(), &data, &meta.is_some(), &meta, &snapshot.is_some(), &snapshot, &now_s],
        )
        .await?;
    Ok(r.as_ref().map(row))
}

/// `delete_feedback_by_id(_and_user_id)`: whether it was there.
pub async fn delete(db: &impl GenericClient, id: &str, user_id: Option<&str>) -> Result<bool, DbError> {
    Ok(db.execute("DELETE FROM feedback WHERE id = $1 AND ($2::text IS NULL OR user_id = $2)", &[&id, &user_id]).await? > 0)
}

/// `delete_feedbacks_by_user_id` (`None`: `delete_all_feedbacks`): whether a row went.
pub async fn delete_many(db: &impl GenericClient, user_id: Option<&str>) -> Result<bool, DbError> {
    Ok(match user_id {
        Some(u) => db.execute("DELETE FROM feedback WHERE user_id = $1", &[&u]).await?,
        None => db.execute("DELETE FROM feedback", &[]).await?,
    } > 0)
}

/// `get_all_feedbacks`: newest change first.
pub async fn all(db: &impl GenericClient) -> Result<Vec<FeedbackRow>, DbError> {
    Ok(db.query(&format!("SELECT {COLUMNS}, {NO_AUTHOR} FROM feedback f ORDER BY f.updated_at DESC"), &[]).await?.iter().map(row).collect())
}

/// `get_all_feedback_ids`: `(id, user_id, created_at, updated_at)`, newest change first.
pub async fn ids(db: &impl GenericClient) -> Result<Vec<(Option<String>, Option<String>, i64, i64)>, DbError> {
    let rows = db.query("SELECT id, user_id, created_at, updated_at FROM feedback ORDER BY updated_at DESC", &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
}

/// `get_distinct_model_ids` before its sort: the distinct `data.model_id` strings.
pub async fn model_ids(db: &impl GenericClient) -> Result<Vec<String>, DbError> {
    let rows = db.query("SELECT DISTINCT data ->> 'model_id' FROM feedback WHERE data ->> 'model_id' IS NOT NULL", &[]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The lists' filter: `get_feedbacks_by_user_id` (`user_id`) or `get_feedback_items`
/// (`model_id` and an ORDER BY, or none).
pub struct ListFilter<'a> {
    pub user_id: Option<&'a str>,
    pub model_id: Option<&'a str>,
    /// The ORDER BY clause, built by the caller from fixed text.
    pub order: Option<&'static str>,
}

/// A page of feedback joined with the authors (feedback without an author is left out), and
/// the total.
pub async fn list(db: &impl GenericClient, f: &ListFilter<'_>, skip: i64, limit: i64) -> Result<(Vec<FeedbackRow>, i64), DbError> {
    let filter = " WHERE ($1::text IS NULL OR f.user_id = $1) AND ($2::text IS NULL OR f.data ->> 'model_id' = $2)";
    let refs: [&(dyn ToSql + Sync); 2] = [&f.user_id, &f.model_id];
    let total: i64 = db.query_one(&format!(r#"SELECT count(f.id) FROM feedback f JOIN "user" u ON u.id = f.user_id{filter}"#), &refs).await?.get(0);
    let order = f.order.map(|o| format!(" ORDER BY {o}")).unwrap_or_default();
    let sql = format!(r#"SELECT {COLUMNS}, {AUTHOR} FROM feedback f JOIN "user" u ON u.id = f.user_id{filter}{order} OFFSET {skip} LIMIT {limit}"#);
    Ok((db.query(&sql, &refs).await?.iter().map(row).collect(), total))
}
