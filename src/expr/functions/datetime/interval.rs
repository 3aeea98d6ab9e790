//! Date/time arithmetic with day-time intervals (`ts + INTERVAL '1' HOUR`, `ts1 - ts2`, `date - date`) and
//! Spark's interval texts (`'10 minutes'`, `INTERVAL '1 02:00:00' DAY TO SECOND`) as microseconds.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, PrimitiveArray};
use arrow::datatypes::{DataType, Date32Type, DurationMicrosecondType, TimeUnit, TimestampMicrosecondType};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::physical::ColumnarValue;
use crate::types::datetime_pattern::{
    local_to_utc, utc_to_local, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND,
};
use crate::types::{day_time_interval_type, timestamp_ntz_type, timestamp_type};

/// How an operand's i64 values read.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    /// TIMESTAMP: UTC micros.
    Instant,
    /// TIMESTAMP_NTZ: wall-clock micros.
    Local,
    /// DATE: days.
    Date,
    /// Day-time interval: micros.
    Duration,
}

fn kind(dt: &DataType) -> Option<Kind> {
    Some(match dt {
        DataType::Timestamp(_, Some(_)) => Kind::Instant,
        DataType::Timestamp(_, None) => Kind::Local,
        DataType::Date32 => Kind::Date,
        DataType::Duration(_) => Kind::Duration,
        _ => return None,
    })
}

/// Result type of `left + right` / `left - right` when one side is a date/time value or an interval: timestamp ±
/// interval keeps the timestamp type, date ± interval gives TIMESTAMP, and the difference of two date/time values
/// is a day-time interval (Spark types `date - date` as `INTERVAL DAY`, held here as the same Duration).
/// None when the pair is not interval arithmetic.
pub fn interval_result_type(left: &DataType, right: &DataType) -> Option<DataType> {
    use Kind::*;
    Some(match (kind(left)?, kind(right)?) {
        (Instant | Date, Duration) | (Duration, Instant | Date) => timestamp_type(),
        (Local, Duration) | (Duration, Local) => timestamp_ntz_type(),
        (Duration, Duration) => day_time_interval_type(),
        (Instant | Local | Date, Instant | Local | Date) => day_time_interval_type(),
    })
}

/// One operand's values as i64 (dates widened), with whether it is a scalar.
fn values(v: &ColumnarValue) -> Result<(Vec<Option<i64>>, bool)> {
    let (arr, scalar) = match v {
        ColumnarValue::Array(a) => (a, false),
        ColumnarValue::Scalar(a) => (a, true),
    };
    let out: Vec<Option<i64>> = match arr.data_type() {
        DataType::Date32 => {
            let a = arr.as_any().downcast_ref::<PrimitiveArray<Date32Type>>().expect("date32");
            a.iter().map(|v| v.map(|d| d as i64)).collect()
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            let a = arr.as_any().downcast_ref::<PrimitiveArray<TimestampMicrosecondType>>().expect("timestamp");
            a.iter().collect()
        }
        DataType::Duration(TimeUnit::Microsecond) => {
            let a = arr.as_any().downcast_ref::<PrimitiveArray<DurationMicrosecondType>>().expect("duration");
            a.iter().collect()
        }
        other => return Err(EmberError::execution(format!("interval arithmetic on unexpected type {other}"))),
    };
    Ok((out, scalar))
}

