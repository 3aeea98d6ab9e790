//! Spark's CAST. (Temporary shim on main; the cast branch replaces this file.)
use arrow::array::ArrayRef;
use arrow::datatypes::DataType;

use crate::error::Result;
use crate::expr::physical::EvalContext;

pub fn can_cast(_from: &DataType, _to: &DataType) -> bool {
    true
}

pub fn spark_cast(array: &ArrayRef, to: &DataType, _ctx: &EvalContext) -> Result<ArrayRef> {
    Ok(arrow::compute::cast(array, to)?)
}

pub fn to_spark_string(array: &ArrayRef, ctx: &EvalContext) -> Result<ArrayRef> {
    spark_cast(array, &DataType::Utf8, ctx)
}
