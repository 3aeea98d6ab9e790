//! Incremental execution of a streaming query. When the query starts, its analyzed plan is planned once into a
//! tree of stream steps: sources, `withWatermark` observers, stateful operators (found by the planners in
//! `stream::operator`, numbered once in plan order) and stateless parts. Each micro-batch evaluates that tree bottom
//! up: a stateless part is its logical subtree with every stream input replaced by that input's rows, run by the
//! batch engine; a stateful operator gets its inputs' rows and its watermarks.
use std::sync::Arc;

use arrow::array::RecordBatch;

use crate::context::ExecContext;
use crate::error::Result;
use crate::exec::execute::execute;
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::OutputMode;
use crate::plan::{LogicalPlan, PlanNode};
use crate::stream::metrics::OperatorMetrics;
use crate::stream::operator::Watermarks;
use crate::stream::operator::{PlanContext, StatefulOperator, PLANNERS};
use crate::stream::watermark::EventTimeStats;

/// One step of the planned query.
enum Step {
    /// The rows of streaming source `i` (sources numbered in plan pre-order).
    Source(usize),
    /// `withWatermark`: rows pass through; their event times are observed (in `event_times[index]`).
    Watermark { index: usize, column: usize, input: Box<Step> },
    /// A stateful operator (`operators[index]`) over its input steps.
    Operator { index: usize, inputs: Vec<Step> },
    /// A stateless part of the plan: `template` with its stream inputs (`StreamScan` slots, in pre-order) replaced
    /// by the rows of `inputs`.
    Stateless { template: Arc<LogicalPlan>, inputs: Vec<Step> },
}

/// A slot in a stateless template, filled with an input step's rows each batch.
struct Slot;

