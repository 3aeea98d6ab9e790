//! Arbitrary state per group (`applyInPandasWithState`, Spark's FlatMapGroupsInPandasWithStateExec). Each batch the
//! rows are grouped by key; the user function is called once per key with data, then once per key whose timeout
//! expired (no rows, `hasTimedOut`). State values are one-row Arrow batches of the state schema, kept with their
//! timeout; the function itself lives behind `GroupFunction` (Python in `python::group_function`).
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch};
use arrow::datatypes::SchemaRef;
use arrow::row::RowConverter;

use crate::context::ExecContext;
use crate::error::Result;
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
    removed_keys: arrow::array::BinaryBuilder,
    pub metrics: OperatorMetrics,
}

impl GroupStateStore {
    pub fn new(spec: &GroupStateSpec, partitions: usize) -> Result<Self> {
        let converter = flat_map_groups::key_converter(&spec.keys)?;
        Ok(GroupStateStore {
            converter,
            entries: HashMap::default(),
            updated_keys: Vec::new(),
            removed_keys: arrow::array::BinaryBuilder::new(),
            metrics: OperatorMetrics::new("applyInPandasWithState", partitions.max(1)),
        })
    }

    /// Keys (row-format bytes), timeouts and state values as one Arrow batch (checkpoints).
    pub fn snapshot(&self, spec: &GroupStateSpec) -> Result<Vec<RecordBatch>> {
        Ok(vec![Self::rows(spec, self.entries.iter().collect())?])
    }

    /// The latest batch's changes (one partition): removed keys deleted, then updated keys upserted (rows as
    /// `snapshot`'s). Clears the record.
    pub fn changes(&mut self, spec: &GroupStateSpec) -> Result<Vec<PartitionChanges>> {
        let mut out = Vec::new();
        let removed = self.removed_keys.finish();
        if arrow::array::Array::len(&removed) > 0 {
            let schema = arrow::datatypes::Schema::new(vec![arrow::datatypes::Field::new(
                "_key",
                arrow::datatypes::DataType::Binary,
                false,
            )]);
            out.push((0, Change::Delete(RecordBatch::try_new(Arc::new(schema), vec![Arc::new(removed)])?)));
        }
        let updated = std::mem::take(&mut self.updated_keys);
        let entries: Vec<(&Box<[u8]>, &Entry)> = updated.iter().filter_map(|k| self.entries.get_key_value(k)).collect();
        if !entries.is_empty() {
            out.push((0, Change::Upsert(Self::rows(spec, entries)?)));
        }
        Ok(vec![out])
    }

    fn rows(spec: &GroupStateSpec, entries: Vec<(&Box<[u8]>, &Entry)>) -> Result<RecordBatch> {
        use arrow::array::{BinaryArray, BooleanArray, Int64Array};
        use arrow::datatypes::{DataType, Field, Schema};
        let null_state = flat_map_groups::null_state(spec)?;
        let keys: BinaryArray = entries.iter().map(|(k, _)| Some(k.as_ref())).collect();
        let timeouts: Int64Array = entries.iter().map(|(_, e)| Some(e.timeout_ms)).collect();
        let has: BooleanArray = entries.iter().map(|(_, e)| Some(e.state.is_some())).collect();
        let rows: Vec<RecordBatch> =
            entries.iter().map(|(_, e)| e.state.clone().unwrap_or_else(|| null_state.clone())).collect();
        let states = arrow::compute::concat_batches(&spec.state_schema, &rows)?;
        let mut fields = vec![
            Field::new("_key", DataType::Binary, false),
            Field::new("_timeout", DataType::Int64, false),
            Field::new("_has_state", DataType::Boolean, false),
        ];
        fields.extend(spec.state_schema.fields().iter().map(|f| f.as_ref().clone().with_nullable(true)));
        let mut cols: Vec<ArrayRef> = vec![Arc::new(keys), Arc::new(timeouts), Arc::new(has)];
        cols.extend(states.columns().iter().cloned());
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
    }

    pub fn restore(&mut self, spec: &GroupStateSpec, parts: &[RecordBatch]) -> Result<()> {
        use arrow::array::{Array, AsArray};
        use arrow::datatypes::Int64Type;
        for b in parts {
            let keys = b.column(0).as_binary::<i32>();
            let timeouts = b.column(1).as_primitive::<Int64Type>();
            let has = b.column(2).as_boolean();
            let values = RecordBatch::try_new(spec.state_schema.clone(), b.columns()[3..].to_vec())?;
            for i in 0..b.num_rows() {
                let state = (has.is_valid(i) && has.value(i)).then(|| values.slice(i, 1));
                self.entries.insert(keys.value(i).into(), Entry { state, timeout_ms: timeouts.value(i) });
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
        self.removed_keys.finish();
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
                    self.removed_keys.append_value(&k);
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
