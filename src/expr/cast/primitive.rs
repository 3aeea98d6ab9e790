//! CAST between the non-string scalar types (boolean, integral, floating, decimal, date, timestamps, binary) with
//! Spark's non-ANSI rules: integral narrowing wraps, fractional → integral truncates and saturates (NaN is 0),
//! decimal overflow and NaN → decimal give NULL.
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array,
    Int64Array, PrimitiveArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Decimal128Type, DurationMicrosecondType, Float32Type, Float64Type,
    Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
};
use chrono::{Offset, TimeZone};
use chrono_tz::Tz;

use super::from_string::{parse_decimal, pow10};
use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::types::java_float::write_java_double;
use crate::types::simple_string;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Cast between scalar types other than STRING; `from` and `to` are canonical and differ.
pub fn cast_primitive(array: &ArrayRef, to: &DataType, ctx: &EvalContext) -> Result<ArrayRef> {
    let from = array.data_type();
    Ok(match to {
        DataType::Boolean => to_boolean(array)?,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => to_integral(array, to)?,
        DataType::Float32 | DataType::Float64 => to_floating(array, to)?,
        DataType::Decimal128(p, s) => to_decimal(array, *p, *s)?,
        DataType::Timestamp(_, Some(tz)) => Arc::new(to_timestamp(array, ctx)?.with_timezone(tz.clone())) as ArrayRef,
        DataType::Timestamp(_, None) => to_timestamp_ntz(array, ctx)?,
        DataType::Date32 => to_date(array, ctx)?,
        DataType::Binary => to_binary(array)?,
        DataType::Duration(_) => to_day_time_interval(array)?,
        _ => return Err(unsupported(from, to)),
    })
}

fn unsupported(from: &DataType, to: &DataType) -> EmberError {
    EmberError::not_implemented(format!(
        "CAST from {} to {}",
        simple_string(from).to_uppercase(),
        simple_string(to).to_uppercase()
    ))
}

fn all_null<T: ArrowPrimitiveType>(len: usize) -> PrimitiveArray<T> {
    PrimitiveArray::<T>::new_null(len)
}

fn to_boolean(array: &ArrayRef) -> Result<ArrayRef> {
    fn nonzero<T: ArrowPrimitiveType>(a: &ArrayRef) -> BooleanArray {
        let zero = T::Native::default();
        a.as_primitive::<T>().iter().map(|v| v.map(|v| v != zero)).collect()
    }
    Ok(Arc::new(match array.data_type() {
        DataType::Int8 => nonzero::<Int8Type>(array),
        DataType::Int16 => nonzero::<Int16Type>(array),
        DataType::Int32 => nonzero::<Int32Type>(array),
        DataType::Int64 => nonzero::<Int64Type>(array),
        // NaN != 0, so NaN is true, as in Spark.
        DataType::Float32 => nonzero::<Float32Type>(array),
        DataType::Float64 => nonzero::<Float64Type>(array),
        DataType::Decimal128(_, _) => nonzero::<Decimal128Type>(array),
        DataType::Timestamp(_, Some(_)) => nonzero::<TimestampMicrosecondType>(array),
        DataType::Date32 => BooleanArray::new_null(array.len()),
        other => return Err(unsupported(other, &DataType::Boolean)),
    }))
}

/// The value as a `long` the way Spark widens before narrowing: fractional values to `int` first when the target
/// is narrower than `long` (so 1e10 → TINYINT is -1), decimals truncated toward zero and wrapped.
fn as_long(array: &ArrayRef, target_is_long: bool) -> Result<Int64Array> {
    Ok(match array.data_type() {
        DataType::Boolean => array.as_boolean().iter().map(|v| v.map(i64::from)).collect(),
        DataType::Int8 => array.as_primitive::<Int8Type>().unary(|v| v as i64),
        DataType::Int16 => array.as_primitive::<Int16Type>().unary(|v| v as i64),
        DataType::Int32 => array.as_primitive::<Int32Type>().unary(|v| v as i64),
        DataType::Int64 => array.as_primitive::<Int64Type>().clone(),
        // Rust's float → int `as` saturates and maps NaN to 0: exactly Scala's Double.toInt / toLong.
        DataType::Float32 if target_is_long => array.as_primitive::<Float32Type>().unary(|v| v as i64),
        DataType::Float32 => array.as_primitive::<Float32Type>().unary(|v| v as i32 as i64),
        DataType::Float64 if target_is_long => array.as_primitive::<Float64Type>().unary(|v| v as i64),
        DataType::Float64 => array.as_primitive::<Float64Type>().unary(|v| v as i32 as i64),
        DataType::Decimal128(_, s) => {
            let div = pow10(*s as u32).unwrap_or(1);
            array.as_primitive::<Decimal128Type>().unary(|v| (v / div) as i64)
        }
        DataType::Date32 => all_null::<Int64Type>(array.len()),
        other => return Err(unsupported(other, &DataType::Int64)),
    })
}

