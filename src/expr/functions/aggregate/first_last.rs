//! `first(x, ignorenulls)`, `last(x, ignorenulls)` and `any_value(x, ignorenulls)`: the first/last row in update
//! order (partials merged in partition order). State is (value, valueSet) as in Spark, so a null first value
//! stays "set" when nulls are not ignored.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray};
use arrow::datatypes::DataType;

use super::value_refs::ValueRefs;
use super::{bool_arg, downcast, is_valid, AggFn};
use crate::error::{EmberError, Result};
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};

pub(super) fn functions() -> Vec<AggFn> {
    let make = |name: &'static str, create: super::CreateFn| AggFn {
        name,
        resolve: resolve_first,
        state_types: |sig| vec![sig.return_type.clone(), DataType::Boolean],
        create,
        display: Some(display),
        distinct_neutral: false,
    };
    vec![
        make("first", |sig| Ok(Box::new(FirstLast::new(sig, false)))),
        make("last", |sig| Ok(Box::new(FirstLast::new(sig, true)))),
        make("first_value", |sig| Ok(Box::new(FirstLast::new(sig, false)))),
        make("last_value", |sig| Ok(Box::new(FirstLast::new(sig, true)))),
        make("any_value", |sig| Ok(Box::new(FirstLast::new(sig, false)))),
    ]
}

/// `first(x)`: PySpark 4.3 leaves `ignorenulls` out of the generated name.
fn display(name: &str, args: &[String], distinct: bool) -> String {
    let d = if distinct { "DISTINCT " } else { "" };
    format!("{name}({d}{})", args.first().map(String::as_str).unwrap_or(""))
}

fn resolve_first(args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
    check_arg_count("first", args, 1, 2)?;
    if let Some(ign) = args.get(1) {
        let ok = ign.data_type == DataType::Boolean && ign.literal.as_ref().map(|l| l.is_valid(0)).unwrap_or(false);
        if !ok {
            return Err(EmberError::analysis("The second argument in first should be a boolean literal."));
        }
    }
    let mut arg_types = vec![args[0].data_type.clone()];
    if args.len() == 2 {
        arg_types.push(DataType::Boolean);
    }
    Ok(Signature { arg_types, return_type: args[0].data_type.clone(), nullable: true })
}

struct FirstLast {
    refs: ValueRefs,
    last: bool,
}

impl FirstLast {
    fn new(sig: &Signature, last: bool) -> Self {
        FirstLast { refs: ValueRefs::new(vec![sig.return_type.clone()]), last }
    }

    /// Fold rows whose `take` flag is set (valid rows, or every row when nulls count).
    fn fold(&mut self, col: &ArrayRef, take: impl Fn(usize) -> bool, group_indices: &[usize]) -> Result<()> {
        let batch = self.refs.push(vec![col.clone()]);
        let mut used = false;
        for (i, &g) in group_indices.iter().enumerate() {
            if take(i) && (self.last || !self.refs.is_set(g)) {
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

impl GroupsAccumulator for FirstLast {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.refs.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let ignore_nulls = bool_arg(values, 1, false)?;
        let col = values[0].clone();
        let nulls = col.logical_nulls();
        self.fold(&col, |i| !ignore_nulls || is_valid(nulls.as_ref(), i), group_indices)
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let set: BooleanArray = (0..self.refs.len()).map(|g| Some(self.refs.is_set(g))).collect();
        Ok(vec![self.refs.finish(0)?, Arc::new(set)])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.refs.resize(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let set = downcast::<BooleanArray>(states[1].as_ref())?.clone();
        self.fold(&states[0], |i| set.is_valid(i) && set.value(i), group_indices)
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        self.refs.finish(0)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, AsArray, BooleanArray, Int32Array};
    use arrow::datatypes::{DataType, Int32Type};

    use super::super::test_util::*;

    fn vals(a: &ArrayRef) -> Vec<Option<i32>> {
        a.as_primitive::<Int32Type>().iter().collect()
    }

    #[test]
    fn first_last_with_and_without_nulls() {
        // Group a: 1, null, 3; b: null; c: 7, 8 (PySpark: first(i)=1,null,7; last(i)=3,null,8).
        let i: ArrayRef = Arc::new(Int32Array::from(vec![None, Some(1), None, Some(3), None, Some(7), Some(8)]));
        let g = [0, 0, 0, 0, 1, 2, 2];
        let args = [arg(DataType::Int32, "i")];
        assert_eq!(vals(&run("first", &args, false, &[i.clone()], &g, 3)), vec![None, None, Some(7)]);
        assert_eq!(vals(&run("last", &args, false, &[i.clone()], &g, 3)), vec![Some(3), None, Some(8)]);
        let t: ArrayRef = Arc::new(BooleanArray::from(vec![true; 7]));
        let args2 = [arg(DataType::Int32, "i"), lit_arg(Arc::new(BooleanArray::from(vec![true])), "true")];
        let both = [i.clone(), t];
        assert_eq!(vals(&run("first", &args2, false, &both, &g, 3)), vec![Some(1), None, Some(7)]);
        assert_eq!(vals(&run_merged("first", &args2, false, &both, &g, 3, 2)), vec![Some(1), None, Some(7)]);
        assert_eq!(vals(&run_merged("last", &args2, false, &both, &g, 3, 4)), vec![Some(3), None, Some(8)]);
        // Without ignorenulls a null first row is kept through the merge (valueSet is true).
        assert_eq!(vals(&run_merged("first", &args, false, &[i.clone()], &g, 3, 1)), vec![None, None, Some(7)]);
        assert_eq!(vals(&run_merged("last", &args, false, &[i], &g, 3, 3)), vec![Some(3), None, Some(8)]);
    }

    #[test]
    fn names() {
        assert_eq!(func("first").display_name(&["i".into()], false), "first(i)");
        assert_eq!(func("last").display_name(&["i".into(), "true".into()], false), "last(i)");
        assert_eq!(func("any_value").display_name(&["i".into(), "false".into()], false), "any_value(i)");
        assert_eq!(func("first_value").display_name(&["i".into()], false), "first_value(i)");
    }
}
