//! PostgreSQL's binary COPY format written straight from Arrow arrays: one encoder per column, chosen once for the
//! target column's type, so the row loop only appends bytes (no per-value allocation, no per-value dispatch on
//! Arrow types).
use arrow::array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int16Array,
    Int32Array, Int64Array, Int8Array, ListArray, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::DataType;

use crate::error::{EmberError, Result};

/// Days and microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const PG_EPOCH_DAYS: i32 = 10_957;
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

pub const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
pub const TRAILER: &[u8] = &[0xff, 0xff];

/// The binary wire types the encoder writes (PostgreSQL type OIDs).
pub mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const JSON: u32 = 114;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const NUMERIC: u32 = 1700;
    pub const JSONB: u32 = 3802;
}

/// A target column: its name, its type's OID and name, and its element type's OID for an array.
#[derive(Debug, Clone)]
pub struct TargetColumn {
    pub name: String,
    pub oid: u32,
    pub type_name: String,
    pub element_oid: Option<u32>,
}

/// How one Arrow column is written as one target column.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Enc {
    Bool,
    /// An integer column widened to int2/int4/int8.
    Int(u8),
    F32,
    /// float4 or float8 column written as float8.
    F64,
    Text,
    /// jsonb's binary form: a version byte, then the text.
    Jsonb,
    Bytes,
    Date,
    /// timestamptz, or timestamp without time zone written as wall-clock time in `tz`.
    Timestamp {
        local: bool,
    },
    Numeric,
}

fn encoding(dt: &DataType, oid: u32) -> Option<Enc> {
    use DataType::*;
    Some(match (dt, oid) {
        (Boolean, oid::BOOL) => Enc::Bool,
        (Int8 | Int16, oid::INT2) => Enc::Int(2),
        (Int8 | Int16 | Int32, oid::INT4) => Enc::Int(4),
        (Int8 | Int16 | Int32 | Int64, oid::INT8) => Enc::Int(8),
        (Float32, oid::FLOAT4) => Enc::F32,
        (Float32 | Float64, oid::FLOAT8) => Enc::F64,
        (Utf8, oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::JSON) => Enc::Text,
        (Utf8, oid::JSONB) => Enc::Jsonb,
        (Binary, oid::BYTEA) => Enc::Bytes,
        (Date32, oid::DATE) => Enc::Date,
        (Timestamp(_, _), oid::TIMESTAMPTZ) => Enc::Timestamp { local: false },
        (Timestamp(_, tz), oid::TIMESTAMP) => Enc::Timestamp { local: tz.is_some() },
        (Int8 | Int16 | Int32 | Int64 | Decimal128(..), oid::NUMERIC) => Enc::Numeric,
        _ => return None,
    })
}

/// PostgreSQL's own words for a value that does not fit its column.
fn mismatch(col: &TargetColumn, dt: &DataType) -> EmberError {
    let source = crate::io::jdbc::types::postgres_column_type(dt)
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_else(|_| crate::types::ddl::type_to_ddl(dt).to_ascii_lowercase());
    EmberError::analysis(format!(
        "ERROR: column \"{}\" is of type {} but expression is of type {}",
        col.name, col.type_name, source
    ))
}

