//! Parquet: parallel per-file reading into the engine's canonical Arrow types, and a Spark-compatible writer.
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::options::Options;
use crate::io::paths::{self, FileEntry};
use crate::types::canonical;

const BATCH_ROWS: usize = 65_536;

/// A file's schema in canonical engine types. INT96 columns (Spark's default timestamp encoding) are instants.
fn file_schema(builder_schema: &SchemaRef, descr: &parquet::schema::types::SchemaDescriptor) -> Fields {
    let roots = descr.root_schema().get_fields();
    builder_schema
        .fields()
        .iter()
        .map(|f| {
            let int96 = roots.iter().any(|t| {
                t.name() == f.name() && t.is_primitive() && t.get_physical_type() == parquet::basic::Type::INT96
            });
            let dt = if int96 { crate::types::timestamp_type() } else { canonical(f.data_type()) };
            Field::new(f.name(), dt, true)
        })
        .collect()
}

fn open(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let f = File::open(path)?;
    ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| EmberError::execution(format!("Could not read footer for file: file:{}. {e}", path.display())))
}

/// The canonical schema of one Parquet file.
pub fn read_parquet_schema(path: &Path) -> Result<Fields> {
    let b = open(path)?;
    Ok(file_schema(b.schema(), b.parquet_schema()))
}

/// Union of schemas by column name (case-insensitive), first appearance first.
fn merge_schemas(schemas: &[Fields]) -> Result<Fields> {
    let mut out: Vec<Field> = vec![];
    for s in schemas {
        for f in s.iter() {
            match out.iter().find(|o| o.name().eq_ignore_ascii_case(f.name())) {
                None => out.push(f.as_ref().clone()),
                Some(o) if o.data_type() == f.data_type() => {}
                Some(o) => {
                    return Err(EmberError::analysis_class(
                        "CANNOT_MERGE_SCHEMAS",
                        format!(
                            "Failed merging schemas:\nInitial schema:\n\"{}\"\nSchema that cannot be merged with the initial schema:\n\"{}\". SQLSTATE: 42KD9",
                            crate::types::simple_string(o.data_type()).to_uppercase(),
                            crate::types::simple_string(f.data_type()).to_uppercase()
                        ),
                    ))
                }
            }
        }
    }
    Ok(out.into())
}