fn to_integral(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    if let DataType::Timestamp(_, Some(_)) = array.data_type() {
        // Whole seconds, floored; a value outside the target's range is NULL rather than wrapped.
        let secs =
            array.as_primitive::<TimestampMicrosecondType>().unary::<_, Int64Type>(|v| v.div_euclid(MICROS_PER_SECOND));
        return Ok(match to {
            DataType::Int8 => Arc::new(secs.unary_opt::<_, Int8Type>(|v| i8::try_from(v).ok())),
            DataType::Int16 => Arc::new(secs.unary_opt::<_, Int16Type>(|v| i16::try_from(v).ok())),
            DataType::Int32 => Arc::new(secs.unary_opt::<_, Int32Type>(|v| i32::try_from(v).ok())),
            _ => Arc::new(secs),
        });
    }
    if let DataType::Duration(_) = array.data_type() {
        return interval_to_integral(array, to);
    }
    let long = as_long(array, matches!(to, DataType::Int64))?;
    Ok(match to {
        DataType::Int8 => Arc::new(long.unary::<_, Int8Type>(|v| v as i8)),
        DataType::Int16 => Arc::new(long.unary::<_, Int16Type>(|v| v as i16)),
        DataType::Int32 => Arc::new(long.unary::<_, Int32Type>(|v| v as i32)),
        _ => Arc::new(long),
    })
}

/// Decimal → double by way of its exact text, so the result is correctly rounded like `BigDecimal.doubleValue`.
fn decimal_to_f64(v: i128, scale: i8, buf: &mut String) -> f64 {
    buf.clear();
    super::to_string::write_plain_decimal(v, scale, buf);
    buf.parse().unwrap_or(f64::NAN)
}

fn to_floating(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    let as_f32 = matches!(to, DataType::Float32);
    let doubles: Float64Array = match array.data_type() {
        DataType::Float64 if as_f32 => {
            return Ok(Arc::new(array.as_primitive::<Float64Type>().unary::<_, Float32Type>(|v| v as f32)))
        }
        DataType::Decimal128(_, s) if as_f32 => {
            let mut buf = String::new();
            let s = *s;
            let out: Float32Array = array
                .as_primitive::<Decimal128Type>()
                .iter()
                .map(|v| {
                    v.map(|v| {
                        buf.clear();
                        super::to_string::write_plain_decimal(v, s, &mut buf);
                        buf.parse::<f32>().unwrap_or(f32::NAN)
                    })
                })
                .collect();
            return Ok(Arc::new(out));
        }
        // Java converts long → float in one rounding step, as Rust's `as` does.
        DataType::Int64 if as_f32 => {
            return Ok(Arc::new(array.as_primitive::<Int64Type>().unary::<_, Float32Type>(|v| v as f32)))
        }
        DataType::Boolean => array.as_boolean().iter().map(|v| v.map(|b| if b { 1.0 } else { 0.0 })).collect(),
        DataType::Int8 => array.as_primitive::<Int8Type>().unary(|v| v as f64),
        DataType::Int16 => array.as_primitive::<Int16Type>().unary(|v| v as f64),
        DataType::Int32 => array.as_primitive::<Int32Type>().unary(|v| v as f64),
        DataType::Int64 => array.as_primitive::<Int64Type>().unary(|v| v as f64),
        DataType::Float32 => array.as_primitive::<Float32Type>().unary(|v| v as f64),
        DataType::Float64 => array.as_primitive::<Float64Type>().clone(),
        DataType::Decimal128(_, s) => {
            let mut buf = String::new();
            let s = *s;
            array.as_primitive::<Decimal128Type>().iter().map(|v| v.map(|v| decimal_to_f64(v, s, &mut buf))).collect()
        }
        DataType::Timestamp(_, Some(_)) => {
            array.as_primitive::<TimestampMicrosecondType>().unary(|v| v as f64 / MICROS_PER_SECOND as f64)
        }
        DataType::Date32 => Float64Array::new_null(array.len()),
        other => return Err(unsupported(other, to)),
    };
    Ok(if as_f32 { Arc::new(doubles.unary::<_, Float32Type>(|v| v as f32)) } else { Arc::new(doubles) })
}

