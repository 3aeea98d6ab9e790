//! The Kafka consumer side through rdkafka: which partitions a strategy names, the offsets at either end of each
//! partition and at a timestamp, and the records of offset ranges read into one Arrow batch in Spark's schema.
//! Every call waits at most the configured timeout, so a dead broker or a wrong address fails with a clear error.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{
    ArrayRef, BinaryBuilder, Int32Builder, Int64Builder, ListBuilder, RecordBatch, StringBuilder, StructBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Headers, Message, Timestamp};
use rdkafka::{ClientConfig, Offset as KOffset, TopicPartitionList};

use crate::error::{EmberError, Result};
use crate::stream::connector::kafka::offsets::{tp_name, tp_set, PartitionOffsets, TopicPartition};
use crate::stream::connector::kafka::options::{Client, NoMatchStrategy, Strategy};

/// Spark's Kafka schema; `headers` only with `includeHeaders`.
pub fn kafka_fields(include_headers: bool) -> Fields {
    let mut f = vec![
        Field::new("key", DataType::Binary, true),
        Field::new("value", DataType::Binary, true),
        Field::new("topic", DataType::Utf8, true),
        Field::new("partition", DataType::Int32, true),
        Field::new("offset", DataType::Int64, true),
        Field::new("timestamp", crate::types::timestamp_type(), true),
        Field::new("timestampType", DataType::Int32, true),
    ];
    if include_headers {
        f.push(Field::new("headers", headers_type(), true));
    }
    Fields::from(f)
}

/// `array<struct<key:string,value:binary>>`.
pub fn headers_type() -> DataType {
    DataType::List(Arc::new(Field::new("element", DataType::Struct(header_fields()), true)))
}

fn header_fields() -> Fields {
    Fields::from(vec![Field::new("key", DataType::Utf8, true), Field::new("value", DataType::Binary, true)])
}

/// Ranges above this many records are read by one consumer per group of partitions, in parallel.
const PARALLEL_READ_RECORDS: i64 = 200_000;

/// The records of `ranges` (see `KafkaConsumer::read`): a large read is split by partition over the rayon pool, each
/// part with its own consumer; a small one uses `consumer`.
pub fn read_ranges(
    consumer: &KafkaConsumer,
    group_id: &str,
    ranges: &[(TopicPartition, i64, i64)],
    include_headers: bool,
    fail_on_data_loss: bool,
) -> Result<Vec<RecordBatch>> {
    let total: i64 = ranges.iter().map(|(_, a, b)| (b - a).max(0)).sum();
    let parts = rayon::current_num_threads().min(ranges.len());
    if total < PARALLEL_READ_RECORDS || parts < 2 {
        return Ok(vec![consumer.read(ranges, include_headers, fail_on_data_loss)?]);
    }
    // Partitions dealt out largest first to the part with the fewest records so far.
    let mut sorted: Vec<&(TopicPartition, i64, i64)> = ranges.iter().collect();
    sorted.sort_by_key(|(_, a, b)| std::cmp::Reverse(b - a));
    let mut groups: Vec<(i64, Vec<(TopicPartition, i64, i64)>)> = vec![(0, Vec::new()); parts];
    for r in sorted {
        let g = groups.iter_mut().min_by_key(|(n, _)| *n).unwrap();
        g.0 += r.2 - r.1;
        g.1.push(r.clone());
    }
    use rayon::prelude::*;
    groups
        .par_iter()
        .map(|(_, group)| {
            KafkaConsumer::new(&consumer.client, group_id)?.read(group, include_headers, fail_on_data_loss)
        })
        .collect()
}

/// A consumer that never joins a group or commits: partitions are assigned with explicit offsets, as Spark's.
pub struct KafkaConsumer {
    consumer: BaseConsumer,
    client: Client,
}

fn broker_error(client: &Client, what: &str, e: &KafkaError) -> EmberError {
    EmberError::execution(format!(
        "Kafka at {} could not {what} within {} ms (kafkaConsumer.pollTimeoutMs): {e}",
        client.bootstrap(),
        client.timeout_ms
    ))
}

