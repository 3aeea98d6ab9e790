//! Random version-4 UUIDs in their text form (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, as `java.util.UUID`): query
//! and run ids, write-job ids, the `uuid()` SQL function. Seeded from the process's random hasher keys, the clock,
//! the pid and a counter, then xorshift, so no crate is needed and a column of n UUIDs costs no syscall per row.
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A stream of random UUIDs.
pub struct UuidGenerator {
    state: u64,
}

impl UuidGenerator {
    pub fn new() -> UuidGenerator {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        UuidGenerator { state: h.finish() | 1 }
    }

    fn next_word(&mut self) -> u64 {
        let s = &mut self.state;
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    /// The next UUID: version nibble 4, variant bits 10.
    pub fn next_uuid(&mut self) -> String {
        let hi = (self.next_word() & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
        let lo = (self.next_word() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xFFFF,
            hi & 0xFFFF,
            lo >> 48,
            lo & 0xFFFF_FFFF_FFFF
        )
    }
}

impl Default for UuidGenerator {
    fn default() -> Self {
        UuidGenerator::new()
    }
}

/// One random UUID.
pub fn random_uuid() -> String {
    UuidGenerator::new().next_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let mut g = UuidGenerator::new();
        let ids: Vec<String> = (0..1000).map(|_| g.next_uuid()).chain((0..1000).map(|_| random_uuid())).collect();
        for a in &ids {
            assert_eq!(a.len(), 36);
            assert_eq!(&a[14..15], "4");
            assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
            assert_eq!(a.split('-').map(str::len).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        }
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }
}
