//! Session state: SQL conf, temporary views, and the contexts derived from them for analysis and execution.
pub mod sql_command;
pub mod tables;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use crate::context::EvalContext;
use crate::context::ExecContext;
use crate::error::{EmberError, Result};
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

/// A table of the session catalog (`spark_catalog.default`): a directory of files of one format, read when a
/// query runs, so it shows what writers (e.g. a streaming `toTable`) have committed since.
#[derive(Clone, Debug)]
pub struct CatalogTable {
    /// The name as created (lower case, as Spark's catalog keeps it).
    pub name: String,
    pub format: String,
    /// The directory, as a local path or `file:` URI.
    pub location: String,
    /// The table's columns, partition columns last.
    pub fields: arrow::datatypes::Fields,
    pub partition_by: Vec<String>,
    /// The format's options given when the table was created (e.g. CSV's `header`), used to read it too.
    pub options: crate::io::options::Options,
    /// Created at a user-given path (EXTERNAL) rather than under the warehouse directory (MANAGED).
    pub external: bool,
    /// When the table was created (DESCRIBE EXTENDED's Created Time).
    pub created: std::time::SystemTime,
}

/// A SparkSession's state.
pub struct Session {
    conf: RwLock<BTreeMap<String, String>>,
    views: RwLock<HashMap<String, Arc<LogicalPlan>>>,
    global_views: RwLock<HashMap<String, Arc<LogicalPlan>>>,
    tables: RwLock<HashMap<String, CatalogTable>>,
    /// `CREATE VIEW` (not temporary): views of `spark_catalog.default`, next to its tables.
    persistent_views: RwLock<HashMap<String, Arc<LogicalPlan>>>,
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
        // Spark resolves the warehouse against the working directory when the session starts.
        if let Ok(cwd) = std::env::current_dir() {
            let dir = cwd.join("spark-warehouse").display().to_string().replace('%', "%25").replace(' ', "%20");
            conf.insert("spark.sql.warehouse.dir".to_string(), format!("file:{dir}"));
        }
        Session {
            conf: RwLock::new(conf),
            views: RwLock::new(HashMap::new()),
            global_views: RwLock::new(HashMap::new()),
            tables: RwLock::new(HashMap::new()),
            persistent_views: RwLock::new(HashMap::new()),
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

    /// A table by name: a temp view, `global_temp.name`, or a catalog table (`name`, `default.name`,
    /// `spark_catalog.default.name`); a temp view hides a catalog table of the same unqualified name.
    pub fn table(&self, name: &str) -> Result<Arc<LogicalPlan>> {
        let parts = crate::expr::expr::split_name_parts(name);
        let found = match parts.as_slice() {
            [g, n] if g.eq_ignore_ascii_case("global_temp") => {
                self.global_views.read().unwrap().get(&n.to_ascii_lowercase()).cloned()
            }
            [n] => self.views.read().unwrap().get(&n.to_ascii_lowercase()).cloned(),
            _ => None,
        };
        let found = match found {
            Some(plan) => Some(plan),
            None => match catalog_table_key(&parts) {
                Some(Ok(key)) => self
                    .tables
                    .read()
                    .unwrap()
                    .get(&key)
                    .map(table_scan)
                    .or_else(|| self.persistent_views.read().unwrap().get(&key).cloned()),
                _ => None,
            },
        };
        found.ok_or_else(|| {
            EmberError::analysis_class(
                "TABLE_OR_VIEW_NOT_FOUND",
                format!("The table or view `{}` cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.\nTo tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS. SQLSTATE: 42P01",
                    parts.join("`.`")),
            )
        })
    }

    /// Whether `name` is a temp view (`name`) or a global temp view (`global_temp.name`).
    pub fn is_temp_view(&self, name: &str) -> bool {
        match crate::expr::expr::split_name_parts(name).as_slice() {
            [g, n] if g.eq_ignore_ascii_case("global_temp") => {
                self.global_views.read().unwrap().contains_key(&n.to_ascii_lowercase())
            }
            [n] => self.views.read().unwrap().contains_key(&n.to_ascii_lowercase()),
            _ => false,
        }
    }

    /// The catalog table `name` names, if it exists; SCHEMA_NOT_FOUND when it names another schema.
    pub fn catalog_table(&self, name: &str) -> Result<Option<CatalogTable>> {
        let key = table_identifier(name)?;
        Ok(self.tables.read().unwrap().get(&key).cloned())
    }

    /// Add a table to the catalog (its directory is the caller's business). TABLE_OR_VIEW_ALREADY_EXISTS when
    /// the name is taken.
    pub fn create_table(&self, table: CatalogTable) -> Result<()> {
        let key = table_identifier(&table.name)?;
        let mut tables = self.tables.write().unwrap();
        if tables.contains_key(&key) || self.persistent_views.read().unwrap().contains_key(&key) {
            return Err(EmberError::analysis_class(
                "TABLE_OR_VIEW_ALREADY_EXISTS",
                format!("Cannot create table or view `spark_catalog`.`default`.`{key}` because it already exists.\nChoose a different name, drop or replace the existing object, or add the IF NOT EXISTS clause to tolerate pre-existing objects. SQLSTATE: 42P07"),
            ));
        }
        tables.insert(key.clone(), CatalogTable { name: key, ..table });
        Ok(())
    }

    /// The catalog's tables, sorted by name.
    pub fn catalog_tables(&self) -> Vec<CatalogTable> {
        let mut v: Vec<CatalogTable> = self.tables.read().unwrap().values().cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    pub fn view_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.views.read().unwrap().keys().cloned().collect();
        v.sort();
        v
    }
}

impl crate::plan::catalog::Catalog for Session {
    fn analysis(&self) -> AnalysisConfig {
        Session::analysis(self)
    }
    fn table(&self, name: &str) -> Result<Arc<LogicalPlan>> {
        Session::table(self, name)
    }
}

/// Spark's SCHEMA_NOT_FOUND for a schema of `spark_catalog` (ember's catalog has only `default`).
pub(crate) fn schema_not_found(schema: &str) -> EmberError {
    EmberError::analysis_class(
        "SCHEMA_NOT_FOUND",
        format!("The schema `spark_catalog`.`{schema}` cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a catalog, verify the current_schema() output, or qualify the name with the correct catalog.\nTo tolerate the error on drop use DROP SCHEMA IF EXISTS. SQLSTATE: 42704"),
    )
}

/// The catalog key (lower-case table name) of `name`, `default.name` or `spark_catalog.default.name`; None for a
/// name that cannot be a catalog table, Some(Err) for one in a schema other than `default`.
fn catalog_table_key(parts: &[String]) -> Option<Result<String>> {
    match parts {
        [n] => Some(Ok(n.to_ascii_lowercase())),
        [d, n] if d.eq_ignore_ascii_case("default") => Some(Ok(n.to_ascii_lowercase())),
        [c, d, n] if c.eq_ignore_ascii_case("spark_catalog") && d.eq_ignore_ascii_case("default") => {
            Some(Ok(n.to_ascii_lowercase()))
        }
        [d, _] => Some(Err(schema_not_found(d))),
        [c, d, _] if c.eq_ignore_ascii_case("spark_catalog") => Some(Err(schema_not_found(d))),
        _ => None,
    }
}

/// The catalog key of a table name; an error for names that cannot name a catalog table.
pub fn table_identifier(name: &str) -> Result<String> {
    let parts = crate::expr::expr::split_name_parts(name);
    if parts.len() > 3 && parts.iter().all(|p| !p.is_empty()) {
        let quoted: Vec<String> = parts.iter().map(|p| format!("`{}`", p.replace('`', "``"))).collect();
        return Err(EmberError::analysis_class(
            "REQUIRES_SINGLE_PART_NAMESPACE",
            format!(
                "spark_catalog requires a single-part namespace, but got identifier {}. SQLSTATE: 42K05",
                quoted.join(".")
            ),
        ));
    }
    match catalog_table_key(&parts) {
        Some(key) if parts.iter().all(|p| !p.is_empty()) => key,
        _ => Err(EmberError::parse_class(
            "PARSE_SYNTAX_ERROR",
            format!("Syntax error at or near '{name}'. SQLSTATE: 42601"),
        )),
    }
}

/// A catalog table as a plan: its directory's files, read when the plan runs (committed files only, when a
/// streaming file sink writes there).
fn table_scan(table: &CatalogTable) -> Arc<LogicalPlan> {
    LogicalPlan::new(
        crate::plan::PlanNode::FileScan {
            format: table.format.clone(),
            paths: vec![table.location.clone()],
            options: table.options.clone(),
            user_schema: true,
        },
        crate::expr::schema::PlanSchema::fresh(table.fields.clone()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_table_names() {
        assert_eq!(table_identifier("T1").unwrap(), "t1");
        assert_eq!(table_identifier("default.t1").unwrap(), "t1");
        assert_eq!(table_identifier("spark_catalog.Default.`a.b`").unwrap(), "a.b");
        let err = table_identifier("nodb.t").unwrap_err();
        assert_eq!(err.error_class(), Some("SCHEMA_NOT_FOUND"));
        assert!(err.message().starts_with("[SCHEMA_NOT_FOUND] The schema `spark_catalog`.`nodb` cannot be found."));
        assert_eq!(table_identifier("a.b.c.d").unwrap_err().error_class(), Some("REQUIRES_SINGLE_PART_NAMESPACE"));
        assert!(table_identifier("").is_err());
    }
}
