//! Spark DDL strings (`"id INT, s STRUCT<a: INT>"`) to Arrow types, Spark schema JSON, and back to Spark's SQL names.
use std::collections::HashMap;

use arrow::datatypes::{DataType, Field, Fields, IntervalUnit, TimeUnit};
use serde_json::{json, Value};

use super::{array_type, day_time_interval_type, map_type, timestamp_ntz_type, timestamp_type, MAX_DECIMAL_PRECISION};
use crate::error::{EmberError, Result};

/// Arrow field-metadata key holding a Spark field's metadata object as JSON text (e.g. a DDL `COMMENT`).
pub const SPARK_METADATA_KEY: &str = "spark.metadata";

/// Parses one Spark DDL type (`int`, `decimal(10,2)`, `array<struct<a:int>>`, …) to its Arrow type.
pub fn parse_ddl_type(s: &str) -> Result<DataType> {
    let ty = Parser::new(s)?.single_type()?;
    resolve_type(s, &ty)?.to_arrow()
}

/// Parses a DDL schema (`"a INT, b STRING NOT NULL"`, `"a: int, b: string"` or `"struct<a:int>"`) to Arrow fields.
pub fn parse_ddl_schema(s: &str) -> Result<Fields> {
    match parse_spark(s)? {
        SparkType::Struct(fields) => fields_to_arrow(&fields),
        // A lone non-struct type is not a schema: report it the way Spark's table-schema parser does.
        _ => Err(table_schema(s).err().unwrap_or_else(|| EmberError::parse("not a schema"))),
    }
}

/// Spark's strict `StructType.fromDDL` (`spark.read.schema("a INT, b STRING")`): column definitions only.
pub fn parse_table_schema(s: &str) -> Result<Fields> {
    fields_to_arrow(&table_schema(s)?)
}

/// Spark's `DataType.fromDDL` (schema strings of `from_json` and friends): one data type, else a table schema;
/// when both fail the data-type error is reported.
pub fn data_type_from_ddl(s: &str) -> Result<DataType> {
    let first = match Parser::new(s).and_then(|mut p| p.single_type()).and_then(|t| resolve_type(s, &t)) {
        Ok(t) => return t.to_arrow(),
        Err(e) => e,
    };
    match table_schema(s) {
        Ok(fields) => Ok(DataType::Struct(fields_to_arrow(&fields)?)),
        Err(_) => Err(first),
    }
}

/// What PySpark's `_parse_datatype_string` yields, as Arrow: a struct for a schema string, else the single type.
pub fn parse_ddl(s: &str) -> Result<DataType> {
    parse_spark(s)?.to_arrow()
}

/// PySpark's `_parse_datatype_string(s)` as Spark schema JSON (what the JVM's `ddlToJson` hands to Python).
pub fn ddl_to_spark_json(s: &str) -> Result<String> {
    Ok(super::spark_json::to_python_json(&parse_spark(s)?.json_value()))
}

/// Spark's SQL name of a type (`DataType.sql`): `INT`, `ARRAY<STRING>`, `STRUCT<a: INT, `b c`: STRING>`, …
pub fn type_to_ddl(dt: &DataType) -> String {
    match dt {
        DataType::Null => "VOID".into(),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Decimal128(p, s) => format!("DECIMAL({p},{s})"),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "STRING".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "BINARY".into(),
        DataType::Date32 | DataType::Date64 => "DATE".into(),
        DataType::Timestamp(_, Some(_)) => "TIMESTAMP".into(),
        DataType::Timestamp(_, None) => "TIMESTAMP_NTZ".into(),
        DataType::Duration(_) => "INTERVAL DAY TO SECOND".into(),
        DataType::Interval(IntervalUnit::YearMonth) => "INTERVAL YEAR TO MONTH".into(),
        DataType::Interval(_) => "INTERVAL".into(),
        DataType::List(f) | DataType::LargeList(f) => format!("ARRAY<{}>", type_to_ddl(f.data_type())),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                format!("MAP<{}, {}>", type_to_ddl(kv[0].data_type()), type_to_ddl(kv[1].data_type()))
            }
            other => type_to_ddl(other),
        },
        DataType::Struct(fields) => {
            let parts: Vec<String> = fields.iter().map(|f| field_to_ddl(f, ": ")).collect();
            format!("STRUCT<{}>", parts.join(", "))
        }
        DataType::Dictionary(_, v) => type_to_ddl(v),
        other => super::simple_string(&super::canonical(other)).to_uppercase(),
    }
}

/// Spark's `StructType.toDDL`: `a INT NOT NULL,b STRING` (top-level columns joined by a bare comma).
pub fn fields_to_ddl(fields: &Fields) -> String {
    fields.iter().map(|f| field_to_ddl(f, " ")).collect::<Vec<_>>().join(",")
}

fn field_to_ddl(f: &Field, sep: &str) -> String {
    let mut s = format!("{}{sep}{}", quote_if_needed(f.name()), type_to_ddl(f.data_type()));
    if !f.is_nullable() {
        s.push_str(" NOT NULL");
    }
    if let Some(comment) = field_comment(f) {
        s.push_str(" COMMENT '");
        s.push_str(&comment.replace('\\', "\\\\").replace('\'', "\\'"));
        s.push('\'');
    }
    s
}

pub fn field_comment(f: &Field) -> Option<String> {
    let meta: Value = serde_json::from_str(f.metadata().get(SPARK_METADATA_KEY)?).ok()?;
    meta.get("comment")?.as_str().map(str::to_string)
}

