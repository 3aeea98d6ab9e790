//! Streaming handles: `Query` (a running StreamingQuery), `MemoryStream`, and the start of a query from a
//! DataFrame. Sink callbacks into Python take the GIL only for the call.
use std::sync::Arc;
use std::time::Duration;

use arrow::array::AsArray;
use arrow::datatypes::DataType;
use pyo3::prelude::*;

use crate::error::EmberError;
use crate::plan::schema::PlanSchema;
use crate::plan::{LogicalPlan, PlanNode};
use crate::python::convert::array_from_py;
use crate::python::dataframe::PyDataFrame;
use crate::python::error::BResult;
use crate::python::gil::detached;
use crate::session::Session;
use crate::stream::checks::{check, OutputMode};
use crate::stream::file_sink::{file_format, FileSink};
use crate::stream::incremental::Incremental;
use crate::stream::query::{QueryHandle, QueryRun, Trigger};
use crate::stream::sink::{ConsoleSink, ForeachBatchSink, MemorySink, NoopSink, Sink};
use crate::stream::source::{MemoryBuffer, SourceSpec};

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
    fn exception(&self) -> Option<String> {
        self.handle.exception()
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
    buffer: Arc<MemoryBuffer>,
    fields: arrow::datatypes::Fields,
    id: u64,
}

