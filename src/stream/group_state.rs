//! Arbitrary state per group (`applyInPandasWithState`, Spark's FlatMapGroupsInPandasWithStateExec). Each batch the
//! rows are grouped by key; the user function is called once per key with data, then once per key whose timeout
//! expired (no rows, `hasTimedOut`). State values are one-row Arrow batches of the state schema, kept with their
//! timeout; the function itself lives behind `GroupFunction` (Python in `python::group_function`).
//! In the state store they are kept as Spark keeps them, so its state reader sees the same rows: each key in
//! Spark's partition of its grouping values, a row of the grouping columns, `groupState` (the state as a struct)
//! and, with a timeout, `timeoutTimestamp`.
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow::array::{Array, AsArray, BooleanArray, Int64Array, RecordBatch, StructArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use arrow::row::RowConverter;

use crate::context::ExecContext;
use crate::error::{EmberError, Result};
use crate::exec::flat_map_groups;
use crate::exec::hashing::FxHasher;
use crate::plan::group_state_spec::{GroupStateSpec, GroupTimeout, NO_TIMESTAMP};
use crate::stream::metrics::OperatorMetrics;
use crate::stream::state::{Change, PartitionChanges};

struct Entry {
    state: Option<RecordBatch>,
    timeout_ms: i64,
}

pub struct GroupStateStore {
    converter: RowConverter,
    entries: HashMap<Box<[u8]>, Entry, BuildHasherDefault<FxHasher>>,
    /// What the latest batch changed (state store change files): keys whose state or timeout was set, keys removed.
    updated_keys: Vec<Box<[u8]>>,
    removed_keys: Vec<Box<[u8]>>,
    pub metrics: OperatorMetrics,
    /// State partitions: a key lives in Spark's partition of its grouping values (`state::partition`).
    partitions: usize,
}

/// The state store's value columns: the user's state as one struct (null when the key has a timeout but no
/// state) and, when the operator has a timeout, the key's timeout timestamp — Spark's `groupState` /
/// `timeoutTimestamp` (its state format 2).
pub const GROUP_STATE_COLUMN: &str = "groupState";
pub const TIMEOUT_COLUMN: &str = "timeoutTimestamp";

/// The `groupState` column's type: the user's state schema as a struct.
pub fn group_state_type(spec: &GroupStateSpec) -> DataType {
    DataType::Struct(spec.state_schema.fields().iter().map(|f| f.as_ref().clone().with_nullable(true)).collect())
}

/// Whether the operator keeps timeout timestamps (any timeout but `NoTimeout`).
pub fn stores_timeout(spec: &GroupStateSpec) -> bool {
    spec.timeout != GroupTimeout::NoTimeout
}

impl GroupStateStore {
    pub fn new(spec: &GroupStateSpec, partitions: usize) -> Result<Self> {
        let converter = flat_map_groups::key_converter(&spec.keys)?;
        Ok(GroupStateStore {
            converter,
            entries: HashMap::default(),
            updated_keys: Vec::new(),
            removed_keys: Vec::new(),
            metrics: OperatorMetrics::new("applyInPandasWithState", partitions.max(1)),
            partitions: partitions.max(1),
        })
    }

    /// The whole state as the state store keeps it, one batch per partition (rows as `rows`).
    pub fn snapshot(&self, spec: &GroupStateSpec) -> Result<Vec<RecordBatch>> {
        self.split(&Self::rows(spec, &self.converter, self.entries.iter().collect())?, spec.keys.len())
    }

    /// The latest batch's changes per partition: removed keys deleted, then updated keys upserted (rows as
    /// `rows`). Clears the record.
    pub fn changes(&mut self, spec: &GroupStateSpec) -> Result<Vec<PartitionChanges>> {
        let nkeys = spec.keys.len();
        let mut out = vec![Vec::new(); self.partitions];
        let removed = std::mem::take(&mut self.removed_keys);
        if !removed.is_empty() {
            let keys = self.key_columns(spec, &removed)?;
            for (p, b) in self.split(&keys, nkeys)?.into_iter().enumerate() {
                if b.num_rows() > 0 {
                    out[p].push((0, Change::Delete(b)));
                }
            }
        }
        let updated = std::mem::take(&mut self.updated_keys);
        let entries: Vec<(&Box<[u8]>, &Entry)> = updated.iter().filter_map(|k| self.entries.get_key_value(k)).collect();
        if !entries.is_empty() {
            let rows = Self::rows(spec, &self.converter, entries)?;
            for (p, b) in self.split(&rows, nkeys)?.into_iter().enumerate() {
                if b.num_rows() > 0 {
                    out[p].push((0, Change::Upsert(b)));
                }
            }
        }
        Ok(out)
    }

    /// `rows` (grouping columns first, `nkeys` of them) split into one batch per state partition.
    fn split(&self, rows: &RecordBatch, nkeys: usize) -> Result<Vec<RecordBatch>> {
        crate::stream::state::partition::split_by_keys(rows, &(0..nkeys).collect::<Vec<_>>(), self.partitions)
    }

    /// The grouping columns of `keys` (row-format bytes), named as the query names them.
    fn key_columns(&self, spec: &GroupStateSpec, keys: &[Box<[u8]>]) -> Result<RecordBatch> {
        let parser = self.converter.parser();
        let columns = self.converter.convert_rows(keys.iter().map(|k| parser.parse(k)))?;
        let n = keys.len();
        let fields: Vec<Field> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| Field::new(key_name(spec, i), c.data_type().clone(), true))
            .collect();
        Ok(RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            columns,
            &arrow::array::RecordBatchOptions::new().with_row_count(Some(n)),
        )?)
    }

    /// Spark's state rows: the grouping columns, `groupState` (the user's state, null when absent) and, with a
    /// timeout, `timeoutTimestamp` (ms, `NO_TIMESTAMP` when unset).
    fn rows(
        spec: &GroupStateSpec,
        converter: &RowConverter,
        entries: Vec<(&Box<[u8]>, &Entry)>,
    ) -> Result<RecordBatch> {
        let parser = converter.parser();
        let mut cols = converter.convert_rows(entries.iter().map(|(k, _)| parser.parse(k)))?;
        let mut fields: Vec<Field> =
            cols.iter().enumerate().map(|(i, c)| Field::new(key_name(spec, i), c.data_type().clone(), true)).collect();
        let null_state = flat_map_groups::null_state(spec)?;
        let rows: Vec<RecordBatch> =
            entries.iter().map(|(_, e)| e.state.clone().unwrap_or_else(|| null_state.clone())).collect();
        let states = arrow::compute::concat_batches(&spec.state_schema, &rows)?;
        let valid = NullBuffer::from(entries.iter().map(|(_, e)| e.state.is_some()).collect::<Vec<bool>>());
        let DataType::Struct(state_fields) = group_state_type(spec) else { unreachable!("a struct type") };
        let group_state = if state_fields.is_empty() {
            StructArray::new_empty_fields(entries.len(), Some(valid))
        } else {
            StructArray::try_new(state_fields, states.columns().to_vec(), Some(valid))?
        };
        fields.push(Field::new(GROUP_STATE_COLUMN, group_state.data_type().clone(), true));
        cols.push(Arc::new(group_state));
        if stores_timeout(spec) {
            fields.push(Field::new(TIMEOUT_COLUMN, DataType::Int64, true));
            cols.push(Arc::new(entries.iter().map(|(_, e)| Some(e.timeout_ms)).collect::<Int64Array>()));
        }
        Ok(RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            cols,
            &arrow::array::RecordBatchOptions::new().with_row_count(Some(entries.len())),
        )?)
    }

    /// Load the state the store read back (every partition's rows, as `rows`).
    pub fn restore(&mut self, spec: &GroupStateSpec, parts: &[RecordBatch]) -> Result<()> {
        let nkeys = spec.keys.len();
        for b in parts {
            let group_state = b.schema().index_of(GROUP_STATE_COLUMN).ok().filter(|&i| i == nkeys);
            let Some(gs) = group_state else {
                return Err(EmberError::execution(format!(
                    "The applyInPandasWithState state read back has columns {:?}, not the grouping columns then \
                     `{GROUP_STATE_COLUMN}`: {EARLIER_LAYOUT}",
                    b.schema().fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>()
                )));
            };
            let keys = self.converter.convert_columns(&b.columns()[..nkeys])?;
            let states = b.column(gs).as_struct();
            // The struct's fields are nullable (a key without state has nulls under its null struct).
            let DataType::Struct(state_fields) = group_state_type(spec) else { unreachable!("a struct type") };
            let values = RecordBatch::try_new_with_options(
                Arc::new(Schema::new(state_fields)),
                states.columns().to_vec(),
                &arrow::array::RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
            )?;
            let timeouts = b.schema().index_of(TIMEOUT_COLUMN).ok().map(|i| b.column(i).as_primitive::<Int64Type>());
            for i in 0..b.num_rows() {
                let state = states.is_valid(i).then(|| values.slice(i, 1));
                let timeout_ms =
                    timeouts.map_or(NO_TIMESTAMP, |t| if t.is_valid(i) { t.value(i) } else { NO_TIMESTAMP });
                self.entries.insert(keys.row(i).as_ref().into(), Entry { state, timeout_ms });
            }
        }
        Ok(())
    }

    /// One batch: call the function for each key with rows, then for each timed-out key; returns its output.
    pub fn process(
        &mut self,
        spec: &GroupStateSpec,
        rows: &[RecordBatch],
        input_schema: &SchemaRef,
        late_ms: i64,
        evict_ms: i64,
        ctx: &ExecContext,
    ) -> Result<Vec<RecordBatch>> {
        let started = std::time::Instant::now();
        // Only the latest batch's changes are kept (a checkpointed query takes them after each batch).
        self.updated_keys.clear();
        self.removed_keys.clear();
        let mut all = arrow::compute::concat_batches(input_schema, rows)?;
        let mut dropped = 0;
        if let (GroupTimeout::EventTime, Some(c)) = (spec.timeout, spec.event_column) {
            let times = crate::stream::watermark::event_micros(all.column(c));
            let keep: Vec<bool> = times.iter().map(|t| !t.is_some_and(|t| t <= late_ms.saturating_mul(1000))).collect();
            dropped = keep.iter().filter(|k| !**k).count();
            all = arrow::compute::filter_record_batch(&all, &BooleanArray::from(keep))?;
        }
        let groups = flat_map_groups::group_rows(&spec.keys, &self.converter, &all, input_schema, ctx)?;
        let threshold = match spec.timeout {
            GroupTimeout::ProcessingTime => Some(ctx.eval.now_micros / 1000),
            GroupTimeout::EventTime if spec.has_watermark => Some(evict_ms),
            _ => None,
        };
        let mut timed: Vec<Box<[u8]>> = match threshold {
            Some(t) => self
                .entries
                .iter()
                .filter(|(k, e)| e.timeout_ms != NO_TIMESTAMP && e.timeout_ms < t && !groups.contains(k))
                .map(|(k, _)| k.clone())
                .collect(),
            None => vec![],
        };
        timed.sort_unstable();
        let calls: Vec<Box<[u8]>> = groups.keys.iter().chain(&timed).cloned().collect();
        if calls.is_empty() {
            self.metrics.record(self.entries.len(), 0, 0, dropped, 0, 0, self.memory());
            return Ok(vec![]);
        }
        let null_state = flat_map_groups::null_state(spec)?;
        let mut state_rows = Vec::with_capacity(calls.len());
        let mut has_state = Vec::with_capacity(calls.len());
        for k in &calls {
            match self.entries.get(k).and_then(|e| e.state.clone()) {
                Some(s) => {
                    state_rows.push(s);
                    has_state.push(true);
                }
                None => {
                    state_rows.push(null_state.clone());
                    has_state.push(false);
                }
            }
        }
        let states = arrow::compute::concat_batches(&spec.state_schema, &state_rows)?;
        let watermark_ms = if spec.has_watermark { evict_ms } else { NO_TIMESTAMP };
        let results = flat_map_groups::call_groups(
            spec,
            &self.converter,
            groups,
            &timed,
            states,
            has_state,
            ctx.eval.now_micros / 1000,
            watermark_ms,
        )?;
        let (mut updated, mut removed) = (0, 0);
        for (i, (k, u)) in calls.into_iter().zip(&results.updates).enumerate() {
            let old_timeout = self.entries.get(&k).map(|e| e.timeout_ms).unwrap_or(NO_TIMESTAMP);
            if u.removed && u.timeout_ms == NO_TIMESTAMP {
                if self.entries.remove(&k).is_some() {
                    self.removed_keys.push(k.clone());
                    removed += 1;
                }
            } else if u.updated || u.removed || u.timeout_ms != old_timeout {
                let state = u.exists.then(|| results.states.slice(i, 1));
                self.updated_keys.push(k.clone());
                self.entries.insert(k, Entry { state, timeout_ms: u.timeout_ms });
                updated += 1;
            }
        }
        let elapsed = started.elapsed().as_millis() as u64;
        self.metrics.record(self.entries.len(), updated, removed, dropped, elapsed, 0, self.memory());
        Ok(results.output)
    }

    fn memory(&self) -> usize {
        self.entries
            .iter()
            .map(|(k, e)| k.len() + 16 + e.state.as_ref().map(|s| s.get_array_memory_size()).unwrap_or(0))
            .sum()
    }
}

