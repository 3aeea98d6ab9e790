//! The Kafka streaming source (Spark's `KafkaMicroBatchStream`): its offset is `{"topic":{"partition":offset}}`
//! (the next offset to read, exclusive end of the batch), the first batch starts where `startingOffsets` resolved
//! (kept in `sources/<i>/0` so a restart starts the same), partitions that appear later are read from their
//! earliest offset, `maxOffsetsPerTrigger` / `minOffsetsPerTrigger` + `maxTriggerDelay` bound a batch, and
//! `availableNow` stops at the offsets seen when the query started.
use std::collections::BTreeSet;
use std::time::Instant;

use arrow::array::RecordBatch;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::plan::streaming::Trigger;
use crate::stream::connector::kafka::client::{
    added_partition_not_from_zero, data_loss, offset_changed, partitions_deleted, read_ranges, KafkaConsumer,
};
use crate::stream::connector::kafka::offsets::{
    rate_limit, tp_set, PartitionOffsets, TopicPartition, EARLIEST, LATEST,
};
use crate::stream::connector::kafka::options::{NoMatchStrategy, OffsetLimit, SourceOptions};
use crate::stream::offset::Offset;
use crate::stream::source::Source;

pub struct KafkaSource {
    options: SourceOptions,
    consumer: KafkaConsumer,
    trigger: Trigger,
    /// Where the first batch starts (resolved once, then kept in the checkpoint).
    initial: Option<PartitionOffsets>,
    /// The end of the last committed batch.
    committed: Option<PartitionOffsets>,
    /// availableNow: the latest offsets when the query started; no batch reads past them.
    available_now: Option<PartitionOffsets>,
    /// When the last trigger that was not held back by minOffsetsPerTrigger ran (Spark's `lastTriggerMillis`;
    /// none yet: the first trigger of a run is never held back).
    last_trigger: Option<Instant>,
    /// The latest offsets the broker reported at the last trigger.
    latest_seen: Option<PartitionOffsets>,
}

impl KafkaSource {
    pub fn new(options: SourceOptions, trigger: Trigger) -> Result<KafkaSource> {
        let prefix = options.group_id_prefix.as_deref().unwrap_or("spark-kafka-source");
        let group = format!("{prefix}-{}-executor", crate::types::uuid::random_uuid());
        let consumer = KafkaConsumer::new(&options.client, &group)?;
        Ok(KafkaSource {
            options,
            consumer,
            trigger,
            initial: None,
            committed: None,
            available_now: None,
            last_trigger: None,
            latest_seen: None,
        })
    }

    /// `startingOffsets` (or a timestamp option) resolved against the partitions now.
    fn resolve_initial(
        &self,
        tps: &BTreeSet<TopicPartition>,
        low: &PartitionOffsets,
        high: &PartitionOffsets,
    ) -> Result<PartitionOffsets> {
        resolve_limit(&self.consumer, &self.options, &self.options.starting, true, tps, low, high)
    }

    /// Spark's `delayBatch`: hold the trigger back while fewer than minOffsetsPerTrigger records wait, unless
    /// maxTriggerDelay passed since the last trigger that ran.
    fn hold_back(&mut self, min: i64, waiting: i64) -> bool {
        let now = Instant::now();
        let due = self
            .last_trigger
            .is_none_or(|t| now.duration_since(t).as_millis() as i64 >= self.options.max_trigger_delay_ms);
        if due || waiting >= min {
            self.last_trigger = Some(now);
            return false;
        }
        true
    }
}

