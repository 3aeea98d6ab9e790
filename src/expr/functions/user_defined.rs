//! Functions registered under a name for SQL (`spark.udf.register`): looked up before the built-ins, so a
//! registered name hides a built-in one as Spark's session catalog does.
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use crate::expr::functions::ScalarFunction;

type Table = RwLock<HashMap<String, Arc<dyn ScalarFunction>>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

/// Register `func` as `name` (case-insensitive, as SQL function names are), replacing an earlier one.
pub fn register(name: &str, func: Arc<dyn ScalarFunction>) {
    table().write().unwrap_or_else(|e| e.into_inner()).insert(name.to_ascii_lowercase(), func);
}

/// The function registered as `name`, if any.
pub fn lookup(name: &str) -> Option<Arc<dyn ScalarFunction>> {
    let t = table().read().unwrap_or_else(|e| e.into_inner());
    if t.is_empty() {
        return None;
    }
    t.get(&name.to_ascii_lowercase()).cloned()
}

/// The registered names, lower case.
pub fn names() -> Vec<String> {
    table().read().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect()
}
