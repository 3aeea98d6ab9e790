//! The JSON data source: JSON Lines / multi-line reading with Spark's inference and parse modes, and writing.
pub mod decode;
pub mod infer;

pub mod lexer;
pub mod options;
mod scan;
pub mod schema_text;
pub mod timestamp;
pub mod tree;
pub mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, StructArray};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use rayon::prelude::*;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use decode::{Col, DecodeEnv, Fail};
use infer::IType;
use lexer::{Lexer, Peek};
use options::{JsonOptions, ParseMode};

pub use write::write_json_lines_map;

/// Stands for an invalid UTF-8 sequence in decoded text (see `decode_bytes`).
const INVALID_UTF8_MARK: &str = "\u{FFFD}\u{0}";

/// Target bytes per parallel decoding chunk of a JSON Lines file.
const CHUNK_BYTES: usize = 4 << 20;

/// Read JSON files: infer the schema unless `schema` is given, then decode every record.
/// `opts` keys are lower-cased option names. Returns the (all-nullable) fields and one batch per chunk.
pub fn read_json(
    files: &[PathBuf],
    schema: Option<&Fields>,
    opts: &HashMap<String, String>,
    ctx: &EvalContext,
) -> Result<(Fields, Vec<RecordBatch>)> {
    read_json_projected(files, schema, None, opts, ctx)
}

/// `read_json` decoding only the fields at `projection` (indices into the returned fields; others, when given):
/// the rest are syntax-checked but not converted, and read as all nulls of their type (Spark's required schema).
pub fn read_json_projected(
    files: &[PathBuf],
    schema: Option<&Fields>,
    projection: Option<&[usize]>,
    opts: &HashMap<String, String>,
    ctx: &EvalContext,
) -> Result<(Fields, Vec<RecordBatch>)> {
    let jopts = JsonOptions::from_map(opts)?;
    check_line_mode_encoding(&jopts)?;
    if let Some(f) = schema.and_then(|s| s.iter().find(|f| f.name() == &jopts.corrupt_column)) {
        if f.data_type() != &DataType::Utf8 {
            let shown = crate::types::simple_string(f.data_type()).to_uppercase();
            return Err(EmberError::analysis_class(
                "INVALID_CORRUPT_RECORD_TYPE",
                format!(
                    "The column `{}` for corrupt records must have the nullable STRING type, but got \"{shown}\". \
                     SQLSTATE: 42804",
                    f.name()
                ),
            ));
        }
    }
    let env = DecodeEnv::new(jopts, ctx.time_zone)?;
    let texts: Vec<String> = files.par_iter().map(|p| load_text(p, &env.opts)).collect::<Result<_>>()?;
    let chunks: Vec<(usize, Chunk)> = texts
        .iter()
        .enumerate()
        .flat_map(|(i, t)| split_chunks(t, &env.opts).into_iter().map(move |c| (i, Chunk::Text(c))))
        .collect();
    let fields = match schema {
        Some(f) => {
            decode::check_supported(&DataType::Struct(f.clone()))?;
            crate::types::fields_as_nullable(f)
        }
        None => infer_fields(&chunks, &env)?,
    };
    let read: Option<Vec<bool>> = projection.map(|p| (0..fields.len()).map(|i| p.contains(&i)).collect());
    let batches = chunks
        .par_iter()
        .map(|(fi, c)| decode_chunk(*c, &fields, read.as_deref(), &env, Some(&files[*fi])))
        .collect::<Result<Vec<_>>>()?;
    Ok((fields, batches.into_iter().filter(|b| b.num_rows() > 0).collect()))
}

/// `spark.read.json(dataset_of_strings)`: each string is one JSON record (it may span lines).
pub fn read_json_strings(
    records: &[&str],
    schema: Option<&Fields>,
    opts: &HashMap<String, String>,
    ctx: &EvalContext,
) -> Result<(Fields, Vec<RecordBatch>)> {
    let env = DecodeEnv::new(JsonOptions::from_map(opts)?, ctx.time_zone)?;
    let chunks: Vec<(usize, Chunk)> = records.chunks(16384).map(|c| (0, Chunk::Records(c))).collect();
    let fields = match schema {
        Some(f) => {
            decode::check_supported(&DataType::Struct(f.clone()))?;
            crate::types::fields_as_nullable(f)
        }
        None => infer_fields(&chunks, &env)?,
    };
    let batches =
        chunks.par_iter().map(|(_, c)| decode_chunk(*c, &fields, None, &env, None)).collect::<Result<Vec<_>>>()?;
    Ok((fields, batches.into_iter().filter(|b| b.num_rows() > 0).collect()))
}

