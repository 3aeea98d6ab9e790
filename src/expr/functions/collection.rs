//! Array, map and struct functions: constructors (`array`, `map`, `struct`, `named_struct`) and element access and
//! transforms (`element_at`, `size`, `sort_array`, `array_distinct` …) with Spark's null and index rules.
pub mod maps;
pub mod sets;
use crate::expr::functions::misc::support::arg_sql;
use std::cmp::Ordering;
use std::sync::Arc;

use arrow::array::{
    make_comparator, new_null_array, Array, ArrayRef, AsArray, BooleanArray, Int32Array, Int64Array, ListArray,
    MapArray, StructArray, UInt32Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::SortOptions;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Int32Type};

use super::misc::common_type;
use super::misc::support::{any_nullable, literal_str, map_columnar, sql_type, Builtin, Call, Expect};
use super::string::{build_str, sv};
use super::{check_arg_count, ArgInfo, FunctionRegistry, Signature};
use crate::error::{EmberError, Result};
use crate::expr::coercion::{find_wider_common_type, tightest_common_type};
use crate::expr::physical::ColumnarValue;
use crate::types::{array_type, map_type};

fn element_field(dt: &DataType) -> FieldRef {
    match dt {
        DataType::List(f) => f.clone(),
        _ => Arc::new(Field::new("element", DataType::Null, true)),
    }
}

fn element_type(dt: &DataType) -> DataType {
    element_field(dt).data_type().clone()
}

/// Floats with -0.0 folded into 0.0, as Spark's equality treats them alike (NaN already equals NaN in the
/// total order the comparators use).
pub(crate) fn normalize_zero(a: &ArrayRef) -> ArrayRef {
    match a.data_type() {
        DataType::Float64 => Arc::new(
            a.as_primitive::<arrow::datatypes::Float64Type>().unary::<_, arrow::datatypes::Float64Type>(|v| v + 0.0),
        ),
        DataType::Float32 => Arc::new(
            a.as_primitive::<arrow::datatypes::Float32Type>().unary::<_, arrow::datatypes::Float32Type>(|v| v + 0.0),
        ),
        _ => a.clone(),
    }
}

/// Whether two elements are equal (Spark's ordering-based equality).
fn same(cmp: &dyn Fn(usize, usize) -> Ordering, i: usize, j: usize) -> bool {
    cmp(i, j) == Ordering::Equal
}

/// Rebuild a list column picking element indices (into `values`) per row; `f` returns false for a null row.
fn rebuild(
    list: &ListArray,
    field: FieldRef,
    mut f: impl FnMut(usize, usize, usize, &mut Vec<u32>) -> Result<bool>,
) -> Result<ArrayRef> {
    let mut idx: Vec<u32> = Vec::new();
    let mut offsets = Vec::with_capacity(list.len() + 1);
    offsets.push(0i32);
    let mut valid = Vec::with_capacity(list.len());
    let o = list.value_offsets();
    for i in 0..list.len() {
        let ok = !list.is_null(i) && f(i, o[i] as usize, o[i + 1] as usize, &mut idx)?;
        valid.push(ok);
        offsets.push(idx.len() as i32);
    }
    let values = arrow::compute::take(list.values().as_ref(), &UInt32Array::from(idx), None)?;
    let field = if field.is_nullable() || values.null_count() == 0 {
        field
    } else {
        Arc::new(field.as_ref().clone().with_nullable(true))
    };
    Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::new(offsets.into()), values, Some(NullBuffer::from(valid)))?))
}

/// Reverse each array (used by `reverse`).
pub fn reverse_lists(a: &ArrayRef) -> Result<ArrayRef> {
    let l = a.as_list::<i32>();
    rebuild(l, element_field(a.data_type()), |_, s, e, idx| {
        idx.extend((s..e).rev().map(|x| x as u32));
        Ok(true)
    })
}

fn size_fn(name: &'static str) -> Builtin {
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            match &a[0].data_type {
                DataType::List(_) | DataType::Map(_, _) | DataType::Null => {}
                _ => return Err(c.mismatch(0, "(\"ARRAY\" or \"MAP\")", &a[0])),
            }
            Ok(Signature { arg_types: vec![a[0].data_type.clone()], return_type: DataType::Int32, nullable: false })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let x = &a[0];
                let offs: Option<&[i32]> = match x.data_type() {
                    DataType::List(_) => Some(x.as_list::<i32>().value_offsets()),
                    DataType::Map(_, _) => Some(x.as_map().value_offsets()),
                    _ => None,
                };
                Ok(Arc::new(Int32Array::from_iter_values((0..n).map(|i| match offs {
                    Some(o) if !x.is_null(i) => o[i + 1] - o[i],
                    _ => -1,
                }))))
            })
        },
    )
}

/// `array(a, b, …)`: one array per row of the arguments cast to their common type.
fn array_fn() -> Builtin {
    Builtin::new(
        "array",
        |c, a| {
            let t = if a.is_empty() { DataType::Null } else { common_type(c, a)? };
            let nullable = any_nullable(a) || t == DataType::Null && !a.is_empty();
            Ok(Signature { arg_types: vec![t.clone(); a.len()], return_type: array_type(t, nullable), nullable: false })
        },
        |args, n, _| {
            if args.is_empty() {
                let one = ListArray::try_new(
                    Arc::new(Field::new("element", DataType::Null, true)),
                    OffsetBuffer::new(vec![0, 0].into()),
                    new_null_array(&DataType::Null, 0),
                    None,
                )?;
                return Ok(ColumnarValue::Scalar(Arc::new(one)));
            }
            map_columnar(args, n, |a, n| {
                let k = a.len();
                let pick: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..k).map(move |j| (j, i))).collect();
                let refs: Vec<&dyn Array> = a.iter().map(|x| x.as_ref()).collect();
                let values = arrow::compute::interleave(&refs, &pick)?;
                let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(k, n));
                let field = Arc::new(Field::new("element", values.data_type().clone(), true));
                Ok(Arc::new(ListArray::try_new(field, offsets, values, None)?) as ArrayRef)
            })
        },
    )
}

/// Field name Spark gives a `struct(...)` argument: a column's or alias's name, else `col<n>`.
pub fn struct_field_name(arg: &ArgInfo, index: usize) -> String {
    let sql = arg.sql.as_str();
    let ident = |s: &str| {
        !s.is_empty()
            && (s.len() > 1 && s.starts_with('`') && s.ends_with('`')
                || s.chars().all(|c| c.is_alphanumeric() || c == '_') && !s.chars().next().unwrap().is_ascii_digit())
    };
    if arg.literal.is_none() {
        if let Some(pos) = sql.rfind(" AS ") {
            let tail = &sql[pos + 4..];
            if ident(tail) {
                return tail.trim_matches('`').to_string();
            }
        }
        if sql.split('.').all(ident) {
            let last = sql.rsplit('.').next().unwrap_or(sql);
            return last.trim_matches('`').to_string();
        }
    }
    format!("col{}", index + 1)
}

fn struct_fn() -> Builtin {
    Builtin::new(
        "struct",
        |c, a| {
            check_arg_count(c.name, a, 1, usize::MAX)?;
            let fields: Fields = a
                .iter()
                .enumerate()
                .map(|(i, x)| Field::new(struct_field_name(x, i), x.data_type.clone(), x.nullable))
                .collect();
            Ok(Signature {
                arg_types: a.iter().map(|x| x.data_type.clone()).collect(),
                return_type: DataType::Struct(fields),
                nullable: false,
            })
        },
        |args, n, _| {
            map_columnar(args, n, |a, _| {
                let fields: Fields = a
                    .iter()
                    .enumerate()
                    .map(|(i, x)| Field::new(format!("col{}", i + 1), x.data_type().clone(), true))
                    .collect();
                Ok(Arc::new(StructArray::try_new(fields, a.to_vec(), None)?) as ArrayRef)
            })
        },
    )
}

