//! Decimal arithmetic with Spark's result precision/scale (computed by the analyzer): exact on i128 with HALF_UP
//! rounding to the result scale; results that do not fit the precision (or overflow i128) become null.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Decimal128Builder};
use arrow::datatypes::{DataType, Decimal128Type};

use crate::error::Result;
use crate::expr::expr::BinaryOp;

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// Rescale `v` from scale `from` to scale `to`, rounding HALF_UP when scale shrinks.
pub fn rescale(v: i128, from: i32, to: i32) -> Option<i128> {
    if to >= from {
        v.checked_mul(pow10((to - from) as u32)?)
    } else {
        let d = pow10((from - to) as u32)?;
        let q = v / d;
        let r = v % d;
        Some(if r.abs() * 2 >= d { q + v.signum() } else { q })
    }
}

/// Divide with HALF_UP rounding.
fn div_half_up(a: i128, b: i128) -> Option<i128> {
    if b == 0 {
        return None;
    }
    let q = a / b;
    let r = a % b;
    Some(if r.checked_abs()?.checked_mul(2)? >= b.checked_abs()? { q + (a.signum() * b.signum()) } else { q })
}

fn op_value(op: BinaryOp, a: i128, sa: i32, b: i128, sb: i32, s: i32) -> Option<i128> {
    match op {
        BinaryOp::Plus | BinaryOp::Minus => {
            let m = sa.max(sb);
            let (x, y) = (rescale(a, sa, m)?, rescale(b, sb, m)?);
            let v = if op == BinaryOp::Plus { x.checked_add(y)? } else { x.checked_sub(y)? };
            rescale(v, m, s)
        }
        BinaryOp::Multiply => rescale(a.checked_mul(b)?, sa + sb, s),
        BinaryOp::Divide => {
            if b == 0 {
                return None;
            }
            // a/10^sa / (b/10^sb) at scale s  =  a * 10^(s + sb - sa) / b
            let shift = s + sb - sa;
            if shift >= 0 {
                div_half_up(a.checked_mul(pow10(shift as u32)?)?, b)
            } else {
                div_half_up(a, b.checked_mul(pow10((-shift) as u32)?)?)
            }
        }
        BinaryOp::Modulo => {
            if b == 0 {
                return None;
            }
            let m = sa.max(sb);
            let (x, y) = (rescale(a, sa, m)?, rescale(b, sb, m)?);
            rescale(x % y, m, s)
        }
        _ => None,
    }
}

/// `l op r` for two decimal arrays, giving decimal(p, s).
pub fn decimal_arithmetic(op: BinaryOp, l: &ArrayRef, r: &ArrayRef, p: u8, s: i8) -> Result<ArrayRef> {
    let (DataType::Decimal128(_, sa), DataType::Decimal128(_, sb)) = (l.data_type(), r.data_type()) else {
        return Err(crate::EmberError::execution("decimal arithmetic on non-decimal inputs"));
    };
    let (la, ra) = (l.as_primitive::<Decimal128Type>(), r.as_primitive::<Decimal128Type>());
    let limit = pow10(p as u32).unwrap_or(i128::MAX);
    let mut out = Decimal128Builder::with_capacity(l.len());
    for i in 0..l.len() {
        if la.is_null(i) || ra.is_null(i) {
            out.append_null();
            continue;
        }
        match op_value(op, la.value(i), *sa as i32, ra.value(i), *sb as i32, s as i32) {
            Some(v) if v.abs() < limit => out.append_value(v),
            _ => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish().with_precision_and_scale(p, s)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Decimal128Array;

    fn dec(v: Vec<i128>, p: u8, s: i8) -> ArrayRef {
        Arc::new(Decimal128Array::from(v).with_precision_and_scale(p, s).unwrap())
    }

    #[test]
    fn adds_with_rescale() {
        // 1 (decimal(10,0)) + 1.5 (decimal(2,1)) = 2.5 as decimal(12,1)
        let out = decimal_arithmetic(BinaryOp::Plus, &dec(vec![1], 10, 0), &dec(vec![15], 2, 1), 12, 1).unwrap();
        assert_eq!(out.as_primitive::<Decimal128Type>().value(0), 25);
    }

    #[test]
    fn divides_half_up_and_nulls_zero() {
        let out =
            decimal_arithmetic(BinaryOp::Divide, &dec(vec![2, 1], 10, 0), &dec(vec![3, 0], 10, 0), 21, 11).unwrap();
        let d = out.as_primitive::<Decimal128Type>();
        assert_eq!(d.value(0), 66666666667);
        assert!(d.is_null(1));
    }
}
