//! `format("delta")`: the Delta Lake connector. Batch reads (with time travel) and writes go to `crate::io::delta`;
//! the streaming sink commits each micro-batch as one table version carrying a `txn` action (appId = the query id,
//! version = the batch id), so a batch replayed after a crash finds its txn in the log and commits nothing twice.
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{Fields, Schema};
use serde_json::json;

use crate::context::{EvalContext, ExecContext};
use crate::error::{EmberError, Result};
use crate::expr::expr::{BinaryOp, Expr};
use crate::expr::schema::PlanSchema;
use crate::io::delta::table::{self, Replacement, Write};
use crate::io::options::Options;
use crate::io::paths::local_path;
use crate::io::writer::SaveMode;
use crate::plan::builder::{self, AnalysisConfig};
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::{OutputMode, Trigger};
use crate::stream::connector::delta_source;
use crate::stream::connector::{relation_as, BatchWrite, LoadArgs, SinkArgs, SinkProvider, SourceProvider};
use crate::stream::sink::Sink;
use crate::stream::source::Source;

/// The Delta connector, registered as both source and sink.
pub struct DeltaProvider;

pub static DELTA: DeltaProvider = DeltaProvider;

/// The class Spark's messages name for the Delta data source.
const DATA_SOURCE_CLASS: &str = "org.apache.spark.sql.delta.sources.DeltaDataSource";

fn path_not_specified() -> EmberError {
    EmberError::illegal_argument_class("DELTA_PATH_NOT_SPECIFIED", "'path' is not specified SQLSTATE: 42000")
}

impl SourceProvider for DeltaProvider {
    fn name(&self) -> &'static str {
        "delta"
    }
    fn load(&self, args: LoadArgs<'_>) -> Result<(Arc<dyn StreamRelation>, Fields)> {
        if args.user_schema.is_some() {
            return Err(EmberError::analysis_class(
                "DELTA_UNSUPPORTED_SCHEMA_DURING_READ",
                "Delta does not support specifying the schema at read time. SQLSTATE: 0AKDC",
            ));
        }
        let path = args.path.or_else(|| args.options.get("path")).ok_or_else(path_not_specified)?;
        delta_source::load(path, args.options, args.session)
    }
    fn open(&self, relation: &dyn StreamRelation, trigger: Trigger) -> Result<Box<dyn Source>> {
        delta_source::open(relation_as(relation)?, trigger)
    }
    fn file_table(&self) -> bool {
        true
    }
    fn read_batch(&self, args: LoadArgs<'_>) -> Option<Result<(Fields, Vec<RecordBatch>)>> {
        Some((|| {
            if args.user_schema.is_some() {
                return Err(EmberError::analysis_class(
                    "DELTA_UNSUPPORTED_SCHEMA_DURING_READ",
                    "Delta does not support specifying the schema at read time. SQLSTATE: 0AKDC",
                ));
            }
            let path = args.path.or_else(|| args.options.get("path")).ok_or_else(path_not_specified)?;
            crate::io::paths::check_reachable(path)?;
            let ctx = args.session.exec_context();
            table::read(&local_path(path), args.options, &ctx.eval)
        })())
    }
}

