//! `spark.readStream.format("delta").load(path)`: the Delta streaming source. Without a starting version the
//! table's snapshot when the query first looks is read first, then every later commit's added files, in order; an
//! offset is Delta's (`reservoirVersion`, `index` of the last file read in that version, `isStartingVersion`), so
//! a replayed batch reads exactly the same files. `maxFilesPerTrigger` / `maxBytesPerTrigger` cut batches between
//! files; a commit that removes data fails the query unless `ignoreDeletes` / `skipChangeCommits` say otherwise.
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::Fields;
use serde_json::json;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::delta::log::{self, AddFile};
use crate::io::delta::table;
use crate::io::options::Options;
use crate::io::paths::local_path;
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::Trigger;
use crate::session::Session;
use crate::stream::offset::Offset;
use crate::stream::source::Source;

/// Delta's default `maxFilesPerTrigger`.
const DEFAULT_MAX_FILES: usize = 1000;

/// A streaming DataFrame's leaf over a Delta table.
pub struct DeltaRelation {
    root: PathBuf,
    table_id: String,
    fields: Fields,
    partition_columns: Vec<String>,
    options: Options,
    /// The session's evaluation context (its time zone reads `startingTimestamp`).
    ctx: EvalContext,
    /// `spark.databricks.delta.changeDataFeed.timestampOutOfRange.enabled`: a starting version or timestamp past
    /// the latest commit starts after it instead of failing.
    allow_out_of_range: bool,
}

/// Delta's conf that lets a starting point lie beyond the latest commit.
const OUT_OF_RANGE_CONF: &str = "spark.databricks.delta.changeDataFeed.timestampOutOfRange.enabled";

impl StreamRelation for DeltaRelation {
    fn format(&self) -> &str {
        "delta"
    }
    fn description(&self) -> String {
        format!("DeltaSource[file:{}]", self.root.display())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `load()`: the table must exist; its columns are the stream's.
pub fn load(path: &str, options: &Options, session: &Session) -> Result<(Arc<dyn StreamRelation>, Fields)> {
    let ctx = session.exec_context().eval;
    let allow_out_of_range = session.conf_get(OUT_OF_RANGE_CONF).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    crate::io::paths::check_reachable(path)?;
    let root = local_path(path);
    if !log::is_table(&root) {
        return Err(log::not_a_table(&root));
    }
    let snap = log::snapshot(&root, None)?;
    let fields = table::table_fields(&snap)?;
    // Checked now, as Delta checks them when the source is made.
    starting_version(&root, options, &ctx, allow_out_of_range)?;
    limits(options)?;
    let relation = DeltaRelation {
        root,
        table_id: snap.metadata.id.clone(),
        fields: fields.clone(),
        partition_columns: snap.metadata.partition_columns.clone(),
        options: options.clone(),
        ctx,
        allow_out_of_range,
    };
    Ok((Arc::new(relation), fields))
}

/// `startingVersion` (a number or "latest") or `startingTimestamp`: the first version whose changes are read.
fn starting_version(
    root: &std::path::Path,
    options: &Options,
    ctx: &EvalContext,
    allow_out_of_range: bool,
) -> Result<Option<i64>> {
    match (options.get("startingVersion"), options.get("startingTimestamp")) {
        (Some(_), Some(_)) => Err(EmberError::illegal_argument_class(
            "DELTA_STARTING_VERSION_AND_TIMESTAMP_BOTH_SET",
            "Please either provide 'startingVersion' or 'startingTimestamp' SQLSTATE: 42613",
        )),
        (Some(v), None) if v.trim().eq_ignore_ascii_case("latest") => {
            Ok(Some(log::latest_version(root)?.map(|l| l + 1).unwrap_or(0)))
        }
        (Some(v), None) => match v.trim().parse::<i64>() {
            Ok(n) if n >= 0 => {
                // The version's commit must exist (it need not be recreatable), unless out of range is allowed.
                let commits = log::commit_versions(root)?;
                let (earliest, latest) =
                    (commits.first().copied().unwrap_or(0), log::latest_version(root)?.unwrap_or(0));
                if n < earliest || (n > latest && !allow_out_of_range) {
                    return Err(EmberError::analysis_class(
                        "DELTA_VERSION_NOT_FOUND",
                        format!("Cannot time travel Delta table to version {n}. Available versions: [{earliest}, {latest}]."),
                    ));
                }
                Ok(Some(n))
            }
            _ => Err(EmberError::illegal_argument_class(
                "DELTA_INVALID_STARTING_VERSION",
                format!("Invalid startingVersion: {v}. SQLSTATE: 22023"),
            )),
        },
        (None, Some(t)) => {
            let micros = crate::io::csv::values::parse_timestamp(t, &ctx.time_zone).ok_or_else(|| {
                EmberError::analysis_class(
                    "DELTA_TIMESTAMP_INVALID",
                    format!("The provided timestamp ({t}) cannot be converted to a valid timestamp. SQLSTATE: 42816"),
                )
            })?;
            log::first_version_at_or_after(root, micros.div_euclid(1000), allow_out_of_range).map(Some)
        }
        (None, None) => Ok(None),
    }
}

/// `maxFilesPerTrigger` and `maxBytesPerTrigger` (bytes, a soft limit: files are admitted while the batch is
/// still under it, so the file that crosses it is in). Delta's default of 1000 files applies only when neither is set.
fn limits(options: &Options) -> Result<(usize, Option<u64>)> {
    let files = match options.get("maxFilesPerTrigger") {
        None if options.get("maxBytesPerTrigger").is_some() => usize::MAX,
        None => DEFAULT_MAX_FILES,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                return Err(EmberError::illegal_argument_class(
                    "DELTA_INVALID_MAX_FILES_PER_TRIGGER",
                    format!("maxFilesPerTrigger must be a positive integer, got '{v}'. SQLSTATE: 42616"),
                ))
            }
        },
    };
    let bytes = match options.get("maxBytesPerTrigger") {
        None => None,
        Some(v) => Some(parse_bytes(v).filter(|b| *b > 0).ok_or_else(|| {
            EmberError::illegal_argument(format!("Invalid value '{v}' for option 'maxBytesPerTrigger'"))
        })?),
    };
    Ok((files, bytes))
}

