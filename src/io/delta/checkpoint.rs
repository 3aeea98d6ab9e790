//! Delta checkpoints: a table's whole state at a version as parquet (`NNN.checkpoint.parquet`, or the parts
//! `NNN.checkpoint.PPPPPPPPPP.KKKKKKKKKK.parquet` of a multi-part one), so a reader starts there instead of at
//! commit 0, and the JSON commits before it may be cleaned up. Reading turns each row back into the action it
//! holds (one non-null column: `add`, `remove`, `metaData`, `protocol`, `txn`); writing is what Delta writers do
//! every `delta.checkpointInterval` commits, followed by `_last_checkpoint`.
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use serde_json::{json, Value};

use crate::error::{EmberError, Result};
use crate::io::delta::log::{self, Snapshot};

/// Delta's default `delta.checkpointInterval`.
const DEFAULT_INTERVAL: i64 = 10;

/// `delta.checkpointInterval` of the table (a positive number of commits).
pub fn interval(snapshot: &Snapshot) -> i64 {
    snapshot
        .metadata
        .configuration
        .get("delta.checkpointInterval")
        .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_i64().map(|n| n.to_string())))
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_INTERVAL)
}

/// A checkpoint file's version and, for a part of a multi-part checkpoint, (part, parts).
fn parse_name(name: &str) -> Option<(i64, Option<(u32, u32)>)> {
    let rest = name.strip_suffix(".parquet")?;
    let (version, rest) = rest.split_once(".checkpoint")?;
    if version.len() != 20 {
        return None;
    }
    let version = version.parse::<i64>().ok()?;
    if rest.is_empty() {
        return Some((version, None));
    }
    // Multi-part: `.PPPPPPPPPP.KKKKKKKKKK`; anything else (a v2 checkpoint's `.uuid`) is not read here.
    let mut it = rest.strip_prefix('.')?.split('.');
    let (p, k) = (it.next()?, it.next()?);
    if it.next().is_some() || p.len() != 10 || k.len() != 10 {
        return None;
    }
    Some((version, Some((p.parse().ok()?, k.parse().ok()?))))
}

/// The complete checkpoints in the log by version, each as its files in part order (a multi-part checkpoint with a
/// part missing is left out, as readers skip it).
pub fn complete_checkpoints(root: &Path) -> Result<BTreeMap<i64, Vec<PathBuf>>> {
    let mut single: BTreeMap<i64, PathBuf> = BTreeMap::new();
    let mut parts: BTreeMap<(i64, u32), BTreeMap<u32, PathBuf>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(log::log_dir(root)) else {
        return Ok(BTreeMap::new());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        match parse_name(&name) {
            Some((v, None)) => {
                single.insert(v, e.path());
            }
            Some((v, Some((p, k)))) if p >= 1 && p <= k => {
                parts.entry((v, k)).or_default().insert(p, e.path());
            }
            _ => {}
        }
    }
    let mut out: BTreeMap<i64, Vec<PathBuf>> = BTreeMap::new();
    for ((v, k), files) in parts {
        if files.len() == k as usize && !out.contains_key(&v) {
            out.insert(v, files.into_values().collect());
        }
    }
    for (v, p) in single {
        out.entry(v).or_insert_with(|| vec![p]);
    }
    Ok(out)
}

/// The newest complete checkpoint at or before `version`.
pub fn latest_at_or_before(root: &Path, version: i64) -> Result<Option<(i64, Vec<PathBuf>)>> {
    Ok(complete_checkpoints(root)?.range(..=version).next_back().map(|(v, f)| (*v, f.clone())))
}

/// A struct column without its `*_parsed` children (typed copies of `stats` / `partitionValues` that a reader
/// does not need and whose types need not convert to JSON).
fn without_parsed(col: &ArrayRef) -> Result<ArrayRef> {
    let Some(s) = col.as_any().downcast_ref::<StructArray>() else {
        return Ok(col.clone());
    };
    let keep: Vec<usize> =
        s.fields().iter().enumerate().filter(|(_, f)| !f.name().ends_with("_parsed")).map(|(i, _)| i).collect();
    if keep.len() == s.num_columns() {
        return Ok(col.clone());
    }
    let fields: Fields = keep.iter().map(|&i| s.fields()[i].clone()).collect();
    let cols: Vec<ArrayRef> = keep.iter().map(|&i| s.column(i).clone()).collect();
    Ok(Arc::new(StructArray::try_new(fields, cols, s.nulls().cloned())?))
}

