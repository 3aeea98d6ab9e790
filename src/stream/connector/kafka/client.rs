//! The Kafka consumer side through rdkafka: which partitions a strategy names, the offsets at either end of each
//! partition and at a timestamp, and the records of offset ranges read into Arrow batches in Spark's schema (one
//! per input partition, spread over the rayon pool when large).
//! Every call waits at most the configured timeout, so a dead broker or a wrong address fails with a clear error.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow::array::{
    ArrayRef, BinaryBuilder, Int32Builder, Int64Builder, ListBuilder, RecordBatch, StringBuilder, StructBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Headers, Message, Timestamp};
use rdkafka::{ClientConfig, ClientContext, Offset as KOffset, TopicPartitionList};

use crate::error::{EmberError, Result};
use crate::stream::connector::kafka::input_partitions::{OffsetRange, Splitting};
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

/// Reads above this many records are spread over the rayon pool, one consumer per group of input partitions.
const PARALLEL_READ_RECORDS: i64 = 200_000;

/// The records of `ranges`, one batch per input partition (`splitting`: minPartitions / maxRecordsPerPartition,
/// in Spark's order). A small read goes through `consumer`; a large one is spread over the rayon pool, each group
/// of input partitions read in one pass by its own consumer.
pub fn read_ranges(
    consumer: &KafkaConsumer,
    ranges: &[OffsetRange],
    splitting: Splitting,
    include_headers: bool,
    fail_on_data_loss: bool,
) -> Result<Vec<RecordBatch>> {
    let parts = splitting.split(ranges);
    if parts.is_empty() {
        return Ok(vec![Columns::new(include_headers, 0).finish()?]);
    }
    let total: i64 = parts.iter().map(|(_, a, b)| b - a).sum();
    let threads = rayon::current_num_threads();
    let parallel = total >= PARALLEL_READ_RECORDS && threads > 1 && parts.len() > 1;
    let groups = reading_groups(&parts, if parallel { threads } else { 1 });
    let read_group = |c: &KafkaConsumer, group: &Vec<usize>| {
        let ranges: Vec<OffsetRange> = group.iter().map(|i| parts[*i].clone()).collect();
        c.read(&ranges, include_headers, fail_on_data_loss)
    };
    let read: Vec<Vec<RecordBatch>> = if parallel {
        use rayon::prelude::*;
        let readers = consumer.readers(groups.len())?;
        groups.par_iter().zip(&readers).map(|(group, c)| read_group(c, group)).collect::<Result<_>>()?
    } else {
        groups.iter().map(|group| read_group(consumer, group)).collect::<Result<_>>()?
    };
    let mut out: Vec<Option<RecordBatch>> = vec![None; parts.len()];
    for (group, batches) in groups.iter().zip(read) {
        for (i, b) in group.iter().zip(batches) {
            out[*i] = Some(b);
        }
    }
    Ok(out.into_iter().flatten().collect())
}

/// Input partitions dealt into at least `n` groups, largest first to the group with the fewest records that does
/// not hold the same topic-partition yet (a consumer reads a partition from one position per pass).
fn reading_groups(parts: &[OffsetRange], n: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(parts[*i].2 - parts[*i].1));
    let mut groups: Vec<(i64, Vec<usize>)> = vec![(0, Vec::new()); n.max(1)];
    for i in order {
        let free =
            groups.iter_mut().filter(|(_, g)| !g.iter().any(|j| parts[*j].0 == parts[i].0)).min_by_key(|(n, _)| *n);
        let group = match free {
            Some(g) => g,
            None => {
                groups.push((0, Vec::new()));
                groups.last_mut().unwrap()
            }
        };
        group.0 += parts[i].2 - parts[i].1;
        group.1.push(i);
    }
    groups
        .into_iter()
        .map(|(_, mut g)| {
            g.sort_unstable();
            g
        })
        .filter(|g| !g.is_empty())
        .collect()
}

