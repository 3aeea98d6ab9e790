//! `DataFrame`: a handle on an analyzed plan; transformations build plans, actions run them without the GIL.
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyList};

use crate::exec;
use crate::plan::builder::{self, AnalysisConfig};
use crate::plan::{JoinType, LogicalPlan, PassthroughKind, SetOp};
use crate::python::column::{exprs, PyColumn};
use crate::python::convert::batches_to_rows;
use crate::python::error::BResult;
use crate::python::gil::detached;
use crate::session::Session;

#[pyclass(module = "ember._native", name = "DataFrame", frozen)]
pub struct PyDataFrame {
    pub plan: Arc<LogicalPlan>,
    pub session: Arc<Session>,
}

impl PyDataFrame {
    pub fn new(plan: Arc<LogicalPlan>, session: Arc<Session>) -> Self {
        PyDataFrame { plan, session }
    }
    fn with(&self, plan: Arc<LogicalPlan>) -> PyDataFrame {
        PyDataFrame::new(plan, self.session.clone())
    }
    fn cfg(&self) -> AnalysisConfig {
        self.session.analysis()
    }
    /// Run the plan (GIL released).
    pub fn run(&self, py: Python<'_>) -> BResult<Vec<RecordBatch>> {
        let plan = self.plan.clone();
        let ctx = self.session.exec_context();
        detached(py, move || exec::execute(&plan, &ctx))
    }
    /// A DataFrame built from this one by `build` (analysis), run without the GIL like every engine call.
    fn derive(
        &self,
        py: Python<'_>,
        build: impl FnOnce(&Arc<LogicalPlan>, AnalysisConfig) -> crate::Result<Arc<LogicalPlan>> + Send,
    ) -> BResult<PyDataFrame> {
        let (plan, cfg) = (self.plan.clone(), self.cfg());
        let built = detached(py, move || build(&plan, cfg))?;
        Ok(self.with(built))
    }
    fn names(&self) -> Vec<String> {
        self.plan.schema.names()
    }
}

#[pymethods]
impl PyDataFrame {
    /// Spark schema JSON of the output.
    fn schema_json(&self) -> String {
        crate::types::spark_json::fields_to_json(&self.plan.schema.fields)
    }

    fn columns(&self) -> Vec<String> {
        self.names()
    }

    /// `df["name"]`: a column bound to this DataFrame's attribute.
    fn column(&self, name: &str) -> BResult<PyColumn> {
        let r = crate::expr::resolve::Resolver::new(&self.plan.schema, self.cfg().case_sensitive);
        let parts = crate::expr::expr::split_name_parts(name);
        let (idx, used) = r.lookup(&parts)?;
        let a = &self.plan.schema.attrs[idx];
        let mut e = crate::expr::Expr::Attribute { id: a.id, name: self.plan.schema.fields[idx].name().clone() };
        for p in &parts[used..] {
            e = crate::expr::Expr::GetField { expr: Box::new(e), name: p.clone() };
        }
        PyColumn::new(e)
    }

    fn select(&self, py: Python<'_>, cols: Vec<PyColumn>) -> BResult<PyDataFrame> {
        let cols = exprs(cols);
        self.derive(py, move |p, cfg| builder::select(p, &cols, cfg))
    }

    fn filter(&self, py: Python<'_>, cond: &PyColumn) -> BResult<PyDataFrame> {
        let cond = cond.expr.clone();
        self.derive(py, move |p, cfg| builder::filter(p, &cond, cfg))
    }

    fn with_columns(&self, py: Python<'_>, names: Vec<String>, cols: Vec<PyColumn>) -> BResult<PyDataFrame> {
        let pairs: Vec<_> = names.into_iter().zip(exprs(cols)).collect();
        self.derive(py, move |p, cfg| builder::with_columns(p, &pairs, cfg))
    }

    fn with_columns_renamed(&self, py: Python<'_>, old: Vec<String>, new: Vec<String>) -> BResult<PyDataFrame> {
        let pairs: Vec<_> = old.into_iter().zip(new).collect();
        self.derive(py, move |p, cfg| builder::with_columns_renamed(p, &pairs, cfg))
    }

    fn drop(&self, py: Python<'_>, names: Vec<String>, cols: Vec<PyColumn>) -> BResult<PyDataFrame> {
        let mut ids = Vec::new();
        let mut names = names;
        for c in cols {
            match c.expr {
                crate::expr::Expr::Attribute { id, .. } => ids.push(id),
                crate::expr::Expr::Column(parts) => names.push(parts.join(".")),
                _ => {}
            }
        }
        self.derive(py, move |p, cfg| builder::drop(p, &names, &ids, cfg))
    }

