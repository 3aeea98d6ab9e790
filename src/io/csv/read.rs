//! CSV tokens → typed Arrow columns, with Spark's null rules and parse modes per record.
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder, Float64Builder, Int16Builder,
    Int32Builder, Int64Builder, Int8Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Fields};
use chrono_tz::Tz;

use super::tokenizer::{Tok, TokKind};
use super::values;
use super::{CsvOptions, ParseMode};
use crate::error::{EmberError, Result};
use crate::types::datetime_pattern::DateTimePattern;

/// One output column being built.
enum Col {
    Str(StringBuilder),
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Dec(Decimal128Builder, u8, i8),
    Date(Date32Builder),
    Ts(TimestampMicrosecondBuilder),
    TsNtz(TimestampMicrosecondBuilder),
}

/// Whether CSV can read/write a column of this type.
pub fn supported(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8
            | DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(_, _)
            | DataType::Date32
            | DataType::Timestamp(_, _)
            | DataType::Null
    )
}

impl Col {
    fn new(dt: &DataType, cap: usize) -> Result<Col> {
        Ok(match dt {
            DataType::Utf8 | DataType::Null => Col::Str(StringBuilder::with_capacity(cap, cap * 8)),
            DataType::Boolean => Col::Bool(BooleanBuilder::with_capacity(cap)),
            DataType::Int8 => Col::I8(Int8Builder::with_capacity(cap)),
            DataType::Int16 => Col::I16(Int16Builder::with_capacity(cap)),
            DataType::Int32 => Col::I32(Int32Builder::with_capacity(cap)),
            DataType::Int64 => Col::I64(Int64Builder::with_capacity(cap)),
            DataType::Float32 => Col::F32(Float32Builder::with_capacity(cap)),
            DataType::Float64 => Col::F64(Float64Builder::with_capacity(cap)),
            DataType::Decimal128(p, s) => Col::Dec(Decimal128Builder::with_capacity(cap), *p, *s),
            DataType::Date32 => Col::Date(Date32Builder::with_capacity(cap)),
            DataType::Timestamp(_, Some(_)) => Col::Ts(TimestampMicrosecondBuilder::with_capacity(cap)),
            DataType::Timestamp(_, None) => Col::TsNtz(TimestampMicrosecondBuilder::with_capacity(cap)),
            other => {
                return Err(EmberError::analysis_class(
                    "UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
                    format!(
                        "The CSV datasource doesn't support the column of the type \"{}\". SQLSTATE: 0A000",
                        crate::types::simple_string(other).to_uppercase()
                    ),
                ))
            }
        })
    }

    fn append_null(&mut self) {
        match self {
            Col::Str(b) => b.append_null(),
            Col::Bool(b) => b.append_null(),
            Col::I8(b) => b.append_null(),
            Col::I16(b) => b.append_null(),
            Col::I32(b) => b.append_null(),
            Col::I64(b) => b.append_null(),
            Col::F32(b) => b.append_null(),
            Col::F64(b) => b.append_null(),
            Col::Dec(b, _, _) => b.append_null(),
            Col::Date(b) => b.append_null(),
            Col::Ts(b) | Col::TsNtz(b) => b.append_null(),
        }
    }

    fn finish(self, dt: &DataType) -> Result<ArrayRef> {
        Ok(match self {
            Col::Str(mut b) => {
                let a: ArrayRef = Arc::new(b.finish());
                if dt == &DataType::Null {
                    arrow::array::new_null_array(dt, a.len())
                } else {
                    a
                }
            }
            Col::Bool(mut b) => Arc::new(b.finish()),
            Col::I8(mut b) => Arc::new(b.finish()),
            Col::I16(mut b) => Arc::new(b.finish()),
            Col::I32(mut b) => Arc::new(b.finish()),
            Col::I64(mut b) => Arc::new(b.finish()),
            Col::F32(mut b) => Arc::new(b.finish()),
            Col::F64(mut b) => Arc::new(b.finish()),
            Col::Dec(mut b, p, s) => Arc::new(b.finish().with_precision_and_scale(p, s)?),
            Col::Date(mut b) => Arc::new(b.finish()),
            Col::Ts(mut b) => Arc::new(b.finish().with_timezone("UTC")),
            Col::TsNtz(mut b) => Arc::new(b.finish()),
        })
    }
}

