//! Spark's state data sources over an ember checkpoint: `spark.read.format("statestore")` (an operator's state at a
//! batch, or with `readChangeFeed` its changes over a range of batches, as `key`/`value` structs with
//! `partition_id`) and `format("state-metadata")` (one row per operator and store). Both read the state files
//! through the state store's one reader (`stream::state::reader`), as `python -m ember.checkpoint inspect` does.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, BinaryArray, Int32Array, Int64Array, RecordBatch, StringArray, StructArray,
};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use arrow::row::{RowConverter, SortField};

use crate::error::{EmberError, ErrorKind, Result};
use crate::stream::checkpoint::{batch_ids, Checkpoint};
use crate::stream::state::changelog::{decode, Change};
use crate::stream::state::reader::{FileKind, PartitionFiles, StateReader};
use crate::stream::state::snapshot::read_snapshot;

/// The store name Spark gives an operator's single store.
const DEFAULT_STORE: &str = "default";

/// The options of `format("statestore")`, as Spark names them (case-insensitive).
#[derive(Debug, Default)]
struct StateOptions {
    batch_id: Option<i64>,
    operator_id: i64,
    store_name: String,
    join_side: Option<String>,
    read_change_feed: bool,
    change_start: Option<i64>,
    change_end: Option<i64>,
}

// Spark raises the state sources' errors as SparkRuntimeException.
fn invalid(option: &str, why: impl std::fmt::Display) -> EmberError {
    EmberError::with_condition(
        ErrorKind::Execution,
        "STDS_INVALID_OPTION_VALUE.WITH_MESSAGE",
        [("optionName", option.to_string()), ("message", why.to_string())],
    )
}

fn no_committed_batch(path: &str) -> EmberError {
    let location = crate::io::paths::file_uri(&crate::io::paths::local_path(path));
    EmberError::with_condition(
        ErrorKind::Execution,
        "STDS_COMMITTED_BATCH_UNAVAILABLE",
        [("checkpointLocation", location)],
    )
}

fn no_state_schema(path: &str, o: &StateOptions) -> EmberError {
    let location = crate::io::paths::file_uri(&crate::io::paths::local_path(path));
    let options = format!(
        "StateSourceOptions(checkpointLocation={location}, batchId={}, operatorId={}, storeName={}, joinSide={})",
        o.batch_id.map_or("latest".to_string(), |b| b.to_string()),
        o.operator_id,
        o.store_name,
        o.join_side.as_deref().unwrap_or("none")
    );
    EmberError::with_condition(ErrorKind::Execution, "STDS_FAILED_TO_READ_STATE_SCHEMA", [("sourceOptions", options)])
}

impl StateOptions {
    fn parse(options: &[(String, String)]) -> Result<StateOptions> {
        let get = |name: &str| options.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        let number = |name: &str| -> Result<Option<i64>> {
            match get(name) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<i64>() {
                    Ok(n) if n >= 0 => Ok(Some(n)),
                    Ok(_) => Err(EmberError::with_condition(
                        ErrorKind::Execution,
                        "STDS_INVALID_OPTION_VALUE.IS_NEGATIVE",
                        [("optionName", name.to_string())],
                    )),
                    Err(_) => Err(invalid(name, format!("'{v}' is not an integer"))),
                },
            }
        };
        let read_change_feed = match get("readChangeFeed").map(|v| v.trim().to_ascii_lowercase()) {
            None => false,
            Some(v) if v == "true" => true,
            Some(v) if v == "false" => false,
            Some(v) => return Err(invalid("readChangeFeed", format!("'{v}' is not a boolean"))),
        };
        let join_side = get("joinSide").map(|s| s.trim().to_ascii_lowercase()).filter(|s| s != "none");
        if let Some(side) = &join_side {
            if side != "left" && side != "right" {
                return Err(invalid("joinSide", "Valid values are left,right,none"));
            }
            if get("storeName").is_some() {
                return Err(EmberError::with_condition(
                    ErrorKind::Execution,
                    "STDS_CONFLICT_OPTIONS",
                    [("options", "['joinSide', 'storeName']")],
                ));
            }
        }
        let o = StateOptions {
            batch_id: number("batchId")?,
            operator_id: number("operatorId")?.unwrap_or(0),
            store_name: get("storeName").cloned().unwrap_or_else(|| DEFAULT_STORE.to_string()),
            join_side,
            read_change_feed,
            change_start: number("changeStartBatchId")?,
            change_end: number("changeEndBatchId")?,
        };
        if o.read_change_feed {
            if o.batch_id.is_some() {
                return Err(invalid("batchId", "cannot be used together with readChangeFeed"));
            }
            if o.change_start.is_none() {
                return Err(EmberError::with_condition(
                    ErrorKind::Execution,
                    "STDS_REQUIRED_OPTION_UNSPECIFIED",
                    [("optionName", "changeStartBatchId")],
                ));
            }
        } else if o.change_start.is_some() || o.change_end.is_some() {
            let name = if o.change_start.is_some() { "changeStartBatchId" } else { "changeEndBatchId" };
            return Err(invalid(name, "only applies when readChangeFeed is true"));
        }
        Ok(o)
    }
}

