//! Date and time functions (`to_timestamp`, `date_format`, `year`, `date_trunc`, `months_between`, …) with Spark's
//! non-ANSI semantics: malformed input gives null, invalid patterns and zones give Spark's errors.
mod interval;
mod window_time;

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, ArrowPrimitiveType, BooleanArray, PrimitiveArray, StringArray, StringBuilder,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use chrono_tz::Tz;

pub use interval::{
    add_interval, interval_result_type, parse_calendar_interval, parse_interval_string, scaled, unit_micros,
};

use super::{check_arg_count, ArgInfo, FunctionRegistry, ScalarFunction, Signature};
use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::physical::ColumnarValue;
use crate::types::datetime_pattern::{
    civil_from_days, days_from_civil, days_in_month, fields_of_local, local_to_utc, parse_date_default,
    parse_timestamp_default, parse_timestamp_ntz_default, parse_zone, utc_to_local, weekday_from_days, DateTimePattern,
    Zone, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND,
};
use crate::types::{is_numeric, is_string, simple_string, timestamp_ntz_type, timestamp_type};

/// Spark's default pattern of `unix_timestamp`/`from_unixtime`.
pub const DEFAULT_FORMAT: &str = "yyyy-MM-dd HH:mm:ss";

type ResolveFn = Box<dyn Fn(&DateTimeFunction, &[ArgInfo]) -> Result<Signature> + Send + Sync>;
type InvokeFn = Box<dyn Fn(&[ColumnarValue], usize, &EvalContext) -> Result<ColumnarValue> + Send + Sync>;
type NameFn = fn(&str, &[String]) -> String;

/// One registered date/time function.
struct DateTimeFunction {
    name: &'static str,
    resolve: ResolveFn,
    invoke: InvokeFn,
    display: NameFn,
    deterministic: bool,
}

impl ScalarFunction for DateTimeFunction {
    fn name(&self) -> &str {
        self.name
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        (self.resolve)(self, args)
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
        (self.invoke)(args, num_rows, ctx)
    }
    fn display_name(&self, args: &[String]) -> String {
        (self.display)(self.name, args)
    }
    fn deterministic(&self) -> bool {
        self.deterministic
    }
}

fn plain_name(name: &str, args: &[String]) -> String {
    format!("{name}({})", args.join(", "))
}

/// Names that show the default format Spark fills in: `from_unixtime(t, yyyy-MM-dd HH:mm:ss)`.
fn name_with_default_format(name: &str, args: &[String]) -> String {
    match args.len() {
        0 => format!("{name}(current_timestamp(), {DEFAULT_FORMAT})"),
        1 => format!("{name}({}, {DEFAULT_FORMAT})", args[0]),
        _ => plain_name(name, args),
    }
}

fn months_between_name(name: &str, args: &[String]) -> String {
    if args.len() == 2 {
        format!("{name}({}, {}, true)", args[0], args[1])
    } else {
        plain_name(name, args)
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Argument checks (Spark's ImplicitTypeCasts for the expected input types)

/// What a parameter accepts.
#[derive(Clone, Copy, PartialEq)]
enum Want {
    /// DATE; timestamps and strings are cast.
    Date,
    /// TIMESTAMP; dates, strings and TIMESTAMP_NTZ are cast.
    Timestamp,
    /// TIMESTAMP or TIMESTAMP_NTZ (kept); dates and strings are cast to TIMESTAMP.
    AnyTimestamp,
    /// TIMESTAMP only (strings cast): `unix_seconds` and friends.
    TimestampOnly,
    /// INT, SMALLINT or TINYINT (strings cast).
    Int,
    /// BIGINT from any numeric or string.
    Long,
    /// DOUBLE from any numeric or string.
    Double,
    Str,
    Bool,
}

fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"].get(i).copied().unwrap_or("next")
}

fn sql_type(dt: &DataType) -> String {
    simple_string(dt).to_uppercase()
}

fn mismatch(f: &DateTimeFunction, args: &[ArgInfo], i: usize, required: &str) -> EmberError {
    let sqls: Vec<String> = args.iter().map(|a| a.sql.clone()).collect();
    EmberError::analysis_class(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{}\" due to data type mismatch: The {} parameter requires the {required} type, however \"{}\" has the type \"{}\". SQLSTATE: 42K09",
            f.display_name(&sqls),
            ordinal(i),
            args[i].sql,
            sql_type(&args[i].data_type)
        ),
    )
}

/// The type argument `i` is cast to, or Spark's type-mismatch error.
fn coerce(f: &DateTimeFunction, args: &[ArgInfo], i: usize, want: Want) -> Result<DataType> {
    let dt = &args[i].data_type;
    let stringy = is_string(dt) || matches!(dt, DataType::Null);
    let ok = match want {
        Want::Date => match dt {
            DataType::Date32 | DataType::Timestamp(_, _) => Some(DataType::Date32),
            _ if stringy => Some(DataType::Date32),
            _ => None,
        },
        Want::Timestamp => match dt {
            DataType::Date32 | DataType::Timestamp(_, _) => Some(timestamp_type()),
            _ if stringy => Some(timestamp_type()),
            _ => None,
        },
        Want::AnyTimestamp => match dt {
            DataType::Timestamp(_, None) => Some(timestamp_ntz_type()),
            DataType::Date32 | DataType::Timestamp(_, Some(_)) => Some(timestamp_type()),
            _ if stringy => Some(timestamp_type()),
            _ => None,
        },
        Want::TimestampOnly => match dt {
            DataType::Timestamp(_, Some(_)) => Some(timestamp_type()),
            _ if stringy => Some(timestamp_type()),
            _ => None,
        },
        Want::Int => match dt {
            DataType::Int8 | DataType::Int16 | DataType::Int32 => Some(DataType::Int32),
            _ if stringy => Some(DataType::Int32),
            _ => None,
        },
        Want::Long => (is_numeric(dt) || stringy).then_some(DataType::Int64),
        Want::Double => (is_numeric(dt) || stringy).then_some(DataType::Float64),
        Want::Str => match dt {
            DataType::List(_) | DataType::Map(_, _) | DataType::Struct(_) | DataType::Binary => None,
            _ => Some(DataType::Utf8),
        },
        Want::Bool => match dt {
            DataType::Boolean | DataType::Null => Some(DataType::Boolean),
            _ => None,
        },
    };
    ok.ok_or_else(|| {
        let required = match want {
            Want::Date => "\"DATE\"",
            Want::Timestamp => "\"TIMESTAMP\"",
            Want::AnyTimestamp | Want::TimestampOnly => "\"(TIMESTAMP OR TIMESTAMP WITHOUT TIME ZONE)\"",
            Want::Int => "(\"INT\" or \"SMALLINT\" or \"TINYINT\")",
            Want::Long => "\"BIGINT\"",
            Want::Double => "\"DOUBLE\"",
            Want::Str => "\"STRING\"",
            Want::Bool => "\"BOOLEAN\"",
        };
        mismatch(f, args, i, required)
    })
}

/// A signature from per-argument wants; `always_nullable` for functions that give null on malformed input.
fn sig(
    f: &DateTimeFunction,
    args: &[ArgInfo],
    wants: &[Want],
    ret: DataType,
    always_nullable: bool,
) -> Result<Signature> {
    let mut arg_types = Vec::with_capacity(args.len());
    for i in 0..args.len() {
        arg_types.push(coerce(f, args, i, wants[i.min(wants.len() - 1)])?);
    }
    let nullable = always_nullable || args.iter().any(|a| a.nullable);
    Ok(Signature { arg_types, return_type: ret, nullable })
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation helpers

fn all_scalar(args: &[ColumnarValue]) -> bool {
    args.iter().all(|a| a.as_scalar().is_some())
}

fn out_len(args: &[ColumnarValue], num_rows: usize) -> (usize, bool) {
    if all_scalar(args) {
        (1, true)
    } else {
        (num_rows, false)
    }
}

fn wrap(arr: ArrayRef, scalar: bool) -> ColumnarValue {
    if scalar {
        ColumnarValue::Scalar(arr)
    } else {
        ColumnarValue::Array(arr)
    }
}

fn array_of(v: &ColumnarValue) -> (&ArrayRef, bool) {
    match v {
        ColumnarValue::Array(a) => (a, false),
        ColumnarValue::Scalar(a) => (a, true),
    }
}

/// Row access to a primitive argument, scalar or column.
struct Prim<'a, T: ArrowPrimitiveType> {
    a: &'a PrimitiveArray<T>,
    scalar: bool,
}

impl<'a, T: ArrowPrimitiveType> Prim<'a, T> {
    fn new(v: &'a ColumnarValue) -> Result<Self> {
        let (a, scalar) = array_of(v);
        let a = a.as_any().downcast_ref::<PrimitiveArray<T>>().ok_or_else(|| {
            EmberError::execution(format!("datetime function: unexpected argument type {}", a.data_type()))
        })?;
        Ok(Prim { a, scalar })
    }
    #[inline]
    fn get(&self, i: usize) -> Option<T::Native> {
        let j = if self.scalar { 0 } else { i };
        if self.a.is_null(j) {
            None
        } else {
            Some(self.a.value(j))
        }
    }
}

/// Row access to a string argument.
struct Str<'a> {
    a: &'a StringArray,
    scalar: bool,
}

impl<'a> Str<'a> {
    fn new(v: &'a ColumnarValue) -> Result<Self> {
        let (a, scalar) = array_of(v);
        let a = a.as_any().downcast_ref::<StringArray>().ok_or_else(|| {
            EmberError::execution(format!("datetime function: expected a string argument, got {}", a.data_type()))
        })?;
        Ok(Str { a, scalar })
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&'a str> {
        let j = if self.scalar { 0 } else { i };
        if self.a.is_null(j) {
            None
        } else {
            Some(self.a.value(j))
        }
    }
}

/// Patterns of a format argument: compiled once for a literal, cached by text for a column.
struct Patterns<'a> {
    s: Str<'a>,
    last: Option<(String, Arc<DateTimePattern>)>,
    parsing: bool,
}

impl<'a> Patterns<'a> {
    fn new(v: &'a ColumnarValue, parsing: bool) -> Result<Self> {
        let mut p = Patterns { s: Str::new(v)?, last: None, parsing };
        if p.s.scalar {
            p.get(0)?;
        }
        Ok(p)
    }
    fn get(&mut self, i: usize) -> Result<Option<Arc<DateTimePattern>>> {
        if self.s.scalar {
            if let Some((_, p)) = &self.last {
                return Ok(Some(p.clone()));
            }
        }
        let Some(text) = self.s.get(i) else { return Ok(None) };
        if let Some((t, p)) = &self.last {
            if t == text {
                return Ok(Some(p.clone()));
            }
        }
        let p = Arc::new(DateTimePattern::compile(text)?);
        if self.parsing {
            p.check_parsable()?;
        }
        self.last = Some((text.to_string(), p.clone()));
        Ok(Some(p))
    }
}

fn ts_array(values: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from_iter(values).with_timezone("UTC"))
}

fn ntz_array(values: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from_iter(values))
}

fn date_array(values: impl IntoIterator<Item = Option<i32>>) -> ArrayRef {
    Arc::new(PrimitiveArray::<Date32Type>::from_iter(values))
}

fn long_array(values: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(PrimitiveArray::<Int64Type>::from_iter(values))
}

fn is_ntz(v: &ColumnarValue) -> bool {
    matches!(v.data_type(), DataType::Timestamp(_, None))
}