/// The client's last global error (a refused connection, a failed TLS handshake or SASL authentication), so a
/// call that times out can say why instead of only that it timed out.
#[derive(Default)]
pub struct BrokerErrors {
    last: Mutex<Option<String>>,
}

impl BrokerErrors {
    pub fn last(&self) -> Option<String> {
        self.last.lock().unwrap().clone()
    }
}

impl ClientContext for BrokerErrors {
    fn error(&self, error: KafkaError, reason: &str) {
        *self.last.lock().unwrap() = Some(format!("{error} ({reason})"));
    }
    fn log(&self, _level: RDKafkaLogLevel, _fac: &str, _message: &str) {}
}

impl ConsumerContext for BrokerErrors {}

/// A consumer that never joins a group or commits: partitions are assigned with explicit offsets, as Spark's.
pub struct KafkaConsumer {
    consumer: BaseConsumer<BrokerErrors>,
    client: Client,
    /// The group id the consumer's requests carry (Spark's `<prefix>-<uuid>-…-executor`, or `kafka.group.id`).
    group_id: String,
    /// The consumers a large read is spread over, made by the first such read and kept for the next ones (as Spark
    /// caches its executors' consumers): a new consumer connects and fetches metadata before its first record, which
    /// cost a micro-batch tens of milliseconds.
    readers: std::sync::Mutex<Vec<std::sync::Arc<KafkaConsumer>>>,
}

fn broker_error(client: &Client, what: &str, e: &KafkaError, last: Option<String>) -> EmberError {
    let why = match last {
        Some(l) => format!("{e}; the client's last error: {l}"),
        None => e.to_string(),
    };
    EmberError::execution(format!(
        "Kafka at {} could not {what} within {} ms (kafkaConsumer.pollTimeoutMs): {why}",
        client.bootstrap(),
        client.timeout_ms
    ))
}

/// One input partition being read: where it is, where it stops, and its rows so far.
struct Reading {
    topic: String,
    partition: i32,
    next: i64,
    until: i64,
    done: bool,
    rows: Columns,
}

impl Reading {
    fn tp(&self) -> TopicPartition {
        (self.topic.clone(), self.partition)
    }
}

