//! Table `tool` (`models/tools.py`): the reads of the workspace tools. Their grants are rows of
//! `access_grant` (`db::access_grants`, resource type `tool`).

use serde_json::Value;
use tokio_postgres::GenericClient;

use super::access_grants::permission_filter;
use super::DbError;

/// A row of `tool` (`content` only when asked for), with its owner's
/// `(id, name, role, email)` when the owner exists.
#[derive(Debug, Clone)]
pub struct ToolRow {
    pub id: String,
    pub version_id: Option<String>,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub content: Option<String>,
    pub specs: Value,
    pub meta: Value,
    pub updated_at: i64,
    pub created_at: i64,
    pub owner: Option<(String, String, String, String)>,
}

/// A `JSONField` column (JSON kept as text): its value, `null` when absent or unreadable.
fn json_text(v: Option<&str>) -> Value {
    v.and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null)
}

fn tool_row(r: &tokio_postgres::Row, with_content: bool) -> ToolRow {
    ToolRow {
        id: r.get(0),
        version_id: r.get(1),
        user_id: r.get(2),
        name: r.get(3),
        content: if with_content { r.get(4) } else { None },
        specs: json_text(r.get(5)),
        meta: json_text(r.get(6)),
        updated_at: r.get::<_, Option<i64>>(7).unwrap_or(0),
        created_at: r.get::<_, Option<i64>>(8).unwrap_or(0),
        owner: r.get::<_, Option<String>>(9).map(|id| {
            (id, r.get::<_, Option<String>>(10).unwrap_or_default(), r.get::<_, Option<String>>(11).unwrap_or_default(), r.get::<_, Option<String>>(12).unwrap_or_default())
        }),
    }
}

/// `Tools.get_tools`: newest change first; with `access`, `(user_id, group_ids)`, only the
/// tools the user owns or holds a grant of `permission` on. `with_content`: the source too (the
/// listings skip it).
pub async fn list(
    db: &impl GenericClient,
    access: Option<(&str, &[String])>,
    permission: &str,
    with_content: bool,
) -> Result<Vec<ToolRow>, DbError> {
    let content = if with_content { "t.content" } else { "NULL::text" };
    let select = format!(
        r#"SELECT t.id, t.version_id, t.user_id, t.name, {content}, t.specs, t.meta, t.updated_at, t.created_at,
                  u.id, u.name, u.role, u.email
           FROM tool t LEFT JOIN "user" u ON u.id = t.user_id"#
    );
    let rows = match access {
        None => db.query(&format!("{select} ORDER BY t.updated_at DESC"), &[]).await?,
        Some((user_id, groups)) => {
            let filter = permission_filter("t", "tool", permission, "$1", "$2");
            db.query(&format!("{select} WHERE {filter} ORDER BY t.updated_at DESC"), &[&user_id, &groups]).await?
        }
    };
    Ok(rows.iter().map(|r| tool_row(r, with_content)).collect())
}

/// `Tools.get_tool_by_id` (with the source; no owner).
pub async fn by_id(db: &impl GenericClient, id: &str) -> Result<Option<ToolRow>, DbError> {
    let row = db
        .query_opt(
            "SELECT id, version_id, user_id, name, content, specs, meta, updated_at, created_at,
                    NULL::text, NULL::text, NULL::text, NULL::text
             FROM tool WHERE id = $1",
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(|r| tool_row(r, true)))
}
