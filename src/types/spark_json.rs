//! Spark's schema JSON (`StructType.json()`, `DataType.json()`) to and from Arrow types.
use std::collections::HashMap;
use std::fmt::Write;

use arrow::datatypes::{DataType, Field, Fields, IntervalUnit};
use serde_json::{json, Map, Value};

use super::ddl::SPARK_METADATA_KEY;
use super::{array_type, canonical, day_time_interval_type, map_type, timestamp_ntz_type, timestamp_type};
use crate::error::{EmberError, Result};

/// Spark's JSON value of a type: `"integer"`, `"decimal(10,2)"`, `{"type":"array",…}`, `{"type":"struct",…}`.
pub fn type_to_json_value(dt: &DataType) -> Value {
    match dt {
        DataType::Null => json!("void"),
        DataType::Boolean => json!("boolean"),
        DataType::Int8 => json!("byte"),
        DataType::Int16 => json!("short"),
        DataType::Int32 => json!("integer"),
        DataType::Int64 => json!("long"),
        DataType::Float32 => json!("float"),
        DataType::Float64 => json!("double"),
        DataType::Decimal128(p, s) => json!(format!("decimal({p},{s})")),
        DataType::Utf8 => json!("string"),
        DataType::Binary => json!("binary"),
        DataType::Date32 => json!("date"),
        DataType::Timestamp(_, Some(_)) => json!("timestamp"),
        DataType::Timestamp(_, None) => json!("timestamp_ntz"),
        DataType::Duration(_) => json!("interval day to second"),
        DataType::Interval(IntervalUnit::YearMonth) => json!("interval year to month"),
        DataType::Interval(_) => json!("interval"),
        DataType::Time32(_) | DataType::Time64(_) => json!("time(6)"),
        DataType::List(f) => json!({
            "containsNull": f.is_nullable(),
            "elementType": type_to_json_value(f.data_type()),
            "type": "array",
        }),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => json!({
                "keyType": type_to_json_value(kv[0].data_type()),
                "type": "map",
                "valueContainsNull": kv[1].is_nullable(),
                "valueType": type_to_json_value(kv[1].data_type()),
            }),
            other => type_to_json_value(other),
        },
        DataType::Struct(fields) => json!({
            "fields": fields.iter().map(|f| field_to_json_value(f)).collect::<Vec<_>>(),
            "type": "struct",
        }),
        other => {
            let c = canonical(other);
            if &c == other {
                json!(super::simple_string(other))
            } else {
                type_to_json_value(&c)
            }
        }
    }
}

/// One struct field as Spark writes it: `{"metadata":{…},"name":…,"nullable":…,"type":…}`.
pub fn field_to_json_value(f: &Field) -> Value {
    json!({
        "metadata": field_metadata(f),
        "name": f.name(),
        "nullable": f.is_nullable(),
        "type": type_to_json_value(f.data_type()),
    })
}

/// A field's Spark metadata object (kept as JSON text in the Arrow field metadata), `{}` when it has none.
pub fn field_metadata(f: &Field) -> Value {
    f.metadata()
        .get(SPARK_METADATA_KEY)
        .and_then(|m| serde_json::from_str::<Value>(m).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}))
}

/// `StructType(fields).json()` byte for byte as PySpark writes it (sorted keys, `,`/`:` separators, ASCII escapes).
pub fn fields_to_json(fields: &Fields) -> String {
    to_python_json(&type_to_json_value(&DataType::Struct(fields.clone())))
}

/// `DataType.json()` of any type, as PySpark writes it.
pub fn type_to_json(dt: &DataType) -> String {
    to_python_json(&type_to_json_value(dt))
}

/// Serializes like Python's `json.dumps(v, separators=(",", ":"), sort_keys=True)`.
pub fn to_python_json(v: &Value) -> String {
    let mut out = String::new();
    write_python_json(v, &mut out);
    out
}

