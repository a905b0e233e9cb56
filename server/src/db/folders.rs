//! Table `folder` (the reference's `models/folders.py`), the `access_grant` rows of folders, and
//! what the folder routes read and write of `chat`, `chat_message`, `shared_chat`,
//! `automation_run` and `automation` (folder chats, unread counts, a folder's deletion).
//!
//! A folder's primary key is `(id, user_id)`; the reference looks a folder up by `id` alone for
//! shared access (`get_folder_by_id`, its first row), as [`folder_by_id`] does.

use std::collections::HashMap;

use serde_json::Value;
use tokio_postgres::GenericClient;

use super::DbError;

/// One `folder` row (`FolderModel`).
#[derive(Debug, Clone)]
pub struct FolderRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub user_id: String,
    pub name: String,
    pub items: Option<Value>,
    pub meta: Option<Value>,
    pub data: Option<Value>,
    pub is_expanded: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "f.id, f.parent_id, f.user_id, f.name, f.items, f.meta, f.data, f.is_expanded, f.created_at, f.updated_at";

impl FolderRow {
    fn from_row(r: &tokio_postgres::Row) -> FolderRow {
        FolderRow {
            id: r.get(0),
            parent_id: r.get(1),
            user_id: r.get(2),
            name: r.get(3),
            items: r.get::<_, Option<Value>>(4).filter(|v| !v.is_null()),
            meta: r.get::<_, Option<Value>>(5).filter(|v| !v.is_null()),
            data: r.get::<_, Option<Value>>(6).filter(|v| !v.is_null()),
            is_expanded: r.get(7),
            created_at: r.get(8),
            updated_at: r.get(9),
        }
    }
}

/// A chat that is not `meta.internal` (the reference: `meta['internal'].as_boolean().is_not(True)`).
const NOT_INTERNAL: &str = "(c.meta->>'internal') IS DISTINCT FROM 'true'";

/// `Folders.get_folders_by_user_id`. The reference has no order (its rows come in table order);
/// ours is creation order, which is the same for folders created in distinct seconds.
pub async fn folders_by_user(db: &impl GenericClient, user_id: &str) -> Result<Vec<FolderRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM folder f WHERE f.user_id = $1 ORDER BY f.created_at, f.id");
    Ok(db.query(&sql, &[&user_id]).await?.iter().map(FolderRow::from_row).collect())
}

/// `Folders.get_folder_by_id_and_user_id`.
pub async fn folder_of_user(db: &impl GenericClient, id: &str, user_id: &str) -> Result<Option<FolderRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM folder f WHERE f.id = $1 AND f.user_id = $2");
    Ok(db.query_opt(&sql, &[&id, &user_id]).await?.as_ref().map(FolderRow::from_row))
}

/// `Folders.get_folder_by_id`: by id alone (shared access).
pub async fn folder_by_id(db: &impl GenericClient, id: &str) -> Result<Option<FolderRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM folder f WHERE f.id = $1 ORDER BY f.user_id LIMIT 1");
    Ok(db.query_opt(&sql, &[&id]).await?.as_ref().map(FolderRow::from_row))
}

/// `Folders.get_folders_by_ids`, newest change first.
pub async fn folders_by_ids(db: &impl GenericClient, ids: &[String]) -> Result<Vec<FolderRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM folder f WHERE f.id = ANY($1) ORDER BY f.updated_at DESC, f.id");
    Ok(db.query(&sql, &[&ids]).await?.iter().map(FolderRow::from_row).collect())
}

/// `Folders.get_folder_by_parent_id_and_user_id_and_name`: a sibling with this name, case
/// insensitively.
pub async fn sibling_by_name(
    db: &impl GenericClient,
    parent_id: Option<&str>,
    user_id: &str,
    name: &str,
) -> Result<Option<FolderRow>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM folder f WHERE f.parent_id IS NOT DISTINCT FROM $1 AND f.user_id = $2
         AND lower(f.name) = lower($3) ORDER BY f.created_at, f.id LIMIT 1"
    );
    Ok(db.query_opt(&sql, &[&parent_id, &user_id, &name]).await?.as_ref().map(FolderRow::from_row))
}

