//! `window_time(window)`: the event time of a time window, its end minus one microsecond (so that a window
//! aggregated again by `window()` falls in the same window).
use std::sync::Arc;

use arrow::array::{Array, AsArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, TimestampMicrosecondType};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::functions::{ArgInfo, ScalarFunction, Signature};
use crate::expr::physical::ColumnarValue;

pub struct WindowTime;

impl ScalarFunction for WindowTime {
    fn name(&self) -> &str {
        "window_time"
    }

    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        let time_type = match args {
            [a] => match &a.data_type {
                DataType::Struct(f) if f.len() == 2 && matches!(f[1].data_type(), DataType::Timestamp(_, _)) => {
                    f[1].data_type().clone()
                }
                other => {
                    return Err(EmberError::analysis_class(
                        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                        format!("Cannot resolve \"window_time({})\" due to data type mismatch: The first parameter requires the \"STRUCT<start: TIMESTAMP, end: TIMESTAMP>\" type, however \"{}\" has the type \"{}\". SQLSTATE: 42K09",
                            a.sql, a.sql, crate::types::simple_string(other).to_uppercase()),
                    ))
                }
            },
            _ => {
                return Err(EmberError::analysis_condition(
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            [("functionName", "`window_time`".to_string()), ("expectedNum", "1".to_string()), ("actualNum", args.len().to_string())],
        ))
            }
        };
        Ok(Signature { arg_types: vec![args[0].data_type.clone()], return_type: time_type, nullable: true })
    }

    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, _ctx: &EvalContext) -> Result<ColumnarValue> {
        let windows = args[0].clone().into_array(num_rows)?;
        let windows = windows.as_struct();
        let ends = windows.column(1).as_primitive::<TimestampMicrosecondType>();
        let tz = match ends.data_type() {
            DataType::Timestamp(_, tz) => tz.clone(),
            _ => None,
        };
        let out: TimestampMicrosecondArray =
            (0..windows.len()).map(|i| (!windows.is_null(i) && !ends.is_null(i)).then(|| ends.value(i) - 1)).collect();
        Ok(ColumnarValue::Array(Arc::new(out.with_timezone_opt(tz))))
    }
}
