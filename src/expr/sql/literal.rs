//! Spark's typing of SQL literals: numbers by form and suffix (`1` INT, `1.5` DECIMAL(2,1), `1e3` DOUBLE, `1L` …),
//! string escapes, DATE/X'..' literals and day-time intervals.
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryArray, Date32Array, Decimal128Array, DurationMicrosecondArray, Float32Array, Float64Array,
    Int16Array, Int32Array, Int64Array, Int8Array, StringArray, TimestampMicrosecondArray,
};
use sqlparser::ast::DateTimeField;

use super::errors::parse_error;
use crate::error::{EmberError, Result};
use crate::expr::Expr;

fn lit(a: ArrayRef) -> Expr {
    Expr::lit(a)
}

/// Whether `word` right after the number `number` (no space) is one of Spark's literal suffixes.
pub(super) fn is_number_suffix(number: &str, word: &str) -> bool {
    let integral = number.bytes().all(|b| b.is_ascii_digit());
    match word.to_ascii_uppercase().as_str() {
        "L" | "S" | "Y" => integral,
        "D" | "F" | "BD" => true,
        _ => false,
    }
}

fn out_of_range(text: &str, type_name: &str, min: &str, max: &str) -> EmberError {
    parse_error(
        "INVALID_NUMERIC_LITERAL_RANGE",
        format!(
            "Numeric literal {text} is outside the valid range for {type_name} with minimum value of {min} and \
             maximum value of {max}. Please adjust the value accordingly. SQLSTATE: 22003"
        ),
    )
}

/// An exact decimal: unscaled digits and scale, as Java's BigDecimal reads `text` (`1.50` → 150, 2).
fn parse_big_decimal(text: &str) -> Option<(i128, i32, u32)> {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let digits: String = format!("{int_part}{frac_part}");
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    let precision = significant.len().max(1) as u32;
    if precision > 38 {
        return Some((0, 0, precision));
    }
    let unscaled: i128 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
    Some((unscaled, frac_part.len() as i32 - exp, precision))
}

fn decimal_literal(text: &str, negative: bool) -> Result<Expr> {
    let (mut unscaled, mut scale, mut precision) =
        parse_big_decimal(text).ok_or_else(|| parse_error("PARSE_SYNTAX_ERROR", format!("Invalid number {text}")))?;
    if precision > 38 {
        return Err(precision_exceeded(precision));
    }
    // Spark does not keep negative scales: 1e3BD is 1000 with scale 0.
    while scale < 0 {
        unscaled *= 10;
        scale += 1;
        precision += 1;
    }
    // Spark's DecimalType for a BigDecimal: precision at least the scale (0.05 → decimal(2,2)).
    let precision = precision.max(scale as u32);
    if precision > 38 {
        return Err(precision_exceeded(precision));
    }
    let value = if negative { -unscaled } else { unscaled };
    let array = Decimal128Array::from(vec![value]).with_precision_and_scale(precision as u8, scale as i8)?;
    Ok(lit(Arc::new(array)))
}

fn precision_exceeded(precision: u32) -> EmberError {
    EmberError::arithmetic(format!(
        "[DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION] Decimal precision {precision} exceeds max precision 38. \
         SQLSTATE: 22003"
    ))
}

