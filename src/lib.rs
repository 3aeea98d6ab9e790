//! ember: a Structured Streaming engine on Arrow with PySpark's Python API.
//!
//! The engine modules (`types`, `expr`, `plan`, `exec`, `io`, `session`) are pure Rust over arrow-rs; only
//! `python` uses pyo3. See ARCHITECTURE.md for the flow of data.
pub mod context;
pub mod error;
pub mod exec;
pub mod expr;
pub mod io;
pub mod plan;
pub mod python;
pub mod session;
pub mod stream;
pub mod types;

pub use error::{EmberError, Result};
