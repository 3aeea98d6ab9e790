//! Catalog tables' lifecycle, shared by `spark.sql` DDL, `saveAsTable`/`insertInto` and `spark.catalog`: create
//! (managed under `spark.sql.warehouse.dir`, or external at a location), write rows (Spark's INSERT resolution:
//! by position or by name, arity and safe-cast checks), drop (a managed table's directory goes with it),
//! truncate and describe.
//!
//! The catalog itself is in memory, as Spark's without Hive (`spark.sql.catalogImplementation=in-memory`): a new
//! process sees no tables of an earlier one even in the same warehouse, and a managed table's leftover directory
//! makes creating it again fail with LOCATION_ALREADY_EXISTS, exactly as in PySpark.
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Fields, Schema};

use super::{table_identifier, CatalogTable, Session};
use crate::error::{EmberError, Result};
use crate::expr::expr::Expr;
use crate::io::writer::SaveMode;
use crate::plan::{builder, LogicalPlan};

/// A table to create: its name, format and where it lives.
pub struct NewTable {
    pub name: String,
    /// None: `spark.sql.sources.default`.
    pub provider: Option<String>,
    /// The declared columns; None when they come from the data (CTAS, saveAsTable) or the location's files.
    pub columns: Option<Fields>,
    pub partition_by: Vec<String>,
    pub location: Option<String>,
    pub options: Vec<(String, String)>,
}

fn quoted_table(key: &str) -> String {
    format!("`spark_catalog`.`default`.`{key}`")
}

/// Spark's TABLE_OR_VIEW_NOT_FOUND for a command (DROP, INSERT, DESCRIBE) on a name that is neither.
pub fn table_not_found(name: &str) -> EmberError {
    let parts = crate::expr::expr::split_name_parts(name);
    let (shown, path) = match parts.as_slice() {
        [n] => (format!("`spark_catalog`.`default`.`{n}`"), "`spark_catalog`.`default`".to_string()),
        [d, n] => (format!("`spark_catalog`.`{d}`.`{n}`"), format!("`spark_catalog`.`{d}`")),
        _ => (format!("`{}`", parts.join("`.`")), "`spark_catalog`.`default`".to_string()),
    };
    EmberError::analysis_class(
        "TABLE_OR_VIEW_NOT_FOUND",
        format!("The table or view {shown} cannot be found. Verify the spelling and correctness of the schema and catalog.\nSearch path: [{path}].\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.\nTo tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS. SQLSTATE: 42P01"),
    )
}

/// Spark's session catalog takes names of letters, digits and `_` only.
fn check_name(key: &str) -> Result<()> {
    if !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Ok(());
    }
    Err(EmberError::analysis_class(
        "INVALID_SCHEMA_OR_RELATION_NAME",
        format!("`{key}` is not a valid name for tables/schemas. Valid names only contain alphabet characters, numbers and _. SQLSTATE: 42602"),
    ))
}

fn already_exists(key: &str) -> EmberError {
    EmberError::analysis_class(
        "TABLE_OR_VIEW_ALREADY_EXISTS",
        format!("Cannot create table or view {} because it already exists.\nChoose a different name, drop or replace the existing object, or add the IF NOT EXISTS clause to tolerate pre-existing objects. SQLSTATE: 42P07", quoted_table(key)),
    )
}

/// Spark's `Cast.canANSIStoreAssign` (spark.sql.storeAssignmentPolicy=ANSI, the default): what INSERT may cast.
fn can_store_assign(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    let numeric = |t: &DataType| t.is_numeric();
    let datetime = |t: &DataType| matches!(t, Date32 | Timestamp(_, _));
    match (from, to) {
        _ if from == to => true,
        (Null, _) => true,
        (f, t) if numeric(f) && numeric(t) => true,
        (_, Utf8 | LargeUtf8) => true,
        (f, t) if datetime(f) && datetime(t) => true,
        (List(a), List(b)) => can_store_assign(a.data_type(), b.data_type()),
        (Map(a, _), Map(b, _)) => can_store_assign(a.data_type(), b.data_type()),
        (Struct(a), Struct(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| can_store_assign(x.data_type(), y.data_type()))
        }
        _ => false,
    }
}

fn sql_type(dt: &DataType) -> String {
    format!("\"{}\"", crate::types::ddl::type_to_ddl(dt).to_ascii_uppercase())
}

