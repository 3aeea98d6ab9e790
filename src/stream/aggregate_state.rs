//! A streaming aggregation's state (Spark's StateStoreSaveExec): groups in Spark's partition of their key
//! (`state::partition`) among `spark.sql.shuffle.partitions`, each partition a `GroupedState` updated in parallel. Per batch the new rows are
//! aggregated, groups the watermark already passed are dropped as late (not in complete mode), the rest merged into
//! state; then complete mode emits every group, update mode the updated ones and evicts expired groups, append mode
//! emits and evicts the groups whose event time (a window's end) is at or below the watermark.

use arrow::array::{RecordBatch, UInt32Array};
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;

use crate::context::ExecContext;
use crate::error::Result;
use crate::exec::aggregate::{partial_aggregate, GroupedState};
use crate::expr::PhysicalExpr;
use crate::plan::streaming::OutputMode;
use crate::plan::AggregateCall;
use crate::stream::metrics::OperatorMetrics;
use crate::stream::state::{Change, PartitionChanges};
use crate::types::batch::make_batch;

pub struct AggregateState {
    partitions: Vec<GroupedState>,
    group_exprs: Vec<PhysicalExpr>,
    aggs: Vec<AggregateCall>,
    /// The grouping column holding the event time (a timestamp, or a window whose end counts), if any.
    event_key: Option<usize>,
    /// What the latest batch changed, per partition (state store change files).
    changed: Vec<Changed>,
    pub metrics: OperatorMetrics,
}

/// A partition's changes in the latest batch: groups updated (indices after eviction) and the keys evicted.
#[derive(Default)]
struct Changed {
    updated: Vec<u32>,
    evicted: Option<Vec<arrow::array::ArrayRef>>,
}

/// `updated` group indices renumbered after the groups flagged in `removed` were split off.
fn surviving(updated: &[u32], removed: Option<&[bool]>) -> Vec<u32> {
    let Some(removed) = removed else { return updated.to_vec() };
    let mut shift = vec![0u32; removed.len()];
    let mut gone = 0u32;
    for (g, r) in removed.iter().enumerate() {
        shift[g] = gone;
        gone += u32::from(*r);
    }
    updated.iter().filter(|&&g| !removed[g as usize]).map(|&g| g - shift[g as usize]).collect()
}

fn expired_flags(state: &GroupedState, key: usize, watermark_ms: i64) -> Result<Vec<bool>> {
    let keys = state.key_columns()?;
    let limit = watermark_ms.saturating_mul(1000);
    Ok(crate::stream::watermark::event_micros(&keys[key]).into_iter().map(|t| t.is_some_and(|t| t <= limit)).collect())
}

impl AggregateState {
    pub fn new(
        group_exprs: &[PhysicalExpr],
        aggs: &[AggregateCall],
        event_key: Option<usize>,
        partitions: usize,
    ) -> Result<Self> {
        let n = if group_exprs.is_empty() { 1 } else { partitions.max(1) };
        Ok(AggregateState {
            partitions: (0..n).map(|_| GroupedState::new(group_exprs, aggs)).collect::<Result<_>>()?,
            group_exprs: group_exprs.to_vec(),
            aggs: aggs.to_vec(),
            event_key,
            changed: (0..n).map(|_| Changed::default()).collect(),
            metrics: OperatorMetrics::new("stateStoreSave", n),
        })
    }

    /// State per partition as Arrow batches (checkpoints).
    pub fn snapshot(&mut self) -> Result<Vec<RecordBatch>> {
        self.partitions.iter_mut().map(|p| p.to_batch()).collect()
    }

    /// What the latest batch changed, per partition: evicted keys deleted, then updated groups upserted (rows as
    /// `snapshot`'s). Clears the record.
    pub fn changes(&mut self) -> Result<Vec<PartitionChanges>> {
        self.partitions
            .iter_mut()
            .zip(self.changed.iter_mut())
            .map(|(p, c)| {
                let c = std::mem::take(c);
                let mut out = Vec::new();
                if let Some(keys) = c.evicted {
                    let fields: Vec<arrow::datatypes::Field> = keys
                        .iter()
                        .enumerate()
                        .map(|(i, k)| arrow::datatypes::Field::new(format!("k{i}"), k.data_type().clone(), true))
                        .collect();
                    let schema = std::sync::Arc::new(arrow::datatypes::Schema::new(fields));
                    out.push((0, Change::Delete(RecordBatch::try_new(schema, keys)?)));
                }
                if !c.updated.is_empty() {
                    out.push((0, Change::Upsert(p.rows_batch(&c.updated)?)));
                }
                Ok(out)
            })
            .collect()
    }

