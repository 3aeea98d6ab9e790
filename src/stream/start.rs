//! Starting a streaming query (`DataStreamWriter.start()`), entirely in the engine: the sink from the connector
//! registry, Spark's start-time checks in Spark's order, the checkpoint location, one reader per source, then the
//! engine thread. The bindings only convert Python's arguments into a `StreamStart`.
use std::sync::Arc;

use crate::error::Result;
use crate::io::options::Options;
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::OutputMode;
use crate::plan::streaming::Trigger;
use crate::plan::{LogicalPlan, PlanNode};
use crate::session::Session;
use crate::stream::checks::{check, check_continuous};
use crate::stream::connector::{self, SinkArgs, UserFunctions};
use crate::stream::incremental::Incremental;
use crate::stream::manager::QueryManager;
use crate::stream::query::{QueryHandle, QueryRun};
use crate::types::uuid::random_uuid;

/// Everything `writeStream…start()` says about a query.
pub struct StreamStart {
    pub session: Arc<Session>,
    /// The streaming DataFrame's plan.
    pub plan: Arc<LogicalPlan>,
    /// The sink's format as the user wrote it (`format(...)`, or foreachBatch / foreach).
    pub format: String,
    pub output_mode: OutputMode,
    pub options: Options,
    pub partition_by: Vec<String>,
    pub query_name: Option<String>,
    pub trigger: Trigger,
    /// Python functions the sink calls.
    pub functions: UserFunctions,
    /// The session's queries: it registers the query and delivers its listener events.
    pub manager: Arc<QueryManager>,
}

/// The streaming sources of a plan, in the pre-order the engine numbers them.
pub fn stream_relations(p: &LogicalPlan) -> Vec<Arc<dyn StreamRelation>> {
    #[recursive::recursive]
    fn walk(p: &LogicalPlan, out: &mut Vec<Arc<dyn StreamRelation>>) {
        if let PlanNode::StreamScan { source } = &p.node {
            out.push(source.clone());
        }
        for c in p.children() {
            walk(c, out);
        }
    }
    let mut out = Vec::new();
    walk(p, &mut out);
    out
}

/// Check and start the query; its engine thread runs until stopped, finished (once / availableNow) or failed.
pub fn start(spec: StreamStart) -> Result<Arc<QueryHandle>> {
    let StreamStart {
        session,
        plan,
        format,
        output_mode: mode,
        options,
        partition_by,
        query_name,
        trigger,
        functions,
        manager,
    } = spec;
    let provider = connector::sink(&format)?;
    provider.check_trigger(trigger)?;
    if let Trigger::RealTime(interval) = trigger {
        crate::stream::real_time::check_start(&session, interval.as_millis() as u64, provider.name(), mode)?;
    }
    let schema = plan.schema.arrow_schema();
    let args = SinkArgs {
        session: &session,
        format: &format,
        options: &options,
        partition_by: &partition_by,
        schema: &schema,
        mode,
        query_name: query_name.as_deref(),
        functions,
    };
    let (mut early, mut late) = (None, None);
    if provider.validated_before_plan() {
        early = Some(provider.create(args)?);
    } else {
        late = Some(args);
    }
    check(&plan, mode)?;
    if matches!(trigger, Trigger::Continuous(_)) {
        check_continuous(&plan)?;
    }
    let sink = match (early, late) {
        (Some(sink), _) => sink,
        (None, Some(args)) => provider.create(args)?,
        (None, None) => unreachable!("the sink is made before or after the plan's checks"),
    };
    let mut sources = stream_relations(&plan)
        .iter()
        .map(|r| Ok((r.description(), connector::open(r.as_ref(), trigger)?)))
        .collect::<Result<Vec<_>>>()?;
    for ((_, source), columns) in sources.iter_mut().zip(crate::plan::required_columns::stream_scan_columns(&plan)) {
        if let Some(columns) = columns {
            source.prune_columns(columns);
        }
    }
    // Spark: the writer's checkpointLocation, else spark.sql.streaming.checkpointLocation/<queryName or a uuid>.
    let checkpoint = options.get("checkpointLocation").map(str::to_string).or_else(|| {
        session.conf_get("spark.sql.streaming.checkpointLocation").map(|root| {
            let leaf = query_name.clone().unwrap_or_else(random_uuid);
            std::path::Path::new(&root).join(leaf).to_string_lossy().into_owned()
        })
    });
    let run =
        QueryRun { checkpoint, incremental: Incremental::new(plan, mode), session, sources, sink, trigger, manager };
    QueryHandle::start(query_name, run)
}
