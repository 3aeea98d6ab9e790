//! `percentile(x, p [, frequency])` (p a number or an array of numbers), `median(x)` and
//! `percentile_approx`/`approx_percentile(x, p [, accuracy])`. State per group: the (value, count) pairs seen and
//! the percentages (plus the accuracy), so a final merge evaluates without the arguments. `percentile` interpolates
//! linearly between neighbouring ranks; `percentile_approx` returns an input value of the input type, chosen by the
//! rank rule of Spark's quantile summaries, which is exact while the group holds fewer than `accuracy / 2` values.
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, DurationMicrosecondArray, Float64Array, Int64Array, IntervalYearMonthArray,
    ListArray, TimestampMicrosecondArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Date32Type, DurationMicrosecondType, Field, Float64Type, IntervalUnit, IntervalYearMonthType, TimeUnit,
    TimestampMicrosecondType,
};

use super::minmax::spark_cmp_f64;
use super::{downcast, is_valid, unexpected_input_type, AggFn};
use crate::error::{EmberError, Result};
use crate::expr::functions::{check_arg_count, ArgInfo, GroupsAccumulator, Signature};
use crate::types::array_type;

pub(super) fn functions() -> Vec<AggFn> {
    let state_types = |_: &Signature| {
        vec![
            array_type(DataType::Float64, false),
            array_type(DataType::Int64, false),
            array_type(DataType::Float64, false),
        ]
    };
    vec![
        AggFn {
            name: "percentile",
            resolve: resolve_percentile,
            state_types,
            create: |sig| Ok(Box::new(Percentile::new(matches!(sig.return_type, DataType::List(_)), None))),
            // Spark prints the default frequency: `percentile(x, 0.3, 1)`.
            display: Some(|name, args, distinct| {
                let d = if distinct { "DISTINCT " } else { "" };
                let mut args = args.to_vec();
                if args.len() == 2 {
                    args.push("1".into());
                }
                format!("{name}({d}{})", args.join(", "))
            }),
            distinct_neutral: false,
        },
        AggFn {
            name: "median",
            resolve: |args, _| {
                check_arg_count("median", args, 1, 1)?;
                check_numeric("median", args)?;
                Ok(Signature { arg_types: vec![DataType::Float64], return_type: DataType::Float64, nullable: true })
            },
            state_types,
            create: |_| Ok(Box::new(Percentile::new(false, Some(vec![0.5])))),
            display: None,
            distinct_neutral: false,
        },
        approx_fn("percentile_approx", |args, _| resolve_approx("percentile_approx", args)),
        approx_fn("approx_percentile", |args, _| resolve_approx("approx_percentile", args)),
    ]
}

/// Spark's default `accuracy` of `percentile_approx`.
const DEFAULT_ACCURACY: i64 = 10000;

fn approx_fn(name: &'static str, resolve: fn(&[ArgInfo], bool) -> Result<Signature>) -> AggFn {
    AggFn {
        name,
        resolve,
        state_types: |_| {
            vec![
                array_type(DataType::Float64, false),
                array_type(DataType::Int64, false),
                array_type(DataType::Float64, false),
                DataType::Int64,
            ]
        },
        create: |sig| {
            let mut p = Percentile::new(matches!(sig.return_type, DataType::List(_)), None);
            p.approx = Some(Approx { accuracy: None, input: sig.arg_types[0].clone() });
            Ok(Box::new(p))
        },
        // Spark prints the default accuracy: `percentile_approx(x, 0.5, 10000)`.
        display: Some(|name, args, distinct| {
            let d = if distinct { "DISTINCT " } else { "" };
            let mut args = args.to_vec();
            if args.len() == 2 {
                args.push(DEFAULT_ACCURACY.to_string());
            }
            format!("{name}({d}{})", args.join(", "))
        }),
        distinct_neutral: false,
    }
}

/// Whether `percentile_approx` takes values of this type (kept as is and returned in the same type).
fn approx_input_type(dt: &DataType) -> bool {
    crate::types::is_numeric(dt)
        || matches!(
            dt,
            DataType::Date32
                | DataType::Timestamp(TimeUnit::Microsecond, _)
                | DataType::Duration(TimeUnit::Microsecond)
                | DataType::Interval(IntervalUnit::YearMonth)
        )
}

