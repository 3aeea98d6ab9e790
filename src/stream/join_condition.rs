//! What a stream-stream join's condition says to its state (Spark's StreamingSymmetricHashJoinHelper and
//! StreamingJoinHelper): the residual condition split into the conjuncts over one side only (a row failing them can
//! never match) and those over both; and, per side, how the watermark evicts buffered rows — by a watermarked join
//! key (the state key watermark: a `window` or timestamp key at or below the watermark) or, failing that, by a range
//! condition between the two sides' event times solved for this side (the state value watermark).
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, DurationMicrosecondType, IntervalMonthDayNanoType};

use crate::expr::physical::{PhysicalExpr, PhysicalKind};
use crate::expr::schema::PlanSchema;
use crate::expr::BinaryOp;

/// Which side of the join.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// How one side's buffered rows are evicted by the watermark.
#[derive(Clone, Debug, PartialEq)]
pub enum Eviction {
    /// Never (no watermark applies to this side's rows).
    Never,
    /// Rows whose join key `key` (a timestamp, or a window's end) is at or below the watermark.
    Key { key: usize },
    /// Rows whose event time (input column `column`) is at or below the state value watermark the range
    /// conditions give.
    Value { column: usize, bounds: Vec<RangeBound> },
}

/// One range conjunct solved for this side: state watermark (ms) = trunc((watermark·1000 + `micros`) / 1000) −
/// `adjust` (1 for a non-strict comparison, which keeps rows equal to the bound).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RangeBound {
    micros: f64,
    adjust: i64,
}

impl Eviction {
    /// The state value watermark (ms) under the event-time watermark `watermark_ms` (`None`: not a value eviction).
    pub fn value_watermark(&self, watermark_ms: i64) -> Option<i64> {
        let Eviction::Value { bounds, .. } = self else { return None };
        bounds.iter().map(|b| (((watermark_ms as f64) * 1000.0 + b.micros) / 1000.0) as i64 - b.adjust).min()
    }
}

/// The condition of a stream-stream join taken apart.
pub struct JoinCondition {
    /// Conjuncts over left columns only, over right columns only (in their own side's column numbers), over both.
    pub left_only: Option<PhysicalExpr>,
    pub right_only: Option<PhysicalExpr>,
    pub both: Option<PhysicalExpr>,
    pub left_eviction: Eviction,
    pub right_eviction: Eviction,
    /// Columns of each side (in its own numbering) that Spark's optimizer infers `isnotnull` for from the
    /// condition (InferFiltersFromConstraints): a row with a null there never reaches the join on a side the
    /// join type lets it filter.
    pub left_not_null: Vec<usize>,
    pub right_not_null: Vec<usize>,
}

/// The columns a conjunct requires to be non-null, as Spark's `isnotnull` inference reads it: the columns reached
/// from a null-intolerant comparison (not `<=>`) through null-intolerant expressions (arithmetic, casts, negation).
fn null_intolerant_columns(conjunct: &PhysicalExpr, out: &mut Vec<usize>) {
    fn scan(e: &PhysicalExpr, out: &mut Vec<usize>) {
        match &e.kind {
            PhysicalKind::Column(c) => out.push(*c),
            PhysicalKind::Cast(x) | PhysicalKind::Negative(x) => scan(x, out),
            PhysicalKind::Binary { op: BinaryOp::Plus | BinaryOp::Minus | BinaryOp::Multiply, left, right } => {
                scan(left, out);
                scan(right, out);
            }
            _ => {}
        }
    }
    match &conjunct.kind {
        PhysicalKind::Binary {
            op: BinaryOp::Eq | BinaryOp::NotEq | BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq,
            left,
            right,
        } => {
            scan(left, out);
            scan(right, out);
        }
        PhysicalKind::Not(x) => null_intolerant_columns(x, out),
        PhysicalKind::IsNotNull(x) => scan(x, out),
        _ => {}
    }
}

fn conjuncts(e: &PhysicalExpr, out: &mut Vec<PhysicalExpr>) {
    match &e.kind {
        PhysicalKind::Binary { op: BinaryOp::And, left, right } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        _ => out.push(e.clone()),
    }
}