/// What a new folder is made of.
pub struct NewFolder<'a> {
    pub user_id: &'a str,
    pub parent_id: Option<&'a str>,
    pub name: &'a str,
    pub meta: Option<&'a Value>,
    pub data: Option<&'a Value>,
}

/// `Folders.insert_new_folder` (`items` null, `is_expanded` false, timestamps in seconds).
pub async fn insert(db: &impl GenericClient, f: &NewFolder<'_>, now: i64) -> Result<FolderRow, DbError> {
    let id = uuid::Uuid::new_v4().to_string();
    let sql = format!(
        "INSERT INTO folder AS f (id, parent_id, user_id, name, items, meta, data, is_expanded, created_at, updated_at)
         VALUES ($1, $2, $3, $4, NULL, $5, $6, false, $7, $7) RETURNING {COLUMNS}"
    );
    let row = db.query_one(&sql, &[&id, &f.parent_id, &f.user_id, &f.name, &f.meta, &f.data, &now]).await?;
    Ok(FolderRow::from_row(&row))
}

/// `Folders.update_folder_parent_id_by_id_and_user_id`.
pub async fn set_parent(db: &impl GenericClient, id: &str, user_id: &str, parent_id: Option<&str>, now: i64) -> Result<Option<FolderRow>, DbError> {
    let sql = format!("UPDATE folder f SET parent_id = $3, updated_at = $4 WHERE f.id = $1 AND f.user_id = $2 RETURNING {COLUMNS}");
    Ok(db.query_opt(&sql, &[&id, &user_id, &parent_id, &now]).await?.as_ref().map(FolderRow::from_row))
}

/// `Folders.update_folder_is_expanded_by_id_and_user_id`.
pub async fn set_expanded(db: &impl GenericClient, id: &str, user_id: &str, expanded: bool, now: i64) -> Result<Option<FolderRow>, DbError> {
    let sql = format!("UPDATE folder f SET is_expanded = $3, updated_at = $4 WHERE f.id = $1 AND f.user_id = $2 RETURNING {COLUMNS}");
    Ok(db.query_opt(&sql, &[&id, &user_id, &expanded, &now]).await?.as_ref().map(FolderRow::from_row))
}

/// `Folders.update_folder_by_id_and_user_id`: the new name (when given), `data` and `meta` as
/// the caller merged them.
pub async fn update(
    db: &impl GenericClient,
    id: &str,
    user_id: &str,
    name: &str,
    data: Option<&Value>,
    meta: Option<&Value>,
    now: i64,
) -> Result<Option<FolderRow>, DbError> {
    let sql = format!(
        "UPDATE folder f SET name = $3, data = $4, meta = $5, updated_at = $6 WHERE f.id = $1 AND f.user_id = $2 RETURNING {COLUMNS}"
    );
    Ok(db.query_opt(&sql, &[&id, &user_id, &name, &data, &meta, &now]).await?.as_ref().map(FolderRow::from_row))
}