/// An operator's state as the checkpoint records it: its name, key columns and value column names.
struct OperatorShape {
    operator: String,
    keys: Fields,
    values: Vec<String>,
    /// applyInPandasWithState's value columns, typed (its shape records Spark's `groupState`/`timeoutTimestamp`),
    /// for a read with no rows to type its `value` struct.
    group_state_values: Option<Fields>,
}

impl OperatorShape {
    fn read(ckpt: &Checkpoint, op: usize) -> Result<OperatorShape> {
        let shape = ckpt.read_shape(op)?.unwrap_or_default();
        let columns = |k: &str| -> Vec<String> {
            shape[k].as_array().map_or(vec![], |a| a.iter().filter_map(|s| s.as_str()).map(str::to_string).collect())
        };
        let keys = columns("keys")
            .iter()
            .map(|c| {
                // "name: type"; the name may itself hold ": " (a generated column name), the type never does.
                let (name, ty) = c.rsplit_once(": ").unwrap_or((c.as_str(), "binary"));
                Ok(Field::new(name, crate::types::ddl::parse_ddl_type(ty)?, true))
            })
            .collect::<Result<Fields>>()?;
        let values =
            columns("values").iter().map(|c| c.rsplit_once(": ").map_or(c.as_str(), |p| p.0).to_string()).collect();
        let operator = shape["operator"].as_str().unwrap_or("?").to_string();
        let group_state_values =
            (operator == "applyInPandasWithState").then(|| group_state_value_fields(&columns("values"))).transpose()?;
        Ok(OperatorShape { operator, keys, values, group_state_values })
    }

    fn is_join(&self) -> bool {
        self.operator == "symmetricHashJoin"
    }

    fn is_dedupe(&self) -> bool {
        self.operator.starts_with("dedupe")
    }

    /// A session-window aggregation's session column among the key columns (Spark keys its state by the other
    /// grouping columns and the session's start, and keeps the whole grouping row in the value).
    fn session_column(&self, b: &RecordBatch, nkeys: usize) -> Option<usize> {
        if self.operator != "sessionWindowStateStoreSaveExec" {
            return None;
        }
        (0..nkeys).find(|&i| match b.column(i).data_type() {
            DataType::Struct(f) => f.len() == 2 && f[0].name() == "start" && f[1].name() == "end",
            _ => false,
        })
    }

    fn key_name(&self, b: &RecordBatch, i: usize) -> String {
        self.keys.get(i).map_or_else(|| b.schema().field(i).name().clone(), |f| f.name().clone())
    }

