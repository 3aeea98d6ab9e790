//! Per-group references to one row of retained input batches: type-generic "keep a value" state for
//! first/last, min/max of non-primitive types and max_by/min_by, gathered with `interleave` at the end.
use arrow::array::{new_null_array, Array, ArrayRef, DynComparator};
use arrow::compute::{interleave, SortOptions};
use arrow::datatypes::DataType;

use crate::error::Result;

/// Retained batches beyond this are compacted into one array of the kept values.
const MAX_BATCHES: usize = 32;

pub(super) struct ValueRefs {
    types: Vec<DataType>,
    /// Retained input: each batch holds one array per column.
    batches: Vec<Vec<ArrayRef>>,
    /// Per group: (batch, row) of the kept row, None while the group has none.
    slots: Vec<Option<(u32, u32)>>,
}

impl ValueRefs {
    pub fn new(types: Vec<DataType>) -> Self {
        ValueRefs { types, batches: Vec::new(), slots: Vec::new() }
    }

    pub fn resize(&mut self, n: usize) {
        if self.slots.len() < n {
            self.slots.resize(n, None);
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Retain a batch (one array per column) and return its id.
    pub fn push(&mut self, cols: Vec<ArrayRef>) -> u32 {
        self.batches.push(cols);
        (self.batches.len() - 1) as u32
    }

    #[inline]
    pub fn get(&self, g: usize) -> Option<(u32, u32)> {
        self.slots[g]
    }

    #[inline]
    pub fn set(&mut self, g: usize, batch: u32, row: usize) {
        self.slots[g] = Some((batch, row as u32));
    }

    pub fn column(&self, batch: u32, col: usize) -> &ArrayRef {
        &self.batches[batch as usize][col]
    }

    /// The kept values of column `col`, one row per group (null where a group has none).
    pub fn finish(&self, col: usize) -> Result<ArrayRef> {
        // The retained arrays' own type (nested field names may differ from the resolved type's).
        let dt = self.batches.first().map(|b| b[col].data_type().clone()).unwrap_or_else(|| self.types[col].clone());
        let null = new_null_array(&dt, 1);
        let mut sources: Vec<&dyn Array> = self.batches.iter().map(|b| b[col].as_ref()).collect();
        sources.push(null.as_ref());
        let null_src = sources.len() - 1;
        let indices: Vec<(usize, usize)> = self
            .slots
            .iter()
            .map(|s| match s {
                Some((b, r)) => (*b as usize, *r as usize),
                None => (null_src, 0),
            })
            .collect();
        Ok(interleave(&sources, &indices)?)
    }

    /// Whether any group has a kept row.
    pub fn is_set(&self, g: usize) -> bool {
        self.slots[g].is_some()
    }

    /// Drop batches nobody references by gathering the kept rows into one batch, when many are retained.
    pub fn maybe_compact(&mut self) -> Result<()> {
        if self.batches.len() <= MAX_BATCHES {
            return Ok(());
        }
        let cols = (0..self.types.len()).map(|c| self.finish(c)).collect::<Result<Vec<_>>>()?;
        self.batches = vec![cols];
        for (g, s) in self.slots.iter_mut().enumerate() {
            if s.is_some() {
                *s = Some((0, g as u32));
            }
        }
        Ok(())
    }

    /// Forget the last pushed batch (the caller knows no group kept a row of it).
    pub fn pop_last(&mut self) {
        self.batches.pop();
    }
}

/// Comparators of one column between each retained batch and the incoming batch, created on first use.
pub(super) struct Comparators {
    cache: Vec<Option<DynComparator>>,
}

impl Comparators {
    pub fn new() -> Self {
        Comparators { cache: Vec::new() }
    }

    /// Compare row `a` of retained batch `batch` with row `b` of `incoming` (column `col`).
    pub fn cmp(
        &mut self,
        refs: &ValueRefs,
        batch: u32,
        a: usize,
        col: usize,
        incoming: &ArrayRef,
        b: usize,
    ) -> Result<std::cmp::Ordering> {
        let i = batch as usize;
        if self.cache.len() <= i {
            self.cache.resize_with(i + 1, || None);
        }
        if self.cache[i].is_none() {
            self.cache[i] = Some(arrow::array::make_comparator(
                refs.column(batch, col).as_ref(),
                incoming.as_ref(),
                SortOptions::default(),
            )?);
        }
        Ok((self.cache[i].as_ref().unwrap())(a, b))
    }
}
