//! Spark data types on Arrow: the one table mapping each Spark type to its Arrow type and names.
//!
//! ember keeps data in Arrow arrays and uses Arrow's `DataType` as its type; this module says which Arrow types
//! stand for which Spark type. `ddl` parses Spark DDL strings and `spark_json` reads and writes Spark's schema JSON
//! (the form `pyspark.sql.types` uses to cross into the engine).
pub mod batch;
pub mod datetime_pattern;
pub mod ddl;
pub mod java_float;
pub mod null_array;
pub mod spark_json;
pub mod uuid;

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, IntervalUnit, TimeUnit};

/// Arrow type of Spark's `TimestampType` (instant; shown in the session time zone): UTC microseconds.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Arrow type of Spark's `TimestampNTZType` (wall-clock time without zone).
pub fn timestamp_ntz_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

/// Arrow type of Spark's `DayTimeIntervalType`.
pub fn day_time_interval_type() -> DataType {
    DataType::Duration(TimeUnit::Microsecond)
}

/// Arrow type of Spark's `ArrayType(element, containsNull)`.
pub fn array_type(element: DataType, contains_null: bool) -> DataType {
    DataType::List(Arc::new(Field::new("element", element, contains_null)))
}

/// Arrow type of Spark's `MapType(key, value, valueContainsNull)`.
pub fn map_type(key: DataType, value: DataType, value_contains_null: bool) -> DataType {
    let entries = Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("key", key, false),
            Field::new("value", value, value_contains_null),
        ])),
        false,
    );
    DataType::Map(Arc::new(entries), false)
}

/// Spark's `DecimalType` limits.
pub const MAX_DECIMAL_PRECISION: u8 = 38;

/// Canonical Arrow type for data that arrived in another Arrow encoding (large/view strings, other time units…):
/// the engine's kernels only see canonical types.
pub fn canonical(dt: &DataType) -> DataType {
    match dt {
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => DataType::Binary,
        DataType::Timestamp(_, Some(_)) => timestamp_type(),
        DataType::Timestamp(_, None) => timestamp_ntz_type(),
        DataType::Date64 => DataType::Date32,
        DataType::Duration(_) => day_time_interval_type(),
        DataType::UInt8 => DataType::Int16,
        DataType::UInt16 => DataType::Int32,
        DataType::UInt32 => DataType::Int64,
        DataType::UInt64 => DataType::Decimal128(20, 0),
        DataType::Float16 => DataType::Float32,
        DataType::Decimal256(p, s) => DataType::Decimal128((*p).min(MAX_DECIMAL_PRECISION), *s),
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => DataType::Decimal128(*p, *s),
        DataType::LargeList(f) | DataType::ListView(f) | DataType::LargeListView(f) | DataType::FixedSizeList(f, _) => {
            array_type(canonical(f.data_type()), f.is_nullable())
        }
        DataType::List(f) => array_type(canonical(f.data_type()), f.is_nullable()),
        DataType::Struct(fields) => DataType::Struct(
            fields.iter().map(|f| Field::new(f.name(), canonical(f.data_type()), f.is_nullable())).collect(),
        ),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                map_type(canonical(kv[0].data_type()), canonical(kv[1].data_type()), kv[1].is_nullable())
            }
            other => other.clone(),
        },
        DataType::Dictionary(_, v) => canonical(v),
        DataType::Interval(IntervalUnit::MonthDayNano) => dt.clone(),
        other => other.clone(),
    }
}

/// Spark's `simpleString` of a type: `int`, `bigint`, `decimal(10,2)`, `array<string>`, `struct<a:int>`, …
pub fn simple_string(dt: &DataType) -> String {
    match dt {
        DataType::Null => "void".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "binary".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp".into(),
        DataType::Timestamp(_, None) => "timestamp_ntz".into(),
        DataType::Duration(_) => "interval day to second".into(),
        DataType::Interval(_) => "interval".into(),
        DataType::List(f) | DataType::LargeList(f) => format!("array<{}>", simple_string(f.data_type())),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                format!("map<{},{}>", simple_string(kv[0].data_type()), simple_string(kv[1].data_type()))
            }
            _ => "map".into(),
        },
        DataType::Struct(fields) => {
            let parts: Vec<String> =
                fields.iter().map(|f| format!("{}:{}", f.name(), simple_string(f.data_type()))).collect();
            format!("struct<{}>", parts.join(","))
        }
        other => format!("{other}").to_lowercase(),
    }
}

/// Spark's `typeName` as printed by `printSchema` (`integer`, `long`, `string`, `array`, `struct`, …).
pub fn type_name(dt: &DataType) -> String {
    match dt {
        DataType::Null => "void".into(),
        DataType::Int8 => "byte".into(),
        DataType::Int16 => "short".into(),
        DataType::Int32 => "integer".into(),
        DataType::Int64 => "long".into(),
        DataType::List(_) | DataType::LargeList(_) => "array".into(),
        DataType::Map(_, _) => "map".into(),
        DataType::Struct(_) => "struct".into(),
        other => simple_string(other),
    }
}

/// Whether the type is one of Spark's numeric types.
pub fn is_numeric(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(_, _)
    )
}

/// Whether the type is an integral Spark type.
pub fn is_integral(dt: &DataType) -> bool {
    matches!(dt, DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64)
}

/// Whether the type is Spark's string type.
pub fn is_string(dt: &DataType) -> bool {
    matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_strings_match_spark() {
        assert_eq!(simple_string(&DataType::Int64), "bigint");
        assert_eq!(simple_string(&array_type(DataType::Utf8, true)), "array<string>");
        assert_eq!(simple_string(&map_type(DataType::Utf8, DataType::Int32, true)), "map<string,int>");
        assert_eq!(simple_string(&timestamp_type()), "timestamp");
        assert_eq!(type_name(&DataType::Int32), "integer");
    }

    #[test]
    fn canonical_folds_encodings() {
        assert_eq!(canonical(&DataType::LargeUtf8), DataType::Utf8);
        assert_eq!(canonical(&DataType::Timestamp(TimeUnit::Nanosecond, Some("+02:00".into()))), timestamp_type());
    }
}

/// The type with every nested field, element and map value nullable (Spark's `asNullable`: map keys stay
/// non-null), as Spark reads files with a user's schema and as `from_json` returns: a missing value reads as null
/// rather than failing.
pub fn as_nullable(dt: &DataType) -> DataType {
    match dt {
        DataType::Struct(f) => DataType::Struct(fields_as_nullable(f)),
        DataType::List(f) => {
            DataType::List(Arc::new(f.as_ref().clone().with_data_type(as_nullable(f.data_type())).with_nullable(true)))
        }
        DataType::Map(entries, sorted) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                let value = kv[1].as_ref().clone().with_data_type(as_nullable(kv[1].data_type())).with_nullable(true);
                let kv = Fields::from(vec![kv[0].as_ref().clone(), value]);
                DataType::Map(Arc::new(entries.as_ref().clone().with_data_type(DataType::Struct(kv))), *sorted)
            }
            _ => dt.clone(),
        },
        other => other.clone(),
    }
}

/// `as_nullable` for each field of a schema.
pub fn fields_as_nullable(fields: &Fields) -> Fields {
    fields.iter().map(|f| f.as_ref().clone().with_data_type(as_nullable(f.data_type())).with_nullable(true)).collect()
}
