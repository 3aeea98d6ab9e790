//! Computes an observation's metrics (`plan::observation`) over the rows an execution passed through it.
use std::sync::Arc;

use arrow::array::RecordBatch;

use crate::context::ExecContext;
use crate::error::Result;
use crate::exec::execute::execute;
use crate::plan::observation::Observation;
use crate::plan::{LogicalPlan, PlanNode};

/// Run `o`'s aggregation over `rows` and record its one-row result.
pub fn record(o: &Observation, rows: &[RecordBatch], ctx: &ExecContext) -> Result<()> {
    let observed = LogicalPlan::new(PlanNode::Values { batches: Arc::new(rows.to_vec()) }, o.input.schema.clone());
    let plan = substitute(&o.metrics, &o.input, &observed);
    let out = execute(&plan, ctx)?;
    let schema = plan.schema.arrow_schema();
    o.record(arrow::compute::concat_batches(&schema, &out)?);
    Ok(())
}

/// `plan` with the node `stand_in` (by identity) replaced by `rows`.
fn substitute(plan: &Arc<LogicalPlan>, stand_in: &Arc<LogicalPlan>, rows: &Arc<LogicalPlan>) -> Arc<LogicalPlan> {
    if Arc::ptr_eq(plan, stand_in) {
        return rows.clone();
    }
    let children: Vec<Arc<LogicalPlan>> = plan.children().into_iter().map(|c| substitute(c, stand_in, rows)).collect();
    if children.is_empty() {
        plan.clone()
    } else {
        plan.with_children(children)
    }
}