/// `left + right` or `left - right` where one side is a date/time value or a day-time interval (Duration):
/// timestamp ± interval, timestamp_ntz ± interval, date ± interval (a TIMESTAMP: the date's midnight in the
/// session zone), interval ± interval, and the difference of two dates/timestamps as an interval.
pub fn add_interval(
    left: &ColumnarValue,
    right: &ColumnarValue,
    subtract: bool,
    num_rows: usize,
    ctx: &EvalContext,
) -> Result<ColumnarValue> {
    use Kind::*;
    let (lk, rk) = match (kind(left.data_type()), kind(right.data_type())) {
        (Some(l), Some(r)) => (l, r),
        _ => {
            return Err(EmberError::execution(format!(
                "interval arithmetic on {} and {}",
                left.data_type(),
                right.data_type()
            )))
        }
    };
    let ((lv, ls), (rv, rs)) = (values(left)?, values(right)?);
    let scalar = ls && rs;
    let len = if scalar { 1 } else { num_rows };
    let tz = ctx.time_zone;
    let get = |v: &Vec<Option<i64>>, s: bool, i: usize| if s { v[0] } else { v[i] };
    // The instant of a date: its midnight in the session zone.
    let instant = |k: Kind, v: i64| -> i64 {
        match k {
            Date => local_to_utc(v * MICROS_PER_DAY, &tz),
            _ => v,
        }
    };
    // Differences are taken between wall clocks in the session zone (Spark's subtractTimestamps).
    let wall = |k: Kind, v: i64| -> i64 {
        match k {
            Date => v * MICROS_PER_DAY,
            Instant => utc_to_local(v, &tz),
            _ => v,
        }
    };
    let (out_type, f): (DataType, Box<dyn Fn(i64, i64) -> Option<i64>>) = match (lk, rk) {
        (Duration, Duration) => {
            (day_time_interval_type(), Box::new(move |a, b| if subtract { a.checked_sub(b) } else { a.checked_add(b) }))
        }
        (Instant | Local | Date, Duration) => {
            let t = if lk == Local { timestamp_ntz_type() } else { timestamp_type() };
            (
                t,
                Box::new(move |a, d| {
                    let d = if subtract { d.checked_neg()? } else { d };
                    match lk {
                        Local => a.checked_add(d),
                        _ => add_day_time(instant(lk, a), d, &tz),
                    }
                }),
            )
        }
        (Duration, Instant | Local | Date) if !subtract => {
            let t = if rk == Local { timestamp_ntz_type() } else { timestamp_type() };
            (
                t,
                Box::new(move |d, b| match rk {
                    Local => b.checked_add(d),
                    _ => add_day_time(instant(rk, b), d, &tz),
                }),
            )
        }
        (Instant | Local | Date, Instant | Local | Date) if subtract => (
            day_time_interval_type(),
            Box::new(move |a, b| match (lk, rk) {
                (Date, Date) => a.checked_sub(b)?.checked_mul(MICROS_PER_DAY),
                (Local, Local) => a.checked_sub(b),
                _ => wall(lk, a).checked_sub(wall(rk, b)),
            }),
        ),
        _ => {
            return Err(EmberError::execution(format!(
                "interval arithmetic on {} and {}",
                left.data_type(),
                right.data_type()
            )))
        }
    };
    let out: Vec<Option<i64>> = (0..len)
        .map(|i| match (get(&lv, ls, i), get(&rv, rs, i)) {
            (Some(a), Some(b)) => f(a, b),
            _ => None,
        })
        .collect();
    let arr: ArrayRef = match out_type {
        DataType::Duration(_) => Arc::new(PrimitiveArray::<DurationMicrosecondType>::from(out)),
        DataType::Timestamp(_, Some(_)) => {
            Arc::new(PrimitiveArray::<TimestampMicrosecondType>::from(out).with_timezone("UTC"))
        }
        _ => Arc::new(PrimitiveArray::<TimestampMicrosecondType>::from(out)),
    };
    Ok(if scalar { ColumnarValue::Scalar(arr) } else { ColumnarValue::Array(arr) })
}

/// Spark's timestampAddDayTime: the whole days of the interval move the wall clock in `tz` (keeping the offset
/// when it is still valid), the rest is added to the instant.
fn add_day_time(utc: i64, interval: i64, tz: &chrono_tz::Tz) -> Option<i64> {
    let days = interval / MICROS_PER_DAY;
    let rest = interval - days * MICROS_PER_DAY;
    let moved = if days == 0 {
        utc
    } else {
        let local = utc_to_local(utc, tz);
        let offset = local - utc;
        let target = local.checked_add(days.checked_mul(MICROS_PER_DAY)?)?;
        let candidate = target - offset;
        if utc_to_local(candidate, tz) == target {
            candidate
        } else {
            local_to_utc(target, tz)
        }
    };
    moved.checked_add(rest)
}

