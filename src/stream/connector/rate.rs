//! The rate sources: `rate` (rows per second of wall-clock time, Spark's value and timestamp sequence, optional
//! ramp-up) and `rate-micro-batch` (a fixed number of rows per batch with synthetic timestamps).
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::context::EvalContext;
use crate::error::Result;
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::Trigger;
use crate::stream::connector::{positive_option, refuse_user_schema, relation_as, LoadArgs, SourceProvider};
use crate::stream::offset::{count_offset, offset_count, Offset};
use crate::stream::source::Source;

/// `format("rate")`.
pub struct RateProvider;
pub static RATE: RateProvider = RateProvider;
/// `format("rate-micro-batch")`.
pub struct RateMicroBatchProvider;
pub static RATE_MICRO_BATCH: RateMicroBatchProvider = RateMicroBatchProvider;

/// `format("rate")` as loaded: `rows_per_second` rows a second, values 0, 1, 2, … with evenly spread timestamps.
pub struct RateRelation {
    rows_per_second: i64,
    ramp_up_seconds: i64,
}

/// `format("rate-micro-batch")` as loaded: `rows_per_batch` rows per batch, timestamps advancing per batch.
pub struct RateMicroBatchRelation {
    rows_per_batch: i64,
    start_ms: i64,
    advance_ms: i64,
}

impl StreamRelation for RateRelation {
    fn format(&self) -> &str {
        "rate"
    }
    fn description(&self) -> String {
        format!(
            "RateStreamV2[rowsPerSecond={}, rampUpTimeSeconds={}, numPartitions=default",
            self.rows_per_second, self.ramp_up_seconds
        )
    }
    fn supports_continuous(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl StreamRelation for RateMicroBatchRelation {
    fn format(&self) -> &str {
        "rate-micro-batch"
    }
    fn description(&self) -> String {
        format!("RatePerMicroBatchStream[rowsPerBatch={}]", self.rows_per_batch)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl SourceProvider for RateProvider {
    fn name(&self) -> &'static str {
        "rate"
    }
    fn load(&self, args: LoadArgs<'_>) -> Result<(Arc<dyn StreamRelation>, arrow::datatypes::Fields)> {
        refuse_user_schema(&args)?;
        let ramp = match args.options.get("rampUpTime") {
            None => 0,
            Some(t) => crate::expr::functions::datetime::parse_interval_string(t)? / 1_000_000,
        };
        let rows_per_second = positive_option(args.options, "rowsPerSecond", 1)?;
        Ok((Arc::new(RateRelation { rows_per_second, ramp_up_seconds: ramp }), rate_schema().fields().clone()))
    }
    fn open(&self, relation: &dyn StreamRelation, _trigger: Trigger) -> Result<Box<dyn Source>> {
        let r: &RateRelation = relation_as(relation)?;
        Ok(Box::new(RateSource::new(r.rows_per_second, r.ramp_up_seconds)))
    }
}

impl SourceProvider for RateMicroBatchProvider {
    fn name(&self) -> &'static str {
        "rate-micro-batch"
    }
    fn load(&self, args: LoadArgs<'_>) -> Result<(Arc<dyn StreamRelation>, arrow::datatypes::Fields)> {
        refuse_user_schema(&args)?;
        let relation = RateMicroBatchRelation {
            rows_per_batch: positive_option(args.options, "rowsPerBatch", 1)?,
            start_ms: args.options.get_i64("startTimestamp", 0)?,
            advance_ms: args.options.get_i64("advanceMillisPerBatch", 1000)?,
        };
        Ok((Arc::new(relation), rate_schema().fields().clone()))
    }
    fn open(&self, relation: &dyn StreamRelation, _trigger: Trigger) -> Result<Box<dyn Source>> {
        let r: &RateMicroBatchRelation = relation_as(relation)?;
        Ok(Box::new(RateMicroBatchSource::new(r.rows_per_batch, r.start_ms, r.advance_ms)))
    }
}

fn rate_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("timestamp", crate::types::timestamp_type(), true),
        Field::new("value", DataType::Int64, true),
    ]))
}

/// Values `[from, to)` with timestamps spread evenly from `start_ms` over `span_ms`.
fn rate_batch(from: i64, to: i64, start_ms: i64, span_ms: f64) -> Result<RecordBatch> {
    let n = (to - from).max(0);
    let per = if n > 0 { span_ms / n as f64 } else { 0.0 };
    let ts: TimestampMicrosecondArray = (0..n)
        .map(|i| Some((start_ms + (i as f64 * per) as i64) * 1000))
        .collect::<TimestampMicrosecondArray>()
        .with_timezone("UTC");
    let values: Int64Array = (from..to).collect();
    Ok(RecordBatch::try_new(rate_schema(), vec![Arc::new(ts), Arc::new(values)])?)
}

