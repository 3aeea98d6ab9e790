//! The Delta transaction log (`_delta_log/`): reading a table's state at a version from its newest checkpoint at or
//! before it (`checkpoint`) and the JSON commits after, and committing a new version by creating
//! `NNNNNNNNNNNNNNNNNNNN.json` exclusively, which is the protocol's optimistic concurrency on a local file system.
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::error::{EmberError, Result};
use crate::io::delta::checkpoint;
pub use crate::io::delta::protocol::Protocol;

/// One data file of the table (`add` action), as far as a reader needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct AddFile {
    /// Relative to the table root, percent-decoded (the log stores a URI path).
    pub path: String,
    /// Partition column → value as the log writes it (`None`: null).
    pub partition_values: Vec<(String, Option<String>)>,
    pub size: i64,
    pub modification_time: i64,
    /// The `stats` JSON the writer recorded, kept for checkpoints.
    pub stats: Option<String>,
}

/// The table's `metaData` action.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub id: String,
    /// Spark's schema JSON of all columns, partition columns included.
    pub schema_string: String,
    pub partition_columns: Vec<String>,
    pub configuration: Map<String, Value>,
    pub created_time: Option<i64>,
}

/// A table's state at one version: what replaying the log up to it gives.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub version: i64,
    pub metadata: Metadata,
    /// Live files in the order their adds were committed.
    pub files: Vec<AddFile>,
    /// appId → the latest `txn` version committed under it.
    pub app_versions: HashMap<String, i64>,
    pub protocol: Protocol,
}

impl Snapshot {
    /// Delta's error when the table needs a feature ember cannot honour as a writer (constraints, change data
    /// feed, deletion vectors…), so ember never writes a table it would break.
    pub fn check_writable(&self, root: &Path) -> Result<()> {
        self.protocol.check_writable(root)
    }

    /// `transaction_version(appId)`: the last version an idempotent writer committed under `app_id`.
    pub fn app_version(&self, app_id: &str) -> Option<i64> {
        self.app_versions.get(app_id).copied()
    }
}

/// The log directory of a table rooted at `root`.
pub fn log_dir(root: &Path) -> PathBuf {
    root.join("_delta_log")
}

fn commit_file(root: &Path, version: i64) -> PathBuf {
    log_dir(root).join(format!("{version:020}.json"))
}

/// The versions of the JSON commits in the log, ascending.
pub fn commit_versions(root: &Path) -> Result<Vec<i64>> {
    let dir = log_dir(root);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(vec![]);
    };
    let mut out: Vec<i64> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".json")?;
            (stem.len() == 20).then(|| stem.parse::<i64>().ok()).flatten()
        })
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// Whether `root` holds a Delta table (a log with at least one commit or checkpoint).
pub fn is_table(root: &Path) -> bool {
    commit_versions(root).map(|v| !v.is_empty()).unwrap_or(false)
        || checkpoint::complete_checkpoints(root).map(|c| !c.is_empty()).unwrap_or(false)
}

/// The newest version of the table, if it has one.
pub fn latest_version(root: &Path) -> Result<Option<i64>> {
    let latest = commit_versions(root)?.last().copied();
    let cp = checkpoint::complete_checkpoints(root)?.keys().next_back().copied();
    Ok(latest.max(cp))
}

/// The oldest version the log can still be replayed to: 0 while commit 0 exists, else the oldest checkpoint.
pub fn earliest_version(root: &Path) -> Result<Option<i64>> {
    if commit_versions(root)?.first() == Some(&0) {
        return Ok(Some(0));
    }
    Ok(checkpoint::complete_checkpoints(root)?.keys().next().copied())
}

/// The actions of one commit, one JSON object per line.
pub fn read_commit(root: &Path, version: i64) -> Result<Vec<Value>> {
    let path = commit_file(root, version);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        EmberError::from(e).map_message(|m| format!("Cannot read Delta commit {}: {m}", path.display()))
    })?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<Value>(l).map_err(|e| {
                EmberError::execution(format!("Corrupt Delta commit {}: {e} in line {l:?}", path.display()))
            })
        })
        .collect()
}