fn invalid(s: &str) -> EmberError {
    EmberError::analysis_class(
        "CANNOT_PARSE_INTERVAL",
        format!(
            "Unable to parse '{s}'. Please ensure that the value provided is in a valid format for defining an interval. You can reference the documentation for the correct format. If the issue persists, please double check that the input value is not null or empty and try again. SQLSTATE: 22006"
        ),
    )
}

fn months_unsupported(s: &str) -> EmberError {
    EmberError::illegal_argument(format!("Intervals greater than a month is not supported ({s})."))
}

/// A signed decimal number as micros of `unit` (fractions allowed only when `allow_fraction`).
pub fn scaled(num: &str, unit: i64, allow_fraction: bool) -> Option<i64> {
    let (neg, digits) = match num.as_bytes().first()? {
        b'-' => (true, &num[1..]),
        b'+' => (false, &num[1..]),
        _ => (false, num),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) if allow_fraction => (i, f),
        Some(_) => return None,
        None => (digits, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|c| c.is_ascii_digit())
        || !frac_part.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if int_part.is_empty() { 0 } else { int_part.parse().ok()? };
    let mut v = whole.checked_mul(unit)?;
    if !frac_part.is_empty() {
        // Only seconds take fractions; keep microsecond precision.
        let mut micros = 0i64;
        for (k, c) in frac_part.bytes().take(6).enumerate() {
            micros += (c - b'0') as i64 * 10i64.pow(5 - k as u32);
        }
        v = v.checked_add(micros * (unit / MICROS_PER_SECOND).max(1))?;
    }
    Some(if neg { -v } else { v })
}

/// Micros per `unit` (singular or plural, any case); `Err` for month/year (no fixed length), None for no unit.
pub fn unit_micros(unit: &str) -> Option<std::result::Result<i64, ()>> {
    let u = unit.to_ascii_lowercase();
    let u = u.strip_suffix('s').unwrap_or(&u).to_string();
    Some(Ok(match u.as_str() {
        "week" => 7 * MICROS_PER_DAY,
        "day" => MICROS_PER_DAY,
        "hour" => MICROS_PER_HOUR,
        "minute" => MICROS_PER_MINUTE,
        "second" => MICROS_PER_SECOND,
        "millisecond" => 1000,
        "microsecond" => 1,
        "year" | "month" => return Some(Err(())),
        _ => return None,
    }))
}

/// The ANSI form `'<value>' <from> [TO <to>]` (the text after `INTERVAL`).
fn parse_ansi(s: &str, body: &str) -> Result<i64> {
    let rest = body.trim_start();
    let rest = rest.strip_prefix('\'').ok_or_else(|| invalid(s))?;
    let (value, units) = rest.split_once('\'').ok_or_else(|| invalid(s))?;
    let words: Vec<String> = units.split_whitespace().map(|w| w.to_ascii_uppercase()).collect();
    let rank = |w: &str| -> Option<usize> {
        match w {
            "DAY" | "DAYS" => Some(0),
            "HOUR" | "HOURS" => Some(1),
            "MINUTE" | "MINUTES" => Some(2),
            "SECOND" | "SECONDS" => Some(3),
            _ => None,
        }
    };
    if words.iter().any(|w| matches!(w.as_str(), "YEAR" | "YEARS" | "MONTH" | "MONTHS")) {
        return Err(months_unsupported(s));
    }
    let (from, to) = match words.as_slice() {
        [f] => (rank(f).ok_or_else(|| invalid(s))?, rank(f).unwrap_or(0)),
        [f, t, u] if t == "TO" => (rank(f).ok_or_else(|| invalid(s))?, rank(u).ok_or_else(|| invalid(s))?),
        _ => return Err(invalid(s)),
    };
    if to < from {
        return Err(invalid(s));
    }
    let value = value.trim();
    let (neg, value) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    // Fields in order: a day part separated by a space, then colon-separated time fields.
    let mut parts: Vec<&str> = Vec::new();
    if from == 0 && to > 0 {
        let (d, t) = value.split_once(' ').ok_or_else(|| invalid(s))?;
        parts.push(d);
        parts.extend(t.split(':'));
    } else {
        parts.extend(value.split(':'));
    }
    if parts.len() != to - from + 1 {
        return Err(invalid(s));
    }
    let units = [MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND];
    let mut total = 0i64;
    for (k, part) in parts.iter().enumerate() {
        let r = from + k;
        let v = scaled(part.trim(), units[r], r == 3).ok_or_else(|| invalid(s))?;
        if v < 0 {
            return Err(invalid(s));
        }
        total = total.checked_add(v).ok_or_else(|| invalid(s))?;
    }
    Ok(if neg { -total } else { total })
}

