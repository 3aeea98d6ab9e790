//! The file formats (csv, json, parquet, text) behind one trait, looked up by name: the batch reader and writer
//! (`spark.read`/`df.write`), the catalog's tables and the streaming file source and sink all go through this table,
//! the one place in `io` that knows format names.
use std::path::Path;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Fields, Schema};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::compression::Codec;
use crate::io::options::Options;
use crate::io::paths::FileEntry;

pub trait FileFormat: Sync {
    /// The registry name (lower case).
    fn name(&self) -> &'static str;
    /// The name Spark's messages use ("CSV", "JSON", …).
    fn display_name(&self) -> &'static str;
    /// Whether the format fixes its own columns (text: one `value` string), so a stream needs no schema.
    fn fixed_columns(&self) -> bool {
        false
    }
    /// Read listed files; partition columns come from each entry's `partition_values`.
    ///
    /// `projection`, when given, lists the indices (into the returned fields: data columns, then partition columns)
    /// of the only columns the query reads. A reader may then skip decoding the others and return them as all-null
    /// columns of their type, so the batches keep the full schema and the plan's column indices stay valid. Spark
    /// prunes the same way (its readers get a `requiredSchema`), which is also why a malformed value in a column the
    /// query never reads does not make the record malformed.
    fn read(
        &self,
        files: &[FileEntry],
        schema: Option<&Fields>,
        projection: Option<&[usize]>,
        opts: &Options,
        ctx: &EvalContext,
    ) -> Result<(Fields, Vec<RecordBatch>)>;
    /// Spark's checks of the data columns a write gets.
    fn check_write_schema(&self, _schema: &Schema) -> Result<()> {
        Ok(())
    }
    /// The part files' extension (after the codec's, for parquet).
    fn extension(&self, opts: &Options) -> Result<String>;
    /// Write one part file.
    fn write(&self, batch: &RecordBatch, path: &Path, opts: &Options, ctx: &EvalContext) -> Result<()>;
}

struct Csv;
struct Json;
struct Parquet;
struct Text;

static FORMATS: &[&dyn FileFormat] = &[&Csv, &Json, &Parquet, &Text];

/// The format registered as `name` (case insensitive), with Spark's error otherwise.
pub fn file_format(name: &str) -> Result<&'static dyn FileFormat> {
    FORMATS.iter().copied().find(|f| f.name().eq_ignore_ascii_case(name)).ok_or_else(|| {
        EmberError::analysis_class(
            "DATA_SOURCE_NOT_FOUND",
            format!(
                "Failed to find the data source: {}. Make sure the provider name is correct and the package is properly registered and compatible with your Spark version. SQLSTATE: 42K02",
                name.to_ascii_lowercase()
            ),
        )
    })
}

/// A text-based format's part-file extension: its own, then the codec's (`.csv.gz`).
fn text_extension(own: &str, opts: &Options) -> Result<String> {
    Ok(match Codec::for_write(opts)? {
        Some(codec) => format!("{own}{}", codec.extension()),
        None => own.to_string(),
    })
}

/// Write a text-based part file, compressed with the `compression` option's codec.
fn write_text_file(path: &Path, bytes: Vec<u8>, opts: &Options) -> Result<()> {
    let bytes = match Codec::for_write(opts)? {
        Some(codec) => codec.compress(&bytes)?,
        None => bytes,
    };
    Ok(std::fs::write(path, bytes)?)
}

impl FileFormat for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }
    fn display_name(&self) -> &'static str {
        "CSV"
    }
    fn read(
        &self,
        files: &[FileEntry],
        schema: Option<&Fields>,
        projection: Option<&[usize]>,
        opts: &Options,
        ctx: &EvalContext,
    ) -> Result<(Fields, Vec<RecordBatch>)> {
        crate::io::csv::read_csv(files, schema, projection, opts, ctx)
    }
    fn check_write_schema(&self, schema: &Schema) -> Result<()> {
        for f in schema.fields() {
            if !crate::io::csv::read::supported(f.data_type()) && f.data_type() != &DataType::Binary {
                return Err(crate::io::csv::unsupported_type("CSV", f));
            }
        }
        Ok(())
    }
    fn extension(&self, opts: &Options) -> Result<String> {
        text_extension(".csv", opts)
    }
    fn write(&self, batch: &RecordBatch, path: &Path, opts: &Options, ctx: &EvalContext) -> Result<()> {
        let bytes = crate::io::csv::write_csv(batch, opts, opts.get_bool("header", false)?, ctx)?;
        write_text_file(path, bytes, opts)
    }
}

impl FileFormat for Json {
    fn name(&self) -> &'static str {
        "json"
    }
    fn display_name(&self) -> &'static str {
        "JSON"
    }
    fn read(
        &self,
        files: &[FileEntry],
        schema: Option<&Fields>,
        projection: Option<&[usize]>,
        opts: &Options,
        ctx: &EvalContext,
    ) -> Result<(Fields, Vec<RecordBatch>)> {
        crate::io::paths::read_json_dataset(files, schema, projection, opts, ctx)
    }
    fn extension(&self, opts: &Options) -> Result<String> {
        text_extension(".json", opts)
    }
    fn write(&self, batch: &RecordBatch, path: &Path, opts: &Options, ctx: &EvalContext) -> Result<()> {
        let bytes = crate::io::json::write_json_lines_map(batch, &opts.to_lowercase_map(), ctx)?;
        write_text_file(path, bytes, opts)
    }
}

impl FileFormat for Parquet {
    fn name(&self) -> &'static str {
        "parquet"
    }
    fn display_name(&self) -> &'static str {
        "Parquet"
    }
    fn read(
        &self,
        files: &[FileEntry],
        schema: Option<&Fields>,
        projection: Option<&[usize]>,
        opts: &Options,
        ctx: &EvalContext,
    ) -> Result<(Fields, Vec<RecordBatch>)> {
        crate::io::parquet::read_parquet(files, schema, projection, opts, ctx)
    }
    fn extension(&self, opts: &Options) -> Result<String> {
        crate::io::parquet::parquet_extension(opts).map(str::to_string)
    }
    fn write(&self, batch: &RecordBatch, path: &Path, opts: &Options, _ctx: &EvalContext) -> Result<()> {
        crate::io::parquet::write_parquet(std::slice::from_ref(batch), path, opts)
    }
}

impl FileFormat for Text {
    fn name(&self) -> &'static str {
        "text"
    }
    fn display_name(&self) -> &'static str {
        "Text"
    }
    fn fixed_columns(&self) -> bool {
        true
    }
    fn read(
        &self,
        files: &[FileEntry],
        _schema: Option<&Fields>,
        _projection: Option<&[usize]>,
        opts: &Options,
        ctx: &EvalContext,
    ) -> Result<(Fields, Vec<RecordBatch>)> {
        crate::io::text::read_text(files, opts, ctx)
    }
    fn check_write_schema(&self, schema: &Schema) -> Result<()> {
        crate::io::text::check_text_schema(schema)
    }
    fn extension(&self, opts: &Options) -> Result<String> {
        text_extension(".txt", opts)
    }
    fn write(&self, batch: &RecordBatch, path: &Path, opts: &Options, _ctx: &EvalContext) -> Result<()> {
        write_text_file(path, crate::io::text::write_text(batch, opts)?, opts)
    }
}
