//! Hash aggregation: group keys encoded with Arrow's row format, dense group indices, vectorized accumulators.
//! Input chunks are aggregated in parallel, then their partial states are merged in chunk order (so `first`
//! keeps the earliest row).
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::Schema;
use arrow::row::{RowConverter, Rows, SortField};
use rayon::prelude::*;

use crate::context::ExecContext;
use crate::error::Result;
use crate::exec::hashing::FxHasher;
use crate::exec::key_ids::key_ids;
use crate::exec::string_slots::{self, StringSlots};
use crate::expr::functions::GroupsAccumulator;
use crate::expr::PhysicalExpr;
use crate::plan::AggregateCall;
use crate::types::batch::make_batch;

/// Group key bytes → dense group index.
pub type GroupMap = HashMap<Box<[u8]>, usize, BuildHasherDefault<FxHasher>>;

/// Groups and their accumulators; the state a streaming aggregation keeps between micro-batches.
pub struct GroupedState {
    converter: Option<RowConverter>,
    map: GroupMap,
    /// Encoded keys in group-index order.
    keys: Vec<Box<[u8]>>,
    pub accumulators: Vec<Box<dyn GroupsAccumulator>>,
    num_groups: usize,
    /// Groups that received rows since the last `take_updated` (update output mode).
    updated: Vec<bool>,
    /// Total length of `keys` (memory estimate without walking every key).
    key_bytes: usize,
}

impl GroupedState {
    pub fn new(group_exprs: &[PhysicalExpr], aggs: &[AggregateCall]) -> Result<Self> {
        let converter = if group_exprs.is_empty() {
            None
        } else {
            Some(RowConverter::new(group_exprs.iter().map(|g| SortField::new(g.data_type.clone())).collect())?)
        };
        let accumulators =
            aggs.iter().map(|a| a.func.create_accumulator(&a.signature, a.distinct)).collect::<Result<Vec<_>>>()?;
        // A global aggregation always has its one group, even over no rows.
        let num_groups = usize::from(converter.is_none());
        Ok(GroupedState {
            converter,
            map: GroupMap::default(),
            keys: Vec::new(),
            accumulators,
            num_groups,
            updated: Vec::new(),
            key_bytes: 0,
        })
    }

    pub fn num_groups(&self) -> usize {
        self.num_groups
    }

    /// Map each row of `key_columns` to its group index, adding new groups.
    fn group_indices(&mut self, key_columns: &[ArrayRef], rows: usize) -> Result<Vec<usize>> {
        if self.converter.is_none() {
            return Ok(vec![0; rows]);
        }
        let mut out = Vec::with_capacity(rows);
        let mut from = 0;
        let single_string = match key_columns {
            [col] => col.as_string_opt::<i32>().map(|s| (col, s)),
            _ => None,
        };
        if let Some((col, strings)) = single_string {
            from = self.few_string_indices(col, strings, &mut out)?;
        } else if let Some((ids, firsts)) = key_ids(key_columns, (rows / 16).min(4096)) {
            // A few distinct keys: row-encode one row of each.
            let groups = firsts
                .iter()
                .map(|&r| {
                    let one: Vec<ArrayRef> = key_columns.iter().map(|c| c.slice(r as usize, 1)).collect();
                    let mut g = Vec::with_capacity(1);
                    self.encoded_indices(&one, &mut g)?;
                    Ok(g[0])
                })
                .collect::<Result<Vec<usize>>>()?;
            out.extend(ids.iter().map(|&id| groups[id as usize]));
            return Ok(out);
        }
        if from < rows {
            let rest: Vec<ArrayRef> = key_columns.iter().map(|c| c.slice(from, rows - from)).collect();
            self.encoded_indices(&rest, &mut out)?;
        }
        Ok(out)
    }

