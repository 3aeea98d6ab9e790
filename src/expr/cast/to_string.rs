//! Values as text: Spark's `CAST(x AS STRING)` and the "pretty" form `DataFrame.show()` prints (Spark 4's
//! `ToPrettyString`: `NULL` for nulls at any depth, binary as hex bytes).
use std::fmt::Write;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringArray, StringBuilder};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, TimeUnit, TimestampMicrosecondType,
};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::types::canonical;
use crate::types::datetime_pattern;
use crate::types::java_float::{write_java_double, write_java_float};

/// How nulls, binary values and decimals render: where CAST and show() differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    /// Text of a null nested inside an array, map or struct (`null` for CAST, `NULL` for show).
    pub null: &'static str,
    /// Binary as `[68 69]` (show) rather than its bytes read as UTF-8 (CAST).
    pub hex_binary: bool,
    /// Decimals always in plain notation (show) rather than Java's `BigDecimal.toString` (`1E-7`, CAST).
    pub plain_decimal: bool,
}

impl TextStyle {
    pub const CAST: TextStyle = TextStyle { null: "null", hex_binary: false, plain_decimal: false };
    pub const PRETTY: TextStyle = TextStyle { null: "NULL", hex_binary: true, plain_decimal: true };
}

/// `CAST(x AS STRING)` for any type; null rows stay null.
pub fn to_spark_string(array: &ArrayRef, ctx: &EvalContext) -> Result<ArrayRef> {
    if matches!(array.data_type(), DataType::Utf8) {
        return Ok(array.clone());
    }
    render(array, TextStyle::CAST, false, ctx)
}

/// The text `show()` prints for each row: never null (a null row is `NULL`).
pub fn to_pretty_string(array: &ArrayRef, ctx: &EvalContext) -> Result<StringArray> {
    let out = render(array, TextStyle::PRETTY, true, ctx)?;
    Ok(out.as_string::<i32>().clone())
}

fn render(array: &ArrayRef, style: TextStyle, null_as_text: bool, ctx: &EvalContext) -> Result<ArrayRef> {
    let canon = canonical(array.data_type());
    let array = if &canon != array.data_type() { arrow::compute::cast(array, &canon)? } else { array.clone() };
    check_supported(array.data_type())?;
    let mut builder = StringBuilder::with_capacity(array.len(), array.len() * 8);
    let mut buf = String::with_capacity(64);
    for row in 0..array.len() {
        if array.is_null(row) && !null_as_text {
            builder.append_null();
            continue;
        }
        buf.clear();
        write_value(array.as_ref(), row, style, ctx, &mut buf);
        builder.append_value(&buf);
    }
    Ok(Arc::new(builder.finish()))
}

/// Fail up front (rather than mid-row) on a type we have no text form for.
fn check_supported(dt: &DataType) -> Result<()> {
    match dt {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(_, _)
        | DataType::Utf8
        | DataType::Binary
        | DataType::Date32
        | DataType::Timestamp(TimeUnit::Microsecond, _)
        | DataType::Duration(TimeUnit::Microsecond) => Ok(()),
        DataType::List(f) => check_supported(f.data_type()),
        DataType::Map(f, _) => check_supported(f.data_type()),
        DataType::Struct(fields) => fields.iter().try_for_each(|f| check_supported(f.data_type())),
        other => Err(EmberError::not_implemented(format!("rendering {other} as a string"))),
    }
}

/// Append the text of `array[row]` (nulls as `style.null`).
pub fn write_value(array: &dyn Array, row: usize, style: TextStyle, ctx: &EvalContext, out: &mut String) {
    if array.is_null(row) {
        out.push_str(style.null);
        return;
    }
    match array.data_type() {
        DataType::Null => out.push_str(style.null),
        DataType::Boolean => out.push_str(if array.as_boolean().value(row) { "true" } else { "false" }),
        DataType::Int8 => push_display(out, array.as_primitive::<Int8Type>().value(row)),
        DataType::Int16 => push_display(out, array.as_primitive::<Int16Type>().value(row)),
        DataType::Int32 => push_display(out, array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => push_display(out, array.as_primitive::<Int64Type>().value(row)),
        DataType::Float32 => write_java_float(array.as_primitive::<Float32Type>().value(row), out),
        DataType::Float64 => write_java_double(array.as_primitive::<Float64Type>().value(row), out),
        DataType::Decimal128(_, scale) => {
            let v = array.as_primitive::<Decimal128Type>().value(row);
            if style.plain_decimal {
                write_plain_decimal(v, *scale, out)
            } else {
                write_java_big_decimal(v, *scale, out)
            }
        }
        DataType::Utf8 => out.push_str(array.as_string::<i32>().value(row)),
        DataType::Binary => {
            let bytes = array.as_binary::<i32>().value(row);
            if style.hex_binary {
                write_hex(bytes, out);
            } else {
                out.push_str(&String::from_utf8_lossy(bytes));
            }
        }
        DataType::Date32 => {
            out.push_str(&datetime_pattern::format_date_default(array.as_primitive::<Date32Type>().value(row)))
        }
        DataType::Timestamp(_, tz) => {
            let micros = array.as_primitive::<TimestampMicrosecondType>().value(row);
            if tz.is_some() {
                out.push_str(&datetime_pattern::format_timestamp_default(micros, &ctx.time_zone));
            } else {
                out.push_str(&datetime_pattern::format_timestamp_ntz_default(micros));
            }
        }
        DataType::Duration(_) => {
            write_day_time_interval(array.as_primitive::<DurationMicrosecondType>().value(row), out)
        }
        DataType::List(_) => {
            let list = array.as_list::<i32>();
            let values = list.values();
            let offsets = list.value_offsets();
            out.push('[');
            for (n, i) in (offsets[row] as usize..offsets[row + 1] as usize).enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                write_value(values.as_ref(), i, style, ctx, out);
            }
            out.push(']');
        }
        DataType::Map(_, _) => {
            let map = array.as_map();
            let (keys, values) = (map.keys(), map.values());
            let offsets = map.value_offsets();
            out.push('{');
            for (n, i) in (offsets[row] as usize..offsets[row + 1] as usize).enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                write_value(keys.as_ref(), i, style, ctx, out);
                out.push_str(" -> ");
                write_value(values.as_ref(), i, style, ctx, out);
            }
            out.push('}');
        }
        DataType::Struct(_) => {
            let st = array.as_struct();
            out.push('{');
            for (n, col) in st.columns().iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                write_value(col.as_ref(), row, style, ctx, out);
            }
            out.push('}');
        }
        // Unreachable after `check_supported`; keep output well-formed regardless.
        other => {
            let _ = write!(out, "<{other}>");
        }
    }
}

