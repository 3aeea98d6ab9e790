//! The streaming file sink (`format("parquet"|"csv"|"json"|"text")`): each micro-batch's part files, then the
//! `_spark_metadata/<batchId>` log entry that commits them, so readers of the directory see only committed files.
use std::path::PathBuf;

use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use arrow::datatypes::{Schema, SchemaRef};
use rayon::prelude::*;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::schema::PlanSchema;
use crate::io::options::Options;
use crate::io::paths::file_uri;
use crate::io::paths::{local_path, qualified};
use crate::io::writer::{write_files_for_batch, WrittenFile};
use crate::plan::streaming::OutputMode;
use crate::stream::connector::{SinkArgs, SinkProvider};
use crate::stream::sink::Sink;
use crate::types::uuid::random_uuid;

/// The file sink of one format, registered under the format's name.
pub struct FileSinkProvider {
    format: &'static str,
}

pub static CSV: FileSinkProvider = FileSinkProvider { format: "csv" };
pub static JSON: FileSinkProvider = FileSinkProvider { format: "json" };
pub static PARQUET: FileSinkProvider = FileSinkProvider { format: "parquet" };
pub static TEXT: FileSinkProvider = FileSinkProvider { format: "text" };

impl SinkProvider for FileSinkProvider {
    fn name(&self) -> &'static str {
        self.format
    }
    fn validated_before_plan(&self) -> bool {
        true
    }
    fn create(&self, args: SinkArgs<'_>) -> Result<Box<dyn Sink>> {
        let conf_checkpoint = args.session.conf_get("spark.sql.streaming.checkpointLocation");
        Ok(Box::new(FileSink::new(
            self.format,
            args.format,
            args.options.clone(),
            args.partition_by,
            args.schema,
            args.mode,
            conf_checkpoint.as_deref(),
        )?))
    }
    fn file_table(&self) -> bool {
        true
    }
}

/// Spark's fixed values in each log line (the local file system's replication and block size).
const BLOCK_REPLICATION: u32 = 1;
const BLOCK_SIZE: u64 = 33_554_432;
/// Rows per part file before a batch is split into several files written in parallel.
const ROWS_PER_FILE: usize = 1 << 20;

/// Appends each micro-batch as part files under `dir` and commits them in `dir/_spark_metadata`.
pub struct FileSink {
    dir: PathBuf,
    format: &'static str,
    partition_by: Vec<String>,
    options: Options,
}

impl FileSink {
    /// The sink for `format_name` with Spark's checks at `start()`, in Spark's order: the partition columns, the
    /// path, the output mode, then the checkpoint location (the option, else `conf_checkpoint`).
    pub fn new(
        format: &'static str,
        format_name: &str,
        options: Options,
        partition_by: &[String],
        schema: &Schema,
        mode: OutputMode,
        conf_checkpoint: Option<&str>,
    ) -> Result<FileSink> {
        let partition_by = resolve_partition_columns(schema, partition_by)?;
        let path = options
            .get("path")
            .map(str::to_string)
            .ok_or_else(|| EmberError::illegal_argument("'path' is not specified."))?;
        if mode != OutputMode::Append {
            return Err(EmberError::analysis_condition(
                "STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE",
                [("outputMode", mode.name().to_ascii_lowercase()), ("className", format_name.to_string())],
            ));
        }
        if options.get("checkpointLocation").is_none() && conf_checkpoint.is_none() {
            return Err(EmberError::analysis(
                "checkpointLocation must be specified either through option(\"checkpointLocation\", ...) or SparkSession.conf.set(\"spark.sql.streaming.checkpointLocation\", ...).",
            ));
        }
        crate::io::paths::check_reachable(&path)?;
        let sink = FileSink { dir: local_path(&path), format, partition_by, options };
        // The log exists before any part file does, as Spark's sink makes it when created: a reader of the
        // directory then sees only committed files, so a first batch that fails half-way leaves nothing visible.
        let log = sink.log_dir();
        std::fs::create_dir_all(&log)
            .map_err(|e| EmberError::from(e).map_message(|m| format!("Cannot create {}: {m}", log.display())))?;
        Ok(sink)
    }

    fn log_dir(&self) -> PathBuf {
        self.dir.join("_spark_metadata")
    }

