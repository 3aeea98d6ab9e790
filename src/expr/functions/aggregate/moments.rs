//! Central-moment aggregates (stddev/variance in both flavours, skewness, kurtosis) with Spark's online update and
//! pairwise merge formulas, evaluated in the same operation order so results match Spark's doubles bit for bit.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array};
use arrow::datatypes::DataType;

use super::{downcast, is_valid, sig1, unexpected_input_type, AggFn};
use crate::error::Result;
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    StddevSamp,
    StddevPop,
    VarSamp,
    VarPop,
    Skewness,
    Kurtosis,
}

impl Kind {
    fn order(self) -> usize {
        match self {
            Kind::Skewness => 3,
            Kind::Kurtosis => 4,
            _ => 2,
        }
    }
}

pub(super) fn functions() -> Vec<AggFn> {
    macro_rules! moment {
        ($name:expr, $kind:expr) => {
            AggFn {
                name: $name,
                resolve: |a, _| resolve_moment($name, a),
                state_types: |_| vec![DataType::Float64; $kind.order() + 1],
                create: |_| Ok(Box::new(Moments::new($kind))),
                display: None,
                distinct_neutral: false,
            }
        };
    }
    vec![
        moment!("stddev", Kind::StddevSamp),
        moment!("stddev_samp", Kind::StddevSamp),
        moment!("std", Kind::StddevSamp),
        moment!("variance", Kind::VarSamp),
        moment!("stddev_pop", Kind::StddevPop),
        moment!("var_samp", Kind::VarSamp),
        moment!("var_pop", Kind::VarPop),
        moment!("skewness", Kind::Skewness),
        moment!("kurtosis", Kind::Kurtosis),
    ]
}

fn resolve_moment(name: &str, args: &[ArgInfo]) -> Result<Signature> {
    check_arg_count(name, args, 1, 1)?;
    match &args[0].data_type {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(_, _)
        | DataType::Utf8
        | DataType::Null => Ok(sig1(DataType::Float64, DataType::Float64, true)),
        _ => Err(unexpected_input_type(name, args, 0, "\"DOUBLE\"")),
    }
}

/// n, avg, m2, m3, m4 per group (the higher ones only as far as the kind needs).
struct Moments {
    kind: Kind,
    n: Vec<f64>,
    avg: Vec<f64>,
    m2: Vec<f64>,
    m3: Vec<f64>,
    m4: Vec<f64>,
}

impl Moments {
    fn new(kind: Kind) -> Self {
        Moments { kind, n: Vec::new(), avg: Vec::new(), m2: Vec::new(), m3: Vec::new(), m4: Vec::new() }
    }
    fn resize(&mut self, len: usize) {
        self.n.resize(len, 0.0);
        self.avg.resize(len, 0.0);
        self.m2.resize(len, 0.0);
        if self.kind.order() >= 3 {
            self.m3.resize(len, 0.0);
        }
        if self.kind.order() >= 4 {
            self.m4.resize(len, 0.0);
        }
    }

    /// Spark's per-row update (CentralMomentAgg.updateExpressions), same operation order.
    #[inline]
    fn update(&mut self, g: usize, x: f64) {
        let order = self.kind.order();
        let n = self.n[g] + 1.0;
        let delta = x - self.avg[g];
        let delta_n = delta / n;
        let m2 = self.m2[g] + delta * (delta - delta_n);
        if order >= 3 {
            let delta2 = delta * delta;
            let delta_n2 = delta_n * delta_n;
            let m3 = self.m3[g] - 3.0 * delta_n * m2 + delta * (delta2 - delta_n2);
            if order >= 4 {
                self.m4[g] = self.m4[g] - 4.0 * delta_n * m3 - 6.0 * delta_n2 * m2
                    + delta * (delta * delta2 - delta_n * delta_n2);
            }
            self.m3[g] = m3;
        }
        self.n[g] = n;
        self.avg[g] += delta_n;
        self.m2[g] = m2;
    }

