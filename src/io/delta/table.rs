//! Reading and writing a Delta table's rows: a write is parquet part files (Hive partition directories as Spark's
//! Delta writer lays them out) followed by one commit naming them; a read is the parquet files of a snapshot with
//! their partition values, in the table's column order.
use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use arrow::datatypes::{Field, Fields, Schema};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::delta::log::{self, AddFile, Metadata, Snapshot, VersionTaken};
use crate::io::options::Options;
use crate::io::paths::{unescape_path_name, FileEntry, HIVE_DEFAULT_PARTITION};
use crate::io::writer::{write_files_for_batch, SaveMode};
use crate::types::spark_json::{fields_from_json, fields_to_json};
use crate::types::uuid::random_uuid;

/// Rows per part file before a write is split into several files written in parallel.
const ROWS_PER_FILE: usize = 1 << 20;
/// How many times a blind append retries at the next version after losing a race for one.
const MAX_COMMIT_ATTEMPTS: usize = 100;

/// One write into a table: `df.write` or one micro-batch of the streaming sink.
pub struct Write<'a> {
    pub batches: &'a [RecordBatch],
    pub schema: &'a Schema,
    pub mode: SaveMode,
    pub partition_by: &'a [String],
    pub options: &'a Options,
    /// `(appId, version)`: commit only if the table has no txn of `appId` at `version` or later.
    pub txn: Option<(String, i64)>,
    /// commitInfo's `operation` ("WRITE", "STREAMING UPDATE").
    pub operation: &'a str,
    /// commitInfo's `operationParameters`.
    pub operation_parameters: Value,
    /// `replaceWhere`: of an overwrite, what the predicate replaces in a set of live files (the caller evaluates
    /// it, `io` has no expressions); `None` replaces every file.
    pub replace_files: Option<&'a (dyn Fn(&Snapshot) -> Result<Replacement> + Sync)>,
    /// The log as a previous write left it (the streaming sink's), advanced instead of replayed from version 0.
    pub replay: Option<&'a std::sync::Mutex<log::Replay>>,
}

/// What an overwrite with `replaceWhere` replaces among a snapshot's live files: the files it removes (those holding
/// a row the predicate covers) and those files' other rows, which the same commit writes again.
pub struct Replacement {
    /// Per live file, in snapshot order.
    pub removed: Vec<bool>,
    /// Rows of removed files the predicate does not cover, in the table's columns.
    pub kept_rows: Vec<RecordBatch>,
}

/// `txnAppId` / `txnVersion`: both or neither, with Delta's error otherwise.
pub fn idempotent_write_options(options: &Options) -> Result<Option<(String, i64)>> {
    match (options.get("txnAppId"), options.get("txnVersion")) {
        (None, None) => Ok(None),
        (Some(app), Some(v)) => {
            let v = v
                .trim()
                .parse::<i64>()
                .map_err(|_| invalid_idempotent_options(&format!("txnVersion must be a number, got '{v}'")))?;
            Ok(Some((app.to_string(), v)))
        }
        _ => Err(invalid_idempotent_options(
            "Both txnVersion and txnAppId must be specified for idempotent data frame writes",
        )),
    }
}

fn invalid_idempotent_options(reason: &str) -> EmberError {
    EmberError::analysis_class(
        "DELTA_INVALID_IDEMPOTENT_WRITES_OPTIONS",
        format!("Invalid options for idempotent Dataframe writes: {reason} SQLSTATE: 42616"),
    )
}

fn schema_mismatch(table: &Metadata, table_fields: &Fields, data: &Fields) -> EmberError {
    let tree = |f: &Fields| {
        f.iter()
            .map(|f| format!(" |-- {}: {} (nullable = true)", f.name(), crate::types::simple_string(f.data_type())))
            .collect::<Vec<_>>()
            .join("\n")
    };
    EmberError::analysis_class(
        "DELTA_METADATA_MISMATCH",
        format!(
            "A schema mismatch detected when writing to the Delta table (Table ID: {}).\nTo enable schema migration using DataFrameWriter or DataStreamWriter, please set:\n'.option(\"mergeSchema\", \"true\")'.\nFor other operations, set the session configuration\nspark.databricks.delta.schema.autoMerge.enabled to \"true\". See the documentation\nspecific to the operation for details.\n\nTable schema:\nroot\n{}\n\nData schema:\nroot\n{}\n SQLSTATE: 42KDG",
            table.id,
            tree(table_fields),
            tree(data)
        ),
    )
}