    /// The `key` struct of a table's rows (`b`: key columns first, `nkeys` of them).
    fn key_struct(&self, b: &RecordBatch, nkeys: usize) -> Result<StructArray> {
        if let Some(s) = self.session_column(b, nkeys) {
            let mut fields = Vec::new();
            let mut arrays = Vec::new();
            for i in (0..nkeys).filter(|&i| i != s) {
                fields.push(Field::new(self.key_name(b, i), b.column(i).data_type().clone(), true));
                arrays.push(b.column(i).clone());
            }
            let session = b.column(s).as_any().downcast_ref::<StructArray>().expect("a struct column");
            fields.push(Field::new("sessionStartTime", session.column(0).data_type().clone(), true));
            arrays.push(session.column(0).clone());
            return Ok(StructArray::try_new(Fields::from(fields), arrays, None)?);
        }
        let arrays: Vec<ArrayRef> = match b.column(0).as_any().downcast_ref::<BinaryArray>() {
            // Keys kept as Arrow row-format bytes (deduplication): decoded with the declared key types.
            Some(bytes) if nkeys == 1 && !self.keys.is_empty() && self.keys[0].data_type() != &DataType::Binary => {
                let converter =
                    RowConverter::new(self.keys.iter().map(|f| SortField::new(f.data_type().clone())).collect())?;
                let parser = converter.parser();
                converter.convert_rows(bytes.iter().map(|r| parser.parse(r.unwrap_or_default())))?
            }
            _ => b.columns()[..nkeys].to_vec(),
        };
        let fields: Fields = arrays
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let name = self.keys.get(i).map_or_else(|| b.schema().field(i).name().clone(), |f| f.name().clone());
                Field::new(name, a.data_type().clone(), true)
            })
            .collect();
        Ok(StructArray::try_new(fields, arrays, None)?)
    }

    /// The `value` struct of a table's rows: Spark's names for what the operator keeps.
    fn value_struct(&self, b: &RecordBatch, nkeys: usize) -> Result<StructArray> {
        let n = b.num_rows();
        if self.is_dedupe() {
            let (field, array): (Field, ArrayRef) = match b.schema().index_of("expires") {
                Ok(i) if self.operator == "dedupeWithinWatermark" => {
                    (Field::new("expiresAtMicros", DataType::Int64, true), b.column(i).clone())
                }
                _ => (Field::new("__dummy__", DataType::Null, true), new_null_array(&DataType::Null, n)),
            };
            return Ok(StructArray::try_new(Fields::from(vec![field]), vec![array], None)?);
        }
        let schema = b.schema();
        let mut fields = Vec::new();
        let mut arrays = Vec::new();
        if self.session_column(b, nkeys).is_some() {
            for i in 0..nkeys {
                fields.push(Field::new(self.key_name(b, i), b.column(i).data_type().clone(), true));
                arrays.push(b.column(i).clone());
            }
        }
        for i in nkeys..b.num_columns() {
            let name = schema.field(i).name();
            if name.starts_with('_') {
                continue; // the operator's own bookkeeping (group order), not state Spark keeps
            }
            fields.push(Field::new(self.value_name(name), b.column(i).data_type().clone(), true));
            arrays.push(b.column(i).clone());
        }
        if fields.is_empty() {
            return Ok(StructArray::new_empty_fields(n, None));
        }
        Ok(StructArray::try_new(Fields::from(fields), arrays, None)?)
    }

    /// An aggregation's state column `a<i>_<j>` (aggregate i's j-th buffer value) under Spark's buffer name.
    fn value_name(&self, column: &str) -> String {
        let parsed = column
            .strip_prefix('a')
            .and_then(|r| r.split_once('_'))
            .and_then(|(i, j)| Some((i.parse::<usize>().ok()?, j.parse::<usize>().ok()?)));
        let Some((i, j)) = parsed else { return column.to_string() };
        let Some(agg) = self.values.get(i) else { return column.to_string() };
        let function = agg.split('(').next().unwrap_or_default().to_ascii_lowercase();
        let buffer: &[&str] = match function.as_str() {
            "count" => &["count"],
            "sum" => &["sum"],
            "avg" | "mean" => &["sum", "count"],
            "min" => &["min"],
            "max" => &["max"],
            _ => &[],
        };
        buffer.get(j).map_or_else(|| column.to_string(), |s| s.to_string())
    }
}

/// The checkpoint's root, its committed batches and the operator's state directory.
struct Located {
    ckpt: Checkpoint,
    committed: Vec<i64>,
}

fn locate(path: &str) -> Result<Located> {
    let ckpt = Checkpoint::at(path);
    let committed = batch_ids(&ckpt.root().join("commits"))?;
    Ok(Located { ckpt, committed })
}

fn output_schema(key: &StructArray, value: &StructArray, change_feed: bool) -> Fields {
    let mut fields = Vec::new();
    if change_feed {
        fields.push(Field::new("batch_id", DataType::Int64, true));
        fields.push(Field::new("change_type", DataType::Utf8, true));
    }
    fields.push(Field::new("key", key.data_type().clone(), true));
    fields.push(Field::new("value", value.data_type().clone(), true));
    fields.push(Field::new("partition_id", DataType::Int32, true));
    Fields::from(fields)
}

