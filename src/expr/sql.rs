//! SQL strings. (Temporary shim on main; the sql branch replaces this file.)
use crate::error::{EmberError, Result};
use crate::expr::expr::Expr;

pub fn parse_expression(sql: &str) -> Result<Expr> {
    Err(EmberError::not_implemented(format!("SQL expression {sql}")))
}

pub fn parse_select_item(sql: &str) -> Result<Expr> {
    parse_expression(sql)
}
