//! Schema-directed decoding: JSON tokens straight into growable Arrow-shaped columns, with Spark's conversions.
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    new_null_array, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array,
    Int16Array, Int32Array, Int64Array, Int8Array, ListArray, MapArray, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, TimeUnit};
use chrono_tz::Tz;

use super::lexer::{non_numeric_value, Lexer, Peek, SyntaxError};
use super::options::JsonOptions;
use crate::error::{EmberError, Result};
use crate::types::datetime_pattern::{self as dtp, DateTimePattern};

/// Why a value could not be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fail {
    /// The text is not JSON: the whole record is malformed.
    Syntax,
    /// Valid JSON of the wrong shape or range for the target type: that value becomes null (partial result).
    Convert,
    /// The value was stored, but some field inside it failed (a struct's partial result): the record is bad.
    Partial,
}

impl From<SyntaxError> for Fail {
    fn from(_: SyntaxError) -> Self {
        Fail::Syntax
    }
}

type DResult = std::result::Result<(), Fail>;

/// What conversions need besides the tokens.
pub struct DecodeEnv {
    pub opts: JsonOptions,
    pub tz: Tz,
    pub date_pattern: Option<DateTimePattern>,
    pub ts_pattern: Option<DateTimePattern>,
    pub ts_ntz_pattern: Option<DateTimePattern>,
    /// A non-string value read into a string field keeps its exact text (files) or is re-generated compactly with
    /// numbers normalized (`from_json`), as Spark's two input paths do.
    pub raw_strings: bool,
}