/// An offset limit resolved to offsets per partition (earliest, latest, explicit with -2/-1, by timestamp; an end
/// timestamp that no record reaches means the latest offset).
pub fn resolve_limit(
    consumer: &KafkaConsumer,
    options: &SourceOptions,
    limit: &OffsetLimit,
    starting: bool,
    tps: &BTreeSet<TopicPartition>,
    low: &PartitionOffsets,
    high: &PartitionOffsets,
) -> Result<PartitionOffsets> {
    let no_match = if starting { options.no_match } else { NoMatchStrategy::Latest };
    let pick = |from: &PartitionOffsets| {
        let mut out = PartitionOffsets::default();
        for tp in tps {
            out.insert(tp.clone(), from.get(tp).unwrap_or(0));
        }
        out
    };
    match limit {
        OffsetLimit::Earliest => Ok(pick(low)),
        OffsetLimit::Latest => Ok(pick(high)),
        OffsetLimit::Specific(given) => {
            let named: BTreeSet<TopicPartition> = given.partitions().cloned().collect();
            if &named != tps {
                return Err(EmberError::illegal_argument(format!(
                    "[KAFKA_START_OFFSET_DOES_NOT_MATCH_ASSIGNED] Partitions specified for Kafka start offsets don't \
                     match what are assigned. Maybe topic partitions are created or deleted while the query is \
                     running. Use -1 for latest, -2 for earliest. Specified: {} Assigned: {}",
                    tp_set(named.iter()),
                    tp_set(tps.iter())
                )));
            }
            let mut out = PartitionOffsets::default();
            for (tp, o) in &given.0 {
                let o = match *o {
                    EARLIEST => low.get(tp).unwrap_or(0),
                    LATEST => high.get(tp).unwrap_or(0),
                    o => o,
                };
                out.insert(tp.clone(), o);
            }
            Ok(out)
        }
        OffsetLimit::Timestamps(times) => {
            let named: BTreeSet<TopicPartition> = times.partitions().cloned().collect();
            if &named != tps {
                return Err(EmberError::with_condition(
                    crate::error::ErrorKind::Execution,
                    "KAFKA_TIMESTAMP_OFFSET_DOES_NOT_MATCH_ASSIGNED",
                    [
                        ("position", (if starting { "start" } else { "end" }).to_string()),
                        ("specifiedPartitions", tp_set(named.iter())),
                        ("assignedPartitions", tp_set(tps.iter())),
                    ],
                ));
            }
            consumer.offsets_for_times(times, high, no_match)
        }
        OffsetLimit::GlobalTimestamp(ts) => {
            let mut times = PartitionOffsets::default();
            for tp in tps {
                times.insert(tp.clone(), *ts);
            }
            consumer.offsets_for_times(&times, high, no_match)
        }
    }
}

impl Source for KafkaSource {
    fn latest_offset(&mut self) -> Result<Option<Offset>> {
        let custom_group = self.options.client.custom_group_id();
        let tps = self.consumer.partitions(&self.options.strategy)?;
        let (low, high) = self.consumer.watermarks(&tps)?;
        if self.initial.is_none() {
            self.initial = Some(self.resolve_initial(&tps, &low, &high)?);
        }
        let start = self.committed.clone().or_else(|| self.initial.clone()).unwrap_or_default();
        // Partitions that vanished: Spark's data loss; without failOnDataLoss they are dropped.
        let gone: Vec<TopicPartition> = start.partitions().filter(|tp| !tps.contains(*tp)).cloned().collect();
        if !gone.is_empty() {
            data_loss(self.options.fail_on_data_loss, || partitions_deleted(&gone, custom_group))?;
        }
        // availableNow: the partitions and offsets seen when the query started, nothing that came later.
        let mut until = high.clone();
        if self.trigger == Trigger::AvailableNow {
            let cap = self.available_now.get_or_insert_with(|| high.clone()).clone();
            until = PartitionOffsets::default();
            for (tp, o) in &cap.0 {
                if let Some(h) = high.get(tp) {
                    until.insert(tp.clone(), (*o).min(h));
                }
            }
        }
        let mut from = PartitionOffsets::default();
        for tp in until.partitions() {
            from.insert(tp.clone(), start.get(tp).unwrap_or_else(|| low.get(tp).unwrap_or(0)));
        }
        self.latest_seen = Some(until.clone());
        for (tp, o) in until.0.iter_mut() {
            // Never behind where the next batch starts (a shrunk log is reported when the batch reads it).
            let f = from.get(tp).unwrap_or(0);
            if *o < f {
                data_loss(self.options.fail_on_data_loss, || offset_changed(tp, f, *o))?;
                *o = f;
            }
        }
        // Trigger.Once reads everything available in its one batch (Spark ignores the read limits there).
        if self.trigger != Trigger::Once {
            // minOffsetsPerTrigger counts new partitions from 0, as Spark does.
            let waiting: i64 = until.0.iter().map(|(tp, o)| o - start.get(tp).unwrap_or(0)).sum();
            // availableNow reads all it saw at the start: a held-back trigger would end it with data unread.
            if let (Some(min), false) = (self.options.min_offsets_per_trigger, self.trigger == Trigger::AvailableNow) {
                if self.hold_back(min, waiting) {
                    return Ok(Some(start.to_offset()));
                }
            }
            if let Some(max) = self.options.max_offsets_per_trigger {
                until = rate_limit(max, &from, &until);
            }
        }
        Ok(Some(until.to_offset()))
    }