/// A numeric literal as Spark types it; `negative` when a unary minus was folded into it (`-2147483648` is INT).
pub(super) fn number_literal(raw: &str, negative: bool) -> Result<Expr> {
    let upper = raw.to_ascii_uppercase();
    let sign = if negative { "-" } else { "" };
    let shown = format!("{sign}{}", raw.trim_end_matches(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E'));
    if let Some(body) = upper.strip_suffix("BD") {
        return decimal_literal(body, negative);
    }
    let integral = |body: &str, ty: &str, min: i64, max: i64| -> Result<i64> {
        let v: Option<i64> = format!("{sign}{body}").parse().ok();
        match v {
            Some(v) if v >= min && v <= max => Ok(v),
            _ => Err(out_of_range(&shown, ty, &min.to_string(), &max.to_string())),
        }
    };
    if let Some(body) = upper.strip_suffix('L') {
        let v = integral(body, "bigint", i64::MIN, i64::MAX)?;
        return Ok(lit(Arc::new(Int64Array::from(vec![v]))));
    }
    if let Some(body) = upper.strip_suffix('S') {
        let v = integral(body, "smallint", i16::MIN as i64, i16::MAX as i64)?;
        return Ok(lit(Arc::new(Int16Array::from(vec![v as i16]))));
    }
    if let Some(body) = upper.strip_suffix('Y') {
        let v = integral(body, "tinyint", i8::MIN as i64, i8::MAX as i64)?;
        return Ok(lit(Arc::new(Int8Array::from(vec![v as i8]))));
    }
    if let Some(body) = upper.strip_suffix('F') {
        let v: f32 = format!("{sign}{body}").parse().map_err(|_| out_of_range(&shown, "float", "", ""))?;
        if v.is_infinite() {
            return Err(out_of_range(&shown, "float", "-3.4028235E+38", "3.4028235E+38"));
        }
        return Ok(lit(Arc::new(Float32Array::from(vec![v]))));
    }
    let double = |body: &str| -> Result<Expr> {
        let v: f64 = format!("{sign}{body}").parse().map_err(|_| out_of_range(&shown, "double", "", ""))?;
        if v.is_infinite() {
            return Err(out_of_range(&shown, "double", "-1.7976931348623157E+308", "1.7976931348623157E+308"));
        }
        Ok(lit(Arc::new(Float64Array::from(vec![v]))))
    };
    if let Some(body) = upper.strip_suffix('D') {
        return double(body);
    }
    if upper.contains('E') {
        return double(&upper);
    }
    if upper.contains('.') {
        return decimal_literal(&upper, negative);
    }
    // Plain integer: INT if it fits, then BIGINT, then DECIMAL(p,0).
    let text = format!("{sign}{upper}");
    if let Ok(v) = text.parse::<i32>() {
        return Ok(lit(Arc::new(Int32Array::from(vec![v]))));
    }
    if let Ok(v) = text.parse::<i64>() {
        return Ok(lit(Arc::new(Int64Array::from(vec![v]))));
    }
    decimal_literal(&upper, negative)
}

/// Spark's unescaping of a string literal's raw text between `quote`s: `\n`, `\t`, `\u0041`, octal `\101`,
/// `\%`/`\_` kept with their backslash (for LIKE patterns), other `\c` → `c`, and a doubled quote → one quote.
pub fn unescape_spark_string(raw: &str, quote: char) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == quote && chars.get(i + 1) == Some(&quote) {
            out.push(quote);
            i += 2;
            continue;
        }
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = chars[i + 1];
        // \uXXXX, possibly a UTF-16 surrogate pair written as two escapes.
        if n == 'u' && i + 6 <= chars.len() {
            let hex: String = chars[i + 2..i + 6].iter().collect();
            if let Ok(unit) = u16::from_str_radix(&hex, 16) {
                let mut consumed = 6;
                let mut units = vec![unit];
                if (0xD800..0xDC00).contains(&unit)
                    && i + 12 <= chars.len()
                    && chars[i + 6] == '\\'
                    && chars[i + 7] == 'u'
                {
                    let low: String = chars[i + 8..i + 12].iter().collect();
                    if let Ok(l) = u16::from_str_radix(&low, 16) {
                        units.push(l);
                        consumed = 12;
                    }
                }
                out.push_str(&String::from_utf16_lossy(&units));
                i += consumed;
                continue;
            }
        }
        // Three octal digits, the first 0-3.
        if i + 4 <= chars.len()
            && ('0'..='3').contains(&n)
            && ('0'..='7').contains(&chars[i + 2])
            && ('0'..='7').contains(&chars[i + 3])
        {
            let code = (n as u32 - '0' as u32) * 64
                + (chars[i + 2] as u32 - '0' as u32) * 8
                + (chars[i + 3] as u32 - '0' as u32);
            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            i += 4;
            continue;
        }
        match n {
            '0' => out.push('\0'),
            'b' => out.push('\u{8}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'Z' => out.push('\u{1A}'),
            '%' => out.push_str("\\%"),
            '_' => out.push_str("\\_"),
            other => out.push(other),
        }
        i += 2;
    }
    out
}

pub(super) fn string_literal(value: String) -> Expr {
    lit(Arc::new(StringArray::from(vec![value])))
}

fn invalid_typed_literal(type_name: &str, value: &str) -> EmberError {
    parse_error(
        "INVALID_TYPED_LITERAL",
        format!("The value of the typed literal \"{type_name}\" is invalid: '{value}'. SQLSTATE: 42604"),
    )
}

/// `DATE '2024-01-01'`: Spark accepts `yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, optionally followed by ` …` or `T…`.
pub(super) fn date_literal(value: &str) -> Result<Expr> {
    let days = parse_date(value).ok_or_else(|| invalid_typed_literal("DATE", value))?;
    Ok(lit(Arc::new(Date32Array::from(vec![days]))))
}

fn parse_date(value: &str) -> Option<i32> {
    let s = value.trim();
    let date_part = s.split([' ', 'T']).next()?;
    let (negative, body) = match date_part.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date_part.strip_prefix('+').unwrap_or(date_part)),
    };
    let mut fields = body.split('-');
    let y = fields.next()?;
    let m = fields.next().unwrap_or("1");
    let d = fields.next().unwrap_or("1");
    if fields.next().is_some()
        || !(4..=7).contains(&y.len())
        || m.is_empty()
        || m.len() > 2
        || d.is_empty()
        || d.len() > 2
    {
        return None;
    }
    if ![y, m, d].iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(if negative { -year } else { year }, m.parse().ok()?, d.parse().ok()?)?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((date - epoch).num_days() as i32)
}

