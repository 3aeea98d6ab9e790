//! Evaluation of resolved expressions on a batch with Spark's non-ANSI semantics (wrapping integer arithmetic,
//! division and remainder by zero give null, three-valued logic).
use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::NullBuffer;
use arrow::compute::kernels::{boolean, cmp, numeric};
use arrow::datatypes::*;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::expr::BinaryOp;
use crate::expr::functions::misc::support::conform;
use crate::expr::functions::{ArgInfo, ScalarFunction, Signature};
use crate::expr::physical::{repeat_scalar, ColumnarValue, PhysicalExpr, PhysicalKind};

/// Evaluate `e` on `batch`; constant sub-trees stay scalars.
#[recursive::recursive]
pub fn evaluate(e: &PhysicalExpr, batch: &RecordBatch, ctx: &EvalContext) -> Result<ColumnarValue> {
    let n = batch.num_rows();
    match &e.kind {
        PhysicalKind::Column(i) => Ok(ColumnarValue::Array(batch.column(*i).clone())),
        PhysicalKind::Literal(a) => Ok(ColumnarValue::Scalar(a.clone())),
        PhysicalKind::Cast(inner) => {
            map_value(evaluate(inner, batch, ctx)?, |a| crate::expr::cast::spark_cast(a, &e.data_type, ctx))
        }
        PhysicalKind::Binary { op, left, right } => {
            let l = evaluate(left, batch, ctx)?;
            let r = evaluate(right, batch, ctx)?;
            binary(*op, l, r, &e.data_type, n)
        }
        PhysicalKind::Not(inner) => {
            map_value(evaluate(inner, batch, ctx)?, |a| Ok(Arc::new(boolean::not(a.as_boolean())?) as ArrayRef))
        }
        PhysicalKind::Negative(inner) => map_value(evaluate(inner, batch, ctx)?, negate),
        PhysicalKind::IsNull(inner) => {
            map_value(evaluate(inner, batch, ctx)?, |a| Ok(Arc::new(arrow::compute::is_null(a.as_ref())?) as ArrayRef))
        }
        PhysicalKind::IsNotNull(inner) => map_value(evaluate(inner, batch, ctx)?, |a| {
            Ok(Arc::new(arrow::compute::is_not_null(a.as_ref())?) as ArrayRef)
        }),
        PhysicalKind::Function { func, args } => {
            let vals: Vec<ColumnarValue> = args.iter().map(|a| evaluate(a, batch, ctx)).collect::<Result<_>>()?;
            let all_scalar = vals.iter().all(|v| matches!(v, ColumnarValue::Scalar(_)));
            let rows = if all_scalar && func.deterministic() { 1 } else { n };
            // A function may label nested fields or nullability differently from its resolved type.
            let out = match func.invoke(&vals, rows, ctx)? {
                ColumnarValue::Array(a) => ColumnarValue::Array(conform(a, &e.data_type)?),
                ColumnarValue::Scalar(a) => ColumnarValue::Scalar(conform(a, &e.data_type)?),
            };
            if all_scalar && func.deterministic() {
                Ok(match out {
                    ColumnarValue::Array(a) if a.len() == 1 => ColumnarValue::Scalar(a),
                    other => other,
                })
            } else {
                Ok(out)
            }
        }
        PhysicalKind::CaseWhen { branches, otherwise } => {
            let mut result = match otherwise {
                Some(o) => evaluate(o, batch, ctx)?.into_array(n)?,
                None => new_null_array(&e.data_type, n),
            };
            for (cond, value) in branches.iter().rev() {
                let mask = cond.evaluate_mask(batch, ctx)?;
                let v = evaluate(value, batch, ctx)?.into_array(n)?;
                result = arrow::compute::kernels::zip::zip(&mask, &v, &result)?;
            }
            Ok(ColumnarValue::Array(result))
        }
        PhysicalKind::InList { expr, list, negated } => {
            let v = evaluate(expr, batch, ctx)?.into_array(n)?;
            let mut acc: Option<BooleanArray> = None;
            for item in list {
                let it = evaluate(item, batch, ctx)?;
                let eq = compare(BinaryOp::Eq, &ColumnarValue::Array(v.clone()), &it, n)?;
                acc = Some(match acc {
                    None => eq,
                    Some(a) => boolean::or_kleene(&a, &eq)?,
                });
            }
            let acc = acc.unwrap_or_else(|| BooleanArray::from(vec![false; n]));
            let acc = if *negated { boolean::not(&acc)? } else { acc };
            Ok(ColumnarValue::Array(Arc::new(acc)))
        }
        PhysicalKind::GetField { expr, index } => map_value(evaluate(expr, batch, ctx)?, |a| struct_field(a, *index)),
    }
}

