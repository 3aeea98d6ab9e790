//! Dense per-batch ids for low-cardinality group keys. Each key column's distinct values are numbered by their
//! native value (integers and times by value, strings by bytes, structs by their fields' ids), then the columns'
//! numbers are combined; the aggregation row-encodes one row per distinct key instead of every row. Streaming
//! window aggregations (a window struct and a category or two) are the case this is for.
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::DataType;

use crate::exec::hashing::FxHasher;
use crate::exec::string_slots::{self, StringSlots};

type IdMap<K> = HashMap<K, u32, BuildHasherDefault<FxHasher>>;

/// Ids of one column or of several combined: per row an id below `distinct`.
struct Ids {
    ids: Vec<u32>,
    distinct: u32,
}

/// Per-row ids (dense, in order of first appearance) of the distinct keys of `cols` taken together, and the first
/// row holding each id. None when a column's type is not one this handles (floats: their grouping equality is not
/// bitwise) or any column, or the keys together, take more than `limit` distinct values.
pub fn key_ids(cols: &[ArrayRef], limit: usize) -> Option<(Vec<u32>, Vec<u32>)> {
    let rows = cols.first()?.len();
    let mut combined: Option<Ids> = None;
    for c in cols {
        let ids = column_ids(c.as_ref(), limit)?;
        combined = Some(match combined {
            None => ids,
            Some(prev) => combine(&prev, &ids, limit)?,
        });
    }
    let combined = combined?;
    // Renumber in order of first appearance (the order groups are created in) and note each id's first row.
    let mut dense = vec![u32::MAX; combined.distinct as usize];
    let mut firsts = Vec::new();
    let mut out = Vec::with_capacity(rows);
    for (row, &id) in combined.ids.iter().enumerate() {
        let d = &mut dense[id as usize];
        if *d == u32::MAX {
            *d = firsts.len() as u32;
            firsts.push(row as u32);
        }
        out.push(*d);
    }
    Some((out, firsts))
}

/// Ids of `a` and `b` together: a direct table when the product of their counts is small, else a map.
fn combine(a: &Ids, b: &Ids, limit: usize) -> Option<Ids> {
    let width = b.distinct as u64;
    let pairs = a.distinct as u64 * width;
    let mut ids = Vec::with_capacity(a.ids.len());
    let mut distinct = 0u32;
    if pairs <= 1 << 16 {
        let mut table = vec![u32::MAX; pairs as usize];
        for (&x, &y) in a.ids.iter().zip(&b.ids) {
            let t = &mut table[(x as u64 * width + y as u64) as usize];
            if *t == u32::MAX {
                *t = distinct;
                distinct += 1;
            }
            ids.push(*t);
        }
    } else {
        let mut map: IdMap<u64> = IdMap::default();
        for (&x, &y) in a.ids.iter().zip(&b.ids) {
            let next = map.len() as u32;
            ids.push(*map.entry(x as u64 * width + y as u64).or_insert(next));
        }
        distinct = map.len() as u32;
    }
    (distinct as usize <= limit).then_some(Ids { ids, distinct })
}

/// Number values by `key` (called per non-null row). A direct-mapped cache in front of the map, indexed by
/// `slot(key)` (below 256), answers repeated values without hashing; nulls share one id.
fn number<K: std::hash::Hash + Eq + Copy>(
    rows: usize,
    nulls: Option<&NullBuffer>,
    limit: usize,
    slot: impl Fn(K) -> usize,
    key: impl Fn(usize) -> K,
) -> Option<Ids> {
    let mut map: IdMap<K> = IdMap::default();
    let mut cache: Vec<Option<(K, u32)>> = vec![None; 256];
    let (mut distinct, mut null_id) = (0u32, None);
    let mut ids = Vec::with_capacity(rows);
    for i in 0..rows {
        if nulls.is_some_and(|n| n.is_null(i)) {
            ids.push(*null_id.get_or_insert_with(|| {
                distinct += 1;
                distinct - 1
            }));
            continue;
        }
        let k = key(i);
        let c = &mut cache[slot(k) & 255];
        if let Some((ck, cid)) = *c {
            if ck == k {
                ids.push(cid);
                continue;
            }
        }
        let id = *map.entry(k).or_insert_with(|| {
            distinct += 1;
            distinct - 1
        });
        if distinct as usize > limit {
            return None;
        }
        *c = Some((k, id));
        ids.push(id);
    }
    Some(Ids { ids, distinct })
}

