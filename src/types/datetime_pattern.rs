//! Java `DateTimeFormatter` patterns as Spark uses them (`yyyy-MM-dd HH:mm:ss.SSS`, `MMM`, `EEE`, …) and Spark's
//! default string ↔ date/timestamp conversions, with the proleptic-Gregorian calendar and zone helpers they share.
use std::fmt::Write as _;

use chrono::{LocalResult, Offset, TimeZone};
use chrono_tz::{OffsetName, Tz};

use crate::error::{EmberError, Result};

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
pub const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

// ---------------------------------------------------------------------------------------------------------------
// Calendar

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12).
#[inline]
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number (days since 1970-01-01).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[inline]
pub fn is_leap_year(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

#[inline]
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day of the week, 0 = Monday … 6 = Sunday.
pub fn weekday_from_days(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

/// Day of the year, 1-based.
pub fn day_of_year(year: i64, month: u32, day: u32) -> u32 {
    (days_from_civil(year, month, day) - days_from_civil(year, 1, 1) + 1) as u32
}

/// A date's validated day number, None for impossible dates (Feb 30, month 13).
pub fn checked_days(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Wall-clock fields of a local (zone-less) microsecond count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
    pub days: i64,
}

pub fn fields_of_local(local_micros: i64) -> Fields {
    let days = local_micros.div_euclid(MICROS_PER_DAY);
    let tod = local_micros.rem_euclid(MICROS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = tod / MICROS_PER_SECOND;
    Fields {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: ((secs / 60) % 60) as u32,
        second: (secs % 60) as u32,
        micros: (tod % MICROS_PER_SECOND) as u32,
        days,
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Zones

/// A zone as Spark's `getZoneId` accepts it: a fixed offset or a region of the time-zone database.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    /// Offset from UTC in seconds.
    Fixed(i32),
    Region(Tz),
}

impl Zone {
    /// Offset in seconds at a UTC instant.
    pub fn offset_at_utc(&self, utc_micros: i64) -> i64 {
        match self {
            Zone::Fixed(s) => *s as i64,
            Zone::Region(tz) => offset_at_utc(tz, utc_micros),
        }
    }
    /// UTC micros of a wall-clock time in this zone.
    pub fn local_to_utc(&self, local_micros: i64) -> i64 {
        match self {
            Zone::Fixed(s) => local_micros - *s as i64 * MICROS_PER_SECOND,
            Zone::Region(tz) => local_to_utc(local_micros, tz),
        }
    }
}

fn is_utc(tz: &Tz) -> bool {
    matches!(tz, Tz::UTC | Tz::Etc__UTC | Tz::GMT | Tz::Etc__GMT | Tz::UCT | Tz::Zulu | Tz::Etc__UCT)
}

fn naive_of_secs(secs: i64) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::from_timestamp(secs, 0).map(|d| d.naive_utc())
}

/// The last year the bundled time-zone tables hold transitions for.
const TABLE_END_YEAR: i64 = 2099;
/// 2100-01-01 minus two days, in micros: below it no extrapolation is needed.
const TABLE_END_MICROS: i64 = 4_102_444_800_000_000 - 2 * MICROS_PER_DAY;

/// Micros to add to a time after the tables end to land on a year with the same calendar (leap year and weekday of
/// January 1) inside them: Java keeps applying a zone's last rules forever, and those rules ("second Sunday of
/// March") only depend on the calendar.
fn extrapolation_shift(micros: i64) -> i64 {
    if micros < TABLE_END_MICROS {
        return 0;
    }
    let (year, _, _) = civil_from_days(micros.div_euclid(MICROS_PER_DAY));
    if year <= TABLE_END_YEAR {
        return 0;
    }
    let jan1 = days_from_civil(year, 1, 1);
    let (wd, leap) = (weekday_from_days(jan1), is_leap_year(year));
    for y in TABLE_END_YEAR - 27..=TABLE_END_YEAR {
        let d = days_from_civil(y, 1, 1);
        if is_leap_year(y) == leap && weekday_from_days(d) == wd {
            return (d - jan1) * MICROS_PER_DAY;
        }
    }
    0
}

/// The zone's offset record (with its name) at a UTC instant, extrapolating past the tables.
fn tz_offset_at(tz: &Tz, utc_micros: i64) -> Option<<Tz as TimeZone>::Offset> {
    let shifted = utc_micros + extrapolation_shift(utc_micros);
    naive_of_secs(shifted.div_euclid(MICROS_PER_SECOND)).map(|n| tz.offset_from_utc_datetime(&n))
}

/// Offset of `tz` in seconds at a UTC instant.
pub fn offset_at_utc(tz: &Tz, utc_micros: i64) -> i64 {
    if is_utc(tz) {
        return 0;
    }
    tz_offset_at(tz, utc_micros).map(|o| o.fix().local_minus_utc() as i64).unwrap_or(0)
}

/// UTC micros → wall-clock micros in `tz`.
pub fn utc_to_local(utc_micros: i64, tz: &Tz) -> i64 {
    utc_micros + offset_at_utc(tz, utc_micros) * MICROS_PER_SECOND
}

/// Wall-clock micros in `tz` → UTC micros, resolving like Java's `ZonedDateTime.of`: a time in a DST gap moves
/// forward by the gap's length, a time in an overlap takes the earlier offset.
pub fn local_to_utc(local_micros: i64, tz: &Tz) -> i64 {
    if is_utc(tz) {
        return local_micros;
    }
    let shift = extrapolation_shift(local_micros);
    if shift != 0 {
        return local_to_utc(local_micros + shift, tz) - shift;
    }
    let Some(n) = naive_of_secs(local_micros.div_euclid(MICROS_PER_SECOND)) else { return local_micros };
    let offset = match tz.offset_from_local_datetime(&n) {
        LocalResult::Single(o) => o.fix().local_minus_utc() as i64,
        LocalResult::Ambiguous(a, b) => (a.fix().local_minus_utc() as i64).max(b.fix().local_minus_utc() as i64),
        LocalResult::None => offset_at_utc(tz, local_micros - MICROS_PER_DAY),
    };
    local_micros - offset * MICROS_PER_SECOND
}

fn short_id(id: &str) -> Option<&'static str> {
    // Java's ZoneId.SHORT_IDS, which Spark applies before looking a zone up.
    Some(match id {
        "ACT" => "Australia/Darwin",
        "AET" => "Australia/Sydney",
        "AGT" => "America/Argentina/Buenos_Aires",
        "ART" => "Africa/Cairo",
        "AST" => "America/Anchorage",
        "BET" => "America/Sao_Paulo",
        "BST" => "Asia/Dhaka",
        "CAT" => "Africa/Harare",
        "CNT" => "America/St_Johns",
        "CST" => "America/Chicago",
        "CTT" => "Asia/Shanghai",
        "EAT" => "Africa/Addis_Ababa",
        "ECT" => "Europe/Paris",
        "IET" => "America/Indiana/Indianapolis",
        "IST" => "Asia/Kolkata",
        "JST" => "Asia/Tokyo",
        "MIT" => "Pacific/Apia",
        "NET" => "Asia/Yerevan",
        "NST" => "Pacific/Auckland",
        "PLT" => "Asia/Karachi",
        "PNT" => "America/Phoenix",
        "PRT" => "America/Puerto_Rico",
        "PST" => "America/Los_Angeles",
        "SST" => "Pacific/Guadalcanal",
        "VST" => "Asia/Ho_Chi_Minh",
        "EST" => "-05:00",
        "MST" => "-07:00",
        "HST" => "-10:00",
        _ => return None,
    })
}

/// Parse an offset text `+h`, `+hh`, `+hh:mm`, `+hhmm`, `+hh:mm:ss`, `+hhmmss` (sign required) to seconds.
fn parse_offset_text(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let d = &b[1..];
    let all_digits = |x: &[u8]| x.iter().all(|c| c.is_ascii_digit());
    let num = |x: &[u8]| x.iter().fold(0i32, |a, c| a * 10 + (c - b'0') as i32);
    let (h, m, sec) = match d.len() {
        1 | 2 if all_digits(d) => (num(d), 0, 0),
        4 if all_digits(d) => (num(&d[..2]), num(&d[2..]), 0),
        5 if d[2] == b':' && all_digits(&d[..2]) && all_digits(&d[3..]) => (num(&d[..2]), num(&d[3..]), 0),
        4 if d[1] == b':' && all_digits(&d[..1]) && all_digits(&d[2..]) => (num(&d[..1]), num(&d[2..]), 0),
        6 if all_digits(d) => (num(&d[..2]), num(&d[2..4]), num(&d[4..])),
        8 if d[2] == b':' && d[5] == b':' && all_digits(&d[..2]) && all_digits(&d[3..5]) && all_digits(&d[6..]) => {
            (num(&d[..2]), num(&d[3..5]), num(&d[6..]))
        }
        _ => return None,
    };
    if h > 18 || m > 59 || sec > 59 || (h == 18 && (m > 0 || sec > 0)) {
        return None;
    }
    Some(sign * (h * 3600 + m * 60 + sec))
}

/// Spark's `getZoneId`: `Z`, `+01:00`-style offsets, `UTC+1`/`GMT+01:00`/`UT-3`, short ids (`PST`) and region ids.
pub fn parse_zone(id: &str) -> Option<Zone> {
    let id = id.trim();
    // Spark pads a one-digit offset hour (`+1:30` → `+01:30`) and a trailing one-digit minute (`+01:3` → `+01:03`).
    let b = id.as_bytes();
    if let Some(p) = (0..b.len().saturating_sub(2))
        .find(|&i| (b[i] == b'+' || b[i] == b'-') && b[i + 1].is_ascii_digit() && b[i + 2] == b':')
    {
        return parse_zone(&format!("{}0{}", &id[..p + 1], &id[p + 1..]));
    }
    let n = b.len();
    if n >= 5
        && (b[n - 5] == b'+' || b[n - 5] == b'-')
        && b[n - 4].is_ascii_digit()
        && b[n - 3].is_ascii_digit()
        && b[n - 2] == b':'
        && b[n - 1].is_ascii_digit()
    {
        return parse_zone(&format!("{}0{}", &id[..n - 1], &id[n - 1..]));
    }
    if id == "Z" {
        return Some(Zone::Fixed(0));
    }
    if id.starts_with('+') || id.starts_with('-') {
        return parse_offset_text(id).map(Zone::Fixed);
    }
    for prefix in ["UTC", "GMT", "UT"] {
        if let Some(rest) = id.strip_prefix(prefix) {
            if rest.is_empty() {
                return Some(Zone::Region(if prefix == "GMT" { Tz::GMT } else { Tz::UTC }));
            }
            if rest.starts_with('+') || rest.starts_with('-') {
                return parse_offset_text(rest).map(Zone::Fixed);
            }
        }
    }
    if let Some(mapped) = short_id(id) {
        return parse_zone(mapped);
    }
    id.parse::<Tz>().ok().map(Zone::Region)
}

/// `parse_zone` ignoring case, as datetime patterns parse (Spark builds its formatters case-insensitive).
fn parse_zone_ci(id: &str) -> Option<Zone> {
    static LOWER: std::sync::OnceLock<std::collections::HashMap<String, Tz>> = std::sync::OnceLock::new();
    parse_zone(id).or_else(|| parse_zone(&id.to_ascii_uppercase())).or_else(|| {
        let map = LOWER
            .get_or_init(|| chrono_tz::TZ_VARIANTS.iter().map(|tz| (tz.name().to_ascii_lowercase(), *tz)).collect());
        map.get(&id.trim().to_ascii_lowercase()).copied().map(Zone::Region)
    })
}

/// Whether `s` starts with `prefix`, ignoring ASCII case.
fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

// ---------------------------------------------------------------------------------------------------------------
// Default conversions (CAST)

/// Append a year as Java's `uuuu` prints it: at least 4 digits, `-` for negatives, `+` above 9999.
fn push_year4(out: &mut String, year: i64) {
    if year > 9999 {
        out.push('+');
    }
    if year < 0 {
        out.push('-');
    }
    push_padded(out, year.unsigned_abs(), 4);
}

fn push2(out: &mut String, v: u32) {
    out.push((b'0' + (v / 10 % 10) as u8) as char);
    out.push((b'0' + (v % 10) as u8) as char);
}

/// Write `yyyy-MM-dd` of a day number.
pub fn write_date_default(out: &mut String, days: i64) {
    let (y, m, d) = civil_from_days(days);
    push_year4(out, y);
    out.push('-');
    push2(out, m);
    out.push('-');
    push2(out, d);
}

/// Write `yyyy-MM-dd HH:mm:ss[.ffffff]` (fraction without trailing zeros) of local micros.
pub fn write_local_timestamp_default(out: &mut String, local_micros: i64) {
    let f = fields_of_local(local_micros);
    write_date_default(out, f.days);
    out.push(' ');
    push2(out, f.hour);
    out.push(':');
    push2(out, f.minute);
    out.push(':');
    push2(out, f.second);
    if f.micros != 0 {
        let mut frac = f.micros;
        let mut width = 6;
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        out.push('.');
        push_padded(out, frac as u64, width);
    }
}

/// The pieces of a default-format date/timestamp text (Spark's `stringToTimestamp` segments).
struct DefaultParts {
    year: i64,
    month: u32,
    day: u32,
    /// None when the text had no time part.
    time: Option<(u32, u32, u32, u32)>,
    zone: Option<Zone>,
    /// The text was a time only (`T10:20`, `10:20:30`): the date is today's.
    time_only: bool,
}

fn trim_spark(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ' || c.is_whitespace())
}

/// Read a run of ASCII digits starting at `i`; returns (value, digit count).
fn read_digits(b: &[u8], i: usize, max: usize) -> (i64, usize) {
    let mut v = 0i64;
    let mut n = 0;
    while i + n < b.len() && n < max && b[i + n].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add((b[i + n] - b'0') as i64);
        n += 1;
    }
    (v, n)
}

/// Parse the time part `[h]h[:[m]m[:[s]s[.fraction]]][zone]` starting at `i`.
fn parse_default_time(s: &str, mut i: usize, allow_zone: bool) -> Option<((u32, u32, u32, u32), Option<Zone>)> {
    let b = s.as_bytes();
    let mut vals = [0i64; 3];
    let mut k = 0;
    loop {
        let (v, n) = read_digits(b, i, 2);
        if n == 0 {
            return None;
        }
        vals[k] = v;
        i += n;
        k += 1;
        if k < 3 && i < b.len() && b[i] == b':' {
            i += 1;
            continue;
        }
        break;
    }
    if k == 1 && i < b.len() && b[i].is_ascii_digit() {
        return None;
    }
    let mut micros = 0u32;
    if k == 3 && i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 6 {
                micros = micros * 10 + (b[i] - b'0') as u32;
            }
            i += 1;
        }
        for _ in (i - start).min(6)..6 {
            micros *= 10;
        }
    }
    let rest = &s[i..];
    // A zone may only follow the seconds field (`10:20Z` is rejected by Spark, `10:20:30Z` is not).
    let zone = if rest.is_empty() {
        None
    } else {
        if !allow_zone || k < 3 {
            return None;
        }
        Some(parse_zone_default(rest.trim_start())?)
    };
    let (h, m, sec) = (vals[0], vals[1], vals[2]);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(((h as u32, m as u32, sec as u32, micros), zone))
}