/// The name of grouping column `i` in the state store's key (Spark's grouping attribute names).
fn key_name(spec: &GroupStateSpec, i: usize) -> String {
    spec.key_names.get(i).cloned().unwrap_or_else(|| format!("k{i}"))
}

/// Why a checkpoint of ember's earlier applyInPandasWithState layout is refused.
pub const EARLIER_LAYOUT: &str = "the checkpoint keeps applyInPandasWithState state in the layout of an earlier \
ember (one partition, grouping keys as row-format bytes, the state's fields at the top of the value), which this \
version no longer reads: it keeps that state as Spark does (partitioned by the grouping keys, value struct \
groupState/timeoutTimestamp). Start the query with a new checkpoint location.";

#[cfg(test)]
mod tests {
    use arrow::array::{ArrayRef, StringArray};

    use super::*;
    use crate::expr::PhysicalExpr;
    use crate::plan::group_state_spec::{GroupCalls, GroupFunction, GroupResults, StateUpdate};
    use crate::stream::state::partition::key_partitions;

    /// A running total of `v` per key with a timeout at total seconds; a negative sum removes the key.
    struct RunningTotal;

    impl GroupFunction for RunningTotal {
        fn call(&self, calls: GroupCalls) -> Result<GroupResults> {
            let v = calls.data.column(1).as_primitive::<Int64Type>();
            let old = calls.states.column(0).as_primitive::<Int64Type>();
            let (mut totals, mut updates) = (vec![], vec![]);
            for i in 0..calls.offsets.len() - 1 {
                let sum: i64 = (calls.offsets[i]..calls.offsets[i + 1]).map(|r| v.value(r)).sum();
                let total = if calls.has_state[i] { old.value(i) } else { 0 } + sum;
                let removed = sum < 0;
                totals.push(total);
                let timeout_ms = if removed { NO_TIMESTAMP } else { total * 1000 };
                updates.push(StateUpdate { exists: !removed, updated: !removed, removed, timeout_ms });
            }
            let states = RecordBatch::try_new(calls.states.schema(), vec![Arc::new(Int64Array::from(totals))])?;
            Ok(GroupResults { output: vec![], states, updates })
        }
    }