/// Spark's `quoteIfNeeded`: plain `[A-Za-z0-9_]+` names (not all digits) stay bare, others get backquotes.
pub fn quote_if_needed(name: &str) -> String {
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.chars().all(|c| c.is_ascii_digit());
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// A Spark type as written in DDL, before mapping to Arrow: keeps what Arrow cannot (char/varchar lengths,
/// interval fields, collations), so the JSON handed to Python matches Spark's.
#[derive(Debug, Clone, PartialEq)]
enum SparkType {
    Boolean,
    Byte,
    Short,
    Int,
    Long,
    Float,
    Double,
    Decimal(u8, i8),
    String(Option<String>),
    Char(u64),
    Varchar(u64),
    Binary,
    Date,
    Timestamp,
    TimestampNtz,
    Void,
    Variant,
    Time(u64),
    CalendarInterval,
    DayTime(u8, u8),
    YearMonth(u8, u8),
    Array(Box<SparkType>),
    Map(Box<SparkType>, Box<SparkType>),
    Struct(Vec<SparkField>),
}

#[derive(Debug, Clone, PartialEq)]
struct SparkField {
    name: String,
    ty: SparkType,
    nullable: bool,
    comment: Option<String>,
}

impl SparkField {
    /// The field's Spark metadata: its comment, and its collated strings as a path → collation map (Spark writes
    /// the types themselves as plain "string").
    fn metadata(&self) -> Value {
        let mut meta = serde_json::Map::new();
        if let Some(c) = &self.comment {
            meta.insert("comment".into(), json!(c));
        }
        let mut collations = serde_json::Map::new();
        collect_collations(&self.ty, &self.name, &mut collations);
        if !collations.is_empty() {
            meta.insert("__COLLATIONS".into(), Value::Object(collations));
        }
        Value::Object(meta)
    }
}

const DAY_TIME_UNITS: [&str; 4] = ["day", "hour", "minute", "second"];
const YEAR_MONTH_UNITS: [&str; 2] = ["year", "month"];

impl SparkType {
    fn to_arrow(&self) -> Result<DataType> {
        Ok(match self {
            SparkType::Boolean => DataType::Boolean,
            SparkType::Byte => DataType::Int8,
            SparkType::Short => DataType::Int16,
            SparkType::Int => DataType::Int32,
            SparkType::Long => DataType::Int64,
            SparkType::Float => DataType::Float32,
            SparkType::Double => DataType::Float64,
            SparkType::Decimal(p, s) => DataType::Decimal128(*p, *s),
            SparkType::String(_) | SparkType::Char(_) | SparkType::Varchar(_) => DataType::Utf8,
            SparkType::Binary => DataType::Binary,
            SparkType::Date => DataType::Date32,
            SparkType::Timestamp => timestamp_type(),
            SparkType::TimestampNtz => timestamp_ntz_type(),
            SparkType::Void => DataType::Null,
            SparkType::CalendarInterval => DataType::Interval(IntervalUnit::MonthDayNano),
            SparkType::DayTime(_, _) => day_time_interval_type(),
            SparkType::YearMonth(_, _) => DataType::Interval(IntervalUnit::YearMonth),
            SparkType::Time(_) => DataType::Time64(TimeUnit::Microsecond),
            SparkType::Variant => return Err(EmberError::not_implemented("VARIANT type is not supported by ember")),
            SparkType::Array(e) => array_type(e.to_arrow()?, true),
            SparkType::Map(k, v) => map_type(k.to_arrow()?, v.to_arrow()?, true),
            SparkType::Struct(fields) => DataType::Struct(fields_to_arrow(fields)?),
        })
    }

    /// Spark's JSON for the type, keys in the sorted order PySpark's `json()` writes.
    fn json_value(&self) -> Value {
        match self {
            SparkType::Boolean => json!("boolean"),
            SparkType::Byte => json!("byte"),
            SparkType::Short => json!("short"),
            SparkType::Int => json!("integer"),
            SparkType::Long => json!("long"),
            SparkType::Float => json!("float"),
            SparkType::Double => json!("double"),
            SparkType::Decimal(p, s) => json!(format!("decimal({p},{s})")),
            SparkType::String(None) => json!("string"),
            SparkType::String(Some(c)) => json!(format!("string collate {c}")),
            SparkType::Char(n) => json!(format!("char({n})")),
            SparkType::Varchar(n) => json!(format!("varchar({n})")),
            SparkType::Binary => json!("binary"),
            SparkType::Date => json!("date"),
            SparkType::Timestamp => json!("timestamp"),
            SparkType::TimestampNtz => json!("timestamp_ntz"),
            SparkType::Void => json!("void"),
            SparkType::Variant => json!("variant"),
            SparkType::Time(p) => json!(format!("time({p})")),
            SparkType::CalendarInterval => json!("interval"),
            SparkType::DayTime(s, e) => json!(interval_name(&DAY_TIME_UNITS, *s, *e)),
            SparkType::YearMonth(s, e) => json!(interval_name(&YEAR_MONTH_UNITS, *s, *e)),
            SparkType::Array(e) => json!({"containsNull": true, "elementType": e.json_value(), "type": "array"}),
            SparkType::Map(k, v) => json!({
                "keyType": k.json_value(), "type": "map", "valueContainsNull": true, "valueType": v.json_value()
            }),
            SparkType::Struct(fields) => {
                let fields: Vec<Value> = fields
                    .iter()
                    .map(|f| {
                        json!({
                            "metadata": f.metadata(),
                            "name": f.name,
                            "nullable": f.nullable,
                            "type": strip_collations(&f.ty).json_value(),
                        })
                    })
                    .collect();
                json!({"fields": fields, "type": "struct"})
            }
        }
    }
}

/// Collated strings reachable from a field without entering nested structs, keyed by Spark's field path.
fn collect_collations(ty: &SparkType, path: &str, out: &mut serde_json::Map<String, Value>) {
    match ty {
        SparkType::String(Some(c)) => {
            let provider = if c.starts_with("UTF8") { "spark" } else { "icu" };
            out.insert(path.to_string(), json!(format!("{provider}.{c}")));
        }
        SparkType::Array(e) => collect_collations(e, &format!("{path}.element"), out),
        SparkType::Map(k, v) => {
            collect_collations(k, &format!("{path}.key"), out);
            collect_collations(v, &format!("{path}.value"), out);
        }
        _ => {}
    }
}

fn strip_collations(ty: &SparkType) -> SparkType {
    match ty {
        SparkType::String(_) => SparkType::String(None),
        SparkType::Array(e) => SparkType::Array(Box::new(strip_collations(e))),
        SparkType::Map(k, v) => SparkType::Map(Box::new(strip_collations(k)), Box::new(strip_collations(v))),
        other => other.clone(),
    }
}

fn interval_name(units: &[&str], start: u8, end: u8) -> String {
    if start == end {
        format!("interval {}", units[start as usize])
    } else {
        format!("interval {} to {}", units[start as usize], units[end as usize])
    }
}

fn fields_to_arrow(fields: &[SparkField]) -> Result<Fields> {
    fields
        .iter()
        .map(|f| {
            let field = Field::new(&f.name, f.ty.to_arrow()?, f.nullable);
            let meta = f.metadata();
            Ok(if meta.as_object().is_some_and(|m| m.is_empty()) {
                field
            } else {
                field.with_metadata(HashMap::from([(SPARK_METADATA_KEY.to_string(), meta.to_string())]))
            })
        })
        .collect::<Result<Vec<Field>>>()
        .map(Fields::from)
}

/// PySpark's fallback chain: a table schema, else one data type, else `struct<…>` around the string (the legacy
/// `a: int, b: string` form); when all fail, the table-schema error is the one reported.
fn parse_spark(s: &str) -> Result<SparkType> {
    let first = match table_schema(s) {
        Ok(fields) => return Ok(SparkType::Struct(fields)),
        Err(e) => e,
    };
    if let Ok(ty) = Parser::new(s).and_then(|mut p| p.single_type()).and_then(|t| resolve_type(s, &t)) {
        return Ok(ty);
    }
    let wrapped = format!("struct<{}>", s.trim());
    if let Ok(ty) = Parser::new(&wrapped).and_then(|mut p| p.single_type()).and_then(|t| resolve_type(&wrapped, &t)) {
        return Ok(ty);
    }
    Err(first)
}

fn table_schema(s: &str) -> Result<Vec<SparkField>> {
    let cols = Parser::new(s)?.table_schema()?;
    cols.iter().map(|c| resolve_field(s, c)).collect()
}

// ---- lexer ----

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// Unquoted identifier or keyword (`[A-Za-z0-9_]+` with at least one non-digit).
    Word(String),
    /// Backquoted identifier, unescaped.
    Quoted(String),
    /// Unsigned integer literal.
    Int(String),
    /// String literal, unescaped.
    Str(String),
    Punct(&'static str),
    /// A character the grammar has no use for (`;`, `.`, …), or an unterminated quote.
    Other(String),
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// Character offset in the input (Spark reports `pos` in characters).
    pos: usize,
    /// The source text, as Spark quotes it in syntax errors.
    text: String,
}

fn lex(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
            continue;
        }
        let tok = if c.is_alphanumeric() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect();
            if w.chars().all(|c| c.is_ascii_digit()) {
                Tok::Int(w)
            } else {
                Tok::Word(w)
            }
        } else if c == '`' {
            let mut name = String::new();
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                if chars[i] == '`' {
                    if chars.get(i + 1) == Some(&'`') {
                        name.push('`');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    closed = true;
                    break;
                }
                name.push(chars[i]);
                i += 1;
            }
            if !closed {
                out.push(Token { tok: Tok::Other("`".into()), pos: start, text: "`".into() });
                break;
            }
            Tok::Quoted(name)
        } else if c == '\'' || c == '"' {
            match lex_string(&chars, &mut i, c) {
                Some(s) => Tok::Str(s),
                None => {
                    out.push(Token { tok: Tok::Other(c.to_string()), pos: start, text: c.to_string() });
                    break;
                }
            }
        } else {
            i += 1;
            match c {
                '<' if chars.get(i) == Some(&'>') => {
                    i += 1;
                    Tok::Punct("<>")
                }
                '<' => Tok::Punct("<"),
                '>' => Tok::Punct(">"),
                '(' => Tok::Punct("("),
                ')' => Tok::Punct(")"),
                ',' => Tok::Punct(","),
                ':' => Tok::Punct(":"),
                '-' => Tok::Punct("-"),
                other => Tok::Other(other.to_string()),
            }
        };
        out.push(Token { tok, pos: start, text: chars[start..i].iter().collect() });
    }
    out.push(Token { tok: Tok::Eof, pos: chars.len(), text: String::new() });
    out
}

