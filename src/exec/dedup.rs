//! Duplicate removal (`distinct`, `dropDuplicates`) and set operations over whole rows, keyed by Arrow's row format.
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::compute::concat_batches;
use arrow::datatypes::Schema;
use arrow::row::{RowConverter, Rows, SortField};

use crate::error::Result;
use crate::exec::hashing::FxHasher;
use crate::plan::SetOp;
use crate::types::batch::take_rows;

type Fx = BuildHasherDefault<FxHasher>;

fn encode(batch: &RecordBatch, keys: &[usize]) -> Result<Rows> {
    let cols: Vec<ArrayRef> = keys.iter().map(|&k| batch.column(k).clone()).collect();
    let conv = RowConverter::new(cols.iter().map(|c| SortField::new(c.data_type().clone())).collect())?;
    Ok(conv.convert_columns(&cols)?)
}

/// First row of each distinct key.
pub fn deduplicate(batches: &[RecordBatch], keys: &[usize], schema: &Arc<Schema>) -> Result<Vec<RecordBatch>> {
    let all = concat_batches(schema, batches)?;
    if keys.is_empty() {
        let n = all.num_rows().min(1) as u32;
        return Ok(vec![take_rows(&all, (0..n).collect(), schema)?]);
    }
    let rows = encode(&all, keys)?;
    let mut seen: HashSet<&[u8], Fx> = HashSet::default();
    let keep: Vec<u32> = (0..all.num_rows()).filter(|&i| seen.insert(rows.row(i).data())).map(|i| i as u32).collect();
    Ok(vec![take_rows(&all, keep, schema)?])
}

/// INTERSECT [ALL] / EXCEPT [ALL] with Spark's multiset rules.
pub fn set_operation(
    left: &[RecordBatch],
    right: &[RecordBatch],
    op: SetOp,
    schema: &Arc<Schema>,
) -> Result<Vec<RecordBatch>> {
    let l = concat_batches(schema, left)?;
    let r = concat_batches(schema, right)?;
    let keys: Vec<usize> = (0..schema.fields().len()).collect();
    // Encode both sides with one converter so equal rows have equal bytes.
    let cols_l: Vec<ArrayRef> = keys.iter().map(|&k| l.column(k).clone()).collect();
    let cols_r: Vec<ArrayRef> = keys.iter().map(|&k| r.column(k).clone()).collect();
    let conv = RowConverter::new(cols_l.iter().map(|c| SortField::new(c.data_type().clone())).collect())?;
    let lr = conv.convert_columns(&cols_l)?;
    let rr = conv.convert_columns(&cols_r)?;
    let mut counts: HashMap<&[u8], i64, Fx> = HashMap::default();
    for i in 0..r.num_rows() {
        *counts.entry(rr.row(i).data()).or_default() += 1;
    }
    let mut keep = Vec::new();
    let mut emitted: HashSet<&[u8], Fx> = HashSet::default();
    for i in 0..l.num_rows() {
        let key = lr.row(i).data();
        let in_right = counts.get(key).copied().unwrap_or(0);
        let take = match op {
            SetOp::Intersect => in_right > 0 && emitted.insert(key),
            SetOp::Except => in_right == 0 && emitted.insert(key),
            SetOp::IntersectAll => {
                if in_right > 0 {
                    *counts.get_mut(key).unwrap() -= 1;
                    true
                } else {
                    false
                }
            }
            SetOp::ExceptAll => {
                if in_right > 0 {
                    *counts.get_mut(key).unwrap() -= 1;
                    false
                } else {
                    true
                }
            }
        };
        if take {
            keep.push(i as u32);
        }
    }
    Ok(vec![take_rows(&l, keep, schema)?])
}
