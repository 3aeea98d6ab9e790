//! SQL text to `Expr`: Spark's expression syntax for `expr()`, `selectExpr()`, `filter("…")` and `spark.sql`.
//!
//! Parsing uses sqlparser with a small Spark dialect (`SparkDialect`). Spark rules sqlparser does not know are
//! handled around it rather than by forking it:
//! - numeric literal suffixes (`1L`, `1S`, `1Y`, `1.5D`, `1.5F`, `1.5BD`): sqlparser lexes `1S` as the number `1`
//!   followed by the word `S` (which would parse as an alias), so adjacent number+suffix tokens are merged back into
//!   one number token before parsing; `literal` types them. Raw strings `r'…'` are merged the same way.
//! - string escapes: the tokenizer runs with unescaping off so the raw text reaches `literal::unescape_spark_string`,
//!   which applies Spark's rules (`\u0041`, octal `\101`, `\%` kept, `''` doubling) instead of MySQL's. Trees from
//!   `parse_query` therefore hold raw strings and identifiers: convert them with `convert_expr` / `ident_value`.
//! - the dialect's prefix hook parses `INTERVAL 2 HOURS 30 MINUTES` (normalised to `INTERVAL '2 HOURS 30 MINUTES'`),
//!   `TIMESTAMP_LTZ '…'`, `EXTRACT(field FROM …)` with the field as typed, and reads `interval`, `struct`, `trim`,
//!   `exists` as column names when no construct follows; the infix hook adds `DIV`, `>>>` and Spark's `IN ()` error;
//!   the precedence hook puts `||` at `+` level and shifts between `+` and `&`, as in Spark's grammar.
mod convert;
mod errors;
mod literal;

use sqlparser::ast::{DateTimeField, Ident, Interval, Query, Statement, Value};
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::error::{EmberError, Result};
use crate::expr::depth::MAX_EXPR_DEPTH;
use crate::expr::Expr;

pub use convert::{convert_data_type, convert_expr, convert_order_by};
pub use literal::unescape_spark_string;

/// The Spark SQL dialect: backquoted identifiers, double-quoted strings, backslash escapes, `DIV`, `!`, lambdas.
#[derive(Debug, Default, Clone, Copy)]
pub struct SparkDialect;

impl Dialect for SparkDialect {
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '`'
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        ch.is_ascii_alphabetic() || ch == '_'
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        ch.is_ascii_alphanumeric() || ch == '_'
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        true
    }
    fn supports_string_literal_concatenation(&self) -> bool {
        true
    }
    fn supports_filter_during_aggregation(&self) -> bool {
        true
    }
    fn supports_group_by_expr(&self) -> bool {
        true
    }
    fn supports_group_by_with_modifier(&self) -> bool {
        true
    }
    fn supports_lambda_functions(&self) -> bool {
        true
    }
    fn supports_struct_literal(&self) -> bool {
        true
    }
    fn supports_bang_not_operator(&self) -> bool {
        true
    }
    fn supports_cte_without_as(&self) -> bool {
        true
    }
    fn supports_values_as_table_factor(&self) -> bool {
        true
    }
    fn supports_nested_comments(&self) -> bool {
        true
    }
    fn supports_bitwise_shift_operators(&self) -> bool {
        true
    }
    fn supports_create_table_using(&self) -> bool {
        true
    }
    fn supports_map_literal_with_angle_brackets(&self) -> bool {
        true
    }
    fn supports_long_type_as_bigint(&self) -> bool {
        true
    }
    fn parse_prefix(&self, parser: &mut Parser) -> Option<std::result::Result<sqlparser::ast::Expr, ParserError>> {
        let Token::Word(w) = &parser.peek_token_ref().token else { return None };
        if w.quote_style.is_some() {
            return None;
        }
        // Keywords that sqlparser always parses as a construct are plain column names in Spark when what follows
        // cannot continue the construct (`interval + 1`, `trim = 'a'`).
        let next_is_paren = parser.peek_nth_token_ref(1).token == Token::LParen;
        let as_column = match w.keyword {
            Keyword::INTERVAL => {
                let string_next = matches!(
                    parser.peek_nth_token_ref(1).token,
                    Token::SingleQuotedString(_) | Token::DoubleQuotedString(_)
                );
                let len = interval_value_len(parser, 1);
                !string_next && (len == 0 || peek_unit(parser, 1 + len).is_none())
            }
            Keyword::STRUCT | Keyword::TRIM | Keyword::EXISTS => !next_is_paren,
            _ => false,
        };
        if as_column {
            let t = parser.next_token();
            let Token::Word(w) = t.token else { unreachable!("peeked a word") };
            return Some(Ok(sqlparser::ast::Expr::Identifier(w.into_ident(t.span))));
        }
        if w.keyword == Keyword::INTERVAL {
            parser.next_token();
            return Some(parse_interval(parser));
        }
        // `TIMESTAMP_LTZ '…'` is not a typed literal sqlparser knows.
        if w.value.eq_ignore_ascii_case("timestamp_ltz") {
            let value = match &parser.peek_nth_token_ref(1).token {
                Token::SingleQuotedString(s) => Value::SingleQuotedString(s.clone()),
                Token::DoubleQuotedString(s) => Value::DoubleQuotedString(s.clone()),
                _ => return None,
            };
            parser.next_token();
            parser.next_token();
            let name = sqlparser::ast::ObjectName::from(vec![Ident::new("TIMESTAMP_LTZ")]);
            return Some(Ok(sqlparser::ast::Expr::TypedString(sqlparser::ast::TypedString {
                data_type: sqlparser::ast::DataType::Custom(name, vec![]),
                value: value.into(),
                uses_odbc_syntax: false,
            })));
        }
        if w.keyword == Keyword::EXTRACT && next_is_paren {
            return parse_extract(parser);
        }
        None
    }
    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &sqlparser::ast::Expr,
        _precedence: u8,
    ) -> Option<std::result::Result<sqlparser::ast::Expr, ParserError>> {
        if let Some(e) = empty_in_list(parser) {
            return Some(Err(e));
        }
        // `>>>` (unsigned shift) lexes as `>>` then `>`.
        let [first, second] = parser.peek_tokens_with_location();
        if first.token == Token::ShiftRight && second.token == Token::Gt && first.span.end == second.span.start {
            parser.next_token();
            parser.next_token();
            return Some(parser.parse_subexpr(SHIFT_PRECEDENCE).map(|right| sqlparser::ast::Expr::BinaryOp {
                left: Box::new(expr.clone()),
                op: sqlparser::ast::BinaryOperator::Custom(">>>".into()),
                right: Box::new(right),
            }));
        }
        if parser.parse_keyword(Keyword::DIV) {
            // Same precedence as `*` and `/`: the right operand binds tighter than `+`.
            let prec = self.prec_value(sqlparser::dialect::Precedence::MulDivModOp);
            return Some(parser.parse_subexpr(prec).map(|right| sqlparser::ast::Expr::BinaryOp {
                left: Box::new(expr.clone()),
                op: sqlparser::ast::BinaryOperator::MyIntegerDivide,
                right: Box::new(right),
            }));
        }
        None
    }
    fn get_next_precedence(&self, parser: &Parser) -> Option<std::result::Result<u8, ParserError>> {
        // Spark binds `||` like `+`/`-`, not like `*` as sqlparser does.
        // Shifts sit between `+`/`-` and `&`, as in Spark's grammar.
        match parser.peek_token_ref().token {
            Token::StringConcat => Some(Ok(self.prec_value(sqlparser::dialect::Precedence::PlusMinus))),
            Token::ShiftLeft | Token::ShiftRight => Some(Ok(SHIFT_PRECEDENCE)),
            _ => None,
        }
    }
}

