//! CSV: Spark's reader (tokenizer, schema inference, parse modes) and writer.
pub mod fast_scan;
pub mod infer;
pub mod read;
pub mod tokenizer;
pub mod values;
pub mod write;

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use rayon::prelude::*;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::options::Options;
use crate::io::paths::{self, FileEntry};
use crate::types::datetime_pattern::DateTimePattern;

use infer::{InferConfig, InferType};
use read::{Converter, ReadColumns, RowSink};
use tokenizer::{Tok, TokConfig, Tokenizer};

pub use write::write_csv;

/// Spark's `mode` option (unknown values fall back to PERMISSIVE, as Spark does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseMode {
    Permissive,
    DropMalformed,
    FailFast,
}

impl ParseMode {
    pub fn parse(s: Option<&str>) -> ParseMode {
        match s.map(|m| m.to_ascii_uppercase()) {
            Some(m) if m == "DROPMALFORMED" => ParseMode::DropMalformed,
            Some(m) if m == "FAILFAST" => ParseMode::FailFast,
            _ => ParseMode::Permissive,
        }
    }
}

/// The CSV reader's options, resolved with Spark's defaults.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    pub header: bool,
    pub infer_schema: bool,
    pub tok: TokConfig,
    pub null_value: String,
    pub empty_value_read: String,
    pub nan_value: String,
    pub positive_inf: String,
    pub negative_inf: String,
    pub date_format: Option<String>,
    pub timestamp_format: Option<String>,
    pub timestamp_ntz_format: Option<String>,
    pub encoding: Encoding,
    pub sampling_ratio: f64,
    pub enforce_schema: bool,
    pub max_columns: usize,
    pub mode: ParseMode,
    pub corrupt_column: String,
    pub prefer_date: bool,
    /// Spark's `columnPruning` option: convert only the columns a query reads (off by default with multiLine).
    pub column_pruning: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Latin1,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn parse(s: Option<&str>) -> Result<Encoding> {
        let Some(s) = s else { return Ok(Encoding::Utf8) };
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "iso-8859-1" | "latin1" | "iso8859-1" | "us-ascii" | "ascii" | "windows-1252" | "cp1252" => {
                Ok(Encoding::Latin1)
            }
            "utf-16le" => Ok(Encoding::Utf16Le),
            "utf-16be" | "utf-16" => Ok(Encoding::Utf16Be),
            _ => Err(EmberError::not_implemented(format!("encoding {s}"))),
        }
    }

    /// File bytes → text (invalid UTF-8 becomes U+FFFD like Java's decoder; a leading BOM is dropped).
    pub fn decode(self, bytes: Vec<u8>) -> String {
        let s = match self {
            Encoding::Utf8 => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            },
            Encoding::Latin1 => bytes.iter().map(|&b| b as char).collect(),
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let units: Vec<u16> = bytes
                    .chunks_exact(2)
                    .map(|c| {
                        if self == Encoding::Utf16Le {
                            u16::from_le_bytes([c[0], c[1]])
                        } else {
                            u16::from_be_bytes([c[0], c[1]])
                        }
                    })
                    .collect();
                String::from_utf16_lossy(&units)
            }
        };
        match s.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => s,
        }
    }

    /// Text → bytes in this encoding (unmappable characters become `?`).
    pub fn encode(self, s: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => s.as_bytes().to_vec(),
            Encoding::Latin1 => s.chars().map(|c| if (c as u32) < 256 { c as u8 } else { b'?' }).collect(),
            Encoding::Utf16Le => s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
            Encoding::Utf16Be => s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect(),
        }
    }
}

