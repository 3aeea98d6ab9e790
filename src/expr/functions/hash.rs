//! Hash functions: Spark's `hash` (Murmur3 x86 32-bit, seed 42) and `xxhash64` (seed 42) chained over columns with
//! Spark's per-type encodings, and the digests `md5`, `sha1`, `sha2`, `crc32`.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int32Array, Int64Array};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType,
};

use super::misc::support::{fixed, map_columnar, Builtin, Expect};
use super::string::build_str;
use super::{check_arg_count, FunctionRegistry, Signature};

/// A seeded 32- or 64-bit hash over Spark's value encodings.
pub trait SparkHasher {
    fn int(v: i32, seed: u64) -> u64;
    fn long(v: i64, seed: u64) -> u64;
    fn bytes(b: &[u8], seed: u64) -> u64;
}

/// Spark's `Murmur3_x86_32` (its `hashUnsafeBytes` folds tail bytes one at a time, sign-extended).
pub struct Murmur3;

fn mix_k1(k: u32) -> u32 {
    k.wrapping_mul(0xcc9e2d51).rotate_left(15).wrapping_mul(0x1b873593)
}
fn mix_h1(h: u32, k: u32) -> u32 {
    (h ^ k).rotate_left(13).wrapping_mul(5).wrapping_add(0xe6546b64)
}
fn fmix32(mut h: u32, len: u32) -> u32 {
    h ^= len;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85ebca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2ae35);
    h ^ (h >> 16)
}

impl SparkHasher for Murmur3 {
    fn int(v: i32, seed: u64) -> u64 {
        fmix32(mix_h1(seed as u32, mix_k1(v as u32)), 4) as u64
    }
    fn long(v: i64, seed: u64) -> u64 {
        let h = mix_h1(seed as u32, mix_k1(v as u32));
        let h = mix_h1(h, mix_k1((v as u64 >> 32) as u32));
        fmix32(h, 8) as u64
    }
    fn bytes(b: &[u8], seed: u64) -> u64 {
        let mut h = seed as u32;
        let mut chunks = b.chunks_exact(4);
        for c in &mut chunks {
            h = mix_h1(h, mix_k1(u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        }
        for &x in chunks.remainder() {
            h = mix_h1(h, mix_k1(x as i8 as i32 as u32));
        }
        fmix32(h, b.len() as u32) as u64
    }
}

/// Spark's `XXH64`.
pub struct XxHash64;

const P1: u64 = 0x9E3779B185EBCA87;
const P2: u64 = 0xC2B2AE3D27D4EB4F;
const P3: u64 = 0x165667B19E3779F9;
const P4: u64 = 0x85EBCA77C2B2AE63;
const P5: u64 = 0x27D4EB2F165667C5;

fn xx_fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}
fn xx_round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2)).rotate_left(31).wrapping_mul(P1)
}
fn xx_merge(h: u64, v: u64) -> u64 {
    (h ^ xx_round(0, v)).wrapping_mul(P1).wrapping_add(P4)
}

impl SparkHasher for XxHash64 {
    fn int(v: i32, seed: u64) -> u64 {
        let h = seed.wrapping_add(P5).wrapping_add(4);
        let h = h ^ (v as u32 as u64).wrapping_mul(P1);
        xx_fmix(h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3))
    }
    fn long(v: i64, seed: u64) -> u64 {
        let h = seed.wrapping_add(P5).wrapping_add(8);
        let h = h ^ (v as u64).wrapping_mul(P2).rotate_left(31).wrapping_mul(P1);
        xx_fmix(h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4))
    }
    fn bytes(b: &[u8], seed: u64) -> u64 {
        let word = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        let len = b.len();
        let mut off = 0;
        let mut h = if len >= 32 {
            let (mut v1, mut v2, mut v3, mut v4) =
                (seed.wrapping_add(P1).wrapping_add(P2), seed.wrapping_add(P2), seed, seed.wrapping_sub(P1));
            while off + 32 <= len {
                v1 = xx_round(v1, word(off));
                v2 = xx_round(v2, word(off + 8));
                v3 = xx_round(v3, word(off + 16));
                v4 = xx_round(v4, word(off + 24));
                off += 32;
            }
            let mut h = v1
                .rotate_left(1)
                .wrapping_add(v2.rotate_left(7))
                .wrapping_add(v3.rotate_left(12))
                .wrapping_add(v4.rotate_left(18));
            for v in [v1, v2, v3, v4] {
                h = xx_merge(h, v);
            }
            h
        } else {
            seed.wrapping_add(P5)
        };
        h = h.wrapping_add(len as u64);
        while off + 8 <= len {
            h ^= xx_round(0, word(off));
            h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
            off += 8;
        }
        if off + 4 <= len {
            let w = u32::from_le_bytes(b[off..off + 4].try_into().unwrap()) as u64;
            h ^= w.wrapping_mul(P1);
            h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
            off += 4;
        }
        while off < len {
            h ^= (b[off] as u64).wrapping_mul(P5);
            h = h.rotate_left(11).wrapping_mul(P1);
            off += 1;
        }
        xx_fmix(h)
    }
}

