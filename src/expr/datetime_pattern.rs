//! Java `DateTimeFormatter` patterns as Spark uses them (`yyyy-MM-dd HH:mm:ss.SSS`, `MMM`, `EEE`, …) and Spark's
//! default string ↔ date/timestamp conversions. (Being written: the signatures below are the contract.)
use chrono_tz::Tz;

use crate::error::{EmberError, Result};

/// A compiled Spark datetime pattern.
#[derive(Debug, Clone)]
pub struct DateTimePattern {
    pub pattern: String,
}

impl DateTimePattern {
    /// Compile a pattern; invalid patterns give Spark's error.
    pub fn compile(pattern: &str) -> Result<Self> {
        Err(EmberError::not_implemented(format!("datetime pattern {pattern}")))
    }
    /// Format an instant (UTC microseconds) as wall-clock time in `tz`.
    pub fn format_timestamp(&self, _micros: i64, _tz: &Tz) -> String {
        String::new()
    }
    /// Format a date (days since the epoch).
    pub fn format_date(&self, _days: i32) -> String {
        String::new()
    }
    /// Parse to an instant (UTC microseconds), reading zone-less text in `tz`; None when it does not match.
    pub fn parse_timestamp(&self, _s: &str, _tz: &Tz) -> Option<i64> {
        None
    }
    /// Parse to a date (days since the epoch); None when it does not match.
    pub fn parse_date(&self, _s: &str) -> Option<i32> {
        None
    }
}

/// Spark's `CAST(string AS TIMESTAMP)` (DateTimeUtils.stringToTimestamp): zone-less text is read in `tz`.
pub fn parse_timestamp_default(_s: &str, _tz: &Tz) -> Option<i64> {
    None
}

/// Spark's `CAST(string AS TIMESTAMP_NTZ)`: wall-clock microseconds.
pub fn parse_timestamp_ntz_default(_s: &str) -> Option<i64> {
    None
}

/// Spark's `CAST(string AS DATE)` (DateTimeUtils.stringToDate).
pub fn parse_date_default(_s: &str) -> Option<i32> {
    None
}

/// Spark's `CAST(timestamp AS STRING)`: `yyyy-MM-dd HH:mm:ss` plus the fraction without trailing zeros, in `tz`.
pub fn format_timestamp_default(_micros: i64, _tz: &Tz) -> String {
    String::new()
}

/// Spark's `CAST(timestamp_ntz AS STRING)`.
pub fn format_timestamp_ntz_default(_micros: i64) -> String {
    String::new()
}

/// Spark's `CAST(date AS STRING)`: `yyyy-MM-dd`.
pub fn format_date_default(_days: i32) -> String {
    String::new()
}
