//! Java 17's `Double.toString` / `Float.toString` (the pre-JDK-19 `FloatingDecimal` digit generation, on the JVM
//! PySpark 4.3 runs on): how Spark renders floating-point values in CAST, show(), CSV and JSON. Not always the
//! shortest digits: `1.0E23` prints as `9.999999999999999E22`, whole numbers below 2^63 keep extra digits.
use std::cmp::Ordering;

/// Java's text of a double, or of a float when `f` is given (`x` is then `f as f64`).
pub fn java_float_string(x: f64, f: Option<f32>) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let (fract_bits, bin_exp, n_sig) = match f {
        Some(v) => {
            let bits = v.to_bits();
            let mut fract = bits & 0x7F_FFFF;
            let mut e = ((bits >> 23) & 0xFF) as i32;
            let n_sig;
            if e == 0 {
                let lz = fract.leading_zeros() as i32;
                let shift = lz - (31 - 23);
                fract <<= shift;
                e = 1 - shift;
                n_sig = 32 - lz;
            } else {
                fract |= 1 << 23;
                n_sig = 24;
            }
            ((fract as u64) << (52 - 23), e - 127, n_sig)
        }
        None => {
            let bits = x.to_bits();
            let mut fract = bits & 0xF_FFFF_FFFF_FFFF;
            let mut e = ((bits >> 52) & 0x7FF) as i32;
            let n_sig;
            if e == 0 {
                let lz = fract.leading_zeros() as i32;
                let shift = lz - (63 - 52);
                fract <<= shift;
                e = 1 - shift;
                n_sig = 64 - lz;
            } else {
                fract |= 1 << 52;
                n_sig = 53;
            }
            (fract, e - 1023, n_sig)
        }
    };
    let (digits, dec_exponent) = dtoa(bin_exp, fract_bits, n_sig);
    layout(x < 0.0, &digits, dec_exponent)
}

/// Java's `getChars`: plain for decimal exponents 1..=7 and -2..=0, else `d.dddE±n`.
fn layout(negative: bool, digits: &[u8], dec_exponent: i32) -> String {
    let mut s = String::with_capacity(digits.len() + 8);
    if negative {
        s.push('-');
    }
    let d = |r: std::ops::Range<usize>| std::str::from_utf8(&digits[r]).unwrap().to_string();
    let n = digits.len();
    if dec_exponent > 0 && dec_exponent < 8 {
        let int_len = n.min(dec_exponent as usize);
        s.push_str(&d(0..int_len));
        if int_len < dec_exponent as usize {
            s.extend(std::iter::repeat_n('0', dec_exponent as usize - int_len));
            s.push_str(".0");
        } else {
            s.push('.');
            if int_len < n {
                s.push_str(&d(int_len..n));
            } else {
                s.push('0');
            }
        }
    } else if dec_exponent <= 0 && dec_exponent > -3 {
        s.push_str("0.");
        s.extend(std::iter::repeat_n('0', (-dec_exponent) as usize));
        s.push_str(&d(0..n));
    } else {
        s.push_str(&d(0..1));
        s.push('.');
        if n > 1 {
            s.push_str(&d(1..n));
        } else {
            s.push('0');
        }
        s.push('E');
        s.push_str(&(dec_exponent - 1).to_string());
    }
    s
}

/// Bits of 5^i (index 0 is 0, as in Java's table).
fn n5_bits(i: i32) -> i32 {
    if i == 0 {
        0
    } else if i < 27 {
        64 - 5u64.pow(i as u32).leading_zeros() as i32
    } else {
        i * 3
    }
}

const INSIGNIFICANT: [i32; 64] = [
    0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10,
    11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19,
];

