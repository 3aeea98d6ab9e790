//! `percentile(x, p [, frequency])` (p a number or an array of numbers) and `median(x)`: exact percentiles with
//! Spark's linear interpolation between the neighbouring ranks. State per group: the (value, count) pairs seen and
//! the percentages, so a final merge evaluates without the arguments.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, ListArray};
use arrow::buffer::OffsetBuffer;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type};

use super::minmax::spark_cmp_f64;
use super::{downcast, is_valid, unexpected_input_type, AggFn};
use crate::error::{EmberError, Result};
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};
use crate::types::array_type;

pub(super) fn functions() -> Vec<AggFn> {
    let state_types = |_: &Signature| {
        vec![
            array_type(DataType::Float64, false),
            array_type(DataType::Int64, false),
            array_type(DataType::Float64, false),
        ]
    };
    vec![
        AggFn {
            name: "percentile",
            resolve: resolve_percentile,
            state_types,
            create: |sig| Ok(Box::new(Percentile::new(matches!(sig.return_type, DataType::List(_)), None))),
            // Spark prints the default frequency: `percentile(x, 0.3, 1)`.
            display: Some(|name, args, distinct| {
                let d = if distinct { "DISTINCT " } else { "" };
                let mut args = args.to_vec();
                if args.len() == 2 {
                    args.push("1".into());
                }
                format!("{name}({d}{})", args.join(", "))
            }),
            distinct_neutral: false,
        },
        AggFn {
            name: "median",
            resolve: |args, _| {
                check_arg_count("median", args, 1, 1)?;
                check_numeric("median", args)?;
                Ok(Signature { arg_types: vec![DataType::Float64], return_type: DataType::Float64, nullable: true })
            },
            state_types,
            create: |_| Ok(Box::new(Percentile::new(false, Some(vec![0.5])))),
            display: None,
            distinct_neutral: false,
        },
    ]
}

fn check_numeric(name: &str, args: &[ArgInfo]) -> Result<()> {
    if crate::types::is_numeric(&args[0].data_type) || args[0].data_type == DataType::Null {
        Ok(())
    } else {
        Err(unexpected_input_type(name, args, 0, "\"NUMERIC\" or \"ANSI INTERVAL\""))
    }
}

fn resolve_percentile(args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
    check_arg_count("percentile", args, 2, 3)?;
    check_numeric("percentile", args)?;
    let is_array = matches!(args[1].data_type, DataType::List(_));
    let percentages = args[1]
        .literal
        .as_ref()
        .ok_or_else(|| {
            EmberError::analysis_class(
                "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                format!(
                    "Cannot resolve \"percentile({}, {})\" due to data type mismatch: the input `percentage` should \
                     be a foldable \"DOUBLE\" expression; however, got \"{}\". SQLSTATE: 42K09",
                    args[0].sql, args[1].sql, args[1].sql
                ),
            )
        })
        .and_then(|l| literal_percentages(l))?;
    if let Some(bad) = percentages.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(EmberError::analysis_class(
            "DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
            format!(
                "Cannot resolve \"percentile({}, {})\" due to data type mismatch: The `percentage` must be between \
                 [0.0, 1.0], but got {bad}. SQLSTATE: 42K09",
                args[0].sql, args[1].sql
            ),
        ));
    }
    let mut arg_types =
        vec![DataType::Float64, if is_array { array_type(DataType::Float64, false) } else { DataType::Float64 }];
    if args.len() == 3 {
        if !crate::types::is_integral(&args[2].data_type) {
            return Err(unexpected_input_type("percentile", args, 2, "\"INTEGRAL\""));
        }
        arg_types.push(DataType::Int64);
    }
    let return_type = if is_array { array_type(DataType::Float64, false) } else { DataType::Float64 };
    Ok(Signature { arg_types, return_type, nullable: true })
}

/// The percentages of a literal (a number or an array of numbers) as doubles.
fn literal_percentages(lit: &ArrayRef) -> Result<Vec<f64>> {
    let values = match lit.data_type() {
        DataType::List(_) => lit.as_list::<i32>().value(0),
        _ => lit.slice(0, 1),
    };
    let f = cast(&values, &DataType::Float64)?;
    Ok(f.as_primitive::<Float64Type>().iter().flatten().collect())
}

