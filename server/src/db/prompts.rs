//! Tables `prompt` and `prompt_history` (`models/prompts.py`, `models/prompt_history.py`), and
//! the prompts' rows of `access_grant` (resource type `prompt`, `db::access_grants`).

use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::GenericClient;

use super::access_grants::{self as grants, permission_filter, NewGrant};
use super::DbError;

/// A row of `prompt`, with its owner's `(id, name, role, email)` when read with it.
#[derive(Debug, Clone)]
pub struct PromptRow {
    pub id: String,
    pub command: Option<String>,
    pub user_id: String,
    pub name: String,
    pub content: String,
    pub data: Value,
    pub meta: Value,
    pub tags: Value,
    pub is_active: Option<bool>,
    pub version_id: Option<String>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub owner: Option<(String, String, String, String)>,
}

const COLUMNS: &str = "p.id, p.command, p.user_id, p.name, p.content, p.data, p.meta, p.tags, p.is_active, p.version_id, p.created_at, p.updated_at";
const OWNER: &str = r#"u.id, u.name, u.role, u.email FROM prompt p LEFT JOIN "user" u ON u.id = p.user_id"#;

fn prompt_row(r: &tokio_postgres::Row) -> PromptRow {
    PromptRow {
        id: r.get(0),
        command: r.get(1),
        user_id: r.get(2),
        name: r.get(3),
        content: r.get(4),
        data: r.get::<_, Option<Value>>(5).unwrap_or(Value::Null),
        meta: r.get::<_, Option<Value>>(6).unwrap_or(Value::Null),
        tags: r.get::<_, Option<Value>>(7).unwrap_or(Value::Null),
        is_active: r.get(8),
        version_id: r.get(9),
        created_at: r.get(10),
        updated_at: r.get(11),
        owner: r.get::<_, Option<String>>(12).map(|id| {
            (id, r.get::<_, Option<String>>(13).unwrap_or_default(), r.get::<_, Option<String>>(14).unwrap_or_default(), r.get::<_, Option<String>>(15).unwrap_or_default())
        }),
    }
}

/// `Prompts.get_prompts` / `get_prompts_by_user_id`: the active prompts, newest change first;
/// with `access`, `(user_id, group_ids)`, only those the user owns or holds a grant of
/// `permission` on.
pub async fn active(db: &impl GenericClient, access: Option<(&str, &[String])>, permission: &str) -> Result<Vec<PromptRow>, DbError> {
    let select = format!("SELECT {COLUMNS}, {OWNER} WHERE p.is_active IS TRUE");
    let rows = match access {
        None => db.query(&format!("{select} ORDER BY p.updated_at DESC"), &[]).await?,
        Some((user_id, groups)) => {
            let filter = permission_filter("p", "prompt", permission, "$1", "$2");
            db.query(&format!("{select} AND {filter} ORDER BY p.updated_at DESC"), &[&user_id, &groups]).await?
        }
    };
    Ok(rows.iter().map(prompt_row).collect())
}

/// `Prompts.get_prompt_by_id` (no owner).
pub async fn by_id(db: &impl GenericClient, id: &str) -> Result<Option<PromptRow>, DbError> {
    let row = db
        .query_opt(&format!("SELECT {COLUMNS}, NULL::text, NULL::text, NULL::text, NULL::text FROM prompt p WHERE p.id = $1"), &[&id])
        .await?;
    Ok(row.as_ref().map(prompt_row))
}

/// `Prompts.get_prompt_by_command`: the id of the prompt with this command.
pub async fn id_by_command(db: &impl GenericClient, command: &str) -> Result<Option<String>, DbError> {
    Ok(db.query_opt("SELECT id FROM prompt WHERE command = $1 LIMIT 1", &[&command]).await?.map(|r| r.get(0)))
}

/// The filters of `Prompts.search_prompts`.
pub struct Search<'a> {
    pub query: Option<&'a str>,
    pub view_option: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub order_by: Option<&'a str>,
    pub direction: Option<&'a str>,
    /// Access filter: `(user_id, group_ids)`; `None` for an admin with the admin bypass.
    pub access: Option<(&'a str, &'a [String])>,
}