/// Compiled per-read conversion settings.
pub struct Converter<'a> {
    pub opts: &'a CsvOptions,
    pub tz: Tz,
    pub date_format: Option<DateTimePattern>,
    pub timestamp_format: Option<DateTimePattern>,
    pub timestamp_ntz_format: Option<DateTimePattern>,
}

/// A token's text after Spark's null rules; None is null.
#[inline]
pub fn token_value<'t>(tok: &Tok, text: &'t str, scratch: &'t str, opts: &'t CsvOptions) -> Option<&'t str> {
    let v = match tok.kind {
        TokKind::Null => return None,
        TokKind::Text => &text[tok.start..tok.end],
        TokKind::Scratch => &scratch[tok.start..tok.end],
        TokKind::QuotedEmpty => opts.empty_value_read.as_str(),
    };
    if v == opts.null_value {
        None
    } else {
        Some(v)
    }
}

impl Converter<'_> {
    fn parse_f64(&self, s: &str) -> Option<f64> {
        let o = self.opts;
        if s == o.nan_value {
            Some(f64::NAN)
        } else if s == o.positive_inf {
            Some(f64::INFINITY)
        } else if s == o.negative_inf {
            Some(f64::NEG_INFINITY)
        } else {
            values::parse_java_double(s)
        }
    }

    /// Append `v` to `col`; false when the text does not convert (null appended).
    #[inline]
    fn append(&self, col: &mut Col, v: Option<&str>) -> bool {
        let Some(s) = v else {
            col.append_null();
            return true;
        };
        macro_rules! put {
            ($b:expr, $val:expr) => {{
                let val = $val;
                let ok = val.is_some();
                $b.append_option(val);
                ok
            }};
        }
        match col {
            Col::Str(b) => {
                b.append_value(s);
                true
            }
            Col::Bool(b) => put!(
                b,
                if s.eq_ignore_ascii_case("true") {
                    Some(true)
                } else if s.eq_ignore_ascii_case("false") {
                    Some(false)
                } else {
                    None
                }
            ),
            Col::I8(b) => put!(b, values::parse_java_long(s.as_bytes()).and_then(|x| i8::try_from(x).ok())),
            Col::I16(b) => put!(b, values::parse_java_long(s.as_bytes()).and_then(|x| i16::try_from(x).ok())),
            Col::I32(b) => put!(b, values::parse_java_long(s.as_bytes()).and_then(|x| i32::try_from(x).ok())),
            Col::I64(b) => put!(b, values::parse_java_long(s.as_bytes())),
            Col::F32(b) => put!(b, self.parse_f64(s).map(|x| x as f32)),
            Col::F64(b) => put!(b, self.parse_f64(s)),
            Col::Dec(b, p, sc) => put!(b, values::parse_decimal(s, *p, *sc)),
            Col::Date(b) => put!(
                b,
                match &self.date_format {
                    Some(p) => p.parse_date(s),
                    None => values::parse_date(s),
                }
            ),
            Col::Ts(b) => put!(
                b,
                match &self.timestamp_format {
                    Some(p) => p.parse_timestamp(s, &self.tz),
                    None => values::parse_timestamp(s, &self.tz),
                }
            ),
            Col::TsNtz(b) => put!(
                b,
                match &self.timestamp_ntz_format {
                    Some(p) => p.parse_timestamp(s, &chrono_tz::UTC),
                    None => values::parse_timestamp_ntz(s),
                }
            ),
        }
    }
}

