//! What a streaming query reports (progress, status, listener events) as typed structs, serialised once with
//! serde_json under Spark's keys and key order, with rates printed as Java prints doubles (PySpark shows the JVM's).
use std::collections::BTreeMap;

use serde::Serialize;

/// `StreamingQueryProgress`: one micro-batch.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StreamingQueryProgress {
    pub id: String,
    pub run_id: String,
    pub name: Option<String>,
    pub timestamp: String,
    pub batch_id: i64,
    pub batch_duration: u64,
    pub num_input_rows: usize,
    pub input_rows_per_second: f64,
    pub processed_rows_per_second: f64,
    pub duration_ms: DurationMs,
    /// Only for queries with a watermark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_time: Option<EventTime>,
    pub state_operators: Vec<StateOperatorProgress>,
    pub sources: Vec<SourceProgress>,
    pub sink: SinkProgress,
    /// `observe(name, …)` metrics of this batch, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub observed_metrics: BTreeMap<String, crate::stream::observed_metrics::MetricRow>,
}

/// `durationMs`: where the batch's time went, in milliseconds, with Spark's phase names.
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DurationMs {
    /// Running the batch into the sink: execution, state updates and their commit, the sink's write.
    pub add_batch: u64,
    /// Writing the commit log and telling the sources the batch is committed.
    pub commit_offsets: u64,
    /// Reading the batch's input from the sources.
    pub get_batch: u64,
    /// Asking the sources for their latest offsets.
    pub latest_offset: u64,
    /// Preparing the batch's execution (context, clock, watermarks).
    pub query_planning: u64,
    /// The whole trigger.
    pub trigger_execution: u64,
    /// Writing the offsets log (the batch's write-ahead entry).
    pub wal_commit: u64,
}

/// `eventTime`: the batch's event-time statistics (absent when no row had one) and the watermark it ran with.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct EventTime {
    #[serde(flatten)]
    pub stats: Option<EventTimeRange>,
    pub watermark: String,
}

/// `avg`, `max`, `min` of `eventTime`, as ISO-8601 instants.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct EventTimeRange {
    pub avg: String,
    pub max: String,
    pub min: String,
}

/// `StateOperatorProgress`: one stateful operator's figures for the batch.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StateOperatorProgress {
    pub operator_name: String,
    pub num_rows_total: usize,
    pub num_rows_updated: usize,
    pub all_updates_time_ms: u64,
    pub num_rows_removed: usize,
    pub all_removals_time_ms: u64,
    pub commit_time_ms: u64,
    pub memory_used_bytes: usize,
    pub num_rows_dropped_by_watermark: usize,
    pub num_shuffle_partitions: usize,
    pub num_state_store_instances: usize,
    /// Sorted by name, as Spark prints them.
    pub custom_metrics: BTreeMap<String, usize>,
}

/// `SourceProgress`: one source's range and rows in the batch.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceProgress {
    pub description: String,
    /// The source's offsets as Spark serialises them; the start is None until the source has committed one.
    pub start_offset: Option<serde_json::Value>,
    pub end_offset: Option<serde_json::Value>,
    pub latest_offset: Option<serde_json::Value>,
    pub num_input_rows: usize,
    pub input_rows_per_second: f64,
    pub processed_rows_per_second: f64,
    /// The source's own figures; Spark leaves the key out when there are none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, String>,
}

/// `SinkProgress`.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SinkProgress {
    pub description: String,
    pub num_output_rows: usize,
}

/// `StreamingQueryStatus`.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StreamingQueryStatus {
    pub message: String,
    pub is_data_available: bool,
    pub is_trigger_active: bool,
}

/// `QueryStartedEvent`.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryStartedEvent {
    pub id: String,
    pub run_id: String,
    pub name: Option<String>,
    pub timestamp: String,
}

/// `QueryProgressEvent`: serialised as its progress.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(transparent)]
pub struct QueryProgressEvent {
    pub progress: StreamingQueryProgress,
}

/// `QueryIdleEvent`: a trigger found no new data after a batch had run.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryIdleEvent {
    pub id: String,
    pub run_id: String,
    pub timestamp: String,
}

/// `QueryTerminatedEvent`: `exception` is the failure's message, None when the query stopped normally;
/// `error_class_on_exception` the failure's Spark error class, when it has one.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryTerminatedEvent {
    pub id: String,
    pub run_id: String,
    pub exception: Option<String>,
    pub error_class_on_exception: Option<String>,
}

/// The listener events of a query, in the order its engine thread posts them.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryEvent {
    Started(QueryStartedEvent),
    Progress(Box<QueryProgressEvent>),
    Idle(QueryIdleEvent),
    Terminated(QueryTerminatedEvent),
}