/// Rows reserved up front per input partition, at most: a range's size bounds its records, but a compacted or
/// truncated log may hold far fewer.
const RESERVE_ROWS: i64 = 1 << 20;

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
            // Large fetches: a read is a bulk transfer of known ranges, not a trickle (librdkafka's default is 1 MB
            // per partition per fetch).
            .set("max.partition.fetch.bytes", "16777216")
            // One 16 MB fetch of small records overfills librdkafka's local queue (100k messages), and a full queue
            // postpones the partition's next fetch by `fetch.queue.backoff.ms` (1 s by default): a bulk read then
            // idles for most of each second. The reader drains the queue continuously, so a short backoff and a
            // queue that holds a whole fetch keep the broker busy.
            .set("fetch.queue.backoff.ms", "10")
            .set("queued.min.messages", "1000000")
            .set("socket.timeout.ms", client.timeout_ms.clamp(10, 300_000).to_string())
            .set("log_level", "3");
        for (k, v) in &client.params {
            cfg.set(k, v);
        }
        let consumer: BaseConsumer<BrokerErrors> = cfg.create_with_context(BrokerErrors::default()).map_err(|e| {
            EmberError::illegal_argument(format!("Invalid Kafka configuration for {}: {e}", client.bootstrap()))
        })?;
        let group_id = client.params.iter().find(|(k, _)| k == "group.id").map_or(group_id, |(_, v)| v.as_str());
        Ok(KafkaConsumer {
            consumer,
            client: client.clone(),
            group_id: group_id.to_string(),
            readers: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// `n` consumers of this one's client and group for a parallel read, made once and then reused.
    fn readers(&self, n: usize) -> Result<Vec<std::sync::Arc<KafkaConsumer>>> {
        let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        while readers.len() < n {
            readers.push(std::sync::Arc::new(KafkaConsumer::new(&self.client, &self.group_id)?));
        }
        Ok(readers[..n].to_vec())
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.client.timeout_ms)
    }

    fn error(&self, what: &str, e: &KafkaError) -> EmberError {
        broker_error(&self.client, what, e, self.consumer.context().last())
    }

    /// The partitions a strategy names now. Subscribed topics must exist; a pattern matches whole names and
    /// skips Kafka's internal topics.
    pub fn partitions(&self, strategy: &Strategy) -> Result<BTreeSet<TopicPartition>> {
        let md = self.consumer.fetch_metadata(None, self.timeout()).map_err(|e| self.error("list its topics", &e))?;
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
                .map_err(|e| self.error(&format!("report the offsets of {}", tp_name(tp)), &e))?;
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
            .map_err(|e| self.error("find offsets by timestamp", &e))?;
        let answers: Vec<(TopicPartition, Option<i64>)> = found
            .elements()
            .iter()
            .map(|e| {
                let o = match e.offset() {
                    KOffset::Offset(o) if o >= 0 => Some(o),
                    _ => None,
                };
                ((e.topic().to_string(), e.partition()), o)
            })
            .collect();
        offsets_at_times(&answers, times, latest, no_match)
    }

    /// The records of `[from, until)` of each range (at most one range per partition), one batch per range in the
    /// given order. A range that can no longer be read whole (deleted, aged out, compacted) is data loss: an error
    /// when `fail_on_data_loss`, else what is left is read and the loss logged.
    pub fn read(
        &self,
        ranges: &[OffsetRange],
        include_headers: bool,
        fail_on_data_loss: bool,
    ) -> Result<Vec<RecordBatch>> {
        let mut reading: Vec<Reading> = Vec::with_capacity(ranges.len());
        let mut tpl = TopicPartitionList::new();
        for ((topic, partition), from, until) in ranges {
            let done = until <= from;
            if !done {
                tpl.add_partition_offset(topic, *partition, KOffset::Offset(*from))
                    .map_err(|e| EmberError::execution(format!("Kafka: {e}")))?;
            }
            let rows = Columns::new(include_headers, (until - from).clamp(0, RESERVE_ROWS) as usize);
            reading.push(Reading {
                topic: topic.clone(),
                partition: *partition,
                next: *from,
                until: *until,
                done,
                rows,
            });
        }
        let mut left = reading.iter().filter(|r| !r.done).count();
        if left > 0 {
            self.consumer.assign(&tpl).map_err(|e| EmberError::execution(format!("Kafka: {e}")))?;
            let outcome = self.read_assigned(&mut reading, &mut left, include_headers, fail_on_data_loss);
            let _ = self.consumer.unassign();
            outcome?;
        }
        reading.into_iter().map(|r| r.rows.finish()).collect()
    }

    fn read_assigned(
        &self,
        reading: &mut [Reading],
        left: &mut usize,
        include_headers: bool,
        fail_on_data_loss: bool,
    ) -> Result<()> {
        let mut last_progress = Instant::now();
        let mut last_error: Option<KafkaError> = None;
        // Messages come in runs from one partition: the last one found is tried first.
        let mut hit = 0usize;
        while *left > 0 {
            if last_progress.elapsed() > self.timeout() {
                let what = format!("deliver offsets {}", range_text(reading));
                let e = last_error.unwrap_or(KafkaError::MessageConsumption(RDKafkaErrorCode::OperationTimedOut));
                return Err(self.error(&what, &e));
            }
            match self.consumer.poll(Duration::from_millis(100)) {
                None => {}
                Some(Ok(m)) => {
                    let (topic, partition) = (m.topic(), m.partition());
                    let found = if reading[hit].partition == partition && reading[hit].topic == topic {
                        Some(hit)
                    } else {
                        reading.iter().position(|r| r.partition == partition && r.topic == topic)
                    };
                    let Some(i) = found else { continue };
                    hit = i;
                    let r = &mut reading[i];
                    let o = m.offset();
                    if r.done || o < r.next {
                        continue;
                    }
                    last_progress = Instant::now();
                    if o > r.next {
                        let (next, until) = (r.next, r.until.min(o));
                        data_loss(fail_on_data_loss, || could_not_read(&r.tp(), next, until, &self.group_id))?;
                    }
                    if o < r.until {
                        r.rows.push(&m, include_headers);
                        r.next = o + 1;
                    }
                    if o + 1 >= r.until {
                        r.done = true;
                        *left -= 1;
                    }
                }
                Some(Err(KafkaError::PartitionEOF(p))) => {
                    // The log ends before `until`: the rest of the range is gone. The event names only the
                    // partition number, so each pending range with that number is checked.
                    for r in reading.iter_mut().filter(|r| !r.done && r.partition == p) {
                        let tp = r.tp();
                        if self.latest(&tp)? < r.until {
                            data_loss(fail_on_data_loss, || could_not_read(&tp, r.next, r.until, &self.group_id))?;
                            r.done = true;
                            *left -= 1;
                        }
                    }
                }
                Some(Err(KafkaError::MessageConsumption(RDKafkaErrorCode::OffsetOutOfRange))) => {
                    // Which partition is out of range: the ones whose next offset is outside the log.
                    for r in reading.iter_mut().filter(|r| !r.done) {
                        let tp = r.tp();
                        let (low, high) = self
                            .consumer
                            .fetch_watermarks(&tp.0, tp.1, self.timeout())
                            .map_err(|e| self.error("report offsets", &e))?;
                        if r.next < low || r.next > high {
                            data_loss(fail_on_data_loss, || could_not_read(&tp, r.next, r.until, &self.group_id))?;
                            if low < r.until && r.next < low {
                                r.next = low;
                                self.seek(&tp, low)?;
                            } else {
                                r.done = true;
                                *left -= 1;
                            }
                        }
                    }
                    last_progress = Instant::now();
                }
                Some(Err(e)) => last_error = Some(e),
            }
        }
        Ok(())
    }

    fn latest(&self, tp: &TopicPartition) -> Result<i64> {
        self.consumer
            .fetch_watermarks(&tp.0, tp.1, self.timeout())
            .map(|(_, h)| h)
            .map_err(|e| self.error("report offsets", &e))
    }

    fn seek(&self, tp: &TopicPartition, offset: i64) -> Result<()> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&tp.0, tp.1, KOffset::Offset(offset))
            .map_err(|e| EmberError::execution(format!("Kafka: {e}")))?;
        self.consumer.seek_partitions(tpl, self.timeout()).map_err(|e| EmberError::execution(format!("Kafka: {e}")))?;
        Ok(())
    }

    pub fn group_id(&self) -> &str {
        &self.group_id
    }
}

