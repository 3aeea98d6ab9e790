//! CAST from STRING (non-ANSI): unparsable or out-of-range text gives NULL — except for day-time intervals, where Spark
//! raises an error.
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, DurationMicrosecondArray, Float32Array,
    Float64Array, PrimitiveArray, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Int16Type, Int32Type, Int64Type, Int8Type};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::types::datetime_pattern;

/// Cast a string column to `to` (any target but STRING and the nested types).
pub fn cast_from_string(strings: &StringArray, to: &DataType, ctx: &EvalContext) -> Result<ArrayRef> {
    Ok(match to {
        DataType::Boolean => Arc::new(strings.iter().map(|s| s.and_then(parse_bool)).collect::<BooleanArray>()),
        DataType::Int8 => integral::<Int8Type>(strings),
        DataType::Int16 => integral::<Int16Type>(strings),
        DataType::Int32 => integral::<Int32Type>(strings),
        DataType::Int64 => integral::<Int64Type>(strings),
        DataType::Float32 => Arc::new(strings.iter().map(|s| s.and_then(parse_f32)).collect::<Float32Array>()),
        DataType::Float64 => Arc::new(strings.iter().map(|s| s.and_then(parse_f64)).collect::<Float64Array>()),
        DataType::Decimal128(p, s) => Arc::new(
            strings
                .iter()
                .map(|v| v.and_then(|v| parse_decimal(v, *p, *s)))
                .collect::<Decimal128Array>()
                .with_precision_and_scale(*p, *s)?,
        ),
        DataType::Date32 => {
            Arc::new(strings.iter().map(|s| s.and_then(datetime_pattern::parse_date_default)).collect::<Date32Array>())
        }
        DataType::Timestamp(_, Some(tz)) => {
            let zone = &ctx.time_zone;
            Arc::new(
                strings
                    .iter()
                    .map(|s| s.and_then(|s| datetime_pattern::parse_timestamp_default(s, zone)))
                    .collect::<TimestampMicrosecondArray>()
                    .with_timezone(tz.clone()),
            )
        }
        DataType::Timestamp(_, None) => Arc::new(
            strings
                .iter()
                .map(|s| s.and_then(datetime_pattern::parse_timestamp_ntz_default))
                .collect::<TimestampMicrosecondArray>(),
        ),
        DataType::Duration(_) => {
            let mut out = Vec::with_capacity(strings.len());
            for s in strings.iter() {
                out.push(s.map(parse_day_time_interval).transpose()?);
            }
            Arc::new(DurationMicrosecondArray::from(out))
        }
        DataType::Binary => {
            // Same bytes, same offsets: reinterpret the buffers instead of copying row by row.
            let (offsets, values, nulls) = strings.clone().into_parts();
            Arc::new(BinaryArray::new(offsets, values, nulls))
        }
        other => {
            return Err(EmberError::not_implemented(format!(
                "CAST from STRING to {}",
                crate::types::simple_string(other).to_uppercase()
            )))
        }
    })
}

/// Spark trims ASCII whitespace and control characters (bytes <= 0x20) before parsing, not Unicode spaces.
fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// `t`, `true`, `y`, `yes`, `1` / `f`, `false`, `n`, `no`, `0`, any case, trimmed.
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = trim(s);
    if t.len() > 5 {
        return None;
    }
    match t.to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn integral<T>(strings: &StringArray) -> ArrayRef
where
    T: ArrowPrimitiveType,
    T::Native: TryFrom<i64>,
{
    let out: PrimitiveArray<T> =
        strings.iter().map(|s| s.and_then(parse_long).and_then(|v| T::Native::try_from(v).ok())).collect();
    Arc::new(out)
}