    fn read(&mut self, start: Option<&Offset>, end: &Offset, _ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        let end = PartitionOffsets::from_offset(end)?;
        let start = match start {
            Some(s) => PartitionOffsets::from_offset(s)?,
            None => self.initial.clone().ok_or_else(|| {
                EmberError::execution("The Kafka source's starting offsets are missing from the checkpoint")
            })?,
        };
        let fail = self.options.fail_on_data_loss;
        let gone: Vec<TopicPartition> = start.partitions().filter(|tp| end.get(tp).is_none()).cloned().collect();
        if !gone.is_empty() {
            data_loss(fail, || partitions_deleted(&gone, self.options.client.custom_group_id()))?;
        }
        // Partitions that appeared since the start are read from their earliest offset, which should be 0.
        let new: BTreeSet<TopicPartition> = end.partitions().filter(|tp| start.get(tp).is_none()).cloned().collect();
        let (new_low, _) = self.consumer.watermarks(&new)?;
        for (tp, o) in new_low.0.iter().filter(|(_, o)| **o != 0) {
            data_loss(fail, || added_partition_not_from_zero(tp, *o))?;
        }
        let mut ranges = Vec::new();
        for (tp, until) in &end.0 {
            let from = start.get(tp).or_else(|| new_low.get(tp)).unwrap_or(0);
            if from > *until {
                data_loss(self.options.fail_on_data_loss, || offset_changed(tp, from, *until))?;
                continue;
            }
            ranges.push((tp.clone(), from, *until));
        }
        read_ranges(&self.consumer, &ranges, self.options.splitting, self.options.include_headers, fail)
    }

    fn deserialize_offset(&self, offset: Offset) -> Result<Offset> {
        Ok(PartitionOffsets::from_offset(&offset)?.to_offset())
    }

    /// The first batch's starting offsets, as Spark's initial offset in the source's metadata log.
    fn plan_logs(&self, start: Option<&Offset>, _end: &Offset) -> Result<Vec<(i64, String)>> {
        Ok(match (start, &self.initial) {
            (None, Some(initial)) => vec![(0, initial.to_json())],
            _ => vec![],
        })
    }

    fn restore_log(&mut self, logs: &[(i64, String)], _upto: Option<&Offset>) -> Result<()> {
        if let Some((_, text)) = logs.iter().find(|(k, _)| *k == 0) {
            self.initial = Some(PartitionOffsets::parse(text)?);
        }
        Ok(())
    }

    fn reported_latest(&self) -> Option<Offset> {
        self.latest_seen.as_ref().map(PartitionOffsets::to_offset)
    }

    /// Spark's `offsetsBehindLatest` figures: per partition, the latest offset minus the end of the last batch.
    fn metrics(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        let (Some(latest), Some(done)) = (&self.latest_seen, &self.committed) else { return out };
        let behind: Vec<i64> = latest.0.iter().map(|(tp, o)| (o - done.get(tp).unwrap_or(*o)).max(0)).collect();
        if behind.is_empty() {
            return out;
        }
        let avg = behind.iter().sum::<i64>() as f64 / behind.len() as f64;
        out.insert("avgOffsetsBehindLatest".into(), crate::types::java_float::java_double_to_string(avg));
        out.insert("maxOffsetsBehindLatest".into(), behind.iter().max().unwrap().to_string());
        out.insert("minOffsetsBehindLatest".into(), behind.iter().min().unwrap().to_string());
        out
    }

    fn commit(&mut self, end: &Offset) {
        if let Ok(o) = PartitionOffsets::from_offset(end) {
            self.committed = Some(o);
        }
    }
}