fn range_text(reading: &[Reading]) -> String {
    let pending = reading.iter().filter(|r| !r.done);
    pending.map(|r| format!("[{}, {}) of {}", r.next, r.until, tp_name(&r.tp()))).collect::<Vec<_>>().join(", ")
}

/// The broker's answers to a lookup by timestamp made offsets: a partition without a record at or after its
/// timestamp fails (Spark's ERROR strategy) or starts at its latest offset (LATEST, and always for an end).
pub fn offsets_at_times(
    answers: &[(TopicPartition, Option<i64>)],
    times: &PartitionOffsets,
    latest: &PartitionOffsets,
    no_match: NoMatchStrategy,
) -> Result<PartitionOffsets> {
    let mut out = PartitionOffsets::default();
    for (tp, found) in answers {
        let o = match (found, no_match) {
            (Some(o), _) => *o,
            (None, NoMatchStrategy::Latest) => latest.get(tp).unwrap_or(0),
            (None, NoMatchStrategy::Error) => {
                return Err(EmberError::illegal_argument(format!(
                    "No offset matched from request of topic-partition {} and timestamp {}.",
                    tp_name(tp),
                    times.get(tp).unwrap_or(0)
                )))
            }
        };
        out.insert(tp.clone(), o);
    }
    Ok(out)
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

fn could_not_read(tp: &TopicPartition, from: i64, until: i64, group_id: &str) -> EmberError {
    EmberError::with_condition(
        crate::error::ErrorKind::Execution,
        "KAFKA_DATA_LOSS.COULD_NOT_READ_OFFSET_RANGE",
        [
            ("startOffset", from.to_string()),
            ("endOffset", until.to_string()),
            ("topicPartition", tp_name(tp)),
            ("groupId", group_id.to_string()),
        ],
    )
}

/// Partitions that vanished between two batches (Spark adds its warning when `kafka.group.id` is set).
pub fn partitions_deleted(tps: &[TopicPartition], custom_group_id: bool) -> EmberError {
    let kind = crate::error::ErrorKind::Execution;
    if custom_group_id {
        return EmberError::with_condition(
            kind,
            "KAFKA_DATA_LOSS.PARTITIONS_DELETED_AND_GROUP_ID_CONFIG_PRESENT",
            [("partitions", tp_set(tps.iter())), ("groupIdConfig", "group.id".to_string())],
        );
    }
    EmberError::with_condition(kind, "KAFKA_DATA_LOSS.PARTITIONS_DELETED", [("partitions", tp_set(tps.iter()))])
}

/// A partition that appeared after the query started no longer holds its first records.
pub fn added_partition_not_from_zero(tp: &TopicPartition, start: i64) -> EmberError {
    EmberError::with_condition(
        crate::error::ErrorKind::Execution,
        "KAFKA_DATA_LOSS.ADDED_PARTITION_DOES_NOT_START_FROM_OFFSET_ZERO",
        [("topicPartition", tp_name(tp)), ("startOffset", start.to_string())],
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
    fn new(include_headers: bool, rows: usize) -> Columns {
        Columns {
            key: BinaryBuilder::with_capacity(rows, 0),
            value: BinaryBuilder::with_capacity(rows, 0),
            topic: StringBuilder::with_capacity(rows, 0),
            partition: Int32Builder::with_capacity(rows),
            offset: Int64Builder::with_capacity(rows),
            timestamp: TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            timestamp_type: Int32Builder::with_capacity(rows),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: i32) -> TopicPartition {
        ("t".to_string(), p)
    }

    #[test]
    fn timestamps_without_a_record_fail_or_start_at_latest() {
        let times = PartitionOffsets::parse(r#"{"t":{"0":2000,"1":5000}}"#).unwrap();
        let latest = PartitionOffsets::parse(r#"{"t":{"0":3,"1":7}}"#).unwrap();
        let answers = [(tp(0), Some(1)), (tp(1), None)];
        let e = offsets_at_times(&answers, &times, &latest, NoMatchStrategy::Error).unwrap_err();
        assert_eq!(e.message(), "No offset matched from request of topic-partition t-1 and timestamp 5000.");
        let got = offsets_at_times(&answers, &times, &latest, NoMatchStrategy::Latest).unwrap();
        assert_eq!(got.to_json(), r#"{"t":{"0":1,"1":7}}"#);
    }

    #[test]
    fn reading_groups_never_put_one_partition_twice_in_a_group() {
        let parts: Vec<OffsetRange> =
            vec![(tp(0), 0, 50), (tp(0), 50, 100), (tp(1), 0, 10), (tp(0), 100, 150), (tp(2), 0, 80)];
        let groups = reading_groups(&parts, 2);
        let mut seen: Vec<usize> = groups.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        for g in &groups {
            let mut tps: Vec<&TopicPartition> = g.iter().map(|i| &parts[*i].0).collect();
            tps.dedup();
            assert_eq!(tps.len(), g.len(), "{groups:?}");
        }
        assert_eq!(groups.len(), 3);
        assert_eq!(reading_groups(&parts[2..3], 4), vec![vec![0]]);
    }
}