/// Line mode splits bytes on `\n`, which is only safe for UTF-8 unless the separator is given.
fn check_line_mode_encoding(o: &JsonOptions) -> Result<()> {
    if let Some(enc) = &o.encoding {
        let utf8 = matches!(enc.to_ascii_uppercase().replace('_', "-").as_str(), "UTF-8" | "UTF8");
        if !utf8 && !o.multi_line && o.line_sep.is_none() {
            return Err(EmberError::illegal_argument(format!(
                "requirement failed: The lineSep option must be specified for the {enc} encoding"
            )));
        }
    }
    Ok(())
}

fn load_text(path: &Path, opts: &JsonOptions) -> Result<String> {
    let bytes = crate::io::compression::read_data_file(path)?;
    // A whole-file (multiLine) read detects UTF-16/32 from a byte-order mark when no encoding is given.
    let detected = match (&opts.encoding, opts.multi_line) {
        (None, true) if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) => Some("UTF-32LE"),
        (None, true) if bytes.starts_with(&[0, 0, 0xFE, 0xFF]) => Some("UTF-32BE"),
        (None, true) if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) => Some("UTF-16"),
        _ => None,
    };
    let skip = match detected {
        Some("UTF-32LE") | Some("UTF-32BE") => 4,
        _ => 0,
    };
    let bytes = if skip == 0 { bytes } else { bytes[skip..].to_vec() };
    Ok(decode_bytes(bytes, detected.or(opts.encoding.as_deref())))
}

/// Bytes to text in the `encoding` option's charset (UTF-8 by default; a byte-order mark is honoured and dropped).
pub fn decode_bytes(bytes: Vec<u8>, encoding: Option<&str>) -> String {
    let enc = encoding.map(|e| e.to_ascii_uppercase().replace('_', "-")).unwrap_or_default();
    let utf16 = |b: &[u8], le: bool| -> String {
        let units =
            b.chunks_exact(2)
                .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
        char::decode_utf16(units).map(|r| r.unwrap_or('\u{FFFD}')).collect()
    };
    let utf32 = |b: &[u8], le: bool| -> String {
        b.chunks_exact(4)
            .map(|c| {
                let v = if le {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(v).unwrap_or('\u{FFFD}')
            })
            .collect()
    };
    let s = match enc.as_str() {
        "UTF-16LE" => utf16(&bytes, true),
        "UTF-16BE" => utf16(&bytes, false),
        "UTF-16" => {
            if bytes.starts_with(&[0xFF, 0xFE]) {
                utf16(&bytes[2..], true)
            } else if bytes.starts_with(&[0xFE, 0xFF]) {
                utf16(&bytes[2..], false)
            } else {
                utf16(&bytes, false)
            }
        }
        "UTF-32LE" => utf32(&bytes, true),
        "UTF-32BE" | "UTF-32" => utf32(&bytes, false),
        "ISO-8859-1" | "LATIN1" | "US-ASCII" => bytes.iter().map(|b| *b as char).collect(),
        _ => match String::from_utf8(bytes) {
            Ok(s) => s,
            // Jackson rejects a record with invalid UTF-8: mark each bad sequence with U+FFFD and a NUL, which no
            // JSON token accepts, so the record is malformed; the NUL is dropped again from corrupt-record text.
            Err(e) => {
                let mut s = String::with_capacity(e.as_bytes().len() + 8);
                for chunk in e.as_bytes().utf8_chunks() {
                    s.push_str(chunk.valid());
                    if !chunk.invalid().is_empty() {
                        s.push_str(INVALID_UTF8_MARK);
                    }
                }
                s
            }
        },
    };
    match s.strip_prefix('\u{FEFF}') {
        Some(rest) => rest.to_string(),
        None => s,
    }
}

/// Split a text into independently decodable pieces at record boundaries (a multi-line file stays whole).
fn split_chunks<'a>(text: &'a str, opts: &JsonOptions) -> Vec<&'a str> {
    if opts.multi_line || text.len() <= CHUNK_BYTES {
        return vec![text];
    }
    let sep = opts.line_sep.as_deref().unwrap_or("\n");
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + CHUNK_BYTES).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if end < text.len() {
            match text[end..].find(sep) {
                Some(i) => end += i + sep.len(),
                None => end = text.len(),
            }
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

/// A unit of parallel work: part of a file's text, or in-memory records (one JSON text each).
#[derive(Clone, Copy)]
enum Chunk<'a> {
    Text(&'a str),
    Records(&'a [&'a str]),
}

