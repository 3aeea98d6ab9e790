//! The connector registry: every streaming source and sink is a provider looked up here by its format name (case
//! insensitive, as Spark's `DataSource.lookupDataSource`). A new connector is one file (or folder) in this directory
//! plus one line in `SOURCES` or `SINKS`; nothing else in ember matches format names.
pub mod console;
pub mod delta;
pub mod delta_source;
pub mod file_sink;
pub mod file_source;
pub mod foreach;
pub mod foreach_batch;
pub mod kafka;
pub mod memory_sink;
pub mod memory_source;
pub mod noop;
pub mod rate;
pub mod socket;

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{Fields, Schema};

use crate::error::{EmberError, Result};
use crate::io::options::Options;
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::OutputMode;
use crate::plan::streaming::Trigger;
use crate::session::Session;
use crate::stream::sink::{BatchCallback, Sink, TextCallback};
use crate::stream::source::Source;

/// What `spark.readStream.format(f).options(…).schema(…).load(path)` hands to the source provider.
pub struct LoadArgs<'a> {
    pub session: &'a Arc<Session>,
    /// The format as the user wrote it.
    pub format: &'a str,
    pub path: Option<&'a str>,
    pub options: &'a Options,
    /// `.schema(...)`, made nullable as Spark's sources read it.
    pub user_schema: Option<Fields>,
}

/// A streaming source connector.
pub trait SourceProvider: Sync {
    fn name(&self) -> &'static str;
    /// `load()`: Spark's checks of the options and schema, resolved into the plan's leaf and its columns.
    fn load(&self, args: LoadArgs<'_>) -> Result<(Arc<dyn StreamRelation>, Fields)>;
    /// A reader of `relation` (made by this provider's `load`) for one run of a query under `trigger`.
    fn open(&self, relation: &dyn StreamRelation, trigger: Trigger) -> Result<Box<dyn Source>>;
    /// Whether a catalog table of this format holds files (and can be created by `toTable`).
    fn file_table(&self) -> bool {
        false
    }
    /// `spark.read.format(f)…load()` for a connector that also reads batches (`None`: the format is not one).
    fn read_batch(&self, _args: LoadArgs<'_>) -> Option<Result<(Fields, Vec<RecordBatch>)>> {
        None
    }
}

/// Python functions a sink may call: the console's printer, the foreachBatch/foreach function.
#[derive(Default)]
pub struct UserFunctions {
    pub print: Option<TextCallback>,
    pub batch: Option<BatchCallback>,
}

/// What `writeStream…start()` hands to the sink provider.
pub struct SinkArgs<'a> {
    pub session: &'a Arc<Session>,
    /// The format as the user wrote it (Spark's messages quote it).
    pub format: &'a str,
    pub options: &'a Options,
    pub partition_by: &'a [String],
    pub schema: &'a Schema,
    pub mode: OutputMode,
    pub query_name: Option<&'a str>,
    pub functions: UserFunctions,
}

/// What `df.write.format(f).mode(m).partitionBy(…).options(…).save(path)` hands to a connector.
pub struct BatchWrite<'a> {
    pub batches: &'a [RecordBatch],
    pub schema: &'a Schema,
    pub mode: &'a str,
    pub options: &'a Options,
    pub path: Option<&'a str>,
    pub partition_by: &'a [String],
    pub ctx: &'a crate::context::EvalContext,
}

/// A streaming sink connector.
pub trait SinkProvider: Sync {
    fn name(&self) -> &'static str;
    /// Checks Spark makes of the trigger before anything else at `start()`.
    fn check_trigger(&self, _trigger: Trigger) -> Result<()> {
        Ok(())
    }
    /// Spark validates a file sink (path, partition columns, output mode) before the query's plan; other sinks are
    /// made after the plan's checks.
    fn validated_before_plan(&self) -> bool {
        false
    }
    fn create(&self, args: SinkArgs<'_>) -> Result<Box<dyn Sink>>;
    /// Whether a catalog table of this format holds files (and can be created by `toTable`).
    fn file_table(&self) -> bool {
        false
    }
    /// Whether `write_batch` serves this format.
    fn writes_batches(&self) -> bool {
        false
    }
    /// `df.write.format(f).mode(m)…save()` for a connector that also writes batches (`None`: the format is not one).
    fn write_batch(&self, _write: BatchWrite<'_>) -> Option<Result<()>> {
        None
    }
}

static SOURCES: &[&dyn SourceProvider] = &[
    &file_source::CSV,
    &file_source::JSON,
    &file_source::PARQUET,
    &file_source::TEXT,
    &rate::RATE,
    &rate::RATE_MICRO_BATCH,
    &socket::SOCKET,
    &kafka::KAFKA_SOURCE,
    &memory_source::MEMORY,
    &delta::DELTA,
];

static SINKS: &[&dyn SinkProvider] = &[
    &file_sink::CSV,
    &file_sink::JSON,
    &file_sink::PARQUET,
    &file_sink::TEXT,
    &console::CONSOLE,
    &memory_sink::MEMORY,
    &foreach_batch::FOREACH_BATCH,
    &foreach::FOREACH,
    &noop::NOOP,
    &kafka::KAFKA_SINK,
    &delta::DELTA,
];

/// The source provider registered as `format`.
pub fn source(format: &str) -> Result<&'static dyn SourceProvider> {
    SOURCES.iter().copied().find(|p| p.name().eq_ignore_ascii_case(format)).ok_or_else(|| {
        EmberError::not_implemented(format!("The {} streaming source is not supported by ember yet.", format))
    })
}

