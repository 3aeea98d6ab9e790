//! `mapInPandas` / `mapInArrow`: a function from a batch of rows to any number of rows of a declared schema,
//! called once per input batch (Spark calls it once per partition with an iterator; a batch is ember's partition).
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::error::Result;

/// The user's function behind a `MapBatches` node, implemented by the bindings (the engine knows no Python).
pub trait BatchFunction: Send + Sync {
    /// What `explain()` shows: `MapInPandas` or `MapInArrow`.
    fn name(&self) -> &str;
    /// The function's output for one input batch, conformed to `output` (names and types).
    fn call(&self, input: RecordBatch, output: &SchemaRef) -> Result<Vec<RecordBatch>>;
}
