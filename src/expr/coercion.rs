//! Spark's implicit type coercion (non-ANSI): common types for comparisons, arithmetic, CASE/COALESCE/IN/UNION.
use arrow::datatypes::DataType;

use crate::types::{array_type, is_string, MAX_DECIMAL_PRECISION};

/// Rank of a numeric type in Spark's numeric precedence (byte < short < int < long < float < double).
fn numeric_rank(dt: &DataType) -> Option<u8> {
    Some(match dt {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        DataType::Float32 => 6,
        DataType::Float64 => 7,
        _ => return None,
    })
}

/// Decimal type that holds every value of an integral type (Spark's DecimalType.forType).
pub fn decimal_for_integral(dt: &DataType) -> Option<(u8, i8)> {
    Some(match dt {
        DataType::Int8 => (3, 0),
        DataType::Int16 => (5, 0),
        DataType::Int32 => (10, 0),
        DataType::Int64 => (20, 0),
        DataType::Decimal128(p, s) => (*p, *s),
        _ => return None,
    })
}

/// Widest of two decimals (Spark's DecimalPrecision.widerDecimalType), capped at precision 38.
pub fn wider_decimal(p1: u8, s1: i8, p2: u8, s2: i8) -> DataType {
    let scale = s1.max(s2);
    let range = (p1 as i16 - s1 as i16).max(p2 as i16 - s2 as i16);
    bounded_decimal(range + scale as i16, scale as i16)
}

/// A decimal type with precision and scale capped as Spark's DecimalType.bounded.
pub fn bounded_decimal(precision: i16, scale: i16) -> DataType {
    let p = precision.min(MAX_DECIMAL_PRECISION as i16).max(1);
    let s = scale.min(MAX_DECIMAL_PRECISION as i16);
    DataType::Decimal128(p as u8, s as i8)
}

/// Spark's `findTightestCommonType` plus decimal widening: the type two numeric/temporal/same types widen to
/// without going through string. None when there is none.
pub fn tightest_common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (DataType::Null, other) | (other, DataType::Null) => Some(other.clone()),
        (DataType::Decimal128(p1, s1), DataType::Decimal128(p2, s2)) => Some(wider_decimal(*p1, *s1, *p2, *s2)),
        (DataType::Decimal128(p, s), other) | (other, DataType::Decimal128(p, s)) => match other {
            DataType::Float32 | DataType::Float64 => Some(DataType::Float64),
            _ => {
                let (p2, s2) = decimal_for_integral(other)?;
                Some(wider_decimal(*p, *s, p2, s2))
            }
        },
        (DataType::Date32, DataType::Timestamp(u, tz)) | (DataType::Timestamp(u, tz), DataType::Date32) => {
            Some(DataType::Timestamp(*u, tz.clone()))
        }
        (DataType::Timestamp(_, Some(_)), DataType::Timestamp(_, None))
        | (DataType::Timestamp(_, None), DataType::Timestamp(_, Some(_))) => Some(crate::types::timestamp_type()),
        _ => {
            let (ra, rb) = (numeric_rank(a)?, numeric_rank(b)?);
            Some(if ra >= rb { a.clone() } else { b.clone() })
        }
    }
}

/// Spark's `findWiderTypeForTwo`: tightest common type, else string when one side is a string and the other
/// an atomic type, else element-wise for arrays/structs/maps.
pub fn wider_type(a: &DataType, b: &DataType) -> Option<DataType> {
    if let Some(t) = tightest_common_type(a, b) {
        return Some(t);
    }
    match (a, b) {
        (s, other) | (other, s) if is_string(s) && is_atomic(other) => Some(DataType::Utf8),
        (DataType::List(fa), DataType::List(fb)) => {
            let elem = wider_type(fa.data_type(), fb.data_type())?;
            Some(array_type(elem, fa.is_nullable() || fb.is_nullable()))
        }
        (DataType::Struct(fa), DataType::Struct(fb)) if fa.len() == fb.len() => {
            let mut fields = Vec::with_capacity(fa.len());
            for (x, y) in fa.iter().zip(fb.iter()) {
                if !x.name().eq_ignore_ascii_case(y.name()) {
                    return None;
                }
                let t = wider_type(x.data_type(), y.data_type())?;
                fields.push(arrow::datatypes::Field::new(x.name(), t, x.is_nullable() || y.is_nullable()));
            }
            Some(DataType::Struct(fields.into()))
        }
        (DataType::Map(ea, _), DataType::Map(eb, _)) => match (ea.data_type(), eb.data_type()) {
            (DataType::Struct(ka), DataType::Struct(kb)) => {
                let k = wider_type(ka[0].data_type(), kb[0].data_type())?;
                let v = wider_type(ka[1].data_type(), kb[1].data_type())?;
                Some(crate::types::map_type(k, v, ka[1].is_nullable() || kb[1].is_nullable()))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Wider type of all `types` (COALESCE, GREATEST, CASE, IN lists, array(…)), None when they have none.
pub fn find_wider_common_type(types: &[DataType]) -> Option<DataType> {
    let mut acc = DataType::Null;
    for t in types {
        acc = wider_type(&acc, t)?;
    }
    Some(acc)
}

/// Non-nested, non-null Spark type.
pub fn is_atomic(dt: &DataType) -> bool {
    !matches!(dt, DataType::List(_) | DataType::Map(_, _) | DataType::Struct(_) | DataType::Null)
}
