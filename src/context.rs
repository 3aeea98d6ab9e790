//! What evaluation and execution need from the session besides the data: time zone, query clock, partition,
//! shuffle parallelism. A leaf: every layer that evaluates or runs something takes these.

/// What evaluation needs besides the batch: the session's time zone, the query's clock, the partition.
#[derive(Debug, Clone)]
pub struct EvalContext {
    /// `spark.sql.session.timeZone`: how TIMESTAMP values are shown, parsed and split into fields.
    pub time_zone: chrono_tz::Tz,
    /// `current_timestamp()` for the whole query, microseconds since the epoch (Spark fixes it per query).
    pub now_micros: i64,
    /// Partition index, for `monotonically_increasing_id` and `spark_partition_id`.
    pub partition: usize,
    /// Rows of this partition before the current batch, for `monotonically_increasing_id`.
    pub row_offset: u64,
}

impl Default for EvalContext {
    fn default() -> Self {
        EvalContext { time_zone: chrono_tz::UTC, now_micros: 0, partition: 0, row_offset: 0 }
    }
}

/// What running a plan needs from the session.
#[derive(Clone, Debug)]
pub struct ExecContext {
    pub eval: EvalContext,
    /// `spark.sql.shuffle.partitions`: parallelism of aggregations and joins.
    pub shuffle_partitions: usize,
}

impl Default for ExecContext {
    fn default() -> Self {
        ExecContext { eval: EvalContext::default(), shuffle_partitions: 2 }
    }
}
