//! The reference's per-key settings store: table `config` (`key` text PK, `value` json).
//!
//! A key missing from the table takes its default from the environment (see
//! [`crate::config::Config::setting_default`]), as the reference's `Config.get_many` does.

use deadpool_postgres::Pool;
use serde_json::{Map, Value};

use super::DbError;
use crate::config::Config;

/// Reads `keys`; keys neither stored nor with a default are left out, like the reference.
pub async fn config_get_many(pool: &Pool, config: &Config, keys: &[&str]) -> Result<Map<String, Value>, DbError> {
    let persistent: Vec<&str> = keys.iter().copied().filter(|k| config.setting_persistent(k)).collect();
    let mut stored = Map::new();
    if !persistent.is_empty() {
        let client = pool.get().await?;
        let rows = client.query("SELECT key, value FROM config WHERE key = ANY($1)", &[&persistent]).await?;
        for row in rows {
            let key: String = row.get(0);
            let value: Value = row.get(1);
            stored.insert(key, value);
        }
    }
    let mut out = Map::new();
    for key in keys {
        if let Some(v) = stored.remove(*key) {
            out.insert(key.to_string(), v);
        } else if let Some(v) = config.setting_default(key) {
            out.insert(key.to_string(), v);
        }
    }
    Ok(out)
}

/// Reads one key (its default when unset).
pub async fn config_get(pool: &Pool, config: &Config, key: &str) -> Result<Option<Value>, DbError> {
    Ok(config_get_many(pool, config, &[key]).await?.remove(key))
}

/// `Config.upsert`: writes each persistent key, stamping `updated_at`; the others are kept in
/// memory for the life of the process (the reference overwrites its in-memory default).
pub async fn config_upsert(pool: &Pool, config: &Config, updates: &[(&str, Value)]) -> Result<(), DbError> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    for (key, value) in updates {
        if !config.setting_persistent(key) {
            config.set_runtime_setting(key, value.clone());
            continue;
        }
        tx.execute(
            "INSERT INTO config (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
            &[key, value, &now],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
