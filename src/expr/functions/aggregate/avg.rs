//! `avg(x)` / `mean(x)`: double (sum and count kept apart), or decimal(p+4,s+4) from a decimal(p+10,s) sum divided
//! the way Spark's decimal division does (39 significant digits, then the result scale, both half-up).
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Decimal128Array, DurationMicrosecondArray, Float64Array, Int64Array};
use arrow::datatypes::DataType;

use super::sum::pow10;
use super::{downcast, is_valid, sig1, unexpected_input_type, AggFn};
use crate::error::EmberError;
use crate::error::Result;
use crate::expr::coercion::bounded_decimal;
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};
use crate::types::day_time_interval_type;

pub(super) fn functions() -> Vec<AggFn> {
    // try_avg equals avg without ANSI mode: the double sum cannot overflow and decimal overflow is null anyway.
    ["avg", "mean", "try_avg"]
        .into_iter()
        .map(|name| AggFn {
            name,
            resolve: resolve_avg,
            state_types: |sig| vec![sum_type(&sig.arg_types[0]), DataType::Int64],
            create: create_avg,
            // SQL's `mean(x)` keeps its name; PySpark's `F.mean` builds `avg` (its column reads `avg(x)`).
            display: None,
            distinct_neutral: false,
        })
        .collect()
}

fn resolve_avg(args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
    check_arg_count("avg", args, 1, 1)?;
    Ok(match &args[0].data_type {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Float32
        | DataType::Float64
        | DataType::Utf8
        | DataType::Null => sig1(DataType::Float64, DataType::Float64, true),
        DataType::Decimal128(p, s) => {
            sig1(args[0].data_type.clone(), bounded_decimal(*p as i16 + 4, *s as i16 + 4), true)
        }
        DataType::Duration(_) => sig1(day_time_interval_type(), day_time_interval_type(), true),
        _ => return Err(unexpected_input_type("avg", args, 0, "\"NUMERIC\" or \"ANSI INTERVAL\"")),
    })
}

fn sum_type(arg: &DataType) -> DataType {
    match arg {
        DataType::Decimal128(p, s) => bounded_decimal(*p as i16 + 10, *s as i16),
        DataType::Duration(_) => day_time_interval_type(),
        _ => DataType::Float64,
    }
}

fn create_avg(sig: &Signature) -> Result<Box<dyn GroupsAccumulator>> {
    Ok(match (&sig.arg_types[0], &sig.return_type) {
        (DataType::Decimal128(_, s), DataType::Decimal128(rp, rs)) => {
            let DataType::Decimal128(sp, _) = sum_type(&sig.arg_types[0]) else { unreachable!() };
            Box::new(AvgDecimal { sum_precision: sp, scale: *s, result: (*rp, *rs), ..Default::default() })
        }
        (DataType::Duration(_), _) => Box::new(AvgInterval::default()),
        _ => Box::new(AvgF64::default()),
    })
}

#[derive(Default)]
struct AvgF64 {
    sums: Vec<f64>,
    counts: Vec<i64>,
}

impl AvgF64 {
    fn resize(&mut self, n: usize) {
        self.sums.resize(n, 0.0);
        self.counts.resize(n, 0);
    }
}

