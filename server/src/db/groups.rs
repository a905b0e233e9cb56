//! Tables `group` / `group_member`: the reference's `Groups` data access (groups, members,
//! hierarchy), and what a group's preview reads of `model`, `knowledge` and `tool`.

use tokio_postgres::GenericClient;
use serde_json::Value;

use super::users::{Readable, UserRow, USER_COLUMNS};
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

/// One `group` row, as `GroupModel`.
#[derive(Debug, Clone)]
pub struct GroupRow {
    pub parent_group_id: Option<String>,
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub description: String,
    pub data: Option<Value>,
    pub meta: Option<Value>,
    pub permissions: Option<Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The columns [`GroupRow::from_row`] reads, for `SELECT {GROUP_COLUMNS} FROM "group" g`.
pub const GROUP_COLUMNS: &str =
    "g.parent_group_id, g.id, g.user_id, g.name, g.description, g.data, g.meta, g.permissions, g.created_at, g.updated_at";

impl GroupRow {
    pub fn from_row(r: &tokio_postgres::Row, at: usize) -> GroupRow {
        GroupRow {
            parent_group_id: r.get(at),
            id: r.get(at + 1),
            user_id: r.get::<_, Option<String>>(at + 2).unwrap_or_default(),
            name: r.get::<_, Option<String>>(at + 3).unwrap_or_default(),
            description: r.get::<_, Option<String>>(at + 4).unwrap_or_default(),
            data: r.get::<_, Option<Value>>(at + 5).filter(|v| !v.is_null()),
            meta: r.get::<_, Option<Value>>(at + 6).filter(|v| !v.is_null()),
            permissions: r.get::<_, Option<Value>>(at + 7).filter(|v| !v.is_null()),
            created_at: r.get::<_, Option<i64>>(at + 8).unwrap_or(0),
            updated_at: r.get::<_, Option<i64>>(at + 9).unwrap_or(0),
        }
    }

}

/// `Groups.get_groups_by_member_ids`: each user's groups (direct, or with ancestors), ordered by
/// `updated_at DESC, id`.
pub async fn full_groups_by_members(
    db: &impl GenericClient,
    user_ids: &[String],
    include_inherited: bool,
) -> Result<Vec<(String, GroupRow)>, DbError> {
    let sql = if include_inherited {
        format!(
            r#"WITH RECURSIVE m(user_id, group_id) AS (
               SELECT user_id, group_id FROM group_member WHERE user_id = ANY($1)
               UNION
               SELECT m.user_id, g.parent_group_id FROM m JOIN "group" g ON g.id = m.group_id WHERE g.parent_group_id IS NOT NULL
           )
           SELECT m.user_id, {GROUP_COLUMNS} FROM m JOIN "group" g ON g.id = m.group_id ORDER BY g.updated_at DESC, g.id"#
        )
    } else {
        format!(
            r#"SELECT m.user_id, {GROUP_COLUMNS} FROM group_member m JOIN "group" g ON g.id = m.group_id
               WHERE m.user_id = ANY($1) ORDER BY g.updated_at DESC, g.id"#
        )
    };
    let rows = db.query(&sql, &[&user_ids]).await?;
    Ok(rows.iter().map(|r| (r.get(0), GroupRow::from_row(r, 1))).collect())
}

/// The advisory lock the reference takes around hierarchy changes (`hierarchy_transaction`).
const HIERARCHY_LOCK: i64 = 731947205;

pub async fn group_by_id(db: &impl GenericClient, id: &str) -> Result<Option<GroupRow>, DbError> {
    let sql = format!(r#"SELECT {GROUP_COLUMNS} FROM "group" g WHERE g.id = $1"#);
    Ok(db.query_opt(&sql, &[&id]).await?.map(|r| GroupRow::from_row(&r, 0)))
}

/// Direct members.
pub async fn member_count(db: &impl GenericClient, id: &str) -> Result<i64, DbError> {
    Ok(db.query_one("SELECT count(user_id) FROM group_member WHERE group_id = $1", &[&id]).await?.get(0))
}

pub async fn member_ids(db: &impl GenericClient, id: &str) -> Result<Vec<String>, DbError> {
    Ok(db.query("SELECT user_id FROM group_member WHERE group_id = $1", &[&id]).await?.iter().map(|r| r.get(0)).collect())
}

/// The groups `user_id` belongs to, directly or through a child group (as SQL).
const MEMBER_GROUPS: &str = r#"(WITH RECURSIVE m(group_id) AS (
        SELECT group_id FROM group_member WHERE user_id = $1
        UNION
        SELECT g2.parent_group_id FROM m JOIN "group" g2 ON g2.id = m.group_id WHERE g2.parent_group_id IS NOT NULL
    ) SELECT group_id FROM m)"#;