/// Round `v` (at `from_scale`) to `to_scale` HALF_UP; None when it leaves `precision` digits or i128.
pub fn rescale_decimal(v: i128, from_scale: i8, precision: u8, to_scale: i8) -> Option<i128> {
    let diff = to_scale as i32 - from_scale as i32;
    let out = if diff >= 0 {
        v.checked_mul(pow10(diff as u32)?)?
    } else {
        let Some(div) = pow10((-diff) as u32) else { return Some(0) };
        let q = v / div;
        let r = (v % div).unsigned_abs();
        if r * 2 >= div.unsigned_abs() {
            q + v.signum()
        } else {
            q
        }
    };
    (out.unsigned_abs() < pow10(precision as u32)?.unsigned_abs()).then_some(out)
}

fn to_decimal(array: &ArrayRef, p: u8, s: i8) -> Result<ArrayRef> {
    // Integral sources scale exactly: treat them as decimals of scale 0.
    let from_int = |a: Int64Array| -> Decimal128Array { a.unary_opt(|v| rescale_decimal(v as i128, 0, p, s)) };
    // Doubles go through Java's Double.toString text (Scala's BigDecimal(double)), so 1.005 → 1.01 as in Spark.
    let from_f64 = |a: &Float64Array| -> Decimal128Array {
        let mut buf = String::with_capacity(32);
        a.iter()
            .map(|v| {
                v.filter(|v| v.is_finite()).and_then(|v| {
                    buf.clear();
                    write_java_double(v, &mut buf);
                    parse_decimal(&buf, p, s)
                })
            })
            .collect()
    };
    let out: Decimal128Array = match array.data_type() {
        DataType::Boolean | DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            from_int(as_long(array, true)?)
        }
        DataType::Float32 => from_f64(&array.as_primitive::<Float32Type>().unary(|v| v as f64)),
        DataType::Float64 => from_f64(array.as_primitive::<Float64Type>()),
        DataType::Decimal128(_, from_s) => {
            let from_s = *from_s;
            array.as_primitive::<Decimal128Type>().unary_opt(|v| rescale_decimal(v, from_s, p, s))
        }
        DataType::Timestamp(_, Some(_)) => {
            from_f64(&array.as_primitive::<TimestampMicrosecondType>().unary(|v| v as f64 / MICROS_PER_SECOND as f64))
        }
        DataType::Date32 => Decimal128Array::new_null(array.len()),
        // Seconds, exactly: microseconds are a decimal of scale 6.
        DataType::Duration(_) => {
            array.as_primitive::<DurationMicrosecondType>().unary_opt(|v| rescale_decimal(v as i128, 6, p, s))
        }
        other => return Err(unsupported(other, &DataType::Decimal128(p, s))),
    };
    Ok(Arc::new(out.with_precision_and_scale(p, s)?))
}

/// UTC offset of `tz` at the instant `utc_micros`, in microseconds.
fn offset_at_instant(tz: &Tz, utc_micros: i64) -> i64 {
    let secs = utc_micros.div_euclid(MICROS_PER_SECOND);
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(dt) => tz.offset_from_utc_datetime(&dt.naive_utc()).fix().local_minus_utc() as i64 * MICROS_PER_SECOND,
        None => 0,
    }
}

