//! Resolved expressions and their evaluation on Arrow batches.
use std::fmt;
use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, BooleanArray, RecordBatch};
use arrow::datatypes::DataType;

use crate::context::EvalContext;
use crate::error::Result;
use crate::expr::expr::BinaryOp;
use crate::expr::functions::ScalarFunction;

/// A function argument or result: a whole column, or one value standing for every row (a literal).
#[derive(Debug, Clone)]
pub enum ColumnarValue {
    Array(ArrayRef),
    /// A length-1 array whose single value applies to every row.
    Scalar(ArrayRef),
}

impl ColumnarValue {
    pub fn data_type(&self) -> &DataType {
        match self {
            ColumnarValue::Array(a) | ColumnarValue::Scalar(a) => a.data_type(),
        }
    }
    /// The value as a column of `num_rows` rows (repeating a scalar).
    pub fn into_array(self, num_rows: usize) -> Result<ArrayRef> {
        match self {
            ColumnarValue::Array(a) => Ok(a),
            ColumnarValue::Scalar(s) => repeat_scalar(&s, num_rows),
        }
    }
    pub fn as_scalar(&self) -> Option<&ArrayRef> {
        match self {
            ColumnarValue::Scalar(s) => Some(s),
            ColumnarValue::Array(_) => None,
        }
    }
}

/// Repeat the single value of a length-1 array `n` times.
pub fn repeat_scalar(scalar: &ArrayRef, n: usize) -> Result<ArrayRef> {
    if scalar.logical_null_count() > 0 {
        return Ok(new_null_array(scalar.data_type(), n));
    }
    if n == 1 {
        return Ok(scalar.clone());
    }
    let indices = arrow::array::UInt32Array::from(vec![0u32; n]);
    Ok(arrow::compute::take(scalar.as_ref(), &indices, None)?)
}

/// A resolved expression: its kind, result type and nullability are known.
#[derive(Clone)]
pub struct PhysicalExpr {
    pub kind: PhysicalKind,
    pub data_type: DataType,
    pub nullable: bool,
}

/// The node kinds of a resolved expression.
#[derive(Clone)]
pub enum PhysicalKind {
    Column(usize),
    Literal(ArrayRef),
    Cast(Box<PhysicalExpr>),
    Binary { op: BinaryOp, left: Box<PhysicalExpr>, right: Box<PhysicalExpr> },
    Not(Box<PhysicalExpr>),
    Negative(Box<PhysicalExpr>),
    IsNull(Box<PhysicalExpr>),
    IsNotNull(Box<PhysicalExpr>),
    Function { func: Arc<dyn ScalarFunction>, args: Vec<PhysicalExpr> },
    CaseWhen { branches: Vec<(PhysicalExpr, PhysicalExpr)>, otherwise: Option<Box<PhysicalExpr>> },
    InList { expr: Box<PhysicalExpr>, list: Vec<PhysicalExpr>, negated: bool },
    GetField { expr: Box<PhysicalExpr>, index: usize },
}

impl fmt::Debug for PhysicalExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PhysicalKind::Column(i) => write!(f, "#{i}"),
            PhysicalKind::Literal(a) => write!(f, "lit({a:?})"),
            PhysicalKind::Cast(e) => write!(f, "cast({e:?} as {})", self.data_type),
            PhysicalKind::Binary { op, left, right } => write!(f, "({left:?} {} {right:?})", op.symbol()),
            PhysicalKind::Not(e) => write!(f, "NOT {e:?}"),
            PhysicalKind::Negative(e) => write!(f, "-{e:?}"),
            PhysicalKind::IsNull(e) => write!(f, "{e:?} IS NULL"),
            PhysicalKind::IsNotNull(e) => write!(f, "{e:?} IS NOT NULL"),
            PhysicalKind::Function { func, args } => write!(f, "{}({args:?})", func.name()),
            PhysicalKind::CaseWhen { branches, otherwise } => write!(f, "CASE {branches:?} ELSE {otherwise:?}"),
            PhysicalKind::InList { expr, list, negated } => write!(f, "{expr:?} IN {list:?} neg={negated}"),
            PhysicalKind::GetField { expr, index } => write!(f, "{expr:?}.{index}"),
        }
    }
}

impl PhysicalExpr {
    pub fn new(kind: PhysicalKind, data_type: DataType, nullable: bool) -> Self {
        PhysicalExpr { kind, data_type, nullable }
    }

    /// Evaluate on a batch, returning one value per row.
    pub fn evaluate(&self, batch: &RecordBatch, ctx: &EvalContext) -> Result<ArrayRef> {
        self.evaluate_columnar(batch, ctx)?.into_array(batch.num_rows())
    }

    /// Evaluate on a batch; literals and expressions of literals stay scalars.
    pub fn evaluate_columnar(&self, batch: &RecordBatch, ctx: &EvalContext) -> Result<ColumnarValue> {
        crate::expr::physical_eval::evaluate(self, batch, ctx)
    }