fn named_struct_fn() -> Builtin {
    Builtin::new(
        "named_struct",
        |c, a| {
            if a.is_empty() || a.len() % 2 == 1 {
                return Err(EmberError::analysis_condition(
                    "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                    [
                        ("functionName", "`named_struct`".to_string()),
                        ("expectedNum", "2n (n > 0)".to_string()),
                        ("actualNum", a.len().to_string()),
                    ],
                ));
            }
            let mut fields = Vec::new();
            for p in a.chunks(2) {
                let name = literal_str(&p[0]).ok_or_else(|| {
                    c.datatype_error(
                        "CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING",
                        &format!("Only foldable `STRING` expressions are allowed to appear at odd position, but they are [\"{}\"].", p[0].sql),
                    )
                })?;
                fields.push(Field::new(name, p[1].data_type.clone(), p[1].nullable));
            }
            Ok(Signature {
                arg_types: a.iter().map(|x| x.data_type.clone()).collect(),
                return_type: DataType::Struct(fields.into()),
                nullable: false,
            })
        },
        |args, n, _| {
            let mut fields = Vec::new();
            let mut values = Vec::new();
            for p in args.chunks(2) {
                let name = p[0].clone().into_array(1)?;
                let name = name.as_string::<i32>().value(0).to_string();
                values.push(p[1].clone());
                fields.push(name);
            }
            map_columnar(&values, n, |a, _| {
                let fs: Fields =
                    fields.iter().zip(a).map(|(f, x)| Field::new(f, x.data_type().clone(), true)).collect();
                Ok(Arc::new(StructArray::try_new(fs, a.to_vec(), None)?) as ArrayRef)
            })
        },
    )
}

fn duplicate_key_error(key: &ArrayRef, j: usize) -> EmberError {
    let shown = arrow::util::display::array_value_to_string(key, j).unwrap_or_default();
    EmberError::execution_class(
        "DUPLICATED_MAP_KEY",
        format!("Duplicate map key {shown} was found, please check the input data. If you want to remove the duplicated keys, you can set \"spark.sql.mapKeyDedupPolicy\" to \"LAST_WIN\" so that the key inserted at last takes precedence. SQLSTATE: 23505"),
    )
}

fn null_key_error() -> EmberError {
    EmberError::execution_class("NULL_MAP_KEY", "Cannot use null as map key. SQLSTATE: 2200E")
}

/// Build a map column from per-entry key and value columns laid out row by row; rejects null and duplicate keys.
pub fn build_map(keys: ArrayRef, values: ArrayRef, offsets: Vec<i32>, valid: Option<NullBuffer>) -> Result<ArrayRef> {
    if keys.null_count() > 0 {
        return Err(null_key_error());
    }
    if matches!(keys.data_type(), DataType::Null) && !keys.is_empty() {
        return Err(null_key_error());
    }
    let cmp = make_comparator(keys.as_ref(), keys.as_ref(), SortOptions::default())?;
    for w in offsets.windows(2) {
        let (s, e) = (w[0] as usize, w[1] as usize);
        for j in s..e {
            for k in s..j {
                if cmp(j, k) == Ordering::Equal {
                    return Err(duplicate_key_error(&keys, j));
                }
            }
        }
    }
    let DataType::Map(entries_field, _) = map_type(keys.data_type().clone(), values.data_type().clone(), true) else {
        unreachable!()
    };
    let DataType::Struct(kv) = entries_field.data_type() else { unreachable!() };
    let entries = StructArray::try_new(kv.clone(), vec![keys, values], None)?;
    Ok(Arc::new(MapArray::try_new(entries_field.clone(), OffsetBuffer::new(offsets.into()), entries, valid, false)?))
}

fn map_fn(name: &'static str) -> Builtin {
    Builtin::new(
        name,
        |c, a| {
            if a.len() % 2 == 1 {
                return Err(EmberError::analysis_condition(
                    "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                    [
                        ("functionName", "`map`".to_string()),
                        ("expectedNum", "2n (n > 0)".to_string()),
                        ("actualNum", a.len().to_string()),
                    ],
                ));
            }
            let keys: Vec<ArgInfo> = a.iter().step_by(2).cloned().collect();
            let vals: Vec<ArgInfo> = a.iter().skip(1).step_by(2).cloned().collect();
            let kt = if keys.is_empty() { DataType::Null } else { common_type(c, &keys)? };
            let vt = if vals.is_empty() { DataType::Null } else { common_type(c, &vals)? };
            let types = a.iter().enumerate().map(|(i, _)| if i % 2 == 0 { kt.clone() } else { vt.clone() }).collect();
            let vnull = any_nullable(&vals) || vt == DataType::Null && !vals.is_empty();
            Ok(Signature { arg_types: types, return_type: map_type(kt, vt, vnull), nullable: false })
        },
        |args, n, _| {
            if args.is_empty() {
                return Ok(ColumnarValue::Scalar(build_map(
                    new_null_array(&DataType::Null, 0),
                    new_null_array(&DataType::Null, 0),
                    vec![0, 0],
                    None,
                )?));
            }
            map_columnar(args, n, |a, n| {
                let k = a.len() / 2;
                let refs_k: Vec<&dyn Array> = a.iter().step_by(2).map(|x| x.as_ref()).collect();
                let refs_v: Vec<&dyn Array> = a.iter().skip(1).step_by(2).map(|x| x.as_ref()).collect();
                let pick: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..k).map(move |j| (j, i))).collect();
                let keys = arrow::compute::interleave(&refs_k, &pick)?;
                let values = arrow::compute::interleave(&refs_v, &pick)?;
                let offsets: Vec<i32> = (0..=n).map(|i| (i * k) as i32).collect();
                build_map(keys, values, offsets, None)
            })
        },
    )
    .display_with(|_, a| format!("map({})", a.join(", ")))
}

/// `array_contains`, `array_position`, `array_remove`: the array's element type and the value share a type.
fn array_and_value(c: &Call, a: &[ArgInfo]) -> Result<(DataType, DataType)> {
    check_arg_count(c.name, a, 2, 2)?;
    if a.iter().any(|x| x.data_type == DataType::Null) {
        return Err(
            c.datatype_error("NULL_TYPE", &format!("Null typed values cannot be used as arguments of `{}`.", c.name))
        );
    }
    let DataType::List(f) = &a[0].data_type else {
        return Err(c.mismatch(0, "\"ARRAY\"", &a[0]));
    };
    let t = tightest_common_type(f.data_type(), &a[1].data_type).ok_or_else(|| {
        c.datatype_error(
            "ARRAY_FUNCTION_DIFF_TYPES",
            &format!(
                "Input to `{}` should have been \"ARRAY\" followed by a value with same element type, but it's [\"{}\", \"{}\"].",
                c.name,
                sql_type(&a[0].data_type),
                sql_type(&a[1].data_type)
            ),
        )
    })?;
    Ok((array_type(t.clone(), f.is_nullable()), t))
}

/// For each row: the array's element range and whether the needle (row `i` of `needle`) equals element `j`.
fn scan_equal(
    list: &ListArray,
    needle: &ArrayRef,
    mut f: impl FnMut(usize, usize, usize, &dyn Fn(usize) -> bool) -> Result<()>,
) -> Result<()> {
    let values = normalize_zero(list.values());
    let needle = normalize_zero(needle);
    let cmp = make_comparator(values.as_ref(), needle.as_ref(), SortOptions::default())?;
    let o = list.value_offsets();
    for i in 0..list.len() {
        let eq = |j: usize| !values.is_null(j) && cmp(j, i) == Ordering::Equal;
        f(i, o[i] as usize, o[i + 1] as usize, &eq)?;
    }
    Ok(())
}

