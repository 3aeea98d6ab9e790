//! A query's checkpoint directory, in Spark's layout:
//! `metadata` (`{"id": …}`), `offsets/N` (write-ahead: `v1`, the batch's metadata JSON — watermark, timestamp and
//! the conf that must not change — then one offset per source), `commits/N` (`v1` + `{"nextBatchWatermarkMs": …}`),
//! `sources/<i>/N` (what a source planned for batch N, e.g. the files), `state/<op>/` (the state store's files, see
//! `stream::state`) with `state/<op>/_metadata` (the operator's shape). Every file is written whole to a temporary
//! name and renamed, so a killed process leaves either the old or the new file, never a torn one (the page cache
//! outlives the process). Spark does no more on a local disk; `ember.streaming.checkpoint.fsync=true` also fsyncs
//! each per-batch file and its directory before the rename counts, for a machine that may lose power: each fsync
//! pair costs ~10 ms on a virtual disk, several per batch, which is most of a small micro-batch.
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::error::{EmberError, Result};
use crate::stream::offset::Offset;

pub struct Checkpoint {
    root: PathBuf,
    /// Whether per-batch files (offsets, commits, source logs) are fsynced (`ember.streaming.checkpoint.fsync`).
    fsync: bool,
    /// Log entries below this batch id are known to be gone (pruning lists the logs once, then removes one id per
    /// batch instead of listing both directories every batch).
    pruned_below: std::sync::atomic::AtomicI64,
}

/// The session conf that makes per-batch checkpoint and state files durable against power loss (fsync).
pub const FSYNC_CONF: &str = "ember.streaming.checkpoint.fsync";

/// What `offsets/N` records.
#[derive(Clone, Debug, PartialEq)]
pub struct OffsetEntry {
    pub watermark_ms: i64,
    pub timestamp_ms: i64,
    pub conf: Vec<(String, String)>,
    /// One per source, in plan order (`None`: the source had no data yet, Spark's `-`).
    pub offsets: Vec<Option<Offset>>,
}

/// Where a restarted query resumes.
#[derive(Clone, Debug, Default)]
pub struct Recovery {
    /// The next batch id to run.
    pub next_batch: i64,
    /// Source offsets already committed (the start of the next batch).
    pub committed: Vec<Option<Offset>>,
    /// The watermark in force for the next batch.
    pub watermark_ms: i64,
    /// The previous batch's watermark (rows are late against it).
    pub last_batch_watermark_ms: i64,
    /// A batch written ahead but not committed: it is run again with exactly these end offsets.
    pub replay: Option<OffsetEntry>,
    /// The conf recorded by the first batch (shuffle partitions etc. must stay).
    pub conf: Vec<(String, String)>,
    /// The last committed batch (its state version), if any.
    pub last_committed: Option<i64>,
}

fn corrupt(path: &Path, why: impl std::fmt::Display) -> EmberError {
    EmberError::execution(format!("The checkpoint file {} is corrupt: {why}", path.display()))
}