    /// The newest batch id in the log (plain or `.compact` entries), if any.
    pub fn latest_logged_batch(&self) -> Result<Option<i64>> {
        let log = self.log_dir();
        if !log.is_dir() {
            return Ok(None);
        }
        let mut latest = None;
        for e in std::fs::read_dir(&log)?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let id = name.strip_suffix(".compact").unwrap_or(&name).parse::<i64>().ok();
            latest = latest.max(id);
        }
        Ok(latest)
    }

    /// Write the log entry for `batch_id` atomically: a hidden temp file renamed into place, so a reader never
    /// sees half an entry and a crash leaves no entry (the batch's files then stay uncommitted and unread).
    fn commit(&self, batch_id: i64, files: &[WrittenFile]) -> Result<()> {
        let log = self.log_dir();
        std::fs::create_dir_all(&log)?;
        let mut text = String::from("v1");
        for f in files {
            text.push('\n');
            text.push_str(&log_line(f)?);
        }
        let tmp = log.join(format!(".{batch_id}.{}.tmp", random_uuid()));
        std::fs::write(&tmp, text)?;
        let target = log.join(batch_id.to_string());
        if target.exists() {
            let _ = std::fs::remove_file(&tmp);
            return Err(EmberError::execution(format!(
                "Concurrent update to the log. Multiple streaming jobs detected for {batch_id}"
            )));
        }
        std::fs::rename(&tmp, &target)?;
        Ok(())
    }
}

/// Partition columns by their schema names (matched case-insensitively), with Spark's errors at `start()`.
fn resolve_partition_columns(schema: &Schema, partition_by: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(partition_by.len());
    for p in partition_by {
        match schema.fields().iter().find(|f| f.name().eq_ignore_ascii_case(p)) {
            Some(f) => out.push(f.name().clone()),
            None => {
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                return Err(EmberError::analysis(format!(
                    "Partition column {p} not found in existing columns ({}).",
                    names.join(", ")
                )));
            }
        }
    }
    if !out.is_empty() && out.len() >= schema.fields().len() {
        return Err(EmberError::analysis_condition("ALL_PARTITION_COLUMNS_NOT_ALLOWED", crate::error::NO_PARAMETERS));
    }
    Ok(out)
}

/// One `SinkFileStatus` JSON line of the log.
fn log_line(f: &WrittenFile) -> Result<String> {
    let modified = std::fs::metadata(&f.path)?
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let path = serde_json::Value::String(file_uri(&f.path)).to_string();
    Ok(format!(
        "{{\"path\":{path},\"size\":{},\"isDir\":false,\"modificationTime\":{modified},\"blockReplication\":{BLOCK_REPLICATION},\"blockSize\":{BLOCK_SIZE},\"action\":\"add\"}}",
        f.size
    ))
}

/// The batch's rows as write tasks: consecutive batches merged up to `ROWS_PER_FILE` rows each; with no rows at
/// all, one empty task (Spark then still writes one file and logs it).
fn tasks(schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
    // The executed batches' own schema: it may differ from the plan's in nullability or metadata.
    let schema = batches.first().map(|b| b.schema()).unwrap_or(schema);
    let mut out = vec![];
    let mut group: Vec<RecordBatch> = vec![];
    let mut rows = 0;
    for b in batches.into_iter().filter(|b| b.num_rows() > 0) {
        if rows > 0 && rows + b.num_rows() > ROWS_PER_FILE {
            out.push(concat_batches(&schema, &group)?);
            group.clear();
            rows = 0;
        }
        rows += b.num_rows();
        group.push(b);
    }
    if !group.is_empty() || out.is_empty() {
        out.push(concat_batches(&schema, &group)?);
    }
    Ok(out)
}

impl Sink for FileSink {
    fn add_batch(
        &mut self,
        batch_id: i64,
        schema: &PlanSchema,
        batches: Vec<RecordBatch>,
        ctx: &EvalContext,
    ) -> Result<()> {
        // A batch the log already holds was committed by an earlier run: replaying it must not write it twice.
        if self.latest_logged_batch()?.is_some_and(|latest| batch_id <= latest) {
            return Ok(());
        }
        let todo = tasks(schema.arrow_schema(), batches)?;
        let job_id = random_uuid();
        let written: Vec<Vec<WrittenFile>> = todo
            .par_iter()
            .enumerate()
            .map(|(task, b)| {
                write_files_for_batch(b, &self.dir, self.format, &self.partition_by, &self.options, ctx, task, &job_id)
            })
            .collect::<Result<_>>()?;
        let files: Vec<WrittenFile> = written.into_iter().flatten().collect();
        self.commit(batch_id, &files)
    }

