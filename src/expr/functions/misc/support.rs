//! Shared plumbing of the built-in scalar functions: the function struct, Spark's implicit casts, mismatch errors.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, GenericListArray, MapArray, StructArray};
use arrow::datatypes::{DataType, Field};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::functions::{ArgInfo, FunctionRegistry, ScalarFunction, Signature};
use crate::expr::physical::ColumnarValue;
use crate::types::{is_numeric, simple_string};

type ResolveFn = dyn Fn(&Call, &[ArgInfo]) -> Result<Signature> + Send + Sync;
type InvokeFn = dyn Fn(&[ColumnarValue], usize, &EvalContext) -> Result<ColumnarValue> + Send + Sync;
type DisplayFn = dyn Fn(&str, &[String]) -> String + Send + Sync;

/// What a resolving function knows about the call: its name as written and the generated call text.
pub struct Call<'a> {
    pub name: &'a str,
    pub display: String,
}

impl Call<'_> {
    /// Spark's `DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE` for argument `idx` (0-based).
    pub fn mismatch(&self, idx: usize, required: &str, arg: &ArgInfo) -> EmberError {
        EmberError::analysis_class(
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            format!(
                "Cannot resolve \"{}\" due to data type mismatch: The {} parameter requires the {} type, however \"{}\" has the type \"{}\". SQLSTATE: 42K09",
                self.display,
                ordinal(idx + 1),
                required,
                arg.sql,
                sql_type(&arg.data_type)
            ),
        )
    }
    /// Spark's `DATATYPE_MISMATCH.<class>` with a free-form tail.
    pub fn datatype_error(&self, class: &str, detail: &str) -> EmberError {
        EmberError::analysis_class(
            &format!("DATATYPE_MISMATCH.{class}"),
            format!("Cannot resolve \"{}\" due to data type mismatch: {detail} SQLSTATE: 42K09", self.display),
        )
    }
    /// Cast each argument to its expectation, or fail with Spark's mismatch error.
    pub fn coerce(&self, args: &[ArgInfo], expects: &[Expect]) -> Result<Vec<DataType>> {
        args.iter()
            .zip(expects)
            .enumerate()
            .map(|(i, (a, e))| implicit_cast(&a.data_type, e).ok_or_else(|| self.mismatch(i, e.required(), a)))
            .collect()
    }
}

/// Spark's SQL spelling of a type in error messages: `"ARRAY<INT>"` without quotes.
pub fn sql_type(dt: &DataType) -> String {
    simple_string(dt).to_uppercase()
}

/// English ordinal as Spark's messages spell it.
pub fn ordinal(n: usize) -> String {
    const WORDS: [&str; 10] =
        ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"];
    WORDS.get(n).map(|s| s.to_string()).unwrap_or_else(|| format!("{n}th"))
}

/// An expected argument type, as in Spark's `ExpectsInputTypes`.
#[derive(Debug, Clone)]
pub enum Expect {
    String,
    Binary,
    StringOrBinary,
    Boolean,
    Int,
    Long,
    Double,
    /// Any numeric type, kept as is.
    Numeric,
    /// Any integral type, kept as is.
    Integral,
    /// Any type, kept as is.
    Any,
}

impl Expect {
    pub fn required(&self) -> &'static str {
        match self {
            Expect::String => "\"STRING\"",
            Expect::Binary => "\"BINARY\"",
            Expect::StringOrBinary => "(\"STRING\" or \"BINARY\")",
            Expect::Boolean => "\"BOOLEAN\"",
            Expect::Int => "\"INT\"",
            Expect::Long => "\"BIGINT\"",
            Expect::Double => "\"DOUBLE\"",
            Expect::Numeric => "\"NUMERIC\"",
            Expect::Integral => "\"INTEGRAL\"",
            Expect::Any => "\"ANY\"",
        }
    }
}