/// `Folders.get_folder_ids_by_id_and_user_id_in_subtree`: the folder and its descendants of the
/// same owner (a `UNION` recursion, which ends on parent cycles); empty when the folder is not
/// the user's. The order is the reference's set order, which no client relies on: ours is the
/// folder first, then by depth.
pub async fn subtree_ids(db: &impl GenericClient, id: &str, user_id: &str) -> Result<Vec<String>, DbError> {
    let rows = db
        .query(
            "WITH RECURSIVE t(id, depth) AS (
                 SELECT f.id, 0 FROM folder f WHERE f.id = $1 AND f.user_id = $2
                 UNION
                 SELECT f.id, t.depth + 1 FROM folder f JOIN t ON f.parent_id = t.id WHERE f.user_id = $2 AND t.depth < 10000
             )
             SELECT id FROM t GROUP BY id ORDER BY min(depth), id",
            &[&id, &user_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// `has_folder_access`: the user owns the folder or one of its ancestors, or holds a grant of
/// `permission` on one of them (directly, through a group, or the public `user:*` grant). The
/// ancestors are walked by id (as the reference's `get_folder_by_id`); the walk ends on cycles.
pub async fn has_access(db: &impl GenericClient, folder_id: &str, user_id: &str, group_ids: &[String], permission: &str) -> Result<bool, DbError> {
    let row = db
        .query_one(
            "WITH RECURSIVE chain(id, parent_id, user_id) AS (
                 SELECT f.id, f.parent_id, f.user_id FROM folder f WHERE f.id = $1
                 UNION
                 SELECT f.id, f.parent_id, f.user_id FROM folder f JOIN chain c ON f.id = c.parent_id
             )
             SELECT EXISTS (SELECT 1 FROM chain WHERE user_id = $2)
                 OR EXISTS (SELECT 1 FROM access_grant a JOIN chain c ON a.resource_id = c.id
                            WHERE a.resource_type = 'folder' AND a.permission = $4
                              AND ((a.principal_type = 'user' AND a.principal_id IN ('*', $2))
                                   OR (a.principal_type = 'group' AND a.principal_id = ANY($3))))",
            &[&folder_id, &user_id, &group_ids, &permission],
        )
        .await?;
    Ok(row.get(0))
}

/// `Folders.get_shared_folder_ids_for_user`: `{folder_id: highest permission}` over the grants
/// on the user's own folders, public grants, the user's and their groups'.
pub async fn shared_folder_permissions(db: &impl GenericClient, user_id: &str, group_ids: &[String]) -> Result<HashMap<String, String>, DbError> {
    let rows = db
        .query(
            "SELECT a.resource_id, max(a.permission) FROM access_grant a
             WHERE a.resource_type = 'folder'
               AND (a.resource_id IN (SELECT f.id FROM folder f WHERE f.user_id = $1)
                    OR (a.principal_type = 'user' AND a.principal_id IN ('*', $1))
                    OR (a.principal_type = 'group' AND a.principal_id = ANY($2)))
             GROUP BY a.resource_id",
            &[&user_id, &group_ids],
        )
        .await?;
    // 'write' > 'read' as text too.
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// A grant of a folder (`AccessGrantModel`).
#[derive(Debug, Clone)]
pub struct GrantRow {
    pub id: String,
    pub resource_type: String,
    pub resource_id: String,
    pub principal_type: String,
    pub principal_id: String,
    pub permission: String,
    pub created_at: i64,
}

/// `AccessGrants.get_grants_by_resource('folder', id)` (in insertion order, as the reference's
/// unordered select returns them on a fresh table).
pub async fn grants(db: &impl GenericClient, folder_id: &str) -> Result<Vec<GrantRow>, DbError> {
    let rows = db
        .query(
            "SELECT id, resource_type, resource_id, principal_type, principal_id, permission, created_at
             FROM access_grant WHERE resource_type = 'folder' AND resource_id = $1 ORDER BY created_at, ctid",
            &[&folder_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| GrantRow {
            id: r.get(0),
            resource_type: r.get(1),
            resource_id: r.get(2),
            principal_type: r.get(3),
            principal_id: r.get(4),
            permission: r.get(5),
            created_at: r.get(6),
        })
        .collect())
}

/// `AccessGrants.set_access_grants('folder', id, grants)` and, when `data` is given, the folder's
/// new `data` (`share_mode`), in one transaction. `grants`: (principal_type, principal_id,
/// permission), already normalised.
pub async fn replace_grants(
    db: &mut deadpool_postgres::Object,
    folder: &FolderRow,
    grants: &[(String, String, String)],
    data: Option<&Value>,
    now: i64,
) -> Result<Option<FolderRow>, DbError> {
    let tx = db.transaction().await?;
    tx.execute("DELETE FROM access_grant WHERE resource_type = 'folder' AND resource_id = $1", &[&folder.id]).await?;
    for (ptype, pid, perm) in grants {
        tx.execute(
            "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at)
             VALUES ($1, 'folder', $2, $3, $4, $5, $6)",
            &[&uuid::Uuid::new_v4().to_string(), &folder.id, ptype, pid, perm, &now],
        )
        .await?;
    }
    let updated = match data {
        Some(d) => {
            let sql = format!("UPDATE folder f SET data = $3, updated_at = $4 WHERE f.id = $1 AND f.user_id = $2 RETURNING {COLUMNS}");
            tx.query_opt(&sql, &[&folder.id, &folder.user_id, &d, &now]).await?.as_ref().map(FolderRow::from_row)
        }
        None => None,
    };
    tx.commit().await?;
    Ok(updated)
}

/// `Chats.count_unread_by_folder_ids`: the user's unarchived chats per folder changed since
/// they last read them, without an assistant message still being written.
pub async fn unread_by_folder(db: &impl GenericClient, user_id: &str, folder_ids: &[String]) -> Result<HashMap<String, i64>, DbError> {
    if folder_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT c.folder_id, count(c.id) FROM chat c
         WHERE c.user_id = $1 AND c.folder_id = ANY($2) AND c.archived = false
           AND c.updated_at > coalesce(c.last_read_at, 0)
           AND NOT EXISTS (SELECT 1 FROM chat_message m WHERE m.chat_id = c.id AND m.role = 'assistant' AND m.done IS false)
         GROUP BY c.folder_id"
    );
    let rows = db.query(&sql, &[&user_id, &folder_ids]).await?;
    Ok(rows.iter().filter_map(|r| Some((r.get::<_, Option<String>>(0)?, r.get(1)))).collect())
}

/// `Chats.mark_chats_read_by_folder_ids`: the number of chats marked.
pub async fn mark_read(db: &impl GenericClient, user_id: &str, folder_ids: &[String]) -> Result<u64, DbError> {
    if folder_ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE chat c SET last_read_at = c.updated_at
         WHERE c.user_id = $1 AND c.folder_id = ANY($2) AND c.archived = false AND {NOT_INTERNAL}"
    );
    Ok(db.execute(&sql, &[&user_id, &folder_ids]).await?)
}

