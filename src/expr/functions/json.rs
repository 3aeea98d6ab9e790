//! JSON functions: from_json, to_json, get_json_object, json_tuple, schema_of_json, json_array_length,
//! json_object_keys.
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int32Builder, ListBuilder, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field};

use super::{check_arg_count, ArgInfo, FunctionRegistry, GeneratorFunction, ScalarFunction, Signature};
use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::physical::ColumnarValue;
use crate::io::json::decode::{Col, DecodeEnv, Fail};
use crate::io::json::infer::{self, IType};
use crate::io::json::lexer::{Lexer, Peek};
use crate::io::json::options::{JsonOptions, ParseMode};
use crate::io::json::schema_text::parse_schema_text;
use crate::io::json::tree::{parse_value, JsonValue};
use crate::io::json::write::{ValueWriter, WriteEnv};
use crate::types::as_nullable;

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(FromJson);
    r.scalar(ToJson);
    r.scalar(GetJsonObject);
    r.scalar(SchemaOfJson);
    r.scalar(JsonArrayLength);
    r.scalar(JsonObjectKeys);
    r.generator("json_tuple", Arc::new(JsonTuple), false);
}

/// The text of a string literal argument.
fn literal_str(arg: &ArgInfo) -> Option<String> {
    let lit = arg.literal.as_ref()?;
    if lit.is_null(0) {
        return None;
    }
    match lit.data_type() {
        DataType::Utf8 => Some(lit.as_string::<i32>().value(0).to_string()),
        DataType::LargeUtf8 => Some(lit.as_string::<i64>().value(0).to_string()),
        DataType::Utf8View => Some(lit.as_string_view().value(0).to_string()),
        _ => None,
    }
}

/// A `map('k', 'v', …)` options argument (keys lower-cased).
fn options_of(value: Option<&ArrayRef>) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    let Some(a) = value else { return Ok(out) };
    if a.is_empty() || a.is_null(0) {
        return Ok(out);
    }
    let DataType::Map(_, _) = a.data_type() else {
        return Err(EmberError::analysis_class(
            "INVALID_OPTIONS.NON_MAP_FUNCTION",
            "Invalid options: Must use the `map()` function for options. SQLSTATE: 42K06",
        ));
    };
    let m = a.as_map();
    let keys = arrow::compute::cast(m.keys(), &DataType::Utf8)?;
    let values = arrow::compute::cast(m.values(), &DataType::Utf8)?;
    let (k, v) = (keys.as_string::<i32>(), values.as_string::<i32>());
    let offs = m.value_offsets();
    for j in offs[0] as usize..offs[1] as usize {
        if !k.is_null(j) && !v.is_null(j) {
            out.insert(k.value(j).to_ascii_lowercase(), v.value(j).to_string());
        }
    }
    Ok(out)
}

fn scalar_options(args: &[ColumnarValue], idx: usize) -> Result<HashMap<String, String>> {
    options_of(args.get(idx).map(|a| match a {
        ColumnarValue::Array(a) | ColumnarValue::Scalar(a) => a,
    }))
}

fn strings(v: &ColumnarValue, n: usize) -> Result<ArrayRef> {
    let a = v.clone().into_array(n)?;
    Ok(if a.data_type() == &DataType::Utf8 { a } else { arrow::compute::cast(&a, &DataType::Utf8)? })
}

fn mismatch(func_sql: &str, detail: String) -> EmberError {
    EmberError::analysis_class(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!("Cannot resolve \"{func_sql}\" due to data type mismatch: {detail} SQLSTATE: 42K09"),
    )
}

/// The implicit cast of a string argument (Spark's `ExpectsInputTypes(StringType)` error otherwise).
fn string_arg(args: &[ArgInfo], i: usize, display: &str) -> Result<DataType> {
    match &args[i].data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => Ok(DataType::Utf8),
        other => Err(mismatch(
            display,
            format!(
                "The {} parameter requires the \"STRING\" type, however \"{}\" has the type \"{}\".",
                ordinal(i),
                args[i].sql,
                crate::types::simple_string(other).to_uppercase()
            ),
        )),
    }
}

fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third", "fourth", "fifth"].get(i).copied().unwrap_or("next")
}

// ---------------------------------------------------------------------------------------------------------------
// from_json

/// `from_json(json, schema[, options])`: parse JSON text into a struct, array or map.
pub struct FromJson;

fn from_json_schema(arg: &ArgInfo) -> Result<DataType> {
    let s = literal_str(arg).ok_or_else(|| {
        EmberError::analysis_class(
            "INVALID_SCHEMA.NON_STRING_LITERAL",
            format!(
                "The input schema \"{}\" is not a valid schema string. The input expression must be string literal \
                 and not null. SQLSTATE: 42K07",
                arg.sql
            ),
        )
    })?;
    Ok(as_nullable(&parse_schema_text(&s)?))
}

