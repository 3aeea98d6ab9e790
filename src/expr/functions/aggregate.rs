//! Spark's aggregate functions (count, sum, avg, min/max, first/last, collect, moments, HLL++ …) as group accumulators.
//!
//! Every function is an [`AggFn`]: a resolve rule, its state layout and an accumulator factory. The accumulators keep
//! one slot per dense group index and are fed whole Arrow batches; `state()` is exact and complete so partial results
//! (partitions, streaming checkpoints) merge to the single-pass answer. `DISTINCT` wraps any accumulator in a per-group
//! set of argument rows ([`distinct`]).
mod avg;
mod bitwise;
mod bool_agg;
mod collect;
mod count;
mod covariance;
mod distinct;
mod first_last;
mod hll;
mod minmax;
mod mode;
mod moments;
mod percentile;
mod product;
mod regr_avg;
mod sum;
mod value_refs;
mod xxhash64;

use arrow::array::{Array, ArrayRef, BooleanArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::DataType;

use super::{AggregateFunction, ArgInfo, FunctionRegistry, GroupsAccumulator, Signature};
use crate::error::{EmberError, Result};
use crate::types::simple_string;

pub use distinct::distinct_state_types;
pub use hll::hll_precision;
pub use xxhash64::{spark_xxhash64, xxhash64_bytes};

/// Builds the accumulator of a resolved call.
pub(crate) type CreateFn = fn(&Signature) -> Result<Box<dyn GroupsAccumulator>>;

/// One aggregate function: how it resolves, what its state looks like and how to build its accumulator.
pub(crate) struct AggFn {
    pub name: &'static str,
    pub resolve: fn(&[ArgInfo], bool) -> Result<Signature>,
    pub state_types: fn(&Signature) -> Vec<DataType>,
    pub create: CreateFn,
    /// Custom generated column name (first/last with `ignorenulls`); default `name(DISTINCT? args)`.
    pub display: Option<fn(&str, &[String], bool) -> String>,
    /// DISTINCT changes nothing (min, max, collect_set, approx_count_distinct …): skip the dedup wrapper.
    pub distinct_neutral: bool,
}

impl AggregateFunction for AggFn {
    fn name(&self) -> &str {
        self.name
    }
    fn resolve(&self, args: &[ArgInfo], distinct: bool) -> Result<Signature> {
        (self.resolve)(args, distinct)
    }
    fn state_types(&self, sig: &Signature) -> Vec<DataType> {
        (self.state_types)(sig)
    }
    fn create_accumulator(&self, sig: &Signature, distinct: bool) -> Result<Box<dyn GroupsAccumulator>> {
        if distinct && !self.distinct_neutral {
            Ok(Box::new(distinct::DistinctAccumulator::new(sig.clone(), self.create)?))
        } else {
            (self.create)(sig)
        }
    }
    fn display_name(&self, args: &[String], distinct: bool) -> String {
        match self.display {
            Some(f) => f(self.name, args, distinct),
            None => {
                let d = if distinct { "DISTINCT " } else { "" };
                format!("{}({d}{})", self.name, args.join(", "))
            }
        }
    }
}

pub fn register(r: &mut FunctionRegistry) {
    for f in count::functions()
        .into_iter()
        .chain(sum::functions())
        .chain(avg::functions())
        .chain(minmax::functions())
        .chain(first_last::functions())
        .chain(collect::functions())
        .chain(moments::functions())
        .chain(hll::functions())
        .chain(bool_agg::functions())
        .chain(product::functions())
        .chain(covariance::functions())
        .chain(bitwise::functions())
        .chain(percentile::functions())
        .chain(mode::functions())
        .chain(regr_avg::functions())
    {
        r.aggregate(f);
    }
}

// ---- helpers shared by the accumulators ----

/// `[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE]` for the `ordinal`-th (0-based) argument of `func`.
pub(crate) fn unexpected_input_type(func: &str, args: &[ArgInfo], ordinal: usize, required: &str) -> EmberError {
    let call = format!("{func}({})", args.iter().map(|a| a.sql.as_str()).collect::<Vec<_>>().join(", "));
    let arg = &args[ordinal];
    EmberError::analysis_class(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{call}\" due to data type mismatch: The {} parameter requires the {required} type, \
             however \"{}\" has the type \"{}\". SQLSTATE: 42K09",
            ordinal_word(ordinal),
            arg.sql,
            sql_type(&arg.data_type)
        ),
    )
}

/// Spark's `DataType.sql` as its error messages print types: `INT`, `DECIMAL(10,2)`, `ARRAY<INT>`,
/// `MAP<STRING, INT>`, `STRUCT<a: INT, b: STRING>`.
pub(crate) fn sql_type(dt: &DataType) -> String {
    match dt {
        DataType::List(f) => format!("ARRAY<{}>", sql_type(f.data_type())),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                format!("MAP<{}, {}>", sql_type(kv[0].data_type()), sql_type(kv[1].data_type()))
            }
            _ => "MAP".into(),
        },
        DataType::Struct(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|f| {
                    let plain = f.name().chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    let name = if plain { f.name().clone() } else { format!("`{}`", f.name().replace('`', "``")) };
                    format!("{name}: {}", sql_type(f.data_type()))
                })
                .collect();
            format!("STRUCT<{}>", parts.join(", "))
        }
        other => simple_string(other).to_uppercase(),
    }
}

fn ordinal_word(i: usize) -> &'static str {
    ["first", "second", "third", "fourth", "fifth"].get(i).copied().unwrap_or("next")
}

/// The plain `Signature` of a one-argument aggregate.
pub(crate) fn sig1(arg: DataType, ret: DataType, nullable: bool) -> Signature {
    Signature { arg_types: vec![arg], return_type: ret, nullable }
}

