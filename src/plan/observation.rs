//! `DataFrame.observe(name, *exprs)`: named aggregate metrics computed over the rows flowing through one point
//! of a plan while an action (or a micro-batch) runs — Spark's `CollectMetrics`. The plan carries the observation
//! as a pass-through node; the executor fills its one-row result, which `Observation.get` (batch) or the query's
//! progress (`observedMetrics`, per micro-batch) reads.
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use arrow::array::RecordBatch;

use crate::error::{EmberError, ErrorKind, Result};
use crate::expr::expr::Expr;
use crate::expr::functions::{registry, FunctionDef};
use crate::expr::resolve::{quote_ident, sql_string};
use crate::plan::builder::{self, AnalysisConfig};
use crate::plan::{LogicalPlan, PlanNode};

/// One `observe` call: its name, the metrics as a global aggregation, and the latest result.
pub struct Observation {
    pub name: String,
    /// `agg(exprs)` over `input`, an empty stand-in with the observed plan's schema (same attributes) that the
    /// executor swaps for the rows it observed.
    pub metrics: Arc<LogicalPlan>,
    pub input: Arc<LogicalPlan>,
    result: Mutex<Option<RecordBatch>>,
    filled: Condvar,
}

impl std::fmt::Debug for Observation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CollectMetrics {}", self.name)
    }
}

impl Observation {
    /// Checks `exprs` as Spark's analyzer checks observed metrics (aggregates only, no DISTINCT, no nesting,
    /// attributes and non-deterministic calls only inside an aggregate) and plans them over `observed`'s schema.
    pub fn new(observed: &Arc<LogicalPlan>, name: &str, exprs: &[Expr], cfg: AnalysisConfig) -> Result<Observation> {
        for e in exprs {
            check(e, e, None)?;
        }
        if let Some(other) = named(observed, name) {
            return Err(EmberError::with_condition(
                ErrorKind::Analysis,
                "DUPLICATED_METRICS_NAME",
                [("metricName", other.name.clone())],
            ));
        }
        let input = LogicalPlan::new(PlanNode::Values { batches: Arc::new(Vec::new()) }, observed.schema.clone());
        let metrics = builder::aggregate(&input, &[], exprs, cfg)?;
        Ok(Observation { name: name.to_string(), metrics, input, result: Mutex::new(None), filled: Condvar::new() })
    }

    /// The metrics of one execution. The first one is kept until `take` (a batch observation keeps its first
    /// action's result, as Spark's `Observation`).
    pub fn record(&self, row: RecordBatch) {
        let mut slot = self.result.lock().unwrap();
        if slot.is_none() {
            *slot = Some(row);
            self.filled.notify_all();
        }
    }

    /// The result, removed (a streaming query reads each micro-batch's metrics once).
    pub fn take(&self) -> Option<RecordBatch> {
        self.result.lock().unwrap().take()
    }

    /// The result, waiting up to `wait` for an action still running on another thread.
    pub fn get(&self, wait: Duration) -> Option<RecordBatch> {
        let slot = self.result.lock().unwrap();
        let (slot, _) = self.filled.wait_timeout_while(slot, wait, |s| s.is_none()).unwrap();
        slot.clone()
    }
}

/// An observation called `name` already in `plan`.
fn named(plan: &LogicalPlan, name: &str) -> Option<Arc<Observation>> {
    if let PlanNode::Passthrough { kind: crate::plan::PassthroughKind::Observe(o), .. } = &plan.node {
        if o.name == name {
            return Some(o.clone());
        }
    }
    plan.children().into_iter().find_map(|c| named(c, name))
}

/// Spark names the whole metric in these errors, as its analyzer prints a named expression: `expr AS name`.
fn invalid(sub: &str, metric: &Expr) -> EmberError {
    let text = match metric {
        Expr::Column(_) | Expr::Attribute { .. } => sql_string(metric),
        Expr::Alias { expr, name } => format!("{} AS {}", sql_string(expr), quote_if_needed(name)),
        other => format!("{} AS {}", sql_string(other), quote_if_needed(&sql_string(other))),
    };
    EmberError::with_condition(
        ErrorKind::Analysis,
        &format!("INVALID_OBSERVED_METRICS.{sub}"),
        [("expr", format!("\"{text}\""))],
    )
}

/// Spark's `quoteIfNeeded`: a plain identifier as it is, anything else in backticks.
fn quote_if_needed(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        quote_ident(name)
    }
}

/// `metric`: the top-level expression `e` is part of; `inside`: whether `e` is an aggregate's argument.
fn check(e: &Expr, metric: &Expr, inside: Option<&Expr>) -> Result<()> {
    match e {
        Expr::Function { name, args, distinct } => {
            match registry().get(name) {
                Some(FunctionDef::Aggregate(_)) if crate::expr::functions::user_defined::lookup(name).is_none() => {
                    if inside.is_some() {
                        return Err(invalid("NESTED_AGGREGATES_UNSUPPORTED", metric));
                    }
                    if *distinct {
                        return Err(invalid("AGGREGATE_EXPRESSION_WITH_DISTINCT_UNSUPPORTED", metric));
                    }
                    return args.iter().try_for_each(|a| check(a, metric, Some(e)));
                }
                Some(FunctionDef::Scalar(f)) if inside.is_none() && !f.deterministic() => {
                    return Err(invalid("NON_AGGREGATE_FUNC_ARG_IS_NON_DETERMINISTIC", metric));
                }
                _ => {}
            }
            args.iter().try_for_each(|a| check(a, metric, inside))
        }
        Expr::UserFunction { func, args } if func.0.as_aggregate().is_some() => {
            if inside.is_some() {
                return Err(invalid("NESTED_AGGREGATES_UNSUPPORTED", metric));
            }
            args.iter().try_for_each(|a| check(a, metric, Some(e)))
        }
        Expr::Column(_) | Expr::Attribute { .. } if inside.is_none() => {
            Err(invalid("NON_AGGREGATE_FUNC_ARG_IS_ATTRIBUTE", metric))
        }
        other => other.children().into_iter().try_for_each(|c| check(c, metric, inside)),
    }
}
