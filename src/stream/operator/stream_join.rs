//! Stream-stream joins (Spark's StreamingSymmetricHashJoinExec): both inputs buffered in `JoinState` under their
//! join keys, in Spark's four state stores per partition. Each batch, the new left rows are matched against the right state and stored; then the new right rows
//! against the left state — which by then holds this batch's left rows, so a pair of two new rows is produced once.
//! Rows are late against the previous batch's watermark; state is evicted against this batch's, through the join
//! condition (`stream::join_condition`); an outer join emits its unmatched rows, null-padded, when they are evicted.
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{new_null_array, Array, ArrayRef, BooleanArray, RecordBatch, UInt32Array};
use arrow::compute::concat_batches;
use arrow::datatypes::{Schema, SchemaRef};

use crate::context::ExecContext;
use crate::error::{EmberError, Result};
use crate::expr::physical::PhysicalExpr;
use crate::plan::streaming::LEGACY_STREAMING_CLASS;
use crate::plan::{JoinType, LogicalPlan, PlanNode};
use crate::stream::join_condition::{event_column, Eviction, JoinCondition, Side};
use crate::stream::join_state::JoinState;
use crate::stream::metrics::OperatorMetrics;
use crate::stream::operator::{column_types, PlanContext, Planned, StatefulOperator, Watermarks};
use crate::stream::state::TableSpec;
use crate::types::batch::make_batch;

pub fn plan(p: &Arc<LogicalPlan>, cx: PlanContext) -> Result<Option<Planned>> {
    let PlanNode::Join { left, right, join_type, left_keys, right_keys, filter } = &p.node else { return Ok(None) };
    if !left.is_streaming() || !right.is_streaming() {
        return Ok(None);
    }
    // Spark's planner refuses these when the query runs (a StreamingQueryException, not an error at start()).
    if left_keys.is_empty() {
        return Err(EmberError::analysis_condition(
            LEGACY_STREAMING_CLASS,
            [("msg", format!("Stream-stream join without equality predicate is not supported.;\n{}", p.tree_string()))],
        ));
    }
    for input in [left, right] {
        let times: Vec<String> = (input.schema.attrs.iter().zip(input.schema.names()))
            .filter_map(|(a, name)| a.watermark_delay_ms.map(|d| format!("{name}#{}-T{d}ms", a.id)))
            .collect();
        if times.len() > 1 {
            return Err(EmberError::analysis_condition(
                "MULTIPLE_EVENT_TIME_COLUMNS",
                [("eventTimeCols", format!("({})", times.join(",")))],
            ));
        }
    }
    let cond = JoinCondition::analyze(&left.schema, &right.schema, left_keys, right_keys, filter.as_ref());
    let key_types: Vec<_> = left_keys.iter().map(|k| k.data_type.clone()).collect();
    let values: Vec<String> = column_types(&left.schema, 0..left.schema.len())
        .into_iter()
        .chain(column_types(&right.schema, 0..right.schema.len()))
        .collect();
    let shape = serde_json::json!({"operator": "symmetricHashJoin",
        "keys": key_types.iter().map(crate::types::simple_string).collect::<Vec<_>>(), "values": values,
        "joinType": format!("{join_type:?}"), "stores": crate::stream::join_state::STORE_NAMES});
    let side = |plan: &LogicalPlan,
                keys: &[PhysicalExpr],
                eviction: Eviction,
                only: Option<PhysicalExpr>,
                not_null: Vec<usize>| {
        Ok::<_, crate::error::EmberError>(SideInput {
            schema: plan.schema.arrow_schema(),
            keys: keys.to_vec(),
            late_column: event_column(&plan.schema),
            eviction,
            only,
            not_null,
        })
    };
    let operator = StreamJoin {
        join_type: *join_type,
        left: side(left, left_keys, cond.left_eviction.clone(), cond.left_only.clone(), cond.left_not_null.clone())?,
        right: side(
            right,
            right_keys,
            cond.right_eviction.clone(),
            cond.right_only.clone(),
            cond.right_not_null.clone(),
        )?,
        both: cond.both.clone(),
        state: JoinState::new(&key_types, &left.schema.arrow_schema(), &right.schema.arrow_schema(), cx.partitions)?,
        out_schema: p.schema.arrow_schema(),
        shape,
        metrics: OperatorMetrics {
            stores_per_partition: 4,
            ..OperatorMetrics::new("symmetricHashJoin", cx.partitions.max(1))
        },
    };
    Ok(Some(Planned { operator: Box::new(operator), inputs: vec![left.clone(), right.clone()] }))
}

