//! Per-batch metrics of a stateful operator, reported in progress `stateOperators` with Spark's keys.
use std::sync::atomic::{AtomicU64, Ordering};

use crate::stream::progress::StateOperatorProgress;

/// One stateful operator's figures for the latest batch.
#[derive(Debug)]
pub struct OperatorMetrics {
    /// Spark's operator name: stateStoreSave, dedupe, dedupeWithinWatermark, sessionWindowStateStoreSaveExec …
    pub name: &'static str,
    pub partitions: usize,
    pub rows_total: usize,
    pub rows_updated: usize,
    pub rows_removed: usize,
    pub rows_dropped_by_watermark: usize,
    pub updates_ms: u64,
    pub removals_ms: u64,
    pub memory_bytes: usize,
    /// Operator-specific counters (`numDroppedDuplicateRows` for deduplication).
    pub custom: Vec<(&'static str, usize)>,
    /// Time the operator's state took to commit in the batch's checkpoint step (Spark's `commitTimeMs`). The query
    /// loop sets it around that step, through the shared reference it has to the operators (hence atomic).
    commit_ms: AtomicU64,
}

impl Clone for OperatorMetrics {
    fn clone(&self) -> Self {
        OperatorMetrics { custom: self.custom.clone(), commit_ms: AtomicU64::new(self.commit_ms()), ..*self }
    }
}

impl OperatorMetrics {
    pub fn new(name: &'static str, partitions: usize) -> Self {
        OperatorMetrics {
            name,
            partitions,
            rows_total: 0,
            rows_updated: 0,
            rows_removed: 0,
            rows_dropped_by_watermark: 0,
            updates_ms: 0,
            removals_ms: 0,
            memory_bytes: 0,
            custom: Vec::new(),
            commit_ms: AtomicU64::new(0),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        total: usize,
        updated: usize,
        removed: usize,
        dropped: usize,
        updates_ms: u64,
        removals_ms: u64,
        memory: usize,
    ) {
        self.rows_total = total;
        self.rows_updated = updated;
        self.rows_removed = removed;
        self.rows_dropped_by_watermark = dropped;
        self.updates_ms = updates_ms;
        self.removals_ms = removals_ms;
        self.memory_bytes = memory;
    }

    pub fn commit_ms(&self) -> u64 {
        self.commit_ms.load(Ordering::Relaxed)
    }

    pub fn set_commit_ms(&self, ms: u64) {
        self.commit_ms.store(ms, Ordering::Relaxed)
    }

    /// The operator's `stateOperators` entry (Spark's custom metrics include the map-cache counters, always 0 here).
    pub fn progress(&self) -> StateOperatorProgress {
        let mut custom: std::collections::BTreeMap<String, usize> =
            [("loadedMapCacheHitCount", 0), ("loadedMapCacheMissCount", 0)].map(|(k, v)| (k.to_string(), v)).into();
        custom.extend(self.custom.iter().map(|(k, v)| (k.to_string(), *v)));
        custom.insert("stateOnCurrentVersionSizeBytes".into(), self.memory_bytes);
        StateOperatorProgress {
            operator_name: self.name.to_string(),
            num_rows_total: self.rows_total,
            num_rows_updated: self.rows_updated,
            all_updates_time_ms: self.updates_ms,
            num_rows_removed: self.rows_removed,
            all_removals_time_ms: self.removals_ms,
            commit_time_ms: self.commit_ms(),
            memory_used_bytes: self.memory_bytes,
            num_rows_dropped_by_watermark: self.rows_dropped_by_watermark,
            num_shuffle_partitions: self.partitions,
            num_state_store_instances: self.partitions,
            custom_metrics: custom,
        }
    }
}
