//! Python user-defined functions in the engine: `udf`/`pandas_udf` columns as a `ScalarFunction`, and the function
//! of `mapInPandas`/`mapInArrow` as a `BatchFunction`. Each call hands one Arrow batch to a Python runner
//! (`ember.sql.udf`) with the GIL taken once for the batch; the runner loops over rows (a plain `udf`) or passes
//! whole pandas Series / frames / Arrow batches (the vectorised forms).
use std::sync::Arc;

use arrow::array::{new_empty_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use pyo3::prelude::*;
use pyo3_arrow::{PyArray, PyRecordBatch};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::expr::{Expr, UserFunction};
use crate::expr::functions::{AggregateFunction, ArgInfo, ScalarFunction, Signature};
use crate::expr::physical::ColumnarValue;
use crate::plan::map_batches::BatchFunction;
use crate::python::column::PyColumn;
use crate::python::error::{python_exception_from_py as py_err, BResult};

/// A Python function evaluated on whole batches of its arguments by `runner(args, num_rows, empty_result)`,
/// which returns a pyarrow array of `num_rows` values.
pub struct PyScalarUdf {
    name: String,
    runner: Py<PyAny>,
    return_type: DataType,
    deterministic: bool,
    /// GROUPED_AGG: the function is an aggregate (`python::grouped_agg`) and is never invoked per batch.
    aggregate: Option<Arc<dyn AggregateFunction>>,
}

impl ScalarFunction for PyScalarUdf {
    fn name(&self) -> &str {
        &self.name
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        Ok(Signature {
            arg_types: args.iter().map(|a| a.data_type.clone()).collect(),
            return_type: self.return_type.clone(),
            nullable: true,
        })
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, _ctx: &EvalContext) -> Result<ColumnarValue> {
        let arrays = args.iter().map(|a| a.clone().into_array(num_rows)).collect::<Result<Vec<ArrayRef>>>()?;
        let fields: Vec<Field> =
            arrays.iter().enumerate().map(|(i, a)| Field::new(format!("_{i}"), a.data_type().clone(), true)).collect();
        let batch = RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(num_rows)),
        )?;
        let result = Python::attach(|py| -> Result<ArrayRef> {
            let args = PyRecordBatch::new(batch).into_pyarrow(py).map_err(|e| py_err(py, e))?;
            let empty = PyArray::from_array_ref(new_empty_array(&self.return_type));
            let empty = empty.to_pyarrow(py).map_err(|e| py_err(py, e))?;
            let ret = self.runner.call1(py, (args, num_rows, empty)).map_err(|e| py_err(py, e))?;
            let array: PyArray = ret.extract(py).map_err(|e| py_err(py, PyErr::from(e)))?;
            Ok(array.into_inner().0)
        })?;
        if result.len() != num_rows {
            return Err(EmberError::new(
                crate::error::ErrorKind::Python,
                format!(
                    "Result vector from {} was not the required length: expected {num_rows}, got {}.",
                    self.name,
                    result.len()
                ),
            ));
        }
        let result = if result.data_type() == &self.return_type {
            result
        } else {
            arrow::compute::cast(&result, &self.return_type)?
        };
        Ok(ColumnarValue::Array(result))
    }
    fn deterministic(&self) -> bool {
        self.deterministic
    }
    fn as_aggregate(&self) -> Option<Arc<dyn AggregateFunction>> {
        self.aggregate.clone()
    }
}

/// A Python function from one batch to batches of a declared schema: `runner(batch)` returns a list of pyarrow
/// record batches.
pub struct PyBatchFunction {
    name: String,
    runner: Py<PyAny>,
}

impl BatchFunction for PyBatchFunction {
    fn name(&self) -> &str {
        &self.name
    }
    fn call(&self, input: RecordBatch, output: &SchemaRef) -> Result<Vec<RecordBatch>> {
        let batches = Python::attach(|py| -> Result<Vec<PyRecordBatch>> {
            let arg = PyRecordBatch::new(input).into_pyarrow(py).map_err(|e| py_err(py, e))?;
            let ret = self.runner.call1(py, (arg,)).map_err(|e| py_err(py, e))?;
            ret.extract(py).map_err(|e| py_err(py, PyErr::from(e)))
        })?;
        batches.into_iter().map(|b| crate::python::group_function::conform(b.into_inner(), output)).collect()
    }
}

/// A Python function made usable in columns: what `udf(f)`/`pandas_udf(f)` hold.
#[pyclass(module = "ember._native", name = "PythonFunction", frozen)]
pub struct PyPythonFunction {
    func: Arc<PyScalarUdf>,
}

#[pymethods]
impl PyPythonFunction {
    /// `name` is the generated columns' function name, `return_json` the Spark JSON of the result type;
    /// `aggregate` for a GROUPED_AGG pandas UDF (`runner(batch, group_offsets, empty)`, one value per group).
    #[staticmethod]
    #[pyo3(signature = (name, runner, return_json, deterministic, aggregate=false))]
    fn create(
        py: Python<'_>,
        name: String,
        runner: Py<PyAny>,
        return_json: &str,
        deterministic: bool,
        aggregate: bool,
    ) -> BResult<Self> {
        let return_type = crate::types::spark_json::type_from_json(return_json)?;
        let aggregate = aggregate.then(|| {
            Arc::new(crate::python::grouped_agg::PyGroupedAggUdf {
                name: name.clone(),
                runner: Arc::new(runner.clone_ref(py)),
                return_type: return_type.clone(),
            }) as Arc<dyn AggregateFunction>
        });
        Ok(PyPythonFunction { func: Arc::new(PyScalarUdf { name, runner, return_type, deterministic, aggregate }) })
    }

    /// The column `f(args…)`.
    fn call(&self, args: Vec<PyColumn>) -> BResult<PyColumn> {
        PyColumn::new(Expr::UserFunction {
            func: UserFunction(self.func.clone()),
            args: args.into_iter().map(|a| a.expr).collect(),
        })
    }

    /// `spark.udf.register(name, f)`: callable from SQL as `name(…)`.
    fn register(&self, name: &str) {
        crate::expr::functions::user_defined::register(name, self.func.clone());
    }
}

/// The engine's side of `mapInPandas`/`mapInArrow`.
pub fn batch_function(name: &str, runner: Py<PyAny>) -> Arc<dyn BatchFunction> {
    Arc::new(PyBatchFunction { name: name.to_string(), runner })
}
