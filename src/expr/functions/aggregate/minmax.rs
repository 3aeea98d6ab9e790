//! `min(x)`, `max(x)` over any orderable type, plus `max_by(x, ord)` / `min_by(x, ord)`. Floating values order
//! as Spark does (NaN above everything, -0.0 equal to 0.0); other types use Arrow's ordering, which matches Spark's
//! for strings (UTF-8 bytes), binary, booleans, arrays and structs (nulls first).
use std::cmp::Ordering;
use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, ArrowPrimitiveType, PrimitiveArray};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, TimestampMicrosecondType,
};

use super::value_refs::{Comparators, ValueRefs};
use super::{is_valid, nulls_from, AggFn};
use crate::error::{EmberError, Result};
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};

pub(super) fn functions() -> Vec<AggFn> {
    vec![
        AggFn {
            name: "max",
            resolve: |a, _| resolve_minmax("max", a),
            state_types: |sig| vec![sig.return_type.clone()],
            create: |sig| create_minmax(&sig.return_type, true),
            display: None,
            distinct_neutral: true,
        },
        AggFn {
            name: "min",
            resolve: |a, _| resolve_minmax("min", a),
            state_types: |sig| vec![sig.return_type.clone()],
            create: |sig| create_minmax(&sig.return_type, false),
            display: None,
            distinct_neutral: true,
        },
        AggFn {
            name: "max_by",
            resolve: |a, _| resolve_by("max_by", a),
            state_types: |sig| sig.arg_types.clone(),
            create: |sig| Ok(Box::new(ByAccumulator::new(sig.arg_types.clone(), true))),
            display: None,
            distinct_neutral: false,
        },
        AggFn {
            name: "min_by",
            resolve: |a, _| resolve_by("min_by", a),
            state_types: |sig| sig.arg_types.clone(),
            create: |sig| Ok(Box::new(ByAccumulator::new(sig.arg_types.clone(), false))),
            display: None,
            distinct_neutral: false,
        },
    ]
}

/// Spark's `[DATATYPE_MISMATCH.INVALID_ORDERING_TYPE]` for maps (and anything containing one).
fn check_orderable(func: &str, args: &[ArgInfo], i: usize) -> Result<()> {
    fn orderable(dt: &DataType) -> bool {
        match dt {
            DataType::Map(_, _) => false,
            DataType::List(f) => orderable(f.data_type()),
            DataType::Struct(fs) => fs.iter().all(|f| orderable(f.data_type())),
            _ => true,
        }
    }
    if orderable(&args[i].data_type) {
        return Ok(());
    }
    let call = format!("{func}({})", args.iter().map(|a| a.sql.as_str()).collect::<Vec<_>>().join(", "));
    Err(EmberError::analysis_class(
        "DATATYPE_MISMATCH.INVALID_ORDERING_TYPE",
        format!(
            "Cannot resolve \"{call}\" due to data type mismatch: The `{func}` does not support ordering on type \
             \"{}\". SQLSTATE: 42K09",
            super::sql_type(&args[i].data_type)
        ),
    ))
}

fn resolve_minmax(name: &str, args: &[ArgInfo]) -> Result<Signature> {
    check_arg_count(name, args, 1, 1)?;
    check_orderable(name, args, 0)?;
    let dt = args[0].data_type.clone();
    Ok(Signature { arg_types: vec![dt.clone()], return_type: dt, nullable: true })
}

fn resolve_by(name: &str, args: &[ArgInfo]) -> Result<Signature> {
    check_arg_count(name, args, 2, 2)?;
    check_orderable(name, args, 1)?;
    Ok(Signature {
        arg_types: vec![args[0].data_type.clone(), args[1].data_type.clone()],
        return_type: args[0].data_type.clone(),
        nullable: true,
    })
}

