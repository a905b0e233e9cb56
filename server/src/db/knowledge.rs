//! Tables `knowledge` and `knowledge_file` (`models/knowledge.py`): the search of the knowledge
//! bases. Their grants are rows of `access_grant` (resource type `knowledge`).

use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::GenericClient;

use super::access_grants::{self as grants, permission_filter, NewGrant};
use super::DbError;

/// A row of `knowledge` with its owner's `(id, name, role, email)` and its file count.
#[derive(Debug, Clone)]
pub struct KnowledgeRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub description: Option<String>,
    pub meta: Value,
    pub created_at: i64,
    pub updated_at: Option<i64>,
    pub owner: Option<(String, String, String, String)>,
    pub file_count: i64,
}

/// What `Knowledges.search_knowledge_bases` filters on.
pub struct Search<'a> {
    /// `Some(group_ids)`: only what the caller owns or may read (directly, publicly or
    /// through one of these groups); `None`: everything.
    pub access: Option<&'a [String]>,
    pub caller: &'a str,
    pub query: Option<&'a str>,
    /// `created` or `shared`.
    pub view_option: Option<&'a str>,
    /// `local` or `external`.
    pub source: Option<&'a str>,
    /// A sortable column (`name`, `created_at`, `updated_at`) and whether ascending.
    pub order: (&'a str, bool),
    pub skip: i64,
    pub limit: i64,
}

/// `Knowledges.search_knowledge_bases`: one page and the total (one statement).
pub async fn search(db: &impl GenericClient, s: &Search<'_>) -> Result<(Vec<KnowledgeRow>, i64), DbError> {
    // `$1`, `$2`: the page; `$3` the caller when a condition names them (PostgreSQL refuses a
    // parameter no condition uses).
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&s.skip, &s.limit];
    let view = s.view_option.filter(|v| matches!(*v, "created" | "shared"));
    if view.is_some() || s.access.is_some() {
        params.push(&s.caller);
    }
    let mut conds: Vec<String> = Vec::new();
    let like;
    if let Some(q) = s.query {
        like = format!("%{q}%");
        params.push(&like);
        let p = params.len();
        conds.push(format!(
            "(k.name ILIKE ${p} OR k.description ILIKE ${p} OR u.name ILIKE ${p} OR u.email ILIKE ${p} OR u.username ILIKE ${p})"
        ));
    }
    match view {
        Some("created") => conds.push("k.user_id = $3".into()),
        Some(_) => conds.push("k.user_id != $3".into()),
        None => {}
    }
    match s.source {
        Some("external") => conds.push("(k.meta->>'source') = 'external'".into()),
        Some("local") => conds.push("(k.meta IS NULL OR (k.meta->>'source') != 'external')".into()),
        _ => {}
    }
    let groups;
    if let Some(g) = s.access {
        groups = g.to_vec();
        params.push(&groups);
        conds.push(permission_filter("k", "knowledge", "read", "$3", &format!("${}", params.len())));
    }
    let filter = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
    let (column, asc) = s.order;
    let dir = if asc { "ASC" } else { "DESC" };
    // One statement: the count of every match, and the page (none past the end).
    let sql = format!(
        r#"WITH matched AS (
               SELECT k.id, k.user_id, k.name, k.description, k.meta, k.created_at, k.updated_at,
                      u.id AS owner_id, u.name AS owner_name, u.role AS owner_role, u.email AS owner_email
               FROM knowledge k LEFT JOIN "user" u ON u.id = k.user_id
               {filter})
           SELECT t.n, p.id, p.user_id, p.name, p.description, p.meta, p.created_at, p.updated_at,
                  p.owner_id, p.owner_name, p.owner_role, p.owner_email,
                  (SELECT count(*) FROM knowledge_file f WHERE f.knowledge_id = p.id)
           FROM (SELECT count(*) AS n FROM matched) t
           LEFT JOIN LATERAL (SELECT * FROM matched ORDER BY {column} {dir}, id ASC OFFSET $1 LIMIT $2) p ON true"#
    );
    let rows = db.query(&sql, &params).await?;
    let total = rows.first().map_or(0, |r| r.get::<_, i64>(0));
    let items = rows
        .iter()
        .filter(|r| r.get::<_, Option<String>>(1).is_some())
        .map(|r| KnowledgeRow {
            id: r.get(1),
            user_id: r.get(2),
            name: r.get(3),
            description: r.get(4),
            meta: r.get::<_, Option<Value>>(5).unwrap_or(Value::Null),
            created_at: r.get(6),
            updated_at: r.get(7),
            owner: r.get::<_, Option<String>>(8).map(|id| {
                (id, r.get::<_, Option<String>>(9).unwrap_or_default(), r.get::<_, Option<String>>(10).unwrap_or_default(), r.get::<_, Option<String>>(11).unwrap_or_default())
            }),
            file_count: r.get(12),
        })
        .collect();
    Ok((items, total))
}