/// `FloatingDecimal.BinaryToASCIIBuffer.dtoa`: the digits (possibly with trailing zeros after a round-up) and the
/// decimal exponent (value = 0.d1d2… × 10^exp).
fn dtoa(bin_exp: i32, fract_bits: u64, n_sig: i32) -> (Vec<u8>, i32) {
    let tail_zeros = fract_bits.trailing_zeros() as i32;
    let n_fract_bits = 53 - tail_zeros;
    let n_tiny_bits = (n_fract_bits - bin_exp - 1).max(0);
    if (-21..=62).contains(&bin_exp) && n_tiny_bits < 27 && n_fract_bits + n5_bits(n_tiny_bits) < 64 && n_tiny_bits == 0
    {
        let p2 = bin_exp - n_sig - 1;
        let insignificant = if bin_exp > n_sig && p2 > 1 && (p2 as usize) < INSIGNIFICANT.len() {
            INSIGNIFICANT[p2 as usize]
        } else {
            0
        };
        let v = if bin_exp >= 52 { fract_bits << (bin_exp - 52) } else { fract_bits >> (52 - bin_exp) };
        return long_digits(v, insignificant);
    }
    let mut dec_exp = estimate_dec_exp(fract_bits, bin_exp);
    let b5 = (-dec_exp).max(0);
    let mut b2 = b5 + n_tiny_bits + bin_exp;
    let s5 = dec_exp.max(0);
    let mut s2 = s5 + n_tiny_bits;
    let m5 = b5;
    let mut m2 = b2 - n_sig;
    let fract = fract_bits >> tail_zeros;
    b2 -= n_fract_bits - 1;
    let common = b2.min(s2);
    b2 -= common;
    s2 -= common;
    m2 -= common;
    if n_fract_bits == 1 {
        m2 -= 1;
    }
    if m2 < 0 {
        b2 -= m2;
        s2 -= m2;
        m2 = 0;
    }
    let b_bits = n_fract_bits + b2 + n5_bits(b5);
    let ten_s_bits = s2 + 1 + n5_bits(s5 + 1);
    let mut digits: Vec<u8> = Vec::with_capacity(20);
    let (low, high, low_digit_difference);
    if b_bits < 64 && ten_s_bits < 64 {
        // Java runs these in int or long arithmetic, wrapping on overflow; mirror that exactly.
        let small = b_bits < 32 && ten_s_bits < 32;
        let wrap = |v: i64| if small { v as i32 as i64 } else { v };
        let mut b = wrap(wrap((fract as i64).wrapping_mul(5i64.pow(b5 as u32))) << b2);
        let s = wrap(5i64.pow(s5 as u32) << s2);
        let mut m = wrap(5i64.pow(m5 as u32) << m2);
        let tens = wrap(s.wrapping_mul(10));
        let mut q = b / s;
        b = wrap(10i64.wrapping_mul(b % s));
        m = wrap(m.wrapping_mul(10));
        let mut lo = b < m;
        let mut hi = wrap(b.wrapping_add(m)) > tens;
        if q == 0 && !hi {
            dec_exp -= 1;
        } else {
            digits.push(b'0' + q as u8);
        }
        if !(-3..8).contains(&dec_exp) {
            hi = false;
            lo = false;
        }
        while !lo && !hi {
            q = b / s;
            b = wrap(10i64.wrapping_mul(b % s));
            m = wrap(m.wrapping_mul(10));
            if m > 0 {
                lo = b < m;
                hi = wrap(b.wrapping_add(m)) > tens;
            } else {
                lo = true;
                hi = true;
            }
            digits.push(b'0' + q as u8);
        }
        low = lo;
        high = hi;
        low_digit_difference = wrap(wrap(b << 1).wrapping_sub(tens)).signum();
    } else {
        let s_val = Big::pow52(s5, s2);
        let mut b_val = Big::from_u64(fract).mul_pow5(b5).shl(b2);
        let mut m_val = Big::pow52(m5 + 1, m2 + 1);
        let ten_s = Big::pow52(s5 + 1, s2 + 1);
        let mut q = b_val.quo_rem_iteration(&s_val);
        let mut lo = b_val.cmp(&m_val) == Ordering::Less;
        let mut hi = ten_s.cmp(&b_val.add(&m_val)) != Ordering::Greater;
        if q == 0 && !hi {
            dec_exp -= 1;
        } else {
            digits.push(b'0' + q);
        }
        if !(-3..8).contains(&dec_exp) {
            hi = false;
            lo = false;
        }
        while !lo && !hi {
            q = b_val.quo_rem_iteration(&s_val);
            m_val = m_val.mul_small(10);
            lo = b_val.cmp(&m_val) == Ordering::Less;
            hi = ten_s.cmp(&b_val.add(&m_val)) != Ordering::Greater;
            digits.push(b'0' + q);
        }
        low = lo;
        high = hi;
        low_digit_difference = if hi && lo {
            match b_val.shl(1).cmp(&ten_s) {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }
        } else {
            0
        };
    }
    let mut dec_exponent = dec_exp + 1;
    let round_up =
        high && (!low || low_digit_difference > 0 || (low_digit_difference == 0 && digits.last().unwrap() & 1 != 0));
    if round_up {
        let mut i = digits.len() - 1;
        while digits[i] == b'9' && i > 0 {
            digits[i] = b'0';
            i -= 1;
        }
        if digits[i] == b'9' {
            dec_exponent += 1;
            digits[0] = b'1';
        } else {
            digits[i] += 1;
        }
    }
    (digits, dec_exponent)
}