fn create_minmax(dt: &DataType, is_max: bool) -> Result<Box<dyn GroupsAccumulator>> {
    fn prim<T: ArrowPrimitiveType>(
        dt: &DataType,
        is_max: bool,
        cmp: fn(T::Native, T::Native) -> Ordering,
    ) -> Box<dyn GroupsAccumulator> {
        let want = if is_max { Ordering::Greater } else { Ordering::Less };
        Box::new(PrimMinMax::<T> { dt: dt.clone(), vals: Vec::new(), set: Vec::new(), want, cmp })
    }
    Ok(match dt {
        DataType::Int8 => prim::<Int8Type>(dt, is_max, |a, b| a.cmp(&b)),
        DataType::Int16 => prim::<Int16Type>(dt, is_max, |a, b| a.cmp(&b)),
        DataType::Int32 => prim::<Int32Type>(dt, is_max, |a, b| a.cmp(&b)),
        DataType::Int64 => prim::<Int64Type>(dt, is_max, |a, b| a.cmp(&b)),
        DataType::Date32 => prim::<Date32Type>(dt, is_max, |a, b| a.cmp(&b)),
        DataType::Timestamp(_, _) => prim::<TimestampMicrosecondType>(dt, is_max, |a, b| a.cmp(&b)),
        DataType::Duration(_) => prim::<DurationMicrosecondType>(dt, is_max, |a, b| a.cmp(&b)),
        DataType::Decimal128(_, _) => prim::<Decimal128Type>(dt, is_max, |a, b| a.cmp(&b)),
        DataType::Float32 => prim::<Float32Type>(dt, is_max, |a, b| spark_cmp_f64(a as f64, b as f64)),
        DataType::Float64 => prim::<Float64Type>(dt, is_max, spark_cmp_f64),
        DataType::Null => Box::new(NullAccumulator { n: 0, dt: DataType::Null }),
        _ => Box::new(ByAccumulator::new(vec![dt.clone()], is_max)),
    })
}

/// Spark's ordering of doubles: NaN equals NaN and is above every number; -0.0 equals 0.0.
#[inline]
pub(super) fn spark_cmp_f64(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap(),
    }
}

/// min/max of a primitive type in typed vectors.
struct PrimMinMax<T: ArrowPrimitiveType> {
    dt: DataType,
    vals: Vec<T::Native>,
    set: Vec<bool>,
    /// The comparison outcome (new vs kept) that replaces the kept value.
    want: Ordering,
    cmp: fn(T::Native, T::Native) -> Ordering,
}

impl<T: ArrowPrimitiveType> GroupsAccumulator for PrimMinMax<T> {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.vals.resize(total_groups, T::Native::default());
        self.set.resize(total_groups, false);
        if group_indices.is_empty() {
            return Ok(());
        }
        let a = values[0]
            .as_any()
            .downcast_ref::<PrimitiveArray<T>>()
            .ok_or_else(|| EmberError::execution("min/max got an unexpected array type"))?;
        let (vals, nulls) = (a.values(), a.nulls());
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(nulls, i) {
                let v = vals[i];
                if !self.set[g] || (self.cmp)(v, self.vals[g]) == self.want {
                    self.vals[g] = v;
                    self.set[g] = true;
                }
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.evaluate()?])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.update_batch(states, group_indices, total_groups)
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        let arr =
            PrimitiveArray::<T>::new(self.vals.clone().into(), nulls_from(&self.set)).with_data_type(self.dt.clone());
        Ok(Arc::new(arr))
    }
}

/// The last column's extreme row per group, keeping every column of that row: min/max of non-primitive types
/// (one column) and max_by/min_by (value, ordering). Rows whose ordering is null are skipped.
struct ByAccumulator {
    refs: ValueRefs,
    ncols: usize,
    is_max: bool,
}