/// Binding power of `<<`, `>>`, `>>>`: below `+` (30), above `&` (23) in sqlparser's scale.
const SHIFT_PRECEDENCE: u8 = 25;

/// Spark rejects `x IN ()` with its own error class; sqlparser would only report a missing expression.
fn empty_in_list(parser: &Parser) -> Option<ParserError> {
    let is_kw = |n: usize, k: Keyword| matches!(&parser.peek_nth_token_ref(n).token, Token::Word(w) if w.keyword == k);
    let start = if is_kw(0, Keyword::IN) {
        0
    } else if is_kw(0, Keyword::NOT) && is_kw(1, Keyword::IN) {
        1
    } else {
        return None;
    };
    if parser.peek_nth_token_ref(start + 1).token != Token::LParen
        || parser.peek_nth_token_ref(start + 2).token != Token::RParen
    {
        return None;
    }
    // Spark's excerpt starts at NOT for `NOT IN ()`.
    let from = parser.peek_nth_token_ref(0).span.start;
    let to = parser.peek_nth_token_ref(start + 2).span.end;
    Some(ParserError::ParserError(format!("{}{}:{}:{}", errors::EMPTY_IN_MARKER, from.line, from.column, to.column)))
}

/// `EXTRACT(field FROM expr)` keeping the field as typed (Spark names the column `extract(Dow FROM d)`); sqlparser
/// would normalise the field to its own enum. Returns `None` (sqlparser's parse) for other shapes.
fn parse_extract(parser: &mut Parser) -> Option<std::result::Result<sqlparser::ast::Expr, ParserError>> {
    let field = match &parser.peek_nth_token_ref(2).token {
        Token::Word(f) => f.clone(),
        _ => return None,
    };
    let from = matches!(&parser.peek_nth_token_ref(3).token, Token::Word(w) if w.keyword == Keyword::FROM);
    if !from {
        return None;
    }
    for _ in 0..4 {
        parser.next_token();
    }
    let result = parser.parse_expr().and_then(|expr| {
        parser.expect_token(&Token::RParen)?;
        Ok(sqlparser::ast::Expr::Extract {
            field: DateTimeField::Custom(Ident::new(field.value)),
            syntax: sqlparser::ast::ExtractSyntax::From,
            expr: Box::new(expr),
        })
    });
    Some(result)
}

fn peek_unit(parser: &Parser, n: usize) -> Option<(String, DateTimeField)> {
    match &parser.peek_nth_token_ref(n).token {
        Token::Word(w) if w.quote_style.is_none() => literal::unit_from_word(&w.value).map(|u| (w.value.clone(), u)),
        _ => None,
    }
}

/// Length of an interval value at token offset `n` (`1`, `-1`, `'1'`, `+1.5`), or 0 if none starts there.
fn interval_value_len(parser: &Parser, n: usize) -> usize {
    let value_at = |k: usize| {
        matches!(
            parser.peek_nth_token_ref(k).token,
            Token::Number(_, _) | Token::SingleQuotedString(_) | Token::DoubleQuotedString(_)
        )
    };
    match parser.peek_nth_token_ref(n).token {
        Token::Minus | Token::Plus if value_at(n + 1) => 2,
        _ if value_at(n) => 1,
        _ => 0,
    }
}

/// After `INTERVAL`: `'<string>' [unit [TO unit]]` or a list of `<value> <unit>` pairs.
fn parse_interval(parser: &mut Parser) -> std::result::Result<sqlparser::ast::Expr, ParserError> {
    let string_value = |t: &Token| match t {
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s.clone()),
        _ => None,
    };
    let mk = |value: String, leading: Option<DateTimeField>, last: Option<DateTimeField>| {
        sqlparser::ast::Expr::Interval(Interval {
            value: Box::new(sqlparser::ast::Expr::value(Value::SingleQuotedString(value))),
            leading_field: leading,
            leading_precision: None,
            last_field: last,
            fractional_seconds_precision: None,
        })
    };
    // `'1 02' DAY TO HOUR`, `'10' MINUTE`, or a bare `'1 day 2 hours'`.
    if let Some(s) = string_value(&parser.peek_token_ref().token) {
        let second_is_unit = peek_unit(parser, 1).is_some();
        if !second_is_unit || interval_value_len(parser, 2) == 0 {
            parser.next_token();
            if let Some((_, leading)) = peek_unit(parser, 0) {
                parser.next_token();
                let mut last = None;
                if parser.parse_keyword(Keyword::TO) {
                    match peek_unit(parser, 0) {
                        Some((_, u)) => {
                            parser.next_token();
                            last = Some(u);
                        }
                        None => return parser.expected_ref("an interval unit", parser.peek_token_ref()),
                    }
                }
                return Ok(mk(s, Some(leading), last));
            }
            return Ok(mk(s, None, None));
        }
    }
    let mut pairs: Vec<String> = Vec::new();
    loop {
        let len = interval_value_len(parser, 0);
        if len == 0 || peek_unit(parser, len).is_none() {
            break;
        }
        let mut value = String::new();
        for _ in 0..len {
            let t = parser.next_token().token;
            match &t {
                Token::Minus => value.push('-'),
                Token::Plus => {}
                Token::Number(n, _) => value.push_str(n),
                other => value.push_str(&string_value(other).unwrap_or_default()),
            }
        }
        let (unit, _) = peek_unit(parser, 0).expect("checked above");
        parser.next_token();
        pairs.push(format!("{} {unit}", value.trim()));
    }
    if pairs.is_empty() {
        return parser.expected_ref("an interval value", parser.peek_token_ref());
    }
    Ok(mk(pairs.join(" "), None, None))
}

