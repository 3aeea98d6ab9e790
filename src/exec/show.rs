//! show(). (Temporary shim on main; the cast branch replaces this file.)
use arrow::array::RecordBatch;

use crate::error::Result;
use crate::expr::physical::EvalContext;

pub fn show_string(names: &[String], batch: &RecordBatch, n: usize, _truncate: usize, _vertical: bool, _ctx: &EvalContext) -> Result<String> {
    let b = batch.slice(0, batch.num_rows().min(n));
    Ok(format!("{names:?}\n{}\n", arrow::util::pretty::pretty_format_batches(&[b])?))
}