    fn alias(&self, name: &str) -> PyDataFrame {
        self.with(builder::alias(&self.plan, name))
    }

    fn aggregate(&self, py: Python<'_>, groups: Vec<PyColumn>, aggs: Vec<PyColumn>) -> BResult<PyDataFrame> {
        let (groups, aggs) = (exprs(groups), exprs(aggs));
        self.derive(py, move |p, cfg| builder::aggregate(p, &groups, &aggs, cfg))
    }

    /// `observe(name, *exprs)`: the same rows with the metrics collected by each action, and their handle.
    fn observe(
        &self,
        py: Python<'_>,
        name: String,
        metrics: Vec<PyColumn>,
    ) -> BResult<(PyDataFrame, crate::python::observation::PyObservation)> {
        let (plan, cfg, metrics) = (self.plan.clone(), self.cfg(), exprs(metrics));
        let observation = detached(py, move || {
            crate::plan::observation::Observation::new(&plan, &name, &metrics, cfg).map(Arc::new)
        })?;
        let observed = builder::passthrough(&self.plan, PassthroughKind::Observe(observation.clone()));
        Ok((self.with(observed), crate::python::observation::PyObservation { observation }))
    }

    fn sort(&self, py: Python<'_>, keys: Vec<PyColumn>) -> BResult<PyDataFrame> {
        let keys = exprs(keys);
        self.derive(py, move |p, cfg| builder::sort(p, &keys, cfg))
    }

    #[pyo3(signature = (n, offset=0))]
    fn limit(&self, n: usize, offset: usize) -> PyDataFrame {
        self.with(builder::limit(&self.plan, n, offset))
    }

    fn tail(&self, n: usize) -> PyDataFrame {
        self.with(builder::tail(&self.plan, n))
    }

    fn union(&self, py: Python<'_>, other: &PyDataFrame) -> BResult<PyDataFrame> {
        let other = other.plan.clone();
        self.derive(py, move |p, _| builder::union(&[p.clone(), other]))
    }

    fn union_by_name(&self, py: Python<'_>, other: &PyDataFrame, allow_missing: bool) -> BResult<PyDataFrame> {
        let other = other.plan.clone();
        self.derive(py, move |p, cfg| builder::union_by_name(p, &other, allow_missing, cfg))
    }

    #[pyo3(signature = (subset=None))]
    fn drop_duplicates_within_watermark(&self, py: Python<'_>, subset: Option<Vec<String>>) -> BResult<PyDataFrame> {
        self.derive(py, move |p, cfg| builder::deduplicate_within_watermark(p, subset.as_deref(), cfg))
    }

    /// `groupBy(...).applyInPandasWithState(...)`; `runner` is `ember.sql.streaming.state._GroupRunner`.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (groups, runner, output_json, state_json, output_mode, timeout, grouped_map=false))]
    fn apply_in_pandas_with_state(
        &self,
        py: Python<'_>,
        groups: Vec<PyColumn>,
        runner: Py<PyAny>,
        output_json: &str,
        state_json: &str,
        output_mode: &str,
        timeout: &str,
        grouped_map: bool,
    ) -> BResult<PyDataFrame> {
        let output = crate::types::spark_json::fields_from_json(output_json)?;
        let state = crate::types::spark_json::fields_from_json(state_json)?;
        let func = std::sync::Arc::new(crate::python::group_function::PyGroupFunction {
            runner,
            output_schema: std::sync::Arc::new(arrow::datatypes::Schema::new(output.clone())),
            state_schema: std::sync::Arc::new(arrow::datatypes::Schema::new(state.clone())),
        });
        let keys: Vec<_> = groups.into_iter().map(|c| c.expr).collect();
        self.derive(py, move |p, cfg| {
            builder::flat_map_groups_with_state(p, &keys, func, output, state, output_mode, timeout, grouped_map, cfg)
        })
    }

    /// `mapInPandas` / `mapInArrow` (`name` says which): `runner(batch)` returns the output batches.
    fn map_batches(&self, py: Python<'_>, name: &str, runner: Py<PyAny>, output_json: &str) -> BResult<PyDataFrame> {
        let output = crate::types::spark_json::fields_from_json(output_json)?;
        let func = crate::python::udf::batch_function(name, runner);
        self.derive(py, move |p, _| builder::map_batches(p, func, output))
    }

