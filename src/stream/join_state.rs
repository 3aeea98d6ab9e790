//! The buffered rows of a stream-stream join (Spark's SymmetricHashJoinStateManager): per side, every stored input
//! row in Arrow row format under its join key, with the time the watermark evicts it by and whether it has matched a
//! row of the other side (what an outer join's null-padded row, and a left semi join's single output, depend on).
//! Checkpointed as one table keyed by (side, row id).
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Int32Array, Int64Array, RecordBatch, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Int32Type, Int64Type, Schema, UInt64Type};
use arrow::row::{RowConverter, Rows, SortField};

use crate::error::Result;
use crate::exec::hashing::FxHasher;
use crate::stream::join_condition::Side;
use crate::stream::state::{Change, PartitionChanges};

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// One buffered row.
pub struct Stored {
    pub key: Box<[u8]>,
    pub row: Box<[u8]>,
    /// Event time (µs) the watermark evicts it by (`None`: never).
    pub time: Option<i64>,
    pub matched: bool,
}

/// The buffered rows of one side.
pub struct SideState {
    /// All input columns ↔ row format.
    pub converter: RowConverter,
    pub rows: FxMap<u64, Stored>,
    /// Join key bytes → ids of its rows, in the order they were stored.
    pub by_key: FxMap<Box<[u8]>, Vec<u64>>,
    next_id: u64,
    /// Ids stored or whose matched flag changed in the latest batch, ids removed.
    touched: Vec<u64>,
    removed: Vec<u64>,
}

impl SideState {
    pub fn new(types: &[DataType]) -> Result<Self> {
        Ok(SideState {
            converter: RowConverter::new(types.iter().map(|t| SortField::new(t.clone())).collect())?,
            rows: FxMap::default(),
            by_key: FxMap::default(),
            next_id: 0,
            touched: Vec::new(),
            removed: Vec::new(),
        })
    }

    /// The buffered rows (Spark counts each once, not its key's entry).
    pub fn state_rows(&self) -> usize {
        self.rows.len()
    }

    pub fn memory_bytes(&self) -> usize {
        self.rows.values().map(|s| s.key.len() + s.row.len() + 48).sum()
    }

    pub fn append(&mut self, key: &[u8], row: &[u8], time: Option<i64>, matched: bool) {
        let id = self.next_id;
        self.next_id += 1;
        self.insert(id, Stored { key: key.into(), row: row.into(), time, matched });
        self.touched.push(id);
    }

    fn insert(&mut self, id: u64, s: Stored) {
        self.by_key.entry(s.key.clone()).or_default().push(id);
        self.rows.insert(id, s);
        self.next_id = self.next_id.max(id + 1);
    }

    pub fn set_matched(&mut self, id: u64) {
        if let Some(s) = self.rows.get_mut(&id) {
            if !s.matched {
                s.matched = true;
                self.touched.push(id);
            }
        }
    }

    /// Remove the rows `ids` (those still buffered); returns how many were.
    pub fn remove_ids(&mut self, ids: &[u64]) -> usize {
        let mut n = 0;
        for &id in ids {
            if let Some(s) = self.rows.remove(&id) {
                self.unlink(&s.key, id);
                self.removed.push(id);
                n += 1;
            }
        }
        n
    }

    fn unlink(&mut self, key: &[u8], id: u64) {
        if let Some(list) = self.by_key.get_mut(key) {
            list.retain(|&x| x != id);
            if list.is_empty() {
                self.by_key.remove(key);
            }
        }
    }

    /// Remove the rows whose time is at or below `limit` (µs); returns them in id order.
    pub fn remove_through(&mut self, limit: i64) -> Vec<Stored> {
        let mut ids: Vec<u64> =
            self.rows.iter().filter(|(_, s)| s.time.is_some_and(|t| t <= limit)).map(|(&i, _)| i).collect();
        ids.sort_unstable();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let s = self.rows.remove(&id).expect("listed");
            self.unlink(&s.key, id);
            self.removed.push(id);
            out.push(s);
        }
        out
    }

    /// Rows in row format back to columns.
    pub fn columns(&self, rows: &[&[u8]]) -> Result<Vec<ArrayRef>> {
        let parser = self.converter.parser();
        Ok(self.converter.convert_rows(rows.iter().map(|b| parser.parse(b)))?)
    }

    /// `batch` in row format.
    pub fn encode(&self, batch: &RecordBatch) -> Result<Rows> {
        Ok(self.converter.convert_columns(batch.columns())?)
    }
}

/// Both sides' buffered rows.
pub struct JoinState {
    pub left: SideState,
    pub right: SideState,
}