/// A row of `knowledge` alone (`Knowledges.get_knowledge_by_id`).
#[derive(Debug, Clone)]
pub struct BaseRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub description: String,
    pub meta: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

fn base_row(r: &tokio_postgres::Row) -> BaseRow {
    BaseRow {
        id: r.get(0),
        user_id: r.get::<_, Option<String>>(1).unwrap_or_default(),
        name: r.get::<_, Option<String>>(2).unwrap_or_default(),
        description: r.get::<_, Option<String>>(3).unwrap_or_default(),
        meta: r.get::<_, Option<Value>>(4).unwrap_or(Value::Null),
        created_at: r.get::<_, Option<i64>>(5).unwrap_or(0),
        updated_at: r.get::<_, Option<i64>>(6).unwrap_or(0),
    }
}

const BASE_COLUMNS: &str = "k.id, k.user_id, k.name, k.description, k.meta, k.created_at, k.updated_at";

/// `Knowledges.get_knowledge_by_id`.
pub async fn by_id(db: &impl GenericClient, id: &str) -> Result<Option<BaseRow>, DbError> {
    Ok(db.query_opt(&format!("SELECT {BASE_COLUMNS} FROM knowledge k WHERE k.id = $1"), &[&id]).await?.as_ref().map(base_row))
}

/// `Knowledges.insert_new_knowledge`: the row (no `meta`) and its grants.
pub async fn insert(db: &mut deadpool_postgres::Object, row: &BaseRow, new_grants: &[NewGrant]) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    tx.execute(
        "INSERT INTO knowledge (id, user_id, name, description, meta, created_at, updated_at) VALUES ($1, $2, $3, $4, NULL, $5, $6)",
        &[&row.id, &row.user_id, &row.name, &row.description, &row.created_at, &row.updated_at],
    )
    .await?;
    grants::replace(&tx, "knowledge", &row.id, new_grants, row.created_at).await?;
    tx.commit().await?;
    Ok(())
}

/// `Knowledges.update_knowledge_by_id`: the new name and description.
pub async fn update(db: &impl GenericClient, id: &str, name: &str, description: &str, now: i64) -> Result<(), DbError> {
    db.execute("UPDATE knowledge SET name = $2, description = $3, updated_at = $4 WHERE id = $1", &[&id, &name, &description, &now]).await?;
    Ok(())
}

/// `AccessGrants.set_access_grants('knowledge', id, grants)`.
pub async fn set_grants(db: &mut deadpool_postgres::Object, id: &str, new_grants: &[NewGrant], now: i64) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    grants::replace(&tx, "knowledge", id, new_grants, now).await?;
    tx.commit().await?;
    Ok(())
}

/// `Knowledges.delete_knowledge_by_id`: its grants and the row (its file links and directories
/// go with it, `ON DELETE CASCADE`).
pub async fn delete(db: &mut deadpool_postgres::Object, id: &str) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    tx.execute("DELETE FROM access_grant WHERE resource_type = 'knowledge' AND resource_id = $1", &[&id]).await?;
    tx.execute("DELETE FROM knowledge_file WHERE knowledge_id = $1", &[&id]).await?;
    tx.execute("DELETE FROM knowledge_directory WHERE knowledge_id = $1", &[&id]).await?;
    tx.execute("DELETE FROM knowledge WHERE id = $1", &[&id]).await?;
    tx.commit().await?;
    Ok(())
}

/// `Knowledges.reset_knowledge_by_id`: its file links (and directories) gone, its time now.
pub async fn reset(db: &mut deadpool_postgres::Object, id: &str, include_directories: bool, now: i64) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    tx.execute("DELETE FROM knowledge_file WHERE knowledge_id = $1", &[&id]).await?;
    if include_directories {
        tx.execute("DELETE FROM knowledge_directory WHERE knowledge_id = $1", &[&id]).await?;
    }
    tx.execute("UPDATE knowledge SET updated_at = $2 WHERE id = $1", &[&id, &now]).await?;
    tx.commit().await?;
    Ok(())
}

/// A file's columns as the metadata views read them: `(id, hash, meta, created_at, updated_at)`.
pub type FileMetadataRow = (String, Option<String>, Value, i64, i64);

