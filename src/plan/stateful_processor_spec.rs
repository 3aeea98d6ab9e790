//! How `transformWithState` / `transformWithStateInPandas` is declared in a plan (Spark's TransformWithState node):
//! the key expressions, the time mode, the initial state and the output's event-time column, and the contract of
//! the processor (`ProcessorFunction`: a declaring pass that yields the state variables — each one a named table
//! of the operator's state store — and one call per batch of keys, implemented in Python by
//! `python::stateful_processor`). The declaring pass runs when a query is planned or a batch DataFrame runs, not
//! when the DataFrame is built (`TransformWithStateSpec::declared`). Running it is `stream::processor_state`.
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, SchemaRef};

use crate::error::{EmberError, ErrorKind, Result};
use crate::expr::PhysicalExpr;
use crate::plan::LogicalPlan;

/// `TimeMode`: which clock the processor's timers follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeMode {
    None,
    ProcessingTime,
    EventTime,
}

impl TimeMode {
    pub fn parse(s: &str) -> Result<TimeMode> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(TimeMode::None),
            "processingtime" => Ok(TimeMode::ProcessingTime),
            "eventtime" => Ok(TimeMode::EventTime),
            _ => Err(EmberError::with_condition(
                ErrorKind::IllegalArgument,
                "STATEFUL_PROCESSOR_UNKNOWN_TIME_MODE",
                [("timeMode", s.to_string())],
            )),
        }
    }
    /// Spark's name in the plan string.
    pub fn name(&self) -> &'static str {
        match self {
            TimeMode::None => "NoTime",
            TimeMode::ProcessingTime => "ProcessingTime",
            TimeMode::EventTime => "EventTime",
        }
    }
}

/// The kind of a state variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    Value,
    List,
    Map,
}

impl StateKind {
    pub fn parse(s: &str) -> Result<StateKind> {
        match s {
            "value" => Ok(StateKind::Value),
            "list" => Ok(StateKind::List),
            "map" => Ok(StateKind::Map),
            _ => Err(EmberError::illegal_argument(format!("unknown state variable kind {s}"))),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            StateKind::Value => "value",
            StateKind::List => "list",
            StateKind::Map => "map",
        }
    }
}

/// One state variable: its rows per grouping key are structs of `_expires` (the TTL's expiry in ms, -1 for none)
/// then `fields` (a map's user key columns, then its value columns).
#[derive(Clone, Debug)]
pub struct StateVariable {
    pub name: String,
    pub kind: StateKind,
    pub fields: SchemaRef,
    /// A map's user key columns (the first of `fields`); 0 for the other kinds.
    pub key_fields: usize,
    pub ttl_ms: Option<i64>,
}

/// One batch of calls. `keys` holds the distinct grouping keys: first the `offsets.len() - 1` keys that have rows
/// (`data`, key i at `offsets[i]..offsets[i+1]`), then keys that only have timers due.
pub struct ProcessorCalls {
    pub keys: RecordBatch,
    pub data: RecordBatch,
    pub offsets: Vec<usize>,
    /// Per state variable, then the timers: a list array with one entry per key (structs for variables, int64
    /// expiry times for timers).
    pub states: Vec<ArrayRef>,
    pub batch_timestamp_ms: i64,
    /// The watermark for eviction, or -1 when the query has none.
    pub watermark_ms: i64,
    /// Timers at or below this fire in this batch (`None`: the time mode has no timers).
    pub timer_threshold_ms: Option<i64>,
    /// The initial state's rows for the keys with rows (`handleInitialState`), in the first batch of a fresh
    /// query only; such a key may have no input rows (an empty `offsets` range).
    pub initial: Option<InitialRows>,
}

/// The initial state's rows of a batch's keys: key i's rows are `offsets[i]..offsets[i+1]` of `data`.
pub struct InitialRows {
    pub data: RecordBatch,
    pub offsets: Vec<usize>,
}

