//! `spark.sql`'s table and view commands (CREATE TABLE [AS SELECT], CREATE VIEW, DROP, INSERT, SHOW TABLES,
//! DESCRIBE, TRUNCATE) recognised from the statement text; anything else is a query for `sql_planner`.
//!
//! Spark's DDL clauses (`OPTIONS (k 'v')` without `=`, clauses in any order, `USING`, `PARTITIONED BY (col)`) are
//! not sqlparser's, so a small scanner reads the command's words and hands the column list to the DDL schema parser
//! and the query part, as text, to the query planner.
use crate::error::{EmberError, Result};

/// One `spark.sql` statement.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlStatement {
    /// A query: the text, planned by `sql_planner::plan_sql`.
    Query(String),
    CreateTable(CreateTable),
    /// CREATE [OR REPLACE] [[GLOBAL] TEMPORARY] VIEW; a view that is not temporary belongs to the catalog.
    CreateView {
        name: String,
        replace: bool,
        temporary: bool,
        global: bool,
        if_not_exists: bool,
        query: String,
    },
    Drop {
        name: String,
        view: bool,
        if_exists: bool,
    },
    /// INSERT INTO|OVERWRITE [TABLE] t [(cols)] query-or-VALUES.
    Insert {
        table: String,
        overwrite: bool,
        columns: Option<Vec<String>>,
        query: String,
    },
    ShowTables {
        namespace: Option<String>,
    },
    Describe {
        name: String,
        extended: bool,
    },
    Truncate {
        name: String,
    },
}

/// `CREATE TABLE` as written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreateTable {
    pub name: String,
    pub if_not_exists: bool,
    /// The column definitions' text (`a INT, b STRING`), for the DDL schema parser.
    pub columns: Option<String>,
    pub provider: Option<String>,
    pub partition_by: Vec<String>,
    pub location: Option<String>,
    pub options: Vec<(String, String)>,
    /// The query of CREATE TABLE … AS SELECT.
    pub as_query: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Ident(String),
    Str(String),
    Num(String),
    Punct(char),
}

