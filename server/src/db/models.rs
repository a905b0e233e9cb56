//! Table `model` (the workspace models, `models/models.py`) and its rows of `access_grant`.

use serde_json::Value;
use tokio_postgres::GenericClient;

use super::DbError;

/// A row of `model`.
#[derive(Debug, Clone)]
pub struct ModelRow {
    pub id: String,
    pub user_id: String,
    pub base_model_id: Option<String>,
    pub name: String,
    pub params: Value,
    pub meta: Value,
    pub version_id: Option<String>,
    pub is_active: bool,
    pub updated_at: i64,
    pub created_at: i64,
}

/// A row of `access_grant` (`AccessGrantModel`).
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

/// A `JSONField` column (JSON kept as text): its value, `null` when absent or unreadable.
fn json_text(v: Option<&str>) -> Value {
    v.and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null)
}

/// `Models.get_all_models`: every row in the table's own order (the reference's `select(Model)`
/// has no `ORDER BY` either), and every grant on a model, in one round trip each.
pub async fn all_models_with_grants(db: &impl GenericClient) -> Result<(Vec<ModelRow>, Vec<GrantRow>), DbError> {
    let rows = db
        .query(
            "SELECT id, user_id, base_model_id, name, params, meta, version_id, is_active, updated_at, created_at FROM model",
            &[],
        )
        .await?;
    let models = rows
        .iter()
        .map(|r| ModelRow {
            id: r.get(0),
            user_id: r.get::<_, Option<String>>(1).unwrap_or_default(),
            base_model_id: r.get(2),
            name: r.get::<_, Option<String>>(3).unwrap_or_default(),
            params: json_text(r.get(4)),
            meta: json_text(r.get(5)),
            version_id: r.get(6),
            is_active: r.get::<_, Option<bool>>(7).unwrap_or(true),
            updated_at: r.get::<_, Option<i64>>(8).unwrap_or(0),
            created_at: r.get::<_, Option<i64>>(9).unwrap_or(0),
        })
        .collect();
    let rows = db
        .query(
            "SELECT id, resource_type, resource_id, principal_type, principal_id, permission, created_at
             FROM access_grant WHERE resource_type = 'model'",
            &[],
        )
        .await?;
    let grants = rows
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
        .collect();
    Ok((models, grants))
}

const MODEL_COLUMNS: &str = "id, user_id, base_model_id, name, params, meta, version_id, is_active, updated_at, created_at";

fn model_row(r: &tokio_postgres::Row) -> ModelRow {
    ModelRow {
        id: r.get(0),
        user_id: r.get::<_, Option<String>>(1).unwrap_or_default(),
        base_model_id: r.get(2),
        name: r.get::<_, Option<String>>(3).unwrap_or_default(),
        params: json_text(r.get(4)),
        meta: json_text(r.get(5)),
        version_id: r.get(6),
        is_active: r.get::<_, Option<bool>>(7).unwrap_or(true),
        updated_at: r.get::<_, Option<i64>>(8).unwrap_or(0),
        created_at: r.get::<_, Option<i64>>(9).unwrap_or(0),
    }
}

fn grant_row(r: &tokio_postgres::Row) -> GrantRow {
    GrantRow {
        id: r.get(0),
        resource_type: r.get(1),
        resource_id: r.get(2),
        principal_type: r.get(3),
        principal_id: r.get(4),
        permission: r.get(5),
        created_at: r.get(6),
    }
}

/// `Models.get_model_by_id`: the row and its grants.
pub async fn model_by_id(db: &impl GenericClient, id: &str) -> Result<Option<(ModelRow, Vec<GrantRow>)>, DbError> {
    let Some(r) = db.query_opt(&format!("SELECT {MODEL_COLUMNS} FROM model WHERE id = $1"), &[&id]).await? else {
        return Ok(None);
    };
    let grants = db
        .query(
            "SELECT id, resource_type, resource_id, principal_type, principal_id, permission, created_at
             FROM access_grant WHERE resource_type = 'model' AND resource_id = $1",
            &[&id],
        )
        .await?;
    Ok(Some((model_row(&r), grants.iter().map(grant_row).collect())))
}

