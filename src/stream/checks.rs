//! Spark's checks of a streaming query at `start()` (UnsupportedOperationChecker): output modes against
//! aggregations, sorts, limits, distinct aggregates, stream-batch unions, joins and chains of stateful operators,
//! with Spark's messages.
use crate::error::{EmberError, Result};
use crate::plan::streaming::{OutputMode, LEGACY_STREAMING_CLASS};
use crate::plan::{LogicalPlan, PlanNode};

fn fail(msg: &str, plan: &LogicalPlan) -> EmberError {
    EmberError::analysis_condition(LEGACY_STREAMING_CLASS, [("msg", format!("{msg};\n{}", plan.tree_string()))])
}

/// Whether a streaming aggregation groups by an event-time column (a watermarked timestamp or window).
fn has_watermarked_key(agg: &LogicalPlan) -> bool {
    let PlanNode::Aggregate { input, group_exprs, .. } = &agg.node else { return false };
    group_exprs.iter().any(|g| match g.kind {
        crate::expr::physical::PhysicalKind::Column(c) => input.schema.attrs[c].watermark_delay_ms.is_some(),
        _ => false,
    })
}

fn is_session_aggregate(agg: &LogicalPlan) -> bool {
    matches!(&agg.node, PlanNode::Aggregate { input, .. } if matches!(input.node, PlanNode::MergeSessions { .. }))
}

#[recursive::recursive]
fn streaming_aggregates<'a>(p: &'a LogicalPlan, out: &mut Vec<&'a LogicalPlan>) {
    if let PlanNode::Aggregate { input, .. } = &p.node {
        if input.is_streaming() {
            out.push(p);
        }
    }
    for c in p.children() {
        streaming_aggregates(c, out);
    }
}

/// Validate `plan` for `mode` as Spark does when a streaming query starts.
pub fn check(plan: &LogicalPlan, mode: OutputMode) -> Result<()> {
    if !plan.is_streaming() {
        return Err(fail("Queries without streaming sources cannot be executed with writeStream.start()", plan));
    }
    let mut aggs = Vec::new();
    streaming_aggregates(plan, &mut aggs);
    for a in &aggs {
        if let PlanNode::Aggregate { aggregates, .. } = &a.node {
            if aggregates.iter().any(|c| c.distinct) {
                return Err(fail(
                    "Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using approx_count_distinct() instead.",
                    plan,
                ));
            }
        }
    }
    match mode {
        // Spark 4.3's texts (PySpark 4.3 run; older Sparks said "Append output mode not supported when …").
        OutputMode::Update if aggs.iter().any(|a| is_session_aggregate(a)) => {
            return Err(EmberError::analysis_condition(
                "STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION",
                [("outputMode", "update"), ("operation", "session window streaming aggregations")],
            ))
        }
        OutputMode::Append if aggs.iter().any(|a| !has_watermarked_key(a)) => {
            return Err(EmberError::analysis_condition(
                "STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION",
                [("outputMode", "append"), ("operation", "streaming aggregations without watermark")],
            ))
        }
        OutputMode::Complete if aggs.is_empty() => {
            return Err(EmberError::analysis_condition(
                "STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION",
                [("outputMode", "complete"), ("operation", "no streaming aggregations")],
            ))
        }
        _ => {}
    }
    walk(plan, mode, !aggs.is_empty(), plan)?;
    check_global_watermark_limit(plan, mode)
}

/// Spark's stateful operators for the global-watermark check: aggregations, stream-stream joins,
/// applyInPandasWithState, and deduplications whose keys include the event time (or within the watermark).
fn is_stateful(p: &LogicalPlan) -> bool {
    if !p.is_streaming() {
        return false;
    }
    match &p.node {
        PlanNode::Aggregate { .. } => true,
        PlanNode::FlatMapGroupsWithState { spec, .. } => !spec.grouped_map,
        PlanNode::Join { left, right, .. } => left.is_streaming() && right.is_streaming(),
        PlanNode::Deduplicate { input, keys, within_watermark, .. } => {
            *within_watermark || keys.iter().any(|&k| input.schema.attrs[k].watermark_delay_ms.is_some())
        }
        _ => false,
    }
}

/// Operators whose output rows may be older than the watermark: a later stateful operator would drop them as late.
fn emits_rows_behind_watermark(p: &LogicalPlan, mode: OutputMode) -> bool {
    use crate::plan::group_state_spec::GroupTimeout;
    p.is_streaming()
        && match &p.node {
            PlanNode::Aggregate { .. } => mode != OutputMode::Append,
            PlanNode::FlatMapGroupsWithState { spec, .. } => spec.timeout == GroupTimeout::EventTime,
            _ => false,
        }
}