/// The parts of a Spark timestamp string: `[+-]yyyy[-[m]m[-[d]d]][( |T)[h]h[:[m]m[:[s]s[.fraction]]]][zone]`.
/// Returns the wall-clock time and whether a zone followed; `None` when Spark would reject the text. Time-only
/// strings (`10:00`, `T10:00`, which Spark puts on the current date) are not handled here.
fn parse_timestamp_text(value: &str) -> Option<(chrono::NaiveDateTime, bool)> {
    let s = value.trim();
    let split = s.find([' ', 'T']).unwrap_or(s.len());
    let (date_text, rest) = s.split_at(split);
    if date_text.contains(':') {
        return None;
    }
    let days = parse_date(date_text)?;
    let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)? + chrono::Duration::days(days as i64);
    if rest.is_empty() {
        return Some((date.and_hms_opt(0, 0, 0)?, false));
    }
    let time = &rest[1..];
    let bytes = time.as_bytes();
    let mut pos = 0;
    // Up to two digits per field; at least one.
    let field = |pos: &mut usize| -> Option<u32> {
        let start = *pos;
        while *pos < bytes.len() && *pos - start < 2 && bytes[*pos].is_ascii_digit() {
            *pos += 1;
        }
        if *pos == start {
            return None;
        }
        time[start..*pos].parse().ok()
    };
    let hour = field(&mut pos)?;
    let (mut minute, mut second, mut micros) = (0, 0, 0);
    if bytes.get(pos) == Some(&b':') {
        pos += 1;
        minute = field(&mut pos)?;
        if bytes.get(pos) == Some(&b':') {
            pos += 1;
            second = field(&mut pos)?;
            if bytes.get(pos) == Some(&b'.') {
                pos += 1;
                let start = pos;
                while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                    pos += 1;
                }
                if pos - start > 9 {
                    return None;
                }
                // Nanosecond digits beyond the microsecond are dropped, as Spark does.
                let digits: String = time[start..pos].chars().chain(std::iter::repeat('0')).take(6).collect();
                micros = digits.parse().ok()?;
            }
        }
    }
    let zone = time[pos..].trim_start();
    let zone_ok = zone.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '+' | '-' | ':'));
    if !zone_ok {
        return None;
    }
    let naive = date.and_hms_micro_opt(hour, minute, second, micros)?;
    Some((naive, !zone.is_empty()))
}

/// `TIMESTAMP_NTZ '…'`: the wall-clock time as a `Timestamp(Microsecond, None)` literal (a zone in the text is
/// ignored, as Spark does).
pub(super) fn timestamp_ntz_literal(value: &str) -> Result<Expr> {
    let (naive, _) = parse_timestamp_text(value).ok_or_else(|| invalid_typed_literal("TIMESTAMP_NTZ", value))?;
    let micros = naive.and_utc().timestamp_micros();
    Ok(lit(Arc::new(TimestampMicrosecondArray::from(vec![micros]))))
}

