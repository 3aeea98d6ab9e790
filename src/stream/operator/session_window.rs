//! Session-window aggregation (Spark's `SessionWindowStateStoreSaveExec`): an `Aggregate` over `MergeSessions`; the
//! merge with stored sessions happens in `SessionState`, so the operator consumes the windows under MergeSessions.
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::context::ExecContext;
use crate::error::Result;
use crate::plan::streaming::OutputMode;
use crate::plan::{LogicalPlan, PlanNode};
use crate::stream::operator::{column_types, PlanContext, Planned, StatefulOperator, Watermarks};
use crate::stream::session_state::SessionState;
use crate::stream::state::TableSpec;

pub fn plan(p: &Arc<LogicalPlan>, cx: PlanContext) -> Result<Option<Planned>> {
    let PlanNode::Aggregate { input, group_exprs, aggregates } = &p.node else { return Ok(None) };
    let PlanNode::MergeSessions { input: windows, session, .. } = &input.node else { return Ok(None) };
    let n = group_exprs.len();
    let shape = serde_json::json!({"operator": "sessionWindowStateStoreSaveExec",
        "keys": column_types(&p.schema, 0..n), "values": column_types(&p.schema, n..p.schema.len())});
    let state = SessionState::new(group_exprs, aggregates, *session, cx.partitions)?;
    let operator = SessionWindows {
        state,
        schema: p.schema.arrow_schema(),
        input_schema: windows.schema.arrow_schema(),
        mode: cx.mode,
        shape,
    };
    Ok(Some(Planned { operator: Box::new(operator), inputs: vec![windows.clone()] }))
}

struct SessionWindows {
    state: SessionState,
    schema: SchemaRef,
    input_schema: SchemaRef,
    mode: OutputMode,
    shape: serde_json::Value,
}

impl StatefulOperator for SessionWindows {
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
        Ok(vec![self.state.process(&rows, &self.schema, &self.input_schema, self.mode, marks, ctx)?])
    }
    fn wants_no_data_batch(&self, watermark_rose: bool) -> bool {
        watermark_rose && self.mode != OutputMode::Complete
    }
    fn state_tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::new("default", self.shape["keys"].as_array().map_or(0, Vec::len))]
    }
    state_methods!(state);
}
