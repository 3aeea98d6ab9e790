//! `applyInPandasWithState`'s function: a Python runner (`ember.sql.streaming.state._GroupRunner`) called once per
//! batch with Arrow data; it loops over the groups, calls the user's function with pandas frames and a `GroupState`,
//! and returns the output rows and each group's new state. The GIL is taken only for that call.
use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;
use pyo3::prelude::*;
use pyo3_arrow::PyRecordBatch;

use crate::error::{EmberError, Result};
use crate::plan::group_state_spec::GroupCalls;
use crate::plan::group_state_spec::GroupFunction;
use crate::plan::group_state_spec::GroupResults;
use crate::plan::group_state_spec::StateUpdate;
use crate::python::error::engine_error_from_py as py_err;

pub struct PyGroupFunction {
    pub runner: Py<PyAny>,
    pub output_schema: SchemaRef,
    pub state_schema: SchemaRef,
}

/// Bring a returned batch to `schema`: columns by name when all are present, else by position; cast to the
/// declared types (pandas gives int64 for int columns, and so on).
pub(crate) fn conform(batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
    let by_name = schema.fields().iter().all(|f| names.contains(f.name()));
    if !by_name && batch.num_columns() != schema.fields().len() {
        let missing = schema.fields().iter().filter(|f| !names.contains(f.name())).map(|f| f.name().as_str());
        return Err(EmberError::with_condition(
            crate::error::ErrorKind::StreamingQuery,
            "RESULT_COLUMNS_MISMATCH_FOR_PANDAS_UDF",
            [("missing", missing.collect::<Vec<_>>().join(", "))],
        ));
    }
    let cols = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let c =
                if by_name { batch.column(names.iter().position(|n| n == f.name()).unwrap()) } else { batch.column(i) };
            Ok(arrow::compute::cast(c, f.data_type())?)
        })
        .collect::<Result<Vec<ArrayRef>>>()?;
    crate::types::batch::make_batch(schema.clone(), cols, batch.num_rows())
}

impl GroupFunction for PyGroupFunction {
    fn call(&self, calls: GroupCalls) -> Result<GroupResults> {
        Python::attach(|py| -> Result<GroupResults> {
            let to_py = |b: RecordBatch| PyRecordBatch::new(b).into_pyarrow(py).map_err(|e| py_err(py, e));
            let args = (
                to_py(calls.keys)?,
                to_py(calls.data)?,
                calls.offsets,
                to_py(calls.states)?,
                calls.has_state,
                calls.timed_out,
                calls.batch_timestamp_ms,
                calls.watermark_ms,
            );
            let ret = self.runner.call1(py, args).map_err(|e| py_err(py, e))?;
            let (outputs, states, updates): (Vec<PyRecordBatch>, PyRecordBatch, Vec<(bool, bool, bool, i64)>) =
                ret.extract(py).map_err(|e| py_err(py, e))?;
            let output = outputs
                .into_iter()
                .map(|b| conform(b.into_inner(), &self.output_schema))
                .collect::<Result<Vec<_>>>()?;
            let states = conform(states.into_inner(), &self.state_schema)?;
            let updates = updates
                .into_iter()
                .map(|(exists, updated, removed, timeout_ms)| StateUpdate { exists, updated, removed, timeout_ms })
                .collect();
            Ok(GroupResults { output, states, updates })
        })
    }
}
