//! The monitoring page's native half: `uiWebUrl` (starting the page if the session enables it) and its stop.
use pyo3::prelude::*;

use crate::python::error::BResult;
use crate::python::gil::detached;
use crate::python::session::PySession;

/// The page's URL, starting it first if the session's conf enables it; None when `spark.ui.enabled` is false.
#[pyfunction]
pub fn ui_web_url(py: Python<'_>, session: PyRef<'_, PySession>) -> BResult<Option<String>> {
    let session = session.session.clone();
    detached(py, move || Ok(crate::stream::ui::ensure_started(&session)))
}

/// Stop the page (the session stopped).
#[pyfunction]
pub fn ui_stop(py: Python<'_>) -> BResult<()> {
    detached(py, || {
        crate::stream::ui::stop();
        Ok(())
    })
}
