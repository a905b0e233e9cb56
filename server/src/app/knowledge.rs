//! The knowledge bases (`routers/knowledge.py`): the search the web UI lists them with, and the
//! external knowledge connections (`external_knowledge.connections`).

use serde_json::{Map, Value};
use webui_api::knowledge::{ExternalKnowledgeConnectionListResponse, KnowledgeAccessListResponse, KnowledgeAccessResponse, KnowledgeSearchQuery};

use crate::app::session::{truthy, SessionUser};
use crate::app::workspace::{admin_bypass, group_ids, owner};
use crate::context::ServerContext;
use crate::db::access_grants::{self as grants, grants_allow};
use crate::db::knowledge::{self as db, Search};
use crate::error::Result;

/// `PAGE_ITEM_COUNT`.
const PAGE: i64 = 30;

/// `KNOWLEDGE_SORTABLE_FIELDS`.
const SORTABLE: [&str; 3] = ["name", "created_at", "updated_at"];

/// `GET /api/v1/knowledge/search` (`search_knowledge_bases`): a page of 30 of the knowledge
/// bases the caller may read, with whether they may write each.
pub async fn search(ctx: &ServerContext, user: &SessionUser, q: &KnowledgeSearchQuery) -> Result<KnowledgeAccessListResponse> {
    let page = q.page.unwrap_or(1).max(1);
    let bypass = admin_bypass(ctx, user);
    let groups = group_ids(ctx, &user.user.id).await?;
    let column = q.order_by.as_deref().filter(|c| SORTABLE.contains(c)).unwrap_or("updated_at");
    let asc = q.order_by.as_deref().is_some_and(|c| SORTABLE.contains(&c)) && q.direction.as_deref() == Some("asc");
    let search = Search {
        access: (!bypass).then_some(groups.as_slice()),
        caller: &user.user.id,
        query: q.query.as_deref().filter(|s| !s.is_empty()),
        view_option: q.view_option.as_deref(),
        source: q.source.as_deref().filter(|s| matches!(*s, "local" | "external")),
        order: (column, asc),
        // Past int64 the reference's driver refuses the OFFSET (its 500); here a page past the end,
        // as in the users and group-member lists.
        skip: (page - 1).saturating_mul(PAGE),
        limit: PAGE,
    };
    let client = ctx.db.get().await?;
    let (rows, total) = db::search(&**client, &search).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let all = grants::of_resources(&**client, "knowledge", &ids).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let access_grants: Vec<_> = all.iter().filter(|g| g.resource_id == r.id).cloned().collect();
            let write_access = r.user_id == user.user.id || bypass || grants_allow(&access_grants, &user.user.id, &groups, "write");
            KnowledgeAccessResponse {
                user: owner(&r.owner),
                meta: r.meta.as_object().cloned(),
                id: r.id,
                user_id: r.user_id,
                name: r.name,
                description: r.description.unwrap_or_default(),
                access_grants,
                created_at: r.created_at,
                updated_at: r.updated_at.unwrap_or(0),
                file_count: Some(r.file_count),
                write_access: Some(write_access),
            }
        })
        .collect();
    Ok(KnowledgeAccessListResponse { items, total })
}

/// `GET /api/v1/knowledge/external/connections` (`get_external_knowledge_connections`): each
/// connection without `auth_config`, with `auth_configured` (whether it had one) last.
pub fn external_connections(ctx: &ServerContext) -> ExternalKnowledgeConnectionListResponse {
    let connections = match ctx.setting("external_knowledge.connections") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let items: Vec<Map<String, Value>> = connections
        .into_iter()
        .filter_map(|c| match c {
            Value::Object(mut o) => {
                let auth = o.shift_remove("auth_config");
                o.insert("auth_configured".into(), Value::Bool(truthy(auth.as_ref())));
                Some(o)
            }
            _ => None,
        })
        .collect();
    ExternalKnowledgeConnectionListResponse { total: items.len() as i64, items }
}
