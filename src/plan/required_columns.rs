//! Which columns of each scan a plan reads: Spark's column pruning, done as an analysis rather than a rewrite. The
//! readers get the list (`FileFormat::read`'s `projection`) and may leave the other columns undecoded, which is most
//! of a JSON or CSV scan's time when a query reads two of six fields. Nothing is re-indexed: a pruned column stays in
//! the batch as nulls, so every node's column indices stay valid.
//!
//! The walk is conservative: an operator this file does not know (joins, window functions, Python functions,
//! stateful processors, …) reads every input column, and so does the query's root (the sink sees whole rows).
use crate::plan::{LogicalPlan, PlanNode};

/// For each `StreamScan` of `plan`, in pre-order (the order of `stream::start::stream_relations`): the indices of
/// the columns the plan reads, or `None` when it reads them all.
pub fn stream_scan_columns(plan: &LogicalPlan) -> Vec<Option<Vec<usize>>> {
    let mut out = Vec::new();
    walk(plan, vec![true; plan.schema.fields.len()], &mut |node, needed| {
        if matches!(node, PlanNode::StreamScan { .. }) {
            out.push(needed_list(needed));
        }
    });
    out
}

/// The indices of the needed columns, or `None` when every column is needed.
fn needed_list(needed: &[bool]) -> Option<Vec<usize>> {
    if needed.iter().all(|n| *n) {
        return None;
    }
    Some(needed.iter().enumerate().filter(|(_, n)| **n).map(|(i, _)| i).collect())
}

/// Visit every node with the columns of its output the plan above reads, pre-order.
#[recursive::recursive]
fn walk(p: &LogicalPlan, needed: Vec<bool>, visit: &mut dyn FnMut(&PlanNode, &[bool])) {
    visit(&p.node, &needed);
    let children = p.children();
    for (child, child_needed) in children.iter().zip(inputs_needed(p, &needed)) {
        walk(child, child_needed, visit);
    }
}

/// The columns of each input that `p` reads to produce the `needed` columns of its output.
fn inputs_needed(p: &LogicalPlan, needed: &[bool]) -> Vec<Vec<bool>> {
    let children = p.children();
    let all = || children.iter().map(|c| vec![true; c.schema.fields.len()]).collect::<Vec<_>>();
    let Some(input) = children.first() else { return vec![] };
    let width = input.schema.fields.len();
    let mut cols = Vec::new();
    // `keep`: the first `width` output columns are the input's own, passed through.
    let keep = |cols: &[usize], keep_needed: bool| -> Vec<Vec<bool>> {
        let mut v = vec![false; width];
        if keep_needed {
            for (i, n) in needed.iter().take(width).enumerate() {
                v[i] |= *n;
            }
        }
        for &c in cols {
            if c < width {
                v[c] = true;
            }
        }
        vec![v]
    };
    match &p.node {
        // Every projected expression is evaluated (an expression can fail, as a cast under ANSI does).
        PlanNode::Project { exprs, .. } => {
            exprs.iter().for_each(|e| e.columns(&mut cols));
            keep(&cols, false)
        }
        PlanNode::Filter { predicate, .. } => {
            predicate.columns(&mut cols);
            keep(&cols, true)
        }
        PlanNode::Aggregate { group_exprs, aggregates, .. } => {
            group_exprs.iter().for_each(|e| e.columns(&mut cols));
            aggregates.iter().flat_map(|a| &a.args).for_each(|e| e.columns(&mut cols));
            keep(&cols, false)
        }
        PlanNode::EventTimeWatermark { column, .. } => keep(&[*column], true),
        PlanNode::TimeWindow { time, .. } => {
            time.columns(&mut cols);
            keep(&cols, true)
        }
        PlanNode::Sort { keys, .. } => {
            keys.iter().for_each(|k| k.expr.columns(&mut cols));
            keep(&cols, true)
        }
        PlanNode::Deduplicate { keys, .. } => keep(keys, true),
        PlanNode::Limit { .. } | PlanNode::Tail { .. } | PlanNode::Sample { .. } => keep(&[], true),
        PlanNode::Passthrough { kind: crate::plan::PassthroughKind::Observe(_), .. } => all(),
        PlanNode::Passthrough { .. } => keep(&[], true),
        PlanNode::Union { .. } => children.iter().map(|_| needed.to_vec()).collect(),
        _ => all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::physical::{PhysicalExpr, PhysicalKind};
    use crate::expr::schema::PlanSchema;
    use crate::plan::stream_relation::StreamRelation;
    use arrow::datatypes::{DataType, Field};
    use std::sync::Arc;

    struct Rel;
    impl StreamRelation for Rel {
        fn format(&self) -> &str {
            "test"
        }
        fn description(&self) -> String {
            "test".into()
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    fn col(i: usize) -> PhysicalExpr {
        PhysicalExpr { kind: PhysicalKind::Column(i), data_type: DataType::Utf8, nullable: true }
    }

    fn schema(n: usize) -> PlanSchema {
        PlanSchema::fresh((0..n).map(|i| Field::new(format!("c{i}"), DataType::Utf8, true)).collect())
    }

    fn scan(n: usize) -> Arc<LogicalPlan> {
        LogicalPlan::new(PlanNode::StreamScan { source: Arc::new(Rel) }, schema(n))
    }

    #[test]
    fn a_projection_over_a_filter_reads_what_both_name() {
        let filter = LogicalPlan::new(PlanNode::Filter { input: scan(5), predicate: col(3) }, schema(5));
        let project = LogicalPlan::new(PlanNode::Project { input: filter, exprs: vec![col(1)] }, schema(1));
        assert_eq!(stream_scan_columns(&project), vec![Some(vec![1, 3])]);
    }

    #[test]
    fn the_root_and_unknown_operators_read_everything() {
        assert_eq!(stream_scan_columns(&scan(3)), vec![None]);
        let filter = LogicalPlan::new(PlanNode::Filter { input: scan(3), predicate: col(0) }, schema(3));
        assert_eq!(stream_scan_columns(&filter), vec![None]);
    }

    #[test]
    fn a_watermark_keeps_its_event_time_column() {
        let wm = LogicalPlan::new(PlanNode::EventTimeWatermark { input: scan(4), column: 2, delay_ms: 0 }, schema(4));
        let project = LogicalPlan::new(PlanNode::Project { input: wm, exprs: vec![col(0)] }, schema(1));
        assert_eq!(stream_scan_columns(&project), vec![Some(vec![0, 2])]);
    }
}
