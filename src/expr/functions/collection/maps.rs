//! Map functions beyond the constructor: `map_from_arrays`, `map_from_entries`, `map_entries`, `map_concat`,
//! `map_contains_key`, `str_to_map`. New maps reject null and duplicate keys (Spark's default EXCEPTION policy).
use crate::expr::functions::misc::support::arg_sql;
use std::cmp::Ordering;
use std::sync::Arc;

use arrow::array::{
    make_comparator, Array, ArrayRef, AsArray, BooleanArray, ListArray, MapArray, StringBuilder, UInt32Array,
};
use arrow::buffer::NullBuffer;
use arrow::compute::SortOptions;
use arrow::datatypes::{DataType, Field, Fields};

use super::build_map;
use crate::error::{EmberError, Result};
use crate::expr::coercion::{find_wider_common_type, tightest_common_type};
use crate::expr::functions::misc::support::{any_nullable, map_columnar, sql_type, Builtin, Expect};
use crate::expr::functions::string::pattern::{java_split, RegexCache};
use crate::expr::functions::{check_arg_count, FunctionRegistry, Signature};
use crate::types::{array_type, map_type};

fn kv_types(dt: &DataType) -> Option<(Field, Field)> {
    match dt {
        DataType::Map(e, _) => match e.data_type() {
            DataType::Struct(kv) => Some((kv[0].as_ref().clone(), kv[1].as_ref().clone())),
            _ => None,
        },
        _ => None,
    }
}

/// Map rows from flat key/value columns and per-row ranges; a null row stays null.
fn maps_from_ranges(keys: &ArrayRef, values: &ArrayRef, ranges: &[Option<(usize, usize)>]) -> Result<ArrayRef> {
    let mut idx = Vec::new();
    let mut offsets = vec![0i32];
    for r in ranges {
        if let Some((s, e)) = r {
            idx.extend(*s as u32..*e as u32);
        }
        offsets.push(idx.len() as i32);
    }
    let idx = UInt32Array::from(idx);
    let k = arrow::compute::take(keys.as_ref(), &idx, None)?;
    let v = arrow::compute::take(values.as_ref(), &idx, None)?;
    let valid = NullBuffer::from(ranges.iter().map(|r| r.is_some()).collect::<Vec<_>>());
    build_map(k, v, offsets, Some(valid))
}

fn map_from_arrays_fn() -> Builtin {
    Builtin::new(
        "map_from_arrays",
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let (DataType::List(kf), DataType::List(vf)) = (&a[0].data_type, &a[1].data_type) else {
                let bad = if matches!(a[0].data_type, DataType::List(_)) { 1 } else { 0 };
                return Err(c.mismatch(bad, "\"ARRAY\"", &a[bad]));
            };
            Ok(Signature {
                arg_types: vec![a[0].data_type.clone(), a[1].data_type.clone()],
                return_type: map_type(kf.data_type().clone(), vf.data_type().clone(), vf.is_nullable()),
                nullable: any_nullable(a),
            })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let (k, v) = (x[0].as_list::<i32>(), x[1].as_list::<i32>());
                let (ok, ov) = (k.value_offsets(), v.value_offsets());
                let mut kidx = Vec::new();
                let mut vidx = Vec::new();
                let mut ranges = Vec::with_capacity(n);
                for i in 0..n {
                    if k.is_null(i) || v.is_null(i) {
                        ranges.push(None);
                        continue;
                    }
                    let (kl, vl) = (ok[i + 1] - ok[i], ov[i + 1] - ov[i]);
                    if kl != vl {
                        return Err(EmberError::execution_class(
                            "MAP_FROM_ARRAYS_LENGTH_MISMATCH",
                            "The key array and value array of MapFromArrays should have the same length. SQLSTATE: 22000",
                        ));
                    }
                    let s = kidx.len();
                    kidx.extend(ok[i] as u32..ok[i + 1] as u32);
                    vidx.extend(ov[i] as u32..ov[i + 1] as u32);
                    ranges.push(Some((s, kidx.len())));
                }
                let keys = arrow::compute::take(k.values().as_ref(), &UInt32Array::from(kidx), None)?;
                let vals = arrow::compute::take(v.values().as_ref(), &UInt32Array::from(vidx), None)?;
                maps_from_ranges(&keys, &vals, &ranges)
            })
        },
    )
}

