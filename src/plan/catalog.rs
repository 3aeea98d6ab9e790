//! What planning a SQL query needs from the session, as a trait so `plan` stays below `session`: the analysis
//! settings and the plans of the tables and views named in FROM.
use std::sync::Arc;

use crate::error::Result;
use crate::plan::builder::AnalysisConfig;
use crate::plan::LogicalPlan;

pub trait Catalog {
    /// Settings of analysis (case sensitivity) in force.
    fn analysis(&self) -> AnalysisConfig;
    /// The plan a table or view name stands for (`global_temp.` names included); Spark's error when unknown.
    fn table(&self, name: &str) -> Result<Arc<LogicalPlan>>;
}
