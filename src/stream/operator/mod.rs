//! Stateful streaming operators behind one trait (Spark's `StateStoreWriter` execs): each declares its inputs (one or
//! two streams), its checkpoint shape, how it handles a batch under the two watermarks, whether a rising watermark
//! alone needs a batch, and its metrics. Operators are found when a query is planned (`Incremental::prepare`):
//! each file here has a planner that recognises its logical node; a new operator is one file plus one line in
//! `PLANNERS`.

/// The trait methods an operator whose state structure (`self.$field`) has `metrics`, `changes`, `snapshot` and
/// `restore` of its own hands straight to it.
macro_rules! state_methods {
    ($field:ident) => {
        fn metrics(&self) -> &crate::stream::metrics::OperatorMetrics {
            &self.$field.metrics
        }
        fn metrics_mut(&mut self) -> &mut crate::stream::metrics::OperatorMetrics {
            &mut self.$field.metrics
        }
        fn changes(&mut self) -> crate::error::Result<Vec<crate::stream::state::PartitionChanges>> {
            self.$field.changes()
        }
        fn snapshot(&mut self) -> crate::error::Result<Vec<arrow::array::RecordBatch>> {
            self.$field.snapshot()
        }
        fn restore(&mut self, parts: &[arrow::array::RecordBatch]) -> crate::error::Result<()> {
            self.$field.restore(parts)
        }
    };
}

pub mod aggregate;
pub mod deduplicate;
pub mod flat_map_groups_with_state;
pub mod session_window;
pub mod stream_join;
pub mod transform_with_state;

use std::sync::Arc;

use arrow::array::RecordBatch;

use crate::context::ExecContext;
use crate::error::Result;
use crate::expr::schema::PlanSchema;
use crate::plan::streaming::OutputMode;
use crate::plan::LogicalPlan;
use crate::stream::metrics::OperatorMetrics;
use crate::stream::state::{PartitionChanges, TableSpec};

/// The watermarks a batch applies: rows at or below `late_ms` are dropped (the previous batch's watermark);
/// state at or below `evict_ms` is emitted or forgotten (this batch's).
#[derive(Clone, Copy, Debug, Default)]
pub struct Watermarks {
    pub late_ms: i64,
    pub evict_ms: i64,
}

pub trait StatefulOperator: Send {
    /// What a restart must find unchanged (`state/<op>/_metadata`): Spark's operator name, key and value columns.
    fn shape(&self) -> serde_json::Value;
    /// Process one batch: `inputs[i]` holds the rows of input i (in the order the planner listed them).
    fn process(
        &mut self,
        inputs: Vec<Vec<RecordBatch>>,
        marks: Watermarks,
        ctx: &ExecContext,
    ) -> Result<Vec<RecordBatch>>;
    /// Whether a batch without new data should run for this operator: when the watermark rose (`watermark_rose`) and
    /// it can emit or evict something, or when it has processing-time timeouts, which are checked every trigger.
    fn wants_no_data_batch(&self, watermark_rose: bool) -> bool;
    /// The watermark (ms) an operator above this one sees when this one's input watermark is `input_ms` (Spark's
    /// produceOutputWatermark): the input's, unless the operator can emit rows older than it.
    fn output_watermark(&self, input_ms: i64) -> i64 {
        input_ms
    }
    /// Figures of the latest batch for progress `stateOperators` (the state store's commit adds its own).
    fn metrics(&self) -> &OperatorMetrics;
    fn metrics_mut(&mut self) -> &mut OperatorMetrics;
    /// The state store tables it keeps (their key columns lead each row).
    fn state_tables(&self) -> Vec<TableSpec>;
    /// What the latest batch changed, per partition, for the state store's change file.
    fn changes(&mut self) -> Result<Vec<PartitionChanges>>;
    /// The whole state for a snapshot: one batch per partition.
    fn snapshot(&mut self) -> Result<Vec<RecordBatch>>;
    /// Load the state as the store read it back (one batch per partition).
    fn restore(&mut self, parts: &[RecordBatch]) -> Result<()>;
    /// The whole state per partition, one batch per table of `state_tables` (an operator with several tables
    /// overrides this and `restore_tables`).
    fn snapshot_tables(&mut self) -> Result<Vec<Vec<RecordBatch>>> {
        Ok(self.snapshot()?.into_iter().map(|b| vec![b]).collect())
    }
    /// Load the state per partition, one batch per table as the store read it back.
    fn restore_tables(&mut self, parts: &[Vec<RecordBatch>]) -> Result<()> {
        let first: Vec<RecordBatch> = parts.iter().filter_map(|t| t.first().cloned()).collect();
        self.restore(&first)
    }
}

/// What a planner is given: the query's output mode and the state's partition count (fixed by the checkpoint).
#[derive(Clone, Copy)]
pub struct PlanContext {
    pub mode: OutputMode,
    pub partitions: usize,
}

/// A recognised stateful node: the operator and the logical inputs whose rows it consumes.
pub struct Planned {
    pub operator: Box<dyn StatefulOperator>,
    pub inputs: Vec<Arc<LogicalPlan>>,
}

/// Recognises its operator's logical node (`None`: not this operator's).
pub type Planner = fn(&Arc<LogicalPlan>, PlanContext) -> Result<Option<Planned>>;

/// Tried in order; session windows before plain aggregation (both are `Aggregate` nodes).
pub static PLANNERS: &[Planner] = &[
    session_window::plan,
    aggregate::plan,
    deduplicate::plan,
    flat_map_groups_with_state::plan,
    transform_with_state::plan,
    stream_join::plan,
];

/// `name: type` per column of `range` of a schema (the shape's key and value lists).
pub fn column_types(schema: &PlanSchema, range: std::ops::Range<usize>) -> Vec<String> {
    range
        .map(|i| {
            let f = &schema.fields[i];
            format!("{}: {}", f.name(), crate::types::simple_string(f.data_type()))
        })
        .collect()
}