fn schema(values: bool) -> Arc<Schema> {
    let mut f = vec![Field::new("side", DataType::Int32, false), Field::new("id", DataType::UInt64, false)];
    if values {
        f.extend([
            Field::new("key", DataType::Binary, false),
            Field::new("row", DataType::Binary, false),
            Field::new("time", DataType::Int64, true),
            Field::new("matched", DataType::Boolean, false),
        ]);
    }
    Arc::new(Schema::new(f))
}

impl JoinState {
    pub fn side(&mut self, s: Side) -> &mut SideState {
        match s {
            Side::Left => &mut self.left,
            Side::Right => &mut self.right,
        }
    }

    /// Forget the previous batch's changes.
    pub fn begin_batch(&mut self) {
        for s in [&mut self.left, &mut self.right] {
            s.touched.clear();
            s.removed.clear();
        }
    }

    fn rows_of(&self, pick: &[(i32, u64)]) -> Result<RecordBatch> {
        let get = |side: i32, id: u64| if side == 0 { self.left.rows.get(&id) } else { self.right.rows.get(&id) };
        let found: Vec<(i32, u64, &Stored)> =
            pick.iter().filter_map(|&(side, id)| get(side, id).map(|s| (side, id, s))).collect();
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from_iter_values(found.iter().map(|f| f.0))),
            Arc::new(UInt64Array::from_iter_values(found.iter().map(|f| f.1))),
            Arc::new(BinaryArray::from_iter_values(found.iter().map(|f| f.2.key.as_ref()))),
            Arc::new(BinaryArray::from_iter_values(found.iter().map(|f| f.2.row.as_ref()))),
            Arc::new(Int64Array::from(found.iter().map(|f| f.2.time).collect::<Vec<_>>())),
            Arc::new(BooleanArray::from(found.iter().map(|f| f.2.matched).collect::<Vec<_>>())),
        ];
        Ok(RecordBatch::try_new(schema(true), cols)?)
    }

    /// The latest batch's changes (one partition): rows stored or re-flagged upserted, removed rows deleted.
    pub fn changes(&mut self) -> Result<Vec<PartitionChanges>> {
        let mut out = Vec::new();
        let mut touched: Vec<(i32, u64)> = self.left.touched.iter().map(|&i| (0, i)).collect();
        touched.extend(self.right.touched.iter().map(|&i| (1, i)));
        touched.sort_unstable();
        touched.dedup();
        let upserts = self.rows_of(&touched)?;
        if upserts.num_rows() > 0 {
            out.push((0, Change::Upsert(upserts)));
        }
        let mut removed: Vec<(i32, u64)> = self.left.removed.iter().map(|&i| (0, i)).collect();
        removed.extend(self.right.removed.iter().map(|&i| (1, i)));
        if !removed.is_empty() {
            let cols: Vec<ArrayRef> = vec![
                Arc::new(Int32Array::from_iter_values(removed.iter().map(|r| r.0))),
                Arc::new(UInt64Array::from_iter_values(removed.iter().map(|r| r.1))),
            ];
            out.push((0, Change::Delete(RecordBatch::try_new(schema(false), cols)?)));
        }
        self.begin_batch();
        Ok(vec![out])
    }

    /// The whole state as one batch (one partition).
    pub fn snapshot(&self) -> Result<Vec<RecordBatch>> {
        let mut all: Vec<(i32, u64)> = self.left.rows.keys().map(|&i| (0, i)).collect();
        all.extend(self.right.rows.keys().map(|&i| (1, i)));
        all.sort_unstable();
        Ok(vec![self.rows_of(&all)?])
    }

    pub fn restore(&mut self, parts: &[RecordBatch]) -> Result<()> {
        for b in parts {
            if b.num_columns() < 6 {
                continue;
            }
            let side = b.column(0).as_primitive::<Int32Type>();
            let id = b.column(1).as_primitive::<UInt64Type>();
            let key = b.column(2).as_binary::<i32>();
            let row = b.column(3).as_binary::<i32>();
            let time = b.column(4).as_primitive::<Int64Type>();
            let matched = b.column(5).as_boolean();
            for i in 0..b.num_rows() {
                let s = Stored {
                    key: key.value(i).into(),
                    row: row.value(i).into(),
                    time: time.is_valid(i).then(|| time.value(i)),
                    matched: matched.value(i),
                };
                let target = if side.value(i) == 0 { &mut self.left } else { &mut self.right };
                target.insert(id.value(i), s);
            }
        }
        Ok(())
    }
}