/// Reads a quoted string literal starting at `chars[*i] == quote`: backslash escapes and a doubled quote.
fn lex_string(chars: &[char], i: &mut usize, quote: char) -> Option<String> {
    let mut s = String::new();
    *i += 1;
    while *i < chars.len() {
        let c = chars[*i];
        if c == '\\' && *i + 1 < chars.len() {
            let n = chars[*i + 1];
            *i += 2;
            match n {
                'n' => s.push('\n'),
                't' => s.push('\t'),
                'r' => s.push('\r'),
                'b' => s.push('\u{8}'),
                '0' => s.push('\0'),
                'Z' => s.push('\u{1a}'),
                '%' | '_' => {
                    s.push('\\');
                    s.push(n);
                }
                'u' if *i + 4 <= chars.len() => {
                    let hex: String = chars[*i..*i + 4].iter().collect();
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) => {
                            s.push(ch);
                            *i += 4;
                        }
                        None => s.push('u'),
                    }
                }
                other => s.push(other),
            }
            continue;
        }
        *i += 1;
        if c == quote {
            if chars.get(*i) == Some(&quote) {
                s.push(quote);
                *i += 1;
                continue;
            }
            return Some(s);
        }
        s.push(c);
    }
    None
}

// ---- parser (syntax only; type names are checked afterwards, as Spark reports syntax errors first) ----

#[derive(Debug, Clone)]
enum RawType {
    /// `name` or `name(1, 2)`; `text` is the tokens joined without spaces (Spark's `ctx.getText`).
    Prim {
        name: String,
        params: Vec<String>,
        pos: usize,
        text: String,
    },
    StringType {
        collation: Option<String>,
    },
    Interval {
        start: Option<String>,
        end: Option<String>,
        pos: usize,
    },
    Array(Box<RawType>),
    Map(Box<RawType>, Box<RawType>),
    Struct(Vec<RawField>),
}

#[derive(Debug, Clone)]
struct RawField {
    name: String,
    ty: RawType,
    not_null: bool,
    comment: Option<String>,
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    at: usize,
    /// Types open at `at`: the parser recurses per level, so nesting is bounded before the stack runs out.
    depth: usize,
}