fn for_each_in<'a>(c: Chunk<'a>, opts: &JsonOptions, mut f: impl FnMut(&'a str) -> Result<()>) -> Result<()> {
    match c {
        Chunk::Text(t) => for_each_record(t, opts, f),
        Chunk::Records(rs) => rs.iter().try_for_each(|r| f(r)),
    }
}

/// Call `f` with each record of a chunk: lines (by `lineSep`, default `\n` with an optional `\r`) or the whole text.
fn for_each_record<'a>(text: &'a str, opts: &JsonOptions, mut f: impl FnMut(&'a str) -> Result<()>) -> Result<()> {
    if opts.multi_line {
        return f(text);
    }
    match opts.line_sep.as_deref() {
        Some(sep) => {
            for line in text.split(sep) {
                if !line.is_empty() {
                    f(line)?;
                }
            }
        }
        None => {
            let b = text.as_bytes();
            let mut start = 0;
            while start < b.len() {
                let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |k| start + k);
                // `\n` is ASCII, so both ends are character boundaries.
                let line = &text[start..end];
                let line = line.strip_suffix('\r').unwrap_or(line);
                if !line.is_empty() {
                    f(line)?;
                }
                start = end + 1;
            }
        }
    }
    Ok(())
}

fn failfast_inference_error(opts: &JsonOptions) -> EmberError {
    EmberError::execution_class(
        "MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION",
        format!(
            "Malformed records are detected in record parsing: {}.\nParse Mode: FAILFAST. To process malformed records \
             as null result, try setting the option 'mode' as 'PERMISSIVE'.  SQLSTATE: 22023",
            opts.corrupt_column
        ),
    )
}

/// Infer the root struct of a set of chunks (in parallel), adding the corrupt-record column when a record is bad.
fn infer_fields(chunks: &[(usize, Chunk)], env: &DecodeEnv) -> Result<Fields> {
    let parts = chunks
        .par_iter()
        .map(|(_, c)| infer_chunk(*c, env))
        .collect::<Result<Vec<(IType, bool, Option<EmberError>)>>>()?;
    let mut root = IType::Struct(Vec::new());
    let mut corrupt = false;
    let mut problem = None;
    for (t, c, d) in parts {
        root = infer::compatible(root, t);
        corrupt |= c;
        problem = problem.or(d);
    }
    if let Some(e) = problem {
        return Err(e);
    }
    let IType::Struct(fs) = &root else { unreachable!("the root is always a struct") };
    let mut fields: Vec<Field> =
        infer::struct_fields(fs, env.opts.drop_field_if_all_null).iter().map(|f| f.as_ref().clone()).collect();
    if corrupt && env.opts.mode == ParseMode::Permissive && !fields.iter().any(|f| f.name() == &env.opts.corrupt_column)
    {
        fields.push(Field::new(&env.opts.corrupt_column, DataType::Utf8, true));
        fields.sort_by(|a, b| a.name().cmp(b.name()));
    }
    let fields = Fields::from(fields);
    check_duplicates(&fields)?;
    Ok(fields)
}

fn column_exists(name: &str) -> EmberError {
    EmberError::analysis_class(
        "COLUMN_ALREADY_EXISTS",
        format!(
            "The column `{}` already exists. Choose another name or rename the existing column. SQLSTATE: 42711",
            name.to_lowercase()
        ),
    )
}

/// Field names must differ ignoring case at every struct level (`spark.sql.caseSensitive=false`).
fn check_duplicates(fields: &Fields) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for f in fields {
        if !seen.insert(f.name().to_lowercase()) {
            return Err(column_exists(f.name()));
        }
    }
    for f in fields {
        let mut dt = f.data_type();
        while let DataType::List(e) = dt {
            dt = e.data_type();
        }
        if let DataType::Struct(inner) = dt {
            check_duplicates(inner)?;
        }
    }
    Ok(())
}

