//! Tables `note` and `pinned_note` (`models/notes.py`), and the notes' rows of `access_grant`
//! (resource type `note`, `db::access_grants`).

use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::GenericClient;

use super::access_grants::{self as grants, permission_filter, NewGrant};
use super::DbError;

/// A row of `note`, with its owner's `(id, name, role, email)` when read with it.
#[derive(Debug, Clone)]
pub struct NoteRow {
    pub id: String,
    pub user_id: Option<String>,
    pub title: Option<String>,
    pub data: Value,
    pub meta: Value,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub owner: Option<(String, String, String, String)>,
}

const COLUMNS: &str = "n.id, n.user_id, n.title, n.data, n.meta, n.created_at, n.updated_at";
const OWNER: &str = r#"u.id, u.name, u.role, u.email FROM note n LEFT JOIN "user" u ON u.id = n.user_id"#;

fn note_row(r: &tokio_postgres::Row) -> NoteRow {
    NoteRow {
        id: r.get(0),
        user_id: r.get(1),
        title: r.get(2),
        data: r.get::<_, Option<Value>>(3).unwrap_or(Value::Null),
        meta: r.get::<_, Option<Value>>(4).unwrap_or(Value::Null),
        created_at: r.get(5),
        updated_at: r.get(6),
        owner: r.get::<_, Option<String>>(7).map(|id| {
            (id, r.get::<_, Option<String>>(8).unwrap_or_default(), r.get::<_, Option<String>>(9).unwrap_or_default(), r.get::<_, Option<String>>(10).unwrap_or_default())
        }),
    }
}

/// The access condition of a listing on `n` for `(user_id, group_ids)` ($1, $2) and a
/// permission: `read`/`write` (owner or grant), `read_only` (a read grant, no write grant, not
/// the owner), anything else: the owner's notes only (no grant has another permission).
fn access(permission: &str) -> String {
    match permission {
        "read" | "write" => permission_filter("n", "note", permission, "$1", "$2"),
        "read_only" => {
            let grant = |perm: &str| {
                format!(
                    "EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = 'note' AND a.resource_id = n.id AND a.permission = '{perm}'
                       AND ((a.principal_type = 'user' AND a.principal_id IN ('*', $1)) OR (a.principal_type = 'group' AND a.principal_id = ANY($2))))"
                )
            };
            format!("({} AND NOT {} AND n.user_id IS DISTINCT FROM $1)", grant("read"), grant("write"))
        }
        _ => "(n.user_id = $1 AND cardinality($2::text[]) >= 0)".to_string(),
    }
}

/// `Notes.get_notes_by_user_id`: the notes the user may read, newest change first, with their
/// owners; `page`: `(skip, limit)`.
pub async fn readable(db: &impl GenericClient, user_id: &str, groups: &[String], page: Option<(i64, i64)>) -> Result<Vec<NoteRow>, DbError> {
    let window = page.map(|(skip, limit)| format!(" OFFSET {skip} LIMIT {limit}")).unwrap_or_default();
    let sql = format!("SELECT {COLUMNS}, {OWNER} WHERE {} ORDER BY n.updated_at DESC{window}", access("read"));
    Ok(db.query(&sql, &[&user_id, &groups]).await?.iter().map(note_row).collect())
}

/// `Notes.get_pinned_notes_by_user_id`: the user's pinned notes they may read, last pinned first.
pub async fn pinned(db: &impl GenericClient, user_id: &str, groups: &[String]) -> Result<Vec<NoteRow>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS}, {OWNER} JOIN pinned_note p ON p.note_id = n.id AND p.user_id = $1 WHERE {} ORDER BY p.created_at DESC",
        access("read")
    );
    Ok(db.query(&sql, &[&user_id, &groups]).await?.iter().map(note_row).collect())
}

/// `Notes.get_pinned_note_ids`.
pub async fn pinned_ids(db: &impl GenericClient, user_id: &str) -> Result<Vec<String>, DbError> {
    Ok(db.query("SELECT note_id FROM pinned_note WHERE user_id = $1", &[&user_id]).await?.iter().map(|r| r.get(0)).collect())
}

/// The filters of `Notes.search_notes`.
pub struct Search<'a> {
    /// The words that must each match the title or the markdown (hyphens and spaces ignored).
    pub words: Vec<String>,
    pub view_option: Option<&'a str>,
    /// `(user_id, group_ids, permission)`; `None` without access filtering.
    pub access: Option<(&'a str, &'a [String], &'a str)>,
    pub order_by: Option<&'a str>,
    pub direction: Option<&'a str>,
}

