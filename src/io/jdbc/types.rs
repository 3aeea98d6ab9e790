//! Spark's JDBC type mapping: Spark types → the column types of CREATE TABLE (PostgreSQL's dialect, and the common
//! JDBC types Spark uses for a database without a dialect, SQLite), and database column types → Spark types.
use arrow::datatypes::{DataType, Field, TimeUnit};

use crate::error::{EmberError, Result};

fn cannot_map(dt: &DataType) -> EmberError {
    EmberError::illegal_argument(format!(
        "Can't get JDBC type for {}.",
        crate::types::ddl::type_to_ddl(dt).to_ascii_lowercase()
    ))
}

/// The PostgreSQL column type Spark's PostgresDialect gives a Spark type (TimestampType is TIMESTAMP WITH TIME ZONE
/// in Spark 4, an instant as Spark's timestamp is).
pub fn postgres_column_type(dt: &DataType) -> Result<String> {
    Ok(match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "TEXT".into(),
        DataType::Binary | DataType::LargeBinary => "BYTEA".into(),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Float32 => "FLOAT4".into(),
        DataType::Float64 => "FLOAT8".into(),
        DataType::Int8 | DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INTEGER".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Timestamp(_, Some(_)) => "TIMESTAMP WITH TIME ZONE".into(),
        DataType::Timestamp(_, None) => "TIMESTAMP".into(),
        DataType::Date32 => "DATE".into(),
        DataType::Decimal128(p, s) => format!("NUMERIC({p},{s})"),
        DataType::List(f) => match f.data_type() {
            DataType::List(_) | DataType::Map(..) | DataType::Struct(_) => return Err(cannot_map(dt)),
            et => format!("{}[]", postgres_column_type(et)?),
        },
        _ => return Err(cannot_map(dt)),
    })
}

/// The column type Spark's common JDBC mapping gives a Spark type (used for SQLite, which Spark has no dialect for).
pub fn common_column_type(dt: &DataType) -> Result<String> {
    Ok(match dt {
        DataType::Int32 => "INTEGER".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float64 => "DOUBLE PRECISION".into(),
        DataType::Float32 => "REAL".into(),
        DataType::Int16 => "INTEGER".into(),
        DataType::Int8 => "BYTE".into(),
        DataType::Boolean => "BIT(1)".into(),
        DataType::Utf8 => "TEXT".into(),
        DataType::Binary => "BLOB".into(),
        DataType::Timestamp(_, Some(_)) => "TIMESTAMP".into(),
        DataType::Timestamp(_, None) => "TIMESTAMP".into(),
        DataType::Date32 => "DATE".into(),
        DataType::Decimal128(p, s) => format!("DECIMAL({p},{s})"),
        _ => return Err(cannot_map(dt)),
    })
}

/// How a PostgreSQL column is fetched and what Spark type it becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum PgRead {
    Bool,
    I16,
    I32,
    I64,
    F32,
    F64,
    /// text, varchar and char: fetched as they are (char keeps its padding, as the JDBC driver returns it).
    Str,
    /// Every other type Spark reads as a string (json, uuid, inet, enums, …): fetched as `::text`.
    Text,
    Bytes,
    Date,
    /// timestamptz: an instant.
    TimestampTz,
    /// timestamp without time zone: wall-clock time in the session time zone, as Spark reads it.
    TimestampLocal,
    /// numeric(p, s), fetched as text and parsed exactly; numeric without precision is decimal(38,18).
    Numeric(u8, i8),
    Array(Box<PgRead>),
}

impl PgRead {
    pub fn data_type(&self) -> DataType {
        match self {
            PgRead::Bool => DataType::Boolean,
            PgRead::I16 => DataType::Int16,
            PgRead::I32 => DataType::Int32,
            PgRead::I64 => DataType::Int64,
            PgRead::F32 => DataType::Float32,
            PgRead::F64 => DataType::Float64,
            PgRead::Str | PgRead::Text => DataType::Utf8,
            PgRead::Bytes => DataType::Binary,
            PgRead::Date => DataType::Date32,
            PgRead::TimestampTz | PgRead::TimestampLocal => {
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
            }
            PgRead::Numeric(p, s) => DataType::Decimal128(*p, *s),
            PgRead::Array(e) => crate::types::array_type(e.data_type(), true),
        }
    }

    /// The select-list expression for column `quoted`: a cast where the value is fetched as text.
    pub fn select_expr(&self, quoted: &str) -> String {
        match self {
            PgRead::Text => format!("{quoted}::text"),
            PgRead::Numeric(..) => format!("{quoted}::text"),
            PgRead::Array(e) if matches!(**e, PgRead::Numeric(..) | PgRead::Text) => format!("{quoted}::text[]"),
            PgRead::I64 => format!("{quoted}::int8"),
            _ => quoted.to_string(),
        }
    }
}