fn push_display(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

/// `[68 65 6C]`: upper-case hex bytes separated by spaces.
fn write_hex(bytes: &[u8], out: &mut String) {
    out.push('[');
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02X}");
    }
    out.push(']');
}

/// Java's `BigDecimal.toString()` (what Spark prints for decimals): plain `1.50`, but scientific
/// (`1.0000000000E-10`) once the adjusted exponent drops below -6.
pub fn write_java_big_decimal(unscaled: i128, scale: i8, out: &mut String) {
    write_decimal(unscaled, scale, false, out)
}

/// `BigDecimal.toPlainString()`: never scientific (`0.0000001`); what show() prints.
pub fn write_plain_decimal(unscaled: i128, scale: i8, out: &mut String) {
    write_decimal(unscaled, scale, true, out)
}

fn write_decimal(unscaled: i128, scale: i8, plain: bool, out: &mut String) {
    let mut digits = String::with_capacity(40);
    let _ = write!(digits, "{}", unscaled.unsigned_abs());
    if unscaled < 0 {
        out.push('-');
    }
    let scale = scale as i64;
    let adjusted = digits.len() as i64 - 1 - scale;
    if scale == 0 {
        out.push_str(&digits);
    } else if scale > 0 && (plain || adjusted >= -6) {
        let point = digits.len() as i64 - scale;
        if point > 0 {
            out.push_str(&digits[..point as usize]);
            out.push('.');
            out.push_str(&digits[point as usize..]);
        } else {
            out.push_str("0.");
            for _ in 0..(-point) {
                out.push('0');
            }
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        if adjusted >= 0 {
            out.push('+');
        }
        let _ = write!(out, "{adjusted}");
    }
}

/// `INTERVAL '1 02:03:04.5' DAY TO SECOND` (arrow's Duration does not keep Spark's start/end fields, so
/// every day-time interval renders in the DAY TO SECOND form).
fn write_day_time_interval(micros: i64, out: &mut String) {
    let abs = micros.unsigned_abs();
    let sign = if micros < 0 { "-" } else { "" };
    let day = abs / 86_400_000_000;
    let rem = abs % 86_400_000_000;
    let (h, m, s, frac) = (rem / 3_600_000_000, rem / 60_000_000 % 60, rem / 1_000_000 % 60, rem % 1_000_000);
    let _ = write!(out, "INTERVAL '{sign}{day} {h:02}:{m:02}:{s:02}");
    if frac != 0 {
        let f = format!("{frac:06}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push_str("' DAY TO SECOND");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big_decimal(v: i128, scale: i8) -> String {
        let mut s = String::new();
        write_java_big_decimal(v, scale, &mut s);
        s
    }

    #[test]
    fn decimals_render_like_big_decimal() {
        // CAST(CAST(x AS DECIMAL(p,s)) AS STRING) in PySpark 4.3.
        assert_eq!(big_decimal(150, 2), "1.50");
        assert_eq!(big_decimal(1500, 3), "1.500");
        assert_eq!(big_decimal(0, 3), "0.000");
        assert_eq!(big_decimal(-1, 3), "-0.001");
        assert_eq!(big_decimal(10_000_000_000, 20), "1.0000000000E-10");
        assert_eq!(big_decimal(12345, 0), "12345");
        assert_eq!(big_decimal(0, 7), "0E-7");
        assert_eq!(big_decimal(1, 7), "1E-7");
        assert_eq!(big_decimal(10, 7), "0.0000010");
        // show() prints the plain form: 0.0000001 and 0.000000000100000… for DECIMAL(38,20).
        let mut s = String::new();
        write_plain_decimal(1, 7, &mut s);
        assert_eq!(s, "0.0000001");
        s.clear();
        write_plain_decimal(10_000_000_000, 20, &mut s);
        assert_eq!(s, "0.00000000010000000000");
    }

    #[test]
    fn day_time_intervals() {
        let mut s = String::new();
        write_day_time_interval(93_784_500_000, &mut s);
        assert_eq!(s, "INTERVAL '1 02:03:04.5' DAY TO SECOND");
        s.clear();
        write_day_time_interval(-93_784_500_000, &mut s);
        assert_eq!(s, "INTERVAL '-1 02:03:04.5' DAY TO SECOND");
    }
}
