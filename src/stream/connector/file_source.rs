//! The streaming file source, as Spark 4.3's `FileStreamSource`: each trigger lists the path, keeps the files not
//! seen before (`seen`), orders them by modification time (newest first with `latestFirst`) and plans one batch
//! within `maxFilesPerTrigger` or `maxBytesPerTrigger`. Files left over by a limited batch are kept for the next
//! batches without listing again (Spark's unread-files cache). Offset N means the first N planned batches, the unit
//! Spark's `sources/0/N` log will persist. `cleanSource` deletes or archives the files of a committed batch when the
//! next batch starts, the point where Spark commits a batch's source offsets.
//!
//! Spark creates the source on the query thread, so invalid options fail the query on its first trigger.
//!
//! Spark asks producers to move finished files into the directory atomically; producers that write in place (the
//! seeds' generators do) would otherwise have a half-written file read once and never again. So a file modified
//! within `ember.fileSettleInterval` of the listing waits for a later trigger (the source reports it pending, so the
//! query is not idle), and a batch whose files change while being read is read again.
mod cleaner;
pub mod options;
mod schema;
mod seen;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::Arc;

use arrow::array::{RecordBatch, RecordBatchOptions};
use arrow::datatypes::{Fields, Schema, SchemaRef};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::options::Options;
use crate::io::paths::{has_glob, list_files, local_path, FileEntry, HIVE_DEFAULT_PARTITION};
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::Trigger;
use crate::stream::connector::{relation_as, LoadArgs, SourceProvider};
use crate::stream::offset::{offset_count, Offset};
use crate::stream::source::Source;
use cleaner::Cleaner;
use options::{FileStreamOptions, ReadLimit};
pub use schema::{schema_required_error, source_columns, SourceColumns};
use seen::SeenFiles;

/// The file source of one format, registered under the format's name.
pub struct FileSourceProvider {
    format: &'static str,
}

pub static CSV: FileSourceProvider = FileSourceProvider { format: "csv" };
pub static JSON: FileSourceProvider = FileSourceProvider { format: "json" };
pub static PARQUET: FileSourceProvider = FileSourceProvider { format: "parquet" };
pub static TEXT: FileSourceProvider = FileSourceProvider { format: "text" };

/// What a file source reads, fixed by `readStream…load(path)`.
pub struct FileRelation {
    pub format: String,
    pub path: String,
    pub options: Options,
    pub schema: Fields,
    pub partition_columns: Vec<String>,
}

impl StreamRelation for FileRelation {
    fn format(&self) -> &str {
        &self.format
    }
    fn description(&self) -> String {
        format!("FileStreamSource[{}]", crate::io::paths::qualified(&local_path(&self.path)))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl SourceProvider for FileSourceProvider {
    fn name(&self) -> &'static str {
        self.format
    }

    fn load(&self, args: LoadArgs<'_>) -> Result<(Arc<dyn StreamRelation>, Fields)> {
        let path = args.path.ok_or_else(|| EmberError::illegal_argument("'path' is not specified"))?;
        let infer = args
            .session
            .conf_get("spark.sql.streaming.schemaInference")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let ctx = args.session.exec_context();
        let columns = source_columns(self.format, path, args.options, args.user_schema.as_ref(), infer, &ctx.eval)?;
        let relation = FileRelation {
            format: self.format.to_string(),
            path: path.to_string(),
            options: args.options.clone(),
            schema: columns.fields.clone(),
            partition_columns: columns.partition_columns,
        };
        Ok((Arc::new(relation), columns.fields))
    }

    fn open(&self, relation: &dyn StreamRelation, trigger: Trigger) -> Result<Box<dyn Source>> {
        let r: &FileRelation = relation_as(relation)?;
        let spec = FileSourceSpec {
            format: &r.format,
            path: &r.path,
            options: &r.options,
            schema: &r.schema,
            partition_columns: &r.partition_columns,
        };
        Ok(open(spec, trigger))
    }

    fn file_table(&self) -> bool {
        true
    }
}

/// What one reader of a file source is built from.
pub struct FileSourceSpec<'a> {
    pub format: &'a str,
    pub path: &'a str,
    pub options: &'a Options,
    pub schema: &'a Fields,
    pub partition_columns: &'a [String],
}

