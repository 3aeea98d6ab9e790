//! Logical plans: a DataFrame is an `Arc<LogicalPlan>`, analyzed when built (names resolved, types known), so
//! errors surface at the call that caused them, as in Spark.
pub mod builder;
pub mod catalog;
pub mod group_state_spec;
pub mod map_batches;
pub mod observation;
pub mod required_columns;
pub mod sql_planner;
pub mod sql_statement;
pub mod stateful_processor_spec;
pub mod stream_relation;
pub mod streaming;
pub mod time_window;
pub mod window;

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::DataType;

use crate::expr::functions::{AggregateFunction, GeneratorFunction, Signature};
use crate::expr::PhysicalExpr;
use crate::io::options::Options;

use crate::expr::schema::PlanSchema;

/// One node of an analyzed plan with its output schema.
#[derive(Clone)]
pub struct LogicalPlan {
    pub node: PlanNode,
    pub schema: PlanSchema,
    /// Whether a leaf is a streaming source, computed once when the node is built: plans are immutable, and
    /// asking per node of a deep plan made streaming planning quadratic in its depth.
    streaming: bool,
}

/// A sort key: expression, direction and null placement.
#[derive(Clone, Debug)]
pub struct SortKey {
    pub expr: PhysicalExpr,
    pub ascending: bool,
    pub nulls_first: bool,
}

/// One aggregate call in an Aggregate node.
#[derive(Clone)]
pub struct AggregateCall {
    pub func: Arc<dyn AggregateFunction>,
    pub args: Vec<PhysicalExpr>,
    pub signature: Signature,
    pub distinct: bool,
}

/// Join types with Spark's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinType {
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    LeftSemi,
    LeftAnti,
    Cross,
}

impl JoinType {
    /// Parse PySpark's `how` strings.
    pub fn parse(how: &str) -> crate::Result<JoinType> {
        let h = how.to_ascii_lowercase().replace('_', "");
        Ok(match h.as_str() {
            "inner" => JoinType::Inner,
            "left" | "leftouter" => JoinType::LeftOuter,
            "right" | "rightouter" => JoinType::RightOuter,
            "full" | "outer" | "fullouter" => JoinType::FullOuter,
            "leftsemi" | "semi" => JoinType::LeftSemi,
            "leftanti" | "anti" => JoinType::LeftAnti,
            "cross" => JoinType::Cross,
            _ => {
                return Err(crate::EmberError::analysis_class(
                    "UNSUPPORTED_JOIN_TYPE",
                    format!("Unsupported join type '{how}'. Supported join types include: 'inner', 'outer', 'full', 'fullouter', 'full_outer', 'leftouter', 'left', 'left_outer', 'rightouter', 'right', 'right_outer', 'leftsemi', 'left_semi', 'semi', 'leftanti', 'left_anti', 'anti', 'cross'. SQLSTATE: 0A000"),
                ))
            }
        })
    }
}

/// Set operations over whole rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOp {
    Intersect,
    IntersectAll,
    Except,
    ExceptAll,
}

