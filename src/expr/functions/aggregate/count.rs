//! `count(expr, …)` and `count_if(cond)`: rows per group where every argument is non-null (resp. the condition true).
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Int64Array};
use arrow::buffer::NullBuffer;
use arrow::datatypes::DataType;

use super::{downcast, unexpected_input_type, AggFn};
use crate::error::{EmberError, Result};
use crate::expr::functions::{ArgInfo, GroupsAccumulator, Signature};

pub(super) fn functions() -> Vec<AggFn> {
    vec![
        AggFn {
            name: "count",
            resolve: resolve_count,
            state_types: |_| vec![DataType::Int64],
            create: |_| Ok(Box::new(CountAccumulator { counts: Vec::new(), only_true: false })),
            display: None,
            distinct_neutral: false,
        },
        AggFn {
            name: "count_if",
            resolve: resolve_count_if,
            state_types: |_| vec![DataType::Int64],
            create: |_| Ok(Box::new(CountAccumulator { counts: Vec::new(), only_true: true })),
            display: None,
            distinct_neutral: false,
        },
    ]
}

fn resolve_count(args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
    if args.is_empty() {
        return Err(EmberError::analysis_condition(
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            [
                ("functionName", "`count`".to_string()),
                ("expectedNum", "at least 1".to_string()),
                ("actualNum", 0.to_string()),
            ],
        ));
    }
    Ok(Signature {
        arg_types: args.iter().map(|a| a.data_type.clone()).collect(),
        return_type: DataType::Int64,
        nullable: false,
    })
}

fn resolve_count_if(args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
    crate::expr::functions::check_arg_count("count_if", args, 1, 1)?;
    if !matches!(args[0].data_type, DataType::Boolean | DataType::Null) {
        return Err(unexpected_input_type("count_if", args, 0, "\"BOOLEAN\""));
    }
    Ok(super::sig1(DataType::Boolean, DataType::Int64, false))
}

/// Per-group row counts; `only_true` counts rows whose single boolean argument is true (count_if).
struct CountAccumulator {
    counts: Vec<i64>,
    only_true: bool,
}

impl GroupsAccumulator for CountAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.counts.resize(total_groups, 0);
        // A row counts when every argument is valid: intersect the null buffers once per batch.
        let mut mask: Option<NullBuffer> = None;
        for v in values {
            if v.data_type() == &DataType::Null {
                return Ok(());
            }
            mask = NullBuffer::union(mask.as_ref(), v.logical_nulls().as_ref());
        }
        if self.only_true {
            let b = downcast::<BooleanArray>(values[0].as_ref())?;
            for (i, &g) in group_indices.iter().enumerate() {
                if b.is_valid(i) && b.value(i) {
                    self.counts[g] += 1;
                }
            }
            return Ok(());
        }
        match mask {
            None => group_indices.iter().for_each(|&g| self.counts[g] += 1),
            Some(m) => {
                for (i, &g) in group_indices.iter().enumerate() {
                    self.counts[g] += m.is_valid(i) as i64;
                }
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.counts.resize(total_groups, 0);
        let c = downcast::<Int64Array>(states[0].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if c.is_valid(i) {
                self.counts[g] += c.value(i);
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ArrayRef> {
        Ok(Arc::new(Int64Array::from(self.counts.clone())))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, BooleanArray, Int32Array, Int64Array, StringArray};
    use arrow::datatypes::DataType;

    use super::super::test_util::*;

    #[test]
    fn counts_non_null_rows_per_group() {
        let i: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), None, Some(3), None, Some(7), Some(7)]));
        let s: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None, Some("y"), None, Some("10"), Some("2")]));
        let g = [0, 0, 0, 1, 2, 2];
        let args = [arg(DataType::Int32, "i")];
        assert_eq!(i64s(&run("count", &args, false, &[i.clone()], &g, 3)), vec![Some(2), Some(0), Some(2)]);
        // PySpark: count(DISTINCT i) → a:2, b:0, c:1; count(DISTINCT i, s) → 2, 0, 2.
        assert_eq!(i64s(&run("count", &args, true, &[i.clone()], &g, 3)), vec![Some(2), Some(0), Some(1)]);
        let args2 = [arg(DataType::Int32, "i"), arg(DataType::Utf8, "s")];
        assert_eq!(i64s(&run("count", &args2, true, &[i.clone(), s.clone()], &g, 3)), vec![Some(2), Some(0), Some(2)]);
        assert_eq!(
            i64s(&run_merged("count", &args2, true, &[i.clone(), s], &g, 3, 4)),
            vec![Some(2), Some(0), Some(2)]
        );
        assert_eq!(i64s(&run_merged("count", &args, false, &[i], &g, 3, 2)), vec![Some(2), Some(0), Some(2)]);
    }

    #[test]
    fn count_star_names_and_empty_input() {
        let one: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        let f = func("count");
        assert_eq!(f.display_name(&["1".into()], false), "count(1)");
        assert_eq!(f.display_name(&["i".into(), "s".into()], true), "count(DISTINCT i, s)");
        let (sig, mut a) = acc("count", &[lit_arg(one, "1")], false);
        assert_eq!(sig.return_type, DataType::Int64);
        assert!(!sig.nullable);
        a.update_batch(&[], &[], 1).unwrap();
        assert_eq!(i64s(&a.evaluate().unwrap()), vec![Some(0)]);
    }

    #[test]
    fn count_if_counts_true_only() {
        let b: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None, Some(false), Some(true)]));
        let out = run("count_if", &[arg(DataType::Boolean, "b")], false, &[b], &[0, 0, 0, 1], 3);
        assert_eq!(out.as_any().downcast_ref::<Int64Array>().unwrap().values().to_vec(), vec![1, 1, 0]);
    }
}
