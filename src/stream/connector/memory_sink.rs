//! `format("memory")`: the query's name becomes a temp view of everything written (append adds rows, complete
//! replaces them), as Spark's `MemorySink`.
use std::sync::Arc;

use arrow::array::RecordBatch;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::schema::PlanSchema;
use crate::plan::streaming::OutputMode;
use crate::plan::{builder, LogicalPlan};
use crate::session::Session;
use crate::stream::connector::{SinkArgs, SinkProvider};
use crate::stream::sink::Sink;

pub struct MemorySinkProvider;
pub static MEMORY: MemorySinkProvider = MemorySinkProvider;

impl SinkProvider for MemorySinkProvider {
    fn name(&self) -> &'static str {
        "memory"
    }
    fn create(&self, args: SinkArgs<'_>) -> Result<Box<dyn Sink>> {
        let name =
            args.query_name.ok_or_else(|| EmberError::analysis("queryName must be specified for memory sink"))?;
        // The table exists, empty, as soon as the query starts, as Spark's memory sink's does.
        let fields = args.schema.fields().clone();
        let empty = LogicalPlan::new(builder::values(fields.clone(), vec![]).node.clone(), PlanSchema::fresh(fields));
        args.session.register_view(name, empty, false, true)?;
        Ok(Box::new(MemorySink {
            session: args.session.clone(),
            name: name.to_string(),
            complete: args.mode == OutputMode::Complete,
            rows: vec![],
        }))
    }
}

struct MemorySink {
    session: Arc<Session>,
    name: String,
    complete: bool,
    rows: Vec<RecordBatch>,
}

impl Sink for MemorySink {
    fn add_batch(
        &mut self,
        _batch_id: i64,
        schema: &PlanSchema,
        batches: Vec<RecordBatch>,
        _ctx: &EvalContext,
    ) -> Result<()> {
        if self.complete {
            self.rows = batches;
        } else {
            self.rows.extend(batches);
        }
        let plan = builder::values(schema.fields.clone(), self.rows.clone());
        let plan = LogicalPlan::new(plan.node.clone(), PlanSchema::fresh(schema.fields.clone()));
        self.session.register_view(&self.name, plan, false, true)
    }
    fn description(&self) -> String {
        "MemorySink".into()
    }
}
