//! `GET /api/v1/models/export` (`routers/models.py::export_models`): the workspace models (rows
//! with a base model) a user may write, as `ModelExportResponse`s.
//!
//! A model whose background is an uploaded image is exported with the image inlined as a data
//! URI by the reference; this server does not hold the uploads yet, so such a model answers the
//! reference's own refusal for an unreadable background (400).

use serde_json::Value;

use crate::app::models::model_dump;
use crate::app::session::{permissions as perms, SessionUser};
use crate::context::ServerContext;
use crate::db::models::{all_models_with_grants, GrantRow};
use crate::error::{Error, Result};
use crate::messages;

/// Whether `user` may write a model: its owner, or a `write` grant to them, to everyone
/// (`user:*`) or to one of their groups (`has_permission_filter(..., 'write')`).
fn writable(owner: &str, grants: &[&GrantRow], user_id: &str, groups: &[String]) -> bool {
    owner == user_id
        || grants.iter().any(|g| {
            g.permission == "write"
                && match g.principal_type.as_str() {
                    "user" => g.principal_id == "*" || g.principal_id == user_id,
                    "group" => groups.contains(&g.principal_id),
                    _ => false,
                }
        })
}

/// The export: admins (with `BYPASS_ADMIN_ACCESS_CONTROL`) every workspace model, others those
/// they may write, with `workspace.models_export` (401 otherwise); `ids` must all be among them
/// (403 otherwise).
pub async fn export(ctx: &ServerContext, user: &SessionUser, ids: Option<Vec<String>>) -> Result<Vec<Value>> {
    if !user.is_admin() {
        let defaults = ctx.setting("user.permissions").unwrap_or(Value::Null);
        if !perms::has_permission(ctx, &user.user.id, "workspace.models_export", &defaults).await? {
            return Err(Error::unauthorized(messages::UNAUTHORIZED));
        }
    }
    let everything = user.is_admin() && ctx.config.env_bool("BYPASS_ADMIN_ACCESS_CONTROL", true);
    let groups = if everything { Vec::new() } else { crate::app::workspace::group_ids(ctx, &user.user.id).await? };
    let (rows, grants) = {
        let client = ctx.db.get().await?;
        all_models_with_grants(&**client).await?
    };
    let mut out = Vec::new();
    let mut found = std::collections::HashSet::new();
    for row in rows.iter().filter(|r| r.base_model_id.is_some()) {
        if ids.as_ref().is_some_and(|ids| !ids.contains(&row.id)) {
            continue;
        }
        let mine: Vec<&GrantRow> = grants.iter().filter(|g| g.resource_id == row.id).collect();
        if !everything && !writable(&row.user_id, &mine, &user.user.id, &groups) {
            continue;
        }
        // A row `ModelModel` cannot read is skipped, as the reference's list skips it.
        let Some(mut data) = model_dump(row, &mine) else { continue };
        found.insert(row.id.clone());
        let background = data.pointer("/meta/background_image_url").and_then(Value::as_str).filter(|u| !u.is_empty()).is_some();
        if background {
            return Err(Error::bad_request(format!("Could not export background for model {}.", row.id)));
        }
        if let Value::Object(m) = &mut data {
            m.insert("background_image_data".into(), Value::Null);
        }
        out.push(data);
    }
    if let Some(ids) = ids {
        let requested: std::collections::HashSet<String> = ids.into_iter().collect();
        if requested != found {
            return Err(Error::forbidden(messages::ACCESS_PROHIBITED));
        }
    }
    Ok(out)
}

/// `ids: list[str] | None = Query(None)`: every `ids` of the raw query, `None` without any.
pub fn query_ids(query: Option<&str>) -> Option<Vec<String>> {
    let ids: Vec<String> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).filter(|(k, _)| k == "ids").map(|(_, v)| v.into_owned()).collect();
    (!ids.is_empty()).then_some(ids)
}
