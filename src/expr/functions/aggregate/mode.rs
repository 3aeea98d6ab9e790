//! `mode(x [, deterministic])`: the most frequent non-null value per group. Ties go to the value seen first, or to
//! the smallest value when `deterministic` is true (Spark leaves non-deterministic ties to its hash map's order).
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, ListArray, UInt32Array};
use arrow::datatypes::{DataType, Int64Type};

use super::distinct::DistinctStore;
use super::{bool_arg, downcast, AggFn};
use crate::error::{EmberError, Result};
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};
use crate::types::array_type;

pub(super) fn functions() -> Vec<AggFn> {
    vec![AggFn {
        name: "mode",
        resolve: resolve_mode,
        state_types: |sig| {
            vec![array_type(sig.return_type.clone(), false), array_type(DataType::Int64, false), DataType::Boolean]
        },
        create: |sig| {
            Ok(Box::new(Mode { store: DistinctStore::new(vec![sig.return_type.clone()])?, deterministic: false }))
        },
        // Spark names the column without a false `deterministic` flag, and a true one as its ordered-set form.
        display: Some(|name, args, _| match args {
            [x, flag] if flag == "true" => format!("{name}() WITHIN GROUP (ORDER BY {x} DESC)"),
            [x, ..] => format!("{name}({x})"),
            [] => format!("{name}()"),
        }),
        distinct_neutral: false,
    }]
}

fn resolve_mode(args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
    check_arg_count("mode", args, 1, 2)?;
    let mut arg_types = vec![args[0].data_type.clone()];
    if let Some(d) = args.get(1) {
        if d.data_type != DataType::Boolean || d.literal.is_none() {
            return Err(super::unexpected_input_type("mode", args, 1, "\"BOOLEAN\""));
        }
        arg_types.push(DataType::Boolean);
    }
    Ok(Signature { arg_types, return_type: args[0].data_type.clone(), nullable: true })
}

struct Mode {
    store: DistinctStore,
    deterministic: bool,
}

impl GroupsAccumulator for Mode {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        if !group_indices.is_empty() {
            self.deterministic = bool_arg(values, 1, false)?;
        }
        self.store.add(&values[..values.len().min(1)], group_indices, total_groups)
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let mut lists = self.store.lists()?;
        let n = self.store.groups_seen();
        let det: ArrayRef = Arc::new(BooleanArray::from(vec![self.deterministic; n]));
        Ok(vec![lists.remove(0), self.store.count_lists()?, det])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        let vals = downcast::<ListArray>(states[0].as_ref())?;
        let counts = downcast::<ListArray>(states[1].as_ref())?;
        if states.len() > 2 && !group_indices.is_empty() {
            self.deterministic |= bool_arg(&states[2..], 0, false)?;
        }
        let offs = vals.value_offsets();
        let (start, end) = (offs[0] as usize, offs[offs.len() - 1] as usize);
        let mut groups = Vec::with_capacity(end - start);
        for (i, &g) in group_indices.iter().enumerate() {
            groups.extend(std::iter::repeat_n(g, (offs[i + 1] - offs[i]) as usize));
        }
        let flat = vals.values().slice(start, end - start);
        let weights = counts.values().slice(start, end - start);
        let weights = weights.as_primitive::<Int64Type>().values().to_vec();
        self.store.add_weighted(&[flat], &groups, total_groups, Some(&weights))
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        let (cols, groups) = self.store.rows()?;
        let counts = self.store.counts();
        let n = self.store.groups_seen();
        let mut best: Vec<Option<usize>> = vec![None; n];
        let cmp = if self.deterministic {
            Some(arrow::array::make_comparator(cols[0].as_ref(), cols[0].as_ref(), Default::default())?)
        } else {
            None
        };
        for (e, &g) in groups.iter().enumerate() {
            let better = match best[g] {
                None => true,
                Some(b) => {
                    counts[e] > counts[b]
                        || (counts[e] == counts[b] && cmp.as_ref().map(|c| c(e, b).is_lt()).unwrap_or(false))
                }
            };
            if better {
                best[g] = Some(e);
            }
        }
        let idx: UInt32Array = best.iter().map(|b| b.map(|e| e as u32)).collect();
        arrow::compute::take(cols[0].as_ref(), &idx, None).map_err(EmberError::from)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray};
    use arrow::datatypes::DataType;

    use super::super::test_util::*;

    #[test]
    fn most_frequent_value() {
        // PySpark: mode(s) over a, b, null, c, a, b → 'b' (a tie, decided by Spark's hash-map order).
        let s: ArrayRef =
            Arc::new(StringArray::from(vec![Some("b"), Some("a"), None, Some("c"), Some("a"), Some("b"), Some("b")]));
        let g = [0, 0, 0, 0, 0, 0, 1];
        let args = [arg(DataType::Utf8, "s")];
        let out = run_merged("mode", &args, false, &[s.clone()], &g, 2, 2);
        assert_eq!(out.as_string::<i32>().iter().collect::<Vec<_>>(), vec![Some("b"), Some("b")]);
        // a and b tie in the first six rows: first seen wins, or the smallest when deterministic.
        let head = s.slice(0, 6);
        let out = run("mode", &args, false, &[head.clone()], &[0; 6], 1);
        assert_eq!(out.as_string::<i32>().value(0), "b");
        let t: ArrayRef = Arc::new(BooleanArray::from(vec![true; 6]));
        let lit: ArrayRef = Arc::new(BooleanArray::from(vec![true]));
        let args2 = [arg(DataType::Utf8, "s"), lit_arg(lit, "true")];
        let out = run_merged("mode", &args2, false, &[head, t], &[0; 6], 1, 2);
        assert_eq!(out.as_string::<i32>().value(0), "a");
        let (_, mut e) = acc("mode", &args, false);
        e.update_batch(&[], &[], 1).unwrap();
        assert!(e.evaluate().unwrap().is_null(0));
    }
}