/// What the operator knows of one input.
struct SideInput {
    schema: SchemaRef,
    keys: Vec<PhysicalExpr>,
    /// The watermarked column whose rows are late at or below the previous batch's watermark.
    late_column: Option<usize>,
    eviction: Eviction,
    /// The condition's conjuncts over this side alone: a row failing them never matches.
    only: Option<PhysicalExpr>,
    /// Columns the condition needs non-null (Spark's inferred `isnotnull` filters, with the join keys').
    not_null: Vec<usize>,
}

struct StreamJoin {
    join_type: JoinType,
    left: SideInput,
    right: SideInput,
    both: Option<PhysicalExpr>,
    state: JoinState,
    out_schema: SchemaRef,
    shape: serde_json::Value,
    metrics: OperatorMetrics,
}

/// Rows of `b` where `mask` holds.
fn filter(b: &RecordBatch, mask: &[bool]) -> Result<RecordBatch> {
    Ok(arrow::compute::filter_record_batch(b, &BooleanArray::from(mask.to_vec()))?)
}

impl StreamJoin {
    fn input(&self, side: Side) -> &SideInput {
        match side {
            Side::Left => &self.left,
            Side::Right => &self.right,
        }
    }

    /// Whether this side's rows are kept (and emitted null-padded) when unmatched.
    fn preserves(&self, side: Side) -> bool {
        matches!(
            (self.join_type, side),
            (JoinType::LeftOuter | JoinType::FullOuter, Side::Left)
                | (JoinType::RightOuter | JoinType::FullOuter, Side::Right)
        )
    }

    /// The eviction limit (µs) of a side's state under the watermark `wm_ms`, if the watermark evicts it.
    fn limit(&self, side: Side, wm_ms: i64) -> Option<i64> {
        match &self.input(side).eviction {
            Eviction::Never => None,
            Eviction::Key { .. } => Some(wm_ms.saturating_mul(1000)),
            e @ Eviction::Value { .. } => e.value_watermark(wm_ms).map(|w| w.saturating_mul(1000)),
        }
    }