fn write_python_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                out.push_str(&python_float_repr(f));
            } else {
                let _ = write!(out, "{n}");
            }
        }
        Value::String(s) => write_python_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_python_string(k, out);
                out.push(':');
                write_python_json(&map[*k], out);
            }
            out.push('}');
        }
    }
}

/// Python's float `repr` as `json.dumps` writes it (`1.0`, `1e+20`, `1.5e-07`, `Infinity`).
fn python_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    // Shortest round-trip digits, then Python's layout rule: plain notation for exponents in [-4, 16).
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let plain = format!("{f}");
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

fn write_python_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Reads Spark's JSON value of a type back to its Arrow type.
pub fn type_from_json_value(v: &Value) -> Result<DataType> {
    match v {
        Value::String(name) => type_from_name(name),
        Value::Object(obj) => {
            let tpe = obj.get("type").and_then(Value::as_str).ok_or_else(|| invalid_json(v))?;
            match tpe {
                "array" => {
                    let elem = type_from_json_value(obj.get("elementType").ok_or_else(|| invalid_json(v))?)?;
                    Ok(array_type(elem, bool_field(obj, "containsNull", v)?))
                }
                "map" => {
                    let k = type_from_json_value(obj.get("keyType").ok_or_else(|| invalid_json(v))?)?;
                    let val = type_from_json_value(obj.get("valueType").ok_or_else(|| invalid_json(v))?)?;
                    Ok(map_type(k, val, bool_field(obj, "valueContainsNull", v)?))
                }
                "struct" => {
                    let fields = obj.get("fields").and_then(Value::as_array).ok_or_else(|| invalid_json(v))?;
                    Ok(DataType::Struct(fields.iter().map(field_from_json_value).collect::<Result<Vec<_>>>()?.into()))
                }
                "udt" => match obj.get("sqlType") {
                    Some(sql) => type_from_json_value(sql),
                    None => Err(invalid_json(v)),
                },
                other => Err(EmberError::with_condition(
                    crate::error::ErrorKind::Value,
                    "UNSUPPORTED_DATA_TYPE",
                    [("data_type", other)],
                )),
            }
        }
        _ => Err(invalid_json(v)),
    }
}

fn bool_field(obj: &Map<String, Value>, key: &str, whole: &Value) -> Result<bool> {
    obj.get(key).and_then(Value::as_bool).ok_or_else(|| invalid_json(whole))
}

fn field_from_json_value(v: &Value) -> Result<Field> {
    let obj = v.as_object().ok_or_else(|| invalid_json(v))?;
    let name = obj.get("name").and_then(Value::as_str).ok_or_else(|| invalid_json(v))?;
    let dt = type_from_json_value(obj.get("type").ok_or_else(|| invalid_json(v))?)?;
    let nullable = obj.get("nullable").and_then(Value::as_bool).unwrap_or(true);
    let field = Field::new(name, dt, nullable);
    Ok(match obj.get("metadata") {
        Some(Value::Object(m)) if !m.is_empty() => {
            field.with_metadata(HashMap::from([(SPARK_METADATA_KEY.to_string(), Value::Object(m.clone()).to_string())]))
        }
        _ => field,
    })
}

