//! `foreachBatch(func)`: each micro-batch as a DataFrame, with its id, handed to the user's function.

use arrow::array::RecordBatch;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::schema::PlanSchema;
use crate::plan::streaming::Trigger;
use crate::plan::{builder, LogicalPlan};
use crate::stream::connector::{SinkArgs, SinkProvider};
use crate::stream::sink::{BatchCallback, Sink};

pub struct ForeachBatchProvider;
pub static FOREACH_BATCH: ForeachBatchProvider = ForeachBatchProvider;

impl SinkProvider for ForeachBatchProvider {
    fn name(&self) -> &'static str {
        "foreachBatch"
    }
    fn check_trigger(&self, trigger: Trigger) -> Result<()> {
        if matches!(trigger, Trigger::Continuous(_)) {
            return Err(EmberError::analysis_condition("_LEGACY_ERROR_TEMP_1195", [("source", "foreachBatch")]));
        }
        Ok(())
    }
    fn create(&self, args: SinkArgs<'_>) -> Result<Box<dyn Sink>> {
        let call = args.functions.batch.ok_or_else(|| EmberError::execution("foreachBatch needs a function"))?;
        Ok(Box::new(ForeachBatchSink { call }))
    }
}

/// Hands each batch's rows, as a DataFrame over them, to a function.
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
        let plan = LogicalPlan::new(values.node.clone(), PlanSchema::fresh(schema.fields.clone()));
        (self.call)(batch_id, plan)
    }
    fn description(&self) -> String {
        "ForeachBatchSink".into()
    }
}
