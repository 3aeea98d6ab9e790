//! SQL strings. (Temporary shim on main; the sql branch replaces this file.)
use crate::error::{EmberError, Result};
use crate::expr::expr::Expr;

pub fn parse_expression(sql: &str) -> Result<Expr> {
    Err(EmberError::not_implemented(format!("SQL expression {sql}")))
}

pub fn parse_select_item(sql: &str) -> Result<Expr> {
    parse_expression(sql)
}

pub fn parse_query(sql: &str) -> Result<sqlparser::ast::Query> {
    let stmts = sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::GenericDialect {}, sql)
        .map_err(|e| EmberError::parse(e.to_string()))?;
    match stmts.into_iter().next() {
        Some(sqlparser::ast::Statement::Query(q)) => Ok(*q),
        _ => Err(EmberError::not_implemented("only SELECT statements")),
    }
}

pub fn convert_expr(e: &sqlparser::ast::Expr) -> Result<Expr> {
    parse_expression(&e.to_string())
}
