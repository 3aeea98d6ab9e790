//! Null handling (`coalesce`, `nvl`, `nullif` …), row identity (`monotonically_increasing_id`,
//! `spark_partition_id`) and session facts (`current_database`, `version`, `typeof`).
pub mod javanum;
pub mod support;

use crate::expr::functions::misc::support::arg_sql;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Int32Array, Int64Array, StringArray};
use arrow::compute::kernels::zip::zip;
use arrow::compute::{is_not_null, is_null};
use arrow::datatypes::DataType;

use self::support::{map_columnar, register_names, sql_type, Builtin, Call};
use super::{check_arg_count, ArgInfo, FunctionRegistry, Signature};
use crate::error::{EmberError, Result};
use crate::expr::coercion::find_wider_common_type;
use crate::expr::physical::ColumnarValue;
use crate::types::simple_string;

/// Spark's version string as `version()` returns it.
pub const SPARK_VERSION: &str = "4.3.0 98bc0212c94705434471627068f41e374ccab143";

fn scalar(a: ArrayRef) -> Result<ColumnarValue> {
    Ok(ColumnarValue::Scalar(a))
}

/// Common type of `args` for functions returning one of them (`coalesce`, `nvl` …), or Spark's
/// `DATA_DIFF_TYPES` error.
pub fn common_type(c: &Call, args: &[ArgInfo]) -> Result<DataType> {
    let types: Vec<DataType> = args.iter().map(|a| a.data_type.clone()).collect();
    find_wider_common_type(&types).ok_or_else(|| {
        c.datatype_error(
            "DATA_DIFF_TYPES",
            &format!(
                "Input to `{}` should all be the same type, but it's ({}).",
                c.name,
                types.iter().map(|t| format!("\"{}\"", sql_type(t))).collect::<Vec<_>>().join(" or ")
            ),
        )
    })
}

/// First non-null of the columns, row by row.
pub fn coalesce_arrays(arrays: &[ArrayRef]) -> Result<ArrayRef> {
    let mut acc = arrays[0].clone();
    for next in &arrays[1..] {
        if acc.null_count() == 0 {
            break;
        }
        acc = zip(&is_not_null(&acc)?, &acc, next)?;
    }
    Ok(acc)
}

fn coalesce_fn(name: &str) -> Builtin {
    Builtin::new(
        name,
        |c, a| {
            let (min, max) = match c.name {
                "coalesce" => (1, usize::MAX),
                _ => (2, 2),
            };
            check_arg_count(c.name, a, min, max)?;
            // nvl/ifnull are rewritten to coalesce in Spark, so their type errors name coalesce.
            let sqls: Vec<String> = a.iter().map(|x| x.sql.clone()).collect();
            let as_coalesce = Call { name: "coalesce", display: format!("coalesce({})", sqls.join(", ")) };
            let t = common_type(&as_coalesce, a)?;
            Ok(Signature {
                arg_types: vec![t.clone(); a.len()],
                return_type: t,
                nullable: a.iter().all(|x| x.nullable),
            })
        },
        |args, n, _| map_columnar(args, n, |a, _| coalesce_arrays(a)),
    )
}

fn nvl2_fn() -> Builtin {
    Builtin::new(
        "nvl2",
        |c, a| {
            check_arg_count(c.name, a, 3, 3)?;
            let t = common_type(c, &a[1..])?;
            Ok(Signature {
                arg_types: vec![a[0].data_type.clone(), t.clone(), t.clone()],
                return_type: t,
                nullable: a[1].nullable || a[2].nullable,
            })
        },
        |args, n, _| map_columnar(args, n, |a, _| Ok(zip(&is_not_null(&a[0])?, &a[1], &a[2])?)),
    )
}