    fn description(&self) -> String {
        format!("FileSink[{}]", qualified(&self.dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int32Array, StringArray};
    use arrow::datatypes::{DataType, Field, Fields};

    use crate::io::paths::sink_log_files;

    fn fields() -> Fields {
        Fields::from(vec![Field::new("id", DataType::Int32, true), Field::new("k", DataType::Utf8, true)])
    }

    fn batch(ids: Vec<i32>, ks: Vec<&str>) -> RecordBatch {
        RecordBatch::try_new(
            Arc::new(Schema::new(fields())),
            vec![Arc::new(Int32Array::from(ids)) as ArrayRef, Arc::new(StringArray::from(ks))],
        )
        .unwrap()
    }

    fn sink(dir: &Path, format: &str, partition_by: &[&str]) -> FileSink {
        let opts = Options::from_pairs([("path", dir.to_str().unwrap()), ("checkpointLocation", "/tmp/unused-ck")]);
        let parts: Vec<String> = partition_by.iter().map(|s| s.to_string()).collect();
        FileSink::new(static_format(format), format, opts, &parts, &Schema::new(fields()), OutputMode::Append, None)
            .unwrap()
    }

    fn static_format(f: &str) -> &'static str {
        [CSV.format, JSON.format, PARQUET.format, TEXT.format].into_iter().find(|n| *n == f).unwrap()
    }

    fn ctx() -> EvalContext {
        crate::session::Session::new().exec_context().eval
    }

    fn part_files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("part-"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_files_then_the_log_entry_naming_them() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut s = sink(&out, "json", &[]);
        let schema = PlanSchema::fresh(fields());
        s.add_batch(0, &schema, vec![batch(vec![1, 2], vec!["a", "b"])], &ctx()).unwrap();
        let files = part_files(&out);
        assert_eq!(files.len(), 1);
        assert!(files[0].ends_with("-c000.json"), "{files:?}");
        assert_eq!(
            std::fs::read_to_string(out.join(&files[0])).unwrap(),
            "{\"id\":1,\"k\":\"a\"}\n{\"id\":2,\"k\":\"b\"}\n"
        );
        let log = std::fs::read_to_string(out.join("_spark_metadata/0")).unwrap();
        let lines: Vec<&str> = log.split('\n').collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], "v1");
        let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        let abs = out.join(&files[0]);
        assert_eq!(v["path"], format!("file://{}", abs.display()));
        assert_eq!(v["size"], std::fs::metadata(&abs).unwrap().len());
        assert_eq!(v["isDir"], false);
        assert_eq!(v["blockReplication"], 1);
        assert_eq!(v["blockSize"], 33554432);
        assert_eq!(v["action"], "add");
        assert!(v["modificationTime"].as_i64().unwrap() > 1_600_000_000_000);
        // No temp file is left behind in the log directory.
        let names: Vec<String> = std::fs::read_dir(out.join("_spark_metadata"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["0".to_string()]);
        assert_eq!(s.description(), format!("FileSink[file:{}]", out.display()));
    }