/// The schema the table gets from this write: the table's own when the data fits it, the union with `mergeSchema`,
/// the data's with `overwriteSchema` on an overwrite; Delta's mismatch error otherwise. Columns the data lacks are
/// allowed (they read as null).
fn resolve_schema(existing: &Snapshot, data: &Fields, w: &Write<'_>) -> Result<Option<Fields>> {
    let table: Fields = fields_from_json(&existing.metadata.schema_string)?;
    let overwrite_schema = w.mode == SaveMode::Overwrite && w.options.get_bool("overwriteSchema", false)?;
    if overwrite_schema {
        return Ok(Some(data.clone()));
    }
    let merge = w.options.get_bool("mergeSchema", false)?;
    let mut added: Vec<Field> = vec![];
    for f in data.iter() {
        match table.iter().find(|t| t.name().eq_ignore_ascii_case(f.name())) {
            Some(t) if t.data_type() == f.data_type() => {}
            // An all-null column of the data fits any type.
            Some(_) if f.data_type() == &arrow::datatypes::DataType::Null => {}
            Some(_) => return Err(schema_mismatch(&existing.metadata, &table, data)),
            None if merge => added.push(f.as_ref().clone().with_nullable(true)),
            None => return Err(schema_mismatch(&existing.metadata, &table, data)),
        }
    }
    if added.is_empty() {
        return Ok(None);
    }
    let mut all: Vec<Field> = table.iter().map(|f| f.as_ref().clone()).collect();
    all.extend(added);
    Ok(Some(all.into()))
}

/// The write's rows as tasks of up to `ROWS_PER_FILE` rows (none when there are no rows).
fn tasks(schema: &Arc<Schema>, batches: &[RecordBatch]) -> Result<Vec<RecordBatch>> {
    let mut out = vec![];
    let mut group: Vec<RecordBatch> = vec![];
    let mut rows = 0;
    for b in batches.iter().filter(|b| b.num_rows() > 0) {
        if rows > 0 && rows + b.num_rows() > ROWS_PER_FILE {
            out.push(concat_batches(schema, &group)?);
            group.clear();
            rows = 0;
        }
        rows += b.num_rows();
        group.push(b.clone());
    }
    if !group.is_empty() {
        out.push(concat_batches(schema, &group)?);
    }
    Ok(out)
}