    /// Spark's pairwise merge (CentralMomentAgg.mergeExpressions): left is the kept state, right the incoming one.
    #[inline]
    fn merge(&mut self, g: usize, n2: f64, avg2: f64, m2_2: f64, m3_2: f64, m4_2: f64) {
        let order = self.kind.order();
        let n1 = self.n[g];
        let (avg1, m2_1) = (self.avg[g], self.m2[g]);
        let new_n = n1 + n2;
        let delta = avg2 - avg1;
        let delta_n = if new_n == 0.0 { 0.0 } else { delta / new_n };
        let new_avg = avg1 + delta_n * n2;
        let new_m2 = m2_1 + m2_2 + delta * delta_n * n1 * n2;
        if order >= 3 {
            let m3_1 = self.m3[g];
            let new_m3 =
                m3_1 + m3_2 + delta_n * delta_n * delta * n1 * n2 * (n1 - n2) + 3.0 * delta_n * (n1 * m2_2 - n2 * m2_1);
            if order >= 4 {
                let m4_1 = self.m4[g];
                self.m4[g] = m4_1
                    + m4_2
                    + delta_n * delta_n * delta_n * delta * n1 * n2 * (n1 * n1 - n1 * n2 + n2 * n2)
                    + 6.0 * delta_n * delta_n * (n1 * n1 * m2_2 + n2 * n2 * m2_1)
                    + 4.0 * delta_n * (n1 * m3_2 - n2 * m3_1);
            }
            self.m3[g] = new_m3;
        }
        self.n[g] = new_n;
        self.avg[g] = new_avg;
        self.m2[g] = new_m2;
    }

    /// The result; Spark 4 returns null (not NaN) where the formula divides by zero.
    fn result(&self, g: usize) -> Option<f64> {
        let (n, m2) = (self.n[g], self.m2[g]);
        if n == 0.0 {
            return None;
        }
        match self.kind {
            Kind::StddevPop => Some((m2 / n).sqrt()),
            Kind::VarPop => Some(m2 / n),
            Kind::StddevSamp => (n != 1.0).then(|| (m2 / (n - 1.0)).sqrt()),
            Kind::VarSamp => (n != 1.0).then(|| m2 / (n - 1.0)),
            Kind::Skewness => (m2 != 0.0).then(|| n.sqrt() * self.m3[g] / (m2 * m2 * m2).sqrt()),
            Kind::Kurtosis => (m2 != 0.0).then(|| n * self.m4[g] / (m2 * m2) - 3.0),
        }
    }
}