/// Infer one chunk: the merged root struct and whether any record was malformed.
fn infer_chunk(text: Chunk, env: &DecodeEnv) -> Result<(IType, bool, Option<EmberError>)> {
    // Records widen the schema in place; a malformed object may have widened it before its error showed, so a
    // chunk with such a record is inferred again with each object's syntax checked first (clean data: one pass).
    match infer_chunk_pass(text, env, false)? {
        // Spark meets a malformed record's leading numbers before its syntax error, so the first pass decides
        // NEGATIVE_SCALE_DISALLOWED.
        (_, _, true, Some(e)) if e.error_class() == Some("NEGATIVE_SCALE_DISALLOWED") => Err(e),
        (_, _, true, _) => infer_chunk_pass(text, env, true).map(|(t, c, _, d)| (t, c, d)),
        (t, c, false, d) => Ok((t, c, d)),
    }
}

/// One inference pass: (root, any malformed record, a malformed object was partly merged, Spark's error if any).
fn infer_chunk_pass(text: Chunk, env: &DecodeEnv, validate: bool) -> Result<(IType, bool, bool, Option<EmberError>)> {
    let mut polluted = false;
    let mut root = IType::Struct(Vec::new());
    let mut corrupt = false;
    let mut st = infer::InferState::default();
    let ratio = env.opts.sampling_ratio;
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    for_each_in(text, &env.opts, |rec| {
        if ratio < 1.0 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            if (rng >> 11) as f64 / (1u64 << 53) as f64 >= ratio {
                return Ok(());
            }
        }
        let mut lx = Lexer::new(rec, &env.opts);
        let ok = match lx.peek() {
            // A top-level null adds nothing to the schema (it still reads as an all-null row).
            Ok(Peek::End) => return Ok(()),
            // Only a real `null` token: text that merely starts with `n` ("not json") is malformed.
            Ok(Peek::Null) if Lexer::new(rec, &env.opts).skip_value().is_ok() => return Ok(()),
            // Check the syntax first so that a malformed record contributes no fields.
            Ok(Peek::Object) => {
                if validate && Lexer::new(rec, &env.opts).skip_value().is_err() {
                    false
                } else {
                    let ok = infer::infer_into(&mut root, &mut lx, env, &mut st).is_ok();
                    polluted |= !ok;
                    ok
                }
            }
            Ok(Peek::Array) => {
                let mut t = IType::Null;
                match infer::infer_into(&mut t, &mut lx, env, &mut st) {
                    Ok(()) => match t {
                        IType::Array(e) => match *e {
                            IType::Null => true,
                            s @ IType::Struct(_) => {
                                let old = std::mem::replace(&mut root, IType::Null);
                                root = infer::compatible(old, s);
                                true
                            }
                            _ => false,
                        },
                        _ => false,
                    },
                    Err(_) => false,
                }
            }
            _ => false,
        };
        if !ok {
            if env.opts.mode == ParseMode::FailFast {
                return Err(failfast_inference_error(&env.opts));
            }
            corrupt = true;
        }
        Ok(())
    })?;
    Ok((root, corrupt, polluted, st.error()))
}

fn file_url(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    format!("file://{}", abs.display())
}

/// Decodes records into a root struct column, applying the parse mode.
pub struct RecordDecoder<'e> {
    env: &'e DecodeEnv,
    pub root: Col,
    corrupt_idx: Option<usize>,
    scratch: String,
}

impl<'e> RecordDecoder<'e> {
    pub fn new(fields: &Fields, env: &'e DecodeEnv) -> Self {
        RecordDecoder::with_projection(fields, None, env)
    }

    /// A decoder that converts only the fields with `read[i]` (all when None); the corrupt-record text is produced
    /// only when its column is read.
    pub fn with_projection(fields: &Fields, read: Option<&[bool]>, env: &'e DecodeEnv) -> Self {
        let is_read = |i: usize| read.is_none_or(|r| r.get(i).copied().unwrap_or(true));
        let corrupt_idx =
            fields.iter().position(|f| f.name() == &env.opts.corrupt_column && f.data_type() == &DataType::Utf8);
        let root =
            Col::new_pruned(&DataType::Struct(fields.clone()), corrupt_idx.map(|i| fields[i].name().as_str()), read);
        RecordDecoder { env, root, corrupt_idx: corrupt_idx.filter(|i| is_read(*i)), scratch: String::new() }
    }

