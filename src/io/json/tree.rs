//! A parsed JSON value tree, for the path-based JSON functions (`get_json_object`, `json_tuple`, …).
use super::lexer::{Lexer, PResult, Peek, SyntaxError};
use super::write::push_json_string;

/// A JSON value; numbers keep their literal text.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonValue {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<JsonValue>),
    Object(Vec<(String, JsonValue)>),
}

/// Parse the first value of `lx` (text after it is ignored, as Jackson does).
pub fn parse_value(lx: &mut Lexer) -> PResult<JsonValue> {
    let mut scratch = String::new();
    parse_inner(lx, &mut scratch)
}

fn parse_inner(lx: &mut Lexer, scratch: &mut String) -> PResult<JsonValue> {
    Ok(match lx.peek()? {
        Peek::Object => {
            let mut members = Vec::new();
            if !lx.begin_object()? {
                loop {
                    let name = lx.field_name(scratch)?.to_string();
                    let v = parse_inner(lx, scratch)?;
                    members.push((name, v));
                    if !lx.next_member(b'}')? {
                        break;
                    }
                }
            }
            JsonValue::Object(members)
        }
        Peek::Array => {
            let mut items = Vec::new();
            if !lx.begin_array()? {
                loop {
                    items.push(parse_inner(lx, scratch)?);
                    if !lx.next_member(b']')? {
                        break;
                    }
                }
            }
            JsonValue::Array(items)
        }
        Peek::String => JsonValue::String(lx.string(scratch)?.to_string()),
        Peek::Number => JsonValue::Number(lx.number()?.text.to_string()),
        Peek::NonNumeric => JsonValue::Number(lx.non_numeric()?.to_string()),
        Peek::True | Peek::False | Peek::Null => {
            let raw = lx.skip_value()?;
            match raw {
                "true" => JsonValue::Bool(true),
                "false" => JsonValue::Bool(false),
                _ => JsonValue::Null,
            }
        }
        Peek::End | Peek::Other => return Err(SyntaxError),
    })
}

/// Jackson's byte generator (used when re-generating parsed JSON) escapes characters beyond the BMP as a
/// `\uD83D\uDE00` surrogate pair.
fn push_json_string_ascii_surrogates(s: &str, out: &mut String) {
    if s.chars().all(|c| (c as u32) < 0x10000) {
        return push_json_string(s, out);
    }
    let mut tmp = String::with_capacity(s.len() + 2);
    push_json_string(s, &mut tmp);
    for c in tmp.chars() {
        if (c as u32) >= 0x10000 {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{:04X}", u));
            }
        } else {
            out.push(c);
        }
    }
}

/// Jackson re-generates integers as written and other numbers through `double` (`1.50` → `1.5`, `1e2` → `100.0`).
fn write_number(n: &str, out: &mut String) {
    let is_int = n.bytes().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == b'-'));
    if is_int {
        out.push_str(n);
    } else if let Some(x) = super::lexer::non_numeric_value(n) {
        out.push_str(if x.is_nan() {
            "\"NaN\""
        } else if x > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        });
    } else {
        out.push_str(&crate::types::java_float::java_float_string(n.parse::<f64>().unwrap_or(0.0), None));
    }
}

impl JsonValue {
    /// Compact JSON text (Jackson's generator output: no spaces, numbers as written).
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }

    pub fn write(&self, out: &mut String) {
        match self {
            JsonValue::Null => out.push_str("null"),
            JsonValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            JsonValue::Number(n) => write_number(n, out),
            JsonValue::String(s) => push_json_string_ascii_surrogates(s, out),
            JsonValue::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            JsonValue::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_string_ascii_surrogates(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    /// The value as a function result: strings without quotes, null as None, the rest as JSON text.
    pub fn to_result_text(&self) -> Option<String> {
        match self {
            JsonValue::Null => None,
            JsonValue::String(s) => Some(s.clone()),
            other => Some(other.to_json()),
        }
    }

    /// The first member named `key` of an object (`get_json_object`'s choice among repeated keys).
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        match self {
            JsonValue::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The last member named `key` of an object (`json_tuple`'s choice among repeated keys).
    pub fn get_last(&self, key: &str) -> Option<&JsonValue> {
        match self {
            JsonValue::Object(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::json::options::JsonOptions;

    #[test]
    fn parses_and_reprints_compactly() {
        let o = JsonOptions::default();
        let mut lx = Lexer::new(r#"{"a": 1.50, "b": [true, null, "x\"y"], "c": {}} trailing"#, &o);
        let v = parse_value(&mut lx).unwrap();
        assert_eq!(v.to_json(), r#"{"a":1.5,"b":[true,null,"x\"y"],"c":{}}"#);
        assert_eq!(v.get("b").unwrap().to_result_text().unwrap(), r#"[true,null,"x\"y"]"#);
        assert!(parse_value(&mut Lexer::new("{\"a\":", &o)).is_err());
    }
}