/// A grant to write: `(principal_type, principal_id, permission)`.
pub type NewGrant = (String, String, String);

async fn replace_grants(tx: &tokio_postgres::Transaction<'_>, id: &str, grants: &[NewGrant], now: i64) -> Result<(), DbError> {
    tx.execute("DELETE FROM access_grant WHERE resource_type = 'model' AND resource_id = $1", &[&id]).await?;
    for (ptype, pid, perm) in grants {
        let gid = uuid::Uuid::new_v4().to_string();
        tx.execute(
            "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at)
             VALUES ($1, 'model', $2, $3, $4, $5, $6)",
            &[&gid, &id, ptype, pid, perm, &now],
        )
        .await?;
    }
    Ok(())
}

/// `Models.insert_new_model`: the history entry (the first version), the row and its grants in
/// one transaction. `false` when the id was taken meanwhile.
pub async fn insert_model(
    db: &mut deadpool_postgres::Object,
    row: &ModelRow,
    snapshot: &Value,
    commit_message: Option<&str>,
    grants: &[NewGrant],
) -> Result<bool, DbError> {
    let tx = db.transaction().await?;
    if !insert_in(&tx, row, snapshot, commit_message, grants).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// [`insert_model`] in the caller's transaction.
async fn insert_in(
    tx: &tokio_postgres::Transaction<'_>,
    row: &ModelRow,
    snapshot: &Value,
    commit_message: Option<&str>,
    grants: &[NewGrant],
) -> Result<bool, DbError> {
    let version = row.version_id.clone().unwrap_or_default();
    tx.execute(
        "INSERT INTO model_history (id, model_id, parent_id, snapshot, user_id, commit_message, created_at)
         VALUES ($1, $2, NULL, $3, $4, $5, $6)",
        &[&version, &row.id, snapshot, &row.user_id, &commit_message, &row.created_at],
    )
    .await?;
    let n = tx
        .execute(
            "INSERT INTO model (id, user_id, base_model_id, name, params, meta, version_id, is_active, updated_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
            &[
                &row.id,
                &row.user_id,
                &row.base_model_id,
                &row.name,
                &row.params.to_string(),
                &row.meta.to_string(),
                &row.version_id,
                &row.is_active,
                &row.updated_at,
                &row.created_at,
            ],
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    replace_grants(tx, &row.id, grants, row.created_at).await?;
    Ok(true)
}

/// `Models.toggle_model_by_id`.
pub async fn toggle(db: &impl GenericClient, id: &str, now: i64) -> Result<bool, DbError> {
    Ok(db.execute("UPDATE model SET is_active = NOT is_active, updated_at = $2 WHERE id = $1", &[&id, &now]).await? > 0)
}

/// `AccessGrants.set_access_grants` then `update_model_updated_at_by_id`.
pub async fn set_grants(db: &mut deadpool_postgres::Object, id: &str, grants: &[NewGrant], now: i64) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    replace_grants(&tx, id, grants, now).await?;
    tx.execute("UPDATE model SET updated_at = $2 WHERE id = $1", &[&id, &now]).await?;
    tx.commit().await?;
    Ok(())
}

/// `Models._delete_models`: grants, history and rows of `ids` (every model when `None`).
pub async fn delete_models(db: &mut deadpool_postgres::Object, ids: Option<&[String]>) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    let ids: Vec<String> = match ids {
        Some(ids) => ids.to_vec(),
        None => tx.query("SELECT id FROM model", &[]).await?.iter().map(|r| r.get(0)).collect(),
    };
    tx.execute("DELETE FROM access_grant WHERE resource_type = 'model' AND resource_id = ANY($1)", &[&ids]).await?;
    tx.execute("DELETE FROM model_history WHERE model_id = ANY($1)", &[&ids]).await?;
    tx.execute("DELETE FROM model WHERE id = ANY($1)", &[&ids]).await?;
    tx.commit().await?;
    Ok(())
}

/// A new `model_history` entry.
pub struct HistoryEntry<'a> {
    pub id: &'a str,
    pub parent_id: Option<&'a str>,
    pub snapshot: &'a Value,
    pub user_id: &'a str,
    pub commit_message: Option<&'a str>,
    pub created_at: i64,
}