struct Percentile {
    returns_array: bool,
    percentages: Option<Vec<f64>>,
    /// Per group: (value, count) in arrival order.
    pairs: Vec<Vec<(f64, i64)>>,
}

impl Percentile {
    fn new(returns_array: bool, percentages: Option<Vec<f64>>) -> Self {
        Percentile { returns_array, percentages, pairs: Vec::new() }
    }

    fn result(&self, g: usize) -> Option<Vec<f64>> {
        let pairs = &self.pairs[g];
        if pairs.is_empty() {
            return None;
        }
        let mut sorted = pairs.clone();
        sorted.sort_by(|a, b| spark_cmp_f64(a.0, b.0));
        // Equal keys collapse into one entry with the summed count.
        let mut keys: Vec<f64> = Vec::with_capacity(sorted.len());
        let mut acc: Vec<i64> = Vec::with_capacity(sorted.len());
        for (v, c) in sorted {
            match keys.last() {
                Some(k) if spark_cmp_f64(*k, v).is_eq() => *acc.last_mut().unwrap() += c,
                _ => {
                    let before = acc.last().copied().unwrap_or(0);
                    keys.push(v);
                    acc.push(before + c);
                }
            }
        }
        let max_position = (*acc.last().unwrap() - 1) as f64;
        let find = |target: i64| acc.partition_point(|c| *c < target).min(acc.len() - 1);
        let out = self
            .percentages
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|p| {
                let position = max_position * p;
                let (lower, higher) = (position.floor(), position.ceil());
                let lower_key = keys[find(lower as i64 + 1)];
                if higher == lower {
                    return lower_key;
                }
                let higher_key = keys[find(higher as i64 + 1)];
                if higher_key == lower_key {
                    return lower_key;
                }
                (higher - position) * lower_key + (position - lower) * higher_key
            })
            .collect();
        Some(out)
    }
}

