//! [`Shaped`]: a JSON value documented with the schema of the model it is.
//!
//! Some answers and bodies are built or read as ordered JSON values, because the reference's
//! bytes (key order, nulls, its own quirks) are easiest to reproduce that way. Their OpenAPI
//! description should still be the reference's model, not "any". `Shaped<T>` serializes and
//! deserializes as the plain value and describes itself as `T`.
//!
//! Use it only where the value is that model: an answer that compat shows byte-identical to
//! the reference's, or a body the handler validates as the reference does.

use std::marker::PhantomData;

use schemars::gen::SchemaGenerator;
use schemars::schema::Schema;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A JSON value (`V`: `serde_json::Value`, or a `Map` for an object body) described as `T`.
pub struct Shaped<T, V = serde_json::Value> {
    pub value: V,
    _model: PhantomData<fn() -> T>,
}

impl<T, V> Shaped<T, V> {
    pub fn new(value: V) -> Self {
        Shaped { value, _model: PhantomData }
    }
    pub fn into_inner(self) -> V {
        self.value
    }
}

impl<T, V: std::fmt::Debug> std::fmt::Debug for Shaped<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

impl<T, V: Serialize> Serialize for Shaped<T, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de, T, V: Deserialize<'de>> Deserialize<'de> for Shaped<T, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        V::deserialize(d).map(Shaped::new)
    }
}

impl<T: JsonSchema, V> JsonSchema for Shaped<T, V> {
    fn is_referenceable() -> bool {
        T::is_referenceable()
    }
    fn schema_name() -> String {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(gen: &mut SchemaGenerator) -> Schema {
        T::json_schema(gen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Model {
        id: String,
        n: i64,
    }

    #[test]
    fn the_value_on_the_wire_the_model_in_the_schema() {
        let s: Shaped<Model> = Shaped::new(json!({"n": 1, "id": "x", "extra": null}));
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"n":1,"id":"x","extra":null}"#);
        let back: Shaped<Model> = serde_json::from_str(r#"{"id":"y"}"#).unwrap();
        assert_eq!(back.into_inner(), json!({"id": "y"}));
        let ours = serde_json::to_value(schemars::schema_for!(Shaped<Model>)).unwrap();
        let model = serde_json::to_value(schemars::schema_for!(Model)).unwrap();
        assert_eq!(ours, model);
    }
}
