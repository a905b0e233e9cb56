//! Table `access_grant` for the workspace resources (tools, prompts, notes, ...): the reads and
//! the permission filter of the reference's `models/access_grants.py`, parameterised by
//! `resource_type` (a constant of the caller's module, never request input).

use tokio_postgres::GenericClient;
use webui_api::folders::AccessGrantModel;

use super::DbError;

const GRANT_COLUMNS: &str = "id, resource_type, resource_id, principal_type, principal_id, permission, created_at";

fn grant(r: &tokio_postgres::Row) -> AccessGrantModel {
    AccessGrantModel {
        id: r.get(0),
        resource_type: r.get(1),
        resource_id: r.get(2),
        principal_type: r.get(3),
        principal_id: r.get(4),
        permission: r.get(5),
        created_at: r.get(6),
    }
}

/// `AccessGrants.get_grants_by_resources`: every grant on the given resources (in the table's
/// own order, as the reference's query has no `ORDER BY`).
pub async fn of_resources(db: &impl GenericClient, resource_type: &str, ids: &[String]) -> Result<Vec<AccessGrantModel>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = db
        .query(
            &format!("SELECT {GRANT_COLUMNS} FROM access_grant WHERE resource_type = $1 AND resource_id = ANY($2)"),
            &[&resource_type, &ids],
        )
        .await?;
    Ok(rows.iter().map(grant).collect())
}

/// `AccessGrants.get_grants_by_resource`.
pub async fn of_resource(db: &impl GenericClient, resource_type: &str, id: &str) -> Result<Vec<AccessGrantModel>, DbError> {
    let rows = db
        .query(&format!("SELECT {GRANT_COLUMNS} FROM access_grant WHERE resource_type = $1 AND resource_id = $2"), &[&resource_type, &id])
        .await?;
    Ok(rows.iter().map(grant).collect())
}

/// `AccessGrants.has_access` over grants already read: a grant of `permission` to everyone
/// (`user:*`), to the user, or to one of the user's groups.
pub fn grants_allow(grants: &[AccessGrantModel], user_id: &str, group_ids: &[String], permission: &str) -> bool {
    grants.iter().any(|g| {
        g.permission == permission
            && match g.principal_type.as_str() {
                "user" => g.principal_id == "*" || g.principal_id == user_id,
                "group" => group_ids.iter().any(|id| *id == g.principal_id),
                _ => false,
            }
    })
}

/// `AccessGrants.has_permission_filter`'s condition on the rows of `alias` (a table with `id`
/// and `user_id`): the caller owns the row, or holds a grant of `permission` on it (public,
/// direct or through a group). `$u` and `$g` are the placeholders of the user id (text) and the
/// group ids (text[]).
pub fn permission_filter(alias: &str, resource_type: &str, permission: &str, u: &str, g: &str) -> String {
    format!(
        "({alias}.user_id = {u} OR EXISTS (SELECT 1 FROM access_grant a WHERE a.resource_type = '{resource_type}'
           AND a.resource_id = {alias}.id AND a.permission = '{permission}'
           AND ((a.principal_type = 'user' AND a.principal_id IN ('*', {u}))
             OR (a.principal_type = 'group' AND a.principal_id = ANY({g})))))"
    )
}

/// A grant to write: `(principal_type, principal_id, permission)`.
pub type NewGrant = (String, String, String);

/// `AccessGrants.set_access_grants` inside a transaction: the resource's grants replaced.
pub async fn replace(
    tx: &tokio_postgres::Transaction<'_>,
    resource_type: &str,
    id: &str,
    grants: &[NewGrant],
    now: i64,
) -> Result<Vec<AccessGrantModel>, DbError> {
    tx.execute("DELETE FROM access_grant WHERE resource_type = $1 AND resource_id = $2", &[&resource_type, &id]).await?;
    let mut out = Vec::with_capacity(grants.len());
    for (ptype, pid, perm) in grants {
        let gid = uuid::Uuid::new_v4().to_string();
        tx.execute(
            "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, permission, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&gid, &resource_type, &id, ptype, pid, perm, &now],
        )
        .await?;
        out.push(AccessGrantModel {
            id: gid,
            resource_type: resource_type.to_string(),
            resource_id: id.to_string(),
            principal_type: ptype.clone(),
            principal_id: pid.clone(),
            permission: perm.clone(),
            created_at: now,
        });
    }
    Ok(out)
}
