//! Set operations on arrays: `array_union`, `array_intersect`, `array_except` (distinct, in first-seen order,
//! null kept once) and `arrays_overlap`.
use std::cmp::Ordering;
use std::sync::Arc;

use arrow::array::{make_comparator, Array, ArrayRef, AsArray, BooleanArray, ListArray, UInt32Array};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::SortOptions;
use arrow::datatypes::DataType;

use super::normalize_zero;
use crate::error::Result;
use crate::expr::coercion::find_wider_common_type;
use crate::expr::functions::misc::support::{any_nullable, map_columnar, sql_type, Builtin};
use crate::expr::functions::{check_arg_count, FunctionRegistry, Signature};

#[derive(Clone, Copy, PartialEq)]
enum SetOp {
    Union,
    Intersect,
    Except,
}

/// Both arrays' values in one column (second array's offsets shifted), for comparing across them.
fn combined(a: &ListArray, b: &ListArray) -> Result<ArrayRef> {
    let va = normalize_zero(a.values());
    let vb = normalize_zero(b.values());
    Ok(arrow::compute::concat(&[va.as_ref(), vb.as_ref()])?)
}

fn set_fn(name: &'static str, op: SetOp) -> Builtin {
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let types: Vec<DataType> = a.iter().map(|x| x.data_type.clone()).collect();
            let t = match (&types[0], &types[1]) {
                (DataType::List(_), DataType::List(_)) => find_wider_common_type(&types),
                _ => None,
            }
            .ok_or_else(|| {
                c.datatype_error(
                    "BINARY_ARRAY_DIFF_TYPES",
                    &format!(
                        "Input to function `{}` should have been two \"ARRAY\" with same element type, but it's [\"{}\", \"{}\"].",
                        c.name,
                        sql_type(&types[0]),
                        sql_type(&types[1])
                    ),
                )
            })?;
            Ok(Signature { arg_types: vec![t.clone(), t.clone()], return_type: t, nullable: any_nullable(a) })
        },
        move |args, n, _| {
            map_columnar(args, n, |x, n| {
                let (a, b) = (x[0].as_list::<i32>(), x[1].as_list::<i32>());
                let all = combined(a, b)?;
                let shift = a.values().len();
                let cmp = make_comparator(all.as_ref(), all.as_ref(), SortOptions::default())?;
                let eq = |i: usize, j: usize| cmp(i, j) == Ordering::Equal;
                let (oa, ob) = (a.value_offsets(), b.value_offsets());
                let mut idx: Vec<u32> = Vec::new();
                let mut offsets = vec![0i32];
                let mut valid = Vec::with_capacity(n);
                for i in 0..n {
                    let ok = !a.is_null(i) && !b.is_null(i);
                    if ok {
                        let ra = oa[i] as usize..oa[i + 1] as usize;
                        let rb = (ob[i] as usize + shift)..(ob[i + 1] as usize + shift);
                        let start = idx.len();
                        let push = |j: usize, idx: &mut Vec<u32>| {
                            if !idx[start..].iter().any(|&k| eq(k as usize, j)) {
                                idx.push(j as u32);
                            }
                        };
                        match op {
                            SetOp::Union => {
                                for j in ra.chain(rb) {
                                    push(j, &mut idx);
                                }
                            }
                            SetOp::Intersect => {
                                for j in ra {
                                    if rb.clone().any(|k| eq(j, k)) {
                                        push(j, &mut idx);
                                    }
                                }
                            }
                            SetOp::Except => {
                                for j in ra {
                                    if !rb.clone().any(|k| eq(j, k)) {
                                        push(j, &mut idx);
                                    }
                                }
                            }
                        }
                    }
                    valid.push(ok);
                    offsets.push(idx.len() as i32);
                }
                let values = arrow::compute::take(all.as_ref(), &UInt32Array::from(idx), None)?;
                let DataType::List(f) = x[0].data_type() else { unreachable!() };
                let f =
                    if values.null_count() > 0 { Arc::new(f.as_ref().clone().with_nullable(true)) } else { f.clone() };
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

fn overlap_fn() -> Builtin {
    Builtin::new(
        "arrays_overlap",
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let types: Vec<DataType> = a.iter().map(|x| x.data_type.clone()).collect();
            let t = match (&types[0], &types[1]) {
                (DataType::List(_), DataType::List(_)) => find_wider_common_type(&types),
                _ => None,
            }
            .ok_or_else(|| {
                c.datatype_error(
                    "BINARY_ARRAY_DIFF_TYPES",
                    &format!(
                        "Input to function `{}` should have been two \"ARRAY\" with same element type, but it's [\"{}\", \"{}\"].",
                        c.name,
                        sql_type(&types[0]),
                        sql_type(&types[1])
                    ),
                )
            })?;
            let elem_null = a.iter().any(|x| matches!(&x.data_type, DataType::List(f) if f.is_nullable()));
            Ok(Signature {
                arg_types: vec![t.clone(), t],
                return_type: DataType::Boolean,
                nullable: any_nullable(a) || elem_null,
            })
        },
        |args, n, _| {
            map_columnar(args, n, |x, n| {
                let (a, b) = (x[0].as_list::<i32>(), x[1].as_list::<i32>());
                let all = combined(a, b)?;
                let shift = a.values().len();
                let cmp = make_comparator(all.as_ref(), all.as_ref(), SortOptions::default())?;
                let (oa, ob) = (a.value_offsets(), b.value_offsets());
                let out: BooleanArray = (0..n)
                    .map(|i| {
                        if a.is_null(i) || b.is_null(i) {
                            return None;
                        }
                        let ra = oa[i] as usize..oa[i + 1] as usize;
                        let rb = (ob[i] as usize + shift)..(ob[i + 1] as usize + shift);
                        let hit = ra.clone().any(|j| {
                            !all.is_null(j) && rb.clone().any(|k| !all.is_null(k) && cmp(j, k) == Ordering::Equal)
                        });
                        if hit {
                            return Some(true);
                        }
                        let has_null = ra.clone().chain(rb.clone()).any(|j| all.is_null(j));
                        if has_null && !ra.is_empty() && !rb.is_empty() {
                            None
                        } else {
                            Some(false)
                        }
                    })
                    .collect();
                Ok(Arc::new(out) as ArrayRef)
            })
        },
    )
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(set_fn("array_union", SetOp::Union));
    r.scalar(set_fn("array_intersect", SetOp::Intersect));
    r.scalar(set_fn("array_except", SetOp::Except));
    r.scalar(overlap_fn());
}
