//! File formats shared by batch reads/writes and the streaming file source and sinks.
pub mod csv;
pub mod json;
pub mod options;
pub mod parquet;
pub mod paths;
pub mod text;
pub mod writer;
