//! The one reader of an operator's state files (`state/<op>/<partition>/<N>.snapshot|.delta|.arrow`): which
//! versions exist, which files a version needs (restart, pruning) and the rows at a version (restart, inspect).
//! Loading takes the newest snapshot at or below the version, then applies the change files after it in order,
//! by key (Arrow row format): a key keeps the position it was first inserted at, as in the operators' own state.
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::row::{RowConverter, SortField};
use rayon::prelude::*;

use crate::error::{EmberError, Result};
use crate::stream::state::changelog::{decode, Change};
use crate::stream::state::snapshot::read_snapshot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Snapshot,
    Delta,
    /// A full file of the previous layout, read as a snapshot.
    Legacy,
}

impl FileKind {
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Snapshot => "snapshot",
            FileKind::Delta => "delta",
            FileKind::Legacy => "arrow",
        }
    }
    fn parse(name: &str) -> Option<(i64, FileKind)> {
        let (v, ext) = name.split_once('.')?;
        let kind = match ext {
            "snapshot" => FileKind::Snapshot,
            "delta" => FileKind::Delta,
            "arrow" => FileKind::Legacy,
            _ => return None,
        };
        Some((v.parse().ok()?, kind))
    }
    fn is_snapshot(self) -> bool {
        self != FileKind::Delta
    }
}

/// The state files of one partition, by version.
#[derive(Clone, Debug, Default)]
pub struct PartitionFiles {
    pub dir: PathBuf,
    pub versions: BTreeMap<i64, Vec<FileKind>>,
}

impl PartitionFiles {
    pub fn scan(dir: &Path) -> Result<PartitionFiles> {
        let mut versions: BTreeMap<i64, Vec<FileKind>> = BTreeMap::new();
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd {
                let e = e?;
                if let Some((v, k)) = e.file_name().to_str().and_then(FileKind::parse) {
                    versions.entry(v).or_default().push(k);
                }
            }
        }
        Ok(PartitionFiles { dir: dir.to_path_buf(), versions })
    }

    pub fn path(&self, version: i64, kind: FileKind) -> PathBuf {
        self.dir.join(format!("{version}.{}", kind.extension()))
    }

    /// The newest snapshot at or below `version`.
    pub fn snapshot_at_or_below(&self, version: i64) -> Option<(i64, FileKind)> {
        self.versions
            .range(..=version)
            .rev()
            .find_map(|(v, kinds)| kinds.iter().find(|k| k.is_snapshot()).map(|k| (*v, *k)))
    }

    /// The files loading `version` reads: a snapshot, then the change files after it, in order.
    pub fn files_for(&self, version: i64) -> Result<Vec<(i64, FileKind, PathBuf)>> {
        let (snap, kind) = self.snapshot_at_or_below(version).ok_or_else(|| {
            EmberError::execution(format!(
                "The state for batch {version} is missing from the checkpoint: no snapshot at or below it in {}",
                self.dir.display()
            ))
        })?;
        let mut out = vec![(snap, kind, self.path(snap, kind))];
        for v in snap + 1..=version {
            let path = self.path(v, FileKind::Delta);
            if !self.versions.get(&v).is_some_and(|k| k.contains(&FileKind::Delta)) {
                return Err(EmberError::execution(format!(
                    "The state change file {} for batch {v} is missing from the checkpoint",
                    path.display()
                )));
            }
            out.push((v, FileKind::Delta, path));
        }
        Ok(out)
    }

    /// Rows per table at `version`. `keys[t]`: key columns of table t when the files do not say (previous layout).
    pub fn load(&self, version: i64, keys: &[usize]) -> Result<Vec<RecordBatch>> {
        let files = self.files_for(version)?;
        let (base, layouts, _) = read_snapshot(&files[0].2)?;
        if files.len() == 1 {
            return Ok(base);
        }
        let deltas = files[1..].iter().map(|(_, _, p)| decode(p).map(|f| (p, f))).collect::<Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(base.len());
        for (t, snapshot) in base.into_iter().enumerate() {
            // Key columns: as the change files record them, else as declared, else as the snapshot records them.
            let nkeys = deltas
                .iter()
                .find_map(|(_, f)| f.tables.get(t).map(|l| l.keys))
                .or_else(|| keys.get(t).copied())
                .or_else(|| layouts.get(t).map(|l| l.keys))
                .unwrap_or(0);
            let mut table = TableReplay::new(snapshot, nkeys)?;
            for (path, f) in &deltas {
                for (ti, c) in &f.entries {
                    if *ti == t {
                        table.apply(c).map_err(|e| {
                            EmberError::execution(format!(
                                "Cannot apply the state change file {}: {}",
                                path.display(),
                                e.message()
                            ))
                        })?;
                    }
                }
            }
            out.push(table.finish()?);
        }
        Ok(out)
    }
}

/// One table being rebuilt from a snapshot and change files.
struct TableReplay {
    schema: arrow::datatypes::SchemaRef,
    keys: usize,
    converter: Option<RowConverter>,
    sources: Vec<RecordBatch>,
    /// Live rows in order (source batch, row); `None` where a key was deleted.
    slots: Vec<Option<(usize, usize)>>,
    index: HashMap<Box<[u8]>, usize>,
}