/// The operators.
#[derive(Clone)]
pub enum PlanNode {
    /// Data already in memory (createDataFrame, a collected result, a memory table).
    Values {
        batches: Arc<Vec<RecordBatch>>,
    },
    /// `spark.range`.
    Range {
        start: i64,
        end: i64,
        step: i64,
        partitions: usize,
    },
    /// A streaming source (`spark.readStream`); a query instantiates it at `start()`.
    StreamScan {
        source: Arc<dyn stream_relation::StreamRelation>,
    },
    /// Files of one format, read at execution.
    FileScan {
        format: String,
        paths: Vec<String>,
        options: Options,
        user_schema: bool,
    },
    Project {
        input: Arc<LogicalPlan>,
        exprs: Vec<PhysicalExpr>,
    },
    Filter {
        input: Arc<LogicalPlan>,
        predicate: PhysicalExpr,
    },
    /// Output: the grouping values, then one column per aggregate call.
    Aggregate {
        input: Arc<LogicalPlan>,
        group_exprs: Vec<PhysicalExpr>,
        aggregates: Vec<AggregateCall>,
    },
    /// Output: left columns then right columns (semi/anti: left only). `filter` sees left ++ right columns.
    Join {
        left: Arc<LogicalPlan>,
        right: Arc<LogicalPlan>,
        join_type: JoinType,
        left_keys: Vec<PhysicalExpr>,
        right_keys: Vec<PhysicalExpr>,
        filter: Option<PhysicalExpr>,
    },
    Sort {
        input: Arc<LogicalPlan>,
        keys: Vec<SortKey>,
    },
    Limit {
        input: Arc<LogicalPlan>,
        limit: usize,
        offset: usize,
    },
    /// Last `n` rows.
    Tail {
        input: Arc<LogicalPlan>,
        n: usize,
    },
    /// By position; inputs already have the output's types.
    Union {
        inputs: Vec<Arc<LogicalPlan>>,
    },
    /// Remove duplicate rows on `keys` (column indices), keeping the first row of each key.
    Deduplicate {
        input: Arc<LogicalPlan>,
        keys: Vec<usize>,
        /// `dropDuplicatesWithinWatermark`: on a stream, a key is remembered only until the watermark passes its
        /// event time plus the delay.
        within_watermark: bool,
    },
    SetOperation {
        left: Arc<LogicalPlan>,
        right: Arc<LogicalPlan>,
        op: SetOp,
    },
    /// Input columns, then the `window` / `session_window` struct column (`plan::time_window`); rows with a null
    /// time (or a non-positive session gap) are dropped, a sliding window yields one row per window.
    TimeWindow {
        input: Arc<LogicalPlan>,
        time: PhysicalExpr,
        spec: crate::plan::time_window::WindowSpec,
    },
    /// Rewrites the session column (`session`, an input column) of each row to the bounds of the merged session
    /// it belongs to among rows with equal `keys`: what an aggregation by `session_window` groups by.
    MergeSessions {
        input: Arc<LogicalPlan>,
        keys: Vec<PhysicalExpr>,
        session: usize,
    },
    /// `groupBy(...).applyInPandasWithState(...)`: the function's rows (output schema = this node's).
    FlatMapGroupsWithState {
        input: Arc<LogicalPlan>,
        spec: crate::plan::group_state_spec::GroupStateSpec,
    },
    /// Window functions: input columns, then one column per call (`plan::window`).
    Window {
        input: Arc<LogicalPlan>,
        calls: Vec<window::WindowCall>,
    },
    /// `mapInPandas` / `mapInArrow`: the function's rows (output schema = this node's), batch by batch.
    MapBatches {
        input: Arc<LogicalPlan>,
        func: Arc<dyn map_batches::BatchFunction>,
    },
    /// `groupBy(...).transformWithState[InPandas](...)`: the processor's rows (output schema = this node's).
    TransformWithState {
        input: Arc<LogicalPlan>,
        spec: crate::plan::stateful_processor_spec::TransformWithStateSpec,
    },
    /// `withWatermark`: rows pass unchanged; a streaming query tracks the maximum of `column` (event time).
    EventTimeWatermark {
        input: Arc<LogicalPlan>,
        column: usize,
        delay_ms: i64,
    },
    /// Input columns, then the generator's output columns.
    Generate {
        input: Arc<LogicalPlan>,
        func: Arc<dyn GeneratorFunction>,
        args: Vec<PhysicalExpr>,
        outer: bool,
    },
    Sample {
        input: Arc<LogicalPlan>,
        fraction: f64,
        with_replacement: bool,
        seed: u64,
    },
    /// Hint or no-op boundary (cache, repartition, alias): passes rows through.
    Passthrough {
        input: Arc<LogicalPlan>,
        kind: PassthroughKind,
    },
}

/// What a pass-through node stands for.
#[derive(Clone, Debug)]
pub enum PassthroughKind {
    Repartition(usize),
    Cache,
    Hint(String),
    /// `observe(name, *exprs)`: the executor computes the metrics over the rows passing through.
    Observe(Arc<observation::Observation>),
}