impl DecodeEnv {
    pub fn new(opts: JsonOptions, tz: Tz) -> Result<Self> {
        let tz = match &opts.time_zone {
            Some(z) => super::options::zone_option(z)?,
            None => tz,
        };
        let compile = |p: &Option<String>| p.as_deref().map(DateTimePattern::compile).transpose();
        Ok(DecodeEnv {
            date_pattern: compile(&opts.date_format)?,
            ts_pattern: compile(&opts.timestamp_format)?,
            ts_ntz_pattern: compile(&opts.timestamp_ntz_format)?,
            opts,
            tz,
            raw_strings: true,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum IntWidth {
    I8,
    I16,
    I32,
    I64,
}

enum Kind {
    Null,
    /// A field the query does not read (column pruning): never decoded and holding no rows; its struct finishes it
    /// as nulls of its type at the struct's length.
    Pruned,
    Bool(Vec<bool>),
    Int(Vec<i64>, IntWidth),
    Float(Vec<f64>, bool),
    Decimal(Vec<i128>, u8, i8),
    Utf8 {
        offsets: Vec<i32>,
        data: Vec<u8>,
    },
    Binary {
        offsets: Vec<i32>,
        data: Vec<u8>,
    },
    Date(Vec<i32>),
    Ts(Vec<i64>),
    TsNtz(Vec<i64>),
    Struct {
        children: Vec<Col>,
        fields: Fields,
        index: HashMap<String, usize>,
        readable: Vec<bool>,
        guess: usize,
        /// Each field's name as JSON text (`"name"`) when it needs no escaping: the guessed field's name is matched
        /// against the text directly, without tokenizing it.
        quoted: Vec<Option<Box<[u8]>>>,
    },
    List {
        offsets: Vec<i32>,
        child: Box<Col>,
        field: FieldRef,
    },
    Map {
        offsets: Vec<i32>,
        keys: Box<Col>,
        values: Box<Col>,
        entries: FieldRef,
        sorted: bool,
    },
}

/// One growable column of a target type.
pub struct Col {
    kind: Kind,
    valid: Vec<bool>,
}

/// Every type that Spark's JSON source reads; others are rejected up front.
pub fn check_supported(dt: &DataType) -> Result<()> {
    match dt {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(_, _)
        | DataType::Utf8
        | DataType::Binary
        | DataType::Date32
        | DataType::Timestamp(TimeUnit::Microsecond, _) => Ok(()),
        DataType::Struct(fs) => fs.iter().try_for_each(|f| check_supported(f.data_type())),
        DataType::List(f) => check_supported(f.data_type()),
        DataType::Map(e, _) => match e.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => kv.iter().try_for_each(|f| check_supported(f.data_type())),
            _ => Err(EmberError::analysis("unsupported map type")),
        },
        other => Err(EmberError::analysis_class(
            "UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
            format!(
                "The JSON datasource doesn't support the column of the type \"{}\". SQLSTATE: 0A000",
                crate::types::simple_string(other).to_uppercase()
            ),
        )),
    }
}

impl Col {
    /// A column for `dt`; `skip` names a struct field not read from JSON (the corrupt-record column).
    pub fn new(dt: &DataType, skip: Option<&str>) -> Col {
        Col::new_pruned(dt, skip, None)
    }

    /// A struct column for `dt` whose fields with `read[i] == false` are not decoded: their values are only
    /// checked for syntax (as Jackson skips them) and the field reads as all nulls of its type.
    pub fn new_pruned(dt: &DataType, skip: Option<&str>, read: Option<&[bool]>) -> Col {
        let kind = match dt {
            DataType::Boolean => Kind::Bool(Vec::new()),
            DataType::Int8 => Kind::Int(Vec::new(), IntWidth::I8),
            DataType::Int16 => Kind::Int(Vec::new(), IntWidth::I16),
            DataType::Int32 => Kind::Int(Vec::new(), IntWidth::I32),
            DataType::Int64 => Kind::Int(Vec::new(), IntWidth::I64),
            DataType::Float32 => Kind::Float(Vec::new(), true),
            DataType::Float64 => Kind::Float(Vec::new(), false),
            DataType::Decimal128(p, s) => Kind::Decimal(Vec::new(), *p, *s),
            DataType::Utf8 => Kind::Utf8 { offsets: vec![0], data: Vec::new() },
            DataType::Binary => Kind::Binary { offsets: vec![0], data: Vec::new() },
            DataType::Date32 => Kind::Date(Vec::new()),
            DataType::Timestamp(_, Some(_)) => Kind::Ts(Vec::new()),
            DataType::Timestamp(_, None) => Kind::TsNtz(Vec::new()),
            DataType::Struct(fields) => {
                let mut index = HashMap::new();
                for (i, f) in fields.iter().enumerate() {
                    index.entry(f.name().clone()).or_insert(i);
                }
                let is_read = |i: usize| read.is_none_or(|r| r.get(i).copied().unwrap_or(true));
                let children = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| if is_read(i) { Col::new(f.data_type(), None) } else { Col::pruned() })
                    .collect();
                let readable =
                    fields.iter().enumerate().map(|(i, f)| Some(f.name().as_str()) != skip && is_read(i)).collect();
                let quoted = fields
                    .iter()
                    .map(|f| {
                        let plain = f.name().bytes().all(|c| c >= 0x20 && c != b'"' && c != b'\\');
                        plain.then(|| format!("\"{}\"", f.name()).into_bytes().into_boxed_slice())
                    })
                    .collect();
                Kind::Struct { children, fields: fields.clone(), index, readable, guess: 0, quoted }
            }
            DataType::List(f) => {
                Kind::List { offsets: vec![0], child: Box::new(Col::new(f.data_type(), None)), field: f.clone() }
            }
            DataType::Map(entries, sorted) => {
                let DataType::Struct(kv) = entries.data_type() else { unreachable!("checked by check_supported") };
                Kind::Map {
                    offsets: vec![0],
                    keys: Box::new(Col::new(kv[0].data_type(), None)),
                    values: Box::new(Col::new(kv[1].data_type(), None)),
                    entries: entries.clone(),
                    sorted: *sorted,
                }
            }
            _ => Kind::Null,
        };
        Col { kind, valid: Vec::new() }
    }

    /// A column that is never decoded: it finishes as all nulls of its type.
    fn pruned() -> Col {
        Col { kind: Kind::Pruned, valid: Vec::new() }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.valid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.valid.is_empty()
    }

    /// Drop rows from `n` on (undoing a partly decoded value or record).
    pub fn truncate(&mut self, n: usize) {
        if let Kind::Struct { children, .. } = &mut self.kind {
            // A struct's children can run ahead of its own validity while an object is being decoded.
            self.valid.truncate(n);
            children.iter_mut().for_each(|c| c.truncate(n));
            return;
        }
        if self.valid.len() <= n {
            return;
        }
        self.valid.truncate(n);
        match &mut self.kind {
            Kind::Null | Kind::Pruned => {}
            Kind::Bool(v) => v.truncate(n),
            Kind::Int(v, _) => v.truncate(n),
            Kind::Float(v, _) => v.truncate(n),
            Kind::Decimal(v, _, _) => v.truncate(n),
            Kind::Utf8 { offsets, data } | Kind::Binary { offsets, data } => {
                offsets.truncate(n + 1);
                data.truncate(offsets[n] as usize);
            }
            Kind::Date(v) => v.truncate(n),
            Kind::Ts(v) | Kind::TsNtz(v) => v.truncate(n),
            Kind::Struct { .. } => {}
            Kind::List { offsets, child, .. } => {
                offsets.truncate(n + 1);
                child.truncate(offsets[n] as usize);
            }
            Kind::Map { offsets, keys, values, .. } => {
                offsets.truncate(n + 1);
                keys.truncate(offsets[n] as usize);
                values.truncate(offsets[n] as usize);
            }
        }
    }

    #[inline]
    pub fn push_null(&mut self) {
        if let Kind::Pruned = self.kind {
            return;
        }
        self.valid.push(false);
        match &mut self.kind {
            Kind::Null | Kind::Pruned => {}
            Kind::Bool(v) => v.push(false),
            Kind::Int(v, _) => v.push(0),
            Kind::Float(v, _) => v.push(0.0),
            Kind::Decimal(v, _, _) => v.push(0),
            Kind::Utf8 { offsets, data } | Kind::Binary { offsets, data } => offsets.push(data.len() as i32),
            Kind::Date(v) => v.push(0),
            Kind::Ts(v) | Kind::TsNtz(v) => v.push(0),
            Kind::Struct { children, .. } => children.iter_mut().for_each(|c| c.push_null()),
            Kind::List { offsets, .. } | Kind::Map { offsets, .. } => {
                let last = *offsets.last().unwrap();
                offsets.push(last)
            }
        }
    }

    /// Append a string value to a string column (the corrupt-record column).
    pub fn push_str(&mut self, s: &str) {
        if let Kind::Utf8 { offsets, data } = &mut self.kind {
            data.extend_from_slice(s.as_bytes());
            offsets.push(data.len() as i32);
            self.valid.push(true);
        } else {
            self.push_null();
        }
    }

    /// The children of a struct column.
    pub fn children_mut(&mut self) -> &mut [Col] {
        match &mut self.kind {
            Kind::Struct { children, .. } => children,
            _ => &mut [],
        }
    }

    /// Decode one value (the lexer stands before it). On `Convert` the value has been consumed and nothing was
    /// appended; on `Syntax` the column may hold a partial row (the caller truncates).
    pub fn decode(&mut self, lx: &mut Lexer, env: &DecodeEnv, scratch: &mut String) -> DResult {
        let p = lx.peek()?;
        if p == Peek::Null {
            lx.skip_value()?;
            self.push_null();
            return Ok(());
        }
        if let Kind::Struct { .. } = self.kind {
            if p != Peek::Object {
                return convert_fail(lx);
            }
            let r = self.decode_object(lx, env, scratch);
            self.valid.push(true);
            return r;
        }
        match &mut self.kind {
            Kind::Utf8 { offsets, data } => {
                if p == Peek::String {
                    let s = lx.string(scratch)?;
                    data.extend_from_slice(s.as_bytes());
                } else if env.raw_strings {
                    let raw = lx.skip_value()?;
                    data.extend_from_slice(raw.as_bytes());
                } else {
                    let v = super::tree::parse_value(lx)?;
                    data.extend_from_slice(v.to_json().as_bytes());
                }
                offsets.push(data.len() as i32);
            }
            Kind::Bool(v) => match p {
                Peek::True | Peek::False => {
                    lx.skip_value()?;
                    v.push(p == Peek::True);
                }
                _ => return convert_fail(lx),
            },
            Kind::Int(v, w) => {
                if p != Peek::Number {
                    return convert_fail(lx);
                }
                let n = lx.number()?;
                let Some(x) = n.as_i64() else { return Err(Fail::Convert) };
                let fits = match w {
                    IntWidth::I8 => i8::try_from(x).is_ok(),
                    IntWidth::I16 => i16::try_from(x).is_ok(),
                    IntWidth::I32 => i32::try_from(x).is_ok(),
                    IntWidth::I64 => true,
                };
                if !fits {
                    return Err(Fail::Convert);
                }
                v.push(x);
            }
            Kind::Float(v, _) => {
                let x = match p {
                    Peek::Number => lx.number()?.as_f64(),
                    Peek::NonNumeric => non_numeric_value(lx.non_numeric()?).unwrap_or(f64::NAN),
                    Peek::String => match non_numeric_value(lx.string(scratch)?) {
                        Some(x) => x,
                        None => return Err(Fail::Convert),
                    },
                    _ => return convert_fail(lx),
                };
                v.push(x);
            }
            Kind::Decimal(v, prec, scale) => {
                let text = match p {
                    Peek::Number => lx.number()?.text,
                    Peek::String => lx.string(scratch)?,
                    _ => return convert_fail(lx),
                };
                match parse_decimal(text, *prec, *scale) {
                    Some(x) => v.push(x),
                    None => return Err(Fail::Convert),
                }
            }
            Kind::Binary { offsets, data } => {
                if p != Peek::String {
                    return convert_fail(lx);
                }
                let s = lx.string(scratch)?;
                if !base64_decode(s.as_bytes(), data) {
                    data.truncate(*offsets.last().unwrap() as usize);
                    return Err(Fail::Convert);
                }
                offsets.push(data.len() as i32);
            }
            Kind::Date(v) => {
                if p != Peek::String {
                    return convert_fail(lx);
                }
                let s = lx.string(scratch)?;
                let d = match &env.date_pattern {
                    Some(pat) => pat.parse_date(s),
                    None if s.is_empty() => None,
                    // Spark's fallbacks when no dateFormat is set: the lenient cast, then days since the epoch.
                    None => dtp::parse_date_default(s).or_else(|| s.trim().parse::<i32>().ok()),
                };
                match d {
                    Some(d) => v.push(d),
                    None => return Err(Fail::Convert),
                }
            }
            Kind::Ts(v) => {
                let t = match p {
                    Peek::Number => {
                        let n = lx.number()?;
                        n.as_i64().and_then(|s| s.checked_mul(1_000_000))
                    }
                    Peek::String => {
                        let s = lx.string(scratch)?;
                        match &env.ts_pattern {
                            Some(pat) => pat.parse_timestamp(s, &env.tz),
                            None if s.is_empty() => None,
                            None => super::timestamp::parse_timestamp(s, &env.tz),
                        }
                    }
                    _ => return convert_fail(lx),
                };
                match t {
                    Some(t) => v.push(t),
                    None => return Err(Fail::Convert),
                }
            }
            Kind::TsNtz(v) => {
                if p != Peek::String {
                    return convert_fail(lx);
                }
                let s = lx.string(scratch)?;
                let t = match &env.ts_ntz_pattern {
                    Some(pat) => pat.parse_timestamp(s, &chrono_tz::UTC),
                    None if s.is_empty() || carries_zone(s) => None,
                    None => dtp::parse_timestamp_ntz_default(s),
                };
                match t {
                    Some(t) => v.push(t),
                    None => return Err(Fail::Convert),
                }
            }
            Kind::Null | Kind::Pruned => {
                lx.skip_value()?;
            }
            Kind::Struct { .. } => unreachable!("handled above"),
            Kind::List { offsets, child, .. } => {
                if p != Peek::Array {
                    return convert_fail(lx);
                }
                let start = child.len();
                let mut failed = false;
                let mut partial = false;
                if !lx.begin_array()? {
                    loop {
                        if failed {
                            lx.skip_value()?;
                        } else {
                            match child.decode(lx, env, scratch) {
                                Ok(()) => {}
                                Err(Fail::Partial) => partial = true,
                                Err(Fail::Convert) => failed = true,
                                Err(Fail::Syntax) => return Err(Fail::Syntax),
                            }
                        }
                        if !lx.next_member(b']')? {
                            break;
                        }
                    }
                }
                if failed {
                    child.truncate(start);
                    return Err(Fail::Convert);
                }
                offsets.push(child.len() as i32);
                if partial {
                    self.valid.push(true);
                    return Err(Fail::Partial);
                }
            }
            Kind::Map { offsets, keys, values, .. } => {
                if p != Peek::Object {
                    return convert_fail(lx);
                }
                let start = keys.len();
                let mut failed = false;
                let mut partial = false;
                if !lx.begin_object()? {
                    loop {
                        let name = lx.field_name(scratch)?;
                        if !failed && !push_key(keys, name) {
                            failed = true;
                        }
                        if failed {
                            lx.skip_value()?;
                        } else {
                            match values.decode(lx, env, scratch) {
                                Ok(()) => {}
                                Err(Fail::Partial) => partial = true,
                                Err(Fail::Convert) => failed = true,
                                Err(Fail::Syntax) => return Err(Fail::Syntax),
                            }
                        }
                        if !lx.next_member(b'}')? {
                            break;
                        }
                    }
                }
                if failed {
                    keys.truncate(start);
                    values.truncate(start);
                    return Err(Fail::Convert);
                }
                offsets.push(keys.len() as i32);
                if partial {
                    self.valid.push(true);
                    return Err(Fail::Partial);
                }
            }
        }
        self.valid.push(true);
        Ok(())
    }

    /// Decode an object's members into this struct's children (not touching this column's own validity). A field
    /// that fails conversion becomes null and the others are kept (Spark's partial results).
    pub fn decode_object(&mut self, lx: &mut Lexer, env: &DecodeEnv, scratch: &mut String) -> DResult {
        let row = self.valid.len();
        let Kind::Struct { children, fields, index, readable, guess, quoted } = &mut self.kind else {
            return Err(Fail::Convert);
        };
        let mut failed = false;
        // An object's first member is usually the schema's first field (the guess is only a hint).
        *guess = 0;
        if !lx.begin_object()? {
            loop {
                // Records usually repeat one field order: try the field after the previous one before tokenizing
                // the name, then before hashing it.
                let idx = match quoted.get(*guess) {
                    Some(Some(q)) if lx.eat_field_name(q)? => Some(*guess),
                    _ => {
                        let name = lx.field_name(scratch)?;
                        if *guess < fields.len() && same_name(fields[*guess].name(), name) {
                            Some(*guess)
                        } else {
                            index.get(name).copied()
                        }
                    }
                };
                match idx {
                    Some(i) if !readable[i] => {
                        *guess = i + 1;
                        lx.skip_member_value()?;
                    }
                    Some(i) => {
                        *guess = i + 1;
                        let child = &mut children[i];
                        if child.len() > row {
                            // A repeated key: the last value wins.
                            child.truncate(row);
                        }
                        match child.decode(lx, env, scratch) {
                            Ok(()) => {}
                            Err(Fail::Partial) => failed = true,
                            Err(Fail::Convert) => {
                                child.truncate(row);
                                child.push_null();
                                failed = true;
                            }
                            Err(Fail::Syntax) => return Err(Fail::Syntax),
                        }
                    }
                    None => {
                        lx.skip_member_value()?;
                    }
                }
                if !lx.next_member(b'}')? {
                    break;
                }
            }
        }
        for c in children.iter_mut() {
            if c.len() == row {
                c.push_null();
            }
        }
        if failed {
            Err(Fail::Partial)
        } else {
            Ok(())
        }
    }

    /// Decode one value as a one-element list (`from_json` reading an object with an array-of-struct schema).
    pub fn decode_single_as_list(&mut self, lx: &mut Lexer, env: &DecodeEnv, scratch: &mut String) -> DResult {
        let Kind::List { offsets, child, .. } = &mut self.kind else { return Err(Fail::Convert) };
        let start = child.len();
        let r = child.decode(lx, env, scratch);
        if matches!(r, Err(Fail::Convert | Fail::Syntax)) {
            child.truncate(start);
            return r;
        }
        offsets.push(child.len() as i32);
        self.valid.push(true);
        r
    }

    /// Push one root row whose fields stay as decoded (validity true).
    pub fn push_row_valid(&mut self) {
        self.valid.push(true);
    }

    /// Push an all-null root row (its own validity true, as Spark's rows are never null).
    pub fn push_null_row(&mut self) {
        self.children_mut().iter_mut().for_each(|c| c.push_null());
        self.valid.push(true);
    }

    /// Spark's rendering of a value in error messages (`InternalRow.toString`-like): `null`, numbers, text.
    pub fn render(&self, i: usize) -> String {
        if !self.valid.get(i).copied().unwrap_or(false) {
            return "null".into();
        }
        match &self.kind {
            Kind::Bool(v) => v[i].to_string(),
            Kind::Int(v, _) => v[i].to_string(),
            Kind::Float(v, f32) => {
                if *f32 {
                    crate::types::java_float::java_float_string(v[i], Some(v[i] as f32))
                } else {
                    crate::types::java_float::java_float_string(v[i], None)
                }
            }
            Kind::Utf8 { offsets, data } => {
                String::from_utf8_lossy(&data[offsets[i] as usize..offsets[i + 1] as usize]).into_owned()
            }
            // Spark's row holds only the fields the query reads.
            Kind::Struct { children, .. } => format!(
                "[{}]",
                children
                    .iter()
                    .filter(|c| !matches!(c.kind, Kind::Pruned))
                    .map(|c| c.render(i))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            _ => "...".into(),
        }
    }

    /// Freeze into an Arrow array of type `dt` (the type this column was made for).
    pub fn finish(self, dt: &DataType) -> ArrayRef {
        let len = self.valid.len();
        let nulls = if self.valid.iter().all(|v| *v) { None } else { Some(NullBuffer::from(self.valid)) };
        match self.kind {
            Kind::Null | Kind::Pruned => new_null_array(dt, len),
            Kind::Bool(v) => Arc::new(BooleanArray::new(v.into(), nulls)),
            Kind::Int(v, w) => match w {
                IntWidth::I8 => Arc::new(Int8Array::new(v.iter().map(|x| *x as i8).collect(), nulls)),
                IntWidth::I16 => Arc::new(Int16Array::new(v.iter().map(|x| *x as i16).collect(), nulls)),
                IntWidth::I32 => Arc::new(Int32Array::new(v.iter().map(|x| *x as i32).collect(), nulls)),
                IntWidth::I64 => Arc::new(Int64Array::new(v.into(), nulls)),
            },
            Kind::Float(v, f32) => {
                if f32 {
                    Arc::new(Float32Array::new(v.iter().map(|x| *x as f32).collect(), nulls))
                } else {
                    Arc::new(Float64Array::new(v.into(), nulls))
                }
            }
            Kind::Decimal(v, p, s) => {
                Arc::new(Decimal128Array::new(v.into(), nulls).with_precision_and_scale(p, s).expect("valid decimal"))
            }
            Kind::Utf8 { offsets, data } => {
                Arc::new(StringArray::new(OffsetBuffer::new(ScalarBuffer::from(offsets)), data.into(), nulls))
            }
            Kind::Binary { offsets, data } => {
                Arc::new(BinaryArray::new(OffsetBuffer::new(ScalarBuffer::from(offsets)), data.into(), nulls))
            }
            Kind::Date(v) => Arc::new(Date32Array::new(v.into(), nulls)),
            Kind::Ts(v) | Kind::TsNtz(v) => {
                let a = TimestampMicrosecondArray::new(v.into(), nulls);
                match dt {
                    DataType::Timestamp(_, tz) => Arc::new(a.with_timezone_opt(tz.clone())),
                    _ => Arc::new(a),
                }
            }
            Kind::Struct { children, fields, .. } => {
                let arrays: Vec<ArrayRef> = children
                    .into_iter()
                    .zip(fields.iter())
                    .map(|(c, f)| match c.kind {
                        Kind::Pruned => crate::types::null_array::null_array(f.data_type(), len),
                        _ => c.finish(f.data_type()),
                    })
                    .collect();
                let fields = crate::types::fields_as_nullable(&fields);
                if fields.is_empty() {
                    Arc::new(StructArray::new_empty_fields(len, nulls))
                } else {
                    Arc::new(StructArray::new(fields, arrays, nulls))
                }
            }
            Kind::List { offsets, child, field } => {
                let values = child.finish(field.data_type());
                let field = Arc::new(Field::new(field.name(), values.data_type().clone(), true));
                Arc::new(ListArray::new(field, OffsetBuffer::new(ScalarBuffer::from(offsets)), values, nulls))
            }
            Kind::Map { offsets, keys, values, entries, sorted } => {
                let DataType::Struct(kv) = entries.data_type() else { unreachable!() };
                let k = keys.finish(kv[0].data_type());
                let v = values.finish(kv[1].data_type());
                let kv_fields = Fields::from(vec![
                    Field::new(kv[0].name(), k.data_type().clone(), false),
                    Field::new(kv[1].name(), v.data_type().clone(), true),
                ]);
                let entries_arr = StructArray::new(kv_fields.clone(), vec![k, v], None);
                let entries_field = Arc::new(Field::new(entries.name(), DataType::Struct(kv_fields), false));
                Arc::new(MapArray::new(
                    entries_field,
                    OffsetBuffer::new(ScalarBuffer::from(offsets)),
                    entries_arr,
                    nulls,
                    sorted,
                ))
            }
        }
    }
}

/// Whether timestamp text names its own zone (`Z`, `+02:00`, a region): Spark's JSON reader rejects those for
/// TIMESTAMP_NTZ. Text with a zone reads as the same instant whatever the session zone is.
fn carries_zone(s: &str) -> bool {
    let a = dtp::parse_timestamp_default(s, &chrono_tz::UTC);
    a.is_some() && a == dtp::parse_timestamp_default(s, &chrono_tz::Etc::GMTPlus5)
}

/// Field-name equality without a library call or a byte loop for the usual short names.
#[inline(always)]
fn same_name(a: &str, b: &str) -> bool {
    super::scan::bytes_eq(a.as_bytes(), b.as_bytes())
}

fn convert_fail(lx: &mut Lexer) -> DResult {
    lx.skip_value()?;
    Err(Fail::Convert)
}

/// A map key (always a JSON field name) converted to the key type.
fn push_key(keys: &mut Col, name: &str) -> bool {
    if let Kind::Int(v, _) = &mut keys.kind {
        return match name.trim().parse::<i64>() {
            Ok(x) => {
                v.push(x);
                keys.valid.push(true);
                true
            }
            Err(_) => false,
        };
    }
    if let Kind::Utf8 { .. } = keys.kind {
        keys.push_str(name);
        return true;
    }
    false
}

/// Parse decimal text (Java `BigDecimal` syntax) and round it HALF_UP to `scale`; None if it does not fit `prec`.
pub fn parse_decimal(text: &str, prec: u8, scale: i8) -> Option<i128> {
    let b = text.as_bytes();
    let mut i = 0;
    let neg = match b.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut digits: Vec<u8> = Vec::with_capacity(b.len());
    let mut frac_len: i64 = 0;
    let mut seen_digit = false;
    while i < b.len() && b[i].is_ascii_digit() {
        digits.push(b[i] - b'0');
        seen_digit = true;
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            digits.push(b[i] - b'0');
            frac_len += 1;
            seen_digit = true;
            i += 1;
        }
    }
    if !seen_digit {
        return None;
    }
    let mut exp: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let e = text.get(i..)?;
        if e.is_empty() || e.starts_with("+-") {
            return None;
        }
        exp = e.parse::<i64>().ok()?;
        i = b.len();
    }
    if i != b.len() {
        return None;
    }
    // value = digits × 10^-cur_scale
    let cur_scale = frac_len - exp;
    let target = scale as i64;
    if cur_scale > target {
        let drop = (cur_scale - target) as usize;
        let keep = digits.len().saturating_sub(drop);
        let round_up = if drop <= digits.len() { digits.get(keep).map(|d| *d >= 5).unwrap_or(false) } else { false };
        digits.truncate(keep);
        let mut v = to_i128(&digits, prec)?;
        if round_up {
            v += 1;
            if v >= 10i128.pow(prec as u32) {
                return None;
            }
        }
        Some(if neg { -v } else { v })
    } else {
        let zeros = (target - cur_scale) as usize;
        if zeros > 40 {
            return if digits.iter().all(|d| *d == 0) { Some(0) } else { None };
        }
        digits.extend(std::iter::repeat_n(0, zeros));
        let v = to_i128(&digits, prec)?;
        Some(if neg { -v } else { v })
    }
}

fn to_i128(digits: &[u8], prec: u8) -> Option<i128> {
    let first = digits.iter().position(|d| *d != 0).unwrap_or(digits.len());
    let sig = &digits[first..];
    if sig.len() > prec as usize {
        return None;
    }
    Some(sig.iter().fold(0i128, |a, d| a * 10 + *d as i128))
}

/// Standard base64 with padding (Jackson's default variant); false on bad input.
pub fn base64_decode(s: &[u8], out: &mut Vec<u8>) -> bool {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    }
    if s.len() % 4 != 0 {
        return false;
    }
    for (ci, chunk) in s.chunks(4).enumerate() {
        let last = ci == s.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return false;
        }
        let mut acc = 0u32;
        for &c in &chunk[..4 - pad] {
            let Some(v) = val(c) else { return false };
            acc = (acc << 6) | v;
        }
        acc <<= 6 * pad as u32;
        let bytes = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    true
}

