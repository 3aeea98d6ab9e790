//! Streaming handles: `Query` (a running StreamingQuery), `MemoryStream`, and the conversion of `start()`'s Python
//! arguments into the engine's `StreamStart`. Callbacks into Python take the GIL only for the call.
use std::sync::Arc;
use std::time::Duration;

use arrow::array::AsArray;
use arrow::datatypes::DataType;
use pyo3::prelude::*;

use crate::error::EmberError;
use crate::expr::schema::PlanSchema;
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::OutputMode;
use crate::plan::streaming::Trigger;
use crate::plan::{LogicalPlan, PlanNode};
use crate::python::convert::array_from_py;
use crate::python::dataframe::PyDataFrame;
use crate::python::error::{engine_error_from_py, BResult};
use crate::python::gil::detached;
use crate::session::Session;
use crate::stream::connector::memory_source::{MemoryRelation, MemoryStream};
use crate::stream::connector::UserFunctions;
use crate::stream::query::QueryHandle;
use crate::stream::start::StreamStart;

/// A running (or ended) streaming query.
#[pyclass(module = "ember._native", name = "Query", frozen)]
pub struct PyQuery {
    pub(crate) handle: Arc<QueryHandle>,
}

#[pymethods]
impl PyQuery {
    fn id(&self) -> String {
        self.handle.id.clone()
    }
    fn run_id(&self) -> String {
        self.handle.run_id.clone()
    }
    fn name(&self) -> Option<String> {
        self.handle.name.clone()
    }
    fn is_active(&self) -> bool {
        self.handle.is_active()
    }
    fn stop(&self, py: Python<'_>) {
        let h = self.handle.clone();
        py.detach(move || h.stop());
    }
    /// True when the query ended within `timeout_ms` (None: wait forever); raises its failure.
    #[pyo3(signature = (timeout_ms=None))]
    fn await_termination(&self, py: Python<'_>, timeout_ms: Option<u64>) -> BResult<bool> {
        let h = self.handle.clone();
        // Wait in slices so Ctrl+C reaches Python between them.
        let deadline = timeout_ms.map(|t| std::time::Instant::now() + Duration::from_millis(t));
        loop {
            let slice = match deadline {
                Some(d) => d.saturating_duration_since(std::time::Instant::now()).min(Duration::from_millis(200)),
                None => Duration::from_millis(200),
            };
            let h2 = h.clone();
            let done = detached(py, move || h2.await_termination(Some(slice)))?;
            if done {
                return Ok(true);
            }
            py.check_signals()?;
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return Ok(false);
            }
        }
    }
    fn process_all_available(&self, py: Python<'_>) -> BResult<()> {
        let h = self.handle.clone();
        detached(py, move || h.process_all_available())
    }
    fn exception(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.handle.exception().map(|e| crate::python::error::to_pyerr(py, &e).into_value(py).into_any())
    }
    fn status(&self) -> String {
        self.handle.status_json()
    }
    fn recent_progress(&self) -> Vec<String> {
        self.handle.recent_progress()
    }
    fn explain_string(&self) -> String {
        self.handle.explain.clone()
    }
}

/// `ember.testing.MemoryStream`'s native half: batches added from Python rows.
#[pyclass(module = "ember._native", name = "MemoryStream", frozen)]
pub struct PyMemoryStream {
    stream: Arc<MemoryStream>,
}

#[pymethods]
impl PyMemoryStream {
    #[new]
    fn new(schema_json: &str) -> BResult<Self> {
        let fields = crate::types::spark_json::fields_from_json(schema_json)?;
        Ok(PyMemoryStream { stream: MemoryStream::new(fields) })
    }

