//! What `python -m ember.checkpoint inspect` reports about a checkpoint: query id, batches (offsets, watermarks,
//! committed or not), each stateful operator's shape and its state at the last committed batch (read through the
//! state store's reader), the batches each source logged. Read-only.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{EmberError, Result};
use crate::stream::checkpoint::{batch_ids, Checkpoint};
use crate::stream::state::reader::StateReader;

#[derive(Serialize)]
pub struct BatchInfo {
    pub batch_id: i64,
    pub committed: bool,
    pub watermark_ms: i64,
    pub timestamp_ms: i64,
    /// Each source's offset as Spark serialises it (`None`: no data yet).
    pub offsets: Vec<Option<serde_json::Value>>,
    pub next_watermark_ms: Option<i64>,
}

#[derive(Serialize)]
pub struct OperatorInfo {
    pub operator_id: i64,
    pub name: String,
    pub keys: Vec<String>,
    pub values: Vec<String>,
    pub partitions: usize,
    pub version: Option<i64>,
    pub state_rows: Option<usize>,
    /// Bytes of the state files loading `version` reads (its snapshot and the change files after it).
    pub state_bytes: u64,
    pub snapshot_version: Option<i64>,
    pub delta_files: usize,
}

#[derive(Serialize)]
pub struct CheckpointInfo {
    pub path: String,
    pub query_id: Option<String>,
    pub batches: Vec<BatchInfo>,
    pub operators: Vec<OperatorInfo>,
    pub sources: BTreeMap<i64, usize>,
}

/// Read the checkpoint at `path`; `NotFound` when there is none.
pub fn inspect(path: &str) -> Result<CheckpointInfo> {
    let ckpt = Checkpoint::at(path);
    let root = ckpt.root().to_path_buf();
    if !root.is_dir() {
        return Err(EmberError::io(std::io::ErrorKind::NotFound, format!("No checkpoint at {path}")));
    }
    let query_id = match std::fs::read_to_string(root.join("metadata")) {
        Ok(text) => serde_json::from_str::<serde_json::Value>(text.trim())
            .map_err(|e| {
                EmberError::execution(format!(
                    "The checkpoint file {} is corrupt: {e}",
                    root.join("metadata").display()
                ))
            })?
            .get("id")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        Err(_) => None,
    };
    let commits = batch_ids(&root.join("commits"))?;
    let mut batches = Vec::new();
    for b in batch_ids(&root.join("offsets"))? {
        let e = ckpt.read_offsets(b)?;
        let committed = commits.contains(&b);
        let next_watermark_ms = if committed { Some(ckpt.read_commit(b)?) } else { None };
        batches.push(BatchInfo {
            batch_id: b,
            committed,
            watermark_ms: e.watermark_ms,
            timestamp_ms: e.timestamp_ms,
            offsets: e.offsets.into_iter().map(|o| o.map(|o| o.value().clone())).collect(),
            next_watermark_ms,
        });
    }
    let version = batches.iter().filter(|b| b.committed).map(|b| b.batch_id).max();
    let mut operators = Vec::new();
    for op in batch_ids(&root.join("state"))? {
        let dir = root.join("state").join(op.to_string());
        let shape = ckpt.read_shape(op as usize)?.unwrap_or_default();
        let strings = |k: &str| -> Vec<String> {
            shape
                .get(k)
                .and_then(|v| v.as_array())
                .map_or(vec![], |a| a.iter().map(|s| s.as_str().unwrap_or_default().to_string()).collect())
        };
        let reader = StateReader::open(&dir)?;
        let summary = version.filter(|_| !reader.partitions.is_empty()).map(|v| reader.summary(v)).transpose();
        let summary = summary.ok().flatten();
        operators.push(OperatorInfo {
            operator_id: op,
            name: shape.get("operator").and_then(|v| v.as_str()).unwrap_or("?").to_string(),
            keys: strings("keys"),
            values: strings("values"),
            partitions: reader.partitions.len(),
            version,
            state_rows: summary.as_ref().map(|s| s.rows),
            state_bytes: summary.as_ref().map_or(0, |s| s.bytes),
            snapshot_version: summary.as_ref().and_then(|s| s.snapshot_version),
            delta_files: summary.as_ref().map_or(0, |s| s.delta_files),
        });
    }
    let mut sources = BTreeMap::new();
    for s in batch_ids(&root.join("sources"))? {
        sources.insert(s, batch_ids(&root.join("sources").join(s.to_string()))?.len());
    }
    Ok(CheckpointInfo { path: path.to_string(), query_id, batches, operators, sources })
}

/// `inspect` as JSON text (the Python tool builds its objects from it).
pub fn inspect_json(path: &str) -> Result<String> {
    serde_json::to_string(&inspect(path)?).map_err(|e| EmberError::execution(e.to_string()))
}
