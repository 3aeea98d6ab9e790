//! The state store of stateful operators: versioned per (operator, partition), named tables, per-batch change
//! files plus periodic snapshots (Arrow IPC), one reader for restart, pruning and `ember.checkpoint inspect`.
pub mod changelog;
pub mod partition;
pub mod reader;
pub mod snapshot;
pub mod store;

pub use changelog::{Change, PartitionChanges};
pub use store::{CommitMetrics, StateStore, TableSpec};
