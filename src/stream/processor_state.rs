//! transformWithState's state (Spark's TransformWithStateExec): per grouping key, the rows of each state variable
//! the processor declared and its timers, each kept as one Arrow array per key (a struct array of `_expires` and
//! the variable's columns; an int64 array of expiry times for the timers). Each batch the rows are grouped by key,
//! TTL-expired rows are dropped, and the processor (`ProcessorFunction`) is called once for the keys with rows and
//! the keys with timers due. In the state store each variable is a named table with one row per grouping key
//! (`_key`, `_rows`: the list of its rows), and the timers a table named `$timers`.
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow::array::{new_empty_array, Array, ArrayRef, AsArray, BinaryArray, BooleanArray, ListArray, RecordBatch};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use arrow::row::RowConverter;

use crate::context::ExecContext;
use crate::error::{EmberError, Result};
use crate::exec::flat_map_groups::{self, KeyGroups};
use crate::exec::hashing::FxHasher;
use crate::plan::stateful_processor_spec::{ProcessorCalls, StateKind, TimeMode, TransformWithStateSpec};
use crate::stream::metrics::OperatorMetrics;
use crate::stream::state::{Change, PartitionChanges, TableSpec};

type KeyMap = HashMap<Box<[u8]>, ArrayRef, BuildHasherDefault<FxHasher>>;

/// The name of the timers' table (after the variables' tables).
pub const TIMERS_TABLE: &str = "$timers";

/// The state store tables: one per variable, named as it, then the timers.
pub fn tables(spec: &TransformWithStateSpec) -> Vec<TableSpec> {
    let mut out: Vec<TableSpec> = spec.variables.iter().map(|v| TableSpec::new(&v.name, 1)).collect();
    out.push(TableSpec::new(TIMERS_TABLE, 1));
    out
}

pub struct ProcessorStateStore {
    converter: RowConverter,
    row_types: Vec<DataType>,
    /// Per variable: whether it is a map (whose entries the state store counts one by one).
    maps: Vec<bool>,
    /// Per table (variables, then timers): grouping key → its rows.
    tables: Vec<KeyMap>,
    /// Per table, what the latest batch changed: keys whose rows were replaced, keys removed.
    upserted: Vec<Vec<Box<[u8]>>>,
    removed: Vec<Vec<Box<[u8]>>>,
    pub metrics: OperatorMetrics,
    /// Spark's tasks per batch (its shuffle partitions), each of which runs the processor's `init`.
    metrics_partitions: usize,
}

fn list_field(row_type: &DataType) -> Arc<Field> {
    Arc::new(Field::new("item", row_type.clone(), true))
}

/// One list entry per element of `rows` (an absent element is an empty list).
fn to_list(row_type: &DataType, rows: &[Option<&ArrayRef>]) -> Result<ArrayRef> {
    let parts: Vec<&dyn Array> = rows.iter().flatten().map(|a| a.as_ref()).collect();
    let values = if parts.is_empty() { new_empty_array(row_type) } else { arrow::compute::concat(&parts)? };
    let offsets = OffsetBuffer::from_lengths(rows.iter().map(|r| r.map_or(0, |a| a.len())));
    Ok(Arc::new(ListArray::try_new(list_field(row_type), offsets, values, None)?))
}

impl ProcessorStateStore {
    pub fn new(spec: &TransformWithStateSpec, partitions: usize) -> Result<Self> {
        let row_types = spec.row_types();
        let n = row_types.len();
        Ok(ProcessorStateStore {
            converter: flat_map_groups::key_converter(&spec.keys)?,
            row_types,
            maps: spec.variables.iter().map(|v| v.kind == StateKind::Map).collect(),
            tables: (0..n).map(|_| KeyMap::default()).collect(),
            upserted: vec![Vec::new(); n],
            removed: vec![Vec::new(); n],
            // Spark's operator names for the pandas and the Row-based API.
            metrics: OperatorMetrics::new(
                if spec.pandas { "transformWithStateInPandasExec" } else { "transformWithStateInPySparkExec" },
                partitions.max(1),
            ),
            metrics_partitions: partitions.max(1),
        })
    }

