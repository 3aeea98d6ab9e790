//! The tokenizer's fast path for the common shape of CSV text: records without quote characters or carriage returns,
//! a one-byte separator and `\n` line ends. Every field is then the bytes between two stops, so the text is read
//! 64 bytes at a time into bit masks of the bytes that matter (separator, line end, quote, `\r`) and tokens come from
//! walking the set bits, instead of a byte-at-a-time state machine or a search call per field. The first record
//! holding a quote or `\r` ends the fast path: `scan` returns its start and the general tokenizer
//! (`tokenizer.rs`) takes the rest of the chunk. The tokens are the ones the general tokenizer gives.
use memchr::memchr2;

use super::tokenizer::{Tok, TokConfig, TokKind};

/// Whether the options allow this path at all: one-byte separator, `\n`/`\r\n` line ends (records with `\r` go to
/// the general tokenizer), no whitespace trimming.
pub fn applies(cfg: &TokConfig) -> bool {
    let [sep] = cfg.sep[..] else { return false };
    cfg.line_sep.is_none() && !cfg.ignore_leading && !cfg.ignore_trailing && sep != b'\n' && sep != b'\r'
}

#[inline]
fn tok(start: usize, end: usize) -> Tok {
    Tok { start, end, kind: if end == start { TokKind::Null } else { TokKind::Text } }
}

/// Bit `i` set where `block[i]` is one of `stops` (repeats allowed).
#[inline(always)]
fn block_mask(block: &[u8; 64], stops: [u8; 4]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SSE2 is part of x86-64's baseline: no runtime detection needed.
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is always available on x86_64; the loads read 16 bytes inside the 64-byte array.
        unsafe {
            let wanted = stops.map(|c| _mm_set1_epi8(c as i8));
            let mut mask = 0u64;
            for k in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * k) as *const __m128i);
                let hit = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, wanted[0]), _mm_cmpeq_epi8(v, wanted[1])),
                    _mm_or_si128(_mm_cmpeq_epi8(v, wanted[2]), _mm_cmpeq_epi8(v, wanted[3])),
                );
                mask |= (_mm_movemask_epi8(hit) as u32 as u64) << (16 * k);
            }
            mask
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut mask = 0u64;
        for (i, c) in block.iter().enumerate() {
            mask |= u64::from(stops.contains(c)) << i;
        }
        mask
    }
}

/// The stop bytes of `b` (separator, `\n`, quote, `\r`), found a 64-byte block at a time. One combined mask costs
/// less to build than one per kind; the caller reads the stop's byte to tell the kinds apart.
struct Stops<'a> {
    b: &'a [u8],
    stops: [u8; 4],
    /// The block the mask describes, and its stop bits.
    block: usize,
    mask: u64,
}

impl<'a> Stops<'a> {
    /// Stops at `sep`, `\n`, `quote` and `\r` (`quote` may repeat `sep`, standing for no quote character).
    fn new(b: &'a [u8], sep: u8, quote: u8) -> Self {
        Stops { b, stops: [sep, b'\n', quote, b'\r'], block: usize::MAX, mask: 0 }
    }

    #[inline(always)]
    fn load(&mut self, block: usize) {
        let at = block * 64;
        self.mask = match self.b.get(at..at + 64) {
            Some(full) => block_mask(full.try_into().expect("64 bytes"), self.stops),
            None => {
                // The tail: padded with a byte that is never a stop (stops are ASCII punctuation or control).
                let mut pad = [0xFFu8; 64];
                pad[..self.b.len() - at].copy_from_slice(&self.b[at..]);
                block_mask(&pad, self.stops)
            }
        };
        self.block = block;
    }

    /// The first stop at or after `from`, or None.
    #[inline(always)]
    fn next(&mut self, from: usize) -> Option<usize> {
        let mut block = from / 64;
        if block != self.block {
            if from >= self.b.len() {
                return None;
            }
            self.load(block);
        }
        let mut m = self.mask & (u64::MAX << (from % 64));
        while m == 0 {
            block += 1;
            if block * 64 >= self.b.len() {
                return None;
            }
            self.load(block);
            m = self.mask;
        }
        Some(block * 64 + m.trailing_zeros() as usize)
    }
}