struct Scanner<'a> {
    text: &'a str,
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if text[i..].starts_with("--") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if text[i..].starts_with("/*") {
            i = text[i + 2..].find("*/").map(|e| i + 2 + e + 2).unwrap_or(b.len());
        } else if c == b'`' {
            let start = i;
            let mut s = String::new();
            i += 1;
            loop {
                match text[i..].find('`') {
                    Some(e) => {
                        s.push_str(&text[i..i + e]);
                        i += e + 1;
                        if b.get(i) == Some(&b'`') {
                            s.push('`');
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    None => return Err(syntax_error(text, start)),
                }
            }
            out.push((Tok::Ident(s), start));
        } else if c == b'\'' || c == b'"' {
            let start = i;
            let mut j = i + 1;
            while j < b.len() && b[j] != c {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            if j >= b.len() {
                return Err(syntax_error(text, start));
            }
            out.push((Tok::Str(crate::expr::sql::unescape_spark_string(&text[i + 1..j], c as char)), start));
            i = j + 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let w = &text[start..i];
            let tok = if c.is_ascii_digit() { Tok::Num(w.to_string()) } else { Tok::Word(w.to_string()) };
            out.push((tok, start));
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push((Tok::Punct(ch), i));
            i += ch.len_utf8();
        }
    }
    Ok(out)
}

fn syntax_error(text: &str, at: usize) -> EmberError {
    let near: String = text[at.min(text.len())..].split_whitespace().next().unwrap_or("end of input").to_string();
    let near = if near.is_empty() { "end of input".to_string() } else { format!("'{near}'") };
    EmberError::parse_class("PARSE_SYNTAX_ERROR", format!("Syntax error at or near {near}. SQLSTATE: 42601"))
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }
    fn offset(&self) -> usize {
        self.toks.get(self.pos).map(|(_, o)| *o).unwrap_or(self.text.len())
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }
    fn kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn kws(&mut self, kws: &[&str]) -> bool {
        let save = self.pos;
        for k in kws {
            if !self.kw(k) {
                self.pos = save;
                return false;
            }
        }
        true
    }
    fn expect_kw(&mut self, kw: &str) -> Result<()> {
        if self.kw(kw) {
            Ok(())
        } else {
            Err(self.error())
        }
    }
    fn punct(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect_punct(&mut self, c: char) -> Result<()> {
        if self.punct(c) {
            Ok(())
        } else {
            Err(self.error())
        }
    }
    fn error(&self) -> EmberError {
        syntax_error(self.text, self.offset())
    }
    fn at_end(&self) -> bool {
        self.toks[self.pos..].iter().all(|(t, _)| *t == Tok::Punct(';'))
    }
    fn expect_end(&self) -> Result<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.error())
        }
    }
    fn ident(&mut self) -> Result<String> {
        match self.peek().cloned() {
            Some(Tok::Word(w)) | Some(Tok::Ident(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.error()),
        }
    }
    /// A dotted name, re-quoted where a part needs it so `split_name_parts` reads it back.
    fn name(&mut self) -> Result<String> {
        let mut parts = vec![self.ident_part()?];
        while self.punct('.') {
            parts.push(self.ident_part()?);
        }
        Ok(parts.join("."))
    }
    fn ident_part(&mut self) -> Result<String> {
        let quoted = matches!(self.peek(), Some(Tok::Ident(_)));
        let s = self.ident()?;
        Ok(if quoted || s.contains('.') { format!("`{}`", s.replace('`', "``")) } else { s })
    }
    fn string(&mut self) -> Result<String> {
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.error()),
        }
    }
    /// The text of a parenthesised list, without the parentheses.
    fn parenthesised(&mut self) -> Result<String> {
        let open = self.offset();
        self.expect_punct('(')?;
        let mut depth = 1;
        while let Some(t) = self.peek() {
            match t {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        let close = self.offset();
                        self.pos += 1;
                        return Ok(self.text[open + 1..close].to_string());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Err(self.error())
    }
    fn ident_list(&mut self) -> Result<Vec<String>> {
        self.expect_punct('(')?;
        let mut out = vec![self.ident()?];
        while self.punct(',') {
            out.push(self.ident()?);
        }
        self.expect_punct(')')?;
        Ok(out)
    }
    /// `OPTIONS (key [=] value, …)`: keys are dotted names or strings; values strings, numbers or booleans.
    fn options(&mut self) -> Result<Vec<(String, String)>> {
        self.expect_punct('(')?;
        let mut out = Vec::new();
        loop {
            let key = match self.peek().cloned() {
                Some(Tok::Str(s)) => {
                    self.pos += 1;
                    s
                }
                _ => {
                    let mut parts = vec![self.ident()?];
                    while self.punct('.') {
                        parts.push(self.ident()?);
                    }
                    parts.join(".")
                }
            };
            self.punct('=');
            let value = match self.peek().cloned() {
                Some(Tok::Str(s)) => s,
                Some(Tok::Num(n)) => n,
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") => {
                    w.to_ascii_lowercase()
                }
                _ => return Err(self.error()),
            };
            self.pos += 1;
            out.push((key, value));
            if !self.punct(',') {
                break;
            }
        }
        self.expect_punct(')')?;
        Ok(out)
    }
    /// The rest of the statement as text (a query), without a trailing `;`.
    fn rest(&mut self) -> Result<String> {
        if self.at_end() {
            return Err(self.error());
        }
        let text = self.text[self.offset()..].trim().trim_end_matches(';').trim_end().to_string();
        self.pos = self.toks.len();
        Ok(text)
    }
}

