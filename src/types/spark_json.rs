//! Spark's schema JSON. (Temporary shim on main; the types branch replaces this file.)
use arrow::datatypes::{DataType, Fields};

use crate::error::{EmberError, Result};

fn type_json(dt: &DataType) -> serde_json::Value {
    match dt {
        DataType::List(f) => serde_json::json!({"type": "array", "elementType": type_json(f.data_type()), "containsNull": f.is_nullable()}),
        DataType::Struct(fields) => serde_json::from_str(&fields_to_json(fields)).unwrap(),
        other => serde_json::Value::String(match crate::types::type_name(other).as_str() {
            "bigint" => "long".into(),
            s => s.to_string(),
        }),
    }
}

pub fn type_to_json_value(dt: &DataType) -> serde_json::Value {
    type_json(dt)
}

pub fn fields_to_json(fields: &Fields) -> String {
    let fs: Vec<serde_json::Value> = fields
        .iter()
        .map(|f| serde_json::json!({"metadata": {}, "name": f.name(), "nullable": f.is_nullable(), "type": type_json(f.data_type())}))
        .collect();
    serde_json::json!({"fields": fs, "type": "struct"}).to_string()
}

pub fn type_from_json_value(v: &serde_json::Value) -> Result<DataType> {
    match v {
        serde_json::Value::String(s) => crate::types::ddl::parse_ddl_type(s),
        _ => Err(EmberError::not_implemented("nested schema JSON")),
    }
}

pub fn fields_from_json(s: &str) -> Result<Fields> {
    let v: serde_json::Value = serde_json::from_str(s)?;
    let mut out = Vec::new();
    for f in v["fields"].as_array().cloned().unwrap_or_default() {
        out.push(arrow::datatypes::Field::new(
            f["name"].as_str().unwrap_or_default(),
            type_from_json_value(&f["type"])?,
            f["nullable"].as_bool().unwrap_or(true),
        ));
    }
    Ok(out.into())
}