/// `Chats.count_chats_by_folder_ids_and_user_id`.
pub async fn count_chats_of_owner(db: &impl GenericClient, folder_ids: &[String], user_id: &str) -> Result<i64, DbError> {
    if folder_ids.is_empty() {
        return Ok(0);
    }
    let sql = format!("SELECT count(*) FROM chat c WHERE c.user_id = $1 AND c.folder_id = ANY($2) AND {NOT_INTERNAL}");
    Ok(db.query_one(&sql, &[&user_id, &folder_ids]).await?.get(0))
}

/// One chat of a folder's listing (no chat body read).
#[derive(Debug, Clone)]
pub struct FolderChat {
    pub id: String,
    pub title: Option<String>,
    pub user_id: Option<String>,
    pub updated_at: Option<i64>,
    pub created_at: Option<i64>,
    pub last_read_at: Option<i64>,
}

/// The listing's order (`chat_list_order`): a column (`title` or `updated_at`) and `id`, or,
/// for `unread_updated_at`, the caller's unread chats first, then newest change.
fn list_order(sort_by: &str, sort_dir: &str) -> &'static str {
    match (sort_by, sort_dir) {
        ("unread_updated_at", _) => {
            "CASE WHEN c.updated_at > coalesce(c.last_read_at, 0)
                   AND NOT EXISTS (SELECT 1 FROM chat_message m WHERE m.chat_id = c.id AND m.role = 'assistant' AND m.done IS false)
                   AND c.user_id = $2 THEN 1 ELSE 0 END DESC, c.updated_at DESC, c.id"
        }
        ("title", "asc") => "c.title ASC, c.id",
        ("title", _) => "c.title DESC, c.id",
        (_, "asc") => "c.updated_at ASC, c.id",
        _ => "c.updated_at DESC, c.id",
    }
}

