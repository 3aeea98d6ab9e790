//! The interval of `trigger(processingTime=…)` / `trigger(continuous=…)`, parsed as Spark's `Trigger.ProcessingTime`
//! parses it (`IntervalUtils.stringToInterval`, then no months and no negative intervals), with Spark's errors. Units
//! and numbers follow the engine's one interval grammar (`expr::functions::datetime`); only the errors differ, as
//! they do in Spark.
use crate::error::{EmberError, Result};
use crate::expr::functions::datetime::{scaled, unit_micros};
use crate::types::datetime_pattern::MICROS_PER_SECOND;

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
    let (mut micros, mut months) = (0i64, false);
    for pair in words.chunks(2) {
        let number = pair[0];
        if number.parse::<f64>().is_err() || !number.bytes().all(|c| c.is_ascii_digit() || b"+-.".contains(&c)) {
            return Err(format_error(input, "UNRECOGNIZED_NUMBER", format!("Unrecognized number {number}.")));
        }
        let Some(unit) = pair.get(1) else {
            return Err(format_error(input, "MISSING_UNIT", format!("Expect a unit name after {number} but hit EOL.")));
        };
        let value = match unit_micros(unit) {
            Some(Ok(per)) => scaled(number, per, per == MICROS_PER_SECOND).ok_or_else(|| {
                format_error(input, "INVALID_FRACTION", format!("{unit} cannot have fractional part."))
            })?,
            // Months and years have no fixed length: Spark refuses them for triggers (below), whatever else follows.
            Some(Err(())) => {
                months |= number.parse::<f64>().is_ok_and(|v| v != 0.0);
                0
            }
            None => return Err(format_error(input, "INVALID_UNIT", format!("Invalid unit {unit}."))),
        };
        micros = micros.saturating_add(value);
    }
    if months {
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
