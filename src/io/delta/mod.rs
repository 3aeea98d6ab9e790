//! Delta Lake tables (`format("delta")`), written and read through the protocol directly: the transaction log
//! (`log`, starting from a `checkpoint` when there is one; the `protocol` and the features it demands) and the rows
//! of a table (`table`). The streaming sink and source and the batch entry points are the
//! connector in `crate::stream::connector::delta`.
pub mod checkpoint;
pub mod log;
pub mod protocol;
pub mod table;

/// Whether `format` names Delta (case-insensitive): catalog tables of this provider are read through the log, not
/// as a directory of files.
pub fn is_delta(format: &str) -> bool {
    format.eq_ignore_ascii_case("delta")
}