/// Tokenize with Spark's lexical rules (see the module doc): raw string contents, merged number suffixes.
fn tokenize(sql: &str) -> Result<Vec<TokenWithSpan>> {
    let tokens = Tokenizer::new(&SparkDialect, sql)
        .with_unescape(false)
        .tokenize_with_location()
        .map_err(|e| errors::tokenizer_error(sql, &e))?;
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    for mut t in tokens {
        // `$name` is not a token in Spark: its lexer fails at the `$`.
        if matches!(&t.token, Token::Placeholder(p) if p.starts_with('$')) {
            return Err(errors::syntax_error(sql, &TokenWithSpan { token: Token::Char('$'), span: t.span }));
        }
        // Spark's raw strings `r'C:\dir'`: sqlparser lexes them as the word `r` followed by a string.
        if let (Some(prev), Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) = (out.last(), &t.token) {
            if let Token::Word(w) = &prev.token {
                if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("r") && prev.span.end == t.span.start {
                    let raw = match &t.token {
                        Token::SingleQuotedString(_) => Token::SingleQuotedRawStringLiteral(s.clone()),
                        _ => Token::DoubleQuotedRawStringLiteral(s.clone()),
                    };
                    let start = prev.span.start;
                    out.pop();
                    t = TokenWithSpan { token: raw, span: sqlparser::tokenizer::Span::new(start, t.span.end) };
                }
            }
        }
        if let (Some(prev), Token::Word(w)) = (out.last_mut(), &t.token) {
            if let Token::Number(n, long) = &prev.token {
                let adjacent = prev.span.end == t.span.start;
                if adjacent && w.quote_style.is_none() && literal::is_number_suffix(n, &w.value) {
                    prev.token = Token::Number(format!("{n}{}", w.value), *long);
                    prev.span.end = t.span.end;
                    continue;
                }
            }
        }
        out.push(t);
    }
    unkeyword_struct_of_star(&mut out);
    Ok(out)
}

/// `struct(*)` / `struct(t.*)`: sqlparser reads `STRUCT(` as a struct literal, whose fields cannot be a star; written
/// as the identifier `struct` it is an ordinary call, whose star argument the planner expands as Spark does.
fn unkeyword_struct_of_star(tokens: &mut [TokenWithSpan]) {
    let solid: Vec<usize> = (0..tokens.len()).filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_))).collect();
    for (k, &i) in solid.iter().enumerate() {
        let Token::Word(w) = &tokens[i].token else { continue };
        if w.quote_style.is_some() || !w.value.eq_ignore_ascii_case("struct") {
            continue;
        }
        let at = |n: usize| solid.get(k + n).map(|&j| &tokens[j].token);
        let star_first = matches!(at(2), Some(Token::Mul))
            || (matches!(at(2), Some(Token::Word(_)))
                && matches!(at(3), Some(Token::Period))
                && matches!(at(4), Some(Token::Mul)));
        if matches!(at(1), Some(Token::LParen)) && star_first {
            if let Token::Word(w) = &mut tokens[i].token {
                w.quote_style = Some('`');
                w.keyword = sqlparser::keywords::Keyword::NoKeyword;
            }
        }
    }
}

fn parser_for(sql: &str) -> Result<Parser<'static>> {
    static DIALECT: SparkDialect = SparkDialect;
    let tokens = tokenize(sql)?;
    if tokens.iter().all(|t| matches!(t.token, Token::Whitespace(_))) {
        return Err(errors::empty_statement(sql));
    }
    // sqlparser grows its stack as it recurses (its `recursive-protection` feature), so its nesting limit is only
    // ember's expression depth limit, as deep as Spark's parser goes, not its default of 50.
    Ok(Parser::new(&DIALECT).with_tokens_with_locations(tokens).with_recursion_limit(MAX_EXPR_DEPTH))
}

/// Inputs from this length on are parsed on their own thread with a `BIG_STACK`-byte stack. The passes that recurse
/// per nesting level grow their stacks themselves; what does not is the compiler's drop glue of a deep sqlparser
/// tree, which then runs on that thread.
const BIG_INPUT: usize = 4096;
const BIG_STACK: usize = 256 << 20;