/// `Notes.search_notes`: a page (with the owners) and the total.
pub async fn search(db: &impl GenericClient, uid: &str, s: &Search<'_>, skip: i64, limit: i64) -> Result<(Vec<NoteRow>, i64), DbError> {
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    let mut conds: Vec<String> = Vec::new();
    // The access filter's placeholders are $1 and $2.
    match s.access {
        Some((user, groups, permission)) => {
            params.push(Box::new(user.to_string()));
            params.push(Box::new(groups.to_vec()));
            conds.push(access(permission));
        }
        None => {
            params.push(Box::new(String::new()));
            params.push(Box::new(Vec::<String>::new()));
        }
    }
    for w in &s.words {
        params.push(Box::new(format!("%{w}%")));
        let p = format!("${}", params.len());
        conds.push(format!(
            "(replace(replace(n.title, '-', ''), ' ', '') ILIKE {p} OR replace(replace(n.data -> 'content' ->> 'md', '-', ''), ' ', '') ILIKE {p})"
        ));
    }
    match s.view_option {
        Some("created") => {
            params.push(Box::new(uid.to_string()));
            conds.push(format!("n.user_id = ${}", params.len()));
        }
        Some("shared") => {
            params.push(Box::new(uid.to_string()));
            conds.push(format!("n.user_id <> ${}", params.len()));
        }
        _ => {}
    }
    // The first two placeholders are always sent, used or not.
    conds.push("($1::text IS NOT NULL AND $2::text[] IS NOT NULL)".to_string());
    let order = match (s.order_by, s.direction == Some("asc")) {
        (Some("name"), true) => "n.title ASC",
        (Some("name"), false) => "n.title DESC",
        (Some("created_at"), true) => "n.created_at ASC",
        (Some("created_at"), false) => "n.created_at DESC",
        (Some("updated_at"), true) => "n.updated_at ASC",
        _ => "n.updated_at DESC",
    };
    let filter = format!(" WHERE {}", conds.join(" AND "));
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
    let total: i64 = db.query_one(&format!(r#"SELECT count(*) FROM note n LEFT JOIN "user" u ON u.id = n.user_id{filter}"#), &refs).await?.get(0);
    let sql = format!("SELECT {COLUMNS}, {OWNER}{filter} ORDER BY {order} OFFSET {skip} LIMIT {limit}");
    Ok((db.query(&sql, &refs).await?.iter().map(note_row).collect(), total))
}

/// `Notes.get_note_by_id` (no owner).
pub async fn by_id(db: &impl GenericClient, id: &str) -> Result<Option<NoteRow>, DbError> {
    let row = db.query_opt(&format!("SELECT {COLUMNS}, NULL::text, NULL::text, NULL::text, NULL::text FROM note n WHERE n.id = $1"), &[&id]).await?;
    Ok(row.as_ref().map(note_row))
}

/// `Notes.insert_new_note`: the row and its grants.
pub async fn insert(db: &mut deadpool_postgres::Object, row: &NoteRow, new_grants: &[NewGrant], now_s: i64) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    tx.execute(
        "INSERT INTO note (id, user_id, title, data, meta, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&row.id, &row.user_id, &row.title, &row.data, &row.meta, &row.created_at, &row.updated_at],
    )
    .await?;
    grants::replace(&tx, "note", &row.id, new_grants, now_s).await?;
    tx.commit().await?;
    Ok(())
}

/// `Notes.update_note_by_id`: the new title, data, meta and time.
pub async fn update(db: &impl GenericClient, row: &NoteRow) -> Result<(), DbError> {
    db.execute(
        "UPDATE note SET title = $2, data = $3, meta = $4, updated_at = $5 WHERE id = $1",
        &[&row.id, &row.title, &row.data, &row.meta, &row.updated_at],
    )
    .await?;
    Ok(())
}

/// `AccessGrants.set_access_grants('note', id, grants)`.
pub async fn set_grants(db: &mut deadpool_postgres::Object, id: &str, new_grants: &[NewGrant], now_s: i64) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    grants::replace(&tx, "note", id, new_grants, now_s).await?;
    tx.commit().await?;
    Ok(())
}

/// `Notes.toggle_note_pinned_by_id`: unpinned when pinned, else pinned (`created_at` in ns).
pub async fn toggle_pin(db: &impl GenericClient, id: &str, user_id: &str, now_ns: i64) -> Result<(), DbError> {
    let n = db.execute("DELETE FROM pinned_note WHERE user_id = $1 AND note_id = $2", &[&user_id, &id]).await?;
    if n == 0 {
        db.execute(
            "INSERT INTO pinned_note (id, user_id, note_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&uuid::Uuid::new_v4().to_string(), &user_id, &id, &now_ns],
        )
        .await?;
    }
    Ok(())
}

/// `Notes.delete_note_by_id`: its grants, its pins, the row.
pub async fn delete(db: &mut deadpool_postgres::Object, id: &str) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    tx.execute("DELETE FROM access_grant WHERE resource_type = 'note' AND resource_id = $1", &[&id]).await?;
    tx.execute("DELETE FROM pinned_note WHERE note_id = $1", &[&id]).await?;
    tx.execute("DELETE FROM note WHERE id = $1", &[&id]).await?;
    tx.commit().await?;
    Ok(())
}