/// A cache slot for an integer key: the top byte of a multiplicative hash.
#[inline(always)]
fn int_slot(v: i64) -> usize {
    ((v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize
}

/// `number` for strings: the few distinct values of a category column are found by `StringSlots`, the rest by hash.
fn number_strings(s: &arrow::array::StringArray, nulls: Option<&NullBuffer>, limit: usize) -> Option<Ids> {
    let (data, offsets) = (s.value_data(), s.value_offsets());
    let mut slots: StringSlots<u32> = StringSlots::new();
    let mut map: IdMap<&[u8]> = IdMap::default();
    let (mut distinct, mut null_id) = (0u32, None);
    let mut ids = Vec::with_capacity(s.len());
    for i in 0..s.len() {
        if nulls.is_some_and(|n| n.is_null(i)) {
            ids.push(*null_id.get_or_insert_with(|| {
                distinct += 1;
                distinct - 1
            }));
            continue;
        }
        let p = string_slots::probe(data, offsets[i] as usize, offsets[i + 1] as usize);
        if let Some(id) = slots.get(&p) {
            ids.push(id);
            continue;
        }
        let id = match map.get(p.value) {
            Some(&id) => id,
            None => {
                let id = distinct;
                distinct += 1;
                if distinct as usize > limit {
                    return None;
                }
                if !slots.insert(&p, id) {
                    map.insert(p.value, id);
                }
                id
            }
        };
        ids.push(id);
    }
    Some(Ids { ids, distinct })
}

fn column_ids(col: &dyn Array, limit: usize) -> Option<Ids> {
    let rows = col.len();
    let nulls = col.logical_nulls();
    let nulls = nulls.as_ref().filter(|n| n.null_count() > 0);
    match col.data_type() {
        DataType::Int8 => {
            let v = col.as_primitive::<arrow::datatypes::Int8Type>().values();
            number(rows, nulls, limit, |k| int_slot(k as i64), |i| v[i])
        }
        DataType::Int16 => {
            let v = col.as_primitive::<arrow::datatypes::Int16Type>().values();
            number(rows, nulls, limit, |k| int_slot(k as i64), |i| v[i])
        }
        DataType::Int32 | DataType::Date32 => {
            let data = col.to_data();
            let values: &[i32] = &data.buffers()[0].typed_data::<i32>()[data.offset()..];
            number(rows, nulls, limit, |k| int_slot(k as i64), |i| values[i])
        }
        DataType::Int64 | DataType::Date64 | DataType::Timestamp(_, _) | DataType::Duration(_) => {
            let data = col.to_data();
            let values: &[i64] = &data.buffers()[0].typed_data::<i64>()[data.offset()..];
            number(rows, nulls, limit, |k| int_slot(k as i64), |i| values[i])
        }
        DataType::Utf8 => number_strings(col.as_string::<i32>(), nulls, limit),
        DataType::Binary => {
            let s = col.as_binary::<i32>();
            number(rows, nulls, limit, |v: &[u8]| v.len(), |i| s.value(i))
        }
        DataType::Struct(_) => {
            let s = col.as_struct();
            let mut combined: Option<Ids> = None;
            for c in s.columns() {
                let ids = column_ids(c.as_ref(), limit)?;
                combined = Some(match combined {
                    None => ids,
                    Some(prev) => combine(&prev, &ids, limit)?,
                });
            }
            // A null struct is one value whatever its fields hold; an empty struct has one non-null value.
            let fields = combined.unwrap_or(Ids { ids: vec![0; rows], distinct: 1 });
            match nulls {
                None => Some(fields),
                Some(n) => {
                    let null_id = fields.distinct;
                    let ids =
                        fields.ids.iter().enumerate().map(|(i, &id)| if n.is_null(i) { null_id } else { id }).collect();
                    Some(Ids { ids, distinct: null_id + 1 })
                }
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringArray, StructArray, TimestampMicrosecondArray};
    use arrow::datatypes::{Field, Fields};
    use arrow::row::{RowConverter, SortField};
    use std::sync::Arc;

    /// Ids agree with row-format equality: two rows share an id exactly when their encoded keys are equal.
    fn agrees_with_row_format(cols: &[ArrayRef]) {
        let (ids, firsts) = key_ids(cols, 1000).expect("handled");
        let conv = RowConverter::new(cols.iter().map(|c| SortField::new(c.data_type().clone())).collect()).unwrap();
        let rows = conv.convert_columns(cols).unwrap();
        for i in 0..ids.len() {
            for j in 0..ids.len() {
                assert_eq!(ids[i] == ids[j], rows.row(i) == rows.row(j), "rows {i} and {j}");
            }
        }
        for (id, &first) in firsts.iter().enumerate() {
            assert_eq!(ids[first as usize], id as u32);
            assert!(ids[..first as usize].iter().all(|&x| x != id as u32), "first appearance");
        }
    }

    #[test]
    fn window_struct_and_category_keys() {
        let start = TimestampMicrosecondArray::from(vec![Some(0), Some(60), Some(0), Some(60), Some(0), None, Some(0)]);
        let end = TimestampMicrosecondArray::from(vec![Some(60), Some(120), Some(60), Some(120), Some(60), None, None]);
        let fields = Fields::from(vec![
            Field::new("start", start.data_type().clone(), true),
            Field::new("end", end.data_type().clone(), true),
        ]);
        let nulls = NullBuffer::from(vec![true, true, true, true, false, true, true]);
        let window: ArrayRef =
            Arc::new(StructArray::new(fields, vec![Arc::new(start) as ArrayRef, Arc::new(end)], Some(nulls)));
        let kind: ArrayRef =
            Arc::new(StringArray::from(vec![Some("a"), Some("a"), Some("b"), Some("a"), None, Some("a"), Some("b")]));
        let user: ArrayRef =
            Arc::new(Int32Array::from(vec![Some(1), Some(1), Some(1), Some(1), Some(1), None, Some(-1)]));
        agrees_with_row_format(&[window.clone(), kind.clone()]);
        agrees_with_row_format(&[window, kind.clone(), user.clone()]);
        agrees_with_row_format(&[user]);
        let (ids, firsts) = key_ids(&[kind.clone()], 1000).unwrap();
        assert_eq!((ids, firsts), (vec![0, 0, 1, 0, 2, 0, 1], vec![0, 2, 4]));
    }

    #[test]
    fn too_many_distinct_values_or_float_keys_are_not_handled() {
        let many: ArrayRef = Arc::new(Int32Array::from((0..100).collect::<Vec<i32>>()));
        assert!(key_ids(&[many.clone()], 50).is_none());
        assert!(key_ids(&[many], 100).is_some());
        let floats: ArrayRef = Arc::new(arrow::array::Float64Array::from(vec![0.0, -0.0]));
        assert!(key_ids(&[floats], 100).is_none());
    }
}
