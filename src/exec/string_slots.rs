//! A direct-mapped table from strings to small values, probed by length and first eight bytes: one probe and no
//! hashing of the bytes per lookup, for the few distinct values of a category column (event names, kinds). A value
//! whose slot is taken is the caller's to keep elsewhere (a hash map).

/// Where a string probes: the string, its first eight bytes (zero-padded) and its slot.
pub struct Probe<'a> {
    pub value: &'a [u8],
    word: u64,
    slot: usize,
}

const SLOTS: usize = 256;
const EMPTY: usize = usize::MAX;

/// Strings → values; each slot holds one string (length, first word, bytes) or is empty.
pub struct StringSlots<'a, V> {
    slots: Vec<(u64, usize, &'a [u8], V)>,
}

impl<'a, V: Copy + Default> StringSlots<'a, V> {
    pub fn new() -> Self {
        StringSlots { slots: vec![(0, EMPTY, &[], V::default()); SLOTS] }
    }

    #[inline(always)]
    pub fn get(&self, p: &Probe) -> Option<V> {
        let (word, len, bytes, v) = &self.slots[p.slot];
        (*len == p.value.len() && *word == p.word && (*len <= 8 || bytes[8..] == p.value[8..])).then_some(*v)
    }

    /// Store `v` for the probed string; false when its slot holds another string.
    pub fn insert(&mut self, p: &Probe<'a>, v: V) -> bool {
        let slot = &mut self.slots[p.slot];
        if slot.1 != EMPTY {
            return false;
        }
        *slot = (p.word, p.value.len(), p.value, v);
        true
    }
}

/// The probe of `data[start..end]` (a string array's value bytes and one value's offsets); the word is read
/// straight from `data` when eight bytes are there.
#[inline(always)]
pub fn probe<'a>(data: &'a [u8], start: usize, end: usize) -> Probe<'a> {
    let value = &data[start..end];
    let word = match data.get(start..start + 8) {
        Some(w) => u64::from_le_bytes(w.try_into().expect("eight bytes")) & low_bytes_mask(value.len()),
        None => value.iter().take(8).enumerate().fold(0, |w, (k, &c)| w | (c as u64) << (8 * k)),
    };
    let slot = ((word ^ value.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize % SLOTS;
    Probe { value, word, slot }
}

/// A mask of the low `len` bytes of a word (all of it from eight on).
#[inline(always)]
fn low_bytes_mask(len: usize) -> u64 {
    if len >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_strings_stored() {
        let data = b"viewclickpurchaseadd_to_cartadd_to_carx";
        let spans = [(0, 4), (4, 9), (9, 17), (17, 28), (28, 39), (4, 4), (36, 39)];
        let mut t: StringSlots<u32> = StringSlots::new();
        // "add_to_carx" has the length and first eight bytes of "add_to_cart": the same slot, which it does not get.
        let taken = 4;
        for (k, &(a, b)) in spans.iter().enumerate() {
            let p = probe(data, a, b);
            assert_eq!(t.get(&p), None, "{k}");
            assert_eq!(t.insert(&p, k as u32), k != taken, "{k}");
        }
        for (k, &(a, b)) in spans.iter().enumerate() {
            let want = (k != taken).then_some(k as u32);
            assert_eq!(t.get(&probe(data, a, b)), want, "{k}");
        }
        // Same bytes elsewhere in the data find the same slot; a prefix or an extension does not.
        let other = b"xxpurchase";
        assert_eq!(t.get(&probe(other, 2, 10)), Some(2));
        assert_eq!(t.get(&probe(other, 2, 9)), None);
        assert_eq!(t.get(&probe(b"add_to_cart_", 0, 12)), None);
    }
}
