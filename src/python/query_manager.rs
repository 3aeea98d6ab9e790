//! `spark.streams`' native half: a handle on the session's `QueryManager`. Python listeners become engine listeners
//! that take the GIL only to deliver an event.
use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pyo3::prelude::*;

use crate::python::error::BResult;
use crate::python::gil::detached;
use crate::python::streaming::PyQuery;
use crate::stream::manager::{QueryListener, QueryManager};
use crate::stream::progress::QueryEvent;

/// The query manager of one Python session.
#[pyclass(module = "ember._native", name = "StreamingQueryManager", frozen)]
pub struct PyQueryManager {
    pub(crate) manager: Arc<QueryManager>,
}

/// A `StreamingQueryListener`: `ember.sql.streaming.listener._deliver(listener, kind, payload)` builds the event
/// object and calls the listener's method for it.
struct PyListener {
    listener: Py<PyAny>,
}

/// The session's own hook, `on_event(query_name, kind, payload)`, run before the listeners (ember logs through it).
/// It gets the `started` and `terminated` events only: the log records nothing else, and taking the GIL on the
/// engine thread for every progress event made each trigger wait for the Python thread (up to its 5 ms switch
/// interval when that thread was running).
struct PyHook {
    on_event: Py<PyAny>,
}

/// Call into Python on the engine thread; a failure is printed and does not stop the query, as in Spark.
fn call_python(f: impl FnOnce(Python<'_>) -> PyResult<()>) {
    Python::attach(|py| {
        if let Err(e) = f(py) {
            e.print(py);
        }
    })
}

impl QueryListener for PyListener {
    fn on_event(&self, _query_name: Option<&str>, event: &QueryEvent) {
        let payload = event.json();
        call_python(|py| {
            py.import("ember.sql.streaming.listener")?
                .call_method1("_deliver", (self.listener.bind(py), event.kind(), payload))
                .map(|_| ())
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl QueryListener for PyHook {
    fn on_event(&self, query_name: Option<&str>, event: &QueryEvent) {
        if !matches!(event, QueryEvent::Started(_) | QueryEvent::Terminated(_)) {
            return;
        }
        let payload = event.json();
        call_python(|py| self.on_event.call1(py, (query_name, event.kind(), payload)).map(|_| ()))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[pymethods]
impl PyQueryManager {
    #[new]
    #[pyo3(signature = (on_event=None))]
    fn new(on_event: Option<Py<PyAny>>) -> Self {
        let manager = QueryManager::new();
        if let Some(on_event) = on_event {
            manager.add_listener(Arc::new(PyHook { on_event }));
        }
        PyQueryManager { manager }
    }

    fn active(&self, py: Python<'_>) -> BResult<Vec<PyQuery>> {
        let m = self.manager.clone();
        let active = detached(py, move || Ok(m.active()))?;
        Ok(active.into_iter().map(|handle| PyQuery { handle }).collect())
    }

    fn get(&self, py: Python<'_>, id: String) -> BResult<Option<PyQuery>> {
        let m = self.manager.clone();
        let found = detached(py, move || Ok(m.get(&id)))?;
        Ok(found.map(|handle| PyQuery { handle }))
    }

    /// True when a query ended within `timeout_ms` (None: wait for one); raises the failure of one that failed.
    #[pyo3(signature = (timeout_ms=None))]
    fn await_any_termination(&self, py: Python<'_>, timeout_ms: Option<u64>) -> BResult<bool> {
        // Wait in slices so Ctrl+C reaches Python between them; each slice is woken by a terminating query.
        let deadline = timeout_ms.map(|t| Instant::now() + Duration::from_millis(t));
        loop {
            let slice = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()).min(Duration::from_millis(200)),
                None => Duration::from_millis(200),
            };
            let m = self.manager.clone();
            let ended = detached(py, move || m.await_any_termination(Some(slice)));
            // A Ctrl+C that arrived during the wait wins over what the wait found (a query failing as the user
            // interrupts it is reported as the interrupt, as a wait in Python would).
            py.check_signals()?;
            if ended? {
                return Ok(true);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(false);
            }
        }
    }

    fn reset_terminated(&self, py: Python<'_>) -> BResult<()> {
        let m = self.manager.clone();
        detached(py, move || {
            m.reset_terminated();
            Ok(())
        })
    }

    fn add_listener(&self, listener: Py<PyAny>) {
        self.manager.add_listener(Arc::new(PyListener { listener }));
    }

    /// Remove the first registered listener equal to `listener` (as Python's `list.remove`); none: nothing.
    fn remove_listener(&self, listener: &Bound<'_, PyAny>) -> PyResult<()> {
        for registered in self.manager.listeners() {
            if let Some(l) = registered.as_any().downcast_ref::<PyListener>() {
                if l.listener.bind(listener.py()).eq(listener)? {
                    self.manager.remove_listener(&registered);
                    break;
                }
            }
        }
        Ok(())
    }
}
