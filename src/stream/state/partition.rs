//! Which state partition holds a key: Spark's hash partitioning of the grouping keys,
//! `pmod(murmur3(keys, seed 42), spark.sql.shuffle.partitions)`, so the partition directories of a checkpoint and
//! the state readers' `partition_id` are the ones Spark's state store uses for the same key.
use arrow::array::{ArrayRef, RecordBatch, UInt32Array};

use crate::error::Result;

use crate::expr::functions::hash::{hash_columns, Murmur3};

/// The partition of each of the `rows` keys given as columns, among `partitions`.
pub fn key_partitions(keys: &[ArrayRef], rows: usize, partitions: usize) -> Vec<usize> {
    if partitions <= 1 {
        return vec![0; rows];
    }
    hash_columns::<Murmur3>(keys, rows, 42)
        .into_iter()
        .map(|h| (h as u32 as i32).rem_euclid(partitions as i32) as usize)
        .collect()
}

/// `batch` split into one batch per partition by the columns `keys` (Spark's partition of those values).
pub fn split_by_keys(batch: &RecordBatch, keys: &[usize], partitions: usize) -> Result<Vec<RecordBatch>> {
    if partitions <= 1 {
        return Ok(vec![batch.clone()]);
    }
    let columns: Vec<ArrayRef> = keys.iter().map(|&k| batch.column(k).clone()).collect();
    let mut picks = vec![Vec::new(); partitions];
    for (i, p) in key_partitions(&columns, batch.num_rows(), partitions).into_iter().enumerate() {
        picks[p].push(i as u32);
    }
    picks.into_iter().map(|idx| Ok(arrow::compute::take_record_batch(batch, &UInt32Array::from(idx))?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn places_keys_as_spark_does() {
        // `hash` itself is differential-tested against Spark; here the point is pmod: negative hashes land in [0, n).
        let keys: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec!["a", "b", "c"]))];
        let h = hash_columns::<Murmur3>(&keys, 3, 42);
        let got = key_partitions(&keys, 3, 7);
        for (p, h) in got.iter().zip(h) {
            assert_eq!(*p as i64, (h as u32 as i32 as i64).rem_euclid(7));
            assert!(*p < 7);
        }
        assert_eq!(key_partitions(&[Arc::new(Int32Array::from(vec![1, 2]))], 2, 1), vec![0, 0]);
    }
}
