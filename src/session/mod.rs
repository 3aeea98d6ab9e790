//! Session state: SQL conf, temporary views, and the contexts derived from them for analysis and execution.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use crate::error::{EmberError, Result};
use crate::exec::ExecContext;
use crate::expr::physical::EvalContext;
use crate::plan::builder::AnalysisConfig;
use crate::plan::LogicalPlan;

/// Conf keys a running session may not change (Spark's static SQL confs).
const STATIC_CONFS: &[&str] =
    &["spark.sql.warehouse.dir", "spark.sql.catalogImplementation", "spark.app.name", "spark.master"];

/// The machine's time zone id, as Java's `TimeZone.getDefault` finds it: `TZ`, then `/etc/timezone`, then the
/// `/etc/localtime` link; UTC when none names a known zone.
pub fn system_time_zone() -> String {
    let known = |s: &str| s.parse::<chrono_tz::Tz>().is_ok();
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim_start_matches(':').to_string();
        if known(&tz) {
            return tz;
        }
    }
    if let Ok(s) = std::fs::read_to_string("/etc/timezone") {
        let s = s.trim();
        if known(s) {
            return s.to_string();
        }
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let t = target.to_string_lossy();
        if let Some(idx) = t.find("zoneinfo/") {
            let name = &t[idx + "zoneinfo/".len()..];
            if known(name) {
                return name.to_string();
            }
        }
    }
    "UTC".to_string()
}

/// Parse a Spark session time zone (region id, `UTC`, `Z`, or an offset like `+08:00`).
pub fn parse_time_zone(s: &str) -> Result<chrono_tz::Tz> {
    if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
        return Ok(tz);
    }
    let upper = s.to_ascii_uppercase();
    if upper == "Z" || upper == "UTC" || upper == "GMT" {
        return Ok(chrono_tz::UTC);
    }
    // Fixed offsets map to Etc/GMT∓h zones when whole hours.
    let body = upper.trim_start_matches("UTC").trim_start_matches("GMT");
    if let Some(sign) = body.chars().next().filter(|c| *c == '+' || *c == '-') {
        let hours: String = body[1..].chars().take_while(|c| c.is_ascii_digit()).collect();
        let rest = &body[1 + hours.len()..];
        if let Ok(h) = hours.parse::<i32>() {
            if rest.is_empty() || rest == ":00" || rest == "00" {
                let etc = if h == 0 {
                    "Etc/GMT".to_string()
                } else {
                    format!("Etc/GMT{}{}", if sign == '+' { '-' } else { '+' }, h)
                };
                if let Ok(tz) = etc.parse::<chrono_tz::Tz>() {
                    return Ok(tz);
                }
            }
        }
    }
    Err(EmberError::illegal_argument(format!(
        "[INVALID_CONF_VALUE.TIME_ZONE] The value '{s}' in the config \"spark.sql.session.timeZone\" is invalid. Cannot resolve the given timezone. SQLSTATE: 22022"
    )))
}

/// A SparkSession's state.
pub struct Session {
    conf: RwLock<BTreeMap<String, String>>,
    views: RwLock<HashMap<String, Arc<LogicalPlan>>>,
    global_views: RwLock<HashMap<String, Arc<LogicalPlan>>>,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    pub fn new() -> Self {
        let mut conf = BTreeMap::new();
        conf.insert("spark.sql.session.timeZone".to_string(), system_time_zone());
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        conf.insert("spark.sql.shuffle.partitions".to_string(), cores.to_string());
        conf.insert("spark.sql.caseSensitive".to_string(), "false".to_string());
        conf.insert("spark.sql.ansi.enabled".to_string(), "false".to_string());
        conf.insert("spark.sql.repl.eagerEval.enabled".to_string(), "false".to_string());
        conf.insert("spark.sql.repl.eagerEval.maxNumRows".to_string(), "20".to_string());
        conf.insert("spark.sql.repl.eagerEval.truncate".to_string(), "20".to_string());
        conf.insert("spark.app.name".to_string(), "ember".to_string());
        conf.insert("spark.master".to_string(), "local[*]".to_string());
        Session {
            conf: RwLock::new(conf),
            views: RwLock::new(HashMap::new()),
            global_views: RwLock::new(HashMap::new()),
        }
    }

    pub fn conf_get(&self, key: &str) -> Option<String> {
        self.conf.read().unwrap().get(key).cloned()
    }

