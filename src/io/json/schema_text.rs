//! Schema strings for `from_json`: DDL (`a INT, b ARRAY<STRING>`, `MAP<STRING,INT>`) or Spark's schema JSON.
//!
//! A small stand-in so this module builds alone; once `crate::types::ddl::parse_ddl` and
//! `crate::types::spark_json::type_from_json` are merged, `parse_schema_text` should delegate to them.
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields};
use serde_json::Value;

use crate::error::{EmberError, Result};
use crate::types::{array_type, map_type, timestamp_ntz_type, timestamp_type};

/// A schema string to a type: a struct for a field list, else the single type it names.
pub fn parse_schema_text(s: &str) -> Result<DataType> {
    let t = s.trim();
    if t.starts_with('{') {
        let v: Value = serde_json::from_str(t)?;
        return json_type(&v);
    }
    let mut p = P { s: t.as_bytes(), src: t, pos: 0 };
    if let Ok(dt) = p.data_type() {
        p.ws();
        if p.pos == p.s.len() {
            return Ok(dt);
        }
    }
    let mut p = P { s: t.as_bytes(), src: t, pos: 0 };
    let fields = p.fields(None)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(bad(s));
    }
    Ok(DataType::Struct(fields))
}

fn bad(s: &str) -> EmberError {
    EmberError::parse_class("PARSE_SYNTAX_ERROR", format!("Syntax error at or near '{s}'. SQLSTATE: 42601"))
}

struct P<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Result<String> {
        self.ws();
        if self.s.get(self.pos) == Some(&b'`') {
            let mut out = String::new();
            self.pos += 1;
            loop {
                match self.s.get(self.pos) {
                    None => return Err(bad(self.src)),
                    Some(b'`') if self.s.get(self.pos + 1) == Some(&b'`') => {
                        out.push('`');
                        self.pos += 2;
                    }
                    Some(b'`') => {
                        self.pos += 1;
                        return Ok(out);
                    }
                    Some(_) => {
                        let ch = self.src[self.pos..].chars().next().unwrap();
                        out.push(ch);
                        self.pos += ch.len_utf8();
                    }
                }
            }
        }
        let start = self.pos;
        while self.pos < self.s.len() && (self.s[self.pos].is_ascii_alphanumeric() || self.s[self.pos] == b'_') {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(bad(self.src));
        }
        Ok(self.src[start..self.pos].to_string())
    }
    fn int(&mut self) -> Result<u8> {
        self.ws();
        let start = self.pos;
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        self.src[start..self.pos].parse().map_err(|_| bad(self.src))
    }
    fn data_type(&mut self) -> Result<DataType> {
        let name = self.ident()?.to_ascii_lowercase();
        Ok(match name.as_str() {
            "array" => {
                if !self.eat(b'<') {
                    return Err(bad(self.src));
                }
                let e = self.data_type()?;
                if !self.eat(b'>') {
                    return Err(bad(self.src));
                }
                array_type(e, true)
            }
            "map" => {
                if !self.eat(b'<') {
                    return Err(bad(self.src));
                }
                let k = self.data_type()?;
                if !self.eat(b',') {
                    return Err(bad(self.src));
                }
                let v = self.data_type()?;
                if !self.eat(b'>') {
                    return Err(bad(self.src));
                }
                map_type(k, v, true)
            }
            "struct" => {
                if !self.eat(b'<') {
                    return Err(bad(self.src));
                }
                if self.eat(b'>') {
                    return Ok(DataType::Struct(Fields::empty()));
                }
                let f = self.fields(Some(b'>'))?;
                if !self.eat(b'>') {
                    return Err(bad(self.src));
                }
                DataType::Struct(f)
            }
            "decimal" | "dec" | "numeric" => {
                if self.eat(b'(') {
                    let p = self.int()?;
                    let s = if self.eat(b',') { self.int()? } else { 0 };
                    if !self.eat(b')') {
                        return Err(bad(self.src));
                    }
                    DataType::Decimal128(p, s as i8)
                } else {
                    DataType::Decimal128(10, 0)
                }
            }
            other => primitive(other).ok_or_else(|| bad(self.src))?,
        })
    }
    fn fields(&mut self, close: Option<u8>) -> Result<Fields> {
        let mut out = Vec::new();
        loop {
            let name = self.ident()?;
            self.eat(b':');
            let dt = self.data_type()?;
            let save = self.pos;
            let mut nullable = true;
            if let Ok(w) = self.ident() {
                if w.eq_ignore_ascii_case("not")
                    && self.ident().map(|n| n.eq_ignore_ascii_case("null")).unwrap_or(false)
                {
                    nullable = false;
                } else {
                    self.pos = save;
                }
            }
            out.push(Field::new(name, dt, nullable));
            self.ws();
            if !self.eat(b',') {
                break;
            }
        }
        let _ = close;
        Ok(Fields::from(out))
    }
}

