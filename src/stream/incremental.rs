//! Incremental execution: each micro-batch runs the query's analyzed plan with its streaming sources replaced by
//! the batch's rows, while streaming aggregations fold the rows into state kept across batches and emit per the
//! output mode (complete: every group; update: the groups this batch changed).
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{RecordBatch, UInt32Array};

use crate::error::Result;
use crate::exec::aggregate::GroupedState;
use crate::exec::execute::{execute, make_batch, ExecContext};
use crate::plan::{LogicalPlan, PlanNode};
use crate::stream::checks::OutputMode;

/// A streaming query's plan and the state of its stateful operators.
pub struct Incremental {
    plan: Arc<LogicalPlan>,
    mode: OutputMode,
    /// Aggregation state by the operator's position in a pre-order walk of the plan.
    aggregates: HashMap<usize, GroupedState>,
}

impl Incremental {
    pub fn new(plan: Arc<LogicalPlan>, mode: OutputMode) -> Self {
        Incremental { plan, mode, aggregates: HashMap::new() }
    }

    pub fn plan(&self) -> &Arc<LogicalPlan> {
        &self.plan
    }

    /// Rows of state kept by the stateful operators (progress reports).
    pub fn state_rows(&self) -> Vec<usize> {
        let mut ids: Vec<&usize> = self.aggregates.keys().collect();
        ids.sort();
        ids.into_iter().map(|i| self.aggregates[i].num_groups()).collect()
    }

    /// Run one micro-batch; `inputs[i]` holds the rows of the i-th streaming source (pre-order).
    pub fn run_batch(&mut self, inputs: &[Vec<RecordBatch>], ctx: &ExecContext) -> Result<Vec<RecordBatch>> {
        let plan = self.plan.clone();
        let (mut node_id, mut source) = (0usize, 0usize);
        let batch_plan = self.rewrite(&plan, inputs, ctx, &mut node_id, &mut source)?;
        execute(&batch_plan, ctx)
    }

    fn rewrite(
        &mut self,
        p: &Arc<LogicalPlan>,
        inputs: &[Vec<RecordBatch>],
        ctx: &ExecContext,
        node_id: &mut usize,
        source: &mut usize,
    ) -> Result<Arc<LogicalPlan>> {
        let id = *node_id;
        *node_id += 1;
        if !p.is_streaming() {
            return Ok(p.clone());
        }
        let values = |batches: Vec<RecordBatch>| {
            Arc::new(LogicalPlan { node: PlanNode::Values { batches: Arc::new(batches) }, schema: p.schema.clone() })
        };
        match &p.node {
            PlanNode::StreamScan { .. } => {
                let data = inputs[*source].clone();
                *source += 1;
                Ok(values(data))
            }
            PlanNode::Aggregate { input, group_exprs, aggregates } => {
                let child = self.rewrite(input, inputs, ctx, node_id, source)?;
                let rows = execute(&child, ctx)?;
                if !self.aggregates.contains_key(&id) {
                    self.aggregates.insert(id, GroupedState::new(group_exprs, aggregates)?);
                }
                let state = self.aggregates.get_mut(&id).unwrap();
                for b in &rows {
                    state.update(b, group_exprs, aggregates, ctx)?;
                }
                let updated = state.take_updated();
                let n = state.num_groups();
                let all = make_batch(p.schema.arrow_schema(), state.finish()?, n)?;
                let out = match self.mode {
                    OutputMode::Complete => all,
                    OutputMode::Update | OutputMode::Append => {
                        let idx = UInt32Array::from(updated);
                        let cols = all
                            .columns()
                            .iter()
                            .map(|c| Ok(arrow::compute::take(c.as_ref(), &idx, None)?))
                            .collect::<Result<Vec<_>>>()?;
                        make_batch(p.schema.arrow_schema(), cols, idx.len())?
                    }
                };
                Ok(values(vec![out]))
            }
            _ => {
                let children = p
                    .children()
                    .into_iter()
                    .map(|c| self.rewrite(c, inputs, ctx, node_id, source))
                    .collect::<Result<Vec<_>>>()?;
                Ok(p.with_children(children))
            }
        }
    }
}