fn map_entries_fn() -> Builtin {
    Builtin::new(
        "map_entries",
        |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            let (k, v) = kv_types(&a[0].data_type).ok_or_else(|| c.mismatch(0, "\"MAP\"", &a[0]))?;
            let st = DataType::Struct(Fields::from(vec![k.with_name("key"), v.with_name("value")]));
            Ok(Signature {
                arg_types: vec![a[0].data_type.clone()],
                return_type: array_type(st, false),
                nullable: a[0].nullable,
            })
        },
        |args, n, _| {
            map_columnar(args, n, |x, _| {
                let m = x[0].as_map();
                let entries: ArrayRef = Arc::new(m.entries().clone());
                let f = Arc::new(Field::new("element", entries.data_type().clone(), false));
                Ok(Arc::new(ListArray::try_new(f, m.offsets().clone(), entries, m.nulls().cloned())?) as ArrayRef)
            })
        },
    )
}

fn map_from_entries_fn() -> Builtin {
    Builtin::new(
        "map_from_entries",
        |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            let kv = match &a[0].data_type {
                DataType::List(f) => match f.data_type() {
                    DataType::Struct(fs) if fs.len() == 2 => Some(fs.clone()),
                    _ => None,
                },
                _ => None,
            }
            .ok_or_else(|| c.mismatch(0, "\"ARRAY\" of pair \"STRUCT\"", &a[0]))?;
            Ok(Signature {
                arg_types: vec![a[0].data_type.clone()],
                return_type: map_type(kv[0].data_type().clone(), kv[1].data_type().clone(), kv[1].is_nullable()),
                nullable: a[0].nullable,
            })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let l = x[0].as_list::<i32>();
                let st = l.values().as_struct();
                let o = l.value_offsets();
                let mut ranges = Vec::with_capacity(n);
                for i in 0..n {
                    let (s, e) = (o[i] as usize, o[i + 1] as usize);
                    // A null entry makes the whole map null.
                    if l.is_null(i) || (s..e).any(|j| st.is_null(j)) {
                        ranges.push(None);
                    } else {
                        ranges.push(Some((s, e)));
                    }
                }
                maps_from_ranges(st.column(0), st.column(1), &ranges)
            })
        },
    )
}

fn map_contains_key_fn() -> Builtin {
    Builtin::new(
        "map_contains_key",
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let (k, _) = kv_types(&a[0].data_type).ok_or_else(|| c.mismatch(0, "\"MAP\"", &a[0]))?;
            tightest_common_type(k.data_type(), &a[1].data_type).ok_or_else(|| {
                c.datatype_error(
                    "MAP_FUNCTION_DIFF_TYPES",
                    &format!(
                        "Input to `map_contains_key` should have been \"MAP\" followed by a value with same key type, but it's [\"{}\", \"{}\"].",
                        sql_type(&a[0].data_type),
                        sql_type(&a[1].data_type)
                    ),
                )
            })?;
            Ok(Signature {
                arg_types: vec![a[0].data_type.clone(), k.data_type().clone()],
                return_type: DataType::Boolean,
                nullable: true,
            })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let m = x[0].as_map();
                let cmp = make_comparator(m.keys().as_ref(), x[1].as_ref(), SortOptions::default())?;
                let o = m.value_offsets();
                let out: BooleanArray = (0..n)
                    .map(|i| {
                        if m.is_null(i) || x[1].is_null(i) {
                            None
                        } else {
                            Some((o[i] as usize..o[i + 1] as usize).any(|j| cmp(j, i) == Ordering::Equal))
                        }
                    })
                    .collect();
                Ok(Arc::new(out) as ArrayRef)
            })
        },
    )
}