/// Recognise a command; `SqlStatement::Query` for everything else.
pub fn parse_sql_statement(text: &str) -> Result<SqlStatement> {
    let toks = match lex(text) {
        Ok(t) => t,
        // Leave text this scanner cannot read to the query parser and its errors.
        Err(_) => return Ok(SqlStatement::Query(text.to_string())),
    };
    let mut s = Scanner { text, toks, pos: 0 };
    if s.kw("CREATE") {
        return create(&mut s);
    }
    if s.kw("DROP") {
        let view = if s.kw("VIEW") {
            true
        } else {
            s.expect_kw("TABLE")?;
            false
        };
        let if_exists = s.kws(&["IF", "EXISTS"]);
        let name = s.name()?;
        s.kw("PURGE");
        s.expect_end()?;
        return Ok(SqlStatement::Drop { name, view, if_exists });
    }
    if s.kw("INSERT") {
        let overwrite = if s.kw("OVERWRITE") {
            true
        } else {
            s.expect_kw("INTO")?;
            false
        };
        s.kw("TABLE");
        let table = s.name()?;
        let columns =
            if s.peek() == Some(&Tok::Punct('(')) && !peek_query_in_parens(&s) { Some(s.ident_list()?) } else { None };
        let query = s.rest()?;
        return Ok(SqlStatement::Insert { table, overwrite, columns, query });
    }
    if s.kw("SHOW") {
        s.expect_kw("TABLES")?;
        let namespace = if s.kw("IN") || s.kw("FROM") { Some(s.name()?) } else { None };
        s.expect_end()?;
        return Ok(SqlStatement::ShowTables { namespace });
    }
    if s.kw("DESCRIBE") || s.kw("DESC") {
        if s.is_kw("QUERY") || s.is_kw("FUNCTION") || s.is_kw("DATABASE") || s.is_kw("SCHEMA") || s.is_kw("CATALOG") {
            return Err(EmberError::not_implemented(format!(
                "Statement not supported by ember's spark.sql: {}",
                text.trim()
            )));
        }
        // TABLE is optional; a table may itself be named `table` only when quoted.
        if s.is_kw("TABLE") && s.toks.len() > s.pos + 1 {
            s.pos += 1;
        }
        let extended = s.kw("EXTENDED") || s.kw("FORMATTED");
        let name = s.name()?;
        s.expect_end()?;
        return Ok(SqlStatement::Describe { name, extended });
    }
    if s.kw("TRUNCATE") {
        s.expect_kw("TABLE")?;
        let name = s.name()?;
        if s.is_kw("PARTITION") {
            return Err(EmberError::not_implemented("TRUNCATE TABLE … PARTITION is not supported by ember yet"));
        }
        s.expect_end()?;
        return Ok(SqlStatement::Truncate { name });
    }
    Ok(SqlStatement::Query(text.to_string()))
}

/// Whether the `(` at the scanner starts a parenthesised query (`INSERT INTO t (SELECT …)`) rather than columns.
fn peek_query_in_parens(s: &Scanner<'_>) -> bool {
    matches!(s.toks.get(s.pos + 1), Some((Tok::Word(w), _))
        if ["SELECT", "VALUES", "WITH", "FROM", "TABLE"].iter().any(|k| w.eq_ignore_ascii_case(k)))
}