/// Validity of row `i` (arrays without a null buffer are all valid).
#[inline]
pub(crate) fn is_valid(nulls: Option<&NullBuffer>, i: usize) -> bool {
    nulls.map(|n| n.is_valid(i)).unwrap_or(true)
}

/// Downcast with an execution error instead of a panic: the operator hands us arrays of the resolved types.
pub(crate) fn downcast<T: 'static>(a: &dyn Array) -> Result<&T> {
    a.as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| EmberError::execution(format!("aggregate got an unexpected array type {}", a.data_type())))
}

/// A boolean literal argument (`ignorenulls`), read from the first row of its column.
pub(crate) fn bool_arg(values: &[ArrayRef], i: usize, default: bool) -> Result<bool> {
    match values.get(i) {
        Some(a) if !a.is_empty() && a.is_valid(0) => Ok(downcast::<BooleanArray>(a.as_ref())?.value(0)),
        _ => Ok(default),
    }
}

/// A null buffer from per-group "has a value" flags.
pub(crate) fn nulls_from(set: &[bool]) -> Option<NullBuffer> {
    if set.iter().all(|s| *s) {
        None
    } else {
        Some(NullBuffer::from(set.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::DataType;

    use super::test_util::*;
    use crate::types::{array_type, map_type};

    #[test]
    fn spark_error_messages() {
        // PySpark 4.3 messages (without the query context suffix).
        let e = func("sum").resolve(&[arg(DataType::Boolean, "b")], false).unwrap_err();
        assert_eq!(
            e.message(),
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"sum(b)\" due to data type mismatch: The first \
             parameter requires the \"NUMERIC\" or \"ANSI INTERVAL\" type, however \"b\" has the type \"BOOLEAN\". \
             SQLSTATE: 42K09"
        );
        let e = func("max").resolve(&[arg(map_type(DataType::Int32, DataType::Int32, true), "m")], false).unwrap_err();
        assert_eq!(
            e.message(),
            "[DATATYPE_MISMATCH.INVALID_ORDERING_TYPE] Cannot resolve \"max(m)\" due to data type mismatch: The `max` \
             does not support ordering on type \"MAP<INT, INT>\". SQLSTATE: 42K09"
        );
        let e = func("count_if").resolve(&[arg(DataType::Int32, "i")], false).unwrap_err();
        assert!(e.message().contains("requires the \"BOOLEAN\" type, however \"i\" has the type \"INT\""));
        assert_eq!(super::sql_type(&array_type(DataType::Decimal128(10, 2), true)), "ARRAY<DECIMAL(10,2)>");
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array};
    use arrow::datatypes::DataType;

    use super::super::{registry, AggregateFunction, ArgInfo, FunctionDef, GroupsAccumulator, Signature};

    pub fn func(name: &str) -> Arc<dyn AggregateFunction> {
        match registry().get(name) {
            Some(FunctionDef::Aggregate(f)) => f.clone(),
            other => panic!("{name} is not an aggregate: {other:?}"),
        }
    }

    pub fn arg(dt: DataType, sql: &str) -> ArgInfo {
        ArgInfo { data_type: dt, nullable: true, literal: None, sql: sql.to_string() }
    }

    pub fn lit_arg(a: ArrayRef, sql: &str) -> ArgInfo {
        ArgInfo { data_type: a.data_type().clone(), nullable: false, literal: Some(a), sql: sql.to_string() }
    }

    /// Resolve `name` over `args`, and return the signature and a fresh accumulator.
    pub fn acc(name: &str, args: &[ArgInfo], distinct: bool) -> (Signature, Box<dyn GroupsAccumulator>) {
        let f = func(name);
        let sig = f.resolve(args, distinct).unwrap();
        let acc = f.create_accumulator(&sig, distinct).unwrap();
        (sig, acc)
    }

    /// Run `values` (already cast) through one accumulator in one batch and evaluate.
    pub fn run(
        name: &str,
        args: &[ArgInfo],
        distinct: bool,
        values: &[ArrayRef],
        groups: &[usize],
        n: usize,
    ) -> ArrayRef {
        let (_, mut a) = acc(name, args, distinct);
        a.update_batch(values, groups, n).unwrap();
        a.evaluate().unwrap()
    }

    /// Split the rows at `split` into two partial accumulators, merge their states into a third, evaluate.
    pub fn run_merged(
        name: &str,
        args: &[ArgInfo],
        distinct: bool,
        values: &[ArrayRef],
        groups: &[usize],
        n: usize,
        split: usize,
    ) -> ArrayRef {
        let (_, mut a) = acc(name, args, distinct);
        let (_, mut b) = acc(name, args, distinct);
        let (_, mut m) = acc(name, args, distinct);
        let head: Vec<ArrayRef> = values.iter().map(|v| v.slice(0, split)).collect();
        let tail: Vec<ArrayRef> = values.iter().map(|v| v.slice(split, v.len() - split)).collect();
        a.update_batch(&head, &groups[..split], n).unwrap();
        b.update_batch(&tail, &groups[split..], n).unwrap();
        let all: Vec<usize> = (0..n).collect();
        m.merge_batch(&a.state().unwrap(), &all, n).unwrap();
        m.merge_batch(&b.state().unwrap(), &all, n).unwrap();
        m.evaluate().unwrap()
    }

    pub fn i64s(a: &ArrayRef) -> Vec<Option<i64>> {
        a.as_any().downcast_ref::<Int64Array>().unwrap().iter().collect()
    }

    pub fn f64s(a: &ArrayRef) -> Vec<Option<f64>> {
        a.as_any().downcast_ref::<arrow::array::Float64Array>().unwrap().iter().collect()
    }
}