/// Nested types deeper than this are refused (no real schema comes near; the stack would run out far above it).
const MAX_TYPE_DEPTH: usize = 100;

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Result<Self> {
        Ok(Parser { src, toks: lex(src), at: 0, depth: 0 })
    }

    fn peek(&self) -> &Token {
        &self.toks[self.at]
    }

    fn peek_at(&self, k: usize) -> &Token {
        &self.toks[(self.at + k).min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.at].clone();
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }

    fn is_word(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek().tok, Tok::Punct(q) if q == p)
    }

    fn expect_punct(&mut self, p: &str) -> Result<()> {
        if self.is_punct(p) {
            self.bump();
            Ok(())
        } else if self.peek().tok == Tok::Eof {
            // ANTLR's single-token-insertion report.
            let msg = format!("Syntax error at or near end of input: missing '{p}'.");
            Err(located_error(self.src, "PARSE_SYNTAX_ERROR", &msg, "42601", self.peek().pos))
        } else {
            Err(self.syntax_error())
        }
    }

    fn syntax_error(&self) -> EmberError {
        syntax_error_at(self.src, self.peek())
    }

    /// `singleTableSchema: colType (',' colType)* EOF`; an empty string is an empty schema.
    fn table_schema(&mut self) -> Result<Vec<RawField>> {
        let mut cols = Vec::new();
        if self.peek().tok == Tok::Eof {
            return Ok(cols);
        }
        loop {
            let name = self.identifier()?;
            let ty = self.data_type()?;
            cols.push(self.column_tail(name, ty)?);
            if self.is_punct(",") {
                self.bump();
                continue;
            }
            if self.peek().tok == Tok::Eof {
                return Ok(cols);
            }
            return Err(self.unwanted_after_column(cols.last()));
        }
    }

    /// ANTLR's single-token-deletion report (`extra input 'x'`), which Spark shows when the column's type was not a
    /// plain keyword type and dropping the offending token would let the schema continue.
    fn unwanted_after_column(&self, col: Option<&RawField>) -> EmberError {
        let bare = col.is_some_and(|c| !c.not_null && c.comment.is_none() && !is_trivial_type(&c.ty));
        let next = &self.peek_at(1).tok;
        let resumes = *next == Tok::Eof
            || *next == Tok::Punct(",")
            || matches!(next, Tok::Word(w) if w.eq_ignore_ascii_case("not") || w.eq_ignore_ascii_case("comment"));
        if bare && resumes {
            return self.extra_input();
        }
        self.syntax_error()
    }

    fn single_type(&mut self) -> Result<RawType> {
        if self.peek().tok == Tok::Eof {
            let msg = "Syntax error, unexpected empty statement.";
            return Err(located_error(self.src, "PARSE_EMPTY_STATEMENT", msg, "42617", self.peek().pos));
        }
        let ty = self.data_type()?;
        if self.peek().tok != Tok::Eof {
            if !is_trivial_type(&ty) && self.peek_at(1).tok == Tok::Eof {
                return Err(self.extra_input());
            }
            return Err(self.syntax_error());
        }
        Ok(ty)
    }

    fn extra_input(&self) -> EmberError {
        let tok = self.peek();
        let quoted = format!("'{}'", tok.text);
        let msg = format!("Syntax error at or near {quoted}: extra input {quoted}.");
        located_error(self.src, "PARSE_SYNTAX_ERROR", &msg, "42601", tok.pos)
    }

    /// `[NOT NULL] [COMMENT 'text']` after a column's type.
    fn column_tail(&mut self, name: String, ty: RawType) -> Result<RawField> {
        let mut not_null = false;
        if self.is_word("not") {
            self.bump();
            if !self.is_word("null") {
                // ANTLR's single-token-insertion report when only NULL is missing.
                let next = &self.peek().tok;
                if *next == Tok::Eof || *next == Tok::Punct(",") || self.is_word("comment") || self.is_punct(">") {
                    let near = match next {
                        Tok::Eof => "end of input".to_string(),
                        _ => format!("'{}'", self.peek().text),
                    };
                    let msg = format!("Syntax error at or near {near}: missing 'NULL'.");
                    return Err(located_error(self.src, "PARSE_SYNTAX_ERROR", &msg, "42601", self.peek().pos));
                }
                return Err(self.syntax_error());
            }
            self.bump();
            not_null = true;
        }
        let mut comment = None;
        if self.is_word("comment") {
            self.bump();
            match self.peek().tok.clone() {
                Tok::Str(s) => {
                    self.bump();
                    comment = Some(s);
                }
                _ => return Err(self.syntax_error()),
            }
        }
        Ok(RawField { name, ty, not_null, comment })
    }

    fn identifier(&mut self) -> Result<String> {
        let tok = self.peek().clone();
        match tok.tok {
            Tok::Word(w) if !w.is_ascii() => Err(invalid_identifier(self.src, &w, tok.pos)),
            Tok::Word(w) => {
                self.bump();
                // Spark lexes `a-b` as identifier pieces and rejects it with a dedicated error.
                if self.is_punct("-") {
                    let mut text = w.clone();
                    let dash = self.peek().pos;
                    while self.is_punct("-") && matches!(self.peek_at(1).tok, Tok::Word(_) | Tok::Int(_)) {
                        self.bump();
                        text.push('-');
                        text.push_str(&self.bump().text);
                    }
                    if text != w {
                        return Err(invalid_identifier(self.src, &text, dash));
                    }
                }
                Ok(w)
            }
            Tok::Quoted(q) => {
                self.bump();
                Ok(q)
            }
            _ => Err(self.syntax_error()),
        }
    }

    /// Spark's parser reads `struct<…>` both as a type and as a comparison expression until one reading fails; a
    /// syntax error reached before the expression reading fails is reported at the opening `<`.
    fn data_type(&mut self) -> Result<RawType> {
        if self.depth >= MAX_TYPE_DEPTH {
            let tok = self.peek().clone();
            return Err(located_error(self.src, "PARSE_SYNTAX_ERROR", "Type nesting too deep.", "42601", tok.pos));
        }
        self.depth += 1;
        let result = self.data_type_checked();
        self.depth -= 1;
        result
    }

    fn data_type_checked(&mut self) -> Result<RawType> {
        let open_idx = self.at + 1;
        let open = self.peek_at(1).clone();
        let complex = matches!(&self.peek().tok, Tok::Word(w) if ["array", "map", "struct"].contains(&w.to_ascii_lowercase().as_str()))
            && open.tok == Tok::Punct("<");
        let result = self.data_type_inner();
        match result {
            Err(e) if complex && e.error_class() == Some("PARSE_SYNTAX_ERROR") => {
                let settled = (open_idx + 1..self.at).any(|i| {
                    let operand_expected = matches!(self.toks[i - 1].tok, Tok::Punct("<" | "," | ">" | ":"));
                    operand_expected && matches!(self.toks[i].tok, Tok::Punct(">" | "," | "<"))
                });
                if settled {
                    Err(e)
                } else {
                    Err(syntax_error_at(self.src, &open))
                }
            }
            other => other,
        }
    }

    fn data_type_inner(&mut self) -> Result<RawType> {
        let tok = self.peek().clone();
        let word = match &tok.tok {
            Tok::Word(w) if !w.is_ascii() => return Err(invalid_identifier(self.src, w, tok.pos)),
            Tok::Word(w) => w.to_ascii_lowercase(),
            // A quoted name is only ever an unsupported type (`ctx.getText` keeps the backquotes).
            Tok::Quoted(_) => {
                self.bump();
                return Ok(RawType::Prim {
                    name: tok.text.to_lowercase(),
                    params: Vec::new(),
                    pos: tok.pos,
                    text: tok.text,
                });
            }
            _ => return Err(self.syntax_error()),
        };
        let next_is = |p: &Parser, s: &str| matches!(p.peek_at(1).tok, Tok::Punct(q) if q == s);
        match word.as_str() {
            "array" if next_is(self, "<") => {
                self.bump();
                self.bump();
                let elem = self.data_type()?;
                self.expect_punct(">")?;
                Ok(RawType::Array(Box::new(elem)))
            }
            "map" if next_is(self, "<") => {
                self.bump();
                self.bump();
                let k = self.data_type()?;
                self.expect_punct(",")?;
                let v = self.data_type()?;
                self.expect_punct(">")?;
                Ok(RawType::Map(Box::new(k), Box::new(v)))
            }
            "struct" if next_is(self, "<>") => {
                self.bump();
                self.bump();
                Ok(RawType::Struct(Vec::new()))
            }
            "struct" if next_is(self, "<") => {
                self.bump();
                self.bump();
                let mut fields = Vec::new();
                if !self.is_punct(">") {
                    loop {
                        let name = self.identifier()?;
                        if self.is_punct(":") {
                            self.bump();
                        }
                        let ty = self.data_type()?;
                        fields.push(self.column_tail(name, ty)?);
                        if self.is_punct(",") {
                            self.bump();
                            continue;
                        }
                        break;
                    }
                }
                self.expect_punct(">")?;
                Ok(RawType::Struct(fields))
            }
            "string" => {
                self.bump();
                let mut collation = None;
                if self.is_word("collate") {
                    self.bump();
                    match self.bump().tok {
                        Tok::Word(w) | Tok::Quoted(w) => collation = Some(w),
                        _ => return Err(syntax_error_at(self.src, &self.toks[self.at - 1])),
                    }
                }
                Ok(RawType::StringType { collation })
            }
            "interval" => {
                self.bump();
                let lower = |t: &Token| match &t.tok {
                    Tok::Word(w) => Some(w.to_ascii_lowercase()),
                    _ => None,
                };
                let Some(start) = lower(self.peek())
                    .filter(|w| DAY_TIME_UNITS.contains(&w.as_str()) || YEAR_MONTH_UNITS.contains(&w.as_str()))
                else {
                    return Ok(RawType::Interval { start: None, end: None, pos: tok.pos });
                };
                self.bump();
                let mut end = None;
                // `TO` belongs to the type only when a unit that may end this interval follows it.
                if self.is_word("to") {
                    let allowed: &[&str] = if YEAR_MONTH_UNITS.contains(&start.as_str()) {
                        &["month"]
                    } else {
                        &["hour", "minute", "second"]
                    };
                    if let Some(e) = lower(self.peek_at(1)).filter(|w| allowed.contains(&w.as_str())) {
                        self.bump();
                        self.bump();
                        end = Some(e);
                    }
                }
                Ok(RawType::Interval { start: Some(start), end, pos: tok.pos })
            }
            _ => {
                self.bump();
                let mut params = Vec::new();
                let mut text = tok.text.clone();
                if self.is_punct("(") {
                    self.bump();
                    text.push('(');
                    loop {
                        match self.peek().tok.clone() {
                            Tok::Int(n) => {
                                self.bump();
                                text.push_str(&n);
                                params.push(n);
                            }
                            _ => return Err(self.syntax_error()),
                        }
                        if self.is_punct(",") {
                            self.bump();
                            text.push(',');
                            continue;
                        }
                        break;
                    }
                    self.expect_punct(")")?;
                    text.push(')');
                }
                Ok(RawType::Prim { name: word, params, pos: tok.pos, text })
            }
        }
    }
}

