//! Tables `chat`, `chat_message` and `tag` (and the few `folder`, `shared_chat` and
//! `access_grant` reads the chat routes need): the reference's `Chats`, `ChatMessages` and
//! `Tags` data access (`models/chats.py`, `models/chat_messages.py`, `models/tags.py`).
//!
//! List queries select only the columns of `ChatTitleIdResponse`, never the `chat` body; the
//! sidebar's first page is an index scan of `user_id_updated_at_id_idx`.
//! `meta->>'internal'` marks the reference's internal (sub-agent) chats, which no list shows.

use serde_json::{Map, Value};
use tokio_postgres::{GenericClient, Row};

use super::DbError;

/// Excludes the reference's internal chats (`Chat.meta['internal'].as_boolean().is_not(True)`).
pub const NOT_INTERNAL: &str = "(c.meta->>'internal')::boolean IS NOT TRUE";

/// One `chat` row, as `ChatModel` reads it.
#[derive(Debug, Clone)]
pub struct ChatRow {
    pub id: String,
    pub user_id: String,
    pub title: String,
    pub chat: Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
    pub share_id: Option<String>,
    pub archived: bool,
    pub pinned: Option<bool>,
    pub meta: Map<String, Value>,
    pub variables: Map<String, Value>,
    pub folder_id: Option<String>,
    pub tasks: Option<Vec<Value>>,
    pub summary: Option<String>,
    pub current_message_id: Option<String>,
    pub last_read_at: Option<i64>,
}

/// The columns [`ChatRow::from_row`] reads, for `SELECT {CHAT_COLUMNS} FROM chat c`.
pub const CHAT_COLUMNS: &str = "c.id, c.user_id, c.title, c.chat, c.created_at, c.updated_at, c.share_id, c.archived, \
     c.pinned, c.meta, c.variables, c.folder_id, c.tasks, c.summary, c.current_message_id, c.last_read_at";

