//! Structured Streaming: the source and sink contracts and their connectors, the incremental (micro-batch)
//! execution of an analyzed plan, state, checkpoints, output-mode checks and the query thread with its monitoring.
pub mod aggregate_state;
pub mod checkpoint;
pub mod checkpoint_info;
pub mod checkpoint_lock;
pub mod checks;
pub mod connector;
pub mod dedup_state;
pub mod group_state;
pub mod incremental;
pub mod join_condition;
pub mod join_state;
pub mod manager;
pub mod metrics;
pub mod offset;
pub mod operator;
pub mod progress;
pub mod query;
pub mod session_state;
pub mod sink;
pub mod source;
pub mod start;
pub mod state;
pub mod state_source;
pub mod trigger_interval;
pub mod ui;
pub mod watermark;
