//! `bit_and(x)`, `bit_or(x)`, `bit_xor(x)` over integral types: the result keeps the input type, null if no values.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int64Array};
use arrow::compute::cast;
use arrow::datatypes::DataType;

use super::{downcast, is_valid, nulls_from, unexpected_input_type, AggFn};
use crate::error::Result;
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};

#[derive(Clone, Copy)]
enum Op {
    And,
    Or,
    Xor,
}

pub(super) fn functions() -> Vec<AggFn> {
    macro_rules! bit {
        ($name:expr, $op:expr) => {
            AggFn {
                name: $name,
                resolve: |a, _| resolve_bit($name, a),
                state_types: |sig| vec![sig.return_type.clone()],
                create: |sig| Ok(Box::new(BitAcc { op: $op, dt: sig.return_type.clone(), vals: vec![], set: vec![] })),
                display: None,
                distinct_neutral: false,
            }
        };
    }
    vec![bit!("bit_and", Op::And), bit!("bit_or", Op::Or), bit!("bit_xor", Op::Xor)]
}

fn resolve_bit(name: &str, args: &[ArgInfo]) -> Result<Signature> {
    check_arg_count(name, args, 1, 1)?;
    if !crate::types::is_integral(&args[0].data_type) {
        return Err(unexpected_input_type(name, args, 0, "\"INTEGRAL\""));
    }
    let t = args[0].data_type.clone();
    Ok(Signature { arg_types: vec![t.clone()], return_type: t, nullable: true })
}

/// Folds in 64 bits: AND/OR/XOR commute with sign extension, so narrowing back at the end is exact.
struct BitAcc {
    op: Op,
    dt: DataType,
    vals: Vec<i64>,
    set: Vec<bool>,
}

impl GroupsAccumulator for BitAcc {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        let init = if matches!(self.op, Op::And) { -1 } else { 0 };
        self.vals.resize(total_groups, init);
        self.set.resize(total_groups, false);
        if group_indices.is_empty() {
            return Ok(());
        }
        let wide = cast(&values[0], &DataType::Int64)?;
        let a = downcast::<Int64Array>(wide.as_ref())?;
        let (vals, nulls) = (a.values(), a.nulls());
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(nulls, i) {
                let v = vals[i];
                self.vals[g] = match self.op {
                    Op::And => self.vals[g] & v,
                    Op::Or => self.vals[g] | v,
                    Op::Xor => self.vals[g] ^ v,
                };
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
        let vals: Vec<i64> = self.vals.iter().zip(&self.set).map(|(v, s)| if *s { *v } else { 0 }).collect();
        let wide: ArrayRef = Arc::new(Int64Array::new(vals.into(), nulls_from(&self.set)));
        Ok(cast(&wide, &self.dt)?)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, AsArray, Int32Array};
    use arrow::datatypes::{DataType, Int32Type};

    use super::super::test_util::*;

    #[test]
    fn and_or_xor() {
        // PySpark over i = 1, 3, 6, null, 12, 5: bit_and 0, bit_or 15, bit_xor 13.
        let i: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), Some(3), Some(6), None, Some(12), Some(5)]));
        let args = [arg(DataType::Int32, "i")];
        let g = [0; 6];
        let get =
            |name: &str| run_merged(name, &args, false, &[i.clone()], &g, 1, 2).as_primitive::<Int32Type>().value(0);
        assert_eq!(get("bit_and"), 0);
        assert_eq!(get("bit_or"), 15);
        assert_eq!(get("bit_xor"), 1 ^ 3 ^ 6 ^ 12 ^ 5);
        let neg: ArrayRef = Arc::new(Int32Array::from(vec![-1, -2]));
        let out = run("bit_and", &args, false, &[neg], &[0, 0], 1);
        assert_eq!(out.as_primitive::<Int32Type>().value(0), -2);
    }
}