/// Wall-clock micros of a TIMESTAMP (in the session zone) or TIMESTAMP_NTZ value.
#[inline]
fn local_micros(v: i64, ntz: bool, tz: &Tz) -> i64 {
    if ntz {
        v
    } else {
        utc_to_local(v, tz)
    }
}

fn days_to_i32(d: i64) -> Option<i32> {
    i32::try_from(d).ok()
}

/// ISO-8601 week number of a day.
pub fn iso_week(days: i64) -> i32 {
    let thursday = days - weekday_from_days(days) as i64 + 3;
    let (y, _, _) = civil_from_days(thursday);
    ((thursday - days_from_civil(y, 1, 1)) / 7 + 1) as i32
}

/// Spark's day-of-week names for `next_day`: `MO`, `MON`, `MONDAY`, … (case-insensitive); 0 = Monday.
fn day_of_week_from_string(s: &str) -> Option<u32> {
    let u = s.trim().to_ascii_uppercase();
    Some(match u.as_str() {
        "MO" | "MON" | "MONDAY" => 0,
        "TU" | "TUE" | "TUESDAY" => 1,
        "WE" | "WED" | "WEDNESDAY" => 2,
        "TH" | "THU" | "THURSDAY" => 3,
        "FR" | "FRI" | "FRIDAY" => 4,
        "SA" | "SAT" | "SATURDAY" => 5,
        "SU" | "SUN" | "SUNDAY" => 6,
        _ => return None,
    })
}

/// `add_months` on a day number; Spark fails on int overflow even with ANSI off.
fn add_months_days(days: i32, months: i32) -> Result<i32> {
    let (y, m, d) = civil_from_days(days as i64);
    let total = y * 12 + (m as i64 - 1) + months as i64;
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    let nd = d.min(days_in_month(ny, nm));
    days_to_i32(days_from_civil(ny, nm, nd)).ok_or_else(overflow)
}

/// Spark's DATETIME_OVERFLOW for `timestamp_seconds`/`timestamp_millis` (raised even with ANSI off).
fn datetime_overflow(v: i64, unit: &str) -> EmberError {
    EmberError::execution_class(
        "DATETIME_OVERFLOW",
        format!("Datetime operation overflow: create a TIMESTAMP from {v}L {unit} since the epoch. SQLSTATE: 22008"),
    )
}

fn overflow() -> EmberError {
    EmberError::arithmetic(
        "[ARITHMETIC_OVERFLOW] overflow. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22003",
    )
}

/// Spark's `monthsBetween`: whole months when the days of month match or both are month ends, else the fraction
/// over 31-day months, rounded to 8 digits when `round_off`.
pub fn months_between(t1: i64, t2: i64, round_off: bool, tz: &Tz) -> f64 {
    let (l1, l2) = (utc_to_local(t1, tz), utc_to_local(t2, tz));
    let (f1, f2) = (fields_of_local(l1), fields_of_local(l2));
    let month_diff = (f1.year * 12 + f1.month as i64) - (f2.year * 12 + f2.month as i64);
    let last1 = f1.day == days_in_month(f1.year, f1.month);
    let last2 = f2.day == days_in_month(f2.year, f2.month);
    if f1.day == f2.day || (last1 && last2) {
        return month_diff as f64;
    }
    // Seconds since the start of the local day, measured on the instant line (a DST day has 23 or 25 hours).
    let day_start = |l: i64| local_to_utc(l - l.rem_euclid(MICROS_PER_DAY), tz);
    let sec1 = (t1 - day_start(l1)) / MICROS_PER_SECOND;
    let sec2 = (t2 - day_start(l2)) / MICROS_PER_SECOND;
    let seconds_diff = (f1.day as i64 - f2.day as i64) * 86_400 + sec1 - sec2;
    let diff = month_diff as f64 + seconds_diff as f64 / (31.0 * 86_400.0);
    if round_off {
        (diff * 1e8).round() / 1e8
    } else {
        diff
    }
}

/// Truncation levels of `date_trunc`/`trunc`.
#[derive(Clone, Copy, PartialEq, Debug)]
enum TruncLevel {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

fn trunc_level(s: &str) -> Option<TruncLevel> {
    Some(match s.trim().to_ascii_uppercase().as_str() {
        "MICROSECOND" => TruncLevel::Microsecond,
        "MILLISECOND" => TruncLevel::Millisecond,
        "SECOND" => TruncLevel::Second,
        "MINUTE" => TruncLevel::Minute,
        "HOUR" => TruncLevel::Hour,
        "DAY" | "DD" => TruncLevel::Day,
        "WEEK" => TruncLevel::Week,
        "MONTH" | "MM" | "MON" => TruncLevel::Month,
        "QUARTER" => TruncLevel::Quarter,
        "YEAR" | "YYYY" | "YY" => TruncLevel::Year,
        _ => return None,
    })
}

/// Truncate a day number to the start of its week/month/quarter/year.
fn trunc_days(days: i64, level: TruncLevel) -> i64 {
    let (y, m, _) = civil_from_days(days);
    match level {
        TruncLevel::Week => days - weekday_from_days(days) as i64,
        TruncLevel::Month => days_from_civil(y, m, 1),
        TruncLevel::Quarter => days_from_civil(y, (m - 1) / 3 * 3 + 1, 1),
        TruncLevel::Year => days_from_civil(y, 1, 1),
        _ => days,
    }
}

/// Spark's `truncTimestamp`: sub-second levels on the instant, the rest on the wall clock in `tz`.
fn trunc_timestamp(micros: i64, level: TruncLevel, tz: &Tz) -> i64 {
    match level {
        TruncLevel::Microsecond => micros,
        TruncLevel::Millisecond => micros - micros.rem_euclid(1000),
        TruncLevel::Second => micros - micros.rem_euclid(MICROS_PER_SECOND),
        _ => {
            let offset = utc_to_local(micros, tz) - micros;
            let local = micros + offset;
            let truncated = match level {
                TruncLevel::Minute => local - local.rem_euclid(MICROS_PER_MINUTE),
                TruncLevel::Hour => local - local.rem_euclid(MICROS_PER_HOUR),
                TruncLevel::Day => local - local.rem_euclid(MICROS_PER_DAY),
                _ => trunc_days(local.div_euclid(MICROS_PER_DAY), level) * MICROS_PER_DAY,
            };
            // Keep the original offset when it is still valid (ZonedDateTime.truncatedTo prefers it).
            let candidate = truncated - offset;
            if utc_to_local(candidate, tz) == truncated {
                candidate
            } else {
                local_to_utc(truncated, tz)
            }
        }
    }
}

fn invalid_timezone(tz: &str) -> EmberError {
    EmberError::execution_class(
        "INVALID_TIMEZONE",
        format!(
            "The timezone: {tz} is invalid. The timezone must be either a region-based zone ID or a zone offset. Region IDs must have the form 'area/city', such as 'America/Los_Angeles'. Zone offsets must be in the format '(+|-)HH', '(+|-)HH:mm’ or '(+|-)HH:mm:ss', e.g '-08' , '+01:00' or '-13:33:33', and must be in the range from -18:00 to +18:00. 'Z' and 'UTC' are accepted as synonyms for '+00:00'. SQLSTATE: 22009"
        ),
    )
}

/// A zone named by a function argument (`from_utc_timestamp(ts, 'PST')`), or Spark's INVALID_TIMEZONE.
fn zone_arg(s: &str) -> Result<Zone> {
    parse_zone(s).ok_or_else(|| invalid_timezone(s))
}

// ---------------------------------------------------------------------------------------------------------------
// Function bodies

/// `to_timestamp`, `to_timestamp_ntz`, `to_date`: the value kinds they convert.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Timestamp,
    Ntz,
    Date,
}

fn convert_to(args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext, target: Target) -> Result<ColumnarValue> {
    let (len, scalar) = out_len(args, num_rows);
    let tz = ctx.time_zone;
    let src = args[0].data_type().clone();
    // Every conversion goes through wall-clock micros (or an instant for TIMESTAMP sources).
    enum V {
        Instant(i64),
        Local(i64),
    }
    let finish = |v: Option<V>| -> Option<i64> {
        match (v?, target) {
            (V::Instant(u), Target::Timestamp) => Some(u),
            (V::Instant(u), _) => Some(utc_to_local(u, &tz)),
            (V::Local(l), Target::Timestamp) => Some(local_to_utc(l, &tz)),
            (V::Local(l), _) => Some(l),
        }
    };
    let mut out: Vec<Option<i64>> = Vec::with_capacity(len);
    match &src {
        DataType::Utf8 => {
            let s = Str::new(&args[0])?;
            if args.len() > 1 {
                let mut pats = Patterns::new(&args[1], true)?;
                for i in 0..len {
                    let v = match (s.get(i), pats.get(i)?) {
                        (Some(text), Some(p)) => match target {
                            Target::Ntz => p.parse_local(text).map(V::Local),
                            _ => p.parse_timestamp(text, &tz).map(V::Instant),
                        },
                        _ => None,
                    };
                    out.push(finish(v));
                }
            } else {
                for i in 0..len {
                    let v = s.get(i).and_then(|text| match target {
                        Target::Timestamp => parse_timestamp_default(text, &tz).map(V::Instant),
                        Target::Ntz => parse_timestamp_ntz_default(text).map(V::Local),
                        Target::Date => parse_date_default(text).map(|d| V::Local(d as i64 * MICROS_PER_DAY)),
                    });
                    out.push(finish(v));
                }
            }
        }
        DataType::Date32 => {
            let a = Prim::<Date32Type>::new(&args[0])?;
            out.extend((0..len).map(|i| finish(a.get(i).map(|d| V::Local(d as i64 * MICROS_PER_DAY)))));
        }
        DataType::Timestamp(_, z) => {
            let a = Prim::<TimestampMicrosecondType>::new(&args[0])?;
            let ntz = z.is_none();
            out.extend((0..len).map(|i| finish(a.get(i).map(|v| if ntz { V::Local(v) } else { V::Instant(v) }))));
        }
        DataType::Int64 if target == Target::Timestamp => {
            let a = Prim::<Int64Type>::new(&args[0])?;
            out.extend((0..len).map(|i| a.get(i).and_then(|s| s.checked_mul(MICROS_PER_SECOND))));
        }
        DataType::Float64 if target == Target::Timestamp => {
            let a = Prim::<Float64Type>::new(&args[0])?;
            out.extend((0..len).map(|i| a.get(i).and_then(double_seconds_to_micros)));
        }
        _ => out.extend((0..len).map(|_| None)),
    }
    let arr = match target {
        Target::Timestamp => ts_array(out),
        Target::Ntz => ntz_array(out),
        Target::Date => date_array(out.into_iter().map(|v| v.and_then(|l| days_to_i32(l.div_euclid(MICROS_PER_DAY))))),
    };
    Ok(wrap(arr, scalar))
}

fn double_seconds_to_micros(s: f64) -> Option<i64> {
    let v = s * MICROS_PER_SECOND as f64;
    if v.is_finite() && v.abs() < 9.2e18 {
        Some(v as i64)
    } else {
        None
    }
}