/// Write the part files of `batches` under `root`, returned as `add` entries.
fn write_files(
    root: &Path,
    batches: &[RecordBatch],
    partition_columns: &[String],
    options: &Options,
    ctx: &EvalContext,
) -> Result<Vec<(AddFile, Option<usize>)>> {
    let Some(first) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(vec![]);
    };
    let schema = first.schema();
    let todo = tasks(&schema, batches)?;
    let job_id = random_uuid();
    let per_task: Vec<Vec<(AddFile, Option<usize>)>> = todo
        .par_iter()
        .enumerate()
        .map(|(task, b)| {
            // Parquet without a codec option is snappy, as Spark's Delta writer.
            let files = write_files_for_batch(b, root, "parquet", partition_columns, options, ctx, task, &job_id)?;
            files
                .into_iter()
                .map(|f| {
                    let rel = f.path.strip_prefix(root).unwrap_or(&f.path).to_string_lossy().replace('\\', "/");
                    let mut values = vec![];
                    for part in rel.split('/').take(partition_columns.len()) {
                        let (k, v) = part.split_once('=').unwrap_or((part, ""));
                        let v = unescape_path_name(v);
                        values.push((unescape_path_name(k), (v != HIVE_DEFAULT_PARTITION).then_some(v)));
                    }
                    let modified = std::fs::metadata(&f.path)?
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map(|d| d.as_millis() as i64)
                        .unwrap_or(0);
                    // A partitioned task's rows spread over its files; only an unpartitioned file's count is known.
                    let rows = partition_columns.is_empty().then_some(b.num_rows());
                    Ok((
                        AddFile {
                            path: rel,
                            partition_values: values,
                            size: f.size as i64,
                            modification_time: modified,
                            stats: None,
                        },
                        rows,
                    ))
                })
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(per_task.into_iter().flatten().collect())
}

/// Partition columns by their names in `schema` (case-insensitive), with Spark's error for an unknown one.
fn resolve_partition_columns(schema: &Schema, partition_by: &[String]) -> Result<Vec<String>> {
    partition_by
        .iter()
        .map(|p| {
            schema.fields().iter().find(|f| f.name().eq_ignore_ascii_case(p)).map(|f| f.name().clone()).ok_or_else(
                || {
                    EmberError::analysis_class(
                        "DELTA_PARTITION_COLUMN_NOT_FOUND",
                        format!(
                            "Partition column `{p}` not found in schema [{}] SQLSTATE: 42703",
                            schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    )
                },
            )
        })
        .collect()
}

/// Write into the table at `root`; returns the version committed, or `None` when nothing was committed (mode
/// ignore on an existing table, or a txn version the table already holds).
pub fn write(root: &Path, w: &Write<'_>, ctx: &EvalContext) -> Result<Option<i64>> {
    let data_fields = w.schema.fields().clone();
    let current = || -> Result<Snapshot> {
        match w.replay {
            Some(r) => r.lock().unwrap_or_else(|e| e.into_inner()).advance(root, None),
            None => log::snapshot(root, None),
        }
    };
    let mut existing = if log::is_table(root) { Some(current()?) } else { None };
    if let Some(snap) = &existing {
        snap.check_writable(root)?;
        match w.mode {
            SaveMode::ErrorIfExists => {
                return Err(EmberError::analysis_class(
                    "DELTA_PATH_EXISTS",
                    format!(
                    "Cannot write to already existent path file:{} without setting OVERWRITE = 'true'. SQLSTATE: 42K04",
                    root.display()
                ),
                ))
            }
            SaveMode::Ignore => return Ok(None),
            _ => {}
        }
        if let Some((app, v)) = &w.txn {
            if snap.app_version(app).is_some_and(|done| done >= *v) {
                return Ok(None);
            }
        }
    }
    let partition_by = resolve_partition_columns(w.schema, w.partition_by)?;
    // The metadata this commit writes, if it changes (or creates) the table's.
    let mut new_metadata: Option<Metadata> = None;
    let partition_columns = match &existing {
        None => {
            new_metadata = Some(Metadata {
                id: random_uuid(),
                schema_string: fields_to_json(&as_nullable(&data_fields)),
                partition_columns: partition_by.clone(),
                configuration: Default::default(),
                created_time: Some(log::now_ms()),
            });
            partition_by.clone()
        }
        Some(snap) => {
            let overwrite_schema = w.mode == SaveMode::Overwrite && w.options.get_bool("overwriteSchema", false)?;
            let same_partitioning = partition_by.is_empty()
                || (partition_by.len() == snap.metadata.partition_columns.len()
                    && partition_by
                        .iter()
                        .zip(&snap.metadata.partition_columns)
                        .all(|(a, b)| a.eq_ignore_ascii_case(b)));
            if !same_partitioning && !overwrite_schema {
                return Err(EmberError::analysis_class(
                    "DELTA_PARTITION_SCHEMA_MISMATCH",
                    format!(
                        "Partition columns do not match the partition columns of the table.\nGiven: [{}]\nTable: [{}] SQLSTATE: KD009",
                        partition_by.join(", "),
                        snap.metadata.partition_columns.join(", ")
                    ),
                ));
            }
            if let Some(fields) = resolve_schema(snap, &data_fields, w)? {
                let mut m = snap.metadata.clone();
                m.schema_string = fields_to_json(&as_nullable(&fields));
                if overwrite_schema {
                    m.partition_columns = partition_by.clone();
                }
                new_metadata = Some(m);
            }
            new_metadata
                .as_ref()
                .map(|m| m.partition_columns.clone())
                .unwrap_or(snap.metadata.partition_columns.clone())
        }
    };
    let mut added = write_files(root, w.batches, &partition_columns, w.options, ctx)?;
    let now = log::now_ms();
    // The files an overwrite removes, decided once on the snapshot it read: a retry after a concurrent commit that
    // touched none of them removes the same files (new files of other writers are outside what it replaces).
    let mut removed: Vec<AddFile> = vec![];
    if let (SaveMode::Overwrite, Some(s)) = (w.mode, &existing) {
        match w.replace_files {
            Some(choose) => {
                let r = choose(s)?;
                removed = s.files.iter().zip(&r.removed).filter(|(_, c)| **c).map(|(f, _)| f.clone()).collect();
                added.extend(write_files(root, &r.kept_rows, &partition_columns, w.options, ctx)?);
            }
            None => removed = s.files.clone(),
        }
        if !removed.is_empty() && is_append_only(s) {
            return Err(EmberError::analysis_class(
                "DELTA_CANNOT_MODIFY_APPEND_ONLY",
                "This table is configured to only allow appends. If you would like to permit updates or deletes, use 'ALTER TABLE <table_name> SET TBLPROPERTIES (delta.appendOnly=false)'. SQLSTATE: 42809",
            ));
        }
    }
    let user_metadata = w.options.get("userMetadata").map(str::to_string);
    let blind_append = w.mode != SaveMode::Overwrite && new_metadata.is_none();
    pause_before_commit();
    for _ in 0..MAX_COMMIT_ATTEMPTS {
        let version = existing.as_ref().map(|s| s.version + 1).unwrap_or(0);
        let mut commit_info = json!({
            "timestamp": now,
            "operation": w.operation,
            "operationParameters": w.operation_parameters,
            "isBlindAppend": blind_append,
            "engineInfo": format!("ember/{}", env!("CARGO_PKG_VERSION")),
        });
        if let Some(s) = &existing {
            commit_info["readVersion"] = json!(s.version);
        }
        if let Some(u) = &user_metadata {
            commit_info["userMetadata"] = json!(u);
        }
        let mut actions = vec![json!({ "commitInfo": commit_info })];
        if existing.is_none() {
            actions.push(log::protocol_action());
        }
        if let Some(m) = &new_metadata {
            actions.push(log::metadata_action(m));
        }
        if let Some((app, v)) = &w.txn {
            actions.push(log::txn_action(app, *v, now));
        }
        actions.extend(removed.iter().map(|f| log::remove_action(f, now)));
        actions.extend(added.iter().map(|(f, n)| log::add_action(f, *n)));
        match log::try_commit(root, version, &actions)? {
            Ok(()) => {
                checkpoint_if_due(root, version, w);
                return Ok(Some(version));
            }
            Err(VersionTaken) => {
                // Another writer took this version: retry on top of it unless what it committed conflicts with
                // what this write read (Delta's WriteSerializable isolation: a blind append reads nothing).
                let Some(prev) = &existing else {
                    return Err(concurrent("ProtocolChangedException", "DELTA_PROTOCOL_CHANGED", "The protocol version of the Delta table has been changed by a concurrent update. This happens when multiple writers are writing to an empty directory. Creating the table ahead of time will avoid this conflict. SQLSTATE: 2D521".into()));
                };
                let latest = current()?;
                if let Some((app, v)) = &w.txn {
                    if latest.app_version(app).is_some_and(|done| done >= *v) {
                        return Ok(None);
                    }
                }
                if latest.protocol != prev.protocol {
                    return Err(concurrent("ProtocolChangedException", "DELTA_PROTOCOL_CHANGED", "The protocol version of the Delta table has been changed by a concurrent update. Please try the operation again. SQLSTATE: 2D521".into()));
                }
                if latest.metadata != prev.metadata {
                    return Err(concurrent("MetadataChangedException", "DELTA_METADATA_CHANGED", "The metadata of the Delta table has been changed by a concurrent update. Please try the operation again. SQLSTATE: 2D521".into()));
                }
                if w.mode == SaveMode::Overwrite {
                    check_overwrite_conflicts(root, prev, &latest, &removed, w)?;
                }
                existing = Some(latest);
            }
        }
    }
    Err(EmberError::execution(format!(
        "Gave up committing to the Delta table at {} after {MAX_COMMIT_ATTEMPTS} concurrent commits took each version first",
        root.display()
    )))
}

/// The environment variable of the commit-race failpoint (see `pause_before_commit`).
const PAUSE_BEFORE_COMMIT: &str = "EMBER_DELTA_PAUSE_BEFORE_COMMIT";

/// A failpoint for tests of the optimistic concurrency: with `EMBER_DELTA_PAUSE_BEFORE_COMMIT=<file>` set, a write
/// that has read its snapshot and written its files creates `<file>.paused` and waits until `<file>` exists before
/// it commits, so another process can commit in between: the race of two writers made deterministic.
fn pause_before_commit() {
    let Some(release) = std::env::var_os(PAUSE_BEFORE_COMMIT).map(std::path::PathBuf::from) else {
        return;
    };
    let mut paused = release.clone().into_os_string();
    paused.push(".paused");
    let _ = std::fs::write(&paused, b"");
    while !release.exists() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `delta.appendOnly`: the table refuses commits that remove data.
fn is_append_only(s: &Snapshot) -> bool {
    s.metadata
        .configuration
        .get("delta.appendOnly")
        .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_bool().map(|b| b.to_string())))
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Write a checkpoint of `version` when it is a multiple of `delta.checkpointInterval`, as Delta writers do after
/// committing. The commit has happened whatever becomes of the checkpoint: a failure to write one leaves readers
/// replaying JSON commits, so it is not the write's error.
fn checkpoint_if_due(root: &Path, version: i64, w: &Write<'_>) {
    if version == 0 {
        return;
    }
    let snap = match w.replay {
        Some(r) => r.lock().unwrap_or_else(|e| e.into_inner()).advance(root, Some(version)),
        None => log::snapshot(root, Some(version)),
    };
    if let Ok(snap) = snap {
        if version % crate::io::delta::checkpoint::interval(&snap) == 0 {
            let _ = crate::io::delta::checkpoint::write(root, &snap);
        }
    }
}

/// An overwrite lost the race for its version: Delta's conflict checks against each commit that won since the
/// version it read. Files added where it replaces (anywhere, for a whole-table overwrite) would have been read
/// by it: `ConcurrentAppendException`; a file it removes that a winner removed too: `ConcurrentDeleteDeleteException`.
fn check_overwrite_conflicts(
    root: &Path,
    prev: &Snapshot,
    latest: &Snapshot,
    removed: &[AddFile],
    w: &Write<'_>,
) -> Result<()> {
    let pcols = &prev.metadata.partition_columns;
    for v in prev.version + 1..=latest.version {
        let (adds, removed_by_winner) = log::file_changes(root, v, pcols)?;
        let conflicting = match w.replace_files {
            None => adds.first().cloned(),
            Some(choose) if !adds.is_empty() => {
                let winner = Snapshot { files: adds.clone(), ..prev.clone() };
                let r = choose(&winner)?;
                adds.iter().zip(&r.removed).find(|(_, c)| **c).map(|(f, _)| f.clone())
            }
            Some(_) => None,
        };
        // Delta's messages quote the winner's commitInfo.
        let winner = || -> Result<String> {
            Ok(log::read_commit(root, v)?
                .into_iter()
                .find_map(|a| a.get("commitInfo").cloned())
                .map(|c| c.to_string())
                .unwrap_or_else(|| format!("version {v}")))
        };
        if let Some(f) = conflicting {
            let place = if pcols.is_empty() {
                "the root of the table".to_string()
            } else {
                let values: Vec<String> =
                    f.partition_values.iter().map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or("null"))).collect();
                format!("partition [{}]", values.join(", "))
            };
            return Err(concurrent(
                "ConcurrentAppendException",
                "DELTA_CONCURRENT_APPEND",
                format!("Files were added to {place} by a concurrent update. Please try the operation again.\nConflicting commit: {}\nRefer to https://docs.delta.io/latest/concurrency-control.html for more details. SQLSTATE: 2D521", winner()?),
            ));
        }
        if let Some(f) = removed.iter().find(|f| removed_by_winner.contains(&f.path)) {
            return Err(concurrent(
                "ConcurrentDeleteDeleteException",
                "DELTA_CONCURRENT_DELETE_DELETE",
                format!("This transaction attempted to delete one or more files that were deleted (for example {}) by a concurrent update. Please try the operation again.\nConflicting commit: {}\nRefer to https://docs.delta.io/latest/concurrency-control.html for more details. SQLSTATE: 2D521", f.path, winner()?),
            ));
        }
    }
    Ok(())
}

