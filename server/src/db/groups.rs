//! Table `group` / `group_member`: what permission checks need.

use tokio_postgres::GenericClient;
use serde_json::Value;

use super::DbError;

/// A group the user belongs to, directly or (with `include_inherited`) through a child group.
#[derive(Debug, Clone)]
pub struct MemberGroup {
    pub id: String,
    pub permissions: Option<Value>,
    pub data: Option<Value>,
    pub created_at: i64,
    pub parent_group_id: Option<String>,
}

/// `Groups.get_groups_by_member_id`: ordered by `updated_at DESC, id`. Inherited groups are the
/// ancestors of the direct ones (a recursive `UNION`, which also ends on cycles).
pub async fn groups_by_member(db: &impl GenericClient, user_id: &str, include_inherited: bool) -> Result<Vec<MemberGroup>, DbError> {
    let sql = if include_inherited {
        r#"WITH RECURSIVE m(user_id, group_id) AS (
               SELECT user_id, group_id FROM group_member WHERE user_id = $1
               UNION
               SELECT m.user_id, g.parent_group_id FROM m JOIN "group" g ON g.id = m.group_id WHERE g.parent_group_id IS NOT NULL
           )
           SELECT g.id, g.permissions, g.data, g.created_at, g.parent_group_id
           FROM m JOIN "group" g ON g.id = m.group_id ORDER BY g.updated_at DESC, g.id"#
    } else {
        r#"SELECT g.id, g.permissions, g.data, g.created_at, g.parent_group_id
           FROM group_member m JOIN "group" g ON g.id = m.group_id WHERE m.user_id = $1 ORDER BY g.updated_at DESC, g.id"#
    };
    let rows = db.query(sql, &[&user_id]).await?;
    Ok(rows
        .iter()
        .map(|r| MemberGroup {
            id: r.get(0),
            permissions: r.get::<_, Option<Value>>(1).filter(|v| !v.is_null()),
            data: r.get::<_, Option<Value>>(2).filter(|v| !v.is_null()),
            created_at: r.get::<_, Option<i64>>(3).unwrap_or(0),
            parent_group_id: r.get(4),
        })
        .collect())
}

/// Adds the user to a group (the default group of new accounts); a missing group is ignored.
pub async fn add_member(db: &impl GenericClient, group_id: &str, user_id: &str, now: i64) -> Result<(), DbError> {
    db.execute(
        r#"INSERT INTO group_member (id, group_id, user_id, created_at, updated_at)
           SELECT $1, g.id, $3, $4, $4 FROM "group" g WHERE g.id = $2
           ON CONFLICT (group_id, user_id) DO NOTHING"#,
        &[&uuid::Uuid::new_v4().to_string(), &group_id, &user_id, &now],
    )
    .await?;
    db.execute(r#"UPDATE "group" SET updated_at = $2 WHERE id = $1"#, &[&group_id, &now]).await?;
    Ok(())
}
