//! `approx_count_distinct(x, rsd = 0.05)`: HyperLogLog++ as Spark runs it — xxhash64 (seed 42) of the value with
//! Spark's per-type hashing, 2^p six-bit registers, linear counting below Spark's per-precision thresholds.
//!
//! Not reproduced: the empirical bias-correction tables of the HLL++ paper, which Spark applies to raw estimates
//! below 5·m when linear counting is not chosen (at the default p = 9, distinct counts of roughly 400..2500);
//! there the estimate is the raw HLL estimate and can differ from Spark's by the bias (a few percent).
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BinaryArray, Float64Array, Int64Array};
use arrow::datatypes::DataType;

use super::xxhash64::spark_xxhash64;
use super::{downcast, AggFn};
use crate::error::{EmberError, Result};
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};

const DEFAULT_RSD: f64 = 0.05;

/// Linear counting is used when its estimate is at most this (index p - 4), as in Spark.
const THRESHOLDS: [f64; 15] = [
    10.0, 20.0, 40.0, 80.0, 220.0, 400.0, 900.0, 1800.0, 3100.0, 6500.0, 15500.0, 20000.0, 50000.0, 120000.0, 350000.0,
];

pub(super) fn functions() -> Vec<AggFn> {
    vec![AggFn {
        name: "approx_count_distinct",
        resolve: resolve_hll,
        state_types: |_| vec![DataType::Binary],
        create: |_| Ok(Box::new(Hll { p: 0, registers: Vec::new(), groups: 0 })),
        // The relative SD is left out of the generated name: `approx_count_distinct(x)`.
        display: Some(|name, args, distinct| {
            format!(
                "{name}({}{})",
                if distinct { "DISTINCT " } else { "" },
                args.first().map(String::as_str).unwrap_or("")
            )
        }),
        distinct_neutral: true,
    }]
}

/// Register-index bits for a relative standard deviation: ceil(2·log2(1.106 / rsd)).
pub fn hll_precision(rsd: f64) -> Result<u32> {
    let p = (2.0 * (1.106 / rsd).ln() / 2f64.ln()).ceil();
    // Spark only bounds it below; a tiny `rsd` (p of 30 and more) crashes its JVM. Past 2^26 one-byte registers
    // (64 MB) per group ember refuses with the same error rather than attempt the allocation.
    if !(4.0..=26.0).contains(&p) {
        return Err(EmberError::analysis_class(
            "FAILED_FUNCTION_CALL",
            "Failed preparing of the function `approx_count_distinct` for call. Please, double check function's \
             arguments. SQLSTATE: 38000",
        ));
    }
    Ok(p as u32)
}

fn resolve_hll(args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
    check_arg_count("approx_count_distinct", args, 1, 2)?;
    let mut arg_types = vec![args[0].data_type.clone()];
    if let Some(rsd) = args.get(1) {
        // Spark takes `relativeSD` only as a DOUBLE or DECIMAL literal (`0.05` in SQL is a decimal).
        if rsd.literal.is_some() && !matches!(rsd.data_type, DataType::Float64 | DataType::Decimal128(..)) {
            return Err(EmberError::analysis("The second argument should be a double literal."));
        }
        let value = rsd.literal.as_ref().and_then(|l| {
            let l = arrow::compute::cast(l, &DataType::Float64).ok()?;
            let f = l.as_any().downcast_ref::<Float64Array>()?;
            f.is_valid(0).then(|| f.value(0))
        });
        match value {
            Some(v) => {
                hll_precision(v)?;
            }
            None => {
                return Err(EmberError::analysis_class(
                    "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                    format!(
                        "Cannot resolve \"approx_count_distinct({}, {})\" due to data type mismatch: the input \
                         `relativeSD` should be a foldable \"DOUBLE\" expression; however, got \"{}\". SQLSTATE: 42K09",
                        args[0].sql, rsd.sql, rsd.sql
                    ),
                ))
            }
        }
        arg_types.push(DataType::Float64);
    }
    Ok(Signature { arg_types, return_type: DataType::Int64, nullable: false })
}

/// One byte per register, `2^p` registers per group, laid out group after group.
struct Hll {
    p: u32,
    registers: Vec<u8>,
    groups: usize,
}

