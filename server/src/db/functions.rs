//! Table `function` (`models/functions.py`): the reads of the functions.

use serde_json::Value;
use tokio_postgres::GenericClient;

use super::DbError;

/// A row of `function` (`content` and `valves` only when asked for), with its owner's
/// `(id, name, role, email)` when asked for and the owner exists.
#[derive(Debug, Clone)]
pub struct FunctionRow {
    pub id: String,
    pub version_id: Option<String>,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub content: Option<String>,
    pub meta: Value,
    /// The stored `valves` column: a JSON object, or a JSON string (Fernet-encrypted).
    pub valves: Value,
    pub is_active: bool,
    pub is_global: bool,
    pub updated_at: i64,
    pub created_at: i64,
    pub owner: Option<(String, String, String, String)>,
}

/// A `JSONField` column (JSON kept as text): its value, `null` when absent or unreadable.
fn json_text(v: Option<&str>) -> Value {
    v.and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null)
}

fn function_row(r: &tokio_postgres::Row) -> FunctionRow {
    FunctionRow {
        id: r.get(0),
        version_id: r.get(1),
        user_id: r.get(2),
        name: r.get(3),
        kind: r.get(4),
        content: r.get(5),
        meta: json_text(r.get(6)),
        valves: json_text(r.get(7)),
        is_active: r.get::<_, Option<bool>>(8).unwrap_or(false),
        is_global: r.get::<_, Option<bool>>(9).unwrap_or(false),
        updated_at: r.get::<_, Option<i64>>(10).unwrap_or(0),
        created_at: r.get::<_, Option<i64>>(11).unwrap_or(0),
        owner: r.get::<_, Option<String>>(12).map(|id| {
            (id, r.get::<_, Option<String>>(13).unwrap_or_default(), r.get::<_, Option<String>>(14).unwrap_or_default(), r.get::<_, Option<String>>(15).unwrap_or_default())
        }),
    }
}

/// How [`list`] reads the table.
pub enum Listing {
    /// `Functions.get_functions`: the table's own order (the reference's query has no `ORDER
    /// BY`), without the source.
    Plain,
    /// `Functions.get_functions(include_valves=...)` for the export: with the source and valves.
    Export,
    /// `Functions.get_function_list`: newest change first, with the owners.
    WithOwners,
}

pub async fn list(db: &impl GenericClient, how: Listing) -> Result<Vec<FunctionRow>, DbError> {
    let (content, valves) = match how {
        Listing::Export => ("f.content", "f.valves"),
        _ => ("NULL::text", "NULL::text"),
    };
    let (owner, order) = match how {
        Listing::WithOwners => (r#"u.id, u.name, u.role, u.email FROM function f LEFT JOIN "user" u ON u.id = f.user_id"#, " ORDER BY f.updated_at DESC"),
        _ => ("NULL::text, NULL::text, NULL::text, NULL::text FROM function f", ""),
    };
    let sql = format!(
        "SELECT f.id, f.version_id, f.user_id, f.name, f.type, {content}, f.meta, {valves}, f.is_active, f.is_global,
                f.updated_at, f.created_at, {owner}{order}"
    );
    let rows = db.query(&sql, &[]).await?;
    Ok(rows.iter().map(function_row).collect())
}

/// `Functions.get_function_by_id` (with the source).
pub async fn by_id(db: &impl GenericClient, id: &str) -> Result<Option<FunctionRow>, DbError> {
    let row = db
        .query_opt(
            "SELECT id, version_id, user_id, name, type, content, meta, valves, is_active, is_global, updated_at, created_at,
                    NULL::text, NULL::text, NULL::text, NULL::text
             FROM function WHERE id = $1",
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(function_row))
}
