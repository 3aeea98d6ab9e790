//! `SparkSession`'s native half: conf, views, and DataFrame sources (rows, Arrow, range, files, tables).
use std::sync::Arc;

use arrow::array::AsArray;
use arrow::datatypes::{DataType, Field, Fields};
use pyo3::prelude::*;

use crate::plan::builder;
use crate::python::convert::array_from_py;
use crate::python::dataframe::PyDataFrame;
use crate::python::error::BResult;
use crate::session::Session;

#[pyclass(module = "ember._native", name = "Session", frozen)]
pub struct PySession {
    pub session: Arc<Session>,
}

#[pymethods]
impl PySession {
    #[new]
    fn new() -> Self {
        PySession { session: Arc::new(Session::new()) }
    }

    fn conf_get(&self, key: &str) -> Option<String> {
        self.session.conf_get(key)
    }

    fn conf_set(&self, key: &str, value: &str) -> BResult<()> {
        Ok(self.session.conf_set(key, value)?)
    }

    fn conf_unset(&self, key: &str) {
        self.session.conf_unset(key)
    }

    fn conf_is_modifiable(&self, key: &str) -> bool {
        self.session.is_modifiable(key)
    }

    fn conf_all(&self) -> Vec<(String, String)> {
        self.session.conf_all()
    }

    fn range(&self, start: i64, end: i64, step: i64, partitions: Option<usize>) -> BResult<PyDataFrame> {
        let parts = partitions.unwrap_or_else(|| self.session.shuffle_partitions());
        Ok(PyDataFrame::new(builder::range(start, end, step, parts)?, self.session.clone()))
    }

    /// Rows (tuples, lists, dicts or Rows) with a schema given as Spark schema JSON.
    fn create_dataframe(&self, rows: Vec<Bound<'_, PyAny>>, schema_json: &str) -> BResult<PyDataFrame> {
        let fields = crate::types::spark_json::fields_from_json(schema_json)?;
        // The rows are one struct column; its children are the DataFrame's columns.
        let rows_array = array_from_py(&rows, &DataType::Struct(fields.clone()), "")?;
        let arrays = if fields.is_empty() { vec![] } else { rows_array.as_struct().columns().to_vec() };
        let schema = Arc::new(arrow::datatypes::Schema::new(fields.clone()));
        let batch = crate::types::batch::make_batch(schema, arrays, rows.len())?;
        // Sliced like Spark's parallelize into defaultParallelism partitions, so per-partition behaviour
        // (monotonically_increasing_id, partial aggregates) matches.
        let parts = self.session.shuffle_partitions().max(1);
        let n = batch.num_rows();
        let batches = (0..parts).map(|i| batch.slice(i * n / parts, (i + 1) * n / parts - i * n / parts)).collect();
        Ok(PyDataFrame::new(builder::values(fields, batches), self.session.clone()))
    }

