//! Streaming deduplication state (Spark's StreamingDeduplicateExec / ...WithinWatermarkExec): the keys seen so far,
//! each with the time after which it may be forgotten. Rows at or below the watermark are dropped first when the
//! input has an event time; the first row of a new key passes, later ones are dropped. `dropDuplicates` forgets a key
//! only when the keys include the event time (once the watermark reaches it); `dropDuplicatesWithinWatermark`
//! forgets it once the watermark reaches its event time plus the delay.
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use arrow::array::{Array, BinaryArray, BinaryBuilder, BooleanArray, Int64Array, RecordBatch};
use arrow::datatypes::DataType;
use arrow::row::{RowConverter, SortField};

use crate::error::Result;
use crate::exec::hashing::FxHasher;
use crate::stream::metrics::OperatorMetrics;
use crate::stream::state::{Change, PartitionChanges};

pub struct DedupState {
    keys: Vec<usize>,
    converter: RowConverter,
    /// Key bytes → event time (µs) after which the key may be evicted (`i64::MAX`: never).
    seen: HashMap<Box<[u8]>, i64, BuildHasherDefault<FxHasher>>,
    /// Input column carrying the event time, and its watermark delay.
    event: Option<(usize, i64)>,
    event_in_keys: bool,
    within_watermark: bool,
    /// What the latest batch changed (state store change files): keys added with their expiry, keys forgotten.
    added: (BinaryBuilder, Vec<i64>),
    forgotten: BinaryBuilder,
    pub metrics: OperatorMetrics,
    /// State partitions: a key lives in Spark's partition of it (`state::partition`).
    partitions: usize,
}

impl DedupState {
    pub fn new(
        keys: &[usize],
        types: &[DataType],
        event: Option<(usize, i64)>,
        within_watermark: bool,
        partitions: usize,
    ) -> Result<Self> {
        let converter = RowConverter::new(keys.iter().map(|&k| SortField::new(types[k].clone())).collect())?;
        let event_in_keys = event.is_some_and(|(c, _)| keys.contains(&c));
        let name = if within_watermark { "dedupeWithinWatermark" } else { "dedupe" };
        Ok(DedupState {
            keys: keys.to_vec(),
            converter,
            seen: HashMap::default(),
            event,
            event_in_keys,
            within_watermark,
            added: (BinaryBuilder::new(), Vec::new()),
            forgotten: BinaryBuilder::new(),
            metrics: OperatorMetrics::new(name, partitions.max(1)),
            partitions: partitions.max(1),
        })
    }

    /// The remembered keys (row-format bytes) and their expiry, as one Arrow batch (checkpoints).
    pub fn snapshot(&self) -> Result<Vec<RecordBatch>> {
        let keys: BinaryArray = self.seen.keys().map(|k| Some(k.as_ref())).collect();
        let exp: Int64Array = self.seen.values().copied().map(Some).collect();
        self.split(Self::rows(keys, Some(exp))?)
    }

    /// `rows` (keys first, row-format bytes) split into one batch per state partition.
    fn split(&self, rows: RecordBatch) -> Result<Vec<RecordBatch>> {
        use arrow::array::AsArray;
        if self.partitions == 1 {
            return Ok(vec![rows]);
        }
        let keys = rows.column(0).as_binary::<i32>();
        let parser = self.converter.parser();
        let columns = self.converter.convert_rows(keys.iter().map(|k| parser.parse(k.unwrap_or_default())))?;
        let target = crate::stream::state::partition::key_partitions(&columns, rows.num_rows(), self.partitions);
        let mut picks = vec![Vec::new(); self.partitions];
        for (i, p) in target.into_iter().enumerate() {
            picks[p].push(i as u32);
        }
        picks
            .into_iter()
            .map(|idx| Ok(arrow::compute::take_record_batch(&rows, &arrow::array::UInt32Array::from(idx))?))
            .collect()
    }