    /// The time each row of `b` is evicted by.
    fn eviction_times(&self, side: Side, b: &RecordBatch, keys: &[ArrayRef]) -> Vec<Option<i64>> {
        let timed = |a: &ArrayRef| match a.data_type() {
            arrow::datatypes::DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, _) => true,
            arrow::datatypes::DataType::Struct(f) => {
                f.len() > 1
                    && matches!(
                        f[1].data_type(),
                        arrow::datatypes::DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, _)
                    )
            }
            _ => false,
        };
        let col = match &self.input(side).eviction {
            Eviction::Never => None,
            Eviction::Key { key } => keys.get(*key).cloned(),
            Eviction::Value { column, .. } => Some(b.column(*column).clone()),
        };
        match col {
            Some(c) if timed(&c) => crate::stream::watermark::event_micros(&c),
            _ => vec![None; b.num_rows()],
        }
    }

    /// Output rows pairing `left` with `right` columns (either may be all nulls).
    fn output(&self, left: Vec<ArrayRef>, right: Vec<ArrayRef>, n: usize) -> Result<RecordBatch> {
        let cols = left
            .into_iter()
            .chain(right)
            .zip(self.out_schema.fields())
            .map(
                |(c, f)| {
                    if c.data_type() == f.data_type() {
                        Ok(c)
                    } else {
                        Ok(arrow::compute::cast(&c, f.data_type())?)
                    }
                },
            )
            .collect::<Result<Vec<_>>>()?;
        make_batch(self.out_schema.clone(), cols, n)
    }

    fn nulls(schema: &Schema, n: usize) -> Vec<ArrayRef> {
        schema.fields().iter().map(|f| new_null_array(f.data_type(), n)).collect()
    }

    /// One side's new rows: matched against the other side's state, then stored. Returns the output rows.
    fn pass(&mut self, side: Side, rows: RecordBatch, wm: Watermarks, ctx: &ExecContext) -> Result<Vec<RecordBatch>> {
        let mut out = Vec::new();
        let n = rows.num_rows();
        if n == 0 {
            return Ok(out);
        }
        let input = self.input(side);
        let other_side = if side == Side::Left { Side::Right } else { Side::Left };
        // Rows failing this side's own conjuncts never match: emitted now when preserved, else dropped.
        let pass_mask: Vec<bool> = match &input.only {
            Some(f) => f.evaluate_mask(&rows, &ctx.eval)?.iter().map(|v| v == Some(true)).collect(),
            None => vec![true; n],
        };
        if pass_mask.iter().any(|p| !p) && self.preserves(side) {
            let failed = filter(&rows, &pass_mask.iter().map(|p| !p).collect::<Vec<_>>())?;
            out.push(self.null_padded(side, failed.columns().to_vec(), failed.num_rows())?);
        }
        let rows = filter(&rows, &pass_mask)?;
        let keys = input.keys.iter().map(|k| k.evaluate(&rows, &ctx.eval)).collect::<Result<Vec<_>>>()?;
        let n = rows.num_rows();
        // Rows with a null key left here are on sides Spark's inferred `isnotnull` filters do not reach (an outer
        // join's preserved side): Spark keys its state by the key's bytes, so a null key matches a null key (both
        // sides of a full outer join) and is buffered like any other.
        let times = self.eviction_times(side, &rows, &keys);
        let key_rows = self.state.key_rows(&keys)?;
        let partitions = crate::stream::state::partition::key_partitions(&keys, n, self.state.partitions());
        // Without equality keys every row shares the empty key (a nested loop join under the condition).
        let key_of = |i: usize| -> &[u8] {
            if keys.is_empty() {
                &[]
            } else {
                key_rows.row(i).data()
            }
        };
        let encoded = self.state.side(side).encode(&rows)?;

        // Candidate pairs (new row, stored row of the other side), in new-row order.
        let (mut this_idx, mut other_ids) = (Vec::new(), Vec::new());
        {
            let other = self.state.side(other_side);
            for i in 0..n {
                for &id in other.ids(key_of(i)) {
                    this_idx.push(i as u32);
                    other_ids.push(id);
                }
            }
        }
        let this_cols = |idx: &[u32]| -> Result<Vec<ArrayRef>> {
            let idx = UInt32Array::from(idx.to_vec());
            rows.columns().iter().map(|c| Ok(arrow::compute::take(c.as_ref(), &idx, None)?)).collect()
        };
        let other_cols = {
            let other = self.state.side(other_side);
            let bytes: Vec<&[u8]> = other_ids.iter().map(|&id| other.get(id).row.as_ref()).collect();
            other.columns(&bytes)?
        };
        let this = this_cols(&this_idx)?;
        let (lcols, rcols) = if side == Side::Left { (this, other_cols) } else { (other_cols, this) };
        let pairs = this_idx.len();
        let both_schema = Arc::new(Schema::new(
            self.left.schema.fields().iter().chain(self.right.schema.fields().iter()).cloned().collect::<Vec<_>>(),
        ));
        let pair_batch = make_batch(both_schema, lcols.iter().chain(rcols.iter()).cloned().collect(), pairs)?;
        let pass: Vec<bool> = match &self.both {
            Some(f) if pairs > 0 => f.evaluate_mask(&pair_batch, &ctx.eval)?.iter().map(|v| v == Some(true)).collect(),
            _ => vec![true; pairs],
        };
        // Walk the pairs in order: flags change as they go (a left semi join's right side emits a stored left row
        // once, by the first right row it matches, and then forgets it: PySpark 4.3 counts it removed there).
        let semi = self.join_type == JoinType::LeftSemi;
        let mut matched = vec![false; n];
        let mut emit = vec![false; pairs];
        let mut semi_left: Vec<u64> = Vec::new();
        let mut semi_seen = std::collections::HashSet::new();
        {
            let other = self.state.side(other_side);
            for p in 0..pairs {
                if !pass[p] {
                    continue;
                }
                let id = other_ids[p];
                if semi && side == Side::Right {
                    if !semi_seen.insert(id) {
                        continue;
                    }
                    semi_left.push(id);
                }
                matched[this_idx[p] as usize] = true;
                emit[p] = true;
                other.set_matched(id);
            }
        }
        if semi {
            if side == Side::Left {
                let hit = filter(&rows, &matched)?;
                out.push(make_batch(self.out_schema.clone(), hit.columns().to_vec(), hit.num_rows())?);
            } else if !semi_left.is_empty() {
                let left = &self.state.left;
                let bytes: Vec<&[u8]> = semi_left.iter().map(|&id| left.get(id).row.as_ref()).collect();
                let cols = left.columns(&bytes)?;
                out.push(make_batch(self.out_schema.clone(), cols, semi_left.len())?);
                self.metrics.rows_removed += self.state.left.remove_ids(&semi_left);
            }
        } else if pairs > 0 {
            let hit = filter(&pair_batch, &emit)?;
            let m = hit.num_rows();
            out.push(self.output(hit.columns().to_vec(), Vec::new(), m)?);
        }
        // Store the new rows: the left side always (its rows have yet to meet this batch's right rows), except a
        // left semi join's matched rows (which met them already: its right side goes first); the right side unless
        // the watermark evicts the row in this very batch and no null-padded row depends on it.
        let limit = self.limit(side, wm.evict_ms);
        let preserved = self.preserves(side);
        let state = self.state.side(side);
        let mut stored = 0;
        for i in 0..n {
            let store = match side {
                Side::Left => !(semi && matched[i]),
                Side::Right => {
                    let evicted_now = matches!((limit, times[i]), (Some(l), Some(t)) if t <= l);
                    !evicted_now || (preserved && !matched[i])
                }
            };
            if store {
                state.append(key_of(i), partitions[i], encoded.row(i).as_ref(), times[i], matched[i]);
                stored += 1;
            }
        }
        self.metrics.rows_updated += stored;
        Ok(out)
    }

    /// `cols` of `side` with the other side's columns null.
    fn null_padded(&self, side: Side, cols: Vec<ArrayRef>, n: usize) -> Result<RecordBatch> {
        match side {
            Side::Left => self.output(cols, Self::nulls(&self.right.schema, n), n),
            Side::Right => self.output(Self::nulls(&self.left.schema, n), cols, n),
        }
    }

    /// The rows Spark's optimizer lets reach the join: on a side the join type lets it filter (both sides of inner
    /// and left semi joins, the other side of an outer join), the `isnotnull` filters it infers from the condition
    /// and the equality keys take out rows with a null there, before the join sees (or counts) them.
    fn inferred_not_null(&self, side: Side, all: RecordBatch, ctx: &ExecContext) -> Result<RecordBatch> {
        let filtered = match self.join_type {
            JoinType::Inner | JoinType::LeftSemi => true,
            JoinType::FullOuter => false,
            _ => !self.preserves(side),
        };
        if !filtered || all.num_rows() == 0 {
            return Ok(all);
        }
        let input = self.input(side);
        let mut cols: Vec<ArrayRef> = input.not_null.iter().map(|&c| all.column(c).clone()).collect();
        for k in &input.keys {
            cols.push(k.evaluate(&all, &ctx.eval)?);
        }
        if cols.iter().all(|c| c.null_count() == 0) {
            return Ok(all);
        }
        let keep: Vec<bool> = (0..all.num_rows()).map(|i| cols.iter().all(|c| c.is_valid(i))).collect();
        filter(&all, &keep)
    }

    /// Rows of `batches` not late against `late_ms` on this side's watermarked column; counts the dropped ones.
    fn drop_late(
        &mut self,
        side: Side,
        batches: Vec<RecordBatch>,
        late_ms: i64,
        ctx: &ExecContext,
    ) -> Result<RecordBatch> {
        let input = self.input(side);
        let all = concat_batches(&input.schema, &batches)?;
        let all = self.inferred_not_null(side, all, ctx)?;
        let input = self.input(side);
        let Some(c) = input.late_column else { return Ok(all) };
        let limit = late_ms.saturating_mul(1000);
        let keep: Vec<bool> = crate::stream::watermark::event_micros(all.column(c))
            .iter()
            .map(|t| !t.is_some_and(|t| t <= limit))
            .collect();
        let dropped = keep.iter().filter(|k| !**k).count();
        self.metrics.rows_dropped_by_watermark += dropped;
        if dropped == 0 {
            return Ok(all);
        }
        filter(&all, &keep)
    }

    /// Evict what the watermark passed; outer joins emit their evicted unmatched rows. Every evicted row counts in
    /// `numRowsRemoved`, both sides' (what PySpark 4.3 reports, outer joins' preserved sides included).
    fn evict(&mut self, wm_ms: i64) -> Result<Vec<RecordBatch>> {
        let mut out = Vec::new();
        for side in [Side::Left, Side::Right] {
            let Some(limit) = self.limit(side, wm_ms) else { continue };
            let preserved = self.preserves(side);
            let removed = self.state.side(side).remove_through(limit);
            self.metrics.rows_removed += removed.len();
            if preserved {
                let unmatched: Vec<&[u8]> = removed.iter().filter(|s| !s.matched).map(|s| s.row.as_ref()).collect();
                if !unmatched.is_empty() {
                    let cols = self.state.side(side).columns(&unmatched)?;
                    out.push(self.null_padded(side, cols, unmatched.len())?);
                }
            }
        }
        Ok(out)
    }
}

