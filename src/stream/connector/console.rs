//! `format("console")`: Spark's batch header and `show(numRows, truncate)` table per micro-batch, printed through
//! the caller's printer (Python's `sys.stdout`, so notebooks see it) or the process's stdout.
use arrow::array::RecordBatch;
use arrow::compute::concat_batches;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::expr::schema::PlanSchema;
use crate::stream::connector::{SinkArgs, SinkProvider};
use crate::stream::sink::{Sink, TextCallback};

pub struct ConsoleProvider;
pub static CONSOLE: ConsoleProvider = ConsoleProvider;

impl SinkProvider for ConsoleProvider {
    fn name(&self) -> &'static str {
        "console"
    }
    fn create(&self, args: SinkArgs<'_>) -> Result<Box<dyn Sink>> {
        let opts = args.options;
        let num_rows = opts.get("numRows").map(|v| v.trim().parse::<usize>()).transpose().map_err(|_| {
            EmberError::illegal_argument(format!(
                "Invalid value '{}' for option 'numRows'",
                opts.get("numRows").unwrap_or_default()
            ))
        })?;
        let truncate = opts.get_bool("truncate", true)?;
        let print = args.functions.print.unwrap_or_else(|| {
            Box::new(|text| {
                println!("{text}");
                Ok(())
            })
        });
        Ok(Box::new(ConsoleSink { num_rows: num_rows.unwrap_or(20), truncate: if truncate { 20 } else { 0 }, print }))
    }
}

struct ConsoleSink {
    num_rows: usize,
    truncate: usize,
    print: TextCallback,
}

impl Sink for ConsoleSink {
    fn add_batch(
        &mut self,
        batch_id: i64,
        schema: &PlanSchema,
        batches: Vec<RecordBatch>,
        ctx: &EvalContext,
    ) -> Result<()> {
        let all = concat_batches(&schema.arrow_schema(), &batches)?;
        let shown = all.slice(0, all.num_rows().min(self.num_rows + 1));
        let table = crate::exec::show::show_string(&schema.names(), &shown, self.num_rows, self.truncate, false, ctx)?;
        let dashes = "-".repeat(43);
        (self.print)(format!("{dashes}\nBatch: {batch_id}\n{dashes}\n{table}"))
    }
    fn description(&self) -> String {
        "org.apache.spark.sql.execution.streaming.ConsoleTable$@ember".into()
    }
}
