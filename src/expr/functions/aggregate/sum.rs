//! `sum(x)`: integral → bigint (wrapping, non-ANSI), floating/string → double, decimal(p,s) → decimal(p+10,s)
//! (null on overflow), day-time interval → interval.
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Decimal128Array, DurationMicrosecondArray, Float64Array, Int64Array,
};
use arrow::datatypes::DataType;

use super::{downcast, is_valid, nulls_from, sig1, unexpected_input_type, AggFn};
use crate::error::{EmberError, Result};
use crate::expr::coercion::bounded_decimal;
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};
use crate::types::day_time_interval_type;

pub(super) fn functions() -> Vec<AggFn> {
    vec![
        AggFn {
            name: "sum",
            resolve: resolve_sum,
            state_types: |sig| match &sig.return_type {
                DataType::Decimal128(_, _) => vec![sig.return_type.clone(), DataType::Boolean],
                other => vec![other.clone()],
            },
            create: |sig| create_sum(sig, false),
            display: None,
            distinct_neutral: false,
        },
        // try_sum: null instead of a wrapped or failing sum on overflow (decimals and doubles behave as sum).
        AggFn {
            name: "try_sum",
            resolve: resolve_sum,
            state_types: |sig| match &sig.return_type {
                DataType::Decimal128(_, _) | DataType::Int64 => vec![sig.return_type.clone(), DataType::Boolean],
                other => vec![other.clone()],
            },
            create: |sig| create_sum(sig, true),
            display: None,
            distinct_neutral: false,
        },
    ]
}

/// The input and result types of sum/avg's numeric family, or the Spark error for anything else.
fn resolve_sum(args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
    check_arg_count("sum", args, 1, 1)?;
    let dt = &args[0].data_type;
    Ok(match dt {
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            sig1(DataType::Int64, DataType::Int64, true)
        }
        DataType::Float32 | DataType::Float64 | DataType::Utf8 | DataType::Null => {
            sig1(DataType::Float64, DataType::Float64, true)
        }
        DataType::Decimal128(p, s) => sig1(dt.clone(), bounded_decimal(*p as i16 + 10, *s as i16), true),
        DataType::Duration(_) => sig1(day_time_interval_type(), day_time_interval_type(), true),
        _ => return Err(unexpected_input_type("sum", args, 0, "\"NUMERIC\" or \"ANSI INTERVAL\"")),
    })
}

fn create_sum(sig: &Signature, checked: bool) -> Result<Box<dyn GroupsAccumulator>> {
    Ok(match &sig.return_type {
        DataType::Int64 => Box::new(SumI64 { checked, ..Default::default() }),
        DataType::Float64 => Box::new(SumF64::default()),
        DataType::Decimal128(p, s) => Box::new(SumDecimal::new(*p, *s)),
        DataType::Duration(_) => Box::new(SumInterval { checked, ..Default::default() }),
        other => return Err(EmberError::execution(format!("sum over {other} is not supported"))),
    })
}

/// Integral sums in 64 bits; overflow wraps as Spark's non-ANSI long addition does, or (`try_sum`) makes the
/// group's result null — then the state is (sum, isEmpty) so an overflowed partial stays null after merging.
#[derive(Default)]
struct SumI64 {
    checked: bool,
    sums: Vec<i64>,
    set: Vec<bool>,
    overflow: Vec<bool>,
}

impl SumI64 {
    fn resize(&mut self, n: usize) {
        self.sums.resize(n, 0);
        self.set.resize(n, false);
        self.overflow.resize(n, false);
    }
    #[inline]
    fn add(&mut self, g: usize, v: i64) {
        if self.checked {
            match self.sums[g].checked_add(v) {
                Some(s) => self.sums[g] = s,
                None => self.overflow[g] = true,
            }
        } else {
            self.sums[g] = self.sums[g].wrapping_add(v);
        }
        self.set[g] = true;
    }
}