/// Delta's concurrent-modification errors: the message names the exception class, which `ember.delta.exceptions`
/// raises for the condition.
fn concurrent(exception: &str, condition: &str, message: String) -> EmberError {
    EmberError::execution_class(condition, format!("{exception}: {message}"))
}

fn as_nullable(fields: &Fields) -> Fields {
    crate::types::fields_as_nullable(fields)
}

/// `versionAsOf` / `timestampAsOf` (Delta refuses both at once).
pub fn time_travel_version(root: &Path, options: &Options, ctx: &EvalContext) -> Result<Option<i64>> {
    let version = options.get("versionAsOf");
    let ts = options.get("timestampAsOf");
    match (version, ts) {
        (Some(_), Some(_)) => Err(EmberError::illegal_argument_class(
            "DELTA_CANNOT_SPECIFY_BOTH_VERSIONASOF_AND_TIMESTAMPASOF",
            "Cannot specify both version and timestamp when time travelling the table. SQLSTATE: 42613",
        )),
        (Some(v), None) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            EmberError::illegal_argument(format!("The provided versionAsOf '{v}' is not a valid version number"))
        }),
        (None, Some(t)) => {
            let micros = crate::io::csv::values::parse_timestamp(t, &ctx.time_zone).ok_or_else(|| {
                EmberError::analysis_class(
                    "DELTA_TIMESTAMP_INVALID",
                    format!("The provided timestamp ({t}) cannot be converted to a valid timestamp. SQLSTATE: 42816"),
                )
            })?;
            Ok(Some(log::version_at(root, micros.div_euclid(1000), t)?))
        }
        (None, None) => Ok(None),
    }
}

