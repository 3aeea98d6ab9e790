//! CSV writer with Spark's output formatting: quoting rules, null/empty values, Java number and ISO time text.
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::*;

use super::{ascii_char, parse_separator, values, Encoding};
use crate::context::EvalContext;
use crate::error::Result;
use crate::io::options::Options;
use crate::types::datetime_pattern::DateTimePattern;

/// The writer's options with Spark's write-side defaults (whitespace trimmed, `""` for empty strings).
struct WriteOptions {
    sep: String,
    quote: Option<u8>,
    escape: Option<u8>,
    /// Escapes an escape character that comes right before a quote (`charToEscapeQuoteEscaping`).
    escape_escape: Option<char>,
    escape_quotes: bool,
    quote_all: bool,
    null_value: String,
    empty_value: Option<String>,
    trim_leading: bool,
    trim_trailing: bool,
    line_sep: String,
    date_format: Option<DateTimePattern>,
    timestamp_format: Option<DateTimePattern>,
    timestamp_ntz_format: Option<DateTimePattern>,
    encoding: Encoding,
}

impl WriteOptions {
    fn new(opts: &Options) -> Result<Self> {
        let pat = |k: &str| opts.get(k).map(DateTimePattern::compile).transpose();
        let quote = ascii_char(opts, "quote", Some('"'))?;
        let escape = ascii_char(opts, "escape", Some('\\'))?;
        let default_ee = if escape == quote { None } else { escape.map(|e| e as char) };
        Ok(WriteOptions {
            escape_escape: opts.get_char("charToEscapeQuoteEscaping", default_ee)?,
            sep: parse_separator(opts.get_any(&["sep", "delimiter"]).unwrap_or(","))?,
            quote,
            escape,
            escape_quotes: opts.get_bool("escapeQuotes", true)?,
            quote_all: opts.get_bool("quoteAll", false)?,
            null_value: opts.get("nullValue").unwrap_or("").to_string(),
            empty_value: opts.get("emptyValue").map(str::to_string),
            trim_leading: opts.get_bool("ignoreLeadingWhiteSpace", true)?,
            trim_trailing: opts.get_bool("ignoreTrailingWhiteSpace", true)?,
            line_sep: opts.get("lineSep").unwrap_or("\n").to_string(),
            date_format: pat("dateFormat")?,
            timestamp_format: pat("timestampFormat")?,
            timestamp_ntz_format: pat("timestampNTZFormat")?,
            encoding: Encoding::parse(opts.get_any(&["encoding", "charset"]))?,
        })
    }

    /// Append one non-null, non-empty text value with quoting as needed.
    fn put_text(&self, v: &str, out: &mut String) {
        let mut v = v;
        if self.trim_leading {
            v = v.trim_start_matches([' ', '\t']);
        }
        if self.trim_trailing {
            v = v.trim_end_matches([' ', '\t']);
        }
        if v.is_empty() {
            self.put_empty(out);
            return;
        }
        let q = self.quote.map(|q| q as char);
        let has_quote = q.is_some_and(|q| v.contains(q));
        let needs = self.quote_all
            || v.contains(self.sep.as_str())
            || v.contains(['\n', '\r'])
            || (has_quote && self.escape_quotes);
        let normalized;
        if v.contains('\r') {
            normalized = v.replace("\r\n", "\n").replace('\r', "\n");
            v = &normalized;
        }
        match q {
            Some(q) if needs => {
                out.push(q);
                if has_quote {
                    let esc = self.escape.map(|e| e as char).unwrap_or(q);
                    let mut it = v.chars().peekable();
                    while let Some(c) = it.next() {
                        if c == q {
                            out.push(esc);
                        } else if c == esc && esc != q && it.peek() == Some(&q) {
                            if let Some(ee) = self.escape_escape {
                                out.push(ee);
                            }
                        }
                        out.push(c);
                    }
                } else {
                    out.push_str(v);
                }
                out.push(q);
            }
            _ => out.push_str(v),
        }
    }

    /// An empty string: `emptyValue` when set, else `""`.
    fn put_empty(&self, out: &mut String) {
        match (&self.empty_value, self.quote) {
            (Some(e), _) => self.put_quoted_raw(e, out),
            (None, Some(q)) => {
                out.push(q as char);
                out.push(q as char);
            }
            (None, None) => {}
        }
    }

    fn put_quoted_raw(&self, v: &str, out: &mut String) {
        match self.quote.filter(|_| self.quote_all) {
            Some(q) => {
                out.push(q as char);
                out.push_str(v);
                out.push(q as char);
            }
            None => out.push_str(v),
        }
    }
}