fn primitive(name: &str) -> Option<DataType> {
    Some(match name {
        "boolean" | "bool" => DataType::Boolean,
        "tinyint" | "byte" => DataType::Int8,
        "smallint" | "short" => DataType::Int16,
        "int" | "integer" => DataType::Int32,
        "bigint" | "long" => DataType::Int64,
        "float" | "real" => DataType::Float32,
        "double" => DataType::Float64,
        "string" | "varchar" | "char" => DataType::Utf8,
        "binary" => DataType::Binary,
        "date" => DataType::Date32,
        "timestamp" | "timestamp_ltz" => timestamp_type(),
        "timestamp_ntz" => timestamp_ntz_type(),
        "void" | "null" => DataType::Null,
        _ => return None,
    })
}

fn json_type(v: &Value) -> Result<DataType> {
    let err = || EmberError::parse(format!("Failed to convert the JSON string '{v}' to a data type."));
    match v {
        Value::String(s) => {
            let l = s.to_ascii_lowercase();
            if let Some(rest) = l.strip_prefix("decimal(") {
                let (p, sc) = rest.trim_end_matches(')').split_once(',').ok_or_else(err)?;
                return Ok(DataType::Decimal128(
                    p.trim().parse().map_err(|_| err())?,
                    sc.trim().parse().map_err(|_| err())?,
                ));
            }
            primitive(&l).ok_or_else(err)
        }
        Value::Object(o) => match o.get("type").and_then(|t| t.as_str()) {
            Some("struct") => {
                let fs = o.get("fields").and_then(|f| f.as_array()).ok_or_else(err)?;
                let mut out = Vec::new();
                for f in fs {
                    let name = f.get("name").and_then(|n| n.as_str()).ok_or_else(err)?;
                    let dt = json_type(f.get("type").ok_or_else(err)?)?;
                    let nullable = f.get("nullable").and_then(|n| n.as_bool()).unwrap_or(true);
                    out.push(Arc::new(Field::new(name, dt, nullable)));
                }
                Ok(DataType::Struct(Fields::from(out)))
            }
            Some("array") => Ok(array_type(
                json_type(o.get("elementType").ok_or_else(err)?)?,
                o.get("containsNull").and_then(|b| b.as_bool()).unwrap_or(true),
            )),
            Some("map") => Ok(map_type(
                json_type(o.get("keyType").ok_or_else(err)?)?,
                json_type(o.get("valueType").ok_or_else(err)?)?,
                o.get("valueContainsNull").and_then(|b| b.as_bool()).unwrap_or(true),
            )),
            _ => Err(err()),
        },
        _ => Err(err()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::simple_string;

    #[test]
    fn ddl_and_json_schemas() {
        let t = parse_schema_text("a INT, b ARRAY<INT>, c STRUCT<d: STRING>").unwrap();
        assert_eq!(simple_string(&t), "struct<a:int,b:array<int>,c:struct<d:string>>");
        assert_eq!(simple_string(&parse_schema_text("ARRAY<STRUCT<a: INT>>").unwrap()), "array<struct<a:int>>");
        assert_eq!(simple_string(&parse_schema_text("MAP<STRING,STRING>").unwrap()), "map<string,string>");
        let j = r#"{"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]}"#;
        assert_eq!(simple_string(&parse_schema_text(j).unwrap()), "struct<a:bigint>");
        assert!(parse_schema_text("a INT,").is_err());
    }
}