fn resolve_approx(name: &str, args: &[ArgInfo]) -> Result<Signature> {
    check_arg_count(name, args, 2, 3)?;
    // Spark's messages print the call with the default accuracy.
    let mut full = args.to_vec();
    if full.len() == 2 {
        full.push(ArgInfo {
            data_type: DataType::Int32,
            nullable: false,
            literal: Some(Arc::new(arrow::array::Int32Array::from(vec![DEFAULT_ACCURACY as i32]))),
            sql: DEFAULT_ACCURACY.to_string(),
        });
    }
    let call = format!("{name}({})", full.iter().map(|a| a.sql.as_str()).collect::<Vec<_>>().join(", "));
    let mismatch = |class: &str, what: String| {
        EmberError::analysis_class(
            &format!("DATATYPE_MISMATCH.{class}"),
            format!("Cannot resolve \"{call}\" due to data type mismatch: {what}. SQLSTATE: 42K09"),
        )
    };
    let input = &args[0].data_type;
    let value_type = if approx_input_type(input) {
        input.clone()
    } else if crate::types::is_string(input) || *input == DataType::Null {
        DataType::Float64
    } else {
        return Err(unexpected_input_type(
            name,
            &full,
            0,
            "(\"NUMERIC\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\" or \"INTERVAL YEAR TO MONTH\" or \
             \"INTERVAL DAY TO SECOND\" or \"TIME\")",
        ));
    };
    let pct_ok = |dt: &DataType| crate::types::is_numeric(dt) || crate::types::is_string(dt);
    let is_array = match &args[1].data_type {
        DataType::List(f) => {
            let has_null = args[1].literal.as_ref().is_some_and(|l| {
                let l = l.as_list::<i32>();
                !l.is_empty() && l.is_valid(0) && l.value(0).null_count() > 0
            });
            if !(pct_ok(f.data_type()) || *f.data_type() == DataType::Null) || has_null {
                return Err(unexpected_input_type(name, &full, 1, "(\"DOUBLE\" or \"ARRAY<DOUBLE>\")"));
            }
            true
        }
        dt if pct_ok(dt) || *dt == DataType::Null => false,
        _ => return Err(unexpected_input_type(name, &full, 1, "(\"DOUBLE\" or \"ARRAY<DOUBLE>\")")),
    };
    if let Some(a) = args.get(2) {
        if !crate::types::is_integral(&a.data_type) && a.data_type != DataType::Null {
            return Err(unexpected_input_type(name, &full, 2, "\"INTEGRAL\""));
        }
    }
    let Some(pct_lit) = &args[1].literal else {
        return Err(mismatch(
            "NON_FOLDABLE_INPUT",
            format!(
                "the input `percentage` should be a foldable \"DOUBLE\" expression; however, got \"{}\"",
                args[1].sql
            ),
        ));
    };
    let Some(acc_lit) = &full[2].literal else {
        return Err(mismatch(
            "NON_FOLDABLE_INPUT",
            format!("the input `accuracy` should be a foldable \"INT\" expression; however, got \"{}\"", full[2].sql),
        ));
    };
    let percentages = match pct_lit.data_type() {
        DataType::Null => None,
        DataType::List(_) => {
            let l = pct_lit.as_list::<i32>();
            (l.is_valid(0)).then(|| l.value(0))
        }
        _ => Some(pct_lit.slice(0, 1)),
    }
    .map(|v| cast(&v, &DataType::Float64))
    .transpose()?;
    let percentages = match percentages {
        Some(p) if p.null_count() == 0 => p.as_primitive::<Float64Type>().values().to_vec(),
        _ => return Err(mismatch("UNEXPECTED_NULL", "The percentage must not be null".into())),
    };
    let accuracy = cast(acc_lit, &DataType::Int64)?;
    if accuracy.is_null(0) {
        return Err(mismatch("UNEXPECTED_NULL", "The accuracy must not be null".into()));
    }
    let accuracy = accuracy.as_primitive::<arrow::datatypes::Int64Type>().value(0);
    if accuracy <= 0 || accuracy > i32::MAX as i64 {
        return Err(mismatch(
            "VALUE_OUT_OF_RANGE",
            format!("The accuracy must be between (0, 2147483647] (current value = {accuracy}L)"),
        ));
    }
    if percentages.iter().any(|p| !(0.0..=1.0).contains(p)) {
        let shown: Vec<String> =
            percentages.iter().map(|p| format!("{}D", crate::types::java_float::java_double_to_string(*p))).collect();
        return Err(mismatch(
            "VALUE_OUT_OF_RANGE",
            format!("The percentage must be between [0.0, 1.0] (current value = {})", shown.join(",")),
        ));
    }
    let mut arg_types =
        vec![value_type.clone(), if is_array { array_type(DataType::Float64, false) } else { DataType::Float64 }];
    if args.len() == 3 {
        arg_types.push(DataType::Int64);
    }
    let return_type = if is_array { array_type(value_type, false) } else { value_type };
    Ok(Signature { arg_types, return_type, nullable: true })
}

