//! The versioned state store of one stateful operator: per partition, named tables (each with key and value
//! columns). Per batch the operator stages its changes (upserted rows, deleted keys) or, every
//! `minDeltasForSnapshot` versions, its whole state; `commit(version)` writes one Arrow IPC file per partition
//! (`<version>.delta` or `<version>.snapshot`, atomically, partitions in parallel); `abort()` drops what was staged.
use std::path::{Path, PathBuf};
use std::time::Instant;

use arrow::array::RecordBatch;
use rayon::prelude::*;

use crate::error::{EmberError, Result};
use crate::stream::checkpoint::write_replacing;
use crate::stream::state::changelog::{encode, PartitionChanges};
use crate::stream::state::reader::{FileKind, PartitionFiles, StateReader};
use crate::stream::state::snapshot::encode_snapshot;

/// A table an operator declares: its name and how many leading columns are its key.
#[derive(Clone, Debug, PartialEq)]
pub struct TableSpec {
    pub name: String,
    pub keys: usize,
}

impl TableSpec {
    pub fn new(name: &str, keys: usize) -> Self {
        TableSpec { name: name.to_string(), keys }
    }
}

/// What a commit cost.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CommitMetrics {
    pub bytes_written: u64,
    pub commit_ms: u64,
    pub snapshot: bool,
}

enum Staged {
    Nothing,
    Changes(Vec<PartitionChanges>),
    /// Per partition, per table.
    Snapshot(Vec<Vec<RecordBatch>>),
}

pub struct StateStore {
    dir: PathBuf,
    tables: Vec<TableSpec>,
    min_deltas: i64,
    last_snapshot: Option<i64>,
    staged: Staged,
    /// Whether committed files are fsynced (`ember.streaming.checkpoint.fsync`).
    fsync: bool,
}

/// Spark's default `spark.sql.streaming.stateStore.minDeltasForSnapshot`.
pub const DEFAULT_MIN_DELTAS: i64 = 10;