/// A byte size as Spark's `byteFromString`: a number with an optional b/k/kb/m/mb/g/gb/t/tb suffix.
fn parse_bytes(v: &str) -> Option<u64> {
    let s = v.trim().to_ascii_lowercase();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(digits);
    let n: u64 = n.parse().ok()?;
    let mult: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        "t" | "tb" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// A position in the stream of files: every file up to and including `index` of `version` has been read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    version: i64,
    index: i64,
    starting: bool,
}

impl Position {
    fn to_offset(self, table_id: &str) -> Offset {
        Offset::from_value(json!({
            "sourceVersion": 1,
            "reservoirId": table_id,
            "reservoirVersion": self.version,
            "index": self.index,
            "isStartingVersion": self.starting,
        }))
    }

    fn from_offset(o: &Offset) -> Result<Position> {
        let v = o.value();
        let bad = || EmberError::execution(format!("Not a Delta source offset: {v}"));
        Ok(Position {
            version: v.get("reservoirVersion").and_then(|x| x.as_i64()).ok_or_else(bad)?,
            index: v.get("index").and_then(|x| x.as_i64()).ok_or_else(bad)?,
            starting: v.get("isStartingVersion").and_then(|x| x.as_bool()).unwrap_or(false),
        })
    }
}

/// Opens the reader of a relation made by `load`. Under Trigger.Once the one batch reads everything available
/// (Spark's all-available read limit); under availableNow the batches keep their limits but stop at the version
/// that was the latest when the query started, as Delta's source does.
pub fn open(r: &DeltaRelation, trigger: Trigger) -> Result<Box<dyn Source>> {
    let start = starting_version(&r.root, &r.options, &r.ctx, r.allow_out_of_range)?;
    let (max_files, max_bytes) = if trigger == Trigger::Once { (usize::MAX, None) } else { limits(&r.options)? };
    let until = if trigger == Trigger::AvailableNow { log::latest_version(&r.root)? } else { None };
    Ok(Box::new(DeltaSource {
        root: r.root.clone(),
        table_id: r.table_id.clone(),
        fields: r.fields.clone(),
        partition_columns: r.partition_columns.clone(),
        start,
        max_files,
        max_bytes,
        ignore_deletes: r.options.get_bool("ignoreDeletes", false)?,
        skip_change_commits: r.options.get_bool("skipChangeCommits", false)?,
        committed: None,
        until,
    }))
}

