//! datetime functions. (Temporary shim on main; the datetime branch replaces this file.)
use arrow::datatypes::DataType;

use super::FunctionRegistry;
use crate::error::{EmberError, Result};
use crate::expr::physical::{ColumnarValue, EvalContext};

pub fn register(_r: &mut FunctionRegistry) {}

pub fn interval_result_type(_l: &DataType, _r: &DataType) -> Option<DataType> {
    None
}

pub fn add_interval(_l: &ColumnarValue, _r: &ColumnarValue, _sub: bool, _n: usize, _ctx: &EvalContext) -> Result<ColumnarValue> {
    Err(EmberError::not_implemented("interval arithmetic"))
}