    fn spec() -> GroupStateSpec {
        GroupStateSpec {
            func: Arc::new(RunningTotal),
            keys: vec![PhysicalExpr::column(0, DataType::Utf8, true)],
            key_names: vec!["k".into()],
            state_schema: Arc::new(Schema::new(vec![Field::new("total", DataType::Int64, true)])),
            append: false,
            timeout: GroupTimeout::ProcessingTime,
            event_column: None,
            has_watermark: false,
            grouped_map: false,
        }
    }

    fn input(rows: &[(&str, i64)]) -> RecordBatch {
        let schema = Schema::new(vec![Field::new("k", DataType::Utf8, true), Field::new("v", DataType::Int64, true)]);
        let k: StringArray = rows.iter().map(|r| Some(r.0)).collect();
        let v: Int64Array = rows.iter().map(|r| Some(r.1)).collect();
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(k), Arc::new(v)]).unwrap()
    }

    fn keys_of(b: &RecordBatch) -> Vec<String> {
        let mut k: Vec<String> = b.column(0).as_string::<i32>().iter().map(|s| s.unwrap().to_string()).collect();
        k.sort();
        k
    }

    #[test]
    fn state_rows_are_sparks_layout_in_sparks_partitions_and_restore() {
        let (spec, ctx) = (spec(), ExecContext::default());
        let mut store = GroupStateStore::new(&spec, 2).unwrap();
        let rows = input(&[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("a", 5)]);
        store.process(&spec, &[rows.clone()], &rows.schema(), 0, 0, &ctx).unwrap();
        let changes = store.changes(&spec).unwrap();
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|p| !p.is_empty()), "a, c, d in partition 0 and b in 1, as in Spark");
        for (p, part) in changes.iter().enumerate() {
            for (_, c) in part {
                let Change::Upsert(b) = c else { panic!("only upserts in the first batch") };
                let names: Vec<String> = b.schema().fields().iter().map(|f| f.name().clone()).collect();
                assert_eq!(names, vec!["k", "groupState", "timeoutTimestamp"]);
                let cols: Vec<ArrayRef> = vec![b.column(0).clone()];
                assert!(key_partitions(&cols, b.num_rows(), 2).iter().all(|&q| q == p), "keys in Spark's partition");
            }
        }
        // "a" removed (a negative sum), "b" updated: a delete of its key columns only, in a's partition.
        let rows = input(&[("a", -1), ("b", 10)]);
        store.process(&spec, &[rows.clone()], &rows.schema(), 0, 0, &ctx).unwrap();
        let changes = store.changes(&spec).unwrap();
        let deletes: Vec<&RecordBatch> = store_deletes(&changes);
        assert_eq!(deletes.len(), 1);
        assert_eq!((keys_of(deletes[0]), deletes[0].num_columns()), (vec!["a".to_string()], 1));

        let parts = store.snapshot(&spec).unwrap();
        assert_eq!(parts.len(), 2);
        let mut all: Vec<String> = parts.iter().flat_map(keys_of).collect();
        all.sort();
        assert_eq!(all, vec!["b", "c", "d"]);
        let b_row = parts.iter().find(|p| keys_of(p).contains(&"b".to_string())).unwrap();
        let i = b_row.column(0).as_string::<i32>().iter().position(|s| s == Some("b")).unwrap();
        assert_eq!(b_row.column(2).as_primitive::<Int64Type>().value(i), 12_000);

        let mut back = GroupStateStore::new(&spec, 2).unwrap();
        back.restore(&spec, &parts).unwrap();
        let again = back.snapshot(&spec).unwrap();
        for (x, y) in parts.iter().zip(&again) {
            assert_eq!(keys_of(x), keys_of(y));
        }
        let entry = back.entries.values().find(|e| e.timeout_ms == 12_000).expect("b's timeout restored");
        assert_eq!(entry.state.as_ref().unwrap().column(0).as_primitive::<Int64Type>().value(0), 12);
    }

    fn store_deletes(changes: &[PartitionChanges]) -> Vec<&RecordBatch> {
        changes
            .iter()
            .flatten()
            .filter_map(|(_, c)| match c {
                Change::Delete(b) => Some(b),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_earlier_byte_keyed_layout_is_refused_with_its_reason() {
        let spec = spec();
        let schema = Schema::new(vec![
            Field::new("_key", DataType::Binary, false),
            Field::new("_timeout", DataType::Int64, false),
            Field::new("_has_state", DataType::Boolean, false),
            Field::new("total", DataType::Int64, true),
        ]);
        let cols: Vec<ArrayRef> = vec![
            Arc::new(arrow::array::BinaryArray::from(vec![b"x".as_ref()])),
            Arc::new(Int64Array::from(vec![-1])),
            Arc::new(BooleanArray::from(vec![true])),
            Arc::new(Int64Array::from(vec![1])),
        ];
        let old = RecordBatch::try_new(Arc::new(schema), cols).unwrap();
        let err = GroupStateStore::new(&spec, 2).unwrap().restore(&spec, &[old]).unwrap_err();
        assert!(err.message().contains("layout of an earlier ember"), "{}", err.message());
    }
}