/// Java's `developLongDigits`: an integer's digits less `insignificant` rounded-off ones, trailing zeros dropped.
fn long_digits(mut v: u64, insignificant: i32) -> (Vec<u8>, i32) {
    let mut dec_exp = 0;
    if insignificant != 0 {
        let pow10 = 10u64.pow(insignificant as u32);
        let residue = v % pow10;
        v /= pow10;
        dec_exp += insignificant;
        if residue >= pow10 >> 1 {
            v += 1;
        }
    }
    let text = v.to_string();
    let trimmed = text.trim_end_matches('0');
    let dec_exponent = dec_exp + text.len() as i32;
    (trimmed.as_bytes().to_vec(), dec_exponent)
}

/// Java's `estimateDecExp`: floor(log10(value)) from the binary exponent and the leading mantissa bits.
fn estimate_dec_exp(fract_bits: u64, bin_exp: i32) -> i32 {
    let d2 = f64::from_bits(0x3FF0_0000_0000_0000 | (fract_bits & 0xF_FFFF_FFFF_FFFF));
    // Java's FloatingDecimal uses this truncated log10(2) in its estimate; the exact constant could shift it.
    #[allow(clippy::approx_constant)]
    let d = (d2 - 1.5) * 0.289529654 + 0.176091259 + bin_exp as f64 * 0.301029995663981;
    d.floor() as i32
}

/// A minimal unsigned big integer (little-endian 32-bit limbs) for the digit loop.
#[derive(Clone, Debug)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        Big(vec![v as u32, (v >> 32) as u32]).trim()
    }
    fn trim(mut self) -> Big {
        while self.0.len() > 1 && *self.0.last().unwrap() == 0 {
            self.0.pop();
        }
        self
    }
    fn pow52(p5: i32, p2: i32) -> Big {
        Big::from_u64(1).mul_pow5(p5).shl(p2)
    }
    fn mul_small(&self, m: u32) -> Big {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut carry = 0u64;
        for &l in &self.0 {
            let v = l as u64 * m as u64 + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        Big(out).trim()
    }
    fn mul_pow5(self, mut p: i32) -> Big {
        let mut b = self;
        while p >= 13 {
            b = b.mul_small(1_220_703_125); // 5^13
            p -= 13;
        }
        if p > 0 {
            b = b.mul_small(5u32.pow(p as u32));
        }
        b
    }
    fn shl(&self, bits: i32) -> Big {
        let words = (bits / 32) as usize;
        let rem = (bits % 32) as u32;
        let mut out = vec![0u32; words];
        let mut carry = 0u32;
        for &l in &self.0 {
            if rem == 0 {
                out.push(l);
            } else {
                out.push((l << rem) | carry);
                carry = l >> (32 - rem);
            }
        }
        if carry > 0 {
            out.push(carry);
        }
        Big(out).trim()
    }
    fn cmp(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }
    fn add(&self, o: &Big) -> Big {
        let n = self.0.len().max(o.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v = *self.0.get(i).unwrap_or(&0) as u64 + *o.0.get(i).unwrap_or(&0) as u64 + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        Big(out)
    }
    fn sub_assign(&mut self, o: &Big) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let v = self.0[i] as i64 - *o.0.get(i).unwrap_or(&0) as i64 - borrow;
            if v < 0 {
                self.0[i] = (v + (1i64 << 32)) as u32;
                borrow = 1;
            } else {
                self.0[i] = v as u32;
                borrow = 0;
            }
        }
        *self = Big(std::mem::take(&mut self.0)).trim();
    }
    /// q = self / s (a single decimal digit), then self = (self mod s) × 10.
    fn quo_rem_iteration(&mut self, s: &Big) -> u8 {
        let mut q = 0u8;
        while self.cmp(s) != Ordering::Less {
            self.sub_assign(s);
            q += 1;
        }
        *self = self.mul_small(10);
        q
    }
}