fn date_format(args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
    let (len, scalar) = out_len(args, num_rows);
    let ts = Prim::<TimestampMicrosecondType>::new(&args[0])?;
    let ntz = is_ntz(&args[0]);
    let mut pats = Patterns::new(&args[1], false)?;
    let mut b = StringBuilder::with_capacity(len, len * 20);
    let mut buf = String::with_capacity(32);
    for i in 0..len {
        match (ts.get(i), pats.get(i)?) {
            (Some(v), Some(p)) => {
                buf.clear();
                if ntz {
                    p.write_local(&mut buf, v, &ctx.time_zone);
                } else {
                    p.write_timestamp(&mut buf, v, &ctx.time_zone);
                }
                b.append_value(&buf);
            }
            _ => b.append_null(),
        }
    }
    Ok(wrap(Arc::new(b.finish()), scalar))
}

fn from_unixtime(args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
    let (len, scalar) = out_len(args, num_rows);
    let secs = Prim::<Int64Type>::new(&args[0])?;
    let default_fmt;
    let fmt_arg = if args.len() > 1 {
        &args[1]
    } else {
        default_fmt = ColumnarValue::Scalar(Arc::new(StringArray::from(vec![DEFAULT_FORMAT])));
        &default_fmt
    };
    let mut pats = Patterns::new(fmt_arg, false)?;
    let mut b = StringBuilder::with_capacity(len, len * 20);
    let mut buf = String::with_capacity(32);
    for i in 0..len {
        // Spark multiplies without an overflow check here (from_unixtime(Long.MaxValue) shows 1969-12-31 23:59:59).
        match (secs.get(i).map(|s| s.wrapping_mul(MICROS_PER_SECOND)), pats.get(i)?) {
            (Some(v), Some(p)) => {
                buf.clear();
                p.write_timestamp(&mut buf, v, &ctx.time_zone);
                b.append_value(&buf);
            }
            _ => b.append_null(),
        }
    }
    Ok(wrap(Arc::new(b.finish()), scalar))
}

fn unix_timestamp(args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
    if args.is_empty() {
        let now = ctx.now_micros.div_euclid(MICROS_PER_SECOND);
        return Ok(ColumnarValue::Scalar(long_array([Some(now)])));
    }
    let (len, scalar) = out_len(args, num_rows);
    let tz = ctx.time_zone;
    // Truncation toward zero, as Spark divides here (1969-12-31 23:59:59.5 gives 0).
    let secs = |micros: i64| micros / MICROS_PER_SECOND;
    let out: Vec<Option<i64>> = match args[0].data_type() {
        DataType::Utf8 => {
            let s = Str::new(&args[0])?;
            let default_fmt;
            let fmt_arg = if args.len() > 1 {
                &args[1]
            } else {
                default_fmt = ColumnarValue::Scalar(Arc::new(StringArray::from(vec![DEFAULT_FORMAT])));
                &default_fmt
            };
            let mut pats = Patterns::new(fmt_arg, true)?;
            let mut out = Vec::with_capacity(len);
            for i in 0..len {
                out.push(match (s.get(i), pats.get(i)?) {
                    (Some(text), Some(p)) => p.parse_timestamp(text, &tz).map(secs),
                    _ => None,
                });
            }
            out
        }
        DataType::Date32 => {
            let a = Prim::<Date32Type>::new(&args[0])?;
            (0..len).map(|i| a.get(i).map(|d| secs(local_to_utc(d as i64 * MICROS_PER_DAY, &tz)))).collect()
        }
        DataType::Timestamp(_, _) => {
            // Spark divides an instant's micros by 10^6 with truncation toward zero here.
            let a = Prim::<TimestampMicrosecondType>::new(&args[0])?;
            (0..len).map(|i| a.get(i).map(|v| v / MICROS_PER_SECOND)).collect()
        }
        _ => (0..len).map(|_| None).collect(),
    };
    Ok(wrap(long_array(out), scalar))
}

/// A unary function of one primitive argument.
fn map1<I: ArrowPrimitiveType, O: ArrowPrimitiveType>(
    args: &[ColumnarValue],
    num_rows: usize,
    f: impl Fn(I::Native) -> Option<O::Native>,
) -> Result<(PrimitiveArray<O>, bool)> {
    let (len, scalar) = out_len(args, num_rows);
    let a = Prim::<I>::new(&args[0])?;
    Ok(((0..len).map(|i| a.get(i).and_then(&f)).collect(), scalar))
}

/// A binary function of two primitive arguments.
fn map2<A: ArrowPrimitiveType, B: ArrowPrimitiveType, O: ArrowPrimitiveType>(
    args: &[ColumnarValue],
    num_rows: usize,
    f: impl Fn(A::Native, B::Native) -> Option<O::Native>,
) -> Result<(PrimitiveArray<O>, bool)> {
    let (len, scalar) = out_len(args, num_rows);
    let a = Prim::<A>::new(&args[0])?;
    let b = Prim::<B>::new(&args[1])?;
    Ok((
        (0..len)
            .map(|i| match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => f(x, y),
                _ => None,
            })
            .collect(),
        scalar,
    ))
}

fn date_field(f: fn(i64) -> i32) -> InvokeFn {
    Box::new(move |args, n, _ctx| {
        let (arr, scalar) = map1::<Date32Type, Int32Type>(args, n, |d| Some(f(d as i64)))?;
        Ok(wrap(Arc::new(arr), scalar))
    })
}

fn time_field(f: fn(i64) -> i32) -> InvokeFn {
    Box::new(move |args, n, ctx| {
        let ntz = is_ntz(&args[0]);
        let tz = ctx.time_zone;
        let (arr, scalar) =
            map1::<TimestampMicrosecondType, Int32Type>(args, n, |v| Some(f(local_micros(v, ntz, &tz))))?;
        Ok(wrap(Arc::new(arr), scalar))
    })
}

fn make_timestamp(args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext, ntz: bool) -> Result<ColumnarValue> {
    let (len, scalar) = out_len(args, num_rows);
    let ints: Vec<Prim<Int32Type>> = args[..5].iter().map(Prim::new).collect::<Result<_>>()?;
    let sec = Prim::<Float64Type>::new(&args[5])?;
    let zone_arg_s = if args.len() > 6 { Some(Str::new(&args[6])?) } else { None };
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let vals: Option<Vec<i32>> = ints.iter().map(|p| p.get(i)).collect();
        let v = (|| -> Result<Option<i64>> {
            let (Some(v), Some(s)) = (vals, sec.get(i)) else { return Ok(None) };
            let (y, mo, d, h, mi) = (v[0], v[1], v[2], v[3], v[4]);
            if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(1..=12).contains(&mo) || d < 1 {
                return Ok(None);
            }
            let Some(days) = crate::types::datetime_pattern::checked_days(y as i64, mo as u32, d as u32) else {
                return Ok(None);
            };
            let micros = (s * 1e6).round();
            if !micros.is_finite() || micros < 0.0 || micros > 60e6 {
                return Ok(None);
            }
            let micros = micros as i64;
            // 60 seconds with no fraction rolls over to the next minute, as Spark allows.
            if micros >= 60 * MICROS_PER_SECOND && micros != 60 * MICROS_PER_SECOND {
                return Ok(None);
            }
            let local = days * MICROS_PER_DAY + h as i64 * MICROS_PER_HOUR + mi as i64 * MICROS_PER_MINUTE + micros;
            if ntz {
                return Ok(Some(local));
            }
            let zone = match &zone_arg_s {
                Some(z) => match z.get(i) {
                    Some(name) => zone_arg(name)?,
                    None => return Ok(None),
                },
                None => Zone::Region(ctx.time_zone),
            };
            Ok(Some(zone.local_to_utc(local)))
        })()?;
        out.push(v);
    }
    Ok(wrap(if ntz { ntz_array(out) } else { ts_array(out) }, scalar))
}

fn convert_zone(args: &[ColumnarValue], num_rows: usize, to_utc: bool) -> Result<ColumnarValue> {
    let (len, scalar) = out_len(args, num_rows);
    let ts = Prim::<TimestampMicrosecondType>::new(&args[0])?;
    let zs = Str::new(&args[1])?;
    let mut last: Option<(String, Zone)> = None;
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let (Some(v), Some(name)) = (ts.get(i), zs.get(i)) else {
            out.push(None);
            continue;
        };
        let zone = match &last {
            Some((n, z)) if n == name => *z,
            _ => {
                let z = zone_arg(name)?;
                last = Some((name.to_string(), z));
                z
            }
        };
        out.push(Some(if to_utc { zone.local_to_utc(v) } else { v + zone.offset_at_utc(v) * MICROS_PER_SECOND }));
    }
    Ok(wrap(ts_array(out), scalar))
}

// ---------------------------------------------------------------------------------------------------------------
// Registration

fn func(
    name: &'static str,
    resolve: impl Fn(&DateTimeFunction, &[ArgInfo]) -> Result<Signature> + Send + Sync + 'static,
    invoke: impl Fn(&[ColumnarValue], usize, &EvalContext) -> Result<ColumnarValue> + Send + Sync + 'static,
) -> DateTimeFunction {
    DateTimeFunction {
        name,
        resolve: Box::new(resolve),
        invoke: Box::new(invoke),
        display: plain_name,
        deterministic: true,
    }
}

/// A function of fixed arity whose arguments want `wants` and which returns `ret`.
fn simple(
    name: &'static str,
    wants: &'static [Want],
    ret: DataType,
    always_nullable: bool,
    invoke: impl Fn(&[ColumnarValue], usize, &EvalContext) -> Result<ColumnarValue> + Send + Sync + 'static,
) -> DateTimeFunction {
    func(
        name,
        move |f, args| {
            check_arg_count(f.name, args, wants.len(), wants.len())?;
            sig(f, args, wants, ret.clone(), always_nullable)
        },
        invoke,
    )
}

fn resolve_conversion(f: &DateTimeFunction, args: &[ArgInfo], target: Target) -> Result<Signature> {
    check_arg_count(f.name, args, 1, 2)?;
    let dt = &args[0].data_type;
    let first = match dt {
        DataType::Utf8 | DataType::Date32 => dt.clone(),
        DataType::Null | DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        DataType::Timestamp(_, None) => timestamp_ntz_type(),
        DataType::Timestamp(_, Some(_)) => timestamp_type(),
        d if is_numeric(d) && args.len() == 1 && target == Target::Timestamp => {
            if crate::types::is_integral(d) {
                DataType::Int64
            } else {
                DataType::Float64
            }
        }
        d if is_numeric(d) && target == Target::Date => d.clone(),
        _ => return Err(mismatch(f, args, 0, "(\"STRING\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\")")),
    };
    let mut arg_types = vec![first];
    if args.len() == 2 {
        arg_types.push(coerce(f, args, 1, Want::Str)?);
    }
    let ret = match target {
        Target::Timestamp => timestamp_type(),
        Target::Ntz => timestamp_ntz_type(),
        Target::Date => DataType::Date32,
    };
    Ok(Signature { arg_types, return_type: ret, nullable: true })
}

