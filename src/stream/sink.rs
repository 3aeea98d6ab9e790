//! The writer contract of a streaming sink (Spark's `Sink.addBatch`), and the Python calls a sink may make.
//!
//! The contract: `add_batch(id, …)` is called once per micro-batch, in id order, before the batch is committed. After
//! a crash the last batch may be delivered again with the same id and the same rows; a sink that promises
//! exactly-once output must then write nothing twice (the file sink checks its `_spark_metadata/<id>` log; a
//! transactional sink records the id in its commit). Sinks that call Python take the GIL only inside the call.
use std::sync::Arc;

use arrow::array::RecordBatch;

use crate::context::EvalContext;
use crate::error::Result;
use crate::expr::schema::PlanSchema;
use crate::plan::LogicalPlan;

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
    /// The query's id (kept across restarts by the checkpoint), told before the first batch: a transactional sink
    /// records it with each batch id it commits.
    fn bind_query(&mut self, _query_id: &str) {}
}

/// A Python call made by a sink (with the GIL taken inside).
pub type TextCallback = Box<dyn Fn(String) -> Result<()> + Send>;
pub type BatchCallback = Box<dyn Fn(i64, Arc<LogicalPlan>) -> Result<()> + Send>;
