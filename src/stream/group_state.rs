//! Arbitrary state per group (`applyInPandasWithState`, Spark's FlatMapGroupsInPandasWithStateExec). Each batch the
//! rows are grouped by key; the user function is called once per key with data, then once per key whose timeout
//! expired (no rows, `hasTimedOut`). State values are one-row Arrow batches of the state schema, kept with their
//! timeout; the function itself lives behind `GroupFunction` (Python in `python::group_function`).
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow::array::{new_null_array, ArrayRef, BooleanArray, RecordBatch, UInt32Array};
use arrow::datatypes::SchemaRef;
use arrow::row::{RowConverter, SortField};

use crate::error::{EmberError, Result};
use crate::exec::execute::ExecContext;
use crate::exec::hashing::FxHasher;
use crate::expr::PhysicalExpr;
use crate::stream::metrics::OperatorMetrics;
use crate::stream::state::{Change, PartitionChanges};

/// Spark's `NO_TIMESTAMP`: no timeout set.
pub const NO_TIMESTAMP: i64 = -1;

/// `GroupStateTimeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupTimeout {
    NoTimeout,
    ProcessingTime,
    EventTime,
}

impl GroupTimeout {
    pub fn parse(s: &str) -> Result<GroupTimeout> {
        match s.to_ascii_lowercase().as_str() {
            "notimeout" => Ok(GroupTimeout::NoTimeout),
            "processingtimetimeout" => Ok(GroupTimeout::ProcessingTime),
            "eventtimetimeout" => Ok(GroupTimeout::EventTime),
            _ => Err(EmberError::illegal_argument(format!("Unknown timeout conf {s}"))),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            GroupTimeout::NoTimeout => "NoTimeout",
            GroupTimeout::ProcessingTime => "ProcessingTimeTimeout",
            GroupTimeout::EventTime => "EventTimeTimeout",
        }
    }
}

/// One batch of calls: first the keys with rows (`data` holds their rows, key i at `offsets[i]..offsets[i+1]`),
/// then the keys that timed out.
pub struct GroupCalls {
    pub keys: RecordBatch,
    pub data: RecordBatch,
    pub offsets: Vec<usize>,
    /// State per call (state schema; a null row where `has_state` is false).
    pub states: RecordBatch,
    pub has_state: Vec<bool>,
    pub timed_out: Vec<bool>,
    pub batch_timestamp_ms: i64,
    /// The watermark for eviction, or `NO_TIMESTAMP` when the query has none.
    pub watermark_ms: i64,
}

/// What each call left behind.
pub struct GroupResults {
    pub output: Vec<RecordBatch>,
    /// New state per call (rows where `exists` is false are ignored).
    pub states: RecordBatch,
    pub updates: Vec<StateUpdate>,
}

#[derive(Clone, Copy, Debug)]
pub struct StateUpdate {
    pub exists: bool,
    pub updated: bool,
    pub removed: bool,
    pub timeout_ms: i64,
}

/// The user's function, called for a whole batch of groups.
pub trait GroupFunction: Send + Sync {
    fn call(&self, calls: GroupCalls) -> Result<GroupResults>;
}

/// How the operator was declared.
#[derive(Clone)]
pub struct GroupStateSpec {
    pub func: Arc<dyn GroupFunction>,
    pub keys: Vec<PhysicalExpr>,
    pub state_schema: SchemaRef,
    /// `outputMode` given to applyInPandasWithState ("append" / "update").
    pub append: bool,
    pub timeout: GroupTimeout,
    /// Input column holding the event time (its watermark filters late rows under an event-time timeout).
    pub event_column: Option<usize>,
    pub has_watermark: bool,
}

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
        let converter = RowConverter::new(spec.keys.iter().map(|k| SortField::new(k.data_type.clone())).collect())?;
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
        let null_state = RecordBatch::try_new(
            spec.state_schema.clone(),
            spec.state_schema.fields().iter().map(|f| new_null_array(f.data_type(), 1)).collect(),
        )?;
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
        let key_cols = spec.keys.iter().map(|k| k.evaluate(&all, &ctx.eval)).collect::<Result<Vec<_>>>()?;
        let encoded = self.converter.convert_columns(&key_cols)?;
        let mut groups: HashMap<&[u8], Vec<u32>> = HashMap::new();
        for (i, r) in encoded.iter().enumerate() {
            groups.entry(r.data()).or_default().push(i as u32);
        }
        // Keys in their sort order (the row format orders like the values), as Spark's sort-based grouping.
        let mut data_keys: Vec<&[u8]> = groups.keys().copied().collect();
        data_keys.sort_unstable();
        let threshold = match spec.timeout {
            GroupTimeout::ProcessingTime => Some(ctx.eval.now_micros / 1000),
            GroupTimeout::EventTime if spec.has_watermark => Some(evict_ms),
            _ => None,
        };
        let mut timed: Vec<Box<[u8]>> = match threshold {
            Some(t) => self
                .entries
                .iter()
                .filter(|(k, e)| e.timeout_ms != NO_TIMESTAMP && e.timeout_ms < t && !groups.contains_key(k.as_ref()))
                .map(|(k, _)| k.clone())
                .collect(),
            None => vec![],
        };
        timed.sort_unstable();
        let calls: Vec<Box<[u8]>> =
            data_keys.iter().map(|k| Box::<[u8]>::from(*k)).chain(timed.iter().cloned()).collect();
        if calls.is_empty() {
            self.metrics.record(self.entries.len(), 0, 0, dropped, 0, 0, self.memory());
            return Ok(vec![]);
        }
        let mut order: Vec<u32> = Vec::with_capacity(all.num_rows());
        let mut offsets = vec![0usize];
        for k in &data_keys {
            order.extend(&groups[k]);
            offsets.push(order.len());
        }
        let idx = UInt32Array::from(order);
        let data_cols = all
            .columns()
            .iter()
            .map(|c| Ok(arrow::compute::take(c.as_ref(), &idx, None)?))
            .collect::<Result<Vec<ArrayRef>>>()?;
        let data = RecordBatch::try_new(input_schema.clone(), data_cols)?;
        let parser = self.converter.parser();
        let keys = self.converter.convert_rows(calls.iter().map(|k| parser.parse(k)))?;
        let key_schema = Arc::new(arrow::datatypes::Schema::new(
            spec.keys
                .iter()
                .enumerate()
                .map(|(i, k)| arrow::datatypes::Field::new(format!("k{i}"), k.data_type.clone(), true))
                .collect::<Vec<_>>(),
        ));
        let keys = RecordBatch::try_new(key_schema, keys)?;
        let null_state = RecordBatch::try_new(
            spec.state_schema.clone(),
            spec.state_schema.fields().iter().map(|f| new_null_array(f.data_type(), 1)).collect(),
        )?;
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
        let timed_out: Vec<bool> = (0..calls.len()).map(|i| i >= data_keys.len()).collect();
        let results = spec.func.call(GroupCalls {
            keys,
            data,
            offsets,
            states,
            has_state,
            timed_out,
            batch_timestamp_ms: ctx.eval.now_micros / 1000,
            watermark_ms: if spec.has_watermark { evict_ms } else { NO_TIMESTAMP },
        })?;
        if results.updates.len() != calls.len() || results.states.num_rows() != calls.len() {
            return Err(EmberError::execution(
                "applyInPandasWithState: the function's state results do not match its calls",
            ));
        }
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