fn register_conversions(r: &mut FunctionRegistry) {
    for (name, target) in
        [("to_timestamp", Target::Timestamp), ("to_timestamp_ntz", Target::Ntz), ("to_date", Target::Date)]
    {
        r.scalar(func(
            name,
            move |f, args| resolve_conversion(f, args, target),
            move |args, n, ctx| convert_to(args, n, ctx, target),
        ));
    }
    r.scalar(func(
        "to_timestamp_ltz",
        |f, args| resolve_conversion(f, args, Target::Timestamp),
        |args, n, ctx| convert_to(args, n, ctx, Target::Timestamp),
    ));
    r.scalar(func(
        "date_format",
        |f, args| {
            check_arg_count(f.name, args, 2, 2)?;
            // TIMESTAMP_NTZ is cast to TIMESTAMP first, so its text shows the session zone's offset at that time.
            sig(f, args, &[Want::Timestamp, Want::Str], DataType::Utf8, false)
        },
        date_format,
    ));
    for name in ["unix_timestamp", "to_unix_timestamp"] {
        let min = if name == "unix_timestamp" { 0 } else { 1 };
        let mut f = func(
            name,
            move |f, args| {
                check_arg_count(f.name, args, min, 2)?;
                if args.is_empty() {
                    return Ok(Signature { arg_types: vec![], return_type: DataType::Int64, nullable: false });
                }
                let first = match &args[0].data_type {
                    DataType::Date32 => DataType::Date32,
                    DataType::Timestamp(_, None) => timestamp_ntz_type(),
                    DataType::Timestamp(_, Some(_)) => timestamp_type(),
                    DataType::Utf8 | DataType::Null => DataType::Utf8,
                    _ => {
                        return Err(mismatch(
                            f,
                            args,
                            0,
                            "(\"STRING\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\")",
                        ))
                    }
                };
                let mut arg_types = vec![first];
                if args.len() == 2 {
                    arg_types.push(coerce(f, args, 1, Want::Str)?);
                }
                Ok(Signature { arg_types, return_type: DataType::Int64, nullable: true })
            },
            unix_timestamp,
        );
        f.display = name_with_default_format;
        f.deterministic = name != "unix_timestamp";
        r.scalar(f);
    }
    let mut f = func(
        "from_unixtime",
        |f, args| {
            check_arg_count(f.name, args, 1, 2)?;
            sig(f, args, &[Want::Long, Want::Str], DataType::Utf8, true)
        },
        from_unixtime,
    );
    f.display = name_with_default_format;
    r.scalar(f);
}

