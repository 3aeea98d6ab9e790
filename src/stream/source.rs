//! The reader contract of a streaming source inside a running query (Spark's `Source` / `MicroBatchStream`):
//! it reports the newest offset, reads the rows between two offsets, and is told when a batch is committed.
//! Connectors implement it in `stream::connector`.
use arrow::array::RecordBatch;

use crate::context::EvalContext;
use crate::error::Result;
use crate::stream::offset::Offset;

pub trait Source: Send {
    /// The newest offset with data available (`None`: nothing yet). May plan new input.
    fn latest_offset(&mut self) -> Result<Option<Offset>>;
    /// The rows after `start` (exclusive; `None`: from the beginning) up to `end` (inclusive), as Spark's getBatch.
    /// A replayed batch asks for the same range again and must get the same rows.
    fn read(&mut self, start: Option<&Offset>, end: &Offset, ctx: &EvalContext) -> Result<Vec<RecordBatch>>;
    /// An offset read back from the checkpoint in this source's own form (Spark's `deserializeOffset`); offsets of
    /// ember's earlier `{"offset": n}` layout become the source's current form here.
    fn deserialize_offset(&self, offset: Offset) -> Result<Offset> {
        Ok(offset)
    }
    /// What the range `start..end` planned that the checkpoint must remember (`sources/<i>/<k>` entries), for
    /// sources whose offsets alone cannot say it (the files of a file source's batch).
    fn plan_logs(&self, _start: Option<&Offset>, _end: &Offset) -> Result<Vec<(i64, String)>> {
        Ok(vec![])
    }
    /// Rebuild what was planned from the checkpoint's `sources/<i>` entries on restart; entries past `upto` (the
    /// end of the last batch written ahead) never ran and are dropped.
    fn restore_log(&mut self, _logs: &[(i64, String)], _upto: Option<&Offset>) -> Result<()> {
        Ok(())
    }
    /// Spark's `Source.commit`: everything up to `end` is committed and will not be read again.
    fn commit(&mut self, _end: &Offset) {}
    /// Spark's `reportLatestOffset`: the newest offset the source saw, when a rate limit ends the batch before it.
    fn reported_latest(&self) -> Option<Offset> {
        None
    }
    /// Spark's source `metrics` in progress (Kafka's offsets behind latest).
    fn metrics(&self) -> std::collections::BTreeMap<String, String> {
        Default::default()
    }
    /// Input the last `latest_offset` saw but left for a later trigger (a file still being written): the query is
    /// not idle while some is pending, so processAllAvailable and availableNow wait for it.
    fn has_pending(&self) -> bool {
        false
    }
    /// The only columns the query reads (indices into the source's schema; `plan::required_columns`), told once
    /// before the first read. A source may leave the others undecoded (as nulls); the default reads everything.
    fn prune_columns(&mut self, _columns: Vec<usize>) {}
}