/// The zone of a default-format text: Spark pads single-digit offset hours (`+1:00`) before `getZoneId`.
fn parse_zone_default(z: &str) -> Option<Zone> {
    if z.is_empty() {
        return None;
    }
    parse_zone(z)
}

fn parse_default(s: &str, date_only: bool) -> Option<DefaultParts> {
    let s = trim_spark(s);
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    // Time-only texts: `T10:20:30` or `10:20:30` (a colon after 1-2 digits).
    if !date_only {
        let time_start = if b[0] == b'T' {
            Some(1)
        } else {
            let (_, n) = read_digits(b, 0, 3);
            if (n == 1 || n == 2) && b.get(n) == Some(&b':') {
                Some(0)
            } else {
                None
            }
        };
        if let Some(start) = time_start {
            let (time, zone) = parse_default_time(s, start, true)?;
            return Some(DefaultParts { year: 0, month: 1, day: 1, time: Some(time), zone, time_only: true });
        }
    }
    let mut i = 0;
    let mut neg = false;
    if b[0] == b'+' || b[0] == b'-' {
        neg = b[0] == b'-';
        i = 1;
    }
    // Dates take up to 7 year digits, timestamps up to 6 (Spark's segment limits).
    let (y, n) = read_digits(b, i, 8);
    if n < 4 || n > if date_only { 7 } else { 6 } {
        return None;
    }
    i += n;
    let year = if neg { -y } else { y };
    let mut month = 1u32;
    let mut day = 1u32;
    let mut time = None;
    let mut zone = None;
    if i < b.len() {
        if b[i] != b'-' {
            return None;
        }
        i += 1;
        let (m, n) = read_digits(b, i, 3);
        if !(1..=2).contains(&n) {
            return None;
        }
        month = m as u32;
        i += n;
        if i < b.len() {
            if b[i] != b'-' {
                return None;
            }
            i += 1;
            let (d, n) = read_digits(b, i, 3);
            if !(1..=2).contains(&n) {
                return None;
            }
            day = d as u32;
            i += n;
            if i < b.len() {
                if b[i] != b' ' && b[i] != b'T' {
                    return None;
                }
                if !date_only {
                    let (t, z) = parse_default_time(s, i + 1, true)?;
                    time = Some(t);
                    zone = z;
                }
            }
        }
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(DefaultParts { year, month, day, time, zone, time_only: false })
}

fn today_local_days(tz: &Tz) -> i64 {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
    utc_to_local(now, tz).div_euclid(MICROS_PER_DAY)
}

/// Wall-clock micros of the parts; None past the microsecond range (about ±290 000 years).
fn local_micros_of(p: &DefaultParts, today: i64) -> Option<i64> {
    let days = if p.time_only { today } else { days_from_civil(p.year, p.month, p.day) };
    let (h, m, s, us) = p.time.unwrap_or((0, 0, 0, 0));
    let tod = h as i64 * MICROS_PER_HOUR + m as i64 * MICROS_PER_MINUTE + s as i64 * MICROS_PER_SECOND + us as i64;
    days.checked_mul(MICROS_PER_DAY)?.checked_add(tod)
}

/// Spark's `CAST(string AS TIMESTAMP)` (DateTimeUtils.stringToTimestamp): zone-less text is read in `tz`.
pub fn parse_timestamp_default(s: &str, tz: &Tz) -> Option<i64> {
    let p = parse_default(s, false)?;
    let zone = p.zone.unwrap_or(Zone::Region(*tz));
    let today = if p.time_only {
        match zone {
            Zone::Region(z) => today_local_days(&z),
            Zone::Fixed(_) => today_local_days(tz),
        }
    } else {
        0
    };
    zone.local_to_utc(local_micros_of(&p, today)?).into()
}

/// Spark's `CAST(string AS TIMESTAMP_NTZ)`: wall-clock microseconds (a zone in the text is ignored).
pub fn parse_timestamp_ntz_default(s: &str) -> Option<i64> {
    let p = parse_default(s, false)?;
    if p.time_only {
        return None;
    }
    local_micros_of(&p, 0)
}

/// Spark's `CAST(string AS DATE)` (DateTimeUtils.stringToDate).
pub fn parse_date_default(s: &str) -> Option<i32> {
    let p = parse_default(s, true)?;
    i32::try_from(days_from_civil(p.year, p.month, p.day)).ok()
}

/// Spark's `CAST(timestamp AS STRING)`: `yyyy-MM-dd HH:mm:ss` plus the fraction without trailing zeros, in `tz`.
pub fn format_timestamp_default(micros: i64, tz: &Tz) -> String {
    let mut out = String::with_capacity(26);
    write_local_timestamp_default(&mut out, utc_to_local(micros, tz));
    out
}

/// Spark's `CAST(timestamp_ntz AS STRING)`.
pub fn format_timestamp_ntz_default(micros: i64) -> String {
    let mut out = String::with_capacity(26);
    write_local_timestamp_default(&mut out, micros);
    out
}

/// Spark's `CAST(date AS STRING)`: `yyyy-MM-dd`.
pub fn format_date_default(days: i32) -> String {
    let mut out = String::with_capacity(10);
    write_date_default(&mut out, days as i64);
    out
}

// ---------------------------------------------------------------------------------------------------------------
// Patterns

const MONTHS_SHORT: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS_SHORT: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAYS_LONG: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const QUARTERS_LONG: [&str; 4] = ["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"];

/// Which hour field a pattern letter stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum HourKind {
    /// `H`: 0-23.
    H,
    /// `k`: 1-24.
    K24,
    /// `K`: 0-11.
    K11,
    /// `h`: 1-12.
    H12,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(String),
    Era(usize),
    /// `y` with an era (`G`) in the pattern: year of era.
    Year(usize),
    /// `y` without an era: Spark substitutes Java's `u`, the proleptic year (0 and negatives allowed).
    ProlepticYear(usize),
    Quarter(usize),
    Month(usize),
    Day(usize),
    DayOfYear(usize),
    AlignedDayOfWeekInMonth(usize),
    DayOfWeekText(usize),
    AmPm,
    Hour(HourKind, usize),
    Minute(usize),
    Second(usize),
    Fraction(usize),
    ZoneId,
    ZoneName(usize),
    /// `X` (Z for zero) / `x` (digits for zero), by count.
    OffsetX {
        count: usize,
        z_for_zero: bool,
    },
    /// `Z` by count.
    OffsetZ(usize),
    /// `O` / `OOOO`.
    OffsetO(usize),
    Optional(Vec<Token>),
}