/// The table's columns (Spark's order: the schema as stored, partition columns where the schema puts them).
pub fn table_fields(snapshot: &Snapshot) -> Result<Fields> {
    fields_from_json(&snapshot.metadata.schema_string)
}

/// Read `files` (live files of a snapshot whose columns are `fields`) as batches of the table's columns.
pub fn read_files(
    root: &Path,
    fields: &Fields,
    files: &[AddFile],
    ctx: &EvalContext,
) -> Result<(Fields, Vec<RecordBatch>)> {
    let fields = fields.clone();
    if files.is_empty() {
        return Ok((fields, vec![]));
    }
    let entries: Vec<FileEntry> = files
        .iter()
        .map(|f| FileEntry {
            path: root.join(&f.path),
            size: f.size as u64,
            modified_ms: f.modification_time,
            partition_values: f
                .partition_values
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().unwrap_or_else(|| HIVE_DEFAULT_PARTITION.to_string())))
                .collect(),
        })
        .collect();
    for e in &entries {
        if !e.path.is_file() {
            return Err(EmberError::execution_class(
                "DELTA_FILE_NOT_FOUND_DETAILED",
                format!(
                    "File {} referenced in the transaction log cannot be found. This occurs when data has been manually deleted from the file system rather than using the table `DELETE` statement. SQLSTATE: 42K03",
                    crate::io::paths::file_uri(&e.path)
                ),
            ));
        }
    }
    let (read_fields, batches) = crate::io::parquet::read_parquet(&entries, Some(&fields), None, &Options::new(), ctx)?;
    // The reader appends partition columns; put every column back where the table's schema has it.
    let order: Vec<usize> =
        fields.iter().map(|f| read_fields.iter().position(|r| r.name() == f.name()).unwrap_or(0)).collect();
    let schema = Arc::new(Schema::new(fields.clone()));
    let out = batches
        .into_iter()
        .map(|b| {
            let cols = order.iter().map(|&i| b.column(i).clone()).collect();
            Ok(RecordBatch::try_new_with_options(
                schema.clone(),
                cols,
                &arrow::array::RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
            )?)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((fields, out))
}

/// `spark.read.format("delta").load(root)` with the time-travel options.
pub fn read(root: &Path, options: &Options, ctx: &EvalContext) -> Result<(Fields, Vec<RecordBatch>)> {
    if !log::is_table(root) {
        return Err(log::not_a_table(root));
    }
    let version = time_travel_version(root, options, ctx)?;
    let snap = log::snapshot(root, version)?;
    read_files(root, &table_fields(&snap)?, &snap.files, ctx)
}

/// A catalog table of the delta provider: its latest snapshot with the columns in the catalog's order (`fields`);
/// a table made by `toTable` whose query has not committed yet reads as empty.
pub fn read_catalog_table(
    root: &Path,
    options: &Options,
    fields: Option<&Fields>,
    ctx: &EvalContext,
) -> Result<(Fields, Vec<RecordBatch>)> {
    let Some(fields) = fields else {
        return read(root, options, ctx);
    };
    if !log::is_table(root) {
        return Ok((fields.clone(), vec![]));
    }
    let (read_fields, batches) = read(root, options, ctx)?;
    let order = fields
        .iter()
        .map(|f| {
            read_fields.iter().position(|r| r.name().eq_ignore_ascii_case(f.name())).ok_or_else(|| {
                EmberError::analysis(format!("The Delta table at {} has no column {}", root.display(), f.name()))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let schema = Arc::new(Schema::new(fields.clone()));
    let out = batches
        .into_iter()
        .map(|b| {
            let cols = order.iter().map(|&i| b.column(i).clone()).collect();
            Ok(RecordBatch::try_new_with_options(
                schema.clone(),
                cols,
                &arrow::array::RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
            )?)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((fields.clone(), out))
}

/// The partition values of `snapshot`'s live files, one row per file in file order, typed by the table's schema
/// (for a predicate over partition columns, such as `replaceWhere`).
pub fn partition_values_batch(snapshot: &Snapshot, ctx: &EvalContext) -> Result<RecordBatch> {
    let table = table_fields(snapshot)?;
    let pfields: Fields = snapshot
        .metadata
        .partition_columns
        .iter()
        .map(|c| {
            table.iter().find(|f| f.name() == c).cloned().ok_or_else(|| {
                EmberError::execution(format!("Corrupt Delta log: partition column {c} is not in the table's schema"))
            })
        })
        .collect::<Result<_>>()?;
    let schema = Arc::new(Schema::new(pfields.clone()));
    let mut rows = Vec::with_capacity(snapshot.files.len());
    for f in &snapshot.files {
        let entry = FileEntry {
            path: f.path.clone().into(),
            size: 0,
            modified_ms: 0,
            partition_values: f
                .partition_values
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().unwrap_or_else(|| HIVE_DEFAULT_PARTITION.to_string())))
                .collect(),
        };
        let cols = crate::io::paths::partition_columns(&entry, &pfields, 1, &ctx.time_zone)?;
        rows.push(RecordBatch::try_new_with_options(
            schema.clone(),
            cols,
            &arrow::array::RecordBatchOptions::new().with_row_count(Some(1)),
        )?);
    }
    Ok(concat_batches(&schema, &rows)?)
}