/// Read Parquet files. The schema comes from the first file (all files with `mergeSchema`); a user schema selects
/// and orders columns by name, columns missing from a file read as null. Partition columns are appended.
pub fn read_parquet(
    files: &[FileEntry],
    schema: Option<&Fields>,
    _projection: Option<&[usize]>,
    opts: &Options,
    ctx: &EvalContext,
) -> Result<(Fields, Vec<RecordBatch>)> {
    let part_names: Vec<String> =
        files.first().map(|f| f.partition_values.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
    let is_part = |n: &str| part_names.iter().any(|p| p.eq_ignore_ascii_case(n));
    let pfields = paths::partition_fields(files, &part_names, schema);
    let data_fields: Fields = match schema {
        Some(s) => s.iter().filter(|f| !is_part(f.name())).cloned().collect(),
        None => {
            if files.is_empty() {
                return Err(paths::unable_to_infer_schema("Parquet"));
            }
            let merge = opts.get_bool("mergeSchema", false)?;
            let schemas: Vec<Fields> = if merge {
                files.par_iter().map(|f| read_parquet_schema(&f.path)).collect::<Result<Vec<_>>>()?
            } else {
                vec![read_parquet_schema(&files[0].path)?]
            };
            merge_schemas(&schemas)?.iter().filter(|f| !is_part(f.name())).cloned().collect()
        }
    };
    let mut all: Vec<Field> = data_fields.iter().map(|f| f.as_ref().clone()).collect();
    all.extend(pfields.iter().map(|f| f.as_ref().clone()));
    let out_schema = Arc::new(Schema::new(all));
    let per_file: Vec<Vec<RecordBatch>> = files
        .par_iter()
        .map(|entry| {
            let builder = open(&entry.path)?;
            let fschema = file_schema(builder.schema(), builder.parquet_schema());
            // For each wanted column, its index among the file's root columns.
            let idx: Vec<Option<usize>> = data_fields
                .iter()
                .map(|f| fschema.iter().position(|g| g.name().eq_ignore_ascii_case(f.name())))
                .collect();
            let mut roots: Vec<usize> = idx.iter().flatten().copied().collect();
            roots.sort_unstable();
            roots.dedup();
            let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
            let reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build()?;
            let mut out = vec![];
            for batch in reader {
                let batch = batch?;
                let n = batch.num_rows();
                let mut cols: Vec<ArrayRef> = Vec::with_capacity(out_schema.fields().len());
                for (f, i) in data_fields.iter().zip(&idx) {
                    let col = match i {
                        None => new_null_array(f.data_type(), n),
                        Some(i) => {
                            let pos = roots.iter().position(|r| r == i).expect("projected column");
                            let c = batch.column(pos);
                            if c.data_type() == f.data_type() {
                                c.clone()
                            } else {
                                arrow::compute::cast(c, f.data_type())?
                            }
                        }
                    };
                    cols.push(col);
                }
                cols.extend(paths::partition_columns(entry, &pfields, n, &ctx.time_zone)?);
                out.push(RecordBatch::try_new_with_options(
                    out_schema.clone(),
                    cols,
                    &RecordBatchOptions::new().with_row_count(Some(n)),
                )?);
            }
            Ok(out)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((out_schema.fields().clone(), per_file.into_iter().flatten().collect()))
}

/// The codec named by the `compression` (or `codec`) option; Spark's default is snappy.
pub fn parquet_compression(opts: &Options) -> Result<Compression> {
    let name = opts.get_any(&["compression", "codec"]).unwrap_or("snappy").to_ascii_lowercase();
    Ok(match name.as_str() {
        "snappy" => Compression::SNAPPY,
        "none" | "uncompressed" => Compression::UNCOMPRESSED,
        "gzip" => Compression::GZIP(GzipLevel::default()),
        "zstd" => Compression::ZSTD(ZstdLevel::default()),
        "lz4" => Compression::LZ4,
        "lz4_raw" => Compression::LZ4_RAW,
        "brotli" | "lzo" => return Err(EmberError::not_implemented(format!("Parquet compression codec {name}"))),
        _ => {
            return Err(EmberError::illegal_argument(format!(
                "[CODEC_NOT_AVAILABLE.WITH_AVAILABLE_CODECS_SUGGESTION] The codec {name} is not available. Available codecs are brotli, uncompressed, lzo, snappy, lz4_raw, none, zstd, lz4, gzip. SQLSTATE: 56038"
            )))
        }
    })
}

/// File name suffix Spark uses for the codec (`.snappy.parquet`, `.parquet` uncompressed, `.gz.parquet`, …).
pub fn parquet_extension(opts: &Options) -> Result<&'static str> {
    Ok(match parquet_compression(opts)? {
        Compression::SNAPPY => ".snappy.parquet",
        Compression::GZIP(_) => ".gz.parquet",
        Compression::ZSTD(_) => ".zstd.parquet",
        Compression::LZ4 => ".lz4hadoop.parquet",
        Compression::LZ4_RAW => ".lz4raw.parquet",
        _ => ".parquet",
    })
}

/// Write `batches` (one schema) to one Parquet file. Timestamps are INT64 microseconds (UTC-adjusted for
/// TIMESTAMP, not adjusted for TIMESTAMP_NTZ), which Spark and pyarrow read back as the same types.
pub fn write_parquet(batches: &[RecordBatch], path: &Path, opts: &Options) -> Result<()> {
    let Some(first) = batches.first() else {
        return Err(EmberError::execution("write_parquet needs at least one batch (for the schema)"));
    };
    let schema = first.schema();
    for f in schema.fields() {
        if matches!(f.data_type(), DataType::Duration(_) | DataType::Interval(_)) {
            return Err(crate::io::csv::unsupported_type("Parquet", f));
        }
    }
    let props = WriterProperties::builder().set_compression(parquet_compression(opts)?).build();
    let file = File::create(path)?;
    let mut w = ArrowWriter::try_new(file, schema, Some(props))?;
    for b in batches {
        w.write(b)?;
    }
    w.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::*;
    use arrow::util::display::array_value_to_string;

    fn sample() -> RecordBatch {
        RecordBatch::try_from_iter(vec![
            ("i", Arc::new(Int32Array::from(vec![Some(1), None])) as ArrayRef),
            ("s", Arc::new(StringArray::from(vec![Some("a"), Some("b")]))),
            (
                "t",
                Arc::new(TimestampMicrosecondArray::from(vec![Some(1_704_103_200_123_456), None]).with_timezone("UTC")),
            ),
            ("n", Arc::new(TimestampMicrosecondArray::from(vec![Some(1), Some(2)]))),
            ("d", Arc::new(Date32Array::from(vec![Some(19724), None]))),
            ("dec", Arc::new(Decimal128Array::from(vec![Some(120), None]).with_precision_and_scale(5, 2).unwrap())),
            ("b", Arc::new(Int8Array::from(vec![Some(-1), Some(2)]))),
        ])
        .unwrap()
    }

    fn entries(dir: &Path) -> Vec<FileEntry> {
        paths::list_files(&[dir.display().to_string()], &Options::new()).unwrap().0
    }

    #[test]
    fn round_trip_keeps_spark_types() {
        let d = tempfile::tempdir().unwrap();
        let b = sample();
        for codec in ["snappy", "none", "gzip", "zstd", "lz4", "lz4_raw"] {
            let p = d.path().join(format!("{codec}.parquet"));
            write_parquet(std::slice::from_ref(&b), &p, &Options::from_pairs([("compression", codec)])).unwrap();
            let files = paths::list_files(&[p.display().to_string()], &Options::new()).unwrap().0;
            let (f, out) = read_parquet(&files, None, None, &Options::new(), &EvalContext::default()).unwrap();
            assert_eq!(f.len(), 7);
            assert_eq!(out[0].columns(), b.columns(), "{codec}");
        }
        assert_eq!(parquet_extension(&Options::new()).unwrap(), ".snappy.parquet");
        assert_eq!(parquet_extension(&Options::from_pairs([("compression", "none")])).unwrap(), ".parquet");
        assert_eq!(parquet_extension(&Options::from_pairs([("compression", "gzip")])).unwrap(), ".gz.parquet");
        let e = parquet_compression(&Options::from_pairs([("compression", "foo")])).unwrap_err();
        assert_eq!(
            e.message(),
            "[CODEC_NOT_AVAILABLE.WITH_AVAILABLE_CODECS_SUGGESTION] The codec foo is not available. Available codecs are brotli, uncompressed, lzo, snappy, lz4_raw, none, zstd, lz4, gzip. SQLSTATE: 56038"
        );
    }

    #[test]
    fn user_schema_selects_by_name_and_merge_schema_unions() {
        let d = tempfile::tempdir().unwrap();
        let b = sample();
        write_parquet(std::slice::from_ref(&b), &d.path().join("a.parquet"), &Options::new()).unwrap();
        let other = RecordBatch::try_from_iter(vec![("z", Arc::new(Int64Array::from(vec![7])) as ArrayRef)]).unwrap();
        write_parquet(&[other], &d.path().join("b.parquet"), &Options::new()).unwrap();
        let files = entries(d.path());
        let user: Fields =
            vec![Field::new("S", DataType::Utf8, true), Field::new("missing", DataType::Int32, true)].into();
        let (f, out) = read_parquet(&files, Some(&user), None, &Options::new(), &EvalContext::default()).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(out.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
        assert_eq!(array_value_to_string(out[0].column(0), 1).unwrap(), "b");
        assert!(out[0].column(1).is_null(0));
        assert!(out[1].column(0).is_null(0));
        let (f, _) = read_parquet(&files, None, None, &Options::new(), &EvalContext::default()).unwrap();
        assert_eq!(f.len(), 7);
        let (f, out) =
            read_parquet(&files, None, None, &Options::from_pairs([("mergeSchema", "true")]), &EvalContext::default())
                .unwrap();
        assert_eq!(f.len(), 8);
        assert_eq!(f[7].name(), "z");
        assert_eq!(array_value_to_string(out[1].column(7), 0).unwrap(), "7");
        assert!(out[1].column(0).is_null(0));
    }

    #[test]
    fn partitions_and_empty_dirs() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("x=1/y=a")).unwrap();
        write_parquet(&[sample()], &d.path().join("x=1/y=a/f.parquet"), &Options::new()).unwrap();
        let (f, out) = read_parquet(&entries(d.path()), None, None, &Options::new(), &EvalContext::default()).unwrap();
        assert_eq!(f.len(), 9);
        assert_eq!(f[7].data_type(), &DataType::Int32);
        assert_eq!(array_value_to_string(out[0].column(8), 1).unwrap(), "a");
        let e = read_parquet(&[], None, None, &Options::new(), &EvalContext::default()).unwrap_err();
        assert_eq!(e.message(), "[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for Parquet. It must be specified manually. SQLSTATE: 42KD9");
    }
}
