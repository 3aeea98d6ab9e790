//! Running window functions: per call, the rows are sorted once by (partition keys, order keys); partitions and
//! peer groups (rows equal on the order keys) are found with Arrow's `partition` kernel on the sorted keys; each
//! function is computed in sorted order with typed loops or Arrow kernels and put back in input order.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Float64Array, Int32Array, RecordBatch, UInt32Array, UInt32Builder};
use arrow::compute::kernels::partition::partition;
use arrow::compute::{concat_batches, lexsort_to_indices, take, SortColumn, SortOptions};
use arrow::datatypes::{DataType, SchemaRef};

use crate::context::ExecContext;
use crate::error::{EmberError, Result};
use crate::expr::expr::{FrameBound, WindowFrame};
use crate::plan::window::{WindowCall, WindowFunction};
use crate::types::batch::make_batch;

/// Where each sorted row's partition and peer group start and end (end exclusive), in sorted positions.
struct Layout {
    part_start: Vec<usize>,
    part_end: Vec<usize>,
    peer_start: Vec<usize>,
    peer_end: Vec<usize>,
    /// The peer groups, in order, as (start, end).
    peers: Vec<(usize, usize)>,
}

fn ranges_of(columns: &[ArrayRef], n: usize) -> Result<Vec<(usize, usize)>> {
    if columns.is_empty() {
        return Ok(if n == 0 { vec![] } else { vec![(0, n)] });
    }
    Ok(partition(columns)?.ranges().into_iter().map(|r| (r.start, r.end)).collect())
}

fn layout(part_keys: &[ArrayRef], all_keys: &[ArrayRef], n: usize) -> Result<Layout> {
    let mut l = Layout {
        part_start: vec![0; n],
        part_end: vec![0; n],
        peer_start: vec![0; n],
        peer_end: vec![0; n],
        peers: ranges_of(all_keys, n)?,
    };
    for (s, e) in ranges_of(part_keys, n)? {
        l.part_start[s..e].fill(s);
        l.part_end[s..e].fill(e);
    }
    for &(s, e) in &l.peers {
        l.peer_start[s..e].fill(s);
        l.peer_end[s..e].fill(e);
    }
    Ok(l)
}

/// Frame bounds (start, end exclusive) of sorted row `i`.
fn frame_of(frame: &WindowFrame, l: &Layout, order: Option<&Float64Array>, i: usize) -> (usize, usize) {
    let (ps, pe) = (l.part_start[i], l.part_end[i]);
    let clamp = |x: i64| x.clamp(ps as i64, pe as i64) as usize;
    let start = match frame.start {
        FrameBound::UnboundedPreceding => ps,
        FrameBound::UnboundedFollowing => pe,
        FrameBound::Offset(k) if frame.rows => clamp(i as i64 + k),
        FrameBound::Offset(0) => l.peer_start[i],
        FrameBound::Offset(k) => range_bound(order, l, i, k, true),
    };
    let end = match frame.end {
        FrameBound::UnboundedPreceding => ps,
        FrameBound::UnboundedFollowing => pe,
        FrameBound::Offset(k) if frame.rows => clamp(i as i64 + k + 1),
        FrameBound::Offset(0) => l.peer_end[i],
        FrameBound::Offset(k) => range_bound(order, l, i, k, false),
    };
    (start, end.max(start))
}

/// A RANGE bound at value offset `k` from row `i`'s ordering value: the first row whose value is at least
/// `v + k` (start) or the row after the last whose value is at most `v + k` (end). Values are kept in ascending
/// order by negating a descending key; null keys form their own peer group.
fn range_bound(order: Option<&Float64Array>, l: &Layout, i: usize, k: i64, start: bool) -> usize {
    let order = order.expect("a range frame with offsets has one numeric ordering");
    if order.is_null(i) {
        return if start { l.peer_start[i] } else { l.peer_end[i] };
    }
    let (ps, pe) = (l.part_start[i], l.part_end[i]);
    let target = order.value(i) + k as f64;
    let mut lo = ps;
    let mut hi = pe;
    // Null keys sit at one end of the partition; binary search only the non-null run.
    while lo < hi && order.is_null(lo) {
        lo += 1;
    }
    while hi > lo && order.is_null(hi - 1) {
        hi -= 1;
    }
    let values = &order.values()[lo..hi];
    lo + if start { values.partition_point(|v| *v < target) } else { values.partition_point(|v| *v <= target) }
}