    /// Up to `FEW_STRINGS` distinct values of one string key column looked up by their bytes (each distinct value
    /// row-encoded once), skipping the row format for every row: a batch of a few event names is one lookup per
    /// row. A value is first looked for in a small direct-mapped table keyed by its length and first eight bytes
    /// (one probe, no hashing of the bytes, no call), then in a hash map (values whose slot was taken). Returns how
    /// many leading rows were mapped; past `FEW_STRINGS` distinct values the rest go through `encoded_indices`, so
    /// high-cardinality keys pay for the first values only.
    fn few_string_indices(
        &mut self,
        col: &ArrayRef,
        strings: &arrow::array::StringArray,
        out: &mut Vec<usize>,
    ) -> Result<usize> {
        const FEW_STRINGS: usize = 64;
        let mut slots: StringSlots<usize> = StringSlots::new();
        let mut distinct = 0;
        let mut seen: HashMap<&[u8], usize, BuildHasherDefault<FxHasher>> = HashMap::default();
        let mut null_group = None;
        let (data, offsets) = (strings.value_data(), strings.value_offsets());
        let nulls = strings.nulls().filter(|n| n.null_count() > 0);
        for i in 0..strings.len() {
            if nulls.is_some_and(|n| n.is_null(i)) {
                let g = match null_group {
                    Some(g) => g,
                    None => {
                        let g = self.encoded_index(&col.slice(i, 1))?;
                        null_group = Some(g);
                        g
                    }
                };
                out.push(g);
                continue;
            }
            let p = string_slots::probe(data, offsets[i] as usize, offsets[i + 1] as usize);
            if let Some(g) = slots.get(&p) {
                out.push(g);
                continue;
            }
            let g = match seen.get(p.value) {
                Some(&g) => g,
                None if distinct >= FEW_STRINGS => return Ok(i),
                None => {
                    let g = self.encoded_index(&col.slice(i, 1))?;
                    distinct += 1;
                    if !slots.insert(&p, g) {
                        seen.insert(p.value, g);
                    }
                    g
                }
            };
            out.push(g);
        }
        Ok(strings.len())
    }

    /// The group of a one-row key column, added if new.
    fn encoded_index(&mut self, one_row: &ArrayRef) -> Result<usize> {
        let mut out = Vec::with_capacity(1);
        self.encoded_indices(std::slice::from_ref(one_row), &mut out)?;
        Ok(out[0])
    }

    /// Each row's group by its row-format encoding, appended to `out`.
    fn encoded_indices(&mut self, key_columns: &[ArrayRef], out: &mut Vec<usize>) -> Result<()> {
        let Some(conv) = &self.converter else { return Ok(()) };
        let encoded: Rows = conv.convert_columns(key_columns)?;
        for row in encoded.iter() {
            let bytes = row.as_ref();
            let idx = match self.map.get(bytes) {
                Some(&i) => i,
                None => {
                    let i = self.num_groups;
                    let key: Box<[u8]> = bytes.into();
                    self.key_bytes += key.len();
                    self.keys.push(key.clone());
                    self.map.insert(key, i);
                    self.num_groups += 1;
                    i
                }
            };
            out.push(idx);
        }
        Ok(())
    }

    /// Fold one input batch in.
    pub fn update(
        &mut self,
        batch: &RecordBatch,
        group_exprs: &[PhysicalExpr],
        aggs: &[AggregateCall],
        ctx: &ExecContext,
    ) -> Result<()> {
        let keys = group_exprs.iter().map(|g| g.evaluate(batch, &ctx.eval)).collect::<Result<Vec<_>>>()?;
        let idx = self.group_indices(&keys, batch.num_rows())?;
        self.updated.resize(self.num_groups, false);
        for &g in &idx {
            self.updated[g] = true;
        }
        for (acc, call) in self.accumulators.iter_mut().zip(aggs) {
            let args = call.args.iter().map(|a| a.evaluate(batch, &ctx.eval)).collect::<Result<Vec<_>>>()?;
            acc.update_batch(&args, &idx, self.num_groups)?;
        }
        Ok(())
    }

    /// Merge another state's groups into this one (in that state's group order); they count as updated.
    pub fn merge(&mut self, mut other: GroupedState) -> Result<()> {
        let key_cols = other.key_columns()?;
        let idx = self.group_indices(&key_cols, other.num_groups)?;
        self.updated.resize(self.num_groups, false);
        for &g in &idx {
            self.updated[g] = true;
        }
        for (mine, theirs) in self.accumulators.iter_mut().zip(other.accumulators.iter_mut()) {
            let states = theirs.state()?;
            mine.merge_batch(&states, &idx, self.num_groups)?;
        }
        Ok(())
    }

    /// Indices of the groups updated since the last call, in group order; clears the marks.
    pub fn take_updated(&mut self) -> Vec<u32> {
        let out = (0..self.updated.len()).filter(|&g| self.updated[g]).map(|g| g as u32).collect();
        self.updated.clear();
        out
    }