/// Check a `TIMESTAMP '…'` text the way Spark's parser does; the value itself depends on the session time zone.
pub(super) fn check_timestamp_text(value: &str) -> Result<()> {
    let s = value.trim();
    let time_only = s.starts_with('T') || s.find(':').is_some_and(|c| !s[..c].contains('-') && !s[..c].contains(' '));
    if time_only || parse_timestamp_text(value).is_some() {
        return Ok(());
    }
    Err(invalid_typed_literal("TIMESTAMP", value))
}

/// `X'0A1B'`: hex digits to bytes (an odd count gets a leading zero, as Spark's unhex does).
pub(super) fn binary_literal(hex: &str) -> Result<Expr> {
    let padded = if hex.len() % 2 == 1 { format!("0{hex}") } else { hex.to_string() };
    let bytes: Option<Vec<u8>> =
        (0..padded.len()).step_by(2).map(|i| u8::from_str_radix(padded.get(i..i + 2)?, 16).ok()).collect();
    let bytes = bytes.ok_or_else(|| invalid_typed_literal("X", hex))?;
    Ok(lit(Arc::new(BinaryArray::from_vec(vec![bytes.as_slice()]))))
}

const MICROS_PER_SECOND: i64 = 1_000_000;

/// Microseconds in one unit; `None` for year-month units.
fn unit_micros(unit: &DateTimeField) -> Option<i64> {
    Some(match unit {
        DateTimeField::Week(_) => 7 * 86_400 * MICROS_PER_SECOND,
        DateTimeField::Day => 86_400 * MICROS_PER_SECOND,
        DateTimeField::Hour => 3_600 * MICROS_PER_SECOND,
        DateTimeField::Minute => 60 * MICROS_PER_SECOND,
        DateTimeField::Second => MICROS_PER_SECOND,
        DateTimeField::Millisecond => 1_000,
        DateTimeField::Microsecond => 1,
        _ => return None,
    })
}

fn unit_name(unit: &DateTimeField) -> &'static str {
    match unit {
        DateTimeField::Year => "year",
        DateTimeField::Month => "month",
        DateTimeField::Week(_) => "week",
        DateTimeField::Day => "day",
        DateTimeField::Hour => "hour",
        DateTimeField::Minute => "minute",
        DateTimeField::Second => "second",
        DateTimeField::Millisecond => "millisecond",
        DateTimeField::Microsecond => "microsecond",
        _ => "unit",
    }
}

/// The unit of an interval qualifier or of one value/unit pair (plural forms accepted, as Spark does).
pub(super) fn unit_from_word(word: &str) -> Option<DateTimeField> {
    let w = word.to_ascii_lowercase();
    let w = w.strip_suffix('s').unwrap_or(&w);
    Some(match w {
        "year" => DateTimeField::Year,
        "month" => DateTimeField::Month,
        "week" => DateTimeField::Week(None),
        "day" => DateTimeField::Day,
        "hour" => DateTimeField::Hour,
        "minute" => DateTimeField::Minute,
        "second" => DateTimeField::Second,
        "millisecond" => DateTimeField::Millisecond,
        "microsecond" => DateTimeField::Microsecond,
        _ => return None,
    })
}

fn year_month_unsupported() -> EmberError {
    EmberError::not_implemented("year-month interval literals (YEAR, MONTH) are not supported by ember yet")
}

fn interval_format_error(value: &str, detail: &str) -> EmberError {
    parse_error("INVALID_INTERVAL_FORMAT", format!("Error parsing '{value}' to interval. {detail}"))
}

/// `count` units of `micros` each; `count` may carry a fraction (seconds only) with up to 6 digits.
fn scaled(count: &str, unit: &DateTimeField, source: &str) -> Result<i64> {
    let micros = unit_micros(unit).ok_or_else(year_month_unsupported)?;
    let (negative, body) = match count.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, count.strip_prefix('+').unwrap_or(count)),
    };
    let (int_part, frac) = body.split_once('.').unwrap_or((body, ""));
    if !frac.is_empty() && !matches!(unit, DateTimeField::Second) {
        let plural = format!("{}s", unit_name(unit));
        return Err(interval_format_error(source, &format!("{plural} cannot have fractional part.")));
    }
    let bad = || interval_format_error(source, "Interval string does not match the expected format.");
    if int_part.is_empty() && frac.is_empty() || !int_part.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| bad())? };
    let mut frac_micros = 0i64;
    if !frac.is_empty() {
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
        frac_micros = digits.parse().map_err(|_| bad())?;
    }
    let v = whole.checked_mul(micros).and_then(|v| v.checked_add(frac_micros)).ok_or_else(bad)?;
    Ok(if negative { -v } else { v })
}

