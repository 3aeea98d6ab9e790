//! Incremental execution: each micro-batch runs the query's analyzed plan with its streaming sources replaced by
//! the batch's rows. Stateful steps keep state across batches (keyed by their position in a pre-order walk of the
//! plan): aggregations (`aggregate_state`), session-window aggregations (`session_state`), deduplication
//! (`dedup_state`); `withWatermark` steps report the event times they saw (`watermark`).
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::RecordBatch;

use crate::error::Result;
use crate::exec::execute::{execute, ExecContext};
use crate::expr::physical::PhysicalKind;
use crate::plan::{LogicalPlan, PlanNode};
use crate::stream::aggregate_state::AggregateState;
use crate::stream::checks::OutputMode;
use crate::stream::dedup_state::DedupState;
use crate::stream::group_state::{GroupStateStore, GroupTimeout};
use crate::stream::metrics::OperatorMetrics;
use crate::stream::session_state::SessionState;
use crate::stream::state::{PartitionChanges, TableSpec};
use crate::stream::watermark::EventTimeStats;

/// The watermarks a batch applies: rows at or below `late_ms` are dropped (the previous batch's watermark);
/// state at or below `evict_ms` is emitted or forgotten (this batch's).
#[derive(Clone, Copy, Debug, Default)]
pub struct Watermarks {
    pub late_ms: i64,
    pub evict_ms: i64,
}

enum Stateful {
    Aggregate(AggregateState),
    Session(SessionState),
    Dedup(DedupState),
    Group(GroupStateStore, GroupTimeout),
}

impl Stateful {
    fn metrics(&self) -> &OperatorMetrics {
        match self {
            Stateful::Aggregate(a) => &a.metrics,
            Stateful::Session(s) => &s.metrics,
            Stateful::Dedup(d) => &d.metrics,
            Stateful::Group(g, _) => &g.metrics,
        }
    }

    fn metrics_mut(&mut self) -> &mut OperatorMetrics {
        match self {
            Stateful::Aggregate(a) => &mut a.metrics,
            Stateful::Session(s) => &mut s.metrics,
            Stateful::Dedup(d) => &mut d.metrics,
            Stateful::Group(g, _) => &mut g.metrics,
        }
    }

    /// Whether a rising watermark lets this operator emit or forget something.
    fn watermark_sensitive(&self, mode: OutputMode) -> bool {
        match self {
            // As Spark: any aggregation outside complete mode, and deduplication, run a batch for a new watermark
            // even when they have nothing to evict.
            Stateful::Aggregate(_) | Stateful::Session(_) => mode != OutputMode::Complete,
            Stateful::Dedup(_) => true,
            Stateful::Group(_, t) => *t != GroupTimeout::NoTimeout,
        }
    }
}

/// A streaming query's plan and the state of its stateful operators.
pub struct Incremental {
    plan: Arc<LogicalPlan>,
    mode: OutputMode,
    operators: HashMap<usize, Stateful>,
    /// Checkpointed state by operator node id, loaded into each operator when it is created.
    pending: HashMap<usize, Vec<RecordBatch>>,
    /// Event times seen by each `withWatermark` step in the latest batch, with its delay (plan pre-order).
    event_times: Vec<(usize, i64, EventTimeStats)>,
}

/// The applyInPandasWithState specs by node id (same numbering as `rewrite`).
fn group_specs(plan: &LogicalPlan) -> HashMap<usize, crate::stream::group_state::GroupStateSpec> {
    fn walk(p: &LogicalPlan, id: &mut usize, out: &mut HashMap<usize, crate::stream::group_state::GroupStateSpec>) {
        let me = *id;
        *id += 1;
        if !p.is_streaming() {
            return;
        }
        if let PlanNode::FlatMapGroupsWithState { spec, .. } = &p.node {
            out.insert(me, spec.clone());
        }
        for c in p.children() {
            walk(c, id, out);
        }
    }
    let mut out = HashMap::new();
    walk(plan, &mut 0, &mut out);
    out
}

/// Pre-order ids and delays of the `withWatermark` steps of the streaming part of `plan`.
fn watermark_steps(p: &LogicalPlan, id: &mut usize, out: &mut Vec<(usize, i64)>) {
    let me = *id;
    *id += 1;
    if !p.is_streaming() {
        return;
    }
    if let PlanNode::EventTimeWatermark { delay_ms, .. } = &p.node {
        out.push((me, *delay_ms));
    }
    for c in p.children() {
        watermark_steps(c, id, out);
    }
}