    /// `initial`: `initialState`, a DataFrame and its grouping columns; `event_time_column`: `eventTimeColumnName`.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (groups, runner, output_json, output_mode, time_mode, pandas, initial=None, event_time_column=None))]
    fn transform_with_state(
        &self,
        py: Python<'_>,
        groups: Vec<PyColumn>,
        runner: Py<PyAny>,
        output_json: &str,
        output_mode: &str,
        time_mode: &str,
        pandas: bool,
        initial: Option<(PyRef<'_, PyDataFrame>, Vec<PyColumn>)>,
        event_time_column: Option<String>,
    ) -> BResult<PyDataFrame> {
        let output = crate::types::spark_json::fields_from_json(output_json)?;
        let func = std::sync::Arc::new(crate::python::stateful_processor::PyProcessorFunction {
            runner,
            output_schema: std::sync::Arc::new(arrow::datatypes::Schema::new(output.clone())),
        });
        let keys: Vec<_> = groups.into_iter().map(|c| c.expr).collect();
        let initial = initial.map(|(df, cols)| (df.plan.clone(), cols.into_iter().map(|c| c.expr).collect::<Vec<_>>()));
        self.derive(py, move |p, cfg| {
            builder::transform_with_state(
                p,
                &keys,
                func,
                output,
                output_mode,
                time_mode,
                pandas,
                initial,
                event_time_column.as_deref(),
                cfg,
            )
        })
    }

    fn with_watermark(&self, py: Python<'_>, column: &str, delay: &str) -> BResult<PyDataFrame> {
        self.derive(py, move |p, cfg| builder::with_watermark(p, column, delay, cfg))
    }

    #[pyo3(signature = (subset=None))]
    fn drop_duplicates(&self, py: Python<'_>, subset: Option<Vec<String>>) -> BResult<PyDataFrame> {
        self.derive(py, move |p, cfg| builder::deduplicate(p, subset.as_deref(), cfg))
    }

    fn set_operation(&self, py: Python<'_>, other: &PyDataFrame, op: &str) -> BResult<PyDataFrame> {
        let op = match op {
            "intersect" => SetOp::Intersect,
            "intersectAll" => SetOp::IntersectAll,
            "except" => SetOp::Except,
            _ => SetOp::ExceptAll,
        };
        let other = other.plan.clone();
        self.derive(py, move |p, _| builder::set_operation(p, &other, op))
    }

    fn join_using(&self, py: Python<'_>, other: &PyDataFrame, names: Vec<String>, how: &str) -> BResult<PyDataFrame> {
        let jt = JoinType::parse(how)?;
        let right =
            if Arc::ptr_eq(&self.plan, &other.plan) { builder::fresh_ids(&other.plan) } else { other.plan.clone() };
        self.derive(py, move |p, cfg| builder::join_using(p, &right, &names, jt, cfg))
    }

    #[pyo3(signature = (other, condition, how))]
    fn join_on(
        &self,
        py: Python<'_>,
        other: &PyDataFrame,
        condition: Option<PyColumn>,
        how: &str,
    ) -> BResult<PyDataFrame> {
        let jt = JoinType::parse(how)?;
        let (other, condition) = (other.plan.clone(), condition.map(|c| c.expr));
        self.derive(py, move |p, cfg| builder::join_on(p, &other, condition.as_ref(), jt, cfg))
    }

    fn sample(&self, py: Python<'_>, fraction: f64, with_replacement: bool, seed: u64) -> BResult<PyDataFrame> {
        self.derive(py, move |p, _| builder::sample(p, fraction, with_replacement, seed))
    }

    fn repartition(&self, n: usize) -> PyDataFrame {
        self.with(builder::passthrough(&self.plan, PassthroughKind::Repartition(n)))
    }

    fn hint(&self, name: &str) -> PyDataFrame {
        self.with(builder::passthrough(&self.plan, PassthroughKind::Hint(name.to_string())))
    }

    /// Run once and keep the result in memory (`cache`/`persist`).
    fn cached(&self, py: Python<'_>) -> BResult<PyDataFrame> {
        let batches = self.run(py)?;
        let values = builder::values(self.plan.schema.fields.clone(), batches);
        // Same attribute ids, so columns taken from the original DataFrame still resolve.
        let plan = LogicalPlan::new(values.node.clone(), self.plan.schema.clone());
        Ok(self.with(builder::passthrough(&plan, PassthroughKind::Cache)))
    }

    /// All rows as `row_factory(names, values)` objects.
    fn collect<'py>(&self, py: Python<'py>, row_factory: &Bound<'py, PyAny>) -> BResult<Bound<'py, PyList>> {
        let batches = self.run(py)?;
        batches_to_rows(py, &self.names(), &batches, row_factory)
    }

    fn count(&self, py: Python<'_>) -> BResult<usize> {
        Ok(self.run(py)?.iter().map(|b| b.num_rows()).sum())
    }

    /// `showString(n, truncate, vertical)`.
    fn show_string(&self, py: Python<'_>, n: i64, truncate: usize, vertical: bool) -> BResult<String> {
        let n = n.max(0) as usize;
        let limited = PyDataFrame::new(builder::limit(&self.plan, n + 1, 0), self.session.clone());
        let batches = limited.run(py)?;
        let schema: SchemaRef = self.plan.schema.arrow_schema();
        let batch = arrow::compute::concat_batches(&schema, &batches)?;
        let ctx = self.session.exec_context();
        Ok(crate::exec::show::show_string(&self.names(), &batch, n, truncate, vertical, &ctx.eval)?)
    }

    #[pyo3(signature = (level=None))]
    fn tree_string(&self, level: Option<usize>) -> String {
        crate::exec::print_schema::tree_string(&self.plan.schema.fields, level)
    }

    fn explain_string(&self) -> String {
        self.plan.tree_string()
    }

    /// The Arrow C stream of the result (PyCapsule interface).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> BResult<Bound<'py, PyAny>> {
        let batches = self.run(py)?;
        let schema = self.plan.schema.arrow_schema();
        let reader = arrow::array::RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
        let reader = pyo3_arrow::PyRecordBatchReader::new(Box::new(reader));
        let obj = Bound::new(py, reader)?;
        Ok(obj.call_method1("__arrow_c_stream__", (requested_schema,))?)
    }