/// The values of an input column as doubles (dates as days, timestamps and day-time intervals as microseconds,
/// year-month intervals as months), like Spark's digest sees them.
fn to_f64(a: &ArrayRef) -> Result<Float64Array> {
    Ok(match a.data_type() {
        DataType::Date32 => a.as_primitive::<Date32Type>().unary(|v| v as f64),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            a.as_primitive::<TimestampMicrosecondType>().unary(|v| v as f64)
        }
        DataType::Duration(TimeUnit::Microsecond) => a.as_primitive::<DurationMicrosecondType>().unary(|v| v as f64),
        DataType::Interval(IntervalUnit::YearMonth) => a.as_primitive::<IntervalYearMonthType>().unary(|v| v as f64),
        _ => cast(a, &DataType::Float64)?.as_primitive::<Float64Type>().clone(),
    })
}

/// Doubles back to the input type `dt` (integers truncate, like Spark's `toInt`/`toLong`).
fn from_f64(values: &[f64], nulls: Option<NullBuffer>, dt: &DataType) -> Result<ArrayRef> {
    let ints = || values.iter().map(|v| *v as i64);
    Ok(match dt {
        DataType::Float64 => Arc::new(Float64Array::new(values.to_vec().into(), nulls)),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            cast(&(Arc::new(Int64Array::new(ints().collect(), nulls)) as ArrayRef), dt)?
        }
        DataType::Date32 => Arc::new(Date32Array::new(ints().map(|v| v as i32).collect(), nulls)),
        DataType::Timestamp(TimeUnit::Microsecond, tz) => {
            Arc::new(TimestampMicrosecondArray::new(ints().collect(), nulls).with_timezone_opt(tz.clone()))
        }
        DataType::Duration(TimeUnit::Microsecond) => Arc::new(DurationMicrosecondArray::new(ints().collect(), nulls)),
        DataType::Interval(IntervalUnit::YearMonth) => {
            Arc::new(IntervalYearMonthArray::new(ints().map(|v| v as i32).collect(), nulls))
        }
        _ => cast(&(Arc::new(Float64Array::new(values.to_vec().into(), nulls)) as ArrayRef), dt)?,
    })
}

/// The `percentile_approx` part of an accumulator.
struct Approx {
    /// The literal accuracy, once seen (in the arguments or a merged state).
    accuracy: Option<i64>,
    /// The value type: results are returned in it.
    input: DataType,
}

fn check_numeric(name: &str, args: &[ArgInfo]) -> Result<()> {
    if crate::types::is_numeric(&args[0].data_type) || args[0].data_type == DataType::Null {
        Ok(())
    } else {
        Err(unexpected_input_type(name, args, 0, "\"NUMERIC\" or \"ANSI INTERVAL\""))
    }
}

fn resolve_percentile(args: &[ArgInfo], _distinct: bool) -> Result<Signature> {
    check_arg_count("percentile", args, 2, 3)?;
    check_numeric("percentile", args)?;
    let is_array = matches!(args[1].data_type, DataType::List(_));
    let percentages = args[1]
        .literal
        .as_ref()
        .ok_or_else(|| {
            EmberError::analysis_class(
                "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                format!(
                    "Cannot resolve \"percentile({}, {})\" due to data type mismatch: the input `percentage` should \
                     be a foldable \"DOUBLE\" expression; however, got \"{}\". SQLSTATE: 42K09",
                    args[0].sql, args[1].sql, args[1].sql
                ),
            )
        })
        .and_then(|l| literal_percentages(l))?;
    if let Some(bad) = percentages.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(EmberError::analysis_class(
            "DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
            format!(
                "Cannot resolve \"percentile({}, {})\" due to data type mismatch: The `percentage` must be between \
                 [0.0, 1.0], but got {bad}. SQLSTATE: 42K09",
                args[0].sql, args[1].sql
            ),
        ));
    }
    let mut arg_types =
        vec![DataType::Float64, if is_array { array_type(DataType::Float64, false) } else { DataType::Float64 }];
    if args.len() == 3 {
        if !crate::types::is_integral(&args[2].data_type) {
            return Err(unexpected_input_type("percentile", args, 2, "\"INTEGRAL\""));
        }
        arg_types.push(DataType::Int64);
    }
    let return_type = if is_array { array_type(DataType::Float64, false) } else { DataType::Float64 };
    Ok(Signature { arg_types, return_type, nullable: true })
}

/// The percentages of a literal (a number or an array of numbers) as doubles.
fn literal_percentages(lit: &ArrayRef) -> Result<Vec<f64>> {
    let values = match lit.data_type() {
        DataType::List(_) => lit.as_list::<i32>().value(0),
        _ => lit.slice(0, 1),
    };
    let f = cast(&values, &DataType::Float64)?;
    Ok(f.as_primitive::<Float64Type>().iter().flatten().collect())
}

