//! Evaluation of resolved expressions on a batch. (Being written.)
use arrow::array::RecordBatch;

use crate::error::{EmberError, Result};
use crate::expr::physical::{ColumnarValue, EvalContext, PhysicalExpr};

pub fn evaluate(_e: &PhysicalExpr, _b: &RecordBatch, _c: &EvalContext) -> Result<ColumnarValue> {
    Err(EmberError::not_implemented("evaluation"))
}
