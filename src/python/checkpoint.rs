//! `ember.checkpoint.inspect`: the checkpoint read by the engine's own reader, handed to Python as JSON text.
use pyo3::exceptions::{PyFileNotFoundError, PyValueError};
use pyo3::prelude::*;

use crate::error::{EmberError, ErrorKind};

/// The checkpoint at `path` as JSON (`CheckpointInfo`); FileNotFoundError when there is none, ValueError when a
/// file is corrupt.
#[pyfunction]
pub fn inspect_checkpoint(py: Python<'_>, path: String) -> PyResult<String> {
    py.detach(|| crate::stream::checkpoint_info::inspect_json(&path)).map_err(|e: EmberError| match e.kind() {
        ErrorKind::Io(std::io::ErrorKind::NotFound) => PyFileNotFoundError::new_err(e.message()),
        _ => PyValueError::new_err(e.message()),
    })
}