pub struct FileSource {
    format: String,
    path: String,
    options: Options,
    schema: SchemaRef,
    partition_columns: Vec<String>,
    config: FileStreamOptions,
    limit: ReadLimit,
    seen: SeenFiles,
    cleaner: Option<Cleaner>,
    /// Files of the last listing that a limited batch left over, oldest first.
    unread: Option<VecDeque<FileEntry>>,
    /// `Trigger.AvailableNow`: only the files listed when the query started are read, in batch order.
    available_now: bool,
    /// Those files not taken yet (listed at the first trigger).
    snapshot: Option<VecDeque<FileEntry>>,
    /// Files of each planned batch (offset i+1 = batches 0..=i).
    planned: Vec<Vec<FileEntry>>,
    /// Planned batches the engine has committed, and how many of those were cleaned.
    committed: usize,
    cleaned: usize,
    /// New files the last listing left for a later trigger because they may still be being written.
    deferred: Vec<FileEntry>,
    /// Once / availableNow: batches are planned from everything present at the start, as in Spark, so none is
    /// planned while one of those files is still settling.
    plan_from_all: bool,
    /// The columns the query reads (`Source::prune_columns`); the reader may leave the others as nulls.
    projection: Option<Vec<usize>>,
}

/// How often a batch is read again when its files keep changing under the reader before the query fails.
const READ_ATTEMPTS: usize = 5;

/// A source whose options Spark would reject: the query fails on its first trigger with the error.
struct Rejected(EmberError);

impl Source for Rejected {
    fn latest_offset(&mut self) -> Result<Option<Offset>> {
        Err(self.0.clone())
    }
    fn read(&mut self, _: Option<&Offset>, _: &Offset, _: &EvalContext) -> Result<Vec<RecordBatch>> {
        Err(self.0.clone())
    }
}

/// Spark's `FileStreamSourceOffset`: the id of the newest planned batch in the source's log (`{"logOffset":k}`).
fn file_offset(planned: usize) -> Option<Offset> {
    (planned > 0).then(|| Offset::from_value(serde_json::json!({ "logOffset": planned as i64 - 1 })))
}

/// Planned batches an offset covers: `{"logOffset":k}` covers k + 1 (ember's earlier `{"offset":n}` lines, n).
fn planned_count(o: Option<&Offset>) -> Result<usize> {
    match o.and_then(|o| o.value().get("logOffset")).and_then(serde_json::Value::as_i64) {
        Some(k) => Ok((k + 1).max(0) as usize),
        None => Ok(offset_count(o)?.max(0) as usize),
    }
}

/// The reader of one query run; invalid options give a source that fails the query when it first runs.
pub fn open(spec: FileSourceSpec<'_>, trigger: Trigger) -> Box<dyn Source> {
    match FileSource::new(spec, trigger) {
        Ok(s) => Box::new(s),
        Err(e) => Box::new(Rejected(e)),
    }
}

impl FileSource {
    pub fn new(spec: FileSourceSpec<'_>, trigger: Trigger) -> Result<Self> {
        let config = FileStreamOptions::parse(spec.options)?;
        let cleaner = Cleaner::new(&config.clean_source, &local_path(spec.path))?;
        let max_age = config.effective_max_file_age_ms();
        if max_age < 0 {
            return Err(EmberError::illegal_argument("requirement failed"));
        }
        // Trigger.Once reads everything available in its one batch, whatever the limits say.
        let limit = if trigger == Trigger::Once { ReadLimit::AllAvailable } else { config.read_limit() };
        Ok(FileSource {
            format: spec.format.to_string(),
            path: spec.path.to_string(),
            options: spec.options.clone(),
            schema: Arc::new(Schema::new(spec.schema.clone())),
            partition_columns: spec.partition_columns.to_vec(),
            limit,
            seen: SeenFiles::new(max_age),
            cleaner,
            unread: None,
            available_now: trigger == Trigger::AvailableNow,
            snapshot: None,
            config,
            planned: Vec::new(),
            committed: 0,
            cleaned: 0,
            deferred: Vec::new(),
            plan_from_all: matches!(trigger, Trigger::Once | Trigger::AvailableNow),
            projection: None,
        })
    }

    /// Files of planned batch `i` (what Spark's `sources/0/i` log entry records: path, size, modification time).
    pub fn planned_files(&self, i: usize) -> &[FileEntry] {
        self.planned.get(i).map_or(&[], |b| b.as_slice())
    }

