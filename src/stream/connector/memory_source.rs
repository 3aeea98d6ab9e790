//! `ember.testing.MemoryStream` (Spark's `MemoryStream`): rows added from Python, one batch per `addData` call;
//! offset N covers the first N batches (Spark's `LongOffset`).
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::datatypes::Fields;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::Trigger;
use crate::stream::connector::{relation_as, LoadArgs, SourceProvider};
use crate::stream::offset::{count_offset, offset_count, Offset};
use crate::stream::source::Source;

/// The registry entry of memory streams (made by `MemoryStream`, not by `readStream.format`).
pub struct MemoryProvider;
pub static MEMORY: MemoryProvider = MemoryProvider;

/// The rows appended so far, shared by the `MemoryStream` handle and the readers of its queries.
#[derive(Default)]
pub struct MemoryStream {
    batches: Mutex<Vec<RecordBatch>>,
    id: u64,
    schema: Fields,
}

impl MemoryStream {
    pub fn new(schema: Fields) -> Arc<MemoryStream> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Arc::new(MemoryStream { batches: Mutex::new(vec![]), id, schema })
    }

    pub fn schema(&self) -> &Fields {
        &self.schema
    }

    /// Append one batch; returns the number of batches (the new latest offset).
    pub fn add(&self, batch: RecordBatch) -> usize {
        let mut b = self.batches.lock().unwrap();
        b.push(batch);
        b.len()
    }
}

/// A streaming DataFrame's leaf over a memory stream.
pub struct MemoryRelation(pub Arc<MemoryStream>);

impl StreamRelation for MemoryRelation {
    fn format(&self) -> &str {
        "memory"
    }
    fn description(&self) -> String {
        format!("MemoryStream[{}]", self.0.id)
    }
    fn supports_continuous(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl SourceProvider for MemoryProvider {
    fn name(&self) -> &'static str {
        "memory"
    }
    fn load(&self, args: LoadArgs<'_>) -> Result<(Arc<dyn StreamRelation>, Fields)> {
        Err(EmberError::analysis(format!("Data source {} does not support streamed reading", args.format)))
    }
    fn open(&self, relation: &dyn StreamRelation, _trigger: Trigger) -> Result<Box<dyn Source>> {
        let r: &MemoryRelation = relation_as(relation)?;
        Ok(Box::new(MemorySource { stream: r.0.clone() }))
    }
}

struct MemorySource {
    stream: Arc<MemoryStream>,
}

impl Source for MemorySource {
    fn deserialize_offset(&self, offset: Offset) -> Result<Offset> {
        Ok(Offset::long(offset.count()?))
    }
    fn latest_offset(&mut self) -> Result<Option<Offset>> {
        Ok(count_offset(self.stream.batches.lock().unwrap().len() as i64))
    }
    fn read(&mut self, start: Option<&Offset>, end: &Offset, _ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        let (start, end) = (offset_count(start)? as usize, end.count()? as usize);
        let b = self.stream.batches.lock().unwrap();
        b.get(start..end).map(<[RecordBatch]>::to_vec).ok_or_else(|| {
            EmberError::execution(format!(
                "The memory stream has {} batches; batches {start}..{end} were asked for",
                b.len()
            ))
        })
    }
}