/// Spark's checkStreamingQueryGlobalWatermarkLimit, run after every other check: a stateful operator fed by one
/// that can emit rows behind the watermark (an aggregation outside append mode, an event-time timeout) is a
/// correctness risk.
fn check_global_watermark_limit(plan: &LogicalPlan, mode: OutputMode) -> Result<()> {
    #[recursive::recursive]
    fn below(p: &LogicalPlan, mode: OutputMode) -> bool {
        p.children().into_iter().any(|c| emits_rows_behind_watermark(c, mode) || below(c, mode))
    }
    #[recursive::recursive]
    fn walk(p: &LogicalPlan, mode: OutputMode) -> bool {
        (is_stateful(p) && below(p, mode)) || p.children().into_iter().any(|c| walk(c, mode))
    }
    if walk(plan, mode) {
        return Err(fail(
            "Detected pattern of possible 'correctness' issue due to global watermark. The query contains stateful operation which can emit rows older than the current watermark plus allowed late record delay, which are \"late rows\" in downstream stateful operations and these rows can be discarded. Please refer the programming guide doc for more details. If you understand the possible risk of correctness issue and still need to run the query, you can disable this check by setting the config `spark.sql.streaming.statefulOperator.checkCorrectness.enabled` to false.",
            plan,
        ));
    }
    Ok(())
}

#[recursive::recursive]
fn walk(p: &LogicalPlan, mode: OutputMode, aggregated: bool, root: &LogicalPlan) -> Result<()> {
    if p.is_streaming() {
        match &p.node {
            PlanNode::Window { calls, .. } => {
                let c = &calls[0];
                return Err(crate::error::EmberError::analysis_condition(
                    "NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING",
                    [
                        ("windowFunc", c.function_sql.to_uppercase()),
                        ("columnName", crate::expr::resolve::quote_ident(&c.column_name)),
                        ("windowSpec", c.spec_sql.to_uppercase()),
                    ],
                ));
            }
            PlanNode::Sort { .. } if !(aggregated && mode == OutputMode::Complete) => {
                return Err(fail(
                    "Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode",
                    root,
                ))
            }
            PlanNode::Limit { .. } | PlanNode::Tail { .. } if mode == OutputMode::Update => {
                return Err(fail("Limits are not supported on streaming DataFrames/Datasets in Update output mode", root))
            }
            PlanNode::Union { inputs } if inputs.iter().any(|i| !i.is_streaming()) => {
                return Err(fail("Union between streaming and batch DataFrames/Datasets is not supported", root))
            }
            PlanNode::Join { left, right, .. } if left.is_streaming() && right.is_streaming() => {
                check_stream_stream_join(p, mode, root)?
            }
            PlanNode::Join { left, right, join_type, .. } => {
                use crate::plan::JoinType::*;
                let msg = match (join_type, left.is_streaming(), right.is_streaming()) {
                    (RightOuter, true, false) => Some("RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported"),
                    (FullOuter, true, false) => Some("FullOuter joins with streaming DataFrames/Datasets on the left and a static DataFrame/Dataset on the right is not supported"),
                    (FullOuter, false, true) => Some("FullOuter joins with streaming DataFrames/Datasets on the right and a static DataFrame/Dataset on the left is not supported"),
                    (LeftAnti, false, true) => Some("LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported"),
                    (LeftSemi, false, true) => Some("LeftSemi join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported"),
                    (LeftOuter, false, true) => Some("LeftOuter join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported"),
                    _ => None,
                };
                if let Some(m) = msg {
                    return Err(fail(m, root));
                }
            }
            PlanNode::Deduplicate { input, within_watermark: true, .. }
                if !input.schema.attrs.iter().any(|a| a.watermark_delay_ms.is_some()) =>
            {
                return Err(fail(
                    "dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark",
                    root,
                ))
            }
            PlanNode::FlatMapGroupsWithState { input, spec } if !spec.grouped_map => {
                use crate::plan::group_state_spec::GroupTimeout;
                let declared = if spec.append { OutputMode::Append } else { OutputMode::Update };
                if mode != OutputMode::Complete && mode != declared {
                    return Err(fail(
                        &format!(
                            "applyInPandasWithState in {} mode is not supported with {} output mode on a streaming DataFrame/Dataset",
                            declared.name().to_lowercase(),
                            mode.name()
                        ),
                        root,
                    ));
                }
                if spec.timeout == GroupTimeout::EventTime && !input.schema.attrs.iter().any(|a| a.watermark_delay_ms.is_some()) {
                    return Err(fail(
                        "Watermark must be specified in the query using '[Dataset/DataFrame].withWatermark()' for using event-time timeout in a applyInPandasWithState. Event-time timeout not supported without watermark.",
                        root,
                    ));
                }
            }
            PlanNode::TransformWithState { input, spec } => {
                use crate::plan::stateful_processor_spec::TimeMode;
                if spec.time_mode == TimeMode::EventTime && !input.schema.attrs.iter().any(|a| a.watermark_delay_ms.is_some()) {
                    return Err(fail(
                        "Watermark must be specified in the query using '[Dataset/DataFrame].withWatermark()' for using event-time timers in transformWithState.",
                        root,
                    ));
                }
            }
            PlanNode::SetOperation { .. } => {
                return Err(fail("Except/Intersect on streaming DataFrames/Datasets is not supported", root))
            }
            _ => {}
        }
    }
    for c in p.children() {
        walk(c, mode, aggregated, root)?;
    }
    Ok(())
}