/// Spark's `UTF8String.toLong`: optional sign, decimal digits, and an optional `.` followed only by digits, which
/// are dropped (`"1.9"` is 1); no exponent, no hex; overflow gives None.
pub fn parse_long(s: &str) -> Option<i64> {
    let b = trim(s).as_bytes();
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate negatively so that i64::MIN parses.
    let mut acc: i64 = 0;
    let mut i = 0;
    while i < digits.len() {
        let c = digits[i];
        i += 1;
        if c == b'.' {
            break;
        }
        if !c.is_ascii_digit() {
            return None;
        }
        acc = acc.checked_mul(10)?.checked_sub((c - b'0') as i64)?;
    }
    if !digits[i..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if neg {
        Some(acc)
    } else {
        acc.checked_neg()
    }
}

/// Spark's special literals (any case, trimmed), then Java's `Double.parseDouble` grammar.
pub fn parse_f64(s: &str) -> Option<f64> {
    let t = trim(s);
    if let Some(v) = special_float(t) {
        return Some(v);
    }
    match java_float_text(t) {
        Some(text) => text.parse::<f64>().ok(),
        None => hex_float(t).map(|(m, e)| m as f64 * 2f64.powi(e / 2) * 2f64.powi(e - e / 2)),
    }
}

/// As [`parse_f64`] but rounded once, straight to `float` (Java's `Float.parseFloat`).
pub fn parse_f32(s: &str) -> Option<f32> {
    let t = trim(s);
    if let Some(v) = special_float(t) {
        return Some(v as f32);
    }
    match java_float_text(t) {
        Some(text) => text.parse::<f32>().ok(),
        // Through f64 (exact for mantissas up to 53 bits), rounded once to f32.
        None => hex_float(t).map(|(m, e)| (m as f64 * 2f64.powi(e / 2) * 2f64.powi(e - e / 2)) as f32),
    }
}

/// Java's hexadecimal float literal (`0x1p3`, `-0X1.8P-1d`): a signed mantissa and a power of two; the binary
/// exponent is mandatory. Mantissa bits past 120 are dropped (no literal that long turns up in practice).
fn hex_float(t: &str) -> Option<(i128, i32)> {
    let body = match t.as_bytes().last()? {
        b'd' | b'D' | b'f' | b'F' => &t[..t.len() - 1],
        _ => t,
    };
    let (neg, body) = match body.as_bytes().first()? {
        b'-' => (true, &body[1..]),
        b'+' => (false, &body[1..]),
        _ => (false, body),
    };
    let body = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X"))?;
    let (significand, exponent) = body.split_once(['p', 'P'])?;
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    if exponent.is_empty() || !exponent.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut exp: i32 = exponent.parse::<i64>().ok()?.clamp(-100_000, 100_000) as i32;
    let (int_part, frac_part) = significand.split_once('.').unwrap_or((significand, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut mantissa: i128 = 0;
    for (i, c) in int_part.chars().chain(frac_part.chars()).enumerate() {
        let d = c.to_digit(16)? as i128;
        let in_frac = i >= int_part.len();
        if mantissa >> 120 == 0 {
            mantissa = mantissa * 16 + d;
            if in_frac {
                exp -= 4;
            }
        } else if !in_frac {
            exp += 4;
        }
    }
    Some((if neg { -mantissa } else { mantissa }, exp))
}

fn special_float(t: &str) -> Option<f64> {
    if t.len() > 9 {
        return None;
    }
    match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        // Java's parser itself takes a signed `NaN` (case-sensitive).
        _ if t == "+NaN" || t == "-NaN" => Some(f64::NAN),
        _ => None,
    }
}

/// The part of a Java float literal that Rust's parser reads identically: digits with an optional point and
/// exponent, with Java's optional `d`/`f` suffix removed. None for anything else (Rust would accept `inf`).
fn java_float_text(t: &str) -> Option<&str> {
    let body = match t.as_bytes().last()? {
        b'd' | b'D' | b'f' | b'F' => &t[..t.len() - 1],
        _ => t,
    };
    let b = body.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let mut mantissa_digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        mantissa_digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            mantissa_digits += 1;
        }
    }
    if mantissa_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    (i == b.len()).then_some(body)
}

