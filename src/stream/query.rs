//! A running streaming query: its engine thread (micro-batch loop: offsets → read → incremental plan → sink →
//! commit → progress) and the shared state that `StreamingQuery`'s methods read.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::context::ExecContext;
use crate::error::{EmberError, Result};
use crate::plan::streaming::Trigger;
use crate::session::Session;
use crate::stream::checkpoint::{Checkpoint, Recovery};
use crate::stream::checkpoint_lock::CheckpointLock;
use crate::stream::incremental::Incremental;
use crate::stream::manager::QueryManager;
use crate::stream::offset::Offset;
use crate::stream::progress::{
    iso_now, rate, to_json, DurationMs, EventTime, EventTimeRange, QueryEvent, QueryIdleEvent, QueryProgressEvent,
    QueryStartedEvent, QueryTerminatedEvent, SinkProgress, SourceProgress, StreamingQueryProgress,
    StreamingQueryStatus,
};
use crate::stream::sink::Sink;
use crate::stream::source::Source;
use crate::stream::state::StateStore;
use crate::types::uuid::random_uuid;

/// What the query reports through `status`, `lastProgress`, `awaitTermination`.
#[derive(Default)]
pub struct QueryState {
    pub active: bool,
    pub error: Option<EmberError>,
    pub message: String,
    pub data_available: bool,
    pub trigger_active: bool,
    /// Progress JSON documents, newest last (at most spark.sql.streaming.numRecentProgressUpdates, 100).
    pub progress: VecDeque<String>,
    /// Loop iterations started (each asks the sources for new data), and the iteration whose check last found
    /// nothing new: processAllAvailable waits for such a check that started after it was called.
    pub polls: u64,
    pub idle_poll: u64,
}

/// Shared between the query's handle and its thread.
pub struct Shared {
    pub stop: AtomicBool,
    /// Set by processAllAvailable: the engine stops waiting and looks for data at once.
    pub wake: AtomicBool,
    pub state: Mutex<QueryState>,
    pub changed: Condvar,
}

/// The handle `StreamingQuery` holds.
pub struct QueryHandle {
    pub id: String,
    pub run_id: String,
    pub name: Option<String>,
    pub shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
    pub explain: String,
}

/// Everything the engine thread owns.
pub struct QueryRun {
    pub session: Arc<Session>,
    pub incremental: Incremental,
    pub sources: Vec<(String, Box<dyn Source>)>,
    pub sink: Box<dyn Sink>,
    pub trigger: Trigger,
    /// The session's query manager: the query registers with it and posts its listener events to it.
    pub manager: Arc<QueryManager>,
    /// The checkpoint location, if the query has one (offsets, commits, state: restarts resume from it).
    pub checkpoint: Option<String>,
}

