//! Spark 4.1's real-time mode (`trigger(realTime="5 seconds")`): where Spark accepts it and the errors it gives
//! elsewhere. ember accepts the same queries and runs them as back-to-back micro-batches (docs/differences.md).
use crate::error::{EmberError, ErrorKind, Result};
use crate::plan::streaming::OutputMode;
use crate::plan::{LogicalPlan, PlanNode};
use crate::session::Session;

/// Spark's `spark.sql.streaming.realTimeMode.minBatchDuration` default.
const MIN_BATCH_DURATION_MS: u64 = 5000;

/// The sinks in Spark's allowlist (console, foreach, Kafka; its continuous memory sink has no Python API).
const ALLOWED_SINKS: [&str; 3] = ["console", "foreach", "kafka"];

/// The checks `start()` makes, in Spark's order: the batch duration, the sink allowlist, the output mode.
pub fn check_start(session: &Session, interval_ms: u64, sink: &str, mode: OutputMode) -> Result<()> {
    let min = session
        .conf_get("spark.sql.streaming.realTimeMode.minBatchDuration")
        .and_then(|v| {
            let v = v.trim();
            v.parse().ok().or_else(|| crate::stream::trigger_interval::trigger_interval_ms(v).ok())
        })
        .unwrap_or(MIN_BATCH_DURATION_MS);
    if interval_ms < min {
        return Err(EmberError::with_condition(
            ErrorKind::IllegalArgument,
            "INVALID_STREAMING_REAL_TIME_MODE_TRIGGER_INTERVAL",
            [("interval", interval_ms.to_string()), ("minBatchDuration", min.to_string())],
        ));
    }
    let allowlist_check = session
        .conf_get("spark.sql.streaming.realTimeMode.allowlistCheck")
        .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
    if allowlist_check && !ALLOWED_SINKS.iter().any(|s| s.eq_ignore_ascii_case(sink)) {
        return Err(EmberError::with_condition(
            ErrorKind::IllegalArgument,
            "STREAMING_REAL_TIME_MODE.OPERATOR_OR_SINK_NOT_IN_ALLOWLIST",
            [("errorType", "sink".to_string()), ("message", format!("{} is", spark_sink_class(sink)))],
        ));
    }
    if mode != OutputMode::Update {
        return Err(EmberError::with_condition(
            ErrorKind::Analysis,
            "STREAMING_REAL_TIME_MODE.OUTPUT_MODE_NOT_SUPPORTED",
            [("outputMode", mode.name())],
        ));
    }
    Ok(())
}

/// Spark fails the query when it runs (not at `start()`) on a source without real-time reads: only Kafka has them.
pub fn check_sources(plan: &LogicalPlan) -> Result<()> {
    #[recursive::recursive]
    fn walk(p: &LogicalPlan) -> Result<()> {
        if let PlanNode::StreamScan { source } = &p.node {
            if !source.format().eq_ignore_ascii_case("kafka") {
                return Err(EmberError::with_condition(
                    ErrorKind::Execution,
                    "STREAMING_REAL_TIME_MODE.INPUT_STREAM_NOT_SUPPORTED",
                    [("className", spark_stream_class(source.format()))],
                ));
            }
        }
        p.children().into_iter().try_for_each(|c| walk(c))
    }
    walk(plan)
}

/// The class Spark names for a sink in its allowlist error.
fn spark_sink_class(format: &str) -> String {
    match format.to_ascii_lowercase().as_str() {
        "noop" => "org.apache.spark.sql.execution.datasources.noop.NoopTable$".into(),
        "memory" => "org.apache.spark.sql.execution.streaming.sources.MemorySink".into(),
        "foreachbatch" => "org.apache.spark.sql.execution.streaming.sources.ForeachBatchSink".into(),
        "delta" => "org.apache.spark.sql.delta.sources.DeltaSink".into(),
        _ => "org.apache.spark.sql.execution.streaming.sinks.FileStreamSink".into(),
    }
}

/// The micro-batch stream class Spark names for a source it cannot read in real time.
fn spark_stream_class(format: &str) -> String {
    match format.to_ascii_lowercase().as_str() {
        "rate" => "org.apache.spark.sql.execution.streaming.sources.RateStreamMicroBatchStream".into(),
        "rate-micro-batch" => "org.apache.spark.sql.execution.streaming.sources.RatePerMicroBatchStream".into(),
        "socket" => "org.apache.spark.sql.execution.streaming.sources.TextSocketMicroBatchStream".into(),
        "memory" => "org.apache.spark.sql.execution.streaming.runtime.MemoryStream".into(),
        "delta" => "org.apache.spark.sql.delta.sources.DeltaSource".into(),
        _ => "org.apache.spark.sql.execution.streaming.runtime.FileStreamSource".into(),
    }
}
