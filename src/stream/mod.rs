//! Structured Streaming: sources, the incremental (micro-batch) execution of an analyzed plan, sinks, output-mode
//! checks and the query thread with its monitoring state.
pub mod checks;
pub mod file_sink;
pub mod file_source;
pub mod incremental;
pub mod query;
pub mod rate;
pub mod sink;
pub mod socket;
pub mod source;
