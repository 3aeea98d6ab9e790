//! Per-batch metrics of a stateful operator, reported in progress `stateOperators` with Spark's keys.
/// One stateful operator's figures for the latest batch.
#[derive(Clone, Debug)]
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
    /// The state store commit of the latest batch: its time and the bytes it wrote.
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

    /// The progress JSON object (key order as Spark's StateOperatorProgress).
    pub fn to_json(&self, commit_ms: u64) -> String {
        let mut custom: Vec<String> =
            vec!["\"loadedMapCacheHitCount\":0".into(), "\"loadedMapCacheMissCount\":0".into()];
        custom.extend(self.custom.iter().map(|(k, v)| format!("\"{k}\":{v}")));
        custom.push(format!("\"stateOnCurrentVersionSizeBytes\":{}", self.memory_bytes));
        custom.sort();
        format!(
            "{{\"operatorName\":\"{}\",\"numRowsTotal\":{},\"numRowsUpdated\":{},\"allUpdatesTimeMs\":{},\"numRowsRemoved\":{},\"allRemovalsTimeMs\":{},\"commitTimeMs\":{commit_ms},\"memoryUsedBytes\":{},\"numRowsDroppedByWatermark\":{},\"numShufflePartitions\":{},\"numStateStoreInstances\":{},\"customMetrics\":{{{}}}}}",
            self.name,
            self.rows_total,
            self.rows_updated,
            self.updates_ms,
            self.rows_removed,
            self.removals_ms,
            self.memory_bytes,
            self.rows_dropped_by_watermark,
            self.partitions,
            self.partitions,
            custom.join(",")
        )
    }
}