/// The conjuncts of `filter` as the range analysis reads them: `x BETWEEN low AND high` as `x >= low` and
/// `x <= high` (Spark's analyzer rewrites it so).
pub fn range_conjuncts(filter: Option<&PhysicalExpr>) -> Vec<PhysicalExpr> {
    let mut parts = Vec::new();
    if let Some(f) = filter {
        conjuncts(f, &mut parts);
    }
    parts
        .into_iter()
        .flat_map(|p| match &p.kind {
            PhysicalKind::Function { func, args } if func.name() == "between" && args.len() == 3 => {
                let cmp = |op, a: &PhysicalExpr, b: &PhysicalExpr| {
                    PhysicalExpr::new(
                        PhysicalKind::Binary { op, left: Box::new(a.clone()), right: Box::new(b.clone()) },
                        DataType::Boolean,
                        true,
                    )
                };
                vec![cmp(BinaryOp::GtEq, &args[0], &args[1]), cmp(BinaryOp::LtEq, &args[0], &args[2])]
            }
            _ => vec![p],
        })
        .collect()
}

fn and_all(parts: Vec<PhysicalExpr>) -> Option<PhysicalExpr> {
    parts.into_iter().reduce(|a, b| {
        let nullable = a.nullable || b.nullable;
        PhysicalExpr::new(
            PhysicalKind::Binary { op: BinaryOp::And, left: Box::new(a), right: Box::new(b) },
            DataType::Boolean,
            nullable,
        )
    })
}

fn columns(e: &PhysicalExpr) -> Vec<usize> {
    let mut cols = Vec::new();
    e.columns(&mut cols);
    cols
}

/// The index of the first join key that is a watermarked column of its side (Spark looks at the left keys first).
pub fn watermarked_key(
    left: &PlanSchema,
    right: &PlanSchema,
    left_keys: &[PhysicalExpr],
    right_keys: &[PhysicalExpr],
) -> Option<usize> {
    let marked = |keys: &[PhysicalExpr], schema: &PlanSchema| {
        keys.iter()
            .position(|k| matches!(k.kind, PhysicalKind::Column(c) if schema.attrs[c].watermark_delay_ms.is_some()))
    };
    marked(left_keys, left).or_else(|| marked(right_keys, right))
}

/// The first input column of a side that carries a watermark (its event time).
pub fn event_column(schema: &PlanSchema) -> Option<usize> {
    schema.attrs.iter().position(|a| a.watermark_delay_ms.is_some())
}

impl JoinCondition {
    pub fn analyze(
        left: &PlanSchema,
        right: &PlanSchema,
        left_keys: &[PhysicalExpr],
        right_keys: &[PhysicalExpr],
        filter: Option<&PhysicalExpr>,
    ) -> JoinCondition {
        let nl = left.len();
        let mut parts = Vec::new();
        if let Some(f) = filter {
            conjuncts(f, &mut parts);
        }
        let (mut l, mut r, mut both) = (Vec::new(), Vec::new(), Vec::new());
        for p in &parts {
            let cols = columns(p);
            if !cols.is_empty() && cols.iter().all(|&c| c < nl) {
                l.push(p.clone());
            } else if !cols.is_empty() && cols.iter().all(|&c| c >= nl) {
                r.push(p.map_columns(&|c| c - nl));
            } else {
                both.push(p.clone());
            }
        }
        let key = watermarked_key(left, right, left_keys, right_keys);
        let eviction = |side: Side| match key {
            Some(k) => Eviction::Key { key: k },
            None => {
                let own = if side == Side::Left { left } else { right };
                match (event_column(own), state_value_bounds(left, right, side, &range_conjuncts(filter))) {
                    (Some(column), Some(bounds)) => Eviction::Value { column, bounds },
                    _ => Eviction::Never,
                }
            }
        };
        let mut not_null = Vec::new();
        for p in range_conjuncts(filter) {
            null_intolerant_columns(&p, &mut not_null);
        }
        not_null.sort_unstable();
        not_null.dedup();
        JoinCondition {
            left_not_null: not_null.iter().copied().filter(|&c| c < nl).collect(),
            right_not_null: not_null.iter().copied().filter(|&c| c >= nl).map(|c| c - nl).collect(),
            left_only: and_all(l),
            right_only: and_all(r),
            both: and_all(both),
            left_eviction: eviction(Side::Left),
            right_eviction: eviction(Side::Right),
        }
    }
}

