//! `covar_pop(x, y)`, `covar_samp(x, y)`, `corr(x, y)` and the `regr_*(y, x)` family with Spark's co-moment update
//! and pairwise merge formulas (same operation order, so the doubles match Spark's); rows where either side is null
//! are skipped.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array};
use arrow::datatypes::DataType;

use super::{downcast, is_valid, unexpected_input_type, AggFn};
use crate::error::Result;
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    CovarPop,
    CovarSamp,
    Corr,
    /// Pearson(y, x) with Spark's r² rule.
    RegrR2,
    /// Covariance(y, x)'s co-moment.
    RegrSxy,
    /// CovPopulation(x, y) with VariancePop(x): slope C / M2x and intercept ȳ - C / M2x · x̄.
    RegrSlope,
    RegrIntercept,
    /// VariancePop's M2 of x (resp. y) over the non-null pairs.
    RegrSxx,
    RegrSyy,
}

impl Kind {
    /// Spark's `regr_*` take (y, x) but build their covariance on (x, y).
    fn swapped(self) -> bool {
        matches!(self, Kind::RegrSlope | Kind::RegrIntercept | Kind::RegrSxx)
    }
    /// The x second moment, with Pearson's update (corr, r²) or VariancePop's (slope, intercept, sxx, syy).
    fn x_moment(self) -> bool {
        !matches!(self, Kind::CovarPop | Kind::CovarSamp | Kind::RegrSxy)
    }
    fn pearson(self) -> bool {
        matches!(self, Kind::Corr | Kind::RegrR2)
    }
    fn state_len(self) -> usize {
        if self.pearson() {
            6
        } else if self.x_moment() {
            5
        } else {
            4
        }
    }
}

pub(super) fn functions() -> Vec<AggFn> {
    macro_rules! co {
        ($name:expr, $kind:expr) => {
            AggFn {
                name: $name,
                resolve: |a, _| resolve_co($name, a),
                state_types: |_| vec![DataType::Float64; $kind.state_len()],
                create: |_| Ok(Box::new(CoMoments::new($kind))),
                display: None,
                distinct_neutral: false,
            }
        };
    }
    vec![
        co!("covar_pop", Kind::CovarPop),
        co!("covar_samp", Kind::CovarSamp),
        co!("corr", Kind::Corr),
        co!("regr_r2", Kind::RegrR2),
        co!("regr_sxy", Kind::RegrSxy),
        co!("regr_slope", Kind::RegrSlope),
        co!("regr_intercept", Kind::RegrIntercept),
        co!("regr_sxx", Kind::RegrSxx),
        co!("regr_syy", Kind::RegrSyy),
    ]
}

fn resolve_co(name: &str, args: &[ArgInfo]) -> Result<Signature> {
    check_arg_count(name, args, 2, 2)?;
    for (i, a) in args.iter().enumerate() {
        let ok = crate::types::is_numeric(&a.data_type) || matches!(a.data_type, DataType::Utf8 | DataType::Null);
        if !ok {
            return Err(unexpected_input_type(name, args, i, "\"DOUBLE\""));
        }
    }
    Ok(Signature {
        arg_types: vec![DataType::Float64, DataType::Float64],
        return_type: DataType::Float64,
        nullable: true,
    })
}

/// n, x̄, ȳ, C (co-moment) and, for corr, the x and y second moments, per group.
struct CoMoments {
    kind: Kind,
    n: Vec<f64>,
    x_avg: Vec<f64>,
    y_avg: Vec<f64>,
    ck: Vec<f64>,
    x_mk: Vec<f64>,
    y_mk: Vec<f64>,
}

impl CoMoments {
    fn new(kind: Kind) -> Self {
        CoMoments {
            kind,
            n: Vec::new(),
            x_avg: Vec::new(),
            y_avg: Vec::new(),
            ck: Vec::new(),
            x_mk: Vec::new(),
            y_mk: Vec::new(),
        }
    }
    fn resize(&mut self, len: usize) {
        for v in [&mut self.n, &mut self.x_avg, &mut self.y_avg, &mut self.ck] {
            v.resize(len, 0.0);
        }
        if self.kind.x_moment() {
            self.x_mk.resize(len, 0.0);
        }
        if self.kind.pearson() {
            self.y_mk.resize(len, 0.0);
        }
    }

