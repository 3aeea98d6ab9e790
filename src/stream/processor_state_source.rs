//! Spark's `statestore` reader over a transformWithState operator's state (its own options: `stateVarName`,
//! `readRegisteredTimers`, `flattenCollectionTypes`): a value variable as `key`/`value`; a list one row per
//! element (`list_element`) or, unflattened, one row per key (`list_value`); a map one row per entry
//! (`user_map_key`, `user_map_value`) or, unflattened, one per key (`map_value`); the timers as `key`,
//! `expiration_timestamp_ms`. `partition_id` is the key's partition as Spark's state store places it. A TTL'd
//! element past its expiry at the batch read is left out, as Spark's reader does not return expired state. Also
//! the operator's `state-metadata` row: one store, its time mode, output mode and state variables.
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, Int32Array, Int64Array, ListArray, MapArray, RecordBatch, StructArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, Fields, Int64Type, Schema};
use arrow::row::{RowConverter, SortField};

use crate::error::{EmberError, ErrorKind, Result};
use crate::stream::checkpoint::Checkpoint;
use crate::stream::state::reader::StateReader;

/// transformWithState's reader options.
#[derive(Debug, Default)]
pub struct ProcessorReadOptions {
    pub var: Option<String>,
    pub timers: bool,
    pub flatten: bool,
}

fn invalid(option: &str, why: impl std::fmt::Display) -> EmberError {
    EmberError::with_condition(
        ErrorKind::Execution,
        "STDS_INVALID_OPTION_VALUE.WITH_MESSAGE",
        [("optionName", option.to_string()), ("message", why.to_string())],
    )
}

impl ProcessorReadOptions {
    pub fn parse(options: &[(String, String)]) -> Result<ProcessorReadOptions> {
        let get = |name: &str| options.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        let flag = |name: &str, default: bool| -> Result<bool> {
            match get(name).map(|v| v.trim().to_ascii_lowercase()) {
                None => Ok(default),
                Some(v) if v == "true" => Ok(true),
                Some(v) if v == "false" => Ok(false),
                Some(v) => Err(invalid(name, format!("'{v}' is not a boolean"))),
            }
        };
        let o = ProcessorReadOptions {
            var: get("stateVarName").cloned(),
            timers: flag("readRegisteredTimers", false)?,
            flatten: flag("flattenCollectionTypes", true)?,
        };
        if o.timers && o.var.is_some() {
            return Err(invalid("readRegisteredTimers", "cannot be used together with stateVarName"));
        }
        Ok(o)
    }

    /// Whether any of transformWithState's options was given.
    pub fn given(&self) -> bool {
        self.var.is_some() || self.timers
    }
}

/// Whether the operator's recorded shape is a transformWithState's.
pub fn is_processor(shape: &serde_json::Value) -> bool {
    shape["operator"].as_str().is_some_and(|o| o.starts_with("transformWithState"))
}

/// A state variable as the operator's shape records it.
struct VariableShape {
    name: String,
    kind: String,
    fields: Fields,
    /// A map's user key columns (the first of `fields`).
    key_fields: usize,
}

fn field_of(column: &str) -> Result<Field> {
    let (name, ty) = column.rsplit_once(": ").unwrap_or((column, "binary"));
    Ok(Field::new(name, crate::types::ddl::parse_ddl_type(ty)?, true))
}