/// The range conjuncts of `parts` (over left ++ right columns) that bound `side`'s event time from below by the
/// other side's watermarked event time (`None`: none does, or the other side has no watermark).
pub fn state_value_bounds(
    left: &PlanSchema,
    right: &PlanSchema,
    side: Side,
    parts: &[PhysicalExpr],
) -> Option<Vec<RangeBound>> {
    let nl = left.len();
    let (own, other): (Box<dyn Fn(usize) -> bool>, Box<dyn Fn(usize) -> bool>) = match side {
        Side::Left => (Box::new(move |c| c < nl), Box::new(move |c| c >= nl)),
        Side::Right => (Box::new(move |c| c >= nl), Box::new(move |c| c < nl)),
    };
    let both = left.join(right);
    let other_marked = |c: usize| other(c) && both.attrs[c].watermark_delay_ms.is_some();
    if !(0..both.len()).any(&other_marked) {
        return None;
    }
    let bounds: Vec<RangeBound> = parts
        .iter()
        .filter_map(|p| {
            let PhysicalKind::Binary { op, left: a, right: b } = &p.kind else { return None };
            // Each comparison read as `lhs < rhs`; a non-strict one keeps rows equal to the bound.
            let (lhs, rhs, adjust) = match op {
                BinaryOp::Lt => (a, b, 0),
                BinaryOp::LtEq => (a, b, 1),
                BinaryOp::Gt => (b, a, 0),
                BinaryOp::GtEq => (b, a, 1),
                _ => return None,
            };
            let cols: Vec<usize> = columns(lhs).into_iter().chain(columns(rhs)).collect();
            let mut own_cols: Vec<usize> = cols.iter().copied().filter(|&c| own(c)).collect();
            let mut other_cols: Vec<usize> = cols.iter().copied().filter(|&c| other(c)).collect();
            own_cols.dedup();
            other_cols.dedup();
            if own_cols.len() > 1 || other_cols.len() > 1 {
                return None;
            }
            // lhs − rhs < 0 as a sum of signed terms.
            let mut terms = Vec::new();
            if !collect_terms(lhs, false, &mut terms) || !collect_terms(rhs, true, &mut terms) {
                return None;
            }
            let is_time = |c: usize| matches!(both.fields[c].data_type(), DataType::Timestamp(_, _));
            let constraint: Vec<&Term> =
                terms.iter().filter(|t| matches!(t, Term::Column(c, _) if own(*c) && is_time(*c))).collect();
            let [Term::Column(_, negated)] = constraint.as_slice() else { return None };
            // `-ownTime + rest < 0` solves to `rest < ownTime`; `+ownTime` gives no lower bound.
            if !negated {
                return None;
            }
            let mut micros = 0.0;
            for t in &terms {
                match t {
                    Term::Column(c, _) if own(*c) && is_time(*c) => {}
                    // The other side's watermarked time becomes the watermark (added when evaluated).
                    Term::Column(c, false) if other_marked(*c) => {}
                    Term::Constant(v) => micros += v,
                    _ => return None,
                }
            }
            let watermark_terms =
                terms.iter().filter(|t| matches!(t, Term::Column(c, false) if other_marked(*c))).count();
            (watermark_terms == 1).then_some(RangeBound { micros, adjust })
        })
        .collect();
    (!bounds.is_empty()).then_some(bounds)
}

/// A summand of a linear time expression: a column (negated or not) or a constant in microseconds.
enum Term {
    Column(usize, bool),
    Constant(f64),
}

