//! What the admin panel's settings pages outside `/api/v1/configs` share (retrieval, images,
//! audio, evaluations): the reference's `get_config_values(key_map)` over `Config.get_many`,
//! read into the page's typed answer.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::context::ServerContext;
use crate::error::{Error, Result};

/// `get_config_values(key_map)`: `{field: value}` for the `(field, config key)` pairs, in
/// their order; a key neither stored nor with a default is left out.
pub fn fields(ctx: &ServerContext, map: &[(&str, &str)]) -> Map<String, Value> {
    let keys: Vec<&str> = map.iter().map(|(_, k)| *k).collect();
    let stored = ctx.settings_many(&keys);
    map.iter().filter_map(|(field, key)| stored.get(*key).map(|v| (field.to_string(), v.clone()))).collect()
}

/// The page's answer from its fields (a stored value of another type than the page's is a 500,
/// as the reference's response validation answers where it has a response model).
pub fn typed<T: DeserializeOwned>(fields: Map<String, Value>) -> Result<T> {
    serde_json::from_value(Value::Object(fields)).map_err(Error::internal)
}
