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
