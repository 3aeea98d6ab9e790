//! Spark's ParseException texts for SQL strings: `[PARSE_SYNTAX_ERROR] Syntax error at or near 'x'` with the
//! `== SQL ==` excerpt and caret line Spark appends.
use sqlparser::parser::ParserError;
use sqlparser::tokenizer::{Token, TokenWithSpan, TokenizerError};

use crate::error::EmberError;

/// A ParseException whose text is exactly PySpark's `str(exception)` (it starts with a newline, as Spark's does).
fn parse_exception(class: &str, text: String) -> EmberError {
    EmberError::parse_text(class, text)
}

/// `(line L, pos P)` plus the `== SQL ==` block with the caret line under 0-based column `pos` of `line`.
fn syntax_context(sql: &str, line: usize, pos: usize) -> String {
    let mut out = format!(" (line {line}, pos {pos})\n\n== SQL ==\n");
    let lines: Vec<&str> = sql.split('\n').collect();
    for (i, l) in lines.iter().enumerate() {
        out.push_str(l);
        out.push('\n');
        if i + 1 == line {
            out.push_str(&"-".repeat(pos));
            out.push_str("^^^\n");
        }
    }
    out
}

/// Line (1-based) and 0-based column of the end of the input.
fn end_position(sql: &str) -> (usize, usize) {
    let line = sql.split('\n').count();
    let last = sql.rsplit('\n').next().unwrap_or("");
    (line, last.chars().count())
}

fn syntax(sql: &str, near: Option<&str>, extra: bool, line: usize, pos: usize) -> EmberError {
    let head = match near {
        None => "Syntax error at or near end of input.".to_string(),
        Some(t) if extra => format!("Syntax error at or near '{t}': extra input '{t}'."),
        Some(t) => format!("Syntax error at or near '{t}'."),
    };
    parse_exception(
        "PARSE_SYNTAX_ERROR",
        format!("\n[PARSE_SYNTAX_ERROR] {head} SQLSTATE: 42601{}", syntax_context(sql, line, pos)),
    )
}

fn token_text(t: &Token) -> Option<String> {
    match t {
        Token::EOF => None,
        Token::Word(w) => Some(match w.quote_style {
            Some(q) => format!("{q}{}{q}", w.value),
            None => w.value.clone(),
        }),
        other => Some(other.to_string()),
    }
}

/// A syntax error at `token` (`end of input` for EOF).
pub(super) fn syntax_error(sql: &str, token: &TokenWithSpan) -> EmberError {
    at_token(sql, token, false)
}

/// Input left over after a complete expression or statement.
pub(super) fn extra_input(sql: &str, token: &TokenWithSpan) -> EmberError {
    at_token(sql, token, true)
}

fn at_token(sql: &str, token: &TokenWithSpan, extra: bool) -> EmberError {
    match token_text(&token.token) {
        None => {
            let (line, pos) = end_position(sql);
            syntax(sql, None, false, line, pos)
        }
        Some(text) => {
            let line = token.span.start.line.max(1) as usize;
            let pos = token.span.start.column.saturating_sub(1) as usize;
            syntax(sql, Some(&text), extra, line, pos)
        }
    }
}

/// Spark's `[PARSE_EMPTY_STATEMENT]` for blank input.
pub(super) fn empty_statement(sql: &str) -> EmberError {
    let (line, pos) = end_position(sql);
    parse_exception(
        "PARSE_EMPTY_STATEMENT",
        format!(
            "\n[PARSE_EMPTY_STATEMENT] Syntax error, unexpected empty statement. SQLSTATE: 42617{}",
            syntax_context(sql, line, pos)
        ),
    )
}

/// A lexing failure (unterminated string or identifier …): Spark reports the character where the token starts.
pub(super) fn tokenizer_error(sql: &str, e: &TokenizerError) -> EmberError {
    let line = e.location.line.max(1) as usize;
    let col = e.location.column.max(1) as usize;
    // sqlparser reports where it gave up; Spark points at the opening quote of the unterminated token.
    let text: Vec<char> = sql.split('\n').nth(line - 1).unwrap_or("").chars().collect();
    let mut pos = (col - 1).min(text.len());
    if e.message.contains("Unterminated") || e.message.contains("close delimiter") {
        let quote = text.iter().take(pos + 1).rposition(|c| matches!(c, '\'' | '"' | '`'));
        if let Some(q) = quote {
            pos = q;
        }
    }
    match text.get(pos) {
        Some(c) => syntax(sql, Some(&c.to_string()), false, line, pos),
        None => syntax(sql, None, false, line, pos),
    }
}

