//! The interval of `trigger(processingTime=…)` / `trigger(continuous=…)`, parsed as Spark's `Trigger.ProcessingTime`
//! parses it (`IntervalUtils.stringToInterval`, then no months and no negative intervals), with Spark's errors.
use crate::error::{EmberError, Result};

const MICROS: [(&str, i64); 7] = [
    ("week", 7 * 86_400_000_000),
    ("day", 86_400_000_000),
    ("hour", 3_600_000_000),
    ("minute", 60_000_000),
    ("second", 1_000_000),
    ("millisecond", 1_000),
    ("microsecond", 1),
];

fn format_error(input: &str, sub: &str, detail: String) -> EmberError {
    EmberError::illegal_argument_class(
        &format!("INVALID_INTERVAL_FORMAT.{sub}"),
        format!(
            "[INVALID_INTERVAL_FORMAT.{sub}] Error parsing '{input}' to interval. Please ensure that the value provided is in a valid format for defining an interval. You can reference the documentation for the correct format. {detail} SQLSTATE: 22006"
        ),
    )
}

/// The trigger interval in milliseconds.
pub fn trigger_interval_ms(input: &str) -> Result<u64> {
    let lower = input.trim().to_ascii_lowercase();
    let body = lower.strip_prefix("interval").filter(|r| r.is_empty() || r.starts_with(' ')).unwrap_or(&lower);
    let words: Vec<&str> = body.split_whitespace().collect();
    if words.is_empty() {
        return Err(format_error(input, "INPUT_IS_EMPTY", "Interval string cannot be empty.".into()));
    }
    let (mut micros, mut months) = (0i128, 0i64);
    let mut i = 0;
    while i < words.len() {
        let number = words[i];
        let value: f64 = match number.parse::<f64>() {
            Ok(v) if number.chars().all(|c| c.is_ascii_digit() || "+-.".contains(c)) => v,
            _ => return Err(format_error(input, "UNRECOGNIZED_NUMBER", format!("Unrecognized number {number}."))),
        };
        let Some(unit) = words.get(i + 1) else {
            return Err(format_error(input, "MISSING_UNIT", format!("Expect a unit name after {number} but hit EOL.")));
        };
        let singular = unit.strip_suffix('s').unwrap_or(unit);
        if singular == "month" || singular == "year" {
            months += value as i64 * if singular == "year" { 12 } else { 1 };
        } else {
            let Some((_, per)) = MICROS.iter().find(|(name, _)| *name == singular) else {
                return Err(format_error(input, "INVALID_UNIT", format!("Invalid unit {unit}.")));
            };
            if value.fract() != 0.0 && singular != "second" {
                return Err(format_error(input, "INVALID_FRACTION", format!("{unit} cannot have fractional part.")));
            }
            micros += (value * *per as f64).round() as i128;
        }
        i += 2;
    }
    if months != 0 {
        return Err(EmberError::illegal_argument(format!("Doesn't support month or year interval: {input}")));
    }
    if micros < 0 {
        return Err(EmberError::illegal_argument("requirement failed: the interval of trigger should not be negative"));
    }
    Ok((micros / 1000) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_intervals_and_errors() {
        assert_eq!(trigger_interval_ms("interval 2 seconds").unwrap(), 2000);
        assert_eq!(trigger_interval_ms("1.5 seconds").unwrap(), 1500);
        assert_eq!(trigger_interval_ms("1 hour 2 minutes").unwrap(), 3_720_000);
        assert_eq!(trigger_interval_ms("100 milliseconds").unwrap(), 100);
        let e = |s: &str| trigger_interval_ms(s).unwrap_err().message();
        assert!(e("abc").starts_with("[INVALID_INTERVAL_FORMAT.UNRECOGNIZED_NUMBER] Error parsing 'abc' to interval."));
        assert!(e("abc").ends_with("Unrecognized number abc. SQLSTATE: 22006"));
        assert!(e("2 secs").ends_with("Invalid unit secs. SQLSTATE: 22006"));
        assert!(e("10 seconds 5").ends_with("Expect a unit name after 5 but hit EOL. SQLSTATE: 22006"));
        assert_eq!(e("-5 seconds"), "requirement failed: the interval of trigger should not be negative");
        assert_eq!(e("1 month"), "Doesn't support month or year interval: 1 month");
    }
}