/// `Chats.get_all_chats_by_folder_id`: every user's unpinned, unarchived chats in a folder.
pub async fn chats_in_folder(
    db: &impl GenericClient,
    folder_id: &str,
    user_id: &str,
    sort_by: &str,
    sort_dir: &str,
    skip: i64,
    limit: i64,
) -> Result<Vec<FolderChat>, DbError> {
    // `$2` (the caller, for the unread order) is typed even where the order does not use it.
    let sql = format!(
        "SELECT c.id, c.title, c.user_id, c.updated_at, c.created_at, c.last_read_at FROM chat c
         WHERE c.folder_id = $1 AND (c.pinned = false OR c.pinned IS NULL) AND c.archived = false AND {NOT_INTERNAL}
           AND $2::text IS NOT NULL
         ORDER BY {} OFFSET $3 LIMIT $4",
        list_order(sort_by, sort_dir)
    );
    let rows = db.query(&sql, &[&folder_id, &user_id, &skip, &limit]).await?;
    Ok(rows
        .iter()
        .map(|r| FolderChat {
            id: r.get(0),
            title: r.get(1),
            user_id: r.get(2),
            updated_at: r.get(3),
            created_at: r.get(4),
            last_read_at: r.get(5),
        })
        .collect())
}

/// `Chats.count_all_chats_by_folder_id`.
pub async fn count_chats_in_folder(db: &impl GenericClient, folder_id: &str) -> Result<i64, DbError> {
    let sql = format!(
        "SELECT count(c.id) FROM chat c
         WHERE c.folder_id = $1 AND (c.pinned = false OR c.pinned IS NULL) AND c.archived = false AND {NOT_INTERNAL}"
    );
    Ok(db.query_one(&sql, &[&folder_id]).await?.get(0))
}