/// Spark's keyword-only primitive types (`trivialPrimitiveType` in its grammar).
fn is_trivial_type(t: &RawType) -> bool {
    const TRIVIAL: [&str; 19] = [
        "boolean",
        "tinyint",
        "byte",
        "smallint",
        "short",
        "int",
        "integer",
        "bigint",
        "long",
        "float",
        "real",
        "double",
        "date",
        "timestamp",
        "timestamp_ltz",
        "timestamp_ntz",
        "binary",
        "void",
        "variant",
    ];
    matches!(t, RawType::Prim { name, params, .. } if params.is_empty() && TRIVIAL.contains(&name.as_str()))
}

// ---- resolution (semantic checks, in Spark's order) ----

fn resolve_field(src: &str, f: &RawField) -> Result<SparkField> {
    Ok(SparkField {
        name: f.name.clone(),
        ty: resolve_type(src, &f.ty)?,
        nullable: !f.not_null,
        comment: f.comment.clone(),
    })
}

fn resolve_type(src: &str, t: &RawType) -> Result<SparkType> {
    Ok(match t {
        RawType::Array(e) => SparkType::Array(Box::new(resolve_type(src, e)?)),
        RawType::Map(k, v) => SparkType::Map(Box::new(resolve_type(src, k)?), Box::new(resolve_type(src, v)?)),
        RawType::Struct(fields) => {
            SparkType::Struct(fields.iter().map(|f| resolve_field(src, f)).collect::<Result<_>>()?)
        }
        RawType::StringType { collation } => match collation {
            Some(c) if c.eq_ignore_ascii_case("UTF8_BINARY") => SparkType::String(None),
            Some(c) => SparkType::String(Some(c.to_uppercase())),
            None => SparkType::String(None),
        },
        RawType::Interval { start: None, .. } => SparkType::CalendarInterval,
        RawType::Interval { start: Some(s), end, pos } => {
            let year_month = YEAR_MONTH_UNITS.contains(&s.as_str());
            let units: &[&str] = if year_month { &YEAR_MONTH_UNITS } else { &DAY_TIME_UNITS };
            let si = units.iter().position(|u| u == s).unwrap_or(0);
            let ei = match end {
                None => si,
                Some(e) => {
                    let ei = units.iter().position(|u| u == e).unwrap_or(si);
                    // An explicit `TO` must widen the interval: `hour to hour` and `minute to hour` are rejected.
                    if ei <= si {
                        let message = format!(
                            "Error parsing '' to interval. Please ensure that the value provided is in a valid format \
                             for defining an interval. You can reference the documentation for the correct format. \
                             Cannot support (interval '' {s} to {e}) expression."
                        );
                        return Err(located_error(
                            src,
                            "INVALID_INTERVAL_FORMAT.UNSUPPORTED_FROM_TO_EXPRESSION",
                            &message,
                            "22006",
                            *pos,
                        ));
                    }
                    ei
                }
            };
            if year_month {
                SparkType::YearMonth(si as u8, ei as u8)
            } else {
                SparkType::DayTime(si as u8, ei as u8)
            }
        }
        RawType::Prim { name, params, pos, text } => resolve_primitive(src, name, params, *pos, text)?,
    })
}

