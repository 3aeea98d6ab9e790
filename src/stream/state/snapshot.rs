//! Snapshots: a partition's whole state at a version, one record batch per table (`<N>.snapshot`), written every
//! `spark.sql.streaming.stateStore.minDeltasForSnapshot` versions. The previous layout's full files
//! (`<N>.arrow`, one table) are read as snapshots too, so its checkpoints restart.
use std::path::Path;

use arrow::array::RecordBatch;

use crate::error::Result;
use crate::stream::state::changelog::{corrupt, decode, encode, Change, TableLayout};

/// Encode a snapshot: `batches[t]` holds table t's rows (key then value columns).
pub fn encode_snapshot(tables: &[(String, usize)], batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let entries: Vec<(usize, Change)> = batches.iter().cloned().map(Change::Upsert).enumerate().collect();
    encode(tables, &entries)
}

/// A snapshot's rows per table, with the file's table layouts (a previous-layout file has keys = 0: unknown).
pub fn read_snapshot(path: &Path) -> Result<(Vec<RecordBatch>, Vec<TableLayout>, bool)> {
    let file = decode(path)?;
    let mut per_table: Vec<Vec<RecordBatch>> = vec![Vec::new(); file.tables.len()];
    for (t, c) in file.entries {
        match c {
            Change::Upsert(b) => per_table[t].push(b),
            Change::Delete(_) => return Err(corrupt(path, "a snapshot holds no deletes")),
        }
    }
    let batches = per_table
        .into_iter()
        .map(|bs| match bs.len() {
            0 => Err(corrupt(path, "no state batch")),
            1 => Ok(bs.into_iter().next().unwrap()),
            _ => Ok(arrow::compute::concat_batches(&bs[0].schema(), &bs)?),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((batches, file.tables, file.legacy))
}