/// A join of two streams: not in complete mode; an outer or semi join needs a watermarked join key, or a watermark on
/// the side whose rows may go unmatched and a range condition that bounds them (Spark's
/// checkForStreamStreamJoinWatermark).
fn check_stream_stream_join(join: &LogicalPlan, mode: OutputMode, root: &LogicalPlan) -> Result<()> {
    use crate::plan::JoinType::*;
    use crate::stream::join_condition::{state_value_bounds, watermarked_key, Side};
    let PlanNode::Join { left, right, join_type, left_keys, right_keys, filter } = &join.node else { return Ok(()) };
    // Spark 4.3 runs inner and semi joins in update mode as in append mode (they update nothing); outer joins,
    // whose null-padded rows come later, only in append mode; complete mode never (without an aggregation after
    // the join the output-mode check before this one refuses it).
    let update_too = matches!(join_type, Inner | Cross | LeftSemi);
    if mode == OutputMode::Complete || (mode == OutputMode::Update && !update_too) {
        return Err(fail(
            &format!(
                "{join_type:?} join between two streaming DataFrames/Datasets is not supported in {} output mode, only in {}",
                mode.name(),
                if update_too { "Append and Update output modes" } else { "Append output mode" }
            ),
            root,
        ));
    }
    let parts = crate::stream::join_condition::range_conjuncts(filter.as_ref());
    let bounded = |side: Side| state_value_bounds(&left.schema, &right.schema, side, &parts).is_some();
    let ranged = match join_type {
        Inner | Cross => return Ok(()),
        LeftOuter | LeftSemi => bounded(Side::Left),
        RightOuter => bounded(Side::Right),
        FullOuter => bounded(Side::Left) || bounded(Side::Right),
        LeftAnti => {
            return Err(fail("LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported", root))
        }
    };
    if watermarked_key(&left.schema, &right.schema, left_keys, right_keys).is_none() && !ranged {
        return Err(fail(
            &format!(
                "Stream-stream {join_type:?} join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition"
            ),
            root,
        ));
    }
    Ok(())
}

/// `trigger(continuous=...)`: only map-like queries (projections and filters over rate, socket or memory sources),
/// with Spark's message naming the first operator that is not.
pub fn check_continuous(plan: &LogicalPlan) -> Result<()> {
    #[recursive::recursive]
    fn walk(p: &LogicalPlan, root: &LogicalPlan) -> Result<()> {
        let unsupported = match &p.node {
            PlanNode::Project { .. } | PlanNode::Filter { .. } | PlanNode::Passthrough { .. } => None,
            PlanNode::StreamScan { source } => (!source.supports_continuous()).then_some("StreamingRelation"),
            _ if !p.is_streaming() => None,
            PlanNode::Aggregate { .. } => Some("Aggregate"),
            PlanNode::Deduplicate { .. } => Some("Deduplicate"),
            PlanNode::Join { .. } => Some("Join"),
            PlanNode::Sort { .. } => Some("Sort"),
            PlanNode::Limit { .. } | PlanNode::Tail { .. } => Some("GlobalLimit"),
            PlanNode::Union { .. } => Some("Union"),
            PlanNode::Generate { .. } => Some("Generate"),
            PlanNode::TimeWindow { .. } | PlanNode::MergeSessions { .. } => Some("Expand"),
            PlanNode::EventTimeWatermark { .. } => Some("EventTimeWatermark"),
            PlanNode::FlatMapGroupsWithState { .. } => Some("FlatMapGroupsInPandasWithState"),
            PlanNode::TransformWithState { .. } => Some("TransformWithState"),
            _ => None,
        };
        if let Some(op) = unsupported {
            return Err(fail(&format!("Continuous processing does not support {op} operations."), root));
        }
        for c in p.children() {
            walk(c, root)?;
        }
        Ok(())
    }
    walk(plan, plan)
}
