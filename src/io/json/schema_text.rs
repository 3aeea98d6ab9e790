//! Schema strings for `from_json`: Spark's schema JSON or DDL (a type, or a field list as a struct), as Spark's
//! `DataType.fromDDL`/`fromJson` read them.
use arrow::datatypes::DataType;

use crate::error::Result;

/// A schema string to a type: a struct for a field list, else the single type it names.
pub fn parse_schema_text(s: &str) -> Result<DataType> {
    let t = s.trim();
    if t.starts_with('{') {
        return crate::types::spark_json::type_from_json(t);
    }
    crate::types::ddl::data_type_from_ddl(t)
}
