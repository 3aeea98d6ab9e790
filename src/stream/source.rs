//! Streaming sources: what a `readStream` DataFrame names (`SourceSpec`) and the per-query reader (`Source`) that
//! reports offsets and reads the data between two of them.
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::datatypes::Fields;

use crate::error::{EmberError, Result};
use crate::expr::physical::EvalContext;
use crate::io::options::Options;
use crate::io::paths::FileEntry;

/// Rows appended by `MemoryStream.addData`, one batch per call; offset N = the first N batches.
#[derive(Default)]
pub struct MemoryBuffer {
    pub batches: Mutex<Vec<RecordBatch>>,
}

/// A source as named by the user.
pub enum SourceSpec {
    /// A directory of files of one format (csv, json, parquet, text).
    Files { format: String, path: String, options: Options, schema: Fields },
    /// `ember.testing.MemoryStream`.
    Memory { buffer: Arc<MemoryBuffer>, schema: Fields, id: u64 },
    /// `format("rate")`: `rows_per_second` rows a second, values 0, 1, 2, … with evenly spread timestamps.
    Rate { rows_per_second: i64, ramp_up_seconds: i64 },
    /// `format("rate-micro-batch")`: `rows_per_batch` rows per batch, timestamps advancing per batch.
    RateMicroBatch { rows_per_batch: i64, start_ms: i64, advance_ms: i64 },
    /// `format("socket")`: lines from a TCP server.
    Socket { host: String, port: u16, include_timestamp: bool },
}

/// Output columns of the built-in sources that fix their own schema.
pub fn builtin_schema(format: &str, options: &Options) -> Result<Option<Fields>> {
    use arrow::datatypes::{DataType, Field};
    Ok(match format {
        "rate" | "rate-micro-batch" => Some(Fields::from(vec![
            Field::new("timestamp", crate::types::timestamp_type(), true),
            Field::new("value", DataType::Int64, true),
        ])),
        "socket" => {
            let mut f = vec![Field::new("value", DataType::Utf8, true)];
            if options.get_bool("includeTimestamp", false)? {
                f.push(Field::new("timestamp", crate::types::timestamp_type(), true));
            }
            Some(Fields::from(f))
        }
        _ => None,
    })
}

fn positive_option(options: &Options, key: &str, default: i64) -> Result<i64> {
    match options.get(key) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(EmberError::illegal_argument(format!("Invalid value '{v}'. The option '{key}' must be positive"))),
        },
    }
}

/// The spec of a built-in (path-less) source from its options.
pub fn builtin_spec(format: &str, options: &Options) -> Result<SourceSpec> {
    Ok(match format {
        "rate" => {
            let ramp = match options.get("rampUpTime") {
                None => 0,
                Some(t) => crate::expr::functions::datetime::parse_interval_string(t)? / 1_000_000,
            };
            SourceSpec::Rate { rows_per_second: positive_option(options, "rowsPerSecond", 1)?, ramp_up_seconds: ramp }
        }
        "rate-micro-batch" => SourceSpec::RateMicroBatch {
            rows_per_batch: positive_option(options, "rowsPerBatch", 1)?,
            start_ms: options.get_i64("startTimestamp", 0)?,
            advance_ms: options.get_i64("advanceMillisPerBatch", 1000)?,
        },
        "socket" => {
            let host = options
                .get("host")
                .ok_or_else(|| EmberError::analysis("Set a host to read from with option(\"host\", ...)."))?
                .to_string();
            let port = options
                .get("port")
                .ok_or_else(|| EmberError::analysis("Set a port to read from with option(\"port\", ...)."))?;
            let port: u16 = port.trim().parse().map_err(|_| {
                EmberError::analysis(format!("Port must be an integer between 0 and 65535, got {port}"))
            })?;
            SourceSpec::Socket { host, port, include_timestamp: options.get_bool("includeTimestamp", false)? }
        }
        other => return Err(EmberError::not_implemented(format!("the {other} streaming source"))),
    })
}

impl SourceSpec {
    pub fn description(&self) -> String {
        match self {
            SourceSpec::Files { path, .. } => format!("FileStreamSource[file:{path}]"),
            SourceSpec::Memory { id, .. } => format!("MemoryStream[{id}]"),
            SourceSpec::Rate { rows_per_second, ramp_up_seconds } => {
                format!("RateStreamV2[rowsPerSecond={rows_per_second}, rampUpTimeSeconds={ramp_up_seconds}, numPartitions=default")
            }
            SourceSpec::RateMicroBatch { rows_per_batch, .. } => {
                format!("RatePerMicroBatchStream[rowsPerBatch={rows_per_batch}]")
            }
            SourceSpec::Socket { host, port, .. } => format!("TextSocketV2[host: {host}, port: {port}]"),
        }
    }