/// The instant at which wall-clock time `local_micros` occurs in `tz`. In an overlap the earlier offset wins; in a
/// gap the time moves forward by the gap's length (java.time's rules, which Spark follows).
pub fn local_to_instant(tz: &Tz, local_micros: i64) -> i64 {
    if *tz == chrono_tz::UTC {
        return local_micros;
    }
    let secs = local_micros.div_euclid(MICROS_PER_SECOND);
    let Some(naive) = chrono::DateTime::from_timestamp(secs, 0).map(|d| d.naive_utc()) else {
        return local_micros;
    };
    let offset = match tz.offset_from_local_datetime(&naive) {
        chrono::LocalResult::Single(o) => o.fix().local_minus_utc() as i64 * MICROS_PER_SECOND,
        chrono::LocalResult::Ambiguous(a, b) => {
            (a.fix().local_minus_utc().max(b.fix().local_minus_utc())) as i64 * MICROS_PER_SECOND
        }
        // The offset in force just before the gap.
        chrono::LocalResult::None => offset_at_instant(tz, local_micros - MICROS_PER_DAY),
    };
    local_micros - offset
}

/// Wall-clock microseconds of the instant `utc_micros` in `tz`.
pub fn instant_to_local(tz: &Tz, utc_micros: i64) -> i64 {
    if *tz == chrono_tz::UTC {
        return utc_micros;
    }
    utc_micros + offset_at_instant(tz, utc_micros)
}

fn to_timestamp(array: &ArrayRef, ctx: &EvalContext) -> Result<TimestampMicrosecondArray> {
    let tz = ctx.time_zone;
    let from_f64 = |a: &Float64Array| -> TimestampMicrosecondArray {
        // Saturating, truncating `as` is Scala's Double.toLong; NaN and infinities are NULL.
        a.unary_opt(|v| v.is_finite().then_some((v * MICROS_PER_SECOND as f64) as i64))
    };
    Ok(match array.data_type() {
        // Spark turns TRUE into 1 microsecond, not 1 second.
        DataType::Boolean => array.as_boolean().iter().map(|v| v.map(i64::from)).collect(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            as_long(array, true)?.unary(|v| v.saturating_mul(MICROS_PER_SECOND))
        }
        DataType::Float32 => from_f64(&array.as_primitive::<Float32Type>().unary(|v| v as f64)),
        DataType::Float64 => from_f64(array.as_primitive::<Float64Type>()),
        DataType::Decimal128(_, s) => {
            // Truncated toward zero and wrapped, like BigDecimal.longValue.
            let s = *s as i32;
            array.as_primitive::<Decimal128Type>().unary_opt(|v| {
                let micros = if s >= 6 { v / pow10((s - 6) as u32)? } else { v.checked_mul(pow10((6 - s) as u32)?)? };
                Some(micros as i64)
            })
        }
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .unary(|d| local_to_instant(&tz, (d as i64).saturating_mul(MICROS_PER_DAY))),
        DataType::Timestamp(_, None) => {
            array.as_primitive::<TimestampMicrosecondType>().unary(|v| local_to_instant(&tz, v))
        }
        other => return Err(unsupported(other, &crate::types::timestamp_type())),
    })
}

fn to_timestamp_ntz(array: &ArrayRef, ctx: &EvalContext) -> Result<ArrayRef> {
    let tz = ctx.time_zone;
    let out: TimestampMicrosecondArray = match array.data_type() {
        DataType::Date32 => array.as_primitive::<Date32Type>().unary(|d| (d as i64).saturating_mul(MICROS_PER_DAY)),
        DataType::Timestamp(_, Some(_)) => {
            array.as_primitive::<TimestampMicrosecondType>().unary(|v| instant_to_local(&tz, v))
        }
        other => return Err(unsupported(other, &crate::types::timestamp_ntz_type())),
    };
    Ok(Arc::new(out))
}

fn to_date(array: &ArrayRef, ctx: &EvalContext) -> Result<ArrayRef> {
    let tz = ctx.time_zone;
    let out: Date32Array = match array.data_type() {
        DataType::Timestamp(_, Some(_)) => array
            .as_primitive::<TimestampMicrosecondType>()
            .unary(|v| instant_to_local(&tz, v).div_euclid(MICROS_PER_DAY) as i32),
        DataType::Timestamp(_, None) => {
            array.as_primitive::<TimestampMicrosecondType>().unary(|v| v.div_euclid(MICROS_PER_DAY) as i32)
        }
        other => return Err(unsupported(other, &DataType::Date32)),
    };
    Ok(Arc::new(out))
}