fn nullif_fn() -> Builtin {
    Builtin::new(
        "nullif",
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            common_type(c, a)?;
            Ok(Signature {
                arg_types: a.iter().map(|x| x.data_type.clone()).collect(),
                return_type: a[0].data_type.clone(),
                nullable: true,
            })
        },
        |args, n, _| {
            map_columnar(args, n, |a, _| {
                // Compared in the common type; the result keeps the first argument's type.
                let t = find_wider_common_type(&[a[0].data_type().clone(), a[1].data_type().clone()])
                    .unwrap_or_else(|| a[0].data_type().clone());
                let (l, r) = (arrow::compute::cast(&a[0], &t)?, arrow::compute::cast(&a[1], &t)?);
                let eq = arrow::compute::kernels::cmp::eq(&l, &r)?;
                Ok(arrow::compute::nullif(&a[0], &eq)?)
            })
        },
    )
}

fn null_test_fn(name: &'static str) -> Builtin {
    let negated = name == "isnotnull";
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            Ok(Signature { arg_types: vec![a[0].data_type.clone()], return_type: DataType::Boolean, nullable: false })
        },
        move |args, n, _| {
            map_columnar(args, n, |a, _| {
                let r: BooleanArray = if negated { is_not_null(&a[0])? } else { is_null(&a[0])? };
                Ok(Arc::new(r) as ArrayRef)
            })
        },
    )
    .display_with(move |_, a| format!("({} IS {}NULL)", arg_sql(a, 0), if negated { "NOT " } else { "" }))
}

fn constant_fn(name: &str, shown: &'static str, value: ArrayRef) -> Builtin {
    let dt = value.data_type().clone();
    Builtin::new(
        name,
        move |c, a| {
            check_arg_count(c.name, a, 0, 0)?;
            Ok(Signature { arg_types: vec![], return_type: dt.clone(), nullable: false })
        },
        move |_, _, _| scalar(value.clone()),
    )
    .shown_as(shown)
}

fn typeof_fn() -> Builtin {
    Builtin::new(
        "typeof",
        |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            Ok(Signature { arg_types: vec![a[0].data_type.clone()], return_type: DataType::Utf8, nullable: false })
        },
        |args, n, _| {
            let name = simple_string(args[0].data_type());
            let one: ArrayRef = Arc::new(StringArray::from(vec![name]));
            match &args[0] {
                ColumnarValue::Scalar(_) => scalar(one),
                ColumnarValue::Array(_) => Ok(ColumnarValue::Array(crate::expr::physical::repeat_scalar(&one, n)?)),
            }
        },
    )
}

fn monotonic_id_fn() -> Builtin {
    Builtin::new(
        "monotonically_increasing_id",
        |c, a| {
            check_arg_count(c.name, a, 0, 0)?;
            Ok(Signature { arg_types: vec![], return_type: DataType::Int64, nullable: false })
        },
        |_, n, ctx| {
            let base = ((ctx.partition as i64) << 33) + ctx.row_offset as i64;
            Ok(ColumnarValue::Array(Arc::new(Int64Array::from_iter_values((0..n as i64).map(|i| base + i)))))
        },
    )
    .nondeterministic()
}

fn partition_id_fn() -> Builtin {
    Builtin::new(
        "spark_partition_id",
        |c, a| {
            check_arg_count(c.name, a, 0, 0)?;
            Ok(Signature { arg_types: vec![], return_type: DataType::Int32, nullable: false })
        },
        |_, n, ctx| Ok(ColumnarValue::Array(Arc::new(Int32Array::from(vec![ctx.partition as i32; n])))),
    )
    .shown_as("SPARK_PARTITION_ID")
    .nondeterministic()
}

/// Random version-4 UUIDs, one generator per call (Spark seeds per partition; values differ anyway).
fn uuid_fn() -> Builtin {
    Builtin::new(
        "uuid",
        |c, a| {
            check_arg_count(c.name, a, 0, 1)?;
            Ok(Signature {
                arg_types: a.iter().map(|x| x.data_type.clone()).collect(),
                return_type: DataType::Utf8,
                nullable: false,
            })
        },
        |_, n, _| {
            let mut g = crate::types::uuid::UuidGenerator::new();
            let vals: Vec<String> = (0..n).map(|_| g.next_uuid()).collect();
            Ok(ColumnarValue::Array(Arc::new(StringArray::from(vals))))
        },
    )
    .nondeterministic()
}