/// Spark's type for a PostgreSQL type name (`pg_type.typname`) with the column's type modifier (`atttypmod`,
/// -1 when unknown). `None`: a type Spark cannot read (money[]).
pub fn postgres_read(typname: &str, typmod: i32) -> Option<PgRead> {
    if let Some(elem) = typname.strip_prefix('_') {
        return Some(PgRead::Array(Box::new(postgres_read(elem, typmod)?)));
    }
    Some(match typname {
        "bool" => PgRead::Bool,
        "int2" => PgRead::I16,
        "int4" => PgRead::I32,
        "int8" | "oid" => PgRead::I64,
        "float4" => PgRead::F32,
        "float8" => PgRead::F64,
        "bytea" => PgRead::Bytes,
        "text" | "varchar" | "bpchar" => PgRead::Str,
        "date" => PgRead::Date,
        "timestamptz" => PgRead::TimestampTz,
        "timestamp" => PgRead::TimestampLocal,
        "numeric" | "decimal" => {
            // numeric's typmod is ((precision << 16) | scale) + 4; -1 means no precision was declared.
            if typmod >= 4 {
                let m = typmod - 4;
                let (p, s) = ((m >> 16) & 0xffff, m & 0xffff);
                // Spark's DecimalType.bounded: precision and scale at most 38.
                let p = p.clamp(1, 38) as u8;
                let s = (s as i16 as i32).clamp(0, p as i32) as i8;
                PgRead::Numeric(p, s)
            } else {
                PgRead::Numeric(38, 18)
            }
        }
        "money" => return None,
        _ => PgRead::Text,
    })
}

/// Spark's type for a SQLite column's declared type (what the JDBC driver reports for it); a column without one
/// (an expression) reads as a string.
pub fn sqlite_read(decl: Option<&str>) -> DataType {
    let Some(decl) = decl else { return DataType::Utf8 };
    let d = decl.trim().to_ascii_uppercase();
    let base = d.split('(').next().unwrap_or("").trim();
    match base {
        "BIGINT" | "INT8" | "UNSIGNED BIG INT" => DataType::Int64,
        "INTEGER" | "INT" | "MEDIUMINT" | "INT4" => DataType::Int32,
        "SMALLINT" | "INT2" => DataType::Int16,
        "TINYINT" | "BYTE" => DataType::Int8,
        "REAL" | "FLOAT" | "FLOAT4" => DataType::Float32,
        "DOUBLE" | "DOUBLE PRECISION" | "FLOAT8" => DataType::Float64,
        "BIT" | "BOOLEAN" | "BOOL" => DataType::Boolean,
        "BLOB" | "BINARY" | "VARBINARY" => DataType::Binary,
        "DATE" => DataType::Date32,
        "TIMESTAMP" | "DATETIME" => crate::types::timestamp_type(),
        "DECIMAL" | "NUMERIC" => {
            let inner = d.split_once('(').and_then(|(_, r)| r.strip_suffix(')'));
            let mut parts = inner.unwrap_or("").split(',').map(|x| x.trim().parse::<i32>().ok());
            match (parts.next().flatten(), parts.next().flatten()) {
                (Some(p), s) if p > 0 => {
                    let p = p.clamp(1, 38) as u8;
                    DataType::Decimal128(p, s.unwrap_or(0).clamp(0, p as i32) as i8)
                }
                _ => DataType::Decimal128(38, 18),
            }
        }
        _ => DataType::Utf8,
    }
}

/// A nullable field, as Spark's JDBC reads report every column (nullability is taken from the database only for
/// `NOT NULL` columns of a table, which ember does not look up).
pub fn nullable_field(name: &str, dt: DataType) -> Field {
    Field::new(name, dt, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparks_postgres_mapping() {
        assert_eq!(postgres_column_type(&DataType::Int8).unwrap(), "SMALLINT");
        assert_eq!(postgres_column_type(&DataType::Decimal128(10, 2)).unwrap(), "NUMERIC(10,2)");
        assert_eq!(postgres_column_type(&crate::types::array_type(DataType::Int32, true)).unwrap(), "INTEGER[]");
        assert_eq!(postgres_read("numeric", ((12 << 16) | 3) + 4), Some(PgRead::Numeric(12, 3)));
        assert_eq!(postgres_read("numeric", -1), Some(PgRead::Numeric(38, 18)));
        assert_eq!(postgres_read("jsonb", -1), Some(PgRead::Text));
        assert_eq!(postgres_read("_int8", -1), Some(PgRead::Array(Box::new(PgRead::I64))));
    }
}