/// Spark's `ImplicitTypeCasts.implicitCast` (non-ANSI) of `from` to an expectation; None when not allowed.
pub fn implicit_cast(from: &DataType, to: &Expect) -> Option<DataType> {
    let atomic = !matches!(from, DataType::List(_) | DataType::Map(_, _) | DataType::Struct(_) | DataType::Null);
    let string = matches!(from, DataType::Utf8);
    Some(match to {
        Expect::Any => {
            if matches!(from, DataType::Null) {
                DataType::Null
            } else {
                from.clone()
            }
        }
        Expect::String => match from {
            DataType::Utf8 | DataType::Null => DataType::Utf8,
            _ if atomic => DataType::Utf8,
            _ => return None,
        },
        Expect::Binary => match from {
            DataType::Binary | DataType::Null | DataType::Utf8 => DataType::Binary,
            _ => return None,
        },
        Expect::StringOrBinary => match from {
            DataType::Binary => DataType::Binary,
            DataType::Null => DataType::Utf8,
            _ if atomic => DataType::Utf8,
            _ => return None,
        },
        Expect::Boolean => match from {
            DataType::Boolean | DataType::Null | DataType::Utf8 => DataType::Boolean,
            _ => return None,
        },
        Expect::Int | Expect::Long | Expect::Double => {
            let target = match to {
                Expect::Int => DataType::Int32,
                Expect::Long => DataType::Int64,
                _ => DataType::Float64,
            };
            if is_numeric(from) || string || matches!(from, DataType::Null) {
                target
            } else {
                return None;
            }
        }
        Expect::Numeric => match from {
            _ if is_numeric(from) => from.clone(),
            DataType::Utf8 | DataType::Null => DataType::Float64,
            _ => return None,
        },
        Expect::Integral => match from {
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => from.clone(),
            DataType::Utf8 | DataType::Null => DataType::Int64,
            _ => return None,
        },
    })
}

/// Whether any argument may be null.
pub fn any_nullable(args: &[ArgInfo]) -> bool {
    args.iter().any(|a| a.nullable)
}

/// The literal string value of an argument, when it is a non-null string literal.
pub fn literal_str(arg: &ArgInfo) -> Option<String> {
    let lit = arg.literal.as_ref()?;
    if lit.is_null(0) {
        return None;
    }
    use arrow::array::AsArray;
    match lit.data_type() {
        DataType::Utf8 => Some(lit.as_string::<i32>().value(0).to_string()),
        _ => None,
    }
}

/// The literal integer value of an argument (any integral type).
pub fn literal_i64(arg: &ArgInfo) -> Option<i64> {
    let lit = arg.literal.as_ref()?;
    if lit.is_null(0) {
        return None;
    }
    let c = arrow::compute::cast(lit, &DataType::Int64).ok()?;
    use arrow::array::AsArray;
    let c = c.as_primitive::<arrow::datatypes::Int64Type>();
    if c.is_null(0) {
        None
    } else {
        Some(c.value(0))
    }
}

/// Run `f` on the arguments as arrays: on the length-1 scalars (giving a Scalar) when every argument is a scalar,
/// else on full columns of `num_rows` rows.
pub fn map_columnar(
    args: &[ColumnarValue],
    num_rows: usize,
    f: impl FnOnce(&[ArrayRef], usize) -> Result<ArrayRef>,
) -> Result<ColumnarValue> {
    if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) && !args.is_empty() {
        let arrays: Vec<ArrayRef> = args.iter().map(|a| a.as_scalar().unwrap().clone()).collect();
        return Ok(ColumnarValue::Scalar(f(&arrays, 1)?));
    }
    let arrays = args.iter().map(|a| a.clone().into_array(num_rows)).collect::<Result<Vec<_>>>()?;
    Ok(ColumnarValue::Array(f(&arrays, num_rows)?))
}