#[pymethods]
impl PyMemoryStream {
    #[new]
    fn new(schema_json: &str) -> BResult<Self> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let fields = crate::types::spark_json::fields_from_json(schema_json)?;
        Ok(PyMemoryStream {
            buffer: Arc::new(MemoryBuffer::default()),
            fields,
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// Append rows (tuples, dicts, Rows or single values for a one-column schema); returns the new offset.
    fn add_rows(&self, rows: Vec<Bound<'_, PyAny>>) -> BResult<usize> {
        let st = array_from_py(&rows, &DataType::Struct(self.fields.clone()), "")?;
        let cols = if self.fields.is_empty() { vec![] } else { st.as_struct().columns().to_vec() };
        let schema = Arc::new(arrow::datatypes::Schema::new(self.fields.clone()));
        let batch = crate::exec::execute::make_batch(schema, cols, rows.len())?;
        let mut b = self.buffer.batches.lock().unwrap();
        b.push(batch);
        Ok(b.len())
    }

    fn to_df(&self, session: &crate::python::session::PySession) -> PyDataFrame {
        let spec = SourceSpec::Memory { buffer: self.buffer.clone(), schema: self.fields.clone(), id: self.id };
        let plan = Arc::new(LogicalPlan {
            node: PlanNode::StreamScan { source: Arc::new(spec) },
            schema: PlanSchema::fresh(self.fields.clone()),
        });
        PyDataFrame::new(plan, session.session.clone())
    }
}

/// A streaming DataFrame over any source.
pub fn stream_df(session: &Arc<Session>, spec: SourceSpec, fields: arrow::datatypes::Fields) -> PyDataFrame {
    let plan = Arc::new(LogicalPlan {
        node: PlanNode::StreamScan { source: Arc::new(spec) },
        schema: PlanSchema::fresh(fields),
    });
    PyDataFrame::new(plan, session.clone())
}

/// A streaming DataFrame over a directory of files.
pub fn read_stream(
    session: &Arc<Session>,
    format: &str,
    path: &str,
    options: crate::io::options::Options,
    columns: crate::stream::file_source::SourceColumns,
) -> PyDataFrame {
    let fields = columns.fields;
    let spec = SourceSpec::Files {
        format: format.to_string(),
        path: path.to_string(),
        options,
        schema: fields.clone(),
        partition_columns: columns.partition_columns,
    };
    let plan = Arc::new(LogicalPlan {
        node: PlanNode::StreamScan { source: Arc::new(spec) },
        schema: PlanSchema::fresh(fields),
    });
    PyDataFrame::new(plan, session.clone())
}

fn collect_sources(p: &LogicalPlan, out: &mut Vec<Arc<SourceSpec>>) {
    if let PlanNode::StreamScan { source } = &p.node {
        out.push(source.clone());
    }
    for c in p.children() {
        collect_sources(c, out);
    }
}

fn parse_trigger(kind: &str, interval_ms: u64) -> BResult<Trigger> {
    Ok(match kind {
        "default" => Trigger::Default,
        "processingTime" => Trigger::ProcessingTime(Duration::from_millis(interval_ms)),
        "once" => Trigger::Once,
        "availableNow" => Trigger::AvailableNow,
        "continuous" => Trigger::Continuous(Duration::from_millis(interval_ms)),
        other => return Err(EmberError::illegal_argument(format!("Unknown trigger {other}")).into()),
    })
}

/// The option through which `DataStreamWriter.partitionBy` columns reach `start` (a JSON list of names).
pub const PARTITION_BY_OPTION: &str = "__partitionBy";

/// Start a streaming query over `df` (`DataStreamWriter.start`).
#[allow(clippy::too_many_arguments)]
pub fn start(
    df: &PyDataFrame,
    sink: &str,
    output_mode: &str,
    options: Vec<(String, String)>,
    query_name: Option<String>,
    trigger_kind: &str,
    trigger_ms: u64,
    callback: Option<Py<PyAny>>,
    manager: Arc<crate::stream::manager::QueryManager>,
) -> BResult<PyQuery> {
    let mode = OutputMode::parse(output_mode)?;
    let mut partition_by: Vec<String> = vec![];
    let mut options = options;
    if let Some(i) = options.iter().position(|(k, _)| k == PARTITION_BY_OPTION) {
        let (_, json) = options.remove(i);
        partition_by = serde_json::from_str(&json).map_err(|e| EmberError::illegal_argument(e.to_string()))?;
    }
    let opts = crate::io::options::Options::from_pairs(options);
    // Spark validates a file sink (path, partition columns, output mode) before the query's plan.
    let file_sink = match file_format(sink) {
        Some(_) => Some(FileSink::new(
            sink,
            opts.clone(),
            &partition_by,
            &df.plan.schema.arrow_schema(),
            mode,
            df.session.conf_get("spark.sql.streaming.checkpointLocation").as_deref(),
        )?),
        None => None,
    };
    check(&df.plan, mode)?;
    if trigger_kind == "continuous" {
        crate::stream::checks::check_continuous(&df.plan)?;
    }
    let sink_box: Box<dyn Sink> = match file_sink {
        Some(fs) => Box::new(fs),
        None => match sink.to_ascii_lowercase().as_str() {
            "console" => {
                let cb = callback.ok_or_else(|| EmberError::execution("console sink needs a printer"))?;
                let num_rows = opts.get("numRows").map(|v| v.trim().parse::<usize>()).transpose().map_err(|_| {
                    EmberError::illegal_argument(format!(
                        "Invalid value '{}' for option 'numRows'",
                        opts.get("numRows").unwrap_or_default()
                    ))
                })?;
                let truncate = opts.get_bool("truncate", true)?;
                Box::new(ConsoleSink {
                    num_rows: num_rows.unwrap_or(20),
                    truncate: if truncate { 20 } else { 0 },
                    print: Box::new(move |text| {
                        Python::attach(|py| {
                            cb.call1(py, (text,)).map(|_| ()).map_err(|e| EmberError::StreamingQuery(e.to_string()))
                        })
                    }),
                })
            }
            "memory" => {
                let name = query_name
                    .clone()
                    .ok_or_else(|| EmberError::analysis("queryName must be specified for memory sink"))?;
                Box::new(MemorySink {
                    session: df.session.clone(),
                    name,
                    complete: mode == OutputMode::Complete,
                    rows: vec![],
                })
            }
            "foreachbatch" => {
                let cb = callback.ok_or_else(|| EmberError::execution("foreachBatch needs a function"))?;
                let session = df.session.clone();
                Box::new(ForeachBatchSink {
                    call: Box::new(move |batch_id, plan| {
                        Python::attach(|py| {
                            let frame = PyDataFrame::new(plan, session.clone());
                            cb.call1(py, (frame, batch_id)).map(|_| ()).map_err(|e| {
                                let tb = e.traceback(py).and_then(|t| t.format().ok()).unwrap_or_default();
                                EmberError::StreamingQuery(format!("{e}\n{tb}"))
                            })
                        })
                    }),
                })
            }
            "noop" => Box::new(NoopSink),
            other => {
                return Err(
                    EmberError::not_implemented(format!("the {other} sink is not supported by ember yet")).into()
                );
            }
        },
    };
    let mut specs = Vec::new();
    collect_sources(&df.plan, &mut specs);
    let trigger = parse_trigger(trigger_kind, trigger_ms)?;
    let sources = specs.iter().map(|s| Ok((s.description(), s.open(trigger)?))).collect::<crate::Result<Vec<_>>>()?;
    // Spark: the writer's checkpointLocation, else spark.sql.streaming.checkpointLocation/<queryName or a uuid>.
    let checkpoint = opts.get("checkpointLocation").map(|s| s.to_string()).or_else(|| {
        df.session.conf_get("spark.sql.streaming.checkpointLocation").map(|root| {
            let leaf = query_name.clone().unwrap_or_else(crate::stream::query::new_uuid);
            std::path::Path::new(&root).join(leaf).to_string_lossy().into_owned()
        })
    });
    let run = QueryRun {
        checkpoint,
        session: df.session.clone(),
        incremental: Incremental::new(df.plan.clone(), mode),
        sources,
        sink: sink_box,
        trigger,
        manager,
    };
    let handle = QueryHandle::start(query_name, run)?;
    Ok(PyQuery { handle })
}
