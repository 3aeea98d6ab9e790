//! Java's `Double.toString` / `Float.toString` text for floating-point values (how Spark renders them as strings).
use std::fmt::Write;

/// Append Java's `Double.toString(v)`: `1.0`, `0.1`, `1.0E7`, `1.0E-4`, `NaN`, `-Infinity`, `-0.0`.
///
/// Digits follow Java 17's `FloatingDecimal` (the JVM PySpark 4.3 runs on): the shortest round-trip digits, except
/// for whole numbers below 2^63 and exact ties (see below). Checked against 8,355 random values cast by Spark: all
/// floats and all but 3 doubles match; the misses are whole numbers of 2^63 and more such as 1e23, where Java 17
/// prints `9.999999999999999E22` (Java 19+ prints `1.0E23`, as we do).
pub fn write_java_double(v: f64, out: &mut String) {
    if let Some(s) = special(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative()) {
        out.push_str(s);
        return;
    }
    let mut sci = String::with_capacity(32);
    if let Some(()) = integer_digits(v, (v.to_bits() >> 52 & 0x7ff) as i32 - 1023, 53, &mut sci) {
        layout(&sci, out);
        return;
    }
    let _ = write!(sci, "{v:e}");
    prefer_even_on_tie(v, &mut sci);
    if single_digit(&sci) {
        // Java never settles for one significant digit: it takes the two-digit decimal nearest the value
        // (Double.MIN_VALUE is `4.9E-324`, not `5.0E-324`).
        sci.clear();
        let _ = write!(sci, "{v:.1e}");
    }
    layout(&sci, out);
}

/// Append Java's `Float.toString(v)`: digits that identify the `float` (not the widened `double`), with the same
/// Java 17 rules as [`write_java_double`] for whole numbers (24 significant bits) and ties.
pub fn write_java_float(v: f32, out: &mut String) {
    if let Some(s) = special(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative()) {
        out.push_str(s);
        return;
    }
    let mut sci = String::with_capacity(24);
    if let Some(()) = integer_digits(v as f64, (v.to_bits() >> 23 & 0xff) as i32 - 127, 24, &mut sci) {
        layout(&sci, out);
        return;
    }
    let _ = write!(sci, "{v:e}");
    prefer_even_on_tie(v, &mut sci);
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

/// Java 17's `FloatingDecimal` (the JVM PySpark 4.3 runs on) prints a whole number below 2^63 from its exact
/// integer value, dropping only the low digits its precision cannot vouch for (about log10(2) per bit beyond the
/// 53 (double) or 24 (float) significant bits), rounded half up. So `1.373428634809579E18` prints as
/// `1.37342863480957901E18` and the float 2.3253909504E10 as `2.32539095E10`, not as the shortest digits.
/// Writes Rust-style scientific text (`1.2345e10`) for `layout`; None when `v` is not such a whole number.
fn integer_digits(v: f64, bin_exp: i32, significant_bits: i32, sci: &mut String) -> Option<()> {
    let abs = v.abs();
    if !(1.0..(1u64 << 63) as f64).contains(&abs) || abs.fract() != 0.0 {
        return None;
    }
    let mut value = abs as u64;
    let p2 = bin_exp - significant_bits - 1;
    let insignificant = if bin_exp > significant_bits && p2 > 1 {
        // floor(p2 * log10(2)), exact for the p2 < 63 that occur here.
        (p2 as u64 * 30103 / 100000) as u32
    } else {
        0
    };
    if insignificant > 0 {
        let pow = 10u64.pow(insignificant);
        let residue = value % pow;
        value /= pow;
        if residue >= pow / 2 {
            value += 1;
        }
    }
    let digits = value.to_string();
    let exp = digits.len() as i32 - 1 + insignificant as i32;
    if v < 0.0 {
        sci.push('-');
    }
    sci.push_str(&digits[..1]);
    if digits.len() > 1 {
        sci.push('.');
        sci.push_str(&digits[1..]);
    }
    let _ = write!(sci, "e{exp}");
    Some(())
}

/// When the value lies exactly halfway between two shortest candidates (1462245.25f: `…5.2` or `…5.3`), Rust
/// takes the upper one but Java's digit generation takes the one ending in an even digit.
fn prefer_even_on_tie<F>(v: F, sci: &mut String)
where
    F: std::fmt::LowerExp + std::str::FromStr + PartialEq + Copy,
{
    let digits_of = |text: &str| -> Option<(String, i32)> {
        let (m, e) = text.split_once('e')?;
        Some((m.chars().filter(char::is_ascii_digit).collect(), e.parse().ok()?))
    };
    let Some((digits, _)) = digits_of(sci) else { return };
    let k = digits.len();
    if k < 2 {
        return;
    }
    // Cheap probe first: one more significant digit, correctly rounded, ends in 5 for every tie.
    let Some((probe, _)) = digits_of(&format!("{v:.k$e}")) else { return };
    if !probe.ends_with('5') {
        return;
    }
    // The exact expansion (a tie has exactly k+1 significant digits; the rest print as zeros).
    let precision = k + 30;
    let Some((exact, exp)) = digits_of(&format!("{v:.precision$e}")) else { return };
    let bytes = exact.as_bytes();
    if bytes[k] != b'5' || !bytes[k + 1..].iter().all(|&b| b == b'0') || bytes[k - 1] & 1 != 0 {
        return;
    }
    let sign = if sci.starts_with('-') { "-" } else { "" };
    let candidate = format!("{sign}{}.{}e{exp}", &exact[..1], &exact[1..k]);
    if candidate.parse::<F>().ok() == Some(v) {
        *sci = candidate;
    }
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
            // Java 17 prints whole numbers from their exact value, keeping digits past the shortest form.
            (1.373428634809579e18, "1.37342863480957901E18"),
            (-9.334465534579821e17, "-9.3344655345798208E17"),
            (5.299064834871378e16, "5.2990648348713776E16"),
            // Exactly halfway between two shortest candidates: the even last digit wins.
            (6.642417887391803e14, "6.642417887391802E14"),
            (-1.7814220338736763e14, "-1.7814220338736762E14"),
        ];
        for (v, want) in cases {
            assert_eq!(java_double_to_string(*v), *want, "{v:e}");
        }
    }

    #[test]
    // The tie cases are written as their exact values, which have more digits than a float shows.
    #[allow(clippy::excessive_precision)]
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
            (-2.325391e10, "-2.32539095E10"),
            (2.147198e13, "2.14719802E13"),
            (-1462245.25, "-1462245.2"),
            (149384.625, "149384.62"),
            (33554432.0, "3.3554432E7"),
        ];
        for (v, want) in cases {
            assert_eq!(java_float_to_string(*v), *want, "{v:e}");
        }
    }
}