impl QueryHandle {
    /// Start the engine thread.
    pub fn start(name: Option<String>, mut run: QueryRun) -> Result<Arc<QueryHandle>> {
        run.manager.check_name_free(name.as_deref())?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            wake: AtomicBool::new(false),
            state: Mutex::new(QueryState {
                active: true,
                message: "Initializing sources".into(),
                ..Default::default()
            }),
            changed: Condvar::new(),
        });
        let explain = run.incremental.plan().tree_string();
        // A checkpoint keeps the query's id across restarts; each run gets a new runId.
        let (checkpoint, id) = match &run.checkpoint {
            Some(loc) => {
                let (c, id) = Checkpoint::open(loc, &random_uuid())?;
                (Some(c.with_fsync(checkpoint_fsync(&run.session)?)), id)
            }
            None => (None, random_uuid()),
        };
        crate::stream::manager::stop_active_runs(&id);
        run.sink.bind_query(&id);
        let handle = Arc::new(QueryHandle {
            id,
            run_id: random_uuid(),
            name,
            shared: shared.clone(),
            thread: Mutex::new(None),
            explain,
        });
        let (id, run_id, qname) = (handle.id.clone(), handle.run_id.clone(), handle.name.clone());
        let manager = run.manager.clone();
        // The monitoring page starts with the first query (lazily and off this thread, so neither session start
        // nor query start waits for it).
        crate::stream::ui::start_in_background(&run.session);
        manager.register(handle.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("stream-{}", id.chars().take(8).collect::<String>()))
            .stack_size(crate::expr::depth::THREAD_STACK_BYTES)
            .spawn(move || {
                let manager = run.manager.clone();
                let post = |event: QueryEvent| manager.post(qname.as_deref(), &event);
                post(QueryEvent::Started(QueryStartedEvent {
                    id: id.clone(),
                    run_id: run_id.clone(),
                    name: qname.clone(),
                    timestamp: iso_now(),
                }));
                // A panic on the engine thread (a bug, or input nothing checked) ends the query with an error like any
                // other failure; left to unwind, it would leave the query active for good with no exception.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_loop(run, checkpoint, &shared, &id, &run_id, qname.as_deref(), &post)
                }))
                .unwrap_or_else(|panic| Err(panic_error(panic.as_ref())));
                let error = result.err();
                post(QueryEvent::Terminated(QueryTerminatedEvent {
                    id: id.clone(),
                    run_id: run_id.clone(),
                    exception: error.as_ref().map(|e| e.message()),
                    error_class_on_exception: error.as_ref().and_then(|e| e.error_class()).map(str::to_string),
                }));
                end(&shared, error);
                manager.notify_terminated();
            });
        match spawned {
            Ok(thread) => {
                *handle.thread.lock().unwrap() = Some(thread);
                crate::stream::ui::retained::record(handle.clone());
            }
            Err(e) => {
                manager.unregister(&handle.run_id);
                return Err(EmberError::execution(format!("cannot start the query thread: {e}")));
            }
        }
        Ok(handle)
    }

    /// A registered query with no engine thread, for the manager's tests.
    #[cfg(test)]
    pub(crate) fn without_thread(id: &str) -> Arc<QueryHandle> {
        Arc::new(QueryHandle {
            id: id.to_string(),
            run_id: random_uuid(),
            name: None,
            shared: Arc::new(Shared {
                stop: AtomicBool::new(false),
                wake: AtomicBool::new(false),
                state: Mutex::new(QueryState { active: true, ..Default::default() }),
                changed: Condvar::new(),
            }),
            thread: Mutex::new(None),
            explain: String::new(),
        })
    }

    /// End a query made by `without_thread`, as its engine thread would.
    #[cfg(test)]
    pub(crate) fn end_for_test(&self, error: Option<EmberError>) {
        end(&self.shared, error)
    }

    pub fn is_active(&self) -> bool {
        self.shared.state.lock().unwrap().active
    }

    /// Stop and wait for the thread (a batch in flight finishes first).
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
        let mut thread = self.thread.lock().unwrap();
        // Called on the query's own thread (from foreachBatch or a listener): the loop ends once this call returns
        // to it; joining would wait for itself.
        if thread.as_ref().is_some_and(|t| t.thread().id() == std::thread::current().id()) {
            return;
        }
        if let Some(t) = thread.take() {
            drop(thread);
            let _ = t.join();
        }
    }

    /// Wait until the query ends (or `timeout` passes); Ok(true) when it ended, Err with its failure.
    pub fn await_termination(&self, timeout: Option<Duration>) -> Result<bool> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = self.shared.state.lock().unwrap();
        while st.active {
            match deadline {
                None => st = self.shared.changed.wait_timeout(st, Duration::from_millis(100)).unwrap().0,
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Ok(false);
                    }
                    st = self.shared.changed.wait_timeout(st, (d - now).min(Duration::from_millis(100))).unwrap().0;
                }
            }
        }
        match &st.error {
            Some(e) => Err(self.failure(e)),
            None => Ok(true),
        }
    }

    /// Block until everything available now has been processed and committed.
    pub fn process_all_available(&self) -> Result<()> {
        let mut st = self.shared.state.lock().unwrap();
        self.shared.wake.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
        let start = st.polls;
        while st.active && st.idle_poll <= start {
            st = self.shared.changed.wait_timeout(st, Duration::from_millis(50)).unwrap().0;
        }
        match &st.error {
            Some(e) => Err(self.failure(e)),
            None => Ok(()),
        }
    }

    pub fn exception(&self) -> Option<EmberError> {
        self.shared.state.lock().unwrap().error.as_ref().map(|e| self.failure(e))
    }

    /// Spark's StreamingQueryException (`STREAM_FAILED`: id and runId, then the cause's text), with the error that
    /// stopped the query as its cause.
    fn failure(&self, cause: &EmberError) -> EmberError {
        EmberError::stream_failed(&self.id, &self.run_id, cause)
    }

    pub fn status(&self) -> StreamingQueryStatus {
        let st = self.shared.state.lock().unwrap();
        StreamingQueryStatus {
            message: st.message.clone(),
            is_data_available: st.data_available,
            is_trigger_active: st.trigger_active,
        }
    }

    pub fn status_json(&self) -> String {
        to_json(&self.status())
    }

    pub fn recent_progress(&self) -> Vec<String> {
        self.shared.state.lock().unwrap().progress.iter().cloned().collect()
    }
}