/// Tokenize `text[start..end]` (options `applies` accepted), calling `record(tokens, record_start, record_end)` for
/// each record, until the first record that holds a quote character or `\r`. Returns where that record starts (the
/// general tokenizer's starting point), or `end`. Empty lines, comment lines and lines of only blanks are skipped, as
/// the general tokenizer does.
pub fn scan<E>(
    text: &str,
    start: usize,
    end: usize,
    cfg: &TokConfig,
    mut record: impl FnMut(&[Tok], usize, usize) -> Result<(), E>,
) -> Result<usize, E> {
    let b = &text.as_bytes()[..end];
    let sep = cfg.sep[0];
    let quote = cfg.quote.unwrap_or(sep);
    let mut stops = Stops::new(b, sep, quote);
    let blank = |c: u8| (c == b' ' || c == b'\t') && c != sep;
    // The end of a skipped line; None when a `\r` comes first (line ends with `\r` are the general tokenizer's).
    let line_end = |from: usize| match memchr2(b'\n', b'\r', &b[from..]) {
        Some(k) if b[from + k] == b'\r' => None,
        Some(k) => Some(from + k),
        None => Some(end),
    };
    let mut toks: Vec<Tok> = Vec::with_capacity(16);
    let mut pos = start;
    while pos < end {
        let first = b[pos];
        if first == b'\n' {
            pos += 1;
            continue;
        }
        if cfg.comment == Some(first) {
            let Some(le) = line_end(pos) else { return Ok(pos) };
            pos = le + 1;
            continue;
        }
        if blank(first) {
            let Some(le) = line_end(pos) else { return Ok(pos) };
            if b[pos..le].iter().all(|&c| blank(c)) {
                pos = le + 1;
                continue;
            }
        }
        toks.clear();
        let mut field = pos;
        let record_end = loop {
            match stops.next(field) {
                Some(k) if b[k] == sep => {
                    toks.push(tok(field, k));
                    field = k + 1;
                }
                Some(k) if b[k] == b'\n' => {
                    toks.push(tok(field, k));
                    break k;
                }
                // A quote or `\r`: this record is the general tokenizer's.
                Some(_) => return Ok(pos),
                None => {
                    toks.push(tok(field, end));
                    break end;
                }
            }
        };
        record(&toks, pos, record_end)?;
        pos = record_end + 1;
    }
    Ok(end)
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
        assert!(applies(cfg), "{text:?}");
        let mut fast = vec![];
        let stopped = scan::<()>(text, 0, text.len(), cfg, |t, s, e| {
            fast.push((t.to_vec(), s, e));
            Ok(())
        })
        .unwrap();
        // The rest goes to the general tokenizer, as the reader does.
        fast.extend(general_from(text, stopped, cfg));
        (fast, general_from(text, 0, cfg))
    }

    fn general_from(text: &str, start: usize, cfg: &TokConfig) -> Vec<Record> {
        let mut general = vec![];
        let mut tk = Tokenizer::new(text, start, text.len(), cfg);
        let (mut t, mut scratch) = (vec![], String::new());
        while let Some((s, e)) = tk.next_record(&mut t, &mut scratch) {
            general.push((t.clone(), s, e));
        }
        general
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
    fn quotes_and_carriage_returns_hand_the_rest_to_the_general_tokenizer() {
        let long = "2024-01-01T00:00:00.001000,3,login\n".repeat(5);
        for text in [
            format!("{long}a,\"b,c\"\n{long}"),
            format!("{long}a,b\r\n{long}"),
            format!("{long}\"x\ny\",z\n"),
            "\"a\",b\n".to_string(),
            "a,b\r\nc,d\r\n".to_string(),
            format!("{}x,\"", "y,".repeat(40)),
            "#c\rd,1\n#e\ne,2\n".to_string(),
            "  \r\nf,3\n".to_string(),
        ] {
            same(&text, &cfg());
            same(&text, &TokConfig { multi_line: true, ..cfg() });
            same(&text, &TokConfig { comment: Some(b'#'), ..cfg() });
        }
        let text = format!("{long}a,\"b\"\n");
        let stopped = scan::<()>(&text, 0, text.len(), &cfg(), |_, _, _| Ok(())).unwrap();
        assert_eq!(stopped, long.len(), "the quoted record starts the general path");
        let all = scan::<()>(&text, 0, text.len(), &TokConfig { quote: None, ..cfg() }, |_, _, _| Ok(())).unwrap();
        assert_eq!(all, text.len(), "without a quote character quotes are plain bytes");
        assert!(!applies(&TokConfig { sep: b"||".to_vec(), ..cfg() }));
        assert!(!applies(&TokConfig { ignore_leading: true, ..cfg() }));
    }

    #[test]
    fn stops_are_found_across_block_boundaries() {
        for len in [0, 1, 63, 64, 65, 127, 128, 129, 200] {
            let mut b = vec![b'a'; len];
            for at in (0..len).step_by(7) {
                b[at] = b',';
            }
            let want: Vec<usize> = (0..len).filter(|&i| b[i] == b',').collect();
            let mut stops = Stops::new(&b, b',', b'"');
            let (mut got, mut from) = (vec![], 0);
            while let Some(k) = stops.next(from) {
                got.push(k);
                from = k + 1;
            }
            assert_eq!(got, want, "{len}");
        }
    }
}
