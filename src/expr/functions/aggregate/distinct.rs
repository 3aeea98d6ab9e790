//! Per-group sets of argument rows: `DISTINCT` for any aggregate (dedupe, then fold the distinct rows into the
//! plain accumulator at the end) and `collect_set`. Rows are kept in Arrow's row format in first-seen order; the
//! state is one list per argument holding each group's distinct rows, so merging stays exact.
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float32Array, Float64Array, ListArray};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field};
use arrow::row::{RowConverter, Rows, SortField};

use super::xxhash64::{normalize_f32, normalize_f64, xxhash64_bytes};
use super::{downcast, is_valid, CreateFn};
use crate::error::Result;
use crate::expr::functions::{GroupsAccumulator, Signature};
use crate::types::array_type;

const END: u32 = u32::MAX;

/// The state types of `f(DISTINCT args)`: one `array<arg>` per argument.
pub fn distinct_state_types(sig: &Signature) -> Vec<DataType> {
    sig.arg_types.iter().map(|t| array_type(t.clone(), false)).collect()
}

/// Distinct rows per group, in the order first seen.
pub(super) struct DistinctStore {
    types: Vec<DataType>,
    converter: RowConverter,
    rows: Rows,
    groups: Vec<u32>,
    /// Hash of (group, row bytes) → newest entry with that hash; `next` chains older entries with the same hash.
    index: HashMap<u64, u32>,
    next: Vec<u32>,
    /// Occurrences of each entry (for `mode`).
    counts: Vec<i64>,
    groups_seen: usize,
}

impl DistinctStore {
    pub fn new(types: Vec<DataType>) -> Result<Self> {
        let converter = RowConverter::new(types.iter().map(|t| SortField::new(t.clone())).collect())?;
        let rows = converter.empty_rows(0, 0);
        Ok(DistinctStore {
            types,
            converter,
            rows,
            groups: Vec::new(),
            index: HashMap::new(),
            next: Vec::new(),
            counts: Vec::new(),
            groups_seen: 0,
        })
    }

    pub fn groups_seen(&self) -> usize {
        self.groups_seen
    }

    /// Add the rows of `cols` whose arguments are all non-null (Spark's DISTINCT and collect_set skip nulls).
    pub fn add(&mut self, cols: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.add_weighted(cols, group_indices, total_groups, None)
    }

    /// `add`, counting each row `weights[i]` times (1 without weights).
    pub fn add_weighted(
        &mut self,
        cols: &[ArrayRef],
        group_indices: &[usize],
        total_groups: usize,
        weights: Option<&[i64]>,
    ) -> Result<()> {
        self.groups_seen = self.groups_seen.max(total_groups);
        if group_indices.is_empty() || self.types.is_empty() {
            return Ok(());
        }
        let cols: Vec<ArrayRef> = cols[..self.types.len()].iter().map(normalize_floats).collect::<Result<_>>()?;
        let mut mask: Option<NullBuffer> = None;
        for c in &cols {
            mask = NullBuffer::union(mask.as_ref(), c.logical_nulls().as_ref());
        }
        let batch = self.converter.convert_columns(&cols)?;
        for (i, &g) in group_indices.iter().enumerate() {
            if !is_valid(mask.as_ref(), i) {
                continue;
            }
            let row = batch.row(i);
            let bytes = row.data();
            let h = xxhash64_bytes(bytes, g as u64);
            let head = self.index.get(&h).copied().unwrap_or(END);
            let w = weights.map(|w| w[i]).unwrap_or(1);
            let mut e = head;
            let mut found = false;
            while e != END {
                if self.groups[e as usize] as usize == g && self.rows.row(e as usize).data() == bytes {
                    found = true;
                    self.counts[e as usize] += w;
                    break;
                }
                e = self.next[e as usize];
            }
            if !found {
                self.counts.push(w);
                let id = self.groups.len() as u32;
                self.rows.push(row);
                self.groups.push(g as u32);
                self.next.push(head);
                self.index.insert(h, id);
            }
        }
        Ok(())
    }

    /// Every distinct row (one array per argument) with its group, in insertion order.
    pub fn rows(&self) -> Result<(Vec<ArrayRef>, Vec<usize>)> {
        let cols = self.converter.convert_rows(self.rows.iter())?;
        Ok((cols, self.groups.iter().map(|g| *g as usize).collect()))
    }

    /// Occurrence counts, parallel to `rows()`.
    pub fn counts(&self) -> &[i64] {
        &self.counts
    }

    /// The occurrence counts as one list per group, parallel to `lists()`.
    pub fn count_lists(&self) -> Result<ArrayRef> {
        let (order, offsets) = self.group_order();
        let counts: Vec<i64> = order.iter().map(|e| self.counts[*e]).collect();
        let field = Arc::new(Field::new("element", DataType::Int64, false));
        Ok(Arc::new(ListArray::try_new(field, offsets, Arc::new(arrow::array::Int64Array::from(counts)), None)?))
    }

    /// Entry indices grouped by group (first-seen order inside a group), with list offsets.
    fn group_order(&self) -> (Vec<usize>, OffsetBuffer<i32>) {
        let n = self.groups_seen;
        let mut counts = vec![0usize; n + 1];
        for g in &self.groups {
            counts[*g as usize + 1] += 1;
        }
        for i in 1..=n {
            counts[i] += counts[i - 1];
        }
        let offsets: Vec<i32> = counts.iter().map(|c| *c as i32).collect();
        let mut cursor = counts;
        let mut order = vec![0usize; self.groups.len()];
        for (e, g) in self.groups.iter().enumerate() {
            order[cursor[*g as usize]] = e;
            cursor[*g as usize] += 1;
        }
        (order, OffsetBuffer::new(offsets.into()))
    }