    /// The files under the path now, in no particular order.
    fn list(&self) -> Result<Vec<FileEntry>> {
        if self.cleaner.is_some() && !has_glob(&self.path) && local_path(&self.path).join("_spark_metadata").is_dir() {
            return Err(EmberError::execution(
                "Clean up source files is not supported when reading from the output directory of FileStreamSink.",
            ));
        }
        match list_files(std::slice::from_ref(&self.path), &self.options) {
            Ok((files, _)) => Ok(files),
            // A directory deleted (or a glob matching nothing) has no files for now.
            Err(e) if e.condition() == Some("PATH_NOT_FOUND") => Ok(vec![]),
            Err(e) => Err(e),
        }
    }

    /// Batch order: oldest first (newest first with `latestFirst`); equal times by path.
    fn sort(&self, files: &mut [FileEntry]) {
        if self.config.latest_first {
            files.sort_by(|a, b| b.modified_ms.cmp(&a.modified_ms).then_with(|| a.path.cmp(&b.path)));
        } else {
            files.sort_by(|a, b| a.modified_ms.cmp(&b.modified_ms).then_with(|| a.path.cmp(&b.path)));
        }
    }

    /// The files a new batch may choose from, in batch order.
    fn candidates(&mut self) -> Result<VecDeque<FileEntry>> {
        if let Some(unread) = self.unread.take().filter(|u| !u.is_empty()) {
            return Ok(unread);
        }
        if self.available_now && self.snapshot.is_none() {
            let mut all = self.list()?;
            self.sort(&mut all);
            self.snapshot = Some(all.into());
        }
        let by_name = self.config.file_name_only;
        let seen = &self.seen;
        let is_new = |f: &FileEntry| seen.is_new(&seen_key(f, by_name), f.modified_ms);
        let mut files: Vec<FileEntry> = match self.snapshot.take() {
            // Already in batch order; with fileNameOnly a taken name removes its namesakes.
            Some(all) => all.into_iter().filter(is_new).collect(),
            None => {
                let mut listed = self.list()?;
                listed.retain(is_new);
                self.sort(&mut listed);
                listed
            }
        };
        let settling = settling_since(self.config.settle_ms);
        self.deferred = files.iter().filter(|f| settling(f)).cloned().collect();
        files.retain(|f| !settling(f));
        Ok(files.into())
    }

    /// Split `files` into this batch and the rest, and say whether the rest is worth caching for the next batches
    /// (Spark's `fetchMaxOffset`): not when fewer than `discardCachedInputRatio` of a batch remain.
    fn take_batch(&self, mut files: VecDeque<FileEntry>) -> (Vec<FileEntry>, VecDeque<FileEntry>, bool) {
        let ratio = self.config.discard_cached_input_ratio;
        match self.limit {
            ReadLimit::AllAvailable => (files.into(), VecDeque::new(), false),
            ReadLimit::MaxFiles(n) => {
                let rest = files.split_off(n.min(files.len()));
                let keep = rest.len() as f32 >= n as f32 * ratio;
                (files.into(), rest, keep)
            }
            ReadLimit::MaxBytes(max) => {
                let mut total: u128 = 0;
                let mut take = 0;
                for (i, f) in files.iter().enumerate() {
                    let next = total + f.size as u128;
                    if i > 0 && next > max as u128 {
                        break;
                    }
                    total = next;
                    take += 1;
                }
                let rest = files.split_off(take);
                let rest_bytes: u128 = rest.iter().map(|f| f.size as u128).sum();
                let keep = rest_bytes as f64 >= (max as f32 * ratio) as f64;
                (files.into(), rest, keep)
            }
        }
    }

    /// The entry as the reader must see it: partition values for exactly the columns found at `load()`.
    fn for_reading(&self, f: &FileEntry) -> FileEntry {
        let partition_values = self
            .partition_columns
            .iter()
            .map(|col| {
                let v = f.partition_values.iter().find(|(k, _)| k.eq_ignore_ascii_case(col)).map(|(_, v)| v.clone());
                (col.clone(), v.unwrap_or_else(|| HIVE_DEFAULT_PARTITION.to_string()))
            })
            .collect();
        FileEntry { path: f.path.clone(), size: f.size, modified_ms: f.modified_ms, partition_values }
    }

    /// Clean the files of committed batches not cleaned yet.
    fn clean_committed(&mut self) {
        self.committed = self.committed.min(self.planned.len());
        if let Some(cleaner) = &self.cleaner {
            for batch in &self.planned[self.cleaned..self.committed] {
                for f in batch {
                    cleaner.clean(&f.path);
                }
            }
        }
        self.cleaned = self.committed;
    }
}