/// Minimal big-endian two's-complement bytes of a value (Java's `BigInteger.toByteArray`).
fn big_integer_bytes(v: i128) -> Vec<u8> {
    let b = v.to_be_bytes();
    let mut start = 0;
    while start < 15 {
        let (x, next) = (b[start], b[start + 1]);
        if (x == 0 && next & 0x80 == 0) || (x == 0xFF && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    b[start..].to_vec()
}

/// Fold row `i` of `a` into `seed` (null leaves it unchanged), as Spark's `HashExpression` does per type.
pub fn hash_value<H: SparkHasher>(a: &dyn Array, i: usize, seed: u64) -> u64 {
    if a.is_null(i) {
        return seed;
    }
    match a.data_type() {
        DataType::Boolean => H::int(a.as_boolean().value(i) as i32, seed),
        DataType::Int8 => H::int(a.as_primitive::<Int8Type>().value(i) as i32, seed),
        DataType::Int16 => H::int(a.as_primitive::<Int16Type>().value(i) as i32, seed),
        DataType::Int32 => H::int(a.as_primitive::<Int32Type>().value(i), seed),
        DataType::Date32 => H::int(a.as_primitive::<Date32Type>().value(i), seed),
        DataType::Int64 => H::long(a.as_primitive::<Int64Type>().value(i), seed),
        DataType::Timestamp(_, _) => H::long(a.as_primitive::<TimestampMicrosecondType>().value(i), seed),
        DataType::Duration(_) => H::long(a.as_primitive::<arrow::datatypes::DurationMicrosecondType>().value(i), seed),
        DataType::Float32 => {
            let v = a.as_primitive::<Float32Type>().value(i);
            let bits = if v == 0.0 {
                0
            } else if v.is_nan() {
                0x7fc00000
            } else {
                v.to_bits() as i32
            };
            H::int(bits, seed)
        }
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>().value(i);
            let bits = if v == 0.0 {
                0
            } else if v.is_nan() {
                0x7ff8000000000000
            } else {
                v.to_bits() as i64
            };
            H::long(bits, seed)
        }
        DataType::Decimal128(p, _) => {
            let v = a.as_primitive::<Decimal128Type>().value(i);
            if *p <= 18 {
                H::long(v as i64, seed)
            } else {
                H::bytes(&big_integer_bytes(v), seed)
            }
        }
        DataType::Utf8 => H::bytes(a.as_string::<i32>().value(i).as_bytes(), seed),
        DataType::LargeUtf8 => H::bytes(a.as_string::<i64>().value(i).as_bytes(), seed),
        DataType::Binary => H::bytes(a.as_binary::<i32>().value(i), seed),
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let (s, e) = (l.value_offsets()[i] as usize, l.value_offsets()[i + 1] as usize);
            let vals = l.values();
            (s..e).fold(seed, |h, j| hash_value::<H>(vals.as_ref(), j, h))
        }
        DataType::Map(_, _) => {
            let m = a.as_map();
            let (s, e) = (m.value_offsets()[i] as usize, m.value_offsets()[i + 1] as usize);
            let (k, v) = (m.keys(), m.values());
            (s..e).fold(seed, |h, j| hash_value::<H>(v.as_ref(), j, hash_value::<H>(k.as_ref(), j, h)))
        }
        DataType::Struct(_) => {
            let s = a.as_struct();
            s.columns().iter().fold(seed, |h, c| hash_value::<H>(c.as_ref(), i, h))
        }
        _ => seed,
    }
}