/// A day-time interval literal as microseconds in an Arrow `Duration(Microsecond)`.
///
/// `leading`/`last` are the qualifier of `INTERVAL '…' DAY TO HOUR`; without them `value` is a unit list
/// (`1 day 2 hours`, also what `INTERVAL 1 DAY 2 HOURS` is normalised to).
pub(super) fn interval_literal(
    value: &str,
    leading: Option<&DateTimeField>,
    last: Option<&DateTimeField>,
) -> Result<Expr> {
    let (micros, start, end) = match (leading, last) {
        (None, _) => {
            let (start, end) = unit_list_fields(value);
            (unit_list_micros(value)?, start, end)
        }
        (Some(unit), None) => (scaled(value.trim(), unit, value)?, field_order(unit), field_order(unit)),
        (Some(from), Some(to)) => (unit_to_unit_micros(value, from, to)?, field_order(from), field_order(to)),
    };
    let Expr::Literal(value) = lit(Arc::new(DurationMicrosecondArray::from(vec![micros]))) else { unreachable!() };
    Ok(Expr::NamedLiteral { value, sql: day_time_interval_sql(micros, start, end) })
}

/// DAY, HOUR, MINUTE, SECOND as 0..=3 (weeks count as days; sub-second units as seconds).
fn field_order(unit: &DateTimeField) -> u8 {
    match unit {
        DateTimeField::Week(_) | DateTimeField::Day => 0,
        DateTimeField::Hour => 1,
        DateTimeField::Minute => 2,
        _ => 3,
    }
}

/// The start and end fields of a unit list (`1 day 2 hours` → DAY TO HOUR).
fn unit_list_fields(value: &str) -> (u8, u8) {
    let units: Vec<u8> = value
        .split_whitespace()
        .skip_while(|w| w.eq_ignore_ascii_case("interval"))
        .skip(1)
        .step_by(2)
        .filter_map(unit_from_word)
        .map(|u| field_order(&u))
        .collect();
    (units.iter().copied().min().unwrap_or(0), units.iter().copied().max().unwrap_or(3))
}

/// Spark's SQL text of a day-time interval of type `start TO end`: `INTERVAL '01' HOUR`, `INTERVAL '1 02' DAY TO
/// HOUR`, `INTERVAL '01.5' SECOND` — the leading field unpadded only for DAY, the others two digits, seconds with
/// their fraction without trailing zeros.
pub fn day_time_interval_sql(micros: i64, start: u8, end: u8) -> String {
    const NAMES: [&str; 4] = ["DAY", "HOUR", "MINUTE", "SECOND"];
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    let per = [86_400_000_000u64, 3_600_000_000, 60_000_000, 1_000_000];
    let mut rest = m;
    let mut text = String::new();
    for f in start..=end {
        let (value, frac) = if f == end {
            let whole = rest / per[f as usize];
            (whole, rest % per[f as usize])
        } else {
            let whole = rest / per[f as usize];
            rest %= per[f as usize];
            (whole, 0)
        };
        let sep = match f {
            _ if f == start => "",
            1 => " ",
            _ => ":",
        };
        text.push_str(sep);
        if f == 0 {
            text.push_str(&value.to_string());
        } else {
            text.push_str(&format!("{value:02}"));
        }
        if f == 3 && frac > 0 {
            let digits = format!("{:06}", frac * 1_000_000 / per[3]);
            text.push('.');
            text.push_str(digits.trim_end_matches('0'));
        }
    }
    let qualifier = if start == end {
        NAMES[start as usize].to_string()
    } else {
        format!("{} TO {}", NAMES[start as usize], NAMES[end as usize])
    };
    format!("INTERVAL '{sign}{text}' {qualifier}")
}