fn array_contains_fn() -> Builtin {
    Builtin::new(
        "array_contains",
        |c, a| {
            let (at, vt) = array_and_value(c, a)?;
            Ok(Signature { arg_types: vec![at, vt], return_type: DataType::Boolean, nullable: true })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let l = a[0].as_list::<i32>();
                let mut out = Vec::with_capacity(n);
                scan_equal(l, &a[1], |i, s, e, eq| {
                    out.push(if l.is_null(i) || a[1].is_null(i) {
                        None
                    } else if (s..e).any(eq) {
                        Some(true)
                    } else if (s..e).any(|j| l.values().is_null(j)) {
                        None
                    } else {
                        Some(false)
                    });
                    Ok(())
                })?;
                Ok(Arc::new(BooleanArray::from(out)) as ArrayRef)
            })
        },
    )
}

fn array_position_fn() -> Builtin {
    Builtin::new(
        "array_position",
        |c, a| {
            let (at, vt) = array_and_value(c, a)?;
            Ok(Signature { arg_types: vec![at, vt], return_type: DataType::Int64, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let l = a[0].as_list::<i32>();
                let mut out = Vec::with_capacity(n);
                scan_equal(l, &a[1], |i, s, e, eq| {
                    out.push(if l.is_null(i) || a[1].is_null(i) {
                        None
                    } else {
                        Some((s..e).position(eq).map(|p| p as i64 + 1).unwrap_or(0))
                    });
                    Ok(())
                })?;
                Ok(Arc::new(Int64Array::from(out)) as ArrayRef)
            })
        },
    )
}

fn array_remove_fn() -> Builtin {
    Builtin::new(
        "array_remove",
        |c, a| {
            let (at, vt) = array_and_value(c, a)?;
            Ok(Signature { arg_types: vec![at.clone(), vt], return_type: at, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |a, _| {
                let l = a[0].as_list::<i32>();
                let values = normalize_zero(l.values());
                let needle = normalize_zero(&a[1]);
                let cmp = make_comparator(values.as_ref(), needle.as_ref(), SortOptions::default())?;
                rebuild(l, element_field(a[0].data_type()), |i, s, e, idx| {
                    if a[1].is_null(i) {
                        return Ok(false);
                    }
                    idx.extend((s..e).filter(|&j| values.is_null(j) || cmp(j, i) != Ordering::Equal).map(|j| j as u32));
                    Ok(true)
                })
            })
        },
    )
}

fn array_only(c: &Call, a: &[ArgInfo], max: usize) -> Result<DataType> {
    check_arg_count(c.name, a, 1, max)?;
    match &a[0].data_type {
        DataType::List(_) => Ok(a[0].data_type.clone()),
        _ => Err(c.mismatch(0, "\"ARRAY\"", &a[0])),
    }
}

fn array_distinct_fn() -> Builtin {
    Builtin::new(
        "array_distinct",
        |c, a| {
            let t = array_only(c, a, 1)?;
            Ok(Signature { arg_types: vec![t.clone()], return_type: t, nullable: a[0].nullable })
        },
        |args, n, _| {
            map_columnar(args, n, |a, _| {
                let l = a[0].as_list::<i32>();
                let values = normalize_zero(l.values());
                let cmp = make_comparator(values.as_ref(), values.as_ref(), SortOptions::default())?;
                rebuild(l, element_field(a[0].data_type()), |_, s, e, idx| {
                    let start = idx.len();
                    for j in s..e {
                        if !idx[start..].iter().any(|&k| same(&cmp, j, k as usize)) {
                            idx.push(j as u32);
                        }
                    }
                    Ok(true)
                })
            })
        },
    )
}

fn array_compact_fn() -> Builtin {
    Builtin::new(
        "array_compact",
        |c, a| {
            let t = array_only(c, a, 1)?;
            let ret = array_type(element_type(&t), false);
            Ok(Signature { arg_types: vec![t], return_type: ret, nullable: a[0].nullable })
        },
        |args, n, _| {
            map_columnar(args, n, |a, _| {
                let l = a[0].as_list::<i32>();
                let values = l.values();
                let f = Arc::new(Field::new("element", element_type(a[0].data_type()), false));
                rebuild(l, f, |_, s, e, idx| {
                    idx.extend((s..e).filter(|&j| !values.is_null(j)).map(|j| j as u32));
                    Ok(true)
                })
            })
        },
    )
}

fn sort_array_fn() -> Builtin {
    Builtin::new(
        "sort_array",
        |c, a| {
            let t = array_only(c, a, 2)?;
            let mut types = vec![t.clone()];
            if let Some(x) = a.get(1) {
                if !matches!(x.data_type, DataType::Boolean) {
                    return Err(c.mismatch(1, "\"BOOLEAN\"", x));
                }
                types.push(DataType::Boolean);
            }
            Ok(Signature { arg_types: types, return_type: t, nullable: a[0].nullable })
        },
        |args, n, _| {
            let asc = match args.get(1) {
                Some(v) => {
                    let v = v.clone().into_array(1)?;
                    v.as_boolean().is_valid(0) && v.as_boolean().value(0)
                }
                None => true,
            };
            map_columnar(&args[..1], n, |a, _| {
                let l = a[0].as_list::<i32>();
                let values = normalize_zero(l.values());
                let opts = SortOptions { descending: !asc, nulls_first: asc };
                let cmp = make_comparator(values.as_ref(), values.as_ref(), opts)?;
                rebuild(l, element_field(a[0].data_type()), |_, s, e, idx| {
                    let start = idx.len();
                    idx.extend((s..e).map(|j| j as u32));
                    idx[start..].sort_by(|x, y| cmp(*x as usize, *y as usize));
                    Ok(true)
                })
            })
        },
    )
    .display_with(|n, a| format!("{n}({}, {})", arg_sql(a, 0), a.get(1).cloned().unwrap_or_else(|| "true".into())))
}

fn array_extreme_fn(name: &'static str) -> Builtin {
    let max = name == "array_max";
    Builtin::new(
        name,
        |c, a| {
            let t = array_only(c, a, 1)?;
            Ok(Signature { arg_types: vec![t.clone()], return_type: element_type(&t), nullable: true })
        },
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let l = a[0].as_list::<i32>();
                let values = l.values();
                let norm = normalize_zero(values);
                let cmp = make_comparator(norm.as_ref(), norm.as_ref(), SortOptions::default())?;
                let o = l.value_offsets();
                let mut pick = Vec::with_capacity(n);
                for i in 0..n {
                    let mut best: Option<usize> = None;
                    if !l.is_null(i) {
                        for j in o[i] as usize..o[i + 1] as usize {
                            if values.is_null(j) {
                                continue;
                            }
                            best = match best {
                                Some(b) if (cmp(j, b) == Ordering::Greater) != max || cmp(j, b).is_eq() => Some(b),
                                _ => Some(j),
                            };
                        }
                    }
                    pick.push(best.map(|b| b as u32));
                }
                Ok(arrow::compute::take(values.as_ref(), &UInt32Array::from(pick), None)?)
            })
        },
    )
}

fn array_join_fn() -> Builtin {
    Builtin::new(
        "array_join",
        |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let ok = match &a[0].data_type {
                DataType::List(f) => super::misc::support::implicit_cast(f.data_type(), &Expect::String).is_some(),
                DataType::Null => true,
                _ => false,
            };
            if !ok {
                return Err(c.mismatch(0, "\"ARRAY<STRING>\"", &a[0]));
            }
            let mut t = vec![array_type(DataType::Utf8, true)];
            t.extend(c.coerce(&a[1..], &[Expect::String, Expect::String])?);
            Ok(Signature { arg_types: t, return_type: DataType::Utf8, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let l = a[0].as_list::<i32>();
                let values = l.values().as_string::<i32>();
                let delim = a[1].as_string::<i32>();
                let rep = a.get(2).map(|r| r.as_string::<i32>());
                let o = l.value_offsets();
                Ok(build_str(n, |i, out| {
                    if l.is_null(i) {
                        return None;
                    }
                    let d = sv(delim, i)?;
                    let r = match rep {
                        Some(r) => Some(sv(r, i)?),
                        None => None,
                    };
                    let mut first = true;
                    for j in o[i] as usize..o[i + 1] as usize {
                        let v = match (sv(values, j), r) {
                            (Some(v), _) => v,
                            (None, Some(r)) => r,
                            (None, None) => continue,
                        };
                        if !first {
                            out.push_str(d);
                        }
                        first = false;
                        out.push_str(v);
                    }
                    Some(())
                }))
            })
        },
    )
}