/// When `version` was committed: its commitInfo's `inCommitTimestamp` or `timestamp`, else the file's mtime (the
/// protocol's rule without in-commit timestamps).
pub fn commit_timestamp_ms(root: &Path, version: i64) -> Result<i64> {
    let path = commit_file(root, version);
    let mtime = std::fs::metadata(&path)?
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    for a in read_commit(root, version)? {
        if let Some(ci) = a.get("commitInfo") {
            if let Some(t) = ci.get("inCommitTimestamp").and_then(Value::as_i64) {
                return Ok(t);
            }
        }
    }
    Ok(mtime)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A relative file path as the log stores it: a URI path, so `%`, spaces and other reserved bytes are escaped.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/' | b'=') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn parse_metadata(v: &Value) -> Result<Metadata> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(Metadata {
        id: s("id").unwrap_or_default(),
        schema_string: s("schemaString")
            .ok_or_else(|| EmberError::execution("Corrupt Delta log: a metaData action has no schemaString"))?,
        partition_columns: v
            .get("partitionColumns")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
            .unwrap_or_default(),
        configuration: v.get("configuration").and_then(Value::as_object).cloned().unwrap_or_default(),
        created_time: v.get("createdTime").and_then(Value::as_i64),
    })
}

fn parse_add(v: &Value, partition_columns: &[String]) -> AddFile {
    let pv = v.get("partitionValues").and_then(Value::as_object);
    AddFile {
        path: percent_decode(v.get("path").and_then(Value::as_str).unwrap_or_default()),
        partition_values: partition_columns
            .iter()
            .map(|c| (c.clone(), pv.and_then(|m| m.get(c)).and_then(Value::as_str).map(str::to_string)))
            .collect(),
        size: v.get("size").and_then(Value::as_i64).unwrap_or(0),
        modification_time: v.get("modificationTime").and_then(Value::as_i64).unwrap_or(0),
        stats: v.get("stats").and_then(Value::as_str).map(str::to_string),
    }
}

/// Replay the log up to `version` (the latest when `None`).
pub fn snapshot(root: &Path, version: Option<i64>) -> Result<Snapshot> {
    Replay::default().advance(root, version)
}

/// The log replayed so far: a writer that commits again and again (the streaming sink) keeps one and reads only the
/// commits made since, instead of the whole log each time.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    /// The last version applied (`None`: nothing yet).
    version: Option<i64>,
    metadata: Option<Metadata>,
    live: BTreeMap<String, (u64, AddFile)>,
    seq: u64,
    app_versions: HashMap<String, i64>,
    protocol: Protocol,
}

impl Replay {
    /// Apply the commits after the ones already applied, up to `version` (the latest when `None`), and return the
    /// table's state there. Going back in time starts over from version 0.
    pub fn advance(&mut self, root: &Path, version: Option<i64>) -> Result<Snapshot> {
        let versions = commit_versions(root)?;
        let latest = latest_version(root)?.ok_or_else(|| not_a_table(root))?;
        let target = version.unwrap_or(latest);
        let earliest = earliest_version(root)?.unwrap_or(0);
        if target > latest || target < earliest {
            return Err(EmberError::analysis_class(
                "DELTA_VERSION_NOT_FOUND",
                format!(
                    "Cannot time travel Delta table to version {target}. Available versions: [{earliest}, {latest}]."
                ),
            ));
        }
        if self.version.is_some_and(|v| v > target) {
            *self = Replay::default();
        }
        if let Some(done) = self.version.filter(|d| *d < target) {
            // The commits after the last one applied were cleaned up (a checkpoint replaced them): start over there.
            if versions.iter().copied().find(|v| *v > done) != Some(done + 1) {
                *self = Replay::default();
            }
        }
        if self.version.is_none() {
            // Start at the newest checkpoint at or before the target; without one, at commit 0.
            if let Some((cp, files)) = checkpoint::latest_at_or_before(root, target)? {
                let actions = checkpoint::read_actions(&files)?;
                if let Err(e) = self.apply_actions(root, actions) {
                    *self = Replay::default();
                    return Err(e);
                }
                self.version = Some(cp);
            } else if versions.first() != Some(&0) {
                return Err(EmberError::execution_class(
                    "DELTA_STATE_RECOVER_ERROR",
                    format!(
                        "The state of your Delta table at version {target} could not be recovered: its first JSON commits were removed and no checkpoint at or before it is left (table file:{}).",
                        root.display()
                    ),
                ));
            }
        }
        let done = self.version;
        let mut expected = done.map(|d| d + 1).unwrap_or(0);
        for v in versions.iter().copied().filter(|&v| done.is_none_or(|d| v > d)).take_while(|&v| v <= target) {
            if v != expected {
                *self = Replay::default();
                return Err(EmberError::execution_class(
                    "DELTA_VERSIONS_NOT_CONTIGUOUS",
                    format!(
                        "Versions ({expected}, {v}) are not contiguous. This can happen when files have been manually removed from the Delta log. SQLSTATE: KD00C"
                    ),
                ));
            }
            expected = v + 1;
            if let Err(e) = self.apply(root, v) {
                // Half a commit applied: start over next time rather than keep a state no version had.
                *self = Replay::default();
                return Err(e);
            }
            self.version = Some(v);
        }
        let metadata =
            self.metadata.clone().ok_or_else(|| EmberError::execution("Corrupt Delta log: no metaData action"))?;
        let mut files: Vec<&(u64, AddFile)> = self.live.values().collect();
        files.sort_by_key(|(s, _)| *s);
        Ok(Snapshot {
            version: target,
            metadata,
            files: files.into_iter().map(|(_, f)| f.clone()).collect(),
            app_versions: self.app_versions.clone(),
            protocol: self.protocol.clone(),
        })
    }