fn map_value(v: ColumnarValue, f: impl Fn(&ArrayRef) -> Result<ArrayRef>) -> Result<ColumnarValue> {
    Ok(match v {
        ColumnarValue::Array(a) => ColumnarValue::Array(f(&a)?),
        ColumnarValue::Scalar(s) => ColumnarValue::Scalar(f(&s)?),
    })
}

/// A struct's child with the parent's nulls applied (Arrow keeps them apart; Spark's value is null either way).
pub fn struct_field(a: &ArrayRef, index: usize) -> Result<ArrayRef> {
    let s = a.as_struct();
    let child = s.column(index).clone();
    if s.nulls().is_none() {
        return Ok(child);
    }
    let nulls = NullBuffer::union(s.nulls(), child.nulls());
    let data = child.to_data().into_builder().nulls(nulls).build()?;
    Ok(make_array(data))
}

fn negate(a: &ArrayRef) -> Result<ArrayRef> {
    Ok(match a.data_type() {
        DataType::Null => a.clone(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => numeric::neg_wrapping(a.as_ref())?,
        _ => numeric::neg(a.as_ref())?,
    })
}

fn binary(op: BinaryOp, l: ColumnarValue, r: ColumnarValue, out_type: &DataType, n: usize) -> Result<ColumnarValue> {
    let scalar = matches!((&l, &r), (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_)));
    let rows = if scalar { 1 } else { n };
    let result: ArrayRef = match op {
        BinaryOp::And | BinaryOp::Or => {
            let la = l.into_array(rows)?;
            let ra = r.into_array(rows)?;
            let (la, ra) = (la.as_boolean(), ra.as_boolean());
            Arc::new(if op == BinaryOp::And { boolean::and_kleene(la, ra)? } else { boolean::or_kleene(la, ra)? })
        }
        op if op.is_comparison() => Arc::new(compare(op, &l, &r, rows)?),
        _ => {
            let la = l.into_array(rows)?;
            let ra = r.into_array(rows)?;
            arithmetic(op, &la, &ra, out_type)?
        }
    };
    Ok(if scalar { ColumnarValue::Scalar(result) } else { ColumnarValue::Array(result) })
}

/// Comparison with Spark's semantics (null operands give null; `<=>` never null).
pub fn compare(op: BinaryOp, l: &ColumnarValue, r: &ColumnarValue, n: usize) -> Result<BooleanArray> {
    let la = l.clone().into_array(n)?;
    let ra = r.clone().into_array(n)?;
    if matches!(la.data_type(), DataType::Null) || matches!(ra.data_type(), DataType::Null) {
        return Ok(if op == BinaryOp::EqNullSafe {
            let ln = arrow::compute::is_null(la.as_ref())?;
            let rn = arrow::compute::is_null(ra.as_ref())?;
            boolean::and(&ln, &rn)?
        } else {
            BooleanArray::new_null(n)
        });
    }
    if is_nested(la.data_type()) {
        return compare_by_rows(op, &la, &ra);
    }
    let (l, r): (&dyn Datum, &dyn Datum) = (&la, &ra);
    Ok(match op {
        BinaryOp::Eq => cmp::eq(l, r)?,
        BinaryOp::NotEq => cmp::neq(l, r)?,
        BinaryOp::Lt => cmp::lt(l, r)?,
        BinaryOp::LtEq => cmp::lt_eq(l, r)?,
        BinaryOp::Gt => cmp::gt(l, r)?,
        BinaryOp::GtEq => cmp::gt_eq(l, r)?,
        BinaryOp::EqNullSafe => cmp::not_distinct(l, r)?,
        _ => unreachable!(),
    })
}

