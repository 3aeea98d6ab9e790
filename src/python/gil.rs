//! The one helper through which engine work runs: with the GIL released, so other Python threads (and the
//! streaming engine's callbacks) keep running.
use pyo3::prelude::*;

use crate::error::Result;
use crate::python::error::BindingError;

/// Run `f` without the GIL and convert its error.
pub fn detached<T: Send, F: FnOnce() -> Result<T> + Send>(py: Python<'_>, f: F) -> Result<T, BindingError> {
    py.detach(f).map_err(BindingError::from)
}
