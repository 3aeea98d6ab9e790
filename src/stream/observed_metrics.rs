//! `observedMetrics` of a micro-batch's progress: each `observe(name, …)` in the query's plan with the row its
//! metrics gave for this batch, as Spark's `Row.jsonValue` (columns in order, nulls kept).
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::context::EvalContext;
use crate::error::Result;
use crate::plan::observation::Observation;
use crate::plan::{LogicalPlan, PassthroughKind, PlanNode};

/// One observation's row: (column, value) in the metrics' column order.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRow(pub Vec<(String, serde_json::Value)>);

impl Serialize for MetricRow {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The observations in `plan` (each once, in plan order).
pub fn observations(plan: &LogicalPlan) -> Vec<Arc<Observation>> {
    fn go(p: &LogicalPlan, out: &mut Vec<Arc<Observation>>) {
        if let PlanNode::Passthrough { kind: PassthroughKind::Observe(o), .. } = &p.node {
            if !out.iter().any(|x| Arc::ptr_eq(x, o)) {
                out.push(o.clone());
            }
        }
        for c in p.children() {
            go(c, out);
        }
    }
    let mut out = Vec::new();
    go(plan, &mut out);
    out
}

/// The metrics this batch recorded, by observation name (taken, so the next batch starts empty).
pub fn collect(observations: &[Arc<Observation>], ctx: &EvalContext) -> Result<BTreeMap<String, MetricRow>> {
    let opts: HashMap<String, String> = [("ignorenullfields".to_string(), "false".to_string())].into();
    let mut out = BTreeMap::new();
    for o in observations {
        let Some(row) = o.take() else { continue };
        if row.num_rows() == 0 {
            continue;
        }
        let line = crate::io::json::write::write_json_lines_map(&row.slice(0, 1), &opts, ctx)?;
        let parsed: serde_json::Value = serde_json::from_slice(&line).unwrap_or(serde_json::Value::Null);
        let values = row
            .schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), parsed.get(f.name()).cloned().unwrap_or(serde_json::Value::Null)))
            .collect();
        out.insert(o.name.clone(), MetricRow(values));
    }
    Ok(out)
}