impl QueryEvent {
    /// The event's kind as the bindings name it: `started`, `progress`, `idle`, `terminated`.
    pub fn kind(&self) -> &'static str {
        match self {
            QueryEvent::Started(_) => "started",
            QueryEvent::Progress(_) => "progress",
            QueryEvent::Idle(_) => "idle",
            QueryEvent::Terminated(_) => "terminated",
        }
    }

    pub fn json(&self) -> String {
        match self {
            QueryEvent::Started(e) => to_json(e),
            QueryEvent::Progress(e) => to_json(e),
            QueryEvent::Idle(e) => to_json(e),
            QueryEvent::Terminated(e) => to_json(e),
        }
    }
}

/// Rows per second over `secs` (0.0 when no time passed, as Spark reports the first trigger's input rate).
pub fn rate(rows: usize, secs: f64) -> f64 {
    if secs <= 0.0 {
        0.0
    } else {
        rows as f64 / secs
    }
}

/// The current instant as Spark prints progress timestamps (`2024-01-01T00:00:07.123Z`).
pub fn iso_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Compact JSON of a progress struct or event.
pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut out = Vec::with_capacity(512);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, JavaDoubles);
    // Strings, integers, finite doubles and maps with string keys: nothing here can fail to serialise.
    value.serialize(&mut ser).expect("progress serialises to JSON");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// serde_json's compact output, except doubles: Java's `Double.toString` where it is plain decimal (`12.5`,
/// `0.0`), the shortest decimal otherwise (PySpark's JSON parser reads both; the tests compare the values).
struct JavaDoubles;

