//! The queries the page lists: every active run and the most recent finished ones (Spark's
//! `spark.sql.streaming.ui.retainedQueries`, 100), across the process's sessions, newest last.
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::stream::progress::iso_now;
use crate::stream::query::QueryHandle;

/// Finished runs kept for the page.
const RETAINED_FINISHED: usize = 100;

/// A run as the page knows it: its handle and when it started.
#[derive(Clone)]
pub struct RetainedQuery {
    pub handle: Arc<QueryHandle>,
    pub start_timestamp: String,
    pub started_ms: i64,
}

static RETAINED: Mutex<VecDeque<RetainedQuery>> = Mutex::new(VecDeque::new());

/// Remember a run that has just started.
pub fn record(handle: Arc<QueryHandle>) {
    let mut runs = RETAINED.lock().unwrap();
    runs.push_back(RetainedQuery {
        handle,
        start_timestamp: iso_now(),
        started_ms: chrono::Utc::now().timestamp_millis(),
    });
    let finished = runs.iter().filter(|r| !r.handle.is_active()).count();
    let mut excess = finished.saturating_sub(RETAINED_FINISHED);
    runs.retain(|r| {
        if excess > 0 && !r.handle.is_active() {
            excess -= 1;
            return false;
        }
        true
    });
}

/// The retained runs, oldest first.
pub fn list() -> Vec<RetainedQuery> {
    RETAINED.lock().unwrap().iter().cloned().collect()
}

/// The retained run with this run id.
pub fn find(run_id: &str) -> Option<RetainedQuery> {
    RETAINED.lock().unwrap().iter().find(|r| r.handle.run_id == run_id).cloned()
}
