//! Word-at-a-time byte scans for the JSON reader's hot loops: the end of a string's plain run, the next line end.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that equals `byte`; only the lowest set bit is exact (a borrow can flag bytes
/// above a true hit), which is all the callers use.
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

/// The index of the first `byte` at or after `i`, or `b.len()`.
#[inline]
pub fn find_byte(b: &[u8], mut i: usize, byte: u8) -> usize {
    while i + 8 <= b.len() {
        let hits = eq_mask(word(b, i), byte);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != byte {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_find_the_first_stop_at_every_offset() {
        for len in 0..40 {
            for at in 0..=len {
                let mut b = vec![b'a'; len];
                if at < len {
                    b[at] = b'\n';
                }
                assert_eq!(find_byte(&b, 0, b'\n'), at, "{len} {at}");
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
