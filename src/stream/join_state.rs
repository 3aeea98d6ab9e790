//! The buffered rows of a stream-stream join in Spark's layout (SymmetricHashJoinStateManager, state format 2):
//! per side two stores, `<side>-keyToNumValues` (join key → number of rows) and `<side>-keyWithIndexToValue`
//! ((join key, index) → the row and whether it has matched), each split over the shuffle partitions by Spark's
//! hash of the join key. A key's rows hold the indices 0..n in order: a new row is appended at n, and a removed
//! row's slot is filled with the key's last row (Spark's swap), so the stores, their indices and the state reader's
//! rows are Spark's. In memory each row is Arrow row-format bytes with the time the watermark evicts it by.
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use arrow::row::{RowConverter, Rows, SortField};

use crate::error::{EmberError, Result};
use crate::exec::hashing::FxHasher;
use crate::stream::join_condition::Side;
use crate::stream::state::{Change, PartitionChanges, TableSpec};

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Spark's four store names, in the order of the operator's tables.
pub const STORE_NAMES: [&str; 4] =
    ["left-keyToNumValues", "left-keyWithIndexToValue", "right-keyToNumValues", "right-keyWithIndexToValue"];

/// The table index of a side's keyToNumValues store (its keyWithIndexToValue store is the next one).
fn count_table(side: Side) -> usize {
    match side {
        Side::Left => 0,
        Side::Right => 2,
    }
}

/// One buffered row.
pub struct Stored {
    pub key: Box<[u8]>,
    pub row: Box<[u8]>,
    /// Event time (µs) the watermark evicts it by (`None`: never).
    pub time: Option<i64>,
    pub matched: bool,
}

/// A join key's rows, in index order, and the partition the key belongs to.
struct KeyRows {
    partition: usize,
    ids: Vec<u64>,
}

/// The buffered rows of one side.
pub struct SideState {
    /// All input columns ↔ row format.
    converter: RowConverter,
    /// The side's columns: the value columns of keyWithIndexToValue (before `matched`).
    fields: Vec<Field>,
    rows: FxMap<u64, Stored>,
    by_key: FxMap<Box<[u8]>, KeyRows>,
    next_id: u64,
    /// Keys whose rows changed in the latest batch, with their ids at its start (the indices the stores held).
    dirty: FxMap<Box<[u8]>, Vec<u64>>,
    /// Rows whose matched flag was set in the latest batch.
    flagged: HashSet<u64>,
}

impl SideState {
    pub fn new(schema: &Schema) -> Result<Self> {
        Ok(SideState {
            converter: RowConverter::new(
                schema.fields().iter().map(|f| SortField::new(f.data_type().clone())).collect(),
            )?,
            fields: schema.fields().iter().map(|f| f.as_ref().clone()).collect(),
            rows: FxMap::default(),
            by_key: FxMap::default(),
            next_id: 0,
            dirty: FxMap::default(),
            flagged: HashSet::new(),
        })
    }

    /// The buffered rows (Spark counts each once: the keys of keyWithIndexToValue).
    pub fn state_rows(&self) -> usize {
        self.rows.len()
    }

    pub fn memory_bytes(&self) -> usize {
        self.rows.values().map(|s| s.key.len() + s.row.len() + 48).sum()
    }

    /// The ids of a join key's rows, in index order.
    pub fn ids(&self, key: &[u8]) -> &[u64] {
        self.by_key.get(key).map_or(&[], |k| k.ids.as_slice())
    }

    pub fn get(&self, id: u64) -> &Stored {
        &self.rows[&id]
    }

    fn mark_dirty(&mut self, key: &[u8]) {
        if !self.dirty.contains_key(key) {
            let before = self.by_key.get(key).map_or_else(Vec::new, |k| k.ids.clone());
            self.dirty.insert(key.into(), before);
        }
    }

    /// Append a row at the next index of its key.
    pub fn append(&mut self, key: &[u8], partition: usize, row: &[u8], time: Option<i64>, matched: bool) {
        self.mark_dirty(key);
        let id = self.next_id;
        self.next_id += 1;
        self.by_key.entry(key.into()).or_insert_with(|| KeyRows { partition, ids: Vec::new() }).ids.push(id);
        self.rows.insert(id, Stored { key: key.into(), row: row.into(), time, matched });
    }