/// Ordering values as ascending doubles (negated for a descending key), for RANGE frames with offsets.
fn range_order(call: &WindowCall, sorted_order: &[ArrayRef]) -> Result<Option<Float64Array>> {
    let offsets = [call.frame.start, call.frame.end].iter().any(|b| matches!(b, FrameBound::Offset(k) if *k != 0));
    if call.frame.rows || !offsets {
        return Ok(None);
    }
    let key = &sorted_order[0];
    let as_f64 = match key.data_type() {
        DataType::Timestamp(_, _) | DataType::Date32 => arrow::compute::cast(&arrow::compute::cast(key, &DataType::Int64)?, &DataType::Float64)?,
        t if t.is_numeric() => arrow::compute::cast(key, &DataType::Float64)?,
        other => {
            return Err(EmberError::analysis_class(
                "DATATYPE_MISMATCH.SPECIFIED_WINDOW_FRAME_UNACCEPTED_TYPE",
                format!("Cannot resolve the range frame: the ordering expression's type \"{}\" does not support value boundaries. SQLSTATE: 42K09", crate::types::simple_string(other).to_uppercase()),
            ))
        }
    };
    let f = arrow::array::as_primitive_array::<arrow::datatypes::Float64Type>(&as_f64).clone();
    Ok(Some(if call.order_by[0].ascending {
        f
    } else {
        arrow::compute::kernels::numeric::neg(&f)
            .map(|a| arrow::array::as_primitive_array::<arrow::datatypes::Float64Type>(&a).clone())?
    }))
}

/// One call's values, in sorted order.
fn compute(
    call: &WindowCall,
    sorted: &RecordBatch,
    l: &Layout,
    sorted_order: &[ArrayRef],
    ctx: &ExecContext,
) -> Result<ArrayRef> {
    let n = sorted.num_rows();
    Ok(match &call.function {
        WindowFunction::RowNumber => {
            Arc::new(Int32Array::from_iter_values((0..n).map(|i| (i - l.part_start[i] + 1) as i32)))
        }
        WindowFunction::Rank => {
            Arc::new(Int32Array::from_iter_values((0..n).map(|i| (l.peer_start[i] - l.part_start[i] + 1) as i32)))
        }
        WindowFunction::DenseRank => {
            let mut out = Vec::with_capacity(n);
            let mut rank = 0i32;
            for &(s, e) in &l.peers {
                rank = if s == l.part_start[s] { 1 } else { rank + 1 };
                out.extend(std::iter::repeat_n(rank, e - s));
            }
            Arc::new(Int32Array::from(out))
        }
        WindowFunction::PercentRank => Arc::new(Float64Array::from_iter_values((0..n).map(|i| {
            let size = l.part_end[i] - l.part_start[i];
            if size <= 1 {
                0.0
            } else {
                (l.peer_start[i] - l.part_start[i]) as f64 / (size - 1) as f64
            }
        }))),
        WindowFunction::CumeDist => Arc::new(Float64Array::from_iter_values(
            (0..n).map(|i| (l.peer_end[i] - l.part_start[i]) as f64 / (l.part_end[i] - l.part_start[i]) as f64),
        )),
        WindowFunction::Ntile(k) => {
            let k = *k as usize;
            Arc::new(Int32Array::from_iter_values((0..n).map(|i| {
                let (pos, size) = (i - l.part_start[i], l.part_end[i] - l.part_start[i]);
                let (q, r) = (size / k, size % k);
                let bucket = if pos < r * (q + 1) { pos / (q + 1) } else { r + (pos - r * (q + 1)) / q.max(1) };
                bucket as i32 + 1
            })))
        }
        WindowFunction::Offset { value, offset, default } => {
            let values = value.evaluate(sorted, &ctx.eval)?;
            let mut idx = UInt32Builder::with_capacity(n);
            let mut inside = Vec::with_capacity(n);
            for i in 0..n {
                let t = i as i64 - offset;
                let ok = t >= l.part_start[i] as i64 && t < l.part_end[i] as i64;
                inside.push(ok);
                if ok {
                    idx.append_value(t as u32)
                } else {
                    idx.append_null()
                }
            }
            let taken = take(values.as_ref(), &idx.finish(), None)?;
            match default {
                Some(d) => {
                    let d = d.evaluate(sorted, &ctx.eval)?;
                    arrow::compute::kernels::zip::zip(&BooleanArray::from(inside), &taken, &d)?
                }
                None => taken,
            }
        }
        WindowFunction::NthValue { value, n: nth, ignore_nulls } => {
            let values = value.evaluate(sorted, &ctx.eval)?;
            let order = range_order(call, sorted_order)?;
            let mut idx = UInt32Builder::with_capacity(n);
            for i in 0..n {
                let (s, e) = frame_of(&call.frame, l, order.as_ref(), i);
                let pick = if *ignore_nulls {
                    (s..e).filter(|&j| values.is_valid(j)).nth(*nth as usize - 1)
                } else {
                    Some(s + *nth as usize - 1).filter(|&j| j < e)
                };
                match pick {
                    Some(j) => idx.append_value(j as u32),
                    None => idx.append_null(),
                }
            }
            take(values.as_ref(), &idx.finish(), None)?
        }
        WindowFunction::Aggregate(agg) => {
            let args = agg.args.iter().map(|a| a.evaluate(sorted, &ctx.eval)).collect::<Result<Vec<_>>>()?;
            let order = range_order(call, sorted_order)?;
            let whole = matches!(call.frame.start, FrameBound::UnboundedPreceding)
                && matches!(call.frame.end, FrameBound::UnboundedFollowing);
            let mut acc = agg.func.create_accumulator(&agg.signature, agg.distinct)?;
            if whole {
                // One group per partition, computed once and repeated for its rows.
                let mut groups = Vec::with_capacity(n);
                let mut part = 0usize;
                for i in 0..n {
                    if i > 0 && l.part_start[i] != l.part_start[i - 1] {
                        part += 1;
                    }
                    groups.push(part);
                }
                let parts = if n == 0 { 0 } else { part + 1 };
                acc.update_batch(&args, &groups, parts)?;
                let per_part = acc.evaluate()?;
                take(per_part.as_ref(), &UInt32Array::from_iter_values(groups.iter().map(|&g| g as u32)), None)?
            } else {
                // Each row's frame is its own group: the frame's rows are gathered under the row's index. Frames that
                // grow with the row (running totals) cost the sum of their sizes.
                let mut rows = UInt32Builder::new();
                let mut groups = Vec::new();
                for i in 0..n {
                    let (s, e) = frame_of(&call.frame, l, order.as_ref(), i);
                    rows.append_slice(&(s as u32..e as u32).collect::<Vec<_>>());
                    groups.extend(std::iter::repeat_n(i, e - s));
                }
                let rows = rows.finish();
                let gathered = args.iter().map(|a| Ok(take(a.as_ref(), &rows, None)?)).collect::<Result<Vec<_>>>()?;
                acc.update_batch(&gathered, &groups, n)?;
                acc.evaluate()?
            }
        }
    })
}