/// Row hashes of the columns chained from `seed` (Spark's `hash`/`xxhash64`, and its hash partitioning with
/// Murmur3 seed 42).
pub fn hash_columns<H: SparkHasher>(cols: &[ArrayRef], n: usize, seed: u64) -> Vec<u64> {
    let mut hashes = vec![seed; n];
    for c in cols {
        // Flat common types skip the per-row type dispatch.
        macro_rules! each {
            ($arr:expr, $f:expr) => {{
                let a = $arr;
                for (i, h) in hashes.iter_mut().enumerate() {
                    if a.is_valid(i) {
                        *h = $f(a.value(i), *h);
                    }
                }
            }};
        }
        match c.data_type() {
            DataType::Int32 => each!(c.as_primitive::<Int32Type>(), |v: i32, h| H::int(v, h)),
            DataType::Int64 => each!(c.as_primitive::<Int64Type>(), |v: i64, h| H::long(v, h)),
            DataType::Date32 => each!(c.as_primitive::<Date32Type>(), |v: i32, h| H::int(v, h)),
            DataType::Utf8 => each!(c.as_string::<i32>(), |v: &str, h| H::bytes(v.as_bytes(), h)),
            _ => {
                for (i, h) in hashes.iter_mut().enumerate() {
                    *h = hash_value::<H>(c.as_ref(), i, *h);
                }
            }
        }
    }
    hashes
}

fn contains_map(dt: &DataType) -> bool {
    match dt {
        DataType::Map(_, _) => true,
        DataType::List(f) => contains_map(f.data_type()),
        DataType::Struct(fs) => fs.iter().any(|f| contains_map(f.data_type())),
        _ => false,
    }
}

fn hash_fn(name: &'static str) -> Builtin {
    let xx = name == "xxhash64";
    Builtin::new(
        name,
        move |c, a| {
            if a.is_empty() {
                check_arg_count(c.name, a, 1, usize::MAX)?;
            }
            if a.iter().any(|x| contains_map(&x.data_type)) {
                return Err(c.datatype_error(
                    "HASH_MAP_TYPE",
                    &format!(
                        "Input to the function `{}` cannot contain elements of the \"MAP\" type. In Spark, same maps may have different hashcode, thus hash expressions are prohibited on \"MAP\" elements. To restore previous behavior set \"spark.sql.legacy.allowHashOnMapType\" to \"true\".",
                        c.name
                    ),
                ));
            }
            Ok(Signature {
                arg_types: a.iter().map(|x| x.data_type.clone()).collect(),
                return_type: if xx { DataType::Int64 } else { DataType::Int32 },
                nullable: false,
            })
        },
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                Ok(if xx {
                    let h = hash_columns::<XxHash64>(a, n, 42);
                    Arc::new(Int64Array::from_iter_values(h.into_iter().map(|x| x as i64))) as ArrayRef
                } else {
                    let h = hash_columns::<Murmur3>(a, n, 42);
                    Arc::new(Int32Array::from_iter_values(h.into_iter().map(|x| x as u32 as i32))) as ArrayRef
                })
            })
        },
    )
}

fn lower_hex(b: &[u8], out: &mut String) {
    const D: &[u8; 16] = b"0123456789abcdef";
    for x in b {
        out.push(D[(x >> 4) as usize] as char);
        out.push(D[(x & 15) as usize] as char);
    }
}

fn digest_fn(name: &'static str) -> Builtin {
    Builtin::new(
        name,
        |c, a| fixed(c, a, 1, &[Expect::Binary], DataType::Utf8),
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let b = a[0].as_binary::<i32>();
                Ok(build_str(n, |i, out| {
                    if b.is_null(i) {
                        return None;
                    }
                    let v = b.value(i);
                    match name {
                        "md5" => {
                            use md5::Digest;
                            lower_hex(&md5::Md5::digest(v), out)
                        }
                        _ => {
                            use sha1::Digest;
                            lower_hex(&sha1::Sha1::digest(v), out)
                        }
                    }
                    Some(())
                }))
            })
        },
    )
}

