//! `foreach(writer)`: the writer's open/process/close run per row of each batch. The bindings turn the writer into a
//! per-batch function over the batch's rows (PySpark's contract lives with the Python object), so the engine side is
//! the foreachBatch sink; unlike foreachBatch it runs under a continuous trigger.
use crate::error::{EmberError, Result};
use crate::stream::connector::foreach_batch::ForeachBatchSink;
use crate::stream::connector::{SinkArgs, SinkProvider};
use crate::stream::sink::Sink;

pub struct ForeachProvider;
pub static FOREACH: ForeachProvider = ForeachProvider;

impl SinkProvider for ForeachProvider {
    fn name(&self) -> &'static str {
        "foreach"
    }
    fn create(&self, args: SinkArgs<'_>) -> Result<Box<dyn Sink>> {
        let call = args.functions.batch.ok_or_else(|| EmberError::execution("foreach needs a writer"))?;
        Ok(Box::new(ForeachBatchSink { call }))
    }
}
