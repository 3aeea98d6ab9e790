//! `bool_and`/`every` and `bool_or`/`some`/`any`: boolean AND/OR over the group's non-null values (null if none).
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray};
use arrow::datatypes::DataType;

use super::{downcast, sig1, unexpected_input_type, AggFn};
use crate::error::Result;
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};

pub(super) fn functions() -> Vec<AggFn> {
    macro_rules! boolean {
        ($name:expr, $is_and:expr) => {
            AggFn {
                name: $name,
                resolve: |a, _| resolve_bool($name, a),
                state_types: |_| vec![DataType::Boolean],
                create: |_| Ok(Box::new(BoolAcc { is_and: $is_and, vals: Vec::new(), set: Vec::new() })),
                display: None,
                distinct_neutral: true,
            }
        };
    }
    vec![
        boolean!("bool_and", true),
        boolean!("every", true),
        boolean!("bool_or", false),
        boolean!("some", false),
        boolean!("any", false),
    ]
}

fn resolve_bool(name: &str, args: &[ArgInfo]) -> Result<Signature> {
    check_arg_count(name, args, 1, 1)?;
    if !matches!(args[0].data_type, DataType::Boolean | DataType::Null) {
        return Err(unexpected_input_type(name, args, 0, "\"BOOLEAN\""));
    }
    Ok(sig1(DataType::Boolean, DataType::Boolean, true))
}

struct BoolAcc {
    is_and: bool,
    vals: Vec<bool>,
    set: Vec<bool>,
}

impl GroupsAccumulator for BoolAcc {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.vals.resize(total_groups, self.is_and);
        self.set.resize(total_groups, false);
        if group_indices.is_empty() {
            return Ok(());
        }
        let b = downcast::<BooleanArray>(values[0].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if b.is_valid(i) {
                let v = b.value(i);
                self.vals[g] = if self.is_and { self.vals[g] && v } else { self.vals[g] || v };
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
        Ok(Arc::new(self.vals.iter().zip(&self.set).map(|(v, s)| s.then_some(*v)).collect::<BooleanArray>()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, AsArray, BooleanArray};
    use arrow::datatypes::DataType;

    use super::super::test_util::*;

    #[test]
    fn and_or_with_nulls_and_empty_groups() {
        let b: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None, Some(false), None, Some(true)]));
        let g = [0, 0, 0, 1, 2];
        let args = [arg(DataType::Boolean, "b")];
        let and = run_merged("bool_and", &args, false, &[b.clone()], &g, 3, 1);
        assert_eq!(and.as_boolean().iter().collect::<Vec<_>>(), vec![Some(false), None, Some(true)]);
        let or = run("some", &args, false, &[b], &g, 3);
        assert_eq!(or.as_boolean().iter().collect::<Vec<_>>(), vec![Some(true), None, Some(true)]);
        assert_eq!(func("every").display_name(&["b".into()], false), "every(b)");
        assert!(func("bool_or").resolve(&[arg(DataType::Int32, "i")], false).is_err());
    }
}
