//! Streaming deduplication (Spark's `StreamingDeduplicateExec` and `…WithinWatermarkExec`): keys seen kept in
//! `DedupState`, forgotten once the watermark passes their event time.
use std::sync::Arc;

use arrow::array::RecordBatch;

use crate::context::ExecContext;
use crate::error::Result;
use crate::plan::{LogicalPlan, PlanNode};
use crate::stream::dedup_state::DedupState;
use crate::stream::operator::{column_types, PlanContext, Planned, StatefulOperator, Watermarks};
use crate::stream::state::TableSpec;

pub fn plan(p: &Arc<LogicalPlan>, cx: PlanContext) -> Result<Option<Planned>> {
    let PlanNode::Deduplicate { input, keys, within_watermark } = &p.node else { return Ok(None) };
    let event = input.schema.attrs.iter().enumerate().find_map(|(i, a)| a.watermark_delay_ms.map(|d| (i, d)));
    let key_types: Vec<String> = keys.iter().flat_map(|&k| column_types(&input.schema, k..k + 1)).collect();
    let name = if *within_watermark { "dedupeWithinWatermark" } else { "dedupe" };
    let shape = serde_json::json!({"operator": name, "keys": key_types, "values": []});
    let state = DedupState::new(keys, &input.data_types(), event, *within_watermark, cx.partitions)?;
    Ok(Some(Planned { operator: Box::new(Deduplication { state, shape }), inputs: vec![input.clone()] }))
}

struct Deduplication {
    state: DedupState,
    shape: serde_json::Value,
}

impl StatefulOperator for Deduplication {
    fn shape(&self) -> serde_json::Value {
        self.shape.clone()
    }
    fn process(
        &mut self,
        mut inputs: Vec<Vec<RecordBatch>>,
        marks: Watermarks,
        _: &ExecContext,
    ) -> Result<Vec<RecordBatch>> {
        let rows = inputs.remove(0);
        self.state.process(&rows, marks)
    }
    /// As Spark, deduplication runs a batch for a new watermark even with nothing to forget.
    fn wants_no_data_batch(&self, watermark_rose: bool) -> bool {
        watermark_rose
    }
    fn state_tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::new("default", 1)]
    }
    state_methods!(state);
}
