//! Writing rows to Kafka (Spark's `KafkaWriter`), for the streaming sink and `df.write.format("kafka")`: columns
//! `value` (required), `key`, `topic` (or the `topic` option), `partition`, `headers`, checked with Spark's texts;
//! every record is acknowledged (flush) before a batch counts as written, so the sink is at-least-once as Spark's.
use std::sync::Mutex;
use std::time::Duration;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int32Type, Schema};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientConfig, ClientContext};

use crate::context::EvalContext;
use crate::error::{EmberError, ErrorKind, Result};
use crate::expr::schema::PlanSchema;
use crate::io::options::Options;
use crate::stream::connector::kafka::client::headers_type;
use crate::stream::connector::kafka::options::{producer_options, Client};
use crate::stream::sink::Sink;

/// The first failed delivery, reported when the batch is flushed, and the client's last global error (a refused
/// connection, a failed TLS handshake or SASL authentication), which says why deliveries time out.
#[derive(Default)]
struct Deliveries {
    error: Mutex<Option<String>>,
    client_error: Mutex<Option<String>>,
}

impl ClientContext for Deliveries {
    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        *self.client_error.lock().unwrap() = Some(format!("{error} ({reason})"));
    }
    fn log(&self, _level: rdkafka::config::RDKafkaLogLevel, _fac: &str, _message: &str) {}
}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            let mut slot = self.error.lock().unwrap();
            if slot.is_none() {
                *slot = Some(e.to_string());
            }
        }
    }
}

/// Spark's catalog name of a column type in the sink's messages.
fn type_name(t: &DataType) -> String {
    crate::types::simple_string(t)
}

/// Spark's `KafkaWriter.validateQuery` (AnalysisException with the writer's text).
pub fn validate(schema: &Schema, topic: Option<&str>) -> Result<()> {
    let fail = |msg: String| EmberError::analysis_condition("_LEGACY_ERROR_TEMP_3080", [("msg", msg)]);
    let check = |name: &str, ok: &dyn Fn(&DataType) -> bool, want: &str| -> Result<bool> {
        match schema.fields().iter().find(|f| f.name() == name) {
            None => Ok(false),
            Some(f) if ok(f.data_type()) => Ok(true),
            Some(f) => Err(fail(format!(
                "{name} attribute unsupported type {}. {name} must be a(n) {want}",
                type_name(f.data_type())
            ))),
        }
    };
    let string_or_binary =
        |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Binary | DataType::LargeBinary);
    if topic.is_none() && !check("topic", &|t| matches!(t, DataType::Utf8 | DataType::LargeUtf8), "string")? {
        return Err(fail(
            "topic option required when no 'topic' attribute is present. Use the topic option for setting a topic."
                .to_string(),
        ));
    }
    check("key", &string_or_binary, "string or binary")?;
    if !check("value", &string_or_binary, "string or binary")? {
        return Err(fail("Required attribute 'value' not found".to_string()));
    }
    let headers = headers_type();
    check("headers", &|t| same_headers(t, &headers), "array<struct<key:string,value:binary>>")?;
    check("partition", &|t| *t == DataType::Int32, "int")?;
    Ok(())
}

fn same_headers(t: &DataType, want: &DataType) -> bool {
    match (t, want) {
        (DataType::List(a), DataType::List(b)) => match (a.data_type(), b.data_type()) {
            (DataType::Struct(x), DataType::Struct(y)) => {
                x.len() == y.len()
                    && x.iter().zip(y.iter()).all(|(p, q)| p.name() == q.name() && p.data_type() == q.data_type())
            }
            _ => false,
        },
        _ => false,
    }
}

/// How long one producer poll waits: rdkafka's `poll` waits out its whole timeout even after serving events.
const POLL_SLICE: Duration = Duration::from_millis(1);

/// A producer bound to one broker set and default topic.
pub struct KafkaWriter {
    producer: BaseProducer<Deliveries>,
    client: Client,
    topic: Option<String>,
}

impl KafkaWriter {
    pub fn new(options: &Options) -> Result<KafkaWriter> {
        let client = producer_options(options)?;
        let mut cfg = ClientConfig::new();
        cfg.set("message.timeout.ms", client.timeout_ms.max(1).to_string()).set("log_level", "3");
        for (k, v) in &client.params {
            cfg.set(k, v);
        }
        let producer = cfg.create_with_context(Deliveries::default()).map_err(|e| {
            EmberError::illegal_argument(format!("Invalid Kafka configuration for {}: {e}", client.bootstrap()))
        })?;
        let topic = options.get("topic").map(|t| t.trim().to_string());
        Ok(KafkaWriter { producer, client, topic })
    }

    /// Send every row and wait until Kafka acknowledged all of them.
    pub fn write(&self, batches: &[RecordBatch]) -> Result<()> {
        for b in batches {
            self.send_batch(b)?;
        }
        self.flush()?;
        if let Some(e) = self.producer.context().error.lock().unwrap().take() {
            return Err(self.failed(&e));
        }
        Ok(())
    }