impl serde_json::ser::Formatter for JavaDoubles {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: f64) -> std::io::Result<()> {
        let java = crate::types::java_float::java_double_to_string(value);
        if java.contains('E') {
            write!(writer, "{value}")
        } else {
            writer.write_all(java.as_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_op() -> StateOperatorProgress {
        StateOperatorProgress {
            operator_name: "dedupe".into(),
            num_rows_total: 3,
            num_rows_updated: 2,
            all_updates_time_ms: 4,
            num_rows_removed: 1,
            all_removals_time_ms: 5,
            commit_time_ms: 6,
            memory_used_bytes: 700,
            num_rows_dropped_by_watermark: 8,
            num_shuffle_partitions: 200,
            num_state_store_instances: 200,
            custom_metrics: [("numDroppedDuplicateRows", 9), ("loadedMapCacheHitCount", 0)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }

    fn source(start: Option<i64>) -> SourceProgress {
        SourceProgress {
            description: "MemoryStream[value#0]".into(),
            start_offset: start.map(serde_json::Value::from),
            end_offset: Some(2.into()),
            latest_offset: Some(2.into()),
            num_input_rows: 3,
            input_rows_per_second: rate(3, 0.0),
            processed_rows_per_second: rate(3, 0.04),
            metrics: BTreeMap::new(),
        }
    }

    fn progress(event_time: Option<EventTime>) -> StreamingQueryProgress {
        StreamingQueryProgress {
            id: "i".into(),
            run_id: "r".into(),
            name: None,
            timestamp: "2024-01-01T00:00:07.123Z".into(),
            batch_id: 0,
            batch_duration: 40,
            num_input_rows: 3,
            input_rows_per_second: 0.0,
            processed_rows_per_second: 75.0,
            duration_ms: DurationMs {
                add_batch: 1,
                commit_offsets: 2,
                get_batch: 3,
                latest_offset: 4,
                query_planning: 5,
                trigger_execution: 40,
                wal_commit: 6,
            },
            event_time,
            state_operators: vec![],
            sources: vec![source(None)],
            sink: SinkProgress { description: "NoopSink".into(), num_output_rows: 3 },
            observed_metrics: BTreeMap::new(),
        }
    }

    #[test]
    fn state_operator_json() {
        assert_eq!(
            to_json(&state_op()),
            r#"{"operatorName":"dedupe","numRowsTotal":3,"numRowsUpdated":2,"allUpdatesTimeMs":4,"numRowsRemoved":1,"allRemovalsTimeMs":5,"commitTimeMs":6,"memoryUsedBytes":700,"numRowsDroppedByWatermark":8,"numShufflePartitions":200,"numStateStoreInstances":200,"customMetrics":{"loadedMapCacheHitCount":0,"numDroppedDuplicateRows":9}}"#
        );
    }

    #[test]
    fn source_json_first_and_later_batch() {
        assert_eq!(
            to_json(&source(None)),
            r#"{"description":"MemoryStream[value#0]","startOffset":null,"endOffset":2,"latestOffset":2,"numInputRows":3,"inputRowsPerSecond":0.0,"processedRowsPerSecond":75.0}"#
        );
        assert!(to_json(&source(Some(1))).contains(r#""startOffset":1,"endOffset":2"#));
    }

    #[test]
    fn rates_print_as_java_doubles() {
        let mut src = source(None);
        src.input_rows_per_second = 1234.5678;
        src.processed_rows_per_second = rate(1, 3.0);
        let text = to_json(&src);
        assert!(
            text.contains(r#""inputRowsPerSecond":1234.5678,"processedRowsPerSecond":0.3333333333333333}"#),
            "{text}"
        );
        // Java would print 1.0E7; PySpark reads both, and ember prints the plain decimal.
        src.input_rows_per_second = 1e7;
        assert!(to_json(&src).contains(r#""inputRowsPerSecond":10000000,"#));
    }

    #[test]
    fn progress_json_without_and_with_event_time() {
        assert_eq!(
            to_json(&progress(None)),
            r#"{"id":"i","runId":"r","name":null,"timestamp":"2024-01-01T00:00:07.123Z","batchId":0,"batchDuration":40,"numInputRows":3,"inputRowsPerSecond":0.0,"processedRowsPerSecond":75.0,"durationMs":{"addBatch":1,"commitOffsets":2,"getBatch":3,"latestOffset":4,"queryPlanning":5,"triggerExecution":40,"walCommit":6},"stateOperators":[],"sources":[{"description":"MemoryStream[value#0]","startOffset":null,"endOffset":2,"latestOffset":2,"numInputRows":3,"inputRowsPerSecond":0.0,"processedRowsPerSecond":75.0}],"sink":{"description":"NoopSink","numOutputRows":3}}"#
        );
        let mut p = progress(Some(EventTime {
            stats: Some(EventTimeRange {
                avg: "1970-01-01T00:00:05.000Z".into(),
                max: "1970-01-01T00:00:09.000Z".into(),
                min: "1970-01-01T00:00:01.000Z".into(),
            }),
            watermark: "1970-01-01T00:00:00.000Z".into(),
        }));
        p.name = Some("q\"1".into());
        p.state_operators = vec![state_op()];
        let text = to_json(&p);
        assert!(text.starts_with(r#"{"id":"i","runId":"r","name":"q\"1","#), "{text}");
        assert!(text.contains(r#""walCommit":6},"eventTime":{"avg":"1970-01-01T00:00:05.000Z","max":"1970-01-01T00:00:09.000Z","min":"1970-01-01T00:00:01.000Z","watermark":"1970-01-01T00:00:00.000Z"},"stateOperators":[{"operatorName":"dedupe","#), "{text}");
        p.event_time = Some(EventTime { stats: None, watermark: "1970-01-01T00:00:00.000Z".into() });
        assert!(to_json(&p).contains(r#""eventTime":{"watermark":"1970-01-01T00:00:00.000Z"},"stateOperators""#));
        // The progress event is the progress document itself.
        assert_eq!(QueryEvent::Progress(Box::new(QueryProgressEvent { progress: p.clone() })).json(), to_json(&p));
    }

    #[test]
    fn status_json() {
        let s = StreamingQueryStatus {
            message: "Waiting for data to arrive".into(),
            is_data_available: false,
            is_trigger_active: true,
        };
        assert_eq!(
            to_json(&s),
            r#"{"message":"Waiting for data to arrive","isDataAvailable":false,"isTriggerActive":true}"#
        );
    }

    #[test]
    fn event_json() {
        let started = QueryEvent::Started(QueryStartedEvent {
            id: "i".into(),
            run_id: "r".into(),
            name: Some("n".into()),
            timestamp: "2024-01-01T00:00:07.123Z".into(),
        });
        assert_eq!(started.kind(), "started");
        assert_eq!(started.json(), r#"{"id":"i","runId":"r","name":"n","timestamp":"2024-01-01T00:00:07.123Z"}"#);
        let unnamed = QueryStartedEvent { id: "i".into(), run_id: "r".into(), name: None, timestamp: "t".into() };
        assert_eq!(to_json(&unnamed), r#"{"id":"i","runId":"r","name":null,"timestamp":"t"}"#);
        let idle = QueryEvent::Idle(QueryIdleEvent { id: "i".into(), run_id: "r".into(), timestamp: "t".into() });
        assert_eq!((idle.kind(), idle.json().as_str()), ("idle", r#"{"id":"i","runId":"r","timestamp":"t"}"#));
        let ok = QueryEvent::Terminated(QueryTerminatedEvent {
            id: "i".into(),
            run_id: "r".into(),
            exception: None,
            error_class_on_exception: None,
        });
        assert_eq!(
            (ok.kind(), ok.json().as_str()),
            ("terminated", r#"{"id":"i","runId":"r","exception":null,"errorClassOnException":null}"#)
        );
        let failed = QueryTerminatedEvent {
            id: "i".into(),
            run_id: "r".into(),
            exception: Some("boom \"x\"\n".into()),
            error_class_on_exception: Some("DIVIDE_BY_ZERO".into()),
        };
        assert_eq!(
            to_json(&failed),
            r#"{"id":"i","runId":"r","exception":"boom \"x\"\n","errorClassOnException":"DIVIDE_BY_ZERO"}"#
        );
    }
}