impl ByAccumulator {
    fn new(types: Vec<DataType>, is_max: bool) -> Self {
        ByAccumulator { ncols: types.len(), refs: ValueRefs::new(types), is_max }
    }
    fn fold(&mut self, cols: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.refs.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let key_col = self.ncols - 1;
        let key = cols[key_col].clone();
        let batch = self.refs.push(cols[..self.ncols].to_vec());
        let mut cmps = Comparators::new();
        let mut used = false;
        let nulls = key.logical_nulls();
        for (i, &g) in group_indices.iter().enumerate() {
            if !is_valid(nulls.as_ref(), i) {
                continue;
            }
            let replace = match self.refs.get(g) {
                None => true,
                Some((b, r)) => {
                    let ord = cmps.cmp(&self.refs, b, r as usize, key_col, &key, i)?;
                    // max_by/min_by take the later row on ties (Spark keeps the old one only when strictly
                    // better); min/max keep the first, which is the same value.
                    if self.ncols == 1 {
                        if self.is_max {
                            ord == Ordering::Less
                        } else {
                            ord == Ordering::Greater
                        }
                    } else if self.is_max {
                        ord != Ordering::Greater
                    } else {
                        ord != Ordering::Less
                    }
                }
            };
            if replace {
                self.refs.set(g, batch, i);
                used = true;
            }
        }
        if !used {
            self.refs.pop_last();
        }
        self.refs.maybe_compact()
    }
}

impl GroupsAccumulator for ByAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.fold(values, group_indices, total_groups)
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        (0..self.ncols).map(|c| self.refs.finish(c)).collect()
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.fold(states, group_indices, total_groups)
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        self.refs.finish(0)
    }
}

/// Aggregates over the NULL type: null per group.
pub(super) struct NullAccumulator {
    pub n: usize,
    pub dt: DataType,
}