impl KafkaConsumer {
    pub fn new(client: &Client, group_id: &str) -> Result<KafkaConsumer> {
        let mut cfg = ClientConfig::new();
        cfg.set("group.id", group_id)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "error")
            .set("enable.partition.eof", "true")
            // A fetch at the log's end returns within 100 ms (librdkafka waits 500 ms by default).
            .set("fetch.wait.max.ms", "100")
            .set("socket.timeout.ms", client.timeout_ms.clamp(10, 300_000).to_string())
            .set("log_level", "3");
        for (k, v) in &client.params {
            cfg.set(k, v);
        }
        let consumer: BaseConsumer = cfg.create().map_err(|e| {
            EmberError::illegal_argument(format!("Invalid Kafka configuration for {}: {e}", client.bootstrap()))
        })?;
        Ok(KafkaConsumer { consumer, client: client.clone() })
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.client.timeout_ms)
    }

    /// The partitions a strategy names now. Subscribed topics must exist; a pattern matches whole names and
    /// skips Kafka's internal topics.
    pub fn partitions(&self, strategy: &Strategy) -> Result<BTreeSet<TopicPartition>> {
        let md = self
            .consumer
            .fetch_metadata(None, self.timeout())
            .map_err(|e| broker_error(&self.client, "list its topics", &e))?;
        let mut topics: BTreeMap<String, Vec<i32>> = BTreeMap::new();
        for t in md.topics() {
            if t.error().is_none() {
                topics.insert(t.name().to_string(), t.partitions().iter().map(|p| p.id()).collect());
            }
        }
        let mut out = BTreeSet::new();
        match strategy {
            Strategy::Assign(tps) => {
                for tp in tps {
                    if !topics.get(&tp.0).is_some_and(|ps| ps.contains(&tp.1)) {
                        return Err(EmberError::execution(format!(
                            "The assigned partition {} does not exist on Kafka at {}",
                            tp_name(tp),
                            self.client.bootstrap()
                        )));
                    }
                    out.insert(tp.clone());
                }
            }
            Strategy::Subscribe(names) => {
                for name in names {
                    let ps = topics.get(name).ok_or_else(|| {
                        EmberError::execution(format!(
                            "The subscribed topic '{name}' does not exist on Kafka at {}",
                            self.client.bootstrap()
                        ))
                    })?;
                    out.extend(ps.iter().map(|p| (name.clone(), *p)));
                }
            }
            Strategy::Pattern(p) => {
                let re = regex::Regex::new(&format!("^(?:{p})$"))
                    .map_err(|e| EmberError::illegal_argument(format!("Invalid subscribePattern '{p}': {e}")))?;
                for (name, ps) in &topics {
                    if !name.starts_with("__") && re.is_match(name) {
                        out.extend(ps.iter().map(|p| (name.clone(), *p)));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Earliest and latest offsets of each partition.
    pub fn watermarks(&self, tps: &BTreeSet<TopicPartition>) -> Result<(PartitionOffsets, PartitionOffsets)> {
        let (mut low, mut high) = (PartitionOffsets::default(), PartitionOffsets::default());
        for tp in tps {
            let (l, h) = self
                .consumer
                .fetch_watermarks(&tp.0, tp.1, self.timeout())
                .map_err(|e| broker_error(&self.client, &format!("report the offsets of {}", tp_name(tp)), &e))?;
            low.insert(tp.clone(), l);
            high.insert(tp.clone(), h);
        }
        Ok((low, high))
    }

    /// The first offset whose timestamp is at or after the given one, per partition; where none is, the
    /// strategy decides (Spark fails, or with LATEST takes the latest offset).
    pub fn offsets_for_times(
        &self,
        times: &PartitionOffsets,
        latest: &PartitionOffsets,
        no_match: NoMatchStrategy,
    ) -> Result<PartitionOffsets> {
        let mut tpl = TopicPartitionList::new();
        for ((t, p), ts) in &times.0 {
            tpl.add_partition_offset(t, *p, KOffset::Offset(*ts))
                .map_err(|e| EmberError::execution(format!("Kafka: {e}")))?;
        }
        let found = self
            .consumer
            .offsets_for_times(tpl, self.timeout())
            .map_err(|e| broker_error(&self.client, "find offsets by timestamp", &e))?;
        let mut out = PartitionOffsets::default();
        for e in found.elements() {
            let tp = (e.topic().to_string(), e.partition());
            let o = match e.offset() {
                KOffset::Offset(o) if o >= 0 => o,
                _ => match no_match {
                    NoMatchStrategy::Latest => latest.get(&tp).unwrap_or(0),
                    NoMatchStrategy::Error => {
                        return Err(EmberError::illegal_argument(format!(
                            "No offset matched from request of topic-partition {} and timestamp {}.",
                            tp_name(&tp),
                            times.get(&tp).unwrap_or(0)
                        )))
                    }
                },
            };
            out.insert(tp, o);
        }
        Ok(out)
    }

    /// The records of `[from, until)` for each partition, as one batch in Spark's schema. A range that can no
    /// longer be read whole (deleted, aged out, compacted) is data loss: an error when `fail_on_data_loss`, else
    /// what is left is read and the loss logged.
    pub fn read(
        &self,
        ranges: &[(TopicPartition, i64, i64)],
        include_headers: bool,
        fail_on_data_loss: bool,
    ) -> Result<RecordBatch> {
        let mut out = Columns::new(include_headers);
        let mut pending: BTreeMap<TopicPartition, (i64, i64)> = BTreeMap::new();
        let mut tpl = TopicPartitionList::new();
        for (tp, from, until) in ranges {
            if until > from {
                pending.insert(tp.clone(), (*from, *until));
                tpl.add_partition_offset(&tp.0, tp.1, KOffset::Offset(*from))
                    .map_err(|e| EmberError::execution(format!("Kafka: {e}")))?;
            }
        }
        if pending.is_empty() {
            return out.finish();
        }
        self.consumer.assign(&tpl).map_err(|e| EmberError::execution(format!("Kafka: {e}")))?;
        let mut last_progress = Instant::now();
        let mut last_error: Option<KafkaError> = None;
        while !pending.is_empty() {
            if last_progress.elapsed() > self.timeout() {
                let what = format!("deliver offsets {}", range_text(&pending));
                let e = last_error.unwrap_or(KafkaError::MessageConsumption(RDKafkaErrorCode::OperationTimedOut));
                let _ = self.consumer.unassign();
                return Err(broker_error(&self.client, &what, &e));
            }
            match self.consumer.poll(Duration::from_millis(100)) {
                None => {}
                Some(Ok(m)) => {
                    let tp = (m.topic().to_string(), m.partition());
                    let Some(&(next, until)) = pending.get(&tp) else { continue };
                    let o = m.offset();
                    if o < next {
                        continue;
                    }
                    last_progress = Instant::now();
                    if o > next {
                        data_loss(fail_on_data_loss, || could_not_read(&tp, next, until.min(o)))?;
                    }
                    if o >= until {
                        pending.remove(&tp);
                        continue;
                    }
                    out.push(&m, include_headers);
                    if o + 1 >= until {
                        pending.remove(&tp);
                    } else {
                        pending.insert(tp, (o + 1, until));
                    }
                }
                Some(Err(KafkaError::PartitionEOF(p))) => {
                    // The log ends before `until`: the rest of the range is gone. The event names only the
                    // partition number, so each pending partition with that number is checked.
                    let ended: Vec<TopicPartition> = pending.keys().filter(|tp| tp.1 == p).cloned().collect();
                    for tp in ended {
                        let (next, until) = pending[&tp];
                        if self.latest(&tp)? < until {
                            data_loss(fail_on_data_loss, || could_not_read(&tp, next, until))?;
                            pending.remove(&tp);
                        }
                    }
                }
                Some(Err(KafkaError::MessageConsumption(RDKafkaErrorCode::OffsetOutOfRange))) => {
                    // Which partition is out of range: the ones whose next offset is below the log's start.
                    for (tp, (next, until)) in pending.clone() {
                        let (low, high) = self
                            .consumer
                            .fetch_watermarks(&tp.0, tp.1, self.timeout())
                            .map_err(|e| broker_error(&self.client, "report offsets", &e))?;
                        if next < low || next > high {
                            data_loss(fail_on_data_loss, || could_not_read(&tp, next, until))?;
                            if low < until && next < low {
                                pending.insert(tp.clone(), (low, until));
                                self.seek(&tp, low)?;
                            } else {
                                pending.remove(&tp);
                            }
                        }
                    }
                    last_progress = Instant::now();
                }
                Some(Err(e)) => last_error = Some(e),
            }
        }
        let _ = self.consumer.unassign();
        out.finish()
    }

    fn latest(&self, tp: &TopicPartition) -> Result<i64> {
        self.consumer
            .fetch_watermarks(&tp.0, tp.1, self.timeout())
            .map(|(_, h)| h)
            .map_err(|e| broker_error(&self.client, "report offsets", &e))
    }

    fn seek(&self, tp: &TopicPartition, offset: i64) -> Result<()> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&tp.0, tp.1, KOffset::Offset(offset))
            .map_err(|e| EmberError::execution(format!("Kafka: {e}")))?;
        self.consumer.seek_partitions(tpl, self.timeout()).map_err(|e| EmberError::execution(format!("Kafka: {e}")))?;
        Ok(())
    }
}

fn range_text(pending: &BTreeMap<TopicPartition, (i64, i64)>) -> String {
    pending.iter().map(|(tp, (a, b))| format!("[{a}, {b}) of {}", tp_name(tp))).collect::<Vec<_>>().join(", ")
}

/// Spark's `KAFKA_DATA_LOSS` error, or with failOnDataLoss=false a warning and the query goes on.
pub fn data_loss(fail: bool, error: impl FnOnce() -> EmberError) -> Result<()> {
    let e = error();
    if fail {
        Err(e)
    } else {
        eprintln!(
            "WARN KafkaSource: {} Some data may have been lost because they are not available in Kafka any more; \
             either the data was aged out by Kafka or the topic may have been deleted before all the data in the \
             topic was processed. If you want your streaming query to fail on such cases, set the source option \
             \"failOnDataLoss\" to \"true\".",
            e.message()
        );
        Ok(())
    }
}

fn could_not_read(tp: &TopicPartition, from: i64, until: i64) -> EmberError {
    EmberError::with_condition(
        crate::error::ErrorKind::Execution,
        "KAFKA_DATA_LOSS.COULD_NOT_READ_OFFSET_RANGE",
        [
            ("startOffset", from.to_string()),
            ("endOffset", until.to_string()),
            ("topicPartition", tp_name(tp)),
            ("groupId", "ember".to_string()),
        ],
    )
}

/// Partitions that vanished between two batches.
pub fn partitions_deleted(tps: &[TopicPartition]) -> EmberError {
    EmberError::with_condition(
        crate::error::ErrorKind::Execution,
        "KAFKA_DATA_LOSS.PARTITIONS_DELETED",
        [("partitions", tp_set(tps.iter()))],
    )
}

/// A partition's offset went back (the topic was recreated, or the start offset was set past its end).
pub fn offset_changed(tp: &TopicPartition, prev: i64, new: i64) -> EmberError {
    EmberError::with_condition(
        crate::error::ErrorKind::Execution,
        "KAFKA_DATA_LOSS.PARTITION_OFFSET_CHANGED",
        [("topicPartition", tp_name(tp)), ("prevOffset", prev.to_string()), ("newOffset", new.to_string())],
    )
}

/// The columns of Spark's Kafka schema being filled.
struct Columns {
    key: BinaryBuilder,
    value: BinaryBuilder,
    topic: StringBuilder,
    partition: Int32Builder,
    offset: Int64Builder,
    timestamp: TimestampMicrosecondBuilder,
    timestamp_type: Int32Builder,
    headers: Option<ListBuilder<StructBuilder>>,
}

impl Columns {
    fn new(include_headers: bool) -> Columns {
        Columns {
            key: BinaryBuilder::new(),
            value: BinaryBuilder::new(),
            topic: StringBuilder::new(),
            partition: Int32Builder::new(),
            offset: Int64Builder::new(),
            timestamp: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            timestamp_type: Int32Builder::new(),
            headers: include_headers.then(|| {
                ListBuilder::new(StructBuilder::from_fields(header_fields(), 0)).with_field(Arc::new(Field::new(
                    "element",
                    DataType::Struct(header_fields()),
                    true,
                )))
            }),
        }
    }

    fn push<M: Message>(&mut self, m: &M, include_headers: bool) {
        self.key.append_option(m.key());
        self.value.append_option(m.payload());
        self.topic.append_value(m.topic());
        self.partition.append_value(m.partition());
        self.offset.append_value(m.offset());
        let (ts, kind) = match m.timestamp() {
            Timestamp::NotAvailable => (-1, -1),
            Timestamp::CreateTime(t) => (t, 0),
            Timestamp::LogAppendTime(t) => (t, 1),
        };
        self.timestamp.append_value(ts * 1000);
        self.timestamp_type.append_value(kind);
        if let (true, Some(h)) = (include_headers, self.headers.as_mut()) {
            match m.headers() {
                None => h.append_null(),
                Some(hs) => {
                    let s = h.values();
                    for header in hs.iter() {
                        s.field_builder::<StringBuilder>(0).unwrap().append_value(header.key);
                        s.field_builder::<BinaryBuilder>(1).unwrap().append_option(header.value);
                        s.append(true);
                    }
                    h.append(true);
                }
            }
        }
    }

    fn finish(mut self) -> Result<RecordBatch> {
        let include_headers = self.headers.is_some();
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(self.key.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.topic.finish()),
            Arc::new(self.partition.finish()),
            Arc::new(self.offset.finish()),
            Arc::new(self.timestamp.finish()),
            Arc::new(self.timestamp_type.finish()),
        ];
        if let Some(h) = self.headers.as_mut() {
            cols.push(Arc::new(h.finish()));
        }
        Ok(RecordBatch::try_new(Arc::new(Schema::new(kafka_fields(include_headers))), cols)?)
    }
}