/// Spark's separator spelling: `\t`, `\u0001` escapes are accepted.
pub fn parse_separator(s: &str) -> Result<String> {
    match s {
        "" => Err(EmberError::illegal_argument("Delimiter cannot be empty string")),
        "\\t" => Ok("\t".into()),
        "\\\\" => Ok("\\".into()),
        _ if s.starts_with("\\u") && s.len() == 6 => {
            u32::from_str_radix(&s[2..], 16).ok().and_then(char::from_u32).map(|c| c.to_string()).ok_or_else(|| {
                EmberError::illegal_argument(format!("Unsupported special character for delimiter: {s}"))
            })
        }
        _ if s.starts_with('\\') && s.len() == 2 => {
            Err(EmberError::illegal_argument(format!("Unsupported special character for delimiter: {s}")))
        }
        _ => Ok(s.to_string()),
    }
}

fn ascii_char(opts: &Options, key: &str, default: Option<char>) -> Result<Option<u8>> {
    match opts.get_char(key, default)? {
        None => Ok(None),
        Some(c) if c.is_ascii() => Ok(Some(c as u8)),
        Some(c) => Err(EmberError::not_implemented(format!("non-ASCII {key} character '{c}'"))),
    }
}

impl CsvOptions {
    pub fn from_options(opts: &Options) -> Result<CsvOptions> {
        let sep = parse_separator(opts.get_any(&["sep", "delimiter"]).unwrap_or(","))?;
        let line_sep = match opts.get("lineSep") {
            None => None,
            Some("") => {
                return Err(EmberError::illegal_argument("requirement failed: 'lineSep' cannot be an empty string"))
            }
            Some(s) => Some(s.as_bytes().to_vec()),
        };
        let comment = ascii_char(opts, "comment", None)?;
        let mode = ParseMode::parse(opts.get("mode"));
        let multi_line = opts.get_bool("multiLine", false)?;
        Ok(CsvOptions {
            header: opts.get_bool("header", false)?,
            infer_schema: opts.get_bool("inferSchema", false)?,
            tok: TokConfig {
                sep: sep.into_bytes(),
                quote: ascii_char(opts, "quote", Some('"'))?,
                escape: ascii_char(opts, "escape", Some('\\'))?,
                comment,
                line_sep,
                multi_line,
                ignore_leading: opts.get_bool("ignoreLeadingWhiteSpace", false)?,
                ignore_trailing: opts.get_bool("ignoreTrailingWhiteSpace", false)?,
            },
            null_value: opts.get("nullValue").unwrap_or("").to_string(),
            empty_value_read: opts.get("emptyValue").unwrap_or("").to_string(),
            nan_value: opts.get("nanValue").unwrap_or("NaN").to_string(),
            positive_inf: opts.get("positiveInf").unwrap_or("Inf").to_string(),
            negative_inf: opts.get("negativeInf").unwrap_or("-Inf").to_string(),
            date_format: opts.get("dateFormat").map(str::to_string),
            timestamp_format: opts.get("timestampFormat").map(str::to_string),
            timestamp_ntz_format: opts.get("timestampNTZFormat").map(str::to_string),
            encoding: Encoding::parse(opts.get_any(&["encoding", "charset"]))?,
            sampling_ratio: opts.get_f64("samplingRatio", 1.0)?,
            enforce_schema: opts.get_bool("enforceSchema", true)?,
            max_columns: opts.get_usize("maxColumns", 20480)?,
            mode,
            corrupt_column: opts.get("columnNameOfCorruptRecord").unwrap_or("_corrupt_record").to_string(),
            prefer_date: opts.get_bool("preferDate", true)?,
            column_pruning: opts.get_bool("columnPruning", !multi_line)?,
        })
    }
}

fn compile(p: &Option<String>) -> Result<Option<DateTimePattern>> {
    p.as_deref().map(DateTimePattern::compile).transpose()
}

/// A piece of one file to parse on its own.
struct Chunk {
    file: usize,
    start: usize,
    end: usize,
    first: bool,
}

const CHUNK_BYTES: usize = 4 << 20;

