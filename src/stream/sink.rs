//! Streaming sinks: where each micro-batch's result goes. Sinks that call back into Python (console printing,
//! foreachBatch) receive a callback from the bindings, which take the GIL only for the call.
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;

use crate::error::Result;
use crate::expr::physical::EvalContext;
use crate::plan::schema::PlanSchema;
use crate::plan::{builder, LogicalPlan};
use crate::session::Session;

/// Receives the result rows of each micro-batch.
pub trait Sink: Send {
    fn add_batch(
        &mut self,
        batch_id: i64,
        schema: &PlanSchema,
        batches: Vec<RecordBatch>,
        ctx: &EvalContext,
    ) -> Result<()>;
    /// Spark's `description` in progress reports.
    fn description(&self) -> String;
}

/// A Python call made by a sink (with the GIL taken inside).
pub type TextCallback = Box<dyn Fn(String) -> Result<()> + Send>;
pub type BatchCallback = Box<dyn Fn(i64, Arc<LogicalPlan>) -> Result<()> + Send>;

/// `format("console")`: Spark's header and `show(numRows, truncate)` table per batch.
pub struct ConsoleSink {
    pub num_rows: usize,
    pub truncate: usize,
    pub print: TextCallback,
}

impl Sink for ConsoleSink {
    fn add_batch(
        &mut self,
        batch_id: i64,
        schema: &PlanSchema,
        batches: Vec<RecordBatch>,
        ctx: &EvalContext,
    ) -> Result<()> {
        let arrow_schema: SchemaRef = schema.arrow_schema();
        let all = concat_batches(&arrow_schema, &batches)?;
        let shown = all.slice(0, all.num_rows().min(self.num_rows + 1));
        let table = crate::exec::show::show_string(&schema.names(), &shown, self.num_rows, self.truncate, false, ctx)?;
        let dashes = "-".repeat(43);
        (self.print)(format!("{dashes}\nBatch: {batch_id}\n{dashes}\n{table}"))
    }
    fn description(&self) -> String {
        "org.apache.spark.sql.execution.streaming.ConsoleTable$@ember".into()
    }
}

/// `format("memory")`: the query name becomes a temp view (append adds rows, complete replaces them).
pub struct MemorySink {
    pub session: Arc<Session>,
    pub name: String,
    pub complete: bool,
    pub rows: Vec<RecordBatch>,
}

impl Sink for MemorySink {
    fn add_batch(
        &mut self,
        _batch_id: i64,
        schema: &PlanSchema,
        batches: Vec<RecordBatch>,
        _ctx: &EvalContext,
    ) -> Result<()> {
        if self.complete {
            self.rows = batches;
        } else {
            self.rows.extend(batches);
        }
        let plan = builder::values(schema.fields.clone(), self.rows.clone());
        let plan = Arc::new(LogicalPlan { node: plan.node.clone(), schema: PlanSchema::fresh(schema.fields.clone()) });
        self.session.register_view(&self.name, plan, false, true)
    }
    fn description(&self) -> String {
        "MemorySink".into()
    }
}

/// `foreachBatch(func)`: the batch as a DataFrame, with its id.
pub struct ForeachBatchSink {
    pub call: BatchCallback,
}

impl Sink for ForeachBatchSink {
    fn add_batch(
        &mut self,
        batch_id: i64,
        schema: &PlanSchema,
        batches: Vec<RecordBatch>,
        _ctx: &EvalContext,
    ) -> Result<()> {
        let values = builder::values(schema.fields.clone(), batches);
        let plan =
            Arc::new(LogicalPlan { node: values.node.clone(), schema: PlanSchema::fresh(schema.fields.clone()) });
        (self.call)(batch_id, plan)
    }
    fn description(&self) -> String {
        "ForeachBatchSink".into()
    }
}

/// `format("noop")`: runs the query, discards the rows.
pub struct NoopSink;

impl Sink for NoopSink {
    fn add_batch(&mut self, _: i64, _: &PlanSchema, _: Vec<RecordBatch>, _: &EvalContext) -> Result<()> {
        Ok(())
    }
    fn description(&self) -> String {
        "org.apache.spark.sql.execution.datasources.noop.NoopTable$@ember".into()
    }
}