    /// Grouping values, one array per grouping expression, in group-index order.
    pub fn key_columns(&self) -> Result<Vec<ArrayRef>> {
        let Some(conv) = &self.converter else { return Ok(vec![]) };
        let parser = conv.parser();
        let rows = self.keys.iter().map(|k| parser.parse(k));
        Ok(conv.convert_rows(rows)?)
    }

    /// Grouping values of the groups `rows` only (in that order): the cost is in the rows asked for, not the state.
    pub fn key_columns_of(&self, rows: &[u32]) -> Result<Vec<ArrayRef>> {
        let Some(conv) = &self.converter else { return Ok(vec![]) };
        let parser = conv.parser();
        Ok(conv.convert_rows(rows.iter().map(|&g| parser.parse(&self.keys[g as usize])))?)
    }

    /// Move the groups marked in `remove` (one flag per group) into a new state, keeping the others here in their
    /// order. Used to drop late groups and to evict groups the watermark has passed.
    pub fn split_off(
        &mut self,
        remove: &[bool],
        group_exprs: &[PhysicalExpr],
        aggs: &[AggregateCall],
    ) -> Result<GroupedState> {
        if !remove.iter().any(|&r| r) {
            return GroupedState::new(group_exprs, aggs);
        }
        let target: Vec<usize> = remove.iter().map(|&r| usize::from(r)).collect();
        let mut parts = self.split_into(&target, 2, group_exprs, aggs)?;
        let removed = parts.pop().unwrap();
        *self = parts.pop().unwrap();
        Ok(removed)
    }

    /// Distribute the groups over `n` new states (`target[g]` for group g), keeping their order and update marks.
    pub fn split_into(
        &mut self,
        target: &[usize],
        n: usize,
        group_exprs: &[PhysicalExpr],
        aggs: &[AggregateCall],
    ) -> Result<Vec<GroupedState>> {
        let keys = self.key_columns()?;
        let states = self.accumulators.iter_mut().map(|a| a.state()).collect::<Result<Vec<_>>>()?;
        let mut rows: Vec<Vec<u32>> = vec![Vec::new(); n];
        for g in 0..self.num_groups {
            rows[target[g]].push(g as u32);
        }
        let mut out = Vec::with_capacity(n);
        for rows in rows {
            let mut part = GroupedState::new(group_exprs, aggs)?;
            if !rows.is_empty() {
                let idx = arrow::array::UInt32Array::from(rows.clone());
                let take = |cols: &[ArrayRef]| -> Result<Vec<ArrayRef>> {
                    cols.iter().map(|c| Ok(arrow::compute::take(c.as_ref(), &idx, None)?)).collect()
                };
                let groups = part.group_indices(&take(&keys)?, rows.len())?;
                for (acc, st) in part.accumulators.iter_mut().zip(&states) {
                    acc.merge_batch(&take(st)?, &groups, part.num_groups)?;
                }
                part.updated = rows.iter().map(|&g| self.updated.get(g as usize).copied().unwrap_or(false)).collect();
            }
            out.push(part);
        }
        Ok(out)
    }

    /// Each accumulator's intermediate state arrays (one row per group).
    pub fn state_arrays(&mut self) -> Result<Vec<Vec<ArrayRef>>> {
        self.accumulators.iter_mut().map(|a| a.state()).collect()
    }

    /// Merge groups given as key columns and accumulator state arrays (as from `key_columns`/`state_arrays`).
    pub fn merge_arrays(&mut self, keys: &[ArrayRef], states: &[Vec<ArrayRef>], rows: usize) -> Result<()> {
        let idx = self.group_indices(keys, rows)?;
        self.updated.resize(self.num_groups, false);
        for (acc, st) in self.accumulators.iter_mut().zip(states) {
            acc.merge_batch(st, &idx, self.num_groups)?;
        }
        Ok(())
    }

    /// The groups as one Arrow batch (checkpoints): `k<i>` key columns, then `a<j>_<i>` state arrays of
    /// accumulator j, and a `_group` column so a state with no key columns keeps its row count.
    pub fn to_batch(&mut self) -> Result<RecordBatch> {
        self.batch_of(None)
    }

    /// `to_batch` restricted to the groups `rows` (state store change files).
    pub fn rows_batch(&mut self, rows: &[u32]) -> Result<RecordBatch> {
        self.batch_of(Some(rows))
    }