fn invalid_zero_index() -> EmberError {
    EmberError::execution_class(
        "INVALID_INDEX_OF_ZERO",
        "The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1). SQLSTATE: 22003",
    )
}

fn element_at_fn() -> Builtin {
    Builtin::new(
        "element_at",
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            match &a[0].data_type {
                DataType::List(f) => {
                    let t = c.coerce(&a[1..], &[Expect::Int])?;
                    Ok(Signature {
                        arg_types: vec![a[0].data_type.clone(), t[0].clone()],
                        return_type: f.data_type().clone(),
                        nullable: true,
                    })
                }
                DataType::Map(e, _) => {
                    let DataType::Struct(kv) = e.data_type() else { unreachable!() };
                    let kt = kv[0].data_type().clone();
                    if tightest_common_type(&kt, &a[1].data_type).is_none() {
                        return Err(c.datatype_error(
                            "MAP_FUNCTION_DIFF_TYPES",
                            &format!(
                                "Input to `element_at` should have been \"MAP\" followed by a value with same key type, but it's [\"{}\", \"{}\"].",
                                sql_type(&a[0].data_type),
                                sql_type(&a[1].data_type)
                            ),
                        ));
                    }
                    Ok(Signature {
                        arg_types: vec![a[0].data_type.clone(), kt],
                        return_type: kv[1].data_type().clone(),
                        nullable: true,
                    })
                }
                _ => Err(c.mismatch(0, "(\"ARRAY\" or \"MAP\")", &a[0])),
            }
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let mut pick: Vec<Option<u32>> = Vec::with_capacity(n);
                let values = match a[0].data_type() {
                    DataType::List(_) => {
                        let l = a[0].as_list::<i32>();
                        let idx = a[1].as_primitive::<Int32Type>();
                        let o = l.value_offsets();
                        for i in 0..n {
                            if l.is_null(i) || idx.is_null(i) {
                                pick.push(None);
                                continue;
                            }
                            let (s, e) = (o[i] as i64, o[i + 1] as i64);
                            let k = idx.value(i) as i64;
                            if k == 0 {
                                return Err(invalid_zero_index());
                            }
                            let j = if k > 0 { s + k - 1 } else { e + k };
                            pick.push(if j >= s && j < e { Some(j as u32) } else { None });
                        }
                        l.values().clone()
                    }
                    _ => {
                        let m = a[0].as_map();
                        let keys = m.keys();
                        let cmp = make_comparator(keys.as_ref(), a[1].as_ref(), SortOptions::default())?;
                        let o = m.value_offsets();
                        for i in 0..n {
                            if m.is_null(i) || a[1].is_null(i) {
                                pick.push(None);
                                continue;
                            }
                            let hit = (o[i] as usize..o[i + 1] as usize).find(|&j| cmp(j, i) == Ordering::Equal);
                            pick.push(hit.map(|j| j as u32));
                        }
                        m.values().clone()
                    }
                };
                Ok(arrow::compute::take(values.as_ref(), &UInt32Array::from(pick), None)?)
            })
        },
    )
}

fn map_part_fn(name: &'static str) -> Builtin {
    let keys = name == "map_keys";
    Builtin::new(
        name,
        move |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            let DataType::Map(e, _) = &a[0].data_type else { return Err(c.mismatch(0, "\"MAP\"", &a[0])) };
            let DataType::Struct(kv) = e.data_type() else { unreachable!() };
            let f = if keys { &kv[0] } else { &kv[1] };
            let ret = array_type(f.data_type().clone(), if keys { true } else { f.is_nullable() });
            Ok(Signature { arg_types: vec![a[0].data_type.clone()], return_type: ret, nullable: a[0].nullable })
        },
        move |args, n, _| {
            map_columnar(args, n, |a, _| {
                let m = a[0].as_map();
                let values = if keys { m.keys().clone() } else { m.values().clone() };
                let field = Arc::new(Field::new("element", values.data_type().clone(), true));
                Ok(Arc::new(ListArray::try_new(field, m.offsets().clone(), values, m.nulls().cloned())?) as ArrayRef)
            })
        },
    )
}

fn flatten_fn() -> Builtin {
    Builtin::new(
        "flatten",
        |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            match &a[0].data_type {
                DataType::List(f) if matches!(f.data_type(), DataType::List(_)) => Ok(Signature {
                    arg_types: vec![a[0].data_type.clone()],
                    return_type: f.data_type().clone(),
                    nullable: a[0].nullable || f.is_nullable(),
                }),
                _ => Err(c.datatype_error(
                    "UNEXPECTED_INPUT_TYPE",
                    &format!(
                        "The first parameter requires the \"ARRAY\" of \"ARRAY\" type, however \"{}\" has the type \"{}\".",
                        a[0].sql,
                        sql_type(&a[0].data_type)
                    ),
                )),
            }
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let outer = a[0].as_list::<i32>();
                let inner = outer.values().as_list::<i32>();
                let oo = outer.value_offsets();
                let io = inner.value_offsets();
                let mut idx = Vec::new();
                let mut offsets = vec![0i32];
                let mut valid = Vec::with_capacity(n);
                for i in 0..n {
                    let rows = oo[i] as usize..oo[i + 1] as usize;
                    let ok = !outer.is_null(i) && !rows.clone().any(|r| inner.is_null(r));
                    if ok {
                        for r in rows {
                            idx.extend(io[r] as u32..io[r + 1] as u32);
                        }
                    }
                    valid.push(ok);
                    offsets.push(idx.len() as i32);
                }
                let values = arrow::compute::take(inner.values().as_ref(), &UInt32Array::from(idx), None)?;
                let field = element_field(inner.data_type());
                Ok(Arc::new(ListArray::try_new(
                    field,
                    OffsetBuffer::new(offsets.into()),
                    values,
                    Some(NullBuffer::from(valid)),
                )?) as ArrayRef)
            })
        },
    )
}