fn object(v: Option<Value>) -> Map<String, Value> {
    match v {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

impl ChatRow {
    pub fn from_row(r: &Row) -> ChatRow {
        ChatRow {
            id: r.get(0),
            user_id: r.get::<_, Option<String>>(1).unwrap_or_default(),
            title: r.get::<_, Option<String>>(2).unwrap_or_default(),
            chat: object(r.get(3)),
            created_at: r.get::<_, Option<i64>>(4).unwrap_or(0),
            updated_at: r.get::<_, Option<i64>>(5).unwrap_or(0),
            share_id: r.get(6),
            archived: r.get::<_, Option<bool>>(7).unwrap_or(false),
            pinned: r.get(8),
            meta: object(r.get(9)),
            variables: object(r.get(10)),
            folder_id: r.get(11),
            tasks: match r.get::<_, Option<Value>>(12) {
                Some(Value::Array(a)) => Some(a),
                _ => None,
            },
            summary: r.get(13),
            current_message_id: r.get(14),
            last_read_at: r.get(15),
        }
    }

    /// The tag ids in `meta.tags` (strings only).
    pub fn tag_ids(&self) -> Vec<String> {
        tag_ids_of(&self.meta)
    }
}

/// The tag ids in a chat's `meta.tags` (strings only).
pub fn tag_ids_of(meta: &Map<String, Value>) -> Vec<String> {
    match meta.get("tags") {
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// A sidebar entry: the columns of `ChatTitleIdResponse`.
#[derive(Debug, Clone)]
pub struct TitleRow {
    pub id: String,
    pub title: String,
    pub updated_at: i64,
    pub created_at: i64,
    pub last_read_at: Option<i64>,
}

const TITLE_COLUMNS: &str = "c.id, c.title, c.updated_at, c.created_at, c.last_read_at";

fn title_row(r: &Row) -> TitleRow {
    TitleRow {
        id: r.get(0),
        title: r.get::<_, Option<String>>(1).unwrap_or_default(),
        updated_at: r.get::<_, Option<i64>>(2).unwrap_or(0),
        created_at: r.get::<_, Option<i64>>(3).unwrap_or(0),
        last_read_at: r.get(4),
    }
}

/// The order of a chat list (`chat_list_order`): by title or `updated_at`, or unread first.
#[derive(Debug, Clone, Copy)]
pub enum ListOrder {
    Title { asc: bool },
    Updated { asc: bool },
    /// `unread_updated_at`: unread chats (updated since read, no unfinished answer) first.
    Unread,
}

impl ListOrder {
    /// `chat_list_order(sort_by, sort_dir)`.
    pub fn parse(sort_by: &str, sort_dir: &str) -> ListOrder {
        let asc = sort_dir == "asc";
        match sort_by {
            "unread_updated_at" => ListOrder::Unread,
            "title" => ListOrder::Title { asc },
            _ => ListOrder::Updated { asc },
        }
    }

    fn sql(self) -> &'static str {
        match self {
            ListOrder::Title { asc: true } => "c.title ASC, c.id",
            ListOrder::Title { asc: false } => "c.title DESC, c.id",
            ListOrder::Updated { asc: true } => "c.updated_at ASC, c.id",
            ListOrder::Updated { asc: false } => "c.updated_at DESC, c.id",
            ListOrder::Unread => {
                "CASE WHEN c.updated_at > coalesce(c.last_read_at, 0) AND NOT EXISTS (SELECT 1 FROM chat_message m \
                 WHERE m.chat_id = c.id AND m.role = 'assistant' AND m.done IS false) THEN 1 ELSE 0 END DESC, \
                 c.updated_at DESC, c.id"
            }
        }
    }
}

/// `OFFSET`/`LIMIT` as SQLAlchemy adds them (`if skip:` / `if limit:`: zero means none).
fn page_sql(skip: i64, limit: Option<i64>) -> String {
    let mut s = String::new();
    if skip != 0 {
        s.push_str(&format!(" OFFSET {skip}"));
    }
    if let Some(l) = limit.filter(|l| *l != 0) {
        s.push_str(&format!(" LIMIT {l}"));
    }
    s
}

/// `get_chat_title_id_list_by_user_id` (archived never included here).
pub async fn title_list(
    db: &impl GenericClient,
    user_id: &str,
    include_folders: bool,
    include_pinned: bool,
    order: ListOrder,
    skip: i64,
    limit: Option<i64>,
) -> Result<Vec<TitleRow>, DbError> {
    let sql = title_list_sql(include_folders, include_pinned, order, skip, limit);
    Ok(db.query(&sql, &[&user_id]).await?.iter().map(title_row).collect())
}

/// The statement of [`title_list`] (`$1` the user), for `EXPLAIN` in the tests.
pub fn title_list_sql(include_folders: bool, include_pinned: bool, order: ListOrder, skip: i64, limit: Option<i64>) -> String {
    let mut sql = format!("SELECT {TITLE_COLUMNS} FROM chat c WHERE c.user_id = $1 AND {NOT_INTERNAL}");
    if !include_folders {
        sql.push_str(" AND c.folder_id IS NULL");
    }
    if !include_pinned {
        sql.push_str(" AND (c.pinned = false OR c.pinned IS NULL)");
    }
    sql.push_str(" AND c.archived = false ORDER BY ");
    sql.push_str(order.sql());
    sql.push_str(&page_sql(skip, limit));
    sql
}

/// `get_chat_list_by_user_id` and `get_archived_chat_list_by_user_id`: title filter, an order
/// by any column (`order_by` checked by the caller against [`ORDERABLE`]), pages.
pub async fn filtered_list(
    db: &impl GenericClient,
    user_id: &str,
    archived_only: bool,
    include_archived: bool,
    query: Option<&str>,
    order: Option<(&str, bool)>,
    unordered: bool,
    skip: i64,
    limit: i64,
) -> Result<Vec<TitleRow>, DbError> {
    let mut sql = format!("SELECT {TITLE_COLUMNS} FROM chat c WHERE c.user_id = $1 AND {NOT_INTERNAL}");
    if archived_only {
        sql.push_str(" AND c.archived = true");
    } else if !include_archived {
        sql.push_str(" AND c.archived = false");
    }
    let pattern = query.map(|q| format!("%{q}%"));
    if pattern.is_some() {
        sql.push_str(" AND c.title ILIKE $2");
    }
    match order {
        Some((column, asc)) => sql.push_str(&format!(" ORDER BY c.{column} {}, c.id", if asc { "ASC" } else { "DESC" })),
        None if unordered => {}
        None => sql.push_str(" ORDER BY c.updated_at DESC, c.id"),
    }
    sql.push_str(&page_sql(skip, Some(limit)));
    let rows = match &pattern {
        Some(p) => db.query(&sql, &[&user_id, p]).await?,
        None => db.query(&sql, &[&user_id]).await?,
    };
    Ok(rows.iter().map(title_row).collect())
}

/// The `Chat` columns an `order_by` may name (`getattr(Chat, order_by)`).
pub const ORDERABLE: &[&str] = &[
    "id", "user_id", "title", "chat", "created_at", "updated_at", "share_id", "archived", "pinned", "meta", "variables",
    "folder_id", "tasks", "summary", "current_message_id", "last_read_at", "timer_at",
];

/// `get_pinned_chats_by_user_id`.
pub async fn pinned_list(db: &impl GenericClient, user_id: &str) -> Result<Vec<TitleRow>, DbError> {
    let sql = format!(
        "SELECT {TITLE_COLUMNS} FROM chat c WHERE c.user_id = $1 AND c.pinned = true AND c.archived = false AND {NOT_INTERNAL} \
         ORDER BY c.updated_at DESC, c.id"
    );
    Ok(db.query(&sql, &[&user_id]).await?.iter().map(title_row).collect())
}

/// `get_chats_by_folder_id_and_user_id`: a folder's chats (not pinned, not archived).
pub async fn folder_title_list(
    db: &impl GenericClient,
    folder_id: &str,
    user_id: &str,
    order: ListOrder,
    skip: i64,
    limit: i64,
) -> Result<Vec<TitleRow>, DbError> {
    let mut sql = format!(
        "SELECT {TITLE_COLUMNS} FROM chat c WHERE c.folder_id = $1 AND c.user_id = $2 AND (c.pinned = false OR c.pinned IS NULL) \
         AND c.archived = false AND {NOT_INTERNAL} ORDER BY "
    );
    sql.push_str(order.sql());
    sql.push_str(&page_sql(skip, Some(limit)));
    Ok(db.query(&sql, &[&folder_id, &user_id]).await?.iter().map(title_row).collect())
}

/// `get_chat_list_by_user_id_and_tag_name`.
pub async fn tag_title_list(db: &impl GenericClient, user_id: &str, tag_id: &str, skip: i64, limit: i64) -> Result<Vec<TitleRow>, DbError> {
    let sql = format!(
        "SELECT {TITLE_COLUMNS} FROM chat c WHERE c.user_id = $1 AND {NOT_INTERNAL} \
         AND EXISTS (SELECT 1 FROM json_array_elements_text(c.meta->'tags') elem WHERE elem = $2) \
         ORDER BY c.updated_at DESC, c.id{}",
        page_sql(skip, Some(limit))
    );
    Ok(db.query(&sql, &[&user_id, &tag_id]).await?.iter().map(title_row).collect())
}

/// Whole chats, for the routes that answer them: by owner and filters.
pub enum WholeFilter<'a> {
    /// `get_archived_chats_by_user_id`.
    Archived,
    /// `get_chats_by_folder_ids_and_user_id`.
    Folders(&'a [String]),
}

pub async fn whole_list(db: &impl GenericClient, user_id: &str, filter: WholeFilter<'_>) -> Result<Vec<ChatRow>, DbError> {
    let rows = match filter {
        WholeFilter::Archived => {
            let sql = format!(
                "SELECT {CHAT_COLUMNS} FROM chat c WHERE c.user_id = $1 AND c.archived = true AND {NOT_INTERNAL} ORDER BY c.updated_at DESC"
            );
            db.query(&sql, &[&user_id]).await?
        }
        WholeFilter::Folders(ids) => {
            let sql = format!(
                "SELECT {CHAT_COLUMNS} FROM chat c WHERE c.folder_id = ANY($2) AND c.user_id = $1 \
                 AND (c.pinned = false OR c.pinned IS NULL) AND c.archived = false AND {NOT_INTERNAL} ORDER BY c.updated_at DESC"
            );
            db.query(&sql, &[&user_id, &ids]).await?
        }
    };
    Ok(rows.iter().map(ChatRow::from_row).collect())
}

/// `get_chats`: every (non-internal) chat of the database, newest first.
pub async fn all_chats(db: &impl GenericClient) -> Result<Vec<ChatRow>, DbError> {
    let sql = format!("SELECT {CHAT_COLUMNS} FROM chat c WHERE {NOT_INTERNAL} ORDER BY c.updated_at DESC");
    Ok(db.query(&sql, &[]).await?.iter().map(ChatRow::from_row).collect())
}

/// One batch of `get_chats_by_user_id` (the export's order: newest first, then id).
pub async fn user_chats_batch(db: &impl GenericClient, user_id: &str, skip: i64, limit: i64) -> Result<Vec<ChatRow>, DbError> {
    let sql = format!(
        "SELECT {CHAT_COLUMNS} FROM chat c WHERE c.user_id = $1 AND {NOT_INTERNAL} ORDER BY c.updated_at DESC, c.id OFFSET $2 LIMIT $3"
    );
    Ok(db.query(&sql, &[&user_id, &skip, &limit]).await?.iter().map(ChatRow::from_row).collect())
}

/// `get_chat_by_id`.
pub async fn get(db: &impl GenericClient, id: &str) -> Result<Option<ChatRow>, DbError> {
    let sql = format!("SELECT {CHAT_COLUMNS} FROM chat c WHERE c.id = $1");
    Ok(db.query_opt(&sql, &[&id]).await?.as_ref().map(ChatRow::from_row))
}

/// `get_chat_by_id` under a row lock (the reference's `_chat_transaction`).
pub async fn get_for_update(db: &impl GenericClient, id: &str) -> Result<Option<ChatRow>, DbError> {
    let sql = format!("SELECT {CHAT_COLUMNS} FROM chat c WHERE c.id = $1 FOR UPDATE");
    Ok(db.query_opt(&sql, &[&id]).await?.as_ref().map(ChatRow::from_row))
}

/// `get_chat_by_id_and_user_id`.
pub async fn get_owned(db: &impl GenericClient, id: &str, user_id: &str) -> Result<Option<ChatRow>, DbError> {
    let sql = format!("SELECT {CHAT_COLUMNS} FROM chat c WHERE c.id = $1 AND c.user_id = $2");
    Ok(db.query_opt(&sql, &[&id, &user_id]).await?.as_ref().map(ChatRow::from_row))
}

/// Whether the chat exists and is the user's (no body read).
pub async fn is_owner(db: &impl GenericClient, id: &str, user_id: &str) -> Result<bool, DbError> {
    Ok(db.query_opt("SELECT 1 FROM chat WHERE id = $1 AND user_id = $2", &[&id, &user_id]).await?.is_some())
}

/// A new chat, as `insert_new_chat` writes it.
pub struct NewChat<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub title: &'a str,
    pub chat: &'a Value,
    pub folder_id: Option<&'a str>,
    pub meta: &'a Value,
    pub variables: &'a Value,
    pub current_message_id: Option<&'a str>,
    pub pinned: Option<bool>,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_read_at: i64,
}

/// Inserts the chat row (`share_id`, `tasks`, `summary`, `timer_at` null, as the reference).
pub async fn insert(db: &impl GenericClient, c: &NewChat<'_>) -> Result<ChatRow, DbError> {
    let sql = format!(
        "INSERT INTO chat AS c (id, user_id, title, chat, created_at, updated_at, share_id, archived, pinned, meta, variables, folder_id, \
         tasks, summary, current_message_id, last_read_at, timer_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10, $11, NULL, NULL, $12, $13, NULL) RETURNING {CHAT_COLUMNS}"
    );
    let r = db
        .query_one(
            &sql,
            &[
                &c.id,
                &c.user_id,
                &c.title,
                c.chat,
                &c.created_at,
                &c.updated_at,
                &c.archived,
                &c.pinned,
                c.meta,
                c.variables,
                &c.folder_id,
                &c.current_message_id,
                &c.last_read_at,
            ],
        )
        .await?;
    Ok(ChatRow::from_row(&r))
}

/// Writes the chat body, title, current message and (when `touch`) `updated_at`.
pub async fn update_body(
    db: &impl GenericClient,
    id: &str,
    title: &str,
    chat: &Value,
    current_message_id: Option<Option<&str>>,
    updated_at: Option<i64>,
) -> Result<ChatRow, DbError> {
    let sql = format!(
        "UPDATE chat AS c SET title = $2, chat = $3, \
         current_message_id = CASE WHEN $4 THEN $5 ELSE c.current_message_id END, \
         updated_at = coalesce($6, c.updated_at) WHERE c.id = $1 RETURNING {CHAT_COLUMNS}"
    );
    let set_current = current_message_id.is_some();
    let current = current_message_id.flatten();
    let r = db.query_one(&sql, &[&id, &title, chat, &set_current, &current, &updated_at]).await?;
    Ok(ChatRow::from_row(&r))
}

/// `update_chat_variables_by_id` (never touching `updated_at` here).
pub async fn update_variables(db: &impl GenericClient, id: &str, variables: &Value) -> Result<Option<ChatRow>, DbError> {
    let sql = format!("UPDATE chat AS c SET variables = $2 WHERE c.id = $1 RETURNING {CHAT_COLUMNS}");
    Ok(db.query_opt(&sql, &[&id, variables]).await?.as_ref().map(ChatRow::from_row))
}

/// `toggle_chat_pinned_by_id`.
pub async fn toggle_pinned(db: &impl GenericClient, id: &str, now: i64) -> Result<Option<ChatRow>, DbError> {
    let sql = format!(
        "UPDATE chat AS c SET pinned = NOT coalesce(c.pinned, false), updated_at = $2, last_read_at = $2 WHERE c.id = $1 RETURNING {CHAT_COLUMNS}"
    );
    Ok(db.query_opt(&sql, &[&id, &now]).await?.as_ref().map(ChatRow::from_row))
}

/// `toggle_chat_archive_by_id` (the chat leaves its folder).
pub async fn toggle_archived(db: &impl GenericClient, id: &str, now: i64) -> Result<Option<ChatRow>, DbError> {
    let sql = format!(
        "UPDATE chat AS c SET archived = NOT coalesce(c.archived, false), folder_id = NULL, updated_at = $2, last_read_at = $2 \
         WHERE c.id = $1 RETURNING {CHAT_COLUMNS}"
    );
    Ok(db.query_opt(&sql, &[&id, &now]).await?.as_ref().map(ChatRow::from_row))
}

/// `archive_all_chats_by_user_id` / `unarchive_all_chats_by_user_id` (internal chats too, as the reference).
pub async fn set_all_archived(db: &impl GenericClient, user_id: &str, archived: bool) -> Result<(), DbError> {
    if archived {
        db.execute("UPDATE chat SET archived = true, folder_id = NULL WHERE user_id = $1", &[&user_id]).await?;
    } else {
        db.execute("UPDATE chat SET archived = false WHERE user_id = $1", &[&user_id]).await?;
    }
    Ok(())
}

/// `count_archived_chats_by_user_id`.
pub async fn count_archived(db: &impl GenericClient, user_id: &str) -> Result<i64, DbError> {
    let sql = format!("SELECT count(c.id) FROM chat c WHERE c.user_id = $1 AND c.archived = true AND {NOT_INTERNAL}");
    Ok(db.query_one(&sql, &[&user_id]).await?.get(0))
}

/// The tags of the archived chats (`unarchive_all_chats`), without reading their bodies.
pub async fn archived_tag_ids(db: &impl GenericClient, user_id: &str) -> Result<Vec<String>, DbError> {
    let sql = format!(
        "SELECT c.meta FROM chat c WHERE c.user_id = $1 AND c.archived = true AND {NOT_INTERNAL} ORDER BY c.updated_at DESC"
    );
    let mut out: Vec<String> = Vec::new();
    for r in db.query(&sql, &[&user_id]).await? {
        for t in tag_ids_of(&object(r.get(0))) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    Ok(out)
}

/// `update_chat_folder_id_by_id_and_user_id`.
pub async fn set_folder(db: &impl GenericClient, id: &str, user_id: &str, folder_id: Option<&str>, now: i64) -> Result<Option<ChatRow>, DbError> {
    let sql = format!(
        "UPDATE chat AS c SET folder_id = $3, updated_at = $4, \
         last_read_at = CASE WHEN c.user_id = $2 THEN $4 ELSE c.last_read_at END, pinned = false, \
         archived = CASE WHEN $3::text IS NOT NULL THEN false ELSE c.archived END \
         WHERE c.id = $1 RETURNING {CHAT_COLUMNS}"
    );
    Ok(db.query_opt(&sql, &[&id, &user_id, &folder_id, &now]).await?.as_ref().map(ChatRow::from_row))
}

/// `mark_chats_read_by_user_id`: the count of chats marked.
pub async fn mark_all_read(db: &impl GenericClient, user_id: &str) -> Result<u64, DbError> {
    let sql = format!("UPDATE chat AS c SET last_read_at = c.updated_at WHERE c.user_id = $1 AND c.archived = false AND {NOT_INTERNAL}");
    Ok(db.execute(&sql, &[&user_id]).await?)
}

/// `mark_chat_unread_by_id`: `last_read_at = 0` on the user's chat.
pub async fn mark_unread(db: &impl GenericClient, id: &str, user_id: &str) -> Result<Option<TitleRow>, DbError> {
    let sql = format!("UPDATE chat AS c SET last_read_at = 0 WHERE c.id = $1 AND c.user_id = $2 RETURNING {TITLE_COLUMNS}");
    Ok(db.query_opt(&sql, &[&id, &user_id]).await?.as_ref().map(title_row))
}

/// `get_folder_unread_counts`: every folder of the user (in the table's order) with the unread
/// chats in it and below it.
/// `update_chat_last_read_at_by_id`: the user's chat marked read at `now`.
pub async fn mark_read(db: &impl GenericClient, id: &str, user_id: &str, now: i64) -> Result<Option<i64>, DbError> {
    let row = db
        .query_opt("UPDATE chat SET last_read_at = $3 WHERE id = $1 AND user_id = $2 RETURNING last_read_at", &[&id, &user_id, &now])
        .await?;
    Ok(row.map(|r| r.get(0)))
}

pub async fn folder_unread_counts(db: &impl GenericClient, user_id: &str) -> Result<Map<String, Value>, DbError> {
    let folders: Vec<(String, Option<String>)> = db
        .query("SELECT id, parent_id FROM folder WHERE user_id = $1", &[&user_id])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut counts: Vec<(String, i64)> = folders.iter().map(|(id, _)| (id.clone(), 0)).collect();
    if folders.is_empty() {
        return Ok(Map::new());
    }
    let ids: Vec<&str> = folders.iter().map(|(id, _)| id.as_str()).collect();
    let direct = db
        .query(
            "SELECT c.folder_id, count(c.id) FROM chat c WHERE c.user_id = $1 AND c.folder_id = ANY($2) AND c.archived = false \
             AND c.updated_at > coalesce(c.last_read_at, 0) AND NOT EXISTS (SELECT 1 FROM chat_message m WHERE m.chat_id = c.id \
             AND m.role = 'assistant' AND m.done IS false) GROUP BY c.folder_id",
            &[&user_id, &ids],
        )
        .await?;
    let parent = |id: &str| folders.iter().find(|(f, _)| f == id).and_then(|(_, p)| p.clone());
    for r in direct {
        let Some(folder_id): Option<String> = r.get(0) else { continue };
        let n: i64 = r.get(1);
        let mut seen: Vec<String> = Vec::new();
        let mut current = Some(folder_id);
        while let Some(c) = current.filter(|c| !c.is_empty() && !seen.contains(c)) {
            seen.push(c.clone());
            if let Some(e) = counts.iter_mut().find(|(f, _)| *f == c) {
                e.1 += n;
            }
            current = parent(&c);
        }
    }
    Ok(counts.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
}

/// `get_chat_folder_id`.
pub async fn folder_of(db: &impl GenericClient, id: &str, user_id: &str) -> Result<Option<String>, DbError> {
    Ok(db
        .query_opt("SELECT folder_id FROM chat WHERE id = $1 AND user_id = $2", &[&id, &user_id])
        .await?
        .and_then(|r| r.get(0)))
}

/// `delete_chat_by_id` (with `user_id`: `delete_chat_by_id_and_user_id`): its automation runs
/// let go, its messages, the chat and its shared snapshot.
pub async fn delete(db: &impl GenericClient, id: &str, user_id: Option<&str>) -> Result<(), DbError> {
    db.execute("UPDATE automation_run SET chat_id = NULL WHERE chat_id = $1", &[&id]).await?;
    db.execute("DELETE FROM chat_message WHERE chat_id = $1", &[&id]).await?;
    match user_id {
        Some(u) => db.execute("DELETE FROM chat WHERE id = $1 AND user_id = $2", &[&id, &u]).await?,
        None => db.execute("DELETE FROM chat WHERE id = $1", &[&id]).await?,
    };
    db.execute("DELETE FROM shared_chat WHERE chat_id = $1", &[&id]).await?;
    Ok(())
}

/// `get_internal_chat_ids_by_parent_id`: the internal chats spawned from a chat.
pub async fn internal_children(db: &impl GenericClient, parent_id: &str, user_id: &str) -> Result<Vec<String>, DbError> {
    Ok(db
        .query(
            "SELECT id FROM chat WHERE user_id = $2 AND (meta->>'internal')::boolean IS TRUE AND meta->>'parent_chat_id' = $1",
            &[&parent_id, &user_id],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// `delete_chats_by_user_id`: shared snapshots, automation links, messages, chats.
pub async fn delete_all(db: &impl GenericClient, user_id: &str) -> Result<(), DbError> {
    db.execute("DELETE FROM shared_chat WHERE user_id = $1", &[&user_id]).await?;
    db.execute("UPDATE chat SET share_id = NULL WHERE user_id = $1", &[&user_id]).await?;
    db.execute("UPDATE automation_run SET chat_id = NULL WHERE chat_id IN (SELECT id FROM chat WHERE user_id = $1)", &[&user_id])
        .await?;
    db.execute("DELETE FROM chat_message WHERE chat_id IN (SELECT id FROM chat WHERE user_id = $1)", &[&user_id]).await?;
    db.execute("DELETE FROM chat WHERE user_id = $1", &[&user_id]).await?;
    Ok(())
}

/// Replaces a chat's `meta` (tag changes touch only this column, never the body).
pub async fn set_meta(db: &impl GenericClient, id: &str, meta: &Value) -> Result<(), DbError> {
    db.execute("UPDATE chat SET meta = $2 WHERE id = $1", &[&id, meta]).await?;
    Ok(())
}

/// A chat's `meta` only (`select(Chat.meta)`), locked for the change that follows.
pub async fn meta_for_update(db: &impl GenericClient, id: &str) -> Result<Option<Map<String, Value>>, DbError> {
    Ok(db.query_opt("SELECT meta FROM chat WHERE id = $1 FOR UPDATE", &[&id]).await?.map(|r| object(r.get(0))))
}

// ---- search ----

/// The parsed filters of a search (`get_chats_by_user_id_and_search_text`).
#[derive(Debug, Default)]
pub struct Search {
    pub tag_ids: Vec<String>,
    /// `folder:` given: only chats in these folders (possibly none).
    pub folder_ids: Option<Vec<String>>,
    pub pinned: Option<bool>,
    pub archived: Option<bool>,
    pub shared: Option<bool>,
    pub phrase: String,
    pub terms: Vec<String>,
}

/// The content match of one key (`chat_search_message_content_match_sql` for PostgreSQL):
/// the `chat_message` rows, the history's messages, the legacy list.
fn content_match(p: usize) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM chat_message AS message WHERE message.chat_id = c.id AND message.user_id = c.user_id \
         AND json_typeof(message.content) = 'string' AND LOWER(message.content #>> '{{}}') LIKE '%' || ${p} || '%') \
         OR EXISTS (SELECT 1 FROM json_each(CASE WHEN json_typeof(c.chat#>'{{history,messages}}') = 'object' THEN c.chat#>'{{history,messages}}' END) AS history_message \
         WHERE json_typeof(history_message.value->'content') = 'string' AND LOWER(history_message.value->>'content') LIKE '%' || ${p} || '%') \
         OR EXISTS (SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(c.chat->'messages') = 'array' THEN c.chat->'messages' END) AS legacy_message \
         WHERE json_typeof(legacy_message->'content') = 'string' AND LOWER(legacy_message->>'content') LIKE '%' || ${p} || '%'))"
    )
}

/// The search's page of whole chats (the snippet needs the messages).
pub async fn search(db: &impl GenericClient, user_id: &str, s: &Search, skip: i64, limit: i64) -> Result<Vec<ChatRow>, DbError> {
    let mut params: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = vec![Box::new(user_id.to_string())];
    let mut sql = format!("SELECT {CHAT_COLUMNS} FROM chat c WHERE c.user_id = $1 AND {NOT_INTERNAL}");
    match s.archived {
        Some(a) => sql.push_str(if a { " AND c.archived = true" } else { " AND c.archived = false" }),
        None => sql.push_str(" AND c.archived = false"),
    }
    if let Some(p) = s.pinned {
        sql.push_str(if p { " AND c.pinned = true" } else { " AND c.pinned = false" });
    }
    if let Some(sh) = s.shared {
        sql.push_str(if sh { " AND c.share_id IS NOT NULL" } else { " AND c.share_id IS NULL" });
    }
    if let Some(ids) = &s.folder_ids {
        params.push(Box::new(ids.clone()));
        sql.push_str(&format!(" AND c.folder_id = ANY(${})", params.len()));
    }
    let mut exact = None;
    if !s.phrase.is_empty() {
        params.push(Box::new(format!("%{}%", s.phrase)));
        let t = params.len();
        params.push(Box::new(s.phrase.clone()));
        let e = format!("(c.title ILIKE ${t} OR {})", content_match(params.len()));
        let mut terms = Vec::new();
        for term in &s.terms {
            params.push(Box::new(format!("%{term}%")));
            let t = params.len();
            params.push(Box::new(term.clone()));
            terms.push(format!("(c.title ILIKE ${t} OR {})", content_match(params.len())));
        }
        if terms.is_empty() {
            sql.push_str(&format!(" AND {e}"));
        } else {
            sql.push_str(&format!(" AND ({e} OR ({}))", terms.join(" AND ")));
        }
        exact = Some(e);
    }
    sql.push_str(" AND c.chat::text NOT LIKE '%\\\\u0000%' AND c.title::text NOT LIKE '%\\x00%'");
    if s.tag_ids.iter().any(|t| t == "none") {
        sql.push_str(" AND NOT EXISTS (SELECT 1 FROM json_array_elements_text(c.meta->'tags') AS tag)");
    } else {
        for t in &s.tag_ids {
            params.push(Box::new(t.clone()));
            sql.push_str(&format!(" AND EXISTS (SELECT 1 FROM json_array_elements_text(c.meta->'tags') AS tag WHERE tag = ${})", params.len()));
        }
    }
    match exact {
        Some(e) => sql.push_str(&format!(" ORDER BY CASE WHEN {e} THEN 0 ELSE 1 END, c.updated_at DESC, c.id")),
        None => sql.push_str(" ORDER BY c.updated_at DESC, c.id"),
    }
    sql.push_str(&format!(" OFFSET {skip} LIMIT {limit}"));
    let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
    Ok(db.query(&sql, &refs).await?.iter().map(ChatRow::from_row).collect())
}

/// `Folders.search_folders_by_names`: the user's folders whose normalised name is one of
/// `names`, with all their subfolders.
pub async fn folders_by_names(db: &impl GenericClient, user_id: &str, names: &[String]) -> Result<Vec<String>, DbError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    // `normalize_folder_name`: runs of whitespace and `_` become one space; trimmed, lower case.
    let norm = |s: &str| {
        let mut out = String::new();
        let mut gap = false;
        for ch in s.chars() {
            if ch.is_whitespace() || ch == '_' {
                gap = true;
            } else {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push(ch);
            }
        }
        out.to_lowercase()
    };
    let wanted: Vec<String> = names.iter().map(|n| norm(n)).collect();
    let rows = db.query("SELECT id, name, parent_id FROM folder WHERE user_id = $1", &[&user_id]).await?;
    let folders: Vec<(String, String, Option<String>)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let mut out: Vec<String> = Vec::new();
    for (id, name, _) in &folders {
        if wanted.contains(&norm(name)) {
            let mut stack = vec![id.clone()];
            while let Some(f) = stack.pop() {
                if out.contains(&f) {
                    continue;
                }
                out.push(f.clone());
                stack.extend(folders.iter().filter(|(_, _, p)| p.as_deref() == Some(f.as_str())).map(|(c, _, _)| c.clone()));
            }
        }
    }
    Ok(out)
}

/// `get_children_folders_by_id_and_user_id` plus the folder: the ids of the user's folder and
/// every folder below it (none when the folder is not the user's).
pub async fn folder_subtree(db: &impl GenericClient, folder_id: &str, user_id: &str) -> Result<Vec<String>, DbError> {
    let rows = db
        .query(
            "WITH RECURSIVE t(id) AS (SELECT id FROM folder WHERE id = $1 AND user_id = $2 \
             UNION SELECT f.id FROM folder f JOIN t ON f.parent_id = t.id WHERE f.user_id = $2) SELECT id FROM t",
            &[&folder_id, &user_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// `Folders.get_folder_by_id_and_user_id` found: the folder is the user's.
pub async fn folder_owned(db: &impl GenericClient, folder_id: &str, user_id: &str) -> Result<bool, DbError> {
    Ok(db.query_opt("SELECT 1 FROM folder WHERE id = $1 AND user_id = $2", &[&folder_id, &user_id]).await?.is_some())
}

/// `has_chat_move_access`'s `get_owned_folder_root_id`: walking up from the folder, every
/// folder must be the user's; the answer is the topmost shared one (with any grant), else the
/// root. `None` for no folder, a foreign one on the way, or a loop.
pub async fn owned_folder_root(db: &impl GenericClient, folder_id: Option<&str>, user_id: &str) -> Result<Option<String>, DbError> {
    let mut seen: Vec<String> = Vec::new();
    let mut shared_root: Option<String> = None;
    let mut current = folder_id.filter(|f| !f.is_empty()).map(str::to_string);
    while let Some(id) = current.take() {
        if seen.contains(&id) {
            return Ok(None);
        }
        seen.push(id.clone());
        let Some(r) = db
            .query_opt(
                "SELECT f.user_id, f.parent_id, EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = 'folder' AND a.resource_id = f.id) \
                 FROM folder f WHERE f.id = $1",
                &[&id],
            )
            .await?
        else {
            return Ok(None);
        };
        let owner: String = r.get(0);
        if owner != user_id {
            return Ok(None);
        }
        if r.get::<_, bool>(2) {
            shared_root = Some(id.clone());
        }
        match r.get::<_, Option<String>>(1).filter(|p| !p.is_empty()) {
            None => return Ok(Some(shared_root.unwrap_or(id))),
            Some(p) => current = Some(p),
        }
    }
    Ok(None)
}

/// The SQL of the user's group ids, inherited ones included (`$2` the user).
const USER_GROUPS: &str = r#"groups(id) AS (
       SELECT group_id FROM group_member WHERE user_id = $2
       UNION
       SELECT g.parent_group_id FROM "group" g JOIN groups ON g.id = groups.id WHERE g.parent_group_id IS NOT NULL
   )"#;

/// A grant on `a` matching the user (`$2`): public, theirs, or one of their groups'.
const GRANT_MATCHES: &str =
    "((a.principal_type = 'user' AND a.principal_id IN ('*', $2)) OR (a.principal_type = 'group' AND a.principal_id IN (SELECT id FROM groups)))";

/// `get_accessible_chat_by_id`'s shared branch: the chat is shared in `continue` mode and the
/// user holds a `read` grant on the share.
pub async fn shared_continue_readable(db: &impl GenericClient, chat_id: &str, user_id: &str) -> Result<bool, DbError> {
    let sql = format!(
        "WITH RECURSIVE {USER_GROUPS} SELECT EXISTS (SELECT 1 FROM shared_chat s WHERE s.chat_id = $1 AND s.chat->>'share_mode' = 'continue') \
         AND EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = 'shared_chat' AND a.resource_id = $1 AND a.permission = 'read' AND {GRANT_MATCHES})"
    );
    Ok(db.query_one(&sql, &[&chat_id, &user_id]).await?.get(0))
}

/// `get_accessible_chat_by_id`'s folder branch: the chat's folder exists (and, to write, is
/// shared in `continue` mode) and the user owns it or an ancestor, or holds a `read` grant on one.
pub async fn folder_chat_readable(db: &impl GenericClient, folder_id: &str, user_id: &str, write: bool) -> Result<bool, DbError> {
    let sql = format!(
        "WITH RECURSIVE up(id, parent_id, user_id, depth) AS (
             SELECT id, parent_id, user_id, 0 FROM folder WHERE id = $1 AND (NOT $3 OR data->>'share_mode' = 'continue')
             UNION
             SELECT f.id, f.parent_id, f.user_id, up.depth + 1 FROM folder f JOIN up ON f.id = up.parent_id WHERE up.depth < 1000
         ), {USER_GROUPS}
         SELECT EXISTS (SELECT 1 FROM up WHERE up.user_id = $2)
             OR EXISTS (SELECT 1 FROM up JOIN access_grant a ON a.resource_type = 'folder' AND a.resource_id = up.id
                        AND a.permission = 'read' AND {GRANT_MATCHES})"
    );
    Ok(db.query_one(&sql, &[&folder_id, &user_id, &write]).await?.get(0))
}

/// The names of users (`Users.get_users_by_user_ids`).
pub async fn user_names(db: &impl GenericClient, ids: &[String]) -> Result<Vec<(String, String)>, DbError> {
    Ok(db
        .query(r#"SELECT id, name FROM "user" WHERE id = ANY($1)"#, &[&ids])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get::<_, Option<String>>(1).unwrap_or_default()))
        .collect())
}

/// `has_folder_write_access`: the folder exists and the user owns it or one of its ancestors, or
/// holds a `write` grant on one of them (directly, through a group, or public).
pub async fn folder_writable(db: &impl GenericClient, folder_id: &str, user_id: &str) -> Result<bool, DbError> {
    let r = db
        .query_one(
            r#"WITH RECURSIVE up(id, parent_id, user_id, depth) AS (
                   SELECT id, parent_id, user_id, 0 FROM folder WHERE id = $1
                   UNION
                   SELECT f.id, f.parent_id, f.user_id, up.depth + 1 FROM folder f JOIN up ON f.id = up.parent_id WHERE up.depth < 1000
               ),
               groups(id) AS (
                   SELECT group_id FROM group_member WHERE user_id = $2
                   UNION
                   SELECT g.parent_group_id FROM "group" g JOIN groups ON g.id = groups.id WHERE g.parent_group_id IS NOT NULL
               )
               SELECT EXISTS (SELECT 1 FROM up WHERE up.user_id = $2)
                   OR EXISTS (SELECT 1 FROM up JOIN access_grant a ON a.resource_type = 'folder' AND a.resource_id = up.id
                              AND a.permission = 'write'
                              AND ((a.principal_type = 'user' AND a.principal_id IN ('*', $2))
                                   OR (a.principal_type = 'group' AND a.principal_id IN (SELECT id FROM groups))))"#,
            &[&folder_id, &user_id],
        )
        .await?;
    Ok(r.get(0))
}

// ---- tags ----

/// One `tag` row.
#[derive(Debug, Clone)]
pub struct TagRow {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub meta: Option<Map<String, Value>>,
}

fn tag_row(r: &Row) -> TagRow {
    TagRow {
        id: r.get(0),
        name: r.get::<_, Option<String>>(1).unwrap_or_default(),
        user_id: r.get(2),
        meta: match r.get::<_, Option<Value>>(3) {
            Some(Value::Object(m)) => Some(m),
            _ => None,
        },
    }
}

/// The reference's tag id of a name.
pub fn tag_id(name: &str) -> String {
    name.replace(' ', "_").to_lowercase()
}

/// `get_tags_by_user_id` (the table's order, as the reference reads it).
pub async fn tags_of_user(db: &impl GenericClient, user_id: &str) -> Result<Vec<TagRow>, DbError> {
    Ok(db.query("SELECT id, name, user_id, meta FROM tag WHERE user_id = $1", &[&user_id]).await?.iter().map(tag_row).collect())
}

/// `get_tags_by_ids_and_user_id`.
pub async fn tags_by_ids(db: &impl GenericClient, ids: &[String], user_id: &str) -> Result<Vec<TagRow>, DbError> {
    Ok(db
        .query("SELECT id, name, user_id, meta FROM tag WHERE id = ANY($1) AND user_id = $2", &[&ids, &user_id])
        .await?
        .iter()
        .map(tag_row)
        .collect())
}

/// `Tags.ensure_tags_exist`: rows for the names the user lacks (the first name of an id wins).
pub async fn ensure_tags(db: &impl GenericClient, names: &[String], user_id: &str) -> Result<(), DbError> {
    for name in names {
        db.execute(
            "INSERT INTO tag (id, name, user_id, meta) SELECT $1::text, $2::text, $3::text, NULL::json \
             WHERE NOT EXISTS (SELECT 1 FROM tag WHERE id = $1 AND user_id = $3)",
            &[&tag_id(name), name, &user_id],
        )
        .await?;
    }
    Ok(())
}

/// `delete_tag_by_name_and_user_id`.
pub async fn delete_tag(db: &impl GenericClient, name: &str, user_id: &str) -> Result<(), DbError> {
    db.execute("DELETE FROM tag WHERE id = $1 AND user_id = $2", &[&tag_id(name), &user_id]).await?;
    Ok(())
}

/// `count_chats_by_tag_name_and_user_id` for each id.
pub async fn count_by_tag(db: &impl GenericClient, tag_id: &str, user_id: &str) -> Result<i64, DbError> {
    let sql = format!(
        "SELECT count(c.id) FROM chat c WHERE c.user_id = $1 AND {NOT_INTERNAL} \
         AND EXISTS (SELECT 1 FROM json_array_elements_text(c.meta->'tags') elem WHERE elem = $2)"
    );
    Ok(db.query_one(&sql, &[&user_id, &tag_id]).await?.get(0))
}

/// `delete_orphan_tags_for_user`: drops the tags of `ids` that at most `threshold` chats carry.
pub async fn delete_orphan_tags(db: &impl GenericClient, ids: &[String], user_id: &str, threshold: i64) -> Result<(), DbError> {
    let mut orphans = Vec::new();
    for id in ids {
        let id = tag_id(id);
        if count_by_tag(db, &id, user_id).await? <= threshold {
            orphans.push(id);
        }
    }
    if !orphans.is_empty() {
        db.execute("DELETE FROM tag WHERE id = ANY($1) AND user_id = $2", &[&orphans, &user_id]).await?;
    }
    Ok(())
}

// ---- chat_message ----

/// Whether a `chat_message` row exists; its `usage` when it does.
pub async fn message_usage(db: &impl GenericClient, composite_id: &str) -> Result<Option<Option<Value>>, DbError> {
    Ok(db.query_opt("SELECT usage FROM chat_message WHERE id = $1 FOR UPDATE", &[&composite_id]).await?.map(|r| r.get(0)))
}

/// A `chat_message` row as `_build_message` makes it.
pub struct NewMessage<'a> {
    pub id: &'a str,
    pub chat_id: &'a str,
    pub user_id: &'a str,
    pub role: &'a str,
    pub parent_id: Option<&'a str>,
    pub content: &'a Value,
    pub output: &'a Value,
    pub model_id: Option<&'a str>,
    pub files: &'a Value,
    pub sources: &'a Value,
    pub embeds: &'a Value,
    pub meta: &'a Value,
    pub done: Option<bool>,
    pub status_history: &'a Value,
    pub error: &'a Value,
    pub usage: &'a Value,
    pub context_summary: Option<&'a str>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert_message(db: &impl GenericClient, m: &NewMessage<'_>) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO chat_message (id, chat_id, user_id, role, parent_id, content, output, model_id, files, sources, embeds, meta, done, \
         status_history, error, usage, context_summary, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        &[
            &m.id,
            &m.chat_id,
            &m.user_id,
            &m.role,
            &m.parent_id,
            m.content,
            m.output,
            &m.model_id,
            m.files,
            m.sources,
            m.embeds,
            m.meta,
            &m.done,
            m.status_history,
            m.error,
            m.usage,
            &m.context_summary,
            &m.created_at,
            &m.updated_at,
        ],
    )
    .await?;
    Ok(())
}

/// One column of a `chat_message` update (`_apply_message_data` sets only what the payload has).
pub enum MessageSet {
    Text(&'static str, Option<String>),
    Json(&'static str, Value),
    Bool(&'static str, Option<bool>),
}

pub async fn update_message(db: &impl GenericClient, composite_id: &str, sets: Vec<MessageSet>, now: i64) -> Result<(), DbError> {
    let mut params: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = vec![Box::new(composite_id.to_string()), Box::new(now)];
    let mut sql = String::from("UPDATE chat_message SET updated_at = $2");
    for s in sets {
        let column = match s {
            MessageSet::Text(c, v) => {
                params.push(Box::new(v));
                c
            }
            MessageSet::Json(c, v) => {
                params.push(Box::new(v));
                c
            }
            MessageSet::Bool(c, v) => {
                params.push(Box::new(v));
                c
            }
        };
        sql.push_str(&format!(", {column} = ${}", params.len()));
    }
    sql.push_str(" WHERE id = $1");
    let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
    db.execute(&sql, &refs).await?;
    Ok(())
}

// ---- shared chats (`models/shared_chats.py`) and their grants ----

/// One `shared_chat` row: the snapshot behind a share link.
#[derive(Debug, Clone)]
pub struct SharedRow {
    pub id: String,
    pub chat_id: String,
    pub user_id: String,
    pub title: String,
    pub chat: Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

fn shared_row(r: &Row) -> SharedRow {
    SharedRow {
        id: r.get(0),
        chat_id: r.get(1),
        user_id: r.get(2),
        title: r.get::<_, Option<String>>(3).unwrap_or_default(),
        chat: object(r.get(4)),
        created_at: r.get::<_, Option<i64>>(5).unwrap_or(0),
        updated_at: r.get::<_, Option<i64>>(6).unwrap_or(0),
    }
}

const SHARED_COLUMNS: &str = "id, chat_id, user_id, title, chat, created_at, updated_at";

/// `SharedChats.get_by_id`.
pub async fn shared_by_id(db: &impl GenericClient, share_id: &str) -> Result<Option<SharedRow>, DbError> {
    let sql = format!("SELECT {SHARED_COLUMNS} FROM shared_chat WHERE id = $1");
    Ok(db.query_opt(&sql, &[&share_id]).await?.as_ref().map(shared_row))
}

/// `SharedChats.create`: a snapshot of the chat with its `share_mode`.
pub async fn shared_insert(db: &impl GenericClient, s: &SharedRow) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO shared_chat (id, chat_id, user_id, title, chat, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&s.id, &s.chat_id, &s.user_id, &s.title, &Value::Object(s.chat.clone()), &s.created_at, &s.updated_at],
    )
    .await?;
    Ok(())
}

/// `SharedChats.update`: a new snapshot (title, body, `updated_at`).
pub async fn shared_update(db: &impl GenericClient, share_id: &str, title: &str, chat: &Value, now: i64) -> Result<(), DbError> {
    db.execute("UPDATE shared_chat SET title = $2, chat = $3, updated_at = $4 WHERE id = $1", &[&share_id, &title, chat, &now]).await?;
    Ok(())
}

/// `SharedChats.delete_by_chat_id`.
pub async fn shared_delete_by_chat(db: &impl GenericClient, chat_id: &str) -> Result<(), DbError> {
    db.execute("DELETE FROM shared_chat WHERE chat_id = $1", &[&chat_id]).await?;
    Ok(())
}

/// `update_chat_share_id_by_id`.
pub async fn set_share_id(db: &impl GenericClient, id: &str, share_id: Option<&str>) -> Result<Option<ChatRow>, DbError> {
    let sql = format!("UPDATE chat AS c SET share_id = $2 WHERE c.id = $1 RETURNING {CHAT_COLUMNS}");
    Ok(db.query_opt(&sql, &[&id, &share_id]).await?.as_ref().map(ChatRow::from_row))
}

/// `SharedChats.get_by_user_id`: the user's shares, filtered by title and ordered as asked
/// (`order` a `shared_chat` column checked by the caller), pages.
pub async fn shared_list(
    db: &impl GenericClient,
    user_id: &str,
    query: Option<&str>,
    order: Option<(&str, bool)>,
    unordered: bool,
    skip: i64,
    limit: i64,
) -> Result<Vec<SharedRow>, DbError> {
    let mut sql = format!("SELECT {SHARED_COLUMNS} FROM shared_chat WHERE user_id = $1");
    let pattern = query.map(|q| format!("%{q}%"));
    if pattern.is_some() {
        sql.push_str(" AND title ILIKE $2");
    }
    match order {
        Some((column, asc)) => sql.push_str(&format!(" ORDER BY {column} {}", if asc { "ASC" } else { "DESC" })),
        None if unordered => {}
        None => sql.push_str(" ORDER BY updated_at DESC"),
    }
    sql.push_str(&page_sql(skip, Some(limit)));
    let rows = match &pattern {
        Some(p) => db.query(&sql, &[&user_id, p]).await?,
        None => db.query(&sql, &[&user_id]).await?,
    };
    Ok(rows.iter().map(shared_row).collect())
}

/// The `shared_chat` columns an `order_by` may name.
pub const SHARED_ORDERABLE: &[&str] = &["id", "chat_id", "user_id", "title", "chat", "created_at", "updated_at"];

/// `SharedChats.delete_all_by_user_id`.
pub async fn shared_delete_all(db: &impl GenericClient, user_id: &str) -> Result<(), DbError> {
    db.execute("DELETE FROM shared_chat WHERE user_id = $1", &[&user_id]).await?;
    Ok(())
}

/// `AccessGrants.set_access_grants(resource_type, id, [])`: every grant on the resource goes.
pub async fn grants_clear(db: &impl GenericClient, resource_type: &str, resource_id: &str) -> Result<(), DbError> {
    db.execute("DELETE FROM access_grant WHERE resource_type = $1 AND resource_id = $2", &[&resource_type, &resource_id]).await?;
    Ok(())
}

/// `AccessGrants.get_grants_by_resource`: (id, principal_type, principal_id, permission).
pub async fn grants_of(db: &impl GenericClient, resource_type: &str, resource_id: &str) -> Result<Vec<(String, String, String, String)>, DbError> {
    Ok(db
        .query(
            "SELECT id, principal_type, principal_id, permission FROM access_grant WHERE resource_type = $1 AND resource_id = $2",
            &[&resource_type, &resource_id],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

/// `is_open_shared_chat`: an `anyone:*` read grant on the share.
pub async fn shared_open(db: &impl GenericClient, chat_id: &str) -> Result<bool, DbError> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM access_grant WHERE resource_type = 'shared_chat' AND resource_id = $1 AND principal_type = 'anyone' \
             AND principal_id = '*' AND permission = 'read' LIMIT 1",
            &[&chat_id],
        )
        .await?
        .is_some())
}

/// `AccessGrants.has_access(user, 'shared_chat', chat_id, 'read')`.
pub async fn shared_granted(db: &impl GenericClient, chat_id: &str, user_id: &str) -> Result<bool, DbError> {
    let sql = format!(
        "WITH RECURSIVE {USER_GROUPS} SELECT EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = 'shared_chat' \
         AND a.resource_id = $1 AND a.permission = 'read' AND {GRANT_MATCHES})"
    );
    Ok(db.query_one(&sql, &[&chat_id, &user_id]).await?.get(0))
}

/// `update_chat_params_by_id`: `params` merged with the keys sent (no `updated_at` change).
pub async fn update_params(db: &impl GenericClient, id: &str, chat: &Value) -> Result<(), DbError> {
    db.execute("UPDATE chat SET chat = $2 WHERE id = $1", &[&id, chat]).await?;
    Ok(())
}

/// `ChatMessages.delete_message_ids_by_chat_id`.
pub async fn delete_messages(db: &impl GenericClient, chat_id: &str, message_ids: &[String]) -> Result<(), DbError> {
    let ids: Vec<String> = message_ids.iter().map(|m| format!("{chat_id}-{m}")).collect();
    db.execute("DELETE FROM chat_message WHERE chat_id = $1 AND id = ANY($2)", &[&chat_id, &ids]).await?;
    Ok(())
}

/// Whether the message has a `chat_message` row.
pub async fn message_exists(db: &impl GenericClient, chat_id: &str, message_id: &str) -> Result<bool, DbError> {
    Ok(db.query_opt("SELECT 1 FROM chat_message WHERE id = $1", &[&format!("{chat_id}-{message_id}")]).await?.is_some())
}
