//! Engine errors → PySpark's exception classes (defined in `ember.errors`, PySpark's hierarchy).
use pyo3::exceptions::{PyFileExistsError, PyFileNotFoundError, PyIOError, PyPermissionError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::EmberError;

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

/// Name of the `ember.errors` class for each engine variant.
fn class_name(e: &EmberError) -> &'static str {
    match e {
        EmberError::Analysis { .. } => "AnalysisException",
        EmberError::Parse { .. } => "ParseException",
        EmberError::IllegalArgument { .. } => "IllegalArgumentException",
        EmberError::Type(_) => "PySparkTypeError",
        EmberError::Value(_) => "PySparkValueError",
        EmberError::StreamingQuery(_) => "StreamingQueryException",
        EmberError::Execution { error_class: Some(c), .. } if c.starts_with("MALFORMED") || c.starts_with("CAST") => {
            "SparkRuntimeException"
        }
        EmberError::Execution { .. } => "SparkRuntimeException",
        EmberError::Arithmetic(_) => "ArithmeticException",
        EmberError::NotImplemented(_) => "PySparkNotImplementedError",
        EmberError::Io { .. } => "PySparkException",
    }
}

/// Build the Python exception for an engine error.
pub fn to_pyerr(py: Python<'_>, e: &EmberError) -> PyErr {
    if let EmberError::Io { kind, message } = e {
        return match kind {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message.clone()),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message.clone()),
            std::io::ErrorKind::AlreadyExists => PyFileExistsError::new_err(message.clone()),
            _ => PyIOError::new_err(message.clone()),
        };
    }
    let build = || -> PyResult<PyErr> {
        let module = py.import("ember.errors")?;
        let cls = module.getattr(class_name(e))?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("message", e.message())?;
        if let Some(c) = e.error_class() {
            kwargs.set_item("errorClass", c)?;
        }
        let exc = cls.call((), Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|err| PyRuntimeError::new_err(format!("{} (while raising: {err})", e.message())))
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