/// Append Java's `Double.toString(v)`: `1.0`, `0.1`, `1.0E7`, `1.0E-4`, `NaN`, `-Infinity`, `-0.0`.
pub fn write_java_double(v: f64, out: &mut String) {
    out.push_str(&java_float_string(v, None));
}

/// Append Java's `Float.toString(v)`: digits that identify the `float`, not the widened `double`.
pub fn write_java_float(v: f32, out: &mut String) {
    out.push_str(&java_float_string(v as f64, Some(v)));
}

/// `Double.toString` as a new String.
pub fn java_double_to_string(v: f64) -> String {
    java_float_string(v, None)
}

/// `Float.toString` as a new String.
pub fn java_float_to_string(v: f32) -> String {
    java_float_string(v as f64, Some(v))
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

    #[test]
    fn matches_java_17_output() {
        let d = |x: f64| java_float_string(x, None);
        let f = |x: f32| java_float_string(x as f64, Some(x));
        assert_eq!(d(1e10), "1.0E10");
        assert_eq!(d(1e-5), "1.0E-5");
        assert_eq!(d(123456789.0), "1.23456789E8");
        assert_eq!(d(0.1), "0.1");
        assert_eq!(d(1e7), "1.0E7");
        assert_eq!(d(0.001), "0.001");
        assert_eq!(d(-0.0), "-0.0");
        assert_eq!(d(100.0), "100.0");
        assert_eq!(d(4.9e-324), "4.9E-324");
        assert_eq!(d(1.7976931348623157e308), "1.7976931348623157E308");
        assert_eq!(d(1e23), "9.999999999999999E22");
        assert_eq!(d(5e22), "4.9999999999999996E22");
        assert_eq!(d(8.93594012929786e16), "8.9359401292978592E16");
        assert_eq!(d(9.082e21), "9.081999999999999E21");
        assert_eq!(d(2e-3), "0.002");
        assert_eq!(f(1e-4), "1.0E-4");
        assert_eq!(f(3.4028235e38), "3.4028235E38");
        assert_eq!(f(1.17549435e-38), "1.17549435E-38");
        assert_eq!(f(0.3), "0.3");
        assert_eq!(f(1e20), "1.0E20");
        assert_eq!(f(77620486144.0), "7.7620486E10");
        assert_eq!(f(53411.3125), "53411.312");
        assert_eq!(f(5.307263392406578e25), "5.3072633E25");
    }

    /// Compares with a PySpark dump, `/tmp/jo/floats.txt` lines: `double java_text float_as_double java_text`.
    #[test]
    #[ignore]
    fn against_pyspark_dump() {
        let text = std::fs::read_to_string("/tmp/jo/floats.txt").unwrap();
        let (mut bad_d, mut bad_f, mut n) = (0, 0, 0);
        for line in text.lines() {
            let p: Vec<&str> = line.split(' ').collect();
            let d: f64 = p[0].parse().unwrap();
            let f: f32 = p[2].parse::<f64>().unwrap() as f32;
            if !d.is_finite() || !f.is_finite() {
                continue;
            }
            n += 1;
            if java_float_string(d, None) != p[1] {
                bad_d += 1;
                if bad_d < 10 {
                    eprintln!("D {} java={} ours={}", p[0], p[1], java_float_string(d, None));
                }
            }
            if java_float_string(f as f64, Some(f)) != p[3] {
                bad_f += 1;
                if bad_f < 10 {
                    eprintln!("F {} java={} ours={}", p[2], p[3], java_float_string(f as f64, Some(f)));
                }
            }
        }
        eprintln!("mismatches: doubles {bad_d}, floats {bad_f} of {n}");
        assert_eq!((bad_d, bad_f), (0, 0));
    }
}
