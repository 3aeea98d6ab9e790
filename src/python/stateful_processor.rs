//! transformWithState's processor: a Python runner (`ember.sql.streaming.stateful_processor._ProcessorRunner`)
//! called once per batch with Arrow data (the keys, their rows, each state variable's rows per key as list arrays);
//! it calls the user's StatefulProcessor per key with pandas frames or Rows, fires the timers due, and returns the
//! output rows and the state lists of the keys it changed; and its declaring pass (`init` run to learn the state
//! variables) when a query is planned. The GIL is taken only for those calls. A Python error in either is
//! PySpark's `PythonException` (in a stream, the cause of the query's failure), as from PySpark's worker.
use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;
use pyo3::prelude::*;
use pyo3_arrow::{PyArray, PyRecordBatch};

use crate::error::Result;
use crate::plan::stateful_processor_spec::{
    ProcessorCalls, ProcessorFunction, ProcessorResults, StateKind, StateVariable,
};
use crate::python::error::python_exception_from_py as py_err;
use crate::python::group_function::conform;

pub struct PyProcessorFunction {
    pub runner: Py<PyAny>,
    pub output_schema: SchemaRef,
}

impl ProcessorFunction for PyProcessorFunction {
    fn declare(&self) -> Result<Vec<StateVariable>> {
        let declared: Vec<(String, String, String, usize, Option<i64>)> = Python::attach(|py| {
            let ret = self.runner.call_method0(py, "_declare_pass").map_err(|e| py_err(py, e))?;
            ret.extract(py).map_err(|e| py_err(py, e))
        })?;
        declared
            .into_iter()
            .map(|(name, kind, json, key_fields, ttl_ms)| {
                let fields = crate::types::spark_json::fields_from_json(&json)?;
                Ok(StateVariable {
                    name,
                    kind: StateKind::parse(&kind)?,
                    fields: std::sync::Arc::new(arrow::datatypes::Schema::new(fields)),
                    key_fields,
                    ttl_ms,
                })
            })
            .collect()
    }

    fn call(&self, calls: ProcessorCalls) -> Result<ProcessorResults> {
        Python::attach(|py| -> Result<ProcessorResults> {
            let batch = |b| PyRecordBatch::new(b).into_pyarrow(py).map_err(|e| py_err(py, e));
            let array = |a: ArrayRef| {
                let field = std::sync::Arc::new(arrow::datatypes::Field::new("s", a.data_type().clone(), true));
                let a = PyArray::new(a, field);
                a.to_pyarrow(py).map(|b| b.unbind()).map_err(|e| py_err(py, e))
            };
            let states = calls.states.into_iter().map(array).collect::<Result<Vec<_>>>()?;
            let initial = match calls.initial {
                Some(i) => Some((batch(i.data)?, i.offsets)),
                None => None,
            };
            let args = (
                batch(calls.keys)?,
                batch(calls.data)?,
                calls.offsets,
                states,
                calls.batch_timestamp_ms,
                calls.watermark_ms,
                calls.timer_threshold_ms,
                initial,
            );
            let ret = self.runner.call1(py, args).map_err(|e| py_err(py, e))?;
            let (outputs, changed, counters): (Vec<PyRecordBatch>, Vec<(Vec<u32>, PyArray)>, Vec<(String, usize)>) =
                ret.extract(py).map_err(|e| py_err(py, e))?;
            let output = outputs
                .into_iter()
                .map(|b| conform(b.into_inner(), &self.output_schema))
                .collect::<Result<Vec<_>>>()?;
            let changed = changed.into_iter().map(|(i, a)| (i, a.into_inner().0)).collect();
            Ok(ProcessorResults { output, changed, counters })
        })
    }
}