impl Hll {
    fn m(&self) -> usize {
        1 << self.p
    }
    fn set_precision(&mut self, p: u32) -> Result<()> {
        if self.p == 0 {
            self.p = p;
        } else if self.p != p {
            return Err(EmberError::execution("approx_count_distinct: partial states of different precision"));
        }
        Ok(())
    }
    fn resize(&mut self, n: usize) {
        self.groups = self.groups.max(n);
        if self.p != 0 {
            self.registers.resize(self.groups * self.m(), 0);
        }
    }

    /// Spark's HLL++ estimate for one group's registers.
    fn estimate(&self, g: usize) -> i64 {
        if self.p == 0 {
            return 0;
        }
        let m = self.m();
        let regs = &self.registers[g * m..(g + 1) * m];
        let mut z_inverse = 0.0f64;
        let mut zeros = 0.0f64;
        for &r in regs {
            z_inverse += 1.0 / (1u64 << r) as f64;
            if r == 0 {
                zeros += 1.0;
            }
        }
        let md = m as f64;
        let alpha_m2 = match self.p {
            4 => 0.673 * md * md,
            5 => 0.697 * md * md,
            6 => 0.709 * md * md,
            _ => (0.7213 / (1.0 + 1.079 / md)) * md * md,
        };
        let e = alpha_m2 / z_inverse;
        let estimate = if zeros > 0.0 {
            let h = md * (md / zeros).ln();
            if (self.p < 19 && h <= THRESHOLDS[self.p as usize - 4]) || e <= 2.5 * md {
                h
            } else {
                e
            }
        } else {
            e
        };
        // Java's Math.round: floor(x + 0.5).
        (estimate + 0.5).floor() as i64
    }
}