struct Percentile {
    returns_array: bool,
    percentages: Option<Vec<f64>>,
    /// Per group: (value, count) in arrival order.
    pairs: Vec<Vec<(f64, i64)>>,
    /// Set for `percentile_approx`.
    approx: Option<Approx>,
}

impl Percentile {
    fn new(returns_array: bool, percentages: Option<Vec<f64>>) -> Self {
        Percentile { returns_array, percentages, pairs: Vec::new(), approx: None }
    }

    fn result(&self, g: usize) -> Option<Vec<f64>> {
        let pairs = &self.pairs[g];
        if pairs.is_empty() {
            return None;
        }
        let mut sorted = pairs.clone();
        sorted.sort_by(|a, b| spark_cmp_f64(a.0, b.0));
        // Equal keys collapse into one entry with the summed count.
        let mut keys: Vec<f64> = Vec::with_capacity(sorted.len());
        let mut acc: Vec<i64> = Vec::with_capacity(sorted.len());
        for (v, c) in sorted {
            match keys.last() {
                Some(k) if spark_cmp_f64(*k, v).is_eq() => *acc.last_mut().unwrap() += c,
                _ => {
                    let before = acc.last().copied().unwrap_or(0);
                    keys.push(v);
                    acc.push(before + c);
                }
            }
        }
        let max_position = (*acc.last().unwrap() - 1) as f64;
        let find = |target: i64| acc.partition_point(|c| *c < target).min(acc.len() - 1);
        if let Some(approx) = &self.approx {
            // Spark's summary query: the extremes within the relative error answer the first and last value; else
            // the value at 1-based rank ceil(p * n).
            let relative_error = 1.0 / approx.accuracy.unwrap_or(DEFAULT_ACCURACY) as f64;
            let n = *acc.last().unwrap();
            let pcts = self.percentages.as_deref().unwrap_or(&[]);
            return Some(
                pcts.iter()
                    .map(|&p| {
                        if p <= relative_error {
                            keys[0]
                        } else if p >= 1.0 - relative_error {
                            keys[keys.len() - 1]
                        } else {
                            keys[find(((p * n as f64).ceil() as i64).max(1))]
                        }
                    })
                    .collect(),
            );
        }
        let out = self
            .percentages
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|p| {
                let position = max_position * p;
                let (lower, higher) = (position.floor(), position.ceil());
                let lower_key = keys[find(lower as i64 + 1)];
                if higher == lower {
                    return lower_key;
                }
                let higher_key = keys[find(higher as i64 + 1)];
                if higher_key == lower_key {
                    return lower_key;
                }
                (higher - position) * lower_key + (position - lower) * higher_key
            })
            .collect();
        Some(out)
    }
}

