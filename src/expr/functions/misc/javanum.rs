//! Java's decimal views of floating-point numbers: `Double.toString`, and rounding of the shortest decimal digits
//! (what Spark's `round` on doubles and Java's `%.2f` both do, via `BigDecimal(Double.toString(x))`).

/// Shortest round-trip decimal digits of a finite non-zero `|v|`: value = 0.d1d2… × 10^point.
pub fn shortest_digits(v: f64) -> (Vec<u8>, i32) {
    digits_of(&format!("{:e}", v.abs()))
}

fn digits_of(s: &str) -> (Vec<u8>, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).map(|b| b - b'0').collect();
    while digits.len() > 1 && *digits.last().unwrap() == 0 {
        digits.pop();
    }
    (digits, exp + 1)
}

/// Round digits (value 0.d… × 10^point) to `keep` leading digits, half-up or half-even. Returns the new digits
/// (possibly empty for zero) and point.
pub fn round_digits(digits: &[u8], point: i32, keep: i32, half_even: bool) -> (Vec<u8>, i32) {
    if keep >= digits.len() as i32 {
        return (digits.to_vec(), point);
    }
    if keep < 0 {
        return (Vec::new(), point);
    }
    let keep = keep as usize;
    let mut kept: Vec<u8> = digits[..keep].to_vec();
    let next = digits[keep];
    let rest = digits[keep + 1..].iter().any(|&d| d != 0);
    let last_odd = kept.last().map(|d| d % 2 == 1).unwrap_or(false);
    let up = if half_even { next > 5 || (next == 5 && (rest || last_odd)) } else { next >= 5 };
    let mut point = point;
    if up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                point += 1;
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    while kept.last() == Some(&0) {
        kept.pop();
    }
    (kept, point)
}

/// Spark's `round`/`bround` on a double: the double's decimal string rounded to `scale` fraction digits.
pub fn round_f64(v: f64, scale: i32, half_even: bool) -> f64 {
    if !v.is_finite() {
        return v;
    }
    // BigDecimal has no negative zero.
    if v == 0.0 {
        return 0.0;
    }
    let (digits, point) = shortest_digits(v);
    let (d, p) = round_digits(&digits, point, point + scale, half_even);
    if d.is_empty() {
        return 0.0;
    }
    let s: String = d.iter().map(|x| (b'0' + x) as char).collect();
    let r: f64 = format!("{s}e{}", p - d.len() as i32).parse().unwrap_or(0.0);
    if v < 0.0 {
        -r
    } else {
        r
    }
}

/// How the exact binary value of `|v|` compares with its shortest decimal digits (0.d… × 10^point).
pub fn exact_vs_shortest(v: f64, digits: &[u8], point: i32) -> std::cmp::Ordering {
    // A double's exact decimal expansion has at most 767 significant digits.
    let exact = format!("{:.800e}", v.abs());
    let (mant, exp) = exact.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let ex: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).map(|b| b - b'0').collect();
    if exp + 1 != point {
        return (exp + 1).cmp(&point);
    }
    for (k, e) in ex.iter().enumerate() {
        let s = digits.get(k).copied().unwrap_or(0);
        if *e != s {
            return e.cmp(&s);
        }
    }
    std::cmp::Ordering::Equal
}

/// `|v|` with `frac` fraction digits as Java's `DecimalFormat` prints it: the shortest digits, rounded half-even,
/// ties decided by the exact binary value (so 2.675 → 2.67), then zero-padded.
pub fn decimal_format_digits(v: f64, frac: usize) -> String {
    if v == 0.0 {
        return if frac == 0 { "0".into() } else { format!("0.{}", "0".repeat(frac)) };
    }
    let (digits, point) = shortest_digits(v);
    let keep = point + frac as i32;
    let (d, p) = if keep < digits.len() as i32 && keep >= 0 {
        let k = keep as usize;
        let tie = digits[k] == 5 && digits[k + 1..].iter().all(|&x| x == 0);
        if tie {
            let mut kept = digits[..k].to_vec();
            let up = match exact_vs_shortest(v, &digits, point) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => kept.last().map(|x| x % 2 == 1).unwrap_or(false),
            };
            if up {
                kept.push(6);
                round_digits(&kept, point, keep, false)
            } else {
                (kept, point)
            }
        } else {
            round_digits(&digits, point, keep, true)
        }
    } else if keep < 0 {
        (Vec::new(), point)
    } else {
        (digits, point)
    };
    fixed_layout(&d, p, frac)
}

/// Digits 0.d… × 10^p laid out with `frac` fraction digits.
fn fixed_layout(d: &[u8], p: i32, frac: usize) -> String {
    let ds: Vec<char> = d.iter().map(|x| (b'0' + x) as char).collect();
    let mut int_part: String = (0..p.max(0) as usize).map(|i| *ds.get(i).unwrap_or(&'0')).collect();
    if int_part.is_empty() {
        int_part.push('0');
    }
    if frac == 0 {
        return int_part;
    }
    let f: String = (0..frac as i32)
        .map(|k| {
            let idx = p + k;
            if idx >= 0 {
                *ds.get(idx as usize).unwrap_or(&'0')
            } else {
                '0'
            }
        })
        .collect();
    format!("{int_part}.{f}")
}