    /// Load a `snapshot`.
    pub fn restore(&mut self, parts: &[RecordBatch]) -> Result<()> {
        if parts.len() != self.partitions.len() {
            return Err(crate::error::EmberError::execution(format!(
                "The checkpointed aggregation state has {} partitions but the query runs with {}",
                parts.len(),
                self.partitions.len()
            )));
        }
        for (p, b) in self.partitions.iter_mut().zip(parts) {
            *p = GroupedState::from_batch(&self.group_exprs, &self.aggs, b)?;
        }
        Ok(())
    }

    pub fn has_event_time(&self) -> bool {
        self.event_key.is_some()
    }

    pub fn num_rows(&self) -> usize {
        self.partitions.iter().map(|p| p.num_groups()).sum()
    }

    /// Process one batch's input rows; `watermark_ms` is the watermark in force for the batch.
    pub fn process(
        &mut self,
        rows: &[RecordBatch],
        schema: &SchemaRef,
        mode: OutputMode,
        watermark: crate::stream::operator::Watermarks,
        ctx: &ExecContext,
    ) -> Result<RecordBatch> {
        let started = std::time::Instant::now();
        let input_rows: usize = rows.iter().map(|b| b.num_rows()).sum();
        let mut batch = partial_aggregate(rows, &self.group_exprs, &self.aggs, ctx)?;
        let mut dropped = 0;
        if let (Some(k), true) = (self.event_key, mode != OutputMode::Complete) {
            let late = expired_flags(&batch, k, watermark.late_ms)?;
            dropped = late.iter().filter(|&&l| l).count();
            batch.split_off(&late, &self.group_exprs, &self.aggs)?;
        }
        let updated_groups = if input_rows > 0 { batch.num_groups() } else { 0 };
        let n = self.partitions.len();
        let target = crate::stream::state::partition::key_partitions(&batch.key_columns()?, batch.num_groups(), n);
        // No input leaves state untouched (a global aggregation's one group would otherwise count as updated).
        if input_rows > 0 {
            let pieces = batch.split_into(&target, n, &self.group_exprs, &self.aggs)?;
            self.partitions.par_iter_mut().zip(pieces).try_for_each(|(p, piece)| p.merge(piece))?;
        }
        let updates_ms = started.elapsed().as_millis() as u64;

        let removal_start = std::time::Instant::now();
        let (group_exprs, aggs, event_key) = (&self.group_exprs, &self.aggs, self.event_key);
        let outputs: Vec<(RecordBatch, usize)> = self
            .partitions
            .par_iter_mut()
            .zip(self.changed.par_iter_mut())
            .map(|(p, changed)| -> Result<(RecordBatch, usize)> {
                // Evicts expired groups; records what changed (updated groups that stay, evicted keys).
                let evict = |p: &mut GroupedState, updated: &[u32], changed: &mut Changed| -> Result<GroupedState> {
                    let (gone, flags) = match event_key {
                        Some(k) => {
                            let flags = expired_flags(p, k, watermark.evict_ms)?;
                            (p.split_off(&flags, group_exprs, aggs)?, Some(flags))
                        }
                        None => (GroupedState::new(group_exprs, aggs)?, None),
                    };
                    changed.updated = surviving(updated, flags.as_deref());
                    changed.evicted = (gone.num_groups() > 0).then(|| gone.key_columns()).transpose()?;
                    Ok(gone)
                };
                let (out, removed) = match mode {
                    OutputMode::Complete => {
                        changed.updated = p.take_updated();
                        changed.evicted = None;
                        let n = p.num_groups();
                        (make_batch(schema.clone(), p.finish()?, n)?, 0)
                    }
                    OutputMode::Update => {
                        let updated = p.take_updated();
                        let idx = UInt32Array::from(updated.clone());
                        let n = p.num_groups();
                        let all = make_batch(schema.clone(), p.finish()?, n)?;
                        let cols = all
                            .columns()
                            .iter()
                            .map(|c| Ok(arrow::compute::take(c.as_ref(), &idx, None)?))
                            .collect::<Result<Vec<_>>>()?;
                        let removed = evict(p, &updated, changed)?.num_groups();
                        (make_batch(schema.clone(), cols, idx.len())?, removed)
                    }
                    OutputMode::Append => {
                        let updated = p.take_updated();
                        let mut gone = evict(p, &updated, changed)?;
                        let n = gone.num_groups();
                        (make_batch(schema.clone(), gone.finish()?, n)?, n)
                    }
                };
                Ok((out, removed))
            })
            .collect::<Result<_>>()?;
        let removed: usize = outputs.iter().map(|(_, r)| r).sum();
        let batches: Vec<RecordBatch> = outputs.into_iter().map(|(b, _)| b).collect();
        let out = arrow::compute::concat_batches(schema, &batches)?;
        let memory = self.partitions.iter().map(|p| p.memory_estimate()).sum();
        self.metrics.record(
            self.num_rows(),
            updated_groups,
            removed,
            dropped,
            updates_ms,
            removal_start.elapsed().as_millis() as u64,
            memory,
        );
        Ok(out)
    }
}
