//! datetime functions. (Being written.)
use super::FunctionRegistry;

pub fn register(_r: &mut FunctionRegistry) {}