fn on_big_stack<T: Send>(sql: &str, f: impl FnOnce(&str) -> Result<T> + Send) -> Result<T> {
    if sql.len() < BIG_INPUT {
        return f(sql);
    }
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("ember-sql-parse".into())
            .stack_size(BIG_STACK)
            .spawn_scoped(scope, || f(sql))
            .map_err(|e| EmberError::execution(format!("cannot start the SQL parser thread: {e}")))?;
        handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Fail with a syntax error at the first token left over. For expressions Spark's parser says "extra input" only
/// when dropping that one token would end the input (`x b c`); otherwise it reports the token alone (`x as y as z`).
fn expect_end(parser: &mut Parser, sql: &str, always_extra: bool) -> Result<()> {
    let next = parser.peek_token();
    if next.token == Token::EOF {
        return Ok(());
    }
    if always_extra || parser.peek_nth_token_ref(1).token == Token::EOF {
        return Err(errors::extra_input(sql, &next));
    }
    Err(errors::syntax_error(sql, &next))
}

/// Parse an optional alias after an expression: `AS name`, or a bare identifier (`a + 1 b`), as Spark does.
fn parse_optional_alias(parser: &mut Parser, sql: &str) -> Result<Option<String>> {
    let next = parser.peek_token();
    let Token::Word(w) = &next.token else { return Ok(None) };
    if w.quote_style.is_none() && w.keyword == Keyword::AS {
        parser.next_token();
        let name = parser.peek_token();
        return match &name.token {
            Token::Word(n) => {
                parser.next_token();
                Ok(Some(ident_value(&n.clone().into_ident(name.span))))
            }
            // Spark reads `x as` as `x` aliased to the keyword itself.
            Token::EOF => Ok(Some(w.value.clone())),
            _ => Err(errors::syntax_error(sql, &name)),
        };
    }
    parser.next_token();
    Ok(Some(ident_value(&w.clone().into_ident(next.span))))
}

/// An identifier's name: backquoted identifiers keep their content with doubled backquotes undone. Use it for every
/// `Ident` of a tree from `parse_query` (the tokenizer leaves quoting raw).
pub fn ident_value(ident: &Ident) -> String {
    match ident.quote_style {
        Some('`') => ident.value.replace("``", "`"),
        _ => ident.value.clone(),
    }
}

/// Parse `expr [[AS] alias]` covering the whole input.
fn parse_aliased(sql: &str, allow_star: bool) -> Result<(sqlparser::ast::Expr, Option<String>)> {
    let mut parser = parser_for(sql)?;
    let ast = if allow_star { parser.parse_wildcard_expr() } else { parser.parse_expr() };
    let ast = ast.map_err(|e| errors::parser_error(sql, e))?;
    let alias = parse_optional_alias(&mut parser, sql)?;
    expect_end(&mut parser, sql, false)?;
    Ok((ast, alias))
}

fn with_alias(expr: Expr, alias: Option<String>) -> Expr {
    match alias {
        Some(name) => expr.alias(&name),
        None => expr,
    }
}

/// One expression, optionally followed by an alias (`expr("a + 1 as b")` gives `Expr::Alias`).
pub fn parse_expression(sql: &str) -> Result<Expr> {
    on_big_stack(sql, parse_expression_here)
}

fn parse_expression_here(sql: &str) -> Result<Expr> {
    let (ast, alias) = parse_aliased(sql, false)?;
    let expr = convert_expr(&ast).map_err(|e| errors::with_sql_context(e, sql))?;
    Ok(with_alias(expr, alias))
}

/// The parts of a (possibly qualified, possibly backquoted) name from a `parse_query` tree: `` db.`my t` ``.
pub fn object_name_parts(name: &sqlparser::ast::ObjectName) -> Vec<String> {
    name.0.iter().map(|p| p.as_ident().map(ident_value).unwrap_or_else(|| p.to_string())).collect()
}

/// One `selectExpr` item: an expression with optional alias, `*` or `t.*` (`Expr::Star`).
pub fn parse_select_item(sql: &str) -> Result<Expr> {
    on_big_stack(sql, parse_select_item_here)
}

fn parse_select_item_here(sql: &str) -> Result<Expr> {
    let (ast, alias) = parse_aliased(sql, true)?;
    let expr = match &ast {
        sqlparser::ast::Expr::Wildcard(_) if alias.is_none() => Expr::Star(None),
        sqlparser::ast::Expr::QualifiedWildcard(name, _) if alias.is_none() => {
            // Parts holding a dot or backquote are backquoted again so `split_name_parts` recovers them.
            let parts: Vec<String> = name
                .0
                .iter()
                .map(|p| match p.as_ident().map(ident_value) {
                    Some(v) if v.contains(['.', '`']) => format!("`{}`", v.replace('`', "``")),
                    Some(v) => v,
                    None => p.to_string(),
                })
                .collect();
            Expr::Star(Some(parts.join(".")))
        }
        _ => convert_expr(&ast).map_err(|e| errors::with_sql_context(e, sql))?,
    };
    Ok(with_alias(expr, alias))
}

/// One statement for `spark.sql` (a query, `CREATE TEMP VIEW`, `SET`, …); the caller decides what it supports.
pub fn parse_statement(sql: &str) -> Result<Statement> {
    on_big_stack(sql, parse_statement_here)
}

fn parse_statement_here(sql: &str) -> Result<Statement> {
    let mut parser = parser_for(sql)?;
    let statement = parser.parse_statement().map_err(|e| errors::parser_error(sql, e))?;
    // A trailing `;` is allowed, as in Spark; anything after it is extra input.
    while parser.consume_token(&Token::SemiColon) {}
    expect_end(&mut parser, sql, true)?;
    Ok(statement)
}

/// One query for `spark.sql`: SELECT (with WITH, VALUES, set operations); other statements are refused.
pub fn parse_query(sql: &str) -> Result<Query> {
    match parse_statement(sql)? {
        Statement::Query(q) => Ok(*q),
        other => {
            let text = other.to_string();
            let head: String = text.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
            Err(EmberError::not_implemented(format!("Statement not supported by ember's spark.sql: {head} …")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::BinaryOp;
    use arrow::array::Array;
    use arrow::util::display::array_value_to_string;

    /// A compact rendering of an `Expr` for assertions: `lit(int:1)`, `col(a.b)`, `(+ col(x) lit(int:1))` …
    fn show(e: &Expr) -> String {
        let list = |v: &[Expr]| v.iter().map(show).collect::<Vec<_>>().join(" ");
        match e {
            Expr::Column(p) => format!("col({})", p.join(".")),
            Expr::Literal(l) => {
                let null = l.is_null() || l.data_type() == &arrow::datatypes::DataType::Null;
                let v = if null { "null".to_string() } else { array_value_to_string(&l.0, 0).unwrap() };
                format!("lit({}:{v})", crate::types::simple_string(l.data_type()))
            }
            Expr::Alias { expr, name } => format!("(as {} {name})", show(expr)),
            Expr::Cast { expr, to } => format!("(cast {} {})", show(expr), crate::types::simple_string(to)),
            Expr::Binary { op, left, right } => format!("({} {} {})", op.symbol(), show(left), show(right)),
            Expr::Not(x) => format!("(not {})", show(x)),
            Expr::Negative(x) => format!("(neg {})", show(x)),
            Expr::NamedLiteral { value, .. } => show(&Expr::Literal(value.clone())),
            Expr::IsNull(x) => format!("(isnull {})", show(x)),
            Expr::IsNotNull(x) => format!("(isnotnull {})", show(x)),
            Expr::Function { name, args, distinct } => {
                format!("{name}{}({})", if *distinct { "!distinct" } else { "" }, list(args))
            }
            Expr::CaseWhen { branches, otherwise } => {
                let b: Vec<String> = branches.iter().map(|(c, v)| format!("[{} {}]", show(c), show(v))).collect();
                let o = otherwise.as_ref().map(|o| format!(" else {}", show(o))).unwrap_or_default();
                format!("(case {}{o})", b.join(" "))
            }
            Expr::InList { expr, list: l, negated } => {
                format!("(in{} {} [{}])", if *negated { "!" } else { "" }, show(expr), list(l))
            }
            Expr::GetField { expr, name } => format!("(field {} {name})", show(expr)),
            Expr::GetItem { expr, key } => format!("(item {} {})", show(expr), show(key)),
            Expr::Sort { expr, ascending, nulls_first } => format!("(sort {} {ascending} {nulls_first})", show(expr)),
            Expr::Star(q) => format!("star({})", q.clone().unwrap_or_default()),
            Expr::Like { expr, pattern, negated, case_insensitive, escape } => format!(
                "({}{} {} {} {escape})",
                if *negated { "not" } else { "" },
                if *case_insensitive { "ilike" } else { "like" },
                show(expr),
                show(pattern)
            ),
            Expr::Window(w) => {
                format!("(over {} [{}] [{}])", show(&w.function), list(&w.partition_by), list(&w.order_by))
            }
            Expr::Attribute { name, .. } => format!("attr({name})"),
            Expr::UserFunction { func, args } => format!("{func:?}({})", list(args)),
            Expr::MultiAlias { expr, names } => format!("{} AS ({})", show(expr), names.join(", ")),
        }
    }

    fn p(sql: &str) -> String {
        match parse_expression(sql) {
            Ok(e) => show(&e),
            Err(e) => panic!("{sql}: {}", e.message()),
        }
    }

    fn err(sql: &str) -> EmberError {
        match parse_expression(sql) {
            Ok(e) => panic!("{sql} parsed: {}", show(&e)),
            Err(e) => e,
        }
    }

    #[test]
    fn identifiers() {
        assert_eq!(p("a"), "col(a)");
        assert_eq!(p("t.a"), "col(t.a)");
        assert_eq!(p("s.field.sub"), "col(s.field.sub)");
        assert_eq!(p("`weird name`"), "col(weird name)");
        assert_eq!(p("`a.b`.c"), "col(a.b.c)");
        assert_eq!(p("`a``b`"), "col(a`b)");
        // Keywords are column names where Spark allows it.
        assert_eq!(p("date + 1"), "(+ col(date) lit(int:1))");
        assert_eq!(p("interval + 1"), "(+ col(interval) lit(int:1))");
        assert_eq!(p("upper(trim)"), "upper(col(trim))");
        assert_eq!(p("struct = 'a'"), "(= col(struct) lit(string:a))");
        assert_eq!(p("t.order"), "col(t.order)");
        assert_eq!(p("key"), "col(key)");
    }

    #[test]
    fn numeric_literals_typed_as_spark() {
        assert_eq!(p("1"), "lit(int:1)");
        assert_eq!(p("10000000000"), "lit(bigint:10000000000)");
        assert_eq!(p("100000000000000000000"), "lit(decimal(21,0):100000000000000000000)");
        assert_eq!(p("1L"), "lit(bigint:1)");
        assert_eq!(p("1l"), "lit(bigint:1)");
        assert_eq!(p("1S"), "lit(smallint:1)");
        assert_eq!(p("1Y"), "lit(tinyint:1)");
        assert_eq!(p("1.5"), "lit(decimal(2,1):1.5)");
        assert_eq!(p(".5"), "lit(decimal(1,1):0.5)");
        assert_eq!(p("1.50"), "lit(decimal(3,2):1.50)");
        assert_eq!(p("1.5D"), "lit(double:1.5)");
        assert_eq!(p("1D"), "lit(double:1.0)");
        assert_eq!(p("1e3"), "lit(double:1000.0)");
        assert_eq!(p("1E-2"), "lit(double:0.01)");
        assert_eq!(p("1.5F"), "lit(float:1.5)");
        assert_eq!(p("1.5BD"), "lit(decimal(2,1):1.5)");
        assert_eq!(p("1BD"), "lit(decimal(1,0):1)");
        assert_eq!(p("-1"), "lit(int:-1)");
        assert_eq!(p("- 1"), "lit(int:-1)");
        assert_eq!(p("-2147483648"), "lit(int:-2147483648)");
        assert_eq!(p("2147483648"), "lit(bigint:2147483648)");
        assert_eq!(p("-1.5"), "lit(decimal(2,1):-1.5)");
        assert_eq!(p("-x"), "(neg col(x))");
        assert_eq!(p("-(1)"), "(neg lit(int:1))");
        // A suffix must touch the number: `1 L` is 1 aliased as L.
        assert_eq!(p("1 L"), "(as lit(int:1) L)");
    }

    #[test]
    fn other_literals() {
        assert_eq!(p("'x'"), "lit(string:x)");
        assert_eq!(p("\"x\""), "lit(string:x)");
        assert_eq!(p(r"'a\nb'"), "lit(string:a\nb)");
        assert_eq!(p(r"'it\'s'"), "lit(string:it's)");
        assert_eq!(p("'it''s'"), "lit(string:it's)");
        assert_eq!(p(r#""say \"hi\"""#), "lit(string:say \"hi\")");
        assert_eq!(p(r"'\u0041'"), "lit(string:A)");
        assert_eq!(p(r"'\%'"), r"lit(string:\%)");
        assert_eq!(p("'a' 'b'"), "lit(string:ab)");
        assert_eq!(p("'a' \"b\""), "lit(string:ab)");
        assert_eq!(p(r"r'\n'"), r"lit(string:\n)");
        assert_eq!(p(r#"R"a\b""#), r"lit(string:a\b)");
        assert_eq!(p("true"), "lit(boolean:true)");
        assert_eq!(p("FALSE"), "lit(boolean:false)");
        assert_eq!(p("NULL"), "lit(void:null)");
        assert_eq!(p("DATE '2024-01-01'"), "lit(date:2024-01-01)");
        assert_eq!(p("TIMESTAMP '2024-01-01 00:00:00'"), "(cast lit(string:2024-01-01 00:00:00) timestamp)");
        assert_eq!(p("TIMESTAMP_NTZ '2024-01-01'"), "lit(timestamp_ntz:2024-01-01T00:00:00)");
        assert_eq!(p("TIMESTAMP_LTZ '2024-01-01'"), "(cast lit(string:2024-01-01) timestamp)");
        assert_eq!(err("TIMESTAMP 'bad'").error_class(), Some("INVALID_TYPED_LITERAL"));
        let Expr::Literal(l) = parse_expression("X'0A1B'").unwrap() else { panic!() };
        assert_eq!(l.0.as_any().downcast_ref::<arrow::array::BinaryArray>().unwrap().value(0), &[0x0A, 0x1B]);
    }

    #[test]
    fn interval_literals() {
        let micros = |sql: &str| match parse_expression(sql).unwrap() {
            Expr::Literal(l) | Expr::NamedLiteral { value: l, .. } => {
                assert_eq!(l.data_type(), &crate::types::day_time_interval_type(), "{sql}");
                l.0.as_any().downcast_ref::<arrow::array::DurationMicrosecondArray>().unwrap().value(0)
            }
            other => panic!("{sql}: {}", show(&other)),
        };
        let h = 3_600_000_000i64;
        assert_eq!(micros("interval 1 hour"), h);
        assert_eq!(micros("INTERVAL '10' MINUTE"), 600_000_000);
        assert_eq!(micros("interval 2 hours 30 minutes"), 5 * h / 2);
        assert_eq!(micros("INTERVAL '1 day 2 hours'"), 26 * h);
        assert_eq!(micros("INTERVAL 1 DAY"), 24 * h);
        assert_eq!(micros("interval -1 hour"), -h);
        assert_eq!(micros("INTERVAL '1 02' DAY TO HOUR"), 26 * h);
        assert_eq!(micros("interval '1:30' hour to minute"), 3 * h / 2);
        assert_eq!(micros("interval 1 second 500 milliseconds"), 1_500_000);
        assert_eq!(micros("interval 1 week"), 7 * 24 * h);
        let hour = "lit(interval day to second:PT3600S)";
        assert_eq!(p("x + interval 1 hour"), format!("(+ col(x) {hour})"));
        assert_eq!(p("x - interval 1 hour - 1"), format!("(- (- col(x) {hour}) lit(int:1))"));
        assert_eq!(p("- interval 1 hour"), format!("(neg {hour})"));
        assert!(err("interval 1 year").kind() == crate::error::ErrorKind::NotImplemented);
        assert!(err("interval 1 month 1 day").kind() == crate::error::ErrorKind::Parse);
    }

    #[test]
    fn operators() {
        assert_eq!(p("x + 1"), "(+ col(x) lit(int:1))");
        assert_eq!(p("x + 1 * 2"), "(+ col(x) (* lit(int:1) lit(int:2)))");
        assert_eq!(p("(x + 1) * 2"), "(* (+ col(x) lit(int:1)) lit(int:2))");
        assert_eq!(p("1 + 2 + 3"), "(+ (+ lit(int:1) lit(int:2)) lit(int:3))");
        assert_eq!(p("x / 2 - x % 2"), "(- (/ col(x) lit(int:2)) (% col(x) lit(int:2)))");
        assert_eq!(p("x div 2 + 1"), "(+ (div col(x) lit(int:2)) lit(int:1))");
        assert_eq!(p("x = 1"), "(= col(x) lit(int:1))");
        assert_eq!(p("x == 1"), "(= col(x) lit(int:1))");
        assert_eq!(p("x != 1"), "(not (= col(x) lit(int:1)))");
        assert_eq!(p("x <> 1"), "(not (= col(x) lit(int:1)))");
        assert_eq!(p("x <=> 1"), "(<=> col(x) lit(int:1))");
        assert_eq!(
            p("x < 1 or x >= 2 and x <= 3"),
            "(OR (< col(x) lit(int:1)) (AND (>= col(x) lit(int:2)) (<= col(x) lit(int:3))))"
        );
        assert_eq!(p("x > 1 and not x < 3"), "(AND (> col(x) lit(int:1)) (not (< col(x) lit(int:3))))");
        assert_eq!(p("NOT x = 1"), "(not (= col(x) lit(int:1)))");
        assert_eq!(p("!(x > 1)"), "(not (> col(x) lit(int:1)))");
        assert_eq!(p("x = 1 = true"), "(= (= col(x) lit(int:1)) lit(boolean:true))");
        assert_eq!(p("x & 1 | 2 ^ 3"), "(| (& col(x) lit(int:1)) (^ lit(int:2) lit(int:3)))");
        assert_eq!(p("1 + 2 ^ 3"), "(^ (+ lit(int:1) lit(int:2)) lit(int:3))");
        assert_eq!(p("~x"), "~(col(x))");
        assert_eq!(p("+x"), "positive(col(x))");
        assert_eq!(p("s || 'a'"), "concat(col(s) lit(string:a))");
        // `||` binds like `+`, below `*`.
        assert_eq!(p("s || 1 * 2"), "concat(col(s) (* lit(int:1) lit(int:2)))");
        assert_eq!(p("-x * 2"), "(* (neg col(x)) lit(int:2))");
        assert_eq!(p("x << 2"), "<<(col(x) lit(int:2))");
        assert_eq!(p("x >> 1"), ">>(col(x) lit(int:1))");
        assert_eq!(p("x >>> 1"), ">>>(col(x) lit(int:1))");
        assert_eq!(p("1 + 1 << 2"), "<<((+ lit(int:1) lit(int:1)) lit(int:2))");
        assert_eq!(p("x << 1 & 3"), "(& <<(col(x) lit(int:1)) lit(int:3))");
        assert_eq!(p("x >>> 1 + 1"), ">>>(col(x) (+ lit(int:1) lit(int:1)))");
        assert_eq!(p("x > 1"), "(> col(x) lit(int:1))");
    }

    #[test]
    fn predicates() {
        assert_eq!(p("x is null"), "(isnull col(x))");
        assert_eq!(p("x IS NOT NULL"), "(isnotnull col(x))");
        assert_eq!(p("b is true"), "(<=> col(b) lit(boolean:true))");
        assert_eq!(p("b is not true"), "(not (<=> col(b) lit(boolean:true)))");
        assert_eq!(p("b is false"), "(<=> col(b) lit(boolean:false))");
        assert_eq!(p("b is unknown"), "(isnull col(b))");
        assert_eq!(p("x is distinct from 1"), "(not (<=> col(x) lit(int:1)))");
        assert_eq!(p("x is not distinct from 1"), "(<=> col(x) lit(int:1))");
        assert_eq!(p("x in (1, 2)"), "(in col(x) [lit(int:1) lit(int:2)])");
        assert_eq!(p("x not in (1,2)"), "(not (in col(x) [lit(int:1) lit(int:2)]))");
        assert_eq!(p("x between 1 and 2"), "between(col(x) lit(int:1) lit(int:2))");
        assert_eq!(p("x not between 1 and 2"), "(not between(col(x) lit(int:1) lit(int:2)))");
        assert_eq!(p("x between 1 and 2 and y"), "(AND between(col(x) lit(int:1) lit(int:2)) col(y))");
        assert_eq!(p("s like 'a%'"), r"(like col(s) lit(string:a%) \)");
        assert_eq!(p("s not like 'a%'"), r"(not (like col(s) lit(string:a%) \))");
        assert_eq!(p("s ilike 'A%'"), r"(ilike col(s) lit(string:A%) \)");
        assert_eq!(p("s like 'a!%' escape '!'"), "(like col(s) lit(string:a!%) !)");
        assert_eq!(p("s rlike 'a.*'"), "rlike(col(s) lit(string:a.*))");
        assert_eq!(p("s regexp 'a'"), "rlike(col(s) lit(string:a))");
        assert_eq!(p("s not rlike 'a'"), "(not rlike(col(s) lit(string:a)))");
    }

    #[test]
    fn case_cast_and_access() {
        assert_eq!(
            p("case when x > 0 then 'p' else 'n' end"),
            "(case [(> col(x) lit(int:0)) lit(string:p)] else lit(string:n))"
        );
        assert_eq!(
            p("case x when 1 then 'one' when 2 then 'two' end"),
            "(case [(= col(x) lit(int:1)) lit(string:one)] [(= col(x) lit(int:2)) lit(string:two)])"
        );
        assert_eq!(p("cast(x as string)"), "(cast col(x) string)");
        assert_eq!(p("CAST(x AS DECIMAL(10,2))"), "(cast col(x) decimal(10,2))");
        assert_eq!(p("cast(x as decimal)"), "(cast col(x) decimal(10,0))");
        assert_eq!(p("cast(x as long)"), "(cast col(x) bigint)");
        assert_eq!(p("x::bigint"), "(cast col(x) bigint)");
        assert_eq!(p("try_cast(s as int)"), "(cast col(s) int)");
        assert_eq!(p("cast(x as array<int>)"), "(cast col(x) array<int>)");
        assert_eq!(p("cast(x as array<array<int>>) >> 1"), ">>((cast col(x) array<array<int>>) lit(int:1))");
        assert_eq!(p("cast(x as map<string,int>)"), "(cast col(x) map<string,int>)");
        assert_eq!(p("cast(x as struct<a:int,b:string>)"), "(cast col(x) struct<a:int,b:string>)");
        assert_eq!(p("cast(x as timestamp)"), "(cast col(x) timestamp)");
        assert_eq!(p("a[0]"), "(item col(a) lit(int:0))");
        assert_eq!(p("m['k']"), "(item col(m) lit(string:k))");
        assert_eq!(p("a[0].f"), "(field (item col(a) lit(int:0)) f)");
        assert_eq!(p("s.f[1]"), "(item col(s.f) lit(int:1))");
        assert_eq!(p("array(1,2)[0]"), "(item array(lit(int:1) lit(int:2)) lit(int:0))");
    }

    #[test]
    fn function_calls() {
        assert_eq!(p("upper(s)"), "upper(col(s))");
        assert_eq!(p("UPPER(s)"), "upper(col(s))");
        assert_eq!(p("count(*)"), "count(lit(int:1))");
        assert_eq!(p("to_json(struct(*))"), "to_json(struct(star()))");
        assert_eq!(p("hash(t.*, x)"), "hash(star(t) col(x))");
        assert_eq!(p("struct(a, b)"), "struct(col(a) col(b))");
        assert_eq!(p("count(DISTINCT x)"), "count!distinct(col(x))");
        assert_eq!(p("coalesce(x, 1)"), "coalesce(col(x) lit(int:1))");
        assert_eq!(p("if(x > 0, 1, 2)"), "if((> col(x) lit(int:0)) lit(int:1) lit(int:2))");
        assert_eq!(p("current_date"), "current_date()");
        assert_eq!(p("current_timestamp()"), "current_timestamp()");
        assert_eq!(p("user"), "current_user()");
        assert_eq!(p("struct(x, 1 as a)"), "struct(col(x) (as lit(int:1) a))");
        assert_eq!(p("map('k', 1)"), "map(lit(string:k) lit(int:1))");
        assert_eq!(p("left(s, 2)"), "left(col(s) lit(int:2))");
        assert_eq!(p("substring(s, 1, 2)"), "substring(col(s) lit(int:1) lit(int:2))");
        assert_eq!(p("trim(s)"), "trim(col(s))");
        assert_eq!(p("position('b' in s)"), "locate(lit(string:b) col(s) lit(int:1))");
        assert_eq!(p("extract(year from d)"), "extract(lit(string:year) col(d))");
        assert_eq!(p("EXTRACT(Dow FROM d)"), "extract(lit(string:Dow) col(d))");
        assert_eq!(p("trim(both 'a' from s)"), "trim(lit(string:a) col(s))");
        assert_eq!(p("trim(leading 'a' from s)"), "ltrim(lit(string:a) col(s))");
        assert_eq!(p("struct(x, s).x"), "(field struct(col(x) col(s)) x)");
        assert_eq!(p("window(ts, '10 minutes')"), "window(col(ts) lit(string:10 minutes))");
        assert_eq!(
            p("row_number() over (partition by a order by b desc)"),
            "(over row_number() [col(a)] [(sort col(b) false false)])"
        );
        assert!(err("transform(a, e -> e + 1)").kind() == crate::error::ErrorKind::NotImplemented);
        assert!(err("x in (select 1)").kind() == crate::error::ErrorKind::NotImplemented);
        assert!(err("exists(select 1)").kind() == crate::error::ErrorKind::NotImplemented);
    }

    #[test]
    fn aliases_and_select_items() {
        assert_eq!(p("x + 1 as b"), "(as (+ col(x) lit(int:1)) b)");
        assert_eq!(p("x y"), "(as col(x) y)");
        assert_eq!(p("x as `weird name`"), "(as col(x) weird name)");
        assert_eq!(p("x as"), "(as col(x) as)");
        let item = |sql: &str| show(&parse_select_item(sql).unwrap());
        assert_eq!(item("*"), "star()");
        assert_eq!(item("t.*"), "star(t)");
        assert_eq!(item("a.b.*"), "star(a.b)");
        assert_eq!(item("`a.b`.*"), "star(`a.b`)");
        assert!(matches!(parse_select_item("* as x"), Err(e) if e.kind() == crate::error::ErrorKind::NotImplemented));
        assert_eq!(item("x + 1 z"), "(as (+ col(x) lit(int:1)) z)");
        assert_eq!(item("count(*) AS n"), "(as count(lit(int:1)) n)");
    }

    fn syntax(near: &str, pos: usize, sql: &str) -> String {
        format!(
            "\n[PARSE_SYNTAX_ERROR] Syntax error at or near {near}. SQLSTATE: 42601 (line 1, pos {pos})\n\n== SQL ==\n\
             {sql}\n{}^^^\n",
            "-".repeat(pos)
        )
    }

    #[test]
    fn syntax_errors_read_like_spark() {
        let e = err("a +");
        assert_eq!(e.error_class(), Some("PARSE_SYNTAX_ERROR"));
        assert_eq!(e.message(), syntax("end of input", 3, "a +"));
        assert_eq!(err("x b c").message(), syntax("'c': extra input 'c'", 4, "x b c"));
        assert_eq!(err("x)").message(), syntax("')': extra input ')'", 1, "x)"));
        assert_eq!(err("x,").message(), syntax("',': extra input ','", 1, "x,"));
        assert_eq!(err("x as y as z").message(), syntax("'as'", 7, "x as y as z"));
        assert_eq!(err("$x").message(), syntax("'$'", 0, "$x"));
        assert_eq!(err("x@y").message(), syntax("'@'", 1, "x@y"));
        assert_eq!(err("f(1,)").message(), syntax("')'", 4, "f(1,)"));
        assert_eq!(err("x = 'abc").message(), syntax("'''", 4, "x = 'abc"));
        assert_eq!(
            err("1 +\n\t2 +").message(),
            "\n[PARSE_SYNTAX_ERROR] Syntax error at or near end of input. SQLSTATE: 42601 (line 2, pos 4)\n\n\
             == SQL ==\n1 +\n\t2 +\n----^^^\n"
        );
        assert_eq!(err("(x").message(), syntax("end of input", 2, "(x"));
        assert_eq!(err("x = = 1").message(), syntax("'='", 4, "x = = 1"));
        assert_eq!(err("'unterminated").message(), syntax("'''", 0, "'unterminated"));
        assert_eq!(err("`a").message(), syntax("'`'", 0, "`a"));
        assert_eq!(err("cast(x as int").message(), syntax("end of input", 13, "cast(x as int"));
        assert_eq!(
            err("").message(),
            "\n[PARSE_EMPTY_STATEMENT] Syntax error, unexpected empty statement. SQLSTATE: 42617 (line 1, pos 0)\n\n\
             == SQL ==\n\n^^^\n"
        );
        assert_eq!(err("  ").error_class(), Some("PARSE_EMPTY_STATEMENT"));
    }

    #[test]
    fn conversion_errors_read_like_spark() {
        assert_eq!(
            err("date 'bad'").message(),
            "\n[INVALID_TYPED_LITERAL] The value of the typed literal \"DATE\" is invalid: 'bad'. SQLSTATE: 42604\n\
             == SQL (line 1, position 1) ==\ndate 'bad'\n^^^^^^^^^^\n"
        );
        assert_eq!(
            err("cast(x as foo)").message().lines().nth(1).unwrap(),
            "[UNSUPPORTED_DATATYPE] Unsupported data type \"FOO\". SQLSTATE: 0A000"
        );
        assert_eq!(
            err("x in ()").message(),
            "\n[INVALID_SQL_SYNTAX.EMPTY_IN_PREDICATE] Invalid SQL syntax: IN predicate requires at least one value. \
             Empty IN clauses like 'IN ()' are not allowed. Consider using 'WHERE FALSE' if you need an always-false \
             condition, or provide at least one value in the IN list. SQLSTATE: 42000\n== SQL (line 1, position 3) ==\n\
             x in ()\n  ^^^^^\n"
        );
        assert!(err("x not in ()").message().ends_with("== SQL (line 1, position 3) ==\nx not in ()\n  ^^^^^^^^^\n"));
        assert_eq!(err("x like 'a' escape 'ab'").error_class(), Some("INVALID_ESC"));
        assert_eq!(err("1e400").error_class(), Some("INVALID_NUMERIC_LITERAL_RANGE"));
    }

    #[test]
    fn long_and_deep_inputs() {
        // Only the top of the trees is inspected: `show` itself recurses with large frames.
        let chain = (0..5000).map(|i| format!("x = {i}")).collect::<Vec<_>>().join(" OR ");
        // A balanced tree, as Spark's parser builds: its right spine is log2(5000) levels, not 5000.
        let top = parse_expression(&chain).unwrap();
        let (mut right, mut levels) = (&top, 0);
        while let Expr::Binary { op: BinaryOp::Or, right: r, .. } = right {
            (right, levels) = (r, levels + 1);
        }
        assert_eq!(show(right), "(= col(x) lit(int:4999))");
        assert_eq!(levels, 12);
        let nested = format!("{}x{}", "(".repeat(1000), ")".repeat(1000)) + &" ".repeat(BIG_INPUT);
        assert_eq!(p(&nested), "col(x)");
        let calls = format!("{}x{}", "abs(".repeat(300), ")".repeat(300)) + &" ".repeat(BIG_INPUT);
        let Expr::Function { name, .. } = parse_expression(&calls).unwrap() else { panic!() };
        assert_eq!(name, "abs");
    }

    #[test]
    fn queries() {
        let q = parse_query("SELECT a, count(*) AS n FROM t WHERE x > 1 GROUP BY a;").unwrap();
        let sqlparser::ast::SetExpr::Select(select) = q.body.as_ref() else { panic!() };
        assert_eq!(select.projection.len(), 2);
        let sqlparser::ast::SelectItem::ExprWithAlias { expr, .. } = &select.projection[1] else { panic!() };
        assert_eq!(show(&convert_expr(expr).unwrap()), "count(lit(int:1))");
        for ok in [
            "with c as (select 1 a) select a from c",
            "select * from t lateral view outer explode(a) tt as e",
            "select a, count(*) from t group by a with rollup",
            "select a, row_number() over w from t window w as (partition by a order by b)",
            "select * from t1 left anti join t2 on t1.a = t2.a",
            "select /*+ BROADCAST(t) */ * from values (1, 2) as t(a, b)",
        ] {
            assert!(parse_query(ok).is_ok(), "{ok}");
        }
        assert_eq!(parse_query("select").unwrap_err().message(), syntax("end of input", 6, "select"));
        assert_eq!(parse_query("selec 1").unwrap_err().message(), syntax("'selec'", 0, "selec 1"));
        assert_eq!(
            parse_query("select 1; select 2").unwrap_err().message(),
            syntax("'select': extra input 'select'", 10, "select 1; select 2")
        );
        assert!(matches!(parse_query("drop table foo"), Err(e) if e.kind() == crate::error::ErrorKind::NotImplemented));
        let q = parse_query("select * from db.`my t`").unwrap();
        let sqlparser::ast::SetExpr::Select(select) = q.body.as_ref() else { panic!() };
        let sqlparser::ast::TableFactor::Table { name, .. } = &select.from[0].relation else { panic!() };
        assert_eq!(object_name_parts(name), vec!["db", "my t"]);
        for ok in [
            "CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1",
            "DROP VIEW IF EXISTS v",
            "SET spark.sql.shuffle.partitions=4",
            "CREATE TABLE t (a INT) USING parquet",
        ] {
            assert!(parse_statement(ok).is_ok(), "{ok}");
        }
    }
}