/// Which data columns a read converts, after Spark's column pruning (its `requiredSchema`).
#[derive(Debug, Clone)]
pub struct ReadColumns {
    /// Per data column (the corrupt-record column excluded): whether the query reads it. An unread column is never
    /// converted, so a bad value there does not make the record malformed; it comes back as nulls.
    pub required: Vec<bool>,
    /// Whether a record with another number of tokens than data columns is malformed. Spark's parser checks the
    /// count only when it tokenizes every column: pruning off (multiLine, `columnPruning=false`) or every data
    /// column read.
    pub check_count: bool,
    /// Whether the corrupt-record column is in the schema and read.
    pub corrupt: bool,
    /// Where the corrupt-record column sits among the read columns (FAILFAST's message shows the record there).
    pub corrupt_at: usize,
}

impl ReadColumns {
    /// The columns to convert for a read of `n_out` output data columns (the corrupt-record column at
    /// `corrupt_pos` among them) when the query reads `projection` (indices into the output columns; None: all).
    /// `pruning`: Spark's CSV column pruning (the `columnPruning` option, off by default with multiLine).
    pub fn new(n_out: usize, corrupt_pos: Option<usize>, projection: Option<&[usize]>, pruning: bool) -> ReadColumns {
        let reads = |i: usize| projection.is_none_or(|p| p.contains(&i));
        let required: Vec<bool> = (0..n_out).filter(|i| Some(*i) != corrupt_pos).map(reads).collect();
        let corrupt = corrupt_pos.is_some_and(reads);
        let corrupt_at = corrupt_pos.map_or(0, |c| (0..c).filter(|i| reads(*i)).count());
        let check_count = !pruning || required.iter().all(|r| *r);
        ReadColumns { required, check_count, corrupt, corrupt_at }
    }

    /// Whether tokens are selected by position (only the read columns' tokens matter).
    pub fn pruned(&self) -> bool {
        !self.check_count
    }
}

/// Builds one batch's data columns from records.
pub struct RowSink<'a> {
    conv: &'a Converter<'a>,
    fields: &'a Fields,
    /// None for a column the query does not read: it is returned as nulls.
    cols: Vec<Option<Col>>,
    check_count: bool,
    corrupt: Option<StringBuilder>,
    corrupt_at: usize,
    /// Rows to drop (DROPMALFORMED), as a keep-mask; None while nothing was dropped.
    keep: Option<Vec<bool>>,
    rows: usize,
}