impl StatefulOperator for StreamJoin {
    fn shape(&self) -> serde_json::Value {
        self.shape.clone()
    }

    fn process(
        &mut self,
        mut inputs: Vec<Vec<RecordBatch>>,
        marks: Watermarks,
        ctx: &ExecContext,
    ) -> Result<Vec<RecordBatch>> {
        let started = Instant::now();
        self.state.begin_batch();
        self.metrics.rows_updated = 0;
        self.metrics.rows_dropped_by_watermark = 0;
        self.metrics.rows_removed = 0;
        let right_rows = inputs.pop().unwrap_or_default();
        let left_rows = inputs.pop().unwrap_or_default();
        let left = self.drop_late(Side::Left, left_rows, marks.late_ms, ctx)?;
        let right = self.drop_late(Side::Right, right_rows, marks.late_ms, ctx)?;
        // A left semi join takes the right rows first, so a new left row that finds its match among them is
        // emitted at once and never buffered (Spark 4's order); other joins take the left rows first.
        let mut out = Vec::new();
        if self.join_type == JoinType::LeftSemi {
            out.extend(self.pass(Side::Right, right, marks, ctx)?);
            out.extend(self.pass(Side::Left, left, marks, ctx)?);
        } else {
            out.extend(self.pass(Side::Left, left, marks, ctx)?);
            out.extend(self.pass(Side::Right, right, marks, ctx)?);
        }
        let updates_ms = started.elapsed().as_millis() as u64;
        let removal = Instant::now();
        out.extend(self.evict(marks.evict_ms)?);
        let m = &mut self.metrics;
        m.rows_total = self.state.left.state_rows() + self.state.right.state_rows();
        m.memory_bytes = self.state.left.memory_bytes() + self.state.right.memory_bytes();
        m.updates_ms = updates_ms;
        m.removals_ms = removal.elapsed().as_millis() as u64;
        Ok(out.into_iter().filter(|b| b.num_rows() > 0).collect())
    }