impl GroupsAccumulator for Moments {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let a = downcast::<Float64Array>(values[0].as_ref())?;
        let (vals, nulls) = (a.values(), a.nulls());
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(nulls, i) {
                self.update(g, vals[i]);
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let mut out: Vec<ArrayRef> = vec![
            Arc::new(Float64Array::from(self.n.clone())),
            Arc::new(Float64Array::from(self.avg.clone())),
            Arc::new(Float64Array::from(self.m2.clone())),
        ];
        if self.kind.order() >= 3 {
            out.push(Arc::new(Float64Array::from(self.m3.clone())));
        }
        if self.kind.order() >= 4 {
            out.push(Arc::new(Float64Array::from(self.m4.clone())));
        }
        Ok(out)
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let cols: Vec<&Float64Array> =
            states.iter().map(|s| downcast::<Float64Array>(s.as_ref())).collect::<Result<_>>()?;
        let get = |c: usize, i: usize| cols.get(c).map(|a| a.value(i)).unwrap_or(0.0);
        for (i, &g) in group_indices.iter().enumerate() {
            self.merge(g, get(0, i), get(1, i), get(2, i), get(3, i), get(4, i));
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        Ok(Arc::new((0..self.n.len()).map(|g| self.result(g)).collect::<Float64Array>()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array};
    use arrow::datatypes::DataType;

    use super::super::test_util::*;

    fn one(name: &str, xs: &[f64]) -> Option<f64> {
        let a: ArrayRef = Arc::new(Float64Array::from(xs.to_vec()));
        f64s(&run(name, &[arg(DataType::Float64, "x")], false, &[a], &vec![0; xs.len()], 1))[0]
    }

    #[test]
    fn spark_documented_values() {
        // PySpark 4.3 (local[1]) values.
        assert_eq!(one("stddev_pop", &[1.0, 2.0, 3.0]), Some(0.816496580927726));
        assert_eq!(one("stddev_samp", &[1.0, 2.0, 3.0]), Some(1.0));
        assert_eq!(one("var_pop", &[1.0, 2.0, 3.0]), Some(0.6666666666666666));
        assert_eq!(one("skewness", &[-10.0, -20.0, 100.0, 1000.0]), Some(1.1135657469022011));
        assert_eq!(one("kurtosis", &[-10.0, -20.0, 100.0, 1000.0]), Some(-0.7014368047529609));
        assert_eq!(one("kurtosis", &[1.0, 10.0, 100.0, 10.0, 1.0]), Some(0.19432323191698986));
        // PySpark 4.3 over '1', '2', '4' (strings cast to double), and stddev over '1.5', '2'.
        assert_eq!(one("kurtosis", &[1.0, 2.0, 4.0]), Some(-1.5000000000000009));
        assert_eq!(one("skewness", &[1.0, 2.0, 4.0]), Some(0.3818017741606068));
        assert_eq!(one("stddev", &[1.5, 2.0]), Some(0.3535533905932738));
        assert_eq!(one("stddev", &[1.0, 3.0]), Some(1.4142135623730951));
        assert_eq!(one("std", &[1.0, 2.0, 2.0]), Some(0.5773502691896258));
    }

    #[test]
    fn single_row_and_constant_give_null() {
        assert_eq!(one("stddev", &[1.0]), None);
        assert_eq!(one("var_samp", &[1.0]), None);
        assert_eq!(one("stddev_pop", &[1.0]), Some(0.0));
        assert_eq!(one("skewness", &[1.0, 1.0]), None);
        assert_eq!(one("kurtosis", &[1.0, 1.0]), None);
        assert_eq!(one("var_pop", &[]), None);
    }

    #[test]
    fn merge_matches_spark_pairwise_formula() {
        let xs: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 3.0, 7.0, 7.0, 10.5, -2.0]));
        let g = [0; 6];
        for name in ["stddev", "var_pop", "skewness", "kurtosis"] {
            let single = f64s(&run(name, &[arg(DataType::Float64, "x")], false, &[xs.clone()], &g, 1))[0].unwrap();
            let merged =
                f64s(&run_merged(name, &[arg(DataType::Float64, "x")], false, &[xs.clone()], &g, 1, 2))[0].unwrap();
            assert!((single - merged).abs() < 1e-12, "{name}: {single} vs {merged}");
        }
    }

