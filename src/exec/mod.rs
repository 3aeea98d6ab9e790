//! Batch operators over Arrow RecordBatches.
pub mod print_schema;
pub mod show;
