//! Arrow columns built from the values a database returns, one builder per Spark column type; both databases'
//! readers push into it.
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder, Float64Builder,
    Int16Builder, Int32Builder, Int64Builder, Int8Builder, ListArray, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field};

use crate::error::{EmberError, Result};

/// A growing column of one Spark type.
pub enum ColumnBuilder {
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Text(StringBuilder),
    Bytes(BinaryBuilder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
    Decimal(Decimal128Builder, u8, i8),
    List { element: Box<ColumnBuilder>, field: Arc<Field>, offsets: Vec<i32>, valid: Vec<bool> },
}

impl ColumnBuilder {
    pub fn new(dt: &DataType) -> Result<Self> {
        Ok(match dt {
            DataType::Boolean => ColumnBuilder::Bool(BooleanBuilder::new()),
            DataType::Int8 => ColumnBuilder::I8(Int8Builder::new()),
            DataType::Int16 => ColumnBuilder::I16(Int16Builder::new()),
            DataType::Int32 => ColumnBuilder::I32(Int32Builder::new()),
            DataType::Int64 => ColumnBuilder::I64(Int64Builder::new()),
            DataType::Float32 => ColumnBuilder::F32(Float32Builder::new()),
            DataType::Float64 => ColumnBuilder::F64(Float64Builder::new()),
            DataType::Utf8 => ColumnBuilder::Text(StringBuilder::new()),
            DataType::Binary => ColumnBuilder::Bytes(BinaryBuilder::new()),
            DataType::Date32 => ColumnBuilder::Date(Date32Builder::new()),
            DataType::Timestamp(_, tz) => {
                ColumnBuilder::Timestamp(TimestampMicrosecondBuilder::new().with_timezone_opt(tz.clone()))
            }
            DataType::Decimal128(p, s) => ColumnBuilder::Decimal(
                Decimal128Builder::new().with_precision_and_scale(*p, *s).map_err(EmberError::from)?,
                *p,
                *s,
            ),
            DataType::List(f) => ColumnBuilder::List {
                element: Box::new(ColumnBuilder::new(f.data_type())?),
                field: f.clone(),
                offsets: vec![0],
                valid: Vec::new(),
            },
            other => return Err(EmberError::illegal_argument(format!("JDBC reads have no column of type {other}"))),
        })
    }

    pub fn push_null(&mut self) {
        match self {
            ColumnBuilder::Bool(b) => b.append_null(),
            ColumnBuilder::I8(b) => b.append_null(),
            ColumnBuilder::I16(b) => b.append_null(),
            ColumnBuilder::I32(b) => b.append_null(),
            ColumnBuilder::I64(b) => b.append_null(),
            ColumnBuilder::F32(b) => b.append_null(),
            ColumnBuilder::F64(b) => b.append_null(),
            ColumnBuilder::Text(b) => b.append_null(),
            ColumnBuilder::Bytes(b) => b.append_null(),
            ColumnBuilder::Date(b) => b.append_null(),
            ColumnBuilder::Timestamp(b) => b.append_null(),
            ColumnBuilder::Decimal(b, ..) => b.append_null(),
            ColumnBuilder::List { offsets, valid, .. } => {
                offsets.push(*offsets.last().unwrap_or(&0));
                valid.push(false);
            }
        }
    }

    pub fn push_bool(&mut self, v: bool) {
        if let ColumnBuilder::Bool(b) = self {
            b.append_value(v)
        }
    }

    /// An integer value into an integer column (the caller read it at the column's width).
    pub fn push_int(&mut self, v: i64) {
        match self {
            ColumnBuilder::I8(b) => b.append_value(v as i8),
            ColumnBuilder::I16(b) => b.append_value(v as i16),
            ColumnBuilder::I32(b) => b.append_value(v as i32),
            ColumnBuilder::I64(b) => b.append_value(v),
            ColumnBuilder::Bool(b) => b.append_value(v != 0),
            ColumnBuilder::F32(b) => b.append_value(v as f32),
            ColumnBuilder::F64(b) => b.append_value(v as f64),
            ColumnBuilder::Decimal(b, _, s) => b.append_value(v as i128 * 10i128.pow(*s as u32)),
            _ => self.push_null(),
        }
    }

    pub fn push_f64(&mut self, v: f64) -> Result<()> {
        match self {
            ColumnBuilder::F32(b) => b.append_value(v as f32),
            ColumnBuilder::F64(b) => b.append_value(v),
            // SQLite keeps a DECIMAL column's value as a REAL when that loses nothing of its text: its shortest
            // decimal form is the text that was stored.
            ColumnBuilder::Decimal(b, p, s) => {
                let (p, s) = (*p, *s);
                b.append_value(parse_decimal(&format!("{v}"), p, s)?)
            }
            _ => self.push_null(),
        }
        Ok(())
    }

