//! What the workspace resources (tools, functions, prompts, notes, ...) share: the admin bypass
//! of access control, the caller's groups, the owner as the lists show it.

use webui_api::workspace::UserResponse;

use crate::app::session::SessionUser;
use crate::context::ServerContext;
use crate::db::groups::groups_by_member;
use crate::error::Result;

/// `BYPASS_ADMIN_ACCESS_CONTROL` (alias `ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS`, default true)
/// for this caller: an admin with it sees and writes every workspace item.
pub fn admin_bypass(ctx: &ServerContext, user: &SessionUser) -> bool {
    let legacy = ctx.config.env_bool("ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS", true);
    user.is_admin() && ctx.config.env_bool("BYPASS_ADMIN_ACCESS_CONTROL", legacy)
}

/// `ENABLE_PLUGINS and ENABLE_<name>` (`env.py`): tools and functions can be turned off.
pub fn plugins_enabled(ctx: &ServerContext, name: &str) -> bool {
    ctx.config.env_bool("ENABLE_PLUGINS", true) && ctx.config.env_bool(name, true)
}

/// `Groups.get_groups_by_member_id(user_id, include_inherited=True)`: the ids.
pub async fn group_ids(ctx: &ServerContext, user_id: &str) -> Result<Vec<String>> {
    let client = ctx.db.get().await?;
    Ok(groups_by_member(&**client, user_id, true).await?.into_iter().map(|g| g.id).collect())
}

/// `UserResponse` of an owner read with the row: `(id, name, role, email)`.
pub fn owner(o: &Option<(String, String, String, String)>) -> Option<UserResponse> {
    o.as_ref().map(|(id, name, role, email)| UserResponse { id: id.clone(), name: name.clone(), role: role.clone(), email: email.clone() })
}

/// A grant to write: `(principal_type, principal_id, permission)`.
pub use crate::db::access_grants::NewGrant;

/// `normalize_access_grants`: the valid grants of a form (`user`, `group` or `anyone:*` read;
/// `read` or `write`; a non-empty principal id), one per (type, id, permission), at the place
/// of its first occurrence.
pub fn normalize_grants(grants: &[serde_json::Map<String, serde_json::Value>]) -> Vec<NewGrant> {
    let mut out: Vec<NewGrant> = Vec::new();
    for g in grants {
        let s = |k: &str| g.get(k).and_then(serde_json::Value::as_str);
        let (Some(ptype), Some(pid), Some(perm)) = (s("principal_type"), s("principal_id"), s("permission")) else { continue };
        if !matches!(ptype, "user" | "group" | "anyone") || !matches!(perm, "read" | "write") || pid.is_empty() {
            continue;
        }
        if ptype == "anyone" && (pid != "*" || perm != "read") {
            continue;
        }
        let key = (ptype.to_string(), pid.to_string(), perm.to_string());
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// `filter_allowed_access_grants` for a resource whose sharing needs `sharing` and whose public
/// (`user:*`) grants need `public` (`None`: never public), with no `anyone` audience: the grants
/// the caller may give (an admin: all of them). `None` stays `None`.
pub async fn allowed_grants(
    ctx: &ServerContext,
    user: &SessionUser,
    grants: Option<&[serde_json::Map<String, serde_json::Value>]>,
    sharing: &str,
    public: Option<&str>,
) -> Result<Option<Vec<NewGrant>>> {
    let Some(grants) = grants.filter(|g| !g.is_empty()) else { return Ok(grants.map(|_| Vec::new())) };
    let grants: Vec<NewGrant> = normalize_grants(grants)
        .into_iter()
        .filter(|(t, id, _)| t != "anyone" && (public.is_some() || !(t == "user" && id == "*")))
        .collect();
    if user.is_admin() || grants.is_empty() {
        return Ok(Some(grants));
    }
    let p = crate::app::session::permissions::of_session(ctx, user).await?;
    let allowed = |key: Option<&str>| {
        key.and_then(|k| k.split_once('.')).is_some_and(|(section, name)| crate::app::session::truthy(p.get(section).and_then(|s| s.get(name))))
    };
    if !allowed(Some(sharing)) {
        return Ok(Some(Vec::new()));
    }
    Ok(Some(
        grants
            .into_iter()
            .filter(|(t, id, _)| match (t.as_str(), id.as_str()) {
                ("user", "*") => allowed(public),
                ("user", _) => allowed(Some("access_grants.allow_users")),
                ("group", _) => allowed(Some("access_grants.allow_groups")),
                _ => false,
            })
            .collect(),
    ))
}

/// `validate_access_grants`: the normalised grants when the caller may give every one of them,
/// else 403.
pub async fn validated_grants(
    ctx: &ServerContext,
    user: &SessionUser,
    grants: &[serde_json::Map<String, serde_json::Value>],
    sharing: &str,
    public: Option<&str>,
) -> Result<Vec<NewGrant>> {
    let n = normalize_grants(grants).len();
    let allowed = allowed_grants(ctx, user, Some(grants), sharing, public).await?.unwrap_or_default();
    if allowed.len() != n {
        return Err(crate::error::Error::forbidden(crate::messages::SHARE_AUDIENCE_FORBIDDEN));
    }
    Ok(allowed)
}
