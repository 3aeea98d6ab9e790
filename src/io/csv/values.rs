//! Scalar text ↔ value conversions the file formats share: Java number syntax, ISO dates and timestamps.
//!
//! The hot CSV paths parse and print the common ISO forms here without allocating; anything else falls back to
//! `crate::types::datetime_pattern` (Spark's full cast rules).
use chrono::{Offset, TimeZone};
use chrono_tz::Tz;

use crate::types::datetime_pattern::{
    civil_from_days, days_from_civil, days_in_month, parse_date_default, parse_timestamp_default,
    parse_timestamp_ntz_default,
};

const MICROS_PER_SEC: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SEC;

#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// Strict `yyyy-MM-dd`.
pub fn parse_iso_date(b: &[u8]) -> Option<i32> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y as i64, m) {
        return None;
    }
    Some(days_from_civil(y as i64, m, d) as i32)
}

/// Spark's default text → date: the ISO fast path, then the full cast rules.
pub fn parse_date(s: &str) -> Option<i32> {
    parse_iso_date(s.as_bytes()).or_else(|| parse_date_default(s))
}

/// `yyyy-MM-dd[( |T)HH:mm[:ss[.fraction]]][Z|±HH:mm|±HHmm|±HH]`: wall-clock micros and the explicit offset (seconds).
pub fn parse_iso_timestamp(b: &[u8]) -> Option<(i64, Option<i32>)> {
    let days = parse_iso_date(b.get(..10)?)? as i64;
    if b.len() == 10 {
        return Some((days * MICROS_PER_DAY, None));
    }
    if (b[10] != b'T' && b[10] != b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (h, mi) = (digits(&b[11..13])?, digits(&b[14..16])?);
    let (mut sec, mut frac, mut i) = (0u32, 0i64, 16);
    if b.len() > i && b[i] == b':' {
        sec = digits(b.get(i + 1..i + 3)?)?;
        i += 3;
        if b.len() > i && b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let n = i - start;
            if n == 0 || n > 9 {
                return None;
            }
            let mut f = digits(&b[start..start + n.min(6)])? as i64;
            for _ in n..6 {
                f *= 10;
            }
            frac = f;
        }
    }
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let offset = match &b[i..] {
        [] => None,
        [b'Z'] => Some(0),
        [s @ (b'+' | b'-'), rest @ ..] => {
            let (oh, om) = match rest {
                [a, b2] => (digits(&[*a, *b2])?, 0),
                [a, b2, b':', c, d] | [a, b2, c, d] => (digits(&[*a, *b2])?, digits(&[*c, *d])?),
                _ => return None,
            };
            if oh > 18 || om > 59 {
                return None;
            }
            let secs = (oh * 3600 + om * 60) as i32;
            Some(if *s == b'-' { -secs } else { secs })
        }
        _ => return None,
    };
    let wall = days * MICROS_PER_DAY + (h as i64 * 3600 + mi as i64 * 60 + sec as i64) * MICROS_PER_SEC + frac;
    Some((wall, offset))
}

/// Instant of a wall-clock time in `tz` (earliest reading when ambiguous, shifted forward over a gap).
pub fn local_to_utc(wall_micros: i64, tz: &Tz) -> i64 {
    if *tz == chrono_tz::UTC {
        return wall_micros;
    }
    let secs = wall_micros.div_euclid(MICROS_PER_SEC);
    let sub = wall_micros.rem_euclid(MICROS_PER_SEC);
    let Some(naive) = chrono::DateTime::from_timestamp(secs, 0).map(|d| d.naive_utc()) else {
        return wall_micros;
    };
    let offset = match tz.offset_from_local_datetime(&naive) {
        chrono::LocalResult::Single(o) | chrono::LocalResult::Ambiguous(o, _) => o.fix().local_minus_utc(),
        chrono::LocalResult::None => tz
            .offset_from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map(|o| o.fix().local_minus_utc())
            .unwrap_or(0),
    };
    (secs - offset as i64) * MICROS_PER_SEC + sub
}

/// Offset (seconds) of `tz` at an instant.
pub fn utc_offset_at(micros: i64, tz: &Tz) -> i32 {
    if *tz == chrono_tz::UTC {
        return 0;
    }
    let secs = micros.div_euclid(MICROS_PER_SEC);
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(d) => tz.offset_from_utc_datetime(&d.naive_utc()).fix().local_minus_utc(),
        None => 0,
    }
}

/// Spark's default text → TIMESTAMP: ISO fast path, then the full cast rules.
pub fn parse_timestamp(s: &str, tz: &Tz) -> Option<i64> {
    match parse_iso_timestamp(s.as_bytes()) {
        Some((wall, Some(off))) => Some(wall - off as i64 * MICROS_PER_SEC),
        Some((wall, None)) => Some(local_to_utc(wall, tz)),
        None => parse_timestamp_default(s, tz),
    }
}

