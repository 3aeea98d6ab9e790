//! Window assignment on batches: `TimeWindow` (each row's `window` / `session_window` struct; sliding windows give
//! one row per window) and `MergeSessions` (rows of one key whose sessions overlap share the merged bounds).
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, RecordBatch, StructArray, TimestampMicrosecondArray, UInt32Array,
};
use arrow::datatypes::{DataType, Int64Type, SchemaRef, TimestampMicrosecondType};
use arrow::row::{RowConverter, SortField};

use crate::context::ExecContext;
use crate::error::Result;
use crate::expr::physical::PhysicalExpr;
use crate::plan::time_window::WindowSpec;
use crate::types::batch::make_batch;

/// Timestamps of `values` typed like `time_type` (keeping its time zone).
fn timestamps(values: Vec<i64>, time_type: &DataType) -> ArrayRef {
    let tz = match time_type {
        DataType::Timestamp(_, tz) => tz.clone(),
        _ => None,
    };
    Arc::new(TimestampMicrosecondArray::from(values).with_timezone_opt(tz))
}

fn window_column(starts: Vec<i64>, ends: Vec<i64>, time_type: &DataType) -> ArrayRef {
    let DataType::Struct(fields) = crate::plan::time_window::window_struct(time_type) else { unreachable!() };
    Arc::new(StructArray::new(fields, vec![timestamps(starts, time_type), timestamps(ends, time_type)], None))
}

/// Session gaps in microseconds: a number per row, or interval text parsed per row (unparseable → null).
fn gaps(gap: &PhysicalExpr, batch: &RecordBatch, ctx: &ExecContext) -> Result<Int64Array> {
    let values = gap.evaluate(batch, &ctx.eval)?;
    Ok(match values.data_type() {
        DataType::Utf8 => values
            .as_string::<i32>()
            .iter()
            .map(|s| s.and_then(|s| crate::expr::functions::datetime::parse_interval_string(s).ok()))
            .collect(),
        _ => values.as_primitive::<Int64Type>().clone(),
    })
}

/// Rows of `batch` with their window column appended (`schema` = input columns + the window).
pub fn assign_windows(
    batch: &RecordBatch,
    time: &PhysicalExpr,
    spec: &WindowSpec,
    schema: &SchemaRef,
    ctx: &ExecContext,
) -> Result<RecordBatch> {
    let ts = time.evaluate(batch, &ctx.eval)?;
    let ts = ts.as_primitive::<TimestampMicrosecondType>();
    let n = batch.num_rows();
    let mut rows: Vec<u32> = Vec::with_capacity(n);
    let mut starts: Vec<i64> = Vec::with_capacity(n);
    let mut ends: Vec<i64> = Vec::with_capacity(n);
    match spec {
        WindowSpec::Fixed { window_us, slide_us, start_us } => {
            let (w, s, o) = (*window_us, *slide_us, *start_us);
            let count = (w + s - 1) / s;
            for i in 0..n {
                if ts.is_null(i) {
                    continue;
                }
                let t = ts.value(i);
                // Java's `%` keeps the dividend's sign; a negative remainder moves to the previous slide.
                let rem = (t.wrapping_sub(o)) % s;
                let last_start = t - if rem < 0 { rem + s } else { rem };
                for k in 0..count {
                    let start = last_start - k * s;
                    let end = start + w;
                    if start <= t && t < end {
                        rows.push(i as u32);
                        starts.push(start);
                        ends.push(end);
                    }
                }
            }
        }
        WindowSpec::Session { gap } => {
            let g = gaps(gap, batch, ctx)?;
            for i in 0..n {
                if ts.is_null(i) || g.is_null(i) || g.value(i) <= 0 {
                    continue;
                }
                rows.push(i as u32);
                starts.push(ts.value(i));
                ends.push(ts.value(i) + g.value(i));
            }
        }
    }
    let out_rows = rows.len();
    // Tumbling windows over non-null times keep every row once, in order: the columns are reused, not copied.
    let mut cols = if out_rows == n && rows.iter().enumerate().all(|(k, &r)| r as usize == k) {
        batch.columns().to_vec()
    } else {
        let idx = UInt32Array::from(rows);
        batch.columns().iter().map(|c| Ok(arrow::compute::take(c.as_ref(), &idx, None)?)).collect::<Result<Vec<_>>>()?
    };
    cols.push(window_column(starts, ends, &time.data_type));
    make_batch(schema.clone(), cols, out_rows)
}

/// Session bounds of one key's rows, merged: rows sorted by start; a row whose start is at most the current
/// session's end joins it (the end becomes the larger end). Returns the merged (start, end) per row.
pub fn merge_row_sessions(starts: &[i64], ends: &[i64], rows: &mut [usize], out: &mut [(i64, i64)]) {
    rows.sort_by_key(|&r| (starts[r], ends[r]));
    let mut group_begin = 0;
    while group_begin < rows.len() {
        let (s, mut e) = (starts[rows[group_begin]], ends[rows[group_begin]]);
        let mut j = group_begin + 1;
        while j < rows.len() && starts[rows[j]] <= e {
            e = e.max(ends[rows[j]]);
            j += 1;
        }
        for &r in &rows[group_begin..j] {
            out[r] = (s, e);
        }
        group_begin = j;
    }
}

/// All rows, with column `session` rewritten to the merged session of the row's key (`keys`).
pub fn merge_sessions(
    batches: &[RecordBatch],
    keys: &[PhysicalExpr],
    session: usize,
    schema: &SchemaRef,
    ctx: &ExecContext,
) -> Result<Vec<RecordBatch>> {
    if batches.is_empty() {
        return Ok(vec![]);
    }
    let all = arrow::compute::concat_batches(schema, batches)?;
    let n = all.num_rows();
    let col = all.column(session).as_struct();
    let starts = col.column(0).as_primitive::<TimestampMicrosecondType>().values().to_vec();
    let ends = col.column(1).as_primitive::<TimestampMicrosecondType>().values().to_vec();
    let mut groups: HashMap<Box<[u8]>, Vec<usize>> = HashMap::new();
    if keys.is_empty() {
        groups.insert(Box::from([] as [u8; 0]), (0..n).collect());
    } else {
        let key_cols = keys.iter().map(|k| k.evaluate(&all, &ctx.eval)).collect::<Result<Vec<_>>>()?;
        let conv = RowConverter::new(keys.iter().map(|k| SortField::new(k.data_type.clone())).collect())?;
        let encoded = conv.convert_columns(&key_cols)?;
        for (i, row) in encoded.iter().enumerate() {
            groups.entry(row.as_ref().into()).or_default().push(i);
        }
    }
    let mut merged = vec![(0i64, 0i64); n];
    for rows in groups.values_mut() {
        merge_row_sessions(&starts, &ends, rows, &mut merged);
    }
    let time_type = match col.data_type() {
        DataType::Struct(f) => f[0].data_type().clone(),
        _ => unreachable!(),
    };
    let (s, e): (Vec<i64>, Vec<i64>) = merged.into_iter().unzip();
    let mut cols: Vec<ArrayRef> = all.columns().to_vec();
    cols[session] = window_column(s, e, &time_type);
    Ok(vec![make_batch(schema.clone(), cols, n)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_merge_when_the_next_start_is_within_the_current_end() {
        let starts = [0, 5, 30, 12];
        let ends = [10, 15, 40, 22];
        let mut rows = vec![0, 1, 2, 3];
        let mut out = vec![(0, 0); 4];
        merge_row_sessions(&starts, &ends, &mut rows, &mut out);
        assert_eq!(out, vec![(0, 22), (0, 22), (30, 40), (0, 22)]);
    }
}
