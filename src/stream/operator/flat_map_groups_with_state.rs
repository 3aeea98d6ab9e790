//! `applyInPandasWithState` (Spark's `FlatMapGroupsInPandasWithStateExec`): the user's function per group with its
//! `GroupState`, timeouts by processing or event time, state kept in `GroupStateStore`. Its recorded shape names
//! the grouping columns and Spark's value columns; a checkpoint of ember's earlier layout is recognised by its
//! shape and refused (`refuse_earlier_layout`).
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::context::ExecContext;
use crate::error::Result;
use crate::plan::group_state_spec::GroupStateSpec;
use crate::plan::group_state_spec::GroupTimeout;
use crate::plan::{LogicalPlan, PlanNode};
use crate::stream::group_state::{
    group_state_type, stores_timeout, GroupStateStore, EARLIER_LAYOUT, GROUP_STATE_COLUMN, TIMEOUT_COLUMN,
};
use crate::stream::metrics::OperatorMetrics;
use crate::stream::operator::{PlanContext, Planned, StatefulOperator, Watermarks};
use crate::stream::state::{PartitionChanges, TableSpec};
use crate::types::batch::make_batch;

pub fn plan(p: &Arc<LogicalPlan>, cx: PlanContext) -> Result<Option<Planned>> {
    let PlanNode::FlatMapGroupsWithState { input, spec } = &p.node else { return Ok(None) };
    if spec.grouped_map {
        // applyInPandas keeps no state: the stateless part of the query runs it on each micro-batch.
        return Ok(None);
    }
    let keys: Vec<String> = spec
        .keys
        .iter()
        .zip(&spec.key_names)
        .map(|(k, name)| format!("{name}: {}", crate::types::simple_string(&k.data_type)))
        .collect();
    let mut values = vec![format!("{GROUP_STATE_COLUMN}: {}", crate::types::simple_string(&group_state_type(spec)))];
    if stores_timeout(spec) {
        values.push(format!("{TIMEOUT_COLUMN}: bigint"));
    }
    let shape = serde_json::json!({"operator": "applyInPandasWithState", "keys": keys, "values": values});
    let operator = FlatMapGroupsWithState {
        store: GroupStateStore::new(spec, cx.partitions)?,
        spec: spec.clone(),
        input_schema: input.schema.arrow_schema(),
        schema: p.schema.arrow_schema(),
        shape,
    };
    Ok(Some(Planned { operator: Box::new(operator), inputs: vec![input.clone()] }))
}

struct FlatMapGroupsWithState {
    store: GroupStateStore,
    spec: GroupStateSpec,
    input_schema: SchemaRef,
    schema: SchemaRef,
    shape: serde_json::Value,
}

impl StatefulOperator for FlatMapGroupsWithState {
    fn shape(&self) -> serde_json::Value {
        self.shape.clone()
    }
    fn process(
        &mut self,
        mut inputs: Vec<Vec<RecordBatch>>,
        marks: Watermarks,
        ctx: &ExecContext,
    ) -> Result<Vec<RecordBatch>> {
        let rows = inputs.remove(0);
        let out = self.store.process(&self.spec, &rows, &self.input_schema, marks.late_ms, marks.evict_ms, ctx)?;
        // The function's batches carry its own column names; the node's schema names the output.
        out.into_iter().map(|b| make_batch(self.schema.clone(), b.columns().to_vec(), b.num_rows())).collect()
    }
    /// Processing-time timeouts are checked every trigger (as in Spark); event-time ones when the watermark rose.
    fn wants_no_data_batch(&self, watermark_rose: bool) -> bool {
        match self.spec.timeout {
            GroupTimeout::ProcessingTime => true,
            GroupTimeout::EventTime => watermark_rose,
            GroupTimeout::NoTimeout => false,
        }
    }
    fn metrics(&self) -> &OperatorMetrics {
        &self.store.metrics
    }
    fn metrics_mut(&mut self) -> &mut OperatorMetrics {
        &mut self.store.metrics
    }
    fn state_tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::new("default", self.spec.keys.len())]
    }
    fn changes(&mut self) -> Result<Vec<PartitionChanges>> {
        self.store.changes(&self.spec)
    }
    fn snapshot(&mut self) -> Result<Vec<RecordBatch>> {
        self.store.snapshot(&self.spec)
    }
    fn restore(&mut self, parts: &[RecordBatch]) -> Result<()> {
        self.store.restore(&self.spec, parts)
    }
}

/// An error when `recorded` (an operator's shape in a checkpoint) is applyInPandasWithState's in ember's earlier
/// state layout (its values were the state's own fields, not `groupState`), which this version cannot read.
pub fn refuse_earlier_layout(recorded: &serde_json::Value, op: usize, checkpoint: &std::path::Path) -> Result<()> {
    if recorded["operator"] != "applyInPandasWithState" {
        return Ok(());
    }
    let first_value = recorded["values"].as_array().and_then(|v| v.first()).and_then(|v| v.as_str());
    if first_value.is_some_and(|v| v.starts_with(&format!("{GROUP_STATE_COLUMN}: "))) {
        return Ok(());
    }
    Err(crate::error::EmberError::analysis(format!(
        "The stateful operator {op} of the checkpoint at {}: {EARLIER_LAYOUT}",
        checkpoint.display()
    )))
}