/// A checkpoint file's text; failures name the file (an unreadable or non-UTF-8 file is no checkpoint ember wrote).
fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path)
        .map_err(|e| EmberError::io(e.kind(), format!("Cannot read the checkpoint file {}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| corrupt(path, format!("it is not UTF-8 text ({e})")))
}

/// Write `bytes` to `path` atomically and durably: temp file in the same directory, fsync, rename, fsync the
/// directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_replacing(path, bytes, true)
}

/// Write `bytes` to `path` atomically (temp file, one write, rename); with `fsync`, durably as `write_atomic`.
pub fn write_replacing(path: &Path, bytes: &[u8], fsync: bool) -> Result<()> {
    write_atomic_inner(path, bytes, fsync)
        .map_err(|e| e.map_message(|m| format!("Cannot write the checkpoint file {}: {m}", path.display())))
}

fn write_atomic_inner(path: &Path, bytes: &[u8], fsync: bool) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    // The directory usually exists: one stat instead of create_dir_all's walk up to the root.
    if !dir.is_dir() {
        fs::create_dir_all(dir)?;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    // An unpredictable name, created only if nothing is there: a file or symlink planted in the checkpoint
    // directory is never followed or overwritten.
    let tmp = dir.join(format!(".{name}.{}.tmp", crate::types::uuid::random_uuid()));
    {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        if fsync {
            f.sync_data()?;
        }
    }
    fs::rename(&tmp, path)?;
    if fsync {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Batch ids present as file names in `dir` (ignores temp and other files), ascending.
pub fn batch_ids(dir: &Path) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd {
            let e = e?;
            if let Some(n) = e.file_name().to_str().and_then(|s| s.parse::<i64>().ok()) {
                ids.push(n);
            }
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

impl Checkpoint {
    /// Open (creating) a checkpoint directory; returns it with the query id (new or recorded).
    pub fn open(root: &str, new_id: &str) -> Result<(Checkpoint, String)> {
        crate::io::paths::check_reachable(root)?;
        let root = crate::io::paths::local_path(root);
        fs::create_dir_all(&root).map_err(|e| {
            EmberError::illegal_argument(format!("Cannot create the checkpoint location {}: {e}", root.display()))
        })?;
        let meta = root.join("metadata");
        let id = if meta.exists() {
            let text = read_text(&meta)?;
            let v: Value = serde_json::from_str(text.trim()).map_err(|e| corrupt(&meta, e))?;
            v.get("id").and_then(|x| x.as_str()).ok_or_else(|| corrupt(&meta, "no query id"))?.to_string()
        } else {
            write_atomic(&meta, json!({ "id": new_id }).to_string().as_bytes())?;
            new_id.to_string()
        };
        Ok((Checkpoint { root, fsync: false, pruned_below: Default::default() }, id))
    }

    /// Fsync per-batch files (`ember.streaming.checkpoint.fsync`).
    pub fn with_fsync(mut self, fsync: bool) -> Checkpoint {
        self.fsync = fsync;
        self
    }

    pub fn fsync(&self) -> bool {
        self.fsync
    }

    /// An existing checkpoint, read-only (inspect): nothing is created.
    pub fn at(root: &str) -> Checkpoint {
        Checkpoint {
            root: PathBuf::from(root.strip_prefix("file://").unwrap_or(root)),
            fsync: false,
            pruned_below: Default::default(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn offsets_path(&self, batch: i64) -> PathBuf {
        self.root.join("offsets").join(batch.to_string())
    }
    fn commits_path(&self, batch: i64) -> PathBuf {
        self.root.join("commits").join(batch.to_string())
    }
    pub fn source_path(&self, source: usize, batch: i64) -> PathBuf {
        self.root.join("sources").join(source.to_string()).join(batch.to_string())
    }
    pub fn state_dir(&self, op: usize) -> PathBuf {
        self.root.join("state").join(op.to_string())
    }

    pub fn write_offsets(&self, batch: i64, e: &OffsetEntry) -> Result<()> {
        let conf: serde_json::Map<String, Value> =
            e.conf.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let mut text = format!(
            "v1\n{}\n",
            json!({ "batchWatermarkMs": e.watermark_ms, "batchTimestampMs": e.timestamp_ms, "conf": conf })
        );
        for o in &e.offsets {
            match o {
                Some(o) => text.push_str(&o.to_string()),
                None => text.push('-'),
            }
            text.push('\n');
        }
        write_replacing(&self.offsets_path(batch), text.as_bytes(), self.fsync)
    }

    pub fn read_offsets(&self, batch: i64) -> Result<OffsetEntry> {
        let path = self.offsets_path(batch);
        let text = read_text(&path)?;
        let mut lines = text.lines();
        if lines.next() != Some("v1") {
            return Err(corrupt(&path, "missing version line v1"));
        }
        let meta: Value = serde_json::from_str(lines.next().ok_or_else(|| corrupt(&path, "no metadata"))?)
            .map_err(|e| corrupt(&path, e))?;
        let num = |k: &str| meta.get(k).and_then(|v| v.as_i64()).ok_or_else(|| corrupt(&path, format!("no {k}")));
        let conf = meta
            .get("conf")
            .and_then(|c| c.as_object())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
            .unwrap_or_default();
        let offsets = lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| match l.trim() {
                "-" => Ok(None),
                // ember's earlier layout counted batches from 0 for every source: 0 meant no data yet.
                "{\"offset\":0}" => Ok(None),
                l => serde_json::from_str(l).map(|v| Some(Offset::from_value(v))).map_err(|e| corrupt(&path, e)),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(OffsetEntry {
            watermark_ms: num("batchWatermarkMs")?,
            timestamp_ms: num("batchTimestampMs")?,
            conf,
            offsets,
        })
    }

    pub fn write_commit(&self, batch: i64, next_watermark_ms: i64) -> Result<()> {
        let text = format!("v1\n{}\n", json!({ "nextBatchWatermarkMs": next_watermark_ms }));
        write_replacing(&self.commits_path(batch), text.as_bytes(), self.fsync)
    }

    pub fn read_commit(&self, batch: i64) -> Result<i64> {
        let path = self.commits_path(batch);
        let text = read_text(&path)?;
        let mut lines = text.lines();
        if lines.next() != Some("v1") {
            return Err(corrupt(&path, "missing version line v1"));
        }
        let v: Value = serde_json::from_str(lines.next().ok_or_else(|| corrupt(&path, "no content"))?)
            .map_err(|e| corrupt(&path, e))?;
        v.get("nextBatchWatermarkMs").and_then(|w| w.as_i64()).ok_or_else(|| corrupt(&path, "no nextBatchWatermarkMs"))
    }

    /// Where to resume, from the offset and commit logs.
    pub fn recover(&self, sources: usize) -> Result<Recovery> {
        // Temporary files of writes a crash interrupted are garbage (the rename never happened).
        for dir in ["offsets", "commits"] {
            if let Ok(rd) = fs::read_dir(self.root.join(dir)) {
                for e in rd.flatten() {
                    if e.file_name().to_string_lossy().ends_with(".tmp") {
                        let _ = fs::remove_file(e.path());
                    }
                }
            }
        }
        let offsets = batch_ids(&self.root.join("offsets"))?;
        let commits = batch_ids(&self.root.join("commits"))?;
        let Some(&last) = offsets.last() else {
            return Ok(Recovery { committed: vec![None; sources], ..Default::default() });
        };
        let last_commit = commits.last().copied();
        if let Some(c) = last_commit.filter(|c| *c > last) {
            // Running from offsets/`last` again would process batches the sink already has: fail, never duplicate.
            return Err(EmberError::execution(format!(
                "The checkpoint at {} has {} but no {}: its offsets log was damaged, so ember cannot tell which input batch {c} read. Restore the file, or start the query with a new checkpoint location.",
                self.root.display(),
                self.commits_path(c).display(),
                self.offsets_path(c).display()
            )));
        }
        let entry = self.read_offsets(last)?;
        if entry.offsets.len() != sources {
            return Err(EmberError::analysis(format!(
                "The query has {sources} streaming source(s) but its checkpoint {} recorded {}: a checkpoint cannot be reused for another query",
                self.root.display(),
                entry.offsets.len()
            )));
        }
        let first_conf = self.read_offsets(offsets[0]).map(|e| e.conf).unwrap_or_default();
        if last_commit == Some(last) {
            let next_wm = self.read_commit(last)?;
            Ok(Recovery {
                next_batch: last + 1,
                committed: entry.offsets.clone(),
                watermark_ms: next_wm,
                last_batch_watermark_ms: entry.watermark_ms,
                replay: None,
                conf: first_conf,
                last_committed: Some(last),
            })
        } else {
            // Offsets written, batch not committed: run it again with the same range and id.
            let committed = if last == 0 { vec![None; sources] } else { self.read_offsets(last - 1)?.offsets };
            let prev_wm = if last == 0 { 0 } else { self.read_offsets(last - 1)?.watermark_ms };
            Ok(Recovery {
                next_batch: last,
                committed,
                watermark_ms: entry.watermark_ms,
                last_batch_watermark_ms: prev_wm,
                replay: Some(entry),
                conf: first_conf,
                last_committed: last_commit,
            })
        }
    }

    /// Delete log entries older than the newest `retain` batches (the state store prunes its own files).
    pub fn prune(&self, current: i64, retain: i64) -> Result<()> {
        let cutoff = current - retain.max(1) + 1;
        if cutoff <= 0 {
            return Ok(());
        }
        use std::sync::atomic::Ordering;
        let below = self.pruned_below.load(Ordering::Relaxed);
        for dir in ["offsets", "commits"] {
            let dir = self.root.join(dir);
            if below == 0 {
                for id in batch_ids(&dir)?.into_iter().filter(|id| *id < cutoff) {
                    let _ = fs::remove_file(dir.join(id.to_string()));
                }
            } else {
                for id in below..cutoff {
                    let _ = fs::remove_file(dir.join(id.to_string()));
                }
            }
        }
        self.pruned_below.store(cutoff.max(below), Ordering::Relaxed);
        Ok(())
    }

    /// The recorded shape of operator `op`, if any.
    pub fn read_shape(&self, op: usize) -> Result<Option<Value>> {
        let path = self.state_dir(op).join("_metadata");
        if !path.exists() {
            return Ok(None);
        }
        let text = read_text(&path)?;
        Ok(Some(serde_json::from_str(&text).map_err(|e| corrupt(&path, e))?))
    }

    pub fn write_shape(&self, op: usize, shape: &Value) -> Result<()> {
        write_atomic(&self.state_dir(op).join("_metadata"), shape.to_string().as_bytes())
    }

    /// Number of stateful operators recorded.
    pub fn recorded_operators(&self) -> usize {
        batch_ids(&self.root.join("state")).map(|v| v.len()).unwrap_or(0)
    }

    /// A source's log line for batch `batch` (what it planned), if written.
    pub fn write_source_log(&self, source: usize, batch: i64, text: &str) -> Result<()> {
        write_replacing(&self.source_path(source, batch), format!("v1\n{text}").as_bytes(), self.fsync)
    }

    pub fn read_source_logs(&self, source: usize) -> Result<Vec<(i64, String)>> {
        let dir = self.root.join("sources").join(source.to_string());
        let mut out = Vec::new();
        for id in batch_ids(&dir)? {
            let path = dir.join(id.to_string());
            let text = read_text(&path)?;
            let body = text.strip_prefix("v1\n").ok_or_else(|| corrupt(&path, "missing version line v1"))?;
            out.push((id, body.to_string()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(wm: i64, offsets: Vec<i64>) -> OffsetEntry {
        OffsetEntry {
            watermark_ms: wm,
            timestamp_ms: 5,
            conf: vec![("spark.sql.shuffle.partitions".into(), "2".into())],
            offsets: offsets.into_iter().map(|o| Some(Offset::long(o))).collect(),
        }
    }

    fn longs(v: &[i64]) -> Vec<Option<Offset>> {
        v.iter().map(|o| Some(Offset::long(*o))).collect()
    }

    #[test]
    fn offsets_are_spark_json_lines_and_earlier_layout_reads() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = Checkpoint::open(dir.path().to_str().unwrap(), "q").unwrap();
        let mut e = entry(0, vec![]);
        e.offsets = vec![Some(Offset::parse("{\"logOffset\":2}").unwrap()), None];
        c.write_offsets(0, &e).unwrap();
        let text = std::fs::read_to_string(dir.path().join("offsets/0")).unwrap();
        assert!(text.ends_with("\n{\"logOffset\":2}\n-\n"), "{text}");
        assert_eq!(c.read_offsets(0).unwrap(), e);
        // ember's earlier checkpoints wrote {"offset": n}: count-based sources still read them.
        std::fs::write(
            dir.path().join("offsets/1"),
            "v1\n{\"batchWatermarkMs\":0,\"batchTimestampMs\":1}\n{\"offset\":3}\n",
        )
        .unwrap();
        assert_eq!(c.read_offsets(1).unwrap().offsets[0].as_ref().unwrap().count().unwrap(), 3);
    }

    #[test]
    fn resumes_after_the_last_commit_and_replays_an_uncommitted_batch() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        let (c, id) = Checkpoint::open(root, "abc").unwrap();
        assert_eq!(id, "abc");
        assert_eq!(Checkpoint::open(root, "other").unwrap().1, "abc");
        assert_eq!(c.recover(1).unwrap().next_batch, 0);
        c.write_offsets(0, &entry(0, vec![1])).unwrap();
        c.write_commit(0, 7000).unwrap();
        let r = c.recover(1).unwrap();
        assert_eq!(
            (r.next_batch, r.committed.clone(), r.watermark_ms, r.replay.is_none()),
            (1, longs(&[1]), 7000, true)
        );
        c.write_offsets(1, &entry(7000, vec![3])).unwrap();
        let r = c.recover(1).unwrap();
        assert_eq!((r.next_batch, r.committed.clone(), r.watermark_ms), (1, longs(&[1]), 7000));
        assert_eq!(r.replay.unwrap().offsets, longs(&[3]));
        assert_eq!(r.conf, vec![("spark.sql.shuffle.partitions".to_string(), "2".to_string())]);
    }

    #[test]
    fn a_corrupt_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = Checkpoint::open(dir.path().to_str().unwrap(), "q").unwrap();
        c.write_offsets(0, &entry(0, vec![1])).unwrap();
        std::fs::write(dir.path().join("commits").join("0"), "v1\n{\"nextBatch").ok();
        std::fs::create_dir_all(dir.path().join("commits")).unwrap();
        std::fs::write(dir.path().join("commits").join("0"), "v1\n{\"nextBatch").unwrap();
        let e = c.recover(1).unwrap_err().message();
        assert!(e.contains("commits/0") && e.contains("corrupt"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let offsets = dir.path().join("ck").join("offsets");
        std::fs::create_dir_all(&offsets).unwrap();
        // The temporary name earlier versions used (file name and process id) is predictable.
        std::os::unix::fs::symlink(&victim, offsets.join(format!(".0.{}.tmp", std::process::id()))).unwrap();
        let (c, _) = Checkpoint::open(dir.path().join("ck").to_str().unwrap(), "q").unwrap();
        c.write_offsets(0, &entry(0, vec![1])).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(c.read_offsets(0).unwrap(), entry(0, vec![1]));
    }

    #[test]
    fn prunes_old_batches() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = Checkpoint::open(dir.path().to_str().unwrap(), "q").unwrap();
        for b in 0..5 {
            c.write_offsets(b, &entry(0, vec![b])).unwrap();
            c.write_commit(b, 0).unwrap();
        }
        c.prune(4, 2).unwrap();
        assert_eq!(batch_ids(&dir.path().join("offsets")).unwrap(), vec![3, 4]);
        assert_eq!(c.recover(1).unwrap().next_batch, 5);
        // Later batches remove what falls out without listing the logs again.
        for b in 5..8 {
            c.write_offsets(b, &entry(0, vec![b])).unwrap();
            c.write_commit(b, 0).unwrap();
            c.prune(b, 2).unwrap();
        }
        assert_eq!(batch_ids(&dir.path().join("offsets")).unwrap(), vec![6, 7]);
        assert_eq!(batch_ids(&dir.path().join("commits")).unwrap(), vec![6, 7]);
    }

    #[test]
    fn io_failures_and_non_utf8_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = Checkpoint::open(dir.path().to_str().unwrap(), "q").unwrap();
        // A file where the offsets directory should be: every write under it fails (as on a read-only or full disk).
        std::fs::write(dir.path().join("offsets"), "").unwrap();
        let e = c.write_offsets(0, &entry(0, vec![1])).unwrap_err().message();
        assert!(e.starts_with("Cannot write the checkpoint file ") && e.contains("offsets/0"), "{e}");
        std::fs::create_dir_all(dir.path().join("commits/0")).unwrap();
        let e = c.read_commit(0).unwrap_err().message();
        assert!(e.starts_with("Cannot read the checkpoint file ") && e.contains("commits/0"), "{e}");
        std::fs::write(dir.path().join("metadata"), b"{\"id\":\"\xff\"}").unwrap();
        let e = Checkpoint::open(dir.path().to_str().unwrap(), "q").err().unwrap().message();
        assert!(e.contains("metadata is corrupt: it is not UTF-8 text"), "{e}");
    }
}
