//! A streaming aggregation's state (Spark's StateStoreSaveExec): groups in Spark's partition of their key
//! (`state::partition`) among `spark.sql.shuffle.partitions`, each partition a `GroupedState` updated in parallel. Per batch the new rows are
//! aggregated, groups the watermark already passed are dropped as late (not in complete mode), the rest merged into
//! state; then complete mode emits every group, update mode the updated ones and evicts expired groups, append mode
//! emits and evicts the groups whose event time (a window's end) is at or below the watermark.

use arrow::array::RecordBatch;
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
    /// Per partition, each group's event time (with an event-time key): eviction looks at these, not the keys.
    event_times: Vec<EventTimes>,
    pub metrics: OperatorMetrics,
}

/// The event time (microseconds) of each group of a partition in group order, and their minimum. A batch decodes
/// the keys of the groups it added only; eviction compares integers, and none at all while the watermark is below
/// the oldest group, so the per-batch cost follows the groups a batch touches rather than the state's size.
#[derive(Default)]
struct EventTimes {
    micros: Vec<Option<i64>>,
    min: Option<i64>,
}

impl EventTimes {
    /// Take in the groups `state` added since the last call (new groups take the next indices).
    fn extend(&mut self, state: &GroupedState, key: usize) -> Result<()> {
        let known = self.micros.len() as u32;
        if state.num_groups() as u32 <= known {
            return Ok(());
        }
        let added: Vec<u32> = (known..state.num_groups() as u32).collect();
        let keys = state.key_columns_of(&added)?;
        for t in crate::stream::watermark::event_micros(&keys[key]) {
            if let Some(t) = t {
                self.min = Some(self.min.map_or(t, |m| m.min(t)));
            }
            self.micros.push(t);
        }
        Ok(())
    }

    /// One flag per group whose event time is at or below `watermark_ms`; None when no group is.
    fn expired(&self, watermark_ms: i64) -> Option<Vec<bool>> {
        let limit = watermark_ms.saturating_mul(1000);
        if self.min.is_none_or(|m| m > limit) {
            return None;
        }
        Some(self.micros.iter().map(|t| t.is_some_and(|t| t <= limit)).collect())
    }

    /// Forget the groups flagged in `removed` (after `GroupedState::split_off` with the same flags).
    fn remove(&mut self, removed: &[bool]) {
        let mut flags = removed.iter();
        self.micros.retain(|_| !flags.next().copied().unwrap_or(false));
        self.min = self.micros.iter().flatten().min().copied();
    }
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
            event_times: (0..n).map(|_| EventTimes::default()).collect(),
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
        for ((p, times), b) in self.partitions.iter_mut().zip(self.event_times.iter_mut()).zip(parts) {
            *p = GroupedState::from_batch(&self.group_exprs, &self.aggs, b)?;
            *times = EventTimes::default();
            if let Some(k) = self.event_key {
                times.extend(p, k)?;
            }
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
            let event_key = self.event_key;
            self.partitions.par_iter_mut().zip(self.event_times.par_iter_mut()).zip(pieces).try_for_each(
                |((p, times), piece)| {
                    p.merge(piece)?;
                    match event_key {
                        Some(k) => times.extend(p, k),
                        None => Ok(()),
                    }
                },
            )?;
        }
        let updates_ms = started.elapsed().as_millis() as u64;

        let removal_start = std::time::Instant::now();
        let (group_exprs, aggs, event_key) = (&self.group_exprs, &self.aggs, self.event_key);
        let outputs: Vec<(RecordBatch, usize)> = self
            .partitions
            .par_iter_mut()
            .zip(self.changed.par_iter_mut())
            .zip(self.event_times.par_iter_mut())
            .map(|((p, changed), times)| -> Result<(RecordBatch, usize)> {
                // Evicts expired groups; records what changed (updated groups that stay, evicted keys).
                let mut evict =
                    |p: &mut GroupedState, updated: &[u32], changed: &mut Changed| -> Result<GroupedState> {
                        let expired = event_key.and_then(|_| times.expired(watermark.evict_ms));
                        let (gone, flags) = match expired {
                            Some(flags) => {
                                let gone = p.split_off(&flags, group_exprs, aggs)?;
                                times.remove(&flags);
                                (gone, Some(flags))
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
                        let out = make_batch(schema.clone(), p.finish_rows(&updated)?, updated.len())?;
                        let removed = evict(p, &updated, changed)?.num_groups();
                        (out, removed)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_times_flag_only_groups_at_or_below_the_watermark_and_track_the_minimum() {
        let mut t = EventTimes { micros: vec![Some(5_000), None, Some(2_000), Some(9_000)], min: Some(2_000) };
        assert_eq!(t.expired(1), None, "below the oldest group nothing is looked at");
        let flags = t.expired(5).unwrap();
        assert_eq!(flags, vec![true, false, true, false]);
        t.remove(&flags);
        assert_eq!((t.micros.clone(), t.min), (vec![None, Some(9_000)], Some(9_000)));
        assert_eq!(t.expired(8), None);
    }
}
