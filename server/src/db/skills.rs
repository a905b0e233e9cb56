//! Table `skill` (`models/skills.py`): the list of the workspace skills. Their grants are rows of
//! `access_grant` (`db::access_grants`, resource type `skill`).

use serde_json::Value;
use tokio_postgres::GenericClient;

use super::access_grants::permission_filter;
use super::DbError;

/// A row of `skill` without its content, with its owner's `(id, name, role, email)` when the
/// owner exists.
#[derive(Debug, Clone)]
pub struct SkillRow {
    pub id: String,
    pub version_id: Option<String>,
    pub user_id: String,
    pub name: String,
    pub description: Option<String>,
    pub meta: Value,
    pub is_active: bool,
    pub updated_at: i64,
    pub created_at: i64,
    pub owner: Option<(String, String, String, String)>,
}

/// `Skills.get_skills`: newest change first; with `access`, `(user_id, group_ids)`, only the
/// skills the user owns or may read.
pub async fn list(db: &impl GenericClient, access: Option<(&str, &[String])>) -> Result<Vec<SkillRow>, DbError> {
    let select = r#"SELECT s.id, s.version_id, s.user_id, s.name, s.description, s.meta, s.is_active, s.updated_at, s.created_at,
                  u.id, u.name, u.role, u.email
           FROM skill s LEFT JOIN "user" u ON u.id = s.user_id"#;
    let rows = match access {
        None => db.query(&format!("{select} ORDER BY s.updated_at DESC"), &[]).await?,
        Some((user_id, groups)) => {
            let filter = permission_filter("s", "skill", "read", "$1", "$2");
            db.query(&format!("{select} WHERE {filter} ORDER BY s.updated_at DESC"), &[&user_id, &groups]).await?
        }
    };
    Ok(rows
        .iter()
        .map(|r| SkillRow {
            id: r.get(0),
            version_id: r.get(1),
            user_id: r.get(2),
            name: r.get(3),
            description: r.get(4),
            meta: r.get::<_, Option<Value>>(5).unwrap_or(Value::Null),
            is_active: r.get(6),
            updated_at: r.get(7),
            created_at: r.get(8),
            owner: r.get::<_, Option<String>>(9).map(|id| {
                (id, r.get::<_, Option<String>>(10).unwrap_or_default(), r.get::<_, Option<String>>(11).unwrap_or_default(), r.get::<_, Option<String>>(12).unwrap_or_default())
            }),
        })
        .collect())
}