fn resolve_primitive(src: &str, name: &str, params: &[String], pos: usize, text: &str) -> Result<SparkType> {
    let unsupported = || {
        located_error(
            src,
            "UNSUPPORTED_DATATYPE",
            &format!("Unsupported data type \"{}\".", text.to_uppercase()),
            "0A000",
            pos,
        )
    };
    let simple = match name {
        "boolean" => Some(SparkType::Boolean),
        "tinyint" | "byte" => Some(SparkType::Byte),
        "smallint" | "short" => Some(SparkType::Short),
        "int" | "integer" => Some(SparkType::Int),
        "bigint" | "long" => Some(SparkType::Long),
        "float" | "real" => Some(SparkType::Float),
        "double" => Some(SparkType::Double),
        "binary" => Some(SparkType::Binary),
        "date" => Some(SparkType::Date),
        "timestamp" | "timestamp_ltz" => Some(SparkType::Timestamp),
        "timestamp_ntz" => Some(SparkType::TimestampNtz),
        "void" => Some(SparkType::Void),
        "variant" => Some(SparkType::Variant),
        _ => None,
    };
    if let Some(t) = simple {
        return if params.is_empty() { Ok(t) } else { Err(unsupported()) };
    }
    match name {
        "decimal" | "dec" | "numeric" => {
            if params.len() > 2 {
                return Err(unsupported());
            }
            let precision: u64 = params.first().map(|p| p.parse().unwrap_or(u64::MAX)).unwrap_or(10);
            let scale: u64 = params.get(1).map(|p| p.parse().unwrap_or(u64::MAX)).unwrap_or(0);
            if precision > MAX_DECIMAL_PRECISION as u64 {
                return Err(EmberError::arithmetic(format!(
                    "[DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION] Decimal precision {} exceeds max precision {}. SQLSTATE: 22003",
                    params[0], MAX_DECIMAL_PRECISION
                )));
            }
            if scale > precision {
                return Err(EmberError::parse_class(
                    "DECIMAL_SCALE_EXCEEDS_PRECISION",
                    format!(
                        "Decimal scale ({scale}) cannot be greater than precision ({precision}). SQLSTATE: 22003\n== SQL ==\n{src}"
                    ),
                ));
            }
            Ok(SparkType::Decimal(precision as u8, scale as i8))
        }
        "char" | "character" | "varchar" => {
            let upper = if name == "varchar" { "VARCHAR" } else { "CHAR" };
            match params {
                [] => Err(located_error(
                    src,
                    "DATATYPE_MISSING_SIZE",
                    &format!(
                        "DataType \"{upper}\" requires a length parameter, for example \"{upper}\"(10). Please specify the length."
                    ),
                    "42K01",
                    pos,
                )),
                [n] => {
                    let n: u64 = n.parse().map_err(|_| unsupported())?;
                    Ok(if name == "varchar" { SparkType::Varchar(n) } else { SparkType::Char(n) })
                }
                _ => Err(unsupported()),
            }
        }
        "time" => match params {
            [] => Ok(SparkType::Time(6)),
            [p] => Ok(SparkType::Time(p.parse().map_err(|_| unsupported())?)),
            _ => Err(unsupported()),
        },
        _ => Err(unsupported()),
    }
}

// ---- errors in Spark's ParseException shape ----