/// The operator's state at `version`, as Spark's reader shows the variable or the timers `o` names.
pub fn read(
    ckpt: &Checkpoint,
    op: usize,
    reader: &StateReader,
    version: i64,
    o: &ProcessorReadOptions,
) -> Result<(Fields, Vec<RecordBatch>)> {
    let shape = ckpt.read_shape(op)?.unwrap_or_default();
    if !is_processor(&shape) {
        let option = if o.timers { "readRegisteredTimers" } else { "stateVarName" };
        return Err(invalid(option, "applies only to the state of a transformWithState operator"));
    }
    let keys = shape["keys"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str()).map(field_of).collect::<Result<Vec<_>>>())
        .transpose()?
        .unwrap_or_default();
    let variables = shape["variables"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| {
            let columns = v["columns"].as_array().cloned().unwrap_or_default();
            Ok(VariableShape {
                name: v["name"].as_str().unwrap_or_default().to_string(),
                kind: v["kind"].as_str().unwrap_or_default().to_string(),
                fields: columns.iter().filter_map(|c| c.as_str()).map(field_of).collect::<Result<Fields>>()?,
                key_fields: v["keyColumns"].as_u64().unwrap_or(0) as usize,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (table, var) = if o.timers {
        (variables.len(), None)
    } else {
        let name = o.var.as_deref().ok_or_else(|| {
            EmberError::with_condition(
                ErrorKind::Execution,
                "STDS_REQUIRED_OPTION_UNSPECIFIED",
                [("optionName", "stateVarName")],
            )
        })?;
        let i = variables.iter().position(|v| v.name == name).ok_or_else(|| {
            let names: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
            invalid("stateVarName", format!("'{name}' is not a state variable of this operator ({})", names.join(", ")))
        })?;
        (i, Some(&variables[i]))
    };
    let entry = ckpt.read_offsets(version)?;
    let batch_ms = entry.timestamp_ms;
    let partitions = entry
        .conf
        .iter()
        .find(|(k, _)| k == "spark.sql.shuffle.partitions")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(1);
    let converter = RowConverter::new(keys.iter().map(|f| SortField::new(f.data_type().clone())).collect())?;
    let key_fields: Fields = keys.iter().map(|f| Arc::new(f.as_ref().clone())).collect::<Vec<_>>().into();
    let mut out = Vec::new();
    for tables in reader.load(version, &[])? {
        let Some(b) = tables.into_iter().nth(table) else { continue };
        if b.num_rows() == 0 || b.num_columns() < 2 {
            continue;
        }
        let bytes: &BinaryArray = b.column(0).as_binary::<i32>();
        let parser = converter.parser();
        let key_columns = converter.convert_rows(bytes.iter().map(|r| parser.parse(r.unwrap_or_default())))?;
        let keys_struct = StructArray::try_new(key_fields.clone(), key_columns.clone(), None)?;
        let key_partitions =
            crate::stream::state::partition::key_partitions(&key_columns, b.num_rows(), partitions.max(1));
        let lists = b.column(1).as_list::<i32>();
        out.push(match var {
            None => timers_batch(&keys_struct, lists, &key_partitions)?,
            Some(v) => variable_batch(v, &keys_struct, lists, &key_partitions, batch_ms, o.flatten)?,
        });
    }
    let schema = match out.first() {
        Some(b) => b.schema().fields().clone(),
        None => empty_fields(var, &key_fields, o.flatten),
    };
    let out = out.into_iter().filter(|b| b.num_rows() > 0).collect();
    Ok((schema, out))
}

/// The output columns of a read that found no rows.
fn empty_fields(var: Option<&VariableShape>, key_fields: &Fields, flatten: bool) -> Fields {
    let key = Field::new("key", DataType::Struct(key_fields.clone()), true);
    let mut fields = vec![key];
    match var {
        None => fields.push(Field::new("expiration_timestamp_ms", DataType::Int64, true)),
        Some(v) => {
            let value_type = DataType::Struct(v.fields.iter().skip(v.key_fields).cloned().collect());
            let user_key = DataType::Struct(v.fields.iter().take(v.key_fields).cloned().collect());
            match (v.kind.as_str(), flatten) {
                ("list", true) => fields.push(Field::new("list_element", value_type, true)),
                ("list", false) => fields.push(Field::new(
                    "list_value",
                    DataType::List(Arc::new(Field::new("element", value_type, true))),
                    true,
                )),
                ("map", true) => {
                    fields.push(Field::new("user_map_key", user_key, true));
                    fields.push(Field::new("user_map_value", value_type, true));
                }
                ("map", false) => fields.push(Field::new("map_value", map_type(user_key, value_type), true)),
                _ => fields.push(Field::new("value", value_type, true)),
            }
        }
    }
    fields.push(Field::new("partition_id", DataType::Int32, true));
    fields.into()
}

fn map_type(key: DataType, value: DataType) -> DataType {
    let entries = Fields::from(vec![Field::new("key", key, false), Field::new("value", value, true)]);
    DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), false)
}

fn batch_of(fields: Vec<Field>, columns: Vec<ArrayRef>) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
}

