//! A fast path for the timestamp texts JSON files usually hold (`2024-01-01T10:20:30[.ffffff][Z]`), giving exactly
//! what the general default parser gives; every other text goes to that parser.
use chrono_tz::Tz;

use crate::types::datetime_pattern::{
    self as dtp, days_in_month, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND,
};

/// Spark's default timestamp parsing (`CAST(string AS TIMESTAMP)`), zone-less text read in `tz`.
#[inline]
pub fn parse_timestamp(s: &str, tz: &Tz) -> Option<i64> {
    match iso_local_micros(s.as_bytes()) {
        Some((local, false)) => Some(dtp::local_to_utc(local, tz)),
        Some((local, true)) => Some(local),
        None => dtp::parse_timestamp_default(s, tz),
    }
}

/// `yyyy-MM-dd[T| ]HH:mm:ss[.fraction][Z]` as wall-clock micros and whether it ends in `Z`; None for any other
/// shape (including valid ones the general parser handles: signs, short fields, offsets, surrounding spaces).
#[inline]
fn iso_local_micros(b: &[u8]) -> Option<(i64, bool)> {
    if b.len() < 19 {
        return None;
    }
    let two = |i: usize| two_digits(b, i);
    if (b[10] != b'T' && b[10] != b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let days = date_days(b)?;
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 6 {
                micros = micros * 10 + (b[i] - b'0') as i64;
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start).min(6)..6 {
            micros *= 10;
        }
    }
    let utc = match &b[i..] {
        [] => false,
        [b'Z'] => true,
        _ => return None,
    };
    let tod = hour * MICROS_PER_HOUR + minute * MICROS_PER_MINUTE + second * MICROS_PER_SECOND + micros;
    Some((days * MICROS_PER_DAY + tod, utc))
}

thread_local! {
    /// The last date text this thread parsed (its ten bytes as two words) and its day number: a file's timestamps
    /// mostly share their date.
    static LAST_DATE: std::cell::Cell<(u64, u16, i64)> = const { std::cell::Cell::new((0, 0, 0)) };
}

/// Days since the epoch of a valid `yyyy-MM-dd` at the start of `b` (at least ten bytes).
#[inline(always)]
fn date_days(b: &[u8]) -> Option<i64> {
    let head = u64::from_le_bytes(b[..8].try_into().expect("eight bytes"));
    let tail = u16::from_le_bytes([b[8], b[9]]);
    let (last_head, last_tail, last_days) = LAST_DATE.get();
    // The zero key never matches: a date text holds no NUL bytes.
    if head == last_head && tail == last_tail {
        return Some(last_days);
    }
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let two = |i: usize| two_digits(b, i);
    let year = two(0)? * 100 + two(2)?;
    let (month, day) = (two(5)?, two(8)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month as u32) as i64 {
        return None;
    }
    let days = dtp::days_from_civil(year, month as u32, day as u32);
    LAST_DATE.set((head, tail, days));
    Some(days)
}

/// The two-digit number at `b[i..i + 2]`, if both are digits.
#[inline(always)]
fn two_digits(b: &[u8], i: usize) -> Option<i64> {
    let (hi, lo) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
    (hi < 10 && lo < 10).then_some(hi as i64 * 10 + lo as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_general_parser() {
        let zones = [chrono_tz::UTC, chrono_tz::America::Los_Angeles, chrono_tz::Asia::Kolkata];
        let texts = [
            "2024-01-01T00:00:00",
            "2023-12-31T23:59:37.006000",
            "2024-02-29 12:34:56.1",
            "2023-02-29T00:00:00",
            "2024-03-10T02:30:00",
            "2024-11-03T01:30:00.123456789",
            "2024-01-01T10:20:30Z",
            "2024-01-01T10:20:30.5Z",
            "2024-01-01T10:20:30.",
            "2024-01-01T10:20:30+02:00",
            "2024-01-01T24:00:00",
            "2024-13-01T00:00:00",
            "2024-01-01T10:20:60",
            "2024-01-01T10:20:3x",
            " 2024-01-01T10:20:30",
            "2024-01-01T10:20:30 ",
            "0000-01-01T00:00:00",
            "9999-12-31T23:59:59.999999",
            "2024-1-01T00:00:00",
        ];
        for tz in &zones {
            for t in texts {
                assert_eq!(parse_timestamp(t, tz), dtp::parse_timestamp_default(t, tz), "{t} in {tz}");
            }
        }
        assert!(iso_local_micros(b"2024-01-01T10:20:30.5Z").is_some());
        assert!(iso_local_micros(b"2023-12-31T23:59:37.006000").is_some());
    }
}
