//! `format("noop")`: runs the query and discards the rows (benchmarks, Spark's NoopTable).
use arrow::array::RecordBatch;

use crate::context::EvalContext;
use crate::error::Result;
use crate::expr::schema::PlanSchema;
use crate::stream::connector::{SinkArgs, SinkProvider};
use crate::stream::sink::Sink;

pub struct NoopProvider;
pub static NOOP: NoopProvider = NoopProvider;

impl SinkProvider for NoopProvider {
    fn name(&self) -> &'static str {
        "noop"
    }
    fn create(&self, _args: SinkArgs<'_>) -> Result<Box<dyn Sink>> {
        Ok(Box::new(NoopSink))
    }
}

/// Discards every batch.
pub struct NoopSink;

impl Sink for NoopSink {
    fn add_batch(&mut self, _: i64, _: &PlanSchema, _: Vec<RecordBatch>, _: &EvalContext) -> Result<()> {
        Ok(())
    }
    fn description(&self) -> String {
        "org.apache.spark.sql.execution.datasources.noop.NoopTable$@ember".into()
    }
}
