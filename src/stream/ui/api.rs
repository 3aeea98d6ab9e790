//! The JSON the page polls: `/api/queries` (one summary per retained run) and `/api/queries/<runId>` (its summary
//! and recent progress documents, as `recentProgress` returns them).
use serde_json::{json, Value};

use crate::stream::ui::retained::{self, RetainedQuery};

/// One run's row of the page's table.
pub fn summary(run: &RetainedQuery, progress: &[String]) -> Value {
    let q = &run.handle;
    let status = q.status();
    let error = q.exception();
    let state = match (q.is_active(), &error) {
        (true, _) => "RUNNING",
        (false, Some(_)) => "FAILED",
        (false, None) => "FINISHED",
    };
    let parsed: Vec<Value> = progress.iter().filter_map(|p| serde_json::from_str(p).ok()).collect();
    let mean = |key: &str| -> Value {
        let values: Vec<f64> = parsed.iter().filter_map(|p| p[key].as_f64()).collect();
        if values.is_empty() {
            Value::Null
        } else {
            json!(values.iter().sum::<f64>() / values.len() as f64)
        }
    };
    let last = parsed.last();
    json!({
        "id": q.id,
        "runId": q.run_id,
        "name": q.name,
        "status": state,
        "message": status.message,
        "isDataAvailable": status.is_data_available,
        "isTriggerActive": status.is_trigger_active,
        "startTimestamp": run.start_timestamp,
        "durationMs": chrono::Utc::now().timestamp_millis() - run.started_ms,
        "batches": parsed.len(),
        "latestBatch": last.map(|p| p["batchId"].clone()).unwrap_or(Value::Null),
        "avgInputRowsPerSecond": mean("inputRowsPerSecond"),
        "avgProcessedRowsPerSecond": mean("processedRowsPerSecond"),
        "lastInputRowsPerSecond": last.map(|p| p["inputRowsPerSecond"].clone()).unwrap_or(Value::Null),
        "lastProcessedRowsPerSecond": last.map(|p| p["processedRowsPerSecond"].clone()).unwrap_or(Value::Null),
        "exception": error.map(|e| e.to_string()),
    })
}

/// `/api/queries`: every retained run, newest first.
pub fn queries_json() -> String {
    let rows: Vec<Value> =
        retained::list().iter().rev().map(|run| summary(run, &run.handle.recent_progress())).collect();
    json!({ "queries": rows }).to_string()
}

/// `/api/queries/<runId>`: None for a run the page does not know.
pub fn query_json(run_id: &str) -> Option<String> {
    let run = retained::find(run_id)?;
    let progress = run.handle.recent_progress();
    // The progress documents are already JSON: spliced in as they are, not parsed and printed again.
    Some(format!("{{\"query\":{},\"recentProgress\":[{}]}}", summary(&run, &progress), progress.join(",")))
}