impl Incremental {
    pub fn new(plan: Arc<LogicalPlan>, mode: OutputMode) -> Self {
        let mut steps = Vec::new();
        watermark_steps(&plan, &mut 0, &mut steps);
        let event_times = steps.into_iter().map(|(id, d)| (id, d, EventTimeStats::default())).collect();
        Incremental { plan, mode, operators: HashMap::new(), pending: HashMap::new(), event_times }
    }

    pub fn plan(&self) -> &Arc<LogicalPlan> {
        &self.plan
    }

    /// Number of `withWatermark` steps (0: the query has no watermark).
    pub fn watermark_steps(&self) -> usize {
        self.event_times.len()
    }

    /// Each `withWatermark` step's delay and the event times it saw in the latest batch.
    pub fn event_times(&self) -> Vec<(i64, EventTimeStats)> {
        self.event_times.iter().map(|(_, d, s)| (*d, *s)).collect()
    }

    /// The stateful operators in plan order: node id and shape (what a restart must find unchanged).
    pub fn stateful_shapes(&self) -> Vec<(usize, serde_json::Value)> {
        fn fields(schema: &crate::plan::schema::PlanSchema, range: std::ops::Range<usize>) -> Vec<String> {
            range
                .map(|i| {
                    let f = &schema.fields[i];
                    format!("{}: {}", f.name(), crate::types::simple_string(f.data_type()))
                })
                .collect()
        }
        fn walk(p: &LogicalPlan, id: &mut usize, out: &mut Vec<(usize, serde_json::Value)>) {
            let me = *id;
            *id += 1;
            if !p.is_streaming() {
                return;
            }
            let shape = match &p.node {
                PlanNode::Aggregate { input, group_exprs, .. } => {
                    let name = if matches!(input.node, PlanNode::MergeSessions { .. }) {
                        "sessionWindowStateStoreSaveExec"
                    } else {
                        "stateStoreSave"
                    };
                    let n = group_exprs.len();
                    Some(serde_json::json!({"operator": name, "keys": fields(&p.schema, 0..n),
                        "values": fields(&p.schema, n..p.schema.len())}))
                }
                PlanNode::Deduplicate { input, keys, within_watermark } => {
                    let keys: Vec<String> = keys.iter().flat_map(|&k| fields(&input.schema, k..k + 1)).collect();
                    let name = if *within_watermark { "dedupeWithinWatermark" } else { "dedupe" };
                    Some(serde_json::json!({"operator": name, "keys": keys, "values": []}))
                }
                PlanNode::FlatMapGroupsWithState { spec, .. } => {
                    let keys: Vec<String> =
                        spec.keys.iter().map(|k| crate::types::simple_string(&k.data_type)).collect();
                    let values: Vec<String> = spec
                        .state_schema
                        .fields()
                        .iter()
                        .map(|f| format!("{}: {}", f.name(), crate::types::simple_string(f.data_type())))
                        .collect();
                    Some(serde_json::json!({"operator": "applyInPandasWithState", "keys": keys, "values": values}))
                }
                _ => None,
            };
            if let Some(s) = shape {
                out.push((me, s));
            }
            for c in p.children() {
                walk(c, id, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.plan, &mut 0, &mut out);
        out
    }

    /// Each stateful operator's state (by node id), for the checkpoint.
    pub fn snapshot(&mut self) -> Result<Vec<(usize, Vec<RecordBatch>)>> {
        let plan = self.plan.clone();
        let specs = group_specs(&plan);
        let mut ids: Vec<usize> = self.operators.keys().copied().collect();
        ids.sort();
        ids.into_iter()
            .map(|id| {
                let parts = match self.operators.get_mut(&id).unwrap() {
                    Stateful::Aggregate(a) => a.snapshot()?,
                    Stateful::Session(s) => s.snapshot()?,
                    Stateful::Dedup(d) => d.snapshot()?,
                    Stateful::Group(g, _) => g.snapshot(&specs[&id])?,
                };
                Ok((id, parts))
            })
            .collect()
    }

    /// Each stateful operator's changes in the latest batch (by node id, per partition), for the state store.
    pub fn changes(&mut self) -> Result<Vec<(usize, Vec<PartitionChanges>)>> {
        let specs = group_specs(&self.plan);
        let mut ids: Vec<usize> = self.operators.keys().copied().collect();
        ids.sort();
        ids.into_iter()
            .map(|id| {
                let parts = match self.operators.get_mut(&id).unwrap() {
                    Stateful::Aggregate(a) => a.changes()?,
                    Stateful::Session(s) => s.changes()?,
                    Stateful::Dedup(d) => d.changes()?,
                    Stateful::Group(g, _) => g.changes(&specs[&id])?,
                };
                Ok((id, parts))
            })
            .collect()
    }

    /// The state store tables of each stateful operator, in plan order (one table each; its key columns lead).
    pub fn state_tables(&self) -> Vec<Vec<TableSpec>> {
        self.stateful_shapes()
            .iter()
            .map(|(_, shape)| {
                let keys = match shape["operator"].as_str() {
                    // Keys stored as one row-format binary column.
                    Some("dedupe" | "dedupeWithinWatermark" | "applyInPandasWithState") => 1,
                    _ => shape["keys"].as_array().map_or(0, |k| k.len()),
                };
                vec![TableSpec::new("default", keys)]
            })
            .collect()
    }

    /// Record the state store commit of the `i`-th stateful operator (plan order) in its metrics.
    pub fn record_commit(&mut self, i: usize, commit_ms: u64, bytes_written: u64) {
        let mut ids: Vec<usize> = self.operators.keys().copied().collect();
        ids.sort();
        if let Some(op) = ids.get(i).and_then(|id| self.operators.get_mut(id)) {
            let m = op.metrics_mut();
            m.commit_ms = commit_ms;
            m.state_bytes_written = bytes_written;
        }
    }

    /// Checkpointed state to load (by node id) when the operators are created.
    pub fn restore(&mut self, states: HashMap<usize, Vec<RecordBatch>>) {
        self.pending = states;
    }

    /// Metrics of the stateful operators for the latest batch, in plan order.
    pub fn operator_metrics(&self) -> Vec<&OperatorMetrics> {
        let mut ids: Vec<&usize> = self.operators.keys().collect();
        ids.sort();
        ids.into_iter().map(|i| self.operators[i].metrics()).collect()
    }

    /// Whether a batch without new data should run: processing-time timeouts are checked every trigger (as in
    /// Spark); otherwise only when the watermark rose past the latest batch's and an operator can act on it.
    pub fn wants_no_data_batch(&self, new_watermark_ms: i64, last_batch_watermark_ms: i64) -> bool {
        self.operators.values().any(|o| matches!(o, Stateful::Group(_, GroupTimeout::ProcessingTime)))
            || (new_watermark_ms > last_batch_watermark_ms
                && self.operators.values().any(|o| o.watermark_sensitive(self.mode)))
    }

    /// Run one micro-batch; `inputs[i]` holds the rows of the i-th streaming source (pre-order). As in Spark 3.4+,
    /// rows are late against the previous batch's watermark and state is evicted against this batch's.
    pub fn run_batch(
        &mut self,
        inputs: &[Vec<RecordBatch>],
        watermark: Watermarks,
        ctx: &ExecContext,
    ) -> Result<Vec<RecordBatch>> {
        for (_, _, s) in self.event_times.iter_mut() {
            *s = EventTimeStats::default();
        }
        let plan = self.plan.clone();
        let (mut node_id, mut source) = (0usize, 0usize);
        let batch_plan = self.rewrite(&plan, inputs, watermark, ctx, &mut node_id, &mut source)?;
        execute(&batch_plan, ctx)
    }

    fn rewrite(
        &mut self,
        p: &Arc<LogicalPlan>,
        inputs: &[Vec<RecordBatch>],
        watermark: Watermarks,
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
        let mut run_child = |this: &mut Self, input: &Arc<LogicalPlan>| -> Result<Vec<RecordBatch>> {
            let child = this.rewrite(input, inputs, watermark, ctx, node_id, source)?;
            execute(&child, ctx)
        };
        match &p.node {
            PlanNode::StreamScan { .. } => {
                let data = inputs[*source].clone();
                *source += 1;
                Ok(values(data))
            }
            PlanNode::EventTimeWatermark { input, column, .. } => {
                let rows = run_child(self, input)?;
                if let Some((_, _, stats)) = self.event_times.iter_mut().find(|(n, _, _)| *n == id) {
                    for b in &rows {
                        stats.observe(b, *column);
                    }
                }
                Ok(values(rows))
            }
            PlanNode::Aggregate { input, group_exprs, aggregates } => {
                if let PlanNode::MergeSessions { input: windows, session, .. } = &input.node {
                    // The MergeSessions step is folded into the session state (it merges with stored sessions).
                    *node_id += 1;
                    let child = self.rewrite(windows, inputs, watermark, ctx, node_id, source)?;
                    let rows = execute(&child, ctx)?;
                    if !self.operators.contains_key(&id) {
                        let mut st = SessionState::new(group_exprs, aggregates, *session, ctx.shuffle_partitions)?;
                        if let Some(parts) = self.pending.remove(&id) {
                            st.restore(&parts)?;
                        }
                        self.operators.insert(id, Stateful::Session(st));
                    }
                    let Some(Stateful::Session(st)) = self.operators.get_mut(&id) else { unreachable!() };
                    let out = st.process(
                        &rows,
                        &p.schema.arrow_schema(),
                        &windows.schema.arrow_schema(),
                        self.mode,
                        watermark,
                        ctx,
                    )?;
                    return Ok(values(vec![out]));
                }
                let rows = run_child(self, input)?;
                if !self.operators.contains_key(&id) {
                    let event_key = group_exprs.iter().position(|g| match g.kind {
                        PhysicalKind::Column(c) => input.schema.attrs[c].watermark_delay_ms.is_some(),
                        _ => false,
                    });
                    let mut st = AggregateState::new(group_exprs, aggregates, event_key, ctx.shuffle_partitions)?;
                    if let Some(parts) = self.pending.remove(&id) {
                        st.restore(&parts)?;
                    }
                    self.operators.insert(id, Stateful::Aggregate(st));
                }
                let Some(Stateful::Aggregate(st)) = self.operators.get_mut(&id) else { unreachable!() };
                let out = st.process(&rows, &p.schema.arrow_schema(), self.mode, watermark, ctx)?;
                Ok(values(vec![out]))
            }
            PlanNode::FlatMapGroupsWithState { input, spec } => {
                let rows = run_child(self, input)?;
                if !self.operators.contains_key(&id) {
                    let mut st = GroupStateStore::new(spec, ctx.shuffle_partitions)?;
                    if let Some(parts) = self.pending.remove(&id) {
                        st.restore(spec, &parts)?;
                    }
                    self.operators.insert(id, Stateful::Group(st, spec.timeout));
                }
                let Some(Stateful::Group(st, _)) = self.operators.get_mut(&id) else { unreachable!() };
                let out =
                    st.process(spec, &rows, &input.schema.arrow_schema(), watermark.late_ms, watermark.evict_ms, ctx)?;
                let schema = p.schema.arrow_schema();
                let out = out
                    .into_iter()
                    .map(|b| crate::exec::execute::make_batch(schema.clone(), b.columns().to_vec(), b.num_rows()))
                    .collect::<Result<Vec<_>>>()?;
                Ok(values(out))
            }
            PlanNode::Deduplicate { input, keys, within_watermark } => {
                let rows = run_child(self, input)?;
                if !self.operators.contains_key(&id) {
                    let event =
                        input.schema.attrs.iter().enumerate().find_map(|(i, a)| a.watermark_delay_ms.map(|d| (i, d)));
                    let mut st =
                        DedupState::new(keys, &input.data_types(), event, *within_watermark, ctx.shuffle_partitions)?;
                    if let Some(parts) = self.pending.remove(&id) {
                        st.restore(&parts)?;
                    }
                    self.operators.insert(id, Stateful::Dedup(st));
                }
                let Some(Stateful::Dedup(st)) = self.operators.get_mut(&id) else { unreachable!() };
                Ok(values(st.process(&rows, watermark)?))
            }
            _ => {
                let children = p
                    .children()
                    .into_iter()
                    .map(|c| self.rewrite(c, inputs, watermark, ctx, node_id, source))
                    .collect::<Result<Vec<_>>>()?;
                Ok(p.with_children(children))
            }
        }
    }
}
