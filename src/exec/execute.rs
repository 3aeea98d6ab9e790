//! Runs an analyzed plan: each operator consumes its inputs' batches and returns its own, in parallel across
//! batches with rayon where rows are independent.

use arrow::array::{RecordBatch, UInt32Array};
use rayon::prelude::*;

use crate::context::EvalContext;
use crate::context::ExecContext;
use crate::error::Result;
use crate::plan::{LogicalPlan, PlanNode};
use crate::types::batch::make_batch;

/// Run `plan` to completion.
#[recursive::recursive]
pub fn execute(plan: &LogicalPlan, ctx: &ExecContext) -> Result<Vec<RecordBatch>> {
    let schema = plan.schema.arrow_schema();
    let out = match &plan.node {
        PlanNode::Values { batches } => batches
            .iter()
            .map(|b| make_batch(schema.clone(), b.columns().to_vec(), b.num_rows()))
            .collect::<Result<Vec<_>>>()?,
        PlanNode::Range { start, end, step, partitions } => {
            crate::exec::scan::range(*start, *end, *step, *partitions, &schema)?
        }
        PlanNode::FileScan { format, paths, options, .. } => {
            crate::exec::scan::read_files(format, paths, options, &plan.schema.fields, ctx)?
        }
        PlanNode::StreamScan { .. } => {
            return Err(crate::error::EmberError::analysis_condition(
                crate::plan::streaming::LEGACY_STREAMING_CLASS,
                [("msg", "Queries with streaming sources must be executed with writeStream.start(), or from a streaming table or flow definition within a Spark Declarative Pipeline.;")],
            ))
        }
        PlanNode::Project { input, exprs } => {
            let batches = execute(input, ctx)?;
            batches
                .par_iter()
                .enumerate()
                .map(|(i, b)| {
                    let ectx = EvalContext { partition: i, ..ctx.eval.clone() };
                    let cols = exprs.iter().map(|e| e.evaluate(b, &ectx)).collect::<Result<Vec<_>>>()?;
                    make_batch(schema.clone(), cols, b.num_rows())
                })
                .collect::<Result<Vec<_>>>()?
        }
        PlanNode::Filter { input, predicate } => {
            let batches = execute(input, ctx)?;
            batches
                .par_iter()
                .map(|b| {
                    let mask = predicate.evaluate_mask(b, &ctx.eval)?;
                    let cols = b
                        .columns()
                        .iter()
                        .map(|c| Ok(arrow::compute::filter(c.as_ref(), &mask)?))
                        .collect::<Result<Vec<_>>>()?;
                    make_batch(schema.clone(), cols, mask.true_count())
                })
                .collect::<Result<Vec<_>>>()?
        }
        PlanNode::Aggregate { input, group_exprs, aggregates } => {
            let batches = execute(input, ctx)?;
            // Spark aggregates with pandas UDFs in their own operator, which gives no row for no input rows, even
            // without grouping.
            let in_python = !aggregates.is_empty() && aggregates.iter().all(|a| a.func.runs_in_python());
            if group_exprs.is_empty() && in_python && batches.iter().all(|b| b.num_rows() == 0) {
                Vec::new()
            } else {
                crate::exec::aggregate::hash_aggregate(&batches, group_exprs, aggregates, &schema, ctx)?
            }
        }
        PlanNode::Join { left, right, join_type, left_keys, right_keys, filter } => {
            let (l, r) = rayon::join(|| execute(left, ctx), || execute(right, ctx));
            crate::exec::join::hash_join(
                &l?,
                &r?,
                &left.schema.arrow_schema(),
                &right.schema.arrow_schema(),
                *join_type,
                left_keys,
                right_keys,
                filter.as_ref(),
                &schema,
                ctx,
            )?
        }
        PlanNode::Sort { input, keys } => {
            let batches = execute(input, ctx)?;
            crate::exec::sort::sort(&batches, keys, &schema, ctx)?
        }
        PlanNode::Limit { input, limit, offset } => {
            let batches = execute(input, ctx)?;
            slice_rows(&batches, *offset, *limit)
        }
        PlanNode::Tail { input, n } => {
            let batches = execute(input, ctx)?;
            let total: usize = batches.iter().map(|b| b.num_rows()).sum();
            let start = total.saturating_sub(*n);
            slice_rows(&batches, start, *n)
        }
        PlanNode::Union { inputs } => {
            let parts = inputs.par_iter().map(|p| execute(p, ctx)).collect::<Result<Vec<_>>>()?;
            parts
                .into_iter()
                .flatten()
                .map(|b| make_batch(schema.clone(), b.columns().to_vec(), b.num_rows()))
                .collect::<Result<Vec<_>>>()?
        }
        PlanNode::Deduplicate { input, keys, .. } => {
            let batches = execute(input, ctx)?;
            crate::exec::dedup::deduplicate(&batches, keys, &schema)?
        }
        PlanNode::SetOperation { left, right, op } => {
            let l = execute(left, ctx)?;
            let r = execute(right, ctx)?;
            crate::exec::dedup::set_operation(&l, &r, *op, &schema)?
        }
        PlanNode::Generate { input, func, args, outer } => {
            let batches = execute(input, ctx)?;
            batches
                .par_iter()
                .map(|b| {
                    let arrays = args.iter().map(|a| a.evaluate(b, &ctx.eval)).collect::<Result<Vec<_>>>()?;
                    let (rows, generated) = func.generate(&arrays, *outer)?;
                    let idx = UInt32Array::from(rows);
                    let mut cols = b
                        .columns()
                        .iter()
                        .map(|c| Ok(arrow::compute::take(c.as_ref(), &idx, None)?))
                        .collect::<Result<Vec<_>>>()?;
                    for (g, f) in generated.into_iter().zip(schema.fields().iter().skip(b.num_columns())) {
                        cols.push(if g.data_type() == f.data_type() {
                            g
                        } else {
                            arrow::compute::cast(&g, f.data_type())?
                        });
                    }
                    make_batch(schema.clone(), cols, idx.len())
                })
                .collect::<Result<Vec<_>>>()?
        }
        PlanNode::Sample { input, fraction, with_replacement, seed } => {
            let batches = execute(input, ctx)?;
            crate::exec::scan::sample(&batches, *fraction, *with_replacement, *seed, &schema)?
        }
        PlanNode::TimeWindow { input, time, spec } => execute(input, ctx)?
            .par_iter()
            .map(|b| crate::exec::time_window::assign_windows(b, time, spec, &schema, ctx))
            .collect::<Result<Vec<_>>>()?,
        PlanNode::FlatMapGroupsWithState { input, spec } => {
            // On a batch DataFrame: one pass with empty state and no timeouts.
            let rows = execute(input, ctx)?;
            crate::exec::flat_map_groups::run_once(spec, &rows, &input.schema.arrow_schema(), ctx)?
                .into_iter()
                .map(|b| make_batch(schema.clone(), b.columns().to_vec(), b.num_rows()))
                .collect::<Result<Vec<_>>>()?
        }
        PlanNode::Window { input, calls } => {
            crate::exec::window::window(&execute(input, ctx)?, &input.schema.arrow_schema(), calls, &schema, ctx)?
        }
        PlanNode::MapBatches { input, func } => {
            // One call per input batch; Python serialises the calls anyway, so they run in order.
            let mut out = Vec::new();
            for b in execute(input, ctx)? {
                for r in func.call(b, &schema)? {
                    out.push(make_batch(schema.clone(), r.columns().to_vec(), r.num_rows())?);
                }
            }
            out
        }
        PlanNode::TransformWithState { input, spec } => {
            // On a batch DataFrame: one pass with empty state; no timer fires.
            let rows = execute(input, ctx)?;
            crate::exec::flat_map_groups::transform_once(spec, &rows, &input.schema.arrow_schema(), ctx)?
                .into_iter()
                .map(|b| make_batch(schema.clone(), b.columns().to_vec(), b.num_rows()))
                .collect::<Result<Vec<_>>>()?
        }
        PlanNode::MergeSessions { input, keys, session } => {
            crate::exec::time_window::merge_sessions(&execute(input, ctx)?, keys, *session, &schema, ctx)?
        }
        PlanNode::Passthrough { input, kind: crate::plan::PassthroughKind::Observe(o) } => {
            let rows = execute(input, ctx)?;
            crate::exec::observe::record(o, &rows, ctx)?;
            rows.into_iter()
                .map(|b| make_batch(schema.clone(), b.columns().to_vec(), b.num_rows()))
                .collect::<Result<Vec<_>>>()?
        }
        PlanNode::Passthrough { input, .. } | PlanNode::EventTimeWatermark { input, .. } => execute(input, ctx)?
            .into_iter()
            .map(|b| make_batch(schema.clone(), b.columns().to_vec(), b.num_rows()))
            .collect::<Result<Vec<_>>>()?,
    };
    Ok(out)
}

/// Rows `offset .. offset+limit` of the concatenation of `batches`, without copying.
pub fn slice_rows(batches: &[RecordBatch], offset: usize, limit: usize) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let mut skip = offset;
    let mut left = limit;
    for b in batches {
        if left == 0 {
            break;
        }
        let n = b.num_rows();
        if skip >= n {
            skip -= n;
            continue;
        }
        let take = (n - skip).min(left);
        out.push(b.slice(skip, take));
        left -= take;
        skip = 0;
    }
    out
}