    fn apply(&mut self, root: &Path, v: i64) -> Result<()> {
        let actions = read_commit(root, v)?;
        self.apply_actions(root, actions)
    }

    fn apply_actions(&mut self, root: &Path, mut actions: Vec<Value>) -> Result<()> {
        // The protocol and metadata first: the adds' partition values are read by the metadata's partition columns,
        // and a checkpoint's rows come in no set order.
        actions.sort_by_key(|a| !(a.get("protocol").is_some() || a.get("metaData").is_some()));
        for action in actions {
            if let Some(p) = action.get("protocol") {
                let protocol = Protocol::parse(p);
                protocol.check_readable(root)?;
                self.protocol = protocol;
            } else if let Some(m) = action.get("metaData") {
                self.metadata = Some(parse_metadata(m)?);
            } else if let Some(a) = action.get("add") {
                let pcols = self.metadata.as_ref().map(|m| m.partition_columns.clone()).unwrap_or_default();
                let add = parse_add(a, &pcols);
                self.seq += 1;
                self.live.insert(add.path.clone(), (self.seq, add));
            } else if let Some(r) = action.get("remove") {
                if let Some(p) = r.get("path").and_then(Value::as_str) {
                    self.live.remove(&percent_decode(p));
                }
            } else if let Some(t) = action.get("txn") {
                if let (Some(app), Some(ver)) =
                    (t.get("appId").and_then(Value::as_str), t.get("version").and_then(Value::as_i64))
                {
                    self.app_versions.insert(app.to_string(), ver);
                }
            }
        }
        Ok(())
    }
}

/// What one commit changed in the data: its `add`s with `dataChange` (in commit order) and whether it removed data
/// (a `remove` with `dataChange`: an overwrite, delete or update), as a streaming reader of the table sees it.
pub fn data_changes(root: &Path, version: i64, partition_columns: &[String]) -> Result<(Vec<AddFile>, bool)> {
    let mut adds = vec![];
    let mut removes = false;
    for action in read_commit(root, version)? {
        let data_change = |a: &Value| a.get("dataChange").and_then(Value::as_bool).unwrap_or(true);
        if let Some(a) = action.get("add") {
            if data_change(a) {
                adds.push(parse_add(a, partition_columns));
            }
        } else if let Some(r) = action.get("remove") {
            removes |= data_change(r);
        }
    }
    Ok((adds, removes))
}

/// What one commit changed in the table's files: its `add`s with `dataChange` and the paths it removed with
/// `dataChange` (for a writer's conflict checks against a commit that won the race).
pub fn file_changes(
    root: &Path,
    version: i64,
    partition_columns: &[String],
) -> Result<(Vec<AddFile>, std::collections::HashSet<String>)> {
    let mut adds = vec![];
    let mut removed = std::collections::HashSet::new();
    for action in read_commit(root, version)? {
        let data_change = |a: &Value| a.get("dataChange").and_then(Value::as_bool).unwrap_or(true);
        if let Some(a) = action.get("add") {
            if data_change(a) {
                adds.push(parse_add(a, partition_columns));
            }
        } else if let Some(r) = action.get("remove") {
            if let Some(p) = r.get("path").and_then(Value::as_str).filter(|_| data_change(r)) {
                removed.insert(percent_decode(p));
            }
        }
    }
    Ok((adds, removed))
}