    /// Evaluate a predicate to a boolean mask (null counts as false for filtering).
    pub fn evaluate_mask(&self, batch: &RecordBatch, ctx: &EvalContext) -> Result<BooleanArray> {
        let arr = self.evaluate(batch, ctx)?;
        let b = arr
            .as_any()
            .downcast_ref::<BooleanArray>()
            .ok_or_else(|| crate::error::EmberError::execution("filter condition is not boolean"))?;
        if b.null_count() == 0 {
            return Ok(b.clone());
        }
        Ok(arrow::compute::prep_null_mask_filter(b))
    }

    /// Whether the value is the same for every row (no column reference and deterministic).
    #[recursive::recursive]
    pub fn is_constant(&self) -> bool {
        match &self.kind {
            PhysicalKind::Column(_) => false,
            PhysicalKind::Literal(_) => true,
            PhysicalKind::Cast(e)
            | PhysicalKind::Not(e)
            | PhysicalKind::Negative(e)
            | PhysicalKind::IsNull(e)
            | PhysicalKind::IsNotNull(e)
            | PhysicalKind::GetField { expr: e, .. } => e.is_constant(),
            PhysicalKind::Binary { left, right, .. } => left.is_constant() && right.is_constant(),
            PhysicalKind::Function { func, args } => func.deterministic() && args.iter().all(|a| a.is_constant()),
            PhysicalKind::CaseWhen { branches, otherwise } => {
                branches.iter().all(|(c, v)| c.is_constant() && v.is_constant())
                    && otherwise.as_ref().map(|o| o.is_constant()).unwrap_or(true)
            }
            PhysicalKind::InList { expr, list, .. } => expr.is_constant() && list.iter().all(|a| a.is_constant()),
        }
    }

    /// Column indices this expression reads.
    #[recursive::recursive]
    pub fn columns(&self, out: &mut Vec<usize>) {
        match &self.kind {
            PhysicalKind::Column(i) => out.push(*i),
            PhysicalKind::Literal(_) => {}
            PhysicalKind::Cast(e)
            | PhysicalKind::Not(e)
            | PhysicalKind::Negative(e)
            | PhysicalKind::IsNull(e)
            | PhysicalKind::IsNotNull(e)
            | PhysicalKind::GetField { expr: e, .. } => e.columns(out),
            PhysicalKind::Binary { left, right, .. } => {
                left.columns(out);
                right.columns(out);
            }
            PhysicalKind::Function { args, .. } => args.iter().for_each(|a| a.columns(out)),
            PhysicalKind::CaseWhen { branches, otherwise } => {
                for (c, v) in branches {
                    c.columns(out);
                    v.columns(out);
                }
                if let Some(o) = otherwise {
                    o.columns(out);
                }
            }
            PhysicalKind::InList { expr, list, .. } => {
                expr.columns(out);
                list.iter().for_each(|a| a.columns(out));
            }
        }
    }
}

impl PhysicalExpr {
    /// The same expression with every column index `i` replaced by `f(i)` (re-basing onto another schema).
    #[recursive::recursive]
    pub fn map_columns(&self, f: &dyn Fn(usize) -> usize) -> PhysicalExpr {
        let m = |e: &PhysicalExpr| Box::new(e.map_columns(f));
        let kind = match &self.kind {
            PhysicalKind::Column(i) => PhysicalKind::Column(f(*i)),
            PhysicalKind::Literal(a) => PhysicalKind::Literal(a.clone()),
            PhysicalKind::Cast(e) => PhysicalKind::Cast(m(e)),
            PhysicalKind::Binary { op, left, right } => {
                PhysicalKind::Binary { op: *op, left: m(left), right: m(right) }
            }
            PhysicalKind::Not(e) => PhysicalKind::Not(m(e)),
            PhysicalKind::Negative(e) => PhysicalKind::Negative(m(e)),
            PhysicalKind::IsNull(e) => PhysicalKind::IsNull(m(e)),
            PhysicalKind::IsNotNull(e) => PhysicalKind::IsNotNull(m(e)),
            PhysicalKind::Function { func, args } => {
                PhysicalKind::Function { func: func.clone(), args: args.iter().map(|a| a.map_columns(f)).collect() }
            }
            PhysicalKind::CaseWhen { branches, otherwise } => PhysicalKind::CaseWhen {
                branches: branches.iter().map(|(c, v)| (c.map_columns(f), v.map_columns(f))).collect(),
                otherwise: otherwise.as_ref().map(|o| m(o)),
            },
            PhysicalKind::InList { expr, list, negated } => PhysicalKind::InList {
                expr: m(expr),
                list: list.iter().map(|a| a.map_columns(f)).collect(),
                negated: *negated,
            },
            PhysicalKind::GetField { expr, index } => PhysicalKind::GetField { expr: m(expr), index: *index },
        };
        PhysicalExpr::new(kind, self.data_type.clone(), self.nullable)
    }

    /// A reference to column `i` of the given type.
    pub fn column(i: usize, data_type: DataType, nullable: bool) -> PhysicalExpr {
        PhysicalExpr::new(PhysicalKind::Column(i), data_type, nullable)
    }
}