/// A node's direct inputs.
fn node_children(node: &PlanNode) -> Vec<&Arc<LogicalPlan>> {
    match node {
        PlanNode::Values { .. } | PlanNode::Range { .. } | PlanNode::FileScan { .. } | PlanNode::StreamScan { .. } => {
            vec![]
        }
        PlanNode::Project { input, .. }
        | PlanNode::Filter { input, .. }
        | PlanNode::Aggregate { input, .. }
        | PlanNode::Sort { input, .. }
        | PlanNode::Limit { input, .. }
        | PlanNode::Tail { input, .. }
        | PlanNode::Deduplicate { input, .. }
        | PlanNode::Generate { input, .. }
        | PlanNode::TimeWindow { input, .. }
        | PlanNode::MergeSessions { input, .. }
        | PlanNode::EventTimeWatermark { input, .. }
        | PlanNode::FlatMapGroupsWithState { input, .. }
        | PlanNode::MapBatches { input, .. }
        | PlanNode::Window { input, .. }
        | PlanNode::TransformWithState { input, .. }
        | PlanNode::Sample { input, .. }
        | PlanNode::Passthrough { input, .. } => vec![input],
        PlanNode::Join { left, right, .. } | PlanNode::SetOperation { left, right, .. } => vec![left, right],
        PlanNode::Union { inputs } => inputs.iter().collect(),
    }
}

impl LogicalPlan {
    pub fn new(node: PlanNode, schema: PlanSchema) -> Arc<LogicalPlan> {
        let streaming = match &node {
            PlanNode::StreamScan { .. } => true,
            _ => node_children(&node).iter().any(|c| c.streaming),
        };
        Arc::new(LogicalPlan { node, schema, streaming })
    }

    /// Direct inputs.
    pub fn children(&self) -> Vec<&Arc<LogicalPlan>> {
        node_children(&self.node)
    }

    /// Operator name for `explain()`.
    pub fn name(&self) -> String {
        match &self.node {
            PlanNode::Values { .. } => "LocalRelation".into(),
            PlanNode::Range { start, end, step, partitions } => {
                format!("Range ({start}, {end}, step={step}, splits={partitions})")
            }
            PlanNode::FileScan { format, paths, .. } => format!("FileScan {format} [{}]", paths.join(", ")),
            PlanNode::StreamScan { source } => format!("StreamingRelation {}", source.description()),
            PlanNode::Project { .. } => "Project".into(),
            PlanNode::Filter { predicate, .. } => format!("Filter {predicate:?}"),
            PlanNode::Aggregate { .. } => "Aggregate".into(),
            PlanNode::Join { join_type, .. } => format!("Join {join_type:?}"),
            PlanNode::Sort { .. } => "Sort".into(),
            PlanNode::Limit { limit, .. } => format!("Limit {limit}"),
            PlanNode::Tail { n, .. } => format!("Tail {n}"),
            PlanNode::Union { .. } => "Union".into(),
            PlanNode::Deduplicate { .. } => "Deduplicate".into(),
            PlanNode::SetOperation { op, .. } => format!("{op:?}"),
            PlanNode::Generate { func, .. } => format!("Generate {}", func.name()),
            PlanNode::TimeWindow { spec, .. } => format!("TimeWindow {spec:?}"),
            PlanNode::MergeSessions { .. } => "MergeSessions".into(),
            PlanNode::FlatMapGroupsWithState { spec, .. } => {
                format!("FlatMapGroupsInPandasWithState {}", spec.timeout.name())
            }
            PlanNode::MapBatches { func, .. } => func.name().to_string(),
            PlanNode::Window { .. } => "Window".into(),
            PlanNode::TransformWithState { spec, .. } => {
                let kind = if spec.pandas { "TransformWithStateInPandas" } else { "TransformWithStateInPySpark" };
                format!("{kind} {}", spec.time_mode.name())
            }
            PlanNode::EventTimeWatermark { column, delay_ms, .. } => {
                format!("EventTimeWatermark {}, {delay_ms} ms", self.schema.fields[*column].name())
            }
            PlanNode::Sample { fraction, .. } => format!("Sample {fraction}"),
            PlanNode::Passthrough { kind, .. } => format!("{kind:?}"),
        }
    }

    /// `explain()` text: one operator per line, children indented.
    pub fn tree_string(&self) -> String {
        #[recursive::recursive]
        fn go(p: &LogicalPlan, depth: usize, out: &mut String) {
            if depth > 0 {
                out.push_str(&"   ".repeat(depth - 1));
                out.push_str("+- ");
            }
            out.push_str(&p.name());
            let cols: Vec<String> =
                p.schema.fields.iter().zip(&p.schema.attrs).map(|(f, a)| format!("{}#{}", f.name(), a.id)).collect();
            out.push_str(&format!(" [{}]\n", cols.join(", ")));
            for c in p.children() {
                go(c, depth + 1, out);
            }
        }
        let mut s = String::new();
        go(self, 0, &mut s);
        s
    }