/// `Knowledges.get_file_metadatas_by_id` (the join's own order: no `ORDER BY` in the reference).
pub async fn file_metadatas(db: &impl GenericClient, id: &str) -> Result<Vec<FileMetadataRow>, DbError> {
    let rows = db
        .query(
            "SELECT f.id, f.hash, f.meta, f.created_at, f.updated_at FROM file f JOIN knowledge_file kf ON f.id = kf.file_id
             WHERE kf.knowledge_id = $1",
            &[&id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get::<_, Option<Value>>(2).unwrap_or(Value::Null),
                r.get::<_, Option<i64>>(3).unwrap_or(0),
                r.get::<_, Option<i64>>(4).unwrap_or(0),
            )
        })
        .collect())
}

/// `(filename, data.content)` of the base's files, for the export.
pub async fn file_contents(db: &impl GenericClient, id: &str) -> Result<Vec<(String, Option<String>)>, DbError> {
    let rows = db
        .query(
            "SELECT f.filename, f.data->>'content' FROM file f JOIN knowledge_file kf ON f.id = kf.file_id WHERE kf.knowledge_id = $1",
            &[&id],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get::<_, Option<String>>(0).unwrap_or_default(), r.get(1))).collect())
}

/// A file of a listing, with its uploader `(id, name, role, email)`, its directory, and (in the
/// search of every base) the base it is in.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: String,
    pub user_id: String,
    pub hash: Option<String>,
    pub filename: String,
    pub has_path: bool,
    pub meta: Value,
    pub created_at: i64,
    pub updated_at: Option<i64>,
    pub uploader: Option<(String, String, String, String)>,
    pub directory_id: Option<String>,
    pub base: Option<BaseRow>,
}

const FILE_COLUMNS: &str = r#"f.id, f.user_id, f.hash, f.filename, f.path IS NOT NULL AND f.path <> '' AS has_path, f.meta, f.created_at,
    f.updated_at, u.id AS u_id, u.name AS u_name, u.role AS u_role, u.email AS u_email, kf.directory_id"#;

fn file_row(r: &tokio_postgres::Row, with_base: bool) -> FileRow {
    FileRow {
        id: r.get(0),
        user_id: r.get::<_, Option<String>>(1).unwrap_or_default(),
        hash: r.get(2),
        filename: r.get::<_, Option<String>>(3).unwrap_or_default(),
        has_path: r.get::<_, Option<bool>>(4).unwrap_or(false),
        meta: r.get::<_, Option<Value>>(5).unwrap_or(Value::Null),
        created_at: r.get::<_, Option<i64>>(6).unwrap_or(0),
        updated_at: r.get(7),
        uploader: r.get::<_, Option<String>>(8).map(|id| {
            (id, r.get::<_, Option<String>>(9).unwrap_or_default(), r.get::<_, Option<String>>(10).unwrap_or_default(), r.get::<_, Option<String>>(11).unwrap_or_default())
        }),
        directory_id: r.get(12),
        base: with_base.then(|| BaseRow {
            id: r.get(13),
            user_id: r.get::<_, Option<String>>(14).unwrap_or_default(),
            name: r.get::<_, Option<String>>(15).unwrap_or_default(),
            description: r.get::<_, Option<String>>(16).unwrap_or_default(),
            meta: r.get::<_, Option<Value>>(17).unwrap_or(Value::Null),
            created_at: r.get::<_, Option<i64>>(18).unwrap_or(0),
            updated_at: r.get::<_, Option<i64>>(19).unwrap_or(0),
        }),
    }
}

/// What `Knowledges.search_files_by_id` filters on.
pub struct FileFilter<'a> {
    pub query: Option<&'a str>,
    pub include_content: bool,
    /// `created` or `shared` (by who added the file).
    pub view_option: Option<&'a str>,
    /// `None`: every directory; `Some(None)`: the root; `Some(Some(id))`: that directory.
    pub directory: Option<Option<&'a str>>,
    /// The ORDER BY's first key, e.g. `f.updated_at DESC`.
    pub order: &'static str,
}

/// `RAG_FILE_CONTENT_SEARCH_MAX_CHARS` (default 64 MiB): how much of a file's content is searched.
const CONTENT_SEARCH_MAX: i64 = 64 * 1024 * 1024;

fn name_condition(p: usize, include_content: bool) -> String {
    if include_content {
        format!("(f.filename ILIKE ${p} OR substr(f.data->>'content', 1, {CONTENT_SEARCH_MAX}) ILIKE ${p})")
    } else {
        format!("f.filename ILIKE ${p}")
    }
}