impl Session {
    /// CREATE [OR REPLACE] VIEW (not temporary): a view of the catalog, listed with its tables. Returns false
    /// when it existed and `if_not_exists` let it be.
    pub fn create_persistent_view(
        &self,
        name: &str,
        plan: Arc<LogicalPlan>,
        replace: bool,
        if_not_exists: bool,
    ) -> Result<bool> {
        let key = table_identifier(name)?;
        check_name(&key)?;
        if self.tables.read().unwrap().contains_key(&key) {
            return if if_not_exists { Ok(false) } else { Err(already_exists(&key)) };
        }
        let mut views = self.persistent_views.write().unwrap();
        if views.contains_key(&key) && !replace {
            return if if_not_exists { Ok(false) } else { Err(already_exists(&key)) };
        }
        views.insert(key, plan);
        Ok(true)
    }

    /// The names of the catalog's (persistent) views, sorted.
    pub fn persistent_view_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.persistent_views.read().unwrap().keys().cloned().collect();
        v.sort();
        v
    }

    /// The managed location of table `key`: `<spark.sql.warehouse.dir>/<key>`.
    pub fn managed_location(&self, key: &str) -> PathBuf {
        let warehouse = self.conf_get("spark.sql.warehouse.dir").unwrap_or_else(|| "spark-warehouse".to_string());
        let dir = crate::io::paths::local_path(&warehouse);
        let dir = if dir.is_absolute() { dir } else { std::env::current_dir().unwrap_or_default().join(dir) };
        dir.join(key)
    }

    /// The catalog table `name`, or TABLE_OR_VIEW_NOT_FOUND (EXPECT_TABLE_NOT_VIEW for a temp view).
    pub fn existing_table(&self, name: &str, command: &str) -> Result<CatalogTable> {
        if self.is_temp_view(name) {
            return Err(EmberError::analysis_class(
                "EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE",
                format!("'{command}' expects a table but `{name}` is a view.  SQLSTATE: 42809"),
            ));
        }
        match self.catalog_table(name) {
            Ok(Some(t)) => Ok(t),
            _ => Err(table_not_found(name)),
        }
    }

    /// Create a catalog table, writing `data` into it when given (CTAS, saveAsTable). Returns false when the
    /// table existed and `if_not_exists` let it be.
    pub fn create_catalog_table(
        &self,
        spec: NewTable,
        data: Option<&LogicalPlan>,
        if_not_exists: bool,
        ctx: &crate::context::ExecContext,
    ) -> Result<bool> {
        let key = table_identifier(&spec.name)?;
        check_name(&key)?;
        if self.tables.read().unwrap().contains_key(&key) || self.persistent_views.read().unwrap().contains_key(&key) {
            return if if_not_exists { Ok(false) } else { Err(already_exists(&key)) };
        }
        let provider = spec
            .provider
            .clone()
            .or_else(|| self.conf_get("spark.sql.sources.default"))
            .unwrap_or_else(|| "parquet".to_string())
            .to_ascii_lowercase();
        let delta = crate::io::delta::is_delta(&provider);
        if !delta {
            crate::io::format::file_format(&provider).map_err(|_| {
                EmberError::not_implemented(format!(
                    "Tables of the {provider} format are not supported by ember (file formats and delta are)"
                ))
            })?;
        }
        let (location, external) = match &spec.location {
            Some(l) => (crate::io::paths::local_path(l), true),
            None => (self.managed_location(&key), false),
        };
        let location =
            if location.is_absolute() { location } else { std::env::current_dir().unwrap_or_default().join(location) };
        if !external
            && location.is_dir()
            && std::fs::read_dir(&location).map(|mut d| d.next().is_some()).unwrap_or(false)
        {
            return Err(EmberError::execution_class(
                "LOCATION_ALREADY_EXISTS",
                format!("Cannot name the managed table as {}, as its associated location '{}' already exists. Please pick a different table name, or remove the existing location first. SQLSTATE: 42710", quoted_table(&key), crate::io::paths::file_uri(&location)),
            ));
        }
        let fields = match (&spec.columns, data) {
            (Some(cols), None) => cols.clone(),
            (_, Some(plan)) => plan.schema.fields.clone(),
            (None, None) => {
                // A table over existing files takes their columns, as Spark infers them.
                let opts = crate::io::options::Options::from_pairs(spec.options.clone());
                let path = location.display().to_string();
                crate::io::read_format(&provider, &[path], &opts, None, &ctx.eval).map(|(f, _)| f).map_err(|_| {
                    EmberError::analysis_class(
                        "UNABLE_TO_INFER_SCHEMA",
                        format!(
                            "Unable to infer schema for {}. It must be specified manually. SQLSTATE: 42KD9",
                            format_title(&provider)
                        ),
                    )
                })?
            }
        };
        let fields = crate::types::fields_as_nullable(&fields);
        let mut partition_by = Vec::new();
        for p in &spec.partition_by {
            let f = fields.iter().find(|f| f.name().eq_ignore_ascii_case(p)).ok_or_else(|| {
                let columns: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name())).collect();
                EmberError::analysis_class(
                    "COLUMN_NOT_DEFINED_IN_TABLE",
                    format!("partition column `{p}` is not defined in table {}, defined table columns are: {}. SQLSTATE: 42703", quoted_table(&key), columns.join(", ")),
                )
            })?;
            partition_by.push(f.name().clone());
        }
        // File tables put partition columns last (Hive's layout); a Delta table keeps the declared order.
        let fields: Fields = if delta {
            fields
        } else {
            let (parts, data_cols): (Vec<_>, Vec<_>) =
                fields.iter().cloned().partition(|f| partition_by.contains(f.name()));
            let parts: Vec<_> =
                partition_by.iter().filter_map(|n| parts.iter().find(|f| f.name() == n).cloned()).collect();
            data_cols.into_iter().chain(parts).collect()
        };
        if !delta {
            crate::io::format::file_format(&provider)?.check_write_schema(&Schema::new(fields.clone()))?;
        }
        std::fs::create_dir_all(&location)?;
        let table = CatalogTable {
            name: key.clone(),
            format: provider,
            location: location.display().to_string(),
            fields,
            partition_by,
            options: crate::io::options::Options::from_pairs(spec.options),
            external,
            created: std::time::SystemTime::now(),
        };
        if let Some(plan) = data {
            // Spark writes the rows before the table enters the catalog: a failed write leaves no table.
            let plan = builder::fresh_ids(&Arc::new(plan.clone()));
            // The table's column order (partition columns last), by name.
            let exprs: Vec<Expr> = table
                .fields
                .iter()
                .map(|f| {
                    let i = plan.schema.fields.iter().position(|d| d.name() == f.name()).unwrap_or(0);
                    Expr::Attribute { id: plan.schema.attrs[i].id, name: f.name().clone() }
                })
                .collect();
            let plan = builder::select(&plan, &exprs, self.analysis())?;
            let batches = crate::exec::execute::execute(&plan, ctx)?;
            let schema = Arc::new(Schema::new(table.fields.clone()));
            let batches = reorder(&batches, &plan.schema.fields, &schema)?;
            write_rows(&table, &batches, &schema, SaveMode::Append, ctx)?;
        }
        self.create_table(table)?;
        Ok(true)
    }

    /// INSERT / insertInto / saveAsTable(append): the plan's rows into table `name`, matched to its columns by
    /// position (or by name when `by_name`, or through an INSERT's column list), cast as Spark's store assignment.
    pub fn insert_into_table(
        &self,
        name: &str,
        plan: &Arc<LogicalPlan>,
        columns: Option<&[String]>,
        by_name: bool,
        overwrite: bool,
        ctx: &crate::context::ExecContext,
    ) -> Result<()> {
        let table = self.existing_table(name, "INSERT")?;
        let target = &table.fields;
        let data = &plan.schema.fields;
        let quoted = quoted_table(&table.name);
        let names = |fs: &mut dyn Iterator<Item = &str>| fs.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let arity = |sub: &str, reason: &str, table_cols: String| {
            EmberError::analysis_class(
                &format!("INSERT_COLUMN_ARITY_MISMATCH.{sub}"),
                format!(
                    "Cannot write to {quoted}, the reason is {reason}:\nTable columns: {table_cols}.\nData columns: {}. SQLSTATE: 21S01",
                    names(&mut data.iter().map(|f| f.name().as_str()))
                ),
            )
        };
        // Which data column feeds each table column.
        let sources: Vec<Option<usize>> = if let Some(cols) = columns {
            let cols_text = names(&mut cols.iter().map(String::as_str));
            if data.len() > cols.len() {
                return Err(arity("TOO_MANY_DATA_COLUMNS", "too many data columns", cols_text));
            }
            if data.len() < cols.len() {
                return Err(arity("NOT_ENOUGH_DATA_COLUMNS", "not enough data columns", cols_text));
            }
            for c in cols {
                if !target.iter().any(|f| f.name().eq_ignore_ascii_case(c)) {
                    return Err(EmberError::analysis_class(
                        "UNRESOLVED_COLUMN.WITH_SUGGESTION",
                        format!("A column, variable, or function parameter with name `{c}` cannot be resolved. Did you mean one of the following? [{}]. SQLSTATE: 42703", names(&mut target.iter().map(|f| f.name().as_str()))),
                    ));
                }
            }
            target.iter().map(|f| cols.iter().position(|c| c.eq_ignore_ascii_case(f.name()))).collect()
        } else if by_name {
            let mut out = Vec::new();
            for f in target.iter() {
                out.push(data.iter().position(|d| d.name().eq_ignore_ascii_case(f.name())));
            }
            if let Some(extra) = data.iter().find(|d| !target.iter().any(|f| f.name().eq_ignore_ascii_case(d.name()))) {
                return Err(EmberError::analysis_class(
                    "INCOMPATIBLE_DATA_FOR_TABLE.EXTRA_COLUMNS",
                    format!("Cannot write incompatible data for the table {quoted}: Cannot find data for the output column `{}`. SQLSTATE: KD000", extra.name()),
                ));
            }
            out
        } else {
            let table_cols = names(&mut target.iter().map(|f| f.name().as_str()));
            if data.len() > target.len() {
                return Err(arity("TOO_MANY_DATA_COLUMNS", "too many data columns", table_cols));
            }
            if data.len() < target.len() {
                return Err(arity("NOT_ENOUGH_DATA_COLUMNS", "not enough data columns", table_cols));
            }
            (0..target.len()).map(Some).collect()
        };
        let mut exprs = Vec::new();
        for (f, src) in target.iter().zip(&sources) {
            let e = match src {
                Some(i) => {
                    let from = data[*i].data_type();
                    if !can_store_assign(from, f.data_type()) {
                        return Err(EmberError::analysis_class(
                            "INCOMPATIBLE_DATA_FOR_TABLE.CANNOT_SAFELY_CAST",
                            format!(
                                "Cannot write incompatible data for the table {quoted}: Cannot safely cast `{}` {} to {}. SQLSTATE: KD000",
                                f.name(),
                                sql_type(from),
                                sql_type(f.data_type())
                            ),
                        ));
                    }
                    Expr::Attribute { id: plan.schema.attrs[*i].id, name: data[*i].name().clone() }
                }
                None if by_name => {
                    return Err(EmberError::analysis_class(
                        "INCOMPATIBLE_DATA_FOR_TABLE.CANNOT_FIND_DATA",
                        format!("Cannot write incompatible data for the table {quoted}: Cannot find data for the output column `{}`. SQLSTATE: KD000", f.name()),
                    ));
                }
                // A column the INSERT's list leaves out gets its default, NULL.
                None => Expr::lit(arrow::array::new_null_array(f.data_type(), 1)),
            };
            exprs.push(Expr::Alias {
                expr: Box::new(Expr::Cast { expr: Box::new(e), to: f.data_type().clone() }),
                name: f.name().clone(),
            });
        }
        if overwrite && reads_location(plan, &table.location) {
            return Err(overwrite_read_table(&table.name));
        }
        let projected = builder::select(plan, &exprs, self.analysis())?;
        let batches = crate::exec::execute::execute(&projected, ctx)?;
        let schema = Arc::new(Schema::new(target.clone()));
        let batches = reorder(&batches, &projected.schema.fields, &schema)?;
        let mode = if overwrite { SaveMode::Overwrite } else { SaveMode::Append };
        write_rows(&table, &batches, &schema, mode, ctx)
    }

    /// DROP TABLE / DROP VIEW. Returns false when nothing was there and `if_exists` allowed it.
    pub fn drop_table_or_view(&self, name: &str, view: bool, if_exists: bool) -> Result<bool> {
        if self.is_temp_view(name) {
            let global = crate::expr::expr::split_name_parts(name).len() == 2;
            let bare = crate::expr::expr::split_name_parts(name).pop().unwrap_or_default();
            return Ok(self.drop_view(&bare, global));
        }
        if let Ok(key) = table_identifier(name) {
            // Spark's DROP TABLE drops a view of the catalog too.
            if self.persistent_views.write().unwrap().remove(&key).is_some() {
                return Ok(true);
            }
        }
        let table = match self.catalog_table(name) {
            Ok(Some(t)) => t,
            _ if if_exists => return Ok(false),
            _ => return Err(table_not_found(name)),
        };
        if view {
            return Err(EmberError::analysis_class(
                "WRONG_COMMAND_FOR_OBJECT_TYPE",
                format!("The operation DROP VIEW requires a VIEW or METRIC_VIEW. But spark_catalog.default.{} is a {}. Use DROP TABLE instead. SQLSTATE: 42809", table.name, if table.external { "EXTERNAL" } else { "MANAGED" }),
            ));
        }
        self.tables.write().unwrap().remove(&table.name);
        if !table.external {
            let path = crate::io::paths::local_path(&table.location);
            if path.exists() {
                std::fs::remove_dir_all(&path)?;
            }
        }
        Ok(true)
    }

    /// TRUNCATE TABLE: the table's data files go, the table stays.
    pub fn truncate_table(&self, name: &str) -> Result<()> {
        let table = self.existing_table(name, "TRUNCATE TABLE")?;
        if crate::io::delta::is_delta(&table.format) {
            return Err(EmberError::not_implemented("TRUNCATE TABLE of a Delta table is not supported by ember yet"));
        }
        let path = crate::io::paths::local_path(&table.location);
        if path.exists() {
            for entry in std::fs::read_dir(&path)? {
                let p = entry?.path();
                if p.is_dir() {
                    std::fs::remove_dir_all(&p)?;
                } else {
                    std::fs::remove_file(&p)?;
                }
            }
        }
        Ok(())
    }

    /// DESCRIBE [EXTENDED]: (col_name, data_type, comment) rows as Spark prints them.
    pub fn describe_table(&self, name: &str, extended: bool) -> Result<Vec<(String, String, Option<String>)>> {
        let row = |a: &str, b: &str, c: Option<&str>| (a.to_string(), b.to_string(), c.map(str::to_string));
        let column = |f: &Field| {
            let comment = crate::types::ddl::field_comment(f);
            (f.name().clone(), crate::types::ddl::type_to_ddl(f.data_type()).to_ascii_lowercase(), comment)
        };
        let persistent_view =
            table_identifier(name).map(|k| self.persistent_views.read().unwrap().contains_key(&k)).unwrap_or(false);
        if self.is_temp_view(name) || persistent_view {
            let plan = self.table(name)?;
            return Ok(plan.schema.fields.iter().map(|f| column(f)).collect());
        }
        let table = self.existing_table(name, "DESCRIBE TABLE").map_err(|e| match e.error_class() {
            Some("EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE") => e,
            _ => table_not_found(name),
        })?;
        let mut rows: Vec<_> = table.fields.iter().map(|f| column(f)).collect();
        if !table.partition_by.is_empty() {
            rows.push(row("# Partition Information", "", Some("")));
            rows.push(row("# col_name", "data_type", Some("comment")));
            for p in &table.partition_by {
                if let Some(f) = table.fields.iter().find(|f| f.name() == p) {
                    rows.push(column(f));
                }
            }
        }
        if extended {
            let location = crate::io::paths::file_uri(&crate::io::paths::local_path(&table.location));
            rows.push(row("", "", Some("")));
            rows.push(row("# Detailed Table Information", "", Some("")));
            rows.push(row("Catalog", "spark_catalog", Some("")));
            rows.push(row("Database", "default", Some("")));
            rows.push(row("Table", &table.name, Some("")));
            rows.push(row("Created Time", &java_date_string(table.created), Some("")));
            rows.push(row("Last Access", "UNKNOWN", Some("")));
            rows.push(row("Created By", &format!("Spark {}", "4.3.0"), Some("")));
            rows.push(row("Type", if table.external { "EXTERNAL" } else { "MANAGED" }, Some("")));
            rows.push(row("Provider", &table.format, Some("")));
            rows.push(row("Location", &location, Some("")));
            let props: Vec<String> = table.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if !props.is_empty() {
                rows.push(row("Storage Properties", &format!("[{}]", props.join(", ")), Some("")));
            }
            if !table.partition_by.is_empty() {
                rows.push(row("Partition Provider", "Catalog", Some("")));
            }
        }
        Ok(rows)
    }

    /// A table's columns for `spark.catalog.listColumns`: (name, comment, type, nullable, is partition).
    pub fn table_columns(&self, name: &str) -> Result<Vec<(String, Option<String>, String, bool, bool)>> {
        let persistent_view =
            table_identifier(name).map(|k| self.persistent_views.read().unwrap().contains_key(&k)).unwrap_or(false);
        let (fields, partition_by) = if self.is_temp_view(name) || persistent_view {
            (self.table(name)?.schema.fields.clone(), vec![])
        } else {
            let t = self.catalog_table(name)?.ok_or_else(|| table_not_found(name))?;
            (t.fields, t.partition_by)
        };
        Ok(fields
            .iter()
            .map(|f| {
                (
                    f.name().clone(),
                    crate::types::ddl::field_comment(f),
                    crate::types::ddl::type_to_ddl(f.data_type()).to_ascii_lowercase(),
                    f.is_nullable(),
                    partition_by.contains(f.name()),
                )
            })
            .collect())
    }
}

