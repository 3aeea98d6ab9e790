//! The files a streaming file source has taken, as Spark's `SeenFilesMap`: keyed by full path (or by file name
//! alone with `fileNameOnly`), with the modification time of each. Entries older than `maxFileAge` before the
//! newest file taken are forgotten, and files that old count as not new, so a file is never taken twice while the
//! map stays bounded. Forgetting pops an expiry heap, so a trigger costs O(new + expired), not O(all seen).
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

pub struct SeenFiles {
    /// `i64::MAX`: nothing ever ages out (and no expiry heap is kept).
    max_age_ms: i64,
    files: HashMap<Arc<str>, i64>,
    /// (modification ms, key) of every add; an entry whose time no longer matches `files` is stale and skipped.
    expiry: BinaryHeap<Reverse<(i64, Arc<str>)>>,
    latest_ms: i64,
    /// Files modified before this are never new (Spark's `lastPurgeTimestamp`): 0 until the first purge, so the
    /// first batch may take files of any age.
    last_purge_ms: i64,
}

impl SeenFiles {
    pub fn new(max_age_ms: i64) -> Self {
        SeenFiles { max_age_ms, files: HashMap::new(), expiry: BinaryHeap::new(), latest_ms: 0, last_purge_ms: 0 }
    }

    pub fn is_new(&self, key: &str, modified_ms: i64) -> bool {
        modified_ms >= self.last_purge_ms && !self.files.contains_key(key)
    }

    pub fn add(&mut self, key: &str, modified_ms: i64) {
        let key: Arc<str> = Arc::from(key);
        if self.max_age_ms != i64::MAX {
            self.expiry.push(Reverse((modified_ms, key.clone())));
        }
        self.files.insert(key, modified_ms);
        self.latest_ms = self.latest_ms.max(modified_ms);
    }

    /// Forget entries older than `maxFileAge` before the newest file; returns how many were dropped.
    pub fn purge(&mut self) -> usize {
        self.last_purge_ms = self.latest_ms.saturating_sub(self.max_age_ms);
        let mut dropped = 0;
        while let Some(Reverse((ts, _))) = self.expiry.peek() {
            if *ts >= self.last_purge_ms {
                break;
            }
            let Reverse((ts, key)) = self.expiry.pop().expect("peeked");
            if self.files.get(&key) == Some(&ts) {
                self.files.remove(&key);
                dropped += 1;
            }
        }
        dropped
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.files.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_batch_takes_any_age_then_old_files_are_not_new() {
        let mut s = SeenFiles::new(1000);
        assert!(s.is_new("old", 5));
        s.add("old", 5);
        s.add("new", 10_000);
        assert!(!s.is_new("old", 5));
        assert_eq!(s.purge(), 1);
        assert_eq!(s.len(), 1);
        // Forgotten, yet still not new: it is older than the purge threshold.
        assert!(!s.is_new("old", 5));
        assert!(!s.is_new("other", 8_999));
        assert!(s.is_new("other", 9_000));
        assert!(!s.is_new("new", 10_000));
    }

    #[test]
    fn unbounded_age_keeps_everything() {
        let mut s = SeenFiles::new(i64::MAX);
        s.add("a", 0);
        s.add("b", i64::MAX / 2);
        assert_eq!(s.purge(), 0);
        assert_eq!(s.len(), 2);
        assert!(s.is_new("c", 0));
    }

    #[test]
    fn re_added_key_is_not_dropped_by_its_stale_expiry() {
        let mut s = SeenFiles::new(100);
        s.add("x", 1);
        s.add("x", 500);
        assert_eq!(s.purge(), 0);
        assert!(!s.is_new("x", 500));
        s.add("y", 1000);
        assert_eq!(s.purge(), 1);
        assert_eq!(s.len(), 1);
    }
}
