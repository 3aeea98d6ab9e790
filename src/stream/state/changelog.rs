//! The file format shared by change files (`<N>.delta`) and snapshots (`<N>.snapshot`): one Arrow IPC file per
//! (operator, partition, version) holding the operator's tables side by side (table 0's columns keep their names,
//! later tables' columns are prefixed `<table>.`), and in the schema metadata `ember.state` which columns belong to
//! which table and, for each record batch in order, its table and whether it upserts rows or deletes keys.
use std::path::Path;
use std::sync::Arc;

use arrow::array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{Field, Schema};
use serde::{Deserialize, Serialize};

use crate::error::{EmberError, Result};

/// One change to a table: rows to insert or replace (key then value columns), or keys to delete (key columns).
#[derive(Clone, Debug)]
pub enum Change {
    Upsert(RecordBatch),
    Delete(RecordBatch),
}

/// A partition's changes in one batch, applied in order: (table index, change).
pub type PartitionChanges = Vec<(usize, Change)>;

/// Which columns of a file belong to a table: its leading `keys` columns are the key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableLayout {
    pub name: String,
    pub keys: usize,
    pub columns: usize,
}

#[derive(Serialize, Deserialize)]
struct FileMeta {
    tables: Vec<TableLayout>,
    /// Per record batch: (table, is a delete).
    batches: Vec<(usize, bool)>,
}

const META_KEY: &str = "ember.state";

/// What a state file holds; `legacy` marks a full-state file of the previous layout (`<N>.arrow`, no metadata).
pub struct StateFile {
    pub tables: Vec<TableLayout>,
    pub entries: Vec<(usize, Change)>,
    pub legacy: bool,
}

pub(crate) fn corrupt(path: &Path, why: impl std::fmt::Display) -> EmberError {
    EmberError::execution(format!("The checkpoint file {} is corrupt: {why}", path.display()))
}

/// Encode `entries` of the tables named `tables` (name, key column count) as one Arrow IPC file.
pub fn encode(tables: &[(String, usize)], entries: &[(usize, Change)]) -> Result<Vec<u8>> {
    // A table's columns: those of its first upsert (keys and values), else of its first delete (keys only).
    let mut fields: Vec<Vec<Field>> = vec![Vec::new(); tables.len()];
    for pass_deletes in [false, true] {
        for (t, c) in entries {
            let (b, is_delete) = match c {
                Change::Upsert(b) => (b, false),
                Change::Delete(b) => (b, true),
            };
            if is_delete == pass_deletes && fields[*t].is_empty() {
                let prefix = if *t == 0 { String::new() } else { format!("{}.", tables[*t].0) };
                fields[*t] = b
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| Field::new(format!("{prefix}{}", f.name()), f.data_type().clone(), true))
                    .collect();
            }
        }
    }
    let meta = FileMeta {
        tables: tables
            .iter()
            .zip(&fields)
            .map(|((name, keys), f)| TableLayout { name: name.clone(), keys: *keys, columns: f.len() })
            .collect(),
        batches: entries.iter().map(|(t, c)| (*t, matches!(c, Change::Delete(_)))).collect(),
    };
    let meta_json = serde_json::to_string(&meta).map_err(|e| EmberError::execution(e.to_string()))?;
    let schema = Arc::new(Schema::new_with_metadata(
        fields.iter().flatten().cloned().collect::<Vec<_>>(),
        [(META_KEY.to_string(), meta_json)].into_iter().collect(),
    ));
    let mut buf = Vec::new();
    {
        let mut w = arrow::ipc::writer::FileWriter::try_new(&mut buf, &schema)?;
        for (t, c) in entries {
            let b = match c {
                Change::Upsert(b) | Change::Delete(b) => b,
            };
            let n = b.num_rows();
            let mut cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
            for (u, f) in fields.iter().enumerate() {
                for (i, field) in f.iter().enumerate() {
                    if u == *t && i < b.num_columns() {
                        cols.push(b.column(i).clone());
                    } else {
                        cols.push(new_null_array(field.data_type(), n));
                    }
                }
            }
            let opts = RecordBatchOptions::new().with_row_count(Some(n));
            w.write(&RecordBatch::try_new_with_options(schema.clone(), cols, &opts)?)?;
        }
        w.finish()?;
    }
    Ok(buf)
}

/// Read a state file (either format).
pub fn decode(path: &Path) -> Result<StateFile> {
    let f = std::fs::File::open(path)?;
    let reader =
        arrow::ipc::reader::FileReader::try_new(std::io::BufReader::new(f), None).map_err(|e| corrupt(path, e))?;
    let schema = reader.schema();
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| corrupt(path, e))?;
    let Some(meta) = schema.metadata().get(META_KEY) else {
        // The previous layout: the operator's whole state, one table, no key information.
        let layout = TableLayout { name: String::new(), keys: 0, columns: schema.fields().len() };
        let entries = batches.into_iter().map(|b| (0, Change::Upsert(b))).collect();
        return Ok(StateFile { tables: vec![layout], entries, legacy: true });
    };
    let meta: FileMeta = serde_json::from_str(meta).map_err(|e| corrupt(path, e))?;
    if meta.batches.len() != batches.len() {
        return Err(corrupt(path, "record batches do not match the metadata"));
    }
    let mut starts = Vec::with_capacity(meta.tables.len());
    let mut at = 0;
    for t in &meta.tables {
        starts.push(at);
        at += t.columns;
    }
    if at != schema.fields().len() {
        return Err(corrupt(path, "columns do not match the metadata"));
    }
    let entries = meta
        .batches
        .iter()
        .zip(batches)
        .map(|(&(t, delete), b)| {
            let layout = meta.tables.get(t).ok_or_else(|| corrupt(path, "unknown table"))?;
            let width = if delete { layout.keys } else { layout.columns };
            let b = b.project(&(starts[t]..starts[t] + width).collect::<Vec<_>>())?;
            // Table 0 keeps its column names; strip the prefix of later tables.
            let b = if t == 0 {
                b
            } else {
                let fields: Vec<Field> = b
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| {
                        let prefix = format!("{}.", layout.name);
                        let name = f.name().strip_prefix(prefix.as_str()).unwrap_or(f.name().as_str()).to_string();
                        f.as_ref().clone().with_name(name)
                    })
                    .collect();
                RecordBatch::try_new_with_options(
                    Arc::new(Schema::new(fields)),
                    b.columns().to_vec(),
                    &RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
                )?
            };
            Ok((t, if delete { Change::Delete(b) } else { Change::Upsert(b) }))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(StateFile { tables: meta.tables, entries, legacy: false })
}