/// A calendar interval text (`1 month 2 days`, `10 minutes`, `INTERVAL '1' YEAR`) as (months, microseconds), for
/// contexts that accept months such as `withWatermark` (which counts a month as 31 days).
pub fn parse_calendar_interval(s: &str) -> Result<(i64, i64)> {
    let t = s.trim();
    let body = match t.get(..8) {
        Some(p) if p.eq_ignore_ascii_case("interval") => &t[8..],
        _ => t,
    };
    if body.trim_start().starts_with('\'') {
        let rest = body.trim_start()[1..].to_string();
        let (value, units) = rest.split_once('\'').ok_or_else(|| invalid(s))?;
        let u = units.trim().to_ascii_uppercase();
        let month_unit = match u.as_str() {
            "YEAR" | "YEARS" => Some(12),
            "MONTH" | "MONTHS" => Some(1),
            _ => None,
        };
        if let Some(m) = month_unit {
            let v: i64 = value.trim().parse().map_err(|_| invalid(s))?;
            return Ok((v.checked_mul(m).ok_or_else(|| invalid(s))?, 0));
        }
        if u.starts_with("YEAR") {
            let (sign, v) = match value.trim().strip_prefix('-') {
                Some(v) => (-1, v),
                None => (1, value.trim()),
            };
            let (y, m) = v.split_once('-').ok_or_else(|| invalid(s))?;
            let y: i64 = y.parse().map_err(|_| invalid(s))?;
            let m: i64 = m.parse().map_err(|_| invalid(s))?;
            return Ok((sign * (y * 12 + m), 0));
        }
        return parse_ansi(s, body).map(|v| (0, v));
    }
    let words: Vec<&str> = body.split_whitespace().collect();
    if words.is_empty() || words.len() % 2 != 0 {
        return Err(invalid(s));
    }
    let (mut months, mut micros) = (0i64, 0i64);
    for pair in words.chunks(2) {
        match unit_micros(pair[1]) {
            Some(Ok(u)) => {
                let v = scaled(pair[0], u, u == MICROS_PER_SECOND).ok_or_else(|| invalid(s))?;
                micros = micros.checked_add(v).ok_or_else(|| invalid(s))?;
            }
            Some(Err(())) => {
                let per = if pair[1].to_ascii_lowercase().starts_with("year") { 12 } else { 1 };
                let v: i64 = pair[0].parse().map_err(|_| invalid(s))?;
                months = months.checked_add(v.checked_mul(per).ok_or_else(|| invalid(s))?).ok_or_else(|| invalid(s))?;
            }
            None => return Err(invalid(s)),
        }
    }
    Ok((months, micros))
}