impl GroupsAccumulator for AvgF64 {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let a = downcast::<Float64Array>(values[0].as_ref())?;
        let (vals, nulls) = (a.values(), a.nulls());
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(nulls, i) {
                self.sums[g] += vals[i];
                self.counts[g] += 1;
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        Ok(vec![Arc::new(Float64Array::from(self.sums.clone())), Arc::new(Int64Array::from(self.counts.clone()))])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        let s = downcast::<Float64Array>(states[0].as_ref())?;
        let c = downcast::<Int64Array>(states[1].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if s.is_valid(i) {
                self.sums[g] += s.value(i);
            }
            self.counts[g] += c.value(i);
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        Ok(Arc::new(
            self.sums
                .iter()
                .zip(&self.counts)
                .map(|(s, c)| if *c == 0 { None } else { Some(s / *c as f64) })
                .collect::<Float64Array>(),
        ))
    }
}

/// Day-time interval averages: microsecond sum (overflow is an error) divided half-up by the count.
#[derive(Default)]
struct AvgInterval {
    sums: Vec<i64>,
    counts: Vec<i64>,
}

impl AvgInterval {
    fn add(&mut self, g: usize, v: i64, n: i64) -> Result<()> {
        self.sums[g] = self.sums[g].checked_add(v).ok_or_else(|| {
            EmberError::arithmetic(
                "[ARITHMETIC_OVERFLOW] long overflow. Use 'try_add' to tolerate overflow and return NULL instead. \
                 SQLSTATE: 22003",
            )
        })?;
        self.counts[g] += n;
        Ok(())
    }
}

impl GroupsAccumulator for AvgInterval {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.sums.resize(total_groups, 0);
        self.counts.resize(total_groups, 0);
        if group_indices.is_empty() {
            return Ok(());
        }
        let a = downcast::<DurationMicrosecondArray>(values[0].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if a.is_valid(i) {
                self.add(g, a.value(i), 1)?;
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        Ok(vec![
            Arc::new(DurationMicrosecondArray::from(self.sums.clone())),
            Arc::new(Int64Array::from(self.counts.clone())),
        ])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.sums.resize(total_groups, 0);
        self.counts.resize(total_groups, 0);
        let s = downcast::<DurationMicrosecondArray>(states[0].as_ref())?;
        let c = downcast::<Int64Array>(states[1].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            self.add(g, s.value(i), c.value(i))?;
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        let out: DurationMicrosecondArray = self
            .sums
            .iter()
            .zip(&self.counts)
            .map(|(s, c)| {
                (*c != 0).then(|| {
                    let (q, r) = (s / c, s % c);
                    // Half-up: a remainder of at least half the divisor rounds away from zero.
                    if 2 * r.unsigned_abs() >= c.unsigned_abs() {
                        q + s.signum()
                    } else {
                        q
                    }
                })
            })
            .collect();
        Ok(Arc::new(out))
    }
}

/// Decimal averages: the sum at the input scale (null once it leaves the sum type's precision, as Spark's
/// buffer does), and the row count.
#[derive(Default)]
struct AvgDecimal {
    sum_precision: u8,
    scale: i8,
    result: (u8, i8),
    sums: Vec<i128>,
    overflow: Vec<bool>,
    counts: Vec<i64>,
}

impl AvgDecimal {
    fn resize(&mut self, n: usize) {
        self.sums.resize(n, 0);
        self.overflow.resize(n, false);
        self.counts.resize(n, 0);
    }
    #[inline]
    fn add(&mut self, g: usize, v: i128) {
        match self.sums[g].checked_add(v) {
            Some(s) if s.unsigned_abs() < pow10(self.sum_precision) as u128 => self.sums[g] = s,
            _ => self.overflow[g] = true,
        }
    }
}

impl GroupsAccumulator for AvgDecimal {
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
                self.counts[g] += 1;
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let sums: Decimal128Array = self.sums.iter().zip(&self.overflow).map(|(s, o)| (!o).then_some(*s)).collect();
        Ok(vec![
            Arc::new(sums.with_precision_and_scale(self.sum_precision, self.scale)?),
            Arc::new(Int64Array::from(self.counts.clone())),
        ])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        let s = downcast::<Decimal128Array>(states[0].as_ref())?;
        let c = downcast::<Int64Array>(states[1].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if s.is_valid(i) {
                self.add(g, s.value(i));
            } else {
                self.overflow[g] = true;
            }
            self.counts[g] += c.value(i);
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        let (rp, rs) = self.result;
        let out: Decimal128Array = (0..self.sums.len())
            .map(|g| {
                if self.counts[g] == 0 || self.overflow[g] {
                    None
                } else {
                    decimal_div_count(self.sums[g], self.scale, self.counts[g] as u64, rp, rs)
                }
            })
            .collect();
        Ok(Arc::new(out.with_precision_and_scale(rp, rs)?))
    }
}

/// `sum / count` for a decimal `sum` (unscaled, at `scale`) as Spark computes it: the quotient rounded half-up to
/// 39 significant digits, then half-up to `result_scale`; None when it does not fit `result_precision`.
pub(super) fn decimal_div_count(
    sum: i128,
    scale: i8,
    count: u64,
    result_precision: u8,
    result_scale: i8,
) -> Option<i128> {
    let neg = sum < 0;
    let s = sum.unsigned_abs();
    let c = count as u128;
    let shift = (result_scale - scale) as u32;
    let (whole, mut rem) = (s / c, s % c);
    // Truncated quotient at the result scale: the integer quotient shifted, plus `shift` long-division digits.
    let mut t = whole.checked_mul(10u128.checked_pow(shift)?)?;
    let mut place = 10u128.pow(shift);
    for _ in 0..shift {
        place /= 10;
        rem *= 10;
        t += (rem / c) * place;
        rem %= c;
    }
    // Digits beyond the result scale, enough to see past the 39th significant digit.
    let mut extra = [0u8; 80];
    for d in extra.iter_mut() {
        rem *= 10;
        *d = (rem / c) as u8;
        rem %= c;
    }
    // Position (relative to the result scale) of the quotient's 39th significant digit.
    let k: i64 = if t > 0 {
        let digits = t.ilog10() as i64 + 1;
        39 - digits
    } else {
        match extra.iter().position(|d| *d != 0) {
            Some(first) => first as i64 + 39,
            None => 0,
        }
    };
    if t > 0 && k <= 0 {
        return None;
    }
    let k = k.clamp(1, extra.len() as i64 - 1) as usize;
    // Rounding at the 39th digit may carry into the first dropped digit (a 4 followed by 9s), then round again.
    let up = extra[0] >= 5 || (extra[0] == 4 && extra[1..k].iter().all(|d| *d == 9) && extra[k] >= 5);
    let r = t + up as u128;
    if r >= pow10(result_precision) as u128 {
        return None;
    }
    Some(if neg { -(r as i128) } else { r as i128 })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, Decimal128Array, Float64Array, Int64Array};
    use arrow::datatypes::DataType;

    use super::super::test_util::*;
    use super::decimal_div_count;

    #[test]
    fn double_avg_groups_and_merge() {
        let i: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), None, Some(3.0), None, Some(7.0), Some(7.0)]));
        let g = [0, 0, 0, 1, 2, 2];
        let args = [arg(DataType::Int32, "i")];
        let want = vec![Some(2.0), None, Some(7.0)];
        assert_eq!(f64s(&run("avg", &args, false, &[i.clone()], &g, 3)), want);
        assert_eq!(f64s(&run_merged("avg", &args, false, &[i], &g, 3, 2)), want);
        assert_eq!(func("mean").display_name(&["d".into()], false), "mean(d)");
        let sig = func("avg").resolve(&args, false).unwrap();
        assert_eq!(sig.arg_types[0], DataType::Float64);
    }

    #[test]
    fn long_avg_goes_through_double() {
        // PySpark: avg of 2^62 three times = 4.611686018427388E18.
        let l: ArrayRef = Arc::new(Float64Array::from(vec![4.611686018427388e18; 3]));
        let out = f64s(&run("avg", &[arg(DataType::Int64, "x")], false, &[l], &[0, 0, 0], 1));
        assert_eq!(out, vec![Some(4.611686018427388e18)]);
        let _ = Int64Array::from(vec![1]);
    }

    #[test]
    fn decimal_avg_types_and_rounding() {
        let f = func("avg");
        let sig = f.resolve(&[arg(DataType::Decimal128(5, 2), "x")], false).unwrap();
        assert_eq!(sig.return_type, DataType::Decimal128(9, 6));
        // 1.00, 2.00, 2.00 → 1.666667 (PySpark: Decimal('1.666667')).
        let x: ArrayRef = Arc::new(Decimal128Array::from(vec![100, 200, 200]).with_precision_and_scale(5, 2).unwrap());
        let out = run("avg", &[arg(DataType::Decimal128(5, 2), "x")], false, &[x], &[0, 0, 0], 1);
        let out = out.as_any().downcast_ref::<Decimal128Array>().unwrap();
        assert_eq!(out.value(0), 1_666_667);
        assert_eq!(out.data_type(), &DataType::Decimal128(9, 6));
        // decimal(38,10): 1, 1, 0 → decimal(38,14) 0.66666666666667.
        assert_eq!(decimal_div_count(2 * 10i128.pow(10), 10, 3, 38, 14), Some(66_666_666_666_667));
        // decimal(35,34): result decimal(38,38) keeps 39 significant digits then rounds to 38 places.
        assert_eq!(
            decimal_div_count(2 * 10i128.pow(34), 34, 3, 38, 38),
            Some(66_666_666_666_666_666_666_666_666_666_666_666_667)
        );
        assert_eq!(decimal_div_count(-5, 0, 2, 10, 4), Some(-25_000));
        assert_eq!(decimal_div_count(10i128.pow(37), 0, 1, 38, 4), None);
    }

    #[test]
    fn interval_avg_rounds_half_up() {
        // PySpark: avg(interval 1 day, interval 2 hours) = 13 hours.
        let x: ArrayRef =
            Arc::new(arrow::array::DurationMicrosecondArray::from(vec![86_400_000_000, 7_200_000_000, 1, 2, -3]));
        let args = [arg(crate::types::day_time_interval_type(), "x")];
        let out = run_merged("avg", &args, false, &[x], &[0, 0, 1, 1, 2], 3, 3);
        let out = out.as_any().downcast_ref::<arrow::array::DurationMicrosecondArray>().unwrap();
        assert_eq!(out.values().to_vec(), vec![46_800_000_000, 2, -3]);
    }

    #[test]
    fn decimal_avg_empty_and_merge() {
        let args = [arg(DataType::Decimal128(10, 2), "dec")];
        let x: ArrayRef = Arc::new(
            Decimal128Array::from(vec![Some(110), None, Some(225), Some(333), Some(-333)])
                .with_precision_and_scale(10, 2)
                .unwrap(),
        );
        let g = [0, 0, 0, 2, 2];
        // PySpark: avg(dec) → a: 1.675000, b: null, c: 0.000000 as decimal(14,6).
        let out = run_merged("avg", &args, false, &[x], &g, 3, 2);
        let out = out.as_any().downcast_ref::<Decimal128Array>().unwrap();
        assert_eq!(out.value(0), 1_675_000);
        assert!(out.is_null(1));
        assert_eq!(out.value(2), 0);
    }
}
