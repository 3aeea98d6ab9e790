//! `rand(seed)`/`randn(seed)` reproducing Spark's values: an XOR-shift generator seeded with `seed + partition`
//! behind `java.util.Random`'s `nextDouble`/`nextGaussian`.
use std::sync::Arc;

use arrow::array::{Array, AsArray, Float64Array};
use arrow::datatypes::{DataType, Int64Type};

use crate::context::EvalContext;
use crate::error::Result;
use crate::expr::functions::misc::support::Builtin;
use crate::expr::functions::{check_arg_count, FunctionRegistry, Signature};
use crate::expr::physical::ColumnarValue;

/// Scala's `MurmurHash3.bytesHash` (x86 32-bit Murmur3 over bytes).
fn scala_bytes_hash(data: &[u8], seed: u32) -> u32 {
    let mix_last = |h: u32, k: u32| h ^ k.wrapping_mul(0xcc9e2d51).rotate_left(15).wrapping_mul(0x1b873593);
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        h = mix_last(h, k).rotate_left(13).wrapping_mul(5).wrapping_add(0xe6546b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, b) in tail.iter().enumerate() {
            k ^= (*b as u32) << (8 * i);
        }
        h = mix_last(h, k);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85ebca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2ae35);
    h ^ (h >> 16)
}

/// Spark's `XORShiftRandom` with `java.util.Random`'s derived draws.
pub struct XorShiftRandom {
    seed: u64,
    next_gaussian: Option<f64>,
}

impl XorShiftRandom {
    pub fn new(init: i64) -> Self {
        let bytes = init.to_be_bytes();
        let low = scala_bytes_hash(&bytes, 0x3c074a61);
        let high = scala_bytes_hash(&bytes, low);
        XorShiftRandom { seed: ((high as u64) << 32) | low as u64, next_gaussian: None }
    }
    fn next(&mut self, bits: u32) -> i32 {
        let mut s = self.seed ^ (self.seed << 21);
        s ^= s >> 35;
        s ^= s << 4;
        self.seed = s;
        (s & ((1u64 << bits) - 1)) as i32
    }
    pub fn next_double(&mut self) -> f64 {
        let hi = (self.next(26) as i64) << 27;
        (hi + self.next(27) as i64) as f64 * (1.0f64 / (1u64 << 53) as f64)
    }
    pub fn next_gaussian(&mut self) -> f64 {
        if let Some(g) = self.next_gaussian.take() {
            return g;
        }
        loop {
            let v1 = 2.0 * self.next_double() - 1.0;
            let v2 = 2.0 * self.next_double() - 1.0;
            let s = v1 * v1 + v2 * v2;
            if s < 1.0 && s != 0.0 {
                let m = (-2.0 * s.ln() / s).sqrt();
                self.next_gaussian = Some(v2 * m);
                return v1 * m;
            }
        }
    }
}

/// Values of rows `row_offset .. row_offset + n` of a partition's sequence.
pub fn random_column(seed: i64, ctx: &EvalContext, n: usize, gaussian: bool) -> Float64Array {
    let mut rng = XorShiftRandom::new(seed.wrapping_add(ctx.partition as i64));
    let draw = |r: &mut XorShiftRandom| if gaussian { r.next_gaussian() } else { r.next_double() };
    for _ in 0..ctx.row_offset {
        draw(&mut rng);
    }
    Float64Array::from_iter_values((0..n).map(|_| draw(&mut rng)))
}

fn random_seed() -> i64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish() as i64
}

fn rand_fn(name: &'static str) -> Builtin {
    let gaussian = name == "randn";
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 0, 1)?;
            if let Some(x) = a.first() {
                if !matches!(x.data_type, DataType::Int32 | DataType::Int64 | DataType::Null) {
                    return Err(c.mismatch(0, "(\"INT\" or \"BIGINT\")", x));
                }
                if x.literal.is_none() {
                    return Err(c.datatype_error(
                        "NON_FOLDABLE_INPUT",
                        &format!("the input `seed` should be a foldable \"INT\" or \"BIGINT\" expression; however, got \"{}\".", x.sql),
                    ));
                }
            }
            Ok(Signature {
                arg_types: a.iter().map(|_| DataType::Int64).collect(),
                return_type: DataType::Float64,
                nullable: false,
            })
        },
        move |args, n, ctx| -> Result<ColumnarValue> {
            let seed = match args.first() {
                Some(s) => {
                    let s = s.clone().into_array(1)?;
                    let s = s.as_primitive::<Int64Type>();
                    if s.is_null(0) {
                        0
                    } else {
                        s.value(0)
                    }
                }
                None => random_seed(),
            };
            Ok(ColumnarValue::Array(Arc::new(random_column(seed, ctx, n, gaussian))))
        },
    )
    .nondeterministic()
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(rand_fn("rand"));
    r.scalar(rand_fn("randn"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_spark_sequences() {
        let ctx = EvalContext::default();
        assert_eq!(random_column(1, &ctx, 1, false).value(0), 0.6363787615254752);
        assert_eq!(random_column(1, &ctx, 1, true).value(0), 1.6845611254444919);
        assert_eq!(random_column(0, &ctx, 1, false).value(0), 0.7604953758285915);
        assert_eq!(random_column(42, &ctx, 1, true).value(0), 2.384479054241165);
        // spark.range(0, 6, 1, 2).select(rand(7), randn(7)): three rows per partition.
        let r = random_column(7, &ctx, 3, false);
        assert_eq!(r.values().to_vec(), vec![0.28188121484885875, 0.45998819035056326, 0.7690971666031955]);
        let ctx1 = EvalContext { partition: 1, row_offset: 1, ..EvalContext::default() };
        assert_eq!(random_column(7, &ctx1, 2, false).values().to_vec(), vec![0.734216416644485, 0.25330679322428096]);
        let g = random_column(7, &ctx1, 2, true);
        assert_eq!(g.values().to_vec(), vec![1.7346662488921807, -1.5758974095572422]);
        assert_eq!(random_column(7, &ctx, 3, true).value(2), 1.1637571325924414);
    }
}