/// Spark's interval texts as microseconds: `10 minutes`, `1 day 2 hours`, `interval 5 minutes`, `500 milliseconds`,
/// `1 week`, `-1 hour`, `1.5 seconds`, and the ANSI `INTERVAL '10' MINUTE` / `'1 02:00:00' DAY TO SECOND`.
/// Months and years have no fixed length: they are an error here (day-time contexts such as window durations).
pub fn parse_interval_string(s: &str) -> Result<i64> {
    let t = s.trim();
    let body = match t.get(..8) {
        Some(p) if p.eq_ignore_ascii_case("interval") => &t[8..],
        _ => t,
    };
    if body.trim_start().starts_with('\'') {
        return parse_ansi(s, body);
    }
    let words: Vec<&str> = body.split_whitespace().collect();
    if words.is_empty() || words.len() % 2 != 0 {
        return Err(invalid(s));
    }
    let mut total = 0i64;
    for pair in words.chunks(2) {
        let unit = match unit_micros(pair[1]) {
            Some(Ok(u)) => u,
            Some(Err(())) => return Err(months_unsupported(s)),
            None => return Err(invalid(s)),
        };
        let v = scaled(pair[0], unit, unit == MICROS_PER_SECOND).ok_or_else(|| invalid(s))?;
        total = total.checked_add(v).ok_or_else(|| invalid(s))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Date32Array;
    use arrow::array::{DurationMicrosecondArray, TimestampMicrosecondArray};

    fn ctx(tz: chrono_tz::Tz) -> EvalContext {
        EvalContext { time_zone: tz, ..Default::default() }
    }

    #[test]
    fn interval_texts_become_micros() {
        assert_eq!(parse_interval_string("10 minutes").unwrap(), 600_000_000);
        assert_eq!(parse_interval_string("1 hour").unwrap(), 3_600_000_000);
        assert_eq!(parse_interval_string("30 seconds").unwrap(), 30_000_000);
        assert_eq!(parse_interval_string("1 day 2 hours").unwrap(), 93_600_000_000);
        assert_eq!(parse_interval_string("interval 5 minutes").unwrap(), 300_000_000);
        assert_eq!(parse_interval_string("2 hours 30 minutes").unwrap(), 9_000_000_000);
        assert_eq!(parse_interval_string("500 milliseconds").unwrap(), 500_000);
        assert_eq!(parse_interval_string("1 week").unwrap(), 7 * MICROS_PER_DAY);
        assert_eq!(parse_interval_string("10 MINUTES").unwrap(), 600_000_000);
        assert_eq!(parse_interval_string("1.5 seconds").unwrap(), 1_500_000);
        assert_eq!(parse_interval_string("-1 hour").unwrap(), -3_600_000_000);
        assert_eq!(parse_interval_string("1 hours -10 minutes").unwrap(), 3_000_000_000);
        assert_eq!(parse_interval_string("100 microseconds").unwrap(), 100);
        assert_eq!(parse_interval_string("1 day -1 second").unwrap(), 86_399_000_000);
        assert_eq!(parse_interval_string("INTERVAL '10' MINUTE").unwrap(), 600_000_000);
        assert_eq!(parse_interval_string("'10' MINUTE").unwrap(), 600_000_000);
        assert_eq!(parse_interval_string("INTERVAL '1 02:00:00' DAY TO SECOND").unwrap(), 93_600_000_000);
        assert_eq!(parse_interval_string("INTERVAL '02:30' HOUR TO MINUTE").unwrap(), 9_000_000_000);
        assert_eq!(parse_interval_string("INTERVAL '-01:30.5' MINUTE TO SECOND").unwrap(), -90_500_000);
        assert_eq!(parse_interval_string("interval '00.5' second").unwrap(), 500_000);
        for bad in ["1d", "5 mins", "2 hrs", "", "10", "1.5 hours", "10 nanoseconds", "abc", "INTERVAL '1' FORTNIGHT"] {
            let e = parse_interval_string(bad).unwrap_err();
            assert_eq!(e.error_class(), Some("CANNOT_PARSE_INTERVAL"), "{bad}");
        }
        assert!(parse_interval_string("5 mins").unwrap_err().message().starts_with(
            "[CANNOT_PARSE_INTERVAL] Unable to parse '5 mins'. Please ensure that the value provided is in a valid format"
        ));
        assert_eq!(
            parse_interval_string("1 month").unwrap_err().message(),
            "Intervals greater than a month is not supported (1 month)."
        );
        assert!(parse_interval_string("INTERVAL '1' YEAR").is_err());
        assert_eq!(parse_calendar_interval("1 month").unwrap(), (1, 0));
        assert_eq!(parse_calendar_interval("1 year 2 months 3 days").unwrap(), (14, 3 * MICROS_PER_DAY));
        assert_eq!(parse_calendar_interval("10 minutes").unwrap(), (0, 600_000_000));
        assert_eq!(parse_calendar_interval("INTERVAL '1-2' YEAR TO MONTH").unwrap(), (14, 0));
        assert_eq!(parse_calendar_interval("INTERVAL '3' MONTH").unwrap(), (3, 0));
        assert_eq!(parse_calendar_interval("interval '1 02:00:00' day to second").unwrap(), (0, 93_600_000_000));
        assert!(parse_calendar_interval("5 mins").is_err());
    }

    #[test]
    fn result_types_follow_spark() {
        let ts = timestamp_type();
        let dur = day_time_interval_type();
        assert_eq!(interval_result_type(&ts, &dur), Some(ts.clone()));
        assert_eq!(interval_result_type(&dur, &ts), Some(ts.clone()));
        assert_eq!(interval_result_type(&DataType::Date32, &dur), Some(ts.clone()));
        assert_eq!(interval_result_type(&timestamp_ntz_type(), &dur), Some(timestamp_ntz_type()));
        assert_eq!(interval_result_type(&ts, &ts), Some(dur.clone()));
        assert_eq!(interval_result_type(&DataType::Date32, &DataType::Date32), Some(dur.clone()));
        assert_eq!(interval_result_type(&DataType::Int32, &dur), None);
    }

    fn scalar_ts(v: i64) -> ColumnarValue {
        ColumnarValue::Scalar(Arc::new(TimestampMicrosecondArray::from(vec![v]).with_timezone("UTC")))
    }
    fn scalar_dur(v: i64) -> ColumnarValue {
        ColumnarValue::Scalar(Arc::new(DurationMicrosecondArray::from(vec![v])))
    }
    fn first_i64(v: ColumnarValue) -> (DataType, i64) {
        let a = v.into_array(1).unwrap();
        let dt = a.data_type().clone();
        let x = match &dt {
            DataType::Duration(_) => a.as_any().downcast_ref::<DurationMicrosecondArray>().unwrap().value(0),
            _ => a.as_any().downcast_ref::<TimestampMicrosecondArray>().unwrap().value(0),
        };
        (dt, x)
    }

    #[test]
    fn adds_and_subtracts_like_spark() {
        use crate::types::datetime_pattern::{format_timestamp_default, parse_timestamp_default};
        let la = chrono_tz::Tz::America__Los_Angeles;
        // timestamp'2024-11-03 01:30:00' + interval 1 hour in Los Angeles → 01:30 PST (an exact hour later).
        let t = parse_timestamp_default("2024-11-03 01:30:00", &la).unwrap();
        let (dt, v) = first_i64(add_interval(&scalar_ts(t), &scalar_dur(MICROS_PER_HOUR), false, 1, &ctx(la)).unwrap());
        assert_eq!(dt, timestamp_type());
        assert_eq!(format_timestamp_default(v, &la), "2024-11-03 01:30:00");
        assert_eq!(v - t, MICROS_PER_HOUR);
        // date'2024-03-10' + interval 3 hours (UTC session) → timestamp 2024-03-10 03:00:00.
        let d = ColumnarValue::Scalar(Arc::new(Date32Array::from(vec![19_792])));
        let utc = chrono_tz::Tz::UTC;
        let (dt, v) = first_i64(add_interval(&d, &scalar_dur(3 * MICROS_PER_HOUR), false, 1, &ctx(utc)).unwrap());
        assert_eq!(dt, timestamp_type());
        assert_eq!(format_timestamp_default(v, &utc), "2024-03-10 03:00:00");
        // dt - interval '10' minute → 2024-03-09 23:50:00.
        let (_, v) = first_i64(add_interval(&d, &scalar_dur(10 * MICROS_PER_MINUTE), true, 1, &ctx(utc)).unwrap());
        assert_eq!(format_timestamp_default(v, &utc), "2024-03-09 23:50:00");
        // date - date → whole days as an interval.
        let d2 = ColumnarValue::Scalar(Arc::new(Date32Array::from(vec![19_727])));
        let (dt, v) = first_i64(add_interval(&d, &d2, true, 1, &ctx(utc)).unwrap());
        assert_eq!(dt, day_time_interval_type());
        assert_eq!(v, 65 * MICROS_PER_DAY);
        // ts - date: 2024-01-05 10:20:30.123456 - 2024-03-10 = -65 days + 37230.123456 s.
        let ts = parse_timestamp_default("2024-01-05 10:20:30.123456", &utc).unwrap();
        let (_, v) = first_i64(add_interval(&scalar_ts(ts), &d, true, 1, &ctx(utc)).unwrap());
        assert_eq!(v, -65 * MICROS_PER_DAY + 37_230_123_456);
        // Columns stay columns; nulls propagate.
        let col =
            ColumnarValue::Array(Arc::new(TimestampMicrosecondArray::from(vec![Some(0), None]).with_timezone("UTC")));
        let out = add_interval(&col, &scalar_dur(5), false, 2, &ctx(utc)).unwrap().into_array(2).unwrap();
        let out = out.as_any().downcast_ref::<TimestampMicrosecondArray>().unwrap();
        assert_eq!(out.value(0), 5);
        assert!(out.is_null(1));
        assert!(add_interval(&scalar_dur(1), &scalar_ts(0), true, 1, &ctx(utc)).is_err());
        // Los Angeles: date'2024-11-03' - timestamp'2024-03-10 01:30' is 237 days 22:30 of wall clock (PySpark),
        // and date'2024-03-10' + 3 hours crosses the gap → 04:00 PDT.
        let a = parse_timestamp_default("2024-03-10 01:30:00", &la).unwrap();
        let nov3 = ColumnarValue::Scalar(Arc::new(Date32Array::from(vec![20_030])));
        let (_, v) = first_i64(add_interval(&nov3, &scalar_ts(a), true, 1, &ctx(la)).unwrap());
        assert_eq!(v, 237 * MICROS_PER_DAY + 22 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE);
        let (_, v) = first_i64(add_interval(&d, &scalar_dur(3 * MICROS_PER_HOUR), false, 1, &ctx(la)).unwrap());
        assert_eq!(format_timestamp_default(v, &la), "2024-03-10 04:00:00");
        // Whole days move the wall clock (timestampAddDayTime): 2024-03-10 00:00 PST + '1 02:03:04.5' day to second
        // → 2024-03-11 02:03:04.5 PDT, as PySpark gives, not 03:03 (exact 26 hours).
        let t = parse_timestamp_default("2024-03-10 00:00:00", &la).unwrap();
        let iv = MICROS_PER_DAY + 2 * MICROS_PER_HOUR + 3 * MICROS_PER_MINUTE + 4_500_000;
        let (_, v) = first_i64(add_interval(&scalar_ts(t), &scalar_dur(iv), false, 1, &ctx(la)).unwrap());
        assert_eq!(format_timestamp_default(v, &la), "2024-03-11 02:03:04.5");
        let (_, back) = first_i64(add_interval(&scalar_ts(v), &scalar_dur(iv), true, 1, &ctx(la)).unwrap());
        assert_eq!(back, t);
    }
}