impl GroupsAccumulator for SumI64 {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let a = downcast::<Int64Array>(values[0].as_ref())?;
        let (vals, nulls) = (a.values(), a.nulls());
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(nulls, i) {
                self.add(g, vals[i]);
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let sums = self.evaluate()?;
        if !self.checked {
            return Ok(vec![sums]);
        }
        let is_empty: BooleanArray = self.set.iter().map(|s| Some(!s)).collect();
        Ok(vec![sums, Arc::new(is_empty)])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        if !self.checked {
            return self.update_batch(states, group_indices, total_groups);
        }
        self.resize(total_groups);
        let sums = downcast::<Int64Array>(states[0].as_ref())?;
        let empty = downcast::<BooleanArray>(states[1].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if empty.is_valid(i) && empty.value(i) {
                continue;
            }
            if sums.is_valid(i) {
                self.add(g, sums.value(i));
            } else {
                self.set[g] = true;
                self.overflow[g] = true;
            }
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        let valid: Vec<bool> = self.set.iter().zip(&self.overflow).map(|(s, o)| *s && !o).collect();
        Ok(Arc::new(Int64Array::new(self.sums.clone().into(), nulls_from(&valid))))
    }
}

/// Double sums, added in row order (and partial sums left to right) as Spark does.
#[derive(Default)]
struct SumF64 {
    sums: Vec<f64>,
    set: Vec<bool>,
}

impl GroupsAccumulator for SumF64 {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.sums.resize(total_groups, 0.0);
        self.set.resize(total_groups, false);
        if group_indices.is_empty() {
            return Ok(());
        }
        let a = downcast::<Float64Array>(values[0].as_ref())?;
        let (vals, nulls) = (a.values(), a.nulls());
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(nulls, i) {
                self.sums[g] += vals[i];
                self.set[g] = true;
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
        Ok(Arc::new(Float64Array::new(self.sums.clone().into(), nulls_from(&self.set))))
    }
}

/// 10^p: the first magnitude a decimal of precision p cannot hold.
pub(super) fn pow10(p: u8) -> i128 {
    10i128.pow(p as u32)
}

/// Decimal sums in 128 bits. Spark adds without a precision check inside a partition and nulls the sum when a
/// partial result no longer fits the result precision; `overflow` marks a group whose sum left the range, and
/// `non_empty` tells a null-because-overflow sum (null result) from a sum of nothing (also null, but mergeable).
struct SumDecimal {
    precision: u8,
    scale: i8,
    sums: Vec<i128>,
    non_empty: Vec<bool>,
    overflow: Vec<bool>,
}

impl SumDecimal {
    fn new(precision: u8, scale: i8) -> Self {
        SumDecimal { precision, scale, sums: Vec::new(), non_empty: Vec::new(), overflow: Vec::new() }
    }
    fn resize(&mut self, n: usize) {
        self.sums.resize(n, 0);
        self.non_empty.resize(n, false);
        self.overflow.resize(n, false);
    }
    #[inline]
    fn add(&mut self, g: usize, v: i128) {
        match self.sums[g].checked_add(v) {
            Some(s) => self.sums[g] = s,
            None => self.overflow[g] = true,
        }
    }
    fn out_of_range(&self, g: usize) -> bool {
        self.overflow[g] || self.sums[g].unsigned_abs() >= pow10(self.precision) as u128
    }
    fn sums_array(&self) -> Result<Decimal128Array> {
        let valid: Vec<bool> = (0..self.sums.len()).map(|g| self.non_empty[g] && !self.out_of_range(g)).collect();
        let vals: Vec<i128> = self.sums.iter().zip(&valid).map(|(s, v)| if *v { *s } else { 0 }).collect();
        Ok(Decimal128Array::new(vals.into(), nulls_from(&valid))
            .with_precision_and_scale(self.precision, self.scale)?)
    }
}

impl GroupsAccumulator for SumDecimal {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let a = downcast::<Decimal128Array>(values[0].as_ref())?;
        let (vals, nulls) = (a.values(), a.nulls());
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(nulls, i) {
                self.add(g, vals[i]);
                self.non_empty[g] = true;
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let is_empty: BooleanArray = self.non_empty.iter().map(|n| Some(!n)).collect();
        Ok(vec![Arc::new(self.sums_array()?), Arc::new(is_empty)])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        let sums = downcast::<Decimal128Array>(states[0].as_ref())?;
        let empty = downcast::<BooleanArray>(states[1].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if empty.is_valid(i) && empty.value(i) {
                continue;
            }
            self.non_empty[g] = true;
            if sums.is_valid(i) {
                self.add(g, sums.value(i));
            } else {
                self.overflow[g] = true;
            }
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        Ok(Arc::new(self.sums_array()?))
    }
}

/// Day-time interval sums; overflow is an error, as Spark's interval arithmetic raises it.
#[derive(Default)]
struct SumInterval {
    /// try_sum: an overflow nulls the group instead of failing (kept as i64::MIN + a flag would be lossy, so
    /// the flag lives beside the sums).
    checked: bool,
    sums: Vec<i64>,
    set: Vec<bool>,
    overflow: Vec<bool>,
}

impl GroupsAccumulator for SumInterval {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.sums.resize(total_groups, 0);
        self.set.resize(total_groups, false);
        self.overflow.resize(total_groups, false);
        if group_indices.is_empty() {
            return Ok(());
        }
        let a = downcast::<DurationMicrosecondArray>(values[0].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if a.is_valid(i) && self.checked {
                match self.sums[g].checked_add(a.value(i)) {
                    Some(v) => self.sums[g] = v,
                    None => self.overflow[g] = true,
                }
                self.set[g] = true;
            } else if a.is_valid(i) {
                self.sums[g] = self.sums[g].checked_add(a.value(i)).ok_or_else(|| {
                    EmberError::arithmetic(
                        "[ARITHMETIC_OVERFLOW] long overflow. Use 'try_add' to tolerate overflow and return NULL \
                         instead. SQLSTATE: 22003",
                    )
                })?;
                self.set[g] = true;
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
        let valid: Vec<bool> = self.set.iter().zip(&self.overflow).map(|(s, o)| *s && !o).collect();
        Ok(Arc::new(DurationMicrosecondArray::new(self.sums.clone().into(), nulls_from(&valid))))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, Decimal128Array, Float64Array, Int64Array};
    use arrow::datatypes::DataType;

    use super::super::test_util::*;

    #[test]
    fn integral_sums_wrap_and_null_groups() {
        // PySpark: sum(l) with l = 10, null, 2^62 → 4611686018427387914; 2^62 twice → -9223372036854775808.
        let l: ArrayRef =
            Arc::new(Int64Array::from(vec![Some(10), None, Some(1 << 62), None, Some(1 << 62), Some(1 << 62)]));
        let g = [0, 0, 0, 1, 2, 2];
        let args = [arg(DataType::Int64, "l")];
        let want = vec![Some(4611686018427387914), None, Some(i64::MIN)];
        assert_eq!(i64s(&run("sum", &args, false, &[l.clone()], &g, 3)), want);
        assert_eq!(i64s(&run_merged("sum", &args, false, &[l], &g, 3, 5)), want);
        let sig = func("sum").resolve(&[arg(DataType::Int32, "i")], false).unwrap();
        assert_eq!((sig.arg_types[0].clone(), sig.return_type), (DataType::Int64, DataType::Int64));
    }

    #[test]
    fn double_and_string_sums() {
        let sig = func("sum").resolve(&[arg(DataType::Utf8, "s")], false).unwrap();
        assert_eq!(sig.return_type, DataType::Float64);
        let d: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.5), None, Some(2.5), Some(f64::NAN)]));
        let out = f64s(&run("sum", &[arg(DataType::Float64, "d")], false, &[d], &[0, 0, 0, 1], 3));
        assert_eq!(out[0], Some(4.0));
        assert!(out[1].unwrap().is_nan());
        assert_eq!(out[2], None);
    }

    #[test]
    fn decimal_sum_type_and_overflow() {
        let f = func("sum");
        let sig = f.resolve(&[arg(DataType::Decimal128(10, 2), "dec")], false).unwrap();
        assert_eq!(sig.return_type, DataType::Decimal128(20, 2));
        let nines = 10i128.pow(38) - 1;
        let big: ArrayRef = Arc::new(
            Decimal128Array::from(vec![Some(nines), Some(nines), Some(-1), Some(1), None])
                .with_precision_and_scale(38, 0)
                .unwrap(),
        );
        let args = [arg(DataType::Decimal128(38, 0), "x")];
        let out = run("sum", &args, false, &[big.clone()], &[0, 0, 0, 1, 2], 3);
        let out = out.as_any().downcast_ref::<Decimal128Array>().unwrap();
        assert_eq!(out.data_type(), &DataType::Decimal128(38, 0));
        // PySpark: sum over 9…9 (38 digits) twice and -1 is null (overflow); an all-null group is null.
        assert!(out.is_null(0));
        assert_eq!(out.value(1), 1);
        assert!(out.is_null(2));
        // A partial that overflowed stays null after merging with the other partial.
        let m = run_merged("sum", &args, false, &[big], &[0, 0, 0, 1, 2], 3, 2);
        assert!(m.is_null(0));
    }

    #[test]
    fn decimal_overflow_is_checked_at_partial_boundaries() {
        // PySpark, decimal(38,0) values 5e37, 5e37, 5e37, -5e37, -5e37: one partition → 5e37 (the running sum may
        // pass 38 digits), two partitions (5e37+5e37 | …) → null; avg overflows per row → null either way.
        let five = 5 * 10i128.pow(37);
        let x: ArrayRef = Arc::new(
            Decimal128Array::from(vec![five, five, five, -five, -five]).with_precision_and_scale(38, 0).unwrap(),
        );
        let args = [arg(DataType::Decimal128(38, 0), "x")];
        let one = run("sum", &args, false, &[x.clone()], &[0; 5], 1);
        assert_eq!(one.as_any().downcast_ref::<Decimal128Array>().unwrap().value(0), five);
        assert!(run_merged("sum", &args, false, &[x.clone()], &[0; 5], 1, 2).is_null(0));
        assert!(run("avg", &args, false, &[x], &[0; 5], 1).is_null(0));
    }

    #[test]
    fn try_sum_nulls_overflow_through_merges() {
        let l: ArrayRef = Arc::new(Int64Array::from(vec![Some(1 << 62), Some(1 << 62), Some(1), None, Some(-5)]));
        let g = [0, 0, 0, 1, 1];
        let args = [arg(DataType::Int64, "x")];
        assert_eq!(i64s(&run("try_sum", &args, false, &[l.clone()], &g, 2)), vec![None, Some(-5)]);
        // The first partial overflows alone; its null must survive the merge.
        assert_eq!(i64s(&run_merged("try_sum", &args, false, &[l.clone()], &g, 2, 2)), vec![None, Some(-5)]);
        assert_eq!(i64s(&run_merged("try_sum", &args, false, &[l], &g, 2, 1)), vec![None, Some(-5)]);
    }

    #[test]
    fn empty_global_sum_is_null() {
        let (_, mut a) = acc("sum", &[arg(DataType::Int32, "i")], false);
        a.update_batch(&[], &[], 1).unwrap();
        assert_eq!(i64s(&a.evaluate().unwrap()), vec![None]);
    }

    #[test]
    fn distinct_sum() {
        let i: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), Some(1), Some(3), None, Some(7), Some(7)]));
        let g = [0, 0, 0, 1, 2, 2];
        let args = [arg(DataType::Int64, "i")];
        assert_eq!(func("sum").display_name(&["i".into()], true), "sum(DISTINCT i)");
        assert_eq!(i64s(&run("sum", &args, true, &[i.clone()], &g, 3)), vec![Some(4), None, Some(7)]);
        assert_eq!(i64s(&run_merged("sum", &args, true, &[i], &g, 3, 1)), vec![Some(4), None, Some(7)]);
    }
}