/// `Groups.get_groups`: every group (admin), or a member's groups, or the share filter; with the
/// direct member count; newest update first.
pub async fn list_groups(db: &impl GenericClient, member_id: Option<&str>, share: Option<bool>) -> Result<Vec<(GroupRow, i64)>, DbError> {
    let share_expr = r#"lower((g.data -> 'config') ->> 'share')"#;
    let anyone = format!(r#"(g.data IS NULL OR ((g.data -> 'config') ->> 'share') IS NULL OR {share_expr} = 'true' OR {share_expr} = '1')"#);
    let (filter, with_member) = match (member_id, share) {
        (None, _) => (String::new(), false),
        (Some(_), Some(true)) => (format!(" WHERE ({anyone} OR ({share_expr} = 'members' AND g.id IN {MEMBER_GROUPS}))"), true),
        (Some(_), Some(false)) => (format!(" WHERE (g.data IS NOT NULL AND {share_expr} = 'false')"), false),
        (Some(_), None) => (format!(" WHERE g.id IN {MEMBER_GROUPS}"), true),
    };
    let sql = format!(
        r#"SELECT {GROUP_COLUMNS}, (SELECT count(m.user_id) FROM group_member m WHERE m.group_id = g.id)
           FROM "group" g{filter} ORDER BY g.updated_at DESC"#
    );
    let rows = if with_member { db.query(&sql, &[&member_id.unwrap_or("")]).await? } else { db.query(&sql, &[]).await? };
    Ok(rows.iter().map(|r| (GroupRow::from_row(r, 0), r.get::<_, i64>(10))).collect())
}

/// A hierarchy error: status and message.
#[derive(Debug)]
pub struct HierarchyError(pub u16, pub &'static str);

/// `validate_parent`.
async fn validate_parent(tx: &impl GenericClient, group_id: Option<&str>, parent: Option<&str>) -> Result<Result<(), HierarchyError>, DbError> {
    let Some(parent) = parent else { return Ok(Ok(())) };
    if parent.is_empty() {
        return Ok(Err(HierarchyError(400, "Parent group must be a group ID or null.")));
    }
    if tx.query_opt(r#"SELECT 1 FROM "group" WHERE id = $1"#, &[&parent]).await?.is_none() {
        return Ok(Err(HierarchyError(404, "Parent group not found.")));
    }
    if let Some(id) = group_id {
        let cyc: bool = tx
            .query_one(
                r#"WITH RECURSIVE a(group_id) AS (
                       SELECT id FROM "group" WHERE id = $1
                       UNION
                       SELECT g.parent_group_id FROM "group" g JOIN a ON g.id = a.group_id WHERE g.parent_group_id IS NOT NULL
                   ) SELECT EXISTS (SELECT 1 FROM a WHERE group_id = $2)"#,
                &[&parent, &id],
            )
            .await?
            .get(0);
        if cyc {
            return Ok(Err(HierarchyError(400, "A group cannot be its own parent or a descendant of itself.")));
        }
    }
    Ok(Ok(()))
}

/// A new group's fields (`data` already completed with the default share setting).
pub struct NewGroup<'a> {
    pub parent_group_id: Option<&'a str>,
    pub name: &'a str,
    pub description: &'a str,
    pub permissions: Option<&'a Value>,
    pub data: &'a Value,
}

pub async fn insert_group(db: &mut deadpool_postgres::Object, user_id: &str, g: &NewGroup<'_>, now: i64) -> Result<Result<GroupRow, HierarchyError>, DbError> {
    let tx = db.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&HIERARCHY_LOCK]).await?;
    if let Err(e) = validate_parent(&*tx, None, g.parent_group_id).await? {
        return Ok(Err(e));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let sql = format!(
        r#"INSERT INTO "group" AS g (id, user_id, name, description, data, permissions, parent_group_id, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {GROUP_COLUMNS}"#
    );
    let row = tx.query_one(&sql, &[&id, &user_id, &g.name, &g.description, &g.data, &g.permissions, &g.parent_group_id, &now]).await?;
    tx.commit().await?;
    Ok(Ok(GroupRow::from_row(&row, 0)))
}

