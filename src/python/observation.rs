//! `Observation`'s handle: the engine's observation (`plan::observation`) that an action fills.
use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;

use crate::plan::observation::Observation;
use crate::python::convert::batches_to_rows;
use crate::python::error::BResult;
use crate::python::gil::detached;

#[pyclass(module = "ember._native", name = "Observation", frozen)]
pub struct PyObservation {
    pub observation: Arc<Observation>,
}

#[pymethods]
impl PyObservation {
    /// The metrics row of the first action, or None when none finished within `wait_ms` (GIL released).
    fn get<'py>(&self, py: Python<'py>, row_factory: &Bound<'py, PyAny>, wait_ms: u64) -> BResult<Option<Py<PyAny>>> {
        let o = self.observation.clone();
        let Some(batch) = detached(py, move || Ok(o.get(Duration::from_millis(wait_ms))))? else {
            return Ok(None);
        };
        let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
        let rows = batches_to_rows(py, &names, &[batch], row_factory)?;
        Ok(Some(rows.get_item(0)?.unbind()))
    }
}