    /// Write to `path` (`df.write…save`).
    fn write(
        &self,
        py: Python<'_>,
        path: Option<String>,
        format: String,
        mode: String,
        partition_by: Vec<String>,
        options: Vec<(String, String)>,
    ) -> BResult<()> {
        let opts = crate::io::options::Options::from_pairs(options);
        let needs_path = !crate::stream::connector::writes_batches(&format);
        let path = match path {
            Some(p) => p,
            None if needs_path => {
                return Err(crate::error::EmberError::illegal_argument_class(
                    "NO_PATH",
                    "Expected exactly one path to be specified, but got: .",
                )
                .into())
            }
            None => String::new(),
        };
        let batches = self.run(py)?;
        let ctx = self.session.exec_context();
        let schema = self.plan.schema.arrow_schema();
        detached(py, move || {
            let write = crate::stream::connector::BatchWrite {
                batches: &batches,
                schema: &schema,
                mode: &mode,
                options: &opts,
                path: (!path.is_empty()).then_some(path.as_str()),
                partition_by: &partition_by,
                ctx: &ctx.eval,
            };
            match crate::stream::connector::write_batch(&format, write) {
                Some(written) => written,
                None => {
                    crate::io::write_format(&batches, &schema, &path, &format, &mode, &partition_by, &opts, &ctx.eval)
                }
            }
        })
    }

    /// `df.write.format("jdbc")…save()` / `df.write.jdbc(…)`: the rows go to the database the options name.
    fn write_jdbc(&self, py: Python<'_>, mode: String, options: Vec<(String, String)>) -> BResult<()> {
        let batches = self.run(py)?;
        let ctx = self.session.exec_context();
        let opts = crate::io::options::Options::from_pairs(options);
        let schema = self.plan.schema.arrow_schema();
        detached(py, move || crate::io::jdbc::write(&batches, &schema, &mode, &opts, &ctx.eval))
    }

    fn is_streaming(&self) -> bool {
        self.plan.is_streaming()
    }

    /// `writeStream…start()`: the engine checks and starts the query on its own thread.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (format, output_mode, options, partition_by, query_name, trigger_kind, trigger_ms, print, batch_function, manager))]
    fn start_stream(
        &self,
        py: Python<'_>,
        format: &str,
        output_mode: &str,
        options: Vec<(String, String)>,
        partition_by: Vec<String>,
        query_name: Option<String>,
        trigger_kind: &str,
        trigger_ms: u64,
        print: Option<Py<PyAny>>,
        batch_function: Option<Py<PyAny>>,
        manager: PyRef<'_, crate::python::query_manager::PyQueryManager>,
    ) -> BResult<crate::python::streaming::PyQuery> {
        crate::python::streaming::start(
            py,
            self,
            format,
            output_mode,
            options,
            partition_by,
            query_name,
            trigger_kind,
            trigger_ms,
            print,
            batch_function,
            manager.manager.clone(),
        )
    }
}
