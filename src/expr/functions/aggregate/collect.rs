//! `collect_list(x)` and `collect_set(x)`: `array<T>` per group without nulls; the set keeps first-seen order.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, ListArray};
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
        listagg("listagg"),
        listagg("string_agg"),
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

fn listagg(name: &'static str) -> AggFn {
    AggFn {
        name,
        resolve: |args, _| {
            check_arg_count("listagg", args, 1, 2)?;
            let t = match &args[0].data_type {
                DataType::Binary => DataType::Binary,
                DataType::Utf8 | DataType::Null => DataType::Utf8,
                _ => return Err(super::unexpected_input_type("listagg", args, 0, "\"STRING\" or \"BINARY\"")),
            };
            let mut arg_types = vec![t.clone()];
            if args.len() == 2 {
                arg_types.push(t.clone());
            }
            Ok(Signature { arg_types, return_type: t, nullable: true })
        },
        state_types: |sig| vec![array_type(sig.return_type.clone(), false), sig.return_type.clone()],
        create: |sig| Ok(Box::new(ListAgg { list: CollectList::new(sig.return_type.clone()), delimiter: None })),
        // Spark prints the missing delimiter as NULL: `listagg(s, NULL)`.
        display: Some(|name, args, distinct| {
            let d = if distinct { "DISTINCT " } else { "" };
            let delim = args.get(1).map(String::as_str).unwrap_or("NULL");
            format!("{name}({d}{}, {delim})", args.first().map(String::as_str).unwrap_or(""))
        }),
        distinct_neutral: false,
    }
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

/// `listagg(x, delimiter)`: the non-null values joined in arrival order; the delimiter travels in the state so a
/// final merge can join without the arguments.
struct ListAgg {
    list: CollectList,
    delimiter: Option<Vec<u8>>,
}

fn bytes_at(a: &ArrayRef, i: usize) -> Option<Vec<u8>> {
    if a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Binary => Some(a.as_binary::<i32>().value(i).to_vec()),
        _ => Some(a.as_string::<i32>().value(i).as_bytes().to_vec()),
    }
}

impl GroupsAccumulator for ListAgg {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        if self.delimiter.is_none() && !group_indices.is_empty() {
            self.delimiter = Some(values.get(1).and_then(|d| bytes_at(d, 0)).unwrap_or_default());
        }
        self.list.update_batch(&values[..values.len().min(1)], group_indices, total_groups)
    }
    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let n = self.list.groups;
        let delim: ArrayRef = match (&self.list.element, &self.delimiter) {
            (DataType::Binary, d) => Arc::new(arrow::array::BinaryArray::from_iter((0..n).map(|_| d.as_deref()))),
            (_, d) => Arc::new(arrow::array::StringArray::from_iter(
                (0..n).map(|_| d.as_deref().map(|b| String::from_utf8_lossy(b).into_owned())),
            )),
        };
        Ok(vec![self.list.lists()?, delim])
    }
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        if self.delimiter.is_none() {
            if let Some(i) = (0..states[1].len()).find(|i| states[1].is_valid(*i)) {
                self.delimiter = bytes_at(&states[1], i);
            }
        }
        self.list.merge_batch(&states[..1], group_indices, total_groups)
    }
    fn evaluate(&mut self) -> Result<ArrayRef> {
        let lists = self.list.lists()?;
        let lists = lists.as_list::<i32>();
        let delim = self.delimiter.clone().unwrap_or_default();
        let mut out: Vec<Option<Vec<u8>>> = Vec::with_capacity(lists.len());
        let mut buf = Vec::new();
        for g in 0..lists.len() {
            let items = lists.value(g);
            if items.is_empty() {
                out.push(None);
                continue;
            }
            buf.clear();
            for j in 0..items.len() {
                if j > 0 {
                    buf.extend_from_slice(&delim);
                }
                buf.extend_from_slice(&bytes_at(&items, j).unwrap_or_default());
            }
            out.push(Some(buf.clone()));
        }
        Ok(match self.list.element {
            DataType::Binary => Arc::new(arrow::array::BinaryArray::from_iter(out)),
            _ => Arc::new(arrow::array::StringArray::from_iter(
                out.into_iter().map(|o| o.map(|b| String::from_utf8(b).unwrap_or_default())),
            )),
        })
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
    fn listagg_joins_in_order() {
        // PySpark: listagg(s) over a, b, null, c, a, b → 'abcab'; string_agg(s, ',') → 'a,b,c,a,b'.
        let s: ArrayRef =
            Arc::new(StringArray::from(vec![Some("a"), Some("b"), None, Some("c"), Some("a"), Some("b")]));
        let g = [0; 6];
        let out = run_merged("listagg", &[arg(DataType::Utf8, "s")], false, &[s.clone()], &g, 1, 2);
        assert_eq!(out.as_string::<i32>().value(0), "abcab");
        let comma: ArrayRef = Arc::new(StringArray::from(vec![","; 6]));
        let lit: ArrayRef = Arc::new(StringArray::from(vec![","]));
        let args = [arg(DataType::Utf8, "s"), lit_arg(lit, ",")];
        let out = run_merged("string_agg", &args, false, &[s.clone(), comma.clone()], &g, 1, 4);
        assert_eq!(out.as_string::<i32>().value(0), "a,b,c,a,b");
        // DISTINCT keeps the first occurrence of each value.
        let out = run("string_agg", &args, true, &[s, comma], &g, 1);
        assert_eq!(out.as_string::<i32>().value(0), "a,b,c");
        assert_eq!(func("listagg").display_name(&["s".into()], false), "listagg(s, NULL)");
        assert_eq!(func("string_agg").display_name(&["s".into(), ",".into()], false), "string_agg(s, ,)");
        let (_, mut e) = acc("listagg", &[arg(DataType::Utf8, "s")], false);
        e.update_batch(&[], &[], 1).unwrap();
        assert!(e.evaluate().unwrap().is_null(0));
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
