//! The one helper through which engine work runs: with the GIL released, so other Python threads (and the
//! streaming engine's callbacks) keep running.
use pyo3::prelude::*;

use crate::error::Result;
use crate::python::error::BindingError;

/// Run `f` without the GIL and convert its error; a panic becomes Spark's `INTERNAL_ERROR` instead of pyo3's
/// `PanicException`, which no PySpark program expects.
pub fn detached<T: Send, F: FnOnce() -> Result<T> + Send>(py: Python<'_>, f: F) -> Result<T, BindingError> {
    py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .unwrap_or_else(|panic| Err(crate::error::EmberError::from_panic(panic.as_ref())))
    })
    .map_err(BindingError::from)
}
