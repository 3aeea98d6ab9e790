//! Structured Streaming: sources, the incremental (micro-batch) execution of an analyzed plan, sinks, output-mode
//! checks and the query thread with its monitoring state.
pub mod aggregate_state;
pub mod checkpoint;
pub mod checks;
pub mod dedup_state;
pub mod file_sink;
pub mod file_source;
pub mod group_state;
pub mod incremental;
pub mod manager;
pub mod metrics;
pub mod progress;
pub mod query;
pub mod rate;
pub mod session_state;
pub mod sink;
pub mod socket;
pub mod source;
pub mod watermark;
