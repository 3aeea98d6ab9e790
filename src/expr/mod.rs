//! Expressions: the `Expr` tree a Column holds, its resolution against a schema (`resolve`), evaluation on Arrow
//! batches (`physical`), Spark's casts (`cast`) and type coercion (`coercion`), SQL strings (`sql`) and the function
//! table (`functions`).
pub mod cast;
pub mod coercion;
pub mod decimal_arith;
pub mod depth;
#[allow(clippy::module_inception)]
pub mod expr;
pub mod functions;
pub mod physical;
pub mod resolve;
pub mod schema;
pub mod sql;

pub use expr::{BinaryOp, Expr};
pub use physical::{ColumnarValue, PhysicalExpr};
pub mod physical_eval;