fn chunks_of(texts: &[String], o: &CsvOptions) -> Vec<Chunk> {
    let mut out = vec![];
    for (file, t) in texts.iter().enumerate() {
        if o.tok.multi_line {
            out.push(Chunk { file, start: 0, end: t.len(), first: true });
        } else {
            for (i, (start, end)) in
                tokenizer::split_lines(t, CHUNK_BYTES, o.tok.line_sep.as_deref()).into_iter().enumerate()
            {
                out.push(Chunk { file, start, end, first: i == 0 });
            }
        }
    }
    out
}

fn max_columns_error(raw: &str) -> EmberError {
    EmberError::execution_class("MALFORMED_CSV_RECORD", format!("Malformed CSV record: {raw} SQLSTATE: KD000"))
}

/// Column names from a header record: empty names become `_c<i>`, duplicates (case-insensitive) get their index.
fn header_names(toks: &[Tok], text: &str, scratch: &str, o: &CsvOptions) -> Vec<String> {
    let raw: Vec<Option<String>> =
        toks.iter().map(|t| read::token_value(t, text, scratch, o).map(str::to_string)).collect();
    raw.iter()
        .enumerate()
        .map(|(i, n)| match n {
            None => format!("_c{i}"),
            Some(n) if n.is_empty() => format!("_c{i}"),
            Some(n) => {
                let dup = raw
                    .iter()
                    .enumerate()
                    .any(|(j, m)| j != i && m.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(n)));
                if dup {
                    format!("{n}{i}")
                } else {
                    n.clone()
                }
            }
        })
        .collect()
}