fn sha2_fn() -> Builtin {
    Builtin::new(
        "sha2",
        |c, a| {
            let mut s = fixed(c, a, 2, &[Expect::Binary, Expect::Int], DataType::Utf8)?;
            s.nullable = true;
            Ok(s)
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let b = a[0].as_binary::<i32>();
                let bits = a[1].as_primitive::<Int32Type>();
                Ok(build_str(n, |i, out| {
                    if b.is_null(i) || bits.is_null(i) {
                        return None;
                    }
                    use sha2::Digest;
                    let v = b.value(i);
                    match bits.value(i) {
                        0 | 256 => lower_hex(&sha2::Sha256::digest(v), out),
                        224 => lower_hex(&sha2::Sha224::digest(v), out),
                        384 => lower_hex(&sha2::Sha384::digest(v), out),
                        512 => lower_hex(&sha2::Sha512::digest(v), out),
                        _ => return None,
                    }
                    Some(())
                }))
            })
        },
    )
}

fn crc32_fn() -> Builtin {
    Builtin::new(
        "crc32",
        |c, a| fixed(c, a, 1, &[Expect::Binary], DataType::Int64),
        |args, n, _| {
            map_columnar(args, n, |a, _| {
                let b = a[0].as_binary::<i32>();
                let out: Int64Array = b.iter().map(|v| v.map(|v| crc32fast::hash(v) as i64)).collect();
                Ok(Arc::new(out))
            })
        },
    )
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(hash_fn("hash"));
    r.scalar(hash_fn("xxhash64"));
    r.scalar(digest_fn("md5"));
    r.scalar(digest_fn("sha1"));
    r.scalar(digest_fn("sha"));
    r.scalar(sha2_fn());
    r.scalar(crc32_fn());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::functions::misc::support::testing::*;
    use arrow::array::{
        BooleanArray, Date32Array, Decimal128Array, Float32Array, ListArray, TimestampMicrosecondArray,
    };
    use arrow::datatypes::Int32Type;

    fn hx(a: ArrayRef) -> (i32, i64) {
        let h = eval("hash", vec![a.clone()]);
        let x = eval("xxhash64", vec![a]);
        (h.as_primitive::<Int32Type>().value(0), x.as_primitive::<Int64Type>().value(0))
    }

    #[test]
    fn hashes_match_spark_per_type() {
        // Expected values from PySpark 4.3: `select hash(v), xxhash64(v)`.
        assert_eq!(hx(ints(&[Some(1)])), (-559580957, -6698625589789238999));
        assert_eq!(hx(ints(&[Some(-1)])), (-1604776387, 2017008487422258757));
        assert_eq!(hx(ints(&[Some(2147483647)])), (133916647, 1508894993788531228));
        assert_eq!(hx(longs(&[Some(1)])), (-1712319331, -7001672635703045582));
        assert_eq!(hx(longs(&[Some(-5)])), (424949597, -5259934538394028452));
        assert_eq!(hx(longs(&[Some(i64::MAX)])), (-1604625029, -3246596055638297850));
        assert_eq!(hx(Arc::new(arrow::array::Int8Array::from(vec![1i8]))), (-559580957, -6698625589789238999));
        assert_eq!(hx(Arc::new(BooleanArray::from(vec![true]))), (-559580957, -6698625589789238999));
        assert_eq!(hx(Arc::new(BooleanArray::from(vec![false]))), (933211791, 3614696996920510707));
        assert_eq!(hx(dbls(&[Some(1.5)])), (1290763749, 7738255526519901366));
        assert_eq!(hx(dbls(&[Some(-0.0)])), (-1670924195, -5252525462095825812));
        assert_eq!(hx(dbls(&[Some(f64::NAN)])), (-1281358385, -3127944061524951246));
        assert_eq!(hx(Arc::new(Float32Array::from(vec![1.5f32]))), (-221251528, 6163473420726370430));
        assert_eq!(hx(Arc::new(Float32Array::from(vec![-0.0f32]))), (933211791, 3614696996920510707));
        assert_eq!(hx(strs(&[Some("")])), (142593372, -7444071767201028348));
        assert_eq!(hx(strs(&[Some("a")])), (1485273170, -8582455328737087284));
        assert_eq!(hx(strs(&[Some("ab")])), (-97053317, 2710560539726725091));
        assert_eq!(hx(strs(&[Some("abc")])), (1322437556, 1423657621850124518));
        assert_eq!(hx(strs(&[Some("abcd")])), (-396302900, -6810745876291105281));
        assert_eq!(hx(strs(&[Some("abcde")])), (814637928, -990457398947679591));
        assert_eq!(hx(strs(&[Some("ü")])), (-1098725648, 7408949341365432148));
        assert_eq!(hx(strs(&[Some("héllo wörld, this is longer than 32 bytes!!")])), (628714095, 88138576085770613));
        assert_eq!(
            hx(Arc::new(arrow::array::BinaryArray::from(vec![b"abc".as_ref()]))),
            (1322437556, 1423657621850124518)
        );
        assert_eq!(hx(Arc::new(Date32Array::from(vec![18263]))), (-1509429657, 3788440403249251806));
        let ts = TimestampMicrosecondArray::from(vec![1577934245000000i64]).with_timezone("UTC");
        assert_eq!(hx(Arc::new(ts)), (-1738069110, 3009568933089614686));
        let d = |v: i128, p: u8, s: i8| -> ArrayRef {
            Arc::new(Decimal128Array::from(vec![v]).with_precision_and_scale(p, s).unwrap())
        };
        assert_eq!(hx(d(150, 3, 2)), (-2056712946, -6873856301616164681));
        assert_eq!(hx(d(150, 20, 2)), (-339019914, -194698251525976593));
        assert_eq!(hx(d(-1234567890123456789015, 38, 1)), (-189980962, -8511116344682871550));
        assert_eq!(hx(ints(&[None])), (42, 42));
        let l = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), Some(2)])]);
        assert_eq!(hx(Arc::new(l)), (-222940379, -8133857028838179022));
        let sl: ArrayRef = {
            let mut b = arrow::array::ListBuilder::new(arrow::array::StringBuilder::new());
            b.values().append_value("a");
            b.values().append_null();
            b.values().append_value("b");
            b.append(true);
            Arc::new(b.finish())
        };
        assert_eq!(hx(sl), (190734147, -7357372313250070212));
        let st = arrow::array::StructArray::from(vec![
            (Arc::new(arrow::datatypes::Field::new("a", DataType::Int32, false)), ints(&[Some(1)])),
            (Arc::new(arrow::datatypes::Field::new("b", DataType::Utf8, false)), strs(&[Some("x")])),
        ]);
        assert_eq!(hx(Arc::new(st)), (-1305545736, 8510603489595372987));
    }

    #[test]
    fn hash_chains_columns_and_rejects_maps() {
        let h = eval("hash", vec![ints(&[Some(1)]), strs(&[Some("a")]), ints(&[None]), dbls(&[Some(2.5)])]);
        assert_eq!(h.as_primitive::<Int32Type>().value(0), 389417474);
        let x = eval("xxhash64", vec![ints(&[Some(1)]), strs(&[Some("a")]), ints(&[None]), dbls(&[Some(2.5)])]);
        assert_eq!(x.as_primitive::<Int64Type>().value(0), -198860653963387819);
        let m = resolve_error("hash", vec![]);
        assert!(m.starts_with("[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `hash` requires > 0 parameters"), "{m}");
    }

    #[test]
    fn digests() {
        let s = || strs(&[Some("Spark"), None]);
        assert_eq!(show(&eval("md5", vec![s()])), ["8cde774d6f7333752ed72cacddb05126", "NULL"]);
        assert_eq!(show(&eval("sha1", vec![s()]))[0], "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c");
        assert_eq!(show(&eval("sha", vec![s()]))[0], "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c");
        let sha = |bits: i32| show(&eval("sha2", vec![s(), ints(&[Some(bits), Some(bits)])]))[0].clone();
        assert_eq!(sha(224), "dbeab94971678d36af2195851c0f7485775a2a7c60073d62fc04549c");
        assert_eq!(sha(1), "NULL");
        assert_eq!(sha(0), sha(256));
        assert!(sha(512).starts_with("44844a586c54c9a212da1dbfe05c5f17"));
        assert_eq!(show(&eval("crc32", vec![s()])), ["1557323817", "NULL"]);
        let m = resolve_error("md5", vec![(ints(&[Some(1)]), "1")]);
        assert_eq!(m, "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"md5(1)\" due to data type mismatch: The first parameter requires the \"BINARY\" type, however \"1\" has the type \"INT\". SQLSTATE: 42K09");
    }
}
