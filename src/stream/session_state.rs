//! Streaming aggregation by `session_window` (Spark's SessionWindowStateStoreSaveExec): state holds each key's open
//! sessions with their partial aggregates. A batch's rows (each starting as `[ts, ts + gap)`) are merged with the
//! stored sessions of their key — a row can extend a session or bridge two — and the merged sessions are re-keyed.
//! Append mode emits and forgets sessions whose end is at or below the watermark; complete mode emits all.
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StructArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, SchemaRef, TimestampMicrosecondType};
use arrow::row::{RowConverter, SortField};

use crate::context::ExecContext;
use crate::error::Result;
use crate::exec::aggregate::GroupedState;
use crate::exec::time_window::merge_row_sessions;
use crate::expr::physical::{PhysicalExpr, PhysicalKind};
use crate::plan::streaming::OutputMode;
use crate::plan::AggregateCall;
use crate::stream::metrics::OperatorMetrics;
use crate::stream::state::{Change, PartitionChanges};
use crate::types::batch::make_batch;

pub struct SessionState {
    state: GroupedState,
    group_exprs: Vec<PhysicalExpr>,
    aggs: Vec<AggregateCall>,
    /// Position of the session column among the grouping expressions, and in the input rows.
    session_group: usize,
    session_input: usize,
    /// What the latest batch changed (state store change files): the keys (without the session) that got rows,
    /// and the deleted sessions (full keys: replaced by a merge, or evicted).
    touched: std::collections::HashSet<Box<[u8]>>,
    deleted: Vec<RecordBatch>,
    pub metrics: OperatorMetrics,
    /// State partitions: a key's sessions live in Spark's partition of the key without the session.
    partitions: usize,
}

fn bounds(col: &ArrayRef) -> (Vec<i64>, Vec<i64>) {
    let s = col.as_struct();
    (
        s.column(0).as_primitive::<TimestampMicrosecondType>().values().to_vec(),
        s.column(1).as_primitive::<TimestampMicrosecondType>().values().to_vec(),
    )
}

fn with_bounds(col: &ArrayRef, starts: Vec<i64>, ends: Vec<i64>) -> ArrayRef {
    let s = col.as_struct();
    let DataType::Struct(fields) = col.data_type() else { unreachable!() };
    let tz = match fields[0].data_type() {
        DataType::Timestamp(_, tz) => tz.clone(),
        _ => None,
    };
    let mk = |v: Vec<i64>| -> ArrayRef { Arc::new(TimestampMicrosecondArray::from(v).with_timezone_opt(tz.clone())) };
    Arc::new(StructArray::new(fields.clone(), vec![mk(starts), mk(ends)], s.nulls().cloned()))
}

impl SessionState {
    pub fn new(
        group_exprs: &[PhysicalExpr],
        aggs: &[AggregateCall],
        session_input: usize,
        partitions: usize,
    ) -> Result<Self> {
        let session_group = group_exprs
            .iter()
            .position(|g| matches!(g.kind, PhysicalKind::Column(c) if c == session_input))
            .expect("grouped by the session window");
        Ok(SessionState {
            state: GroupedState::new(group_exprs, aggs)?,
            group_exprs: group_exprs.to_vec(),
            aggs: aggs.to_vec(),
            session_group,
            session_input,
            touched: Default::default(),
            deleted: Vec::new(),
            metrics: OperatorMetrics::new("sessionWindowStateStoreSaveExec", partitions.max(1)),
            partitions: partitions.max(1),
        })
    }

    pub fn num_rows(&self) -> usize {
        self.state.num_groups()
    }

    pub fn snapshot(&mut self) -> Result<Vec<RecordBatch>> {
        let all = self.state.to_batch()?;
        self.split(&all)
    }

    /// Rows whose leading columns are the group keys, one batch per state partition.
    fn split(&self, rows: &RecordBatch) -> Result<Vec<RecordBatch>> {
        let keys: Vec<usize> = (0..self.group_exprs.len()).filter(|&i| i != self.session_group).collect();
        crate::stream::state::partition::split_by_keys(rows, &keys, self.partitions)
    }