/// The sink provider registered as `format`.
pub fn sink(format: &str) -> Result<&'static dyn SinkProvider> {
    SINKS
        .iter()
        .copied()
        .find(|p| p.name().eq_ignore_ascii_case(format))
        .ok_or_else(|| EmberError::not_implemented(format!("the {format} sink is not supported by ember yet")))
}

/// How the session catalog treats a table of `format` (`toTable` creating one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableSupport {
    /// A directory of files the file source and sink read and write.
    Files,
    /// A registered connector that keeps no table metadata (console, memory, rate, …): Spark refuses a schema.
    NoMetadata,
    /// No connector by that name.
    Unknown,
}

pub fn table_support(format: &str) -> TableSupport {
    let src = SOURCES.iter().find(|p| p.name().eq_ignore_ascii_case(format));
    let snk = SINKS.iter().find(|p| p.name().eq_ignore_ascii_case(format));
    if src.is_some_and(|p| p.file_table()) || snk.is_some_and(|p| p.file_table()) {
        TableSupport::Files
    } else if src.is_some() || snk.is_some() {
        TableSupport::NoMetadata
    } else {
        TableSupport::Unknown
    }
}

/// `spark.read.format(f)` served by a connector rather than a file format (`None`: no connector reads batches of
/// that name).
pub fn read_batch(args: LoadArgs<'_>) -> Option<Result<(Fields, Vec<RecordBatch>)>> {
    SOURCES.iter().find(|p| p.name().eq_ignore_ascii_case(args.format))?.read_batch(args)
}

/// `df.write.format(f)` served by a connector rather than a file format (`None`: no connector writes batches of
/// that name).
pub fn write_batch(format: &str, write: BatchWrite<'_>) -> Option<Result<()>> {
    SINKS.iter().find(|p| p.name().eq_ignore_ascii_case(format))?.write_batch(write)
}

/// Whether `df.write.format(f)` goes to a connector (which needs no path).
pub fn writes_batches(format: &str) -> bool {
    SINKS.iter().any(|p| p.name().eq_ignore_ascii_case(format) && p.writes_batches())
}

/// A streaming DataFrame's leaf from `load()`: the provider's relation, and the plan node over it.
pub fn load(args: LoadArgs<'_>) -> Result<(Arc<dyn StreamRelation>, Fields)> {
    source(args.format)?.load(args)
}

/// Open a reader of `relation` for one run of a query.
pub fn open(relation: &dyn StreamRelation, trigger: Trigger) -> Result<Box<dyn Source>> {
    source(relation.format())?.open(relation, trigger)
}

/// The relation made by this provider, or an error naming the mix-up (a relation whose format names another
/// connector's type would be a bug in a provider).
pub fn relation_as<'a, T: 'static>(relation: &'a dyn StreamRelation) -> Result<&'a T> {
    relation.as_any().downcast_ref::<T>().ok_or_else(|| {
        EmberError::execution(format!("The {} source was given a relation it did not make", relation.format()))
    })
}

/// A positive integer option (`rowsPerSecond`, `rowsPerBatch`) with Spark's message.
pub fn positive_option(options: &Options, key: &str, default: i64) -> Result<i64> {
    match options.get(key) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(EmberError::illegal_argument(format!("Invalid value '{v}'. The option '{key}' must be positive"))),
        },
    }
}

/// Sources that fix their own columns refuse `.schema(...)`, as Spark.
pub fn refuse_user_schema(args: &LoadArgs<'_>) -> Result<()> {
    if args.user_schema.is_some() {
        return Err(EmberError::analysis(format!(
            "The {} source does not support a user-specified schema.",
            args.format.to_ascii_lowercase()
        )));
    }
    Ok(())
}