    fn rows(keys: BinaryArray, expires: Option<Int64Array>) -> Result<RecordBatch> {
        use arrow::datatypes::{Field, Schema};
        let mut fields = vec![Field::new("key", DataType::Binary, false)];
        let mut cols: Vec<arrow::array::ArrayRef> = vec![std::sync::Arc::new(keys)];
        if let Some(e) = expires {
            fields.push(Field::new("expires", DataType::Int64, false));
            cols.push(std::sync::Arc::new(e));
        }
        Ok(RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), cols)?)
    }

    /// The latest batch's changes per partition: added keys upserted, then forgotten keys deleted. Clears them.
    pub fn changes(&mut self) -> Result<Vec<PartitionChanges>> {
        let mut out = vec![Vec::new(); self.partitions];
        let keys = self.added.0.finish();
        let expires = Int64Array::from(std::mem::take(&mut self.added.1));
        if !keys.is_empty() {
            for (p, b) in self.split(Self::rows(keys, Some(expires))?)?.into_iter().enumerate() {
                if b.num_rows() > 0 {
                    out[p].push((0, Change::Upsert(b)));
                }
            }
        }
        let forgotten = self.forgotten.finish();
        if !forgotten.is_empty() {
            for (p, b) in self.split(Self::rows(forgotten, None)?)?.into_iter().enumerate() {
                if b.num_rows() > 0 {
                    out[p].push((0, Change::Delete(b)));
                }
            }
        }
        Ok(out)
    }

    pub fn restore(&mut self, parts: &[RecordBatch]) -> Result<()> {
        use arrow::array::AsArray;
        use arrow::datatypes::Int64Type;
        for b in parts {
            let keys = b.column(0).as_binary::<i32>();
            let exp = b.column(1).as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                self.seen.insert(keys.value(i).into(), exp.value(i));
            }
        }
        Ok(())
    }

    /// Whether the watermark can make this operator forget keys (a no-data batch is then worth running).
    pub fn evicts(&self) -> bool {
        self.within_watermark || self.event_in_keys
    }

    /// Rows of `batches` that pass, in order; then keys the watermark expired are forgotten.
    pub fn process(
        &mut self,
        batches: &[RecordBatch],
        watermark: crate::stream::operator::Watermarks,
    ) -> Result<Vec<RecordBatch>> {
        let started = std::time::Instant::now();
        let late_limit = watermark.late_ms.saturating_mul(1000);
        let limit = watermark.evict_ms.saturating_mul(1000);
        let (mut late, mut duplicates, mut added) = (0usize, 0usize, 0usize);
        let mut out = Vec::with_capacity(batches.len());
        // Only the latest batch's changes are kept (a checkpointed query takes them after each batch).
        self.added.0.finish();
        self.added.1.clear();
        self.forgotten.finish();
        for b in batches {
            let n = b.num_rows();
            let times = self.event.map(|(c, _)| crate::stream::watermark::event_micros(b.column(c)));
            let key_cols: Vec<_> = self.keys.iter().map(|&k| b.column(k).clone()).collect();
            let rows = self.converter.convert_columns(&key_cols)?;
            let mut keep = Vec::with_capacity(n);
            for (i, row) in rows.iter().enumerate() {
                let t = times.as_ref().and_then(|t| t[i]);
                if times.is_some() && t.is_some_and(|t| t <= late_limit) {
                    late += 1;
                    keep.push(false);
                    continue;
                }
                if self.seen.contains_key(row.as_ref()) {
                    duplicates += 1;
                    keep.push(false);
                    continue;
                }
                let expires = match (self.within_watermark, self.event, t) {
                    (true, Some((_, delay)), Some(t)) => t.saturating_add(delay.saturating_mul(1000)),
                    (false, _, Some(t)) if self.event_in_keys => t,
                    _ => i64::MAX,
                };
                self.seen.insert(row.as_ref().into(), expires);
                self.added.0.append_value(row.as_ref());
                self.added.1.push(expires);
                added += 1;
                keep.push(true);
            }
            out.push(arrow::compute::filter_record_batch(b, &BooleanArray::from(keep))?);
        }
        let updates_ms = started.elapsed().as_millis() as u64;
        let removal_start = std::time::Instant::now();
        let before = self.seen.len();
        if self.evicts() {
            let forgotten = &mut self.forgotten;
            self.seen.retain(|k, &mut expires| {
                let keep = expires > limit;
                if !keep {
                    forgotten.append_value(k);
                }
                keep
            });
        }
        let removed = before - self.seen.len();
        let memory = self.seen.keys().map(|k| k.len() + 40).sum();
        self.metrics.record(
            self.seen.len(),
            added,
            removed,
            late,
            updates_ms,
            removal_start.elapsed().as_millis() as u64,
            memory,
        );
        self.metrics.custom = vec![("numDroppedDuplicateRows", duplicates)];
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, TimestampMicrosecondArray};
    use arrow::datatypes::{Field, Schema};
    use std::sync::Arc;

    fn batch(keys: &[i64], secs: &[i64]) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("k", DataType::Int64, true),
            Field::new("ts", crate::types::timestamp_type(), true),
        ]);
        let ts = TimestampMicrosecondArray::from(secs.iter().map(|s| s * 1_000_000).collect::<Vec<_>>())
            .with_timezone("UTC");
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(Int64Array::from(keys.to_vec())), Arc::new(ts)]).unwrap()
    }

    fn wm(late_ms: i64, evict_ms: i64) -> crate::stream::operator::Watermarks {
        crate::stream::operator::Watermarks { late_ms, evict_ms }
    }

    fn types() -> Vec<DataType> {
        vec![DataType::Int64, crate::types::timestamp_type()]
    }

    #[test]
    fn drops_repeats_across_batches_and_late_rows() {
        let mut d = DedupState::new(&[0], &types(), Some((1, 10_000)), false, 2).unwrap();
        let out = d.process(&[batch(&[1, 1, 2], &[100, 101, 102])], wm(0, 0)).unwrap();
        assert_eq!(out[0].num_rows(), 2);
        let out = d.process(&[batch(&[2, 3, 4], &[103, 104, 5])], wm(50_000, 50_000)).unwrap();
        assert_eq!(out[0].num_rows(), 1);
        assert_eq!(d.metrics.rows_dropped_by_watermark, 1);
        assert_eq!(d.metrics.custom, vec![("numDroppedDuplicateRows", 1)]);
        // Keys without the event time are never forgotten.
        assert_eq!(d.metrics.rows_total, 3);
    }

    #[test]
    fn within_watermark_forgets_a_key_after_its_time_plus_delay() {
        let mut d = DedupState::new(&[0], &types(), Some((1, 10_000)), true, 2).unwrap();
        d.process(&[batch(&[1], &[100])], wm(0, 0)).unwrap();
        d.process(&[], wm(0, 105_000)).unwrap();
        assert_eq!(d.metrics.rows_total, 1);
        d.process(&[], wm(0, 110_000)).unwrap();
        assert_eq!(d.metrics.rows_total, 0);
    }

    #[test]
    fn restarts_from_a_previous_layout_file_then_from_its_change_files() {
        use crate::stream::state::{StateStore, TableSpec};
        let dir = tempfile::tempdir().unwrap();
        let mut d = DedupState::new(&[0], &types(), None, false, 1).unwrap();
        d.process(&[batch(&[1, 2], &[100, 101])], wm(0, 0)).unwrap();
        // The previous layout: the whole state after batch 3 in state/<op>/0/3.arrow, plain Arrow IPC.
        let mut buf = Vec::new();
        {
            let b = d.snapshot().unwrap().pop().unwrap();
            let mut w = arrow::ipc::writer::FileWriter::try_new(&mut buf, b.schema_ref()).unwrap();
            w.write(&b).unwrap();
            w.finish().unwrap();
        }
        crate::stream::checkpoint::write_atomic(&dir.path().join("0").join("3.arrow"), &buf).unwrap();
        let open = |v: i64| StateStore::open(dir.path(), vec![TableSpec::new("default", 1)], 10, Some(v)).unwrap();
        let restart = |version: i64| {
            let mut d = DedupState::new(&[0], &types(), None, false, 1).unwrap();
            d.restore(&open(version).load(version).unwrap().into_iter().map(|mut t| t.remove(0)).collect::<Vec<_>>())
                .unwrap();
            d
        };
        let mut d = restart(3);
        let out = d.process(&[batch(&[2, 3], &[102, 103])], wm(0, 0)).unwrap();
        assert_eq!(out[0].num_rows(), 1);
        let mut store = open(3);
        store.update(d.changes().unwrap());
        store.commit(4).unwrap();
        let mut d = restart(4);
        let out = d.process(&[batch(&[1, 2, 3, 4], &[1, 2, 3, 4])], wm(0, 0)).unwrap();
        assert_eq!(out[0].num_rows(), 1);
        assert_eq!(d.metrics.rows_total, 4);
    }
}
