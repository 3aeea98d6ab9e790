//! The streaming queries of a session (`spark.streams`): the queries started through it, the listener bus their
//! engine threads post events to, and `awaitAnyTermination`, woken when a query ends.
use std::any::Any;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::stream::progress::QueryEvent;
use crate::stream::query::QueryHandle;

/// Receives every query's events, on the query's engine thread, in the order the query posts them.
pub trait QueryListener: Send + Sync {
    /// `query_name` is the query's name (Spark's terminated event does not carry it; logs name the query by it).
    fn on_event(&self, query_name: Option<&str>, event: &QueryEvent);
    /// For the bindings to find the listener they registered (removeListener).
    fn as_any(&self) -> &dyn Any;
}

/// Every run started in this process, in any session: a run on a checkpoint another active run uses (the same
/// query id) stops that older run first, as Spark does (`spark.sql.streaming.stopActiveRunOnRestart`), so two runs
/// never deliver the same batches.
static RUNS: Mutex<Vec<Weak<QueryHandle>>> = Mutex::new(Vec::new());

/// Stop the active runs of query `id` in this process (waiting for each to end).
pub(crate) fn stop_active_runs(id: &str) {
    let older: Vec<Arc<QueryHandle>> = {
        let mut runs = RUNS.lock().unwrap();
        runs.retain(|r| r.strong_count() > 0);
        runs.iter().filter_map(Weak::upgrade).filter(|q| q.id == id && q.is_active()).collect()
    };
    for q in older {
        q.stop();
    }
}

/// A session's query manager: shared by the session's bindings and the engine threads of its queries.
#[derive(Default)]
pub struct QueryManager {
    /// Queries started and not yet forgotten by `reset_terminated`, in start order.
    queries: Mutex<Vec<Arc<QueryHandle>>>,
    /// Notified (under `queries`) when a query ends.
    terminated: Condvar,
    listeners: Mutex<Vec<Arc<dyn QueryListener>>>,
}

impl QueryManager {
    pub fn new() -> Arc<QueryManager> {
        Arc::new(QueryManager::default())
    }

    pub(crate) fn register(&self, query: Arc<QueryHandle>) {
        RUNS.lock().unwrap().push(Arc::downgrade(&query));
        self.queries.lock().unwrap().push(query);
    }

    /// Spark's rule before a query starts: no other active query of this session has its name.
    pub(crate) fn check_name_free(&self, name: Option<&str>) -> Result<()> {
        match name {
            Some(n) if self.active().iter().any(|q| q.name.as_deref() == Some(n)) => {
                Err(crate::error::EmberError::illegal_argument(format!(
                    "Cannot start query with name {n} as a query with that name is already active in this SparkSession"
                )))
            }
            _ => Ok(()),
        }
    }

    /// Forget a query that never ran (its thread could not start).
    pub(crate) fn unregister(&self, run_id: &str) {
        self.queries.lock().unwrap().retain(|q| q.run_id != run_id);
    }

    /// Called by a query's thread once the query is no longer active.
    pub(crate) fn notify_terminated(&self) {
        let _queries = self.queries.lock().unwrap();
        self.terminated.notify_all();
    }

    /// The active queries, in start order.
    pub fn active(&self) -> Vec<Arc<QueryHandle>> {
        self.queries.lock().unwrap().iter().filter(|q| q.is_active()).cloned().collect()
    }

    /// The active query with this id.
    pub fn get(&self, id: &str) -> Option<Arc<QueryHandle>> {
        self.queries.lock().unwrap().iter().find(|q| q.id == id && q.is_active()).cloned()
    }