/// Java's `Date.toString` in the machine's zone (`Mon Dec 07 17:46:03 UTC 2026`), as Spark shows a creation time.
fn java_date_string(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let zone: chrono_tz::Tz = super::system_time_zone().parse().unwrap_or(chrono_tz::UTC);
    let utc = chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
    utc.with_timezone(&zone).format("%a %b %d %H:%M:%S %Z %Y").to_string()
}

/// Whether `plan` reads files under `location` (an overwrite of it would delete its own input).
fn reads_location(plan: &LogicalPlan, location: &str) -> bool {
    if let crate::plan::PlanNode::FileScan { paths, .. } = &plan.node {
        let target = crate::io::paths::local_path(location);
        if paths.iter().any(|p| crate::io::paths::local_path(p).starts_with(&target)) {
            return true;
        }
    }
    plan.children().into_iter().any(|c| reads_location(c, location))
}

fn overwrite_read_table(key: &str) -> EmberError {
    EmberError::analysis_class(
        "UNSUPPORTED_OVERWRITE.TABLE",
        format!(
            "Can't overwrite the target that is also being read from. The table is {}. SQLSTATE: 42902",
            quoted_table(key)
        ),
    )
}

fn format_title(provider: &str) -> String {
    match provider {
        "parquet" => "Parquet".into(),
        "csv" => "CSV".into(),
        "json" => "JSON".into(),
        "orc" => "ORC".into(),
        other => other.to_string(),
    }
}

