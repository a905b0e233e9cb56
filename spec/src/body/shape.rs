//! What a form's fields accept, read once per form type from its JSON schema and its derived
//! `Deserialize` (declaration order, required, nullable, kind).

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use schemars::schema::{InstanceType, Schema, SchemaObject, SingleOrVec};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What a field accepts, from the form's JSON schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    String,
    Bool,
    Int,
    Number,
    Object,
    Array,
    Any,
}

#[derive(Debug)]
pub(super) struct Field {
    pub name: &'static str,
    pub required: bool,
    pub nullable: bool,
    pub kind: Kind,
}

#[derive(Debug)]
pub(super) struct Shape {
    /// `None` for types that are not plain structs: validated by serde alone.
    pub fields: Option<Vec<Field>>,
}

pub(super) fn shape_of<T: JsonSchema + DeserializeOwned + 'static>() -> Arc<Shape> {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, Arc<Shape>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(s) = cache.lock().expect("shape cache").get(&TypeId::of::<T>()) {
        return s.clone();
    }
    let shape = Arc::new(build_shape::<T>());
    cache
        .lock()
        .expect("shape cache")
        .insert(TypeId::of::<T>(), shape.clone());
    shape
}

fn build_shape<T: JsonSchema + DeserializeOwned>() -> Shape {
    let Some(names) = introspect::struct_fields::<T>() else {
        return Shape { fields: None };
    };
    let root = schemars::gen::SchemaGenerator::default().into_root_schema_for::<T>();
    let Some(object) = root.schema.object.as_ref() else {
        return Shape { fields: None };
    };
    let fields = names
        .iter()
        .map(|name| {
            let (kind, nullable) = match object.properties.get(*name) {
                Some(schema) => kind_of(schema, &root.definitions),
                None => (Kind::Any, true),
            };
            Field {
                name,
                required: object.required.contains(*name),
                nullable,
                kind,
            }
        })
        .collect();
    Shape {
        fields: Some(fields),
    }
}

fn kind_of(schema: &Schema, defs: &schemars::Map<String, Schema>) -> (Kind, bool) {
    let obj: &SchemaObject = match schema {
        Schema::Bool(_) => return (Kind::Any, true),
        Schema::Object(o) => o,
    };
    if let Some(r) = &obj.reference {
        let name = r.rsplit('/').next().unwrap_or("");
        return match defs.get(name) {
            Some(s) => kind_of(s, defs),
            None => (Kind::Any, true),
        };
    }
    if let Some(types) = &obj.instance_type {
        let list: Vec<InstanceType> = match types {
            SingleOrVec::Single(t) => vec![**t],
            SingleOrVec::Vec(v) => v.clone(),
        };
        let nullable = list.contains(&InstanceType::Null)
            || obj.extensions.get("nullable") == Some(&Value::Bool(true));
        let kind = list
            .iter()
            .find(|t| **t != InstanceType::Null)
            .map(|t| match t {
                InstanceType::String => Kind::String,
                InstanceType::Boolean => Kind::Bool,
                InstanceType::Integer => Kind::Int,
                InstanceType::Number => Kind::Number,
                InstanceType::Object => Kind::Object,
                InstanceType::Array => Kind::Array,
                InstanceType::Null => Kind::Any,
            })
            .unwrap_or(Kind::Any);
        return (kind, nullable || list.len() > 2);
    }
    if let Some(sub) = &obj.subschemas {
        let parts: Vec<&Schema> = sub
            .any_of
            .iter()
            .chain(sub.one_of.iter())
            .chain(sub.all_of.iter())
            .flatten()
            .collect();
        let mut nullable = false;
        let mut kinds = vec![];
        for p in parts {
            if let Schema::Object(o) = p {
                if o.instance_type == Some(SingleOrVec::Single(Box::new(InstanceType::Null))) {
                    nullable = true;
                    continue;
                }
            }
            let (k, n) = kind_of(p, defs);
            nullable |= n;
            kinds.push(k);
        }
        let kind = if kinds.len() == 1 {
            kinds[0]
        } else {
            Kind::Any
        };
        return (kind, nullable);
    }
    (Kind::Any, true)
}

/// The declared field names of a derived `Deserialize` struct, in declaration order, read by
/// handing it a deserializer that records what `deserialize_struct` is asked for.
mod introspect {
    use serde::de::{self, Deserialize, Deserializer, Visitor};

    pub fn struct_fields<'de, T: Deserialize<'de>>() -> Option<&'static [&'static str]> {
        let mut fields = None;
        let _ = T::deserialize(Recorder {
            fields: &mut fields,
        });
        fields
    }

    struct Recorder<'a> {
        fields: &'a mut Option<&'static [&'static str]>,
    }

    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("introspection")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<T: std::fmt::Display>(_msg: T) -> Self {
            Stop
        }
    }

    impl<'de> Deserializer<'de> for Recorder<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _v: V,
        ) -> Result<V::Value, Stop> {
            *self.fields = Some(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
}