/// `assert_true(cond[, message])`: null when `cond` holds, else Spark's `USER_RAISED_EXCEPTION`.
fn assert_true_fn() -> Builtin {
    Builtin::new(
        "assert_true",
        |c, a| {
            check_arg_count(c.name, a, 1, 2)?;
            let mut t = c.coerce(&a[..1], &[support::Expect::Boolean])?;
            if a.len() == 2 {
                t.push(DataType::Utf8);
            }
            Ok(Signature { arg_types: t, return_type: DataType::Null, nullable: true })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let cond = a[0].as_any().downcast_ref::<BooleanArray>().unwrap();
                for i in 0..n {
                    if cond.is_null(i) || !cond.value(i) {
                        let msg = match a.get(1) {
                            Some(m) if !m.is_null(i) => {
                                m.as_any().downcast_ref::<StringArray>().unwrap().value(i).to_string()
                            }
                            _ => "assertion failed".to_string(),
                        };
                        return Err(EmberError::execution_class(
                            "USER_RAISED_EXCEPTION",
                            format!("{msg} SQLSTATE: P0001"),
                        ));
                    }
                }
                Ok(arrow::array::new_null_array(&DataType::Null, n))
            })
        },
    )
    .display_with(|name, a| {
        let msg = a.get(1).cloned().unwrap_or_else(|| format!("'{}' is not true!", arg_sql(a, 0)));
        format!("{name}({}, {msg})", arg_sql(a, 0))
    })
}

/// `raise_error(message)`: fails with Spark's `USER_RAISED_EXCEPTION` carrying the message (of the first row; a null
/// message is Spark's `null`) as soon as it is evaluated over any row.
fn raise_error_fn() -> Builtin {
    Builtin::new(
        "raise_error",
        |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            let t = c.coerce(a, &[support::Expect::String])?;
            Ok(Signature { arg_types: t, return_type: DataType::Null, nullable: true })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                if n == 0 {
                    return Ok(arrow::array::new_null_array(&DataType::Null, 0));
                }
                let m = a[0].as_any().downcast_ref::<StringArray>().unwrap();
                let msg = if m.is_null(0) { "null".to_string() } else { m.value(0).to_string() };
                Err(EmberError::execution_class("USER_RAISED_EXCEPTION", format!("{msg} SQLSTATE: P0001")))
            })
        },
    )
    .nondeterministic()
}

/// `equal_null(a, b)`: null-safe equality (`a <=> b`) in the common type.
fn equal_null_fn() -> Builtin {
    Builtin::new(
        "equal_null",
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let t = common_type(c, a)?;
            Ok(Signature { arg_types: vec![t.clone(), t], return_type: DataType::Boolean, nullable: false })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let cmp = arrow::array::make_comparator(a[0].as_ref(), a[1].as_ref(), Default::default())?;
                let out: BooleanArray = (0..n)
                    .map(|i| {
                        Some(match (a[0].is_valid(i), a[1].is_valid(i)) {
                            (true, true) => cmp(i, i).is_eq(),
                            (false, false) => true,
                            _ => false,
                        })
                    })
                    .collect();
                Ok(Arc::new(out) as ArrayRef)
            })
        },
    )
}