impl SinkProvider for DeltaProvider {
    fn name(&self) -> &'static str {
        "delta"
    }
    fn create(&self, args: SinkArgs<'_>) -> Result<Box<dyn Sink>> {
        let path = args.options.get("path").ok_or_else(path_not_specified)?;
        if !matches!(args.mode, OutputMode::Append | OutputMode::Complete) {
            return Err(EmberError::analysis_class(
                "DELTA_UNSUPPORTED_OUTPUT_MODE",
                format!(
                    "Data source {DATA_SOURCE_CLASS} does not support {} output mode SQLSTATE: 0AKDC",
                    args.mode.name()
                ),
            ));
        }
        if args.options.get("checkpointLocation").is_none()
            && args.session.conf_get("spark.sql.streaming.checkpointLocation").is_none()
        {
            return Err(EmberError::analysis(
                "checkpointLocation must be specified either through option(\"checkpointLocation\", ...) or SparkSession.conf.set(\"spark.sql.streaming.checkpointLocation\", ...).",
            ));
        }
        crate::io::paths::check_reachable(path)?;
        Ok(Box::new(DeltaSink {
            root: local_path(path),
            partition_by: args.partition_by.to_vec(),
            options: args.options.clone(),
            mode: args.mode,
            query_id: String::new(),
            replay: Default::default(),
        }))
    }
    fn file_table(&self) -> bool {
        true
    }
    fn writes_batches(&self) -> bool {
        true
    }
    fn write_batch(&self, w: BatchWrite<'_>) -> Option<Result<()>> {
        Some((|| {
            let path = w.path.or_else(|| w.options.get("path")).ok_or_else(path_not_specified)?;
            crate::io::paths::check_reachable(path)?;
            let mode = SaveMode::parse(w.mode)?;
            let txn = table::idempotent_write_options(w.options)?;
            let mode_name = match mode {
                SaveMode::Append => "Append",
                SaveMode::Overwrite => "Overwrite",
                SaveMode::ErrorIfExists => "ErrorIfExists",
                SaveMode::Ignore => "Ignore",
            };
            let partition_by = serde_json::to_string(w.partition_by)?;
            let replace_where = w.options.get("replaceWhere").filter(|_| mode == SaveMode::Overwrite);
            let mut parameters = json!({ "mode": mode_name, "partitionBy": partition_by });
            let predicate = match replace_where {
                Some(text) => {
                    parameters["predicate"] = json!(format!("[\"{text}\"]"));
                    let predicate = crate::expr::sql::parse_expression(text)?;
                    check_replace_where(w.batches, w.schema, &predicate, text, w.ctx)?;
                    Some((predicate, text))
                }
                None => None,
            };
            let root = local_path(path);
            let chooser = predicate.as_ref().map(|(p, _)| {
                let ctx = w.ctx.clone();
                let root = root.clone();
                move |snap: &crate::io::delta::log::Snapshot| replacement(&root, snap, p, &ctx)
            });
            let write = Write {
                batches: w.batches,
                schema: w.schema,
                mode,
                partition_by: w.partition_by,
                options: w.options,
                txn,
                operation: "WRITE",
                operation_parameters: parameters,
                replay: None,
                replace_files: chooser
                    .as_ref()
                    .map(|c| c as &(dyn Fn(&crate::io::delta::log::Snapshot) -> Result<Replacement> + Sync)),
            };
            table::write(&root, &write, w.ctx).map(|_| ())
        })())
    }
}

/// The streaming sink: one table version per micro-batch.
pub struct DeltaSink {
    root: PathBuf,
    partition_by: Vec<String>,
    options: Options,
    mode: OutputMode,
    query_id: String,
    /// The table's log as of the last batch, so each batch reads only the commits since.
    replay: std::sync::Mutex<crate::io::delta::log::Replay>,
}

impl Sink for DeltaSink {
    fn add_batch(
        &mut self,
        batch_id: i64,
        schema: &PlanSchema,
        batches: Vec<RecordBatch>,
        ctx: &EvalContext,
    ) -> Result<()> {
        let arrow_schema = schema.arrow_schema();
        let write = Write {
            batches: &batches,
            schema: &arrow_schema,
            mode: if self.mode == OutputMode::Complete { SaveMode::Overwrite } else { SaveMode::Append },
            partition_by: &self.partition_by,
            options: &self.options,
            txn: Some((self.query_id.clone(), batch_id)),
            operation: "STREAMING UPDATE",
            replace_files: None,
            replay: Some(&self.replay),
            operation_parameters: json!({
                "outputMode": self.mode.name(),
                "queryId": self.query_id,
                "epochId": batch_id.to_string(),
            }),
        };
        table::write(&self.root, &write, ctx)?;
        Ok(())
    }
    fn description(&self) -> String {
        format!("DeltaSink[file:{}]", self.root.display())
    }
    fn bind_query(&mut self, query_id: &str) {
        self.query_id = query_id.to_string();
    }
}

/// The rows of `batches` (columns `fields`) that `predicate` keeps.
fn matching(
    fields: &Fields,
    batches: Vec<RecordBatch>,
    predicate: &Expr,
    ctx: &EvalContext,
) -> Result<Vec<RecordBatch>> {
    let input = builder::values(fields.clone(), batches);
    let filtered = builder::filter(&input, predicate, AnalysisConfig::default())?;
    crate::exec::execute::execute(&filtered, &ExecContext { eval: ctx.clone(), ..ExecContext::default() })
}

/// `replaceWhere`: every row written must satisfy the predicate, as Delta checks before committing.
fn check_replace_where(
    batches: &[RecordBatch],
    schema: &Schema,
    predicate: &Expr,
    text: &str,
    ctx: &EvalContext,
) -> Result<()> {
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let kept: usize = matching(schema.fields(), batches.to_vec(), predicate, ctx)?.iter().map(|b| b.num_rows()).sum();
    if kept != total {
        return Err(EmberError::analysis_class(
            "DELTA_REPLACE_WHERE_MISMATCH",
            format!("Written data does not conform to partial table overwrite condition or constraint '{text}'. SQLSTATE: 44000"),
        ));
    }
    Ok(())
}