/// Spark's default text → TIMESTAMP_NTZ (text with a zone does not parse).
pub fn parse_timestamp_ntz(s: &str) -> Option<i64> {
    match parse_iso_timestamp(s.as_bytes()) {
        Some((wall, None)) => Some(wall),
        Some((_, Some(_))) => None,
        None => parse_timestamp_ntz_default(s),
    }
}

fn push_2(out: &mut String, v: u32) {
    out.push((b'0' + (v / 10) as u8) as char);
    out.push((b'0' + (v % 10) as u8) as char);
}

/// `yyyy-MM-dd` (years beyond 4 digits printed in full, negative years with a sign).
pub fn format_date(days: i64, out: &mut String) {
    use std::fmt::Write;
    let (y, m, d) = civil_from_days(days);
    if (0..10000).contains(&y) {
        let _ = write!(out, "{y:04}");
    } else {
        let _ = write!(out, "{y}");
    }
    out.push('-');
    push_2(out, m);
    out.push('-');
    push_2(out, d);
}

fn format_wall(wall: i64, out: &mut String) -> i64 {
    let days = wall.div_euclid(MICROS_PER_DAY);
    let in_day = wall.rem_euclid(MICROS_PER_DAY);
    format_date(days, out);
    let secs = in_day / MICROS_PER_SEC;
    out.push('T');
    push_2(out, (secs / 3600) as u32);
    out.push(':');
    push_2(out, (secs / 60 % 60) as u32);
    out.push(':');
    push_2(out, (secs % 60) as u32);
    in_day % MICROS_PER_SEC
}

/// Spark's CSV/JSON default write format `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` (`Z` for a zero offset).
pub fn format_timestamp_iso_millis(micros: i64, tz: &Tz, out: &mut String) {
    let off = utc_offset_at(micros, tz);
    let frac = format_wall(micros + off as i64 * MICROS_PER_SEC, out);
    push_millis(frac, out);
    push_offset(off, out);
}

/// Spark's default TIMESTAMP_NTZ write format `yyyy-MM-dd'T'HH:mm:ss.SSS`.
pub fn format_timestamp_ntz_iso_millis(micros: i64, out: &mut String) {
    let frac = format_wall(micros, out);
    push_millis(frac, out);
}

fn push_millis(frac_micros: i64, out: &mut String) {
    let ms = (frac_micros / 1000) as u32;
    out.push('.');
    out.push((b'0' + (ms / 100) as u8) as char);
    push_2(out, ms % 100);
}

fn push_offset(off: i32, out: &mut String) {
    if off == 0 {
        out.push('Z');
        return;
    }
    out.push(if off < 0 { '-' } else { '+' });
    let a = off.unsigned_abs();
    push_2(out, a / 3600);
    out.push(':');
    push_2(out, a / 60 % 60);
    if !a.is_multiple_of(60) {
        out.push(':');
        push_2(out, a % 60);
    }
}

/// Spark's `CAST(timestamp AS STRING)` shape: `yyyy-MM-dd HH:mm:ss[.ffffff without trailing zeros]` in `tz`.
pub fn format_timestamp_cast(micros: i64, tz: Option<&Tz>, out: &mut String) {
    let off = tz.map(|t| utc_offset_at(micros, t)).unwrap_or(0);
    let start = out.len();
    let frac = format_wall(micros + off as i64 * MICROS_PER_SEC, out);
    out.replace_range(start + 10..start + 11, " ");
    if frac != 0 {
        let s = format!(".{frac:06}");
        out.push_str(s.trim_end_matches('0'));
    }
}

/// Java's `Double.parseDouble` as Spark's CSV reader applies it: surrounding whitespace and a `d`/`f` suffix are
/// accepted, `NaN` and `Infinity` only in that spelling.
pub fn parse_java_double(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c <= ' ');
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    match body {
        "NaN" => return Some(f64::NAN),
        "Infinity" => return Some(if t.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        _ => {}
    }
    let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    let b = t.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    if !b.iter().any(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse::<f64>().ok()
}

/// Java's `Integer.parseInt`/`Long.parseLong` syntax: optional sign, ASCII digits, nothing else.
#[inline]
pub fn parse_java_long(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?;
        v = if neg { v.checked_sub(d as i64)? } else { v.checked_add(d as i64)? };
    }
    Some(v)
}

/// A decimal literal (`-12.345`, `1e2`) as (unscaled digits, scale); None beyond 38 significant digits.
pub fn parse_big_decimal(s: &str) -> Option<(i128, i32, u32)> {
    let b = s.as_bytes();
    let (neg, mut i) = match b.first()? {
        b'-' => (true, 1),
        b'+' => (false, 1),
        _ => (false, 0),
    };
    let (mut unscaled, mut scale, mut ndigits, mut any, mut seen_dot) = (0i128, 0i32, 0u32, false, false);
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            any = true;
            if ndigits > 0 || c != b'0' {
                ndigits += 1;
            }
            if ndigits > 38 {
                return None;
            }
            unscaled = unscaled * 10 + (c - b'0') as i128;
            if seen_dot {
                scale += 1;
            }
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
        } else if c == b'e' || c == b'E' {
            let exp: i32 = s[i + 1..].parse().ok()?;
            scale = scale.checked_sub(exp)?;
            i = b.len();
            break;
        } else {
            return None;
        }
        i += 1;
    }
    if !any || i != b.len() {
        return None;
    }
    let precision = ndigits.max(1);
    Some((if neg { -unscaled } else { unscaled }, scale, precision))
}

