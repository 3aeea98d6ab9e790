//! Running `applyInPandasWithState` (and a batch DataFrame's `transformWithState`) over one batch of rows: the rows grouped by key (keys in their sort order, as
//! Spark's sort-based grouping) and the user's function called once for all the groups. A batch DataFrame runs it
//! once with no state (`run_once`); the streaming operator (`stream::group_state`) adds its states and timeouts.
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{new_null_array, RecordBatch};
use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::row::{RowConverter, SortField};

use crate::context::ExecContext;
use crate::error::{EmberError, Result};
use crate::expr::PhysicalExpr;
use crate::plan::group_state_spec::{GroupCalls, GroupResults, GroupStateSpec, NO_TIMESTAMP};
use crate::types::batch::take_rows;

/// The rows of a batch grouped by the operator's keys.
pub struct KeyGroups {
    /// Row-format keys that have rows, in their sort order (the row format orders like the values).
    pub keys: Vec<Box<[u8]>>,
    /// The rows reordered by key: key i's rows are `offsets[i]..offsets[i+1]`.
    pub data: RecordBatch,
    pub offsets: Vec<usize>,
}

impl KeyGroups {
    /// Whether `key` has rows in this batch.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.keys.binary_search_by(|k| k.as_ref().cmp(key)).is_ok()
    }
}

/// The row converter for the operator's keys.
pub fn key_converter(keys: &[PhysicalExpr]) -> Result<RowConverter> {
    Ok(RowConverter::new(keys.iter().map(|k| SortField::new(k.data_type.clone())).collect())?)
}

/// One row of nulls of the state schema (the state of a key that has none).
pub fn null_state(spec: &GroupStateSpec) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(
        spec.state_schema.clone(),
        spec.state_schema.fields().iter().map(|f| new_null_array(f.data_type(), 1)).collect(),
    )?)
}

/// Group `all` (rows of `input_schema`) by the operator's keys (shared with transformWithState's operator).
pub fn group_rows(
    keys: &[PhysicalExpr],
    converter: &RowConverter,
    all: &RecordBatch,
    input_schema: &SchemaRef,
    ctx: &ExecContext,
) -> Result<KeyGroups> {
    let key_cols = keys.iter().map(|k| k.evaluate(all, &ctx.eval)).collect::<Result<Vec<_>>>()?;
    let encoded = converter.convert_columns(&key_cols)?;
    let mut groups: HashMap<&[u8], Vec<u32>> = HashMap::new();
    for (i, r) in encoded.iter().enumerate() {
        groups.entry(r.data()).or_default().push(i as u32);
    }
    let mut keys: Vec<&[u8]> = groups.keys().copied().collect();
    keys.sort_unstable();
    let mut order: Vec<u32> = Vec::with_capacity(all.num_rows());
    let mut offsets = vec![0usize];
    for k in &keys {
        order.extend(&groups[k]);
        offsets.push(order.len());
    }
    let data = take_rows(all, order, input_schema)?;
    Ok(KeyGroups { keys: keys.into_iter().map(Box::<[u8]>::from).collect(), data, offsets })
}

/// The schema of the key values handed to a user's function: `k0`, `k1`, ... typed as the key expressions.
pub fn key_schema(keys: &[PhysicalExpr]) -> SchemaRef {
    Arc::new(Schema::new(
        keys.iter()
            .enumerate()
            .map(|(i, k)| Field::new(format!("k{i}"), k.data_type.clone(), true))
            .collect::<Vec<_>>(),
    ))
}

/// Call the function once: first for the keys with rows (`groups`), then for the `timed_out` keys (no rows).
/// `states` and `has_state` hold one entry per call in that order.
#[allow(clippy::too_many_arguments)]
pub fn call_groups(
    spec: &GroupStateSpec,
    converter: &RowConverter,
    groups: KeyGroups,
    timed_out: &[Box<[u8]>],
    states: RecordBatch,
    has_state: Vec<bool>,
    batch_timestamp_ms: i64,
    watermark_ms: i64,
) -> Result<GroupResults> {
    let calls = groups.keys.len() + timed_out.len();
    let parser = converter.parser();
    let keys = converter.convert_rows(groups.keys.iter().chain(timed_out).map(|k| parser.parse(k)))?;
    let keys = RecordBatch::try_new(key_schema(&spec.keys), keys)?;
    let results = spec.func.call(GroupCalls {
        keys,
        data: groups.data,
        offsets: groups.offsets,
        states,
        has_state,
        timed_out: (0..calls).map(|i| i >= groups.keys.len()).collect(),
        batch_timestamp_ms,
        watermark_ms,
    })?;
    if results.updates.len() != calls || results.states.num_rows() != calls {
        return Err(EmberError::execution(
            "applyInPandasWithState: the function's state results do not match its calls",
        ));
    }
    Ok(results)
}