/// The string forms PySpark accepts (`_parse_datatype_json_value`): type names, `decimal(p,s)`, intervals,
/// `char(n)`/`varchar(n)`/`string collate X` (strings to ember).
fn type_from_name(name: &str) -> Result<DataType> {
    let dt = match name {
        "string" => DataType::Utf8,
        "binary" => DataType::Binary,
        "boolean" => DataType::Boolean,
        "decimal" => DataType::Decimal128(10, 0),
        "float" => DataType::Float32,
        "double" => DataType::Float64,
        "byte" => DataType::Int8,
        "short" => DataType::Int16,
        "integer" => DataType::Int32,
        "long" => DataType::Int64,
        "date" => DataType::Date32,
        "timestamp" => timestamp_type(),
        "timestamp_ntz" => timestamp_ntz_type(),
        "void" => DataType::Null,
        "interval" => DataType::Interval(IntervalUnit::MonthDayNano),
        _ => {
            if let Some(args) = name.strip_prefix("decimal(").and_then(|r| r.strip_suffix(')')) {
                let (p, s) = args.split_once(',').ok_or_else(|| unparsable(name))?;
                let p: u8 = p.trim().parse().map_err(|_| unparsable(name))?;
                let s: i8 = s.trim().parse().map_err(|_| unparsable(name))?;
                DataType::Decimal128(p, s)
            } else if let Some(rest) = name.strip_prefix("interval ") {
                let units: Vec<&str> = rest.split(" to ").collect();
                let day_time = ["day", "hour", "minute", "second"];
                let year_month = ["year", "month"];
                if units.iter().all(|u| day_time.contains(u)) && units.len() <= 2 {
                    day_time_interval_type()
                } else if units.iter().all(|u| year_month.contains(u)) && units.len() <= 2 {
                    DataType::Interval(IntervalUnit::YearMonth)
                } else {
                    return Err(unparsable(name));
                }
            } else if name.starts_with("string collate ")
                || (name.starts_with("char(") || name.starts_with("varchar(")) && name.ends_with(')')
            {
                DataType::Utf8
            } else {
                return Err(unparsable(name));
            }
        }
    };
    Ok(dt)
}

fn unparsable(name: &str) -> EmberError {
    EmberError::with_condition(crate::error::ErrorKind::Value, "CANNOT_PARSE_DATATYPE", [("msg", name)])
}

fn invalid_json(v: &Value) -> EmberError {
    EmberError::with_condition(crate::error::ErrorKind::Value, "CANNOT_PARSE_DATATYPE", [("msg", v)])
}

/// Reads `StructType.json()` text back to Arrow fields.
pub fn fields_from_json(s: &str) -> Result<Fields> {
    let v: Value = serde_json::from_str(s)?;
    match type_from_json_value(&v)? {
        DataType::Struct(fields) => Ok(fields),
        other => Err(EmberError::with_condition(
            crate::error::ErrorKind::Value,
            "CANNOT_PARSE_DATATYPE",
            [("msg", format!("Expected a struct type, got {}", super::simple_string(&other)))],
        )),
    }
}