    /// A fresh reader for one query run.
    pub fn open(&self) -> Result<Box<dyn Source>> {
        Ok(match self {
            SourceSpec::Files { format, path, options, schema } => Box::new(FileSource {
                format: format.clone(),
                path: path.clone(),
                options: options.clone(),
                schema: schema.clone(),
                max_files: options.get("maxFilesPerTrigger").map(|v| v.trim().parse::<usize>()).transpose().map_err(
                    |_| {
                        EmberError::illegal_argument(format!(
                            "Invalid value '{}' for option 'maxFilesPerTrigger', must be a positive integer",
                            options.get("maxFilesPerTrigger").unwrap_or_default()
                        ))
                    },
                )?,
                latest_first: options.get_bool("latestFirst", false)?,
                seen: HashSet::new(),
                planned: Vec::new(),
            }),
            SourceSpec::Memory { buffer, .. } => Box::new(MemorySource { buffer: buffer.clone() }),
            SourceSpec::Rate { rows_per_second, ramp_up_seconds } => {
                Box::new(crate::stream::rate::RateSource::new(*rows_per_second, *ramp_up_seconds))
            }
            SourceSpec::RateMicroBatch { rows_per_batch, start_ms, advance_ms } => {
                Box::new(crate::stream::rate::RateMicroBatchSource::new(*rows_per_batch, *start_ms, *advance_ms))
            }
            SourceSpec::Socket { host, port, include_timestamp } => {
                Box::new(crate::stream::socket::SocketSource::connect(host, *port, *include_timestamp)?)
            }
        })
    }
}

/// A source inside a running query. Offsets are batch counts: offset N covers the first N planned batches.
pub trait Source: Send {
    /// The newest offset with data available (plans new input if there is some).
    fn latest_offset(&mut self) -> Result<i64>;
    /// The rows between two offsets (`start` exclusive, `end` inclusive, as Spark's getBatch).
    fn read(&mut self, start: i64, end: i64, ctx: &EvalContext) -> Result<Vec<RecordBatch>>;
    /// What offset `k + 1` added (its `sources/<i>/k` checkpoint log), for sources that must remember it.
    fn plan_log(&self, _k: i64) -> Option<String> {
        None
    }
    /// Rebuild what was planned from the checkpoint's logs (restart).
    fn restore_log(&mut self, _logs: &[(i64, String)]) -> Result<()> {
        Ok(())
    }
}

struct MemorySource {
    buffer: Arc<MemoryBuffer>,
}

impl Source for MemorySource {
    fn latest_offset(&mut self) -> Result<i64> {
        Ok(self.buffer.batches.lock().unwrap().len() as i64)
    }
    fn read(&mut self, start: i64, end: i64, _ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        let b = self.buffer.batches.lock().unwrap();
        Ok(b[start as usize..end as usize].to_vec())
    }
}

/// New files of a directory, in modification-time order, each read exactly once.
struct FileSource {
    format: String,
    path: String,
    options: Options,
    schema: Fields,
    max_files: Option<usize>,
    latest_first: bool,
    seen: HashSet<std::path::PathBuf>,
    /// Files of each planned batch (offset i+1 = batches 0..=i).
    planned: Vec<Vec<FileEntry>>,
}

impl Source for FileSource {
    fn latest_offset(&mut self) -> Result<i64> {
        let listing = crate::io::paths::list_files(std::slice::from_ref(&self.path), &self.options);
        let files = match listing {
            Ok((files, _)) => files,
            // A directory that does not exist yet has no files (Spark waits for it).
            Err(EmberError::Analysis { error_class: Some(c), .. }) if c == "PATH_NOT_FOUND" => vec![],
            Err(e) => return Err(e),
        };
        let mut new: Vec<FileEntry> = files.into_iter().filter(|f| !self.seen.contains(&f.path)).collect();
        if !new.is_empty() {
            new.sort_by(|a, b| a.modified_ms.cmp(&b.modified_ms).then_with(|| a.path.cmp(&b.path)));
            if self.latest_first {
                new.reverse();
            }
            if let Some(m) = self.max_files {
                new.truncate(m.max(1));
            }
            for f in &new {
                self.seen.insert(f.path.clone());
            }
            self.planned.push(new);
        }
        Ok(self.planned.len() as i64)
    }

    fn read(&mut self, start: i64, end: i64, ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        let paths: Vec<String> = self.planned[start as usize..end as usize]
            .iter()
            .flatten()
            .map(|f| f.path.to_string_lossy().into_owned())
            .collect();
        if paths.is_empty() {
            return Ok(vec![]);
        }
        let (_, batches) = crate::io::read_format(&self.format, &paths, &self.options, Some(&self.schema), ctx)?;
        Ok(batches)
    }
}