/// `initialState`: a grouped DataFrame whose groups seed the state of their keys in the first batch.
#[derive(Clone)]
pub struct InitialState {
    pub plan: Arc<LogicalPlan>,
    /// Its grouping keys, typed as the operator's keys.
    pub keys: Vec<PhysicalExpr>,
}

/// What the calls left behind.
pub struct ProcessorResults {
    pub output: Vec<RecordBatch>,
    /// Per state variable, then the timers: the indices of the keys whose contents changed and their new contents
    /// (a list array as `ProcessorCalls::states`, one entry per changed key; an empty list removes it).
    pub changed: Vec<(Vec<u32>, ArrayRef)>,
    /// What the calls did that Spark counts in the operator's custom metrics (`numRegisteredTimers`, ...).
    pub counters: Vec<(String, usize)>,
}

/// The user's processor, called for a whole batch of keys.
pub trait ProcessorFunction: Send + Sync {
    /// The declaring pass (Spark's driver-side pre-init): `init` run once to learn the state variables.
    fn declare(&self) -> Result<Vec<StateVariable>>;
    fn call(&self, calls: ProcessorCalls) -> Result<ProcessorResults>;
}

/// How the operator was declared.
#[derive(Clone)]
pub struct TransformWithStateSpec {
    pub func: Arc<dyn ProcessorFunction>,
    pub keys: Vec<PhysicalExpr>,
    /// Empty until `declared()` ran the processor's declaring pass.
    pub variables: Vec<StateVariable>,
    /// `outputMode` given to transformWithState ("append" / "update").
    pub append: bool,
    pub time_mode: TimeMode,
    /// Input column holding the event time (its watermark filters late rows in event-time mode).
    pub event_column: Option<usize>,
    pub has_watermark: bool,
    /// Whether the Python side is pandas (`transformWithStateInPandas`) or rows (`transformWithState`).
    pub pandas: bool,
    pub initial_state: Option<InitialState>,
    /// `eventTimeColumnName`: the output column downstream operators take as event time; a row emitted older
    /// than the watermark fails the query.
    pub output_event_column: Option<usize>,
}

impl TransformWithStateSpec {
    /// The spec with the state variables the processor's declaring pass gives, checked as Spark checks them.
    pub fn declared(&self) -> Result<TransformWithStateSpec> {
        let variables = self.func.declare()?;
        for v in &variables {
            if v.ttl_ms.is_some() && self.time_mode != TimeMode::ProcessingTime {
                return Err(EmberError::with_condition(
                    ErrorKind::Analysis,
                    "STATEFUL_PROCESSOR_INCORRECT_TIME_MODE_TO_ASSIGN_TTL",
                    [("stateName", v.name.clone()), ("timeMode", self.time_mode.name().to_string())],
                ));
            }
        }
        Ok(TransformWithStateSpec { variables, ..self.clone() })
    }

    /// The row type of each state table: the variables' structs (`_expires`, then their columns), then the
    /// timers' int64 expiry times.
    pub fn row_types(&self) -> Vec<DataType> {
        let mut out: Vec<DataType> = self
            .variables
            .iter()
            .map(|v| {
                let mut fields = vec![Field::new("_expires", DataType::Int64, false)];
                fields.extend(v.fields.fields().iter().map(|f| f.as_ref().clone().with_nullable(true)));
                DataType::Struct(fields.into())
            })
            .collect();
        out.push(DataType::Int64);
        out
    }

    /// Empty state lists, one entry per key, for each table (what a batch DataFrame's single pass starts from).
    pub fn empty_states(&self, keys: usize) -> Result<Vec<ArrayRef>> {
        self.row_types()
            .into_iter()
            .map(|t| {
                let values = arrow::array::new_empty_array(&t);
                let offsets = arrow::buffer::OffsetBuffer::new_zeroed(keys);
                let field = Arc::new(Field::new("item", t, true));
                Ok(Arc::new(arrow::array::ListArray::try_new(field, offsets, values, None)?) as ArrayRef)
            })
            .collect()
    }
}
