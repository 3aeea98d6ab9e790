//! How a Kafka read is cut into input partitions (Spark's `KafkaOffsetRangeCalculator`): one per topic-partition
//! with records to read, unless `minPartitions` asks for more (the larger ranges are split in proportion to their
//! size) or `maxRecordsPerPartition` caps each piece. Each input partition becomes one batch of the read (so
//! `spark_partition_id()` sees Spark's partitions) and the unit the reader spreads over the rayon pool.
use crate::stream::connector::kafka::offsets::TopicPartition;

/// `[from, until)` of one topic-partition.
pub type OffsetRange = (TopicPartition, i64, i64);

/// The read's split: `minPartitions` and `maxRecordsPerPartition` as given (both already checked positive).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Splitting {
    pub min_partitions: Option<usize>,
    pub max_records_per_partition: Option<i64>,
}

impl Splitting {
    /// The input partitions of `ranges`, in order; empty ranges are dropped.
    pub fn split(&self, ranges: &[OffsetRange]) -> Vec<OffsetRange> {
        let ranges: Vec<&OffsetRange> = ranges.iter().filter(|r| r.2 > r.1).collect();
        let size = |r: &OffsetRange| r.2 - r.1;
        match (self.min_partitions, self.max_records_per_partition) {
            (min, None) if min.is_none_or(|m| ranges.len() >= m) => ranges.into_iter().cloned().collect(),
            (Some(min), _) if min > ranges.len() => {
                let total: i64 = ranges.iter().map(|r| size(r)).sum();
                // Ranges that would get one piece anyway keep their size out of the split of the others.
                let whole: Vec<bool> = ranges.iter().map(|r| pieces_for(size(r), total, min) == 1).collect();
                let whole_total: i64 = ranges.iter().zip(&whole).filter(|(_, w)| **w).map(|(r, _)| size(r)).sum();
                let whole_count = whole.iter().filter(|w| **w).count();
                let split_total = total - whole_total;
                let split_min = min.saturating_sub(whole_count).max(1);
                ranges
                    .iter()
                    .zip(&whole)
                    .flat_map(|(r, w)| {
                        let n = if *w { 1 } else { pieces_for(size(r), split_total, split_min) };
                        divide(r, n)
                    })
                    .collect()
            }
            (_, max) => {
                // maxRecordsPerPartition: one piece per `max` records, plus one (Spark's rounding).
                let max = max.unwrap_or(i64::MAX).max(1);
                ranges.iter().flat_map(|r| divide(r, (size(r) / max + 1) as usize)).collect()
            }
        }
    }
}

/// Spark's share of `min` pieces for a range of `size` out of `total`, at least one.
fn pieces_for(size: i64, total: i64, min: usize) -> usize {
    if total <= 0 {
        return 1;
    }
    ((size as f64 / total as f64 * min as f64).round() as usize).max(1)
}

/// `n` consecutive pieces of `r`, the last taking the remainder; empty pieces dropped.
fn divide(r: &OffsetRange, n: usize) -> Vec<OffsetRange> {
    let n = n.max(1) as i64;
    let (mut left, mut start) = (r.2 - r.1, r.1);
    let mut out = Vec::with_capacity(n as usize);
    for part in 0..n {
        let this = left / (n - part);
        left -= this;
        let end = (start + this).min(r.2);
        if end > start {
            out.push((r.0.clone(), start, end));
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(p: i32, a: i64, b: i64) -> OffsetRange {
        (("t".to_string(), p), a, b)
    }

    #[test]
    fn one_partition_per_topic_partition_by_default() {
        let s = Splitting::default();
        assert_eq!(s.split(&[r(0, 0, 5), r(1, 3, 3), r(2, 1, 9)]), vec![r(0, 0, 5), r(2, 1, 9)]);
        let enough = Splitting { min_partitions: Some(2), max_records_per_partition: None };
        assert_eq!(enough.split(&[r(0, 0, 5), r(2, 1, 9)]), vec![r(0, 0, 5), r(2, 1, 9)]);
    }

    #[test]
    fn min_partitions_splits_the_large_ranges_in_proportion() {
        let s = Splitting { min_partitions: Some(4), max_records_per_partition: None };
        assert_eq!(s.split(&[r(0, 0, 100)]), vec![r(0, 0, 25), r(0, 25, 50), r(0, 50, 75), r(0, 75, 100)]);
        // A small range stays whole and the large one gets the remaining three pieces.
        let got = s.split(&[r(0, 0, 10), r(1, 0, 300)]);
        assert_eq!(got, vec![r(0, 0, 10), r(1, 0, 100), r(1, 100, 200), r(1, 200, 300)]);
        // Fewer records than pieces: no empty piece.
        assert_eq!(s.split(&[r(0, 0, 2)]), vec![r(0, 0, 1), r(0, 1, 2)]);
    }

    #[test]
    fn max_records_per_partition_caps_each_piece() {
        let s = Splitting { min_partitions: None, max_records_per_partition: Some(4) };
        assert_eq!(s.split(&[r(0, 0, 10)]), vec![r(0, 0, 3), r(0, 3, 6), r(0, 6, 10)]);
        assert_eq!(s.split(&[r(0, 0, 3)]), vec![r(0, 0, 3)]);
    }
}
