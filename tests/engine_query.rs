//! A streaming query run by the engine alone, no Python: a memory source → a grouped count → the memory sink, stopped
//! and restarted from its checkpoint, which must carry the aggregation state over.
use std::sync::Arc;
use std::time::Duration;

use arrow::array::{AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Fields, Int64Type, Schema};

use ember::exec::execute::execute;
use ember::expr::expr::Expr;
use ember::expr::schema::PlanSchema;
use ember::io::options::Options;
use ember::plan::stream_relation::StreamRelation;
use ember::plan::streaming::OutputMode;
use ember::plan::streaming::Trigger;
use ember::plan::{builder, LogicalPlan, PlanNode};
use ember::session::Session;
use ember::stream::connector::memory_source::{MemoryRelation, MemoryStream};
use ember::stream::connector::UserFunctions;
use ember::stream::start::{start, StreamStart};

fn words(stream: &MemoryStream, ws: &[&str]) {
    let schema = Arc::new(Schema::new(stream.schema().clone()));
    let col = Arc::new(StringArray::from(ws.to_vec()));
    stream.add(RecordBatch::try_new(schema, vec![col]).unwrap());
}

/// `SELECT word, count(*) FROM the view ORDER BY word` as (word, count) pairs.
fn counts(session: &Arc<Session>, view: &str) -> Vec<(String, i64)> {
    let plan = session.table(view).unwrap();
    let batches = execute(&plan, &session.exec_context()).unwrap();
    let mut out = Vec::new();
    for b in batches {
        let w = b.column(0).as_string::<i32>();
        let c = b.column(1).as_primitive::<Int64Type>();
        out.extend((0..b.num_rows()).map(|i| (w.value(i).to_string(), c.value(i))));
    }
    out.sort();
    out
}

fn run_once(session: &Arc<Session>, plan: &Arc<LogicalPlan>, checkpoint: &str) {
    let spec = StreamStart {
        session: session.clone(),
        plan: plan.clone(),
        format: "memory".into(),
        output_mode: OutputMode::Complete,
        options: Options::from_pairs([("checkpointLocation", checkpoint)]),
        partition_by: vec![],
        query_name: Some("word_counts".into()),
        trigger: Trigger::AvailableNow,
        functions: UserFunctions::default(),
        manager: ember::stream::manager::QueryManager::new(),
    };
    let query = start(spec).unwrap();
    assert!(query.await_termination(Some(Duration::from_secs(60))).unwrap(), "the availableNow run ends by itself");
}

#[test]
fn an_aggregation_restarts_from_its_checkpoint() {
    let session = Arc::new(Session::new());
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("ck").to_string_lossy().into_owned();
    let stream = MemoryStream::new(Fields::from(vec![Field::new("word", DataType::Utf8, true)]));
    let relation: Arc<dyn StreamRelation> = Arc::new(MemoryRelation(stream.clone()));
    let scan = LogicalPlan::new(PlanNode::StreamScan { source: relation }, PlanSchema::fresh(stream.schema().clone()));
    let count = Expr::call("count", vec![Expr::lit(Arc::new(Int64Array::from(vec![1])))]).alias("n");
    let plan = builder::aggregate(&scan, &[Expr::col("word")], &[count], session.analysis()).unwrap();

    words(&stream, &["a", "b", "a"]);
    words(&stream, &["c"]);
    run_once(&session, &plan, &checkpoint);
    assert_eq!(counts(&session, "word_counts"), [("a".into(), 2), ("b".into(), 1), ("c".into(), 1)]);

    // A new run of the same query: only the new batch is read, and the counts continue from the checkpointed state.
    words(&stream, &["a", "d"]);
    session.drop_view("word_counts", false);
    run_once(&session, &plan, &checkpoint);
    assert_eq!(counts(&session, "word_counts"), [("a".into(), 3), ("b".into(), 1), ("c".into(), 1), ("d".into(), 1)]);
    let offsets = std::fs::read_to_string(dir.path().join("ck/offsets/1")).unwrap();
    assert_eq!(offsets.lines().last(), Some("3"), "the memory source's offset is Spark's LongOffset: {offsets}");
}