    /// The same node over new inputs (in `children()` order), keeping its schema.
    pub fn with_children(&self, mut c: Vec<Arc<LogicalPlan>>) -> Arc<LogicalPlan> {
        let mut next = || c.remove(0);
        let node = match &self.node {
            PlanNode::Values { .. }
            | PlanNode::Range { .. }
            | PlanNode::FileScan { .. }
            | PlanNode::StreamScan { .. } => self.node.clone(),
            PlanNode::Project { exprs, .. } => PlanNode::Project { input: next(), exprs: exprs.clone() },
            PlanNode::Filter { predicate, .. } => PlanNode::Filter { input: next(), predicate: predicate.clone() },
            PlanNode::Aggregate { group_exprs, aggregates, .. } => {
                PlanNode::Aggregate { input: next(), group_exprs: group_exprs.clone(), aggregates: aggregates.clone() }
            }
            PlanNode::Join { join_type, left_keys, right_keys, filter, .. } => {
                let left = next();
                let right = next();
                PlanNode::Join {
                    left,
                    right,
                    join_type: *join_type,
                    left_keys: left_keys.clone(),
                    right_keys: right_keys.clone(),
                    filter: filter.clone(),
                }
            }
            PlanNode::Sort { keys, .. } => PlanNode::Sort { input: next(), keys: keys.clone() },
            PlanNode::Limit { limit, offset, .. } => PlanNode::Limit { input: next(), limit: *limit, offset: *offset },
            PlanNode::Tail { n, .. } => PlanNode::Tail { input: next(), n: *n },
            PlanNode::Union { .. } => PlanNode::Union { inputs: std::mem::take(&mut c) },
            PlanNode::Deduplicate { keys, within_watermark, .. } => {
                PlanNode::Deduplicate { input: next(), keys: keys.clone(), within_watermark: *within_watermark }
            }
            PlanNode::SetOperation { op, .. } => {
                let left = next();
                let right = next();
                PlanNode::SetOperation { left, right, op: *op }
            }
            PlanNode::Generate { func, args, outer, .. } => {
                PlanNode::Generate { input: next(), func: func.clone(), args: args.clone(), outer: *outer }
            }
            PlanNode::TimeWindow { time, spec, .. } => {
                PlanNode::TimeWindow { input: next(), time: time.clone(), spec: spec.clone() }
            }
            PlanNode::MergeSessions { keys, session, .. } => {
                PlanNode::MergeSessions { input: next(), keys: keys.clone(), session: *session }
            }
            PlanNode::FlatMapGroupsWithState { spec, .. } => {
                PlanNode::FlatMapGroupsWithState { input: next(), spec: spec.clone() }
            }
            PlanNode::MapBatches { func, .. } => PlanNode::MapBatches { input: next(), func: func.clone() },
            PlanNode::Window { calls, .. } => PlanNode::Window { input: next(), calls: calls.clone() },
            PlanNode::TransformWithState { spec, .. } => {
                PlanNode::TransformWithState { input: next(), spec: spec.clone() }
            }
            PlanNode::EventTimeWatermark { column, delay_ms, .. } => {
                PlanNode::EventTimeWatermark { input: next(), column: *column, delay_ms: *delay_ms }
            }
            PlanNode::Sample { fraction, with_replacement, seed, .. } => PlanNode::Sample {
                input: next(),
                fraction: *fraction,
                with_replacement: *with_replacement,
                seed: *seed,
            },
            PlanNode::Passthrough { kind, .. } => PlanNode::Passthrough { input: next(), kind: kind.clone() },
        };
        LogicalPlan::new(node, self.schema.clone())
    }

    /// Whether any leaf is a streaming source (`DataFrame.isStreaming`).
    pub fn is_streaming(&self) -> bool {
        self.streaming
    }

    pub fn data_types(&self) -> Vec<DataType> {
        self.schema.fields.iter().map(|f| f.data_type().clone()).collect()
    }
}