impl StreamRelation for Slot {
    fn format(&self) -> &str {
        "slot"
    }
    fn description(&self) -> String {
        "the rows of a stream input".into()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A streaming query's plan and the state of its stateful operators.
pub struct Incremental {
    plan: Arc<LogicalPlan>,
    mode: OutputMode,
    /// Planned at the first batch, when the state's partition count is known (a checkpoint fixes it).
    root: Option<Step>,
    operators: Vec<Box<dyn StatefulOperator>>,
    /// Checkpointed state by operator index, loaded when the operators are created.
    pending: Vec<(usize, Vec<Vec<RecordBatch>>)>,
    /// Each `withWatermark` step's delay and the event times it saw in the latest batch (plan pre-order).
    event_times: Vec<(i64, EventTimeStats)>,
}

struct Planner {
    cx: PlanContext,
    sources: usize,
    operators: Vec<Box<dyn StatefulOperator>>,
    watermarks: Vec<i64>,
}

impl Planner {
    #[recursive::recursive]
    fn step(&mut self, p: &Arc<LogicalPlan>) -> Result<Step> {
        if let PlanNode::StreamScan { .. } = &p.node {
            self.sources += 1;
            return Ok(Step::Source(self.sources - 1));
        }
        if let PlanNode::EventTimeWatermark { input, column, delay_ms } = &p.node {
            self.watermarks.push(*delay_ms);
            let index = self.watermarks.len() - 1;
            return Ok(Step::Watermark { index, column: *column, input: Box::new(self.step(input)?) });
        }
        for planner in PLANNERS {
            if let Some(planned) = planner(p, self.cx)? {
                let index = self.operators.len();
                self.operators.push(planned.operator);
                let inputs = planned.inputs.iter().map(|i| self.step(i)).collect::<Result<_>>()?;
                return Ok(Step::Operator { index, inputs });
            }
        }
        let mut inputs = Vec::new();
        let template = self.template(p, &mut inputs)?;
        Ok(Step::Stateless { template, inputs })
    }

    /// `p` with each streaming child that is not stateless itself (a source, watermark or operator) made a slot.
    fn template(&mut self, p: &Arc<LogicalPlan>, inputs: &mut Vec<Step>) -> Result<Arc<LogicalPlan>> {
        let children = p
            .children()
            .into_iter()
            .map(|c| {
                if !c.is_streaming() {
                    return Ok(c.clone());
                }
                match self.step(c)? {
                    Step::Stateless { template, inputs: inner } => {
                        inputs.extend(inner);
                        Ok(template)
                    }
                    step => {
                        inputs.push(step);
                        Ok(LogicalPlan::new(PlanNode::StreamScan { source: Arc::new(Slot) }, c.schema.clone()))
                    }
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(p.with_children(children))
    }
}

/// `template` with its slots (in pre-order) replaced by `rows`.
#[recursive::recursive]
fn fill(template: &Arc<LogicalPlan>, rows: &mut std::vec::IntoIter<Vec<RecordBatch>>) -> Arc<LogicalPlan> {
    if !template.is_streaming() {
        return template.clone();
    }
    if let PlanNode::StreamScan { .. } = &template.node {
        let batches = rows.next().unwrap_or_default();
        return LogicalPlan::new(PlanNode::Values { batches: Arc::new(batches) }, template.schema.clone());
    }
    let children = template.children().into_iter().map(|c| fill(c, rows)).collect();
    template.with_children(children)
}

impl Incremental {
    pub fn new(plan: Arc<LogicalPlan>, mode: OutputMode) -> Self {
        Incremental { plan, mode, root: None, operators: Vec::new(), pending: Vec::new(), event_times: Vec::new() }
    }

    pub fn plan(&self) -> &Arc<LogicalPlan> {
        &self.plan
    }

    /// Plan the query's steps and operators with the state's partition count (once, before the first batch).
    pub fn prepare(&mut self, partitions: usize) -> Result<()> {
        if self.root.is_some() {
            return Ok(());
        }
        let mut planner = Planner {
            cx: PlanContext { mode: self.mode, partitions },
            sources: 0,
            operators: Vec::new(),
            watermarks: Vec::new(),
        };
        let root = planner.step(&self.plan)?;
        self.event_times = planner.watermarks.into_iter().map(|d| (d, EventTimeStats::default())).collect();
        self.operators = planner.operators;
        for (index, parts) in std::mem::take(&mut self.pending) {
            self.operators[index].restore_tables(&parts)?;
        }
        self.root = Some(root);
        Ok(())
    }

    /// Number of `withWatermark` steps (0: the query has no watermark).
    pub fn watermark_steps(&self) -> usize {
        #[recursive::recursive]
        fn count(p: &LogicalPlan) -> usize {
            let own = usize::from(matches!(p.node, PlanNode::EventTimeWatermark { .. }) && p.is_streaming());
            own + p.children().into_iter().map(|c| count(c)).sum::<usize>()
        }
        count(&self.plan)
    }

    /// Each `withWatermark` step's delay and the event times it saw in the latest batch.
    pub fn event_times(&self) -> Vec<(i64, EventTimeStats)> {
        self.event_times.clone()
    }

    /// The stateful operators' shapes in operator order (what a restart must find unchanged).
    pub fn stateful_shapes(&self) -> Vec<serde_json::Value> {
        self.operators.iter().map(|o| o.shape()).collect()
    }

    /// Each stateful operator's state, in operator order, for the checkpoint: per partition, one batch per table.
    pub fn snapshot(&mut self) -> Result<Vec<Vec<Vec<RecordBatch>>>> {
        self.operators.iter_mut().map(|o| o.snapshot_tables()).collect()
    }

    /// Each stateful operator's changes in the latest batch (per partition), in operator order, for the store.
    pub fn changes(&mut self) -> Result<Vec<Vec<crate::stream::state::PartitionChanges>>> {
        self.operators.iter_mut().map(|o| o.changes()).collect()
    }

    /// The state store tables of each stateful operator, in operator order.
    pub fn state_tables(&self) -> Vec<Vec<crate::stream::state::TableSpec>> {
        self.operators.iter().map(|o| o.state_tables()).collect()
    }

    /// Record the state store's commit of operator `i` in its metrics.
    pub fn record_commit(&mut self, i: usize, commit_ms: u64, bytes_written: u64) {
        if let Some(op) = self.operators.get_mut(i) {
            let m = op.metrics_mut();
            m.commit_ms = commit_ms;
            m.state_bytes_written = bytes_written;
        }
    }

    /// Checkpointed state by operator index, loaded into the operators when they are planned.
    pub fn restore(&mut self, states: Vec<(usize, Vec<Vec<RecordBatch>>)>) -> Result<()> {
        if self.root.is_some() {
            for (index, parts) in states {
                self.operators[index].restore_tables(&parts)?;
            }
        } else {
            self.pending = states;
        }
        Ok(())
    }

    /// Metrics of the stateful operators for the latest batch, in operator order.
    pub fn operator_metrics(&self) -> Vec<&OperatorMetrics> {
        self.operators.iter().map(|o| o.metrics()).collect()
    }

    /// Whether a batch without new data should run: an operator asks for it (processing-time timeouts every
    /// trigger; otherwise only when the watermark rose past the latest batch's and an operator can act on it).
    pub fn wants_no_data_batch(&self, new_watermark_ms: i64, last_batch_watermark_ms: i64) -> bool {
        let rose = new_watermark_ms > last_batch_watermark_ms;
        self.operators.iter().any(|o| o.wants_no_data_batch(rose))
    }

    /// Run one micro-batch; `inputs[i]` holds the rows of the i-th streaming source (pre-order). As in Spark 3.4+,
    /// rows are late against the previous batch's watermark and state is evicted against this batch's.
    pub fn run_batch(
        &mut self,
        inputs: &[Vec<RecordBatch>],
        marks: Watermarks,
        ctx: &ExecContext,
    ) -> Result<Vec<RecordBatch>> {
        self.prepare(ctx.shuffle_partitions)?;
        for (_, s) in self.event_times.iter_mut() {
            *s = EventTimeStats::default();
        }
        let root = self.root.take().expect("prepared");
        let out = self.eval(&root, inputs, marks, ctx);
        self.root = Some(root);
        out
    }

    /// The watermarks an operator over `steps` applies: the query's, lowered by the output watermark of any
    /// stateful operator below it (a stream-stream join can emit rows older than the query's watermark).
    fn input_marks(&self, steps: &[Step], marks: Watermarks) -> Watermarks {
        steps
            .iter()
            .map(|s| self.output_marks(s, marks))
            .reduce(|a, b| Watermarks { late_ms: a.late_ms.min(b.late_ms), evict_ms: a.evict_ms.min(b.evict_ms) })
            .unwrap_or(marks)
    }

    #[recursive::recursive]
    fn output_marks(&self, step: &Step, marks: Watermarks) -> Watermarks {
        match step {
            Step::Source(_) => marks,
            Step::Watermark { input, .. } => self.output_marks(input, marks),
            Step::Stateless { inputs, .. } => self.input_marks(inputs, marks),
            Step::Operator { index, inputs } => {
                let m = self.input_marks(inputs, marks);
                let op = &self.operators[*index];
                Watermarks { late_ms: op.output_watermark(m.late_ms), evict_ms: op.output_watermark(m.evict_ms) }
            }
        }
    }

    #[recursive::recursive]
    fn eval(
        &mut self,
        step: &Step,
        inputs: &[Vec<RecordBatch>],
        marks: Watermarks,
        ctx: &ExecContext,
    ) -> Result<Vec<RecordBatch>> {
        match step {
            Step::Source(i) => Ok(inputs[*i].clone()),
            Step::Watermark { index, column, input } => {
                let rows = self.eval(input, inputs, marks, ctx)?;
                let stats = &mut self.event_times[*index].1;
                for b in &rows {
                    stats.observe(b, *column);
                }
                Ok(rows)
            }
            Step::Operator { index, inputs: steps } => {
                let rows = steps.iter().map(|s| self.eval(s, inputs, marks, ctx)).collect::<Result<Vec<_>>>()?;
                let own = self.input_marks(steps, marks);
                self.operators[*index].process(rows, own, ctx)
            }
            Step::Stateless { template, inputs: steps } => {
                let rows = steps.iter().map(|s| self.eval(s, inputs, marks, ctx)).collect::<Result<Vec<_>>>()?;
                execute(&fill(template, &mut rows.into_iter()), ctx)
            }
        }
    }
}