/// One row per (key, timer).
fn timers_batch(keys: &StructArray, lists: &ListArray, partitions: &[usize]) -> Result<RecordBatch> {
    let mut take = Vec::new();
    let mut times = Vec::new();
    for i in 0..lists.len() {
        let t = lists.value(i);
        for &e in t.as_primitive::<Int64Type>().values().iter() {
            take.push(i as u32);
            times.push(e);
        }
    }
    let idx = arrow::array::UInt32Array::from(take);
    let key = arrow::compute::take(keys, &idx, None)?;
    let part = arrow::compute::take(&Int32Array::from_iter_values(partitions.iter().map(|&p| p as i32)), &idx, None)?;
    batch_of(
        vec![
            Field::new("key", key.data_type().clone(), true),
            Field::new("expiration_timestamp_ms", DataType::Int64, true),
            Field::new("partition_id", DataType::Int32, true),
        ],
        vec![key, Arc::new(Int64Array::from(times)), part],
    )
}

/// A variable's rows: per key its elements (structs of `_expires` then the variable's columns), expired ones left
/// out, shaped as Spark's reader shows the variable's kind.
fn variable_batch(
    v: &VariableShape,
    keys: &StructArray,
    lists: &ListArray,
    partitions: &[usize],
    batch_ms: i64,
    flatten: bool,
) -> Result<RecordBatch> {
    // Element indices kept (into the flattened values), and per key how many.
    let values = lists.values().as_struct().clone();
    let expires = values.column(0).as_primitive::<Int64Type>().clone();
    let mut kept: Vec<u32> = Vec::new();
    let mut owner: Vec<u32> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    for i in 0..lists.len() {
        let (lo, hi) = (lists.value_offsets()[i] as usize, lists.value_offsets()[i + 1] as usize);
        let before = kept.len();
        for j in lo..hi {
            let e = expires.value(j);
            if e < 0 || batch_ms < e {
                kept.push(j as u32);
                owner.push(i as u32);
            }
        }
        counts.push(kept.len() - before);
    }
    let kept_idx = arrow::array::UInt32Array::from(kept);
    let element = |range: std::ops::Range<usize>| -> Result<StructArray> {
        let fields: Fields = v.fields.iter().skip(range.start).take(range.len()).cloned().collect();
        let columns = (range.clone())
            .map(|c| Ok(arrow::compute::take(values.column(c + 1), &kept_idx, None)?))
            .collect::<Result<Vec<ArrayRef>>>()?;
        let columns = columns
            .into_iter()
            .zip(fields.iter())
            .map(|(c, f)| Ok(arrow::compute::cast(&c, f.data_type())?))
            .collect::<Result<Vec<ArrayRef>>>()?;
        Ok(StructArray::try_new(fields, columns, None)?)
    };
    let n = v.fields.len();
    let value = element(v.key_fields..n)?;
    let partition_ids = Int32Array::from_iter_values(partitions.iter().map(|&p| p as i32));
    let flat = flatten || v.kind == "value";
    if flat {
        let owner = arrow::array::UInt32Array::from(owner);
        let key = arrow::compute::take(keys, &owner, None)?;
        let part = arrow::compute::take(&partition_ids, &owner, None)?;
        let mut fields = vec![Field::new("key", key.data_type().clone(), true)];
        let mut columns: Vec<ArrayRef> = vec![key];
        match v.kind.as_str() {
            "list" => fields.push(Field::new("list_element", value.data_type().clone(), true)),
            "map" => {
                let user_key = element(0..v.key_fields)?;
                fields.push(Field::new("user_map_key", user_key.data_type().clone(), true));
                columns.push(Arc::new(user_key));
                fields.push(Field::new("user_map_value", value.data_type().clone(), true));
            }
            _ => fields.push(Field::new("value", value.data_type().clone(), true)),
        }
        columns.push(Arc::new(value));
        fields.push(Field::new("partition_id", DataType::Int32, true));
        columns.push(part);
        return batch_of(fields, columns);
    }
    // One row per key that still has elements.
    let with_rows: Vec<u32> = (0..counts.len()).filter(|&i| counts[i] > 0).map(|i| i as u32).collect();
    let offsets = OffsetBuffer::from_lengths(counts.iter().copied().filter(|&c| c > 0));
    let idx = arrow::array::UInt32Array::from(with_rows);
    let key = arrow::compute::take(keys, &idx, None)?;
    let part = arrow::compute::take(&partition_ids, &idx, None)?;
    let (name, column): (&str, ArrayRef) = if v.kind == "map" {
        let user_key = element(0..v.key_fields)?;
        let DataType::Map(entries_field, _) = map_type(user_key.data_type().clone(), value.data_type().clone()) else {
            unreachable!("map_type is a map")
        };
        let DataType::Struct(entry_fields) = entries_field.data_type() else { unreachable!("map entries are structs") };
        let entries = StructArray::try_new(entry_fields.clone(), vec![Arc::new(user_key), Arc::new(value)], None)?;
        ("map_value", Arc::new(MapArray::try_new(entries_field, offsets, entries, None::<NullBuffer>, false)?))
    } else {
        let field = Arc::new(Field::new("element", value.data_type().clone(), true));
        ("list_value", Arc::new(ListArray::try_new(field, offsets, Arc::new(value), None)?))
    };
    batch_of(
        vec![
            Field::new("key", key.data_type().clone(), true),
            Field::new(name, column.data_type().clone(), true),
            Field::new("partition_id", DataType::Int32, true),
        ],
        vec![key, column, part],
    )
}

