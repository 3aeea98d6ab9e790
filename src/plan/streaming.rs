//! Streaming settings a plan is run with, shared by the layers that run it: the output mode, the trigger, and
//! the legacy error class under which Spark reports streaming analysis errors.
use std::time::Duration;

use crate::error::{EmberError, Result};

/// `outputMode(...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    Append,
    Complete,
    Update,
}

impl OutputMode {
    pub fn parse(s: &str) -> Result<OutputMode> {
        match s.to_ascii_lowercase().as_str() {
            "append" => Ok(OutputMode::Append),
            "complete" => Ok(OutputMode::Complete),
            "update" => Ok(OutputMode::Update),
            _ => Err(EmberError::illegal_argument(format!(
                "[STREAMING_OUTPUT_MODE.INVALID] Invalid streaming output mode: {s}. Accepted output modes are 'Append', 'Complete', 'Update'. SQLSTATE: 42KDE"
            ))),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            OutputMode::Append => "Append",
            OutputMode::Complete => "Complete",
            OutputMode::Update => "Update",
        }
    }
}

/// Spark reports these checks under one legacy error class, with the message (no `[CLASS]` prefix) and the plan.
pub const LEGACY_STREAMING_CLASS: &str = "_LEGACY_ERROR_TEMP_3102";

/// `trigger(...)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trigger {
    /// Next batch as soon as the previous one finished (and new data exists).
    Default,
    /// Batches start on multiples of the interval.
    ProcessingTime(Duration),
    /// One batch, then stop.
    Once,
    /// Everything available, in as many batches as the source limits ask, then stop.
    AvailableNow,
    /// Accepted for map-like queries; run as back-to-back micro-batches.
    Continuous(Duration),
    /// Spark 4.1's real-time mode (`stream::real_time`'s checks); run as back-to-back micro-batches.
    RealTime(Duration),
}