    /// PySpark 4.3, local[1]: `parallelize(xs, parts)` then stddev, stddev_pop, var_samp, var_pop, skewness,
    /// kurtosis. Spark updates each partition, then merges the partials in order into an empty buffer.
    const SPARK_PARTITIONED: [(&[f64], usize, [&str; 6]); 12] = [
        (
            &[-10.0, -20.0, 100.0, 1000.0],
            1,
            [
                "491.350180624776",
                "425.52173857512844",
                "241424.99999999997",
                "181068.74999999997",
                "1.1135657469022011",
                "-0.7014368047529609",
            ],
        ),
        (
            &[-10.0, -20.0, 100.0, 1000.0],
            2,
            [
                "491.350180624776",
                "425.5217385751285",
                "241425.0",
                "181068.75",
                "1.1135657469022011",
                "-0.7014368047529627",
            ],
        ),
        (
            &[-10.0, -20.0, 100.0, 1000.0],
            3,
            [
                "491.350180624776",
                "425.5217385751285",
                "241425.0",
                "181068.75",
                "1.1135657469022011",
                "-0.7014368047529627",
            ],
        ),
        (
            &[-1000.0, -100.0, 10.0, 20.0],
            1,
            [
                "491.35018062477604",
                "425.52173857512855",
                "241425.00000000003",
                "181068.75000000003",
                "-1.113565746902201",
                "-0.7014368047529627",
            ],
        ),
        (
            &[-1000.0, -100.0, 10.0, 20.0],
            2,
            [
                "491.350180624776",
                "425.5217385751285",
                "241425.0",
                "181068.75",
                "-1.1135657469022011",
                "-0.7014368047529627",
            ],
        ),
        (
            &[-1000.0, -100.0, 10.0, 20.0],
            3,
            [
                "491.350180624776",
                "425.5217385751285",
                "241425.0",
                "181068.75",
                "-1.1135657469022011",
                "-0.7014368047529627",
            ],
        ),
        (
            &[1.0, 10.0, 100.0, 10.0, 1.0],
            1,
            [
                "42.50058823122334",
                "38.01368174749717",
                "1806.3",
                "1445.04",
                "1.4581249961461293",
                "0.19432323191698986",
            ],
        ),
        (
            &[1.0, 10.0, 100.0, 10.0, 1.0],
            2,
            [
                "42.50058823122334",
                "38.01368174749717",
                "1806.3",
                "1445.04",
                "1.4581249961461291",
                "0.19432323191699075",
            ],
        ),
        (
            &[1.0, 10.0, 100.0, 10.0, 1.0],
            3,
            [
                "42.50058823122334",
                "38.01368174749717",
                "1806.3",
                "1445.04",
                "1.4581249961461291",
                "0.19432323191699075",
            ],
        ),
        (
            &[0.1, 0.7, 3.3, 10000000000.0, -2.5, 0.3],
            1,
            [
                "4082482904.4834957",
                "3726779962.3580317",
                "1.6666666665399998e+19",
                "1.3888888887833332e+19",
                "1.7888543819998313",
                "1.1999999999999993",
            ],
        ),
        (
            &[0.1, 0.7, 3.3, 10000000000.0, -2.5, 0.3],
            2,
            [
                "4082482904.483496",
                "3726779962.358032",
                "1.6666666665400003e+19",
                "1.3888888887833336e+19",
                "1.7888543819998313",
                "1.1999999999999993",
            ],
        ),
        (
            &[0.1, 0.7, 3.3, 10000000000.0, -2.5, 0.3],
            3,
            [
                "4082482904.483496",
                "3726779962.358032",
                "1.6666666665400003e+19",
                "1.3888888887833336e+19",
                "1.788854381999832",
                "1.1999999999999993",
            ],
        ),
    ];

    #[test]
    fn bitwise_equal_to_spark_partial_and_final() {
        let names = ["stddev", "stddev_pop", "var_samp", "var_pop", "skewness", "kurtosis"];
        for (xs, parts, want) in SPARK_PARTITIONED {
            for (name, want) in names.iter().zip(want) {
                let args = [arg(DataType::Float64, "x")];
                let (_, mut fin) = acc(name, &args, false);
                // Spark's parallelize slices: [i*n/parts, (i+1)*n/parts).
                for p in 0..parts {
                    let (lo, hi) = (p * xs.len() / parts, (p + 1) * xs.len() / parts);
                    let (_, mut part) = acc(name, &args, false);
                    let col: ArrayRef = Arc::new(Float64Array::from(xs[lo..hi].to_vec()));
                    part.update_batch(&[col], &vec![0; hi - lo], 1).unwrap();
                    fin.merge_batch(&part.state().unwrap(), &[0], 1).unwrap();
                }
                let got = f64s(&fin.evaluate().unwrap())[0].unwrap();
                assert_eq!(got, want.parse::<f64>().unwrap(), "{name} {xs:?} in {parts} partitions");
            }
        }
    }
}
