//! Spark DDL strings. (Temporary shim on main; the types branch replaces this file.)
use arrow::datatypes::{DataType, Fields};

use crate::error::{EmberError, Result};

pub fn parse_ddl_type(s: &str) -> Result<DataType> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "int" | "integer" => DataType::Int32,
        "bigint" | "long" => DataType::Int64,
        "string" => DataType::Utf8,
        "double" => DataType::Float64,
        "boolean" => DataType::Boolean,
        "timestamp" => crate::types::timestamp_type(),
        "date" => DataType::Date32,
        other => return Err(EmberError::parse(format!("unsupported type {other}"))),
    })
}

pub fn parse_ddl_schema(s: &str) -> Result<Fields> {
    let mut out = vec![];
    for part in s.split(',') {
        let mut it = part.split_whitespace();
        let name = it.next().unwrap_or_default().trim_end_matches(':');
        let ty = it.next().unwrap_or_default();
        out.push(arrow::datatypes::Field::new(name, parse_ddl_type(ty)?, true));
    }
    Ok(out.into())
}

pub fn ddl_to_spark_json(_s: &str) -> Result<String> {
    Err(EmberError::not_implemented("ddl_to_spark_json"))
}

pub fn type_to_ddl(dt: &DataType) -> String {
    crate::types::simple_string(dt).to_uppercase()
}