/// A built-in scalar function: closures for resolution and evaluation, and the generated-name rule.
pub struct Builtin {
    pub name: String,
    pub resolve: Box<ResolveFn>,
    pub invoke: Box<InvokeFn>,
    pub display: Box<DisplayFn>,
    pub deterministic: bool,
}

impl Builtin {
    pub fn new(
        name: &str,
        resolve: impl Fn(&Call, &[ArgInfo]) -> Result<Signature> + Send + Sync + 'static,
        invoke: impl Fn(&[ColumnarValue], usize, &EvalContext) -> Result<ColumnarValue> + Send + Sync + 'static,
    ) -> Self {
        Builtin {
            name: name.to_string(),
            resolve: Box::new(resolve),
            invoke: Box::new(invoke),
            display: Box::new(|n, a| format!("{n}({})", a.join(", "))),
            deterministic: true,
        }
    }
    /// Generated name `f(args)` with the function's name spelled `shown` (Spark prints some upper-case).
    pub fn shown_as(mut self, shown: &'static str) -> Self {
        self.display = Box::new(move |_, a| format!("{shown}({})", a.join(", ")));
        self
    }
    pub fn display_with(mut self, f: impl Fn(&str, &[String]) -> String + Send + Sync + 'static) -> Self {
        self.display = Box::new(f);
        self
    }
    pub fn nondeterministic(mut self) -> Self {
        self.deterministic = false;
        self
    }
}

/// Argument `i`'s SQL text for a display name, empty when the call has too few (the arity error comes later).
pub fn arg_sql(args: &[String], i: usize) -> &str {
    args.get(i).map_or("", String::as_str)
}

impl ScalarFunction for Builtin {
    fn name(&self) -> &str {
        &self.name
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        let sqls: Vec<String> = args.iter().map(|a| a.sql.clone()).collect();
        let call = Call { name: &self.name, display: (self.display)(&self.name, &sqls) };
        (self.resolve)(&call, args)
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
        (self.invoke)(args, num_rows, ctx)
    }
    fn display_name(&self, args: &[String]) -> String {
        (self.display)(&self.name, args)
    }
    fn deterministic(&self) -> bool {
        self.deterministic
    }
}

/// Register the same definition under several names; each keeps its own name for generated column names, as
/// Spark prints the alias used.
pub fn register_names(r: &mut FunctionRegistry, names: &[&str], make: impl Fn(&str) -> Builtin) {
    for n in names {
        r.scalar(make(n));
    }
}

/// Fixed signature: coerce to `expects`, return `ret`, nullable when any argument is.
pub fn fixed(call: &Call, args: &[ArgInfo], min: usize, expects: &[Expect], ret: DataType) -> Result<Signature> {
    crate::expr::functions::check_arg_count(call.name, args, min, expects.len())?;
    let arg_types = call.coerce(args, expects)?;
    Ok(Signature { arg_types, return_type: ret, nullable: any_nullable(args) })
}

/// Relabel an array to `target` when they differ only in field names or nullability flags (struct field names
/// from column names, `containsNull` of arrays): the evaluator calls this to make results match the resolved type.
pub fn conform(array: ArrayRef, target: &DataType) -> Result<ArrayRef> {
    if array.data_type() == target {
        return Ok(array);
    }
    match (array.data_type(), target) {
        (DataType::List(_), DataType::List(tf)) => {
            let list = array.as_any().downcast_ref::<GenericListArray<i32>>().unwrap();
            let values = conform(list.values().clone(), tf.data_type())?;
            Ok(Arc::new(GenericListArray::<i32>::try_new(
                tf.clone(),
                list.offsets().clone(),
                values,
                list.nulls().cloned(),
            )?))
        }
        (DataType::Struct(_), DataType::Struct(tfs)) => {
            let s = array.as_any().downcast_ref::<StructArray>().unwrap();
            let cols = s
                .columns()
                .iter()
                .zip(tfs.iter())
                .map(|(c, f)| conform(c.clone(), f.data_type()))
                .collect::<Result<Vec<_>>>()?;
            let nulls = s.nulls().cloned();
            match StructArray::try_new(tfs.clone(), cols.clone(), nulls.clone()) {
                Ok(a) => Ok(Arc::new(a)),
                Err(_) => {
                    let loose: Vec<Field> = tfs.iter().map(|f| f.as_ref().clone().with_nullable(true)).collect();
                    Ok(Arc::new(StructArray::try_new(loose.into(), cols, nulls)?))
                }
            }
        }
        (DataType::Map(_, _), DataType::Map(tf, sorted)) => {
            let m = array.as_any().downcast_ref::<MapArray>().unwrap();
            let entries = conform(Arc::new(m.entries().clone()), tf.data_type())?;
            let entries = entries.as_any().downcast_ref::<StructArray>().unwrap().clone();
            Ok(Arc::new(MapArray::try_new(tf.clone(), m.offsets().clone(), entries, m.nulls().cloned(), *sorted)?))
        }
        _ => Ok(array),
    }
}