/// A compiled Spark datetime pattern.
#[derive(Debug, Clone)]
pub struct DateTimePattern {
    pub pattern: String,
    tokens: Vec<Token>,
    /// A letter Spark allows only for formatting (`E`, `F`, `q`, `Q`), if the pattern has one.
    format_only: Option<char>,
}

fn recognition_error(pattern: &str) -> EmberError {
    EmberError::execution_class(
        "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION",
        format!(
            "You may get a different result due to the upgrading to Spark >= 3.0:\nFail to recognize '{pattern}' pattern in the DateTimeFormatter.\n1) You can set \"spark.sql.legacy.timeParserPolicy\" to \"LEGACY\" to restore the behavior before Spark 3.0.\n2) You can form a valid datetime pattern with the guide from 'https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html'. SQLSTATE: 42K0B"
        ),
    )
}

fn week_based_error(letter: char) -> EmberError {
    EmberError::execution_class(
        "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN",
        format!(
            "You may get a different result due to the upgrading to Spark >= 3.0:\nAll week-based patterns are unsupported since Spark 3.0, detected week-based character: {letter}.\nPlease use the SQL function EXTRACT instead. SQLSTATE: 42K0B"
        ),
    )
}

fn illegal_char_error(pattern: &str, c: char) -> EmberError {
    EmberError::execution_class(
        "INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER",
        format!(
            "Unrecognized datetime pattern: {pattern}. Illegal pattern character found in datetime pattern: {c}. Please provide legal character. SQLSTATE: 22007"
        ),
    )
}

fn suggestion_error(pattern: &str) -> EmberError {
    EmberError::execution_class(
        "INVALID_DATETIME_PATTERN.WITH_SUGGESTION",
        format!(
            "Unrecognized datetime pattern: '{}'. You can form a valid datetime pattern with the guide from 'https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html'. SQLSTATE: 22007",
            pattern.replace('\'', "\\'")
        ),
    )
}

/// Parse pattern text into tokens; `depth` counts open optional sections.
fn compile_tokens(
    pattern: &str,
    chars: &[char],
    pos: &mut usize,
    depth: usize,
    fo: &mut Option<char>,
) -> Result<Vec<Token>> {
    let mut out: Vec<Token> = Vec::new();
    let push_lit = |out: &mut Vec<Token>, s: &str| {
        if let Some(Token::Literal(prev)) = out.last_mut() {
            prev.push_str(s);
        } else {
            out.push(Token::Literal(s.to_string()));
        }
    };
    while *pos < chars.len() {
        let c = chars[*pos];
        if c == '\'' {
            // Quoted literal; '' is a quote.
            let mut lit = String::new();
            *pos += 1;
            if *pos < chars.len() && chars[*pos] == '\'' {
                *pos += 1;
                push_lit(&mut out, "'");
                continue;
            }
            loop {
                if *pos >= chars.len() {
                    return Err(suggestion_error(pattern));
                }
                if chars[*pos] == '\'' {
                    if *pos + 1 < chars.len() && chars[*pos + 1] == '\'' {
                        lit.push('\'');
                        *pos += 2;
                        continue;
                    }
                    *pos += 1;
                    break;
                }
                lit.push(chars[*pos]);
                *pos += 1;
            }
            push_lit(&mut out, &lit);
            continue;
        }
        if c == '[' {
            *pos += 1;
            let inner = compile_tokens(pattern, chars, pos, depth + 1, fo)?;
            out.push(Token::Optional(inner));
            continue;
        }
        if c == ']' {
            if depth == 0 {
                return Err(recognition_error(pattern));
            }
            *pos += 1;
            return Ok(out);
        }
        if c == '#' || c == '{' || c == '}' {
            return Err(recognition_error(pattern));
        }
        if !c.is_ascii_alphabetic() {
            let mut buf = [0u8; 4];
            push_lit(&mut out, c.encode_utf8(&mut buf));
            *pos += 1;
            continue;
        }
        let mut n = 1;
        while *pos + n < chars.len() && chars[*pos + n] == c {
            n += 1;
        }
        *pos += n;
        let bad = || Err(recognition_error(pattern));
        let tok = match c {
            'G' if n <= 4 => Token::Era(n),
            'G' => return bad(),
            'y' if n <= 19 => Token::Year(n),
            'y' => return bad(),
            'Q' | 'q' if n > 5 || n == 5 => {
                return Err(EmberError::execution_class(
                    "INVALID_DATETIME_PATTERN.LENGTH",
                    format!(
                        "Unrecognized datetime pattern: {pattern}. Too many letters in datetime pattern: {pattern}. Please reduce pattern length. SQLSTATE: 22007"
                    ),
                ))
            }
            'Q' | 'q' if n <= 4 => {
                fo.get_or_insert(c);
                Token::Quarter(n)
            }
            'M' | 'L' if n <= 4 => Token::Month(n),
            'd' if n <= 2 => Token::Day(n),
            'D' if n <= 3 => Token::DayOfYear(n),
            'F' if n <= 1 => {
                fo.get_or_insert(c);
                Token::AlignedDayOfWeekInMonth(n)
            }
            'E' if n <= 4 => {
                fo.get_or_insert(c);
                Token::DayOfWeekText(n)
            }
            'a' if n == 1 => Token::AmPm,
            'H' if n <= 2 => Token::Hour(HourKind::H, n),
            'k' if n <= 2 => Token::Hour(HourKind::K24, n),
            'K' if n <= 2 => Token::Hour(HourKind::K11, n),
            'h' if n <= 2 => Token::Hour(HourKind::H12, n),
            'm' if n <= 2 => Token::Minute(n),
            's' if n <= 2 => Token::Second(n),
            'S' if n <= 9 => Token::Fraction(n),
            'V' if n == 2 => Token::ZoneId,
            'V' => return Err(suggestion_error(pattern)),
            'z' if n <= 4 => Token::ZoneName(n),
            'O' if n == 1 || n == 4 => Token::OffsetO(n),
            'O' => return Err(suggestion_error(pattern)),
            'X' | 'x' if n <= 5 => Token::OffsetX { count: n, z_for_zero: c == 'X' },
            'X' | 'x' => return Err(suggestion_error(pattern)),
            'Z' if n <= 5 => Token::OffsetZ(n),
            'Z' => return bad(),
            'Y' | 'w' | 'W' | 'u' => return bad(),
            'e' | 'c' => return Err(week_based_error(c)),
            'n' | 'N' | 'A' | 'B' | 'p' => return Err(illegal_char_error(pattern, c)),
            'M' | 'L' | 'd' | 'D' | 'F' | 'E' | 'a' | 'H' | 'k' | 'K' | 'h' | 'm' | 's' | 'S' | 'z' | 'Q' | 'q' => {
                return bad()
            }
            other => return Err(illegal_char_error(pattern, other)),
        };
        out.push(tok);
    }
    if depth > 0 {
        // Java closes an unterminated optional section at the end of the pattern.
        return Ok(out);
    }
    Ok(out)
}

fn has_era(tokens: &[Token]) -> bool {
    tokens.iter().any(|t| match t {
        Token::Era(_) => true,
        Token::Optional(inner) => has_era(inner),
        _ => false,
    })
}

fn to_proleptic(tokens: &mut [Token]) {
    for t in tokens {
        match t {
            Token::Year(n) => *t = Token::ProlepticYear(*n),
            Token::Optional(inner) => to_proleptic(inner),
            _ => {}
        }
    }
}

/// Minimum and maximum digits a numeric token reads while parsing; None for text tokens.
fn numeric_width(t: &Token) -> Option<(usize, usize)> {
    Some(match t {
        Token::Year(2) | Token::ProlepticYear(2) => (2, 2),
        Token::Year(n) | Token::ProlepticYear(n) => (*n, 19),
        Token::Month(n) if *n <= 2 => (*n, if *n == 1 { 19 } else { 2 }),
        Token::Day(n) | Token::Minute(n) | Token::Second(n) | Token::Hour(_, n) => (*n, if *n == 1 { 19 } else { 2 }),
        Token::DayOfYear(1) => (1, 19),
        Token::DayOfYear(2) => (2, 3),
        Token::DayOfYear(_) => (3, 3),
        Token::Fraction(n) => (1, *n),
        _ => return None,
    })
}

fn is_fixed_width(t: &Token) -> Option<usize> {
    match (t, numeric_width(t)) {
        (Token::Fraction(_), _) => None,
        (_, Some((a, b))) if a == b => Some(a),
        _ => None,
    }
}

/// Wall-clock fields read from a text.
#[derive(Debug, Clone, Default)]
struct ParsedFields {
    year: Option<i64>,
    year_of_era: Option<i64>,
    era_bc: Option<bool>,
    month: Option<u32>,
    day: Option<u32>,
    day_of_year: Option<u32>,
    hour: Option<u32>,
    hour_ampm: Option<u32>,
    pm: Option<bool>,
    minute: Option<u32>,
    second: Option<u32>,
    nanos: Option<u32>,
    zone: Option<Zone>,
}

/// Case-insensitive match of one of `names` at the start of `s`; longest match wins.
fn match_text(s: &str, names: &[&str]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (i, name) in names.iter().enumerate() {
        if s.len() >= name.len()
            && s.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && best.map(|(_, l)| name.len() > l).unwrap_or(true)
        {
            best = Some((i, name.len()));
        }
    }
    best
}