/// The operator's `state-metadata` row as Spark writes it for transformWithState: its name, Spark's partition count
/// (the shuffle partitions its checkpoint recorded) and `operatorProperties`, the time mode, output mode and state
/// variables (the timers one of them). `None` for another operator.
pub fn metadata(
    ckpt: &Checkpoint,
    shape: &serde_json::Value,
    latest: Option<i64>,
) -> Result<Option<(String, i32, String)>> {
    if !is_processor(shape) {
        return Ok(None);
    }
    let partitions = match latest {
        Some(v) => ckpt
            .read_offsets(v)?
            .conf
            .iter()
            .find(|(k, _)| k == "spark.sql.shuffle.partitions")
            .and_then(|(_, v)| v.parse::<i32>().ok())
            .unwrap_or(1),
        None => 1,
    };
    let time_mode = shape["timeMode"].as_str().unwrap_or("NoTime");
    let mut variables: Vec<(String, &str, bool)> = shape["variables"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| {
            let kind = match v["kind"].as_str() {
                Some("list") => "ListState",
                Some("map") => "MapState",
                _ => "ValueState",
            };
            (v["name"].as_str().unwrap_or_default().to_string(), kind, v["ttl"].as_bool().unwrap_or(false))
        })
        .collect();
    match time_mode {
        "EventTime" => variables.push(("$eventTimers_keyToTimestamp".into(), "TimerState", false)),
        "ProcessingTime" => variables.push(("$procTimers_keyToTimestamp".into(), "TimerState", false)),
        _ => {}
    }
    let variables: Vec<String> = variables
        .iter()
        .map(|(name, kind, ttl)| {
            format!(
                r#"{{"stateName":{},"stateVariableType":"{kind}","ttlEnabled":{ttl}}}"#,
                serde_json::Value::String(name.clone())
            )
        })
        .collect();
    let properties = format!(
        r#"{{"timeMode":"{time_mode}","outputMode":"{}","stateVariables":[{}]}}"#,
        shape["outputMode"].as_str().unwrap_or("Append"),
        variables.join(",")
    );
    let name = shape["operator"].as_str().unwrap_or_default().to_string();
    Ok(Some((name, partitions, properties)))
}