/// `Prompts.search_prompts`: a page (with the owners) and the total.
pub async fn search(db: &impl GenericClient, uid: &str, s: &Search<'_>, skip: i64, limit: i64) -> Result<(Vec<PromptRow>, i64), DbError> {
    let mut conds: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    fn arg(params: &mut Vec<Box<dyn ToSql + Sync + Send>>, v: Box<dyn ToSql + Sync + Send>) -> String {
        params.push(v);
        format!("${}", params.len())
    }
    if let Some(q) = s.query {
        let p = arg(&mut params, Box::new(format!("%{q}%")));
        conds.push(format!("(p.name ILIKE {p} OR p.command ILIKE {p} OR p.content ILIKE {p} OR u.name ILIKE {p} OR u.email ILIKE {p})"));
    }
    match s.view_option {
        Some("created") => {
            let p = arg(&mut params, Box::new(uid.to_string()));
            conds.push(format!("p.user_id = {p}"));
        }
        Some("shared") => {
            let p = arg(&mut params, Box::new(uid.to_string()));
            conds.push(format!("p.user_id <> {p}"));
        }
        _ => {}
    }
    if let Some((user, groups)) = s.access {
        let pu = arg(&mut params, Box::new(user.to_string()));
        let pg = arg(&mut params, Box::new(groups.to_vec()));
        conds.push(permission_filter("p", "prompt", "read", &pu, &pg));
    }
    if let Some(tag) = s.tag {
        let p = arg(&mut params, Box::new(tag.to_lowercase()));
        conds.push(format!("EXISTS (SELECT 1 FROM json_array_elements_text(p.tags) t WHERE LOWER(t) = {p})"));
    }
    let order = match (s.order_by, s.direction == Some("asc")) {
        (Some("name"), true) => "p.name ASC",
        (Some("name"), false) => "p.name DESC",
        (Some("created_at"), true) => "p.created_at ASC",
        (Some("created_at"), false) => "p.created_at DESC",
        (Some("updated_at"), true) => "p.updated_at ASC",
        _ => "p.updated_at DESC",
    };
    let filter = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
    let total: i64 = db.query_one(&format!(r#"SELECT count(*) FROM prompt p LEFT JOIN "user" u ON u.id = p.user_id{filter}"#), &refs).await?.get(0);
    let sql = format!("SELECT {COLUMNS}, {OWNER}{filter} ORDER BY {order} OFFSET {skip} LIMIT {limit}");
    let rows = db.query(&sql, &refs).await?;
    Ok((rows.iter().map(prompt_row).collect(), total))
}

/// The ids among `ids` on which the user holds a `permission` grant (public, direct or
/// through a group): `AccessGrants.get_accessible_resource_ids`.
pub async fn granted_ids(db: &impl GenericClient, ids: &[String], user_id: &str, groups: &[String], permission: &str) -> Result<Vec<String>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = db
        .query(
            "SELECT DISTINCT resource_id FROM access_grant WHERE resource_type = 'prompt' AND resource_id = ANY($1) AND permission = $4
               AND ((principal_type = 'user' AND principal_id IN ('*', $2)) OR (principal_type = 'group' AND principal_id = ANY($3)))",
            &[&ids, &user_id, &groups, &permission],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The `tags` of the active prompts (those the user may read, with `access`).
pub async fn tags(db: &impl GenericClient, access: Option<(&str, &[String])>) -> Result<Vec<Value>, DbError> {
    let rows = match access {
        None => db.query("SELECT p.tags FROM prompt p WHERE p.is_active IS TRUE", &[]).await?,
        Some((user_id, groups)) => {
            let filter = permission_filter("p", "prompt", "read", "$1", "$2");
            db.query(&format!("SELECT p.tags FROM prompt p WHERE p.is_active IS TRUE AND {filter}"), &[&user_id, &groups]).await?
        }
    };
    Ok(rows.iter().map(|r| r.get::<_, Option<Value>>(0).unwrap_or(Value::Null)).collect())
}

/// A new `prompt_history` entry.
pub struct HistoryEntry<'a> {
    pub id: &'a str,
    pub parent_id: Option<&'a str>,
    pub snapshot: &'a Value,
    pub user_id: &'a str,
    pub commit_message: Option<&'a str>,
    pub created_at: i64,
}

async fn insert_history(tx: &tokio_postgres::Transaction<'_>, prompt_id: &str, h: &HistoryEntry<'_>) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO prompt_history (id, prompt_id, parent_id, snapshot, user_id, commit_message, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&h.id, &prompt_id, &h.parent_id, h.snapshot, &h.user_id, &h.commit_message, &h.created_at],
    )
    .await?;
    Ok(())
}