/// `ember.streaming.checkpoint.fsync` (default false, as Spark on a local disk: renamed whole files survive a killed
/// process; true also survives a power loss, at the cost of fsyncs per batch).
fn checkpoint_fsync(session: &Session) -> Result<bool> {
    let conf = crate::stream::checkpoint::FSYNC_CONF;
    match session.conf_get(conf).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" => Ok(false),
        Some(v) => Err(EmberError::illegal_argument(format!("{conf} should be boolean, but was {v}"))),
    }
}

/// The failure a panic on the engine thread reports.
fn panic_error(panic: &(dyn std::any::Any + Send)) -> EmberError {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "an unknown error".into());
    EmberError::execution(format!("The query's engine thread failed unexpectedly: {what}"))
}

/// The query is no longer active (stopped, its once/availableNow run done, or failed with `error`).
fn end(shared: &Shared, error: Option<EmberError>) {
    let mut st = shared.state.lock().unwrap();
    st.active = false;
    st.trigger_active = false;
    st.data_available = false;
    st.message = "Stopped".into();
    st.error = error;
    shared.changed.notify_all();
}

/// Status is read, never waited for: no waiter is woken (each wake-up of a processAllAvailable caller is a context
/// switch within the trigger it waits for).
fn set_status(shared: &Shared, message: &str, data: bool, trigger: bool) {
    let mut st = shared.state.lock().unwrap();
    if st.message != message {
        st.message = message.into();
    }
    st.data_available = data;
    st.trigger_active = trigger;
}

/// Sleep up to `d`, waking early when asked to stop (and, if `wakeable`, when processAllAvailable asks).
fn pause_until(shared: &Shared, d: Duration, wakeable: bool) {
    let st = shared.state.lock().unwrap();
    let _ = shared.changed.wait_timeout_while(st, d, |_| {
        !shared.stop.load(Ordering::SeqCst) && !(wakeable && shared.wake.swap(false, Ordering::SeqCst))
    });
}

/// The idle wait between polls for new data.
fn pause(shared: &Shared, d: Duration) {
    pause_until(shared, d, true)
}