    /// Any object exporting `__arrow_c_stream__` (pyarrow Table, pandas via pyarrow, polars).
    fn from_arrow(&self, data: pyo3_arrow::PyRecordBatchReader) -> BResult<PyDataFrame> {
        let reader = data.into_reader()?;
        let schema = reader.schema();
        let fields: Fields = schema
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), crate::types::canonical(f.data_type()), f.is_nullable()))
            .collect();
        let target = Arc::new(arrow::datatypes::Schema::new(fields.clone()));
        let mut batches = Vec::new();
        for b in reader {
            let b = b?;
            let cols = b
                .columns()
                .iter()
                .zip(target.fields())
                .map(|(c, f)| {
                    if c.data_type() == f.data_type() {
                        Ok(c.clone())
                    } else {
                        arrow::compute::cast(c, f.data_type())
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            batches.push(crate::types::batch::make_batch(target.clone(), cols, b.num_rows())?);
        }
        Ok(PyDataFrame::new(builder::values(fields, batches), self.session.clone()))
    }

    /// `spark.read.format("jdbc")…load()` / `spark.read.jdbc(…)`: a table or query, one partition per predicate.
    fn read_jdbc(
        &self,
        py: Python<'_>,
        options: Vec<(String, String)>,
        predicates: Vec<String>,
    ) -> BResult<PyDataFrame> {
        let opts = crate::io::options::Options::from_pairs(options);
        let ctx = self.session.exec_context();
        let (fields, batches) =
            crate::python::gil::detached(py, move || crate::io::jdbc::read(&opts, &predicates, &ctx.eval))?;
        Ok(PyDataFrame::new(builder::values(fields, batches), self.session.clone()))
    }

    /// `spark.read…load`: files of `format`, with a user schema (Spark schema JSON) or inferred.
    #[pyo3(signature = (format, paths, options, schema_json=None))]
    fn read(
        &self,
        py: Python<'_>,
        format: String,
        paths: Vec<String>,
        options: Vec<(String, String)>,
        schema_json: Option<String>,
    ) -> BResult<PyDataFrame> {
        let raw = options.clone();
        let opts = crate::io::options::Options::from_pairs(options);
        // Spark reads files with the user's schema made nullable.
        let user = match &schema_json {
            Some(s) => Some(crate::types::fields_as_nullable(&crate::types::spark_json::fields_from_json(s)?)),
            None => None,
        };
        let ctx = self.session.exec_context();
        let session = self.session.clone();
        let (fields, batches) = crate::python::gil::detached(py, {
            let (format, paths, opts) = (format.clone(), paths.clone(), opts.clone());
            move || match format.as_str() {
                // Spark's state data sources read a streaming checkpoint, not files of a format.
                "statestore" | "state-metadata" => {
                    let [path] = paths.as_slice() else {
                        return Err(crate::error::EmberError::illegal_argument(format!(
                            "The {format} source reads one checkpoint location; got {} paths",
                            paths.len()
                        )));
                    };
                    if format == "statestore" {
                        crate::stream::state_source::read_state_store(path, &raw)
                    } else {
                        crate::stream::state_source::read_state_metadata(path)
                    }
                }
                _ => {
                    // A connector that reads batches (kafka) before the file formats.
                    let args = crate::stream::connector::LoadArgs {
                        session: &session,
                        format: &format,
                        path: paths.first().map(String::as_str),
                        options: &opts,
                        user_schema: user.clone(),
                    };
                    match crate::stream::connector::read_batch(args) {
                        Some(read) => read,
                        None => crate::io::read_format(&format, &paths, &opts, user.as_ref(), &ctx.eval),
                    }
                }
            }
        })?;
        Ok(PyDataFrame::new(builder::values(fields, batches), self.session.clone()))
    }

    /// `spark.readStream…load(path)`: the connector registered under `format` checks the options and resolves the columns.
    #[pyo3(signature = (format, path, options, schema_json=None))]
    fn read_stream(
        &self,
        py: Python<'_>,
        format: String,
        path: Option<String>,
        options: Vec<(String, String)>,
        schema_json: Option<String>,
    ) -> BResult<PyDataFrame> {
        let options = crate::io::options::Options::from_pairs(options);
        let user_schema = schema_json
            .map(|s| crate::types::spark_json::fields_from_json(&s).map(|f| crate::types::fields_as_nullable(&f)))
            .transpose()?;
        let session = self.session.clone();
        let (relation, fields) = crate::python::gil::detached(py, move || {
            crate::stream::connector::load(crate::stream::connector::LoadArgs {
                session: &session,
                format: &format,
                path: path.as_deref(),
                options: &options,
                user_schema,
            })
        })?;
        Ok(crate::python::streaming::stream_df(&self.session, relation, fields))
    }

    /// `spark.readStream.table(name)`: a catalog table streamed through its provider's hook (Delta: its log).
    fn read_stream_table(&self, py: Python<'_>, name: String, options: Vec<(String, String)>) -> BResult<PyDataFrame> {
        let session = self.session.clone();
        let (relation, fields) = crate::python::gil::detached(py, move || {
            let Some(table) = session.catalog_table(&name)? else {
                // The catalog's own error for a name that is no table.
                return Err(session.table(&name).err().unwrap_or_else(|| {
                    crate::error::EmberError::not_implemented(format!(
                        "readStream.table of the view `{name}` is not supported by ember"
                    ))
                }));
            };
            let mut opts = table.options.clone();
            for (k, v) in options {
                opts.set(&k, &v);
            }
            match crate::stream::connector::delta::table_stream(&table.location, &table.format, &opts, &session) {
                Some(stream) => stream,
                None => Err(crate::error::EmberError::not_implemented(format!(
                    "readStream.table of the {} table `{}` is not supported by ember yet",
                    table.format, table.name
                ))),
            }
        })?;
        Ok(crate::python::streaming::stream_df(&self.session, relation, fields))
    }

    /// How `toTable` treats a table of `format`: "files", "no_metadata" (a connector that keeps none) or "unknown".
    fn table_support(&self, format: &str) -> &'static str {
        match crate::stream::connector::table_support(format) {
            crate::stream::connector::TableSupport::Files => "files",
            crate::stream::connector::TableSupport::NoMetadata => "no_metadata",
            crate::stream::connector::TableSupport::Unknown => "unknown",
        }
    }

    fn table(&self, py: Python<'_>, name: &str) -> BResult<PyDataFrame> {
        let session = self.session.clone();
        let plan = crate::python::gil::detached(py, move || session.table(name))?;
        Ok(PyDataFrame::new(plan, self.session.clone()))
    }

    fn register_view(&self, name: &str, df: &PyDataFrame, is_global: bool, replace: bool) -> BResult<()> {
        Ok(self.session.register_view(name, df.plan.clone(), is_global, replace)?)
    }

    fn drop_view(&self, name: &str, is_global: bool) -> bool {
        self.session.drop_view(name, is_global)
    }

    fn view_names(&self) -> Vec<String> {
        self.session.view_names()
    }

    fn is_temp_view(&self, name: &str) -> bool {
        self.session.is_temp_view(name)
    }

    /// The catalog key (lower-case name) of a table name; SCHEMA_NOT_FOUND for a schema other than `default`.
    fn table_identifier(&self, name: &str) -> BResult<String> {
        Ok(crate::session::table_identifier(name)?)
    }

    /// A catalog table as (name, format, location, schema JSON, partition columns, external), or None.
    #[allow(clippy::type_complexity)]
    fn catalog_table(&self, name: &str) -> BResult<Option<(String, String, String, String, Vec<String>, bool)>> {
        Ok(self.session.catalog_table(name)?.map(|t| {
            let schema = crate::types::spark_json::fields_to_json(&t.fields);
            (t.name, t.format, t.location, schema, t.partition_by, t.external)
        }))
    }

    /// Add a directory-backed table to the session catalog (the directory is made by the caller).
    #[allow(clippy::too_many_arguments)]
    fn create_table(
        &self,
        name: &str,
        format: &str,
        location: &str,
        schema_json: &str,
        partition_by: Vec<String>,
        options: Vec<(String, String)>,
        external: bool,
    ) -> BResult<()> {
        // Spark's catalog stores a table's columns as nullable.
        let fields = crate::types::fields_as_nullable(&crate::types::spark_json::fields_from_json(schema_json)?);
        Ok(self.session.create_table(crate::session::CatalogTable {
            name: name.to_string(),
            format: format.to_ascii_lowercase(),
            location: location.to_string(),
            fields,
            partition_by,
            options: crate::io::options::Options::from_pairs(options),
            external,
        })?)
    }

    /// The checks a table's format makes of its columns (`toTable` creating a table).
    fn check_table_schema(&self, format: &str, schema_json: &str) -> BResult<()> {
        let fields = crate::types::spark_json::fields_from_json(schema_json)?;
        // A Delta table's data files are parquet.
        let format = if crate::io::delta::is_delta(format) { "parquet" } else { format };
        Ok(crate::io::format::file_format(format)?.check_write_schema(&arrow::datatypes::Schema::new(fields))?)
    }

    /// The catalog's tables as (name, external), sorted by name.
    fn catalog_tables(&self) -> Vec<(String, bool)> {
        self.session.catalog_tables().into_iter().map(|t| (t.name, t.external)).collect()
    }

    /// `spark.sql(query)`.
    fn sql(&self, py: Python<'_>, query: &str) -> BResult<PyDataFrame> {
        let session = self.session.clone();
        let plan =
            crate::python::gil::detached(py, move || crate::plan::sql_planner::plan_sql(query, session.as_ref()))?;
        Ok(PyDataFrame::new(plan, self.session.clone()))
    }
}