impl DateTimePattern {
    /// Compile a pattern; invalid patterns give Spark's error.
    pub fn compile(pattern: &str) -> Result<Self> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let mut format_only = None;
        let mut tokens = compile_tokens(pattern, &chars, &mut pos, 0, &mut format_only)?;
        if !has_era(&tokens) {
            to_proleptic(&mut tokens);
        }
        Ok(DateTimePattern { pattern: pattern.to_string(), tokens, format_only })
    }

    /// Spark's error for patterns that only format (`E`, `F`, `q`, `Q`) when used to parse.
    pub fn check_parsable(&self) -> Result<()> {
        match self.format_only {
            Some(c @ ('Q' | 'q')) => Err(illegal_char_error(&self.pattern, c)),
            Some(_) => Err(recognition_error(&self.pattern)),
            None => Ok(()),
        }
    }

    /// Format an instant (UTC microseconds) as wall-clock time in `tz`.
    pub fn format_timestamp(&self, micros: i64, tz: &Tz) -> String {
        let mut out = String::new();
        self.write_timestamp(&mut out, micros, tz);
        out
    }

    /// Append the formatted instant to `out` (the hot path: one reused buffer per batch).
    pub fn write_timestamp(&self, out: &mut String, micros: i64, tz: &Tz) {
        let offset = offset_at_utc(tz, micros);
        let f = fields_of_local(micros + offset * MICROS_PER_SECOND);
        self.write_fields(out, &f, offset as i32, Some((tz, micros)));
    }

    /// Append wall-clock micros formatted with a fixed zone (TIMESTAMP_NTZ formatting uses the session zone's name).
    pub fn write_local(&self, out: &mut String, local_micros: i64, tz: &Tz) {
        let utc = local_to_utc(local_micros, tz);
        let offset = offset_at_utc(tz, utc);
        let f = fields_of_local(local_micros);
        self.write_fields(out, &f, offset as i32, Some((tz, utc)));
    }

    /// Format a date (days since the epoch).
    pub fn format_date(&self, days: i32) -> String {
        let mut out = String::new();
        let f = fields_of_local(days as i64 * MICROS_PER_DAY);
        self.write_fields(&mut out, &f, 0, None);
        out
    }

    fn write_fields(&self, out: &mut String, f: &Fields, offset: i32, zone: Option<(&Tz, i64)>) {
        write_tokens(out, &self.tokens, f, offset, zone);
    }

    /// Parse to an instant (UTC microseconds), reading zone-less text in `tz`; None when it does not match.
    pub fn parse_timestamp(&self, s: &str, tz: &Tz) -> Option<i64> {
        let p = self.parse_fields(s)?;
        let local = resolve_local(&p)?;
        Some(p.zone.unwrap_or(Zone::Region(*tz)).local_to_utc(local))
    }

    /// Parse to wall-clock microseconds (TIMESTAMP_NTZ); a zone in the text is ignored.
    pub fn parse_local(&self, s: &str) -> Option<i64> {
        let p = self.parse_fields(s)?;
        resolve_local(&p)
    }

    /// Parse to a date (days since the epoch); None when it does not match.
    pub fn parse_date(&self, s: &str) -> Option<i32> {
        let p = self.parse_fields(s)?;
        let local = resolve_local(&p)?;
        i32::try_from(local.div_euclid(MICROS_PER_DAY)).ok()
    }

    fn parse_fields(&self, s: &str) -> Option<ParsedFields> {
        let mut p = ParsedFields::default();
        let end = parse_tokens(&self.tokens, s, 0, &mut p)?;
        if end != s.len() {
            return None;
        }
        Some(p)
    }
}

/// Append `v` zero-padded to `width` digits (the formatting hot path: no `fmt` machinery).
fn push_padded(out: &mut String, v: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut x = v;
    loop {
        digits[n] = b'0' + (x % 10) as u8;
        n += 1;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    for _ in n..width {
        out.push('0');
    }
    for k in (0..n).rev() {
        out.push(digits[k] as char);
    }
}

fn write_offset(out: &mut String, offset: i32, colon: bool, with_minutes: bool, with_seconds_if_nonzero: bool) {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    out.push(sign);
    push2(out, h);
    if with_minutes || m != 0 || s != 0 {
        if colon {
            out.push(':');
        }
        push2(out, m);
    }
    if with_seconds_if_nonzero && s != 0 {
        if colon {
            out.push(':');
        }
        push2(out, s);
    }
}

/// `GMT`, `GMT+1`, `GMT+5:30` (short) or `GMT+01:00` (full).
fn write_localized_offset(out: &mut String, offset: i32, full: bool) {
    out.push_str("GMT");
    if offset == 0 {
        return;
    }
    let a = offset.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    out.push(if offset < 0 { '-' } else { '+' });
    if full {
        push2(out, h);
        out.push(':');
        push2(out, m);
        if s != 0 {
            out.push(':');
            push2(out, s);
        }
    } else {
        let _ = write!(out, "{h}");
        if m != 0 || s != 0 {
            out.push(':');
            push2(out, m);
            if s != 0 {
                out.push(':');
                push2(out, s);
            }
        }
    }
}

/// Java's short names for zones whose time-zone database abbreviations are numeric (`-03`, `+1030`).
fn java_short_name(tz: &Tz, dst: bool) -> Option<&'static str> {
    Some(match (tz, dst) {
        (Tz::America__Sao_Paulo, false) => "BRT",
        (Tz::America__Sao_Paulo, true) => "BRST",
        (Tz::Australia__Lord_Howe, false) => "LHST",
        (Tz::Australia__Lord_Howe, true) => "LHDT",
        (Tz::Asia__Kolkata, true) => "IDT",
        _ => return None,
    })
}

/// The abbreviation of a zone's standard (or daylight) time, taken from a recent January or July.
fn seasonal_abbreviation(tz: &Tz, daylight: bool) -> Option<String> {
    use chrono_tz::OffsetComponents;
    for days in [days_from_civil(2024, 1, 15), days_from_civil(2024, 7, 15)] {
        let o = tz_offset_at(tz, days * MICROS_PER_DAY)?;
        if o.dst_offset().is_zero() != daylight {
            return o.abbreviation().map(|s| s.to_string());
        }
    }
    None
}

fn long_zone_name(abbr: &str) -> Option<&'static str> {
    Some(match abbr {
        "UTC" => "Coordinated Universal Time",
        "GMT" => "Greenwich Mean Time",
        "PST" => "Pacific Standard Time",
        "PDT" => "Pacific Daylight Time",
        "MST" => "Mountain Standard Time",
        "MDT" => "Mountain Daylight Time",
        "CST" => "Central Standard Time",
        "CDT" => "Central Daylight Time",
        "EST" => "Eastern Standard Time",
        "EDT" => "Eastern Daylight Time",
        "CET" => "Central European Standard Time",
        "CEST" => "Central European Summer Time",
        "EET" => "Eastern European Standard Time",
        "EEST" => "Eastern European Summer Time",
        "WET" => "Western European Standard Time",
        "WEST" => "Western European Summer Time",
        "BST" => "British Summer Time",
        "LHST" => "Lord Howe Standard Time",
        "LHDT" => "Lord Howe Daylight Time",
        "BRT" => "Brasilia Standard Time",
        "BRST" => "Brasilia Summer Time",
        "JST" => "Japan Standard Time",
        "IST" => "India Standard Time",
        "HST" => "Hawaii-Aleutian Standard Time",
        "AKST" => "Alaska Standard Time",
        "AKDT" => "Alaska Daylight Time",
        _ => return None,
    })
}

fn write_tokens(out: &mut String, tokens: &[Token], f: &Fields, offset: i32, zone: Option<(&Tz, i64)>) {
    for t in tokens {
        match t {
            Token::Literal(s) => out.push_str(s),
            Token::Era(n) => out.push_str(match (f.year > 0, *n == 4) {
                (true, false) => "AD",
                (true, true) => "Anno Domini",
                (false, false) => "BC",
                (false, true) => "Before Christ",
            }),
            Token::Year(n) => {
                let yoe = if f.year > 0 { f.year } else { 1 - f.year } as u64;
                match *n {
                    2 => push_padded(out, yoe % 100, 2),
                    n if n >= 4 => {
                        let digits = if yoe == 0 { 1 } else { yoe.ilog10() as usize + 1 };
                        if digits > n {
                            out.push('+');
                        }
                        push_padded(out, yoe, n);
                    }
                    n => push_padded(out, yoe, n),
                }
            }
            Token::ProlepticYear(n) => {
                let abs = f.year.unsigned_abs();
                match *n {
                    2 => push_padded(out, abs % 100, 2),
                    n => {
                        let digits = if abs == 0 { 1 } else { abs.ilog10() as usize + 1 };
                        if f.year < 0 {
                            out.push('-');
                        } else if n >= 4 && digits > n {
                            out.push('+');
                        }
                        push_padded(out, abs, n);
                    }
                }
            }
            Token::Quarter(n) => {
                let q = (f.month - 1) / 3 + 1;
                match n {
                    1 => push_padded(out, q as u64, 1),
                    2 => push_padded(out, q as u64, 2),
                    3 => {
                        out.push('Q');
                        push_padded(out, q as u64, 1);
                    }
                    _ => out.push_str(QUARTERS_LONG[q as usize - 1]),
                }
            }
            Token::Month(n) => match n {
                1 => push_padded(out, f.month as u64, 1),
                2 => push2(out, f.month),
                3 => out.push_str(MONTHS_SHORT[f.month as usize - 1]),
                _ => out.push_str(MONTHS_LONG[f.month as usize - 1]),
            },
            Token::Day(n) => push_padded(out, f.day as u64, *n),
            Token::DayOfYear(n) => push_padded(out, day_of_year(f.year, f.month, f.day) as u64, *n),
            Token::AlignedDayOfWeekInMonth(n) => push_padded(out, ((f.day - 1) % 7 + 1) as u64, *n),
            Token::DayOfWeekText(n) => {
                let wd = weekday_from_days(f.days) as usize;
                out.push_str(if *n == 4 { DAYS_LONG[wd] } else { DAYS_SHORT[wd] })
            }
            Token::AmPm => out.push_str(if f.hour < 12 { "AM" } else { "PM" }),
            Token::Hour(kind, n) => {
                let v = match kind {
                    HourKind::H => f.hour,
                    HourKind::K24 => {
                        if f.hour == 0 {
                            24
                        } else {
                            f.hour
                        }
                    }
                    HourKind::K11 => f.hour % 12,
                    HourKind::H12 => {
                        if f.hour % 12 == 0 {
                            12
                        } else {
                            f.hour % 12
                        }
                    }
                };
                push_padded(out, v as u64, *n);
            }
            Token::Minute(n) => push_padded(out, f.minute as u64, *n),
            Token::Second(n) => push_padded(out, f.second as u64, *n),
            Token::Fraction(n) => {
                let nanos = f.micros as u64 * 1000;
                let v = nanos / 10u64.pow(9 - *n as u32);
                push_padded(out, v, *n);
            }
            Token::ZoneId => match zone {
                Some((tz, _)) => out.push_str(tz.name()),
                None => out.push_str("UTC"),
            },
            Token::ZoneName(n) => {
                let abbr = match zone {
                    // Java names a time by its zone's standard or daylight name (local mean time and the like
                    // count as standard time).
                    Some((tz, utc)) => tz_offset_at(tz, utc).and_then(|o| {
                        use chrono_tz::OffsetComponents;
                        let dst = !o.dst_offset().is_zero();
                        java_short_name(tz, dst).map(|s| s.to_string()).or_else(|| {
                            if dst {
                                // Today's daylight name (PDT, not the historical PWT/PPT).
                                seasonal_abbreviation(tz, true).or_else(|| o.abbreviation().map(|a| a.to_string()))
                            } else {
                                seasonal_abbreviation(tz, false)
                            }
                        })
                    }),
                    None => Some("UTC".to_string()),
                };
                match abbr {
                    Some(a) if a.starts_with('+') || a.starts_with('-') => write_localized_offset(out, offset, true),
                    Some(a) if *n == 4 => out.push_str(long_zone_name(&a).unwrap_or(&a)),
                    Some(a) => out.push_str(&a),
                    None => write_localized_offset(out, offset, true),
                }
            }
            Token::OffsetX { count, z_for_zero } => {
                if offset == 0 && *z_for_zero {
                    out.push('Z');
                } else {
                    match count {
                        1 => write_offset(out, offset, false, false, false),
                        2 => write_offset(out, offset, false, true, false),
                        3 => write_offset(out, offset, true, true, false),
                        4 => write_offset(out, offset, false, true, true),
                        _ => write_offset(out, offset, true, true, true),
                    }
                }
            }
            Token::OffsetZ(n) => match n {
                1..=3 => write_offset(out, offset, false, true, false),
                4 => write_localized_offset(out, offset, true),
                _ => {
                    if offset == 0 {
                        out.push('Z')
                    } else {
                        write_offset(out, offset, true, true, true)
                    }
                }
            },
            Token::OffsetO(n) => write_localized_offset(out, offset, *n == 4),
            Token::Optional(inner) => write_tokens(out, inner, f, offset, zone),
        }
    }
}

