//! Tables `knowledge` and `knowledge_file` (`models/knowledge.py`): the search of the knowledge
//! bases. Their grants are rows of `access_grant` (resource type `knowledge`).

use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::GenericClient;

use super::access_grants::permission_filter;
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
