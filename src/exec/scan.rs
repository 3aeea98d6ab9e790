//! Leaf operators: `spark.range`, file scans (dispatched to `io`), and seeded sampling.
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch};
use arrow::datatypes::{Fields, Schema};

use crate::context::ExecContext;
use crate::error::Result;
use crate::io::options::Options;
use crate::types::batch::make_batch;
use crate::types::batch::take_rows;

/// `range(start, end, step)` split into `partitions` slices the way Spark splits it.
pub fn range(start: i64, end: i64, step: i64, partitions: usize, schema: &Arc<Schema>) -> Result<Vec<RecordBatch>> {
    let count: i128 = if (step > 0 && start >= end) || (step < 0 && start <= end) {
        0
    } else {
        ((end as i128 - start as i128) + (step as i128 - step.signum() as i128)) / step as i128
    };
    let count = count.max(0) as u64;
    let mut out = Vec::with_capacity(partitions);
    for p in 0..partitions as u64 {
        let lo = (count as u128 * p as u128 / partitions as u128) as u64;
        let hi = (count as u128 * (p + 1) as u128 / partitions as u128) as u64;
        let values: Int64Array = (lo..hi).map(|i| start.wrapping_add((i as i64).wrapping_mul(step))).collect();
        let n = values.len();
        out.push(make_batch(schema.clone(), vec![Arc::new(values)], n)?);
    }
    Ok(out)
}

/// Read the files of a FileScan node with the given output fields.
pub fn read_files(
    format: &str,
    paths: &[String],
    options: &Options,
    fields: &Fields,
    ctx: &ExecContext,
) -> Result<Vec<RecordBatch>> {
    let (_fields, batches) = crate::io::read_format(format, paths, options, Some(fields), &ctx.eval)?;
    Ok(batches)
}

/// SplitMix64: a small, well-mixed generator for seeded sampling.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Bernoulli (or Poisson, with replacement) sampling, deterministic for a seed. The rows chosen differ from
/// Spark's (its XORShift sampler runs per partition), as `sample` documents no particular rows.
pub fn sample(
    batches: &[RecordBatch],
    fraction: f64,
    with_replacement: bool,
    seed: u64,
    schema: &Arc<Schema>,
) -> Result<Vec<RecordBatch>> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let mut idx = Vec::new();
        for i in 0..b.num_rows() as u32 {
            if with_replacement {
                // Poisson(fraction) copies by inversion.
                let l = (-fraction).exp();
                let (mut k, mut p) = (0u32, 1.0);
                loop {
                    p *= rng.next_f64();
                    if p <= l {
                        break;
                    }
                    k += 1;
                }
                idx.extend(std::iter::repeat_n(i, k as usize));
            } else if rng.next_f64() < fraction {
                idx.push(i);
            }
        }
        out.push(take_rows(b, idx, schema)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{DataType, Field};

    #[test]
    fn range_splits_like_spark() {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let parts = range(0, 10, 3, 2, &schema).unwrap();
        let all: Vec<i64> = parts
            .iter()
            .flat_map(|b| b.column(0).as_any().downcast_ref::<Int64Array>().unwrap().values().to_vec())
            .collect();
        assert_eq!(all, vec![0, 3, 6, 9]);
        assert_eq!(parts[0].num_rows(), 2);
    }
}
