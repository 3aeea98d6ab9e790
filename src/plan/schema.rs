//! `crate::plan::schema` paths (used by the streaming modules) kept valid: the plan's column description moved to
//! `expr::schema`, below the resolver that reads it.
pub use crate::expr::schema::{next_attr_id, Attr, PlanSchema};