    pub fn push_str(&mut self, v: &str) -> Result<()> {
        match self {
            ColumnBuilder::Text(b) => b.append_value(v),
            ColumnBuilder::Decimal(b, p, s) => b.append_value(parse_decimal(v, *p, *s)?),
            ColumnBuilder::Date(b) => b.append_value(
                crate::types::datetime_pattern::parse_date_default(v)
                    .ok_or_else(|| EmberError::execution(format!("Cannot read '{v}' as a DATE")))?,
            ),
            ColumnBuilder::Timestamp(b) => b.append_value(
                crate::types::datetime_pattern::parse_timestamp_default(v, &chrono_tz::UTC)
                    .ok_or_else(|| EmberError::execution(format!("Cannot read '{v}' as a TIMESTAMP")))?,
            ),
            _ => self.push_null(),
        }
        Ok(())
    }

    pub fn push_bytes(&mut self, v: &[u8]) {
        match self {
            ColumnBuilder::Bytes(b) => b.append_value(v),
            _ => self.push_null(),
        }
    }

    pub fn push_date(&mut self, days: i32) {
        if let ColumnBuilder::Date(b) = self {
            b.append_value(days)
        }
    }

    pub fn push_timestamp(&mut self, micros: i64) {
        if let ColumnBuilder::Timestamp(b) = self {
            b.append_value(micros)
        }
    }

    /// The element builder of a list column, to push one list's elements into before `end_list`.
    pub fn element(&mut self) -> Option<&mut ColumnBuilder> {
        match self {
            ColumnBuilder::List { element, .. } => Some(element),
            _ => None,
        }
    }

    /// Close a list of `len` elements pushed into `element()`.
    pub fn end_list(&mut self, len: usize) {
        if let ColumnBuilder::List { offsets, valid, .. } = self {
            offsets.push(offsets.last().unwrap_or(&0) + len as i32);
            valid.push(true);
        }
    }

    pub fn finish(&mut self) -> Result<ArrayRef> {
        Ok(match self {
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::I8(b) => Arc::new(b.finish()),
            ColumnBuilder::I16(b) => Arc::new(b.finish()),
            ColumnBuilder::I32(b) => Arc::new(b.finish()),
            ColumnBuilder::I64(b) => Arc::new(b.finish()),
            ColumnBuilder::F32(b) => Arc::new(b.finish()),
            ColumnBuilder::F64(b) => Arc::new(b.finish()),
            ColumnBuilder::Text(b) => Arc::new(b.finish()),
            ColumnBuilder::Bytes(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Timestamp(b) => Arc::new(b.finish()),
            ColumnBuilder::Decimal(b, ..) => Arc::new(b.finish()),
            ColumnBuilder::List { element, field, offsets, valid } => {
                let values = element.finish()?;
                let offsets = OffsetBuffer::new(std::mem::replace(offsets, vec![0]).into());
                let nulls = NullBuffer::from(std::mem::take(valid));
                Arc::new(ListArray::try_new(field.clone(), offsets, values, Some(nulls)).map_err(EmberError::from)?)
            }
        })
    }
}

/// A decimal's text (`-12.3400`, `1e5` is not produced by either database) as an unscaled value at `scale`,
/// rounded half up as Java's BigDecimal.setScale(HALF_UP); a value wider than `precision` is an error.
pub fn parse_decimal(text: &str, precision: u8, scale: i8) -> Result<i128> {
    let bad = || EmberError::execution(format!("Decimal value {text} does not fit DECIMAL({precision},{scale})"));
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let scale = scale.max(0) as usize;
    let mut value: i128 = 0;
    for b in int_part.bytes() {
        value = value.checked_mul(10).and_then(|v| v.checked_add((b - b'0') as i128)).ok_or_else(bad)?;
    }
    let frac = frac_part.as_bytes();
    for i in 0..scale {
        let d = frac.get(i).map(|b| (b - b'0') as i128).unwrap_or(0);
        value = value.checked_mul(10).and_then(|v| v.checked_add(d)).ok_or_else(bad)?;
    }
    if frac.get(scale).is_some_and(|b| *b >= b'5') {
        value += 1;
    }
    if value >= 10i128.pow(precision as u32) {
        return Err(bad());
    }
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_at_their_scale_rounding_half_up() {
        assert_eq!(parse_decimal("12.345", 10, 2).unwrap(), 1235);
        assert_eq!(parse_decimal("-0.5", 5, 0).unwrap(), -1);
        assert_eq!(parse_decimal("7", 5, 3).unwrap(), 7000);
        assert!(parse_decimal("123456", 5, 0).is_err());
    }
}