impl<'a> RowSink<'a> {
    pub fn new(conv: &'a Converter<'a>, fields: &'a Fields, columns: &ReadColumns, cap: usize) -> Result<Self> {
        let cols = fields
            .iter()
            .zip(&columns.required)
            .map(|(f, r)| if *r { Col::new(f.data_type(), cap).map(Some) } else { Ok(None) })
            .collect::<Result<Vec<_>>>()?;
        let corrupt = columns.corrupt.then(|| StringBuilder::with_capacity(cap, 0));
        Ok(RowSink {
            conv,
            fields,
            cols,
            check_count: columns.check_count,
            corrupt,
            corrupt_at: columns.corrupt_at,
            keep: None,
            rows: 0,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Convert one record. `raw` is its span in `text`, for the corrupt-record column and error messages.
    pub fn push(&mut self, toks: &[Tok], text: &str, scratch: &str, raw: (usize, usize)) -> Result<()> {
        let opts = self.conv.opts;
        let mut ok = !self.check_count || toks.len() == self.cols.len();
        for (i, col) in self.cols.iter_mut().enumerate() {
            let Some(col) = col else { continue };
            match (toks.get(i), col) {
                // Strings need no conversion: appended here rather than through `Converter::append`'s dispatch.
                (Some(t), Col::Str(b)) => match token_value(t, text, scratch, opts) {
                    Some(v) => b.append_value(v),
                    None => b.append_null(),
                },
                (Some(t), col) => ok &= self.conv.append(col, token_value(t, text, scratch, opts)),
                (None, col) => col.append_null(),
            }
        }
        let raw_text = || &text[raw.0..raw.1];
        if !ok {
            match opts.mode {
                ParseMode::FailFast => return Err(self.failfast_error(toks, text, scratch, raw_text())),
                ParseMode::DropMalformed => {
                    let keep = self.keep.get_or_insert_with(|| vec![true; self.rows]);
                    keep.push(false);
                }
                ParseMode::Permissive => {}
            }
        } else if let Some(k) = &mut self.keep {
            k.push(true);
        }
        if let Some(c) = &mut self.corrupt {
            if ok {
                c.append_null();
            } else {
                c.append_value(raw_text());
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Spark's FAILFAST error, showing the read columns as far as they converted (`[null,3]`), then the record
    /// when the corrupt-record column is read.
    fn failfast_error(&self, toks: &[Tok], text: &str, scratch: &str, raw: &str) -> EmberError {
        let mut parts = vec![];
        for (i, f) in self.fields.iter().enumerate() {
            if self.cols[i].is_none() {
                continue;
            }
            let shown = toks.get(i).and_then(|t| token_value(t, text, scratch, self.conv.opts)).and_then(|s| {
                let mut col = Col::new(f.data_type(), 1).ok()?;
                if !self.conv.append(&mut col, Some(s)) {
                    return None;
                }
                let arr = col.finish(f.data_type()).ok()?;
                display_internal(&arr)
            });
            parts.push(shown.unwrap_or_else(|| "null".into()));
        }
        if self.corrupt.is_some() {
            parts.insert(self.corrupt_at.min(parts.len()), raw.to_string());
        }
        EmberError::execution_class(
            "MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION",
            format!(
                "Malformed records are detected in record parsing: [{}].\nParse Mode: FAILFAST. To process malformed \
                 records as null result, try setting the option 'mode' as 'PERMISSIVE'.  SQLSTATE: 22023",
                parts.join(",")
            ),
        )
    }

    /// The data columns and the corrupt-record column, after dropping malformed rows.
    pub fn finish(self) -> Result<(Vec<ArrayRef>, Option<ArrayRef>, usize)> {
        let mut cols = vec![];
        for (c, f) in self.cols.into_iter().zip(self.fields.iter()) {
            cols.push(match c {
                Some(c) => c.finish(f.data_type())?,
                None => crate::types::null_array::null_array(f.data_type(), self.rows),
            });
        }
        let mut corrupt: Option<ArrayRef> = self.corrupt.map(|mut c| Arc::new(c.finish()) as ArrayRef);
        let mut rows = self.rows;
        if let Some(keep) = self.keep {
            let mask = arrow::array::BooleanArray::from(keep);
            for c in cols.iter_mut() {
                *c = arrow::compute::filter(c, &mask)?;
            }
            if let Some(c) = &mut corrupt {
                *c = arrow::compute::filter(c, &mask)?;
            }
            rows = mask.true_count();
        }
        Ok((cols, corrupt, rows))
    }
}

/// A value as Spark's `InternalRow` prints it in error messages (dates as days, timestamps as micros).
fn display_internal(a: &ArrayRef) -> Option<String> {
    use arrow::array::AsArray;
    use arrow::datatypes::*;
    Some(match a.data_type() {
        DataType::Date32 => a.as_primitive::<Date32Type>().value(0).to_string(),
        DataType::Timestamp(_, _) => a.as_primitive::<TimestampMicrosecondType>().value(0).to_string(),
        DataType::Float64 => {
            let mut s = String::new();
            values::format_java_double(a.as_primitive::<Float64Type>().value(0), &mut s);
            s
        }
        DataType::Float32 => {
            let mut s = String::new();
            values::format_java_float(a.as_primitive::<Float32Type>().value(0), &mut s);
            s
        }
        _ => arrow::util::display::array_value_to_string(a, 0).ok()?,
    })
}
