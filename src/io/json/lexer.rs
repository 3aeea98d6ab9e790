//! A byte-level JSON tokenizer with Jackson's leniency switches (comments, single quotes, unquoted names, NaN…).
use super::options::JsonOptions;
use super::scan::plain_run_end;

/// The parser found text that is not JSON under the active options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError;

pub type PResult<T> = std::result::Result<T, SyntaxError>;

/// The kind of the next value, decided by its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peek {
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
    /// `NaN`, `Infinity`, `+INF` …: non-numeric numbers (only when allowed).
    NonNumeric,
    End,
    Other,
}

/// A number token as written, with whether it has a fraction or exponent.
#[derive(Debug, Clone, Copy)]
pub struct Number<'a> {
    pub text: &'a str,
    pub is_int: bool,
}

impl Number<'_> {
    /// The value as i64 when it is an integer literal that fits.
    pub fn as_i64(&self) -> Option<i64> {
        if !self.is_int {
            return None;
        }
        let b = self.text.as_bytes();
        let (neg, digits) = match b.first() {
            Some(b'-') => (true, &b[1..]),
            Some(b'+') => (false, &b[1..]),
            _ => (false, b),
        };
        if digits.len() < 19 {
            let mut v: i64 = 0;
            for &d in digits {
                v = v * 10 + (d - b'0') as i64;
            }
            return Some(if neg { -v } else { v });
        }
        let mut v: i128 = 0;
        for &d in digits {
            v = v * 10 + (d - b'0') as i128;
            if v > i64::MAX as i128 + 1 {
                return None;
            }
        }
        let v = if neg { -v } else { v };
        i64::try_from(v).ok()
    }
    pub fn as_f64(&self) -> f64 {
        non_numeric_value(self.text).unwrap_or_else(|| self.text.parse::<f64>().unwrap_or(f64::NAN))
    }
}

/// The value of a non-numeric number token, if `s` is one.
pub fn non_numeric_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" | "+Infinity" | "INF" | "+INF" => Some(f64::INFINITY),
        "-Infinity" | "-INF" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// A cursor over the bytes of one JSON text (a line, a file, or a column value).
pub struct Lexer<'a, 'o> {
    pub src: &'a str,
    bytes: &'a [u8],
    pub pos: usize,
    opts: &'o JsonOptions,
    /// Objects and arrays open at `pos`: parsers recurse per level, so past `MAX_DEPTH` the text is rejected
    /// before the stack runs out.
    depth: usize,
}

/// Jackson's `StreamReadConstraints` default nesting limit, which Spark's parser inherits: deeper text is malformed.
pub const MAX_DEPTH: usize = 1000;

impl<'a, 'o> Lexer<'a, 'o> {
    pub fn new(src: &'a str, opts: &'o JsonOptions) -> Self {
        Lexer { src, bytes: src.as_bytes(), pos: 0, opts, depth: 0 }
    }

    /// Skip whitespace (and comments when allowed).
    #[inline(always)]
    pub fn skip_ws(&mut self) -> PResult<()> {
        // Most calls stand on a token already, or on one space before it.
        match self.bytes.get(self.pos) {
            Some(&c) if c > b' ' && c != b'/' && c != b'#' => return Ok(()),
            Some(b' ') if self.bytes.get(self.pos + 1).is_some_and(|&c| c > b' ' && c != b'/' && c != b'#') => {
                self.pos += 1;
                return Ok(());
            }
            _ => {}
        }
        self.skip_ws_run()
    }