/// `Knowledges.search_files_by_id`: one page of a base's files and the total.
pub async fn files_page(
    db: &impl GenericClient,
    id: &str,
    caller: &str,
    f: &FileFilter<'_>,
    skip: i64,
    limit: i64,
) -> Result<(Vec<FileRow>, i64), DbError> {
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id, &skip, &limit];
    let mut conds = vec!["kf.knowledge_id = $1".to_string()];
    match &f.directory {
        Some(Some(d)) => {
            params.push(d);
            conds.push(format!("kf.directory_id = ${}", params.len()));
        }
        Some(None) => conds.push("kf.directory_id IS NULL".into()),
        None => {}
    }
    let like;
    if let Some(q) = f.query {
        like = format!("%{q}%");
        params.push(&like);
        conds.push(name_condition(params.len(), f.include_content));
    }
    let caller = caller.to_string();
    match f.view_option {
        Some("created") => {
            params.push(&caller);
            conds.push(format!("kf.user_id = ${}", params.len()));
        }
        Some("shared") => {
            params.push(&caller);
            conds.push(format!("kf.user_id != ${}", params.len()));
        }
        _ => {}
    }
    let sql = format!(
        r#"WITH matched AS (
               SELECT {FILE_COLUMNS} FROM file f JOIN knowledge_file kf ON f.id = kf.file_id LEFT JOIN "user" u ON u.id = kf.user_id
               WHERE {})
           SELECT p.*, t.n FROM (SELECT count(*) AS n FROM matched) t
           LEFT JOIN LATERAL (SELECT * FROM matched f ORDER BY {}, f.id ASC OFFSET $2 LIMIT $3) p ON true"#,
        conds.join(" AND "),
        f.order
    );
    let rows = db.query(&sql, &params).await?;
    let total = rows.first().map_or(0, |r| r.get::<_, i64>(13));
    let items = rows.iter().filter(|r| r.get::<_, Option<String>>(0).is_some()).map(|r| file_row(r, false)).collect();
    Ok((items, total))
}

/// `Knowledges.search_knowledge_files`: one page of the files of every base the caller may read
/// (`access`: their group ids), last changed first, and the total.
pub async fn search_files(
    db: &impl GenericClient,
    caller: &str,
    groups: &[String],
    query: Option<&str>,
    include_content: bool,
    skip: i64,
    limit: i64,
) -> Result<(Vec<FileRow>, i64), DbError> {
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&caller, &groups, &skip, &limit];
    let mut conds = vec![permission_filter("k", "knowledge", "read", "$1", "$2")];
    let like;
    if let Some(q) = query {
        like = format!("%{q}%");
        params.push(&like);
        conds.push(name_condition(params.len(), include_content));
    }
    let sql = format!(
        r#"WITH matched AS (
               SELECT {FILE_COLUMNS}, k.id AS k_id, k.user_id AS k_user_id, k.name AS k_name, k.description AS k_description,
                      k.meta AS k_meta, k.created_at AS k_created_at, k.updated_at AS k_updated_at
               FROM file f JOIN knowledge_file kf ON f.id = kf.file_id JOIN knowledge k ON kf.knowledge_id = k.id
               LEFT JOIN "user" u ON u.id = kf.user_id
               WHERE {})
           SELECT p.*, t.n FROM (SELECT count(*) AS n FROM matched) t
           LEFT JOIN LATERAL (SELECT * FROM matched f ORDER BY f.updated_at DESC, f.id ASC OFFSET $3 LIMIT $4) p ON true"#,
        conds.join(" AND ")
    );
    let rows = db.query(&sql, &params).await?;
    let total = rows.first().map_or(0, |r| r.get::<_, i64>(20));
    let items = rows.iter().filter(|r| r.get::<_, Option<String>>(0).is_some()).map(|r| file_row(r, true)).collect();
    Ok((items, total))
}

/// A row of `knowledge_directory`.
#[derive(Debug, Clone)]
pub struct DirectoryRow {
    pub id: String,
    pub knowledge_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub user_id: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `Knowledges.get_all_directories`: a base's directories by name.
pub async fn directories(db: &impl GenericClient, id: &str) -> Result<Vec<DirectoryRow>, DbError> {
    let rows = db
        .query(
            "SELECT id, knowledge_id, parent_id, name, user_id, created_at, updated_at FROM knowledge_directory
             WHERE knowledge_id = $1 ORDER BY name ASC",
            &[&id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| DirectoryRow {
            id: r.get(0),
            knowledge_id: r.get(1),
            parent_id: r.get(2),
            name: r.get(3),
            user_id: r.get(4),
            created_at: r.get(5),
            updated_at: r.get(6),
        })
        .collect())
}

/// The files of a base `reset` deletes (`delete_file_resource`): all of them, or only those
/// `owner` uploaded.
pub async fn delete_files(db: &impl GenericClient, id: &str, owner: Option<&str>) -> Result<(), DbError> {
    db.execute(
        "DELETE FROM file WHERE id IN (SELECT file_id FROM knowledge_file WHERE knowledge_id = $1) AND ($2::text IS NULL OR user_id = $2)",
        &[&id, &owner],
    )
    .await?;
    Ok(())
}
