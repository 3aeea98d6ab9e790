//! The dataset writer: save modes, `part-…` files per batch, Hive partition directories and `_SUCCESS`.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt32Array};
use arrow::datatypes::*;
use rayon::prelude::*;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::csv::values;
use crate::io::format::file_format;
use crate::io::options::Options;
use crate::io::paths::{qualified, HIVE_DEFAULT_PARTITION};

/// `DataFrameWriter.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    Append,
    Overwrite,
    ErrorIfExists,
    Ignore,
}

impl SaveMode {
    /// Spark's names, case-insensitive; `error`, `errorifexists` and `default` mean ErrorIfExists.
    pub fn parse(s: &str) -> Result<SaveMode> {
        match s.to_ascii_lowercase().as_str() {
            "append" => Ok(SaveMode::Append),
            "overwrite" => Ok(SaveMode::Overwrite),
            "ignore" => Ok(SaveMode::Ignore),
            "error" | "errorifexists" | "default" => Ok(SaveMode::ErrorIfExists),
            _ => Err(EmberError::analysis_class(
                "INVALID_SAVE_MODE",
                format!(
                    "The specified save mode \"{s}\" is invalid. Valid save modes include \"append\", \"overwrite\", \"ignore\", \"error\", \"errorifexists\", and \"default\". SQLSTATE: 42000"
                ),
            )),
        }
    }
}

impl std::str::FromStr for SaveMode {
    type Err = EmberError;
    fn from_str(s: &str) -> Result<Self> {
        SaveMode::parse(s)
    }
}

/// A data file written by `write_files_for_batch`.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenFile {
    pub path: PathBuf,
    pub size: u64,
}

