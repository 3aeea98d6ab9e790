//! `format("kafka")`: the Kafka source and sink for streams and batches, over rdkafka (librdkafka). Options are
//! checked at `load()` / `start()` as Spark's `KafkaSourceProvider` checks them (options.rs); offsets are Spark's
//! JSON (offsets.rs); the consumer reads offset ranges, cut into input partitions as Spark cuts them
//! (input_partitions.rs), into Arrow (client.rs) for the streaming source (source.rs)
//! and `spark.read`; the producer writes rows for the streaming sink and `df.write` (sink.rs).
pub mod client;
pub mod input_partitions;
pub mod offsets;
pub mod options;
pub mod sink;
pub mod source;

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::Fields;

use crate::error::{EmberError, Result};
use crate::io::options::Options;
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::Trigger;
use crate::stream::connector::{relation_as, BatchWrite, LoadArgs, SinkArgs, SinkProvider, SourceProvider};
use crate::stream::sink::Sink;
use crate::stream::source::Source;

use self::options::SourceOptions;

pub struct KafkaSourceProvider;
pub static KAFKA_SOURCE: KafkaSourceProvider = KafkaSourceProvider;
pub struct KafkaSinkProvider;
pub static KAFKA_SINK: KafkaSinkProvider = KafkaSinkProvider;

/// `spark.readStream.format("kafka")…load()` as loaded.
pub struct KafkaRelation {
    options: SourceOptions,
}

impl StreamRelation for KafkaRelation {
    fn format(&self) -> &str {
        "kafka"
    }
    fn description(&self) -> String {
        let what = match &self.options.strategy {
            options::Strategy::Assign(tps) => {
                format!("Assign[{}]", tps.iter().map(offsets::tp_name).collect::<Vec<_>>().join(", "))
            }
            options::Strategy::Subscribe(t) => format!("Subscribe[{}]", t.join(",")),
            options::Strategy::Pattern(p) => format!("SubscribePattern[{p}]"),
        };
        format!("KafkaV2[{what}]")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Spark refuses a user schema for Kafka with this text.
fn refuse_schema(user_schema: &Option<Fields>) -> Result<()> {
    if user_schema.is_some() {
        return Err(EmberError::illegal_argument(
            "requirement failed: Kafka source has a fixed schema and cannot be set with a custom one",
        ));
    }
    Ok(())
}

impl SourceProvider for KafkaSourceProvider {
    fn name(&self) -> &'static str {
        "kafka"
    }
    fn load(&self, args: LoadArgs<'_>) -> Result<(Arc<dyn StreamRelation>, Fields)> {
        let options = options::stream_options(args.options)?;
        refuse_schema(&args.user_schema)?;
        let fields = client::kafka_fields(options.include_headers);
        Ok((Arc::new(KafkaRelation { options }), fields))
    }
    fn open(&self, relation: &dyn StreamRelation, trigger: Trigger) -> Result<Box<dyn Source>> {
        let r: &KafkaRelation = relation_as(relation)?;
        Ok(Box::new(source::KafkaSource::new(r.options.clone(), trigger)?))
    }
    fn read_batch(&self, args: LoadArgs<'_>) -> Option<Result<(Fields, Vec<RecordBatch>)>> {
        Some(read_batch(args.options, &args.user_schema))
    }
}

/// `spark.read.format("kafka")…load()`: the records between the resolved starting and ending offsets.
fn read_batch(options: &Options, user_schema: &Option<Fields>) -> Result<(Fields, Vec<RecordBatch>)> {
    let opts = options::batch_options(options)?;
    refuse_schema(user_schema)?;
    let prefix = opts.group_id_prefix.as_deref().unwrap_or("spark-kafka-relation");
    let group = format!("{prefix}-{}-executor", crate::types::uuid::random_uuid());
    let consumer = client::KafkaConsumer::new(&opts.client, &group)?;
    let tps = consumer.partitions(&opts.strategy)?;
    let (low, high) = consumer.watermarks(&tps)?;
    let start = source::resolve_limit(&consumer, &opts, &opts.starting, true, &tps, &low, &high)?;
    let end = source::resolve_limit(&consumer, &opts, &opts.ending, false, &tps, &low, &high)?;
    let mut ranges = Vec::new();
    for (tp, until) in &end.0 {
        let from = start.get(tp).unwrap_or(0);
        if from > *until {
            return Err(EmberError::illegal_argument(format!(
                "[RESOLVED_START_OFFSET_GREATER_THAN_END_OFFSET] The resolved start offset {from} is greater than the \
                 resolved end offset {until} for topic {} partition {}.",
                tp.0, tp.1
            )));
        }
        ranges.push((tp.clone(), from, *until));
    }
    let batches =
        client::read_ranges(&consumer, &ranges, opts.splitting, opts.include_headers, opts.fail_on_data_loss)?;
    Ok((client::kafka_fields(opts.include_headers), batches))
}

impl SinkProvider for KafkaSinkProvider {
    fn name(&self) -> &'static str {
        "kafka"
    }
    fn create(&self, args: SinkArgs<'_>) -> Result<Box<dyn Sink>> {
        Ok(Box::new(sink::KafkaSink::new(args.options, args.schema)?))
    }
    fn writes_batches(&self) -> bool {
        true
    }
    fn write_batch(&self, w: BatchWrite<'_>) -> Option<Result<()>> {
        Some(sink::write_batch(w.batches, w.schema, w.mode, w.options))
    }
}
