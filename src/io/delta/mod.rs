//! Delta Lake tables (`format("delta")`), written and read through the protocol directly: the transaction log
//! (`log`) and the rows of a table (`table`). The streaming sink and source and the batch entry points are the
//! connector in `crate::stream::connector::delta`.
pub mod log;
pub mod table;