    pub fn conf_set(&self, key: &str, value: &str) -> Result<()> {
        match key {
            "spark.sql.session.timeZone" => {
                parse_time_zone(value)?;
            }
            "spark.sql.shuffle.partitions" => {
                let n: i64 = value.trim().parse().map_err(|_| {
                    EmberError::illegal_argument(format!("spark.sql.shuffle.partitions should be int, but was {value}"))
                })?;
                if n <= 0 {
                    return Err(EmberError::illegal_argument(format!(
                        "The value of spark.sql.shuffle.partitions should be positive, but was {n}"
                    )));
                }
            }
            "spark.sql.caseSensitive" | "spark.sql.repl.eagerEval.enabled" | "spark.sql.ansi.enabled" => {
                if !matches!(value.to_ascii_lowercase().as_str(), "true" | "false") {
                    return Err(EmberError::illegal_argument(format!("{key} should be boolean, but was {value}")));
                }
            }
            _ => {}
        }
        self.conf.write().unwrap().insert(key.to_string(), value.to_string());
        Ok(())
    }

    /// Set at session build time; static keys included.
    pub fn conf_set_initial(&self, key: &str, value: &str) -> Result<()> {
        self.conf_set(key, value)
    }

    pub fn conf_unset(&self, key: &str) {
        let fresh = Session::new();
        let mut conf = self.conf.write().unwrap();
        match fresh.conf_get(key) {
            Some(v) => conf.insert(key.to_string(), v),
            None => conf.remove(key),
        };
    }

    pub fn is_modifiable(&self, key: &str) -> bool {
        key.starts_with("spark.sql.") && !STATIC_CONFS.contains(&key)
    }

    pub fn conf_all(&self) -> Vec<(String, String)> {
        self.conf.read().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    fn bool_conf(&self, key: &str) -> bool {
        self.conf_get(key).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.conf_get("spark.sql.session.timeZone").and_then(|z| parse_time_zone(&z).ok()).unwrap_or(chrono_tz::UTC)
    }

    pub fn analysis(&self) -> AnalysisConfig {
        AnalysisConfig { case_sensitive: self.bool_conf("spark.sql.caseSensitive") }
    }

    pub fn shuffle_partitions(&self) -> usize {
        self.conf_get("spark.sql.shuffle.partitions").and_then(|v| v.parse().ok()).unwrap_or(2)
    }

    /// The context for one query: its clock is fixed at the start, as Spark fixes `current_timestamp()`.
    pub fn exec_context(&self) -> ExecContext {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        ExecContext {
            eval: EvalContext { time_zone: self.time_zone(), now_micros: now, partition: 0, row_offset: 0 },
            shuffle_partitions: self.shuffle_partitions(),
        }
    }

    pub fn register_view(&self, name: &str, plan: Arc<LogicalPlan>, global: bool, replace: bool) -> Result<()> {
        let map = if global { &self.global_views } else { &self.views };
        let mut views = map.write().unwrap();
        let key = name.to_ascii_lowercase();
        if !replace && views.contains_key(&key) {
            return Err(EmberError::analysis_class(
                "TEMP_TABLE_OR_VIEW_ALREADY_EXISTS",
                format!("Cannot create the temporary view `{name}` because it already exists.\nChoose a different name, drop or replace the existing view,  or add the IF NOT EXISTS clause to tolerate pre-existing views. SQLSTATE: 42P07"),
            ));
        }
        views.insert(key, plan);
        Ok(())
    }

    pub fn drop_view(&self, name: &str, global: bool) -> bool {
        let map = if global { &self.global_views } else { &self.views };
        map.write().unwrap().remove(&name.to_ascii_lowercase()).is_some()
    }

    /// A table by name: a temp view, or `global_temp.name`.
    pub fn table(&self, name: &str) -> Result<Arc<LogicalPlan>> {
        let parts = crate::expr::expr::split_name_parts(name);
        let found = match parts.as_slice() {
            [g, n] if g.eq_ignore_ascii_case("global_temp") => {
                self.global_views.read().unwrap().get(&n.to_ascii_lowercase()).cloned()
            }
            [n] => self.views.read().unwrap().get(&n.to_ascii_lowercase()).cloned(),
            _ => None,
        };
        found.ok_or_else(|| {
            EmberError::analysis_class(
                "TABLE_OR_VIEW_NOT_FOUND",
                format!("The table or view `{}` cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.\nTo tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS. SQLSTATE: 42P01",
                    parts.join("`.`")),
            )
        })
    }

    pub fn view_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.views.read().unwrap().keys().cloned().collect();
        v.sort();
        v
    }
}
