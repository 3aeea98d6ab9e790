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
}

impl SourceSpec {
    pub fn description(&self) -> String {
        match self {
            SourceSpec::Files { path, .. } => format!("FileStreamSource[file:{path}]"),
            SourceSpec::Memory { id, .. } => format!("MemoryStream[{id}]"),
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
        })
    }
}

/// A source inside a running query. Offsets are batch counts: offset N covers the first N planned batches.
pub trait Source: Send {
    /// The newest offset with data available (plans new input if there is some).
    fn latest_offset(&mut self) -> Result<i64>;
    /// The rows between two offsets (`start` exclusive, `end` inclusive, as Spark's getBatch).
    fn read(&mut self, start: i64, end: i64, ctx: &EvalContext) -> Result<Vec<RecordBatch>>;
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