/// Delta's error for a path that holds no table.
pub fn not_a_table(root: &Path) -> EmberError {
    EmberError::analysis_class(
        "DELTA_MISSING_DELTA_TABLE",
        format!("`file:{}` is not a Delta table. SQLSTATE: 42P01", root.display()),
    )
}

/// Each JSON commit's version and timestamp, ascending, with the timestamps made increasing as Delta's history
/// does (a commit stamped no later than the one before counts as 1 ms after it: clocks of writers differ).
pub fn commit_timestamps(root: &Path) -> Result<Vec<(i64, i64)>> {
    let mut out: Vec<(i64, i64)> = vec![];
    for v in commit_versions(root)? {
        let mut t = commit_timestamp_ms(root, v)?;
        if let Some((_, prev)) = out.last() {
            t = t.max(prev + 1);
        }
        out.push((v, t));
    }
    Ok(out)
}

/// Delta's error for a time after the last commit; times are shown as Delta shows them (`java.sql.Timestamp`'s
/// text, then the commit's without fraction), in UTC.
fn timestamp_after_latest(ts_ms: i64, last: i64) -> EmberError {
    EmberError::analysis_class(
        "DELTA_TIMESTAMP_GREATER_THAN_COMMIT",
        format!(
            "The provided timestamp ({}) is after the latest version available to this\ntable ({}). Please use a timestamp before or at {}. SQLSTATE: 42816",
            java_timestamp_text(ts_ms),
            java_timestamp_text(last),
            timestamp_text(last)
        ),
    )
}

/// `java.sql.Timestamp.toString`: the fraction without trailing zeros, at least one digit.
fn java_timestamp_text(ms: i64) -> String {
    let Some(d) = chrono::DateTime::from_timestamp_millis(ms) else {
        return ms.to_string();
    };
    let frac = format!("{:03}", ms.rem_euclid(1000));
    let frac = frac.trim_end_matches('0');
    format!("{}.{}", d.format("%Y-%m-%d %H:%M:%S"), if frac.is_empty() { "0" } else { frac })
}