impl ScalarFunction for FromJson {
    fn name(&self) -> &str {
        "from_json"
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        check_arg_count("from_json", args, 2, 3)?;
        let display = self.display_name(&args.iter().map(|a| a.sql.clone()).collect::<Vec<_>>());
        let mut arg_types = vec![string_arg(args, 0, &display)?];
        let dt = from_json_schema(&args[1])?;
        if !matches!(dt, DataType::Struct(_) | DataType::List(_) | DataType::Map(_, _)) {
            return Err(EmberError::analysis_class(
                "DATATYPE_MISMATCH.INVALID_JSON_SCHEMA",
                format!(
                    "Cannot resolve \"{display}\" due to data type mismatch: Input schema \"{}\" must be a struct, an \
                     array, a map or a variant. SQLSTATE: 42K09",
                    crate::types::simple_string(&dt).to_uppercase()
                ),
            ));
        }
        arg_types.push(args[1].data_type.clone());
        if let Some(o) = args.get(2) {
            options_of(o.literal.as_ref())?;
            arg_types.push(o.data_type.clone());
        }
        Ok(Signature { arg_types, return_type: dt, nullable: true })
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
        let schema = match &args[1] {
            ColumnarValue::Scalar(s) | ColumnarValue::Array(s) if !s.is_empty() && !s.is_null(0) => {
                s.as_string::<i32>().value(0).to_string()
            }
            _ => return Err(EmberError::execution("from_json: the schema must be a non-null string")),
        };
        let dt = as_nullable(&parse_schema_text(&schema)?);
        let input = strings(&args[0], num_rows)?;
        let opts = JsonOptions::from_map(&scalar_options(args, 2)?)?;
        Ok(ColumnarValue::Array(from_json_array(input.as_string::<i32>(), &dt, opts, ctx)?))
    }
    /// Spark shows only the JSON argument, `from_json(value)`; a map result is named `entries`.
    fn display_name(&self, args: &[String]) -> String {
        let schema = args.get(1).map(|s| s.trim().trim_matches('\'')).unwrap_or_default();
        if let Ok(DataType::Map(_, _)) = parse_schema_text(schema) {
            return "entries".into();
        }
        format!("from_json({})", args.first().cloned().unwrap_or_default())
    }
}

fn failfast_error(shown: &str) -> EmberError {
    EmberError::execution_class(
        "MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION",
        format!(
            "Malformed records are detected in record parsing: {shown}.\nParse Mode: FAILFAST. To process malformed \
             records as null result, try setting the option 'mode' as 'PERMISSIVE'.  SQLSTATE: 22023"
        ),
    )
}

/// Parse each string with Spark's `JsonToStructs` rules: malformed text gives an all-null struct (with the corrupt
/// text when the schema has the corrupt-record column), or null for array and map schemas.
pub fn from_json_array(input: &StringArray, dt: &DataType, opts: JsonOptions, ctx: &EvalContext) -> Result<ArrayRef> {
    if opts.mode == ParseMode::DropMalformed {
        return Err(EmberError::analysis_class(
            "PARSE_MODE_UNSUPPORTED",
            "The function `from_json` doesn't support the DROPMALFORMED mode. Acceptable modes are PERMISSIVE and \
             FAILFAST. SQLSTATE: 42601",
        ));
    }
    let mut env = DecodeEnv::new(opts, ctx.time_zone)?;
    env.raw_strings = false;
    crate::io::json::decode::check_supported(dt)?;
    let corrupt_idx = match dt {
        DataType::Struct(fs) => {
            fs.iter().position(|f| f.name() == &env.opts.corrupt_column && f.data_type() == &DataType::Utf8)
        }
        _ => None,
    };
    let skip = corrupt_idx.map(|_| env.opts.corrupt_column.clone());
    let mut col = Col::new(dt, skip.as_deref());
    let mut scratch = String::new();
    let failfast = env.opts.mode == ParseMode::FailFast;
    for i in 0..input.len() {
        let row0 = col.len();
        if input.is_null(i) {
            col.push_null();
            continue;
        }
        let text = input.value(i);
        let mut lx = Lexer::new(text, &env.opts);
        let peek = lx.peek();
        if matches!(peek, Ok(Peek::End)) {
            col.push_null();
            continue;
        }
        let r: std::result::Result<(), Fail> = match (dt, peek) {
            (DataType::Struct(_), Ok(Peek::Object)) => {
                let r = col.decode_object(&mut lx, &env, &mut scratch);
                if r != Err(Fail::Syntax) {
                    col.push_row_valid();
                }
                r
            }
            (DataType::Struct(_), _) => Err(Fail::Syntax),
            (DataType::List(_), Ok(Peek::Array)) | (DataType::Map(_, _), Ok(Peek::Object)) => {
                col.decode(&mut lx, &env, &mut scratch)
            }
            (DataType::List(f), Ok(Peek::Object)) if matches!(f.data_type(), DataType::Struct(_)) => {
                col.decode_single_as_list(&mut lx, &env, &mut scratch)
            }
            _ => Err(Fail::Syntax),
        };
        let Err(fail) = r else { continue };
        if let DataType::Struct(_) = dt {
            if fail == Fail::Syntax {
                col.truncate(row0);
                col.push_null_row();
            }
            if failfast {
                return Err(failfast_error(&col.render(row0)));
            }
            if let Some(ci) = corrupt_idx {
                let c = &mut col.children_mut()[ci];
                c.truncate(row0);
                c.push_str(text);
            }
        } else if fail == Fail::Partial {
            if failfast {
                return Err(failfast_error("null"));
            }
        } else {
            if failfast {
                return Err(failfast_error("null"));
            }
            col.truncate(row0);
            col.push_null();
        }
    }
    Ok(col.finish(dt))
}

