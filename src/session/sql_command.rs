//! `spark.sql`: a statement run against the session. Table and view commands run now, as Spark runs commands
//! eagerly, and give their result rows (SHOW TABLES, DESCRIBE) or no columns; a query is planned, not run.
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, StringArray};
use arrow::datatypes::{DataType, Field, Fields, Schema};

use super::tables::NewTable;
use super::Session;
use crate::error::{EmberError, Result};
use crate::plan::sql_statement::{parse_sql_statement, SqlStatement};
use crate::plan::{builder, sql_planner::plan_sql, LogicalPlan};

type Plan = Arc<LogicalPlan>;

/// Run one `spark.sql` statement.
pub fn run_sql(session: &Session, text: &str) -> Result<Plan> {
    let ctx = || session.exec_context();
    match parse_sql_statement(text)? {
        SqlStatement::Query(q) => plan_sql(&q, session),
        SqlStatement::CreateTable(t) => {
            let columns = t.columns.as_deref().map(crate::types::ddl::parse_table_schema).transpose()?;
            let data = t.as_query.as_deref().map(|q| plan_sql(q, session)).transpose()?;
            if columns.is_some() && data.is_some() {
                return Err(EmberError::parse_class(
                    "_LEGACY_ERROR_TEMP_0035",
                    "Operation not allowed: Schema may not be specified in a Create Table As Select (CTAS) statement.",
                ));
            }
            let spec = NewTable {
                name: t.name,
                provider: t.provider,
                columns,
                partition_by: t.partition_by,
                location: t.location,
                options: t.options,
            };
            session.create_catalog_table(spec, data.as_deref(), t.if_not_exists, &ctx())?;
            Ok(no_rows())
        }
        SqlStatement::CreateView { name, replace, temporary: false, if_not_exists, query, .. } => {
            let plan = plan_sql(&query, session)?;
            session.create_persistent_view(&name, plan, replace, if_not_exists)?;
            Ok(no_rows())
        }
        SqlStatement::CreateView { name, replace, global, if_not_exists, query, .. } => {
            let plan = plan_sql(&query, session)?;
            let exists = session.is_temp_view(&if global { format!("global_temp.{name}") } else { name.clone() });
            if !(if_not_exists && exists) {
                session.register_view(&name, plan, global, replace).map_err(|e| {
                    e.map_message(|m| {
                        m.replace(",  or add the IF NOT EXISTS clause to tolerate pre-existing views", "")
                    })
                })?;
            }
            Ok(no_rows())
        }
        SqlStatement::Drop { name, view, if_exists } => {
            session.drop_table_or_view(&name, view, if_exists)?;
            Ok(no_rows())
        }
        SqlStatement::Insert { table, overwrite, columns, query } => {
            let plan = plan_sql(&query, session)?;
            session.insert_into_table(&table, &plan, columns.as_deref(), false, overwrite, &ctx())?;
            Ok(no_rows())
        }
        SqlStatement::ShowTables { namespace } => {
            if let Some(ns) = &namespace {
                let parts = crate::expr::expr::split_name_parts(ns);
                let is_default = match parts.as_slice() {
                    [d] => d.eq_ignore_ascii_case("default"),
                    [c, d] => c.eq_ignore_ascii_case("spark_catalog") && d.eq_ignore_ascii_case("default"),
                    _ => false,
                };
                if !is_default {
                    return Err(super::schema_not_found(parts.last().map(String::as_str).unwrap_or("")));
                }
            }
            let mut catalog: Vec<String> = session.catalog_tables().into_iter().map(|t| t.name).collect();
            catalog.extend(session.persistent_view_names());
            catalog.sort();
            let mut rows: Vec<(String, String, bool)> =
                catalog.into_iter().map(|name| ("default".to_string(), name, false)).collect();
            rows.extend(session.view_names().into_iter().map(|v| (String::new(), v, true)));
            let fields = Fields::from(vec![
                Field::new("namespace", DataType::Utf8, false),
                Field::new("tableName", DataType::Utf8, false),
                Field::new("isTemporary", DataType::Boolean, false),
            ]);
            let columns: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0.as_str()))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1.as_str()))),
                Arc::new(BooleanArray::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
            ];
            rows_plan(fields, columns, rows.len())
        }
        SqlStatement::Describe { name, extended } => {
            let rows = session.describe_table(&name, extended)?;
            let fields = Fields::from(vec![
                Field::new("col_name", DataType::Utf8, false),
                Field::new("data_type", DataType::Utf8, false),
                Field::new("comment", DataType::Utf8, true),
            ]);
            let columns: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0.as_str()))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1.as_str()))),
                Arc::new(StringArray::from(rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>())),
            ];
            rows_plan(fields, columns, rows.len())
        }
        SqlStatement::Truncate { name } => {
            session.truncate_table(&name)?;
            Ok(no_rows())
        }
    }
}

/// A command's result: no columns, no rows.
fn no_rows() -> Plan {
    builder::values(Fields::empty(), vec![])
}

fn rows_plan(fields: Fields, columns: Vec<ArrayRef>, n: usize) -> Result<Plan> {
    let batch = crate::types::batch::make_batch(Arc::new(Schema::new(fields.clone())), columns, n)?;
    Ok(builder::values(fields, vec![batch]))
}