fn slice_fn() -> Builtin {
    Builtin::new(
        "slice",
        |c, a| {
            check_arg_count(c.name, a, 3, 3)?;
            let t = array_only(c, &a[..1], 1)?;
            let mut types = vec![t.clone()];
            types.extend(c.coerce(&a[1..], &[Expect::Int, Expect::Int])?);
            Ok(Signature { arg_types: types, return_type: t, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |a, _| {
                let l = a[0].as_list::<i32>();
                let (st, ln) = (a[1].as_primitive::<Int32Type>(), a[2].as_primitive::<Int32Type>());
                rebuild(l, element_field(a[0].data_type()), |i, s, e, idx| {
                    if st.is_null(i) || ln.is_null(i) {
                        return Ok(false);
                    }
                    let (start, len) = (st.value(i) as i64, ln.value(i) as i64);
                    if start == 0 {
                        return Err(EmberError::execution_class(
                            "INVALID_PARAMETER_VALUE.START",
                            "The value of parameter(s) `start` in `slice` is invalid: Expects a positive or a negative value for `start`, but got 0. SQLSTATE: 22023",
                        ));
                    }
                    if len < 0 {
                        return Err(EmberError::execution_class(
                            "INVALID_PARAMETER_VALUE.LENGTH",
                            format!("The value of parameter(s) `length` in `slice` is invalid: Expects `length` greater than or equal to 0, but got {len}. SQLSTATE: 22023"),
                        ));
                    }
                    let count = (e - s) as i64;
                    let from = if start > 0 { start - 1 } else { count + start };
                    if from < 0 || from >= count {
                        return Ok(true);
                    }
                    let to = (from + len).min(count);
                    idx.extend((s as i64 + from..s as i64 + to).map(|j| j as u32));
                    Ok(true)
                })
            })
        },
    )
}

/// Spark's error for an array longer than the largest JVM array, checked before anything is allocated.
fn check_array_length(function: &str, elements: i128) -> Result<()> {
    use super::string::MAX_ROUNDED_ARRAY_LENGTH;
    if elements <= MAX_ROUNDED_ARRAY_LENGTH as i128 {
        return Ok(());
    }
    Err(EmberError::with_condition(
        crate::error::ErrorKind::Execution,
        "COLLECTION_SIZE_LIMIT_EXCEEDED.PARAMETER",
        [
            ("numberOfElements", elements.to_string()),
            ("maxRoundedArrayLength", MAX_ROUNDED_ARRAY_LENGTH.to_string()),
            ("parameter", "`count`".to_string()),
            ("functionName", format!("`{function}`")),
        ],
    ))
}

/// The list offsets of one result column must stay within i32 (an Arrow list column holds 2^31-1 elements).
fn check_list_total(function: &str, total: usize) -> Result<()> {
    if total > i32::MAX as usize {
        return Err(EmberError::execution(format!(
            "The results of {function} in one batch add up to more than {} elements, the most one array column holds.",
            i32::MAX
        )));
    }
    Ok(())
}

fn sequence_fn() -> Builtin {
    Builtin::new(
        "sequence",
        |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let types: Vec<DataType> = a.iter().map(|x| x.data_type.clone()).collect();
            let t = find_wider_common_type(&types)
                .filter(|t| matches!(t, DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64))
                .ok_or_else(|| c.mismatch(0, "\"INTEGRAL\"", &a[0]))?;
            Ok(Signature {
                arg_types: vec![t.clone(); a.len()],
                return_type: array_type(t, false),
                nullable: any_nullable(a),
            })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let elem = a[0].data_type().clone();
                let a: Vec<ArrayRef> = a
                    .iter()
                    .map(|x| arrow::compute::cast(x, &DataType::Int64))
                    .collect::<std::result::Result<_, _>>()?;
                let g = |k: usize, i: usize| {
                    a.get(k).map(|x| {
                        let p = x.as_primitive::<arrow::datatypes::Int64Type>();
                        if p.is_null(i) {
                            None
                        } else {
                            Some(p.value(i))
                        }
                    })
                };
                let mut vals = Vec::new();
                let mut offsets = vec![0i32];
                let mut valid = Vec::with_capacity(n);
                for i in 0..n {
                    let (Some(Some(start)), Some(Some(stop))) = (g(0, i), g(1, i)) else {
                        valid.push(false);
                        offsets.push(vals.len() as i32);
                        continue;
                    };
                    let step = match g(2, i) {
                        Some(Some(s)) => s,
                        Some(None) => {
                            valid.push(false);
                            offsets.push(vals.len() as i32);
                            continue;
                        }
                        None => {
                            if start <= stop {
                                1
                            } else {
                                -1
                            }
                        }
                    };
                    if step == 0 || (step > 0 && start > stop) || (step < 0 && start < stop) {
                        if start == stop {
                            vals.push(start);
                        } else {
                            return Err(EmberError::illegal_argument(format!(
                                "requirement failed: Illegal sequence boundaries: {start} to {stop} by {step}"
                            )));
                        }
                    } else {
                        let len = (stop as i128 - start as i128) / step as i128 + 1;
                        check_array_length("sequence", len)?;
                        check_list_total("sequence", vals.len() + len as usize)?;
                        let mut v = start;
                        while (step > 0 && v <= stop) || (step < 0 && v >= stop) {
                            vals.push(v);
                            match v.checked_add(step) {
                                Some(x) => v = x,
                                None => break,
                            }
                        }
                    }
                    valid.push(true);
                    offsets.push(vals.len() as i32);
                }
                let values = arrow::compute::cast(&(Arc::new(Int64Array::from(vals)) as ArrayRef), &elem)?;
                let field = Arc::new(Field::new("element", elem, false));
                Ok(Arc::new(ListArray::try_new(
                    field,
                    OffsetBuffer::new(offsets.into()),
                    values,
                    Some(NullBuffer::from(valid)),
                )?) as ArrayRef)
            })
        },
    )
}

fn array_repeat_fn() -> Builtin {
    Builtin::new(
        "array_repeat",
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let t = c.coerce(&a[1..], &[Expect::Int])?;
            Ok(Signature {
                arg_types: vec![a[0].data_type.clone(), t[0].clone()],
                return_type: array_type(a[0].data_type.clone(), a[0].nullable),
                nullable: a[1].nullable,
            })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let cnt = a[1].as_primitive::<Int32Type>();
                let mut idx = Vec::new();
                let mut offsets = vec![0i32];
                let mut valid = Vec::with_capacity(n);
                for i in 0..n {
                    valid.push(!cnt.is_null(i));
                    if !cnt.is_null(i) {
                        check_array_length("array_repeat", cnt.value(i) as i128)?;
                        check_list_total("array_repeat", idx.len() + cnt.value(i).max(0) as usize)?;
                        idx.extend(std::iter::repeat_n(i as u32, cnt.value(i).max(0) as usize));
                    }
                    offsets.push(idx.len() as i32);
                }
                let values = arrow::compute::take(a[0].as_ref(), &UInt32Array::from(idx), None)?;
                let field = Arc::new(Field::new("element", values.data_type().clone(), true));
                Ok(Arc::new(ListArray::try_new(
                    field,
                    OffsetBuffer::new(offsets.into()),
                    values,
                    Some(NullBuffer::from(valid)),
                )?) as ArrayRef)
            })
        },
    )
}

/// Element type shared by an array and a value (`array_append`, `array_insert` …).
fn array_with_value(c: &Call, arr: &ArgInfo, val: &ArgInfo) -> Result<(DataType, DataType)> {
    let DataType::List(f) = &arr.data_type else { return Err(c.mismatch(0, "\"ARRAY\"", arr)) };
    let t = find_wider_common_type(&[f.data_type().clone(), val.data_type.clone()]).ok_or_else(|| {
        c.datatype_error(
            "ARRAY_FUNCTION_DIFF_TYPES",
            &format!(
                "Input to `{}` should have been \"ARRAY\" followed by a value with same element type, but it's [\"{}\", \"{}\"].",
                c.name,
                sql_type(&arr.data_type),
                sql_type(&val.data_type)
            ),
        )
    })?;
    Ok((array_type(t.clone(), f.is_nullable() || val.nullable), t))
}

/// Per row: None for a null array, else the elements as (source, index) picks, None for a null element.
type Picks = Vec<Option<Vec<Option<(usize, usize)>>>>;

/// Build list rows from (source, index) picks into `[array values, extra values]`; `None` pick = null element.
fn lists_from_picks(values: &ArrayRef, extra: &ArrayRef, rows: Picks, field: FieldRef) -> Result<ArrayRef> {
    let nulls = new_null_array(values.data_type(), 1);
    let sources: Vec<&dyn Array> = vec![values.as_ref(), extra.as_ref(), nulls.as_ref()];
    let mut pick = Vec::new();
    let mut offsets = vec![0i32];
    let mut valid = Vec::with_capacity(rows.len());
    for r in rows {
        valid.push(r.is_some());
        for p in r.unwrap_or_default() {
            pick.push(p.unwrap_or((2, 0)));
        }
        offsets.push(pick.len() as i32);
    }
    let out = arrow::compute::interleave(&sources, &pick)?;
    let field = if out.null_count() > 0 { Arc::new(field.as_ref().clone().with_nullable(true)) } else { field };
    Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::new(offsets.into()), out, Some(NullBuffer::from(valid)))?))
}