fn register_fields(r: &mut FunctionRegistry) {
    let date_fields: [(&'static str, fn(i64) -> i32); 10] = [
        ("year", |d| civil_from_days(d).0 as i32),
        ("quarter", |d| ((civil_from_days(d).1 - 1) / 3 + 1) as i32),
        ("month", |d| civil_from_days(d).1 as i32),
        ("dayofmonth", |d| civil_from_days(d).2 as i32),
        ("day", |d| civil_from_days(d).2 as i32),
        ("dayofweek", |d| ((weekday_from_days(d) + 1) % 7 + 1) as i32),
        ("weekday", |d| weekday_from_days(d) as i32),
        ("dayofyear", |d| {
            let (y, m, day) = civil_from_days(d);
            crate::types::datetime_pattern::day_of_year(y, m, day) as i32
        }),
        ("weekofyear", iso_week),
        ("unix_date", |d| d as i32),
    ];
    for (name, f) in date_fields {
        r.scalar(simple(name, &[Want::Date], DataType::Int32, false, date_field(f)));
    }
    let time_fields: [(&'static str, fn(i64) -> i32); 3] = [
        ("hour", |l| (l.rem_euclid(MICROS_PER_DAY) / MICROS_PER_HOUR) as i32),
        ("minute", |l| (l.rem_euclid(MICROS_PER_HOUR) / MICROS_PER_MINUTE) as i32),
        ("second", |l| (l.rem_euclid(MICROS_PER_MINUTE) / MICROS_PER_SECOND) as i32),
    ];
    for (name, f) in time_fields {
        r.scalar(simple(name, &[Want::AnyTimestamp], DataType::Int32, false, time_field(f)));
    }
}

fn register_now(r: &mut FunctionRegistry) {
    for name in ["current_timestamp", "now", "localtimestamp", "current_date", "curdate", "current_timezone"] {
        let ret = match name {
            "current_date" | "curdate" => DataType::Date32,
            "current_timezone" => DataType::Utf8,
            "localtimestamp" => timestamp_ntz_type(),
            _ => timestamp_type(),
        };
        let mut f = func(
            name,
            move |f, args| {
                check_arg_count(f.name, args, 0, 0)?;
                Ok(Signature { arg_types: vec![], return_type: ret.clone(), nullable: false })
            },
            move |_args, _n, ctx| {
                let tz = ctx.time_zone;
                let arr: ArrayRef = match name {
                    "current_date" | "curdate" => {
                        date_array([days_to_i32(utc_to_local(ctx.now_micros, &tz).div_euclid(MICROS_PER_DAY))])
                    }
                    "current_timezone" => Arc::new(StringArray::from(vec![tz.name()])),
                    "localtimestamp" => ntz_array([Some(utc_to_local(ctx.now_micros, &tz))]),
                    _ => ts_array([Some(ctx.now_micros)]),
                };
                Ok(ColumnarValue::Scalar(arr))
            },
        );
        f.deterministic = false;
        if name == "curdate" {
            f.display = |_, _| "current_date()".to_string();
        }
        r.scalar(f);
    }
}

fn register_arithmetic(r: &mut FunctionRegistry) {
    for (name, sign) in [("date_add", 1i32), ("date_sub", -1i32)] {
        r.scalar(simple(name, &[Want::Date, Want::Int], DataType::Date32, false, move |args, n, _| {
            let (arr, scalar) =
                map2::<Date32Type, Int32Type, Date32Type>(args, n, |d, k| Some(d.wrapping_add(k.wrapping_mul(sign))))?;
            Ok(wrap(Arc::new(arr), scalar))
        }));
    }
    r.alias("dateadd", "date_add");
    for name in ["datediff", "date_diff"] {
        r.scalar(simple(name, &[Want::Date, Want::Date], DataType::Int32, false, |args, n, _| {
            let (arr, scalar) = map2::<Date32Type, Date32Type, Int32Type>(args, n, |a, b| Some(a.wrapping_sub(b)))?;
            Ok(wrap(Arc::new(arr), scalar))
        }));
    }
    r.scalar(simple("add_months", &[Want::Date, Want::Int], DataType::Date32, false, |args, n, _| {
        let (len, scalar) = out_len(args, n);
        let d = Prim::<Date32Type>::new(&args[0])?;
        let m = Prim::<Int32Type>::new(&args[1])?;
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            out.push(match (d.get(i), m.get(i)) {
                (Some(d), Some(m)) => Some(add_months_days(d, m)?),
                _ => None,
            });
        }
        Ok(wrap(date_array(out), scalar))
    }));
    let mut mb = func(
        "months_between",
        |f, args| {
            check_arg_count(f.name, args, 2, 3)?;
            sig(f, args, &[Want::Timestamp, Want::Timestamp, Want::Bool], DataType::Float64, false)
        },
        |args, n, ctx| {
            let (len, scalar) = out_len(args, n);
            let a = Prim::<TimestampMicrosecondType>::new(&args[0])?;
            let b = Prim::<TimestampMicrosecondType>::new(&args[1])?;
            let round = match args.get(2) {
                Some(v) => {
                    let (arr, s) = array_of(v);
                    let arr = arr
                        .as_any()
                        .downcast_ref::<BooleanArray>()
                        .ok_or_else(|| EmberError::execution("months_between: roundOff must be boolean"))?;
                    Some((arr.clone(), s))
                }
                None => None,
            };
            let tz = ctx.time_zone;
            let out: PrimitiveArray<Float64Type> = (0..len)
                .map(|i| {
                    let r = match &round {
                        Some((arr, s)) => {
                            let j = if *s { 0 } else { i };
                            if arr.is_null(j) {
                                return None;
                            }
                            arr.value(j)
                        }
                        None => true,
                    };
                    Some(months_between(a.get(i)?, b.get(i)?, r, &tz))
                })
                .collect();
            Ok(wrap(Arc::new(out), scalar))
        },
    );
    mb.display = months_between_name;
    r.scalar(mb);
    r.scalar(simple("last_day", &[Want::Date], DataType::Date32, false, |args, n, _| {
        let (arr, scalar) = map1::<Date32Type, Date32Type>(args, n, |d| {
            let (y, m, _) = civil_from_days(d as i64);
            days_to_i32(days_from_civil(y, m, days_in_month(y, m)))
        })?;
        Ok(wrap(Arc::new(arr), scalar))
    }));
    r.scalar(simple("next_day", &[Want::Date, Want::Str], DataType::Date32, true, |args, n, _| {
        let (len, scalar) = out_len(args, n);
        let d = Prim::<Date32Type>::new(&args[0])?;
        let s = Str::new(&args[1])?;
        let out = (0..len).map(|i| {
            let day = d.get(i)? as i64;
            let target = day_of_week_from_string(s.get(i)?)? as i64;
            let delta = (target - weekday_from_days(day) as i64 + 6).rem_euclid(7) + 1;
            days_to_i32(day + delta)
        });
        Ok(wrap(date_array(out), scalar))
    }));
    r.scalar(simple("date_trunc", &[Want::Str, Want::Timestamp], timestamp_type(), true, |args, n, ctx| {
        let (len, scalar) = out_len(args, n);
        let fmt = Str::new(&args[0])?;
        let ts = Prim::<TimestampMicrosecondType>::new(&args[1])?;
        let tz = ctx.time_zone;
        let out = (0..len).map(|i| Some(trunc_timestamp(ts.get(i)?, trunc_level(fmt.get(i)?)?, &tz)));
        Ok(wrap(ts_array(out), scalar))
    }));
    r.scalar(simple("trunc", &[Want::Date, Want::Str], DataType::Date32, true, |args, n, _| {
        let (len, scalar) = out_len(args, n);
        let d = Prim::<Date32Type>::new(&args[0])?;
        let fmt = Str::new(&args[1])?;
        let out = (0..len).map(|i| {
            let level = trunc_level(fmt.get(i)?)?;
            if !matches!(level, TruncLevel::Week | TruncLevel::Month | TruncLevel::Quarter | TruncLevel::Year) {
                return None;
            }
            days_to_i32(trunc_days(d.get(i)? as i64, level))
        });
        Ok(wrap(date_array(out), scalar))
    }));
    r.scalar(simple("from_utc_timestamp", &[Want::Timestamp, Want::Str], timestamp_type(), false, |args, n, _| {
        convert_zone(args, n, false)
    }));
    r.scalar(simple("to_utc_timestamp", &[Want::Timestamp, Want::Str], timestamp_type(), false, |args, n, _| {
        convert_zone(args, n, true)
    }));
}

fn register_epoch(r: &mut FunctionRegistry) {
    r.scalar(func(
        "timestamp_seconds",
        |f, args| {
            check_arg_count(f.name, args, 1, 1)?;
            let t = if crate::types::is_integral(&args[0].data_type) {
                DataType::Int64
            } else {
                coerce(f, args, 0, Want::Double)?
            };
            Ok(Signature { arg_types: vec![t], return_type: timestamp_type(), nullable: args[0].nullable })
        },
        |args, n, _| {
            let (len, scalar) = out_len(args, n);
            let out: Vec<Option<i64>> = if matches!(args[0].data_type(), DataType::Int64) {
                let a = Prim::<Int64Type>::new(&args[0])?;
                (0..len)
                    .map(|i| {
                        a.get(i)
                            .map(|s| s.checked_mul(MICROS_PER_SECOND).ok_or_else(|| datetime_overflow(s, "seconds")))
                            .transpose()
                    })
                    .collect::<Result<_>>()?
            } else {
                let a = Prim::<Float64Type>::new(&args[0])?;
                (0..len).map(|i| a.get(i).and_then(double_seconds_to_micros)).collect()
            };
            Ok(wrap(ts_array(out), scalar))
        },
    ));
    for (name, factor) in [("timestamp_millis", 1000i64), ("timestamp_micros", 1i64)] {
        r.scalar(simple(name, &[Want::Long], timestamp_type(), false, move |args, n, _| {
            let (len, scalar) = out_len(args, n);
            let a = Prim::<Int64Type>::new(&args[0])?;
            let out = (0..len)
                .map(|i| {
                    a.get(i)
                        .map(|v| v.checked_mul(factor).ok_or_else(|| datetime_overflow(v, "milliseconds")))
                        .transpose()
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(wrap(ts_array(out), scalar))
        }));
    }
    for (name, div) in [("unix_seconds", MICROS_PER_SECOND), ("unix_millis", 1000i64), ("unix_micros", 1i64)] {
        r.scalar(simple(name, &[Want::TimestampOnly], DataType::Int64, false, move |args, n, _| {
            let (arr, scalar) = map1::<TimestampMicrosecondType, Int64Type>(args, n, |v| Some(v.div_euclid(div)))?;
            Ok(wrap(Arc::new(arr), scalar))
        }));
    }
    r.scalar(simple("date_from_unix_date", &[Want::Int], DataType::Date32, false, |args, n, _| {
        let (arr, scalar) = map1::<Int32Type, Date32Type>(args, n, Some)?;
        Ok(wrap(Arc::new(arr), scalar))
    }));
    r.scalar(simple("make_date", &[Want::Int, Want::Int, Want::Int], DataType::Date32, true, |args, n, _| {
        let (len, scalar) = out_len(args, n);
        let (y, m, d) =
            (Prim::<Int32Type>::new(&args[0])?, Prim::<Int32Type>::new(&args[1])?, Prim::<Int32Type>::new(&args[2])?);
        let out = (0..len).map(|i| {
            let (y, m, d) = (y.get(i)?, m.get(i)?, d.get(i)?);
            if m < 1 || d < 1 {
                return None;
            }
            days_to_i32(crate::types::datetime_pattern::checked_days(y as i64, m as u32, d as u32)?)
        });
        Ok(wrap(date_array(out), scalar))
    }));
    for name in ["make_timestamp", "make_timestamp_ltz", "make_timestamp_ntz"] {
        let ntz = name == "make_timestamp_ntz";
        r.scalar(func(
            name,
            move |f, args| {
                check_arg_count(f.name, args, 6, if ntz { 6 } else { 7 })?;
                let wants = [Want::Int, Want::Int, Want::Int, Want::Int, Want::Int, Want::Double, Want::Str];
                let ret = if ntz { timestamp_ntz_type() } else { timestamp_type() };
                sig(f, args, &wants[..args.len()], ret, true)
            },
            move |args, n, ctx| make_timestamp(args, n, ctx, ntz),
        ));
    }
    let mut convert = func(
        "convert_timezone",
        |f, args| {
            check_arg_count(f.name, args, 2, 3)?;
            let mut wants = vec![Want::Str; args.len() - 1];
            wants.push(Want::AnyTimestamp);
            let mut s = sig(f, args, &wants, timestamp_ntz_type(), false)?;
            // The source is read as wall-clock time: a TIMESTAMP is cast to TIMESTAMP_NTZ first.
            *s.arg_types.last_mut().unwrap() = timestamp_ntz_type();
            Ok(s)
        },
        convert_timezone,
    );
    // Spark fills in the session zone as the source when it is left out, and names the column with it.
    convert.display = |name, args| match args {
        [target, ts] => format!("{name}(current_timezone(), {target}, {ts})"),
        _ => plain_name(name, args),
    };
    r.scalar(convert);
}

/// `convert_timezone([sourceTz, ]targetTz, ts)`: wall clock in the source zone (default the session's) to wall
/// clock in the target zone.
fn convert_timezone(args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
    let (len, scalar) = out_len(args, num_rows);
    let k = args.len();
    let ts = Prim::<TimestampMicrosecondType>::new(&args[k - 1])?;
    let target = Str::new(&args[k - 2])?;
    let source = if k == 3 { Some(Str::new(&args[0])?) } else { None };
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let (Some(v), Some(t)) = (ts.get(i), target.get(i)) else {
            out.push(None);
            continue;
        };
        let from = match &source {
            Some(s) => match s.get(i) {
                Some(name) => zone_arg(name)?,
                None => {
                    out.push(None);
                    continue;
                }
            },
            None => Zone::Region(ctx.time_zone),
        };
        let to = zone_arg(t)?;
        let instant = from.local_to_utc(v);
        out.push(Some(instant + to.offset_at_utc(instant) * MICROS_PER_SECOND));
    }
    Ok(wrap(ntz_array(out), scalar))
}

/// Fields of `extract`/`date_part`.
#[derive(Clone, Copy, PartialEq, Debug)]
enum ExtractField {
    Year,
    YearOfWeek,
    Quarter,
    Month,
    Week,
    Day,
    DayOfWeek,
    DayOfWeekIso,
    DayOfYear,
    Hour,
    Minute,
    Second,
}

fn extract_field(s: &str) -> Option<ExtractField> {
    use ExtractField::*;
    Some(match s.trim().to_ascii_uppercase().as_str() {
        "YEAR" | "Y" | "YEARS" | "YR" | "YRS" => Year,
        "YEAROFWEEK" => YearOfWeek,
        "QUARTER" | "QTR" => Quarter,
        "MONTH" | "MON" | "MONS" | "MONTHS" => Month,
        "WEEK" | "W" | "WEEKS" => Week,
        "DAY" | "D" | "DAYS" | "DAYOFMONTH" => Day,
        "DAYOFWEEK" | "DOW" => DayOfWeek,
        "DAYOFWEEK_ISO" | "DOW_ISO" => DayOfWeekIso,
        "DOY" => DayOfYear,
        "HOUR" | "H" | "HOURS" | "HR" | "HRS" => Hour,
        "MINUTE" | "M" | "MIN" | "MINS" | "MINUTES" => Minute,
        "SECOND" | "S" | "SEC" | "SECONDS" | "SECS" => Second,
        _ => return None,
    })
}

fn literal_str(a: &ArgInfo) -> Option<String> {
    let lit = a.literal.as_ref()?;
    let s = lit.as_any().downcast_ref::<StringArray>()?;
    (!s.is_null(0)).then(|| s.value(0).to_string())
}

fn resolve_extract(f: &DateTimeFunction, args: &[ArgInfo]) -> Result<Signature> {
    check_arg_count(f.name, args, 2, 2)?;
    let name = literal_str(&args[0]).unwrap_or_else(|| args[0].sql.clone());
    let Some(field) = extract_field(&name) else {
        return Err(EmberError::analysis_class(
            "INVALID_EXTRACT_FIELD",
            format!("Cannot extract `{name}` from \"{}\". SQLSTATE: 42601", args[1].sql),
        ));
    };
    use ExtractField::*;
    let (want, ret) = match field {
        Hour | Minute => (Want::AnyTimestamp, DataType::Int32),
        Second => (Want::AnyTimestamp, DataType::Decimal128(8, 6)),
        _ => (Want::Date, DataType::Int32),
    };
    let source = coerce(f, args, 1, want)?;
    Ok(Signature { arg_types: vec![DataType::Utf8, source], return_type: ret, nullable: args[1].nullable })
}

fn invoke_extract(args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
    let field = Str::new(&args[0])?.get(0).and_then(extract_field);
    let Some(field) = field else {
        return Err(EmberError::execution("extract: the field must be a literal"));
    };
    use ExtractField::*;
    let date_fn: fn(i64) -> i32 = match field {
        Year => |d| civil_from_days(d).0 as i32,
        YearOfWeek => |d| civil_from_days(d - weekday_from_days(d) as i64 + 3).0 as i32,
        Quarter => |d| ((civil_from_days(d).1 - 1) / 3 + 1) as i32,
        Month => |d| civil_from_days(d).1 as i32,
        Week => iso_week,
        Day => |d| civil_from_days(d).2 as i32,
        DayOfWeek => |d| ((weekday_from_days(d) + 1) % 7 + 1) as i32,
        DayOfWeekIso => |d| weekday_from_days(d) as i32 + 1,
        DayOfYear => |d| {
            let (y, m, day) = civil_from_days(d);
            crate::types::datetime_pattern::day_of_year(y, m, day) as i32
        },
        Hour => |l| (l.rem_euclid(MICROS_PER_DAY) / MICROS_PER_HOUR) as i32,
        Minute => |l| (l.rem_euclid(MICROS_PER_HOUR) / MICROS_PER_MINUTE) as i32,
        Second => |_| 0,
    };
    let source = &args[1..];
    match field {
        Hour | Minute => time_field(date_fn)(source, num_rows, ctx),
        Second => {
            let ntz = is_ntz(&source[0]);
            let tz = ctx.time_zone;
            let (arr, scalar) =
                map1::<TimestampMicrosecondType, arrow::datatypes::Decimal128Type>(source, num_rows, |v| {
                    Some(local_micros(v, ntz, &tz).rem_euclid(MICROS_PER_MINUTE) as i128)
                })?;
            Ok(wrap(Arc::new(arr.with_precision_and_scale(8, 6)?), scalar))
        }
        _ => date_field(date_fn)(source, num_rows, ctx),
    }
}

fn register_extract(r: &mut FunctionRegistry) {
    for name in ["date_part", "extract", "datepart"] {
        let mut f = func(name, resolve_extract, invoke_extract);
        if name != "date_part" {
            f.display =
                |name, args| format!("{name}({} FROM {})", args[0], args.get(1).map(|s| s.as_str()).unwrap_or(""));
        }
        r.scalar(f);
    }
}

pub fn register(r: &mut FunctionRegistry) {
    register_extract(r);
    r.scalar(window_time::WindowTime);
    r.scalar(func(
        "try_to_timestamp",
        |f, args| resolve_conversion(f, args, Target::Timestamp),
        |args, n, ctx| convert_to(args, n, ctx, Target::Timestamp),
    ));
    register_conversions(r);
    register_fields(r);
    register_now(r);
    register_arithmetic(r);
    register_epoch(r);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::functions::{registry, FunctionDef};
    use crate::types::datetime_pattern::format_timestamp_default;
    use arrow::array::{Date32Array, Float64Array, Int32Array, Int64Array};

    const LA: Tz = Tz::America__Los_Angeles;

    fn lookup(name: &str) -> Arc<dyn ScalarFunction> {
        match registry().get(name) {
            Some(FunctionDef::Scalar(f)) => f.clone(),
            other => panic!("{name}: {other:?}"),
        }
    }

    fn info(sql: &str, dt: DataType) -> ArgInfo {
        ArgInfo { data_type: dt, nullable: true, literal: None, sql: sql.to_string() }
    }

    /// Resolve `name` on args of the given (sql, type); returns (generated name, signature).
    fn resolve(name: &str, args: &[(&str, DataType)]) -> Result<(String, Signature)> {
        let f = lookup(name);
        let infos: Vec<ArgInfo> = args.iter().map(|(s, t)| info(s, t.clone())).collect();
        let sig = f.resolve(&infos)?;
        let sqls: Vec<String> = args.iter().map(|(s, _)| s.to_string()).collect();
        Ok((f.display_name(&sqls), sig))
    }

    fn ctx(tz: Tz) -> EvalContext {
        EvalContext { time_zone: tz, now_micros: 1_704_450_030_123_456, ..Default::default() }
    }

    fn s(v: &str) -> ColumnarValue {
        ColumnarValue::Scalar(Arc::new(StringArray::from(vec![v])))
    }
    fn strs(v: Vec<Option<&str>>) -> ColumnarValue {
        ColumnarValue::Array(Arc::new(StringArray::from(v)))
    }
    fn ts(v: &str, tz: Tz) -> ColumnarValue {
        ColumnarValue::Scalar(ts_array([parse_timestamp_default(v, &tz)]))
    }
    fn date(v: &str) -> ColumnarValue {
        ColumnarValue::Scalar(date_array([parse_date_default(v)]))
    }
    fn int(v: i32) -> ColumnarValue {
        ColumnarValue::Scalar(Arc::new(Int32Array::from(vec![v])))
    }
    fn long(v: i64) -> ColumnarValue {
        ColumnarValue::Scalar(Arc::new(Int64Array::from(vec![v])))
    }

    fn call(name: &str, args: &[ColumnarValue], tz: Tz) -> Result<ArrayRef> {
        let n = if all_scalar(args) {
            1
        } else {
            args.iter().map(|a| a.clone().into_array(1).unwrap().len()).max().unwrap()
        };
        lookup(name).invoke(args, n, &ctx(tz))?.into_array(n)
    }

    /// The first value rendered as Spark's `CAST(x AS STRING)` would (None for null).
    fn show(a: &ArrayRef, tz: Tz) -> Option<String> {
        if a.is_null(0) {
            return None;
        }
        Some(match a.data_type() {
            DataType::Timestamp(_, Some(_)) => {
                format_timestamp_default(a.as_any().downcast_ref::<TimestampMicrosecondArray>().unwrap().value(0), &tz)
            }
            DataType::Timestamp(_, None) => crate::types::datetime_pattern::format_timestamp_ntz_default(
                a.as_any().downcast_ref::<TimestampMicrosecondArray>().unwrap().value(0),
            ),
            DataType::Date32 => crate::types::datetime_pattern::format_date_default(
                a.as_any().downcast_ref::<Date32Array>().unwrap().value(0),
            ),
            DataType::Int32 => a.as_any().downcast_ref::<Int32Array>().unwrap().value(0).to_string(),
            DataType::Int64 => a.as_any().downcast_ref::<Int64Array>().unwrap().value(0).to_string(),
            DataType::Float64 => a.as_any().downcast_ref::<Float64Array>().unwrap().value(0).to_string(),
            DataType::Utf8 => a.as_any().downcast_ref::<StringArray>().unwrap().value(0).to_string(),
            other => panic!("{other}"),
        })
    }

    fn one(name: &str, args: &[ColumnarValue], tz: Tz) -> Option<String> {
        show(&call(name, args, tz).unwrap(), tz)
    }

    #[test]
    fn generated_names_and_types_match_spark() {
        let ts_t = timestamp_type();
        let cases: Vec<(&str, Vec<(&str, DataType)>, &str, DataType)> = vec![
            ("to_timestamp", vec![("s", DataType::Utf8)], "to_timestamp(s)", ts_t.clone()),
            (
                "to_timestamp",
                vec![("s", DataType::Utf8), ("yyyy-MM-dd HH:mm:ss.SSSSSS", DataType::Utf8)],
                "to_timestamp(s, yyyy-MM-dd HH:mm:ss.SSSSSS)",
                ts_t.clone(),
            ),
            ("to_timestamp_ntz", vec![("s", DataType::Utf8)], "to_timestamp_ntz(s)", timestamp_ntz_type()),
            ("to_date", vec![("s", DataType::Utf8)], "to_date(s)", DataType::Date32),
            (
                "date_format",
                vec![("ts", ts_t.clone()), ("yyyy-MM-dd", DataType::Utf8)],
                "date_format(ts, yyyy-MM-dd)",
                DataType::Utf8,
            ),
            ("year", vec![("ts", ts_t.clone())], "year(ts)", DataType::Int32),
            ("day", vec![("ts", ts_t.clone())], "day(ts)", DataType::Int32),
            ("hour", vec![("dt", DataType::Date32)], "hour(dt)", DataType::Int32),
            ("unix_timestamp", vec![], "unix_timestamp(current_timestamp(), yyyy-MM-dd HH:mm:ss)", DataType::Int64),
            ("unix_timestamp", vec![("s", DataType::Utf8)], "unix_timestamp(s, yyyy-MM-dd HH:mm:ss)", DataType::Int64),
            (
                "to_unix_timestamp",
                vec![("s", DataType::Utf8)],
                "to_unix_timestamp(s, yyyy-MM-dd HH:mm:ss)",
                DataType::Int64,
            ),
            ("from_unixtime", vec![("t", DataType::Int64)], "from_unixtime(t, yyyy-MM-dd HH:mm:ss)", DataType::Utf8),
            (
                "from_unixtime",
                vec![("t", DataType::Int64), ("yyyy", DataType::Utf8)],
                "from_unixtime(t, yyyy)",
                DataType::Utf8,
            ),
            ("date_add", vec![("dt", DataType::Date32), ("3", DataType::Int32)], "date_add(dt, 3)", DataType::Date32),
            ("dateadd", vec![("dt", DataType::Date32), ("1", DataType::Int32)], "date_add(dt, 1)", DataType::Date32),
            ("date_sub", vec![("d", DataType::Utf8), ("3", DataType::Int32)], "date_sub(d, 3)", DataType::Date32),
            ("datediff", vec![("dt", DataType::Date32), ("d", DataType::Utf8)], "datediff(dt, d)", DataType::Int32),
            ("date_diff", vec![("dt", DataType::Date32), ("d", DataType::Utf8)], "date_diff(dt, d)", DataType::Int32),
            (
                "months_between",
                vec![("ts", ts_t.clone()), ("dt", DataType::Date32)],
                "months_between(ts, dt, true)",
                DataType::Float64,
            ),
            (
                "months_between",
                vec![("ts", ts_t.clone()), ("dt", DataType::Date32), ("false", DataType::Boolean)],
                "months_between(ts, dt, false)",
                DataType::Float64,
            ),
            (
                "next_day",
                vec![("dt", DataType::Date32), ("Mon", DataType::Utf8)],
                "next_day(dt, Mon)",
                DataType::Date32,
            ),
            ("date_trunc", vec![("HOUR", DataType::Utf8), ("ts", ts_t.clone())], "date_trunc(HOUR, ts)", ts_t.clone()),
            ("trunc", vec![("dt", DataType::Date32), ("MM", DataType::Utf8)], "trunc(dt, MM)", DataType::Date32),
            (
                "from_utc_timestamp",
                vec![("ts", ts_t.clone()), ("America/Los_Angeles", DataType::Utf8)],
                "from_utc_timestamp(ts, America/Los_Angeles)",
                ts_t.clone(),
            ),
            ("timestamp_seconds", vec![("t", DataType::Int64)], "timestamp_seconds(t)", ts_t.clone()),
            ("unix_micros", vec![("ts", ts_t.clone())], "unix_micros(ts)", DataType::Int64),
            ("unix_date", vec![("dt", DataType::Date32)], "unix_date(dt)", DataType::Int32),
            ("date_from_unix_date", vec![("19000", DataType::Int32)], "date_from_unix_date(19000)", DataType::Date32),
            (
                "make_date",
                vec![("2024", DataType::Int32), ("2", DataType::Int32), ("30", DataType::Int32)],
                "make_date(2024, 2, 30)",
                DataType::Date32,
            ),
            ("current_timezone", vec![], "current_timezone()", DataType::Utf8),
            ("current_date", vec![], "current_date()", DataType::Date32),
            ("current_timestamp", vec![], "current_timestamp()", ts_t.clone()),
            ("now", vec![], "now()", ts_t.clone()),
        ];
        for (name, args, want_name, want_type) in cases {
            let (got_name, sig) = resolve(name, &args).unwrap();
            assert_eq!(got_name, want_name);
            assert_eq!(sig.return_type, want_type, "{want_name}");
        }
        let (_, sig) = resolve("unix_timestamp", &[]).unwrap();
        assert!(!sig.nullable);
        assert!(!lookup("current_timestamp").deterministic());
        let (_, sig) = resolve("year", &[("s", DataType::Utf8)]).unwrap();
        assert_eq!(sig.arg_types, vec![DataType::Date32]);
        let (_, sig) = resolve("hour", &[("s", timestamp_ntz_type())]).unwrap();
        assert_eq!(sig.arg_types, vec![timestamp_ntz_type()]);
        let (_, sig) = resolve("date_add", &[("d", DataType::Utf8), ("'2'", DataType::Utf8)]).unwrap();
        assert_eq!(sig.arg_types, vec![DataType::Date32, DataType::Int32]);
    }

    #[test]
    fn extract_and_date_part_match_pyspark() {
        let u = Tz::UTC;
        let lit = |v: &str| ArgInfo {
            data_type: DataType::Utf8,
            nullable: false,
            literal: Some(Arc::new(StringArray::from(vec![v])) as ArrayRef),
            sql: v.to_string(),
        };
        let f = lookup("extract");
        let sig = f.resolve(&[lit("second"), info("ts", timestamp_type())]).unwrap();
        assert_eq!(sig.return_type, DataType::Decimal128(8, 6));
        assert_eq!(f.display_name(&["second".into(), "ts".into()]), "extract(second FROM ts)");
        assert_eq!(lookup("datepart").display_name(&["month".into(), "dt".into()]), "datepart(month FROM dt)");
        assert_eq!(lookup("date_part").display_name(&["YEAR".into(), "ts".into()]), "date_part(YEAR, ts)");
        let sig = lookup("date_part").resolve(&[lit("YEAR"), info("ts", timestamp_type())]).unwrap();
        assert_eq!(sig.arg_types, vec![DataType::Utf8, DataType::Date32]);
        assert_eq!(sig.return_type, DataType::Int32);
        let e = lookup("date_part").resolve(&[lit("bogus"), info("ts", timestamp_type())]).unwrap_err();
        assert_eq!(e.message(), "[INVALID_EXTRACT_FIELD] Cannot extract `bogus` from \"ts\". SQLSTATE: 42601");
        let t = || ts("2024-01-05 10:20:30.123456", u);
        let d = || date("2024-01-05");
        for (field, want) in [
            ("YEAR", "2024"),
            ("DOW", "6"),
            ("week", "1"),
            ("DOY", "5"),
            ("quarter", "1"),
            ("dow_iso", "5"),
            ("yearofweek", "2024"),
            ("month", "1"),
        ] {
            assert_eq!(one("date_part", &[s(field), d()], u).as_deref(), Some(want), "{field}");
        }
        assert_eq!(one("date_part", &[s("hour"), t()], u).as_deref(), Some("10"));
        let sec = call("extract", &[s("SECOND"), t()], u).unwrap();
        assert_eq!(sec.data_type(), &DataType::Decimal128(8, 6));
        assert_eq!(sec.as_any().downcast_ref::<arrow::array::Decimal128Array>().unwrap().value(0), 30_123_456);
    }

    #[test]
    fn type_mismatches_give_spark_errors() {
        let e = resolve("date_add", &[("ts", timestamp_type()), ("1.5", DataType::Decimal128(2, 1))]).unwrap_err();
        assert_eq!(
            e.message(),
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"date_add(ts, 1.5)\" due to data type mismatch: The second parameter requires the (\"INT\" or \"SMALLINT\" or \"TINYINT\") type, however \"1.5\" has the type \"DECIMAL(2,1)\". SQLSTATE: 42K09"
        );
        let e = resolve("dayofmonth", &[("1", DataType::Int32)]).unwrap_err();
        assert_eq!(
            e.message(),
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"dayofmonth(1)\" due to data type mismatch: The first parameter requires the \"DATE\" type, however \"1\" has the type \"INT\". SQLSTATE: 42K09"
        );
        let e = resolve("hour", &[("1", DataType::Int32)]).unwrap_err();
        assert!(e.message().contains("requires the \"(TIMESTAMP OR TIMESTAMP WITHOUT TIME ZONE)\" type"));
        assert!(resolve("year", &[]).unwrap_err().message().starts_with("[WRONG_NUM_ARGS.WITHOUT_SUGGESTION]"));
    }

    #[test]
    fn conversions_match_pyspark_in_utc() {
        let u = Tz::UTC;
        let s1 = "2024-01-05 10:20:30.123456";
        assert_eq!(one("to_timestamp", &[s(s1)], u).as_deref(), Some(s1));
        assert_eq!(one("to_timestamp", &[s(s1), s("yyyy-MM-dd HH:mm:ss.SSSSSS")], u).as_deref(), Some(s1));
        assert_eq!(one("to_timestamp_ntz", &[s(s1)], u).as_deref(), Some(s1));
        assert_eq!(one("to_date", &[s(s1)], u).as_deref(), Some("2024-01-05"));
        assert_eq!(one("to_date", &[s(s1), s("yyyy-MM-dd HH:mm:ss.SSSSSS")], u).as_deref(), Some("2024-01-05"));
        assert_eq!(one("to_timestamp", &[s("2024-1-5"), s("yyyy-MM-dd")], u), None);
        assert_eq!(
            one("to_date", &[s("2024-01-05 10:20:30 PST"), s("yyyy-MM-dd HH:mm:ss z")], u).as_deref(),
            Some("2024-01-05")
        );
        assert_eq!(
            one("to_timestamp", &[s("2024-01-05"), s("yyyy-MM-dd[['x']]")], u).as_deref(),
            Some("2024-01-05 00:00:00")
        );
        assert_eq!(one("to_timestamp", &[long(1_700_000_000)], u).as_deref(), Some("2023-11-14 22:13:20"));
        let e = call("to_date", &[s("x"), s("EEE")], u).unwrap_err();
        assert_eq!(e.error_class(), Some("INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION"));
        assert_eq!(
            one("to_timestamp_ntz", &[s("2024-01-05 10:20:30 +0100"), s("yyyy-MM-dd HH:mm:ss Z")], u).as_deref(),
            Some("2024-01-05 10:20:30")
        );
        // A column of texts with a column of patterns.
        let out = call(
            "to_timestamp",
            &[
                strs(vec![Some("2024-01-05"), None, Some("05/01/2024"), Some("bad")]),
                strs(vec![Some("yyyy-MM-dd"), Some("yyyy"), Some("dd/MM/yyyy"), Some("yyyy")]),
            ],
            u,
        )
        .unwrap();
        let out = out.as_any().downcast_ref::<TimestampMicrosecondArray>().unwrap();
        assert_eq!(out.data_type(), &timestamp_type());
        assert_eq!(out.value(0), 1_704_412_800_000_000);
        assert!(out.is_null(1));
        assert_eq!(out.value(2), 1_704_412_800_000_000);
        assert!(out.is_null(3));
    }

    #[test]
    fn fields_and_formats_match_pyspark() {
        let u = Tz::UTC;
        let t = || ts("2024-01-05 10:20:30.123456", u);
        assert_eq!(one("date_format", &[t(), s("yyyy-MM-dd")], u).as_deref(), Some("2024-01-05"));
        let d = || date("2024-01-05");
        for (f, want) in [
            ("year", "2024"),
            ("quarter", "1"),
            ("month", "1"),
            ("dayofmonth", "5"),
            ("day", "5"),
            ("dayofweek", "6"),
            ("weekday", "4"),
            ("dayofyear", "5"),
            ("weekofyear", "1"),
        ] {
            assert_eq!(one(f, &[d()], u).as_deref(), Some(want), "{f}");
        }
        for (f, want) in [("hour", "10"), ("minute", "20"), ("second", "30")] {
            assert_eq!(one(f, &[t()], u).as_deref(), Some(want), "{f}");
        }
        assert_eq!(one("dayofweek", &[date("2024-01-07")], u).as_deref(), Some("1"));
        assert_eq!(one("weekday", &[date("2024-01-07")], u).as_deref(), Some("6"));
        assert_eq!(one("weekofyear", &[date("2024-12-30")], u).as_deref(), Some("1"));
        assert_eq!(one("weekofyear", &[date("2021-01-01")], u).as_deref(), Some("53"));
        assert_eq!(one("unix_timestamp", &[], u).as_deref(), Some("1704450030"));
        assert_eq!(one("unix_timestamp", &[s("2024-01-05 10:20:30.123456")], u), None);
        assert_eq!(one("unix_timestamp", &[s("2024-01-05 10:20:30")], u).as_deref(), Some("1704450030"));
        assert_eq!(one("unix_timestamp", &[s("2024"), s("yyyy")], u).as_deref(), Some("1704067200"));
        assert_eq!(one("unix_timestamp", &[date("2024-01-05")], u).as_deref(), Some("1704412800"));
        assert_eq!(one("from_unixtime", &[long(1_700_000_000)], u).as_deref(), Some("2023-11-14 22:13:20"));
        assert_eq!(one("from_unixtime", &[long(1_700_000_000), s("yyyy")], u).as_deref(), Some("2023"));
        assert_eq!(one("from_unixtime", &[long(-1)], u).as_deref(), Some("1969-12-31 23:59:59"));
        assert_eq!(one("from_unixtime", &[long(0), s("EEE")], u).as_deref(), Some("Thu"));
        let e = call("from_unixtime", &[long(0), s("YYYY")], u).unwrap_err();
        assert_eq!(e.error_class(), Some("INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION"));
        assert_eq!(one("current_timestamp", &[], u).as_deref(), Some("2024-01-05 10:20:30.123456"));
        assert_eq!(one("current_date", &[], u).as_deref(), Some("2024-01-05"));
        assert_eq!(one("current_timezone", &[], LA).as_deref(), Some("America/Los_Angeles"));
    }

    #[test]
    fn date_arithmetic_matches_pyspark() {
        let u = Tz::UTC;
        let dt = || date("2024-03-10");
        assert_eq!(one("date_add", &[dt(), int(3)], u).as_deref(), Some("2024-03-13"));
        assert_eq!(one("date_sub", &[dt(), int(3)], u).as_deref(), Some("2024-03-07"));
        assert_eq!(one("datediff", &[date("2024-03-01"), date("2024-01-05")], u).as_deref(), Some("56"));
        assert_eq!(one("add_months", &[dt(), int(2)], u).as_deref(), Some("2024-05-10"));
        assert_eq!(one("add_months", &[date("2024-01-31"), int(1)], u).as_deref(), Some("2024-02-29"));
        assert_eq!(one("add_months", &[date("2024-01-05"), int(-1)], u).as_deref(), Some("2023-12-05"));
        assert_eq!(
            call("add_months", &[dt(), int(i32::MAX)], u).unwrap_err().message().split(' ').next(),
            Some("[ARITHMETIC_OVERFLOW]")
        );
        let t = || ts("2024-01-05 10:20:30.123456", u);
        let dts = || ts("2024-03-10", u);
        assert_eq!(one("months_between", &[t(), dts()], u).as_deref(), Some("-2.14739023"));
        assert_eq!(one("months_between", &[ts("2024-03-31", u), ts("2024-02-29", u)], u).as_deref(), Some("1"));
        assert_eq!(
            one("months_between", &[ts("2024-01-31 10:00:00", u), ts("2024-03-15", u)], u).as_deref(),
            Some("-1.47043011")
        );
        // Los Angeles: 2024-11-03 01:30 PST vs 2024-03-10 01:30 PST (PySpark: 7.77553763).
        let c = ColumnarValue::Scalar(ts_array([
            parse_timestamp_default("2024-11-03 01:30:00", &LA).map(|v| v + MICROS_PER_HOUR)
        ]));
        assert_eq!(
            one("months_between", &[c.clone(), ts("2024-03-10 01:30:00", LA)], LA).as_deref(),
            Some("7.77553763")
        );
        let no_round = ColumnarValue::Scalar(Arc::new(BooleanArray::from(vec![false])));
        assert_eq!(
            one("months_between", &[c, ts("2024-03-10 01:30:00", LA), no_round], LA).as_deref(),
            Some("7.775537634408602")
        );
        assert_eq!(one("last_day", &[dt()], u).as_deref(), Some("2024-03-31"));
        assert_eq!(one("next_day", &[dt(), s("Mon")], u).as_deref(), Some("2024-03-11"));
        assert_eq!(one("next_day", &[date("2024-01-05"), s("FRIDAY")], u).as_deref(), Some("2024-01-12"));
        assert_eq!(one("next_day", &[date("2024-01-05"), s("fr")], u).as_deref(), Some("2024-01-12"));
        assert_eq!(one("next_day", &[dt(), s("xx")], u), None);
        assert_eq!(one("date_trunc", &[s("HOUR"), t()], u).as_deref(), Some("2024-01-05 10:00:00"));
        assert_eq!(one("date_trunc", &[s("week"), t()], u).as_deref(), Some("2024-01-01 00:00:00"));
        assert_eq!(one("date_trunc", &[s("MILLISECOND"), t()], u).as_deref(), Some("2024-01-05 10:20:30.123"));
        assert_eq!(one("date_trunc", &[s("YY"), t()], u).as_deref(), Some("2024-01-01 00:00:00"));
        assert_eq!(one("date_trunc", &[s("bogus"), t()], u), None);
        assert_eq!(one("trunc", &[dt(), s("MM")], u).as_deref(), Some("2024-03-01"));
        assert_eq!(one("trunc", &[date("2024-01-05"), s("week")], u).as_deref(), Some("2024-01-01"));
        assert_eq!(one("trunc", &[dt(), s("quarter")], u).as_deref(), Some("2024-01-01"));
        assert_eq!(one("trunc", &[dt(), s("DAY")], u), None);
        assert_eq!(
            one("from_utc_timestamp", &[t(), s("America/Los_Angeles")], u).as_deref(),
            Some("2024-01-05 02:20:30.123456")
        );
        assert_eq!(one("to_utc_timestamp", &[t(), s("PST")], u).as_deref(), Some("2024-01-05 18:20:30.123456"));
        assert_eq!(
            one("from_utc_timestamp", &[ts("2024-03-10 10:30:00", u), s("America/Los_Angeles")], u).as_deref(),
            Some("2024-03-10 03:30:00")
        );
        assert_eq!(
            one("to_utc_timestamp", &[ts("2024-03-10 02:30:00", u), s("America/Los_Angeles")], u).as_deref(),
            Some("2024-03-10 10:30:00")
        );
        assert_eq!(
            one("to_utc_timestamp", &[ts("2024-11-03 01:30:00", u), s("America/Los_Angeles")], u).as_deref(),
            Some("2024-11-03 08:30:00")
        );
        let e = call("from_utc_timestamp", &[t(), s("bogus")], u).unwrap_err();
        assert!(e.message().starts_with("[INVALID_TIMEZONE] The timezone: bogus is invalid."));
        assert_eq!(one("timestamp_seconds", &[long(1_700_000_000)], u).as_deref(), Some("2023-11-14 22:13:20"));
        assert_eq!(one("timestamp_millis", &[long(1_700_000_000)], u).as_deref(), Some("1970-01-20 16:13:20"));
        assert_eq!(one("timestamp_micros", &[long(1_700_000_000)], u).as_deref(), Some("1970-01-01 00:28:20"));
        assert_eq!(one("unix_seconds", &[t()], u).as_deref(), Some("1704450030"));
        assert_eq!(one("unix_millis", &[t()], u).as_deref(), Some("1704450030123"));
        assert_eq!(one("unix_micros", &[t()], u).as_deref(), Some("1704450030123456"));
        assert_eq!(one("unix_date", &[dt()], u).as_deref(), Some("19792"));
        assert_eq!(one("date_from_unix_date", &[int(19000)], u).as_deref(), Some("2022-01-08"));
        assert_eq!(one("make_date", &[int(2024), int(2), int(30)], u), None);
        assert_eq!(one("make_date", &[int(2024), int(2), int(29)], u).as_deref(), Some("2024-02-29"));
        let f = |v: f64| ColumnarValue::Scalar(Arc::new(Float64Array::from(vec![v])));
        let mt = |sec: f64| one("make_timestamp", &[int(2024), int(1), int(2), int(3), int(4), f(sec)], u);
        assert_eq!(mt(5.5).as_deref(), Some("2024-01-02 03:04:05.5"));
        assert_eq!(
            one("make_timestamp", &[int(2024), int(1), int(1), int(0), int(0), f(60.0)], u).as_deref(),
            Some("2024-01-01 00:01:00")
        );
        assert_eq!(
            one("make_timestamp", &[int(2024), int(1), int(1), int(0), int(0), f(59.9999999)], u).as_deref(),
            Some("2024-01-01 00:01:00")
        );
        assert_eq!(one("make_timestamp", &[int(2024), int(1), int(1), int(0), int(0), f(60.5)], u), None);
        assert_eq!(
            one("make_timestamp_ntz", &[int(2024), int(1), int(2), int(3), int(4), f(5.5)], LA).as_deref(),
            Some("2024-01-02 03:04:05.5")
        );
        assert_eq!(
            one("make_timestamp_ltz", &[int(2024), int(1), int(2), int(3), int(4), f(5.5)], u).as_deref(),
            Some("2024-01-02 03:04:05.5")
        );
        let ntz = ColumnarValue::Scalar(ntz_array([parse_timestamp_ntz_default("2024-01-05 10:20:30.123456")]));
        assert_eq!(
            one("convert_timezone", &[s("UTC"), s("America/Los_Angeles"), ntz.clone()], u).as_deref(),
            Some("2024-01-05 02:20:30.123456")
        );
        assert_eq!(
            one("convert_timezone", &[s("America/Los_Angeles"), ntz], u).as_deref(),
            Some("2024-01-05 02:20:30.123456")
        );
    }
}

#[cfg(test)]
mod la_tests {
    use super::*;
    use crate::expr::functions::{registry, FunctionDef};
    use crate::types::datetime_pattern::format_timestamp_default;
    use arrow::array::{Float64Array, Int32Array, Int64Array};

    const LA: Tz = Tz::America__Los_Angeles;

    fn call(name: &str, args: &[ColumnarValue]) -> ArrayRef {
        let ctx = EvalContext { time_zone: LA, ..Default::default() };
        match registry().get(name) {
            Some(FunctionDef::Scalar(f)) => f.invoke(args, 1, &ctx).unwrap().into_array(1).unwrap(),
            _ => panic!("{name}"),
        }
    }
    fn ts(v: i64) -> ColumnarValue {
        ColumnarValue::Scalar(ts_array([Some(v)]))
    }
    fn lookup_invoke_err(name: &str, args: &[ColumnarValue]) -> EmberError {
        let ctx = EvalContext { time_zone: LA, ..Default::default() };
        match registry().get(name) {
            Some(FunctionDef::Scalar(f)) => f.invoke(args, 1, &ctx).err().expect("an error"),
            _ => panic!("{name}"),
        }
    }
    fn s(v: &str) -> ColumnarValue {
        ColumnarValue::Scalar(Arc::new(StringArray::from(vec![v])))
    }
    fn int(v: i32) -> ColumnarValue {
        ColumnarValue::Scalar(Arc::new(Int32Array::from(vec![v])))
    }
    fn long(v: i64) -> ColumnarValue {
        ColumnarValue::Scalar(Arc::new(Int64Array::from(vec![v])))
    }
    fn ts_text(a: &ArrayRef) -> String {
        format_timestamp_default(a.as_any().downcast_ref::<TimestampMicrosecondArray>().unwrap().value(0), &LA)
    }
    fn text(a: &ArrayRef) -> String {
        a.as_any().downcast_ref::<StringArray>().unwrap().value(0).to_string()
    }
    fn i32v(a: &ArrayRef) -> i32 {
        a.as_any().downcast_ref::<Int32Array>().unwrap().value(0)
    }
    fn i64v(a: &ArrayRef) -> i64 {
        a.as_any().downcast_ref::<Int64Array>().unwrap().value(0)
    }

    /// Values checked against PySpark 4.3 with spark.sql.session.timeZone=America/Los_Angeles.
    #[test]
    fn dst_behaviour_matches_pyspark() {
        let a = parse_timestamp_default("2024-03-10 01:30:00", &LA).unwrap();
        // c = timestamp'2024-11-03 01:30:00' + interval 1 hour: the second 01:30 (PST).
        let c = parse_timestamp_default("2024-11-03 01:30:00", &LA).unwrap() + MICROS_PER_HOUR;
        assert_eq!(c / MICROS_PER_SECOND, 1_730_626_200);
        assert_eq!(i32v(&call("hour", &[ts(c)])), 1);
        assert_eq!(ts_text(&call("date_trunc", &[s("HOUR"), ts(c)])), "2024-11-03 01:00:00");
        assert_eq!(
            call("date_trunc", &[s("HOUR"), ts(c)])
                .as_any()
                .downcast_ref::<TimestampMicrosecondArray>()
                .unwrap()
                .value(0),
            c - 30 * MICROS_PER_MINUTE
        );
        assert_eq!(ts_text(&call("date_trunc", &[s("WEEK"), ts(c)])), "2024-10-28 00:00:00");
        assert_eq!(ts_text(&call("date_trunc", &[s("MONTH"), ts(c)])), "2024-11-01 00:00:00");
        assert_eq!(ts_text(&call("date_trunc", &[s("DAY"), ts(a + 2 * MICROS_PER_HOUR)])), "2024-03-10 00:00:00");
        assert_eq!(
            text(&call("date_format", &[ts(c), s("yyyy-MM-dd HH:mm:ss z XXX")])),
            "2024-11-03 01:30:00 PST -08:00"
        );
        assert_eq!(
            text(&call("date_format", &[ts(a + MICROS_PER_HOUR), s("yyyy-MM-dd HH:mm:ss zzzz O")])),
            "2024-03-10 03:30:00 Pacific Daylight Time GMT-7"
        );
        assert_eq!(i64v(&call("unix_timestamp", &[s("2024-03-10 02:30:00")])), 1_710_066_600);
        assert_eq!(text(&call("from_unixtime", &[long(1_730_622_600)])), "2024-11-03 01:30:00");
        assert_eq!(
            text(&call("from_unixtime", &[long(0), s("yyyy-MM-dd HH:mm:ss VV")])),
            "1969-12-31 16:00:00 America/Los_Angeles"
        );
        assert_eq!(ts_text(&call("from_utc_timestamp", &[ts(a), s("Asia/Kolkata")])), "2024-03-10 08:00:00");
        assert_eq!(ts_text(&call("from_utc_timestamp", &[ts(a), s("+05:30")])), "2024-03-10 08:00:00");
        assert_eq!(ts_text(&call("to_utc_timestamp", &[ts(a), s("GMT+1")])), "2024-03-10 00:30:00");
        assert_eq!(ts_text(&call("to_utc_timestamp", &[ts(a), s("UTC")])), "2024-03-10 01:30:00");
        let sec = |v: f64| ColumnarValue::Scalar(Arc::new(Float64Array::from(vec![v])));
        let mt = call("make_timestamp", &[int(2024), int(3), int(10), int(2), int(30), sec(0.0)]);
        assert_eq!(ts_text(&mt), "2024-03-10 03:30:00");
        let mt = call("make_timestamp", &[int(2024), int(1), int(1), int(0), int(0), sec(0.0), s("UTC")]);
        assert_eq!(ts_text(&mt), "2023-12-31 16:00:00");
        let ntz = ColumnarValue::Scalar(ntz_array([parse_timestamp_ntz_default("2024-03-10 02:30:00")]));
        assert_eq!(ts_text(&call("to_timestamp", &[ntz.clone()])), "2024-03-10 03:30:00");
        assert_eq!(i32v(&call("hour", &[ntz])), 2);
        assert_eq!(
            ts_text(&call("to_timestamp", &[s("2024-03-10 02:30"), s("yyyy-MM-dd HH:mm")])),
            "2024-03-10 03:30:00"
        );
        assert_eq!(ts_text(&call("timestamp_millis", &[long(1000)])), "1969-12-31 16:00:01");
        assert_eq!(i64v(&call("unix_seconds", &[ts(a)])), 1_710_063_000);
        // unix_timestamp truncates toward zero; Java names war time by today's daylight name.
        assert_eq!(i64v(&call("unix_timestamp", &[ts(-1_776_117_010_933_457)])), -1_776_117_010);
        assert_eq!(i64v(&call("unix_seconds", &[ts(-1_500_000)])), -2);
        assert_eq!(i64v(&call("unix_millis", &[ts(-1_500)])), -2);
        assert_eq!(text(&call("from_unixtime", &[long(i64::MAX)])), "1969-12-31 15:59:59");
        let e = lookup_invoke_err("timestamp_millis", &[long(i64::MAX)]);
        assert_eq!(
            e.message(),
            "[DATETIME_OVERFLOW] Datetime operation overflow: create a TIMESTAMP from 9223372036854775807L milliseconds since the epoch. SQLSTATE: 22008"
        );
        assert_eq!(lookup_invoke_err("timestamp_seconds", &[long(i64::MAX)]).error_class(), Some("DATETIME_OVERFLOW"));
        assert_eq!(
            text(&call("date_format", &[ts(-806_172_268_000_000), s("EEE, d MMM yyyy hh:mm:ss.SSS a z")])),
            "Thu, 15 Jun 1944 12:15:32.000 AM PDT"
        );
        // Before 1883 Los Angeles keeps local mean time (-07:52:58).
        let old = parse_timestamp_default("1500-01-01", &LA).unwrap();
        assert_eq!(i64v(&call("unix_timestamp", &[ts(old)])), -14_831_741_222);
        assert_eq!(text(&call("date_format", &[ts(old), s("yyyy-MM-dd HH:mm:ss XXX")])), "1500-01-01 00:00:00 -07:52");
        assert_eq!(format_timestamp_default(old, &LA), "1500-01-01 00:00:00");
    }
}