impl GroupsAccumulator for NullAccumulator {
    fn update_batch(&mut self, _values: &[ArrayRef], _group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.n = self.n.max(total_groups);
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.evaluate()?])
    }
    fn merge_batch(&mut self, _states: &[ArrayRef], _group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.n = self.n.max(total_groups);
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        Ok(new_null_array(&self.dt, self.n))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int32Array, ListArray, StringArray,
        TimestampMicrosecondArray,
    };
    use arrow::datatypes::{DataType, Int32Type};

    use super::super::test_util::*;
    use crate::types::{array_type, timestamp_type};

    #[test]
    fn float_min_max_spark_order() {
        // PySpark: min/max over 1.0, NaN, -0.0, 0.0 → -0.0 and NaN.
        let x: ArrayRef = Arc::new(Float64Array::from(vec![1.0, f64::NAN, -0.0, 0.0]));
        let args = [arg(DataType::Float64, "x")];
        let mx = f64s(&run("max", &args, false, &[x.clone()], &[0, 0, 0, 0], 1));
        assert!(mx[0].unwrap().is_nan());
        let mn = f64s(&run("min", &args, false, &[x], &[0, 0, 0, 0], 1));
        assert_eq!(mn[0].unwrap().to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn strings_ints_timestamps_and_merge() {
        let s: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None, Some("y"), None, Some("10"), Some("2")]));
        let g = [0, 0, 0, 1, 2, 2];
        let args = [arg(DataType::Utf8, "s")];
        let mx = run_merged("max", &args, false, &[s.clone()], &g, 3, 3);
        let mx: Vec<_> = mx.as_string::<i32>().iter().collect();
        assert_eq!(mx, vec![Some("y"), None, Some("2")]);
        let mn = run("min", &args, false, &[s], &g, 3);
        assert_eq!(mn.as_string::<i32>().iter().collect::<Vec<_>>(), vec![Some("x"), None, Some("10")]);
        let i: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), None, Some(3), None, Some(7), Some(7)]));
        let mi = run_merged("min", &[arg(DataType::Int32, "i")], false, &[i], &g, 3, 1);
        assert_eq!(mi.as_primitive::<Int32Type>().iter().collect::<Vec<_>>(), vec![Some(1), None, Some(7)]);
        let t: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![Some(5), Some(9), None]).with_timezone("UTC"));
        let mt = run("max", &[arg(timestamp_type(), "t")], false, &[t], &[0, 0, 0], 1);
        assert_eq!(mt.data_type(), &timestamp_type());
        assert_eq!(mt.as_primitive::<arrow::datatypes::TimestampMicrosecondType>().value(0), 9);
    }

    #[test]
    fn booleans_and_arrays() {
        let b: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)]));
        let args = [arg(DataType::Boolean, "b")];
        assert!(!run("min", &args, false, &[b.clone()], &[0, 0, 0], 1).as_boolean().value(0));
        assert!(run("max", &args, false, &[b], &[0, 0, 0], 1).as_boolean().value(0));
        // PySpark: min(array) over [1,2], [1,null], [1,2] → [1, null]; max → [1, 2].
        let a: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            Some(vec![Some(1), None]),
            Some(vec![Some(1), Some(2)]),
        ]));
        let dt = array_type(DataType::Int32, true);
        let mn = run("min", &[arg(dt.clone(), "a")], false, &[a.clone()], &[0, 0, 0], 1);
        let mn = mn.as_list::<i32>().value(0);
        assert!(mn.is_null(1));
        let mx = run("max", &[arg(dt, "a")], false, &[a], &[0, 0, 0], 1);
        assert_eq!(mx.as_list::<i32>().value(0).as_primitive::<Int32Type>().value(1), 2);
    }

    #[test]
    fn max_by_min_by() {
        let s: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None, Some("y"), Some("10"), Some("2")]));
        let i: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), Some(9), Some(3), Some(7), Some(7)]));
        let args = [arg(DataType::Utf8, "s"), arg(DataType::Int32, "i")];
        let g = [0, 0, 0, 1, 1];
        // The value of the row with the extreme ordering (here null for i = 9), later rows win ties.
        let mx = run("max_by", &args, false, &[s.clone(), i.clone()], &g, 2);
        assert_eq!(mx.as_string::<i32>().iter().collect::<Vec<_>>(), vec![None, Some("2")]);
        let mn = run_merged("min_by", &args, false, &[s, i], &g, 2, 4);
        assert_eq!(mn.as_string::<i32>().iter().collect::<Vec<_>>(), vec![Some("x"), Some("2")]);
    }

    #[test]
    fn many_batches_compact_retained_values() {
        // 100 batches of strings over 3 groups: min/max and last survive the compaction of retained batches.
        let (_, mut mn) = acc("min", &[arg(DataType::Utf8, "s")], false);
        let (_, mut mx) = acc("max", &[arg(DataType::Utf8, "s")], false);
        let (_, mut last) = acc("last", &[arg(DataType::Utf8, "s")], false);
        for b in 0..100 {
            let vals: Vec<String> = (0..3).map(|g| format!("{g}-{:03}", (b * 37) % 101)).collect();
            let col: ArrayRef = Arc::new(StringArray::from(vals));
            for a in [&mut mn, &mut mx, &mut last] {
                a.update_batch(&[col.clone()], &[0, 1, 2], 3).unwrap();
            }
        }
        let strs = |a: ArrayRef| a.as_string::<i32>().iter().map(|v| v.unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(strs(mn.evaluate().unwrap()), vec!["0-000", "1-000", "2-000"]);
        assert_eq!(strs(mx.evaluate().unwrap()), vec!["0-100", "1-100", "2-100"]);
        let l = (99 * 37) % 101;
        assert_eq!(strs(last.evaluate().unwrap()), (0..3).map(|g| format!("{g}-{l:03}")).collect::<Vec<_>>());
    }

    #[test]
    fn empty_global_min_is_null() {
        let (_, mut a) = acc("min", &[arg(DataType::Utf8, "s")], false);
        a.update_batch(&[], &[], 1).unwrap();
        assert!(a.evaluate().unwrap().is_null(0));
        let (_, mut b) = acc("max", &[arg(DataType::Int32, "i")], false);
        b.update_batch(&[], &[], 1).unwrap();
        assert_eq!(b.evaluate().unwrap().len(), 1);
    }
}