/// Read digits for a numeric token: at least `min`, at most `max`, leaving `reserve` digits for the fixed-width
/// fields that directly follow (Java's adjacent value parsing).
fn take_digits(s: &[u8], pos: usize, min: usize, max: usize, reserve: usize) -> Option<(u64, usize)> {
    let mut avail = 0;
    while pos + avail < s.len() && s[pos + avail].is_ascii_digit() {
        avail += 1;
    }
    let n = avail.saturating_sub(reserve).min(max);
    if n < min {
        return None;
    }
    let mut v = 0u64;
    for &c in &s[pos..pos + n] {
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some((v, n))
}

/// Parse an offset like `+01`, `+0130`, `+01:30`, `+01:30:15` with the layout a count of X/x/Z letters expects.
fn parse_offset_pattern(s: &str, count: usize, colon_style: Option<bool>) -> Option<(i32, usize)> {
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let two = |i: usize| -> Option<u32> {
        if i + 2 <= b.len() && b[i].is_ascii_digit() && b[i + 1].is_ascii_digit() {
            Some(((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as u32)
        } else {
            None
        }
    };
    let h = two(1)?;
    let mut i = 3;
    let mut m = 0;
    let mut sec = 0;
    let colon = colon_style.unwrap_or(count == 3 || count == 5);
    let want_minutes = count >= 2;
    if colon {
        if b.get(i) == Some(&b':') {
            if let Some(v) = two(i + 1) {
                m = v;
                i += 3;
                if count >= 4 && b.get(i) == Some(&b':') {
                    if let Some(v) = two(i + 1) {
                        sec = v;
                        i += 3;
                    }
                }
            }
        } else if want_minutes && count != 1 {
            return None;
        }
    } else if let Some(v) = two(i) {
        m = v;
        i += 2;
        if count >= 4 {
            if let Some(v) = two(i) {
                sec = v;
                i += 2;
            }
        }
    } else if want_minutes {
        return None;
    }
    if h > 18 || m > 59 || sec > 59 {
        return None;
    }
    Some((sign * (h * 3600 + m * 60 + sec) as i32, i))
}

/// Parse a `GMT+1`/`GMT+01:00`/`GMT` localized offset.
fn parse_localized_offset(s: &str) -> Option<(i32, usize)> {
    if s.len() < 3 || !s.as_bytes()[..3].eq_ignore_ascii_case(b"GMT") {
        return None;
    }
    let b = &s.as_bytes()[3..];
    let sign = match b.first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Some((0, 3)),
    };
    let (h, n) = read_digits(b, 1, 2);
    if n == 0 {
        return Some((0, 3));
    }
    let mut i = 1 + n;
    let mut m = 0;
    let mut sec = 0;
    if b.get(i) == Some(&b':') {
        let (v, k) = read_digits(b, i + 1, 2);
        if k == 2 {
            m = v;
            i += 3;
            if b.get(i) == Some(&b':') {
                let (v, k) = read_digits(b, i + 1, 2);
                if k == 2 {
                    sec = v;
                    i += 3;
                }
            }
        }
    }
    if h > 18 || m > 59 || sec > 59 {
        return None;
    }
    Some((sign * (h * 3600 + m * 60 + sec) as i32, 3 + i))
}

/// Parse a zone id (`America/New_York`, `UTC`, `Z`, `+01:00`, `GMT+1`) at the start of `s`: the longest prefix that
/// names a zone.
fn parse_zone_prefix(s: &str) -> Option<(Zone, usize)> {
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '+' | '-' | ':')))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let mut k = end;
    while k > 0 {
        if s.is_char_boundary(k) {
            if let Some(z) = parse_zone_ci(&s[..k]) {
                return Some((z, k));
            }
        }
        k -= 1;
    }
    None
}