impl GroupsAccumulator for Hll {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        if self.p == 0 {
            let rsd = match values.get(1) {
                Some(a) if !a.is_empty() => downcast::<Float64Array>(a.as_ref())?.value(0),
                _ => DEFAULT_RSD,
            };
            if !group_indices.is_empty() {
                self.set_precision(hll_precision(rsd)?)?;
            }
        }
        self.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let col = &values[0];
        let mut hashes = vec![42u64; col.len()];
        spark_xxhash64(col, &mut hashes)?;
        let (p, m) = (self.p, self.m());
        let shift = 64 - p;
        let padding = 1u64 << (p - 1);
        let nulls = col.logical_nulls();
        for (i, &g) in group_indices.iter().enumerate() {
            if nulls.as_ref().map(|n| n.is_null(i)).unwrap_or(false) {
                continue;
            }
            let x = hashes[i];
            let idx = (x >> shift) as usize;
            let pw = (((x << p) | padding).leading_zeros() + 1) as u8;
            let r = &mut self.registers[g * m + idx];
            if pw > *r {
                *r = pw;
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let m = if self.p == 0 { 0 } else { self.m() };
        let rows: Vec<&[u8]> = (0..self.groups).map(|g| &self.registers[g * m..(g + 1) * m]).collect();
        Ok(vec![Arc::new(BinaryArray::from(rows))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        let b = downcast::<BinaryArray>(states[0].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            let regs = b.value(i);
            if regs.is_empty() {
                self.resize(total_groups.max(g + 1));
                continue;
            }
            self.set_precision(regs.len().trailing_zeros())?;
            self.resize(total_groups);
            let m = self.m();
            for (dst, src) in self.registers[g * m..(g + 1) * m].iter_mut().zip(regs) {
                *dst = (*dst).max(*src);
            }
        }
        self.resize(total_groups);
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ArrayRef> {
        Ok(Arc::new(Int64Array::from((0..self.groups).map(|g| self.estimate(g)).collect::<Vec<_>>())))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, StringArray};
    use arrow::datatypes::DataType;

    use super::super::test_util::*;
    use super::hll_precision;

    fn acd(values: ArrayRef, rsd: Option<f64>) -> i64 {
        let n = values.len();
        let mut args = vec![arg(values.data_type().clone(), "x")];
        let mut cols = vec![values];
        if let Some(r) = rsd {
            let lit: ArrayRef = Arc::new(Float64Array::from(vec![r]));
            args.push(lit_arg(lit, &r.to_string()));
            cols.push(Arc::new(Float64Array::from(vec![r; n])));
        }
        i64s(&run("approx_count_distinct", &args, false, &cols, &vec![0; n], 1))[0].unwrap()
    }

    #[test]
    fn name_omits_rsd() {
        assert_eq!(
            func("approx_count_distinct").display_name(&["s".into(), "0.1".into()], false),
            "approx_count_distinct(s)"
        );
    }

    #[test]
    fn precision_from_rsd() {
        assert_eq!(hll_precision(0.05).unwrap(), 9);
        assert_eq!(hll_precision(0.01).unwrap(), 14);
        assert_eq!(hll_precision(0.2).unwrap(), 5);
        assert!(hll_precision(0.5).is_err());
    }

    /// PySpark 4.3: `spark.range(n).select(approx_count_distinct(id), …(cast int), …(cast string), …(cast double),
    /// …(id, 0.01), …(id, 0.2))`.
    const SPARK: [(i64, [i64; 6]); 15] = [
        (1, [1, 1, 1, 1, 1, 1]),
        (5, [5, 5, 5, 5, 5, 5]),
        (10, [10, 10, 10, 10, 10, 12]),
        (50, [52, 50, 49, 47, 50, 54]),
        (100, [103, 99, 104, 97, 100, 111]),
        (300, [296, 295, 296, 298, 301, 314]),
        (400, [397, 399, 397, 405, 401, 342]),
        (500, [484, 494, 492, 510, 500, 394]),
        (700, [698, 698, 675, 722, 697, 433]),
        (1000, [1026, 1026, 1034, 1115, 996, 748]),
        (2000, [1947, 2023, 1937, 1925, 2013, 2042]),
        (3000, [2770, 2963, 2788, 2837, 2991, 2512]),
        (5000, [4671, 4956, 4632, 4558, 4957, 4700]),
        (20000, [19522, 18595, 18604, 18487, 19867, 18488]),
        (100000, [95546, 94954, 97299, 93425, 100425, 89779]),
    ];

    fn ours(n: i64) -> [i64; 6] {
        let ids: Vec<i64> = (0..n).collect();
        let l: ArrayRef = Arc::new(Int64Array::from(ids.clone()));
        let i: ArrayRef = Arc::new(Int32Array::from(ids.iter().map(|v| *v as i32).collect::<Vec<_>>()));
        let s: ArrayRef = Arc::new(StringArray::from(ids.iter().map(|v| v.to_string()).collect::<Vec<_>>()));
        let d: ArrayRef = Arc::new(Float64Array::from(ids.iter().map(|v| *v as f64).collect::<Vec<_>>()));
        [acd(l.clone(), None), acd(i, None), acd(s, None), acd(d, None), acd(l.clone(), Some(0.01)), acd(l, Some(0.2))]
    }

    #[test]
    fn equals_spark_outside_the_bias_corrected_range() {
        for (n, want) in SPARK {
            let got = ours(n);
            for c in 0..6 {
                // n = 2000 at p = 9 is in the bias-corrected range (see the module doc): close, not equal.
                if n == 2000 && c < 4 {
                    assert!((got[c] - want[c]).abs() <= want[c] / 100, "{n} {c}: {} vs {}", got[c], want[c]);
                } else {
                    assert_eq!(got[c], want[c], "n = {n}, column {c}");
                }
            }
        }
    }

    #[test]
    fn small_counts_and_merge() {
        let ids: ArrayRef = Arc::new(Int64Array::from((0..100).collect::<Vec<i64>>()));
        let got = acd(ids.clone(), None);
        assert!((95..=105).contains(&got), "{got}");
        let merged = run_merged("approx_count_distinct", &[arg(DataType::Int64, "x")], false, &[ids], &[0; 100], 1, 37);
        assert_eq!(i64s(&merged)[0].unwrap(), got);
        let s: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None, Some("y"), Some("x")]));
        assert_eq!(acd(s, Some(0.1)), 2);
        let i: ArrayRef = Arc::new(Int32Array::from(vec![1, 3]));
        assert_eq!(acd(i, None), 2);
        let (_, mut e) = acc("approx_count_distinct", &[arg(DataType::Int32, "i")], false);
        e.update_batch(&[], &[], 1).unwrap();
        assert_eq!(i64s(&e.evaluate().unwrap()), vec![Some(0)]);
    }
}