fn is_nested(dt: &DataType) -> bool {
    matches!(dt, DataType::List(_) | DataType::Struct(_) | DataType::Map(_, _))
}

/// Nested values compared through Arrow's row format, which orders them as Spark does.
fn compare_by_rows(op: BinaryOp, l: &ArrayRef, r: &ArrayRef) -> Result<BooleanArray> {
    use arrow::row::{RowConverter, SortField};
    let conv = RowConverter::new(vec![SortField::new(l.data_type().clone())])?;
    let lr = conv.convert_columns(&[l.clone()])?;
    let rr = conv.convert_columns(&[r.clone()])?;
    let mut out = BooleanBuilder::with_capacity(l.len());
    for i in 0..l.len() {
        let (ln, rn) = (l.is_null(i), r.is_null(i));
        if op == BinaryOp::EqNullSafe {
            out.append_value(if ln || rn { ln && rn } else { lr.row(i) == rr.row(i) });
            continue;
        }
        if ln || rn {
            out.append_null();
            continue;
        }
        let o = lr.row(i).cmp(&rr.row(i));
        out.append_value(match op {
            BinaryOp::Eq => o.is_eq(),
            BinaryOp::NotEq => o.is_ne(),
            BinaryOp::Lt => o.is_lt(),
            BinaryOp::LtEq => o.is_le(),
            BinaryOp::Gt => o.is_gt(),
            BinaryOp::GtEq => o.is_ge(),
            _ => unreachable!(),
        });
    }
    Ok(out.finish())
}

/// Null where `divisor` is zero (Spark's non-ANSI division/remainder), so the kernels never see a zero.
fn null_zero_divisor(divisor: &ArrayRef) -> Result<(ArrayRef, Option<NullBuffer>)> {
    let zero = arrow::array::new_empty_array(divisor.data_type());
    let _ = zero;
    let is_zero: BooleanArray = match divisor.data_type() {
        DataType::Int8 => cmp::eq(divisor, &Int8Array::new_scalar(0))?,
        DataType::Int16 => cmp::eq(divisor, &Int16Array::new_scalar(0))?,
        DataType::Int32 => cmp::eq(divisor, &Int32Array::new_scalar(0))?,
        DataType::Int64 => cmp::eq(divisor, &Int64Array::new_scalar(0))?,
        DataType::Float32 => cmp::eq(divisor, &Float32Array::new_scalar(0.0))?,
        DataType::Float64 => {
            // -0.0 is zero too.
            let d = divisor.as_primitive::<Float64Type>();
            BooleanArray::from_unary(d, |v| v == 0.0)
        }
        DataType::Decimal128(p, s) => {
            cmp::eq(divisor, &Decimal128Array::from(vec![0i128]).with_precision_and_scale(*p, *s)?.into_scalar_datum())?
        }
        _ => return Ok((divisor.clone(), None)),
    };
    let is_zero = if is_zero.null_count() > 0 { arrow::compute::prep_null_mask_filter(&is_zero) } else { is_zero };
    let keep = boolean::not(&is_zero)?;
    let nulls = NullBuffer::union(divisor.nulls(), Some(&NullBuffer::from(keep.values().clone())));
    // Replace zeros by one so the kernel cannot fail; those rows are null anyway.
    let one: ArrayRef = match divisor.data_type() {
        DataType::Int8 => Arc::new(Int8Array::from(vec![1i8])),
        DataType::Int16 => Arc::new(Int16Array::from(vec![1i16])),
        DataType::Int32 => Arc::new(Int32Array::from(vec![1i32])),
        DataType::Int64 => Arc::new(Int64Array::from(vec![1i64])),
        DataType::Float32 => Arc::new(Float32Array::from(vec![1f32])),
        DataType::Float64 => Arc::new(Float64Array::from(vec![1f64])),
        DataType::Decimal128(p, s) => {
            Arc::new(Decimal128Array::from(vec![10i128.pow(*s as u32)]).with_precision_and_scale(*p, *s)?)
        }
        _ => unreachable!(),
    };
    let ones = repeat_scalar(&one, divisor.len())?;
    let safe = arrow::compute::kernels::zip::zip(&keep, divisor, &ones)?;
    Ok((safe, nulls))
}