/// `(line L, pos P)\n\n== SQL ==\n<lines up to L>\n---^^^\n<rest>`: Spark's position block for a parse error.
fn position_block(src: &str, char_pos: usize) -> String {
    let chars: Vec<char> = src.chars().collect();
    let before: String = chars[..char_pos.min(chars.len())].iter().collect();
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0);
    // Java's `split` drops trailing empty lines.
    let mut lines: Vec<&str> = src.split('\n').collect();
    while lines.len() > 1 && lines.last() == Some(&"") {
        lines.pop();
    }
    let mut out = format!("(line {line}, pos {col})\n\n== SQL ==\n");
    for l in &lines[..line.min(lines.len())] {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&"-".repeat(col));
    out.push_str("^^^\n");
    for l in lines.iter().skip(line) {
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn located_error(src: &str, class: &str, message: &str, sqlstate: &str, pos: usize) -> EmberError {
    EmberError::parse_class(class, format!("{message} SQLSTATE: {sqlstate} {}", position_block(src, pos)))
}

fn syntax_error_at(src: &str, tok: &Token) -> EmberError {
    let near = match tok.tok {
        Tok::Eof => "end of input".to_string(),
        _ => format!("'{}'", tok.text),
    };
    located_error(src, "PARSE_SYNTAX_ERROR", &format!("Syntax error at or near {near}."), "42601", tok.pos)
}

fn invalid_identifier(src: &str, ident: &str, pos: usize) -> EmberError {
    let message = format!(
        "The unquoted identifier {ident} is invalid and must be back quoted as: `{ident}`.\nUnquoted identifiers can only \
         contain ASCII letters ('a' - 'z', 'A' - 'Z'), digits ('0' - '9'), and underbar ('_').\nUnquoted identifiers must \
         also not start with a digit.\nDifferent data sources and meta stores may impose additional restrictions on valid \
         identifiers."
    );
    located_error(src, "INVALID_IDENTIFIER", &message, "42602", pos)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn err(s: &str) -> EmberError {
        ddl_to_spark_json(s).unwrap_err()
    }

    #[test]
    fn single_types_to_json() {
        assert_eq!(ddl_to_spark_json("int").unwrap(), r#""integer""#);
        assert_eq!(ddl_to_spark_json("INT ").unwrap(), r#""integer""#);
        assert_eq!(ddl_to_spark_json("decimal").unwrap(), r#""decimal(10,0)""#);
        assert_eq!(ddl_to_spark_json("dec(7,2)").unwrap(), r#""decimal(7,2)""#);
        assert_eq!(ddl_to_spark_json("decimal(10, 2 )").unwrap(), r#""decimal(10,2)""#);
        assert_eq!(ddl_to_spark_json("decimal(5)").unwrap(), r#""decimal(5,0)""#);
        assert_eq!(ddl_to_spark_json("varchar(10)").unwrap(), r#""varchar(10)""#);
        assert_eq!(ddl_to_spark_json("timestamp_ltz").unwrap(), r#""timestamp""#);
        assert_eq!(ddl_to_spark_json("interval day to hour").unwrap(), r#""interval day to hour""#);
        assert_eq!(ddl_to_spark_json("interval second").unwrap(), r#""interval second""#);
        assert_eq!(ddl_to_spark_json("interval").unwrap(), r#""interval""#);
        assert_eq!(
            ddl_to_spark_json("array<int>").unwrap(),
            r#"{"containsNull":true,"elementType":"integer","type":"array"}"#
        );
        assert_eq!(
            ddl_to_spark_json(" map<string , string > ").unwrap(),
            r#"{"keyType":"string","type":"map","valueContainsNull":true,"valueType":"string"}"#
        );
    }

    #[test]
    fn schemas_to_json() {
        let ab = r#"{"fields":[{"metadata":{},"name":"a","nullable":true,"type":"integer"},{"metadata":{},"name":"b","nullable":true,"type":"string"}],"type":"struct"}"#;
        assert_eq!(ddl_to_spark_json("a int, b string").unwrap(), ab);
        assert_eq!(ddl_to_spark_json("a: int, b: string").unwrap(), ab);
        assert_eq!(ddl_to_spark_json("a:int,b:string").unwrap(), ab);
        assert_eq!(ddl_to_spark_json("struct<a:int, b string>").unwrap(), ab);
        assert_eq!(ddl_to_spark_json("  a   int  ,\n   b  string  -- trailing").unwrap(), ab);
        assert_eq!(ddl_to_spark_json("").unwrap(), r#"{"fields":[],"type":"struct"}"#);
        assert_eq!(
            ddl_to_spark_json("a int comment 'foo', b long not null comment 'it''s'").unwrap(),
            r#"{"fields":[{"metadata":{"comment":"foo"},"name":"a","nullable":true,"type":"integer"},{"metadata":{"comment":"it's"},"name":"b","nullable":false,"type":"long"}],"type":"struct"}"#
        );
        assert_eq!(
            ddl_to_spark_json("`a b` int, `c``d` string").unwrap(),
            r#"{"fields":[{"metadata":{},"name":"a b","nullable":true,"type":"integer"},{"metadata":{},"name":"c`d","nullable":true,"type":"string"}],"type":"struct"}"#
        );
        assert_eq!(
            ddl_to_spark_json("a struct<x int, y array<map<string,int>>>").unwrap(),
            r#"{"fields":[{"metadata":{},"name":"a","nullable":true,"type":{"fields":[{"metadata":{},"name":"x","nullable":true,"type":"integer"},{"metadata":{},"name":"y","nullable":true,"type":{"containsNull":true,"elementType":{"keyType":"string","type":"map","valueContainsNull":true,"valueType":"integer"},"type":"array"}}],"type":"struct"}}],"type":"struct"}"#
        );
    }

    #[test]
    fn schema_to_arrow() {
        let f =
            parse_ddl_schema("a INT, b STRING NOT NULL, s STRUCT<x: INT>, m map<string,array<decimal(5,2)>>").unwrap();
        assert_eq!(f[0], Arc::new(Field::new("a", DataType::Int32, true)));
        assert_eq!(f[1], Arc::new(Field::new("b", DataType::Utf8, false)));
        assert_eq!(f[2].data_type(), &DataType::Struct(Fields::from(vec![Field::new("x", DataType::Int32, true)])));
        assert_eq!(f[3].data_type(), &map_type(DataType::Utf8, array_type(DataType::Decimal128(5, 2), true), true));
        let c = parse_ddl_schema("a int comment 'hi'").unwrap();
        assert_eq!(c[0].metadata().get(SPARK_METADATA_KEY).unwrap(), r#"{"comment":"hi"}"#);
        assert_eq!(parse_ddl_schema("struct<a:int>").unwrap().len(), 1);
        assert!(parse_ddl_schema("int").is_err());
    }

    #[test]
    fn single_type_to_arrow() {
        assert_eq!(parse_ddl_type("BIGINT").unwrap(), DataType::Int64);
        assert_eq!(parse_ddl_type("timestamp").unwrap(), timestamp_type());
        assert_eq!(parse_ddl_type("timestamp_ntz").unwrap(), timestamp_ntz_type());
        assert_eq!(parse_ddl_type("interval day to second").unwrap(), day_time_interval_type());
        assert_eq!(parse_ddl_type("array<array<int>>").unwrap(), array_type(array_type(DataType::Int32, true), true));
        assert_eq!(parse_ddl_type("Map<String,Int>").unwrap(), map_type(DataType::Utf8, DataType::Int32, true));
        assert_eq!(parse_ddl_type("char(3)").unwrap(), DataType::Utf8);
        assert_eq!(parse_ddl_type("void").unwrap(), DataType::Null);
        assert_eq!(
            parse_ddl("a int").unwrap(),
            DataType::Struct(Fields::from(vec![Field::new("a", DataType::Int32, true)]))
        );
        assert_eq!(parse_ddl("float").unwrap(), DataType::Float32);
    }

    #[test]
    fn errors_match_spark() {
        let e = err("a INTT");
        assert_eq!(e.error_class(), Some("UNSUPPORTED_DATATYPE"));
        assert_eq!(
            e.message(),
            "[UNSUPPORTED_DATATYPE] Unsupported data type \"INTT\". SQLSTATE: 0A000 (line 1, pos 2)\n\n== SQL ==\na INTT\n--^^^\n"
        );
        assert_eq!(
            err("bool").message(),
            "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input. SQLSTATE: 42601 (line 1, pos 4)\n\n== SQL ==\nbool\n----^^^\n"
        );
        assert_eq!(
            err("array<int").message(),
            "[PARSE_SYNTAX_ERROR] Syntax error at or near '<'. SQLSTATE: 42601 (line 1, pos 5)\n\n== SQL ==\narray<int\n-----^^^\n"
        );
        assert!(err("a int b").message().contains("near 'b'. SQLSTATE: 42601 (line 1, pos 6)"));
        assert!(err("int not null")
            .message()
            .contains("near 'null': extra input 'null'. SQLSTATE: 42601 (line 1, pos 8)"));
        assert!(err("a struct<b:int>>")
            .message()
            .contains("near '>': extra input '>'. SQLSTATE: 42601 (line 1, pos 15)"));
        assert!(err("a int not")
            .message()
            .contains("near end of input: missing 'NULL'. SQLSTATE: 42601 (line 1, pos 9)"));
        assert!(err("a b c int").message().contains("near 'c'. SQLSTATE: 42601 (line 1, pos 4)"));
        assert!(err("a int comment 'x' not null").message().contains("near 'not'"));
        assert!(err("a struct<b: struct<c: array<int>>").message().contains("near end of input: missing '>'"));
        assert!(err("a struct<b: int,>").message().contains("near '<'. SQLSTATE: 42601 (line 1, pos 8)"));
        assert!(err("a map<string, int not null>").message().contains("near '<'. SQLSTATE: 42601 (line 1, pos 5)"));
        assert_eq!(
            err("a interval minute to hour").error_class(),
            Some("INVALID_INTERVAL_FORMAT.UNSUPPORTED_FROM_TO_EXPRESSION")
        );
        assert_eq!(err("é int").error_class(), Some("INVALID_IDENTIFIER"));
        let e = parse_ddl_type("a int\n").unwrap_err();
        assert_eq!(
            e.message(),
            "[PARSE_SYNTAX_ERROR] Syntax error at or near 'int': extra input 'int'. SQLSTATE: 42601 (line 1, pos 2)\n\n== SQL ==\na int\n--^^^\n"
        );
        assert_eq!(parse_ddl_type("  ").unwrap_err().error_class(), Some("PARSE_EMPTY_STATEMENT"));
        assert!(err("a interval hour to day").message().contains("near 'to'. SQLSTATE: 42601 (line 1, pos 16)"));
        assert!(err("`a int").message().contains("near '`'. SQLSTATE: 42601 (line 1, pos 0)"));
        assert!(err("s struct<a: intt>").message().contains("\"INTT\". SQLSTATE: 0A000 (line 1, pos 12)"));
        assert!(err("a decimal(10,2,3)").message().contains("\"DECIMAL(10,2,3)\""));
        assert!(err("a int(3)").message().contains("\"INT(3)\""));
        assert_eq!(err("a varchar").error_class(), Some("DATATYPE_MISSING_SIZE"));
        assert_eq!(err("a decimal(5,6)").error_class(), Some("DECIMAL_SCALE_EXCEEDS_PRECISION"));
        let e = err("a decimal(39,0)");
        assert!(e.kind() == crate::error::ErrorKind::Arithmetic && e.message_str().contains("precision 39 exceeds"));
        assert_eq!(err("a-b int").error_class(), Some("INVALID_IDENTIFIER"));
        assert!(err("decimal(39,0)").message().contains("near '('. SQLSTATE: 42601 (line 1, pos 7)"));
        assert!(parse_ddl_type("a int").is_err());
        // The strict and type-first entry points report their own parser's error, as Spark does.
        assert!(parse_table_schema("struct<a:int>")
            .unwrap_err()
            .message()
            .contains("near '<'. SQLSTATE: 42601 (line 1, pos 6)"));
        assert!(parse_table_schema("a: int")
            .unwrap_err()
            .message()
            .contains("near ':'. SQLSTATE: 42601 (line 1, pos 1)"));
        assert_eq!(parse_table_schema("a INTT").unwrap_err().error_class(), Some("UNSUPPORTED_DATATYPE"));
        assert!(data_type_from_ddl("a INTT").unwrap_err().message().contains("near 'INTT': extra input 'INTT'"));
        assert!(data_type_from_ddl("a int,")
            .unwrap_err()
            .message()
            .contains("near 'int'. SQLSTATE: 42601 (line 1, pos 2)"));
        assert_eq!(data_type_from_ddl("int").unwrap(), DataType::Int32);
        assert_eq!(
            data_type_from_ddl("a int").unwrap(),
            DataType::Struct(Fields::from(vec![Field::new("a", DataType::Int32, true)]))
        );
    }

    #[test]
    fn collations_go_to_field_metadata() {
        assert_eq!(
            ddl_to_spark_json("a map<string collate unicode, string collate UTF8_LCASE>, b string collate utf8_binary")
                .unwrap(),
            r#"{"fields":[{"metadata":{"__COLLATIONS":{"a.key":"icu.UNICODE","a.value":"spark.UTF8_LCASE"}},"name":"a","nullable":true,"type":{"keyType":"string","type":"map","valueContainsNull":true,"valueType":"string"}},{"metadata":{},"name":"b","nullable":true,"type":"string"}],"type":"struct"}"#
        );
        assert_eq!(ddl_to_spark_json("string collate UTF8_LCASE").unwrap(), r#""string collate UTF8_LCASE""#);
        // Kept through Arrow so the schema handed back to Python still carries the collation.
        let fields = parse_ddl_schema("a array<string collate UTF8_LCASE>").unwrap();
        assert_eq!(
            super::super::spark_json::fields_to_json(&fields),
            r#"{"fields":[{"metadata":{"__COLLATIONS":{"a.element":"spark.UTF8_LCASE"}},"name":"a","nullable":true,"type":{"containsNull":true,"elementType":"string","type":"array"}}],"type":"struct"}"#
        );
    }

    #[test]
    fn spark_to_ddl_matches_to_ddl() {
        // PySpark: spark.sql("select 1 as i, …").schema.toDDL() for the schema in spark_json's tests.
        let json = r#"{"fields":[{"metadata":{},"name":"i","nullable":false,"type":"integer"},{"metadata":{},"name":"m","nullable":false,"type":{"keyType":"string","type":"map","valueContainsNull":false,"valueType":"integer"}},{"metadata":{},"name":"st","nullable":false,"type":{"fields":[{"metadata":{},"name":"a","nullable":false,"type":"integer"},{"metadata":{},"name":"b","nullable":false,"type":"string"}],"type":"struct"}},{"metadata":{},"name":"d","nullable":false,"type":"decimal(10,2)"},{"metadata":{},"name":"tsn","nullable":true,"type":"timestamp_ntz"},{"metadata":{},"name":"iv","nullable":false,"type":"interval day to second"},{"metadata":{},"name":"n","nullable":true,"type":"void"},{"metadata":{},"name":"mm","nullable":false,"type":{"keyType":"integer","type":"map","valueContainsNull":false,"valueType":{"containsNull":false,"elementType":{"fields":[{"metadata":{},"name":"x","nullable":false,"type":"integer"}],"type":"struct"},"type":"array"}}}],"type":"struct"}"#;
        let fields = super::super::spark_json::fields_from_json(json).unwrap();
        assert_eq!(
            fields_to_ddl(&fields),
            "i INT NOT NULL,m MAP<STRING, INT> NOT NULL,st STRUCT<a: INT NOT NULL, b: STRING NOT NULL> NOT NULL,d DECIMAL(10,2) NOT NULL,tsn TIMESTAMP_NTZ,iv INTERVAL DAY TO SECOND NOT NULL,n VOID,mm MAP<INT, ARRAY<STRUCT<x: INT NOT NULL>>> NOT NULL"
        );
    }

    #[test]
    fn sql_names() {
        assert_eq!(type_to_ddl(&DataType::Int32), "INT");
        assert_eq!(type_to_ddl(&DataType::Decimal128(10, 2)), "DECIMAL(10,2)");
        assert_eq!(type_to_ddl(&timestamp_ntz_type()), "TIMESTAMP_NTZ");
        assert_eq!(type_to_ddl(&map_type(DataType::Utf8, DataType::Int32, true)), "MAP<STRING, INT>");
        let fields =
            parse_ddl_schema("a bigint, b array<double>, c struct<d: string not null>, `f b` boolean").unwrap();
        assert_eq!(
            type_to_ddl(&DataType::Struct(fields.clone())),
            "STRUCT<a: BIGINT, b: ARRAY<DOUBLE>, c: STRUCT<d: STRING NOT NULL>, `f b`: BOOLEAN>"
        );
        assert_eq!(fields_to_ddl(&fields), "a BIGINT,b ARRAY<DOUBLE>,c STRUCT<d: STRING NOT NULL>,`f b` BOOLEAN");
    }

    #[test]
    fn nesting_is_bounded_instead_of_overflowing_the_stack() {
        let nest = |n: usize| "array<".repeat(n) + "int" + &">".repeat(n);
        assert!(parse_ddl_type(&nest(90)).is_ok());
        assert!(parse_ddl_type(&nest(101)).is_err());
        // Reported as Spark's syntax error (at the outermost `<`, where Spark's parser also gives up).
        let e = parse_ddl_type(&nest(100_000)).unwrap_err();
        assert_eq!(e.condition(), Some("PARSE_SYNTAX_ERROR"), "{}", e.message());
        let e = parse_ddl_schema(&("a ".to_string() + &"struct<a:".repeat(100_000) + "int" + &">".repeat(100_000)));
        assert_eq!(e.unwrap_err().condition(), Some("PARSE_SYNTAX_ERROR"));
    }
}
