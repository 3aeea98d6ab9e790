//! `format_number(x, d)`: Java `DecimalFormat("#,###,###,##0.00…")` output — grouping commas, `d` decimals rounded
//! half-even on the exact value, `-0` kept for negative values rounding to zero.
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type};

use super::build_str;
use crate::error::EmberError;
use crate::expr::functions::math::{div_pow10, Mode};
use crate::expr::functions::misc::support::{map_columnar, Builtin};
use crate::expr::functions::{check_arg_count, FunctionRegistry, Signature};
use crate::types::is_numeric;

fn group(int_digits: &str, out: &mut String) {
    let n = int_digits.len();
    for (k, c) in int_digits.chars().enumerate() {
        if k > 0 && (n - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
}

/// Lay out a plain decimal string (`-1234.5`) with grouping.
fn layout(plain: &str, out: &mut String) {
    let (neg, body) = match plain.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, plain),
    };
    if neg {
        out.push('-');
    }
    let (i, f) = body.split_once('.').map(|(i, f)| (i, Some(f))).unwrap_or((body, None));
    group(i, out);
    if let Some(f) = f {
        out.push('.');
        out.push_str(f);
    }
}

fn format_f64(v: f64, d: usize, out: &mut String) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "\u{221e}" } else { "-\u{221e}" });
    } else {
        let body = crate::expr::functions::misc::javanum::decimal_format_digits(v, d);
        if v.is_sign_negative() {
            out.push('-');
        }
        layout(&body, out);
    }
}

fn format_decimal(v: i128, scale: i8, d: usize, out: &mut String) {
    let s = scale as i32;
    let (q, qs) = if (d as i32) < s { (div_pow10(v, (s - d as i32) as u32, Mode::HalfEven), d as i32) } else { (v, s) };
    let mut digits = q.unsigned_abs().to_string();
    if qs > 0 && digits.len() <= qs as usize {
        digits = format!("{}{digits}", "0".repeat(qs as usize + 1 - digits.len()));
    }
    let (i, f) = digits.split_at(digits.len() - qs.max(0) as usize);
    if v < 0 {
        out.push('-');
    }
    group(i, out);
    if d > 0 {
        out.push('.');
        out.push_str(f);
        out.extend(std::iter::repeat_n('0', d - f.len()));
    }
}

fn format_number_fn() -> Builtin {
    Builtin::new(
        "format_number",
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let t = match &a[0].data_type {
                t if is_numeric(t) => t.clone(),
                DataType::Null => DataType::Float64,
                _ => return Err(c.mismatch(0, "\"NUMERIC\"", &a[0])),
            };
            match &a[1].data_type {
                DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 | DataType::Null => {}
                DataType::Utf8 => {
                    return Err(EmberError::not_implemented("format_number with a DecimalFormat pattern"));
                }
                _ => return Err(c.mismatch(1, "(\"INT\" or \"STRING\")", &a[1])),
            }
            Ok(Signature { arg_types: vec![t, DataType::Int32], return_type: DataType::Utf8, nullable: true })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let x = &a[0];
                let dd = a[1].as_primitive::<Int32Type>();
                Ok(build_str(n, |i, out| {
                    if x.is_null(i) || dd.is_null(i) || dd.value(i) < 0 {
                        return None;
                    }
                    let d = dd.value(i) as usize;
                    let int = |v: i64, out: &mut String| format_decimal(v as i128, 0, d, out);
                    match x.data_type() {
                        DataType::Int8 => int(x.as_primitive::<Int8Type>().value(i) as i64, out),
                        DataType::Int16 => int(x.as_primitive::<Int16Type>().value(i) as i64, out),
                        DataType::Int32 => int(x.as_primitive::<Int32Type>().value(i) as i64, out),
                        DataType::Int64 => int(x.as_primitive::<Int64Type>().value(i), out),
                        DataType::Float32 => format_f64(x.as_primitive::<Float32Type>().value(i) as f64, d, out),
                        DataType::Decimal128(_, s) => {
                            format_decimal(x.as_primitive::<Decimal128Type>().value(i), *s, d, out)
                        }
                        _ => format_f64(x.as_primitive::<Float64Type>().value(i), d, out),
                    }
                    Some(())
                }))
            })
        },
    )
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(format_number_fn());
}

#[cfg(test)]
mod tests {
    use crate::expr::functions::misc::support::testing::*;
    use std::sync::Arc;

    #[test]
    fn matches_decimal_format() {
        let f = |v: f64, d: i32| show(&eval("format_number", vec![dbls(&[Some(v)]), ints(&[Some(d)])]))[0].clone();
        assert_eq!(f(12332.123456, 4), "12,332.1235");
        assert_eq!(f(12332.5, 0), "12,332");
        assert_eq!(f(-0.5, 0), "-0");
        assert_eq!(f(2.675, 2), "2.67");
        assert_eq!(f(1e20, 1), "100,000,000,000,000,000,000.0");
        assert_eq!(f(-1234.567, 1), "-1,234.6");
        assert_eq!(f(0.0, 3), "0.000");
        assert_eq!(f(f64::NAN, 2), "NaN");
        assert_eq!(f(1.5, -1), "NULL");
        let g = |a, d: i32| show(&eval("format_number", vec![a, ints(&[Some(d)])]))[0].clone();
        assert_eq!(g(ints(&[Some(5)]), 2), "5.00");
        assert_eq!(g(longs(&[Some(123456)]), 0), "123,456");
        let dec = arrow::array::Decimal128Array::from(vec![12345i128]).with_precision_and_scale(5, 1).unwrap();
        assert_eq!(g(Arc::new(dec), 2), "1,234.50");
    }
}