/// Tag of the error the dialect raises for `IN ()`: `<tag><line>:<start column>:<end column>`.
pub(super) const EMPTY_IN_MARKER: &str = "\u{1}EMPTY_IN:";

/// Spark's excerpt for errors raised while building the tree: `== SQL (line L, position P) ==` with carets under
/// columns `from..=to` (1-based) of that line.
fn origin_context(sql: &str, line: usize, from: usize, to: usize) -> String {
    let mut out = format!("\n== SQL (line {line}, position {from}) ==\n");
    for (i, l) in sql.split('\n').enumerate() {
        out.push_str(l);
        out.push('\n');
        if i + 1 == line {
            out.push_str(&" ".repeat(from.saturating_sub(1)));
            out.push_str(&"^".repeat(to.saturating_sub(from) + 1));
            out.push('\n');
        }
    }
    out
}

/// Map sqlparser's "Expected: …, found: TOKEN at Line: L, Column: C" to Spark's syntax error at that token.
pub(super) fn parser_error(sql: &str, e: ParserError) -> EmberError {
    let msg = match e {
        ParserError::ParserError(m) | ParserError::TokenizerError(m) => m,
        ParserError::RecursionLimitExceeded => return crate::expr::depth::too_complex(),
    };
    if let Some(rest) = msg.strip_prefix(EMPTY_IN_MARKER) {
        let nums: Vec<usize> = rest.split(':').filter_map(|n| n.parse().ok()).collect();
        if let [line, from, to] = nums[..] {
            return parse_exception(
                "INVALID_SQL_SYNTAX.EMPTY_IN_PREDICATE",
                format!(
                    "\n[INVALID_SQL_SYNTAX.EMPTY_IN_PREDICATE] Invalid SQL syntax: IN predicate requires at least one \
                     value. Empty IN clauses like 'IN ()' are not allowed. Consider using 'WHERE FALSE' if you need an \
                     always-false condition, or provide at least one value in the IN list. SQLSTATE: 42000{}",
                    origin_context(sql, line, from, to.saturating_sub(1))
                ),
            );
        }
    }
    let found = msg.split("found: ").nth(1).map(|rest| rest.split(" at Line: ").next().unwrap_or(rest).to_string());
    let location = msg.rsplit(" at Line: ").next().filter(|_| msg.contains(" at Line: ")).and_then(|loc| {
        let (l, c) = loc.split_once(", Column: ")?;
        Some((l.trim().parse::<usize>().ok()?, c.trim().parse::<usize>().ok()?))
    });
    match (found.as_deref(), location) {
        (Some("EOF"), _) | (None, None) => {
            let (line, pos) = end_position(sql);
            syntax(sql, None, false, line, pos)
        }
        (Some(tok), Some((line, col))) if line > 0 => syntax(sql, Some(tok), false, line, col.saturating_sub(1)),
        (_, Some((line, col))) if line > 0 => {
            let text: Vec<char> = sql.split('\n').nth(line - 1).unwrap_or("").chars().collect();
            let pos = col.saturating_sub(1);
            match text.get(pos) {
                Some(c) => syntax(sql, Some(&c.to_string()), false, line, pos),
                None => syntax(sql, None, false, line, pos),
            }
        }
        _ => {
            let (line, pos) = end_position(sql);
            syntax(sql, None, false, line, pos)
        }
    }
}

/// A ParseException raised while converting (bad typed literal, unsupported type …) before the SQL excerpt is
/// known: `with_sql_context` appends it.
pub(crate) fn parse_error(class: &str, message: impl Into<String>) -> EmberError {
    parse_exception(class, format!("\n[{class}] {}", message.into()))
}

/// Append Spark's `== SQL (line 1, position 1) ==` excerpt to a conversion ParseException. The excerpt marks the
/// whole input rather than the offending sub-expression, which matches Spark when the input is that expression.
pub(super) fn with_sql_context(e: EmberError, sql: &str) -> EmberError {
    if e.kind() != crate::error::ErrorKind::Parse || e.message_str().contains("== SQL") {
        return e;
    }
    let width = sql.split('\n').next().unwrap_or("").chars().count().max(1);
    e.map_message(|message| format!("{message}{}", origin_context(sql, 1, 1, width)))
}

/// A construct ember does not support yet.
pub(crate) fn not_supported(what: &str) -> EmberError {
    EmberError::not_implemented(format!("{what} is not supported by ember yet"))
}