fn array_add_fn(name: &'static str) -> Builtin {
    let front = name == "array_prepend";
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let (at, vt) = array_with_value(c, &a[0], &a[1])?;
            Ok(Signature { arg_types: vec![at.clone(), vt], return_type: at, nullable: a[0].nullable })
        },
        move |args, n, _| {
            map_columnar(args, n, |x, n| {
                let l = x[0].as_list::<i32>();
                let o = l.value_offsets();
                let rows = (0..n)
                    .map(|i| {
                        if l.is_null(i) {
                            return None;
                        }
                        let mut r: Vec<Option<(usize, usize)>> =
                            (o[i] as usize..o[i + 1] as usize).map(|j| Some((0, j))).collect();
                        if front {
                            r.insert(0, Some((1, i)));
                        } else {
                            r.push(Some((1, i)));
                        }
                        Some(r)
                    })
                    .collect();
                lists_from_picks(l.values(), &x[1], rows, element_field(x[0].data_type()))
            })
        },
    )
}

fn array_insert_fn() -> Builtin {
    Builtin::new(
        "array_insert",
        |c, a| {
            check_arg_count(c.name, a, 3, 3)?;
            let (at, vt) = array_with_value(c, &a[0], &a[2])?;
            let pos = c.coerce(&a[1..2], &[Expect::Int])?;
            Ok(Signature {
                arg_types: vec![at.clone(), pos[0].clone(), vt],
                return_type: at,
                nullable: a[0].nullable || a[1].nullable,
            })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let l = x[0].as_list::<i32>();
                let pos = x[1].as_primitive::<Int32Type>();
                let o = l.value_offsets();
                let mut rows = Vec::with_capacity(n);
                for i in 0..n {
                    if l.is_null(i) || pos.is_null(i) {
                        rows.push(None);
                        continue;
                    }
                    let mut r: Vec<Option<(usize, usize)>> =
                        (o[i] as usize..o[i + 1] as usize).map(|j| Some((0, j))).collect();
                    let len = r.len() as i64;
                    let p = pos.value(i) as i64;
                    if p == 0 {
                        return Err(invalid_zero_index());
                    }
                    let at = if p > 0 { p - 1 } else { len + p + 1 };
                    if at > len {
                        r.extend(std::iter::repeat_n(None, (at - len) as usize));
                        r.push(Some((1, i)));
                    } else if at < 0 {
                        let mut front = vec![Some((1, i))];
                        front.extend(std::iter::repeat_n(None, (-at) as usize));
                        front.extend(r);
                        r = front;
                    } else {
                        r.insert(at as usize, Some((1, i)));
                    }
                    rows.push(Some(r));
                }
                lists_from_picks(l.values(), &x[2], rows, element_field(x[0].data_type()))
            })
        },
    )
}

fn array_size_fn() -> Builtin {
    Builtin::new(
        "array_size",
        |c, a| {
            let t = array_only(c, a, 1)?;
            Ok(Signature { arg_types: vec![t], return_type: DataType::Int32, nullable: a[0].nullable })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let l = x[0].as_list::<i32>();
                let o = l.value_offsets();
                Ok(Arc::new(
                    (0..n).map(|i| if l.is_null(i) { None } else { Some(o[i + 1] - o[i]) }).collect::<Int32Array>(),
                ) as ArrayRef)
            })
        },
    )
}

/// `get(array, index)`: 0-based, null outside the array.
fn get_fn() -> Builtin {
    Builtin::new(
        "get",
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let t = array_only(c, &a[..1], 1)?;
            let i = c.coerce(&a[1..], &[Expect::Int])?;
            Ok(Signature { arg_types: vec![t.clone(), i[0].clone()], return_type: element_type(&t), nullable: true })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let l = x[0].as_list::<i32>();
                let idx = x[1].as_primitive::<Int32Type>();
                let o = l.value_offsets();
                let pick: Vec<Option<u32>> = (0..n)
                    .map(|i| {
                        if l.is_null(i) || idx.is_null(i) {
                            return None;
                        }
                        let k = idx.value(i) as i64;
                        let len = (o[i + 1] - o[i]) as i64;
                        if k < 0 || k >= len {
                            None
                        } else {
                            Some((o[i] as i64 + k) as u32)
                        }
                    })
                    .collect();
                Ok(arrow::compute::take(l.values().as_ref(), &UInt32Array::from(pick), None)?)
            })
        },
    )
}

/// Field name of an `arrays_zip` argument: the column's name, else its position.
fn zip_field_name(arg: &ArgInfo, index: usize) -> String {
    let n = struct_field_name(arg, index);
    if n == format!("col{}", index + 1) {
        index.to_string()
    } else {
        n
    }
}

fn arrays_zip_fn() -> Builtin {
    Builtin::new(
        "arrays_zip",
        |c, a| {
            let mut fields = Vec::new();
            for (i, x) in a.iter().enumerate() {
                let DataType::List(f) = &x.data_type else { return Err(c.mismatch(i, "\"ARRAY\"", x)) };
                fields.push(Field::new(zip_field_name(x, i), f.data_type().clone(), true));
            }
            Ok(Signature {
                arg_types: a.iter().map(|x| x.data_type.clone()).collect(),
                return_type: array_type(DataType::Struct(fields.into()), false),
                nullable: any_nullable(a),
            })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let lists: Vec<&ListArray> = x.iter().map(|a| a.as_list::<i32>()).collect();
                let mut picks: Vec<Vec<Option<u32>>> = vec![Vec::new(); lists.len()];
                let mut offsets = vec![0i32];
                let mut valid = Vec::with_capacity(n);
                let mut total = 0;
                for i in 0..n {
                    let ok = lists.iter().all(|l| !l.is_null(i));
                    if ok {
                        let len = lists.iter().map(|l| l.value_length(i)).max().unwrap_or(0);
                        for (k, l) in lists.iter().enumerate() {
                            let (s, ln) = (l.value_offsets()[i], l.value_length(i));
                            picks[k].extend((0..len).map(|j| if j < ln { Some((s + j) as u32) } else { None }));
                        }
                        total += len;
                    }
                    valid.push(ok);
                    offsets.push(total);
                }
                let cols = lists
                    .iter()
                    .zip(picks)
                    .map(|(l, p)| arrow::compute::take(l.values().as_ref(), &UInt32Array::from(p), None))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                let fields: Fields = cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Field::new(i.to_string(), c.data_type().clone(), true))
                    .collect();
                let values: ArrayRef = Arc::new(StructArray::try_new(fields, cols, None)?);
                let f = Arc::new(Field::new("element", values.data_type().clone(), false));
                Ok(Arc::new(ListArray::try_new(
                    f,
                    OffsetBuffer::new(offsets.into()),
                    values,
                    Some(NullBuffer::from(valid)),
                )?) as ArrayRef)
            })
        },
    )
}

/// The comparator lambda Spark prints for one-argument `array_sort`.
const ARRAY_SORT_LAMBDA: &str = "lambdafunction((IF(((namedlambdavariable() IS NULL) AND (namedlambdavariable() IS NULL)), 0, (IF((namedlambdavariable() IS NULL), 1, (IF((namedlambdavariable() IS NULL), -1, (IF((namedlambdavariable() < namedlambdavariable()), -1, (IF((namedlambdavariable() > namedlambdavariable()), 1, 0)))))))))), namedlambdavariable(), namedlambdavariable())";