/// `zeroifnull(x)` = `coalesce(x, 0)`; `nullifzero(x)` = `nullif(x, 0)`.
fn zero_null_fn(name: &'static str) -> Builtin {
    let to_zero = name == "zeroifnull";
    Builtin::new(
        name,
        move |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            let zero = ArgInfo { data_type: DataType::Int32, nullable: false, literal: None, sql: "0".into() };
            let t = common_type(c, &[a[0].clone(), zero])?;
            if !crate::types::is_numeric(&t) {
                return Err(c.mismatch(0, "\"NUMERIC\"", &a[0]));
            }
            let ret = if to_zero { t.clone() } else { a[0].data_type.clone() };
            let ret = if ret == DataType::Null { t.clone() } else { ret };
            let arg = if to_zero { t } else { ret.clone() };
            Ok(Signature { arg_types: vec![arg], return_type: ret, nullable: !to_zero })
        },
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let zero: ArrayRef = Arc::new(Int32Array::from(vec![0; n]));
                let zero = arrow::compute::cast(&zero, a[0].data_type())?;
                if to_zero {
                    Ok(zip(&is_not_null(&a[0])?, &a[0], &zero)?)
                } else {
                    let eq = arrow::compute::kernels::cmp::eq(&a[0], &zero)?;
                    Ok(arrow::compute::nullif(&a[0], &eq)?)
                }
            })
        },
    )
}

/// `between(x, low, high)`: `x >= low AND x <= high` in the three values' common type.
fn between_fn() -> Builtin {
    Builtin::new(
        "between",
        |c, a| {
            check_arg_count(c.name, a, 3, 3)?;
            let t = common_type(c, a)?;
            Ok(Signature {
                arg_types: vec![t.clone(); 3],
                return_type: DataType::Boolean,
                nullable: support::any_nullable(a),
            })
        },
        |args, n, _| {
            map_columnar(args, n, |a, _| {
                use arrow::compute::kernels::cmp::{gt_eq, lt_eq};
                let lo = gt_eq(&a[0], &a[1])?;
                let hi = lt_eq(&a[0], &a[2])?;
                Ok(Arc::new(arrow::compute::and_kleene(&lo, &hi)?) as ArrayRef)
            })
        },
    )
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(between_fn());
    r.scalar(equal_null_fn());
    r.scalar(zero_null_fn("zeroifnull"));
    r.scalar(zero_null_fn("nullifzero"));
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    r.scalar(constant_fn("current_user", "current_user", Arc::new(StringArray::from(vec![user.clone()]))));
    r.scalar(constant_fn("user", "user", Arc::new(StringArray::from(vec![user.clone()]))));
    r.scalar(constant_fn("session_user", "session_user", Arc::new(StringArray::from(vec![user]))));
    register_names(r, &["coalesce", "nvl", "ifnull"], coalesce_fn);
    r.scalar(nvl2_fn());
    r.scalar(nullif_fn());
    r.scalar(null_test_fn("isnull"));
    r.scalar(null_test_fn("isnotnull"));
    r.scalar(typeof_fn());
    r.scalar(monotonic_id_fn());
    r.scalar(partition_id_fn());
    r.scalar(uuid_fn());
    r.scalar(assert_true_fn());
    r.scalar(raise_error_fn());
    let s = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
    r.scalar(constant_fn("input_file_name", "input_file_name", s("")).nondeterministic());
    r.scalar(constant_fn("current_database", "current_schema", s("default")));
    r.scalar(constant_fn("current_schema", "current_schema", s("default")));
    r.scalar(constant_fn("current_catalog", "current_catalog", s("spark_catalog")));
    r.scalar(constant_fn("version", "version", s(SPARK_VERSION)));
}

#[cfg(test)]
mod tests {
    use super::support::testing::*;
    use super::*;
    use crate::context::EvalContext;

