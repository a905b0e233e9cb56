//! The workspace skills (`routers/skills.py`): the list the chat input reads.

use serde_json::Value;
use webui_api::skills::{SkillMeta, SkillUserResponse};

use crate::app::session::SessionUser;
use crate::app::workspace::{admin_bypass, group_ids, owner};
use crate::context::ServerContext;
use crate::db::access_grants as grants;
use crate::db::skills as db;
use crate::error::Result;

/// `SkillMeta` of a stored `meta` (`tags` absent: `[]`).
fn meta(v: &Value) -> SkillMeta {
    SkillMeta {
        i18n: v.get("i18n").and_then(Value::as_object).cloned(),
        tags: match v.get("tags") {
            None => Some(Vec::new()),
            Some(t) => t.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()),
        },
    }
}

/// `GET /api/v1/skills/` (`get_skills`): the skills the caller may read (all of them for an
/// admin with the admin bypass), newest change first, those whose name contains `query`
/// (case-insensitively) when it is given.
pub async fn list(ctx: &ServerContext, user: &SessionUser, query: Option<&str>) -> Result<Vec<SkillUserResponse>> {
    let bypass = admin_bypass(ctx, user);
    let groups = if bypass { Vec::new() } else { group_ids(ctx, &user.user.id).await? };
    let client = ctx.db.get().await?;
    let rows = db::list(&**client, (!bypass).then_some((user.user.id.as_str(), groups.as_slice()))).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let all = grants::of_resources(&**client, "skill", &ids).await?;
    let q = query.filter(|q| !q.is_empty()).map(str::to_lowercase);
    Ok(rows
        .into_iter()
        .filter(|r| q.as_ref().is_none_or(|q| r.name.to_lowercase().contains(q.as_str())))
        .map(|r| SkillUserResponse {
            access_grants: all.iter().filter(|g| g.resource_id == r.id).cloned().collect(),
            meta: meta(&r.meta),
            user: owner(&r.owner),
            version_id: r.version_id,
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            description: r.description,
            is_active: r.is_active,
            updated_at: r.updated_at,
            created_at: r.created_at,
        })
        .collect())
}