/// The rows of `spark.read.format("statestore").options(options).load(path)`: columns and batches.
pub fn read_state_store(path: &str, options: &[(String, String)]) -> Result<(Fields, Vec<RecordBatch>)> {
    let o = StateOptions::parse(options)?;
    let at = locate(path)?;
    let Some(&latest) = at.committed.last() else { return Err(no_committed_batch(path)) };
    let op = usize::try_from(o.operator_id).unwrap_or(usize::MAX);
    let dir = at.ckpt.state_dir(op);
    // A missing operator, a join side of an operator that is no stream-stream join and a join's default store
    // have no state schema to read, as in Spark.
    if !dir.join("_metadata").exists() {
        return Err(no_state_schema(path, &o));
    }
    if let Some(recorded) = at.ckpt.read_shape(op)? {
        crate::stream::operator::flat_map_groups_with_state::refuse_earlier_layout(&recorded, op, at.ckpt.root())?;
    }
    let shape = OperatorShape::read(&at.ckpt, op)?;
    let explicit_store = options.iter().any(|(k, _)| k.eq_ignore_ascii_case("storeName"));
    if o.join_side.is_some() != shape.is_join() && !(shape.is_join() && explicit_store) {
        return Err(no_state_schema(path, &o));
    }
    let reader = StateReader::open(&dir)?;
    if let Some(read) = read_processor_state(&at, op, &reader, &o, options, latest, path)? {
        return Ok(read);
    }
    // A join side reads its keyWithIndexToValue store: the rows under their join key, without index and flag.
    let side_store = o.join_side.as_ref().map(|side| format!("{side}-keyWithIndexToValue"));
    let table = match &side_store {
        Some(name) => store_index(&reader, name)?,
        None if shape.is_join() && !table_names(&reader)?.contains(&o.store_name) => {
            return Err(no_state_schema(path, &o))
        }
        None => store_index(&reader, &o.store_name)?,
    };
    let rows_of = |rows: &RecordBatch, nkeys: usize| -> Result<(StructArray, StructArray)> {
        if shape.is_join() {
            let side = side_store.is_some();
            join_structs(rows, nkeys, side)
        } else {
            Ok((shape.key_struct(rows, nkeys)?, shape.value_struct(rows, nkeys)?))
        }
    };
    let mut out = Vec::new();
    let mut schema = None;
    if o.read_change_feed {
        let start = o.change_start.unwrap_or(0);
        let end = o.change_end.unwrap_or(latest);
        if end > latest {
            return Err(invalid("changeEndBatchId", format!("{end} is after the last committed batch {latest}")));
        }
        if start > end {
            return Err(invalid("changeStartBatchId", format!("{start} is after changeEndBatchId {end}")));
        }
        for (p, files) in reader.partitions.iter().enumerate() {
            for v in start..=end {
                for (kind, rows, nkeys) in changes_at(files, v, table)? {
                    let (key, value) = match kind {
                        "update" => rows_of(&rows, nkeys)?,
                        _ => {
                            // A delete carries no value: the value struct is null, typed as the table's values.
                            let key = rows_of(&rows, nkeys)?.0;
                            let typed = rows_of(&empty_like_values(files, v, table)?, nkeys)?.1;
                            let nulls = arrow::buffer::NullBuffer::new_null(rows.num_rows());
                            let cols =
                                typed.fields().iter().map(|f| new_null_array(f.data_type(), rows.num_rows())).collect();
                            (key, StructArray::try_new(typed.fields().clone(), cols, Some(nulls))?)
                        }
                    };
                    let n = rows.num_rows();
                    let fields = output_schema(&key, &value, true);
                    schema.get_or_insert_with(|| fields.clone());
                    let cols: Vec<ArrayRef> = vec![
                        Arc::new(Int64Array::from(vec![v; n])),
                        Arc::new(StringArray::from(vec![kind; n])),
                        Arc::new(key),
                        Arc::new(value),
                        Arc::new(Int32Array::from(vec![p as i32; n])),
                    ];
                    out.push(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?);
                }
            }
        }
    } else {
        let version = o.batch_id.unwrap_or(latest);
        if !at.committed.contains(&version) {
            return Err(no_committed_batch(path));
        }
        for (p, tables) in reader.load(version, &[])?.into_iter().enumerate() {
            let rows = tables.into_iter().nth(table).ok_or_else(|| EmberError::execution("state table missing"))?;
            let nkeys = key_count(&reader.partitions[p], version, table).unwrap_or(shape.keys.len().max(1));
            let (key, value) = rows_of(&rows, nkeys)?;
            let n = rows.num_rows();
            let fields = output_schema(&key, &value, false);
            schema.get_or_insert_with(|| fields.clone());
            let cols: Vec<ArrayRef> =
                vec![Arc::new(key), Arc::new(value), Arc::new(Int32Array::from(vec![p as i32; n]))];
            out.push(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?);
        }
    }
    // Batches of partitions whose tables were empty may have typed their structs differently: the first wins,
    // and an all-empty read still has Spark's three (five) columns.
    let schema = match schema {
        Some(s) => s,
        None => empty_schema(&shape, o.read_change_feed)?,
    };
    let target = Arc::new(Schema::new(schema.clone()));
    let out = out
        .into_iter()
        .filter(|b| b.num_rows() > 0)
        .map(|b| {
            if b.schema().fields() == target.fields() {
                Ok(b)
            } else {
                let cols = b
                    .columns()
                    .iter()
                    .zip(target.fields())
                    .map(|(c, f)| arrow::compute::cast(c, f.data_type()))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(RecordBatch::try_new(target.clone(), cols)?)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((schema, out))
}

/// A stream-stream join store's `key` and `value` structs under the names of its columns; for a join side
/// (`side`), its keyWithIndexToValue rows without the index and the matched flag, as Spark's joinSide reads them.
fn join_structs(rows: &RecordBatch, nkeys: usize, side: bool) -> Result<(StructArray, StructArray)> {
    let schema = rows.schema();
    let strukt = |range: std::ops::Range<usize>| -> Result<StructArray> {
        let fields: Vec<Field> = range.clone().map(|i| schema.field(i).as_ref().clone().with_nullable(true)).collect();
        let arrays: Vec<ArrayRef> = range.map(|i| rows.column(i).clone()).collect();
        if fields.is_empty() {
            return Ok(StructArray::new_empty_fields(rows.num_rows(), None));
        }
        Ok(StructArray::try_new(Fields::from(fields), arrays, None)?)
    };
    let width = rows.num_columns();
    if side {
        Ok((strukt(0..nkeys.saturating_sub(1))?, strukt(nkeys..width.saturating_sub(1))?))
    } else {
        Ok((strukt(0..nkeys)?, strukt(nkeys..width)?))
    }
}

/// A transformWithState operator's state, or transformWithState's options given: read by
/// `stream::processor_state_source` (`None`: neither).
fn read_processor_state(
    at: &Located,
    op: usize,
    reader: &StateReader,
    o: &StateOptions,
    options: &[(String, String)],
    latest: i64,
    path: &str,
) -> Result<Option<(Fields, Vec<RecordBatch>)>> {
    use crate::stream::processor_state_source::{is_processor, read, ProcessorReadOptions};
    let tws = ProcessorReadOptions::parse(options)?;
    if !tws.given() && !is_processor(&at.ckpt.read_shape(op)?.unwrap_or_default()) {
        return Ok(None);
    }
    if o.read_change_feed {
        return Err(invalid("readChangeFeed", "ember does not read a transformWithState operator's change feed yet"));
    }
    let version = o.batch_id.unwrap_or(latest);
    if !at.committed.contains(&version) {
        return Err(no_committed_batch(path));
    }
    read(&at.ckpt, op, reader, version, &tws).map(Some)
}

fn empty_schema(shape: &OperatorShape, change_feed: bool) -> Result<Fields> {
    let key = StructArray::try_new(
        shape.keys.clone(),
        shape.keys.iter().map(|f| new_null_array(f.data_type(), 0)).collect(),
        None,
    )
    .unwrap_or_else(|_| StructArray::new_empty_fields(0, None));
    let value = match &shape.group_state_values {
        Some(fields) if !fields.is_empty() => StructArray::try_new(
            fields.clone(),
            fields.iter().map(|f| new_null_array(f.data_type(), 0)).collect(),
            None,
        )?,
        _ => StructArray::new_empty_fields(0, None),
    };
    Ok(output_schema(&key, &value, change_feed))
}

/// applyInPandasWithState's recorded value columns ("groupState: struct<…>", "timeoutTimestamp: bigint") as fields.
fn group_state_value_fields(values: &[String]) -> Result<Fields> {
    values
        .iter()
        .map(|c| {
            let (name, ty) = c.split_once(": ").unwrap_or((c.as_str(), "binary"));
            Ok(Field::new(name, crate::types::ddl::parse_ddl_type(ty)?, true))
        })
        .collect()
}

/// The index of the store named `name` among the operator's tables.
fn store_index(reader: &StateReader, name: &str) -> Result<usize> {
    let names = table_names(reader)?;
    names.iter().position(|n| n == name || (n.is_empty() && name == DEFAULT_STORE)).ok_or_else(|| {
        invalid("storeName", format!("'{name}' is not a store of this operator (stores: {})", names.join(", ")))
    })
}

/// The operator's store names, from its first partition's oldest file.
fn table_names(reader: &StateReader) -> Result<Vec<String>> {
    let Some(files) = reader.partitions.first() else { return Ok(vec![DEFAULT_STORE.to_string()]) };
    let Some((&v, kinds)) = files.versions.iter().next() else { return Ok(vec![DEFAULT_STORE.to_string()]) };
    let path = files.path(v, kinds[0]);
    Ok(decode(&path)?
        .tables
        .into_iter()
        .map(|t| if t.name.is_empty() { DEFAULT_STORE.to_string() } else { t.name })
        .collect())
}

/// The key column count of `table` as the files loading `version` record it.
fn key_count(files: &PartitionFiles, version: i64, table: usize) -> Option<usize> {
    let (v, kind) = files.snapshot_at_or_below(version)?;
    decode(&files.path(v, kind)).ok()?.tables.get(table).map(|t| t.keys).filter(|&k| k > 0)
}

/// A zero-row batch with `table`'s full columns (for typing the null value of deletes).
fn empty_like_values(files: &PartitionFiles, version: i64, table: usize) -> Result<RecordBatch> {
    let (v, kind) = files.snapshot_at_or_below(version).ok_or_else(|| EmberError::execution("no state snapshot"))?;
    let (tables, _, _) = read_snapshot(&files.path(v, kind))?;
    Ok(tables.into_iter().nth(table).ok_or_else(|| EmberError::execution("state table missing"))?.slice(0, 0))
}

/// Batch `version`'s changes to `table` in one partition: ("update", rows) / ("delete", keys), with the key
/// column count. A change file lists them; a snapshot version is compared with the state before it.
fn changes_at(files: &PartitionFiles, version: i64, table: usize) -> Result<Vec<(&'static str, RecordBatch, usize)>> {
    let Some(kinds) = files.versions.get(&version) else { return Ok(vec![]) };
    if kinds.contains(&FileKind::Delta) {
        let file = decode(&files.path(version, FileKind::Delta))?;
        let nkeys = file.tables.get(table).map_or(1, |t| t.keys);
        return Ok(file
            .entries
            .into_iter()
            .filter(|(t, _)| *t == table)
            .filter_map(|(_, c)| match c {
                Change::Upsert(b) if b.num_rows() > 0 => Some(("update", b, nkeys)),
                Change::Delete(b) if b.num_rows() > 0 => Some(("delete", b, nkeys)),
                _ => None,
            })
            .collect());
    }
    let now =
        files.load(version, &[])?.into_iter().nth(table).ok_or_else(|| EmberError::execution("state table missing"))?;
    let nkeys = key_count(files, version, table).unwrap_or(1);
    let before = if files.versions.range(..version).next().is_some() {
        Some(
            files
                .load(version - 1, &[])?
                .into_iter()
                .nth(table)
                .ok_or_else(|| EmberError::execution("state table missing"))?,
        )
    } else {
        None
    };
    let Some(before) = before else { return Ok(vec![("update", now, nkeys)]) };
    diff(&before, &now, nkeys)
}

/// The rows of `now` that are new or changed since `before` (updates) and the keys of `before` gone (deletes).
fn diff(before: &RecordBatch, now: &RecordBatch, nkeys: usize) -> Result<Vec<(&'static str, RecordBatch, usize)>> {
    let sort = |b: &RecordBatch| b.columns().iter().map(|c| SortField::new(c.data_type().clone())).collect::<Vec<_>>();
    let converter = RowConverter::new(sort(now))?;
    let key_converter = RowConverter::new(sort(now)[..nkeys].to_vec())?;
    let whole = |b: &RecordBatch| converter.convert_columns(b.columns());
    let keys = |b: &RecordBatch| key_converter.convert_columns(&b.columns()[..nkeys]);
    let (before_rows, before_keys) = (whole(before)?, keys(before)?);
    let (now_rows, now_keys) = (whole(now)?, keys(now)?);
    let old: HashMap<&[u8], usize> = before_keys.iter().enumerate().map(|(i, k)| (k.data(), i)).collect();
    let current: std::collections::HashSet<&[u8]> = now_keys.iter().map(|k| k.data()).collect();
    let updated: Vec<u32> = (0..now.num_rows())
        .filter(|&i| old.get(now_keys.row(i).as_ref()).is_none_or(|&j| before_rows.row(j) != now_rows.row(i)))
        .map(|i| i as u32)
        .collect();
    let deleted: Vec<u32> =
        (0..before.num_rows()).filter(|&i| !current.contains(before_keys.row(i).as_ref())).map(|i| i as u32).collect();
    let take = |b: &RecordBatch, idx: Vec<u32>, width: usize| -> Result<RecordBatch> {
        let idx = arrow::array::UInt32Array::from(idx);
        let b = b.project(&(0..width).collect::<Vec<_>>())?;
        Ok(arrow::compute::take_record_batch(&b, &idx)?)
    };
    let mut out = Vec::new();
    if !updated.is_empty() {
        out.push(("update", take(now, updated, now.num_columns())?, nkeys));
    }
    if !deleted.is_empty() {
        out.push(("delete", take(before, deleted, nkeys)?, nkeys));
    }
    Ok(out)
}

/// The rows of `spark.read.format("state-metadata").load(path)`: one per operator and store.
pub fn read_state_metadata(path: &str) -> Result<(Fields, Vec<RecordBatch>)> {
    let at = locate(path)?;
    let fields = Fields::from(vec![
        Field::new("operatorId", DataType::Int64, true),
        Field::new("operatorName", DataType::Utf8, true),
        Field::new("stateStoreName", DataType::Utf8, true),
        Field::new("numPartitions", DataType::Int32, true),
        Field::new("minBatchId", DataType::Int64, true),
        Field::new("maxBatchId", DataType::Int64, true),
        Field::new("operatorProperties", DataType::Utf8, true),
    ]);
    let (mut ids, mut names, mut stores, mut parts, mut mins, mut maxs) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut properties: Vec<Option<String>> = vec![];
    let (min, max) = (at.committed.first().copied(), at.committed.last().copied());
    for op in batch_ids(&at.ckpt.root().join("state"))? {
        let dir: PathBuf = at.ckpt.state_dir(op as usize);
        let recorded = at.ckpt.read_shape(op as usize)?.unwrap_or_default();
        if let Some((name, partitions, props)) =
            crate::stream::processor_state_source::metadata(&at.ckpt, &recorded, max)?
        {
            ids.push(op);
            names.push(name);
            stores.push(DEFAULT_STORE.to_string());
            parts.push(partitions);
            mins.push(min);
            maxs.push(max);
            properties.push(Some(props));
            continue;
        }
        let shape = OperatorShape::read(&at.ckpt, op as usize)?;
        let reader = StateReader::open(Path::new(&dir))?;
        for store in table_names(&reader)? {
            ids.push(op);
            names.push(shape.operator.clone());
            stores.push(store);
            parts.push(reader.partitions.len() as i32);
            mins.push(min);
            maxs.push(max);
            properties.push(None);
        }
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids)),
        Arc::new(StringArray::from(names)),
        Arc::new(StringArray::from(stores)),
        Arc::new(Int32Array::from(parts)),
        Arc::new(Int64Array::from(mins)),
        Arc::new(Int64Array::from(maxs)),
        Arc::new(StringArray::from(properties)),
    ];
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields.clone())), cols)?;
    Ok((fields, vec![batch]))
}