trait IntoScalarDatum {
    fn into_scalar_datum(self) -> Scalar<Decimal128Array>;
}
impl IntoScalarDatum for Decimal128Array {
    fn into_scalar_datum(self) -> Scalar<Decimal128Array> {
        Scalar::new(self)
    }
}

fn with_nulls(a: ArrayRef, nulls: Option<NullBuffer>) -> Result<ArrayRef> {
    let Some(extra) = nulls else { return Ok(a) };
    let merged = NullBuffer::union(a.nulls(), Some(&extra));
    Ok(make_array(a.to_data().into_builder().nulls(merged).build()?))
}

fn arithmetic(op: BinaryOp, l: &ArrayRef, r: &ArrayRef, out: &DataType) -> Result<ArrayRef> {
    if matches!(out, DataType::Null) {
        return Ok(new_null_array(&DataType::Null, l.len()));
    }
    if let DataType::Decimal128(p, s) = out {
        return crate::expr::decimal_arith::decimal_arithmetic(op, l, r, *p, *s);
    }
    let wrapping = matches!(l.data_type(), DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64);
    Ok(match op {
        BinaryOp::Plus if wrapping => numeric::add_wrapping(l, r)?,
        BinaryOp::Plus => numeric::add(l, r)?,
        BinaryOp::Minus if wrapping => numeric::sub_wrapping(l, r)?,
        BinaryOp::Minus => numeric::sub(l, r)?,
        BinaryOp::Multiply if wrapping => numeric::mul_wrapping(l, r)?,
        BinaryOp::Multiply => numeric::mul(l, r)?,
        BinaryOp::Divide => {
            let (safe, nulls) = null_zero_divisor(r)?;
            with_nulls(numeric::div(l, &safe)?, nulls)?
        }
        BinaryOp::IntDivide => {
            let (safe, nulls) = null_zero_divisor(r)?;
            let q = if wrapping { int_div_wrapping(l, &safe)? } else { numeric::div(l, &safe)? };
            with_nulls(arrow::compute::cast(&q, &DataType::Int64)?, nulls)?
        }
        BinaryOp::Modulo => {
            let (safe, nulls) = null_zero_divisor(r)?;
            let m = if wrapping { rem_wrapping(l, &safe)? } else { numeric::rem(l, &safe)? };
            with_nulls(m, nulls)?
        }
        _ => return Err(EmberError::execution(format!("not an arithmetic operator: {op:?}"))),
    })
}

/// `i64::MIN div -1` wraps in Spark (Java); Arrow's kernel would report overflow.
fn int_div_wrapping(l: &ArrayRef, r: &ArrayRef) -> Result<ArrayRef> {
    let l = arrow::compute::cast(l, &DataType::Int64)?;
    let r = arrow::compute::cast(r, &DataType::Int64)?;
    let out: Int64Array =
        arrow::compute::binary(l.as_primitive::<Int64Type>(), r.as_primitive::<Int64Type>(), |a: i64, b: i64| {
            a.wrapping_div(b)
        })?;
    Ok(Arc::new(out))
}

fn rem_wrapping(l: &ArrayRef, r: &ArrayRef) -> Result<ArrayRef> {
    macro_rules! rem {
        ($t:ty) => {{
            let out: PrimitiveArray<$t> =
                arrow::compute::binary(l.as_primitive::<$t>(), r.as_primitive::<$t>(), |a, b| a.wrapping_rem(b))?;
            Arc::new(out) as ArrayRef
        }};
    }
    Ok(match l.data_type() {
        DataType::Int8 => rem!(Int8Type),
        DataType::Int16 => rem!(Int16Type),
        DataType::Int32 => rem!(Int32Type),
        _ => rem!(Int64Type),
    })
}