    fn batch_of(&mut self, rows: Option<&[u32]>) -> Result<RecordBatch> {
        use arrow::datatypes::Field;
        let idx = rows.map(|r| arrow::array::UInt32Array::from(r.to_vec()));
        let pick = |a: ArrayRef| -> Result<ArrayRef> {
            match &idx {
                Some(i) => Ok(arrow::compute::take(a.as_ref(), i, None)?),
                None => Ok(a),
            }
        };
        let keys = match rows {
            Some(rows) => self.key_columns_of(rows)?,
            None => self.key_columns()?,
        };
        let mut fields = Vec::new();
        let mut cols: Vec<ArrayRef> = Vec::new();
        for (i, k) in keys.into_iter().enumerate() {
            fields.push(Field::new(format!("k{i}"), k.data_type().clone(), true));
            cols.push(k);
        }
        for (j, states) in self.state_arrays()?.into_iter().enumerate() {
            for (i, a) in states.into_iter().enumerate() {
                fields.push(Field::new(format!("a{j}_{i}"), a.data_type().clone(), true));
                cols.push(pick(a)?);
            }
        }
        fields.push(Field::new("_group", arrow::datatypes::DataType::UInt32, false));
        cols.push(pick(Arc::new(arrow::array::UInt32Array::from_iter_values(0..self.num_groups as u32)))?);
        let n = rows.map_or(self.num_groups, |r| r.len());
        Ok(RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            cols,
            &arrow::array::RecordBatchOptions::new().with_row_count(Some(n)),
        )?)
    }

    /// A state rebuilt from `to_batch`'s output.
    pub fn from_batch(
        group_exprs: &[PhysicalExpr],
        aggs: &[AggregateCall],
        batch: &RecordBatch,
    ) -> Result<GroupedState> {
        let mut st = GroupedState::new(group_exprs, aggs)?;
        let schema = batch.schema();
        let keys: Vec<ArrayRef> = (0..group_exprs.len()).map(|i| batch.column(i).clone()).collect();
        let mut states: Vec<Vec<ArrayRef>> = vec![Vec::new(); aggs.len()];
        for (f, c) in schema.fields().iter().zip(batch.columns()) {
            if let Some((j, _)) = f.name().strip_prefix('a').and_then(|r| r.split_once('_')) {
                if let Ok(j) = j.parse::<usize>() {
                    states[j].push(c.clone());
                }
            }
        }
        if batch.num_rows() > 0 || group_exprs.is_empty() {
            st.merge_arrays(&keys, &states, batch.num_rows())?;
        }
        st.updated.clear();
        Ok(st)
    }

    /// Encoded key bytes of each group (partitioning by key hash).
    pub fn encoded_keys(&self) -> &[Box<[u8]>] {
        &self.keys
    }

    /// Approximate bytes held: encoded keys plus a fixed allowance per group for accumulator values.
    pub fn memory_estimate(&self) -> usize {
        self.key_bytes + self.keys.len() * 48 + self.num_groups * 16 * self.accumulators.len().max(1)
    }

    /// `finish` for the groups `rows` only (update output mode): keys decoded for those groups alone.
    pub fn finish_rows(&mut self, rows: &[u32]) -> Result<Vec<ArrayRef>> {
        if self.converter.is_none() {
            // As in `finish`: the one group of a global aggregation exists even over no rows.
            for acc in self.accumulators.iter_mut() {
                acc.update_batch(&[], &[], 1)?;
            }
        }
        let idx = arrow::array::UInt32Array::from(rows.to_vec());
        let mut cols = self.key_columns_of(rows)?;
        for acc in self.accumulators.iter_mut() {
            cols.push(arrow::compute::take(acc.evaluate()?.as_ref(), &idx, None)?);
        }
        Ok(cols)
    }

    /// Final output: keys then one column per aggregate.
    pub fn finish(&mut self) -> Result<Vec<ArrayRef>> {
        if self.converter.is_none() {
            // A global aggregation has its one group even when no row arrived; accumulators learn of it this way.
            for acc in self.accumulators.iter_mut() {
                acc.update_batch(&[], &[], 1)?;
            }
        }
        let mut cols = self.key_columns()?;
        for acc in self.accumulators.iter_mut() {
            cols.push(acc.evaluate()?);
        }
        Ok(cols)
    }
}