    #[inline]
    fn update(&mut self, g: usize, x: f64, y: f64) {
        let n = self.n[g] + 1.0;
        let dx = x - self.x_avg[g];
        let dy = y - self.y_avg[g];
        let new_x_avg = self.x_avg[g] + dx / n;
        let new_y_avg = self.y_avg[g] + dy / n;
        self.ck[g] += dx * (y - new_y_avg);
        if self.kind.pearson() {
            self.x_mk[g] += dx * (x - new_x_avg);
            self.y_mk[g] += dy * (y - new_y_avg);
        } else if self.kind.x_moment() {
            let dx_n = dx / n;
            self.x_mk[g] += dx * (dx - dx_n);
        }
        self.n[g] = n;
        self.x_avg[g] = new_x_avg;
        self.y_avg[g] = new_y_avg;
    }

    #[inline]
    fn merge(&mut self, g: usize, s: [f64; 6]) {
        let [n2, x_avg2, y_avg2, ck2, x_mk2, y_mk2] = s;
        let n1 = self.n[g];
        let new_n = n1 + n2;
        let dx = x_avg2 - self.x_avg[g];
        let dx_n = if new_n == 0.0 { 0.0 } else { dx / new_n };
        let dy = y_avg2 - self.y_avg[g];
        let dy_n = if new_n == 0.0 { 0.0 } else { dy / new_n };
        self.x_avg[g] += dx_n * n2;
        self.y_avg[g] += dy_n * n2;
        self.ck[g] = self.ck[g] + ck2 + dx * dy_n * n1 * n2;
        if self.kind.x_moment() {
            self.x_mk[g] = self.x_mk[g] + x_mk2 + dx * dx_n * n1 * n2;
        }
        if self.kind.pearson() {
            self.y_mk[g] = self.y_mk[g] + y_mk2 + dy * dy_n * n1 * n2;
        }
        self.n[g] = new_n;
    }

    fn result(&self, g: usize) -> Option<f64> {
        let n = self.n[g];
        if n == 0.0 {
            return None;
        }
        match self.kind {
            Kind::CovarPop => Some(self.ck[g] / n),
            Kind::CovarSamp => (n != 1.0).then(|| self.ck[g] / (n - 1.0)),
            Kind::Corr => (n != 1.0).then(|| self.ck[g] / (self.x_mk[g] * self.y_mk[g]).sqrt()),
            Kind::RegrR2 => {
                if self.x_mk[g] == 0.0 {
                    None
                } else if self.y_mk[g] == 0.0 {
                    Some(1.0)
                } else {
                    let c = self.ck[g] / (self.x_mk[g] * self.y_mk[g]).sqrt();
                    Some(c * c)
                }
            }
            Kind::RegrSxy => Some(self.ck[g]),
            Kind::RegrSlope => (self.x_mk[g] != 0.0).then(|| self.ck[g] / self.x_mk[g]),
            Kind::RegrIntercept => {
                (self.x_mk[g] != 0.0).then(|| self.y_avg[g] - self.ck[g] / self.x_mk[g] * self.x_avg[g])
            }
            Kind::RegrSxx | Kind::RegrSyy => Some(self.x_mk[g]),
        }
    }
}