/// Resolve `+`/`-` with a date, timestamp or interval operand (delegated to the datetime functions).
pub fn resolve_temporal_arith(op: BinaryOp, l: PhysicalExpr, r: PhysicalExpr) -> Option<PhysicalExpr> {
    let subtract = op == BinaryOp::Minus;
    let out = crate::expr::functions::datetime::interval_result_type(&l.data_type, &r.data_type)?;
    let nullable = l.nullable || r.nullable;
    let func: Arc<dyn ScalarFunction> = Arc::new(TemporalArith { subtract });
    Some(PhysicalExpr::new(PhysicalKind::Function { func, args: vec![l, r] }, out, nullable))
}

/// `timestamp ± interval`, `date ± interval`, `timestamp - timestamp`.
struct TemporalArith {
    subtract: bool,
}

impl ScalarFunction for TemporalArith {
    fn name(&self) -> &str {
        if self.subtract {
            "-"
        } else {
            "+"
        }
    }
    fn resolve(&self, _args: &[ArgInfo]) -> Result<Signature> {
        Err(EmberError::execution("internal: TemporalArith is resolved by the analyzer"))
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
        crate::expr::functions::datetime::add_interval(&args[0], &args[1], self.subtract, num_rows, ctx)
    }
}

/// `array[i]` (0-based, null when out of range) and `map[key]`.
pub struct GetItem;

impl ScalarFunction for GetItem {
    fn name(&self) -> &str {
        "get_item"
    }
    fn resolve(&self, _args: &[ArgInfo]) -> Result<Signature> {
        Err(EmberError::execution("internal: GetItem is resolved by the analyzer"))
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, _ctx: &EvalContext) -> Result<ColumnarValue> {
        let base = args[0].clone().into_array(num_rows)?;
        let key = args[1].clone().into_array(num_rows)?;
        match base.data_type() {
            DataType::List(_) => {
                let list = base.as_list::<i32>();
                let idx = key.as_primitive::<Int32Type>();
                let offsets = list.value_offsets();
                let mut take = UInt32Builder::with_capacity(num_rows);
                for i in 0..num_rows {
                    if list.is_null(i) || idx.is_null(i) {
                        take.append_null();
                        continue;
                    }
                    let (start, end) = (offsets[i] as i64, offsets[i + 1] as i64);
                    let k = idx.value(i) as i64;
                    if k < 0 || start + k >= end {
                        take.append_null();
                    } else {
                        take.append_value((start + k) as u32);
                    }
                }
                Ok(ColumnarValue::Array(arrow::compute::take(list.values().as_ref(), &take.finish(), None)?))
            }
            DataType::Map(_, _) => {
                let map = base.as_map();
                let keys = map.keys();
                let offsets = map.value_offsets();
                let eq_rows = {
                    use arrow::row::{RowConverter, SortField};
                    let conv = RowConverter::new(vec![SortField::new(keys.data_type().clone())])?;
                    let kr = conv.convert_columns(&[keys.clone()])?;
                    let qr = conv.convert_columns(&[key.clone()])?;
                    (kr, qr)
                };
                let mut take = UInt32Builder::with_capacity(num_rows);
                for i in 0..num_rows {
                    if map.is_null(i) || key.is_null(i) {
                        take.append_null();
                        continue;
                    }
                    let (s, e) = (offsets[i] as usize, offsets[i + 1] as usize);
                    // Spark returns the value of the last duplicate key? Maps built by Spark dedupe keys, so first hit.
                    match (s..e).find(|&j| eq_rows.0.row(j) == eq_rows.1.row(i)) {
                        Some(j) => take.append_value(j as u32),
                        None => take.append_null(),
                    }
                }
                Ok(ColumnarValue::Array(arrow::compute::take(map.values().as_ref(), &take.finish(), None)?))
            }
            other => Err(EmberError::execution(format!("cannot extract an item from {other}"))),
        }
    }
}