/// Parse a zone name (`PST`, `UTC`, `Pacific Standard Time`, region ids) at the start of `s`.
fn parse_zone_name_prefix(s: &str) -> Option<(Zone, usize)> {
    const LONG: [(&str, &str); 10] = [
        ("Coordinated Universal Time", "UTC"),
        ("Greenwich Mean Time", "GMT"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("Pacific Daylight Time", "America/Los_Angeles"),
        ("Eastern Standard Time", "America/New_York"),
        ("Eastern Daylight Time", "America/New_York"),
        ("Central Standard Time", "America/Chicago"),
        ("Central Daylight Time", "America/Chicago"),
        ("Mountain Standard Time", "America/Denver"),
        ("Mountain Daylight Time", "America/Denver"),
    ];
    for (name, id) in LONG {
        if starts_with_ci(s, name) {
            return parse_zone(id).map(|z| (z, name.len()));
        }
    }
    const ABBR: [(&str, &str); 17] = [
        // Java's generic names.
        ("PT", "America/Los_Angeles"),
        ("MT", "America/Denver"),
        ("CT", "America/Chicago"),
        ("ET", "America/New_York"),
        // Java's zone-name parser reads BST as Bougainville Standard Time and IST as a GMT zone (Abidjan), unlike
        // the short ids of CAST (checked against Spark).
        ("IST", "Africa/Abidjan"),
        ("BST", "Pacific/Bougainville"),
        ("LHST", "Australia/Lord_Howe"),
        ("LHDT", "Australia/Lord_Howe"),
        ("BRST", "America/Sao_Paulo"),
        ("BRT", "America/Sao_Paulo"),
        ("PDT", "America/Los_Angeles"),
        ("EDT", "America/New_York"),
        ("CDT", "America/Chicago"),
        ("MDT", "America/Denver"),
        ("CEST", "Europe/Paris"),
        ("EEST", "Europe/Athens"),
        ("AKDT", "America/Anchorage"),
    ];
    for (name, id) in ABBR {
        if starts_with_ci(s, name) && !s[name.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '/') {
            return parse_zone(id).map(|z| (z, name.len()));
        }
    }
    parse_zone_prefix(s)
}

/// Widths of the fixed-width numeric tokens directly after `tokens[i]`.
fn reserved_after(tokens: &[Token], i: usize) -> usize {
    let mut r = 0;
    for t in &tokens[i + 1..] {
        match is_fixed_width(t) {
            Some(w) => r += w,
            None => break,
        }
    }
    r
}

/// Parse `tokens` against `s` from byte `pos`; returns the end position.
fn parse_tokens(tokens: &[Token], s: &str, mut pos: usize, p: &mut ParsedFields) -> Option<usize> {
    let b = s.as_bytes();
    for (i, t) in tokens.iter().enumerate() {
        let rest = &s[pos..];
        match t {
            Token::Literal(lit) => {
                if !starts_with_ci(rest, lit) {
                    return None;
                }
                pos += lit.len();
            }
            Token::Optional(inner) => {
                let mut trial = p.clone();
                if let Some(end) = parse_tokens(inner, s, pos, &mut trial) {
                    *p = trial;
                    pos = end;
                }
            }
            Token::Era(n) => {
                let names: &[&str] = if *n == 4 { &["Anno Domini", "Before Christ"] } else { &["AD", "BC"] };
                let (idx, len) = match_text(rest, names)?;
                p.era_bc = Some(idx == 1);
                pos += len;
            }
            Token::Year(n) => {
                let reserve = reserved_after(tokens, i);
                if *n >= 4 && rest.starts_with('+') {
                    let (v, len) = take_digits(b, pos + 1, *n + 1, 19, reserve)?;
                    p.year_of_era = Some(v as i64);
                    pos += 1 + len;
                } else {
                    let (min, max) = numeric_width(t)?;
                    let (v, len) = take_digits(b, pos, min, max, reserve)?;
                    // More digits than the pad width need an explicit sign (Java's EXCEEDS_PAD in strict mode).
                    if *n >= 4 && len > *n {
                        return None;
                    }
                    p.year_of_era = Some(if *n == 2 { 2000 + v as i64 } else { v as i64 });
                    pos += len;
                }
            }
            Token::ProlepticYear(n) => {
                let reserve = reserved_after(tokens, i);
                let (neg, plus, start) = match b.get(pos) {
                    Some(b'-') if *n != 2 => (true, false, pos + 1),
                    Some(b'+') if *n >= 4 => (false, true, pos + 1),
                    _ => (false, false, pos),
                };
                let (min, max) = numeric_width(t)?;
                let (v, len) = take_digits(b, start, min, max, reserve)?;
                // More digits than the pad width need an explicit sign (Java's EXCEEDS_PAD in strict mode).
                if *n >= 4 && ((len > *n && !neg && !plus) || (plus && len <= *n)) {
                    return None;
                }
                let v = v as i64;
                p.year = Some(if *n == 2 {
                    2000 + v
                } else if neg {
                    -v
                } else {
                    v
                });
                pos = start + len;
            }
            Token::Month(n) if *n >= 3 => {
                let names: &[&str] = if *n == 3 { &MONTHS_SHORT } else { &MONTHS_LONG };
                let (idx, len) = match_text(rest, names)?;
                p.month = Some(idx as u32 + 1);
                pos += len;
            }
            Token::AmPm => {
                let (idx, len) = match_text(rest, &["AM", "PM"])?;
                p.pm = Some(idx == 1);
                pos += len;
            }
            Token::Fraction(n) => {
                let reserve = reserved_after(tokens, i);
                let fixed = reserve > 0 || tokens.get(i + 1).map(|t| numeric_width(t).is_some()).unwrap_or(false);
                let min = if fixed { *n } else { 1 };
                let (v, len) = take_digits(b, pos, min, *n, reserve)?;
                p.nanos = Some((v * 10u64.pow(9 - len as u32)) as u32);
                pos += len;
            }
            Token::ZoneId => {
                let (z, len) = parse_zone_prefix(rest)?;
                p.zone = Some(z);
                pos += len;
            }
            Token::ZoneName(_) => {
                let (z, len) = parse_zone_name_prefix(rest)?;
                p.zone = Some(z);
                pos += len;
            }
            Token::OffsetX { count, z_for_zero } => {
                if *z_for_zero && starts_with_ci(rest, "Z") {
                    p.zone = Some(Zone::Fixed(0));
                    pos += 1;
                } else {
                    let (o, len) = parse_offset_pattern(rest, *count, None)?;
                    p.zone = Some(Zone::Fixed(o));
                    pos += len;
                }
            }
            Token::OffsetZ(n) => match n {
                1..=3 => {
                    let (o, len) = parse_offset_pattern(rest, 4, Some(false))?;
                    p.zone = Some(Zone::Fixed(o));
                    pos += len;
                }
                4 => {
                    let (o, len) = parse_localized_offset(rest)?;
                    p.zone = Some(Zone::Fixed(o));
                    pos += len;
                }
                _ => {
                    if starts_with_ci(rest, "Z") {
                        p.zone = Some(Zone::Fixed(0));
                        pos += 1;
                    } else {
                        let (o, len) = parse_offset_pattern(rest, 5, Some(true))?;
                        p.zone = Some(Zone::Fixed(o));
                        pos += len;
                    }
                }
            },
            Token::OffsetO(_) => {
                let (o, len) = parse_localized_offset(rest)?;
                p.zone = Some(Zone::Fixed(o));
                pos += len;
            }
            Token::Quarter(_) | Token::AlignedDayOfWeekInMonth(_) | Token::DayOfWeekText(_) => return None,
            _ => {
                let (min, max) = numeric_width(t)?;
                let (v, len) = take_digits(b, pos, min, max, reserved_after(tokens, i))?;
                let v = u32::try_from(v).ok()?;
                match t {
                    Token::Month(_) => p.month = Some(v),
                    Token::Day(_) => p.day = Some(v),
                    Token::DayOfYear(_) => p.day_of_year = Some(v),
                    Token::Hour(kind, _) => match kind {
                        HourKind::H => p.hour = Some(v).filter(|v| *v <= 23).or(Some(99)),
                        HourKind::K24 => {
                            p.hour = Some(if v == 24 {
                                0
                            } else if (1..=24).contains(&v) {
                                v
                            } else {
                                99
                            })
                        }
                        HourKind::K11 => p.hour_ampm = Some(if v <= 11 { v } else { 99 }),
                        HourKind::H12 => {
                            p.hour_ampm = Some(if v == 12 {
                                0
                            } else if (1..=12).contains(&v) {
                                v
                            } else {
                                99
                            })
                        }
                    },
                    Token::Minute(_) => p.minute = Some(v),
                    Token::Second(_) => p.second = Some(v),
                    _ => return None,
                }
                pos += len;
            }
        }
    }
    Some(pos)
}

/// Turn parsed fields into wall-clock micros, with Spark's defaults (1970-01-01, midnight) and strict validation.
fn resolve_local(p: &ParsedFields) -> Option<i64> {
    let year = match (p.year, p.year_of_era, p.era_bc) {
        (Some(y), _, _) => y,
        (None, Some(yoe), Some(true)) => 1 - yoe,
        (None, Some(yoe), _) => yoe,
        (None, None, _) => 1970,
    };
    let (month, day) = match p.day_of_year {
        Some(doy) => {
            let max = if is_leap_year(year) { 366 } else { 365 };
            if doy < 1 || doy > max {
                return None;
            }
            let (_, m, d) = civil_from_days(days_from_civil(year, 1, 1) + doy as i64 - 1);
            if p.month.map(|pm| pm != m).unwrap_or(false) || p.day.map(|pd| pd != d).unwrap_or(false) {
                return None;
            }
            (m, d)
        }
        None => (p.month.unwrap_or(1), p.day.unwrap_or(1)),
    };
    if year.unsigned_abs() > 300_000 {
        return None;
    }
    let days = checked_days(year, month, day)?;
    let hour = match (p.hour, p.hour_ampm) {
        (Some(h), _) => h,
        (None, Some(h)) => {
            if h > 11 {
                return None;
            }
            h + if p.pm == Some(true) { 12 } else { 0 }
        }
        (None, None) => 0,
    };
    let minute = p.minute.unwrap_or(0);
    let second = p.second.unwrap_or(0);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let micros = p.nanos.unwrap_or(0) as i64 / 1000;
    days.checked_mul(MICROS_PER_DAY)?.checked_add(
        hour as i64 * MICROS_PER_HOUR + minute as i64 * MICROS_PER_MINUTE + second as i64 * MICROS_PER_SECOND + micros,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LA: Tz = Tz::America__Los_Angeles;

    fn ts(s: &str) -> i64 {
        parse_timestamp_default(s, &Tz::UTC).unwrap()
    }

    fn p(pattern: &str, s: &str) -> Option<String> {
        let pat = DateTimePattern::compile(pattern).unwrap();
        pat.parse_timestamp(s, &Tz::UTC).map(|m| format_timestamp_default(m, &Tz::UTC))
    }

    #[test]
    fn calendar_round_trips() {
        for d in [-800_000i64, -719_162, -1, 0, 1, 19_723, 2_932_896, 3_000_000] {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), d);
        }
        assert_eq!(days_from_civil(2024, 1, 5), 19_727);
        assert_eq!(weekday_from_days(19_727), 4);
        assert_eq!(day_of_year(2024, 11, 3), 308);
    }

    #[test]
    fn default_timestamp_parsing_matches_spark() {
        assert_eq!(ts("2024-01-05 10:20:30.123456"), 1_704_450_030_123_456);
        assert_eq!(format_timestamp_default(ts("2024"), &Tz::UTC), "2024-01-01 00:00:00");
        assert_eq!(format_timestamp_default(ts("2024-1"), &Tz::UTC), "2024-01-01 00:00:00");
        assert_eq!(format_timestamp_default(ts("2024-01-05 1:2:3"), &Tz::UTC), "2024-01-05 01:02:03");
        assert_eq!(
            format_timestamp_default(ts("2024-01-05T10:20:30.123456789"), &Tz::UTC),
            "2024-01-05 10:20:30.123456"
        );
        assert_eq!(format_timestamp_default(ts("2024-01-05 10:20:30+01:00"), &Tz::UTC), "2024-01-05 09:20:30");
        assert_eq!(format_timestamp_default(ts("2024-01-05 10:20:30 UTC+1"), &Tz::UTC), "2024-01-05 09:20:30");
        assert_eq!(
            format_timestamp_default(ts("2024-01-05 10:20:30 America/New_York"), &Tz::UTC),
            "2024-01-05 15:20:30"
        );
        assert_eq!(format_timestamp_default(ts("2024-01-05 10:20:30 PST"), &Tz::UTC), "2024-01-05 18:20:30");
        assert_eq!(format_timestamp_default(ts("2024-01-05 10:20:30-0130"), &Tz::UTC), "2024-01-05 11:50:30");
        assert_eq!(format_timestamp_default(ts("2024-01-05 10:20:30+1"), &Tz::UTC), "2024-01-05 09:20:30");
        assert_eq!(format_timestamp_default(ts("2024-01-05 10:20:30 +01:30:15"), &Tz::UTC), "2024-01-05 08:50:15");
        assert_eq!(format_timestamp_default(ts("2024-01-05 10:20:30GMT+01:00"), &Tz::UTC), "2024-01-05 09:20:30");
        assert_eq!(
            format_timestamp_default(ts("2024-01-05T10:20:30.5 Europe/Paris"), &Tz::UTC),
            "2024-01-05 09:20:30.5"
        );
        assert_eq!(format_timestamp_default(ts("  2024-01-05  "), &Tz::UTC), "2024-01-05 00:00:00");
        assert_eq!(format_timestamp_default(ts("2024-01-05 10:20:30."), &Tz::UTC), "2024-01-05 10:20:30");
        assert_eq!(format_timestamp_default(ts("02024-01-05"), &Tz::UTC), "2024-01-05 00:00:00");
        assert_eq!(format_timestamp_default(ts("+2024-01-05"), &Tz::UTC), "2024-01-05 00:00:00");
        for bad in [
            "2024-01-05T",
            "2024-13-05",
            "2024-02-30",
            "2024-01-05X",
            "2024/01/05",
            "2024-01-05 10:20:60",
            "2024-01-05 24:00:00",
            "",
        ] {
            assert_eq!(parse_timestamp_default(bad, &Tz::UTC), None, "{bad}");
        }
        assert!(parse_timestamp_default("T10:20:30", &Tz::UTC).is_some());
        assert!(parse_timestamp_default("T10", &Tz::UTC).is_some());
        assert!(parse_timestamp_default("T10:20:30Z", &Tz::UTC).is_some());
        assert!(parse_timestamp_default("10:20:30 UTC", &Tz::UTC).is_some());
        for bad in
            ["2024-01-05 10:20Z", "2024-01-05 10Z", "2024-01-05 10:20+01:00", "T10:20Z", "2024-01-05Z", "999-01-01"]
        {
            assert_eq!(parse_timestamp_default(bad, &Tz::UTC), None, "{bad}");
        }
        for bad in [
            "2024-01-05 10:20:30 UTC+",
            "2024-01-05 10:20:30 +18:01",
            "2024-01-05 10:20:30 +123",
            "1234567-01-01",
            "2024-001-05",
        ] {
            assert_eq!(parse_timestamp_default(bad, &Tz::UTC), None, "{bad}");
        }
        let f = |s: &str| parse_timestamp_default(s, &Tz::UTC).map(|v| format_timestamp_default(v, &Tz::UTC));
        assert_eq!(f("2024-01-05 10:20:30  UTC").as_deref(), Some("2024-01-05 10:20:30"));
        assert_eq!(f("2024-01-05 10:20:30.5UTC").as_deref(), Some("2024-01-05 10:20:30.5"));
        assert_eq!(f("2024-01-05 10:20:30 -8").as_deref(), Some("2024-01-05 18:20:30"));
        assert_eq!(f("2024-01-05 10:20:30 +1:30").as_deref(), Some("2024-01-05 08:50:30"));
        assert_eq!(f("2024-01-05 10:20:30 +18:00").as_deref(), Some("2024-01-04 16:20:30"));
        assert_eq!(f("2024-01-05 10:20:30 +0").as_deref(), Some("2024-01-05 10:20:30"));
        assert_eq!(f("2024-01-05 10:20:30 Z ").as_deref(), Some("2024-01-05 10:20:30"));
        assert_eq!(f("2024-01-05 10:20:30 GMT0").as_deref(), Some("2024-01-05 10:20:30"));
        assert_eq!(f("2024-01-05 10:20:30 Etc/GMT+1").as_deref(), Some("2024-01-05 11:20:30"));
        assert_eq!(f("2024-01-05 10:20:30 EST5EDT").as_deref(), Some("2024-01-05 15:20:30"));
        assert_eq!(f("2024-01-05 10:20:30 Europe/paris"), None);
        assert_eq!(f("2024-01-05T10").as_deref(), Some("2024-01-05 10:00:00"));
        assert_eq!(f("2024-1-5T1:2").as_deref(), Some("2024-01-05 01:02:00"));
        assert_eq!(f(" \t2024-01-05\n").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(f("123456-01-01").as_deref(), Some("+123456-01-01 00:00:00"));
        assert_eq!(f("2024-01-05 10:20:30:40"), None);
        assert_eq!(f("2024-01-05 garbage"), None);
        assert_eq!(parse_date_default("2024-01-05 garbage"), Some(19_727));
        assert_eq!(parse_date_default("1234567-01-01").map(format_date_default).as_deref(), Some("+1234567-01-01"));
        assert_eq!(parse_date_default("2024-01-05Z"), None);
        // Past the microsecond range: null, not an overflow.
        assert_eq!(parse_timestamp_default("999999-01-01", &Tz::UTC), None);
        assert_eq!(parse_timestamp_ntz_default("999999-12-31 23:59:59"), None);
        assert_eq!(DateTimePattern::compile("y").unwrap().parse_timestamp("9999999999999", &Tz::UTC), None);
        assert_eq!(parse_timestamp_ntz_default("10:20:30"), None);
        assert_eq!(parse_timestamp_ntz_default("2024-01-05 10:20:30+01:00"), Some(1_704_450_030_000_000));
    }

    #[test]
    fn dst_gap_and_overlap_resolve_like_java() {
        // 02:30 does not exist in Los Angeles on 2024-03-10: Java moves it to 03:30 PDT = 10:30Z.
        let gap = parse_timestamp_default("2024-03-10 02:30:00", &LA).unwrap();
        assert_eq!(format_timestamp_default(gap, &Tz::UTC), "2024-03-10 10:30:00");
        assert_eq!(format_timestamp_default(gap, &LA), "2024-03-10 03:30:00");
        // 01:30 happens twice on 2024-11-03: the earlier offset (PDT) wins → 08:30Z.
        let overlap = parse_timestamp_default("2024-11-03 01:30:00", &LA).unwrap();
        assert_eq!(format_timestamp_default(overlap, &Tz::UTC), "2024-11-03 08:30:00");
        assert_eq!(format_timestamp_default(overlap + MICROS_PER_HOUR, &LA), "2024-11-03 01:30:00");
        let pat = DateTimePattern::compile("yyyy-MM-dd HH:mm:ss z").unwrap();
        assert_eq!(pat.format_timestamp(overlap, &LA), "2024-11-03 01:30:00 PDT");
        assert_eq!(pat.format_timestamp(overlap + MICROS_PER_HOUR, &LA), "2024-11-03 01:30:00 PST");
    }

    #[test]
    fn default_dates_and_formatting() {
        assert_eq!(parse_date_default("2024-01-05T"), Some(19_727));
        assert_eq!(parse_date_default("2024-01-05 10:20:60"), Some(19_727));
        assert_eq!(parse_date_default("2024-1"), Some(19_723));
        assert_eq!(parse_date_default("10:20:30"), None);
        assert_eq!(parse_date_default("2024-01-05X"), None);
        assert_eq!(format_date_default(days_from_civil(-44, 3, 15) as i32), "-0044-03-15");
        assert_eq!(format_date_default(days_from_civil(12345, 1, 1) as i32), "+12345-01-01");
        assert_eq!(format_date_default(days_from_civil(1, 1, 1) as i32), "0001-01-01");
        assert_eq!(format_timestamp_ntz_default(1_704_450_030_120_000), "2024-01-05 10:20:30.12");
    }

    #[test]
    fn formats_like_java() {
        let t = ts("2024-11-03 08:05:06.789012");
        let f = |pat: &str| DateTimePattern::compile(pat).unwrap().format_timestamp(t, &Tz::UTC);
        assert_eq!(f("yyyy-MM-dd HH:mm:ss.SSS"), "2024-11-03 08:05:06.789");
        assert_eq!(f("EEE, dd MMM yyyy hh:mm:ss a"), "Sun, 03 Nov 2024 08:05:06 AM");
        assert_eq!(f("EEEE MMMM d y"), "Sunday November 3 2024");
        assert_eq!(f("yy M L LLL LLLL D DDD E"), "24 11 11 Nov November 308 308 Sun");
        assert_eq!(f("h H k K m s S SS"), "8 8 8 8 5 6 7 78");
        assert_eq!(f("z zzzz VV O OOOO"), "UTC Coordinated Universal Time UTC GMT GMT");
        assert_eq!(f("Z ZZZZ ZZZZZ X XX XXX x xx xxx"), "+0000 GMT Z Z Z Z +00 +0000 +00:00");
        assert_eq!(f("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"), "2024-11-03T08:05:06.789012Z");
        assert_eq!(f("'T''q'''"), "T'q'");
        assert_eq!(f("yyyy-MM-dd[ HH:mm]"), "2024-11-03 08:05");
        assert_eq!(f("Q QQ QQQ QQQQ"), "4 04 Q4 4th quarter");
        assert_eq!(f("G GGGG"), "AD Anno Domini");
        assert_eq!(f("yyyyy"), "02024");
        assert_eq!(f("F"), "3");
        assert_eq!(f("xxxxx"), "+00:00");
        let la = DateTimePattern::compile("yyyy-MM-dd HH:mm XXX xx O OOOO VV").unwrap();
        assert_eq!(la.format_timestamp(t, &LA), "2024-11-03 01:05 -07:00 -0700 GMT-7 GMT-07:00 America/Los_Angeles");
        let y = DateTimePattern::compile("yyyy-MM-dd y yy G").unwrap();
        assert_eq!(y.format_timestamp(ts("-0044-03-15 12:00:00"), &Tz::UTC), "0045-03-15 45 45 BC");
        assert_eq!(y.format_timestamp(ts("12345-01-01 00:00:00"), &Tz::UTC), "+12345-01-01 12345 45 AD");
        assert_eq!(y.format_timestamp(ts("1900-01-01 00:00:00"), &Tz::UTC), "1900-01-01 1900 00 AD");
    }

    /// Rows of a 33 840-row comparison with PySpark's date_format/to_timestamp/CAST over six zones.
    #[test]
    fn matches_spark_across_zones_and_centuries() {
        let la = LA;
        let f = |tz: &Tz, pat: &str, m: i64| DateTimePattern::compile(pat).unwrap().format_timestamp(m, tz);
        // Past the zone tables (2099) Java keeps applying the last DST rules.
        assert_eq!(f(&la, "yyyy-MM-dd HH:mm:ss.SSSSSS", 12_206_008_495_129_815), "2356-10-16 22:54:55.129815");
        assert_eq!(format_timestamp_default(12_206_008_495_129_815, &la), "2356-10-16 22:54:55.129815");
        assert_eq!(f(&la, "O OOOO", 12_206_008_495_129_815), "GMT-7 GMT-07:00");
        let pdt = DateTimePattern::compile("yyyy-MM-dd HH:mm:ss z").unwrap();
        assert_eq!(pdt.parse_timestamp("2356-10-16 22:54:55 PDT", &la), Some(12_206_008_495_000_000));
        // Year 0 and local mean time.
        assert_eq!(f(&la, "yyyy-MM-dd HH:mm:ss.SSSSSS", -62_135_596_800_000_000), "0000-12-31 16:07:02.000000");
        assert_eq!(f(&la, "y yy yyy yyyy yyyyy", -62_135_596_800_000_000), "0 00 000 0000 00000");
        assert_eq!(f(&la, "z zz zzz zzzz", -3_582_303_944_317_446), "PST PST PST Pacific Standard Time");
        assert_eq!(f(&la, "Z ZZ ZZZ ZZZZ ZZZZZ", -3_582_303_944_317_446), "-0752 -0752 -0752 GMT-07:52:58 -07:52:58");
        assert_eq!(f(&Tz::Europe__London, "z zz zzz zzzz", 0), "GMT GMT GMT Greenwich Mean Time");
        assert_eq!(f(&Tz::America__Sao_Paulo, "z zzzz", -3_582_303_944_317_446), "BRT Brasilia Standard Time");
        assert_eq!(f(&Tz::Australia__Lord_Howe, "z", -3_582_303_944_317_446), "LHST");
        // Without an era, `y` is the proleptic year (Spark substitutes Java's `u`).
        let bc = ts("-0044-03-15 12:00:00");
        assert_eq!(f(&Tz::UTC, "yyyy-MM-dd y", bc), "-0044-03-15 -44");
        assert_eq!(p("yyyy-MM-dd", "-0044-03-15").as_deref(), Some("-0044-03-15 00:00:00"));
        assert_eq!(f(&Tz::UTC, "yyyy", ts("12345-01-01")), "+12345");
    }

    #[test]
    fn invalid_patterns_give_spark_errors() {
        let class = |p: &str| DateTimePattern::compile(p).unwrap_err().error_class().unwrap().to_string();
        for p in ["u", "w", "W", "Y", "YYYY", "MMMMM", "EEEEE", "ddd", "HHH", "SSSSSSSSSS", "zzzzz", "#", "{"] {
            assert_eq!(class(p), "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION", "{p}");
        }
        assert_eq!(class("e"), "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN");
        assert_eq!(class("c"), "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN");
        for p in ["V", "VVV", "OO", "XXXXXX", "'open"] {
            assert_eq!(class(p), "INVALID_DATETIME_PATTERN.WITH_SUGGESTION", "{p}");
        }
        assert_eq!(
            DateTimePattern::compile("n").unwrap_err().message(),
            "[INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER] Unrecognized datetime pattern: n. Illegal pattern character found in datetime pattern: n. Please provide legal character. SQLSTATE: 22007"
        );
        assert!(DateTimePattern::compile("EEE yyyy").unwrap().check_parsable().is_err());
        assert_eq!(
            DateTimePattern::compile("yyyy Q").unwrap().check_parsable().unwrap_err().error_class(),
            Some("INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER")
        );
        assert_eq!(class("QQQQQ"), "INVALID_DATETIME_PATTERN.LENGTH");
        for p in ["ZZZZZZ", "GGGGG", "aa", "hhh", "LLLLL", "yyyy]", "yyyyyyyyyyyyyyyyyyyy"] {
            assert_eq!(class(p), "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION", "{p}");
        }
        assert_eq!(DateTimePattern::compile("[yyyy").unwrap().format_date(19_727), "2024");
        assert_eq!(DateTimePattern::compile("y年M月d日").unwrap().format_date(19_727), "2024年1月5日");
        assert_eq!(DateTimePattern::compile("''").unwrap().format_date(19_727), "'");
        assert!(DateTimePattern::compile("yyyy-MM-dd").unwrap().check_parsable().is_ok());
    }

    #[test]
    fn parses_strictly_like_spark() {
        assert_eq!(p("yyyy-MM-dd", "2024-1-5"), None);
        assert_eq!(p("yyyy-M-d", "2024-01-05").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy-M-d", "2024-1-5").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yy-MM-dd", "24-01-05").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy-MM-dd", "24-01-05"), None);
        assert_eq!(p("y-MM-dd", "2024-01-05").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy-MM-dd", "12024-01-05"), None);
        assert_eq!(p("yyyy-MM-dd", "+2024-01-05"), None);
        assert_eq!(p("yyyy-MM-dd", "0024-01-05").as_deref(), Some("0024-01-05 00:00:00"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss.SSS", "2024-01-05 10:20:30.1").as_deref(), Some("2024-01-05 10:20:30.1"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss.SSS", "2024-01-05 10:20:30.1234"), None);
        assert_eq!(
            p("yyyy-MM-dd HH:mm:ss.SSSSSS", "2024-01-05 10:20:30.123").as_deref(),
            Some("2024-01-05 10:20:30.123")
        );
        assert_eq!(p("yyyy-MM-dd HH:mm:ss.SSS", "2024-01-05 10:20:30"), None);
        assert_eq!(p("yyyy-MM-dd HH:mm:ss.SSS", "2024-01-05 10:20:30."), None);
        assert_eq!(p("yyyy-MM-dd HH:mm:ss", "2024-01-05 10:20:30 extra"), None);
        assert_eq!(p("yyyy-MM-dd", " 2024-01-05"), None);
        assert_eq!(p("yyyy-MM-dd", "2024-01-05 "), None);
        assert_eq!(p("MMM dd yyyy", "jan 05 2024").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("MMMM dd yyyy", "January 05 2024").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy-MM-dd hh:mm:ss a", "2024-01-05 10:20:30 pm").as_deref(), Some("2024-01-05 22:20:30"));
        assert_eq!(p("yyyy-MM-dd hh:mm:ss", "2024-01-05 10:20:30").as_deref(), Some("2024-01-05 10:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss a", "2024-01-05 13:20:30 PM").as_deref(), Some("2024-01-05 13:20:30"));
        assert_eq!(p("yyyy-MM-dd hh:mm:ss a", "2024-01-05 12:00:00 AM").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy-MM-dd kk", "2024-01-05 24").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy-MM-dd K a", "2024-01-05 11 PM").as_deref(), Some("2024-01-05 23:00:00"));
        assert_eq!(
            p("yyyy-MM-dd HH:mm:ss VV", "2024-01-05 10:20:30 America/New_York").as_deref(),
            Some("2024-01-05 15:20:30")
        );
        assert_eq!(p("yyyy-MM-dd HH:mm:ss z", "2024-01-05 10:20:30 PST").as_deref(), Some("2024-01-05 18:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss O", "2024-01-05 10:20:30 GMT+01:00").as_deref(), Some("2024-01-05 09:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss x", "2024-01-05 10:20:30 +01").as_deref(), Some("2024-01-05 09:20:30"));
        assert_eq!(p("yyyy-MM-dd", "2024-02-30"), None);
        assert_eq!(p("yyyy-MM-dd", "2023-02-29"), None);
        assert_eq!(p("yyyy-MM-dd", "2024-13-01"), None);
        assert_eq!(p("yyyy-MM-dd HH:mm:ss", "2024-01-05 24:00:00"), None);
        assert_eq!(p("yyyy DDD", "2024 005").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy D", "2024 5").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("HH:mm", "10:20").as_deref(), Some("1970-01-01 10:20:00"));
        assert_eq!(p("yyyyMMdd", "20240105").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyyMMddHH", "2024010510").as_deref(), Some("2024-01-05 10:00:00"));
        assert_eq!(p("yyyy-MM-dd H", "2024-01-05 5").as_deref(), Some("2024-01-05 05:00:00"));
        assert_eq!(
            p("yyyy-MM-dd HH:mm:ss.SSSSSSSSS", "2024-01-05 10:20:30.123456789").as_deref(),
            Some("2024-01-05 10:20:30.123456")
        );
        assert_eq!(p("yyyy-MM-dd[ HH:mm]", "2024-01-05").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy-MM-dd[ HH:mm]", "2024-01-05 10:20").as_deref(), Some("2024-01-05 10:20:00"));
        assert_eq!(p("M/d/yyyy", "1/5/2024").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("G yyyy-MM-dd", "AD 2024-01-05").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("MMM", "Jan").as_deref(), Some("1970-01-01 00:00:00"));
        assert_eq!(p("yyyyMMddHHmmssSSS", "20240105102030123"), None);
        assert_eq!(p("yyyyMd", "2024115"), None);
        assert_eq!(p("yyyy-M-dd", "2024-1-5"), None);
        assert_eq!(p("yyyyy", "02024").as_deref(), Some("2024-01-01 00:00:00"));
        assert_eq!(p("yyyyy", "2024"), None);
        assert_eq!(p("yy", "1999"), None);
        assert_eq!(p("yyyy-MM-dd hh", "2024-01-05 13"), None);
        assert_eq!(p("yyyy-MM-dd hh", "2024-01-05 00"), None);
        assert_eq!(p("yyyy-MM-dd kk", "2024-01-05 00"), None);
        assert_eq!(p("yyyy-MM-dd KK a", "2024-01-05 12 AM"), None);
        assert_eq!(p("hh:mm", "12:30").as_deref(), Some("1970-01-01 00:30:00"));
        assert_eq!(p("yyyy-MMM-dd", "2024-Sept-05"), None);
        assert_eq!(p("yyyy-MMM-dd", "2024-JAN-05").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy DDD", "2023 366"), None);
        assert_eq!(p("yyyy DDD MM", "2024 060 03"), None);
        assert_eq!(p("yyyy-MM DDD", "2024-02 060").as_deref(), Some("2024-02-29 00:00:00"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss G", "2024-01-05 10:20:30 BC").as_deref(), Some("-2023-01-05 10:20:30"));
        assert_eq!(
            p("yyyy-MM-dd'T'HH:mm:ss.SXXX", "2024-01-05T10:20:30.5+05:30").as_deref(),
            Some("2024-01-05 04:50:30.5")
        );
        assert_eq!(p("yyyy-MM-dd'T'HH:mm:ssX", "2024-01-05T10:20:30Z").as_deref(), Some("2024-01-05 10:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss XX", "2024-01-05 10:20:30 +01:00"), None);
        assert_eq!(p("yyyy-MM-dd HH:mm:ss XX", "2024-01-05 10:20:30 +0100").as_deref(), Some("2024-01-05 09:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss Z", "2024-01-05 10:20:30 Z"), None);
        assert_eq!(p("yyyy-MM-dd HH:mm:ss Z", "2024-01-05 10:20:30 +01:00"), None);
        assert_eq!(p("yyyy-MM-dd HH:mm:ss x", "2024-01-05 10:20:30 Z"), None);
        assert_eq!(
            p("yyyy-MM-dd HH:mm:ss ZZZZZ", "2024-01-05 10:20:30 -08:00").as_deref(),
            Some("2024-01-05 18:20:30")
        );
        assert_eq!(p("yyyy-MM-dd HH:mm:ss O", "2024-01-05 10:20:30 GMT+1").as_deref(), Some("2024-01-05 09:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss VV", "2024-01-05 10:20:30 +01:00").as_deref(), Some("2024-01-05 09:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss z", "2024-01-05 10:20:30 +01:00").as_deref(), Some("2024-01-05 09:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss z", "2024-01-05 10:20:30 EST").as_deref(), Some("2024-01-05 15:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss z", "2024-01-05 10:20:30 PDT").as_deref(), Some("2024-01-05 18:20:30"));
        assert_eq!(
            p("yyyy-MM-dd HH:mm:ss zzzz", "2024-01-05 10:20:30 Pacific Standard Time").as_deref(),
            Some("2024-01-05 18:20:30")
        );
        assert_eq!(p("yyyy-MM-dd HH:mm:ss.[SSS]", "2024-01-05 10:20:30.").as_deref(), Some("2024-01-05 10:20:30"));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss[.SSS]", "2024-01-05 10:20:30.12").as_deref(), Some("2024-01-05 10:20:30.12"));
        assert_eq!(p("yyyy-MM-dd[['x']]", "2024-01-05x").as_deref(), Some("2024-01-05 00:00:00"));
        assert_eq!(p("yyyy-MM-dd'T'HH:mm", "2024-01-05T10:20").as_deref(), Some("2024-01-05 10:20:00"));
        // Spark's parsers ignore case (checked by fuzzing 4200 texts against PySpark).
        let la = |pat: &str, s: &str| {
            DateTimePattern::compile(pat)
                .unwrap()
                .parse_timestamp(s, &LA)
                .map(|v| format_timestamp_default(v, &Tz::UTC))
        };
        assert_eq!(
            la("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", "2032-06-08t05:15:01.777820-07:00").as_deref(),
            Some("2032-06-08 12:15:01.77782")
        );
        assert_eq!(
            la("yyyy-MM-dd HH:mm:ss VV", "2032-06-08 05:15:01 america/los_angeles").as_deref(),
            Some("2032-06-08 12:15:01")
        );
        assert_eq!(la("yyyy-MM-dd HH:mm:ss z", "2003-03-17 20:45:32 pst").as_deref(), Some("2003-03-18 04:45:32"));
        assert_eq!(la("yyyy-MM-dd HH:mm:ss z", "1996-10-25 10:57:30 PT").as_deref(), Some("1996-10-25 17:57:30"));
        assert_eq!(la("yyyy-MM-dd HH:mm:ss XXX", "2024-01-05 10:20:30 z").as_deref(), Some("2024-01-05 10:20:30"));
        let d = DateTimePattern::compile("yyyy D").unwrap();
        assert_eq!(d.parse_date("2024 60"), Some(days_from_civil(2024, 2, 29) as i32));
        let z = DateTimePattern::compile("yyyy-MM-dd HH:mm:ss z").unwrap();
        assert_eq!(z.parse_date("2024-01-05 10:20:30 PST"), Some(19_727));
    }

    #[test]
    fn parses_in_the_session_zone() {
        let pat = DateTimePattern::compile("yyyy-MM-dd HH:mm:ss").unwrap();
        let gap = pat.parse_timestamp("2024-03-10 02:30:00", &LA).unwrap();
        assert_eq!(format_timestamp_default(gap, &Tz::UTC), "2024-03-10 10:30:00");
        let overlap = pat.parse_timestamp("2024-11-03 01:30:00", &LA).unwrap();
        assert_eq!(format_timestamp_default(overlap, &Tz::UTC), "2024-11-03 08:30:00");
    }

    #[test]
    fn zones_parse_like_get_zone_id() {
        assert_eq!(parse_zone("+01:00"), Some(Zone::Fixed(3600)));
        assert_eq!(parse_zone("GMT+1"), Some(Zone::Fixed(3600)));
        assert_eq!(parse_zone("UTC-08:30"), Some(Zone::Fixed(-30600)));
        assert_eq!(parse_zone("EST"), Some(Zone::Fixed(-18000)));
        assert_eq!(parse_zone("PST"), Some(Zone::Region(LA)));
        assert_eq!(parse_zone("bogus"), None);
        assert_eq!(parse_zone("+19:00"), None);
    }
}