/// `array_sort(array)`: ascending with nulls last (the comparator-lambda form is not supported).
fn array_sort_fn() -> Builtin {
    Builtin::new(
        "array_sort",
        |c, a| {
            if a.len() > 1 {
                return Err(EmberError::not_implemented("array_sort with a comparator function"));
            }
            let t = array_only(c, a, 1)?;
            Ok(Signature { arg_types: vec![t.clone()], return_type: t, nullable: a[0].nullable })
        },
        |args, n, _| {
            map_columnar(args, n, |a, _| {
                let l = a[0].as_list::<i32>();
                let values = normalize_zero(l.values());
                let opts = SortOptions { descending: false, nulls_first: false };
                let cmp = make_comparator(values.as_ref(), values.as_ref(), opts)?;
                rebuild(l, element_field(a[0].data_type()), |_, s, e, idx| {
                    let start = idx.len();
                    idx.extend((s..e).map(|j| j as u32));
                    idx[start..].sort_by(|x, y| cmp(*x as usize, *y as usize));
                    Ok(true)
                })
            })
        },
    )
    .display_with(|n, a| format!("{n}({}, {ARRAY_SORT_LAMBDA})", arg_sql(a, 0)))
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(size_fn("size"));
    r.scalar(size_fn("cardinality"));
    r.scalar(array_fn());
    r.scalar(struct_fn());
    r.scalar(named_struct_fn());
    r.scalar(map_fn("map"));
    r.scalar(map_fn("create_map"));
    r.scalar(array_contains_fn());
    r.scalar(array_position_fn());
    r.scalar(array_remove_fn());
    r.scalar(array_distinct_fn());
    r.scalar(array_compact_fn());
    r.scalar(sort_array_fn());
    r.scalar(array_extreme_fn("array_max"));
    r.scalar(array_extreme_fn("array_min"));
    r.scalar(array_join_fn());
    r.scalar(element_at_fn());
    r.scalar(map_part_fn("map_keys"));
    r.scalar(map_part_fn("map_values"));
    r.scalar(flatten_fn());
    r.scalar(slice_fn());
    r.scalar(sequence_fn());
    r.scalar(array_repeat_fn());
    r.scalar(array_add_fn("array_append"));
    r.scalar(array_add_fn("array_prepend"));
    r.scalar(array_insert_fn());
    r.scalar(array_size_fn());
    r.scalar(get_fn());
    r.scalar(arrays_zip_fn());
    r.scalar(array_sort_fn());
    let mut try_at = element_at_fn();
    try_at.name = "try_element_at".into();
    r.scalar(try_at);
    sets::register(r);
    maps::register(r);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::functions::misc::support::testing::*;

    fn arr(v: &[Option<i32>]) -> ArrayRef {
        eval("array", v.iter().map(|x| ints(&[*x])).collect())
    }
    fn one(name: &str, args: Vec<ArrayRef>) -> String {
        show(&eval(name, args))[0].clone()
    }
    fn i(v: i32) -> ArrayRef {
        ints(&[Some(v)])
    }

    #[test]
    fn constructors() {
        let (a, sig) = call("array", &[(ints(&[Some(1)]), false), (dbls(&[Some(2.5)]), false)]).unwrap();
        assert_eq!(show(&a), ["[1.0, 2.5]"]);
        assert_eq!(sig.return_type, array_type(DataType::Float64, false));
        let (_, sig) = call("array", &[(ints(&[Some(1)]), false), (ints(&[None]), true)]).unwrap();
        assert_eq!(sig.return_type, array_type(DataType::Int32, true));
        let (a, _) = call("array", &[]).unwrap();
        assert_eq!(show(&a), ["[]"]);
        assert_eq!(one("map", vec![strs(&[Some("a")]), i(1), strs(&[Some("b")]), i(2)]), "{a: 1, b: 2}");
        assert_eq!(shown("create_map", &["s", "i"]), "map(s, i)");
        let dup =
            call("map", &[(strs(&[Some("a")]), false), (i(1), false), (strs(&[Some("a")]), false), (i(2), false)]);
        assert!(dup.unwrap_err().message().starts_with("[DUPLICATED_MAP_KEY] Duplicate map key a was found"));
        let nk = call("map", &[(ints(&[None]), false), (i(1), false)]).unwrap_err();
        assert_eq!(nk.message(), "[NULL_MAP_KEY] Cannot use null as map key. SQLSTATE: 2200E");
        let infos = [
            info(&strs(&[Some("x")]), "s", false),
            info(&ints(&[Some(1)]), "1", true),
            info(&ints(&[Some(1)]), "s AS x", false),
            info(&ints(&[Some(1)]), "t.col", false),
            info(&ints(&[Some(1)]), "upper(s)", false),
            info(&ints(&[Some(1)]), "CAST(s AS INT)", false),
            info(&ints(&[Some(1)]), "`a b`", false),
        ];
        let sig = scalar_fn("struct").resolve(&infos).unwrap();
        let DataType::Struct(fs) = sig.return_type else { panic!() };
        let names: Vec<&str> = fs.iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["s", "col2", "x", "col", "col5", "col6", "a b"]);
        let (ns, sig) = call("named_struct", &[(strs(&[Some("a")]), true), (i(1), false)]).unwrap();
        assert_eq!(show(&ns), ["{a: 1}"]);
        assert_eq!(crate::types::simple_string(&sig.return_type), "struct<a:int>");
        assert_eq!(one("array_repeat", vec![strs(&[Some("a")]), i(3)]), "[a, a, a]");
        assert_eq!(one("array_repeat", vec![strs(&[Some("a")]), i(-1)]), "[]");
    }

    #[test]
    fn access_and_size() {
        let a = || arr(&[Some(1), Some(2), Some(3)]);
        assert_eq!(one("element_at", vec![a(), i(-1)]), "3");
        assert_eq!(one("element_at", vec![a(), i(5)]), "NULL");
        assert_eq!(one("element_at", vec![a(), i(-5)]), "NULL");
        let e = call("element_at", &[(a(), false), (i(0), false)]).unwrap_err();
        assert!(e.message().starts_with("[INVALID_INDEX_OF_ZERO] The index 0 is invalid."));
        let m = eval("map", vec![strs(&[Some("a")]), i(1)]);
        assert_eq!(one("element_at", vec![m.clone(), strs(&[Some("a")])]), "1");
        assert_eq!(one("element_at", vec![m.clone(), strs(&[Some("b")])]), "NULL");
        assert_eq!(one("size", vec![a()]), "3");
        assert_eq!(one("cardinality", vec![m.clone()]), "1");
        let null_list: ArrayRef = new_null_array(&array_type(DataType::Int32, true), 1);
        assert_eq!(one("size", vec![null_list]), "-1");
        assert_eq!(one("map_keys", vec![m.clone()]), "[a]");
        assert_eq!(one("map_values", vec![m]), "[1]");
    }

    #[test]
    fn searches() {
        let a = || arr(&[Some(1), None]);
        assert_eq!(one("array_contains", vec![a(), i(2)]), "NULL");
        assert_eq!(one("array_contains", vec![a(), i(1)]), "true");
        assert_eq!(one("array_contains", vec![arr(&[Some(1), Some(2)]), i(3)]), "false");
        let e = resolve_error("array_contains", vec![(arr(&[Some(1)]), "array(1)"), (strs(&[Some("a")]), "a")]);
        assert_eq!(e, "[DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES] Cannot resolve \"array_contains(array(1), a)\" due to data type mismatch: Input to `array_contains` should have been \"ARRAY\" followed by a value with same element type, but it's [\"ARRAY<INT>\", \"STRING\"]. SQLSTATE: 42K09");
        assert_eq!(one("array_position", vec![arr(&[Some(3), Some(1), Some(3)]), i(3)]), "1");
        assert_eq!(one("array_position", vec![arr(&[Some(1)]), i(5)]), "0");
        assert_eq!(one("array_remove", vec![arr(&[Some(1), None, Some(2), Some(1)]), i(1)]), "[NULL, 2]");
        assert_eq!(one("array_remove", vec![arr(&[Some(1)]), ints(&[None])]), "NULL");
    }

    #[test]
    fn more_array_and_map_functions() {
        let a12 = || arr(&[Some(1), Some(2)]);
        assert_eq!(one("array_union", vec![arr(&[Some(1), Some(2), Some(2)]), arr(&[Some(3), Some(1)])]), "[1, 2, 3]");
        assert_eq!(
            one("array_intersect", vec![arr(&[Some(1), Some(2), Some(2), None]), arr(&[Some(2), None])]),
            "[2, NULL]"
        );
        assert_eq!(one("array_except", vec![arr(&[Some(1), Some(2), Some(2), Some(3)]), arr(&[Some(2)])]), "[1, 3]");
        assert_eq!(one("arrays_overlap", vec![a12(), arr(&[Some(3), Some(2)])]), "true");
        assert_eq!(one("arrays_overlap", vec![arr(&[Some(1), None]), arr(&[Some(3)])]), "NULL");
        assert_eq!(one("arrays_overlap", vec![arr(&[Some(1)]), arr(&[Some(3)])]), "false");
        assert_eq!(one("array_insert", vec![a12(), i(2), i(9)]), "[1, 9, 2]");
        assert_eq!(one("array_insert", vec![a12(), i(-1), i(9)]), "[1, 2, 9]");
        assert_eq!(one("array_insert", vec![a12(), i(5), i(9)]), "[1, 2, NULL, NULL, 9]");
        assert_eq!(one("array_append", vec![arr(&[Some(1)]), i(2)]), "[1, 2]");
        assert_eq!(one("array_prepend", vec![arr(&[Some(1)]), i(0)]), "[0, 1]");
        assert_eq!(one("array_sort", vec![arr(&[Some(3), None, Some(1)])]), "[1, 3, NULL]");
        assert!(shown("array_sort", &["a"])
            .starts_with("array_sort(a, lambdafunction((IF(((namedlambdavariable() IS NULL)"));
        assert_eq!(one("array_size", vec![a12()]), "2");
        assert_eq!(one("get", vec![a12(), i(0)]), "1");
        assert_eq!(one("get", vec![a12(), i(-1)]), "NULL");
        assert_eq!(one("try_element_at", vec![a12(), i(5)]), "NULL");
        let z = eval("arrays_zip", vec![a12(), eval("array", vec![strs(&[Some("a")])])]);
        assert_eq!(show(&z), ["[{0: 1, 1: a}, {0: 2, 1: NULL}]"]);
        let infos = [info(&a12(), "a", false), info(&a12(), "array(1)", false)];
        let sig = scalar_fn("arrays_zip").resolve(&infos).unwrap();
        assert_eq!(crate::types::simple_string(&sig.return_type), "array<struct<a:int,1:int>>");
        let ks = eval("array", vec![i(1), i(2)]);
        let vs = eval("array", vec![strs(&[Some("a")]), strs(&[Some("b")])]);
        let m = eval("map_from_arrays", vec![ks, vs]);
        assert_eq!(show(&m), ["{1: a, 2: b}"]);
        assert_eq!(one("map_entries", vec![m.clone()]), "[{key: 1, value: a}, {key: 2, value: b}]");
        assert_eq!(one("map_contains_key", vec![m.clone(), i(1)]), "true");
        let m2 = eval("map", vec![i(3), strs(&[Some("c")])]);
        assert_eq!(one("map_concat", vec![m.clone(), m2]), "{1: a, 2: b, 3: c}");
        let dup = call("map_concat", &[(m.clone(), false), (m, false)]).unwrap_err();
        assert!(dup.message().starts_with("[DUPLICATED_MAP_KEY] Duplicate map key 1 was found"));
        let entries = eval("array", vec![eval("struct", vec![i(1), strs(&[Some("a")])])]);
        assert_eq!(one("map_from_entries", vec![entries]), "{1: a}");
        assert_eq!(one("str_to_map", vec![strs(&[Some("a:1,b:2")])]), "{a: 1, b: 2}");
        assert_eq!(
            one("str_to_map", vec![strs(&[Some("a=1;b")]), strs(&[Some(";")]), strs(&[Some("=")])]),
            "{a: 1, b: NULL}"
        );
        assert_eq!(shown("str_to_map", &["s"]), "str_to_map(s, ,, :)");
    }

    #[test]
    fn transforms() {
        assert_eq!(one("sort_array", vec![arr(&[Some(3), None, Some(1)])]), "[NULL, 1, 3]");
        let b = Arc::new(BooleanArray::from(vec![false])) as ArrayRef;
        assert_eq!(one("sort_array", vec![arr(&[Some(3), None, Some(1)]), b]), "[3, 1, NULL]");
        assert_eq!(shown("sort_array", &["a"]), "sort_array(a, true)");
        assert_eq!(one("array_max", vec![arr(&[Some(1), None, Some(3)])]), "3");
        assert_eq!(one("array_min", vec![arr(&[Some(1), None, Some(3)])]), "1");
        assert_eq!(one("array_min", vec![arr(&[None])]), "NULL");
        assert_eq!(one("array_distinct", vec![arr(&[Some(1), Some(2), Some(1), None, None])]), "[1, 2, NULL]");
        let d = eval(
            "array",
            vec![dbls(&[Some(0.0)]), dbls(&[Some(-0.0)]), dbls(&[Some(f64::NAN)]), dbls(&[Some(f64::NAN)])],
        );
        assert_eq!(one("array_distinct", vec![d]), "[0.0, NaN]");
        assert_eq!(one("array_compact", vec![arr(&[Some(1), None, Some(2)])]), "[1, 2]");
        let s = eval("array", vec![strs(&[Some("a")]), strs(&[None]), strs(&[Some("b")])]);
        assert_eq!(one("array_join", vec![s.clone(), strs(&[Some(",")])]), "a,b");
        assert_eq!(one("array_join", vec![s, strs(&[Some(",")]), strs(&[Some("N")])]), "a,N,b");
        assert_eq!(one("array_join", vec![arr(&[Some(1), Some(2)]), strs(&[Some("-")])]), "1-2");
        let nested = eval("array", vec![arr(&[Some(1)]), arr(&[None, Some(2)])]);
        assert_eq!(one("flatten", vec![nested]), "[1, NULL, 2]");
        let with_null = eval("array", vec![arr(&[Some(1)]), new_null_array(&array_type(DataType::Int32, true), 1)]);
        assert_eq!(one("flatten", vec![with_null]), "NULL");
        let four = || arr(&[Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(one("slice", vec![four(), i(2), i(2)]), "[2, 3]");
        assert_eq!(one("slice", vec![four(), i(-2), i(5)]), "[3, 4]");
        assert_eq!(one("slice", vec![four(), i(5), i(1)]), "[]");
        assert_eq!(one("slice", vec![four(), i(-5), i(2)]), "[]");
        let e = call("slice", &[(four(), false), (i(0), false), (i(1), false)]).unwrap_err();
        assert!(e.message().starts_with("[INVALID_PARAMETER_VALUE.START]"));
        assert_eq!(one("sequence", vec![i(1), i(5), i(2)]), "[1, 3, 5]");
        assert_eq!(one("sequence", vec![i(5), i(1)]), "[5, 4, 3, 2, 1]");
        assert_eq!(eval("sequence", vec![i(1), i(2)]).data_type(), &array_type(DataType::Int32, false));
        let e = call("sequence", &[(i(1), false), (i(5), false), (i(-1), false)]).unwrap_err();
        assert_eq!(e.message(), "requirement failed: Illegal sequence boundaries: 1 to 5 by -1");
    }
}
