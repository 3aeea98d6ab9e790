//! `collect_list(x)` and `collect_set(x)`: `array<T>` per group without nulls; the set keeps first-seen order.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, ListArray};
use arrow::buffer::OffsetBuffer;
use arrow::compute::interleave;
use arrow::datatypes::{DataType, Field};

use super::distinct::DistinctStore;
use super::{downcast, is_valid, AggFn};
use crate::error::Result;
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};
use crate::types::array_type;

pub(super) fn functions() -> Vec<AggFn> {
    vec![
        AggFn {
            name: "collect_list",
            resolve: |a, _| resolve_collect("collect_list", a),
            state_types: |sig| vec![sig.return_type.clone()],
            create: |sig| Ok(Box::new(CollectList::new(sig.arg_types[0].clone()))),
            display: None,
            distinct_neutral: false,
        },
        AggFn {
            name: "array_agg",
            resolve: |a, _| resolve_collect("array_agg", a),
            state_types: |sig| vec![sig.return_type.clone()],
            create: |sig| Ok(Box::new(CollectList::new(sig.arg_types[0].clone()))),
            // Spark rewrites array_agg to collect_list, whose name the column carries.
            display: Some(|_, args, distinct| {
                format!("collect_list({}{})", if distinct { "DISTINCT " } else { "" }, args.join(", "))
            }),
            distinct_neutral: false,
        },
        AggFn {
            name: "collect_set",
            resolve: |a, _| resolve_collect("collect_set", a),
            state_types: |sig| vec![sig.return_type.clone()],
            create: |sig| Ok(Box::new(CollectSet { store: DistinctStore::new(vec![sig.arg_types[0].clone()])? })),
            display: None,
            distinct_neutral: true,
        },
    ]
}

fn resolve_collect(name: &str, args: &[ArgInfo]) -> Result<Signature> {
    check_arg_count(name, args, 1, 1)?;
    let t = args[0].data_type.clone();
    Ok(Signature { arg_types: vec![t.clone()], return_type: array_type(t, false), nullable: false })
}

/// Every non-null value per group in arrival order: retained batches plus (group, batch, row) entries,
/// gathered with one `interleave` at the end.
struct CollectList {
    element: DataType,
    batches: Vec<ArrayRef>,
    entries: Vec<(u32, u32, u32)>,
    groups: usize,
}

impl CollectList {
    fn new(element: DataType) -> Self {
        CollectList { element, batches: Vec::new(), entries: Vec::new(), groups: 0 }
    }
    fn lists(&self) -> Result<ArrayRef> {
        let n = self.groups;
        let mut counts = vec![0usize; n + 1];
        for (g, _, _) in &self.entries {
            counts[*g as usize + 1] += 1;
        }
        for i in 1..=n {
            counts[i] += counts[i - 1];
        }
        let offsets: Vec<i32> = counts.iter().map(|c| *c as i32).collect();
        let mut cursor = counts;
        let mut indices = vec![(0usize, 0usize); self.entries.len()];
        for (g, b, r) in &self.entries {
            indices[cursor[*g as usize]] = (*b as usize, *r as usize);
            cursor[*g as usize] += 1;
        }
        let values = if self.batches.is_empty() {
            arrow::array::new_empty_array(&self.element)
        } else {
            let sources: Vec<&dyn Array> = self.batches.iter().map(|b| b.as_ref()).collect();
            interleave(&sources, &indices)?
        };
        let field = Arc::new(Field::new("element", self.element.clone(), false));
        Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::new(offsets.into()), values, None)?))
    }
}

impl GroupsAccumulator for CollectList {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.groups = self.groups.max(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let col = &values[0];
        let nulls = col.logical_nulls();
        let b = self.batches.len() as u32;
        let before = self.entries.len();
        for (i, &g) in group_indices.iter().enumerate() {
            if is_valid(nulls.as_ref(), i) {
                self.entries.push((g as u32, b, i as u32));
            }
        }
        if self.entries.len() > before {
            self.batches.push(col.clone());
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.lists()?])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.groups = self.groups.max(total_groups);
        if group_indices.is_empty() {
            return Ok(());
        }
        let l = downcast::<ListArray>(states[0].as_ref())?;
        let offs = l.value_offsets();
        let b = self.batches.len() as u32;
        for (i, &g) in group_indices.iter().enumerate() {
            if l.is_valid(i) {
                for r in offs[i]..offs[i + 1] {
                    self.entries.push((g as u32, b, r as u32));
                }
            }
        }
        self.batches.push(l.values().clone());
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        self.lists()
    }
}

struct CollectSet {
    store: DistinctStore,
}

impl GroupsAccumulator for CollectSet {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.store.add(values, group_indices, total_groups)
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        self.store.lists()
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.store.add_lists(states, group_indices, total_groups)
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        Ok(self.store.lists()?.remove(0))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, AsArray, Int32Array, StringArray};
    use arrow::datatypes::{DataType, Int32Type};

    use super::super::test_util::*;
    use crate::types::array_type;

    fn ints(a: &ArrayRef) -> Vec<Vec<i32>> {
        let l = a.as_list::<i32>();
        (0..l.len()).map(|i| l.value(i).as_primitive::<Int32Type>().values().to_vec()).collect()
    }

    #[test]
    fn collect_list_keeps_order_and_skips_nulls() {
        let i: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), None, Some(3), None, Some(7), Some(7)]));
        let g = [0, 0, 0, 1, 2, 2];
        let args = [arg(DataType::Int32, "i")];
        let (sig, _) = acc("collect_list", &args, false);
        assert_eq!(sig.return_type, array_type(DataType::Int32, false));
        assert!(!sig.nullable);
        assert_eq!(func("array_agg").display_name(&["i".into()], false), "collect_list(i)");
        assert_eq!(ints(&run("collect_list", &args, false, &[i.clone()], &g, 3)), vec![vec![1, 3], vec![], vec![7, 7]]);
        assert_eq!(
            ints(&run_merged("collect_list", &args, false, &[i], &g, 3, 1)),
            vec![vec![1, 3], vec![], vec![7, 7]]
        );
        let (_, mut e) = acc("collect_list", &args, false);
        e.update_batch(&[], &[], 1).unwrap();
        assert_eq!(ints(&e.evaluate().unwrap()), vec![Vec::<i32>::new()]);
    }

    #[test]
    fn collect_set_first_seen_order() {
        let s: ArrayRef = Arc::new(StringArray::from(vec![Some("y"), None, Some("x"), Some("y"), Some("10")]));
        let args = [arg(DataType::Utf8, "s")];
        let out = run_merged("collect_set", &args, false, &[s], &[0, 0, 0, 0, 1], 2, 3);
        let l = out.as_list::<i32>();
        let g0: Vec<_> = l.value(0).as_string::<i32>().iter().map(|v| v.unwrap().to_string()).collect();
        assert_eq!(g0, vec!["y", "x"]);
        assert_eq!(l.value(1).len(), 1);
    }
}