/// Batches with `schema`'s columns (same order as `fields`, renamed and re-typed to the table's nullability).
fn reorder(batches: &[RecordBatch], fields: &Fields, schema: &Arc<Schema>) -> Result<Vec<RecordBatch>> {
    debug_assert_eq!(fields.len(), schema.fields().len());
    batches
        .iter()
        .map(|b| crate::types::batch::make_batch(schema.clone(), b.columns().to_vec(), b.num_rows()))
        .collect()
}

/// Write rows with the table's schema into its location in its format.
fn write_rows(
    table: &CatalogTable,
    batches: &[RecordBatch],
    schema: &Arc<Schema>,
    mode: SaveMode,
    ctx: &crate::context::ExecContext,
) -> Result<()> {
    if crate::io::delta::is_delta(&table.format) {
        let root = crate::io::paths::local_path(&table.location);
        let mode_name = if mode == SaveMode::Overwrite { "Overwrite" } else { "Append" };
        let w = crate::io::delta::table::Write {
            batches,
            schema,
            mode,
            partition_by: &table.partition_by,
            options: &table.options,
            txn: None,
            operation: "WRITE",
            operation_parameters: serde_json::json!({
                "mode": mode_name,
                "partitionBy": serde_json::to_string(&table.partition_by)?,
            }),
            replace_files: None,
            replay: None,
        };
        crate::io::delta::table::write(&root, &w, &ctx.eval)?;
        return Ok(());
    }
    let mode_name = if mode == SaveMode::Overwrite { "overwrite" } else { "append" };
    crate::io::write_format(
        batches,
        schema,
        &table.location,
        &table.format,
        mode_name,
        &table.partition_by,
        &table.options,
        &ctx.eval,
    )
}