/// State restored from the checkpoint before the first batch: operator shapes checked, state, source logs.
/// Returns the state store of each stateful operator (plan order).
fn restore(run: &mut QueryRun, ckpt: &Checkpoint, rec: &Recovery) -> Result<Vec<StateStore>> {
    let shapes = run.incremental.stateful_shapes();
    let recorded = ckpt.recorded_operators();
    if rec.last_committed.is_some() && recorded != shapes.len() {
        return Err(EmberError::analysis(format!(
            "The streaming query has {} stateful operator(s) but its checkpoint at {} has state for {recorded}: an operator was added or removed. Start the changed query with a new checkpoint location.",
            shapes.len(),
            ckpt.root().display()
        )));
    }
    for (op, shape) in shapes.iter().enumerate() {
        match ckpt.read_shape(op)? {
            Some(old)
                if old.get("stores").is_none()
                    && shape.get("stores").is_some()
                    && old["operator"] == shape["operator"] =>
            {
                return Err(EmberError::analysis(format!(
                    "The stream-stream join state in the checkpoint at {} was written by an earlier ember, which kept both sides in one 'default' store; ember now keeps Spark's four stores ({}) per partition and cannot read it. Start the query with a new checkpoint location.",
                    ckpt.root().display(),
                    crate::stream::join_state::STORE_NAMES.join(", ")
                )));
            }
            Some(old) if &old != shape => {
                crate::stream::operator::flat_map_groups_with_state::refuse_earlier_layout(&old, op, ckpt.root())?;
                let what = ["operator", "keys", "values", "joinType"]
                    .iter()
                    .filter(|k| old.get(**k) != shape.get(**k))
                    .map(|k| format!("{k}: checkpoint {} vs query {}", old[*k], shape[*k]))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(EmberError::analysis(format!(
                    "The stateful operator {op} of the query differs from the one in the checkpoint at {} ({what}). Start the changed query with a new checkpoint location.",
                    ckpt.root().display()
                )));
            }
            Some(_) => {}
            None => ckpt.write_shape(op, shape)?,
        }
    }
    let min_deltas = run
        .session
        .conf_get("spark.sql.streaming.stateStore.minDeltasForSnapshot")
        .and_then(|v| v.parse().ok())
        .unwrap_or(crate::stream::state::store::DEFAULT_MIN_DELTAS);
    let stores = run
        .incremental
        .state_tables()
        .into_iter()
        .enumerate()
        .map(|(op, tables)| {
            Ok(StateStore::open(&ckpt.state_dir(op), tables, min_deltas, rec.last_committed)?.with_fsync(ckpt.fsync()))
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(v) = rec.last_committed {
        // Per operator and partition, its rows of each table.
        let states = stores.iter().map(|store| store.load(v)).collect::<Result<Vec<_>>>()?;
        run.incremental.restore(states.into_iter().enumerate().collect())?;
    }
    for (i, (_, s)) in run.sources.iter_mut().enumerate() {
        // Plans logged after the last offsets entry never ran: the source drops them, they are planned again.
        let upto = rec.replay.as_ref().map(|e| &e.offsets[i]).unwrap_or(&rec.committed[i]);
        let dir = ckpt.root().join("sources").join(i.to_string());
        s.restore_log(&ckpt.read_source_logs(i)?, upto.as_ref())
            .map_err(|e| e.map_message(|m| format!("{m} (checkpoint directory {})", dir.display())))?;
        if let Some(c) = &rec.committed[i] {
            s.commit(c);
        }
    }
    Ok(stores)
}

#[allow(clippy::too_many_arguments)]
fn run_loop(
    mut run: QueryRun,
    ckpt: Option<Checkpoint>,
    shared: &Shared,
    id: &str,
    run_id: &str,
    name: Option<&str>,
    post: &dyn Fn(QueryEvent),
) -> Result<()> {
    // Held until this run ends: a second run on the checkpoint (another process included) fails instead of
    // delivering the same batches again.
    let _lock = match &ckpt {
        Some(c) => {
            Some(CheckpointLock::acquire(c.root(), || c.recover(run.sources.len()).map(|r| r.next_batch).unwrap_or(0))?)
        }
        None => None,
    };
    let mut idle_reported = false;
    let policy = crate::stream::watermark::WatermarkPolicy::parse(
        &run.session.conf_get("spark.sql.streaming.multipleWatermarkPolicy").unwrap_or_else(|| "min".into()),
    )?;
    let mut watermark = crate::stream::watermark::WatermarkTracker::new(policy, run.incremental.watermark_steps());
    let mut rec = match &ckpt {
        Some(c) => c.recover(run.sources.len())?,
        None => Recovery { committed: vec![None; run.sources.len()], ..Default::default() },
    };
    // Offsets read back take each source's own form (and ember's earlier layout is converted).
    for (i, (_, s)) in run.sources.iter().enumerate() {
        let own = |o: &mut Option<Offset>| -> Result<()> {
            if let Some(x) = o.take() {
                *o = Some(s.deserialize_offset(x)?);
            }
            Ok(())
        };
        own(&mut rec.committed[i])?;
        if let Some(e) = rec.replay.as_mut() {
            own(&mut e.offsets[i])?;
        }
    }
    // Conf recorded by the checkpoint's first batch wins over the session's (state is partitioned by it).
    let fixed_partitions: Option<usize> =
        rec.conf.iter().find(|(k, _)| k == "spark.sql.shuffle.partitions").and_then(|(_, v)| v.parse().ok());
    run.incremental.prepare(fixed_partitions.unwrap_or_else(|| run.session.exec_context().shuffle_partitions))?;
    let mut stores = match &ckpt {
        Some(c) => restore(&mut run, c, &rec)?,
        None => Vec::new(),
    };
    if matches!(run.trigger, Trigger::RealTime(_)) {
        crate::stream::real_time::check_sources(run.incremental.plan())?;
    }
    let observations = crate::stream::observed_metrics::observations(run.incremental.plan());
    // As Spark, a batch without data runs only after a batch of this run (a restart waits for data first).
    let mut ran_this_run = false;
    let retain: i64 =
        run.session.conf_get("spark.sql.streaming.minBatchesToRetain").and_then(|v| v.parse().ok()).unwrap_or(100);
    let recent_progress: usize = run
        .session
        .conf_get("spark.sql.streaming.numRecentProgressUpdates")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    watermark.restore(rec.watermark_ms);
    let mut last_batch_watermark: i64 = rec.last_batch_watermark_ms;
    let mut replay = rec.replay.clone();
    let mut last_batch_had_data = false;
    let mut committed: Vec<Option<Offset>> = rec.committed.clone();
    let mut batch_id: i64 = rec.next_batch;
    let mut last_trigger: Option<Instant> = None;
    let mut next_tick = Instant::now();
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        if let Trigger::ProcessingTime(iv) = run.trigger {
            // Triggers fire on multiples of the interval since start; after an overrun the next fires at once.
            let now = Instant::now();
            if now < next_tick {
                set_status(shared, "Waiting for next trigger", false, false);
                pause_until(shared, next_tick - now, false);
                if shared.stop.load(Ordering::SeqCst) {
                    return Ok(());
                }
            }
            if !iv.is_zero() {
                while next_tick <= Instant::now() {
                    next_tick += iv;
                }
            }
        }
        let trigger_start = Instant::now();
        let this_poll = {
            let mut st = shared.state.lock().unwrap();
            st.polls += 1;
            st.polls
        };
        set_status(shared, "Processing new data", false, true);
        // A batch written ahead but not committed runs again with exactly its recorded range.
        let replayed = replay.take();
        let latest = match &replayed {
            Some(e) => e.offsets.clone(),
            None => run
                .sources
                .iter_mut()
                .zip(&committed)
                // A source with nothing new keeps its committed offset (it may have none yet).
                .map(|((_, s), c)| Ok(s.latest_offset()?.or_else(|| c.clone())))
                .collect::<Result<Vec<_>>>()?,
        };
        let latest_offset_time = trigger_start.elapsed();
        let has_data = latest.iter().zip(&committed).any(|(l, c)| l.is_some() && l != c);
        // A batch without new data still runs when the watermark rose and state can be emitted or evicted.
        // availableNow runs at most one such batch after its data (processing-time timeouts would never end it).
        let cleanup = !has_data
            && (replayed.is_some() || ran_this_run)
            && run.trigger != Trigger::Once
            && !(run.trigger == Trigger::AvailableNow && !last_batch_had_data)
            && (replayed.is_some()
                || run.incremental.wants_no_data_batch(watermark.current_ms(), last_batch_watermark));
        last_batch_had_data = has_data;
        if !has_data && !cleanup && replayed.is_none() && run.sources.iter().any(|(_, s)| s.has_pending()) {
            // Input is on its way (a file still being written): not idle, look again shortly.
            pause(shared, Duration::from_millis(20));
            continue;
        }
        if !has_data && !cleanup {
            if !idle_reported && batch_id > 0 {
                idle_reported = true;
                post(QueryEvent::Idle(QueryIdleEvent {
                    id: id.to_string(),
                    run_id: run_id.to_string(),
                    timestamp: iso_now(),
                }));
            }
            {
                let mut st = shared.state.lock().unwrap();
                st.idle_poll = this_poll;
                st.message = "Waiting for data to arrive".into();
                st.data_available = false;
                st.trigger_active = false;
                shared.changed.notify_all();
            }
            if matches!(run.trigger, Trigger::Once | Trigger::AvailableNow) {
                return Ok(());
            }
            if !matches!(run.trigger, Trigger::ProcessingTime(_)) {
                pause(shared, Duration::from_millis(10));
            }
            continue;
        }
        if cleanup {
            set_status(shared, "No new data but cleaning up state", false, true);
        } else {
            set_status(shared, "Processing new data", true, true);
        }
        let planning_start = Instant::now();
        let batch_watermark = watermark.current_ms();
        let mut ctx: ExecContext = run.session.exec_context();
        if let Some(n) = fixed_partitions {
            ctx.shuffle_partitions = n;
        }
        if let Some(e) = &replayed {
            // The replayed batch sees the same clock (current_timestamp, processing-time timeouts).
            ctx.eval.now_micros = e.timestamp_ms * 1000;
        }
        let planning_time = planning_start.elapsed();
        let wal_start = Instant::now();
        if let Some(c) = &ckpt {
            if replayed.is_none() {
                for (i, (_, s)) in run.sources.iter().enumerate() {
                    if let Some(end) = &latest[i] {
                        for (k, text) in s.plan_logs(committed[i].as_ref(), end)? {
                            c.write_source_log(i, k, &text)?;
                        }
                    }
                }
                let conf = vec![("spark.sql.shuffle.partitions".to_string(), ctx.shuffle_partitions.to_string())];
                let entry = crate::stream::checkpoint::OffsetEntry {
                    watermark_ms: batch_watermark,
                    timestamp_ms: ctx.eval.now_micros / 1000,
                    conf,
                    offsets: latest.clone(),
                };
                c.write_offsets(batch_id, &entry)?;
            }
        }
        let wal_time = wal_start.elapsed();
        let get_start = Instant::now();
        let mut inputs = Vec::with_capacity(run.sources.len());
        let mut per_source_rows = Vec::with_capacity(run.sources.len());
        for (i, (_, s)) in run.sources.iter_mut().enumerate() {
            let data = match &latest[i] {
                Some(end) if latest[i] != committed[i] => s.read(committed[i].as_ref(), end, &ctx.eval)?,
                _ => vec![],
            };
            per_source_rows.push(data.iter().map(|b| b.num_rows()).sum::<usize>());
            inputs.push(data);
        }
        let get_batch_time = get_start.elapsed();
        // Spark's addBatch: the batch runs into the sink, its stateful operators commit their state.
        let add_batch_start = Instant::now();
        let marks = crate::stream::operator::Watermarks { late_ms: last_batch_watermark, evict_ms: batch_watermark };
        let output = run.incremental.run_batch(&inputs, marks, &ctx)?;
        last_batch_watermark = batch_watermark;
        let event_stats = run.incremental.event_times();
        watermark.update(&event_stats);
        let out_rows: usize = output.iter().map(|b| b.num_rows()).sum();
        let schema = run.incremental.plan().schema.clone();
        run.sink.add_batch(batch_id, &schema, output, &ctx.eval)?;
        let mut snapshot_written = false;
        if ckpt.is_some() {
            // Each operator's changes, or every minDeltasForSnapshot versions its whole state.
            let changes = run.incremental.changes()?;
            let mut full: Vec<Option<Vec<Vec<arrow::array::RecordBatch>>>> =
                if stores.iter().any(|s| s.snapshot_due(batch_id)) {
                    run.incremental.snapshot()?.into_iter().map(Some).collect()
                } else {
                    vec![None; stores.len()]
                };
            for (op, (store, parts)) in stores.iter_mut().zip(changes).enumerate() {
                match full.get_mut(op).and_then(|f| f.take()).filter(|_| store.snapshot_due(batch_id)) {
                    Some(whole) => store.put_snapshot(whole),
                    None => store.update(parts),
                }
                let m = store.commit(batch_id)?;
                run.incremental.record_commit(op, m.commit_ms, m.bytes_written);
                snapshot_written |= m.snapshot;
            }
        }
        let add_batch_time = add_batch_start.elapsed();
        let commit_start = Instant::now();
        if let Some(c) = &ckpt {
            c.write_commit(batch_id, watermark.current_ms())?;
            c.prune(batch_id, retain)?;
            // Only a new snapshot can make older state files unneeded: listing the state directories every batch
            // would cost more than the commit itself for a small state.
            if snapshot_written {
                for store in &stores {
                    store.prune(batch_id - retain.max(1) + 1)?;
                }
            }
        }
        for ((_, s), end) in run.sources.iter_mut().zip(&latest) {
            if let Some(end) = end {
                s.commit(end);
            }
        }
        let commit_time = commit_start.elapsed();
        let starts = committed.clone();
        committed = latest.clone();
        let duration = trigger_start.elapsed();
        let input_rows: usize = per_source_rows.iter().sum();
        let since_last = last_trigger.map(|t| trigger_start.duration_since(t).as_secs_f64()).unwrap_or(0.0);
        last_trigger = Some(trigger_start);
        let processed_secs = duration.as_secs_f64().max(0.001);
        let sources = run
            .sources
            .iter()
            .enumerate()
            .map(|(i, (desc, s))| SourceProgress {
                description: desc.clone(),
                start_offset: starts[i].as_ref().map(|o| o.value().clone()),
                end_offset: latest[i].as_ref().map(|o| o.value().clone()),
                // Only sources that report a latest offset of their own (Kafka) have one; Spark leaves it null for the
                // file, rate, socket and memory sources.
                latest_offset: s.reported_latest().map(|o| o.value().clone()),
                metrics: s.metrics(),
                num_input_rows: per_source_rows[i],
                input_rows_per_second: rate(per_source_rows[i], since_last),
                processed_rows_per_second: rate(per_source_rows[i], processed_secs),
            })
            .collect();
        let event_time = watermark.has_watermark().then(|| {
            use crate::stream::watermark::format_ms;
            EventTime {
                stats: event_stats.iter().find(|(_, st)| st.count > 0).map(|(_, st)| EventTimeRange {
                    avg: format_ms(st.avg as i64),
                    max: format_ms(st.max),
                    min: format_ms(st.min),
                }),
                watermark: format_ms(batch_watermark),
            }
        });
        let ms = |d: Duration| d.as_millis() as u64;
        let observed_metrics = crate::stream::observed_metrics::collect(&observations, &ctx.eval)?;
        let progress = StreamingQueryProgress {
            id: id.to_string(),
            run_id: run_id.to_string(),
            name: name.map(str::to_string),
            timestamp: iso_now(),
            batch_id,
            batch_duration: ms(duration),
            num_input_rows: input_rows,
            input_rows_per_second: rate(input_rows, since_last),
            processed_rows_per_second: rate(input_rows, processed_secs),
            duration_ms: DurationMs {
                add_batch: ms(add_batch_time),
                commit_offsets: ms(commit_time),
                get_batch: ms(get_batch_time),
                latest_offset: ms(latest_offset_time),
                query_planning: ms(planning_time),
                trigger_execution: ms(duration),
                wal_commit: ms(wal_time),
            },
            event_time,
            state_operators: run.incremental.operator_metrics().iter().map(|m| m.progress()).collect(),
            sources,
            sink: SinkProgress { description: run.sink.description(), num_output_rows: out_rows },
            observed_metrics,
        };
        idle_reported = false;
        ran_this_run = true;
        let text = to_json(&progress);
        post(QueryEvent::Progress(Box::new(QueryProgressEvent { progress })));
        let progress = text;
        {
            let mut st = shared.state.lock().unwrap();
            st.progress.push_back(progress);
            while st.progress.len() > recent_progress {
                st.progress.pop_front();
            }
            st.trigger_active = false;
            if cleanup {
                // No new data was found: processAllAvailable may return (Spark's `noNewData`).
                st.idle_poll = this_poll;
                shared.changed.notify_all();
            }
        }
        batch_id += 1;
        if cleanup && matches!(run.trigger, Trigger::Default | Trigger::Continuous(_) | Trigger::RealTime(_)) {
            // Timeout-only batches under the default trigger would otherwise follow each other with no pause.
            pause(shared, Duration::from_millis(10));
        }
        if run.trigger == Trigger::Once {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::any::Any;

    use arrow::array::{ArrayRef, Int64Array};
    use arrow::datatypes::{DataType, Field, Fields, Schema};
    use arrow::record_batch::RecordBatch;

    use super::*;
    use crate::expr::schema::PlanSchema;
    use crate::plan::stream_relation::StreamRelation;
    use crate::plan::streaming::OutputMode;
    use crate::plan::{LogicalPlan, PlanNode};
    use crate::stream::connector::memory_source::{MemoryRelation, MemoryStream};
    use crate::stream::connector::noop::NoopSink;
    use crate::stream::manager::QueryListener;

    struct Recorder(Mutex<Vec<(String, String)>>);

    impl QueryListener for Recorder {
        fn on_event(&self, _: Option<&str>, event: &QueryEvent) {
            self.0.lock().unwrap().push((event.kind().to_string(), event.json()));
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[test]
    fn a_query_registers_posts_its_events_in_order_and_wakes_await_any_termination() {
        let fields = Fields::from(vec![Field::new("value", DataType::Int64, true)]);
        let stream = MemoryStream::new(fields.clone());
        let column: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3]));
        stream.add(RecordBatch::try_new(Arc::new(Schema::new(fields.clone())), vec![column]).unwrap());
        let relation: Arc<dyn StreamRelation> = Arc::new(MemoryRelation(stream));
        let source = crate::stream::connector::open(relation.as_ref(), Trigger::Once).unwrap();
        let plan = LogicalPlan::new(PlanNode::StreamScan { source: relation }, PlanSchema::fresh(fields));
        let manager = QueryManager::new();
        let recorder = Arc::new(Recorder(Mutex::new(vec![])));
        manager.add_listener(recorder.clone());
        let run = QueryRun {
            session: Arc::new(Session::new()),
            incremental: Incremental::new(plan, OutputMode::Append),
            sources: vec![("MemoryStream[0]".into(), source)],
            sink: Box::new(NoopSink),
            trigger: Trigger::Once,
            manager: manager.clone(),
            checkpoint: None,
        };
        let query = QueryHandle::start(Some("q".into()), run).unwrap();
        assert!(manager.await_any_termination(None).unwrap());
        assert!(manager.active().is_empty() && !query.is_active());
        let events = recorder.0.lock().unwrap().clone();
        let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["started", "progress", "terminated"]);
        assert!(events[0]
            .1
            .starts_with(&format!(r#"{{"id":"{}","runId":"{}","name":"q","timestamp":""#, query.id, query.run_id)));
        assert_eq!(events[1].1, query.recent_progress()[0]);
        let progress: serde_json::Value = serde_json::from_str(&events[1].1).unwrap();
        assert_eq!(progress["numInputRows"], 3);
        assert_eq!(progress["sources"][0]["startOffset"], serde_json::Value::Null);
        assert_eq!(progress["sources"][0]["endOffset"], 1);
        let phases: Vec<&String> = progress["durationMs"].as_object().unwrap().keys().collect();
        assert_eq!(
            phases,
            ["addBatch", "commitOffsets", "getBatch", "latestOffset", "queryPlanning", "triggerExecution", "walCommit"]
        );
        assert_eq!(
            events[2].1,
            format!(
                r#"{{"id":"{}","runId":"{}","exception":null,"errorClassOnException":null}}"#,
                query.id, query.run_id
            )
        );
    }

    struct PanickingSink;

    impl Sink for PanickingSink {
        fn add_batch(
            &mut self,
            _: i64,
            _: &PlanSchema,
            _: Vec<RecordBatch>,
            _: &crate::context::EvalContext,
        ) -> Result<()> {
            panic!("sink exploded")
        }
        fn description(&self) -> String {
            "PanickingSink".into()
        }
    }

    #[test]
    fn a_panic_on_the_engine_thread_ends_the_query_with_its_error() {
        let fields = Fields::from(vec![Field::new("value", DataType::Int64, true)]);
        let stream = MemoryStream::new(fields.clone());
        let column: ArrayRef = Arc::new(Int64Array::from(vec![1]));
        stream.add(RecordBatch::try_new(Arc::new(Schema::new(fields.clone())), vec![column]).unwrap());
        let relation: Arc<dyn StreamRelation> = Arc::new(MemoryRelation(stream));
        let source = crate::stream::connector::open(relation.as_ref(), Trigger::Default).unwrap();
        let plan = LogicalPlan::new(PlanNode::StreamScan { source: relation }, PlanSchema::fresh(fields));
        let manager = QueryManager::new();
        let run = QueryRun {
            session: Arc::new(Session::new()),
            incremental: Incremental::new(plan, OutputMode::Append),
            sources: vec![("MemoryStream[0]".into(), source)],
            sink: Box::new(PanickingSink),
            trigger: Trigger::Default,
            manager: manager.clone(),
            checkpoint: None,
        };
        let query = QueryHandle::start(None, run).unwrap();
        let err = query.await_termination(Some(Duration::from_secs(30))).unwrap_err();
        assert!(!query.is_active(), "the query must not stay active");
        assert!(err.message().starts_with("[STREAM_FAILED]"), "{}", err.message());
        assert!(err.message().contains("sink exploded"), "{}", err.message());
        assert!(query.exception().is_some());
        query.stop();
    }
}
