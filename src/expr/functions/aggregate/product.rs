//! `product(x)`: the product of the group's non-null values as a double (null if none).
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array};
use arrow::datatypes::DataType;

use super::{downcast, is_valid, nulls_from, sig1, unexpected_input_type, AggFn};
use crate::error::Result;
use crate::expr::functions::{check_arg_count, GroupsAccumulator};

pub(super) fn functions() -> Vec<AggFn> {
    vec![AggFn {
        name: "product",
        resolve: |args, _| {
            check_arg_count("product", args, 1, 1)?;
            if !(crate::types::is_numeric(&args[0].data_type) || args[0].data_type == DataType::Null) {
                return Err(unexpected_input_type("product", args, 0, "\"NUMERIC\""));
            }
            Ok(sig1(DataType::Float64, DataType::Float64, true))
        },
        state_types: |_| vec![DataType::Float64],
        create: |_| Ok(Box::new(Product::default())),
        display: None,
        distinct_neutral: false,
    }]
}

#[derive(Default)]
struct Product {
    vals: Vec<f64>,
    set: Vec<bool>,
}

impl GroupsAccumulator for Product {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.vals.resize(total_groups, 1.0);
        self.set.resize(total_groups, false);
        if group_indices.is_empty() {
            return Ok(());
        }
        let a = downcast::<Float64Array>(values[0].as_ref())?;
        let (vals, nulls) = (a.values(), a.nulls());
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(nulls, i) {
                self.vals[g] *= vals[i];
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
        let vals: Vec<f64> = self.vals.iter().zip(&self.set).map(|(v, s)| if *s { *v } else { 0.0 }).collect();
        Ok(Arc::new(Float64Array::new(vals.into(), nulls_from(&self.set))))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array};
    use arrow::datatypes::DataType;

    use super::super::test_util::*;

    #[test]
    fn product_per_group() {
        let x: ArrayRef = Arc::new(Float64Array::from(vec![Some(2.0), None, Some(3.5), None]));
        let out = run_merged("product", &[arg(DataType::Int32, "i")], false, &[x], &[0, 0, 0, 1], 2, 1);
        assert_eq!(f64s(&out), vec![Some(7.0), None]);
    }
}