/// Read CSV files with Spark's options. Output: the schema (data columns, then partition columns) and one or more
/// batches per file, in file order.
pub fn read_csv(
    files: &[FileEntry],
    schema: Option<&Fields>,
    projection: Option<&[usize]>,
    opts: &Options,
    ctx: &EvalContext,
) -> Result<(Fields, Vec<RecordBatch>)> {
    let o = CsvOptions::from_options(opts)?;
    let part_names: Vec<String> =
        files.first().map(|f| f.partition_values.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
    let pfields = paths::partition_fields(files, &part_names, schema);
    if files.is_empty() && schema.is_none() {
        return Err(paths::unable_to_infer_schema("CSV"));
    }
    let texts: Vec<String> = files
        .par_iter()
        .map(|f| Ok(o.encoding.decode(crate::io::compression::read_data_file(&f.path)?)))
        .collect::<Result<Vec<_>>>()?;
    let chunks = chunks_of(&texts, &o);
    let conv = Converter {
        opts: &o,
        tz: ctx.time_zone,
        date_format: compile(&o.date_format)?,
        timestamp_format: compile(&o.timestamp_format)?,
        timestamp_ntz_format: compile(&o.timestamp_ntz_format)?,
    };

    // Output data columns in order; which one (if any) is the corrupt-record column.
    let (out_fields, corrupt_pos): (Vec<Field>, Option<usize>) = match schema {
        Some(s) => {
            let fields: Vec<Field> = s
                .iter()
                .filter(|f| !part_names.iter().any(|p| p.eq_ignore_ascii_case(f.name())))
                .map(|f| f.as_ref().clone())
                .collect();
            let pos = fields.iter().position(|f| f.name() == &o.corrupt_column);
            if let Some(p) = pos {
                if fields[p].data_type() != &DataType::Utf8 || !fields[p].is_nullable() {
                    return Err(EmberError::analysis_class(
                        "INVALID_CORRUPT_RECORD_TYPE",
                        format!(
                            "The column `{}` for corrupt records must have the nullable STRING type, but got \"{}\". SQLSTATE: 42804",
                            o.corrupt_column,
                            crate::types::simple_string(fields[p].data_type()).to_uppercase()
                        ),
                    ));
                }
            }
            for f in &fields {
                if !read::supported(f.data_type()) {
                    return Err(unsupported_type("CSV", f));
                }
            }
            (fields, pos)
        }
        None => (infer_schema(&texts, &chunks, &o, &conv)?, None),
    };
    let data_fields: Fields =
        out_fields.iter().enumerate().filter(|(i, _)| Some(*i) != corrupt_pos).map(|(_, f)| f.clone()).collect();

    let columns = ReadColumns::new(out_fields.len(), corrupt_pos, projection, o.column_pruning);

    if schema.is_some() && o.header && !o.enforce_schema {
        for (fi, t) in texts.iter().enumerate() {
            check_header(t, &o, &data_fields, &columns, &files[fi])?;
        }
    }

    let mut all_fields: Vec<Field> = out_fields.clone();
    all_fields.extend(pfields.iter().map(|f| f.as_ref().clone()));
    let out_schema = Arc::new(Schema::new(all_fields));
    let batches: Vec<Option<RecordBatch>> = chunks
        .par_iter()
        .map(|c| {
            let text = &texts[c.file];
            let mut sink = RowSink::new(&conv, &data_fields, &columns, (c.end - c.start) / 32 + 16)?;
            let mut skip_header = c.first && o.header;
            let mut record = |toks: &[Tok], scratch: &str, rs: usize, re: usize| -> Result<()> {
                if toks.len() > o.max_columns {
                    return Err(max_columns_error(&text[rs..re]));
                }
                if skip_header {
                    skip_header = false;
                    return Ok(());
                }
                sink.push(toks, text, scratch, (rs, re))
            };
            let mut from = c.start;
            if fast_scan::applies(&o.tok) {
                from = fast_scan::scan(text, c.start, c.end, &o.tok, |toks, rs, re| record(toks, "", rs, re))?;
            }
            if from < c.end {
                let mut tk = Tokenizer::new(text, from, c.end, &o.tok);
                let (mut toks, mut scratch) = (Vec::with_capacity(data_fields.len() + 1), String::new());
                while let Some((rs, re)) = tk.next_record(&mut toks, &mut scratch) {
                    record(&toks, &scratch, rs, re)?;
                }
            }
            let (cols, corrupt, rows) = sink.finish()?;
            let mut it = cols.into_iter();
            let mut arrays: Vec<ArrayRef> = Vec::with_capacity(out_schema.fields().len());
            for i in 0..out_fields.len() {
                if Some(i) == corrupt_pos {
                    arrays.push(match &corrupt {
                        Some(c) => c.clone(),
                        None => crate::types::null_array::null_array(&DataType::Utf8, rows),
                    });
                } else {
                    arrays.push(it.next().expect("data column"));
                }
            }
            arrays.extend(paths::partition_columns(&files[c.file], &pfields, rows, &ctx.time_zone)?);
            if rows == 0 {
                return Ok(None);
            }
            let b = RecordBatch::try_new_with_options(
                out_schema.clone(),
                arrays,
                &RecordBatchOptions::new().with_row_count(Some(rows)),
            )?;
            Ok(Some(b))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((out_schema.fields().clone(), batches.into_iter().flatten().collect()))
}

pub(crate) fn unsupported_type(source: &str, f: &Field) -> EmberError {
    EmberError::analysis_class(
        "UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
        format!(
            "The {source} datasource doesn't support the column `{}` of the type \"{}\". SQLSTATE: 0A000",
            f.name(),
            crate::types::simple_string(f.data_type()).to_uppercase()
        ),
    )
}

/// Column names (header or `_c<i>`) and, with `inferSchema`, types from all records.
fn infer_schema(texts: &[String], chunks: &[Chunk], o: &CsvOptions, conv: &Converter) -> Result<Vec<Field>> {
    let mut names: Option<Vec<String>> = None;
    for c in chunks.iter().filter(|c| c.first) {
        let mut tk = Tokenizer::new(&texts[c.file], c.start, c.end, &o.tok);
        let (mut toks, mut scratch) = (vec![], String::new());
        if tk.next_record(&mut toks, &mut scratch).is_some() {
            names = Some(if o.header {
                header_names(&toks, &texts[c.file], &scratch, o)
            } else {
                (0..toks.len()).map(|i| format!("_c{i}")).collect()
            });
            break;
        }
    }
    let Some(names) = names else { return Ok(vec![]) };
    let n = names.len();
    let types: Vec<InferType> = if !o.infer_schema {
        vec![InferType::Str; n]
    } else {
        let cfg = InferConfig {
            nan_value: &o.nan_value,
            positive_inf: &o.positive_inf,
            negative_inf: &o.negative_inf,
            prefer_date: o.prefer_date,
            date_format: conv.date_format.as_ref(),
            timestamp_format: conv.timestamp_format.as_ref(),
            tz: conv.tz,
        };
        let step = if o.sampling_ratio > 0.0 && o.sampling_ratio < 1.0 {
            (1.0 / o.sampling_ratio).round() as usize
        } else {
            1
        };
        let per_chunk: Vec<Vec<InferType>> = chunks
            .par_iter()
            .map(|c| {
                let text = &texts[c.file];
                let mut tk = Tokenizer::new(text, c.start, c.end, &o.tok);
                let (mut toks, mut scratch) = (vec![], String::new());
                let mut types = vec![InferType::Null; n];
                let mut skip_header = c.first && o.header;
                let mut k = 0usize;
                while let Some((rs, re)) = tk.next_record(&mut toks, &mut scratch) {
                    if toks.len() > o.max_columns {
                        return Err(max_columns_error(&text[rs..re]));
                    }
                    if skip_header {
                        skip_header = false;
                        continue;
                    }
                    k += 1;
                    if !(k - 1).is_multiple_of(step) {
                        continue;
                    }
                    for (t, tok) in types.iter_mut().zip(toks.iter()) {
                        if let Some(v) = read::token_value(tok, text, &scratch, o) {
                            *t = cfg.infer(*t, v);
                        }
                    }
                }
                Ok(types)
            })
            .collect::<Result<Vec<_>>>()?;
        per_chunk
            .into_iter()
            .fold(vec![InferType::Null; n], |acc, t| acc.into_iter().zip(t).map(|(a, b)| infer::merge(a, b)).collect())
    };
    Ok(names.into_iter().zip(types).map(|(name, t)| Field::new(name, infer::to_arrow(t), true)).collect())
}

/// `enforceSchema=false`: the header must name the schema's columns in order (case-insensitive). With pruning,
/// as in Spark, only the read columns' names are compared, each with the header token at its position.
fn check_header(text: &str, o: &CsvOptions, fields: &Fields, columns: &ReadColumns, file: &FileEntry) -> Result<()> {
    let mut tk = Tokenizer::new(text, 0, text.len(), &o.tok);
    let (mut toks, mut scratch) = (vec![], String::new());
    if tk.next_record(&mut toks, &mut scratch).is_none() {
        return Ok(());
    }
    let mut header: Vec<String> =
        toks.iter().map(|t| read::token_value(t, text, &scratch, o).unwrap_or("").to_string()).collect();
    let mut schema: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
    let where_ = format!("CSV file: file://{}", file.path.display());
    if columns.pruned() {
        let read = |i: &usize| columns.required[*i];
        header = (0..schema.len()).filter(read).map(|i| header.get(i).cloned().unwrap_or_default()).collect();
        schema = (0..schema.len()).filter(read).map(|i| schema[i]).collect();
    } else if header.len() != schema.len() {
        return Err(EmberError::illegal_argument(format!(
            "Number of column in CSV header is not equal to number of fields in the schema:\n Header length: {}, schema size: {}\n{where_}",
            header.len(),
            schema.len()
        )));
    }
    for (h, s) in header.iter().zip(&schema) {
        if !h.eq_ignore_ascii_case(s) {
            return Err(EmberError::illegal_argument(format!(
                "CSV header does not conform to the schema.\n Header: {}\n Schema: {}\nExpected: {s} but found: {h}\n{where_}",
                header.join(", "),
                schema.join(", ")
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
