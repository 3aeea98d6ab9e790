//! `pandas_udf` GROUPED_AGG (`Series, … -> scalar`) as an aggregate function: the accumulator keeps each group's
//! argument values (Arrow arrays, never Python objects) and, at the end, hands Python one batch holding every
//! group's rows one group after another, with the group bounds; the runner (`ember.sql.udf._GroupedAggRunner`)
//! calls the function once per group on slices of whole pandas Series.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, ListArray, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Schema};
use pyo3::prelude::*;
use pyo3_arrow::{PyArray, PyRecordBatch};

use crate::error::{EmberError, Result};
use crate::expr::functions::{AggregateFunction, ArgInfo, GroupsAccumulator, Signature};
use crate::python::error::python_exception_from_py as py_err;

/// The function and its declared result type.
pub struct PyGroupedAggUdf {
    pub name: String,
    pub runner: Arc<Py<PyAny>>,
    pub return_type: DataType,
}

impl AggregateFunction for PyGroupedAggUdf {
    fn name(&self) -> &str {
        &self.name
    }
    fn resolve(&self, args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
        Ok(Signature {
            arg_types: args.iter().map(|a| a.data_type.clone()).collect(),
            return_type: self.return_type.clone(),
            nullable: true,
        })
    }
    fn runs_in_python(&self) -> bool {
        true
    }
    fn state_types(&self, sig: &Signature) -> Vec<DataType> {
        sig.arg_types.iter().map(|t| DataType::List(Arc::new(Field::new("item", t.clone(), true)))).collect()
    }
    fn create_accumulator(&self, sig: &Signature, _distinct: bool) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(GroupValues {
            name: self.name.clone(),
            runner: self.runner.clone(),
            arg_types: sig.arg_types.clone(),
            return_type: self.return_type.clone(),
            chunks: Vec::new(),
            total_groups: 0,
        }))
    }
}

/// Every value each group received, as the chunks they came in (with each row's group).
struct GroupValues {
    name: String,
    runner: Arc<Py<PyAny>>,
    arg_types: Vec<DataType>,
    return_type: DataType,
    chunks: Vec<(Vec<ArrayRef>, Vec<usize>)>,
    total_groups: usize,
}

impl GroupValues {
    /// Each argument's values ordered by group (stable within a group), and the bounds of each group.
    fn by_group(&self) -> Result<(Vec<ArrayRef>, Vec<usize>)> {
        let groups: Vec<usize> = self.chunks.iter().flat_map(|(_, g)| g.iter().copied()).collect();
        let mut counts = vec![0usize; self.total_groups + 1];
        for &g in &groups {
            counts[g + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let offsets = counts.clone();
        let mut next = counts;
        let mut order = vec![0u32; groups.len()];
        for (row, &g) in groups.iter().enumerate() {
            order[next[g]] = row as u32;
            next[g] += 1;
        }
        let order = UInt32Array::from(order);
        let columns = (0..self.arg_types.len())
            .map(|a| {
                let parts: Vec<&dyn Array> = self.chunks.iter().map(|(v, _)| v[a].as_ref()).collect();
                let all = if parts.is_empty() {
                    arrow::array::new_empty_array(&self.arg_types[a])
                } else {
                    arrow::compute::concat(&parts)?
                };
                Ok(arrow::compute::take(all.as_ref(), &order, None)?)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((columns, offsets))
    }
}

impl GroupsAccumulator for GroupValues {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.total_groups = self.total_groups.max(total_groups);
        // A global aggregation announces its one group with no arrays at all.
        if values.len() == self.arg_types.len() && !group_indices.is_empty() {
            self.chunks.push((values.to_vec(), group_indices.to_vec()));
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let (columns, offsets) = self.by_group()?;
        let offsets = OffsetBuffer::new(offsets.iter().map(|&o| o as i32).collect::<Vec<i32>>().into());
        columns
            .into_iter()
            .zip(&self.arg_types)
            .map(|(c, t)| {
                let field = Arc::new(Field::new("item", t.clone(), true));
                Ok(Arc::new(ListArray::try_new(field, offsets.clone(), c, None)?) as ArrayRef)
            })
            .collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        self.total_groups = self.total_groups.max(total_groups);
        let lists: Vec<&ListArray> = states
            .iter()
            .map(|s| {
                s.as_any().downcast_ref::<ListArray>().ok_or_else(|| {
                    EmberError::new(crate::error::ErrorKind::Execution, "a GROUPED_AGG state is not a list")
                })
            })
            .collect::<Result<_>>()?;
        let Some(first) = lists.first() else { return Ok(()) };
        if group_indices.is_empty() {
            return Ok(());
        }
        let offsets = first.value_offsets();
        let (start, end) = (offsets[0] as usize, offsets[offsets.len() - 1] as usize);
        let mut groups = Vec::with_capacity(end - start);
        for (i, &g) in group_indices.iter().enumerate() {
            groups.extend(std::iter::repeat_n(g, (offsets[i + 1] - offsets[i]) as usize));
        }
        let values = lists.iter().map(|l| l.values().slice(start, end - start)).collect();
        self.chunks.push((values, groups));
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ArrayRef> {
        let (columns, offsets) = self.by_group()?;
        let rows = offsets.last().copied().unwrap_or(0);
        let fields: Vec<Field> =
            columns.iter().enumerate().map(|(i, c)| Field::new(format!("_{i}"), c.data_type().clone(), true)).collect();
        let batch = RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )?;
        let result = Python::attach(|py| -> Result<ArrayRef> {
            let args = PyRecordBatch::new(batch).into_pyarrow(py).map_err(|e| py_err(py, e))?;
            let empty = PyArray::from_array_ref(arrow::array::new_empty_array(&self.return_type));
            let empty = empty.to_pyarrow(py).map_err(|e| py_err(py, e))?;
            let ret = self.runner.call1(py, (args, offsets, empty)).map_err(|e| py_err(py, e))?;
            let array: PyArray = ret.extract(py).map_err(|e| py_err(py, PyErr::from(e)))?;
            Ok(array.into_inner().0)
        })?;
        if result.len() != self.total_groups {
            return Err(EmberError::new(
                crate::error::ErrorKind::Python,
                format!("{} returned {} values for {} groups", self.name, result.len(), self.total_groups),
            ));
        }
        Ok(if result.data_type() == &self.return_type {
            result
        } else {
            arrow::compute::cast(&result, &self.return_type)?
        })
    }
}