/// All input rows (one batch, input order) with one column per call appended.
pub fn window(
    batches: &[RecordBatch],
    input_schema: &SchemaRef,
    calls: &[WindowCall],
    schema: &SchemaRef,
    ctx: &ExecContext,
) -> Result<Vec<RecordBatch>> {
    let all = concat_batches(input_schema, batches)?;
    let n = all.num_rows();
    let mut columns = all.columns().to_vec();
    for call in calls {
        let part = call.partition_by.iter().map(|e| e.evaluate(&all, &ctx.eval)).collect::<Result<Vec<_>>>()?;
        let order = call.order_by.iter().map(|k| k.expr.evaluate(&all, &ctx.eval)).collect::<Result<Vec<_>>>()?;
        let mut sort_columns: Vec<SortColumn> = part
            .iter()
            .map(|c| SortColumn {
                values: c.clone(),
                options: Some(SortOptions { descending: false, nulls_first: true }),
            })
            .collect();
        sort_columns.extend(call.order_by.iter().zip(&order).map(|(k, c)| SortColumn {
            values: c.clone(),
            options: Some(SortOptions { descending: !k.ascending, nulls_first: k.nulls_first }),
        }));
        let perm = if sort_columns.is_empty() || n == 0 {
            UInt32Array::from_iter_values(0..n as u32)
        } else {
            lexsort_to_indices(&sort_columns, None)?
        };
        let sorted_cols =
            all.columns().iter().map(|c| Ok(take(c.as_ref(), &perm, None)?)).collect::<Result<Vec<_>>>()?;
        let sorted = RecordBatch::try_new(all.schema(), sorted_cols)?;
        let sorted_part = part.iter().map(|c| Ok(take(c.as_ref(), &perm, None)?)).collect::<Result<Vec<ArrayRef>>>()?;
        let sorted_order =
            order.iter().map(|c| Ok(take(c.as_ref(), &perm, None)?)).collect::<Result<Vec<ArrayRef>>>()?;
        let keys: Vec<ArrayRef> = sorted_part.iter().chain(&sorted_order).cloned().collect();
        let l = layout(&sorted_part, &keys, n)?;
        let values = compute(call, &sorted, &l, &sorted_order, ctx)?;
        // Back to input order: row perm[j] of the input is sorted row j.
        let mut inverse = vec![0u32; n];
        for (j, &p) in perm.values().iter().enumerate() {
            inverse[p as usize] = j as u32;
        }
        let values = take(values.as_ref(), &UInt32Array::from(inverse), None)?;
        let field = &schema.fields()[columns.len()];
        columns.push(if values.data_type() == field.data_type() {
            values
        } else {
            arrow::compute::cast(&values, field.data_type())?
        });
    }
    Ok(vec![make_batch(schema.clone(), columns, n)?])
}