/// Spark's timestamp text: the fraction only when there is one.
fn timestamp_text(ms: i64) -> String {
    let text = java_timestamp_text(ms);
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// The newest version committed at or before `ts_ms`, with Delta's errors for a time before the first commit or
/// after the last.
pub fn version_at(root: &Path, ts_ms: i64, ts_text: &str) -> Result<i64> {
    let commits = commit_timestamps(root)?;
    let found = commits.iter().filter(|(_, t)| *t <= ts_ms).map(|(v, _)| *v).next_back();
    match (found, commits.last()) {
        (_, Some((_, last))) if ts_ms > *last => Err(timestamp_after_latest(ts_ms, *last)),
        (Some(v), _) => Ok(v),
        _ => Err(EmberError::analysis_class(
            "DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION",
            format!(
                "The provided timestamp ({ts_text}) is before the earliest version available to this table. Please use a timestamp after the earliest commit. SQLSTATE: 42816"
            ),
        )),
    }
}

/// A streaming source's `startingTimestamp`: the first version committed at or after `ts_ms` (the earliest
/// commit still in the log when the time is before it). When every commit is older: the version after the latest
/// if `allow_after_latest`, else Delta's error.
pub fn first_version_at_or_after(root: &Path, ts_ms: i64, allow_after_latest: bool) -> Result<i64> {
    let commits = commit_timestamps(root)?;
    if let Some((v, _)) = commits.iter().find(|(_, t)| *t >= ts_ms) {
        return Ok(*v);
    }
    match commits.last() {
        Some((v, _)) if allow_after_latest => Ok(v + 1),
        Some((_, last)) => Err(timestamp_after_latest(ts_ms, *last)),
        None => Err(not_a_table(root)),
    }
}

/// Another writer committed `version` first.
#[derive(Debug)]
pub struct VersionTaken;

/// Write `actions` as commit `version`, failing with `VersionTaken` if that version exists (the file is created
/// exclusively, so of two writers racing for one version exactly one wins). The text is written to a temporary
/// file first and hard-linked into place, so a reader never sees half a commit.
pub fn try_commit(root: &Path, version: i64, actions: &[Value]) -> Result<std::result::Result<(), VersionTaken>> {
    let dir = log_dir(root);
    std::fs::create_dir_all(&dir)?;
    let mut text = String::new();
    for a in actions {
        text.push_str(&a.to_string());
        text.push('\n');
    }
    let tmp = dir.join(format!(".{version:020}.json.{}.tmp", crate::types::uuid::random_uuid()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    let target = commit_file(root, version);
    let linked = std::fs::hard_link(&tmp, &target);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(Ok(())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Err(VersionTaken)),
        Err(e) => Err(e.into()),
    }
}

/// The `protocol` action ember writes: reader 1, writer 2 (no table features).
pub fn protocol_action() -> Value {
    Protocol::ember().to_action()
}

/// A `metaData` action.
pub fn metadata_action(m: &Metadata) -> Value {
    json!({"metaData": {
        "id": m.id,
        "format": {"provider": "parquet", "options": {}},
        "schemaString": m.schema_string,
        "partitionColumns": m.partition_columns,
        "configuration": m.configuration,
        "createdTime": m.created_time,
    }})
}

/// A `remove` action for a live file, removed at `now_ms`.
pub fn remove_action(f: &AddFile, now_ms: i64) -> Value {
    json!({"remove": {
        "path": percent_encode(&f.path),
        "deletionTimestamp": now_ms,
        "dataChange": true,
        "extendedFileMetadata": true,
        "partitionValues": partition_values_json(&f.partition_values),
        "size": f.size,
    }})
}

/// An `add` action.
pub fn add_action(f: &AddFile, num_records: Option<usize>) -> Value {
    let mut add = json!({
        "path": percent_encode(&f.path),
        "partitionValues": partition_values_json(&f.partition_values),
        "size": f.size,
        "modificationTime": f.modification_time,
        "dataChange": true,
    });
    if let Some(n) = num_records {
        add["stats"] = Value::String(json!({ "numRecords": n }).to_string());
    } else if let Some(s) = &f.stats {
        add["stats"] = Value::String(s.clone());
    }
    json!({ "add": add })
}

fn partition_values_json(values: &[(String, Option<String>)]) -> Value {
    Value::Object(
        values.iter().map(|(k, v)| (k.clone(), v.clone().map(Value::String).unwrap_or(Value::Null))).collect(),
    )
}

/// A `txn` action: `app_id` committed its `version`.
pub fn txn_action(app_id: &str, version: i64, now_ms: i64) -> Value {
    json!({"txn": {"appId": app_id, "version": version, "lastUpdated": now_ms}})
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_through_the_log_encoding() {
        let p = "k=a%3Ab c/part-00000.parquet";
        assert_eq!(percent_encode(p), "k=a%253Ab%20c/part-00000.parquet");
        assert_eq!(percent_decode(&percent_encode(p)), p);
    }

    #[test]
    fn an_advanced_replay_equals_a_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let m = Metadata {
            id: "t".into(),
            schema_string: r#"{"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]}"#
                .into(),
            partition_columns: vec![],
            configuration: Default::default(),
            created_time: None,
        };
        let f =
            |p: &str| AddFile { path: p.into(), partition_values: vec![], size: 1, modification_time: 0, stats: None };
        try_commit(dir.path(), 0, &[protocol_action(), metadata_action(&m), add_action(&f("x"), None)])
            .unwrap()
            .unwrap();
        let mut replay = Replay::default();
        assert_eq!(replay.advance(dir.path(), None).unwrap().files, vec![f("x")]);
        try_commit(dir.path(), 1, &[remove_action(&f("x"), 0), add_action(&f("y"), None), txn_action("q", 4, 0)])
            .unwrap()
            .unwrap();
        let advanced = replay.advance(dir.path(), None).unwrap();
        let fresh = snapshot(dir.path(), None).unwrap();
        assert_eq!((advanced.version, &advanced.files, advanced.app_version("q")), (1, &vec![f("y")], Some(4)));
        assert_eq!((fresh.version, &fresh.files, fresh.app_version("q")), (1, &vec![f("y")], Some(4)));
        assert_eq!(replay.advance(dir.path(), Some(0)).unwrap().files, vec![f("x")]);
    }

    #[test]
    fn exactly_one_of_two_commits_of_a_version_wins() {
        let dir = tempfile::tempdir().unwrap();
        let a = [protocol_action()];
        assert!(try_commit(dir.path(), 0, &a).unwrap().is_ok());
        assert!(try_commit(dir.path(), 0, &a).unwrap().is_err());
        assert_eq!(commit_versions(dir.path()).unwrap(), vec![0]);
    }
}
