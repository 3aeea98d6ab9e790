//! Engine errors → PySpark's exception classes (defined in `ember.errors`, PySpark's hierarchy).
use pyo3::exceptions::PyBaseException;
use pyo3::exceptions::{PyFileExistsError, PyFileNotFoundError, PyIOError, PyPermissionError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{Cause, EmberError, ErrorKind};

/// The bindings' one error type: an engine error or a Python error passing through unchanged.
pub enum BindingError {
    Engine(EmberError),
    Python(PyErr),
}

impl From<EmberError> for BindingError {
    fn from(e: EmberError) -> Self {
        BindingError::Engine(e)
    }
}

impl From<PyErr> for BindingError {
    fn from(e: PyErr) -> Self {
        BindingError::Python(e)
    }
}

impl From<arrow::error::ArrowError> for BindingError {
    fn from(e: arrow::error::ArrowError) -> Self {
        BindingError::Engine(e.into())
    }
}

/// Name of the `ember.errors` class for each engine error kind.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Analysis => "AnalysisException",
        ErrorKind::Parse => "ParseException",
        ErrorKind::IllegalArgument => "IllegalArgumentException",
        ErrorKind::Type => "PySparkTypeError",
        ErrorKind::Value => "PySparkValueError",
        ErrorKind::StreamingQuery => "StreamingQueryException",
        ErrorKind::Execution => "SparkRuntimeException",
        ErrorKind::Arithmetic => "ArithmeticException",
        ErrorKind::NotImplemented => "PySparkNotImplementedError",
        ErrorKind::Python => "PythonException",
        ErrorKind::Io(_) => "PySparkException",
    }
}

/// delta-spark's exception class (`ember.delta.exceptions`) for Delta's concurrent-modification error classes.
fn delta_exception_class(condition: &str) -> Option<&'static str> {
    Some(match condition.split('.').next().unwrap_or(condition) {
        "DELTA_CONCURRENT_APPEND" => "ConcurrentAppendException",
        "DELTA_CONCURRENT_DELETE_READ" => "ConcurrentDeleteReadException",
        "DELTA_CONCURRENT_DELETE_DELETE" => "ConcurrentDeleteDeleteException",
        "DELTA_CONCURRENT_TRANSACTION" => "ConcurrentTransactionException",
        "DELTA_CONCURRENT_WRITE" => "ConcurrentWriteException",
        "DELTA_METADATA_CHANGED" => "MetadataChangedException",
        "DELTA_PROTOCOL_CHANGED" => "ProtocolChangedException",
        _ => return None,
    })
}

/// An engine error for a Python exception raised by user code the engine called (foreachBatch's function, the
/// console printer, applyInPandasWithState's function): the text is the exception and its traceback, and the
/// exception itself is kept as the cause, so Python sees it again as `__cause__`.
pub fn engine_error_from_py(py: Python<'_>, e: PyErr) -> EmberError {
    let tb = e.traceback(py).and_then(|t| t.format().ok()).unwrap_or_default();
    EmberError::streaming_query(format!("{e}\n{tb}")).caused_by(e)
}

/// foreachBatch's function failed: Spark's `FOREACH_BATCH_USER_FUNCTION_ERROR`, whose reason is the Python exception
/// and its traceback; the exception itself stays the cause, as in `engine_error_from_py`.
pub fn foreach_batch_error_from_py(py: Python<'_>, e: PyErr) -> EmberError {
    let tb = e.traceback(py).and_then(|t| t.format().ok()).unwrap_or_default();
    EmberError::with_condition(
        ErrorKind::StreamingQuery,
        "FOREACH_BATCH_USER_FUNCTION_ERROR",
        [("reason", format!("{e}\n{tb}"))],
    )
    .caused_by(e)
}

/// An engine error for an exception raised by a user's function that runs as part of a query (a UDF, the function
/// of mapInPandas): PySpark's `PythonException`, whose message carries the Python traceback as the worker prints it.
pub fn python_exception_from_py(py: Python<'_>, e: PyErr) -> EmberError {
    let tb = py
        .import("ember.sql.udf")
        .and_then(|m| m.getattr("_worker_traceback"))
        .and_then(|f| f.call1((e.value(py), e.traceback(py))))
        .and_then(|s| s.extract::<String>())
        .unwrap_or_else(|_| e.to_string());
    EmberError::with_condition(
        ErrorKind::Python,
        "PYTHON_EXCEPTION",
        [("msg", "An exception was thrown from the Python worker".to_string()), ("traceback", tb)],
    )
    .caused_by(e)
}

/// The Python exception for an error's cause: the original Python exception, or the engine error mapped.
fn cause_to_py<'py>(py: Python<'py>, cause: &Cause) -> Option<Bound<'py, PyBaseException>> {
    if let Some(e) = cause.downcast_ref::<PyErr>() {
        // `into_value` attaches the traceback to the exception object.
        return Some(e.clone_ref(py).into_value(py).into_bound(py));
    }
    let engine = match cause.downcast_ref::<EmberError>() {
        // An engine error that only relays a Python exception (`engine_error_from_py`) is that exception again.
        Some(e) if e.condition().is_none() && e.cause().is_some_and(|c| c.is::<PyErr>()) => {
            return e.cause().and_then(|c| cause_to_py(py, c));
        }
        Some(e) => e.clone(),
        None => EmberError::execution(cause.to_string()),
    };
    Some(to_pyerr(py, &engine).value(py).clone())
}

/// Build the Python exception for an engine error: PySpark's class with `errorClass`/`messageParameters`, and
/// `__cause__` set from the cause chain.
pub fn to_pyerr(py: Python<'_>, e: &EmberError) -> PyErr {
    let err = match e.kind() {
        ErrorKind::Io(kind) => {
            let message = e.message();
            match kind {
                std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
                std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
                std::io::ErrorKind::AlreadyExists => PyFileExistsError::new_err(message),
                _ => PyIOError::new_err(message),
            }
        }
        kind => {
            let build = || -> PyResult<PyErr> {
                let cls = match e.condition().and_then(delta_exception_class) {
                    Some(name) => py.import("ember.delta.exceptions")?.getattr(name)?,
                    None => py.import("ember.errors")?.getattr(class_name(kind))?,
                };
                let kwargs = PyDict::new(py);
                kwargs.set_item("message", e.message_str())?;
                if let Some(c) = e.condition() {
                    kwargs.set_item("errorClass", c)?;
                    let params = PyDict::new(py);
                    for (k, v) in e.parameters() {
                        params.set_item(k, v)?;
                    }
                    kwargs.set_item("messageParameters", params)?;
                }
                Ok(PyErr::from_value(cls.call((), Some(&kwargs))?))
            };
            build().unwrap_or_else(|err| PyRuntimeError::new_err(format!("{} (while raising: {err})", e.message())))
        }
    };
    if let Some(cause) = e.cause().and_then(|c| cause_to_py(py, c)) {
        err.set_cause(py, Some(PyErr::from_value(cause.into_any())));
    }
    err
}

impl From<BindingError> for PyErr {
    fn from(e: BindingError) -> PyErr {
        match e {
            BindingError::Python(p) => p,
            BindingError::Engine(e) => Python::attach(|py| to_pyerr(py, &e)),
        }
    }
}

/// Result type of binding functions.
pub type BResult<T> = Result<T, BindingError>;

impl From<std::convert::Infallible> for BindingError {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}