/// applyInPandasWithState on a batch DataFrame: one pass with empty state and no timeouts.
pub fn run_once(
    spec: &GroupStateSpec,
    rows: &[RecordBatch],
    input_schema: &SchemaRef,
    ctx: &ExecContext,
) -> Result<Vec<RecordBatch>> {
    let converter = key_converter(&spec.keys)?;
    let all = arrow::compute::concat_batches(input_schema, rows)?;
    let groups = group_rows(&spec.keys, &converter, &all, input_schema, ctx)?;
    if groups.keys.is_empty() {
        return Ok(vec![]);
    }
    let n = groups.keys.len();
    let states = arrow::compute::concat_batches(&spec.state_schema, &vec![null_state(spec)?; n])?;
    // What a streaming operator passes before any watermark: 0 when the plan declares one.
    let watermark_ms = if spec.has_watermark { 0 } else { NO_TIMESTAMP };
    let results =
        call_groups(spec, &converter, groups, &[], states, vec![false; n], ctx.eval.now_micros / 1000, watermark_ms)?;
    Ok(results.output)
}

/// transformWithState's initial state: its DataFrame run and grouped by its keys (typed as the operator's, so
/// the same converter encodes both).
pub fn initial_state_groups(
    init: &crate::plan::stateful_processor_spec::InitialState,
    converter: &RowConverter,
    ctx: &ExecContext,
) -> Result<(KeyGroups, SchemaRef)> {
    let schema = init.plan.schema.arrow_schema();
    let rows = crate::exec::execute::execute(&init.plan, ctx)?;
    let all = arrow::compute::concat_batches(&schema, &rows)?;
    Ok((group_rows(&init.keys, converter, &all, &schema, ctx)?, schema))
}

/// A batch's groups joined with the initial state's: the keys of either, in their sort order (a key with only
/// initial state gets an empty range of rows), and the initial rows of each.
pub fn with_initial_state(
    input: KeyGroups,
    init: KeyGroups,
    input_schema: &SchemaRef,
    init_schema: &SchemaRef,
) -> Result<(KeyGroups, crate::plan::stateful_processor_spec::InitialRows)> {
    let (mut keys, mut order, mut offsets) = (Vec::new(), Vec::new(), vec![0usize]);
    let (mut init_order, mut init_offsets) = (Vec::new(), vec![0usize]);
    let (mut a, mut b) = (0, 0);
    while a < input.keys.len() || b < init.keys.len() {
        let from_input = a < input.keys.len() && (b >= init.keys.len() || input.keys[a] <= init.keys[b]);
        let from_init = b < init.keys.len() && (a >= input.keys.len() || init.keys[b] <= input.keys[a]);
        if from_input {
            keys.push(input.keys[a].clone());
            order.extend(input.offsets[a] as u32..input.offsets[a + 1] as u32);
            a += 1;
        } else {
            keys.push(init.keys[b].clone());
        }
        if from_init {
            init_order.extend(init.offsets[b] as u32..init.offsets[b + 1] as u32);
            b += 1;
        }
        offsets.push(order.len());
        init_offsets.push(init_order.len());
    }
    let data = take_rows(&input.data, order, input_schema)?;
    let init_data = take_rows(&init.data, init_order, init_schema)?;
    Ok((
        KeyGroups { keys, data, offsets },
        crate::plan::stateful_processor_spec::InitialRows { data: init_data, offsets: init_offsets },
    ))
}

/// transformWithState on a batch DataFrame: one pass over the groups (and the initial state's) with empty state,
/// no timers due.
pub fn transform_once(
    spec: &crate::plan::stateful_processor_spec::TransformWithStateSpec,
    rows: &[RecordBatch],
    input_schema: &SchemaRef,
    ctx: &ExecContext,
) -> Result<Vec<RecordBatch>> {
    let spec = &spec.declared()?;
    let converter = key_converter(&spec.keys)?;
    let all = arrow::compute::concat_batches(input_schema, rows)?;
    let mut groups = group_rows(&spec.keys, &converter, &all, input_schema, ctx)?;
    let mut initial = None;
    if let Some(init) = &spec.initial_state {
        let (init, init_schema) = initial_state_groups(init, &converter, ctx)?;
        let (merged, rows) = with_initial_state(groups, init, input_schema, &init_schema)?;
        groups = merged;
        initial = Some(rows);
    }
    if groups.keys.is_empty() {
        return Ok(vec![]);
    }
    let parser = converter.parser();
    let keys = converter.convert_rows(groups.keys.iter().map(|k| parser.parse(k)))?;
    let keys = RecordBatch::try_new(key_schema(&spec.keys), keys)?;
    let states = spec.empty_states(groups.keys.len())?;
    let results = spec.func.call(crate::plan::stateful_processor_spec::ProcessorCalls {
        keys,
        data: groups.data,
        offsets: groups.offsets,
        states,
        batch_timestamp_ms: ctx.eval.now_micros / 1000,
        watermark_ms: -1,
        timer_threshold_ms: None,
        initial,
    })?;
    Ok(results.output)
}