    /// Append rows (tuples, dicts, Rows or single values for a one-column schema); returns the new offset.
    fn add_rows(&self, rows: Vec<Bound<'_, PyAny>>) -> BResult<usize> {
        let fields = self.stream.schema().clone();
        let st = array_from_py(&rows, &DataType::Struct(fields.clone()), "")?;
        let cols = if fields.is_empty() { vec![] } else { st.as_struct().columns().to_vec() };
        let schema = Arc::new(arrow::datatypes::Schema::new(fields));
        let batch = crate::types::batch::make_batch(schema, cols, rows.len())?;
        Ok(self.stream.add(batch))
    }

    fn to_df(&self, session: &crate::python::session::PySession) -> PyDataFrame {
        let relation: Arc<dyn StreamRelation> = Arc::new(MemoryRelation(self.stream.clone()));
        stream_df(&session.session, relation, self.stream.schema().clone())
    }
}

/// A streaming DataFrame over a source's relation.
pub fn stream_df(
    session: &Arc<Session>,
    source: Arc<dyn StreamRelation>,
    fields: arrow::datatypes::Fields,
) -> PyDataFrame {
    let plan = LogicalPlan::new(PlanNode::StreamScan { source }, PlanSchema::fresh(fields));
    PyDataFrame::new(plan, session.clone())
}

fn parse_trigger(kind: &str, interval_ms: u64) -> BResult<Trigger> {
    Ok(match kind {
        "default" => Trigger::Default,
        "processingTime" => Trigger::ProcessingTime(Duration::from_millis(interval_ms)),
        "once" => Trigger::Once,
        "availableNow" => Trigger::AvailableNow,
        "continuous" => Trigger::Continuous(Duration::from_millis(interval_ms)),
        "realTime" => Trigger::RealTime(Duration::from_millis(interval_ms)),
        other => return Err(EmberError::illegal_argument(format!("Unknown trigger {other}")).into()),
    })
}

/// Start a streaming query over `df` (`DataStreamWriter.start`): Python's arguments as the engine's `StreamStart`.
#[allow(clippy::too_many_arguments)]
pub fn start(
    py: Python<'_>,
    df: &PyDataFrame,
    format: &str,
    output_mode: &str,
    options: Vec<(String, String)>,
    partition_by: Vec<String>,
    query_name: Option<String>,
    trigger_kind: &str,
    trigger_ms: u64,
    print: Option<Py<PyAny>>,
    batch_function: Option<Py<PyAny>>,
    manager: Arc<crate::stream::manager::QueryManager>,
) -> BResult<PyQuery> {
    let session = df.session.clone();
    let functions = UserFunctions {
        print: print.map(|cb| -> crate::stream::sink::TextCallback {
            Box::new(move |text| {
                Python::attach(|py| cb.call1(py, (text,)).map(|_| ()).map_err(|e| engine_error_from_py(py, e)))
            })
        }),
        batch: batch_function.map(|cb| -> crate::stream::sink::BatchCallback {
            let session = session.clone();
            // As Spark names them: foreachBatch's failures FOREACH_BATCH_USER_FUNCTION_ERROR, a foreach writer's
            // (run per batch here) a PythonException as from Spark's Python worker.
            let foreach_batch = format == "foreachBatch";
            Box::new(move |batch_id, plan| {
                Python::attach(|py| {
                    let frame = PyDataFrame::new(plan, session.clone());
                    cb.call1(py, (frame, batch_id)).map(|_| ()).map_err(|e| {
                        if foreach_batch {
                            crate::python::error::foreach_batch_error_from_py(py, e)
                        } else {
                            crate::python::error::python_exception_from_py(py, e)
                        }
                    })
                })
            })
        }),
    };
    let spec = StreamStart {
        session: df.session.clone(),
        plan: df.plan.clone(),
        format: format.to_string(),
        output_mode: OutputMode::parse(output_mode)?,
        options: crate::io::options::Options::from_pairs(options),
        partition_by,
        query_name,
        trigger: parse_trigger(trigger_kind, trigger_ms)?,
        functions,
        manager,
    };
    let handle = detached(py, move || crate::stream::start::start(spec))?;
    Ok(PyQuery { handle })
}