impl TableReplay {
    fn new(snapshot: RecordBatch, keys: usize) -> Result<Self> {
        let converter = if keys == 0 {
            None
        } else {
            let fields = (0..keys).map(|i| SortField::new(snapshot.column(i).data_type().clone())).collect();
            Some(RowConverter::new(fields)?)
        };
        let mut t = TableReplay {
            schema: snapshot.schema(),
            keys,
            converter,
            sources: Vec::new(),
            slots: Vec::new(),
            index: HashMap::new(),
        };
        t.upsert(snapshot)?;
        Ok(t)
    }

    fn key_rows(&self, b: &RecordBatch) -> Result<Vec<Box<[u8]>>> {
        match &self.converter {
            None => Ok(vec![Box::from([] as [u8; 0]); b.num_rows()]),
            Some(conv) => {
                let cols: Vec<ArrayRef> = b.columns()[..self.keys].to_vec();
                Ok(conv.convert_columns(&cols)?.iter().map(|r| Box::from(r.as_ref())).collect())
            }
        }
    }

    fn upsert(&mut self, b: RecordBatch) -> Result<()> {
        if b.num_columns() != self.schema.fields().len() {
            return Err(EmberError::execution(format!(
                "{} state columns where the snapshot has {}",
                b.num_columns(),
                self.schema.fields().len()
            )));
        }
        let src = self.sources.len();
        for (r, key) in self.key_rows(&b)?.into_iter().enumerate() {
            match self.index.get(&key) {
                Some(&slot) => self.slots[slot] = Some((src, r)),
                None => {
                    self.index.insert(key, self.slots.len());
                    self.slots.push(Some((src, r)));
                }
            }
        }
        self.sources.push(b);
        Ok(())
    }

    fn apply(&mut self, c: &Change) -> Result<()> {
        match c {
            Change::Upsert(b) => self.upsert(b.clone()),
            Change::Delete(b) => {
                for key in self.key_rows(b)? {
                    if let Some(slot) = self.index.remove(&key) {
                        self.slots[slot] = None;
                    }
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<RecordBatch> {
        let idx: Vec<(usize, usize)> = self.slots.into_iter().flatten().collect();
        let cols = (0..self.schema.fields().len())
            .map(|c| {
                let arrays: Vec<&dyn Array> = self.sources.iter().map(|b| b.column(c).as_ref()).collect();
                Ok(arrow::compute::interleave(&arrays, &idx)?)
            })
            .collect::<Result<Vec<ArrayRef>>>()?;
        Ok(RecordBatch::try_new_with_options(
            self.schema.clone(),
            cols,
            &arrow::array::RecordBatchOptions::new().with_row_count(Some(idx.len())),
        )?)
    }
}

/// An operator's state directory (`state/<op>`): its partitions' files.
pub struct StateReader {
    pub dir: PathBuf,
    pub partitions: Vec<PartitionFiles>,
}

/// What an operator's state holds at a version (inspect).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct StateSummary {
    pub rows: usize,
    /// Bytes of the files loading the version reads.
    pub bytes: u64,
    pub snapshot_version: Option<i64>,
    pub delta_files: usize,
}

impl StateReader {
    pub fn open(dir: &Path) -> Result<StateReader> {
        let mut ids: Vec<usize> = Vec::new();
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                if e.path().is_dir() {
                    if let Some(p) = e.file_name().to_str().and_then(|s| s.parse().ok()) {
                        ids.push(p);
                    }
                }
            }
        }
        ids.sort_unstable();
        if ids.iter().enumerate().any(|(i, p)| i != *p) {
            return Err(EmberError::execution(format!(
                "The state directory {} has non-contiguous partitions {ids:?}",
                dir.display()
            )));
        }
        let partitions = ids.iter().map(|p| PartitionFiles::scan(&dir.join(p.to_string()))).collect::<Result<_>>()?;
        Ok(StateReader { dir: dir.to_path_buf(), partitions })
    }

    /// Each partition's rows per table at `version`, partitions read in parallel.
    pub fn load(&self, version: i64, keys: &[usize]) -> Result<Vec<Vec<RecordBatch>>> {
        if self.partitions.is_empty() {
            return Err(EmberError::execution(format!(
                "The state for batch {version} is missing from the checkpoint ({} has no partitions)",
                self.dir.display()
            )));
        }
        self.partitions.par_iter().map(|p| p.load(version, keys)).collect()
    }

    /// Rows and file bytes at `version` (tables summed over partitions).
    pub fn summary(&self, version: i64) -> Result<StateSummary> {
        let mut s = StateSummary::default();
        for (p, rows) in self.partitions.iter().zip(self.load(version, &[])?) {
            s.rows += rows.iter().map(|b| b.num_rows()).sum::<usize>();
            for (v, kind, path) in p.files_for(version)? {
                s.bytes += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                if kind == FileKind::Delta {
                    s.delta_files += 1;
                } else {
                    s.snapshot_version = Some(s.snapshot_version.map_or(v, |o: i64| o.max(v)));
                }
            }
        }
        Ok(s)
    }
}
