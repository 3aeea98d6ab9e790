//! Batch operators over Arrow RecordBatches: `execute` runs an analyzed plan to a list of batches.
pub mod aggregate;
pub mod dedup;
pub mod execute;
pub mod flat_map_groups;
pub mod hashing;
pub mod join;
pub mod key_ids;
pub mod observe;
pub mod print_schema;
pub mod scan;
pub mod show;
pub mod sort;
pub mod string_slots;
pub mod time_window;
pub mod window;

pub use execute::execute;