/// The actions a checkpoint holds, in file and row order.
pub fn read_actions(files: &[PathBuf]) -> Result<Vec<Value>> {
    const ACTIONS: [&str; 5] = ["protocol", "metaData", "txn", "add", "remove"];
    let mut out = vec![];
    for path in files {
        let f = File::open(path).map_err(|e| {
            EmberError::from(e).map_message(|m| format!("Cannot read Delta checkpoint {}: {m}", path.display()))
        })?;
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)?.build()?;
        for batch in reader {
            let batch = batch?;
            let schema = batch.schema();
            let mut fields = vec![];
            let mut cols = vec![];
            for (i, f) in schema.fields().iter().enumerate() {
                if f.name() == "sidecar" && batch.column(i).null_count() < batch.num_rows() {
                    return Err(EmberError::not_implemented(format!(
                        "Delta checkpoint {} refers to sidecar files (a v2 checkpoint), which ember does not read",
                        path.display()
                    )));
                }
                if ACTIONS.contains(&f.name().as_str()) {
                    let col = without_parsed(batch.column(i))?;
                    fields.push(Field::new(f.name(), col.data_type().clone(), true));
                    cols.push(col);
                }
            }
            if cols.is_empty() {
                continue;
            }
            let projected = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?;
            let mut writer = arrow::json::LineDelimitedWriter::new(Vec::new());
            writer.write(&projected)?;
            writer.finish()?;
            let text = writer.into_inner();
            for line in text.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                let v: Value = serde_json::from_slice(line)
                    .map_err(|e| EmberError::execution(format!("Corrupt Delta checkpoint {}: {e}", path.display())))?;
                if v.as_object().is_some_and(|o| !o.is_empty()) {
                    out.push(v);
                }
            }
        }
    }
    Ok(out)
}

fn string_map(name: &str) -> Field {
    let entries = Field::new(
        "key_value",
        DataType::Struct(
            vec![Field::new("key", DataType::Utf8, false), Field::new("value", DataType::Utf8, true)].into(),
        ),
        false,
    );
    Field::new(name, DataType::Map(Arc::new(entries), false), true)
}

/// The classic checkpoint schema Delta writers use (the columns ember's actions fill).
fn checkpoint_schema() -> Schema {
    let s = |name: &str, fields: Vec<Field>| Field::new(name, DataType::Struct(fields.into()), true);
    let utf8 = |n: &str| Field::new(n, DataType::Utf8, true);
    let long = |n: &str| Field::new(n, DataType::Int64, true);
    let int = |n: &str| Field::new(n, DataType::Int32, true);
    let boolean = |n: &str| Field::new(n, DataType::Boolean, true);
    let strings = |n: &str| Field::new(n, DataType::List(Arc::new(Field::new("element", DataType::Utf8, true))), true);
    Schema::new(vec![
        s("txn", vec![utf8("appId"), long("version"), long("lastUpdated")]),
        s(
            "add",
            vec![
                utf8("path"),
                string_map("partitionValues"),
                long("size"),
                long("modificationTime"),
                boolean("dataChange"),
                utf8("stats"),
                string_map("tags"),
            ],
        ),
        s(
            "remove",
            vec![
                utf8("path"),
                long("deletionTimestamp"),
                boolean("dataChange"),
                boolean("extendedFileMetadata"),
                string_map("partitionValues"),
                long("size"),
            ],
        ),
        s(
            "metaData",
            vec![
                utf8("id"),
                utf8("name"),
                utf8("description"),
                s("format", vec![utf8("provider"), string_map("options")]),
                utf8("schemaString"),
                strings("partitionColumns"),
                string_map("configuration"),
                long("createdTime"),
            ],
        ),
        s(
            "protocol",
            vec![
                int("minReaderVersion"),
                int("minWriterVersion"),
                strings("readerFeatures"),
                strings("writerFeatures"),
            ],
        ),
    ])
}

/// The actions of a checkpoint of `snapshot`: protocol, metadata, each app's txn, each live file's add.
fn snapshot_actions(snapshot: &Snapshot) -> Vec<Value> {
    let mut out = vec![snapshot.protocol.to_action(), log::metadata_action(&snapshot.metadata)];
    let mut apps: Vec<(&String, &i64)> = snapshot.app_versions.iter().collect();
    apps.sort();
    for (app, v) in apps {
        out.push(json!({"txn": {"appId": app, "version": v}}));
    }
    for f in &snapshot.files {
        let mut add = log::add_action(f, None);
        // A checkpoint's adds are state, not changes.
        add["add"]["dataChange"] = json!(false);
        out.push(add);
    }
    out
}