impl GroupsAccumulator for CoMoments {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let (xi, yi) = if self.kind.swapped() { (1, 0) } else { (0, 1) };
        let x = downcast::<Float64Array>(values[xi].as_ref())?;
        let y = downcast::<Float64Array>(values[yi].as_ref())?;
        let (xs, ys, xn, yn) = (x.values(), y.values(), x.nulls(), y.nulls());
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(xn, i) && is_valid(yn, i) {
                self.update(g, xs[i], ys[i]);
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let mut cols = vec![&self.n, &self.x_avg, &self.y_avg, &self.ck];
        if self.kind.x_moment() {
            cols.push(&self.x_mk);
        }
        if self.kind.pearson() {
            cols.push(&self.y_mk);
        }
        Ok(cols.into_iter().map(|c| Arc::new(Float64Array::from(c.clone())) as ArrayRef).collect())
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        let cols: Vec<&Float64Array> =
            states.iter().map(|s| downcast::<Float64Array>(s.as_ref())).collect::<Result<_>>()?;
        for (i, &g) in group_indices.iter().enumerate() {
            let mut s = [0.0; 6];
            for (c, col) in cols.iter().enumerate().take(6) {
                s[c] = col.value(i);
            }
            self.merge(g, s);
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

    const XS: [Option<f64>; 6] = [Some(1.0), Some(2.0), Some(4.0), None, Some(7.5), Some(3.25)];
    const YS: [Option<f64>; 6] = [Some(2.0), Some(4.5), Some(7.0), Some(1.0), None, Some(-1.0)];

    /// Spark's partial-then-final evaluation over `parts` slices (as `parallelize` cuts them).
    fn partitioned(name: &str, parts: usize) -> Option<f64> {
        let args = [arg(DataType::Float64, "x"), arg(DataType::Float64, "y")];
        let (_, mut fin) = acc(name, &args, false);
        for p in 0..parts {
            let (lo, hi) = (p * 6 / parts, (p + 1) * 6 / parts);
            let (_, mut part) = acc(name, &args, false);
            let x: ArrayRef = Arc::new(Float64Array::from(XS[lo..hi].to_vec()));
            let y: ArrayRef = Arc::new(Float64Array::from(YS[lo..hi].to_vec()));
            part.update_batch(&[x, y], &vec![0; hi - lo], 1).unwrap();
            fin.merge_batch(&part.state().unwrap(), &[0], 1).unwrap();
        }
        f64s(&fin.evaluate().unwrap())[0]
    }

    #[test]
    fn equals_pyspark_bit_for_bit() {
        // PySpark 4.3 local[1], parallelize(rows, parts).
        assert_eq!(partitioned("corr", 1), Some(0.2723911008532324));
        assert_eq!(partitioned("corr", 2), Some(0.2723911008532324));
        assert_eq!(partitioned("corr", 3), Some(0.27239110085323237));
        assert_eq!(partitioned("covar_pop", 1), Some(0.9296875000000001));
        assert_eq!(partitioned("covar_samp", 3), Some(1.2395833333333335));
    }

    #[test]
    fn regression_family_matches_pyspark() {
        // PySpark: regr_slope(y, x), regr_intercept, regr_r2 over the same rows (1 and 3 partitions).
        assert_eq!(partitioned_yx("regr_slope", 1), Some(0.7020648967551625));
        assert_eq!(partitioned_yx("regr_intercept", 1), Some(1.3259587020648962));
        assert_eq!(partitioned_yx("regr_r2", 1), Some(0.07419691182403577));
        assert_eq!(partitioned_yx("regr_slope", 3), Some(0.7020648967551624));
        assert_eq!(partitioned_yx("regr_intercept", 3), Some(1.3259587020648964));
        assert_eq!(partitioned_yx("regr_r2", 3), Some(0.0741969118240358));
        // Spark's docs: (y, x) = (1,2), (2,2), (2,3), (2,4): sxx 2.75, sxy 0.75, syy 0.75.
        let y: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 2.0, 2.0]));
        let x: ArrayRef = Arc::new(Float64Array::from(vec![2.0, 2.0, 3.0, 4.0]));
        let args = [arg(DataType::Float64, "y"), arg(DataType::Float64, "x")];
        // (The docs' row order differs from ours, so compare to the last few bits only.)
        let one = |name: &str| f64s(&run(name, &args, false, &[y.clone(), x.clone()], &[0; 4], 1))[0].unwrap();
        for (name, want) in [("regr_sxx", 2.75), ("regr_sxy", 0.75), ("regr_syy", 0.75)] {
            assert!((one(name) - want).abs() < 1e-12, "{name}: {}", one(name));
        }
    }

    fn partitioned_yx(name: &str, parts: usize) -> Option<f64> {
        let args = [arg(DataType::Float64, "y"), arg(DataType::Float64, "x")];
        let (_, mut fin) = acc(name, &args, false);
        for p in 0..parts {
            let (lo, hi) = (p * 6 / parts, (p + 1) * 6 / parts);
            let (_, mut part) = acc(name, &args, false);
            let x: ArrayRef = Arc::new(Float64Array::from(XS[lo..hi].to_vec()));
            let y: ArrayRef = Arc::new(Float64Array::from(YS[lo..hi].to_vec()));
            part.update_batch(&[y, x], &vec![0; hi - lo], 1).unwrap();
            fin.merge_batch(&part.state().unwrap(), &[0], 1).unwrap();
        }
        f64s(&fin.evaluate().unwrap())[0]
    }

    #[test]
    fn single_pair() {
        // PySpark: one pair → corr null, covar_samp null, covar_pop 0.0.
        let x: ArrayRef = Arc::new(Float64Array::from(vec![1.0]));
        let args = [arg(DataType::Float64, "x"), arg(DataType::Float64, "y")];
        assert_eq!(f64s(&run("corr", &args, false, &[x.clone(), x.clone()], &[0], 1)), vec![None]);
        assert_eq!(f64s(&run("covar_samp", &args, false, &[x.clone(), x.clone()], &[0], 1)), vec![None]);
        assert_eq!(f64s(&run("covar_pop", &args, false, &[x.clone(), x], &[0], 1)), vec![Some(0.0)]);
    }
}
