//! `spark.sql`: SELECT statements over temp views planned into DataFrame operations. (Being written.)
use std::sync::Arc;

use crate::error::{EmberError, Result};
use crate::plan::LogicalPlan;
use crate::session::Session;

pub fn plan_sql(query: &str, _session: &Session) -> Result<Arc<LogicalPlan>> {
    Err(EmberError::not_implemented(format!("spark.sql({query})")))
}
