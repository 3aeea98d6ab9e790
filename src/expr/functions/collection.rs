//! Array, map and struct functions.
use arrow::array::ArrayRef;

use super::FunctionRegistry;
use crate::error::Result;

pub fn reverse_lists(a: &ArrayRef) -> Result<ArrayRef> {
    Ok(a.clone())
}

pub fn register(_r: &mut FunctionRegistry) {}