    /// As Spark: a batch for a risen watermark only when the watermark evicts either side's state.
    fn wants_no_data_batch(&self, watermark_rose: bool) -> bool {
        watermark_rose && (self.left.eviction != Eviction::Never || self.right.eviction != Eviction::Never)
    }

    /// Rows a side keeps until its state watermark can be older than the query's watermark: the join's output
    /// watermark is the lowest of them (Spark's produceOutputWatermark).
    fn output_watermark(&self, input_ms: i64) -> i64 {
        [&self.left.eviction, &self.right.eviction]
            .iter()
            .filter_map(|e| e.value_watermark(input_ms))
            .fold(input_ms, i64::min)
    }

    fn metrics(&self) -> &OperatorMetrics {
        &self.metrics
    }
    fn metrics_mut(&mut self) -> &mut OperatorMetrics {
        &mut self.metrics
    }
    fn state_tables(&self) -> Vec<TableSpec> {
        self.state.tables()
    }
    fn changes(&mut self) -> Result<Vec<crate::stream::state::PartitionChanges>> {
        self.state.changes()
    }
    /// The join keeps four tables per partition: `snapshot_tables`/`restore_tables` are its state.
    fn snapshot(&mut self) -> Result<Vec<RecordBatch>> {
        Err(EmberError::execution("a stream-stream join's state is four stores per partition (snapshot_tables)"))
    }
    fn restore(&mut self, parts: &[RecordBatch]) -> Result<()> {
        self.restore_tables(&parts.iter().map(|b| vec![b.clone()]).collect::<Vec<_>>())
    }
    fn snapshot_tables(&mut self) -> Result<Vec<Vec<RecordBatch>>> {
        self.state.snapshot()
    }
    fn restore_tables(&mut self, parts: &[Vec<RecordBatch>]) -> Result<()> {
        let mut state = std::mem::replace(&mut self.state, JoinState::new(&[], &Schema::empty(), &Schema::empty(), 1)?);
        let restored = state.restore(parts, |side, values, keys| self.eviction_times(side, values, keys));
        self.state = state;
        restored
    }
}
