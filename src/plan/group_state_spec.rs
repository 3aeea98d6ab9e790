//! How `applyInPandasWithState` is declared in a plan (Spark's FlatMapGroupsWithState node): the key
//! expressions, state schema and timeout, and the contract of the user's function (`GroupFunction`: one call per
//! batch of groups, implemented in Python by `python::group_function`). Running it is `exec::flat_map_groups`
//! (a batch DataFrame) and `stream::group_state` (a stream, with state kept between batches).
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::error::{EmberError, Result};
use crate::expr::PhysicalExpr;

/// Spark's `NO_TIMESTAMP`: no timeout set.
pub const NO_TIMESTAMP: i64 = -1;

/// `GroupStateTimeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupTimeout {
    NoTimeout,
    ProcessingTime,
    EventTime,
}

impl GroupTimeout {
    pub fn parse(s: &str) -> Result<GroupTimeout> {
        match s.to_ascii_lowercase().as_str() {
            "notimeout" => Ok(GroupTimeout::NoTimeout),
            "processingtimetimeout" => Ok(GroupTimeout::ProcessingTime),
            "eventtimetimeout" => Ok(GroupTimeout::EventTime),
            _ => Err(EmberError::illegal_argument(format!("Unknown timeout conf {s}"))),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            GroupTimeout::NoTimeout => "NoTimeout",
            GroupTimeout::ProcessingTime => "ProcessingTimeTimeout",
            GroupTimeout::EventTime => "EventTimeTimeout",
        }
    }
}

/// One batch of calls: first the keys with rows (`data` holds their rows, key i at `offsets[i]..offsets[i+1]`),
/// then the keys that timed out.
pub struct GroupCalls {
    pub keys: RecordBatch,
    pub data: RecordBatch,
    pub offsets: Vec<usize>,
    /// State per call (state schema; a null row where `has_state` is false).
    pub states: RecordBatch,
    pub has_state: Vec<bool>,
    pub timed_out: Vec<bool>,
    pub batch_timestamp_ms: i64,
    /// The watermark for eviction, or `NO_TIMESTAMP` when the query has none.
    pub watermark_ms: i64,
}

/// What each call left behind.
pub struct GroupResults {
    pub output: Vec<RecordBatch>,
    /// New state per call (rows where `exists` is false are ignored).
    pub states: RecordBatch,
    pub updates: Vec<StateUpdate>,
}

#[derive(Clone, Copy, Debug)]
pub struct StateUpdate {
    pub exists: bool,
    pub updated: bool,
    pub removed: bool,
    pub timeout_ms: i64,
}

/// The user's function, called for a whole batch of groups.
pub trait GroupFunction: Send + Sync {
    fn call(&self, calls: GroupCalls) -> Result<GroupResults>;
}

/// How the operator was declared.
#[derive(Clone)]
pub struct GroupStateSpec {
    pub func: Arc<dyn GroupFunction>,
    pub keys: Vec<PhysicalExpr>,
    /// The grouping columns' names (Spark's generated names): the fields of the state store's key.
    pub key_names: Vec<String>,
    pub state_schema: SchemaRef,
    /// `outputMode` given to applyInPandasWithState ("append" / "update").
    pub append: bool,
    pub timeout: GroupTimeout,
    /// Input column holding the event time (its watermark filters late rows under an event-time timeout).
    pub event_column: Option<usize>,
    pub has_watermark: bool,
    /// `applyInPandas`: no state at all; on a stream each micro-batch's groups are mapped on their own, by the
    /// stateless part of the query (no operator, no checkpointed state), as Spark's FlatMapGroupsInPandas.
    pub grouped_map: bool,
}
