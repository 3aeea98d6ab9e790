//! `regr_count(y, x)`, `regr_avgx(y, x)`, `regr_avgy(y, x)`: count and plain averages over the rows where both
//! sides are non-null (Spark rewrites them to count/avg of the filtered argument).
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array, Int64Array};
use arrow::datatypes::DataType;

use super::{downcast, is_valid, unexpected_input_type, AggFn};
use crate::error::Result;
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};

pub(super) fn functions() -> Vec<AggFn> {
    vec![
        AggFn {
            name: "regr_count",
            resolve: |a, _| resolve_pair("regr_count", a, DataType::Int64, false),
            state_types: |_| vec![DataType::Int64],
            create: |_| Ok(Box::new(PairAvg::new(None))),
            display: None,
            distinct_neutral: false,
        },
        AggFn {
            name: "regr_avgx",
            resolve: |a, _| resolve_pair("regr_avgx", a, DataType::Float64, true),
            state_types: |_| vec![DataType::Float64, DataType::Int64],
            create: |_| Ok(Box::new(PairAvg::new(Some(1)))),
            display: None,
            distinct_neutral: false,
        },
        AggFn {
            name: "regr_avgy",
            resolve: |a, _| resolve_pair("regr_avgy", a, DataType::Float64, true),
            state_types: |_| vec![DataType::Float64, DataType::Int64],
            create: |_| Ok(Box::new(PairAvg::new(Some(0)))),
            display: None,
            distinct_neutral: false,
        },
    ]
}

fn resolve_pair(name: &str, args: &[ArgInfo], ret: DataType, nullable: bool) -> Result<Signature> {
    check_arg_count(name, args, 2, 2)?;
    for (i, a) in args.iter().enumerate() {
        if !(crate::types::is_numeric(&a.data_type) || matches!(a.data_type, DataType::Utf8 | DataType::Null)) {
            return Err(unexpected_input_type(name, args, i, "\"NUMERIC\""));
        }
    }
    Ok(Signature { arg_types: vec![DataType::Float64, DataType::Float64], return_type: ret, nullable })
}

/// Sum and count of one side over the complete pairs; with no side picked, just the count.
struct PairAvg {
    pick: Option<usize>,
    sums: Vec<f64>,
    counts: Vec<i64>,
}

impl PairAvg {
    fn new(pick: Option<usize>) -> Self {
        PairAvg { pick, sums: Vec::new(), counts: Vec::new() }
    }
    fn resize(&mut self, n: usize) {
        self.sums.resize(n, 0.0);
        self.counts.resize(n, 0);
    }
}

impl GroupsAccumulator for PairAvg {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let y = downcast::<Float64Array>(values[0].as_ref())?;
        let x = downcast::<Float64Array>(values[1].as_ref())?;
        let side = if self.pick == Some(1) { x } else { y };
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(y.nulls(), i) && is_valid(x.nulls(), i) {
                self.sums[g] += side.value(i);
                self.counts[g] += 1;
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let counts: ArrayRef = Arc::new(Int64Array::from(self.counts.clone()));
        Ok(match self.pick {
            None => vec![counts],
            Some(_) => vec![Arc::new(Float64Array::from(self.sums.clone())), counts],
        })
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.resize(total_groups);
        let (sums, counts) = match self.pick {
            None => (None, downcast::<Int64Array>(states[0].as_ref())?),
            Some(_) => {
                (Some(downcast::<Float64Array>(states[0].as_ref())?), downcast::<Int64Array>(states[1].as_ref())?)
            }
        };
        for (i, &g) in group_indices.iter().enumerate() {
            if let Some(s) = sums {
                self.sums[g] += s.value(i);
            }
            self.counts[g] += counts.value(i);
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        Ok(match self.pick {
            None => Arc::new(Int64Array::from(self.counts.clone())),
            Some(_) => Arc::new(
                self.sums
                    .iter()
                    .zip(&self.counts)
                    .map(|(s, c)| (*c != 0).then(|| s / *c as f64))
                    .collect::<Float64Array>(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array};
    use arrow::datatypes::DataType;

    use super::super::test_util::*;

    #[test]
    fn spark_doc_examples() {
        // Spark's docs: (y, x) = (1, 2), (2, null), (null, 3), (2, 4) → count 2, avgx 3.0, avgy 1.5.
        let y: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), Some(2.0), None, Some(2.0)]));
        let x: ArrayRef = Arc::new(Float64Array::from(vec![Some(2.0), None, Some(3.0), Some(4.0)]));
        let args = [arg(DataType::Int32, "y"), arg(DataType::Int32, "x")];
        let cols = [y, x];
        assert_eq!(i64s(&run_merged("regr_count", &args, false, &cols, &[0; 4], 1, 1)), vec![Some(2)]);
        assert_eq!(f64s(&run_merged("regr_avgx", &args, false, &cols, &[0; 4], 1, 2)), vec![Some(3.0)]);
        assert_eq!(f64s(&run("regr_avgy", &args, false, &cols, &[0; 4], 1)), vec![Some(1.5)]);
        let (sig, _) = acc("regr_count", &args, false);
        assert!(!sig.nullable);
    }
}