/// `ModelsTable._write_model` for an existing row: the optional history entry, then the row's
/// new values guarded by the version it was read at. `false` when another write came first
/// (the reference's 409 `version_conflict`).
pub async fn update_model(
    db: &mut deadpool_postgres::Object,
    row: &ModelRow,
    read_version: Option<&str>,
    history: Option<HistoryEntry<'_>>,
) -> Result<bool, DbError> {
    let tx = db.transaction().await?;
    if !update_in(&tx, row, read_version, history).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// [`update_model`] in the caller's transaction.
async fn update_in(
    tx: &tokio_postgres::Transaction<'_>,
    row: &ModelRow,
    read_version: Option<&str>,
    history: Option<HistoryEntry<'_>>,
) -> Result<bool, DbError> {
    if let Some(h) = &history {
        tx.execute(
            "INSERT INTO model_history (id, model_id, parent_id, snapshot, user_id, commit_message, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&h.id, &row.id, &h.parent_id, h.snapshot, &h.user_id, &h.commit_message, &h.created_at],
        )
        .await?;
    }
    let n = tx
        .execute(
            "UPDATE model SET base_model_id = $2, name = $3, params = $4, meta = $5, version_id = $6, is_active = $7, updated_at = $8
             WHERE id = $1 AND version_id IS NOT DISTINCT FROM $9",
            &[
                &row.id,
                &row.base_model_id,
                &row.name,
                &row.params.to_string(),
                &row.meta.to_string(),
                &row.version_id,
                &row.is_active,
                &row.updated_at,
                &read_version,
            ],
        )
        .await?;
    Ok(n == 1)
}

/// One model of a sync: a new row (with its first version and grants) or new values for a row.
pub enum SyncWrite<'a> {
    Insert { row: ModelRow, snapshot: Value, grants: Vec<NewGrant> },
    Update { row: ModelRow, read_version: Option<String>, history: Option<HistoryEntry<'a>> },
}

/// `Models.sync_models`: every write, then the rows not in `keep` deleted (with their grants and
/// history), in one transaction. `false` (nothing written) when a row changed meanwhile.
pub async fn sync_models(db: &mut deadpool_postgres::Object, writes: Vec<SyncWrite<'_>>, keep: &[String]) -> Result<bool, DbError> {
    let tx = db.transaction().await?;
    for w in writes {
        let done = match w {
            SyncWrite::Insert { row, snapshot, grants } => insert_in(&tx, &row, &snapshot, None, &grants).await?,
            SyncWrite::Update { row, read_version, history } => update_in(&tx, &row, read_version.as_deref(), history).await?,
        };
        if !done {
            return Ok(false);
        }
    }
    let gone: Vec<String> =
        tx.query("SELECT id FROM model WHERE NOT (id = ANY($1))", &[&keep]).await?.iter().map(|r| r.get(0)).collect();
    tx.execute("DELETE FROM access_grant WHERE resource_type = 'model' AND resource_id = ANY($1)", &[&gone]).await?;
    tx.execute("DELETE FROM model_history WHERE model_id = ANY($1)", &[&gone]).await?;
    tx.execute("DELETE FROM model WHERE id = ANY($1)", &[&gone]).await?;
    tx.commit().await?;
    Ok(true)
}

/// `ModelHistoryResponse` columns and the author's name.
pub struct HistoryRow {
    pub id: String,
    pub model_id: String,
    pub parent_id: Option<String>,
    pub user_id: String,
    pub commit_message: Option<String>,
    pub created_at: i64,
    pub author: Option<String>,
    pub snapshot: Value,
}

fn history_row(r: &tokio_postgres::Row) -> HistoryRow {
    HistoryRow {
        id: r.get(0),
        model_id: r.get(1),
        parent_id: r.get(2),
        user_id: r.get(3),
        commit_message: r.get(4),
        created_at: r.get(5),
        author: r.get(6),
        snapshot: r.get(7),
    }
}

const HISTORY_COLUMNS: &str = r#"h.id, h.model_id, h.parent_id, h.user_id, h.commit_message, h.created_at, u.name, h.snapshot
     FROM model_history h LEFT JOIN "user" u ON u.id = h.user_id"#;

/// `ModelHistories.get_history_by_model_id`: 20 a page, newest first.
pub async fn history_page(db: &impl GenericClient, model_id: &str, page: i64) -> Result<Vec<HistoryRow>, DbError> {
    let offset = (page.max(1) - 1).saturating_mul(20);
    let rows = db
        .query(
            &format!("SELECT {HISTORY_COLUMNS} WHERE h.model_id = $1 ORDER BY h.created_at DESC, h.id DESC OFFSET $2 LIMIT 20"),
            &[&model_id, &offset],
        )
        .await?;
    Ok(rows.iter().map(history_row).collect())
}

/// `ModelHistories.get_history_by_id`.
pub async fn history_entry(db: &impl GenericClient, model_id: &str, id: &str) -> Result<Option<HistoryRow>, DbError> {
    let row = db.query_opt(&format!("SELECT {HISTORY_COLUMNS} WHERE h.model_id = $1 AND h.id = $2"), &[&model_id, &id]).await?;
    Ok(row.as_ref().map(history_row))
}

/// How deleting a history entry ended.
pub enum HistoryDelete {
    Deleted,
    Missing,
    Current,
}

/// `ModelHistories.delete_history_entry`: the entry's children are relinked to its parent.
pub async fn delete_history_entry(db: &mut deadpool_postgres::Object, model_id: &str, id: &str) -> Result<HistoryDelete, DbError> {
    let tx = db.transaction().await?;
    let Some(version) = tx.query_opt("SELECT version_id FROM model WHERE id = $1 FOR UPDATE", &[&model_id]).await? else {
        return Ok(HistoryDelete::Missing);
    };
    if version.get::<_, Option<String>>(0).as_deref() == Some(id) {
        return Ok(HistoryDelete::Current);
    }
    let Some(entry) = tx.query_opt("SELECT parent_id FROM model_history WHERE id = $1 AND model_id = $2", &[&id, &model_id]).await? else {
        return Ok(HistoryDelete::Missing);
    };
    let parent: Option<String> = entry.get(0);
    tx.execute("UPDATE model_history SET parent_id = $3 WHERE model_id = $1 AND parent_id = $2", &[&model_id, &id, &parent]).await?;
    tx.execute("DELETE FROM model_history WHERE id = $1 AND model_id = $2", &[&id, &model_id]).await?;
    tx.commit().await?;
    Ok(HistoryDelete::Deleted)
}

/// The filters of `Models.search_models`.
pub struct Search<'a> {
    pub query: Option<&'a str>,
    pub view_option: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub order_by: Option<&'a str>,
    pub direction: Option<&'a str>,
    /// Access filter: `(user_id, group_ids)`; `None` for an admin with the admin bypass.
    pub access: Option<(&'a str, Vec<String>)>,
    /// Whether any filter was given (else the newest first).
    pub any: bool,
}

/// `Models.search_models`: a page of presets (with their owners' id, name, role, email) and the
/// total, in one statement each.
pub async fn search(
    db: &impl GenericClient,
    uid: &str,
    s: &Search<'_>,
    skip: i64,
    limit: i64,
) -> Result<(Vec<(ModelRow, Option<(String, String, String, String)>)>, i64), DbError> {
    let mut conds = vec!["m.base_model_id IS NOT NULL".to_string()];
    let mut params: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = Vec::new();
    let arg = |params: &mut Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>>, v: Box<dyn tokio_postgres::types::ToSql + Sync + Send>| {
        params.push(v);
        format!("${}", params.len())
    };
    if let Some(q) = s.query.filter(|q| !q.is_empty()) {
        let p = arg(&mut params, Box::new(format!("%{q}%")));
        conds.push(format!(
            "(m.name ILIKE {p} OR m.base_model_id ILIKE {p} OR u.name ILIKE {p} OR u.email ILIKE {p} OR u.username ILIKE {p})"
        ));
    }
    match s.view_option {
        Some("created") => {
            let p = arg(&mut params, Box::new(uid.to_string()));
            conds.push(format!("m.user_id = {p}"));
        }
        Some("shared") => {
            let p = arg(&mut params, Box::new(uid.to_string()));
            conds.push(format!("m.user_id <> {p}"));
        }
        _ => {}
    }
    if let Some((user, groups)) = &s.access {
        let pu = arg(&mut params, Box::new(user.to_string()));
        let pg = arg(&mut params, Box::new(groups.clone()));
        conds.push(format!(
            "(m.user_id = {pu} OR EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = 'model' AND a.resource_id = m.id
               AND a.permission = 'read' AND ((a.principal_type = 'user' AND a.principal_id IN ('*', {pu}))
               OR (a.principal_type = 'group' AND a.principal_id = ANY({pg})))))"
        ));
    }
    if let Some(tag) = s.tag.filter(|t| !t.is_empty()) {
        let lower = tag.to_lowercase();
        let raw = serde_json::to_string(&lower).unwrap_or_default();
        let p = arg(&mut params, Box::new(raw));
        conds.push(format!("strpos(lower(m.meta), {p}) > 0"));
    }
    let order = if !s.any {
        "ORDER BY m.created_at DESC"
    } else {
        match (s.order_by, s.direction == Some("asc")) {
            (Some("name"), true) => "ORDER BY m.name ASC",
            (Some("name"), false) => "ORDER BY m.name DESC",
            (Some("created_at"), true) => "ORDER BY m.created_at ASC",
            (Some("created_at"), false) => "ORDER BY m.created_at DESC",
            (Some("updated_at"), true) => "ORDER BY m.updated_at ASC",
            (Some("updated_at"), false) => "ORDER BY m.updated_at DESC",
            _ => "",
        }
    };
    let from = format!(r#"FROM model m LEFT JOIN "user" u ON u.id = m.user_id WHERE {}"#, conds.join(" AND "));
    let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
    let total: i64 = db.query_one(&format!("SELECT count(*) {from}"), &refs).await?.get(0);
    let sql = format!(
        "SELECT m.id, m.user_id, m.base_model_id, m.name, m.params, m.meta, m.version_id, m.is_active, m.updated_at, m.created_at,
                u.id, u.name, u.role, u.email {from} {order} OFFSET {skip} LIMIT {limit}"
    );
    let rows = db.query(&sql, &refs).await?;
    Ok((
        rows.iter()
            .map(|r| {
                let owner = r.get::<_, Option<String>>(10).map(|id| (id, r.get(11), r.get(12), r.get(13)));
                (model_row(r), owner)
            })
            .collect(),
        total,
    ))
}

