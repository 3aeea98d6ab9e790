//! Event-time watermarks across micro-batches (Spark's WatermarkTracker): each `withWatermark` step reports the
//! event times it saw in a batch; after the batch its watermark becomes `max − delay` if larger; the query's
//! watermark is the min (or max, `spark.sql.streaming.multipleWatermarkPolicy`) over the steps and never goes back.
//! The watermark computed after batch N is the one in force for batch N+1.
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, TimestampMicrosecondType};

use crate::error::{EmberError, Result};

/// Event times (milliseconds) seen by one `withWatermark` step in one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EventTimeStats {
    pub min: i64,
    pub max: i64,
    /// Running mean, updated per value as Spark's EventTimeStats does.
    pub avg: f64,
    pub count: u64,
}

impl EventTimeStats {
    fn add(&mut self, ms: i64) {
        if self.count == 0 {
            self.min = ms;
            self.max = ms;
        } else {
            self.min = self.min.min(ms);
            self.max = self.max.max(ms);
        }
        self.count += 1;
        self.avg += (ms as f64 - self.avg) / self.count as f64;
    }

    /// Fold in the event-time column `column` of `batch` (a timestamp, or a window struct whose end counts).
    pub fn observe(&mut self, batch: &RecordBatch, column: usize) {
        let col = batch.column(column);
        let times = match col.data_type() {
            DataType::Struct(_) => col.as_struct().column(1).clone(),
            _ => col.clone(),
        };
        let times = times.as_primitive::<TimestampMicrosecondType>();
        for i in 0..times.len() {
            if times.is_valid(i) {
                // Java's long division truncates toward zero.
                self.add(times.value(i) / 1000);
            }
        }
    }
}

/// Event time (microseconds) per row of a timestamp column or of a window struct (its end).
pub fn event_micros(col: &arrow::array::ArrayRef) -> Vec<Option<i64>> {
    let times = match col.data_type() {
        DataType::Struct(_) => col.as_struct().column(1).clone(),
        _ => col.clone(),
    };
    let t = times.as_primitive::<TimestampMicrosecondType>();
    (0..t.len()).map(|i| t.is_valid(i).then(|| t.value(i))).collect()
}

/// `spark.sql.streaming.multipleWatermarkPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatermarkPolicy {
    Min,
    Max,
}

impl WatermarkPolicy {
    pub fn parse(s: &str) -> Result<WatermarkPolicy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "min" => Ok(WatermarkPolicy::Min),
            "max" => Ok(WatermarkPolicy::Max),
            _ => Err(EmberError::illegal_argument(format!(
                "Could not recognize watermark policy '{s}'. Valid values are 'min' and 'max'."
            ))),
        }
    }
}

/// The query's watermark and each step's own.
#[derive(Clone, Debug)]
pub struct WatermarkTracker {
    policy: WatermarkPolicy,
    /// Per `withWatermark` step (plan pre-order): its watermark, 0 until it has seen data.
    operators: Vec<Option<i64>>,
    global_ms: i64,
}

impl WatermarkTracker {
    pub fn new(policy: WatermarkPolicy, steps: usize) -> Self {
        WatermarkTracker { policy, operators: vec![None; steps], global_ms: 0 }
    }

    /// Restore a watermark (restart from a checkpoint).
    pub fn restore(&mut self, global_ms: i64) {
        self.global_ms = global_ms;
    }

    pub fn has_watermark(&self) -> bool {
        !self.operators.is_empty()
    }

    /// The query's watermark in milliseconds.
    pub fn current_ms(&self) -> i64 {
        self.global_ms
    }

    /// Account for one batch: `stats[i]` with the delay of step i. Returns whether the watermark moved.
    pub fn update(&mut self, stats: &[(i64, EventTimeStats)]) -> bool {
        if self.operators.is_empty() {
            return false;
        }
        for (slot, (delay, st)) in self.operators.iter_mut().zip(stats) {
            if st.count > 0 {
                let candidate = st.max - delay;
                if slot.is_none_or(|prev| candidate > prev) {
                    *slot = Some(candidate);
                }
            } else if slot.is_none() {
                *slot = Some(0);
            }
        }
        let values = self.operators.iter().map(|v| v.unwrap_or(0));
        let chosen = match self.policy {
            WatermarkPolicy::Min => values.min(),
            WatermarkPolicy::Max => values.max(),
        }
        .unwrap_or(0);
        if chosen > self.global_ms {
            self.global_ms = chosen;
            true
        } else {
            false
        }
    }
}

/// Spark's progress timestamp format: `2024-01-01T00:00:00.000Z`.
pub fn format_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(max: i64) -> EventTimeStats {
        EventTimeStats { min: max, max, avg: max as f64, count: 1 }
    }

    #[test]
    fn watermark_is_max_minus_delay_and_never_goes_back() {
        let mut t = WatermarkTracker::new(WatermarkPolicy::Min, 1);
        assert!(t.update(&[(10_000, stats(25_000))]));
        assert_eq!(t.current_ms(), 15_000);
        assert!(!t.update(&[(10_000, stats(20_000))]));
        assert_eq!(t.current_ms(), 15_000);
        assert!(!t.update(&[(10_000, EventTimeStats::default())]));
    }

    #[test]
    fn several_watermarks_follow_the_policy_and_an_unseen_step_counts_as_zero() {
        let mut min = WatermarkTracker::new(WatermarkPolicy::Min, 2);
        min.update(&[(0, stats(50_000)), (0, EventTimeStats::default())]);
        assert_eq!(min.current_ms(), 0);
        min.update(&[(0, EventTimeStats::default()), (0, stats(30_000))]);
        assert_eq!(min.current_ms(), 30_000);
        let mut max = WatermarkTracker::new(WatermarkPolicy::Max, 2);
        max.update(&[(0, stats(50_000)), (0, stats(30_000))]);
        assert_eq!(max.current_ms(), 50_000);
    }

    #[test]
    fn formats_like_spark() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(1_704_067_207_123), "2024-01-01T00:00:07.123Z");
    }
}
