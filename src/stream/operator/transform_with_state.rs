//! `transformWithState` / `transformWithStateInPandas` (Spark's `TransformWithStateExec` and its Python
//! counterpart): a stateful processor per grouping key with value, list and map state variables, timers and TTL,
//! its state kept in `ProcessorStateStore` (one state store table per variable, plus the timers). Planning it runs
//! the processor's declaring pass (Spark's driver-side init while the first batch is planned); the initial state
//! is read in the first batch of a fresh query only; rows emitted older than the watermark in the output's
//! event-time column fail the query (Spark's UpdateEventTimeWatermarkColumn).
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::context::ExecContext;
use crate::error::{EmberError, ErrorKind, Result};
use crate::exec::flat_map_groups::{self, key_converter};
use crate::plan::stateful_processor_spec::{TimeMode, TransformWithStateSpec};
use crate::plan::{LogicalPlan, PlanNode};
use crate::stream::operator::{PlanContext, Planned, StatefulOperator, Watermarks};
use crate::stream::processor_state::{self, ProcessorStateStore};
use crate::stream::state::{PartitionChanges, TableSpec};
use crate::types::batch::make_batch;

pub fn plan(p: &Arc<LogicalPlan>, cx: PlanContext) -> Result<Option<Planned>> {
    let PlanNode::TransformWithState { input, spec } = &p.node else { return Ok(None) };
    let spec = &spec.declared()?;
    // "name: type", as the other operators record their keys (the state reader names the `key` struct's fields so).
    let keys: Vec<String> = spec
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let name = match k.kind {
                crate::expr::physical::PhysicalKind::Column(c) => input.schema.fields[c].name().clone(),
                _ => format!("k{i}"),
            };
            format!("{name}: {}", crate::types::simple_string(&k.data_type))
        })
        .collect();
    let variables: Vec<serde_json::Value> = spec
        .variables
        .iter()
        .map(|v| {
            let columns: Vec<String> = v
                .fields
                .fields()
                .iter()
                .map(|f| format!("{}: {}", f.name(), crate::types::simple_string(f.data_type())))
                .collect();
            serde_json::json!({"name": v.name, "kind": v.kind.name(), "columns": columns, "keyColumns": v.key_fields,
                "ttl": v.ttl_ms.is_some()})
        })
        .collect();
    // Spark's operator names (the state-metadata reader shows them), and the output mode state-metadata lists.
    let shape = serde_json::json!({
        "operator": if spec.pandas { "transformWithStateInPandasExec" } else { "transformWithStateInPySparkExec" },
        "keys": keys,
        "timeMode": spec.time_mode.name(),
        "outputMode": if spec.append { "Append" } else { "Update" },
        "variables": variables,
    });
    let operator = TransformWithState {
        store: ProcessorStateStore::new(spec, cx.partitions)?,
        tables: processor_state::tables(spec),
        spec: spec.clone(),
        fresh: true,
        input_schema: input.schema.arrow_schema(),
        schema: p.schema.arrow_schema(),
        shape,
    };
    Ok(Some(Planned { operator: Box::new(operator), inputs: vec![input.clone()] }))
}

struct TransformWithState {
    store: ProcessorStateStore,
    tables: Vec<TableSpec>,
    spec: TransformWithStateSpec,
    /// No state was restored and no batch ran yet: the initial state, if any, is due.
    fresh: bool,
    input_schema: SchemaRef,
    schema: SchemaRef,
    shape: serde_json::Value,
}

impl StatefulOperator for TransformWithState {
    fn shape(&self) -> serde_json::Value {
        self.shape.clone()
    }
    fn process(
        &mut self,
        mut inputs: Vec<Vec<RecordBatch>>,
        marks: Watermarks,
        ctx: &ExecContext,
    ) -> Result<Vec<RecordBatch>> {
        let rows = inputs.remove(0);
        let initial = match (&self.spec.initial_state, self.fresh) {
            (Some(init), true) => {
                Some(flat_map_groups::initial_state_groups(init, &key_converter(&self.spec.keys)?, ctx)?)
            }
            _ => None,
        };
        self.fresh = false;
        let out =
            self.store.process(&self.spec, &rows, &self.input_schema, marks.late_ms, marks.evict_ms, initial, ctx)?;
        let out = out
            .into_iter()
            .map(|b| make_batch(self.schema.clone(), b.columns().to_vec(), b.num_rows()))
            .collect::<Result<Vec<_>>>()?;
        if let Some(c) = self.spec.output_event_column {
            check_not_older_than_watermark(&out, c, marks.late_ms)?;
        }
        Ok(out)
    }
    /// Processing-time timers and TTL are checked every trigger; event-time timers when the watermark rose.
    fn wants_no_data_batch(&self, watermark_rose: bool) -> bool {
        match self.spec.time_mode {
            TimeMode::ProcessingTime => true,
            TimeMode::EventTime => watermark_rose,
            TimeMode::None => false,
        }
    }
    fn metrics(&self) -> &crate::stream::metrics::OperatorMetrics {
        &self.store.metrics
    }
    fn metrics_mut(&mut self) -> &mut crate::stream::metrics::OperatorMetrics {
        &mut self.store.metrics
    }
    fn state_tables(&self) -> Vec<TableSpec> {
        self.tables.clone()
    }
    fn changes(&mut self) -> Result<Vec<PartitionChanges>> {
        self.store.changes()
    }
    fn snapshot(&mut self) -> Result<Vec<RecordBatch>> {
        Ok(self.store.snapshot()?.into_iter().filter_map(|t| t.into_iter().next()).collect())
    }
    fn snapshot_tables(&mut self) -> Result<Vec<Vec<RecordBatch>>> {
        self.store.snapshot()
    }
    fn restore(&mut self, parts: &[RecordBatch]) -> Result<()> {
        self.restore_tables(&parts.iter().map(|b| vec![b.clone()]).collect::<Vec<_>>())
    }
    fn restore_tables(&mut self, parts: &[Vec<RecordBatch>]) -> Result<()> {
        self.fresh = false;
        self.store.restore(parts)
    }
}

/// Spark's check on the output's event-time column: no row older than the batch's watermark for late rows (a timer
/// firing at the eviction watermark may emit its own expiry time); the event time in microseconds and the
/// watermark in milliseconds, as Spark's message gives them.
fn check_not_older_than_watermark(out: &[RecordBatch], column: usize, watermark_ms: i64) -> Result<()> {
    let limit = watermark_ms.saturating_mul(1000);
    for b in out.iter().filter(|b| b.num_rows() > 0) {
        let field = b.schema_ref().field(column).clone();
        if !matches!(field.data_type(), arrow::datatypes::DataType::Timestamp(_, _)) {
            return Err(EmberError::with_condition(
                ErrorKind::Analysis,
                "EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE",
                [
                    ("eventName", crate::expr::resolve::quote_ident(field.name())),
                    ("eventType", format!("\"{}\"", crate::types::simple_string(field.data_type()).to_uppercase())),
                ],
            ));
        }
        let times = crate::stream::watermark::event_micros(b.column(column));
        if let Some(t) = times.iter().flatten().find(|&&t| t < limit) {
            return Err(EmberError::with_condition(
                ErrorKind::Execution,
                "EMITTING_ROWS_OLDER_THAN_WATERMARK_NOT_ALLOWED",
                [("emittedRowEventTime", t.to_string()), ("currentWatermark", watermark_ms.to_string())],
            ));
        }
    }
    Ok(())
}