/// Java's `Double.toString`.
pub fn java_double_string(v: f64) -> String {
    crate::types::java_float::java_double_to_string(v)
}

/// Java's `Float.toString`.
pub fn java_float_string(v: f32) -> String {
    crate::types::java_float::java_float_to_string(v)
}

/// Digits of `|v|` in fixed notation with `prec` fraction digits, rounded half-up from the shortest digits
/// (Java's `%.Nf`).
pub fn java_fixed(v: f64, prec: usize) -> String {
    if v == 0.0 {
        return if prec == 0 { "0".into() } else { format!("0.{}", "0".repeat(prec)) };
    }
    let (digits, point) = shortest_digits(v);
    let (d, p) = round_digits(&digits, point, point + prec as i32, false);
    let ds: Vec<char> = d.iter().map(|x| (b'0' + x) as char).collect();
    let mut int_part = String::new();
    let mut frac = String::new();
    for i in 0..(p.max(0) as usize) {
        int_part.push(*ds.get(i).unwrap_or(&'0'));
    }
    if int_part.is_empty() {
        int_part.push('0');
    }
    for k in 0..prec as i32 {
        let idx = p + k;
        frac.push(if idx >= 0 { *ds.get(idx as usize).unwrap_or(&'0') } else { '0' });
    }
    if prec == 0 {
        int_part
    } else {
        format!("{int_part}.{frac}")
    }
}

/// `|v|` in Java's `%.Ne` form: `d.ddde+XX`.
pub fn java_sci(v: f64, prec: usize, upper: bool) -> String {
    let (mant, exp) = if v == 0.0 {
        (vec![0u8], 0)
    } else {
        let (digits, point) = shortest_digits(v);
        let (d, p) = round_digits(&digits, point, prec as i32 + 1, false);
        (d, p - 1)
    };
    let mut s = String::new();
    s.push((b'0' + mant.first().copied().unwrap_or(0)) as char);
    if prec > 0 {
        s.push('.');
        for i in 1..=prec {
            s.push((b'0' + mant.get(i).copied().unwrap_or(0)) as char);
        }
    }
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{s}{e}{sign}{:02}", exp.abs())
}

#[cfg(test)]
#[allow(clippy::approx_constant)]
mod tests {
    use super::*;

    #[test]
    fn java_strings() {
        assert_eq!(java_double_string(1.5), "1.5");
        assert_eq!(java_double_string(1e7), "1.0E7");
        assert_eq!(java_double_string(1.0), "1.0");
        assert_eq!(java_double_string(0.001), "0.001");
        assert_eq!(java_double_string(0.0001234), "1.234E-4");
        assert_eq!(java_double_string(-123456.789), "-123456.789");
        assert_eq!(java_float_string(0.1), "0.1");
    }

    #[test]
    fn rounding_uses_decimal_digits() {
        assert_eq!(round_f64(2.5, 0, false), 3.0);
        assert_eq!(round_f64(2.5, 0, true), 2.0);
        assert_eq!(round_f64(0.125, 2, false), 0.13);
        assert_eq!(round_f64(1.005, 2, false), 1.01);
        assert_eq!(round_f64(-2.5, 0, false), -3.0);
        assert_eq!(round_f64(1234.5, -2, false), 1200.0);
        assert_eq!(round_f64(9.99, 1, false), 10.0);
        assert_eq!(round_f64(0.004, 2, false), 0.0);
        assert_eq!(java_fixed(3.14159, 2), "3.14");
        assert_eq!(java_fixed(0.125, 2), "0.13");
        assert_eq!(java_fixed(2.5, 0), "3");
        assert_eq!(java_fixed(0.0005, 3), "0.001");
        assert_eq!(java_sci(12345.678, 6, false), "1.234568e+04");
        assert_eq!(round_f64(-0.0, 2, false).to_bits(), 0.0f64.to_bits());
        assert_eq!(decimal_format_digits(2.675, 2), "2.67");
        assert_eq!(decimal_format_digits(12332.5, 0), "12332");
        assert_eq!(decimal_format_digits(0.5, 0), "0");
        assert_eq!(decimal_format_digits(1.5, 0), "2");
        assert_eq!(decimal_format_digits(0.125, 2), "0.12");
        assert_eq!(decimal_format_digits(0.375, 2), "0.38");
        assert_eq!(decimal_format_digits(79402458999.84921, 6), "79402458999.849210");
        assert_eq!(decimal_format_digits(2.8555248282750853e61, 0), format!("28555248282750853{}", "0".repeat(45)));
        assert_eq!(decimal_format_digits(0.001, 1), "0.0");
        assert_eq!(decimal_format_digits(9.995, 2), "9.99");
    }
}
