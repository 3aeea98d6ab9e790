//! Building a `RecordBatch` from columns, including the zero-column batches Spark plans produce.
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow::datatypes::Schema;

use crate::error::Result;

/// A batch of `schema` from columns, allowing zero columns (row count kept).
pub fn make_batch(schema: Arc<Schema>, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch> {
    let opts = RecordBatchOptions::new().with_row_count(Some(rows));
    Ok(RecordBatch::try_new_with_options(schema, columns, &opts)?)
}

/// The rows of `batch` at `rows`, in that order, as a batch of `schema`.
pub fn take_rows(batch: &RecordBatch, rows: Vec<u32>, schema: &Arc<Schema>) -> Result<RecordBatch> {
    let idx = UInt32Array::from(rows);
    let cols = batch
        .columns()
        .iter()
        .map(|c| Ok(arrow::compute::take(c.as_ref(), &idx, None)?))
        .collect::<Result<Vec<_>>>()?;
    make_batch(schema.clone(), cols, idx.len())
}