// ---------------------------------------------------------------------------------------------------------------
// to_json

/// `to_json(struct|array|map[, options])`.
pub struct ToJson;

impl ScalarFunction for ToJson {
    fn name(&self) -> &str {
        "to_json"
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        check_arg_count("to_json", args, 1, 2)?;
        let dt = &args[0].data_type;
        if !matches!(dt, DataType::Struct(_) | DataType::List(_) | DataType::Map(_, _)) {
            return Err(EmberError::analysis_class(
                "DATATYPE_MISMATCH.INVALID_JSON_SCHEMA",
                format!(
                    "Cannot resolve \"to_json({})\" due to data type mismatch: Input schema \"{}\" must be a struct, \
                     an array, a map or a variant. SQLSTATE: 42K09",
                    args[0].sql,
                    crate::types::simple_string(dt).to_uppercase()
                ),
            ));
        }
        let mut arg_types = vec![dt.clone()];
        if let Some(o) = args.get(1) {
            options_of(o.literal.as_ref())?;
            arg_types.push(o.data_type.clone());
        }
        Ok(Signature { arg_types, return_type: DataType::Utf8, nullable: args[0].nullable })
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
        let input = args[0].clone().into_array(num_rows)?;
        let env = WriteEnv::from_map(&scalar_options(args, 1)?, ctx.time_zone)?;
        let w = ValueWriter::new(input.as_ref());
        let mut b = StringBuilder::with_capacity(input.len(), input.len() * 32);
        let mut s = String::new();
        for i in 0..input.len() {
            if input.is_null(i) {
                b.append_null();
            } else {
                s.clear();
                w.write(i, &mut s, &env);
                b.append_value(&s);
            }
        }
        Ok(ColumnarValue::Array(Arc::new(b.finish())))
    }
    /// Spark shows only the value argument: `to_json(s)`.
    fn display_name(&self, args: &[String]) -> String {
        format!("to_json({})", args.first().cloned().unwrap_or_default())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// get_json_object

/// One step of Spark's JSON path subset.
#[derive(Debug, Clone, PartialEq)]
enum PathStep {
    Key(String),
    Index(usize),
    Wildcard,
}

/// Parse `$.a.b[0]['c'][*]`; None for paths Spark rejects (it then returns null).
fn parse_path(p: &str) -> Option<Vec<PathStep>> {
    let b = p.as_bytes();
    if b.first() != Some(&b'$') {
        return None;
    }
    let mut i = 1;
    let mut out = Vec::new();
    while i < b.len() {
        match b[i] {
            b'.' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'.' && b[j] != b'[' {
                    j += 1;
                }
                let key = &p[start..j];
                if key.is_empty() || key == "*" {
                    return None;
                }
                out.push(PathStep::Key(key.to_string()));
                i = j;
            }
            b'[' => {
                let close = p[i..].find(']')? + i;
                let inner = &p[i + 1..close];
                if inner == "*" {
                    out.push(PathStep::Wildcard);
                } else if inner.len() >= 2 && inner.starts_with('\'') && inner.ends_with('\'') {
                    out.push(PathStep::Key(inner[1..inner.len() - 1].to_string()));
                } else {
                    out.push(PathStep::Index(inner.parse().ok()?));
                }
                i = close + 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Evaluate a path; a wildcard collects matches (one match is returned bare, as Spark does).
fn eval_path<'v>(v: &'v JsonValue, steps: &[PathStep]) -> Option<PathResult<'v>> {
    let Some((first, rest)) = steps.split_first() else { return Some(PathResult::One(v)) };
    match first {
        PathStep::Key(k) => match (v.get(k)?, rest.is_empty()) {
            (JsonValue::Null, true) => None,
            (member, _) => eval_path(member, rest),
        },
        PathStep::Index(n) => match v {
            // A null array element at the end of the path is written out ("null"), unlike a null member.
            JsonValue::Array(items) => match (items.get(*n)?, rest.is_empty()) {
                (JsonValue::Null, true) => Some(PathResult::NullText),
                (item, _) => eval_path(item, rest),
            },
            _ => None,
        },
        PathStep::Wildcard => {
            let JsonValue::Array(items) = v else { return None };
            // Matches of nested wildcards flatten into one list.
            let mut found: Vec<PathResult<'v>> = Vec::new();
            for r in items.iter().filter_map(|it| match (it, rest.is_empty()) {
                (JsonValue::Null, true) => Some(PathResult::NullText),
                _ => eval_path(it, rest),
            }) {
                match r {
                    PathResult::Many(inner) => found.extend(inner),
                    PathResult::One(v) => found.push(PathResult::Quoted(v)),
                    other => found.push(other),
                }
            }
            match found.len() {
                0 => None,
                1 => found.pop(),
                _ => Some(PathResult::Many(found)),
            }
        }
    }
}

enum PathResult<'v> {
    NullText,
    One(&'v JsonValue),
    /// A wildcard match: strings stay JSON strings (quoted, characters as they are).
    Quoted(&'v JsonValue),
    Many(Vec<PathResult<'v>>),
}

impl PathResult<'_> {
    fn write(&self, out: &mut String) {
        match self {
            PathResult::NullText => out.push_str("null"),
            PathResult::One(v) => v.write(out),
            PathResult::Quoted(JsonValue::String(s)) => crate::io::json::write::push_json_string(s, out),
            PathResult::Quoted(v) => v.write(out),
            PathResult::Many(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    it.write(out);
                }
                out.push(']');
            }
        }
    }
    fn text(&self) -> Option<String> {
        match self {
            PathResult::NullText => Some("null".into()),
            PathResult::One(v) => v.to_result_text(),
            other => {
                let mut s = String::new();
                other.write(&mut s);
                Some(s)
            }
        }
    }
}

/// The parser features of Spark's path functions: Jackson's defaults plus single quotes (no NaN/Infinity).
fn path_json_options() -> JsonOptions {
    JsonOptions { allow_non_numeric_numbers: false, ..JsonOptions::default() }
}

/// Parse one JSON text (the first value; trailing text ignored).
fn parse_json_text(s: &str, opts: &JsonOptions) -> Option<JsonValue> {
    parse_value(&mut Lexer::new(s, opts)).ok()
}

/// `get_json_object(json, path)`.
pub struct GetJsonObject;

impl ScalarFunction for GetJsonObject {
    fn name(&self) -> &str {
        "get_json_object"
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        check_arg_count("get_json_object", args, 2, 2)?;
        let display = self.display_name(&args.iter().map(|a| a.sql.clone()).collect::<Vec<_>>());
        let arg_types = vec![string_arg(args, 0, &display)?, string_arg(args, 1, &display)?];
        Ok(Signature { arg_types, return_type: DataType::Utf8, nullable: true })
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, _ctx: &EvalContext) -> Result<ColumnarValue> {
        let json = strings(&args[0], num_rows)?;
        let paths = strings(&args[1], num_rows)?;
        let (json, paths) = (json.as_string::<i32>(), paths.as_string::<i32>());
        let opts = path_json_options();
        let mut b = StringBuilder::new();
        let mut cached: Option<(String, Option<Vec<PathStep>>)> = None;
        for i in 0..num_rows {
            if json.is_null(i) || paths.is_null(i) {
                b.append_null();
                continue;
            }
            let p = paths.value(i);
            if cached.as_ref().map(|(s, _)| s != p).unwrap_or(true) {
                cached = Some((p.to_string(), parse_path(p.trim())));
            }
            let steps = cached.as_ref().unwrap().1.as_ref();
            let out = steps.and_then(|steps| {
                let v = parse_json_text(json.value(i), &opts)?;
                eval_path(&v, steps)?.text()
            });
            b.append_option(out);
        }
        Ok(ColumnarValue::Array(Arc::new(b.finish())))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// json_tuple

/// `json_tuple(json, f1, f2, …)`: one row of strings `c0, c1, …` per input row.
pub struct JsonTuple;

impl GeneratorFunction for JsonTuple {
    fn name(&self) -> &str {
        "json_tuple"
    }
    fn output_fields(&self, args: &[ArgInfo]) -> Result<Vec<Field>> {
        if args.len() < 2 {
            return Err(EmberError::analysis_condition(
                "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                [
                    ("functionName", "`json_tuple`".to_string()),
                    ("expectedNum", "> 1".to_string()),
                    ("actualNum", args.len().to_string()),
                ],
            ));
        }
        Ok((0..args.len() - 1).map(|i| Field::new(format!("c{i}"), DataType::Utf8, true)).collect())
    }
    fn generate(&self, args: &[ArrayRef], _outer: bool) -> Result<(Vec<u32>, Vec<ArrayRef>)> {
        let n = args[0].len();
        let cast = |a: &ArrayRef| -> Result<ArrayRef> {
            Ok(if a.data_type() == &DataType::Utf8 { a.clone() } else { arrow::compute::cast(a, &DataType::Utf8)? })
        };
        let json = cast(&args[0])?;
        let json = json.as_string::<i32>();
        let names: Vec<ArrayRef> = args[1..].iter().map(cast).collect::<Result<_>>()?;
        let mut builders: Vec<StringBuilder> = names.iter().map(|_| StringBuilder::new()).collect();
        let opts = path_json_options();
        for i in 0..n {
            let v = if json.is_null(i) { None } else { parse_json_text(json.value(i), &opts) };
            for (k, b) in builders.iter_mut().enumerate() {
                let name = names[k].as_string::<i32>();
                // A name argument may be a one-row literal standing for every row.
                let j = if name.len() == 1 { 0 } else { i };
                let out = match (&v, name.is_null(j)) {
                    (Some(v @ JsonValue::Object(_)), false) => {
                        v.get_last(name.value(j)).and_then(|x| x.to_result_text())
                    }
                    _ => None,
                };
                b.append_option(out);
            }
        }
        let cols = builders.into_iter().map(|mut b| Arc::new(b.finish()) as ArrayRef).collect();
        Ok(((0..n as u32).collect(), cols))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// schema_of_json

/// `schema_of_json(json_literal[, options])` → the inferred type as Spark's SQL text.
pub struct SchemaOfJson;

/// Infer the type of one JSON text as `schema_of_json` does (no corrupt-record column; malformed text fails).
pub fn schema_of_json_text(text: &str, opts: &JsonOptions) -> Result<String> {
    let env = DecodeEnv::new(opts.clone(), chrono_tz::UTC)?;
    let mut lx = Lexer::new(text, &env.opts);
    let mut t = IType::Null;
    let mut st = infer::InferState::default();
    let malformed = || {
        EmberError::execution_class(
            "MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION",
            format!(
                "Malformed records are detected in record parsing: {text}.\nParse Mode: FAILFAST. To process \
                 malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'.  SQLSTATE: 22023"
            ),
        )
    };
    infer::infer_into(&mut t, &mut lx, &env, &mut st).map_err(|_| malformed())?;
    if let Some(e) = st.negative_scale.and(st.error()) {
        return Err(e);
    }
    let dt = match &t {
        IType::Struct(fs) => arrow::datatypes::DataType::Struct(infer::struct_fields(fs, opts.drop_field_if_all_null)),
        other => infer::to_data_type(other, false).unwrap_or(DataType::Utf8),
    };
    Ok(infer::sql_type_string(&dt))
}

impl ScalarFunction for SchemaOfJson {
    fn name(&self) -> &str {
        "schema_of_json"
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        check_arg_count("schema_of_json", args, 1, 2)?;
        if literal_str(&args[0]).is_none() {
            return Err(EmberError::analysis_class(
                "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                format!(
                    "Cannot resolve \"schema_of_json({})\" due to data type mismatch: the input `json` should be a \
                     foldable \"STRING\" expression; however, got \"{}\". SQLSTATE: 42K09",
                    args[0].sql, args[0].sql
                ),
            ));
        }
        let mut arg_types = vec![DataType::Utf8];
        if let Some(o) = args.get(1) {
            options_of(o.literal.as_ref())?;
            arg_types.push(o.data_type.clone());
        }
        Ok(Signature { arg_types, return_type: DataType::Utf8, nullable: false })
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, _ctx: &EvalContext) -> Result<ColumnarValue> {
        let json = strings(&args[0], 1)?;
        let opts = JsonOptions::from_map(&scalar_options(args, 1)?)?;
        let s = schema_of_json_text(json.as_string::<i32>().value(0), &opts)?;
        let one: ArrayRef = Arc::new(StringArray::from(vec![s]));
        Ok(if num_rows == 1 { ColumnarValue::Array(one) } else { ColumnarValue::Scalar(one) })
    }
}

// ---------------------------------------------------------------------------------------------------------------
// json_array_length, json_object_keys

/// `json_array_length(json)`: elements of a top-level array, else null.
pub struct JsonArrayLength;

impl ScalarFunction for JsonArrayLength {
    fn name(&self) -> &str {
        "json_array_length"
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        check_arg_count("json_array_length", args, 1, 1)?;
        let display = self.display_name(&[args[0].sql.clone()]);
        Ok(Signature { arg_types: vec![string_arg(args, 0, &display)?], return_type: DataType::Int32, nullable: true })
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, _ctx: &EvalContext) -> Result<ColumnarValue> {
        let json = strings(&args[0], num_rows)?;
        let json = json.as_string::<i32>();
        let opts = path_json_options();
        let mut b = Int32Builder::with_capacity(json.len());
        for i in 0..json.len() {
            let n = if json.is_null(i) {
                None
            } else {
                let mut lx = Lexer::new(json.value(i), &opts);
                match lx.peek() {
                    Ok(Peek::Array) => array_len(&mut lx),
                    _ => None,
                }
            };
            b.append_option(n);
        }
        Ok(ColumnarValue::Array(Arc::new(b.finish())))
    }
}

fn array_len(lx: &mut Lexer) -> Option<i32> {
    if lx.begin_array().ok()? {
        return Some(0);
    }
    let mut n = 0;
    loop {
        lx.skip_value().ok()?;
        n += 1;
        if !lx.next_member(b']').ok()? {
            return Some(n);
        }
    }
}

/// `json_object_keys(json)`: the top-level keys of an object, else null.
pub struct JsonObjectKeys;

impl ScalarFunction for JsonObjectKeys {
    fn name(&self) -> &str {
        "json_object_keys"
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        check_arg_count("json_object_keys", args, 1, 1)?;
        let display = self.display_name(&[args[0].sql.clone()]);
        Ok(Signature {
            arg_types: vec![string_arg(args, 0, &display)?],
            return_type: crate::types::array_type(DataType::Utf8, true),
            nullable: true,
        })
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, _ctx: &EvalContext) -> Result<ColumnarValue> {
        let json = strings(&args[0], num_rows)?;
        let json = json.as_string::<i32>();
        let opts = path_json_options();
        let mut b = ListBuilder::new(StringBuilder::new()).with_field(Field::new("element", DataType::Utf8, true));
        let mut keys = Vec::new();
        let mut scratch = String::new();
        for i in 0..json.len() {
            keys.clear();
            let ok = !json.is_null(i) && object_keys(json.value(i), &opts, &mut keys, &mut scratch).is_some();
            if ok {
                for k in &keys {
                    b.values().append_value(k);
                }
                b.append(true);
            } else {
                b.append(false);
            }
        }
        Ok(ColumnarValue::Array(Arc::new(b.finish())))
    }
}

fn object_keys(s: &str, opts: &JsonOptions, keys: &mut Vec<String>, scratch: &mut String) -> Option<()> {
    let mut lx = Lexer::new(s, opts);
    if lx.peek().ok()? != Peek::Object {
        return None;
    }
    if lx.begin_object().ok()? {
        return Some(());
    }
    loop {
        keys.push(lx.field_name(scratch).ok()?.to_string());
        lx.skip_value().ok()?;
        if !lx.next_member(b'}').ok()? {
            return Some(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::util::display::array_value_to_string;

    fn lit(s: &str) -> ArrayRef {
        Arc::new(StringArray::from(vec![s]))
    }
    fn arg(dt: DataType, sql: &str, literal: Option<ArrayRef>) -> ArgInfo {
        ArgInfo { data_type: dt, nullable: true, literal, sql: sql.into() }
    }
    fn show(a: &ArrayRef) -> Vec<String> {
        (0..a.len()).map(|i| if a.is_null(i) { "None".into() } else { array_value_to_string(a, i).unwrap() }).collect()
    }
    fn json_col() -> ArrayRef {
        Arc::new(StringArray::from(vec![
            Some(r#"{"a":1,"b":[1,2],"c":{"d":"x"}}"#),
            Some(r#"{"a":"x"}"#),
            Some("not json"),
            None,
            Some(r#"[{"a":2},{"a":3}]"#),
            Some(r#"{"a":1} trailing"#),
            Some(r#"{"a": 1.50, "e": {"f": [1, {"g": null}]}}"#),
            Some(""),
        ]))
    }

    fn run_from_json(schema: &str) -> Vec<String> {
        let f = FromJson;
        let args = [arg(DataType::Utf8, "value", None), arg(DataType::Utf8, schema, Some(lit(schema)))];
        let sig = f.resolve(&args).unwrap();
        let out = f
            .invoke(&[ColumnarValue::Array(json_col()), ColumnarValue::Scalar(lit(schema))], 8, &EvalContext::default())
            .unwrap()
            .into_array(8)
            .unwrap();
        assert_eq!(out.data_type(), &sig.return_type);
        show(&out)
    }

    #[test]
    fn from_json_matches_spark() {
        assert_eq!(FromJson.display_name(&["value".into(), "a INT".into()]), "from_json(value)");
        assert_eq!(FromJson.display_name(&["value".into(), "MAP<STRING,INT>".into()]), "entries");
        assert_eq!(
            run_from_json("a INT, b ARRAY<INT>, c STRUCT<d: STRING>"),
            vec![
                "{a: 1, b: [1, 2], c: {d: x}}",
                "{a: , b: , c: }",
                "{a: , b: , c: }",
                "None",
                "{a: , b: , c: }",
                "{a: 1, b: , c: }",
                "{a: , b: , c: }",
                "None"
            ]
        );
        assert_eq!(
            run_from_json("ARRAY<STRUCT<a: INT>>"),
            vec!["[{a: 1}]", "[{a: }]", "None", "None", "[{a: 2}, {a: 3}]", "[{a: 1}]", "[{a: }]", "None"]
        );
        assert_eq!(
            run_from_json("MAP<STRING,STRING>"),
            vec![
                r#"{a: 1, b: [1,2], c: {"d":"x"}}"#,
                "{a: x}",
                "None",
                "None",
                "None",
                "{a: 1}",
                r#"{a: 1.5, e: {"f":[1,{"g":null}]}}"#,
                "None"
            ]
        );
        assert_eq!(
            run_from_json("a INT, _corrupt_record STRING"),
            vec![
                "{a: 1, _corrupt_record: }",
                r#"{a: , _corrupt_record: {"a":"x"}}"#,
                "{a: , _corrupt_record: not json}",
                "None",
                r#"{a: , _corrupt_record: [{"a":2},{"a":3}]}"#,
                "{a: 1, _corrupt_record: }",
                r#"{a: , _corrupt_record: {"a": 1.50, "e": {"f": [1, {"g": null}]}}}"#,
                "None"
            ]
        );
    }

    #[test]
    fn to_json_matches_spark() {
        let err = ToJson.resolve(&[arg(DataType::Int32, "i", None)]).unwrap_err();
        assert!(err.message().starts_with(
            "[DATATYPE_MISMATCH.INVALID_JSON_SCHEMA] Cannot resolve \"to_json(i)\" due to data type mismatch: Input \
             schema \"INT\" must be a struct"
        ));
        let parsed = {
            let s = "i INT, s STRING, a ARRAY<INT>";
            let dt = as_nullable(&parse_schema_text(s).unwrap());
            let input = StringArray::from(vec![r#"{"i":1,"s":"x","a":[1,2]}"#]);
            from_json_array(&input, &dt, JsonOptions::default(), &EvalContext::default()).unwrap()
        };
        let out = ToJson
            .invoke(&[ColumnarValue::Array(parsed.clone())], 1, &EvalContext::default())
            .unwrap()
            .into_array(1)
            .unwrap();
        assert_eq!(show(&out), vec![r#"{"i":1,"s":"x","a":[1,2]}"#]);
        let a = parsed.as_struct().column(2).clone();
        let out = ToJson.invoke(&[ColumnarValue::Array(a)], 1, &EvalContext::default()).unwrap().into_array(1).unwrap();
        assert_eq!(show(&out), vec!["[1,2]"]);
    }

    #[test]
    fn get_json_object_paths() {
        let j = r#"{"a":{"b":[1,{"c":"x"}],"n":1.50,"t":true,"z":null, "s": "q"},"k":"v","arr":[{"x":1},{"x":2}], "e": {}, "n":[[1,2],[3]], "one":[{"x":1}]}"#;
        let cases = [
            ("$.a", Some(r#"{"b":[1,{"c":"x"}],"n":1.5,"t":true,"z":null,"s":"q"}"#)),
            ("$.a.b", Some(r#"[1,{"c":"x"}]"#)),
            ("$.a.b[0]", Some("1")),
            ("$.a.b[1].c", Some("x")),
            ("$['a']['n']", Some("1.5")),
            ("$.a.t", Some("true")),
            ("$.a.z", None),
            ("$.k", Some("v")),
            ("$.missing", None),
            ("$.arr[*].x", Some("[1,2]")),
            ("$.arr[*]", Some(r#"[{"x":1},{"x":2}]"#)),
            ("$.arr[0]", Some(r#"{"x":1}"#)),
            ("$.a.s", Some("q")),
            ("$.a.*", None),
            ("a", None),
            ("$.arr[5]", None),
            ("$.e", Some("{}")),
            ("$['k']", Some("v")),
            ("$.a.b[*]", Some(r#"[1,{"c":"x"}]"#)),
            ("$.n[*][*]", Some("[1,2,3]")),
            ("$.n[0][*]", Some("[1,2]")),
            ("$.one[*].x", Some("1")),
            ("$.one[*]", Some(r#"{"x":1}"#)),
            ("$.n[*]", Some("[[1,2],[3]]")),
        ];
        let n = cases.len();
        let json: ArrayRef = Arc::new(StringArray::from(vec![j; n]));
        let paths: ArrayRef = Arc::new(StringArray::from(cases.iter().map(|c| c.0).collect::<Vec<_>>()));
        let out = GetJsonObject
            .invoke(&[ColumnarValue::Array(json), ColumnarValue::Array(paths)], n, &EvalContext::default())
            .unwrap()
            .into_array(n)
            .unwrap();
        let out = out.as_string::<i32>();
        for (i, (p, want)) in cases.iter().enumerate() {
            let got = if out.is_null(i) { None } else { Some(out.value(i)) };
            assert_eq!(got, *want, "{p}");
        }
        let bad: ArrayRef = Arc::new(StringArray::from(vec!["bad", "{\"a\":1", "[1,2]", "[NaN]"]));
        let out = GetJsonObject
            .invoke(&[ColumnarValue::Array(bad), ColumnarValue::Scalar(lit("$[0]"))], 4, &EvalContext::default())
            .unwrap()
            .into_array(4)
            .unwrap();
        assert_eq!(show(&out), vec!["None", "None", "1", "None"]);
    }

    #[test]
    fn json_tuple_rows() {
        let j = r#"{"a":{"b":[1,{"c":"x"}],"n":1.50},"k":"v","e": {}}"#;
        let json: ArrayRef =
            Arc::new(StringArray::from(vec![Some(j), Some("bad"), None, Some(r#"{"k":1.50,"n":null,"k":2}"#)]));
        let args = vec![json, lit("k"), lit("a"), lit("missing"), lit("e"), lit("n")];
        let infos: Vec<ArgInfo> = args.iter().map(|a| arg(DataType::Utf8, "x", Some(a.clone()))).collect();
        let fields = JsonTuple.output_fields(&infos).unwrap();
        assert_eq!(fields.iter().map(|f| f.name().as_str()).collect::<Vec<_>>(), vec!["c0", "c1", "c2", "c3", "c4"]);
        let (idx, cols) = JsonTuple.generate(&args, false).unwrap();
        assert_eq!(idx, vec![0, 1, 2, 3]);
        assert_eq!(show(&cols[0]), vec!["v", "None", "None", "2"]);
        assert_eq!(show(&cols[1]), vec![r#"{"b":[1,{"c":"x"}],"n":1.5}"#, "None", "None", "None"]);
        assert_eq!(show(&cols[3]), vec!["{}", "None", "None", "None"]);
        assert_eq!(show(&cols[4]), vec!["None", "None", "None", "None"]);
    }

    #[test]
    fn schema_of_json_text_matches_spark() {
        let o = JsonOptions::default();
        assert_eq!(
            schema_of_json_text(
                r#"{"a":1,"b":[1.5,"x"],"c":{"d":null},"e":[],"f":{}, "g": 9223372036854775808, "Weird Name": 1}"#,
                &o
            )
            .unwrap(),
            "STRUCT<`Weird Name`: BIGINT, a: BIGINT, b: ARRAY<STRING>, c: STRUCT<d: STRING>, e: ARRAY<STRING>, g: \
             DECIMAL(19,0)>"
        );
        assert_eq!(schema_of_json_text("[1,2]", &o).unwrap(), "ARRAY<BIGINT>");
        assert_eq!(schema_of_json_text("1", &o).unwrap(), "BIGINT");
        assert_eq!(schema_of_json_text("\"x\"", &o).unwrap(), "STRING");
        let mut d = JsonOptions::default();
        d.prefers_decimal = true;
        assert_eq!(schema_of_json_text(r#"{"a":1.5}"#, &d).unwrap(), "STRUCT<a: DECIMAL(2,1)>");
        assert!(schema_of_json_text(r#"{"a":"#, &o).is_err());
    }

    #[test]
    fn array_length_and_object_keys() {
        let json: ArrayRef = Arc::new(StringArray::from(vec![
            Some("[1,2,[3,4]]"),
            Some("[]"),
            Some(r#"{"b":1,"a":{"c":2}}"#),
            Some("bad"),
            None,
            Some("[1,2"),
            Some("{}"),
        ]));
        let ctx = EvalContext::default();
        let l = JsonArrayLength.invoke(&[ColumnarValue::Array(json.clone())], 7, &ctx).unwrap().into_array(7).unwrap();
        assert_eq!(show(&l), vec!["3", "0", "None", "None", "None", "None", "None"]);
        let k = JsonObjectKeys.invoke(&[ColumnarValue::Array(json)], 7, &ctx).unwrap().into_array(7).unwrap();
        assert_eq!(show(&k), vec!["None", "None", "[b, a]", "None", "None", "None", "[]"]);
    }

    /// Differential check against a PySpark dump (`/tmp/jo/funcs.json`): get_json_object over several paths,
    /// json_array_length, json_object_keys, json_tuple and to_json(from_json(...)) on ~1200 JSON lines.
    #[test]
    #[ignore]
    fn differential_against_pyspark_dump() {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("/tmp/jo/funcs.json").unwrap()).unwrap();
        let lines: Vec<&str> = v["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        let n = lines.len();
        let json: ArrayRef = Arc::new(StringArray::from(lines.clone()));
        let ctx = EvalContext::default();
        let text = |x: &serde_json::Value| -> String {
            match x {
                serde_json::Value::Null => "None".into(),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(items) => {
                    format!(
                        "[{}]",
                        items.iter().map(|i| i.as_str().unwrap_or("?").to_string()).collect::<Vec<_>>().join(", ")
                    )
                }
                other => other.to_string(),
            }
        };
        let mut bad = 0;
        let mut check = |what: &str, got: Vec<String>, want: Vec<String>| {
            for i in 0..n {
                if got[i] != want[i] {
                    bad += 1;
                    if bad < 12 {
                        eprintln!("{what} row {i}: {}\n  ours : {}\n  spark: {}", lines[i], got[i], want[i]);
                    }
                }
            }
        };
        let rows = v["rows"].as_array().unwrap();
        for (k, p) in v["paths"].as_array().unwrap().iter().enumerate() {
            let p = p.as_str().unwrap();
            let out = GetJsonObject
                .invoke(&[ColumnarValue::Array(json.clone()), ColumnarValue::Scalar(lit(p))], n, &ctx)
                .unwrap()
                .into_array(n)
                .unwrap();
            check(p, show(&out), rows.iter().map(|r| text(&r[k])).collect());
        }
        let np = v["paths"].as_array().unwrap().len();
        let c = GetJsonObject
            .invoke(&[ColumnarValue::Array(json.clone()), ColumnarValue::Scalar(lit("$.c"))], n, &ctx)
            .unwrap()
            .into_array(n)
            .unwrap();
        let len = JsonArrayLength.invoke(&[ColumnarValue::Array(c)], n, &ctx).unwrap().into_array(n).unwrap();
        check("json_array_length", show(&len), rows.iter().map(|r| text(&r[np])).collect());
        let keys =
            JsonObjectKeys.invoke(&[ColumnarValue::Array(json.clone())], n, &ctx).unwrap().into_array(n).unwrap();
        check("json_object_keys", show(&keys), rows.iter().map(|r| text(&r[np + 1])).collect());
        let (_, cols) = JsonTuple.generate(&[json.clone(), lit("a"), lit("z"), lit("x y"), lit("c")], false).unwrap();
        let tup = v["tuple"].as_array().unwrap();
        for (k, col) in cols.iter().enumerate() {
            check(&format!("json_tuple c{k}"), show(col), tup.iter().map(|r| text(&r[k])).collect());
        }
        let dt = as_nullable(&parse_schema_text(v["schema"].as_str().unwrap()).unwrap());
        let parsed = from_json_array(json.as_string::<i32>(), &dt, JsonOptions::default(), &ctx).unwrap();
        let back = ToJson.invoke(&[ColumnarValue::Array(parsed)], n, &ctx).unwrap().into_array(n).unwrap();
        check("to_json(from_json)", show(&back), v["from_to"].as_array().unwrap().iter().map(text).collect());
        eprintln!("differential functions: {bad} mismatching values");
        assert_eq!(bad, 0);
    }
}