impl GroupsAccumulator for Percentile {
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        if self.pairs.len() < total_groups {
            self.pairs.resize_with(total_groups, Vec::new);
        }
        if group_indices.is_empty() {
            return Ok(());
        }
        if self.percentages.is_none() {
            self.percentages = Some(literal_percentages(&values[1])?);
        }
        let converted;
        let (x, freq) = match &mut self.approx {
            Some(approx) => {
                if let Some(a) = values.get(2).filter(|a| a.is_valid(0)) {
                    approx.accuracy = Some(downcast::<Int64Array>(a.as_ref())?.value(0));
                }
                converted = to_f64(&values[0])?;
                (&converted, None)
            }
            None => {
                let freq = match values.get(2) {
                    Some(f) => Some(downcast::<Int64Array>(f.as_ref())?),
                    None => None,
                };
                (downcast::<Float64Array>(values[0].as_ref())?, freq)
            }
        };
        for (i, &g) in group_indices.iter().enumerate() {
            if !x.is_valid(i) {
                continue;
            }
            let count = match freq {
                Some(f) if !f.is_valid(i) => continue,
                Some(f) => f.value(i),
                None => 1,
            };
            if count < 0 {
                return Err(EmberError::execution(format!(
                    "Negative values found in {}",
                    if values.len() > 2 { "frequency" } else { "1" }
                )));
            }
            if count > 0 {
                self.pairs[g].push((x.value(i), count));
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ArrayRef>> {
        let n = self.pairs.len();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0i32);
        let (mut vals, mut counts) = (Vec::new(), Vec::new());
        for p in &self.pairs {
            for (v, c) in p {
                vals.push(*v);
                counts.push(*c);
            }
            offsets.push(vals.len() as i32);
        }
        let offsets = OffsetBuffer::new(offsets.into());
        let list = |values: ArrayRef, dt: DataType| -> Result<ArrayRef> {
            let field = Arc::new(Field::new("element", dt, false));
            Ok(Arc::new(ListArray::try_new(field, offsets.clone(), values, None)?))
        };
        let pcts = self.percentages.clone().unwrap_or_default();
        let pct_values: Vec<f64> = (0..n).flat_map(|_| pcts.iter().copied()).collect();
        let pct_offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(pcts.len(), n));
        let pct_list = ListArray::try_new(
            Arc::new(Field::new("element", DataType::Float64, false)),
            pct_offsets,
            Arc::new(Float64Array::from(pct_values)),
            None,
        )?;
        let mut out = vec![
            list(Arc::new(Float64Array::from(vals)), DataType::Float64)?,
            list(Arc::new(Int64Array::from(counts)), DataType::Int64)?,
            Arc::new(pct_list),
        ];
        if let Some(approx) = &self.approx {
            out.push(Arc::new(Int64Array::from(vec![approx.accuracy; n])));
        }
        Ok(out)
    }

    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()> {
        if self.pairs.len() < total_groups {
            self.pairs.resize_with(total_groups, Vec::new);
        }
        let vals = downcast::<ListArray>(states[0].as_ref())?;
        let counts = downcast::<ListArray>(states[1].as_ref())?;
        let pcts = downcast::<ListArray>(states[2].as_ref())?;
        for (i, &g) in group_indices.iter().enumerate() {
            if self.percentages.is_none() && is_valid(pcts.nulls(), i) && !pcts.value(i).is_empty() {
                self.percentages = Some(pcts.value(i).as_primitive::<Float64Type>().values().to_vec());
            }
            if let (Some(approx), Some(acc)) = (&mut self.approx, states.get(3)) {
                let acc = downcast::<Int64Array>(acc.as_ref())?;
                if approx.accuracy.is_none() && acc.is_valid(i) {
                    approx.accuracy = Some(acc.value(i));
                }
            }
            let v = vals.value(i);
            let c = counts.value(i);
            let (v, c) = (v.as_primitive::<Float64Type>(), c.as_primitive::<arrow::datatypes::Int64Type>());
            self.pairs[g].extend(v.values().iter().copied().zip(c.values().iter().copied()));
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ArrayRef> {
        let results: Vec<Option<Vec<f64>>> = (0..self.pairs.len()).map(|g| self.result(g)).collect();
        if let Some(approx) = &self.approx {
            return approx_output(results, self.returns_array, &approx.input);
        }
        if self.returns_array {
            let list = ListArray::from_iter_primitive::<Float64Type, _, _>(
                results.into_iter().map(|r| r.map(|v| v.into_iter().map(Some).collect::<Vec<_>>())),
            );
            // The element field follows the engine's naming and is declared non-null like the signature.
            let (_, offsets, values, nulls) = list.into_parts();
            let field = Arc::new(Field::new("element", DataType::Float64, false));
            return Ok(Arc::new(ListArray::try_new(field, offsets, values, nulls)?));
        }
        Ok(Arc::new(results.into_iter().map(|r| r.and_then(|v| v.first().copied())).collect::<Float64Array>()))
    }
}

/// `percentile_approx` results in the input type; an empty percentage array gives null like Spark.
fn approx_output(results: Vec<Option<Vec<f64>>>, returns_array: bool, dt: &DataType) -> Result<ArrayRef> {
    if !returns_array {
        let valid: Vec<bool> = results.iter().map(|r| r.as_ref().is_some_and(|v| !v.is_empty())).collect();
        let values: Vec<f64> =
            results.iter().map(|r| r.as_ref().and_then(|v| v.first().copied()).unwrap_or(0.0)).collect();
        return from_f64(&values, Some(NullBuffer::from(valid)), dt);
    }
    let valid: Vec<bool> = results.iter().map(|r| r.as_ref().is_some_and(|v| !v.is_empty())).collect();
    let lengths = results.iter().map(|r| r.as_ref().map_or(0, |v| v.len()));
    let offsets = OffsetBuffer::from_lengths(lengths);
    let flat: Vec<f64> = results.into_iter().flatten().flatten().collect();
    let values = from_f64(&flat, None, dt)?;
    let field = Arc::new(Field::new("element", dt.clone(), false));
    Ok(Arc::new(ListArray::try_new(field, offsets, values, Some(NullBuffer::from(valid)))?))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        Array, ArrayRef, AsArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array, ListArray,
        TimestampMicrosecondArray,
    };
    use arrow::datatypes::{DataType, Date32Type, Decimal128Type, Float64Type, Int32Type, TimestampMicrosecondType};

    use super::super::test_util::*;
    use crate::expr::functions::ArgInfo;
    use crate::types::array_type;

    #[test]
    fn percentile_and_median_match_spark() {
        // PySpark: x = 1.0, 2.0, 4.0, null, 7.5, 3.25 → median 3.25, percentile(x, 0.3) 2.25.
        let x: ArrayRef =
            Arc::new(Float64Array::from(vec![Some(1.0), Some(2.0), Some(4.0), None, Some(7.5), Some(3.25)]));
        let g = [0; 6];
        assert_eq!(
            f64s(&run_merged("median", &[arg(DataType::Float64, "x")], false, &[x.clone()], &g, 1, 2)),
            vec![Some(3.25)]
        );
        let p: ArrayRef = Arc::new(Float64Array::from(vec![0.3]));
        let args = [arg(DataType::Float64, "x"), lit_arg(p.clone(), "0.3")];
        let ps: ArrayRef = Arc::new(Float64Array::from(vec![0.3; 6]));
        assert_eq!(f64s(&run_merged("percentile", &args, false, &[x, ps], &g, 1, 3)), vec![Some(2.25)]);
        assert_eq!(func("percentile").display_name(&["x".into(), "0.3".into()], false), "percentile(x, 0.3, 1)");
        // Spark's docs: percentile(col, 0.3) over 0, 10 → 3.0; array(0.25, 0.75) → [2.5, 7.5];
        // PySpark: array(0.1, 0.9) over 1, 2, 2, 10 → [1.3, 7.600000000000001].
        let arr = |v: Vec<f64>| -> ArrayRef {
            Arc::new(ListArray::from_iter_primitive::<Float64Type, _, _>(vec![Some(
                v.into_iter().map(Some).collect::<Vec<_>>(),
            )]))
        };
        let pct = arr(vec![0.1, 0.9]);
        let args = [arg(DataType::Float64, "x"), lit_arg(pct.clone(), "array(0.1, 0.9)")];
        let (sig, _) = acc("percentile", &args, false);
        assert_eq!(sig.return_type, array_type(DataType::Float64, false));
        let x: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 2.0, 10.0]));
        let pcts = arrow::compute::take(pct.as_ref(), &arrow::array::UInt32Array::from(vec![0; 4]), None).unwrap();
        let out = run("percentile", &args, false, &[x, pcts], &[0; 4], 1);
        let out = out.as_list::<i32>().value(0);
        assert_eq!(out.as_primitive::<Float64Type>().values().to_vec(), vec![1.3, 7.600000000000001]);
    }

    /// `percentile_approx(x, array(...))` over `vals` (Int32, nulls skipped) split across two partial states.
    fn approx_ints(vals: &[Option<i32>], pcts: &[f64], accuracy: Option<i64>) -> Vec<Option<i32>> {
        let pct: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Float64Type, _, _>(vec![Some(
            pcts.iter().map(|p| Some(*p)).collect::<Vec<_>>(),
        )]));
        let mut args = vec![arg(DataType::Int32, "x"), lit_arg(pct.clone(), "p")];
        let n = vals.len();
        let mut values: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(vals.to_vec())),
            arrow::compute::take(pct.as_ref(), &arrow::array::UInt32Array::from(vec![0; n]), None).unwrap(),
        ];
        if let Some(a) = accuracy {
            args.push(lit_arg(Arc::new(Int64Array::from(vec![a])), &a.to_string()));
            values.push(Arc::new(Int64Array::from(vec![a; n])));
        }
        let out = run_merged("percentile_approx", &args, false, &values, &vec![0; n], 1, n / 2);
        assert_eq!(out.data_type(), &array_type(DataType::Int32, false));
        out.as_list::<i32>().value(0).as_primitive::<Int32Type>().iter().collect()
    }

    #[test]
    fn percentile_approx_rank_rule_matches_spark() {
        let ps = [0.0, 0.1, 0.25, 0.5, 0.7, 0.75, 0.9, 1.0];
        // PySpark 4.3: percentile_approx(x, array(0.0, 0.1, 0.25, 0.5, 0.7, 0.75, 0.9, 1.0)) over x = 1..n.
        let spark: [[i32; 8]; 12] = [
            [1, 1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 2, 2, 2, 2],
            [1, 1, 1, 2, 3, 3, 3, 3],
            [1, 1, 1, 2, 3, 3, 4, 4],
            [1, 1, 2, 3, 4, 4, 5, 5],
            [1, 1, 2, 3, 5, 5, 6, 6],
            [1, 1, 2, 4, 5, 6, 7, 7],
            [1, 1, 2, 4, 6, 6, 8, 8],
            [1, 1, 3, 5, 7, 7, 9, 9],
            [1, 1, 3, 5, 7, 8, 9, 10],
            [1, 2, 3, 6, 8, 9, 10, 11],
            [1, 2, 3, 6, 9, 9, 11, 12],
        ];
        for (n, want) in spark.iter().enumerate() {
            let vals: Vec<Option<i32>> = (1..=n as i32 + 1).rev().map(Some).collect();
            let want: Vec<Option<i32>> = want.iter().map(|v| Some(*v)).collect();
            assert_eq!(approx_ints(&vals, &ps, None), want, "n = {}", n + 1);
        }
        // Duplicates and nulls.
        let cases: [(&[Option<i32>], [i32; 8]); 5] = [
            (&[Some(1), Some(1), Some(2), Some(3)], [1, 1, 1, 1, 2, 2, 3, 3]),
            (&[Some(5), Some(5), Some(5), Some(1)], [1, 1, 1, 5, 5, 5, 5, 5]),
            (&[Some(1), Some(2), Some(2), Some(2), Some(3), Some(10)], [1, 1, 2, 2, 3, 3, 10, 10]),
            (&[Some(3), Some(1), Some(2), Some(1), Some(3), Some(2), Some(1)], [1, 1, 1, 2, 2, 3, 3, 3]),
            (&[Some(7), None, Some(2), None, Some(2)], [2, 2, 2, 2, 7, 7, 7, 7]),
        ];
        for (vals, want) in cases {
            assert_eq!(approx_ints(vals, &ps, None), want.iter().map(|v| Some(*v)).collect::<Vec<_>>());
        }
        // accuracy 1: every percentage is within the relative error of the minimum (PySpark: 1 for 1..4 at 0.5).
        let one_to_four: Vec<Option<i32>> = (1..=4).map(Some).collect();
        assert_eq!(approx_ints(&one_to_four, &[0.5], Some(1)), vec![Some(1)]);
        assert_eq!(approx_ints(&one_to_four, &[0.5], Some(100)), vec![Some(2)]);
    }

    #[test]
    fn percentile_approx_keeps_the_input_type() {
        let scalar = |name: &str, dt: DataType, x: ArrayRef| -> ArrayRef {
            let p: ArrayRef = Arc::new(Float64Array::from(vec![0.5]));
            let args = [arg(dt.clone(), "x"), lit_arg(p, "0.5")];
            let (sig, _) = acc(name, &args, false);
            assert_eq!(sig.return_type, dt);
            let n = x.len();
            let out = run(name, &args, false, &[x, Arc::new(Float64Array::from(vec![0.5; n]))], &vec![0; n], 1);
            assert_eq!(out.data_type(), &dt);
            out
        };
        // PySpark over 1..4 (as each type) → 2 / 2.00 / 2020-01-03 / 1970-01-01 00:00:02.
        let out = scalar("percentile_approx", DataType::Int32, Arc::new(Int32Array::from(vec![4, 1, 3, 2])));
        assert_eq!(out.as_primitive::<Int32Type>().value(0), 2);
        let dec = Decimal128Array::from(vec![400, 100, 300, 200]).with_precision_and_scale(10, 2).unwrap();
        let out = scalar("approx_percentile", DataType::Decimal128(10, 2), Arc::new(dec));
        assert_eq!(out.as_primitive::<Decimal128Type>().value(0), 200);
        let out = scalar(
            "percentile_approx",
            DataType::Date32,
            Arc::new(Date32Array::from(vec![18265, 18262, 18264, 18263])),
        );
        assert_eq!(out.as_primitive::<Date32Type>().value(0), 18263);
        let ts = TimestampMicrosecondArray::from(vec![4_000_000, 1_000_000, 3_000_000, 2_000_000]).with_timezone("UTC");
        let out = scalar("percentile_approx", crate::types::timestamp_type(), Arc::new(ts));
        assert_eq!(out.as_primitive::<TimestampMicrosecondType>().value(0), 2_000_000);
        // PySpark: doubles i/3 for i in 1..7 at 0.5 → 1.3333333333333333, an input value.
        let x: ArrayRef = Arc::new(Float64Array::from((1..=7).map(|i| i as f64 / 3.0).collect::<Vec<_>>()));
        assert_eq!(f64s(&scalar("percentile_approx", DataType::Float64, x)), vec![Some(4.0 / 3.0)]);
        // Empty group → null.
        let (_, mut a) = acc(
            "percentile_approx",
            &[arg(DataType::Int64, "x"), lit_arg(Arc::new(Float64Array::from(vec![0.5])), "0.5")],
            false,
        );
        a.update_batch(&[], &[], 2).unwrap();
        let out = a.evaluate().unwrap();
        assert_eq!((out.len(), out.null_count(), out.data_type()), (2, 2, &DataType::Int64));
    }

    #[test]
    fn percentile_approx_names_and_errors_match_spark() {
        let f = func("percentile_approx");
        assert_eq!(f.display_name(&["x".into(), "0.5".into()], false), "percentile_approx(x, 0.5, 10000)");
        assert_eq!(f.display_name(&["x".into(), "0.5".into(), "100".into()], false), "percentile_approx(x, 0.5, 100)");
        assert_eq!(
            func("approx_percentile").display_name(&["x".into(), "0.5".into()], false),
            "approx_percentile(x, 0.5, 10000)"
        );
        let x = arg(DataType::Int32, "x");
        let dbl = |v: f64, sql: &str| lit_arg(Arc::new(Float64Array::from(vec![v])), sql);
        let err = |name: &str, args: &[ArgInfo]| func(name).resolve(args, false).unwrap_err().message();
        assert_eq!(
            err("percentile_approx", &[x.clone(), x.clone()]),
            "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"percentile_approx(x, x, 10000)\" due to data \
             type mismatch: the input `percentage` should be a foldable \"DOUBLE\" expression; however, got \"x\". \
             SQLSTATE: 42K09"
        );
        assert_eq!(
            err("percentile_approx", &[x.clone(), dbl(1.5, "1.5")]),
            "[DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE] Cannot resolve \"percentile_approx(x, 1.5, 10000)\" due to data \
             type mismatch: The percentage must be between [0.0, 1.0] (current value = 1.5D). SQLSTATE: 42K09"
        );
        assert_eq!(
            err("approx_percentile", &[x.clone(), dbl(2.0, "2.0")]),
            "[DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE] Cannot resolve \"approx_percentile(x, 2.0, 10000)\" due to data \
             type mismatch: The percentage must be between [0.0, 1.0] (current value = 2.0D). SQLSTATE: 42K09"
        );
        let arr: ArrayRef =
            Arc::new(ListArray::from_iter_primitive::<Float64Type, _, _>(vec![Some(vec![Some(0.5), Some(1.5)])]));
        assert!(err("percentile_approx", &[x.clone(), lit_arg(arr, "array(0.5, 1.5)")]).contains(
            "\"percentile_approx(x, array(0.5, 1.5), 10000)\" due to data type mismatch: The percentage must be \
                       between [0.0, 1.0] (current value = 0.5D,1.5D)."
        ));
        let long = |v: i64| lit_arg(Arc::new(Int64Array::from(vec![v])), &v.to_string());
        assert!(err("percentile_approx", &[x.clone(), dbl(0.5, "0.5"), long(0)]).contains(
            "Cannot resolve \"percentile_approx(x, 0.5, 0)\" due to data type mismatch: The accuracy must be between \
             (0, 2147483647] (current value = 0L)."
        ));
        assert!(err("percentile_approx", &[x.clone(), dbl(0.5, "0.5"), long(2147483648)])
            .contains("(current value = 2147483648L)"));
        assert!(err("percentile_approx", &[x.clone(), dbl(0.5, "0.5"), x.clone()]).contains(
            "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"percentile_approx(x, 0.5, x)\" due to data type \
             mismatch: the input `accuracy` should be a foldable \"INT\" expression; however, got \"x\"."
        ));
        let null = lit_arg(arrow::array::new_null_array(&DataType::Null, 1), "NULL");
        assert!(err("percentile_approx", &[x.clone(), null]).contains(
            "[DATATYPE_MISMATCH.UNEXPECTED_NULL] Cannot resolve \"percentile_approx(x, NULL, 10000)\" due to data type \
             mismatch: The percentage must not be null."
        ));
        assert!(err("percentile_approx", &[x.clone(), dbl(0.5, "0.5"), dbl(1.5, "1.5")])
            .contains("The third parameter requires the \"INTEGRAL\" type, however \"1.5\" has the type \"DOUBLE\"."));
        assert_eq!(
            err("percentile_approx", &[arg(DataType::Boolean, "true"), dbl(0.5, "0.5")]),
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"percentile_approx(true, 0.5, 10000)\" due to \
             data type mismatch: The first parameter requires the (\"NUMERIC\" or \"DATE\" or \"TIMESTAMP\" or \
             \"TIMESTAMP_NTZ\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL DAY TO SECOND\" or \"TIME\") type, however \
             \"true\" has the type \"BOOLEAN\". SQLSTATE: 42K09"
        );
        assert!(err("percentile_approx", &[x.clone()]).starts_with(
            "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `percentile_approx` requires [2, 3] parameters but the actual \
             number is 1."
        ));
        // Strings are read as doubles.
        let (sig, _) = acc("percentile_approx", &[arg(DataType::Utf8, "s"), dbl(0.5, "0.5")], false);
        assert_eq!(sig.return_type, DataType::Float64);
    }

    #[test]
    fn empty_group_is_null() {
        let (_, mut a) = acc("median", &[arg(DataType::Int32, "i")], false);
        a.update_batch(&[], &[], 1).unwrap();
        assert!(a.evaluate().unwrap().is_null(0));
    }
}