    /// The latest batch's changes per partition: the touched keys' old sessions and evicted sessions deleted,
    /// then the touched keys' current sessions upserted (rows as `snapshot`'s). Clears the record.
    pub fn changes(&mut self) -> Result<Vec<PartitionChanges>> {
        let mut out: Vec<PartitionChanges> = vec![Vec::new(); self.partitions];
        for b in std::mem::take(&mut self.deleted) {
            for (p, part) in self.split(&b)?.into_iter().enumerate() {
                if part.num_rows() > 0 {
                    out[p].push((0, Change::Delete(part)));
                }
            }
        }
        let touched = std::mem::take(&mut self.touched);
        if !touched.is_empty() && self.state.num_groups() > 0 {
            let rows: Vec<u32> = self
                .touched_rows(&self.state.key_columns()?, &touched)?
                .into_iter()
                .enumerate()
                .filter(|(_, t)| *t)
                .map(|(i, _)| i as u32)
                .collect();
            if !rows.is_empty() {
                let upserts = self.state.rows_batch(&rows)?;
                for (p, part) in self.split(&upserts)?.into_iter().enumerate() {
                    if part.num_rows() > 0 {
                        out[p].push((0, Change::Upsert(part)));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Whether each session of `keys` (group key columns) belongs to a key of `touched`.
    fn touched_rows(&self, keys: &[ArrayRef], touched: &std::collections::HashSet<Box<[u8]>>) -> Result<Vec<bool>> {
        let other: Vec<usize> = (0..self.group_exprs.len()).filter(|&i| i != self.session_group).collect();
        let n = keys.first().map_or(0, |k| k.len());
        if other.is_empty() {
            return Ok(vec![!touched.is_empty(); n]);
        }
        let conv =
            RowConverter::new(other.iter().map(|&i| SortField::new(self.group_exprs[i].data_type.clone())).collect())?;
        let cols: Vec<ArrayRef> = other.iter().map(|&i| keys[i].clone()).collect();
        Ok(conv.convert_columns(&cols)?.iter().map(|r| touched.contains(r.as_ref())).collect())
    }

    /// Full key columns (as `snapshot`'s `k<i>`) of `keys` rows picked by `flags`, as a batch of keys to delete.
    fn key_batch(keys: &[ArrayRef], flags: &[bool]) -> Result<Option<RecordBatch>> {
        if !flags.iter().any(|f| *f) {
            return Ok(None);
        }
        let mask = BooleanArray::from(flags.to_vec());
        let cols = keys.iter().map(|k| Ok(arrow::compute::filter(k.as_ref(), &mask)?)).collect::<Result<Vec<_>>>()?;
        let fields: Vec<arrow::datatypes::Field> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| arrow::datatypes::Field::new(format!("k{i}"), c.data_type().clone(), true))
            .collect();
        Ok(Some(RecordBatch::try_new(Arc::new(arrow::datatypes::Schema::new(fields)), cols)?))
    }

    pub fn restore(&mut self, parts: &[RecordBatch]) -> Result<()> {
        // Partitions that were empty may type their columns differently: only those with rows are merged.
        let full: Vec<&RecordBatch> = parts.iter().filter(|b| b.num_rows() > 0).collect();
        let merged = match full.as_slice() {
            [] => parts.first().cloned(),
            [one] => Some((*one).clone()),
            many => Some(arrow::compute::concat_batches(many[0].schema_ref(), many.iter().copied())?),
        };
        if let Some(b) = merged {
            self.state = GroupedState::from_batch(&self.group_exprs, &self.aggs, &b)?;
        }
        Ok(())
    }

    /// One batch: `rows` carry their own (unmerged) session in column `session_input`.
    pub fn process(
        &mut self,
        rows: &[RecordBatch],
        schema: &SchemaRef,
        input_schema: &SchemaRef,
        mode: OutputMode,
        watermark: crate::stream::operator::Watermarks,
        ctx: &ExecContext,
    ) -> Result<RecordBatch> {
        let started = std::time::Instant::now();
        let late_limit = watermark.late_ms.saturating_mul(1000);
        let limit = watermark.evict_ms.saturating_mul(1000);
        let all = arrow::compute::concat_batches(input_schema, rows)?;
        // Rows whose own session already ended at or below the watermark are late.
        let (_, row_ends) = bounds(all.column(self.session_input));
        let keep: Vec<bool> = row_ends.iter().map(|&e| mode == OutputMode::Complete || e > late_limit).collect();
        let dropped = keep.iter().filter(|k| !**k).count();
        let new_rows = arrow::compute::filter_record_batch(&all, &BooleanArray::from(keep))?;

        // Union of stored sessions and new rows, per key: merge overlapping intervals.
        let old_keys = self.state.key_columns()?;
        let old_n = self.state.num_groups();
        let other: Vec<usize> = (0..self.group_exprs.len()).filter(|&i| i != self.session_group).collect();
        let new_key_cols =
            other.iter().map(|&i| self.group_exprs[i].evaluate(&new_rows, &ctx.eval)).collect::<Result<Vec<_>>>()?;
        let (mut starts, mut ends) = if old_n > 0 { bounds(&old_keys[self.session_group]) } else { (vec![], vec![]) };
        let (ns, ne) = bounds(new_rows.column(self.session_input));
        starts.extend(&ns);
        ends.extend(&ne);
        let total = starts.len();
        let mut groups: HashMap<Box<[u8]>, Vec<usize>> = HashMap::new();
        if other.is_empty() {
            groups.insert(Box::from([] as [u8; 0]), (0..total).collect());
        } else {
            let conv = RowConverter::new(
                other.iter().map(|&i| SortField::new(self.group_exprs[i].data_type.clone())).collect(),
            )?;
            if old_n > 0 {
                let cols: Vec<ArrayRef> = other.iter().map(|&i| old_keys[i].clone()).collect();
                for (i, r) in conv.convert_columns(&cols)?.iter().enumerate() {
                    groups.entry(r.as_ref().into()).or_default().push(i);
                }
            }
            for (i, r) in conv.convert_columns(&new_key_cols)?.iter().enumerate() {
                groups.entry(r.as_ref().into()).or_default().push(old_n + i);
            }
        }
        let mut merged = vec![(0i64, 0i64); total];
        // As Spark's session state (keyed by session start): every session of a key that got rows is rewritten;
        // a stored session whose start disappears in a merge is removed.
        let (mut rewritten, mut merged_away) = (0usize, 0usize);
        self.touched.clear();
        self.deleted.clear();
        let mut old_touched = vec![false; old_n];
        for (key, members) in groups.iter_mut() {
            merge_row_sessions(&starts, &ends, members, &mut merged);
            if members.iter().any(|&m| m >= old_n) {
                self.touched.insert(key.clone());
                // A stored session whose bounds a merge changed is replaced (deleted; the merged one is upserted).
                for &m in members.iter().filter(|&&m| m < old_n) {
                    old_touched[m] = merged[m] != (starts[m], ends[m]);
                }
                let mut bounds: Vec<(i64, i64)> = members.iter().map(|&m| merged[m]).collect();
                bounds.sort_unstable();
                bounds.dedup();
                rewritten += bounds.len();
                merged_away += members.iter().filter(|&&m| m < old_n && starts[m] != merged[m].0).count();
            }
        }
        let (ms, me): (Vec<i64>, Vec<i64>) = merged.into_iter().unzip();
        if let Some(b) = Self::key_batch(&old_keys, &old_touched)? {
            self.deleted.push(b);
        }

        // Re-key: stored sessions first (their order kept), then the new rows.
        let mut next = GroupedState::new(&self.group_exprs, &self.aggs)?;
        if old_n > 0 {
            let mut keys = old_keys.clone();
            keys[self.session_group] =
                with_bounds(&old_keys[self.session_group], ms[..old_n].to_vec(), me[..old_n].to_vec());
            let states = self.state.state_arrays()?;
            next.merge_arrays(&keys, &states, old_n)?;
        }
        next.take_updated();
        let updated_rows = new_rows.num_rows();
        if updated_rows > 0 {
            let mut cols = new_rows.columns().to_vec();
            cols[self.session_input] =
                with_bounds(new_rows.column(self.session_input), ms[old_n..].to_vec(), me[old_n..].to_vec());
            let b = make_batch(input_schema.clone(), cols, updated_rows)?;
            next.update(&b, &self.group_exprs, &self.aggs, ctx)?;
        }
        next.take_updated();
        self.state = next;
        let updates_ms = started.elapsed().as_millis() as u64;

        let removal_start = std::time::Instant::now();
        let (out, removed) = match mode {
            OutputMode::Append => {
                let keys = self.state.key_columns()?;
                let flags: Vec<bool> = if self.state.num_groups() > 0 {
                    bounds(&keys[self.session_group]).1.iter().map(|&e| e <= limit).collect()
                } else {
                    vec![]
                };
                let mut gone = self.state.split_off(&flags, &self.group_exprs, &self.aggs)?;
                if let Some(b) = Self::key_batch(&keys, &flags)? {
                    self.deleted.push(b);
                }
                let n = gone.num_groups();
                (make_batch(schema.clone(), gone.finish()?, n)?, n)
            }
            _ => {
                let n = self.state.num_groups();
                (make_batch(schema.clone(), self.state.finish()?, n)?, 0)
            }
        };
        let memory = self.state.memory_estimate();
        self.metrics.record(
            self.state.num_groups(),
            rewritten,
            removed + merged_away,
            dropped,
            updates_ms,
            removal_start.elapsed().as_millis() as u64,
            memory,
        );
        Ok(out)
    }
}