/// Whether a listed file may still be being written: modified within `settle_ms` before now. Writes stamp the
/// current time, so a file dated further in the future was dated on purpose and is not waited for.
fn settling_since(settle_ms: i64) -> impl Fn(&FileEntry) -> bool {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    move |f: &FileEntry| settle_ms > 0 && f.modified_ms > now - settle_ms && f.modified_ms <= now + settle_ms
}

/// Size and modification time of each file now (`None`: gone), to notice a file changing under the reader.
fn file_states(files: &[FileEntry]) -> Vec<Option<(u64, std::time::SystemTime)>> {
    files
        .iter()
        .map(|f| std::fs::metadata(&f.path).ok().map(|m| (m.len(), m.modified().unwrap_or(std::time::UNIX_EPOCH))))
        .collect()
}

/// A file's identity for `seen`: its full path, or its name alone with `fileNameOnly`.
fn seen_key(f: &FileEntry, file_name_only: bool) -> std::borrow::Cow<'_, str> {
    if file_name_only {
        f.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
    } else {
        f.path.to_string_lossy()
    }
}

/// `batch` with the source's schema: same columns, partition values cast to the types fixed at `load()`.
fn conform(batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    if batch.num_columns() != schema.fields().len() {
        return Err(EmberError::execution(format!(
            "file source read {} columns, expected {}",
            batch.num_columns(),
            schema.fields().len()
        )));
    }
    let mut cols = batch.columns().to_vec();
    for (c, f) in cols.iter_mut().zip(schema.fields()) {
        if c.data_type() != f.data_type() {
            *c = arrow::compute::cast(c, f.data_type())?;
        }
    }
    Ok(RecordBatch::try_new_with_options(
        schema.clone(),
        cols,
        &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )?)
}

impl Source for FileSource {
    fn deserialize_offset(&self, offset: Offset) -> Result<Offset> {
        file_offset(planned_count(Some(&offset))?).ok_or_else(|| {
            EmberError::execution(format!("The file source offset {offset} in the checkpoint covers no batch"))
        })
    }
    fn latest_offset(&mut self) -> Result<Option<Offset>> {
        let candidates = self.candidates()?;
        if self.plan_from_all && !self.deferred.is_empty() {
            if self.available_now {
                let mut all: Vec<FileEntry> = candidates.into();
                all.extend(self.deferred.iter().cloned());
                self.sort(&mut all);
                self.snapshot = Some(all.into());
            }
            return Ok(file_offset(self.planned.len()));
        }
        let (batch, mut rest, keep) = self.take_batch(candidates);
        if self.available_now {
            // Files still settling stay part of this availableNow run.
            let mut left: Vec<FileEntry> = rest.into();
            left.extend(self.deferred.iter().cloned());
            self.sort(&mut left);
            self.snapshot = Some(left.into());
        } else if keep && !self.config.latest_first && !rest.is_empty() && self.config.max_cached_files > 0 {
            // latestFirst lists every time so that the newest files always come first.
            rest.truncate(self.config.max_cached_files);
            self.unread = Some(rest);
        } else {
            self.unread = None;
        }
        for f in &batch {
            self.seen.add(&seen_key(f, self.config.file_name_only), f.modified_ms);
        }
        self.seen.purge();
        if !batch.is_empty() {
            self.planned.push(batch);
        }
        Ok(file_offset(self.planned.len()))
    }