/// Spark's escaping of partition directory names and values (`/` → `%2F`, `:` → `%3A`, `=` → `%3D`, …).
pub fn escape_path_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let needs = matches!(
            c,
            '\u{1}'
                ..='\u{1f}'
                    | '"'
                    | '#'
                    | '%'
                    | '\''
                    | '*'
                    | '/'
                    | ':'
                    | '='
                    | '?'
                    | '\\'
                    | '\u{7f}'
                    | '{'
                    | '['
                    | ']'
                    | '^'
        );
        if needs {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The text of a partition value as Spark casts it to string (null and "" → `__HIVE_DEFAULT_PARTITION__`).
pub fn partition_value_string(col: &dyn Array, row: usize, ctx: &EvalContext) -> String {
    if col.is_null(row) {
        return HIVE_DEFAULT_PARTITION.to_string();
    }
    let mut s = String::new();
    match col.data_type() {
        DataType::Float64 => values::format_java_double(col.as_primitive::<Float64Type>().value(row), &mut s),
        DataType::Float32 => values::format_java_float(col.as_primitive::<Float32Type>().value(row), &mut s),
        DataType::Date32 => values::format_date(col.as_primitive::<Date32Type>().value(row) as i64, &mut s),
        DataType::Timestamp(TimeUnit::Microsecond, tz) => {
            let v = col.as_primitive::<TimestampMicrosecondType>().value(row);
            values::format_timestamp_cast(v, tz.as_ref().map(|_| &ctx.time_zone), &mut s)
        }
        _ => {
            s = arrow::util::display::array_value_to_string(col, row).unwrap_or_default();
        }
    }
    if s.is_empty() {
        HIVE_DEFAULT_PARTITION.to_string()
    } else {
        s
    }
}

/// Indices of the partition columns in `schema` (case-insensitive), with Spark's errors.
fn partition_indices(schema: &Schema, partition_by: &[String]) -> Result<Vec<usize>> {
    let mut idx = vec![];
    for p in partition_by {
        match schema.fields().iter().position(|f| f.name().eq_ignore_ascii_case(p)) {
            Some(i) => idx.push(i),
            None => {
                let parts: Vec<String> = schema
                    .fields()
                    .iter()
                    .map(|f| format!("{}:{}", f.name(), crate::types::simple_string(f.data_type())))
                    .collect();
                return Err(EmberError::analysis(format!(
                    "Partition column `{p}` not found in schema struct<{}>.",
                    parts.join(",")
                )));
            }
        }
    }
    if !idx.is_empty() && idx.len() == schema.fields().len() {
        return Err(EmberError::analysis_class(
            "ALL_PARTITION_COLUMNS_NOT_ALLOWED",
            "Cannot use all columns for partition columns. SQLSTATE: KD005",
        ));
    }
    Ok(idx)
}

/// Write one batch's part files into `dir` (no `_SUCCESS`): one `part-<task>-<job_id>-c000<ext>` file, or with
/// `partition_by` one `part-<task>-<job_id>.c000<ext>` per `k=v/…` directory, partition columns left out.
#[allow(clippy::too_many_arguments)]
pub fn write_files_for_batch(
    batch: &RecordBatch,
    dir: &Path,
    format: &str,
    partition_by: &[String],
    opts: &Options,
    ctx: &EvalContext,
    task: usize,
    job_id: &str,
) -> Result<Vec<WrittenFile>> {
    let format = file_format(format)?;
    let ext = format.extension(opts)?;
    let schema = batch.schema();
    let pidx = partition_indices(&schema, partition_by)?;
    let data_idx: Vec<usize> = (0..schema.fields().len()).filter(|i| !pidx.contains(i)).collect();
    let data = batch.project(&data_idx)?;
    format.check_write_schema(&data.schema())?;
    std::fs::create_dir_all(dir)?;
    let written = |p: PathBuf| -> Result<WrittenFile> {
        let size = std::fs::metadata(&p)?.len();
        Ok(WrittenFile { path: p, size })
    };
    if pidx.is_empty() {
        let p = dir.join(format!("part-{task:05}-{job_id}-c000{ext}"));
        format.write(&data, &p, opts, ctx)?;
        return Ok(vec![written(p)?]);
    }
    // Group rows by their partition directory, keeping first-appearance order.
    let pcols: Vec<(String, ArrayRef)> =
        pidx.iter().map(|&i| (schema.field(i).name().clone(), batch.column(i).clone())).collect();
    let mut groups: Vec<(String, Vec<u32>)> = vec![];
    let mut by_dir: HashMap<String, usize> = HashMap::new();
    for row in 0..batch.num_rows() {
        let rel: Vec<String> = pcols
            .iter()
            .map(|(n, c)| {
                format!("{}={}", escape_path_name(n), escape_path_name(&partition_value_string(c.as_ref(), row, ctx)))
            })
            .collect();
        let rel = rel.join("/");
        match by_dir.get(&rel) {
            Some(&g) => groups[g].1.push(row as u32),
            None => {
                by_dir.insert(rel.clone(), groups.len());
                groups.push((rel, vec![row as u32]));
            }
        }
    }
    groups
        .par_iter()
        .map(|(rel, rows)| {
            let sub = dir.join(rel);
            std::fs::create_dir_all(&sub)?;
            let take = UInt32Array::from(rows.clone());
            let cols =
                data.columns().iter().map(|c| Ok(arrow::compute::take(c, &take, None)?)).collect::<Result<Vec<_>>>()?;
            let part = RecordBatch::try_new(data.schema(), cols)?;
            let p = sub.join(format!("part-{task:05}-{job_id}.c000{ext}"));
            format.write(&part, &p, opts, ctx)?;
            written(p)
        })
        .collect()
}

/// `df.write.format(format).mode(mode).partitionBy(..).save(path)`: returns the data files written.
pub fn write_dataset(
    batches: &[RecordBatch],
    path: &Path,
    format: &str,
    mode: SaveMode,
    partition_by: &[String],
    opts: &Options,
    ctx: &EvalContext,
) -> Result<Vec<PathBuf>> {
    let format = file_format(format)?.name();
    if let Some(b) = batches.first() {
        let schema = b.schema();
        let pidx = partition_indices(&schema, partition_by)?;
        let data_idx: Vec<usize> = (0..schema.fields().len()).filter(|i| !pidx.contains(i)).collect();
        file_format(format)?.check_write_schema(&schema.project(&data_idx)?)?;
    }
    let exists = std::fs::symlink_metadata(path).is_ok();
    if exists {
        match mode {
            SaveMode::ErrorIfExists => {
                return Err(EmberError::analysis_class(
                    "PATH_ALREADY_EXISTS",
                    format!(
                    "Path {} already exists. Set mode as \"overwrite\" to overwrite the existing path. SQLSTATE: 42K04",
                    qualified(path)
                ),
                ))
            }
            SaveMode::Ignore => return Ok(vec![]),
            SaveMode::Overwrite => {
                if path.is_dir() {
                    std::fs::remove_dir_all(path)?;
                } else {
                    std::fs::remove_file(path)?;
                }
            }
            SaveMode::Append => {}
        }
    }
    std::fs::create_dir_all(path)?;
    // Spark writes a file per non-empty task, and one (empty) file when every task is empty.
    let mut todo: Vec<&RecordBatch> = batches.iter().filter(|b| b.num_rows() > 0).collect();
    if todo.is_empty() {
        todo.extend(batches.first());
    }
    let job_id = crate::types::uuid::random_uuid();
    let per_task: Vec<Vec<WrittenFile>> = todo
        .par_iter()
        .enumerate()
        .map(|(task, b)| write_files_for_batch(b, path, format, partition_by, opts, ctx, task, &job_id))
        .collect::<Result<Vec<_>>>()?;
    std::fs::write(path.join("_SUCCESS"), b"")?;
    Ok(per_task.into_iter().flatten().map(|f| f.path).collect())
}

/// `df.write.format(format).mode(mode).partitionBy(..).save(path)` from the API's strings; with no batches, an empty
/// batch of `schema` is written so the directory holds one (empty) part file, as Spark does.
#[allow(clippy::too_many_arguments)]
pub fn write_path(
    batches: &[RecordBatch],
    schema: &SchemaRef,
    path: &str,
    format: &str,
    mode: &str,
    partition_by: &[String],
    opts: &Options,
    ctx: &EvalContext,
) -> Result<()> {
    let mode = SaveMode::parse(mode)?;
    crate::io::paths::check_reachable(path)?;
    let path = crate::io::paths::local_path(path);
    let empty;
    let batches = if batches.is_empty() {
        empty = [RecordBatch::new_empty(schema.clone())];
        &empty[..]
    } else {
        batches
    };
    write_dataset(batches, &path, format, mode, partition_by, opts, ctx)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::*;

    use crate::io::paths::list_files;

    fn sample() -> RecordBatch {
        RecordBatch::try_from_iter(vec![
            ("v", Arc::new(Int32Array::from(vec![1, 2, 3, 4])) as ArrayRef),
            ("k", Arc::new(StringArray::from(vec![Some("x y"), None, Some("é=%"), Some("a:b#c")]))),
            ("d", Arc::new(StringArray::from(vec!["2024-01-01", "a/b", "2024-01-01 10:00:00", "1.5"]))),
        ])
        .unwrap()
    }

    fn listing(root: &Path) -> Vec<String> {
        let mut out = vec![];
        fn walk(root: &Path, d: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                let p = e.path();
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    out.push(rel);
                }
            }
        }
        walk(root, root, &mut out);
        out.sort();
        out
    }

    #[test]
    fn modes_parse_like_spark() {
        assert_eq!(SaveMode::parse("OVERWRITE").unwrap(), SaveMode::Overwrite);
        assert_eq!("default".parse::<SaveMode>().unwrap(), SaveMode::ErrorIfExists);
        assert_eq!(
            SaveMode::parse("foo").unwrap_err().message(),
            "[INVALID_SAVE_MODE] The specified save mode \"foo\" is invalid. Valid save modes include \"append\", \"overwrite\", \"ignore\", \"error\", \"errorifexists\", and \"default\". SQLSTATE: 42000"
        );
    }

    #[test]
    fn layout_modes_and_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("w");
        let ctx = EvalContext::default();
        let b = sample();
        let files =
            write_dataset(std::slice::from_ref(&b), &out, "csv", SaveMode::ErrorIfExists, &[], &Options::new(), &ctx)
                .unwrap();
        let names = listing(&out);
        assert_eq!(names.len(), 2);
        assert_eq!(names[0], "_SUCCESS");
        assert!(names[1].starts_with("part-00000-") && names[1].ends_with("-c000.csv"), "{}", names[1]);
        assert_eq!(files, [out.join(&names[1])]);
        assert_eq!(
            std::fs::read_to_string(&files[0]).unwrap(),
            "1,x y,2024-01-01\n2,,a/b\n3,é=%,2024-01-01 10:00:00\n4,a:b#c,1.5\n"
        );
        let e =
            write_dataset(std::slice::from_ref(&b), &out, "csv", SaveMode::ErrorIfExists, &[], &Options::new(), &ctx)
                .unwrap_err();
        assert_eq!(
            e.message(),
            format!("[PATH_ALREADY_EXISTS] Path file:{} already exists. Set mode as \"overwrite\" to overwrite the existing path. SQLSTATE: 42K04", out.display())
        );
        assert!(write_dataset(std::slice::from_ref(&b), &out, "csv", SaveMode::Ignore, &[], &Options::new(), &ctx)
            .unwrap()
            .is_empty());
        assert_eq!(listing(&out).len(), 2);
        write_dataset(std::slice::from_ref(&b), &out, "csv", SaveMode::Append, &[], &Options::new(), &ctx).unwrap();
        assert_eq!(listing(&out).len(), 3);
        write_dataset(std::slice::from_ref(&b), &out, "parquet", SaveMode::Overwrite, &[], &Options::new(), &ctx)
            .unwrap();
        let names = listing(&out);
        assert_eq!(names.len(), 2);
        assert!(names[1].ends_with("-c000.snappy.parquet"));
        let (entries, _) = list_files(&[out.display().to_string()], &Options::new()).unwrap();
        let (_, back) = crate::io::parquet::read_parquet(&entries, None, None, &Options::new(), &ctx).unwrap();
        assert_eq!(back[0].columns(), b.columns());
    }

    #[test]
    fn partitioned_layout_like_spark() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("p");
        let ctx = EvalContext::default();
        let parts = ["k".to_string(), "d".to_string()];
        write_dataset(&[sample()], &out, "parquet", SaveMode::ErrorIfExists, &parts, &Options::new(), &ctx).unwrap();
        let dirs: Vec<String> = listing(&out)
            .into_iter()
            .map(|f| f.rsplit_once('/').map(|(d, f)| format!("{d}/{}", &f[f.len() - 20..])).unwrap_or(f))
            .collect();
        // PySpark 4.3 wrote these directories (file names part-00000-<uuid>.c000.snappy.parquet).
        assert_eq!(
            dirs,
            [
                "_SUCCESS",
                "k=__HIVE_DEFAULT_PARTITION__/d=a%2Fb/.c000.snappy.parquet",
                "k=a%3Ab%23c/d=1.5/.c000.snappy.parquet",
                "k=x y/d=2024-01-01/.c000.snappy.parquet",
                "k=é%3D%25/d=2024-01-01 10%3A00%3A00/.c000.snappy.parquet",
            ]
        );
        // Reading back: PySpark gives struct<v:int,k:string,d:string> with the original values.
        let (entries, cols) = list_files(&[out.display().to_string()], &Options::new()).unwrap();
        assert_eq!(cols, ["k", "d"]);
        let (f, back) = crate::io::parquet::read_parquet(&entries, None, None, &Options::new(), &ctx).unwrap();
        let types: Vec<String> = f.iter().map(|f| crate::types::simple_string(f.data_type())).collect();
        assert_eq!(types, ["int", "string", "string"]);
        let mut rows: Vec<String> = back
            .iter()
            .flat_map(|b| {
                (0..b.num_rows())
                    .map(|r| {
                        (0..3)
                            .map(|c| arrow::util::display::array_value_to_string(b.column(c), r).unwrap())
                            .collect::<Vec<_>>()
                            .join("|")
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        rows.sort();
        assert_eq!(rows, ["1|x y|2024-01-01", "2||a/b", "3|é=%|2024-01-01 10:00:00", "4|a:b#c|1.5"]);
    }

    #[test]
    fn writer_errors_like_spark() {
        let d = tempfile::tempdir().unwrap();
        let ctx = EvalContext::default();
        let one = RecordBatch::try_from_iter(vec![("a", Arc::new(Int32Array::from(vec![1])) as ArrayRef)]).unwrap();
        let e = write_dataset(
            std::slice::from_ref(&one),
            &d.path().join("x"),
            "csv",
            SaveMode::Overwrite,
            &["a".into()],
            &Options::new(),
            &ctx,
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "[ALL_PARTITION_COLUMNS_NOT_ALLOWED] Cannot use all columns for partition columns. SQLSTATE: KD005"
        );
        let e = write_dataset(
            std::slice::from_ref(&one),
            &d.path().join("x"),
            "csv",
            SaveMode::Overwrite,
            &["c".into()],
            &Options::new(),
            &ctx,
        )
        .unwrap_err();
        assert_eq!(e.message(), "Partition column `c` not found in schema struct<a:int>.");
        let e = write_dataset(
            std::slice::from_ref(&one),
            &d.path().join("x"),
            "text",
            SaveMode::Overwrite,
            &[],
            &Options::new(),
            &ctx,
        )
        .unwrap_err();
        assert_eq!(e.error_class(), Some("UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE"));
        // An empty input still produces one (empty) part file.
        let empty = one.slice(0, 0);
        let files =
            write_dataset(&[empty], &d.path().join("e"), "csv", SaveMode::Overwrite, &[], &Options::new(), &ctx)
                .unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(std::fs::metadata(&files[0]).unwrap().len(), 0);
    }

    #[test]
    fn csv_and_text_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let ctx = EvalContext::default();
        let b = RecordBatch::try_from_iter(vec![
            ("i", Arc::new(Int32Array::from(vec![Some(1), None, Some(-3)])) as ArrayRef),
            ("s", Arc::new(StringArray::from(vec![Some("a,\"b"), Some("multi\nline"), Some("x")]))),
            ("f", Arc::new(Float64Array::from(vec![Some(1.5), Some(1e20), None]))),
            ("d", Arc::new(Date32Array::from(vec![Some(19724), None, Some(-1)]))),
            (
                "t",
                Arc::new(
                    TimestampMicrosecondArray::from(vec![Some(1_704_103_200_123_000), None, Some(0)])
                        .with_timezone("UTC"),
                ),
            ),
            ("b", Arc::new(BooleanArray::from(vec![Some(true), Some(false), None]))),
        ])
        .unwrap();
        let out = d.path().join("c");
        let opts = Options::from_pairs([("header", "true")]);
        write_dataset(std::slice::from_ref(&b), &out, "csv", SaveMode::ErrorIfExists, &[], &opts, &ctx).unwrap();
        let (entries, _) = list_files(&[out.display().to_string()], &Options::new()).unwrap();
        let read_opts = Options::from_pairs([("header", "true"), ("inferSchema", "true"), ("multiLine", "true")]);
        let (f, back) = crate::io::csv::read_csv(&entries, None, None, &read_opts, &ctx).unwrap();
        let types: Vec<String> = f.iter().map(|f| crate::types::simple_string(f.data_type())).collect();
        assert_eq!(types, ["int", "string", "double", "date", "timestamp", "boolean"]);
        assert_eq!(back[0].columns(), b.columns());
        // With the schema given, the same values come back too.
        let (_, back) = crate::io::csv::read_csv(&entries, Some(b.schema().fields()), None, &read_opts, &ctx).unwrap();
        assert_eq!(back[0].columns(), b.columns());

        let t = b.project(&[1]).unwrap();
        let out = d.path().join("t");
        let files =
            write_dataset(std::slice::from_ref(&t), &out, "text", SaveMode::ErrorIfExists, &[], &Options::new(), &ctx)
                .unwrap();
        assert!(files[0].to_string_lossy().ends_with("-c000.txt"));
        let (entries, _) = list_files(&[out.display().to_string()], &Options::new()).unwrap();
        let (_, back) =
            crate::io::text::read_text(&entries, &Options::from_pairs([("wholetext", "true")]), &ctx).unwrap();
        assert_eq!(back[0].column(0).as_string::<i32>().value(0), "a,\"b\nmulti\nline\nx\n");
    }

    #[test]
    fn batch_files_for_the_sink() {
        let d = tempfile::tempdir().unwrap();
        let ctx = EvalContext::default();
        let b = sample();
        let files = write_files_for_batch(&b, d.path(), "parquet", &["k".to_string()], &Options::new(), &ctx, 7, "job")
            .unwrap();
        assert_eq!(files.len(), 4);
        assert!(files.iter().all(|f| f.size > 0 && f.path.exists()));
        assert!(files[0].path.ends_with("k=x y/part-00007-job.c000.snappy.parquet"), "{:?}", files[0].path);
        assert!(!d.path().join("_SUCCESS").exists());
        let files = write_files_for_batch(&b, d.path(), "CSV", &[], &Options::new(), &ctx, 3, "job").unwrap();
        assert_eq!(files[0].path, d.path().join("part-00003-job-c000.csv"));
        assert_eq!(files[0].size, std::fs::metadata(&files[0].path).unwrap().len());
        let e = write_files_for_batch(&b, d.path(), "avro", &[], &Options::new(), &ctx, 0, "job").unwrap_err();
        assert_eq!(e.error_class(), Some("DATA_SOURCE_NOT_FOUND"));
    }

    #[test]
    fn write_path_from_api_strings() {
        let d = tempfile::tempdir().unwrap();
        let ctx = EvalContext::default();
        let schema = sample().schema();
        let uri = format!("file://{}/w", d.path().display());
        write_path(&[], &schema, &uri, "csv", "error", &[], &Options::from_pairs([("header", "true")]), &ctx).unwrap();
        let names = listing(&d.path().join("w"));
        assert_eq!(names.len(), 2);
        assert_eq!(std::fs::read_to_string(d.path().join("w").join(&names[1])).unwrap(), "v,k,d\n");
        let e = write_path(&[], &schema, &uri, "csv", "bogus", &[], &Options::new(), &ctx).unwrap_err();
        assert_eq!(e.error_class(), Some("INVALID_SAVE_MODE"));
    }

    #[test]
    fn partition_value_text() {
        let ctx = EvalContext::default();
        let ts: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![1_704_103_200_000_000]).with_timezone("UTC"));
        assert_eq!(partition_value_string(ts.as_ref(), 0, &ctx), "2024-01-01 10:00:00");
        let f: ArrayRef = Arc::new(Float64Array::from(vec![1e20]));
        assert_eq!(partition_value_string(f.as_ref(), 0, &ctx), "1.0E20");
        let s: ArrayRef = Arc::new(StringArray::from(vec![""]));
        assert_eq!(partition_value_string(s.as_ref(), 0, &ctx), HIVE_DEFAULT_PARTITION);
        assert_eq!(escape_path_name("a/b:c=d%e f"), "a%2Fb%3Ac%3Dd%25e f");
    }
}
