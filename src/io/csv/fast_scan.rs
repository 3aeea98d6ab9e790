//! The tokenizer's fast path for the common shape of CSV text: a chunk without quote characters or carriage returns,
//! a one-byte separator and `\n` line ends. Every field is then the bytes between two stops, so records are found
//! with SIMD byte search (memchr) instead of a byte-at-a-time state machine, and the tokens are the ones the general
//! tokenizer (`tokenizer.rs`) gives for the same text.
use memchr::{memchr, memchr2};

use super::tokenizer::{Tok, TokConfig, TokKind};

/// Whether `bytes` (one chunk) can be tokenized here: no quoting can start in it, no `\r` can end a line, no
/// whitespace option trims fields.
pub fn applies(bytes: &[u8], cfg: &TokConfig) -> bool {
    let [sep] = cfg.sep[..] else { return false };
    cfg.line_sep.is_none()
        && !cfg.ignore_leading
        && !cfg.ignore_trailing
        && sep != b'\n'
        && sep != b'\r'
        && cfg.quote.is_none_or(|q| memchr(q, bytes).is_none())
        && memchr(b'\r', bytes).is_none()
}

#[inline]
fn tok(start: usize, end: usize) -> Tok {
    Tok { start, end, kind: if end == start { TokKind::Null } else { TokKind::Text } }
}

/// Tokenize `text[start..end]` (a chunk `applies` accepted), calling `record(tokens, record_start, record_end)` for
/// each record. Empty lines, comment lines and lines of only blanks are skipped, as the general tokenizer does.
pub fn scan<E>(
    text: &str,
    start: usize,
    end: usize,
    cfg: &TokConfig,
    mut record: impl FnMut(&[Tok], usize, usize) -> Result<(), E>,
) -> Result<(), E> {
    let b = &text.as_bytes()[..end];
    let sep = cfg.sep[0];
    let blank = |c: u8| (c == b' ' || c == b'\t') && c != sep;
    let line_end = |from: usize| memchr(b'\n', &b[from..]).map_or(end, |k| from + k);
    let mut toks: Vec<Tok> = Vec::with_capacity(16);
    let mut pos = start;
    while pos < end {
        let first = b[pos];
        if first == b'\n' {
            pos += 1;
            continue;
        }
        if cfg.comment == Some(first) {
            pos = line_end(pos) + 1;
            continue;
        }
        if blank(first) {
            let le = line_end(pos);
            if b[pos..le].iter().all(|&c| blank(c)) {
                pos = le + 1;
                continue;
            }
        }
        toks.clear();
        let mut field = pos;
        let record_end = loop {
            match memchr2(sep, b'\n', &b[field..]) {
                Some(k) if b[field + k] == sep => {
                    toks.push(tok(field, field + k));
                    field += k + 1;
                }
                Some(k) => {
                    toks.push(tok(field, field + k));
                    break field + k;
                }
                None => {
                    toks.push(tok(field, end));
                    break end;
                }
            }
        };
        record(&toks, pos, record_end)?;
        pos = record_end + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::csv::tokenizer::Tokenizer;

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

    /// A record: its tokens and its span.
    type Record = (Vec<Tok>, usize, usize);

    /// Records from both tokenizers.
    fn both(text: &str, cfg: &TokConfig) -> (Vec<Record>, Vec<Record>) {
        assert!(applies(text.as_bytes(), cfg), "{text:?}");
        let mut fast = vec![];
        scan::<()>(text, 0, text.len(), cfg, |t, s, e| {
            fast.push((t.to_vec(), s, e));
            Ok(())
        })
        .unwrap();
        let mut general = vec![];
        let mut tk = Tokenizer::new(text, 0, text.len(), cfg);
        let (mut t, mut scratch) = (vec![], String::new());
        while let Some((s, e)) = tk.next_record(&mut t, &mut scratch) {
            general.push((t.clone(), s, e));
        }
        (fast, general)
    }

    fn same(text: &str, cfg: &TokConfig) {
        let (fast, general) = both(text, cfg);
        let key = |v: &Vec<Record>| {
            v.iter()
                .map(|(t, s, e)| (t.iter().map(|k| (k.start, k.end, k.kind)).collect::<Vec<_>>(), *s, *e))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&fast), key(&general), "{text:?}");
    }

    #[test]
    fn same_tokens_as_the_general_tokenizer() {
        for text in [
            "",
            "a",
            "a,b\n",
            "a,b\n1,2",
            "a,,\n,\n\n\n,x,\n",
            "  \n\t\n  x ,y\n \t\n",
            "2024-01-01T00:00:00.001000,3,login\n2024-01-01T00:00:00.002000,1,view\n",
            "x\\y,\\\n",
        ] {
            same(text, &cfg());
        }
        same("#c\na,b\n#x\n  #not\n", &TokConfig { comment: Some(b'#'), ..cfg() });
        same("a\tb\n\t\n \t \n", &TokConfig { sep: b"\t".to_vec(), ..cfg() });
        same("a;b\n;\n", &TokConfig { sep: b";".to_vec(), quote: None, ..cfg() });
    }

    #[test]
    fn quotes_and_carriage_returns_take_the_general_path() {
        assert!(!applies(b"a,\"b\"\n", &cfg()));
        assert!(!applies(b"a,b\r\n", &cfg()));
        assert!(applies(b"a,\"b\"\n", &TokConfig { quote: None, ..cfg() }));
        assert!(!applies(b"a||b\n", &TokConfig { sep: b"||".to_vec(), ..cfg() }));
        assert!(!applies(b"a, b\n", &TokConfig { ignore_leading: true, ..cfg() }));
    }
}