/// `Prompts.insert_new_prompt`: the row, its grants, its first version (whose snapshot holds
/// the grants as written: `snapshot` gets them under `access_grants`), in one transaction.
/// `false` when the command was taken meanwhile.
pub async fn insert(
    db: &mut deadpool_postgres::Object,
    row: &PromptRow,
    new_grants: &[NewGrant],
    snapshot: &mut Value,
    history: &HistoryEntry<'_>,
) -> Result<bool, DbError> {
    let tx = db.transaction().await?;
    let n = tx
        .execute(
            "INSERT INTO prompt (id, command, user_id, name, content, data, meta, is_active, version_id, tags, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (command) DO NOTHING",
            &[
                &row.id,
                &row.command,
                &row.user_id,
                &row.name,
                &row.content,
                &row.data,
                &row.meta,
                &row.is_active,
                &row.version_id,
                &row.tags,
                &row.created_at,
                &row.updated_at,
            ],
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    let written = grants::replace(&tx, "prompt", &row.id, new_grants, row.created_at.unwrap_or(0)).await?;
    if let Value::Object(s) = snapshot {
        s.insert("access_grants".into(), serde_json::to_value(&written).unwrap_or(Value::Null));
    }
    let h = HistoryEntry { snapshot: &*snapshot, ..*history };
    insert_history(&tx, &row.id, &h).await?;
    tx.commit().await?;
    Ok(true)
}

/// `Prompts.update_prompt_by_id` and friends: the row's new values, and a new version when
/// `history` is given (its snapshot gets the current grants under `access_grants`).
pub async fn update(db: &mut deadpool_postgres::Object, row: &PromptRow, history: Option<(&mut Value, HistoryEntry<'_>)>) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    if let Some((snapshot, h)) = history {
        let current = grants::of_resource(&*tx, "prompt", &row.id).await?;
        if let Value::Object(s) = snapshot {
            s.insert("access_grants".into(), serde_json::to_value(&current).unwrap_or(Value::Null));
        }
        let h = HistoryEntry { snapshot: &*snapshot, ..h };
        insert_history(&tx, &row.id, &h).await?;
    }
    tx.execute(
        "UPDATE prompt SET command = $2, name = $3, content = $4, data = $5, meta = $6, is_active = $7, version_id = $8, tags = $9,
                updated_at = $10 WHERE id = $1",
        &[&row.id, &row.command, &row.name, &row.content, &row.data, &row.meta, &row.is_active, &row.version_id, &row.tags, &row.updated_at],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `AccessGrants.set_access_grants('prompt', id, grants)`.
pub async fn set_grants(db: &mut deadpool_postgres::Object, id: &str, new_grants: &[NewGrant], now: i64) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    grants::replace(&tx, "prompt", id, new_grants, now).await?;
    tx.commit().await?;
    Ok(())
}

/// `Prompts.delete_prompt_by_id`: its history, its grants, the row.
pub async fn delete(db: &mut deadpool_postgres::Object, id: &str) -> Result<bool, DbError> {
    let tx = db.transaction().await?;
    tx.execute("DELETE FROM prompt_history WHERE prompt_id = $1", &[&id]).await?;
    tx.execute("DELETE FROM access_grant WHERE resource_type = 'prompt' AND resource_id = $1", &[&id]).await?;
    let n = tx.execute("DELETE FROM prompt WHERE id = $1", &[&id]).await?;
    tx.commit().await?;
    Ok(n > 0)
}

/// A row of `prompt_history` (`PromptHistoryModel`), with its author's `(id, name, role,
/// email)` when read with it.
pub struct HistoryRow {
    pub id: String,
    pub prompt_id: String,
    pub parent_id: Option<String>,
    pub snapshot: Value,
    pub user_id: String,
    pub commit_message: Option<String>,
    pub created_at: i64,
    pub author: Option<(String, String, String, String)>,
}

fn history_row(r: &tokio_postgres::Row) -> HistoryRow {
    HistoryRow {
        id: r.get(0),
        prompt_id: r.get(1),
        parent_id: r.get(2),
        snapshot: r.get(3),
        user_id: r.get(4),
        commit_message: r.get(5),
        created_at: r.get(6),
        author: r.get::<_, Option<String>>(7).map(|id| {
            (id, r.get::<_, Option<String>>(8).unwrap_or_default(), r.get::<_, Option<String>>(9).unwrap_or_default(), r.get::<_, Option<String>>(10).unwrap_or_default())
        }),
    }
}

const HISTORY: &str = r#"h.id, h.prompt_id, h.parent_id, h.snapshot, h.user_id, h.commit_message, h.created_at,
     u.id, u.name, u.role, u.email FROM prompt_history h LEFT JOIN "user" u ON u.id = h.user_id"#;

/// `PromptHistories.get_history_by_prompt_id`: newest first.
pub async fn history(db: &impl GenericClient, prompt_id: &str, offset: i64, limit: i64) -> Result<Vec<HistoryRow>, DbError> {
    let rows = db
        .query(&format!("SELECT {HISTORY} WHERE h.prompt_id = $1 ORDER BY h.created_at DESC OFFSET $2 LIMIT $3"), &[&prompt_id, &offset, &limit])
        .await?;
    Ok(rows.iter().map(history_row).collect())
}

/// `PromptHistories.get_latest_history_entry`: the id of the newest version.
pub async fn latest_history_id(db: &impl GenericClient, prompt_id: &str) -> Result<Option<String>, DbError> {
    let row = db.query_opt("SELECT id FROM prompt_history WHERE prompt_id = $1 ORDER BY created_at DESC LIMIT 1", &[&prompt_id]).await?;
    Ok(row.map(|r| r.get(0)))
}

/// One version of a prompt (`None`: no such version of this prompt).
pub async fn history_entry(db: &impl GenericClient, prompt_id: &str, id: &str) -> Result<Option<HistoryRow>, DbError> {
    let row = db.query_opt(&format!("SELECT {HISTORY} WHERE h.id = $1 AND h.prompt_id = $2"), &[&id, &prompt_id]).await?;
    Ok(row.as_ref().map(history_row))
}

/// `PromptHistories.delete_history_entry`: its children are relinked to its parent. `false`
/// when the prompt has no such version.
pub async fn delete_history_entry(db: &mut deadpool_postgres::Object, prompt_id: &str, id: &str) -> Result<bool, DbError> {
    let tx = db.transaction().await?;
    let Some(entry) = tx.query_opt("SELECT parent_id FROM prompt_history WHERE id = $1 AND prompt_id = $2", &[&id, &prompt_id]).await? else {
        return Ok(false);
    };
    let parent: Option<String> = entry.get(0);
    tx.execute("UPDATE prompt_history SET parent_id = $2 WHERE parent_id = $1", &[&id, &parent]).await?;
    tx.execute("DELETE FROM prompt_history WHERE id = $1 AND prompt_id = $2", &[&id, &prompt_id]).await?;
    tx.commit().await?;
    Ok(true)
}