/// Every grant on the given models.
pub async fn grants_of(db: &impl GenericClient, ids: &[String]) -> Result<Vec<GrantRow>, DbError> {
    let rows = db
        .query(
            "SELECT id, resource_type, resource_id, principal_type, principal_id, permission, created_at
             FROM access_grant WHERE resource_type = 'model' AND resource_id = ANY($1)",
            &[&ids],
        )
        .await?;
    Ok(rows.iter().map(grant_row).collect())
}

/// `Models.get_models_by_ids` narrowed to what an access check needs: each listed model's
/// owner and its `read` grants, in one statement (ids without a row are absent).
pub async fn owners_and_read_grants(
    db: &impl GenericClient,
    ids: &[String],
) -> Result<Vec<(String, String, Vec<(String, String)>)>, DbError> {
    let rows = db
        .query(
            "SELECT m.id, m.user_id,
                    COALESCE(array_agg(g.principal_type) FILTER (WHERE g.id IS NOT NULL), '{}'),
                    COALESCE(array_agg(g.principal_id) FILTER (WHERE g.id IS NOT NULL), '{}')
             FROM model m
             LEFT JOIN access_grant g ON g.resource_type = 'model' AND g.resource_id = m.id AND g.permission = 'read'
             WHERE m.id = ANY($1)
             GROUP BY m.id, m.user_id",
            &[&ids],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let types: Vec<String> = r.get(2);
            let ids: Vec<String> = r.get(3);
            (r.get(0), r.get::<_, Option<String>>(1).unwrap_or_default(), types.into_iter().zip(ids).collect())
        })
        .collect())
}
