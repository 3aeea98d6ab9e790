//! Arrow values to JSON text as Spark's JSON generator writes them (`df.write.json`, `to_json`).
use std::collections::HashMap;
use std::fmt::Write as _;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, IntervalUnit, IntervalYearMonthType, TimeUnit, TimestampMicrosecondType,
};
use chrono::{Offset, TimeZone};
use chrono_tz::Tz;

use super::decode::base64_encode;
use crate::context::EvalContext;
use crate::error::Result;
use crate::types::datetime_pattern::DateTimePattern;
use crate::types::java_float::java_float_string;

/// What the generator needs: the session zone, null-field handling and the datetime formats.
pub struct WriteEnv {
    pub tz: Tz,
    pub ignore_null_fields: bool,
    pub timestamp_format: Option<DateTimePattern>,
    pub timestamp_ntz_format: Option<DateTimePattern>,
    pub date_format: Option<DateTimePattern>,
}

impl WriteEnv {
    /// From options with lower-cased keys.
    pub fn from_map(opts: &HashMap<String, String>, tz: Tz) -> Result<Self> {
        let get = |k: &str| opts.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
        let compile = |k: &str| get(k).map(DateTimePattern::compile).transpose();
        let tz = match get("timezone") {
            Some(z) => super::options::zone_option(z)?,
            None => tz,
        };
        Ok(WriteEnv {
            tz,
            ignore_null_fields: get("ignorenullfields").map(|v| !v.eq_ignore_ascii_case("false")).unwrap_or(true),
            timestamp_format: compile("timestampformat")?,
            timestamp_ntz_format: compile("timestampntzformat")?,
            date_format: compile("dateformat")?,
        })
    }
}