    /// Decode one record: zero rows (blank), one row (an object), or one per element (an array of objects).
    /// Returns `Err(rendered partial row)` when the record is malformed in FAILFAST mode.
    pub fn record(&mut self, text: &str) -> std::result::Result<(), String> {
        let row0 = self.root.len();
        let mut lx = Lexer::new(text, &self.env.opts);
        let outcome: std::result::Result<(), Fail> = match lx.peek() {
            Ok(Peek::End) => return Ok(()),
            Ok(Peek::Object) => {
                let r = self.root.decode_object(&mut lx, self.env, &mut self.scratch);
                if r != Err(Fail::Syntax) {
                    self.root.push_row_valid();
                }
                r
            }
            Ok(Peek::Array) => self.top_level_array(&mut lx),
            _ => Err(Fail::Syntax),
        };
        let Err(fail) = outcome else { return Ok(()) };
        if fail == Fail::Syntax {
            self.root.truncate(row0);
        }
        match self.env.opts.mode {
            ParseMode::DropMalformed => {
                self.root.truncate(row0);
                Ok(())
            }
            ParseMode::FailFast => {
                if self.root.len() == row0 {
                    self.root.push_null_row();
                }
                let shown = self.root.render(row0);
                self.root.truncate(row0);
                Err(shown)
            }
            ParseMode::Permissive => {
                if fail == Fail::Syntax {
                    self.root.push_null_row();
                }
                if let Some(ci) = self.corrupt_idx {
                    let n = self.root.len();
                    let c = &mut self.root.children_mut()[ci];
                    c.truncate(row0);
                    let shown: std::borrow::Cow<str> = if text.contains(INVALID_UTF8_MARK) {
                        text.replace(INVALID_UTF8_MARK, "\u{FFFD}").into()
                    } else {
                        text.into()
                    };
                    for _ in row0..n {
                        c.push_str(&shown);
                    }
                }
                Ok(())
            }
        }
    }

    fn top_level_array(&mut self, lx: &mut Lexer) -> std::result::Result<(), Fail> {
        let mut failed = false;
        if !lx.begin_array()? {
            loop {
                if lx.peek()? != Peek::Object {
                    return Err(Fail::Syntax);
                }
                match self.root.decode_object(lx, self.env, &mut self.scratch) {
                    Ok(()) => {}
                    Err(Fail::Convert | Fail::Partial) => failed = true,
                    Err(Fail::Syntax) => return Err(Fail::Syntax),
                }
                self.root.push_row_valid();
                if !lx.next_member(b']')? {
                    break;
                }
            }
        }
        if failed {
            Err(Fail::Convert)
        } else {
            Ok(())
        }
    }

    /// The decoded rows as a batch with `fields` as its schema.
    pub fn finish(self, fields: &Fields) -> Result<RecordBatch> {
        let n = self.root.len();
        let arr = self.root.finish(&DataType::Struct(fields.clone()));
        struct_to_batch(arr, n)
    }
}

fn struct_to_batch(arr: ArrayRef, n: usize) -> Result<RecordBatch> {
    let s = arr.as_any().downcast_ref::<StructArray>().expect("root is a struct");
    let (fields, columns, _) = s.clone().into_parts();
    let schema = Arc::new(Schema::new(fields));
    Ok(RecordBatch::try_new_with_options(schema, columns, &RecordBatchOptions::new().with_row_count(Some(n)))?)
}

fn decode_chunk(
    text: Chunk,
    fields: &Fields,
    read: Option<&[bool]>,
    env: &DecodeEnv,
    path: Option<&Path>,
) -> Result<RecordBatch> {
    let mut dec = RecordDecoder::with_projection(fields, read, env);
    for_each_in(text, &env.opts, |rec| {
        dec.record(rec).map_err(|shown| {
            let malformed = format!(
                "Malformed records are detected in record parsing: {shown}.\nParse Mode: FAILFAST. To process \
                 malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'.  SQLSTATE: 22023"
            );
            match path {
                Some(p) => EmberError::execution_class(
                    "FAILED_READ_FILE.NO_HINT",
                    format!(
                        "Encountered error while reading file {}.  SQLSTATE: KD001\nCaused by: \
                         [MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] {malformed}",
                        file_url(p)
                    ),
                ),
                None => EmberError::execution_class("MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION", malformed),
            }
        })
    })?;
    dec.finish(fields)
}

#[cfg(test)]
mod tests;
