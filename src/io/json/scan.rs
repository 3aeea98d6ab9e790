//! Word-at-a-time byte work for the JSON reader's hot loop: the end of a string's plain run, short-slice equality
//! (line ends are found with memchr, whose SIMD search wins on the long runs between them).

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that equals `byte`; only the lowest set bit is exact (a borrow can flag bytes
/// above a true hit), which is all the caller uses.
#[inline(always)]
fn eq_mask(w: u64, byte: u8) -> u64 {
    let x = w ^ (ONES * byte as u64);
    x.wrapping_sub(ONES) & !x & HIGHS
}

#[inline(always)]
fn word(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"))
}

/// The index of the first byte at or after `i` that ends a plain run inside a string: the closing `quote`, a
/// backslash, or (when `stop_at_control`) a control character; `b.len()` when none does. Eight bytes at a time.
#[inline]
pub fn plain_run_end(b: &[u8], mut i: usize, quote: u8, stop_at_control: bool) -> usize {
    let control_mask = if stop_at_control { HIGHS } else { 0 };
    while i + 8 <= b.len() {
        let w = word(b, i);
        // Bytes below 0x20 borrow in `w - 0x20…`; as in `eq_mask`, the lowest flag is exact.
        let hits = eq_mask(w, quote) | eq_mask(w, b'\\') | (w.wrapping_sub(ONES * 0x20) & !w & control_mask);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() {
        let c = b[i];
        if c == quote || c == b'\\' || (stop_at_control && c < 0x20) {
            return i;
        }
        i += 1;
    }
    i
}

/// Byte-slice equality without a library call or a byte loop for short slices: two overlapping words cover any
/// length from 4 to 16.
#[inline(always)]
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w8 = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("eight bytes"));
    let w4 = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().expect("four bytes"));
    match n {
        0..=3 => a == b,
        4..=7 => w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4),
        8..=16 => w8(a, 0) == w8(b, 0) && w8(a, n - 8) == w8(b, n - 8),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_find_the_first_stop_at_every_offset() {
        for len in 0..40 {
            for at in 0..=len {
                for stop in [b'"', b'\\', 0x1f] {
                    let mut c = vec![0xC3; len];
                    if at < len {
                        c[at] = stop;
                    }
                    let want = if stop == 0x1f && at < len {
                        at
                    } else if stop == 0x1f {
                        len
                    } else {
                        at
                    };
                    assert_eq!(plain_run_end(&c, 0, b'"', true), want);
                    assert_eq!(plain_run_end(&c, 0, b'"', false), if stop == 0x1f { len } else { at });
                }
            }
        }
    }
}