    #[inline(never)]
    fn skip_ws_run(&mut self) -> PResult<()> {
        loop {
            while self.pos < self.bytes.len() && matches!(self.bytes[self.pos], b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            }
            if self.opts.allow_comments && self.pos < self.bytes.len() {
                match (self.bytes[self.pos], self.bytes.get(self.pos + 1)) {
                    (b'/', Some(b'*')) => {
                        let rest = &self.src[self.pos + 2..];
                        let end = rest.find("*/").ok_or(SyntaxError)?;
                        self.pos += 2 + end + 2;
                        continue;
                    }
                    (b'/', Some(b'/')) | (b'#', _) => {
                        while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                            self.pos += 1;
                        }
                        continue;
                    }
                    _ => {}
                }
            }
            return Ok(());
        }
    }

    /// Skip whitespace and classify the next value.
    #[inline]
    pub fn peek(&mut self) -> PResult<Peek> {
        self.skip_ws()?;
        let Some(&c) = self.bytes.get(self.pos) else { return Ok(Peek::End) };
        Ok(match c {
            b'{' => Peek::Object,
            b'[' => Peek::Array,
            b'"' => Peek::String,
            b'\'' if self.opts.allow_single_quotes => Peek::String,
            b'-' | b'0'..=b'9' => {
                if c == b'-' && matches!(self.bytes.get(self.pos + 1), Some(b'I')) {
                    Peek::NonNumeric
                } else {
                    Peek::Number
                }
            }
            b'+' | b'N' | b'I' => Peek::NonNumeric,
            b't' => Peek::True,
            b'f' => Peek::False,
            b'n' => Peek::Null,
            _ => Peek::Other,
        })
    }

    fn literal(&mut self, word: &str) -> PResult<()> {
        if self.src[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(SyntaxError)
        }
    }
    pub fn expect_true(&mut self) -> PResult<()> {
        self.literal("true")
    }
    pub fn expect_false(&mut self) -> PResult<()> {
        self.literal("false")
    }
    pub fn expect_null(&mut self) -> PResult<()> {
        self.literal("null")
    }

    /// Read `NaN`/`Infinity`/`-Infinity`/`+INF`… (after `peek` said `NonNumeric`).
    pub fn non_numeric(&mut self) -> PResult<&'a str> {
        let start = self.pos;
        let rest = &self.src[start..];
        for w in ["NaN", "-Infinity", "+Infinity", "Infinity", "-INF", "+INF", "INF"] {
            if rest.starts_with(w) {
                if !self.opts.allow_non_numeric_numbers {
                    return Err(SyntaxError);
                }
                self.pos += w.len();
                self.check_token_end()?;
                return Ok(&self.src[start..self.pos]);
            }
        }
        Err(SyntaxError)
    }

    /// A token must end at a delimiter (`1x` and `truex` are malformed).
    #[inline]
    fn check_token_end(&self) -> PResult<()> {
        match self.bytes.get(self.pos) {
            None | Some(b' ' | b'\n' | b'\r' | b'\t' | b',' | b']' | b'}' | b'/' | b'#') => Ok(()),
            _ => Err(SyntaxError),
        }
    }

    /// Read a number token (after `peek` said `Number`).
    #[inline]
    pub fn number(&mut self) -> PResult<Number<'a>> {
        let b = self.bytes;
        let start = self.pos;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_len = i - int_start;
        if int_len == 0 {
            return Err(SyntaxError);
        }
        if int_len > 1 && b[int_start] == b'0' && !self.opts.allow_numeric_leading_zeros {
            return Err(SyntaxError);
        }
        let mut is_int = true;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let f = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == f {
                return Err(SyntaxError);
            }
            is_int = false;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let e = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == e {
                return Err(SyntaxError);
            }
            is_int = false;
        }
        self.pos = i;
        self.check_token_end()?;
        Ok(Number { text: &self.src[start..i], is_int })
    }

    /// Read a string (quoted, or an unquoted field name when `name` and allowed) into `scratch` when it has escapes;
    /// returns the decoded text.
    #[inline(always)]
    pub fn string<'s>(&mut self, scratch: &'s mut String) -> PResult<&'s str>
    where
        'a: 's,
    {
        let b = self.bytes;
        let quote = b[self.pos];
        self.pos += 1;
        let start = self.pos;
        let i = plain_run_end(b, start, quote, !self.opts.allow_unquoted_control_chars);
        match b.get(i) {
            Some(&c) if c == quote => {
                self.pos = i + 1;
                return Ok(&self.src[start..i]);
            }
            Some(b'\\') => {}
            _ => return Err(SyntaxError),
        }
        self.string_escaped(start, i, quote, scratch)
    }

    /// The rest of a string from its first backslash at `i` (`start` is its first byte), decoded into `scratch`.
    #[inline(never)]
    fn string_escaped<'s>(&mut self, start: usize, i: usize, quote: u8, scratch: &'s mut String) -> PResult<&'s str> {
        scratch.clear();
        scratch.push_str(&self.src[start..i]);
        self.pos = i;
        self.string_slow(quote, scratch)?;
        Ok(scratch.as_str())
    }

    fn string_slow(&mut self, quote: u8, out: &mut String) -> PResult<()> {
        let b = self.bytes;
        loop {
            let run_start = self.pos;
            while self.pos < b.len() && b[self.pos] != quote && b[self.pos] != b'\\' {
                if b[self.pos] < 0x20 && !self.opts.allow_unquoted_control_chars {
                    return Err(SyntaxError);
                }
                self.pos += 1;
            }
            out.push_str(&self.src[run_start..self.pos]);
            let Some(&c) = b.get(self.pos) else { return Err(SyntaxError) };
            self.pos += 1;
            if c == quote {
                return Ok(());
            }
            let Some(&e) = b.get(self.pos) else { return Err(SyntaxError) };
            self.pos += 1;
            match e {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let hi = self.hex4()?;
                    let ch = if (0xD800..0xDC00).contains(&hi) {
                        if self.src[self.pos..].starts_with("\\u") {
                            self.pos += 2;
                            let lo = self.hex4()?;
                            if (0xDC00..0xE000).contains(&lo) {
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                None
                            }
                        } else {
                            None
                        }
                    } else {
                        char::from_u32(hi)
                    };
                    out.push(ch.unwrap_or('\u{FFFD}'));
                }
                b'\'' if quote == b'\'' || self.opts.allow_backslash_escaping_any_character => out.push('\''),
                _ if self.opts.allow_backslash_escaping_any_character => {
                    // Back up to copy the (possibly multi-byte) escaped character verbatim.
                    self.pos -= 1;
                    let ch = self.src[self.pos..].chars().next().ok_or(SyntaxError)?;
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
                _ => return Err(SyntaxError),
            }
        }
    }

    fn hex4(&mut self) -> PResult<u32> {
        let h = self.src.get(self.pos..self.pos + 4).ok_or(SyntaxError)?;
        let v = u32::from_str_radix(h, 16).map_err(|_| SyntaxError)?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(SyntaxError);
        }
        self.pos += 4;
        Ok(v)
    }

    /// Read a field name and its `:`; the lexer stands on the name's first byte.
    #[inline(always)]
    pub fn field_name<'s>(&mut self, scratch: &'s mut String) -> PResult<&'s str>
    where
        'a: 's,
    {
        let c = *self.bytes.get(self.pos).ok_or(SyntaxError)?;
        let name = if c == b'"' || (c == b'\'' && self.opts.allow_single_quotes) {
            self.string(scratch)?
        } else if self.opts.allow_unquoted_field_names && (c.is_ascii_alphabetic() || c == b'_' || c == b'$') {
            let start = self.pos;
            while self.pos < self.bytes.len()
                && (self.bytes[self.pos].is_ascii_alphanumeric() || matches!(self.bytes[self.pos], b'_' | b'$'))
            {
                self.pos += 1;
            }
            &self.src[start..self.pos]
        } else {
            return Err(SyntaxError);
        };
        self.skip_ws()?;
        if self.bytes.get(self.pos) != Some(&b':') {
            return Err(SyntaxError);
        }
        self.pos += 1;
        Ok(name)
    }

    /// When the text at the cursor is exactly `quoted` (a field name as JSON text, `"name"`), consume it and its `:`
    /// and return true; otherwise leave the cursor and return false (the caller tokenizes the name).
    #[inline(always)]
    pub fn eat_field_name(&mut self, quoted: &[u8]) -> PResult<bool> {
        let end = self.pos + quoted.len();
        match self.bytes.get(self.pos..end) {
            Some(text) if super::scan::bytes_eq(text, quoted) => {}
            _ => return Ok(false),
        }
        self.pos = end;
        self.skip_ws()?;
        if self.bytes.get(self.pos) != Some(&b':') {
            return Err(SyntaxError);
        }
        self.pos += 1;
        Ok(true)
    }

    /// Consume `{` and report whether the object is empty (consuming `}` too).
    #[inline]
    pub fn begin_object(&mut self) -> PResult<bool> {
        if self.depth >= MAX_DEPTH {
            return Err(SyntaxError);
        }
        self.pos += 1;
        self.skip_ws()?;
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(true);
        }
        self.depth += 1;
        Ok(false)
    }

    /// Consume `[` and report whether the array is empty (consuming `]` too).
    #[inline]
    pub fn begin_array(&mut self) -> PResult<bool> {
        if self.depth >= MAX_DEPTH {
            return Err(SyntaxError);
        }
        self.pos += 1;
        self.skip_ws()?;
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(true);
        }
        self.depth += 1;
        Ok(false)
    }

    /// After a member or element: `,` → true (another follows), `close` → false.
    #[inline]
    pub fn next_member(&mut self, close: u8) -> PResult<bool> {
        self.skip_ws()?;
        match self.bytes.get(self.pos) {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws()?;
                Ok(true)
            }
            Some(&c) if c == close => {
                self.pos += 1;
                self.depth = self.depth.saturating_sub(1);
                Ok(false)
            }
            _ => Err(SyntaxError),
        }
    }

    /// Skip one value as `skip_value` does, with the usual unread members (plain strings, numbers) handled
    /// inline: a record's unread fields are most of what the reader skips.
    #[inline(always)]
    pub fn skip_member_value(&mut self) -> PResult<()> {
        self.skip_ws()?;
        match self.bytes.get(self.pos) {
            Some(b'"') => {
                let i = plain_run_end(self.bytes, self.pos + 1, b'"', !self.opts.allow_unquoted_control_chars);
                if self.bytes.get(i) == Some(&b'"') {
                    self.pos = i + 1;
                    return Ok(());
                }
            }
            Some(b'0'..=b'9') => return self.number().map(|_| ()),
            _ => {}
        }
        self.skip_value().map(|_| ())
    }

    /// Skip one value, checking its syntax; returns its raw text.
    pub fn skip_value(&mut self) -> PResult<&'a str> {
        let p = self.peek()?;
        let start = self.pos;
        let mut scratch = String::new();
        match p {
            Peek::Object => {
                if !self.begin_object()? {
                    loop {
                        self.field_name(&mut scratch)?;
                        self.skip_value()?;
                        if !self.next_member(b'}')? {
                            break;
                        }
                    }
                }
            }
            Peek::Array => {
                if !self.begin_array()? {
                    loop {
                        self.skip_value()?;
                        if !self.next_member(b']')? {
                            break;
                        }
                    }
                }
            }
            Peek::String => {
                self.string(&mut scratch)?;
            }
            Peek::Number => {
                self.number()?;
            }
            Peek::NonNumeric => {
                self.non_numeric()?;
            }
            Peek::True => self.expect_true()?,
            Peek::False => self.expect_false()?,
            Peek::Null => self.expect_null()?,
            Peek::End | Peek::Other => return Err(SyntaxError),
        }
        if matches!(p, Peek::True | Peek::False | Peek::Null) {
            self.check_token_end()?;
        }
        Ok(&self.src[start..self.pos])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex_ok(s: &str, o: &JsonOptions) -> bool {
        let mut l = Lexer::new(s, o);
        l.skip_value().is_ok()
    }

    #[test]
    fn strict_and_lenient_syntax() {
        let d = JsonOptions::default();
        assert!(lex_ok(r#"{"a":[1,2.5e3,-0.5,"x\n\u00e9"],"b":{"c":null,"d":true}}"#, &d));
        assert!(lex_ok("{'a':'b'}", &d));
        assert!(!lex_ok("{a:1}", &d));
        assert!(!lex_ok(r#"{"a":007}"#, &d));
        assert!(!lex_ok(r#"{"a":1.}"#, &d));
        assert!(!lex_ok(r#"{"a":"\q"}"#, &d));
        assert!(!lex_ok(r#"{"a":1,"#, &d));
        assert!(lex_ok(r#"{"a":NaN,"b":-Infinity,"c":+INF}"#, &d));
        let mut o = JsonOptions::default();
        o.allow_unquoted_field_names = true;
        o.allow_comments = true;
        o.allow_numeric_leading_zeros = true;
        o.allow_backslash_escaping_any_character = true;
        assert!(lex_ok("{a:007, /* c */ \"e\":\"\\q\"}", &o));
    }

    #[test]
    fn strings_decode_escapes_and_surrogates() {
        let d = JsonOptions::default();
        let mut s = String::new();
        let src = r#""a\"b\\c\ud83d\ude00""#;
        let mut l = Lexer::new(src, &d);
        assert_eq!(l.string(&mut s).unwrap(), "a\"b\\c😀");
        let n = Lexer::new("-9223372036854775808", &d).number().unwrap();
        assert_eq!(n.as_i64(), Some(i64::MIN));
        assert_eq!(Lexer::new("9223372036854775808", &d).number().unwrap().as_i64(), None);
    }

    #[test]
    fn nesting_past_jacksons_limit_is_malformed_not_a_stack_overflow() {
        let d = JsonOptions::default();
        let nest = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(lex_ok(&nest(MAX_DEPTH), &d));
        assert!(!lex_ok(&nest(MAX_DEPTH + 1), &d));
        assert!(!lex_ok(&nest(1_000_000), &d));
        // Depth is open containers, not containers seen: many siblings at depth 1 are fine.
        assert!(lex_ok(&format!("[{}[]]", "[[1]],".repeat(5000)), &d));
        let objects = |n: usize| r#"{"a":"#.repeat(n) + "1" + &"}".repeat(n);
        assert!(lex_ok(&objects(MAX_DEPTH), &d));
        assert!(!lex_ok(&objects(MAX_DEPTH + 1), &d));
    }
}
