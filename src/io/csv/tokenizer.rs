//! CSV records → field offsets, with the quoting rules of Spark's parser (univocity, STOP_AT_DELIMITER).
//!
//! Fields point into the text; only quoted fields with escapes are copied (into `scratch`).

/// Where a field's text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    /// `text[start..end]`.
    Text,
    /// `scratch[start..end]` (a quoted value that needed unescaping).
    Scratch,
    /// Unquoted empty field: always Spark's null.
    Null,
    /// `""`: the reader's `emptyValue`.
    QuotedEmpty,
}

#[derive(Debug, Clone, Copy)]
pub struct Tok {
    pub start: usize,
    pub end: usize,
    pub kind: TokKind,
}

/// Tokenizer settings (bytes: quote/escape/comment are ASCII, the separator and line separator any bytes).
#[derive(Debug, Clone)]
pub struct TokConfig {
    pub sep: Vec<u8>,
    pub quote: Option<u8>,
    pub escape: Option<u8>,
    pub comment: Option<u8>,
    /// None: `\n`, `\r\n` or `\r`.
    pub line_sep: Option<Vec<u8>>,
    pub multi_line: bool,
    pub ignore_leading: bool,
    pub ignore_trailing: bool,
}

const PLAIN: u8 = 0;
const SEP: u8 = 1;
const EOL: u8 = 2;

pub struct Tokenizer<'a> {
    text: &'a str,
    buf: &'a [u8],
    pos: usize,
    end: usize,
    cfg: &'a TokConfig,
    class: [u8; 256],
    /// The separator's first byte and the two line-end bytes, each repeated in every byte of a word (SWAR scan).
    stops: [u64; 3],
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each zero byte of `v` (exact for the lowest zero byte, which is all the scan needs).
#[inline]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(LO) & !v & HI
}