/// Flatten `e` (negated if `negate`) into `out`; false when it is not a sum of columns and constants.
fn collect_terms(e: &PhysicalExpr, negate: bool, out: &mut Vec<Term>) -> bool {
    let sign = if negate { -1.0 } else { 1.0 };
    match &e.kind {
        PhysicalKind::Column(c) => {
            out.push(Term::Column(*c, negate));
            true
        }
        PhysicalKind::Negative(x) => collect_terms(x, !negate, out),
        PhysicalKind::Cast(x) => {
            let numeric_or_time = e.data_type.is_numeric() || matches!(e.data_type, DataType::Timestamp(_, _));
            numeric_or_time && collect_terms(x, negate, out)
        }
        PhysicalKind::Binary { op: op @ (BinaryOp::Plus | BinaryOp::Minus), left, right } => {
            collect_terms(left, negate, out) && collect_terms(right, negate ^ (*op == BinaryOp::Minus), out)
        }
        // `timestamp ± interval` (the analyzer's temporal arithmetic).
        PhysicalKind::Function { func, args }
            if args.len() == 2
                && matches!(e.data_type, DataType::Timestamp(_, _))
                && matches!(func.name(), "+" | "-") =>
        {
            collect_terms(&args[0], negate, out) && collect_terms(&args[1], negate ^ (func.name() == "-"), out)
        }
        PhysicalKind::Literal(a) if a.len() == 1 && a.is_valid(0) => {
            let micros = match a.data_type() {
                DataType::Duration(arrow::datatypes::TimeUnit::Microsecond) => {
                    a.as_primitive::<DurationMicrosecondType>().value(0) as f64
                }
                DataType::Interval(arrow::datatypes::IntervalUnit::MonthDayNano) => {
                    let v = a.as_primitive::<IntervalMonthDayNanoType>().value(0);
                    // Months have no fixed length: such a condition gives no bound.
                    if v.months != 0 {
                        return false;
                    }
                    v.days as f64 * 86_400_000_000.0 + (v.nanoseconds / 1000) as f64
                }
                t if t.is_numeric() => match arrow::compute::cast(a, &DataType::Float64) {
                    Ok(f) => f.as_primitive::<arrow::datatypes::Float64Type>().value(0) * 1_000_000.0,
                    Err(_) => return false,
                },
                DataType::Timestamp(_, _) => match arrow::compute::cast(a, &DataType::Int64) {
                    Ok(f) => f.as_primitive::<arrow::datatypes::Int64Type>().value(0) as f64 * 1_000_000.0,
                    Err(_) => return false,
                },
                _ => return false,
            };
            out.push(Term::Constant(sign * micros));
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::DurationMicrosecondArray;
    use arrow::datatypes::{Field, Fields};
    use std::sync::Arc;

    fn side(key: &str, time: &str) -> PlanSchema {
        let ts = crate::types::timestamp_type();
        let mut s =
            PlanSchema::fresh(Fields::from(vec![Field::new(key, DataType::Utf8, true), Field::new(time, ts, true)]));
        s.attrs[1].watermark_delay_ms = Some(5_000);
        s
    }

    fn cmp(op: BinaryOp, a: PhysicalExpr, b: PhysicalExpr) -> PhysicalExpr {
        PhysicalExpr::new(PhysicalKind::Binary { op, left: Box::new(a), right: Box::new(b) }, DataType::Boolean, true)
    }

    #[test]
    fn a_time_range_gives_each_side_its_state_value_watermark() {
        let (left, right) = (side("k", "t"), side("k2", "t2"));
        let ts = crate::types::timestamp_type();
        let t = PhysicalExpr::column(1, ts.clone(), true);
        let t2 = PhysicalExpr::column(3, ts, true);
        let ten = PhysicalExpr::new(
            PhysicalKind::Literal(Arc::new(DurationMicrosecondArray::from(vec![10_000_000]))),
            DataType::Duration(arrow::datatypes::TimeUnit::Microsecond),
            false,
        );
        let upper = crate::expr::physical_eval::resolve_temporal_arith(BinaryOp::Plus, t.clone(), ten).unwrap();
        // t2 >= t AND t2 <= t + 10 seconds
        let filter = cmp(BinaryOp::And, cmp(BinaryOp::GtEq, t2.clone(), t), cmp(BinaryOp::LtEq, t2, upper));
        let keys = [PhysicalExpr::column(0, DataType::Utf8, true)];
        let c = JoinCondition::analyze(&left, &right, &keys, &keys, Some(&filter));
        // Left rows wait for right rows up to 10 s later; right rows for left rows up to their own time (as Spark,
        // one millisecond short of the bound for a non-strict comparison).
        assert_eq!(c.left_eviction.value_watermark(100_000), Some(89_999));
        assert_eq!(c.right_eviction.value_watermark(100_000), Some(99_999));
        assert!(c.both.is_some() && c.left_only.is_none() && c.right_only.is_none());
        // Without the upper bound the left side has no state watermark: an outer join on it is refused at start.
        let lower_only = range_conjuncts(Some(&filter))[..1].to_vec();
        assert!(state_value_bounds(&left, &right, Side::Left, &lower_only).is_none());
        assert!(state_value_bounds(&left, &right, Side::Right, &lower_only).is_some());
    }
}
