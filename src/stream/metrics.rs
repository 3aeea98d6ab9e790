//! Per-batch metrics of a stateful operator, reported in progress `stateOperators` with Spark's keys.
use crate::stream::progress::StateOperatorProgress;

/// One stateful operator's figures for the latest batch.
#[derive(Clone, Debug)]
pub struct OperatorMetrics {
    /// Spark's operator name: stateStoreSave, dedupe, dedupeWithinWatermark, sessionWindowStateStoreSaveExec …
    pub name: &'static str,
    pub partitions: usize,
    /// State stores per partition (a stream-stream join keeps four: two per side).
    pub stores_per_partition: usize,
    pub rows_total: usize,
    pub rows_updated: usize,
    pub rows_removed: usize,
    pub rows_dropped_by_watermark: usize,
    pub updates_ms: u64,
    pub removals_ms: u64,
    pub memory_bytes: usize,
    /// The state store's commit of the latest batch: its time (Spark's `commitTimeMs`) and the bytes it wrote.
    pub commit_ms: u64,
    pub state_bytes_written: u64,
    /// Operator-specific counters (`numDroppedDuplicateRows` for deduplication).
    pub custom: Vec<(&'static str, usize)>,
}

impl OperatorMetrics {
    pub fn new(name: &'static str, partitions: usize) -> Self {
        OperatorMetrics {
            name,
            partitions,
            stores_per_partition: 1,
            rows_total: 0,
            rows_updated: 0,
            rows_removed: 0,
            rows_dropped_by_watermark: 0,
            updates_ms: 0,
            removals_ms: 0,
            memory_bytes: 0,
            commit_ms: 0,
            state_bytes_written: 0,
            custom: Vec::new(),
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
            commit_time_ms: self.commit_ms,
            memory_used_bytes: self.memory_bytes,
            num_rows_dropped_by_watermark: self.rows_dropped_by_watermark,
            num_shuffle_partitions: self.partitions,
            num_state_store_instances: self.partitions * self.stores_per_partition,
            custom_metrics: custom,
        }
    }
}
