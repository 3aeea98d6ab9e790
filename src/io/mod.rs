//! File formats shared by batch reads/writes and the streaming file source and sinks.
pub mod compression;
pub mod csv;
pub mod delta;
pub mod format;
pub mod jdbc;
pub mod json;
pub mod options;
pub mod parquet;
pub mod paths;
pub mod text;
pub mod writer;

use arrow::array::RecordBatch;
use arrow::datatypes::Fields;

use crate::context::EvalContext;
use crate::error::Result;
use options::Options;

/// Read `paths` in `format` (csv, json, parquet, text); `schema` None means infer it.
pub fn read_format(
    format: &str,
    paths: &[String],
    opts: &Options,
    schema: Option<&Fields>,
    ctx: &EvalContext,
) -> Result<(Fields, Vec<RecordBatch>)> {
    if delta::is_delta(format) {
        // A catalog table of the delta provider (`spark.table`): its latest snapshot, in the catalog's column order.
        let [path] = paths else {
            return Err(crate::error::EmberError::illegal_argument("A Delta table is read from exactly one path"));
        };
        return delta::table::read_catalog_table(&paths::local_path(path), opts, schema, ctx);
    }
    paths::read_dataset(format, paths, opts, schema, ctx)
}

/// Write batches as a dataset directory (`df.write`).
#[allow(clippy::too_many_arguments)]
pub fn write_format(
    batches: &[RecordBatch],
    schema: &arrow::datatypes::SchemaRef,
    path: &str,
    format: &str,
    mode: &str,
    partition_by: &[String],
    opts: &Options,
    ctx: &EvalContext,
) -> Result<()> {
    writer::write_path(batches, schema, path, format, mode, partition_by, opts, ctx)
}