/// Text → unscaled value of `DECIMAL(precision, scale)`, rounding half up; None when it does not fit.
pub fn parse_decimal(s: &str, precision: u8, scale: i8) -> Option<i128> {
    let (mut v, mut sc, _) = parse_big_decimal(s.trim())?;
    let target = scale as i32;
    while sc < target {
        v = v.checked_mul(10)?;
        sc += 1;
    }
    if sc > target {
        let drop = (sc - target) as u32;
        if drop > 38 {
            v = 0;
        } else {
            let p = 10i128.pow(drop);
            let (q, r) = (v / p, v % p);
            v = if r.abs() * 2 >= p { q + v.signum() } else { q };
        }
    }
    if v.unsigned_abs() >= 10u128.pow(precision as u32) {
        return None;
    }
    Some(v)
}

/// Java's `Double.toString` (Spark writes numbers with it).
pub fn format_java_double(v: f64, out: &mut String) {
    crate::types::java_float::write_java_double(v, out)
}

/// Java's `Float.toString`.
pub fn format_java_float(v: f32, out: &mut String) {
    crate::types::java_float::write_java_float(v, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 1, 1), 19723);
        assert_eq!(civil_from_days(19723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(parse_iso_date(b"2024-02-30"), None);
        assert_eq!(parse_iso_date(b"2024-02-29"), Some(19782));
    }

    #[test]
    fn iso_timestamps() {
        let (w, o) = parse_iso_timestamp(b"2024-01-01T10:00:00.123456").unwrap();
        assert_eq!((w, o), (1_704_103_200_123_456, None));
        assert_eq!(parse_iso_timestamp(b"2024-01-01 10:00").unwrap().0, 1_704_103_200_000_000);
        assert_eq!(parse_iso_timestamp(b"2024-01-01T10:00:00Z").unwrap().1, Some(0));
        assert_eq!(parse_iso_timestamp(b"2024-01-01T10:00:00.5+01:00").unwrap(), (1_704_103_200_500_000, Some(3600)));
        assert_eq!(parse_timestamp("2024-01-02T03:04:05.123+01:00", &chrono_tz::UTC), Some(1_704_161_045_123_000));
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        assert_eq!(parse_timestamp("2024-01-01 00:00:00", &la), Some(1_704_096_000_000_000));
        assert_eq!(parse_timestamp_ntz("2024-01-01T00:00:00Z"), None);
    }

    #[test]
    fn spark_write_format() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let mut s = String::new();
        format_timestamp_iso_millis(1_704_103_200_123_456, &la, &mut s);
        assert_eq!(s, "2024-01-01T02:00:00.123-08:00");
        s.clear();
        format_timestamp_iso_millis(1_704_103_200_000_000, &chrono_tz::UTC, &mut s);
        assert_eq!(s, "2024-01-01T10:00:00.000Z");
        s.clear();
        format_timestamp_cast(1_704_103_200_120_000, None, &mut s);
        assert_eq!(s, "2024-01-01 10:00:00.12");
    }

    #[test]
    fn java_numbers() {
        let f = |v: f64| {
            let mut s = String::new();
            format_java_double(v, &mut s);
            s
        };
        assert_eq!(
            [f(1.0), f(1e20), f(0.1), f(123456789.123), f(1e-5), f(1e7), f(-0.0), f(f64::INFINITY), f(1.5)],
            ["1.0", "1.0E20", "0.1", "1.23456789123E8", "1.0E-5", "1.0E7", "-0.0", "Infinity", "1.5"]
        );
        assert_eq!(parse_java_double(" 1 "), Some(1.0));
        assert_eq!(parse_java_double("1.5d"), Some(1.5));
        assert_eq!(parse_java_double("inf"), None);
        assert_eq!(parse_java_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_java_long(b"+1"), Some(1));
        assert_eq!(parse_java_long(b" 1"), None);
        assert_eq!(parse_java_long(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_decimal("3.456", 5, 2), Some(346));
        assert_eq!(parse_decimal("1e2", 5, 2), Some(10000));
        assert_eq!(parse_decimal("-2.345", 5, 2), Some(-235));
        assert_eq!(parse_decimal("1000", 5, 2), None);
        assert_eq!(parse_big_decimal("123456789012345678901234567890").map(|x| (x.1, x.2)), Some((0, 30)));
    }
}