/// Java `BigDecimal` text (`-1.5`, `.5`, `5.`, `1e3`, `1.5E-3`) as the unscaled value of DECIMAL(precision, scale),
/// rounded HALF_UP; None when malformed or when it needs more than `precision` digits.
pub fn parse_decimal(s: &str, precision: u8, scale: i8) -> Option<i128> {
    let b = trim(s).as_bytes();
    let (neg, rest) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    // One pass to validate and measure the mantissa; the digits are read again (no allocation) when scaling.
    let mut significant = 0usize;
    let mut frac_len: i64 = 0;
    let mut seen_digit = false;
    let mut i = 0;
    let mut in_frac = false;
    while i < rest.len() {
        let c = rest[i];
        if c.is_ascii_digit() {
            seen_digit = true;
            if significant > 0 || c != b'0' {
                significant += 1;
            }
            if in_frac {
                frac_len += 1;
            }
        } else if c == b'.' && !in_frac {
            in_frac = true;
        } else {
            break;
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    let mantissa = &rest[..i];
    let mut exponent: i64 = 0;
    if i < rest.len() {
        if rest[i] != b'e' && rest[i] != b'E' {
            return None;
        }
        let e = std::str::from_utf8(&rest[i + 1..]).ok()?;
        let e = e.strip_prefix('+').unwrap_or(e);
        if e.is_empty() || !e.trim_start_matches('-').bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        exponent = e.parse::<i64>().ok()?;
    }
    // value = digits * 10^(exponent - frac_len); we want round(value * 10^scale).
    let shift = exponent - frac_len + scale as i64;
    let digits = mantissa.iter().filter(|c| c.is_ascii_digit()).skip_while(|&&c| c == b'0').map(|c| c - b'0');
    let unscaled = scale_digits(digits, significant, shift)?;
    if unscaled >= pow10(precision as u32)? {
        return None;
    }
    Some(if neg { -unscaled } else { unscaled })
}

/// `digits * 10^shift` (the `count` significant digits, most significant first) rounded HALF_UP to an integer;
/// None on i128 overflow.
fn scale_digits(mut digits: impl Iterator<Item = u8>, count: usize, shift: i64) -> Option<i128> {
    if count == 0 {
        return Some(0);
    }
    let keep = count as i64 + shift.min(0);
    let mut acc: i128 = 0;
    for _ in 0..keep.max(0) {
        acc = acc.checked_mul(10)?.checked_add(digits.next()? as i128)?;
    }
    if shift > 0 {
        acc = acc.checked_mul(pow10(u32::try_from(shift).ok()?)?)?;
    } else if keep >= 0 && digits.next().is_some_and(|d| d >= 5) {
        acc += 1;
    }
    Some(acc)
}

/// `CAST(s AS INTERVAL DAY TO SECOND)`: `[+|-]d h:m:s[.n]` or `INTERVAL [+|-]'[+|-]d h:m:s[.n]' DAY TO SECOND` (any
/// case, trimmed), fraction truncated to microseconds. Unlike other casts from strings this fails on bad input,
/// even with ANSI off.
pub fn parse_day_time_interval(s: &str) -> Result<i64> {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = PATTERN.get_or_init(|| {
        let body = r"([+-])?(\d+) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?";
        regex::Regex::new(&format!(r"(?i)^(?:{body}|interval\s+([+-])?'{body}'\s+day\s+to\s+second)$", body = body))
            .expect("interval pattern")
    });
    let unmatched = || {
        EmberError::illegal_argument(format!(
            "[INVALID_INTERVAL_FORMAT.UNMATCHED_FORMAT_STRING_WITH_NOTICE] Error parsing '{s}' to interval. Please \
             ensure that the value provided is in a valid format for defining an interval. You can reference the \
             documentation for the correct format. Interval string does not match day-time format of \
             `[+|-]d h:m:s.n`, `INTERVAL [+|-]'[+|-]d h:m:s.n' DAY TO SECOND` when cast to interval day to second: \
             {s}. Set \"spark.sql.legacy.fromDayTimeString.enabled\" to \"true\" to restore the behavior before Spark \
             3.0. SQLSTATE: 22006"
        ))
    };
    let caps = re.captures(s.trim()).ok_or_else(unmatched)?;
    // Groups 1-6: the bare form; 7: the outer sign of the INTERVAL form; 8-13: its body.
    let base = if caps.get(2).is_some() { 1 } else { 8 };
    let mut negative = caps.get(base).is_some_and(|m| m.as_str() == "-");
    if base == 8 && caps.get(7).is_some_and(|m| m.as_str() == "-") {
        negative = !negative;
    }
    let field = |i: usize, name: &str, max: i64| -> Result<i64> {
        let text = caps.get(base + i).map_or("0", |m| m.as_str());
        let v: i64 = text.parse().map_err(|_| unmatched())?;
        if v > max {
            return Err(EmberError::illegal_argument(format!(
                "requirement failed: {name} {v} outside range [0, {max}]"
            )));
        }
        Ok(v)
    };
    let day = field(1, "day", 106_751_991)?;
    let hour = field(2, "hour", 23)?;
    let minute = field(3, "minute", 59)?;
    let second = field(4, "second", 59)?;
    let micros = caps.get(base + 5).map_or(0, |m| {
        let f = m.as_str();
        let six: String = f.chars().chain(std::iter::repeat('0')).take(6).collect();
        six.parse::<i64>().unwrap_or(0)
    });
    let total = day
        .checked_mul(86_400_000_000)
        .and_then(|v| v.checked_add(((hour * 60 + minute) * 60 + second) * 1_000_000 + micros))
        .ok_or_else(|| EmberError::arithmetic("[ARITHMETIC_OVERFLOW] long overflow. SQLSTATE: 22003"))?;
    Ok(if negative { -total } else { total })
}

/// 10^n as i128, None past 10^38.
pub fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_text_matches_spark() {
        // Captured from PySpark 4.3 (ansi off): CAST(s AS INT/BIGINT/TINYINT).
        assert_eq!(parse_long(" 12 "), Some(12));
        assert_eq!(parse_long("1.5"), Some(1));
        assert_eq!(parse_long("-1.9"), Some(-1));
        assert_eq!(parse_long("1e3"), None);
        assert_eq!(parse_long("+5"), Some(5));
        assert_eq!(parse_long("\t7\n"), Some(7));
        assert_eq!(parse_long("1."), Some(1));
        assert_eq!(parse_long(".5"), Some(0));
        assert_eq!(parse_long("1.5x"), None);
        assert_eq!(parse_long("0x10"), None);
        assert_eq!(parse_long(" "), None);
        assert_eq!(parse_long("- 1"), None);
        assert_eq!(parse_long("12\u{3000}"), None);
        assert_eq!(parse_long("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_long("9223372036854775808"), None);
        assert_eq!(parse_long("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_long("1.9999999999999999999999"), Some(1));
    }

    #[test]
    fn float_text_matches_spark() {
        assert!(parse_f64("nan").unwrap().is_nan());
        assert!(parse_f64(" NaN ").unwrap().is_nan());
        assert!(parse_f64("-NaN").unwrap().is_nan());
        assert_eq!(parse_f64("INF"), Some(f64::INFINITY));
        assert_eq!(parse_f64("-infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(" 1.5 "), Some(1.5));
        assert_eq!(parse_f64("1d"), Some(1.0));
        assert_eq!(parse_f64("1F"), Some(1.0));
        assert_eq!(parse_f64("0x10"), None);
        assert_eq!(parse_f64("1.5abc"), None);
        assert_eq!(parse_f64(""), None);
        assert_eq!(parse_f64("1."), Some(1.0));
        assert_eq!(parse_f64("-.5e-2"), Some(-0.005));
        assert_eq!(parse_f64("1e400"), Some(f64::INFINITY));
        assert_eq!(parse_f64("1e-400"), Some(0.0));
        assert_eq!(parse_f64("1e"), None);
        assert_eq!(parse_f64("e5"), None);
        assert_eq!(parse_f64("1_0"), None);
        // Java's parser takes hexadecimal floats: CAST('0x1p3' AS DOUBLE) = 8.0.
        assert_eq!(parse_f64("0x1p3"), Some(8.0));
        assert_eq!(parse_f64("-0X1.8P-1d"), Some(-0.75));
        assert_eq!(parse_f32("0x.8p1"), Some(1.0));
        assert_eq!(parse_f64("0x10"), None);
        assert_eq!(parse_f64("0xp3"), None);
        assert_eq!(parse_f32("-.5e-2").map(|v| v as f64), Some(-0.004999999888241291));
        assert_eq!(parse_f32("3.4028236e38"), Some(f32::INFINITY));
    }

    #[test]
    fn decimal_text_matches_spark() {
        // CAST(s AS DECIMAL(10,2)) in PySpark 4.3.
        assert_eq!(parse_decimal("1.005", 10, 2), Some(101));
        assert_eq!(parse_decimal("123456789012", 10, 2), None);
        assert_eq!(parse_decimal(" 1.5 ", 10, 2), Some(150));
        assert_eq!(parse_decimal("1e3", 10, 2), Some(100000));
        assert_eq!(parse_decimal("abc", 10, 2), None);
        assert_eq!(parse_decimal("NaN", 10, 2), None);
        assert_eq!(parse_decimal("-0.005", 10, 2), Some(-1));
        assert_eq!(parse_decimal("99999999.995", 10, 2), None);
        assert_eq!(parse_decimal("1.5e-3", 10, 2), Some(0));
        assert_eq!(parse_decimal(".5", 10, 2), Some(50));
        assert_eq!(parse_decimal("5.", 10, 2), Some(500));
        assert_eq!(parse_decimal("+1.25", 10, 2), Some(125));
        assert_eq!(parse_decimal("", 10, 2), None);
        assert_eq!(parse_decimal("Infinity", 10, 2), None);
        assert_eq!(parse_decimal("12345678.994", 10, 2), Some(1234567899));
        assert_eq!(parse_decimal("123", 2, 0), None);
        assert_eq!(
            parse_decimal("1.23456789012345678901234567890123456789", 38, 37),
            Some(12345678901234567890123456789012345679)
        );
        assert_eq!(parse_decimal("1e40", 38, 0), None);
    }

    #[test]
    fn day_time_interval_text_matches_spark() {
        let day = 86_400_000_000i64;
        let t = 2 * 3_600_000_000 + 3 * 60_000_000 + 4_000_000;
        assert_eq!(parse_day_time_interval("1 02:03:04").unwrap(), day + t);
        assert_eq!(parse_day_time_interval("INTERVAL '1 02:03:04' DAY TO SECOND").unwrap(), day + t);
        assert_eq!(parse_day_time_interval("interval -'1 02:03:04.5' day to second").unwrap(), -(day + t + 500_000));
        assert_eq!(parse_day_time_interval(" 1 2:3:4 ").unwrap(), day + t);
        assert_eq!(parse_day_time_interval("1 02:03:04.1234567").unwrap(), day + t + 123_456);
        assert_eq!(parse_day_time_interval("+1 02:03:04").unwrap(), day + t);
        assert_eq!(parse_day_time_interval("-0 00:00:00.000001").unwrap(), -1);
        assert_eq!(parse_day_time_interval("106751991 04:00:54.775807").unwrap(), i64::MAX);
        for bad in ["1", "abc", "1 2:3:4.", "1 02:03", "INTERVAL '1' DAY"] {
            let e = parse_day_time_interval(bad).unwrap_err().message();
            assert!(
                e.starts_with(&format!(
                    "[INVALID_INTERVAL_FORMAT.UNMATCHED_FORMAT_STRING_WITH_NOTICE] Error parsing '{bad}' to interval."
                )),
                "{e}"
            );
        }
        assert_eq!(
            parse_day_time_interval("1").unwrap_err().message(),
            "[INVALID_INTERVAL_FORMAT.UNMATCHED_FORMAT_STRING_WITH_NOTICE] Error parsing '1' to interval. Please ensure \
             that the value provided is in a valid format for defining an interval. You can reference the \
             documentation for the correct format. Interval string does not match day-time format of `[+|-]d h:m:s.n`, \
             `INTERVAL [+|-]'[+|-]d h:m:s.n' DAY TO SECOND` when cast to interval day to second: 1. Set \
             \"spark.sql.legacy.fromDayTimeString.enabled\" to \"true\" to restore the behavior before Spark 3.0. \
             SQLSTATE: 22006"
        );
        assert_eq!(
            parse_day_time_interval("1 24:00:00").unwrap_err().message(),
            "requirement failed: hour 24 outside range [0, 23]"
        );
        assert_eq!(
            parse_day_time_interval("106751992 04:00:54.775807").unwrap_err().message(),
            "requirement failed: day 106751992 outside range [0, 106751991]"
        );
    }

    #[test]
    fn bool_text_matches_spark() {
        for t in ["t", "true", "y", "yes", "1", " TRUE ", "Yes", "\ttrue\n"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["f", "false", "n", "no", "0"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        for n in ["2", "", "tru", "on", "off"] {
            assert_eq!(parse_bool(n), None, "{n}");
        }
    }
}