/// Standard base64 with padding.
pub fn base64_encode(b: &[u8], out: &mut String) {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in b.chunks(3) {
        let n = chunk.len();
        let acc = (chunk[0] as u32) << 16
            | (chunk.get(1).copied().unwrap_or(0) as u32) << 8
            | chunk.get(2).copied().unwrap_or(0) as u32;
        for k in 0..4 {
            if k <= n {
                out.push(T[((acc >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_half_up_and_overflow() {
        assert_eq!(parse_decimal("1.255", 5, 2), Some(126));
        assert_eq!(parse_decimal("2.5", 5, 2), Some(250));
        assert_eq!(parse_decimal("123456.7", 5, 2), None);
        assert_eq!(parse_decimal("1e2", 4, 1), Some(1000));
        assert_eq!(parse_decimal("1.5e3", 4, 1), None);
        assert_eq!(parse_decimal("-0.0", 4, 1), Some(0));
        assert_eq!(parse_decimal(" 7", 4, 1), None);
        assert_eq!(parse_decimal("-0.05", 4, 1), Some(-1));
        assert_eq!(parse_decimal("0.04", 4, 1), Some(0));
    }

    #[test]
    fn base64_round_trip() {
        let mut out = Vec::new();
        assert!(base64_decode(b"aGVsbG8=", &mut out));
        assert_eq!(out, b"hello");
        out.clear();
        assert!(!base64_decode(b"x", &mut out));
        assert!(!base64_decode(b"2024-01", &mut out));
        let mut s = String::new();
        base64_encode(b"hello", &mut s);
        assert_eq!(s, "aGVsbG8=");
    }

    #[test]
    fn names_compare_equal_exactly_when_their_bytes_do() {
        let names = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "user_id",
            "event_id",
            "timestamp",
            "session_id",
            "é",
            "x".repeat(17).leak(),
        ];
        for a in names {
            for b in names {
                assert_eq!(same_name(a, b), a == b, "{a:?} {b:?}");
            }
            // One byte changed at each position.
            for i in 0..a.len() {
                let mut c = a.as_bytes().to_vec();
                c[i] ^= 1;
                if let Ok(c) = std::str::from_utf8(&c) {
                    assert!(!same_name(a, c), "{a:?} {c:?}");
                }
            }
        }
    }
}