fn create(s: &mut Scanner<'_>) -> Result<SqlStatement> {
    let replace = s.kws(&["OR", "REPLACE"]);
    let global = s.kw("GLOBAL");
    let temporary = s.kw("TEMPORARY") || s.kw("TEMP");
    if s.kw("VIEW") {
        let if_not_exists = s.kws(&["IF", "NOT", "EXISTS"]);
        let name = s.name()?;
        if s.peek() == Some(&Tok::Punct('(')) {
            return Err(EmberError::not_implemented("CREATE VIEW with a column list is not supported by ember yet"));
        }
        s.expect_kw("AS")?;
        let query = s.rest()?;
        return Ok(SqlStatement::CreateView { name, replace, temporary, global, if_not_exists, query });
    }
    if replace || global || temporary {
        if temporary && s.is_kw("TABLE") {
            return Err(EmberError::not_implemented(
                "CREATE TEMPORARY TABLE is not supported by ember; use CREATE TEMPORARY VIEW",
            ));
        }
        if replace {
            return Err(EmberError::not_implemented("CREATE OR REPLACE TABLE is not supported by ember yet"));
        }
        return Err(s.error());
    }
    s.kw("EXTERNAL");
    if !s.kw("TABLE") {
        return Ok(SqlStatement::Query(s.text.to_string()));
    }
    let mut t = CreateTable { if_not_exists: s.kws(&["IF", "NOT", "EXISTS"]), name: s.name()?, ..Default::default() };
    if s.peek() == Some(&Tok::Punct('(')) {
        t.columns = Some(s.parenthesised()?);
    }
    loop {
        if s.kw("USING") {
            t.provider = Some(s.ident()?);
        } else if s.kws(&["PARTITIONED", "BY"]) {
            t.partition_by = s.ident_list()?;
        } else if s.kw("LOCATION") {
            t.location = Some(s.string()?);
        } else if s.kw("OPTIONS") {
            t.options.extend(s.options()?);
        } else if s.kw("COMMENT") {
            s.string()?;
        } else if s.kw("TBLPROPERTIES") {
            s.options()?;
        } else if s.kw("AS") {
            t.as_query = Some(s.rest()?);
        } else if s.at_end() {
            break;
        } else if s.is_kw("SELECT") || s.is_kw("WITH") || s.is_kw("VALUES") {
            t.as_query = Some(s.rest()?);
        } else if s.is_kw("STORED") || s.is_kw("ROW") || s.is_kw("CLUSTERED") {
            return Err(EmberError::not_implemented(format!(
                "CREATE TABLE … {} is not supported by ember (Hive tables and bucketing)",
                s.ident()?.to_ascii_uppercase()
            )));
        } else {
            return Err(s.error());
        }
    }
    Ok(SqlStatement::CreateTable(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_table_clauses_in_any_order() {
        let SqlStatement::CreateTable(t) = parse_sql_statement(
            "create table if not exists db.`T 1` (a INT, b STRING) USING csv OPTIONS (header 'true', 'sep' = ';') PARTITIONED BY (b) LOCATION '/tmp/x';",
        )
        .unwrap() else {
            panic!()
        };
        assert!(t.if_not_exists);
        assert_eq!(t.name, "db.`T 1`");
        assert_eq!(t.columns.as_deref(), Some("a INT, b STRING"));
        assert_eq!(t.provider.as_deref(), Some("csv"));
        assert_eq!(t.options, vec![("header".into(), "true".into()), ("sep".into(), ";".into())]);
        assert_eq!(t.partition_by, vec!["b".to_string()]);
        assert_eq!(t.location.as_deref(), Some("/tmp/x"));
    }

    #[test]
    fn ctas_insert_and_others() {
        let SqlStatement::CreateTable(t) = parse_sql_statement("CREATE TABLE t USING json AS SELECT 1 AS x").unwrap()
        else {
            panic!()
        };
        assert_eq!(t.as_query.as_deref(), Some("SELECT 1 AS x"));
        assert_eq!(
            parse_sql_statement("INSERT INTO t (b, a) VALUES ('x', 1)").unwrap(),
            SqlStatement::Insert {
                table: "t".into(),
                overwrite: false,
                columns: Some(vec!["b".into(), "a".into()]),
                query: "VALUES ('x', 1)".into()
            }
        );
        assert_eq!(
            parse_sql_statement("insert overwrite table t select 1").unwrap(),
            SqlStatement::Insert { table: "t".into(), overwrite: true, columns: None, query: "select 1".into() }
        );
        assert_eq!(
            parse_sql_statement("DROP TABLE IF EXISTS default.t").unwrap(),
            SqlStatement::Drop { name: "default.t".into(), view: false, if_exists: true }
        );
        assert_eq!(
            parse_sql_statement("show tables in default").unwrap(),
            SqlStatement::ShowTables { namespace: Some("default".into()) }
        );
        assert_eq!(
            parse_sql_statement("DESC TABLE EXTENDED t").unwrap(),
            SqlStatement::Describe { name: "t".into(), extended: true }
        );
        assert!(matches!(
            parse_sql_statement("CREATE OR REPLACE TEMP VIEW v AS SELECT 1").unwrap(),
            SqlStatement::CreateView { replace: true, global: false, .. }
        ));
        assert_eq!(parse_sql_statement("select 1").unwrap(), SqlStatement::Query("select 1".into()));
        assert!(parse_sql_statement("DROP TABLE").is_err());
    }
}