impl GroupsAccumulator for Percentile {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        if self.pairs.len() < total_groups {
            self.pairs.resize_with(total_groups, Vec::new);
        }
        if group_indices.is_empty() {
            return Ok(());
        }
        if self.percentages.is_none() {
            self.percentages = Some(literal_percentages(&values[1])?);
        }
        let x = downcast::<Float64Array>(values[0].as_ref())?;
        let freq = match values.get(2) {
            Some(f) => Some(downcast::<Int64Array>(f.as_ref())?),
            None => None,
        };
        for (i, &g) in group_indices.iter().enumerate() {
            if !x.is_valid(i) {
                continue;
            }
            let count = match freq {
                Some(f) if !f.is_valid(i) => continue,
                Some(f) => f.value(i),
                None => 1,
            };
            if count < 0 {
                return Err(EmberError::execution(format!(
                    "Negative values found in {}",
                    if values.len() > 2 { "frequency" } else { "1" }
                )));
            }
            if count > 0 {
                self.pairs[g].push((x.value(i), count));
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let n = self.pairs.len();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0i32);
        let (mut vals, mut counts) = (Vec::new(), Vec::new());
        for p in &self.pairs {
            for (v, c) in p {
                vals.push(*v);
                counts.push(*c);
            }
            offsets.push(vals.len() as i32);
        }
        let offsets = OffsetBuffer::new(offsets.into());
        let list = |values: ArrayRef, dt: DataType| -> Result<ArrayRef> {
            let field = Arc::new(Field::new("element", dt, false));
            Ok(Arc::new(ListArray::try_new(field, offsets.clone(), values, None)?))
        };
        let pcts = self.percentages.clone().unwrap_or_default();
        let pct_values: Vec<f64> = (0..n).flat_map(|_| pcts.iter().copied()).collect();
        let pct_offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(pcts.len(), n));
        let pct_list = ListArray::try_new(
            Arc::new(Field::new("element", DataType::Float64, false)),
            pct_offsets,
            Arc::new(Float64Array::from(pct_values)),
            None,
        )?;
        Ok(vec![
            list(Arc::new(Float64Array::from(vals)), DataType::Float64)?,
            list(Arc::new(Int64Array::from(counts)), DataType::Int64)?,
            Arc::new(pct_list),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        if self.pairs.len() < total_groups {
            self.pairs.resize_with(total_groups, Vec::new);
        }
        let vals = downcast::<ListArray>(states[0].as_ref())?;
        let counts = downcast::<ListArray>(states[1].as_ref())?;
        let pcts = downcast::<ListArray>(states[2].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if self.percentages.is_none() && is_valid(pcts.nulls(), i) && !pcts.value(i).is_empty() {
                self.percentages = Some(pcts.value(i).as_primitive::<Float64Type>().values().to_vec());
            }
            let v = vals.value(i);
            let c = counts.value(i);
            let (v, c) = (v.as_primitive::<Float64Type>(), c.as_primitive::<arrow::datatypes::Int64Type>());
            self.pairs[g].extend(v.values().iter().copied().zip(c.values().iter().copied()));
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ArrayRef> {
        let results: Vec<Option<Vec<f64>>> = (0..self.pairs.len()).map(|g| self.result(g)).collect();
        if self.returns_array {
            let list = ListArray::from_iter_primitive::<Float64Type, _, _>(
                results.into_iter().map(|r| r.map(|v| v.into_iter().map(Some).collect::<Vec<_>>())),
            );
            // The element field follows the engine's naming and is declared non-null like the signature.
            let (_, offsets, values, nulls) = list.into_parts();
            let field = Arc::new(Field::new("element", DataType::Float64, false));
            return Ok(Arc::new(ListArray::try_new(field, offsets, values, nulls)?));
        }
        Ok(Arc::new(results.into_iter().map(|r| r.and_then(|v| v.first().copied())).collect::<Float64Array>()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, AsArray, Float64Array, ListArray};
    use arrow::datatypes::{DataType, Float64Type};

    use super::super::test_util::*;
    use crate::types::array_type;

    #[test]
    fn percentile_and_median_match_spark() {
        // PySpark: x = 1.0, 2.0, 4.0, null, 7.5, 3.25 → median 3.25, percentile(x, 0.3) 2.25.
        let x: ArrayRef =
            Arc::new(Float64Array::from(vec![Some(1.0), Some(2.0), Some(4.0), None, Some(7.5), Some(3.25)]));
        let g = [0; 6];
        assert_eq!(
            f64s(&run_merged("median", &[arg(DataType::Float64, "x")], false, &[x.clone()], &g, 1, 2)),
            vec![Some(3.25)]
        );
        let p: ArrayRef = Arc::new(Float64Array::from(vec![0.3]));
        let args = [arg(DataType::Float64, "x"), lit_arg(p.clone(), "0.3")];
        let ps: ArrayRef = Arc::new(Float64Array::from(vec![0.3; 6]));
        assert_eq!(f64s(&run_merged("percentile", &args, false, &[x, ps], &g, 1, 3)), vec![Some(2.25)]);
        assert_eq!(func("percentile").display_name(&["x".into(), "0.3".into()], false), "percentile(x, 0.3, 1)");
        // Spark's docs: percentile(col, 0.3) over 0, 10 → 3.0; array(0.25, 0.75) → [2.5, 7.5];
        // PySpark: array(0.1, 0.9) over 1, 2, 2, 10 → [1.3, 7.600000000000001].
        let arr = |v: Vec<f64>| -> ArrayRef {
            Arc::new(ListArray::from_iter_primitive::<Float64Type, _, _>(vec![Some(
                v.into_iter().map(Some).collect::<Vec<_>>(),
            )]))
        };
        let pct = arr(vec![0.1, 0.9]);
        let args = [arg(DataType::Float64, "x"), lit_arg(pct.clone(), "array(0.1, 0.9)")];
        let (sig, _) = acc("percentile", &args, false);
        assert_eq!(sig.return_type, array_type(DataType::Float64, false));
        let x: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 2.0, 10.0]));
        let pcts = arrow::compute::take(pct.as_ref(), &arrow::array::UInt32Array::from(vec![0; 4]), None).unwrap();
        let out = run("percentile", &args, false, &[x, pcts], &[0; 4], 1);
        let out = out.as_list::<i32>().value(0);
        assert_eq!(out.as_primitive::<Float64Type>().values().to_vec(), vec![1.3, 7.600000000000001]);
    }

    #[test]
    fn empty_group_is_null() {
        let (_, mut a) = acc("median", &[arg(DataType::Int32, "i")], false);
        a.update_batch(&[], &[], 1).unwrap();
        assert!(a.evaluate().unwrap().is_null(0));
    }
}