/// A column prepared for writing: the typed array, once downcast.
pub enum ValueWriter<'a> {
    Null,
    Bool(&'a arrow::array::BooleanArray),
    I8(&'a arrow::array::Int8Array),
    I16(&'a arrow::array::Int16Array),
    I32(&'a arrow::array::Int32Array),
    I64(&'a arrow::array::Int64Array),
    F32(&'a arrow::array::Float32Array),
    F64(&'a arrow::array::Float64Array),
    Decimal(&'a arrow::array::Decimal128Array, i8),
    Str(&'a arrow::array::StringArray),
    Bin(&'a arrow::array::BinaryArray),
    Date(&'a arrow::array::Date32Array),
    Ts(&'a arrow::array::TimestampMicrosecondArray, bool),
    DayTime(&'a arrow::array::DurationMicrosecondArray),
    YearMonth(&'a arrow::array::IntervalYearMonthArray),
    List(&'a arrow::array::ListArray, Box<ValueWriter<'a>>),
    Map(&'a arrow::array::MapArray, Box<ValueWriter<'a>>, Box<ValueWriter<'a>>),
    Struct(&'a arrow::array::StructArray, Vec<(String, ValueWriter<'a>)>),
    /// Anything else, through arrow's display.
    Other(&'a dyn Array),
}

impl<'a> ValueWriter<'a> {
    pub fn new(a: &'a dyn Array) -> ValueWriter<'a> {
        match a.data_type() {
            DataType::Null => ValueWriter::Null,
            DataType::Boolean => ValueWriter::Bool(a.as_boolean()),
            DataType::Int8 => ValueWriter::I8(a.as_primitive::<Int8Type>()),
            DataType::Int16 => ValueWriter::I16(a.as_primitive::<Int16Type>()),
            DataType::Int32 => ValueWriter::I32(a.as_primitive::<Int32Type>()),
            DataType::Int64 => ValueWriter::I64(a.as_primitive::<Int64Type>()),
            DataType::Float32 => ValueWriter::F32(a.as_primitive::<Float32Type>()),
            DataType::Float64 => ValueWriter::F64(a.as_primitive::<Float64Type>()),
            DataType::Decimal128(_, s) => ValueWriter::Decimal(a.as_primitive::<Decimal128Type>(), *s),
            DataType::Utf8 => ValueWriter::Str(a.as_string::<i32>()),
            DataType::Binary => ValueWriter::Bin(a.as_binary::<i32>()),
            DataType::Date32 => ValueWriter::Date(a.as_primitive::<Date32Type>()),
            DataType::Timestamp(TimeUnit::Microsecond, tz) => {
                ValueWriter::Ts(a.as_primitive::<TimestampMicrosecondType>(), tz.is_none())
            }
            DataType::Duration(TimeUnit::Microsecond) => {
                ValueWriter::DayTime(a.as_primitive::<DurationMicrosecondType>())
            }
            DataType::Interval(IntervalUnit::YearMonth) => {
                ValueWriter::YearMonth(a.as_primitive::<IntervalYearMonthType>())
            }
            DataType::List(_) => {
                let l = a.as_list::<i32>();
                ValueWriter::List(l, Box::new(ValueWriter::new(l.values().as_ref())))
            }
            DataType::Map(_, _) => {
                let m = a.as_map();
                ValueWriter::Map(
                    m,
                    Box::new(ValueWriter::new(m.keys().as_ref())),
                    Box::new(ValueWriter::new(m.values().as_ref())),
                )
            }
            DataType::Struct(fields) => {
                let s = a.as_struct();
                let children = fields
                    .iter()
                    .zip(s.columns())
                    .map(|(f, c)| (json_string(f.name()), ValueWriter::new(c.as_ref())))
                    .collect();
                ValueWriter::Struct(s, children)
            }
            _ => ValueWriter::Other(a),
        }
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            ValueWriter::Null => true,
            ValueWriter::Bool(a) => a.is_null(i),
            ValueWriter::I8(a) => a.is_null(i),
            ValueWriter::I16(a) => a.is_null(i),
            ValueWriter::I32(a) => a.is_null(i),
            ValueWriter::I64(a) => a.is_null(i),
            ValueWriter::F32(a) => a.is_null(i),
            ValueWriter::F64(a) => a.is_null(i),
            ValueWriter::Decimal(a, _) => a.is_null(i),
            ValueWriter::Str(a) => a.is_null(i),
            ValueWriter::Bin(a) => a.is_null(i),
            ValueWriter::Date(a) => a.is_null(i),
            ValueWriter::Ts(a, _) => a.is_null(i),
            ValueWriter::DayTime(a) => a.is_null(i),
            ValueWriter::YearMonth(a) => a.is_null(i),
            ValueWriter::List(a, _) => a.is_null(i),
            ValueWriter::Map(a, _, _) => a.is_null(i),
            ValueWriter::Struct(a, _) => a.is_null(i),
            ValueWriter::Other(a) => a.is_null(i),
        }
    }

    /// Append value `i` as JSON.
    pub fn write(&self, i: usize, out: &mut String, env: &WriteEnv) {
        if self.is_null(i) {
            out.push_str("null");
            return;
        }
        match self {
            ValueWriter::Null => out.push_str("null"),
            ValueWriter::Bool(a) => out.push_str(if a.value(i) { "true" } else { "false" }),
            ValueWriter::I8(a) => write!(out, "{}", a.value(i)).unwrap(),
            ValueWriter::I16(a) => write!(out, "{}", a.value(i)).unwrap(),
            ValueWriter::I32(a) => write!(out, "{}", a.value(i)).unwrap(),
            ValueWriter::I64(a) => write!(out, "{}", a.value(i)).unwrap(),
            ValueWriter::F32(a) => write_float(a.value(i) as f64, Some(a.value(i)), out),
            ValueWriter::F64(a) => write_float(a.value(i), None, out),
            ValueWriter::Decimal(a, s) => out.push_str(&decimal_string(a.value(i), *s)),
            ValueWriter::Str(a) => push_json_string(a.value(i), out),
            ValueWriter::Bin(a) => {
                out.push('"');
                base64_encode(a.value(i), out);
                out.push('"');
            }
            ValueWriter::Date(a) => {
                let d = a.value(i);
                let s = match &env.date_format {
                    Some(p) => p.format_date(d),
                    None => format_date(d),
                };
                push_json_string(&s, out);
            }
            ValueWriter::Ts(a, ntz) => {
                let t = a.value(i);
                let s = match (ntz, &env.timestamp_format, &env.timestamp_ntz_format) {
                    (false, Some(p), _) => p.format_timestamp(t, &env.tz),
                    (false, None, _) => format_timestamp_iso(t, &env.tz, true),
                    (true, _, Some(p)) => p.format_timestamp(t, &chrono_tz::UTC),
                    (true, _, None) => format_timestamp_iso(t, &chrono_tz::UTC, false),
                };
                push_json_string(&s, out);
            }
            ValueWriter::DayTime(a) => push_json_string(&day_time_interval(a.value(i)), out),
            ValueWriter::YearMonth(a) => {
                let m = a.value(i);
                let sign = if m < 0 { "-" } else { "" };
                let m = (m as i64).abs();
                push_json_string(&format!("INTERVAL '{sign}{}-{}' YEAR TO MONTH", m / 12, m % 12), out);
            }
            ValueWriter::List(a, child) => {
                let offs = a.value_offsets();
                out.push('[');
                for (k, j) in (offs[i] as usize..offs[i + 1] as usize).enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    child.write(j, out, env);
                }
                out.push(']');
            }
            ValueWriter::Map(a, keys, values) => {
                let offs = a.value_offsets();
                out.push('{');
                let mut key = String::new();
                for (k, j) in (offs[i] as usize..offs[i + 1] as usize).enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    key.clear();
                    if let ValueWriter::Str(s) = keys.as_ref() {
                        push_json_string(s.value(j), out);
                    } else {
                        keys.write(j, &mut key, env);
                        if key.starts_with('"') {
                            out.push_str(&key);
                        } else {
                            push_json_string(&key, out);
                        }
                    }
                    out.push(':');
                    values.write(j, out, env);
                }
                out.push('}');
            }
            ValueWriter::Struct(_, children) => write_struct(children, i, out, env),
            ValueWriter::Other(a) => {
                let s = arrow::util::display::array_value_to_string(*a, i).unwrap_or_default();
                push_json_string(&s, out);
            }
        }
    }
}

/// Write row `i` of struct-like columns as an object (null fields skipped when `ignoreNullFields`).
pub fn write_struct(children: &[(String, ValueWriter)], i: usize, out: &mut String, env: &WriteEnv) {
    out.push('{');
    let mut first = true;
    for (name, w) in children {
        if env.ignore_null_fields && w.is_null(i) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(name);
        out.push(':');
        w.write(i, out, env);
    }
    out.push('}');
}

/// Rows of a batch as JSON Lines, as `df.write.json` writes them (options: lower-cased keys).
pub fn write_json_lines_map(batch: &RecordBatch, opts: &HashMap<String, String>, ctx: &EvalContext) -> Result<Vec<u8>> {
    let env = WriteEnv::from_map(opts, ctx.time_zone)?;
    let sep = opts
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("linesep"))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "\n".into());
    let schema = batch.schema();
    let children: Vec<(String, ValueWriter)> = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| (json_string(f.name()), ValueWriter::new(c.as_ref())))
        .collect();
    let mut out = String::with_capacity(batch.num_rows() * 64);
    for i in 0..batch.num_rows() {
        write_struct(&children, i, &mut out, &env);
        out.push_str(&sep);
    }
    Ok(out.into_bytes())
}

fn json_string(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    push_json_string(s, &mut o);
    o
}

/// A JSON string literal with Jackson's escapes (`\"`, `\\`, short control escapes, `\u00XX`).
pub fn push_json_string(s: &str, out: &mut String) {
    out.push('"');
    let b = s.as_bytes();
    let mut run = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: Option<&str> = match c {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0C => Some("\\f"),
            0..=0x1F => Some(""),
            _ => None,
        };
        if let Some(e) = esc {
            out.push_str(&s[run..i]);
            if e.is_empty() {
                write!(out, "\\u{:04X}", c).unwrap();
            } else {
                out.push_str(e);
            }
            run = i + 1;
        }
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// Java's `Double.toString` / `Float.toString` text; NaN and infinities as JSON strings (Jackson quotes them).
fn write_float(x: f64, f: Option<f32>, out: &mut String) {
    if x.is_nan() {
        out.push_str("\"NaN\"");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "\"Infinity\"" } else { "\"-Infinity\"" });
    } else {
        out.push_str(&java_float_string(x, f));
    }
}

/// A decimal's plain text (`BigDecimal.toPlainString`).
pub fn decimal_string(v: i128, scale: i8) -> String {
    if scale <= 0 {
        return v.to_string();
    }
    let neg = v < 0;
    let digits = v.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded =
        if digits.len() <= scale { format!("{}{}", "0".repeat(scale + 1 - digits.len()), digits) } else { digits };
    let (i, f) = padded.split_at(padded.len() - scale);
    format!("{}{i}.{f}", if neg { "-" } else { "" })
}

fn civil(days: i64) -> (i64, u32, u32) {
    let d = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(days);
    use chrono::Datelike;
    (d.year() as i64, d.month(), d.day())
}

fn year_str(y: i64) -> String {
    if y > 9999 {
        format!("+{y}")
    } else if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("{y:04}")
    }
}

/// `yyyy-MM-dd`.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil(days as i64);
    format!("{}-{m:02}-{d:02}", year_str(y))
}

/// `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` (with zone) or `yyyy-MM-dd'T'HH:mm:ss.SSS`, Spark's JSON defaults.
pub fn format_timestamp_iso(micros: i64, tz: &Tz, with_zone: bool) -> String {
    let secs = micros.div_euclid(1_000_000);
    let sub = micros.rem_euclid(1_000_000);
    let utc = chrono::DateTime::from_timestamp(secs, (sub * 1000) as u32).unwrap_or_default();
    let local = tz.from_utc_datetime(&utc.naive_utc());
    let off = local.offset().fix().local_minus_utc();
    let n = local.naive_local();
    use chrono::{Datelike, Timelike};
    let mut s = format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        year_str(n.year() as i64),
        n.month(),
        n.day(),
        n.hour(),
        n.minute(),
        n.second(),
        sub / 1000
    );
    if with_zone {
        if off == 0 {
            s.push('Z');
        } else {
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.abs();
            write!(s, "{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60).unwrap();
            if a % 60 != 0 {
                write!(s, ":{:02}", a % 60).unwrap();
            }
        }
    }
    s
}

fn day_time_interval(us: i64) -> String {
    let sign = if us < 0 { "-" } else { "" };
    let a = (us as i128).abs();
    let days = a / 86_400_000_000;
    let rem = a % 86_400_000_000;
    let (h, m, s, f) = (rem / 3_600_000_000, (rem / 60_000_000) % 60, (rem / 1_000_000) % 60, rem % 1_000_000);
    let mut t = format!("INTERVAL '{sign}{days} {h:02}:{m:02}:{s:02}");
    if f != 0 {
        let frac = format!("{f:06}");
        write!(t, ".{}", frac.trim_end_matches('0')).unwrap();
    }
    t.push_str("' DAY TO SECOND");
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_number_text() {
        assert_eq!(java_float_string(1e10, None), "1.0E10");
        assert_eq!(java_float_string(1e-5, None), "1.0E-5");
        assert_eq!(java_float_string(123456789.0, None), "1.23456789E8");
        assert_eq!(java_float_string(0.1, None), "0.1");
        assert_eq!(java_float_string(1e7, None), "1.0E7");
        assert_eq!(java_float_string(0.001, None), "0.001");
        assert_eq!(java_float_string(-0.0, None), "-0.0");
        assert_eq!(java_float_string(4.9e-324, None), "4.9E-324");
        assert_eq!(java_float_string(1.7976931348623157e308, None), "1.7976931348623157E308");
        assert_eq!(java_float_string(1e-4f32 as f64, Some(1e-4f32)), "1.0E-4");
        assert_eq!(java_float_string(3.4028235e38f32 as f64, Some(3.4028235e38f32)), "3.4028235E38");
        assert_eq!(java_float_string(0.3f32 as f64, Some(0.3f32)), "0.3");
        assert_eq!(java_float_string(1.5, None), "1.5");
        assert_eq!(java_float_string(100.0, None), "100.0");
        assert_eq!(decimal_string(1500, 3), "1.500");
        assert_eq!(decimal_string(-1, 3), "-0.001");
        assert_eq!(decimal_string(100000, 3), "100.000");
    }

    #[test]
    fn timestamps_in_zone() {
        let t = 1704164645123456; // 2024-01-02T03:04:05.123456Z
        assert_eq!(format_timestamp_iso(t, &chrono_tz::UTC, true), "2024-01-02T03:04:05.123Z");
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        assert_eq!(format_timestamp_iso(t, &la, true), "2024-01-01T19:04:05.123-08:00");
        let mut o = HashMap::new();
        o.insert("timezone".to_string(), "America/Los_Angeles".to_string());
        assert_eq!(WriteEnv::from_map(&o, chrono_tz::UTC).unwrap().tz, la);
        assert_eq!(format_timestamp_iso(-1000, &chrono_tz::UTC, true), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_date(-719162), "0001-01-01");
        assert_eq!(day_time_interval(93_784_000_000), "INTERVAL '1 02:03:04' DAY TO SECOND");
    }

    #[test]
    fn string_escapes() {
        let mut s = String::new();
        push_json_string("he\"l\\lo\n\t\u{1}é/", &mut s);
        assert_eq!(s, "\"he\\\"l\\\\lo\\n\\t\\u0001é/\"");
    }
}
