//! Hash join (build on the right, probe with the left in parallel chunks) for every Spark join type; joins
//! without equality keys fall back to a nested loop. Null keys never match. The residual condition is part of the
//! match, so outer joins keep rows whose only candidates fail it.
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, UInt32Array};
use arrow::compute::concat_batches;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::row::{RowConverter, SortField};
use rayon::prelude::*;

use crate::context::ExecContext;
use crate::error::Result;
use crate::exec::hashing::FxHasher;
use crate::expr::PhysicalExpr;
use crate::plan::JoinType;
use crate::types::batch::make_batch;

const PROBE_CHUNK: usize = 64 * 1024;

fn any_null(cols: &[ArrayRef], i: usize) -> bool {
    cols.iter().any(|c| c.is_null(i))
}

/// Candidate pairs (left row, right row) for left rows `range`, in left order.
fn candidate_pairs(
    range: std::ops::Range<usize>,
    left_rows: Option<&arrow::row::Rows>,
    left_keys: &[ArrayRef],
    table: &HashMap<&[u8], Vec<u32>, BuildHasherDefault<FxHasher>>,
    right_len: usize,
) -> (Vec<u32>, Vec<u32>) {
    let mut li = Vec::new();
    let mut ri = Vec::new();
    for i in range {
        match left_rows {
            None => {
                for j in 0..right_len as u32 {
                    li.push(i as u32);
                    ri.push(j);
                }
            }
            Some(rows) => {
                if any_null(left_keys, i) {
                    continue;
                }
                if let Some(matches) = table.get(rows.row(i).as_ref()) {
                    for &j in matches {
                        li.push(i as u32);
                        ri.push(j);
                    }
                }
            }
        }
    }
    (li, ri)
}

fn take_all(batch: &RecordBatch, idx: &UInt32Array) -> Result<Vec<ArrayRef>> {
    batch.columns().iter().map(|c| Ok(arrow::compute::take(c.as_ref(), idx, None)?)).collect()
}