/// `Chats.get_participant_ids_by_chat_ids` (its PostgreSQL statement): per chat, the distinct
/// authors of its user messages (`user_id`, else `user.id`, else the chat's owner), sorted.
pub async fn participant_ids(db: &impl GenericClient, chat_ids: &[String]) -> Result<HashMap<String, Vec<String>>, DbError> {
    let mut out: HashMap<String, Vec<String>> = chat_ids.iter().map(|id| (id.clone(), Vec::new())).collect();
    if chat_ids.is_empty() {
        return Ok(out);
    }
    let author = |path: &str| {
        format!("CASE WHEN json_typeof(message#>'{path}') = 'string' AND trim(message#>>'{path}') <> '' THEN message#>>'{path}' END")
    };
    let sql = format!(
        "WITH messages AS (
             SELECT c.id AS chat_id, c.user_id AS owner_id, m.message
             FROM chat AS c CROSS JOIN LATERAL (
                 SELECT value AS message FROM json_each(
                     CASE WHEN json_typeof(c.chat#>'{{history,messages}}') = 'object'
                         THEN c.chat#>'{{history,messages}}' ELSE '{{}}'::json END)
                 UNION ALL
                 SELECT value AS message FROM json_array_elements(
                     CASE WHEN json_typeof(c.chat#>'{{history,messages}}') IS DISTINCT FROM 'object'
                         AND json_typeof(c.chat->'messages') = 'array'
                         THEN c.chat->'messages' ELSE '[]'::json END)
             ) AS m
             WHERE c.id = ANY($1)
         ), authors AS (
             SELECT chat_id, COALESCE({}, {}, NULLIF(trim(owner_id), '')) AS author_id
             FROM messages WHERE message->>'role' = 'user'
         )
         SELECT DISTINCT chat_id, author_id FROM authors WHERE author_id IS NOT NULL ORDER BY chat_id, author_id",
        author("{user_id}"),
        author("{user,id}")
    );
    for r in db.query(&sql, &[&chat_ids]).await? {
        let chat_id: String = r.get(0);
        if let Some(list) = out.get_mut(&chat_id) {
            list.push(r.get(1));
        }
    }
    Ok(out)
}

/// Names of users by id (`Users.get_users_by_user_ids`, only the names).
pub async fn user_names(db: &impl GenericClient, ids: &[String]) -> Result<HashMap<String, String>, DbError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = db.query(r#"SELECT id, name FROM "user" WHERE id = ANY($1)"#, &[&ids]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// A user's role (`None`: no such user).
pub async fn user_role(db: &impl GenericClient, id: &str) -> Result<Option<String>, DbError> {
    let row = db.query_opt(r#"SELECT role FROM "user" WHERE id = $1"#, &[&id]).await?;
    Ok(row.map(|r| r.get::<_, Option<String>>(0).unwrap_or_default()))
}

/// Deletes a folder's subtree as `delete_folder_by_id` does, in one transaction: the folders
/// (the owner's, from `id` down), the owner's chats in them when `delete_contents` (their
/// `chat_message` and `shared_chat` rows, `automation_run.chat_id` cleared), every other chat
/// left in them moved to no folder, their access grants, and the owner's automations' folder.
pub async fn delete_subtree(
    db: &mut deadpool_postgres::Object,
    owner_id: &str,
    folder_ids: &[String],
    delete_contents: bool,
    now_ns: i64,
) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    tx.execute("DELETE FROM folder WHERE user_id = $1 AND id = ANY($2)", &[&owner_id, &folder_ids]).await?;
    if delete_contents {
        let chats = "SELECT c.id FROM chat c WHERE c.user_id = $1 AND c.folder_id = ANY($2)";
        tx.execute(&format!("UPDATE automation_run SET chat_id = NULL WHERE chat_id IN ({chats})"), &[&owner_id, &folder_ids]).await?;
        tx.execute(&format!("DELETE FROM chat_message WHERE chat_id IN ({chats})"), &[&owner_id, &folder_ids]).await?;
        tx.execute(&format!("DELETE FROM shared_chat WHERE chat_id IN ({chats})"), &[&owner_id, &folder_ids]).await?;
        tx.execute("DELETE FROM chat WHERE user_id = $1 AND folder_id = ANY($2)", &[&owner_id, &folder_ids]).await?;
    }
    tx.execute("UPDATE chat SET folder_id = NULL WHERE folder_id = ANY($1)", &[&folder_ids]).await?;
    tx.execute("DELETE FROM access_grant WHERE resource_type = 'folder' AND resource_id = ANY($1)", &[&folder_ids]).await?;
    tx.execute(
        "UPDATE automation SET folder_id = NULL, updated_at = $3 WHERE user_id = $1 AND folder_id = ANY($2)",
        &[&owner_id, &folder_ids, &now_ns],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether every folder file entry (`(type, id)`: `file`, `collection` or `note`) is one the user
/// may read: a file they own or that is in a knowledge base they own or are granted; a knowledge
/// base (collection) or note they own or are granted read on.
pub async fn can_read_entries(db: &impl GenericClient, user_id: &str, group_ids: &[String], entries: &[(String, String)]) -> Result<bool, DbError> {
    if entries.is_empty() {
        return Ok(true);
    }
    let (kinds, ids): (Vec<String>, Vec<String>) = entries.iter().cloned().unzip();
    let granted = |rtype: &str, col: &str| {
        format!(
            "EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = '{rtype}' AND a.resource_id = {col} AND a.permission = 'read'
                     AND ((a.principal_type = 'user' AND a.principal_id IN ('*', $1))
                          OR (a.principal_type = 'group' AND a.principal_id = ANY($2))))"
        )
    };
    let sql = format!(
        "SELECT bool_and(CASE e.kind
             WHEN 'file' THEN EXISTS (SELECT 1 FROM file fi WHERE fi.id = e.id AND fi.user_id = $1)
                 OR EXISTS (SELECT 1 FROM knowledge_file kf JOIN knowledge k ON k.id = kf.knowledge_id
                            WHERE kf.file_id = e.id AND (k.user_id = $1 OR {}))
             WHEN 'collection' THEN EXISTS (SELECT 1 FROM knowledge k WHERE k.id = e.id AND (k.user_id = $1 OR {}))
             WHEN 'note' THEN EXISTS (SELECT 1 FROM note n WHERE n.id = e.id AND (n.user_id = $1 OR {}))
             ELSE false END)
         FROM unnest($3::text[], $4::text[]) AS e(kind, id)",
        granted("knowledge", "k.id"),
        granted("knowledge", "k.id"),
        granted("note", "n.id"),
    );
    let row = db.query_one(&sql, &[&user_id, &group_ids, &kinds, &ids]).await?;
    Ok(row.get::<_, Option<bool>>(0).unwrap_or(true))
}
