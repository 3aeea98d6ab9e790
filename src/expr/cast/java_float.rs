//! Java's `Double.toString` / `Float.toString` text for floating-point values (how Spark renders them as strings).
use std::fmt::Write;

/// Append Java's `Double.toString(v)`: `1.0`, `0.1`, `1.0E7`, `1.0E-4`, `NaN`, `-Infinity`, `-0.0`.
pub fn write_java_double(v: f64, out: &mut String) {
    if let Some(s) = special(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative()) {
        out.push_str(s);
        return;
    }
    let mut sci = String::with_capacity(32);
    let _ = write!(sci, "{v:e}");
    if single_digit(&sci) {
        // Java never settles for one significant digit: it takes the two-digit decimal nearest the value
        // (Double.MIN_VALUE is `4.9E-324`, not `5.0E-324`).
        sci.clear();
        let _ = write!(sci, "{v:.1e}");
    }
    layout(&sci, out);
}

/// Append Java's `Float.toString(v)` (shortest digits that identify the `float`, not the widened `double`).
pub fn write_java_float(v: f32, out: &mut String) {
    if let Some(s) = special(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative()) {
        out.push_str(s);
        return;
    }
    let mut sci = String::with_capacity(24);
    let _ = write!(sci, "{v:e}");
    if single_digit(&sci) {
        sci.clear();
        let _ = write!(sci, "{v:.1e}");
    }
    layout(&sci, out);
}

/// `Double.toString` as a new String.
pub fn java_double_to_string(v: f64) -> String {
    let mut s = String::new();
    write_java_double(v, &mut s);
    s
}

/// `Float.toString` as a new String.
pub fn java_float_to_string(v: f32) -> String {
    let mut s = String::new();
    write_java_float(v, &mut s);
    s
}

fn special(nan: bool, inf: bool, zero: bool, neg: bool) -> Option<&'static str> {
    if nan {
        Some("NaN")
    } else if inf {
        Some(if neg { "-Infinity" } else { "Infinity" })
    } else if zero {
        Some(if neg { "-0.0" } else { "0.0" })
    } else {
        None
    }
}

/// Whether Rust's `{:e}` text (`-1e7`, `5e-324`) has a single significant digit.
fn single_digit(sci: &str) -> bool {
    !sci.contains('.')
}

/// Lay out Rust's scientific text (`-1.2345e7`) the Java way: plain decimal for 1e-3 <= |v| < 1e7, otherwise
/// `d.dddE<exp>`; trailing zeros dropped but at least one digit after the point.
fn layout(sci: &str, out: &mut String) {
    let (mantissa, exp) = sci.split_once('e').expect("scientific format");
    let exp: i32 = exp.parse().expect("exponent");
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let mut digits: Vec<u8> = mantissa.bytes().filter(|b| *b != b'.').collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    if neg {
        out.push('-');
    }
    if (-3..7).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.extend(digits.iter().map(|&b| b as char));
        } else {
            let int_len = exp as usize + 1;
            for i in 0..int_len {
                out.push(*digits.get(i).unwrap_or(&b'0') as char);
            }
            out.push('.');
            if digits.len() > int_len {
                out.extend(digits[int_len..].iter().map(|&b| b as char));
            } else {
                out.push('0');
            }
        }
    } else {
        out.push(digits[0] as char);
        out.push('.');
        if digits.len() > 1 {
            out.extend(digits[1..].iter().map(|&b| b as char));
        } else {
            out.push('0');
        }
        let _ = write!(out, "E{exp}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_render_like_java() {
        // CAST(d AS STRING) in PySpark 4.3 (Java 17).
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.0e7, "1.0E7"),
            (1.2345678e7, "1.2345678E7"),
            (1.0e-4, "1.0E-4"),
            (0.001, "0.001"),
            (-0.0, "-0.0"),
            (1e20, "1.0E20"),
            (1e-5, "1.0E-5"),
            (123456.789, "123456.789"),
            (1234567.0, "1234567.0"),
            (9999999.0, "9999999.0"),
            (10000000.0, "1.0E7"),
            (0.00123, "0.00123"),
            (1e21, "1.0E21"),
            (f64::MAX, "1.7976931348623157E308"),
            (4.9e-324, "4.9E-324"),
            (2.2250738585072014e-308, "2.2250738585072014E-308"),
            (100.0, "100.0"),
            (std::f64::consts::PI, "3.141592653589793"),
            (-1e7, "-1.0E7"),
            (123456789012345678.0, "1.2345678901234568E17"),
            (2e22, "2.0E22"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(java_double_to_string(*v), *want, "{v:e}");
        }
    }

    #[test]
    fn floats_render_like_java() {
        let cases: &[(f32, &str)] = &[
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.0e7, "1.0E7"),
            (1.2345678e7, "1.2345678E7"),
            (1.0e-4, "1.0E-4"),
            (0.001, "0.001"),
            (f32::MAX, "3.4028235E38"),
            (1.4e-45, "1.4E-45"),
            (1e-5, "1.0E-5"),
            (123456.79, "123456.79"),
            (16777216.0, "1.6777216E7"),
            (0.3, "0.3"),
            (1.1, "1.1"),
            (1.2345, "1.2345"),
            (1e20, "1.0E20"),
            (f32::INFINITY, "Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(java_float_to_string(*v), *want, "{v:e}");
        }
    }
}