/// A decimal's unscaled value as Spark prints it (`1.50`, `-0.05`, `100`).
pub fn decimal_string(v: i128, scale: i8) -> String {
    if scale <= 0 {
        return (v * 10i128.pow((-scale) as u32)).to_string();
    }
    let digits = v.unsigned_abs().to_string();
    let s = scale as usize;
    let padded = if digits.len() <= s { format!("{}{digits}", "0".repeat(s + 1 - digits.len())) } else { digits };
    let (i, f) = padded.split_at(padded.len() - s);
    format!("{}{i}.{f}", if v < 0 { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_casts_follow_spark() {
        let list = crate::types::array_type(DataType::Int32, true);
        assert_eq!(implicit_cast(&DataType::Int32, &Expect::String), Some(DataType::Utf8));
        assert_eq!(implicit_cast(&DataType::Date32, &Expect::String), Some(DataType::Utf8));
        assert_eq!(implicit_cast(&list, &Expect::String), None);
        assert_eq!(implicit_cast(&DataType::Utf8, &Expect::Double), Some(DataType::Float64));
        assert_eq!(implicit_cast(&DataType::Boolean, &Expect::Double), None);
        assert_eq!(implicit_cast(&DataType::Int32, &Expect::Binary), None);
        assert_eq!(implicit_cast(&DataType::Utf8, &Expect::Binary), Some(DataType::Binary));
        assert_eq!(implicit_cast(&DataType::Binary, &Expect::StringOrBinary), Some(DataType::Binary));
        assert_eq!(implicit_cast(&DataType::Null, &Expect::Int), Some(DataType::Int32));
        assert_eq!(implicit_cast(&DataType::Decimal128(5, 2), &Expect::Numeric), Some(DataType::Decimal128(5, 2)));
        assert_eq!(decimal_string(-5, 2), "-0.05");
        assert_eq!(decimal_string(150, 2), "1.50");
    }

    #[test]
    fn conform_relabels_names_and_nullability() {
        let f = crate::expr::functions::misc::support::testing::scalar_fn("struct");
        let col: ArrayRef = Arc::new(arrow::array::Int32Array::from(vec![1, 2]));
        let out = f.invoke(&[ColumnarValue::Array(col)], 2, &EvalContext::default()).unwrap().into_array(2).unwrap();
        let target = DataType::Struct(vec![Field::new("id", DataType::Int32, false)].into());
        let fixed = conform(out, &target).unwrap();
        assert_eq!(fixed.data_type(), &target);
        let list = crate::types::array_type(target.clone(), false);
        let arr = crate::expr::functions::misc::support::testing::eval("array", vec![fixed]);
        assert_eq!(conform(arr, &list).unwrap().data_type(), &list);
    }
}

/// Test helpers: call a registered function the way the resolver and evaluator do.
#[cfg(test)]
pub mod testing {
    use super::*;
    use crate::expr::functions::{registry, FunctionDef};

    pub fn scalar_fn(name: &str) -> Arc<dyn ScalarFunction> {
        match registry().get(name) {
            Some(FunctionDef::Scalar(f)) => f.clone(),
            other => panic!("{name} is not a scalar function: {other:?}"),
        }
    }

    /// ArgInfo for a column argument (`literal` false) or a literal (`literal` true) holding `a`'s first value.
    pub fn info(a: &ArrayRef, sql: &str, literal: bool) -> ArgInfo {
        ArgInfo {
            data_type: a.data_type().clone(),
            nullable: a.null_count() > 0 || literal && a.is_null(0),
            literal: if literal { Some(a.slice(0, 1)) } else { None },
            sql: sql.to_string(),
        }
    }

    /// Resolve `name` on the arguments, cast them (arrow's cast stands in for Spark's), invoke on `n` rows.
    /// Literal arguments (`true`) are passed as scalars.
    pub fn call(name: &str, args: &[(ArrayRef, bool)]) -> Result<(ArrayRef, Signature)> {
        let f = scalar_fn(name);
        let infos: Vec<ArgInfo> =
            args.iter().enumerate().map(|(i, (a, lit))| info(a, &format!("a{i}"), *lit)).collect();
        let sig = f.resolve(&infos)?;
        let n = args.iter().filter(|(_, l)| !l).map(|(a, _)| a.len()).next().unwrap_or(1);
        let vals: Vec<ColumnarValue> = args
            .iter()
            .zip(&sig.arg_types)
            .map(|((a, lit), t)| {
                let a = if a.data_type() == t { a.clone() } else { arrow::compute::cast(a, t).unwrap() };
                if *lit {
                    ColumnarValue::Scalar(a.slice(0, 1))
                } else {
                    ColumnarValue::Array(a)
                }
            })
            .collect();
        let out = f.invoke(&vals, n, &EvalContext::default())?.into_array(n)?;
        assert_eq!(out.len(), n);
        Ok((out, sig))
    }

    /// `call` on column arguments only, returning the result.
    pub fn eval(name: &str, args: Vec<ArrayRef>) -> ArrayRef {
        let a: Vec<(ArrayRef, bool)> = args.into_iter().map(|a| (a, false)).collect();
        call(name, &a).unwrap_or_else(|e| panic!("{name}: {e}")).0
    }

    /// The error message of resolving `name` on columns named by `sqls`.
    pub fn resolve_error(name: &str, args: Vec<(ArrayRef, &str)>) -> String {
        let infos: Vec<ArgInfo> = args.iter().map(|(a, s)| info(a, s, false)).collect();
        match scalar_fn(name).resolve(&infos) {
            Ok(s) => panic!("{name} resolved to {s:?}"),
            Err(e) => e.message(),
        }
    }

    /// The generated column name of `name` over argument texts.
    pub fn shown(name: &str, args: &[&str]) -> String {
        scalar_fn(name).display_name(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    pub fn strs(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(arrow::array::StringArray::from(v.to_vec()))
    }
    pub fn ints(v: &[Option<i32>]) -> ArrayRef {
        Arc::new(arrow::array::Int32Array::from(v.to_vec()))
    }
    pub fn longs(v: &[Option<i64>]) -> ArrayRef {
        Arc::new(arrow::array::Int64Array::from(v.to_vec()))
    }
    pub fn dbls(v: &[Option<f64>]) -> ArrayRef {
        Arc::new(arrow::array::Float64Array::from(v.to_vec()))
    }
    /// String values of a result (null → "NULL"), via arrow's display.
    pub fn show(a: &ArrayRef) -> Vec<String> {
        let f = arrow::util::display::ArrayFormatter::try_new(
            a.as_ref(),
            &arrow::util::display::FormatOptions::default().with_null("NULL"),
        )
        .unwrap();
        (0..a.len()).map(|i| f.value(i).to_string()).collect()
    }
}