struct DeltaSource {
    root: PathBuf,
    table_id: String,
    fields: Fields,
    partition_columns: Vec<String>,
    /// `startingVersion` resolved; `None`: begin with the snapshot.
    start: Option<i64>,
    max_files: usize,
    max_bytes: Option<u64>,
    ignore_deletes: bool,
    skip_change_commits: bool,
    committed: Option<Position>,
    /// availableNow: the last version this run reads.
    until: Option<i64>,
}

impl DeltaSource {
    /// The files after `after`, in stream order, while `keep` admits them (it sees each candidate in turn).
    fn files_after(
        &self,
        after: Option<Position>,
        mut keep: impl FnMut(&Position, &AddFile) -> bool,
    ) -> Result<Vec<(Position, AddFile)>> {
        let mut out = vec![];
        let Some(mut latest) = log::latest_version(&self.root)? else {
            return Ok(out);
        };
        if let Some(until) = self.until {
            latest = latest.min(until);
        }
        // The first version whose commit is read, and the starting snapshot's files before it, if any.
        let mut next_version = match (after, self.start) {
            (Some(p), _) if p.starting => {
                let snap = log::snapshot(&self.root, Some(p.version))?;
                for (i, f) in snap.files.into_iter().enumerate() {
                    let pos = Position { version: p.version, index: i as i64, starting: true };
                    if pos.index <= p.index {
                        continue;
                    }
                    if !keep(&pos, &f) {
                        return Ok(out);
                    }
                    out.push((pos, f));
                }
                p.version + 1
            }
            (Some(p), _) => p.version,
            (None, Some(s)) => s,
            (None, None) => {
                let snap = log::snapshot(&self.root, Some(latest))?;
                for (i, f) in snap.files.into_iter().enumerate() {
                    let pos = Position { version: latest, index: i as i64, starting: true };
                    if !keep(&pos, &f) {
                        return Ok(out);
                    }
                    out.push((pos, f));
                }
                latest + 1
            }
        };
        while next_version <= latest {
            let v = next_version;
            next_version += 1;
            let (adds, removes) = log::data_changes(&self.root, v, &self.partition_columns)?;
            if removes {
                if self.skip_change_commits || (self.ignore_deletes && adds.is_empty()) {
                    continue;
                }
                return Err(EmberError::execution_class(
                    "DELTA_SOURCE_TABLE_IGNORE_CHANGES",
                    format!(
                        "Detected a data update in the source table at version {v}. This is currently not supported. If this is going to happen regularly and you are okay to skip changes, set the option 'skipChangeCommits' to 'true'. If you would like the data update to be reflected, please restart this query with a fresh checkpoint directory. The source table can be found at path file:{}. SQLSTATE: 0A000",
                        self.root.display()
                    ),
                ));
            }
            for (i, f) in adds.into_iter().enumerate() {
                let pos = Position { version: v, index: i as i64, starting: false };
                if after.is_some_and(|a| pos <= a) {
                    continue;
                }
                if !keep(&pos, &f) {
                    return Ok(out);
                }
                out.push((pos, f));
            }
        }
        Ok(out)
    }
}

impl Source for DeltaSource {
    fn latest_offset(&mut self) -> Result<Option<Offset>> {
        let (max_files, max_bytes) = (self.max_files, self.max_bytes);
        let (mut n, mut bytes) = (0usize, 0u64);
        let admitted = self.files_after(self.committed, |_, f: &AddFile| {
            if n >= max_files || max_bytes.is_some_and(|m| bytes >= m) {
                return false;
            }
            n += 1;
            bytes = bytes.saturating_add(f.size.max(0) as u64);
            true
        })?;
        Ok(admitted
            .last()
            .map(|(p, _)| p.to_offset(&self.table_id))
            .or_else(|| self.committed.map(|p| p.to_offset(&self.table_id))))
    }

    fn read(&mut self, start: Option<&Offset>, end: &Offset, ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        let start = start.map(Position::from_offset).transpose()?;
        let end = Position::from_offset(end)?;
        let files: Vec<AddFile> = self.files_after(start, |p, _| *p <= end)?.into_iter().map(|(_, f)| f).collect();
        Ok(table::read_files(&self.root, &self.fields, &files, ctx)?.1)
    }

    fn commit(&mut self, end: &Offset) {
        if let Ok(p) = Position::from_offset(end) {
            self.committed = Some(p);
        }
    }
}