/// `format("rate")`: offset = whole seconds since the query started.
pub struct RateSource {
    rows_per_second: i64,
    ramp_up_seconds: i64,
    /// When the query first started (kept in the checkpoint, so a restarted query catches up at once, as Spark's).
    start_ms: i64,
    /// The newest second reported: wall-clock time may step back, offsets never do.
    reported: i64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl RateSource {
    pub fn new(rows_per_second: i64, ramp_up_seconds: i64) -> Self {
        RateSource { rows_per_second, ramp_up_seconds, start_ms: now_ms(), reported: 0 }
    }

    /// Rows produced before second `s`. During the ramp-up, second k adds k × (rate / (ramp + 1)) rows (integer
    /// speed steps, as Spark's rate source); after it, the full rate.
    fn value_at_second(&self, s: i64) -> i64 {
        let (rps, ramp) = (self.rows_per_second, self.ramp_up_seconds);
        if ramp <= 0 {
            return s * rps;
        }
        let delta = rps / (ramp + 1);
        let ramped = |k: i64| k * (k + 1) / 2 * delta;
        if s <= ramp {
            ramped(s)
        } else {
            ramped(ramp) + (s - ramp) * rps
        }
    }
}

impl Source for RateSource {
    fn deserialize_offset(&self, offset: Offset) -> Result<Offset> {
        Ok(Offset::long(offset.count()?))
    }
    /// Whole seconds since the query first started (Spark's `LongOffset`).
    fn latest_offset(&mut self) -> Result<Option<Offset>> {
        self.reported = self.reported.max((now_ms() - self.start_ms) / 1000);
        Ok(count_offset(self.reported))
    }
    /// The start time, in `sources/<i>/0` with the first batch (Spark keeps it in the source's metadata log).
    fn plan_logs(&self, start: Option<&Offset>, _end: &Offset) -> Result<Vec<(i64, String)>> {
        Ok(match start {
            None => vec![(0, serde_json::json!({ "startTimeMs": self.start_ms }).to_string())],
            Some(_) => vec![],
        })
    }
    fn restore_log(&mut self, logs: &[(i64, String)], upto: Option<&Offset>) -> Result<()> {
        let recorded = logs.iter().find(|(k, _)| *k == 0).and_then(|(_, text)| {
            serde_json::from_str::<serde_json::Value>(text.trim()).ok()?.get("startTimeMs")?.as_i64()
        });
        if let Some(ms) = recorded {
            self.start_ms = ms;
        }
        // A checkpoint written before the start time was kept: go on from its offset, not from zero.
        self.reported = self.reported.max(offset_count(upto)?);
        Ok(())
    }
    fn read(&mut self, start: Option<&Offset>, end: &Offset, _ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        let (start, end) = (offset_count(start)?, end.count()?);
        let (from, to) = (self.value_at_second(start), self.value_at_second(end));
        Ok(vec![rate_batch(from, to, self.start_ms + start * 1000, ((end - start) * 1000) as f64)?])
    }
}

/// `format("rate-micro-batch")`: every trigger has a new batch.
pub struct RateMicroBatchSource {
    rows_per_batch: i64,
    start_ms: i64,
    advance_ms: i64,
    planned: i64,
}

impl RateMicroBatchSource {
    pub fn new(rows_per_batch: i64, start_ms: i64, advance_ms: i64) -> Self {
        RateMicroBatchSource { rows_per_batch, start_ms, advance_ms, planned: 0 }
    }
}

impl Source for RateMicroBatchSource {
    fn deserialize_offset(&self, offset: Offset) -> Result<Offset> {
        Ok(Offset::long(offset.count()?))
    }
    /// Batches planned (a new one each trigger).
    fn latest_offset(&mut self) -> Result<Option<Offset>> {
        self.planned += 1;
        Ok(count_offset(self.planned))
    }
    fn read(&mut self, start: Option<&Offset>, end: &Offset, _ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        (offset_count(start)?..end.count()?)
            .map(|b| {
                // All rows of a batch share the batch's timestamp.
                rate_batch(
                    b * self.rows_per_batch,
                    (b + 1) * self.rows_per_batch,
                    self.start_ms + b * self.advance_ms,
                    0.0,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use arrow::datatypes::Int64Type;

    #[test]
    fn rate_values_follow_seconds() {
        let mut r = RateSource::new(4, 0);
        let b = r.read(None, &Offset::long(2), &EvalContext::default()).unwrap();
        let v: Vec<i64> = b[0].column(1).as_primitive::<Int64Type>().values().to_vec();
        assert_eq!(v, (0..8).collect::<Vec<_>>());
        let b = r.read(Some(&Offset::long(2)), &Offset::long(3), &EvalContext::default()).unwrap();
        assert_eq!(b[0].column(1).as_primitive::<Int64Type>().value(0), 8);
    }

    #[test]
    fn a_restarted_rate_source_catches_up_from_its_recorded_start() {
        let first = RateSource::new(10, 0);
        let logs = first.plan_logs(None, &Offset::long(1)).unwrap();
        assert_eq!(logs.len(), 1);
        // The same query restarted 5 s later: its start time comes back from the log, so the offset is at least 5 s
        // at once and never goes back below what was committed.
        let mut log = logs[0].1.clone();
        log = log.replace(&first.start_ms.to_string(), &(first.start_ms - 5_000).to_string());
        let mut again = RateSource::new(10, 0);
        again.restore_log(&[(0, log)], Some(&Offset::long(3))).unwrap();
        assert!(again.latest_offset().unwrap().unwrap().count().unwrap() >= 5);
        let mut legacy = RateSource::new(10, 0);
        legacy.restore_log(&[], Some(&Offset::long(7))).unwrap();
        assert_eq!(legacy.latest_offset().unwrap(), Some(Offset::long(7)));
    }

    #[test]
    fn micro_batch_rate_has_fixed_batches() {
        let mut r = RateMicroBatchSource::new(3, 1000, 500);
        assert_eq!(r.latest_offset().unwrap(), Some(Offset::long(1)));
        let b = r.read(Some(&Offset::long(1)), &Offset::long(2), &EvalContext::default()).unwrap();
        assert_eq!(b[0].column(1).as_primitive::<Int64Type>().values().to_vec(), vec![3, 4, 5]);
    }
}