fn unit_list_micros(value: &str) -> Result<i64> {
    let mut words: Vec<&str> = value.split_whitespace().collect();
    if words.first().is_some_and(|w| w.eq_ignore_ascii_case("interval")) {
        words.remove(0);
    }
    if words.is_empty() || words.len() % 2 == 1 {
        return Err(interval_format_error(value, "Interval string does not match the expected format."));
    }
    let units: Vec<DateTimeField> = words
        .chunks(2)
        .map(|p| unit_from_word(p[1]))
        .collect::<Option<_>>()
        .ok_or_else(|| interval_format_error(value, "Invalid unit in the interval string."))?;
    let year_month = units.iter().any(|u| unit_micros(u).is_none());
    if year_month {
        if units.iter().any(|u| unit_micros(u).is_some()) {
            return Err(EmberError::parse(format!(
                "\nCannot mix year-month and day-time fields: interval {}.",
                words.join(" ")
            )));
        }
        return Err(year_month_unsupported());
    }
    let mut total = 0i64;
    for (pair, unit) in words.chunks(2).zip(&units) {
        total = total
            .checked_add(scaled(pair[0], unit, value)?)
            .ok_or_else(|| interval_format_error(value, "The interval value is out of range."))?;
    }
    Ok(total)
}

/// `'[+|-]d h:m:s.f'` and its sub-forms, for `from TO to`.
fn unit_to_unit_micros(value: &str, from: &DateTimeField, to: &DateTimeField) -> Result<i64> {
    let order = |u: &DateTimeField| match u {
        DateTimeField::Day => Some(0),
        DateTimeField::Hour => Some(1),
        DateTimeField::Minute => Some(2),
        DateTimeField::Second => Some(3),
        _ => None,
    };
    let (Some(a), Some(b)) = (order(from), order(to)) else {
        if matches!(from, DateTimeField::Year | DateTimeField::Month) {
            return Err(year_month_unsupported());
        }
        return Err(interval_format_error(value, "Unsupported interval qualifier."));
    };
    let mismatch = || {
        interval_format_error(
            value,
            &format!(
                "Interval string does not match day-time format of {} TO {}.",
                unit_name(from).to_uppercase(),
                unit_name(to).to_uppercase()
            ),
        )
    };
    if a >= b {
        return Err(mismatch());
    }
    let s = value.trim();
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    // Split into the fields from..=to: day is separated by a space, the rest by colons.
    let mut parts: Vec<&str> = Vec::new();
    let rest = if a == 0 {
        let (d, rest) = body.split_once(' ').ok_or_else(mismatch)?;
        parts.push(d);
        rest
    } else {
        body
    };
    parts.extend(rest.split(':'));
    if parts.len() != (b - a + 1) as usize {
        return Err(mismatch());
    }
    let units = [DateTimeField::Day, DateTimeField::Hour, DateTimeField::Minute, DateTimeField::Second];
    let limits = [i64::MAX, 23, 59, 59];
    let mut total = 0i64;
    for (k, part) in parts.iter().enumerate() {
        let idx = a as usize + k;
        if part.is_empty() || part.starts_with(['+', '-']) {
            return Err(mismatch());
        }
        let v = scaled(part, &units[idx], value).map_err(|_| mismatch())?;
        // Fields after the leading one are bounded (minute 0-59 …), as in Spark.
        if k > 0 && v / unit_micros(&units[idx]).unwrap() > limits[idx] {
            return Err(mismatch());
        }
        total = total.checked_add(v).ok_or_else(mismatch)?;
    }
    Ok(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType, Decimal128Type, DurationMicrosecondType, Int32Type, Int64Type};

    fn array(e: Expr) -> ArrayRef {
        match e {
            Expr::Literal(l) | Expr::NamedLiteral { value: l, .. } => l.0,
            other => panic!("not a literal: {other:?}"),
        }
    }

    #[test]
    fn integers_widen_int_bigint_decimal() {
        assert_eq!(array(number_literal("1", false).unwrap()).as_primitive::<Int32Type>().value(0), 1);
        assert_eq!(array(number_literal("2147483648", true).unwrap()).as_primitive::<Int32Type>().value(0), i32::MIN);
        assert_eq!(array(number_literal("2147483648", false).unwrap()).as_primitive::<Int64Type>().value(0), 1 << 31);
        let d = array(number_literal("9223372036854775808", false).unwrap());
        assert_eq!(d.data_type(), &DataType::Decimal128(19, 0));
        assert_eq!(d.as_primitive::<Decimal128Type>().value(0), 9223372036854775808);
    }

    #[test]
    fn decimals_use_bigdecimal_precision() {
        for (text, p, s, v) in
            [("1.5", 2, 1, 15), ("0.5", 1, 1, 5), (".5", 1, 1, 5), ("1.50", 3, 2, 150), ("0.05", 2, 2, 5)]
        {
            let a = array(number_literal(text, false).unwrap());
            assert_eq!(a.data_type(), &DataType::Decimal128(p, s), "{text}");
            assert_eq!(a.as_primitive::<Decimal128Type>().value(0), v, "{text}");
        }
        let a = array(number_literal("1e3BD", false).unwrap());
        assert_eq!(a.data_type(), &DataType::Decimal128(4, 0));
        assert!(matches!(
            number_literal("99999999999999999999999999999999999999.5", false),
            Err(e) if e.kind() == crate::error::ErrorKind::Arithmetic
        ));
    }

    #[test]
    fn suffixes_pick_types() {
        assert_eq!(array(number_literal("1L", false).unwrap()).data_type(), &DataType::Int64);
        assert_eq!(array(number_literal("1S", false).unwrap()).data_type(), &DataType::Int16);
        assert_eq!(array(number_literal("1Y", true).unwrap()).data_type(), &DataType::Int8);
        assert_eq!(array(number_literal("1.5F", false).unwrap()).data_type(), &DataType::Float32);
        assert_eq!(array(number_literal("1e3", false).unwrap()).data_type(), &DataType::Float64);
        let err = number_literal("128Y", false).unwrap_err();
        assert!(
            err.message().contains("Numeric literal 128 is outside the valid range for tinyint"),
            "{}",
            err.message()
        );
        let err = number_literal("1e400", false).unwrap_err();
        assert!(err.message().starts_with("\n[INVALID_NUMERIC_LITERAL_RANGE] Numeric literal 1e400 is outside"));
        assert!(is_number_suffix("1", "L") && !is_number_suffix("1.5", "L") && is_number_suffix("1.5", "bd"));
    }

    #[test]
    fn spark_string_escapes() {
        assert_eq!(unescape_spark_string(r"a\nb\tc", '\''), "a\nb\tc");
        assert_eq!(unescape_spark_string(r"it\'s", '\''), "it's");
        assert_eq!(unescape_spark_string("it''s", '\''), "it's");
        assert_eq!(unescape_spark_string(r"\u0041\101", '\''), "AA");
        assert_eq!(unescape_spark_string(r"\%\_\\\q", '\''), "\\%\\_\\q");
        assert_eq!(unescape_spark_string(r"\uD83D\uDE00", '"'), "\u{1F600}");
    }

    #[test]
    fn dates_and_binary() {
        let d = array(date_literal("2024-01-01").unwrap());
        assert_eq!(d.as_primitive::<arrow::datatypes::Date32Type>().value(0), 19723);
        let d = array(date_literal("2024-1-5 10:00").unwrap());
        assert_eq!(d.as_primitive::<arrow::datatypes::Date32Type>().value(0), 19727);
        let err = date_literal("bad").unwrap_err();
        assert!(err
            .message()
            .contains("[INVALID_TYPED_LITERAL] The value of the typed literal \"DATE\" is invalid: 'bad'."));
        let b = array(binary_literal("0A1B").unwrap());
        assert_eq!(b.as_binary::<i32>().value(0), &[0x0A, 0x1B]);
    }

    #[test]
    fn timestamp_texts() {
        let ntz = |s: &str| {
            let a = array(timestamp_ntz_literal(s).unwrap());
            assert_eq!(a.data_type(), &crate::types::timestamp_ntz_type());
            let v = a.as_primitive::<arrow::datatypes::TimestampMicrosecondType>().value(0);
            chrono::DateTime::from_timestamp_micros(v).unwrap().naive_utc().to_string()
        };
        assert_eq!(ntz("2024-01-01"), "2024-01-01 00:00:00");
        assert_eq!(ntz("2024-01-01 10"), "2024-01-01 10:00:00");
        assert_eq!(ntz("2024-1-2 3:4:5"), "2024-01-02 03:04:05");
        assert_eq!(ntz("2024-01-01T10:00:00.123456789"), "2024-01-01 10:00:00.123456");
        assert_eq!(ntz("2024-01-01 10:00:00."), "2024-01-01 10:00:00");
        assert_eq!(ntz("2024-01-01 10:00:00+02:00"), "2024-01-01 10:00:00");
        assert_eq!(ntz("2024-01-01 10:00:00 America/Los_Angeles"), "2024-01-01 10:00:00");
        assert_eq!(ntz(" 2024 "), "2024-01-01 00:00:00");
        for bad in ["bad", "2024-13-01", "2024-01-01 25:00", "2024-01-01T", "10:00:00"] {
            assert!(timestamp_ntz_literal(bad).is_err(), "{bad}");
        }
        assert!(check_timestamp_text("10:00:00").is_ok());
        assert!(check_timestamp_text("2024-01-01 10:00:00Z").is_ok());
        let err = check_timestamp_text("2024-01-01 25:00").unwrap_err();
        assert!(err.message().contains("The value of the typed literal \"TIMESTAMP\" is invalid: '2024-01-01 25:00'."));
    }

    fn micros(e: Result<Expr>) -> i64 {
        array(e.unwrap()).as_primitive::<DurationMicrosecondType>().value(0)
    }

    #[test]
    fn interval_names_follow_spark() {
        let sql = |e: Result<Expr>| match e.unwrap() {
            Expr::NamedLiteral { sql, .. } => sql,
            other => panic!("{other:?}"),
        };
        assert_eq!(sql(interval_literal("1 hour", None, None)), "INTERVAL '01' HOUR");
        assert_eq!(sql(interval_literal("2 hours 30 minutes", None, None)), "INTERVAL '02:30' HOUR TO MINUTE");
        assert_eq!(sql(interval_literal("1 day 2 hours", None, None)), "INTERVAL '1 02' DAY TO HOUR");
        assert_eq!(
            sql(interval_literal("3 days 4 hours 5 minutes 6 seconds", None, None)),
            "INTERVAL '3 04:05:06' DAY TO SECOND"
        );
        assert_eq!(sql(interval_literal("500 milliseconds", None, None)), "INTERVAL '00.5' SECOND");
        assert_eq!(sql(interval_literal("1 second 100 microseconds", None, None)), "INTERVAL '01.0001' SECOND");
        assert_eq!(sql(interval_literal("1 week", None, None)), "INTERVAL '7' DAY");
        assert_eq!(sql(interval_literal("90", Some(&DateTimeField::Minute), None)), "INTERVAL '90' MINUTE");
        assert_eq!(sql(interval_literal("1.5", Some(&DateTimeField::Second), None)), "INTERVAL '01.5' SECOND");
    }

    #[test]
    fn day_time_intervals() {
        let hour = 3_600_000_000i64;
        assert_eq!(micros(interval_literal("1 hour", None, None)), hour);
        assert_eq!(micros(interval_literal("2 hours 30 minutes", None, None)), 2 * hour + hour / 2);
        assert_eq!(micros(interval_literal("1 day 2 hours", None, None)), 26 * hour);
        assert_eq!(micros(interval_literal("1 week", None, None)), 168 * hour);
        assert_eq!(micros(interval_literal("1 second 500 milliseconds", None, None)), 1_500_000);
        assert_eq!(micros(interval_literal("-1 hour", None, None)), -hour);
        assert_eq!(micros(interval_literal("10", Some(&DateTimeField::Minute), None)), 600_000_000);
        assert_eq!(micros(interval_literal("1.5", Some(&DateTimeField::Second), None)), 1_500_000);
        let d = Some(&DateTimeField::Day);
        assert_eq!(micros(interval_literal("1 02", d, Some(&DateTimeField::Hour))), 26 * hour);
        assert_eq!(
            micros(interval_literal("-1 02:30:01.5", d, Some(&DateTimeField::Second))),
            -(26 * hour + hour / 2 + 1_500_000)
        );
        assert_eq!(
            micros(interval_literal("1:30", Some(&DateTimeField::Hour), Some(&DateTimeField::Minute))),
            hour * 3 / 2
        );
        assert!(interval_literal("1:75", Some(&DateTimeField::Hour), Some(&DateTimeField::Minute)).is_err());
        assert!(interval_literal("1", d, Some(&DateTimeField::Hour)).is_err());
        assert!(
            matches!(interval_literal("1 year", None, None), Err(e) if e.kind() == crate::error::ErrorKind::NotImplemented)
        );
        let err = interval_literal("1 month 1 day", None, None).unwrap_err();
        assert_eq!(err.message(), "\nCannot mix year-month and day-time fields: interval 1 month 1 day.");
        let err = interval_literal("1.5 hours", None, None).unwrap_err();
        assert!(err.message().contains("hours cannot have fractional part"));
    }
}