impl StateStore {
    /// Open the store in `dir` (`state/<op>`) whose last committed version is `committed`: files of later versions
    /// (a batch that crashed before its commit) and temporary files are removed.
    pub fn open(dir: &Path, tables: Vec<TableSpec>, min_deltas: i64, committed: Option<i64>) -> Result<StateStore> {
        let reader = StateReader::open(dir)?;
        for p in &reader.partitions {
            if let Ok(rd) = std::fs::read_dir(&p.dir) {
                for e in rd.flatten() {
                    if e.file_name().to_string_lossy().ends_with(".tmp") {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
            for (v, kinds) in p.versions.range(committed.map_or(i64::MIN, |c| c + 1)..) {
                for k in kinds {
                    let _ = std::fs::remove_file(p.path(*v, *k));
                }
            }
        }
        let last_snapshot = committed
            .and_then(|c| reader.partitions.iter().filter_map(|p| p.snapshot_at_or_below(c).map(|(v, _)| v)).min());
        Ok(StateStore {
            dir: dir.to_path_buf(),
            tables,
            min_deltas: min_deltas.max(1),
            last_snapshot,
            staged: Staged::Nothing,
            fsync: false,
        })
    }

    /// Fsync committed files (`ember.streaming.checkpoint.fsync`).
    pub fn with_fsync(mut self, fsync: bool) -> StateStore {
        self.fsync = fsync;
        self
    }

    fn table_names(&self) -> Vec<(String, usize)> {
        self.tables.iter().map(|t| (t.name.clone(), t.keys)).collect()
    }

    fn key_columns(&self) -> Vec<usize> {
        self.tables.iter().map(|t| t.keys).collect()
    }

    /// Each partition's rows per table at a committed `version`.
    pub fn load(&self, version: i64) -> Result<Vec<Vec<RecordBatch>>> {
        StateReader::open(&self.dir)?.load(version, &self.key_columns())
    }

    /// Whether `version` is written as a snapshot: the first one, then once `minDeltasForSnapshot` change files
    /// followed the last snapshot.
    pub fn snapshot_due(&self, version: i64) -> bool {
        self.last_snapshot.is_none_or(|s| version - s > self.min_deltas)
    }

    /// Stage the batch's changes, one list per partition.
    pub fn update(&mut self, changes: Vec<PartitionChanges>) {
        self.staged = Staged::Changes(changes);
    }

    /// Stage the whole state (per partition, per table) instead of changes.
    pub fn put_snapshot(&mut self, partitions: Vec<Vec<RecordBatch>>) {
        self.staged = Staged::Snapshot(partitions);
    }

    /// Drop what was staged.
    pub fn abort(&mut self) {
        self.staged = Staged::Nothing;
    }

    /// Write what was staged as `version`.
    pub fn commit(&mut self, version: i64) -> Result<CommitMetrics> {
        let started = Instant::now();
        let names = self.table_names();
        let (kind, files): (FileKind, Vec<Vec<u8>>) = match std::mem::replace(&mut self.staged, Staged::Nothing) {
            Staged::Nothing => {
                return Err(EmberError::execution(format!(
                    "Nothing staged to commit as state version {version} in {}",
                    self.dir.display()
                )))
            }
            Staged::Changes(parts) => {
                (FileKind::Delta, parts.par_iter().map(|c| encode(&names, c)).collect::<Result<_>>()?)
            }
            Staged::Snapshot(parts) => {
                (FileKind::Snapshot, parts.par_iter().map(|b| encode_snapshot(&names, b)).collect::<Result<_>>()?)
            }
        };
        // Partitions are written in parallel: their fsyncs, if any, overlap.
        files.par_iter().enumerate().try_for_each(|(p, bytes)| {
            let part = PartitionFiles { dir: self.dir.join(p.to_string()), ..Default::default() };
            write_replacing(&part.path(version, kind), bytes, self.fsync)
        })?;
        if kind == FileKind::Snapshot {
            self.last_snapshot = Some(version);
        }
        Ok(CommitMetrics {
            bytes_written: files.iter().map(|f| f.len() as u64).sum(),
            commit_ms: started.elapsed().as_millis() as u64,
            snapshot: kind == FileKind::Snapshot,
        })
    }

    /// Delete files no load of a version at or above `oldest` needs (what `minBatchesToRetain` keeps): everything
    /// before the newest snapshot at or below `oldest`.
    pub fn prune(&self, oldest: i64) -> Result<()> {
        for p in StateReader::open(&self.dir)?.partitions {
            let Some((snap, _)) = p.snapshot_at_or_below(oldest) else { continue };
            for (v, kinds) in p.versions.range(..snap) {
                for k in kinds {
                    let _ = std::fs::remove_file(p.path(*v, *k));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, AsArray, Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Int64Type, Schema};

    use super::*;
    use crate::stream::state::changelog::Change;

    fn rows(keys: &[i64], vals: &[&str]) -> RecordBatch {
        let schema = Schema::new(vec![Field::new("k", DataType::Int64, true), Field::new("v", DataType::Utf8, true)]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(Int64Array::from(keys.to_vec())), Arc::new(StringArray::from(vals.to_vec()))],
        )
        .unwrap()
    }

    fn keys(keys: &[i64]) -> RecordBatch {
        let schema = Schema::new(vec![Field::new("k", DataType::Int64, true)]);
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(Int64Array::from(keys.to_vec()))]).unwrap()
    }

    fn content(b: &RecordBatch) -> Vec<(i64, String)> {
        let k = b.column(0).as_primitive::<Int64Type>();
        let v = b.column(1).as_string::<i32>();
        (0..b.num_rows())
            .map(|i| (k.value(i), if v.is_null(i) { "-".into() } else { v.value(i).to_string() }))
            .collect()
    }

    fn store(dir: &Path, min_deltas: i64, committed: Option<i64>) -> StateStore {
        StateStore::open(dir, vec![TableSpec::new("default", 1)], min_deltas, committed).unwrap()
    }

    fn files(dir: &Path, part: usize) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(part.to_string()))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort_by_key(|n| (n.split('.').next().unwrap().parse::<i64>().unwrap(), n.clone()));
        v
    }

    #[test]
    fn commits_changes_and_loads_any_committed_version() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path(), 10, None);
        assert!(s.snapshot_due(0));
        s.put_snapshot(vec![vec![rows(&[1, 2], &["a", "b"])], vec![rows(&[], &[])]]);
        assert!(s.commit(0).unwrap().snapshot);
        assert!(!s.snapshot_due(1));
        s.update(vec![
            vec![(0, Change::Upsert(rows(&[2, 3], &["B", "c"]))), (0, Change::Delete(keys(&[1])))],
            vec![(0, Change::Upsert(rows(&[9], &["z"])))],
        ]);
        let m = s.commit(1).unwrap();
        assert!(!m.snapshot && m.bytes_written > 0);
        // Deleted then inserted again in the same batch: the order of the changes counts.
        s.update(vec![vec![(0, Change::Delete(keys(&[3]))), (0, Change::Upsert(rows(&[1, 3], &["A", "C"])))], vec![]]);
        s.commit(2).unwrap();
        let at = |v| s.load(v).unwrap().into_iter().map(|p| content(&p[0])).collect::<Vec<_>>();
        assert_eq!(at(0), vec![vec![(1, "a".into()), (2, "b".into())], vec![]]);
        assert_eq!(at(1), vec![vec![(2, "B".into()), (3, "c".into())], vec![(9, "z".into())]]);
        assert_eq!(at(2), vec![vec![(2, "B".into()), (1, "A".into()), (3, "C".into())], vec![(9, "z".into())]]);
        assert_eq!(files(dir.path(), 0), vec!["0.snapshot", "1.delta", "2.delta"]);
    }

    #[test]
    fn abort_drops_staged_changes_and_reopen_drops_uncommitted_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path(), 10, None);
        s.put_snapshot(vec![vec![rows(&[1], &["a"])]]);
        s.commit(0).unwrap();
        s.update(vec![vec![(0, Change::Delete(keys(&[1])))]]);
        s.abort();
        assert!(s.commit(1).is_err());
        s.update(vec![vec![(0, Change::Upsert(rows(&[2], &["b"])))]]);
        s.commit(1).unwrap();
        // Version 1 was written but its batch never committed: reopening at 0 forgets it.
        let s = store(dir.path(), 10, Some(0));
        assert_eq!(files(dir.path(), 0), vec!["0.snapshot"]);
        assert_eq!(content(&s.load(0).unwrap()[0][0]), vec![(1, "a".into())]);
        assert!(s.load(1).unwrap_err().message().contains("1.delta"));
    }

    #[test]
    fn snapshots_follow_min_deltas_and_prune_keeps_what_loading_needs() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path(), 3, None);
        let mut snapshots = vec![];
        for v in 0..12 {
            if s.snapshot_due(v) {
                snapshots.push(v);
                s.put_snapshot(vec![vec![rows(&[v], &["x"])]]);
            } else {
                s.update(vec![vec![(0, Change::Upsert(rows(&[v], &["x"])))]]);
            }
            s.commit(v).unwrap();
        }
        assert_eq!(snapshots, vec![0, 4, 8]);
        // Keep versions 6..: the snapshot 4 and its deltas stay.
        s.prune(6).unwrap();
        assert_eq!(files(dir.path(), 0).first().unwrap(), "4.snapshot");
        assert_eq!(content(&s.load(6).unwrap()[0][0]).len(), 3);
        assert_eq!(content(&s.load(11).unwrap()[0][0]).len(), 4);
        assert!(s.load(3).is_err());
        // A reopened store continues the cadence from the files.
        let s = store(dir.path(), 3, Some(11));
        assert!(s.snapshot_due(12));
        assert_eq!(s.last_snapshot, Some(8));
    }

    #[test]
    fn several_tables_share_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let tables = vec![TableSpec::new("values", 1), TableSpec::new("timers", 1)];
        let mut s = StateStore::open(dir.path(), tables, 10, None).unwrap();
        s.put_snapshot(vec![vec![rows(&[1], &["a"]), keys(&[5])]]);
        s.commit(0).unwrap();
        s.update(vec![vec![
            (1, Change::Upsert(keys(&[6]))),
            (0, Change::Upsert(rows(&[2], &["b"]))),
            (1, Change::Delete(keys(&[5]))),
        ]]);
        s.commit(1).unwrap();
        let p = &s.load(1).unwrap()[0];
        assert_eq!(content(&p[0]), vec![(1, "a".into()), (2, "b".into())]);
        assert_eq!(p[1].column(0).as_primitive::<Int64Type>().values().to_vec(), vec![6]);
        assert_eq!(files(dir.path(), 0), vec!["0.snapshot", "1.delta"]);
    }

    #[test]
    fn previous_layout_files_are_read_as_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        // What the previous ember wrote: state/<op>/<partition>/<N>.arrow, the whole state, plain Arrow IPC.
        let mut buf = Vec::new();
        {
            let b = rows(&[1, 2], &["a", "b"]);
            let mut w = arrow::ipc::writer::FileWriter::try_new(&mut buf, b.schema_ref()).unwrap();
            w.write(&b).unwrap();
            w.finish().unwrap();
        }
        crate::stream::checkpoint::write_atomic(&dir.path().join("0").join("4.arrow"), &buf).unwrap();
        let mut s = store(dir.path(), 10, Some(4));
        assert_eq!(content(&s.load(4).unwrap()[0][0]), vec![(1, "a".into()), (2, "b".into())]);
        assert!(!s.snapshot_due(5));
        s.update(vec![vec![(0, Change::Upsert(rows(&[2], &["B"]))), (0, Change::Delete(keys(&[1])))]]);
        s.commit(5).unwrap();
        assert_eq!(content(&s.load(5).unwrap()[0][0]), vec![(2, "B".into())]);
        let summary = StateReader::open(dir.path()).unwrap().summary(5).unwrap();
        assert_eq!((summary.rows, summary.snapshot_version, summary.delta_files), (1, Some(4), 1));
    }

    #[test]
    fn a_change_file_updating_one_percent_of_a_large_state_is_much_smaller_than_its_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let n = 200_000i64;
        let mut s = store(dir.path(), 10, None);
        let all: Vec<i64> = (0..n).collect();
        let vals: Vec<String> = all.iter().map(|k| format!("value-{k}")).collect();
        let refs: Vec<&str> = vals.iter().map(|v| v.as_str()).collect();
        s.put_snapshot(vec![vec![rows(&all, &refs)]]);
        let snap = s.commit(0).unwrap().bytes_written;
        let changed: Vec<i64> = (0..n).step_by(100).collect();
        let refs: Vec<&str> = changed.iter().map(|_| "new").collect();
        s.update(vec![vec![(0, Change::Upsert(rows(&changed, &refs)))]]);
        let delta = s.commit(1).unwrap().bytes_written;
        assert!(delta * 20 < snap, "delta {delta} bytes vs snapshot {snap}");
        let loaded = s.load(1).unwrap();
        assert_eq!(loaded[0][0].num_rows(), n as usize);
    }
}