    fn read(&mut self, start: Option<&Offset>, end: &Offset, ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        // A new batch runs: Spark commits the previous batch's source offsets (and cleans its files) now.
        self.clean_committed();
        let (start, end) = (planned_count(start)?, planned_count(Some(end))?);
        if end > self.planned.len() || start > end {
            return Err(EmberError::execution(format!(
                "The file source was asked for batches {start}..{end} but has planned {}",
                self.planned.len()
            )));
        }
        let mut files: Vec<FileEntry> =
            self.planned[start..end].iter().flatten().map(|f| self.for_reading(f)).collect();
        // A planned file that vanished (e.g. before a replayed batch) loses data: fail unless told otherwise.
        if let Some(gone) = files.iter().find(|f| !f.path.exists()) {
            if self.options.get_bool("failOnDataLoss", true)? {
                return Err(EmberError::execution(format!(
                    "The file {} planned for this batch no longer exists, so its rows would be lost. Restore it, or set the source option failOnDataLoss to false to skip missing files.",
                    gone.path.display()
                )));
            }
            files.retain(|f| f.path.exists());
        }
        if files.is_empty() {
            return Ok(vec![]);
        }
        let fields = self.schema.fields().clone();
        // A file that changes while it is read (a producer still writing) would give a torn batch: read again.
        for attempt in 1.. {
            let before = file_states(&files);
            let read = crate::io::paths::read_files(
                &self.format,
                &files,
                &self.options,
                Some(&fields),
                self.projection.as_deref(),
                ctx,
            );
            let after = file_states(&files);
            if before == after {
                let (_, batches) = read?;
                return batches.into_iter().map(|b| conform(b, &self.schema)).collect();
            }
            if attempt == READ_ATTEMPTS {
                let changed = files.iter().zip(before.iter().zip(&after)).find(|(_, (b, a))| b != a);
                return Err(EmberError::execution(format!(
                    "The file {} kept changing while the streaming file source read it ({READ_ATTEMPTS} attempts). Write files elsewhere and move them into the source directory when complete.",
                    changed.map(|(f, _)| f.path.display().to_string()).unwrap_or_default()
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(self.config.settle_ms.clamp(10, 1000) as u64));
        }
        unreachable!("the read loop returns")
    }

    fn has_pending(&self) -> bool {
        !self.deferred.is_empty()
    }

    fn prune_columns(&mut self, columns: Vec<usize>) {
        self.projection = Some(columns);
    }

    fn commit(&mut self, end: &Offset) {
        if let Ok(n) = planned_count(Some(end)) {
            self.committed = self.committed.max(n);
        }
    }

    /// Spark's `sources/0/k` entries: one JSON line per file of each planned batch k in the range.
    fn plan_logs(&self, start: Option<&Offset>, end: &Offset) -> Result<Vec<(i64, String)>> {
        (planned_count(start)?..planned_count(Some(end))?)
            .filter_map(|k| Some((k as i64, self.plan_log(k as i64)?)))
            .map(Ok)
            .collect()
    }

    /// Planned batches (and the seen files) from the log, so a restart reads no file twice.
    fn restore_log(&mut self, logs: &[(i64, String)], upto: Option<&Offset>) -> Result<()> {
        let upto = planned_count(upto)? as i64;
        let logs: Vec<(i64, String)> = logs.iter().filter(|(k, _)| *k < upto).cloned().collect();
        self.restore_planned(&logs)?;
        if (self.planned.len() as i64) < upto {
            // Planning afresh would take the lost batch's files as new and then treat them as already read.
            return Err(EmberError::execution(format!(
                "The checkpoint's file source log has no entry {} although its offsets reach batch {}: the files that batch read are unknown, so input would be skipped. Restore the entry, or start the query with a new checkpoint location.",
                self.planned.len(),
                upto - 1
            )));
        }
        Ok(())
    }
}

impl FileSource {
    /// Spark's `sources/0/k` entry: one JSON line per file of planned batch k.
    fn plan_log(&self, k: i64) -> Option<String> {
        let files = self.planned.get(k as usize)?;
        let lines: Vec<String> = files
            .iter()
            .map(|f| {
                serde_json::json!({
                    "path": crate::io::paths::file_uri(&f.path),
                    "timestamp": f.modified_ms,
                    "batchId": k,
                    "size": f.size,
                    "partitions": f.partition_values,
                })
                .to_string()
            })
            .collect();
        Some(lines.join("\n") + "\n")
    }

    fn restore_planned(&mut self, logs: &[(i64, String)]) -> Result<()> {
        self.planned.clear();
        for (k, text) in logs {
            if *k as usize != self.planned.len() {
                return Err(EmberError::execution(format!(
                    "The checkpoint's file source log is missing entry {} (found {k}). Restore the entry, or start the query with a new checkpoint location.",
                    self.planned.len()
                )));
            }
            let mut batch = Vec::new();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
                    EmberError::execution(format!("The checkpoint's file source log entry {k} is corrupt: {e}"))
                })?;
                let path = v["path"].as_str().unwrap_or_default();
                let entry = FileEntry {
                    path: crate::io::paths::local_path(path),
                    size: v["size"].as_u64().unwrap_or(0),
                    modified_ms: v["timestamp"].as_i64().unwrap_or(0),
                    partition_values: serde_json::from_value(v["partitions"].clone()).unwrap_or_default(),
                };
                self.seen.add(&seen_key(&entry, self.config.file_name_only), entry.modified_ms);
                batch.push(entry);
            }
            self.planned.push(batch);
        }
        Ok(())
    }
}