/// Write a single-file checkpoint of `snapshot` and point `_last_checkpoint` at it. Both files are written beside
/// their names and renamed into place, so a reader sees a whole checkpoint or none.
pub fn write(root: &Path, snapshot: &Snapshot) -> Result<()> {
    let actions = snapshot_actions(snapshot);
    let schema = Arc::new(checkpoint_schema());
    let mut decoder = arrow::json::ReaderBuilder::new(schema.clone()).build_decoder()?;
    let mut lines = Vec::new();
    for a in &actions {
        lines.extend_from_slice(a.to_string().as_bytes());
        lines.push(b'\n');
    }
    let mut rest: &[u8] = &lines;
    let mut batches = vec![];
    while !rest.is_empty() {
        let n = decoder.decode(rest)?;
        rest = &rest[n..];
        if let Some(b) = decoder.flush()? {
            batches.push(b);
        }
    }
    if let Some(b) = decoder.flush()? {
        batches.push(b);
    }
    let dir = log::log_dir(root);
    let name = format!("{:020}.checkpoint.parquet", snapshot.version);
    let tmp = dir.join(format!(".{name}.{}.tmp", crate::types::uuid::random_uuid()));
    {
        let file = File::create(&tmp)?;
        let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, None)?;
        for b in &batches {
            w.write(b)?;
        }
        w.close()?;
    }
    std::fs::rename(&tmp, dir.join(&name))?;
    let pointer = json!({"version": snapshot.version, "size": actions.len()});
    let tmp = dir.join(format!("._last_checkpoint.{}.tmp", crate::types::uuid::random_uuid()));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(pointer.to_string().as_bytes())?;
        f.sync_all()?;
    }
    // A slower writer of an older checkpoint must not move the pointer back.
    let newer = std::fs::read_to_string(dir.join("_last_checkpoint"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(t.trim()).ok())
        .and_then(|v| v.get("version").and_then(Value::as_i64))
        .is_some_and(|v| v > snapshot.version);
    if newer {
        let _ = std::fs::remove_file(&tmp);
    } else {
        std::fs::rename(&tmp, dir.join("_last_checkpoint"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::delta::log::{
        add_action, metadata_action, protocol_action, remove_action, txn_action, AddFile, Metadata,
    };

    #[test]
    fn a_checkpoint_replays_to_the_state_it_was_written_from() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let m = Metadata {
            id: "t".into(),
            schema_string: r#"{"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}},{"name":"p","type":"string","nullable":true,"metadata":{}}]}"#.into(),
            partition_columns: vec!["p".into()],
            configuration: [("delta.checkpointInterval".to_string(), json!("2"))].into_iter().collect(),
            created_time: Some(5),
        };
        let f = |p: &str, v: Option<&str>| AddFile {
            path: format!("p={}/{p}", v.unwrap_or("__HIVE_DEFAULT_PARTITION__")),
            partition_values: vec![("p".into(), v.map(str::to_string))],
            size: 7,
            modification_time: 9,
            stats: Some(r#"{"numRecords":1}"#.into()),
        };
        let (x, y, z) = (f("x", Some("a")), f("y", None), f("z", Some("b c")));
        log::try_commit(root, 0, &[protocol_action(), metadata_action(&m), add_action(&x, None), add_action(&y, None)])
            .unwrap()
            .unwrap();
        log::try_commit(root, 1, &[remove_action(&x, 0), add_action(&z, None), txn_action("q", 3, 0)])
            .unwrap()
            .unwrap();
        let before = log::snapshot(root, None).unwrap();
        assert_eq!(interval(&before), 2);
        write(root, &before).unwrap();
        for v in 0..=1 {
            std::fs::remove_file(log::log_dir(root).join(format!("{v:020}.json"))).unwrap();
        }
        let after = log::snapshot(root, None).unwrap();
        assert_eq!(after.version, 1);
        assert_eq!(after.metadata, before.metadata);
        assert_eq!(after.protocol, before.protocol);
        assert_eq!(after.files, vec![y, z]);
        assert_eq!(after.app_version("q"), Some(3));
        assert_eq!(log::earliest_version(root).unwrap(), Some(1));
    }

    #[test]
    fn a_replay_kept_across_a_log_cleanup_starts_over_at_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let m = Metadata {
            id: "t".into(),
            schema_string: r#"{"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]}"#
                .into(),
            partition_columns: vec![],
            configuration: Default::default(),
            created_time: None,
        };
        let f =
            |p: &str| AddFile { path: p.into(), partition_values: vec![], size: 1, modification_time: 0, stats: None };
        log::try_commit(root, 0, &[protocol_action(), metadata_action(&m), add_action(&f("a"), None)])
            .unwrap()
            .unwrap();
        let mut replay = log::Replay::default();
        assert_eq!(replay.advance(root, None).unwrap().files, vec![f("a")]);
        // Another writer commits, checkpoints and cleans up the commits this replay has not applied.
        for (v, p) in [(1, "b"), (2, "c")] {
            log::try_commit(root, v, &[add_action(&f(p), None)]).unwrap().unwrap();
        }
        write(root, &log::snapshot(root, None).unwrap()).unwrap();
        for v in 0..2 {
            std::fs::remove_file(log::log_dir(root).join(format!("{v:020}.json"))).unwrap();
        }
        log::try_commit(root, 3, &[add_action(&f("d"), None)]).unwrap().unwrap();
        let s = replay.advance(root, None).unwrap();
        assert_eq!((s.version, s.files), (3, vec![f("a"), f("b"), f("c"), f("d")]));
    }

    #[test]
    fn checkpoint_names() {
        assert_eq!(parse_name("00000000000000000010.checkpoint.parquet"), Some((10, None)));
        assert_eq!(
            parse_name("00000000000000000010.checkpoint.0000000002.0000000003.parquet"),
            Some((10, Some((2, 3))))
        );
        assert_eq!(parse_name("00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet"), None);
        assert_eq!(parse_name("00000000000000000010.json"), None);
    }
}
