//! Sort: Spark's ordering (ascending puts nulls first unless told otherwise; strings by UTF-8 bytes; NaN largest).
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::compute::{concat_batches, lexsort_to_indices, SortColumn, SortOptions};
use arrow::datatypes::Schema;

use crate::context::ExecContext;
use crate::error::Result;
use crate::plan::SortKey;
use crate::types::batch::make_batch;

pub fn sort(
    batches: &[RecordBatch],
    keys: &[SortKey],
    schema: &Arc<Schema>,
    ctx: &ExecContext,
) -> Result<Vec<RecordBatch>> {
    let all = concat_batches(schema, batches)?;
    if all.num_rows() == 0 || keys.is_empty() {
        return Ok(vec![all]);
    }
    let columns = keys
        .iter()
        .map(|k| {
            Ok(SortColumn {
                values: k.expr.evaluate(&all, &ctx.eval)?,
                options: Some(SortOptions { descending: !k.ascending, nulls_first: k.nulls_first }),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let idx = lexsort_to_indices(&columns, None)?;
    let cols =
        all.columns().iter().map(|c| Ok(arrow::compute::take(c.as_ref(), &idx, None)?)).collect::<Result<Vec<_>>>()?;
    Ok(vec![make_batch(schema.clone(), cols, idx.len())?])
}
