//! Streaming aggregation (Spark's `StateStoreSaveExec`): the groups of an `Aggregate` kept across batches in
//! `AggregateState`, emitted per the output mode.
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::context::ExecContext;
use crate::error::Result;
use crate::expr::physical::PhysicalKind;
use crate::plan::streaming::OutputMode;
use crate::plan::{LogicalPlan, PlanNode};
use crate::stream::aggregate_state::AggregateState;
use crate::stream::operator::{column_types, PlanContext, Planned, StatefulOperator, Watermarks};
use crate::stream::state::TableSpec;

pub fn plan(p: &Arc<LogicalPlan>, cx: PlanContext) -> Result<Option<Planned>> {
    let PlanNode::Aggregate { input, group_exprs, aggregates } = &p.node else { return Ok(None) };
    if aggregates.iter().any(|a| a.func.runs_in_python()) {
        // Spark plans a streaming aggregation with a pandas GROUPED_AGG UDF and fails the query when it runs.
        return Err(crate::error::EmberError::with_condition(
            crate::error::ErrorKind::Analysis,
            "_LEGACY_ERROR_TEMP_3067",
            std::iter::empty::<(&str, &str)>(),
        ));
    }
    // The grouping column holding the event time (a timestamp or window with a watermark), if any.
    let event_key = group_exprs.iter().position(|g| match g.kind {
        PhysicalKind::Column(c) => input.schema.attrs[c].watermark_delay_ms.is_some(),
        _ => false,
    });
    let n = group_exprs.len();
    let shape = serde_json::json!({"operator": "stateStoreSave", "keys": column_types(&p.schema, 0..n),
        "values": column_types(&p.schema, n..p.schema.len())});
    let state = AggregateState::new(group_exprs, aggregates, event_key, cx.partitions)?;
    let operator = Aggregation { state, schema: p.schema.arrow_schema(), mode: cx.mode, shape };
    Ok(Some(Planned { operator: Box::new(operator), inputs: vec![input.clone()] }))
}

struct Aggregation {
    state: AggregateState,
    schema: SchemaRef,
    mode: OutputMode,
    shape: serde_json::Value,
}

impl StatefulOperator for Aggregation {
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
        Ok(vec![self.state.process(&rows, &self.schema, self.mode, marks, ctx)?])
    }
    /// As Spark: any aggregation outside complete mode runs a batch for a new watermark, even with nothing to evict.
    fn wants_no_data_batch(&self, watermark_rose: bool) -> bool {
        watermark_rose && self.mode != OutputMode::Complete
    }
    fn state_tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::new("default", self.shape["keys"].as_array().map_or(0, Vec::len))]
    }
    state_methods!(state);
}