    /// Wait until Kafka acknowledged every record sent. rdkafka's own `flush` polls in 100 ms slices and its
    /// `poll` always waits out its whole timeout, so every flush took at least 100 ms (a 2-record batch cost
    /// ~105 ms); polling in 1 ms slices ends within a millisecond of the last acknowledgement.
    fn flush(&self) -> Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_millis(self.client.timeout_ms);
        while self.producer.in_flight_count() > 0 {
            if std::time::Instant::now() > deadline {
                return Err(self.failed(&format!(
                    "{} records were not acknowledged (Local: Timed out)",
                    self.producer.in_flight_count()
                )));
            }
            self.producer.poll(POLL_SLICE);
        }
        Ok(())
    }

    fn failed(&self, why: &str) -> EmberError {
        let last = self.producer.context().client_error.lock().unwrap().clone();
        let last = last.map(|l| format!("; the client's last error: {l}")).unwrap_or_default();
        EmberError::execution(format!(
            "Writing to Kafka at {} failed within {} ms: {why}{last}",
            self.client.bootstrap(),
            self.client.timeout_ms
        ))
    }

    fn send_batch(&self, b: &RecordBatch) -> Result<()> {
        let schema = b.schema();
        let col = |name: &str| schema.fields().iter().position(|f| f.name() == name).map(|i| b.column(i).clone());
        let as_binary = |a: Option<arrow::array::ArrayRef>| -> Result<Option<arrow::array::ArrayRef>> {
            a.map(|a| arrow::compute::cast(&a, &DataType::LargeBinary).map_err(EmberError::from)).transpose()
        };
        let value = as_binary(col("value"))?.ok_or_else(|| self.failed("no value column"))?;
        let value = value.as_binary::<i64>();
        let key = as_binary(col("key"))?;
        let key = key.as_ref().map(|k| k.as_binary::<i64>());
        let topic_col = match &self.topic {
            Some(_) => None,
            None => Some(arrow::compute::cast(&col("topic").unwrap(), &DataType::LargeUtf8)?),
        };
        let topics = topic_col.as_ref().map(|t| t.as_string::<i64>());
        let partition = col("partition");
        let partition = partition.as_ref().map(|p| p.as_primitive::<Int32Type>());
        let headers = col("headers");
        let headers = headers.as_ref().map(|h| h.as_list::<i32>());
        for i in 0..b.num_rows() {
            let topic = match (&self.topic, topics) {
                (Some(t), _) => t.as_str(),
                (None, Some(t)) if t.is_valid(i) => t.value(i),
                _ => {
                    return Err(EmberError::with_condition(
                        ErrorKind::Execution,
                        "KAFKA_NULL_TOPIC_IN_DATA",
                        std::iter::empty::<(&str, &str)>(),
                    ))
                }
            };
            let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic);
            if value.is_valid(i) {
                record = record.payload(value.value(i));
            }
            if let Some(k) = key.filter(|k| k.is_valid(i)) {
                record = record.key(k.value(i));
            }
            if let Some(p) = partition.filter(|p| p.is_valid(i)) {
                record = record.partition(p.value(i));
            }
            if let Some(h) = headers.filter(|h| h.is_valid(i)) {
                record = record.headers(owned_headers(&h.value(i)));
            }
            self.send(record)?;
        }
        Ok(())
    }

    /// Send one record, waiting for room in the producer's queue.
    fn send<'a>(&self, mut record: BaseRecord<'a, [u8], [u8]>) -> Result<()> {
        let started = std::time::Instant::now();
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((
                    rdkafka::error::KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull),
                    r,
                )) => {
                    if started.elapsed() > Duration::from_millis(self.client.timeout_ms) {
                        return Err(self.failed("the producer's queue stayed full"));
                    }
                    record = r;
                    self.producer.poll(POLL_SLICE);
                }
                Err((e, _)) => return Err(self.failed(&e.to_string())),
            }
        }
    }
}

fn owned_headers(h: &arrow::array::ArrayRef) -> OwnedHeaders {
    let s = h.as_struct();
    let keys = arrow::compute::cast(s.column(0), &DataType::LargeUtf8).unwrap_or_else(|_| s.column(0).clone());
    let keys = keys.as_string::<i64>();
    let values = arrow::compute::cast(s.column(1), &DataType::LargeBinary).unwrap_or_else(|_| s.column(1).clone());
    let values = values.as_binary::<i64>();
    let mut out = OwnedHeaders::new_with_capacity(s.len());
    for j in 0..s.len() {
        let value: Option<&[u8]> = values.is_valid(j).then(|| values.value(j));
        out = out.insert(Header { key: if keys.is_valid(j) { keys.value(j) } else { "" }, value });
    }
    out
}

/// `writeStream.format("kafka")`.
pub struct KafkaSink {
    writer: KafkaWriter,
}

impl KafkaSink {
    pub fn new(options: &Options, schema: &Schema) -> Result<KafkaSink> {
        validate(schema, options.get("topic").map(str::trim))?;
        Ok(KafkaSink { writer: KafkaWriter::new(options)? })
    }
}

impl Sink for KafkaSink {
    fn add_batch(
        &mut self,
        _id: i64,
        _schema: &PlanSchema,
        batches: Vec<RecordBatch>,
        _ctx: &EvalContext,
    ) -> Result<()> {
        self.writer.write(&batches)
    }
    fn description(&self) -> String {
        "org.apache.spark.sql.kafka010.KafkaSourceProvider$KafkaTable@ember".to_string()
    }
}

/// `df.write.format("kafka").mode(m).save()`: Spark allows append and errorifexists only.
pub fn write_batch(batches: &[RecordBatch], schema: &Schema, mode: &str, options: &Options) -> Result<()> {
    let shown = match mode.to_ascii_lowercase().as_str() {
        "overwrite" => Some("Overwrite"),
        "ignore" => Some("Ignore"),
        _ => None,
    };
    if let Some(m) = shown {
        return Err(EmberError::analysis_condition(
            "_LEGACY_ERROR_TEMP_3081",
            [("mode", m), ("append", "Append"), ("errorIfExists", "ErrorIfExists")],
        ));
    }
    validate(schema, options.get("topic").map(str::trim))?;
    KafkaWriter::new(options)?.write(batches)
}