/// Reads `DataType.json()` text of any type back to Arrow.
pub fn type_from_json(s: &str) -> Result<DataType> {
    type_from_json_value(&serde_json::from_str(s)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from PySpark 4.3: `spark.sql("select 1 as i, …").schema.json()`.
    const SPARK_SCHEMA: &str = r#"{"fields":[{"metadata":{},"name":"i","nullable":false,"type":"integer"},{"metadata":{},"name":"l","nullable":false,"type":"long"},{"metadata":{},"name":"s","nullable":false,"type":"string"},{"metadata":{},"name":"arr","nullable":false,"type":{"containsNull":false,"elementType":"string","type":"array"}},{"metadata":{},"name":"m","nullable":false,"type":{"keyType":"string","type":"map","valueContainsNull":false,"valueType":"integer"}},{"metadata":{},"name":"st","nullable":false,"type":{"fields":[{"metadata":{},"name":"a","nullable":false,"type":"integer"},{"metadata":{},"name":"b","nullable":false,"type":"string"}],"type":"struct"}},{"metadata":{},"name":"d","nullable":false,"type":"decimal(10,2)"},{"metadata":{},"name":"ts","nullable":false,"type":"timestamp"},{"metadata":{},"name":"tsn","nullable":true,"type":"timestamp_ntz"},{"metadata":{},"name":"dt","nullable":false,"type":"date"},{"metadata":{},"name":"ti","nullable":false,"type":"byte"},{"metadata":{},"name":"si","nullable":false,"type":"short"},{"metadata":{},"name":"f","nullable":false,"type":"float"},{"metadata":{},"name":"db","nullable":false,"type":"double"},{"metadata":{},"name":"b","nullable":false,"type":"boolean"},{"metadata":{},"name":"bin","nullable":false,"type":"binary"},{"metadata":{},"name":"iv","nullable":false,"type":"interval day to second"},{"metadata":{},"name":"n","nullable":true,"type":"void"},{"metadata":{},"name":"aa","nullable":false,"type":{"containsNull":false,"elementType":{"containsNull":false,"elementType":"integer","type":"array"},"type":"array"}},{"metadata":{},"name":"mm","nullable":false,"type":{"keyType":"integer","type":"map","valueContainsNull":false,"valueType":{"containsNull":false,"elementType":{"fields":[{"metadata":{},"name":"x","nullable":false,"type":"integer"}],"type":"struct"},"type":"array"}}}],"type":"struct"}"#;

    #[test]
    fn spark_schema_round_trips_byte_for_byte() {
        let fields = fields_from_json(SPARK_SCHEMA).unwrap();
        assert_eq!(fields.len(), 20);
        assert_eq!(fields[0].data_type(), &DataType::Int32);
        assert!(!fields[0].is_nullable());
        assert_eq!(fields[3].data_type(), &array_type(DataType::Utf8, false));
        assert_eq!(fields[4].data_type(), &map_type(DataType::Utf8, DataType::Int32, false));
        assert_eq!(fields[6].data_type(), &DataType::Decimal128(10, 2));
        assert_eq!(fields[7].data_type(), &timestamp_type());
        assert_eq!(fields[8].data_type(), &timestamp_ntz_type());
        assert_eq!(fields[16].data_type(), &day_time_interval_type());
        assert_eq!(fields[17].data_type(), &DataType::Null);
        assert_eq!(fields_to_json(&fields), SPARK_SCHEMA);
    }

    #[test]
    fn metadata_is_kept_and_escaped_like_python() {
        // PySpark: StructType([StructField("é", IntegerType(), True, {"k": "ü\n", "n": 1.5, "z": [1, None]})]).json()
        let json = r#"{"fields":[{"metadata":{"k":"\u00fc\n","n":1.5,"z":[1,null]},"name":"\u00e9","nullable":true,"type":"integer"}],"type":"struct"}"#;
        let fields = fields_from_json(json).unwrap();
        assert_eq!(fields[0].name(), "é");
        assert_eq!(field_metadata(&fields[0])["k"], json!("ü\n"));
        assert_eq!(fields_to_json(&fields), json);
    }

    #[test]
    fn type_json_values() {
        assert_eq!(type_to_json(&DataType::Int64), r#""long""#);
        assert_eq!(type_to_json(&DataType::LargeUtf8), r#""string""#);
        assert_eq!(
            type_to_json(&array_type(DataType::Decimal128(38, 18), true)),
            r#"{"containsNull":true,"elementType":"decimal(38,18)","type":"array"}"#
        );
        assert_eq!(type_from_json(r#""decimal""#).unwrap(), DataType::Decimal128(10, 0));
        assert_eq!(type_from_json(r#""decimal(5, 2)""#).unwrap(), DataType::Decimal128(5, 2));
        assert_eq!(type_from_json(r#""interval hour to minute""#).unwrap(), day_time_interval_type());
        assert_eq!(type_from_json(r#""varchar(3)""#).unwrap(), DataType::Utf8);
        assert!(
            matches!(type_from_json(r#""intt""#), Err(e) if e.kind() == crate::error::ErrorKind::Value && e.message_str().contains("CANNOT_PARSE_DATATYPE"))
        );
        assert!(fields_from_json(r#""integer""#).is_err());
    }

    #[test]
    fn python_floats() {
        assert_eq!(python_float_repr(1.0), "1.0");
        assert_eq!(python_float_repr(1e20), "1e+20");
        assert_eq!(python_float_repr(1.5e-7), "1.5e-07");
        assert_eq!(python_float_repr(123456.789), "123456.789");
        assert_eq!(python_float_repr(1e16), "1e+16");
        assert_eq!(python_float_repr(0.0001), "0.0001");
        assert_eq!(python_float_repr(0.00001), "1e-05");
        assert_eq!(python_float_repr(-0.0), "-0.0");
        assert_eq!(python_float_repr(9999999999999998.0), "9999999999999998.0");
    }
}