/// What a `replaceWhere` replaces among `snap`'s live files. The predicate's conjuncts over partition columns only
/// are decided per file from its partition values; when that is all there is, whole files go. Conjuncts over data
/// columns make it Delta's data-column replaceWhere: of the files the partition conjuncts leave, every file holding
/// a row the predicate is true for is removed, and its other rows (false or null) are written again.
fn replacement(
    root: &std::path::Path,
    snap: &crate::io::delta::log::Snapshot,
    predicate: &Expr,
    ctx: &EvalContext,
) -> Result<Replacement> {
    let pcols = &snap.metadata.partition_columns;
    let (on_partitions, on_data): (Vec<&Expr>, Vec<&Expr>) =
        conjuncts(predicate).into_iter().partition(|c| names_only(c, pcols));
    let and = |l: Expr, r: Expr| Expr::Binary { op: BinaryOp::And, left: Box::new(l), right: Box::new(r) };
    let candidates = match on_partitions.into_iter().cloned().reduce(and) {
        Some(p) => files_matching_partitions(snap, &p, ctx)?,
        None => vec![true; snap.files.len()],
    };
    if on_data.is_empty() {
        return Ok(Replacement { removed: candidates, kept_rows: vec![] });
    }
    data_replacement(root, snap, predicate, &candidates, ctx)
}

/// The conjuncts of `e` (`a AND b AND c` → a, b, c).
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Binary { op: BinaryOp::And, left, right } => {
            let mut out = conjuncts(left);
            out.extend(conjuncts(right));
            out
        }
        _ => vec![e],
    }
}

/// Whether every column `e` names is one of `columns` (a partition column).
fn names_only(e: &Expr, columns: &[String]) -> bool {
    match e {
        Expr::Column(parts) => parts.len() == 1 && columns.iter().any(|c| c.eq_ignore_ascii_case(&parts[0])),
        Expr::Attribute { .. } => false,
        _ => e.children().into_iter().all(|c| names_only(c, columns)),
    }
}

/// Per live file, whether its partition values satisfy `predicate` (over partition columns only).
fn files_matching_partitions(
    snap: &crate::io::delta::log::Snapshot,
    predicate: &Expr,
    ctx: &EvalContext,
) -> Result<Vec<bool>> {
    let values = table::partition_values_batch(snap, ctx)?;
    let n = values.num_rows();
    let index: arrow::array::ArrayRef = Arc::new(arrow::array::Int64Array::from_iter_values(0..n as i64));
    let mut fields: Vec<arrow::datatypes::Field> =
        values.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(arrow::datatypes::Field::new(FILE_INDEX, arrow::datatypes::DataType::Int64, false));
    let mut cols = values.columns().to_vec();
    cols.push(index);
    let fields: Fields = fields.into();
    let batch = RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields.clone())),
        cols,
        &arrow::array::RecordBatchOptions::new().with_row_count(Some(n)),
    )?;
    let kept = matching(&fields, vec![batch], predicate, ctx)?;
    let mut removed = vec![false; snap.files.len()];
    for b in kept {
        let col = b.column(b.num_columns() - 1);
        let idx = col
            .as_any()
            .downcast_ref::<arrow::array::Int64Array>()
            .ok_or_else(|| EmberError::execution("replaceWhere: the file index column came back with another type"))?;
        for i in idx.values().iter() {
            removed[*i as usize] = true;
        }
    }
    Ok(removed)
}

/// `replaceWhere` over data columns: each candidate file read and split into the rows the predicate covers and the
/// rest.
fn data_replacement(
    root: &std::path::Path,
    snap: &crate::io::delta::log::Snapshot,
    predicate: &Expr,
    candidates: &[bool],
    ctx: &EvalContext,
) -> Result<Replacement> {
    use rayon::prelude::*;
    let fields = table::table_fields(snap)?;
    // Rows the predicate is not true for: false or null, as a DELETE keeps them.
    let no: arrow::array::ArrayRef = Arc::new(arrow::array::BooleanArray::from(vec![false]));
    let rest = Expr::Not(Box::new(Expr::call("coalesce", vec![predicate.clone(), Expr::lit(no)])));
    let per_file: Vec<Option<Vec<RecordBatch>>> = snap
        .files
        .par_iter()
        .zip(candidates.par_iter())
        .map(|(f, candidate)| {
            if !candidate {
                return Ok(None);
            }
            let (_, batches) = table::read_files(root, &fields, std::slice::from_ref(f), ctx)?;
            let total: usize = batches.iter().map(|b| b.num_rows()).sum();
            let kept = matching(&fields, batches, &rest, ctx)?;
            let kept_rows: usize = kept.iter().map(|b| b.num_rows()).sum();
            Ok((kept_rows < total).then_some(kept))
        })
        .collect::<Result<_>>()?;
    let removed = per_file.iter().map(Option::is_some).collect();
    let kept_rows = per_file.into_iter().flatten().flatten().filter(|b| b.num_rows() > 0).collect();
    Ok(Replacement { removed, kept_rows })
}

/// The column that carries each file's position through the predicate.
const FILE_INDEX: &str = "__ember_delta_file_index";