/// Aggregate `batches` by `group_exprs`.
pub fn hash_aggregate(
    batches: &[RecordBatch],
    group_exprs: &[PhysicalExpr],
    aggs: &[AggregateCall],
    schema: &Arc<Schema>,
    ctx: &ExecContext,
) -> Result<Vec<RecordBatch>> {
    let mut state = partial_aggregate(batches, group_exprs, aggs, ctx)?;
    let rows = state.num_groups();
    let cols = state.finish()?;
    Ok(vec![make_batch(schema.clone(), cols, rows)?])
}

/// Aggregate `batches` into one state: chunks in parallel, merged in chunk order.
pub fn partial_aggregate(
    batches: &[RecordBatch],
    group_exprs: &[PhysicalExpr],
    aggs: &[AggregateCall],
    ctx: &ExecContext,
) -> Result<GroupedState> {
    let parts = ctx.shuffle_partitions.max(1).min(batches.len().max(1));
    let chunk = batches.len().div_ceil(parts).max(1);
    let partials: Vec<GroupedState> = batches
        .par_chunks(chunk)
        .map(|c| {
            let mut st = GroupedState::new(group_exprs, aggs)?;
            for b in c {
                st.update(b, group_exprs, aggs, ctx)?;
            }
            Ok(st)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut iter = partials.into_iter();
    let mut state = match iter.next() {
        Some(s) => s,
        None => GroupedState::new(group_exprs, aggs)?,
    };
    for p in iter {
        state.merge(p)?;
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::DataType;

    fn strings(values: &[Option<&str>]) -> ArrayRef {
        Arc::new(arrow::array::StringArray::from(values.to_vec()))
    }

    #[test]
    fn string_keys_get_the_same_groups_by_bytes_as_by_row_format() {
        let key = PhysicalExpr::column(0, DataType::Utf8, true);
        // A few values with nulls, then more distinct values than the by-bytes lookup takes (the rest by row format).
        let mut values: Vec<Option<String>> = ["b", "a", "b"].iter().map(|s| Some(s.to_string())).collect();
        values.push(None);
        values.extend((0..100).map(|i| Some(format!("k{}", i % 80))));
        values.extend([Some("a_longer_value".to_string()), Some("a_longer_valuf".to_string())]);
        values.extend([Some("a".to_string()), None]);
        let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        let col = strings(&refs);
        let mut fast = GroupedState::new(std::slice::from_ref(&key), &[]).unwrap();
        let by_bytes = fast.group_indices(&[col.clone()], col.len()).unwrap();
        let mut slow = GroupedState::new(std::slice::from_ref(&key), &[]).unwrap();
        let mut by_rows = Vec::new();
        slow.encoded_indices(&[col.clone()], &mut by_rows).unwrap();
        assert_eq!(by_bytes, by_rows);
        assert_eq!(fast.num_groups(), 2 + 1 + 80 + 2);
        assert_eq!(fast.encoded_keys(), slow.encoded_keys());
        assert_eq!(&by_bytes[..6], &[0, 1, 0, 2, 3, 4]);
        // A second batch finds the groups the first one made.
        assert_eq!(fast.group_indices(&[strings(&[Some("a"), None, Some("new")])], 3).unwrap(), vec![1, 2, 85]);
    }

    #[test]
    fn multi_column_keys_get_the_same_groups_by_ids_as_by_row_format() {
        let keys = [PhysicalExpr::column(0, DataType::Utf8, true), PhysicalExpr::column(1, DataType::Int64, true)];
        let kind = strings(&[Some("a"), Some("b"), None, Some("a"), Some("b")].repeat(20));
        let n: ArrayRef =
            Arc::new(arrow::array::Int64Array::from([Some(1), Some(1), Some(2), None, Some(1)].repeat(20)));
        let cols = [kind, n];
        let mut fast = GroupedState::new(&keys, &[]).unwrap();
        let by_ids = fast.group_indices(&cols, 100).unwrap();
        let mut slow = GroupedState::new(&keys, &[]).unwrap();
        let mut by_rows = Vec::new();
        slow.encoded_indices(&cols, &mut by_rows).unwrap();
        assert_eq!(by_ids, by_rows);
        assert_eq!(fast.encoded_keys(), slow.encoded_keys());
        assert_eq!(fast.num_groups(), 4);
    }
}