/// `update_group_by_id`: `name`, `description` always; `permissions` and `data` (merged by the
/// caller) when given; the parent when the form names it.
pub struct GroupUpdate<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub permissions: Option<&'a Value>,
    pub data: Option<Value>,
    /// `Some(parent)` when `parent_group_id` was in the form.
    pub parent_group_id: Option<Option<&'a str>>,
}

pub async fn update_group(
    db: &mut deadpool_postgres::Object,
    id: &str,
    u: &GroupUpdate<'_>,
    merge_data: impl Fn(Option<&Value>, &Value) -> Value,
    now: i64,
) -> Result<Result<GroupRow, HierarchyError>, DbError> {
    let tx = db.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&HIERARCHY_LOCK]).await?;
    let Some(current) = group_by_id(&*tx, id).await? else { return Ok(Err(HierarchyError(404, "Group not found."))) };
    if let Some(parent) = u.parent_group_id {
        if let Err(e) = validate_parent(&*tx, Some(id), parent).await? {
            return Ok(Err(e));
        }
    }
    let data = u.data.as_ref().map(|d| merge_data(current.data.as_ref(), d));
    let parent = match u.parent_group_id {
        Some(p) => p.map(str::to_string),
        None => current.parent_group_id.clone(),
    };
    let sql = format!(
        r#"UPDATE "group" g SET name = $2, description = $3, permissions = COALESCE($4, g.permissions), data = COALESCE($5, g.data),
           parent_group_id = $6, updated_at = $7 WHERE g.id = $1 RETURNING {GROUP_COLUMNS}"#
    );
    let row = tx.query_one(&sql, &[&id, &u.name, &u.description, &u.permissions, &data, &parent, &now]).await?;
    tx.commit().await?;
    Ok(Ok(GroupRow::from_row(&row, 0)))
}

/// Adds (`add`) or removes members; `None` when the group does not exist.
pub async fn change_members(db: &mut deadpool_postgres::Object, id: &str, user_ids: &[String], add: bool, now: i64) -> Result<Option<GroupRow>, DbError> {
    let tx = db.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&HIERARCHY_LOCK]).await?;
    if group_by_id(&*tx, id).await?.is_none() {
        return Ok(None);
    }
    if add {
        for uid in user_ids {
            tx.execute(
                "INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
                 ON CONFLICT (group_id, user_id) DO NOTHING",
                &[&uuid::Uuid::new_v4().to_string(), &id, uid, &now],
            )
            .await?;
        }
    } else {
        tx.execute("DELETE FROM group_member WHERE group_id = $1 AND user_id = ANY($2)", &[&id, &user_ids]).await?;
    }
    let sql = format!(r#"UPDATE "group" g SET updated_at = $2 WHERE g.id = $1 RETURNING {GROUP_COLUMNS}"#);
    let row = tx.query_one(&sql, &[&id, &now]).await?;
    tx.commit().await?;
    Ok(Some(GroupRow::from_row(&row, 0)))
}

/// Deletes a group: its children move to its parent, its members and grants go. `false` when
/// it does not exist.
pub async fn delete_group(db: &mut deadpool_postgres::Object, id: &str, now: i64) -> Result<bool, DbError> {
    let tx = db.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&HIERARCHY_LOCK]).await?;
    let Some(g) = group_by_id(&*tx, id).await? else { return Ok(false) };
    tx.execute(r#"UPDATE "group" SET parent_group_id = $2, updated_at = $3 WHERE parent_group_id = $1"#, &[&id, &g.parent_group_id, &now])
        .await?;
    tx.execute("DELETE FROM group_member WHERE group_id = $1", &[&id]).await?;
    tx.execute("DELETE FROM access_grant WHERE principal_type = 'group' AND principal_id = $1", &[&id]).await?;
    tx.execute(r#"DELETE FROM "group" WHERE id = $1"#, &[&id]).await?;
    tx.commit().await?;
    Ok(true)
}

/// The group and its descendants' ids (as SQL, `$1` the group).
pub const DESCENDANTS: &str = r#"(WITH RECURSIVE d(group_id) AS (
        SELECT id FROM "group" WHERE id = $1
        UNION
        SELECT g.id FROM "group" g JOIN d ON g.parent_group_id = d.group_id
    ) SELECT group_id FROM d)"#;