fn map_concat_fn() -> Builtin {
    Builtin::new(
        "map_concat",
        |c, a| {
            for (i, x) in a.iter().enumerate() {
                if kv_types(&x.data_type).is_none() {
                    return Err(c.mismatch(i, "\"MAP\"", x));
                }
            }
            let types: Vec<DataType> = a.iter().map(|x| x.data_type.clone()).collect();
            let t = if a.is_empty() {
                map_type(DataType::Utf8, DataType::Utf8, false)
            } else {
                find_wider_common_type(&types).ok_or_else(|| {
                    c.datatype_error(
                        "DATA_DIFF_TYPES",
                        &format!(
                            "Input to `map_concat` should all be the same type, but it's ({}).",
                            types.iter().map(|t| format!("\"{}\"", sql_type(t))).collect::<Vec<_>>().join(" or ")
                        ),
                    )
                })?
            };
            Ok(Signature { arg_types: vec![t.clone(); a.len()], return_type: t, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let maps: Vec<&MapArray> = x.iter().map(|m| m.as_map()).collect();
                let keys: Vec<&dyn Array> = maps.iter().map(|m| m.keys().as_ref()).collect();
                let vals: Vec<&dyn Array> = maps.iter().map(|m| m.values().as_ref()).collect();
                let mut pick = Vec::new();
                let mut offsets = vec![0i32];
                let mut valid = Vec::with_capacity(n);
                for i in 0..n {
                    let ok = maps.iter().all(|m| !m.is_null(i));
                    if ok {
                        for (k, m) in maps.iter().enumerate() {
                            let o = m.value_offsets();
                            pick.extend((o[i] as usize..o[i + 1] as usize).map(|j| (k, j)));
                        }
                    }
                    valid.push(ok);
                    offsets.push(pick.len() as i32);
                }
                let k = arrow::compute::interleave(&keys, &pick)?;
                let v = arrow::compute::interleave(&vals, &pick)?;
                build_map(k, v, offsets, Some(NullBuffer::from(valid)))
            })
        },
    )
}

/// `str_to_map(text, pairDelim = ',', keyValueDelim = ':')`: both delimiters are regexes.
fn str_to_map_fn() -> Builtin {
    Builtin::new(
        "str_to_map",
        |c, a| {
            check_arg_count(c.name, a, 1, 3)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::String])?;
            Ok(Signature {
                arg_types: t,
                return_type: map_type(DataType::Utf8, DataType::Utf8, true),
                nullable: a[0].nullable,
            })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let text = x[0].as_string::<i32>();
                let pd = x.get(1).map(|p| p.as_string::<i32>());
                let kd = x.get(2).map(|p| p.as_string::<i32>());
                let mut kb = StringBuilder::new();
                let mut vb = StringBuilder::new();
                let mut offsets = vec![0i32];
                let mut valid = Vec::with_capacity(n);
                let (mut pc, mut kc) = (RegexCache::new("str_to_map"), RegexCache::new("str_to_map"));
                let (mut pairs, mut kv) = (Vec::new(), Vec::new());
                let mut count = 0;
                for i in 0..n {
                    let p = pd.map(|p| if p.is_null(i) { None } else { Some(p.value(i)) }).unwrap_or(Some(","));
                    let k = kd.map(|p| if p.is_null(i) { None } else { Some(p.value(i)) }).unwrap_or(Some(":"));
                    let (false, Some(p), Some(k)) = (text.is_null(i), p, k) else {
                        valid.push(false);
                        offsets.push(count);
                        continue;
                    };
                    let s = text.value(i);
                    java_split(s, pc.get(p)?, p.is_empty(), -1, &mut pairs);
                    for pair in &pairs {
                        java_split(pair, kc.get(k)?, k.is_empty(), 2, &mut kv);
                        kb.append_value(kv[0]);
                        match kv.get(1) {
                            Some(v) => vb.append_value(v),
                            None => vb.append_null(),
                        }
                        count += 1;
                    }
                    valid.push(true);
                    offsets.push(count);
                }
                let keys: ArrayRef = Arc::new(kb.finish());
                let vals: ArrayRef = Arc::new(vb.finish());
                build_map(keys, vals, offsets, Some(NullBuffer::from(valid)))
            })
        },
    )
    .display_with(|n, a| {
        let p = a.get(1).cloned().unwrap_or_else(|| ",".into());
        let k = a.get(2).cloned().unwrap_or_else(|| ":".into());
        format!("{n}({}, {p}, {k})", arg_sql(a, 0))
    })
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(map_from_arrays_fn());
    r.scalar(map_entries_fn());
    r.scalar(map_from_entries_fn());
    r.scalar(map_contains_key_fn());
    r.scalar(map_concat_fn());
    r.scalar(str_to_map_fn());
}