/// An Arrow array downcast once to its concrete type, so the row loop does no type tests.
enum Values<'a> {
    Bool(&'a BooleanArray),
    I8(&'a Int8Array),
    I16(&'a Int16Array),
    I32(&'a Int32Array),
    I64(&'a Int64Array),
    F32(&'a Float32Array),
    F64(&'a Float64Array),
    Text(&'a StringArray),
    Bytes(&'a BinaryArray),
    Date(&'a Date32Array),
    Timestamp(&'a TimestampMicrosecondArray),
    Decimal(&'a Decimal128Array, i8),
}

impl<'a> Values<'a> {
    fn of(a: &'a dyn Array) -> Result<Self> {
        let any = a.as_any();
        let bad = || EmberError::illegal_argument(format!("Can't get JDBC type for {}.", a.data_type()));
        Ok(match a.data_type() {
            DataType::Boolean => Values::Bool(any.downcast_ref().ok_or_else(bad)?),
            DataType::Int8 => Values::I8(any.downcast_ref().ok_or_else(bad)?),
            DataType::Int16 => Values::I16(any.downcast_ref().ok_or_else(bad)?),
            DataType::Int32 => Values::I32(any.downcast_ref().ok_or_else(bad)?),
            DataType::Int64 => Values::I64(any.downcast_ref().ok_or_else(bad)?),
            DataType::Float32 => Values::F32(any.downcast_ref().ok_or_else(bad)?),
            DataType::Float64 => Values::F64(any.downcast_ref().ok_or_else(bad)?),
            DataType::Utf8 => Values::Text(any.downcast_ref().ok_or_else(bad)?),
            DataType::Binary => Values::Bytes(any.downcast_ref().ok_or_else(bad)?),
            DataType::Date32 => Values::Date(any.downcast_ref().ok_or_else(bad)?),
            DataType::Timestamp(..) => Values::Timestamp(any.downcast_ref().ok_or_else(bad)?),
            DataType::Decimal128(_, s) => Values::Decimal(any.downcast_ref().ok_or_else(bad)?, *s),
            _ => return Err(bad()),
        })
    }

    fn int(&self, row: usize) -> i64 {
        match self {
            Values::I8(a) => a.value(row) as i64,
            Values::I16(a) => a.value(row) as i64,
            Values::I32(a) => a.value(row) as i64,
            Values::I64(a) => a.value(row),
            _ => 0,
        }
    }
}

/// One column's encoder: its values and how to write them; an array column's elements are its child values.
enum ColumnEncoder<'a> {
    Scalar { array: &'a dyn Array, values: Values<'a>, enc: Enc },
    List { array: &'a ListArray, elements: Values<'a>, enc: Enc, element_oid: u32 },
}

/// Appends the rows of Arrow batches in binary COPY form to a buffer.
pub struct CopyEncoder {
    plan: Vec<(Enc, Option<u32>)>,
    tz: chrono_tz::Tz,
}

impl CopyEncoder {
    /// Check each column of `types` against its target column and choose its encoding.
    pub fn new(types: &[DataType], targets: &[TargetColumn], tz: chrono_tz::Tz) -> Result<Self> {
        let mut plan = Vec::with_capacity(types.len());
        for (dt, col) in types.iter().zip(targets) {
            if let DataType::List(f) = dt {
                let element_oid = col.element_oid.ok_or_else(|| mismatch(col, dt))?;
                let enc = encoding(f.data_type(), element_oid).ok_or_else(|| mismatch(col, dt))?;
                plan.push((enc, Some(element_oid)));
            } else {
                plan.push((encoding(dt, col.oid).ok_or_else(|| mismatch(col, dt))?, None));
            }
        }
        Ok(CopyEncoder { plan, tz })
    }

    /// Append every row of `columns` to `out`.
    pub fn encode(&self, columns: &[ArrayRef], out: &mut Vec<u8>) -> Result<()> {
        let mut encoders = Vec::with_capacity(columns.len());
        for (a, (enc, element_oid)) in columns.iter().zip(&self.plan) {
            encoders.push(match element_oid {
                Some(element_oid) => {
                    let list = a
                        .as_any()
                        .downcast_ref::<ListArray>()
                        .ok_or_else(|| EmberError::illegal_argument("an array column is not a list".to_string()))?;
                    ColumnEncoder::List {
                        array: list,
                        elements: Values::of(list.values().as_ref())?,
                        enc: *enc,
                        element_oid: *element_oid,
                    }
                }
                None => ColumnEncoder::Scalar { array: a.as_ref(), values: Values::of(a.as_ref())?, enc: *enc },
            });
        }
        let rows = columns.first().map(|c| c.len()).unwrap_or(0);
        let n = columns.len() as i16;
        for row in 0..rows {
            out.extend_from_slice(&n.to_be_bytes());
            for e in &encoders {
                match e {
                    ColumnEncoder::Scalar { array, values, enc } => {
                        if array.is_null(row) {
                            out.extend_from_slice(&(-1i32).to_be_bytes());
                        } else {
                            let at = reserve_len(out);
                            write_value(values, row, *enc, &self.tz, out);
                            fill_len(out, at);
                        }
                    }
                    ColumnEncoder::List { array, elements, enc, element_oid } => {
                        if array.is_null(row) {
                            out.extend_from_slice(&(-1i32).to_be_bytes());
                            continue;
                        }
                        let offsets = array.value_offsets();
                        let (from, to) = (offsets[row] as usize, offsets[row + 1] as usize);
                        let child = array.values();
                        let at = reserve_len(out);
                        if from == to {
                            out.extend_from_slice(&0i32.to_be_bytes());
                            out.extend_from_slice(&0i32.to_be_bytes());
                            out.extend_from_slice(&element_oid.to_be_bytes());
                        } else {
                            let has_null = (from..to).any(|i| child.is_null(i));
                            out.extend_from_slice(&1i32.to_be_bytes());
                            out.extend_from_slice(&(has_null as i32).to_be_bytes());
                            out.extend_from_slice(&element_oid.to_be_bytes());
                            out.extend_from_slice(&((to - from) as i32).to_be_bytes());
                            out.extend_from_slice(&1i32.to_be_bytes());
                            for i in from..to {
                                if child.is_null(i) {
                                    out.extend_from_slice(&(-1i32).to_be_bytes());
                                } else {
                                    let at = reserve_len(out);
                                    write_value(elements, i, *enc, &self.tz, out);
                                    fill_len(out, at);
                                }
                            }
                        }
                        fill_len(out, at);
                    }
                }
            }
        }
        Ok(())
    }
}

fn reserve_len(out: &mut Vec<u8>) -> usize {
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.len()
}

fn fill_len(out: &mut [u8], at: usize) {
    let len = (out.len() - at) as i32;
    out[at - 4..at].copy_from_slice(&len.to_be_bytes());
}

fn write_value(v: &Values, row: usize, enc: Enc, tz: &chrono_tz::Tz, out: &mut Vec<u8>) {
    match (enc, v) {
        (Enc::Bool, Values::Bool(a)) => out.push(a.value(row) as u8),
        (Enc::Int(2), _) => out.extend_from_slice(&(v.int(row) as i16).to_be_bytes()),
        (Enc::Int(4), _) => out.extend_from_slice(&(v.int(row) as i32).to_be_bytes()),
        (Enc::Int(_), _) => out.extend_from_slice(&v.int(row).to_be_bytes()),
        (Enc::F32, Values::F32(a)) => out.extend_from_slice(&a.value(row).to_be_bytes()),
        (Enc::F64, Values::F32(a)) => out.extend_from_slice(&(a.value(row) as f64).to_be_bytes()),
        (Enc::F64, Values::F64(a)) => out.extend_from_slice(&a.value(row).to_be_bytes()),
        (Enc::Text, Values::Text(a)) => out.extend_from_slice(a.value(row).as_bytes()),
        (Enc::Jsonb, Values::Text(a)) => {
            out.push(1);
            out.extend_from_slice(a.value(row).as_bytes())
        }
        (Enc::Bytes, Values::Bytes(a)) => out.extend_from_slice(a.value(row)),
        (Enc::Date, Values::Date(a)) => out.extend_from_slice(&(a.value(row) - PG_EPOCH_DAYS).to_be_bytes()),
        (Enc::Timestamp { local }, Values::Timestamp(a)) => {
            let mut t = a.value(row);
            if local {
                t = crate::types::datetime_pattern::utc_to_local(t, tz);
            }
            out.extend_from_slice(&(t - PG_EPOCH_MICROS).to_be_bytes())
        }
        (Enc::Numeric, Values::Decimal(a, scale)) => write_numeric(a.value(row), *scale, out),
        (Enc::Numeric, _) => write_numeric(v.int(row) as i128, 0, out),
        // `encoding` pairs each Enc with the Arrow types above only.
        _ => unreachable!("encoding chosen for another type"),
    }
}

/// PostgreSQL's binary NUMERIC: base-10000 digits with a weight (the power of the first), a sign and the display
/// scale.
fn write_numeric(unscaled: i128, scale: i8, out: &mut Vec<u8>) {
    let scale = scale.max(0) as usize;
    let negative = unscaled < 0;
    let magnitude = unscaled.unsigned_abs();
    let ten_s = 10u128.pow(scale as u32);
    let mut int_part = magnitude / ten_s;
    let frac = magnitude % ten_s;
    // Fraction digits padded to whole base-10000 groups.
    let frac_groups = scale.div_ceil(4);
    let mut frac_scaled = frac * 10u128.pow((frac_groups * 4 - scale) as u32);
    let mut frac_digits = vec![0i16; frac_groups];
    for g in (0..frac_groups).rev() {
        frac_digits[g] = (frac_scaled % 10_000) as i16;
        frac_scaled /= 10_000;
    }
    let mut int_digits = Vec::new();
    while int_part > 0 {
        int_digits.push((int_part % 10_000) as i16);
        int_part /= 10_000;
    }
    int_digits.reverse();
    let mut weight = int_digits.len() as i16 - 1;
    let mut digits: Vec<i16> = int_digits.into_iter().chain(frac_digits).collect();
    // Leading zero groups move the weight down; trailing ones are implied by the scale.
    while digits.first() == Some(&0) {
        digits.remove(0);
        weight -= 1;
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        weight = 0;
    }
    out.extend_from_slice(&(digits.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&(if negative && !digits.is_empty() { 0x4000u16 } else { 0 }).to_be_bytes());
    out.extend_from_slice(&(scale as u16).to_be_bytes());
    for d in digits {
        out.extend_from_slice(&d.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(unscaled: i128, scale: i8) -> Vec<i16> {
        let mut out = Vec::new();
        write_numeric(unscaled, scale, &mut out);
        out.chunks(2).map(|c| i16::from_be_bytes([c[0], c[1]])).collect()
    }

    #[test]
    fn numeric_groups_weight_and_scale() {
        // 12345.678 → digits [1, 2345, 6780], weight 1, scale 3.
        assert_eq!(numeric(12_345_678, 3), vec![3, 1, 0, 3, 1, 2345, 6780]);
        // -0.05 → digits [500], weight -1, negative.
        assert_eq!(numeric(-5, 2), vec![1, -1, 0x4000, 2, 500]);
        assert_eq!(numeric(0, 2), vec![0, 0, 0, 2]);
        assert_eq!(numeric(10_000, 0), vec![1, 1, 0, 0, 1]);
    }
}