/// The group and its ancestors' ids.
pub async fn ancestor_ids(db: &impl GenericClient, id: &str) -> Result<Vec<String>, DbError> {
    let rows = db
        .query(
            r#"WITH RECURSIVE a(group_id) AS (
                   SELECT id FROM "group" WHERE id = $1
                   UNION
                   SELECT g.parent_group_id FROM "group" g JOIN a ON g.id = a.group_id WHERE g.parent_group_id IS NOT NULL
               ) SELECT group_id FROM a"#,
            &[&id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// `Groups.sync_groups_by_group_names`: the user's direct memberships become exactly the groups
/// with those names (names that match no group are ignored); every group that gained or lost
/// the user gets a new `updated_at`. One transaction.
pub async fn sync_member_groups_by_names(
    db: &mut deadpool_postgres::Object,
    user_id: &str,
    names: &[String],
    now: i64,
) -> Result<(), DbError> {
    let tx = db.transaction().await?;
    let target: Vec<String> =
        tx.query(r#"SELECT id FROM "group" WHERE name = ANY($1)"#, &[&names]).await?.iter().map(|r| r.get(0)).collect();
    let previous: Vec<String> =
        tx.query("SELECT group_id FROM group_member WHERE user_id = $1", &[&user_id]).await?.iter().map(|r| r.get(0)).collect();
    let removed: Vec<String> = previous.iter().filter(|g| !target.contains(g)).cloned().collect();
    let added: Vec<String> = target.iter().filter(|g| !previous.contains(g)).cloned().collect();
    if !removed.is_empty() {
        tx.execute("DELETE FROM group_member WHERE user_id = $1 AND group_id = ANY($2)", &[&user_id, &removed]).await?;
    }
    for g in &added {
        tx.execute(
            "INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (group_id, user_id) DO NOTHING",
            &[&uuid::Uuid::new_v4().to_string(), g, &user_id, &now],
        )
        .await?;
    }
    let changed: Vec<String> = removed.into_iter().chain(added).collect();
    if !changed.is_empty() {
        tx.execute(r#"UPDATE "group" SET updated_at = $2 WHERE id = ANY($1)"#, &[&changed, &now]).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `Groups.get_group_user_ids_by_id` as users: the direct members.
pub async fn members(db: &impl GenericClient, id: &str) -> Result<Vec<UserRow>, DbError> {
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM "user" u JOIN group_member m ON m.user_id = u.id WHERE m.group_id = $1"#);
    Ok(db.query(&sql, &[&id]).await?.iter().map(|r| UserRow::from_row(r, 0)).collect())
}

/// The groups of `ids` except `except` (a group's ancestors, from [`ancestor_ids`]).
pub async fn groups_by_ids_except(db: &impl GenericClient, ids: &[String], except: &str) -> Result<Vec<GroupRow>, DbError> {
    let sql = format!(r#"SELECT {GROUP_COLUMNS} FROM "group" g WHERE g.id = ANY($1) AND g.id <> $2"#);
    Ok(db.query(&sql, &[&ids, &except]).await?.iter().map(|r| GroupRow::from_row(r, 0)).collect())
}

/// A resource of a group's preview: id, name, active (models; `false` for the others) and whether
/// one of the groups (or everyone) is granted `read` on it.
pub struct GrantedResource {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub granted: bool,
}

/// Every resource of a kind (`model`, `knowledge`, `tool`; knowledge newest first) with whether
/// `group_ids` (or everyone) may read it.
pub async fn resources_granted(db: &impl GenericClient, kind: Readable, group_ids: &[String]) -> Result<Vec<GrantedResource>, DbError> {
    let (table, active, order) = match kind {
        Readable::Model => ("model", "is_active", ""),
        Readable::Knowledge => ("knowledge", "true", " ORDER BY r.updated_at DESC"),
        Readable::Tool => ("tool", "true", ""),
    };
    let sql = format!(
        "SELECT r.id, r.name, {active}, EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = '{table}' AND a.resource_id = r.id
           AND a.permission = 'read' AND ((a.principal_type = 'user' AND a.principal_id IN ('*', ''))
           OR (a.principal_type = 'group' AND a.principal_id = ANY($1)))) FROM {table} r{order}"
    );
    let rows = db.query(&sql, &[&group_ids]).await?;
    Ok(rows
        .iter()
        .map(|r| GrantedResource {
            id: r.get(0),
            name: r.get::<_, Option<String>>(1).unwrap_or_default(),
            active: r.get::<_, Option<bool>>(2).unwrap_or(false),
            granted: r.get(3),
        })
        .collect())
}

/// Which members `GET /api/v1/groups/id/{id}/members` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// Members of the group itself.
    Direct,
    /// Members of a descendant group only.
    Inherited,
    /// Both.
    Effective,
}

/// A member of a group's page: id, name, email, role, whether a direct member, and the
/// descendant groups it is a member through (sorted).
pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub direct: bool,
    pub via_group_ids: Vec<String>,
}

/// A page of a group's members and the counts.
pub struct MemberPage {
    pub rows: Vec<MemberRow>,
    pub total: i64,
    pub direct_count: i64,
    pub effective_count: i64,
}

/// A page (`limit` from `offset`, by name then id) of the members of group `id` and its
/// descendants, filtered by membership and a name or email substring (`ILIKE`, wildcards passed
/// through as SQLAlchemy does).
pub async fn member_page(
    db: &impl GenericClient,
    id: &str,
    membership: Membership,
    query: &str,
    offset: i64,
    limit: i64,
) -> Result<MemberPage, DbError> {
    let effective = format!("(SELECT DISTINCT m.user_id FROM group_member m WHERE m.group_id IN {DESCENDANTS})");
    let direct = "(SELECT user_id FROM group_member WHERE group_id = $1)";
    let direct_count: i64 = db.query_one(&format!("SELECT count(*) FROM {direct} d"), &[&id]).await?.get(0);
    let effective_count: i64 = db.query_one(&format!("SELECT count(*) FROM {effective} e"), &[&id]).await?.get(0);
    let mut filter = format!("u.id IN {effective}");
    match membership {
        Membership::Direct => filter.push_str(&format!(" AND u.id IN {direct}")),
        Membership::Inherited => filter.push_str(&format!(" AND u.id NOT IN {direct}")),
        Membership::Effective => {}
    }
    let pattern = format!("%{query}%");
    let (total, rows) = if query.is_empty() {
        let total: i64 = db.query_one(&format!(r#"SELECT count(*) FROM "user" u WHERE {filter}"#), &[&id]).await?.get(0);
        let sql = format!(r#"SELECT u.id, u.name, u.email, u.role FROM "user" u WHERE {filter} ORDER BY u.name, u.id OFFSET {offset} LIMIT {limit}"#);
        (total, db.query(&sql, &[&id]).await?)
    } else {
        let f = format!("{filter} AND (u.name ILIKE $2 OR u.email ILIKE $2)");
        let total: i64 = db.query_one(&format!(r#"SELECT count(*) FROM "user" u WHERE {f}"#), &[&id, &pattern]).await?.get(0);
        let sql = format!(r#"SELECT u.id, u.name, u.email, u.role FROM "user" u WHERE {f} ORDER BY u.name, u.id OFFSET {offset} LIMIT {limit}"#);
        (total, db.query(&sql, &[&id, &pattern]).await?)
    };
    let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let sources = db
        .query(&format!("SELECT user_id, group_id FROM group_member WHERE user_id = ANY($2) AND group_id IN {DESCENDANTS}"), &[&id, &ids])
        .await?;
    let rows = rows
        .iter()
        .map(|r| {
            let uid: String = r.get(0);
            let mut via: Vec<String> = sources.iter().filter(|s| s.get::<_, String>(0) == uid).map(|s| s.get::<_, String>(1)).collect();
            let direct = via.iter().any(|g| g == id);
            via.retain(|g| g != id);
            via.sort();
            MemberRow {
                id: uid,
                name: r.get::<_, Option<String>>(1).unwrap_or_default(),
                email: r.get::<_, Option<String>>(2).unwrap_or_default(),
                role: r.get::<_, Option<String>>(3).unwrap_or_default(),
                direct,
                via_group_ids: via,
            }
        })
        .collect();
    Ok(MemberPage { rows, total, direct_count, effective_count })
}

/// The first group with this name (SCIM's `displayName eq` filter).
pub async fn group_by_name(db: &impl GenericClient, name: &str) -> Result<Option<GroupRow>, DbError> {
    let sql = format!(r#"SELECT {GROUP_COLUMNS} FROM "group" g WHERE g.name = $1 LIMIT 1"#);
    Ok(db.query_opt(&sql, &[&name]).await?.map(|r| GroupRow::from_row(&r, 0)))
}

/// Every group, most recently updated first.
pub async fn all_groups(db: &impl GenericClient) -> Result<Vec<GroupRow>, DbError> {
    let sql = format!(r#"SELECT {GROUP_COLUMNS} FROM "group" g ORDER BY g.updated_at DESC"#);
    Ok(db.query(&sql, &[]).await?.iter().map(|r| GroupRow::from_row(r, 0)).collect())
}