#[inline]
fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl<'a> Tokenizer<'a> {
    /// Tokenize `text[start..end]`.
    pub fn new(text: &'a str, start: usize, end: usize, cfg: &'a TokConfig) -> Self {
        let mut class = [PLAIN; 256];
        match &cfg.line_sep {
            None => {
                class[b'\n' as usize] = EOL;
                class[b'\r' as usize] = EOL;
            }
            Some(ls) => class[ls[0] as usize] = EOL,
        }
        class[cfg.sep[0] as usize] = SEP;
        let (e1, e2) = match &cfg.line_sep {
            None => (b'\n', b'\r'),
            Some(ls) => (ls[0], ls[0]),
        };
        let stops = [LO * cfg.sep[0] as u64, LO * e1 as u64, LO * e2 as u64];
        Tokenizer { text, buf: text.as_bytes(), pos: start, end, cfg, class, stops }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Length of the line terminator at `i` (0 when there is none).
    #[inline]
    fn eol_len(&self, i: usize) -> usize {
        match &self.cfg.line_sep {
            None => match self.buf[i] {
                b'\n' => 1,
                b'\r' => {
                    if i + 1 < self.end && self.buf[i + 1] == b'\n' {
                        2
                    } else {
                        1
                    }
                }
                _ => 0,
            },
            Some(ls) => {
                if self.buf[i..self.end].starts_with(ls) {
                    ls.len()
                } else {
                    0
                }
            }
        }
    }

    #[inline]
    fn sep_at(&self, i: usize) -> bool {
        let s = &self.cfg.sep;
        s.len() == 1 || self.buf[i..self.end].starts_with(s)
    }

    /// Skip to just after the end of the current line.
    fn skip_line(&mut self) {
        let mut i = self.pos;
        while i < self.end {
            let n = self.eol_len(i);
            if n > 0 {
                self.pos = i + n;
                return;
            }
            i += 1;
        }
        self.pos = self.end;
    }

    /// The next record's fields; returns the record's raw text span, or None at the end. Empty and comment lines
    /// are skipped.
    pub fn next_record(&mut self, fields: &mut Vec<Tok>, scratch: &mut String) -> Option<(usize, usize)> {
        fields.clear();
        scratch.clear();
        loop {
            if self.pos >= self.end {
                return None;
            }
            let n = self.eol_len(self.pos);
            if n > 0 {
                self.pos += n;
                continue;
            }
            if self.cfg.comment == Some(self.buf[self.pos]) {
                self.skip_line();
                continue;
            }
            let blank = |b: u8| is_space(b) && b != self.cfg.sep[0];
            if blank(self.buf[self.pos]) {
                // Lines of only blanks count as empty lines, as in Spark.
                let mut i = self.pos;
                while i < self.end && blank(self.buf[i]) {
                    i += 1;
                }
                if i >= self.end || self.eol_len(i) > 0 {
                    self.pos = i;
                    continue;
                }
            }
            break;
        }
        let rec_start = self.pos;
        loop {
            let (tok, done_at, eol) = self.field(scratch);
            fields.push(tok);
            match eol {
                None => self.pos = done_at,
                Some(n) => {
                    self.pos = (done_at + n).min(self.end);
                    return Some((rec_start, done_at));
                }
            }
        }
    }

    /// One field starting at `self.pos`. Returns it, the position after it (at the separator's end, or at the
    /// line terminator), and Some(terminator length) when the record ends there.
    fn field(&self, scratch: &mut String) -> (Tok, usize, Option<usize>) {
        let buf = self.buf;
        let mut i = self.pos;
        if self.cfg.ignore_leading {
            while i < self.end && is_space(buf[i]) {
                i += 1;
            }
        }
        if let Some(q) = self.cfg.quote {
            if i < self.end && buf[i] == q {
                if let Some(r) = self.quoted(i, scratch) {
                    return r;
                }
            }
        }
        self.unquoted(i)
    }

    /// Scan an unquoted value from `start` to the next separator or line end.
    #[inline]
    fn unquoted(&self, start: usize) -> (Tok, usize, Option<usize>) {
        let buf = self.buf;
        let mut i = start;
        loop {
            i = self.find_stop(i);
            if i >= self.end {
                return (self.plain_tok(start, i), i, Some(0));
            }
            match self.class[buf[i] as usize] {
                SEP if self.sep_at(i) => return (self.plain_tok(start, i), i + self.cfg.sep.len(), None),
                EOL => {
                    let n = self.eol_len(i);
                    if n > 0 {
                        return (self.plain_tok(start, i), i, Some(n));
                    }
                    i += 1;
                }
                _ => i += 1,
            }
        }
    }

    /// First position at or after `i` holding a separator or line-end byte (or `end`), eight bytes at a time.
    #[inline]
    fn find_stop(&self, mut i: usize) -> usize {
        let buf = self.buf;
        while i + 8 <= self.end {
            let w = u64::from_le_bytes(buf[i..i + 8].try_into().expect("8 bytes"));
            let m = zero_bytes(w ^ self.stops[0]) | zero_bytes(w ^ self.stops[1]) | zero_bytes(w ^ self.stops[2]);
            if m != 0 {
                return i + (m.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while i < self.end && self.class[buf[i] as usize] == PLAIN {
            i += 1;
        }
        i
    }

    #[inline]
    fn plain_tok(&self, start: usize, mut end: usize) -> Tok {
        if self.cfg.ignore_trailing {
            while end > start && is_space(self.buf[end - 1]) {
                end -= 1;
            }
        }
        Tok { start, end, kind: if end == start { TokKind::Null } else { TokKind::Text } }
    }

    /// A quoted value whose opening quote is at `qpos`. None when a stray quote makes it fall back to the raw
    /// unquoted text (Spark's STOP_AT_DELIMITER handling of unescaped quotes).
    fn quoted(&self, qpos: usize, scratch: &mut String) -> Option<(Tok, usize, Option<usize>)> {
        let buf = self.buf;
        let q = buf[qpos];
        let esc = self.cfg.escape;
        let scratch_start = scratch.len();
        let mut copied = false;
        let mut seg = qpos + 1;
        let mut i = seg;
        let finish = |copied: bool, seg: usize, i: usize, scratch: &mut String| -> Tok {
            if copied {
                scratch.push_str(&self.text[seg..i]);
                Tok { start: scratch_start, end: scratch.len(), kind: TokKind::Scratch }
            } else if i == seg {
                Tok { start: i, end: i, kind: TokKind::QuotedEmpty }
            } else {
                Tok { start: seg, end: i, kind: TokKind::Text }
            }
        };
        loop {
            if i >= self.end {
                let t = finish(copied, seg, i, scratch);
                return Some((t, i, Some(0)));
            }
            let b = buf[i];
            if Some(b) == esc && esc != Some(q) && i + 1 < self.end && (buf[i + 1] == q || buf[i + 1] == b) {
                scratch.push_str(&self.text[seg..i]);
                scratch.push(buf[i + 1] as char);
                copied = true;
                i += 2;
                seg = i;
                continue;
            }
            if b == b'\r' && self.cfg.multi_line && self.cfg.line_sep.is_none() {
                // Line breaks inside quoted values come out as `\n`.
                scratch.push_str(&self.text[seg..i]);
                scratch.push('\n');
                copied = true;
                i += if i + 1 < self.end && buf[i + 1] == b'\n' { 2 } else { 1 };
                seg = i;
                continue;
            }
            if b == q {
                if esc == Some(q) && i + 1 < self.end && buf[i + 1] == q {
                    scratch.push_str(&self.text[seg..i]);
                    scratch.push(q as char);
                    copied = true;
                    i += 2;
                    seg = i;
                    continue;
                }
                let mut j = i + 1;
                while j < self.end && is_space(buf[j]) {
                    j += 1;
                }
                if j >= self.end {
                    let t = finish(copied, seg, i, scratch);
                    return Some((t, j, Some(0)));
                }
                if self.class[buf[j] as usize] == SEP && self.sep_at(j) {
                    let t = finish(copied, seg, i, scratch);
                    return Some((t, j + self.cfg.sep.len(), None));
                }
                let n = self.eol_len(j);
                if n > 0 {
                    let t = finish(copied, seg, i, scratch);
                    return Some((t, j, Some(n)));
                }
                scratch.truncate(scratch_start);
                return None;
            }
            if !self.cfg.multi_line && self.class[b as usize] == EOL {
                let n = self.eol_len(i);
                if n > 0 {
                    let t = finish(copied, seg, i, scratch);
                    return Some((t, i, Some(n)));
                }
            }
            i += 1;
        }
    }
}

/// Byte offsets splitting `text[..]` into chunks of about `target` bytes at line ends (only valid when records
/// cannot span lines).
pub fn split_lines(text: &str, target: usize, line_sep: Option<&[u8]>) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = vec![];
    let mut start = 0;
    while start < b.len() {
        let mut cut = (start + target).min(b.len());
        if cut < b.len() {
            match line_sep {
                None => match b[cut..].iter().position(|&c| c == b'\n') {
                    Some(p) => cut += p + 1,
                    None => cut = b.len(),
                },
                Some(ls) => match b[cut..].windows(ls.len()).position(|w| w == ls) {
                    Some(p) => cut += p + ls.len(),
                    None => cut = b.len(),
                },
            }
        }
        out.push((start, cut));
        start = cut;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> TokConfig {
        TokConfig {
            sep: b",".to_vec(),
            quote: Some(b'"'),
            escape: Some(b'\\'),
            comment: None,
            line_sep: None,
            multi_line: false,
            ignore_leading: false,
            ignore_trailing: false,
        }
    }

    fn records(text: &str, cfg: &TokConfig) -> Vec<Vec<Option<String>>> {
        let mut t = Tokenizer::new(text, 0, text.len(), cfg);
        let (mut f, mut s) = (vec![], String::new());
        let mut out = vec![];
        while t.next_record(&mut f, &mut s).is_some() {
            out.push(
                f.iter()
                    .map(|k| match k.kind {
                        TokKind::Text => Some(text[k.start..k.end].to_string()),
                        TokKind::Scratch => Some(s[k.start..k.end].to_string()),
                        TokKind::Null => None,
                        TokKind::QuotedEmpty => Some(String::new()),
                    })
                    .collect(),
            );
        }
        out
    }

    fn s(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|x| x.map(|y| y.to_string())).collect()
    }

    #[test]
    fn quoting_like_spark() {
        // PySpark 4.3 on '"abc"def,x\n"a""b",y\n"a\"b",z\nab"c,w\n"x" ,v\n':
        // ['"abc"def','x'], ['"a""b"','y'], ['a"b','z'], ['ab"c','w'], ['x','v']
        let text = "\"abc\"def,x\n\"a\"\"b\",y\n\"a\\\"b\",z\nab\"c,w\n\"x\" ,v\n";
        let r = records(text, &cfg());
        assert_eq!(r[0], s(&[Some("\"abc\"def"), Some("x")]));
        assert_eq!(r[1], s(&[Some("\"a\"\"b\""), Some("y")]));
        assert_eq!(r[2], s(&[Some("a\"b"), Some("z")]));
        assert_eq!(r[3], s(&[Some("ab\"c"), Some("w")]));
        assert_eq!(r[4], s(&[Some("x"), Some("v")]));
        // escape = '"': ['a"b','y'] and the backslash row stays raw.
        let c2 = TokConfig { escape: Some(b'"'), ..cfg() };
        let r = records(text, &c2);
        assert_eq!(r[1], s(&[Some("a\"b"), Some("y")]));
        assert_eq!(r[2], s(&[Some("\"a\\\"b\""), Some("z")]));
    }

    #[test]
    fn empties_crlf_comments_multiline() {
        let r = records("a,,\"\"\r\n\n1,2\r3", &cfg());
        assert_eq!(r, vec![s(&[Some("a"), None, Some("")]), s(&[Some("1"), Some("2")]), s(&[Some("3")])]);
        let c = TokConfig { comment: Some(b'#'), ..cfg() };
        assert_eq!(records("#c\na\n#x\nb\n", &c), vec![s(&[Some("a")]), s(&[Some("b")])]);
        // Without multiLine an open quote ends at the line end: ['a','unterminated'], ['b','c'].
        let text = "a,\"unterminated\nb,c\n";
        assert_eq!(records(text, &cfg()), vec![s(&[Some("a"), Some("unterminated")]), s(&[Some("b"), Some("c")])]);
        // multiLine reads to the end of the input: ['a', 'unterminated\nb,c\n'].
        let m = TokConfig { multi_line: true, ..cfg() };
        assert_eq!(records(text, &m), vec![s(&[Some("a"), Some("unterminated\nb,c\n")])]);
        // PySpark: blank-only lines are skipped; CRLF inside a multiLine quoted value reads as '\n'.
        assert_eq!(records("a,b\n   \n1,2\n", &cfg()), vec![s(&[Some("a"), Some("b")]), s(&[Some("1"), Some("2")])]);
        assert_eq!(records("\"x\r\ny\",1\r\n", &m), vec![s(&[Some("x\ny"), Some("1")])]);
        // PySpark: '"a\\nb","c\\\\",d' → ['a\\nb', 'c\\', 'd'] (escape before escape is one escape).
        assert_eq!(records("\"a\\nb\",\"c\\\\\",d\n", &cfg()), vec![s(&[Some("a\\nb"), Some("c\\"), Some("d")])]);
    }

    #[test]
    fn separators_and_whitespace() {
        let c = TokConfig { sep: b"||".to_vec(), ..cfg() };
        assert_eq!(records("a||b|c\n", &c), vec![s(&[Some("a"), Some("b|c")])]);
        let c = TokConfig { line_sep: Some(b";".to_vec()), ..cfg() };
        assert_eq!(records("a,b;1,2", &c), vec![s(&[Some("a"), Some("b")]), s(&[Some("1"), Some("2")])]);
        let ws = "  x  ,  \"y\"  \n";
        assert_eq!(records(ws, &cfg()), vec![s(&[Some("  x  "), Some("  \"y\"  ")])]);
        let c = TokConfig { ignore_leading: true, ignore_trailing: true, ..cfg() };
        assert_eq!(records(ws, &c), vec![s(&[Some("x"), Some("y")])]);
    }

    #[test]
    fn chunks_end_at_line_ends() {
        let text = "aaa\nbbb\nccc\n";
        assert_eq!(split_lines(text, 5, None), vec![(0, 8), (8, 12)]);
        assert_eq!(split_lines("a;b;c", 1, Some(b";")), vec![(0, 2), (2, 4), (4, 5)]);
    }
}