    /// One list array per argument: row `g` holds group `g`'s distinct values in first-seen order.
    pub fn lists(&self) -> Result<Vec<ArrayRef>> {
        let (order, offsets) = self.group_order();
        let cols = self.converter.convert_rows(order.iter().map(|e| self.rows.row(*e)))?;
        cols.into_iter()
            .zip(&self.types)
            .map(|(values, t)| {
                let field = Arc::new(Field::new("element", t.clone(), false));
                Ok(Arc::new(ListArray::try_new(field, offsets.clone(), values, None)?) as ArrayRef)
            })
            .collect()
    }

    /// Add list-state rows (as produced by `lists`): row `i` of every list merges into `group_indices[i]`.
    pub fn add_lists(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.groups_seen = self.groups_seen.max(total_groups);
        if group_indices.is_empty() || states.is_empty() {
            return Ok(());
        }
        let first = downcast::<ListArray>(states[0].as_ref())?;
        let offs = first.value_offsets();
        let (start, end) = (offs[0] as usize, offs[offs.len() - 1] as usize);
        let mut groups = Vec::with_capacity(end - start);
        for (i, &g) in group_indices.iter().enumerate() {
            if first.is_valid(i) {
                groups.extend(std::iter::repeat_n(g, (offs[i + 1] - offs[i]) as usize));
            } else {
                // A null list contributes nothing, but its slot in the flattened values must not be counted.
                groups.extend(std::iter::repeat_n(usize::MAX, (offs[i + 1] - offs[i]) as usize));
            }
        }
        let values: Vec<ArrayRef> =
            states.iter().map(|s| s.as_list::<i32>().values().slice(start, end - start)).collect();
        if groups.contains(&usize::MAX) {
            let keep: arrow::array::BooleanArray = groups.iter().map(|g| Some(*g != usize::MAX)).collect();
            let values: Vec<ArrayRef> =
                values.iter().map(|v| arrow::compute::filter(v, &keep)).collect::<std::result::Result<_, _>>()?;
            groups.retain(|g| *g != usize::MAX);
            return self.add(&values, &groups, total_groups);
        }
        self.add(&values, &groups, total_groups)
    }
}

/// Spark groups -0.0 with 0.0 and every NaN together; Arrow's row format would keep them apart.
fn normalize_floats(a: &ArrayRef) -> Result<ArrayRef> {
    Ok(match a.data_type() {
        DataType::Float64 => {
            let f = downcast::<Float64Array>(a.as_ref())?;
            Arc::new(f.unary::<_, arrow::datatypes::Float64Type>(normalize_f64))
        }
        DataType::Float32 => {
            let f = downcast::<Float32Array>(a.as_ref())?;
            Arc::new(f.unary::<_, arrow::datatypes::Float32Type>(normalize_f32))
        }
        _ => a.clone(),
    })
}

/// `f(DISTINCT args)`: dedupe per group, fold the distinct rows into a fresh plain accumulator when evaluating.
pub(super) struct DistinctAccumulator {
    sig: Signature,
    create: CreateFn,
    store: DistinctStore,
}

impl DistinctAccumulator {
    pub fn new(sig: Signature, create: CreateFn) -> Result<Self> {
        let store = DistinctStore::new(sig.arg_types.clone())?;
        Ok(DistinctAccumulator { sig, create, store })
    }
}

impl GroupsAccumulator for DistinctAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.store.add(values, group_indices, total_groups)
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        self.store.lists()
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.store.add_lists(states, group_indices, total_groups)
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        let mut inner = (self.create)(&self.sig)?;
        let (cols, groups) = self.store.rows()?;
        inner.update_batch(&cols, &groups, self.store.groups_seen())?;
        inner.evaluate()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, AsArray, Float64Array, Int32Array};
    use arrow::datatypes::{DataType, Int32Type};

    use super::*;

    #[test]
    fn keeps_first_seen_order_and_merges_lists() {
        let mut s = DistinctStore::new(vec![DataType::Int32]).unwrap();
        let a: ArrayRef = Arc::new(Int32Array::from(vec![Some(3), Some(1), None, Some(3), Some(2), Some(1)]));
        s.add(&[a], &[0, 0, 0, 0, 1, 1], 2).unwrap();
        let lists = s.lists().unwrap();
        let l = lists[0].as_list::<i32>();
        assert_eq!(l.value(0).as_primitive::<Int32Type>().values().to_vec(), vec![3, 1]);
        assert_eq!(l.value(1).as_primitive::<Int32Type>().values().to_vec(), vec![2, 1]);
        let mut m = DistinctStore::new(vec![DataType::Int32]).unwrap();
        m.add_lists(&lists, &[1, 0], 2).unwrap();
        m.add_lists(&lists, &[0, 1], 2).unwrap();
        let out = m.lists().unwrap();
        let l = out[0].as_list::<i32>();
        assert_eq!(l.value(0).as_primitive::<Int32Type>().values().to_vec(), vec![2, 1, 3]);
        assert_eq!(l.value(1).as_primitive::<Int32Type>().values().to_vec(), vec![3, 1, 2]);
    }

    #[test]
    fn zeros_and_nans_collapse() {
        // PySpark: count(DISTINCT x) over 0.0, -0.0, NaN, NaN → 2.
        let mut s = DistinctStore::new(vec![DataType::Float64]).unwrap();
        let a: ArrayRef = Arc::new(Float64Array::from(vec![0.0, -0.0, f64::NAN, -f64::NAN]));
        s.add(&[a], &[0, 0, 0, 0], 1).unwrap();
        assert_eq!(s.rows().unwrap().1.len(), 2);
    }
}