    #[test]
    fn null_functions() {
        let (out, sig) =
            call("coalesce", &[(ints(&[None, Some(5)]), false), (ints(&[Some(1), Some(2)]), false)]).unwrap();
        assert_eq!((show(&out), sig.nullable), (vec!["1".to_string(), "5".to_string()], false));
        assert_eq!(show(&eval("nvl", vec![ints(&[Some(1)]), dbls(&[Some(2.5)])])), ["1.0"]);
        assert_eq!(show(&eval("ifnull", vec![strs(&[None]), strs(&[Some("s")])])), ["s"]);
        assert_eq!(shown("ifnull", &["n", "s"]), "ifnull(n, s)");
        assert_eq!(
            show(&eval("nvl2", vec![ints(&[None, Some(1)]), ints(&[Some(1), Some(1)]), ints(&[Some(2), Some(2)])])),
            ["2", "1"]
        );
        let (out, sig) =
            call("nullif", &[(ints(&[Some(1), Some(1)]), false), (dbls(&[Some(1.0), Some(2.0)]), false)]).unwrap();
        assert_eq!((show(&out), sig.return_type), (vec!["NULL".to_string(), "1".to_string()], DataType::Int32));
        assert_eq!(show(&eval("isnull", vec![ints(&[None, Some(1)])])), ["true", "false"]);
        assert_eq!(
            show(&eval("equal_null", vec![ints(&[Some(1), None, None]), dbls(&[Some(1.0), None, Some(1.0)])])),
            ["true", "true", "false"]
        );
        let (z, sig) = call("zeroifnull", &[(ints(&[None, Some(5)]), false)]).unwrap();
        assert_eq!((show(&z), sig.return_type), (vec!["0".to_string(), "5".to_string()], DataType::Int32));
        assert_eq!(show(&eval("nullifzero", vec![dbls(&[Some(0.0), Some(2.5)])])), ["NULL", "2.5"]);
        let b = eval("between", vec![ints(&[Some(2), None, Some(5)]), ints(&[Some(1); 3]), dbls(&[Some(3.0); 3])]);
        assert_eq!(show(&b), ["true", "NULL", "false"]);
        assert_eq!(shown("isnotnull", &["s"]), "(s IS NOT NULL)");
        let e = resolve_error("coalesce", vec![]);
        assert!(e.starts_with("[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `coalesce` requires > 0 parameters"), "{e}");
        let arr = eval("array", vec![ints(&[Some(1)])]);
        let e = resolve_error("coalesce", vec![(ints(&[Some(1)]), "1"), (arr, "array(1)")]);
        let arr = eval("array", vec![ints(&[Some(1)])]);
        let e2 = resolve_error("nvl", vec![(ints(&[Some(1)]), "1"), (arr, "array(1)")]);
        assert_eq!(e, e2);
        assert_eq!(e, "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"coalesce(1, array(1))\" due to data type mismatch: Input to `coalesce` should all be the same type, but it's (\"INT\" or \"ARRAY<INT>\"). SQLSTATE: 42K09");
    }

    #[test]
    fn row_identity_and_facts() {
        let f = support::testing::scalar_fn("monotonically_increasing_id");
        let ctx = EvalContext { partition: 1, row_offset: 2, ..EvalContext::default() };
        let out = f.invoke(&[], 2, &ctx).unwrap().into_array(2).unwrap();
        assert_eq!(show(&out), ["8589934594", "8589934595"]);
        assert!(!f.deterministic());
        assert_eq!(shown("spark_partition_id", &[]), "SPARK_PARTITION_ID()");
        assert_eq!(shown("current_database", &[]), "current_schema()");
        assert_eq!(show(&eval("typeof", vec![eval("array", vec![ints(&[Some(1)])])])), ["array<int>"]);
        let (v, _) = call("version", &[]).unwrap();
        assert_eq!(show(&v), [SPARK_VERSION]);
        let (u, _) = call("uuid", &[]).unwrap();
        let u = show(&u)[0].clone();
        assert_eq!((u.len(), &u[14..15]), (36, "4"));
        let e = call("assert_true", &[(Arc::new(BooleanArray::from(vec![false])) as ArrayRef, false)]).unwrap_err();
        assert_eq!(e.error_class(), Some("USER_RAISED_EXCEPTION"));
    }
}