    pub fn set_matched(&mut self, id: u64) {
        let Some(s) = self.rows.get_mut(&id) else { return };
        if s.matched {
            return;
        }
        s.matched = true;
        let key = s.key.clone();
        self.flagged.insert(id);
        // The key's slot is rewritten with the flag: its key must be among the batch's changes.
        self.mark_dirty(&key);
    }

    /// Remove the rows `ids` (a key's slot takes its last row, as in Spark's removal); returns how many were
    /// buffered.
    pub fn remove_ids(&mut self, ids: &[u64]) -> usize {
        let mut n = 0;
        for id in ids {
            let Some(s) = self.rows.remove(id) else { continue };
            self.mark_dirty(&s.key);
            if let Some(entry) = self.by_key.get_mut(&s.key) {
                if let Some(i) = entry.ids.iter().position(|x| x == id) {
                    entry.ids.swap_remove(i);
                }
                if entry.ids.is_empty() {
                    self.by_key.remove(&s.key);
                }
            }
            n += 1;
        }
        n
    }

    /// Remove the rows whose time is at or below `limit` (µs), key by key as Spark's removal does: a removed
    /// row's index takes the key's last row, which is looked at next. Returns the removed rows in id order.
    pub fn remove_through(&mut self, limit: i64) -> Vec<Stored> {
        let keys: Vec<Box<[u8]>> = self
            .by_key
            .iter()
            .filter(|(_, k)| k.ids.iter().any(|id| self.rows[id].time.is_some_and(|t| t <= limit)))
            .map(|(key, _)| key.clone())
            .collect();
        let mut removed = Vec::new();
        for key in keys {
            self.mark_dirty(&key);
            let entry = self.by_key.get_mut(&key).expect("listed");
            let mut i = 0;
            while i < entry.ids.len() {
                if self.rows[&entry.ids[i]].time.is_some_and(|t| t <= limit) {
                    removed.push(entry.ids.swap_remove(i));
                } else {
                    i += 1;
                }
            }
            if entry.ids.is_empty() {
                self.by_key.remove(&key);
            }
        }
        removed.sort_unstable();
        removed.into_iter().map(|id| self.rows.remove(&id).expect("buffered")).collect()
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

/// Both sides' buffered rows, with the join keys' row format and the partition count.
pub struct JoinState {
    pub left: SideState,
    pub right: SideState,
    keys: RowConverter,
    key_types: Vec<DataType>,
    partitions: usize,
}

/// keyToNumValues: `field<i>` key columns, `value` (the count).
fn count_schema(key_types: &[DataType]) -> SchemaRef {
    let mut f = key_fields(key_types);
    f.push(Field::new("value", DataType::Int64, true));
    Arc::new(Schema::new(f))
}

fn key_fields(key_types: &[DataType]) -> Vec<Field> {
    key_types.iter().enumerate().map(|(i, t)| Field::new(format!("field{i}"), t.clone(), true)).collect()
}

/// keyWithIndexToValue: key columns, `index`, the side's columns, `matched`.
fn indexed_schema(key_types: &[DataType], side: &SideState, values: bool) -> SchemaRef {
    let mut f = key_fields(key_types);
    f.push(Field::new("index", DataType::Int64, true));
    if values {
        f.extend(side.fields.iter().map(|c| c.clone().with_nullable(true)));
        f.push(Field::new("matched", DataType::Boolean, true));
    }
    Arc::new(Schema::new(f))
}

impl JoinState {
    pub fn new(key_types: &[DataType], left: &Schema, right: &Schema, partitions: usize) -> Result<Self> {
        Ok(JoinState {
            left: SideState::new(left)?,
            right: SideState::new(right)?,
            keys: RowConverter::new(key_types.iter().map(|t| SortField::new(t.clone())).collect())?,
            key_types: key_types.to_vec(),
            partitions: partitions.max(1),
        })
    }

    /// The tables the state store keeps: Spark's four stores (keyWithIndexToValue keyed by the key and index).
    pub fn tables(&self) -> Vec<TableSpec> {
        let n = self.key_types.len();
        STORE_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| TableSpec::new(name, if i % 2 == 0 { n } else { n + 1 }))
            .collect()
    }

    pub fn partitions(&self) -> usize {
        self.partitions
    }

    /// The join keys in row format.
    pub fn key_rows(&self, keys: &[ArrayRef]) -> Result<Rows> {
        Ok(self.keys.convert_columns(keys)?)
    }

    pub fn side(&mut self, s: Side) -> &mut SideState {
        match s {
            Side::Left => &mut self.left,
            Side::Right => &mut self.right,
        }
    }

    fn side_ref(&self, s: Side) -> &SideState {
        match s {
            Side::Left => &self.left,
            Side::Right => &self.right,
        }
    }

    /// Forget the previous batch's changes.
    pub fn begin_batch(&mut self) {
        for s in [&mut self.left, &mut self.right] {
            s.dirty.clear();
            s.flagged.clear();
        }
    }

    fn key_columns(&self, keys: &[&[u8]]) -> Result<Vec<ArrayRef>> {
        let parser = self.keys.parser();
        Ok(self.keys.convert_rows(keys.iter().map(|b| parser.parse(b)))?)
    }

    /// keyToNumValues rows: each key with its count.
    fn count_rows(&self, keys: &[(&[u8], i64)]) -> Result<RecordBatch> {
        let mut cols = self.key_columns(&keys.iter().map(|k| k.0).collect::<Vec<_>>())?;
        cols.push(Arc::new(Int64Array::from_iter_values(keys.iter().map(|k| k.1))));
        Ok(RecordBatch::try_new(count_schema(&self.key_types), cols)?)
    }

    /// keyWithIndexToValue rows (`values`) or keys (`!values`): (key, index, id of the row).
    fn indexed_rows(&self, side: Side, rows: &[(&[u8], i64, u64)], values: bool) -> Result<RecordBatch> {
        let state = self.side_ref(side);
        let mut cols = self.key_columns(&rows.iter().map(|r| r.0).collect::<Vec<_>>())?;
        cols.push(Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1))));
        if values {
            let stored: Vec<&Stored> = rows.iter().map(|r| state.get(r.2)).collect();
            cols.extend(state.columns(&stored.iter().map(|s| s.row.as_ref()).collect::<Vec<_>>())?);
            cols.push(Arc::new(BooleanArray::from(stored.iter().map(|s| s.matched).collect::<Vec<_>>())));
        }
        let schema = indexed_schema(&self.key_types, state, values);
        let opts = arrow::array::RecordBatchOptions::new().with_row_count(Some(rows.len()));
        Ok(RecordBatch::try_new_with_options(schema, cols, &opts)?)
    }

    /// The latest batch's changes per partition, as Spark's stores record them: a key's count put or removed, the
    /// (key, index) slots whose row or matched flag changed put, the slots past the key's new count removed.
    pub fn changes(&mut self) -> Result<Vec<PartitionChanges>> {
        let mut out: Vec<PartitionChanges> = vec![Vec::new(); self.partitions];
        for side in [Side::Left, Side::Right] {
            let state = self.side_ref(side);
            let mut dirty: Vec<(&Box<[u8]>, &Vec<u64>)> = state.dirty.iter().collect();
            dirty.sort_unstable_by(|a, b| a.0.cmp(b.0));
            // Per partition: counts put, keys removed, slots put, slots removed.
            type Slots<'a> = Vec<(&'a [u8], i64, u64)>;
            let mut per: Vec<(Vec<(&[u8], i64)>, Vec<(&[u8], i64)>, Slots, Slots)> =
                (0..self.partitions).map(|_| Default::default()).collect();
            for (key, before) in dirty {
                let (partition, now) = match state.by_key.get(key) {
                    Some(k) => (k.partition, k.ids.as_slice()),
                    None => match before.first() {
                        // Gone: its partition is the one its rows were in.
                        Some(_) => (self.partition_of(key)?, &[][..]),
                        None => continue,
                    },
                };
                let p = &mut per[partition];
                if now.len() != before.len() {
                    if now.is_empty() {
                        p.1.push((key, 0));
                    } else {
                        p.0.push((key, now.len() as i64));
                    }
                }
                for (i, id) in now.iter().enumerate() {
                    if before.get(i) != Some(id) || state.flagged.contains(id) {
                        p.2.push((key, i as i64, *id));
                    }
                }
                for i in now.len()..before.len() {
                    p.3.push((key, i as i64, 0));
                }
            }
            let t = count_table(side);
            for (partition, (counts, gone, slots, freed)) in per.into_iter().enumerate() {
                let changes = &mut out[partition];
                if !counts.is_empty() {
                    changes.push((t, Change::Upsert(self.count_rows(&counts)?)));
                }
                if !gone.is_empty() {
                    let keys = self.key_columns(&gone.iter().map(|g| g.0).collect::<Vec<_>>())?;
                    let schema = Arc::new(Schema::new(key_fields(&self.key_types)));
                    changes.push((t, Change::Delete(RecordBatch::try_new(schema, keys)?)));
                }
                if !slots.is_empty() {
                    changes.push((t + 1, Change::Upsert(self.indexed_rows(side, &slots, true)?)));
                }
                if !freed.is_empty() {
                    changes.push((t + 1, Change::Delete(self.indexed_rows(side, &freed, false)?)));
                }
            }
        }
        self.begin_batch();
        Ok(out)
    }

    /// Spark's partition of a join key given in row format.
    fn partition_of(&self, key: &[u8]) -> Result<usize> {
        let cols = self.key_columns(&[key])?;
        Ok(crate::stream::state::partition::key_partitions(&cols, 1, self.partitions)[0])
    }

    /// The whole state: per partition, the four stores' rows.
    pub fn snapshot(&self) -> Result<Vec<Vec<RecordBatch>>> {
        let mut out = Vec::with_capacity(self.partitions);
        for partition in 0..self.partitions {
            let mut tables = Vec::with_capacity(4);
            for side in [Side::Left, Side::Right] {
                let state = self.side_ref(side);
                let mut keys: Vec<(&Box<[u8]>, &KeyRows)> =
                    state.by_key.iter().filter(|(_, k)| k.partition == partition).collect();
                keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let counts: Vec<(&[u8], i64)> = keys.iter().map(|(k, r)| (k.as_ref(), r.ids.len() as i64)).collect();
                let slots: Vec<(&[u8], i64, u64)> = keys
                    .iter()
                    .flat_map(|(k, r)| r.ids.iter().enumerate().map(move |(i, id)| (k.as_ref(), i as i64, *id)))
                    .collect();
                tables.push(self.count_rows(&counts)?);
                tables.push(self.indexed_rows(side, &slots, true)?);
            }
            out.push(tables);
        }
        Ok(out)
    }

    /// Load the state the store read back (per partition, the four stores). `times` gives the eviction time of a
    /// side's rows from their columns and join keys. A key's rows take their indices' order.
    pub fn restore(
        &mut self,
        parts: &[Vec<RecordBatch>],
        times: impl Fn(Side, &RecordBatch, &[ArrayRef]) -> Vec<Option<i64>>,
    ) -> Result<()> {
        let nkeys = self.key_types.len();
        for (partition, tables) in parts.iter().enumerate() {
            if tables.len() != STORE_NAMES.len() {
                return Err(EmberError::execution(format!(
                    "The stream-stream join's state in this checkpoint has {} store(s) per partition where ember \
                     keeps Spark's four ({}): it was written by an earlier ember, which kept both sides in one \
                     'default' store. Start the query with a new checkpoint location.",
                    tables.len(),
                    STORE_NAMES.join(", ")
                )));
            }
            for side in [Side::Left, Side::Right] {
                let b = &tables[count_table(side) + 1];
                let nvalues = self.side_ref(side).fields.len();
                if b.num_columns() != nkeys + nvalues + 2 {
                    return Err(EmberError::execution(format!(
                        "The stream-stream join's store {} has {} columns where {} are expected",
                        STORE_NAMES[count_table(side) + 1],
                        b.num_columns(),
                        nkeys + nvalues + 2
                    )));
                }
                let key_cols = b.columns()[..nkeys].to_vec();
                let index = b.column(nkeys).as_primitive::<Int64Type>();
                let values = b.project(&(nkeys + 1..nkeys + 1 + nvalues).collect::<Vec<_>>())?;
                let matched = b.column(nkeys + 1 + nvalues).as_boolean();
                let key_rows = self.keys.convert_columns(&key_cols)?;
                let when = times(side, &values, &key_cols);
                let state = self.side(side);
                let encoded = state.encode(&values)?;
                let mut order: Vec<usize> = (0..b.num_rows()).collect();
                order.sort_by(|&x, &y| key_rows.row(x).cmp(&key_rows.row(y)).then(index.value(x).cmp(&index.value(y))));
                for i in order {
                    let matched = matched.is_valid(i) && matched.value(i);
                    state.append(key_rows.row(i).as_ref(), partition, encoded.row(i).as_ref(), when[i], matched);
                }
            }
        }
        self.begin_batch();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringArray};

    fn side_schema() -> Schema {
        Schema::new(vec![Field::new("k", DataType::Utf8, true), Field::new("v", DataType::Int32, true)])
    }

    fn state() -> JoinState {
        JoinState::new(&[DataType::Utf8], &side_schema(), &side_schema(), 2).unwrap()
    }

    fn add(s: &mut JoinState, side: Side, k: &str, v: i32, time: i64) {
        let b = RecordBatch::try_new(
            Arc::new(side_schema()),
            vec![Arc::new(StringArray::from(vec![k])), Arc::new(Int32Array::from(vec![v]))],
        )
        .unwrap();
        let key: Vec<ArrayRef> = vec![b.column(0).clone()];
        let kr = s.key_rows(&key).unwrap();
        let p = crate::stream::state::partition::key_partitions(&key, 1, 2)[0];
        let rows = s.side(side).encode(&b).unwrap();
        s.side(side).append(kr.row(0).as_ref(), p, rows.row(0).as_ref(), Some(time), false);
    }

    fn values_of(b: &RecordBatch) -> Vec<(String, i64, i32)> {
        let k = b.column(0).as_string::<i32>();
        let i = b.column(1).as_primitive::<Int64Type>();
        let v = b.column(3).as_primitive::<arrow::datatypes::Int32Type>();
        let mut out: Vec<_> = (0..b.num_rows()).map(|r| (k.value(r).to_string(), i.value(r), v.value(r))).collect();
        out.sort();
        out
    }

    #[test]
    fn a_removed_row_takes_the_last_index_and_restore_keeps_the_indices() {
        let mut s = state();
        for (v, t) in [(1, 10), (2, 50), (3, 20), (4, 60)] {
            add(&mut s, Side::Left, "a", v, t);
        }
        s.changes().unwrap();
        // Rows 1 (index 0) and 3 (index 2) go: 4 fills index 0, then index 2 is past the new count.
        let gone = s.left.remove_through(30);
        assert_eq!(gone.len(), 2);
        let changes = s.changes().unwrap();
        let p = crate::stream::state::partition::key_partitions(&[Arc::new(StringArray::from(vec!["a"]))], 1, 2)[0];
        assert!(changes[1 - p].is_empty());
        let kinds: Vec<(usize, &'static str, usize)> = changes[p]
            .iter()
            .map(|(t, c)| match c {
                Change::Upsert(b) => (*t, "put", b.num_rows()),
                Change::Delete(b) => (*t, "remove", b.num_rows()),
            })
            .collect();
        assert_eq!(kinds, vec![(0, "put", 1), (1, "put", 1), (1, "remove", 2)]);
        let snap = s.snapshot().unwrap();
        assert_eq!(values_of(&snap[p][1]), vec![("a".into(), 0, 4), ("a".into(), 1, 2)]);
        let mut back = state();
        back.restore(&snap, |_, b, _| vec![Some(0); b.num_rows()]).unwrap();
        assert_eq!(values_of(&back.snapshot().unwrap()[p][1]), values_of(&snap[p][1]));
        assert!(back.restore(&[vec![snap[p][0].clone()]], |_, b, _| vec![None; b.num_rows()]).is_err());
        // A matched flag set alone (no row added or removed under the key) is a change of its slot.
        let id = s.left.ids(s.left.by_key.keys().next().unwrap()).to_vec()[1];
        s.left.set_matched(id);
        let changes = s.changes().unwrap();
        assert!(matches!(changes[p].as_slice(), [(1, Change::Upsert(b))] if b.num_rows() == 1));
    }
}
