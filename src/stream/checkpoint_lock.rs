//! One active run per checkpoint, across threads and processes: a run holds an exclusive advisory lock on the
//! checkpoint directory itself for as long as its engine thread runs. Locking the directory rather than a lock file
//! keeps the layout exactly Spark's (tools that list a checkpoint see nothing extra). Spark has no lock; two Spark
//! processes on one checkpoint collide when the second writes a batch the first already logged and fails with
//! `CONCURRENT_STREAM_LOG_UPDATE`. Taking the lock first fails the second run with that error before it reads or
//! writes anything, so neither can deliver a batch twice. The kernel drops the lock when the process dies, so a
//! killed run never blocks its restart.
use std::fs::{File, TryLockError};
use std::path::Path;

use crate::error::{EmberError, ErrorKind, Result};

/// Held while a run owns its checkpoint; dropping it releases the lock.
pub struct CheckpointLock {
    _file: File,
}

impl CheckpointLock {
    /// Lock `root` for this run, or Spark's `CONCURRENT_STREAM_LOG_UPDATE` for `next_batch` when another run
    /// holds it (`next_batch` is asked only then).
    pub fn acquire(root: &Path, next_batch: impl FnOnce() -> i64) -> Result<CheckpointLock> {
        let path = root;
        let file = File::open(path).map_err(|e| {
            EmberError::from(e)
                .map_message(|m| format!("Cannot open the checkpoint {} to lock it: {m}", path.display()))
        })?;
        match file.try_lock() {
            Ok(()) => Ok(CheckpointLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(EmberError::with_condition(
                ErrorKind::Execution,
                "CONCURRENT_STREAM_LOG_UPDATE",
                [("batchId", next_batch().to_string())],
            )),
            Err(TryLockError::Error(e)) => {
                Err(EmberError::from(e).map_message(|m| format!("Cannot lock the checkpoint {}: {m}", path.display())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let first = CheckpointLock::acquire(dir.path(), || 0).unwrap();
        let err = CheckpointLock::acquire(dir.path(), || 3).err().unwrap();
        assert_eq!(err.condition(), Some("CONCURRENT_STREAM_LOG_UPDATE"));
        assert!(err.message().contains("Multiple streaming jobs detected for 3"), "{}", err.message());
        drop(first);
        CheckpointLock::acquire(dir.path(), || 0).unwrap();
    }
}