    /// Rows of table `t` for `keys`: `_key` then `_rows`.
    fn table_rows(&self, t: usize, keys: &[&Box<[u8]>]) -> Result<RecordBatch> {
        let key_col: BinaryArray = keys.iter().map(|k| Some(k.as_ref())).collect();
        let rows: Vec<Option<&ArrayRef>> = keys.iter().map(|k| self.tables[t].get(*k)).collect();
        let list = to_list(&self.row_types[t], &rows)?;
        let schema = Schema::new(vec![
            Field::new("_key", DataType::Binary, false),
            Field::new("_rows", list.data_type().clone(), true),
        ]);
        Ok(RecordBatch::try_new(Arc::new(schema), vec![Arc::new(key_col), list])?)
    }

    /// The whole state (one partition): one batch per table.
    pub fn snapshot(&self) -> Result<Vec<Vec<RecordBatch>>> {
        let tables = (0..self.tables.len())
            .map(|t| {
                let mut keys: Vec<&Box<[u8]>> = self.tables[t].keys().collect();
                keys.sort_unstable();
                self.table_rows(t, &keys)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(vec![tables])
    }

    /// The latest batch's changes (one partition): per table, removed keys deleted, then changed keys upserted.
    pub fn changes(&mut self) -> Result<Vec<PartitionChanges>> {
        let mut out = Vec::new();
        for t in 0..self.tables.len() {
            let removed = std::mem::take(&mut self.removed[t]);
            if !removed.is_empty() {
                let keys: BinaryArray = removed.iter().map(|k| Some(k.as_ref())).collect();
                let schema = Schema::new(vec![Field::new("_key", DataType::Binary, false)]);
                out.push((t, Change::Delete(RecordBatch::try_new(Arc::new(schema), vec![Arc::new(keys)])?)));
            }
            let upserted = std::mem::take(&mut self.upserted[t]);
            let keys: Vec<&Box<[u8]>> = upserted.iter().filter(|k| self.tables[t].contains_key(*k)).collect();
            if !keys.is_empty() {
                out.push((t, Change::Upsert(self.table_rows(t, &keys)?)));
            }
        }
        Ok(vec![out])
    }

    /// Load the state as the store read it back: per partition, one batch per table (a table the checkpoint lacks
    /// starts empty).
    pub fn restore(&mut self, parts: &[Vec<RecordBatch>]) -> Result<()> {
        for tables in parts {
            for (t, b) in tables.iter().enumerate().take(self.tables.len()) {
                if b.num_columns() < 2 {
                    continue;
                }
                let keys = b.column(0).as_binary::<i32>();
                let lists = b.column(1).as_list::<i32>();
                for i in 0..b.num_rows() {
                    let rows = lists.value(i);
                    if !rows.is_empty() {
                        self.tables[t].insert(keys.value(i).into(), rows);
                    }
                }
            }
        }
        Ok(())
    }

    fn set(&mut self, t: usize, key: &[u8], rows: Option<ArrayRef>) -> (usize, usize) {
        match rows.filter(|r| !r.is_empty()) {
            Some(r) => {
                self.tables[t].insert(key.into(), r);
                self.upserted[t].push(key.into());
                (1, 0)
            }
            None => {
                if self.tables[t].remove(key).is_some() {
                    self.removed[t].push(key.into());
                    (0, 1)
                } else {
                    (0, 0)
                }
            }
        }
    }

    /// Drop the rows whose TTL expired at `batch_ms` (Spark: expired once the batch timestamp reaches the expiry).
    fn evict_expired(&mut self, spec: &TransformWithStateSpec, batch_ms: i64) -> Result<(usize, usize)> {
        let mut removed = 0;
        let mut values = 0;
        for (t, v) in spec.variables.iter().enumerate() {
            if v.ttl_ms.is_none() {
                continue;
            }
            let mut changed: Vec<(Box<[u8]>, Option<ArrayRef>)> = Vec::new();
            for (k, rows) in &self.tables[t] {
                let expires = rows.as_struct().column(0).as_primitive::<Int64Type>();
                if !expires.values().iter().any(|&e| e >= 0 && batch_ms >= e) {
                    continue;
                }
                let keep: BooleanArray = expires.values().iter().map(|&e| Some(!(e >= 0 && batch_ms >= e))).collect();
                let kept = arrow::compute::filter(rows, &keep)?;
                values += rows.len() - kept.len();
                changed.push((k.clone(), Some(kept)));
            }
            for (k, rows) in changed {
                let (_, r) = self.set(t, &k, rows);
                removed += r;
            }
        }
        Ok((removed, values))
    }

    /// Spark's custom metrics of the operator for a batch: the state variables its processor instantiates (once per
    /// shuffle partition, as each of Spark's tasks runs `init`), and what the calls counted.
    fn custom_metrics(
        &self,
        spec: &TransformWithStateSpec,
        counters: &[(String, usize)],
        ttl_removed: usize,
    ) -> Vec<(&'static str, usize)> {
        let tasks = self.metrics_partitions;
        let count = |kind: StateKind, ttl: bool| {
            spec.variables.iter().filter(|v| v.kind == kind && (!ttl || v.ttl_ms.is_some())).count() * tasks
        };
        let counted = |name: &str| counters.iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v);
        vec![
            ("numValueStateVars", count(StateKind::Value, false)),
            ("numListStateVars", count(StateKind::List, false)),
            ("numMapStateVars", count(StateKind::Map, false)),
            ("numDeletedStateVars", counted("numDeletedStateVars")),
            ("numRegisteredTimers", counted("numRegisteredTimers")),
            ("numDeletedTimers", counted("numDeletedTimers")),
            ("numExpiredTimers", counted("numExpiredTimers")),
            ("numValueStateWithTTLVars", count(StateKind::Value, true)),
            ("numListStateWithTTLVars", count(StateKind::List, true)),
            ("numMapStateWithTTLVars", count(StateKind::Map, true)),
            ("numValuesRemovedDueToTTLExpiry", ttl_removed),
        ]
    }

    /// One batch: call the processor for the keys with rows (or initial state) and the keys with timers due;
    /// returns its output. `initial`: the initial state's groups, in the first batch of a fresh query.
    #[allow(clippy::too_many_arguments)]
    pub fn process(
        &mut self,
        spec: &TransformWithStateSpec,
        rows: &[RecordBatch],
        input_schema: &SchemaRef,
        late_ms: i64,
        evict_ms: i64,
        initial: Option<(KeyGroups, SchemaRef)>,
        ctx: &ExecContext,
    ) -> Result<Vec<RecordBatch>> {
        let started = std::time::Instant::now();
        for t in 0..self.tables.len() {
            self.upserted[t].clear();
            self.removed[t].clear();
        }
        let batch_ms = ctx.eval.now_micros / 1000;
        let mut all = arrow::compute::concat_batches(input_schema, rows)?;
        let mut dropped = 0;
        if let (TimeMode::EventTime, Some(c), true) = (spec.time_mode, spec.event_column, spec.has_watermark) {
            let times = crate::stream::watermark::event_micros(all.column(c));
            let keep: Vec<bool> = times.iter().map(|t| !t.is_some_and(|t| t <= late_ms.saturating_mul(1000))).collect();
            dropped = keep.iter().filter(|k| !**k).count();
            all = arrow::compute::filter_record_batch(&all, &BooleanArray::from(keep))?;
        }
        let (mut removed, ttl_removed) = self.evict_expired(spec, batch_ms)?;
        let mut groups = flat_map_groups::group_rows(&spec.keys, &self.converter, &all, input_schema, ctx)?;
        let mut initial_rows = None;
        if let Some((init, init_schema)) = initial {
            let (merged, rows) = flat_map_groups::with_initial_state(groups, init, input_schema, &init_schema)?;
            groups = merged;
            initial_rows = Some(rows);
        }
        let threshold = match spec.time_mode {
            TimeMode::ProcessingTime => Some(batch_ms),
            TimeMode::EventTime if spec.has_watermark => Some(evict_ms),
            _ => None,
        };
        let timers = self.tables.len() - 1;
        let mut due: Vec<Box<[u8]>> = match threshold {
            Some(t) => self.tables[timers]
                .iter()
                .filter(|(k, ts)| {
                    ts.as_primitive::<Int64Type>().values().iter().any(|&e| e <= t) && !groups.contains(k)
                })
                .map(|(k, _)| k.clone())
                .collect(),
            None => vec![],
        };
        due.sort_unstable();
        let calls: Vec<Box<[u8]>> = groups.keys.iter().chain(&due).cloned().collect();
        if calls.is_empty() {
            self.metrics.custom = self.custom_metrics(spec, &[], ttl_removed);
            self.metrics.record(self.num_rows(), 0, removed, dropped, 0, 0, self.memory());
            return Ok(vec![]);
        }
        let states = (0..self.tables.len())
            .map(|t| {
                let rows: Vec<Option<&ArrayRef>> = calls.iter().map(|k| self.tables[t].get(k)).collect();
                to_list(&self.row_types[t], &rows)
            })
            .collect::<Result<Vec<_>>>()?;
        let parser = self.converter.parser();
        let key_values = self.converter.convert_rows(calls.iter().map(|k| parser.parse(k)))?;
        let keys = RecordBatch::try_new(flat_map_groups::key_schema(&spec.keys), key_values)?;
        let watermark_ms = if spec.has_watermark { evict_ms } else { -1 };
        let results = spec.func.call(ProcessorCalls {
            keys,
            data: groups.data,
            offsets: groups.offsets,
            states,
            batch_timestamp_ms: batch_ms,
            watermark_ms,
            timer_threshold_ms: threshold,
            initial: initial_rows,
        })?;
        if results.changed.len() != self.tables.len() {
            return Err(EmberError::execution(
                "transformWithState: the processor's state results do not match its tables",
            ));
        }
        let mut updated = 0;
        for (t, (indices, lists)) in results.changed.into_iter().enumerate() {
            let lists = lists.as_list_opt::<i32>().ok_or_else(|| {
                EmberError::execution("transformWithState: the processor's state results are not lists")
            })?;
            for (j, &i) in indices.iter().enumerate() {
                let key = calls.get(i as usize).ok_or_else(|| {
                    EmberError::execution("transformWithState: the processor changed the state of an unknown key")
                })?;
                let mut rows = lists.value(j);
                if rows.data_type() != &self.row_types[t] {
                    rows = arrow::compute::cast(&rows, &self.row_types[t])?;
                }
                let (u, r) = self.set(t, key, Some(rows));
                updated += u;
                removed += r;
            }
        }
        self.metrics.custom = self.custom_metrics(spec, &results.counters, ttl_removed);
        let elapsed = started.elapsed().as_millis() as u64;
        self.metrics.record(self.num_rows(), updated, removed, dropped, elapsed, 0, self.memory());
        Ok(results.output)
    }

    /// `numRowsTotal` as Spark's state store counts it: a row per (value or list variable, key), a row per map
    /// entry; timers are not counted.
    fn num_rows(&self) -> usize {
        self.maps
            .iter()
            .zip(&self.tables)
            .map(|(&map, t)| if map { t.values().map(|rows| rows.len()).sum() } else { t.len() })
            .sum()
    }

    fn memory(&self) -> usize {
        self.tables.iter().flat_map(|t| t.iter()).map(|(k, rows)| k.len() + rows.get_array_memory_size()).sum()
    }
}