/// Format one value of `col` at `row` as Spark's CSV writer does.
fn put_value(col: &dyn Array, row: usize, o: &WriteOptions, ctx: &EvalContext, cell: &mut String, out: &mut String) {
    if col.is_null(row) {
        o.put_quoted_raw(&o.null_value, out);
        return;
    }
    cell.clear();
    match col.data_type() {
        DataType::Utf8 => {
            let s = col.as_string::<i32>().value(row);
            o.put_text(s, out);
            return;
        }
        DataType::LargeUtf8 => {
            o.put_text(col.as_string::<i64>().value(row), out);
            return;
        }
        DataType::Float64 => values::format_java_double(col.as_primitive::<Float64Type>().value(row), cell),
        DataType::Float32 => values::format_java_float(col.as_primitive::<Float32Type>().value(row), cell),
        DataType::Date32 => {
            let d = col.as_primitive::<Date32Type>().value(row);
            match &o.date_format {
                Some(p) => cell.push_str(&p.format_date(d)),
                None => values::format_date(d as i64, cell),
            }
        }
        DataType::Timestamp(TimeUnit::Microsecond, Some(_)) => {
            let t = col.as_primitive::<TimestampMicrosecondType>().value(row);
            match &o.timestamp_format {
                Some(p) => cell.push_str(&p.format_timestamp(t, &ctx.time_zone)),
                None => values::format_timestamp_iso_millis(t, &ctx.time_zone, cell),
            }
        }
        DataType::Timestamp(TimeUnit::Microsecond, None) => {
            let t = col.as_primitive::<TimestampMicrosecondType>().value(row);
            match &o.timestamp_ntz_format {
                Some(p) => cell.push_str(&p.format_timestamp(t, &chrono_tz::UTC)),
                None => values::format_timestamp_ntz_iso_millis(t, cell),
            }
        }
        DataType::Binary => {
            let b = col.as_binary::<i32>().value(row);
            cell.push('[');
            let hex: Vec<String> = b.iter().map(|x| format!("{x:02X}")).collect();
            cell.push_str(&hex.join(" "));
            cell.push(']');
        }
        _ => {
            let s = arrow::util::display::ArrayFormatter::try_new(col, &Default::default())
                .map(|f| f.value(row).to_string())
                .unwrap_or_default();
            cell.push_str(&s);
        }
    }
    let c = std::mem::take(cell);
    o.put_text(&c, out);
    *cell = c;
}