/// Integral → BINARY: the value's big-endian two's-complement bytes at its own width.
fn to_binary(array: &ArrayRef) -> Result<ArrayRef> {
    fn be<T: ArrowPrimitiveType>(a: &ArrayRef, width: usize, f: impl Fn(T::Native, &mut [u8; 8])) -> ArrayRef {
        let a = a.as_primitive::<T>();
        let mut b = BinaryBuilder::with_capacity(a.len(), a.len() * width);
        let mut bytes = [0u8; 8];
        for v in a.iter() {
            match v {
                Some(v) => {
                    f(v, &mut bytes);
                    b.append_value(&bytes[..width]);
                }
                None => b.append_null(),
            }
        }
        Arc::new(b.finish())
    }
    Ok(match array.data_type() {
        DataType::Int8 => be::<Int8Type>(array, 1, |v, o| o[..1].copy_from_slice(&v.to_be_bytes())),
        DataType::Int16 => be::<Int16Type>(array, 2, |v, o| o[..2].copy_from_slice(&v.to_be_bytes())),
        DataType::Int32 => be::<Int32Type>(array, 4, |v, o| o[..4].copy_from_slice(&v.to_be_bytes())),
        DataType::Int64 => be::<Int64Type>(array, 8, |v, o| o.copy_from_slice(&v.to_be_bytes())),
        other => return Err(unsupported(other, &DataType::Binary)),
    })
}

/// INTERVAL DAY TO SECOND → integral: whole seconds, truncated toward zero. Unlike the other non-ANSI casts, an
/// out-of-range value is an error in Spark, not NULL.
fn interval_to_integral(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    let secs = array.as_primitive::<DurationMicrosecondType>().unary::<_, Int64Type>(|v| v / MICROS_PER_SECOND);
    let overflow = |v: i64| {
        EmberError::arithmetic(format!(
            "[CAST_OVERFLOW] The value {v} of the type \"INTERVAL DAY TO SECOND\" cannot be cast to \"{}\" due to an \
             overflow. Use `try_cast` to tolerate overflow and return NULL instead. SQLSTATE: 22003",
            simple_string(to).to_uppercase()
        ))
    };
    Ok(match to {
        DataType::Int8 => Arc::new(secs.try_unary::<_, Int8Type, _>(|v| i8::try_from(v).map_err(|_| overflow(v)))?),
        DataType::Int16 => Arc::new(secs.try_unary::<_, Int16Type, _>(|v| i16::try_from(v).map_err(|_| overflow(v)))?),
        DataType::Int32 => Arc::new(secs.try_unary::<_, Int32Type, _>(|v| i32::try_from(v).map_err(|_| overflow(v)))?),
        _ => Arc::new(secs),
    })
}

/// Integral or decimal → INTERVAL DAY TO SECOND: the number counts seconds (the interval's end field).
fn to_day_time_interval(array: &ArrayRef) -> Result<ArrayRef> {
    if let DataType::Decimal128(_, s) = array.data_type() {
        let s = *s;
        let out = array.as_primitive::<Decimal128Type>().try_unary::<_, DurationMicrosecondType, _>(|v| {
            rescale_decimal(v, s, 38, 6)
                .and_then(|m| i64::try_from(m).ok())
                .ok_or_else(|| EmberError::arithmetic("[ARITHMETIC_OVERFLOW] long overflow. SQLSTATE: 22003"))
        })?;
        return Ok(Arc::new(out));
    }
    if !matches!(array.data_type(), DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64) {
        return Err(unsupported(array.data_type(), &crate::types::day_time_interval_type()));
    }
    let secs = as_long(array, true)?;
    let out = secs.try_unary::<_, DurationMicrosecondType, _>(|v| {
        v.checked_mul(MICROS_PER_SECOND).ok_or_else(|| {
            EmberError::arithmetic(format!(
                "[CAST_OVERFLOW] The value {v} of the type \"{}\" cannot be cast to \"INTERVAL DAY TO SECOND\" due \
                 to an overflow. Use `try_cast` to tolerate overflow and return NULL instead. SQLSTATE: 22003",
                simple_string(array.data_type()).to_uppercase()
            ))
        })
    })?;
    Ok(Arc::new(out))
}