#[allow(clippy::too_many_arguments)]
pub fn hash_join(
    left: &[RecordBatch],
    right: &[RecordBatch],
    left_schema: &SchemaRef,
    right_schema: &SchemaRef,
    join_type: JoinType,
    left_keys: &[PhysicalExpr],
    right_keys: &[PhysicalExpr],
    filter: Option<&PhysicalExpr>,
    out_schema: &Arc<Schema>,
    ctx: &ExecContext,
) -> Result<Vec<RecordBatch>> {
    let l = concat_batches(left_schema, left)?;
    let r = concat_batches(right_schema, right)?;
    let lk = left_keys.iter().map(|k| k.evaluate(&l, &ctx.eval)).collect::<Result<Vec<_>>>()?;
    let rk = right_keys.iter().map(|k| k.evaluate(&r, &ctx.eval)).collect::<Result<Vec<_>>>()?;
    let (left_rows, right_rows) = if lk.is_empty() {
        (None, None)
    } else {
        let conv = RowConverter::new(lk.iter().map(|a| SortField::new(a.data_type().clone())).collect())?;
        (Some(conv.convert_columns(&lk)?), Some(conv.convert_columns(&rk)?))
    };
    let mut table: HashMap<&[u8], Vec<u32>, BuildHasherDefault<FxHasher>> = HashMap::default();
    if let Some(rows) = &right_rows {
        for j in 0..r.num_rows() {
            if !any_null(&rk, j) {
                table.entry(rows.row(j).data()).or_default().push(j as u32);
            }
        }
    }
    // Probe in parallel chunks; each yields matched pairs after the residual condition.
    let chunks: Vec<std::ops::Range<usize>> =
        (0..l.num_rows()).step_by(PROBE_CHUNK).map(|s| s..(s + PROBE_CHUNK).min(l.num_rows())).collect();
    let both_fields: Vec<_> = left_schema.fields().iter().chain(right_schema.fields().iter()).cloned().collect();
    let both_schema = Arc::new(Schema::new(both_fields));
    let matched: Vec<(Vec<u32>, Vec<u32>)> = chunks
        .into_par_iter()
        .map(|range| {
            let (li, ri) = candidate_pairs(range, left_rows.as_ref(), &lk, &table, r.num_rows());
            let Some(f) = filter else { return Ok((li, ri)) };
            let (lidx, ridx) = (UInt32Array::from(li.clone()), UInt32Array::from(ri.clone()));
            let mut cols = take_all(&l, &lidx)?;
            cols.extend(take_all(&r, &ridx)?);
            let pairs = make_batch(both_schema.clone(), cols, li.len())?;
            let mask = f.evaluate_mask(&pairs, &ctx.eval)?;
            let keep: Vec<usize> = (0..li.len()).filter(|&i| mask.value(i)).collect();
            Ok((keep.iter().map(|&i| li[i]).collect(), keep.iter().map(|&i| ri[i]).collect()))
        })
        .collect::<Result<Vec<_>>>()?;
    let (li, ri): (Vec<u32>, Vec<u32>) = {
        let mut a = Vec::new();
        let mut b = Vec::new();
        for (x, y) in matched {
            a.extend(x);
            b.extend(y);
        }
        (a, b)
    };

    let n_left = l.num_rows();
    let mut left_hit = vec![false; n_left];
    for &i in &li {
        left_hit[i as usize] = true;
    }
    let out_rows =
        |lidx: Vec<Option<u32>>, ridx: Vec<Option<u32>>| -> Result<RecordBatch> {
            let (lidx, ridx) = (UInt32Array::from(lidx), UInt32Array::from(ridx));
            let mut cols = take_all(&l, &lidx)?;
            cols.extend(take_all(&r, &ridx)?);
            let cols =
                cols.into_iter()
                    .zip(out_schema.fields())
                    .map(|(c, f)| {
                        if c.data_type() == f.data_type() {
                            Ok(c)
                        } else {
                            Ok(arrow::compute::cast(&c, f.data_type())?)
                        }
                    })
                    .collect::<Result<Vec<_>>>()?;
            make_batch(out_schema.clone(), cols, lidx.len())
        };
    let batch = match join_type {
        JoinType::Inner | JoinType::Cross => {
            out_rows(li.iter().map(|&x| Some(x)).collect(), ri.iter().map(|&x| Some(x)).collect())?
        }
        JoinType::LeftSemi | JoinType::LeftAnti => {
            let want = join_type == JoinType::LeftSemi;
            let idx =
                UInt32Array::from((0..n_left as u32).filter(|&i| left_hit[i as usize] == want).collect::<Vec<_>>());
            let n = idx.len();
            make_batch(out_schema.clone(), take_all(&l, &idx)?, n)?
        }
        JoinType::LeftOuter | JoinType::RightOuter | JoinType::FullOuter => {
            let mut lo: Vec<Option<u32>> = Vec::with_capacity(li.len());
            let mut ro: Vec<Option<u32>> = Vec::with_capacity(li.len());
            let keep_left = join_type != JoinType::RightOuter;
            let mut p = 0;
            for i in 0..n_left as u32 {
                let start = p;
                while p < li.len() && li[p] == i {
                    lo.push(Some(i));
                    ro.push(Some(ri[p]));
                    p += 1;
                }
                if p == start && keep_left {
                    lo.push(Some(i));
                    ro.push(None);
                }
            }
            if join_type != JoinType::LeftOuter {
                let mut right_hit = vec![false; r.num_rows()];
                for &j in &ri {
                    right_hit[j as usize] = true;
                }
                for (j, hit) in right_hit.iter().enumerate() {
                    if !hit {
                        lo.push(None);
                        ro.push(Some(j as u32));
                    }
                }
            }
            out_rows(lo, ro)?
        }
    };
    Ok(vec![batch])
}