/// The name Spark's error gives a file format's V2 source (`ParquetDataSourceV2`).
fn format_source_name(provider: &str) -> String {
    match provider {
        "delta" => "DeltaDataSource".into(),
        "csv" => "CSVDataSourceV2".into(),
        "json" => "JsonDataSourceV2".into(),
        other => format!("{}DataSourceV2", format_title(other)),
    }
}

/// `DataFrameWriter.saveAsTable`.
pub fn save_as_table(
    session: &Session,
    plan: &Arc<LogicalPlan>,
    name: &str,
    format: Option<String>,
    mode: &str,
    partition_by: Vec<String>,
    options: Vec<(String, String)>,
) -> Result<()> {
    let mode = SaveMode::parse(mode)?;
    let ctx = session.exec_context();
    let (path, options): (Vec<_>, Vec<_>) = options.into_iter().partition(|(k, _)| k.eq_ignore_ascii_case("path"));
    let location = path.into_iter().last().map(|(_, v)| v);
    let format = format
        .or_else(|| session.conf_get("spark.sql.sources.default"))
        .unwrap_or_else(|| "parquet".into())
        .to_ascii_lowercase();
    let key = table_identifier(name)?;
    if let Some(table) = session.catalog_table(name)? {
        match mode {
            SaveMode::ErrorIfExists => return Err(already_exists(&key)),
            SaveMode::Ignore => return Ok(()),
            _ => {}
        }
        if table.format != format {
            return Err(EmberError::analysis_class(
                "_LEGACY_ERROR_TEMP_1159",
                format!(
                    "The format of the existing table spark_catalog.default.{key} is `{}`. It doesn't match the specified format `{}`.",
                    format_source_name(&table.format),
                    format_source_name(&format)
                ),
            )
            .map_message(|m| m.trim_start_matches("[_LEGACY_ERROR_TEMP_1159] ").to_string()));
        }
        if mode == SaveMode::Append {
            if plan.schema.fields.len() != table.fields.len() {
                let schema_text =
                    |fs: &Fields| format!("struct<{}>", crate::types::ddl::fields_to_ddl(fs).replace(' ', ":"));
                return Err(EmberError::analysis_class(
                    "_LEGACY_ERROR_TEMP_1161",
                    format!(
                        "The column number of the existing table spark_catalog.default.{key}({}) doesn't match the data schema({}).",
                        schema_text(&table.fields),
                        schema_text(&plan.schema.fields)
                    ),
                )
                .map_message(|m| m.trim_start_matches("[_LEGACY_ERROR_TEMP_1161] ").to_string()));
            }
            return session.insert_into_table(name, plan, None, true, false, &ctx);
        }
        if crate::io::delta::is_delta(&table.format) {
            // A Delta table keeps its history: the overwrite is a new version with the DataFrame's schema.
            let batches = crate::exec::execute::execute(plan, &ctx)?;
            let schema = plan.schema.arrow_schema();
            let mut opts = table.options.clone();
            opts.set("overwriteSchema", "true");
            let fields = crate::types::fields_as_nullable(&plan.schema.fields);
            let new = CatalogTable { fields, options: opts, partition_by: partition_by.clone(), ..table.clone() };
            write_rows(&new, &batches, &schema, SaveMode::Overwrite, &ctx)?;
            session.tables.write().unwrap().insert(key, CatalogTable { options: table.options, ..new });
            return Ok(());
        }
        if reads_location(plan, &table.location) {
            return Err(overwrite_read_table(&table.name));
        }
        // A file table is dropped and created again from the DataFrame, as Spark's overwrite replaces it.
        session.drop_table_or_view(name, false, false)?;
        let location = table.external.then(|| table.location.clone());
        let spec = NewTable { name: key, provider: Some(format), columns: None, partition_by, location, options };
        session.create_catalog_table(spec, Some(plan), false, &ctx)?;
        return Ok(());
    }
    let spec = NewTable { name: key, provider: Some(format), columns: None, partition_by, location, options };
    session.create_catalog_table(spec, Some(plan), false, &ctx)?;
    Ok(())
}