    #[test]
    fn replayed_batch_ids_write_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut s = sink(&out, "csv", &[]);
        let schema = PlanSchema::fresh(fields());
        s.add_batch(0, &schema, vec![batch(vec![1], vec!["a"])], &ctx()).unwrap();
        s.add_batch(1, &schema, vec![batch(vec![2], vec!["b"])], &ctx()).unwrap();
        let log0 = std::fs::read_to_string(out.join("_spark_metadata/0")).unwrap();
        // A second sink over the same directory (a restarted query) replays batches 0 and 1, then adds 2.
        let mut again = sink(&out, "csv", &[]);
        assert_eq!(again.latest_logged_batch().unwrap(), Some(1));
        again.add_batch(0, &schema, vec![batch(vec![1], vec!["a"])], &ctx()).unwrap();
        again.add_batch(1, &schema, vec![batch(vec![2], vec!["b"])], &ctx()).unwrap();
        assert_eq!(part_files(&out).len(), 2);
        assert_eq!(std::fs::read_to_string(out.join("_spark_metadata/0")).unwrap(), log0);
        again.add_batch(2, &schema, vec![batch(vec![3], vec!["c"])], &ctx()).unwrap();
        assert_eq!(part_files(&out).len(), 3);
        let logged = sink_log_files(&out).unwrap().unwrap();
        assert_eq!(logged.len(), 3);
        let mut text: Vec<String> = logged.iter().map(|(p, _, _)| std::fs::read_to_string(p).unwrap()).collect();
        text.sort();
        assert_eq!(text, vec!["1,a\n", "2,b\n", "3,c\n"]);
    }

    #[test]
    fn readers_list_only_logged_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut s = sink(&out, "csv", &[]);
        s.add_batch(0, &PlanSchema::fresh(fields()), vec![batch(vec![1], vec!["a"])], &ctx()).unwrap();
        // A file of an uncommitted batch (written, crashed before its log entry).
        std::fs::write(out.join("part-00000-stray-c000.csv"), "9,z\n").unwrap();
        let logged = sink_log_files(&out).unwrap().unwrap();
        assert_eq!(logged.len(), 1);
        assert!(!logged[0].0.to_string_lossy().contains("stray"));
    }

    #[test]
    fn partitioned_batches_log_one_line_per_directory_file() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut s = sink(&out, "parquet", &["K"]);
        s.add_batch(0, &PlanSchema::fresh(fields()), vec![batch(vec![1, 2, 3], vec!["x", "a b%", "x"])], &ctx())
            .unwrap();
        let log = std::fs::read_to_string(out.join("_spark_metadata/0")).unwrap();
        let paths: Vec<String> = log
            .lines()
            .skip(1)
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["path"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(paths.len(), 2);
        assert!(paths[0].contains("/out/k=x/part-00000-"), "{paths:?}");
        assert!(paths[0].ends_with(".c000.snappy.parquet"), "{paths:?}");
        // The directory `k=a b%25` quoted once more as a URI.
        assert!(paths[1].contains("/out/k=a%20b%2525/part-00000-"), "{paths:?}");
        let logged = sink_log_files(&out).unwrap().unwrap();
        assert!(logged.iter().all(|(p, _, _)| p.exists()), "{logged:?}");
    }

    #[test]
    fn an_empty_batch_still_writes_and_logs_one_file() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut s = sink(&out, "parquet", &[]);
        s.add_batch(0, &PlanSchema::fresh(fields()), vec![], &ctx()).unwrap();
        assert_eq!(part_files(&out).len(), 1);
        assert_eq!(sink_log_files(&out).unwrap().unwrap().len(), 1);
    }

    #[test]
    fn start_checks_in_spark_order() {
        let schema = Schema::new(fields());
        let err = |opts: &[(&str, &str)], parts: &[&str], mode: OutputMode, conf: Option<&str>| {
            let parts: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
            match FileSink::new(
                "parquet",
                "Parquet",
                Options::from_pairs(opts.iter().copied()),
                &parts,
                &schema,
                mode,
                conf,
            ) {
                Ok(_) => "ok".to_string(),
                Err(e) => e.message(),
            }
        };
        let both = [("path", "/tmp/o"), ("checkpointLocation", "/tmp/c")];
        assert_eq!(
            err(&[], &["zz"], OutputMode::Complete, None),
            "Partition column zz not found in existing columns (id, k)."
        );
        assert_eq!(err(&[], &["k"], OutputMode::Complete, None), "'path' is not specified.");
        assert_eq!(
            err(&both, &["id", "k"], OutputMode::Append, None),
            "[ALL_PARTITION_COLUMNS_NOT_ALLOWED] Cannot use all columns for partition columns. SQLSTATE: KD005"
        );
        assert_eq!(
            err(&[("path", "/tmp/o")], &[], OutputMode::Update, None),
            "[STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE] Invalid streaming output mode: update. This output mode is not supported in Data Source Parquet. SQLSTATE: 42KDE"
        );
        assert!(err(&[("path", "/tmp/o")], &[], OutputMode::Append, None).starts_with("checkpointLocation must be"));
        assert_eq!(err(&[("path", "/tmp/o")], &[], OutputMode::Append, Some("/tmp/c")), "ok");
        assert_eq!(err(&both, &["k"], OutputMode::Append, None), "ok");
    }
}