/// One CSV file's bytes for `batch` (a header line first when `header`).
pub fn write_csv(batch: &RecordBatch, opts: &Options, header: bool, ctx: &EvalContext) -> Result<Vec<u8>> {
    let o = WriteOptions::new(opts)?;
    for f in batch.schema().fields() {
        if !super::read::supported(f.data_type()) && f.data_type() != &DataType::Binary {
            return Err(super::unsupported_type("CSV", f));
        }
    }
    let mut out = String::with_capacity(batch.num_rows() * 32 + 64);
    let mut cell = String::new();
    if header {
        for (i, f) in batch.schema().fields().iter().enumerate() {
            if i > 0 {
                out.push_str(&o.sep);
            }
            o.put_text(f.name(), &mut out);
        }
        out.push_str(&o.line_sep);
    }
    let cols = batch.columns();
    for row in 0..batch.num_rows() {
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                out.push_str(&o.sep);
            }
            put_value(c.as_ref(), row, &o, ctx, &mut cell, &mut out);
        }
        out.push_str(&o.line_sep);
    }
    Ok(match o.encoding {
        Encoding::Utf8 => out.into_bytes(),
        e => e.encode(&out),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::*;

    fn ctx(tz: &str) -> EvalContext {
        EvalContext { time_zone: tz.parse().unwrap(), ..Default::default() }
    }

    fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(cols).unwrap()
    }

    fn strings(v: Vec<Option<&str>>) -> ArrayRef {
        Arc::new(StringArray::from(v))
    }

    #[test]
    fn formats_like_pyspark_default() {
        // PySpark 4.3 (UTC) wrote: 1,"a,b","q\"q",,"",2024-01-01T10:00:00.123Z,2024-01-02,1.5,NaN,1.20,true,sp,"line\nbreak"
        let b = batch(vec![
            ("i", Arc::new(Int32Array::from(vec![1])) as ArrayRef),
            ("s", strings(vec![Some("a,b")])),
            ("q", strings(vec![Some("q\"q")])),
            ("n", strings(vec![None])),
            ("e", strings(vec![Some("")])),
            ("t", Arc::new(TimestampMicrosecondArray::from(vec![1_704_103_200_123_456]).with_timezone("UTC"))),
            ("d", Arc::new(Date32Array::from(vec![19724]))),
            ("f", Arc::new(Float64Array::from(vec![1.5]))),
            ("g", Arc::new(Float64Array::from(vec![f64::NAN]))),
            ("dec", Arc::new(Decimal128Array::from(vec![120]).with_precision_and_scale(5, 2).unwrap())),
            ("b", Arc::new(BooleanArray::from(vec![true]))),
            ("sp", strings(vec![Some("  sp ")])),
            ("nl", strings(vec![Some("line\nbreak")])),
        ]);
        let out = write_csv(&b, &Options::new(), false, &ctx("UTC")).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1,\"a,b\",\"q\\\"q\",,\"\",2024-01-01T10:00:00.123Z,2024-01-02,1.5,NaN,1.20,true,sp,\"line\nbreak\"\n"
        );
        let o = Options::from_pairs([("quoteAll", "true")]);
        let out =
            String::from_utf8(write_csv(&b.project(&[0, 3, 4]).unwrap(), &o, true, &ctx("UTC")).unwrap()).unwrap();
        assert_eq!(out, "\"i\",\"n\",\"e\"\n\"1\",\"\",\"\"\n");
        let o = Options::from_pairs([("escapeQuotes", "false")]);
        let out = String::from_utf8(write_csv(&b.project(&[2]).unwrap(), &o, false, &ctx("UTC")).unwrap()).unwrap();
        assert_eq!(out, "q\"q\n");
    }

    #[test]
    fn numbers_times_and_options() {
        // PySpark 4.3 in America/Los_Angeles wrote:
        // 1.0,Infinity,1.0E20,0.1,1.23456789123E8,1.0E-5,1.0E7,2024-01-01T02:00:00.123-08:00,2024-07-01T10:00:00.000,[61 62],3000000000
        let b = batch(vec![
            ("a", Arc::new(Float64Array::from(vec![1.0])) as ArrayRef),
            ("b", Arc::new(Float64Array::from(vec![f64::INFINITY]))),
            ("c", Arc::new(Float64Array::from(vec![1e20]))),
            ("d", Arc::new(Float32Array::from(vec![0.1f32]))),
            ("e", Arc::new(Float64Array::from(vec![123456789.123]))),
            ("f", Arc::new(Float64Array::from(vec![1e-5]))),
            ("g", Arc::new(Float64Array::from(vec![1e7]))),
            ("t", Arc::new(TimestampMicrosecondArray::from(vec![1_704_103_200_123_456]).with_timezone("UTC"))),
            ("n", Arc::new(TimestampMicrosecondArray::from(vec![1_719_828_000_000_000]))),
            ("bin", Arc::new(BinaryArray::from(vec![b"ab".as_ref()]))),
            ("l", Arc::new(Int64Array::from(vec![3_000_000_000]))),
        ]);
        let out =
            String::from_utf8(write_csv(&b, &Options::new(), false, &ctx("America/Los_Angeles")).unwrap()).unwrap();
        assert_eq!(
            out,
            "1.0,Infinity,1.0E20,0.1,1.23456789123E8,1.0E-5,1.0E7,2024-01-01T02:00:00.123-08:00,2024-07-01T10:00:00.000,[61 62],3000000000\n"
        );
        // PySpark: '"a;b";"q\""; ;"";"x\ny";#c;l' with sep ';' (null empty, \r normalised, whitespace trimmed).
        let b = batch(vec![
            ("a", strings(vec![Some("a;b")])),
            ("b", strings(vec![Some("q\"")])),
            ("c", strings(vec![None])),
            ("d", strings(vec![Some("")])),
            ("e", strings(vec![Some("x\ry")])),
            ("f", strings(vec![Some("#c")])),
            ("g", strings(vec![Some(" l")])),
        ]);
        let w = |pairs: &[(&str, &str)]| {
            String::from_utf8(write_csv(&b, &Options::from_pairs(pairs.iter().copied()), false, &ctx("UTC")).unwrap())
                .unwrap()
        };
        assert_eq!(w(&[("sep", ";")]), "\"a;b\";\"q\\\"\";;\"\";\"x\ny\";#c;l\n");
        assert_eq!(
            w(&[("nullValue", "NULL"), ("emptyValue", "EMPTY"), ("quote", "'")]),
            "a;b,q\",NULL,EMPTY,'x\ny',#c,l\n"
        );
        assert_eq!(
            w(&[("ignoreLeadingWhiteSpace", "false"), ("escape", "\"")]),
            "a;b,\"q\"\"\",,\"\",\"x\ny\",#c, l\n"
        );
        // PySpark: 'a\\b,"a\\\\\\"b","\\"start",""' and with escape '"': 'a\\b,"a\\""b","""start"'.
        let b = batch(vec![
            ("a", strings(vec![Some("a\\b")])),
            ("b", strings(vec![Some("a\\\"b")])),
            ("c", strings(vec![Some("\"start")])),
            ("d", strings(vec![Some("   ")])),
        ]);
        let w = |pairs: &[(&str, &str)]| {
            String::from_utf8(write_csv(&b, &Options::from_pairs(pairs.iter().copied()), false, &ctx("UTC")).unwrap())
                .unwrap()
        };
        assert_eq!(w(&[]), r#"a\b,"a\\\"b","\"start","""#.to_string() + "\n");
        assert_eq!(w(&[("escape", "\"")]), r#"a\b,"a\""b","""start","""#.to_string() + "\n");
        assert_eq!(w(&[("quote", "")]), "a\\b,a\\\"b,\"start,\n");
        let arr = batch(vec![(
            "a",
            Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1)])])) as ArrayRef,
        )]);
        let e = write_csv(&arr, &Options::new(), false, &ctx("UTC")).unwrap_err();
        assert_eq!(
            e.message(),
            "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `a` of the type \"ARRAY<INT>\". SQLSTATE: 0A000"
        );
    }
}