    /// Wait until a query has ended since the last `reset_terminated` (or `timeout` passes): Ok(true) when one
    /// has, Err with the failure of the first ended query that failed.
    pub fn await_any_termination(&self, timeout: Option<Duration>) -> Result<bool> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut queries = self.queries.lock().unwrap();
        loop {
            let ended: Vec<&Arc<QueryHandle>> = queries.iter().filter(|q| !q.is_active()).collect();
            if !ended.is_empty() {
                return match ended.iter().find_map(|q| q.exception()) {
                    Some(failure) => Err(failure),
                    None => Ok(true),
                };
            }
            queries = match deadline {
                None => self.terminated.wait(queries).unwrap(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Ok(false);
                    }
                    self.terminated.wait_timeout(queries, d - now).unwrap().0
                }
            };
        }
    }

    /// Forget the queries that have ended, so `await_any_termination` waits for the next one.
    pub fn reset_terminated(&self) {
        self.queries.lock().unwrap().retain(|q| q.is_active());
    }

    pub fn add_listener(&self, listener: Arc<dyn QueryListener>) {
        self.listeners.lock().unwrap().push(listener);
    }

    pub fn remove_listener(&self, listener: &Arc<dyn QueryListener>) {
        self.listeners.lock().unwrap().retain(|l| !Arc::ptr_eq(l, listener));
    }

    /// The registered listeners, in registration order.
    pub fn listeners(&self) -> Vec<Arc<dyn QueryListener>> {
        self.listeners.lock().unwrap().clone()
    }

    /// Deliver an event to every listener; one that panics does not stop the others or the query (as in Spark).
    pub(crate) fn post(&self, query_name: Option<&str>, event: &QueryEvent) {
        // No lock is held while listeners run: they may call back into the manager.
        for listener in self.listeners() {
            let delivered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                listener.on_event(query_name, event);
            }));
            if delivered.is_err() {
                eprintln!("a streaming query listener failed on its {} event", event.kind());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::progress::{QueryIdleEvent, QueryTerminatedEvent};

    struct Recorder(Mutex<Vec<String>>);

    impl QueryListener for Recorder {
        fn on_event(&self, name: Option<&str>, event: &QueryEvent) {
            self.0.lock().unwrap().push(format!("{:?} {}", name, event.kind()));
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    struct Panicking;

    impl QueryListener for Panicking {
        fn on_event(&self, _: Option<&str>, _: &QueryEvent) {
            panic!("listener bug");
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    fn idle() -> QueryEvent {
        QueryEvent::Idle(QueryIdleEvent { id: "i".into(), run_id: "r".into(), timestamp: "t".into() })
    }

    #[test]
    fn await_any_termination_wakes_when_a_query_ends() {
        let manager = QueryManager::new();
        let (a, b) = (QueryHandle::without_thread("a"), QueryHandle::without_thread("b"));
        manager.register(a.clone());
        manager.register(b.clone());
        assert!(!manager.await_any_termination(Some(Duration::ZERO)).unwrap());
        let ender = {
            let manager = manager.clone();
            std::thread::spawn(move || {
                // Only a notification can end the wait below: it has no timeout and no polling.
                b.end_for_test(None);
                manager.notify_terminated();
            })
        };
        assert!(manager.await_any_termination(None).unwrap());
        ender.join().unwrap();
        assert_eq!(manager.active().iter().map(|q| q.id.as_str()).collect::<Vec<_>>(), ["a"]);
        assert!(manager.get("b").is_none() && manager.get("a").is_some());
        manager.reset_terminated();
        assert!(!manager.await_any_termination(Some(Duration::ZERO)).unwrap());
        a.end_for_test(Some(crate::error::EmberError::execution("boom")));
        manager.notify_terminated();
        let err = manager.await_any_termination(None).unwrap_err();
        assert!(
            err.kind() == crate::error::ErrorKind::StreamingQuery
                && err.message().starts_with("[STREAM_FAILED]")
                && err.message().ends_with("boom SQLSTATE: XXKST"),
            "{err:?}"
        );
        assert!(manager.active().is_empty());
    }

    #[test]
    fn listeners_get_events_in_order_and_a_failing_one_does_not_stop_the_others() {
        let manager = QueryManager::new();
        let recorder = Arc::new(Recorder(Mutex::new(vec![])));
        let as_listener: Arc<dyn QueryListener> = recorder.clone();
        manager.add_listener(Arc::new(Panicking));
        manager.add_listener(as_listener.clone());
        manager.post(Some("q"), &idle());
        let ended = QueryTerminatedEvent {
            id: "i".into(),
            run_id: "r".into(),
            exception: None,
            error_class_on_exception: None,
        };
        manager.post(None, &QueryEvent::Terminated(ended));
        assert_eq!(*recorder.0.lock().unwrap(), ["Some(\"q\") idle", "None terminated"]);
        let found = manager.listeners().into_iter().find(|l| l.as_any().is::<Recorder>()).unwrap();
        manager.remove_listener(&found);
        manager.post(None, &idle());
        assert_eq!(recorder.0.lock().unwrap().len(), 2);
        assert_eq!(manager.listeners().len(), 1);
    }
}
